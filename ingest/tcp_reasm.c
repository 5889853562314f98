/*
 * tcp_reasm.c — TCP reassembly for one direction of a captured connection
 * (rules in tcp_reasm.h).
 *
 * Data that arrives in order while nothing is pending goes straight to the
 * consumer; everything else is stored as disjoint, sorted pieces (a new
 * segment is cut around the pieces already held, so the first copy of every
 * byte wins) and handed on as soon as it joins the in-order stream.
 */
#include "ingest/tcp_reasm.h"

#include <stdlib.h>
#include <string.h>

struct tcp_seg {
	struct tcp_seg *next;
	uint64_t off;
	size_t len;
	uint32_t frame;
	uint8_t data[];
};

void tcp_half_init(struct tcp_half *h)
{
	memset(h, 0, sizeof(*h));
}

static void free_pending(struct tcp_half *h)
{
	struct tcp_seg *s = h->pending;

	while (s) {
		struct tcp_seg *next = s->next;

		free(s);
		s = next;
	}
	h->pending = NULL;
	h->pending_bytes = 0;
}

void tcp_half_free(struct tcp_half *h)
{
	free_pending(h);
	tcp_half_init(h);
}

void tcp_half_stop(struct tcp_half *h)
{
	free_pending(h);
	h->unwanted = true;
}

/* Moves the in-order point forward by n bytes (delivered or lost). */
static void advance(struct tcp_half *h, uint64_t n)
{
	h->next_off += n;
	h->next_seq += (uint32_t)n; /* modulo 2^32, RFC 9293 section 3.4 */
	if (h->have_fin && h->next_off >= h->fin_off)
		h->closed = true;
}

static void deliver(struct tcp_half *h, const uint8_t *p, size_t n, uint32_t frame, tcp_deliver_fn fn, void *ctx)
{
	if (h->unwanted || n == 0)
		return;
	advance(h, n);
	if (!fn(ctx, p, n, frame))
		tcp_half_stop(h);
}

/* Hands on every pending piece that has become contiguous. */
static void drain(struct tcp_half *h, tcp_deliver_fn fn, void *ctx)
{
	while (h->pending && !h->unwanted && h->pending->off <= h->next_off) {
		struct tcp_seg *s = h->pending;
		uint64_t end = s->off + s->len;

		h->pending = s->next;
		h->pending_bytes -= s->len;
		if (end > h->next_off) {
			size_t skip = (size_t)(h->next_off - s->off);

			deliver(h, s->data + skip, s->len - skip, s->frame, fn, ctx);
		}
		free(s);
	}
}

/* Skips the hole before the first pending piece, telling the consumer. */
static void skip_hole(struct tcp_half *h, tcp_deliver_fn fn, void *ctx)
{
	uint64_t lost;

	if (!h->pending || h->pending->off <= h->next_off)
		return;
	lost = h->pending->off - h->next_off;
	h->lost += lost;
	advance(h, lost);
	if (!h->unwanted && !fn(ctx, NULL, (size_t)lost, h->pending->frame))
		tcp_half_stop(h);
}

static sd_err new_piece(struct tcp_seg **link, uint64_t off, const uint8_t *p, size_t n, uint32_t frame,
			struct tcp_half *h)
{
	struct tcp_seg *s = malloc(sizeof(*s) + n);

	if (!s)
		return SD_ERR_NOMEM;
	s->off = off;
	s->len = n;
	s->frame = frame;
	memcpy(s->data, p, n);
	s->next = *link;
	*link = s;
	h->pending_bytes += n;
	return SD_OK;
}

/* Stores [off, off+n) except the bytes some piece already holds. */
static sd_err store(struct tcp_half *h, uint64_t off, const uint8_t *p, size_t n, uint32_t frame)
{
	struct tcp_seg **link = &h->pending;
	uint64_t end = off + n;
	bool differs = false;
	sd_err e = SD_OK;

	while (*link && off < end) {
		struct tcp_seg *x = *link;
		uint64_t xend = x->off + x->len;

		if (xend <= off) {
			link = &x->next;
			continue;
		}
		if (x->off >= end)
			break;
		if (off < x->off) {
			e = new_piece(link, off, p, (size_t)(x->off - off), frame, h);
			if (e != SD_OK)
				return e;
			link = &(*link)->next; /* back at x */
			p += x->off - off;
			off = x->off;
		}
		/* [off, min(end, xend)) is held by x already: keep x's copy */
		uint64_t stop = end < xend ? end : xend;

		if (memcmp(p, x->data + (off - x->off), (size_t)(stop - off)) != 0)
			differs = true;
		p += stop - off;
		off = stop;
		link = &x->next;
	}
	if (differs)
		h->conflicting++;
	if (off < end)
		e = new_piece(link, off, p, (size_t)(end - off), frame, h);
	return e;
}

sd_err tcp_half_segment(struct tcp_half *h, uint32_t seq, unsigned flags, const uint8_t *p, size_t n,
			uint32_t frame, tcp_deliver_fn fn, void *ctx)
{
	uint32_t data_seq = seq;
	int64_t start, end;
	sd_err e = SD_OK;

	if (h->unwanted || h->closed)
		return SD_OK;
	if (flags & TCP_RST) {
		h->closed = true;
		return SD_OK;
	}
	if (flags & TCP_SYN) {
		/* the SYN occupies one sequence number before the data */
		data_seq = seq + 1;
		if (!h->started) {
			h->next_seq = data_seq;
			h->from_syn = true;
		}
	} else if (!h->started) {
		h->next_seq = seq; /* mid-connection: start here */
	}
	h->started = true;

	start = (int64_t)h->next_off + (int32_t)(data_seq - h->next_seq);
	end = start + (int64_t)n;
	if ((flags & TCP_FIN) && end >= 0 && !h->have_fin) {
		h->have_fin = true;
		h->fin_off = (uint64_t)end;
	}
	if (n == 0 || end <= (int64_t)h->next_off) {
		if (n)
			h->retransmitted++;
		if (h->have_fin && h->next_off >= h->fin_off)
			h->closed = true;
		return SD_OK;
	}
	if (start < (int64_t)h->next_off) { /* partly old: keep the first copy */
		size_t skip = (size_t)((int64_t)h->next_off - start);

		h->retransmitted++;
		p += skip;
		n -= skip;
		start = (int64_t)h->next_off;
	}
	if (start == (int64_t)h->next_off && !h->pending) {
		deliver(h, p, n, frame, fn, ctx);
		return SD_OK;
	}
	if (start > (int64_t)h->next_off)
		h->out_of_order++;
	e = store(h, (uint64_t)start, p, n, frame);
	drain(h, fn, ctx);
	while (e == SD_OK && !h->unwanted && h->pending_bytes > TCP_REASM_MAX_PENDING) {
		skip_hole(h, fn, ctx);
		drain(h, fn, ctx);
	}
	return e;
}

void tcp_half_flush(struct tcp_half *h, tcp_deliver_fn fn, void *ctx)
{
	while (h->pending && !h->unwanted) {
		skip_hole(h, fn, ctx);
		drain(h, fn, ctx);
	}
	free_pending(h);
}

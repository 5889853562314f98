/*
 * tcp_reasm.h — one direction of a captured TCP connection put back in
 * order (RFC 9293 section 3.4 sequence numbers), for a reader that only
 * watches: nothing is acknowledged, checksums are not verified (offloading
 * makes them wrong in captures taken on the sending host).
 *
 * Rules, chosen for a passive observer:
 *   - the stream starts after the SYN when one is seen, else at the first
 *     segment seen (a capture that starts mid-connection); bytes before that
 *     point are dropped;
 *   - sequence numbers are compared modulo 2^32 as signed distances from the
 *     next expected byte, so wraparound needs no special case;
 *   - retransmitted and overlapping bytes: the first copy seen wins.  The
 *     receiving application got the first copy of in-order data, and a later
 *     copy cannot change what it read; out-of-order data follows the same
 *     rule so the result never depends on arrival order of duplicates.
 *     Copies that differ are counted (they mean a damaged capture or an
 *     injection attempt);
 *   - a hole that is never filled (a segment missing from the capture) is
 *     skipped when the out-of-order data passes TCP_REASM_MAX_PENDING or
 *     when the capture ends, and reported to the consumer as a gap;
 *   - after FIN (or RST) no more data is taken.
 */
#ifndef SSHDIFF_INGEST_TCP_REASM_H
#define SSHDIFF_INGEST_TCP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/errors.h"

/* Out-of-order bytes kept per direction before a hole is given up on. */
#define TCP_REASM_MAX_PENDING (1u << 20)

#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_RST 0x04u
#define TCP_ACK 0x10u

/* In-order bytes of the stream as they become contiguous; frame is the
 * capture packet that carried them.  p == NULL reports a gap of n bytes
 * missing from the capture.  Returning false means "no more wanted": the
 * direction stops buffering and drops everything after. */
typedef bool (*tcp_deliver_fn)(void *ctx, const uint8_t *p, size_t n, uint32_t frame);

struct tcp_seg;

struct tcp_half {
	bool started;   /* next_seq is known */
	bool from_syn;  /* started at a SYN: the whole stream is seen */
	bool closed;    /* FIN reached or RST seen */
	bool unwanted;  /* the consumer wants no more */
	uint32_t next_seq;
	uint64_t next_off; /* stream offset of next_seq */
	bool have_fin;
	uint64_t fin_off;
	struct tcp_seg *pending; /* out-of-order pieces, sorted, disjoint */
	size_t pending_bytes;
	/* what happened, for diagnostics */
	uint64_t retransmitted, out_of_order, conflicting, lost;
};

void tcp_half_init(struct tcp_half *h);
void tcp_half_free(struct tcp_half *h);

/* One segment of this direction: seq, flags (TCP_*) and payload as
 * captured.  SD_ERR_NOMEM when out-of-order data cannot be stored. */
sd_err tcp_half_segment(struct tcp_half *h, uint32_t seq, unsigned flags, const uint8_t *p, size_t n,
			uint32_t frame, tcp_deliver_fn fn, void *ctx);

/* End of capture: delivers what is pending, with gaps for the holes. */
void tcp_half_flush(struct tcp_half *h, tcp_deliver_fn fn, void *ctx);

/* Stop taking data (the consumer has what it needs); frees the buffers. */
void tcp_half_stop(struct tcp_half *h);

#endif

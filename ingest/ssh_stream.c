/*
 * ssh_stream.c — identification lines and cleartext binary packets of one
 * captured connection (see ssh_stream.h).  Framing goes through the
 * engine's packet_open with no keys (RFC 4253 section 6: block size 8, no
 * MAC), messages through msg.h: nothing here parses SSH fields by hand.
 */
#include "ingest/ssh_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"

/* Stream bytes up to (not including) end arrived in frame. */
struct ssh_mark {
	uint64_t end;
	uint32_t frame;
};

/* A partial line longer than this in the search for the identification
 * line cannot be one (255 bytes, RFC 4253 section 4.2) and is dropped up to
 * its end, so an undecided direction holds little memory. */
#define SEEK_LINE_MAX 1024u

static void diag_at(struct ssh_stream *s, int dir, uint32_t frame, const char *what)
{
	ingest_diag_add(s->diag, "%s: packet %u: %s: %s", s->file, (unsigned)frame, s->label[dir], what);
}

void ssh_stream_init(struct ssh_stream *s, struct field_conn *conn, struct ingest_diag *diag, const char *file)
{
	memset(s, 0, sizeof(*s));
	for (int d = 0; d < 2; d++) {
		struct ssh_half *h = &s->half[d];

		h->at_line_start = true;
		sbuf_init(&h->buf);
		packet_dir_init(&h->pd);
		h->pd.max_packet = SSH_STREAM_MAX_PACKET;
	}
	s->conn = conn;
	s->diag = diag;
	s->file = file;
	sbuf_init(&s->scratch);
}

static void half_release(struct ssh_half *h)
{
	sbuf_free(&h->buf);
	free(h->marks);
	h->marks = NULL;
	h->n_marks = h->cap_marks = 0;
	packet_dir_free(&h->pd);
}

void ssh_stream_free(struct ssh_stream *s)
{
	for (int d = 0; d < 2; d++)
		half_release(&s->half[d]);
	sbuf_free(&s->scratch);
}

static void half_done(struct ssh_half *h)
{
	h->state = SSH_DONE;
	half_release(h);
}

/* ---- which frame carried which byte ---- */

static bool mark_add(struct ssh_half *h, uint64_t end, uint32_t frame)
{
	if (h->n_marks && h->marks[h->n_marks - 1].frame == frame) {
		h->marks[h->n_marks - 1].end = end;
		return true;
	}
	if (h->n_marks == h->cap_marks) {
		size_t cap = h->cap_marks ? h->cap_marks * 2 : 16;
		struct ssh_mark *m = realloc(h->marks, cap * sizeof(*m));

		if (!m)
			return false;
		h->marks = m;
		h->cap_marks = cap;
	}
	h->marks[h->n_marks++] = (struct ssh_mark){end, frame};
	return true;
}

static uint32_t frame_at(const struct ssh_half *h, uint64_t off)
{
	for (size_t i = 0; i < h->n_marks; i++)
		if (off < h->marks[i].end)
			return h->marks[i].frame;
	return h->n_marks ? h->marks[h->n_marks - 1].frame : 0;
}

static void consume(struct ssh_half *h, size_t n)
{
	size_t drop = 0;

	sbuf_consume(&h->buf, n);
	h->buf_off += n;
	while (drop < h->n_marks && h->marks[drop].end <= h->buf_off)
		drop++;
	if (drop) {
		memmove(h->marks, h->marks + drop, (h->n_marks - drop) * sizeof(*h->marks));
		h->n_marks -= drop;
	}
}

/* ---- identification line, RFC 4253 section 4.2 ---- */

/* "SSH-protoversion-softwareversion": "SSH-", digits and dots, "-". */
static bool is_ident(const uint8_t *p, size_t n)
{
	size_t i = 4;

	if (n < 6 || memcmp(p, "SSH-", 4) != 0)
		return false;
	while (i < n && ((p[i] >= '0' && p[i] <= '9') || p[i] == '.'))
		i++;
	return i > 4 && i < n && p[i] == '-';
}

static void record_ident(struct ssh_stream *s, int dir, const uint8_t *line, size_t n, uint32_t frame)
{
	char *out = dir == 0 ? s->conn->client_version : s->conn->server_version;
	size_t cap = sizeof(s->conn->client_version) - 1, len = n;
	struct ssh_half *h = &s->half[dir];
	char msg[160];

	/* the line ends in CR LF; a bare LF is tolerated as OpenSSH does */
	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	if (n > 255)
		diag_at(s, dir, frame, "identification line longer than 255 bytes (RFC 4253 section 4.2); kept as is");
	if (len > cap)
		len = cap;
	memcpy(out, line, len);
	out[len] = '\0';
	h->banner = true;
	/* "1.99" is SSH-2 compatible (RFC 4253 section 5.1); other 1.x are SSH-1 */
	if (strncmp(out, "SSH-1.", 6) == 0 && strncmp(out, "SSH-1.99-", 9) != 0) {
		h->ssh1 = true;
		snprintf(msg, sizeof(msg), "SSH protocol 1 (\"%.40s\") is not supported; only its version line is kept",
			 out);
		diag_at(s, dir, frame, msg);
	}
}

/* A mid-connection stream may start right at a cleartext KEXINIT (the
 * capture began after the identification lines): 1 yes, 0 no, -1 need
 * more bytes. */
static int probe_kexinit(struct ssh_stream *s, struct ssh_half *h)
{
	struct packet_dir pd;
	struct msg_kexinit k;
	size_t used = 0;
	sd_err e;
	int yes;

	packet_dir_init(&pd);
	pd.max_packet = SSH_STREAM_MAX_PACKET;
	sbuf_reset(&s->scratch);
	e = packet_open(&pd, sbuf_span(&h->buf), &used, &s->scratch);
	packet_dir_free(&pd);
	if (e == SD_AGAIN)
		return -1;
	yes = e == SD_OK && s->scratch.len && s->scratch.data[0] == MSG_KEXINIT &&
	      msg_kexinit_parse(sbuf_span(&s->scratch), &k) == SD_OK;
	return yes ? 1 : 0;
}

static void give_up(struct ssh_half *h)
{
	h->not_ssh = true;
	half_done(h);
}

/* One step of the search; false when it needs more bytes or is over. */
static bool seek_step(struct ssh_stream *s, int dir)
{
	struct ssh_half *h = &s->half[dir];
	const uint8_t *nl;
	size_t n;

	if (h->buf_off >= SSH_STREAM_BANNER_SEARCH) {
		give_up(h);
		return false;
	}
	if (!h->kexinit_probe_done && ((h->mid_start && h->buf_off == 0) || h->after_gap)) {
		int r = probe_kexinit(s, h);

		if (r < 0)
			return false;
		h->kexinit_probe_done = true;
		if (r > 0) {
			diag_at(s, dir, frame_at(h, h->buf_off),
				h->after_gap ? "identification line missing from the capture; reading from the KEXINIT"
					     : "capture starts after the identification lines; reading from the KEXINIT");
			h->state = SSH_PACKETS;
			return true;
		}
	}
	nl = h->buf.len ? memchr(h->buf.data, '\n', h->buf.len) : NULL;
	if (!nl) {
		if (h->buf.len > SEEK_LINE_MAX) {
			consume(h, h->buf.len);
			h->at_line_start = false;
		}
		return false;
	}
	n = (size_t)(nl - h->buf.data) + 1;
	if (h->at_line_start && is_ident(h->buf.data, n)) {
		record_ident(s, dir, h->buf.data, n, frame_at(h, h->buf_off + n - 1));
		consume(h, n);
		if (h->ssh1) {
			half_done(h);
			return false;
		}
		h->state = SSH_PACKETS;
		return true;
	}
	if (h->at_line_start)
		h->lines_before++;
	h->at_line_start = true;
	consume(h, n);
	return true;
}

/* ---- binary packets, RFC 4253 section 6 ---- */

static void fill_proposal(struct ssh_stream *s, int dir, struct span payload, uint32_t frame)
{
	struct field_proposal *p = dir == 0 ? &s->conn->client : &s->conn->server;
	struct msg_kexinit k;
	sd_err e = msg_kexinit_parse(payload, &k);
	char msg[200];

	if (p->present) {
		/* a second KEXINIT before NEWKEYS breaks RFC 4253 section 7.1 */
		diag_at(s, dir, frame, "second KEXINIT before NEWKEYS; the first one is kept");
		return;
	}
	if (e != SD_OK) {
		snprintf(msg, sizeof(msg), "KEXINIT unreadable: %s (%s)", sd_err_text(e), sd_err_rule(e));
		diag_at(s, dir, frame, msg);
		return;
	}
	for (int i = 0; i < FL_COUNT; i++) {
		/* the text is NUL-terminated; len does not count the NUL */
		e = sbuf_put(&p->lists[i], k.lists[i].p, k.lists[i].len);
		if (e == SD_OK)
			e = sbuf_put_u8(&p->lists[i], 0);
		if (e != SD_OK)
			return;
		p->lists[i].len--;
		p->lists_known[i] = true;
	}
	if (sbuf_put(&p->kexinit, payload.p, payload.len) != SD_OK)
		return;
	memcpy(p->cookie, k.cookie, sizeof(p->cookie));
	p->have_cookie = true;
	p->first_kex_follows = k.first_kex_follows != 0;
	p->reserved = k.reserved;
	p->present = true;
	/* RFC 8308 section 2.1 and OpenSSH PROTOCOL strict kex: markers that
	 * only one role puts in its kex list */
	if (namelist_contains(k.lists[KEXINIT_KEX], span_cstr("ext-info-c")) ||
	    namelist_contains(k.lists[KEXINIT_KEX], span_cstr("kex-strict-c-v00@openssh.com")))
		s->half[dir].client_evidence++;
	if (namelist_contains(k.lists[KEXINIT_KEX], span_cstr("ext-info-s")) ||
	    namelist_contains(k.lists[KEXINIT_KEX], span_cstr("kex-strict-s-v00@openssh.com")))
		s->half[dir].server_evidence++;
}

static void keep_packet(struct ssh_stream *s, int dir, struct span payload, uint32_t frame)
{
	struct field_conn *c = s->conn;
	struct field_packet *fp;

	if (c->n_packets == FIELD_MAX_PACKETS) {
		s->packets_dropped++;
		return;
	}
	fp = &c->packets[c->n_packets];
	if (sbuf_put(&fp->payload, payload.p, payload.len) != SD_OK) {
		sbuf_reset(&fp->payload);
		s->packets_dropped++;
		return;
	}
	fp->from_client = dir == 0;
	fp->frame = frame;
	c->n_packets++;
}

static void take_payload(struct ssh_stream *s, int dir, struct span payload, uint32_t frame)
{
	struct ssh_half *h = &s->half[dir];

	keep_packet(s, dir, payload, frame);
	switch (payload.p[0]) {
	case MSG_KEXINIT:
		fill_proposal(s, dir, payload, frame);
		break;
	case MSG_KEXDH_INIT: /* also ECDH_INIT and GEX_REQUEST_OLD: client only */
	case MSG_KEX_DH_GEX_INIT:
	case MSG_KEX_DH_GEX_REQUEST:
		h->client_evidence++;
		break;
	case MSG_KEXDH_REPLY: /* also ECDH_REPLY and GEX_GROUP: server only */
	case MSG_KEX_DH_GEX_REPLY:
		h->server_evidence++;
		break;
	case MSG_NEWKEYS: /* RFC 4253 section 7.3: new keys from the next packet */
		if (dir == 0)
			s->conn->newkeys_cs = true;
		else
			s->conn->newkeys_sc = true;
		h->state = SSH_ENCRYPTED;
		break;
	default:
		break;
	}
}

static bool packet_step(struct ssh_stream *s, int dir)
{
	struct ssh_half *h = &s->half[dir];
	size_t used = 0;
	sd_err e;
	char msg[240];

	sbuf_reset(&s->scratch);
	e = packet_open(&h->pd, sbuf_span(&h->buf), &used, &s->scratch);
	if (e == SD_AGAIN)
		return false;
	if (e != SD_OK) {
		snprintf(msg, sizeof(msg),
			 "cleartext packet %zu at stream offset %llu unreadable: %s (%s); rest of this direction ignored",
			 h->packets + 1, (unsigned long long)h->buf_off, sd_err_text(e), sd_err_rule(e));
		diag_at(s, dir, frame_at(h, h->buf_off + (h->buf.len ? h->buf.len - 1 : 0)), msg);
		h->damaged = true;
		half_done(h);
		return false;
	}
	h->packets++;
	take_payload(s, dir, sbuf_span(&s->scratch), frame_at(h, h->buf_off + used - 1));
	consume(h, used);
	return true;
}

static void process(struct ssh_stream *s, int dir)
{
	struct ssh_half *h = &s->half[dir];
	bool more = true;

	while (more) {
		if (h->state == SSH_SEEK_BANNER)
			more = seek_step(s, dir);
		else if (h->state == SSH_PACKETS)
			more = packet_step(s, dir);
		else
			more = false;
	}
	if (h->state == SSH_ENCRYPTED && h->buf.len) {
		h->encrypted_frame = frame_at(h, h->buf_off);
		half_done(h);
	}
}

static void gap(struct ssh_stream *s, int dir, size_t n, uint32_t frame)
{
	struct ssh_half *h = &s->half[dir];
	char msg[200];

	h->seen += n;
	if (h->state == SSH_SEEK_BANNER) {
		/* whatever line was in progress is lost; resume at the next
		 * one, or at a KEXINIT if the hole ends at a packet */
		consume(h, h->buf.len);
		h->buf_off += n;
		h->at_line_start = false;
		h->after_gap = !h->banner;
		h->kexinit_probe_done = false;
		return;
	}
	if (h->state == SSH_PACKETS) {
		snprintf(msg, sizeof(msg),
			 "%zu bytes missing from the capture before the end of the cleartext key exchange; "
			 "rest of this direction ignored",
			 n);
		diag_at(s, dir, frame, msg);
		h->damaged = true;
		half_done(h);
	}
	/* SSH_ENCRYPTED: ciphertext was lost; the frame after it still starts
	 * the encrypted part */
}

bool ssh_stream_data(struct ssh_stream *s, int dir, const uint8_t *p, size_t n, uint32_t frame)
{
	struct ssh_half *h = &s->half[dir];

	if (h->state == SSH_DONE)
		return false;
	if (!h->first_frame)
		h->first_frame = frame;
	if (!p) {
		gap(s, dir, n, frame);
		return h->state != SSH_DONE;
	}
	h->seen += n;
	if (h->state == SSH_ENCRYPTED) {
		h->encrypted_frame = frame;
		half_done(h);
		return false;
	}
	if (sbuf_put(&h->buf, p, n) != SD_OK || !mark_add(h, h->buf_off + h->buf.len, frame)) {
		diag_at(s, dir, frame, "out of memory; rest of this direction ignored");
		h->damaged = true;
		half_done(h);
		return false;
	}
	process(s, dir);
	return h->state != SSH_DONE;
}

bool ssh_stream_found(const struct ssh_stream *s)
{
	return s->half[0].banner || s->half[1].banner || s->half[0].packets || s->half[1].packets;
}

/* Evidence for "direction d is the client", strongest first: the TCP SYN;
 * messages only one role sends (RFC 4253 section 8, RFC 4419, RFC 5656
 * section 4); role markers in the kex list; lines before the
 * identification line, which only a server may send (RFC 4253 section
 * 4.2); a well-known server port. */
static int decide_client(const struct ssh_stream *s, int syn_client, const uint16_t ports[2], bool *guessed)
{
	const struct ssh_half *h = s->half;
	int score[2];

	*guessed = false;
	if (syn_client == 0 || syn_client == 1)
		return syn_client;
	for (int d = 0; d < 2; d++)
		score[d] = (int)h[d].client_evidence - (int)h[d].server_evidence + (int)h[1 - d].server_evidence -
			   (int)h[1 - d].client_evidence - (h[d].lines_before ? 1 : 0) +
			   (h[1 - d].lines_before ? 1 : 0);
	if (score[0] != score[1])
		return score[0] > score[1] ? 0 : 1;
	*guessed = true;
	if (ports[0] == 22 || ports[1] == 22)
		return ports[0] == 22 ? 1 : 0;
	if ((ports[0] < 1024) != (ports[1] < 1024))
		return ports[0] < 1024 ? 1 : 0;
	return ports[0] < ports[1] ? 1 : 0;
}

static void swap_sides(struct field_conn *c)
{
	struct field_proposal p = c->client;
	char v[sizeof(c->client_version)];
	bool nk = c->newkeys_cs;

	c->client = c->server;
	c->server = p;
	memcpy(v, c->client_version, sizeof(v));
	memcpy(c->client_version, c->server_version, sizeof(v));
	memcpy(c->server_version, v, sizeof(v));
	c->newkeys_cs = c->newkeys_sc;
	c->newkeys_sc = nk;
	for (size_t i = 0; i < c->n_packets; i++)
		c->packets[i].from_client = !c->packets[i].from_client;
}

void ssh_stream_finish(struct ssh_stream *s, int syn_client, const uint16_t ports[2], bool *guessed,
		       int *client_dir)
{
	struct field_conn *c = s->conn;
	uint32_t enc = 0;
	int cd = decide_client(s, syn_client, ports, guessed);

	if (cd == 1)
		swap_sides(c);
	*client_dir = cd;
	snprintf(c->where, sizeof(c->where), "%s", s->label[cd]);
	for (int d = 0; d < 2; d++) {
		const struct ssh_half *h = &s->half[d];

		if (h->mid_start && !h->banner)
			c->started_mid_connection = true;
		if (h->encrypted_frame && (!enc || h->encrypted_frame < enc))
			enc = h->encrypted_frame;
	}
	c->encrypted_from_frame = enc;
	if (s->packets_dropped)
		ingest_diag_add(s->diag, "%s: %s: %zu cleartext packets past the first %d not kept", s->file,
				c->where, s->packets_dropped, FIELD_MAX_PACKETS);
	if (s->half[cd].lines_before)
		ingest_diag_add(s->diag,
				"%s: %s: the client sent %zu lines before its identification line "
				"(RFC 4253 section 4.2 allows them from the server only)",
				s->file, c->where, s->half[cd].lines_before);
}

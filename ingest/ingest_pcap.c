/*
 * ingest_pcap.c — SSH connections in a pcap or pcapng file (libpcap reads
 * both): link layer, IPv4/IPv6, TCP connections by 4-tuple, reassembly
 * (tcp_reasm.c), then the SSH streams (ssh_stream.c).
 *
 * Link layers: Ethernet (with 802.1Q/802.1ad tags), Linux cooked SLL and
 * SLL2, raw IP (DLT_RAW, LINKTYPE_IPV4/IPV6), BSD loopback (DLT_NULL in
 * the capturing host's byte order, DLT_LOOP in network order; both orders
 * accepted for both).  IP fragments are not reassembled: a fragmented TCP
 * segment is reported and left out (the stream then has a hole).
 *
 * Memory: a connection that shows no SSH is dropped to its 4-tuple; an SSH
 * connection stops buffering each direction at its first NEWKEYS.
 */
#include "ingest/ingest.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ssh_stream.h"
#include "ingest/tcp_reasm.h"

/* Per-packet problems are reported for the first few packets of each kind,
 * then counted, so a badly damaged file does not print a line per packet. */
#define PROBLEM_LINES 5

enum problem { PB_LINK, PB_IP, PB_FRAGMENT, PB_TCP, PB_SNAPLEN, PB_COUNT };

struct endpoint {
	uint8_t addr[16];
	uint16_t port;
};

struct conn;

struct sink {
	struct conn *c;
	int dir;
};

struct conn {
	struct conn *hnext;
	int family; /* 4 or 6 */
	struct endpoint ep[2]; /* ep[d]: source of direction d */
	uint32_t first_frame;
	int syn_client; /* direction that sent the SYN, -1 none seen */
	bool have_isn;
	uint32_t isn; /* client's initial sequence number */
	bool finished;
	uint64_t bytes[2];
	struct tcp_half tcp[2];
	struct sink sink[2];
	struct ssh_stream *ssh; /* NULL once the connection is known not SSH */
	struct field_conn *fc;
	bool found;
};

struct reader {
	const char *path;
	struct ingest_diag *diag;
	int dlt;
	uint32_t frame;
	struct conn **all; /* in order of first packet */
	size_t n_all, cap_all;
	struct conn **buckets;
	size_t n_buckets;
	unsigned problems[PB_COUNT];
	sd_err fatal; /* SD_ERR_NOMEM */
};

/* ---- small helpers ---- */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void problem(struct reader *r, enum problem k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(struct reader *r, enum problem k, const char *fmt, ...)
{
	char text[200];
	va_list ap;

	if (k != PB_SNAPLEN)
		r->diag->damaged = true;
	if (r->problems[k]++ >= PROBLEM_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ingest_diag_add(r->diag, "%s: packet %u: %s", r->path, (unsigned)r->frame, text);
}

/* ---- link layer ---- */

enum link_result { LINK_IP, LINK_OTHER, LINK_SHORT };

static enum link_result ethertype_ip(uint16_t type)
{
	return type == 0x0800 || type == 0x86dd ? LINK_IP : LINK_OTHER;
}

/* BSD address families of IPv4 and IPv6 on the systems that write
 * DLT_NULL/DLT_LOOP captures: AF_INET is 2 everywhere, AF_INET6 is 24
 * (NetBSD, OpenBSD), 28 (FreeBSD, DragonFly), 30 (macOS), 10 (Linux). */
static bool loop_family_ip(uint32_t fam)
{
	return fam == 2 || fam == 10 || fam == 24 || fam == 28 || fam == 30;
}

static enum link_result link_strip(int dlt, const uint8_t **p, size_t *n)
{
	size_t off = 0;
	uint16_t type;

	switch (dlt) {
	case DLT_EN10MB:
		if (*n < 14)
			return LINK_SHORT;
		type = be16(*p + 12);
		off = 14;
		/* IEEE 802.1Q, 802.1ad and the old QinQ tag: TCI then the next type */
		while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
			if (*n < off + 4)
				return LINK_SHORT;
			type = be16(*p + off + 2);
			off += 4;
		}
		break;
	case DLT_LINUX_SLL: /* 16 bytes, protocol at 14 */
		if (*n < 16)
			return LINK_SHORT;
		type = be16(*p + 14);
		off = 16;
		break;
	case DLT_LINUX_SLL2: /* 20 bytes, protocol first */
		if (*n < 20)
			return LINK_SHORT;
		type = be16(*p);
		off = 20;
		break;
	case DLT_NULL:
	case DLT_LOOP: {
		if (*n < 4)
			return LINK_SHORT;
		uint32_t big = be32(*p);
		uint32_t little = (uint32_t)(*p)[3] << 24 | (uint32_t)(*p)[2] << 16 | (uint32_t)(*p)[1] << 8 | (*p)[0];

		if (!loop_family_ip(big) && !loop_family_ip(little))
			return LINK_OTHER;
		*p += 4;
		*n -= 4;
		return LINK_IP;
	}
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return LINK_IP;
	default:
		return LINK_OTHER;
	}
	*p += off;
	*n -= off;
	return ethertype_ip(type);
}

static bool dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return true;
	default:
		return false;
	}
}

/* ---- IP ---- */

struct ip_view {
	int family;
	uint8_t src[16], dst[16];
	const uint8_t *l4;
	size_t l4_len;
	size_t missing; /* bytes the IP header announces beyond the capture */
};

/* IPv4, RFC 791.  false: not a TCP segment we can use (reported if it
 * should have been one). */
static bool ipv4(struct reader *r, const uint8_t *p, size_t n, struct ip_view *v)
{
	size_t ihl, total;
	uint16_t frag;

	if (n < 20) {
		problem(r, PB_IP, "IPv4 header truncated (%zu bytes)", n);
		return false;
	}
	ihl = (size_t)(p[0] & 0x0f) * 4;
	total = be16(p + 2);
	if (total == 0) /* segmentation offload on the capturing host: the
			 * stack had not filled the length in yet */
		total = n;
	if (ihl < 20 || total < ihl || n < ihl) {
		problem(r, PB_IP, "malformed IPv4 header (IHL %zu, total length %zu, %zu bytes captured)", ihl, total,
			n);
		return false;
	}
	if (p[9] != 6) /* not TCP */
		return false;
	frag = be16(p + 6);
	if (frag & 0x3fff) { /* MF set or an offset: a fragment */
		problem(r, PB_FRAGMENT, "IPv4 fragment of a TCP segment (id %u): fragments are not reassembled; "
			"segment left out", (unsigned)be16(p + 4));
		return false;
	}
	v->family = 4;
	memset(v->src, 0, sizeof(v->src));
	memset(v->dst, 0, sizeof(v->dst));
	memcpy(v->src, p + 12, 4);
	memcpy(v->dst, p + 16, 4);
	/* the total length drops Ethernet padding; less than it was captured
	 * when the snap length cut the packet */
	v->missing = total > n ? total - n : 0;
	v->l4 = p + ihl;
	v->l4_len = (total < n ? total : n) - ihl;
	return true;
}

/* IPv6, RFC 8200: extension headers are walked to the TCP header. */
static bool ipv6(struct reader *r, const uint8_t *p, size_t n, struct ip_view *v)
{
	size_t plen, end, off = 40;
	uint8_t next;

	if (n < 40) {
		problem(r, PB_IP, "IPv6 header truncated (%zu bytes)", n);
		return false;
	}
	plen = be16(p + 4);
	next = p[6];
	end = plen ? 40 + plen : n; /* 0: jumbogram, RFC 2675 */
	v->missing = end > n ? end - n : 0;
	if (end < n)
		n = end;
	for (int hops = 0; next != 6; hops++) {
		size_t len;

		switch (next) {
		case 0:   /* hop-by-hop options */
		case 43:  /* routing */
		case 60:  /* destination options */
		case 135: /* mobility */
		case 139: /* HIP */
		case 140: /* shim6 */
			if (n < off + 8)
				goto short_ext;
			len = ((size_t)p[off + 1] + 1) * 8;
			break;
		case 51: /* AH, RFC 4302: length in 4-byte units minus 2 */
			if (n < off + 8)
				goto short_ext;
			len = ((size_t)p[off + 1] + 2) * 4;
			break;
		case 44: /* fragment, RFC 8200 section 4.5 */
			if (n < off + 8)
				goto short_ext;
			if (be16(p + off + 2) & 0xfff9) { /* offset or M flag */
				if (p[off] != 6)
					return false; /* not TCP: not ours */
				problem(r, PB_FRAGMENT,
					"IPv6 fragment (id %u): fragments are not reassembled; packet left out",
					(unsigned)be32(p + off + 4));
				return false;
			}
			len = 8;
			break;
		default: /* no next header (59), or not TCP */
			return false;
		}
		if (hops > 16 || n < off + len)
			goto short_ext;
		next = p[off];
		off += len;
	}
	v->family = 6;
	memcpy(v->src, p + 8, 16);
	memcpy(v->dst, p + 24, 16);
	v->l4 = p + off;
	v->l4_len = n - off;
	return true;
short_ext:
	problem(r, PB_IP, "IPv6 extension headers truncated or too many");
	return false;
}

/* ---- connections ---- */

static size_t hash_pair(int family, const struct endpoint *a, const struct endpoint *b)
{
	/* FNV-1a over both endpoints, order-independent by XOR of the halves */
	uint64_t ha = 1469598103934665603ull, hb = ha;

	for (size_t i = 0; i < 16; i++) {
		ha = (ha ^ a->addr[i]) * 1099511628211ull;
		hb = (hb ^ b->addr[i]) * 1099511628211ull;
	}
	ha = (ha ^ a->port) * 1099511628211ull;
	hb = (hb ^ b->port) * 1099511628211ull;
	return (size_t)((ha ^ hb) + (uint64_t)family);
}

static bool ep_eq(const struct endpoint *a, const struct endpoint *b)
{
	return a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}

/* The connection of (src, dst) and the direction the packet goes in. */
static struct conn *conn_find(struct reader *r, int family, const struct endpoint *src, const struct endpoint *dst,
			      int *dir)
{
	struct conn *c;

	if (!r->n_buckets)
		return NULL;
	for (c = r->buckets[hash_pair(family, src, dst) & (r->n_buckets - 1)]; c; c = c->hnext) {
		if (c->family != family)
			continue;
		if (ep_eq(&c->ep[0], src) && ep_eq(&c->ep[1], dst)) {
			*dir = 0;
			return c;
		}
		if (ep_eq(&c->ep[1], src) && ep_eq(&c->ep[0], dst)) {
			*dir = 1;
			return c;
		}
	}
	return NULL;
}

static void conn_unlink(struct reader *r, struct conn *c)
{
	struct conn **link = &r->buckets[hash_pair(c->family, &c->ep[0], &c->ep[1]) & (r->n_buckets - 1)];

	while (*link && *link != c)
		link = &(*link)->hnext;
	if (*link)
		*link = c->hnext;
	c->hnext = NULL;
}

static sd_err grow_buckets(struct reader *r)
{
	size_t nb = r->n_buckets ? r->n_buckets * 2 : 1024;
	struct conn **b = calloc(nb, sizeof(*b));

	if (!b)
		return SD_ERR_NOMEM;
	for (size_t i = 0; i < r->n_buckets; i++) {
		struct conn *c = r->buckets[i];

		while (c) {
			struct conn *next = c->hnext;
			size_t h = hash_pair(c->family, &c->ep[0], &c->ep[1]) & (nb - 1);

			c->hnext = b[h];
			b[h] = c;
			c = next;
		}
	}
	free(r->buckets);
	r->buckets = b;
	r->n_buckets = nb;
	return SD_OK;
}

static void label(char *out, size_t size, int family, const struct endpoint *a, const struct endpoint *b)
{
	char sa[INET6_ADDRSTRLEN], sb[INET6_ADDRSTRLEN];
	int af = family == 4 ? AF_INET : AF_INET6;

	if (!inet_ntop(af, a->addr, sa, sizeof(sa)))
		snprintf(sa, sizeof(sa), "?");
	if (!inet_ntop(af, b->addr, sb, sizeof(sb)))
		snprintf(sb, sizeof(sb), "?");
	if (family == 4)
		snprintf(out, size, "%s:%u > %s:%u", sa, (unsigned)a->port, sb, (unsigned)b->port);
	else
		snprintf(out, size, "[%s]:%u > [%s]:%u", sa, (unsigned)a->port, sb, (unsigned)b->port);
}

static void conn_release(struct conn *c)
{
	for (int d = 0; d < 2; d++)
		tcp_half_free(&c->tcp[d]);
	if (c->ssh) {
		ssh_stream_free(c->ssh);
		free(c->ssh);
		c->ssh = NULL;
	}
}

static void conn_free(struct conn *c)
{
	conn_release(c);
	if (c->fc) {
		field_conn_free(c->fc);
		free(c->fc);
	}
	free(c);
}

static struct conn *conn_new(struct reader *r, int family, const struct endpoint *src, const struct endpoint *dst)
{
	struct conn *c;
	size_t h;

	if (r->n_all == r->cap_all) {
		size_t cap = r->cap_all ? r->cap_all * 2 : 64;
		struct conn **v = realloc(r->all, cap * sizeof(*v));

		if (!v)
			return NULL;
		r->all = v;
		r->cap_all = cap;
	}
	if (r->n_all >= r->n_buckets * 2 && grow_buckets(r) != SD_OK)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->ssh = malloc(sizeof(*c->ssh));
	c->fc = malloc(sizeof(*c->fc));
	if (!c->ssh || !c->fc) {
		free(c->ssh);
		free(c->fc);
		free(c);
		return NULL;
	}
	c->family = family;
	c->ep[0] = *src;
	c->ep[1] = *dst;
	c->first_frame = r->frame;
	c->syn_client = -1;
	field_conn_init(c->fc);
	ssh_stream_init(c->ssh, c->fc, r->diag, r->path);
	for (int d = 0; d < 2; d++) {
		tcp_half_init(&c->tcp[d]);
		c->sink[d] = (struct sink){c, d};
		label(c->ssh->label[d], sizeof(c->ssh->label[d]), family, &c->ep[d], &c->ep[1 - d]);
	}
	h = hash_pair(family, src, dst) & (r->n_buckets - 1);
	c->hnext = r->buckets[h];
	r->buckets[h] = c;
	r->all[r->n_all++] = c;
	return c;
}

static bool on_data(void *ctx, const uint8_t *p, size_t n, uint32_t frame)
{
	struct sink *s = ctx;

	if (!s->c->ssh)
		return false;
	return ssh_stream_data(s->c->ssh, s->dir, p, n, frame);
}

/* Both directions gave up without a trace of SSH: keep only the tuple. */
static void maybe_not_ssh(struct conn *c)
{
	struct ssh_stream *s = c->ssh;

	if (!s || ssh_stream_found(s))
		return;
	if (s->half[0].state == SSH_DONE && s->half[1].state == SSH_DONE) {
		for (int d = 0; d < 2; d++)
			tcp_half_free(&c->tcp[d]);
		ssh_stream_free(s);
		free(s);
		c->ssh = NULL;
	}
}

static bool is_ssh_port(uint16_t port)
{
	return port == 22;
}

/* The end of a connection: flush what is pending, decide the roles. */
static void conn_finish(struct reader *r, struct conn *c)
{
	struct field_conn *fc = c->fc;
	bool guessed = false;
	int client_dir = 0;

	if (c->finished)
		return;
	c->finished = true;
	for (int d = 0; d < 2 && c->ssh; d++)
		tcp_half_flush(&c->tcp[d], on_data, &c->sink[d]);
	if (c->ssh && ssh_stream_found(c->ssh)) {
		uint16_t ports[2] = {c->ep[0].port, c->ep[1].port};

		c->found = true;
		ssh_stream_finish(c->ssh, c->syn_client, ports, &guessed, &client_dir);
		snprintf(fc->file, sizeof(fc->file), "%s", r->path);
		fc->from_log = false;
		if (guessed)
			ingest_diag_add(r->diag,
					"%s: packet %u: %s: no SYN nor role-specific message seen; client and server "
					"guessed from the ports",
					r->path, (unsigned)c->first_frame, fc->where);
		if (fc->started_mid_connection)
			ingest_diag_add(r->diag,
					"%s: packet %u: %s: capture starts mid-connection (an identification line "
					"was not seen)",
					r->path, (unsigned)c->first_frame, fc->where);
		for (int d = 0; d < 2; d++) {
			if (c->ssh->half[d].damaged)
				r->diag->damaged = true;
			if (c->tcp[d].conflicting)
				ingest_diag_add(r->diag,
						"%s: %s: %llu retransmitted segments carried different bytes; the "
						"first copy was kept",
						r->path, c->ssh->label[d], (unsigned long long)c->tcp[d].conflicting);
		}
	} else if ((is_ssh_port(c->ep[0].port) || is_ssh_port(c->ep[1].port)) && (c->bytes[0] || c->bytes[1])) {
		int d = is_ssh_port(c->ep[1].port) ? 0 : 1;
		char where[160];

		label(where, sizeof(where), c->family, &c->ep[d], &c->ep[1 - d]);
		ingest_diag_add(r->diag,
				"%s: packet %u: %s: TCP port 22 but no SSH identification line nor cleartext "
				"packet: encrypted from the first byte seen (the capture starts after the key "
				"exchange); not usable",
				r->path, (unsigned)c->first_frame, where);
	}
	conn_release(c);
	if (!c->found) {
		field_conn_free(c->fc);
		free(c->fc);
		c->fc = NULL;
	}
}

static void tcp_segment(struct reader *r, const struct ip_view *v)
{
	const uint8_t *p = v->l4;
	struct endpoint src, dst;
	size_t doff, n;
	unsigned flags;
	uint32_t seq;
	struct conn *c;
	int dir = 0;

	if (v->l4_len < 20) {
		problem(r, PB_TCP, "TCP header truncated (%zu bytes)", v->l4_len);
		return;
	}
	doff = (size_t)(p[12] >> 4) * 4;
	if (doff < 20 || doff > v->l4_len) {
		problem(r, PB_TCP, "malformed TCP header (data offset %zu, %zu bytes)", doff, v->l4_len);
		return;
	}
	memcpy(src.addr, v->src, 16);
	memcpy(dst.addr, v->dst, 16);
	src.port = be16(p);
	dst.port = be16(p + 2);
	seq = be32(p + 4);
	flags = p[13] & (TCP_FIN | TCP_SYN | TCP_RST | TCP_ACK);
	n = v->l4_len - doff;
	if (v->missing && n)
		problem(r, PB_SNAPLEN, "%zu bytes of TCP data not captured (snap length); that stream has a hole",
			v->missing);

	c = conn_find(r, v->family, &src, &dst, &dir);
	/* a new SYN on a known 4-tuple with another initial sequence number:
	 * the port pair was reused for a new connection */
	if (c && (flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && (!c->have_isn || c->isn != seq) &&
	    (c->bytes[0] || c->bytes[1] || c->have_isn)) {
		conn_finish(r, c);
		conn_unlink(r, c);
		c = NULL;
	}
	if (!c) {
		c = conn_new(r, v->family, &src, &dst);
		if (!c) {
			r->fatal = SD_ERR_NOMEM;
			return;
		}
		dir = 0;
	}
	if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		c->syn_client = dir;
		c->have_isn = true;
		c->isn = seq;
	} else if ((flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) && c->syn_client < 0) {
		c->syn_client = 1 - dir;
	}
	c->bytes[dir] += n;
	if (!c->ssh)
		return;
	if (!c->tcp[dir].started)
		c->ssh->half[dir].mid_start = !(flags & TCP_SYN);
	if (tcp_half_segment(&c->tcp[dir], seq, flags, p + doff, n, r->frame, on_data, &c->sink[dir]) != SD_OK)
		r->fatal = SD_ERR_NOMEM;
	if (flags & TCP_RST) /* RFC 9293 section 3.10.7: the whole connection ends */
		c->tcp[1 - dir].closed = true;
	/* closed both ways: done now, so that a long capture of short
	 * connections holds only their 4-tuples */
	if (c->tcp[0].closed && c->tcp[1].closed)
		conn_finish(r, c);
	else
		maybe_not_ssh(c);
}

static void one_packet(struct reader *r, const struct pcap_pkthdr *hdr, const uint8_t *data)
{
	const uint8_t *p = data;
	size_t n = hdr->caplen;
	struct ip_view v;
	bool ok;

	switch (link_strip(r->dlt, &p, &n)) {
	case LINK_SHORT:
		problem(r, PB_LINK, "link-layer header truncated (%u bytes captured)", (unsigned)hdr->caplen);
		return;
	case LINK_OTHER:
		return; /* ARP, LLDP, ...: not ours */
	case LINK_IP:
		break;
	}
	if (n < 1)
		return;
	if (p[0] >> 4 == 4)
		ok = ipv4(r, p, n, &v);
	else if (p[0] >> 4 == 6)
		ok = ipv6(r, p, n, &v);
	else
		ok = false;
	if (ok)
		tcp_segment(r, &v);
}

/* ---- the file ---- */

static void reader_free(struct reader *r)
{
	for (size_t i = 0; i < r->n_all; i++)
		conn_free(r->all[i]);
	free(r->all);
	free(r->buckets);
}

/* Moves every connection that showed SSH into out, in order of first packet. */
static sd_err hand_over(struct reader *r, struct field_conns *out, size_t *n_ssh, size_t *n_other)
{
	*n_ssh = *n_other = 0;
	for (size_t i = 0; i < r->n_all; i++) {
		struct conn *c = r->all[i];
		struct field_conn *dst;

		conn_finish(r, c);
		if (!c->found) {
			(*n_other)++;
			continue;
		}
		dst = field_conns_add(out);
		if (!dst)
			return SD_ERR_NOMEM;
		*dst = *c->fc; /* ownership of the buffers moves */
		field_conn_init(c->fc);
		(*n_ssh)++;
	}
	return SD_OK;
}

sd_err ingest_pcap(const char *path, struct field_conns *out, struct ingest_diag *diag)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct reader r = {.path = path, .diag = diag};
	struct pcap_pkthdr *hdr;
	const u_char *data;
	size_t n_ssh = 0, n_other = 0;
	pcap_t *pc;
	sd_err e;
	int rc;

	pc = pcap_open_offline(path, errbuf);
	if (!pc) {
		ingest_diag_add(diag, "%s: not a readable pcap or pcapng file: %s", path, errbuf);
		return SD_ERR_INVALID_ARG;
	}
	r.dlt = pcap_datalink(pc);
	if (!dlt_supported(r.dlt)) {
		const char *name = pcap_datalink_val_to_name(r.dlt);

		ingest_diag_add(diag,
				"%s: link-layer type %d (%s) not supported: Ethernet, Linux cooked (SLL, SLL2), raw IP "
				"and BSD loopback are",
				path, r.dlt, name ? name : "unknown");
		pcap_close(pc);
		return SD_ERR_INVALID_ARG;
	}
	while (r.fatal == SD_OK && (rc = pcap_next_ex(pc, &hdr, &data)) >= 0) {
		if (rc == 0)
			continue; /* live captures only */
		r.frame++;
		one_packet(&r, hdr, data);
	}
	if (r.fatal == SD_OK && rc == PCAP_ERROR) {
		/* truncated or corrupt record: what came before is still good */
		const char *why = pcap_geterr(pc);

		ingest_diag_add(diag, "%s: packet %u: %s; the %u packets before it were read%s", path,
				(unsigned)r.frame + 1, why, (unsigned)r.frame,
				strstr(why, "different from the type of the first interface")
					? " (libpcap reads one link type per file: split the capture per "
					  "interface, e.g. tshark -r FILE -Y frame.interface_id==1 -w PART)"
					: "");
		diag->damaged = true;
	}
	pcap_close(pc);
	for (int k = 0; k < PB_COUNT; k++)
		if (r.problems[k] > PROBLEM_LINES)
			ingest_diag_add(diag, "%s: %u more packets with the same kind of problem not listed", path,
					r.problems[k] - PROBLEM_LINES);
	e = r.fatal;
	if (e == SD_OK)
		e = hand_over(&r, out, &n_ssh, &n_other);
	reader_free(&r);
	if (e != SD_OK) {
		ingest_diag_add(diag, "%s: %s", path, sd_err_text(e));
		return e;
	}
	if (n_other)
		ingest_diag_add(diag, "%s: %zu TCP connection%s without SSH ignored", path, n_other,
				n_other == 1 ? "" : "s");
	if (!n_ssh) {
		ingest_diag_add(diag, "%s: no SSH connection found (%u packets, %zu TCP connections)", path,
				(unsigned)r.frame, n_other);
		return SD_ERR_INVALID_ARG;
	}
	return SD_OK;
}

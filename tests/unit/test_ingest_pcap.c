/*
 * test_ingest_pcap.c — SSH connections out of captures (ingest_pcap).
 *
 * Synthetic captures are written with libpcap's own pcap_dump (and a small
 * hand-written pcapng, which libpcap cannot write) around real SSH bytes:
 * the client KEXINIT of OpenSSH 9.2 (as in test_msg.c), a server KEXINIT
 * with OpenSSH 9.2's server lists, all framed by the engine's packet_seal.
 * They cover every link layer, IPv4 (with options) and IPv6 (with
 * extension headers), reordered, retransmitted and overlapping segments,
 * sequence wraparound, captures starting mid-connection, several
 * connections on odd ports next to HTTP, port reuse, holes, fragments, a
 * file cut in the middle of a record, encrypted-only and non-pcap input.
 *
 * tests/captures/openssh92-loopback.pcap is a real session (ssh -> sshd of
 * Debian 12 on 127.0.0.1, recorded with dumpcap); the values it must give
 * are those Wireshark's SSH dissector (tshark 4.0) reports for that file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "ingest/ingest.h"
#include "proto/msg.h"
#include "proto/packet.h"
#include "proto/rng.h"
#include "tests/support/check.h"
#include "tests/support/realbytes.h"

static char tmpdir[] = "/tmp/sshdiff-test-pcap-XXXXXX";

/* ---- real SSH bytes ---- */


static const char client_kex_list[] =
	"sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
	"curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
	"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
	"diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,ext-info-c,"
	"kex-strict-c-v00@openssh.com";
static const char client_mac_list[] =
	"umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
	"hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
	"umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1";

/* OpenSSH 9.2's server lists with an ed25519 host key (tshark on the real
 * capture below shows the same). */
static const char *const server_lists[KEXINIT_NLISTS] = {
	"sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
	"curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
	"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
	"diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com",
	"ssh-ed25519",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"
	"aes256-gcm@openssh.com",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"
	"aes256-gcm@openssh.com",
	"umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
	"hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
	"umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
	"umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
	"hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
	"umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
	"none,zlib@openssh.com",
	"none,zlib@openssh.com",
	"",
	"",
};

static const uint8_t server_cookie[16] = {0xaa, 0xbc, 0xa9, 0x5e, 0xad, 0xbf, 0x47, 0xc9,
					  0xd7, 0x85, 0xd1, 0x35, 0x0f, 0x6f, 0x03, 0x5c};

#define CLIENT_VERSION "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"
#define SERVER_VERSION "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"

/* ---- one SSH session as two byte streams ---- */

enum part { P_BANNER, P_KEX1, P_KEX2, P_KEXDH, P_NEWKEYS, P_JUNK, P_COUNT };

struct session {
	struct sbuf stream[2]; /* 0 client, 1 server */
	size_t off[2][P_COUNT], len[2][P_COUNT];
	struct sbuf kexinit[2];
};

static struct session plain_sess, prebanner_sess;

static void seal(struct sbuf *out, struct rng *rng, const struct sbuf *payload)
{
	struct packet_dir d;

	packet_dir_init(&d);
	CHECK_OK(packet_seal(&d, rng, sbuf_span(payload), out));
	packet_dir_free(&d);
}

static void mark(struct session *s, int dir, enum part p, size_t start)
{
	s->off[dir][p] = start;
	s->len[dir][p] = s->stream[dir].len - start;
}

static void make_session(struct session *s, bool prebanner)
{
	struct rng_seeded rng;
	struct sbuf pay = SBUF_INIT, blob = SBUF_INIT, sig = SBUF_INIT;
	struct msg_kexinit k;
	uint8_t bytes[64];
	size_t start, half;

	memset(s, 0, sizeof(*s));
	rng_seeded_init(&rng, "ingest-pcap", 11);
	s->kexinit[0] = check_hex(openssh92_kexinit_hex);
	memset(&k, 0, sizeof(k));
	memcpy(k.cookie, server_cookie, 16);
	for (int i = 0; i < KEXINIT_NLISTS; i++)
		k.lists[i] = span_cstr(server_lists[i]);
	CHECK_OK(msg_kexinit_put(&s->kexinit[1], &k));

	for (int dir = 0; dir < 2; dir++) {
		struct sbuf *st = &s->stream[dir];

		start = st->len;
		if (dir == 1 && prebanner) { /* RFC 4253 section 4.2: servers only */
			static const char lines[] = "Welcome to the test host\r\nNo SSH- here\r\n";

			CHECK_OK(sbuf_put(st, lines, strlen(lines)));
		}
		CHECK_OK(sbuf_put(st, dir ? SERVER_VERSION "\r\n" : CLIENT_VERSION "\r\n",
				  strlen(dir ? SERVER_VERSION : CLIENT_VERSION) + 2));
		mark(s, dir, P_BANNER, start);
		start = st->len;
		seal(st, &rng.base, &s->kexinit[dir]);
		half = (st->len - start) / 2;
		s->off[dir][P_KEX1] = start;
		s->len[dir][P_KEX1] = half;
		s->off[dir][P_KEX2] = start + half;
		s->len[dir][P_KEX2] = st->len - start - half;

		start = st->len;
		memset(bytes, dir ? 0x5a : 0xa5, sizeof(bytes));
		sbuf_reset(&pay);
		if (dir == 0) {
			struct msg_kex_init ki = {{bytes, 32}};

			CHECK_OK(msg_ecdh_init_put(&pay, &ki));
		} else {
			struct msg_kex_reply kr;

			sbuf_reset(&blob);
			sbuf_reset(&sig);
			CHECK_OK(sbuf_put_cstring(&blob, "ssh-ed25519"));
			CHECK_OK(sbuf_put_string(&blob, bytes, 32));
			CHECK_OK(sbuf_put_cstring(&sig, "ssh-ed25519"));
			CHECK_OK(sbuf_put_string(&sig, bytes, 64));
			kr.hostkey = sbuf_span(&blob);
			kr.pub = (struct span){bytes, 32};
			kr.sig = sbuf_span(&sig);
			CHECK_OK(msg_ecdh_reply_put(&pay, &kr));
		}
		seal(st, &rng.base, &pay);
		mark(s, dir, P_KEXDH, start);

		start = st->len;
		sbuf_reset(&pay);
		CHECK_OK(msg_empty_put(&pay, MSG_NEWKEYS));
		seal(st, &rng.base, &pay);
		mark(s, dir, P_NEWKEYS, start);

		start = st->len; /* stands for ciphertext */
		CHECK_OK(rng_fill(&rng.base, bytes, sizeof(bytes)));
		CHECK_OK(sbuf_put(st, bytes, dir ? 64 : 48));
		mark(s, dir, P_JUNK, start);
	}
	sbuf_free(&pay);
	sbuf_free(&blob);
	sbuf_free(&sig);
}

static void free_session(struct session *s)
{
	for (int d = 0; d < 2; d++) {
		sbuf_free(&s->stream[d]);
		sbuf_free(&s->kexinit[d]);
	}
}

/* ---- timelines of segments ---- */

enum evkind { EV_SYN, EV_SYNACK, EV_ACK, EV_DATA, EV_RAWDATA, EV_FIN, EV_FRAG };

struct ev {
	enum evkind kind;
	int dir; /* 0 client, 1 server */
	size_t off, len;    /* EV_DATA: stream bytes */
	const uint8_t *raw; /* EV_RAWDATA: other bytes for that range */
};

#define MAX_EV 160

struct timeline {
	struct ev v[MAX_EV];
	size_t n;
	uint32_t frame[MAX_EV]; /* filled by the writer */
};

static void tl_add(struct timeline *t, enum evkind k, int dir, size_t off, size_t len)
{
	if (t->n < MAX_EV)
		t->v[t->n++] = (struct ev){k, dir, off, len, NULL};
}

static void tl_part(struct timeline *t, const struct session *s, int dir, enum part p)
{
	tl_add(t, EV_DATA, dir, s->off[dir][p], s->len[dir][p]);
}

static size_t tl_find(const struct timeline *t, int dir, size_t off)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].kind == EV_DATA && t->v[i].dir == dir && t->v[i].off == off)
			return i;
	CHECK(!"event not in timeline");
	return 0;
}

static void tl_remove(struct timeline *t, size_t i)
{
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(t->v[0]));
	t->n--;
}

static void tl_insert(struct timeline *t, size_t i, struct ev e)
{
	if (t->n == MAX_EV)
		return;
	memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof(t->v[0]));
	t->v[i] = e;
	t->n++;
}

/* The handshake as OpenSSH runs it: server banner first, each KEXINIT in
 * two segments, KEX init/reply, NEWKEYS, some ciphertext, FIN. */
static void tl_default(struct timeline *t, const struct session *s, bool syn)
{
	memset(t, 0, sizeof(*t));
	if (syn) {
		tl_add(t, EV_SYN, 0, 0, 0);
		tl_add(t, EV_SYNACK, 1, 0, 0);
		tl_add(t, EV_ACK, 0, 0, 0);
	}
	tl_part(t, s, 1, P_BANNER);
	tl_part(t, s, 0, P_BANNER);
	tl_part(t, s, 0, P_KEX1);
	tl_part(t, s, 0, P_KEX2);
	tl_part(t, s, 1, P_KEX1);
	tl_part(t, s, 1, P_KEX2);
	tl_part(t, s, 0, P_KEXDH);
	tl_part(t, s, 1, P_KEXDH);
	tl_part(t, s, 1, P_NEWKEYS);
	tl_part(t, s, 0, P_NEWKEYS);
	tl_part(t, s, 0, P_JUNK);
	tl_part(t, s, 1, P_JUNK);
	tl_add(t, EV_FIN, 0, 0, 0);
	tl_add(t, EV_FIN, 1, 0, 0);
}

/* ---- frames ---- */

enum variant { V_PLAIN, V_VLAN, V_IPOPT, V_V6EXT, V_NULL_BE };

struct spec {
	int dlt;
	int family;
	enum variant variant;
	uint16_t port[2]; /* client, server */
	uint8_t addr[2][16];
	uint32_t isn[2];
	const struct session *sess;
};

static void spec_default(struct spec *sp, int dlt, int family)
{
	memset(sp, 0, sizeof(*sp));
	sp->dlt = dlt;
	sp->family = family;
	sp->port[0] = 50022;
	sp->port[1] = 2222;
	if (family == 4) {
		memcpy(sp->addr[0], (uint8_t[]){192, 0, 2, 1}, 4);
		memcpy(sp->addr[1], (uint8_t[]){192, 0, 2, 9}, 4);
	} else {
		memcpy(sp->addr[0], (uint8_t[]){0x20, 0x01, 0x0d, 0xb8, [15] = 1}, 16);
		memcpy(sp->addr[1], (uint8_t[]){0x20, 0x01, 0x0d, 0xb8, [15] = 9}, 16);
	}
	sp->isn[0] = 1000;
	sp->isn[1] = 900000;
	sp->sess = &plain_sess;
}

static void put16(struct sbuf *b, uint16_t v)
{
	CHECK_OK(sbuf_put(b, (uint8_t[]){(uint8_t)(v >> 8), (uint8_t)v}, 2));
}

static void put32(struct sbuf *b, uint32_t v)
{
	CHECK_OK(sbuf_put_u32(b, v));
}

static void put_le32(struct sbuf *b, uint32_t v)
{
	CHECK_OK(sbuf_put(b, (uint8_t[]){(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)}, 4));
}

static void link_header(struct sbuf *f, const struct spec *sp, int dir)
{
	static const uint8_t mac[2][6] = {{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 9}};
	uint16_t type = sp->family == 4 ? 0x0800 : 0x86dd;
	uint32_t fam = sp->family == 4 ? 2 : 30; /* AF_INET6 of macOS */

	switch (sp->dlt) {
	case DLT_EN10MB:
		CHECK_OK(sbuf_put(f, mac[1 - dir], 6));
		CHECK_OK(sbuf_put(f, mac[dir], 6));
		if (sp->variant == V_VLAN) {
			put16(f, 0x88a8); /* 802.1ad outer tag, then 802.1Q */
			put16(f, 0x0064);
			put16(f, 0x8100);
			put16(f, 0x0065);
		}
		put16(f, type);
		break;
	case DLT_LINUX_SLL:
		put16(f, dir ? 0 : 4);
		put16(f, 1);
		put16(f, 6);
		CHECK_OK(sbuf_put(f, mac[dir], 6));
		put16(f, 0);
		put16(f, type);
		break;
	case DLT_LINUX_SLL2:
		put16(f, type);
		put16(f, 0);
		put32(f, 2);
		put16(f, 1);
		CHECK_OK(sbuf_put_u8(f, dir ? 0 : 4));
		CHECK_OK(sbuf_put_u8(f, 6));
		CHECK_OK(sbuf_put(f, mac[dir], 6));
		put16(f, 0);
		break;
	case DLT_NULL:
		if (sp->family == 6)
			fam = 24; /* AF_INET6 of NetBSD/OpenBSD */
		if (sp->variant == V_NULL_BE)
			put32(f, fam);
		else
			put_le32(f, fam);
		break;
	case DLT_LOOP:
		put32(f, fam);
		break;
	default: /* raw IP */
		break;
	}
}

/* One frame: link header, IP, TCP, payload.  frag: an IPv4 fragment. */
static void build_frame(struct sbuf *f, const struct spec *sp, int dir, uint32_t seq, unsigned flags,
			const uint8_t *p, size_t n, bool frag)
{
	size_t tcp_len = 20 + n;

	link_header(f, sp, dir);
	if (sp->family == 4) {
		size_t ihl = sp->variant == V_IPOPT ? 24 : 20;

		CHECK_OK(sbuf_put_u8(f, (uint8_t)(0x40 | ihl / 4)));
		CHECK_OK(sbuf_put_u8(f, 0));
		put16(f, (uint16_t)(ihl + tcp_len));
		put16(f, 0x1234);
		put16(f, frag ? 0x2000 : 0x4000); /* MF, or DF */
		CHECK_OK(sbuf_put_u8(f, 64));
		CHECK_OK(sbuf_put_u8(f, 6));
		put16(f, 0);
		CHECK_OK(sbuf_put(f, sp->addr[dir], 4));
		CHECK_OK(sbuf_put(f, sp->addr[1 - dir], 4));
		if (ihl == 24) /* router alert option, RFC 2113 */
			CHECK_OK(sbuf_put(f, (uint8_t[]){0x94, 0x04, 0x00, 0x00}, 4));
	} else {
		bool ext = sp->variant == V_V6EXT;

		put32(f, 0x60000000);
		put16(f, (uint16_t)(tcp_len + (ext ? 16 : 0)));
		CHECK_OK(sbuf_put_u8(f, ext ? 0 : 6));
		CHECK_OK(sbuf_put_u8(f, 64));
		CHECK_OK(sbuf_put(f, sp->addr[dir], 16));
		CHECK_OK(sbuf_put(f, sp->addr[1 - dir], 16));
		if (ext) { /* hop-by-hop (PadN), then destination options (PadN) */
			CHECK_OK(sbuf_put(f, (uint8_t[]){60, 0, 1, 4, 0, 0, 0, 0}, 8));
			CHECK_OK(sbuf_put(f, (uint8_t[]){6, 0, 1, 4, 0, 0, 0, 0}, 8));
		}
	}
	put16(f, sp->port[dir]);
	put16(f, sp->port[1 - dir]);
	put32(f, seq);
	put32(f, flags & 0x10 ? sp->isn[1 - dir] + 1 : 0);
	CHECK_OK(sbuf_put_u8(f, 5 << 4));
	CHECK_OK(sbuf_put_u8(f, (uint8_t)flags));
	put16(f, 65535);
	put32(f, 0);
	if (n)
		CHECK_OK(sbuf_put(f, p, n));
	/* Ethernet pads short frames to 60 bytes: the IP length says where
	 * the segment ends */
	while (sp->dlt == DLT_EN10MB && f->len < 60)
		CHECK_OK(sbuf_put_u8(f, 0));
}

/* ---- capture files ---- */

struct capw {
	pcap_t *dead;
	pcap_dumper_t *dump;
	FILE *ng; /* pcapng written by hand */
	uint32_t frames;
	char path[512];
};

static void tmp_path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

static void capw_open(struct capw *w, const char *name, int dlt, bool pcapng)
{
	memset(w, 0, sizeof(*w));
	tmp_path(w->path, sizeof(w->path), name);
	if (pcapng) {
		w->ng = fopen(w->path, "wb");
		CHECK(w->ng != NULL);
		/* Section Header Block (byte-order magic, version 1.0, unknown
		 * section length), then one Interface Description Block */
		struct sbuf b = SBUF_INIT;

		put_le32(&b, 0x0a0d0d0a);
		put_le32(&b, 28);
		put_le32(&b, 0x1a2b3c4d);
		put_le32(&b, 1);
		put_le32(&b, 0xffffffff);
		put_le32(&b, 0xffffffff);
		put_le32(&b, 28);
		put_le32(&b, 1);
		put_le32(&b, 20);
		put_le32(&b, (uint32_t)dlt); /* linktype (LE u16) + reserved */
		put_le32(&b, 0);
		put_le32(&b, 20);
		CHECK(fwrite(b.data, 1, b.len, w->ng) == b.len);
		sbuf_free(&b);
		return;
	}
	w->dead = pcap_open_dead(dlt, 65535);
	CHECK(w->dead != NULL);
	w->dump = pcap_dump_open(w->dead, w->path);
	CHECK(w->dump != NULL);
}

static uint32_t capw_frame(struct capw *w, const struct sbuf *f)
{
	w->frames++;
	if (w->ng) { /* Enhanced Packet Block */
		struct sbuf b = SBUF_INIT;
		size_t pad = (4 - f->len % 4) % 4;
		uint32_t total = (uint32_t)(32 + f->len + pad);

		put_le32(&b, 6);
		put_le32(&b, total);
		put_le32(&b, 0);
		put_le32(&b, 0);
		put_le32(&b, w->frames * 1000u);
		put_le32(&b, (uint32_t)f->len);
		put_le32(&b, (uint32_t)f->len);
		CHECK_OK(sbuf_put(&b, f->data, f->len));
		for (size_t i = 0; i < pad; i++)
			CHECK_OK(sbuf_put_u8(&b, 0));
		put_le32(&b, total);
		CHECK(fwrite(b.data, 1, b.len, w->ng) == b.len);
		sbuf_free(&b);
	} else {
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = 1700000000 + (time_t)w->frames;
		h.caplen = h.len = (bpf_u_int32)f->len;
		pcap_dump((u_char *)w->dump, &h, f->data);
	}
	return w->frames;
}

static void capw_close(struct capw *w)
{
	if (w->ng) {
		CHECK(fclose(w->ng) == 0);
	} else {
		pcap_dump_close(w->dump);
		pcap_close(w->dead);
	}
}

/* Writes a timeline of one connection; frame numbers go into t->frame. */
static void write_timeline(struct capw *w, const struct spec *sp, struct timeline *t)
{
	const struct session *s = sp->sess;
	struct sbuf f = SBUF_INIT;

	for (size_t i = 0; i < t->n; i++) {
		const struct ev *e = &t->v[i];
		uint32_t base = sp->isn[e->dir] + 1;
		const uint8_t *p = NULL;
		uint32_t seq = base;
		unsigned flags = 0x10; /* ACK */
		size_t n = 0;

		sbuf_reset(&f);
		switch (e->kind) {
		case EV_SYN:
			seq = sp->isn[e->dir];
			flags = 0x02;
			break;
		case EV_SYNACK:
			seq = sp->isn[e->dir];
			flags = 0x12;
			break;
		case EV_ACK:
			break;
		case EV_DATA:
		case EV_FRAG:
		case EV_RAWDATA:
			seq = base + (uint32_t)e->off;
			p = e->kind == EV_RAWDATA ? e->raw : s->stream[e->dir].data + e->off;
			n = e->len;
			flags = 0x18;
			break;
		case EV_FIN:
			seq = base + (uint32_t)s->stream[e->dir].len;
			flags = 0x11;
			break;
		}
		build_frame(&f, sp, e->dir, seq, flags, p, n, e->kind == EV_FRAG);
		t->frame[i] = capw_frame(w, &f);
	}
	sbuf_free(&f);
}

/* ---- what a connection must show ---- */

static bool diag_has(const struct ingest_diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->lines[i], needle))
			return true;
	return false;
}

static void print_diag(const struct ingest_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  diag: %s\n", d->lines[i]);
}

static void check_list(const struct field_proposal *p, enum field_list l, const char *want)
{
	CHECK(p->lists_known[l]);
	CHECK_STR((const char *)p->lists[l].data, want);
	CHECK_EQ_U(p->lists[l].len, strlen(want));
}

static void check_proposals(const struct field_conn *c, const struct session *s)
{
	CHECK(c->client.present);
	CHECK(c->server.present);
	if (!c->client.present || !c->server.present)
		return;
	check_list(&c->client, FL_KEX, client_kex_list);
	check_list(&c->client, FL_MAC_SC, client_mac_list);
	check_list(&c->client, FL_COMP_CS, "none,zlib@openssh.com,zlib");
	check_list(&c->client, FL_LANG_CS, "");
	for (int l = 0; l < FL_COUNT; l++)
		check_list(&c->server, (enum field_list)l, server_lists[l]);
	CHECK(c->client.have_cookie);
	CHECK_MEM(c->client.cookie, s->kexinit[0].data + 1, 16);
	CHECK_MEM(c->server.cookie, server_cookie, 16);
	CHECK(!c->client.first_kex_follows);
	CHECK_EQ_U(c->client.reserved, 0);
	CHECK_EQ_U(c->client.kexinit.len, s->kexinit[0].len);
	CHECK_MEM(c->client.kexinit.data, s->kexinit[0].data, s->kexinit[0].len);
	CHECK_EQ_U(c->server.kexinit.len, s->kexinit[1].len);
	CHECK_MEM(c->server.kexinit.data, s->kexinit[1].data, s->kexinit[1].len);
}

/* The default timeline's packets in the order they complete. */
static void check_packets(const struct field_conn *c)
{
	static const struct {
		uint8_t msg;
		bool from_client;
	} want[] = {{MSG_KEXINIT, true},        {MSG_KEXINIT, false}, {MSG_KEXDH_INIT, true},
		    {MSG_KEXDH_REPLY, false}, {MSG_NEWKEYS, false}, {MSG_NEWKEYS, true}};

	CHECK_EQ_U(c->n_packets, 6);
	for (size_t i = 0; i < 6 && i < c->n_packets; i++) {
		CHECK(c->packets[i].payload.len > 0);
		CHECK_EQ_U(c->packets[i].payload.data[0], want[i].msg);
		CHECK_EQ_U(c->packets[i].from_client, want[i].from_client);
	}
}

static void check_full(const struct field_conn *c, const struct spec *sp, const struct timeline *t,
		       const char *where)
{
	const struct session *s = sp->sess;

	CHECK_STR(c->client_version, CLIENT_VERSION);
	CHECK_STR(c->server_version, SERVER_VERSION);
	CHECK_STR(c->where, where);
	CHECK(!c->from_log);
	CHECK(!c->started_mid_connection);
	check_proposals(c, s);
	check_packets(c);
	CHECK(c->newkeys_cs);
	CHECK(c->newkeys_sc);
	/* the client's ciphertext comes first in every timeline used here */
	CHECK_EQ_U(c->encrypted_from_frame, t->frame[tl_find(t, 0, s->off[0][P_JUNK])]);
	/* KEXINIT of the client completes with its second segment */
	if (c->n_packets)
		CHECK_EQ_U(c->packets[0].frame, t->frame[tl_find(t, 0, s->off[0][P_KEX2])]);
}

/* Writes one connection with the default timeline, reads it back. */
static void one_link(const char *name, int dlt, int family, enum variant v, bool pcapng)
{
	struct spec sp;
	struct timeline t;
	struct capw w;
	struct field_conns cs = {0};
	struct ingest_diag d = {0};
	const char *where = family == 4 ? "192.0.2.1:50022 > 192.0.2.9:2222" : "[2001:db8::1]:50022 > [2001:db8::9]:2222";

	spec_default(&sp, dlt, family);
	sp.variant = v;
	if (dlt == DLT_LINUX_SLL2)
		sp.sess = &prebanner_sess;
	tl_default(&t, sp.sess, true);
	capw_open(&w, name, dlt, pcapng);
	write_timeline(&w, &sp, &t);
	capw_close(&w);

	CHECK_OK(ingest_pcap(w.path, &cs, &d));
	CHECK_EQ_U(cs.n, 1);
	CHECK(!d.damaged);
	if (cs.n == 1) {
		check_full(&cs.v[0], &sp, &t, where);
		CHECK_STR(cs.v[0].file, w.path);
	}
	if (cs.n != 1 || d.damaged || check_failures)
		fprintf(stderr, "link test %s\n", name), print_diag(&d);
	field_conns_free(&cs);
	ingest_diag_free(&d);
	unlink(w.path);
}

static void link_types(void)
{
	one_link("eth4.pcap", DLT_EN10MB, 4, V_PLAIN, false);
	one_link("eth6.pcap", DLT_EN10MB, 6, V_PLAIN, false);
	one_link("vlan.pcap", DLT_EN10MB, 4, V_VLAN, false);
	one_link("ipopt.pcap", DLT_EN10MB, 4, V_IPOPT, false);
	one_link("v6ext.pcap", DLT_EN10MB, 6, V_V6EXT, false);
	one_link("sll.pcap", DLT_LINUX_SLL, 4, V_PLAIN, false);
	one_link("sll2.pcap", DLT_LINUX_SLL2, 6, V_PLAIN, false);
	one_link("raw4.pcap", DLT_RAW, 4, V_PLAIN, false);
	one_link("raw6.pcap", DLT_RAW, 6, V_PLAIN, false);
	one_link("ipv4.pcap", DLT_IPV4, 4, V_PLAIN, false);
	one_link("ipv6.pcap", DLT_IPV6, 6, V_V6EXT, false);
	one_link("null4.pcap", DLT_NULL, 4, V_PLAIN, false);
	one_link("null6be.pcap", DLT_NULL, 6, V_NULL_BE, false);
	one_link("loop4.pcap", DLT_LOOP, 4, V_PLAIN, false);
	one_link("loop6.pcap", DLT_LOOP, 6, V_PLAIN, false);
	one_link("eth6.pcapng", DLT_EN10MB, 6, V_PLAIN, true);
	one_link("sll2.pcapng", DLT_LINUX_SLL2, 4, V_PLAIN, true);
}

/* Reads a file expected to give exactly want_conns connections. */
static void read_file(const char *path, struct field_conns *cs, struct ingest_diag *d, sd_err want, size_t want_conns)
{
	CHECK_ERR(ingest_pcap(path, cs, d), want);
	CHECK_EQ_U(cs->n, want_conns);
	if (cs->n != want_conns)
		print_diag(d);
}

/* Out of order, retransmitted, overlapping, and sequence numbers that wrap
 * in the middle of the KEXINITs. */
static void reordering(void)
{
	const struct session *s = &plain_sess;
	static uint8_t other[4096];
	struct field_conns cs = {0};
	struct ingest_diag d = {0};
	struct spec sp;
	struct timeline t;
	struct capw w;
	size_t i;

	spec_default(&sp, DLT_EN10MB, 6);
	sp.isn[0] = 0xffffffffu - (uint32_t)s->off[0][P_KEX2]; /* wraps inside the KEXINIT */
	sp.isn[1] = 0xfffffff0u;
	tl_default(&t, s, true);
	/* client KEXINIT halves swapped */
	i = tl_find(&t, 0, s->off[0][P_KEX1]);
	struct ev tmp = t.v[i];
	t.v[i] = t.v[i + 1];
	t.v[i + 1] = tmp;
	/* server KEX reply before the second half of its KEXINIT, then the
	 * second half retransmitted, then a copy with other bytes spanning
	 * both (an overlap whose first copy must win) */
	memset(other, 0xee, sizeof(other));
	i = tl_find(&t, 1, s->off[1][P_KEX2]);
	tl_insert(&t, i, t.v[tl_find(&t, 1, s->off[1][P_KEXDH])]);
	i = tl_find(&t, 1, s->off[1][P_KEX2]);
	tl_insert(&t, i + 1, (struct ev){EV_DATA, 1, s->off[1][P_KEX2], s->len[1][P_KEX2], NULL});
	/* after the reply arrived out of order, an overlap of reply and KEX2 */
	tl_insert(&t, i, (struct ev){EV_RAWDATA, 1, s->off[1][P_KEXDH] + 5, 30, other});
	/* the client's banner retransmitted late, and a copy of part of its
	 * NEWKEYS with different bytes after the original (already delivered:
	 * not even compared) */
	i = tl_find(&t, 0, s->off[0][P_KEXDH]);
	tl_insert(&t, i + 1, (struct ev){EV_DATA, 0, s->off[0][P_BANNER], s->len[0][P_BANNER], NULL});
	i = tl_find(&t, 0, s->off[0][P_NEWKEYS]);
	tl_insert(&t, i + 1, (struct ev){EV_RAWDATA, 0, s->off[0][P_NEWKEYS] + 4, 10, other});

	capw_open(&w, "reorder.pcap", DLT_EN10MB, false);
	write_timeline(&w, &sp, &t);
	capw_close(&w);
	read_file(w.path, &cs, &d, SD_OK, 1);
	if (cs.n == 1) {
		const struct field_conn *c = &cs.v[0];

		CHECK_STR(c->client_version, CLIENT_VERSION);
		check_proposals(c, s);
		CHECK_EQ_U(c->n_packets, 6);
		CHECK(c->newkeys_cs && c->newkeys_sc);
		/* the server's reply waited for the retransmitted KEX2 */
		for (size_t k = 0; k < c->n_packets; k++)
			if (c->packets[k].payload.data[0] == MSG_KEXDH_REPLY)
				CHECK_EQ_U(c->packets[k].frame, t.frame[tl_find(&t, 1, s->off[1][P_KEXDH])]);
		CHECK_EQ_U(c->encrypted_from_frame, t.frame[tl_find(&t, 0, s->off[0][P_JUNK])]);
	}
	/* the overlap of out-of-order data with other bytes is reported */
	CHECK(diag_has(&d, "different bytes"));
	CHECK(!d.damaged);
	field_conns_free(&cs);
	ingest_diag_free(&d);
	unlink(w.path);
}

/* A capture that starts after the identification lines, first packet from
 * the server: roles come from what each side sends. */
static void mid_connection(void)
{
	const struct session *s = &plain_sess;
	struct field_conns cs = {0};
	struct ingest_diag d = {0};
	struct spec sp;
	struct timeline t;
	struct capw w;

	spec_default(&sp, DLT_LINUX_SLL, 4);
	sp.port[1] = 40022; /* both ports high: no help from them */
	tl_default(&t, s, false);
	tl_remove(&t, tl_find(&t, 1, s->off[1][P_BANNER]));
	tl_remove(&t, tl_find(&t, 0, s->off[0][P_BANNER]));
	/* the server's KEXINIT first */
	{
		size_t i = tl_find(&t, 1, s->off[1][P_KEX1]);
		struct ev e = t.v[i];

		tl_remove(&t, i);
		tl_insert(&t, 0, e);
	}
	capw_open(&w, "mid.pcap", DLT_LINUX_SLL, false);
	write_timeline(&w, &sp, &t);
	capw_close(&w);
	read_file(w.path, &cs, &d, SD_OK, 1);
	if (cs.n == 1) {
		const struct field_conn *c = &cs.v[0];

		CHECK(c->started_mid_connection);
		CHECK_STR(c->client_version, "");
		CHECK_STR(c->server_version, "");
		CHECK_STR(c->where, "192.0.2.1:50022 > 192.0.2.9:40022");
		check_proposals(c, s);
		CHECK(c->newkeys_cs && c->newkeys_sc);
		CHECK_EQ_U(c->n_packets, 6);
		for (size_t k = 0; k < c->n_packets; k++) {
			uint8_t m = c->packets[k].payload.data[0];

			if (m == MSG_KEXDH_INIT)
				CHECK(c->packets[k].from_client);
			if (m == MSG_KEXDH_REPLY)
				CHECK(!c->packets[k].from_client);
		}
	}
	CHECK(diag_has(&d, "mid-connection"));
	field_conns_free(&cs);
	ingest_diag_free(&d);
	unlink(w.path);
}

/* HTTP request and response as one connection. */
static void write_http(struct capw *w, uint16_t cport)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: example.test\r\nUser-Agent: SSH-2.0-liar\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello world\n";
	struct session http;
	struct spec sp;
	struct timeline t;

	memset(&http, 0, sizeof(http));
	CHECK_OK(sbuf_put(&http.stream[0], req, strlen(req)));
	CHECK_OK(sbuf_put(&http.stream[1], resp, strlen(resp)));
	spec_default(&sp, DLT_EN10MB, 4);
	sp.port[0] = cport;
	sp.port[1] = 80;
	sp.sess = &http;
	memset(&t, 0, sizeof(t));
	tl_add(&t, EV_SYN, 0, 0, 0);
	tl_add(&t, EV_SYNACK, 1, 0, 0);
	tl_add(&t, EV_DATA, 0, 0, strlen(req));
	tl_add(&t, EV_DATA, 1, 0, strlen(resp));
	tl_add(&t, EV_FIN, 0, 0, 0);
	tl_add(&t, EV_FIN, 1, 0, 0);
	write_timeline(w, &sp, &t);
	free_session(&http);
}

/* Two SSH connections on non-standard ports and one HTTP connection:
 * exactly two connections. */
static void two_ssh_one_http(void)
{
	struct field_conns cs = {0};
	struct ingest_diag d = {0};
	struct spec a, b;
	struct timeline ta, tb;
	struct capw w;

	spec_default(&a, DLT_EN10MB, 4);
	a.port[1] = 8022;
	spec_default(&b, DLT_EN10MB, 6);
	b.port[0] = 51000;
	b.port[1] = 2200;
	tl_default(&ta, a.sess, true);
	tl_default(&tb, b.sess, true);
	capw_open(&w, "three.pcap", DLT_EN10MB, false);
	write_http(&w, 40000);
	write_timeline(&w, &a, &ta);
	write_timeline(&w, &b, &tb);
	capw_close(&w);
	read_file(w.path, &cs, &d, SD_OK, 2);
	if (cs.n == 2) {
		check_full(&cs.v[0], &a, &ta, "192.0.2.1:50022 > 192.0.2.9:8022");
		check_full(&cs.v[1], &b, &tb, "[2001:db8::1]:51000 > [2001:db8::9]:2200");
	}
	CHECK(diag_has(&d, "1 TCP connection without SSH ignored"));
	CHECK(!d.damaged);
	field_conns_free(&cs);
	ingest_diag_free(&d);
	unlink(w.path);
}

/* The same 4-tuple used twice with new initial sequence numbers. */
static void port_reuse(void)
{
	struct field_conns cs = {0};
	struct ingest_diag d = {0};
	struct spec a;
	struct timeline t1, t2;
	struct capw w;

	spec_default(&a, DLT_RAW, 4);
	tl_default(&t1, a.sess, true);
	tl_default(&t2, a.sess, true);
	capw_open(&w, "reuse.pcap", DLT_RAW, false);
	write_timeline(&w, &a, &t1);
	a.isn[0] += 77777;
	a.isn[1] += 99999;
	write_timeline(&w, &a, &t2);
	capw_close(&w);
	read_file(w.path, &cs, &d, SD_OK, 2);
	if (cs.n == 2) {
		check_full(&cs.v[0], &a, &t1, "192.0.2.1:50022 > 192.0.2.9:2222");
		check_full(&cs.v[1], &a, &t2, "192.0.2.1:50022 > 192.0.2.9:2222");
	}
	field_conns_free(&cs);
	ingest_diag_free(&d);
	unlink(w.path);
}

/* A file cut in the middle of a packet record: the connection before it is
 * still returned, the file is damaged and the record is named. */
static void truncated_file(void)
{
	struct field_conns cs = {0};
	struct ingest_diag d = {0};
	struct spec a, b;
	struct timeline ta, tb;
	struct capw w;
	struct stat st;
	char want[64];
	size_t cut_frame;
	long off = 24; /* pcap file header */

	spec_default(&a, DLT_EN10MB, 4);
	spec_default(&b, DLT_EN10MB, 4);
	b.port[0] = 50023;
	tl_default(&ta, a.sess, true);
	tl_default(&tb, b.sess, true);
	capw_open(&w, "cut.pcap", DLT_EN10MB, false);
	write_timeline(&w, &a, &ta);
	write_timeline(&w, &b, &tb);
	capw_close(&w);

	/* find where the record of b's client KEXINIT (second half) starts */
	cut_frame = tb.frame[tl_find(&tb, 0, b.sess->off[0][P_KEX2])];
	{
		FILE *f = fopen(w.path, "rb");
		uint8_t hdr[16];

		CHECK(f != NULL);
		for (size_t fr = 1; f && fr < cut_frame; fr++) {
			CHECK(fseek(f, off, SEEK_SET) == 0);
			CHECK(fread(hdr, 1, 16, f) == 16);
			off += 16 + (long)(hdr[8] | hdr[9] << 8 | hdr[10] << 16 | (uint32_t)hdr[11] << 24);
		}
		if (f)
			fclose(f);
	}
	CHECK(stat(w.path, &st) == 0);
	CHECK(truncate(w.path, off + 16 + 100) == 0); /* header and 100 bytes of the record */
	read_file(w.path, &cs, &d, SD_OK, 2);
	CHECK(d.damaged);
	snprintf(want, sizeof(want), "packet %zu: ", cut_frame);
	CHECK(diag_has(&d, want));
	CHECK(diag_has(&d, "truncated"));
	if (cs.n == 2) {
		check_full(&cs.v[0], &a, &ta, "192.0.2.1:50022 > 192.0.2.9:2222");
		/* the second one has its banners and the server has sent nothing
		 * more; the client's KEXINIT is incomplete */
		CHECK_STR(cs.v[1].client_version, CLIENT_VERSION);
		CHECK(!cs.v[1].client.present);
	}
	field_conns_free(&cs);
	ingest_diag_free(&d);
	unlink(w.path);
}

/* A hole in the cleartext part and a fragmented segment in the ciphertext. */
static void holes(void)
{
	const struct session *s = &plain_sess;
	struct field_conns cs = {0};
	struct ingest_diag d = {0};
	struct spec sp;
	struct timeline t;
	struct capw w;
	size_t i;

	spec_default(&sp, DLT_EN10MB, 4);
	tl_default(&t, s, true);
	tl_remove(&t, tl_find(&t, 0, s->off[0][P_KEX1]));
	i = tl_find(&t, 1, s->off[1][P_JUNK]);
	t.v[i].kind = EV_FRAG;
	capw_open(&w, "holes.pcap", DLT_EN10MB, false);
	write_timeline(&w, &sp, &t);
	capw_close(&w);
	read_file(w.path, &cs, &d, SD_OK, 1);
	CHECK(d.damaged);
	CHECK(diag_has(&d, "missing from the capture"));
	CHECK(diag_has(&d, "IPv4 fragment"));
	if (cs.n == 1) {
		CHECK(!cs.v[0].client.present);
		CHECK(cs.v[0].server.present);
		CHECK(cs.v[0].newkeys_sc);
		CHECK(!cs.v[0].newkeys_cs);
		CHECK_STR(cs.v[0].client_version, CLIENT_VERSION);
	}
	field_conns_free(&cs);
	ingest_diag_free(&d);
	unlink(w.path);
}

/* The server's identification line lost (its SYN was seen): the stream
 * resumes at the KEXINIT that follows the hole. */
static void lost_banner(void)
{
	const struct session *s = &plain_sess;
	struct field_conns cs = {0};
	struct ingest_diag d = {0};
	struct spec sp;
	struct timeline t;
	struct capw w;

	spec_default(&sp, DLT_EN10MB, 6);
	tl_default(&t, s, true);
	tl_remove(&t, tl_find(&t, 1, s->off[1][P_BANNER]));
	capw_open(&w, "nobanner.pcap", DLT_EN10MB, false);
	write_timeline(&w, &sp, &t);
	capw_close(&w);
	read_file(w.path, &cs, &d, SD_OK, 1);
	CHECK(diag_has(&d, "identification line missing from the capture"));
	if (cs.n == 1) {
		CHECK_STR(cs.v[0].client_version, CLIENT_VERSION);
		CHECK_STR(cs.v[0].server_version, "");
		CHECK(!cs.v[0].started_mid_connection);
		check_proposals(&cs.v[0], s);
		CHECK_EQ_U(cs.v[0].n_packets, 6);
		CHECK(cs.v[0].newkeys_cs && cs.v[0].newkeys_sc);
	}
	field_conns_free(&cs);
	ingest_diag_free(&d);
	unlink(w.path);
}

/* Only ciphertext on port 22; only HTTP: nothing usable. */
static void nothing_usable(void)
{
	static uint8_t noise[1400];
	const struct session *s = &plain_sess;
	struct field_conns cs = {0};
	struct ingest_diag d = {0};
	struct spec sp;
	struct timeline t;
	struct capw w;

	for (size_t k = 0; k < sizeof(noise); k++)
		noise[k] = (uint8_t)(k * 131 + 7);
	spec_default(&sp, DLT_EN10MB, 4);
	sp.port[1] = 22;
	memset(&t, 0, sizeof(t));
	tl_part(&t, s, 0, P_JUNK);
	tl_part(&t, s, 1, P_JUNK);
	/* more than the banner search looks at, both ways */
	for (int dir = 0; dir < 2; dir++)
		for (size_t k = 0; k < 50; k++)
			tl_add(&t, EV_RAWDATA, dir, s->off[dir][P_JUNK] + s->len[dir][P_JUNK] + k * 1400, 1400);
	for (size_t k = 0; k < t.n; k++)
		if (t.v[k].kind == EV_RAWDATA)
			t.v[k].raw = noise;
	capw_open(&w, "enc.pcap", DLT_EN10MB, false);
	write_timeline(&w, &sp, &t);
	capw_close(&w);
	read_file(w.path, &cs, &d, SD_ERR_INVALID_ARG, 0);
	CHECK(diag_has(&d, "encrypted from the first byte seen"));
	CHECK(diag_has(&d, "no SSH connection found"));
	field_conns_free(&cs);
	ingest_diag_free(&d);
	unlink(w.path);

	capw_open(&w, "http.pcap", DLT_EN10MB, false);
	write_http(&w, 40000);
	capw_close(&w);
	read_file(w.path, &cs, &d, SD_ERR_INVALID_ARG, 0);
	CHECK(diag_has(&d, "no SSH connection found"));
	CHECK(!diag_has(&d, "encrypted"));
	field_conns_free(&cs);
	ingest_diag_free(&d);
	unlink(w.path);
}

static void not_a_capture(void)
{
	static const uint8_t pcap_le[] = {0xd4, 0xc3, 0xb2, 0xa1}, pcap_be_ns[] = {0xa1, 0xb2, 0x3c, 0x4d},
			     ng[] = {0x0a, 0x0d, 0x0d, 0x0a}, text[] = "debug1: OpenSSH_9.2";
	struct field_conns cs = {0};
	struct ingest_diag d = {0};
	char path[600];
	FILE *f;

	CHECK(ingest_is_capture(pcap_le, 4));
	CHECK(ingest_is_capture(pcap_be_ns, 4));
	CHECK(ingest_is_capture(ng, 4));
	CHECK(!ingest_is_capture(text, sizeof(text) - 1));
	CHECK(!ingest_is_capture(pcap_le, 3));
	CHECK(!ingest_is_capture(NULL, 0));

	tmp_path(path, sizeof(path), "garbage.bin");
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f) {
		for (int i = 0; i < 1000; i++)
			fputc((i * 7919) & 0xff, f);
		fclose(f);
	}
	read_file(path, &cs, &d, SD_ERR_INVALID_ARG, 0);
	CHECK(d.n >= 1 && strncmp(d.lines[0], path, strlen(path)) == 0);
	CHECK(diag_has(&d, "not a readable pcap or pcapng file"));
	ingest_diag_free(&d);
	unlink(path);

	/* a pcap header and nothing else, and a missing file */
	tmp_path(path, sizeof(path), "empty.pcap");
	{
		pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
		pcap_dumper_t *dp = pcap_dump_open(p, path);

		pcap_dump_close(dp);
		pcap_close(p);
	}
	read_file(path, &cs, &d, SD_ERR_INVALID_ARG, 0);
	CHECK(diag_has(&d, "no SSH connection found (0 packets"));
	ingest_diag_free(&d);
	unlink(path);
	read_file(path, &cs, &d, SD_ERR_INVALID_ARG, 0);
	ingest_diag_free(&d);

	/* a link type not supported */
	tmp_path(path, sizeof(path), "usb.pcap");
	{
		pcap_t *p = pcap_open_dead(DLT_USB_LINUX, 65535);
		pcap_dumper_t *dp = pcap_dump_open(p, path);

		pcap_dump_close(dp);
		pcap_close(p);
	}
	read_file(path, &cs, &d, SD_ERR_INVALID_ARG, 0);
	CHECK(diag_has(&d, "not supported"));
	ingest_diag_free(&d);
	unlink(path);
}

/* A real OpenSSH 9.2 session recorded with `dumpcap -P -i lo` (Linux
 * gives the loopback Ethernet framing).  Expected values: tshark
 * -d tcp.port==22022,ssh on the same file. */
static void real_capture(void)
{
	static const uint8_t client_cookie[16] = {0xa8, 0x71, 0x6e, 0x35, 0x64, 0xc9, 0x1a, 0x81,
						  0xa8, 0xa9, 0xe6, 0x27, 0xf8, 0xaf, 0x2b, 0xa4};
	static const struct {
		uint32_t frame;
		uint8_t msg;
		bool from_client;
	} want[] = {{8, 20, true}, {9, 20, false}, {10, 30, true}, {11, 31, false}, {11, 21, false}, {12, 21, true}};
	struct field_conns cs = {0};
	struct ingest_diag d = {0};

	read_file(SSHDIFF_SOURCE_DIR "/tests/captures/openssh92-loopback.pcap", &cs, &d, SD_OK, 1);
	CHECK(!d.damaged);
	if (cs.n != 1)
		return;
	const struct field_conn *c = &cs.v[0];

	CHECK_STR(c->where, "127.0.0.1:58954 > 127.0.0.1:22022");
	CHECK_STR(c->client_version, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
	CHECK_STR(c->server_version, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
	check_list(&c->client, FL_KEX, "curve25519-sha256,ext-info-c,kex-strict-c-v00@openssh.com");
	check_list(&c->client, FL_HOSTKEY, "ssh-ed25519");
	check_list(&c->client, FL_CIPHER_CS, "aes128-ctr");
	check_list(&c->client, FL_MAC_SC, "hmac-sha2-256");
	check_list(&c->client, FL_COMP_CS, "none,zlib@openssh.com,zlib");
	check_list(&c->server, FL_KEX, server_lists[FL_KEX]);
	check_list(&c->server, FL_HOSTKEY, "ssh-ed25519");
	check_list(&c->server, FL_CIPHER_SC, server_lists[FL_CIPHER_SC]);
	check_list(&c->server, FL_MAC_CS, server_lists[FL_MAC_CS]);
	check_list(&c->server, FL_COMP_SC, "none,zlib@openssh.com");
	CHECK_MEM(c->client.cookie, client_cookie, 16);
	CHECK_MEM(c->server.cookie, server_cookie, 16);
	CHECK(!c->client.first_kex_follows && !c->server.first_kex_follows);
	/* packet_length 236 and 1084, padding 7 and 9 (tshark) */
	CHECK_EQ_U(c->client.kexinit.len, 236 - 1 - 7);
	CHECK_EQ_U(c->server.kexinit.len, 1084 - 1 - 9);
	CHECK(c->newkeys_cs && c->newkeys_sc);
	CHECK(!c->started_mid_connection);
	/* frame 11: 544 TCP bytes = KEX reply (4 + 188) + NEWKEYS (4 + 12) +
	 * 336 bytes of the server's first encrypted packets */
	CHECK_EQ_U(c->encrypted_from_frame, 11);
	CHECK_EQ_U(c->n_packets, 6);
	for (size_t i = 0; i < 6 && i < c->n_packets; i++) {
		CHECK_EQ_U(c->packets[i].frame, want[i].frame);
		CHECK_EQ_U(c->packets[i].payload.data[0], want[i].msg);
		CHECK_EQ_U(c->packets[i].from_client, want[i].from_client);
	}
	field_conns_free(&cs);
	ingest_diag_free(&d);
}

/* The real capture with random bytes changed (headers, lengths, SSH
 * fields) and cut at random places: never a crash, a leak or another
 * error than "nothing usable". */
static void mutations(void)
{
	uint64_t state = 0x9e3779b97f4a7c15ull;
	uint8_t *orig, *buf;
	char path[600];
	size_t len = 0;
	FILE *f = fopen(SSHDIFF_SOURCE_DIR "/tests/captures/openssh92-loopback.pcap", "rb");

	CHECK(f != NULL);
	if (!f)
		return;
	orig = malloc(8192);
	buf = malloc(8192);
	len = fread(orig, 1, 8192, f);
	fclose(f);
	tmp_path(path, sizeof(path), "mutant.pcap");
	for (int i = 0; i < 1500; i++) {
		struct field_conns cs = {0};
		struct ingest_diag d = {0};
		size_t n = len;
		sd_err e;

		memcpy(buf, orig, len);
		for (int k = 0; k < 1 + i % 8; k++) {
			state ^= state << 13, state ^= state >> 7, state ^= state << 17;
			buf[24 + state % (len - 24)] = (uint8_t)(state >> 40);
		}
		if (i % 5 == 0)
			n = 24 + (size_t)(state >> 20) % (len - 24);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, n, f) != n) {
			CHECK(!"cannot write mutant");
			if (f)
				fclose(f);
			break;
		}
		fclose(f);
		e = ingest_pcap(path, &cs, &d);
		if (e != SD_OK && e != SD_ERR_INVALID_ARG)
			CHECK_ERR(e, SD_OK);
		if (e == SD_ERR_INVALID_ARG)
			CHECK(cs.n == 0 && d.n > 0);
		field_conns_free(&cs);
		ingest_diag_free(&d);
	}
	unlink(path);
	free(orig);
	free(buf);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	make_session(&plain_sess, false);
	make_session(&prebanner_sess, true);
	link_types();
	reordering();
	mid_connection();
	two_ssh_one_http();
	port_reuse();
	truncated_file();
	holes();
	lost_banner();
	nothing_usable();
	not_a_capture();
	real_capture();
	mutations();
	free_session(&plain_sess);
	free_session(&prebanner_sess);
	CHECK(rmdir(tmpdir) == 0);
	return check_finish();
}

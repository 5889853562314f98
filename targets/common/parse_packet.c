/*
 * parse_packet.c — the binary packet protocol pair: proto/packet.h's
 * packet_open against the verifier's vdir_open (vpacket.h), input formats
 * in parse_pair.h (pp_packet_state).
 *
 * Outcome of one opener on one packet: a payload (and how many bytes it
 * took), "more" (waiting for bytes that never come: the input is the whole
 * stream up to EOF), or a rule.  Both must give the same outcome packet
 * after packet.
 *
 * Allowance, where RFC 4253 section 6 leaves a receiver free (a length
 * read in clear is judged by both once the first 8 bytes are in, so that
 * one needs none any more):
 *   decrypted length: where packet_length is encrypted and cannot be
 *     authenticated before it is used (classic encrypt-and-MAC with a
 *     cipher, chacha20-poly1305), a length too short for the padding is
 *     reported by the engine as a bad length (section 6.1) and by the
 *     verifier as a packet that does not authenticate (section 6.4): after
 *     decryption with the wrong key both look the same, and no section
 *     says which rule a receiver names.  Excused: engine RFC4253-6.1,
 *     verifier RFC4253-6.4.  (A length over 35,000 bytes is impl-limit in
 *     both, whatever the framing: nothing to excuse.)
 * No round trip: a packet's padding is random (section 6), so sealing a
 * payload again cannot give the input back; the payload comparison covers
 * what the opener decodes.
 */
#include "targets/common/parse_pair.h"

#include <stdio.h>
#include <string.h>

#include "oracle/verifier/vpacket.h"
#include "proto/packet.h"

/* ---- states ---- */

/* For the divergence line. */
static const char *const state_names[PP_STATE_COUNT] = {
	[PP_STATE_CLEAR] = "clear",
	[PP_STATE_CHACHAPOLY] = "chacha20-poly1305",
	[PP_STATE_AES128_GCM] = "aes128-gcm",
	[PP_STATE_AES256_GCM] = "aes256-gcm",
	[PP_STATE_AES128_CTR_SHA256] = "aes128-ctr+hmac-sha2-256",
	[PP_STATE_AES192_CTR_SHA1] = "aes192-ctr+hmac-sha1",
	[PP_STATE_AES256_CTR_SHA512_ETM] = "aes256-ctr+hmac-sha2-512-etm",
	[PP_STATE_AES128_CTR_SHA1_ETM] = "aes128-ctr+hmac-sha1-etm",
	[PP_STATE_NONE_SHA256] = "none+hmac-sha2-256",
	[PP_STATE_NONE_SHA256_ETM] = "none+hmac-sha2-256-etm",
};

const char *pp_packet_state_name(enum pp_packet_state s)
{
	return (unsigned)s < PP_STATE_COUNT ? state_names[s] : "?";
}

/* Fixed keys: the fuzzer varies the packets, not the keys (the KDF has
 * its own tests). */
static const uint8_t key[64] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
};
static const uint8_t iv[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
			       0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
static const uint8_t mac_key[64] = {
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

/* Both models' algorithm descriptions of a suite, looked up once. */
struct algs {
	bool ready, ok;
	const struct cipher_alg *ec;
	const struct mac_alg *em;
	const struct vcipher *vc;
	const struct vmac *vm;
};
static struct algs algs[PP_STATE_COUNT];

static const struct algs *algs_of(enum pp_packet_state s)
{
	struct algs *a = &algs[s];
	const char *cipher, *mac;
	if (a->ready)
		return a;
	a->ready = true;
	pp_packet_state_algs(s, &cipher, &mac);
	a->ec = cipher_alg_by_name(span_cstr(cipher));
	a->vc = vcipher_by_name(vspan_str(cipher));
	a->em = mac ? mac_alg_by_name(span_cstr(mac)) : NULL;
	a->vm = mac ? vmac_by_name(vspan_str(mac)) : NULL;
	a->ok = a->ec && a->vc && (!mac || (a->em && a->vm));
	return a;
}

/* ---- scratch, kept across inputs ---- */

static bool clear_ready;
static struct packet_dir e_clear, e_keyed;
static struct vdir v_clear, v_keyed;
static struct sbuf e_payload, wire;

static void clear_init(void)
{
	if (clear_ready)
		return;
	packet_dir_init(&e_clear);
	packet_dir_init(&e_keyed);
	memset(&v_clear, 0, sizeof v_clear);
	memset(&v_keyed, 0, sizeof v_keyed);
	clear_ready = true;
}

void pp_packet_cleanup(void)
{
	if (!clear_ready)
		return;
	packet_dir_free(&e_clear);
	packet_dir_free(&e_keyed);
	vdir_free(&v_clear);
	vdir_free(&v_keyed);
	sbuf_free(&e_payload);
	sbuf_free(&wire);
	clear_ready = false;
}

/* ---- sealing a plaintext packet with the engine's primitives ---- */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Encrypts pt (a packet from packet_length on, as the input gives it) the
 * way the suite frames it, as far as its packet_length reaches, and
 * appends the MAC or tag when the packet is whole.  A packet cut short by
 * the input stays cut short (the openers must then wait).
 */
static sd_err seal_raw(const struct algs *a, uint32_t seq, const uint8_t *pt, size_t len, struct sbuf *out)
{
	if (len < 4)
		return sbuf_put(out, pt, len);
	size_t want = 4 + (size_t)get32(pt), n = len < want ? len : want;
	bool whole = n == want, etm = a->em && a->em->etm;
	size_t tail = a->ec->tag_len ? a->ec->tag_len : a->em ? a->em->mac_len : 0;
	size_t start = out->len;
	uint8_t *p = NULL;
	struct cipher_ctx *c = NULL;
	sd_err e = sbuf_reserve(out, n + tail, &p);
	if (e != SD_OK)
		return e;
	memcpy(p, pt, n);
	if (a->ec->mode != CIPHER_NONE)
		e = cipher_ctx_new(a->ec, true, key, iv, &c);
	/* RFC 4253 section 6.4: classic MAC over the plaintext first */
	if (e == SD_OK && a->em && !etm && whole)
		e = mac_compute(a->em, mac_key, seq, (struct span){p, n}, p + n);
	/* AEAD and EtM keep the length out of the encryption (as AAD, or
	 * under its own key for chacha20-poly1305) */
	if (e == SD_OK && c)
		e = cipher_crypt(c, seq, p, p, a->ec->tag_len || etm ? 4 : 0, n - (a->ec->tag_len || etm ? 4 : 0));
	if (e == SD_OK && etm && whole)
		e = mac_compute(a->em, mac_key, seq, (struct span){p, n}, p + n);
	cipher_ctx_free(c);
	/* the tag or MAC only goes out with a whole packet */
	out->len = start + n + (whole ? tail : 0);
	return e;
}

bool pp_packet_wire(enum pp_packet_state s, const uint8_t *data, size_t size, struct sbuf *out)
{
	if (size < 4 || s == PP_STATE_CLEAR || (unsigned)s >= PP_STATE_COUNT)
		return false;
	const struct algs *a = algs_of(s);
	return a->ok && seal_raw(a, get32(data), data + 4, size - 4, out) == SD_OK;
}

/* ---- one packet through both openers ---- */

enum outcome_kind { O_PAYLOAD, O_MORE, O_RULE };

struct outcome {
	enum outcome_kind kind;
	const char *rule; /* O_RULE */
	size_t used;      /* O_PAYLOAD */
	struct span payload;
};

static struct outcome engine_open(struct packet_dir *d, struct span in)
{
	size_t used = 0;
	sbuf_reset(&e_payload);
	sd_err e = packet_open(d, in, &used, &e_payload);
	if (e == SD_AGAIN)
		return (struct outcome){O_MORE, NULL, 0, SPAN_NULL};
	if (e != SD_OK)
		return (struct outcome){O_RULE, sd_err_rule(e), 0, SPAN_NULL};
	return (struct outcome){O_PAYLOAD, NULL, used, sbuf_span(&e_payload)};
}

static struct outcome verifier_open(struct vdir *d, struct span in)
{
	size_t used = 0;
	struct vspan pl = {0};
	enum vrule r = vdir_open(d, vspan_of(in.p, in.len), &used, &pl);
	if (r != VR_OK)
		return (struct outcome){O_RULE, vrule_id(r), 0, SPAN_NULL};
	if (used == 0)
		return (struct outcome){O_MORE, NULL, 0, SPAN_NULL};
	return (struct outcome){O_PAYLOAD, NULL, used, (struct span){pl.p, pl.len}};
}

static const char *outcome_name(const struct outcome *o)
{
	return o->kind == O_MORE ? "more" : o->kind == O_PAYLOAD ? "ok" : o->rule;
}

/* Where packet_length is decrypted before it can be authenticated. */
static bool length_decrypted(const struct vdir *v)
{
	if (!v->c)
		return false;
	if (v->c->kind == VC_CHACHAPOLY)
		return true;
	return !vcipher_aead(v->c) && !(v->m && v->m->etm) && v->c->kind != VC_NONE;
}

/* NULL when the two outcomes agree or differ as an allowance permits. */
static const char *compare(const struct outcome *e, const struct outcome *v, const struct vdir *vd, size_t left,
			   char *buf, size_t cap)
{
	if (e->kind == O_RULE && v->kind == O_RULE && length_decrypted(vd) &&
	    strcmp(e->rule, sd_err_rule(SD_ERR_PACKET_LENGTH)) == 0 && strcmp(v->rule, vrule_id(VR_MAC)) == 0)
		return NULL; /* decrypted length */
	if (e->kind != v->kind || (e->kind == O_RULE && strcmp(e->rule, v->rule) != 0)) {
		snprintf(buf, cap, "verdict engine=%s verifier=%s", outcome_name(e), outcome_name(v));
		return buf;
	}
	if (e->kind != O_PAYLOAD)
		return NULL;
	if (e->used != v->used)
		return "bytes used";
	if (e->payload.len != v->payload.len || memcmp(e->payload.p, v->payload.p, e->payload.len) != 0)
		return "payload";
	return NULL;
}

static void note(struct pp_packet_verdicts *out, const struct outcome *e, const struct outcome *v)
{
	out->engine = outcome_name(e);
	out->verifier = outcome_name(v);
	if (e->kind == O_PAYLOAD && v->kind == O_PAYLOAD)
		out->packets++;
}

/* Before NEWKEYS nothing but the sequence number, which nothing reads,
 * changes from one packet to the next: a 17th packet exercises nothing the
 * first 16 did not, and the cap keeps every input cheap (a fuzzer likes to
 * grow inputs into hundreds of tiny packets). */
#define CLEAR_MAX_PACKETS 16

/* Cleartext: packets until one stops either opener (or the cap). */
static const char *check_clear(const uint8_t *p, size_t n, struct pp_packet_verdicts *out, char *buf, size_t cap)
{
	e_clear.seqnr = 0;
	e_clear.have_first_block = false;
	v_clear.seq = 0;
	v_clear.have_first = false;
	size_t off = 0;
	for (unsigned k = 0; off < n && k < CLEAR_MAX_PACKETS; k++) {
		struct span in = {p + off, n - off};
		struct outcome e = engine_open(&e_clear, in);
		struct outcome v = verifier_open(&v_clear, in);
		const char *d = compare(&e, &v, &v_clear, in.len, buf, cap);
		note(out, &e, &v);
		if (d || e.kind != O_PAYLOAD || v.kind != O_PAYLOAD)
			return d;
		off += e.used;
	}
	return NULL;
}

static sd_err keyed_setup(enum pp_packet_state s, uint32_t seq, const struct algs **out)
{
	const struct algs *a = algs_of(s);
	if (!a->ok)
		return SD_ERR_UNSUPPORTED;
	sd_err e = packet_dir_set_keys(&e_keyed, false, a->ec, key, iv, a->em, mac_key);
	if (e != SD_OK)
		return e;
	if (vdir_set(&v_keyed, a->vc, a->vm, key, iv, mac_key, false) != VR_OK)
		return SD_ERR_INTERNAL;
	e_keyed.seqnr = seq;
	v_keyed.seq = seq;
	*out = a;
	return SD_OK;
}

/* One plaintext packet, sealed, then opened by both. */
static const char *check_keyed(enum pp_packet_state s, const uint8_t *p, size_t n, struct pp_packet_verdicts *out,
			       char *buf, size_t cap)
{
	const struct algs *a = NULL;
	if (n < 4)
		return NULL; /* no sequence number: nothing to run */
	uint32_t seq = get32(p);
	if (keyed_setup(s, seq, &a) != SD_OK)
		return "harness: keys not set";
	sbuf_reset(&wire);
	if (seal_raw(a, seq, p + 4, n - 4, &wire) != SD_OK)
		return "harness: sealing failed";
	struct span in = sbuf_span(&wire);
	struct outcome e = engine_open(&e_keyed, in);
	struct outcome v = verifier_open(&v_keyed, in);
	note(out, &e, &v);
	return compare(&e, &v, &v_keyed, in.len, buf, cap);
}

const char *pp_packet_check(enum pp_packet_state s, const uint8_t *data, size_t size, struct pp_packet_verdicts *out,
			    char *buf, size_t cap)
{
	struct pp_packet_verdicts ignored;
	if (!out)
		out = &ignored;
	*out = (struct pp_packet_verdicts){"more", "more", 0};
	if ((unsigned)s >= PP_STATE_COUNT)
		return "harness: no such state";
	clear_init();
	if (s == PP_STATE_CLEAR)
		return check_clear(data, size, out, buf, cap);
	return check_keyed(s, data, size, out, buf, cap);
}

sd_err pp_packet_engine_only(enum pp_packet_state s, const uint8_t *data, size_t size)
{
	const struct algs *a = NULL;
	if ((unsigned)s >= PP_STATE_COUNT)
		return SD_ERR_INVALID_ARG;
	clear_init();
	struct span in = {data, size};
	struct packet_dir *d = &e_clear;
	sd_err e = SD_OK;
	if (s == PP_STATE_CLEAR) {
		e_clear.seqnr = 0;
		e_clear.have_first_block = false;
	} else {
		if (size < 4)
			return SD_OK;
		/* the same keys and sealing the differential needs */
		uint32_t seq = get32(data);
		if ((e = keyed_setup(s, seq, &a)) != SD_OK)
			return e;
		sbuf_reset(&wire);
		if ((e = seal_raw(a, seq, data + 4, size - 4, &wire)) != SD_OK)
			return e;
		in = sbuf_span(&wire);
		d = &e_keyed;
	}
	for (unsigned k = 0; in.len > 0 && k < CLEAR_MAX_PACKETS; k++) {
		size_t used = 0;
		sbuf_reset(&e_payload);
		e = packet_open(d, in, &used, &e_payload);
		if (e != SD_OK)
			break;
		in.p += used;
		in.len -= used;
	}
	return e;
}

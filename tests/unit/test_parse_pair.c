/*
 * test_parse_pair — the parser-level differential (targets/common/parse_*):
 *   - well-formed messages of every kind: both decoders accept, same
 *     fields, exact re-encoding;
 *   - known-bad messages: both reject naming the same rule, the one the
 *     RFC gives (checked against the expected rule, not just "they agree");
 *   - the allowances parse_pair.c documents, and only those;
 *   - the binary packet pair in clear and in every encrypted state;
 *   - every fuzz_parse_* target's entry point over the seeds that
 *     tools/gen_parser_seeds generates (run here into a temporary folder)
 *     and over deterministic mutations of them.
 *
 * The targets' shared code is compiled into this test directly (below) so
 * that it runs in every build, with or without the fuzz targets
 * (sshdiff_fuzzcommon exists only with -DSSHDIFF_FUZZ=ON).  Its symbols then
 * come from this object, and the library's copies, when linked, are never
 * pulled in.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "targets/common/parse_packet.c"
#include "targets/common/parse_pair.c"
#include "targets/common/parse_targets.c"

#include "proto/msg.h"
#include "proto/packet.h"
#include "tests/support/check.h"

/* ---- helpers ---- */

static char why[256];

/* Both accept, same fields, exact round trip. */
#define AGREE_OK(kind, b)                                                                          \
	do {                                                                                       \
		struct pp_verdicts v_;                                                             \
		const char *d_ = pp_check((kind), (b).data, (b).len, &v_, why, sizeof why);        \
		if (d_)                                                                            \
			check_fail(__FILE__, __LINE__, "%s: %s", pp_kind_name(kind), d_);          \
		CHECK(!d_);                                                                        \
		CHECK_OK(v_.engine);                                                               \
		CHECK(v_.verifier == VR_OK);                                                       \
	} while (0)

/* Both reject, with the rules given. */
#define AGREE_REJECT(kind, p, n, want_e, want_v)                                                   \
	do {                                                                                       \
		struct pp_verdicts v_;                                                             \
		const char *d_ = pp_check((kind), (p), (n), &v_, why, sizeof why);                 \
		if (d_)                                                                            \
			check_fail(__FILE__, __LINE__, "%s: %s", pp_kind_name(kind), d_);          \
		CHECK(!d_);                                                                        \
		CHECK_ERR(v_.engine, (want_e));                                                    \
		CHECK_STR(vrule_id(v_.verifier), vrule_id(want_v));                                \
		CHECK(!v_.allowed);                                                                \
	} while (0)

static void put_u32_at(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* ---- one well-formed payload per kind ---- */

static const uint8_t cookie[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void kexinit_with(struct sbuf *b, const char *kex, uint8_t follows, uint32_t reserved)
{
	struct msg_kexinit k;
	memset(&k, 0, sizeof k);
	memcpy(k.cookie, cookie, sizeof cookie);
	k.lists[KEXINIT_KEX] = span_cstr(kex);
	k.lists[KEXINIT_HOSTKEY] = span_cstr("ssh-ed25519,rsa-sha2-256");
	k.lists[KEXINIT_CIPHER_CS] = k.lists[KEXINIT_CIPHER_SC] = span_cstr("aes128-ctr");
	k.lists[KEXINIT_MAC_CS] = k.lists[KEXINIT_MAC_SC] = span_cstr("hmac-sha2-256");
	k.lists[KEXINIT_COMP_CS] = k.lists[KEXINIT_COMP_SC] = span_cstr("none");
	k.first_kex_follows = follows;
	k.reserved = reserved;
	CHECK_OK(msg_kexinit_put(b, &k));
}

/* A well-formed payload of kind k; also the offset of its first string
 * field (0: none). */
static size_t valid_payload(enum pp_kind k, struct sbuf *b)
{
	static const uint8_t e_val[] = {0x00, 0x80, 0x01}, q[32] = {9};
	struct msg_kex_init init = {{e_val, sizeof e_val}};
	struct msg_kex_reply rep = {span_cstr("hostkey-blob"), {e_val, sizeof e_val}, span_cstr("sig-blob")};
	sbuf_reset(b);
	switch (k) {
	case PP_KEXINIT:
		kexinit_with(b, "curve25519-sha256,ext-info-c", 0, 0);
		return 17;
	case PP_KEXDH_INIT:
		CHECK_OK(msg_kexdh_init_put(b, &init));
		return 1;
	case PP_GEX_INIT:
		CHECK_OK(msg_gex_init_put(b, &init));
		return 1;
	case PP_ECDH_INIT:
		init.pub = (struct span){q, sizeof q};
		CHECK_OK(msg_ecdh_init_put(b, &init));
		return 1;
	case PP_KEXDH_REPLY:
		CHECK_OK(msg_kexdh_reply_put(b, &rep));
		return 1;
	case PP_GEX_REPLY:
		CHECK_OK(msg_gex_reply_put(b, &rep));
		return 1;
	case PP_ECDH_REPLY:
		rep.pub = (struct span){q, sizeof q};
		CHECK_OK(msg_ecdh_reply_put(b, &rep));
		return 1;
	case PP_GEX_REQUEST: {
		struct msg_gex_request r = {false, 2048, 3072, 8192};
		CHECK_OK(msg_gex_request_put(b, &r));
		return 0;
	}
	case PP_GEX_GROUP: {
		static const uint8_t p[] = {0x00, 0xff, 0xff, 0xff, 0xfb}, g[] = {0x02};
		struct msg_gex_group gm = {{p, sizeof p}, {g, sizeof g}};
		CHECK_OK(msg_gex_group_put(b, &gm));
		return 1;
	}
	case PP_NEWKEYS:
		CHECK_OK(msg_empty_put(b, MSG_NEWKEYS));
		return 0;
	case PP_USERAUTH_SUCCESS:
		CHECK_OK(msg_empty_put(b, MSG_USERAUTH_SUCCESS));
		return 0;
	case PP_EXT_INFO: {
		struct msg_ext_info x;
		memset(&x, 0, sizeof x);
		x.count = 2;
		x.names[0] = span_cstr("server-sig-algs");
		x.values[0] = span_cstr("ssh-ed25519,rsa-sha2-512");
		x.names[1] = span_cstr("ping@openssh.com");
		x.values[1] = span_cstr("0");
		CHECK_OK(msg_ext_info_put(b, &x));
		return 5;
	}
	case PP_SERVICE_REQUEST:
	case PP_SERVICE_ACCEPT: {
		struct msg_service s = {span_cstr("ssh-userauth")};
		CHECK_OK(msg_service_put(b, pp_kind_number(k), &s));
		return 1;
	}
	case PP_DISCONNECT: {
		struct msg_disconnect d = {DISCONNECT_BY_APPLICATION, span_cstr("bye"), span_cstr("en")};
		CHECK_OK(msg_disconnect_put(b, &d));
		return 5;
	}
	case PP_IGNORE: {
		struct msg_ignore ig = {span_cstr("padding")};
		CHECK_OK(msg_ignore_put(b, &ig));
		return 1;
	}
	case PP_DEBUG: {
		struct msg_debug dbg = {1, span_cstr("hello"), span_cstr("")};
		CHECK_OK(msg_debug_put(b, &dbg));
		return 2;
	}
	case PP_UNIMPLEMENTED: {
		struct msg_unimplemented un = {7};
		CHECK_OK(msg_unimplemented_put(b, &un));
		return 0;
	}
	case PP_USERAUTH_REQUEST: {
		struct msg_userauth_request r;
		memset(&r, 0, sizeof r);
		r.user = span_cstr("sshdiff");
		r.service = span_cstr("ssh-connection");
		r.method = span_cstr("password");
		r.kind = USERAUTH_PASSWORD;
		r.password = span_cstr("secret");
		CHECK_OK(msg_userauth_request_put(b, &r));
		return 1;
	}
	case PP_USERAUTH_FAILURE: {
		struct msg_userauth_failure f = {span_cstr("publickey,password"), 0};
		CHECK_OK(msg_userauth_failure_put(b, &f));
		return 1;
	}
	case PP_USERAUTH_BANNER: {
		struct msg_userauth_banner bn = {span_cstr("Welcome\r\n"), span_cstr("")};
		CHECK_OK(msg_userauth_banner_put(b, &bn));
		return 1;
	}
	case PP_USERAUTH_PK_OK: {
		struct msg_userauth_pk_ok ok = {span_cstr("ssh-ed25519"), span_cstr("key-blob")};
		CHECK_OK(msg_userauth_pk_ok_put(b, &ok));
		return 1;
	}
	default:
		check_fail(__FILE__, __LINE__, "no payload for kind %d", (int)k);
		return 0;
	}
}

/* ---- every kind: the valid payload and its generic breakages ---- */

static void test_every_kind(void)
{
	struct sbuf b = SBUF_INIT, bad = SBUF_INIT;
	for (int i = 0; i < PP_KIND_COUNT; i++) {
		enum pp_kind k = (enum pp_kind)i;
		size_t str = valid_payload(k, &b);
		AGREE_OK(k, b);

		/* RFC 4253 section 6: a payload starts with its number */
		AGREE_REJECT(k, b.data, 0, SD_ERR_EMPTY_PAYLOAD, VR_PAYLOAD);
		sbuf_reset(&bad);
		CHECK_OK(sbuf_put(&bad, b.data, b.len));
		bad.data[0] = 200;
		AGREE_REJECT(k, bad.data, bad.len, SD_ERR_UNEXPECTED_MESSAGE, VR_UNEXPECTED);

		/* nothing after the last field */
		sbuf_reset(&bad);
		CHECK_OK(sbuf_put(&bad, b.data, b.len));
		CHECK_OK(sbuf_put_u8(&bad, 0));
		AGREE_REJECT(k, bad.data, bad.len, SD_ERR_TRAILING, VR_TRAILING);

		/* the last field cut short (RFC 4251 section 5) */
		if (b.len > 1)
			AGREE_REJECT(k, b.data, b.len - 1, SD_ERR_TRUNCATED, VR_TRUNCATED);

		/* a string length past the end of the payload */
		if (str) {
			sbuf_reset(&bad);
			CHECK_OK(sbuf_put(&bad, b.data, b.len));
			put_u32_at(bad.data + str, 0xffffffffu);
			AGREE_REJECT(k, bad.data, bad.len, SD_ERR_TRUNCATED, VR_TRUNCATED);
			put_u32_at(bad.data + str, (uint32_t)(bad.len - str - 4 + 1));
			AGREE_REJECT(k, bad.data, bad.len, SD_ERR_TRUNCATED, VR_TRUNCATED);
		}
	}
	sbuf_free(&b);
	sbuf_free(&bad);
}

/* ---- mpints, RFC 4251 section 5 ---- */

static void kexdh_init_raw(struct sbuf *b, const uint8_t *mp, size_t n)
{
	sbuf_reset(b);
	CHECK_OK(sbuf_put_u8(b, MSG_KEXDH_INIT));
	CHECK_OK(sbuf_put_string(b, mp, n));
}

static void test_mpint(void)
{
	struct sbuf b = SBUF_INIT;
	static const uint8_t zero_byte[] = {0x00}, lead0[] = {0x00, 0x01}, leadff[] = {0xff, 0x80},
			     neg[] = {0x80}, neg1[] = {0xff}, pos_top[] = {0x00, 0x80}, one[] = {0x01};
	kexdh_init_raw(&b, one, 0); /* zero is the empty string */
	AGREE_OK(PP_KEXDH_INIT, b);
	kexdh_init_raw(&b, one, 1);
	AGREE_OK(PP_KEXDH_INIT, b);
	kexdh_init_raw(&b, pos_top, 2);
	AGREE_OK(PP_KEXDH_INIT, b);
	kexdh_init_raw(&b, zero_byte, 1);
	AGREE_REJECT(PP_KEXDH_INIT, b.data, b.len, SD_ERR_MPINT_NONCANONICAL, VR_MPINT);
	kexdh_init_raw(&b, lead0, 2);
	AGREE_REJECT(PP_KEXDH_INIT, b.data, b.len, SD_ERR_MPINT_NONCANONICAL, VR_MPINT);
	kexdh_init_raw(&b, leadff, 2);
	AGREE_REJECT(PP_KEXDH_INIT, b.data, b.len, SD_ERR_MPINT_NONCANONICAL, VR_MPINT);
	kexdh_init_raw(&b, neg, 1);
	AGREE_REJECT(PP_KEXDH_INIT, b.data, b.len, SD_ERR_MPINT_NEGATIVE, VR_MPINT_SIGN);
	kexdh_init_raw(&b, neg1, 1); /* -1: canonical, but negative */
	AGREE_REJECT(PP_KEXDH_INIT, b.data, b.len, SD_ERR_MPINT_NEGATIVE, VR_MPINT_SIGN);
	/* the same value as an ECDH string is fine */
	b.data[0] = MSG_KEXDH_INIT;
	AGREE_OK(PP_ECDH_INIT, b);

	/* GEX_GROUP: g non-canonical after a good p */
	sbuf_reset(&b);
	CHECK_OK(sbuf_put_u8(&b, MSG_KEX_DH_GEX_GROUP));
	CHECK_OK(sbuf_put_string(&b, one, 1));
	CHECK_OK(sbuf_put_string(&b, lead0, 2));
	AGREE_REJECT(PP_GEX_GROUP, b.data, b.len, SD_ERR_MPINT_NONCANONICAL, VR_MPINT);
	sbuf_free(&b);
}

/* ---- name-lists, RFC 4251 sections 5 and 6 ---- */

static void test_namelists(void)
{
	struct sbuf b = SBUF_INIT;
	static const char *const bad[] = {
		"a,,b", "a,", ",a", "a b", "curve25519\x80", "a\x01", "\x7f",
		/* 65 characters */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sbuf_reset(&b);
		kexinit_with(&b, bad[i], 0, 0);
		AGREE_REJECT(PP_KEXINIT, b.data, b.len, SD_ERR_NAMELIST, VR_NAMELIST);
		sbuf_reset(&b);
		struct msg_userauth_failure f = {span_cstr(bad[i]), 0};
		CHECK_OK(msg_userauth_failure_put(&b, &f));
		AGREE_REJECT(PP_USERAUTH_FAILURE, b.data, b.len, SD_ERR_NAMELIST, VR_NAMELIST);
	}
	/* 64 characters, and the empty list: valid syntax */
	sbuf_reset(&b);
	kexinit_with(&b, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, 0);
	AGREE_OK(PP_KEXINIT, b);
	sbuf_reset(&b);
	kexinit_with(&b, "", 0, 0);
	AGREE_OK(PP_KEXINIT, b);
	/* KEXINIT semantics are not the parsers' business: a non-zero
	 * reserved field and a non-0/1 boolean parse (and re-encode) */
	sbuf_reset(&b);
	kexinit_with(&b, "curve25519-sha256", 7, 0xdeadbeef);
	AGREE_OK(PP_KEXINIT, b);
	sbuf_free(&b);
}

/* ---- user authentication specifics ---- */

static void test_userauth(void)
{
	struct sbuf b = SBUF_INIT;
	struct msg_userauth_request r;
	memset(&r, 0, sizeof r);
	r.user = span_cstr("u");
	r.service = span_cstr("ssh-connection");
	r.method = span_cstr("publickey");
	r.kind = USERAUTH_PUBLICKEY;
	r.alg = span_cstr("ssh-ed25519");
	r.key = span_cstr("blob");
	CHECK_OK(msg_userauth_request_put(&b, &r)); /* query: no signature */
	AGREE_OK(PP_USERAUTH_REQUEST, b);
	r.has_sig = 5; /* any non-zero byte is TRUE (RFC 4251 section 5) */
	r.sig = span_cstr("signature");
	sbuf_reset(&b);
	CHECK_OK(msg_userauth_request_put(&b, &r));
	AGREE_OK(PP_USERAUTH_REQUEST, b);
	/* FALSE, yet a signature follows: trailing bytes */
	b.data[1 + 4 + 1 + 4 + 14 + 4 + 9] = 0;
	AGREE_REJECT(PP_USERAUTH_REQUEST, b.data, b.len, SD_ERR_TRAILING, VR_TRAILING);

	/* "none" takes no fields; an unknown method's fields are opaque */
	memset(&r, 0, sizeof r);
	r.user = span_cstr("u");
	r.service = span_cstr("ssh-connection");
	r.method = span_cstr("none");
	r.kind = USERAUTH_OTHER;
	r.rest = span_cstr("x");
	sbuf_reset(&b);
	CHECK_OK(msg_userauth_request_put(&b, &r));
	AGREE_REJECT(PP_USERAUTH_REQUEST, b.data, b.len, SD_ERR_TRAILING, VR_TRAILING);
	r.method = span_cstr("hostbased");
	sbuf_reset(&b);
	CHECK_OK(msg_userauth_request_put(&b, &r));
	AGREE_OK(PP_USERAUTH_REQUEST, b);

	/* password change: the new password only when the flag is set */
	memset(&r, 0, sizeof r);
	r.user = span_cstr("u");
	r.service = span_cstr("ssh-connection");
	r.method = span_cstr("password");
	r.kind = USERAUTH_PASSWORD;
	r.change = 1;
	r.password = span_cstr("old");
	r.new_password = span_cstr("new");
	sbuf_reset(&b);
	CHECK_OK(msg_userauth_request_put(&b, &r));
	AGREE_OK(PP_USERAUTH_REQUEST, b);
	AGREE_REJECT(PP_USERAUTH_REQUEST, b.data, b.len - 7, SD_ERR_TRUNCATED, VR_TRUNCATED);

	/* partial success 2 is TRUE and must come back as 2 */
	struct msg_userauth_failure f = {span_cstr("password"), 2};
	sbuf_reset(&b);
	CHECK_OK(msg_userauth_failure_put(&b, &f));
	AGREE_OK(PP_USERAUTH_FAILURE, b);
	sbuf_free(&b);
}

/* ---- GEX request forms ---- */

static void test_gex_request(void)
{
	struct sbuf b = SBUF_INIT;
	struct msg_gex_request old = {true, 0, 2048, 0};
	CHECK_OK(msg_gex_request_put(&b, &old));
	AGREE_OK(PP_GEX_REQUEST, b);
	/* 34 with only n: truncated; 30 with three values: trailing */
	static const uint8_t short34[] = {34, 0, 0, 8, 0}, long30[] = {30, 0, 0, 8, 0, 0, 0, 12, 0, 0, 0, 32, 0};
	AGREE_REJECT(PP_GEX_REQUEST, short34, sizeof short34, SD_ERR_TRUNCATED, VR_TRUNCATED);
	AGREE_REJECT(PP_GEX_REQUEST, long30, sizeof long30, SD_ERR_TRAILING, VR_TRAILING);
	sbuf_free(&b);
}

/* ---- EXT_INFO allowances (parse_pair.c) ---- */

static void test_ext_info_allowances(void)
{
	struct sbuf b = SBUF_INIT;
	struct pp_verdicts v;
	/* 33 extensions announced: the engine's limit, not an RFC rule */
	static const uint8_t many[] = {7, 0, 0, 0, 33};
	CHECK(!pp_check(PP_EXT_INFO, many, sizeof many, &v, why, sizeof why));
	CHECK_ERR(v.engine, SD_ERR_LIMIT);
	CHECK(v.allowed);
	/* ... but a LIMIT under the limit would be reported */
	static const uint8_t few[] = {7, 0, 0, 0, 32};
	CHECK(!pp_check(PP_EXT_INFO, few, sizeof few, &v, why, sizeof why));
	CHECK_ERR(v.engine, SD_ERR_TRUNCATED);
	CHECK(!v.allowed);

	/* server-sig-algs that is no name-list (RFC 8308 section 3.1): both
	 * reject it (the engine used to keep values opaque; parse_pair.c's
	 * allowance excused that) */
	struct msg_ext_info x;
	memset(&x, 0, sizeof x);
	x.count = 1;
	x.names[0] = span_cstr("server-sig-algs");
	x.values[0] = span_cstr("ssh-ed25519,,rsa-sha2-256");
	CHECK_OK(msg_ext_info_put(&b, &x));
	CHECK(vmsg_ext_info(vspan_of(b.data, b.len), &(struct vmsg_ext_info){0}) == VR_NAMELIST);
	AGREE_REJECT(PP_EXT_INFO, b.data, b.len, SD_ERR_NAMELIST, VR_NAMELIST);
	/* the same value under another name is just bytes to both */
	x.names[0] = span_cstr("x-other");
	sbuf_reset(&b);
	CHECK_OK(msg_ext_info_put(&b, &x));
	AGREE_OK(PP_EXT_INFO, b);
	/* a bad server-sig-algs and then a cut: both stop at the value */
	x.names[0] = span_cstr("server-sig-algs");
	x.count = 2;
	x.names[1] = span_cstr("ping@openssh.com");
	x.values[1] = span_cstr("0");
	sbuf_reset(&b);
	CHECK_OK(msg_ext_info_put(&b, &x));
	AGREE_REJECT(PP_EXT_INFO, b.data, b.len - 1, SD_ERR_NAMELIST, VR_NAMELIST);
	/* a cut inside the bad value: truncated, for both */
	AGREE_REJECT(PP_EXT_INFO, b.data, 1 + 4 + 4 + 15 + 4 + 3, SD_ERR_TRUNCATED, VR_TRUNCATED);
	sbuf_free(&b);
}

/* ---- binary packets ---- */

/* A cleartext packet with the given fields (lengths may lie). */
static void raw_packet(struct sbuf *b, uint32_t plen, uint8_t padlen, size_t payload, size_t padding)
{
	CHECK_OK(sbuf_put_u32(b, plen));
	CHECK_OK(sbuf_put_u8(b, padlen));
	for (size_t i = 0; i < payload; i++)
		CHECK_OK(sbuf_put_u8(b, i == 0 ? MSG_IGNORE : (uint8_t)i));
	for (size_t i = 0; i < padding; i++)
		CHECK_OK(sbuf_put_u8(b, 0xaa));
}

/* b: state s's input (parse_pair.h). */
#define PACKET_IS(s, b, want_e, want_v, n_packets)                                                 \
	do {                                                                                       \
		struct pp_packet_verdicts pv_;                                                     \
		const char *d_ = pp_packet_check((s), (b).data, (b).len, &pv_, why, sizeof why);  \
		if (d_)                                                                            \
			check_fail(__FILE__, __LINE__, "packet: %s", d_);                          \
		CHECK(!d_);                                                                        \
		CHECK_STR(pv_.engine, (want_e));                                                   \
		CHECK_STR(pv_.verifier, (want_v));                                                 \
		CHECK_EQ_U(pv_.packets, (n_packets));                                              \
	} while (0)

static void test_packet_clear(void)
{
	struct sbuf b = SBUF_INIT, pl = SBUF_INIT;
	struct packet_dir d;
	struct rng_seeded rng;
	packet_dir_init(&d);
	rng_seeded_init(&rng, "t", 1);
	valid_payload(PP_KEXINIT, &pl);
	CHECK_OK(packet_seal(&d, &rng.base, sbuf_span(&pl), &b));
	PACKET_IS(PP_STATE_CLEAR, b, "ok", "ok", 1);
	valid_payload(PP_NEWKEYS, &pl);
	CHECK_OK(packet_seal(&d, &rng.base, sbuf_span(&pl), &b));
	PACKET_IS(PP_STATE_CLEAR, b, "ok", "ok", 2);
	/* half a packet more: both wait */
	CHECK_OK(packet_seal(&d, &rng.base, sbuf_span(&pl), &b));
	b.len -= 3;
	PACKET_IS(PP_STATE_CLEAR, b, "more", "more", 2);
	packet_dir_free(&d);

	/* RFC 4253 section 6 and 6.1, one rule each; over 35000 is each
	 * side's limit (section 6.1 allows longer packets) */
	sbuf_reset(&b);
	raw_packet(&b, 35001, 4, 1, 4);
	PACKET_IS(PP_STATE_CLEAR, b, "impl-limit", "impl-limit", 0);
	sbuf_reset(&b);
	raw_packet(&b, 4, 4, 3, 0);
	PACKET_IS(PP_STATE_CLEAR, b, "RFC4253-6.1", "RFC4253-6.1", 0);
	sbuf_reset(&b);
	raw_packet(&b, 12, 3, 8, 3); /* 16 bytes, aligned */
	PACKET_IS(PP_STATE_CLEAR, b, "RFC4253-6-padding", "RFC4253-6-padding", 0);
	sbuf_reset(&b);
	raw_packet(&b, 12, 12, 0, 11);
	PACKET_IS(PP_STATE_CLEAR, b, "RFC4253-6-padding-length", "RFC4253-6-padding-length", 0);
	sbuf_reset(&b);
	raw_packet(&b, 12, 11, 0, 11);
	PACKET_IS(PP_STATE_CLEAR, b, "RFC4253-6-payload", "RFC4253-6-payload", 0);
	sbuf_reset(&b);
	raw_packet(&b, 13, 4, 8, 4); /* 17 bytes */
	PACKET_IS(PP_STATE_CLEAR, b, "RFC4253-6-block", "RFC4253-6-block", 0);

	/* a length of 2^32-1 in fewer than 8 bytes: both wait for the first
	 * block (the engine used to judge it at 4 bytes; parse_packet.c's
	 * early-length allowance excused that) */
	static const uint8_t early[] = {0xff, 0xff, 0xff, 0xff};
	struct pp_packet_verdicts pv;
	CHECK(!pp_packet_check(PP_STATE_CLEAR, early, sizeof early, &pv, why, sizeof why));
	CHECK_STR(pv.engine, "more");
	CHECK_STR(pv.verifier, "more");
	sbuf_free(&b);
	sbuf_free(&pl);
}

/* One keyed-state input: seq, a plaintext packet. */
static void keyed_input(struct sbuf *b, uint32_t seq, uint32_t plen, uint8_t padlen, size_t payload,
			size_t padding)
{
	sbuf_reset(b);
	CHECK_OK(sbuf_put_u32(b, seq));
	raw_packet(b, plen, padlen, payload, padding);
}

static void test_packet_keyed(void)
{
	struct sbuf b = SBUF_INIT;
	for (int i = PP_STATE_CLEAR + 1; i < PP_STATE_COUNT; i++) {
		enum pp_packet_state s = (enum pp_packet_state)i;
		const char *cname, *mname;
		pp_packet_state_algs(s, &cname, &mname);
		const struct cipher_alg *c = cipher_alg_by_name(span_cstr(cname));
		const struct mac_alg *m = mname ? mac_alg_by_name(span_cstr(mname)) : NULL;
		CHECK(c != NULL);
		if (!c)
			continue;
		size_t block = c->block_size > 8 ? c->block_size : 8;
		bool apart = c->tag_len || (m && m->etm);
		/* a well-formed packet: 20 bytes of payload, padded */
		size_t covered = (apart ? 0 : 4) + 1 + 20, pad = block - covered % block;
		if (pad < 4)
			pad += block;
		keyed_input(&b, 0xfffffffeu, (uint32_t)(1 + 20 + pad), (uint8_t)pad, 20, pad);
		PACKET_IS(s, b, "ok", "ok", 1);
		/* padding 3: both decrypt, authenticate, then refuse */
		b.data[4 + 4] = 3;
		PACKET_IS(s, b, "RFC4253-6-padding", "RFC4253-6-padding", 0);
		/* one byte more payload: not a multiple of the block */
		keyed_input(&b, 1, (uint32_t)(1 + 21 + pad), (uint8_t)pad, 21, pad);
		PACKET_IS(s, b, "RFC4253-6-block", "RFC4253-6-block", 0);
		/* cut short: both wait */
		keyed_input(&b, 1, (uint32_t)(1 + 20 + pad), (uint8_t)pad, 20, pad - 1);
		PACKET_IS(s, b, "more", "more", 0);
		/* an impossible length: 6.1, or 6.4 where it was decrypted */
		keyed_input(&b, 1, 3, 4, 20, pad);
		bool decrypted = c->mode == CIPHER_CHACHAPOLY || (!apart && c->mode != CIPHER_NONE);
		PACKET_IS(s, b, "RFC4253-6.1", decrypted ? "RFC4253-6.4" : "RFC4253-6.1", 0);
	}
	/* the sealed bytes are what the verifier opens with its own crypto */
	keyed_input(&b, 0, 12, 4, 7, 4);
	struct sbuf w = SBUF_INIT;
	CHECK(pp_packet_wire(PP_STATE_CHACHAPOLY, b.data, b.len, &w));
	CHECK_EQ_U(w.len, 4 + 12 + 16);
	CHECK(memcmp(w.data + 4, b.data + 8, 12) != 0); /* encrypted */
	CHECK(!pp_packet_wire(PP_STATE_CLEAR, b.data, b.len, &w));
	sbuf_free(&w);
	sbuf_free(&b);
}

/* ---- the targets over the generated seeds ---- */

static bool run_generator(const char *outdir)
{
	char exe[PATH_MAX], tool[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	/* <build>/tests/test_parse_pair -> <build>/tools/gen_parser_seeds */
	snprintf(tool, sizeof tool, "%s/../tools/gen_parser_seeds", exe);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl(tool, tool, SSHDIFF_SOURCE_DIR "/corpus/scenarios", outdir, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	if (waitpid(pid, &status, 0) != pid)
		return false;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		check_fail(__FILE__, __LINE__, "%s failed (status %d): is it built?", tool, status);
		return false;
	}
	return true;
}

static void target_agrees(const struct pp_target *t, const uint8_t *p, size_t n, const char *file)
{
	char line[PP_LINE_MAX];
	check_count++;
	if (pp_target_check(t, p, n, line))
		check_fail(__FILE__, __LINE__, "%s: %s", file, line);
}

/* Deterministic mutations of one seed: cuts, flipped bytes, a length
 * bumped, a byte appended. */
static unsigned mutate_and_check(const struct pp_target *t, const uint8_t *p, size_t n, const char *file)
{
	uint8_t *m = malloc(n + 1);
	unsigned runs = 0;
	if (!m)
		return 0;
	for (size_t i = 0; i < 16 && n > 1; i++) {
		size_t at = 1 + (i * 2654435761u) % (n - 1);
		target_agrees(t, p, at, file); /* cut */
		memcpy(m, p, n);
		m[at] ^= (uint8_t)(1u << (i % 8)); /* flip */
		target_agrees(t, m, n, file);
		m[at] = p[at] + 1; /* bump */
		target_agrees(t, m, n, file);
		runs += 3;
	}
	memcpy(m, p, n);
	m[n] = 0;
	target_agrees(t, m, n + 1, file);
	free(m);
	return runs + 1;
}

static void test_seeds(void)
{
	char dir[] = "/tmp/sshdiff-parse-seeds-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	if (!run_generator(dir)) {
		check_fail(__FILE__, __LINE__, "could not run gen_parser_seeds");
		return;
	}
	for (size_t i = 0; i < pp_targets_count; i++) {
		const struct pp_target *t = &pp_targets[i];
		char sub[PATH_MAX], path[PATH_MAX + 256];
		snprintf(sub, sizeof sub, "%s/%s_seeds", dir, t->name);
		DIR *d = opendir(sub);
		CHECK(d != NULL);
		if (!d)
			continue;
		unsigned files = 0, mutants = 0;
		int failures = check_failures;
		struct dirent *ent;
		while ((ent = readdir(d))) {
			if (ent->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", sub, ent->d_name);
			size_t n = 0;
			uint8_t *p = (uint8_t *)check_read_file(path, &n);
			CHECK(p != NULL);
			if (!p)
				continue;
			target_agrees(t, p, n, path);
			/* a seed is a message both decoders accept */
			if (t->input == PP_IN_MESSAGE) {
				const uint8_t *q = t->n_kinds > 1 ? p + 1 : p;
				size_t qn = t->n_kinds > 1 ? n - 1 : n;
				enum pp_kind k = (enum pp_kind)(t->first + (t->n_kinds > 1 ? p[0] % t->n_kinds : 0));
				struct pp_verdicts v;
				CHECK(!pp_check(k, q, qn, &v, why, sizeof why));
				if (v.engine != SD_OK)
					check_fail(__FILE__, __LINE__, "%s: seed rejected: %s", path,
						   sd_err_rule(v.engine));
			} else {
				struct pp_packet_verdicts pv;
				bool keyed = t->input == PP_IN_PACKET_KEYED;
				enum pp_packet_state s = keyed ? pp_keyed_state(p[0]) : PP_STATE_CLEAR;
				CHECK(!pp_packet_check(s, p + keyed, n - keyed, &pv, why, sizeof why));
				CHECK_STR(pv.engine, "ok");
				CHECK(pv.packets >= 1);
			}
			mutants += mutate_and_check(t, p, n, path);
			free(p);
			unlink(path);
			files++;
		}
		closedir(d);
		rmdir(sub);
		printf("%s: %u seeds, %u mutants, %s\n", t->name, files, mutants,
		       check_failures == failures ? "all agree" : "FAILURES above");
		/* a few dozen at least: the generator's contract */
		CHECK(files >= 20);
	}
	rmdir(dir);
}

int main(void)
{
	test_every_kind();
	test_mpint();
	test_namelists();
	test_userauth();
	test_gex_request();
	test_ext_info_allowances();
	test_packet_clear();
	test_packet_keyed();
	test_seeds();
	pp_cleanup();
	return check_finish();
}

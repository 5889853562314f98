/* Messages (proto/msg.c): a real OpenSSH KEXINIT, exact round trips for
 * every message, the negative cases, and a seeded random-bytes loop in which
 * every successful parse must re-encode to exactly its input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "tests/support/check.h"
#include "tests/support/realbytes.h"

/* ---- hand encoding, independent of msg.c ---- */

static void raw_u8(struct sbuf *b, uint8_t v)
{
	if (sbuf_put(b, &v, 1) != SD_OK)
		abort();
}

static void raw_u32(struct sbuf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	if (sbuf_put(b, x, 4) != SD_OK)
		abort();
}

static void raw_bytes(struct sbuf *b, const void *p, size_t n)
{
	if (sbuf_put(b, p, n) != SD_OK)
		abort();
}

static void raw_str(struct sbuf *b, const char *s)
{
	raw_u32(b, (uint32_t)strlen(s));
	raw_bytes(b, s, strlen(s));
}

/* ---- one table of every parser/serialiser pair, for the generic checks ---- */

union any_msg {
	struct msg_kexinit kexinit;
	struct msg_kex_init kex_init;
	struct msg_kex_reply kex_reply;
	struct msg_gex_request gex_request;
	struct msg_gex_group gex_group;
	struct msg_service service;
	struct msg_ext_info ext_info;
	struct msg_userauth_request userauth_request;
	struct msg_userauth_failure userauth_failure;
	struct msg_userauth_banner userauth_banner;
	struct msg_userauth_pk_ok userauth_pk_ok;
	struct msg_disconnect disconnect;
	struct msg_ignore ignore;
	struct msg_debug debug;
	struct msg_unimplemented unimplemented;
	struct msg_signature signature;
};

struct codec {
	const char *name;
	int number; /* -1: not a message (signature blob) */
	sd_err (*parse)(struct span b, union any_msg *m);
	sd_err (*put)(struct sbuf *out, const union any_msg *m);
};

#define CODEC(name, field, num)                                                        \
	static sd_err name##_parse_any(struct span b, union any_msg *m)                \
	{                                                                              \
		return msg_##name##_parse(b, &m->field);                               \
	}                                                                              \
	static sd_err name##_put_any(struct sbuf *o, const union any_msg *m)           \
	{                                                                              \
		return msg_##name##_put(o, &m->field);                                 \
	}                                                                              \
	static const struct codec c_##name = {#name, num, name##_parse_any, name##_put_any};

CODEC(kexinit, kexinit, MSG_KEXINIT)
CODEC(kexdh_init, kex_init, MSG_KEXDH_INIT)
CODEC(gex_init, kex_init, MSG_KEX_DH_GEX_INIT)
CODEC(ecdh_init, kex_init, MSG_KEXDH_INIT)
CODEC(kexdh_reply, kex_reply, MSG_KEXDH_REPLY)
CODEC(gex_reply, kex_reply, MSG_KEX_DH_GEX_REPLY)
CODEC(ecdh_reply, kex_reply, MSG_KEXDH_REPLY)
CODEC(gex_request, gex_request, MSG_KEX_DH_GEX_REQUEST)
CODEC(gex_group, gex_group, MSG_KEX_DH_GEX_GROUP)
CODEC(ext_info, ext_info, MSG_EXT_INFO)
CODEC(userauth_request, userauth_request, MSG_USERAUTH_REQUEST)
CODEC(userauth_failure, userauth_failure, MSG_USERAUTH_FAILURE)
CODEC(userauth_banner, userauth_banner, MSG_USERAUTH_BANNER)
CODEC(userauth_pk_ok, userauth_pk_ok, MSG_USERAUTH_PK_OK)
CODEC(disconnect, disconnect, MSG_DISCONNECT)
CODEC(ignore, ignore, MSG_IGNORE)
CODEC(debug, debug, MSG_DEBUG)
CODEC(unimplemented, unimplemented, MSG_UNIMPLEMENTED)
CODEC(signature, signature, -1)

/* The parsers that take the number as an argument. */
#define NUMBERED(name, num, parse_expr, put_expr)                                      \
	static sd_err name##_parse_any(struct span b, union any_msg *m)                \
	{                                                                              \
		(void)m;                                                               \
		return parse_expr;                                                     \
	}                                                                              \
	static sd_err name##_put_any(struct sbuf *o, const union any_msg *m)           \
	{                                                                              \
		(void)m;                                                               \
		return put_expr;                                                       \
	}                                                                              \
	static const struct codec c_##name = {#name, num, name##_parse_any, name##_put_any};

NUMBERED(newkeys, MSG_NEWKEYS, msg_empty_parse(b, MSG_NEWKEYS), msg_empty_put(o, MSG_NEWKEYS))
NUMBERED(userauth_success, MSG_USERAUTH_SUCCESS, msg_empty_parse(b, MSG_USERAUTH_SUCCESS),
	 msg_empty_put(o, MSG_USERAUTH_SUCCESS))
NUMBERED(service_request, MSG_SERVICE_REQUEST, msg_service_parse(b, MSG_SERVICE_REQUEST, &m->service),
	 msg_service_put(o, MSG_SERVICE_REQUEST, &m->service))
NUMBERED(service_accept, MSG_SERVICE_ACCEPT, msg_service_parse(b, MSG_SERVICE_ACCEPT, &m->service),
	 msg_service_put(o, MSG_SERVICE_ACCEPT, &m->service))

static const struct codec *const all_codecs[] = {
	&c_kexinit, &c_kexdh_init, &c_gex_init, &c_ecdh_init, &c_kexdh_reply,
	&c_gex_reply, &c_ecdh_reply, &c_gex_request, &c_gex_group, &c_ext_info,
	&c_userauth_request, &c_userauth_failure, &c_userauth_banner, &c_userauth_pk_ok,
	&c_disconnect, &c_ignore, &c_debug, &c_unimplemented, &c_signature,
	&c_newkeys, &c_userauth_success, &c_service_request, &c_service_accept,
};
#define NCODECS (sizeof all_codecs / sizeof all_codecs[0])

/* A copy in a buffer of exactly n bytes, so ASan sees any read past it. */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (!c)
		abort();
	if (n)
		memcpy(c, p, n);
	return c;
}

/* Valid payloads met by the tests, mutated by the random loop. */
enum { POOL_MAX = 64, POOL_LEN = 300 };
static uint8_t pool[POOL_MAX][POOL_LEN];
static size_t pool_len[POOL_MAX], pool_n;

static void pool_add(struct span b)
{
	if (pool_n < POOL_MAX && b.len <= POOL_LEN) {
		memcpy(pool[pool_n], b.p, b.len);
		pool_len[pool_n++] = b.len;
	}
}

/* put(parse(b)) == b, parsing from an exact-size copy. */
static void check_reencodes(const struct codec *c, struct span b)
{
	uint8_t *copy = exact_copy(b.p, b.len);
	union any_msg m;
	struct sbuf out = SBUF_INIT;
	CHECK_OK(c->parse((struct span){copy, b.len}, &m));
	CHECK_OK(c->put(&out, &m));
	pool_add(b);
	CHECK_EQ_U(out.len, b.len);
	if (out.len == b.len)
		CHECK_MEM(out.data, b.p, b.len);
	sbuf_free(&out);
	free(copy);
}

/* Every proper prefix of a valid message fails as truncated (or empty); one
 * extra byte fails as trailing; another number fails as unexpected. */
static void check_negatives(const struct codec *c, struct span b)
{
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *copy = exact_copy(b.p, n);
		union any_msg m;
		sd_err e = c->parse((struct span){copy, n}, &m);
		sd_err want = (n == 0 && c->number >= 0) ? SD_ERR_EMPTY_PAYLOAD : SD_ERR_TRUNCATED;
		if (e != want)
			check_fail(__FILE__, __LINE__, "%s prefix %zu/%zu: got %s, want %s", c->name, n,
				   b.len, sd_err_name(e), sd_err_name(want));
		check_count++;
		free(copy);
	}
	struct sbuf longer = SBUF_INIT;
	union any_msg m;
	raw_bytes(&longer, b.p, b.len);
	raw_u8(&longer, 0);
	CHECK_ERR(c->parse(sbuf_span(&longer), &m), SD_ERR_TRAILING);
	if (c->number >= 0) {
		longer.data[0] = 200;
		longer.len--;
		CHECK_ERR(c->parse(sbuf_span(&longer), &m), SD_ERR_UNEXPECTED_MESSAGE);
	}
	sbuf_free(&longer);
}

/* Put a message, check the generic properties of its bytes, and leave the
 * parsed form in *m for the caller's field checks. */
static void roundtrip(const struct codec *c, const union any_msg *in, union any_msg *m, struct sbuf *out)
{
	CHECK_OK(c->put(out, in));
	CHECK_OK(c->parse(sbuf_span(out), m));
	check_reencodes(c, sbuf_span(out));
	check_negatives(c, sbuf_span(out));
}

static bool span_is(struct span s, const char *want)
{
	return span_eq_cstr(s, want);
}

/* ---- a real KEXINIT ---- */


static const char *const openssh92_lists[KEXINIT_NLISTS] = {
	"sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
	"curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
	"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
	"diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,ext-info-c,"
	"kex-strict-c-v00@openssh.com",
	"ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
	"ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,"
	"sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,"
	"rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,"
	"ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,"
	"sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
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
	"none,zlib@openssh.com,zlib",
	"none,zlib@openssh.com,zlib",
	"",
	"",
};

static void real_kexinit(void)
{
	struct sbuf real = check_hex(openssh92_kexinit_hex);
	static const uint8_t cookie[16] = {0x2b, 0xef, 0x6b, 0x4b, 0x88, 0x52, 0xce, 0xae,
					   0x21, 0x4b, 0x8f, 0x29, 0x92, 0x13, 0x92, 0x27};
	CHECK_EQ_U(real.len, 1547);

	/* The same bytes built by hand from RFC 4253 section 7.1's layout. */
	struct sbuf hand = SBUF_INIT;
	raw_u8(&hand, 20);
	raw_bytes(&hand, cookie, 16);
	for (int i = 0; i < KEXINIT_NLISTS; i++)
		raw_str(&hand, openssh92_lists[i]);
	raw_u8(&hand, 0);
	raw_u32(&hand, 0);
	CHECK_EQ_U(hand.len, real.len);
	if (hand.len == real.len)
		CHECK_MEM(hand.data, real.data, real.len);

	struct msg_kexinit k;
	CHECK_OK(msg_kexinit_parse(sbuf_span(&real), &k));
	CHECK_MEM(k.cookie, cookie, 16);
	for (int i = 0; i < KEXINIT_NLISTS; i++)
		CHECK(span_is(k.lists[i], openssh92_lists[i]));
	CHECK(namelist_contains(k.lists[KEXINIT_KEX], span_cstr("kex-strict-c-v00@openssh.com")));
	CHECK(namelist_contains(k.lists[KEXINIT_KEX], span_cstr("ext-info-c")));
	CHECK_EQ_U(k.first_kex_follows, 0);
	CHECK_EQ_U(k.reserved, 0);
	/* Spans point into the payload: no copies. */
	CHECK(k.lists[KEXINIT_KEX].p == real.data + 21);

	struct sbuf out = SBUF_INIT;
	CHECK_OK(msg_kexinit_put(&out, &k));
	CHECK_EQ_U(out.len, real.len);
	if (out.len == real.len)
		CHECK_MEM(out.data, real.data, real.len);
	check_negatives(&c_kexinit, sbuf_span(&real));

	/* A space where a comma was: RFC 4251 section 6 forbids it. */
	real.data[21 + 22] = ' ';
	CHECK(real.data[21 + 21] == '2');
	CHECK_ERR(msg_kexinit_parse(sbuf_span(&real), &k), SD_ERR_NAMELIST);
	sbuf_free(&out);
	sbuf_free(&hand);
	sbuf_free(&real);
}

/* ---- round trips, one per message ---- */

static void rt_kexinit(void)
{
	union any_msg in, m;
	struct sbuf out = SBUF_INIT;
	memset(&in, 0, sizeof in);
	for (int i = 0; i < 16; i++)
		in.kexinit.cookie[i] = (uint8_t)(0xa0 + i);
	const char *lists[KEXINIT_NLISTS] = {"curve25519-sha256,ext-info-s", "ssh-ed25519",
		"aes128-ctr", "aes256-ctr", "hmac-sha2-256", "hmac-sha1", "none", "none,zlib", "", "en"};
	for (int i = 0; i < KEXINIT_NLISTS; i++)
		in.kexinit.lists[i] = span_cstr(lists[i]);
	in.kexinit.first_kex_follows = 2; /* non-canonical TRUE must survive */
	in.kexinit.reserved = 0xdeadbeef;  /* the parser leaves judging it to the machine */
	roundtrip(&c_kexinit, &in, &m, &out);
	CHECK_MEM(m.kexinit.cookie, in.kexinit.cookie, 16);
	for (int i = 0; i < KEXINIT_NLISTS; i++)
		CHECK(span_is(m.kexinit.lists[i], lists[i]));
	CHECK_EQ_U(m.kexinit.first_kex_follows, 2);
	CHECK_EQ_U(m.kexinit.reserved, 0xdeadbeef);
	CHECK_EQ_U(out.data[out.len - 5], 2);

	/* A bad name-list in any of the ten positions. */
	const char *bad[] = {"a,", ",a", "a,,b", "a b", "\x7f"};
	for (int i = 0; i < KEXINIT_NLISTS; i++) {
		for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++) {
			union any_msg b = in;
			b.kexinit.lists[i] = span_cstr(bad[j]);
			sbuf_reset(&out);
			CHECK_OK(msg_kexinit_put(&out, &b.kexinit));
			CHECK_ERR(msg_kexinit_parse(sbuf_span(&out), &m.kexinit), SD_ERR_NAMELIST);
		}
	}
	sbuf_free(&out);
}

static const uint8_t dh_e[] = {0x00, 0x80, 0x01, 0x02, 0x03}; /* canonical, needs the 0x00 */
static const uint8_t ecdh_q[] = {0x04, 0x11, 0x22, 0x33};

static void rt_kex_init(void)
{
	const struct codec *cs[] = {&c_kexdh_init, &c_gex_init, &c_ecdh_init};
	const uint8_t nums[] = {30, 32, 30};
	for (int i = 0; i < 3; i++) {
		union any_msg in, m;
		struct sbuf out = SBUF_INIT;
		memset(&in, 0, sizeof in);
		in.kex_init.pub = i < 2 ? (struct span){dh_e, sizeof dh_e} : (struct span){ecdh_q, sizeof ecdh_q};
		roundtrip(cs[i], &in, &m, &out);
		CHECK_EQ_U(out.data[0], nums[i]);
		CHECK(span_eq(m.kex_init.pub, in.kex_init.pub));
		/* The mpint content is written as the string content, unchanged. */
		CHECK_EQ_U(out.len, 1 + 4 + in.kex_init.pub.len);
		CHECK_MEM(out.data + 5, in.kex_init.pub.p, in.kex_init.pub.len);
		sbuf_free(&out);
	}
	/* e = 0 is the empty mpint: syntactically fine (range is the KEX's job). */
	struct sbuf zero = check_hex("1e 00000000");
	struct msg_kex_init k;
	CHECK_OK(msg_kexdh_init_parse(sbuf_span(&zero), &k));
	CHECK_EQ_U(k.pub.len, 0);
	sbuf_free(&zero);
}

static void rt_kex_reply(void)
{
	const struct codec *cs[] = {&c_kexdh_reply, &c_gex_reply, &c_ecdh_reply};
	const uint8_t nums[] = {31, 33, 31};
	for (int i = 0; i < 3; i++) {
		union any_msg in, m;
		struct sbuf out = SBUF_INIT;
		memset(&in, 0, sizeof in);
		in.kex_reply.hostkey = span_cstr("\0\0\0\x0bssh-ed25519");
		in.kex_reply.hostkey.len = 15;
		in.kex_reply.pub = i < 2 ? (struct span){dh_e, sizeof dh_e} : (struct span){ecdh_q, sizeof ecdh_q};
		in.kex_reply.sig = span_cstr("signature-blob");
		roundtrip(cs[i], &in, &m, &out);
		CHECK_EQ_U(out.data[0], nums[i]);
		CHECK(span_eq(m.kex_reply.hostkey, in.kex_reply.hostkey));
		CHECK(span_eq(m.kex_reply.pub, in.kex_reply.pub));
		CHECK(span_is(m.kex_reply.sig, "signature-blob"));
		sbuf_free(&out);
	}
}

static void rt_gex(void)
{
	union any_msg in, m;
	struct sbuf out = SBUF_INIT;
	memset(&in, 0, sizeof in);
	in.gex_request = (struct msg_gex_request){false, 2048, 3072, 8192};
	roundtrip(&c_gex_request, &in, &m, &out);
	CHECK_EQ_U(out.data[0], 34);
	CHECK(!m.gex_request.old);
	CHECK_EQ_U(m.gex_request.min, 2048);
	CHECK_EQ_U(m.gex_request.n, 3072);
	CHECK_EQ_U(m.gex_request.max, 8192);
	CHECK_EQ_U(out.len, 13);

	sbuf_reset(&out);
	in.gex_request = (struct msg_gex_request){true, 0, 4096, 0};
	roundtrip(&c_gex_request, &in, &m, &out);
	CHECK_EQ_U(out.data[0], 30);
	CHECK(m.gex_request.old);
	CHECK_EQ_U(m.gex_request.n, 4096);
	CHECK_EQ_U(out.len, 5);

	static const uint8_t p[] = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd};
	static const uint8_t g[] = {0x02};
	sbuf_reset(&out);
	memset(&in, 0, sizeof in);
	in.gex_group.p = (struct span){p, sizeof p};
	in.gex_group.g = (struct span){g, sizeof g};
	roundtrip(&c_gex_group, &in, &m, &out);
	CHECK_EQ_U(out.data[0], 31);
	CHECK(span_eq(m.gex_group.p, in.gex_group.p));
	CHECK(span_eq(m.gex_group.g, in.gex_group.g));
	sbuf_free(&out);
}

static void rt_simple(void)
{
	union any_msg in, m;
	struct sbuf out = SBUF_INIT;

	roundtrip(&c_newkeys, &in, &m, &out);
	CHECK_EQ_U(out.len, 1);
	CHECK_EQ_U(out.data[0], 21);
	sbuf_reset(&out);
	roundtrip(&c_userauth_success, &in, &m, &out);
	CHECK_EQ_U(out.len, 1);
	CHECK_EQ_U(out.data[0], 52);

	sbuf_reset(&out);
	memset(&in, 0, sizeof in);
	in.service.name = span_cstr("ssh-userauth");
	roundtrip(&c_service_request, &in, &m, &out);
	CHECK_EQ_U(out.data[0], 5);
	CHECK(span_is(m.service.name, "ssh-userauth"));
	sbuf_reset(&out);
	roundtrip(&c_service_accept, &in, &m, &out);
	CHECK_EQ_U(out.data[0], 6);
	CHECK(span_is(m.service.name, "ssh-userauth"));
	/* A SERVICE_ACCEPT is not a SERVICE_REQUEST. */
	CHECK_ERR(msg_service_parse(sbuf_span(&out), MSG_SERVICE_REQUEST, &m.service), SD_ERR_UNEXPECTED_MESSAGE);

	sbuf_reset(&out);
	memset(&in, 0, sizeof in);
	in.disconnect.reason = DISCONNECT_BY_APPLICATION;
	in.disconnect.description = span_cstr("bye");
	in.disconnect.lang = span_cstr("en");
	roundtrip(&c_disconnect, &in, &m, &out);
	CHECK_EQ_U(m.disconnect.reason, 11);
	CHECK(span_is(m.disconnect.description, "bye"));
	CHECK(span_is(m.disconnect.lang, "en"));

	sbuf_reset(&out);
	memset(&in, 0, sizeof in);
	in.ignore.data = span_cstr("padding\x01\x02");
	roundtrip(&c_ignore, &in, &m, &out);
	CHECK(span_is(m.ignore.data, "padding\x01\x02"));

	sbuf_reset(&out);
	memset(&in, 0, sizeof in);
	in.debug.always_display = 2;
	in.debug.message = span_cstr("dbg");
	roundtrip(&c_debug, &in, &m, &out);
	CHECK_EQ_U(m.debug.always_display, 2);
	CHECK(span_is(m.debug.message, "dbg"));
	CHECK_EQ_U(m.debug.lang.len, 0);

	sbuf_reset(&out);
	memset(&in, 0, sizeof in);
	in.unimplemented.seq = 0x01020304;
	roundtrip(&c_unimplemented, &in, &m, &out);
	CHECK_EQ_U(m.unimplemented.seq, 0x01020304);
	struct sbuf want = check_hex("03 01020304");
	CHECK_EQ_U(out.len, want.len);
	CHECK_MEM(out.data, want.data, want.len);
	sbuf_free(&want);

	sbuf_reset(&out);
	memset(&in, 0, sizeof in);
	in.signature.alg = span_cstr("rsa-sha2-256");
	in.signature.sig = span_cstr("SIG");
	roundtrip(&c_signature, &in, &m, &out);
	CHECK(span_is(m.signature.alg, "rsa-sha2-256"));
	CHECK(span_is(m.signature.sig, "SIG"));
	sbuf_free(&out);
}

static void rt_ext_info(void)
{
	union any_msg in, m;
	struct sbuf out = SBUF_INIT;
	memset(&in, 0, sizeof in);
	in.ext_info.count = 2;
	in.ext_info.names[0] = span_cstr("server-sig-algs");
	in.ext_info.values[0] = span_cstr("ssh-ed25519,rsa-sha2-256");
	in.ext_info.names[1] = span_cstr("publickey-hostbound@openssh.com");
	in.ext_info.values[1] = span_cstr("0");
	roundtrip(&c_ext_info, &in, &m, &out);
	CHECK_EQ_U(m.ext_info.count, 2);
	CHECK(span_is(m.ext_info.names[0], "server-sig-algs"));
	CHECK(span_is(m.ext_info.values[0], "ssh-ed25519,rsa-sha2-256"));
	CHECK(span_is(m.ext_info.names[1], "publickey-hostbound@openssh.com"));
	CHECK(span_is(m.ext_info.values[1], "0"));

	/* Exactly the limit parses; one more, or 1000, is refused, not cut. */
	const uint32_t counts[] = {0, MSG_EXT_INFO_MAX, MSG_EXT_INFO_MAX + 1, 1000};
	const sd_err want[] = {SD_OK, SD_OK, SD_ERR_LIMIT, SD_ERR_LIMIT};
	for (int t = 0; t < 4; t++) {
		struct sbuf b = SBUF_INIT;
		raw_u8(&b, 7);
		raw_u32(&b, counts[t]);
		for (uint32_t i = 0; i < counts[t]; i++) {
			raw_str(&b, "n");
			raw_str(&b, "v");
		}
		CHECK_ERR(msg_ext_info_parse(sbuf_span(&b), &m.ext_info), want[t]);
		if (want[t] == SD_OK) {
			CHECK_EQ_U(m.ext_info.count, counts[t]);
			check_reencodes(&c_ext_info, sbuf_span(&b));
		}
		sbuf_free(&b);
	}
	in.ext_info.count = MSG_EXT_INFO_MAX + 1;
	sbuf_reset(&out);
	CHECK_ERR(msg_ext_info_put(&out, &in.ext_info), SD_ERR_LIMIT);
	CHECK_EQ_U(out.len, 0);
	sbuf_free(&out);

	/* server-sig-algs is a name-list (RFC 8308 section 3.1), so RFC 4251
	 * section 5 holds for it; any other value is opaque bytes. */
	static const struct {
		const char *name, *value;
		sd_err want;
	} values[] = {
		{"server-sig-algs", "ssh-ed25519,,rsa-sha2-256", SD_ERR_NAMELIST}, /* empty name */
		{"server-sig-algs", "ssh-ed25519,", SD_ERR_NAMELIST},              /* trailing comma */
		{"server-sig-algs", ",ssh-ed25519", SD_ERR_NAMELIST},
		{"server-sig-algs", "ssh-ed25519 rsa-sha2-256", SD_ERR_NAMELIST},  /* space */
		{"server-sig-algs", "ssh-ed25519,rsa-sha2-256", SD_OK},
		{"server-sig-algs", "", SD_OK},                                   /* zero names */
		{"x-other", "ssh-ed25519,,rsa-sha2-256", SD_OK},
		{"ping@openssh.com", "0 ,", SD_OK},
	};
	for (size_t t = 0; t < sizeof values / sizeof values[0]; t++) {
		struct sbuf b = SBUF_INIT;
		raw_u8(&b, 7);
		raw_u32(&b, 2);
		raw_str(&b, "ping@openssh.com");
		raw_str(&b, "0");
		raw_str(&b, values[t].name);
		raw_str(&b, values[t].value);
		CHECK_ERR(msg_ext_info_parse(sbuf_span(&b), &m.ext_info), values[t].want);
		if (values[t].want == SD_OK)
			check_reencodes(&c_ext_info, sbuf_span(&b));
		sbuf_free(&b);
	}
}

static void rt_userauth(void)
{
	union any_msg in, m;
	struct sbuf out = SBUF_INIT;

	/* none: nothing after the method name */
	memset(&in, 0, sizeof in);
	in.userauth_request.user = span_cstr("alice");
	in.userauth_request.service = span_cstr("ssh-connection");
	in.userauth_request.method = span_cstr("none");
	in.userauth_request.kind = USERAUTH_NONE;
	roundtrip(&c_userauth_request, &in, &m, &out);
	CHECK_EQ_U(m.userauth_request.kind, USERAUTH_NONE);
	CHECK(span_is(m.userauth_request.user, "alice"));
	CHECK(span_is(m.userauth_request.service, "ssh-connection"));
	CHECK(span_is(m.userauth_request.method, "none"));

	/* password without and with a change (RFC 4252 section 8) */
	sbuf_reset(&out);
	in.userauth_request.method = span_cstr("password");
	in.userauth_request.kind = USERAUTH_PASSWORD;
	in.userauth_request.password = span_cstr("hunter2");
	roundtrip(&c_userauth_request, &in, &m, &out);
	CHECK_EQ_U(m.userauth_request.kind, USERAUTH_PASSWORD);
	CHECK_EQ_U(m.userauth_request.change, 0);
	CHECK(span_is(m.userauth_request.password, "hunter2"));
	CHECK_EQ_U(m.userauth_request.new_password.len, 0);
	sbuf_reset(&out);
	in.userauth_request.change = 2; /* any non-zero byte is TRUE, kept as 2 */
	in.userauth_request.new_password = span_cstr("correct horse");
	roundtrip(&c_userauth_request, &in, &m, &out);
	CHECK_EQ_U(m.userauth_request.change, 2);
	CHECK(span_is(m.userauth_request.new_password, "correct horse"));

	/* publickey query and signed request (RFC 4252 section 7) */
	memset(&in, 0, sizeof in);
	in.userauth_request.user = span_cstr("bob");
	in.userauth_request.service = span_cstr("ssh-connection");
	in.userauth_request.method = span_cstr("publickey");
	in.userauth_request.kind = USERAUTH_PUBLICKEY;
	in.userauth_request.alg = span_cstr("ssh-ed25519");
	in.userauth_request.key = span_cstr("KEYBLOB");
	sbuf_reset(&out);
	roundtrip(&c_userauth_request, &in, &m, &out);
	CHECK_EQ_U(m.userauth_request.kind, USERAUTH_PUBLICKEY);
	CHECK_EQ_U(m.userauth_request.has_sig, 0);
	CHECK(span_is(m.userauth_request.alg, "ssh-ed25519"));
	CHECK(span_is(m.userauth_request.key, "KEYBLOB"));
	CHECK_EQ_U(m.userauth_request.sig.len, 0);
	in.userauth_request.has_sig = 0xff;
	in.userauth_request.sig = span_cstr("SIGBLOB");
	sbuf_reset(&out);
	roundtrip(&c_userauth_request, &in, &m, &out);
	CHECK_EQ_U(m.userauth_request.has_sig, 0xff);
	CHECK(span_is(m.userauth_request.sig, "SIGBLOB"));

	/* The optional last field is absent on the wire when its boolean is
	 * FALSE: a publickey query and a plain password request, by hand. */
	static const char *const hand_method[] = {"publickey", "password"};
	for (int t = 0; t < 2; t++) {
		struct sbuf b = SBUF_INIT;
		raw_u8(&b, 50);
		raw_str(&b, "dave");
		raw_str(&b, "ssh-connection");
		raw_str(&b, hand_method[t]);
		raw_u8(&b, 0);
		raw_str(&b, t == 0 ? "ssh-rsa" : "pw");
		if (t == 0)
			raw_str(&b, "KB");
		CHECK_OK(msg_userauth_request_parse(sbuf_span(&b), &m.userauth_request));
		CHECK_EQ_U(m.userauth_request.kind, t == 0 ? USERAUTH_PUBLICKEY : USERAUTH_PASSWORD);
		check_reencodes(&c_userauth_request, sbuf_span(&b));
		check_negatives(&c_userauth_request, sbuf_span(&b));
		/* TRUE without the field it announces is truncated. */
		b.data[1 + 8 + 18 + 4 + strlen(hand_method[t])] = 1;
		CHECK_ERR(msg_userauth_request_parse(sbuf_span(&b), &m.userauth_request), SD_ERR_TRUNCATED);
		sbuf_free(&b);
	}

	/* An unknown method keeps everything after its name in rest. */
	memset(&in, 0, sizeof in);
	in.userauth_request.user = span_cstr("carol");
	in.userauth_request.service = span_cstr("ssh-connection");
	in.userauth_request.method = span_cstr("keyboard-interactive");
	in.userauth_request.kind = USERAUTH_OTHER;
	in.userauth_request.rest = (struct span){(const uint8_t *)"\0\0\0\0\0\0\0\0", 8};
	sbuf_reset(&out);
	CHECK_OK(msg_userauth_request_put(&out, &in.userauth_request));
	CHECK_OK(msg_userauth_request_parse(sbuf_span(&out), &m.userauth_request));
	CHECK_EQ_U(m.userauth_request.kind, USERAUTH_OTHER);
	CHECK(span_is(m.userauth_request.method, "keyboard-interactive"));
	CHECK(span_eq(m.userauth_request.rest, in.userauth_request.rest));
	check_reencodes(&c_userauth_request, sbuf_span(&out));
	/* Every prefix that still holds the method name parses, with a shorter
	 * rest; shorter prefixes are truncated. */
	size_t head = 1 + 4 + 5 + 4 + 14 + 4 + 20;
	for (size_t n = 0; n <= out.len; n++) {
		sd_err e = msg_userauth_request_parse((struct span){out.data, n}, &m.userauth_request);
		if (n >= head) {
			CHECK_OK(e);
			CHECK_EQ_U(m.userauth_request.rest.len, n - head);
		} else {
			CHECK_ERR(e, n == 0 ? SD_ERR_EMPTY_PAYLOAD : SD_ERR_TRUNCATED);
		}
	}
	/* Kinds outside the enum are refused by the serialiser, which leaves
	 * nothing behind. */
	in.userauth_request.kind = (enum userauth_method)9;
	sbuf_reset(&out);
	CHECK_ERR(msg_userauth_request_put(&out, &in.userauth_request), SD_ERR_INVALID_ARG);
	CHECK_EQ_U(out.len, 0);

	/* FAILURE, BANNER, PK_OK */
	memset(&in, 0, sizeof in);
	in.userauth_failure.methods = span_cstr("publickey,password");
	in.userauth_failure.partial = 2;
	sbuf_reset(&out);
	roundtrip(&c_userauth_failure, &in, &m, &out);
	CHECK(span_is(m.userauth_failure.methods, "publickey,password"));
	CHECK_EQ_U(m.userauth_failure.partial, 2);
	in.userauth_failure.methods = span_cstr("publickey,");
	sbuf_reset(&out);
	CHECK_OK(msg_userauth_failure_put(&out, &in.userauth_failure));
	CHECK_ERR(msg_userauth_failure_parse(sbuf_span(&out), &m.userauth_failure), SD_ERR_NAMELIST);

	memset(&in, 0, sizeof in);
	in.userauth_banner.message = span_cstr("Welcome\r\n");
	in.userauth_banner.lang = span_cstr("en-US");
	sbuf_reset(&out);
	roundtrip(&c_userauth_banner, &in, &m, &out);
	CHECK(span_is(m.userauth_banner.message, "Welcome\r\n"));
	CHECK(span_is(m.userauth_banner.lang, "en-US"));

	memset(&in, 0, sizeof in);
	in.userauth_pk_ok.alg = span_cstr("ecdsa-sha2-nistp256");
	in.userauth_pk_ok.key = span_cstr("BLOB");
	sbuf_reset(&out);
	roundtrip(&c_userauth_pk_ok, &in, &m, &out);
	CHECK(span_is(m.userauth_pk_ok.alg, "ecdsa-sha2-nistp256"));
	CHECK(span_is(m.userauth_pk_ok.key, "BLOB"));
	sbuf_free(&out);
}

/* ---- specific rejections ---- */

static void mpint_rules(void)
{
	/* RFC 4251 section 5: no needless leading 0x00, and e, f, p, g >= 0. */
	static const struct {
		const char *hex;
		sd_err want;
	} kexdh[] = {
		{"1e 00000002 0001", SD_ERR_MPINT_NONCANONICAL},
		{"1e 00000001 00", SD_ERR_MPINT_NONCANONICAL},
		{"1e 00000002 ff80", SD_ERR_MPINT_NONCANONICAL},
		{"1e 00000001 80", SD_ERR_MPINT_NEGATIVE},
		{"1e 00000002 edcc", SD_ERR_MPINT_NEGATIVE},
		{"1e 00000002 0080", SD_OK},
		{"1e 00000001 7f", SD_OK},
	};
	for (size_t i = 0; i < sizeof kexdh / sizeof kexdh[0]; i++) {
		struct sbuf b = check_hex(kexdh[i].hex);
		struct msg_kex_init k;
		CHECK_ERR(msg_kexdh_init_parse(sbuf_span(&b), &k), kexdh[i].want);
		/* GEX_INIT reads the same field the same way. */
		b.data[0] = 32;
		CHECK_ERR(msg_gex_init_parse(sbuf_span(&b), &k), kexdh[i].want);
		/* ECDH's Q_C is a plain string: any bytes. */
		b.data[0] = 30;
		CHECK_OK(msg_ecdh_init_parse(sbuf_span(&b), &k));
		sbuf_free(&b);
	}
	struct sbuf f = check_hex("1f 00000001 4b 00000001 80 00000001 53");
	struct msg_kex_reply r;
	CHECK_ERR(msg_kexdh_reply_parse(sbuf_span(&f), &r), SD_ERR_MPINT_NEGATIVE);
	f.data[0] = 33;
	CHECK_ERR(msg_gex_reply_parse(sbuf_span(&f), &r), SD_ERR_MPINT_NEGATIVE);
	f.data[0] = 31;
	CHECK_OK(msg_ecdh_reply_parse(sbuf_span(&f), &r));
	CHECK_EQ_U(r.pub.len, 1);
	CHECK_EQ_U(r.pub.p[0], 0x80);
	sbuf_free(&f);

	struct sbuf g = check_hex("1f 00000001 17 00000002 0002");
	struct msg_gex_group gg;
	CHECK_ERR(msg_gex_group_parse(sbuf_span(&g), &gg), SD_ERR_MPINT_NONCANONICAL);
	sbuf_free(&g);
	g = check_hex("1f 00000001 97 00000001 02");
	CHECK_ERR(msg_gex_group_parse(sbuf_span(&g), &gg), SD_ERR_MPINT_NEGATIVE);
	sbuf_free(&g);
}

static void empty_payloads(void)
{
	for (size_t i = 0; i < NCODECS; i++) {
		union any_msg m;
		sd_err want = all_codecs[i]->number >= 0 ? SD_ERR_EMPTY_PAYLOAD : SD_ERR_TRUNCATED;
		CHECK_ERR(all_codecs[i]->parse(SPAN_NULL, &m), want);
	}
	/* A message number alone, where fields are due. */
	uint8_t one = MSG_DISCONNECT;
	struct msg_disconnect d;
	CHECK_ERR(msg_disconnect_parse((struct span){&one, 1}, &d), SD_ERR_TRUNCATED);
	/* The wrong one of two similar messages. */
	uint8_t nk = MSG_NEWKEYS;
	CHECK_ERR(msg_empty_parse((struct span){&nk, 1}, MSG_USERAUTH_SUCCESS), SD_ERR_UNEXPECTED_MESSAGE);
	/* A GEX request under any other number. */
	struct sbuf b = check_hex("20 00000800 00000c00 00002000");
	struct msg_gex_request q;
	CHECK_ERR(msg_gex_request_parse(sbuf_span(&b), &q), SD_ERR_UNEXPECTED_MESSAGE);
	/* 30 with three uint32s is the old form plus trailing bytes. */
	b.data[0] = 30;
	CHECK_ERR(msg_gex_request_parse(sbuf_span(&b), &q), SD_ERR_TRAILING);
	sbuf_free(&b);
	/* A signature blob with something after the signature. */
	struct sbuf s = check_hex("00000001 61 00000001 62 00");
	struct msg_signature sig;
	CHECK_ERR(msg_signature_parse(sbuf_span(&s), &sig), SD_ERR_TRAILING);
	s.len--;
	CHECK_OK(msg_signature_parse(sbuf_span(&s), &sig));
	sbuf_free(&s);
}

static void signed_data(void)
{
	/* RFC 4252 section 7, laid out by hand: string session id, byte 50,
	 * string user, string service, string "publickey", TRUE, string alg,
	 * string key. */
	struct sbuf want = check_hex("00000002 0102  32  00000001 75"
				     "0000000e 7373682d636f6e6e656374696f6e"
				     "00000009 7075626c69636b6579  01"
				     "0000000b 7373682d65643235353139  00000001 4b");
	struct sbuf out = SBUF_INIT;
	CHECK_OK(sbuf_put_u8(&out, 0xee)); /* appends after what is there */
	CHECK_OK(msg_userauth_signed_data(&out, (struct span){(const uint8_t *)"\x01\x02", 2},
					  span_cstr("u"), span_cstr("ssh-connection"),
					  span_cstr("ssh-ed25519"), span_cstr("K")));
	CHECK_EQ_U(out.len, 1 + want.len);
	if (out.len == 1 + want.len)
		CHECK_MEM(out.data + 1, want.data, want.len);
	sbuf_free(&out);
	sbuf_free(&want);
}

static void put_failures_leave_nothing(void)
{
	/* A field over SBUF_MAX fails with SD_ERR_LIMIT after the number and
	 * reason were written: the half message must be taken back. */
	uint8_t *big = calloc(1, SBUF_MAX + 1);
	if (!big)
		abort();
	struct sbuf out = SBUF_INIT;
	raw_bytes(&out, "xy", 2);
	struct msg_disconnect d = {2, {big, SBUF_MAX + 1}, SPAN_NULL};
	CHECK_ERR(msg_disconnect_put(&out, &d), SD_ERR_LIMIT);
	CHECK_EQ_U(out.len, 2);
	struct msg_ignore ig = {{big, SBUF_MAX - 4}};
	CHECK_ERR(msg_ignore_put(&out, &ig), SD_ERR_LIMIT); /* fits alone, not after "xy" + header */
	CHECK_EQ_U(out.len, 2);
	CHECK_MEM(out.data, "xy", 2);
	sbuf_free(&out);
	free(big);
}

static void names(void)
{
	CHECK_STR(msg_name(MSG_KEXINIT), "KEXINIT");
	CHECK_STR(msg_name(MSG_NEWKEYS), "NEWKEYS");
	CHECK_STR(msg_name(MSG_EXT_INFO), "EXT_INFO");
	CHECK_STR(msg_name(30), "KEX30");
	CHECK_STR(msg_name(34), "KEX34");
	CHECK_STR(msg_name(MSG_USERAUTH_REQUEST), "USERAUTH_REQUEST");
	CHECK_STR(msg_name(MSG_USERAUTH_PK_OK), "USERAUTH_PK_OK");
	CHECK_STR(msg_name(MSG_CHANNEL_OPEN), "CHANNEL_OPEN");
	CHECK_STR(msg_name(0), "MSG0");
	CHECK_STR(msg_name(35), "MSG35");
	CHECK_STR(msg_name(200), "MSG200");
	CHECK_STR(msg_name(255), "MSG255");
	/* Every number has a name; unnamed ones read MSG<n>, and each call
	 * returns the same storage. */
	int generic = 0;
	for (int n = 0; n < 256; n++) {
		const char *s = msg_name((uint8_t)n);
		char want[8];
		snprintf(want, sizeof want, "MSG%d", n);
		CHECK(s != NULL && s == msg_name((uint8_t)n));
		if (s && strcmp(s, want) == 0)
			generic++;
		else
			CHECK(s && s[0] >= 'A' && s[0] <= 'Z' && strncmp(s, "MSG", 3) != 0);
	}
	CHECK_EQ_U(generic, 256 - 33);
}

/* ---- seeded random payloads ---- */

static uint64_t xs_state = 0x9e3779b97f4a7c15ull;

static uint64_t xorshift(void)
{
	uint64_t x = xs_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return xs_state = x;
}

static const uint8_t known_numbers[] = {1, 2, 3, 4, 5, 6, 7, 20, 21, 30, 31, 32, 33, 34, 50, 51, 52, 53, 60};

/* One plausible field: a short string (text, name-list-ish or binary), a
 * boolean-ish byte, a uint32, a KEXINIT cookie, or one random byte. */
static size_t random_field(uint8_t *p, size_t room)
{
	static const char alpha[] = "abz-@.,0";
	uint8_t tmp[40];
	size_t n = 0;
	uint64_t r = xorshift();
	switch (r % 5) {
	case 0: { /* string of 0..20 bytes */
		size_t k = (size_t)(r >> 8) % 21;
		bool text = (r >> 16) & 1;
		tmp[n++] = 0, tmp[n++] = 0, tmp[n++] = 0, tmp[n++] = (uint8_t)k;
		for (size_t i = 0; i < k; i++)
			tmp[n++] = text ? (uint8_t)alpha[xorshift() % 8] : (uint8_t)xorshift();
		break;
	}
	case 1:
		tmp[n++] = (uint8_t)((r >> 8) % 3);
		break;
	case 2: /* uint32, small or not */
		tmp[n++] = 0, tmp[n++] = 0, tmp[n++] = (uint8_t)(r >> 8) & 1;
		tmp[n++] = (uint8_t)(r >> 16);
		if ((r >> 24) & 1)
			tmp[0] = (uint8_t)(r >> 32);
		break;
	case 3:
		for (int i = 0; i < 16; i++)
			tmp[n++] = (uint8_t)xorshift();
		break;
	default:
		tmp[n++] = (uint8_t)(r >> 8);
		break;
	}
	if (n > room)
		return 0;
	memcpy(p, tmp, n);
	return n;
}

/* A KEXINIT skeleton with random short lists, sometimes with one byte
 * changed, so the longest parser is exercised too. */
static size_t random_kexinit(uint8_t *buf)
{
	static const char alpha[] = "abz-@,";
	size_t len = 0;
	buf[len++] = MSG_KEXINIT;
	for (int i = 0; i < 16; i++)
		buf[len++] = (uint8_t)xorshift();
	for (int l = 0; l < KEXINIT_NLISTS; l++) {
		size_t k = (size_t)(xorshift() % 8);
		buf[len++] = 0, buf[len++] = 0, buf[len++] = 0, buf[len++] = (uint8_t)k;
		for (size_t i = 0; i < k; i++)
			buf[len++] = (uint8_t)alpha[xorshift() % 6];
	}
	buf[len++] = (uint8_t)(xorshift() % 3);
	for (int i = 0; i < 4; i++)
		buf[len++] = (uint8_t)xorshift();
	if (xorshift() & 1)
		buf[xorshift() % len] = (uint8_t)xorshift();
	return len;
}

/* A valid payload from the pool with up to three small changes: a byte
 * set to a random or boundary value, cut short, or one byte appended. */
static size_t random_mutant(uint8_t *buf, size_t max)
{
	static const uint8_t edge[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xff};
	size_t k = (size_t)(xorshift() % pool_n);
	size_t len = pool_len[k];
	memcpy(buf, pool[k], len);
	int changes = (int)(xorshift() % 4);
	for (int i = 0; i < changes && len > 0; i++) {
		uint64_t r = xorshift();
		switch (r % 4) {
		case 0:
			buf[(r >> 8) % len] = (uint8_t)(r >> 32);
			break;
		case 1:
			buf[(r >> 8) % len] = edge[(r >> 32) % sizeof edge];
			break;
		case 2:
			len = (size_t)((r >> 8) % (len + 1));
			break;
		default:
			if (len < max)
				buf[len++] = (uint8_t)(r >> 8);
			break;
		}
	}
	return len;
}

/* Four kinds, all at most 300 bytes: pure noise after a known number
 * (length uniform in 0..300), a sequence of plausible fields (usually after
 * a known number, sometimes without one for the signature blob parser),
 * KEXINIT skeletons, and mutants of the valid messages built above. */
static size_t random_payload(uint8_t *buf)
{
	enum { MAXLEN = 300 };
	size_t len = 0;
	uint64_t mode = xorshift() % 10;
	if (mode == 7)
		return random_kexinit(buf);
	if (mode >= 8 && pool_n > 0)
		return random_mutant(buf, MAXLEN);
	if (mode < 4) {
		size_t target = (size_t)(xorshift() % (MAXLEN + 1));
		if (target > 0)
			buf[len++] = known_numbers[xorshift() % sizeof known_numbers];
		while (len < target)
			buf[len++] = (uint8_t)xorshift();
		return len;
	}
	if (mode != 6)
		buf[len++] = known_numbers[xorshift() % sizeof known_numbers];
	size_t fields = (size_t)(xorshift() % 8);
	for (size_t i = 0; i < fields; i++)
		len += random_field(buf + len, MAXLEN - len);
	return len;
}

static void random_bytes(void)
{
	enum { ITER = 200000 };
	unsigned long ok[NCODECS] = {0};
	unsigned long total_ok = 0, mismatches = 0;
	uint8_t buf[400];
	struct sbuf out = SBUF_INIT;
	for (int it = 0; it < ITER; it++) {
		size_t n = random_payload(buf);
		uint8_t *copy = exact_copy(buf, n);
		struct span b = {copy, n};
		for (size_t c = 0; c < NCODECS; c++) {
			union any_msg m;
			if (all_codecs[c]->parse(b, &m) != SD_OK)
				continue;
			ok[c]++;
			total_ok++;
			sbuf_reset(&out);
			sd_err e = all_codecs[c]->put(&out, &m);
			bool same = e == SD_OK && out.len == n && memcmp(out.data, copy, n) == 0;
			if (!same && mismatches++ < 5) {
				check_fail(__FILE__, __LINE__, "%s: put(parse(b)) != b", all_codecs[c]->name);
				check_dump("in ", copy, n);
				check_dump("out", out.data, out.len);
			}
			check_count++;
		}
		free(copy);
	}
	sbuf_free(&out);
	printf("random: %d payloads, %lu successful parses, %lu re-encoding mismatches\n", ITER,
	       total_ok, mismatches);
	for (size_t c = 0; c < NCODECS; c++)
		printf("  %-18s %lu\n", all_codecs[c]->name, ok[c]);
	CHECK_EQ_U(mismatches, 0);
	/* The generator must reach success for every parser; otherwise the
	 * loop proves nothing for it. */
	for (size_t c = 0; c < NCODECS; c++)
		CHECK(ok[c] > 0);
}

int main(void)
{
	real_kexinit();
	rt_kexinit();
	rt_kex_init();
	rt_kex_reply();
	rt_gex();
	rt_simple();
	rt_ext_info();
	rt_userauth();
	mpint_rules();
	empty_payloads();
	signed_data();
	put_failures_leave_nothing();
	names();
	random_bytes();
	return check_finish();
}

/* Key exchange: RFC 7748 X25519 vectors, peer-value validation of every
 * family (RFC 4253 section 8, RFC 5656 section 4, RFC 8731 section 3), the
 * RFC 3526 groups against OpenSSL's copies, agreement between both sides,
 * the exchange hash built by hand, and kex_derive against OpenSSL's
 * independent SSHKDF. */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include "proto/crypto/kex.h"
#include "tests/support/check.h"

/* ---- helpers ---- */

/* An rng that hands out fixed bytes, to plant a known private key. */
struct fixed_rng {
	struct rng base;
	const uint8_t *p;
	size_t len, off;
};

static sd_err fixed_fill(struct rng *self, uint8_t *out, size_t n)
{
	struct fixed_rng *r = (struct fixed_rng *)self;
	if (n > r->len - r->off)
		return SD_ERR_INTERNAL;
	memcpy(out, r->p + r->off, n);
	r->off += n;
	return SD_OK;
}

static struct fixed_rng fixed_rng(const struct sbuf *b)
{
	return (struct fixed_rng){{fixed_fill}, b->data, b->len, 0};
}

static const struct kex_method *method(const char *name)
{
	const struct kex_method *m = kex_method_by_name(span_cstr(name));
	if (!m)
		check_fail(__FILE__, __LINE__, "no method %s", name);
	return m;
}

static void check_span_hex(struct span got, const char *hex, const char *what)
{
	struct sbuf want = check_hex(hex);
	check_count++;
	if (got.len != want.len || memcmp(got.p, want.data, want.len) != 0) {
		check_fail(__FILE__, __LINE__, "%s differs", what);
		check_dump("got ", got.p, got.len);
		check_dump("want", want.data, want.len);
	}
	sbuf_free(&want);
}

/* mpint content (no length) of a BIGNUM, the form e and f travel in. */
static struct sbuf bn_mpint_content(const BIGNUM *v)
{
	struct sbuf full = SBUF_INIT, out = SBUF_INIT;
	uint8_t buf[1100];
	int n = BN_bn2bin(v, buf);
	/* (zero is the empty content: nothing to append) */
	if (n < 0 || sbuf_put_mpint_unsigned(&full, buf, (size_t)n) != SD_OK ||
	    (full.len > 4 && sbuf_put(&out, full.data + 4, full.len - 4) != SD_OK))
		check_fail(__FILE__, __LINE__, "bn_mpint_content");
	sbuf_free(&full);
	return out;
}

static BIGNUM *group_p(int id)
{
	const struct kex_dh_group *g = kex_dh_group_by_id(id);
	return g ? BN_bin2bn(g->p.p, (int)g->p.len, NULL) : NULL;
}

/* K as produced by kex_ephemeral_shared must be one canonical, positive
 * mpint with its length and nothing else. */
static void check_k_is_mpint(const struct sbuf *k)
{
	struct sview v = sview_make(k->data, k->len);
	struct span s;
	CHECK_OK(sview_get_mpint_positive(&v, &s));
	CHECK_OK(sview_end(&v));
	CHECK(s.len > 0);
}

/* ---- method table ---- */

static void table(void)
{
	CHECK_STR(kex_default_list(),
		  "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
		  "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
		  "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,"
		  "diffie-hellman-group-exchange-sha1");
	CHECK_EQ_U(kex_methods_count, 11);
	static const struct {
		const char *name;
		enum kex_family family;
		enum kex_hash hash;
		int group;
	} want[] = {
		{"curve25519-sha256", KEX_FAMILY_X25519, KEX_HASH_SHA256, 0},
		{"curve25519-sha256@libssh.org", KEX_FAMILY_X25519, KEX_HASH_SHA256, 0},
		{"ecdh-sha2-nistp256", KEX_FAMILY_ECDH, KEX_HASH_SHA256, NID_X9_62_prime256v1},
		{"ecdh-sha2-nistp384", KEX_FAMILY_ECDH, KEX_HASH_SHA384, NID_secp384r1},
		{"ecdh-sha2-nistp521", KEX_FAMILY_ECDH, KEX_HASH_SHA512, NID_secp521r1},
		{"diffie-hellman-group-exchange-sha256", KEX_FAMILY_GEX, KEX_HASH_SHA256, 0},
		{"diffie-hellman-group16-sha512", KEX_FAMILY_DH, KEX_HASH_SHA512, 16},
		{"diffie-hellman-group18-sha512", KEX_FAMILY_DH, KEX_HASH_SHA512, 18},
		{"diffie-hellman-group14-sha256", KEX_FAMILY_DH, KEX_HASH_SHA256, 14},
		{"diffie-hellman-group14-sha1", KEX_FAMILY_DH, KEX_HASH_SHA1, 14},
		{"diffie-hellman-group-exchange-sha1", KEX_FAMILY_GEX, KEX_HASH_SHA1, 0},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct kex_method *m = method(want[i].name);
		CHECK(m == &kex_methods[i]);
		if (!m)
			continue;
		CHECK_EQ_U(m->family, want[i].family);
		CHECK_EQ_U(m->hash, want[i].hash);
		CHECK_EQ_U(m->group, want[i].group);
	}
	CHECK(kex_method_by_name(span_cstr("curve25519-sha25")) == NULL);
	CHECK(kex_method_by_name(span_cstr("diffie-hellman-group1-sha1")) == NULL);
	CHECK(kex_method_by_name(SPAN_NULL) == NULL);
	CHECK_EQ_U(kex_hash_len(KEX_HASH_SHA1), 20);
	CHECK_EQ_U(kex_hash_len(KEX_HASH_SHA256), 32);
	CHECK_EQ_U(kex_hash_len(KEX_HASH_SHA384), 48);
	CHECK_EQ_U(kex_hash_len(KEX_HASH_SHA512), 64);
}

/* ---- X25519 ---- */

/* Runs one X25519 with a planted private key; checks our public value
 * (when want_pub) and K. */
static void x25519_vector(const char *priv_hex, const char *want_pub_hex, const char *peer_hex,
			  const char *want_k_hex)
{
	struct sbuf priv = check_hex(priv_hex), peer = check_hex(peer_hex), pub = SBUF_INIT, k = SBUF_INIT;
	struct fixed_rng r = fixed_rng(&priv);
	struct kex_ephemeral *e = NULL;
	CHECK_OK(kex_ephemeral_new(method("curve25519-sha256"), SPAN_NULL, SPAN_NULL, &r.base, &e));
	if (e) {
		CHECK_OK(kex_ephemeral_public(e, &pub));
		if (want_pub_hex)
			check_span_hex(sbuf_span(&pub), want_pub_hex, "X25519 public key");
		CHECK_OK(kex_ephemeral_shared(e, sbuf_span(&peer), &k));
		check_span_hex(sbuf_span(&k), want_k_hex, "X25519 K");
	}
	kex_ephemeral_free(e);
	sbuf_free(&priv);
	sbuf_free(&peer);
	sbuf_free(&pub);
	sbuf_free(&k);
}

static void x25519_rfc7748(void)
{
	/* RFC 7748 section 6.1.  K = the shared secret as a 32-byte mpint:
	 * its top bit is clear, so no sign byte (RFC 8731 section 3.1). */
	const char *a_priv = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
	const char *a_pub = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
	const char *b_priv = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
	const char *b_pub = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
	const char *k = "00000020 4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
	x25519_vector(a_priv, a_pub, b_pub, k);
	x25519_vector(b_priv, b_pub, a_pub, k);
	/* RFC 7748 section 5.2, first vector: the output starts with 0xc3,
	 * so the mpint needs a 0x00 sign byte and is 33 bytes long. */
	x25519_vector("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", NULL,
		      "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		      "00000021 00 c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
}

static void x25519_bad_peers(void)
{
	struct rng_seeded r;
	rng_seeded_init(&r, "x25519-bad", 10);
	struct kex_ephemeral *e = NULL;
	CHECK_OK(kex_ephemeral_new(method("curve25519-sha256@libssh.org"), SPAN_NULL, SPAN_NULL, &r.base, &e));
	if (!e)
		return;
	/* Low-order points: their product with a clamped scalar is the
	 * identity, u = 0 (RFC 7748 section 6.1, RFC 8731 section 3).  u = p
	 * and p + 1 reduce to 0 and 1. */
	const char *low[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		/* a point of order 8 */
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	};
	for (size_t i = 0; i < sizeof low / sizeof low[0]; i++) {
		struct sbuf peer = check_hex(low[i]), k = SBUF_INIT;
		CHECK_ERR(kex_ephemeral_shared(e, sbuf_span(&peer), &k), SD_ERR_X25519_ZERO);
		CHECK_EQ_U(k.len, 0);
		sbuf_free(&peer);
		sbuf_free(&k);
	}
	uint8_t key[33];
	memset(key, 9, sizeof key);
	size_t lens[] = {0, 1, 31, 33};
	for (size_t i = 0; i < 4; i++) {
		struct sbuf k = SBUF_INIT;
		CHECK_ERR(kex_ephemeral_shared(e, (struct span){key, lens[i]}, &k), SD_ERR_X25519_LENGTH);
		CHECK_EQ_U(k.len, 0);
		sbuf_free(&k);
	}
	/* The same bytes at the right length are a fine key. */
	struct sbuf k = SBUF_INIT;
	CHECK_OK(kex_ephemeral_shared(e, (struct span){key, 32}, &k));
	sbuf_free(&k);
	kex_ephemeral_free(e);
}

/* ---- finite-field DH ---- */

/* Peer values 0, 1, p-1, p, p+1 and a negative mpint are out of range
 * (RFC 4253 section 8); 2 and p-2 are in. */
static void dh_range_one(const struct kex_method *m, struct span gex_p, struct span gex_g, const BIGNUM *p)
{
	struct rng_seeded r;
	rng_seeded_init(&r, m->name, strlen(m->name));
	struct kex_ephemeral *e = NULL;
	CHECK_OK(kex_ephemeral_new(m, gex_p, gex_g, &r.base, &e));
	if (!e)
		return;
	BIGNUM *v = BN_new();
	struct {
		int delta_from_p; /* -> p + delta, or the small value itself */
		bool rel;
		sd_err want;
	} cases[] = {
		{0, false, SD_ERR_DH_RANGE}, {1, false, SD_ERR_DH_RANGE}, {-1, true, SD_ERR_DH_RANGE},
		{0, true, SD_ERR_DH_RANGE},  {1, true, SD_ERR_DH_RANGE},  {2, false, SD_OK},
		{-2, true, SD_OK},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].rel) {
			BN_copy(v, p);
			if (cases[i].delta_from_p < 0)
				BN_sub_word(v, (BN_ULONG)-cases[i].delta_from_p);
			else
				BN_add_word(v, (BN_ULONG)cases[i].delta_from_p);
		} else {
			BN_set_word(v, (BN_ULONG)cases[i].delta_from_p);
		}
		struct sbuf f = bn_mpint_content(v), k = SBUF_INIT;
		sd_err got = kex_ephemeral_shared(e, sbuf_span(&f), &k);
		if (got != cases[i].want)
			fprintf(stderr, "%s: case %zu\n", m->name, i);
		CHECK_ERR(got, cases[i].want);
		if (got == SD_OK)
			check_k_is_mpint(&k);
		else
			CHECK_EQ_U(k.len, 0);
		sbuf_free(&f);
		sbuf_free(&k);
	}
	/* A negative mpint (top bit set, no sign byte) is below 1. */
	uint8_t neg[2] = {0x80, 0x02};
	struct sbuf k = SBUF_INIT;
	CHECK_ERR(kex_ephemeral_shared(e, (struct span){neg, 2}, &k), SD_ERR_DH_RANGE);
	sbuf_free(&k);
	BN_free(v);
	kex_ephemeral_free(e);
}

static void dh_range(void)
{
	int ids[] = {14, 16, 18};
	const char *names[] = {"diffie-hellman-group14-sha256", "diffie-hellman-group16-sha512",
			       "diffie-hellman-group18-sha512"};
	for (size_t i = 0; i < 3; i++) {
		BIGNUM *p = group_p(ids[i]);
		dh_range_one(method(names[i]), SPAN_NULL, SPAN_NULL, p);
		BN_free(p);
	}
	/* GEX with the 3072-bit group, p and g as received (mpint contents). */
	BIGNUM *p = group_p(15), *g = BN_new();
	BN_set_word(g, 2);
	struct sbuf pc = bn_mpint_content(p), gc = bn_mpint_content(g);
	dh_range_one(method("diffie-hellman-group-exchange-sha256"), sbuf_span(&pc), sbuf_span(&gc), p);
	sbuf_free(&pc);
	sbuf_free(&gc);
	BN_free(p);
	BN_free(g);
}

/* RFC 3526: the typed-in primes equal OpenSSL's independent copies, have
 * the stated sizes, generator 2, and (for 14 and 16) (p-1)/2 is prime by
 * BN_check_prime and p then by Pocklington: safe primes. */
/* Pocklington's criterion for p = 2q + 1 with q prime (q > sqrt(p) - 1):
 * p is prime iff some a has a^(p-1) = 1 mod p and gcd(a^2 - 1, p) = 1.
 * With a = 2 that is one modular exponentiation and p mod 3 != 0, far
 * cheaper than a second probabilistic test on a 4096-bit number. */
static bool safe_prime_given_q(const BIGNUM *p)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *two = BN_new(), *pm1 = BN_dup(p), *r = BN_new();
	bool ok = ctx && two && pm1 && r && BN_set_word(two, 2) && BN_sub_word(pm1, 1) &&
		  BN_mod_exp(r, two, pm1, p, ctx) && BN_is_one(r) && BN_mod_word(p, 3) != 0;
	BN_free(two);
	BN_free(pm1);
	BN_free(r);
	BN_CTX_free(ctx);
	return ok;
}

static void rfc3526_groups(void)
{
	static BIGNUM *(*const theirs[])(BIGNUM *) = {
		BN_get_rfc3526_prime_2048, BN_get_rfc3526_prime_3072, BN_get_rfc3526_prime_4096,
		BN_get_rfc3526_prime_6144, BN_get_rfc3526_prime_8192,
	};
	static const unsigned bits[] = {2048, 3072, 4096, 6144, 8192};
	for (int id = 14; id <= 18; id++) {
		const struct kex_dh_group *g = kex_dh_group_by_id(id);
		CHECK(g != NULL);
		if (!g)
			continue;
		CHECK_EQ_U(g->id, id);
		CHECK_EQ_U(g->bits, bits[id - 14]);
		CHECK_EQ_U(g->p.len * 8, bits[id - 14]);
		CHECK(g->g.len == 1 && g->g.p[0] == 2);
		BIGNUM *ref = theirs[id - 14](NULL), *p = BN_bin2bn(g->p.p, (int)g->p.len, NULL);
		CHECK(BN_cmp(ref, p) == 0);
		CHECK_EQ_U(BN_num_bits(p), bits[id - 14]);
		if (id == 14 || id == 16) {
			BIGNUM *q = BN_dup(p);
			BN_rshift1(q, q); /* (p-1)/2, p being odd */
			CHECK(BN_is_odd(p));
			CHECK_EQ_U(BN_check_prime(q, NULL, NULL), 1);
			CHECK(safe_prime_given_q(p));
			BN_free(q);
		}
		BN_free(ref);
		BN_free(p);
	}
	CHECK(kex_dh_group_by_id(1) == NULL);
	CHECK(kex_dh_group_by_id(5) == NULL);
	CHECK(kex_dh_group_by_id(19) == NULL);
}

static void gex_choose(void)
{
	const struct kex_dh_group *g = NULL;
	CHECK_OK(kex_dh_group_choose(2048, 3072, 8192, &g));
	CHECK(g && g->bits == 3072 && g->id == 15);
	CHECK_OK(kex_dh_group_choose(1024, 2048, 2048, &g));
	CHECK(g && g->id == 14);
	CHECK_OK(kex_dh_group_choose(2048, 8192, 8192, &g));
	CHECK(g && g->id == 18);
	/* n between sizes: the next larger one. */
	CHECK_OK(kex_dh_group_choose(1024, 3500, 8192, &g));
	CHECK(g && g->id == 16);
	/* n beyond every group but max allows the largest below. */
	CHECK_OK(kex_dh_group_choose(2048, 7000, 7000, &g));
	CHECK(g && g->id == 17);
	CHECK_ERR(kex_dh_group_choose(4096, 2048, 8192, &g), SD_ERR_GEX_REQUEST);
	CHECK(g == NULL);
	CHECK_ERR(kex_dh_group_choose(1024, 8192, 4096, &g), SD_ERR_GEX_REQUEST);
	CHECK_ERR(kex_dh_group_choose(1024, 1024, 1536, &g), SD_ERR_GEX_GROUP);
	CHECK(g == NULL);
	CHECK_ERR(kex_dh_group_choose(9000, 9000, 10000, &g), SD_ERR_GEX_GROUP);
}

static void gex_check(void)
{
	BIGNUM *p = group_p(14), *v = BN_new();
	struct sbuf pc = bn_mpint_content(p), two = SBUF_INIT;
	sbuf_put_u8(&two, 2);
	CHECK_OK(kex_gex_group_check(sbuf_span(&pc), sbuf_span(&two), 1024, 8192));
	CHECK_OK(kex_gex_group_check(sbuf_span(&pc), sbuf_span(&two), 2048, 2048));
	/* p outside [min, max]. */
	CHECK_ERR(kex_gex_group_check(sbuf_span(&pc), sbuf_span(&two), 2049, 8192), SD_ERR_GEX_GROUP);
	CHECK_ERR(kex_gex_group_check(sbuf_span(&pc), sbuf_span(&two), 1024, 2047), SD_ERR_GEX_GROUP);
	/* g = 0, 1, p-1, p. */
	const int gd[] = {0, 1};
	for (int i = 0; i < 2; i++) {
		BN_set_word(v, (BN_ULONG)gd[i]);
		struct sbuf gc = bn_mpint_content(v);
		CHECK_ERR(kex_gex_group_check(sbuf_span(&pc), sbuf_span(&gc), 1024, 8192), SD_ERR_GEX_GROUP);
		sbuf_free(&gc);
	}
	for (int d = -1; d <= 0; d++) {
		BN_copy(v, p);
		if (d)
			BN_sub_word(v, 1);
		struct sbuf gc = bn_mpint_content(v);
		CHECK_ERR(kex_gex_group_check(sbuf_span(&pc), sbuf_span(&gc), 1024, 8192), SD_ERR_GEX_GROUP);
		sbuf_free(&gc);
	}
	/* Even p. */
	BN_copy(v, p);
	BN_sub_word(v, 1);
	struct sbuf even = bn_mpint_content(v);
	CHECK_ERR(kex_gex_group_check(sbuf_span(&even), sbuf_span(&two), 1024, 8192), SD_ERR_GEX_GROUP);
	/* Too small a p: 1023 bits, odd. */
	BN_rshift(v, p, 1025);
	BN_set_bit(v, 0);
	struct sbuf small = bn_mpint_content(v);
	CHECK_EQ_U(BN_num_bits(v), 1023);
	CHECK_ERR(kex_gex_group_check(sbuf_span(&small), sbuf_span(&two), 1024, 8192), SD_ERR_GEX_GROUP);
	/* A negative p (mpint without its sign byte). */
	static const uint8_t neg[2] = {0xff, 0x01};
	CHECK_ERR(kex_gex_group_check((struct span){neg, 2}, sbuf_span(&two), 0, 8192), SD_ERR_GEX_GROUP);
	/* The ephemeral refuses the same broken groups. */
	struct rng_seeded r;
	rng_seeded_init(&r, "gex", 3);
	struct kex_ephemeral *e = NULL;
	const struct kex_method *m = method("diffie-hellman-group-exchange-sha1");
	BN_set_word(v, 1);
	struct sbuf one = bn_mpint_content(v);
	static const uint8_t nine[1] = {9}, three[1] = {3};
	struct span bad_groups[][2] = {
		{sbuf_span(&even), sbuf_span(&two)},
		{sbuf_span(&pc), sbuf_span(&one)},
		{SPAN_NULL, SPAN_NULL},
		/* Composite p = 9, g = 3: our own g^x would be 0. */
		{{nine, 1}, {three, 1}},
	};
	for (size_t i = 0; i < sizeof bad_groups / sizeof bad_groups[0]; i++) {
		CHECK_ERR(kex_ephemeral_new(m, bad_groups[i][0], bad_groups[i][1], &r.base, &e), SD_ERR_GEX_GROUP);
		CHECK(e == NULL);
		kex_ephemeral_free(e); /* only if the check above failed */
		e = NULL;
	}
	sbuf_free(&one);
	sbuf_free(&small);
	sbuf_free(&even);
	sbuf_free(&pc);
	sbuf_free(&two);
	BN_free(p);
	BN_free(v);
}

/* ---- both sides agree, every method ---- */

struct gex_params {
	struct sbuf p, g;
};

static struct gex_params gex_params(int id)
{
	BIGNUM *p = group_p(id), *g = BN_new();
	BN_set_word(g, 2);
	struct gex_params gp = {bn_mpint_content(p), bn_mpint_content(g)};
	BN_free(p);
	BN_free(g);
	return gp;
}

static size_t ecdh_pub_len(int nid)
{
	return nid == NID_X9_62_prime256v1 ? 65 : nid == NID_secp384r1 ? 97 : 133;
}

static void agreement(void)
{
	struct gex_params gp = gex_params(14);
	for (size_t i = 0; i < kex_methods_count; i++) {
		const struct kex_method *m = &kex_methods[i];
		struct span p = SPAN_NULL, g = SPAN_NULL;
		if (m->family == KEX_FAMILY_GEX) {
			p = sbuf_span(&gp.p);
			g = sbuf_span(&gp.g);
		}
		struct rng_seeded ra, rb;
		rng_seeded_init(&ra, "client", 6);
		rng_seeded_init(&rb, "server", 6);
		struct kex_ephemeral *a = NULL, *b = NULL;
		struct sbuf pa = SBUF_INIT, pb = SBUF_INIT, ka = SBUF_INIT, kb = SBUF_INIT;
		CHECK_OK(kex_ephemeral_new(m, p, g, &ra.base, &a));
		CHECK_OK(kex_ephemeral_new(m, p, g, &rb.base, &b));
		if (a && b) {
			CHECK_OK(kex_ephemeral_public(a, &pa));
			CHECK_OK(kex_ephemeral_public(b, &pb));
			CHECK(pa.len != pb.len || memcmp(pa.data, pb.data, pa.len) != 0);
			CHECK_OK(kex_ephemeral_shared(a, sbuf_span(&pb), &ka));
			CHECK_OK(kex_ephemeral_shared(b, sbuf_span(&pa), &kb));
			CHECK_EQ_U(ka.len, kb.len);
			if (ka.len == kb.len && ka.len)
				CHECK_MEM(ka.data, kb.data, ka.len);
			else
				fprintf(stderr, "agreement failed for %s\n", m->name);
			check_k_is_mpint(&ka);
			switch (m->family) {
			case KEX_FAMILY_X25519:
				CHECK_EQ_U(pa.len, 32);
				break;
			case KEX_FAMILY_ECDH:
				CHECK_EQ_U(pa.len, ecdh_pub_len(m->group));
				CHECK(pa.len > 0 && pa.data[0] == 0x04);
				break;
			case KEX_FAMILY_DH:
			case KEX_FAMILY_GEX: {
				/* The public value is a canonical positive mpint
				 * content: re-read it with its length. */
				struct sbuf w = SBUF_INIT;
				sbuf_put_string(&w, pa.data, pa.len);
				struct sview v = sview_make(w.data, w.len);
				struct span s;
				CHECK_OK(sview_get_mpint_positive(&v, &s));
				sbuf_free(&w);
				break;
			}
			}
		}
		kex_ephemeral_free(a);
		kex_ephemeral_free(b);
		sbuf_free(&pa);
		sbuf_free(&pb);
		sbuf_free(&ka);
		sbuf_free(&kb);
	}
	sbuf_free(&gp.p);
	sbuf_free(&gp.g);
}

/* The same seed gives the same public value; another seed another. */
static void determinism(void)
{
	struct gex_params gp = gex_params(14);
	for (size_t i = 0; i < kex_methods_count; i++) {
		const struct kex_method *m = &kex_methods[i];
		struct span p = SPAN_NULL, g = SPAN_NULL;
		if (m->family == KEX_FAMILY_GEX) {
			p = sbuf_span(&gp.p);
			g = sbuf_span(&gp.g);
		}
		struct sbuf pub[3] = {SBUF_INIT, SBUF_INIT, SBUF_INIT};
		const char *seeds[3] = {"seed-1", "seed-1", "seed-2"};
		for (int j = 0; j < 3; j++) {
			struct rng_seeded r;
			rng_seeded_init(&r, seeds[j], 6);
			struct kex_ephemeral *e = NULL;
			CHECK_OK(kex_ephemeral_new(m, p, g, &r.base, &e));
			if (e)
				CHECK_OK(kex_ephemeral_public(e, &pub[j]));
			kex_ephemeral_free(e);
		}
		CHECK(pub[0].len > 0 && span_eq(sbuf_span(&pub[0]), sbuf_span(&pub[1])));
		CHECK(!span_eq(sbuf_span(&pub[0]), sbuf_span(&pub[2])));
		for (int j = 0; j < 3; j++)
			sbuf_free(&pub[j]);
	}
	sbuf_free(&gp.p);
	sbuf_free(&gp.g);
}

/* ---- ECDH peer validation ---- */

struct bad_case {
	const char *what;
	size_t len;
};

static void ecdh_bad_points(void)
{
	const char *names[] = {"ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521"};
	for (size_t c = 0; c < 3; c++) {
		const struct kex_method *m = method(names[c]);
		if (!m)
			continue;
		struct rng_seeded r;
		rng_seeded_init(&r, names[c], strlen(names[c]));
		struct kex_ephemeral *a = NULL, *b = NULL;
		struct sbuf good = SBUF_INIT;
		CHECK_OK(kex_ephemeral_new(m, SPAN_NULL, SPAN_NULL, &r.base, &a));
		CHECK_OK(kex_ephemeral_new(m, SPAN_NULL, SPAN_NULL, &r.base, &b));
		if (!a || !b) {
			kex_ephemeral_free(a);
			kex_ephemeral_free(b);
			continue;
		}
		CHECK_OK(kex_ephemeral_public(b, &good));
		size_t n = good.len, f = (n - 1) / 2;
		uint8_t bad[140];
		struct bad_case cases[9];
		size_t nc = 0;
		struct sbuf all = SBUF_INIT; /* the bad encodings, back to back */
		/* Y changed: off the curve. */
		memcpy(bad, good.data, n);
		bad[n - 1] ^= 1;
		sbuf_put(&all, bad, n);
		cases[nc++] = (struct bad_case){"not on curve", n};
		/* Compressed forms, 0x02/0x03 || X. */
		memcpy(bad, good.data, 1 + f);
		bad[0] = 0x02;
		sbuf_put(&all, bad, 1 + f);
		cases[nc++] = (struct bad_case){"compressed 02", 1 + f};
		bad[0] = 0x03;
		sbuf_put(&all, bad, 1 + f);
		cases[nc++] = (struct bad_case){"compressed 03", 1 + f};
		/* Hybrid form (0x06/0x07) with the full length. */
		memcpy(bad, good.data, n);
		bad[0] = 0x06 | (good.data[n - 1] & 1);
		sbuf_put(&all, bad, n);
		cases[nc++] = (struct bad_case){"hybrid", n};
		/* Wrong lengths. */
		sbuf_put(&all, good.data, n - 1);
		cases[nc++] = (struct bad_case){"short", n - 1};
		memcpy(bad, good.data, n);
		bad[n] = 0;
		sbuf_put(&all, bad, n + 1);
		cases[nc++] = (struct bad_case){"long", n + 1};
		/* The point at infinity, SEC 1 section 2.3.3: one 0x00 byte. */
		sbuf_put_u8(&all, 0x00);
		cases[nc++] = (struct bad_case){"infinity", 1};
		cases[nc++] = (struct bad_case){"empty", 0};
		/* X beyond the field prime (all ones). */
		memcpy(bad, good.data, n);
		memset(bad + 1, 0xff, f);
		sbuf_put(&all, bad, n);
		cases[nc++] = (struct bad_case){"x >= p", n};
		size_t off = 0;
		for (size_t i = 0; i < nc; i++) {
			struct sbuf k = SBUF_INIT;
			sd_err got = kex_ephemeral_shared(a, (struct span){all.data + off, cases[i].len}, &k);
			if (got != SD_ERR_ECDH_POINT)
				fprintf(stderr, "%s: %s\n", names[c], cases[i].what);
			CHECK_ERR(got, SD_ERR_ECDH_POINT);
			CHECK_EQ_U(k.len, 0);
			off += cases[i].len;
			sbuf_free(&k);
		}
		/* And the untouched point still works afterwards. */
		struct sbuf k = SBUF_INIT;
		CHECK_OK(kex_ephemeral_shared(a, sbuf_span(&good), &k));
		sbuf_free(&k);
		sbuf_free(&all);
		sbuf_free(&good);
		kex_ephemeral_free(a);
		kex_ephemeral_free(b);
	}
}

/* ---- exchange hash, built by hand ---- */

static void put_strings(struct sbuf *b, const char *const *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sbuf_put_cstring(b, s[i]);
}

static void check_hash(const struct kex_method *m, const struct kex_hash_input *in, const struct sbuf *by_hand,
		       const EVP_MD *md)
{
	uint8_t want[EVP_MAX_MD_SIZE], got[KEX_HASH_MAX];
	unsigned int wl = 0;
	size_t gl = 0;
	CHECK(EVP_Digest(by_hand->data, by_hand->len, want, &wl, md, NULL) == 1);
	CHECK_OK(kex_exchange_hash(m, in, got, &gl));
	CHECK_EQ_U(gl, wl);
	CHECK_EQ_U(gl, kex_hash_len(m->hash));
	if (gl == wl)
		CHECK_MEM(got, want, wl);
}

static void exchange_hash(void)
{
	/* V_C, V_S, I_C, I_S, K_S, then the family part, then K. */
	const char *hs[] = {"SSH-2.0-client_1.0", "SSH-2.0-server_2.0", "\x14 client kexinit payload",
			    "\x14 server kexinit", "ssh-ed25519 host key blob"};
	struct sbuf k = check_hex("00000021 00 c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
	struct kex_hash_input in = {
		.v_c = span_cstr(hs[0]),
		.v_s = span_cstr(hs[1]),
		.i_c = span_cstr(hs[2]),
		.i_s = span_cstr(hs[3]),
		.k_s = span_cstr(hs[4]),
		.q_c = span_cstr("client ephemeral public 32 bytes"),
		.q_s = span_cstr("server ephemeral public 32 bytes"),
		.k = sbuf_span(&k),
	};

	/* RFC 8731 section 3 / RFC 5656 section 4: Q_C and Q_S as strings. */
	struct sbuf b = SBUF_INIT;
	put_strings(&b, hs, 5);
	sbuf_put_cstring(&b, "client ephemeral public 32 bytes");
	sbuf_put_cstring(&b, "server ephemeral public 32 bytes");
	sbuf_put(&b, k.data, k.len);
	check_hash(method("curve25519-sha256"), &in, &b, EVP_sha256());
	check_hash(method("ecdh-sha2-nistp384"), &in, &b, EVP_sha384());
	check_hash(method("ecdh-sha2-nistp521"), &in, &b, EVP_sha512());
	/* DH (RFC 4253 section 8): e and f as mpint = same bytes here. */
	check_hash(method("diffie-hellman-group14-sha1"), &in, &b, EVP_sha1());

	/* A different K must change H. */
	uint8_t h1[KEX_HASH_MAX], h2[KEX_HASH_MAX];
	size_t l1 = 0, l2 = 0;
	CHECK_OK(kex_exchange_hash(method("curve25519-sha256"), &in, h1, &l1));
	k.data[10] ^= 1;
	CHECK_OK(kex_exchange_hash(method("curve25519-sha256"), &in, h2, &l2));
	CHECK(l1 == l2 && memcmp(h1, h2, l1) != 0);
	k.data[10] ^= 1;

	/* GEX (RFC 4419 section 3): min || n || max || p || g between K_S
	 * and e. */
	uint8_t gp[3] = {0x00, 0x9d, 0x01}, gg[1] = {0x05};
	in.gex_min = 2048;
	in.gex_n = 3072;
	in.gex_max = 8192;
	in.gex_p = (struct span){gp, 3};
	in.gex_g = (struct span){gg, 1};
	sbuf_reset(&b);
	put_strings(&b, hs, 5);
	sbuf_put_u32(&b, 2048);
	sbuf_put_u32(&b, 3072);
	sbuf_put_u32(&b, 8192);
	sbuf_put_string(&b, gp, 3);
	sbuf_put_string(&b, gg, 1);
	sbuf_put_cstring(&b, "client ephemeral public 32 bytes");
	sbuf_put_cstring(&b, "server ephemeral public 32 bytes");
	sbuf_put(&b, k.data, k.len);
	check_hash(method("diffie-hellman-group-exchange-sha256"), &in, &b, EVP_sha256());
	/* GEX_REQUEST_OLD (RFC 4419 section 5): only n. */
	in.gex_old = true;
	sbuf_reset(&b);
	put_strings(&b, hs, 5);
	sbuf_put_u32(&b, 3072);
	sbuf_put_string(&b, gp, 3);
	sbuf_put_string(&b, gg, 1);
	sbuf_put_cstring(&b, "client ephemeral public 32 bytes");
	sbuf_put_cstring(&b, "server ephemeral public 32 bytes");
	sbuf_put(&b, k.data, k.len);
	check_hash(method("diffie-hellman-group-exchange-sha1"), &in, &b, EVP_sha1());
	sbuf_free(&b);
	sbuf_free(&k);
}

/* ---- key derivation against OpenSSL's SSHKDF ---- */

static bool sshkdf(const char *digest, struct span k, struct span h, struct span sid, char letter, uint8_t *out,
		   size_t need)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SSHKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	char type[2] = {letter, 0};
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)k.p, k.len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SSHKDF_XCGHASH, (void *)h.p, h.len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SSHKDF_SESSION_ID, (void *)sid.p, sid.len),
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_SSHKDF_TYPE, type, 1),
		OSSL_PARAM_construct_end(),
	};
	bool ok = ctx && EVP_KDF_derive(ctx, out, need, params) == 1;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok;
}

static void derive(void)
{
	static const struct {
		const char *method, *digest;
	} cases[] = {
		{"diffie-hellman-group14-sha1", "SHA1"},
		{"curve25519-sha256", "SHA256"},
		{"ecdh-sha2-nistp384", "SHA384"},
		{"diffie-hellman-group16-sha512", "SHA512"},
	};
	/* K as mpint with length; H and session id differ so a swap shows. */
	struct sbuf k = check_hex("00000021 00 c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
	uint8_t h[64], sid[64];
	for (int i = 0; i < 64; i++) {
		h[i] = (uint8_t)(i * 7 + 1);
		sid[i] = (uint8_t)(0xa0 ^ i);
	}
	static const size_t needs[] = {16, 32, 64, 100};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const struct kex_method *m = method(cases[c].method);
		if (!m)
			continue;
		size_t hl = kex_hash_len(m->hash);
		struct span hs = {h, hl}, ss = {sid, hl};
		for (char letter = 'A'; letter <= 'F'; letter++) {
			for (size_t j = 0; j < 4; j++) {
				uint8_t got[100], want[100];
				memset(got, 0, sizeof got);
				CHECK(sshkdf(cases[c].digest, sbuf_span(&k), hs, ss, letter, want, needs[j]));
				CHECK_OK(kex_derive(m, sbuf_span(&k), hs, ss, letter, got, needs[j]));
				CHECK_MEM(got, want, needs[j]);
			}
		}
		/* The session id differs from H after a rekey: still right. */
		uint8_t got[40], want[40];
		struct span sid_short = {sid, 20};
		CHECK(sshkdf(cases[c].digest, sbuf_span(&k), hs, sid_short, 'C', want, sizeof want));
		CHECK_OK(kex_derive(m, sbuf_span(&k), hs, sid_short, 'C', got, sizeof got));
		CHECK_MEM(got, want, sizeof want);
	}
	/* A prefix of a longer output is the shorter output. */
	uint8_t a[100], b[16];
	const struct kex_method *m = method("curve25519-sha256");
	CHECK_OK(kex_derive(m, sbuf_span(&k), (struct span){h, 32}, (struct span){sid, 32}, 'E', a, 100));
	CHECK_OK(kex_derive(m, sbuf_span(&k), (struct span){h, 32}, (struct span){sid, 32}, 'E', b, 16));
	CHECK_MEM(a, b, 16);
	sbuf_free(&k);
}

int main(void)
{
	table();
	x25519_rfc7748();
	x25519_bad_peers();
	rfc3526_groups();
	dh_range();
	gex_choose();
	gex_check();
	agreement();
	determinism();
	ecdh_bad_points();
	exchange_hash();
	derive();
	return check_finish();
}

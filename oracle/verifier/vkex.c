/* vkex.c — X25519 (libsodium), ECDH and finite-field DH (OpenSSL). */
#include "memo/memo.h"
#include "oracle/verifier/vkex.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdh.h>
#include <openssl/obj_mac.h>
#include <sodium.h>
#include <string.h>

static const struct vkex_method methods[] = {
	{"curve25519-sha256", VKX_X25519, VH_SHA256, 0},
	{"curve25519-sha256@libssh.org", VKX_X25519, VH_SHA256, 0},
	{"ecdh-sha2-nistp256", VKX_ECDH, VH_SHA256, NID_X9_62_prime256v1},
	{"ecdh-sha2-nistp384", VKX_ECDH, VH_SHA384, NID_secp384r1},
	{"ecdh-sha2-nistp521", VKX_ECDH, VH_SHA512, NID_secp521r1},
	{"diffie-hellman-group14-sha256", VKX_DH, VH_SHA256, 14},
	{"diffie-hellman-group16-sha512", VKX_DH, VH_SHA512, 16},
	{"diffie-hellman-group18-sha512", VKX_DH, VH_SHA512, 18},
	{"diffie-hellman-group14-sha1", VKX_DH, VH_SHA1, 14},
	{"diffie-hellman-group-exchange-sha256", VKX_GEX, VH_SHA256, 0},
	{"diffie-hellman-group-exchange-sha1", VKX_GEX, VH_SHA1, 0},
};

const struct vkex_method *vkex_by_name(struct vspan name)
{
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (vspan_is(name, methods[i].name))
			return &methods[i];
	return NULL;
}

void vkex_init(struct vkex *kx, const struct vkex_method *m)
{
	memset(kx, 0, sizeof *kx);
	kx->m = m;
}

void vkex_free(struct vkex *kx)
{
	EC_KEY_free(kx->ec);
	BN_free(kx->p);
	BN_free(kx->g);
	BN_clear_free(kx->x);
	vb_free(&kx->pub);
	vb_free(&kx->k);
	vb_free(&kx->gp);
	vb_free(&kx->gg);
	sodium_memzero(kx, sizeof *kx);
}

/* ---- finite-field groups ---- */

/* RFC 3526 MODP groups, generator 2 (OpenSSL carries the primes). */
static BIGNUM *modp_prime(int id)
{
	switch (id) {
	case 14: return BN_get_rfc3526_prime_2048(NULL);
	case 15: return BN_get_rfc3526_prime_3072(NULL);
	case 16: return BN_get_rfc3526_prime_4096(NULL);
	case 17: return BN_get_rfc3526_prime_6144(NULL);
	case 18: return BN_get_rfc3526_prime_8192(NULL);
	}
	return NULL;
}

static void put_bn(struct vbuf *b, const BIGNUM *bn)
{
	uint8_t *at = vb_grow(b, (size_t)BN_num_bytes(bn));
	if (at)
		BN_bn2bin(bn, at);
}

static enum vrule set_group(struct vkex *kx, BIGNUM *p)
{
	BIGNUM *g = BN_new();
	if (!p || !g || !BN_set_word(g, 2)) {
		BN_free(p);
		BN_free(g);
		return VR_NOMEM;
	}
	kx->p = p;
	kx->g = g;
	put_bn(&kx->gp, p);
	put_bn(&kx->gg, g);
	return vb_status(&kx->gp) != VR_OK ? VR_NOMEM : vb_status(&kx->gg);
}

enum vrule vkex_gex_choose(struct vkex *kx, uint32_t min, uint32_t n, uint32_t max)
{
	static const struct { int id; uint32_t bits; } groups[] = {
		{14, 2048}, {15, 3072}, {16, 4096}, {17, 6144}, {18, 8192},
	};
	/* RFC 4419 section 3: min <= n <= max. */
	if (min > n || n > max)
		return VR_GEX_REQUEST;
	kx->gmin = min, kx->gn = n, kx->gmax = max;
	int best = -1;
	uint32_t best_d = UINT32_MAX;
	for (int i = 0; i < (int)(sizeof groups / sizeof groups[0]); i++) {
		uint32_t b = groups[i].bits;
		uint32_t d = b > n ? b - n : n - b;
		if (b >= min && b <= max && d < best_d)
			best = i, best_d = d;
	}
	if (best < 0)
		return VR_LIMIT;
	return set_group(kx, modp_prime(groups[best].id));
}

enum vrule vkex_gex_accept(struct vkex *kx, struct vspan p, struct vspan g)
{
	BIGNUM *bp = BN_bin2bn(p.p, (int)p.len, NULL), *bg = BN_bin2bn(g.p, (int)g.len, NULL);
	BIGNUM *pm1 = BN_new();
	enum vrule e = bp && bg && pm1 ? VR_OK : VR_NOMEM;
	if (e == VR_OK && !BN_sub(pm1, bp, BN_value_one()))
		e = VR_INTERNAL;
	if (e == VR_OK) {
		uint32_t bits = (uint32_t)BN_num_bits(bp);
		/* RFC 4419 section 3: a group within the bounds asked for;
		 * a prime is odd and 1 < g < p-1 or the group is degenerate. */
		if (bits < kx->gmin || bits > kx->gmax || !BN_is_odd(bp) || BN_cmp(bg, BN_value_one()) <= 0 ||
		    BN_cmp(bg, pm1) >= 0)
			e = VR_GEX_GROUP;
	}
	BN_free(pm1);
	if (e != VR_OK) {
		BN_free(bp);
		BN_free(bg);
		return e;
	}
	kx->p = bp;
	kx->g = bg;
	vb_put(&kx->gp, p.p, p.len);
	vb_put(&kx->gg, g.p, g.len);
	return vb_status(&kx->gp) != VR_OK ? VR_NOMEM : vb_status(&kx->gg);
}

/* Exponent of twice the group's strength (RFC 3526 section 8, higher
 * estimate), never under 512 bits. */
static int exponent_bits(int pbits)
{
	return pbits <= 3072 ? 512 : pbits <= 6144 ? 768 : 1024;
}

/* base^x mod p through the memo (memo/memo.h) under the verifier's own op:
 * a pure function of the three numbers.  Magnitudes up to 8192 bits. */
static enum vrule modexp(BIGNUM *out, const BIGNUM *base, const BIGNUM *x, const BIGNUM *p, BN_CTX *ctx)
{
	enum { CAP = 1024 };
	if (!memo_enabled() || BN_num_bytes(p) > CAP || BN_num_bytes(base) > CAP || BN_num_bytes(x) > CAP)
		return BN_mod_exp(out, base, x, p, ctx) ? VR_OK : VR_INTERNAL;
	uint8_t pb[CAP], bb[CAP], xb[CAP], r[CAP];
	const struct memo_part in[] = {
		{pb, (size_t)BN_bn2bin(p, pb)},
		{bb, (size_t)BN_bn2bin(base, bb)},
		{xb, (size_t)BN_bn2bin(x, xb)},
	};
	size_t n;
	int status;
	enum vrule e = VR_OK;
	if (memo_get(MEMO_VERIFIER_DH_MODEXP, in, 3, r, sizeof r, &n, &status)) {
		if (!BN_bin2bn(r, (int)n, out))
			e = VR_NOMEM;
	} else if (!BN_mod_exp(out, base, x, p, ctx)) {
		e = VR_INTERNAL;
	} else {
		memo_put(MEMO_VERIFIER_DH_MODEXP, in, 3, r, (size_t)BN_bn2bin(out, r), VR_OK);
	}
	sodium_memzero(xb, sizeof xb);
	sodium_memzero(r, sizeof r);
	return e;
}

static enum vrule dh_keygen(struct vkex *kx, struct vrng *rng)
{
	if (!kx->p) {
		enum vrule e = set_group(kx, modp_prime(kx->m->param));
		if (e != VR_OK)
			return e;
	}
	uint8_t buf[128];
	size_t n = (size_t)exponent_bits(BN_num_bits(kx->p)) / 8;
	BIGNUM *e = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	kx->x = BN_new();
	enum vrule rc = e && ctx && kx->x ? VR_OK : VR_NOMEM;
	do {
		vrng_fill(rng, buf, n);
		if (rc == VR_OK && !BN_bin2bn(buf, (int)n, kx->x))
			rc = VR_INTERNAL;
	} while (rc == VR_OK && BN_num_bits(kx->x) < 2);
	if (rc == VR_OK)
		rc = modexp(e, kx->g, kx->x, kx->p, ctx);
	if (rc == VR_OK)
		put_bn(&kx->pub, e);
	sodium_memzero(buf, sizeof buf);
	BN_free(e);
	BN_CTX_free(ctx);
	return rc == VR_OK ? vb_status(&kx->pub) : rc;
}

/* RFC 4253 section 8, RFC 8268 section 4: 1 < f < p-1, K = f^x mod p. */
static enum vrule dh_derive(struct vkex *kx, struct vspan peer)
{
	BIGNUM *f = BN_bin2bn(peer.p, (int)peer.len, NULL), *pm1 = BN_new(), *k = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	enum vrule e = f && pm1 && k && ctx ? VR_OK : VR_NOMEM;
	if (e == VR_OK && !BN_sub(pm1, kx->p, BN_value_one()))
		e = VR_INTERNAL;
	if (e == VR_OK && (BN_cmp(f, BN_value_one()) <= 0 || BN_cmp(f, pm1) >= 0))
		e = VR_DH_RANGE;
	if (e == VR_OK)
		e = modexp(k, f, kx->x, kx->p, ctx);
	if (e == VR_OK) {
		uint8_t mag[1024];
		int n = BN_num_bytes(k);
		if (n > (int)sizeof mag)
			e = VR_INTERNAL;
		else {
			BN_bn2bin(k, mag);
			vb_mpint(&kx->k, mag, (size_t)n);
			sodium_memzero(mag, sizeof mag);
			e = vb_status(&kx->k);
		}
	}
	BN_free(f);
	BN_free(pm1);
	BN_clear_free(k);
	BN_CTX_free(ctx);
	return e;
}

/* ---- elliptic curves ---- */

static size_t field_bytes(const EC_GROUP *g)
{
	return (size_t)(EC_GROUP_get_degree(g) + 7) / 8;
}

static enum vrule ecdh_keygen(struct vkex *kx, struct vrng *rng)
{
	EC_KEY *ec = EC_KEY_new_by_curve_name(kx->m->param);
	if (!ec)
		return VR_NOMEM;
	kx->ec = ec;
	const EC_GROUP *g = EC_KEY_get0_group(ec);
	const BIGNUM *order = EC_GROUP_get0_order(g);
	uint8_t buf[66 + 8];
	size_t n = (size_t)BN_num_bytes(order) + 8;
	BIGNUM *d = BN_new(), *t = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	EC_POINT *q = EC_POINT_new(g);
	enum vrule e = d && t && ctx && q ? VR_OK : VR_NOMEM;
	do {
		vrng_fill(rng, buf, n);
		if (e == VR_OK && !(BN_bin2bn(buf, (int)n, t) && BN_nnmod(d, t, order, ctx)))
			e = VR_INTERNAL;
	} while (e == VR_OK && BN_is_zero(d));
	if (e == VR_OK && !(EC_POINT_mul(g, q, d, NULL, NULL, ctx) && EC_KEY_set_private_key(ec, d) &&
			    EC_KEY_set_public_key(ec, q)))
		e = VR_INTERNAL;
	if (e == VR_OK) {
		size_t len = 1 + 2 * field_bytes(g);
		uint8_t *at = vb_grow(&kx->pub, len);
		if (!at)
			e = VR_NOMEM;
		else if (EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, at, len, ctx) != len)
			e = VR_INTERNAL;
	}
	sodium_memzero(buf, sizeof buf);
	BN_clear_free(d);
	BN_clear_free(t);
	BN_CTX_free(ctx);
	EC_POINT_free(q);
	return e;
}

/* RFC 5656 section 4: Q is an uncompressed point (SEC1 2.3.4) on the curve;
 * K is the x coordinate of d*Q (section 4 and SEC1 3.3.1). */
static enum vrule ecdh_derive(struct vkex *kx, struct vspan peer)
{
	const EC_GROUP *g = EC_KEY_get0_group(kx->ec);
	size_t fb = field_bytes(g);
	if (peer.len != 1 + 2 * fb || peer.p[0] != 0x04)
		return VR_ECDH_POINT;
	EC_POINT *q = EC_POINT_new(g);
	BN_CTX *ctx = BN_CTX_new();
	enum vrule e = q && ctx ? VR_OK : VR_NOMEM;
	if (e == VR_OK && (EC_POINT_oct2point(g, q, peer.p, peer.len, ctx) != 1 || EC_POINT_is_at_infinity(g, q) ||
			   EC_POINT_is_on_curve(g, q, ctx) != 1))
		e = VR_ECDH_POINT;
	uint8_t x[66];
	if (e == VR_OK && ECDH_compute_key(x, fb, q, kx->ec, NULL) != (int)fb)
		e = VR_ECDH_POINT;
	if (e == VR_OK) {
		vb_mpint(&kx->k, x, fb);
		e = vb_status(&kx->k);
	}
	sodium_memzero(x, sizeof x);
	EC_POINT_free(q);
	BN_CTX_free(ctx);
	return e;
}

/* ---- X25519 ---- */

static enum vrule x25519_keygen(struct vkex *kx, struct vrng *rng)
{
	uint8_t *pk = vb_grow(&kx->pub, crypto_scalarmult_BYTES);
	if (!pk)
		return VR_NOMEM;
	vrng_fill(rng, kx->x_sk, sizeof kx->x_sk);
	/* memo/memo.h: a pure function of x_sk, under the verifier's own op */
	const struct memo_part in[] = { { kx->x_sk, sizeof kx->x_sk } };
	size_t n;
	int status;
	if (memo_get(MEMO_SODIUM_X25519_PUBLIC, in, 1, pk, crypto_scalarmult_BYTES, &n, &status) &&
	    n == crypto_scalarmult_BYTES)
		return VR_OK;
	if (crypto_scalarmult_base(pk, kx->x_sk) != 0)
		return VR_INTERNAL;
	memo_put(MEMO_SODIUM_X25519_PUBLIC, in, 1, pk, crypto_scalarmult_BYTES, VR_OK);
	return VR_OK;
}

/* RFC 8731 section 3: 32-byte public keys; an all-zero shared secret MUST
 * abort.  K is the 32 bytes read as an unsigned big-endian integer, encoded
 * as mpint (section 3.1). */
static enum vrule x25519_derive(struct vkex *kx, struct vspan peer)
{
	uint8_t s[crypto_scalarmult_BYTES];
	if (peer.len != crypto_scalarmult_BYTES)
		return VR_X25519_LENGTH;
	/* libsodium itself refuses an all-zero result; check it anyway so the
	 * rule does not rest on a library default. */
	const struct memo_part in[] = { { kx->x_sk, sizeof kx->x_sk }, { peer.p, peer.len } };
	size_t n;
	int status;
	enum vrule e;
	if (memo_get(MEMO_SODIUM_X25519_SHARED, in, 2, s, sizeof s, &n, &status) && n == sizeof s) {
		e = (enum vrule)status;
	} else {
		int rc = crypto_scalarmult(s, kx->x_sk, peer.p);
		e = rc != 0 || sodium_is_zero(s, sizeof s) ? VR_X25519_ZERO : VR_OK;
		memo_put(MEMO_SODIUM_X25519_SHARED, in, 2, s, sizeof s, e);
	}
	if (e == VR_OK) {
		vb_mpint(&kx->k, s, sizeof s);
		e = vb_status(&kx->k);
	}
	sodium_memzero(s, sizeof s);
	return e;
}

enum vrule vkex_keygen(struct vkex *kx, struct vrng *rng)
{
	switch (kx->m->kind) {
	case VKX_X25519: return x25519_keygen(kx, rng);
	case VKX_ECDH: return ecdh_keygen(kx, rng);
	case VKX_DH:
	case VKX_GEX: return kx->m->kind == VKX_GEX && !kx->p ? VR_INTERNAL : dh_keygen(kx, rng);
	}
	return VR_INTERNAL;
}

enum vrule vkex_derive(struct vkex *kx, struct vspan peer)
{
	switch (kx->m->kind) {
	case VKX_X25519: return x25519_derive(kx, peer);
	case VKX_ECDH: return ecdh_derive(kx, peer);
	case VKX_DH:
	case VKX_GEX: return dh_derive(kx, peer);
	}
	return VR_INTERNAL;
}

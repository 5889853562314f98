/*
 * sigkey_ecdsa.c — ecdsa-sha2-nistp256/384/521 keys and signatures
 * (RFC 5656 section 3).  The nonce k comes from the engine's rng, so a seeded
 * rng makes signatures reproducible; OpenSSL's EC_KEY API is used because
 * EVP offers no way to supply k.
 */
#include "sigkey_impl.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

/* RFC 5656 section 6.1: 1 + 2 * 66 bytes for nistp521. */
#define EC_POINT_MAX 133
/* Tries for a nonce giving r != 0 and s != 0; each fails with probability
 * about 2^-256, so a second failure means something else is wrong. */
#define NONCE_TRIES 4

struct ec_curve {
	enum sigkey_type type;
	const char *id; /* RFC 5656 section 10.1 curve identifier */
	int nid;
};

static const struct ec_curve ec_curves[] = {
	{SIGKEY_ECDSA_P256, "nistp256", NID_X9_62_prime256v1},
	{SIGKEY_ECDSA_P384, "nistp384", NID_secp384r1},
	{SIGKEY_ECDSA_P521, "nistp521", NID_secp521r1},
};

static const struct ec_curve *curve_of(enum sigkey_type t)
{
	for (size_t i = 0; i < sizeof ec_curves / sizeof ec_curves[0]; i++)
		if (ec_curves[i].type == t)
			return &ec_curves[i];
	return NULL;
}

static sd_err new_ec_key(struct sigkey *k)
{
	const struct ec_curve *c = curve_of(k->type);
	if (!c)
		return SD_ERR_INVALID_ARG;
	k->ec = EC_KEY_new_by_curve_name(c->nid);
	if (!k->ec) {
		ERR_clear_error();
		return SD_ERR_NOMEM;
	}
	return SD_OK;
}

/* Q: an uncompressed point on the curve, not the point at infinity
 * (RFC 5656 section 3.1 and 6.1; SEC1 2.3.4).  Compressed points are
 * refused as OpenSSH refuses them. */
static sd_err set_public_point(struct sigkey *k, struct span q)
{
	const EC_GROUP *g = EC_KEY_get0_group(k->ec);
	size_t field = ((size_t)EC_GROUP_get_degree(g) + 7) / 8;
	if (q.len != 1 + 2 * field || q.p[0] != POINT_CONVERSION_UNCOMPRESSED)
		return SD_ERR_KEY_BLOB;
	EC_POINT *pt = EC_POINT_new(g);
	if (!pt)
		return SD_ERR_NOMEM;
	/* oct2point refuses coordinates >= p and points off the curve;
	 * EC_KEY_check_key adds infinity and n * Q = O. */
	sd_err e = SD_ERR_KEY_BLOB;
	if (EC_POINT_oct2point(g, pt, q.p, q.len, NULL) == 1 && EC_KEY_set_public_key(k->ec, pt) == 1 &&
	    EC_KEY_check_key(k->ec) == 1)
		e = SD_OK;
	ERR_clear_error();
	EC_POINT_free(pt);
	return e;
}

static sd_err put_public_point(const struct sigkey *k, struct sbuf *out)
{
	uint8_t q[EC_POINT_MAX];
	const EC_POINT *pt = EC_KEY_get0_public_key(k->ec);
	size_t n = pt ? EC_POINT_point2oct(EC_KEY_get0_group(k->ec), pt, POINT_CONVERSION_UNCOMPRESSED, q, sizeof q,
					    NULL)
		      : 0;
	if (n == 0) {
		ERR_clear_error();
		return SD_ERR_INTERNAL;
	}
	return sbuf_put_string(out, q, n);
}

/* RFC 5656 section 3.1: string "ecdsa-sha2-[id]", string [id], string Q;
 * the curve identifier must agree with the key type name. */
static sd_err ec_pub_parse(struct sigkey *k, struct sview *v)
{
	struct span id, q;
	sd_err e = sview_get_string(v, &id);
	if (e == SD_OK)
		e = sview_get_string(v, &q);
	if (e != SD_OK)
		return e;
	if (!span_eq_cstr(id, curve_of(k->type)->id))
		return SD_ERR_KEY_BLOB;
	e = new_ec_key(k);
	return e ? e : set_public_point(k, q);
}

static sd_err ec_pub_write(const struct sigkey *k, struct sbuf *out)
{
	sd_err e = sbuf_put_cstring(out, curve_of(k->type)->id);
	return e ? e : put_public_point(k, out);
}

/* PROTOCOL.key: string curve, string Q, mpint d. */
static sd_err ec_priv_parse(struct sigkey *k, struct sview *v)
{
	struct span d_wire;
	BIGNUM *d = NULL;
	sd_err e = ec_pub_parse(k, v);
	if (e == SD_OK)
		e = sview_get_mpint_positive(v, &d_wire);
	if (e == SD_OK)
		e = sig_bn_from_mpint(d_wire, true, &d);
	if (e != SD_OK)
		return e;
	/* check_key now also proves Q = d * G; set_private_key refuses d
	 * outside [1, n-1]. */
	if (EC_KEY_set_private_key(k->ec, d) != 1 || EC_KEY_check_key(k->ec) != 1)
		e = SD_ERR_KEY_FILE;
	ERR_clear_error();
	BN_clear_free(d);
	return e;
}

static sd_err ec_priv_write(const struct sigkey *k, struct sbuf *out)
{
	const BIGNUM *d = EC_KEY_get0_private_key(k->ec);
	sd_err e = ec_pub_write(k, out);
	if (e == SD_OK)
		e = d ? sig_put_bn(out, d) : SD_ERR_INVALID_ARG;
	return e;
}

static sd_err ec_generate(struct sigkey *k, unsigned rsa_bits)
{
	sd_err e = new_ec_key(k);
	if (e == SD_OK && EC_KEY_generate_key(k->ec) != 1) {
		ERR_clear_error();
		e = SD_ERR_INTERNAL;
	}
	return e;
}

/* k in [1, n-1] from order_bits + 64 random bits reduced mod n-1, plus 1:
 * the bias is below 2^-64 (FIPS 186-4 B.5.1), and every bit comes from the
 * engine's rng. */
static sd_err draw_nonce(struct rng *rng, const BIGNUM *order, BN_CTX *ctx, BIGNUM *k)
{
	uint8_t buf[(521 + 64 + 7) / 8];
	int bits = BN_num_bits(order) + 64;
	size_t n = ((size_t)bits + 7) / 8;
	BIGNUM *nm1 = BN_CTX_get(ctx);
	if (!nm1 || n > sizeof buf)
		return SD_ERR_INTERNAL;
	sd_err e = rng_fill(rng, buf, n);
	if (e == SD_OK && !BN_bin2bn(buf, (int)n, k))
		e = SD_ERR_INTERNAL;
	/* Drops the bits past order_bits + 64 (P-521); "fails" only when the
	 * value is already shorter, which is as good. */
	if (e == SD_OK)
		(void)BN_mask_bits(k, bits);
	if (e == SD_OK &&
	    (!BN_copy(nm1, order) || !BN_sub_word(nm1, 1) || !BN_mod(k, k, nm1, ctx) || !BN_add_word(k, 1)))
		e = SD_ERR_INTERNAL;
	wipe(buf, sizeof buf);
	return e;
}

/* kinv = k^-1 mod n and r = (k * G).x mod n, the values ECDSA_do_sign_ex
 * takes so that k is ours (SEC1 4.1.3 steps 1-4). */
static sd_err nonce_setup(const EC_GROUP *g, const BIGNUM *k, BN_CTX *ctx, BIGNUM *kinv, BIGNUM *r)
{
	const BIGNUM *order = EC_GROUP_get0_order(g);
	EC_POINT *kg = EC_POINT_new(g);
	BIGNUM *x = BN_CTX_get(ctx);
	sd_err e = SD_ERR_INTERNAL;
	if (kg && x && EC_POINT_mul(g, kg, k, NULL, NULL, ctx) == 1 &&
	    EC_POINT_get_affine_coordinates(g, kg, x, NULL, ctx) == 1 && BN_nnmod(r, x, order, ctx) == 1 &&
	    BN_mod_inverse(kinv, k, order, ctx) != NULL)
		e = SD_OK;
	EC_POINT_free(kg);
	return e;
}

/* One signature with a fresh nonce; *sig stays NULL when r or s is 0. */
static sd_err sign_once(const struct sigkey *k, struct rng *rng, const uint8_t *dgst, size_t dlen, BN_CTX *ctx,
			ECDSA_SIG **sig)
{
	const EC_GROUP *g = EC_KEY_get0_group(k->ec);
	BN_CTX_start(ctx);
	BIGNUM *nonce = BN_CTX_get(ctx), *kinv = BN_CTX_get(ctx), *r = BN_CTX_get(ctx);
	sd_err e = nonce && kinv && r ? SD_OK : SD_ERR_NOMEM;
	if (e == SD_OK) {
		BN_set_flags(nonce, BN_FLG_CONSTTIME);
		e = draw_nonce(rng, EC_GROUP_get0_order(g), ctx, nonce);
	}
	if (e == SD_OK)
		e = nonce_setup(g, nonce, ctx, kinv, r);
	if (e == SD_OK && !BN_is_zero(r))
		*sig = ECDSA_do_sign_ex(dgst, (int)dlen, kinv, r, k->ec);
	if (nonce)
		BN_clear(nonce);
	if (kinv)
		BN_clear(kinv);
	BN_CTX_end(ctx);
	ERR_clear_error();
	return e;
}

/* RFC 5656 section 3.1.2: the signature is string (mpint r, mpint s),
 * over H(data) with the curve's hash (section 6.2.1). */
static sd_err ec_sign(const struct sigkey *k, const struct sig_alg *alg, struct rng *rng, struct span data,
		      struct sbuf *out)
{
	uint8_t dgst[EVP_MAX_MD_SIZE];
	size_t dlen;
	ECDSA_SIG *sig = NULL;
	sd_err e = sig_digest(alg->hash, data, dgst, &dlen);
	if (e != SD_OK)
		return e;
	BN_CTX *ctx = BN_CTX_secure_new();
	if (!ctx)
		return SD_ERR_NOMEM;
	for (int i = 0; i < NONCE_TRIES && e == SD_OK && !sig; i++)
		e = sign_once(k, rng, dgst, dlen, ctx, &sig);
	if (e == SD_OK && !sig)
		e = SD_ERR_INTERNAL;
	if (e == SD_OK) {
		const BIGNUM *r, *s;
		ECDSA_SIG_get0(sig, &r, &s);
		e = sig_put_bn(out, r);
		if (e == SD_OK)
			e = sig_put_bn(out, s);
	}
	ECDSA_SIG_free(sig);
	BN_CTX_free(ctx);
	return e;
}

static sd_err ec_verify(const struct sigkey *k, const struct sig_alg *alg, struct span sig, struct span data)
{
	struct sview v = sview_make(sig.p, sig.len);
	struct span r_wire, s_wire;
	uint8_t dgst[EVP_MAX_MD_SIZE];
	size_t dlen;
	BIGNUM *r = NULL, *s = NULL;
	ECDSA_SIG *es = NULL;
	sd_err e = sview_get_mpint_positive(&v, &r_wire);
	if (e == SD_OK)
		e = sview_get_mpint_positive(&v, &s_wire);
	if (e == SD_OK)
		e = sview_end(&v);
	if (e == SD_OK)
		e = sig_digest(alg->hash, data, dgst, &dlen);
	if (e == SD_OK)
		e = sig_bn_from_mpint(r_wire, false, &r);
	if (e == SD_OK)
		e = sig_bn_from_mpint(s_wire, false, &s);
	if (e == SD_OK && (!(es = ECDSA_SIG_new()) || ECDSA_SIG_set0(es, r, s) != 1))
		e = SD_ERR_NOMEM;
	if (e == SD_OK) {
		r = s = NULL; /* owned by es now */
		/* Refuses r or s outside [1, n-1] as well as a wrong value. */
		e = ECDSA_do_verify(dgst, (int)dlen, es, k->ec) == 1 ? SD_OK : SD_ERR_SIGNATURE;
	}
	ERR_clear_error();
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return e;
}

const struct sigkey_family sigkey_ecdsa_family = {
	.pub_parse = ec_pub_parse,
	.pub_write = ec_pub_write,
	.priv_parse = ec_priv_parse,
	.priv_write = ec_priv_write,
	.generate = ec_generate,
	.sign = ec_sign,
	.verify = ec_verify,
};

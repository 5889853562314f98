/*
 * kex_ecdh.c — ecdh-sha2-nistp256/384/521 (RFC 5656 sections 4 and 7.1).
 *
 * Works on OpenSSL's EC_GROUP / EC_POINT directly rather than EVP: the
 * private scalar must come from the injected rng, and the peer point needs
 * the checks of RFC 5656 section 4 with our own error, not a generic
 * derive failure.
 */
#include "kex_impl.h"

#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>

struct kex_ecdh {
	EC_GROUP *group;
	BIGNUM *priv;     /* in [1, order-1] */
	size_t field_len; /* bytes of one coordinate */
	struct sbuf pub;  /* 0x04 || X || Y */
};

void kex_ecdh_free(struct kex_ecdh *c)
{
	if (!c)
		return;
	EC_GROUP_free(c->group);
	BN_clear_free(c->priv);
	sbuf_free(&c->pub);
	free(c);
}

/* (order_bits + 64) random bits reduced mod (order-1), plus 1: uniform in
 * [1, order-1] up to a 2^-64 bias, never 0, deterministic for a seeded
 * rng (FIPS 186-4 B.4.1, "extra random bits"). */
static sd_err draw_scalar(struct kex_ecdh *c, struct rng *rng, BN_CTX *ctx)
{
	const BIGNUM *order = EC_GROUP_get0_order(c->group);
	size_t n = ((size_t)BN_num_bits(order) + 64 + 7) / 8;
	uint8_t buf[(521 + 64 + 7) / 8];
	if (n > sizeof buf)
		return SD_ERR_UNSUPPORTED;
	BIGNUM *r = BN_secure_new(), *om1 = BN_dup(order);
	c->priv = BN_secure_new();
	sd_err e = r && om1 && c->priv ? rng_fill(rng, buf, n) : SD_ERR_NOMEM;
	if (e == SD_OK && (!BN_bin2bn(buf, (int)n, r) || !BN_sub_word(om1, 1) || !BN_mod(c->priv, r, om1, ctx) ||
			   !BN_add_word(c->priv, 1)))
		e = SD_ERR_INTERNAL;
	if (e == SD_OK)
		BN_set_flags(c->priv, BN_FLG_CONSTTIME);
	wipe(buf, n);
	BN_clear_free(r);
	BN_free(om1);
	return e;
}

/* RFC 5656 section 4: Q is the uncompressed point of SEC 1 section 2.3.3. */
static sd_err compute_public(struct kex_ecdh *c, BN_CTX *ctx)
{
	EC_POINT *q = EC_POINT_new(c->group);
	uint8_t buf[1 + 2 * 66];
	size_t want = 1 + 2 * c->field_len;
	sd_err e = q ? SD_OK : SD_ERR_NOMEM;
	if (e == SD_OK && want > sizeof buf)
		e = SD_ERR_UNSUPPORTED;
	if (e == SD_OK && EC_POINT_mul(c->group, q, c->priv, NULL, NULL, ctx) != 1)
		e = SD_ERR_INTERNAL;
	if (e == SD_OK &&
	    EC_POINT_point2oct(c->group, q, POINT_CONVERSION_UNCOMPRESSED, buf, sizeof buf, ctx) != want)
		e = SD_ERR_INTERNAL;
	if (e == SD_OK)
		e = sbuf_put(&c->pub, buf, want);
	EC_POINT_free(q);
	return e;
}

sd_err kex_ecdh_new(int nid, struct rng *rng, struct kex_ecdh **out)
{
	*out = NULL;
	struct kex_ecdh *c = calloc(1, sizeof *c);
	if (!c)
		return SD_ERR_NOMEM;
	BN_CTX *ctx = BN_CTX_new();
	sd_err e = ctx ? SD_OK : SD_ERR_NOMEM;
	if (e == SD_OK) {
		c->group = EC_GROUP_new_by_curve_name(nid);
		if (!c->group) {
			ERR_clear_error();
			e = SD_ERR_UNSUPPORTED;
		}
	}
	if (e == SD_OK) {
		c->field_len = ((size_t)EC_GROUP_get_degree(c->group) + 7) / 8;
		e = draw_scalar(c, rng, ctx);
	}
	if (e == SD_OK)
		e = compute_public(c, ctx);
	BN_CTX_free(ctx);
	if (e != SD_OK) {
		kex_ecdh_free(c);
		return e;
	}
	*out = c;
	return SD_OK;
}

sd_err kex_ecdh_public(const struct kex_ecdh *c, struct sbuf *out)
{
	return sbuf_put(out, c->pub.data, c->pub.len);
}

/* RFC 5656 section 4 / SEC 1 section 3.2.2.1 public key validation: the
 * uncompressed form with the curve's exact length (no compressed point, no
 * single 0x00 for infinity), coordinates below the field prime and on the
 * curve.  The NIST curves have cofactor 1, so on the curve and not the
 * identity means in the prime-order group. */
static sd_err peer_point(const struct kex_ecdh *c, struct span peer, EC_POINT *q, BN_CTX *ctx)
{
	if (peer.len != 1 + 2 * c->field_len || peer.p[0] != POINT_CONVERSION_UNCOMPRESSED)
		return SD_ERR_ECDH_POINT;
	if (EC_POINT_oct2point(c->group, q, peer.p, peer.len, ctx) != 1) {
		ERR_clear_error(); /* a bad peer point is not a library error */
		return SD_ERR_ECDH_POINT;
	}
	if (EC_POINT_is_at_infinity(c->group, q) || EC_POINT_is_on_curve(c->group, q, ctx) != 1) {
		ERR_clear_error();
		return SD_ERR_ECDH_POINT;
	}
	return SD_OK;
}

sd_err kex_ecdh_shared(struct kex_ecdh *c, struct span peer, struct sbuf *k_out)
{
	BN_CTX *ctx = BN_CTX_new();
	EC_POINT *q = EC_POINT_new(c->group), *s = EC_POINT_new(c->group);
	BIGNUM *x = BN_secure_new();
	uint8_t buf[66];
	sd_err e = ctx && q && s && x ? SD_OK : SD_ERR_NOMEM;
	if (e == SD_OK && c->field_len > sizeof buf)
		e = SD_ERR_UNSUPPORTED;
	if (e == SD_OK)
		e = peer_point(c, peer, q, ctx);
	if (e == SD_OK && EC_POINT_mul(c->group, s, NULL, q, c->priv, ctx) != 1)
		e = SD_ERR_INTERNAL;
	/* Cannot happen for a valid Q and a scalar below the order, but a
	 * shared point at infinity has no x to use. */
	if (e == SD_OK && EC_POINT_is_at_infinity(c->group, s))
		e = SD_ERR_ECDH_POINT;
	if (e == SD_OK && EC_POINT_get_affine_coordinates(c->group, s, x, NULL, ctx) != 1)
		e = SD_ERR_INTERNAL;
	/* RFC 5656 section 4: K is the x-coordinate of the shared point,
	 * encoded as mpint. */
	if (e == SD_OK && BN_bn2binpad(x, buf, (int)c->field_len) != (int)c->field_len)
		e = SD_ERR_INTERNAL;
	if (e == SD_OK)
		e = sbuf_put_mpint_unsigned(k_out, buf, c->field_len);
	wipe(buf, sizeof buf);
	BN_clear_free(x);
	EC_POINT_clear_free(s);
	EC_POINT_free(q);
	BN_CTX_free(ctx);
	return e;
}

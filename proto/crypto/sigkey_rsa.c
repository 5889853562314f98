/*
 * sigkey_rsa.c — ssh-rsa keys; ssh-rsa (SHA-1, RFC 4253 section 6.6) and
 * rsa-sha2-256 / rsa-sha2-512 (RFC 8332) signatures, all RSASSA-PKCS1-v1_5
 * through OpenSSL's EVP_PKEY.
 */
#include "sigkey_impl.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "memo/memo.h"

#define RSA_MIN_BITS 1024  /* below: SD_ERR_RSA_KEY_SIZE, as OpenSSH */
#define RSA_MAX_BITS 16384 /* OpenSSL's OPENSSL_RSA_MAX_MODULUS_BITS */

struct rsa_parts {
	BIGNUM *n, *e, *d, *p, *q, *iqmp, *dmp1, *dmq1;
};

static void rsa_parts_free(struct rsa_parts *rp)
{
	BN_free(rp->n);
	BN_free(rp->e);
	BN_clear_free(rp->d);
	BN_clear_free(rp->p);
	BN_clear_free(rp->q);
	BN_clear_free(rp->iqmp);
	BN_clear_free(rp->dmp1);
	BN_clear_free(rp->dmq1);
	memset(rp, 0, sizeof *rp);
}

static sd_err get_bn(struct sview *v, bool secret, BIGNUM **out)
{
	struct span m;
	sd_err e = sview_get_mpint_positive(v, &m);
	return e ? e : sig_bn_from_mpint(m, secret, out);
}

/* Modulus size and a usable public exponent (odd and > 1: e = 1 or an even
 * e is no RSA key, and e = 1 would make every padded digest a "signature"). */
static sd_err check_public(const BIGNUM *n, const BIGNUM *e)
{
	int bits = BN_num_bits(n);
	if (bits < RSA_MIN_BITS)
		return SD_ERR_RSA_KEY_SIZE;
	if (bits > RSA_MAX_BITS || !BN_is_odd(e) || BN_is_one(e))
		return SD_ERR_KEY_BLOB;
	return SD_OK;
}

static sd_err build_pkey(const struct rsa_parts *rp, bool priv, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	sd_err e = SD_ERR_INTERNAL;
	if (bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, rp->n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, rp->e) &&
	    (!priv || (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, rp->d) &&
		       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, rp->p) &&
		       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, rp->q) &&
		       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, rp->dmp1) &&
		       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, rp->dmq1) &&
		       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, rp->iqmp))) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, out, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) == 1)
		e = SD_OK;
	ERR_clear_error();
	OSSL_PARAM_free(params); /* clears the secure-heap part */
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return e;
}

/* Reads the named parameters of k->pkey; NULL-terminated name list. */
static sd_err get_params(const struct sigkey *k, const char *const *names, BIGNUM **const *outs)
{
	for (size_t i = 0; names[i]; i++) {
		if (EVP_PKEY_get_bn_param(k->pkey, names[i], outs[i]) != 1) {
			ERR_clear_error();
			return SD_ERR_INTERNAL;
		}
	}
	return SD_OK;
}

/* RFC 4253 section 6.6: string "ssh-rsa", mpint e, mpint n. */
static sd_err rsa_pub_parse(struct sigkey *k, struct sview *v)
{
	struct rsa_parts rp = {0};
	sd_err e = get_bn(v, false, &rp.e);
	if (e == SD_OK)
		e = get_bn(v, false, &rp.n);
	if (e == SD_OK)
		e = check_public(rp.n, rp.e);
	if (e == SD_OK)
		e = build_pkey(&rp, false, &k->pkey);
	rsa_parts_free(&rp);
	return e;
}

static sd_err rsa_pub_write(const struct sigkey *k, struct sbuf *out)
{
	struct rsa_parts rp = {0};
	const char *const names[] = {OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_N, NULL};
	BIGNUM **const outs[] = {&rp.e, &rp.n};
	sd_err e = get_params(k, names, outs);
	if (e == SD_OK)
		e = sig_put_bn(out, rp.e);
	if (e == SD_OK)
		e = sig_put_bn(out, rp.n);
	rsa_parts_free(&rp);
	return e;
}

/* The CRT values OpenSSH does not store, after checking that the stored
 * ones belong together: n = p q, iqmp q = 1 mod p. */
static sd_err complete_private(struct rsa_parts *rp)
{
	BN_CTX *ctx = BN_CTX_secure_new();
	BIGNUM *t = BN_secure_new();
	sd_err e = SD_ERR_NOMEM;
	rp->dmp1 = BN_secure_new();
	rp->dmq1 = BN_secure_new();
	if (ctx && t && rp->dmp1 && rp->dmq1) {
		e = SD_ERR_KEY_FILE;
		if (BN_mul(t, rp->p, rp->q, ctx) && BN_cmp(t, rp->n) == 0 &&
		    BN_mod_mul(t, rp->iqmp, rp->q, rp->p, ctx) && BN_is_one(t) &&
		    BN_sub(t, rp->p, BN_value_one()) && BN_mod(rp->dmp1, rp->d, t, ctx) &&
		    BN_sub(t, rp->q, BN_value_one()) && BN_mod(rp->dmq1, rp->d, t, ctx))
			e = SD_OK;
	}
	ERR_clear_error();
	BN_clear_free(t);
	BN_CTX_free(ctx);
	return e;
}

/* PROTOCOL.key: mpint n, mpint e, mpint d, mpint iqmp, mpint p, mpint q. */
static sd_err rsa_priv_parse(struct sigkey *k, struct sview *v)
{
	struct rsa_parts rp = {0};
	sd_err e = get_bn(v, false, &rp.n);
	if (e == SD_OK)
		e = get_bn(v, false, &rp.e);
	if (e == SD_OK)
		e = get_bn(v, true, &rp.d);
	if (e == SD_OK)
		e = get_bn(v, true, &rp.iqmp);
	if (e == SD_OK)
		e = get_bn(v, true, &rp.p);
	if (e == SD_OK)
		e = get_bn(v, true, &rp.q);
	if (e == SD_OK)
		e = check_public(rp.n, rp.e);
	if (e == SD_OK)
		e = complete_private(&rp);
	if (e == SD_OK)
		e = build_pkey(&rp, true, &k->pkey);
	rsa_parts_free(&rp);
	return e;
}

static sd_err rsa_priv_write(const struct sigkey *k, struct sbuf *out)
{
	struct rsa_parts rp = {0};
	const char *const names[] = {OSSL_PKEY_PARAM_RSA_N,	  OSSL_PKEY_PARAM_RSA_E,
				     OSSL_PKEY_PARAM_RSA_D,	  OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
				     OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
				     NULL};
	BIGNUM **const outs[] = {&rp.n, &rp.e, &rp.d, &rp.iqmp, &rp.p, &rp.q};
	sd_err e = get_params(k, names, outs);
	for (size_t i = 0; e == SD_OK && i < sizeof outs / sizeof outs[0]; i++)
		e = sig_put_bn(out, *outs[i]);
	rsa_parts_free(&rp);
	return e;
}

static sd_err rsa_generate(struct sigkey *k, unsigned rsa_bits)
{
	if (rsa_bits < RSA_MIN_BITS)
		return SD_ERR_RSA_KEY_SIZE;
	if (rsa_bits > RSA_MAX_BITS)
		return SD_ERR_INVALID_ARG;
	k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)rsa_bits);
	if (!k->pkey) {
		ERR_clear_error();
		return SD_ERR_INTERNAL;
	}
	return SD_OK;
}

/* A PKCS#1 v1.5 context for hash h (RFC 8017 section 8.2). */
static EVP_PKEY_CTX *pkcs1_ctx(const struct sigkey *k, enum sig_hash h, bool sign)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
	if (ctx && ((sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(ctx, sig_hash_md(h)) != 1)) {
		EVP_PKEY_CTX_free(ctx);
		ctx = NULL;
	}
	ERR_clear_error();
	return ctx;
}

/* RFC 8332 section 3 / RFC 4253 section 6.6: the signature is the raw
 * RSASSA-PKCS1-v1_5 output, as long as the modulus. */
static sd_err rsa_sign_openssl(const struct sigkey *k, enum sig_hash h, const uint8_t *dgst, size_t dlen, uint8_t *w,
			       size_t len)
{
	size_t got = len;
	EVP_PKEY_CTX *ctx = pkcs1_ctx(k, h, true);
	if (!ctx)
		return SD_ERR_INTERNAL;
	sd_err e = SD_OK;
	if (EVP_PKEY_sign(ctx, w, &got, dgst, dlen) != 1 || got != len) {
		ERR_clear_error();
		e = SD_ERR_INTERNAL;
	}
	EVP_PKEY_CTX_free(ctx);
	return e;
}

/* PKCS#1 v1.5 signatures are deterministic: with the memo on
 * (memo/memo.h), one is recalled by the public key (which fixes the
 * private one), the hash and the digest. */
static sd_err rsa_sign(const struct sigkey *k, const struct sig_alg *alg, struct rng *rng, struct span data,
		       struct sbuf *sig)
{
	uint8_t dgst[EVP_MAX_MD_SIZE], *w;
	size_t dlen, len = (size_t)EVP_PKEY_get_size(k->pkey);
	sd_err e = sig_digest(alg->hash, data, dgst, &dlen);
	if (e == SD_OK)
		e = sbuf_reserve(sig, len, &w);
	if (e != SD_OK)
		return e;
	struct sbuf pub = SBUF_INIT;
	if (!memo_enabled() || rsa_pub_write(k, &pub) != SD_OK) {
		sbuf_free(&pub);
		return rsa_sign_openssl(k, alg->hash, dgst, dlen, w, len);
	}
	const uint8_t hash = (uint8_t)alg->hash;
	const struct memo_part in[] = {{pub.data, pub.len}, {&hash, 1}, {dgst, dlen}};
	size_t n;
	int status;
	if (!memo_get(MEMO_OSSL_RSA_SIGN, in, 3, w, len, &n, &status) || n != len) {
		e = rsa_sign_openssl(k, alg->hash, dgst, dlen, w, len);
		if (e == SD_OK)
			memo_put(MEMO_OSSL_RSA_SIGN, in, 3, w, len, SD_OK);
	}
	sbuf_free(&pub);
	return e;
}

/* Whether sig (modulus length) is a PKCS#1 v1.5 signature of H(data). */
static sd_err verify_with(const struct sigkey *k, enum sig_hash h, struct span sig, struct span data)
{
	uint8_t dgst[EVP_MAX_MD_SIZE];
	size_t dlen;
	sd_err e = sig_digest(h, data, dgst, &dlen);
	if (e != SD_OK)
		return e;
	EVP_PKEY_CTX *ctx = pkcs1_ctx(k, h, false);
	if (!ctx)
		return SD_ERR_INTERNAL;
	e = EVP_PKEY_verify(ctx, sig.p, sig.len, dgst, dlen) == 1 ? SD_OK : SD_ERR_SIGNATURE;
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return e;
}

static sd_err rsa_verify(const struct sigkey *k, const struct sig_alg *alg, struct span sig, struct span data)
{
	static const enum sig_hash others[] = {SIG_HASH_SHA1, SIG_HASH_SHA256, SIG_HASH_SHA512};
	size_t len = (size_t)EVP_PKEY_get_size(k->pkey);
	/* OpenSSH accepts a signature shorter than the modulus and pads it
	 * with leading zeros; longer ones are wrong. */
	if (sig.len > len)
		return SD_ERR_SIGNATURE;
	struct sbuf full = SBUF_INIT;
	uint8_t *w;
	sd_err e = sbuf_reserve(&full, len, &w);
	if (e != SD_OK)
		return e;
	memset(w, 0, len - sig.len);
	if (sig.len)
		memcpy(w + len - sig.len, sig.p, sig.len);
	e = verify_with(k, alg->hash, sbuf_span(&full), data);
	/* RFC 8332 section 3: an rsa-sha2-* signature must use that hash.
	 * Telling "made with another hash" apart from "wrong" names the
	 * bug (PuTTY-CAC signed rsa-sha2-* with SHA-1). */
	size_t n_others = alg->hash == SIG_HASH_SHA1 ? 0 : sizeof others / sizeof others[0];
	for (size_t i = 0; e == SD_ERR_SIGNATURE && i < n_others; i++) {
		if (others[i] != alg->hash && verify_with(k, others[i], sbuf_span(&full), data) == SD_OK)
			e = SD_ERR_RSA_SIG_HASH;
	}
	sbuf_free(&full);
	return e;
}

const struct sigkey_family sigkey_rsa_family = {
	.pub_parse = rsa_pub_parse,
	.pub_write = rsa_pub_write,
	.priv_parse = rsa_priv_parse,
	.priv_write = rsa_priv_write,
	.generate = rsa_generate,
	.sign = rsa_sign,
	.verify = rsa_verify,
};

/*
 * kex_x25519.c — curve25519-sha256 and curve25519-sha256@libssh.org
 * (RFC 8731), X25519 itself from RFC 7748 through OpenSSL's EVP.
 */
#include "kex_impl.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "memo/memo.h"

#define X25519_LEN 32

struct kex_x25519 {
	EVP_PKEY *key; /* NULL until needed when the public key was recalled */
	bool pub_recalled; /* pub from the memo (memo/memo.h) */
	uint8_t priv[X25519_LEN];
	uint8_t pub[X25519_LEN];
};

void kex_x25519_free(struct kex_x25519 *x)
{
	if (!x)
		return;
	EVP_PKEY_free(x->key);
	wipe(x->priv, sizeof x->priv);
	free(x);
}

/* OpenSSL's key object, made on first use.  From the private key alone,
 * OpenSSL computes the public key (a scalar multiplication); given the
 * public key recalled from the memo as well, OpenSSL 3's import takes it
 * as it is, which is the cost the memo saves.  (A recalled key cannot be
 * another key's: the memo compares the private key byte for byte.) */
static sd_err key_object(struct kex_x25519 *x)
{
	if (x->key)
		return SD_OK;
	if (x->pub_recalled) {
		OSSL_PARAM params[] = {
			OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, x->priv, sizeof x->priv),
			OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, x->pub, sizeof x->pub),
			OSSL_PARAM_END,
		};
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
		if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
			EVP_PKEY_fromdata(ctx, &x->key, EVP_PKEY_KEYPAIR, params);
		EVP_PKEY_CTX_free(ctx);
	} else {
		x->key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, x->priv, sizeof x->priv);
	}
	if (!x->key) {
		ERR_clear_error();
		return SD_ERR_INTERNAL;
	}
	return SD_OK;
}

sd_err kex_x25519_new(struct rng *rng, struct kex_x25519 **out)
{
	*out = NULL;
	struct kex_x25519 *x = calloc(1, sizeof *x);
	if (!x)
		return SD_ERR_NOMEM;
	/* RFC 7748 section 6.1: the private key is 32 random bytes; the
	 * clamping of section 5 is X25519's own business. */
	size_t n = sizeof x->pub;
	int status;
	const struct memo_part in[] = { { x->priv, sizeof x->priv } };
	sd_err e = rng_fill(rng, x->priv, sizeof x->priv);
	if (e == SD_OK && !memo_get(MEMO_OSSL_X25519_PUBLIC, in, 1, x->pub, sizeof x->pub, &n, &status)) {
		e = key_object(x);
		if (e == SD_OK &&
		    (EVP_PKEY_get_raw_public_key(x->key, x->pub, &n) != 1 || n != sizeof x->pub))
			e = SD_ERR_INTERNAL;
		if (e == SD_OK)
			memo_put(MEMO_OSSL_X25519_PUBLIC, in, 1, x->pub, sizeof x->pub, SD_OK);
	} else if (e == SD_OK) {
		x->pub_recalled = true;
		e = n == sizeof x->pub ? SD_OK : SD_ERR_INTERNAL;
	}
	if (e != SD_OK) {
		kex_x25519_free(x);
		return e;
	}
	*out = x;
	return SD_OK;
}

sd_err kex_x25519_public(const struct kex_x25519 *x, struct sbuf *out)
{
	return sbuf_put(out, x->pub, sizeof x->pub);
}

/* Constant-time "all bytes zero" (RFC 7748 section 6.1 check): OR every
 * byte together, never branch on one. */
static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* X25519(priv, peer) into k through OpenSSL; SD_ERR_X25519_ZERO for a
 * low-order peer point. */
static sd_err x25519_derive(struct kex_x25519 *x, struct span peer, uint8_t k[X25519_LEN])
{
	sd_err e = key_object(x);
	if (e != SD_OK)
		return e;
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer.p, peer.len);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(x->key, NULL);
	size_t n = X25519_LEN;
	e = pk && ctx ? SD_OK : SD_ERR_NOMEM;
	/* A non-zero sentinel: an untouched buffer must not read as "zero". */
	memset(k, 0xff, X25519_LEN);
	int ok = e == SD_OK && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, pk) == 1 &&
		 EVP_PKEY_derive(ctx, k, &n) == 1 && n == X25519_LEN;
	/* RFC 8731 section 3 (after RFC 7748 section 6.1): an all-zero
	 * shared secret, from a low-order peer point, aborts the exchange.
	 * OpenSSL 3 refuses it itself, failing the derive after writing the
	 * zeros; check the bytes either way so the rule holds whatever the
	 * library does. */
	if (e == SD_OK && all_zero(k, X25519_LEN))
		e = SD_ERR_X25519_ZERO;
	else if (e == SD_OK && !ok)
		e = SD_ERR_INTERNAL;
	if (!ok)
		ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return e;
}

sd_err kex_x25519_shared(struct kex_x25519 *x, struct span peer, struct sbuf *k_out)
{
	/* RFC 8731 section 3: public keys are exactly 32 bytes. */
	if (peer.len != X25519_LEN)
		return SD_ERR_X25519_LENGTH;
	const struct memo_part in[] = { { x->priv, sizeof x->priv }, { peer.p, peer.len } };
	uint8_t k[X25519_LEN];
	size_t n = sizeof k;
	int status;
	sd_err e;

	if (memo_get(MEMO_OSSL_X25519_SHARED, in, 2, k, sizeof k, &n, &status) && n == sizeof k) {
		e = (sd_err)status;
	} else {
		e = x25519_derive(x, peer, k);
		/* the verdict on the peer's point is as pure as K itself */
		if (e == SD_OK || e == SD_ERR_X25519_ZERO)
			memo_put(MEMO_OSSL_X25519_SHARED, in, 2, k, sizeof k, e);
	}
	/* RFC 8731 section 3.1: K is the 32 bytes read as an unsigned
	 * big-endian number, encoded as mpint. */
	if (e == SD_OK)
		e = sbuf_put_mpint_unsigned(k_out, k, sizeof k);
	wipe(k, sizeof k);
	return e;
}

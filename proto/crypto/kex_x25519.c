/*
 * kex_x25519.c — curve25519-sha256 and curve25519-sha256@libssh.org
 * (RFC 8731), X25519 itself from RFC 7748 through OpenSSL's EVP.
 */
#include "kex_impl.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#define X25519_LEN 32

struct kex_x25519 {
	EVP_PKEY *key;
	uint8_t pub[X25519_LEN];
};

void kex_x25519_free(struct kex_x25519 *x)
{
	if (!x)
		return;
	EVP_PKEY_free(x->key);
	free(x);
}

sd_err kex_x25519_new(struct rng *rng, struct kex_x25519 **out)
{
	*out = NULL;
	struct kex_x25519 *x = calloc(1, sizeof *x);
	if (!x)
		return SD_ERR_NOMEM;
	/* RFC 7748 section 6.1: the private key is 32 random bytes; the
	 * clamping of section 5 is X25519's own business. */
	uint8_t priv[X25519_LEN];
	size_t n = sizeof x->pub;
	sd_err e = rng_fill(rng, priv, sizeof priv);
	if (e == SD_OK) {
		x->key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, sizeof priv);
		if (!x->key || EVP_PKEY_get_raw_public_key(x->key, x->pub, &n) != 1 || n != sizeof x->pub)
			e = SD_ERR_INTERNAL;
	}
	wipe(priv, sizeof priv);
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

sd_err kex_x25519_shared(struct kex_x25519 *x, struct span peer, struct sbuf *k_out)
{
	/* RFC 8731 section 3: public keys are exactly 32 bytes. */
	if (peer.len != X25519_LEN)
		return SD_ERR_X25519_LENGTH;
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer.p, peer.len);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(x->key, NULL);
	uint8_t k[X25519_LEN];
	size_t n = sizeof k;
	sd_err e = pk && ctx ? SD_OK : SD_ERR_NOMEM;
	/* A non-zero sentinel: an untouched buffer must not read as "zero". */
	memset(k, 0xff, sizeof k);
	int ok = e == SD_OK && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, pk) == 1 &&
		 EVP_PKEY_derive(ctx, k, &n) == 1 && n == sizeof k;
	/* RFC 8731 section 3 (after RFC 7748 section 6.1): an all-zero
	 * shared secret, from a low-order peer point, aborts the exchange.  OpenSSL 3 refuses it itself, failing the
	 * derive after writing the zeros; check the bytes either way so the
	 * rule holds whatever the library does. */
	if (e == SD_OK && all_zero(k, sizeof k))
		e = SD_ERR_X25519_ZERO;
	else if (e == SD_OK && !ok)
		e = SD_ERR_INTERNAL;
	if (!ok)
		ERR_clear_error();
	/* RFC 8731 section 3.1: K is the 32 bytes read as an unsigned
	 * big-endian number, encoded as mpint. */
	if (e == SD_OK)
		e = sbuf_put_mpint_unsigned(k_out, k, sizeof k);
	wipe(k, sizeof k);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return e;
}

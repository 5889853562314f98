/*
 * libcrypto_memo.c — libcrypto entry points that consult the memo first
 * (libcrypto_memo.h says why and where this is linked).
 *
 * Each function below has the exact name and prototype of OpenSSL's.  The
 * executable's definition is what every caller binds to, libssh included
 * (the linker exports it because libssh.so, on the link line, refers to
 * it); OpenSSL's own definition is reached through dlsym(RTLD_NEXT).
 *
 * What makes a recall equal to a computation:
 *   - only key types whose result is a pure function of bytes we can read
 *     back (X25519, Ed25519: raw private and public keys), and only the
 *     one-shot calls libssh makes; anything else goes straight to OpenSSL;
 *   - the memo key holds every input byte (private key, peer key, data,
 *     signature), compared exactly (memo.h);
 *   - a result is remembered only when OpenSSL's call left its error queue
 *     as it found it, so a recall never hides an error OpenSSL would have
 *     queued (callers such as libssh read that queue for their messages);
 *   - a recalled key pair is handed to OpenSSL with both halves
 *     (EVP_PKEY_fromdata, KEYPAIR), which OpenSSL 3 takes as they are: the
 *     object behaves as the one OpenSSL would have computed.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "libcrypto_memo.h"

#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "memo.h"

#define RAW_LEN 32 /* X25519 and Ed25519 keys */
#define ED25519_SIG_LEN 64

static struct libcrypto_memo_stats counts;

void libcrypto_memo_get_stats(struct libcrypto_memo_stats *out)
{
	*out = counts;
}

/* OpenSSL's own definition of name, looked up once.  A failed lookup is
 * fatal for the caller's operation only: callers treat NULL as an error. */
#define REAL(fn)                                                                                                     \
	static __typeof__(fn) *real;                                                                                   \
	if (!real)                                                                                                     \
		real = (__typeof__(fn) *)dlsym(RTLD_NEXT, #fn)

static EVP_PKEY *ctx_key(EVP_PKEY_CTX *pctx, int type)
{
	EVP_PKEY *k = pctx ? EVP_PKEY_CTX_get0_pkey(pctx) : NULL;
	return k && EVP_PKEY_get_base_id(k) == type ? k : NULL;
}

static bool raw_private(const EVP_PKEY *k, uint8_t out[RAW_LEN])
{
	size_t n = RAW_LEN;
	return k && EVP_PKEY_get_raw_private_key(k, out, &n) == 1 && n == RAW_LEN;
}

static bool raw_public(const EVP_PKEY *k, uint8_t out[RAW_LEN])
{
	size_t n = RAW_LEN;
	return k && EVP_PKEY_get_raw_public_key(k, out, &n) == 1 && n == RAW_LEN;
}

/* The key object for a private key whose public half is known. */
static EVP_PKEY *keypair(int type, const uint8_t priv[RAW_LEN], const uint8_t pub[RAW_LEN])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, (void *)priv, RAW_LEN),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, RAW_LEN),
		OSSL_PARAM_END,
	};
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(type, NULL);
	if (ctx && EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* The remembered public key of (type, priv), if any. */
static bool public_recall(int type, const uint8_t priv[RAW_LEN], uint8_t pub[RAW_LEN])
{
	uint8_t t[4] = { (uint8_t)(type >> 24), (uint8_t)(type >> 16), (uint8_t)(type >> 8), (uint8_t)type };
	const struct memo_part in[] = { { t, sizeof t }, { priv, RAW_LEN } };
	size_t n;
	int status;
	return memo_get(MEMO_EVP_RAW_PUBLIC, in, 2, pub, RAW_LEN, &n, &status) && n == RAW_LEN && status == 1;
}

static void public_store(int type, const uint8_t priv[RAW_LEN], const EVP_PKEY *k)
{
	uint8_t t[4] = { (uint8_t)(type >> 24), (uint8_t)(type >> 16), (uint8_t)(type >> 8), (uint8_t)type };
	const struct memo_part in[] = { { t, sizeof t }, { priv, RAW_LEN } };
	uint8_t pub[RAW_LEN];
	if (raw_public(k, pub))
		memo_put(MEMO_EVP_RAW_PUBLIC, in, 2, pub, RAW_LEN, 1);
}

static bool memo_type(int type)
{
	return type == EVP_PKEY_X25519 || type == EVP_PKEY_ED25519;
}

EVP_PKEY *EVP_PKEY_new_raw_private_key(int type, ENGINE *e, const unsigned char *priv, size_t len)
{
	REAL(EVP_PKEY_new_raw_private_key);
	uint8_t pub[RAW_LEN];
	bool memo = memo_enabled() && !e && memo_type(type) && priv && len == RAW_LEN;

	if (memo && public_recall(type, priv, pub)) {
		ERR_set_mark();
		EVP_PKEY *k = keypair(type, priv, pub);
		if (k) {
			ERR_clear_last_mark();
			counts.recalled++;
			return k;
		}
		ERR_pop_to_mark(); /* the import failed: compute as if never recalled */
	}
	if (!real)
		return NULL;
	unsigned long before = ERR_peek_last_error();
	EVP_PKEY *k = real(type, e, priv, len);
	if (memo) {
		counts.computed++;
		if (k && ERR_peek_last_error() == before)
			public_store(type, priv, k);
	}
	return k;
}

/* The context last made ready for key generation: only such a context is
 * generated from here (OpenSSL refuses any other, and so must we). */
static EVP_PKEY_CTX *keygen_ready;

int EVP_PKEY_keygen_init(EVP_PKEY_CTX *ctx)
{
	REAL(EVP_PKEY_keygen_init);
	int r = real ? real(ctx) : -1;
	keygen_ready = r == 1 ? ctx : NULL;
	return r;
}

/* OpenSSL 3.0's X25519 key generation (providers' ecx_gen): 32 bytes from
 * RAND_priv_bytes_ex(NULL, ..., 0), clamped as RFC 7748 section 5 says,
 * then the public key.  Drawing the same bytes the same way keeps the
 * RAND stream -- which a seeded run depends on -- exactly where OpenSSL
 * would leave it; only the public key is recalled.  Only for an X25519
 * context just made ready for it (no key attached, no key to fill in). */
int EVP_PKEY_keygen(EVP_PKEY_CTX *ctx, EVP_PKEY **ppkey)
{
	REAL(EVP_PKEY_keygen);
	uint8_t priv[RAW_LEN];

	if (!(memo_enabled() && ctx && ctx == keygen_ready && ppkey && !*ppkey && !EVP_PKEY_CTX_get0_pkey(ctx) &&
	      EVP_PKEY_CTX_is_a(ctx, "X25519")))
		return real ? real(ctx, ppkey) : -1;
	if (RAND_priv_bytes(priv, sizeof priv) != 1)
		return 0;
	priv[0] &= 248;
	priv[RAW_LEN - 1] &= 127;
	priv[RAW_LEN - 1] |= 64;
	/* the definition above: recalls or computes the public key */
	*ppkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, sizeof priv);
	OPENSSL_cleanse(priv, sizeof priv);
	return *ppkey ? 1 : 0;
}

/* A fixed-length result (a shared secret, a signature) recalled into out,
 * as a successful call (1) leaves it. */
static bool recall_fixed(enum memo_op op, const struct memo_part *in, size_t n_in, uint8_t *out, size_t len)
{
	uint8_t got[ED25519_SIG_LEN];
	size_t n;
	int status;
	bool ok = len <= sizeof got && memo_get(op, in, n_in, got, sizeof got, &n, &status) && n == len &&
		  status == 1;
	if (ok) {
		memcpy(out, got, len);
		counts.recalled++;
	}
	OPENSSL_cleanse(got, sizeof got);
	return ok;
}

/* What OpenSSL's call returned (r, out[got]) remembered when it succeeded
 * with the expected length and queued no error since before. */
static void store_fixed(enum memo_op op, const struct memo_part *in, size_t n_in, int r, const uint8_t *out,
			size_t got, size_t len, unsigned long before)
{
	counts.computed++;
	if (r == 1 && got == len && ERR_peek_last_error() == before)
		memo_put(op, in, n_in, out, len, 1);
}

int EVP_PKEY_derive(EVP_PKEY_CTX *ctx, unsigned char *key, size_t *keylen)
{
	REAL(EVP_PKEY_derive);
	uint8_t priv[RAW_LEN], peer[RAW_LEN];
	/* key == NULL asks for the length: OpenSSL answers that cheaply */
	bool memo = memo_enabled() && key && keylen && *keylen >= RAW_LEN &&
		    raw_private(ctx_key(ctx, EVP_PKEY_X25519), priv) &&
		    raw_public(EVP_PKEY_CTX_get0_peerkey(ctx), peer);
	const struct memo_part in[] = { { priv, RAW_LEN }, { peer, RAW_LEN } };
	int r = 1;

	if (memo && recall_fixed(MEMO_EVP_X25519_DERIVE, in, 2, key, RAW_LEN)) {
		*keylen = RAW_LEN;
	} else if (!real) {
		r = -1;
	} else {
		unsigned long before = ERR_peek_last_error();
		r = real(ctx, key, keylen);
		if (memo)
			store_fixed(MEMO_EVP_X25519_DERIVE, in, 2, r, key, *keylen, RAW_LEN, before);
	}
	OPENSSL_cleanse(priv, sizeof priv);
	return r;
}

int EVP_DigestSign(EVP_MD_CTX *ctx, unsigned char *sigret, size_t *siglen, const unsigned char *tbs, size_t tbslen)
{
	REAL(EVP_DigestSign);
	uint8_t priv[RAW_LEN];
	/* sigret == NULL asks for the length */
	bool memo = memo_enabled() && ctx && sigret && siglen && *siglen >= ED25519_SIG_LEN &&
		    (tbs || !tbslen) &&
		    raw_private(ctx_key(EVP_MD_CTX_get_pkey_ctx(ctx), EVP_PKEY_ED25519), priv);
	const struct memo_part in[] = { { priv, RAW_LEN }, { tbs, tbslen } };
	int r = 1;

	if (memo && recall_fixed(MEMO_EVP_ED25519_SIGN, in, 2, sigret, ED25519_SIG_LEN)) {
		*siglen = ED25519_SIG_LEN;
	} else if (!real) {
		r = -1;
	} else {
		unsigned long before = ERR_peek_last_error();
		r = real(ctx, sigret, siglen, tbs, tbslen);
		if (memo)
			store_fixed(MEMO_EVP_ED25519_SIGN, in, 2, r, sigret, *siglen, ED25519_SIG_LEN, before);
	}
	OPENSSL_cleanse(priv, sizeof priv);
	return r;
}

int EVP_DigestVerify(EVP_MD_CTX *ctx, const unsigned char *sigret, size_t siglen, const unsigned char *tbs,
		     size_t tbslen)
{
	REAL(EVP_DigestVerify);
	uint8_t pub[RAW_LEN];
	size_t n;
	int status;
	bool memo = memo_enabled() && ctx && (sigret || !siglen) && (tbs || !tbslen) &&
		    raw_public(ctx_key(EVP_MD_CTX_get_pkey_ctx(ctx), EVP_PKEY_ED25519), pub);
	const struct memo_part in[] = { { pub, RAW_LEN }, { sigret, siglen }, { tbs, tbslen } };

	if (memo && memo_get(MEMO_EVP_ED25519_VERIFY, in, 3, NULL, 0, &n, &status) &&
	    (status == 0 || status == 1)) {
		counts.recalled++;
		return status;
	}
	if (!real)
		return -1;
	unsigned long before = ERR_peek_last_error();
	int r = real(ctx, sigret, siglen, tbs, tbslen);
	if (memo) {
		counts.computed++;
		/* 1 good, 0 bad signature; below 0 is an error, never kept */
		if ((r == 0 || r == 1) && ERR_peek_last_error() == before)
			memo_put(MEMO_EVP_ED25519_VERIFY, in, 3, NULL, 0, r);
	}
	return r;
}

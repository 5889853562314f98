/* vhash.c — hashes (libsodium, OpenSSL for SHA-1/384), HMAC, KDF, rng. */
#include "oracle/verifier/vhash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <string.h>

size_t vhash_len(enum vhash h)
{
	switch (h) {
	case VH_SHA1: return 20;
	case VH_SHA256: return 32;
	case VH_SHA384: return 48;
	case VH_SHA512: return 64;
	}
	return 0;
}

static const EVP_MD *openssl_md(enum vhash h)
{
	return h == VH_SHA1 ? EVP_sha1() : EVP_sha384();
}

static enum vrule openssl_hash(enum vhash h, const struct vspan *parts, size_t n, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, openssl_md(h), NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? VR_OK : VR_INTERNAL;
}

enum vrule vhash(enum vhash h, const struct vspan *parts, size_t n, uint8_t *out)
{
	if (h == VH_SHA256) {
		crypto_hash_sha256_state st;
		crypto_hash_sha256_init(&st);
		for (size_t i = 0; i < n; i++)
			crypto_hash_sha256_update(&st, parts[i].p, parts[i].len);
		crypto_hash_sha256_final(&st, out);
		return VR_OK;
	}
	if (h == VH_SHA512) {
		crypto_hash_sha512_state st;
		crypto_hash_sha512_init(&st);
		for (size_t i = 0; i < n; i++)
			crypto_hash_sha512_update(&st, parts[i].p, parts[i].len);
		crypto_hash_sha512_final(&st, out);
		return VR_OK;
	}
	return openssl_hash(h, parts, n, out);
}

static enum vrule openssl_hmac(enum vhash h, struct vspan key, const struct vspan *parts, size_t n, uint8_t *out)
{
	HMAC_CTX *ctx = HMAC_CTX_new();
	int ok = ctx && HMAC_Init_ex(ctx, key.p, (int)key.len, openssl_md(h), NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = HMAC_Update(ctx, parts[i].p, parts[i].len);
	ok = ok && HMAC_Final(ctx, out, NULL);
	HMAC_CTX_free(ctx);
	return ok ? VR_OK : VR_INTERNAL;
}

enum vrule vhmac(enum vhash h, struct vspan key, const struct vspan *parts, size_t n, uint8_t *out)
{
	if (h == VH_SHA256) {
		crypto_auth_hmacsha256_state st;
		crypto_auth_hmacsha256_init(&st, key.p, key.len);
		for (size_t i = 0; i < n; i++)
			crypto_auth_hmacsha256_update(&st, parts[i].p, parts[i].len);
		crypto_auth_hmacsha256_final(&st, out);
		sodium_memzero(&st, sizeof st);
		return VR_OK;
	}
	if (h == VH_SHA512) {
		crypto_auth_hmacsha512_state st;
		crypto_auth_hmacsha512_init(&st, key.p, key.len);
		for (size_t i = 0; i < n; i++)
			crypto_auth_hmacsha512_update(&st, parts[i].p, parts[i].len);
		crypto_auth_hmacsha512_final(&st, out);
		sodium_memzero(&st, sizeof st);
		return VR_OK;
	}
	return openssl_hmac(h, key, parts, n, out);
}

enum vrule vkdf(enum vhash h, struct vspan k_mpint, struct vspan hh, char letter, struct vspan session_id,
		uint8_t *out, size_t out_len)
{
	size_t dl = vhash_len(h), have = 0;
	uint8_t x = (uint8_t)letter;
	/* At most 64 bytes of key are ever needed (chacha20-poly1305). */
	uint8_t acc[4 * VH_MAX];
	if (out_len > sizeof acc - VH_MAX)
		return VR_INTERNAL;
	struct vspan first[4] = {k_mpint, hh, vspan_of(&x, 1), session_id};
	enum vrule e = vhash(h, first, 4, acc);
	have = dl;
	while (e == VR_OK && have < out_len) {
		struct vspan more[3] = {k_mpint, hh, vspan_of(acc, have)};
		e = vhash(h, more, 3, acc + have);
		have += dl;
	}
	if (e == VR_OK)
		memcpy(out, acc, out_len);
	sodium_memzero(acc, sizeof acc);
	return e;
}

void vrng_init(struct vrng *r, uint64_t seed)
{
	uint8_t in[8 + 8] = {'v', 'e', 'r', 'i', 'f', 'i', 'e', 'r'};
	for (int i = 0; i < 8; i++)
		in[8 + i] = (uint8_t)(seed >> (56 - 8 * i));
	crypto_hash_sha256(r->key, in, sizeof in);
	r->calls = 0;
}

void vrng_fill(struct vrng *r, void *out, size_t n)
{
	uint8_t nonce[crypto_stream_chacha20_NONCEBYTES];
	for (size_t i = 0; i < sizeof nonce; i++)
		nonce[i] = (uint8_t)(r->calls >> (8 * i));
	r->calls++;
	crypto_stream_chacha20(out, n, nonce, r->key);
}

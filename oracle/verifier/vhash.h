/*
 * vhash.h — hashes, HMAC, the RFC 4253 section 7.2 key derivation and the
 * verifier's deterministic random generator.
 *
 * SHA-256/512 and their HMACs come from libsodium (the engine uses OpenSSL
 * for them, so the two never share a hash implementation); SHA-1 and SHA-384,
 * which libsodium lacks, from OpenSSL.
 */
#ifndef SSHDIFF_VERIFIER_VHASH_H
#define SSHDIFF_VERIFIER_VHASH_H

#include <stddef.h>
#include <stdint.h>

#include "oracle/verifier/vwire.h"

enum vhash { VH_SHA1, VH_SHA256, VH_SHA384, VH_SHA512 };
#define VH_MAX 64

size_t vhash_len(enum vhash h);
/* Digest of the concatenation of n parts. */
enum vrule vhash(enum vhash h, const struct vspan *parts, size_t n, uint8_t *out);
/* HMAC of the concatenation of n parts, any key length (RFC 2104). */
enum vrule vhmac(enum vhash h, struct vspan key, const struct vspan *parts, size_t n, uint8_t *out);

/* RFC 4253 section 7.2: out_len bytes of HASH(K || H || letter || session_id)
 * extended by HASH(K || H || K1 || ... ).  k_mpint is K encoded as mpint
 * (with its length prefix). */
enum vrule vkdf(enum vhash h, struct vspan k_mpint, struct vspan hh, char letter, struct vspan session_id,
		uint8_t *out, size_t out_len);

/* ChaCha20 keystream under SHA-256("verifier" || seed), one nonce per call:
 * every random byte the verifier uses depends on the case seed only. */
struct vrng {
	uint8_t key[32];
	uint64_t calls;
};
void vrng_init(struct vrng *r, uint64_t seed);
void vrng_fill(struct vrng *r, void *out, size_t n);

#endif

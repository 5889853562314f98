/*
 * rng.h — the engine's only source of randomness, injected by the caller.
 *
 * The engine never calls a system RNG itself: cookies, padding, ephemeral
 * keys and signature nonces all come from here, so a seeded generator makes
 * a whole connection reproducible byte for byte.
 */
#ifndef SSHDIFF_PROTO_RNG_H
#define SSHDIFF_PROTO_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

struct rng {
	sd_err (*fill)(struct rng *self, uint8_t *out, size_t n);
};

static inline sd_err rng_fill(struct rng *r, void *out, size_t n)
{
	return r->fill(r, (uint8_t *)out, n);
}

/* Deterministic: ChaCha20 keystream under SHA-256(seed), one stream position
 * per call, so the output depends only on the seed and the sequence of
 * requested sizes. */
struct rng_seeded {
	struct rng base;
	uint8_t key[32];
	uint64_t counter;
};
void rng_seeded_init(struct rng_seeded *r, const void *seed, size_t seed_len);

/* The operating system's generator through OpenSSL (RAND_bytes). */
extern struct rng rng_system;

#endif

/*
 * libssh_rand.h — OpenSSL's RAND made deterministic for one libssh backend
 * run (private to backend_libssh.c).
 *
 * libssh takes every random byte (cookies, padding, ephemeral keys, ECDSA
 * nonces) from OpenSSL: RAND_bytes / RAND_priv_bytes and EVP key generation,
 * which OpenSSL 3.0 routes through the process-wide RAND_METHOD when one is
 * installed.  Between begin and end that method is a ChaCha20 keystream
 * keyed by SHA-256("libssh" || seed as 8 little-endian bytes) (rng_seeded),
 * so a case gives the same bytes on every run and machine.
 *
 * Process-global, like RAND_set_rand_method itself: one run at a time.
 */
#ifndef SSHDIFF_ORACLE_LIBSSH_RAND_H
#define SSHDIFF_ORACLE_LIBSSH_RAND_H

#include <stdint.h>

#include "proto/errors.h"

struct libssh_rand_saved {
	const void *prev_method; /* the RAND_METHOD to put back */
};

/* Installs the seeded method; SD_ERR_INTERNAL if OpenSSL refuses or a run
 * is already active. */
sd_err libssh_rand_begin(uint64_t seed, struct libssh_rand_saved *saved);
/* Puts the previous method back and wipes the generator state. */
void libssh_rand_end(const struct libssh_rand_saved *saved);

#endif

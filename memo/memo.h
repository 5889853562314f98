/*
 * memo.h — a bounded, process-wide memo of pure public-key results, keyed by
 * their exact inputs.
 *
 * Why: one oracle case runs the actor three times (once per backend) and
 * every backend repeats the same public-key arithmetic (X25519 key pairs
 * and shared secrets, Ed25519 signatures and verifications, finite-field
 * DH exponentiations, RSA signatures), and a fuzzer
 * runs thousands of cases that differ in one field while the seed -- hence
 * every ephemeral key -- stays the same.  Those operations are about 85 % of
 * an oracle case (bench/RESULTS.md).  They are pure functions of their
 * bytes, so their results can be remembered: the same inputs give the same
 * output and status, byte for byte, whether computed or recalled
 * (tests/unit/test_memo.c and the oracle equivalence test check that).
 *
 * Rules for callers:
 *   - only deterministic operations whose output depends on nothing but the
 *     inputs given here (not on an rng, a clock or library state);
 *   - every input that influences the result goes into the key, including
 *     private keys: the key is compared byte for byte, a hash collision can
 *     never return another input's result;
 *   - each library's operation has its own op below: the engine's OpenSSL
 *     results are never handed to the verifier's libsodium code, so the two
 *     stay independent (DESIGN.md: the verifier shares nothing with proto/);
 *   - failures of the computation itself (out of memory, internal library
 *     errors) are not stored; a verdict such as "bad signature" is.
 *
 * Off by default: a memo branches on secret data (not constant time) and
 * keeps private keys in memory, which is fine for a fuzzer's test keys and
 * wrong for an SSH implementation talking to real peers.  The fuzz target
 * and the benchmarks switch it on; `sshdiff replay` leaves it off.
 *
 * Bounded: MEMO_SLOTS entries, direct-mapped by hash (a new entry replaces
 * whatever held its slot), MEMO_MAX_BYTES in all (when a new entry would
 * pass it, everything is forgotten: a fuzzer's working set is its corpus's
 * seeds, which come back within seconds); inputs longer than
 * MEMO_MAX_INPUT are not remembered.  Forgotten entries are wiped.  Not thread-safe: one oracle
 * process runs one case at a time.
 */
#ifndef SSHDIFF_MEMO_H
#define SSHDIFF_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMO_SLOTS 65536
/* all entries together; past it the table starts again empty */
#define MEMO_MAX_BYTES (64u << 20)
/* bytes over all parts: an 8192-bit modulus, base and exponent fit */
#define MEMO_MAX_INPUT 4096
#define MEMO_MAX_OUTPUT 1024 /* up to an 8192-bit result */

/* One op per (operation, library, caller side).  Values are part of the key. */
enum memo_op {
	/* proto/crypto (the engine and the actor), OpenSSL */
	MEMO_OSSL_X25519_PUBLIC = 1, /* in: private (32)            out: public (32) */
	MEMO_OSSL_X25519_SHARED,     /* in: private, peer public    out: K raw (32) / status */
	MEMO_OSSL_ED25519_SIGN,      /* in: seed (32), data         out: signature (64) */
	MEMO_OSSL_ED25519_VERIFY,    /* in: public (32), sig, data  out: status */
	MEMO_OSSL_DH_MODEXP,         /* in: p, base, exponent       out: base^x mod p */
	MEMO_OSSL_RSA_SIGN,          /* in: n, e, hash, digest      out: PKCS#1 v1.5 signature */
	/* oracle/verifier, libsodium */
	MEMO_SODIUM_X25519_PUBLIC = 64,
	MEMO_SODIUM_X25519_SHARED,
	MEMO_SODIUM_ED25519_SIGN, /* in: sk (64: seed || pk), data */
	MEMO_SODIUM_ED25519_VERIFY,
	/* oracle/verifier, where it uses OpenSSL (RSA, DH) */
	MEMO_VERIFIER_DH_MODEXP,
	MEMO_VERIFIER_RSA_SIGN,
	/* libcrypto's entry points as libssh calls them (libcrypto_memo.h);
	 * status is what the EVP function returned */
	MEMO_EVP_RAW_PUBLIC = 128, /* in: EVP_PKEY type (4), private (32)  out: public (32) */
	MEMO_EVP_X25519_DERIVE,    /* in: private, peer public         out: K raw (32) */
	MEMO_EVP_ED25519_SIGN,     /* in: private (32), data           out: signature (64) */
	MEMO_EVP_ED25519_VERIFY,   /* in: public (32), sig, data       out: - */
};

/* One part of an input (parts are keyed with their lengths, so ("ab","c")
 * and ("a","bc") are different inputs). */
struct memo_part {
	const uint8_t *p;
	size_t len;
};

/* Switches the memo on or off for the whole process.  Switching off
 * forgets everything (and wipes it); switching on when on keeps it. */
void memo_enable(bool on);
bool memo_enabled(void);

/* The remembered result of op over parts: true with the output copied to
 * out (at most out_cap bytes; *out_len set) and *status set, or false
 * (off, not remembered, or the stored output does not fit out_cap). */
bool memo_get(enum memo_op op, const struct memo_part *parts, size_t n_parts, uint8_t *out, size_t out_cap,
	      size_t *out_len, int *status);

/* Remembers the result of op over parts (nothing when off, when the input
 * is longer than MEMO_MAX_INPUT, the output longer than MEMO_MAX_OUTPUT, or
 * memory is short: a memo may always forget). */
void memo_put(enum memo_op op, const struct memo_part *parts, size_t n_parts, const uint8_t *out, size_t out_len,
	      int status);

/* Counters since the memo was last switched on (for benchmarks). */
struct memo_stats {
	unsigned long hits, misses, stores, replaced, flushes;
	size_t bytes; /* held now */
};
void memo_get_stats(struct memo_stats *out);

#endif

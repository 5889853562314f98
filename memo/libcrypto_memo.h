/*
 * libcrypto_memo.h — the memo (memo.h) for public-key work that libssh asks
 * of OpenSSL, by interposing the libcrypto entry points it goes through.
 *
 * Why: libssh is Debian's binary; its X25519 and Ed25519 arithmetic is
 * about 4.4 M of the 5.4 M instructions of one libssh run, and the engine's
 * memo cannot reach it.  But libssh calls OpenSSL through the dynamic
 * linker, and a definition in the executable comes first in the lookup
 * order: linking this file into a program makes libssh's calls of
 *
 *   EVP_PKEY_new_raw_private_key  (X25519, Ed25519: computes the public key)
 *   EVP_PKEY_keygen               (X25519: draws 32 bytes, computes the public key;
 *                                  with EVP_PKEY_keygen_init, to know the context is ready)
 *   EVP_PKEY_derive               (X25519 shared secret)
 *   EVP_DigestSign                (Ed25519 signature, one shot)
 *   EVP_DigestVerify              (Ed25519 verification, one shot)
 *
 * land here first.  While the memo is on, a result remembered for the same
 * exact inputs is returned as OpenSSL would return it; otherwise (memo off,
 * another key type, a size query, anything unusual) the call goes on to
 * OpenSSL's own function untouched, and its result is remembered.  The
 * results are pure functions of their inputs, so libssh sees the same
 * bytes either way (tests/unit/test_memo.c replays cases with the memo
 * off, on and empty, and on and full, and compares every observation).
 * Only the randomness of a key generation is never recalled: keygen draws
 * its 32 bytes from RAND exactly as OpenSSL's does, then recalls the
 * public key of those bytes.
 *
 * Linked only into the programs that switch the memo on (fuzz_differential,
 * the benchmarks, test_memo), never into `sshdiff` itself.
 */
#ifndef SSHDIFF_LIBCRYPTO_MEMO_H
#define SSHDIFF_LIBCRYPTO_MEMO_H

/* How many calls of the functions above this process has answered from the
 * memo, and how many it passed to OpenSSL while the memo was on: lets a
 * test prove the interposition is in effect (a linker that did not export
 * the definitions would leave both at zero for libssh's calls). */
struct libcrypto_memo_stats {
	unsigned long recalled, computed;
};
void libcrypto_memo_get_stats(struct libcrypto_memo_stats *out);

#endif

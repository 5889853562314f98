/*
 * keycache.h — the built-in test keys (testkeys.h), parsed once per process
 * and shared by the actor and the backends: every case names its keys by id,
 * and parsing an OpenSSH key file costs more than a whole Ed25519 handshake.
 *
 * The keys are never modified or freed; callers must not free them.  Not
 * thread-safe: the oracle runs one case at a time per process.
 */
#ifndef SSHDIFF_ORACLE_KEYCACHE_H
#define SSHDIFF_ORACLE_KEYCACHE_H

#include "oracle/case.h"
#include "proto/crypto/sigkey.h"

/* The private key k (its public part on request), loaded on first use. */
sd_err keycache_private(enum case_key k, struct sigkey **out);
sd_err keycache_public(enum case_key k, struct sigkey **out);
/* The public key blob of k. */
sd_err keycache_blob(enum case_key k, struct span *out);

#endif

/*
 * testkeys.h — the fixed, built-in host and user keys a case names by id
 * (enum case_key).  Fixed so that a case replays identically on any machine:
 * the keys were generated once with ssh-keygen and are embedded as OpenSSH
 * private key text.  Test keys only: they are public in this repository.
 */
#ifndef SSHDIFF_ORACLE_TESTKEYS_H
#define SSHDIFF_ORACLE_TESTKEYS_H

#include "oracle/case.h"
#include "proto/crypto/sigkey.h"

/* The unencrypted OpenSSH private key file text of key k (for libssh's
 * ssh_pki_import_privkey_base64 and for writing key files for OpenSSH). */
const char *testkey_openssh_private(enum case_key k);
/* A new sigkey for k (private); the caller frees it. */
sd_err testkey_load(enum case_key k, struct sigkey **out);
/* The key type, and the signature algorithm names it can serve
 * ("ssh-ed25519"; "rsa-sha2-512,rsa-sha2-256,ssh-rsa"). */
enum sigkey_type testkey_type(enum case_key k);
const char *testkey_algorithms(enum case_key k);
/* The test key whose type fits signature algorithm `alg` (host keys):
 * ed25519-a for ssh-ed25519, the matching ECDSA curve, rsa-3072 for RSA. */
enum case_key testkey_for_alg(struct span alg);

#endif

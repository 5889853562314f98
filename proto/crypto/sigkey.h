/*
 * sigkey.h — host and user keys and their signatures (RFC 4253 section 6.6,
 * RFC 8709 ssh-ed25519, RFC 5656 section 3 ecdsa-sha2-*, RFC 8332
 * rsa-sha2-256/512, RFC 4253 ssh-rsa).  One file per family:
 * sigkey_ed25519.c, sigkey_ecdsa.c, sigkey_rsa.c; sigkey.c holds the algorithm
 * table, blob dispatch and OpenSSH key file parsing.  Crypto is OpenSSL.
 *
 * Signing is deterministic given the rng: Ed25519 and RSA PKCS#1 v1.5 are
 * deterministic anyway; ECDSA takes its nonce k from the rng.
 */
#ifndef SSHDIFF_PROTO_CRYPTO_SIGKEY_H
#define SSHDIFF_PROTO_CRYPTO_SIGKEY_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/types.h>

#include "../rng.h"
#include "../wire.h"

enum sigkey_type {
	SIGKEY_ED25519,
	SIGKEY_ECDSA_P256,
	SIGKEY_ECDSA_P384,
	SIGKEY_ECDSA_P521,
	SIGKEY_RSA,
};

enum sig_hash {
	SIG_HASH_NONE, /* Ed25519 hashes internally */
	SIG_HASH_SHA1,
	SIG_HASH_SHA256,
	SIG_HASH_SHA384,
	SIG_HASH_SHA512,
};

/* A public key algorithm / signature algorithm name. */
struct sig_alg {
	const char *name;     /* "rsa-sha2-256" */
	const char *key_name; /* blob type: "ssh-rsa" */
	enum sigkey_type type;
	enum sig_hash hash;
};

extern const struct sig_alg sig_algs[];
extern const size_t sig_algs_count;
const struct sig_alg *sig_alg_by_name(struct span name);
/* Comma-separated list of every supported algorithm (default proposal). */
const char *sig_default_list(void);
/* OpenSSL's digest for a sig_hash; NULL for SIG_HASH_NONE or a value out of
 * range (the actor passes hashes taken from case mutations). */
const EVP_MD *sig_hash_md(enum sig_hash h);
/* Blob type name of a key type ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"). */
const char *sigkey_type_name(enum sigkey_type t);

struct sigkey;

/* Public key from its SSH blob (RFC 4253 section 6.6).  SD_ERR_KEY_BLOB when
 * malformed (incl. an EC point off the curve), SD_ERR_RSA_KEY_SIZE under
 * 1024 bits, SD_ERR_UNSUPPORTED for an unknown type. */
sd_err sigkey_from_blob(struct span blob, struct sigkey **out);
/* Private key from an unencrypted OpenSSH private key file's text
 * ("-----BEGIN OPENSSH PRIVATE KEY-----", as ssh-keygen -N '' writes).
 * SD_ERR_KEY_FILE for anything else. */
sd_err sigkey_from_openssh_private(struct span file_text, struct sigkey **out);
/* Convenience: reads the file. */
sd_err sigkey_load_file(const char *path, struct sigkey **out);
/* Generates a key (tests): RSA uses the system RNG and bits (>= 1024). */
sd_err sigkey_generate(enum sigkey_type t, unsigned rsa_bits, struct sigkey **out);
/* Ed25519 private key from its 32-byte seed (RFC 8032 section 5.1.5):
 * known-answer tests and fixed test keys. */
sd_err sigkey_from_ed25519_seed(const uint8_t seed[32], struct sigkey **out);
void sigkey_free(struct sigkey *k);

enum sigkey_type sigkey_type(const struct sigkey *k);
bool sigkey_has_private(const struct sigkey *k);
/* Appends the public key blob. */
sd_err sigkey_to_blob(const struct sigkey *k, struct sbuf *out);
/* Appends "type base64(blob)" — an authorized_keys / known_hosts line
 * without newline. */
sd_err sigkey_to_public_line(const struct sigkey *k, struct sbuf *out);
/* Appends the unencrypted OpenSSH private key file text (so tests can hand
 * engine-made keys to OpenSSH and libssh). */
sd_err sigkey_to_openssh_private(const struct sigkey *k, struct sbuf *out);
/* Whether alg can be used with this key (alg->type matches). */
bool sigkey_matches_alg(const struct sigkey *k, const struct sig_alg *alg);

/* Appends a signature blob (string alg->name, string signature) over data.
 * SD_ERR_KEY_TYPE if the key does not fit alg. */
sd_err sigkey_sign(const struct sigkey *k, const struct sig_alg *alg, struct rng *rng, struct span data,
		   struct sbuf *sig_blob);
/* Verifies a signature blob over data for algorithm alg:
 *   SD_ERR_KEY_TYPE      key does not fit alg
 *   SD_ERR_SIG_NAME      the blob's algorithm name is not alg->name
 *   SD_ERR_ED25519_NONCANONICAL  S >= L (RFC 8032 section 5.1.7)
 *   SD_ERR_RSA_SIG_HASH  rsa-sha2-* name but the signature verifies under
 *                        another hash (RFC 8332 section 3; the PuTTY-CAC bug)
 *   SD_ERR_SIGNATURE     does not verify
 *   SD_ERR_KEY_BLOB / SD_ERR_TRUNCATED / SD_ERR_TRAILING  malformed blob */
sd_err sigkey_verify(const struct sigkey *k, const struct sig_alg *alg, struct span sig_blob, struct span data);

/* Same public key? */
bool sigkey_equal_public(const struct sigkey *a, const struct sigkey *b);

#endif

/*
 * sigkey_impl.h — what sigkey.c shares with the per-family files
 * (sigkey_ed25519.c, sigkey_ecdsa.c, sigkey_rsa.c).  Not part of the engine's
 * API.
 *
 * sigkey.c owns everything that is the same for every family: the algorithm
 * table, the blob's and the signature blob's outer layer (the type / algorithm
 * name), the OpenSSH key file envelope and freeing.  A family only reads and
 * writes the fields after the name and does the actual crypto.
 */
#ifndef SSHDIFF_PROTO_CRYPTO_SIGKEY_IMPL_H
#define SSHDIFF_PROTO_CRYPTO_SIGKEY_IMPL_H

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "sigkey.h"

struct sigkey {
	enum sigkey_type type;
	bool has_private;
	EVP_PKEY *pkey; /* ssh-ed25519, ssh-rsa */
	EC_KEY *ec;     /* ecdsa-sha2-*: ECDSA_do_sign_ex needs the EC_KEY */
};

struct sigkey_family {
	/* Public key blob fields after the type name (RFC 4253 section 6.6). */
	sd_err (*pub_parse)(struct sigkey *k, struct sview *v);
	sd_err (*pub_write)(const struct sigkey *k, struct sbuf *out);
	/* OpenSSH private section fields after the type name and before the
	 * comment (PROTOCOL.key). */
	sd_err (*priv_parse)(struct sigkey *k, struct sview *v);
	sd_err (*priv_write)(const struct sigkey *k, struct sbuf *out);
	sd_err (*generate)(struct sigkey *k, unsigned rsa_bits);
	/* The signature blob's inner string: appended by sign, given whole to
	 * verify.  k->type already fits alg. */
	sd_err (*sign)(const struct sigkey *k, const struct sig_alg *alg, struct rng *rng, struct span data,
		       struct sbuf *sig);
	sd_err (*verify)(const struct sigkey *k, const struct sig_alg *alg, struct span sig, struct span data);
};

/* A key of type t with nothing in it yet (families fill pkey / ec). */
struct sigkey *sigkey_alloc(enum sigkey_type t);

extern const struct sigkey_family sigkey_ed25519_family;
extern const struct sigkey_family sigkey_ecdsa_family;
extern const struct sigkey_family sigkey_rsa_family;

/* H(data) into out (EVP_MAX_MD_SIZE bytes). */
sd_err sig_digest(enum sig_hash h, struct span data, uint8_t *out, size_t *out_len);

/* A BIGNUM from an mpint read by sview_get_mpint_positive; *out is NULL on
 * failure.  Secret values get BN_FLG_CONSTTIME. */
sd_err sig_bn_from_mpint(struct span mpint, bool secret, BIGNUM **out);
/* Appends a BIGNUM (>= 0) as an mpint. */
sd_err sig_put_bn(struct sbuf *out, const BIGNUM *bn);

#endif

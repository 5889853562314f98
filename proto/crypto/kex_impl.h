/*
 * kex_impl.h — what kex.c needs from the family files (kex_dh.c,
 * kex_ecdh.c, kex_x25519.c) to dispatch an ephemeral key.  Private to
 * proto/crypto/kex*.c: callers use kex.h only.
 *
 * Each family has the same four operations as struct kex_ephemeral:
 * new (draws the private value from the injected rng), public (appends the
 * wire form without length), shared (validates the peer value, appends K as
 * an mpint with length) and free (wipes the private value).
 */
#ifndef SSHDIFF_PROTO_CRYPTO_KEX_IMPL_H
#define SSHDIFF_PROTO_CRYPTO_KEX_IMPL_H

#include "kex.h"

/* kex_dh.c: finite-field DH, fixed groups and group exchange. */
struct kex_dh;
sd_err kex_dh_new_group(int id, struct rng *rng, struct kex_dh **out);
/* p and g as mpint contents, as received in KEX_DH_GEX_GROUP. */
sd_err kex_dh_new_gex(struct span p, struct span g, struct rng *rng, struct kex_dh **out);
sd_err kex_dh_public(const struct kex_dh *d, struct sbuf *out);
sd_err kex_dh_shared(struct kex_dh *d, struct span peer, struct sbuf *k_out);
void kex_dh_free(struct kex_dh *d);

/* kex_ecdh.c: NIST curves; nid is the OpenSSL curve NID (method group). */
struct kex_ecdh;
sd_err kex_ecdh_new(int nid, struct rng *rng, struct kex_ecdh **out);
sd_err kex_ecdh_public(const struct kex_ecdh *c, struct sbuf *out);
sd_err kex_ecdh_shared(struct kex_ecdh *c, struct span peer, struct sbuf *k_out);
void kex_ecdh_free(struct kex_ecdh *c);

/* kex_x25519.c */
struct kex_x25519;
sd_err kex_x25519_new(struct rng *rng, struct kex_x25519 **out);
sd_err kex_x25519_public(const struct kex_x25519 *x, struct sbuf *out);
sd_err kex_x25519_shared(struct kex_x25519 *x, struct span peer, struct sbuf *k_out);
void kex_x25519_free(struct kex_x25519 *x);

#endif

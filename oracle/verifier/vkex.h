/*
 * vkex.h — the key exchange methods the verifier models: X25519 (RFC 8731,
 * libsodium), ECDH on the NIST curves (RFC 5656), fixed MODP groups (RFC 4253
 * section 8, RFC 8268) and group exchange (RFC 4419), the last three with
 * OpenSSL since libsodium has neither.  Each peer value is checked here and a
 * bad one named by its rule.
 */
#ifndef SSHDIFF_VERIFIER_VKEX_H
#define SSHDIFF_VERIFIER_VKEX_H

#include <stdbool.h>
#include <stdint.h>

#include "oracle/verifier/vhash.h"
#include "oracle/verifier/vwire.h"

enum vkex_kind { VKX_X25519, VKX_ECDH, VKX_DH, VKX_GEX };

struct vkex_method {
	const char *name;
	enum vkex_kind kind;
	enum vhash hash;
	int param; /* DH: RFC 3526 group number; ECDH: OpenSSL curve NID */
};
const struct vkex_method *vkex_by_name(struct vspan name);

/* One exchange, one side. */
struct vkex {
	const struct vkex_method *m;
	uint8_t x_sk[32];
	void *ec;          /* EC_KEY: our ephemeral key */
	void *p, *g, *x;   /* BIGNUM: DH group and our exponent */
	struct vbuf pub;   /* our public value: X25519/ECDH the string content,
			    * DH/GEX the unsigned magnitude of e or f */
	struct vbuf k;     /* K as an mpint, length prefix included */
	/* group exchange (RFC 4419): what the client asked, what it got */
	uint32_t gmin, gn, gmax;
	bool gex_old;      /* KEX_DH_GEX_REQUEST_OLD: only n goes into H */
	struct vbuf gp, gg; /* magnitudes of p and g */
};

void vkex_init(struct vkex *kx, const struct vkex_method *m);
void vkex_free(struct vkex *kx);

/* GEX server: the group closest to n within [min, max] (VR_GEX_REQUEST when
 * min > n or n > max, VR_LIMIT when none of ours fits). */
enum vrule vkex_gex_choose(struct vkex *kx, uint32_t min, uint32_t n, uint32_t max);
/* GEX client: p and g (magnitudes) from KEX_DH_GEX_GROUP: size within the
 * requested bounds, p odd, 1 < g < p-1 (VR_GEX_GROUP). */
enum vrule vkex_gex_accept(struct vkex *kx, struct vspan p, struct vspan g);

/* Our ephemeral key (the DH group must be known: fixed, chosen or accepted). */
enum vrule vkex_keygen(struct vkex *kx, struct vrng *rng);
/* K from the peer's value (string content or mpint magnitude, as pub). */
enum vrule vkex_derive(struct vkex *kx, struct vspan peer);

#endif

/*
 * kex.h — key exchange methods (RFC 4253 section 8, RFC 4419, RFC 5656,
 * RFC 8268, RFC 8731, curve25519-sha256@libssh.org), the exchange hash H and
 * key derivation (RFC 4253 section 7.2).  One file per family:
 * kex_dh.c (fixed groups 14/16/18 and group exchange), kex_ecdh.c (NIST
 * curves), kex_x25519.c; kex.c holds the method table, H and the KDF.
 *
 * Crypto is OpenSSL libcrypto.  Every peer value is validated here, with the
 * error naming the rule: SD_ERR_DH_RANGE, SD_ERR_ECDH_POINT,
 * SD_ERR_X25519_LENGTH, SD_ERR_X25519_ZERO, SD_ERR_GEX_GROUP.
 */
#ifndef SSHDIFF_PROTO_CRYPTO_KEX_H
#define SSHDIFF_PROTO_CRYPTO_KEX_H

#include <stdbool.h>
#include <stdint.h>

#include "../rng.h"
#include "../wire.h"

#define KEX_HASH_MAX 64 /* SHA-512 */

enum kex_family {
	KEX_FAMILY_DH,     /* fixed group: KEXDH_INIT/REPLY, e/f as mpint */
	KEX_FAMILY_GEX,    /* RFC 4419: group chosen by the server */
	KEX_FAMILY_ECDH,   /* RFC 5656: NIST curves, Q as string */
	KEX_FAMILY_X25519, /* RFC 8731 */
};

enum kex_hash {
	KEX_HASH_SHA1,
	KEX_HASH_SHA256,
	KEX_HASH_SHA384,
	KEX_HASH_SHA512,
};

struct kex_method {
	const char *name;
	enum kex_family family;
	enum kex_hash hash;
	int group; /* DH: 14, 16, 18; ECDH: OpenSSL curve NID; else 0 */
};

/* All supported methods, in the engine's default preference order. */
extern const struct kex_method kex_methods[];
extern const size_t kex_methods_count;
const struct kex_method *kex_method_by_name(struct span name);
/* Comma-separated list of every supported method name (default proposal). */
const char *kex_default_list(void);
/* Digest length of the method's hash (20, 32, 48, 64). */
size_t kex_hash_len(enum kex_hash h);

/* Fixed MODP groups for DH and for a GEX server to choose from
 * (RFC 3526 group 14 = 2048, 15 = 3072, 16 = 4096, 17 = 6144, 18 = 8192). */
struct kex_dh_group {
	int id;
	unsigned bits;
	struct span p; /* big-endian magnitude */
	struct span g;
};
const struct kex_dh_group *kex_dh_group_by_id(int id);
/* GEX server (RFC 4419 section 3): the group whose size is closest to n
 * within [min, max]; SD_ERR_GEX_REQUEST when min > n or n > max, or
 * SD_ERR_GEX_GROUP when no group fits. */
sd_err kex_dh_group_choose(uint32_t min, uint32_t n, uint32_t max, const struct kex_dh_group **out);
/* GEX client: checks p and g received in KEX_DH_GEX_GROUP (mpint contents):
 * bit size within [min, max], p odd, 1 < g < p-1.  SD_ERR_GEX_GROUP. */
sd_err kex_gex_group_check(struct span p, struct span g, uint32_t min, uint32_t max);

/* One side's ephemeral key for one exchange. */
struct kex_ephemeral;

/* Generates our ephemeral key from rng.  For GEX pass the group's p and g
 * (mpint contents); for other families they are ignored (SPAN_NULL). */
sd_err kex_ephemeral_new(const struct kex_method *m, struct span gex_p, struct span gex_g, struct rng *rng,
			 struct kex_ephemeral **out);
void kex_ephemeral_free(struct kex_ephemeral *k);
/* Appends our public value as it goes on the wire, without the length
 * prefix: DH/GEX the mpint content (canonical), ECDH the uncompressed point,
 * X25519 the 32 bytes. */
sd_err kex_ephemeral_public(const struct kex_ephemeral *k, struct sbuf *out);
/* Validates the peer's public value (same encoding as above) and appends
 * the shared secret K encoded as an SSH mpint *with* its uint32 length, as it
 * enters the exchange hash and the KDF (for X25519 K is the 32 bytes read as
 * a big-endian number, RFC 8731 section 3). */
sd_err kex_ephemeral_shared(struct kex_ephemeral *k, struct span peer_pub, struct sbuf *k_out);

/* Inputs of the exchange hash (RFC 4253 section 8, RFC 4419 section 3,
 * RFC 5656 section 4).  Version strings without CR LF; kexinits are the
 * whole payloads; q_c/q_s as on the wire without length (they are hashed
 * as mpint for DH/GEX, as string for ECDH/X25519); k is the mpint with its
 * length as produced by kex_ephemeral_shared. */
struct kex_hash_input {
	struct span v_c, v_s, i_c, i_s, k_s;
	bool gex_old; /* GEX_REQUEST_OLD: only n is hashed */
	uint32_t gex_min, gex_n, gex_max;
	struct span gex_p, gex_g;
	struct span q_c, q_s;
	struct span k;
};
sd_err kex_exchange_hash(const struct kex_method *m, const struct kex_hash_input *in, uint8_t out[KEX_HASH_MAX],
			 size_t *out_len);

/* Key derivation, RFC 4253 section 7.2, with the method's hash:
 * HASH(K || H || letter || session_id), extended by HASH(K || H || K1 ...)
 * until need bytes.  k is the mpint with length, as above. */
sd_err kex_derive(const struct kex_method *m, struct span k, struct span h, struct span session_id, char letter,
		  uint8_t *out, size_t need);

#endif

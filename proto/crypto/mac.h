/*
 * mac.h — MAC algorithms (RFC 4253 section 6.4, RFC 6668 hmac-sha2-*,
 * OpenSSH's *-etm@openssh.com encrypt-then-MAC forms).  Crypto is OpenSSL.
 */
#ifndef SSHDIFF_PROTO_CRYPTO_MAC_H
#define SSHDIFF_PROTO_CRYPTO_MAC_H

#include <stdbool.h>
#include <stdint.h>

#include "../wire.h"

enum mac_hash { MAC_HASH_SHA1, MAC_HASH_SHA256, MAC_HASH_SHA512 };

struct mac_alg {
	const char *name;
	enum mac_hash hash;
	size_t key_len; /* bytes of key to derive */
	size_t mac_len; /* bytes on the wire */
	bool etm;       /* MAC over the encrypted packet, length in clear */
};

extern const struct mac_alg mac_algs[];
extern const size_t mac_algs_count;
const struct mac_alg *mac_alg_by_name(struct span name);
const char *mac_default_list(void);

/* mac = HMAC(key, uint32 seqnr || data), truncated to alg->mac_len. */
sd_err mac_compute(const struct mac_alg *alg, const uint8_t *key, uint32_t seqnr, struct span data, uint8_t *mac);
/* Constant-time check; SD_ERR_MAC on mismatch. */
sd_err mac_check(const struct mac_alg *alg, const uint8_t *key, uint32_t seqnr, struct span data, const uint8_t *mac);

#endif

/*
 * mac.c — HMAC-based MACs: hmac-sha1 (RFC 4253 section 6.4), hmac-sha2-256
 * and hmac-sha2-512 (RFC 6668), and OpenSSH's *-etm@openssh.com forms, which
 * compute the same function over different bytes (the packet layer decides
 * which).  HMAC is OpenSSL's EVP_MAC.
 */
#include "mac.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* Preference order of mac_default_list().  RFC 6668 section 2 and RFC 4253
 * section 6.4: key length = digest length = MAC length for all of these. */
const struct mac_alg mac_algs[] = {
	{"hmac-sha2-256-etm@openssh.com", MAC_HASH_SHA256, 32, 32, true},
	{"hmac-sha2-512-etm@openssh.com", MAC_HASH_SHA512, 64, 64, true},
	{"hmac-sha1-etm@openssh.com", MAC_HASH_SHA1, 20, 20, true},
	{"hmac-sha2-256", MAC_HASH_SHA256, 32, 32, false},
	{"hmac-sha2-512", MAC_HASH_SHA512, 64, 64, false},
	{"hmac-sha1", MAC_HASH_SHA1, 20, 20, false},
};
const size_t mac_algs_count = sizeof mac_algs / sizeof mac_algs[0];

/* Must list mac_algs in table order (test_cipher checks it). */
static const char default_list[] = "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
				   "hmac-sha1-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1";

const struct mac_alg *mac_alg_by_name(struct span name)
{
	for (size_t i = 0; i < mac_algs_count; i++)
		if (span_eq_cstr(name, mac_algs[i].name))
			return &mac_algs[i];
	return NULL;
}

const char *mac_default_list(void)
{
	return default_list;
}

static const char *digest_name(enum mac_hash h)
{
	switch (h) {
	case MAC_HASH_SHA1:
		return "SHA1";
	case MAC_HASH_SHA256:
		return "SHA256";
	case MAC_HASH_SHA512:
		return "SHA512";
	}
	return NULL;
}

#define MAC_MAX 64

/* The full HMAC; mac_len <= digest length for every algorithm in the table. */
static sd_err hmac(const struct mac_alg *alg, const uint8_t *key, uint32_t seqnr, struct span data,
		   uint8_t out[MAC_MAX])
{
	const char *digest = digest_name(alg->hash);
	if (!digest || alg->mac_len > MAC_MAX)
		return SD_ERR_UNSUPPORTED;
	/* RFC 4253 section 6.4: mac = MAC(key, sequence_number || packet). */
	uint8_t seq[4] = {(uint8_t)(seqnr >> 24), (uint8_t)(seqnr >> 16), (uint8_t)(seqnr >> 8), (uint8_t)seqnr};
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t outl = 0;
	sd_err e = SD_ERR_INTERNAL;
	if (ctx && EVP_MAC_init(ctx, key, alg->key_len, params) == 1 && EVP_MAC_update(ctx, seq, sizeof seq) == 1 &&
	    (data.len == 0 || EVP_MAC_update(ctx, data.p, data.len) == 1) &&
	    EVP_MAC_final(ctx, out, &outl, MAC_MAX) == 1 && outl >= alg->mac_len)
		e = SD_OK;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return e;
}

sd_err mac_compute(const struct mac_alg *alg, const uint8_t *key, uint32_t seqnr, struct span data, uint8_t *mac)
{
	uint8_t full[MAC_MAX];
	sd_err e = hmac(alg, key, seqnr, data, full);
	if (e == SD_OK)
		memcpy(mac, full, alg->mac_len);
	wipe(full, sizeof full);
	return e;
}

sd_err mac_check(const struct mac_alg *alg, const uint8_t *key, uint32_t seqnr, struct span data, const uint8_t *mac)
{
	uint8_t full[MAC_MAX];
	sd_err e = hmac(alg, key, seqnr, data, full);
	if (e == SD_OK && !ct_memeq(full, mac, alg->mac_len))
		e = SD_ERR_MAC;
	wipe(full, sizeof full);
	return e;
}

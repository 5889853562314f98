/*
 * cipher_aesgcm.c — aes128-gcm@openssh.com and aes256-gcm@openssh.com
 * (RFC 5647, as OpenSSH uses it: the 4-byte packet_length is the AAD).
 *
 * RFC 5647 section 7.1: the 12-byte nonce is a 4-byte fixed field followed
 * by an 8-byte big-endian invocation counter, both from the derived IV; the
 * counter is incremented after each packet.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cipher_impl.h"

#define GCM_NONCE 12
#define GCM_TAG 16

struct aesgcm {
	EVP_CIPHER_CTX *evp;
	bool encrypt;
	uint8_t nonce[GCM_NONCE];
	/* Decryption lands here until the tag verifies, so a forged packet
	 * leaves the caller's buffer untouched (cipher.h). */
	struct sbuf scratch;
};

sd_err aesgcm_new(const struct cipher_alg *alg, bool encrypt, const uint8_t *key, const uint8_t *iv,
		  struct aesgcm **out)
{
	*out = NULL;
	const EVP_CIPHER *type = alg->key_len == 16 ? EVP_aes_128_gcm() : alg->key_len == 32 ? EVP_aes_256_gcm() : NULL;
	if (!type || alg->iv_len != GCM_NONCE)
		return SD_ERR_UNSUPPORTED;
	struct aesgcm *g = calloc(1, sizeof *g);
	if (!g)
		return SD_ERR_NOMEM;
	g->encrypt = encrypt;
	memcpy(g->nonce, iv, GCM_NONCE);
	sbuf_init(&g->scratch);
	g->evp = EVP_CIPHER_CTX_new();
	sd_err e = g->evp ? SD_OK : SD_ERR_NOMEM;
	if (e == SD_OK && EVP_CipherInit_ex(g->evp, type, NULL, key, NULL, encrypt ? 1 : 0) != 1)
		e = SD_ERR_INTERNAL;
	if (e != SD_OK) {
		aesgcm_free(g);
		return e;
	}
	*out = g;
	return SD_OK;
}

void aesgcm_free(struct aesgcm *g)
{
	if (!g)
		return;
	EVP_CIPHER_CTX_free(g->evp);
	sbuf_free(&g->scratch);
	wipe(g->nonce, sizeof g->nonce);
	free(g);
}

/* RFC 5647 section 7.1: invocation_counter += 1, as a 64-bit integer. */
static void nonce_next(uint8_t nonce[GCM_NONCE])
{
	for (int i = GCM_NONCE - 1; i >= 4; i--)
		if (++nonce[i] != 0)
			break;
}

static sd_err begin(struct aesgcm *g, const uint8_t *aad, size_t aadlen)
{
	int outl = 0;
	if (aadlen > INT_MAX)
		return SD_ERR_LIMIT;
	if (EVP_CipherInit_ex(g->evp, NULL, NULL, NULL, g->nonce, -1) != 1)
		return SD_ERR_INTERNAL;
	if (aadlen && EVP_CipherUpdate(g->evp, NULL, &outl, aad, (int)aadlen) != 1)
		return SD_ERR_INTERNAL;
	return SD_OK;
}

static sd_err seal(struct aesgcm *g, uint8_t *dst, const uint8_t *src, size_t aadlen, size_t len)
{
	int outl = 0;
	sd_err e = begin(g, src, aadlen);
	if (e != SD_OK)
		return e;
	cipher_copy_aad(dst, src, aadlen);
	e = cipher_evp_update(g->evp, dst + aadlen, src + aadlen, len);
	if (e == SD_OK && (EVP_CipherFinal_ex(g->evp, dst + aadlen + len, &outl) != 1 || outl != 0 ||
			   EVP_CIPHER_CTX_ctrl(g->evp, EVP_CTRL_GCM_GET_TAG, GCM_TAG, dst + aadlen + len) != 1))
		e = SD_ERR_INTERNAL;
	return e;
}

static sd_err open_(struct aesgcm *g, uint8_t *dst, const uint8_t *src, size_t aadlen, size_t len)
{
	uint8_t tag[GCM_TAG], *plain = NULL;
	int outl = 0;
	memcpy(tag, src + aadlen + len, GCM_TAG);
	sbuf_reset(&g->scratch);
	sd_err e = sbuf_reserve(&g->scratch, len + GCM_TAG, &plain);
	if (e == SD_OK)
		e = begin(g, src, aadlen);
	if (e == SD_OK && EVP_CIPHER_CTX_ctrl(g->evp, EVP_CTRL_GCM_SET_TAG, GCM_TAG, tag) != 1)
		e = SD_ERR_INTERNAL;
	if (e == SD_OK)
		e = cipher_evp_update(g->evp, plain, src + aadlen, len);
	/* Final is where OpenSSL compares the tag (in constant time). */
	if (e == SD_OK && EVP_CipherFinal_ex(g->evp, plain + len, &outl) != 1)
		e = SD_ERR_MAC;
	if (e == SD_OK) {
		cipher_copy_aad(dst, src, aadlen);
		memcpy(dst + aadlen, plain, len);
	}
	sbuf_reset(&g->scratch);
	return e;
}

sd_err aesgcm_crypt(struct aesgcm *g, uint8_t *dst, const uint8_t *src, size_t aadlen, size_t len)
{
	sd_err e = g->encrypt ? seal(g, dst, src, aadlen, len) : open_(g, dst, src, aadlen, len);
	if (e == SD_OK)
		nonce_next(g->nonce);
	return e;
}

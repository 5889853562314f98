/*
 * cipher_aesctr.c — aes128-ctr, aes192-ctr, aes256-ctr (RFC 4344 section 4).
 *
 * The counter is the whole 128-bit IV, big-endian, and runs on across
 * packets: the context is stateful, so every byte must be transformed
 * exactly once and in order (the packet layer keeps the first block it
 * decrypted while waiting for the rest of a packet).
 */
#include <stdlib.h>

#include <openssl/evp.h>

#include "cipher_impl.h"

struct aesctr {
	EVP_CIPHER_CTX *evp;
};

static const EVP_CIPHER *ctr_type(size_t key_len)
{
	switch (key_len) {
	case 16:
		return EVP_aes_128_ctr();
	case 24:
		return EVP_aes_192_ctr();
	case 32:
		return EVP_aes_256_ctr();
	default:
		return NULL;
	}
}

sd_err aesctr_new(const struct cipher_alg *alg, const uint8_t *key, const uint8_t *iv, struct aesctr **out)
{
	*out = NULL;
	const EVP_CIPHER *type = ctr_type(alg->key_len);
	if (!type || alg->iv_len != 16)
		return SD_ERR_UNSUPPORTED;
	struct aesctr *a = calloc(1, sizeof *a);
	if (!a)
		return SD_ERR_NOMEM;
	a->evp = EVP_CIPHER_CTX_new();
	sd_err e = a->evp ? SD_OK : SD_ERR_NOMEM;
	/* CTR encryption and decryption are the same keystream XOR. */
	if (e == SD_OK && EVP_EncryptInit_ex(a->evp, type, NULL, key, iv) != 1)
		e = SD_ERR_INTERNAL;
	if (e != SD_OK) {
		aesctr_free(a);
		return e;
	}
	*out = a;
	return SD_OK;
}

void aesctr_free(struct aesctr *a)
{
	if (!a)
		return;
	EVP_CIPHER_CTX_free(a->evp);
	free(a);
}

sd_err aesctr_crypt(struct aesctr *a, uint8_t *dst, const uint8_t *src, size_t aadlen, size_t len)
{
	cipher_copy_aad(dst, src, aadlen);
	return cipher_evp_update(a->evp, dst + aadlen, src + aadlen, len);
}

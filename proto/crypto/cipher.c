/*
 * cipher.c — the table of encryption algorithms and the dispatch from a
 * cipher_ctx to its family (cipher_chachapoly.c, cipher_aesgcm.c,
 * cipher_aesctr.c).  "none" (RFC 4253 section 6.3) is handled here.
 */
#include "cipher.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "cipher_impl.h"

/* Preference order of cipher_default_list(); "none" is deliberately absent
 * (it is found by name, offered only when configured). */
const struct cipher_alg cipher_algs[] = {
	/* OpenSSH PROTOCOL.chacha20poly1305: two 256-bit keys, no IV */
	{"chacha20-poly1305@openssh.com", CIPHER_CHACHAPOLY, 64, 0, 8, 16},
	/* RFC 5647 section 7.1 as OpenSSH does it: 12-byte nonce */
	{"aes128-gcm@openssh.com", CIPHER_GCM, 16, 12, 16, 16},
	{"aes256-gcm@openssh.com", CIPHER_GCM, 32, 12, 16, 16},
	/* RFC 4344 section 4 */
	{"aes128-ctr", CIPHER_CTR, 16, 16, 16, 0},
	{"aes192-ctr", CIPHER_CTR, 24, 16, 16, 0},
	{"aes256-ctr", CIPHER_CTR, 32, 16, 16, 0},
};
const size_t cipher_algs_count = sizeof cipher_algs / sizeof cipher_algs[0];

/* RFC 4253 section 6.3: block size 8 for alignment with "none". */
const struct cipher_alg cipher_none = {"none", CIPHER_NONE, 0, 0, 8, 0};

/* Must list cipher_algs in table order (test_cipher checks it). */
static const char default_list[] = "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,"
				   "aes128-ctr,aes192-ctr,aes256-ctr";

const struct cipher_alg *cipher_alg_by_name(struct span name)
{
	for (size_t i = 0; i < cipher_algs_count; i++)
		if (span_eq_cstr(name, cipher_algs[i].name))
			return &cipher_algs[i];
	if (span_eq_cstr(name, cipher_none.name))
		return &cipher_none;
	return NULL;
}

const char *cipher_default_list(void)
{
	return default_list;
}

struct cipher_ctx {
	const struct cipher_alg *alg;
	bool encrypt;
	union {
		struct chachapoly *chachapoly;
		struct aesgcm *aesgcm;
		struct aesctr *aesctr;
	} u;
};

sd_err cipher_evp_update(EVP_CIPHER_CTX *evp, uint8_t *out, const uint8_t *in, size_t len)
{
	while (len > 0) {
		int chunk = len > INT_MAX / 2 ? INT_MAX / 2 : (int)len, outl = 0;
		if (EVP_CipherUpdate(evp, out, &outl, in, chunk) != 1 || outl != chunk)
			return SD_ERR_INTERNAL;
		out += chunk;
		in += chunk;
		len -= (size_t)chunk;
	}
	return SD_OK;
}

static EVP_CIPHER *chacha20;
static once_flag chacha20_once = ONCE_FLAG_INIT;

/* Kept for the life of the process (the provider holds it anyway). */
static void chacha20_fetch(void)
{
	chacha20 = EVP_CIPHER_fetch(NULL, "ChaCha20", NULL);
}

const EVP_CIPHER *cipher_chacha20(void)
{
	call_once(&chacha20_once, chacha20_fetch);
	return chacha20;
}

void cipher_copy_aad(uint8_t *dst, const uint8_t *src, size_t aadlen)
{
	if (aadlen && dst != src)
		memmove(dst, src, aadlen);
}

sd_err cipher_ctx_new(const struct cipher_alg *alg, bool encrypt, const uint8_t *key, const uint8_t *iv,
		      struct cipher_ctx **out)
{
	*out = NULL;
	if (!alg || (alg->key_len && !key) || (alg->iv_len && !iv))
		return SD_ERR_INVALID_ARG;
	struct cipher_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return SD_ERR_NOMEM;
	c->alg = alg;
	c->encrypt = encrypt;
	sd_err e = SD_OK;
	switch (alg->mode) {
	case CIPHER_NONE:
		break;
	case CIPHER_CTR:
		e = aesctr_new(alg, key, iv, &c->u.aesctr);
		break;
	case CIPHER_GCM:
		e = aesgcm_new(alg, encrypt, key, iv, &c->u.aesgcm);
		break;
	case CIPHER_CHACHAPOLY:
		e = chachapoly_new(key, &c->u.chachapoly);
		break;
	default:
		e = SD_ERR_UNSUPPORTED;
	}
	if (e != SD_OK) {
		free(c);
		return e;
	}
	*out = c;
	return SD_OK;
}

void cipher_ctx_free(struct cipher_ctx *c)
{
	if (!c)
		return;
	switch (c->alg->mode) {
	case CIPHER_CTR:
		aesctr_free(c->u.aesctr);
		break;
	case CIPHER_GCM:
		aesgcm_free(c->u.aesgcm);
		break;
	case CIPHER_CHACHAPOLY:
		chachapoly_free(c->u.chachapoly);
		break;
	default:
		break;
	}
	free(c);
}

const struct cipher_alg *cipher_ctx_alg(const struct cipher_ctx *c)
{
	return c->alg;
}

sd_err cipher_crypt(struct cipher_ctx *c, uint32_t seqnr, uint8_t *dst, const uint8_t *src, size_t aadlen,
		    size_t len)
{
	switch (c->alg->mode) {
	case CIPHER_NONE:
		cipher_copy_aad(dst, src, aadlen + len);
		return SD_OK;
	case CIPHER_CTR:
		return aesctr_crypt(c->u.aesctr, dst, src, aadlen, len);
	case CIPHER_GCM:
		return aesgcm_crypt(c->u.aesgcm, dst, src, aadlen, len);
	case CIPHER_CHACHAPOLY:
		return chachapoly_crypt(c->u.chachapoly, c->encrypt, seqnr, dst, src, aadlen, len);
	}
	return SD_ERR_UNSUPPORTED;
}

sd_err cipher_chachapoly_length(struct cipher_ctx *c, uint32_t seqnr, const uint8_t enc_len[4], uint32_t *plen)
{
	if (c->alg->mode != CIPHER_CHACHAPOLY)
		return SD_ERR_INVALID_ARG;
	return chachapoly_length(c->u.chachapoly, seqnr, enc_len, plen);
}

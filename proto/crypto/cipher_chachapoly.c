/*
 * cipher_chachapoly.c — chacha20-poly1305@openssh.com, OpenSSH
 * PROTOCOL.chacha20poly1305.
 *
 * The 64-byte key is K_2 (first 32 bytes, the packet body) || K_1 (last 32,
 * the 4-byte packet length).  Both run the original ChaCha20 with a 64-bit
 * block counter and a 64-bit nonce, the nonce being the sequence number as
 * a big-endian uint64.  The Poly1305 key is the first 32 bytes of K_2's
 * block 0; the body is encrypted from block 1; the tag covers encrypted
 * length || encrypted body.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cipher_impl.h"

#define CP_KEY 32
#define CP_TAG 16
#define CP_BLOCK 64

struct chachapoly {
	EVP_CIPHER_CTX *body;   /* K_2 */
	EVP_CIPHER_CTX *length; /* K_1 */
	EVP_MAC_CTX *poly;
};

static sd_err evp_key(EVP_CIPHER_CTX **evp, const uint8_t *key)
{
	*evp = EVP_CIPHER_CTX_new();
	if (!*evp)
		return SD_ERR_NOMEM;
	/* ChaCha20 is a stream cipher: encrypting and decrypting are the same
	 * XOR, so the context is always set up to "encrypt". */
	const EVP_CIPHER *chacha20 = cipher_chacha20();
	if (!chacha20 || EVP_EncryptInit_ex(*evp, chacha20, NULL, key, NULL) != 1)
		return SD_ERR_INTERNAL;
	return SD_OK;
}

sd_err chachapoly_new(const uint8_t key[64], struct chachapoly **out)
{
	*out = NULL;
	struct chachapoly *cp = calloc(1, sizeof *cp);
	if (!cp)
		return SD_ERR_NOMEM;
	sd_err e = evp_key(&cp->body, key);
	if (e == SD_OK)
		e = evp_key(&cp->length, key + CP_KEY);
	if (e == SD_OK) {
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
		cp->poly = mac ? EVP_MAC_CTX_new(mac) : NULL;
		EVP_MAC_free(mac); /* the context holds its own reference */
		if (!cp->poly)
			e = SD_ERR_INTERNAL;
	}
	if (e != SD_OK) {
		chachapoly_free(cp);
		return e;
	}
	*out = cp;
	return SD_OK;
}

void chachapoly_free(struct chachapoly *cp)
{
	if (!cp)
		return;
	EVP_CIPHER_CTX_free(cp->body);
	EVP_CIPHER_CTX_free(cp->length);
	EVP_MAC_CTX_free(cp->poly);
	free(cp);
}

/*
 * Positions a context at block 0 of the stream for seqnr.  OpenSSL's 16-byte
 * ChaCha20 IV is a 32-bit little-endian counter then a 96-bit nonce, i.e.
 * state words 12..15 in order; OpenSSH's variant puts a 64-bit counter in
 * words 12..13 and the 64-bit nonce in 14..15.  So: counter 0 in bytes 0..3,
 * the counter's high half (0) in 4..7, uint64 seqnr big-endian in 8..15.
 */
static sd_err evp_start(EVP_CIPHER_CTX *evp, uint32_t seqnr)
{
	uint8_t iv[16] = {0};
	iv[12] = (uint8_t)(seqnr >> 24);
	iv[13] = (uint8_t)(seqnr >> 16);
	iv[14] = (uint8_t)(seqnr >> 8);
	iv[15] = (uint8_t)seqnr;
	return EVP_EncryptInit_ex(evp, NULL, NULL, NULL, iv) == 1 ? SD_OK : SD_ERR_INTERNAL;
}

/* Starts the body stream for seqnr and takes the Poly1305 key from block 0,
 * leaving the stream at block 1 where the body begins. */
static sd_err body_start(struct chachapoly *cp, uint32_t seqnr, uint8_t poly_key[CP_BLOCK])
{
	memset(poly_key, 0, CP_BLOCK);
	sd_err e = evp_start(cp->body, seqnr);
	if (e == SD_OK)
		e = cipher_evp_update(cp->body, poly_key, poly_key, CP_BLOCK);
	return e;
}

static sd_err poly1305(struct chachapoly *cp, const uint8_t key[CP_KEY], const uint8_t *data, size_t n,
		       uint8_t tag[CP_TAG])
{
	size_t outl = 0;
	if (EVP_MAC_init(cp->poly, key, CP_KEY, NULL) != 1 || EVP_MAC_update(cp->poly, data, n) != 1 ||
	    EVP_MAC_final(cp->poly, tag, &outl, CP_TAG) != 1 || outl != CP_TAG)
		return SD_ERR_INTERNAL;
	return SD_OK;
}

static sd_err seal(struct chachapoly *cp, uint32_t seqnr, uint8_t *dst, const uint8_t *src, size_t aadlen,
		   size_t len)
{
	uint8_t poly_key[CP_BLOCK];
	sd_err e = evp_start(cp->length, seqnr);
	if (e == SD_OK)
		e = cipher_evp_update(cp->length, dst, src, aadlen);
	if (e == SD_OK)
		e = body_start(cp, seqnr, poly_key);
	if (e == SD_OK)
		e = cipher_evp_update(cp->body, dst + aadlen, src + aadlen, len);
	if (e == SD_OK)
		e = poly1305(cp, poly_key, dst, aadlen + len, dst + aadlen + len);
	wipe(poly_key, sizeof poly_key);
	return e;
}

/* The tag is checked before anything is decrypted (PROTOCOL.chacha20poly1305:
 * "the MAC is verified before decryption"). */
static sd_err open_(struct chachapoly *cp, uint32_t seqnr, uint8_t *dst, const uint8_t *src, size_t aadlen,
		    size_t len)
{
	uint8_t poly_key[CP_BLOCK], tag[CP_TAG];
	sd_err e = body_start(cp, seqnr, poly_key);
	if (e == SD_OK)
		e = poly1305(cp, poly_key, src, aadlen + len, tag);
	if (e == SD_OK && !ct_memeq(tag, src + aadlen + len, CP_TAG))
		e = SD_ERR_MAC;
	if (e == SD_OK)
		e = cipher_evp_update(cp->body, dst + aadlen, src + aadlen, len);
	if (e == SD_OK)
		e = evp_start(cp->length, seqnr);
	if (e == SD_OK)
		e = cipher_evp_update(cp->length, dst, src, aadlen);
	wipe(poly_key, sizeof poly_key);
	return e;
}

sd_err chachapoly_crypt(struct chachapoly *cp, bool encrypt, uint32_t seqnr, uint8_t *dst, const uint8_t *src,
			size_t aadlen, size_t len)
{
	return encrypt ? seal(cp, seqnr, dst, src, aadlen, len) : open_(cp, seqnr, dst, src, aadlen, len);
}

sd_err chachapoly_length(struct chachapoly *cp, uint32_t seqnr, const uint8_t enc_len[4], uint32_t *plen)
{
	uint8_t b[4];
	sd_err e = evp_start(cp->length, seqnr);
	if (e == SD_OK)
		e = cipher_evp_update(cp->length, b, enc_len, 4);
	if (e != SD_OK)
		return e;
	struct sview v = sview_make(b, sizeof b);
	return sview_get_u32(&v, plen);
}

/*
 * cipher.h — encryption algorithms for the binary packet protocol:
 * chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305),
 * aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647 as OpenSSH does
 * it: packet_length is AAD), aes128/192/256-ctr (RFC 4344), and "none".
 * One file per family: cipher_chachapoly.c, cipher_aesgcm.c, cipher_aesctr.c;
 * cipher.c holds the table.  Crypto is OpenSSL.
 *
 * How a mode frames a packet (length encrypted or not, tag, nonce per
 * sequence number) is the packet layer's business; this file offers the
 * primitive each needs.
 */
#ifndef SSHDIFF_PROTO_CRYPTO_CIPHER_H
#define SSHDIFF_PROTO_CRYPTO_CIPHER_H

#include <stdbool.h>
#include <stdint.h>

#include "../wire.h"

enum cipher_mode {
	CIPHER_NONE,
	CIPHER_CTR,
	CIPHER_GCM,
	CIPHER_CHACHAPOLY,
};

struct cipher_alg {
	const char *name;
	enum cipher_mode mode;
	size_t key_len;    /* bytes of key to derive */
	size_t iv_len;     /* bytes of IV to derive (0 for chacha20-poly1305) */
	size_t block_size; /* packet alignment (8 for none and chacha) */
	size_t tag_len;    /* AEAD tag (16) or 0: then a MAC is negotiated */
};

extern const struct cipher_alg cipher_algs[];
extern const size_t cipher_algs_count;
const struct cipher_alg *cipher_alg_by_name(struct span name);
const char *cipher_default_list(void);
extern const struct cipher_alg cipher_none;

struct cipher_ctx;
sd_err cipher_ctx_new(const struct cipher_alg *alg, bool encrypt, const uint8_t *key, const uint8_t *iv,
		      struct cipher_ctx **out);
void cipher_ctx_free(struct cipher_ctx *c);
const struct cipher_alg *cipher_ctx_alg(const struct cipher_ctx *c);

/*
 * Shaped like OpenSSH's cipher_crypt: transform len bytes of src into dst
 * after aadlen bytes that are authenticated but (except for chacha20-poly1305's
 * length, which is encrypted with its own key) not encrypted.  With tag_len,
 * encryption appends the tag at dst + aadlen + len, decryption checks the
 * one at src + aadlen + len (SD_ERR_MAC, dst untouched).  seqnr selects the
 * nonce for chacha20-poly1305; GCM's nonce counts invocations itself.
 */
sd_err cipher_crypt(struct cipher_ctx *c, uint32_t seqnr, uint8_t *dst, const uint8_t *src, size_t aadlen,
		    size_t len);
/* chacha20-poly1305 only: decrypts the 4-byte packet length without
 * consuming anything, so the packet layer can wait for the whole packet. */
sd_err cipher_chachapoly_length(struct cipher_ctx *c, uint32_t seqnr, const uint8_t enc_len[4], uint32_t *plen);

#endif

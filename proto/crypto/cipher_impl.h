/*
 * cipher_impl.h — private to proto/crypto/cipher*.c: what each cipher family
 * file offers to the dispatcher in cipher.c.  Each family keeps its own state
 * type, opaque to everyone else.
 */
#ifndef SSHDIFF_PROTO_CRYPTO_CIPHER_IMPL_H
#define SSHDIFF_PROTO_CRYPTO_CIPHER_IMPL_H

#include <openssl/evp.h>

#include "cipher.h"

/* EVP_CipherUpdate over a size_t length (EVP counts in int); out may equal
 * in.  Every family goes through it, so chunking lives in one place. */
sd_err cipher_evp_update(EVP_CIPHER_CTX *evp, uint8_t *out, const uint8_t *in, size_t len);

/* OpenSSL's ChaCha20 (RFC 8439 IV layout), fetched from the provider once
 * per process: naming it by EVP_chacha20() in every EVP_EncryptInit_ex
 * repeats the provider-store lookup, which cost more than encrypting a
 * packet (bench/RESULTS.md).  NULL if OpenSSL has none. */
const EVP_CIPHER *cipher_chacha20(void);

/* The "aad" bytes ahead of the encrypted part travel unchanged (ctr, gcm,
 * none): copy them unless the caller works in place. */
void cipher_copy_aad(uint8_t *dst, const uint8_t *src, size_t aadlen);

/* chacha20-poly1305@openssh.com (cipher_chachapoly.c) */
struct chachapoly;
sd_err chachapoly_new(const uint8_t key[64], struct chachapoly **out);
void chachapoly_free(struct chachapoly *cp);
sd_err chachapoly_crypt(struct chachapoly *cp, bool encrypt, uint32_t seqnr, uint8_t *dst, const uint8_t *src,
			size_t aadlen, size_t len);
sd_err chachapoly_length(struct chachapoly *cp, uint32_t seqnr, const uint8_t enc_len[4], uint32_t *plen);

/* aes128/256-gcm@openssh.com (cipher_aesgcm.c) */
struct aesgcm;
sd_err aesgcm_new(const struct cipher_alg *alg, bool encrypt, const uint8_t *key, const uint8_t *iv,
		  struct aesgcm **out);
void aesgcm_free(struct aesgcm *g);
sd_err aesgcm_crypt(struct aesgcm *g, uint8_t *dst, const uint8_t *src, size_t aadlen, size_t len);

/* aes128/192/256-ctr (cipher_aesctr.c) */
struct aesctr;
sd_err aesctr_new(const struct cipher_alg *alg, const uint8_t *key, const uint8_t *iv, struct aesctr **out);
void aesctr_free(struct aesctr *a);
sd_err aesctr_crypt(struct aesctr *a, uint8_t *dst, const uint8_t *src, size_t aadlen, size_t len);

#endif

#include "rng.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "crypto/cipher_impl.h"
#include "wire.h"

static sd_err rng_seeded_fill(struct rng *self, uint8_t *out, size_t n)
{
	struct rng_seeded *r = (struct rng_seeded *)self;
	/* OpenSSL's chacha20 IV is a 32-bit block counter then a 96-bit nonce;
	 * each call takes a fresh nonce so calls never share keystream. */
	uint8_t iv[16] = {0};
	uint64_t c = r->counter++;
	for (int i = 0; i < 8; i++)
		iv[4 + i] = (uint8_t)(c >> (8 * i));
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return SD_ERR_NOMEM;
	sd_err e = SD_ERR_INTERNAL;
	int outl = 0;
	memset(out, 0, n);
	const EVP_CIPHER *chacha20 = cipher_chacha20();
	if (chacha20 && EVP_EncryptInit_ex(ctx, chacha20, NULL, r->key, iv) == 1) {
		e = SD_OK;
		while (n > 0 && e == SD_OK) {
			int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
			if (EVP_EncryptUpdate(ctx, out, &outl, out, chunk) != 1 || outl != chunk)
				e = SD_ERR_INTERNAL;
			out += chunk;
			n -= (size_t)chunk;
		}
	}
	EVP_CIPHER_CTX_free(ctx);
	return e;
}

void rng_seeded_init(struct rng_seeded *r, const void *seed, size_t seed_len)
{
	r->base.fill = rng_seeded_fill;
	SHA256(seed, seed_len, r->key);
	r->counter = 0;
}

static sd_err rng_system_fill(struct rng *self, uint8_t *out, size_t n)
{
	(void)self;
	return RAND_bytes(out, (int)n) == 1 ? SD_OK : SD_ERR_INTERNAL;
}

struct rng rng_system = {rng_system_fill};

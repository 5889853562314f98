/*
 * sigkey_ed25519.c — ssh-ed25519 keys and signatures (RFC 8709, Ed25519 of
 * RFC 8032) through OpenSSL's EVP_PKEY_ED25519.
 */
#include "sigkey_impl.h"

#include <string.h>

#include <openssl/err.h>

#include "memo/memo.h"

#define ED25519_LEN 32     /* public key, seed */
#define ED25519_SIG_LEN 64 /* R || S */

/* L = 2^252 + 27742317777372353535851937790883648493, the group order,
 * little-endian as S is encoded (RFC 8032 section 5.1). */
static const uint8_t ed25519_l[ED25519_LEN] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

/* S < L (RFC 8032 section 5.1.7: "If ... S is not in [0, L), reject").
 * Checked here so the error names the rule rather than OpenSSL's generic
 * failure.  S is public: no need for constant time. */
static bool s_is_canonical(const uint8_t s[ED25519_LEN])
{
	for (int i = ED25519_LEN - 1; i >= 0; i--) {
		if (s[i] != ed25519_l[i])
			return s[i] < ed25519_l[i];
	}
	return false; /* S == L */
}

static sd_err raw_public(const struct sigkey *k, uint8_t pk[ED25519_LEN])
{
	size_t n = ED25519_LEN;
	if (!EVP_PKEY_get_raw_public_key(k->pkey, pk, &n) || n != ED25519_LEN) {
		ERR_clear_error();
		return SD_ERR_INTERNAL;
	}
	return SD_OK;
}

static sd_err set_from_seed(struct sigkey *k, const uint8_t seed[ED25519_LEN])
{
	k->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, ED25519_LEN);
	if (!k->pkey) {
		ERR_clear_error();
		return SD_ERR_NOMEM;
	}
	k->has_private = true;
	return SD_OK;
}

sd_err sigkey_from_ed25519_seed(const uint8_t seed[32], struct sigkey **out)
{
	*out = NULL;
	struct sigkey *k = sigkey_alloc(SIGKEY_ED25519);
	if (!k)
		return SD_ERR_NOMEM;
	sd_err e = set_from_seed(k, seed);
	if (e != SD_OK) {
		sigkey_free(k);
		return e;
	}
	*out = k;
	return SD_OK;
}

/* RFC 8709 section 4: string "ssh-ed25519", string key (32 bytes). */
static sd_err ed_pub_parse(struct sigkey *k, struct sview *v)
{
	struct span pk;
	sd_err e = sview_get_string(v, &pk);
	if (e != SD_OK)
		return e;
	if (pk.len != ED25519_LEN)
		return SD_ERR_KEY_BLOB;
	k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk.p, pk.len);
	if (!k->pkey) {
		ERR_clear_error();
		return SD_ERR_KEY_BLOB;
	}
	return SD_OK;
}

static sd_err ed_pub_write(const struct sigkey *k, struct sbuf *out)
{
	uint8_t pk[ED25519_LEN];
	sd_err e = raw_public(k, pk);
	return e ? e : sbuf_put_string(out, pk, sizeof pk);
}

/* PROTOCOL.key: string pk, string sk where sk = seed || pk. */
static sd_err ed_priv_parse(struct sigkey *k, struct sview *v)
{
	struct span pk, sk;
	uint8_t derived[ED25519_LEN];
	sd_err e = sview_get_string(v, &pk);
	if (e == SD_OK)
		e = sview_get_string(v, &sk);
	if (e != SD_OK)
		return e;
	if (pk.len != ED25519_LEN || sk.len != 2 * ED25519_LEN || memcmp(sk.p + ED25519_LEN, pk.p, ED25519_LEN) != 0)
		return SD_ERR_KEY_FILE;
	e = set_from_seed(k, sk.p);
	if (e == SD_OK)
		e = raw_public(k, derived);
	/* The stored public key must be the seed's. */
	if (e == SD_OK && memcmp(derived, pk.p, ED25519_LEN) != 0)
		e = SD_ERR_KEY_FILE;
	return e;
}

static sd_err ed_priv_write(const struct sigkey *k, struct sbuf *out)
{
	uint8_t sk[2 * ED25519_LEN];
	size_t n = ED25519_LEN;
	sd_err e = raw_public(k, sk + ED25519_LEN);
	if (e == SD_OK && (!EVP_PKEY_get_raw_private_key(k->pkey, sk, &n) || n != ED25519_LEN)) {
		ERR_clear_error();
		e = SD_ERR_INTERNAL;
	}
	if (e == SD_OK)
		e = sbuf_put_string(out, sk + ED25519_LEN, ED25519_LEN);
	if (e == SD_OK)
		e = sbuf_put_string(out, sk, sizeof sk);
	wipe(sk, sizeof sk);
	return e;
}

static sd_err ed_generate(struct sigkey *k, unsigned rsa_bits)
{
	k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!k->pkey) {
		ERR_clear_error();
		return SD_ERR_INTERNAL;
	}
	return SD_OK;
}

/* RFC 8709 section 6: the signature is the 64 bytes R || S of RFC 8032;
 * Ed25519 is deterministic, the rng is not used. */
static sd_err ed_sign_openssl(const struct sigkey *k, struct span data, uint8_t w[ED25519_SIG_LEN])
{
	static const uint8_t empty[1];
	size_t n = ED25519_SIG_LEN;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return SD_ERR_NOMEM;
	sd_err e = SD_OK;
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, w, &n, data.len ? data.p : empty, data.len) != 1 || n != ED25519_SIG_LEN) {
		ERR_clear_error();
		e = SD_ERR_INTERNAL;
	}
	EVP_MD_CTX_free(ctx);
	return e;
}

static sd_err ed_sign(const struct sigkey *k, const struct sig_alg *alg, struct rng *rng, struct span data,
		      struct sbuf *sig)
{
	uint8_t seed[ED25519_LEN];
	size_t n = sizeof seed;
	uint8_t *w;
	int status;
	sd_err e = sbuf_reserve(sig, ED25519_SIG_LEN, &w);
	if (e != SD_OK)
		return e;
	/* The memo is keyed by the seed itself, the exact input. */
	if (!memo_enabled() || !EVP_PKEY_get_raw_private_key(k->pkey, seed, &n) || n != sizeof seed) {
		ERR_clear_error();
		return ed_sign_openssl(k, data, w);
	}
	const struct memo_part in[] = { { seed, sizeof seed }, { data.p, data.len } };
	if (!memo_get(MEMO_OSSL_ED25519_SIGN, in, 2, w, ED25519_SIG_LEN, &n, &status) || n != ED25519_SIG_LEN) {
		e = ed_sign_openssl(k, data, w);
		if (e == SD_OK)
			memo_put(MEMO_OSSL_ED25519_SIGN, in, 2, w, ED25519_SIG_LEN, SD_OK);
	}
	wipe(seed, sizeof seed);
	return e;
}

static sd_err ed_verify(const struct sigkey *k, const struct sig_alg *alg, struct span sig, struct span data)
{
	static const uint8_t empty[1];
	if (sig.len != ED25519_SIG_LEN)
		return SD_ERR_SIGNATURE;
	if (!s_is_canonical(sig.p + ED25519_LEN))
		return SD_ERR_ED25519_NONCANONICAL;
	uint8_t pk[ED25519_LEN];
	int status;
	size_t n = 0;
	bool memo = memo_enabled() && raw_public(k, pk) == SD_OK;
	const struct memo_part in[] = { { pk, sizeof pk }, { sig.p, sig.len }, { data.p, data.len } };
	if (memo && memo_get(MEMO_OSSL_ED25519_VERIFY, in, 3, NULL, 0, &n, &status))
		return (sd_err)status;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return SD_ERR_NOMEM;
	sd_err e = SD_ERR_INTERNAL;
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1)
		e = EVP_DigestVerify(ctx, sig.p, sig.len, data.len ? data.p : empty, data.len) == 1 ? SD_OK
												   : SD_ERR_SIGNATURE;
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	/* a verdict on the signature, not a failure of the library */
	if (memo && (e == SD_OK || e == SD_ERR_SIGNATURE))
		memo_put(MEMO_OSSL_ED25519_VERIFY, in, 3, NULL, 0, e);
	return e;
}

const struct sigkey_family sigkey_ed25519_family = {
	.pub_parse = ed_pub_parse,
	.pub_write = ed_pub_write,
	.priv_parse = ed_priv_parse,
	.priv_write = ed_priv_write,
	.generate = ed_generate,
	.sign = ed_sign,
	.verify = ed_verify,
};

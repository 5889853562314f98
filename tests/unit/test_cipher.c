/* Ciphers and MACs: the algorithm tables; chacha20-poly1305@openssh.com
 * against an independent libsodium build of the OpenSSH construction;
 * AES-GCM against the GCM specification's test cases 3 and 4 (McGrew and
 * Viega) and OpenSSL for the per-packet nonce; AES-CTR against NIST SP
 * 800-38A F.5.1/F.5.3/F.5.5; HMAC against RFC 4231 / RFC 2202 through
 * OpenSSL's HMAC(), then mac_compute against HMAC() over seqnr || data. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "proto/crypto/cipher.h"
#include "proto/crypto/mac.h"
#include "tests/support/check.h"

static const struct cipher_alg *cipher(const char *name)
{
	const struct cipher_alg *a = cipher_alg_by_name(span_cstr(name));
	if (!a)
		check_fail(__FILE__, __LINE__, "cipher %s missing", name);
	return a;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 7 * i + (i >> 8));
}

/* ---- tables ---- */

static void tables(void)
{
	static const struct {
		const char *name;
		enum cipher_mode mode;
		size_t key, iv, block, tag;
	} want[] = {
		{"chacha20-poly1305@openssh.com", CIPHER_CHACHAPOLY, 64, 0, 8, 16},
		{"aes128-gcm@openssh.com", CIPHER_GCM, 16, 12, 16, 16},
		{"aes256-gcm@openssh.com", CIPHER_GCM, 32, 12, 16, 16},
		{"aes128-ctr", CIPHER_CTR, 16, 16, 16, 0},
		{"aes192-ctr", CIPHER_CTR, 24, 16, 16, 0},
		{"aes256-ctr", CIPHER_CTR, 32, 16, 16, 0},
	};
	CHECK_EQ_U(cipher_algs_count, 6);
	struct span list = span_cstr(cipher_default_list());
	size_t pos = 0, i = 0;
	struct span name;
	CHECK_OK(namelist_check(list));
	while (namelist_next(list, &pos, &name)) {
		CHECK(i < 6);
		if (i >= 6)
			break;
		const struct cipher_alg *a = cipher_alg_by_name(name);
		CHECK(a == &cipher_algs[i]);
		CHECK(span_eq_cstr(name, want[i].name));
		CHECK(a && a->mode == want[i].mode && a->key_len == want[i].key && a->iv_len == want[i].iv &&
		      a->block_size == want[i].block && a->tag_len == want[i].tag);
		i++;
	}
	CHECK_EQ_U(i, 6);
	CHECK(cipher_alg_by_name(span_cstr("none")) == &cipher_none);
	CHECK(!namelist_contains(list, span_cstr("none")));
	CHECK(cipher_alg_by_name(span_cstr("aes128-cbc")) == NULL);
	CHECK(cipher_alg_by_name(span_cstr("aes128-ctr ")) == NULL);
	CHECK(cipher_alg_by_name(SPAN_NULL) == NULL);

	static const struct {
		const char *name;
		size_t len;
		bool etm;
	} mwant[] = {
		{"hmac-sha2-256-etm@openssh.com", 32, true}, {"hmac-sha2-512-etm@openssh.com", 64, true},
		{"hmac-sha1-etm@openssh.com", 20, true},     {"hmac-sha2-256", 32, false},
		{"hmac-sha2-512", 64, false},                {"hmac-sha1", 20, false},
	};
	CHECK_EQ_U(mac_algs_count, 6);
	list = span_cstr(mac_default_list());
	pos = i = 0;
	CHECK_OK(namelist_check(list));
	while (namelist_next(list, &pos, &name)) {
		CHECK(i < 6);
		if (i >= 6)
			break;
		const struct mac_alg *m = mac_alg_by_name(name);
		CHECK(m == &mac_algs[i]);
		CHECK(span_eq_cstr(name, mwant[i].name));
		CHECK(m && m->key_len == mwant[i].len && m->mac_len == mwant[i].len && m->etm == mwant[i].etm);
		i++;
	}
	CHECK_EQ_U(i, 6);
	CHECK(mac_alg_by_name(span_cstr("hmac-md5")) == NULL);
	CHECK(mac_alg_by_name(span_cstr("none")) == NULL);
}

/* ---- chacha20-poly1305@openssh.com vs libsodium ---- */

/* PROTOCOL.chacha20poly1305 built from libsodium's original (64-bit nonce)
 * ChaCha20 and Poly1305: out = enc_len(4) || enc_body(len) || tag(16). */
static void sodium_chachapoly(const uint8_t key[64], uint32_t seqnr, const uint8_t *in, size_t len, uint8_t *out)
{
	const uint8_t *k2 = key, *k1 = key + 32;
	uint8_t nonce[8] = {0, 0, 0, 0, (uint8_t)(seqnr >> 24), (uint8_t)(seqnr >> 16), (uint8_t)(seqnr >> 8),
			    (uint8_t)seqnr};
	uint8_t ks[4], poly_key[32];
	crypto_stream_chacha20(ks, sizeof ks, nonce, k1);
	for (int i = 0; i < 4; i++)
		out[i] = in[i] ^ ks[i];
	crypto_stream_chacha20_xor_ic(out + 4, in + 4, len, nonce, 1, k2);
	crypto_stream_chacha20(poly_key, sizeof poly_key, nonce, k2);
	crypto_onetimeauth_poly1305(out + 4 + len, out, 4 + len, poly_key);
}

static void chachapoly(void)
{
	const struct cipher_alg *alg = cipher("chacha20-poly1305@openssh.com");
	if (!alg)
		return;
	static const uint32_t seqnrs[] = {0, 1, 2, 3, 255, 256, 0x01020304, 0x7fffffff, 0xfffffffe, 0xffffffff};
	static const size_t lens[] = {8, 28, 60, 64, 120, 1000, 4096 + 12};
	uint8_t key[64];
	fill(key, sizeof key, 0x42);
	struct cipher_ctx *enc = NULL, *dec = NULL;
	CHECK_OK(cipher_ctx_new(alg, true, key, NULL, &enc));
	CHECK_OK(cipher_ctx_new(alg, false, key, NULL, &dec));
	if (!enc || !dec)
		goto out;
	CHECK(cipher_ctx_alg(enc) == alg);
	for (size_t s = 0; s < sizeof seqnrs / sizeof seqnrs[0]; s++) {
		for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
			uint32_t seqnr = seqnrs[s];
			size_t len = lens[l], n = 4 + len + 16;
			uint8_t pt[4 + 4108], ours[4 + 4108 + 16], ref[4 + 4108 + 16], back[4 + 4108 + 16];
			fill(pt, 4 + len, (uint8_t)(s * 16 + l));
			pt[0] = 0;
			pt[1] = 0;
			pt[2] = (uint8_t)(len >> 8);
			pt[3] = (uint8_t)len;
			sodium_chachapoly(key, seqnr, pt, len, ref);
			CHECK_OK(cipher_crypt(enc, seqnr, ours, pt, 4, len));
			CHECK_MEM(ours, ref, n);

			/* the length alone, without consuming anything */
			uint32_t plen = 0;
			CHECK_OK(cipher_chachapoly_length(dec, seqnr, ours, &plen));
			CHECK_EQ_U(plen, len);

			/* decrypt back, in a separate buffer and in place */
			memset(back, 0xee, sizeof back);
			CHECK_OK(cipher_crypt(dec, seqnr, back, ours, 4, len));
			CHECK_MEM(back, pt, 4 + len);
			memcpy(back, ours, n);
			CHECK_OK(cipher_crypt(dec, seqnr, back, back, 4, len));
			CHECK_MEM(back, pt, 4 + len);

			/* wrong seqnr, or any flipped byte: tag fails, dst untouched */
			memset(back, 0xee, sizeof back);
			CHECK_ERR(cipher_crypt(dec, seqnr + 1, back, ours, 4, len), SD_ERR_MAC);
			size_t flips[] = {0, 3, 4, 4 + len / 2, 4 + len - 1, 4 + len, n - 1};
			for (size_t f = 0; f < sizeof flips / sizeof flips[0]; f++) {
				ours[flips[f]] ^= 0x20;
				CHECK_ERR(cipher_crypt(dec, seqnr, back, ours, 4, len), SD_ERR_MAC);
				ours[flips[f]] ^= 0x20;
			}
			CHECK(back[0] == 0xee && back[n - 1] == 0xee && back[4 + len / 2] == 0xee);
		}
	}
out:
	cipher_ctx_free(enc);
	cipher_ctx_free(dec);
}

/* ---- AES-GCM ---- */

/* OpenSSL AES-GCM, called directly, for nonces beyond the spec's vectors. */
static void ref_gcm(const uint8_t *key, size_t key_len, const uint8_t nonce[12], const uint8_t *aad, size_t aadlen,
		    const uint8_t *pt, size_t len, uint8_t *ct, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl = 0;
	CHECK(c && EVP_EncryptInit_ex(c, key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm(), NULL, key, nonce) == 1);
	CHECK(EVP_EncryptUpdate(c, NULL, &outl, aad, (int)aadlen) == 1);
	CHECK(EVP_EncryptUpdate(c, ct, &outl, pt, (int)len) == 1);
	CHECK(EVP_EncryptFinal_ex(c, ct + len, &outl) == 1);
	CHECK(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1);
	EVP_CIPHER_CTX_free(c);
}

static void gcm_spec(void)
{
	/* The Galois/Counter Mode of Operation (McGrew, Viega), test cases 3
	 * (no AAD) and 4 (20 bytes of AAD, 60 bytes of plaintext). */
	struct sbuf key = check_hex("feffe9928665731c6d6a8f9467308308");
	struct sbuf iv = check_hex("cafebabefacedbaddecaf888");
	struct sbuf p = check_hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
				  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
	struct sbuf c3 = check_hex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
				   "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"
				   "4d5c2af327cd64a62cf35abd2ba6fab4");
	struct sbuf aad = check_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
	struct sbuf c4 = check_hex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
				   "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
				   "5bc94fbc3221a5db94fae95ae7121a47");
	const struct cipher_alg *alg = cipher("aes128-gcm@openssh.com");
	struct cipher_ctx *enc = NULL, *dec = NULL;
	uint8_t out[20 + 64 + 16], in[20 + 64 + 16];
	if (!alg)
		goto out;

	/* test case 3 */
	CHECK_OK(cipher_ctx_new(alg, true, key.data, iv.data, &enc));
	CHECK_OK(cipher_ctx_new(alg, false, key.data, iv.data, &dec));
	if (!enc || !dec)
		goto out;
	CHECK_OK(cipher_crypt(enc, 0, out, p.data, 0, 64));
	CHECK_MEM(out, c3.data, 64 + 16);
	CHECK_OK(cipher_crypt(dec, 0, in, c3.data, 0, 64));
	CHECK_MEM(in, p.data, 64);
	cipher_ctx_free(enc);
	cipher_ctx_free(dec);
	enc = dec = NULL;

	/* test case 4, the AAD ahead of the plaintext as the packet layer does */
	uint8_t src[20 + 60];
	memcpy(src, aad.data, 20);
	memcpy(src + 20, p.data, 60);
	CHECK_OK(cipher_ctx_new(alg, true, key.data, iv.data, &enc));
	CHECK_OK(cipher_ctx_new(alg, false, key.data, iv.data, &dec));
	if (!enc || !dec)
		goto out;
	CHECK_OK(cipher_crypt(enc, 0, out, src, 20, 60));
	CHECK_MEM(out, aad.data, 20);
	CHECK_MEM(out + 20, c4.data, 60 + 16);

	/* a forged tag fails and leaves dst untouched */
	memset(in, 0xee, sizeof in);
	out[20 + 60 + 5] ^= 1;
	CHECK_ERR(cipher_crypt(dec, 0, in, out, 20, 60), SD_ERR_MAC);
	CHECK(in[0] == 0xee && in[20] == 0xee && in[79] == 0xee);
	out[20 + 60 + 5] ^= 1;
	out[0] ^= 1; /* AAD is authenticated */
	CHECK_ERR(cipher_crypt(dec, 0, in, out, 20, 60), SD_ERR_MAC);
	out[0] ^= 1;
	/* a failed packet does not advance the nonce: the genuine one opens */
	CHECK_OK(cipher_crypt(dec, 0, in, out, 20, 60));
	CHECK_MEM(in, src, 80);
out:
	cipher_ctx_free(enc);
	cipher_ctx_free(dec);
	sbuf_free(&key);
	sbuf_free(&iv);
	sbuf_free(&p);
	sbuf_free(&c3);
	sbuf_free(&aad);
	sbuf_free(&c4);
}

/* RFC 5647 section 7.1: the 64-bit invocation counter (last 8 bytes of the
 * nonce) goes up by one per packet, carrying into nothing but itself. */
static void gcm_counter(void)
{
	const char *names[] = {"aes128-gcm@openssh.com", "aes256-gcm@openssh.com"};
	for (size_t a = 0; a < 2; a++) {
		const struct cipher_alg *alg = cipher(names[a]);
		if (!alg)
			continue;
		uint8_t key[32], iv[12] = {0x11, 0x22, 0x33, 0x44, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
		fill(key, sizeof key, (uint8_t)(a + 1));
		struct cipher_ctx *enc = NULL, *dec = NULL;
		CHECK_OK(cipher_ctx_new(alg, true, key, iv, &enc));
		CHECK_OK(cipher_ctx_new(alg, false, key, iv, &dec));
		if (!enc || !dec) {
			cipher_ctx_free(enc);
			cipher_ctx_free(dec);
			continue;
		}
		uint8_t nonce[12];
		memcpy(nonce, iv, 12);
		for (int i = 0; i < 4; i++) {
			uint8_t pt[4 + 48], out[4 + 48 + 16], ct[48], tag[16], back[4 + 48];
			fill(pt, sizeof pt, (uint8_t)(i + 9));
			ref_gcm(key, alg->key_len, nonce, pt, 4, pt + 4, 48, ct, tag);
			CHECK_OK(cipher_crypt(enc, (uint32_t)i, out, pt, 4, 48));
			CHECK_MEM(out, pt, 4);
			CHECK_MEM(out + 4, ct, 48);
			CHECK_MEM(out + 52, tag, 16);
			CHECK_OK(cipher_crypt(dec, (uint32_t)i, back, out, 4, 48));
			CHECK_MEM(back, pt, sizeof back);
			/* next nonce: 11223344 ffffffffffffffff, then 11223344 00..00, ...01 */
			for (int j = 11; j >= 4; j--)
				if (++nonce[j] != 0)
					break;
		}
		CHECK(nonce[0] == 0x11 && nonce[3] == 0x44 && nonce[4] == 0 && nonce[11] == 2);
		cipher_ctx_free(enc);
		cipher_ctx_free(dec);
	}
}

/* ---- AES-CTR ---- */

static void ctr_sp800_38a(void)
{
	/* NIST SP 800-38A appendix F.5.1, F.5.3, F.5.5 (CTR-AES*.Encrypt) */
	static const struct {
		const char *name, *key, *ct;
	} v[] = {
		{"aes128-ctr", "2b7e151628aed2a6abf7158809cf4f3c",
		 "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
		 "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee"},
		{"aes192-ctr", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
		 "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e94"
		 "1e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050"},
		{"aes256-ctr", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
		 "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
		 "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6"},
	};
	struct sbuf ctr = check_hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
	struct sbuf pt = check_hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
				   "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
	for (size_t i = 0; i < 3; i++) {
		const struct cipher_alg *alg = cipher(v[i].name);
		struct sbuf key = check_hex(v[i].key), ct = check_hex(v[i].ct);
		struct cipher_ctx *enc = NULL, *dec = NULL;
		uint8_t out[64];
		if (alg) {
			CHECK_OK(cipher_ctx_new(alg, true, key.data, ctr.data, &enc));
			CHECK_OK(cipher_ctx_new(alg, false, key.data, ctr.data, &dec));
		}
		if (enc && dec) {
			/* the whole vector at once */
			CHECK_OK(cipher_crypt(enc, 0, out, pt.data, 0, 64));
			CHECK_MEM(out, ct.data, 64);
			/* the stream runs on across calls, also mid-block:
			 * 5 + 11 + 48 bytes, and aad bytes pass unchanged */
			uint8_t back[4 + 64];
			memcpy(back, "AAAA", 4);
			CHECK_OK(cipher_crypt(dec, 0, back, ct.data, 0, 5));
			CHECK_OK(cipher_crypt(dec, 1, back + 5, ct.data + 5, 0, 11));
			CHECK_MEM(back, pt.data, 16);
			uint8_t src[4 + 48];
			memcpy(src, "LEN!", 4);
			memcpy(src + 4, ct.data + 16, 48);
			CHECK_OK(cipher_crypt(dec, 2, back, src, 4, 48));
			CHECK_MEM(back, "LEN!", 4);
			CHECK_MEM(back + 4, pt.data + 16, 48);
		}
		cipher_ctx_free(enc);
		cipher_ctx_free(dec);
		sbuf_free(&key);
		sbuf_free(&ct);
	}
	sbuf_free(&ctr);
	sbuf_free(&pt);
}

static void none_and_args(void)
{
	struct cipher_ctx *c = NULL;
	uint8_t in[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, out[10] = {0};
	CHECK_OK(cipher_ctx_new(&cipher_none, true, NULL, NULL, &c));
	if (c) {
		CHECK_OK(cipher_crypt(c, 0, out, in, 4, 6));
		CHECK_MEM(out, in, 10);
	}
	cipher_ctx_free(c);
	c = NULL;
	CHECK_ERR(cipher_ctx_new(cipher("aes128-ctr"), true, NULL, in, &c), SD_ERR_INVALID_ARG);
	CHECK(c == NULL);
	CHECK_ERR(cipher_ctx_new(cipher("aes128-gcm@openssh.com"), true, in, NULL, &c), SD_ERR_INVALID_ARG);
	/* only chacha20-poly1305 has an encrypted length */
	uint8_t key[16] = {0}, iv[16] = {0};
	uint32_t plen = 0;
	CHECK_OK(cipher_ctx_new(cipher("aes128-ctr"), false, key, iv, &c));
	if (c)
		CHECK_ERR(cipher_chachapoly_length(c, 0, in, &plen), SD_ERR_INVALID_ARG);
	cipher_ctx_free(c);
	cipher_ctx_free(NULL);
}

/* ---- HMAC ---- */

static void hmac_rfc(void)
{
	/* RFC 4231 test case 2 and RFC 2202 test case 2 (HMAC-SHA-1): checks
	 * that the harness's OpenSSL HMAC() reference is right. */
	const char *key = "Jefe", *data = "what do ya want for nothing?";
	struct sbuf s256 = check_hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	struct sbuf s512 = check_hex("164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
				     "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
	struct sbuf s1 = check_hex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	uint8_t out[64];
	unsigned outl = 0;
	CHECK(HMAC(EVP_sha256(), key, 4, (const uint8_t *)data, strlen(data), out, &outl) != NULL);
	CHECK_EQ_U(outl, 32);
	CHECK_MEM(out, s256.data, 32);
	CHECK(HMAC(EVP_sha512(), key, 4, (const uint8_t *)data, strlen(data), out, &outl) != NULL);
	CHECK_EQ_U(outl, 64);
	CHECK_MEM(out, s512.data, 64);
	CHECK(HMAC(EVP_sha1(), key, 4, (const uint8_t *)data, strlen(data), out, &outl) != NULL);
	CHECK_EQ_U(outl, 20);
	CHECK_MEM(out, s1.data, 20);
	sbuf_free(&s256);
	sbuf_free(&s512);
	sbuf_free(&s1);
}

/* RFC 4253 section 6.4: mac = MAC(key, uint32 seqnr || data). */
static void mac_structure(void)
{
	static const uint32_t seqnrs[] = {0, 1, 0x01020304, 0xffffffff};
	static const size_t lens[] = {0, 1, 28, 64, 1000};
	for (size_t a = 0; a < mac_algs_count; a++) {
		const struct mac_alg *m = &mac_algs[a];
		const EVP_MD *md = m->hash == MAC_HASH_SHA1     ? EVP_sha1()
				   : m->hash == MAC_HASH_SHA256 ? EVP_sha256()
								: EVP_sha512();
		uint8_t key[65]; /* one past the longest key_len */
		fill(key, sizeof key, (uint8_t)(0x30 + a));
		for (size_t s = 0; s < 4; s++) {
			for (size_t l = 0; l < 5; l++) {
				uint8_t buf[4 + 1000], got[64], want[64];
				unsigned outl = 0;
				buf[0] = (uint8_t)(seqnrs[s] >> 24);
				buf[1] = (uint8_t)(seqnrs[s] >> 16);
				buf[2] = (uint8_t)(seqnrs[s] >> 8);
				buf[3] = (uint8_t)seqnrs[s];
				fill(buf + 4, lens[l], (uint8_t)(s + l));
				CHECK(HMAC(md, key, (int)m->key_len, buf, 4 + lens[l], want, &outl) != NULL);
				CHECK_EQ_U(outl, m->mac_len);
				struct span data = {buf + 4, lens[l]};
				CHECK_OK(mac_compute(m, key, seqnrs[s], data, got));
				CHECK_MEM(got, want, m->mac_len);
				CHECK_OK(mac_check(m, key, seqnrs[s], data, want));
				CHECK_ERR(mac_check(m, key, seqnrs[s] + 1, data, want), SD_ERR_MAC);
				want[m->mac_len - 1] ^= 0x80;
				CHECK_ERR(mac_check(m, key, seqnrs[s], data, want), SD_ERR_MAC);
				/* the key is exactly key_len bytes long */
				key[m->key_len - 1] ^= 1;
				want[m->mac_len - 1] ^= 0x80;
				CHECK_ERR(mac_check(m, key, seqnrs[s], data, want), SD_ERR_MAC);
				key[m->key_len - 1] ^= 1;
				key[m->key_len] ^= 1; /* beyond key_len: ignored */
				CHECK_OK(mac_check(m, key, seqnrs[s], data, want));
				key[m->key_len] ^= 1;
			}
		}
	}
}

int main(void)
{
	if (sodium_init() < 0) {
		check_fail(__FILE__, __LINE__, "sodium_init failed");
		return check_finish();
	}
	tables();
	chachapoly();
	gcm_spec();
	gcm_counter();
	ctr_sp800_38a();
	none_and_args();
	hmac_rfc();
	mac_structure();
	return check_finish();
}

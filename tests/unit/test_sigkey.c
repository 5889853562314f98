/* Host and user keys: RFC 8032 section 7.1 Ed25519 vectors, the verify
 * error rules (RFC 8032 section 5.1.7, RFC 8332 section 3, RFC 4253 section
 * 6.6), round trips for every algorithm, malformed blobs and key files, and
 * interop with OpenSSH's ssh-keygen (key files both ways, SSHSIG
 * signatures both ways). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "proto/crypto/sigkey.h"
#include "proto/rng.h"
#include "tests/support/check.h"

#define SSH_KEYGEN "/usr/bin/ssh-keygen"

static struct sigkey *keys[SIGKEY_RSA + 1]; /* one generated key per type */

static const struct sig_alg *alg_named(const char *name)
{
	const struct sig_alg *a = sig_alg_by_name(span_cstr(name));
	if (!a) {
		fprintf(stderr, "no algorithm %s\n", name);
		abort();
	}
	return a;
}

static void put_sig_blob(struct sbuf *b, const char *name, struct span sig)
{
	CHECK_OK(sbuf_put_cstring(b, name));
	CHECK_OK(sbuf_put_span(b, sig));
}

/* The signature inside a signature blob (string name, string sig). */
static struct span sig_of(struct span blob)
{
	struct sview v = sview_make(blob.p, blob.len);
	struct span name, sig = SPAN_NULL;
	if (sview_get_string(&v, &name) != SD_OK || sview_get_string(&v, &sig) != SD_OK)
		check_fail(__FILE__, __LINE__, "not a signature blob");
	return sig;
}

static void relabel(struct span blob, const char *name, struct sbuf *out)
{
	sbuf_reset(out);
	put_sig_blob(out, name, sig_of(blob));
}

static void b64_decode(const char *s, size_t n, struct sbuf *out)
{
	uint8_t *w;
	size_t pad = 0;
	while (pad < n && s[n - 1 - pad] == '=')
		pad++;
	CHECK(n % 4 == 0);
	CHECK_OK(sbuf_reserve(out, n / 4 * 3, &w));
	CHECK_EQ_U(EVP_DecodeBlock(w, (const uint8_t *)s, (int)n), n / 4 * 3);
	out->len -= pad;
}

/* "-----BEGIN label-----", base64 in lines of 70, "-----END label-----". */
static void armour(struct span bin, const char *label, struct sbuf *text)
{
	char line[80];
	size_t n = 4 * ((bin.len + 2) / 3);
	uint8_t *b64 = malloc(n + 1);
	CHECK(b64 != NULL);
	if (!b64)
		return;
	EVP_EncodeBlock(b64, bin.p, (int)bin.len);
	snprintf(line, sizeof line, "-----BEGIN %s-----\n", label);
	CHECK_OK(sbuf_put(text, line, strlen(line)));
	for (size_t i = 0; i < n; i += 70) {
		CHECK_OK(sbuf_put(text, b64 + i, n - i < 70 ? n - i : 70));
		CHECK_OK(sbuf_put_u8(text, '\n'));
	}
	snprintf(line, sizeof line, "-----END %s-----\n", label);
	CHECK_OK(sbuf_put(text, line, strlen(line)));
	free(b64);
}

static void b64_armour(struct span bin, struct sbuf *text)
{
	armour(bin, "OPENSSH PRIVATE KEY", text);
}

/* The base64 between the BEGIN and END lines, decoded. */
static void dearmour(struct span text, struct sbuf *bin)
{
	struct sbuf b64 = SBUF_INIT;
	size_t i = 0;
	while (i < text.len && text.p[i] != '\n')
		i++;
	for (; i < text.len && text.p[i] != '-'; i++)
		if (text.p[i] != '\n' && text.p[i] != '\r')
			CHECK_OK(sbuf_put_u8(&b64, text.p[i]));
	b64_decode((const char *)b64.data, b64.len, bin);
	sbuf_free(&b64);
}

/* ---- algorithm table ---- */

static void table(void)
{
	static const char *const names[] = {"ssh-ed25519",	   "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
					    "ecdsa-sha2-nistp521", "rsa-sha2-512",	  "rsa-sha2-256",
					    "ssh-rsa"};
	CHECK_EQ_U(sig_algs_count, 7);
	for (size_t i = 0; i < sig_algs_count && i < 7; i++) {
		CHECK_STR(sig_algs[i].name, names[i]);
		CHECK(sig_alg_by_name(span_cstr(names[i])) == &sig_algs[i]);
		CHECK_STR(sig_algs[i].key_name, sigkey_type_name(sig_algs[i].type));
	}
	CHECK_STR(sig_default_list(), "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
				      "rsa-sha2-512,rsa-sha2-256,ssh-rsa");
	CHECK_OK(namelist_check(span_cstr(sig_default_list())));
	CHECK(sig_alg_by_name(span_cstr("ssh-dss")) == NULL);
	CHECK(sig_alg_by_name(span_cstr("ssh-ed2551")) == NULL);
	CHECK_STR(alg_named("rsa-sha2-256")->key_name, "ssh-rsa");
	CHECK_EQ_U(alg_named("ecdsa-sha2-nistp384")->hash, SIG_HASH_SHA384);
	CHECK_EQ_U(alg_named("ecdsa-sha2-nistp521")->hash, SIG_HASH_SHA512);
	CHECK_EQ_U(alg_named("ssh-rsa")->hash, SIG_HASH_SHA1);
}

/* ---- RFC 8032 section 7.1 ---- */

static const struct {
	const char *seed, *pk, *msg, *sig;
} rfc8032[] = {
	{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	 "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
	 "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	 "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
	{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	 "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
	 "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	 "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
	{"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	 "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
	 "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
	 "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

static void ed25519_vectors(void)
{
	const struct sig_alg *alg = alg_named("ssh-ed25519");
	for (size_t i = 0; i < sizeof rfc8032 / sizeof rfc8032[0]; i++) {
		struct sbuf seed = check_hex(rfc8032[i].seed), pk = check_hex(rfc8032[i].pk),
			    msg = check_hex(rfc8032[i].msg), sig = check_hex(rfc8032[i].sig);
		struct sbuf want_blob = SBUF_INIT, want_sig = SBUF_INIT, blob = SBUF_INIT, got = SBUF_INIT;
		struct sigkey *k = NULL, *pub = NULL;
		struct rng_seeded rs;
		rng_seeded_init(&rs, "unused", 6);
		/* RFC 8709 section 4 and 6 */
		CHECK_OK(sbuf_put_cstring(&want_blob, "ssh-ed25519"));
		CHECK_OK(sbuf_put_span(&want_blob, sbuf_span(&pk)));
		put_sig_blob(&want_sig, "ssh-ed25519", sbuf_span(&sig));

		CHECK_OK(sigkey_from_ed25519_seed(seed.data, &k));
		CHECK(k && sigkey_has_private(k) && sigkey_type(k) == SIGKEY_ED25519);
		CHECK_OK(sigkey_to_blob(k, &blob));
		CHECK(span_eq(sbuf_span(&blob), sbuf_span(&want_blob)));
		CHECK_OK(sigkey_sign(k, alg, &rs.base, sbuf_span(&msg), &got));
		CHECK_EQ_U(got.len, want_sig.len);
		CHECK(span_eq(sbuf_span(&got), sbuf_span(&want_sig)));
		CHECK_OK(sigkey_from_blob(sbuf_span(&want_blob), &pub));
		CHECK(pub && !sigkey_has_private(pub));
		CHECK_OK(sigkey_verify(pub, alg, sbuf_span(&want_sig), sbuf_span(&msg)));
		CHECK(sigkey_equal_public(k, pub));
		sigkey_free(k);
		sigkey_free(pub);
		sbuf_free(&seed);
		sbuf_free(&pk);
		sbuf_free(&msg);
		sbuf_free(&sig);
		sbuf_free(&want_blob);
		sbuf_free(&want_sig);
		sbuf_free(&blob);
		sbuf_free(&got);
	}
}

/* RFC 8032 section 5.1.7: S >= L must be rejected, which is what makes
 * Ed25519 signatures non-malleable. */
static void ed25519_malleability(void)
{
	/* L little-endian (RFC 8032 section 5.1). */
	struct sbuf l = check_hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
	struct sbuf pkb = check_hex(rfc8032[1].pk), msg = check_hex(rfc8032[1].msg), sig = check_hex(rfc8032[1].sig);
	struct sbuf blob = SBUF_INIT, sb = SBUF_INIT;
	struct sigkey *pub = NULL;
	const struct sig_alg *alg = alg_named("ssh-ed25519");
	CHECK_OK(sbuf_put_cstring(&blob, "ssh-ed25519"));
	CHECK_OK(sbuf_put_span(&blob, sbuf_span(&pkb)));
	CHECK_OK(sigkey_from_blob(sbuf_span(&blob), &pub));
	if (!pub)
		return;

	/* S + L: the same group element, a different encoding. */
	uint8_t mod[64];
	memcpy(mod, sig.data, 64);
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		carry += (unsigned)mod[32 + i] + l.data[i];
		mod[32 + i] = (uint8_t)carry;
		carry >>= 8;
	}
	CHECK_EQ_U(carry, 0); /* still < 2^256 */
	put_sig_blob(&sb, "ssh-ed25519", (struct span){mod, 64});
	CHECK_ERR(sigkey_verify(pub, alg, sbuf_span(&sb), sbuf_span(&msg)), SD_ERR_ED25519_NONCANONICAL);

	/* S = L exactly. */
	memcpy(mod, sig.data, 64);
	memcpy(mod + 32, l.data, 32);
	sbuf_reset(&sb);
	put_sig_blob(&sb, "ssh-ed25519", (struct span){mod, 64});
	CHECK_ERR(sigkey_verify(pub, alg, sbuf_span(&sb), sbuf_span(&msg)), SD_ERR_ED25519_NONCANONICAL);

	/* One bit of R flipped. */
	memcpy(mod, sig.data, 64);
	mod[5] ^= 0x10;
	sbuf_reset(&sb);
	put_sig_blob(&sb, "ssh-ed25519", (struct span){mod, 64});
	CHECK_ERR(sigkey_verify(pub, alg, sbuf_span(&sb), sbuf_span(&msg)), SD_ERR_SIGNATURE);

	/* Wrong length. */
	sbuf_reset(&sb);
	put_sig_blob(&sb, "ssh-ed25519", (struct span){sig.data, 63});
	CHECK_ERR(sigkey_verify(pub, alg, sbuf_span(&sb), sbuf_span(&msg)), SD_ERR_SIGNATURE);

	/* Malformed blob: trailing byte, truncation; wrong name. */
	sbuf_reset(&sb);
	put_sig_blob(&sb, "ssh-ed25519", sbuf_span(&sig));
	CHECK_OK(sigkey_verify(pub, alg, sbuf_span(&sb), sbuf_span(&msg)));
	CHECK_OK(sbuf_put_u8(&sb, 0));
	CHECK_ERR(sigkey_verify(pub, alg, sbuf_span(&sb), sbuf_span(&msg)), SD_ERR_TRAILING);
	CHECK_ERR(sigkey_verify(pub, alg, (struct span){sb.data, sb.len - 2}, sbuf_span(&msg)), SD_ERR_TRUNCATED);
	struct sbuf renamed = SBUF_INIT;
	relabel((struct span){sb.data, sb.len - 1}, "ssh-ed448", &renamed);
	CHECK_ERR(sigkey_verify(pub, alg, sbuf_span(&renamed), sbuf_span(&msg)), SD_ERR_SIG_NAME);
	sbuf_free(&renamed);

	sigkey_free(pub);
	sbuf_free(&l);
	sbuf_free(&pkb);
	sbuf_free(&msg);
	sbuf_free(&sig);
	sbuf_free(&blob);
	sbuf_free(&sb);
}

/* ---- every algorithm ---- */

static void round_trips(void)
{
	static const uint8_t data_bytes[] = "exchange hash H, RFC 4253 section 8";
	struct span data = {data_bytes, sizeof data_bytes - 1};
	struct rng_seeded rs;
	rng_seeded_init(&rs, "round trip", 10);
	for (size_t i = 0; i < sig_algs_count; i++) {
		const struct sig_alg *alg = &sig_algs[i];
		struct sigkey *k = keys[alg->type];
		struct sigkey *other = keys[alg->type == SIGKEY_RSA ? SIGKEY_ED25519 : SIGKEY_RSA];
		struct sigkey *pub = NULL, *priv = NULL;
		struct sbuf sig = SBUF_INIT, blob = SBUF_INIT, bad = SBUF_INIT, file = SBUF_INIT;
		uint8_t tampered[sizeof data_bytes];

		CHECK(sigkey_matches_alg(k, alg));
		CHECK(!sigkey_matches_alg(other, alg));
		CHECK_OK(sigkey_sign(k, alg, &rs.base, data, &sig));
		CHECK_OK(sigkey_verify(k, alg, sbuf_span(&sig), data));
		memcpy(tampered, data_bytes, sizeof tampered);
		tampered[3] ^= 1;
		struct span shorter = {data.p, data.len - 1};
		CHECK_ERR(sigkey_verify(k, alg, sbuf_span(&sig), (struct span){tampered, data.len}), SD_ERR_SIGNATURE);
		CHECK_ERR(sigkey_verify(k, alg, sbuf_span(&sig), shorter), SD_ERR_SIGNATURE);
		/* A flipped bit in the last byte of the signature. */
		CHECK_OK(sbuf_put(&bad, sig.data, sig.len));
		bad.data[bad.len - 1] ^= 0x01;
		sd_err flipped = sigkey_verify(k, alg, sbuf_span(&bad), data);
		CHECK(flipped == SD_ERR_SIGNATURE || flipped == SD_ERR_ED25519_NONCANONICAL);
		/* Key type mismatch, before anything else is looked at. */
		CHECK_ERR(sigkey_verify(other, alg, sbuf_span(&sig), data), SD_ERR_KEY_TYPE);
		CHECK_ERR(sigkey_verify(other, alg, SPAN_NULL, data), SD_ERR_KEY_TYPE);
		sbuf_reset(&bad);
		CHECK_ERR(sigkey_sign(other, alg, &rs.base, data, &bad), SD_ERR_KEY_TYPE);
		CHECK_EQ_U(bad.len, 0);
		/* Every truncation of the signature blob fails. */
		for (size_t n = 0; n < sig.len; n++)
			CHECK(sigkey_verify(k, alg, (struct span){sig.data, n}, data) != SD_OK);

		/* Public blob round trip; the parsed key verifies but cannot sign. */
		CHECK_OK(sigkey_to_blob(k, &blob));
		CHECK_OK(sigkey_from_blob(sbuf_span(&blob), &pub));
		CHECK(pub && sigkey_equal_public(k, pub) && !sigkey_has_private(pub));
		CHECK(!sigkey_equal_public(k, other));
		if (pub) {
			CHECK_OK(sigkey_verify(pub, alg, sbuf_span(&sig), data));
			sbuf_reset(&bad);
			CHECK_ERR(sigkey_sign(pub, alg, &rs.base, data, &bad), SD_ERR_INVALID_ARG);
		}

		/* Private key file round trip. */
		CHECK_OK(sigkey_to_openssh_private(k, &file));
		CHECK_OK(sigkey_from_openssh_private(sbuf_span(&file), &priv));
		CHECK(priv && sigkey_has_private(priv) && sigkey_equal_public(k, priv));
		if (priv) {
			sbuf_reset(&sig);
			CHECK_OK(sigkey_sign(priv, alg, &rs.base, data, &sig));
			CHECK_OK(sigkey_verify(k, alg, sbuf_span(&sig), data));
		}
		if (pub)
			CHECK_ERR(sigkey_to_openssh_private(pub, &bad), SD_ERR_INVALID_ARG);
		sigkey_free(pub);
		sigkey_free(priv);
		sbuf_free(&sig);
		sbuf_free(&blob);
		sbuf_free(&bad);
		sbuf_free(&file);
	}
}

/* ---- RFC 8332 section 3 ---- */

static void rsa_hash_rules(void)
{
	static const uint8_t data_bytes[] = "userauth request";
	struct span data = {data_bytes, sizeof data_bytes - 1};
	struct sigkey *k = keys[SIGKEY_RSA];
	struct sbuf sha1 = SBUF_INIT, sha256 = SBUF_INIT, sha512 = SBUF_INIT, re = SBUF_INIT;
	const struct sig_alg *a1 = alg_named("ssh-rsa"), *a256 = alg_named("rsa-sha2-256"),
			     *a512 = alg_named("rsa-sha2-512");
	CHECK_OK(sigkey_sign(k, a1, &rng_system, data, &sha1));
	CHECK_OK(sigkey_sign(k, a256, &rng_system, data, &sha256));
	CHECK_OK(sigkey_sign(k, a512, &rng_system, data, &sha512));
	/* PKCS#1 v1.5 is deterministic. */
	CHECK_OK(sigkey_sign(k, a256, &rng_system, data, &re));
	CHECK(span_eq(sbuf_span(&re), sbuf_span(&sha256)));

	/* The PuTTY-CAC bug: an rsa-sha2-* name on a SHA-1 signature. */
	relabel(sbuf_span(&sha1), "rsa-sha2-256", &re);
	CHECK_ERR(sigkey_verify(k, a256, sbuf_span(&re), data), SD_ERR_RSA_SIG_HASH);
	relabel(sbuf_span(&sha1), "rsa-sha2-512", &re);
	CHECK_ERR(sigkey_verify(k, a512, sbuf_span(&re), data), SD_ERR_RSA_SIG_HASH);
	/* The other SHA-2. */
	relabel(sbuf_span(&sha256), "rsa-sha2-512", &re);
	CHECK_ERR(sigkey_verify(k, a512, sbuf_span(&re), data), SD_ERR_RSA_SIG_HASH);
	relabel(sbuf_span(&sha512), "rsa-sha2-256", &re);
	CHECK_ERR(sigkey_verify(k, a256, sbuf_span(&re), data), SD_ERR_RSA_SIG_HASH);
	/* ssh-rsa carrying a SHA-2 signature: just wrong. */
	relabel(sbuf_span(&sha256), "ssh-rsa", &re);
	CHECK_ERR(sigkey_verify(k, a1, sbuf_span(&re), data), SD_ERR_SIGNATURE);
	/* Another hash over other data is no excuse. */
	relabel(sbuf_span(&sha1), "rsa-sha2-256", &re);
	CHECK_ERR(sigkey_verify(k, a256, sbuf_span(&re), (struct span){data.p, data.len - 1}), SD_ERR_SIGNATURE);
	/* A correct rsa-sha2-256 blob where rsa-sha2-512 was negotiated. */
	CHECK_ERR(sigkey_verify(k, a512, sbuf_span(&sha256), data), SD_ERR_SIG_NAME);
	CHECK_ERR(sigkey_verify(k, a1, sbuf_span(&sha256), data), SD_ERR_SIG_NAME);

	/* Longer than the modulus: refused even with a leading zero. */
	struct span s = sig_of(sbuf_span(&sha256));
	struct sbuf longer = SBUF_INIT;
	CHECK_OK(sbuf_put_u8(&longer, 0));
	CHECK_OK(sbuf_put(&longer, s.p, s.len));
	sbuf_reset(&re);
	put_sig_blob(&re, "rsa-sha2-256", sbuf_span(&longer));
	CHECK_ERR(sigkey_verify(k, a256, sbuf_span(&re), data), SD_ERR_SIGNATURE);

	/* Shorter (a signature whose top byte is 0, sent without it) is
	 * padded, as OpenSSH does.  About one signature in 256 has one. */
	bool found = false;
	for (uint32_t i = 0; i < 4096 && !found; i++) {
		uint8_t msg[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
		sbuf_reset(&re);
		if (sigkey_sign(k, a256, &rng_system, (struct span){msg, 4}, &re) != SD_OK) {
			check_fail(__FILE__, __LINE__, "rsa-sha2-256 signing failed");
			break;
		}
		s = sig_of(sbuf_span(&re));
		if (s.len > 0 && s.p[0] == 0) {
			found = true;
			struct sbuf shorter = SBUF_INIT;
			put_sig_blob(&shorter, "rsa-sha2-256", (struct span){s.p + 1, s.len - 1});
			CHECK_OK(sigkey_verify(k, a256, sbuf_span(&shorter), (struct span){msg, 4}));
			sbuf_free(&shorter);
		}
	}
	CHECK(found);

	sbuf_free(&sha1);
	sbuf_free(&sha256);
	sbuf_free(&sha512);
	sbuf_free(&re);
	sbuf_free(&longer);
}

/* ---- ECDSA nonces from the rng ---- */

static void ecdsa_determinism(void)
{
	static const uint8_t data_bytes[] = "deterministic";
	struct span data = {data_bytes, sizeof data_bytes - 1};
	for (int t = SIGKEY_ECDSA_P256; t <= SIGKEY_ECDSA_P521; t++) {
		const struct sig_alg *alg = NULL;
		for (size_t i = 0; i < sig_algs_count; i++)
			if (sig_algs[i].type == (enum sigkey_type)t)
				alg = &sig_algs[i];
		struct sbuf a = SBUF_INIT, b = SBUF_INIT, c = SBUF_INIT;
		struct rng_seeded r1, r2, r3;
		rng_seeded_init(&r1, "seed one", 8);
		rng_seeded_init(&r2, "seed one", 8);
		rng_seeded_init(&r3, "seed two", 8);
		CHECK_OK(sigkey_sign(keys[t], alg, &r1.base, data, &a));
		CHECK_OK(sigkey_sign(keys[t], alg, &r2.base, data, &b));
		CHECK_OK(sigkey_sign(keys[t], alg, &r3.base, data, &c));
		CHECK(span_eq(sbuf_span(&a), sbuf_span(&b)));
		CHECK(!span_eq(sbuf_span(&a), sbuf_span(&c)));
		CHECK_OK(sigkey_verify(keys[t], alg, sbuf_span(&a), data));
		CHECK_OK(sigkey_verify(keys[t], alg, sbuf_span(&c), data));
		/* The rng's next output is a new nonce. */
		sbuf_reset(&b);
		CHECK_OK(sigkey_sign(keys[t], alg, &r1.base, data, &b));
		CHECK(!span_eq(sbuf_span(&a), sbuf_span(&b)));

		/* r = 0 and a negative / non-canonical mpint in the signature. */
		struct sbuf inner = SBUF_INIT;
		CHECK_OK(sbuf_put_u32(&inner, 0));     /* r = 0 */
		CHECK_OK(sbuf_put_u32(&inner, 1));     /* s = 1 */
		CHECK_OK(sbuf_put_u8(&inner, 1));
		sbuf_reset(&b);
		put_sig_blob(&b, alg->name, sbuf_span(&inner));
		CHECK_ERR(sigkey_verify(keys[t], alg, sbuf_span(&b), data), SD_ERR_SIGNATURE);
		inner.data[8] = 0x80; /* s = -128 */
		sbuf_reset(&b);
		put_sig_blob(&b, alg->name, sbuf_span(&inner));
		CHECK_ERR(sigkey_verify(keys[t], alg, sbuf_span(&b), data), SD_ERR_MPINT_NEGATIVE);
		inner.data[8] = 1;
		CHECK_OK(sbuf_put_u8(&inner, 0));
		sbuf_reset(&b);
		put_sig_blob(&b, alg->name, sbuf_span(&inner));
		CHECK_ERR(sigkey_verify(keys[t], alg, sbuf_span(&b), data), SD_ERR_TRAILING);
		sbuf_free(&inner);
		sbuf_free(&a);
		sbuf_free(&b);
		sbuf_free(&c);
	}
}

/* ---- malformed public key blobs ---- */

static void malformed_blobs(void)
{
	for (int t = SIGKEY_ED25519; t <= SIGKEY_RSA; t++) {
		struct sbuf blob = SBUF_INIT;
		struct sigkey *k = (struct sigkey *)&blob; /* must be reset to NULL */
		CHECK_OK(sigkey_to_blob(keys[t], &blob));
		for (size_t n = 0; n < blob.len; n++) {
			CHECK(sigkey_from_blob((struct span){blob.data, n}, &k) != SD_OK);
			CHECK(k == NULL);
		}
		CHECK_OK(sbuf_put_u8(&blob, 0));
		CHECK_ERR(sigkey_from_blob(sbuf_span(&blob), &k), SD_ERR_TRAILING);
		sbuf_free(&blob);
	}

	struct sigkey *k = NULL;
	struct sbuf b = SBUF_INIT, q = SBUF_INIT, p256 = SBUF_INIT;
	CHECK_OK(sigkey_to_blob(keys[SIGKEY_ECDSA_P256], &p256));
	/* RFC 5656 section 3.1: string name, string curve, string Q (65). */
	CHECK_EQ_U(p256.len, 4 + 19 + 4 + 8 + 4 + 65);
	CHECK_OK(sbuf_put(&q, p256.data + p256.len - 65, 65));
	CHECK_EQ_U(q.data[0], 4);

	/* Point off the curve: y changed. */
	p256.data[p256.len - 1] ^= 1;
	CHECK_ERR(sigkey_from_blob(sbuf_span(&p256), &k), SD_ERR_KEY_BLOB);
	p256.data[p256.len - 1] ^= 1;
	CHECK_OK(sigkey_from_blob(sbuf_span(&p256), &k));
	sigkey_free(k);
	/* Compressed form of the same point. */
	CHECK_OK(sbuf_put_cstring(&b, "ecdsa-sha2-nistp256"));
	CHECK_OK(sbuf_put_cstring(&b, "nistp256"));
	uint8_t comp[33];
	comp[0] = (uint8_t)(2 | (q.data[64] & 1));
	memcpy(comp + 1, q.data + 1, 32);
	CHECK_OK(sbuf_put_string(&b, comp, sizeof comp));
	CHECK_ERR(sigkey_from_blob(sbuf_span(&b), &k), SD_ERR_KEY_BLOB);
	/* Name and curve identifier disagree. */
	sbuf_reset(&b);
	CHECK_OK(sbuf_put_cstring(&b, "ecdsa-sha2-nistp256"));
	CHECK_OK(sbuf_put_cstring(&b, "nistp384"));
	CHECK_OK(sbuf_put_span(&b, sbuf_span(&q)));
	CHECK_ERR(sigkey_from_blob(sbuf_span(&b), &k), SD_ERR_KEY_BLOB);
	sbuf_reset(&b);
	CHECK_OK(sbuf_put_cstring(&b, "ecdsa-sha2-nistp384"));
	CHECK_OK(sbuf_put_cstring(&b, "nistp384"));
	CHECK_OK(sbuf_put_span(&b, sbuf_span(&q)));
	CHECK_ERR(sigkey_from_blob(sbuf_span(&b), &k), SD_ERR_KEY_BLOB);
	/* The point at infinity (a single 0x00). */
	sbuf_reset(&b);
	CHECK_OK(sbuf_put_cstring(&b, "ecdsa-sha2-nistp256"));
	CHECK_OK(sbuf_put_cstring(&b, "nistp256"));
	CHECK_OK(sbuf_put_string(&b, "", 1));
	CHECK_ERR(sigkey_from_blob(sbuf_span(&b), &k), SD_ERR_KEY_BLOB);

	/* Ed25519 key of the wrong size (RFC 8709 section 4). */
	sbuf_reset(&b);
	CHECK_OK(sbuf_put_cstring(&b, "ssh-ed25519"));
	CHECK_OK(sbuf_put_string(&b, q.data, 31));
	CHECK_ERR(sigkey_from_blob(sbuf_span(&b), &k), SD_ERR_KEY_BLOB);
	/* Unknown type. */
	sbuf_reset(&b);
	CHECK_OK(sbuf_put_cstring(&b, "ssh-dss"));
	CHECK_ERR(sigkey_from_blob(sbuf_span(&b), &k), SD_ERR_UNSUPPORTED);

	/* RSA modulus sizes: 512 and 1023 bits refused, 1024 accepted. */
	static const struct {
		size_t bytes;
		uint8_t top;
		sd_err want;
	} rsa[] = {
		{64, 0xc1, SD_ERR_RSA_KEY_SIZE},
		{128, 0x7f, SD_ERR_RSA_KEY_SIZE},
		{128, 0x80, SD_OK},
	};
	static const uint8_t e65537[] = {1, 0, 1};
	for (size_t i = 0; i < sizeof rsa / sizeof rsa[0]; i++) {
		uint8_t n[128];
		memset(n, 0x5b, sizeof n);
		n[0] = rsa[i].top;
		sbuf_reset(&b);
		CHECK_OK(sbuf_put_cstring(&b, "ssh-rsa"));
		CHECK_OK(sbuf_put_mpint_unsigned(&b, e65537, 3));
		CHECK_OK(sbuf_put_mpint_unsigned(&b, n, rsa[i].bytes));
		CHECK_ERR(sigkey_from_blob(sbuf_span(&b), &k), rsa[i].want);
		sigkey_free(k);
		k = NULL;
	}
	/* Even e; non-canonical mpint e. */
	uint8_t n[256];
	memset(n, 0xa7, sizeof n);
	sbuf_reset(&b);
	CHECK_OK(sbuf_put_cstring(&b, "ssh-rsa"));
	CHECK_OK(sbuf_put_mpint_unsigned(&b, (const uint8_t *)"\x01\x00\x00", 3));
	CHECK_OK(sbuf_put_mpint_unsigned(&b, n, sizeof n));
	CHECK_ERR(sigkey_from_blob(sbuf_span(&b), &k), SD_ERR_KEY_BLOB);
	sbuf_reset(&b);
	CHECK_OK(sbuf_put_cstring(&b, "ssh-rsa"));
	CHECK_OK(sbuf_put_string(&b, "\x00\x01\x00\x01", 4));
	CHECK_OK(sbuf_put_mpint_unsigned(&b, n, sizeof n));
	CHECK_ERR(sigkey_from_blob(sbuf_span(&b), &k), SD_ERR_MPINT_NONCANONICAL);

	sbuf_free(&b);
	sbuf_free(&q);
	sbuf_free(&p256);
}

/* ---- OpenSSH private key files (PROTOCOL.key), built by hand ---- */

struct keyfile_opts {
	const char *magic; /* written with its NUL */
	const char *cipher;
	uint32_t nkeys;
	uint32_t check2;
	const char *pub_hex; /* public key in the header */
	uint8_t pad_first;   /* padding starts at this value */
};

static void build_keyfile(const struct keyfile_opts *o, struct sbuf *bin)
{
	struct sbuf seed = check_hex(rfc8032[0].seed), pk = check_hex(rfc8032[0].pk),
		    hdr_pk = check_hex(o->pub_hex);
	struct sbuf pub = SBUF_INIT, priv = SBUF_INIT;
	CHECK_OK(sbuf_put_cstring(&pub, "ssh-ed25519"));
	CHECK_OK(sbuf_put_span(&pub, sbuf_span(&hdr_pk)));
	CHECK_OK(sbuf_put_u32(&priv, 0x01020304));
	CHECK_OK(sbuf_put_u32(&priv, o->check2));
	CHECK_OK(sbuf_put_cstring(&priv, "ssh-ed25519"));
	CHECK_OK(sbuf_put_span(&priv, sbuf_span(&pk)));
	CHECK_OK(sbuf_put_u32(&priv, 64));
	CHECK_OK(sbuf_put(&priv, seed.data, 32));
	CHECK_OK(sbuf_put(&priv, pk.data, 32));
	CHECK_OK(sbuf_put_cstring(&priv, "test@example"));
	for (uint8_t i = o->pad_first; priv.len % 8 != 0; i++)
		CHECK_OK(sbuf_put_u8(&priv, i));

	CHECK_OK(sbuf_put(bin, o->magic, strlen(o->magic) + 1));
	CHECK_OK(sbuf_put_cstring(bin, o->cipher));
	CHECK_OK(sbuf_put_cstring(bin, o->cipher)); /* kdfname: "none" with "none" */
	CHECK_OK(sbuf_put_string(bin, NULL, 0));
	CHECK_OK(sbuf_put_u32(bin, o->nkeys));
	for (uint32_t i = 0; i < o->nkeys; i++)
		CHECK_OK(sbuf_put_span(bin, sbuf_span(&pub)));
	CHECK_OK(sbuf_put_span(bin, sbuf_span(&priv)));
	sbuf_free(&seed);
	sbuf_free(&pk);
	sbuf_free(&hdr_pk);
	sbuf_free(&pub);
	sbuf_free(&priv);
}

static sd_err load_built(const struct keyfile_opts *o, struct sigkey **k)
{
	struct sbuf bin = SBUF_INIT, text = SBUF_INIT;
	build_keyfile(o, &bin);
	b64_armour(sbuf_span(&bin), &text);
	sd_err e = sigkey_from_openssh_private(sbuf_span(&text), k);
	sbuf_free(&bin);
	sbuf_free(&text);
	return e;
}

static void key_files(void)
{
	const struct keyfile_opts good = {"openssh-key-v1", "none", 1, 0x01020304, rfc8032[0].pk, 1};
	struct sigkey *k = NULL, *want = NULL;
	struct sbuf seed = check_hex(rfc8032[0].seed);
	CHECK_OK(sigkey_from_ed25519_seed(seed.data, &want));

	CHECK_OK(load_built(&good, &k));
	CHECK(k && sigkey_has_private(k) && sigkey_equal_public(k, want));
	sigkey_free(k);
	k = NULL;

	struct keyfile_opts o;
	o = good, o.magic = "openssh-key-v2";
	CHECK_ERR(load_built(&o, &k), SD_ERR_KEY_FILE);
	o = good, o.cipher = "aes256-ctr"; /* encrypted */
	CHECK_ERR(load_built(&o, &k), SD_ERR_KEY_FILE);
	o = good, o.nkeys = 2;
	CHECK_ERR(load_built(&o, &k), SD_ERR_KEY_FILE);
	o = good, o.check2 = 0x01020305;
	CHECK_ERR(load_built(&o, &k), SD_ERR_KEY_FILE);
	o = good, o.pad_first = 2;
	CHECK_ERR(load_built(&o, &k), SD_ERR_KEY_FILE);
	o = good, o.pub_hex = rfc8032[1].pk; /* header and private key differ */
	CHECK_ERR(load_built(&o, &k), SD_ERR_KEY_FILE);
	CHECK(k == NULL);

	/* Every truncation of the binary, re-armoured. */
	struct sbuf bin = SBUF_INIT, text = SBUF_INIT;
	build_keyfile(&good, &bin);
	for (size_t n = 0; n < bin.len; n++) {
		sbuf_reset(&text);
		b64_armour((struct span){bin.data, n}, &text);
		CHECK_ERR(sigkey_from_openssh_private(sbuf_span(&text), &k), SD_ERR_KEY_FILE);
	}
	/* Armour and base64 damage. */
	sbuf_reset(&text);
	b64_armour(sbuf_span(&bin), &text);
	CHECK_OK(sigkey_from_openssh_private(sbuf_span(&text), &k));
	sigkey_free(k);
	k = NULL;
	const char *begin = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
	size_t at = strlen(begin) + 10;
	uint8_t saved = text.data[at];
	text.data[at] = '*';
	CHECK_ERR(sigkey_from_openssh_private(sbuf_span(&text), &k), SD_ERR_KEY_FILE);
	text.data[at] = '=';
	CHECK_ERR(sigkey_from_openssh_private(sbuf_span(&text), &k), SD_ERR_KEY_FILE);
	text.data[at] = saved;
	text.data[text.len - 3] = 'X'; /* END line damaged */
	CHECK_ERR(sigkey_from_openssh_private(sbuf_span(&text), &k), SD_ERR_KEY_FILE);
	CHECK_ERR(sigkey_from_openssh_private(span_cstr("hello\n"), &k), SD_ERR_KEY_FILE);
	CHECK_ERR(sigkey_from_openssh_private(SPAN_NULL, &k), SD_ERR_KEY_FILE);
	CHECK_ERR(sigkey_from_openssh_private(span_cstr("-----BEGIN OPENSSH PRIVATE KEY-----\n"
							"-----END OPENSSH PRIVATE KEY-----\n"),
					      &k),
		  SD_ERR_KEY_FILE);
	CHECK_ERR(sigkey_load_file("/nonexistent/sshdiff/key", &k), SD_ERR_KEY_FILE);
	CHECK(k == NULL);

	sigkey_free(want);
	sbuf_free(&seed);
	sbuf_free(&bin);
	sbuf_free(&text);
}

/* ---- interop with OpenSSH's ssh-keygen ---- */

/* Runs argv without a shell, stdin from in_path (NULL: /dev/null), stdout
 * into out (may be NULL), stderr discarded.  Returns the exit status or -1. */
static int run(const char *const argv[], const char *in_path, struct sbuf *out)
{
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		int dn = open("/dev/null", O_RDWR), in = open(in_path ? in_path : "/dev/null", O_RDONLY);
		dup2(fd[1], 1);
		if (in >= 0)
			dup2(in, 0);
		if (dn >= 0)
			dup2(dn, 2);
		if (in > 2)
			close(in);
		if (dn > 2)
			close(dn);
		close(fd[0]);
		close(fd[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fd[1]);
	uint8_t buf[4096];
	ssize_t n;
	while ((n = read(fd[0], buf, sizeof buf)) > 0)
		if (out)
			CHECK_OK(sbuf_put(out, buf, (size_t)n));
	close(fd[0]);
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void read_file(const char *path, struct sbuf *out)
{
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	uint8_t buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		CHECK_OK(sbuf_put(out, buf, n));
	fclose(f);
}

/* Length of the first two space-separated fields ("type base64"). */
static size_t two_fields(struct span line)
{
	size_t i = 0, spaces = 0;
	while (i < line.len && line.p[i] != '\n' && line.p[i] != '\r') {
		if (line.p[i] == ' ' && ++spaces == 2)
			break;
		i++;
	}
	return i;
}

static void check_public_line(const struct sigkey *k, struct span line)
{
	struct sbuf ours = SBUF_INIT;
	CHECK_OK(sigkey_to_public_line(k, &ours));
	size_t n = two_fields(line);
	CHECK_EQ_U(n, ours.len);
	if (n == ours.len)
		CHECK_MEM(line.p, ours.data, n);
	sbuf_free(&ours);
}

/* ---- SSHSIG (OpenSSH PROTOCOL.sshsig): what ssh-keygen -Y signs and
 * checks, used here only as an independent check of signature blobs ---- */

#define SSHSIG_NS "file"
static const char sshsig_msg[] = "signed for sshdiff\n";

static void write_file(const char *path, struct span data)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ_U(fwrite(data.p, 1, data.len, f), data.len);
	fclose(f);
}

/* byte[6] "SSHSIG", string namespace, string reserved, string
 * hash_algorithm, string H(message). */
static void sshsig_signed_data(const char *msg, struct sbuf *out)
{
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned hl = 0;
	CHECK(EVP_Digest(msg, strlen(msg), h, &hl, EVP_sha512(), NULL) == 1);
	CHECK_OK(sbuf_put(out, "SSHSIG", 6));
	CHECK_OK(sbuf_put_cstring(out, SSHSIG_NS));
	CHECK_OK(sbuf_put_cstring(out, ""));
	CHECK_OK(sbuf_put_cstring(out, "sha512"));
	CHECK_OK(sbuf_put_string(out, h, hl));
}

/* ssh-keygen -Y check-novalidate accepts our signature, and refuses it for
 * another message. */
static void ssh_keygen_checks_ours(const char *dir, const struct sigkey *k, const struct sig_alg *alg)
{
	char msg_path[512], sig_path[512];
	struct sbuf data = SBUF_INIT, sig = SBUF_INIT, pub = SBUF_INIT, bin = SBUF_INIT, text = SBUF_INIT;
	snprintf(msg_path, sizeof msg_path, "%s/msg", dir);
	snprintf(sig_path, sizeof sig_path, "%s/msg.sig", dir);
	sshsig_signed_data(sshsig_msg, &data);
	CHECK_OK(sigkey_sign(k, alg, &rng_system, sbuf_span(&data), &sig));
	CHECK_OK(sigkey_to_blob(k, &pub));
	/* byte[6] "SSHSIG", uint32 1, string publickey, string namespace,
	 * string reserved, string hash_algorithm, string signature */
	CHECK_OK(sbuf_put(&bin, "SSHSIG", 6));
	CHECK_OK(sbuf_put_u32(&bin, 1));
	CHECK_OK(sbuf_put_span(&bin, sbuf_span(&pub)));
	CHECK_OK(sbuf_put_cstring(&bin, SSHSIG_NS));
	CHECK_OK(sbuf_put_cstring(&bin, ""));
	CHECK_OK(sbuf_put_cstring(&bin, "sha512"));
	CHECK_OK(sbuf_put_span(&bin, sbuf_span(&sig)));
	armour(sbuf_span(&bin), "SSH SIGNATURE", &text);
	write_file(sig_path, sbuf_span(&text));
	const char *argv[] = {SSH_KEYGEN, "-Y", "check-novalidate", "-n", SSHSIG_NS, "-s", sig_path, NULL};
	write_file(msg_path, span_cstr(sshsig_msg));
	CHECK_EQ_U(run(argv, msg_path, NULL), 0);
	write_file(msg_path, span_cstr("another message\n"));
	CHECK(run(argv, msg_path, NULL) != 0);
	unlink(msg_path);
	unlink(sig_path);
	sbuf_free(&data);
	sbuf_free(&sig);
	sbuf_free(&pub);
	sbuf_free(&bin);
	sbuf_free(&text);
}

/* A signature made by ssh-keygen -Y sign verifies with our code. */
static void we_check_ssh_keygen(const char *dir, const char *key_path, const struct sigkey *k)
{
	char msg_path[512], sig_path[512];
	struct sbuf text = SBUF_INIT, bin = SBUF_INIT, data = SBUF_INIT, ours = SBUF_INIT;
	snprintf(msg_path, sizeof msg_path, "%s/msg", dir);
	snprintf(sig_path, sizeof sig_path, "%s/msg.sig", dir);
	write_file(msg_path, span_cstr(sshsig_msg));
	const char *argv[] = {SSH_KEYGEN, "-Y", "sign", "-f", key_path, "-n", SSHSIG_NS, msg_path, NULL};
	CHECK_EQ_U(run(argv, NULL, NULL), 0);
	read_file(sig_path, &text);
	dearmour(sbuf_span(&text), &bin);
	struct sview v = sview_make(bin.data, bin.len);
	struct span magic, pub, ns, reserved, hash, sig, name;
	uint32_t version;
	bool ok = sview_get_bytes(&v, 6, &magic) == SD_OK && sview_get_u32(&v, &version) == SD_OK &&
		  sview_get_string(&v, &pub) == SD_OK && sview_get_string(&v, &ns) == SD_OK &&
		  sview_get_string(&v, &reserved) == SD_OK && sview_get_string(&v, &hash) == SD_OK &&
		  sview_get_string(&v, &sig) == SD_OK && sview_end(&v) == SD_OK;
	CHECK(ok);
	if (ok) {
		CHECK(span_eq_cstr(magic, "SSHSIG") && version == 1 && span_eq_cstr(ns, SSHSIG_NS));
		CHECK(span_eq_cstr(hash, "sha512"));
		CHECK_OK(sigkey_to_blob(k, &ours));
		CHECK(span_eq(pub, sbuf_span(&ours)));
		struct sview sv = sview_make(sig.p, sig.len);
		CHECK_OK(sview_get_string(&sv, &name));
		const struct sig_alg *alg = sig_alg_by_name(name);
		CHECK(alg != NULL);
		if (alg) {
			sshsig_signed_data(sshsig_msg, &data);
			CHECK_OK(sigkey_verify(k, alg, sig, sbuf_span(&data)));
			sbuf_reset(&data);
			sshsig_signed_data("another message\n", &data);
			CHECK_ERR(sigkey_verify(k, alg, sig, sbuf_span(&data)), SD_ERR_SIGNATURE);
		}
	}
	unlink(msg_path);
	unlink(sig_path);
	sbuf_free(&text);
	sbuf_free(&bin);
	sbuf_free(&data);
	sbuf_free(&ours);
}

static void ssh_keygen_keys(const char *dir)
{
	static const struct {
		const char *type, *bits;
		enum sigkey_type t;
	} kinds[] = {
		{"ed25519", NULL, SIGKEY_ED25519},     {"ecdsa", "256", SIGKEY_ECDSA_P256},
		{"ecdsa", "384", SIGKEY_ECDSA_P384},   {"ecdsa", "521", SIGKEY_ECDSA_P521},
		{"rsa", "2048", SIGKEY_RSA},
	};
	char path[512], pubpath[520];
	snprintf(path, sizeof path, "%s/key", dir);
	snprintf(pubpath, sizeof pubpath, "%s/key.pub", dir);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const char *argv[] = {SSH_KEYGEN, "-q", "-t", kinds[i].type, "-N", "", "-f", path, NULL, NULL, NULL};
		if (kinds[i].bits) {
			argv[6] = "-b";
			argv[7] = kinds[i].bits;
			argv[8] = "-f";
			argv[9] = path;
		}
		CHECK_EQ_U(run(argv, NULL, NULL), 0);
		struct sigkey *k = NULL, *pub = NULL;
		struct sbuf line = SBUF_INIT, blob = SBUF_INIT;
		CHECK_OK(sigkey_load_file(path, &k));
		read_file(pubpath, &line);
		if (!k || line.len == 0) {
			sigkey_free(k);
			sbuf_free(&line);
			continue;
		}
		CHECK(sigkey_type(k) == kinds[i].t && sigkey_has_private(k));
		check_public_line(k, sbuf_span(&line));
		/* The .pub line's blob, decoded independently of sigkey. */
		size_t n = two_fields(sbuf_span(&line));
		const char *sp = memchr(line.data, ' ', n);
		CHECK(sp != NULL);
		if (sp) {
			const char *b64 = sp + 1;
			b64_decode(b64, n - (size_t)(b64 - (const char *)line.data), &blob);
			CHECK_OK(sigkey_from_blob(sbuf_span(&blob), &pub));
		}
		CHECK(pub && sigkey_equal_public(k, pub));
		if (pub)
			we_check_ssh_keygen(dir, path, pub);
		for (size_t j = 0; pub && j < sig_algs_count; j++) {
			if (sig_algs[j].type != kinds[i].t)
				continue;
			struct sbuf sig = SBUF_INIT;
			CHECK_OK(sigkey_sign(k, &sig_algs[j], &rng_system, span_cstr("interop"), &sig));
			CHECK_OK(sigkey_verify(pub, &sig_algs[j], sbuf_span(&sig), span_cstr("interop")));
			sbuf_free(&sig);
		}
		sigkey_free(k);
		sigkey_free(pub);
		sbuf_free(&line);
		sbuf_free(&blob);
		unlink(path);
		unlink(pubpath);
	}
}

/* Our key files must be readable by ssh-keygen -y. */
static void our_keys_to_ssh_keygen(const char *dir)
{
	char path[512];
	snprintf(path, sizeof path, "%s/own", dir);
	for (int t = SIGKEY_ED25519; t <= SIGKEY_RSA; t++) {
		struct sbuf file = SBUF_INIT, out = SBUF_INIT;
		struct sigkey *back = NULL;
		CHECK_OK(sigkey_to_openssh_private(keys[t], &file));
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		CHECK(fd >= 0);
		if (fd >= 0) {
			CHECK_EQ_U(write(fd, file.data, file.len), file.len);
			close(fd);
		}
		const char *argv[] = {SSH_KEYGEN, "-y", "-f", path, NULL};
		CHECK_EQ_U(run(argv, NULL, &out), 0);
		check_public_line(keys[t], sbuf_span(&out));
		CHECK_OK(sigkey_load_file(path, &back));
		CHECK(back && sigkey_equal_public(back, keys[t]));
		/* SSHSIG has no SHA-1: ssh-rsa is left out. */
		for (size_t j = 0; j < sig_algs_count; j++)
			if (sig_algs[j].type == (enum sigkey_type)t && sig_algs[j].hash != SIG_HASH_SHA1)
				ssh_keygen_checks_ours(dir, keys[t], &sig_algs[j]);
		sigkey_free(back);
		unlink(path);
		sbuf_free(&file);
		sbuf_free(&out);
	}
}

static void interop(void)
{
	if (access(SSH_KEYGEN, X_OK) != 0) {
		check_fail(__FILE__, __LINE__, "%s missing", SSH_KEYGEN);
		return;
	}
	char dir[] = "/tmp/sshdiff-sigkey-XXXXXX";
	if (!mkdtemp(dir)) {
		check_fail(__FILE__, __LINE__, "mkdtemp failed");
		return;
	}
	ssh_keygen_keys(dir);
	our_keys_to_ssh_keygen(dir);
	CHECK_EQ_U(rmdir(dir), 0);
}

int main(void)
{
	for (int t = SIGKEY_ED25519; t <= SIGKEY_RSA; t++) {
		CHECK_OK(sigkey_generate((enum sigkey_type)t, 2048, &keys[t]));
		if (!keys[t])
			return check_finish();
	}
	struct sigkey *small = NULL;
	CHECK_ERR(sigkey_generate(SIGKEY_RSA, 512, &small), SD_ERR_RSA_KEY_SIZE);
	CHECK(small == NULL);

	table();
	ed25519_vectors();
	ed25519_malleability();
	round_trips();
	rsa_hash_rules();
	ecdsa_determinism();
	malformed_blobs();
	key_files();
	interop();

	for (int t = SIGKEY_ED25519; t <= SIGKEY_RSA; t++)
		sigkey_free(keys[t]);
	return check_finish();
}

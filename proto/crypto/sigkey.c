/*
 * sigkey.c — the signature algorithm table, the outer layer of key and
 * signature blobs (RFC 4253 section 6.6), public key lines and OpenSSH's
 * unencrypted private key file (PROTOCOL.key).  The per-family fields and
 * the crypto live in sigkey_ed25519.c, sigkey_ecdsa.c and sigkey_rsa.c.
 */
#include "sigkey_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>

/* ---- algorithm table ---- */

/* Default preference order; one list so the table and the default proposal
 * cannot drift apart.  RFC 8709, RFC 5656 section 6.2.1, RFC 8332 section 3,
 * RFC 4253 section 6.6. */
#define SIG_ALGS(X)                                                          \
	X("ssh-ed25519", "ssh-ed25519", SIGKEY_ED25519, SIG_HASH_NONE)       \
	X("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", SIGKEY_ECDSA_P256, SIG_HASH_SHA256) \
	X("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", SIGKEY_ECDSA_P384, SIG_HASH_SHA384) \
	X("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521", SIGKEY_ECDSA_P521, SIG_HASH_SHA512) \
	X("rsa-sha2-512", "ssh-rsa", SIGKEY_RSA, SIG_HASH_SHA512)             \
	X("rsa-sha2-256", "ssh-rsa", SIGKEY_RSA, SIG_HASH_SHA256)             \
	X("ssh-rsa", "ssh-rsa", SIGKEY_RSA, SIG_HASH_SHA1)

#define SIG_ALG_ENTRY_(name, key_name, type, hash) {name, key_name, type, hash},
#define SIG_ALG_NAME_(name, key_name, type, hash) "," name

const struct sig_alg sig_algs[] = {SIG_ALGS(SIG_ALG_ENTRY_)};
const size_t sig_algs_count = sizeof sig_algs / sizeof sig_algs[0];

const struct sig_alg *sig_alg_by_name(struct span name)
{
	for (size_t i = 0; i < sig_algs_count; i++)
		if (span_eq_cstr(name, sig_algs[i].name))
			return &sig_algs[i];
	return NULL;
}

const char *sig_default_list(void)
{
	static const char list[] = SIG_ALGS(SIG_ALG_NAME_);
	return list + 1; /* skip the leading comma */
}

const char *sigkey_type_name(enum sigkey_type t)
{
	switch (t) {
	case SIGKEY_ED25519:
		return "ssh-ed25519";
	case SIGKEY_ECDSA_P256:
		return "ecdsa-sha2-nistp256";
	case SIGKEY_ECDSA_P384:
		return "ecdsa-sha2-nistp384";
	case SIGKEY_ECDSA_P521:
		return "ecdsa-sha2-nistp521";
	case SIGKEY_RSA:
		return "ssh-rsa";
	}
	return NULL;
}

static bool type_by_name(struct span name, enum sigkey_type *t)
{
	for (int i = SIGKEY_ED25519; i <= SIGKEY_RSA; i++) {
		if (span_eq_cstr(name, sigkey_type_name((enum sigkey_type)i))) {
			*t = (enum sigkey_type)i;
			return true;
		}
	}
	return false;
}

static const struct sigkey_family *family_of(enum sigkey_type t)
{
	switch (t) {
	case SIGKEY_ED25519:
		return &sigkey_ed25519_family;
	case SIGKEY_ECDSA_P256:
	case SIGKEY_ECDSA_P384:
	case SIGKEY_ECDSA_P521:
		return &sigkey_ecdsa_family;
	case SIGKEY_RSA:
		return &sigkey_rsa_family;
	}
	return NULL;
}

/* ---- helpers shared with the families ---- */

const EVP_MD *sig_hash_md(enum sig_hash h)
{
	switch (h) {
	case SIG_HASH_NONE:
		return NULL;
	case SIG_HASH_SHA1:
		return EVP_sha1();
	case SIG_HASH_SHA256:
		return EVP_sha256();
	case SIG_HASH_SHA384:
		return EVP_sha384();
	case SIG_HASH_SHA512:
		return EVP_sha512();
	}
	return NULL;
}

sd_err sig_digest(enum sig_hash h, struct span data, uint8_t *out, size_t *out_len)
{
	static const uint8_t empty[1];
	const EVP_MD *md = sig_hash_md(h);
	unsigned n = 0;
	if (!md)
		return SD_ERR_INVALID_ARG;
	if (!EVP_Digest(data.len ? data.p : empty, data.len, out, &n, md, NULL)) {
		ERR_clear_error();
		return SD_ERR_INTERNAL;
	}
	*out_len = n;
	return SD_OK;
}

sd_err sig_bn_from_mpint(struct span mpint, bool secret, BIGNUM **out)
{
	static const uint8_t zero[1];
	struct span mag = mpint_magnitude(mpint);
	*out = secret ? BN_secure_new() : BN_new();
	if (!*out)
		return SD_ERR_NOMEM;
	if (secret)
		BN_set_flags(*out, BN_FLG_CONSTTIME);
	if (mag.len > (size_t)INT32_MAX || !BN_bin2bn(mag.len ? mag.p : zero, (int)mag.len, *out)) {
		BN_clear_free(*out);
		*out = NULL;
		ERR_clear_error();
		return SD_ERR_NOMEM;
	}
	return SD_OK;
}

sd_err sig_put_bn(struct sbuf *out, const BIGNUM *bn)
{
	if (BN_is_negative(bn))
		return SD_ERR_INVALID_ARG;
	size_t n = (size_t)BN_num_bytes(bn);
	uint8_t *mag = malloc(n ? n : 1);
	if (!mag)
		return SD_ERR_NOMEM;
	BN_bn2bin(bn, mag);
	sd_err e = sbuf_put_mpint_unsigned(out, mag, n);
	wipe(mag, n); /* may be a private exponent */
	free(mag);
	return e;
}

/* ---- keys ---- */

struct sigkey *sigkey_alloc(enum sigkey_type t)
{
	struct sigkey *k = calloc(1, sizeof *k);
	if (k)
		k->type = t;
	return k;
}

void sigkey_free(struct sigkey *k)
{
	if (!k)
		return;
	/* OpenSSL clears private material when it frees it. */
	EVP_PKEY_free(k->pkey);
	EC_KEY_free(k->ec);
	free(k);
}

enum sigkey_type sigkey_type(const struct sigkey *k)
{
	return k->type;
}

bool sigkey_has_private(const struct sigkey *k)
{
	return k->has_private;
}

bool sigkey_matches_alg(const struct sigkey *k, const struct sig_alg *alg)
{
	return alg && k->type == alg->type;
}

sd_err sigkey_from_blob(struct span blob, struct sigkey **out)
{
	struct sview v = sview_make(blob.p, blob.len);
	struct span name;
	enum sigkey_type t;
	*out = NULL;
	/* RFC 4253 section 6.6: string key type, then type-specific fields. */
	sd_err e = sview_get_string(&v, &name);
	if (e != SD_OK)
		return e;
	if (!type_by_name(name, &t))
		return SD_ERR_UNSUPPORTED;
	struct sigkey *k = sigkey_alloc(t);
	if (!k)
		return SD_ERR_NOMEM;
	e = family_of(t)->pub_parse(k, &v);
	if (e == SD_OK)
		e = sview_end(&v);
	if (e != SD_OK) {
		sigkey_free(k);
		return e;
	}
	*out = k;
	return SD_OK;
}

sd_err sigkey_to_blob(const struct sigkey *k, struct sbuf *out)
{
	sd_err e = sbuf_put_cstring(out, sigkey_type_name(k->type));
	return e ? e : family_of(k->type)->pub_write(k, out);
}

bool sigkey_equal_public(const struct sigkey *a, const struct sigkey *b)
{
	struct sbuf ba = SBUF_INIT, bb = SBUF_INIT;
	bool eq = a && b && sigkey_to_blob(a, &ba) == SD_OK && sigkey_to_blob(b, &bb) == SD_OK &&
		  span_eq(sbuf_span(&ba), sbuf_span(&bb));
	sbuf_free(&ba);
	sbuf_free(&bb);
	return eq;
}

sd_err sigkey_generate(enum sigkey_type t, unsigned rsa_bits, struct sigkey **out)
{
	*out = NULL;
	const struct sigkey_family *f = family_of(t);
	if (!f)
		return SD_ERR_INVALID_ARG;
	struct sigkey *k = sigkey_alloc(t);
	if (!k)
		return SD_ERR_NOMEM;
	sd_err e = f->generate(k, rsa_bits);
	if (e != SD_OK) {
		sigkey_free(k);
		return e;
	}
	k->has_private = true;
	*out = k;
	return SD_OK;
}

/* ---- signatures ---- */

sd_err sigkey_sign(const struct sigkey *k, const struct sig_alg *alg, struct rng *rng, struct span data,
		   struct sbuf *sig_blob)
{
	if (!sigkey_matches_alg(k, alg))
		return SD_ERR_KEY_TYPE;
	if (!k->has_private)
		return SD_ERR_INVALID_ARG;
	struct sbuf sig = SBUF_INIT;
	size_t start = sig_blob->len;
	sd_err e = family_of(k->type)->sign(k, alg, rng, data, &sig);
	/* RFC 4253 section 6.6: string algorithm name, string signature. */
	if (e == SD_OK)
		e = sbuf_put_cstring(sig_blob, alg->name);
	if (e == SD_OK)
		e = sbuf_put_string(sig_blob, sig.data, sig.len);
	if (e != SD_OK)
		sig_blob->len = start;
	sbuf_free(&sig);
	return e;
}

sd_err sigkey_verify(const struct sigkey *k, const struct sig_alg *alg, struct span sig_blob, struct span data)
{
	if (!sigkey_matches_alg(k, alg))
		return SD_ERR_KEY_TYPE;
	struct sview v = sview_make(sig_blob.p, sig_blob.len);
	struct span name, sig;
	sd_err e = sview_get_string(&v, &name);
	if (e == SD_OK)
		e = sview_get_string(&v, &sig);
	if (e == SD_OK)
		e = sview_end(&v);
	if (e != SD_OK)
		return e;
	/* The blob must name the algorithm that was negotiated / requested
	 * (RFC 4253 section 6.6, RFC 8332 section 3). */
	if (!span_eq_cstr(name, alg->name))
		return SD_ERR_SIG_NAME;
	return family_of(k->type)->verify(k, alg, sig, data);
}

/* ---- base64 (RFC 4648 section 4, as OpenSSH writes it) ---- */

static sd_err b64_put(struct sbuf *out, struct span in)
{
	uint8_t *w;
	size_t n = 4 * ((in.len + 2) / 3);
	if (in.len > SBUF_MAX)
		return SD_ERR_LIMIT;
	sd_err e = sbuf_reserve(out, n + 1, &w); /* EVP_EncodeBlock adds a NUL */
	if (e != SD_OK)
		return e;
	EVP_EncodeBlock(w, in.len ? in.p : w, (int)in.len);
	out->len--;
	return SD_OK;
}

static bool b64_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Strict decoding of whitespace-free text: EVP_DecodeBlock accepts '=' in
 * the middle and returns the length including the padding, so the alphabet
 * and padding are checked here first. */
static sd_err b64_decode(struct span in, struct sbuf *out)
{
	size_t pad = 0;
	if (in.len == 0 || in.len % 4 != 0 || in.len > SBUF_MAX)
		return SD_ERR_KEY_FILE;
	while (pad < 2 && in.p[in.len - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < in.len - pad; i++)
		if (!b64_char(in.p[i]))
			return SD_ERR_KEY_FILE;
	uint8_t *w;
	size_t n = in.len / 4 * 3;
	sd_err e = sbuf_reserve(out, n, &w);
	if (e != SD_OK)
		return e;
	if (EVP_DecodeBlock(w, in.p, (int)in.len) != (int)n) {
		ERR_clear_error();
		return SD_ERR_KEY_FILE;
	}
	out->len -= pad;
	return SD_OK;
}

sd_err sigkey_to_public_line(const struct sigkey *k, struct sbuf *out)
{
	struct sbuf blob = SBUF_INIT;
	sd_err e = sigkey_to_blob(k, &blob);
	if (e == SD_OK)
		e = sbuf_put(out, sigkey_type_name(k->type), strlen(sigkey_type_name(k->type)));
	if (e == SD_OK)
		e = sbuf_put_u8(out, ' ');
	if (e == SD_OK)
		e = b64_put(out, sbuf_span(&blob));
	sbuf_free(&blob);
	return e;
}

/* ---- OpenSSH private key file (PROTOCOL.key) ---- */

#define ARMOUR_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define ARMOUR_END "-----END OPENSSH PRIVATE KEY-----"
#define ARMOUR_LINE 70 /* what ssh-keygen writes */
/* "openssh-key-v1" and its NUL */
static const char key_magic[] = "openssh-key-v1";
/* Unencrypted: the private section is padded to 8 bytes. */
#define PRIV_BLOCK 8
/* check1 == check2 only detects a wrong passphrase; any constant will do
 * and a fixed one keeps our output reproducible. */
#define PRIV_CHECK 0x5d1ff5a7u
#define PRIV_COMMENT "sshdiff"
/* A key file is a few KiB at most (16384-bit RSA). */
#define KEY_FILE_MAX (64u * 1024)

/* Every failure of a key file is "unusable key file", except running out of
 * memory. */
static sd_err file_err(sd_err e)
{
	return e == SD_OK || e == SD_ERR_NOMEM ? e : SD_ERR_KEY_FILE;
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Takes the base64 between the armour lines, without whitespace. */
static sd_err unarmour(struct span text, struct sbuf *b64)
{
	size_t begin = strlen(ARMOUR_BEGIN), end = strlen(ARMOUR_END), i;
	if (text.len < begin || memcmp(text.p, ARMOUR_BEGIN, begin) != 0)
		return SD_ERR_KEY_FILE;
	for (i = begin; i < text.len && text.p[i] != '-'; i++) {
		if (is_space(text.p[i]))
			continue;
		sd_err e = sbuf_put_u8(b64, text.p[i]);
		if (e != SD_OK)
			return e;
	}
	if (text.len - i < end || memcmp(text.p + i, ARMOUR_END, end) != 0)
		return SD_ERR_KEY_FILE;
	for (i += end; i < text.len; i++)
		if (!is_space(text.p[i]))
			return SD_ERR_KEY_FILE;
	return SD_OK;
}

static sd_err parse_private_section(struct span priv, struct sigkey **out)
{
	struct sview v = sview_make(priv.p, priv.len);
	uint32_t check1, check2;
	struct span name, comment;
	enum sigkey_type t;
	*out = NULL;
	if (priv.len % PRIV_BLOCK != 0)
		return SD_ERR_KEY_FILE;
	sd_err e = sview_get_u32(&v, &check1);
	if (e == SD_OK)
		e = sview_get_u32(&v, &check2);
	if (e == SD_OK)
		e = sview_get_string(&v, &name);
	if (e != SD_OK || check1 != check2 || !type_by_name(name, &t))
		return SD_ERR_KEY_FILE;
	struct sigkey *k = sigkey_alloc(t);
	if (!k)
		return SD_ERR_NOMEM;
	e = family_of(t)->priv_parse(k, &v);
	if (e == SD_OK)
		e = sview_get_string(&v, &comment);
	/* Padding 1, 2, 3, ... up to the block size. */
	for (uint8_t want = 1; e == SD_OK && sview_left(&v) > 0; want++) {
		uint8_t got;
		e = sview_get_u8(&v, &got);
		if (e == SD_OK && got != want)
			e = SD_ERR_KEY_FILE;
	}
	if (e != SD_OK) {
		sigkey_free(k);
		return file_err(e);
	}
	k->has_private = true;
	*out = k;
	return SD_OK;
}

static sd_err parse_key_binary(struct span bin, struct sigkey **out)
{
	struct sview v = sview_make(bin.p, bin.len);
	struct span magic, cipher, kdf, kdfopts, pub, priv;
	uint32_t nkeys;
	sd_err e = sview_get_bytes(&v, sizeof key_magic, &magic);
	if (e == SD_OK)
		e = sview_get_string(&v, &cipher);
	if (e == SD_OK)
		e = sview_get_string(&v, &kdf);
	if (e == SD_OK)
		e = sview_get_string(&v, &kdfopts);
	if (e == SD_OK)
		e = sview_get_u32(&v, &nkeys);
	if (e == SD_OK)
		e = sview_get_string(&v, &pub);
	if (e == SD_OK)
		e = sview_get_string(&v, &priv);
	if (e == SD_OK)
		e = sview_end(&v);
	if (e != SD_OK || memcmp(magic.p, key_magic, sizeof key_magic) != 0)
		return SD_ERR_KEY_FILE;
	/* Unencrypted, single-key files only. */
	if (!span_eq_cstr(cipher, "none") || !span_eq_cstr(kdf, "none") || kdfopts.len != 0 || nkeys != 1)
		return SD_ERR_KEY_FILE;
	struct sigkey *pubkey = NULL, *k = NULL;
	e = file_err(sigkey_from_blob(pub, &pubkey));
	if (e == SD_OK)
		e = parse_private_section(priv, &k);
	/* The public key in the header must be the private key's. */
	if (e == SD_OK && !sigkey_equal_public(pubkey, k))
		e = SD_ERR_KEY_FILE;
	sigkey_free(pubkey);
	if (e != SD_OK) {
		sigkey_free(k);
		return e;
	}
	*out = k;
	return SD_OK;
}

sd_err sigkey_from_openssh_private(struct span file_text, struct sigkey **out)
{
	struct sbuf b64 = SBUF_INIT, bin = SBUF_INIT;
	*out = NULL;
	sd_err e = unarmour(file_text, &b64);
	if (e == SD_OK)
		e = b64_decode(sbuf_span(&b64), &bin);
	if (e == SD_OK)
		e = parse_key_binary(sbuf_span(&bin), out);
	sbuf_free(&b64);
	sbuf_free(&bin);
	return file_err(e);
}

static sd_err put_private_section(const struct sigkey *k, struct sbuf *priv)
{
	sd_err e = sbuf_put_u32(priv, PRIV_CHECK);
	if (e == SD_OK)
		e = sbuf_put_u32(priv, PRIV_CHECK);
	if (e == SD_OK)
		e = sbuf_put_cstring(priv, sigkey_type_name(k->type));
	if (e == SD_OK)
		e = family_of(k->type)->priv_write(k, priv);
	if (e == SD_OK)
		e = sbuf_put_cstring(priv, PRIV_COMMENT);
	for (uint8_t pad = 1; e == SD_OK && priv->len % PRIV_BLOCK != 0; pad++)
		e = sbuf_put_u8(priv, pad);
	return e;
}

static sd_err put_armoured(struct span bin, struct sbuf *out)
{
	struct sbuf b64 = SBUF_INIT;
	sd_err e = b64_put(&b64, bin);
	if (e == SD_OK)
		e = sbuf_put(out, ARMOUR_BEGIN "\n", strlen(ARMOUR_BEGIN) + 1);
	for (size_t i = 0; e == SD_OK && i < b64.len; i += ARMOUR_LINE) {
		size_t n = b64.len - i < ARMOUR_LINE ? b64.len - i : ARMOUR_LINE;
		e = sbuf_put(out, b64.data + i, n);
		if (e == SD_OK)
			e = sbuf_put_u8(out, '\n');
	}
	if (e == SD_OK)
		e = sbuf_put(out, ARMOUR_END "\n", strlen(ARMOUR_END) + 1);
	sbuf_free(&b64);
	return e;
}

sd_err sigkey_to_openssh_private(const struct sigkey *k, struct sbuf *out)
{
	if (!k->has_private)
		return SD_ERR_INVALID_ARG;
	struct sbuf bin = SBUF_INIT, pub = SBUF_INIT, priv = SBUF_INIT;
	sd_err e = sbuf_put(&bin, key_magic, sizeof key_magic);
	if (e == SD_OK)
		e = sbuf_put_cstring(&bin, "none"); /* ciphername */
	if (e == SD_OK)
		e = sbuf_put_cstring(&bin, "none"); /* kdfname */
	if (e == SD_OK)
		e = sbuf_put_string(&bin, NULL, 0); /* kdfoptions */
	if (e == SD_OK)
		e = sbuf_put_u32(&bin, 1); /* number of keys */
	if (e == SD_OK)
		e = sigkey_to_blob(k, &pub);
	if (e == SD_OK)
		e = sbuf_put_span(&bin, sbuf_span(&pub));
	if (e == SD_OK)
		e = put_private_section(k, &priv);
	if (e == SD_OK)
		e = sbuf_put_span(&bin, sbuf_span(&priv));
	if (e == SD_OK)
		e = put_armoured(sbuf_span(&bin), out);
	sbuf_free(&bin);
	sbuf_free(&pub);
	sbuf_free(&priv);
	return e;
}

sd_err sigkey_load_file(const char *path, struct sigkey **out)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return SD_ERR_KEY_FILE;
	struct sbuf text = SBUF_INIT;
	uint8_t *w;
	sd_err e = sbuf_reserve(&text, KEY_FILE_MAX + 1, &w);
	if (e == SD_OK) {
		size_t n = fread(w, 1, KEY_FILE_MAX + 1, f);
		text.len = n;
		if (ferror(f) || n > KEY_FILE_MAX)
			e = SD_ERR_KEY_FILE;
	}
	fclose(f);
	if (e == SD_OK)
		e = sigkey_from_openssh_private(sbuf_span(&text), out);
	sbuf_free(&text);
	return e;
}

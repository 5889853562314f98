/* vkeys.c — keys, blobs and signatures (libsodium Ed25519, OpenSSL ECDSA/RSA). */
#include "memo/memo.h"
#include "oracle/verifier/vkeys.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <sodium.h>
#include <string.h>

static const struct vsigalg sigalgs[] = {
	{"ssh-ed25519", VK_ED25519, VH_SHA512},
	{"ecdsa-sha2-nistp256", VK_ECDSA_P256, VH_SHA256},
	{"ecdsa-sha2-nistp384", VK_ECDSA_P384, VH_SHA384},
	{"ecdsa-sha2-nistp521", VK_ECDSA_P521, VH_SHA512},
	{"rsa-sha2-512", VK_RSA, VH_SHA512},
	{"rsa-sha2-256", VK_RSA, VH_SHA256},
	{"ssh-rsa", VK_RSA, VH_SHA1},
};

const struct vsigalg *vsigalg_by_name(struct vspan name)
{
	for (size_t i = 0; i < sizeof sigalgs / sizeof sigalgs[0]; i++)
		if (vspan_is(name, sigalgs[i].name))
			return &sigalgs[i];
	return NULL;
}

/* RFC 5656 section 6.1: curve identifier and field size per key type. */
struct curve {
	int nid;
	const char *id;
	size_t field;
};

static const struct curve *curve_of(enum vkey_type t)
{
	static const struct curve curves[] = {
		{NID_X9_62_prime256v1, "nistp256", 32},
		{NID_secp384r1, "nistp384", 48},
		{NID_secp521r1, "nistp521", 66},
	};
	switch (t) {
	case VK_ECDSA_P256: return &curves[0];
	case VK_ECDSA_P384: return &curves[1];
	case VK_ECDSA_P521: return &curves[2];
	default: return NULL;
	}
}

const char *vkey_type_name(enum vkey_type t)
{
	switch (t) {
	case VK_ED25519: return "ssh-ed25519";
	case VK_ECDSA_P256: return "ecdsa-sha2-nistp256";
	case VK_ECDSA_P384: return "ecdsa-sha2-nistp384";
	case VK_ECDSA_P521: return "ecdsa-sha2-nistp521";
	case VK_RSA: return "ssh-rsa";
	}
	return "?";
}

static bool type_by_name(struct vspan name, enum vkey_type *t)
{
	for (int i = VK_ED25519; i <= VK_RSA; i++)
		if (vspan_is(name, vkey_type_name((enum vkey_type)i))) {
			*t = (enum vkey_type)i;
			return true;
		}
	return false;
}

void vkey_free(struct vkey *k)
{
	EC_KEY_free(k->ec);
	RSA_free(k->rsa);
	vb_free(&k->blob);
	sodium_memzero(k, sizeof *k);
}

enum vrule vkey_blob_type(struct vspan blob, struct vspan *type)
{
	struct vrd r = vrd_of(blob);
	return vr_string(&r, type) == VR_OK ? VR_OK : VR_KEY_BLOB;
}

/* ---- public blobs ---- */

static enum vrule ed25519_blob(struct vrd *r, struct vkey *k)
{
	struct vspan pk;
	if (vr_string(r, &pk) != VR_OK || pk.len != 32)
		return VR_KEY_BLOB;
	memcpy(k->ed_pk, pk.p, 32);
	return VR_OK;
}

/* RFC 5656 section 3.1: the curve name must match the key type, and Q is
 * an uncompressed point (SEC1 2.3.4) on the curve. */
static enum vrule ecdsa_blob(struct vrd *r, struct vkey *k)
{
	const struct curve *cv = curve_of(k->type);
	struct vspan id, q;
	if (vr_string(r, &id) != VR_OK || !vspan_is(id, cv->id) || vr_string(r, &q) != VR_OK)
		return VR_KEY_BLOB;
	if (q.len != 1 + 2 * cv->field || q.p[0] != 0x04)
		return VR_KEY_BLOB;
	EC_KEY *ec = EC_KEY_new_by_curve_name(cv->nid);
	if (!ec)
		return VR_NOMEM;
	k->ec = ec;
	return EC_KEY_oct2key(ec, q.p, q.len, NULL) == 1 ? VR_OK : VR_KEY_BLOB;
}

static enum vrule bn_of(struct vspan mag, BIGNUM **out)
{
	*out = BN_bin2bn(mag.p, (int)mag.len, NULL);
	return *out ? VR_OK : VR_NOMEM;
}

/* RFC 4253 section 6.6: e, n.  Like the engine, an even or unit exponent or
 * a modulus over 16384 bits is a malformed key; under 1024 bits a size
 * limit. */
static enum vrule rsa_blob(struct vrd *r, struct vkey *k)
{
	struct vspan e, n;
	if (vr_mpint_pos(r, &e) != VR_OK || vr_mpint_pos(r, &n) != VR_OK)
		return VR_KEY_BLOB;
	if (e.len == 0 || !(e.p[e.len - 1] & 1) || (e.len == 1 && e.p[0] == 1))
		return VR_KEY_BLOB;
	if (n.len == 0 || !(n.p[n.len - 1] & 1) || n.len > 16384 / 8)
		return VR_KEY_BLOB;
	BIGNUM *bn = NULL, *be = NULL;
	RSA *rsa = RSA_new();
	enum vrule rc = rsa ? bn_of(n, &bn) : VR_NOMEM;
	if (rc == VR_OK)
		rc = bn_of(e, &be);
	if (rc == VR_OK && RSA_set0_key(rsa, bn, be, NULL) != 1)
		rc = VR_INTERNAL;
	if (rc != VR_OK) {
		BN_free(bn);
		BN_free(be);
		RSA_free(rsa);
		return rc;
	}
	k->rsa = rsa;
	return RSA_bits(rsa) < 1024 ? VR_RSA_KEY_SIZE : VR_OK;
}

enum vrule vkey_from_blob(struct vspan blob, struct vkey *out)
{
	struct vrd r = vrd_of(blob);
	struct vspan type;
	enum vrule e;

	memset(out, 0, sizeof *out);
	if (vr_string(&r, &type) != VR_OK)
		return VR_KEY_BLOB;
	if (!type_by_name(type, &out->type))
		return VR_UNSUPPORTED;
	switch (out->type) {
	case VK_ED25519: e = ed25519_blob(&r, out); break;
	case VK_RSA: e = rsa_blob(&r, out); break;
	default: e = ecdsa_blob(&r, out); break;
	}
	if (e == VR_OK && vr_end(&r) != VR_OK)
		e = VR_KEY_BLOB;
	if (e == VR_OK) {
		vb_put(&out->blob, blob.p, blob.len);
		e = vb_status(&out->blob);
	}
	if (e != VR_OK)
		vkey_free(out);
	return e;
}

/* ---- OpenSSH private key text (PROTOCOL.key) ---- */

static enum vrule private_ed25519(struct vrd *r, struct vkey *k)
{
	struct vspan pk, sk;
	if (vr_string(r, &pk) != VR_OK || vr_string(r, &sk) != VR_OK || pk.len != 32 || sk.len != 64)
		return VR_INTERNAL;
	if (memcmp(pk.p, k->ed_pk, 32) != 0 || memcmp(sk.p + 32, k->ed_pk, 32) != 0)
		return VR_INTERNAL;
	memcpy(k->ed_sk, sk.p, 64);
	return VR_OK;
}

static enum vrule private_ecdsa(struct vrd *r, struct vkey *k)
{
	struct vspan id, q, d;
	BIGNUM *bd = NULL;
	if (vr_string(r, &id) != VR_OK || vr_string(r, &q) != VR_OK || vr_mpint_pos(r, &d) != VR_OK)
		return VR_INTERNAL;
	enum vrule e = bn_of(d, &bd);
	if (e == VR_OK && EC_KEY_set_private_key(k->ec, bd) != 1)
		e = VR_INTERNAL;
	BN_clear_free(bd);
	return e;
}

static enum vrule private_rsa(struct vrd *r, struct vkey *k)
{
	struct vspan n, e, d, iqmp, p, q;
	if (vr_mpint_pos(r, &n) != VR_OK || vr_mpint_pos(r, &e) != VR_OK || vr_mpint_pos(r, &d) != VR_OK ||
	    vr_mpint_pos(r, &iqmp) != VR_OK || vr_mpint_pos(r, &p) != VR_OK || vr_mpint_pos(r, &q) != VR_OK)
		return VR_INTERNAL;
	BIGNUM *bd = NULL, *bp = NULL, *bq = NULL, *biqmp = NULL, *dmp1 = BN_new(), *dmq1 = BN_new(), *t = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	enum vrule rc = dmp1 && dmq1 && t && ctx ? VR_OK : VR_NOMEM;
	if (rc == VR_OK)
		rc = bn_of(d, &bd);
	if (rc == VR_OK)
		rc = bn_of(p, &bp);
	if (rc == VR_OK)
		rc = bn_of(q, &bq);
	if (rc == VR_OK)
		rc = bn_of(iqmp, &biqmp);
	/* CRT exponents are not in the file: d mod (p-1), d mod (q-1). */
	if (rc == VR_OK && !(BN_sub(t, bp, BN_value_one()) && BN_mod(dmp1, bd, t, ctx) &&
			     BN_sub(t, bq, BN_value_one()) && BN_mod(dmq1, bd, t, ctx)))
		rc = VR_INTERNAL;
	if (rc == VR_OK && RSA_set0_key(k->rsa, NULL, NULL, bd) == 1) {
		bd = NULL;
		if (RSA_set0_factors(k->rsa, bp, bq) == 1) {
			bp = bq = NULL;
			if (RSA_set0_crt_params(k->rsa, dmp1, dmq1, biqmp) == 1)
				dmp1 = dmq1 = biqmp = NULL;
			else
				rc = VR_INTERNAL;
		} else {
			rc = VR_INTERNAL;
		}
	} else if (rc == VR_OK) {
		rc = VR_INTERNAL;
	}
	BN_clear_free(bd);
	BN_clear_free(bp);
	BN_clear_free(bq);
	BN_clear_free(biqmp);
	BN_clear_free(dmp1);
	BN_clear_free(dmq1);
	BN_free(t);
	BN_CTX_free(ctx);
	return rc;
}

static enum vrule decode_pem(const char *text, struct vbuf *out)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	static const char end[] = "-----END OPENSSH PRIVATE KEY-----";
	const char *b = text ? strstr(text, begin) : NULL;
	const char *e = b ? strstr(b, end) : NULL;
	if (!e)
		return VR_INTERNAL;
	b += sizeof begin - 1;
	size_t cap = (size_t)(e - b);
	uint8_t *bin = vb_grow(out, cap);
	size_t n = 0;
	if (!bin)
		return VR_NOMEM;
	if (sodium_base642bin(bin, cap, b, (size_t)(e - b), " \t\r\n", &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return VR_INTERNAL;
	out->len = n;
	return VR_OK;
}

static enum vrule parse_private(struct vspan file, struct vkey *out)
{
	static const char magic[] = "openssh-key-v1"; /* with its NUL */
	struct vrd r = vrd_of(file);
	struct vspan m, cipher, kdf, kdfopt, pub, priv, type;
	uint32_t nkeys, c1, c2;

	if (vr_bytes(&r, sizeof magic, &m) != VR_OK || memcmp(m.p, magic, sizeof magic) != 0 ||
	    vr_string(&r, &cipher) != VR_OK || !vspan_is(cipher, "none") || vr_string(&r, &kdf) != VR_OK ||
	    !vspan_is(kdf, "none") || vr_string(&r, &kdfopt) != VR_OK || vr_u32(&r, &nkeys) != VR_OK || nkeys != 1 ||
	    vr_string(&r, &pub) != VR_OK || vr_string(&r, &priv) != VR_OK)
		return VR_INTERNAL;
	enum vrule e = vkey_from_blob(pub, out);
	if (e != VR_OK)
		return e == VR_NOMEM ? e : VR_INTERNAL;
	struct vrd pr = vrd_of(priv);
	if (vr_u32(&pr, &c1) != VR_OK || vr_u32(&pr, &c2) != VR_OK || c1 != c2 || vr_string(&pr, &type) != VR_OK ||
	    !vspan_is(type, vkey_type_name(out->type)))
		return VR_INTERNAL;
	switch (out->type) {
	case VK_ED25519: e = private_ed25519(&pr, out); break;
	case VK_RSA: e = private_rsa(&pr, out); break;
	default: e = private_ecdsa(&pr, out); break;
	}
	out->has_private = e == VR_OK;
	return e;
}

enum vrule vkey_from_openssh(const char *text, struct vkey *out)
{
	struct vbuf file = {0};
	memset(out, 0, sizeof *out);
	enum vrule e = decode_pem(text, &file);
	if (e == VR_OK)
		e = parse_private(vb_span(&file), out);
	vb_free(&file);
	if (e != VR_OK)
		vkey_free(out);
	return e;
}

/* ---- signatures ---- */

static int md_nid(enum vhash h)
{
	switch (h) {
	case VH_SHA1: return NID_sha1;
	case VH_SHA256: return NID_sha256;
	case VH_SHA384: return NID_sha384;
	case VH_SHA512: return NID_sha512;
	}
	return NID_undef;
}

/* ECDSA nonce from the verifier's generator, so signing replays: k uniform
 * enough (64 extra bits reduced mod n), then kinv and r = (kG).x mod n. */
static enum vrule ecdsa_nonce(const EC_KEY *ec, struct vrng *rng, BIGNUM **kinv, BIGNUM **r)
{
	const EC_GROUP *g = EC_KEY_get0_group(ec);
	const BIGNUM *order = EC_GROUP_get0_order(g);
	uint8_t buf[66 + 8];
	size_t n = (size_t)BN_num_bytes(order) + 8;
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *k = BN_new(), *x = BN_new();
	EC_POINT *pt = EC_POINT_new(g);
	enum vrule e = ctx && k && x && pt ? VR_OK : VR_NOMEM;

	*kinv = BN_new();
	*r = BN_new();
	if (e == VR_OK && (!*kinv || !*r))
		e = VR_NOMEM;
	do {
		vrng_fill(rng, buf, n);
		if (e == VR_OK && !(BN_bin2bn(buf, (int)n, x) && BN_nnmod(k, x, order, ctx)))
			e = VR_INTERNAL;
	} while (e == VR_OK && BN_is_zero(k));
	if (e == VR_OK && !(EC_POINT_mul(g, pt, k, NULL, NULL, ctx) &&
			    EC_POINT_get_affine_coordinates(g, pt, x, NULL, ctx) && BN_nnmod(*r, x, order, ctx) &&
			    BN_mod_inverse(*kinv, k, order, ctx)))
		e = VR_INTERNAL;
	sodium_memzero(buf, sizeof buf);
	BN_clear_free(k);
	BN_free(x);
	EC_POINT_free(pt);
	BN_CTX_free(ctx);
	if (e != VR_OK) {
		BN_clear_free(*kinv);
		BN_free(*r);
		*kinv = *r = NULL;
	}
	return e;
}

static void put_bn_mpint(struct vbuf *b, const BIGNUM *bn)
{
	uint8_t mag[80];
	int n = BN_num_bytes(bn);
	if (n > (int)sizeof mag) {
		b->failed = true;
		return;
	}
	BN_bn2bin(bn, mag);
	vb_mpint(b, mag, (size_t)n);
}

static enum vrule sign_ecdsa(const struct vkey *k, const uint8_t *dg, size_t dl, struct vrng *rng, struct vbuf *sig)
{
	BIGNUM *kinv = NULL, *r = NULL;
	enum vrule e = ecdsa_nonce(k->ec, rng, &kinv, &r);
	if (e != VR_OK)
		return e;
	ECDSA_SIG *s = ECDSA_do_sign_ex(dg, (int)dl, kinv, r, k->ec);
	BN_clear_free(kinv);
	BN_free(r);
	if (!s)
		return VR_INTERNAL;
	/* RFC 5656 section 3.1.2: string(mpint r || mpint s) */
	put_bn_mpint(sig, ECDSA_SIG_get0_r(s));
	put_bn_mpint(sig, ECDSA_SIG_get0_s(s));
	ECDSA_SIG_free(s);
	return vb_status(sig);
}

/* PKCS#1 v1.5 (RFC 8017 section 8.2.1) is deterministic: through the memo
 * (memo/memo.h, the verifier's own op), keyed by n and e (which fix the
 * private key), the hash and the digest. */
static enum vrule sign_rsa(const struct vkey *k, const struct vsigalg *alg, const uint8_t *dg, struct vbuf *sig)
{
	enum { CAP = 1024 };
	const BIGNUM *bn_n, *bn_e;
	unsigned int len = (unsigned int)RSA_size(k->rsa);
	uint8_t *s = vb_grow(sig, len);
	if (!s)
		return VR_NOMEM;
	RSA_get0_key(k->rsa, &bn_n, &bn_e, NULL);
	bool memo = memo_enabled() && len <= CAP && BN_num_bytes(bn_e) <= CAP;
	uint8_t nb[CAP], eb[CAP];
	const uint8_t hash = (uint8_t)alg->hash;
	const struct memo_part in[] = {
		{nb, memo ? (size_t)BN_bn2bin(bn_n, nb) : 0},
		{eb, memo ? (size_t)BN_bn2bin(bn_e, eb) : 0},
		{&hash, 1},
		{dg, vhash_len(alg->hash)},
	};
	size_t got;
	int status;
	if (memo && memo_get(MEMO_VERIFIER_RSA_SIGN, in, 4, s, len, &got, &status) && got == len) {
		sig->len = len;
		return VR_OK;
	}
	unsigned int n = len;
	if (RSA_sign(md_nid(alg->hash), dg, (unsigned int)vhash_len(alg->hash), s, &n, k->rsa) != 1)
		return VR_INTERNAL;
	sig->len = n;
	if (memo && n == len)
		memo_put(MEMO_VERIFIER_RSA_SIGN, in, 4, s, len, VR_OK);
	return VR_OK;
}

enum vrule vkey_sign(const struct vkey *k, const struct vsigalg *alg, struct vspan data, struct vrng *rng,
		     struct vbuf *out)
{
	uint8_t dg[VH_MAX];
	struct vbuf sig = {0};
	enum vrule e = VR_OK;

	if (!k->has_private || alg->type != k->type)
		return VR_INTERNAL;
	if (k->type == VK_ED25519) {
		/* memo/memo.h: Ed25519 is deterministic, keyed by the secret key */
		const struct memo_part in[] = { { k->ed_sk, sizeof k->ed_sk }, { data.p, data.len } };
		uint8_t s[crypto_sign_BYTES];
		size_t n;
		int status;
		if (!memo_get(MEMO_SODIUM_ED25519_SIGN, in, 2, s, sizeof s, &n, &status) || n != sizeof s) {
			crypto_sign_detached(s, NULL, data.p, data.len, k->ed_sk);
			memo_put(MEMO_SODIUM_ED25519_SIGN, in, 2, s, sizeof s, VR_OK);
		}
		vb_put(&sig, s, sizeof s);
	} else {
		e = vhash(alg->hash, &data, 1, dg);
		if (e == VR_OK && k->type == VK_RSA) {
			e = sign_rsa(k, alg, dg, &sig);
		} else if (e == VR_OK) {
			e = sign_ecdsa(k, dg, vhash_len(alg->hash), rng, &sig);
		}
	}
	if (e == VR_OK)
		e = vb_status(&sig);
	if (e == VR_OK) {
		vb_cstring(out, alg->name);
		vb_sstring(out, vb_span(&sig));
		e = vb_status(out);
	}
	vb_free(&sig);
	return e;
}

/* RFC 8032 section 5.1.7: S must be below the group order
 * L = 2^252 + 27742317777372353535851937790883648493 (little-endian). */
static bool ed25519_s_canonical(const uint8_t s[32])
{
	static const uint8_t L[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	};
	for (int i = 31; i >= 0; i--) {
		if (s[i] != L[i])
			return s[i] < L[i];
	}
	return false; /* S == L */
}

static enum vrule verify_ed25519(const struct vkey *k, struct vspan s, struct vspan data)
{
	if (s.len != crypto_sign_BYTES)
		return VR_SIGNATURE;
	if (!ed25519_s_canonical(s.p + 32))
		return VR_ED25519_S;
	const struct memo_part in[] = { { k->ed_pk, sizeof k->ed_pk }, { s.p, s.len }, { data.p, data.len } };
	size_t n;
	int status;
	if (memo_get(MEMO_SODIUM_ED25519_VERIFY, in, 3, NULL, 0, &n, &status))
		return (enum vrule)status;
	enum vrule e = crypto_sign_verify_detached(s.p, data.p, data.len, k->ed_pk) == 0 ? VR_OK : VR_SIGNATURE;
	memo_put(MEMO_SODIUM_ED25519_VERIFY, in, 3, NULL, 0, e);
	return e;
}

static enum vrule verify_ecdsa(const struct vkey *k, struct vspan s, const uint8_t *dg, size_t dl)
{
	struct vrd r = vrd_of(s);
	struct vspan rr, ss;
	enum vrule e = vr_mpint_pos(&r, &rr);
	if (e == VR_OK)
		e = vr_mpint_pos(&r, &ss);
	if (e == VR_OK)
		e = vr_end(&r);
	if (e != VR_OK)
		return e;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(rr.p, (int)rr.len, NULL), *bs = BN_bin2bn(ss.p, (int)ss.len, NULL);
	if (!sig || !br || !bs || ECDSA_SIG_set0(sig, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		ECDSA_SIG_free(sig);
		return VR_NOMEM;
	}
	int ok = ECDSA_do_verify(dg, (int)dl, sig, k->ec);
	ECDSA_SIG_free(sig);
	return ok == 1 ? VR_OK : VR_SIGNATURE;
}

/* RFC 4253 section 6.6: s without lengths or padding, so a shorter value is
 * left-padded to the modulus size; a longer one cannot verify. */
static enum vrule verify_rsa(const struct vkey *k, const struct vsigalg *alg, struct vspan s, struct vspan data)
{
	static const enum vhash others[] = {VH_SHA1, VH_SHA256, VH_SHA384, VH_SHA512};
	uint8_t full[16384 / 8], dg[VH_MAX];
	size_t n = (size_t)RSA_size(k->rsa);
	if (s.len > n || n > sizeof full)
		return VR_SIGNATURE;
	memset(full, 0, n - s.len);
	memcpy(full + (n - s.len), s.p, s.len);
	enum vrule e = vhash(alg->hash, &data, 1, dg);
	if (e != VR_OK)
		return e;
	if (RSA_verify(md_nid(alg->hash), dg, (unsigned int)vhash_len(alg->hash), full, (unsigned int)n, k->rsa) == 1)
		return VR_OK;
	/* RFC 8332 section 3: a valid signature under another hash than the
	 * rsa-sha2-* name demands is its own finding (the PuTTY-CAC case). */
	if (alg->hash == VH_SHA1)
		return VR_SIGNATURE;
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		enum vhash h = others[i];
		if (h == alg->hash || vhash(h, &data, 1, dg) != VR_OK)
			continue;
		if (RSA_verify(md_nid(h), dg, (unsigned int)vhash_len(h), full, (unsigned int)n, k->rsa) == 1)
			return VR_RSA_HASH;
	}
	return VR_SIGNATURE;
}

enum vrule vkey_verify(const struct vkey *k, const struct vsigalg *alg, struct vspan sig, struct vspan data)
{
	struct vrd r = vrd_of(sig);
	struct vspan name, s;
	enum vrule e = vr_string(&r, &name);
	if (e == VR_OK)
		e = vr_string(&r, &s);
	if (e == VR_OK)
		e = vr_end(&r);
	if (e != VR_OK)
		return e;
	if (!vspan_is(name, alg->name))
		return VR_SIG_NAME;
	if (alg->type != k->type)
		return VR_KEY_TYPE;
	if (k->type == VK_ED25519)
		return verify_ed25519(k, s, data);
	if (k->type == VK_RSA)
		return verify_rsa(k, alg, s, data);
	uint8_t dg[VH_MAX];
	e = vhash(alg->hash, &data, 1, dg);
	return e != VR_OK ? e : verify_ecdsa(k, s, dg, vhash_len(alg->hash));
}

/*
 * kex.c — the method table, the exchange hash H (RFC 4253 section 8,
 * RFC 4419 section 3, RFC 5656 section 4, RFC 8731 section 3) and the key
 * derivation of RFC 4253 section 7.2.  The per-family arithmetic lives in
 * kex_dh.c, kex_ecdh.c and kex_x25519.c; here an ephemeral only dispatches.
 */
#include "kex.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "kex_impl.h"

/* One list drives both the table and the default proposal string, so the
 * two cannot disagree.  Order = the engine's preference. */
#define KEX_METHOD_LIST(X)                                                                   \
	X("curve25519-sha256", KEX_FAMILY_X25519, KEX_HASH_SHA256, 0)                         \
	X("curve25519-sha256@libssh.org", KEX_FAMILY_X25519, KEX_HASH_SHA256, 0)              \
	X("ecdh-sha2-nistp256", KEX_FAMILY_ECDH, KEX_HASH_SHA256, NID_X9_62_prime256v1)       \
	X("ecdh-sha2-nistp384", KEX_FAMILY_ECDH, KEX_HASH_SHA384, NID_secp384r1)              \
	X("ecdh-sha2-nistp521", KEX_FAMILY_ECDH, KEX_HASH_SHA512, NID_secp521r1)              \
	X("diffie-hellman-group-exchange-sha256", KEX_FAMILY_GEX, KEX_HASH_SHA256, 0)         \
	X("diffie-hellman-group16-sha512", KEX_FAMILY_DH, KEX_HASH_SHA512, 16)                \
	X("diffie-hellman-group18-sha512", KEX_FAMILY_DH, KEX_HASH_SHA512, 18)                \
	X("diffie-hellman-group14-sha256", KEX_FAMILY_DH, KEX_HASH_SHA256, 14)                \
	X("diffie-hellman-group14-sha1", KEX_FAMILY_DH, KEX_HASH_SHA1, 14)                    \
	X("diffie-hellman-group-exchange-sha1", KEX_FAMILY_GEX, KEX_HASH_SHA1, 0)

#define KEX_ROW_(name, family, hash, group) {name, family, hash, group},
const struct kex_method kex_methods[] = {KEX_METHOD_LIST(KEX_ROW_)};
#undef KEX_ROW_
const size_t kex_methods_count = sizeof kex_methods / sizeof kex_methods[0];

/* Every name preceded by a comma; the list starts after the first one. */
#define KEX_NAME_(name, family, hash, group) "," name
static const char kex_default_names[] = KEX_METHOD_LIST(KEX_NAME_);
#undef KEX_NAME_

const struct kex_method *kex_method_by_name(struct span name)
{
	for (size_t i = 0; i < kex_methods_count; i++)
		if (span_eq_cstr(name, kex_methods[i].name))
			return &kex_methods[i];
	return NULL;
}

const char *kex_default_list(void)
{
	return kex_default_names + 1;
}

size_t kex_hash_len(enum kex_hash h)
{
	switch (h) {
	case KEX_HASH_SHA1:
		return 20;
	case KEX_HASH_SHA256:
		return 32;
	case KEX_HASH_SHA384:
		return 48;
	case KEX_HASH_SHA512:
		return 64;
	}
	return 0;
}

static const EVP_MD *kex_md(enum kex_hash h)
{
	switch (h) {
	case KEX_HASH_SHA1:
		return EVP_sha1();
	case KEX_HASH_SHA256:
		return EVP_sha256();
	case KEX_HASH_SHA384:
		return EVP_sha384();
	case KEX_HASH_SHA512:
		return EVP_sha512();
	}
	return NULL;
}

/* ---- ephemeral keys: dispatch by family ---- */

struct kex_ephemeral {
	enum kex_family family;
	union {
		struct kex_dh *dh; /* DH and GEX */
		struct kex_ecdh *ec;
		struct kex_x25519 *x;
	} u;
};

sd_err kex_ephemeral_new(const struct kex_method *m, struct span gex_p, struct span gex_g, struct rng *rng,
			 struct kex_ephemeral **out)
{
	if (!m || !rng || !out)
		return SD_ERR_INVALID_ARG;
	*out = NULL;
	struct kex_ephemeral *k = calloc(1, sizeof *k);
	if (!k)
		return SD_ERR_NOMEM;
	k->family = m->family;
	sd_err e = SD_ERR_UNSUPPORTED;
	switch (m->family) {
	case KEX_FAMILY_DH:
		e = kex_dh_new_group(m->group, rng, &k->u.dh);
		break;
	case KEX_FAMILY_GEX:
		e = kex_dh_new_gex(gex_p, gex_g, rng, &k->u.dh);
		break;
	case KEX_FAMILY_ECDH:
		e = kex_ecdh_new(m->group, rng, &k->u.ec);
		break;
	case KEX_FAMILY_X25519:
		e = kex_x25519_new(rng, &k->u.x);
		break;
	}
	if (e != SD_OK) {
		free(k);
		return e;
	}
	*out = k;
	return SD_OK;
}

void kex_ephemeral_free(struct kex_ephemeral *k)
{
	if (!k)
		return;
	switch (k->family) {
	case KEX_FAMILY_DH:
	case KEX_FAMILY_GEX:
		kex_dh_free(k->u.dh);
		break;
	case KEX_FAMILY_ECDH:
		kex_ecdh_free(k->u.ec);
		break;
	case KEX_FAMILY_X25519:
		kex_x25519_free(k->u.x);
		break;
	}
	free(k);
}

sd_err kex_ephemeral_public(const struct kex_ephemeral *k, struct sbuf *out)
{
	if (!k || !out)
		return SD_ERR_INVALID_ARG;
	switch (k->family) {
	case KEX_FAMILY_DH:
	case KEX_FAMILY_GEX:
		return kex_dh_public(k->u.dh, out);
	case KEX_FAMILY_ECDH:
		return kex_ecdh_public(k->u.ec, out);
	case KEX_FAMILY_X25519:
		return kex_x25519_public(k->u.x, out);
	}
	return SD_ERR_INVALID_ARG;
}

sd_err kex_ephemeral_shared(struct kex_ephemeral *k, struct span peer_pub, struct sbuf *k_out)
{
	if (!k || !k_out || (peer_pub.len > 0 && !peer_pub.p))
		return SD_ERR_INVALID_ARG;
	switch (k->family) {
	case KEX_FAMILY_DH:
	case KEX_FAMILY_GEX:
		return kex_dh_shared(k->u.dh, peer_pub, k_out);
	case KEX_FAMILY_ECDH:
		return kex_ecdh_shared(k->u.ec, peer_pub, k_out);
	case KEX_FAMILY_X25519:
		return kex_x25519_shared(k->u.x, peer_pub, k_out);
	}
	return SD_ERR_INVALID_ARG;
}

/* ---- exchange hash ---- */

/* The family-specific middle of H, between K_S and K. */
static sd_err hash_input_middle(const struct kex_method *m, const struct kex_hash_input *in, struct sbuf *b)
{
	sd_err e = SD_OK;
	if (m->family == KEX_FAMILY_GEX) {
		/* RFC 4419 section 3: min || n || max, or only n for the old
		 * request (section 5), then p and g as mpint. */
		if (!in->gex_old)
			e = sbuf_put_u32(b, in->gex_min);
		if (e == SD_OK)
			e = sbuf_put_u32(b, in->gex_n);
		if (e == SD_OK && !in->gex_old)
			e = sbuf_put_u32(b, in->gex_max);
		if (e == SD_OK)
			e = sbuf_put_span(b, in->gex_p);
		if (e == SD_OK)
			e = sbuf_put_span(b, in->gex_g);
	}
	/* e and f (RFC 4253 section 8) are mpints and Q_C, Q_S (RFC 5656
	 * section 4, RFC 8731 section 3) strings: both are a uint32 length and
	 * the content as it went on the wire. */
	if (e == SD_OK)
		e = sbuf_put_span(b, in->q_c);
	if (e == SD_OK)
		e = sbuf_put_span(b, in->q_s);
	return e;
}

sd_err kex_exchange_hash(const struct kex_method *m, const struct kex_hash_input *in, uint8_t out[KEX_HASH_MAX],
			 size_t *out_len)
{
	if (!m || !in || !out || !out_len)
		return SD_ERR_INVALID_ARG;
	const EVP_MD *md = kex_md(m->hash);
	if (!md)
		return SD_ERR_INVALID_ARG;
	/* RFC 4253 section 8: H = HASH(V_C || V_S || I_C || I_S || K_S || ...
	 * || K), each of the first five as a string. */
	struct sbuf b = SBUF_INIT;
	sd_err e = sbuf_put_span(&b, in->v_c);
	if (e == SD_OK)
		e = sbuf_put_span(&b, in->v_s);
	if (e == SD_OK)
		e = sbuf_put_span(&b, in->i_c);
	if (e == SD_OK)
		e = sbuf_put_span(&b, in->i_s);
	if (e == SD_OK)
		e = sbuf_put_span(&b, in->k_s);
	if (e == SD_OK)
		e = hash_input_middle(m, in, &b);
	/* K arrives already encoded as mpint with its length. */
	if (e == SD_OK)
		e = sbuf_put(&b, in->k.p, in->k.len);
	unsigned int n = 0;
	if (e == SD_OK && EVP_Digest(b.data, b.len, out, &n, md, NULL) != 1)
		e = SD_ERR_INTERNAL;
	sbuf_free(&b); /* wipes K */
	*out_len = e == SD_OK ? n : 0;
	return e;
}

/* ---- key derivation ---- */

sd_err kex_derive(const struct kex_method *m, struct span k, struct span h, struct span session_id, char letter,
		  uint8_t *out, size_t need)
{
	if (!m || (need > 0 && !out))
		return SD_ERR_INVALID_ARG;
	const EVP_MD *md = kex_md(m->hash);
	if (!md)
		return SD_ERR_INVALID_ARG;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return SD_ERR_NOMEM;
	/* RFC 4253 section 7.2: K1 = HASH(K || H || X || session_id),
	 * Kn = HASH(K || H || K1 || ... || Kn-1); the key is the first
	 * `need` bytes of K1 || K2 || ...  Every block before the last is
	 * whole, so out[0, have) is exactly K1 || ... || Kn-1. */
	uint8_t blk[EVP_MAX_MD_SIZE];
	uint8_t x = (uint8_t)letter;
	sd_err e = SD_OK;
	size_t have = 0;
	while (e == SD_OK && have < need) {
		unsigned int n = 0;
		int ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, k.p, k.len) == 1 &&
			 EVP_DigestUpdate(ctx, h.p, h.len) == 1;
		if (ok && have == 0)
			ok = EVP_DigestUpdate(ctx, &x, 1) == 1 &&
			     EVP_DigestUpdate(ctx, session_id.p, session_id.len) == 1;
		else if (ok)
			ok = EVP_DigestUpdate(ctx, out, have) == 1;
		if (!ok || EVP_DigestFinal_ex(ctx, blk, &n) != 1 || n == 0) {
			e = SD_ERR_INTERNAL;
			break;
		}
		size_t take = need - have < n ? need - have : n;
		memcpy(out + have, blk, take);
		have += take;
	}
	wipe(blk, sizeof blk);
	EVP_MD_CTX_free(ctx);
	if (e != SD_OK)
		wipe(out, need);
	return e;
}

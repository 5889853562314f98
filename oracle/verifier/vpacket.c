/* vpacket.c — packet framing, ciphers and MACs of the verifier. */
#include "oracle/verifier/vpacket.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

static const struct vcipher ciphers[] = {
	{"chacha20-poly1305@openssh.com", VC_CHACHAPOLY, 64, 0, 8},
	{"aes128-gcm@openssh.com", VC_AESGCM, 16, 12, 16},
	{"aes256-gcm@openssh.com", VC_AESGCM, 32, 12, 16},
	{"aes128-ctr", VC_AESCTR, 16, 16, 16},
	{"aes192-ctr", VC_AESCTR, 24, 16, 16},
	{"aes256-ctr", VC_AESCTR, 32, 16, 16},
	{"none", VC_NONE, 0, 0, 8},
};

static const struct vmac macs[] = {
	{"hmac-sha2-256", VH_SHA256, 32, 32, false},
	{"hmac-sha2-512", VH_SHA512, 64, 64, false},
	{"hmac-sha1", VH_SHA1, 20, 20, false},
	{"hmac-sha2-256-etm@openssh.com", VH_SHA256, 32, 32, true},
	{"hmac-sha2-512-etm@openssh.com", VH_SHA512, 64, 64, true},
	{"hmac-sha1-etm@openssh.com", VH_SHA1, 20, 20, true},
};

#define TAG_LEN 16 /* Poly1305 and GCM */

const struct vcipher *vcipher_by_name(struct vspan name)
{
	for (size_t i = 0; i < sizeof ciphers / sizeof ciphers[0]; i++)
		if (vspan_is(name, ciphers[i].name))
			return &ciphers[i];
	return NULL;
}

const struct vmac *vmac_by_name(struct vspan name)
{
	for (size_t i = 0; i < sizeof macs / sizeof macs[0]; i++)
		if (vspan_is(name, macs[i].name))
			return &macs[i];
	return NULL;
}

bool vcipher_aead(const struct vcipher *c)
{
	return c && (c->kind == VC_CHACHAPOLY || c->kind == VC_AESGCM);
}

void vdir_free(struct vdir *d)
{
	EVP_CIPHER_CTX_free(d->evp);
	vb_free(&d->plain);
	sodium_memzero(d, sizeof *d);
}

static const EVP_CIPHER *evp_cipher(const struct vcipher *c)
{
	if (c->kind == VC_AESGCM)
		return c->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
	return c->key_len == 16 ? EVP_aes_128_ctr() : c->key_len == 24 ? EVP_aes_192_ctr() : EVP_aes_256_ctr();
}

enum vrule vdir_set(struct vdir *d, const struct vcipher *c, const struct vmac *m, const uint8_t *key,
		    const uint8_t *iv, const uint8_t *mac_key, bool encrypt)
{
	EVP_CIPHER_CTX_free(d->evp);
	d->evp = NULL;
	d->c = c;
	d->m = vcipher_aead(c) ? NULL : m;
	d->have_first = false;
	memcpy(d->key, key, c->key_len);
	memcpy(d->iv, iv, c->iv_len);
	if (d->m)
		memcpy(d->mac_key, mac_key, d->m->key_len);
	if (c->kind != VC_AESCTR && c->kind != VC_AESGCM)
		return VR_OK;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return VR_NOMEM;
	d->evp = ctx;
	int enc = encrypt ? 1 : 0;
	if (c->kind == VC_AESCTR)
		return EVP_CipherInit_ex(ctx, evp_cipher(c), NULL, d->key, d->iv, enc) == 1 ? VR_OK : VR_INTERNAL;
	/* GCM: the 12-byte IV is set per packet (RFC 5647 section 7.1). */
	if (EVP_CipherInit_ex(ctx, evp_cipher(c), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, d->key, NULL, enc) != 1)
		return VR_INTERNAL;
	return VR_OK;
}

static size_t block_of(const struct vdir *d)
{
	return d->c && d->c->block > 8 ? d->c->block : 8;
}

/* Framing where packet_length stays in clear or is encrypted apart, so the
 * block alignment covers everything after it. */
static bool length_apart(const struct vdir *d)
{
	return vcipher_aead(d->c) || (d->m && d->m->etm);
}

static void seq_bytes(uint32_t seq, uint8_t out[4])
{
	v_put32(out, seq);
}

static void chacha_nonce(uint32_t seq, uint8_t nonce[8])
{
	memset(nonce, 0, 4);
	v_put32(nonce + 4, seq);
}

/* RFC 5647 section 7.1: the invocation counter, the IV's last 8 bytes, is
 * incremented after each packet. */
static void gcm_next_iv(uint8_t iv[12])
{
	for (int i = 11; i >= 4; i--)
		if (++iv[i] != 0)
			break;
}

static enum vrule mac_compute(const struct vdir *d, const uint8_t *p, size_t n, uint8_t *out)
{
	uint8_t s[4];
	seq_bytes(d->seq, s);
	struct vspan parts[2] = {vspan_of(s, 4), vspan_of(p, n)};
	return vhmac(d->m->hash, vspan_of(d->mac_key, d->m->key_len), parts, 2, out);
}

static enum vrule ctr_crypt(struct vdir *d, uint8_t *out, const uint8_t *in, size_t n)
{
	int outl = 0;
	if (n == 0)
		return VR_OK;
	return EVP_CipherUpdate(d->evp, out, &outl, in, (int)n) == 1 && (size_t)outl == n ? VR_OK : VR_INTERNAL;
}

/* GCM over body (n bytes after the 4-byte length, which is the AAD).  On
 * decryption tag is checked; on encryption it is written. */
static enum vrule gcm_crypt(struct vdir *d, uint8_t *out, const uint8_t *len4, const uint8_t *in, size_t n,
			   uint8_t *tag, bool encrypt)
{
	int outl = 0;
	enum vrule e = VR_OK;
	if (EVP_CipherInit_ex(d->evp, NULL, NULL, NULL, d->iv, -1) != 1 ||
	    EVP_CipherUpdate(d->evp, NULL, &outl, len4, 4) != 1 ||
	    (n && EVP_CipherUpdate(d->evp, out, &outl, in, (int)n) != 1))
		e = VR_INTERNAL;
	if (e == VR_OK && !encrypt && EVP_CIPHER_CTX_ctrl(d->evp, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
		e = VR_INTERNAL;
	if (e == VR_OK && EVP_CipherFinal_ex(d->evp, out + n, &outl) != 1)
		e = encrypt ? VR_INTERNAL : VR_MAC;
	if (e == VR_OK && encrypt && EVP_CIPHER_CTX_ctrl(d->evp, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
		e = VR_INTERNAL;
	gcm_next_iv(d->iv);
	return e;
}

/* OpenSSH PROTOCOL.chacha20poly1305: K_2 = key[0..32) for the payload
 * (block counter 1) and the Poly1305 key (counter 0), K_1 = key[32..64)
 * for the length; nonce = the sequence number. */
static void chacha_poly_key(const struct vdir *d, uint8_t pk[32])
{
	uint8_t nonce[8];
	chacha_nonce(d->seq, nonce);
	crypto_stream_chacha20(pk, 32, nonce, d->key);
}

static void chacha_length(const struct vdir *d, uint8_t out[4], const uint8_t in[4])
{
	uint8_t nonce[8];
	chacha_nonce(d->seq, nonce);
	crypto_stream_chacha20_xor(out, in, 4, nonce, d->key + 32);
}

static void chacha_body(const struct vdir *d, uint8_t *out, const uint8_t *in, size_t n)
{
	uint8_t nonce[8];
	chacha_nonce(d->seq, nonce);
	crypto_stream_chacha20_xor_ic(out, in, n, nonce, 1, d->key);
}

/* ---- sealing ---- */

enum vrule vdir_seal(struct vdir *d, struct vspan payload, struct vrng *rng, struct vbuf *out)
{
	size_t block = block_of(d), aad = length_apart(d) ? 4 : 0;
	size_t covered = 4 + 1 + payload.len - aad;
	size_t pad = block - covered % block;
	if (pad < 4)
		pad += block;
	uint32_t plen = (uint32_t)(1 + payload.len + pad);
	size_t maclen = d->m ? d->m->out_len : vcipher_aead(d->c) ? TAG_LEN : 0;

	uint8_t *pkt = vb_grow(out, 4 + plen + maclen);
	if (!pkt)
		return VR_NOMEM;
	v_put32(pkt, plen);
	pkt[4] = (uint8_t)pad;
	memcpy(pkt + 5, payload.p, payload.len);
	vrng_fill(rng, pkt + 5 + payload.len, pad);
	uint8_t *mac = pkt + 4 + plen;
	enum vrule e = VR_OK;

	switch (d->c ? d->c->kind : VC_NONE) {
	case VC_CHACHAPOLY: {
		uint8_t pk[32];
		chacha_length(d, pkt, pkt);
		chacha_body(d, pkt + 4, pkt + 4, plen);
		chacha_poly_key(d, pk);
		crypto_onetimeauth_poly1305(mac, pkt, 4 + (size_t)plen, pk);
		sodium_memzero(pk, sizeof pk);
		break;
	}
	case VC_AESGCM:
		e = gcm_crypt(d, pkt + 4, pkt, pkt + 4, plen, mac, true);
		break;
	case VC_AESCTR:
	case VC_NONE:
		if (d->m && !d->m->etm)
			e = mac_compute(d, pkt, 4 + (size_t)plen, mac);
		if (e == VR_OK && d->c && d->c->kind == VC_AESCTR)
			e = ctr_crypt(d, pkt + aad, pkt + aad, 4 + (size_t)plen - aad);
		if (e == VR_OK && d->m && d->m->etm)
			e = mac_compute(d, pkt, 4 + (size_t)plen, mac);
		break;
	}
	d->seq++;
	return e;
}

/* ---- opening ---- */

/* RFC 4253 section 6: room for padding_length and 4 bytes of padding ("There
 * MUST be at least four bytes of padding"); a classic packet covers the
 * block already decrypted.  Section 6.1 has every implementation take
 * packets of up to 35000 bytes and longer ones where needed ("SHOULD
 * support longer packets"), so a length over VPACKET_MAX is the verifier's
 * limit (impl-limit), not a rule the peer broke, in every framing: whether
 * it was sent so or decrypted from a packet that would not authenticate,
 * nothing is known before reading that far.
 *
 * Where the length was decrypted and its MAC cannot be checked before it is
 * used to find the MAC (chacha20-poly1305, classic encrypt-and-MAC), an
 * impossible length (too short) is no evidence of a bad length but of a
 * packet that does not authenticate under our keys (a wrong key
 * derivation, a skewed sequence number): section 6.4, not 6.  Lengths in
 * clear (none, EtM, GCM) are judged as sent. */
static enum vrule check_length(const struct vdir *d, uint32_t plen)
{
	bool decrypted = d->c && (d->c->kind == VC_CHACHAPOLY || (!length_apart(d) && d->c->kind != VC_NONE));
	enum vrule bad = decrypted ? VR_MAC : VR_PACKET_LENGTH;
	if (plen > VPACKET_MAX)
		return VR_LIMIT;
	if (plen < 1 + 4)
		return bad;
	if (!length_apart(d) && d->c && d->c->kind != VC_NONE && 4 + (size_t)plen < block_of(d))
		return bad;
	return VR_OK;
}

/* RFC 4253 section 6: padding_length >= 4, and a payload of at least the
 * message number. */
static enum vrule check_padding(const uint8_t *pt, uint32_t plen, struct vspan *payload)
{
	uint8_t padlen = pt[4];
	if (padlen < 4)
		return VR_PADDING;
	if (padlen > plen - 1)
		return VR_PADDING_LENGTH;
	if (padlen == plen - 1)
		return VR_PAYLOAD;
	*payload = vspan_of(pt + 5, plen - 1 - padlen);
	return VR_OK;
}

static enum vrule read_length(struct vdir *d, struct vspan in, bool *more)
{
	size_t block = block_of(d);
	*more = false;
	if (d->have_first)
		return VR_OK;
	if (!length_apart(d)) {
		if (in.len < block) {
			*more = true;
			return VR_OK;
		}
		/* Classic: the length is inside the first encrypted block. */
		enum vrule e = VR_OK;
		if (d->c && d->c->kind == VC_AESCTR)
			e = ctr_crypt(d, d->first, in.p, block);
		else
			memcpy(d->first, in.p, block);
		if (e != VR_OK)
			return e;
		d->plen = v_get32(d->first);
	} else {
		if (in.len < 4) {
			*more = true;
			return VR_OK;
		}
		uint8_t len4[4];
		if (d->c->kind == VC_CHACHAPOLY)
			chacha_length(d, len4, in.p);
		else
			memcpy(len4, in.p, 4);
		d->plen = v_get32(len4);
	}
	d->have_first = true;
	return check_length(d, d->plen);
}

static enum vrule open_classic(struct vdir *d, struct vspan in, uint8_t *pt)
{
	size_t n = 4 + (size_t)d->plen, block = block_of(d);
	enum vrule e = VR_OK;
	memcpy(pt, d->first, block);
	if (d->c && d->c->kind == VC_AESCTR)
		e = ctr_crypt(d, pt + block, in.p + block, n - block);
	else
		memcpy(pt + block, in.p + block, n - block);
	if (e == VR_OK && d->m) {
		uint8_t mac[VH_MAX];
		e = mac_compute(d, pt, n, mac);
		if (e == VR_OK && sodium_memcmp(mac, in.p + n, d->m->out_len) != 0)
			e = VR_MAC;
	}
	if (e == VR_OK && n % block != 0)
		e = VR_BLOCK;
	return e;
}

static enum vrule open_etm(struct vdir *d, struct vspan in, uint8_t *pt)
{
	size_t n = 4 + (size_t)d->plen;
	uint8_t mac[VH_MAX];
	enum vrule e = mac_compute(d, in.p, n, mac);
	if (e == VR_OK && sodium_memcmp(mac, in.p + n, d->m->out_len) != 0)
		e = VR_MAC;
	if (e == VR_OK && d->plen % block_of(d) != 0)
		e = VR_BLOCK;
	memcpy(pt, in.p, 4);
	if (e == VR_OK && d->c && d->c->kind == VC_AESCTR)
		e = ctr_crypt(d, pt + 4, in.p + 4, d->plen);
	else if (e == VR_OK)
		memcpy(pt + 4, in.p + 4, d->plen);
	return e;
}

static enum vrule open_aead(struct vdir *d, struct vspan in, uint8_t *pt)
{
	size_t n = 4 + (size_t)d->plen;
	enum vrule e = VR_OK;
	v_put32(pt, d->plen);
	if (d->c->kind == VC_CHACHAPOLY) {
		uint8_t pk[32];
		chacha_poly_key(d, pk);
		if (crypto_onetimeauth_poly1305_verify(in.p + n, in.p, n, pk) != 0)
			e = VR_MAC;
		sodium_memzero(pk, sizeof pk);
		if (e == VR_OK)
			chacha_body(d, pt + 4, in.p + 4, d->plen);
	} else {
		uint8_t tag[TAG_LEN];
		memcpy(tag, in.p + n, TAG_LEN);
		e = gcm_crypt(d, pt + 4, in.p, in.p + 4, d->plen, tag, false);
	}
	if (e == VR_OK && d->plen % block_of(d) != 0)
		e = VR_BLOCK;
	return e;
}

enum vrule vdir_open(struct vdir *d, struct vspan in, size_t *used, struct vspan *payload)
{
	bool more;
	*used = 0;
	enum vrule e = read_length(d, in, &more);
	if (e != VR_OK || more)
		return e;
	size_t maclen = d->m ? d->m->out_len : vcipher_aead(d->c) ? TAG_LEN : 0;
	size_t total = 4 + (size_t)d->plen + maclen;
	if (in.len < total)
		return VR_OK;
	vb_reset(&d->plain);
	/* GCM writes its (empty) final block after the body: one spare block. */
	uint8_t *pt = vb_grow(&d->plain, 4 + (size_t)d->plen + 16);
	if (!pt)
		return VR_NOMEM;
	if (vcipher_aead(d->c))
		e = open_aead(d, in, pt);
	else if (d->m && d->m->etm)
		e = open_etm(d, in, pt);
	else
		e = open_classic(d, in, pt);
	if (e == VR_OK)
		e = check_padding(pt, d->plen, payload);
	d->have_first = false;
	d->seq++;
	*used = total;
	return e;
}

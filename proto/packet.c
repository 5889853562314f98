/*
 * packet.c — the binary packet protocol, RFC 4253 section 6:
 *
 *	uint32    packet_length
 *	byte      padding_length
 *	byte[n1]  payload            n1 = packet_length - padding_length - 1
 *	byte[n2]  random padding     n2 = padding_length, at least 4
 *	byte[m]   mac                or AEAD tag
 *
 * Three framings (see packet.h): classic (whole packet encrypted, MAC over
 * the plaintext), encrypt-then-MAC (length in clear, MAC over the
 * ciphertext) and AEAD (length as AAD: in clear for GCM, under its own key
 * for chacha20-poly1305).
 *
 * packet_open checks in a fixed order so every malformed packet gets one
 * well-defined error: length range, then (once the whole packet is there)
 * MAC or tag, then block alignment, then padding.
 */
#include "packet.h"

#include <string.h>

enum framing { FRAME_CLASSIC, FRAME_ETM, FRAME_AEAD };

static enum framing framing_of(const struct packet_dir *d)
{
	if (d->calg->tag_len)
		return FRAME_AEAD;
	if (d->mac && d->mac->etm)
		return FRAME_ETM;
	return FRAME_CLASSIC;
}

/* RFC 4253 section 6: lengths are a multiple of the cipher block size or
 * 8, whichever is larger. */
static size_t block_of(const struct packet_dir *d)
{
	return d->calg->block_size > 8 ? d->calg->block_size : 8;
}

/* Bytes of MAC or tag after the packet. */
static size_t auth_len(const struct packet_dir *d)
{
	if (d->calg->tag_len)
		return d->calg->tag_len;
	return d->mac ? d->mac->mac_len : 0;
}

void packet_dir_init(struct packet_dir *d)
{
	memset(d, 0, sizeof *d);
	d->calg = &cipher_none;
	d->max_packet = PACKET_MAX_DEFAULT;
	sbuf_init(&d->plain);
}

void packet_dir_free(struct packet_dir *d)
{
	cipher_ctx_free(d->cipher);
	sbuf_free(&d->plain);
	wipe(d, sizeof *d);
	packet_dir_init(d);
}

sd_err packet_dir_set_keys(struct packet_dir *d, bool encrypt, const struct cipher_alg *calg, const uint8_t *key,
			   const uint8_t *iv, const struct mac_alg *mac, const uint8_t *mac_key)
{
	if (!calg)
		return SD_ERR_INVALID_ARG;
	if (calg->tag_len)
		mac = NULL; /* the AEAD tag replaces the MAC */
	if (mac && (!mac_key || mac->key_len > sizeof d->mac_key))
		return SD_ERR_INVALID_ARG;
	struct cipher_ctx *c = NULL;
	if (calg->mode != CIPHER_NONE) {
		sd_err e = cipher_ctx_new(calg, encrypt, key, iv, &c);
		if (e != SD_OK)
			return e;
	}
	cipher_ctx_free(d->cipher);
	d->cipher = c;
	d->calg = calg;
	d->mac = mac;
	wipe(d->mac_key, sizeof d->mac_key);
	if (mac)
		memcpy(d->mac_key, mac_key, mac->key_len);
	d->have_first_block = false;
	wipe(d->first_block, sizeof d->first_block);
	d->packets = 0;
	return SD_OK;
}

void packet_dir_reset_seqnr(struct packet_dir *d)
{
	d->seqnr = 0;
}

/* ---- sending ---- */

/* RFC 4253 section 6: at least 4 bytes of padding, and the padded length
 * (with packet_length for classic framing, without it for ETM and AEAD,
 * where it is not encrypted) a multiple of the block size. */
static size_t padding_for(const struct packet_dir *d, size_t body)
{
	size_t block = block_of(d);
	size_t covered = framing_of(d) == FRAME_CLASSIC ? 4 + body : body;
	size_t pad = block - covered % block;
	if (pad < 4)
		pad += block;
	return pad;
}

/* Encrypts and authenticates p = packet_length .. padding in place, the MAC
 * or tag going right after it. */
static sd_err protect(struct packet_dir *d, uint8_t *p, size_t plen)
{
	sd_err e = SD_OK;
	switch (framing_of(d)) {
	case FRAME_CLASSIC:
		/* RFC 4253 section 6.4: MAC over the plaintext, then encrypt. */
		if (d->mac)
			e = mac_compute(d->mac, d->mac_key, d->seqnr, (struct span){p, 4 + plen}, p + 4 + plen);
		if (e == SD_OK && d->cipher)
			e = cipher_crypt(d->cipher, d->seqnr, p, p, 0, 4 + plen);
		return e;
	case FRAME_ETM:
		if (d->cipher)
			e = cipher_crypt(d->cipher, d->seqnr, p, p, 4, plen);
		if (e == SD_OK)
			e = mac_compute(d->mac, d->mac_key, d->seqnr, (struct span){p, 4 + plen}, p + 4 + plen);
		return e;
	case FRAME_AEAD:
		return cipher_crypt(d->cipher, d->seqnr, p, p, 4, plen);
	}
	return SD_ERR_INTERNAL;
}

sd_err packet_seal(struct packet_dir *d, struct rng *rng, struct span payload, struct sbuf *wire)
{
	size_t pad = padding_for(d, 1 + payload.len), plen = 1 + payload.len + pad;
	if (plen > UINT32_MAX)
		return SD_ERR_LIMIT;
	size_t start = wire->len;
	uint8_t *where = NULL;
	sd_err e = sbuf_put_u32(wire, (uint32_t)plen);
	if (e == SD_OK)
		e = sbuf_put_u8(wire, (uint8_t)pad);
	if (e == SD_OK)
		e = sbuf_put(wire, payload.p, payload.len);
	if (e == SD_OK)
		e = sbuf_reserve(wire, pad, &where);
	if (e == SD_OK)
		e = rng_fill(rng, where, pad);
	if (e == SD_OK)
		e = sbuf_reserve(wire, auth_len(d), &where);
	if (e == SD_OK)
		e = protect(d, wire->data + start, plen);
	if (e != SD_OK) {
		/* leave wire as it was */
		if (wire->len > start) {
			wipe(wire->data + start, wire->len - start);
			wire->len = start;
		}
		return e;
	}
	d->seqnr++; /* RFC 4253 section 6.4: wraps at 2^32 */
	d->packets++;
	return SD_OK;
}

/* ---- receiving ---- */

static sd_err get_u32(const uint8_t *p, uint32_t *v)
{
	struct sview s = sview_make(p, 4);
	return sview_get_u32(&s, v);
}

/*
 * packet_length, without consuming anything.  Classic framing with a cipher
 * must decrypt a whole first block for it; CTR is stateful, so that block is
 * kept for the calls that follow until the packet is complete.
 *
 * Classic framing is read block by block (RFC 4253 section 6: its packets
 * are whole blocks of the cipher's size or 8, at least 16 bytes), so before
 * the first NEWKEYS, in clear, the length is judged once the first 8 bytes
 * are in, as OpenSSH (ssh_packet_read_poll2), libssh 0.10 (its
 * ssh_packet_decrypt_len reads 8 bytes without a cipher) and the verifier do.
 * Judging it at 4 bytes is allowed too, but then a peer that stops between
 * the 4th and the 8th byte would see a verdict nobody else gives.
 */
static sd_err read_length(struct packet_dir *d, struct span in, uint32_t *plen)
{
	size_t block = block_of(d);
	if (framing_of(d) == FRAME_CLASSIC && !d->cipher)
		return in.len < block ? SD_AGAIN : get_u32(in.p, plen);
	if (framing_of(d) == FRAME_CLASSIC) {
		if (block > sizeof d->first_block)
			return SD_ERR_UNSUPPORTED;
		if (in.len < block)
			return SD_AGAIN;
		if (!d->have_first_block) {
			sd_err e = cipher_crypt(d->cipher, d->seqnr, d->first_block, in.p, 0, block);
			if (e != SD_OK)
				return e;
			d->have_first_block = true;
		}
		return get_u32(d->first_block, plen);
	}
	if (in.len < 4)
		return SD_AGAIN;
	if (d->calg->mode == CIPHER_CHACHAPOLY)
		return cipher_chachapoly_length(d->cipher, d->seqnr, in.p, plen);
	return get_u32(in.p, plen); /* in clear: ETM, GCM */
}

/* RFC 4253 section 6.1: every implementation MUST take packets of up to
 * 35000 bytes, and "SHOULD support longer packets, where they might be
 * needed": refusing one over max_packet (35000 by default) is our limit
 * (impl-limit), not the peer's violation.  Too short for the padding_length
 * byte and 4 bytes of padding (section 6: "There MUST be at least four
 * bytes of padding") is one.  A classic packet must also cover the first
 * block already decrypted to read its length. */
static sd_err check_length(const struct packet_dir *d, uint32_t plen)
{
	if (plen > d->max_packet)
		return SD_ERR_LIMIT;
	if (plen < 1 + 4)
		return SD_ERR_PACKET_LENGTH;
	if (framing_of(d) == FRAME_CLASSIC && d->cipher && 4 + (size_t)plen < block_of(d))
		return SD_ERR_PACKET_LENGTH;
	return SD_OK;
}

static sd_err check_align(const struct packet_dir *d, size_t covered)
{
	return covered % block_of(d) == 0 ? SD_OK : SD_ERR_BLOCK_ALIGN;
}

/* Room for the decrypted packet in d->plain. */
static sd_err plain_buf(struct packet_dir *d, size_t n, uint8_t **buf)
{
	sbuf_reset(&d->plain);
	return sbuf_reserve(&d->plain, n, buf);
}

/* Classic: decrypt the rest after the first block, then the MAC over the
 * plaintext (RFC 4253 section 6.4), then alignment of the whole packet. */
static sd_err open_classic(struct packet_dir *d, struct span in, uint32_t plen, const uint8_t **pt)
{
	size_t n = 4 + (size_t)plen, block = block_of(d);
	sd_err e = SD_OK;
	*pt = in.p;
	if (d->cipher) {
		uint8_t *buf = NULL;
		e = plain_buf(d, n, &buf);
		if (e != SD_OK)
			return e;
		memcpy(buf, d->first_block, block);
		e = cipher_crypt(d->cipher, d->seqnr, buf + block, in.p + block, 0, n - block);
		*pt = buf;
	}
	if (e == SD_OK && d->mac)
		e = mac_check(d->mac, d->mac_key, d->seqnr, (struct span){*pt, n}, in.p + n);
	if (e == SD_OK)
		e = check_align(d, n);
	return e;
}

/* Encrypt-then-MAC: the MAC over seqnr || length || ciphertext is checked
 * before anything is decrypted. */
static sd_err open_etm(struct packet_dir *d, struct span in, uint32_t plen, const uint8_t **pt)
{
	size_t n = 4 + (size_t)plen;
	sd_err e = mac_check(d->mac, d->mac_key, d->seqnr, (struct span){in.p, n}, in.p + n);
	if (e == SD_OK)
		e = check_align(d, plen);
	*pt = in.p;
	if (e == SD_OK && d->cipher) {
		uint8_t *buf = NULL;
		e = plain_buf(d, n, &buf);
		if (e == SD_OK)
			e = cipher_crypt(d->cipher, d->seqnr, buf, in.p, 4, plen);
		*pt = buf;
	}
	return e;
}

/* AEAD: the cipher checks the tag before it decrypts (SD_ERR_MAC). */
static sd_err open_aead(struct packet_dir *d, struct span in, uint32_t plen, const uint8_t **pt)
{
	uint8_t *buf = NULL;
	sd_err e = plain_buf(d, 4 + (size_t)plen, &buf);
	if (e == SD_OK)
		e = cipher_crypt(d->cipher, d->seqnr, buf, in.p, 4, plen);
	if (e == SD_OK)
		e = check_align(d, plen);
	*pt = buf;
	return e;
}

/* RFC 4253 section 6: padding_length >= 4, and the payload must hold at
 * least the message number.  Padding running past the packet is
 * SD_ERR_PADDING_LENGTH; padding that leaves exactly 0 bytes of payload is
 * SD_ERR_EMPTY_PAYLOAD. */
static sd_err check_padding(const uint8_t *pt, uint32_t plen, struct span *payload)
{
	uint8_t padlen = pt[4];
	if (padlen < 4)
		return SD_ERR_PADDING_SHORT;
	if (padlen > plen - 1)
		return SD_ERR_PADDING_LENGTH;
	if (padlen == plen - 1)
		return SD_ERR_EMPTY_PAYLOAD;
	*payload = (struct span){pt + 5, plen - 1 - padlen};
	return SD_OK;
}

static sd_err open_packet(struct packet_dir *d, struct span in, size_t *consumed, struct sbuf *payload)
{
	uint32_t plen = 0;
	sd_err e = read_length(d, in, &plen);
	if (e == SD_OK)
		e = check_length(d, plen);
	if (e != SD_OK)
		return e;
	size_t total = 4 + (size_t)plen + auth_len(d);
	if (in.len < total)
		return SD_AGAIN;
	const uint8_t *pt = NULL;
	switch (framing_of(d)) {
	case FRAME_CLASSIC:
		e = open_classic(d, in, plen, &pt);
		break;
	case FRAME_ETM:
		e = open_etm(d, in, plen, &pt);
		break;
	case FRAME_AEAD:
		e = open_aead(d, in, plen, &pt);
		break;
	}
	struct span body = SPAN_NULL;
	if (e == SD_OK)
		e = check_padding(pt, plen, &body);
	if (e == SD_OK)
		e = sbuf_put(payload, body.p, body.len);
	if (e != SD_OK)
		return e;
	*consumed = total;
	d->have_first_block = false;
	wipe(d->first_block, sizeof d->first_block);
	d->seqnr++; /* RFC 4253 section 6.4: wraps at 2^32 */
	d->packets++;
	return SD_OK;
}

sd_err packet_open(struct packet_dir *d, struct span in, size_t *consumed, struct sbuf *payload)
{
	*consumed = 0;
	sd_err e = open_packet(d, in, consumed, payload);
	sbuf_reset(&d->plain); /* holds plaintext: never leave it around */
	return e;
}

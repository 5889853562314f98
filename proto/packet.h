/*
 * packet.h — the binary packet protocol (RFC 4253 section 6): framing,
 * padding, sequence numbers, encryption and MAC in both directions, for the
 * three framings the supported ciphers need:
 *   - classic: length encrypted, MAC over seqnr || plaintext packet;
 *   - encrypt-then-MAC (*-etm@openssh.com): length in clear, MAC over
 *     seqnr || length || ciphertext;
 *   - AEAD: aes-gcm (length as AAD) and chacha20-poly1305 (length encrypted
 *     under its own key; OpenSSH PROTOCOL.chacha20poly1305).
 *
 * Sans-IO: packet_seal appends bytes to send, packet_open reads from bytes
 * received.  A direction starts with no encryption (block size 8, no MAC)
 * and gets keys at NEWKEYS.  Sequence numbers are uint32 and wrap; strict
 * kex resets them (packet_dir_reset_seqnr).
 */
#ifndef SSHDIFF_PROTO_PACKET_H
#define SSHDIFF_PROTO_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/cipher.h"
#include "crypto/mac.h"
#include "rng.h"
#include "wire.h"

/* RFC 4253 section 6.1: every implementation must handle 35000 bytes. */
#define PACKET_MAX_DEFAULT 35000u

struct packet_dir {
	struct cipher_ctx *cipher;  /* NULL: none */
	const struct cipher_alg *calg;
	const struct mac_alg *mac;  /* NULL for none and for AEAD */
	uint8_t mac_key[64];
	uint32_t seqnr;
	uint32_t max_packet;        /* largest packet_length accepted (open) */
	uint64_t packets;           /* since the last keys, for rekey policy */
	/* classic CTR framing: first block already decrypted while waiting
	 * for the rest of the packet */
	bool have_first_block;
	uint8_t first_block[32];
	struct sbuf plain;          /* open: the decrypted packet (scratch) */
};

void packet_dir_init(struct packet_dir *d);
void packet_dir_free(struct packet_dir *d);
/* Switches a direction to new keys (at NEWKEYS).  mac is ignored for AEAD
 * ciphers.  key/iv/mac_key are copied.  The sequence number continues. */
sd_err packet_dir_set_keys(struct packet_dir *d, bool encrypt, const struct cipher_alg *calg, const uint8_t *key,
			   const uint8_t *iv, const struct mac_alg *mac, const uint8_t *mac_key);
void packet_dir_reset_seqnr(struct packet_dir *d);

/* Appends one packet carrying payload, padding from rng (at least 4 bytes,
 * to the block size), and advances the sequence number. */
sd_err packet_seal(struct packet_dir *d, struct rng *rng, struct span payload, struct sbuf *wire);

/* Reads one packet from the start of in (bytes received, not yet used).
 * SD_AGAIN: need more bytes, *consumed = 0 (call again with the same start
 * and more bytes).  SD_OK: the payload is appended to payload, *consumed bytes
 * of in were used, the sequence number advanced.  Errors name the rule:
 * SD_ERR_PACKET_LENGTH, SD_ERR_PADDING_SHORT, SD_ERR_PADDING_LENGTH,
 * SD_ERR_BLOCK_ALIGN, SD_ERR_MAC, SD_ERR_EMPTY_PAYLOAD; a packet_length
 * over max_packet is SD_ERR_LIMIT (ours: RFC 4253 section 6.1 lets an
 * implementation take longer packets). */
sd_err packet_open(struct packet_dir *d, struct span in, size_t *consumed, struct sbuf *payload);

#endif

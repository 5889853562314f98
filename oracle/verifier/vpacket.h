/*
 * vpacket.h — the verifier's binary packet protocol (RFC 4253 section 6):
 * ciphers and MACs per direction, sealing our packets, opening the peer's
 * with every framing rule checked in a fixed order:
 *   length (VR_PACKET_LENGTH; VR_LIMIT over VPACKET_MAX) -> MAC / tag (VR_MAC, before any use of the
 *   plaintext, section 6.4) -> block alignment (VR_BLOCK) -> padding_length
 *   (VR_PADDING, VR_PADDING_LENGTH) -> a message number (VR_PAYLOAD).
 *
 * chacha20-poly1305@openssh.com is libsodium (crypto_stream_chacha20 +
 * crypto_onetimeauth_poly1305, OpenSSH PROTOCOL.chacha20poly1305); AES-CTR
 * and AES-GCM (RFC 4344, RFC 5647 as OpenSSH uses it) are OpenSSL;
 * HMAC-SHA-2 is libsodium, HMAC-SHA-1 OpenSSL.
 */
#ifndef SSHDIFF_VERIFIER_VPACKET_H
#define SSHDIFF_VERIFIER_VPACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "oracle/verifier/vhash.h"
#include "oracle/verifier/vwire.h"

/* RFC 4253 section 6.1: every implementation handles packets of 35000 bytes;
 * the verifier, like the engine, takes that as the limit on packet_length
 * (a longer one is refused as its own limit, impl-limit: section 6.1 lets
 * implementations take longer packets). */
#define VPACKET_MAX 35000u

enum vcipher_kind { VC_NONE, VC_CHACHAPOLY, VC_AESCTR, VC_AESGCM };

struct vcipher {
	const char *name;
	enum vcipher_kind kind;
	size_t key_len, iv_len, block;
};
struct vmac {
	const char *name;
	enum vhash hash;
	size_t key_len, out_len;
	bool etm;
};
const struct vcipher *vcipher_by_name(struct vspan name);
const struct vmac *vmac_by_name(struct vspan name);
/* AEAD ciphers carry their own tag: no MAC is negotiated with them. */
bool vcipher_aead(const struct vcipher *c);

/* One direction of the connection. */
struct vdir {
	const struct vcipher *c; /* NULL before the first NEWKEYS */
	const struct vmac *m;    /* NULL with an AEAD cipher or no keys */
	uint32_t seq;
	uint8_t key[64], iv[16], mac_key[64];
	void *evp;               /* EVP_CIPHER_CTX for AES */
	bool have_first;         /* classic framing: first block decrypted */
	uint8_t first[16];
	uint32_t plen;
	struct vbuf plain;       /* the packet being opened, decrypted */
};

/* Takes new keys (sequence number kept). */
enum vrule vdir_set(struct vdir *d, const struct vcipher *c, const struct vmac *m, const uint8_t *key,
		    const uint8_t *iv, const uint8_t *mac_key, bool encrypt);
void vdir_free(struct vdir *d);

/* Appends payload as one packet (random padding from rng). */
enum vrule vdir_seal(struct vdir *d, struct vspan payload, struct vrng *rng, struct vbuf *out);
/* Opens the packet at the start of in.  *used == 0 with VR_OK: more bytes
 * needed.  Otherwise *payload (valid until the next call) is the payload. */
enum vrule vdir_open(struct vdir *d, struct vspan in, size_t *used, struct vspan *payload);

#endif

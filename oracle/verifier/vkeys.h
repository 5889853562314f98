/*
 * vkeys.h — host and user keys for the verifier: OpenSSH private key text,
 * public key blobs (RFC 4253 section 6.6, RFC 5656 section 3.1, RFC 8709),
 * signatures with the rule each failed check breaks.
 *
 * Ed25519 is libsodium (the engine's is OpenSSL); ECDSA and RSA, which
 * libsodium lacks, are OpenSSL.  The key file and the blobs are parsed by
 * the verifier's own reader.
 */
#ifndef SSHDIFF_VERIFIER_VKEYS_H
#define SSHDIFF_VERIFIER_VKEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "oracle/verifier/vhash.h"
#include "oracle/verifier/vwire.h"

enum vkey_type { VK_ED25519, VK_ECDSA_P256, VK_ECDSA_P384, VK_ECDSA_P521, VK_RSA };

/* A signature algorithm: the name in KEXINIT, USERAUTH_REQUEST and the
 * signature blob, the key type it needs, the hash it demands (RFC 8332
 * section 3 for RSA, RFC 5656 section 6.2.1 for ECDSA; Ed25519 hashes
 * internally: VH_SHA512 is not applied by us). */
struct vsigalg {
	const char *name;
	enum vkey_type type;
	enum vhash hash;
};
const struct vsigalg *vsigalg_by_name(struct vspan name);
/* The blob type name of a key type: "ssh-rsa" for every RSA algorithm. */
const char *vkey_type_name(enum vkey_type t);

struct vkey {
	enum vkey_type type;
	bool has_private;
	uint8_t ed_pk[32], ed_sk[64];
	void *ec;  /* EC_KEY */
	void *rsa; /* RSA */
	struct vbuf blob; /* the public key blob */
};

/* Unencrypted "-----BEGIN OPENSSH PRIVATE KEY-----" text; VR_INTERNAL for
 * anything else (the keys are built in: a bad one is our failure). */
enum vrule vkey_from_openssh(const char *text, struct vkey *out);
/* A peer's public key blob: VR_KEY_BLOB when malformed (incl. an EC point
 * that is not an uncompressed point on the curve), VR_RSA_KEY_SIZE under
 * 1024 bits, VR_UNSUPPORTED for a type the verifier does not know. */
enum vrule vkey_from_blob(struct vspan blob, struct vkey *out);
void vkey_free(struct vkey *k);
/* The type name a blob starts with (VR_KEY_BLOB when it has none): checked
 * against the negotiated algorithm before the rest of the blob. */
enum vrule vkey_blob_type(struct vspan blob, struct vspan *type);

/* Appends the signature blob (string name || string signature) over data.
 * ECDSA takes its nonce from rng; the others are deterministic. */
enum vrule vkey_sign(const struct vkey *k, const struct vsigalg *alg, struct vspan data, struct vrng *rng,
		     struct vbuf *out);
/* Checks a signature blob made with alg over data.  A blob whose name is not
 * alg's is VR_SIG_NAME; an RSA signature valid under another hash than the
 * name demands VR_RSA_HASH (RFC 8332 section 3); an Ed25519 S >= L
 * VR_ED25519_S (RFC 8032 section 5.1.7); any other failure VR_SIGNATURE
 * (or the encoding rule for a malformed blob). */
enum vrule vkey_verify(const struct vkey *k, const struct vsigalg *alg, struct vspan sig, struct vspan data);

#endif

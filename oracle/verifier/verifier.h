/*
 * verifier.h — the independent verifier: a model of the RFC MUST rules that
 * plays one side of an SSH connection (the implementation-under-test role of
 * a case) and names the rule behind every message it refuses.
 *
 * It is not an engine: it sends only what its role must send to go on
 * (identification, KEXINIT, ephemeral key, host key signature, NEWKEYS,
 * EXT_INFO, SERVICE_*, USERAUTH_* answers or requests) and judges everything
 * it receives.  It shares no code with proto/: its own reader and writer
 * (vwire), packet framing (vpacket), negotiation, key exchange (vkex), keys
 * (vkeys) and state machine, and where two libraries exist it uses the one
 * the engine does not (libsodium for X25519, Ed25519, ChaCha20-Poly1305 and
 * SHA-2; OpenSSL only for RSA, ECDSA, finite-field DH, ECDH, AES, SHA-1 and
 * SHA-384).
 *
 * Sans-IO: bytes in (verifier_input), bytes out (verifier_output), no
 * clock; every random byte comes from a generator seeded by the case seed.
 * The first violation is fatal: the verifier queues a DISCONNECT naming the
 * rule and stops reading.
 */
#ifndef SSHDIFF_VERIFIER_VERIFIER_H
#define SSHDIFF_VERIFIER_VERIFIER_H

#include <stdbool.h>
#include <stdint.h>

#include "oracle/verifier/vrules.h"
#include "oracle/verifier/vwire.h"

struct verifier_config {
	bool server;
	uint64_t seed;
	const char *version; /* our identification line without CR LF */
	/* Our proposals (RFC 4253 section 7.1 name-lists); cipher and mac for
	 * both directions.  Names the verifier does not implement may be
	 * listed: a negotiation that picks one ends as unsupported. */
	const char *kex, *hostkey, *cipher, *mac;
	bool ext_info;   /* offer ext-info-c / ext-info-s (RFC 8308 section 2.1) */
	bool strict_kex; /* offer kex-strict-c/s-v00@openssh.com */
	/* Server: its host key (private).  Client: the one host key it trusts
	 * (the known_hosts entry; only the public half is used).
	 * Unencrypted OpenSSH private key text. */
	const char *host_key;
	/* Client: its identity.  Server: the one authorized key. */
	const char *user_key;
	const char *user;
	const char *password; /* "" or NULL: no password */
};

enum verifier_auth { VAUTH_NONE, VAUTH_SUCCESS, VAUTH_FAILURE };

/* One judgement of a received message, for traces and tests. */
struct verifier_decision {
	uint8_t msg;       /* message number (0: identification line or framing) */
	enum vrule rule;   /* VR_OK: accepted */
	bool fatal;
};

#define VERIFIER_MAX_DECISIONS 128

struct verifier_result {
	/* The fatal decision: VR_OK while the connection goes on. */
	enum vrule rejected;
	uint8_t rejected_msg;
	/* The last non-fatal refusal (an authentication attempt refused or
	 * given up, with the reason), VR_OK if none. */
	enum vrule noted;
	bool closed;
	bool unsupported;
	char unsupported_what[96];
	uint32_t peer_disconnect_reason;
	/* negotiated ("" before negotiation; mac "" with an AEAD cipher) */
	char kex[64], hostkey[64], cipher_cs[64], cipher_sc[64], mac_cs[64], mac_sc[64];
	bool strict_kex;
	unsigned kex_count;
	enum verifier_auth auth;
	struct verifier_decision decisions[VERIFIER_MAX_DECISIONS];
	unsigned n_decisions; /* may exceed VERIFIER_MAX_DECISIONS: the first are kept */
};

struct verifier;

/* Creates the verifier and queues its identification line and KEXINIT.
 * A configuration it cannot serve gives a verifier already closed with
 * result.unsupported set; VR_NOMEM / VR_INTERNAL are its own failures. */
enum vrule verifier_new(const struct verifier_config *cfg, struct verifier **out);
void verifier_free(struct verifier *v);

/* Bytes from the peer.  Protocol violations are not errors here (see
 * verifier_result); only the verifier's own failures (VR_NOMEM,
 * VR_INTERNAL) are returned. */
enum vrule verifier_input(struct verifier *v, const uint8_t *p, size_t n);
/* The peer closed its side. */
void verifier_input_eof(struct verifier *v);

struct vspan verifier_output(const struct verifier *v);
void verifier_output_consume(struct verifier *v, size_t n);

/* No more input will be processed (rejected, peer disconnected, finished). */
bool verifier_closed(const struct verifier *v);
const struct verifier_result *verifier_result(const struct verifier *v);

#endif

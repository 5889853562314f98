/*
 * msg.h — every handshake and authentication message: parse and serialise,
 * with an exact round trip (serialise(parse(b)) == b for every b that
 * parses; booleans and mpints are kept as their raw wire bytes for that).
 *
 * Parsers take a whole payload (starting with the message number), check the
 * number, read every field with the canonical checks of wire.h, and require
 * that nothing is left over (SD_ERR_TRAILING).  Parsed messages hold spans into
 * the payload: no allocation.  Serialisers append the payload (message
 * number first) to an sbuf and write exactly the fields they are given, so
 * they can also build deliberately odd messages.
 */
#ifndef SSHDIFF_PROTO_MSG_H
#define SSHDIFF_PROTO_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "wire.h"

/* Message numbers: RFC 4250 section 4.1, RFC 4419, RFC 5656, RFC 8308. */
enum msg_number {
	MSG_DISCONNECT = 1,
	MSG_IGNORE = 2,
	MSG_UNIMPLEMENTED = 3,
	MSG_DEBUG = 4,
	MSG_SERVICE_REQUEST = 5,
	MSG_SERVICE_ACCEPT = 6,
	MSG_EXT_INFO = 7,
	MSG_KEXINIT = 20,
	MSG_NEWKEYS = 21,
	MSG_KEXDH_INIT = 30, /* also KEX_ECDH_INIT, KEX_DH_GEX_REQUEST_OLD */
	MSG_KEXDH_REPLY = 31, /* also KEX_ECDH_REPLY, KEX_DH_GEX_GROUP */
	MSG_KEX_DH_GEX_REQUEST_OLD = 30,
	MSG_KEX_DH_GEX_GROUP = 31,
	MSG_KEX_DH_GEX_INIT = 32,
	MSG_KEX_DH_GEX_REPLY = 33,
	MSG_KEX_DH_GEX_REQUEST = 34,
	MSG_USERAUTH_REQUEST = 50,
	MSG_USERAUTH_FAILURE = 51,
	MSG_USERAUTH_SUCCESS = 52,
	MSG_USERAUTH_BANNER = 53,
	MSG_USERAUTH_PK_OK = 60,
	MSG_GLOBAL_REQUEST = 80,
	MSG_REQUEST_SUCCESS = 81,
	MSG_REQUEST_FAILURE = 82,
	MSG_CHANNEL_OPEN = 90,
	MSG_CHANNEL_OPEN_CONFIRMATION = 91,
	MSG_CHANNEL_OPEN_FAILURE = 92,
	MSG_CHANNEL_CLOSE = 97,
};

/* Disconnect reason codes, RFC 4250 section 4.2.2 */
enum disconnect_reason {
	DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT = 1,
	DISCONNECT_PROTOCOL_ERROR = 2,
	DISCONNECT_KEY_EXCHANGE_FAILED = 3,
	DISCONNECT_RESERVED = 4,
	DISCONNECT_MAC_ERROR = 5,
	DISCONNECT_COMPRESSION_ERROR = 6,
	DISCONNECT_SERVICE_NOT_AVAILABLE = 7,
	DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED = 8,
	DISCONNECT_HOST_KEY_NOT_VERIFIABLE = 9,
	DISCONNECT_CONNECTION_LOST = 10,
	DISCONNECT_BY_APPLICATION = 11,
	DISCONNECT_TOO_MANY_CONNECTIONS = 12,
	DISCONNECT_AUTH_CANCELLED_BY_USER = 13,
	DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE = 14,
	DISCONNECT_ILLEGAL_USER_NAME = 15,
};

/* Name of a message number for traces ("KEXINIT", "KEX30" when it depends
 * on the KEX method, "MSG200" when unknown). */
const char *msg_name(uint8_t number);

/* KEXINIT name-lists in wire order (RFC 4253 section 7.1). */
enum kexinit_list {
	KEXINIT_KEX,
	KEXINIT_HOSTKEY,
	KEXINIT_CIPHER_CS,
	KEXINIT_CIPHER_SC,
	KEXINIT_MAC_CS,
	KEXINIT_MAC_SC,
	KEXINIT_COMP_CS,
	KEXINIT_COMP_SC,
	KEXINIT_LANG_CS,
	KEXINIT_LANG_SC,
	KEXINIT_NLISTS
};

struct msg_kexinit {
	uint8_t cookie[16];
	struct span lists[KEXINIT_NLISTS];
	uint8_t first_kex_follows; /* raw boolean byte */
	uint32_t reserved;
};
/* Parses syntax only; which lists may be empty and the reserved field are
 * the machine's and the negotiation's business. */
sd_err msg_kexinit_parse(struct span payload, struct msg_kexinit *m);
sd_err msg_kexinit_put(struct sbuf *out, const struct msg_kexinit *m);

/* KEXDH_INIT (30, e as mpint), KEX_DH_GEX_INIT (32, e as mpint),
 * KEX_ECDH_INIT (30, Q_C as string).  pub is the mpint content / the string. */
struct msg_kex_init {
	struct span pub;
};
sd_err msg_kexdh_init_parse(struct span payload, struct msg_kex_init *m);
sd_err msg_kexdh_init_put(struct sbuf *out, const struct msg_kex_init *m);
sd_err msg_gex_init_parse(struct span payload, struct msg_kex_init *m);
sd_err msg_gex_init_put(struct sbuf *out, const struct msg_kex_init *m);
sd_err msg_ecdh_init_parse(struct span payload, struct msg_kex_init *m);
sd_err msg_ecdh_init_put(struct sbuf *out, const struct msg_kex_init *m);

/* KEXDH_REPLY (31: K_S, f mpint, sig), KEX_DH_GEX_REPLY (33, same fields),
 * KEX_ECDH_REPLY (31: K_S, Q_S string, sig). */
struct msg_kex_reply {
	struct span hostkey; /* K_S blob */
	struct span pub;     /* f (mpint content) or Q_S */
	struct span sig;     /* signature blob: string alg, string sig */
};
sd_err msg_kexdh_reply_parse(struct span payload, struct msg_kex_reply *m);
sd_err msg_kexdh_reply_put(struct sbuf *out, const struct msg_kex_reply *m);
sd_err msg_gex_reply_parse(struct span payload, struct msg_kex_reply *m);
sd_err msg_gex_reply_put(struct sbuf *out, const struct msg_kex_reply *m);
sd_err msg_ecdh_reply_parse(struct span payload, struct msg_kex_reply *m);
sd_err msg_ecdh_reply_put(struct sbuf *out, const struct msg_kex_reply *m);

/* KEX_DH_GEX_REQUEST (34: min, n, max) or _OLD (30: n only). */
struct msg_gex_request {
	bool old;
	uint32_t min, n, max; /* min and max unused when old */
};
sd_err msg_gex_request_parse(struct span payload, struct msg_gex_request *m);
sd_err msg_gex_request_put(struct sbuf *out, const struct msg_gex_request *m);

/* KEX_DH_GEX_GROUP (31: p, g as mpints) */
struct msg_gex_group {
	struct span p, g;
};
sd_err msg_gex_group_parse(struct span payload, struct msg_gex_group *m);
sd_err msg_gex_group_put(struct sbuf *out, const struct msg_gex_group *m);

/* NEWKEYS (21), USERAUTH_SUCCESS (52): no fields. */
sd_err msg_empty_parse(struct span payload, uint8_t number);
sd_err msg_empty_put(struct sbuf *out, uint8_t number);

/* SERVICE_REQUEST (5) / SERVICE_ACCEPT (6) */
struct msg_service {
	struct span name;
};
sd_err msg_service_parse(struct span payload, uint8_t number, struct msg_service *m);
sd_err msg_service_put(struct sbuf *out, uint8_t number, const struct msg_service *m);

/* EXT_INFO (7), RFC 8308 section 2.3 */
#define MSG_EXT_INFO_MAX 32
struct msg_ext_info {
	uint32_t count;
	struct span names[MSG_EXT_INFO_MAX];
	struct span values[MSG_EXT_INFO_MAX];
};
/* More than MSG_EXT_INFO_MAX extensions: SD_ERR_LIMIT; a server-sig-algs
 * value that is no name-list (RFC 8308 section 3.1): SD_ERR_NAMELIST. */
sd_err msg_ext_info_parse(struct span payload, struct msg_ext_info *m);
sd_err msg_ext_info_put(struct sbuf *out, const struct msg_ext_info *m);

/* USERAUTH_REQUEST (50), RFC 4252 sections 5, 7, 8. */
enum userauth_method {
	USERAUTH_NONE,
	USERAUTH_PASSWORD,
	USERAUTH_PUBLICKEY,
	USERAUTH_OTHER /* method-specific fields left in rest */
};
struct msg_userauth_request {
	struct span user, service, method;
	enum userauth_method kind;
	/* publickey */
	uint8_t has_sig; /* raw boolean */
	struct span alg, key, sig;
	/* password */
	uint8_t change; /* raw boolean */
	struct span password, new_password;
	/* USERAUTH_OTHER: everything after the method name */
	struct span rest;
};
sd_err msg_userauth_request_parse(struct span payload, struct msg_userauth_request *m);
sd_err msg_userauth_request_put(struct sbuf *out, const struct msg_userauth_request *m);

/* USERAUTH_FAILURE (51) */
struct msg_userauth_failure {
	struct span methods;
	uint8_t partial; /* raw boolean */
};
sd_err msg_userauth_failure_parse(struct span payload, struct msg_userauth_failure *m);
sd_err msg_userauth_failure_put(struct sbuf *out, const struct msg_userauth_failure *m);

/* USERAUTH_BANNER (53) */
struct msg_userauth_banner {
	struct span message, lang;
};
sd_err msg_userauth_banner_parse(struct span payload, struct msg_userauth_banner *m);
sd_err msg_userauth_banner_put(struct sbuf *out, const struct msg_userauth_banner *m);

/* USERAUTH_PK_OK (60) */
struct msg_userauth_pk_ok {
	struct span alg, key;
};
sd_err msg_userauth_pk_ok_parse(struct span payload, struct msg_userauth_pk_ok *m);
sd_err msg_userauth_pk_ok_put(struct sbuf *out, const struct msg_userauth_pk_ok *m);

/* DISCONNECT (1) */
struct msg_disconnect {
	uint32_t reason;
	struct span description, lang;
};
sd_err msg_disconnect_parse(struct span payload, struct msg_disconnect *m);
sd_err msg_disconnect_put(struct sbuf *out, const struct msg_disconnect *m);

/* IGNORE (2) */
struct msg_ignore {
	struct span data;
};
sd_err msg_ignore_parse(struct span payload, struct msg_ignore *m);
sd_err msg_ignore_put(struct sbuf *out, const struct msg_ignore *m);

/* DEBUG (4) */
struct msg_debug {
	uint8_t always_display; /* raw boolean */
	struct span message, lang;
};
sd_err msg_debug_parse(struct span payload, struct msg_debug *m);
sd_err msg_debug_put(struct sbuf *out, const struct msg_debug *m);

/* UNIMPLEMENTED (3) */
struct msg_unimplemented {
	uint32_t seq;
};
sd_err msg_unimplemented_parse(struct span payload, struct msg_unimplemented *m);
sd_err msg_unimplemented_put(struct sbuf *out, const struct msg_unimplemented *m);

/* Signature blob (RFC 4253 section 6.6): string alg, string sig. */
struct msg_signature {
	struct span alg, sig;
};
sd_err msg_signature_parse(struct span blob, struct msg_signature *m);
sd_err msg_signature_put(struct sbuf *out, const struct msg_signature *m);

/* The data a publickey userauth signature covers (RFC 4252 section 7):
 * string session_id, byte 50, string user, string service, string
 * "publickey", TRUE, string alg, string key. */
sd_err msg_userauth_signed_data(struct sbuf *out, struct span session_id, struct span user,
				struct span service, struct span alg, struct span key);

#endif

/*
 * vmsg.h — the verifier's message decoders: one pure function per message,
 * payload in (message number first), plain struct of vspans out, and the
 * rule a malformed payload breaks.  No state, no allocation, no judgement
 * beyond the message's own syntax: whether a value is acceptable here and
 * now (a non-zero KEXINIT reserved field, a service we do not offer) is the
 * state machine's business (verifier_kex.c, verifier_auth.c, verifier.c),
 * which decodes every message it reads through these.
 *
 * Every decoder checks, in this order (RFC 4253 section 6: a payload starts
 * with its message number):
 *   empty payload         VR_PAYLOAD
 *   wrong message number  VR_UNEXPECTED
 *   each field in order   VR_TRUNCATED, VR_MPINT, VR_MPINT_SIGN, VR_NAMELIST
 *   nothing left over     VR_TRAILING
 * and on success every span points into the payload.  On failure the
 * struct's contents are unspecified.
 *
 * These are also what the parser-level fuzz targets (targets/fuzz_parse_*)
 * hold against the engine's proto/msg.h, so they share nothing with it:
 * only vwire.h.
 */
#ifndef SSHDIFF_VERIFIER_VMSG_H
#define SSHDIFF_VERIFIER_VMSG_H

#include <stdbool.h>
#include <stdint.h>

#include "oracle/verifier/vwire.h"

/* ---- RFC 4253 section 7.1: KEXINIT ---- */

/* Name-lists in wire order. */
enum vki_list {
	VKI_KEX, VKI_HOSTKEY, VKI_ENC_CS, VKI_ENC_SC, VKI_MAC_CS, VKI_MAC_SC,
	VKI_COMP_CS, VKI_COMP_SC, VKI_LANG_CS, VKI_LANG_SC, VKI_N
};

struct vmsg_kexinit {
	struct vspan cookie;      /* byte[16] */
	struct vspan list[VKI_N]; /* syntactically valid name-lists, maybe empty */
	uint8_t follows;          /* first_kex_packet_follows, the raw byte */
	uint32_t reserved;
};
enum vrule vmsg_kexinit(struct vspan pl, struct vmsg_kexinit *m);

/* ---- key exchange method messages ---- */

/* How a method carries public values: an mpint (RFC 4253 section 8 e and
 * f, RFC 4419) or a string (RFC 5656 Q_C / Q_S, RFC 8731). */
enum vmsg_pub { VMSG_PUB_MPINT, VMSG_PUB_STRING };

/* KEXDH_INIT (30), KEX_ECDH_INIT (30), KEX_DH_GEX_INIT (32).  An mpint
 * must be canonical and not negative; pub is then its magnitude (no sign
 * byte), a string its content. */
struct vmsg_kex_init {
	struct vspan pub;
};
enum vrule vmsg_kex_init(struct vspan pl, uint8_t number, enum vmsg_pub kind, struct vmsg_kex_init *m);

/* KEXDH_REPLY (31), KEX_ECDH_REPLY (31), KEX_DH_GEX_REPLY (33): string
 * K_S, the public value as above, string signature. */
struct vmsg_kex_reply {
	struct vspan hostkey, pub, sig;
};
enum vrule vmsg_kex_reply(struct vspan pl, uint8_t number, enum vmsg_pub kind, struct vmsg_kex_reply *m);

/* RFC 4419 section 3: KEX_DH_GEX_REQUEST (34: min, n, max) or section 5
 * KEX_DH_GEX_REQUEST_OLD (30: n); the number tells them apart. */
struct vmsg_gex_request {
	bool old;
	uint32_t min, n, max; /* min and max 0 when old */
};
enum vrule vmsg_gex_request(struct vspan pl, struct vmsg_gex_request *m);

/* RFC 4419 section 3: KEX_DH_GEX_GROUP (31): mpint p, mpint g, both
 * canonical and not negative; the spans are magnitudes. */
struct vmsg_gex_group {
	struct vspan p, g;
};
enum vrule vmsg_gex_group(struct vspan pl, struct vmsg_gex_group *m);

/* ---- messages without fields: NEWKEYS (21), USERAUTH_SUCCESS (52) ---- */

enum vrule vmsg_empty(struct vspan pl, uint8_t number);

/* ---- RFC 4253 sections 10 and 11 ---- */

/* SERVICE_REQUEST (5), SERVICE_ACCEPT (6): string service name. */
struct vmsg_service {
	struct vspan name;
};
enum vrule vmsg_service(struct vspan pl, uint8_t number, struct vmsg_service *m);

/* DISCONNECT (1): uint32 reason, string description, string language. */
struct vmsg_disconnect {
	uint32_t reason;
	struct vspan desc, lang;
};
enum vrule vmsg_disconnect(struct vspan pl, struct vmsg_disconnect *m);

/* IGNORE (2): string data. */
struct vmsg_ignore {
	struct vspan data;
};
enum vrule vmsg_ignore(struct vspan pl, struct vmsg_ignore *m);

/* UNIMPLEMENTED (3): uint32 sequence number. */
struct vmsg_unimplemented {
	uint32_t seq;
};
enum vrule vmsg_unimplemented(struct vspan pl, struct vmsg_unimplemented *m);

/* DEBUG (4): boolean always_display (raw byte), string message, string
 * language. */
struct vmsg_debug {
	uint8_t display;
	struct vspan msg, lang;
};
enum vrule vmsg_debug(struct vspan pl, struct vmsg_debug *m);

/* ---- RFC 8308 section 2.3: EXT_INFO (7) ---- */

/* uint32 nr-extensions, then that many (string name, string value).  No
 * bound on the count beyond the payload itself; exts is the pairs as on the
 * wire, walked with vmsg_ext_next.  Section 3.1: the value of
 * "server-sig-algs" is a name-list, checked here in wire order (VR_NAMELIST)
 * because a value is only meaningful as the syntax its name gives it. */
struct vmsg_ext_info {
	uint32_t count;
	struct vspan exts;
};
enum vrule vmsg_ext_info(struct vspan pl, struct vmsg_ext_info *m);
/* Next (name, value) of a decoded list; *rest starts as m->exts.  False
 * when the list is done. */
bool vmsg_ext_next(struct vspan *rest, struct vspan *name, struct vspan *value);

/* ---- RFC 4252: user authentication ---- */

enum vmsg_method { VMSG_NONE, VMSG_PASSWORD, VMSG_PUBLICKEY, VMSG_OTHER };

/* USERAUTH_REQUEST (50): string user, string service, string method, then
 *   "none"       nothing (section 5.2);
 *   "password"   boolean change, string password, [string new password
 *                when change is TRUE] (section 8);
 *   "publickey"  boolean has_sig, string algorithm, string key blob,
 *                [string signature when has_sig is TRUE] (section 7);
 *   other        fields the method defines: rest, unread (section 5).
 * Booleans are the raw byte; any non-zero byte is TRUE (RFC 4251 section 5). */
struct vmsg_userauth_request {
	struct vspan user, service, method;
	enum vmsg_method kind;
	uint8_t has_sig;
	struct vspan alg, key, sig;
	uint8_t change;
	struct vspan password, new_password;
	struct vspan rest;
};
enum vrule vmsg_userauth_request(struct vspan pl, struct vmsg_userauth_request *m);

/* USERAUTH_FAILURE (51): name-list methods, boolean partial success. */
struct vmsg_userauth_failure {
	struct vspan methods;
	uint8_t partial;
};
enum vrule vmsg_userauth_failure(struct vspan pl, struct vmsg_userauth_failure *m);

/* USERAUTH_BANNER (53): string message, string language (section 5.4). */
struct vmsg_userauth_banner {
	struct vspan msg, lang;
};
enum vrule vmsg_userauth_banner(struct vspan pl, struct vmsg_userauth_banner *m);

/* USERAUTH_PK_OK (60): string algorithm, string key blob (section 7). */
struct vmsg_userauth_pk_ok {
	struct vspan alg, key;
};
enum vrule vmsg_userauth_pk_ok(struct vspan pl, struct vmsg_userauth_pk_ok *m);

/* USERAUTH_PASSWD_CHANGEREQ (60 in the password method, section 8):
 * string prompt, string language. */
struct vmsg_passwd_changereq {
	struct vspan prompt, lang;
};
enum vrule vmsg_passwd_changereq(struct vspan pl, struct vmsg_passwd_changereq *m);

#endif

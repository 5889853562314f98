/*
 * case.h — one SSH connection seen from the peer the service plays (the
 * actor): which role the implementation under test (IUT) plays, identities,
 * the algorithms every backend is configured with, a seed, and the ordered
 * script of steps.  docs/case-format.md is the normative description.
 *
 * Three forms:
 *   fuzz body (case_decode / case_encode): what fuzzers mutate.  EVERY byte
 *     string decodes to some valid case (out-of-range values are reduced,
 *     missing bytes read as zero), the way Cryptofuzz decodes its inputs;
 *     case_encode(case_decode(b)) is canonical, and
 *     case_decode(case_encode(c)) == c for every valid c.
 *   binary file (case_write_binary): CASE_MAGIC, uint32 body length, body.
 *     Unlike fuzz input, a file on disk must be whole: case_load rejects a
 *     wrong magic/version or a short body, naming the byte offset.
 *   text (case_parse_text / case_print_text): what people read, edit and
 *     commit; '#' comments; errors name the line.  A file that starts with
 *     CASE_MAGIC's first 7 bytes is binary, anything else is text.
 *   case_parse_text(case_print_text(c)) == c for every valid c.
 *
 * A case holds no pointers: it is plain data, copyable with memcpy and
 * comparable with case_equal.
 */
#ifndef SSHDIFF_ORACLE_CASE_H
#define SSHDIFF_ORACLE_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/errors.h"
#include "proto/wire.h"

#define CASE_VERSION 1
#define CASE_MAGIC "SSHDIFF\x01" /* 8 bytes: binary form, format version 1 */
#define CASE_MAX_STEPS 48
/* per step: 8 lets a KEXINIT carry a captured peer's lists, cookie and
 * flags verbatim (ingest), which differ from the actor's own in at most 8
 * of its 13 fields in practice */
#define CASE_MAX_MUTATIONS 8
#define CASE_MAX_DATA 512      /* bytes of data per mutation or raw step */
#define CASE_NAME_MAX 256      /* algorithm name-lists, version, user, password */

/* Which role the implementation under test plays; the actor plays the other. */
enum case_role { CASE_IUT_SERVER = 0, CASE_IUT_CLIENT = 1 };

/* Built-in test keys (oracle/testkeys.h): fixed, so a case names a key by id
 * and replays on any machine. */
enum case_key {
	CASE_KEY_ED25519_A,
	CASE_KEY_ED25519_B,
	CASE_KEY_ECDSA_P256,
	CASE_KEY_ECDSA_P384,
	CASE_KEY_ECDSA_P521,
	CASE_KEY_RSA_3072,
	CASE_KEY_COUNT
};

/* Logical messages the actor builds.  Fields that depend on the other side
 * (H, K, signatures, MACs, the session id) are computed by the actor against
 * the backend actually running, then the step's mutations are applied. */
enum case_msg {
	CM_KEXINIT,
	CM_KEX_INIT,        /* KEXDH_INIT / KEX_ECDH_INIT / KEX_DH_GEX_INIT by method */
	CM_GEX_REQUEST,
	CM_GEX_GROUP,
	CM_KEX_REPLY,       /* KEXDH_REPLY / KEX_ECDH_REPLY / KEX_DH_GEX_REPLY */
	CM_NEWKEYS,
	CM_EXT_INFO,
	CM_SERVICE_REQUEST,
	CM_SERVICE_ACCEPT,
	CM_USERAUTH_NONE,
	CM_USERAUTH_PASSWORD,
	CM_USERAUTH_PK_QUERY,
	CM_USERAUTH_PK_SIGNED,
	CM_USERAUTH_FAILURE,
	CM_USERAUTH_SUCCESS,
	CM_USERAUTH_PK_OK,
	CM_USERAUTH_BANNER,
	CM_IGNORE,
	CM_DEBUG,
	CM_UNIMPLEMENTED,
	CM_DISCONNECT,
	CM_GLOBAL_REQUEST,
	CM_CHANNEL_OPEN,
	CM_COUNT
};

enum case_step_kind {
	STEP_SEND,       /* build msg, apply mutations, send */
	STEP_EXPECT,     /* let the peer speak: wait for message `msg` (CM_COUNT: any) */
	STEP_RAW,        /* send data as is (bytes on the wire, no packet framing) */
	STEP_DUPLICATE,  /* send the previous packet again, same bytes */
	STEP_SWAP,       /* the next two SEND steps go out in reverse order */
	STEP_DROP,       /* the next SEND step is built (state advances) but not sent */
	STEP_ENCRYPTION, /* value 0: send the next packets unencrypted; 1: back on */
	STEP_SEQ_SKEW,   /* add (int32)value to the actor's outgoing sequence number */
	STEP_KIND_COUNT
};

enum case_mutation_kind {
	MUT_NONE,
	MUT_SET_FIELD,   /* field `field` := data, BEFORE dependent values (H, signature) are computed */
	MUT_FLIP,        /* payload[offset] ^= mask (offset mod payload length), after serialising */
	MUT_TRUNCATE,    /* payload cut to `offset` bytes (at least 1) */
	MUT_EXTEND,      /* data appended to the payload */
	MUT_LIE_LENGTH,  /* the uint32 length of string field `field` += (int32)value, bytes unchanged */
	MUT_MSG_NUMBER,  /* payload[0] := value */
	MUT_KDF_HASH,    /* actor derives its keys with hash `value` (enum kex_hash) instead of the method's */
	MUT_SIG_HASH,    /* actor signs with hash `value` (enum sig_hash) under the negotiated name */
	MUT_GUESS,       /* KEXINIT first_kex_packet_follows := value (KEXINIT only) */
	MUT_SIG_MALLEATE, /* Ed25519 signature of the step (KEX_REPLY, USERAUTH_PK_SIGNED): S := S + L */
	MUT_KIND_COUNT
};

struct case_mutation {
	enum case_mutation_kind kind;
	uint8_t field;   /* field index in the message's field table (case_msg_field_name) */
	uint32_t offset;
	uint8_t mask;
	uint32_t value;
	uint16_t data_len;
	uint8_t data[CASE_MAX_DATA];
};

struct case_step {
	enum case_step_kind kind;
	enum case_msg msg;     /* SEND / EXPECT */
	uint32_t value;        /* ENCRYPTION, SEQ_SKEW */
	uint8_t n_mutations;
	struct case_mutation mutations[CASE_MAX_MUTATIONS];
	uint16_t data_len;     /* RAW */
	uint8_t data[CASE_MAX_DATA];
};

/* Algorithm preferences every backend (and the actor) is configured with:
 * comma-separated name-lists as in KEXINIT. */
struct case_algs {
	char kex[CASE_NAME_MAX];
	char hostkey[CASE_NAME_MAX];
	char cipher[CASE_NAME_MAX]; /* both directions */
	char mac[CASE_NAME_MAX];    /* both directions */
};

struct sshdiff_case {
	uint8_t version;              /* CASE_VERSION */
	enum case_role iut_role;
	uint64_t seed;                /* every random value of every backend and of the actor */
	char actor_version[CASE_NAME_MAX]; /* actor's identification string, no CR LF */
	enum case_key host_key;       /* the server's host key (whoever plays the server) */
	enum case_key user_key;       /* the client's publickey identity */
	char user[CASE_NAME_MAX];
	char password[CASE_NAME_MAX];
	struct case_algs algs;
	bool strict_kex;              /* actor offers kex-strict-*-v00@openssh.com */
	bool ext_info;                /* actor offers ext-info-c / ext-info-s, and so do the
				       * IUTs that can be configured (own, verifier) */
	uint8_t n_steps;
	struct case_step steps[CASE_MAX_STEPS];
};

/* Names used by the text form and by reports. */
const char *case_msg_name(enum case_msg m);          /* "KEXINIT", "KEX_INIT", "USERAUTH_PK_SIGNED" */
const char *case_step_kind_name(enum case_step_kind k); /* "send", "expect", "raw", ... */
const char *case_mutation_kind_name(enum case_mutation_kind k); /* "set", "flip", "truncate", ... */
const char *case_key_name(enum case_key k);          /* "ed25519-a", "ecdsa-p256", "rsa-3072" */
/* Field table of a message, in wire order after the message number:
 * e.g. KEX_REPLY: 0 "hostkey", 1 "f", 2 "signature".  NULL past the end. */
const char *case_msg_field_name(enum case_msg m, unsigned field);

/* A valid default: full handshake through publickey auth for the role,
 * curve25519-sha256 + ssh-ed25519 + chacha20-poly1305@openssh.com. */
void case_default(struct sshdiff_case *c, enum case_role iut_role);
/* The standard script (send/expect steps of a valid connection through
 * publickey authentication) for c's role and algorithms, replacing c's steps. */
void case_default_script(struct sshdiff_case *c);

bool case_equal(const struct sshdiff_case *a, const struct sshdiff_case *b);

/* Binary form.  decode never fails on content (every byte string is a case);
 * encode fails only on allocation, or with SD_ERR_INVALID_ARG for a case
 * that breaks docs/case-format.md "Valid cases" (so do print_text,
 * write_binary and hash_hex). */
void case_decode(const uint8_t *data, size_t len, struct sshdiff_case *c);
sd_err case_encode(const struct sshdiff_case *c, struct sbuf *out);
/* Where the first step starts in case_encode(c): the bytes before it are
 * the settings (flags, keys, seed, names and algorithm lists, the step
 * count); 0 on allocation failure. */
size_t case_encoded_script_offset(const struct sshdiff_case *c);

/* Text form.  On error, *err_line is the 1-based line and err_msg (if not
 * NULL) says what is wrong ("unknown step kind 'sned'"). */
sd_err case_parse_text(const char *text, size_t len, struct sshdiff_case *c, unsigned *err_line, char *err_msg,
		       size_t err_msg_size);
sd_err case_print_text(const struct sshdiff_case *c, struct sbuf *out);

/* Appends the binary file form. */
sd_err case_write_binary(const struct sshdiff_case *c, struct sbuf *out);

/* Loads a case file, binary or text.  Unknown version (binary version byte
 * or text "sshdiff-case N") → SD_ERR_UNSUPPORTED; short binary body →
 * SD_ERR_TRUNCATED; bad text → SD_ERR_INVALID_ARG.  err_msg always names the
 * file and the line (text) or byte offset (binary). */
sd_err case_load(const char *path, struct sshdiff_case *c, char *err_msg, size_t err_msg_size);

/* Content hash (SHA-256 of the canonical binary form), hex, for file names. */
sd_err case_hash_hex(const struct sshdiff_case *c, char out[65]);

#endif

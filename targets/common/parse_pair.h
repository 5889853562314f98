/*
 * parse_pair.h — the parser-level differential: the engine's decoders
 * (proto/msg.h, proto/packet.h) against the verifier's independent ones
 * (oracle/verifier/vmsg.h, vpacket.h), on the same bytes.
 *
 * What "agree" means for one message payload (pp_check):
 *   1. the same verdict: both accept, or both reject naming the same rule
 *      (sd_err_rule and vrule_id share the identifiers of docs/rules.md);
 *   2. when both accept, the same fields: every decoded value compared as
 *      bytes (an mpint by its magnitude: the verifier drops the sign byte);
 *   3. when both accept, the engine's serialiser given what its parser
 *      produced writes the input back byte for byte (msg_*_put after
 *      msg_*_parse).  This holds for EVERY accepted input, not only for
 *      "canonical" ones, because the decoders accept only canonical
 *      encodings where the RFC defines one (mpints and name-lists, RFC 4251
 *      section 5; no bytes after the last field) and keep the one field
 *      with several encodings, the boolean (any non-zero byte is TRUE),
 *      as its raw byte.  A payload that re-encodes differently is therefore
 *      a parser or serialiser bug, never an allowed variant.
 *   Where the RFCs leave a receiver free to differ, parse_pair.c names the
 *   allowance and its section; nothing else is excused.
 * Bytes after the last field: no RFC says a receiver MUST refuse them
 * (hence the rule's name, impl-trailing-data), but both decoders do, for
 * every message, so they are held to the same verdict like any other.  The
 * one place neither reads to the end is a USERAUTH_REQUEST for a method
 * they do not implement: RFC 4252 section 5 leaves the fields after the
 * method name to the method, so both keep them opaque (and they are
 * compared as bytes).
 *
 * For the binary packet protocol (pp_packet_check) the input is a byte
 * stream ending at EOF: both openers are run packet by packet and must
 * open the same packets with the same payloads and stop in the same way
 * (same rule, or both waiting for more bytes).  No round trip there: the
 * padding is random (RFC 4253 section 6), so resealing a payload cannot
 * give the input back.
 *
 * A disagreement is reported as one stable line (docs/fuzzing.md),
 *   sshdiff-parser-divergence: <target>|<message>|<what differs>
 * with no values or offsets in it, so that crash deduplication groups
 * inputs by the decision that differs.
 *
 * Nothing here allocates per input once the scratch buffers have grown
 * (but for the keyed packet states, which key cipher contexts per input),
 * nothing logs: these run hundreds of thousands of times a second.
 * Not thread-safe (static scratch buffers); fuzz targets are one thread.
 */
#ifndef SSHDIFF_TARGETS_PARSE_PAIR_H
#define SSHDIFF_TARGETS_PARSE_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/errors.h"
#include "oracle/verifier/vrules.h"

/* Every message kind with a decoder pair, grouped by target: the kinds of
 * one target are contiguous, and a multi-kind target's input byte 0 picks
 * the kind (byte % count) counted from the target's first kind, so this
 * order is part of the seed format: append, never reorder. */
enum pp_kind {
	/* fuzz_parse_kexinit */
	PP_KEXINIT,
	/* fuzz_parse_kex */
	PP_KEXDH_INIT,
	PP_KEXDH_REPLY,
	PP_ECDH_INIT,
	PP_ECDH_REPLY,
	PP_GEX_REQUEST, /* 34 and _OLD 30 */
	PP_GEX_GROUP,
	PP_GEX_INIT,
	PP_GEX_REPLY,
	/* fuzz_parse_transport */
	PP_NEWKEYS,
	PP_EXT_INFO,
	PP_SERVICE_REQUEST,
	PP_SERVICE_ACCEPT,
	PP_DISCONNECT,
	PP_IGNORE,
	PP_DEBUG,
	PP_UNIMPLEMENTED,
	/* fuzz_parse_userauth */
	PP_USERAUTH_REQUEST,
	PP_USERAUTH_FAILURE,
	PP_USERAUTH_SUCCESS,
	PP_USERAUTH_BANNER,
	PP_USERAUTH_PK_OK,
	PP_KIND_COUNT
};

/* "KEXDH_INIT", "GEX_REQUEST", ... (the <message> of a divergence line). */
const char *pp_kind_name(enum pp_kind k);
/* The message number the kind's decoders expect (GEX_REQUEST: 34). */
uint8_t pp_kind_number(enum pp_kind k);

/* Both verdicts of one run, for tests and benchmarks. */
struct pp_verdicts {
	sd_err engine;
	enum vrule verifier;
	bool allowed; /* they differ as an allowance of parse_pair.c permits */
};

/* Runs both decoders of kind k on payload p[0..n) (message number first).
 * NULL when they agree; else what differs ("verdict engine=X verifier=Y",
 * "field <name>", "re-encode"), a static string or written into buf. */
const char *pp_check(enum pp_kind k, const uint8_t *p, size_t n, struct pp_verdicts *out, char *buf, size_t cap);

/* The engine's decoder alone, the same work pp_check's engine half does
 * (the benchmark's baseline).  Returns its verdict. */
sd_err pp_engine_only(enum pp_kind k, const uint8_t *p, size_t n);

/* ---- binary packet protocol ---- */

/* The states of the binary packet pair.
 *   PP_STATE_CLEAR  before the first NEWKEYS (no cipher, no MAC): the
 *                   input is a byte stream, up to 16 packets
 *                   (target fuzz_parse_packet);
 *   the others      keyed (target fuzz_parse_packet_keyed): the input is a
 *                   uint32 sequence number then ONE packet in plaintext
 *                   (packet_length, padding_length, payload, padding; any
 *                   of them may lie).  The harness encrypts and
 *                   authenticates it with the engine's primitives under
 *                   fixed keys, exactly as far as its packet_length says,
 *                   and both openers get the result: so both pass the MAC
 *                   and judge the framing, and a cipher or MAC disagreement
 *                   between the two independent implementations shows as
 *                   RFC4253-6.4 on one side only.
 * Keying three cipher contexts per input is what makes the keyed target an
 * order of magnitude slower than the others; it is a target of its own so
 * that the cleartext framing keeps its speed. */
enum pp_packet_state {
	PP_STATE_CLEAR,
	PP_STATE_CHACHAPOLY,
	PP_STATE_AES128_GCM,
	PP_STATE_AES256_GCM,
	PP_STATE_AES128_CTR_SHA256,
	PP_STATE_AES192_CTR_SHA1,
	PP_STATE_AES256_CTR_SHA512_ETM,
	PP_STATE_AES128_CTR_SHA1_ETM,
	PP_STATE_NONE_SHA256,
	PP_STATE_NONE_SHA256_ETM,
	PP_STATE_COUNT
};
/* The keyed state input byte 0 of fuzz_parse_packet_keyed picks
 * (never PP_STATE_CLEAR), and back (header-only, for the seed generator). */
static inline enum pp_packet_state pp_keyed_state(uint8_t selector)
{
	return (enum pp_packet_state)(1 + selector % (PP_STATE_COUNT - 1));
}
static inline uint8_t pp_keyed_selector(enum pp_packet_state s)
{
	return (uint8_t)(s - 1);
}
const char *pp_packet_state_name(enum pp_packet_state s);

/* The algorithms of a state as negotiated names (mac NULL: AEAD or none);
 * header-only like pp_kind_selector, for the seed generator. */
static inline void pp_packet_state_algs(enum pp_packet_state s, const char **cipher, const char **mac)
{
	static const char *const names[PP_STATE_COUNT][2] = {
		[PP_STATE_CLEAR] = {"none", NULL},
		[PP_STATE_CHACHAPOLY] = {"chacha20-poly1305@openssh.com", NULL},
		[PP_STATE_AES128_GCM] = {"aes128-gcm@openssh.com", NULL},
		[PP_STATE_AES256_GCM] = {"aes256-gcm@openssh.com", NULL},
		[PP_STATE_AES128_CTR_SHA256] = {"aes128-ctr", "hmac-sha2-256"},
		[PP_STATE_AES192_CTR_SHA1] = {"aes192-ctr", "hmac-sha1"},
		[PP_STATE_AES256_CTR_SHA512_ETM] = {"aes256-ctr", "hmac-sha2-512-etm@openssh.com"},
		[PP_STATE_AES128_CTR_SHA1_ETM] = {"aes128-ctr", "hmac-sha1-etm@openssh.com"},
		[PP_STATE_NONE_SHA256] = {"none", "hmac-sha2-256"},
		[PP_STATE_NONE_SHA256_ETM] = {"none", "hmac-sha2-256-etm@openssh.com"},
	};
	*cipher = names[s][0];
	*mac = names[s][1];
}

/* How the last packet ended for each opener: "ok" (opened), "more"
 * (waiting for bytes), or a rule id; and how many packets both opened. */
struct pp_packet_verdicts {
	const char *engine, *verifier;
	unsigned packets;
};
/* NULL when both openers agree on the whole input of state s (see above);
 * out may be NULL. */
const char *pp_packet_check(enum pp_packet_state s, const uint8_t *data, size_t size, struct pp_packet_verdicts *out,
			    char *buf, size_t cap);
/* The engine's opener alone on the same input (the baseline; for a keyed
 * state it includes the keys and the sealing the differential needs). */
sd_err pp_packet_engine_only(enum pp_packet_state s, const uint8_t *data, size_t size);
/* The wire bytes pp_packet_check feeds the openers for a keyed-state
 * input (for tests): appended to out; false when the input is too short
 * or s is PP_STATE_CLEAR. */
struct sbuf;
bool pp_packet_wire(enum pp_packet_state s, const uint8_t *data, size_t size, struct sbuf *out);

/* ---- the fuzz targets ---- */

/* What a target feeds the pairs. */
enum pp_input {
	PP_IN_MESSAGE,      /* a payload (byte 0 picks the kind if several) */
	PP_IN_PACKET_CLEAR, /* a cleartext byte stream */
	PP_IN_PACKET_KEYED, /* byte 0 picks the keyed state, then as above */
};

/* One parser target: fuzz_parse_<name>. */
struct pp_target {
	const char *name;     /* "fuzz_parse_kex" */
	enum pp_input input;
	enum pp_kind first;   /* PP_IN_MESSAGE: kinds first .. first + n_kinds - 1 */
	unsigned n_kinds;     /* > 1: input byte 0 picks */
};
extern const struct pp_target pp_targets[];
extern const size_t pp_targets_count;
const struct pp_target *pp_target_by_name(const char *name);

/* Ranges of the enum above, one per message target. */
#define PP_KEXINIT_FIRST PP_KEXINIT
#define PP_KEXINIT_COUNT 1
#define PP_KEX_FIRST PP_KEXDH_INIT
#define PP_KEX_COUNT (PP_GEX_REPLY - PP_KEXDH_INIT + 1)
#define PP_TRANSPORT_FIRST PP_NEWKEYS
#define PP_TRANSPORT_COUNT (PP_UNIMPLEMENTED - PP_NEWKEYS + 1)
#define PP_USERAUTH_FIRST PP_USERAUTH_REQUEST
#define PP_USERAUTH_COUNT (PP_USERAUTH_PK_OK - PP_USERAUTH_REQUEST + 1)

/* The first input byte that makes a multi-kind target decode kind k
 * (header-only, so the seed generator needs no link with the targets). */
static inline uint8_t pp_kind_selector(enum pp_kind k)
{
	if (k >= PP_USERAUTH_FIRST)
		return (uint8_t)(k - PP_USERAUTH_FIRST);
	if (k >= PP_TRANSPORT_FIRST)
		return (uint8_t)(k - PP_TRANSPORT_FIRST);
	if (k >= PP_KEX_FIRST)
		return (uint8_t)(k - PP_KEX_FIRST);
	return 0;
}

#define PP_LINE_MAX 256
/* The target's verdict on one fuzz input: NULL when the decoders agree,
 * else the whole divergence line (without newline) in line. */
const char *pp_target_check(const struct pp_target *t, const uint8_t *data, size_t size, char line[PP_LINE_MAX]);
/* LLVMFuzzerTestOneInput's body: on a divergence, prints the line to
 * stderr and aborts. */
void pp_target_run(const struct pp_target *t, const uint8_t *data, size_t size);
/* The baseline of the benchmark: the engine's decoder(s) alone on the
 * same input. */
void pp_target_engine_only(const struct pp_target *t, const uint8_t *data, size_t size);
/* Frees the scratch buffers (tests, for LeakSanitizer's peace);
 * pp_cleanup frees all, pp_packet_cleanup the packet pair's part. */
void pp_cleanup(void);
void pp_packet_cleanup(void);

#endif

/*
 * actor_impl.h — what the actor's files share; not part of the oracle's API.
 *
 *   actor.c        the API: lifecycle, the script loop, verdicts, observe,
 *                  actor_drive
 *   actor_wire.c   the identification line, sealing and opening packets,
 *                  the check of the IUT's keys (keys_ok)
 *   actor_kex.c    the key exchange values: KEXINIT lists, negotiation,
 *                  ephemeral keys, K, H, derived keys
 *   actor_build.c  building each logical message, then its mutations
 *   actor_recv.c   what the actor learns from each IUT message, and which
 *                  logical message it is
 *   actor_trace.c  the event log and its `ssh -vvv`-style rendering
 */
#ifndef SSHDIFF_ORACLE_ACTOR_IMPL_H
#define SSHDIFF_ORACLE_ACTOR_IMPL_H

#include "oracle/actor.h"
#include "proto/crypto/kex.h"
#include "proto/crypto/sigkey.h"
#include "proto/msg.h"
#include "proto/negotiate.h"
#include "proto/packet.h"
#include "proto/rng.h"

/* Bounds that keep a run finite whatever the IUT does. */
#define ACTOR_MAX_INPUT (4u << 20)   /* bytes accepted from the IUT */
#define ACTOR_MAX_VERSION_BYTES 65536 /* lines before the IUT's SSH- line */
#define ACTOR_MAX_ROUNDS 20000u       /* actor_drive rounds */

/* What the actor knows about the shared secret K of the running exchange. */
enum actor_k {
	K_NONE,          /* not computed: no peer value yet, or the IUT's was unusable */
	K_KNOWN,         /* computed (or predicted from a mutated value, see actor_kex.c) */
	K_UNPREDICTABLE, /* our own mutation made the IUT's K unknowable */
};

/* Incoming keys, RFC 4253 section 7.2 (the keys_ok check). */
enum actor_rx_keys {
	RXK_PLAIN,       /* no NEWKEYS from the IUT yet */
	RXK_CHECKING,    /* switched; the next packet decides keys_ok */
	RXK_VERIFIED,    /* a packet opened under our keys */
	RXK_MISSING,     /* the IUT switched but we have no K/H: check fails */
	RXK_UNKNOWN,     /* the IUT switched to keys we cannot know (our mutation) */
};

/* One key exchange round (RFC 4253 sections 7-8, RFC 4419). */
struct actor_kx {
	bool ours_sent, theirs_seen;     /* KEXINITs of this round */
	struct sbuf i_ours, i_theirs;    /* their payloads, exactly as on the wire */
	bool neg_done;                   /* negotiation attempted with both */
	bool neg_ok;
	struct negotiated neg;
	struct kex_ephemeral *eph;
	struct sbuf q_c, q_s, k_s;       /* as sent / received (no length) */
	struct sbuf k;                   /* K as mpint with its length */
	enum actor_k k_state;
	bool gex_old;
	uint32_t gex_min, gex_n, gex_max;
	struct sbuf gex_p, gex_g;        /* mpint contents */
	uint8_t h[KEX_HASH_MAX];
	size_t h_len;
	int kdf_hash;                    /* MUT_KDF_HASH for our keys: enum kex_hash, or -1 */
	bool tx_newkeys, rx_newkeys;     /* NEWKEYS sent / received this round */
	bool guess_wrong;                /* our first_kex_packet_follows guess, recorded */
	bool iut_pub_seen;               /* the IUT's e / Q_C (actor server) arrived */
	bool ours_mutated;               /* a mutation changed our e / f / Q */
	bool ours_garbled;               /* ... and the IUT cannot even parse it */
	bool values_unknown;             /* a mutation hid what the IUT hashes (GEX values) */
};

/* A logical message the IUT sent, waiting for an EXPECT step. */
struct actor_rxmsg {
	uint8_t number;
	int cm;           /* enum case_msg, or -1 when it is none of them */
	uint32_t reason;  /* DISCONNECT reason */
};

enum actor_ev_kind {
	EV_VERSION_OUT, /* data: our identification line */
	EV_VERSION_IN,  /* data: the IUT's */
	EV_SENT,        /* data: payload */
	EV_DROPPED,     /* data: payload built but not sent (STEP_DROP) */
	EV_RAW,         /* data: raw bytes (STEP_RAW, STEP_DUPLICATE) */
	EV_RECV,        /* data: payload */
	EV_NOTE,        /* data: one line of text */
	EV_HOSTSIG,     /* data: string K_S, string signature, H: checked when rendered */
};

struct actor_ev {
	enum actor_ev_kind kind;
	int step;          /* script step, -1 */
	int cm;            /* enum case_msg, -1 */
	uint32_t seqnr;
	size_t wire_len;   /* packet bytes on the wire */
	bool plain;        /* sent without the negotiated cipher */
	struct sbuf data;
};

enum actor_end {
	END_NONE,
	END_DISCONNECT,  /* the IUT sent DISCONNECT */
	END_CLOSE,       /* the IUT closed */
	END_KEYS,        /* its packet did not open under RFC 4253 7.2 keys */
	END_GARBAGE,     /* its bytes are not a valid packet / identification */
};

struct actor {
	const struct sshdiff_case *c;
	bool client; /* the actor plays the client (the IUT is a server) */
	struct rng_seeded rng;
	/* From keycache.h (shared, never freed here), on first use. */
	struct sigkey *host_key, *user_key;
	struct sigkey *alt_host_key;        /* when the negotiated alg does not fit host_key */
	struct span user_blob;

	/* wire */
	struct sbuf out, in;
	bool version_done;
	char iut_version[256];
	size_t version_bytes;
	struct packet_dir tx, rx;
	bool tx_plain;           /* STEP_ENCRYPTION 0 */
	struct sbuf last_wire;   /* STEP_DUPLICATE */
	struct sbuf payload;     /* scratch for packet_open */
	size_t input_total;

	/* key exchange */
	struct actor_kx kx;
	unsigned kex_count;      /* rounds finished both ways */
	bool first_kexinit_sent; /* markers go in the first only */
	bool strict;             /* strict kex negotiated in the first round */
	uint8_t session_id[KEX_HASH_MAX];
	size_t session_id_len;
	enum actor_rx_keys rxk;
	bool keys_checked, keys_ok;

	/* user authentication */
	struct sbuf pk_alg, pk_key;    /* the IUT's last publickey query (actor server) */
	enum observed_auth auth_rx;    /* actor client: last answer received */
	int auth_tx_step;              /* actor server: last SUCCESS/FAILURE sent (wire number) */
	bool auth_tx_success;

	/* script */
	unsigned step;
	struct step_observation v[CASE_MAX_STEPS];
	int last_send;           /* the last SEND-like step that went out, -1 */
	bool need_settle;        /* wait for the IUT to go quiet before the next send */
	bool waiting;            /* an EXPECT step waits for the IUT */
	unsigned swap;           /* STEP_SWAP: 2 = hold the next send, 1 = send it after the one after */
	bool held_valid, held_ready;
	struct sbuf held;
	int held_step, held_cm;
	bool drop_next;
	bool finished;           /* every step ran and the IUT went quiet */
	bool stopped;            /* an EXPECT failed or the actor lost the thread */
	bool we_disconnected;    /* we sent DISCONNECT: an end is no rejection */
	const char *lost;        /* why the actor cannot follow any more, or NULL */
	enum actor_end end;
	uint32_t end_reason;
	bool end_handled;
	char outcome[128];

	/* IUT messages not yet matched by an EXPECT */
	struct actor_rxmsg *rxq;
	size_t rxq_len, rxq_cap, rxq_next;

	/* trace */
	struct actor_ev *ev;
	size_t n_ev, cap_ev;
};

/* actor.c */
/* The IUT ended the connection (or we can no longer read it). */
void actor_set_end(struct actor *a, enum actor_end how, uint32_t reason);
/* The actor cannot follow the connection any more (its own mutation made
 * the keys unknowable): once the messages already received are matched,
 * the script stops without a verdict.  why is a string literal. */
void actor_lose(struct actor *a, const char *why);

/* actor_wire.c */
sd_err actor_wire_start(struct actor *a);
/* Seals payload as our next packet (honours STEP_ENCRYPTION), records it
 * for the trace (step, cm) and for STEP_DUPLICATE. */
sd_err actor_seal(struct actor *a, struct span payload, int step, int cm);
/* Bytes straight on the wire. */
sd_err actor_raw(struct actor *a, struct span bytes, int step);
/* Decodes what the IUT sent so far; each payload goes to actor_recv. */
sd_err actor_wire_input(struct actor *a);

/* actor_kex.c */
/* Our KEXINIT fields before mutations (lists point into the case or static
 * storage; *kex_list is scratch the caller frees). */
sd_err actor_kexinit_fields(struct actor *a, struct msg_kexinit *k, struct sbuf *kex_list, struct sbuf *hk_list);
/* A new round starts when a KEXINIT goes out or comes in after a finished one. */
void actor_kx_maybe_new_round(struct actor *a);
void actor_kx_free(struct actor_kx *kx);
/* Negotiates once both KEXINITs are known (RFC 4253 section 7.1). */
void actor_kx_negotiate(struct actor *a);
/* The method in use: negotiated, else our first proposal, else curve25519. */
const struct kex_method *actor_kex_method(struct actor *a);
/* Our ephemeral key for this round (created on first use; GEX uses the
 * group in kx.gex_p/g). */
sd_err actor_ephemeral(struct actor *a, struct kex_ephemeral **out);
/* K from the IUT's public value, or predicted when we mutated ours
 * (sent_pub) to a value that fixes K; sets kx.k and kx.k_state. */
sd_err actor_compute_k(struct actor *a, bool have_iut_pub, struct span iut_pub, struct span sent_pub,
		       bool sent_mutated);
/* H over the round's values (RFC 4253 section 8, RFC 4419, RFC 5656). */
sd_err actor_compute_h(struct actor *a);
/* NEWKEYS: switch our outgoing / incoming direction (RFC 4253 section 7.2). */
sd_err actor_switch_tx(struct actor *a);
sd_err actor_switch_rx(struct actor *a);
/* The host key algorithm in use and the key that signs with it. */
const struct sig_alg *actor_hostkey_alg(struct actor *a);
/* Signs data with key under alg, with hash `sig_hash` (MUT_SIG_HASH) or
 * alg's own (sig_hash < 0). */
sd_err actor_sign(struct actor *a, const struct sigkey *key, const struct sig_alg *alg, int sig_hash,
		  struct span data, struct sbuf *blob);

/* actor_build.c */
/* Builds step st's message (reactive values, SET_FIELD first, then the
 * payload mutations) into payload. */
sd_err actor_build(struct actor *a, const struct case_step *st, int step, struct sbuf *payload);
/* Effects that belong to the moment a built message is emitted (sent or
 * dropped): NEWKEYS switches our keys, DISCONNECT, and the auth answer the
 * IUT got, read from payload's message number (what went on the wire), not
 * from the step's message cm. */
sd_err actor_after_emit(struct actor *a, int cm, struct span payload, int step, bool sent);
/* Wire shape of a message's fields in case_msg_field_name order ("cssss...":
 * c cookie, s length-prefixed, u uint32, b byte); for tests. */
const char *actor_field_shape(enum case_msg m);

/* actor_recv.c */
sd_err actor_recv(struct actor *a, struct span payload);
/* Which logical message an IUT payload is, given the method in use. */
int actor_classify(struct actor *a, struct span payload);

/* actor_trace.c */
sd_err actor_ev_add(struct actor *a, enum actor_ev_kind kind, int step, int cm, struct span data);
sd_err actor_note(struct actor *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
sd_err actor_note_hex(struct actor *a, const char *label, struct span bytes);
void actor_ev_free_all(struct actor *a);
/* Appends the trace to the sink of actor_set_trace_sink, if one is set. */
void actor_trace_to_sink(const struct actor *a);

#endif

/*
 * actor.h — the scripted, reactive SSH peer.  It plays the role opposite the
 * implementation under test and follows a case's script step by step.
 *
 * Reactive: values that depend on the other side (the exchange hash H over
 * both KEXINITs and the IUT's ephemeral key, the shared secret K, the host
 * key signature, derived keys, encrypted and MACed packets, the publickey
 * userauth signature over the session id) are computed against the IUT
 * actually running, THEN the step's mutations are applied (MUT_SET_FIELD is
 * applied to the field before dependent values are computed, so a mutated f
 * still comes with a signature over the H that uses it).  This is what gets
 * every implementation past signature checks into NEWKEYS and userauth.
 *
 * It also checks that the IUT's own first encrypted packets decrypt and
 * authenticate under keys derived per RFC 4253 section 7.2 (keys_ok).
 *
 * Built on proto's lower layers (wire, msg, crypto, packet) — never on
 * proto/machine, which is itself an IUT.  Sans-IO like the engine.
 *
 * Verdicts (actor_observe):
 *   SEND step: REJECT when the IUT ends the connection (DISCONNECT or close)
 *     after the step's packet went out and before the next SEND-like step
 *     goes out (or, for the last one, before the connection is quiet);
 *     ACCEPT otherwise.
 *   EXPECT step: ACCEPT when the IUT's next message is the expected one
 *     (IGNORE, DEBUG, EXT_INFO, USERAUTH_BANNER, GLOBAL_REQUEST are skipped
 *     unless expected); REJECT when it sends something else or ends the
 *     connection; the script stops there.
 *   Steps after the end of the connection: NOT_REACHED.
 */
#ifndef SSHDIFF_ORACLE_ACTOR_H
#define SSHDIFF_ORACLE_ACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oracle/backend.h"
#include "oracle/case.h"
#include "proto/wire.h"

struct actor;

sd_err actor_new(const struct sshdiff_case *c, struct actor **out);
void actor_free(struct actor *a);

/* Bytes the IUT sent. */
sd_err actor_input(struct actor *a, const uint8_t *data, size_t len);
/* The IUT closed its side. */
void actor_input_eof(struct actor *a);
/* Bytes for the IUT. */
struct span actor_output(const struct actor *a);
void actor_output_consume(struct actor *a, size_t n);

/* Runs script steps until one has to wait for the IUT (SD_AGAIN) or the
 * script is over (SD_OK).  Errors only for the actor's own failures. */
sd_err actor_advance(struct actor *a);
/* Script finished, or the IUT ended the connection. */
bool actor_done(const struct actor *a);

/* Per-step verdicts, negotiated algorithms (as the actor saw them
 * negotiated), keys_checked/keys_ok, auth (as seen on the wire).  Backends
 * then add what only they know (the IUT's own rule, version). */
void actor_observe(const struct actor *a, struct observations *obs);
/* Index of the step the IUT rejected, or -1. */
int actor_rejected_step(const struct actor *a);

/* `ssh -vvv`-style log of everything the actor sent and received, decoded,
 * with hex dumps (for `sshdiff replay --trace`). */
sd_err actor_trace(const struct actor *a, struct sbuf *out);

/* When set (by `sshdiff replay --trace`, in the backend's child process),
 * every actor appends its actor_trace to this buffer when it is freed.
 * Process-global on purpose: backends need not know about tracing. */
void actor_set_trace_sink(struct sbuf *sink);

/* When set (by `sshdiff replay`, in the backend's child process, to a page
 * the parent shares), every actor stores there the index + 1 of the step
 * it has reached, whenever that changes.  A backend that then crashes or
 * hangs is placed at that step: the steps before it were accepted by the
 * definition above (the actor only moves past a step the IUT let pass).
 * Process-global like the trace sink; 0 means no actor has started. */
void actor_set_progress_sink(volatile uint32_t *slot);

/* How a backend connects its IUT to the actor. */
struct iut_port {
	void *ctx;
	/* Hand the IUT bytes from the actor; *taken says how many it took. */
	sd_err (*send)(void *ctx, const uint8_t *p, size_t n, size_t *taken);
	/* Take bytes the IUT produced; *eof once it has closed. */
	sd_err (*recv)(void *ctx, uint8_t *buf, size_t cap, size_t *got, bool *eof);
	/* Let the IUT run (process input, produce output). */
	sd_err (*poll)(void *ctx, bool *progress);
};

/* Alternates actor and IUT until the actor is done or nothing moves for
 * max_idle rounds (then the IUT is considered silent). */
sd_err actor_drive(struct actor *a, const struct iut_port *port, unsigned max_idle);

#endif

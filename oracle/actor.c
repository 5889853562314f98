/*
 * actor.c — the scripted, reactive peer (actor.h): its lifecycle, the loop
 * over the script's steps, the verdicts, the observations, and actor_drive,
 * the generic loop that connects it to an IUT through an iut_port.
 *
 * Timing is made deterministic by "settling": after a packet goes out, the
 * next SEND-like step waits until the IUT has gone quiet (one round in which
 * nothing moved).  So whatever the IUT does in reaction to a packet — a
 * reply, a DISCONNECT, closing — is seen before the next packet goes out,
 * and a rejection is charged to the step that caused it, on every backend
 * alike.
 */
#include "oracle/actor_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static unsigned n_steps(const struct actor *a)
{
	return a->c->n_steps < CASE_MAX_STEPS ? a->c->n_steps : CASE_MAX_STEPS;
}

sd_err actor_new(const struct sshdiff_case *c, struct actor **out)
{
	uint8_t seed[5 + 8] = {'a', 'c', 't', 'o', 'r'};
	struct actor *a;
	sd_err e;

	*out = NULL;
	if (!c)
		return SD_ERR_INVALID_ARG;
	if (!(a = calloc(1, sizeof *a)))
		return SD_ERR_NOMEM;
	a->c = c;
	a->client = c->iut_role == CASE_IUT_SERVER;
	/* Every random value of the actor: "actor" || seed (big-endian). */
	for (int i = 0; i < 8; i++)
		seed[5 + i] = (uint8_t)(c->seed >> (56 - 8 * i));
	rng_seeded_init(&a->rng, seed, sizeof seed);
	packet_dir_init(&a->tx);
	packet_dir_init(&a->rx);
	a->kx.kdf_hash = -1;
	a->last_send = -1;
	a->auth_tx_step = -1;
	a->held_step = -1;
	if ((e = actor_wire_start(a)) != SD_OK) {
		actor_free(a);
		return e;
	}
	*out = a;
	return SD_OK;
}

void actor_free(struct actor *a)
{
	if (!a)
		return;
	actor_trace_to_sink(a);
	sbuf_free(&a->out);
	sbuf_free(&a->in);
	packet_dir_free(&a->tx);
	packet_dir_free(&a->rx);
	sbuf_free(&a->last_wire);
	sbuf_free(&a->payload);
	actor_kx_free(&a->kx);
	sbuf_free(&a->pk_alg);
	sbuf_free(&a->pk_key);
	sbuf_free(&a->held);
	free(a->rxq);
	actor_ev_free_all(a);
	wipe(a, sizeof *a);
	free(a);
}

/* ---- bytes in and out ---- */

sd_err actor_input(struct actor *a, const uint8_t *data, size_t len)
{
	sd_err e;

	if (len == 0 || a->end != END_NONE || a->lost || a->stopped || a->finished)
		return SD_OK;
	a->input_total += len;
	if (a->input_total > ACTOR_MAX_INPUT) {
		actor_lose(a, "the IUT sent more than the actor's input limit");
		return SD_OK;
	}
	if ((e = sbuf_put(&a->in, data, len)) != SD_OK)
		return e;
	return actor_wire_input(a);
}

void actor_input_eof(struct actor *a)
{
	actor_set_end(a, END_CLOSE, 0);
}

struct span actor_output(const struct actor *a)
{
	return sbuf_span(&a->out);
}

void actor_output_consume(struct actor *a, size_t n)
{
	sbuf_consume(&a->out, n < a->out.len ? n : a->out.len);
}

void actor_set_end(struct actor *a, enum actor_end how, uint32_t reason)
{
	static const char *const what[] = {"", "DISCONNECT", "close", "keys", "garbage"};

	if (a->end != END_NONE || a->lost || a->stopped || a->finished)
		return;
	a->end = how;
	a->end_reason = reason;
	if (how == END_DISCONNECT)
		actor_note(a, "the IUT ended the connection: DISCONNECT reason %u", reason);
	else
		actor_note(a, "the IUT ended the connection: %s", what[how]);
}

void actor_lose(struct actor *a, const char *why)
{
	if (a->lost || a->stopped || a->finished)
		return;
	a->lost = why;
	actor_note(a, "the actor cannot follow the connection any more: %s", why);
}

/* Stops the script after actor_lose, once nothing received is pending. */
static void stop_lost(struct actor *a)
{
	a->stopped = true;
	snprintf(a->outcome, sizeof a->outcome, "lost at step %u: %s", a->step, a->lost);
	actor_note(a, "%s", a->outcome);
}

/* ---- verdicts ---- */

static void reject(struct actor *a, int step, uint8_t iut_msg, uint32_t reason)
{
	struct step_observation *v = &a->v[step];

	v->verdict = VERDICT_REJECT;
	v->disconnect_reason = reason;
	if (iut_msg)
		v->iut_msg = iut_msg;
}

static const char *step_label(const struct actor *a, int step, char *buf, size_t n)
{
	const struct case_step *st = &a->c->steps[step];

	if (st->kind == STEP_SEND || st->kind == STEP_EXPECT)
		snprintf(buf, n, "%s %s", case_step_kind_name(st->kind), case_msg_name(st->msg));
	else
		snprintf(buf, n, "%s", case_step_kind_name(st->kind) ? case_step_kind_name(st->kind) : "?");
	return buf;
}

/* "rejected at step 4 (send KEX_REPLY): disconnect(3)" */
static void set_rejected_outcome(struct actor *a, int step, const char *why)
{
	char label[64];

	if (a->outcome[0])
		return;
	snprintf(a->outcome, sizeof a->outcome, "rejected at step %d (%s): %s", step,
		 step_label(a, step, label, sizeof label), why);
}

static void end_why(const struct actor *a, char *buf, size_t n)
{
	switch (a->end) {
	case END_DISCONNECT:
		snprintf(buf, n, "disconnect(%u)", a->end_reason);
		break;
	case END_KEYS:
		snprintf(buf, n, "keys");
		break;
	case END_GARBAGE:
		snprintf(buf, n, "undecodable");
		break;
	default:
		snprintf(buf, n, "close");
		break;
	}
}

/* The IUT ended the connection (contract of actor.h): the SEND-like step
 * that went out last is rejected, and so is an EXPECT waiting for it. */
static void handle_end(struct actor *a)
{
	uint8_t msg = a->end == END_DISCONNECT ? MSG_DISCONNECT : 0;
	char why[32];

	a->stopped = true;
	if (a->we_disconnected) {
		snprintf(a->outcome, sizeof a->outcome, "completed: closed after the actor's DISCONNECT");
		return;
	}
	end_why(a, why, sizeof why);
	if (a->last_send >= 0 && a->v[a->last_send].verdict == VERDICT_ACCEPT) {
		reject(a, a->last_send, 0, a->end_reason);
		set_rejected_outcome(a, a->last_send, why);
	}
	if (a->step < n_steps(a) && a->c->steps[a->step].kind == STEP_EXPECT) {
		reject(a, (int)a->step, msg, a->end_reason);
		set_rejected_outcome(a, (int)a->step, why);
	}
	if (!a->outcome[0])
		snprintf(a->outcome, sizeof a->outcome, "ended by the IUT at step %u: %s", a->step, why);
}

/* ---- the script ---- */

/* Messages an EXPECT passes over unless it asks for them (actor.h). */
static bool skippable(int cm)
{
	return cm == CM_IGNORE || cm == CM_DEBUG || cm == CM_EXT_INFO || cm == CM_USERAUTH_BANNER ||
	       cm == CM_GLOBAL_REQUEST;
}

static sd_err do_expect(struct actor *a, const struct case_step *st)
{
	int want = (int)st->msg;

	while (a->rxq_next < a->rxq_len) {
		const struct actor_rxmsg *m = &a->rxq[a->rxq_next++];
		if (skippable(m->cm) && m->cm != want)
			continue;
		a->v[a->step].iut_msg = m->number;
		if (m->cm == want || (want == CM_COUNT && m->number != MSG_DISCONNECT)) {
			a->v[a->step].verdict = VERDICT_ACCEPT;
			if (m->number == MSG_DISCONNECT)
				a->v[a->step].disconnect_reason = m->reason;
			return SD_OK;
		}
		if (m->number == MSG_DISCONNECT) {
			handle_end(a);
			return SD_OK;
		}
		/* Something else: the script stops here. */
		char why[48];
		snprintf(why, sizeof why, "got %s",
			 m->cm >= 0 ? case_msg_name((enum case_msg)m->cm) : msg_name(m->number));
		reject(a, (int)a->step, m->number, 0);
		set_rejected_outcome(a, (int)a->step, why);
		a->stopped = true;
		return SD_OK;
	}
	if (a->lost) {
		stop_lost(a);
		return SD_OK;
	}
	if (a->end != END_NONE) {
		handle_end(a);
		return SD_OK;
	}
	return SD_AGAIN;
}

/* A built packet goes on the wire now. */
static sd_err emit(struct actor *a, struct span payload, int step, int cm)
{
	sd_err e = actor_seal(a, payload, step, cm);

	if (e == SD_OK)
		e = actor_after_emit(a, cm, payload, step, true);
	if (e != SD_OK)
		return e;
	a->v[step].verdict = VERDICT_ACCEPT;
	a->last_send = step;
	a->need_settle = true;
	return SD_OK;
}

static sd_err do_send(struct actor *a, const struct case_step *st)
{
	int step = (int)a->step;
	struct sbuf p = SBUF_INIT;
	sd_err e = actor_build(a, st, step, &p);

	if (e != SD_OK)
		goto out;
	if (a->drop_next) {
		/* STEP_DROP: built, the state advanced, nothing sent. */
		a->drop_next = false;
		if ((e = actor_ev_add(a, EV_DROPPED, step, (int)st->msg, sbuf_span(&p))) == SD_OK)
			e = actor_after_emit(a, (int)st->msg, sbuf_span(&p), step, false);
		a->v[step].verdict = VERDICT_ACCEPT;
		goto out;
	}
	if (a->swap == 2) {
		/* STEP_SWAP: this one waits until the next SEND is out. */
		sbuf_reset(&a->held);
		e = sbuf_put(&a->held, p.data, p.len);
		a->held_valid = true;
		a->held_step = step;
		a->held_cm = (int)st->msg;
		a->swap = 1;
		goto out;
	}
	e = emit(a, sbuf_span(&p), step, (int)st->msg);
	if (a->swap == 1 && a->held_valid) {
		a->swap = 0;
		a->held_ready = true;
	}
out:
	sbuf_free(&p);
	return e;
}

static sd_err emit_held(struct actor *a)
{
	sd_err e = emit(a, sbuf_span(&a->held), a->held_step, a->held_cm);

	a->held_valid = a->held_ready = false;
	a->swap = 0;
	sbuf_reset(&a->held);
	return e;
}

/* Steps that put bytes on the wire (RAW, DUPLICATE) or change how the
 * next packets are sealed. */
static sd_err do_other(struct actor *a, const struct case_step *st)
{
	int step = (int)a->step;
	sd_err e = SD_OK;

	a->v[step].verdict = VERDICT_ACCEPT;
	switch (st->kind) {
	case STEP_RAW: {
		size_t n = st->data_len < CASE_MAX_DATA ? st->data_len : CASE_MAX_DATA;
		if (n == 0)
			break;
		if ((e = actor_raw(a, (struct span){st->data, n}, step)) == SD_OK) {
			a->last_send = step;
			a->need_settle = true;
		}
		break;
	}
	case STEP_DUPLICATE:
		/* The previous packet's bytes again; the IUT counts one more
		 * packet, so our sequence number does too. */
		if (a->last_wire.len == 0)
			break;
		if ((e = actor_raw(a, sbuf_span(&a->last_wire), step)) == SD_OK) {
			a->tx.seqnr++;
			a->last_send = step;
			a->need_settle = true;
		}
		break;
	case STEP_SWAP:
		if (a->held_valid)
			a->held_ready = true;
		a->swap = 2;
		break;
	case STEP_DROP:
		a->drop_next = true;
		break;
	case STEP_ENCRYPTION:
		a->tx_plain = st->value == 0;
		break;
	case STEP_SEQ_SKEW:
		a->tx.seqnr += st->value; /* (int32) value, modulo 2^32 */
		break;
	default:
		break;
	}
	return e;
}

static bool sends(enum case_step_kind k)
{
	return k == STEP_SEND || k == STEP_RAW || k == STEP_DUPLICATE;
}

static volatile uint32_t *progress_sink;

void actor_set_progress_sink(volatile uint32_t *slot)
{
	progress_sink = slot;
}

sd_err actor_advance(struct actor *a)
{
	sd_err e;

	for (;;) {
		/* Every step change passes here (each a->step++ loops back). */
		if (progress_sink)
			*progress_sink = a->step + 1;
		if (a->stopped || a->finished)
			return SD_OK;
		if (a->lost && !(a->step < n_steps(a) && a->c->steps[a->step].kind == STEP_EXPECT)) {
			stop_lost(a);
			return SD_OK;
		}
		if (a->held_ready) {
			if (a->need_settle)
				return SD_AGAIN;
			if (a->end != END_NONE) {
				handle_end(a);
				return SD_OK;
			}
			if ((e = emit_held(a)) != SD_OK)
				return e;
			continue;
		}
		if (a->step >= n_steps(a)) {
			if (a->held_valid) {
				a->held_ready = true;
				continue;
			}
			if (a->end != END_NONE) {
				handle_end(a);
				return SD_OK;
			}
			if (a->need_settle)
				return SD_AGAIN;
			a->finished = true;
			snprintf(a->outcome, sizeof a->outcome, "completed");
			return SD_OK;
		}
		const struct case_step *st = &a->c->steps[a->step];
		if (st->kind == STEP_EXPECT) {
			if (a->held_valid) {
				a->held_ready = true;
				continue;
			}
			a->waiting = true;
			if ((e = do_expect(a, st)) == SD_AGAIN)
				return SD_AGAIN;
			a->waiting = false;
			if (a->stopped)
				return SD_OK;
			a->step++;
			continue;
		}
		if (a->end != END_NONE) {
			handle_end(a);
			return SD_OK;
		}
		if (sends(st->kind) && a->need_settle)
			return SD_AGAIN;
		e = st->kind == STEP_SEND ? do_send(a, st) : do_other(a, st);
		if (e != SD_OK)
			return e;
		a->step++;
	}
}

bool actor_done(const struct actor *a)
{
	return a->stopped || a->finished;
}

/* The IUT has been quiet for a round. */
static void actor_quiet(struct actor *a, bool timed_out)
{
	if (a->need_settle) {
		a->need_settle = false;
		return;
	}
	if (!timed_out)
		return;
	if (a->waiting && a->step < n_steps(a)) {
		/* An EXPECT the IUT never answered. */
		a->waiting = false;
		reject(a, (int)a->step, 0, 0);
		set_rejected_outcome(a, (int)a->step, "silent");
		a->stopped = true;
		actor_note(a, "%s", a->outcome);
		return;
	}
	actor_lose(a, "stalled");
}

/* ---- observations ---- */

int actor_rejected_step(const struct actor *a)
{
	for (unsigned i = 0; i < n_steps(a); i++)
		if (a->v[i].verdict == VERDICT_REJECT)
			return (int)i;
	return -1;
}

static void copy_name(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static enum observed_auth auth_seen(const struct actor *a)
{
	if (a->client)
		return a->auth_rx;
	if (a->auth_tx_step < 0)
		return OBS_AUTH_NONE;
	/* As server: SUCCESS counts once the IUT went on after it. */
	if (a->auth_tx_success)
		return a->v[a->auth_tx_step].verdict == VERDICT_ACCEPT ? OBS_AUTH_SUCCESS : OBS_AUTH_NONE;
	return OBS_AUTH_FAILURE;
}

void actor_observe(const struct actor *a, struct observations *obs)
{
	char backend[sizeof obs->backend], version[sizeof obs->version];

	memcpy(backend, obs->backend, sizeof backend);
	memcpy(version, obs->version, sizeof version);
	memset(obs, 0, sizeof *obs);
	memcpy(obs->backend, backend, sizeof backend);
	memcpy(obs->version, version, sizeof version);
	obs->n_steps = (uint8_t)n_steps(a);
	memcpy(obs->steps, a->v, sizeof obs->steps);
	if (a->kx.neg_ok) {
		const struct negotiated *n = &a->kx.neg;
		copy_name(obs->kex, sizeof obs->kex, n->kex->name);
		copy_name(obs->hostkey, sizeof obs->hostkey, n->hostkey->name);
		copy_name(obs->cipher_cs, sizeof obs->cipher_cs, n->cipher_cs->name);
		copy_name(obs->cipher_sc, sizeof obs->cipher_sc, n->cipher_sc->name);
		/* AEAD ciphers: no MAC negotiated, the name stays empty. */
		copy_name(obs->mac_cs, sizeof obs->mac_cs, n->mac_cs ? n->mac_cs->name : NULL);
		copy_name(obs->mac_sc, sizeof obs->mac_sc, n->mac_sc ? n->mac_sc->name : NULL);
	}
	obs->keys_checked = a->keys_checked;
	obs->keys_ok = a->keys_checked && a->keys_ok;
	obs->auth = auth_seen(a);
	copy_name(obs->outcome, sizeof obs->outcome, a->outcome[0] ? a->outcome : "incomplete");
}

/* ---- driving an IUT ---- */

sd_err actor_drive(struct actor *a, const struct iut_port *port, unsigned max_idle)
{
	uint8_t buf[16384];
	unsigned idle = 0;
	bool eof = false;
	sd_err e;

	if (max_idle == 0)
		max_idle = 1;
	for (unsigned round = 0; round < ACTOR_MAX_ROUNDS; round++) {
		if ((e = actor_advance(a)) != SD_OK && e != SD_AGAIN)
			return e;
		if (actor_done(a))
			return SD_OK;
		bool progress = false, p = false;
		struct span o = actor_output(a);
		if (o.len) {
			size_t taken = 0;
			if ((e = port->send(port->ctx, o.p, o.len, &taken)) != SD_OK)
				return e;
			actor_output_consume(a, taken);
			progress = taken > 0;
		}
		if ((e = port->poll(port->ctx, &p)) != SD_OK)
			return e;
		progress = progress || p;
		while (!eof) {
			size_t got = 0;
			bool closed = false;
			if ((e = port->recv(port->ctx, buf, sizeof buf, &got, &closed)) != SD_OK)
				return e;
			if (got) {
				progress = true;
				if ((e = actor_input(a, buf, got)) != SD_OK)
					return e;
			}
			if (closed) {
				eof = progress = true;
				actor_input_eof(a);
			}
			if (got < sizeof buf)
				break;
		}
		if (progress) {
			idle = 0;
			continue;
		}
		/* Nothing moved: the IUT is quiet. */
		if (a->need_settle && actor_output(a).len == 0) {
			actor_quiet(a, false);
			continue;
		}
		if (++idle >= max_idle) {
			actor_quiet(a, true);
			idle = 0;
		}
	}
	actor_lose(a, "round limit");
	return actor_advance(a) == SD_ERR_NOMEM ? SD_ERR_NOMEM : SD_OK;
}

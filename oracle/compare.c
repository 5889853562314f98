/*
 * compare.c — observations of every backend → agreement or one divergence
 * with a stable signature (format in compare.h).
 *
 * Only backends that ran the case take part: an unsupported backend (or one
 * that failed itself, outcome "error: ...") says nothing about the case.
 * Walking the steps in order, the first step is divergent where
 *   - some backend crashed or hung (always a finding, never suppressed), or
 *   - one backend accepted and another rejected it, or one accepted and
 *     another had silently stopped (NOT_REACHED without having rejected or
 *     failed before: the connection ended with no verdict to show for it).
 * NOT_REACHED after a backend's own rejection is not a difference: the
 * difference was at the earlier step.  Nor is NOT_REACHED where the actor
 * lost track of the connection (outcome "lost at step N: ...", e.g. the
 * IUT's keys depend on a value the case mutated): the connection did not
 * end there, the actor stopped seeing it, so that backend has no say from
 * then on.  Silence is not that: an EXPECT the IUT never answered, without
 * closing (the actor's outcome "...: silent"), is recorded as a rejection,
 * because the actor saw the whole connection and the IUT did not go on; it
 * has its say like a close (RFC 4252 section 5.1, for one, has a server
 * "respond" to a rejected request).  With no divergent step, a backend
 * whose encrypted packets did not decrypt under RFC 4253 section 7.2 keys
 * (keys_checked && !keys_ok) is a divergence "keys|RFC4253-7.2|...".
 */
#include "oracle/compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYS_RULE "RFC4253-7.2"

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The actor could not follow the connection any more (actor.c, stop_lost):
 * the steps it did not reach say nothing about the IUT. */
static bool actor_lost(const struct observations *o)
{
	return starts_with(o->outcome, "lost at step ");
}

bool compare_backend_ran(const struct observations *o)
{
	if (starts_with(o->outcome, "unsupported") || starts_with(o->outcome, "error:"))
		return false;
	for (unsigned i = 0; i < o->n_steps && i < CASE_MAX_STEPS; i++)
		if (o->steps[i].verdict == VERDICT_UNSUPPORTED)
			return false;
	return true;
}

void compare_step_label(const struct sshdiff_case *c, unsigned step, char *out, size_t out_size)
{
	const struct case_step *s;
	const char *kind;

	if (step >= c->n_steps || step >= CASE_MAX_STEPS) {
		snprintf(out, out_size, "?");
		return;
	}
	s = &c->steps[step];
	kind = case_step_kind_name(s->kind);
	switch (s->kind) {
	case STEP_SEND:
	case STEP_EXPECT:
		snprintf(out, out_size, "%s %s", kind, s->msg <= CM_COUNT ? case_msg_name(s->msg) : "?");
		break;
	case STEP_ENCRYPTION:
		snprintf(out, out_size, "%s %s", kind, s->value ? "on" : "off");
		break;
	case STEP_SEQ_SKEW:
		snprintf(out, out_size, "%s %d", kind, (int)(int32_t)s->value);
		break;
	default:
		snprintf(out, out_size, "%s", kind);
		break;
	}
}

static const struct step_observation *step_of(const struct observations *o, unsigned step)
{
	static const struct step_observation not_reached = {.verdict = VERDICT_NOT_REACHED};

	if (step >= o->n_steps || step >= CASE_MAX_STEPS)
		return &not_reached;
	return &o->steps[step];
}

static const struct observations *find_backend(const struct observations *obs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(obs[i].backend, name) == 0)
			return &obs[i];
	return NULL;
}

const char *compare_step_rule(const struct observations *obs, size_t n, unsigned step)
{
	static const char *const order[] = {"verifier", "own"};

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		const struct observations *o = find_backend(obs, n, order[k]);

		if (o && compare_backend_ran(o) && step_of(o, step)->rule[0])
			return step_of(o, step)->rule;
	}
	return "-";
}

/* The class a signature shows: the reason of a rejection is left out (it
 * is not comparable across implementations), the signal of a crash is kept. */
static void verdict_class(const struct step_observation *s, char *out, size_t out_size)
{
	switch (s->verdict) {
	case VERDICT_ACCEPT: snprintf(out, out_size, "accept"); break;
	case VERDICT_REJECT: snprintf(out, out_size, "reject"); break;
	case VERDICT_NOT_REACHED: snprintf(out, out_size, "-"); break;
	default: verdict_format(s, out, out_size); break;
	}
}

static int by_backend_name(const void *a, const void *b)
{
	const struct observations *x = *(const struct observations *const *)a;
	const struct observations *y = *(const struct observations *const *)b;

	return strcmp(x->backend, y->backend);
}

/* The backends that ran the case, sorted by name (signature order). */
struct participants {
	const struct observations *v[16];
	size_t n;
};

static sd_err participants_collect(const struct observations *obs, size_t n, struct participants *p)
{
	p->n = 0;
	for (size_t i = 0; i < n; i++) {
		if (!compare_backend_ran(&obs[i]))
			continue;
		if (p->n == sizeof(p->v) / sizeof(p->v[0]))
			return SD_ERR_LIMIT;
		p->v[p->n++] = &obs[i];
	}
	qsort(p->v, p->n, sizeof(p->v[0]), by_backend_name);
	return SD_OK;
}

/*
 * The script is compared exchange by exchange: an exchange is one step of the
 * actor (a SEND, raw bytes, a swap, an encryption switch, ...) and the
 * EXPECT steps that follow it, waiting for the answer.  When an IUT refuses what we sent
 * shows in which step depends on timing the RFCs leave open: one closes as
 * soon as it reads our packet (a reject at the SEND), another had already
 * queued its own message and closes after it (a reject at the EXPECT).  Both
 * refused the exchange; that is agreement.  A divergence is an exchange that
 * some participants complete and others do not, or any crash or hang.
 */
static unsigned exchange_end(const struct sshdiff_case *c, unsigned start, unsigned n)
{
	unsigned end = start + 1;

	while (end < n && c->steps[end].kind == STEP_EXPECT)
		end++;
	return end;
}

/* Whether the exchange [start, end) is where the participants part ways;
 * *step is then the first step of it where one of them stopped going on,
 * *fault whether a crash or hang is involved.  ended[] tracks, per
 * participant, whether an earlier exchange ended it: it has no say after. */
static bool exchange_diverges(const struct participants *p, unsigned start, unsigned end, bool *ended, int *step,
			      bool *fault)
{
	bool completed = false, stopped = false;
	bool stop_here[sizeof(p->v) / sizeof(p->v[0])] = {false};

	*fault = false;
	*step = -1;
	for (size_t b = 0; b < p->n; b++) {
		bool blind = false;

		if (ended[b])
			continue;
		for (unsigned s = start; s < end; s++) {
			enum verdict v = step_of(p->v[b], s)->verdict;

			if (v == VERDICT_ACCEPT || v == VERDICT_UNSUPPORTED)
				continue;
			/* the actor lost track here: neither went on nor stopped */
			if (v == VERDICT_NOT_REACHED && actor_lost(p->v[b])) {
				blind = ended[b] = true;
				break;
			}
			if (v == VERDICT_CRASH || v == VERDICT_HANG)
				*fault = true;
			/* reject, crash, hang, or not reached without having
			 * ended: it did not go on */
			stop_here[b] = true;
			if (*step < 0 || (int)s < *step)
				*step = (int)s;
			break;
		}
		if (stop_here[b])
			stopped = true;
		else if (!blind)
			completed = true;
	}
	for (size_t b = 0; b < p->n; b++)
		if (stop_here[b])
			ended[b] = true;
	if (*fault) {
		/* the first step where any participant crashed or hung */
		for (unsigned s = start; s < end; s++)
			for (size_t b = 0; b < p->n; b++) {
				enum verdict v = step_of(p->v[b], s)->verdict;
				if (v == VERDICT_CRASH || v == VERDICT_HANG) {
					*step = (int)s;
					return true;
				}
			}
	}
	return completed && stopped;
}

static sd_err append(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n >= size)
		return SD_ERR_LIMIT;
	memcpy(buf + *len, s, n + 1);
	*len += n;
	return SD_OK;
}

/* "<label>|<rule>|a=x,b=y" with the verdict of each participant. */
static sd_err signature_for_step(const struct sshdiff_case *c, const struct observations *obs, size_t n,
				 const struct participants *p, unsigned step, char *out, size_t out_size)
{
	char label[96], cls[64];
	size_t len = 0;
	sd_err err;

	out[0] = '\0';
	compare_step_label(c, step, label, sizeof(label));
	if ((err = append(out, out_size, &len, label)) != SD_OK || (err = append(out, out_size, &len, "|")) != SD_OK ||
	    (err = append(out, out_size, &len, compare_step_rule(obs, n, step))) != SD_OK)
		return err;
	for (size_t b = 0; b < p->n; b++) {
		verdict_class(step_of(p->v[b], step), cls, sizeof(cls));
		if ((err = append(out, out_size, &len, b ? "," : "|")) != SD_OK ||
		    (err = append(out, out_size, &len, p->v[b]->backend)) != SD_OK ||
		    (err = append(out, out_size, &len, "=")) != SD_OK ||
		    (err = append(out, out_size, &len, cls)) != SD_OK)
			return err;
	}
	return SD_OK;
}

/* "keys|RFC4253-7.2|a=ok,b=bad,c=-". */
static sd_err signature_for_keys(const struct participants *p, char *out, size_t out_size)
{
	size_t len = 0;
	sd_err err;

	out[0] = '\0';
	if ((err = append(out, out_size, &len, "keys|" KEYS_RULE)) != SD_OK)
		return err;
	for (size_t b = 0; b < p->n; b++) {
		const struct observations *o = p->v[b];
		const char *cls = !o->keys_checked ? "-" : o->keys_ok ? "ok" : "bad";

		if ((err = append(out, out_size, &len, b ? "," : "|")) != SD_OK ||
		    (err = append(out, out_size, &len, o->backend)) != SD_OK ||
		    (err = append(out, out_size, &len, "=")) != SD_OK ||
		    (err = append(out, out_size, &len, cls)) != SD_OK)
			return err;
	}
	return SD_OK;
}

static bool keys_wrong(const struct participants *p)
{
	for (size_t b = 0; b < p->n; b++)
		if (p->v[b]->keys_checked && !p->v[b]->keys_ok)
			return true;
	return false;
}

sd_err compare_observations(const struct sshdiff_case *c, const struct observations *obs, size_t n,
			    const struct suppressions *sup, struct comparison *out)
{
	struct participants p;
	bool ended[sizeof(p.v) / sizeof(p.v[0])] = {false};
	bool fault = false, found = false;
	const char *reason;
	sd_err err;

	memset(out, 0, sizeof(*out));
	out->step = -1;
	if ((err = participants_collect(obs, n, &p)) != SD_OK)
		return err;
	unsigned n_steps = c->n_steps < CASE_MAX_STEPS ? c->n_steps : CASE_MAX_STEPS;
	for (unsigned start = 0, end; start < n_steps; start = end) {
		int step;

		end = exchange_end(c, start, n_steps);
		if (exchange_diverges(&p, start, end, ended, &step, &fault)) {
			out->step = step;
			found = true;
			err = signature_for_step(c, obs, n, &p, (unsigned)step, out->signature, sizeof(out->signature));
			break;
		}
	}
	if (!found && keys_wrong(&p)) {
		found = true;
		err = signature_for_keys(&p, out->signature, sizeof(out->signature));
	}
	if (err != SD_OK || !found)
		return err;
	out->divergent = true;
	/* Suppressions list what the RFCs allow implementations to do
	 * differently; a crash, a hang or wrong keys never is. */
	if (out->step >= 0 && !fault && (reason = suppressions_match(sup, out->signature)) != NULL) {
		out->divergent = false;
		out->suppressed = true;
		snprintf(out->suppression_reason, sizeof(out->suppression_reason), "%s", reason);
	}
	return SD_OK;
}

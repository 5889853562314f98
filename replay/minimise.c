/*
 * minimise.c — smaller reproducers for new findings (docs/fuzzing.md,
 * "Triage").
 *
 * Cases, greedily (each candidate replayed in separate processes, kept only
 * if the signature is exactly the same): cut everything after the
 * divergent step; drop steps one at a time, last first; drop mutations;
 * halve data (raw bytes, mutation data) while it still diverges alike.
 * Passes repeat while one of them made progress, until the deadline.
 * Every candidate must be a valid case (case_encode), as the store
 * writes it.
 *
 * Raw crash inputs: libFuzzer's own -minimize_crash, within a budget; the
 * caller checks the result still gives the same signature.
 */
#include "replay/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oracle/backend.h"
#include "oracle/case.h"
#include "oracle/compare.h"
#include "replay/replay.h"

struct minimiser {
	struct campaign *cp;
	const char *signature;
	int64_t deadline_ms;
	unsigned trials;
};

static bool time_left(const struct minimiser *m)
{
	return !fuzz_stop_requested() && fuzz_now_ms() < m->deadline_ms;
}

static bool valid(const struct sshdiff_case *c)
{
	struct sbuf b = SBUF_INIT;
	bool ok = c->n_steps > 0 && case_encode(c, &b) == SD_OK;

	sbuf_free(&b);
	return ok;
}

/* Does cand give exactly the finding's signature? */
static bool still_diverges(struct minimiser *m, const struct sshdiff_case *cand)
{
	static struct observations obs[REPLAY_MAX_BACKENDS];
	struct comparison cmp;
	size_t n = 0;

	if (!time_left(m) || !valid(cand))
		return false;
	m->trials++;
	fuzz_tick();
	return triage_replay(m->cp, cand, obs, &n, &cmp) == SD_OK && cmp.divergent &&
	       strcmp(cmp.signature, m->signature) == 0;
}

static void remove_step(struct sshdiff_case *c, unsigned i)
{
	memmove(&c->steps[i], &c->steps[i + 1], (size_t)(c->n_steps - i - 1) * sizeof(c->steps[0]));
	c->n_steps--;
	memset(&c->steps[c->n_steps], 0, sizeof(c->steps[0]));
}

static void remove_mutation(struct case_step *s, unsigned j)
{
	memmove(&s->mutations[j], &s->mutations[j + 1], (size_t)(s->n_mutations - j - 1) * sizeof(s->mutations[0]));
	s->n_mutations--;
	memset(&s->mutations[s->n_mutations], 0, sizeof(s->mutations[0]));
}

/* Steps after the divergent one cannot matter to where it diverged, but
 * the signature decides: try the cut once. */
static bool cut_tail(struct minimiser *m, struct sshdiff_case *c, int step)
{
	static struct sshdiff_case cand;

	if (step < 0 || (unsigned)step + 1 >= c->n_steps)
		return false;
	cand = *c;
	for (unsigned i = (unsigned)step + 1; i < cand.n_steps; i++)
		memset(&cand.steps[i], 0, sizeof(cand.steps[i]));
	cand.n_steps = (uint8_t)(step + 1);
	if (!still_diverges(m, &cand))
		return false;
	*c = cand;
	return true;
}

static bool drop_steps(struct minimiser *m, struct sshdiff_case *c)
{
	static struct sshdiff_case cand;
	bool progress = false;

	for (int i = (int)c->n_steps - 1; i >= 0 && time_left(m); i--) {
		if (c->n_steps <= 1)
			break;
		cand = *c;
		remove_step(&cand, (unsigned)i);
		if (still_diverges(m, &cand)) {
			*c = cand;
			progress = true;
		}
	}
	return progress;
}

static bool drop_mutations(struct minimiser *m, struct sshdiff_case *c)
{
	static struct sshdiff_case cand;
	bool progress = false;

	for (unsigned i = 0; i < c->n_steps && time_left(m); i++) {
		for (int j = (int)c->steps[i].n_mutations - 1; j >= 0 && time_left(m); j--) {
			cand = *c;
			remove_mutation(&cand.steps[i], (unsigned)j);
			if (still_diverges(m, &cand)) {
				*c = cand;
				progress = true;
			}
		}
	}
	return progress;
}

/* Halves one length while the signature holds. */
static bool halve(struct minimiser *m, struct sshdiff_case *c, unsigned step, int mutation)
{
	static struct sshdiff_case cand;
	bool progress = false;

	for (;;) {
		uint16_t *len;

		cand = *c;
		len = mutation < 0 ? &cand.steps[step].data_len : &cand.steps[step].mutations[mutation].data_len;
		if (*len == 0 || !time_left(m))
			return progress;
		*len /= 2;
		if (!still_diverges(m, &cand))
			return progress;
		*c = cand;
		progress = true;
	}
}

static bool shrink_data(struct minimiser *m, struct sshdiff_case *c)
{
	bool progress = false;

	for (unsigned i = 0; i < c->n_steps && time_left(m); i++) {
		if (c->steps[i].kind == STEP_RAW && halve(m, c, i, -1))
			progress = true;
		for (unsigned j = 0; j < c->steps[i].n_mutations; j++)
			if (c->steps[i].mutations[j].data_len && halve(m, c, i, (int)j))
				progress = true;
	}
	return progress;
}

sd_err minimise_case(struct campaign *cp, struct sshdiff_case *c, const char *signature, int step,
		     int64_t deadline_ms, unsigned *trials)
{
	struct minimiser m = {.cp = cp, .signature = signature, .deadline_ms = deadline_ms, .trials = 0};
	bool progress;

	cut_tail(&m, c, step);
	do {
		progress = drop_steps(&m, c);
		progress |= drop_mutations(&m, c);
		progress |= shrink_data(&m, c);
	} while (progress && time_left(&m));
	*trials = m.trials;
	return SD_OK;
}

sd_err minimise_crash(struct campaign *cp, struct target *t, const char *input_path, const char *out_path,
		      int64_t budget_ms)
{
	char log[PATH_MAX];
	struct cmd c;
	int status = 0;
	bool timed_out = false;
	sd_err err;

	if ((size_t)snprintf(log, sizeof(log), "%s/minimise.log", t->tmp) >= sizeof(log))
		return SD_ERR_LIMIT;
	memset(&c, 0, sizeof(c));
	cmd_add(&c, "%s", t->triage_bin);
	cmd_add(&c, "-minimize_crash=1");
	cmd_add(&c, "-runs=100000");
	cmd_add(&c, "-max_total_time=%lld", (long long)(budget_ms + 999) / 1000);
	cmd_add(&c, "-exact_artifact_path=%s", out_path);
	cmd_add(&c, "-timeout=%u", fuzz_timeout_s(cp->o));
	cmd_add(&c, "%s", input_path);
	/* libFuzzer tells crashes apart by their symbolized stacks. */
	cmd_sanitizer_env(&c, "symbolize=1:detect_leaks=1", "print_stacktrace=1");
	unlink(log);
	/* libFuzzer stops at its own limit; ours is a backstop. */
	err = c.overflow ? SD_ERR_LIMIT : proc_run(c.argv, c.env, log, (unsigned)budget_ms + 15000u, &status, &timed_out);
	cmd_free(&c);
	if (err != SD_OK)
		return err;
	return access(out_path, R_OK) == 0 ? SD_OK : SD_ERR_UNSUPPORTED;
}

/*
 * table.c — the human report of one replayed case: the step table (step,
 * message, one verdict column per backend, the rule) with the divergent row
 * marked, the verdict line, and what each backend negotiated and concluded.
 */
#include "replay/replay.h"

#include <string.h>

#include "oracle/report.h"

#define CELL 96
#define MARK "<-- divergence"
#define MARK_SUPPRESSED "<-- suppressed"

static void cell_verdict(const struct observations *o, unsigned step, char *out, size_t size)
{
	static const struct step_observation not_reached = {.verdict = VERDICT_NOT_REACHED};

	verdict_format(step < o->n_steps ? &o->steps[step] : &not_reached, out, size);
}

static size_t max_sz(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* Column widths: the widest cell of each column, header included. */
struct widths {
	size_t step, message, backend[REPLAY_MAX_BACKENDS];
};

static void measure(const struct sshdiff_case *c, const struct observations *obs, size_t n, struct widths *w)
{
	char cell[CELL];

	w->step = strlen("step");
	w->message = strlen("message");
	for (size_t b = 0; b < n && b < REPLAY_MAX_BACKENDS; b++)
		w->backend[b] = strlen(obs[b].backend);
	for (unsigned s = 0; s < c->n_steps; s++) {
		compare_step_label(c, s, cell, sizeof(cell));
		w->message = max_sz(w->message, strlen(cell));
		for (size_t b = 0; b < n && b < REPLAY_MAX_BACKENDS; b++) {
			cell_verdict(&obs[b], s, cell, sizeof(cell));
			w->backend[b] = max_sz(w->backend[b], strlen(cell));
		}
	}
}

static void print_table(FILE *f, const struct sshdiff_case *c, const struct observations *obs, size_t n,
			const struct comparison *cmp)
{
	struct widths w;
	char cell[CELL];

	if (n > REPLAY_MAX_BACKENDS)
		n = REPLAY_MAX_BACKENDS;
	measure(c, obs, n, &w);
	fprintf(f, "%*s  %-*s", (int)w.step, "step", (int)w.message, "message");
	for (size_t b = 0; b < n; b++)
		fprintf(f, "  %-*s", (int)w.backend[b], obs[b].backend);
	fprintf(f, "  rule\n");
	for (unsigned s = 0; s < c->n_steps; s++) {
		compare_step_label(c, s, cell, sizeof(cell));
		fprintf(f, "%*u  %-*s", (int)w.step, s, (int)w.message, cell);
		for (size_t b = 0; b < n; b++) {
			cell_verdict(&obs[b], s, cell, sizeof(cell));
			fprintf(f, "  %-*s", (int)w.backend[b], cell);
		}
		fprintf(f, "  %s", compare_step_rule(obs, n, s));
		if (cmp->step == (int)s)
			fprintf(f, "  %s", cmp->suppressed ? MARK_SUPPRESSED : MARK);
		fputc('\n', f);
	}
}

static void print_verdict(FILE *f, const struct comparison *cmp)
{
	if (cmp->divergent)
		fprintf(f, "divergence: %s\n", cmp->signature);
	else if (cmp->suppressed)
		fprintf(f, "suppressed: %s\n  reason: %s\n", cmp->signature, cmp->suppression_reason);
	else
		fprintf(f, "agreement: every backend that ran the case agrees\n");
}

static const char *or_dash(const char *s)
{
	return s[0] ? s : "-";
}

/* One algorithm per direction, printed once when both are the same. */
static void print_pair(FILE *f, const char *what, const char *cs, const char *sc)
{
	if (strcmp(cs, sc) == 0)
		fprintf(f, "  %-11s %s\n", what, or_dash(cs));
	else
		fprintf(f, "  %-11s %s (client to server), %s (server to client)\n", what, or_dash(cs), or_dash(sc));
}

static void print_backend(FILE *f, const struct observations *o)
{
	fprintf(f, "%s (%s)\n", o->backend, or_dash(o->version));
	fprintf(f, "  %-11s %s\n", "outcome", or_dash(o->outcome));
	fprintf(f, "  %-11s %s\n", "kex", or_dash(o->kex));
	fprintf(f, "  %-11s %s\n", "host key", or_dash(o->hostkey));
	print_pair(f, "cipher", o->cipher_cs, o->cipher_sc);
	print_pair(f, "mac", o->mac_cs, o->mac_sc);
	fprintf(f, "  %-11s %s\n", "keys",
		!o->keys_checked ? "not checked" : o->keys_ok ? "ok (RFC 4253 7.2)" : "WRONG (RFC 4253 7.2)");
	fprintf(f, "  %-11s %s\n", "auth", report_auth_name(o->auth));
}

void replay_print_table(FILE *f, const char *case_path, const struct sshdiff_case *c,
			const struct observations *obs, size_t n, const struct comparison *cmp)
{
	fprintf(f, "case %s: implementation under test is the %s, %u steps\n\n", case_path,
		c->iut_role == CASE_IUT_CLIENT ? "client" : "server", (unsigned)c->n_steps);
	print_table(f, c, obs, n, cmp);
	fputc('\n', f);
	print_verdict(f, cmp);
	for (size_t b = 0; b < n; b++) {
		fputc('\n', f);
		print_backend(f, &obs[b]);
	}
}

void replay_print_traces(FILE *f, const struct backend_result *res, size_t n)
{
	for (size_t b = 0; b < n; b++) {
		fprintf(f, "\n== %s ==\n", res[b].obs.backend);
		if (res[b].trace.len == 0) {
			fprintf(f, "(no trace)\n");
			continue;
		}
		fwrite(res[b].trace.data, 1, res[b].trace.len, f);
		if (res[b].trace.data[res[b].trace.len - 1] != '\n')
			fputc('\n', f);
	}
}

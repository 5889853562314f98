/*
 * report_md.c — the report as GitHub Markdown (GFM): the HTML report's
 * content without the plots (the per-target table stays).
 *
 * Escaping: text is sanitised (report_sanitize rules) and every character
 * that GFM inline syntax gives a meaning (\ ` * _ [ ] < > & ! | ~) is
 * backslash-escaped, so that nothing becomes a link, tag or entity; code
 * spans take a backtick fence longer than any run inside, with "|" as "\|"
 * (GFM tables split cells before code spans); fenced blocks likewise.
 */
#include "replay/report_model.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* One line of text: newlines and tabs become spaces. */
static void md_text(FILE *f, const char *s)
{
	char *clean = report_sanitize(s, strlen(s));

	if (!clean)
		return;
	for (const char *p = clean; *p; p++) {
		if (*p == '\n' || *p == '\t')
			fputc(' ', f);
		else if (strchr("\\`*_[]<>&!|~", *p))
			fprintf(f, "\\%c", *p);
		else
			fputc(*p, f);
	}
	free(clean);
}

static size_t longest_backtick_run(const char *s)
{
	size_t run = 0, best = 0;

	for (; *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

static void fence(FILE *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fputc('`', f);
}

/* A code span; in a table cell "|" must be "\|" (GFM splits cells first),
 * anywhere else the backslash would show. */
static void md_code_in(FILE *f, const char *s, bool in_table)
{
	char *clean = report_sanitize(s, strlen(s));
	size_t n, len;
	bool pad;

	if (!clean)
		return;
	n = longest_backtick_run(clean) + 1;
	len = strlen(clean);
	/* CommonMark strips one space from each side when both are there:
	 * pad whenever the content starts or ends with a backtick or space. */
	pad = len && (clean[0] == '`' || clean[0] == ' ' || clean[len - 1] == '`' || clean[len - 1] == ' ');
	fence(f, n);
	fputs(pad ? " " : "", f);
	for (const char *p = clean; *p; p++) {
		if (*p == '\n' || *p == '\t')
			fputc(' ', f);
		else if (*p == '|' && in_table)
			fputs("\\|", f);
		else
			fputc(*p, f);
	}
	fputs(pad ? " " : "", f);
	fence(f, n);
	free(clean);
}

static void md_code(FILE *f, const char *s)
{
	md_code_in(f, s, true);
}

/* A fenced block of (sanitised) text. */
static void md_block(FILE *f, const char *text)
{
	size_t n = longest_backtick_run(text) + 1, len = strlen(text);

	if (n < 3)
		n = 3;
	fence(f, n);
	fputs("text\n", f);
	fputs(text, f);
	if (len && text[len - 1] != '\n')
		fputc('\n', f);
	fence(f, n);
	fputs("\n\n", f);
}

static void md_time(FILE *f, int64_t t)
{
	char iso[32];

	report_iso_time(t, iso);
	fputs(iso, f);
}

static void md_code_text(FILE *f, const char *s)
{
	md_code_in(f, s, false);
}

/* A findings-table row opens with its id: a link to the details when the
 * id names a folder. */
static void finding_id(FILE *f, const struct report_finding *r)
{
	fputs("| ", f);
	if (r->id_ok)
		fprintf(f, "[`%s`](#f-%s)", r->f.id, r->f.id);
	else
		md_code(f, r->f.id);
	fputs(r->is_new ? " **new**" : "", f);
}

static void group_md(void *ctx, const char *verdict, const char *names)
{
	struct report_groups *g = ctx;

	fputs(g->n++ ? "<br>" : "", g->f);
	md_text(g->f, verdict);
	fputs(": ", g->f);
	md_text(g->f, names);
}

static const struct report_markup md_markup = {
	.text = md_text,
	.code = md_code_text,
	.cell_code = md_code,
	.time = md_time,
	.finding_id = finding_id,
	.group = group_md,
	.item_open = "- ",
	.item_close = "\n",
	.kv_open = "- ",
	.kv_mid = ": ",
	.kv_close = "\n",
	.row_open = "| ",
	.head_end = " | ",
	.sep = " | ",
	.num_sep = " | ",
	.sig_sep = " | ",
	.row_close = " |\n",
	.no_target = "replay",
};

static void summary(const struct report_campaign *c, FILE *f)
{
	fputs("# sshdiff campaign report\n\n## Summary\n\n| | |\n|---|---|\n| Campaign directory | ", f);
	md_code(f, c->dir);
	fputs(" |\n| Time span (UTC) | ", f);
	if (c->have_time) {
		md_time(f, c->t_first);
		fputs(" – ", f);
		md_time(f, c->t_last);
	} else {
		fputs("no timestamps", f);
	}
	fputs(" |\n| Targets | ", f);
	for (size_t i = 0; i < c->targets.n; i++) {
		fputs(i ? ", " : "", f);
		md_code(f, c->targets.v[i]);
	}
	fputs(c->targets.n ? "" : "none recorded", f);
	fprintf(f, " |\n| Total execs | %" PRIu64 " |\n| New since | ", c->total_execs);
	if (c->have_new_since) {
		md_time(f, c->new_since);
		fputs(" (start of the latest run)", f);
	} else {
		fputs("no stats, so every finding counts as new", f);
	}
	fprintf(f,
		" |\n\n| kind | new | total |\n|---|---:|---:|\n| divergence | %zu | %zu |\n| crash | %zu | %zu |\n"
		"| all | %zu | %zu |\n\n",
		c->new_count[STORE_DIVERGENCE], c->total[STORE_DIVERGENCE], c->new_count[STORE_CRASH],
		c->total[STORE_CRASH], c->new_count[0] + c->new_count[1], c->total[0] + c->total[1]);
}

static void problem_list(FILE *f, const struct strlist *l)
{
	report_put_list(f, &md_markup, l);
	fputc('\n', f);
}

static void progress(const struct report_campaign *c, FILE *f)
{
	fputs("## Progress\n\n", f);
	if (c->n_series == 0) {
		fputs("No progress samples (`stats/*.tsv` is missing or empty).\n\n", f);
		return;
	}
	fputs("Plots are in the HTML report (`sshdiff report DIR`).\n\n"
	      "| target | engine | samples | runs | execs | execs/s | coverage | corpus | findings new/total |\n"
	      "|---|---|---:|---:|---:|---:|---:|---:|---:|\n",
	      f);
	for (size_t i = 0; i < c->n_series; i++) {
		report_put_series_row(f, &md_markup, &c->series[i]);
	}
	fputc('\n', f);
}

static void findings_table(const struct report_campaign *c, FILE *f)
{
	fprintf(f, "## Findings (%zu)\n\n", c->n_findings);
	if (c->n_findings == 0) {
		fputs("No findings recorded.\n\n", f);
		return;
	}
	fputs("| id | kind | signature | backends that disagree | first seen (UTC) | last seen (UTC) | count | target "
	      "| replay |\n|---|---|---|---|---|---|---:|---|---|\n",
	      f);
	for (size_t i = 0; i < c->n_findings; i++)
		report_put_finding_row(f, &md_markup, c, &c->findings[i]);
	fputc('\n', f);
}

static void matrix(const struct report_finding *r, FILE *f)
{
	fputs("#### Verdict matrix\n\n| backend |", f);
	for (size_t s = 0; s < r->n_steps; s++)
		fprintf(f, r->steps[s].step == r->divergent_step ? " **%" PRId64 "◆** |" : " %" PRId64 " |",
			r->steps[s].step);
	fputs("\n|---|", f);
	for (size_t s = 0; s < r->n_steps; s++)
		fputs(":-:|", f);
	fputc('\n', f);
	for (size_t b = 0; b < r->n_backends; b++) {
		fputs("| ", f);
		md_text(f, r->backends[b].name);
		fputs(" |", f);
		for (size_t s = 0; s < r->n_steps; s++)
			fprintf(f, r->steps[s].step == r->divergent_step ? " **%s** |" : " %s |",
				report_verdict_letter(report_verdict_class(r->steps[s].verdicts[b])));
		fputc('\n', f);
	}
	fputs("\nA accept, R reject, - not reached, C crash, H hang, U unsupported; ◆ the divergent step.\n\n", f);
}

static void step_table(const struct report_finding *r, FILE *f)
{
	fputs("#### Steps\n\n| step | message | rule |", f);
	for (size_t b = 0; b < r->n_backends; b++) {
		fputc(' ', f);
		md_text(f, r->backends[b].name);
		fputs(" |", f);
	}
	fputs("\n|---:|---|---|", f);
	for (size_t b = 0; b < r->n_backends; b++)
		fputs("---|", f);
	fputc('\n', f);
	for (size_t s = 0; s < r->n_steps; s++) {
		const struct report_step *st = &r->steps[s];

		if (st->step == r->divergent_step)
			fprintf(f, "| **%" PRId64 " %s** | ", st->step, r->suppressed ? "suppressed" : "divergent");
		else
			fprintf(f, "| %" PRId64 " | ", st->step);
		md_text(f, st->message);
		fputs(" | ", f);
		md_code(f, st->rule);
		fputs(" |", f);
		for (size_t b = 0; b < r->n_backends; b++) {
			fputc(' ', f);
			md_text(f, st->verdicts[b]);
			fputs(" |", f);
		}
		fputc('\n', f);
	}
	fputs("\n#### Backends\n\n| backend | version | outcome |\n|---|---|---|\n", f);
	report_put_backend_rows(f, &md_markup, r);
	fputc('\n', f);
}

static void finding_detail(const struct report_campaign *c, const struct report_finding *r, FILE *f)
{
	if (r->id_ok)
		fprintf(f, "<a id=\"f-%s\"></a>\n\n", r->f.id);
	fputs("### ", f);
	md_code_in(f, r->f.id, false);
	fprintf(f, " %s%s\n\n", report_kind_name(r->f.kind), r->is_new ? " (new)" : "");
	report_put_facts(f, &md_markup, c, r);
	fputc('\n', f);
	if (r->problems.n) {
		fputs("**Problems with this finding's files:**\n\n", f);
		problem_list(f, &r->problems);
	}
	if (r->have_obs) {
		matrix(r, f);
		step_table(r, f);
	}
	if (r->crash_head) {
		fputs("#### Sanitizer report (first lines of report.txt)\n\n", f);
		md_block(f, r->crash_head);
		if (r->crash_more_lines)
			fprintf(f, "%zu more lines in report.txt.\n\n", r->crash_more_lines);
	}
	if (r->case_text) {
		fprintf(f, "#### case.txt (%zu bytes%s)\n\n", r->case_text_size,
			r->case_text_size > REPORT_MAX_CASE_TEXT ? ", the first 256 KiB shown" : "");
		md_block(f, r->case_text);
	}
}

sd_err report_write_md(const struct report_campaign *c, FILE *f)
{
	summary(c, f);
	if (c->problems.n) {
		fputs("## Problems\n\n", f);
		problem_list(f, &c->problems);
	}
	progress(c, f);
	findings_table(c, f);
	if (c->n_findings)
		fputs("## Finding details\n\n", f);
	for (size_t i = 0; i < c->n_findings; i++)
		finding_detail(c, &c->findings[i], f);
	return ferror(f) ? SD_ERR_NOMEM : SD_OK;
}

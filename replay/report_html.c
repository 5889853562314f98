/*
 * report_html.c — the report as one self-contained HTML5 page: inline CSS,
 * inline SVG plots, no script, no external reference of any kind (no
 * http(s) URL, no src=, no href= but to #anchors in the page), so that it
 * can be mailed, archived as a CI artifact or opened offline.
 *
 * Every string from the campaign (signatures hold | < > &, case text is
 * whatever the user wrote) goes through html_put, which escapes the five
 * HTML-significant characters and replaces bytes that are not well-formed
 * UTF-8 or are control characters.
 */
#include "replay/report_model.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "oracle/json_read.h"

void html_put(FILE *f, const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		size_t len;

		switch (p[i]) {
		case '&': fputs("&amp;", f); i++; continue;
		case '<': fputs("&lt;", f); i++; continue;
		case '>': fputs("&gt;", f); i++; continue;
		case '"': fputs("&quot;", f); i++; continue;
		case '\'': fputs("&#39;", f); i++; continue;
		case '\t':
		case '\n': fputc(p[i], f); i++; continue;
		default: break;
		}
		if (p[i] < 0x20 || p[i] == 0x7f || (len = json_utf8_len(p + i, n - i)) == 0) {
			fputs("\xef\xbf\xbd", f);
			i++;
		} else {
			fwrite(p + i, 1, len, f);
			i += len;
		}
	}
}

static void put_code(FILE *f, const char *s)
{
	fputs("<code>", f);
	html_put(f, s);
	fputs("</code>", f);
}

static void put_time(FILE *f, int64_t t)
{
	char iso[32];

	report_iso_time(t, iso);
	fprintf(f, "<time datetime=\"%s\">%s</time>", iso, iso);
}

/* A findings-table row opens with its id: a link to the details when the
 * id names a folder. */
static void finding_id(FILE *f, const struct report_finding *r)
{
	fputs("<tr><td>", f);
	if (r->id_ok)
		fprintf(f, "<a href=\"#f-%s\">", r->f.id);
	put_code(f, r->f.id);
	fputs(r->id_ok ? "</a>" : "", f);
	fputs(r->is_new ? " <span class=\"badge\">new</span>" : "", f);
}

static void group_html(void *ctx, const char *verdict, const char *names)
{
	struct report_groups *g = ctx;

	fprintf(g->f, "%s<span class=\"v-%s\">", g->n++ ? "<br>" : "", report_verdict_class(verdict));
	html_put(g->f, verdict);
	fputs("</span>: ", g->f);
	html_put(g->f, names);
}

static const struct report_markup html_markup = {
	.text = html_put,
	.code = put_code,
	.cell_code = put_code,
	.time = put_time,
	.finding_id = finding_id,
	.group = group_html,
	.item_open = "<li>",
	.item_close = "</li>\n",
	.kv_open = "<tr><th scope=\"row\">",
	.kv_mid = "</th><td>",
	.kv_close = "</td></tr>\n",
	.row_open = "<tr><th scope=\"row\">",
	.head_end = "</th><td>",
	.sep = "</td><td>",
	.num_sep = "</td><td class=\"num\">",
	.sig_sep = "</td><td class=\"sig\">",
	.row_close = "</td></tr>\n",
	.no_target = "<span class=\"note\">replay</span>",
};

static const char style[] =
	"<style>\n"
	":root{color-scheme:light}\n"
	"body{font:14px/1.45 system-ui,\"Segoe UI\",\"DejaVu Sans\",sans-serif;margin:0 auto;max-width:1240px;"
	"padding:12px 24px 48px;color:#1b1f24;background:#fff}\n"
	"h1{font-size:1.6em;margin:.3em 0 .5em}\n"
	"h2{font-size:1.3em;border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.8em}\n"
	"h3{font-size:1.1em;margin:1.6em 0 .4em;padding-top:.6em;border-top:1px dashed #d0d7de}\n"
	"h4{font-size:1em;margin:1em 0 .3em}\n"
	"table{border-collapse:collapse;margin:.4em 0 1em}\n"
	"caption{text-align:left;font-weight:600;padding:.2em 0}\n"
	"th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left;vertical-align:top}\n"
	"thead th{background:#f3f5f7}\n"
	"th[scope=row]{background:#f8f9fa;font-weight:600}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"code,pre{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;font-size:12.5px}\n"
	"td code{word-break:break-all}\n"
	"pre{background:#f6f8fa;border:1px solid #d0d7de;padding:8px;white-space:pre-wrap;word-break:break-all}\n"
	".scroll{overflow-x:auto}\n"
	".badge{display:inline-block;font-size:11px;font-weight:600;padding:0 5px;border-radius:8px;"
	"background:#0969da;color:#fff}\n"
	".v-accept{background:#dafbe1}\n"
	".v-reject{background:#ffebe9}\n"
	".v-notreached{color:#6e7781}\n"
	".v-crash{background:#e9d7fe}\n"
	".v-hang{background:#fff1c2}\n"
	".v-unsupported,.v-other{background:#eaeef2}\n"
	".matrix td{text-align:center;min-width:1.5em;padding:1px 3px;font-family:ui-monospace,monospace}\n"
	".matrix .div,tr.div td{box-shadow:inset 0 0 0 2px #cf222e}\n"
	".mark{color:#cf222e;font-weight:600}\n"
	".problem{background:#fff8c5;border:1px solid #d4a72c;padding:4px 12px;margin:.5em 0}\n"
	".note{color:#57606a}\n"
	"figure{margin:.5em 0 1.2em}\n"
	"svg{max-width:100%;height:auto;display:block}\n"
	".pair{display:flex;flex-wrap:wrap;gap:0 24px}\n"
	"h3.plain{border-top:none;padding-top:0}\n"
	"svg text{font-size:11px;fill:#1b1f24;font-family:system-ui,\"DejaVu Sans\",sans-serif}\n"
	"</style>\n";

static void head(const struct report_campaign *c, FILE *f)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"sshdiff report\">\n<title>sshdiff report: ",
	      f);
	html_put(f, c->dir);
	fputs("</title>\n", f);
	fputs(style, f);
	fputs("</head>\n<body>\n<header>\n<h1>sshdiff campaign report</h1>\n<p>", f);
	put_code(f, c->dir);
	fputs("</p>\n</header>\n<main>\n", f);
}

static void kind_row(FILE *f, const char *name, size_t new_count, size_t total)
{
	fprintf(f, "<tr><th scope=\"row\">%s</th><td class=\"num\">%zu</td><td class=\"num\">%zu</td></tr>\n", name,
		new_count, total);
}

static void summary(const struct report_campaign *c, FILE *f)
{
	fputs("<section id=\"summary\" aria-labelledby=\"h-summary\">\n<h2 id=\"h-summary\">Summary</h2>\n"
	      "<table class=\"kv\">\n<tr><th scope=\"row\">Campaign directory</th><td>",
	      f);
	put_code(f, c->dir);
	fputs("</td></tr>\n<tr><th scope=\"row\">Time span (UTC)</th><td>", f);
	if (c->have_time) {
		put_time(f, c->t_first);
		fputs(" &ndash; ", f);
		put_time(f, c->t_last);
	} else {
		fputs("no timestamps", f);
	}
	fputs("</td></tr>\n<tr><th scope=\"row\">Targets</th><td>", f);
	for (size_t i = 0; i < c->targets.n; i++) {
		fputs(i ? ", " : "", f);
		put_code(f, c->targets.v[i]);
	}
	if (c->targets.n == 0)
		fputs("none recorded", f);
	fprintf(f, "</td></tr>\n<tr><th scope=\"row\">Total execs</th><td class=\"num\">%" PRIu64 "</td></tr>\n",
		c->total_execs);
	fputs("<tr><th scope=\"row\">New since</th><td>", f);
	if (c->have_new_since) {
		put_time(f, c->new_since);
		fputs(" (start of the latest run)", f);
	} else {
		fputs("no stats, so every finding counts as new", f);
	}
	fputs("</td></tr>\n</table>\n<table class=\"counts\">\n<caption>Findings by kind</caption>\n"
	      "<thead><tr><th scope=\"col\">kind</th><th scope=\"col\">new</th><th scope=\"col\">total</th></tr></thead>\n"
	      "<tbody>\n",
	      f);
	kind_row(f, "divergence", c->new_count[STORE_DIVERGENCE], c->total[STORE_DIVERGENCE]);
	kind_row(f, "crash", c->new_count[STORE_CRASH], c->total[STORE_CRASH]);
	kind_row(f, "all", c->new_count[0] + c->new_count[1], c->total[0] + c->total[1]);
	fputs("</tbody>\n</table>\n</section>\n", f);
}

static void problems(const struct report_campaign *c, FILE *f)
{
	if (c->problems.n == 0)
		return;
	fputs("<section id=\"problems\" aria-labelledby=\"h-problems\">\n<h2 id=\"h-problems\">Problems</h2>\n"
	      "<div class=\"problem\" role=\"note\"><ul>\n",
	      f);
	report_put_list(f, &html_markup, &c->problems);
	fputs("</ul></div>\n</section>\n", f);
}

static void plots(const struct report_campaign *c, FILE *f)
{
	size_t samples = 0;

	for (size_t i = 0; i < c->n_series; i++)
		samples += c->series[i].n;
	fputs("<section id=\"progress\" aria-labelledby=\"h-progress\">\n<h2 id=\"h-progress\">Progress</h2>\n", f);
	if (samples == 0) {
		fputs("<p class=\"note\">No progress samples: ", f);
		put_code(f, "stats/*.tsv");
		fputs(" is missing or empty (a store filled by <code>sshdiff replay --store</code> has none).</p>\n"
		      "</section>\n",
		      f);
		return;
	}
	report_svg_plot(c, METRIC_EXECS_PER_S, f);
	report_svg_plot(c, METRIC_COVERAGE, f);
	fputs("<table class=\"targets\">\n<caption>Per target (last sample)</caption>\n<thead><tr>"
	      "<th scope=\"col\">target</th><th scope=\"col\">engine</th><th scope=\"col\">samples</th>"
	      "<th scope=\"col\">runs</th><th scope=\"col\">execs</th><th scope=\"col\">execs/s</th>"
	      "<th scope=\"col\">coverage</th><th scope=\"col\">corpus</th><th scope=\"col\">findings new/total</th>"
	      "</tr></thead>\n<tbody>\n",
	      f);
	for (size_t i = 0; i < c->n_series; i++)
		report_put_series_row(f, &html_markup, &c->series[i]);
	fputs("</tbody>\n</table>\n<h3 class=\"plain\">Per target</h3>\n", f);
	for (size_t i = 0; i < c->n_series; i++) {
		if (c->series[i].n == 0)
			continue;
		fputs("<div class=\"pair\">\n", f);
		report_svg_target(c, i, METRIC_EXECS_PER_S, f);
		report_svg_target(c, i, METRIC_COVERAGE, f);
		fputs("</div>\n", f);
	}
	fputs("</section>\n", f);
}

static void findings_table(const struct report_campaign *c, FILE *f)
{
	fprintf(f, "<section id=\"findings\" aria-labelledby=\"h-findings\">\n<h2 id=\"h-findings\">Findings (%zu)</h2>\n",
		c->n_findings);
	if (c->n_findings == 0) {
		fputs("<p>No findings recorded.</p>\n</section>\n", f);
		return;
	}
	fputs("<div class=\"scroll\"><table class=\"findings\">\n"
	      "<caption>Findings, in order of first sighting</caption>\n<thead><tr>"
	      "<th scope=\"col\">id</th><th scope=\"col\">kind</th><th scope=\"col\">signature</th>"
	      "<th scope=\"col\">backends that disagree</th><th scope=\"col\">first seen (UTC)</th>"
	      "<th scope=\"col\">last seen (UTC)</th><th scope=\"col\">count</th><th scope=\"col\">target</th>"
	      "<th scope=\"col\">replay</th></tr></thead>\n<tbody>\n",
	      f);
	for (size_t i = 0; i < c->n_findings; i++)
		report_put_finding_row(f, &html_markup, c, &c->findings[i]);
	fputs("</tbody>\n</table></div>\n</section>\n", f);
}

/* Steps across, backends down: the divergent column outlined. */
static void matrix(const struct report_finding *r, FILE *f)
{
	fputs("<h4>Verdict matrix</h4>\n<div class=\"scroll\"><table class=\"matrix\">\n<caption>Steps &times; "
	      "backends",
	      f);
	if (r->divergent_step >= 0)
		fprintf(f, " (divergent step %" PRId64 " outlined)", r->divergent_step);
	fputs("</caption>\n<thead><tr><th scope=\"col\">backend</th>", f);
	for (size_t s = 0; s < r->n_steps; s++) {
		bool div = r->steps[s].step == r->divergent_step;

		fprintf(f, "<th scope=\"col\"%s title=\"", div ? " class=\"div\"" : "");
		html_put(f, r->steps[s].message);
		fprintf(f, "\">%" PRId64 "%s</th>", r->steps[s].step, div ? "<span class=\"mark\">&#9670;</span>" : "");
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t b = 0; b < r->n_backends; b++) {
		fputs("<tr><th scope=\"row\">", f);
		html_put(f, r->backends[b].name);
		fputs("</th>", f);
		for (size_t s = 0; s < r->n_steps; s++) {
			const char *v = r->steps[s].verdicts[b], *cls = report_verdict_class(v);

			fprintf(f, "<td class=\"v-%s%s\" title=\"", cls,
				r->steps[s].step == r->divergent_step ? " div" : "");
			html_put(f, v);
			fprintf(f, "\">%s</td>", report_verdict_letter(cls));
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table></div>\n<p class=\"note\">A accept, R reject, - not reached, C crash, H hang, "
	      "U unsupported; hover a cell for the full verdict.</p>\n",
	      f);
}

static void step_table(const struct report_finding *r, FILE *f)
{
	fputs("<h4>Steps</h4>\n<div class=\"scroll\"><table class=\"steps\">\n<thead><tr><th scope=\"col\">step</th>"
	      "<th scope=\"col\">message</th><th scope=\"col\">rule</th>",
	      f);
	for (size_t b = 0; b < r->n_backends; b++) {
		fputs("<th scope=\"col\">", f);
		html_put(f, r->backends[b].name);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t s = 0; s < r->n_steps; s++) {
		const struct report_step *st = &r->steps[s];
		bool div = st->step == r->divergent_step;

		fprintf(f, "<tr%s><td class=\"num\">%" PRId64 "%s</td><td>", div ? " class=\"div\"" : "", st->step,
			div ? (r->suppressed ? " <span class=\"mark\">suppressed</span>"
					     : " <span class=\"mark\">divergent</span>")
			    : "");
		html_put(f, st->message);
		fputs("</td><td>", f);
		put_code(f, st->rule);
		fputs("</td>", f);
		for (size_t b = 0; b < r->n_backends; b++) {
			fprintf(f, "<td class=\"v-%s\">", report_verdict_class(st->verdicts[b]));
			html_put(f, st->verdicts[b]);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table></div>\n", f);
}

static void backend_table(const struct report_finding *r, FILE *f)
{
	fputs("<h4>Backends</h4>\n<table class=\"backends\">\n<thead><tr><th scope=\"col\">backend</th>"
	      "<th scope=\"col\">version</th><th scope=\"col\">outcome</th></tr></thead>\n<tbody>\n",
	      f);
	report_put_backend_rows(f, &html_markup, r);
	fputs("</tbody>\n</table>\n", f);
}

static void finding_problems(const struct report_finding *r, FILE *f)
{
	if (r->problems.n == 0)
		return;
	fputs("<div class=\"problem\" role=\"note\"><p><strong>Problems with this finding's files</strong></p><ul>\n", f);
	report_put_list(f, &html_markup, &r->problems);
	fputs("</ul></div>\n", f);
}

static void finding_facts(const struct report_campaign *c, const struct report_finding *r, FILE *f)
{
	fputs("<table class=\"kv\">\n", f);
	report_put_facts(f, &html_markup, c, r);
	fputs("</table>\n", f);
}

static void case_text(const struct report_finding *r, FILE *f)
{
	if (!r->case_text)
		return;
	fprintf(f, "<details><summary>case.txt (%zu bytes%s)</summary>\n<pre>", r->case_text_size,
		r->case_text_size > REPORT_MAX_CASE_TEXT ? ", the first 256 KiB shown" : "");
	html_put(f, r->case_text);
	fputs("</pre></details>\n", f);
}

static void crash_report(const struct report_finding *r, FILE *f)
{
	if (!r->crash_head)
		return;
	fputs("<h4>Sanitizer report (first lines of report.txt)</h4>\n<pre>", f);
	html_put(f, r->crash_head);
	fputs("</pre>\n", f);
	if (r->crash_more_lines)
		fprintf(f, "<p class=\"note\">%zu more lines in report.txt.</p>\n", r->crash_more_lines);
}

static void finding_detail(const struct report_campaign *c, const struct report_finding *r, FILE *f)
{
	if (r->id_ok)
		fprintf(f, "<article id=\"f-%s\" aria-labelledby=\"h-%s\">\n<h3 id=\"h-%s\">", r->f.id, r->f.id, r->f.id);
	else
		fputs("<article>\n<h3>", f);
	put_code(f, r->f.id);
	fprintf(f, " %s%s</h3>\n", report_kind_name(r->f.kind), r->is_new ? " <span class=\"badge\">new</span>" : "");
	finding_facts(c, r, f);
	finding_problems(r, f);
	if (r->have_obs) {
		matrix(r, f);
		step_table(r, f);
		backend_table(r, f);
	}
	crash_report(r, f);
	case_text(r, f);
	fputs("</article>\n", f);
}

sd_err report_write_html(const struct report_campaign *c, FILE *f)
{
	head(c, f);
	summary(c, f);
	problems(c, f);
	plots(c, f);
	findings_table(c, f);
	if (c->n_findings) {
		fputs("<section id=\"details\" aria-labelledby=\"h-details\">\n<h2 id=\"h-details\">Finding details</h2>\n",
		      f);
		for (size_t i = 0; i < c->n_findings; i++)
			finding_detail(c, &c->findings[i], f);
		fputs("</section>\n", f);
	}
	fputs("</main>\n<footer><p class=\"note\">Written by <code>sshdiff report</code> from the campaign "
	      "directory alone; the same directory gives the same page.</p></footer>\n</body>\n</html>\n",
	      f);
	return ferror(f) ? SD_ERR_NOMEM : SD_OK;
}

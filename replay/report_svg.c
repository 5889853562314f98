/*
 * report_svg.c — line plots as inline SVG (no xmlns: the HTML parser puts
 * <svg> in the SVG namespace itself, and the page keeps no URL at all).
 * x is the time since each target's first sample, y the metric from 0.
 *
 * Two kinds: the overview (every target in one plot, each with its own
 * colour and dash pattern, told apart without colour too, and a legend), and
 * one small plot per target and metric with its own y scale, since a parser
 * target runs a hundred times faster than the differential one and would
 * flatten it in a shared scale.
 *
 * Long campaigns hold hundreds of thousands of samples: a polyline keeps,
 * per pixel column, the lowest and the highest sample, so the drawing stays
 * small and still shows every peak and dip.  With few samples each one is
 * also drawn as a dot (a single sample has no line to draw).
 */
#include "replay/report_model.h"

#include <inttypes.h>
#include <string.h>

#define LEGEND_ROW 18.0
#define MAX_DOTS 40

static const char *const colours[] = {"#0072b2", "#d55e00", "#009e73", "#cc79a7",
				      "#e69f00", "#56b4e9", "#000000", "#999999"};
static const char *const dashes[] = {"", "7 4", "2 3"};
#define N_COLOURS (sizeof(colours) / sizeof(colours[0]))
#define N_DASHES (sizeof(dashes) / sizeof(dashes[0]))

/* Margins and plot area, in SVG units. */
struct geom {
	double w, left, right, top, height;
};

static const struct geom overview_geom = {760, 76, 24, 40, 220};
static const struct geom small_geom = {380, 60, 16, 28, 130};

struct plot {
	const struct report_campaign *c;
	enum report_metric m;
	size_t first, end; /* the series drawn: [first, end) */
	struct geom g;
	double xtop, xstep, ytop, ystep;
};

static double metric(const struct report_sample *s, enum report_metric m)
{
	return m == METRIC_EXECS_PER_S ? s->execs_per_s : (double)s->coverage;
}

static const char *colour_of(size_t i)
{
	return colours[i % N_COLOURS];
}

static const char *dash_of(size_t i)
{
	return dashes[i / N_COLOURS % N_DASHES];
}

static double ceil_pos(double v)
{
	double i = (double)(int64_t)v;

	return i < v ? i + 1 : i;
}

/* 1, 2 or 5 times a power of ten, the smallest at least raw (> 0). */
static double nice_step(double raw)
{
	double p = 1;

	while (p > raw)
		p /= 10;
	while (p * 10 <= raw)
		p *= 10;
	if (p >= raw)
		return p;
	if (2 * p >= raw)
		return 2 * p;
	if (5 * p >= raw)
		return 5 * p;
	return 10 * p;
}

/* A time step (seconds) giving at most max_ticks intervals. */
static double time_step(double span, double max_ticks)
{
	static const double steps[] = {1,    2,    5,     10,    15,    30,    60,     120,    300,    600,
				       900,  1800, 3600,  7200,  10800, 21600, 43200,  86400,  172800, 604800};
	double s;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (span / steps[i] <= max_ticks)
			return steps[i];
	for (s = 1209600; span / s > max_ticks; s *= 2)
		;
	return s;
}

static void time_label(double t, char *out, size_t size)
{
	int64_t s = (int64_t)t, d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;

	if (s == 0)
		snprintf(out, size, "0");
	else if (d && !h && !m && !sec)
		snprintf(out, size, "%" PRId64 "d", d);
	else if (d)
		snprintf(out, size, "%" PRId64 "d%" PRId64 "h", d, h);
	else if (h && !m && !sec)
		snprintf(out, size, "%" PRId64 "h", h);
	else if (h)
		snprintf(out, size, "%" PRId64 "h%02" PRId64 "m", h, m);
	else if (m && !sec)
		snprintf(out, size, "%" PRId64 "m", m);
	else if (m)
		snprintf(out, size, "%" PRId64 "m%02" PRId64 "s", m, sec);
	else
		snprintf(out, size, "%" PRId64 "s", sec);
}

static void value_label(double v, char *out, size_t size)
{
	if (v >= 1e9)
		snprintf(out, size, "%gG", v / 1e9);
	else if (v >= 1e6)
		snprintf(out, size, "%gM", v / 1e6);
	else if (v >= 1e3)
		snprintf(out, size, "%gk", v / 1e3);
	else
		snprintf(out, size, "%g", v);
}

/* Axis ranges over the drawn series: from 0 to a round value above the
 * largest; one sample, samples all at one time, or all zero: a unit range. */
static void scale(struct plot *p)
{
	double span = 0, ymax = 0;

	for (size_t i = p->first; i < p->end; i++) {
		const struct report_series *s = &p->c->series[i];

		if (s->n == 0)
			continue;
		if (s->s[s->n - 1].t - s->s[0].t > span)
			span = s->s[s->n - 1].t - s->s[0].t;
		for (size_t k = 0; k < s->n; k++)
			if (metric(&s->s[k], p->m) > ymax)
				ymax = metric(&s->s[k], p->m);
	}
	if (span <= 0)
		span = 1;
	if (ymax <= 0)
		ymax = 1;
	p->xstep = time_step(span, p->g.w > 500 ? 8 : 4);
	p->xtop = ceil_pos(span / p->xstep) * p->xstep;
	p->ystep = nice_step(ymax / (p->g.height > 200 ? 5 : 4));
	p->ytop = ceil_pos(ymax / p->ystep) * p->ystep;
}

static double plot_w(const struct plot *p)
{
	return p->g.w - p->g.left - p->g.right;
}

static double px_x(const struct plot *p, double t)
{
	return p->g.left + t / p->xtop * plot_w(p);
}

static double px_y(const struct plot *p, double v)
{
	return p->g.top + p->g.height - v / p->ytop * p->g.height;
}

static void grid(const struct plot *p, const char *y_title, FILE *f)
{
	const struct geom *g = &p->g;
	double bottom = g->top + g->height;
	char label[32];

	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fff\" stroke=\"#8c959f\"/>\n",
		g->left, g->top, plot_w(p), g->height);
	/* Tick values are k * step, never a running sum (no drift). */
	for (int k = 0; k * p->ystep <= p->ytop * (1 + 1e-9); k++) {
		double v = k * p->ystep, y = px_y(p, v);

		value_label(v, label, sizeof(label));
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#d8dee4\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			g->left, y, g->left + plot_w(p), y, g->left - 6, y + 4, label);
	}
	for (int k = 0; k * p->xstep <= p->xtop * (1 + 1e-9); k++) {
		double t = k * p->xstep, x = px_x(p, t);

		time_label(t, label, sizeof(label));
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#8c959f\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
			x, bottom, x, bottom + 5, x, bottom + 18, label);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">time since the target's first sample</text>\n",
		g->left + plot_w(p) / 2, bottom + 34);
	fprintf(f, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">%s</text>\n",
		g->top + g->height / 2, g->top + g->height / 2, y_title);
}

static void point(const struct plot *p, const struct report_series *s, size_t k, FILE *f)
{
	fprintf(f, "%.1f,%.1f ", px_x(p, s->s[k].t - s->s[0].t), px_y(p, metric(&s->s[k], p->m)));
}

/* The polyline: per pixel column, its lowest and highest sample in time
 * order. */
static void polyline(const struct plot *p, size_t i, FILE *f)
{
	const struct report_series *s = &p->c->series[i];
	const char *dash = dash_of(i);
	size_t lo = 0, hi = 0;
	long col = -1;

	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"%s%s%s points=\"", colour_of(i),
		dash[0] ? " stroke-dasharray=\"" : "", dash, dash[0] ? "\"" : "");
	for (size_t k = 0; k <= s->n; k++) {
		long here = k < s->n ? (long)px_x(p, s->s[k].t - s->s[0].t) : -2;

		if (here == col) {
			if (metric(&s->s[k], p->m) < metric(&s->s[lo], p->m))
				lo = k;
			if (metric(&s->s[k], p->m) > metric(&s->s[hi], p->m))
				hi = k;
			continue;
		}
		if (col != -1) {
			point(p, s, lo < hi ? lo : hi, f);
			if (lo != hi)
				point(p, s, lo < hi ? hi : lo, f);
		}
		col = here;
		lo = hi = k;
	}
	fputs("\"/>\n", f);
}

static void series(const struct plot *p, size_t i, FILE *f)
{
	const struct report_series *s = &p->c->series[i];

	if (s->n > 1)
		polyline(p, i, f);
	if (s->n <= MAX_DOTS)
		for (size_t k = 0; k < s->n; k++)
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.8\" fill=\"%s\"/>\n",
				px_x(p, s->s[k].t - s->s[0].t), px_y(p, metric(&s->s[k], p->m)), colour_of(i));
}

static size_t legend_columns(const struct report_campaign *c)
{
	size_t longest = 0;

	for (size_t i = 0; i < c->n_series; i++)
		if (strlen(c->series[i].target) > longest)
			longest = strlen(c->series[i].target);
	return longest > 50 ? 1 : longest > 28 ? 2 : 3;
}

static void legend(const struct plot *p, double top, FILE *f)
{
	size_t cols = legend_columns(p->c);
	double col_w = plot_w(p) / (double)cols;

	for (size_t i = p->first; i < p->end; i++) {
		const struct report_series *s = &p->c->series[i];
		const char *dash = dash_of(i);
		size_t at = i - p->first;
		double x = p->g.left + (double)(at % cols) * col_w, y = top + (double)(at / cols) * LEGEND_ROW;

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2.5\"%s%s%s/>",
			x, y - 4, x + 26, y - 4, colour_of(i), dash[0] ? " stroke-dasharray=\"" : "", dash,
			dash[0] ? "\"" : "");
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 32, y);
		html_put(f, s->target);
		fprintf(f, s->n ? " (%zu sample%s)" : " (no samples)", s->n, s->n == 1 ? "" : "s");
		fputs("</text>\n", f);
	}
}

static const char *y_title(enum report_metric m)
{
	return m == METRIC_EXECS_PER_S ? "execs/s" : "coverage";
}

/* <svg> with its accessible name (title) and description. */
static void open_svg(const struct plot *p, const char *id, double height, FILE *f)
{
	fprintf(f, "<svg id=\"%s\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
		   "aria-labelledby=\"%s-title %s-desc\">\n",
		id, p->g.w, height, p->g.w, height, id, id);
}

void report_svg_plot(const struct report_campaign *c, enum report_metric m, FILE *f)
{
	const char *id = m == METRIC_EXECS_PER_S ? "plot-execs" : "plot-coverage";
	const char *title = m == METRIC_EXECS_PER_S ? "Executions per second over time, all targets"
						    : "Coverage over time, all targets";
	struct plot p = {c, m, 0, c->n_series, overview_geom, 0, 0, 0, 0};
	size_t cols = legend_columns(c), rows = (c->n_series + cols - 1) / cols;
	double legend_top = p.g.top + p.g.height + 58, height = legend_top + (double)rows * LEGEND_ROW + 6;

	scale(&p);
	fputs("<figure>\n", f);
	open_svg(&p, id, height, f);
	fprintf(f, "<title id=\"%s-title\">%s</title>\n<desc id=\"%s-desc\">One line per target (%zu); x: time since "
		   "the target's first sample; y: %s from 0.</desc>\n",
		id, title, id, c->n_series, y_title(m));
	fprintf(f, "<text x=\"%.1f\" y=\"22\" font-weight=\"600\" style=\"font-size:13px\">%s</text>\n", p.g.left,
		title);
	grid(&p, y_title(m), f);
	for (size_t i = 0; i < c->n_series; i++)
		series(&p, i, f);
	legend(&p, legend_top, f);
	fputs("</svg>\n</figure>\n", f);
}

void report_svg_target(const struct report_campaign *c, size_t i, enum report_metric m, FILE *f)
{
	const char *what = m == METRIC_EXECS_PER_S ? "execs" : "coverage";
	struct plot p = {c, m, i, i + 1, small_geom, 0, 0, 0, 0};
	char id[48];

	snprintf(id, sizeof(id), "plot-%zu-%s", i, what);
	scale(&p);
	fputs("<figure>\n", f);
	open_svg(&p, id, p.g.top + p.g.height + 42, f);
	fprintf(f, "<title id=\"%s-title\">", id);
	html_put(f, c->series[i].target);
	fprintf(f, ": %s over time</title>\n<desc id=\"%s-desc\">%zu sample%s; x: time since the first sample; y: %s "
		   "from 0.</desc>\n",
		y_title(m), id, c->series[i].n, c->series[i].n == 1 ? "" : "s", y_title(m));
	fprintf(f, "<text x=\"%.1f\" y=\"16\" font-weight=\"600\">", p.g.left);
	html_put(f, c->series[i].target);
	fprintf(f, ": %s</text>\n", y_title(m));
	grid(&p, y_title(m), f);
	series(&p, i, f);
	fputs("</svg>\n</figure>\n", f);
}

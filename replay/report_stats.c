/*
 * report_stats.c — DIR/stats/<target>.tsv (docs/fuzzing.md "stats"): one
 * header line naming the columns, then one sample per line.  Columns are
 * found by name, so extra columns are ignored; a bad line (wrong number of
 * fields, a field that is not a number, a line cut by a kill) is skipped
 * and reported with its file and line, never fatal.
 */
#include "replay/report_model.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum col { COL_TIME, COL_ENGINE, COL_EXECS, COL_EPS, COL_COV, COL_CORPUS, COL_FNEW, COL_FTOTAL, N_COLS };

static const char *const col_names[N_COLS] = {"time_s", "engine", "execs", "execs_per_s",
					      "coverage", "corpus", "findings_new", "findings_total"};
/* The columns a plot cannot do without. */
static const bool col_required[N_COLS] = {true, false, true, true, true, false, false, false};

#define MAX_FIELDS 32

struct tsv {
	struct report_campaign *c;
	struct report_series *s;
	size_t cap, bad_lines;
	int col_at[N_COLS]; /* field index of each column, -1 absent */
	size_t n_fields;
};

static void stats_problem(struct tsv *t, size_t line, const char *what)
{
	t->bad_lines++;
	if (t->bad_lines > REPORT_MAX_PROBLEMS_PER_FILE)
		return;
	/* line 0: the file as a whole */
	if (line == 0) {
		fprintf(stderr, "sshdiff report: %s: %s\n", t->s->path, what);
		strlist_addf(&t->c->problems, "%s: %s", t->s->path, what);
		return;
	}
	fprintf(stderr, "sshdiff report: %s: line %zu: %s\n", t->s->path, line, what);
	strlist_addf(&t->c->problems, "%s: line %zu: %s", t->s->path, line, what);
}

/* Splits line at tabs in place; false if there are too many fields. */
static bool split(char *line, char *fields[MAX_FIELDS], size_t *n)
{
	*n = 0;
	for (char *p = line;;) {
		char *tab = strchr(p, '\t');

		if (*n >= MAX_FIELDS)
			return false;
		fields[(*n)++] = p;
		if (!tab)
			return true;
		*tab = '\0';
		p = tab + 1;
	}
}

static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* digits, optionally "." digits: no sign, no exponent, no "nan", and
 * below 10^15 (so that every later conversion to an integer is exact). */
static bool parse_decimal(const char *s, double *out)
{
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p - s > 15)
		return false;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p || p - s > 40)
		return false; /* a fraction of more than 24 digits: not ours */
	*out = strtod(s, NULL);
	return true;
}

static bool header(struct tsv *t, char *line)
{
	char *fields[MAX_FIELDS], why[160];

	for (int k = 0; k < N_COLS; k++)
		t->col_at[k] = -1;
	if (!split(line, fields, &t->n_fields)) {
		stats_problem(t, 1, "header has more than 32 columns; file skipped");
		return false;
	}
	for (size_t i = 0; i < t->n_fields; i++)
		for (int k = 0; k < N_COLS; k++)
			if (strcmp(fields[i], col_names[k]) == 0 && t->col_at[k] < 0)
				t->col_at[k] = (int)i;
	for (int k = 0; k < N_COLS; k++) {
		if (col_required[k] && t->col_at[k] < 0) {
			snprintf(why, sizeof(why), "header lacks the column '%s'; file skipped", col_names[k]);
			stats_problem(t, 1, why);
			return false;
		}
	}
	return true;
}

/* "libfuzzer", then ",afl" when a later run used another engine. */
static void note_engine(struct report_series *s, const char *engine)
{
	size_t have = s->engine ? strlen(s->engine) : 0, n = strlen(engine);
	char *e;

	if (!n || n > 32)
		return;
	for (const char *p = s->engine; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && memcmp(p, engine, n) == 0)
			return;
		p = comma ? comma + 1 : p + len;
	}
	if (!(e = realloc(s->engine, have + n + 2)))
		return;
	snprintf(e + have, n + 2, "%s%s", have ? "," : "", engine);
	s->engine = e;
}

static void sample_line(struct tsv *t, char *line, size_t lineno)
{
	char *fields[MAX_FIELDS], why[200];
	struct report_sample smp;
	size_t n;
	uint64_t *ints[N_COLS] = {NULL};

	memset(&smp, 0, sizeof(smp));
	if (!split(line, fields, &n) || n != t->n_fields) {
		snprintf(why, sizeof(why), "%zu field%s, the header has %zu; line skipped", n, n == 1 ? "" : "s", t->n_fields);
		stats_problem(t, lineno, why);
		return;
	}
	ints[COL_EXECS] = &smp.execs;
	ints[COL_COV] = &smp.coverage;
	ints[COL_CORPUS] = &smp.corpus;
	ints[COL_FNEW] = &smp.findings_new;
	ints[COL_FTOTAL] = &smp.findings_total;
	for (int k = 0; k < N_COLS; k++) {
		const char *v;
		bool ok = true;

		if (t->col_at[k] < 0)
			continue;
		v = fields[t->col_at[k]];
		if (k == COL_TIME)
			ok = parse_decimal(v, &smp.t);
		else if (k == COL_EPS)
			ok = parse_decimal(v, &smp.execs_per_s);
		else if (ints[k])
			ok = parse_u64(v, ints[k]);
		if (!ok) {
			snprintf(why, sizeof(why), "%s '%.40s' is not a %s; line skipped", col_names[k], v,
				 k == COL_TIME || k == COL_EPS ? "number from 0 to 10^15" : "non-negative integer");
			stats_problem(t, lineno, why);
			return;
		}
	}
	if (t->s->n == t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 64;
		struct report_sample *v = realloc(t->s->s, ncap * sizeof(*v));

		if (!v) {
			stats_problem(t, lineno, "out of memory; line skipped");
			return;
		}
		t->s->s = v;
		t->cap = ncap;
	}
	t->s->s[t->s->n++] = smp;
	if (t->col_at[COL_ENGINE] >= 0)
		note_engine(t->s, fields[t->col_at[COL_ENGINE]]);
}

/* Stable merge sort by time: samples appended by concurrent writers or
 * across clock steps keep their file order among equal times. */
static void sort_samples(struct report_sample *v, size_t n, struct report_sample *tmp)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	sort_samples(v, mid, tmp);
	sort_samples(v + mid, n - mid, tmp);
	while (i < mid && j < n)
		tmp[k++] = v[j].t < v[i].t ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

/* Runs: an engine restarted (resume after a kill, next night) counts execs
 * from zero again, so a fall in execs starts a run; the total is the sum of
 * each run's last count (also right when an engine keeps counting). */
static void summarise_series(struct report_series *s)
{
	bool sorted = true;

	for (size_t i = 1; i < s->n && sorted; i++)
		sorted = s->s[i - 1].t <= s->s[i].t;
	if (!sorted) {
		struct report_sample *tmp = malloc(s->n * sizeof(*tmp));

		if (tmp)
			sort_samples(s->s, s->n, tmp);
		free(tmp);
	}
	s->runs = s->n ? 1 : 0;
	s->total_execs = 0;
	s->last_run_start = s->n ? s->s[0].t : 0;
	for (size_t i = 1; i < s->n; i++) {
		if (s->s[i].execs < s->s[i - 1].execs) {
			s->total_execs += s->s[i - 1].execs;
			s->runs++;
			s->last_run_start = s->s[i].t;
		}
	}
	if (s->n)
		s->total_execs += s->s[s->n - 1].execs;
}

static void read_tsv(struct report_campaign *c, struct report_series *s)
{
	struct tsv t = {c, s, 0, 0, {0}, 0};
	char *line = NULL, why[160];
	size_t size = 0, lineno = 0;
	bool have_header = false;
	ssize_t got;
	FILE *f = fopen(s->path, "r");

	if (!f) {
		snprintf(why, sizeof(why), "cannot read (%s)", strerror(errno));
		stats_problem(&t, 0, why);
		return;
	}
	while ((got = getline(&line, &size, f)) >= 0) {
		lineno++;
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = '\0';
		if (strlen(line) != (size_t)got) {
			stats_problem(&t, lineno, "NUL byte; line skipped");
			continue;
		}
		if (!have_header) {
			if (!header(&t, line))
				break;
			have_header = true;
		} else if (got > 0) {
			sample_line(&t, line, lineno);
		}
	}
	if (ferror(f)) {
		snprintf(why, sizeof(why), "read error (%s)", strerror(errno));
		stats_problem(&t, lineno, why);
	}
	if (lineno == 0)
		stats_problem(&t, 0, "empty file (no header line)");
	if (t.bad_lines > REPORT_MAX_PROBLEMS_PER_FILE) {
		fprintf(stderr, "sshdiff report: %s: %zu more bad lines skipped\n", s->path,
			t.bad_lines - REPORT_MAX_PROBLEMS_PER_FILE);
		strlist_addf(&c->problems, "%s: %zu more bad lines skipped", s->path,
			     t.bad_lines - REPORT_MAX_PROBLEMS_PER_FILE);
	}
	free(line);
	fclose(f);
	summarise_series(s);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.tsv names of DIR/stats, sorted (strcmp: no locale). */
static sd_err list_tsv(struct report_campaign *c, const char *stats, struct strlist *names)
{
	struct dirent *e;
	DIR *d = opendir(stats);

	if (!d) {
		if (errno == ENOENT)
			return SD_OK; /* never fuzzed (e.g. replay --store): no plots */
		fprintf(stderr, "sshdiff report: %s: %s\n", stats, strerror(errno));
		return strlist_addf(&c->problems, "%s: %s", stats, strerror(errno));
	}
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.' || n <= 4 || strcmp(e->d_name + n - 4, ".tsv") != 0)
			continue;
		if (strlist_addf(names, "%s", e->d_name) != SD_OK) {
			closedir(d);
			return SD_ERR_NOMEM;
		}
	}
	closedir(d);
	if (names->n)
		qsort(names->v, names->n, sizeof(*names->v), cmp_name);
	return SD_OK;
}

sd_err report_load_stats(struct report_campaign *c)
{
	struct strlist names = {NULL, 0};
	size_t n = strlen(c->dir) + sizeof("/stats");
	char *stats = malloc(n);
	sd_err err;

	if (!stats)
		return SD_ERR_NOMEM;
	snprintf(stats, n, "%s/stats", c->dir);
	if ((err = list_tsv(c, stats, &names)) != SD_OK || names.n == 0)
		goto out;
	if (!(c->series = calloc(names.n, sizeof(*c->series)))) {
		err = SD_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < names.n; i++) {
		struct report_series *s = &c->series[c->n_series];
		size_t len = strlen(names.v[i]);
		struct stat st;

		s->target = strndup(names.v[i], len - 4);
		s->path = malloc(strlen(stats) + len + 2);
		if (!s->target || !s->path) {
			free(s->target);
			free(s->path);
			err = SD_ERR_NOMEM;
			goto out;
		}
		sprintf(s->path, "%s/%s", stats, names.v[i]);
		c->n_series++;
		if (stat(s->path, &st) != 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "sshdiff report: %s: not a regular file; skipped\n", s->path);
			strlist_addf(&c->problems, "%s: not a regular file; skipped", s->path);
			continue;
		}
		read_tsv(c, s);
	}
out:
	strlist_free(&names);
	free(stats);
	return err;
}

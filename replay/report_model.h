/*
 * report_model.h — `sshdiff report`: what the command reads from a campaign
 * directory (docs/fuzzing.md "Campaign directory"), and the three writers
 * (HTML, Markdown, JSON) that print it.  Loading never aborts on one bad
 * file: what is wrong is kept as a problem (naming the file) and printed
 * both on stderr and in the report, beside the finding it concerns.
 *
 * Everything here is deterministic for the same directory: findings in the
 * store's order (first_seen, id), targets by name, no current time.
 */
#ifndef SSHDIFF_REPLAY_REPORT_MODEL_H
#define SSHDIFF_REPLAY_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "oracle/store.h"
#include "proto/errors.h"

/* Limits on what is shown (the files themselves are not changed). */
#define REPORT_MAX_CASE_TEXT (256u << 10)     /* case.txt bytes shown */
#define REPORT_MAX_OBS_JSON (4u << 20)        /* observations.json bytes read */
#define REPORT_CRASH_LINES 40                 /* report.txt lines shown */
#define REPORT_MAX_CRASH_REPORT (64u << 10)   /* report.txt bytes read (store.h's cut) */
#define REPORT_MAX_PROBLEMS_PER_FILE 5        /* bad stats lines reported one by one */

struct strlist {
	char **v;
	size_t n;
};

sd_err strlist_addf(struct strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strlist_free(struct strlist *l);

/* One step of observations.json. */
struct report_step {
	int64_t step;
	char *message, *rule;
	char **verdicts; /* one per backend of the finding, "" if it has none */
};

/* One backend of observations.json ("backends" member). */
struct report_backend {
	char *name, *version, *outcome;
};

struct report_finding {
	struct store_finding f;
	bool id_ok;             /* f.id is 16 hex digits (it names the folder) */
	bool is_new;            /* first seen in the latest run (report_campaign.new_since) */
	char *folder;           /* DIR/findings/<id> */
	struct strlist problems; /* each names its file */

	/* divergence: observations.json, when it was read whole */
	bool have_obs;
	int64_t divergent_step; /* -1: none */
	char *suppressed;       /* NULL: not suppressed */
	size_t n_backends;
	struct report_backend *backends;
	size_t n_steps;
	struct report_step *steps;
	char *case_text;        /* case.txt (sanitised UTF-8), NULL if unreadable */
	size_t case_text_size;  /* the file's size (may be more than shown) */

	/* crash: report.txt and input.bin */
	char *crash_head;       /* the first REPORT_CRASH_LINES lines, sanitised */
	size_t crash_more_lines;
	bool have_input;
	uint64_t input_size;
};

struct report_sample {
	double t;                 /* time_s */
	double execs_per_s;
	uint64_t execs, coverage, corpus, findings_new, findings_total;
};

/* One stats/<target>.tsv. */
struct report_series {
	char *target;             /* from the file name */
	char *engine;             /* engines seen, in order ("libfuzzer", "libfuzzer,afl") */
	char *path;
	size_t n;
	struct report_sample *s;  /* sorted by time */
	unsigned runs;            /* engine runs: execs falling back starts a new one */
	uint64_t total_execs;     /* sum over runs of each run's last execs */
	double last_run_start;    /* time of the first sample of the last run */
};

struct report_campaign {
	const char *dir;
	struct report_finding *findings;
	size_t n_findings;
	struct report_series *series;
	size_t n_series;
	struct strlist problems;  /* campaign-wide (stats files) */
	struct strlist targets;   /* every target named by stats or findings, sorted */
	bool have_time;
	int64_t t_first, t_last;  /* the data's time span */
	bool have_new_since;      /* false: no stats, every finding counts as new */
	int64_t new_since;
	uint64_t total_execs;
	size_t total[2], new_count[2]; /* by enum store_kind */
};

/* Reads DIR (which must hold findings.db).  Errors (SD_ERR_*) only when the
 * store cannot be opened or listed, with err naming the file; every other
 * problem is kept in the model and printed on stderr. */
sd_err report_load(const char *dir, struct report_campaign *c, char *err, size_t err_size);
void report_free(struct report_campaign *c);
/* Stats files: DIR/stats/ *.tsv (report_stats.c). */
sd_err report_load_stats(struct report_campaign *c);

/* Shared helpers (report_util.c). */
/* "2026-11-21T12:34:56Z"; "-" for a time gmtime cannot show. */
void report_iso_time(int64_t t, char out[32]);
/* "accept", "reject", "notreached", "crash", "hang", "unsupported", "other":
 * the class of a verdict string, for colours. */
const char *report_verdict_class(const char *verdict);
/* The replay command of a finding (shell-quoted paths). */
char *report_replay_command(const struct report_campaign *c, const struct report_finding *f);
/* The backends that disagree, from a divergence signature's last field
 * ("libssh=accept,own=reject,verifier=reject"): fn is called once per
 * verdict, in order of first appearance, with the backends that gave it
 * ("own, verifier"); never for a signature without that field (crashes). */
void report_disagreement_groups(const char *signature, void (*fn)(void *ctx, const char *verdict,
								 const char *names), void *ctx);
const char *report_kind_name(enum store_kind k);
/* Reads at most max bytes of path; *size gets the file's size.  NULL with
 * errno set when it cannot be read. */
char *report_read_file(const char *path, size_t max, size_t *len, uint64_t *size);
/* UTF-8 with every byte sequence that is not well-formed, and every control
 * character but tab and newline, replaced by U+FFFD: safe to print anywhere. */
char *report_sanitize(const char *p, size_t n);

/* The report's content is walked once, here, for both page writers: what
 * HTML and Markdown differ in is only this markup, so the two reports
 * cannot drift apart in what they show (report_util.c). */
struct report_groups {
	FILE *f;
	unsigned n; /* groups printed so far */
};
struct report_markup {
	void (*text)(FILE *f, const char *s);      /* prose, escaped */
	void (*code)(FILE *f, const char *s);      /* a code span outside tables */
	void (*cell_code)(FILE *f, const char *s); /* a code span in a table cell */
	void (*time)(FILE *f, int64_t t);
	/* Opens a findings-table row and prints its id cell (link, "new" mark). */
	void (*finding_id)(FILE *f, const struct report_finding *r);
	/* One verdict group of a findings row; ctx is a struct report_groups. */
	void (*group)(void *ctx, const char *verdict, const char *names);
	const char *item_open, *item_close;       /* list item */
	const char *kv_open, *kv_mid, *kv_close;  /* "key: value" fact */
	const char *row_open, *head_end;          /* table row up to the end of its header cell */
	const char *sep, *num_sep, *sig_sep;      /* before a cell: plain, numeric, signature */
	const char *row_close;
	const char *no_target;                    /* target cell of a replay finding */
};
/* Strings of l, one list item each. */
void report_put_list(FILE *f, const struct report_markup *m, const struct strlist *l);
/* A finding's facts: signature, sightings, target, versions, ..., input size. */
void report_put_facts(FILE *f, const struct report_markup *m, const struct report_campaign *c,
		      const struct report_finding *r);
/* Table rows: one finding; one backend of a finding; one stats series. */
void report_put_finding_row(FILE *f, const struct report_markup *m, const struct report_campaign *c,
			    const struct report_finding *r);
void report_put_backend_rows(FILE *f, const struct report_markup *m, const struct report_finding *r);
void report_put_series_row(FILE *f, const struct report_markup *m, const struct report_series *s);
/* "A", "R", "-", "C", "H", "U" or "?": the matrix letter of a verdict class. */
const char *report_verdict_letter(const char *cls);

/* Writers: each prints the whole report on f. */
sd_err report_write_html(const struct report_campaign *c, FILE *f);
sd_err report_write_md(const struct report_campaign *c, FILE *f);
sd_err report_write_json(const struct report_campaign *c, FILE *f);

/* HTML text and attribute escaping (& < > " '), shared with the SVG plots. */
void html_put(FILE *f, const char *s);
enum report_metric { METRIC_EXECS_PER_S, METRIC_COVERAGE };
/* One inline <svg> plot of the metric over time, one line per target, with
 * a legend; and a small one of series i alone, on its own scale. */
void report_svg_plot(const struct report_campaign *c, enum report_metric m, FILE *f);
void report_svg_target(const struct report_campaign *c, size_t i, enum report_metric m, FILE *f);

#endif

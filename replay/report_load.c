/*
 * report_load.c — a campaign directory into the report model: the store's
 * findings (store_list), each finding's folder (observations.json and
 * case.txt for divergences, report.txt and input.bin for crashes), the
 * stats (report_stats.c), then the summary figures.
 *
 * A file that is missing or malformed becomes a problem of its finding,
 * named and explained, printed on stderr; the report goes on.
 */
#include "replay/report_model.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "oracle/json_read.h"

struct list_ctx {
	struct report_campaign *c;
	size_t cap;
	sd_err err;
};

static void on_finding(void *ctx, const struct store_finding *f)
{
	struct list_ctx *lc = ctx;
	struct report_campaign *c = lc->c;

	if (lc->err != SD_OK)
		return;
	if (c->n_findings == lc->cap) {
		size_t ncap = lc->cap ? 2 * lc->cap : 16;
		struct report_finding *v = realloc(c->findings, ncap * sizeof(*v));

		if (!v) {
			lc->err = SD_ERR_NOMEM;
			return;
		}
		c->findings = v;
		lc->cap = ncap;
	}
	memset(&c->findings[c->n_findings], 0, sizeof(c->findings[0]));
	c->findings[c->n_findings].f = *f;
	c->findings[c->n_findings].divergent_step = -1;
	c->n_findings++;
}

/* A problem of finding r: kept for the page, printed now. */
static void problem(struct report_finding *r, const char *file, const char *what)
{
	fprintf(stderr, "sshdiff report: %s/%s: %s\n", r->folder, file, what);
	strlist_addf(&r->problems, "%s/%s: %s", r->folder, file, what);
}

static char *dup_str(const char *s)
{
	return strdup(s ? s : "");
}

/* ---- observations.json (format in oracle/report.h) ---- */

/* The member key of obj, of type t; else a problem "PATH.key: ...". */
static const struct json_value *want(const struct json_value *obj, const char *path, const char *key,
				     enum json_type t, bool null_ok, char *why, size_t why_size)
{
	const struct json_value *v = json_member(obj, key);

	if (!v) {
		snprintf(why, why_size, "%s%s%s: missing", path, *path ? "." : "", key);
		return NULL;
	}
	if (v->type != t && !(null_ok && v->type == JSON_NULL)) {
		snprintf(why, why_size, "%s%s%s: expected %s%s, got %s", path, *path ? "." : "", key,
			 json_type_name(t), null_ok ? " or null" : "", json_type_name(v->type));
		return NULL;
	}
	return v;
}

static size_t backend_index(const struct report_finding *r, const char *name)
{
	for (size_t b = 0; b < r->n_backends; b++)
		if (strcmp(r->backends[b].name, name) == 0)
			return b;
	return SIZE_MAX;
}

static sd_err add_backend(struct report_finding *r, const char *name, const char *version, const char *outcome)
{
	struct report_backend *v = realloc(r->backends, (r->n_backends + 1) * sizeof(*v));

	if (!v)
		return SD_ERR_NOMEM;
	r->backends = v;
	v[r->n_backends].name = dup_str(name);
	v[r->n_backends].version = dup_str(version);
	v[r->n_backends].outcome = dup_str(outcome);
	r->n_backends++;
	return v[r->n_backends - 1].name && v[r->n_backends - 1].version && v[r->n_backends - 1].outcome
		       ? SD_OK
		       : SD_ERR_NOMEM;
}

/* "backends": {name: {"version":..,"outcome":..,...}} in registry order. */
static bool read_backends(struct report_finding *r, const struct json_value *root, char *why, size_t why_size)
{
	const struct json_value *bs = want(root, "", "backends", JSON_OBJECT, false, why, why_size);

	if (!bs)
		return false;
	for (size_t i = 0; i < bs->n; i++) {
		char path[128];
		const struct json_value *ver, *out;

		snprintf(path, sizeof(path), "backends.%.64s", bs->keys[i]);
		if (bs->items[i].type != JSON_OBJECT) {
			snprintf(why, why_size, "%s: expected object, got %s", path, json_type_name(bs->items[i].type));
			return false;
		}
		if (!(ver = want(&bs->items[i], path, "version", JSON_STRING, false, why, why_size)) ||
		    !(out = want(&bs->items[i], path, "outcome", JSON_STRING, false, why, why_size)))
			return false;
		if (add_backend(r, bs->keys[i], ver->s, out->s) != SD_OK) {
			snprintf(why, why_size, "out of memory");
			return false;
		}
	}
	return true;
}

static bool read_step(struct report_finding *r, const struct json_value *st, size_t i, char *why, size_t why_size)
{
	struct report_step *s = &r->steps[i];
	const struct json_value *num, *msg, *rule, *vs;
	char path[32];

	snprintf(path, sizeof(path), "steps[%zu]", i);
	if (st->type != JSON_OBJECT) {
		snprintf(why, why_size, "%s: expected object, got %s", path, json_type_name(st->type));
		return false;
	}
	if (!(num = want(st, path, "step", JSON_INT, false, why, why_size)) ||
	    !(msg = want(st, path, "message", JSON_STRING, false, why, why_size)) ||
	    !(rule = want(st, path, "rule", JSON_STRING, false, why, why_size)) ||
	    !(vs = want(st, path, "verdicts", JSON_OBJECT, false, why, why_size)))
		return false;
	s->step = num->i;
	s->message = dup_str(msg->s);
	s->rule = dup_str(rule->s);
	/* A backend that only shows up in verdicts still gets its column. */
	for (size_t k = 0; k < vs->n; k++) {
		if (vs->items[k].type != JSON_STRING) {
			snprintf(why, why_size, "%s.verdicts.%.64s: expected string, got %s", path, vs->keys[k],
				 json_type_name(vs->items[k].type));
			return false;
		}
		if (backend_index(r, vs->keys[k]) == SIZE_MAX && add_backend(r, vs->keys[k], "", "") != SD_OK)
			goto nomem;
	}
	return s->message && s->rule ? true : (snprintf(why, why_size, "out of memory"), false);
nomem:
	snprintf(why, why_size, "out of memory");
	return false;
}

/* Verdict columns once every backend is known. */
static bool fill_verdicts(struct report_finding *r, const struct json_value *steps, char *why, size_t why_size)
{
	for (size_t i = 0; i < r->n_steps; i++) {
		const struct json_value *vs = json_member(&steps->items[i], "verdicts");

		if (!(r->steps[i].verdicts = calloc(r->n_backends ? r->n_backends : 1, sizeof(char *)))) {
			snprintf(why, why_size, "out of memory");
			return false;
		}
		for (size_t b = 0; b < r->n_backends; b++) {
			const struct json_value *v = json_member(vs, r->backends[b].name);

			if (!(r->steps[i].verdicts[b] = dup_str(v ? v->s : ""))) {
				snprintf(why, why_size, "out of memory");
				return false;
			}
		}
	}
	return true;
}

static bool read_observations(struct report_finding *r, const struct json_value *root, char *why, size_t why_size)
{
	const struct json_value *sig, *dstep, *supp, *steps;

	if (root->type != JSON_OBJECT) {
		snprintf(why, why_size, "expected an object, got %s", json_type_name(root->type));
		return false;
	}
	if (!(sig = want(root, "", "signature", JSON_STRING, false, why, why_size)) ||
	    !(dstep = want(root, "", "divergent_step", JSON_INT, true, why, why_size)) ||
	    !(supp = want(root, "", "suppressed", JSON_STRING, true, why, why_size)) ||
	    !(steps = want(root, "", "steps", JSON_ARRAY, false, why, why_size)) || !read_backends(r, root, why, why_size))
		return false;
	if (strlen(r->f.signature) + 1 < sizeof(r->f.signature) && strcmp(sig->s, r->f.signature) != 0) {
		snprintf(why, why_size, "signature \"%.200s\" differs from the store's", sig->s);
		return false;
	}
	r->divergent_step = dstep->type == JSON_INT ? dstep->i : -1;
	if (supp->type == JSON_STRING && !(r->suppressed = dup_str(supp->s)))
		return (snprintf(why, why_size, "out of memory"), false);
	if (steps->n && !(r->steps = calloc(steps->n, sizeof(*r->steps))))
		return (snprintf(why, why_size, "out of memory"), false);
	for (size_t i = 0; i < steps->n; i++) {
		r->n_steps = i + 1;
		if (!read_step(r, &steps->items[i], i, why, why_size))
			return false;
	}
	return fill_verdicts(r, steps, why, why_size);
}

static void free_obs(struct report_finding *r)
{
	for (size_t i = 0; i < r->n_steps; i++) {
		free(r->steps[i].message);
		free(r->steps[i].rule);
		for (size_t b = 0; r->steps[i].verdicts && b < r->n_backends; b++)
			free(r->steps[i].verdicts[b]);
		free(r->steps[i].verdicts);
	}
	free(r->steps);
	for (size_t b = 0; b < r->n_backends; b++) {
		free(r->backends[b].name);
		free(r->backends[b].version);
		free(r->backends[b].outcome);
	}
	free(r->backends);
	free(r->suppressed);
	r->steps = NULL;
	r->backends = NULL;
	r->suppressed = NULL;
	r->n_steps = r->n_backends = 0;
	r->divergent_step = -1;
}

static char *path_in(const struct report_finding *r, const char *file)
{
	size_t n = strlen(r->folder) + strlen(file) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", r->folder, file);
	return p;
}

/* The file's bytes, or a problem saying why there are none. */
static char *read_in(struct report_finding *r, const char *file, size_t max, size_t *len, uint64_t *size)
{
	char *path = path_in(r, file), *data;
	char why[160];

	if (!path)
		return NULL;
	data = report_read_file(path, max, len, size);
	if (!data) {
		snprintf(why, sizeof(why), "cannot read (%s)", strerror(errno));
		problem(r, file, why);
	}
	free(path);
	return data;
}

static void load_observations(struct report_finding *r)
{
	char why[400];
	struct json_value *root = NULL;
	uint64_t size = 0;
	size_t len;
	char *text = read_in(r, "observations.json", REPORT_MAX_OBS_JSON + 1, &len, &size);

	if (!text)
		return;
	if (size > REPORT_MAX_OBS_JSON) {
		snprintf(why, sizeof(why), "larger than %u bytes", REPORT_MAX_OBS_JSON);
		problem(r, "observations.json", why);
	} else if (json_parse(text, len, &root, why, sizeof(why)) != SD_OK) {
		problem(r, "observations.json", why);
	} else if (!read_observations(r, root, why, sizeof(why))) {
		free_obs(r);
		problem(r, "observations.json", why);
	} else {
		r->have_obs = true;
	}
	json_value_free(root);
	free(text);
}

static void load_case_text(struct report_finding *r)
{
	uint64_t size = 0;
	size_t len;
	char *text = read_in(r, "case.txt", REPORT_MAX_CASE_TEXT, &len, &size);

	if (!text)
		return;
	r->case_text = report_sanitize(text, len);
	r->case_text_size = (size_t)size;
	free(text);
}

/* report.txt: the first lines, and how many more there are. */
static void load_crash(struct report_finding *r)
{
	uint64_t size = 0;
	size_t len, lines = 0, cut;
	char *text = read_in(r, "report.txt", REPORT_MAX_CRASH_REPORT, &len, &size), *input;

	if (text) {
		for (cut = 0; cut < len && lines < REPORT_CRASH_LINES; cut++)
			if (text[cut] == '\n')
				lines++;
		for (size_t i = cut; i < len; i++)
			if (text[i] == '\n' || i + 1 == len)
				r->crash_more_lines++;
		r->crash_head = report_sanitize(text, cut);
		free(text);
	}
	/* input.bin: only its size matters here; it is the reproducer. */
	if ((input = read_in(r, "input.bin", 0, &len, &size)) != NULL) {
		r->have_input = true;
		r->input_size = size;
		free(input);
	}
}

/* signature.txt must hold the store's signature (one line). */
static void check_signature_file(struct report_finding *r)
{
	size_t len;
	char *text = read_in(r, "signature.txt", sizeof(r->f.signature) + 2, &len, NULL);

	if (!text)
		return;
	if (len && text[len - 1] == '\n')
		text[--len] = '\0';
	if (strlen(r->f.signature) + 1 < sizeof(r->f.signature) && strcmp(text, r->f.signature) != 0)
		problem(r, "signature.txt", "differs from the signature in findings.db");
	free(text);
}

static bool hex_id(const char *id)
{
	size_t n = strlen(id);

	if (n != 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

static sd_err load_folder(struct report_campaign *c, struct report_finding *r)
{
	size_t n = strlen(c->dir) + sizeof("/findings/") + sizeof(r->f.id);

	if (!(r->folder = malloc(n)))
		return SD_ERR_NOMEM;
	/* The id names a folder: anything but hex would be a path outside it. */
	r->id_ok = hex_id(r->f.id);
	snprintf(r->folder, n, "%s/findings/%s", c->dir, r->id_ok ? r->f.id : "?");
	if (!r->id_ok) {
		fprintf(stderr, "sshdiff report: %s/findings.db: finding id '%s' is not 16 hex digits\n", c->dir,
			r->f.id);
		return strlist_addf(&r->problems, "%s/findings.db: finding id is not 16 hex digits", c->dir);
	}
	check_signature_file(r);
	if (r->f.kind == STORE_CRASH) {
		load_crash(r);
	} else {
		load_observations(r);
		load_case_text(r);
	}
	return SD_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every target named by stats or findings, sorted, once. */
static sd_err collect_targets(struct report_campaign *c)
{
	struct strlist *t = &c->targets;
	size_t w = 0;

	for (size_t i = 0; i < c->n_series; i++)
		if (strlist_addf(t, "%s", c->series[i].target) != SD_OK)
			return SD_ERR_NOMEM;
	for (size_t i = 0; i < c->n_findings; i++)
		if (c->findings[i].f.target[0] && strlist_addf(t, "%s", c->findings[i].f.target) != SD_OK)
			return SD_ERR_NOMEM;
	if (t->n == 0)
		return SD_OK;
	qsort(t->v, t->n, sizeof(*t->v), cmp_str);
	for (size_t i = 0; i < t->n; i++) {
		if (w > 0 && strcmp(t->v[w - 1], t->v[i]) == 0) {
			free(t->v[i]);
			continue;
		}
		t->v[w++] = t->v[i];
	}
	t->n = w;
	return SD_OK;
}

static void widen(struct report_campaign *c, int64_t t)
{
	if (!c->have_time || t < c->t_first)
		c->t_first = t;
	if (!c->have_time || t > c->t_last)
		c->t_last = t;
	c->have_time = true;
}

/* Time span, total execs, and "new": first seen at or after the start of
 * the latest run, which is the earliest start among the targets' last
 * engine runs (a nightly campaign runs every target; a target left out
 * tonight only makes more findings count as new, never fewer). */
static void summarise(struct report_campaign *c)
{
	for (size_t i = 0; i < c->n_series; i++) {
		const struct report_series *s = &c->series[i];

		if (s->n == 0)
			continue;
		widen(c, (int64_t)s->s[0].t);
		widen(c, (int64_t)s->s[s->n - 1].t);
		c->total_execs += s->total_execs;
		if (!c->have_new_since || (int64_t)s->last_run_start < c->new_since)
			c->new_since = (int64_t)s->last_run_start;
		c->have_new_since = true;
	}
	for (size_t i = 0; i < c->n_findings; i++) {
		struct report_finding *r = &c->findings[i];
		unsigned k = r->f.kind == STORE_CRASH ? 1 : 0;

		widen(c, r->f.first_seen);
		widen(c, r->f.last_seen);
		r->is_new = !c->have_new_since || r->f.first_seen >= c->new_since;
		c->total[k]++;
		c->new_count[k] += r->is_new;
	}
}

sd_err report_load(const char *dir, struct report_campaign *c, char *err, size_t err_size)
{
	struct list_ctx lc = {c, 0, SD_OK};
	struct store *s = NULL;
	sd_err e;

	memset(c, 0, sizeof(*c));
	c->dir = dir;
	if ((e = store_open(dir, &s, err, err_size)) != SD_OK)
		return e;
	e = store_list(s, on_finding, &lc);
	if (e != SD_OK)
		snprintf(err, err_size, "%s", store_last_error(s));
	else if ((e = lc.err) != SD_OK)
		snprintf(err, err_size, "%s/findings.db: out of memory", dir);
	store_close(s);
	for (size_t i = 0; e == SD_OK && i < c->n_findings; i++)
		if ((e = load_folder(c, &c->findings[i])) != SD_OK)
			snprintf(err, err_size, "%s: out of memory", dir);
	if (e == SD_OK && (e = report_load_stats(c)) != SD_OK)
		snprintf(err, err_size, "%s/stats: out of memory", dir);
	if (e == SD_OK && (e = collect_targets(c)) != SD_OK)
		snprintf(err, err_size, "%s: out of memory", dir);
	if (e != SD_OK) {
		report_free(c);
		return e;
	}
	summarise(c);
	return SD_OK;
}

void report_free(struct report_campaign *c)
{
	for (size_t i = 0; i < c->n_findings; i++) {
		struct report_finding *r = &c->findings[i];

		free_obs(r);
		free(r->folder);
		free(r->case_text);
		free(r->crash_head);
		strlist_free(&r->problems);
	}
	free(c->findings);
	for (size_t i = 0; i < c->n_series; i++) {
		free(c->series[i].target);
		free(c->series[i].engine);
		free(c->series[i].path);
		free(c->series[i].s);
	}
	free(c->series);
	strlist_free(&c->problems);
	strlist_free(&c->targets);
	memset(c, 0, sizeof(*c));
}

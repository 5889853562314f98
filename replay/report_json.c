/*
 * report_json.c — the report as one JSON object (oracle/json.h writer):
 *
 *   {"report":"sshdiff","format_version":1,
 *    "summary":{"dir","time_first","time_first_utc","time_last","time_last_utc",
 *               "targets":[..],"total_execs","new_since","new_since_utc",
 *               "findings":{"divergence":{"new","total"},"crash":{..},"all":{..}}},
 *    "problems":[STR,..],
 *    "findings":[{"id","kind","target","signature","new","first_seen",
 *                 "first_seen_utc","last_seen","last_seen_utc","count","versions",
 *                 "disagree":[{"verdict","backends":[..]}],"replay","folder",
 *                 "problems":[..],
 *                 divergences: "divergent_step","suppressed","backends":[{"name",
 *                   "version","outcome"}],"steps":[{"step","message","rule",
 *                   "verdicts":{NAME:STR}}] (null when observations.json is unusable),
 *                 crashes: "report_head","report_more_lines","input_size"},..],
 *    "stats":[{"target","engine","file","samples","runs","total_execs",
 *              "columns":[..],"points":[[..],..],"downsampled"},..]}
 *
 * Times are Unix seconds plus the same in UTC ISO 8601; execs/s is rounded
 * to an integer (the writer has no floating point, for stable output).  The
 * writer's buffer is bounded (SBUF_MAX), so each piece is written as its
 * own value and the pieces are joined here.
 */
#include "replay/report_model.h"

#include <stdlib.h>
#include <string.h>

#include "oracle/json.h"

#define MAX_POINTS 2000

static int64_t clamp_u64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static void key_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	if (s)
		json_string(j, s);
	else
		json_null(j);
}

static void key_time(struct json *j, const char *key, bool have, int64_t t)
{
	char iso[32], utc[48];

	snprintf(utc, sizeof(utc), "%s_utc", key);
	report_iso_time(t, iso);
	json_key(j, key);
	if (have)
		json_int(j, t);
	else
		json_null(j);
	key_str(j, utc, have ? iso : NULL);
}

static void strings(struct json *j, const struct strlist *l)
{
	json_array_begin(j);
	for (size_t i = 0; i < l->n; i++)
		json_string(j, l->v[i]);
	json_array_end(j);
}

/* Appends the finished piece to f; SD_ERR_LIMIT when it outgrew the buffer. */
static sd_err flush(FILE *f, struct json *j, struct sbuf *b)
{
	sd_err err = json_finish(j);

	if (err == SD_OK)
		fwrite(b->data, 1, b->len, f);
	sbuf_free(b);
	return err;
}

static void counts(struct json *j, const char *key, size_t new_count, size_t total)
{
	json_key(j, key);
	json_object_begin(j);
	json_key(j, "new");
	json_int(j, (int64_t)new_count);
	json_key(j, "total");
	json_int(j, (int64_t)total);
	json_object_end(j);
}

static sd_err summary(const struct report_campaign *c, FILE *f)
{
	struct sbuf b = SBUF_INIT;
	struct json j;

	json_init(&j, &b);
	json_object_begin(&j);
	key_str(&j, "dir", c->dir);
	key_time(&j, "time_first", c->have_time, c->t_first);
	key_time(&j, "time_last", c->have_time, c->t_last);
	json_key(&j, "targets");
	strings(&j, &c->targets);
	json_key(&j, "total_execs");
	json_int(&j, clamp_u64(c->total_execs));
	key_time(&j, "new_since", c->have_new_since, c->new_since);
	json_key(&j, "findings");
	json_object_begin(&j);
	counts(&j, "divergence", c->new_count[STORE_DIVERGENCE], c->total[STORE_DIVERGENCE]);
	counts(&j, "crash", c->new_count[STORE_CRASH], c->total[STORE_CRASH]);
	counts(&j, "all", c->new_count[0] + c->new_count[1], c->total[0] + c->total[1]);
	json_object_end(&j);
	json_object_end(&j);
	return flush(f, &j, &b);
}

static void group_json(void *ctx, const char *verdict, const char *names)
{
	struct json *j = ctx;

	json_object_begin(j);
	key_str(j, "verdict", verdict);
	json_key(j, "backends");
	json_array_begin(j);
	/* report_disagreement_groups joins the names with ", ". */
	for (const char *p = names; *p;) {
		const char *sep = strstr(p, ", ");
		size_t n = sep ? (size_t)(sep - p) : strlen(p);

		json_string_n(j, p, n);
		p = sep ? sep + 2 : p + n;
	}
	json_array_end(j);
	json_object_end(j);
}

static void observations(struct json *j, const struct report_finding *r)
{
	json_key(j, "divergent_step");
	if (r->have_obs && r->divergent_step >= 0)
		json_int(j, r->divergent_step);
	else
		json_null(j);
	key_str(j, "suppressed", r->suppressed);
	json_key(j, "backends");
	if (!r->have_obs) {
		json_null(j);
		json_key(j, "steps");
		json_null(j);
		return;
	}
	json_array_begin(j);
	for (size_t b = 0; b < r->n_backends; b++) {
		json_object_begin(j);
		key_str(j, "name", r->backends[b].name);
		key_str(j, "version", r->backends[b].version);
		key_str(j, "outcome", r->backends[b].outcome);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "steps");
	json_array_begin(j);
	for (size_t s = 0; s < r->n_steps; s++) {
		json_object_begin(j);
		json_key(j, "step");
		json_int(j, r->steps[s].step);
		key_str(j, "message", r->steps[s].message);
		key_str(j, "rule", r->steps[s].rule);
		json_key(j, "verdicts");
		json_object_begin(j);
		for (size_t b = 0; b < r->n_backends; b++)
			key_str(j, r->backends[b].name, r->steps[s].verdicts[b]);
		json_object_end(j);
		json_object_end(j);
	}
	json_array_end(j);
}

static void crash(struct json *j, const struct report_finding *r)
{
	key_str(j, "report_head", r->crash_head);
	json_key(j, "report_more_lines");
	json_int(j, (int64_t)r->crash_more_lines);
	json_key(j, "input_size");
	if (r->have_input)
		json_int(j, clamp_u64(r->input_size));
	else
		json_null(j);
}

/* The common part, which a finding too big for one piece still gets. */
static void finding_head(struct json *j, const struct report_campaign *c, const struct report_finding *r)
{
	char *replay = report_replay_command(c, r);

	key_str(j, "id", r->f.id);
	key_str(j, "kind", report_kind_name(r->f.kind));
	key_str(j, "target", r->f.target);
	key_str(j, "signature", r->f.signature);
	json_key(j, "new");
	json_bool(j, r->is_new);
	key_time(j, "first_seen", true, r->f.first_seen);
	key_time(j, "last_seen", true, r->f.last_seen);
	json_key(j, "count");
	json_int(j, clamp_u64(r->f.count));
	key_str(j, "versions", r->f.versions);
	json_key(j, "disagree");
	json_array_begin(j);
	report_disagreement_groups(r->f.signature, group_json, j);
	json_array_end(j);
	key_str(j, "replay", replay ? replay : "");
	key_str(j, "folder", r->folder);
	free(replay);
}

static sd_err finding(const struct report_campaign *c, const struct report_finding *r, FILE *f, bool whole)
{
	struct sbuf b = SBUF_INIT;
	struct json j;

	json_init(&j, &b);
	json_object_begin(&j);
	finding_head(&j, c, r);
	json_key(&j, "problems");
	if (whole) {
		strings(&j, &r->problems);
	} else {
		json_array_begin(&j);
		json_string(&j, "this finding's details are too large for the JSON report; see its folder");
		json_array_end(&j);
	}
	if (whole && r->f.kind == STORE_CRASH)
		crash(&j, r);
	else if (whole)
		observations(&j, r);
	json_object_end(&j);
	return flush(f, &j, &b);
}

static void point(struct json *j, const struct report_sample *s)
{
	json_array_begin(j);
	json_int(j, (int64_t)s->t);
	json_int(j, clamp_u64(s->execs));
	json_int(j, (int64_t)(s->execs_per_s + 0.5));
	json_int(j, clamp_u64(s->coverage));
	json_int(j, clamp_u64(s->corpus));
	json_int(j, clamp_u64(s->findings_new));
	json_int(j, clamp_u64(s->findings_total));
	json_array_end(j);
}

/* At most MAX_POINTS + 1 points: every stride-th sample and the last. */
static sd_err series(const struct report_series *s, FILE *f)
{
	static const char *const cols[] = {"time_s", "execs", "execs_per_s", "coverage",
					   "corpus", "findings_new", "findings_total"};
	size_t stride = s->n > MAX_POINTS ? (s->n + MAX_POINTS - 1) / MAX_POINTS : 1;
	struct sbuf b = SBUF_INIT;
	struct json j;

	json_init(&j, &b);
	json_object_begin(&j);
	key_str(&j, "target", s->target);
	key_str(&j, "engine", s->engine ? s->engine : "");
	key_str(&j, "file", s->path);
	json_key(&j, "samples");
	json_int(&j, (int64_t)s->n);
	json_key(&j, "runs");
	json_int(&j, s->runs);
	json_key(&j, "total_execs");
	json_int(&j, clamp_u64(s->total_execs));
	json_key(&j, "columns");
	json_array_begin(&j);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		json_string(&j, cols[i]);
	json_array_end(&j);
	json_key(&j, "points");
	json_array_begin(&j);
	for (size_t k = 0; k < s->n; k += stride)
		point(&j, &s->s[k]);
	if (s->n && (s->n - 1) % stride != 0)
		point(&j, &s->s[s->n - 1]);
	json_array_end(&j);
	json_key(&j, "downsampled");
	json_bool(&j, stride > 1);
	json_object_end(&j);
	return flush(f, &j, &b);
}

static sd_err problems(const struct report_campaign *c, FILE *f)
{
	struct sbuf b = SBUF_INIT;
	struct json j;

	json_init(&j, &b);
	strings(&j, &c->problems);
	return flush(f, &j, &b);
}

sd_err report_write_json(const struct report_campaign *c, FILE *f)
{
	sd_err err;

	fputs("{\"report\":\"sshdiff\",\"format_version\":1,\"summary\":", f);
	if ((err = summary(c, f)) != SD_OK)
		return err;
	fputs(",\"problems\":", f);
	if ((err = problems(c, f)) != SD_OK)
		return err;
	fputs(",\"findings\":[", f);
	for (size_t i = 0; i < c->n_findings; i++) {
		fputs(i ? "," : "", f);
		err = finding(c, &c->findings[i], f, true);
		if (err == SD_ERR_LIMIT)
			err = finding(c, &c->findings[i], f, false);
		if (err != SD_OK)
			return err;
	}
	fputs("],\"stats\":[", f);
	for (size_t i = 0; i < c->n_series; i++) {
		fputs(i ? "," : "", f);
		if ((err = series(&c->series[i], f)) != SD_OK)
			return err;
	}
	fputs("]}\n", f);
	return ferror(f) ? SD_ERR_NOMEM : SD_OK;
}

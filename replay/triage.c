/*
 * triage.c — fuzzer artifacts into findings (docs/fuzzing.md, "Triage").
 *
 * Each artifact is triaged once: its key (SHA-256 of the target's name, a
 * NUL and the content) is marked in the store after its finding is recorded, so a run killed in between triages it again on
 * resume (one more count, never a lost finding).
 *
 * The stateful target's artifacts are cases: decoded, replayed with every
 * backend in its own process (replay_run_backends, as `sshdiff replay`),
 * compared with the suppressions.  A divergence is stored under its
 * signature, minimised first when the signature is new.  A suppressed one
 * is nothing.  One that the separate processes do not reproduce is run
 * through the target binary again and stored as a crash whose signature
 * says what the target saw ("unreproduced divergence", a sanitizer crash
 * of the harness, or "not reproducible"; "engine build only" when only the
 * engine's own build, AFL++'s, still diverges: builds of other sources).
 *
 * Every other target's artifacts are raw inputs: the target binary runs
 * the file (sanitizers symbolized, time limit); a parser-divergence line is
 * the signature as is, a sanitizer report becomes "crash <target>|<type>|
 * <f1>|<f2>|<f3>" (sanitizer.c).  New signatures are minimised with
 * libFuzzer's -minimize_crash and kept only if the signature holds.
 */
#define _GNU_SOURCE
#include "replay/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "oracle/backend.h"
#include "oracle/case.h"
#include "oracle/compare.h"
#include "oracle/store.h"
#include "replay/replay.h"

#define ARTIFACT_MAX (16u << 20)
#define SETTLE_S 2          /* a file younger than this may still be written */
#define TARGET_RUN_SLACK_MS 30000u /* sanitizer start-up and symbolization */
#define CRASH_MIN_MS 10000  /* -minimize_crash budget per new crash, at most */

/* Paths already looked at in this run: each artifact is read once. */
static char **done_names;
static size_t n_done, cap_done;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool name_done(const char *name)
{
	return n_done && bsearch(&name, done_names, n_done, sizeof(*done_names), cmp_str) != NULL;
}

static void name_add(const char *name)
{
	char *copy;
	size_t at = 0;

	if (n_done == cap_done) {
		size_t cap = cap_done ? 2 * cap_done : 256;
		char **grown = realloc(done_names, cap * sizeof(*grown));

		if (!grown)
			return;
		done_names = grown;
		cap_done = cap;
	}
	if ((copy = strdup(name)) == NULL)
		return;
	while (at < n_done && strcmp(done_names[at], name) < 0)
		at++;
	memmove(done_names + at + 1, done_names + at, (n_done - at) * sizeof(*done_names));
	done_names[at] = copy;
	n_done++;
}

sd_err triage_replay(struct campaign *cp, const struct sshdiff_case *c, struct observations *obs, size_t *n,
		     struct comparison *cmp)
{
	static struct backend_result res[REPLAY_MAX_BACKENDS];
	struct replay_opts ro;
	sd_err err;

	memset(&ro, 0, sizeof(ro));
	for (size_t i = 0; backends[i] && i < REPLAY_MAX_BACKENDS; i++)
		ro.backends[ro.n_backends++] = backends[i];
	ro.timeout_ms = cp->o->timeout_ms;
	if ((err = replay_run_backends(c, &ro, res)) != SD_OK)
		return err;
	for (size_t b = 0; b < ro.n_backends; b++) {
		obs[b] = res[b].obs;
		sbuf_free(&res[b].trace);
	}
	*n = ro.n_backends;
	return compare_observations(c, obs, ro.n_backends, cp->sup, cmp);
}

/* Runs bin (an AFL++ build when afl: no libFuzzer flags) on one input. */
static sd_err run_binary(struct campaign *cp, struct target *t, const char *bin, bool afl, const char *input_path,
			 char **output, bool *timed_out)
{
	char out_path[PATH_MAX];
	struct cmd c;
	size_t len;
	int status = 0;
	sd_err err;

	*output = NULL;
	if ((size_t)snprintf(out_path, sizeof(out_path), "%s/triage.out", t->tmp) >= sizeof(out_path))
		return SD_ERR_LIMIT;
	unlink(out_path);
	memset(&c, 0, sizeof(c));
	cmd_add(&c, "%s", bin);
	if (!afl) {
		cmd_add(&c, "-timeout=%u", fuzz_timeout_s(cp->o));
		cmd_add(&c, "-rss_limit_mb=%d", FUZZ_RSS_LIMIT_MB);
	}
	cmd_add(&c, "%s", input_path);
	/* Symbolized stacks, leaks on, the report rather than a core. */
	cmd_sanitizer_env(&c, "symbolize=1:detect_leaks=1:abort_on_error=0:handle_abort=0",
			  "print_stacktrace=1:halt_on_error=1:symbolize=1");
	err = c.overflow ? SD_ERR_LIMIT
			 : proc_run(c.argv, c.env, out_path, cp->o->timeout_ms + TARGET_RUN_SLACK_MS, &status, timed_out);
	cmd_free(&c);
	if (err != SD_OK)
		return err;
	*output = (char *)fuzz_read_file(out_path, 1u << 20, &len);
	if (!*output)
		*output = strdup("");
	/* A crash without any report (no sanitizer in an AFL++ build): the
	 * signal is all there is. */
	if (*output && status > 128 && !strstr(*output, "ERROR: ") && !strstr(*output, "runtime error:")) {
		char *more = NULL;

		if (asprintf(&more, "%s\n==0==ERROR: libFuzzer: signal %d\n", *output, status - 128) >= 0) {
			free(*output);
			*output = more;
		}
	}
	return *output ? SD_OK : SD_ERR_NOMEM;
}

sd_err triage_run_target(struct campaign *cp, struct target *t, const char *input_path, char **output,
			 bool *timed_out)
{
	return run_binary(cp, t, t->triage_bin, t->triage_afl, input_path, output, timed_out);
}

static sd_err remember_result(struct campaign *cp, struct target *t, bool is_new, bool crash, const char *id,
			      const char *signature)
{
	sd_err err = SD_OK;

	if (!campaign_known(cp, signature))
		err = campaign_remember(cp, signature);
	if (is_new) {
		t->findings_new++;
		if (err == SD_OK)
			err = campaign_record_new(cp, t, id, crash, signature);
		fuzz_note(cp, "new finding %s (%s): %s", id, t->name, signature);
	}
	return err;
}

static sd_err store_crash(struct campaign *cp, struct target *t, const char *signature, const uint8_t *data,
			  size_t len, const char *report)
{
	char id[17];
	bool is_new;

	if (store_add_crash(cp->store, t->name, signature, data, len, report, (int64_t)time(NULL), &is_new, id) != SD_OK) {
		fuzz_note(cp, "finding store: %s", store_last_error(cp->store));
		return SD_ERR_INVALID_ARG;
	}
	return remember_result(cp, t, is_new, true, id, signature);
}

/* What the target itself says about an input: the signature. */
static void signature_of_run(const struct target *t, const char *output, bool timed_out, bool is_case,
			     char *sig, size_t size)
{
	struct crash_report r;

	crash_report_parse(output, &r);
	if (is_case && r.divergence[0])
		snprintf(sig, size, "crash %s|unreproduced divergence|%s", t->name, r.divergence);
	else if (r.parser_divergence[0])
		snprintf(sig, size, "%s", r.parser_divergence);
	else if (r.divergence[0])
		snprintf(sig, size, "%s", r.divergence);
	else if (r.type[0])
		crash_signature(t->name, &r, sig, size);
	else if (timed_out)
		snprintf(sig, size, "crash %s|timeout|-|-|-", t->name);
	else
		snprintf(sig, size, "crash %s|not reproducible|-|-|-", t->name);
}

static bool worth_minimising(const char *sig)
{
	return !strstr(sig, "|not reproducible|") && !strstr(sig, "|timeout|") && !strstr(sig, "|out-of-memory|");
}

/* A new raw crash: libFuzzer's minimiser, kept if the signature holds. */
static void try_minimise_crash(struct campaign *cp, struct target *t, const char *path, const char *sig,
			       uint8_t **data, size_t *len, char **output, int64_t deadline_ms)
{
	char min_path[PATH_MAX], min_sig[512];
	int64_t budget = cp->o->minimise_s * 1000;
	uint8_t *min_data;
	char *min_out = NULL;
	size_t min_len;
	bool timed_out;

	if (budget > CRASH_MIN_MS)
		budget = CRASH_MIN_MS;
	if (budget > deadline_ms - fuzz_now_ms())
		budget = deadline_ms - fuzz_now_ms();
	if (budget < 1000 || t->triage_afl || *len <= 1 || !worth_minimising(sig) ||
	    (size_t)snprintf(min_path, sizeof(min_path), "%s/minimised", t->tmp) >= sizeof(min_path))
		return;
	unlink(min_path);
	if (minimise_crash(cp, t, path, min_path, budget) != SD_OK ||
	    (min_data = fuzz_read_file(min_path, ARTIFACT_MAX, &min_len)) == NULL)
		return;
	if (min_len < *len && triage_run_target(cp, t, min_path, &min_out, &timed_out) == SD_OK) {
		signature_of_run(t, min_out, timed_out, false, min_sig, sizeof(min_sig));
		if (strcmp(min_sig, sig) == 0) {
			free(*data);
			free(*output);
			*data = min_data;
			*len = min_len;
			*output = min_out;
			return;
		}
	}
	free(min_out);
	free(min_data);
}

static sd_err triage_raw(struct campaign *cp, struct target *t, const char *path, uint8_t **data, size_t *len,
			 int64_t deadline_ms)
{
	char sig[512];
	char *output = NULL;
	bool timed_out = false;
	sd_err err;

	if ((err = triage_run_target(cp, t, path, &output, &timed_out)) != SD_OK) {
		fuzz_note(cp, "%s: cannot run %s on %s", t->name, t->triage_bin, path);
		return err;
	}
	signature_of_run(t, output, timed_out, false, sig, sizeof(sig));
	if (!campaign_known(cp, sig))
		try_minimise_crash(cp, t, path, sig, data, len, &output, deadline_ms);
	err = store_crash(cp, t, sig, *data, *len, output);
	free(output);
	return err;
}

static sd_err store_divergence(struct campaign *cp, struct target *t, const struct sshdiff_case *c,
			       const struct observations *obs, size_t n, const struct comparison *cmp)
{
	char id[17];
	bool is_new;

	if (store_add_from(cp->store, t->name, c, obs, n, cmp, (int64_t)time(NULL), &is_new, id) != SD_OK) {
		fuzz_note(cp, "finding store: %s", store_last_error(cp->store));
		return SD_ERR_INVALID_ARG;
	}
	return remember_result(cp, t, is_new, false, id, cmp->signature);
}

/* The signature of a case that the engine saved but neither sshdiff's
 * replay nor the triage build reproduces, when the engine's own build
 * (AFL++'s: another build) still diverges on it: the builds disagree,
 * most often because they are of different sources (one rebuilt, the
 * other not), else through their build options (-O2 -DNDEBUG against a
 * sanitizer build: undefined behaviour).  engine: what that build printed. */
static bool engine_only_signature(const struct target *t, const char *engine, char *sig, size_t size)
{
	struct crash_report r;

	crash_report_parse(engine, &r);
	if (!r.divergence[0])
		return false;
	snprintf(sig, size, "crash %s|engine build only|%s", t->name, r.divergence);
	return true;
}

/* "not reproducible" (sig): asks the engine's build, if it is another;
 * when it diverges, what it printed becomes the finding's report. */
static void engine_only_divergence(struct campaign *cp, struct target *t, const char *path, char *sig, size_t size,
				   char **report)
{
	char *output = NULL;
	bool timed_out = false;

	if (!strstr(sig, "|not reproducible|") || strcmp(t->bin, t->triage_bin) == 0 ||
	    run_binary(cp, t, t->bin, cp->o->engine == ENGINE_AFL, path, &output, &timed_out) != SD_OK)
		return;
	if (engine_only_signature(t, output, sig, size)) {
		fuzz_note(cp, "%s: %s diverges on %s, sshdiff and %s do not: are they built from the same sources?",
			  t->name, t->bin, path, t->triage_bin);
		free(*report);
		*report = output;
		return;
	}
	free(output);
}

static sd_err triage_case(struct campaign *cp, struct target *t, const char *path, const uint8_t *data, size_t len,
			  int64_t deadline_ms)
{
	static struct sshdiff_case c, min;
	static struct observations obs[REPLAY_MAX_BACKENDS], min_obs[REPLAY_MAX_BACKENDS];
	struct comparison cmp, min_cmp;
	char sig[512];
	char *output = NULL;
	size_t n = 0, min_n = 0;
	bool timed_out = false;
	unsigned trials = 0;
	sd_err err;

	case_decode(data, len, &c);
	if ((err = triage_replay(cp, &c, obs, &n, &cmp)) != SD_OK) {
		fuzz_note(cp, "%s: cannot replay %s (%s)", t->name, path, sd_err_rule(err));
		return err;
	}
	if (cmp.divergent) {
		if (campaign_known(cp, cmp.signature) || cp->o->minimise_s <= 0)
			return store_divergence(cp, t, &c, obs, n, &cmp);
		min = c;
		if (deadline_ms > fuzz_now_ms() + cp->o->minimise_s * 1000)
			deadline_ms = fuzz_now_ms() + cp->o->minimise_s * 1000;
		minimise_case(cp, &min, cmp.signature, cmp.step, deadline_ms, &trials);
		/* The minimised case's own observations go into the folder. */
		if (!case_equal(&min, &c) && triage_replay(cp, &min, min_obs, &min_n, &min_cmp) == SD_OK &&
		    min_cmp.divergent && strcmp(min_cmp.signature, cmp.signature) == 0)
			return store_divergence(cp, t, &min, min_obs, min_n, &min_cmp);
		return store_divergence(cp, t, &c, obs, n, &cmp);
	}
	if (cmp.suppressed)
		return SD_OK; /* an allowed difference the target did not know */
	/* Separate processes agree: what did the target see? */
	if ((err = triage_run_target(cp, t, path, &output, &timed_out)) != SD_OK) {
		fuzz_note(cp, "%s: cannot run %s on %s", t->name, t->triage_bin, path);
		return err;
	}
	signature_of_run(t, output, timed_out, true, sig, sizeof(sig));
	engine_only_divergence(cp, t, path, sig, sizeof(sig), &output);
	err = store_crash(cp, t, sig, data, len, output);
	free(output);
	return err;
}

/* The artifact's key in the store: SHA-256 of the target's name, a NUL
 * and the content, so that one input failing two targets is triaged for
 * each. */
static sd_err artifact_key(const char *target, const uint8_t *data, size_t len, uint8_t md[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned md_len = 0;
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
		  EVP_DigestUpdate(ctx, target, strlen(target) + 1) == 1 && EVP_DigestUpdate(ctx, data, len) == 1 &&
		  EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 32;

	EVP_MD_CTX_free(ctx);
	return ok ? SD_OK : SD_ERR_INTERNAL;
}

/* The artifact at path read (*data, to free; NULL when it is gone: the
 * engine renamed it), its key, and whether the store has it marked. */
static sd_err artifact_lookup(struct campaign *cp, const struct target *t, const char *path, uint8_t **data,
			      size_t *len, uint8_t md[32], bool *seen)
{
	*seen = false;
	if ((*data = fuzz_read_file(path, ARTIFACT_MAX, len)) == NULL)
		return SD_OK;
	if (artifact_key(t->name, *data, *len, md) != SD_OK)
		return SD_ERR_INTERNAL;
	if (store_artifact_seen(cp->store, md, seen) != SD_OK)
		return SD_ERR_INVALID_ARG;
	return SD_OK;
}

static sd_err triage_one(struct campaign *cp, struct target *t, const char *path, int64_t deadline_ms)
{
	uint8_t md[32];
	uint8_t *data;
	size_t len;
	bool seen;
	sd_err err = artifact_lookup(cp, t, path, &data, &len, md, &seen);

	if (err == SD_ERR_INVALID_ARG)
		fuzz_note(cp, "finding store: %s", store_last_error(cp->store));
	if (err == SD_OK && data && !seen) {
		err = t->is_case ? triage_case(cp, t, path, data, len, deadline_ms) : triage_raw(cp, t, path, &data, &len, deadline_ms);
		if (err == SD_OK && store_artifact_mark(cp->store, md, t->name, (int64_t)time(NULL)) != SD_OK) {
			fuzz_note(cp, "finding store: %s", store_last_error(cp->store));
			err = SD_ERR_INVALID_ARG;
		}
	}
	free(data);
	return err;
}

/* Whether the store has the artifact at path marked (or it is gone): what
 * is left for the next run is only what it does not have. */
static bool artifact_triaged(struct campaign *cp, const struct target *t, const char *path)
{
	uint8_t md[32];
	uint8_t *data;
	size_t len;
	bool seen;
	bool done = artifact_lookup(cp, t, path, &data, &len, md, &seen) == SD_OK && (!data || seen);

	free(data);
	return done;
}

/* Engine files that are not findings. */
static bool is_artifact_name(const char *name)
{
	return name[0] != '.' && strncmp(name, "slow-unit-", 10) != 0;
}

sd_err triage_artifacts(struct campaign *cp, struct target *t, bool final, int64_t deadline_ms)
{
	struct dirent **list = NULL;
	time_t now = time(NULL);
	int n = scandir(t->artifacts, &list, NULL, alphasort);
	sd_err err = SD_OK;

	if (n < 0)
		return SD_OK;
	t->untriaged = 0;
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;
		const char *name = list[i]->d_name;

		if (err != SD_OK || !is_artifact_name(name) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", t->artifacts, name) >= sizeof(path) ||
		    name_done(path) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (!final && now - st.st_mtime < SETTLE_S)
			continue;
		if (fuzz_stop_requested() || fuzz_now_ms() >= deadline_ms) {
			/* A resumed run reads again every artifact of the runs
			 * before (cheap: read, hash, look up); those the store
			 * has are not left over. */
			if (artifact_triaged(cp, t, path))
				name_add(path);
			else
				t->untriaged++;
			continue;
		}
		if ((err = triage_one(cp, t, path, deadline_ms)) == SD_OK)
			name_add(path);
		fuzz_tick();
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return err;
}

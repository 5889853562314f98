/*
 * fuzz_afl.c — AFL++ as the engine (docs/fuzzing.md, "Campaigns"): one -M
 * main instance (with the CMPLOG binary, -c) and JOBS-1 -S secondaries
 * sharing DIR/afl/T; "-i -" resumes an instance whose folder exists.
 * Progress comes from each instance's fuzzer_stats; crashes and hangs are
 * copied into DIR/artifacts/T (crash-<sha256>, timeout-<sha256>) so that
 * triage reads one folder whatever the engine; at the end of a slot the
 * main queue joins DIR/corpus/T.
 */
#define _GNU_SOURCE
#include "replay/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "oracle/fsutil.h"

#define AFL_SEED_MAX (1u << 20) /* afl-fuzz refuses bigger seeds */

static int copy_file(const char *from, const char *dir, const char *name, size_t max)
{
	uint8_t *buf;
	size_t len;
	FILE *f = fopen(from, "rb");
	int ok = -1;

	if (!f)
		return -1;
	buf = malloc(max);
	if (buf) {
		len = fread(buf, 1, max, f);
		if (!ferror(f) && feof(f) && fs_write_atomic(dir, name, buf, len) == SD_OK)
			ok = 0;
		free(buf);
	}
	fclose(f);
	return ok;
}

/* Every regular file of from into to (names kept), files up to max bytes. */
static size_t copy_dir_files(const char *from, const char *to, size_t max)
{
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir(from);

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", from, e->d_name) >= sizeof(path) ||
		    stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max)
			continue;
		if (copy_file(path, to, e->d_name, max) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* A new instance's input: the corpus kept so far and the seeds. */
static sd_err afl_input(struct target *t, char *in, size_t size)
{
	if ((size_t)snprintf(in, size, "%s/afl-in", t->tmp) >= size || fs_mkdir_p(in) != SD_OK)
		return SD_ERR_INVALID_ARG;
	if (copy_dir_files(t->corpus, in, AFL_SEED_MAX) + (t->seeds[0] ? copy_dir_files(t->seeds, in, AFL_SEED_MAX) : 0) ==
	    0)
		return fs_write_atomic(in, "empty", (const uint8_t *)"\n", 1);
	return SD_OK;
}

/* afl-fuzz refuses to start when the environment it inherits (and hands
 * to the target) has ASAN_OPTIONS without abort_on_error=1 and
 * symbolize=0, LSAN_OPTIONS without symbolize=0, or MSAN_OPTIONS without
 * exit_code=86 and symbolize=0 ("please fix!"): an sshdiff run under the
 * test preset's ASAN_OPTIONS would start no instance at all.  Ours come
 * after the user's (the last one wins), only for those that are set. */
static void afl_sanitizer_env(struct cmd *c)
{
	static const char *const vars[][2] = {
		{"ASAN_OPTIONS", "abort_on_error=1:symbolize=0"},
		{"LSAN_OPTIONS", "symbolize=0"},
		{"MSAN_OPTIONS", "exit_code=86:symbolize=0"},
	};
	char buf[2048];

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *cur = getenv(vars[i][0]);

		if (!cur || !*cur)
			continue;
		snprintf(buf, sizeof(buf), "%s:%s", cur, vars[i][1]);
		cmd_env(c, vars[i][0], buf);
	}
}

/* An instance folder afl-fuzz can resume ("-i -"): its queue/, or the
 * _resume/ it moves the queue to while it imports it again (a kill in
 * between leaves only that, and afl-fuzz then reads it). */
static bool afl_can_resume(const struct target *t, const char *inst)
{
	char path[PATH_MAX];

	return ((size_t)snprintf(path, sizeof(path), "%s/%s/queue", t->afl_out, inst) < sizeof(path) &&
		fuzz_dir_exists(path)) ||
	       ((size_t)snprintf(path, sizeof(path), "%s/%s/_resume", t->afl_out, inst) < sizeof(path) &&
		fuzz_dir_exists(path));
}

static sd_err afl_start_instance(struct campaign *cp, struct target *t, int64_t fuzz_s, unsigned idx,
				 const char *in, const char *mutator)
{
	const struct fuzz_opts *o = cp->o;
	char name[16];
	struct cmd c;
	sd_err err;

	snprintf(name, sizeof(name), idx == 0 ? "main" : "s%u", idx);
	memset(&c, 0, sizeof(c));
	cmd_add(&c, "/usr/bin/env");
	cmd_add(&c, "afl-fuzz");
	cmd_add(&c, "-i");
	cmd_add(&c, "%s", afl_can_resume(t, name) ? "-" : in);
	cmd_add(&c, "-o");
	cmd_add(&c, "%s", t->afl_out);
	cmd_add(&c, idx == 0 ? "-M" : "-S");
	cmd_add(&c, "%s", name);
	if (idx == 0 && t->cmplog_bin[0]) {
		cmd_add(&c, "-c");
		cmd_add(&c, "%s", t->cmplog_bin);
	}
	if (t->dict[0]) {
		cmd_add(&c, "-x");
		cmd_add(&c, "%s", t->dict);
	}
	cmd_add(&c, "-t");
	cmd_add(&c, "%u", o->timeout_ms);
	cmd_add(&c, "-m");
	cmd_add(&c, "none");
	cmd_add(&c, "-V");
	cmd_add(&c, "%lld", (long long)fuzz_s);
	cmd_add(&c, "--");
	cmd_add(&c, "%s", t->bin);
	cmd_env(&c, "AFL_NO_UI", "1");
	cmd_env(&c, "AFL_SKIP_CPUFREQ", "1");
	cmd_env(&c, "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1");
	cmd_env(&c, "AFL_NO_AFFINITY", "1");
	cmd_env(&c, "AFL_SKIP_CRASHES", "1");
	if (mutator[0])
		cmd_env(&c, "AFL_CUSTOM_MUTATOR_LIBRARY", mutator);
	afl_sanitizer_env(&c);
	err = engine_spawn(cp, t, &c);
	cmd_free(&c);
	return err;
}

sd_err afl_start(struct campaign *cp, struct target *t, int64_t fuzz_s)
{
	char in[PATH_MAX], mutator[PATH_MAX] = "", secondaries[32];
	sd_err err;

	if (fs_mkdir_p(t->afl_out) != SD_OK || (err = afl_input(t, in, sizeof(in))) != SD_OK) {
		fuzz_note(cp, "%s: cannot prepare %s: %s", t->name, t->afl_out, strerror(errno));
		return SD_ERR_INVALID_ARG;
	}
	/* The case-level mutator for the stateful target, when built. */
	if (t->is_case && ((size_t)snprintf(mutator, sizeof(mutator), "%s/libsshdiff_afl_mutator.so",
					    cp->o->targets_dir) >= sizeof(mutator) ||
			   access(mutator, R_OK) != 0))
		mutator[0] = '\0';
	/* Which engine, binaries and folder: what a user checks first when
	 * a slot finds nothing. */
	if (cp->o->jobs > 2)
		snprintf(secondaries, sizeof(secondaries), ", -S s1 to s%u", cp->o->jobs - 1);
	else
		snprintf(secondaries, sizeof(secondaries), "%s", cp->o->jobs == 2 ? ", -S s1" : "");
	fuzz_note(cp, "%s: AFL++ afl-fuzz -M main%s, %s %s%s%s", t->name, secondaries,
		  afl_can_resume(t, "main") ? "resuming" : "new in", t->afl_out, mutator[0] ? ", custom mutator " : "",
		  mutator);
	if (t->cmplog_bin[0])
		fuzz_note(cp, "%s: CMPLOG binary %s", t->name, t->cmplog_bin);
	else
		fuzz_note(cp, "%s: no CMPLOG binary (build the afl-cmplog preset or give --cmplog-dir)", t->name);
	for (unsigned i = 0; i < cp->o->jobs; i++)
		if ((err = afl_start_instance(cp, t, fuzz_s, i, in, mutator)) != SD_OK)
			return err;
	return SD_OK;
}

/* AFL++ without its UI says "Fuzzing test case #61 (70 total, 0 crashes
 * saved, ...)" as it goes, while fuzzer_stats waits a minute: the corpus
 * size until then. */
void afl_line(struct target *t, const char *line)
{
	unsigned long long cur, total, crashes;
	const char *p = strstr(line, "Fuzzing test case #");

	if (!p || sscanf(p, "Fuzzing test case #%llu (%llu total, %llu crashes saved", &cur, &total, &crashes) != 3)
		return;
	t->st.valid = true;
	if (total > t->st.corpus)
		t->st.corpus = total;
	if (crashes > t->st.crashes)
		t->st.crashes = crashes;
}

/* One fuzzer_stats value ("key : value" lines). */
static bool stats_value(const char *text, const char *key, double *v)
{
	const char *p = text;
	size_t n = strlen(key);

	while ((p = strstr(p, key)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == ' ' || p[n] == ':')) {
			p += n;
			while (*p == ' ' || *p == ':')
				p++;
			*v = strtod(p, NULL);
			return true;
		}
		p += n;
	}
	return false;
}

/* Sums over the instances: execs, execs/s; the largest corpus and edge
 * count (instances share their finds). */
static void afl_stats(struct target *t)
{
	struct engine_stats st = {.valid = false};
	char path[PATH_MAX], text[8192];
	struct dirent *e;
	DIR *d = opendir(t->afl_out);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		double v;
		size_t len;
		FILE *f;

		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s/fuzzer_stats", t->afl_out, e->d_name) >= sizeof(path) ||
		    (f = fopen(path, "r")) == NULL)
			continue;
		len = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[len] = '\0';
		st.valid = true;
		if (stats_value(text, "execs_done", &v))
			st.execs += (uint64_t)v;
		/* The first file, written after calibration, has a rate over a
		 * moment (hundreds of thousands, or inf): only a real one counts. */
		if (stats_value(text, "run_time", &v) && v >= 10 && stats_value(text, "execs_per_sec", &v) && isfinite(v))
			st.execs_per_s += v;
		if (stats_value(text, "corpus_count", &v) && (uint64_t)v > st.corpus)
			st.corpus = (uint64_t)v;
		if (stats_value(text, "edges_found", &v) && (uint64_t)v > st.coverage)
			st.coverage = (uint64_t)v;
		if (stats_value(text, "saved_crashes", &v) || stats_value(text, "unique_crashes", &v))
			st.crashes += (uint64_t)v;
		if (stats_value(text, "saved_hangs", &v) || stats_value(text, "unique_hangs", &v))
			st.crashes += (uint64_t)v;
	}
	closedir(d);
	/* The log may know a bigger corpus (stats are a minute behind). */
	if (st.valid) {
		if (t->st.corpus > st.corpus)
			st.corpus = t->st.corpus;
		t->st = st;
	}
}

static void sha256_hex(const uint8_t *data, size_t len, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t md[32];
	unsigned n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

/* Files of from into to as <prefix><sha256>, unless there already. */
static void afl_collect_by_hash(const char *from, const char *to, const char *prefix)
{
	struct dirent *e;
	DIR *d = opendir(from);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX], name[128], dest[PATH_MAX], hex[65];
		uint8_t *data;
		size_t len = 0;

		if (strncmp(e->d_name, "id:", 3) != 0 ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", from, e->d_name) >= sizeof(path) ||
		    (data = fuzz_read_file(path, 16u << 20, &len)) == NULL)
			continue;
		sha256_hex(data, len, hex);
		snprintf(name, sizeof(name), "%s%s", prefix, hex);
		if ((size_t)snprintf(dest, sizeof(dest), "%s/%s", to, name) < sizeof(dest) && access(dest, F_OK) != 0)
			fs_write_atomic(to, name, data, len);
		free(data);
	}
	closedir(d);
}

/* One instance's crashes/ and hangs/, and the backups an in-place resume
 * makes of them (crashes.<date>, hangs.<date>): what it saved after our
 * last look, before a kill, is only there once it resumes. */
static void afl_collect_instance(struct target *t, const char *inst)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", t->afl_out, inst) >= sizeof(dir) || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		const char *prefix;

		if (strcmp(e->d_name, "crashes") == 0 || strncmp(e->d_name, "crashes.", 8) == 0)
			prefix = "crash-";
		else if (strcmp(e->d_name, "hangs") == 0 || strncmp(e->d_name, "hangs.", 6) == 0)
			prefix = "timeout-";
		else
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < sizeof(path))
			afl_collect_by_hash(path, t->artifacts, prefix);
	}
	closedir(d);
}

static void afl_collect(struct target *t)
{
	struct dirent *e;
	DIR *d = opendir(t->afl_out);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			afl_collect_instance(t, e->d_name);
	closedir(d);
}

/* AFL++'s queue (main instance) joins the corpus, one file per content, so
 * that a libFuzzer run (or the next AFL++ instance) starts from it. */
sd_err afl_merge(struct campaign *cp, struct target *t)
{
	char queue[PATH_MAX];
	size_t before = fuzz_count_files(t->corpus);

	if ((size_t)snprintf(queue, sizeof(queue), "%s/main/queue", t->afl_out) >= sizeof(queue))
		return SD_ERR_LIMIT;
	afl_collect_by_hash(queue, t->corpus, "");
	fuzz_note(cp, "%s: corpus %zu -> %zu files from the AFL++ queue", t->name, before, fuzz_count_files(t->corpus));
	return SD_OK;
}

void afl_poll(struct target *t)
{
	afl_stats(t);
	afl_collect(t);
}

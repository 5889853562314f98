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

static sd_err afl_start_instance(struct campaign *cp, struct target *t, int64_t fuzz_s, unsigned idx,
				 const char *in)
{
	const struct fuzz_opts *o = cp->o;
	char name[16], inst_dir[PATH_MAX], mutator[PATH_MAX];
	struct cmd c;
	sd_err err;

	snprintf(name, sizeof(name), idx == 0 ? "main" : "s%u", idx);
	snprintf(inst_dir, sizeof(inst_dir), "%s/%s/queue", t->afl_out, name);
	memset(&c, 0, sizeof(c));
	cmd_add(&c, "/usr/bin/env");
	cmd_add(&c, "afl-fuzz");
	cmd_add(&c, "-i");
	cmd_add(&c, "%s", fuzz_dir_exists(inst_dir) ? "-" : in);
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
	/* The case-level mutator for the stateful target, when built. */
	if (t->is_case && (size_t)snprintf(mutator, sizeof(mutator), "%s/libsshdiff_afl_mutator.so", o->targets_dir) <
				  sizeof(mutator) &&
	    access(mutator, R_OK) == 0)
		cmd_env(&c, "AFL_CUSTOM_MUTATOR_LIBRARY", mutator);
	err = engine_spawn(cp, t, &c);
	cmd_free(&c);
	return err;
}

sd_err afl_start(struct campaign *cp, struct target *t, int64_t fuzz_s)
{
	char in[PATH_MAX];
	sd_err err;

	if (fs_mkdir_p(t->afl_out) != SD_OK || (err = afl_input(t, in, sizeof(in))) != SD_OK) {
		fuzz_note(cp, "%s: cannot prepare %s: %s", t->name, t->afl_out, strerror(errno));
		return SD_ERR_INVALID_ARG;
	}
	if (!t->cmplog_bin[0])
		fuzz_note(cp, "%s: no CMPLOG binary (build the afl-cmplog preset or give --cmplog-dir)", t->name);
	for (unsigned i = 0; i < cp->o->jobs; i++)
		if ((err = afl_start_instance(cp, t, fuzz_s, i, in)) != SD_OK)
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

static void afl_collect(struct target *t)
{
	struct dirent *e;
	DIR *d = opendir(t->afl_out);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s/crashes", t->afl_out, e->d_name) < sizeof(path))
			afl_collect_by_hash(path, t->artifacts, "crash-");
		if ((size_t)snprintf(path, sizeof(path), "%s/%s/hangs", t->afl_out, e->d_name) < sizeof(path))
			afl_collect_by_hash(path, t->artifacts, "timeout-");
	}
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

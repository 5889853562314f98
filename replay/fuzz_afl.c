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
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "oracle/fsutil.h"

#define AFL_SEED_MAX (1u << 20) /* afl-fuzz refuses bigger seeds */

/* When this slot started afl-fuzz, on the clock of file times. */
static struct timespec afl_started;

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

	/* Files older than this are a previous run's (afl_stats). */
	clock_gettime(CLOCK_REALTIME, &afl_started);
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
 * size until then.  Before that, "Attempting dry run with 'id:000411,...'"
 * for each entry it imports (a resume's first minutes, which a big queue
 * takes): entries imported so far, nothing executed yet in this run. */
void afl_line(struct target *t, const char *line)
{
	unsigned long long cur, total, crashes, id;
	const char *p = strstr(line, "Fuzzing test case #");

	if (p && sscanf(p, "Fuzzing test case #%llu (%llu total, %llu crashes saved", &cur, &total, &crashes) == 3) {
		t->st.valid = true;
		if (total > t->st.corpus)
			t->st.corpus = total;
		if (crashes > t->st.crashes)
			t->st.crashes = crashes;
	} else if ((p = strstr(line, "Attempting dry run with 'id:")) != NULL &&
		   sscanf(p, "Attempting dry run with 'id:%llu", &id) == 1) {
		t->st.valid = true;
		if (id + 1 > t->st.corpus)
			t->st.corpus = id + 1;
	}
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

/* One column of a plot_data line, found by its name in the header line
 * ("# relative_time, cycles_done, ...": the columns differ between AFL++
 * versions). */
static bool plot_value(const char *header, const char *line, const char *name, double *v)
{
	const char *p = header + (header[0] == '#');
	size_t col = 0, len = strlen(name);
	char *end;

	for (;;) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, ",\n");
		if (n == len && strncmp(p, name, len) == 0)
			break;
		if (p[n] != ',')
			return false;
		p += n + 1;
		col++;
	}
	for (p = line; col > 0; col--)
		if ((p = strchr(p, ',')) == NULL)
			return false;
		else
			p++;
	*v = strtod(p, &end);
	return end != p && isfinite(*v);
}

/*
 * What one instance's files say.  written_s: when its fuzzer_stats was
 * written, in seconds after this slot started afl-fuzz; negative, it is a
 * previous run's, which a resumed afl-fuzz rewrites only once it has
 * imported its queue again (minutes for a big one): ignored, or the
 * progress would repeat the old run.  plot_header / plot_line: the first
 * and last lines of its plot_data when written in this run, else NULL.
 *
 * afl-fuzz writes fuzzer_stats once after its calibration (run_time 0, a
 * rate over a moment: thousands, or inf) and then once a minute; plot_data
 * every 5 s, but only after the first minute.  The rate is AFL's
 * (execs_done over run_time, so also after a resume) once run_time is 10 s;
 * before that, execs over the time since the start: a slot shorter than a
 * minute gets a rate, not 0.  The newer plot_data line gives the newer
 * execs and their rate the same way.  false if there is nothing of this
 * run.
 */
static bool afl_instance_stats(const char *stats, double written_s, const char *plot_header, const char *plot_line,
			       struct engine_stats *st)
{
	double v, run_time = 0, rate = NAN;

	memset(st, 0, sizeof(*st));
	if (written_s < 0)
		return false;
	st->valid = true;
	if (stats_value(stats, "execs_done", &v) && v > 0)
		st->execs = (uint64_t)v;
	if (stats_value(stats, "run_time", &run_time) && run_time >= 10 && stats_value(stats, "execs_per_sec", &v) &&
	    isfinite(v) && v > 0)
		rate = v;
	if (stats_value(stats, "corpus_count", &v) && v > 0)
		st->corpus = (uint64_t)v;
	if (stats_value(stats, "edges_found", &v) && v > 0)
		st->coverage = (uint64_t)v;
	if ((stats_value(stats, "saved_crashes", &v) || stats_value(stats, "unique_crashes", &v)) && v > 0)
		st->crashes += (uint64_t)v;
	if ((stats_value(stats, "saved_hangs", &v) || stats_value(stats, "unique_hangs", &v)) && v > 0)
		st->crashes += (uint64_t)v;
	if (plot_header && plot_line && plot_value(plot_header, plot_line, "total_execs", &v) && v > (double)st->execs) {
		double t;

		st->execs = (uint64_t)v;
		if (plot_value(plot_header, plot_line, "relative_time", &t) && t >= 10)
			rate = v / t;
		if (plot_value(plot_header, plot_line, "corpus_count", &v) && v > (double)st->corpus)
			st->corpus = (uint64_t)v;
		if (plot_value(plot_header, plot_line, "edges_found", &v) && v > (double)st->coverage)
			st->coverage = (uint64_t)v;
	}
	if (!isfinite(rate) && st->execs > 0)
		rate = (double)st->execs / (written_s > 1 ? written_s : 1);
	st->execs_per_s = isfinite(rate) ? rate : 0;
	return true;
}

/* A file's modification time in seconds after afl_started (negative:
 * before it); false if it is not there.  The kernel stamps files with a
 * coarse clock up to a tick behind clock_gettime(): a tenth of a second
 * of slack. */
static bool written_since_start(const char *path, double *s)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	*s = (double)(st.st_mtim.tv_sec - afl_started.tv_sec) +
	     (double)(st.st_mtim.tv_nsec - afl_started.tv_nsec) / 1e9 + 0.1;
	return true;
}

/* plot_data's header and last whole line, if it has a data line. */
static bool plot_lines(const char *path, char *header, size_t header_size, char *line, size_t line_size)
{
	char buf[4096];
	size_t n;
	long size;
	char *end, *start;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	if (!fgets(header, (int)header_size, f) || header[0] != '#' || fseek(f, 0, SEEK_END) != 0 ||
	    (size = ftell(f)) < 0 || fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0, SEEK_SET) != 0) {
		fclose(f);
		return false;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The last line that ends (afl-fuzz may be writing the next). */
	if ((end = strrchr(buf, '\n')) == NULL)
		return false;
	*end = '\0';
	start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	if (start[0] == '#' || start[0] == '\0' || (size_t)(end - start) >= line_size)
		return false;
	memcpy(line, start, (size_t)(end - start) + 1);
	return true;
}

/* Sums over the instances: execs, execs/s; the largest corpus and edge
 * count (instances share their finds). */
static void afl_stats(struct target *t)
{
	struct engine_stats st = {.valid = false};
	char path[PATH_MAX], text[8192], header[1024], line[1024];
	struct dirent *e;
	DIR *d = opendir(t->afl_out);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		struct engine_stats one;
		double written_s, plot_s;
		bool plot;
		size_t len;
		FILE *f;

		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s/fuzzer_stats", t->afl_out, e->d_name) >= sizeof(path) ||
		    !written_since_start(path, &written_s) || (f = fopen(path, "r")) == NULL)
			continue;
		len = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[len] = '\0';
		plot = (size_t)snprintf(path, sizeof(path), "%s/%s/plot_data", t->afl_out, e->d_name) < sizeof(path) &&
		       written_since_start(path, &plot_s) && plot_s >= 0 &&
		       plot_lines(path, header, sizeof(header), line, sizeof(line));
		if (!afl_instance_stats(text, written_s, plot ? header : NULL, plot ? line : NULL, &one))
			continue;
		st.valid = true;
		st.execs += one.execs;
		st.execs_per_s += one.execs_per_s;
		st.crashes += one.crashes;
		if (one.corpus > st.corpus)
			st.corpus = one.corpus;
		if (one.coverage > st.coverage)
			st.coverage = one.coverage;
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

/* The AFL++ crash and hang files this run has copied, by path, sorted: at
 * every poll (each second) only the new ones are read, not the thousands a
 * long campaign gathers.  (A resume moves them to crashes.<date>/: read
 * once more there, and found already copied.) */
static char **collected;
static size_t n_collected, cap_collected;

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool collected_has(const char *path)
{
	return n_collected && bsearch(&path, collected, n_collected, sizeof(*collected), cmp_path) != NULL;
}

static void collected_add(const char *path)
{
	size_t lo = 0, hi = n_collected;
	char *copy;

	if (n_collected == cap_collected) {
		size_t cap = cap_collected ? 2 * cap_collected : 256;
		char **grown = realloc(collected, cap * sizeof(*grown));

		if (!grown)
			return; /* read again next time: slower, nothing lost */
		collected = grown;
		cap_collected = cap;
	}
	if ((copy = strdup(path)) == NULL)
		return;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(collected[mid], path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(collected + lo + 1, collected + lo, (n_collected - lo) * sizeof(*collected));
	collected[lo] = copy;
	n_collected++;
}

/* AFL++ creates a crash file, then writes it: one younger than a second
 * may be incomplete while afl-fuzz runs (its hash would name a case that
 * was never found). */
#define AFL_SETTLE_NS 1000000000LL

static bool afl_file_settled(const char *path)
{
	struct stat st;
	struct timespec now;

	if (stat(path, &st) != 0 || clock_gettime(CLOCK_REALTIME, &now) != 0)
		return false;
	return (int64_t)(now.tv_sec - st.st_mtim.tv_sec) * 1000000000LL + (now.tv_nsec - st.st_mtim.tv_nsec) >=
	       AFL_SETTLE_NS;
}

/* AFL++'s id:* files of from into to as <prefix><sha256>, unless there
 * already.  live: afl-fuzz may still be writing in from (only settled
 * files, each remembered once copied). */
static void afl_collect_by_hash(const char *from, const char *to, const char *prefix, bool live)
{
	struct dirent *e;
	DIR *d = opendir(from);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX], name[128], dest[PATH_MAX], hex[65];
		uint8_t *data;
		size_t len = 0;
		bool have;

		if (strncmp(e->d_name, "id:", 3) != 0 ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", from, e->d_name) >= sizeof(path) ||
		    (live && (collected_has(path) || !afl_file_settled(path))) ||
		    (data = fuzz_read_file(path, 16u << 20, &len)) == NULL)
			continue;
		sha256_hex(data, len, hex);
		snprintf(name, sizeof(name), "%s%s", prefix, hex);
		have = (size_t)snprintf(dest, sizeof(dest), "%s/%s", to, name) < sizeof(dest) && access(dest, F_OK) == 0;
		if (!have)
			have = fs_write_atomic(to, name, data, len) == SD_OK;
		if (have && live)
			collected_add(path);
		free(data);
	}
	closedir(d);
}

/* One instance's crashes/ and hangs/, and the backups an in-place resume
 * makes of them (crashes.<date>, hangs.<date>): what it saved after our
 * last look, before a kill, is only there once it resumes. */
static void afl_collect_instance(struct target *t, const char *inst, bool live)
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
			afl_collect_by_hash(path, t->artifacts, prefix, live);
	}
	closedir(d);
}

static void afl_collect(struct target *t, bool live)
{
	struct dirent *e;
	DIR *d = opendir(t->afl_out);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			afl_collect_instance(t, e->d_name, live);
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
	afl_collect_by_hash(queue, t->corpus, "", false);
	fuzz_note(cp, "%s: corpus %zu -> %zu files from the AFL++ queue", t->name, before, fuzz_count_files(t->corpus));
	return SD_OK;
}

void afl_poll(struct target *t)
{
	bool live = false;

	for (size_t i = 0; i < t->n_procs; i++)
		live |= t->procs[i].running;
	afl_stats(t);
	afl_collect(t, live);
}

/*
 * fuzz_libfuzzer.c — libFuzzer as the engine (docs/fuzzing.md,
 * "Campaigns"): one process, -fork=JOBS, which survives its jobs' crashes
 * (-ignore_crashes/timeouts/ooms) and writes each failing input under
 * -artifact_prefix; new units go to the first corpus folder (DIR/corpus/T),
 * the seeds are only read.  Its status lines ("#N: cov: X ft: Y corp: Z
 * exec/s E oom/timeout/crash: a/b/c time: Ts job: J") are the progress; at
 * the end of a slot -merge=1 minimises the corpus into a fresh folder,
 * swapped in whole.
 */
#define _GNU_SOURCE
#include "replay/fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oracle/fsutil.h"
#include "proto/wire.h"

/* <target>.options, [libfuzzer] section: "key = value" → -key=value. */
static void options_file_flags(struct cmd *c, const char *path)
{
	char line[512];
	bool in_section = false;
	FILE *f;

	if (!path[0] || (f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		char key[128], value[256];

		if (line[0] == '[') {
			in_section = strncmp(line, "[libfuzzer]", 11) == 0;
			continue;
		}
		if (!in_section || sscanf(line, " %127[A-Za-z0-9_] = %255[^\r\n]", key, value) != 2)
			continue;
		/* OSS-Fuzz runs targets from their folder: a relative dict is
		 * beside the options file, wherever sshdiff runs. */
		if (strcmp(key, "dict") == 0 && value[0] != '/' && strrchr(path, '/'))
			cmd_add(c, "-dict=%.*s/%s", (int)(strrchr(path, '/') - path), path, value);
		else
			cmd_add(c, "-%s=%s", key, value);
	}
	fclose(f);
}

/* Why the list (bench/RESULTS.md, "Known divergences"): in fork mode a
 * divergence ends the job, and the new job first re-runs its share of the
 * corpus; with the store's signatures listed, fuzz_differential goes on
 * past the ones already stored, and in two A/B pairs of 3 minutes found
 * about twice as many new signatures with 20-65 % more executions.  The
 * price: a stored divergence met again is not counted again. */
sd_err libfuzzer_known_write(struct campaign *cp, char *path, size_t size)
{
	struct sbuf b = SBUF_INIT;
	sd_err e = SD_OK;
	int n = snprintf(path, size, "%s/known-divergences.txt", cp->o->out);

	if (n < 0 || (size_t)n >= size)
		return SD_ERR_INVALID_ARG;
	if (cp->n_known_written == cp->n_known && access(path, F_OK) == 0)
		return SD_OK;
	static const char header[] = "# written by sshdiff campaign: the store's signatures\n";
	e = sbuf_put(&b, (const uint8_t *)header, sizeof(header) - 1);
	for (size_t i = 0; e == SD_OK && i < cp->n_known; i++) {
		e = sbuf_put(&b, (const uint8_t *)cp->known[i], strlen(cp->known[i]));
		if (e == SD_OK)
			e = sbuf_put(&b, (const uint8_t *)"\n", 1);
	}
	if (e == SD_OK)
		e = fs_write_atomic(cp->o->out, "known-divergences.txt", b.data, b.len);
	if (e == SD_OK)
		cp->n_known_written = cp->n_known;
	sbuf_free(&b);
	return e;
}

sd_err libfuzzer_start(struct campaign *cp, struct target *t, int64_t fuzz_s)
{
	const struct fuzz_opts *o = cp->o;
	char known[PATH_MAX];
	struct cmd c;
	sd_err err;

	if ((err = libfuzzer_known_write(cp, known, sizeof(known))) != SD_OK)
		return err;

	memset(&c, 0, sizeof(c));
	cmd_add(&c, "%s", t->bin);
	/* Defaults the target's .options may override... */
	cmd_add(&c, "-timeout=%u", fuzz_timeout_s(o));
	cmd_add(&c, "-rss_limit_mb=%d", FUZZ_RSS_LIMIT_MB);
	options_file_flags(&c, t->options);
	/* ...and what the campaign needs, which they may not. */
	cmd_add(&c, "-fork=%u", o->jobs);
	cmd_add(&c, "-ignore_crashes=1");
	cmd_add(&c, "-ignore_timeouts=1");
	cmd_add(&c, "-ignore_ooms=1");
	cmd_add(&c, "-max_total_time=%lld", (long long)fuzz_s);
	cmd_add(&c, "-artifact_prefix=%s/", t->artifacts);
	cmd_add(&c, "-print_funcs=0");
	if (t->dict[0])
		cmd_add(&c, "-dict=%s", t->dict);
	cmd_add(&c, "%s", t->corpus);
	if (t->seeds[0])
		cmd_add(&c, "%s", t->seeds);
	/* Fork mode's temporary folder stays in DIR, cleared on resume. */
	cmd_env(&c, "TMPDIR", t->tmp);
	/* read by fuzz_differential only (docs/fuzzing.md) */
	cmd_env(&c, "SSHDIFF_KNOWN_DIVERGENCES", known);
	/* Crashes are symbolized by triage, once each, not by every job. */
	cmd_sanitizer_env(&c, "symbolize=0", "print_stacktrace=0");
	err = engine_spawn(cp, t, &c);
	cmd_free(&c);
	return err;
}

/* "#84951: cov: 357 ft: 639 corp: 34 exec/s 1660 oom/timeout/crash: 0/0/0 time: 27s job: 8" */
void libfuzzer_line(struct target *t, const char *line)
{
	unsigned long long execs, cov, ft, corp, eps, oom, tmo, crash;

	if (sscanf(line, "#%llu: cov: %llu ft: %llu corp: %llu exec/s %llu oom/timeout/crash: %llu/%llu/%llu", &execs,
		   &cov, &ft, &corp, &eps, &oom, &tmo, &crash) != 8)
		return;
	t->st.valid = true;
	t->st.execs = execs;
	t->st.coverage = cov;
	t->st.corpus = corp;
	t->st.execs_per_s = (double)eps;
	t->st.crashes = oom + tmo + crash;
}

/* The merged folder replaces the corpus in one step (renameat2
 * RENAME_EXCHANGE); where the file system cannot, in two renames that
 * engine_recover can undo. */
static sd_err swap_in(const struct target *t, const char *merged)
{
	char old[PATH_MAX];

	if (renameat2(AT_FDCWD, merged, AT_FDCWD, t->corpus, RENAME_EXCHANGE) == 0) {
		fuzz_remove_tree(merged);
		return SD_OK;
	}
	corpus_side_path(t, ".old", old, sizeof(old));
	if (rename(t->corpus, old) != 0)
		return SD_ERR_INVALID_ARG;
	if (rename(merged, t->corpus) != 0) {
		rename(old, t->corpus);
		return SD_ERR_INVALID_ARG;
	}
	fuzz_remove_tree(old);
	return SD_OK;
}

sd_err libfuzzer_merge(struct campaign *cp, struct target *t, int64_t budget_ms)
{
	char merged[PATH_MAX];
	size_t before = fuzz_count_files(t->corpus), after;
	struct cmd c;
	int status = -1;
	bool timed_out = false;
	sd_err err;

	if (before < 2 || budget_ms < 1000)
		return SD_OK;
	corpus_side_path(t, ".merge", merged, sizeof(merged));
	fuzz_remove_tree(merged);
	if (fs_mkdir_p(merged) != SD_OK)
		return SD_ERR_INVALID_ARG;
	memset(&c, 0, sizeof(c));
	cmd_add(&c, "%s", t->bin);
	cmd_add(&c, "-timeout=%u", fuzz_timeout_s(cp->o));
	cmd_add(&c, "-rss_limit_mb=%d", FUZZ_RSS_LIMIT_MB);
	options_file_flags(&c, t->options);
	cmd_add(&c, "-merge=1");
	cmd_add(&c, "-print_funcs=0");
	cmd_add(&c, "%s", merged);
	cmd_add(&c, "%s", t->corpus);
	cmd_env(&c, "TMPDIR", t->tmp);
	cmd_sanitizer_env(&c, "symbolize=0", "print_stacktrace=0");
	err = c.overflow ? SD_ERR_LIMIT : proc_run(c.argv, c.env, t->log, (unsigned)budget_ms, &status, &timed_out);
	cmd_free(&c);
	after = fuzz_count_files(merged);
	/* Only a whole merge replaces the corpus. */
	if (err != SD_OK || timed_out || status != 0 || after == 0) {
		fuzz_note(cp, "%s: corpus merge %s; corpus kept as is (%zu files)", t->name,
			  timed_out ? "ran out of time" : "failed", before);
		fuzz_remove_tree(merged);
		return SD_OK;
	}
	if (swap_in(t, merged) != SD_OK) {
		fuzz_note(cp, "%s: cannot swap the merged corpus in: %s", t->name, strerror(errno));
		fuzz_remove_tree(merged);
		return SD_OK;
	}
	fuzz_note(cp, "%s: corpus merged, %zu files -> %zu", t->name, before, after);
	return SD_OK;
}

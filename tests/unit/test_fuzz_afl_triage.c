/*
 * test_fuzz_afl_triage.c — triage of an AFL++ crash of the stateful target
 * that sshdiff's replay and the triage build do not reproduce
 * (replay/triage.c, docs/fuzzing.md "Triage").
 *
 * AFL++ runs its own build of fuzz_differential; sshdiff replays and the
 * libFuzzer build reproduces.  When these are built from other sources
 * (one rebuilt, not the other: what a developer's tree does between
 * builds), a divergence only the AFL++ build has was stored as
 * "crash fuzz_differential|not reproducible|-|-|-", which says nothing of
 * why.  Triage now asks the engine's build too: "engine build only" with
 * its divergence.  The output below is what a real AFL++ build of
 * fuzz_differential printed for such a case (a build of a tree whose own
 * backend rejected some IGNORE messages, on sshdiff and a triage build of
 * the real tree).  The engine's build is a script printing it; processes
 * run for real (proc_run below).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "replay/fuzz_afl.c"
#include "replay/fuzz_engine.c"
#include "replay/sanitizer.c"
#include "replay/triage.c"
#include "tests/support/check.h"
#include "tests/support/campaign_standins.h"

/* ---- stand-ins for the rest of the sshdiff executable ---- */

/* Runs argv for real (no time limit: the scripts end at once). */
sd_err proc_run(char *const argv[], char *const env[], const char *out_path, unsigned timeout_ms, int *status,
		bool *timed_out)
{
	pid_t pid;
	int st = 0;

	(void)env, (void)timeout_ms;
	*timed_out = false;
	if ((pid = fork()) < 0)
		return SD_ERR_INTERNAL;
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return SD_ERR_INTERNAL;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return SD_OK;
}
static char last_note[1024];
void fuzz_note(struct campaign *cp, const char *fmt, ...)
{
	va_list ap;

	(void)cp;
	va_start(ap, fmt);
	vsnprintf(last_note, sizeof(last_note), fmt, ap);
	va_end(ap);
}
int64_t fuzz_now_ms(void)
{
	return 0;
}
void fuzz_tick(void)
{
}
bool fuzz_stop_requested(void)
{
	return false;
}
unsigned fuzz_timeout_s(const struct fuzz_opts *o)
{
	return (o->timeout_ms + 999) / 1000;
}
bool campaign_known(const struct campaign *cp, const char *signature)
{
	(void)cp, (void)signature;
	return false;
}
sd_err campaign_remember(struct campaign *cp, const char *signature)
{
	(void)cp, (void)signature;
	return SD_OK;
}
sd_err campaign_record_new(struct campaign *cp, const struct target *t, const char *id, bool crash,
			   const char *signature)
{
	(void)cp, (void)t, (void)id, (void)crash, (void)signature;
	return SD_OK;
}
sd_err minimise_case(struct campaign *cp, struct sshdiff_case *c, const char *signature, int step,
		     int64_t deadline_ms, unsigned *trials)
{
	(void)cp, (void)c, (void)signature, (void)step, (void)deadline_ms, (void)trials;
	return SD_OK;
}
sd_err minimise_crash(struct campaign *cp, struct target *t, const char *input_path, const char *out_path,
		      int64_t budget_ms)
{
	(void)cp, (void)t, (void)input_path, (void)out_path, (void)budget_ms;
	return SD_ERR_UNSUPPORTED;
}
sd_err replay_run_backends(const struct sshdiff_case *c, const struct replay_opts *o, struct backend_result *out)
{
	(void)c, (void)o, (void)out;
	return SD_ERR_UNSUPPORTED;
}

/* What the AFL++ build printed (stdout and stderr), cut after the case's
 * first steps; it then called abort(). */
static const char engine_output[] =
	"Running LLVMFuzzerInitialize ...\n"
	"continue...\n"
	"sshdiff-divergence: send IGNORE|impl-limit|libssh=accept,own=reject,verifier=accept\n"
	"sshdiff-case 1\n"
	"iut client\n"
	"seed 0x78132e57e3a0b243\n"
	"send KEXINIT\n"
	"expect KEXINIT\n"
	"send IGNORE set data=656e2d5553\n";
/* ...and the same build of the real tree, or the triage build. */
static const char agreeing_output[] = "Running LLVMFuzzerInitialize ...\n"
				      "continue...\n"
				      "Reading 166 bytes from case\n"
				      "Execution successful.\n";

static char tmp_root[PATH_MAX];

/* An executable script that prints text (from a file) and exits with code. */
static void make_binary(const char *name, const char *text, int code, char *path, size_t size)
{
	char data[PATH_MAX];
	FILE *f;

	snprintf(data, sizeof(data), "%s/%s.txt", tmp_root, name);
	snprintf(path, size, "%s/%s", tmp_root, name);
	f = fopen(data, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fprintf(f, "#!/bin/sh\ncat '%s'\nexit %d\n", data, code);
		fclose(f);
	}
	CHECK(chmod(path, 0755) == 0);
}

static void test_engine_only_signature(void)
{
	struct target t;
	char sig[512];

	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "fuzz_differential");
	CHECK(engine_only_signature(&t, engine_output, sig, sizeof(sig)));
	CHECK_STR(sig, "crash fuzz_differential|engine build only|send IGNORE|impl-limit|libssh=accept,own=reject,"
		       "verifier=accept");
	snprintf(sig, sizeof(sig), "crash fuzz_differential|not reproducible|-|-|-");
	CHECK(!engine_only_signature(&t, agreeing_output, sig, sizeof(sig)));
	CHECK_STR(sig, "crash fuzz_differential|not reproducible|-|-|-");
}

/* The whole step, with binaries that run. */
static void test_engine_only_divergence(void)
{
	struct fuzz_opts o;
	struct campaign cp;
	struct target t;
	char sig[512], input[PATH_MAX];
	char *report;

	memset(&o, 0, sizeof(o));
	memset(&cp, 0, sizeof(cp));
	memset(&t, 0, sizeof(t));
	o.engine = ENGINE_AFL;
	o.timeout_ms = 5000;
	cp.o = &o;
	snprintf(t.name, sizeof(t.name), "fuzz_differential");
	snprintf(t.tmp, sizeof(t.tmp), "%s", tmp_root);
	snprintf(input, sizeof(input), "%s/crash-case", tmp_root);
	make_binary("afl_build", engine_output, 134, t.bin, sizeof(t.bin));
	make_binary("triage_build", agreeing_output, 0, t.triage_bin, sizeof(t.triage_bin));

	/* What the triage build said: nothing.  The AFL++ build diverges. */
	signature_of_run(&t, agreeing_output, false, true, sig, sizeof(sig));
	CHECK_STR(sig, "crash fuzz_differential|not reproducible|-|-|-");
	report = strdup(agreeing_output);
	engine_only_divergence(&cp, &t, input, sig, sizeof(sig), &report);
	CHECK_STR(sig, "crash fuzz_differential|engine build only|send IGNORE|impl-limit|libssh=accept,own=reject,"
		       "verifier=accept");
	/* The report is what the engine's build printed (and its signal,
	 * added as for any run without a sanitizer report). */
	CHECK(report && strncmp(report, engine_output, strlen(engine_output)) == 0);
	CHECK(report && strstr(report, "signal 6") != NULL);
	free(report);
	CHECK(strstr(last_note, "are they built from the same sources?") != NULL);
	CHECK(strstr(last_note, t.bin) != NULL);

	/* The AFL++ build agrees as well: still not reproducible. */
	last_note[0] = '\0';
	make_binary("afl_build", agreeing_output, 0, t.bin, sizeof(t.bin));
	snprintf(sig, sizeof(sig), "crash fuzz_differential|not reproducible|-|-|-");
	report = strdup(agreeing_output);
	engine_only_divergence(&cp, &t, input, sig, sizeof(sig), &report);
	CHECK_STR(report, agreeing_output);
	free(report);
	CHECK_STR(sig, "crash fuzz_differential|not reproducible|-|-|-");
	CHECK_STR(last_note, "");

	/* One build for both (libFuzzer): not run twice. */
	make_binary("afl_build", engine_output, 134, t.bin, sizeof(t.bin));
	snprintf(t.triage_bin, sizeof(t.triage_bin), "%s", t.bin);
	report = strdup(agreeing_output);
	engine_only_divergence(&cp, &t, input, sig, sizeof(sig), &report);
	CHECK_STR(report, agreeing_output);
	free(report);
	CHECK_STR(sig, "crash fuzz_differential|not reproducible|-|-|-");

	/* Any other signature is left as it is. */
	snprintf(t.triage_bin, sizeof(t.triage_bin), "%s/triage_build", tmp_root);
	snprintf(sig, sizeof(sig), "crash fuzz_differential|timeout|-|-|-");
	report = strdup(agreeing_output);
	engine_only_divergence(&cp, &t, input, sig, sizeof(sig), &report);
	CHECK_STR(report, agreeing_output);
	free(report);
	CHECK_STR(sig, "crash fuzz_differential|timeout|-|-|-");
}


/* Past the deadline nothing is triaged; what is left for the next run is
 * only what the store does not have (a resumed run reads every older
 * artifact again: those triaged before are not "left"). */
static void test_left_over(void)
{
	struct fuzz_opts o;
	struct campaign cp;
	struct target t;
	struct store *st = NULL;
	char err[256], dir[PATH_MAX];
	uint8_t md[32];
	bool seen = true;

	memset(&o, 0, sizeof(o));
	memset(&cp, 0, sizeof(cp));
	memset(&t, 0, sizeof(t));
	cp.o = &o;
	snprintf(dir, sizeof(dir), "%s/store", tmp_root);
	CHECK_OK(fs_mkdir_p(dir));
	CHECK_OK(store_open(dir, &st, err, sizeof(err)));
	if (!st)
		return;
	cp.store = st;
	snprintf(t.name, sizeof(t.name), "fuzz_parse_kex");
	snprintf(t.artifacts, sizeof(t.artifacts), "%s/artifacts", tmp_root);
	CHECK_OK(fs_mkdir_p(t.artifacts));
	CHECK_OK(fs_write_atomic(t.artifacts, "crash-a", (const uint8_t *)"triaged", 7));
	CHECK_OK(fs_write_atomic(t.artifacts, "crash-b", (const uint8_t *)"new", 3));
	CHECK_OK(fs_write_atomic(t.artifacts, "crash-c", (const uint8_t *)"new too", 7));
	/* A run before triaged crash-a. */
	CHECK_OK(artifact_key(t.name, (const uint8_t *)"triaged", 7, md));
	CHECK_OK(store_artifact_mark(st, md, t.name, 1));
	CHECK_OK(store_artifact_seen(st, md, &seen));
	CHECK(seen);

	CHECK_OK(triage_artifacts(&cp, &t, true, -1));
	CHECK_EQ_U(t.untriaged, 2);
	store_close(st);
}

int main(void)
{
	char tmpl[] = "/tmp/test_fuzz_afl_triage.XXXXXX";

	if (!mkdtemp(tmpl)) {
		check_fail(__FILE__, __LINE__, "mkdtemp");
		return check_finish();
	}
	snprintf(tmp_root, sizeof(tmp_root), "%s", tmpl);
	test_engine_only_signature();
	test_engine_only_divergence();
	test_left_over();
	fuzz_remove_tree(tmp_root);
	return check_finish();
}

/*
 * test_fuzz_afl.c — `sshdiff campaign --engine afl` (replay/fuzz_afl.c,
 * docs/fuzzing.md "Campaigns" and "Progress"): the progress read from
 * afl-fuzz's files.  The texts are what AFL++ 4.04c wrote in a campaign
 * (fuzzer_stats after calibration, after a minute, after a resume;
 * plot_data lines).  The replay sources belong to the sshdiff executable, not to
 * a library: compiled in here, with stand-ins for the process and
 * libFuzzer parts the AFL++ code does not reach in these tests.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay/fuzz_afl.c"
#include "replay/fuzz_engine.c"
#include "tests/support/check.h"
#include "tests/support/campaign_standins.h"

/* ---- stand-ins (the rest in campaign_standins.h): nothing here starts a process ---- */

void fuzz_note(struct campaign *cp, const char *fmt, ...)
{
	(void)cp, (void)fmt;
}
int64_t fuzz_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- what afl-fuzz wrote (4.04c, fuzz_differential, 2 instances) ---- */

/* The first fuzzer_stats, after calibration: 342 executions in the ~10 s
 * since the start, and a rate over a moment. */
static const char stats_calibrated[] = "start_time        : 1795332021\n"
				       "last_update       : 1795332021\n"
				       "run_time          : 0\n"
				       "fuzzer_pid        : 20346\n"
				       "cycles_done       : 0\n"
				       "execs_done        : 342\n"
				       "execs_per_sec     : 11032.26\n"
				       "execs_ps_last_min : 0.00\n"
				       "corpus_count      : 42\n"
				       "saved_crashes     : 0\n"
				       "saved_hangs       : 0\n"
				       "edges_found       : 2281\n";
/* The secondary's first one: an infinite rate. */
static const char stats_calibrated_inf[] = "run_time          : 0\n"
					   "execs_done        : 505\n"
					   "execs_per_sec     : inf\n"
					   "corpus_count      : 42\n";
/* A minute later. */
static const char stats_minute[] = "start_time        : 1795332021\n"
				   "last_update       : 1795332081\n"
				   "run_time          : 60\n"
				   "execs_done        : 2223\n"
				   "execs_per_sec     : 36.76\n"
				   "corpus_count      : 211\n"
				   "saved_crashes     : 57\n"
				   "saved_hangs       : 1\n"
				   "edges_found       : 3655\n";
static const char plot_header[] = "# relative_time, cycles_done, cur_item, corpus_count, pending_total, pending_favs, "
				  "map_size, saved_crashes, saved_hangs, max_depth, execs_per_sec, total_execs, "
				  "edges_found\n";
static const char plot_88[] = "88, 0, 3, 243, 243, 29, 31.15%, 66, 0, 2, 18.62, 2769, 3780";

static bool near(double a, double b)
{
	return fabs(a - b) <= 0.01 * (fabs(b) > 1 ? fabs(b) : 1);
}

static void test_instance_stats(void)
{
	struct engine_stats st;

	/* Calibration only, 14 s after the start: execs over those 14 s, not
	 * AFL's 11032/s and not 0 (a slot under a minute sees only this). */
	CHECK(afl_instance_stats(stats_calibrated, 14.0, NULL, NULL, &st));
	CHECK(st.valid);
	CHECK_EQ_U(st.execs, 342);
	CHECK(near(st.execs_per_s, 342.0 / 14));
	CHECK_EQ_U(st.corpus, 42);
	CHECK_EQ_U(st.coverage, 2281);
	/* inf, written in the first second: over one second. */
	CHECK(afl_instance_stats(stats_calibrated_inf, 0.2, NULL, NULL, &st));
	CHECK_EQ_U(st.execs, 505);
	CHECK(near(st.execs_per_s, 505));
	/* After a minute: AFL's own rate. */
	CHECK(afl_instance_stats(stats_minute, 60.5, NULL, NULL, &st));
	CHECK_EQ_U(st.execs, 2223);
	CHECK(near(st.execs_per_s, 36.76));
	CHECK_EQ_U(st.crashes, 58);
	/* A previous run's file (written before this run started): nothing. */
	CHECK(!afl_instance_stats(stats_minute, -3.0, NULL, NULL, &st));
	CHECK(!st.valid);
	CHECK_EQ_U(st.execs, 0);
	/* No executions: 0/s. */
	CHECK(afl_instance_stats("run_time : 0\nexecs_done : 0\n", 5.0, NULL, NULL, &st));
	CHECK_EQ_U(st.execs, 0);
	CHECK(st.execs_per_s == 0);
}

static void test_plot_data(void)
{
	struct engine_stats st;
	/* A newer AFL++ with other columns, in another order. */
	static const char header2[] = "# relative_time, total_execs, edges_found, corpus_count, execs_per_sec\n";

	/* plot_data 28 s after fuzzer_stats: its newer count, at its rate. */
	CHECK(afl_instance_stats(stats_minute, 60.5, plot_header, plot_88, &st));
	CHECK_EQ_U(st.execs, 2769);
	CHECK(near(st.execs_per_s, 2769.0 / 88));
	CHECK_EQ_U(st.corpus, 243);
	CHECK_EQ_U(st.coverage, 3780);
	CHECK(afl_instance_stats(stats_minute, 60.5, header2, "90, 3000, 3900, 250, 12.5", &st));
	CHECK_EQ_U(st.execs, 3000);
	CHECK(near(st.execs_per_s, 3000.0 / 90));
	CHECK_EQ_U(st.corpus, 250);
	CHECK_EQ_U(st.coverage, 3900);
	/* An older line than the stats (fewer execs): the stats win. */
	CHECK(afl_instance_stats(stats_minute, 60.5, plot_header, "30, 0, 3, 100, 100, 29, 30%, 5, 0, 2, 20, 1000, 3000",
				 &st));
	CHECK_EQ_U(st.execs, 2223);
	CHECK(near(st.execs_per_s, 36.76));
	/* A column it does not have, a short line: not used. */
	CHECK(afl_instance_stats(stats_minute, 60.5, "# relative_time, cycles_done\n", "70, 0", &st));
	CHECK_EQ_U(st.execs, 2223);
	CHECK(afl_instance_stats(stats_minute, 60.5, plot_header, "70, 0, 3", &st));
	CHECK_EQ_U(st.execs, 2223);
}

/* The log lines: corpus size before fuzzer_stats. */
static void test_log_lines(void)
{
	struct target t;

	memset(&t, 0, sizeof(t));
	afl_line(&t, "\033[1;94m[*] \033[0mAttempting dry run with 'id:000411,time:0,execs:0,orig:fc55'...\033[0m");
	CHECK(t.st.valid);
	CHECK_EQ_U(t.st.corpus, 412);
	CHECK_EQ_U(t.st.execs, 0);
	afl_line(&t, "[*] Fuzzing test case #6 (450 total, 3 crashes saved, perf_score=300, exec_us=923)...");
	CHECK_EQ_U(t.st.corpus, 450);
	CHECK_EQ_U(t.st.crashes, 3);
	afl_line(&t, "[*] Attempting dry run with 'id:000002,time:0'...");
	CHECK_EQ_U(t.st.corpus, 450);
	memset(&t, 0, sizeof(t));
	afl_line(&t, "[+] All test cases processed.");
	CHECK(!t.st.valid);
}

static char tmp_root[PATH_MAX];

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* Sets a file's modification time to the start of this slot plus s. */
static void set_written(const char *dir, const char *name, double s)
{
	char path[PATH_MAX];
	struct timespec ts[2];
	int64_t ns = (int64_t)afl_started.tv_sec * 1000000000 + afl_started.tv_nsec + (int64_t)(s * 1e9);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ts[0].tv_sec = ts[1].tv_sec = (time_t)(ns / 1000000000);
	ts[0].tv_nsec = ts[1].tv_nsec = (long)(ns % 1000000000);
	CHECK(utimensat(AT_FDCWD, path, ts, 0) == 0);
}

/* The instances' files in DIR/afl/T, as afl_poll reads them: a resumed
 * slot ignores what the previous run left until afl-fuzz rewrites it. */
static void test_stats_files(void)
{
	struct target t;
	char main_dir[PATH_MAX], s1_dir[PATH_MAX];

	memset(&t, 0, sizeof(t));
	snprintf(t.afl_out, sizeof(t.afl_out), "%s/afl", tmp_root);
	snprintf(main_dir, sizeof(main_dir), "%s/main", t.afl_out);
	snprintf(s1_dir, sizeof(s1_dir), "%s/s1", t.afl_out);
	CHECK_OK(fs_mkdir_p(main_dir));
	CHECK_OK(fs_mkdir_p(s1_dir));
	clock_gettime(CLOCK_REALTIME, &afl_started);

	/* Both left by the previous run (a minute before this one). */
	write_text(main_dir, "fuzzer_stats", stats_minute);
	set_written(main_dir, "fuzzer_stats", -60);
	write_text(main_dir, "plot_data", plot_header);
	set_written(main_dir, "plot_data", -60);
	write_text(s1_dir, "fuzzer_stats", stats_calibrated);
	set_written(s1_dir, "fuzzer_stats", -100);
	afl_stats(&t);
	CHECK(!t.st.valid);
	CHECK_EQ_U(t.st.execs, 0);

	/* s1 rewrote its file 14 s into the slot; main's is still old. */
	write_text(s1_dir, "fuzzer_stats", stats_calibrated);
	set_written(s1_dir, "fuzzer_stats", 14);
	afl_stats(&t);
	CHECK(t.st.valid);
	CHECK_EQ_U(t.st.execs, 342);
	CHECK(near(t.st.execs_per_s, 342.0 / 14));

	/* Then main, and its plot_data (appended to, after the header). */
	write_text(main_dir, "fuzzer_stats", stats_minute);
	set_written(main_dir, "fuzzer_stats", 60);
	{
		char text[1024];

		snprintf(text, sizeof(text), "%s%s\n%s", plot_header, "30, 0, 3, 100, 100, 29, 30%, 5, 0, 2, 20, 1000, 3000",
			 plot_88); /* the last line cut short: not read */
		write_text(main_dir, "plot_data", text);
	}
	set_written(main_dir, "plot_data", 61);
	afl_stats(&t);
	CHECK_EQ_U(t.st.execs, 342 + 2223);
	CHECK(near(t.st.execs_per_s, 342.0 / 14 + 36.76));
	CHECK_EQ_U(t.st.corpus, 211);
	CHECK_EQ_U(t.st.coverage, 3655);
	/* Now the whole line is there. */
	{
		char text[1024];

		snprintf(text, sizeof(text), "%s%s\n", plot_header, plot_88);
		write_text(main_dir, "plot_data", text);
	}
	set_written(main_dir, "plot_data", 88);
	afl_stats(&t);
	CHECK_EQ_U(t.st.execs, 342 + 2769);
	CHECK(near(t.st.execs_per_s, 342.0 / 14 + 2769.0 / 88));
	CHECK_EQ_U(t.st.corpus, 243);
}


/* The files of DIR/artifacts/T, sorted, joined by spaces. */
static void list_dir(const char *dir, char *out, size_t size)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort);
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.' && len < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s", len ? " " : "", list[i]->d_name);
		free(list[i]);
	}
	free(list);
}

/* Crashes and hangs into DIR/artifacts/T by content: a file afl-fuzz may
 * still be writing (under a second old) waits while it runs, each file is
 * read once per run, and when afl-fuzz has ended everything is taken. */
static void test_collect(void)
{
	struct target t;
	char crashes[PATH_MAX], hangs[PATH_MAX], backup[PATH_MAX], got[4096];

	memset(&t, 0, sizeof(t));
	snprintf(t.afl_out, sizeof(t.afl_out), "%s/collect/afl", tmp_root);
	snprintf(t.artifacts, sizeof(t.artifacts), "%s/collect/artifacts", tmp_root);
	snprintf(crashes, sizeof(crashes), "%s/main/crashes", t.afl_out);
	snprintf(hangs, sizeof(hangs), "%s/s1/hangs", t.afl_out);
	snprintf(backup, sizeof(backup), "%s/main/crashes.2026-11-22-07:25:25", t.afl_out);
	CHECK_OK(fs_mkdir_p(crashes));
	CHECK_OK(fs_mkdir_p(hangs));
	CHECK_OK(fs_mkdir_p(backup));
	CHECK_OK(fs_mkdir_p(t.artifacts));
	clock_gettime(CLOCK_REALTIME, &afl_started);
	t.n_procs = 1;
	t.procs[0].running = true;

	/* sha256("abc"), sha256("hang"), sha256("old") */
	write_text(crashes, "id:000000,sig:06,src:000001,time:147,execs:415,sshdiff-case", "abc");
	set_written(crashes, "id:000000,sig:06,src:000001,time:147,execs:415,sshdiff-case", -5);
	write_text(crashes, "README.txt", "not a crash");
	set_written(crashes, "README.txt", -5);
	write_text(hangs, "id:000000,src:000003,time:1200,execs:900,sshdiff-case", "hang");
	set_written(hangs, "id:000000,src:000003,time:1200,execs:900,sshdiff-case", -5);
	write_text(backup, "id:000007,sig:06,src:000002,time:99,execs:50", "old");
	set_written(backup, "id:000007,sig:06,src:000002,time:99,execs:50", -100);
	/* Being written: created, not yet settled. */
	write_text(crashes, "id:000001,sig:06,src:000002,time:150,execs:420", "ab");
	afl_poll(&t);
	list_dir(t.artifacts, got, sizeof(got));
	CHECK_STR(got, "crash-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad "
		       "crash-cba06b5736faf67e54b07b561eae94395e774c517a7d910a54369e1263ccfbd4 "
		       "timeout-e3ccbe1f95156325c612c031c18c66e0acae229edafa3e27aabb202486614043");
	/* Read once: a copied file is not read again while afl-fuzz runs
	 * (changed here only to see that; afl-fuzz never rewrites one). */
	write_text(crashes, "id:000000,sig:06,src:000001,time:147,execs:415,sshdiff-case", "abcd");
	set_written(crashes, "id:000000,sig:06,src:000001,time:147,execs:415,sshdiff-case", -5);
	/* The one being written is complete and a second old. */
	set_written(crashes, "id:000001,sig:06,src:000002,time:150,execs:420", -2);
	afl_poll(&t);
	list_dir(t.artifacts, got, sizeof(got));
	CHECK_STR(got, "crash-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad "
		       "crash-cba06b5736faf67e54b07b561eae94395e774c517a7d910a54369e1263ccfbd4 "
		       "crash-fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603 "
		       "timeout-e3ccbe1f95156325c612c031c18c66e0acae229edafa3e27aabb202486614043");
	/* afl-fuzz ended: every file, just written or not, read once more. */
	write_text(crashes, "id:000002,sig:06,src:000002,time:151,execs:421", "hang");
	t.procs[0].running = false;
	afl_poll(&t);
	list_dir(t.artifacts, got, sizeof(got));
	CHECK_STR(got, "crash-88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589 "
		       "crash-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad "
		       "crash-cba06b5736faf67e54b07b561eae94395e774c517a7d910a54369e1263ccfbd4 "
		       "crash-e3ccbe1f95156325c612c031c18c66e0acae229edafa3e27aabb202486614043 "
		       "crash-fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603 "
		       "timeout-e3ccbe1f95156325c612c031c18c66e0acae229edafa3e27aabb202486614043");
}

int main(void)
{
	char tmpl[] = "/tmp/test_fuzz_afl.XXXXXX";

	if (!mkdtemp(tmpl)) {
		check_fail(__FILE__, __LINE__, "mkdtemp");
		return check_finish();
	}
	snprintf(tmp_root, sizeof(tmp_root), "%s", tmpl);
	test_instance_stats();
	test_plot_data();
	test_log_lines();
	test_stats_files();
	test_collect();
	fuzz_remove_tree(tmp_root);
	return check_finish();
}

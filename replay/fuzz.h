/*
 * fuzz.h — `sshdiff fuzz` and `sshdiff campaign` (docs/fuzzing.md,
 * "Campaigns" and "Triage"): what their files share.
 *
 *   fuzz_cmd.c     the two commands: one slot per target, the main loop
 *   fuzz_opts.c    command line, targets directory, target discovery
 *   proc.c         engine and target processes that die with us
 *   fuzz_engine.c  an engine's processes: start, follow, stop, corpus recovery
 *   fuzz_libfuzzer.c  libFuzzer -fork: command line, status lines, -merge=1
 *   fuzz_afl.c     AFL++ -M/-S with CMPLOG: command lines, fuzzer_stats, crashes
 *   progress.c     the live progress line and DIR/stats/<target>.tsv
 *   triage.c       artifacts into findings (replay, target runs, store)
 *   minimise.c     smaller reproducers: cases (greedy), raw inputs (libFuzzer)
 *   sanitizer.c    sanitizer / libFuzzer reports into crash signatures
 */
#ifndef SSHDIFF_REPLAY_FUZZ_H
#define SSHDIFF_REPLAY_FUZZ_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/errors.h"

#define FUZZ_MAX_TARGETS 64
#define FUZZ_MAX_JOBS 32
#define FUZZ_NAME_MAX 64
/* libFuzzer -rss_limit_mb for fuzzing and reproducing (ASan needs room). */
#define FUZZ_RSS_LIMIT_MB 2560
/* The stateful target: its inputs are cases, it gets half a campaign. */
#define FUZZ_STATEFUL_TARGET "fuzz_differential"

/* ---- sanitizer.c: reading what a crashing target printed ---- */

#define CRASH_FRAMES 3

struct crash_report {
	/* "heap-buffer-overflow READ 4", "SEGV on unknown address", "leak",
	 * "timeout", "out-of-memory", "deadly signal",
	 * "UndefinedBehaviorSanitizer: signed integer overflow"; "" if none. */
	char type[160];
	/* The top meaningful frames (function names) of the report's first
	 * stack: sanitizer runtime, libc, libFuzzer and the fuzz entry point
	 * skipped. */
	char frames[CRASH_FRAMES][160];
	unsigned n_frames;
	/* The payload of the first "sshdiff-divergence: " and
	 * "sshdiff-parser-divergence: " lines ("" if none). */
	char divergence[512];
	char parser_divergence[512];
};

/* Reads a target's output (stdout + stderr of one run). */
void crash_report_parse(const char *text, struct crash_report *out);
/* "crash <target>|<type>|<f1>|<f2>|<f3>", "-" for a missing frame.
 * SD_ERR_LIMIT if it does not fit (cut, still terminated). */
sd_err crash_signature(const char *target, const struct crash_report *r, char *out, size_t size);

/* ---- options (fuzz_opts.c) ---- */

enum fuzz_engine { ENGINE_LIBFUZZER, ENGINE_AFL };

struct fuzz_opts {
	bool campaign;
	enum fuzz_engine engine;
	int64_t time_s;        /* the whole budget */
	unsigned jobs;
	char out[PATH_MAX];    /* the campaign directory */
	char targets_dir[PATH_MAX];
	char cmplog_dir[PATH_MAX];   /* AFL++ CMPLOG binaries; "" none */
	char triage_dir[PATH_MAX];   /* binaries that reproduce raw artifacts */
	bool triage_is_afl;          /* they are AFL++ builds (no libFuzzer flags) */
	char suppressions[PATH_MAX]; /* "" none */
	unsigned timeout_ms;         /* per backend process and per target run */
	int64_t minimise_s;          /* per new finding */
	bool merge;                  /* merge the corpus at the end of a slot */
	size_t n_targets;
	char targets[FUZZ_MAX_TARGETS][FUZZ_NAME_MAX];
};

/* Parses argv after "fuzz" / "campaign" and resolves the targets
 * directory and targets.  Returns 0 to run, or the exit status (help: 0,
 * unusable: 2, the reason printed naming the option, file or folder). */
int fuzz_parse_options(int argc, char **argv, bool campaign, struct fuzz_opts *o, bool *run);
/* --timeout in whole seconds, rounded up (libFuzzer's -timeout). */
unsigned fuzz_timeout_s(const struct fuzz_opts *o);

/* ---- proc.c: child processes that never outlive sshdiff ---- */

struct proc {
	pid_t pid;   /* the guardian (see proc.c); -1 when none */
	int ctl;     /* our end of its lifeline */
	bool running;
	int status;  /* exit code, or 128 + signal number */
};

/* Starts argv (argv[0] a path) with env additions ("NAME=value", NULL-
 * terminated; NULL: none), stdin /dev/null, stdout and stderr appended to
 * out_path.  It runs in its own process group under a guardian that kills
 * the whole group when sshdiff dies, kill -9 included. */
sd_err proc_start(struct proc *p, char *const argv[], char *const env[], const char *out_path);
/* true while it runs; when it has ended, p->status is set. */
bool proc_poll(struct proc *p);
/* SIGTERM to the group, SIGKILL after grace_ms, then waits. */
void proc_stop(struct proc *p, unsigned grace_ms);
/* Runs to the end or timeout_ms (then stopped: *timed_out).  Calls
 * fuzz_tick() while it waits. */
sd_err proc_run(char *const argv[], char *const env[], const char *out_path, unsigned timeout_ms, int *status,
		bool *timed_out);

/* ---- the campaign: state shared by the slot loop, engines, triage ---- */

struct engine_stats {
	bool valid;
	uint64_t execs;
	double execs_per_s;
	uint64_t coverage;
	uint64_t corpus;
	uint64_t crashes; /* the engine's own count, before triage */
};

struct target {
	char name[FUZZ_NAME_MAX];
	char bin[PATH_MAX];        /* the engine's binary */
	char cmplog_bin[PATH_MAX]; /* AFL++ -c; "" none */
	char triage_bin[PATH_MAX];
	bool triage_afl;           /* triage_bin is an AFL++ build: no libFuzzer flags */
	char dict[PATH_MAX], options[PATH_MAX], seeds[PATH_MAX]; /* "" when absent */
	char corpus[PATH_MAX], artifacts[PATH_MAX], log[PATH_MAX], stats[PATH_MAX], tmp[PATH_MAX];
	char afl_out[PATH_MAX];
	bool is_case;              /* inputs are cases (the stateful target) */
	struct proc procs[FUZZ_MAX_JOBS];
	size_t n_procs;
	int log_fd;                /* reading the engine's log as it grows */
	char line[4096];
	size_t line_len;
	struct engine_stats st;
	uint64_t findings_new;     /* new findings this target stored in this run */
	size_t untriaged;          /* artifacts left for the next run */
};

struct new_finding {
	char id[17];
	bool crash;
	char target[FUZZ_NAME_MAX];
	char signature[512];
};

struct suppressions;
struct store;

struct campaign {
	const struct fuzz_opts *o;
	struct store *store;
	struct suppressions *sup;
	/* Every signature in the store: new ones are minimised, known ones
	 * only counted. */
	char **known;
	size_t n_known, cap_known;
	struct new_finding *news;
	size_t n_news, cap_news;
	int64_t start_ms;
	/* fuzz_libfuzzer.c: how many of `known` the file handed to
	 * fuzz_differential (SSHDIFF_KNOWN_DIVERGENCES) holds */
	size_t n_known_written;
	struct target *cur;
	/* progress.c */
	bool tty;
	int64_t last_print_ms, last_sample_ms;
	size_t last_len;
};

int64_t fuzz_now_ms(void);   /* monotonic */
/* Keeps the progress line and the stats moving during long waits (proc_run,
 * minimisation): polls the running engine; cheap when called often. */
void fuzz_tick(void);
/* Set by SIGINT / SIGTERM: finish the slot at once, keep what is stored. */
bool fuzz_stop_requested(void);
/* A message above the progress line (which is redrawn after it). */
void fuzz_note(struct campaign *cp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

bool campaign_known(const struct campaign *cp, const char *signature);
sd_err campaign_remember(struct campaign *cp, const char *signature);
sd_err campaign_record_new(struct campaign *cp, const struct target *t, const char *id, bool crash,
			   const char *signature);

/* ---- fuzz_engine.c: an engine's processes, whichever the engine ---- */

/* Starts the target's engine for fuzz_s seconds. */
sd_err engine_start(struct campaign *cp, struct target *t, int64_t fuzz_s);
/* Reads new log lines / stats files into t->st; AFL++: copies new crashes
 * and hangs into t->artifacts.  false once every engine process ended. */
bool engine_poll(struct campaign *cp, struct target *t);
void engine_stop(struct campaign *cp, struct target *t);
/* Minimises DIR/corpus/<t> (libFuzzer -merge=1 into a fresh folder, then
 * swapped in); AFL++: the queue joins DIR/corpus/<t>.  Within budget_ms. */
sd_err engine_merge(struct campaign *cp, struct target *t, int64_t budget_ms);
/* Puts back a corpus a killed merge left half-swapped; clears tmp. */
sd_err engine_recover(struct campaign *cp, struct target *t);

/* A command line and its environment additions, strings owned (cmd_free). */
#define CMD_MAX_ARGS 96
#define CMD_MAX_ENV 16
struct cmd {
	char *argv[CMD_MAX_ARGS + 1];
	size_t argc;
	char *env[CMD_MAX_ENV + 1];
	size_t envc;
	bool overflow; /* something did not fit: do not run it */
};
void cmd_add(struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cmd_env(struct cmd *c, const char *name, const char *value);
/* ASAN_OPTIONS / UBSAN_OPTIONS: the user's, then ours (the last one wins). */
void cmd_sanitizer_env(struct cmd *c, const char *asan_extra, const char *ubsan_extra);
void cmd_free(struct cmd *c);
/* Starts c as one more of t's engine processes (output to t->log). */
sd_err engine_spawn(struct campaign *cp, struct target *t, struct cmd *c);
/* DIR/corpus/<t><suffix>: where a merge is built (".merge", ".old"). */
void corpus_side_path(const struct target *t, const char *suffix, char *out, size_t size);
bool fuzz_dir_exists(const char *path);
size_t fuzz_count_files(const char *dir);
/* rm -rf of a folder sshdiff made (no symlinks followed). */
void fuzz_remove_tree(const char *path);
/* A regular file's first max bytes, plus a NUL (*len excludes it); NULL if
 * it cannot be read.  free() it. */
uint8_t *fuzz_read_file(const char *path, size_t max, size_t *len);

/* ---- fuzz_libfuzzer.c ---- */

sd_err libfuzzer_start(struct campaign *cp, struct target *t, int64_t fuzz_s);
/* One line of its log: a fork-mode status line updates t->st. */
void libfuzzer_line(struct target *t, const char *line);
/* DIR/known-divergences.txt := every signature the store holds, rewritten
 * when the campaign learnt new ones since the last call (jobs that start
 * later read it); the path for SSHDIFF_KNOWN_DIVERGENCES. */
sd_err libfuzzer_known_write(struct campaign *cp, char *path, size_t size);
sd_err libfuzzer_merge(struct campaign *cp, struct target *t, int64_t budget_ms);

/* ---- fuzz_afl.c ---- */

sd_err afl_start(struct campaign *cp, struct target *t, int64_t fuzz_s);
void afl_line(struct target *t, const char *line);
/* fuzzer_stats into t->st; new crashes and hangs into t->artifacts. */
void afl_poll(struct target *t);
sd_err afl_merge(struct campaign *cp, struct target *t);

/* ---- progress.c ---- */

void progress_update(struct campaign *cp, struct target *t, bool force);
void progress_end(struct campaign *cp);
bool progress_sample_due(const struct campaign *cp);
sd_err stats_sample(struct campaign *cp, struct target *t);

/* ---- triage.c ---- */

/* Triages every artifact of t not yet marked in the store; while the engine
 * runs (final false) only files older than a second (complete).  Stops at
 * deadline_ms (the rest stays for the next run: t->untriaged). */
sd_err triage_artifacts(struct campaign *cp, struct target *t, bool final, int64_t deadline_ms);

struct sshdiff_case;
struct comparison;
struct observations;
/* Runs c on every backend in child processes and compares (suppressions
 * applied).  obs: REPLAY_MAX_BACKENDS entries; *n receives the count. */
sd_err triage_replay(struct campaign *cp, const struct sshdiff_case *c, struct observations *obs, size_t *n,
		     struct comparison *cmp);
/* Runs the triage binary on one input file; *output (malloc'd) receives
 * what it printed. */
sd_err triage_run_target(struct campaign *cp, struct target *t, const char *input_path, char **output,
			 bool *timed_out);

/* ---- minimise.c ---- */

/* Greedy: cuts the steps after the divergent one (step), drops steps, then
 * mutations, then shrinks data, keeping each change under which the
 * signature stays the same; until deadline_ms.  *trials: replays run. */
sd_err minimise_case(struct campaign *cp, struct sshdiff_case *c, const char *signature, int step,
		     int64_t deadline_ms, unsigned *trials);
/* libFuzzer -minimize_crash into out_path within budget_ms; the caller
 * checks the result still gives the same signature. */
sd_err minimise_crash(struct campaign *cp, struct target *t, const char *input_path, const char *out_path,
		      int64_t budget_ms);

#endif

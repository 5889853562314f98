/*
 * fuzz_cmd.c — `sshdiff fuzz` (one target) and `sshdiff campaign` (every
 * target within a budget); docs/fuzzing.md, "Campaigns".
 *
 * A campaign runs the targets in turn, not side by side: each slot gets
 * every job (libFuzzer -fork=JOBS, AFL++ -M/-S), so the stateful target's
 * slow executions are never starved by a parser target's fast ones, and
 * the progress line, the stats and triage follow one target at a time.
 * fuzz_differential goes first and gets half of the budget (it is the one
 * that finds divergences between implementations, at ~1,000 execs/s where
 * a parser target does 300,000 and saturates quickly); the others share
 * the other half equally.  Each slot's share is recomputed from the time
 * actually left, so a slot that overran (triage of many artifacts) is paid
 * for by the later ones.
 *
 * A slot: recover a half-merged corpus, start the engine for the slot less
 * a reserve (a sixth, 5 s to 5 min) kept for the final triage and the
 * corpus merge; while it runs, poll its progress and triage artifacts as
 * they appear; stop it; triage what is left; merge the corpus.
 */
#include "replay/fuzz.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "oracle/compare.h"
#include "oracle/fsutil.h"
#include "oracle/store.h"
#include "replay/commands.h"
#include "replay/replay.h"

#define POLL_MS 200
#define TRIAGE_EVERY_MS 2000
#define ENGINE_OVERRUN_MS 10000 /* past its -max_total_time / -V: stopped */

static volatile sig_atomic_t stop_requested;
static struct campaign *active;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

bool fuzz_stop_requested(void)
{
	return stop_requested != 0;
}

int64_t fuzz_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fuzz_tick(void)
{
	struct campaign *cp = active;

	if (!cp || !cp->cur)
		return;
	engine_poll(cp, cp->cur);
	progress_update(cp, cp->cur, false);
	if (progress_sample_due(cp))
		stats_sample(cp, cp->cur);
}

bool campaign_known(const struct campaign *cp, const char *signature)
{
	for (size_t i = 0; i < cp->n_known; i++)
		if (strcmp(cp->known[i], signature) == 0)
			return true;
	return false;
}

sd_err campaign_remember(struct campaign *cp, const char *signature)
{
	char *copy;

	if (cp->n_known == cp->cap_known) {
		size_t cap = cp->cap_known ? 2 * cp->cap_known : 64;
		char **grown = realloc(cp->known, cap * sizeof(*grown));

		if (!grown)
			return SD_ERR_NOMEM;
		cp->known = grown;
		cp->cap_known = cap;
	}
	if ((copy = strdup(signature)) == NULL)
		return SD_ERR_NOMEM;
	cp->known[cp->n_known++] = copy;
	return SD_OK;
}

sd_err campaign_record_new(struct campaign *cp, const struct target *t, const char *id, bool crash,
			   const char *signature)
{
	struct new_finding *f;

	if (cp->n_news == cp->cap_news) {
		size_t cap = cp->cap_news ? 2 * cp->cap_news : 16;
		struct new_finding *grown = realloc(cp->news, cap * sizeof(*grown));

		if (!grown)
			return SD_ERR_NOMEM;
		cp->news = grown;
		cp->cap_news = cap;
	}
	f = &cp->news[cp->n_news++];
	memset(f, 0, sizeof(*f));
	snprintf(f->id, sizeof(f->id), "%s", id);
	f->crash = crash;
	snprintf(f->target, sizeof(f->target), "%s", t->name);
	snprintf(f->signature, sizeof(f->signature), "%s", signature);
	return SD_OK;
}

static void remember_stored(void *ctx, const struct store_finding *f)
{
	struct campaign *cp = ctx;

	if (campaign_remember(cp, f->signature) != SD_OK)
		fprintf(stderr, "sshdiff: out of memory\n");
}

static sd_err path_of(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static sd_err path_of(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < size ? SD_OK : SD_ERR_LIMIT;
}

static bool file_exists(const char *path, bool want_dir)
{
	struct stat st;

	return stat(path, &st) == 0 && (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

/* Where a target's files are, in the build and in DIR. */
static sd_err target_paths(const struct fuzz_opts *o, const char *name, struct target *t)
{
	const char *dir = o->targets_dir, *out = o->out;
	bool too_long = false;

	memset(t, 0, sizeof(*t));
	t->log_fd = -1;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->is_case = strcmp(name, FUZZ_STATEFUL_TARGET) == 0;
	too_long |= path_of(t->bin, sizeof(t->bin), "%s/%s", dir, name) != SD_OK;
	too_long |= path_of(t->dict, sizeof(t->dict), "%s/%s.dict", dir, name) != SD_OK;
	too_long |= path_of(t->options, sizeof(t->options), "%s/%s.options", dir, name) != SD_OK;
	too_long |= path_of(t->seeds, sizeof(t->seeds), "%s/%s_seeds", dir, name) != SD_OK;
	too_long |= path_of(t->triage_bin, sizeof(t->triage_bin), "%s/%s", o->triage_dir, name) != SD_OK;
	if (o->cmplog_dir[0])
		too_long |= path_of(t->cmplog_bin, sizeof(t->cmplog_bin), "%s/%s", o->cmplog_dir, name) != SD_OK;
	too_long |= path_of(t->corpus, sizeof(t->corpus), "%s/corpus/%s", out, name) != SD_OK;
	too_long |= path_of(t->artifacts, sizeof(t->artifacts), "%s/artifacts/%s", out, name) != SD_OK;
	too_long |= path_of(t->log, sizeof(t->log), "%s/log/%s.log", out, name) != SD_OK;
	too_long |= path_of(t->stats, sizeof(t->stats), "%s/stats/%s.tsv", out, name) != SD_OK;
	too_long |= path_of(t->tmp, sizeof(t->tmp), "%s/tmp/%s", out, name) != SD_OK;
	too_long |= path_of(t->afl_out, sizeof(t->afl_out), "%s/afl/%s", out, name) != SD_OK;
	if (too_long)
		return SD_ERR_LIMIT;
	/* Optional companions are simply absent. */
	if (!file_exists(t->dict, false))
		t->dict[0] = '\0';
	if (!file_exists(t->options, false))
		t->options[0] = '\0';
	if (!file_exists(t->seeds, true))
		t->seeds[0] = '\0';
	if (t->cmplog_bin[0] && !file_exists(t->cmplog_bin, false))
		t->cmplog_bin[0] = '\0';
	t->triage_afl = o->triage_is_afl;
	if (!file_exists(t->triage_bin, false)) {
		snprintf(t->triage_bin, sizeof(t->triage_bin), "%s", t->bin);
		t->triage_afl = o->engine == ENGINE_AFL;
	}
	return SD_OK;
}

static sd_err campaign_dirs(const char *out)
{
	static const char *const subdirs[] = {"corpus", "artifacts", "stats", "log", "tmp"};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++)
		if (path_of(path, sizeof(path), "%s/%s", out, subdirs[i]) != SD_OK || fs_mkdir_p(path) != SD_OK)
			return SD_ERR_INVALID_ARG;
	return SD_OK;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The part of a slot kept for the final triage and the merge. */
static int64_t slot_reserve_ms(int64_t slot_ms)
{
	int64_t r = clamp64(slot_ms / 6, 5000, 300000);

	return r < slot_ms / 2 ? r : slot_ms / 2;
}

static sd_err run_slot(struct campaign *cp, struct target *t, int64_t slot_ms)
{
	int64_t start = fuzz_now_ms(), slot_end = start + slot_ms, fuzz_ms, last_triage = 0;
	sd_err err;

	fuzz_ms = slot_ms - slot_reserve_ms(slot_ms);
	if (fuzz_ms < 1000)
		fuzz_ms = 1000;
	if (fs_mkdir_p(t->artifacts) != SD_OK || engine_recover(cp, t) != SD_OK) {
		fuzz_note(cp, "%s: cannot prepare %s: %s", t->name, cp->o->out, strerror(errno));
		return SD_ERR_INVALID_ARG;
	}
	cp->cur = t;
	if ((err = engine_start(cp, t, fuzz_ms / 1000)) != SD_OK) {
		engine_stop(cp, t);
		cp->cur = NULL;
		return err;
	}
	progress_update(cp, t, true);
	for (;;) {
		bool running = engine_poll(cp, t);
		int64_t now = fuzz_now_ms();

		progress_update(cp, t, false);
		if (progress_sample_due(cp))
			stats_sample(cp, t);
		/* Triage while it fuzzes: findings are stored as they come. */
		if (now - last_triage >= TRIAGE_EVERY_MS) {
			if ((err = triage_artifacts(cp, t, false, start + fuzz_ms)) != SD_OK)
				break;
			last_triage = fuzz_now_ms();
		}
		if (!running && fuzz_now_ms() < start + fuzz_ms - 1000 && !stop_requested) {
			/* Never fuzzed at all: not a target this engine can run. */
			if (!t->st.valid && t->procs[0].status != 0) {
				fuzz_note(cp, "%s: the engine could not fuzz it (status %d); see %s", t->name,
					  t->procs[0].status, t->log);
				err = SD_ERR_INVALID_ARG;
				break;
			}
			fuzz_note(cp, "%s: the engine stopped early (status %d); see %s", t->name, t->procs[0].status,
				  t->log);
		}
		if (!running || stop_requested || fuzz_now_ms() >= start + fuzz_ms + ENGINE_OVERRUN_MS)
			break;
		usleep(POLL_MS * 1000);
	}
	engine_stop(cp, t);
	if (err == SD_OK && !stop_requested) {
		/* What the engine wrote last, within the slot (a slot that ran
		 * late still looks at a few); the rest waits for the next run. */
		int64_t deadline = slot_end > fuzz_now_ms() + 2000 ? slot_end : fuzz_now_ms() + 2000;

		err = triage_artifacts(cp, t, true, deadline);
		if (t->untriaged)
			fuzz_note(cp, "%s: %zu artifacts left to triage; the next run triages them", t->name, t->untriaged);
		if (err == SD_OK && cp->o->merge && !stop_requested)
			engine_merge(cp, t, slot_end - fuzz_now_ms());
	}
	stats_sample(cp, t);
	progress_update(cp, t, true);
	progress_end(cp);
	cp->cur = NULL;
	return err;
}

/* Weights: the stateful target as much as all the others together. */
static int64_t weight_of(const struct fuzz_opts *o, size_t i)
{
	bool stateful = strcmp(o->targets[i], FUZZ_STATEFUL_TARGET) == 0;

	return stateful && o->n_targets > 1 ? (int64_t)(o->n_targets - 1) : 1;
}

/* The stateful target first: a campaign cut short has fuzzed it. */
static void order_targets(struct fuzz_opts *o)
{
	for (size_t i = 1; i < o->n_targets; i++) {
		if (strcmp(o->targets[i], FUZZ_STATEFUL_TARGET) == 0) {
			char first[FUZZ_NAME_MAX];

			memcpy(first, o->targets[i], FUZZ_NAME_MAX);
			memmove(o->targets[1], o->targets[0], i * FUZZ_NAME_MAX);
			memcpy(o->targets[0], first, FUZZ_NAME_MAX);
			break;
		}
	}
}

static sd_err run_all(struct campaign *cp, struct fuzz_opts *o)
{
	int64_t end = cp->start_ms + o->time_s * 1000;
	static struct target t;
	sd_err err = SD_OK;

	order_targets(o);
	for (size_t i = 0; i < o->n_targets && !stop_requested; i++) {
		int64_t left = end - fuzz_now_ms(), weights = 0, slot;

		for (size_t j = i; j < o->n_targets; j++)
			weights += weight_of(o, j);
		slot = left * weight_of(o, i) / weights;
		if (slot < 2000) {
			fuzz_note(cp, "out of time before %s", o->targets[i]);
			break;
		}
		if (target_paths(o, o->targets[i], &t) != SD_OK) {
			fuzz_note(cp, "%s: path too long under %s", o->targets[i], o->out);
			return SD_ERR_LIMIT;
		}
		if ((err = run_slot(cp, &t, slot)) != SD_OK)
			break;
	}
	return err;
}

static void print_summary(const struct campaign *cp, const struct fuzz_opts *o)
{
	int64_t s = (fuzz_now_ms() - cp->start_ms) / 1000;

	printf("%s: %zu target%s, %lldm%02llds, %zu finding%s in %s/findings.db, %zu new\n",
	       o->campaign ? "campaign" : "fuzz", o->n_targets, o->n_targets == 1 ? "" : "s", (long long)(s / 60),
	       (long long)(s % 60), cp->n_known, cp->n_known == 1 ? "" : "s", o->out, cp->n_news);
	for (size_t i = 0; i < cp->n_news; i++) {
		const struct new_finding *f = &cp->news[i];

		printf("new %s %s\n", f->id, f->signature);
		if (f->crash)
			printf("    %s/%s %s/findings/%s/input.bin\n", o->triage_dir, f->target, o->out, f->id);
		else
			printf("    sshdiff replay %s/findings/%s/case.txt\n", o->out, f->id);
	}
	fflush(stdout);
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int open_campaign(struct campaign *cp, const struct fuzz_opts *o)
{
	char msg[1024];

	if (campaign_dirs(o->out) != SD_OK) {
		fprintf(stderr, "sshdiff: --out %s: %s\n", o->out, strerror(errno));
		return EXIT_UNUSABLE;
	}
	if (store_open(o->out, &cp->store, msg, sizeof(msg)) != SD_OK) {
		fprintf(stderr, "sshdiff: finding store: %s\n", msg);
		return EXIT_UNUSABLE;
	}
	if (o->suppressions[0] && suppressions_load(o->suppressions, &cp->sup, msg, sizeof(msg)) != SD_OK) {
		fprintf(stderr, "%s\n", msg);
		return EXIT_UNUSABLE;
	}
	if (store_list(cp->store, remember_stored, cp) != SD_OK) {
		fprintf(stderr, "sshdiff: finding store: %s\n", store_last_error(cp->store));
		return EXIT_UNUSABLE;
	}
	return EXIT_AGREE;
}

static void close_campaign(struct campaign *cp)
{
	for (size_t i = 0; i < cp->n_known; i++)
		free(cp->known[i]);
	free(cp->known);
	free(cp->news);
	store_close(cp->store);
	suppressions_free(cp->sup);
}

static int run_command(int argc, char **argv, bool campaign)
{
	static struct fuzz_opts o;
	static struct campaign cp;
	bool run;
	int status = fuzz_parse_options(argc, argv, campaign, &o, &run);

	if (!run)
		return status;
	memset(&cp, 0, sizeof(cp));
	cp.o = &o;
	cp.tty = isatty(STDERR_FILENO) == 1;
	cp.start_ms = fuzz_now_ms();
	if ((status = open_campaign(&cp, &o)) == EXIT_AGREE) {
		install_signals();
		active = &cp;
		if (run_all(&cp, &o) != SD_OK)
			status = EXIT_UNUSABLE;
		active = NULL;
		print_summary(&cp, &o);
		if (status == EXIT_AGREE && cp.n_news > 0)
			status = EXIT_DIVERGENT;
	}
	close_campaign(&cp);
	return status;
}

int cmd_fuzz(int argc, char **argv)
{
	return run_command(argc, argv, false);
}

int cmd_campaign(int argc, char **argv)
{
	return run_command(argc, argv, true);
}

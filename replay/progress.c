/*
 * progress.c — the live progress line on stderr and the samples in
 * DIR/stats/<target>.tsv (docs/fuzzing.md).
 *
 * On a terminal the line is redrawn in place (\r) twice a second; anywhere
 * else (a log, CI) it is a plain line every PROGRESS_PLAIN_MS, so a log
 * stays readable.  Samples are appended every STATS_SAMPLE_MS and at the
 * end of a slot, one line each, so a kill loses at most the sample being
 * written (a partial last line, which the report skips).
 */
#include "replay/fuzz.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_TTY_MS 500
#define PROGRESS_PLAIN_MS 10000
#define STATS_SAMPLE_MS 5000

static const char stats_header[] =
	"time_s\ttarget\tengine\texecs\texecs_per_s\tcoverage\tcorpus\tfindings_new\tfindings_total\n";

static void format_elapsed(int64_t ms, char *out, size_t size)
{
	int64_t s = ms / 1000;

	snprintf(out, size, "%02lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
}

static void format_line(const struct campaign *cp, const struct target *t, char *out, size_t size)
{
	char elapsed[32];

	format_elapsed(fuzz_now_ms() - cp->start_ms, elapsed, sizeof(elapsed));
	if (!t->st.valid) {
		snprintf(out, size, "[%s] %s: starting  findings %zu new / %zu total", elapsed, t->name, cp->n_news,
			 cp->n_known);
		return;
	}
	snprintf(out, size, "[%s] %s: %.0f exec/s  %llu execs  corpus %llu  cov %llu  findings %zu new / %zu total",
		 elapsed, t->name, t->st.execs_per_s, (unsigned long long)t->st.execs,
		 (unsigned long long)t->st.corpus, (unsigned long long)t->st.coverage, cp->n_news, cp->n_known);
}

void progress_update(struct campaign *cp, struct target *t, bool force)
{
	int64_t now = fuzz_now_ms();
	char line[512];
	size_t len;

	if (!force && now - cp->last_print_ms < (cp->tty ? PROGRESS_TTY_MS : PROGRESS_PLAIN_MS))
		return;
	cp->last_print_ms = now;
	format_line(cp, t, line, sizeof(line));
	len = strlen(line);
	if (cp->tty) {
		/* Pad over a longer previous line. */
		fprintf(stderr, "\r%s%*s", line, cp->last_len > len ? (int)(cp->last_len - len) : 0, "");
		cp->last_len = len;
	} else {
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
}

/* Ends the redrawn line so that what follows starts on its own. */
void progress_end(struct campaign *cp)
{
	if (cp->tty && cp->last_len) {
		fputc('\n', stderr);
		fflush(stderr);
	}
	cp->last_len = 0;
}

void fuzz_note(struct campaign *cp, const char *fmt, ...)
{
	va_list ap;

	if (cp->tty && cp->last_len)
		fprintf(stderr, "\r%*s\r", (int)cp->last_len, "");
	cp->last_len = 0;
	fprintf(stderr, "sshdiff: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	/* Redraw at the next tick. */
	cp->last_print_ms = cp->tty ? 0 : cp->last_print_ms;
}

/* One line per write(2) on an O_APPEND descriptor: whole or (killed in the
 * write) cut, never interleaved. */
sd_err stats_sample(struct campaign *cp, struct target *t)
{
	char line[512];
	struct stat st;
	int fd, n;

	cp->last_sample_ms = fuzz_now_ms();
	if (!t->st.valid)
		return SD_OK;
	fd = open(t->stats, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return SD_ERR_INVALID_ARG;
	if (fstat(fd, &st) == 0 && st.st_size == 0 &&
	    write(fd, stats_header, sizeof(stats_header) - 1) != (ssize_t)(sizeof(stats_header) - 1)) {
		close(fd);
		return SD_ERR_INVALID_ARG;
	}
	n = snprintf(line, sizeof(line), "%lld\t%s\t%s\t%llu\t%.1f\t%llu\t%llu\t%llu\t%zu\n", (long long)time(NULL),
		     t->name, cp->o->engine == ENGINE_AFL ? "afl" : "libfuzzer", (unsigned long long)t->st.execs,
		     t->st.execs_per_s, (unsigned long long)t->st.coverage, (unsigned long long)t->st.corpus,
		     (unsigned long long)t->findings_new, cp->n_known);
	if (n < 0 || (size_t)n >= sizeof(line) || write(fd, line, (size_t)n) != n) {
		close(fd);
		return SD_ERR_INVALID_ARG;
	}
	close(fd);
	return SD_OK;
}

bool progress_sample_due(const struct campaign *cp)
{
	return fuzz_now_ms() - cp->last_sample_ms >= STATS_SAMPLE_MS;
}

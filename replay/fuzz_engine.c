/*
 * fuzz_engine.c — one target's engine process(es), whichever the engine:
 * starting (command lines built with struct cmd), following its log,
 * stopping, and keeping the corpus whole across kills (docs/fuzzing.md,
 * "Campaigns").  The engines themselves: fuzz_libfuzzer.c, fuzz_afl.c.
 */
#define _GNU_SOURCE
#include "replay/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oracle/fsutil.h"

/* argv / env builder (struct cmd, fuzz.h): strings owned, freed together. */
void cmd_add(struct cmd *c, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s || c->argc >= CMD_MAX_ARGS) {
		free(s);
		c->overflow = true;
		return;
	}
	c->argv[c->argc++] = s;
}

void cmd_env(struct cmd *c, const char *name, const char *value)
{
	char *s = NULL;

	if (asprintf(&s, "%s=%s", name, value) < 0 || c->envc >= CMD_MAX_ENV) {
		if (s)
			free(s);
		c->overflow = true;
		return;
	}
	c->env[c->envc++] = s;
}

void cmd_free(struct cmd *c)
{
	for (size_t i = 0; i < c->argc; i++)
		free(c->argv[i]);
	for (size_t i = 0; i < c->envc; i++)
		free(c->env[i]);
	memset(c, 0, sizeof(*c));
}

/* Our sanitizer settings after the user's: the last one wins. */
void cmd_sanitizer_env(struct cmd *c, const char *asan_extra, const char *ubsan_extra)
{
	char buf[2048];
	const char *cur;

	cur = getenv("ASAN_OPTIONS");
	snprintf(buf, sizeof(buf), "%s%s%s", cur ? cur : "", cur && *cur ? ":" : "", asan_extra);
	cmd_env(c, "ASAN_OPTIONS", buf);
	cur = getenv("UBSAN_OPTIONS");
	snprintf(buf, sizeof(buf), "%s%s%s", cur ? cur : "", cur && *cur ? ":" : "", ubsan_extra);
	cmd_env(c, "UBSAN_OPTIONS", buf);
}

static sd_err open_log_reader(struct target *t)
{
	int fd = open(t->log, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return SD_ERR_INVALID_ARG;
	lseek(fd, 0, SEEK_END);
	t->log_fd = fd;
	t->line_len = 0;
	return SD_OK;
}

sd_err engine_spawn(struct campaign *cp, struct target *t, struct cmd *c)
{
	sd_err err;

	if (c->overflow) {
		fuzz_note(cp, "%s: command line too long", t->name);
		return SD_ERR_LIMIT;
	}
	if (t->n_procs >= FUZZ_MAX_JOBS)
		return SD_ERR_LIMIT;
	if ((err = proc_start(&t->procs[t->n_procs], c->argv, c->env, t->log)) != SD_OK) {
		fuzz_note(cp, "%s: cannot start %s", t->name, c->argv[0]);
		return err;
	}
	t->n_procs++;
	return SD_OK;
}

sd_err engine_start(struct campaign *cp, struct target *t, int64_t fuzz_s)
{
	sd_err err;

	t->n_procs = 0;
	memset(&t->st, 0, sizeof(t->st));
	if ((err = open_log_reader(t)) != SD_OK) {
		fuzz_note(cp, "%s: cannot open %s: %s", t->name, t->log, strerror(errno));
		return err;
	}
	return cp->o->engine == ENGINE_AFL ? afl_start(cp, t, fuzz_s) : libfuzzer_start(cp, t, fuzz_s);
}

static void read_log(struct target *t)
{
	char buf[8192];
	ssize_t r;

	if (t->log_fd < 0)
		return;
	while ((r = read(t->log_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] != '\n') {
				if (t->line_len + 1 < sizeof(t->line))
					t->line[t->line_len++] = buf[i];
				continue;
			}
			t->line[t->line_len] = '\0';
			if (t->line[0] == '#')
				libfuzzer_line(t, t->line);
			else
				afl_line(t, t->line);
			t->line_len = 0;
		}
	}
}

bool engine_poll(struct campaign *cp, struct target *t)
{
	static int64_t last_afl_ms;
	bool running = false;

	if (cp->o->engine == ENGINE_AFL) {
		/* Files, not a pipe: once a second is plenty. */
		if (fuzz_now_ms() - last_afl_ms >= 1000) {
			last_afl_ms = fuzz_now_ms();
			afl_poll(t);
		}
	}
	read_log(t);
	/* new findings: jobs that start from now on skip them too */
	if (cp->o->engine == ENGINE_LIBFUZZER && cp->n_known != cp->n_known_written) {
		char path[PATH_MAX];
		(void)libfuzzer_known_write(cp, path, sizeof(path)); /* a failed rewrite only costs speed */
	}
	for (size_t i = 0; i < t->n_procs; i++)
		if (proc_poll(&t->procs[i]))
			running = true;
	return running;
}

void engine_stop(struct campaign *cp, struct target *t)
{
	for (size_t i = 0; i < t->n_procs; i++)
		proc_stop(&t->procs[i], 3000);
	if (cp->o->engine == ENGINE_AFL)
		afl_poll(t);
	read_log(t);
	if (t->log_fd >= 0)
		close(t->log_fd);
	t->log_fd = -1;
}

/* rm -rf of a folder sshdiff made (no symlinks followed). */
void fuzz_remove_tree(const char *path)
{
	struct dirent *e;
	DIR *d = opendir(path);

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char child[PATH_MAX];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (size_t)snprintf(child, sizeof(child), "%s/%s", path, e->d_name) >= sizeof(child))
			continue;
		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
			fuzz_remove_tree(child);
		else
			unlink(child);
	}
	closedir(d);
	rmdir(path);
}

void corpus_side_path(const struct target *t, const char *suffix, char *out, size_t size)
{
	snprintf(out, size, "%s%s", t->corpus, suffix);
}

/* A merge killed before its swap leaves <corpus>.merge (half written);
 * killed after, <corpus>.merge is the old corpus; either way it goes.
 * Without RENAME_EXCHANGE the old corpus sat in <corpus>.old for a moment
 * while the merged one moved in: put it back if that is all there is. */
sd_err engine_recover(struct campaign *cp, struct target *t)
{
	char merge[PATH_MAX], old[PATH_MAX];

	(void)cp;
	corpus_side_path(t, ".merge", merge, sizeof(merge));
	corpus_side_path(t, ".old", old, sizeof(old));
	if (!fuzz_dir_exists(t->corpus) && fuzz_dir_exists(old))
		rename(old, t->corpus);
	fuzz_remove_tree(merge);
	fuzz_remove_tree(old);
	fuzz_remove_tree(t->tmp);
	return fs_mkdir_p(t->tmp) == SD_OK && fs_mkdir_p(t->corpus) == SD_OK ? SD_OK : SD_ERR_INVALID_ARG;
}

size_t fuzz_count_files(const char *dir)
{
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

bool fuzz_dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

sd_err engine_merge(struct campaign *cp, struct target *t, int64_t budget_ms)
{
	return cp->o->engine == ENGINE_AFL ? afl_merge(cp, t) : libfuzzer_merge(cp, t, budget_ms);
}

/* A regular file, its first max bytes (NUL-terminated for text); NULL if
 * it cannot be read. */
uint8_t *fuzz_read_file(const char *path, size_t max, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	FILE *f;

	*len = 0;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (f = fopen(path, "rb")) == NULL)
		return NULL;
	if ((size_t)st.st_size > max)
		st.st_size = (off_t)max;
	buf = malloc((size_t)st.st_size + 1);
	if (buf) {
		*len = fread(buf, 1, (size_t)st.st_size, f);
		buf[*len] = 0;
	}
	fclose(f);
	return buf;
}

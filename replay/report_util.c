/*
 * report_util.c — what the report writers share: string lists, UTC times,
 * verdict classes, the replay command, a divergence signature's verdict
 * groups, bounded file reads and text sanitising.
 */
#include "replay/report_model.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "oracle/json_read.h"

sd_err strlist_addf(struct strlist *l, const char *fmt, ...)
{
	va_list ap;
	char **v;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return SD_ERR_NOMEM;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (!(v = realloc(l->v, (l->n + 1) * sizeof(*v)))) {
		free(s);
		return SD_ERR_NOMEM;
	}
	l->v = v;
	l->v[l->n++] = s;
	return SD_OK;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void report_iso_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || !gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "-");
}

const char *report_verdict_class(const char *v)
{
	if (strcmp(v, "accept") == 0)
		return "accept";
	if (strncmp(v, "reject", 6) == 0)
		return "reject";
	if (strcmp(v, "-") == 0 || v[0] == '\0')
		return "notreached";
	if (strncmp(v, "crash", 5) == 0)
		return "crash";
	if (strcmp(v, "hang") == 0)
		return "hang";
	if (strcmp(v, "unsupported") == 0)
		return "unsupported";
	return "other";
}

const char *report_kind_name(enum store_kind k)
{
	return k == STORE_CRASH ? "crash" : "divergence";
}

/* POSIX shell word: as is when every byte is harmless, else single-quoted
 * (a quote inside becomes '\''). */
static void shell_word(const char *s, char *out, size_t size, size_t *len)
{
	static const char safe[] = "@%+=:,./_-";
	bool plain = s[0] != '\0';

	for (const char *p = s; *p && plain; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr(safe, *p)))
			plain = false;
	if (plain) {
		*len += (size_t)snprintf(out + *len, *len < size ? size - *len : 0, "%s", s);
		return;
	}
	*len += (size_t)snprintf(out + *len, *len < size ? size - *len : 0, "'");
	for (const char *p = s; *p; p++)
		*len += (size_t)snprintf(out + *len, *len < size ? size - *len : 0, *p == '\'' ? "'\\''" : "%c", *p);
	*len += (size_t)snprintf(out + *len, *len < size ? size - *len : 0, "'");
}

/* Divergences replay with `sshdiff replay`; crashes are run by their fuzz
 * target binary (libFuzzer and AFL++ builds both take a file argument). */
char *report_replay_command(const struct report_campaign *c, const struct report_finding *f)
{
	bool crash = f->f.kind == STORE_CRASH;
	size_t plen = strlen(c->dir) + sizeof("/findings//case.txt") + sizeof(f->f.id) + 16;
	size_t size = 4 * plen + 4 * sizeof(f->f.target) + 64, len = 0;
	char *path = malloc(plen), *out = malloc(size);

	if (!path || !out) {
		free(path);
		free(out);
		return NULL;
	}
	snprintf(path, plen, "%s/findings/%s/%s", c->dir, f->f.id, crash ? "input.bin" : "case.txt");
	if (crash)
		shell_word(f->f.target[0] ? f->f.target : "FUZZ_TARGET", out, size, &len);
	else
		len += (size_t)snprintf(out, size, "sshdiff replay");
	len += (size_t)snprintf(out + len, len < size ? size - len : 0, " ");
	shell_word(path, out, size, &len);
	free(path);
	return out;
}

#define MAX_PAIRS 32

/* Splits the signature's last '|' field into name=verdict pairs; false if
 * it is not such a list. */
static bool signature_pairs(char *field, char *names[MAX_PAIRS], char *verdicts[MAX_PAIRS], size_t *n)
{
	char *save = NULL;

	*n = 0;
	for (char *tok = strtok_r(field, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok || eq[1] == '\0' || *n >= MAX_PAIRS)
			return false;
		*eq = '\0';
		names[*n] = tok;
		verdicts[*n] = eq + 1;
		(*n)++;
	}
	return *n > 0;
}

void report_disagreement_groups(const char *signature, void (*fn)(void *ctx, const char *verdict,
								 const char *names), void *ctx)
{
	char *names[MAX_PAIRS], *verdicts[MAX_PAIRS];
	const char *bar = strrchr(signature, '|');
	char *field, *list;
	size_t n;

	if (!bar || strncmp(signature, "crash ", 6) == 0 || !(field = strdup(bar + 1)))
		return;
	if (!signature_pairs(field, names, verdicts, &n) || !(list = malloc(strlen(bar) + 1))) {
		free(field);
		return;
	}
	/* Groups in order of first appearance, names in signature order. */
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		size_t len = 0;

		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(verdicts[k], verdicts[i]) == 0;
		if (seen)
			continue;
		list[0] = '\0';
		for (size_t k = i; k < n; k++)
			if (strcmp(verdicts[k], verdicts[i]) == 0)
				len += (size_t)sprintf(list + len, "%s%s", len ? ", " : "", names[k]);
		fn(ctx, verdicts[i], list);
	}
	free(list);
	free(field);
}

char *report_read_file(const char *path, size_t max, size_t *len, uint64_t *size)
{
	struct stat st;
	size_t want, got = 0;
	char *buf;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return NULL;
	}
	want = (uint64_t)st.st_size < max ? (size_t)st.st_size : max;
	if (!(buf = malloc(want + 1))) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	while (got < want) {
		ssize_t r = read(fd, buf + got, want - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			saved = errno;
			free(buf);
			close(fd);
			errno = saved;
			return NULL;
		}
		if (r == 0)
			break; /* shrank while we read: what is there */
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	if (size)
		*size = (uint64_t)st.st_size;
	return buf;
}

char *report_sanitize(const char *p, size_t n)
{
	static const char fffd[] = "\xef\xbf\xbd";
	const uint8_t *u = (const uint8_t *)p;
	char *out = malloc(3 * n + 1);
	size_t w = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t len;

		if (u[i] == '\r' && i + 1 < n && u[i + 1] == '\n') {
			i++; /* CRLF files read as LF */
		} else if (u[i] == '\t' || u[i] == '\n') {
			out[w++] = (char)u[i++];
		} else if (u[i] < 0x20 || u[i] == 0x7f || (len = json_utf8_len(u + i, n - i)) == 0) {
			memcpy(out + w, fffd, 3);
			w += 3;
			i++;
		} else {
			memcpy(out + w, u + i, len);
			w += len;
			i += len;
		}
	}
	out[w] = '\0';
	return out;
}

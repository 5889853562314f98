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

const char *report_verdict_letter(const char *cls)
{
	static const char *const letters[][2] = {
		{"accept", "A"}, {"reject", "R"}, {"notreached", "-"},
		{"crash", "C"},  {"hang", "H"},   {"unsupported", "U"},
	};

	for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (strcmp(cls, letters[i][0]) == 0)
			return letters[i][1];
	return "?";
}

void report_put_list(FILE *f, const struct report_markup *m, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		fputs(m->item_open, f);
		m->text(f, l->v[i]);
		fputs(m->item_close, f);
	}
}

static void put_fact(FILE *f, const struct report_markup *m, const char *key, const char *code_value)
{
	fprintf(f, "%s%s%s", m->kv_open, key, m->kv_mid);
	m->code(f, code_value);
	fputs(m->kv_close, f);
}

void report_put_facts(FILE *f, const struct report_markup *m, const struct report_campaign *c,
		      const struct report_finding *r)
{
	char *replay = report_replay_command(c, r);

	put_fact(f, m, "signature", r->f.signature);
	fprintf(f, "%sseen%s%" PRIu64 " time%s, first ", m->kv_open, m->kv_mid, r->f.count,
		r->f.count == 1 ? "" : "s");
	m->time(f, r->f.first_seen);
	fputs(", last ", f);
	m->time(f, r->f.last_seen);
	fputs(m->kv_close, f);
	put_fact(f, m, "target", r->f.target[0] ? r->f.target : "(sshdiff replay)");
	if (r->f.versions[0])
		put_fact(f, m, "versions", r->f.versions);
	if (r->suppressed)
		put_fact(f, m, "suppressed", r->suppressed);
	put_fact(f, m, "folder", r->folder);
	put_fact(f, m, r->f.kind == STORE_CRASH ? "reproduce" : "replay", replay ? replay : "");
	if (r->have_input)
		fprintf(f, "%sinput.bin%s%" PRIu64 " bytes%s", m->kv_open, m->kv_mid, r->input_size, m->kv_close);
	free(replay);
}

void report_put_finding_row(FILE *f, const struct report_markup *m, const struct report_campaign *c,
			    const struct report_finding *r)
{
	char *replay = report_replay_command(c, r);
	struct report_groups g = {f, 0};

	m->finding_id(f, r);
	fprintf(f, "%s%s%s", m->sep, report_kind_name(r->f.kind), m->sig_sep);
	m->cell_code(f, r->f.signature);
	fputs(m->sep, f);
	report_disagreement_groups(r->f.signature, m->group, &g);
	fputs(m->sep, f);
	m->time(f, r->f.first_seen);
	fputs(m->sep, f);
	m->time(f, r->f.last_seen);
	fprintf(f, "%s%" PRIu64 "%s", m->num_sep, r->f.count, m->sep);
	if (r->f.target[0])
		m->cell_code(f, r->f.target);
	else
		fputs(m->no_target, f);
	fputs(m->sep, f);
	m->cell_code(f, replay ? replay : "");
	fputs(m->row_close, f);
	free(replay);
}

void report_put_backend_rows(FILE *f, const struct report_markup *m, const struct report_finding *r)
{
	for (size_t b = 0; b < r->n_backends; b++) {
		fputs(m->row_open, f);
		m->text(f, r->backends[b].name);
		fputs(m->head_end, f);
		m->text(f, r->backends[b].version);
		fputs(m->sep, f);
		m->text(f, r->backends[b].outcome);
		fputs(m->row_close, f);
	}
}

void report_put_series_row(FILE *f, const struct report_markup *m, const struct report_series *s)
{
	const struct report_sample *last = s->n ? &s->s[s->n - 1] : NULL;
	const char *ns = m->num_sep;

	fputs(m->row_open, f);
	m->cell_code(f, s->target);
	fputs(m->head_end, f);
	m->text(f, s->engine ? s->engine : "");
	fprintf(f, "%s%zu%s%u%s%" PRIu64, ns, s->n, ns, s->runs, ns, s->total_execs);
	if (last)
		fprintf(f, "%s%.0f%s%" PRIu64 "%s%" PRIu64 "%s%" PRIu64 "/%" PRIu64, ns, last->execs_per_s, ns,
			last->coverage, ns, last->corpus, ns, last->findings_new, last->findings_total);
	else
		fprintf(f, "%s-%s-%s-%s-", m->sep, m->sep, m->sep, m->sep);
	fputs(m->row_close, f);
}

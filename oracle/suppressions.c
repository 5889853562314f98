/*
 * suppressions.c — the list of differences the RFCs allow (docs/suppressions.md):
 * loading the file, with every mistake named by file and line, and matching
 * a divergence signature against it.
 */
#include "oracle/compare.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUP_FILE_MAX (1u << 20)
#define SUP_LINK_MAX 512

struct suppression {
	char match[sizeof(((struct comparison *)0)->signature)];
	char reason[sizeof(((struct comparison *)0)->suppression_reason)];
	char link[SUP_LINK_MAX];
	unsigned line; /* where the entry starts */
};

struct suppressions {
	struct suppression *v;
	size_t n, cap;
};

/* Parser state: the entry being read and where errors go. */
struct sup_parser {
	const char *path;
	struct suppressions *s;
	struct suppression cur;
	bool open;               /* cur has at least one key */
	bool has_match, has_reason, has_link;
	char *err_msg;
	size_t err_msg_size;
};

static sd_err sup_error(struct sup_parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static sd_err sup_error(struct sup_parser *p, unsigned line, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (p->err_msg && p->err_msg_size)
		snprintf(p->err_msg, p->err_msg_size, "%s:%u: %s", p->path, line, what);
	return SD_ERR_INVALID_ARG;
}

void suppressions_free(struct suppressions *s)
{
	if (!s)
		return;
	free(s->v);
	free(s);
}

/* Whole-string match where '*' matches any run of bytes (possibly empty)
 * and every other byte matches itself: signatures contain '|' ',' '=' ':'
 * and nothing else special, so no other metacharacter is needed. */
static bool wildcard_match(const char *pat, const char *str)
{
	const char *star = NULL, *resume = NULL;

	while (*str) {
		if (*pat == '*') {
			star = pat++;
			resume = str;
		} else if (*pat == *str) {
			pat++;
			str++;
		} else if (star) {
			pat = star + 1;
			str = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

const char *suppressions_match(const struct suppressions *s, const char *signature)
{
	if (!s || !signature || !*signature)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (wildcard_match(s->v[i].match, signature))
			return s->v[i].reason;
	return NULL;
}

static sd_err sup_push(struct suppressions *s, const struct suppression *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct suppression *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return SD_ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *e;
	return SD_OK;
}

/* A blank line or the end of the file closes the entry being read. */
static sd_err sup_close_entry(struct sup_parser *p)
{
	const char *missing = NULL;

	if (!p->open)
		return SD_OK;
	if (!p->has_match)
		missing = "match";
	else if (!p->has_reason)
		missing = "reason";
	else if (!p->has_link)
		missing = "link";
	if (missing)
		return sup_error(p, p->cur.line, "entry has no '%s' (every entry needs match, reason and link)",
				 missing);
	p->open = false;
	return sup_push(p->s, &p->cur);
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Copies the trimmed [b, e) into dst (size n); false if it does not fit. */
static bool copy_trimmed(char *dst, size_t n, const char *b, const char *e)
{
	while (b < e && is_blank(*b))
		b++;
	while (e > b && is_blank(e[-1]))
		e--;
	if ((size_t)(e - b) >= n)
		return false;
	memcpy(dst, b, (size_t)(e - b));
	dst[e - b] = '\0';
	return true;
}

static sd_err sup_set(struct sup_parser *p, unsigned line, const char *key, const char *vb, const char *ve)
{
	char *dst;
	size_t size;
	bool *seen;

	if (strcmp(key, "match") == 0)
		dst = p->cur.match, size = sizeof(p->cur.match), seen = &p->has_match;
	else if (strcmp(key, "reason") == 0)
		dst = p->cur.reason, size = sizeof(p->cur.reason), seen = &p->has_reason;
	else if (strcmp(key, "link") == 0)
		dst = p->cur.link, size = sizeof(p->cur.link), seen = &p->has_link;
	else
		return sup_error(p, line, "unknown key '%s' (expected match, reason or link)", key);
	if (*seen)
		return sup_error(p, line, "second '%s' in one entry (separate entries with a blank line)", key);
	if (!copy_trimmed(dst, size, vb, ve))
		return sup_error(p, line, "'%s' is longer than %zu bytes", key, size - 1);
	if (!*dst)
		return sup_error(p, line, "'%s' is empty", key);
	if (seen == &p->has_link && strncmp(dst, "https://", 8) != 0 && strncmp(dst, "http://", 7) != 0)
		return sup_error(p, line, "link must be an http(s) URL");
	*seen = true;
	return SD_OK;
}

static sd_err sup_line(struct sup_parser *p, unsigned line, const char *b, const char *e)
{
	const char *q = b, *eq;
	char key[16];

	while (q < e && is_blank(*q))
		q++;
	if (q == e)
		return sup_close_entry(p);
	/* Only whole-line comments: a link may contain '#'. */
	if (*q == '#')
		return SD_OK;
	eq = memchr(q, '=', (size_t)(e - q));
	if (!eq)
		return sup_error(p, line, "expected 'key = value'");
	if (!copy_trimmed(key, sizeof(key), q, eq) || !*key)
		return sup_error(p, line, "expected 'key = value'");
	if (!p->open) {
		memset(&p->cur, 0, sizeof(p->cur));
		p->cur.line = line;
		p->open = true;
		p->has_match = p->has_reason = p->has_link = false;
	}
	return sup_set(p, line, key, eq + 1, e);
}

static sd_err sup_parse(struct sup_parser *p, const char *text, size_t len)
{
	const char *b = text, *end = text + len;
	unsigned line = 1;
	sd_err err;

	if (memchr(text, '\0', len))
		return sup_error(p, 1u, "file contains a NUL byte");
	while (b < end) {
		const char *e = memchr(b, '\n', (size_t)(end - b));

		if (!e)
			e = end;
		if ((err = sup_line(p, line, b, e)) != SD_OK)
			return err;
		b = e + 1;
		line++;
	}
	return sup_close_entry(p);
}

static sd_err read_file(const char *path, char **text, size_t *len, char *err_msg, size_t err_msg_size)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f) {
		snprintf(err_msg, err_msg_size, "%s: %s", path, strerror(errno));
		return SD_ERR_INVALID_ARG;
	}
	buf = malloc(SUP_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return SD_ERR_NOMEM;
	}
	n = fread(buf, 1, SUP_FILE_MAX + 1, f);
	if (ferror(f) || n > SUP_FILE_MAX) {
		snprintf(err_msg, err_msg_size, "%s: %s", path,
			 ferror(f) ? "read error" : "larger than 1 MiB");
		fclose(f);
		free(buf);
		return SD_ERR_INVALID_ARG;
	}
	fclose(f);
	*text = buf;
	*len = n;
	return SD_OK;
}

sd_err suppressions_parse(const char *name, const char *text, size_t len, struct suppressions **out, char *err_msg,
			  size_t err_msg_size)
{
	char scratch[1];
	struct sup_parser p;
	sd_err err;

	*out = NULL;
	if (!err_msg || !err_msg_size)
		err_msg = scratch, err_msg_size = sizeof(scratch);
	err_msg[0] = '\0';
	memset(&p, 0, sizeof(p));
	p.path = name;
	p.err_msg = err_msg;
	p.err_msg_size = err_msg_size;
	p.s = calloc(1, sizeof(*p.s));
	if (!p.s)
		return SD_ERR_NOMEM;
	err = sup_parse(&p, text, len);
	if (err != SD_OK) {
		suppressions_free(p.s);
		return err;
	}
	*out = p.s;
	return SD_OK;
}

sd_err suppressions_load(const char *path, struct suppressions **out, char *err_msg, size_t err_msg_size)
{
	char scratch[1];
	char *text;
	size_t len;
	sd_err err;

	*out = NULL;
	if (!err_msg || !err_msg_size)
		err_msg = scratch, err_msg_size = sizeof(scratch);
	err_msg[0] = '\0';
	if ((err = read_file(path, &text, &len, err_msg, err_msg_size)) != SD_OK)
		return err;
	err = suppressions_parse(path, text, len, out, err_msg, err_msg_size);
	free(text);
	return err;
}

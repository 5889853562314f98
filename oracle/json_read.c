/*
 * json_read.c — recursive-descent JSON reader (json_read.h), RFC 8259.
 *
 * The parser keeps a cursor into the text; every read checks it against the
 * end first.  Recursion is bounded by JSON_READ_MAX_DEPTH.  On error the
 * partial tree is freed by the caller of each level, so nothing leaks.
 */
#include "oracle/json_read.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wire.h"

struct parser {
	const uint8_t *p;
	size_t len, pos;
	unsigned depth;
	char *err_msg;
	size_t err_msg_size;
};

static sd_err fail(struct parser *ps, sd_err err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Line and column (1-based, in bytes) of the cursor, then the reason. */
static sd_err fail(struct parser *ps, sd_err err, const char *fmt, ...)
{
	size_t line = 1, col = 1, n;
	va_list ap;

	if (!ps->err_msg || !ps->err_msg_size)
		return err;
	for (size_t i = 0; i < ps->pos && i < ps->len; i++) {
		if (ps->p[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	n = (size_t)snprintf(ps->err_msg, ps->err_msg_size, "line %zu, column %zu: ", line, col);
	if (n < ps->err_msg_size) {
		va_start(ap, fmt);
		vsnprintf(ps->err_msg + n, ps->err_msg_size - n, fmt, ap);
		va_end(ap);
	}
	return err;
}

const char *json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL: return "null";
	case JSON_BOOL: return "boolean";
	case JSON_INT: return "integer";
	case JSON_STRING: return "string";
	case JSON_ARRAY: return "array";
	case JSON_OBJECT: return "object";
	}
	return "?";
}

static void value_clear(struct json_value *v)
{
	if (v->type == JSON_STRING) {
		free(v->s);
	} else if (v->type == JSON_ARRAY || v->type == JSON_OBJECT) {
		for (size_t i = 0; i < v->n; i++) {
			value_clear(&v->items[i]);
			if (v->keys)
				free(v->keys[i]);
		}
		free(v->items);
		free(v->keys);
	}
	memset(v, 0, sizeof(*v));
}

void json_value_free(struct json_value *v)
{
	if (!v)
		return;
	value_clear(v);
	free(v);
}

const struct json_value *json_member(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}

/* RFC 8259 section 2: the four insignificant whitespace bytes. */
static void skip_ws(struct parser *ps)
{
	while (ps->pos < ps->len) {
		uint8_t c = ps->p[ps->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		ps->pos++;
	}
}

static bool at_end(const struct parser *ps)
{
	return ps->pos >= ps->len;
}

static sd_err parse_value(struct parser *ps, struct json_value *v);

static sd_err parse_literal(struct parser *ps, const char *word, struct json_value *v, enum json_type t, bool b)
{
	size_t n = strlen(word);

	if (ps->len - ps->pos < n) {
		if (memcmp(ps->p + ps->pos, word, ps->len - ps->pos) == 0)
			return fail(ps, SD_ERR_TRUNCATED, "text ends inside '%s'", word);
		return fail(ps, SD_ERR_INVALID_ARG, "unexpected character (expected a value)");
	}
	if (memcmp(ps->p + ps->pos, word, n) != 0)
		return fail(ps, SD_ERR_INVALID_ARG, "unexpected character (expected a value)");
	ps->pos += n;
	v->type = t;
	v->b = b;
	return SD_OK;
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
 * The whole grammar is checked, so that "1." is a syntax error and "1.5"
 * an unsupported (but well-formed) number. */
static sd_err parse_number(struct parser *ps, struct json_value *v)
{
	size_t start = ps->pos;
	bool neg = false, frac = false;
	uint64_t mag = 0, limit;

	if (ps->p[ps->pos] == '-') {
		neg = true;
		ps->pos++;
	}
	if (at_end(ps))
		return fail(ps, SD_ERR_TRUNCATED, "text ends inside a number");
	if (!is_digit(ps->p[ps->pos]))
		return fail(ps, SD_ERR_INVALID_ARG, "a number needs digits");
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (ps->p[ps->pos] == '0') {
		ps->pos++;
		if (!at_end(ps) && is_digit(ps->p[ps->pos]))
			return fail(ps, SD_ERR_INVALID_ARG, "a number may not have leading zeros");
	} else {
		while (!at_end(ps) && is_digit(ps->p[ps->pos])) {
			unsigned d = ps->p[ps->pos] - '0';

			if (mag > (limit - d) / 10) {
				ps->pos = start;
				return fail(ps, SD_ERR_LIMIT, "integer out of the 64-bit range");
			}
			mag = mag * 10 + d;
			ps->pos++;
		}
	}
	if (!at_end(ps) && ps->p[ps->pos] == '.') {
		frac = true;
		ps->pos++;
		if (at_end(ps))
			return fail(ps, SD_ERR_TRUNCATED, "text ends inside a number");
		if (!is_digit(ps->p[ps->pos]))
			return fail(ps, SD_ERR_INVALID_ARG, "a fraction needs digits");
		while (!at_end(ps) && is_digit(ps->p[ps->pos]))
			ps->pos++;
	}
	if (!at_end(ps) && (ps->p[ps->pos] == 'e' || ps->p[ps->pos] == 'E')) {
		frac = true;
		ps->pos++;
		if (!at_end(ps) && (ps->p[ps->pos] == '+' || ps->p[ps->pos] == '-'))
			ps->pos++;
		if (at_end(ps))
			return fail(ps, SD_ERR_TRUNCATED, "text ends inside a number");
		if (!is_digit(ps->p[ps->pos]))
			return fail(ps, SD_ERR_INVALID_ARG, "an exponent needs digits");
		while (!at_end(ps) && is_digit(ps->p[ps->pos]))
			ps->pos++;
	}
	if (frac) {
		ps->pos = start;
		return fail(ps, SD_ERR_UNSUPPORTED, "only integers are supported (fraction or exponent)");
	}
	v->type = JSON_INT;
	/* -2^63 has no positive counterpart: build it from the unsigned form. */
	v->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return SD_OK;
}

/* The four hex digits after "\u" (the cursor is on the first). */
static sd_err read_hex4(struct parser *ps, uint32_t *out)
{
	uint32_t cp = 0;

	if (ps->len - ps->pos < 4)
		return fail(ps, SD_ERR_TRUNCATED, "text ends inside a \\u escape");
	for (int i = 0; i < 4; i++) {
		int h = hex_digit(ps->p[ps->pos]);

		if (h < 0)
			return fail(ps, SD_ERR_INVALID_ARG, "\\u needs four hex digits");
		cp = cp << 4 | (uint32_t)h;
		ps->pos++;
	}
	*out = cp;
	return SD_OK;
}

static size_t put_utf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* RFC 8259 section 7: "\uD83D\uDE00" is one code point; a lone surrogate
 * is not a character and is refused. */
static sd_err parse_u_escape(struct parser *ps, char *out, size_t *w)
{
	size_t at = ps->pos - 2;
	uint32_t cp, lo;
	sd_err err;

	if ((err = read_hex4(ps, &cp)) != SD_OK)
		return err;
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		ps->pos = at;
		return fail(ps, SD_ERR_INVALID_ARG, "lone low surrogate \\u%04X", (unsigned)cp);
	}
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->len - ps->pos < 2 || ps->p[ps->pos] != '\\' || ps->p[ps->pos + 1] != 'u') {
			ps->pos = at;
			return fail(ps, SD_ERR_INVALID_ARG, "high surrogate \\u%04X without a low one", (unsigned)cp);
		}
		ps->pos += 2;
		if ((err = read_hex4(ps, &lo)) != SD_OK)
			return err;
		if (lo < 0xdc00 || lo > 0xdfff) {
			ps->pos = at;
			return fail(ps, SD_ERR_INVALID_ARG, "high surrogate \\u%04X without a low one", (unsigned)cp);
		}
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0) {
		ps->pos = at;
		return fail(ps, SD_ERR_UNSUPPORTED, "\\u0000 in a string is not supported");
	}
	*w += put_utf8(cp, out + *w);
	return SD_OK;
}

static sd_err parse_escape(struct parser *ps, char *out, size_t *w)
{
	uint8_t c;

	ps->pos++; /* the backslash */
	if (at_end(ps))
		return fail(ps, SD_ERR_TRUNCATED, "text ends inside a string");
	c = ps->p[ps->pos++];
	switch (c) {
	case '"': out[(*w)++] = '"'; return SD_OK;
	case '\\': out[(*w)++] = '\\'; return SD_OK;
	case '/': out[(*w)++] = '/'; return SD_OK;
	case 'b': out[(*w)++] = '\b'; return SD_OK;
	case 'f': out[(*w)++] = '\f'; return SD_OK;
	case 'n': out[(*w)++] = '\n'; return SD_OK;
	case 'r': out[(*w)++] = '\r'; return SD_OK;
	case 't': out[(*w)++] = '\t'; return SD_OK;
	case 'u': return parse_u_escape(ps, out, w);
	default:
		ps->pos -= 2;
		return fail(ps, SD_ERR_INVALID_ARG, "unknown escape");
	}
}

/* The span up to the closing quote, so that the decoded string (never
 * longer than its escaped form) gets one allocation. */
static sd_err string_extent(struct parser *ps, size_t *raw)
{
	size_t i = ps->pos + 1;

	while (i < ps->len && ps->p[i] != '"')
		i += ps->p[i] == '\\' ? 2 : 1;
	if (i >= ps->len)
		return fail(ps, SD_ERR_TRUNCATED, "text ends inside a string (no closing quote)");
	*raw = i - ps->pos - 1;
	return SD_OK;
}

/* The cursor is on the opening quote; *out receives a new C string. */
static sd_err parse_string(struct parser *ps, char **out, size_t *out_len)
{
	size_t raw, w = 0;
	char *s;
	sd_err err;

	if ((err = string_extent(ps, &raw)) != SD_OK)
		return err;
	if (!(s = malloc(raw + 1)))
		return fail(ps, SD_ERR_NOMEM, "out of memory");
	ps->pos++;
	for (;;) {
		uint8_t c = ps->p[ps->pos];
		size_t n;

		if (c == '"') {
			ps->pos++;
			break;
		}
		if (c == '\\') {
			if ((err = parse_escape(ps, s, &w)) != SD_OK)
				goto bad;
			continue;
		}
		if (c < 0x20) {
			err = fail(ps, SD_ERR_INVALID_ARG, "control character 0x%02x in a string (must be escaped)", c);
			goto bad;
		}
		if ((n = json_utf8_len(ps->p + ps->pos, ps->len - ps->pos)) == 0) {
			err = fail(ps, SD_ERR_INVALID_ARG, "invalid UTF-8 in a string");
			goto bad;
		}
		memcpy(s + w, ps->p + ps->pos, n);
		w += n;
		ps->pos += n;
	}
	s[w] = '\0';
	*out = s;
	*out_len = w;
	return SD_OK;
bad:
	free(s);
	return err;
}

/* Room for one more item in a growing array (and key list for objects). */
static sd_err grow(struct parser *ps, struct json_value *v, size_t *cap, bool with_keys)
{
	struct json_value *items;
	size_t ncap;

	if (v->n < *cap)
		return SD_OK;
	ncap = *cap ? *cap * 2 : 4;
	items = realloc(v->items, ncap * sizeof(*items));
	if (!items)
		return fail(ps, SD_ERR_NOMEM, "out of memory");
	v->items = items;
	if (with_keys) {
		char **keys = realloc(v->keys, ncap * sizeof(*keys));

		if (!keys)
			return fail(ps, SD_ERR_NOMEM, "out of memory");
		v->keys = keys;
	}
	*cap = ncap;
	return SD_OK;
}

/* After an item: ',' (another one follows) or the closing bracket. */
static sd_err after_item(struct parser *ps, uint8_t close, const char *what, bool *more)
{
	skip_ws(ps);
	if (at_end(ps))
		return fail(ps, SD_ERR_TRUNCATED, "text ends inside an %s", what);
	if (ps->p[ps->pos] == ',') {
		ps->pos++;
		*more = true;
		return SD_OK;
	}
	if (ps->p[ps->pos] == close) {
		ps->pos++;
		*more = false;
		return SD_OK;
	}
	return fail(ps, SD_ERR_INVALID_ARG, "expected ',' or '%c' in an %s", close, what);
}

static sd_err parse_array(struct parser *ps, struct json_value *v)
{
	size_t cap = 0;
	bool more = true;
	sd_err err;

	v->type = JSON_ARRAY;
	ps->pos++;
	skip_ws(ps);
	if (!at_end(ps) && ps->p[ps->pos] == ']') {
		ps->pos++;
		return SD_OK;
	}
	while (more) {
		if (v->n >= JSON_READ_MAX_ITEMS)
			return fail(ps, SD_ERR_LIMIT, "more than %u items in an array", JSON_READ_MAX_ITEMS);
		if ((err = grow(ps, v, &cap, false)) != SD_OK)
			return err;
		memset(&v->items[v->n], 0, sizeof(v->items[0]));
		v->n++;
		if ((err = parse_value(ps, &v->items[v->n - 1])) != SD_OK ||
		    (err = after_item(ps, ']', "array", &more)) != SD_OK)
			return err;
	}
	return SD_OK;
}

/* One "key": value member; the key is stored before the value is parsed so
 * that a failure anywhere leaves a tree value_clear can free. */
static sd_err parse_member(struct parser *ps, struct json_value *v, size_t *cap)
{
	size_t key_at, key_len;
	char *key;
	sd_err err;

	skip_ws(ps);
	if (at_end(ps))
		return fail(ps, SD_ERR_TRUNCATED, "text ends inside an object");
	if (ps->p[ps->pos] != '"')
		return fail(ps, SD_ERR_INVALID_ARG, "expected a string key in an object");
	if (v->n >= JSON_READ_MAX_MEMBERS)
		return fail(ps, SD_ERR_LIMIT, "more than %u members in an object", JSON_READ_MAX_MEMBERS);
	key_at = ps->pos;
	if ((err = parse_string(ps, &key, &key_len)) != SD_OK)
		return err;
	if (json_member(v, key)) {
		ps->pos = key_at;
		free(key);
		return fail(ps, SD_ERR_INVALID_ARG, "duplicate key in an object");
	}
	if ((err = grow(ps, v, cap, true)) != SD_OK) {
		free(key);
		return err;
	}
	memset(&v->items[v->n], 0, sizeof(v->items[0]));
	v->keys[v->n] = key;
	v->n++;
	skip_ws(ps);
	if (at_end(ps))
		return fail(ps, SD_ERR_TRUNCATED, "text ends inside an object");
	if (ps->p[ps->pos] != ':')
		return fail(ps, SD_ERR_INVALID_ARG, "expected ':' after an object key");
	ps->pos++;
	return parse_value(ps, &v->items[v->n - 1]);
}

static sd_err parse_object(struct parser *ps, struct json_value *v)
{
	size_t cap = 0;
	bool more = true;
	sd_err err;

	v->type = JSON_OBJECT;
	ps->pos++;
	skip_ws(ps);
	if (!at_end(ps) && ps->p[ps->pos] == '}') {
		ps->pos++;
		return SD_OK;
	}
	while (more)
		if ((err = parse_member(ps, v, &cap)) != SD_OK || (err = after_item(ps, '}', "object", &more)) != SD_OK)
			return err;
	return SD_OK;
}

static sd_err parse_nested(struct parser *ps, struct json_value *v, bool object)
{
	sd_err err;

	if (ps->depth >= JSON_READ_MAX_DEPTH)
		return fail(ps, SD_ERR_LIMIT, "nested deeper than %d levels", JSON_READ_MAX_DEPTH);
	ps->depth++;
	err = object ? parse_object(ps, v) : parse_array(ps, v);
	ps->depth--;
	return err;
}

static sd_err parse_value(struct parser *ps, struct json_value *v)
{
	uint8_t c;

	skip_ws(ps);
	if (at_end(ps))
		return fail(ps, SD_ERR_TRUNCATED, "text ends where a value is expected");
	c = ps->p[ps->pos];
	switch (c) {
	case '{': return parse_nested(ps, v, true);
	case '[': return parse_nested(ps, v, false);
	case '"':
		v->type = JSON_STRING;
		return parse_string(ps, &v->s, &v->len);
	case 't': return parse_literal(ps, "true", v, JSON_BOOL, true);
	case 'f': return parse_literal(ps, "false", v, JSON_BOOL, false);
	case 'n': return parse_literal(ps, "null", v, JSON_NULL, false);
	default:
		if (c == '-' || is_digit(c))
			return parse_number(ps, v);
		return fail(ps, SD_ERR_INVALID_ARG, "unexpected character (expected a value)");
	}
}

sd_err json_parse(const char *text, size_t len, struct json_value **out, char *err_msg, size_t err_msg_size)
{
	struct parser ps = {(const uint8_t *)text, len, 0, 0, err_msg, err_msg_size};
	struct json_value *v;
	sd_err err;

	*out = NULL;
	if (err_msg && err_msg_size)
		err_msg[0] = '\0';
	if (len > JSON_READ_MAX_INPUT)
		return fail(&ps, SD_ERR_LIMIT, "longer than %u bytes", JSON_READ_MAX_INPUT);
	if (!(v = calloc(1, sizeof(*v))))
		return fail(&ps, SD_ERR_NOMEM, "out of memory");
	err = parse_value(&ps, v);
	if (err == SD_OK) {
		skip_ws(&ps);
		if (!at_end(&ps))
			err = fail(&ps, SD_ERR_TRAILING, "unexpected data after the value");
	}
	if (err != SD_OK) {
		json_value_free(v);
		return err;
	}
	*out = v;
	return SD_OK;
}

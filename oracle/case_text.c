/*
 * case_text.c — the text form of a case (docs/case-format.md "Text form"):
 * what people read, edit and commit.  Line-oriented; '#' starts a comment
 * outside a quoted string; every error names the line and the token.
 *
 * The printer writes every header line and quotes any string that would not
 * survive as one bare token, so case_parse_text(case_print_text(c)) == c for
 * every valid case, including every decoded fuzz input.
 */
#include "oracle/case_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto/wire.h"

/* ==== printing ==== */

static sd_err puts_(struct sbuf *b, const char *s)
{
	return sbuf_put(b, s, strlen(s));
}

/* A bare token: printable, no space, and none of the characters the
 * tokenizer gives a meaning to. */
static bool bare_char(char ch)
{
	return ch > 0x20 && ch <= 0x7e && ch != '"' && ch != '#' && ch != ';' && ch != '\\';
}

static sd_err put_string(struct sbuf *b, const char *s)
{
	bool bare = s[0] != '\0';
	for (const char *q = s; *q && bare; q++)
		bare = bare_char(*q);
	if (bare)
		return puts_(b, s);
	/* Quoted: worst case every byte escaped, plus the two quotes. */
	size_t n = strlen(s), k = 0;
	uint8_t *w;
	sd_err e = sbuf_reserve(b, 2 * n + 2, &w);
	if (e)
		return e;
	w[k++] = '"';
	for (const char *q = s; *q; q++) {
		if (*q == '"' || *q == '\\')
			w[k++] = '\\';
		w[k++] = (uint8_t)*q;
	}
	w[k++] = '"';
	b->len -= 2 * n + 2 - k; /* give back what escaping did not use */
	return SD_OK;
}

/* Hex bytes, or "-" for none. */
static sd_err put_hex(struct sbuf *b, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	if (n == 0)
		return sbuf_put_u8(b, '-');
	uint8_t *w;
	sd_err e = sbuf_reserve(b, 2 * n, &w);
	if (e)
		return e;
	for (size_t i = 0; i < n; i++) {
		w[2 * i] = (uint8_t)hex[p[i] >> 4];
		w[2 * i + 1] = (uint8_t)hex[p[i] & 15];
	}
	return SD_OK;
}

/* A field by name, or by index for messages without a field table. */
static sd_err put_field(struct sbuf *b, enum case_msg msg, uint8_t field)
{
	const char *name = case_msg_field_name(msg, field);
	return name ? puts_(b, name) : sbuf_printf(b, "%u", field);
}

static sd_err print_mutation(struct sbuf *b, enum case_msg msg, const struct case_mutation *m)
{
	sd_err e = puts_(b, case_mutation_kind_name(m->kind));
	if (e)
		return e;
	switch (case_mut_shape(m->kind)) {
	case SHAPE_MUT_FIELD_DATA:
		if ((e = sbuf_put_u8(b, ' ')) || (e = put_field(b, msg, m->field)) || (e = sbuf_put_u8(b, '=')))
			return e;
		return put_hex(b, m->data, m->data_len);
	case SHAPE_MUT_OFFSET_MASK:
		return sbuf_printf(b, " %" PRIu32 "/0x%02x", m->offset, m->mask);
	case SHAPE_MUT_OFFSET:
		return sbuf_printf(b, " %" PRIu32, m->offset);
	case SHAPE_MUT_DATA:
		return (e = sbuf_put_u8(b, ' ')) ? e : put_hex(b, m->data, m->data_len);
	case SHAPE_MUT_FIELD_VALUE:
		if ((e = sbuf_put_u8(b, ' ')) || (e = put_field(b, msg, m->field)))
			return e;
		return sbuf_printf(b, "%+" PRId32, (int32_t)m->value);
	case SHAPE_MUT_BYTE:
		return sbuf_printf(b, " %" PRIu32, m->value);
	case SHAPE_MUT_KDF:
		return sbuf_printf(b, " %s", case_kdf_hash_name(m->value));
	case SHAPE_MUT_SIG:
		return sbuf_printf(b, " %s", case_sig_hash_name(m->value));
	case SHAPE_MUT_NONE:
		break;
	}
	return SD_OK;
}

static sd_err print_step(struct sbuf *b, const struct case_step *s)
{
	sd_err e = puts_(b, case_step_kind_name(s->kind));
	if (e)
		return e;
	switch (case_step_shape(s->kind)) {
	case SHAPE_STEP_MSG_MUTS:
		if ((e = sbuf_printf(b, " %s", case_msg_name(s->msg))))
			return e;
		for (unsigned i = 0; i < s->n_mutations && !e; i++) {
			e = puts_(b, i ? " ; " : " ");
			if (!e)
				e = print_mutation(b, s->msg, &s->mutations[i]);
		}
		break;
	case SHAPE_STEP_MSG_ANY:
		e = sbuf_printf(b, " %s", case_msg_name(s->msg));
		break;
	case SHAPE_STEP_DATA:
		if (!(e = sbuf_put_u8(b, ' ')))
			e = put_hex(b, s->data, s->data_len);
		break;
	case SHAPE_STEP_BOOL:
		e = puts_(b, s->value ? " on" : " off");
		break;
	case SHAPE_STEP_VALUE:
		e = sbuf_printf(b, " %" PRId32, (int32_t)s->value);
		break;
	case SHAPE_STEP_NONE:
		break;
	}
	return e ? e : sbuf_put_u8(b, '\n');
}

static sd_err print_named(struct sbuf *b, const char *key, const char *value)
{
	sd_err e;
	if ((e = puts_(b, key)) || (e = sbuf_put_u8(b, ' ')) || (e = put_string(b, value)))
		return e;
	return sbuf_put_u8(b, '\n');
}

sd_err case_print_text(const struct sshdiff_case *c, struct sbuf *out)
{
	sd_err e;

	if (!case_valid(c, NULL))
		return SD_ERR_INVALID_ARG;
	if ((e = sbuf_printf(out, "sshdiff-case %u\n", CASE_VERSION)) ||
	    (e = sbuf_printf(out, "iut %s\n", c->iut_role == CASE_IUT_CLIENT ? "client" : "server")) ||
	    (e = sbuf_printf(out, "seed 0x%" PRIx64 "\n", c->seed)) ||
	    (e = print_named(out, "actor-version", c->actor_version)) ||
	    (e = sbuf_printf(out, "host-key %s\n", case_key_name(c->host_key))) ||
	    (e = sbuf_printf(out, "user-key %s\n", case_key_name(c->user_key))) || (e = print_named(out, "user", c->user)) ||
	    (e = print_named(out, "password", c->password)) || (e = print_named(out, "kex", c->algs.kex)) ||
	    (e = print_named(out, "hostkey", c->algs.hostkey)) || (e = print_named(out, "cipher", c->algs.cipher)) ||
	    (e = print_named(out, "mac", c->algs.mac)) ||
	    (e = sbuf_printf(out, "strict-kex %s\n", c->strict_kex ? "yes" : "no")) ||
	    (e = sbuf_printf(out, "ext-info %s\n", c->ext_info ? "yes" : "no")))
		return e;
	for (unsigned i = 0; i < c->n_steps; i++)
		if ((e = print_step(out, &c->steps[i])))
			return e;
	return SD_OK;
}

/* ==== parsing ==== */

/* send MSG, then per mutation its kind, up to four arguments and a ";" */
#define MAX_TOKENS (2 + 6 * CASE_MAX_MUTATIONS)

struct tok {
	const char *p; /* inside the quotes for a quoted token, escapes still in */
	size_t len;
	bool quoted;
};

enum header {
	H_IUT,
	H_SEED,
	H_ACTOR_VERSION,
	H_HOST_KEY,
	H_USER_KEY,
	H_USER,
	H_PASSWORD,
	H_KEX,
	H_HOSTKEY,
	H_CIPHER,
	H_MAC,
	H_STRICT_KEX,
	H_EXT_INFO,
	H_COUNT
};

static const char *const header_names[H_COUNT] = {
	"iut",	    "seed",    "actor-version", "host-key", "user-key", "user",	     "password",
	"kex",	    "hostkey", "cipher",	"mac",	    "strict-kex", "ext-info",
};

struct parser {
	struct sshdiff_case *c;
	unsigned line;
	char *msg;
	size_t msg_size;
	bool have_version;
	bool in_steps;
	bool seen[H_COUNT];
	struct tok t[MAX_TOKENS];
	unsigned n;
};

static sd_err fail(struct parser *p, sd_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static sd_err fail(struct parser *p, sd_err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->msg, p->msg_size, fmt, ap);
	va_end(ap);
	return e;
}

/* A token for an error message: at most 40 bytes of it.  Tokens are
 * printable ASCII by the time anyone quotes them. */
#define TOKF "'%.*s%s'"
#define TOKA(t) (int)((t).len > 40 ? 40 : (t).len), (t).p, ((t).len > 40 ? "..." : "")

static bool tok_is(struct tok t, const char *s)
{
	return !t.quoted && t.len == strlen(s) && memcmp(t.p, s, t.len) == 0;
}

/* ---- line checks and tokens ---- */

/* Length of the UTF-8 sequence at p (RFC 3629 section 4), 0 if invalid. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
	size_t len;
	uint32_t cp, min;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, cp = p[0] & 0x1f, min = 0x80;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, cp = p[0] & 0x0f, min = 0x800;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, cp = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A comment may hold any UTF-8 text but no control characters. */
static sd_err check_comment(struct parser *p, const uint8_t *s, size_t n, size_t col0)
{
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(s + i, n - i);
		if (l == 0)
			return fail(p, SD_ERR_INVALID_ARG, "column %zu: invalid UTF-8 (byte 0x%02x) in a comment",
				    col0 + i + 1, s[i]);
		if (l == 1 && s[i] == 0)
			return fail(p, SD_ERR_INVALID_ARG, "column %zu: NUL byte", col0 + i + 1);
		if (l == 1 && s[i] < 0x20 && s[i] != '\t')
			return fail(p, SD_ERR_INVALID_ARG, "column %zu: control character 0x%02x in a comment",
				    col0 + i + 1, s[i]);
		i += l;
	}
	return SD_OK;
}

/* Outside comments a case is printable ASCII, spaces and tabs. */
static sd_err check_char(struct parser *p, const uint8_t *s, size_t i)
{
	if (s[i] == '\t' || case_char_ok(s[i]))
		return SD_OK;
	if (s[i] == 0)
		return fail(p, SD_ERR_INVALID_ARG, "column %zu: NUL byte (not a text case file?)", i + 1);
	return fail(p, SD_ERR_INVALID_ARG, "column %zu: byte 0x%02x is not printable ASCII (allowed only in comments)",
		    i + 1, s[i]);
}

static sd_err add_token(struct parser *p, const char *start, size_t len, bool quoted)
{
	if (p->n == MAX_TOKENS)
		return fail(p, SD_ERR_INVALID_ARG, "too many tokens on one line (at most %d)", MAX_TOKENS);
	p->t[p->n++] = (struct tok){start, len, quoted};
	return SD_OK;
}

/* A quoted string from s[*i] (the opening quote); only \" and \\ escapes. */
static sd_err quoted_token(struct parser *p, const uint8_t *s, size_t n, size_t *i)
{
	size_t start = ++*i;
	sd_err e;
	for (; *i < n; ++*i) {
		if ((e = check_char(p, s, *i)))
			return e;
		if (s[*i] == '\t')
			return fail(p, SD_ERR_INVALID_ARG, "column %zu: tab inside a quoted string", *i + 1);
		if (s[*i] == '"')
			break;
		if (s[*i] == '\\') {
			if (*i + 1 >= n || (s[*i + 1] != '"' && s[*i + 1] != '\\'))
				return fail(p, SD_ERR_INVALID_ARG,
					    "column %zu: unknown escape in a quoted string (only \\\" and \\\\)", *i + 1);
			++*i;
		}
	}
	if (*i >= n)
		return fail(p, SD_ERR_INVALID_ARG, "column %zu: unterminated quoted string", start);
	e = add_token(p, (const char *)s + start, *i - start, true);
	++*i;
	return e;
}

static bool token_end(uint8_t ch)
{
	return ch == ' ' || ch == '\t' || ch == '#' || ch == ';' || ch == '"';
}

static sd_err tokenize(struct parser *p, const uint8_t *s, size_t n)
{
	size_t i = 0;
	sd_err e;

	p->n = 0;
	while (i < n) {
		if (s[i] == '#')
			return check_comment(p, s + i + 1, n - i - 1, i + 1);
		if ((e = check_char(p, s, i)))
			return e;
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
		} else if (s[i] == '"') {
			if ((e = quoted_token(p, s, n, &i)))
				return e;
			if (i < n && !token_end(s[i]))
				return fail(p, SD_ERR_INVALID_ARG, "column %zu: text right after a closing quote", i + 1);
		} else if (s[i] == ';') {
			if ((e = add_token(p, (const char *)s + i, 1, false)))
				return e;
			i++;
		} else {
			size_t start = i;
			while (i < n && !token_end(s[i])) {
				if ((e = check_char(p, s, i)))
					return e;
				if (s[i] == '\\')
					return fail(p, SD_ERR_INVALID_ARG, "column %zu: backslash outside quotes", i + 1);
				i++;
			}
			if (i < n && s[i] == '"')
				return fail(p, SD_ERR_INVALID_ARG, "column %zu: quote inside a word", i + 1);
			if ((e = add_token(p, (const char *)s + start, i - start, false)))
				return e;
		}
	}
	return SD_OK;
}

/* ---- values ---- */

static sd_err want_args(struct parser *p, unsigned n)
{
	if (p->n < n + 1)
		return fail(p, SD_ERR_INVALID_ARG, TOKF " needs %u argument%s", TOKA(p->t[0]), n, n == 1 ? "" : "s");
	if (p->n > n + 1)
		return fail(p, SD_ERR_INVALID_ARG, "unexpected " TOKF " after " TOKF, TOKA(p->t[n + 1]), TOKA(p->t[0]));
	return SD_OK;
}

/* Unsigned decimal or 0x hex, at most max. */
static bool parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2, n -= 2;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d;
		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned)(s[i] - 'A' + 10);
		else
			return false;
		if (v > (max - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/* A 32-bit value written signed ("-1", "+4") or unsigned ("4294967295"). */
static bool parse_int32(const char *s, size_t n, uint32_t *out)
{
	uint64_t v;
	if (n > 0 && s[0] == '-') {
		if (!parse_uint(s + 1, n - 1, (uint64_t)1 << 31, &v))
			return false;
		*out = (uint32_t)(0u - (uint32_t)v);
		return true;
	}
	if (n > 0 && s[0] == '+')
		s++, n--;
	if (!parse_uint(s, n, UINT32_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static sd_err tok_uint(struct parser *p, struct tok t, uint64_t max, const char *what, uint64_t *out)
{
	if (t.quoted || !parse_uint(t.p, t.len, max, out))
		return fail(p, SD_ERR_INVALID_ARG, "bad %s " TOKF " (a number from 0 to %" PRIu64 ")", what, TOKA(t),
			    max);
	return SD_OK;
}

/* Hex bytes or "-" (none); also nothing at all (after "field="). */
static sd_err parse_hex(struct parser *p, const char *s, size_t n, uint8_t dst[CASE_MAX_DATA], uint16_t *len)
{
	if (n == 1 && s[0] == '-')
		n = 0;
	if (n % 2)
		return fail(p, SD_ERR_INVALID_ARG, "hex data '%.*s%s' has an odd number of digits", (int)(n > 40 ? 40 : n),
			    s, n > 40 ? "..." : "");
	if (n / 2 > CASE_MAX_DATA)
		return fail(p, SD_ERR_INVALID_ARG, "hex data of %zu bytes: at most %d", n / 2, CASE_MAX_DATA);
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0)
			return fail(p, SD_ERR_INVALID_ARG, "bad hex digit in '%.*s%s'", (int)(n > 40 ? 40 : n), s,
				    n > 40 ? "..." : "");
		dst[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = (uint16_t)(n / 2);
	return SD_OK;
}

static sd_err tok_string(struct parser *p, struct tok t, char dst[CASE_NAME_MAX])
{
	size_t n = 0;
	for (size_t i = 0; i < t.len; i++) {
		if (t.quoted && t.p[i] == '\\')
			i++; /* tokenizer checked it is \" or \\ */
		if (n == CASE_NAME_MAX - 1)
			return fail(p, SD_ERR_INVALID_ARG, "string longer than %d bytes", CASE_NAME_MAX - 1);
		dst[n++] = t.p[i];
	}
	dst[n] = '\0';
	return SD_OK;
}

/* Index of a name in a table of n, or -1. */
static int lookup(struct tok t, const char *(*name_of)(unsigned), unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const char *s = name_of(i);
		if (s && tok_is(t, s))
			return (int)i;
	}
	return -1;
}

static const char *msg_name_u(unsigned i)
{
	return case_msg_name((enum case_msg)i);
}
static const char *step_name_u(unsigned i)
{
	return case_step_kind_name((enum case_step_kind)i);
}
static const char *mut_name_u(unsigned i)
{
	return case_mutation_kind_name((enum case_mutation_kind)i);
}
static const char *key_name_u(unsigned i)
{
	return case_key_name((enum case_key)i);
}
static const char *header_name_u(unsigned i)
{
	return i < H_COUNT ? header_names[i] : NULL;
}

/* ---- header lines ---- */

static sd_err parse_yes_no(struct parser *p, struct tok t, bool *out)
{
	if (tok_is(t, "yes") || tok_is(t, "no")) {
		*out = tok_is(t, "yes");
		return SD_OK;
	}
	return fail(p, SD_ERR_INVALID_ARG, "expected yes or no, got " TOKF, TOKA(t));
}

static sd_err parse_key(struct parser *p, struct tok t, enum case_key *out)
{
	int k = lookup(t, key_name_u, CASE_KEY_COUNT);
	if (k < 0)
		return fail(p, SD_ERR_INVALID_ARG, "unknown key " TOKF, TOKA(t));
	*out = (enum case_key)k;
	return SD_OK;
}

static sd_err parse_header(struct parser *p, enum header h)
{
	struct sshdiff_case *c = p->c;
	struct tok v = p->t[1];
	uint64_t seed;
	sd_err e;

	if (p->in_steps)
		return fail(p, SD_ERR_INVALID_ARG, "header line '%s' after the first step", header_names[h]);
	if (p->seen[h])
		return fail(p, SD_ERR_INVALID_ARG, "second '%s' line", header_names[h]);
	p->seen[h] = true;
	if ((e = want_args(p, 1)))
		return e;
	switch (h) {
	case H_IUT:
		if (!tok_is(v, "server") && !tok_is(v, "client"))
			return fail(p, SD_ERR_INVALID_ARG, "expected 'iut server' or 'iut client', got " TOKF, TOKA(v));
		c->iut_role = tok_is(v, "client") ? CASE_IUT_CLIENT : CASE_IUT_SERVER;
		return SD_OK;
	case H_SEED:
		if ((e = tok_uint(p, v, UINT64_MAX, "seed", &seed)))
			return e;
		c->seed = seed;
		return SD_OK;
	case H_HOST_KEY:
		return parse_key(p, v, &c->host_key);
	case H_USER_KEY:
		return parse_key(p, v, &c->user_key);
	case H_ACTOR_VERSION:
		return tok_string(p, v, c->actor_version);
	case H_USER:
		return tok_string(p, v, c->user);
	case H_PASSWORD:
		return tok_string(p, v, c->password);
	case H_KEX:
		return tok_string(p, v, c->algs.kex);
	case H_HOSTKEY:
		return tok_string(p, v, c->algs.hostkey);
	case H_CIPHER:
		return tok_string(p, v, c->algs.cipher);
	case H_MAC:
		return tok_string(p, v, c->algs.mac);
	case H_STRICT_KEX:
		return parse_yes_no(p, v, &c->strict_kex);
	case H_EXT_INFO:
		return parse_yes_no(p, v, &c->ext_info);
	case H_COUNT:
		break;
	}
	return SD_ERR_INTERNAL;
}

/* ---- steps ---- */

/* A field by its name in msg's table, or by index. */
static sd_err parse_field(struct parser *p, enum case_msg msg, const char *s, size_t n, uint8_t *out)
{
	unsigned slots = case_msg_field_slots(msg);
	for (unsigned i = 0; i < slots; i++) {
		const char *name = case_msg_field_name(msg, i);
		if (name && strlen(name) == n && memcmp(name, s, n) == 0) {
			*out = (uint8_t)i;
			return SD_OK;
		}
	}
	uint64_t v;
	if (parse_uint(s, n, slots - 1, &v)) {
		*out = (uint8_t)v;
		return SD_OK;
	}
	return fail(p, SD_ERR_INVALID_ARG, "no field '%.*s' in %s", (int)(n > 40 ? 40 : n), s, case_msg_name(msg));
}

/* "field=hex" */
static sd_err parse_set(struct parser *p, enum case_msg msg, struct tok t, struct case_mutation *m)
{
	const char *eq = t.quoted ? NULL : memchr(t.p, '=', t.len);
	if (!eq)
		return fail(p, SD_ERR_INVALID_ARG, "expected FIELD=HEX after set, got " TOKF, TOKA(t));
	size_t fl = (size_t)(eq - t.p);
	sd_err e = parse_field(p, msg, t.p, fl, &m->field);
	return e ? e : parse_hex(p, eq + 1, t.len - fl - 1, m->data, &m->data_len);
}

/* "offset/mask" */
static sd_err parse_flip(struct parser *p, struct tok t, struct case_mutation *m)
{
	const char *sl = t.quoted ? NULL : memchr(t.p, '/', t.len);
	uint64_t off, mask;
	if (!sl || !parse_uint(t.p, (size_t)(sl - t.p), UINT32_MAX, &off) ||
	    !parse_uint(sl + 1, t.len - (size_t)(sl - t.p) - 1, 0xff, &mask))
		return fail(p, SD_ERR_INVALID_ARG, "expected OFFSET/MASK after flip (e.g. 3/0x80), got " TOKF, TOKA(t));
	m->offset = (uint32_t)off;
	m->mask = (uint8_t)mask;
	return SD_OK;
}

/* "field+delta" or "field-delta" */
static sd_err parse_lie(struct parser *p, enum case_msg msg, struct tok t, struct case_mutation *m)
{
	size_t i = 1;
	while (i < t.len && t.p[i] != '+' && t.p[i] != '-')
		i++;
	if (t.quoted || i >= t.len || !parse_int32(t.p + i, t.len - i, &m->value))
		return fail(p, SD_ERR_INVALID_ARG, "expected FIELD+N or FIELD-N after lie-length, got " TOKF, TOKA(t));
	return parse_field(p, msg, t.p, i, &m->field);
}

static sd_err parse_mutation(struct parser *p, enum case_msg msg, unsigned *ti, struct case_mutation *m)
{
	struct tok kt = p->t[*ti];
	int k = lookup(kt, mut_name_u, MUT_KIND_COUNT);
	uint64_t v;
	sd_err e;

	memset(m, 0, sizeof *m);
	if (k < 0)
		return fail(p, SD_ERR_INVALID_ARG, "unknown mutation " TOKF, TOKA(kt));
	m->kind = (enum case_mutation_kind)k;
	++*ti;
	enum case_mut_shape shape = case_mut_shape(m->kind);
	if (shape == SHAPE_MUT_NONE)
		return SD_OK;
	if (*ti >= p->n || tok_is(p->t[*ti], ";"))
		return fail(p, SD_ERR_INVALID_ARG, "mutation " TOKF " needs an argument", TOKA(kt));
	struct tok a = p->t[(*ti)++];
	switch (shape) {
	case SHAPE_MUT_FIELD_DATA:
		return parse_set(p, msg, a, m);
	case SHAPE_MUT_OFFSET_MASK:
		return parse_flip(p, a, m);
	case SHAPE_MUT_OFFSET:
		if ((e = tok_uint(p, a, UINT32_MAX, "truncate offset", &v)))
			return e;
		m->offset = (uint32_t)v;
		return SD_OK;
	case SHAPE_MUT_DATA:
		return a.quoted ? fail(p, SD_ERR_INVALID_ARG, "extend takes hex data, not a quoted string")
				: parse_hex(p, a.p, a.len, m->data, &m->data_len);
	case SHAPE_MUT_FIELD_VALUE:
		return parse_lie(p, msg, a, m);
	case SHAPE_MUT_BYTE:
		if ((e = tok_uint(p, a, 0xff, case_mutation_kind_name(m->kind), &v)))
			return e;
		m->value = (uint32_t)v;
		return SD_OK;
	case SHAPE_MUT_KDF:
	case SHAPE_MUT_SIG: {
		bool kdf = shape == SHAPE_MUT_KDF;
		int h = kdf ? lookup(a, case_kdf_hash_name, CASE_KDF_HASH_COUNT)
			    : lookup(a, case_sig_hash_name, CASE_SIG_HASH_COUNT);
		if (h < 0)
			return fail(p, SD_ERR_INVALID_ARG, "unknown hash " TOKF " (%s)", TOKA(a),
				    kdf ? "sha1, sha256, sha384, sha512" : "none, sha1, sha256, sha384, sha512");
		m->value = (uint32_t)h;
		return SD_OK;
	}
	case SHAPE_MUT_NONE:
		break;
	}
	return SD_ERR_INTERNAL;
}

static sd_err parse_send(struct parser *p, struct case_step *s)
{
	unsigned ti = 2;
	sd_err e;

	while (ti < p->n) {
		if (s->n_mutations > 0) {
			if (!tok_is(p->t[ti], ";"))
				return fail(p, SD_ERR_INVALID_ARG, "expected ';' between mutations, got " TOKF,
					    TOKA(p->t[ti]));
			if (++ti >= p->n)
				return fail(p, SD_ERR_INVALID_ARG, "nothing after the last ';'");
		}
		if (s->n_mutations == CASE_MAX_MUTATIONS)
			return fail(p, SD_ERR_INVALID_ARG, "more than %d mutations in one step", CASE_MAX_MUTATIONS);
		if ((e = parse_mutation(p, s->msg, &ti, &s->mutations[s->n_mutations++])))
			return e;
	}
	return SD_OK;
}

static sd_err parse_step_msg(struct parser *p, struct case_step *s, bool any_ok)
{
	if (p->n < 2)
		return fail(p, SD_ERR_INVALID_ARG, TOKF " needs a message name", TOKA(p->t[0]));
	int m = lookup(p->t[1], msg_name_u, any_ok ? CM_COUNT + 1 : CM_COUNT);
	if (m < 0)
		return fail(p, SD_ERR_INVALID_ARG, "unknown message " TOKF "%s", TOKA(p->t[1]),
			    !any_ok && tok_is(p->t[1], "ANY") ? " (ANY is for expect only)" : "");
	s->msg = (enum case_msg)m;
	return any_ok ? want_args(p, 1) : parse_send(p, s);
}

static sd_err parse_step(struct parser *p, enum case_step_kind kind)
{
	struct sshdiff_case *c = p->c;
	sd_err e;

	if (c->n_steps == CASE_MAX_STEPS)
		return fail(p, SD_ERR_INVALID_ARG, "more than %d steps", CASE_MAX_STEPS);
	p->in_steps = true;
	struct case_step *s = &c->steps[c->n_steps++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	switch (case_step_shape(kind)) {
	case SHAPE_STEP_MSG_MUTS:
		return parse_step_msg(p, s, false);
	case SHAPE_STEP_MSG_ANY:
		return parse_step_msg(p, s, true);
	case SHAPE_STEP_DATA:
		if ((e = want_args(p, 1)))
			return e;
		if (p->t[1].quoted)
			return fail(p, SD_ERR_INVALID_ARG, "raw takes hex data, not a quoted string");
		return parse_hex(p, p->t[1].p, p->t[1].len, s->data, &s->data_len);
	case SHAPE_STEP_BOOL:
		if ((e = want_args(p, 1)))
			return e;
		if (!tok_is(p->t[1], "on") && !tok_is(p->t[1], "off"))
			return fail(p, SD_ERR_INVALID_ARG, "expected 'encryption on' or 'encryption off', got " TOKF,
				    TOKA(p->t[1]));
		s->value = tok_is(p->t[1], "on");
		return SD_OK;
	case SHAPE_STEP_VALUE:
		if ((e = want_args(p, 1)))
			return e;
		if (p->t[1].quoted || !parse_int32(p->t[1].p, p->t[1].len, &s->value))
			return fail(p, SD_ERR_INVALID_ARG, "bad seq-skew " TOKF " (a 32-bit signed number)",
				    TOKA(p->t[1]));
		return SD_OK;
	case SHAPE_STEP_NONE:
		return want_args(p, 0);
	}
	return SD_ERR_INTERNAL;
}

/* ---- lines ---- */

static sd_err parse_version_line(struct parser *p)
{
	uint64_t v;
	if (!tok_is(p->t[0], "sshdiff-case"))
		return fail(p, SD_ERR_INVALID_ARG, "expected 'sshdiff-case %d' first, got " TOKF, CASE_VERSION,
			    TOKA(p->t[0]));
	if (p->n != 2 || p->t[1].quoted || !parse_uint(p->t[1].p, p->t[1].len, UINT32_MAX, &v))
		return fail(p, SD_ERR_INVALID_ARG, "expected 'sshdiff-case %d'", CASE_VERSION);
	/* Versioning rule: a v1 reader refuses every other version. */
	if (v != CASE_VERSION)
		return fail(p, SD_ERR_UNSUPPORTED, "unsupported case format version %" PRIu64 " (this reader knows %d)",
			    v, CASE_VERSION);
	p->have_version = true;
	return SD_OK;
}

static sd_err parse_line(struct parser *p, const uint8_t *s, size_t n)
{
	sd_err e = tokenize(p, s, n);
	if (e || p->n == 0)
		return e;
	if (!p->have_version)
		return parse_version_line(p);
	int h = lookup(p->t[0], header_name_u, H_COUNT);
	if (h >= 0)
		return parse_header(p, (enum header)h);
	int k = lookup(p->t[0], step_name_u, STEP_KIND_COUNT);
	if (k >= 0)
		return parse_step(p, (enum case_step_kind)k);
	if (tok_is(p->t[0], "sshdiff-case"))
		return fail(p, SD_ERR_INVALID_ARG, "second 'sshdiff-case' line");
	return fail(p, SD_ERR_INVALID_ARG, "unknown step kind " TOKF, TOKA(p->t[0]));
}

sd_err case_parse_text(const char *text, size_t len, struct sshdiff_case *c, unsigned *err_line, char *err_msg,
		       size_t err_msg_size)
{
	char dummy[1];
	unsigned dummy_line;
	struct parser p = {.c = c, .msg = err_msg, .msg_size = err_msg_size};
	const uint8_t *s = (const uint8_t *)text;
	sd_err e = SD_OK;

	if (!err_msg || !err_msg_size)
		p.msg = dummy, p.msg_size = sizeof dummy;
	if (!err_line)
		err_line = &dummy_line;
	p.msg[0] = '\0';
	*err_line = 0;
	/* Header lines left out take case_default's values. */
	case_default(c, CASE_IUT_SERVER);
	c->n_steps = 0;
	memset(c->steps, 0, sizeof c->steps);

	/* A UTF-8 byte order mark, as some editors write, is not content. */
	size_t pos = len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	while (pos < len && !e) {
		const uint8_t *nl = memchr(s + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - s) : len, n = end - pos;
		p.line++;
		if (n > 0 && s[pos + n - 1] == '\r')
			n--; /* CRLF files from editors on other systems */
		e = parse_line(&p, s + pos, n);
		pos = end + 1;
	}
	if (!e && !p.have_version) {
		p.line = p.line ? p.line : 1;
		e = fail(&p, SD_ERR_INVALID_ARG, "no 'sshdiff-case %d' line: not a case file", CASE_VERSION);
	}
	if (!e && !case_valid(c, NULL))
		e = fail(&p, SD_ERR_INTERNAL, "parsed case is not valid"); /* a bug here, not in the text */
	if (e)
		*err_line = p.line;
	return e;
}

#include "oracle/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void json_init(struct json *j, struct sbuf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->err = SD_OK;
}

static sd_err put(struct json *j, const void *p, size_t n)
{
	if (j->err == SD_OK)
		j->err = sbuf_put(j->out, p, n);
	return j->err;
}

static sd_err put_str(struct json *j, const char *s)
{
	return put(j, s, strlen(s));
}

/* Before any value: the comma between array items, and the check that an
 * object member got its key first. */
static sd_err value_prefix(struct json *j)
{
	if (j->err != SD_OK)
		return j->err;
	if (j->depth > 0 && j->is_object[j->depth]) {
		if (!j->want_value)
			return j->err = SD_ERR_INVALID_ARG;
		j->want_value = false;
		return SD_OK;
	}
	if (j->depth > 0 && j->has_items[j->depth])
		put(j, ",", 1);
	j->has_items[j->depth] = true;
	return j->err;
}

static sd_err open_level(struct json *j, bool object)
{
	if (value_prefix(j) != SD_OK)
		return j->err;
	if (j->depth >= JSON_MAX_DEPTH)
		return j->err = SD_ERR_LIMIT;
	j->depth++;
	j->is_object[j->depth] = object;
	j->has_items[j->depth] = false;
	return put(j, object ? "{" : "[", 1);
}

static sd_err close_level(struct json *j, bool object)
{
	if (j->err != SD_OK)
		return j->err;
	if (j->depth == 0 || j->is_object[j->depth] != object || j->want_value)
		return j->err = SD_ERR_INVALID_ARG;
	j->depth--;
	return put(j, object ? "}" : "]", 1);
}

sd_err json_object_begin(struct json *j)
{
	return open_level(j, true);
}

sd_err json_object_end(struct json *j)
{
	return close_level(j, true);
}

sd_err json_array_begin(struct json *j)
{
	return open_level(j, false);
}

sd_err json_array_end(struct json *j)
{
	return close_level(j, false);
}

size_t json_utf8_len(const uint8_t *p, size_t n)
{
	uint8_t b;
	size_t len;
	uint32_t cp, min;

	if (n == 0)
		return 0;
	b = p[0];
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf) {
		len = 2, cp = b & 0x1f, min = 0x80;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3, cp = b & 0x0f, min = 0x800;
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4, cp = b & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* RFC 8259 section 7: quotation mark, reverse solidus and control
 * characters must be escaped; DEL is escaped too so output stays printable. */
static sd_err put_escaped(struct json *j, const uint8_t *p, size_t n)
{
	char esc[8];

	put(j, "\"", 1);
	for (size_t i = 0; i < n && j->err == SD_OK;) {
		uint8_t b = p[i];
		size_t run;

		switch (b) {
		case '"': put_str(j, "\\\""); i++; continue;
		case '\\': put_str(j, "\\\\"); i++; continue;
		case '\b': put_str(j, "\\b"); i++; continue;
		case '\f': put_str(j, "\\f"); i++; continue;
		case '\n': put_str(j, "\\n"); i++; continue;
		case '\r': put_str(j, "\\r"); i++; continue;
		case '\t': put_str(j, "\\t"); i++; continue;
		default: break;
		}
		if (b < 0x20 || b == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", b);
			put_str(j, esc);
			i++;
		} else if (b < 0x80) {
			put(j, &p[i], 1);
			i++;
		} else if ((run = json_utf8_len(p + i, n - i)) != 0) {
			put(j, &p[i], run);
			i += run;
		} else {
			put_str(j, "\\ufffd");
			i++;
		}
	}
	return put(j, "\"", 1);
}

sd_err json_key(struct json *j, const char *key)
{
	if (j->err != SD_OK)
		return j->err;
	if (j->depth == 0 || !j->is_object[j->depth] || j->want_value)
		return j->err = SD_ERR_INVALID_ARG;
	if (j->has_items[j->depth])
		put(j, ",", 1);
	j->has_items[j->depth] = true;
	put_escaped(j, (const uint8_t *)key, strlen(key));
	put(j, ":", 1);
	j->want_value = true;
	return j->err;
}

sd_err json_string_n(struct json *j, const char *s, size_t n)
{
	if (value_prefix(j) != SD_OK)
		return j->err;
	return put_escaped(j, (const uint8_t *)s, n);
}

sd_err json_string(struct json *j, const char *s)
{
	return json_string_n(j, s, strlen(s));
}

sd_err json_bool(struct json *j, bool v)
{
	if (value_prefix(j) != SD_OK)
		return j->err;
	return put_str(j, v ? "true" : "false");
}

sd_err json_null(struct json *j)
{
	if (value_prefix(j) != SD_OK)
		return j->err;
	return put_str(j, "null");
}

sd_err json_int(struct json *j, int64_t v)
{
	char num[24];

	if (value_prefix(j) != SD_OK)
		return j->err;
	snprintf(num, sizeof(num), "%" PRId64, v);
	return put_str(j, num);
}

sd_err json_finish(const struct json *j)
{
	if (j->err != SD_OK)
		return j->err;
	return j->depth == 0 && !j->want_value ? SD_OK : SD_ERR_INVALID_ARG;
}

/*
 * json.h — a small JSON writer (RFC 8259) into an sbuf: compact output, keys
 * in the order the caller writes them, no floating point, so that the same
 * values always give the same bytes (replay --json, observations.json).
 *
 * Commas are placed by the writer.  Errors are sticky: every call returns
 * the first error so far, so a caller may check each call or only
 * json_finish().  Strings are escaped per RFC 8259 section 7; bytes that are
 * not valid UTF-8 become U+FFFD, so the output is always valid JSON.
 */
#ifndef SSHDIFF_ORACLE_JSON_H
#define SSHDIFF_ORACLE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/errors.h"
#include "proto/wire.h"

#define JSON_MAX_DEPTH 16

struct json {
	struct sbuf *out;
	sd_err err;
	unsigned depth;
	bool want_value;                    /* a key was written, its value is next */
	bool has_items[JSON_MAX_DEPTH + 1]; /* per level: write a comma first */
	bool is_object[JSON_MAX_DEPTH + 1];
};

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 section 4: no
 * overlong forms, no surrogates, nothing above U+10FFFF), 0 if none.  One
 * definition for the writer (which escapes what fails it), the reader
 * (which rejects it) and the report writers (which must not pass it on). */
size_t json_utf8_len(const uint8_t *p, size_t n);

void json_init(struct json *j, struct sbuf *out);

sd_err json_object_begin(struct json *j);
sd_err json_object_end(struct json *j);
sd_err json_array_begin(struct json *j);
sd_err json_array_end(struct json *j);

/* Inside an object: the next member's name. */
sd_err json_key(struct json *j, const char *key);

sd_err json_string(struct json *j, const char *s);
sd_err json_string_n(struct json *j, const char *s, size_t n);
sd_err json_bool(struct json *j, bool v);
sd_err json_null(struct json *j);
sd_err json_int(struct json *j, int64_t v);

/* SD_OK when every call succeeded and every object/array was closed. */
sd_err json_finish(const struct json *j);

#endif

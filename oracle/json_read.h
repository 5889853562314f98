/*
 * json_read.h — a small, strict JSON reader (RFC 8259) for the files sshdiff
 * writes itself (observations.json, replay --json): the whole text becomes a
 * tree of values.  The counterpart of json.h, and as narrow: integers only
 * (a fraction or exponent is refused as unsupported, never rounded), no
 * "\u0000" in strings (they become C strings), no duplicate keys.
 *
 * Every read is bounds-checked; nesting, input size and member counts are
 * limited so that a damaged or hostile file costs little.  Errors name the
 * line and column: "line 3, column 14: expected ':' after an object key".
 */
#ifndef SSHDIFF_ORACLE_JSON_READ_H
#define SSHDIFF_ORACLE_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oracle/json.h"
#include "proto/errors.h"

#define JSON_READ_MAX_DEPTH 32            /* nested arrays/objects */
#define JSON_READ_MAX_INPUT (16u << 20)   /* bytes of text */
#define JSON_READ_MAX_MEMBERS 4096        /* per object (keys are checked for duplicates) */
#define JSON_READ_MAX_ITEMS (1u << 20)    /* per array */

enum json_type { JSON_NULL, JSON_BOOL, JSON_INT, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value {
	enum json_type type;
	bool b;                   /* JSON_BOOL */
	int64_t i;                /* JSON_INT */
	char *s;                  /* JSON_STRING: UTF-8, NUL-terminated, no NUL inside */
	size_t len;               /* JSON_STRING: strlen(s) */
	size_t n;                 /* JSON_ARRAY / JSON_OBJECT: number of items / members */
	struct json_value *items; /* the items, or the members' values in file order */
	char **keys;              /* JSON_OBJECT: the members' keys, same order */
};

/* Parses text[0, len) (one value, surrounded by optional whitespace).
 * Errors: SD_ERR_TRUNCATED (text ends inside a value), SD_ERR_TRAILING
 * (something after the value), SD_ERR_LIMIT (a limit above),
 * SD_ERR_UNSUPPORTED (fraction, exponent, \u0000), SD_ERR_NOMEM,
 * SD_ERR_INVALID_ARG (any other syntax error); err_msg says where and what. */
sd_err json_parse(const char *text, size_t len, struct json_value **out, char *err_msg, size_t err_msg_size);
void json_value_free(struct json_value *v);

/* The value of obj's member key; NULL if obj is not an object or has none. */
const struct json_value *json_member(const struct json_value *obj, const char *key);
/* "null", "boolean", "integer", "string", "array", "object". */
const char *json_type_name(enum json_type t);

/* json_utf8_len (well-formed UTF-8) is json.h's: one definition for the
 * writer and the reader. */

#endif

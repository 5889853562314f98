/*
 * test_json_read.c — the strict JSON reader: the RFC 8259 section 13
 * example, escapes and surrogate pairs (RFC 8259 section 7), integer
 * bounds, every class of error with its line and column, the limits, and a
 * round trip through the writer (json.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle/json.h"
#include "oracle/json_read.h"
#include "tests/support/check.h"

static struct json_value *parse_ok(const char *text)
{
	char msg[200];
	struct json_value *v = NULL;
	sd_err err = json_parse(text, strlen(text), &v, msg, sizeof(msg));

	if (err != SD_OK)
		check_fail(__FILE__, __LINE__, "'%s': %s (%s)", text, sd_err_name(err), msg);
	check_count++;
	return v;
}

/* The error and the message: want_msg must be the whole message. */
static void parse_bad(const char *text, size_t len, sd_err want, const char *want_msg)
{
	char msg[200];
	struct json_value *v = NULL;

	CHECK_ERR(json_parse(text, len, &v, msg, sizeof(msg)), want);
	CHECK(v == NULL);
	CHECK_STR(msg, want_msg);
}

#define BAD(text, want, msg) parse_bad((text), strlen(text), (want), (msg))

/* RFC 8259 section 13, first example (integers only). */
static void test_rfc_example(void)
{
	static const char text[] =
		"{\n"
		"  \"Image\": {\n"
		"    \"Width\":  800,\n"
		"    \"Height\": 600,\n"
		"    \"Title\":  \"View from 15th Floor\",\n"
		"    \"Thumbnail\": {\n"
		"      \"Url\":    \"http://www.example.com/image/481989943\",\n"
		"      \"Height\": 125,\n"
		"      \"Width\":  100\n"
		"    },\n"
		"    \"Animated\" : false,\n"
		"    \"IDs\": [116, 943, 234, 38793]\n"
		"  }\n"
		"}\n";
	struct json_value *v = parse_ok(text);
	const struct json_value *img, *ids, *thumb;

	CHECK(v && v->type == JSON_OBJECT && v->n == 1);
	img = json_member(v, "Image");
	CHECK(img && img->type == JSON_OBJECT && img->n == 6);
	CHECK(json_member(img, "Width") && json_member(img, "Width")->i == 800);
	CHECK(json_member(img, "Height") && json_member(img, "Height")->i == 600);
	CHECK(json_member(img, "Title") && json_member(img, "Title")->type == JSON_STRING);
	CHECK_STR(json_member(img, "Title") ? json_member(img, "Title")->s : NULL, "View from 15th Floor");
	thumb = json_member(img, "Thumbnail");
	CHECK_STR(json_member(thumb, "Url") ? json_member(thumb, "Url")->s : NULL,
		  "http://www.example.com/image/481989943");
	CHECK(json_member(img, "Animated") && json_member(img, "Animated")->type == JSON_BOOL &&
	      !json_member(img, "Animated")->b);
	ids = json_member(img, "IDs");
	CHECK(ids && ids->type == JSON_ARRAY && ids->n == 4);
	if (ids && ids->n == 4) {
		CHECK(ids->items[0].i == 116);
		CHECK(ids->items[3].i == 38793);
	}
	/* Members keep file order. */
	CHECK_STR(img ? img->keys[0] : NULL, "Width");
	CHECK_STR(img ? img->keys[5] : NULL, "IDs");
	CHECK(json_member(img, "Missing") == NULL);
	CHECK(json_member(ids, "IDs") == NULL); /* not an object */
	json_value_free(v);
}

static void test_scalars(void)
{
	struct json_value *v;

	v = parse_ok(" \t\r\n null \n");
	CHECK(v && v->type == JSON_NULL);
	json_value_free(v);
	v = parse_ok("true");
	CHECK(v && v->type == JSON_BOOL && v->b);
	json_value_free(v);
	v = parse_ok("9223372036854775807");
	CHECK(v && v->type == JSON_INT && v->i == INT64_MAX);
	json_value_free(v);
	v = parse_ok("-9223372036854775808");
	CHECK(v && v->type == JSON_INT && v->i == INT64_MIN);
	json_value_free(v);
	v = parse_ok("-0");
	CHECK(v && v->type == JSON_INT && v->i == 0);
	json_value_free(v);
	v = parse_ok("[]");
	CHECK(v && v->type == JSON_ARRAY && v->n == 0);
	json_value_free(v);
	v = parse_ok("{}");
	CHECK(v && v->type == JSON_OBJECT && v->n == 0);
	json_value_free(v);
	CHECK_STR(json_type_name(JSON_OBJECT), "object");
	CHECK_STR(json_type_name(JSON_INT), "integer");
}

static void test_strings(void)
{
	struct json_value *v;

	/* Every short escape of RFC 8259 section 7. */
	v = parse_ok("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"");
	CHECK_STR(v ? v->s : NULL, "a\"b\\c/d\be\ff\ng\rh\ti");
	CHECK(v && v->len == 17);
	json_value_free(v);
	/* U+00E9, U+20AC, and U+1D11E as the surrogate pair of RFC 8259 section 7. */
	v = parse_ok("\"\\u00e9\\u20AC\\uD834\\uDD1E\"");
	CHECK_STR(v ? v->s : NULL, "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e");
	json_value_free(v);
	/* Raw UTF-8 passes through. */
	v = parse_ok("\"\xc3\xa9\xf0\x9d\x84\x9e|<&>\"");
	CHECK_STR(v ? v->s : NULL, "\xc3\xa9\xf0\x9d\x84\x9e|<&>");
	json_value_free(v);
}

static void test_errors(void)
{
	BAD("", SD_ERR_TRUNCATED, "line 1, column 1: text ends where a value is expected");
	BAD("{\"a\":1", SD_ERR_TRUNCATED, "line 1, column 7: text ends inside an object");
	BAD("[1,", SD_ERR_TRUNCATED, "line 1, column 4: text ends where a value is expected");
	BAD("\"abc", SD_ERR_TRUNCATED, "line 1, column 1: text ends inside a string (no closing quote)");
	BAD("tru", SD_ERR_TRUNCATED, "line 1, column 1: text ends inside 'true'");
	BAD("{\"a\":1}\n x", SD_ERR_TRAILING, "line 2, column 2: unexpected data after the value");
	BAD("{\n\"a\" 1}", SD_ERR_INVALID_ARG, "line 2, column 5: expected ':' after an object key");
	BAD("{\"a\":1,\n  \"a\":2}", SD_ERR_INVALID_ARG, "line 2, column 3: duplicate key in an object");
	BAD("{a:1}", SD_ERR_INVALID_ARG, "line 1, column 2: expected a string key in an object");
	BAD("[1 2]", SD_ERR_INVALID_ARG, "line 1, column 4: expected ',' or ']' in an array");
	BAD("[1,]", SD_ERR_INVALID_ARG, "line 1, column 4: unexpected character (expected a value)");
	BAD("{\"a\":1,}", SD_ERR_INVALID_ARG, "line 1, column 8: expected a string key in an object");
	BAD("nul!", SD_ERR_INVALID_ARG, "line 1, column 1: unexpected character (expected a value)");
	BAD("'a'", SD_ERR_INVALID_ARG, "line 1, column 1: unexpected character (expected a value)");
	BAD("01", SD_ERR_INVALID_ARG, "line 1, column 2: a number may not have leading zeros");
	BAD("-", SD_ERR_TRUNCATED, "line 1, column 2: text ends inside a number");
	BAD("-a", SD_ERR_INVALID_ARG, "line 1, column 2: a number needs digits");
	BAD("1.", SD_ERR_TRUNCATED, "line 1, column 3: text ends inside a number");
	BAD("1.e5", SD_ERR_INVALID_ARG, "line 1, column 3: a fraction needs digits");
	BAD("1e+", SD_ERR_TRUNCATED, "line 1, column 4: text ends inside a number");
	BAD("[1.5]", SD_ERR_UNSUPPORTED, "line 1, column 2: only integers are supported (fraction or exponent)");
	BAD("2E3", SD_ERR_UNSUPPORTED, "line 1, column 1: only integers are supported (fraction or exponent)");
	BAD("9223372036854775808", SD_ERR_LIMIT, "line 1, column 1: integer out of the 64-bit range");
	BAD("-9223372036854775809", SD_ERR_LIMIT, "line 1, column 1: integer out of the 64-bit range");
	BAD("\"a\\x\"", SD_ERR_INVALID_ARG, "line 1, column 3: unknown escape");
	BAD("\"\\u12G4\"", SD_ERR_INVALID_ARG, "line 1, column 6: \\u needs four hex digits");
	BAD("\"\\uDD1E\"", SD_ERR_INVALID_ARG, "line 1, column 2: lone low surrogate \\uDD1E");
	BAD("\"\\uD834x\"", SD_ERR_INVALID_ARG, "line 1, column 2: high surrogate \\uD834 without a low one");
	BAD("\"\\uD834\\u0041\"", SD_ERR_INVALID_ARG, "line 1, column 2: high surrogate \\uD834 without a low one");
	BAD("\"a\\u0000\"", SD_ERR_UNSUPPORTED, "line 1, column 3: \\u0000 in a string is not supported");
	BAD("\"a\tb\"", SD_ERR_INVALID_ARG, "line 1, column 3: control character 0x09 in a string (must be escaped)");
	BAD("\"\xc0\xaf\"", SD_ERR_INVALID_ARG, "line 1, column 2: invalid UTF-8 in a string");     /* overlong */
	BAD("\"\xed\xa0\x80\"", SD_ERR_INVALID_ARG, "line 1, column 2: invalid UTF-8 in a string"); /* surrogate */
	BAD("\"\xf4\x90\x80\x80\"", SD_ERR_INVALID_ARG, "line 1, column 2: invalid UTF-8 in a string");
	BAD("\xef\xbb\xbf{}", SD_ERR_INVALID_ARG, "line 1, column 1: unexpected character (expected a value)");
	/* A NUL byte inside the text is just a bad byte, never an end. */
	parse_bad("[1,\0]", 5, SD_ERR_INVALID_ARG, "line 1, column 4: unexpected character (expected a value)");
	parse_bad("\"a\0\"", 4, SD_ERR_INVALID_ARG, "line 1, column 3: control character 0x00 in a string (must be escaped)");
	/* No message buffer: still the error. */
	{
		struct json_value *v;

		CHECK_ERR(json_parse("[", 1, &v, NULL, 0), SD_ERR_TRUNCATED);
	}
}

static void test_limits(void)
{
	char deep[2 * JSON_READ_MAX_DEPTH + 3];
	struct json_value *v;
	char msg[200];
	size_t n;

	/* Exactly the limit parses; one more level does not. */
	for (n = 0; n < JSON_READ_MAX_DEPTH; n++)
		deep[n] = '[';
	for (size_t i = 0; i < JSON_READ_MAX_DEPTH; i++)
		deep[n++] = ']';
	v = NULL;
	CHECK_OK(json_parse(deep, n, &v, msg, sizeof(msg)));
	json_value_free(v);
	for (n = 0; n <= JSON_READ_MAX_DEPTH; n++)
		deep[n] = '[';
	for (size_t i = 0; i <= JSON_READ_MAX_DEPTH; i++)
		deep[n++] = ']';
	CHECK_ERR(json_parse(deep, n, &v, msg, sizeof(msg)), SD_ERR_LIMIT);
	CHECK_STR(msg, "line 1, column 33: nested deeper than 32 levels");

	/* Members per object. */
	{
		size_t cap = (size_t)(JSON_READ_MAX_MEMBERS + 1) * 16 + 4, len = 0;
		char *big = malloc(cap);

		CHECK(big != NULL);
		if (big) {
			big[len++] = '{';
			for (unsigned i = 0; i <= JSON_READ_MAX_MEMBERS; i++)
				len += (size_t)snprintf(big + len, cap - len, "%s\"k%u\":%u", i ? "," : "", i, i);
			big[len++] = '}';
			CHECK_ERR(json_parse(big, len, &v, msg, sizeof(msg)), SD_ERR_LIMIT);
			CHECK(strstr(msg, "more than 4096 members in an object") != NULL);
			free(big);
		}
	}
	CHECK_ERR(json_parse("1", (size_t)JSON_READ_MAX_INPUT + 1, &v, msg, sizeof(msg)), SD_ERR_LIMIT);
	CHECK_STR(msg, "line 1, column 1: longer than 16777216 bytes");
}

/* The writer's output reads back to the same values, whatever the bytes
 * (the writer turns bad UTF-8 into U+FFFD and escapes controls). */
static void test_round_trip(void)
{
	static const char weird[] = "sig|<b>&\"q\"\\ \x01\x7f \xff end";
	struct sbuf out = SBUF_INIT;
	struct json_value *v = NULL;
	struct json j;
	char msg[200];

	json_init(&j, &out);
	json_object_begin(&j);
	json_key(&j, "s");
	json_string(&j, weird);
	json_key(&j, "n");
	json_int(&j, INT64_MIN);
	json_key(&j, "a");
	json_array_begin(&j);
	json_bool(&j, true);
	json_null(&j);
	json_array_end(&j);
	json_object_end(&j);
	CHECK_OK(json_finish(&j));
	CHECK_OK(json_parse((const char *)out.data, out.len, &v, msg, sizeof(msg)));
	if (v) {
		CHECK_STR(json_member(v, "s") ? json_member(v, "s")->s : NULL,
			  "sig|<b>&\"q\"\\ \x01\x7f \xef\xbf\xbd end");
		CHECK(json_member(v, "n") && json_member(v, "n")->i == INT64_MIN);
		CHECK(json_member(v, "a") && json_member(v, "a")->n == 2 && json_member(v, "a")->items[1].type == JSON_NULL);
	}
	json_value_free(v);
	sbuf_free(&out);
}

static void test_utf8_len(void)
{
	CHECK_EQ_U(json_utf8_len((const uint8_t *)"a", 1), 1);
	CHECK_EQ_U(json_utf8_len((const uint8_t *)"\xc3\xa9", 2), 2);
	CHECK_EQ_U(json_utf8_len((const uint8_t *)"\xc3", 1), 0);
	CHECK_EQ_U(json_utf8_len((const uint8_t *)"\xf0\x9d\x84\x9e", 4), 4);
	CHECK_EQ_U(json_utf8_len((const uint8_t *)"\xe0\x80\x80", 3), 0); /* overlong */
	CHECK_EQ_U(json_utf8_len((const uint8_t *)"\x80", 1), 0);
	CHECK_EQ_U(json_utf8_len((const uint8_t *)"", 0), 0);
}

int main(void)
{
	test_rfc_example();
	test_scalars();
	test_strings();
	test_errors();
	test_limits();
	test_round_trip();
	test_utf8_len();
	return check_finish();
}

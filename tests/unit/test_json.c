/*
 * test_json.c — the JSON writer (RFC 8259 escaping, UTF-8 handling, commas,
 * misuse) and the replay report built on it (exact bytes, so that any change
 * of key order or format shows).
 */
#include <string.h>

#include "oracle/json.h"
#include "oracle/report.h"
#include "tests/support/check.h"

/* The buffer as a C string (for CHECK_STR); *b keeps its bytes. */
static const char *text(struct sbuf *b)
{
	if (sbuf_put_u8(b, 0) != SD_OK)
		return "";
	b->len--;
	return (const char *)b->data;
}

static void test_structure(void)
{
	struct sbuf out = SBUF_INIT;
	struct json j;

	json_init(&j, &out);
	json_object_begin(&j);
	json_key(&j, "a");
	json_string(&j, "x");
	json_key(&j, "b");
	json_array_begin(&j);
	json_int(&j, 1);
	json_int(&j, -2);
	json_bool(&j, true);
	json_bool(&j, false);
	json_null(&j);
	json_array_begin(&j);
	json_array_end(&j);
	json_object_begin(&j);
	json_object_end(&j);
	json_array_end(&j);
	json_key(&j, "c");
	json_object_begin(&j);
	json_key(&j, "d");
	json_int(&j, INT64_MIN);
	json_object_end(&j);
	json_object_end(&j);
	CHECK_OK(json_finish(&j));
	CHECK_STR(text(&out), "{\"a\":\"x\",\"b\":[1,-2,true,false,null,[],{}],\"c\":{\"d\":-9223372036854775808}}");
	sbuf_free(&out);
}

static void check_escaped(const char *in, size_t n, const char *want)
{
	struct sbuf out = SBUF_INIT;
	struct json j;

	json_init(&j, &out);
	json_string_n(&j, in, n);
	CHECK_OK(json_finish(&j));
	CHECK_STR(text(&out), want);
	sbuf_free(&out);
}

static void test_escaping(void)
{
	/* RFC 8259 section 7: '"', '\' and U+0000..U+001F must be escaped. */
	check_escaped("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"");
	check_escaped("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
	check_escaped("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	check_escaped("a\0b", 3, "\"a\\u0000b\"");
	check_escaped("", 0, "\"\"");
	/* Well-formed UTF-8 passes through: U+00E9, U+20AC, U+1F600. */
	check_escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* Ill-formed (RFC 3629 section 3): truncated, overlong, surrogate,
	 * above U+10FFFF, stray continuation — each byte becomes U+FFFD. */
	check_escaped("\xc3", 1, "\"\\ufffd\"");
	check_escaped("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
	check_escaped("\xe0\x80\xaf", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	check_escaped("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	check_escaped("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	check_escaped("\x80x", 2, "\"\\ufffdx\"");
	check_escaped("\xe2\x82x", 3, "\"\\ufffd\\ufffdx\"");
}

static void test_misuse(void)
{
	struct sbuf out = SBUF_INIT;
	struct json j;

	/* A value in an object without a key: refused, and the error sticks. */
	json_init(&j, &out);
	json_object_begin(&j);
	CHECK_ERR(json_string(&j, "x"), SD_ERR_INVALID_ARG);
	CHECK_ERR(json_key(&j, "k"), SD_ERR_INVALID_ARG);
	CHECK_ERR(json_finish(&j), SD_ERR_INVALID_ARG);
	sbuf_free(&out);

	/* Unclosed, mismatched, key outside an object, key without value. */
	json_init(&j, &out);
	json_array_begin(&j);
	CHECK_ERR(json_finish(&j), SD_ERR_INVALID_ARG);
	CHECK_ERR(json_object_end(&j), SD_ERR_INVALID_ARG);
	sbuf_free(&out);
	json_init(&j, &out);
	CHECK_ERR(json_key(&j, "k"), SD_ERR_INVALID_ARG);
	sbuf_free(&out);
	json_init(&j, &out);
	json_object_begin(&j);
	json_key(&j, "k");
	CHECK_ERR(json_object_end(&j), SD_ERR_INVALID_ARG);
	sbuf_free(&out);

	/* Nesting deeper than JSON_MAX_DEPTH. */
	json_init(&j, &out);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		CHECK_OK(json_array_begin(&j));
	CHECK_ERR(json_array_begin(&j), SD_ERR_LIMIT);
	sbuf_free(&out);
}

static void test_report(void)
{
	static struct sshdiff_case c;
	static struct observations obs[2];
	struct comparison cmp;
	struct sbuf out = SBUF_INIT, again = SBUF_INIT;

	case_default(&c, CASE_IUT_SERVER);
	c.n_steps = 2; /* send KEXINIT, expect KEXINIT */
	memset(obs, 0, sizeof(obs));
	strcpy(obs[0].backend, "own");
	strcpy(obs[0].version, "e 1");
	obs[0].n_steps = 2;
	obs[0].steps[0].verdict = VERDICT_REJECT;
	strcpy(obs[0].steps[0].rule, "RFC4253-7.1-kex");
	obs[0].steps[1].verdict = VERDICT_NOT_REACHED;
	strcpy(obs[0].kex, "k\"1");
	strcpy(obs[0].outcome, "rejected at step 0 (RFC4253-7.1-kex)");
	strcpy(obs[1].backend, "libssh");
	strcpy(obs[1].version, "l 2");
	obs[1].n_steps = 2;
	obs[1].steps[0].verdict = VERDICT_ACCEPT;
	obs[1].steps[1].verdict = VERDICT_ACCEPT;
	obs[1].keys_checked = true;
	obs[1].keys_ok = true;
	obs[1].auth = OBS_AUTH_SUCCESS;
	strcpy(obs[1].outcome, "completed");
	CHECK_OK(compare_observations(&c, obs, 2, NULL, &cmp));
	CHECK_OK(report_json("a\\b.case", &c, obs, 2, &cmp, &out));
	CHECK_STR(text(&out),
		  "{\"case\":\"a\\\\b.case\",\"divergent\":true,"
		  "\"signature\":\"send KEXINIT|RFC4253-7.1-kex|libssh=accept,own=reject\","
		  "\"divergent_step\":0,\"suppressed\":null,"
		  "\"steps\":["
		  "{\"step\":0,\"message\":\"send KEXINIT\",\"rule\":\"RFC4253-7.1-kex\","
		  "\"verdicts\":{\"own\":\"reject:RFC4253-7.1-kex\",\"libssh\":\"accept\"}},"
		  "{\"step\":1,\"message\":\"expect KEXINIT\",\"rule\":\"-\","
		  "\"verdicts\":{\"own\":\"-\",\"libssh\":\"accept\"}}],"
		  "\"backends\":{"
		  "\"own\":{\"version\":\"e 1\",\"negotiated\":{\"kex\":\"k\\\"1\",\"hostkey\":\"\","
		  "\"cipher_cs\":\"\",\"cipher_sc\":\"\",\"mac_cs\":\"\",\"mac_sc\":\"\"},"
		  "\"keys_ok\":null,\"auth\":\"none\",\"outcome\":\"rejected at step 0 (RFC4253-7.1-kex)\"},"
		  "\"libssh\":{\"version\":\"l 2\",\"negotiated\":{\"kex\":\"\",\"hostkey\":\"\","
		  "\"cipher_cs\":\"\",\"cipher_sc\":\"\",\"mac_cs\":\"\",\"mac_sc\":\"\"},"
		  "\"keys_ok\":true,\"auth\":\"success\",\"outcome\":\"completed\"}}}");
	/* Same input, same bytes. */
	CHECK_OK(report_json("a\\b.case", &c, obs, 2, &cmp, &again));
	CHECK(out.len == again.len && memcmp(out.data, again.data, out.len) == 0);
	sbuf_free(&out);
	sbuf_free(&again);
}

int main(void)
{
	test_structure();
	test_escaping();
	test_misuse();
	test_report();
	return check_finish();
}

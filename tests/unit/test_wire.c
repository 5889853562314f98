/* RFC 4251 section 5 encodings: the mpint examples of the RFC, name-list
 * rules, bounds. */
#include <string.h>

#include "tests/support/check.h"

static void mpint_examples(void)
{
	/* RFC 4251 section 5, the table of mpint examples. */
	static const struct {
		const char *mag, *wire;
	} ex[] = {
		{"", "00000000"},
		{"09a378f9b2e332a7", "0000000809a378f9b2e332a7"},
		{"80", "000000020080"},
	};
	for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
		struct sbuf mag = check_hex(ex[i].mag), want = check_hex(ex[i].wire), got = SBUF_INIT;
		CHECK_OK(sbuf_put_mpint_unsigned(&got, mag.data, mag.len));
		CHECK_EQ_U(got.len, want.len);
		CHECK_MEM(got.data, want.data, want.len);
		struct sview v = sview_make(want.data, want.len);
		struct span s;
		CHECK_OK(sview_get_mpint_positive(&v, &s));
		CHECK_OK(sview_end(&v));
		sbuf_free(&mag);
		sbuf_free(&want);
		sbuf_free(&got);
	}
	/* Negative examples of the RFC: -1234 = 00 00 00 02 ed cc,
	 * -deadbeef = 00 00 00 05 ff 21 52 41 11: canonical, but negative. */
	const char *neg[] = {"00000002edcc", "00000005ff21524111"};
	for (size_t i = 0; i < 2; i++) {
		struct sbuf w = check_hex(neg[i]);
		struct sview v = sview_make(w.data, w.len);
		struct span s;
		CHECK_OK(sview_get_mpint(&v, &s));
		v = sview_make(w.data, w.len);
		CHECK_ERR(sview_get_mpint_positive(&v, &s), SD_ERR_MPINT_NEGATIVE);
		CHECK_EQ_U(v.off, 0);
		sbuf_free(&w);
	}
	/* Non-minimal encodings. */
	const char *bad[] = {"0000000100", "000000020001", "00000002ff80", "00000003000080"};
	for (size_t i = 0; i < 4; i++) {
		struct sbuf w = check_hex(bad[i]);
		struct sview v = sview_make(w.data, w.len);
		struct span s;
		CHECK_ERR(sview_get_mpint(&v, &s), SD_ERR_MPINT_NONCANONICAL);
		sbuf_free(&w);
	}
}

static void namelists(void)
{
	const char *good[] = {"", "zlib", "zlib,none", "curve25519-sha256@libssh.org,ext-info-c"};
	const char *bad[] = {",", "a,", ",a", "a,,b", "a b", "a\x01", "a\x7f",
			     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		CHECK_OK(namelist_check(span_cstr(good[i])));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_ERR(namelist_check(span_cstr(bad[i])), SD_ERR_NAMELIST);
	size_t pos = 0;
	struct span n;
	struct span l = span_cstr("a,bb,ccc");
	CHECK(namelist_next(l, &pos, &n) && span_eq_cstr(n, "a"));
	CHECK(namelist_next(l, &pos, &n) && span_eq_cstr(n, "bb"));
	CHECK(namelist_next(l, &pos, &n) && span_eq_cstr(n, "ccc"));
	CHECK(!namelist_next(l, &pos, &n));
	CHECK(namelist_contains(l, span_cstr("bb")));
	CHECK(!namelist_contains(l, span_cstr("b")));
}

static void bounds(void)
{
	struct sbuf w = check_hex("00000005616263");
	struct sview v = sview_make(w.data, w.len);
	struct span s;
	CHECK_ERR(sview_get_string(&v, &s), SD_ERR_TRUNCATED);
	CHECK_EQ_U(v.off, 0);
	uint32_t x;
	CHECK_OK(sview_get_u32(&v, &x));
	CHECK_EQ_U(x, 5);
	CHECK_ERR(sview_end(&v), SD_ERR_TRAILING);
	sbuf_free(&w);

	struct sbuf b = SBUF_INIT;
	uint8_t *where;
	CHECK_ERR(sbuf_reserve(&b, SBUF_MAX + 1, &where), SD_ERR_LIMIT);
	CHECK_OK(sbuf_put_cstring(&b, "hello"));
	CHECK_OK(sbuf_put_u64(&b, 0x0102030405060708ull));
	sbuf_consume(&b, 4);
	CHECK_EQ_U(b.len, 13);
	CHECK(memcmp(b.data, "hello", 5) == 0);
	sbuf_free(&b);
}

/* sbuf_printf appends the whole text, whatever its length, without the NUL. */
static void printf_text(void)
{
	struct sbuf b = SBUF_INIT;
	char big[2001];

	CHECK_OK(sbuf_printf(&b, "%s=%u", "kex", 7u));
	CHECK_EQ_U(b.len, 5);
	CHECK_MEM(b.data, "kex=7", 5);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	CHECK_OK(sbuf_printf(&b, "[%s]", big));
	CHECK_EQ_U(b.len, 5 + 2002);
	CHECK(b.data[5] == '[' && b.data[5 + 2001] == ']' && b.data[2000] == 'x');
	CHECK_OK(sbuf_printf(&b, "%s", ""));
	CHECK_EQ_U(b.len, 5 + 2002);
	sbuf_free(&b);
}

int main(void)
{
	mpint_examples();
	printf_text();
	namelists();
	bounds();
	CHECK_STR(sd_err_rule(SD_ERR_X25519_ZERO), "RFC8731-3");
	return check_finish();
}

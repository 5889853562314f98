/*
 * test_memo.c — the memo of pure public-key results (memo/memo.h).
 *
 * 1. The table itself: exact-input matching (parts keyed with their
 *    lengths, ops kept apart), what it refuses to hold, switching off.
 * 2. The promise the oracle rests on: a case gives byte-identical
 *    observations (replay's JSON: verdicts, rules, negotiated algorithms,
 *    keys_ok, auth, outcome, signature) with the memo off, on and empty, and
 *    on and full of that very case's results.  Over every demonstration
 *    case (tests/cases, tests/agreements: low-order X25519 points, bad and
 *    non-canonical Ed25519 signatures, wrong-hash KDF ...), a sample of the
 *    valid scenarios (finite-field DH and RSA by name), and random fuzz
 *    bodies (every byte string decodes).
 * 3. libssh's own calls into libcrypto (memo/libcrypto_memo.c, linked into
 *    this test as into fuzz_differential) reach the memo: a second libssh
 *    run of a case computes no X25519 or Ed25519 result, and part 2 above
 *    covers them too (libssh is one of the backends compared).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/check.h"
#include "memo/libcrypto_memo.h"
#include "memo/memo.h"
#include "oracle/backend.h"
#include "oracle/case.h"
#include "oracle/compare.h"
#include "oracle/report.h"

#define N_BACKENDS 3
#define RANDOM_BODIES 120
#define SCENARIO_STRIDE 151 /* every 151st of the 6,468 scenarios: ~43 */

static const char *const names[N_BACKENDS] = {"own", "libssh", "verifier"};

/* ---- 1. the table ---- */

static void test_table(void)
{
	const uint8_t ab[] = "ab", c[] = "c", a[] = "a", bc[] = "bc";
	const struct memo_part p1[] = {{ab, 2}, {c, 1}}, p2[] = {{a, 1}, {bc, 2}};
	const uint8_t out1[] = {1, 2, 3};
	uint8_t got[8];
	size_t n = 0;
	int status = 0;
	struct memo_stats st;

	memo_enable(false);
	CHECK(!memo_enabled());
	memo_put(MEMO_OSSL_X25519_SHARED, p1, 2, out1, sizeof out1, 7);
	CHECK(!memo_get(MEMO_OSSL_X25519_SHARED, p1, 2, got, sizeof got, &n, &status)); /* off: nothing kept */

	memo_enable(true);
	CHECK(memo_enabled());
	memo_put(MEMO_OSSL_X25519_SHARED, p1, 2, out1, sizeof out1, 7);
	CHECK(memo_get(MEMO_OSSL_X25519_SHARED, p1, 2, got, sizeof got, &n, &status));
	CHECK_EQ_U(n, sizeof out1);
	CHECK_MEM(got, out1, sizeof out1);
	CHECK_EQ_U((unsigned)status, 7);
	/* same bytes, other split: another input */
	CHECK(!memo_get(MEMO_OSSL_X25519_SHARED, p2, 2, got, sizeof got, &n, &status));
	/* same input, another op (another library or caller): not shared */
	CHECK(!memo_get(MEMO_SODIUM_X25519_SHARED, p1, 2, got, sizeof got, &n, &status));
	/* output that does not fit: a miss, nothing written past out_cap */
	CHECK(!memo_get(MEMO_OSSL_X25519_SHARED, p1, 2, got, 2, &n, &status));
	/* one byte different */
	const uint8_t ac[] = "ac";
	const struct memo_part p3[] = {{ac, 2}, {c, 1}};
	CHECK(!memo_get(MEMO_OSSL_X25519_SHARED, p3, 2, got, sizeof got, &n, &status));

	/* too long to keep: not stored, not found */
	static uint8_t big[MEMO_MAX_INPUT + 1];
	const struct memo_part pb[] = {{big, sizeof big}};
	memo_put(MEMO_OSSL_ED25519_VERIFY, pb, 1, NULL, 0, 0);
	CHECK(!memo_get(MEMO_OSSL_ED25519_VERIFY, pb, 1, NULL, 0, &n, &status));
	/* an empty output (a verdict only) round-trips */
	const struct memo_part pv[] = {{big, 64}};
	memo_put(MEMO_OSSL_ED25519_VERIFY, pv, 1, NULL, 0, 42);
	CHECK(memo_get(MEMO_OSSL_ED25519_VERIFY, pv, 1, NULL, 0, &n, &status));
	CHECK_EQ_U(n, 0);
	CHECK_EQ_U((unsigned)status, 42);

	/* switching on again keeps; off forgets */
	memo_enable(true);
	CHECK(memo_get(MEMO_OSSL_X25519_SHARED, p1, 2, got, sizeof got, &n, &status));
	memo_get_stats(&st);
	CHECK(st.hits >= 3 && st.stores == 2);
	memo_enable(false);
	memo_enable(true);
	CHECK(!memo_get(MEMO_OSSL_X25519_SHARED, p1, 2, got, sizeof got, &n, &status));

	/* bounded: far more entries than slots; the last one is still there */
	uint8_t key[8];
	const struct memo_part pk[] = {{key, sizeof key}};
	for (uint32_t i = 0; i < 3 * MEMO_SLOTS; i++) {
		memcpy(key, &i, sizeof i);
		memset(key + 4, 0x5a, 4);
		memo_put(MEMO_OSSL_X25519_PUBLIC, pk, 1, key, sizeof key, 0);
	}
	memo_get_stats(&st);
	CHECK(st.replaced >= MEMO_SLOTS);
	CHECK(memo_get(MEMO_OSSL_X25519_PUBLIC, pk, 1, got, sizeof got, &n, &status));
	CHECK_MEM(got, key, sizeof key);
	CHECK(st.bytes <= MEMO_MAX_BYTES);

	/* bounded in bytes: large entries past MEMO_MAX_BYTES start it again */
	memo_enable(false);
	memo_enable(true);
	static uint8_t large[MEMO_MAX_INPUT - 16];
	const struct memo_part pl[] = {{large, sizeof large}};
	for (uint32_t i = 0; i < 2 * (MEMO_MAX_BYTES / sizeof large); i++) {
		memcpy(large, &i, sizeof i);
		memo_put(MEMO_OSSL_DH_MODEXP, pl, 1, large, MEMO_MAX_OUTPUT, 0);
	}
	memo_get_stats(&st);
	CHECK(st.flushes >= 1);
	CHECK(st.bytes <= MEMO_MAX_BYTES);
	CHECK(memo_get(MEMO_OSSL_DH_MODEXP, pl, 1, got, sizeof got, &n, &status) == false); /* out_cap too small */
	static uint8_t out_large[MEMO_MAX_OUTPUT];
	CHECK(memo_get(MEMO_OSSL_DH_MODEXP, pl, 1, out_large, sizeof out_large, &n, &status)); /* the last one */
	memo_enable(false);
}

/* ---- 2. same observations, memo or not ---- */

static const struct backend *bk[N_BACKENDS];
static unsigned long n_cases, n_equal;

/* Every backend on c, then replay's JSON of it into out. */
static void run_json(const struct sshdiff_case *c, struct sbuf *out)
{
	static struct observations obs[N_BACKENDS];
	struct comparison cmp;

	sbuf_reset(out);
	for (size_t i = 0; i < N_BACKENDS; i++)
		CHECK_OK(bk[i]->run(c, &obs[i]));
	CHECK_OK(compare_observations(c, obs, N_BACKENDS, NULL, &cmp));
	CHECK_OK(report_json("case", c, obs, N_BACKENDS, &cmp, out));
}

static void check_same(const char *label, const struct sshdiff_case *c)
{
	struct sbuf off = SBUF_INIT, cold = SBUF_INIT, warm = SBUF_INIT;

	memo_enable(false);
	run_json(c, &off);
	memo_enable(true); /* empty */
	run_json(c, &cold);
	run_json(c, &warm); /* full of this case's results */
	memo_enable(false);
	n_cases++;
	bool same = off.len == cold.len && off.len == warm.len && memcmp(off.data, cold.data, off.len) == 0 &&
		    memcmp(off.data, warm.data, off.len) == 0;
	CHECK(same);
	if (!same)
		fprintf(stderr, "%s: observations differ\n  off:  %.*s\n  cold: %.*s\n  warm: %.*s\n", label,
			(int)off.len, (const char *)off.data, (int)cold.len, (const char *)cold.data, (int)warm.len,
			(const char *)warm.data);
	n_equal += same;
	sbuf_free(&off);
	sbuf_free(&cold);
	sbuf_free(&warm);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.case in dir (sorted), or every stride-th. */
static void check_dir(const char *dir, size_t stride)
{
	static struct sshdiff_case c;
	char **files = NULL, path[4096], err[512];
	size_t n = 0, cap = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	CHECK(d != NULL);
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".case") != 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			files = realloc(files, cap * sizeof *files);
			if (!files)
				abort();
		}
		files[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(files, n, sizeof *files, by_name);
	CHECK(n > 0);
	for (size_t i = 0; i < n; i++) {
		if (i % stride == 0) {
			snprintf(path, sizeof path, "%s/%s", dir, files[i]);
			CHECK_OK(case_load(path, &c, err, sizeof err));
			check_same(path, &c);
		}
		free(files[i]);
	}
	free(files);
}

/* The finite-field DH and RSA paths by name (the stride above may miss
 * them): group exchange, the 8192-bit group, RSA host and user keys. */
static void check_dh_rsa(void)
{
	static const char *const names_dh[] = {
		"diffie-hellman-group-exchange-sha256-rsa-sha2-512",
		"diffie-hellman-group14-sha256-rsa-sha2-256",
		"diffie-hellman-group16-sha512-ssh-ed25519",
		"diffie-hellman-group18-sha512-ssh-rsa",
	};
	static struct sshdiff_case c;
	char path[4096], err[512];

	for (int role = 0; role < 2; role++)
		for (size_t i = 0; i < sizeof names_dh / sizeof names_dh[0]; i++) {
			snprintf(path, sizeof path,
				 "%s/corpus/scenarios/%s-%s-chacha20-poly1305_at_openssh.com-publickey.case",
				 SSHDIFF_SOURCE_DIR, role ? "server" : "client", names_dh[i]);
			CHECK_OK(case_load(path, &c, err, sizeof err));
			check_same(path, &c);
		}
}

/* Random fuzz bodies (a fixed xorshift stream): whatever the fuzzer feeds. */
static void check_random(void)
{
	static struct sshdiff_case c;
	uint8_t body[1024];
	uint64_t s = 0x9e3779b97f4a7c15ull;
	char label[64];

	for (int i = 0; i < RANDOM_BODIES; i++) {
		size_t len = 64 + (size_t)(i * 7) % (sizeof body - 64);
		for (size_t k = 0; k < len; k++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			body[k] = (uint8_t)s;
		}
		case_decode(body, len, &c);
		snprintf(label, sizeof label, "random body %d", i);
		check_same(label, &c);
	}
}

/* The default case, with the memo kept across seeds and roles: the second
 * pass must recall (the memo is doing something) and still agree. */
static void check_default(void)
{
	static struct sshdiff_case c;
	struct memo_stats st;
	char label[64];

	for (int role = 0; role < 2; role++) {
		case_default(&c, role ? CASE_IUT_CLIENT : CASE_IUT_SERVER);
		for (uint64_t seed = 1; seed <= 3; seed++) {
			c.seed = seed;
			snprintf(label, sizeof label, "default case, role %d, seed %llu", role, (unsigned long long)seed);
			check_same(label, &c);
		}
	}
	/* the warm run of the default case: every public-key result recalled */
	struct sbuf out = SBUF_INIT;
	case_default(&c, CASE_IUT_SERVER);
	memo_enable(true);
	run_json(&c, &out);
	memo_get_stats(&st);
	unsigned long misses_cold = st.misses;
	run_json(&c, &out);
	memo_get_stats(&st);
	CHECK_EQ_U(st.misses, misses_cold); /* nothing computed the second time */
	CHECK(st.hits >= 10);
	memo_enable(false);
	sbuf_free(&out);
}

/* libssh alone, twice per role: the second run recalls what libssh asked
 * of libcrypto (its X25519 key generation's public key, its key imports,
 * the shared secret, the Ed25519 signature and verification) and computes
 * none of it.  Zero recalls would mean the linker did not let the
 * executable's definitions interpose on libssh's calls. */
static void check_libssh_calls(void)
{
	static struct sshdiff_case c;
	static struct observations obs;
	struct libcrypto_memo_stats first, second;

	for (int role = 0; role < 2; role++) {
		case_default(&c, role ? CASE_IUT_CLIENT : CASE_IUT_SERVER);
		memo_enable(true);
		CHECK_OK(bk[1]->run(&c, &obs));
		libcrypto_memo_get_stats(&first);
		CHECK_OK(bk[1]->run(&c, &obs));
		libcrypto_memo_get_stats(&second);
		CHECK_EQ_U(second.computed, first.computed);
		/* keygen, two key imports, derive, sign or verify, and the
		 * userauth signature or its verification */
		CHECK(second.recalled - first.recalled >= 5);
		fprintf(stderr, "test_memo: libssh %s run: %lu libcrypto results recalled, %lu computed\n",
			role ? "client" : "server", second.recalled - first.recalled,
			second.computed - first.computed);
		memo_enable(false);
	}
}

int main(void)
{
	test_table();
	for (size_t i = 0; i < N_BACKENDS; i++)
		CHECK((bk[i] = backend_by_name(names[i])) != NULL);
	check_default();
	check_libssh_calls();
	check_dir(SSHDIFF_SOURCE_DIR "/tests/cases", 1);
	check_dir(SSHDIFF_SOURCE_DIR "/tests/agreements", 1);
	check_dir(SSHDIFF_SOURCE_DIR "/corpus/scenarios", SCENARIO_STRIDE);
	check_dh_rsa();
	check_random();
	fprintf(stderr, "test_memo: %lu cases, %lu with identical observations off / cold / warm\n", n_cases,
		n_equal);
	CHECK(n_cases >= 100);
	return check_finish();
}

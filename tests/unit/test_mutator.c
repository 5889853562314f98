/*
 * test_mutator.c — the case mutator of fuzz_differential
 * (targets/common/mutator.h):
 *   - every output is a canonical case (decodes and re-encodes to the same
 *     bytes) no larger than max_size, for mutation and crossover, with and
 *     without a byte-level mutator;
 *   - the same input and seed give the same output;
 *   - every planted divergence of tests/cases/ is at most two structured
 *     mutations away from its nearest valid scenario (the default script
 *     with the case's algorithms, strict kex and ext-info on, as every
 *     scenario of corpus/scenarios has them), comparing the structure that
 *     decides the divergence (see skeleton below).  The one planted case
 *     that needs three (a second, correctly signed request after the bad
 *     one) is checked in its two-move form, and that form is run through
 *     the oracle to show it gives the planted signature.
 * How often a fuzzing run actually hits each planted signature is measured
 * by bench_differential --planted (bench/RESULTS.md).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle/backend.h"
#include "oracle/case.h"
#include "oracle/compare.h"
#include "targets/common/mutator.h"
#include "tests/support/check.h"

#ifndef SSHDIFF_HAVE_FUZZCOMMON
/* A build without fuzz targets has no sshdiff_fuzzcommon library: the
 * mutator (which needs only the oracle) is compiled into the test. */
#include "targets/common/mutator.c"
#endif

#define MAX_OUT 8192

/* ---- helpers ---- */

static size_t encode(const struct sshdiff_case *c, uint8_t *out, size_t max)
{
	struct sbuf b = SBUF_INIT;
	size_t n = 0;

	if (case_encode(c, &b) == SD_OK && b.len <= max) {
		memcpy(out, b.data, b.len);
		n = b.len;
	}
	sbuf_free(&b);
	return n;
}

/* Canonical: decode then encode gives the same bytes. */
static bool canonical(const uint8_t *p, size_t n)
{
	static struct sshdiff_case c;
	static uint8_t again[MAX_OUT * 2];

	case_decode(p, n, &c);
	return encode(&c, again, sizeof again) == n && memcmp(again, p, n) == 0;
}

/* A deterministic stand-in for LLVMFuzzerMutate: flips, inserts or cuts
 * bytes within max_size. */
static uint32_t byte_rng = 1;
static unsigned long byte_calls;
static size_t test_byte_mutate(uint8_t *p, size_t n, size_t max)
{
	byte_calls++;
	byte_rng = byte_rng * 1103515245u + 12345u;
	switch (byte_rng >> 16 & 3) {
	case 0:
		if (n)
			p[(byte_rng >> 8) % n] ^= (uint8_t)(1u << (byte_rng & 7));
		return n;
	case 1:
		return n > 1 ? n - 1 - (byte_rng >> 8) % (n / 2 + 1) : n;
	case 2:
		if (n < max)
			p[n++] = (uint8_t)(byte_rng >> 4);
		return n;
	default:
		if (n)
			p[(byte_rng >> 9) % n] = 0xff;
		return n;
	}
}

/* ---- outputs: canonical, bounded, deterministic ---- */

static void test_outputs(void)
{
	static const size_t limits[] = {40, 64, 150, 300, 1000, MAX_OUT};
	static uint8_t cur[MAX_OUT], a[MAX_OUT], b[MAX_OUT], pool[64][MAX_OUT];
	static size_t pool_len[64];
	static struct sshdiff_case start[2];
	size_t cur_len = 0, bad_size = 0, bad_canon = 0, bad_det = 0, changed = 0, n_pool = 0;

	case_default(&start[0], CASE_IUT_SERVER);
	case_default(&start[1], CASE_IUT_CLIENT);
	for (uint32_t i = 0; i < 6000; i++) {
		size_t max = limits[i % (sizeof limits / sizeof limits[0])];
		byte_mutator_fn bm = i % 3 == 0 ? test_byte_mutate : NULL;

		if (i % 40 == 0)
			cur_len = encode(&start[(i / 40) & 1], cur, sizeof cur);
		size_t in_len = cur_len < max ? cur_len : max;
		memcpy(a, cur, in_len);
		memcpy(b, cur, in_len);
		uint32_t saved_rng = byte_rng;
		size_t na = case_mutate(a, in_len, max, i, bm);
		byte_rng = saved_rng;
		size_t nb = case_mutate(b, in_len, max, i, bm);
		bad_size += na > max;
		bad_canon += !canonical(a, na);
		bad_det += na != nb || memcmp(a, b, na) != 0;
		changed += na != in_len || memcmp(a, cur, na) != 0;
		if (max == MAX_OUT) {
			memcpy(cur, a, na);
			cur_len = na;
			memcpy(pool[n_pool % 64], a, na);
			pool_len[n_pool++ % 64] = na;
		}
	}
	CHECK_EQ_U(bad_size, 0);
	CHECK_EQ_U(bad_canon, 0);
	CHECK_EQ_U(bad_det, 0);
	/* Some moves are no-ops (removing a mutation where there is none,
	 * truncating past the end), but most change the case. */
	CHECK(changed > 6000 * 8 / 10);

	/* Crossover of pairs from the pool. */
	bad_size = bad_canon = bad_det = 0;
	for (uint32_t i = 0; i < 2000; i++) {
		size_t max = limits[i % (sizeof limits / sizeof limits[0])];
		size_t x = i % 64, y = (i * 7 + 3) % 64;
		size_t na = case_crossover(pool[x], pool_len[x], pool[y], pool_len[y], a, max, i);
		size_t nb = case_crossover(pool[x], pool_len[x], pool[y], pool_len[y], b, max, i);
		bad_size += na > max || na == 0;
		bad_canon += !canonical(a, na);
		bad_det += na != nb || memcmp(a, b, na) != 0;
	}
	CHECK_EQ_U(bad_size, 0);
	CHECK_EQ_U(bad_canon, 0);
	CHECK_EQ_U(bad_det, 0);

	/* Garbage in (every byte string is a case), canonical out. */
	bad_canon = 0;
	for (uint32_t i = 0; i < 500; i++) {
		size_t n = 1 + i % 300;
		for (size_t k = 0; k < n; k++)
			a[k] = (uint8_t)(i * 31 + k * 17);
		size_t na = case_mutate(a, n, MAX_OUT, i, NULL);
		bad_canon += !canonical(a, na);
	}
	CHECK_EQ_U(bad_canon, 0);

	/* max_size below the smallest case: the input comes back as it was. */
	memcpy(a, "abc", 3);
	CHECK_EQ_U(case_mutate(a, 3, 5, 1, NULL), 3);
}

/* ---- planted divergences within two moves ---- */

/*
 * The divergence-relevant structure of a case: the header fields a
 * backend's verdict depends on (role, algorithms, host key, strict kex,
 * ext-info; not seed, user or version) and per step its kind, message and
 * mutations, each mutation reduced to what decides the verdict: a SET's
 * field and whether its value is non-zero, a TRUNCATE's offset, the value
 * of LIE_LENGTH / MSG_NUMBER / KDF_HASH / SIG_HASH / GUESS; for FLIP and
 * EXTEND only that there is one (which byte of a signature a flip hits
 * does not change the verdict).
 */
static uint64_t mut_key(const struct case_mutation *m)
{
	uint64_t v = 0;
	bool nonzero = false;

	switch (m->kind) {
	case MUT_SET_FIELD:
		for (unsigned i = 0; i < m->data_len; i++)
			nonzero |= m->data[i] != 0;
		v = (uint64_t)m->field << 8 | nonzero;
		break;
	case MUT_TRUNCATE:
		v = m->offset;
		break;
	case MUT_LIE_LENGTH:
		v = (uint64_t)m->field << 32 | m->value;
		break;
	case MUT_MSG_NUMBER:
	case MUT_KDF_HASH:
	case MUT_SIG_HASH:
	case MUT_GUESS:
		v = m->value;
		break;
	default:
		break;
	}
	return (uint64_t)m->kind << 48 ^ v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* 0: same structure; 1: same kind and message, other mutations; 2: other. */
static unsigned step_cost(const struct case_step *a, const struct case_step *b)
{
	uint64_t ka[CASE_MAX_MUTATIONS], kb[CASE_MAX_MUTATIONS];

	if (a->kind != b->kind)
		return 2;
	if ((a->kind == STEP_SEND || a->kind == STEP_EXPECT) && a->msg != b->msg)
		return 2;
	if (a->kind == STEP_ENCRYPTION && a->value != b->value)
		return 2;
	if (a->kind != STEP_SEND)
		return 0;
	if (a->n_mutations != b->n_mutations)
		return 1;
	for (unsigned i = 0; i < a->n_mutations; i++) {
		ka[i] = mut_key(&a->mutations[i]);
		kb[i] = mut_key(&b->mutations[i]);
	}
	qsort(ka, a->n_mutations, sizeof ka[0], cmp_u64);
	qsort(kb, b->n_mutations, sizeof kb[0], cmp_u64);
	return memcmp(ka, kb, a->n_mutations * sizeof ka[0]) ? 1 : 0;
}

/* Header differences plus the edit distance of the step lists. */
static unsigned distance(const struct sshdiff_case *a, const struct sshdiff_case *b)
{
	static unsigned d[CASE_MAX_STEPS + 1][CASE_MAX_STEPS + 1];
	unsigned h = 0;

	h += a->iut_role != b->iut_role ? 20 : 0;
	/* the identification line decides a divergence too (libssh's server
	 * refuses one over 127 characters) */
	h += strcmp(a->actor_version, b->actor_version) != 0;
	h += a->host_key != b->host_key;
	h += strcmp(a->algs.kex, b->algs.kex) != 0;
	h += strcmp(a->algs.hostkey, b->algs.hostkey) != 0;
	h += strcmp(a->algs.cipher, b->algs.cipher) != 0;
	h += strcmp(a->algs.mac, b->algs.mac) != 0;
	h += a->strict_kex != b->strict_kex;
	h += a->ext_info != b->ext_info;
	for (unsigned i = 0; i <= a->n_steps; i++)
		d[i][0] = i;
	for (unsigned j = 0; j <= b->n_steps; j++)
		d[0][j] = j;
	for (unsigned i = 1; i <= a->n_steps; i++)
		for (unsigned j = 1; j <= b->n_steps; j++) {
			unsigned best = d[i - 1][j - 1] + step_cost(&a->steps[i - 1], &b->steps[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			d[i][j] = best;
		}
	return h + d[a->n_steps][b->n_steps];
}

#define FRONTIER 6
#define TRIES 20000

struct frontier {
	uint8_t body[FRONTIER][MAX_OUT];
	size_t len[FRONTIER];
	unsigned dist[FRONTIER];
	size_t n;
};

/* Keeps the closest distinct candidates. */
static void frontier_add(struct frontier *f, const uint8_t *p, size_t n, unsigned d)
{
	size_t worst = 0;

	for (size_t i = 0; i < f->n; i++)
		if (f->len[i] == n && memcmp(f->body[i], p, n) == 0)
			return;
	if (f->n < FRONTIER) {
		worst = f->n++;
	} else {
		for (size_t i = 1; i < f->n; i++)
			if (f->dist[i] > f->dist[worst])
				worst = i;
		if (f->dist[worst] <= d)
			return;
	}
	memcpy(f->body[worst], p, n);
	f->len[worst] = n;
	f->dist[worst] = d;
}

/* The number of structured moves (1 or 2) that turn `from` into something
 * with target's structure, or -1: a guided random search, each level
 * keeping the candidates that got closer. */
static int moves_to(const struct sshdiff_case *from, const struct sshdiff_case *target)
{
	static struct frontier f;
	static uint8_t start[MAX_OUT], out[MAX_OUT];
	static struct sshdiff_case c;
	size_t start_len = encode(from, start, sizeof start);
	unsigned d0 = distance(from, target);

	if (d0 == 0)
		return 0;
	f.n = 0;
	for (uint32_t s = 0; s < TRIES; s++) {
		memcpy(out, start, start_len);
		size_t n = case_mutate(out, start_len, MAX_OUT, s, NULL);
		case_decode(out, n, &c);
		unsigned d = distance(&c, target);
		if (d == 0)
			return 1;
		if (d < d0)
			frontier_add(&f, out, n, d);
	}
	for (size_t k = 0; k < f.n; k++)
		for (uint32_t s = 0; s < TRIES; s++) {
			memcpy(out, f.body[k], f.len[k]);
			size_t n = case_mutate(out, f.len[k], MAX_OUT, 0x80000000u + s, NULL);
			case_decode(out, n, &c);
			if (distance(&c, target) == 0)
				return 2;
		}
	return -1;
}

/* The valid scenario a planted case was made from: the default script with
 * its algorithms and host key, strict kex and ext-info offered (as in every
 * scenario of corpus/scenarios). */
static void nearest_scenario(const struct sshdiff_case *p, struct sshdiff_case *s)
{
	case_default(s, p->iut_role);
	s->algs = p->algs;
	s->host_key = p->host_key;
	s->user_key = p->user_key;
	s->strict_kex = true;
	s->ext_info = true;
	case_default_script(s);
}

static void expected_signature(const char *file, char *out, size_t n)
{
	char path[1024], line[1024];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof path, "%s/tests/e2e/expected-signatures.txt", SSHDIFF_SOURCE_DIR);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof line, f)) {
		char *tab = strchr(line, '\t');
		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		if (strcmp(line + strlen("tests/cases/"), file) == 0) {
			tab[1 + strcspn(tab + 1, "\r\n")] = '\0';
			snprintf(out, n, "%s", tab + 1);
		}
	}
	fclose(f);
}

/* The oracle's signature for c (no suppressions). */
static void oracle_signature(const struct sshdiff_case *c, char *out, size_t n)
{
	static struct observations obs[8];
	struct comparison cmp;
	size_t k = 0;

	out[0] = '\0';
	for (; backends[k] && k < 8; k++)
		if (backends[k]->run(c, &obs[k]) != SD_OK)
			return;
	if (compare_observations(c, obs, k, NULL, &cmp) == SD_OK)
		snprintf(out, n, "%s", cmp.signature);
}

/* userauth-bad-signature-no-failure-server in two moves: the flip, and the
 * EXPECT after it asking for the USERAUTH_FAILURE the RFC demands (the
 * planted case then retries correctly signed, a third move that does not
 * change the signature). */
static const char two_move_userauth[] = "sshdiff-case 1\n"
					"iut server\n"
					"kex curve25519-sha256\n"
					"hostkey ssh-ed25519\n"
					"cipher chacha20-poly1305@openssh.com\n"
					"mac hmac-sha2-256\n"
					"send KEXINIT\nexpect KEXINIT\nsend KEX_INIT\nexpect KEX_REPLY\n"
					"send NEWKEYS\nexpect NEWKEYS\nsend SERVICE_REQUEST\nexpect SERVICE_ACCEPT\n"
					"send USERAUTH_PK_QUERY\nexpect USERAUTH_PK_OK\n"
					"send USERAUTH_PK_SIGNED flip 150/0x01\nexpect USERAUTH_FAILURE\n";

static void test_planted(void)
{
	static struct sshdiff_case p, s, two;
	char dir[1024], path[1200], err[256], sig[512], want[512];
	struct dirent *e;
	unsigned line, n_cases = 0;
	DIR *d;

	CHECK_OK(case_parse_text(two_move_userauth, strlen(two_move_userauth), &two, &line, err, sizeof err));
	snprintf(dir, sizeof dir, "%s/tests/cases", SSHDIFF_SOURCE_DIR);
	d = opendir(dir);
	CHECK(d != NULL);
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".case") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		CHECK_OK(case_load(path, &p, err, sizeof err));
		n_cases++;
		if (strcmp(e->d_name, "userauth-bad-signature-no-failure-server.case") == 0) {
			/* its two-move form gives the same signature */
			expected_signature(e->d_name, want, sizeof want);
			oracle_signature(&two, sig, sizeof sig);
			CHECK(want[0] != '\0');
			CHECK_STR(sig, want);
			p = two;
		}
		nearest_scenario(&p, &s);
		int m = moves_to(&s, &p);
		if (m < 1 || m > 2)
			check_fail(__FILE__, __LINE__, "%s: not within two moves of its scenario (distance %u)",
				   e->d_name, distance(&s, &p));
		else
			printf("%-52s %d move%s\n", e->d_name, m, m > 1 ? "s" : "");
		check_count++;
	}
	if (d)
		closedir(d);
	CHECK(n_cases >= 14);
}

/* Byte mutations leave the settings (flags, keys, seed, names, algorithm
 * lists) alone but in a few: a byte inserted or cut among the
 * length-prefixed names shifts one field into the next, a configuration no
 * backend can serve. */
static bool same_settings(const struct sshdiff_case *a, const struct sshdiff_case *b)
{
	return a->iut_role == b->iut_role && a->strict_kex == b->strict_kex && a->ext_info == b->ext_info &&
	       a->host_key == b->host_key && a->user_key == b->user_key && a->seed == b->seed &&
	       !strcmp(a->actor_version, b->actor_version) && !strcmp(a->user, b->user) &&
	       !strcmp(a->password, b->password) && !strcmp(a->algs.kex, b->algs.kex) &&
	       !strcmp(a->algs.hostkey, b->algs.hostkey) && !strcmp(a->algs.cipher, b->algs.cipher) &&
	       !strcmp(a->algs.mac, b->algs.mac);
}

static void test_byte_mutations_keep_settings(void)
{
	static struct sshdiff_case start, got;
	static uint8_t buf[MAX_OUT];
	unsigned long byte_path = 0, changed = 0;

	for (uint32_t i = 0; i < 4000; i++) {
		case_default(&start, i & 1 ? CASE_IUT_CLIENT : CASE_IUT_SERVER);
		size_t n = encode(&start, buf, sizeof buf);
		unsigned long before = byte_calls;
		n = case_mutate(buf, n, sizeof buf, i, test_byte_mutate);
		if (byte_calls == before)
			continue; /* a structured move */
		byte_path++;
		case_decode(buf, n, &got);
		changed += !same_settings(&start, &got);
	}
	fprintf(stderr, "test_mutator: %lu byte mutations, %lu changed the settings\n", byte_path, changed);
	CHECK(byte_path > 200);
	CHECK(changed * 10 < byte_path);
}

int main(void)
{
	test_outputs();
	test_byte_mutations_keep_settings();
	test_planted();
	return check_finish();
}

/*
 * diversity.c — verdict tuples → features the fuzzer counts as coverage
 * (diversity.h, docs/fuzzing.md "Verdict diversity").
 *
 * A step's tuple is (step kind, message, for each backend: verdict class,
 * plus for a rejection what the backend did instead: the message it sent
 * or its DISCONNECT reason).  Positions are left out on purpose: the same
 * reaction to the same message anywhere in the script is the same
 * behaviour, and keeping positions out stops the corpus from filling with
 * copies that only moved a step.  Rule names are left out too: own and the
 * verifier are instrumented, so a new rule of theirs is already new code
 * coverage; the tuple is there for the one backend that is not.
 */
#include "targets/common/diversity.h"

#include <string.h>

#include "oracle/compare.h"

/* libFuzzer reads this section after every run as extra coverage
 * (FuzzerExtraCounters.cpp: __start/__stop___libfuzzer_extra_counters). */
__attribute__((section("__libfuzzer_extra_counters"), used)) static uint8_t extra_counters[DIVERSITY_COUNTERS];

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static uint32_t fnv_u32(uint32_t h, uint32_t x)
{
	for (int i = 0; i < 4; i++) {
		h ^= (x >> (8 * i)) & 0xff;
		h *= FNV_PRIME;
	}
	return h;
}

/* A backend that did not run the case (unsupported, backend error) has
 * its own class: its absence is part of the tuple. */
#define CLASS_ABSENT 15u

static uint32_t verdict_class(const struct observations *o, unsigned step)
{
	const struct step_observation *s;

	if (!compare_backend_ran(o))
		return CLASS_ABSENT;
	if (step >= o->n_steps || step >= CASE_MAX_STEPS)
		return VERDICT_NOT_REACHED;
	s = &o->steps[step];
	if (s->verdict != VERDICT_REJECT)
		return (uint32_t)s->verdict;
	/* What it did instead: a message (EXPECT), a DISCONNECT reason (0-15
	 * are RFC 4253 section 11.1's), or a plain close. */
	return (uint32_t)s->verdict | (uint32_t)s->iut_msg << 8 | (s->disconnect_reason & 0xff) << 16;
}

static uint32_t step_label_hash(const struct case_step *st)
{
	uint32_t h = fnv_u32(FNV_OFFSET, (uint32_t)st->kind);

	if (st->kind == STEP_SEND || st->kind == STEP_EXPECT)
		h = fnv_u32(h, (uint32_t)st->msg);
	else if (st->kind == STEP_ENCRYPTION)
		h = fnv_u32(h, st->value);
	return h;
}

uint32_t diversity_step_hash(const struct sshdiff_case *c, const struct observations *obs, size_t n,
			     unsigned step)
{
	bool reached = false;
	uint32_t h;

	if (step >= c->n_steps)
		return 0;
	h = step_label_hash(&c->steps[step]);
	for (size_t i = 0; i < n; i++) {
		uint32_t v = verdict_class(&obs[i], step);

		reached |= v != VERDICT_NOT_REACHED && v != CLASS_ABSENT;
		h = fnv_u32(h, v);
	}
	return reached ? (h ? h : 1) : 0;
}

/* One backend's outcome without positions: where it stopped (the label of
 * its first step that was not accepted, and how), whether its keys passed
 * the RFC 4253 section 7.2 check, and whether it authenticated. */
static uint32_t outcome_hash(uint32_t h, const struct sshdiff_case *c, const struct observations *o)
{
	unsigned s;

	if (!compare_backend_ran(o))
		return fnv_u32(h, CLASS_ABSENT);
	for (s = 0; s < c->n_steps && s < o->n_steps; s++)
		if (o->steps[s].verdict != VERDICT_ACCEPT)
			break;
	if (s < c->n_steps && s < o->n_steps)
		h = fnv_u32(fnv_u32(h, step_label_hash(&c->steps[s])), verdict_class(o, s));
	else
		h = fnv_u32(h, 0xffffffffu); /* accepted everything */
	h = fnv_u32(h, (uint32_t)o->keys_checked | (uint32_t)o->keys_ok << 1 | (uint32_t)o->auth << 2);
	return h;
}

uint32_t diversity_run_hash(const struct sshdiff_case *c, const struct observations *obs, size_t n)
{
	uint32_t h = FNV_OFFSET;

	for (size_t i = 0; i < n; i++)
		h = outcome_hash(h, c, &obs[i]);
	return h;
}

#if defined(__AFL_COMPILER)
/*
 * AFL++ sees edges, not extra counters: one basic block per bucket, each
 * with a different (empty) inline assembly comment so that no optimiser
 * pass can merge them or turn the switch into a table.  Two levels of 32
 * keep the source short.
 */
#define DIV_X32A(M, a)                                                                                         \
	M(0, a) M(1, a) M(2, a) M(3, a) M(4, a) M(5, a) M(6, a) M(7, a) M(8, a) M(9, a) M(10, a) M(11, a)      \
	M(12, a) M(13, a) M(14, a) M(15, a) M(16, a) M(17, a) M(18, a) M(19, a) M(20, a) M(21, a) M(22, a)     \
	M(23, a) M(24, a) M(25, a) M(26, a) M(27, a) M(28, a) M(29, a) M(30, a) M(31, a)
#define DIV_X32B(M, a)                                                                                         \
	M(0, a) M(1, a) M(2, a) M(3, a) M(4, a) M(5, a) M(6, a) M(7, a) M(8, a) M(9, a) M(10, a) M(11, a)      \
	M(12, a) M(13, a) M(14, a) M(15, a) M(16, a) M(17, a) M(18, a) M(19, a) M(20, a) M(21, a) M(22, a)     \
	M(23, a) M(24, a) M(25, a) M(26, a) M(27, a) M(28, a) M(29, a) M(30, a) M(31, a)
#define DIV_INNER(lo, hi)                                                                                      \
	case lo:                                                                                               \
		__asm__ volatile("/* sshdiff diversity " #hi "." #lo " */" ::: "memory");                     \
		break;
#define DIV_OUTER(hi, unused)                                                                                  \
	case hi:                                                                                               \
		switch (lo) { DIV_X32B(DIV_INNER, hi) }                                                        \
		break;

static void __attribute__((noinline)) afl_bucket(uint32_t h)
{
	uint32_t b = h % DIVERSITY_AFL_BUCKETS, lo = b & 31;

	switch (b >> 5) {
		DIV_X32A(DIV_OUTER, _)
	}
}
#else
static void afl_bucket(uint32_t h)
{
	(void)h;
}
#endif

static void count(uint32_t h, size_t base)
{
	uint8_t *slot = &extra_counters[base + h % (DIVERSITY_COUNTERS / 2)];

	if (*slot != 0xff)
		(*slot)++;
	afl_bucket(h ^ (uint32_t)base);
}

void diversity_record(const struct sshdiff_case *c, const struct observations *obs, size_t n)
{
	for (unsigned s = 0; s < c->n_steps; s++) {
		uint32_t h = diversity_step_hash(c, obs, n, s);

		if (h)
			count(h, 0);
	}
	count(diversity_run_hash(c, obs, n), DIVERSITY_COUNTERS / 2);
}

size_t diversity_counters_set(void)
{
	size_t k = 0;

	for (size_t i = 0; i < DIVERSITY_COUNTERS; i++)
		k += extra_counters[i] != 0;
	return k;
}

void diversity_counters_clear(void)
{
	memset(extra_counters, 0, sizeof extra_counters);
}

/*
 * afl_mutator.c — the case mutator (targets/common/mutator.h) as an AFL++
 * custom mutator library (libsshdiff_afl_mutator.so):
 *
 *   AFL_CUSTOM_MUTATOR_LIBRARY=build/afl/targets/libsshdiff_afl_mutator.so \
 *     afl-fuzz -i seeds -o out -- build/afl/targets/fuzz_differential
 *
 * AFL++ 4.04c API (docs/custom_mutators.md): afl_custom_init,
 * afl_custom_fuzz (with add_buf: another queue entry, used for crossover),
 * afl_custom_havoc_mutation (one structured move inside AFL's own havoc
 * stacks), afl_custom_describe, afl_custom_deinit.  AFL's byte mutations
 * still run too unless AFL_CUSTOM_MUTATOR_ONLY is set: every byte string
 * decodes to a case, so none of them is wasted.
 *
 * Built without coverage instrumentation or sanitizers: it is loaded into
 * afl-fuzz itself, not into the target.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "targets/common/mutator.h"

struct afl_state; /* opaque: we need nothing from it */

/* The library is built with hidden visibility: only the API is exported. */
#define AFL_API __attribute__((visibility("default")))

/* Two output buffers: AFL may hand our previous output back as input. */
struct sshdiff_afl {
	uint32_t seed;
	uint8_t *buf[2];
	size_t cap[2];
};

AFL_API void *afl_custom_init(struct afl_state *afl, unsigned int seed);
AFL_API size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf, uint8_t *add_buf,
		       size_t add_buf_size, size_t max_size);
AFL_API size_t afl_custom_havoc_mutation(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf, size_t max_size);
AFL_API uint8_t afl_custom_havoc_mutation_probability(void *data);
AFL_API const char *afl_custom_describe(void *data, size_t max_description_len);
AFL_API void afl_custom_deinit(void *data);

void *afl_custom_init(struct afl_state *afl, unsigned int seed)
{
	struct sshdiff_afl *m = calloc(1, sizeof *m);

	(void)afl;
	if (m)
		m->seed = seed;
	return m;
}

/* An output buffer of at least n bytes that is not `in` (AFL never frees
 * it). */
static uint8_t *room(struct sshdiff_afl *m, const uint8_t *in, size_t n)
{
	unsigned i = m->buf[0] == in ? 1 : 0;

	if (n > m->cap[i]) {
		uint8_t *p = realloc(m->buf[i], n);
		if (!p)
			return NULL;
		m->buf[i] = p;
		m->cap[i] = n;
	}
	return m->buf[i];
}

/* A new seed per call, from a 32-bit LCG (Numerical Recipes constants). */
static uint32_t next_seed(struct sshdiff_afl *m)
{
	m->seed = m->seed * 1664525u + 1013904223u;
	return m->seed;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf, uint8_t *add_buf,
		       size_t add_buf_size, size_t max_size)
{
	struct sshdiff_afl *m = data;
	uint32_t seed = next_seed(m);
	uint8_t *out = room(m, buf, max_size > buf_size ? max_size : buf_size);
	size_t n;

	if (!out) {
		*out_buf = buf;
		return buf_size;
	}
	/* One call in eight splices another queue entry in (crossover). */
	if (add_buf && add_buf_size && (seed >> 8) % 8 == 0) {
		n = case_crossover(buf, buf_size, add_buf, add_buf_size, out, max_size, seed);
		if (n) {
			*out_buf = out;
			return n;
		}
	}
	n = buf_size < max_size ? buf_size : max_size;
	memcpy(out, buf, n);
	n = case_mutate(out, n, max_size, seed, NULL);
	*out_buf = out;
	return n ? n : 1;
}

size_t afl_custom_havoc_mutation(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf, size_t max_size)
{
	return afl_custom_fuzz(data, buf, buf_size, out_buf, NULL, 0, max_size);
}

uint8_t afl_custom_havoc_mutation_probability(void *data)
{
	(void)data;
	return 20; /* percent of havoc steps that are a structured move */
}

const char *afl_custom_describe(void *data, size_t max_description_len)
{
	(void)data;
	return max_description_len >= 12 ? "sshdiff-case" : "case";
}

void afl_custom_deinit(void *data)
{
	struct sshdiff_afl *m = data;

	if (!m)
		return;
	free(m->buf[0]);
	free(m->buf[1]);
	free(m);
}

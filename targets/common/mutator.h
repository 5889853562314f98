/*
 * mutator.h — the structure-aware mutator of fuzz_differential's inputs
 * (cases, oracle/case.h), shared by libFuzzer (LLVMFuzzerCustomMutator /
 * LLVMFuzzerCustomCrossOver in targets/fuzz_differential.c) and AFL++
 * (targets/afl_mutator.c, AFL_CUSTOM_MUTATOR_LIBRARY).
 *
 * An input is decoded (case_decode: every byte string is a case), changed
 * at the level a protocol tester thinks in — steps inserted, removed,
 * duplicated, swapped or moved; a message injected anywhere; a field set
 * to an interesting value; a length that lies; encryption switched off;
 * the role, algorithms, keys, seed, strict kex or ext-info changed — and
 * encoded again (case_encode).  So every output is a valid, canonical case
 * no larger than max_size.  Now and then the encoded bytes go through the
 * engine's own byte mutator instead (then decoded and encoded again).
 *
 * Deterministic: the same input, max_size and seed give the same output.
 * Not thread-safe (one scratch case per process).
 */
#ifndef SSHDIFF_TARGETS_MUTATOR_H
#define SSHDIFF_TARGETS_MUTATOR_H

#include <stddef.h>
#include <stdint.h>

#include "oracle/case.h"

/* The engine's byte-level mutator (libFuzzer's LLVMFuzzerMutate: mutates
 * data[0..size) in place within max_size, returns the new size), or NULL. */
typedef size_t (*byte_mutator_fn)(uint8_t *data, size_t size, size_t max_size);

/* Mutates the case in data[0..size) in place; returns the new size
 * (<= max_size).  When max_size cannot hold even the smallest case, returns
 * size unchanged (or max_size if that is smaller). */
size_t case_mutate(uint8_t *data, size_t size, size_t max_size, uint32_t seed, byte_mutator_fn byte_mutate);

/* Crossover: the settings of one case with steps spliced from both (a
 * prefix of one, a suffix of the other, or a run of steps of the second
 * inserted into the first).  Writes at most max_out bytes to out; returns
 * the size (0 if max_out cannot hold the smallest case). */
size_t case_crossover(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2, uint8_t *out,
		      size_t max_out, uint32_t seed);

/* The structured part on a decoded case: applies one (sometimes several)
 * structured mutations to c, drawing randomness from *state.  c stays
 * valid (case_valid). */
void case_mutate_struct(struct sshdiff_case *c, uint64_t *state);

/* Encodes c into out (canonical form), first shrinking c (data halved,
 * trailing steps dropped) until it fits max_out.  Returns the size, or 0
 * when even an empty case does not fit. */
size_t case_encode_fit(struct sshdiff_case *c, uint8_t *out, size_t max_out);

#endif

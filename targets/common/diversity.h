/*
 * diversity.h — verdict-diversity feedback for the differential target
 * (NEZHA's δ-diversity, docs/fuzzing.md "Verdict diversity").
 *
 * libssh from Debian carries no coverage instrumentation, so code coverage
 * cannot tell the fuzzer that libssh did something new.  Its verdicts can:
 * every new tuple of per-backend verdicts at a step, and every new tuple of
 * per-backend outcomes of a run, is reported as a new feature.
 *   libFuzzer: a counter in __libfuzzer_extra_counters per tuple bucket
 *     (read as coverage after each run, cleared by libFuzzer before it).
 *   AFL++ (afl-clang-fast defines __AFL_COMPILER): AFL does not read extra
 *     counters, so the bucket also selects one of DIVERSITY_AFL_BUCKETS
 *     instrumented basic blocks: a new tuple is a new edge.
 */
#ifndef SSHDIFF_TARGETS_DIVERSITY_H
#define SSHDIFF_TARGETS_DIVERSITY_H

#include <stddef.h>
#include <stdint.h>

#include "oracle/backend.h"
#include "oracle/case.h"

#define DIVERSITY_COUNTERS 8192   /* extra counters: steps in the lower half, runs in the upper */
#define DIVERSITY_AFL_BUCKETS 1024 /* instrumented blocks under AFL++ */

/* Records the tuples of one run: obs[0..n) are the backends' observations
 * of case c in registry order. */
void diversity_record(const struct sshdiff_case *c, const struct observations *obs, size_t n);

/* The tuple hashes themselves (FNV-1a, 32 bits), for tests and benches:
 * step `step` of c, and the whole run.  A step no backend reached has no
 * tuple: 0. */
uint32_t diversity_step_hash(const struct sshdiff_case *c, const struct observations *obs, size_t n,
			     unsigned step);
uint32_t diversity_run_hash(const struct sshdiff_case *c, const struct observations *obs, size_t n);

/* Number of counters that are not zero (what libFuzzer would read now). */
size_t diversity_counters_set(void);
void diversity_counters_clear(void);

#endif

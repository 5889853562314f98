/*
 * bench_util.h — what the benchmarks share to turn "run it many times" into
 * rates: the clocks, the measuring loop and the line of figures printed
 * per measurement (median of rounds, see bench/RESULTS.md).
 */
#ifndef SSHDIFF_BENCH_UTIL_H
#define SSHDIFF_BENCH_UTIL_H

#include <stdbool.h>
#include <time.h>

/* Seconds on clock clk (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID). */
double bench_now(clockid_t clk);

/* Calls run_once(ctx) for about `seconds` of wall time; *cpu and *wall get
 * calls per CPU-second and per wall-second.  false, with nothing stored,
 * as soon as run_once returns false. */
bool bench_measure(bool (*run_once)(void *ctx), void *ctx, double seconds, double *cpu, double *wall);

/* Sorts the `runs` rounds' rates and prints one line: label (padded to
 * width), CPU rate min/median/max, wall median and milliseconds per unit. */
void bench_print_rates(const char *label, int width, const char *unit, double *cpu, double *wall, int runs);

#endif

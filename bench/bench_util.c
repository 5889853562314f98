/*
 * bench_util.c — rates for the benchmarks (bench_util.h).
 */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>

double bench_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool bench_measure(bool (*run_once)(void *ctx), void *ctx, double seconds, double *cpu, double *wall)
{
	double c0 = bench_now(CLOCK_PROCESS_CPUTIME_ID), w0 = bench_now(CLOCK_MONOTONIC), w1;
	unsigned long n = 0;

	do {
		/* read the clock every 16 calls: reading it is not free */
		for (int k = 0; k < 16; k++, n++)
			if (!run_once(ctx))
				return false;
		w1 = bench_now(CLOCK_MONOTONIC);
	} while (w1 - w0 < seconds);
	*cpu = (double)n / (bench_now(CLOCK_PROCESS_CPUTIME_ID) - c0);
	*wall = (double)n / (w1 - w0);
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void bench_print_rates(const char *label, int width, const char *unit, double *cpu, double *wall, int runs)
{
	qsort(cpu, (size_t)runs, sizeof cpu[0], cmp_double);
	qsort(wall, (size_t)runs, sizeof wall[0], cmp_double);
	printf("%-*s %7.0f %7.0f %7.0f   (wall median %5.0f/s)  %6.3f ms/%s\n", width, label, cpu[0], cpu[runs / 2],
	       cpu[runs - 1], wall[runs / 2], 1000.0 / cpu[runs / 2], unit);
}

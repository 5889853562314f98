/*
 * bench_parsers.c — speed of the parser-level differential targets (issue 4,
 * "Speed": >= 300,000 execs/s per core): each fuzz_parse_* target's entry
 * point (pp_target_check, what LLVMFuzzerTestOneInput runs) over its seed
 * corpus mutated deterministically, side by side in the same run with the
 * baseline, the engine's decoder alone on the same inputs
 * (pp_target_engine_only).
 *
 * Inputs: for each target a pool of POOL inputs, built before timing from
 * the seeds (round robin), each mutated by a fixed-seed generator the way a
 * fuzzer's first mutations do (a few flipped or overwritten bytes, a cut,
 * a byte inserted; a quarter left whole), so that the rejection paths are
 * exercised as much as the accepting ones.  Every differential run is
 * checked: a disagreement stops the benchmark and is printed (it is a
 * finding, not a speed figure).  fuzz_parse_packet_keyed keys three cipher
 * contexts and seals a packet per input: it is reported, and left out of
 * the figure (parse_pair.h says why it is a target of its own).
 *
 * Figures are executions per CPU-second of this single-threaded process
 * (execs/s per core), min / median / max over --runs rounds of about
 * --seconds each; rounds interleave all measurements so a busy period of
 * a shared machine hits all alike.  The last line is the figure: the lowest
 * median over the targets.
 *
 * Usage: bench_parsers TARGETS_DIR [--seconds S] [--runs R] [--only TARGET]
 *   TARGETS_DIR holds fuzz_parse_*_seeds/ (the build's targets/ folder);
 *   --only: that target's differential alone (for perf record).
 * Measure a release build only (bench/RESULTS.md).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "targets/common/parse_pair.h"

#define POOL 4096
#define MAX_RUNS 50

/* ---- inputs ---- */

struct pool {
	const char *label;
	const struct pp_target *t;
	uint8_t *data;
	size_t off[POOL + 1];
	size_t n;
};

static uint64_t rnd_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	/* xorshift64*: fixed seed, the same pool on every run */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1du;
}

struct seeds {
	uint8_t **p;
	size_t *len, n;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)n + 1)) && fread(p, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	else
		free(p), p = NULL;
	fclose(f);
	return p;
}

static int load_seeds(const char *dir, const char *target, struct seeds *s)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s_seeds", dir, target);
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "bench_parsers: %s: no seed folder (build the targets first)\n", path);
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char **more = realloc(names, (n + 1) * sizeof *names);
		if (!more || !(more[n] = strdup(e->d_name)))
			abort();
		names = more;
		n++;
	}
	closedir(d);
	/* readdir order is the file system's: sort for a stable pool */
	qsort(names, n, sizeof *names, name_cmp);
	s->p = calloc(n ? n : 1, sizeof *s->p);
	s->len = calloc(n ? n : 1, sizeof *s->len);
	if (!s->p || !s->len)
		abort();
	s->n = 0;
	for (size_t i = 0; i < n; i++) {
		char file[8192];
		snprintf(file, sizeof file, "%s/%s", path, names[i]);
		if ((s->p[s->n] = read_file(file, &s->len[s->n])))
			s->n++;
		free(names[i]);
	}
	free(names);
	if (s->n == 0) {
		fprintf(stderr, "bench_parsers: %s: empty\n", path);
		return -1;
	}
	return 0;
}

static void free_seeds(struct seeds *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->p[i]);
	free(s->p);
	free(s->len);
}

/* One mutated copy of seed p into out (room for n + 1 bytes); its length. */
static size_t mutate(const uint8_t *p, size_t n, uint8_t *out)
{
	memcpy(out, p, n);
	if (n < 2)
		return n;
	switch (rnd() % 4) {
	case 0: /* whole */
		return n;
	case 1: /* 1..4 bytes flipped or overwritten */
		for (unsigned k = 1 + (unsigned)(rnd() % 4); k > 0; k--) {
			size_t at = 1 + rnd() % (n - 1);
			out[at] = (rnd() & 1) ? (uint8_t)(out[at] ^ (1u << (rnd() % 8))) : (uint8_t)rnd();
		}
		return n;
	case 2: /* cut */
		return 1 + rnd() % (n - 1);
	default: { /* one byte inserted */
		size_t at = 1 + rnd() % (n - 1);
		memmove(out + at + 1, out + at, n - at);
		out[at] = (uint8_t)rnd();
		return n + 1;
	}
	}
}

static void build_pool(struct pool *pl, const struct seeds *s)
{
	size_t total = 0, max = 0;
	for (size_t i = 0; i < s->n; i++) {
		total += s->len[i] + 1;
		if (s->len[i] > max)
			max = s->len[i];
	}
	uint8_t *tmp = malloc(max + 1);
	pl->data = malloc((total / s->n + 1) * POOL * 2 + max + 1);
	if (!tmp || !pl->data)
		abort();
	size_t at = 0, cap = (total / s->n + 1) * POOL * 2 + max + 1;
	pl->n = 0;
	for (size_t i = 0; pl->n < POOL; i++) {
		size_t k = i % s->n, len = mutate(s->p[k], s->len[k], tmp);
		if (at + len > cap)
			break;
		memcpy(pl->data + at, tmp, len);
		pl->off[pl->n++] = at;
		at += len;
	}
	pl->off[pl->n] = at;
	free(tmp);
}

/* ---- timing ---- */

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the pool over and over for about `seconds` of CPU; execs/s.  The
 * differential's every verdict is checked. */
static double measure(const struct pool *pl, bool differential, double seconds)
{
	char line[PP_LINE_MAX];
	double start = cpu_now(), t = start;
	unsigned long execs = 0;
	do {
		for (size_t i = 0; i < pl->n; i++) {
			const uint8_t *p = pl->data + pl->off[i];
			size_t n = pl->off[i + 1] - pl->off[i];
			if (!differential) {
				pp_target_engine_only(pl->t, p, n);
				continue;
			}
			if (pp_target_check(pl->t, p, n, line)) {
				fprintf(stderr, "bench_parsers: a divergence (input %zu of the %s pool):\n%s\n", i,
					pl->label, line);
				exit(1);
			}
		}
		execs += pl->n;
		t = cpu_now();
	} while (t - start < seconds);
	return (double)execs / (t - start);
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	double seconds = 1.0;
	int runs = 3;
	const char *only = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else {
			fprintf(stderr, "usage: bench_parsers TARGETS_DIR [--seconds S] [--runs R] [--only TARGET]\n");
			return 2;
		}
	}
	if (!dir || runs < 1 || runs > MAX_RUNS || seconds <= 0) {
		fprintf(stderr, "usage: bench_parsers TARGETS_DIR [--seconds S] [--runs R]\n");
		return 2;
	}

	struct pool pools[16];
	size_t np = 0;
	for (size_t i = 0; i < pp_targets_count; i++) {
		struct seeds s;
		const struct pp_target *t = &pp_targets[i];
		if (only && strcmp(only, t->name) != 0)
			continue;
		if (load_seeds(dir, t->name, &s) != 0)
			return 2;
		pools[np] = (struct pool){.label = t->name, .t = t};
		build_pool(&pools[np++], &s);
		free_seeds(&s);
	}

	if (np == 0) {
		fprintf(stderr, "bench_parsers: no target %s\n", only);
		return 2;
	}
	if (only) {
		for (int r = 0; r < runs; r++)
			printf("%s: %.0f execs/s per core\n", only, measure(&pools[0], true, seconds));
		for (size_t i = 0; i < np; i++)
			free(pools[i].data);
		pp_cleanup();
		return 0;
	}
	static double diff[16][MAX_RUNS], base[16][MAX_RUNS];
	for (int r = 0; r < runs; r++)
		for (size_t i = 0; i < np; i++) {
			diff[i][r] = measure(&pools[i], true, seconds);
			base[i][r] = measure(&pools[i], false, seconds);
		}

	printf("bench_parsers: %d rounds of ~%.1f s CPU each, %d inputs per pool (seeds of %s, mutated)\n", runs,
	       seconds, POOL, dir);
	printf("execs/s per core, min / median / max\n\n");
	printf("%-32s %-32s %-32s %s\n", "target", "differential (engine+verifier)", "baseline (engine alone)",
	       "cost");
	double figure = -1;
	const char *worst = "";
	for (size_t i = 0; i < np; i++) {
		qsort(diff[i], (size_t)runs, sizeof(double), dbl_cmp);
		qsort(base[i], (size_t)runs, sizeof(double), dbl_cmp);
		double dm = diff[i][runs / 2], bm = base[i][runs / 2];
		char a[64], b[64];
		snprintf(a, sizeof a, "%.0f / %.0f / %.0f", diff[i][0], dm, diff[i][runs - 1]);
		snprintf(b, sizeof b, "%.0f / %.0f / %.0f", base[i][0], bm, base[i][runs - 1]);
		printf("%-32s %-32s %-32s %.1fx\n", pools[i].label, a, b, bm / dm);
		/* the figure: every target but the keyed packets */
		if (pools[i].t->input != PP_IN_PACKET_KEYED && (figure < 0 || dm < figure)) {
			figure = dm;
			worst = pools[i].label;
		}
	}
	printf("\nfigure: slowest parser target %s: %.0f execs/s per core (median; target >= 300000;\n"
	       "        fuzz_parse_packet_keyed, keyed per input, excluded)\n",
	       worst, figure);
	for (size_t i = 0; i < np; i++)
		free(pools[i].data);
	pp_cleanup();
	return 0;
}

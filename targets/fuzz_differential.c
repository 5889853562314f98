/*
 * fuzz_differential — the stateful differential target (docs/fuzzing.md).
 *
 * Input: a case (the fuzz body of oracle/case.h; every byte string is one).
 * Every registered backend (own, libssh, verifier) runs it in this process
 * against the reactive actor, and compare_observations judges them with the
 * project's suppressions, which are compiled into the binary (OSS-Fuzz runs
 * targets without the source tree).
 *
 * On a divergence: first line "sshdiff-divergence: <signature>" (what
 * libFuzzer / AFL++ deduplicate and triage read), then the case in text
 * form so the finding can be read (and replayed) straight from the log,
 * then abort().  On agreement nothing is printed.
 *
 * Known divergences: when SSHDIFF_KNOWN_DIVERGENCES names a file of
 * signatures (one a line, with or without the "sshdiff-divergence: "
 * prefix, '#' comments), a divergence whose signature is listed does not
 * abort: it only counts as feedback.  `sshdiff campaign` (libFuzzer) sets
 * it to the store's signatures: side by side, fork mode found about twice
 * as many new signatures when its jobs went on past known ones instead of
 * restarting (bench/RESULTS.md, "Known divergences").
 *
 * Every run also feeds verdict-diversity features (targets/common/
 * diversity.h), and LLVMFuzzerCustomMutator / LLVMFuzzerCustomCrossOver
 * mutate cases at the step and field level (targets/common/mutator.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memo/memo.h"
#include "oracle/backend.h"
#include "oracle/case.h"
#include "oracle/compare.h"
#include "targets/common/diversity.h"
#include "targets/common/mutator.h"
#include "fuzz_differential_suppressions.h" /* generated from suppressions.txt */

#define MAX_BACKENDS 8

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* libFuzzer's and AFL++'s driver define it; a plain main() (the bench) may not. */
__attribute__((weak)) size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2,
				 uint8_t *out, size_t max_out_size, unsigned int seed);

static struct suppressions *suppressions; /* for the life of the process */
static size_t n_backends;

/* SSHDIFF_KNOWN_DIVERGENCES: signatures that do not abort, sorted. */
static char **known;
static size_t n_known;

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the file of known signatures; a missing file is an error (a typo
 * in a campaign's setup must not silently stop deduplication). */
static void load_known(const char *path)
{
	static const char prefix[] = "sshdiff-divergence: ";
	char line[sizeof(((struct comparison *)0)->signature) + sizeof prefix];
	FILE *f = fopen(path, "r");
	size_t cap = 0;

	if (!f) {
		fprintf(stderr, "fuzz_differential: SSHDIFF_KNOWN_DIVERGENCES=%s: cannot open\n", path);
		abort();
	}
	while (fgets(line, sizeof line, f)) {
		char *sig = line, **v;
		sig[strcspn(sig, "\r\n")] = '\0';
		if (!strncmp(sig, prefix, sizeof prefix - 1))
			sig += sizeof prefix - 1;
		if (!*sig || *sig == '#')
			continue;
		if (n_known == cap) {
			if (!(v = realloc(known, (cap = cap ? 2 * cap : 64) * sizeof *known)))
				abort();
			known = v;
		}
		if (!(known[n_known] = strdup(sig)))
			abort();
		n_known++;
	}
	fclose(f);
	if (n_known)
		qsort(known, n_known, sizeof *known, by_string);
}

static bool is_known(const char *signature)
{
	return n_known && bsearch(&signature, known, n_known, sizeof *known, by_string) != NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	if (suppressions_parse("suppressions.txt (built in)", sshdiff_suppressions_text,
			       sizeof sshdiff_suppressions_text - 1, &suppressions, err, sizeof err) != SD_OK) {
		fprintf(stderr, "fuzz_differential: %s\n", err);
		abort();
	}
	if (getenv("SSHDIFF_KNOWN_DIVERGENCES"))
		load_known(getenv("SSHDIFF_KNOWN_DIVERGENCES"));
	while (backends[n_backends] && n_backends < MAX_BACKENDS)
		n_backends++;
	/* Pure public-key results recalled by their exact inputs (memo/memo.h):
	 * executions that keep a seed repeat their key pairs and shared secrets.
	 * SSHDIFF_MEMO=off computes everything (for A/B measurements). */
	const char *memo = getenv("SSHDIFF_MEMO");
	memo_enable(!memo || strcmp(memo, "off") != 0);
	return 0;
}

/* The finding: signature line first (deduplication), the case after it. */
static void __attribute__((noreturn)) report_divergence(const struct sshdiff_case *c, const struct comparison *cmp)
{
	struct sbuf text = SBUF_INIT;

	fprintf(stderr, "sshdiff-divergence: %s\n", cmp->signature);
	if (case_print_text(c, &text) == SD_OK) {
		fwrite(text.data, 1, text.len, stderr);
		fflush(stderr);
	}
	sbuf_free(&text);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sshdiff_case c;                  /* 130 KB: static, not stack */
	static struct observations obs[MAX_BACKENDS];
	struct comparison cmp;

	if (!n_backends)
		LLVMFuzzerInitialize(NULL, NULL); /* AFL++'s driver may not call it */
	case_decode(data, size, &c);
	for (size_t i = 0; i < n_backends; i++) {
		sd_err e;

		memset(&obs[i], 0, sizeof obs[i]);
		snprintf(obs[i].backend, sizeof obs[i].backend, "%s", backends[i]->name);
		if ((e = backends[i]->run(&c, &obs[i])) != SD_OK) {
			/* The backend itself failed (allocation, socketpair):
			 * it says nothing about the case (compare leaves it out). */
			snprintf(obs[i].backend, sizeof obs[i].backend, "%s", backends[i]->name);
			snprintf(obs[i].outcome, sizeof obs[i].outcome, "error: %s", sd_err_rule(e));
		}
	}
	if (compare_observations(&c, obs, n_backends, suppressions, &cmp) != SD_OK)
		return 0;
	diversity_record(&c, obs, n_backends);
	if (cmp.divergent && !is_known(cmp.signature))
		report_divergence(&c, &cmp);
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	return case_mutate(data, size, max_size, seed, LLVMFuzzerMutate ? LLVMFuzzerMutate : NULL);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2,
				 uint8_t *out, size_t max_out_size, unsigned int seed)
{
	return case_crossover(data1, size1, data2, size2, out, max_out_size, seed);
}

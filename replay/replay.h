/*
 * replay.h — the `sshdiff replay` command: options, running each backend in
 * a child process, and the human report.  What the files share.
 */
#ifndef SSHDIFF_REPLAY_REPLAY_H
#define SSHDIFF_REPLAY_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "oracle/backend.h"
#include "oracle/case.h"
#include "oracle/compare.h"
#include "proto/wire.h"

/* Exit statuses (README): 0 every case agrees, 1 a divergence, crash or
 * hang reproduced, 2 unusable input or options. */
enum { EXIT_AGREE = 0, EXIT_DIVERGENT = 1, EXIT_UNUSABLE = 2 };

#define REPLAY_MAX_BACKENDS 16
#define REPLAY_DEFAULT_TIMEOUT_MS 5000u
#define REPLAY_MAX_TIMEOUT_MS 3600000u

struct replay_opts {
	bool json, trace;
	const struct backend *backends[REPLAY_MAX_BACKENDS]; /* registry order */
	size_t n_backends;
	unsigned timeout_ms;
	const char *suppressions; /* NULL: none */
	const char *store;        /* NULL: do not record */
	char **cases;             /* into argv */
	size_t n_cases;
};

enum opts_result { OPTS_RUN, OPTS_HELP, OPTS_ERROR };

/* Parses argv after "replay".  OPTS_ERROR: the reason was printed on
 * stderr.  o->cases must be freed with free(). */
enum opts_result replay_parse_options(int argc, char **argv, struct replay_opts *o);
/* "--name value" or "--name=value": true when arg is option name, with
 * *value its value (NULL when argv ends; *i moves past a separate value).
 * Shared by the replay and fuzz option parsers (options.c). */
bool replay_option_value(const char *arg, const char *name, int argc, char **argv, int *i,
			 const char **value);
void replay_usage(FILE *f);

/* What one backend did, as the parent saw it. */
struct backend_result {
	struct observations obs;
	struct sbuf trace; /* the actor's log (--trace) */
};

/* Runs every backend of o on c, each in its own child process, all at
 * once, within o->timeout_ms.  Crashes and time-outs become observations;
 * errors only when a child cannot be started. */
sd_err replay_run_backends(const struct sshdiff_case *c, const struct replay_opts *o, struct backend_result *out);

/* The step table, the verdict and each backend's summary. */
void replay_print_table(FILE *f, const char *case_path, const struct sshdiff_case *c,
			const struct observations *obs, size_t n, const struct comparison *cmp);
/* "== NAME ==" then the trace, per backend. */
void replay_print_traces(FILE *f, const struct backend_result *res, size_t n);



#endif

/*
 * replay.c — `sshdiff replay CASE...`: per case, load it, run every selected
 * backend in its own process, compare, print (table or one JSON line),
 * record a divergence in the finding store.
 *
 * Every case is processed even when an earlier one is unusable; an unusable
 * case prints its error on stderr and nothing on stdout.  Exit status: 2 if
 * any case or option was unusable (or the store could not record), else 1
 * if any case diverged, crashed or hung, else 0.
 */
#include "replay/replay.h"

#include "replay/commands.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oracle/report.h"
#include "oracle/store.h"

struct replay_ctx {
	const struct replay_opts *o;
	struct suppressions *sup;
	struct store *store;
	bool printed; /* a report is on stdout already: separate the next */
	struct backend_result res[REPLAY_MAX_BACKENDS];
	struct observations obs[REPLAY_MAX_BACKENDS];
};

static int record(struct replay_ctx *x, const struct sshdiff_case *c, const struct comparison *cmp)
{
	char id[17];
	bool is_new;
	sd_err err;

	err = store_add(x->store, c, x->obs, x->o->n_backends, cmp, (int64_t)time(NULL), &is_new, id);
	if (err != SD_OK) {
		fprintf(stderr, "sshdiff: finding store: %s\n", store_last_error(x->store));
		return EXIT_UNUSABLE;
	}
	fprintf(x->o->json ? stderr : stdout, "finding %s (%s) in %s/findings/%s\n", id,
		is_new ? "new" : "seen before", x->o->store, id);
	return EXIT_AGREE;
}

static int print_json(const char *path, const struct sshdiff_case *c, const struct observations *obs, size_t n,
		      const struct comparison *cmp)
{
	struct sbuf line = SBUF_INIT;
	sd_err err = report_json(path, c, obs, n, cmp, &line);

	if (err == SD_OK)
		err = sbuf_put(&line, "\n", 1);
	if (err == SD_OK)
		fwrite(line.data, 1, line.len, stdout);
	else
		fprintf(stderr, "sshdiff: %s: cannot format JSON (%s)\n", path, sd_err_rule(err));
	sbuf_free(&line);
	return err == SD_OK ? EXIT_AGREE : EXIT_UNUSABLE;
}

/* One case; returns its exit status. */
static int replay_case(struct replay_ctx *x, const char *path)
{
	static struct sshdiff_case c;
	const struct replay_opts *o = x->o;
	struct comparison cmp;
	char msg[512];
	int status = EXIT_AGREE, st;
	sd_err err;

	if (case_load(path, &c, msg, sizeof(msg)) != SD_OK) {
		fprintf(stderr, "%s\n", msg);
		return EXIT_UNUSABLE;
	}
	if ((err = replay_run_backends(&c, o, x->res)) != SD_OK) {
		fprintf(stderr, "sshdiff: %s: cannot start the backend processes (%s)\n", path, sd_err_rule(err));
		return EXIT_UNUSABLE;
	}
	for (size_t b = 0; b < o->n_backends; b++)
		x->obs[b] = x->res[b].obs;
	if ((err = compare_observations(&c, x->obs, o->n_backends, x->sup, &cmp)) != SD_OK) {
		fprintf(stderr, "sshdiff: %s: cannot compare (%s)\n", path, sd_err_rule(err));
		status = EXIT_UNUSABLE;
		goto out;
	}
	if (o->json) {
		status = print_json(path, &c, x->obs, o->n_backends, &cmp);
	} else {
		if (x->printed)
			fputc('\n', stdout);
		replay_print_table(stdout, path, &c, x->obs, o->n_backends, &cmp);
	}
	x->printed = true;
	/* A JSON line stays one line: traces go to stderr then. */
	if (o->trace)
		replay_print_traces(o->json ? stderr : stdout, x->res, o->n_backends);
	if (status == EXIT_AGREE && cmp.divergent) {
		status = EXIT_DIVERGENT;
		if (x->store && (st = record(x, &c, &cmp)) != EXIT_AGREE)
			status = st;
	}
out:
	for (size_t b = 0; b < o->n_backends; b++)
		sbuf_free(&x->res[b].trace);
	fflush(stdout);
	return status;
}

static int worse(int a, int b)
{
	return a > b ? a : b;
}

/* Suppressions and store are opened before any case runs: a mistake in
 * either is an unusable option, reported before anything is printed. */
static int open_inputs(struct replay_ctx *x)
{
	char msg[1024];

	if (x->o->suppressions && suppressions_load(x->o->suppressions, &x->sup, msg, sizeof(msg)) != SD_OK) {
		fprintf(stderr, "%s\n", msg);
		return EXIT_UNUSABLE;
	}
	if (x->o->store && store_open(x->o->store, &x->store, msg, sizeof(msg)) != SD_OK) {
		fprintf(stderr, "sshdiff: finding store: %s\n", msg);
		return EXIT_UNUSABLE;
	}
	return EXIT_AGREE;
}

int cmd_replay(int argc, char **argv)
{
	static struct replay_ctx x;
	struct replay_opts o;
	int status;

	switch (replay_parse_options(argc, argv, &o)) {
	case OPTS_HELP:
		replay_usage(stdout);
		free(o.cases);
		return EXIT_AGREE;
	case OPTS_ERROR:
		free(o.cases);
		return EXIT_UNUSABLE;
	default:
		break;
	}
	memset(&x, 0, sizeof(x));
	x.o = &o;
	status = open_inputs(&x);
	if (status == EXIT_AGREE) {
		/* An unusable case does not stop the others. */
		for (size_t i = 0; i < o.n_cases; i++)
			status = worse(status, replay_case(&x, o.cases[i]));
	}
	store_close(x.store);
	suppressions_free(x.sup);
	free(o.cases);
	return status;
}

/*
 * options.c — `sshdiff replay` command line.  Options and case paths may be
 * mixed; "--" ends options; "--opt VALUE" and "--opt=VALUE" are the same.
 */
#include "replay/replay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void replay_usage(FILE *f)
{
	fprintf(f,
		"usage: sshdiff replay CASE... [--json] [--trace] [--backends LIST]\n"
		"                      [--timeout-ms N] [--suppressions FILE] [--store DIR]\n"
		"\n"
		"Runs each case (text or binary case file, docs/case-format.md) on every\n"
		"backend, each in its own process, and compares what they did.\n"
		"\n"
		"  --json               one JSON object per case per line\n"
		"  --trace              add each backend's actor log with hex dumps\n"
		"  --backends LIST      comma-separated backends to run (default: all)\n"
		"  --timeout-ms N       time limit per backend process (default %u)\n"
		"  --suppressions FILE  allowed differences (docs/suppressions.md; default none)\n"
		"  --store DIR          record divergences in the finding store in DIR\n"
		"  -h, --help           this text\n"
		"\n"
		"backends:",
		REPLAY_DEFAULT_TIMEOUT_MS);
	for (size_t i = 0; backends[i]; i++)
		fprintf(f, " %s", backends[i]->name);
	fprintf(f, "\n\nexit status: 0 all cases agree, 1 a divergence, crash or hang reproduced,\n"
		   "2 unusable case file or options (nothing printed on stdout for it).\n");
}

static enum opts_result opts_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "sshdiff replay: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	replay_usage(stderr);
	return OPTS_ERROR;
}

static enum opts_result parse_timeout(const char *v, unsigned *out)
{
	char *end;
	unsigned long ms;

	errno = 0;
	ms = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || errno || ms == 0 || ms > REPLAY_MAX_TIMEOUT_MS)
		return opts_error("--timeout-ms wants milliseconds from 1 to 3600000, not '%s'", v);
	*out = (unsigned)ms;
	return OPTS_RUN;
}

/* Every name must be registered; the selection keeps registry order. */
static enum opts_result parse_backends(const char *list, struct replay_opts *o)
{
	bool want[REPLAY_MAX_BACKENDS] = {false};
	const char *p = list;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char name[64];
		size_t i;

		if (len == 0)
			return opts_error("empty backend name in --backends '%s'", list);
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		for (i = 0; backends[i] && i < REPLAY_MAX_BACKENDS; i++)
			if (strlen(backends[i]->name) == len && memcmp(backends[i]->name, p, len) == 0)
				break;
		if (!backends[i] || i >= REPLAY_MAX_BACKENDS)
			return opts_error("unknown backend '%s' (see sshdiff replay --help)", name);
		want[i] = true;
		if (!comma)
			break;
		p = comma + 1;
	}
	o->n_backends = 0;
	for (size_t i = 0; backends[i] && i < REPLAY_MAX_BACKENDS; i++)
		if (want[i])
			o->backends[o->n_backends++] = backends[i];
	return OPTS_RUN;
}

bool replay_option_value(const char *arg, const char *name, int argc, char **argv, int *i, const char **value)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0)
		return false;
	if (arg[n] == '=') {
		*value = arg + n + 1;
		return true;
	}
	if (arg[n] != '\0')
		return false;
	*value = *i + 1 < argc ? argv[++*i] : NULL;
	return true;
}

static enum opts_result parse_one(const char *arg, int argc, char **argv, int *i, struct replay_opts *o)
{
	const char *v;

	if (strcmp(arg, "--json") == 0) {
		o->json = true;
	} else if (strcmp(arg, "--trace") == 0) {
		o->trace = true;
	} else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
		return OPTS_HELP;
	} else if (replay_option_value(arg, "--backends", argc, argv, i, &v)) {
		return v ? parse_backends(v, o) : opts_error("%s needs a value", "--backends");
	} else if (replay_option_value(arg, "--timeout-ms", argc, argv, i, &v)) {
		return v ? parse_timeout(v, &o->timeout_ms) : opts_error("%s needs a value", "--timeout-ms");
	} else if (replay_option_value(arg, "--suppressions", argc, argv, i, &v)) {
		if (!v || !*v)
			return opts_error("%s needs a file", "--suppressions");
		o->suppressions = v;
	} else if (replay_option_value(arg, "--store", argc, argv, i, &v)) {
		if (!v || !*v)
			return opts_error("%s needs a directory", "--store");
		o->store = v;
	} else {
		return opts_error("unknown option '%s'", arg);
	}
	return OPTS_RUN;
}

enum opts_result replay_parse_options(int argc, char **argv, struct replay_opts *o)
{
	bool options_done = false;
	enum opts_result r;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = REPLAY_DEFAULT_TIMEOUT_MS;
	for (size_t i = 0; backends[i] && i < REPLAY_MAX_BACKENDS; i++)
		o->backends[o->n_backends++] = backends[i];
	o->cases = calloc((size_t)argc + 1, sizeof(*o->cases));
	if (!o->cases) {
		fprintf(stderr, "sshdiff replay: out of memory\n");
		return OPTS_ERROR;
	}
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
		} else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
			if ((r = parse_one(arg, argc, argv, &i, o)) != OPTS_RUN)
				return r;
		} else {
			o->cases[o->n_cases++] = argv[i];
		}
	}
	if (o->n_cases == 0)
		return opts_error("%s", "no case file given");
	return OPTS_RUN;
}

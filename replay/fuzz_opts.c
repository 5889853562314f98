/*
 * fuzz_opts.c — the command lines of `sshdiff fuzz` and `sshdiff campaign`,
 * and where the targets are.  "--opt VALUE" and "--opt=VALUE" are the same.
 *
 * Targets directory: --targets-dir, else $SSHDIFF_TARGETS_DIR, else the
 * libfuzzer preset's build (SSHDIFF_DEFAULT_TARGETS_DIR).  AFL++ builds
 * have the same layout in another build: --targets-dir, else
 * $SSHDIFF_AFL_TARGETS_DIR, else build/afl/targets beside the libfuzzer
 * build; their CMPLOG twins in --cmplog-dir, else the sibling build
 * afl-cmplog.  A target is an executable fuzz_* file there.
 */
#include "replay/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay/replay.h"

#ifndef SSHDIFF_DEFAULT_TARGETS_DIR
#define SSHDIFF_DEFAULT_TARGETS_DIR "build/libfuzzer/targets"
#endif
#ifndef SSHDIFF_DEFAULT_SUPPRESSIONS
#define SSHDIFF_DEFAULT_SUPPRESSIONS "suppressions.txt"
#endif

#define DEFAULT_FUZZ_TIME_S (10 * 60)
#define DEFAULT_CAMPAIGN_TIME_S (8 * 3600)
#define DEFAULT_MINIMISE_S 30
#define DEFAULT_OUT "campaign"

static void usage(FILE *f, bool campaign)
{
	if (campaign)
		fprintf(f, "usage: sshdiff campaign [--time 8h] [--jobs N] [--out DIR] [--targets LIST]\n"
			   "                        [--engine libfuzzer|afl] [OPTIONS]\n\n"
			   "Fuzzes every target (or those in LIST) in turn within the time budget:\n"
			   "fuzz_differential gets half of it, the others share the rest.\n");
	else
		fprintf(f, "usage: sshdiff fuzz --target T [--engine libfuzzer|afl] [--time 10m] [--jobs N]\n"
			   "                    [--out DIR] [OPTIONS]\n\n"
			   "Fuzzes one target.\n");
	fprintf(f, "Artifacts are triaged into the finding store DIR/findings.db as they appear;\n"
		   "the corpus stays in DIR/corpus/<target> for the next run (docs/fuzzing.md).\n\n"
		   "  --time D            budget: 90, 90s, 10m, 8h, 1h30m (default %s)\n"
		   "  --jobs N            parallel fuzzing processes (default: CPUs online)\n"
		   "  --out DIR           campaign directory (default ./%s)\n"
		   "  --engine E          libfuzzer (default) or afl\n"
		   "  --targets-dir D     fuzz target binaries (default $SSHDIFF_TARGETS_DIR,\n"
		   "                      else %s;\n"
		   "                      afl: $SSHDIFF_AFL_TARGETS_DIR, else build/afl/targets)\n"
		   "  --cmplog-dir D      afl: CMPLOG binaries (default: the sibling build afl-cmplog)\n"
		   "  --triage-dir D      binaries that reproduce crashes (default: the libFuzzer\n"
		   "                      ASan build, for afl too when it exists)\n"
		   "  --suppressions F    allowed differences, or 'none' (default %s)\n"
		   "  --timeout D         per backend process and per target run (default 5s)\n"
		   "  --minimise-time D   per new finding (default %ds)\n"
		   "  --no-merge          keep the corpus as the engine left it\n"
		   "  -h, --help          this text\n\n"
		   "exit status: 0 no new finding, 1 new findings stored (listed with their replay\n"
		   "commands), 2 unusable options or targets directory.\n",
		campaign ? "8h" : "10m", DEFAULT_OUT, SSHDIFF_DEFAULT_TARGETS_DIR, SSHDIFF_DEFAULT_SUPPRESSIONS,
		DEFAULT_MINIMISE_S);
}

static int fail(bool campaign, const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "sshdiff %s: ", campaign ? "campaign" : "fuzz");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return EXIT_UNUSABLE;
}

/* "90", "90s", "500ms", "10m", "8h", "2d", "1h30m" → milliseconds. */
static bool parse_duration_ms(const char *v, int64_t *out)
{
	int64_t total = 0;
	const char *p = v;

	if (!*p)
		return false;
	while (*p) {
		int64_t n = 0, unit;

		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9') {
			n = n * 10 + (*p++ - '0');
			if (n > 100000000)
				return false;
		}
		if (strncmp(p, "ms", 2) == 0)
			unit = 1, p += 2;
		else if (*p == 's' || *p == '\0')
			unit = 1000, p += *p ? 1 : 0;
		else if (*p == 'm')
			unit = 60000, p++;
		else if (*p == 'h')
			unit = 3600000, p++;
		else if (*p == 'd')
			unit = 86400000, p++;
		else
			return false;
		total += n * unit;
	}
	*out = total;
	return total > 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* An executable fuzz_* file without an extension. */
static bool is_target(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (strncmp(name, "fuzz_", 5) != 0 || strchr(name, '.') || strlen(name) >= FUZZ_NAME_MAX)
		return false;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Every target in dir, sorted. */
static size_t list_targets(const char *dir, char names[][FUZZ_NAME_MAX], size_t max)
{
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL && n < max)
		if (is_target(dir, e->d_name))
			snprintf(names[n++], FUZZ_NAME_MAX, "%s", e->d_name);
	closedir(d);
	qsort(names, n, FUZZ_NAME_MAX, cmp_names);
	return n;
}

/* "a, b, c" for messages. */
static void join_names(char names[][FUZZ_NAME_MAX], size_t n, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? ", " : "", names[i]);
}

/* Selected names (comma-separated) must all be targets in dir. */
static int select_targets(struct fuzz_opts *o, const char *list, bool campaign)
{
	static char all[FUZZ_MAX_TARGETS][FUZZ_NAME_MAX];
	char have[2048];
	size_t n_all = list_targets(o->targets_dir, all, FUZZ_MAX_TARGETS);
	const char *p = list;

	join_names(all, n_all, have, sizeof(have));
	if (n_all == 0)
		return fail(campaign, "no fuzz_* targets in %s%s (build with -DSSHDIFF_FUZZ=ON, or give --targets-dir)",
			    o->targets_dir, "");
	if (!list) {
		memcpy(o->targets, all, n_all * FUZZ_NAME_MAX);
		o->n_targets = n_all;
		return 0;
	}
	o->n_targets = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		char name[FUZZ_NAME_MAX];
		size_t i;

		if (len == 0 || len >= FUZZ_NAME_MAX)
			return fail(campaign, "bad target name in '%s'%s", list, "");
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		for (i = 0; i < n_all && strcmp(all[i], name) != 0; i++)
			;
		if (i == n_all) {
			fprintf(stderr, "sshdiff %s: no target %s in %s (targets there: %s)\n",
				campaign ? "campaign" : "fuzz", name, o->targets_dir, have);
			return EXIT_UNUSABLE;
		}
		for (i = 0; i < o->n_targets && strcmp(o->targets[i], name) != 0; i++)
			;
		if (i == o->n_targets && o->n_targets < FUZZ_MAX_TARGETS)
			snprintf(o->targets[o->n_targets++], FUZZ_NAME_MAX, "%s", name);
		if (!p[len])
			break;
		p += len + 1;
	}
	return 0;
}

/* "X/<build>/targets" → "X/<sibling>/targets". */
static void sibling_build(const char *targets_dir, const char *sibling, char *out, size_t size)
{
	char tmp[PATH_MAX];
	char *slash;

	snprintf(tmp, sizeof(tmp), "%s", targets_dir);
	while (strlen(tmp) > 1 && tmp[strlen(tmp) - 1] == '/')
		tmp[strlen(tmp) - 1] = '\0';
	/* Drop "targets", then the build's own name. */
	for (int i = 0; i < 2; i++) {
		if ((slash = strrchr(tmp, '/')) == NULL) {
			snprintf(tmp, sizeof(tmp), ".");
			break;
		}
		*slash = '\0';
	}
	snprintf(out, size, "%s/%s/targets", tmp[0] ? tmp : "", sibling);
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	while (path && *path) {
		size_t len = strcspn(path, ":");

		if ((size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, prog) < sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		path += len + (path[len] == ':');
	}
	return false;
}

/* Directories: given, from the environment, or defaults; checked. */
static int resolve_dirs(struct fuzz_opts *o, bool campaign, const char *given_targets, const char *given_cmplog,
			const char *given_triage)
{
	const char *env = getenv(o->engine == ENGINE_AFL ? "SSHDIFF_AFL_TARGETS_DIR" : "SSHDIFF_TARGETS_DIR");
	const char *lf_env = getenv("SSHDIFF_TARGETS_DIR");
	char lf_dir[PATH_MAX];

	snprintf(lf_dir, sizeof(lf_dir), "%s", lf_env && *lf_env ? lf_env : SSHDIFF_DEFAULT_TARGETS_DIR);
	if (given_targets)
		snprintf(o->targets_dir, sizeof(o->targets_dir), "%s", given_targets);
	else if (env && *env)
		snprintf(o->targets_dir, sizeof(o->targets_dir), "%s", env);
	else if (o->engine == ENGINE_AFL)
		sibling_build(SSHDIFF_DEFAULT_TARGETS_DIR, "afl", o->targets_dir, sizeof(o->targets_dir));
	else
		snprintf(o->targets_dir, sizeof(o->targets_dir), "%s", SSHDIFF_DEFAULT_TARGETS_DIR);
	if (!is_dir(o->targets_dir))
		return fail(campaign, "targets directory %s: %s (give --targets-dir or set SSHDIFF_TARGETS_DIR)",
			    o->targets_dir, strerror(errno ? errno : ENOTDIR));
	if (o->engine == ENGINE_AFL) {
		if (!in_path("afl-fuzz"))
			return fail(campaign, "--engine afl: afl-fuzz is not in PATH%s%s", "", "");
		if (given_cmplog) {
			snprintf(o->cmplog_dir, sizeof(o->cmplog_dir), "%s", given_cmplog);
			if (!is_dir(o->cmplog_dir))
				return fail(campaign, "--cmplog-dir %s: %s", o->cmplog_dir, strerror(errno));
		} else {
			sibling_build(o->targets_dir, "afl-cmplog", o->cmplog_dir, sizeof(o->cmplog_dir));
			if (!is_dir(o->cmplog_dir))
				o->cmplog_dir[0] = '\0';
		}
	}
	if (given_triage) {
		snprintf(o->triage_dir, sizeof(o->triage_dir), "%s", given_triage);
		if (!is_dir(o->triage_dir))
			return fail(campaign, "--triage-dir %s: %s", o->triage_dir, strerror(errno));
		o->triage_is_afl = false;
	} else if (o->engine == ENGINE_AFL && is_dir(lf_dir)) {
		snprintf(o->triage_dir, sizeof(o->triage_dir), "%s", lf_dir);
	} else {
		snprintf(o->triage_dir, sizeof(o->triage_dir), "%s", o->targets_dir);
		o->triage_is_afl = o->engine == ENGINE_AFL;
	}
	return 0;
}

struct raw_opts {
	const char *target, *targets, *targets_dir, *cmplog_dir, *triage_dir, *suppressions;
};

static int parse_value(struct fuzz_opts *o, struct raw_opts *r, const char *name, const char *v, bool campaign)
{
	int64_t ms;
	char *end;

	if (!v || !*v)
		return fail(campaign, "%s needs a value%s", name, "");
	if (strcmp(name, "--time") == 0) {
		if (!parse_duration_ms(v, &ms) || ms < 1000)
			return fail(campaign, "--time wants a duration such as 90s, 10m or 8h, not '%s'%s", v, "");
		o->time_s = ms / 1000;
	} else if (strcmp(name, "--jobs") == 0) {
		unsigned long n = strtoul(v, &end, 10);

		if (*v < '0' || *v > '9' || *end || n == 0 || n > FUZZ_MAX_JOBS)
			return fail(campaign, "--jobs wants 1 to 32, not '%s'%s", v, "");
		o->jobs = (unsigned)n;
	} else if (strcmp(name, "--engine") == 0) {
		if (strcmp(v, "libfuzzer") == 0)
			o->engine = ENGINE_LIBFUZZER;
		else if (strcmp(v, "afl") == 0)
			o->engine = ENGINE_AFL;
		else
			return fail(campaign, "--engine wants libfuzzer or afl, not '%s'%s", v, "");
	} else if (strcmp(name, "--timeout") == 0) {
		if (!parse_duration_ms(v, &ms) || ms > REPLAY_MAX_TIMEOUT_MS)
			return fail(campaign, "--timeout wants a duration up to 1h, such as 5s or 500ms, not '%s'%s", v, "");
		o->timeout_ms = (unsigned)ms;
	} else if (strcmp(name, "--minimise-time") == 0) {
		if (strcmp(v, "0") == 0)
			ms = 0;
		else if (!parse_duration_ms(v, &ms))
			return fail(campaign, "--minimise-time wants a duration such as 30s, not '%s'%s", v, "");
		o->minimise_s = ms / 1000;
	} else if (strcmp(name, "--out") == 0) {
		if (strlen(v) >= sizeof(o->out) - 64)
			return fail(campaign, "--out %s: path too long%s", v, "");
		snprintf(o->out, sizeof(o->out), "%s", v);
	} else if (strcmp(name, "--target") == 0) {
		r->target = v;
	} else if (strcmp(name, "--targets") == 0) {
		r->targets = v;
	} else if (strcmp(name, "--targets-dir") == 0) {
		r->targets_dir = v;
	} else if (strcmp(name, "--cmplog-dir") == 0) {
		r->cmplog_dir = v;
	} else if (strcmp(name, "--triage-dir") == 0) {
		r->triage_dir = v;
	} else if (strcmp(name, "--suppressions") == 0) {
		r->suppressions = v;
	}
	return 0;
}

static const char *const value_options[] = {
	"--time", "--jobs", "--engine", "--timeout", "--minimise-time", "--out", "--target", "--targets",
	"--targets-dir", "--cmplog-dir", "--triage-dir", "--suppressions",
};

static int parse_args(int argc, char **argv, bool campaign, struct fuzz_opts *o, struct raw_opts *r, bool *help)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *v = NULL;
		size_t k, n = sizeof(value_options) / sizeof(value_options[0]);
		int st;

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			*help = true;
			return 0;
		}
		if (strcmp(arg, "--no-merge") == 0) {
			o->merge = false;
			continue;
		}
		for (k = 0; k < n && !replay_option_value(arg, value_options[k], argc, argv, &i, &v); k++)
			;
		/* --target is fuzz's, --targets the campaign's. */
		if (k == n || strcmp(value_options[k], campaign ? "--target" : "--targets") == 0)
			return fail(campaign, "unknown option '%s' (see --help)%s", arg, "");
		if ((st = parse_value(o, r, value_options[k], v, campaign)) != 0)
			return st;
	}
	return 0;
}

static int resolve_suppressions(struct fuzz_opts *o, const char *given, bool campaign)
{
	if (given && strcmp(given, "none") == 0) {
		o->suppressions[0] = '\0';
	} else if (given) {
		if (access(given, R_OK) != 0)
			return fail(campaign, "--suppressions %s: %s", given, strerror(errno));
		snprintf(o->suppressions, sizeof(o->suppressions), "%s", given);
	} else if (access(SSHDIFF_DEFAULT_SUPPRESSIONS, R_OK) == 0) {
		snprintf(o->suppressions, sizeof(o->suppressions), "%s", SSHDIFF_DEFAULT_SUPPRESSIONS);
	} else {
		/* An installed sshdiff far from its source tree. */
		fprintf(stderr, "sshdiff: note: %s not found, triage without suppressions\n",
			SSHDIFF_DEFAULT_SUPPRESSIONS);
		o->suppressions[0] = '\0';
	}
	return 0;
}

int fuzz_parse_options(int argc, char **argv, bool campaign, struct fuzz_opts *o, bool *run)
{
	struct raw_opts r;
	bool help = false;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int st;

	*run = false;
	memset(o, 0, sizeof(*o));
	memset(&r, 0, sizeof(r));
	o->campaign = campaign;
	o->engine = ENGINE_LIBFUZZER;
	o->time_s = campaign ? DEFAULT_CAMPAIGN_TIME_S : DEFAULT_FUZZ_TIME_S;
	o->jobs = cpus > 0 ? (cpus > FUZZ_MAX_JOBS ? FUZZ_MAX_JOBS : (unsigned)cpus) : 1;
	o->timeout_ms = REPLAY_DEFAULT_TIMEOUT_MS;
	o->minimise_s = DEFAULT_MINIMISE_S;
	o->merge = true;
	snprintf(o->out, sizeof(o->out), "%s", DEFAULT_OUT);
	if ((st = parse_args(argc, argv, campaign, o, &r, &help)) != 0) {
		usage(stderr, campaign);
		return st;
	}
	if (help) {
		usage(stdout, campaign);
		return EXIT_AGREE;
	}
	if (!campaign && !r.target) {
		usage(stderr, campaign);
		return fail(campaign, "--target is required%s%s", "", "");
	}
	if ((st = resolve_dirs(o, campaign, r.targets_dir, r.cmplog_dir, r.triage_dir)) != 0 ||
	    (st = select_targets(o, campaign ? r.targets : r.target, campaign)) != 0 ||
	    (st = resolve_suppressions(o, r.suppressions, campaign)) != 0)
		return st;
	*run = true;
	return 0;
}

unsigned fuzz_timeout_s(const struct fuzz_opts *o)
{
	return (o->timeout_ms + 999) / 1000;
}

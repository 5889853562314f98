/*
 * report_cmd.c — `sshdiff report DIR [--format html|md|json] [-o FILE]`:
 * checks that DIR is a campaign directory, loads it (report_load.c), prints
 * the report into memory and writes it in one piece (temp file, fsync,
 * rename: oracle/fsutil.h), so a failed run leaves nothing half-written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "oracle/fsutil.h"
#include "replay/commands.h"
#include "replay/replay.h"
#include "replay/report_model.h"

enum format { FORMAT_HTML, FORMAT_MD, FORMAT_JSON };

static const char *const format_ext[] = {"html", "md", "json"};

struct report_opts {
	const char *dir, *output;
	enum format format;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sshdiff report DIR [--format html|md|json] [-o FILE]\n"
		   "\n"
		   "Writes the report of a campaign directory (DIR/findings.db, DIR/findings/,\n"
		   "DIR/stats/: docs/fuzzing.md): a summary, the findings table, per finding\n"
		   "its verdict matrix and steps, and the progress plots.\n"
		   "\n"
		   "  --format FMT        html (default): one self-contained page, no external\n"
		   "                      assets; md: GitHub Markdown without the plots;\n"
		   "                      json: one object\n"
		   "  -o, --output FILE   where to write (default DIR/report.html, .md or .json);\n"
		   "                      '-' for stdout\n"
		   "  -h, --help          this text\n"
		   "\n"
		   "Prints the path of the report.  A missing or malformed file of one finding is\n"
		   "named on stderr and in the report, which is still written.\n"
		   "exit status: 0 written, 2 DIR is not a campaign directory, a bad option, or\n"
		   "the report cannot be written (then nothing is written).\n");
}

static int opts_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "sshdiff report: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see sshdiff report --help)\n");
	return EXIT_UNUSABLE;
}

/* EXIT_AGREE to run, -1 for help, else the exit status. */
static int parse(int argc, char **argv, struct report_opts *o)
{
	bool options_done = false;
	const char *v;

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
		} else if (options_done || arg[0] != '-' || arg[1] == '\0') {
			if (o->dir)
				return opts_error("one campaign directory only ('%s' is a second)", arg);
			o->dir = arg;
		} else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			return -1;
		} else if (replay_option_value(arg, "--format", argc, argv, &i, &v)) {
			if (!v)
				return opts_error("%s needs a value (html, md or json)", "--format");
			if (strcmp(v, "html") == 0)
				o->format = FORMAT_HTML;
			else if (strcmp(v, "md") == 0 || strcmp(v, "markdown") == 0)
				o->format = FORMAT_MD;
			else if (strcmp(v, "json") == 0)
				o->format = FORMAT_JSON;
			else
				return opts_error("--format wants html, md or json, not '%s'", v);
		} else if (replay_option_value(arg, "-o", argc, argv, &i, &v) ||
			   replay_option_value(arg, "--output", argc, argv, &i, &v)) {
			if (!v || !*v)
				return opts_error("%s needs a file", arg);
			o->output = v;
		} else {
			return opts_error("unknown option '%s'", arg);
		}
	}
	if (!o->dir)
		return opts_error("%s", "no campaign directory given");
	return EXIT_AGREE;
}

/* DIR must exist, be a folder and hold findings.db (docs/fuzzing.md). */
static int check_dir(const char *dir)
{
	struct stat st;
	size_t n = strlen(dir) + sizeof("/findings.db");
	char *db = malloc(n);
	int rc = EXIT_AGREE;

	if (!db)
		return EXIT_UNUSABLE;
	snprintf(db, n, "%s/findings.db", dir);
	if (stat(dir, &st) != 0) {
		fprintf(stderr, "sshdiff report: %s: %s\n", dir, strerror(errno));
		rc = EXIT_UNUSABLE;
	} else if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "sshdiff report: %s: not a directory\n", dir);
		rc = EXIT_UNUSABLE;
	} else if (stat(db, &st) != 0) {
		fprintf(stderr, "sshdiff report: %s: not a campaign directory (no findings.db: %s)\n", dir,
			strerror(errno));
		rc = EXIT_UNUSABLE;
	} else if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "sshdiff report: %s: not a regular file\n", db);
		rc = EXIT_UNUSABLE;
	}
	free(db);
	return rc;
}

/* FILE := data, atomically, in FILE's own folder. */
static int write_output(const char *path, const char *data, size_t len)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	struct stat st;
	sd_err err;

	if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
			fprintf(stderr, "sshdiff report: stdout: %s\n", strerror(errno));
			return EXIT_UNUSABLE;
		}
		return EXIT_AGREE;
	}
	if ((slash && slash[1] == '\0') || (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
		fprintf(stderr, "sshdiff report: %s: is a directory\n", path);
		return EXIT_UNUSABLE;
	}
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return EXIT_UNUSABLE;
	err = fs_write_atomic(dir, slash ? slash + 1 : path, (const uint8_t *)data, len);
	if (err != SD_OK)
		fprintf(stderr, "sshdiff report: %s: %s\n", path, strerror(errno));
	free(dir);
	return err == SD_OK ? EXIT_AGREE : EXIT_UNUSABLE;
}

static sd_err render(const struct report_campaign *c, enum format format, char **data, size_t *len)
{
	FILE *f = open_memstream(data, len);
	sd_err err;

	if (!f)
		return SD_ERR_NOMEM;
	if (format == FORMAT_MD)
		err = report_write_md(c, f);
	else if (format == FORMAT_JSON)
		err = report_write_json(c, f);
	else
		err = report_write_html(c, f);
	if (fclose(f) != 0 && err == SD_OK)
		err = SD_ERR_NOMEM;
	return err;
}

/* "DIR/" and "DIR" give the same paths in the report. */
static char *trim_dir(const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strndup(dir, n);
}

static int run(const struct report_opts *o)
{
	struct report_campaign c;
	char err[1024], *data = NULL, *out_path = NULL, *dir = trim_dir(o->dir);
	size_t len = 0;
	sd_err e;
	int rc;

	if (!dir)
		return EXIT_UNUSABLE;
	if ((rc = check_dir(dir)) != EXIT_AGREE) {
		free(dir);
		return rc;
	}
	if (report_load(dir, &c, err, sizeof(err)) != SD_OK) {
		fprintf(stderr, "sshdiff report: %s\n", err);
		free(dir);
		return EXIT_UNUSABLE;
	}
	e = render(&c, o->format, &data, &len);
	report_free(&c);
	if (e != SD_OK) {
		fprintf(stderr, "sshdiff report: cannot format the report (%s)\n", sd_err_text(e));
		rc = EXIT_UNUSABLE;
	} else if (o->output) {
		rc = write_output(o->output, data, len);
	} else {
		size_t n = strlen(dir) + 16;

		if ((out_path = malloc(n)) == NULL) {
			rc = EXIT_UNUSABLE;
		} else {
			snprintf(out_path, n, "%s/report.%s", dir, format_ext[o->format]);
			rc = write_output(out_path, data, len);
		}
	}
	if (rc == EXIT_AGREE && !(o->output && strcmp(o->output, "-") == 0))
		printf("%s\n", o->output ? o->output : out_path);
	free(out_path);
	free(data);
	free(dir);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o;
	int rc = parse(argc, argv, &o);

	if (rc < 0) {
		usage(stdout);
		return EXIT_AGREE;
	}
	if (rc != EXIT_AGREE)
		return rc;
	return run(&o);
}

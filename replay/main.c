/*
 * main.c — the sshdiff command: dispatch to a subcommand (commands.h).
 */
#include <stdio.h>
#include <string.h>

#include "replay/commands.h"
#include "replay/replay.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"replay", cmd_replay, "CASE...        run case files on every backend and compare them"},
	{"fuzz", cmd_fuzz, "--target T     fuzz one target with libFuzzer or AFL++, triage what it finds"},
	{"campaign", cmd_campaign, "[--time 8h]    fuzz every target within a time budget, triage, store"},
	{"report", cmd_report, "DIR            write the report of a campaign directory (HTML, md, JSON)"},
	{"ingest", cmd_ingest, "FILE...        turn pcaps and ssh/sshd/Tera Term/PuTTY logs into cases"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sshdiff COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n  sshdiff COMMAND --help   the options of one command\n"
		   "  -h, --help               this text\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_UNUSABLE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_AGREE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 2, argv + 2);
	fprintf(stderr, "sshdiff: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_UNUSABLE;
}

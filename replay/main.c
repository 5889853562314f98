/*
 * main.c — the sshdiff command: dispatch to a subcommand.  Today: replay.
 */
#include <stdio.h>
#include <string.h>

#include "replay/replay.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sshdiff COMMAND [OPTIONS]\n"
		   "\n"
		   "commands:\n"
		   "  replay CASE...   run case files on every backend and compare them\n"
		   "                   (sshdiff replay --help)\n"
		   "\n"
		   "  -h, --help       this text\n");
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
	if (strcmp(argv[1], "replay") == 0)
		return cmd_replay(argc - 2, argv + 2);
	fprintf(stderr, "sshdiff: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_UNUSABLE;
}

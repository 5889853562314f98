/*
 * commands.h — the subcommands of `sshdiff`, one entry point each.  Each
 * takes the arguments after its name and returns the process exit status
 * (0 / 1 / 2 as in replay.h: agree / divergence or crash reproduced or
 * findings / unusable input).
 */
#ifndef SSHDIFF_REPLAY_COMMANDS_H
#define SSHDIFF_REPLAY_COMMANDS_H

int cmd_replay(int argc, char **argv);   /* replay.c */
int cmd_fuzz(int argc, char **argv);     /* fuzz_cmd.c: one target, one engine */
int cmd_campaign(int argc, char **argv); /* fuzz_cmd.c: every target within a budget */
int cmd_report(int argc, char **argv);   /* report_cmd.c: HTML / Markdown / JSON report of a campaign */
int cmd_ingest(int argc, char **argv);   /* ingest_cmd.c: pcaps and logs into cases */

#endif

/*
 * campaign_standins.h — for unit tests that compile the campaign sources of
 * the sshdiff executable (replay/fuzz_*.c, replay/triage.c) in directly:
 * stand-ins for starting and stopping the engines' processes and for the
 * libFuzzer side, which those tests never reach (AFL++'s progress and
 * triage only).  Include once, after the replay sources; each test adds
 * what it needs besides (fuzz_note, fuzz_now_ms, proc_run ...).
 */
#ifndef SSHDIFF_TESTS_CAMPAIGN_STANDINS_H
#define SSHDIFF_TESTS_CAMPAIGN_STANDINS_H

sd_err proc_start(struct proc *p, char *const argv[], char *const env[], const char *out_path)
{
	(void)p, (void)argv, (void)env, (void)out_path;
	return SD_ERR_INVALID_ARG;
}
bool proc_poll(struct proc *p)
{
	(void)p;
	return false;
}
void proc_stop(struct proc *p, unsigned grace_ms)
{
	(void)p, (void)grace_ms;
}
sd_err libfuzzer_start(struct campaign *cp, struct target *t, int64_t fuzz_s)
{
	(void)cp, (void)t, (void)fuzz_s;
	return SD_ERR_INVALID_ARG;
}
void libfuzzer_line(struct target *t, const char *line)
{
	(void)t, (void)line;
}
sd_err libfuzzer_known_write(struct campaign *cp, char *path, size_t size)
{
	(void)cp, (void)path, (void)size;
	return SD_OK;
}
sd_err libfuzzer_merge(struct campaign *cp, struct target *t, int64_t budget_ms)
{
	(void)cp, (void)t, (void)budget_ms;
	return SD_OK;
}

#endif

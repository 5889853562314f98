/*
 * backend.c — what every backend shares: the registry lookup, the one
 * textual form of a step verdict (reports, JSON, signatures), and the
 * observations of a backend that cannot run a case.
 */
#include "oracle/backend.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

const struct backend *backend_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; backends[i]; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

/* Fixed names, so that a verdict reads the same on every machine. */
static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGABRT:
		return "SIGABRT";
	case SIGBUS:
		return "SIGBUS";
	case SIGILL:
		return "SIGILL";
	case SIGFPE:
		return "SIGFPE";
	case SIGKILL:
		return "SIGKILL";
	case SIGTERM:
		return "SIGTERM";
	case SIGTRAP:
		return "SIGTRAP";
	case SIGPIPE:
		return "SIGPIPE";
	default:
		return NULL;
	}
}

void verdict_format(const struct step_observation *s, char *out, size_t out_size)
{
	const char *sig;

	if (!out || out_size == 0)
		return;
	switch (s->verdict) {
	case VERDICT_ACCEPT:
		snprintf(out, out_size, "accept");
		break;
	case VERDICT_REJECT:
		if (s->rule[0])
			snprintf(out, out_size, "reject:%.*s", (int)sizeof s->rule, s->rule);
		else if (s->disconnect_reason)
			snprintf(out, out_size, "reject:disconnect(%u)", s->disconnect_reason);
		else if (s->iut_msg && s->iut_msg != 1)
			snprintf(out, out_size, "reject:got(%u)", s->iut_msg);
		else
			snprintf(out, out_size, "reject:close");
		break;
	case VERDICT_UNSUPPORTED:
		snprintf(out, out_size, "unsupported");
		break;
	case VERDICT_CRASH:
		if (s->signal == 0)
			snprintf(out, out_size, "crash:exit"); /* died without a signal */
		else if ((sig = signal_name(s->signal)) != NULL)
			snprintf(out, out_size, "crash:%s", sig);
		else
			snprintf(out, out_size, "crash:SIG%d", s->signal);
		break;
	case VERDICT_HANG:
		snprintf(out, out_size, "hang");
		break;
	default:
		snprintf(out, out_size, "-");
		break;
	}
}

void observations_unsupported(struct observations *obs, const struct sshdiff_case *c, const char *why)
{
	char backend[sizeof obs->backend], version[sizeof obs->version];

	memcpy(backend, obs->backend, sizeof backend);
	memcpy(version, obs->version, sizeof version);
	memset(obs, 0, sizeof *obs);
	memcpy(obs->backend, backend, sizeof backend);
	memcpy(obs->version, version, sizeof version);
	obs->n_steps = c->n_steps < CASE_MAX_STEPS ? c->n_steps : CASE_MAX_STEPS;
	for (unsigned i = 0; i < obs->n_steps; i++)
		obs->steps[i].verdict = VERDICT_UNSUPPORTED;
	snprintf(obs->outcome, sizeof obs->outcome, "unsupported: %s", why ? why : "");
}

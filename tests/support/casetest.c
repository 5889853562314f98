/*
 * casetest.c — see casetest.h.
 */
#include "tests/support/casetest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *tc_role_name(enum case_role r)
{
	return r == CASE_IUT_SERVER ? "iut-server" : "iut-client";
}

void tc_set_str(char *dst, const char *src)
{
	snprintf(dst, CASE_NAME_MAX, "%s", src);
}

int tc_find_step(const struct sshdiff_case *c, enum case_step_kind kind, enum case_msg msg)
{
	for (unsigned i = 0; i < c->n_steps; i++)
		if (c->steps[i].kind == kind && c->steps[i].msg == msg)
			return (int)i;
	return -1;
}

struct case_step *tc_insert_step(struct sshdiff_case *c, int at, enum case_step_kind kind, enum case_msg msg)
{
	if (c->n_steps >= CASE_MAX_STEPS || at < 0 || at > c->n_steps)
		abort();
	memmove(&c->steps[at + 1], &c->steps[at], (size_t)(c->n_steps - at) * sizeof c->steps[0]);
	c->n_steps++;
	memset(&c->steps[at], 0, sizeof c->steps[at]);
	c->steps[at].kind = kind;
	c->steps[at].msg = msg;
	return &c->steps[at];
}

struct case_mutation *tc_add_mutation(struct case_step *s, enum case_mutation_kind kind)
{
	struct case_mutation *m;

	if (s->n_mutations >= CASE_MAX_MUTATIONS)
		abort();
	m = &s->mutations[s->n_mutations++];
	memset(m, 0, sizeof *m);
	m->kind = kind;
	return m;
}

bool tc_all_accept(const struct sshdiff_case *c, const struct observations *o)
{
	if (o->n_steps != c->n_steps)
		return false;
	for (unsigned i = 0; i < o->n_steps; i++)
		if (o->steps[i].verdict != VERDICT_ACCEPT)
			return false;
	return true;
}

void tc_print_obs(const char *label, const struct sshdiff_case *c, const struct observations *o)
{
	fprintf(stderr, "  %s: %s | kex=%s hk=%s cipher=%s/%s mac=%s/%s keys_checked=%d keys_ok=%d auth=%d\n", label,
		o->outcome, o->kex, o->hostkey, o->cipher_cs, o->cipher_sc, o->mac_cs, o->mac_sc, o->keys_checked,
		o->keys_ok, (int)o->auth);
	for (unsigned i = 0; i < o->n_steps && i < c->n_steps; i++) {
		char v[64];
		verdict_format(&o->steps[i], v, sizeof v);
		fprintf(stderr, "    %2u %-6s %-20s %s (reason %u, iut_msg %u)\n", i,
			case_step_kind_name(c->steps[i].kind), case_msg_name(c->steps[i].msg), v,
			o->steps[i].disconnect_reason, o->steps[i].iut_msg);
	}
}

/*
 * parse_targets.c — the parser-level fuzz targets (targets/fuzz_parse_*.c
 * are one line each around these): which message kinds each one feeds, how
 * an input picks one, and the divergence line (docs/fuzzing.md).
 */
#include "targets/common/parse_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct pp_target pp_targets[] = {
	{"fuzz_parse_packet", PP_IN_PACKET_CLEAR, PP_KIND_COUNT, 0},
	{"fuzz_parse_packet_keyed", PP_IN_PACKET_KEYED, PP_KIND_COUNT, 0},
	{"fuzz_parse_kexinit", PP_IN_MESSAGE, PP_KEXINIT_FIRST, PP_KEXINIT_COUNT},
	{"fuzz_parse_kex", PP_IN_MESSAGE, PP_KEX_FIRST, PP_KEX_COUNT},
	{"fuzz_parse_transport", PP_IN_MESSAGE, PP_TRANSPORT_FIRST, PP_TRANSPORT_COUNT},
	{"fuzz_parse_userauth", PP_IN_MESSAGE, PP_USERAUTH_FIRST, PP_USERAUTH_COUNT},
};
const size_t pp_targets_count = sizeof pp_targets / sizeof pp_targets[0];

const struct pp_target *pp_target_by_name(const char *name)
{
	for (size_t i = 0; i < pp_targets_count; i++)
		if (strcmp(pp_targets[i].name, name) == 0)
			return &pp_targets[i];
	return NULL;
}

/* A target with several kinds spends input byte 0 on picking one; the
 * rest is the payload, message number first (which may be wrong: that is
 * a case to agree on too). */
static enum pp_kind pick(const struct pp_target *t, const uint8_t **data, size_t *size)
{
	if (t->n_kinds == 1)
		return t->first;
	enum pp_kind k = (enum pp_kind)(t->first + (*data)[0] % t->n_kinds);
	(*data)++;
	(*size)--;
	return k;
}

const char *pp_target_check(const struct pp_target *t, const uint8_t *data, size_t size, char line[PP_LINE_MAX])
{
	char what[160];
	const char *d, *msg;
	enum pp_packet_state s;
	switch (t->input) {
	case PP_IN_PACKET_CLEAR:
		msg = pp_packet_state_name(PP_STATE_CLEAR);
		d = pp_packet_check(PP_STATE_CLEAR, data, size, NULL, what, sizeof what);
		break;
	case PP_IN_PACKET_KEYED:
		if (size < 1)
			return NULL;
		s = pp_keyed_state(data[0]);
		msg = pp_packet_state_name(s);
		d = pp_packet_check(s, data + 1, size - 1, NULL, what, sizeof what);
		break;
	default: {
		if (t->n_kinds > 1 && size < 1)
			return NULL;
		enum pp_kind k = pick(t, &data, &size);
		msg = pp_kind_name(k);
		d = pp_check(k, data, size, NULL, what, sizeof what);
		break;
	}
	}
	if (!d)
		return NULL;
	snprintf(line, PP_LINE_MAX, "sshdiff-parser-divergence: %s|%s|%s", t->name, msg, d);
	return line;
}

void pp_target_run(const struct pp_target *t, const uint8_t *data, size_t size)
{
	char line[PP_LINE_MAX];
	if (!pp_target_check(t, data, size, line))
		return;
	/* one line, the signature, then the crash the engine saves */
	fprintf(stderr, "%s\n", line);
	fflush(stderr);
	abort();
}

void pp_target_engine_only(const struct pp_target *t, const uint8_t *data, size_t size)
{
	switch (t->input) {
	case PP_IN_PACKET_CLEAR:
		(void)pp_packet_engine_only(PP_STATE_CLEAR, data, size);
		return;
	case PP_IN_PACKET_KEYED:
		if (size >= 1)
			(void)pp_packet_engine_only(pp_keyed_state(data[0]), data + 1, size - 1);
		return;
	default:
		if (t->n_kinds > 1 && size < 1)
			return;
		enum pp_kind k = pick(t, &data, &size);
		(void)pp_engine_only(k, data, size);
		return;
	}
}

/*
 * report.c — one replay result as JSON (format in report.h).
 */
#include "oracle/report.h"

#include <string.h>

#include "oracle/json.h"

const char *report_auth_name(enum observed_auth a)
{
	switch (a) {
	case OBS_AUTH_SUCCESS: return "success";
	case OBS_AUTH_FAILURE: return "failure";
	default: return "none";
	}
}

/* The observations' strings are fixed arrays filled by backends, possibly in
 * another process: never read past the array. */
static sd_err put_field(struct json *j, const char *key, const char *s, size_t size)
{
	json_key(j, key);
	return json_string_n(j, s, strnlen(s, size));
}

static const char *backend_name(const struct observations *o, char name[sizeof(o->backend) + 1])
{
	size_t len = strnlen(o->backend, sizeof(o->backend));

	memcpy(name, o->backend, len);
	name[len] = '\0';
	return name;
}

#define PUT_FIELD(j, key, arr) put_field((j), (key), (arr), sizeof(arr))

static void put_step(struct json *j, const struct sshdiff_case *c, const struct observations *obs, size_t n,
		     unsigned step)
{
	char label[96], verdict[96], name[sizeof(obs->backend) + 1];

	compare_step_label(c, step, label, sizeof(label));
	json_object_begin(j);
	json_key(j, "step");
	json_int(j, step);
	json_key(j, "message");
	json_string(j, label);
	json_key(j, "rule");
	json_string(j, compare_step_rule(obs, n, step));
	json_key(j, "verdicts");
	json_object_begin(j);
	for (size_t b = 0; b < n; b++) {
		static const struct step_observation not_reached = {.verdict = VERDICT_NOT_REACHED};
		const struct step_observation *s = step < obs[b].n_steps ? &obs[b].steps[step] : &not_reached;

		verdict_format(s, verdict, sizeof(verdict));
		json_key(j, backend_name(&obs[b], name));
		json_string(j, verdict);
	}
	json_object_end(j);
	json_object_end(j);
}

static void put_backend(struct json *j, const struct observations *o)
{
	json_object_begin(j);
	PUT_FIELD(j, "version", o->version);
	json_key(j, "negotiated");
	json_object_begin(j);
	PUT_FIELD(j, "kex", o->kex);
	PUT_FIELD(j, "hostkey", o->hostkey);
	PUT_FIELD(j, "cipher_cs", o->cipher_cs);
	PUT_FIELD(j, "cipher_sc", o->cipher_sc);
	PUT_FIELD(j, "mac_cs", o->mac_cs);
	PUT_FIELD(j, "mac_sc", o->mac_sc);
	json_object_end(j);
	json_key(j, "keys_ok");
	if (o->keys_checked)
		json_bool(j, o->keys_ok);
	else
		json_null(j);
	json_key(j, "auth");
	json_string(j, report_auth_name(o->auth));
	PUT_FIELD(j, "outcome", o->outcome);
	json_object_end(j);
}

sd_err report_json(const char *case_name, const struct sshdiff_case *c, const struct observations *obs, size_t n,
		   const struct comparison *cmp, struct sbuf *out)
{
	char name[sizeof(obs->backend) + 1];
	struct json j;

	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "case");
	json_string(&j, case_name);
	json_key(&j, "divergent");
	json_bool(&j, cmp->divergent);
	PUT_FIELD(&j, "signature", cmp->signature);
	json_key(&j, "divergent_step");
	if (cmp->step >= 0)
		json_int(&j, cmp->step);
	else
		json_null(&j);
	json_key(&j, "suppressed");
	if (cmp->suppressed)
		json_string_n(&j, cmp->suppression_reason,
			      strnlen(cmp->suppression_reason, sizeof(cmp->suppression_reason)));
	else
		json_null(&j);
	json_key(&j, "steps");
	json_array_begin(&j);
	for (unsigned step = 0; step < c->n_steps && step < CASE_MAX_STEPS; step++)
		put_step(&j, c, obs, n, step);
	json_array_end(&j);
	json_key(&j, "backends");
	json_object_begin(&j);
	for (size_t b = 0; b < n; b++) {
		json_key(&j, backend_name(&obs[b], name));
		put_backend(&j, &obs[b]);
	}
	json_object_end(&j);
	json_object_end(&j);
	return json_finish(&j);
}

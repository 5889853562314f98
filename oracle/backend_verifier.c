/*
 * backend_verifier.c — the independent verifier (oracle/verifier/) as a
 * backend.  The verifier plays the implementation-under-test role of the
 * case against the actor in memory; it is not an engine but a model of the
 * RFC MUST rules, so its observations carry the rule of every rejection.
 *
 * Configuration from the case, and two choices:
 *  - strict kex is always offered, as the engine and libssh do; the case's
 *    strict_kex decides whether the actor offers it too;
 *  - ext-info-c / ext-info-s is offered iff the case's ext_info is set (the
 *    IUT side mirrors the actor), so that an EXT_INFO sent to a verifier
 *    client that did not offer ext-info-c can be judged (RFC 8308 2.2).
 * Keys are handed over as the test keys' OpenSSH private key text
 * (testkey_openssh_private) and parsed by the verifier itself.
 */
#include <stdio.h>
#include <string.h>

#include "oracle/actor.h"
#include "oracle/backends_list.h"
#include "oracle/testkeys.h"
#include "oracle/verifier/verifier.h"

/* The verifier answers inside verifier_input: no round can be idle for
 * another reason. */
#define VERIFIER_MAX_IDLE 4

static const char *verifier_version(void)
{
	return "sshdiff-verifier 0.1.0";
}

/* Its own failures, the only errors a backend returns. */
static sd_err own_failure(enum vrule e)
{
	return e == VR_OK ? SD_OK : e == VR_NOMEM ? SD_ERR_NOMEM : SD_ERR_INTERNAL;
}

/* ---- the in-memory port ---- */

static sd_err v_send_to(void *ctx, const uint8_t *p, size_t n, size_t *taken)
{
	*taken = n;
	return own_failure(verifier_input(ctx, p, n));
}

static sd_err v_recv_from(void *ctx, uint8_t *buf, size_t cap, size_t *got, bool *eof)
{
	struct verifier *v = ctx;
	struct vspan out = verifier_output(v);
	size_t n = out.len < cap ? out.len : cap;

	if (n) {
		memcpy(buf, out.p, n);
		verifier_output_consume(v, n);
	}
	*got = n;
	/* closed once its DISCONNECT is out */
	*eof = verifier_closed(v) && verifier_output(v).len == 0;
	return SD_OK;
}

static sd_err v_poll(void *ctx, bool *progress)
{
	(void)ctx;
	*progress = false;
	return SD_OK;
}

/* ---- the run ---- */

static void config(const struct sshdiff_case *c, struct verifier_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->server = c->iut_role == CASE_IUT_SERVER;
	cfg->seed = c->seed;
	cfg->kex = c->algs.kex;
	cfg->hostkey = c->algs.hostkey;
	cfg->cipher = c->algs.cipher;
	cfg->mac = c->algs.mac;
	cfg->ext_info = c->ext_info;
	cfg->strict_kex = true;
	cfg->host_key = testkey_openssh_private(c->host_key);
	cfg->user_key = testkey_openssh_private(c->user_key);
	cfg->user = c->user;
	cfg->password = c->password;
}

static void step_label(const struct sshdiff_case *c, int step, char *buf, size_t n)
{
	const struct case_step *st = &c->steps[step];
	const char *kind = case_step_kind_name(st->kind);

	if (st->kind == STEP_SEND || st->kind == STEP_EXPECT)
		snprintf(buf, n, "%s %s", kind, case_msg_name(st->msg));
	else
		snprintf(buf, n, "%s", kind ? kind : "?");
}

/* The rule behind the step the actor saw rejected: the verifier's fatal
 * decision, else its last refusal (an authentication attempt); nothing when
 * the end was the actor's own DISCONNECT or close. */
static enum vrule rule_of(const struct verifier_result *r)
{
	if (r->rejected != VR_OK)
		return r->rejected;
	if (r->noted == VR_PEER_DISCONNECT || r->noted == VR_EOF)
		return VR_OK;
	return r->noted;
}

static void add_verifier_view(const struct sshdiff_case *c, const struct verifier_result *r, int rejected,
			      struct observations *obs)
{
	char label[64];

	snprintf(obs->kex, sizeof obs->kex, "%s", r->kex);
	snprintf(obs->hostkey, sizeof obs->hostkey, "%s", r->hostkey);
	snprintf(obs->cipher_cs, sizeof obs->cipher_cs, "%s", r->cipher_cs);
	snprintf(obs->cipher_sc, sizeof obs->cipher_sc, "%s", r->cipher_sc);
	snprintf(obs->mac_cs, sizeof obs->mac_cs, "%s", r->mac_cs);
	snprintf(obs->mac_sc, sizeof obs->mac_sc, "%s", r->mac_sc);
	enum vrule rule = rule_of(r);
	if (rejected < 0 || rule == VR_OK)
		return;
	snprintf(obs->steps[rejected].rule, sizeof obs->steps[rejected].rule, "%s", vrule_id(rule));
	step_label(c, rejected, label, sizeof label);
	snprintf(obs->outcome, sizeof obs->outcome, "rejected at step %d (%s): %s", rejected, label, vrule_id(rule));
}

static sd_err verifier_run(const struct sshdiff_case *c, struct observations *obs)
{
	struct verifier_config cfg;
	struct verifier *v = NULL;
	struct actor *a = NULL;
	sd_err e;

	memset(obs, 0, sizeof *obs);
	snprintf(obs->backend, sizeof obs->backend, "verifier");
	snprintf(obs->version, sizeof obs->version, "%s", verifier_version());
	config(c, &cfg);
	if ((e = own_failure(verifier_new(&cfg, &v))) != SD_OK)
		goto out;
	if (verifier_result(v)->unsupported) {
		observations_unsupported(obs, c, verifier_result(v)->unsupported_what);
		goto out;
	}
	if ((e = actor_new(c, &a)) != SD_OK)
		goto out;
	struct iut_port port = {v, v_send_to, v_recv_from, v_poll};
	if ((e = actor_drive(a, &port, VERIFIER_MAX_IDLE)) != SD_OK)
		goto out;
	/* An algorithm agreed on that the verifier does not model: no verdict
	 * rather than a wrong one. */
	if (verifier_result(v)->unsupported) {
		observations_unsupported(obs, c, verifier_result(v)->unsupported_what);
		goto out;
	}
	actor_observe(a, obs);
	add_verifier_view(c, verifier_result(v), actor_rejected_step(a), obs);
out:
	actor_free(a);
	verifier_free(v);
	return e;
}

const struct backend backend_verifier = {
	.name = "verifier",
	.version = verifier_version,
	.run = verifier_run,
};

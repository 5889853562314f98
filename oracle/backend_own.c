/*
 * backend_own.c — the project's own engine (proto/machine.h) as an
 * implementation under test.  The machine is configured from the case for
 * the IUT's role, connected to the actor in memory (the engine is sans-IO:
 * bytes in, bytes out, no threads, no sockets), and what it decided is read
 * back from machine_result: negotiated names and the rule it enforced when
 * it ended the connection.
 */
#include <stdio.h>
#include <string.h>

#include "oracle/actor.h"
#include "oracle/backends_list.h"
#include "oracle/keycache.h"
#include "proto/machine.h"

/* Rounds without progress before the machine counts as silent: it answers
 * synchronously inside machine_input, so one would do. */
#define OWN_MAX_IDLE 4

static const char *own_version(void)
{
	return "sshdiff-engine 0.1.0";
}

/* ---- the in-memory port ---- */

static sd_err own_send(void *ctx, const uint8_t *p, size_t n, size_t *taken)
{
	/* The machine's verdict (an error that ends the connection) is read
	 * from its result and output, not from this call. */
	machine_input(ctx, p, n);
	*taken = n;
	return SD_OK;
}

static sd_err own_recv(void *ctx, uint8_t *buf, size_t cap, size_t *got, bool *eof)
{
	struct machine *m = ctx;
	struct span out = machine_output(m);
	size_t n = out.len < cap ? out.len : cap;

	if (n) {
		memcpy(buf, out.p, n);
		machine_output_consume(m, n);
	}
	*got = n;
	/* Closed once everything it queued (its DISCONNECT) is out. */
	*eof = machine_result(m)->closed && machine_output(m).len == 0;
	return SD_OK;
}

static sd_err own_poll(void *ctx, bool *progress)
{
	(void)ctx;
	*progress = false; /* all the work happens in machine_input */
	return SD_OK;
}

/* ---- configuration ---- */

struct own_keys {
	struct sigkey *host, *user;         /* private */
	struct sigkey *host_pub, *user_pub; /* public parts */
};

/* Shared, parsed once (keycache.h). */
static sd_err keys_load(const struct sshdiff_case *c, struct own_keys *k)
{
	sd_err e;

	memset(k, 0, sizeof *k);
	if ((e = keycache_private(c->host_key, &k->host)) != SD_OK ||
	    (e = keycache_private(c->user_key, &k->user)) != SD_OK ||
	    (e = keycache_public(c->host_key, &k->host_pub)) != SD_OK)
		return e;
	return keycache_public(c->user_key, &k->user_pub);
}

/* The IUT side of the case: the same algorithms both ways, the case's keys
 * and credentials; strict kex and ext-info offered (the engine's default). */
static void config(const struct sshdiff_case *c, struct own_keys *k, struct rng *rng, struct machine_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->rng = rng;
	cfg->algs.kex = c->algs.kex;
	cfg->algs.hostkey = c->algs.hostkey;
	cfg->algs.cipher_cs = cfg->algs.cipher_sc = c->algs.cipher;
	cfg->algs.mac_cs = cfg->algs.mac_sc = c->algs.mac;
	/* Configured like the verifier: ext-info offered on both sides or on
	 * neither (case.h), so a case can exercise RFC 8308 section 2.2.
	 * libssh cannot be configured this way and offers its default. */
	cfg->no_ext_info = !c->ext_info;
	if (c->iut_role == CASE_IUT_SERVER) {
		cfg->role = MACHINE_SERVER;
		cfg->host_keys = &k->host;
		cfg->n_host_keys = 1;
		cfg->auth_user = c->user;
		cfg->auth_password = c->password;
		cfg->authorized_keys = &k->user_pub;
		cfg->n_authorized_keys = 1;
	} else {
		cfg->role = MACHINE_CLIENT;
		cfg->user = c->user;
		cfg->password = c->password;
		cfg->identities = &k->user;
		cfg->n_identities = 1;
		cfg->auth_order = "publickey,password";
		cfg->known_host_keys = &k->host_pub;
		cfg->n_known_host_keys = 1;
	}
}

/* ---- the run ---- */

static void step_label(const struct sshdiff_case *c, int step, char *buf, size_t n)
{
	const struct case_step *st = &c->steps[step];

	if (st->kind == STEP_SEND || st->kind == STEP_EXPECT)
		snprintf(buf, n, "%s %s", case_step_kind_name(st->kind), case_msg_name(st->msg));
	else
		snprintf(buf, n, "%s", case_step_kind_name(st->kind) ? case_step_kind_name(st->kind) : "?");
}

/* What only the engine knows: the names it negotiated and the rule it
 * enforced at the step the actor saw rejected. */
static void add_machine_view(const struct sshdiff_case *c, const struct machine_result *r, int rejected,
			     struct observations *obs)
{
	char label[64];

	snprintf(obs->kex, sizeof obs->kex, "%s", r->kex);
	snprintf(obs->hostkey, sizeof obs->hostkey, "%s", r->hostkey);
	snprintf(obs->cipher_cs, sizeof obs->cipher_cs, "%s", r->cipher_cs);
	snprintf(obs->cipher_sc, sizeof obs->cipher_sc, "%s", r->cipher_sc);
	snprintf(obs->mac_cs, sizeof obs->mac_cs, "%s", r->mac_cs);
	snprintf(obs->mac_sc, sizeof obs->mac_sc, "%s", r->mac_sc);
	/* Ends that are not the engine's rejection: the actor's DISCONNECT,
	 * the actor closing. */
	if (rejected < 0 || r->error == SD_OK || r->error == SD_ERR_PEER_DISCONNECT || r->error == SD_ERR_EOF)
		return;
	snprintf(obs->steps[rejected].rule, sizeof obs->steps[rejected].rule, "%s", sd_err_rule(r->error));
	step_label(c, rejected, label, sizeof label);
	snprintf(obs->outcome, sizeof obs->outcome, "rejected at step %d (%s): %s", rejected, label,
		 sd_err_rule(r->error));
}

static sd_err own_run(const struct sshdiff_case *c, struct observations *obs)
{
	uint8_t seed[3 + 8] = {'o', 'w', 'n'};
	struct rng_seeded rng;
	struct own_keys keys;
	struct machine_config cfg;
	struct machine *m = NULL;
	struct actor *a = NULL;
	sd_err e;

	memset(obs, 0, sizeof *obs);
	snprintf(obs->backend, sizeof obs->backend, "own");
	snprintf(obs->version, sizeof obs->version, "%s", own_version());
	/* Every random value of the engine: "own" || seed (big-endian). */
	for (int i = 0; i < 8; i++)
		seed[3 + i] = (uint8_t)(c->seed >> (56 - 8 * i));
	rng_seeded_init(&rng, seed, sizeof seed);
	if ((e = keys_load(c, &keys)) != SD_OK)
		goto out;
	config(c, &keys, &rng.base, &cfg);
	e = machine_new(&cfg, &m);
	/* The engine refuses a configuration it could not offer a usable
	 * KEXINIT for (machine.h), as the verifier does: no verdict. */
	if (e == SD_ERR_KEXINIT_NAMELIST || e == SD_ERR_NAMELIST) {
		char why[96];
		snprintf(why, sizeof why, "engine: no usable KEXINIT for this configuration (%s)", sd_err_rule(e));
		observations_unsupported(obs, c, why);
		e = SD_OK;
		goto out;
	}
	if (e != SD_OK || (e = actor_new(c, &a)) != SD_OK)
		goto out;
	struct iut_port port = {m, own_send, own_recv, own_poll};
	if ((e = actor_drive(a, &port, OWN_MAX_IDLE)) != SD_OK)
		goto out;
	actor_observe(a, obs);
	add_machine_view(c, machine_result(m), actor_rejected_step(a), obs);
	/* The case made the engine offer a name it does not implement and that
	 * name was agreed (negotiate.h): it cannot run the case as written,
	 * which is the verifier's "unsupported", not a verdict on the peer. */
	if (machine_result(m)->error == SD_ERR_UNSUPPORTED)
		observations_unsupported(obs, c, "engine: an agreed algorithm is not implemented (impl-unsupported)");
out:
	actor_free(a);
	machine_free(m);
	return e;
}

const struct backend backend_own = {
	.name = "own",
	.version = own_version,
	.run = own_run,
};

/*
 * backend.h — one implementation under test behind one small interface, and
 * the observations every backend returns (Cryptofuzz's shape: one interface
 * per implementation, one place that compares: compare.h).
 *
 * A backend runs a case: it configures its implementation from the case
 * (role, algorithms, keys, seed), runs the actor (actor.h) against it, and
 * fills observations.  It never judges other backends.
 *
 * Adding a backend = one file oracle/backend_NAME.c defining
 * `const struct backend backend_NAME` + one line in oracle/backends.c.
 */
#ifndef SSHDIFF_ORACLE_BACKEND_H
#define SSHDIFF_ORACLE_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "oracle/case.h"

/* What a backend did with one step of the script. */
enum verdict {
	VERDICT_NOT_REACHED, /* the connection ended before this step */
	VERDICT_ACCEPT,      /* SEND: the IUT went on; EXPECT: it sent the expected message */
	VERDICT_REJECT,      /* SEND: the IUT disconnected/closed in reaction; EXPECT: it sent something else or ended */
	VERDICT_UNSUPPORTED, /* the backend cannot run this case (algorithm, role) */
	VERDICT_CRASH,       /* the backend's process died on a signal (replay) */
	VERDICT_HANG,        /* the backend's process exceeded its time limit (replay) */
};

struct step_observation {
	enum verdict verdict;
	/* Rule the IUT named, when it names one (own, verifier): "RFC4253-8".
	 * Empty for implementations that do not (libssh): their reason is the
	 * disconnect code or "close". */
	char rule[48];
	uint32_t disconnect_reason; /* DISCONNECT reason code the IUT sent, 0 if none */
	uint8_t iut_msg;            /* EXPECT: the message number the IUT sent (0 if none) */
	int signal;                 /* VERDICT_CRASH */
};

enum observed_auth { OBS_AUTH_NONE, OBS_AUTH_SUCCESS, OBS_AUTH_FAILURE };

struct observations {
	char backend[32];
	char version[64];
	uint8_t n_steps; /* == the case's n_steps */
	struct step_observation steps[CASE_MAX_STEPS];
	/* negotiated algorithms as the IUT reports them ("" if unknown) */
	char kex[64], hostkey[64], cipher_cs[64], cipher_sc[64], mac_cs[64], mac_sc[64];
	/* The IUT's first encrypted packets decrypted and authenticated under
	 * keys the actor derived per RFC 4253 section 7.2 (false if the
	 * connection never got there: see keys_checked). */
	bool keys_checked, keys_ok;
	enum observed_auth auth;
	/* One line: "completed", "rejected at step 4 (RFC4253-8)",
	 * "crash:SIGSEGV", "hang", "unsupported: ..." */
	char outcome[128];
};

struct backend {
	const char *name;              /* [a-z0-9-]+, used in --backends and JSON */
	const char *(*version)(void);  /* "libssh 0.10.6", "sshdiff-engine 0.1.0" */
	/* Runs the case in this process.  Returns SD_OK when observations are
	 * filled (whatever the IUT decided); an error only when the backend
	 * itself failed (allocation, socketpair). */
	sd_err (*run)(const struct sshdiff_case *c, struct observations *obs);
};

/* The registry: every backend, in report order.  NULL-terminated. */
extern const struct backend *const backends[];
const struct backend *backend_by_name(const char *name);

/* "accept", "reject:RFC4253-8", "reject:disconnect(3)", "reject:close",
 * "unsupported", "crash:SIGSEGV", "hang", "-" (not reached). */
void verdict_format(const struct step_observation *s, char *out, size_t out_size);

/* Marks every step unsupported with the reason as outcome (helper for
 * backends that cannot run a case). */
void observations_unsupported(struct observations *obs, const struct sshdiff_case *c, const char *why);

#endif

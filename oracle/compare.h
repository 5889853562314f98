/*
 * compare.h — the one place that compares.  Observations of every backend
 * become a verdict vector, compared exchange by exchange (one actor step and
 * the EXPECT steps after it: refusing our packet at once or after sending
 * something else first is the same refusal).  The first exchange that some
 * backends that ran the case complete and others do not (or any crash or
 * hang, or keys_ok == false) is a divergence, named after its first step
 * where one stopped, with a stable signature used for deduplication:
 *
 *   "<kind> <MSG>|<rule>|<backend>=<verdict>,..."    e.g.
 *   "send USERAUTH_SUCCESS|RFC4252-5.1|libssh=accept,own=reject,verifier=reject"
 *
 * kind/MSG are the step's (not its index, which minimisation changes); rule
 * is the verifier's when it named one, else own's, else "-"; verdicts are
 * classes (accept/reject/crash:SIG/hang, "-" not reached), sorted by
 * backend name; backends that did not run the case (unsupported, backend
 * error) are left out, and a backend has no say from the step where the
 * actor lost track of its connection (outcome "lost at step N").  With no
 * divergent step, keys that fail RFC 4253
 * section 7.2 give "keys|RFC4253-7.2|libssh=bad,own=ok,verifier=-".
 * Crashes, hangs and wrong keys are never suppressed.  A majority
 * vote is not an oracle: the verifier's rule is reported, and where the RFCs
 * only say SHOULD or MAY a suppression file lists the allowed difference.
 */
#ifndef SSHDIFF_ORACLE_COMPARE_H
#define SSHDIFF_ORACLE_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "oracle/backend.h"
#include "oracle/case.h"

struct suppressions;

/* Suppression file (docs/suppressions.md): entries of
 *   match  = <signature pattern, '*' wildcards>
 *   reason = <why the RFCs allow this difference>
 *   link   = <URL of the RFC text or discussion>
 * separated by blank lines; '#' comments.  Every entry needs all three;
 * errors name the file and line. */
sd_err suppressions_load(const char *path, struct suppressions **out, char *err_msg, size_t err_msg_size);
/* The same from text in memory (a fuzz target carries the project's
 * suppressions.txt inside its binary: OSS-Fuzz runs it without the source
 * tree); `name` stands for the file in error messages. */
sd_err suppressions_parse(const char *name, const char *text, size_t len, struct suppressions **out, char *err_msg,
			  size_t err_msg_size);
void suppressions_free(struct suppressions *s);
/* The reason of the first entry whose pattern matches the whole signature,
 * or NULL. */
const char *suppressions_match(const struct suppressions *s, const char *signature);

struct comparison {
	bool divergent;       /* a finding (after suppressions) */
	bool suppressed;      /* a divergence matched a suppression */
	int step;             /* step index of the divergence, -1 */
	char signature[512];  /* "" when none */
	char suppression_reason[256];
};

/* obs: one per backend, in registry order.  sup may be NULL. */
sd_err compare_observations(const struct sshdiff_case *c, const struct observations *obs, size_t n,
			    const struct suppressions *sup, struct comparison *out);

/* The parts of a signature, for reports that show every step:
 * how step `step` is named ("send KEX_REPLY", "expect ANY", "raw"), */
void compare_step_label(const struct sshdiff_case *c, unsigned step, char *out, size_t out_size);
/* the rule reported for it (the verifier's, else own's, else "-"), */
const char *compare_step_rule(const struct observations *obs, size_t n, unsigned step);
/* and whether a backend took part (not unsupported, no backend error). */
bool compare_backend_ran(const struct observations *o);

#endif

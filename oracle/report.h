/*
 * report.h — the machine-readable form of one replay result: the JSON object
 * `sshdiff replay --json` prints per case and the finding store keeps as
 * observations.json.  Deterministic: keys in a fixed order, backends in
 * registry order, nothing that depends on time, process or memory layout.
 *
 *   {"case":PATH,"divergent":BOOL,"signature":STR,"divergent_step":INT|null,
 *    "suppressed":REASON|null,
 *    "steps":[{"step":0,"message":"send KEXINIT","rule":"-",
 *              "verdicts":{"own":"accept",...}},...],
 *    "backends":{"own":{"version":STR,"negotiated":{"kex":..,"hostkey":..,
 *              "cipher_cs":..,"cipher_sc":..,"mac_cs":..,"mac_sc":..},
 *              "keys_ok":BOOL|null,"auth":"success"|"failure"|"none",
 *              "outcome":STR},...}}
 *
 * "signature" is "" when no divergence was found; a suppressed divergence
 * keeps its signature, with "divergent":false and the reason in "suppressed".
 */
#ifndef SSHDIFF_ORACLE_REPORT_H
#define SSHDIFF_ORACLE_REPORT_H

#include <stddef.h>

#include "oracle/backend.h"
#include "oracle/case.h"
#include "oracle/compare.h"
#include "proto/wire.h"

/* Appends the object (no newline). */
sd_err report_json(const char *case_name, const struct sshdiff_case *c, const struct observations *obs, size_t n,
		   const struct comparison *cmp, struct sbuf *out);

/* "success", "failure", "none". */
const char *report_auth_name(enum observed_auth a);

#endif

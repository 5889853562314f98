/*
 * store.h — the finding store: one SQLite database (DIR/findings.db) plus one
 * folder per finding (DIR/findings/<id>/ with case.bin, case.txt,
 * observations.json, signature.txt).  Writes are atomic (temp file, fsync,
 * rename; SQLite transactions): a process killed at any point loses nothing
 * it had saved.  A finding is identified by its divergence signature.
 */
#ifndef SSHDIFF_ORACLE_STORE_H
#define SSHDIFF_ORACLE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oracle/backend.h"
#include "oracle/case.h"
#include "oracle/compare.h"

struct store;

sd_err store_open(const char *dir, struct store **out, char *err_msg, size_t err_msg_size);
void store_close(struct store *s);
/* What went wrong in the last failed store_add / store_list, naming the
 * file or database ("" if nothing failed). */
const char *store_last_error(const struct store *s);

/* Records one occurrence: a new signature creates the folder and row; a
 * known one bumps count and last_seen (and keeps the smaller case).
 * id_out (>= 17 bytes) receives the finding's id (hex prefix of the
 * signature's SHA-256). */
sd_err store_add(struct store *s, const struct sshdiff_case *c, const struct observations *obs, size_t n,
		 const struct comparison *cmp, int64_t now, bool *is_new, char *id_out);
/* The same, naming the fuzz target that found it (store_add: ""). */
sd_err store_add_from(struct store *s, const char *target, const struct sshdiff_case *c,
		      const struct observations *obs, size_t n, const struct comparison *cmp, int64_t now,
		      bool *is_new, char *id_out);

/* Records one sanitizer crash (or leak, timeout, OOM) of a fuzz target on an
 * input that is not a case (parser targets), or that no backend reproduces
 * under replay.  signature (see docs/fuzzing.md "Triage"):
 *   "crash <target>|<sanitizer type>|<frame>|<frame>|<frame>"
 * the crash type plus the top three meaningful frames, as ClusterFuzz
 * deduplicates.  The folder holds input.bin, report.txt (the sanitizer's
 * report, truncated to 64 KiB) and signature.txt; a known signature bumps
 * count / last_seen and keeps the smaller input. */
sd_err store_add_crash(struct store *s, const char *target, const char *signature, const uint8_t *input,
		       size_t input_len, const char *report, int64_t now, bool *is_new, char *id_out);

/* Fuzzer artifacts already triaged (by SHA-256 of their content), so that
 * a campaign resumed after a kill triages each artifact once. */
sd_err store_artifact_seen(struct store *s, const uint8_t sha256[32], bool *seen);
sd_err store_artifact_mark(struct store *s, const uint8_t sha256[32], const char *target, int64_t now);

enum store_kind { STORE_DIVERGENCE, STORE_CRASH };

struct store_finding {
	char id[17];
	enum store_kind kind;
	char target[64];    /* fuzz target that found it first ("" for replay) */
	char signature[512];
	int64_t first_seen, last_seen;
	uint64_t count;
	char versions[256]; /* "own=...,libssh=...,verifier=..." */
};
/* The store's folder and a finding's folder (DIR/findings/<id>). */
const char *store_dir(const struct store *s);
/* Calls fn for every finding, ordered by first_seen. */
sd_err store_list(struct store *s, void (*fn)(void *ctx, const struct store_finding *f), void *ctx);

#endif

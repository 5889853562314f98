/*
 * store.c — the finding store (store.h): DIR/findings.db and one folder per
 * finding under DIR/findings/<id>/.
 *
 * Order of writes, so that a process killed anywhere loses nothing it had
 * saved: inside one IMMEDIATE transaction (which also serialises campaign
 * workers sharing DIR), the folder's files are written first, each through
 * temp-fsync-rename (fsutil.h), then the row is inserted or updated and the
 * transaction commits.  Killed before the commit, the row is absent and the
 * next occurrence of the signature writes the folder again; killed after,
 * both are whole.  The versions column holds the backend versions of the
 * latest occurrence (does the finding still reproduce with today's builds?).
 *
 * Schema history (schema_version): 1 findings(id, signature, first_seen,
 * last_seen, count, versions, case_size); 2 adds findings.kind (0
 * divergence, 1 crash), findings.target (the fuzz target that found it
 * first) and artifacts(sha256, target, triaged), the fuzzer artifacts
 * already triaged.  store_open migrates an older database in the same
 * transaction that checks it, so a kill leaves it wholly old or wholly new.
 */
#include "oracle/store.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "oracle/fsutil.h"
#include "oracle/report.h"

#define STORE_SCHEMA_VERSION 2
/* store.h: report.txt keeps the start of a longer sanitizer report. */
#define STORE_REPORT_MAX (64 * 1024)
#define STORE_BUSY_MS 10000

struct store {
	char dir[PATH_MAX];
	char db_path[PATH_MAX];
	sqlite3 *db;
	char err[PATH_MAX + 256];
};

static const char version_sql[] = "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);";

/* A new database gets the current layout at once. */
static const char schema_sql[] =
	"CREATE TABLE findings("
	" id TEXT PRIMARY KEY,"
	" signature TEXT NOT NULL UNIQUE,"
	" first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL,"
	" count INTEGER NOT NULL,"
	" versions TEXT NOT NULL,"
	" case_size INTEGER NOT NULL,"
	" kind INTEGER NOT NULL DEFAULT 0,"
	" target TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE artifacts("
	" sha256 TEXT PRIMARY KEY,"
	" target TEXT NOT NULL,"
	" triaged INTEGER NOT NULL);";

/* Version 1 to 2: every existing row is a divergence found by replay. */
static const char migrate_v1_sql[] =
	"ALTER TABLE findings ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE findings ADD COLUMN target TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE artifacts("
	" sha256 TEXT PRIMARY KEY,"
	" target TEXT NOT NULL,"
	" triaged INTEGER NOT NULL);"
	"UPDATE schema_version SET version = 2;";

static sd_err store_fail(struct store *s, sd_err err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static sd_err store_fail(struct store *s, sd_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return err;
}

static sd_err db_fail(struct store *s)
{
	return store_fail(s, SD_ERR_INTERNAL, "%s: %s", s->db_path, sqlite3_errmsg(s->db));
}

const char *store_last_error(const struct store *s)
{
	return s->err;
}

static sd_err exec(struct store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? SD_OK : db_fail(s);
}

/* schema_version holds one row.  No row: a new database, given the
 * current layout; an older version is migrated; a database written by a
 * newer layout is refused rather than misread. */
static sd_err check_schema(struct store *s)
{
	sqlite3_stmt *st;
	int rc, version = -1;
	char sql[64];
	sd_err err;

	if (sqlite3_prepare_v2(s->db, "SELECT version FROM schema_version", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s);
	switch (version) {
	case -1:
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES(%d)", STORE_SCHEMA_VERSION);
		if ((err = exec(s, schema_sql)) != SD_OK)
			return err;
		return exec(s, sql);
	case 1:
		return exec(s, migrate_v1_sql);
	case STORE_SCHEMA_VERSION:
		return SD_OK;
	default:
		return store_fail(s, SD_ERR_UNSUPPORTED, "%s: schema version %d, this build reads %d", s->db_path,
				  version, STORE_SCHEMA_VERSION);
	}
}

static sd_err open_db(struct store *s)
{
	sd_err err;

	if (sqlite3_open_v2(s->db_path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		return s->db ? db_fail(s) : store_fail(s, SD_ERR_NOMEM, "%s: out of memory", s->db_path);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if ((err = exec(s, "BEGIN IMMEDIATE")) != SD_OK)
		return err;
	if ((err = exec(s, version_sql)) != SD_OK || (err = check_schema(s)) != SD_OK) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return err;
	}
	return exec(s, "COMMIT");
}

sd_err store_open(const char *dir, struct store **out, char *err_msg, size_t err_msg_size)
{
	char findings[PATH_MAX];
	struct store *s;
	sd_err err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return SD_ERR_NOMEM;
	if ((size_t)snprintf(s->dir, sizeof(s->dir), "%s", dir) >= sizeof(s->dir) ||
	    (size_t)snprintf(s->db_path, sizeof(s->db_path), "%s/findings.db", dir) >= sizeof(s->db_path) ||
	    (size_t)snprintf(findings, sizeof(findings), "%s/findings", dir) >= sizeof(findings)) {
		err = store_fail(s, SD_ERR_INVALID_ARG, "%s: path too long", dir);
	} else if (fs_mkdir_p(findings) != SD_OK) {
		err = store_fail(s, SD_ERR_INVALID_ARG, "%s: %s", findings, strerror(errno));
	} else {
		err = open_db(s);
	}
	if (err != SD_OK) {
		if (err_msg && err_msg_size)
			snprintf(err_msg, err_msg_size, "%s", s->err);
		store_close(s);
		return err;
	}
	*out = s;
	return SD_OK;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	free(s);
}

/* The id: the first 8 bytes of SHA-256(signature), hex. */
static sd_err finding_id(const char *signature, char id[17])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;

	if (EVP_Digest(signature, strlen(signature), md, &md_len, EVP_sha256(), NULL) != 1 || md_len < 8)
		return SD_ERR_INTERNAL;
	for (unsigned i = 0; i < 8; i++) {
		id[2 * i] = hex[md[i] >> 4];
		id[2 * i + 1] = hex[md[i] & 15];
	}
	id[16] = '\0';
	return SD_OK;
}

/* "own=sshdiff-engine 0.1.0,libssh=libssh 0.10.6,...", registry order,
 * cut (never overflowing) if it does not fit the column's contract size. */
static void versions_string(const struct observations *obs, size_t n, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t b = 0; b < n && len < size; b++) {
		int w = snprintf(out + len, size - len, "%s%.*s=%.*s", b ? "," : "",
				 (int)strnlen(obs[b].backend, sizeof(obs[b].backend)), obs[b].backend,
				 (int)strnlen(obs[b].version, sizeof(obs[b].version)), obs[b].version);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* DIR/findings/<id>, created (and made durable in findings/) if new. */
static sd_err make_folder(struct store *s, const char *id, char *folder, size_t size)
{
	char findings[PATH_MAX];

	snprintf(findings, sizeof(findings), "%s/findings", s->dir);
	if ((size_t)snprintf(folder, size, "%s/%s", findings, id) >= size)
		return store_fail(s, SD_ERR_INVALID_ARG, "%s: path too long", findings);
	if (fs_mkdir_p(folder) != SD_OK || fs_sync_dir(findings) != SD_OK)
		return store_fail(s, SD_ERR_INVALID_ARG, "%s: %s", folder, strerror(errno));
	return SD_OK;
}

/* signature.txt: the signature and a newline. */
static sd_err write_signature(struct store *s, const char *folder, const char *signature)
{
	struct sbuf sig = SBUF_INIT;
	sd_err err;

	if ((err = sbuf_put(&sig, signature, strlen(signature))) != SD_OK || (err = sbuf_put(&sig, "\n", 1)) != SD_OK)
		store_fail(s, err, "%s: out of memory", folder);
	else if ((err = fs_write_atomic(folder, "signature.txt", sig.data, sig.len)) != SD_OK)
		store_fail(s, err, "%s/signature.txt: %s", folder, strerror(errno));
	sbuf_free(&sig);
	return err;
}

/* What one occurrence writes into its folder, and the numbers of its row. */
struct occurrence {
	enum store_kind kind;
	const char *target;
	const char *signature;
	int64_t size;       /* the reproducer's size: case.bin or input.bin */
	const char *versions;
	/* divergence */
	const struct sshdiff_case *c;
	const struct observations *obs;
	size_t n;
	const struct comparison *cmp;
	const struct sbuf *bin;
	/* crash */
	const uint8_t *input;
	const char *report;
};

/* A divergence: signature.txt, case.txt, observations.json, case.bin. */
static sd_err write_divergence(struct store *s, const char *folder, const struct occurrence *o)
{
	struct sbuf txt = SBUF_INIT, json = SBUF_INIT;
	sd_err err;

	if ((err = case_print_text(o->c, &txt)) != SD_OK ||
	    (err = report_json("case.bin", o->c, o->obs, o->n, o->cmp, &json)) != SD_OK ||
	    (err = sbuf_put(&json, "\n", 1)) != SD_OK) {
		store_fail(s, err, "%s: cannot format the finding (%s)", folder, sd_err_rule(err));
		goto out;
	}
	/* case.bin last: it is what says "this folder holds a case". */
	if ((err = write_signature(s, folder, o->signature)) != SD_OK)
		goto out;
	if ((err = fs_write_atomic(folder, "case.txt", txt.data, txt.len)) != SD_OK ||
	    (err = fs_write_atomic(folder, "observations.json", json.data, json.len)) != SD_OK ||
	    (err = fs_write_atomic(folder, "case.bin", o->bin->data, o->bin->len)) != SD_OK)
		store_fail(s, err, "%s: %s", folder, strerror(errno));
out:
	sbuf_free(&txt);
	sbuf_free(&json);
	return err;
}

/* A crash: signature.txt, report.txt (its first STORE_REPORT_MAX bytes),
 * input.bin last, as case.bin above. */
static sd_err write_crash(struct store *s, const char *folder, const struct occurrence *o)
{
	size_t report_len = strlen(o->report);
	sd_err err;

	if (report_len > STORE_REPORT_MAX)
		report_len = STORE_REPORT_MAX;
	if ((err = write_signature(s, folder, o->signature)) != SD_OK)
		return err;
	if ((err = fs_write_atomic(folder, "report.txt", (const uint8_t *)o->report, report_len)) != SD_OK ||
	    (err = fs_write_atomic(folder, "input.bin", o->input, (size_t)o->size)) != SD_OK)
		return store_fail(s, err, "%s: %s", folder, strerror(errno));
	return SD_OK;
}

/* Looks the id up: *found, and the stored reproducer's size. */
static sd_err lookup(struct store *s, const char *id, const char *signature, bool *found, int64_t *case_size)
{
	sqlite3_stmt *st;
	int rc;
	sd_err err = SD_OK;

	*found = false;
	if (sqlite3_prepare_v2(s->db, "SELECT signature, case_size FROM findings WHERE id = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(s);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *sig = (const char *)sqlite3_column_text(st, 0);

		*found = true;
		*case_size = sqlite3_column_int64(st, 1);
		/* 64 bits of SHA-256: a collision means a bug, not bad luck. */
		if (!sig || strcmp(sig, signature) != 0)
			err = store_fail(s, SD_ERR_INTERNAL, "%s: id %s already names signature '%s'", s->db_path, id,
					 sig ? sig : "");
	} else if (rc != SQLITE_DONE) {
		err = db_fail(s);
	}
	sqlite3_finalize(st);
	return err;
}

/* Kind and target are the first occurrence's: an update leaves them. */
static sd_err record_row(struct store *s, bool is_new, const char *id, const struct occurrence *o, int64_t now)
{
	static const char insert_sql[] =
		"INSERT INTO findings(id, signature, first_seen, last_seen, count, versions, case_size, kind, target)"
		" VALUES(?1, ?2, ?3, ?3, 1, ?4, ?5, ?6, ?7)";
	static const char update_sql[] =
		"UPDATE findings SET count = count + 1, last_seen = max(last_seen, ?3), versions = ?4,"
		" case_size = min(case_size, ?5) WHERE id = ?1 AND signature = ?2";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, is_new ? insert_sql : update_sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->signature, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, o->versions, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, o->size);
	if (is_new) {
		sqlite3_bind_int(st, 6, o->kind == STORE_CRASH ? 1 : 0);
		sqlite3_bind_text(st, 7, o->target, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SD_OK : db_fail(s);
}

static sd_err add_locked(struct store *s, const struct occurrence *o, int64_t now, bool *is_new, const char *id)
{
	char folder[PATH_MAX];
	int64_t stored_size = 0;
	bool found;
	sd_err err;

	if ((err = lookup(s, id, o->signature, &found, &stored_size)) != SD_OK)
		return err;
	/* A known finding keeps the smallest reproducer seen. */
	if (!found || o->size < stored_size) {
		if ((err = make_folder(s, id, folder, sizeof(folder))) != SD_OK)
			return err;
		err = o->kind == STORE_CRASH ? write_crash(s, folder, o) : write_divergence(s, folder, o);
		if (err == SD_OK && fs_sync_dir(folder) != SD_OK)
			err = store_fail(s, SD_ERR_INVALID_ARG, "%s: %s", folder, strerror(errno));
		if (err != SD_OK)
			return err;
	}
	if ((err = record_row(s, !found, id, o, now)) != SD_OK)
		return err;
	*is_new = !found;
	return SD_OK;
}

/* One occurrence, in one IMMEDIATE transaction (see the top of the file). */
static sd_err add(struct store *s, const struct occurrence *o, int64_t now, bool *is_new, char *id_out)
{
	char id[17];
	sd_err err;

	s->err[0] = '\0';
	*is_new = false;
	if (!o->signature[0])
		return store_fail(s, SD_ERR_INVALID_ARG, "%s: nothing to record (no signature)", s->dir);
	if (strlen(o->signature) >= sizeof(((struct store_finding *)0)->signature))
		return store_fail(s, SD_ERR_INVALID_ARG, "%s: signature longer than %zu bytes", s->dir,
				  sizeof(((struct store_finding *)0)->signature) - 1);
	if (strlen(o->target) >= sizeof(((struct store_finding *)0)->target))
		return store_fail(s, SD_ERR_INVALID_ARG, "%s: target name '%s' too long", s->dir, o->target);
	if ((err = finding_id(o->signature, id)) != SD_OK)
		return store_fail(s, err, "%s: SHA-256 failed", s->dir);
	if ((err = exec(s, "BEGIN IMMEDIATE")) != SD_OK)
		return err;
	err = add_locked(s, o, now, is_new, id);
	if (err == SD_OK)
		err = exec(s, "COMMIT");
	if (err != SD_OK) {
		*is_new = false;
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return err;
	}
	if (id_out)
		memcpy(id_out, id, sizeof(id));
	return SD_OK;
}

sd_err store_add_from(struct store *s, const char *target, const struct sshdiff_case *c,
		      const struct observations *obs, size_t n, const struct comparison *cmp, int64_t now,
		      bool *is_new, char *id_out)
{
	char versions[sizeof(((struct store_finding *)0)->versions)];
	struct sbuf bin = SBUF_INIT;
	struct occurrence o = {
		.kind = STORE_DIVERGENCE,
		.target = target ? target : "",
		.signature = cmp->signature,
		.versions = versions,
		.c = c,
		.obs = obs,
		.n = n,
		.cmp = cmp,
		.bin = &bin,
	};
	sd_err err;

	*is_new = false;
	s->err[0] = '\0';
	if ((err = case_write_binary(c, &bin)) != SD_OK)
		return store_fail(s, err, "%s: cannot encode the case (%s)", s->dir, sd_err_rule(err));
	versions_string(obs, n, versions, sizeof(versions));
	o.size = (int64_t)bin.len;
	err = add(s, &o, now, is_new, id_out);
	sbuf_free(&bin);
	return err;
}

sd_err store_add(struct store *s, const struct sshdiff_case *c, const struct observations *obs, size_t n,
		 const struct comparison *cmp, int64_t now, bool *is_new, char *id_out)
{
	return store_add_from(s, "", c, obs, n, cmp, now, is_new, id_out);
}

sd_err store_add_crash(struct store *s, const char *target, const char *signature, const uint8_t *input,
		       size_t input_len, const char *report, int64_t now, bool *is_new, char *id_out)
{
	struct occurrence o = {
		.kind = STORE_CRASH,
		.target = target ? target : "",
		.signature = signature,
		.size = (int64_t)input_len,
		.versions = "",
		.input = input,
		.report = report ? report : "",
	};

	*is_new = false;
	if (input_len > (size_t)INT64_MAX || (input_len && !input))
		return store_fail(s, SD_ERR_INVALID_ARG, "%s: no input to record", s->dir);
	return add(s, &o, now, is_new, id_out);
}

static void sha256_hex(const uint8_t sha256[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < 32; i++) {
		hex[2 * i] = digits[sha256[i] >> 4];
		hex[2 * i + 1] = digits[sha256[i] & 15];
	}
	hex[64] = '\0';
}

sd_err store_artifact_seen(struct store *s, const uint8_t sha256[32], bool *seen)
{
	sqlite3_stmt *st;
	char hex[65];
	int rc;

	s->err[0] = '\0';
	*seen = false;
	sha256_hex(sha256, hex);
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM artifacts WHERE sha256 = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s);
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		*seen = true;
	else if (rc != SQLITE_DONE)
		return db_fail(s);
	return SD_OK;
}

/* One statement, so SQLite's own transaction makes it atomic. */
sd_err store_artifact_mark(struct store *s, const uint8_t sha256[32], const char *target, int64_t now)
{
	sqlite3_stmt *st;
	char hex[65];
	int rc;

	s->err[0] = '\0';
	sha256_hex(sha256, hex);
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO artifacts(sha256, target, triaged) VALUES(?1, ?2, ?3)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s);
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, target ? target : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SD_OK : db_fail(s);
}

const char *store_dir(const struct store *s)
{
	return s->dir;
}

static void copy_text(char *dst, size_t size, const unsigned char *src)
{
	snprintf(dst, size, "%s", src ? (const char *)src : "");
}

sd_err store_list(struct store *s, void (*fn)(void *ctx, const struct store_finding *f), void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	s->err[0] = '\0';
	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, signature, first_seen, last_seen, count, versions, kind, target FROM findings"
			       " ORDER BY first_seen, id",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_finding f;

		memset(&f, 0, sizeof(f));
		copy_text(f.id, sizeof(f.id), sqlite3_column_text(st, 0));
		copy_text(f.signature, sizeof(f.signature), sqlite3_column_text(st, 1));
		f.first_seen = sqlite3_column_int64(st, 2);
		f.last_seen = sqlite3_column_int64(st, 3);
		f.count = (uint64_t)sqlite3_column_int64(st, 4);
		copy_text(f.versions, sizeof(f.versions), sqlite3_column_text(st, 5));
		f.kind = sqlite3_column_int(st, 6) == 1 ? STORE_CRASH : STORE_DIVERGENCE;
		copy_text(f.target, sizeof(f.target), sqlite3_column_text(st, 7));
		fn(ctx, &f);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SD_OK : db_fail(s);
}

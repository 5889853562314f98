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

#define STORE_SCHEMA_VERSION 1
#define STORE_BUSY_MS 10000

struct store {
	char dir[PATH_MAX];
	char db_path[PATH_MAX];
	sqlite3 *db;
	char err[PATH_MAX + 256];
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS findings("
	" id TEXT PRIMARY KEY,"
	" signature TEXT NOT NULL UNIQUE,"
	" first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL,"
	" count INTEGER NOT NULL,"
	" versions TEXT NOT NULL,"
	" case_size INTEGER NOT NULL);";

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

/* schema_version holds one row; a database written by a newer layout is
 * refused rather than misread. */
static sd_err check_schema(struct store *s)
{
	sqlite3_stmt *st;
	int rc, version = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT version FROM schema_version", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s);
	if (version < 0) {
		char sql[64];

		snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES(%d)", STORE_SCHEMA_VERSION);
		return exec(s, sql);
	}
	if (version != STORE_SCHEMA_VERSION)
		return store_fail(s, SD_ERR_UNSUPPORTED, "%s: schema version %d, this build reads %d", s->db_path,
				  version, STORE_SCHEMA_VERSION);
	return SD_OK;
}

static sd_err open_db(struct store *s)
{
	sd_err err;

	if (sqlite3_open_v2(s->db_path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		return s->db ? db_fail(s) : store_fail(s, SD_ERR_NOMEM, "%s: out of memory", s->db_path);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if ((err = exec(s, "BEGIN IMMEDIATE")) != SD_OK)
		return err;
	if ((err = exec(s, schema_sql)) != SD_OK || (err = check_schema(s)) != SD_OK) {
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

/* The four files of a finding folder; the folder itself is created (and
 * made durable in findings/) when new. */
static sd_err write_folder(struct store *s, const char *id, const struct sshdiff_case *c,
			   const struct observations *obs, size_t n, const struct comparison *cmp,
			   const struct sbuf *bin)
{
	char findings[PATH_MAX], folder[PATH_MAX];
	struct sbuf txt = SBUF_INIT, json = SBUF_INIT, sig = SBUF_INIT;
	sd_err err;

	snprintf(findings, sizeof(findings), "%s/findings", s->dir);
	if ((size_t)snprintf(folder, sizeof(folder), "%s/%s", findings, id) >= sizeof(folder))
		return store_fail(s, SD_ERR_INVALID_ARG, "%s: path too long", findings);
	if (fs_mkdir_p(folder) != SD_OK || fs_sync_dir(findings) != SD_OK)
		return store_fail(s, SD_ERR_INVALID_ARG, "%s: %s", folder, strerror(errno));
	if ((err = case_print_text(c, &txt)) != SD_OK ||
	    (err = report_json("case.bin", c, obs, n, cmp, &json)) != SD_OK ||
	    (err = sbuf_put(&json, "\n", 1)) != SD_OK) {
		store_fail(s, err, "%s: cannot format the finding (%s)", folder, sd_err_rule(err));
		goto out;
	}
	/* case.bin last: it is what says "this folder holds a case". */
	if ((err = sbuf_put(&sig, cmp->signature, strlen(cmp->signature))) != SD_OK ||
	    (err = sbuf_put(&sig, "\n", 1)) != SD_OK) {
		store_fail(s, err, "%s: out of memory", folder);
		goto out;
	}
	if (fs_write_atomic(folder, "signature.txt", sig.data, sig.len) != SD_OK ||
	    fs_write_atomic(folder, "case.txt", txt.data, txt.len) != SD_OK ||
	    fs_write_atomic(folder, "observations.json", json.data, json.len) != SD_OK ||
	    fs_write_atomic(folder, "case.bin", bin->data, bin->len) != SD_OK || fs_sync_dir(folder) != SD_OK) {
		err = store_fail(s, SD_ERR_INVALID_ARG, "%s: %s", folder, strerror(errno));
		goto out;
	}
	err = SD_OK;
out:
	sbuf_free(&txt);
	sbuf_free(&json);
	sbuf_free(&sig);
	return err;
}

/* Looks the id up: *found, and the stored case's size. */
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

static sd_err record_row(struct store *s, bool is_new, const char *id, const char *signature, int64_t now,
			 const char *versions, int64_t case_size)
{
	static const char insert_sql[] =
		"INSERT INTO findings(id, signature, first_seen, last_seen, count, versions, case_size)"
		" VALUES(?1, ?2, ?3, ?3, 1, ?4, ?5)";
	static const char update_sql[] =
		"UPDATE findings SET count = count + 1, last_seen = max(last_seen, ?3), versions = ?4,"
		" case_size = min(case_size, ?5) WHERE id = ?1 AND signature = ?2";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, is_new ? insert_sql : update_sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, signature, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, versions, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, case_size);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SD_OK : db_fail(s);
}

static sd_err add_locked(struct store *s, const struct sshdiff_case *c, const struct observations *obs, size_t n,
			 const struct comparison *cmp, int64_t now, bool *is_new, const char *id)
{
	char versions[sizeof(((struct store_finding *)0)->versions)];
	struct sbuf bin = SBUF_INIT;
	int64_t stored_size = 0;
	bool found;
	sd_err err;

	if ((err = lookup(s, id, cmp->signature, &found, &stored_size)) != SD_OK)
		return err;
	if ((err = case_write_binary(c, &bin)) != SD_OK)
		return store_fail(s, err, "%s: cannot encode the case (%s)", s->dir, sd_err_rule(err));
	versions_string(obs, n, versions, sizeof(versions));
	/* A known finding keeps the smallest reproducer seen. */
	if (!found || (int64_t)bin.len < stored_size)
		err = write_folder(s, id, c, obs, n, cmp, &bin);
	if (err == SD_OK)
		err = record_row(s, !found, id, cmp->signature, now, versions, (int64_t)bin.len);
	sbuf_free(&bin);
	*is_new = !found;
	return err;
}

sd_err store_add(struct store *s, const struct sshdiff_case *c, const struct observations *obs, size_t n,
		 const struct comparison *cmp, int64_t now, bool *is_new, char *id_out)
{
	char id[17];
	sd_err err;

	s->err[0] = '\0';
	*is_new = false;
	if (!cmp->signature[0])
		return store_fail(s, SD_ERR_INVALID_ARG, "%s: nothing to record (no divergence signature)", s->dir);
	if ((err = finding_id(cmp->signature, id)) != SD_OK)
		return store_fail(s, err, "%s: SHA-256 failed", s->dir);
	if ((err = exec(s, "BEGIN IMMEDIATE")) != SD_OK)
		return err;
	err = add_locked(s, c, obs, n, cmp, now, is_new, id);
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
			       "SELECT id, signature, first_seen, last_seen, count, versions FROM findings"
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
		fn(ctx, &f);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SD_OK : db_fail(s);
}

/*
 * test_store.c — the finding store: a new signature makes a folder and a
 * row, a known one bumps the count and keeps the smaller case, everything
 * survives closing and reopening, and a process killed in the middle of
 * writing (here by RLIMIT_FSIZE, which stops it with SIGXFSZ at a chosen
 * byte) never leaves a partial file under a final name.  Schema 2: crash
 * findings (input.bin + report.txt), the fuzz target that found a finding,
 * triaged artifacts, and a version 1 database migrated on open.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "oracle/fsutil.h"
#include "oracle/store.h"
#include "tests/support/check.h"

#define SIG_A "send KEX_INIT|RFC4253-8|libssh=accept,own=reject,verifier=reject"
#define SIG_B "expect NEWKEYS|-|libssh=reject,own=accept,verifier=accept"
#define SIG_C "send NEWKEYS|RFC4253-7.3|libssh=accept,own=reject,verifier=reject"
#define SIG_X "crash fuzz_parse_kexinit|heap-buffer-overflow READ 4|msg_parse_kexinit|parse_one|fuzz_body"

static struct observations obs[3];

static void make_obs(void)
{
	static const char *const names[3] = {"own", "libssh", "verifier"};

	memset(obs, 0, sizeof(obs));
	for (int b = 0; b < 3; b++) {
		snprintf(obs[b].backend, sizeof(obs[b].backend), "%s", names[b]);
		snprintf(obs[b].version, sizeof(obs[b].version), "%s-v%d", names[b], b + 1);
		snprintf(obs[b].outcome, sizeof(obs[b].outcome), "completed");
	}
}

static struct comparison make_cmp(const char *sig)
{
	struct comparison cmp;

	memset(&cmp, 0, sizeof(cmp));
	cmp.divergent = true;
	cmp.step = 2;
	snprintf(cmp.signature, sizeof(cmp.signature), "%s", sig);
	return cmp;
}

/* The id is the first 8 bytes of SHA-256(signature), hex (store.h). */
static void expected_id(const char *sig, char id[17])
{
	uint8_t md[32];
	unsigned n = 0;

	EVP_Digest(sig, strlen(sig), md, &n, EVP_sha256(), NULL);
	for (int i = 0; i < 8; i++)
		snprintf(id + 2 * i, 3, "%02x", md[i]);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Every file of the folder that exists under its final name is whole:
 * the cases load and equal c, the signature and the JSON are complete.
 * With require, all four must exist. */
static void check_folder(const char *folder, const struct sshdiff_case *c, const char *sig, bool require)
{
	static struct sshdiff_case loaded;
	char path[PATH_MAX], msg[512];
	size_t len;
	char *s;

	snprintf(path, sizeof(path), "%s/case.bin", folder);
	if (exists(path)) {
		CHECK_OK(case_load(path, &loaded, msg, sizeof(msg)));
		CHECK(case_equal(&loaded, c));
	} else {
		CHECK(!require);
	}
	snprintf(path, sizeof(path), "%s/case.txt", folder);
	if (exists(path)) {
		CHECK_OK(case_load(path, &loaded, msg, sizeof(msg)));
		CHECK(case_equal(&loaded, c));
	} else {
		CHECK(!require);
	}
	snprintf(path, sizeof(path), "%s/signature.txt", folder);
	if ((s = check_read_file(path, &len)) != NULL) {
		CHECK(len == strlen(sig) + 1 && memcmp(s, sig, len - 1) == 0 && s[len - 1] == '\n');
		free(s);
	} else {
		CHECK(!require);
	}
	snprintf(path, sizeof(path), "%s/observations.json", folder);
	if ((s = check_read_file(path, &len)) != NULL) {
		CHECK(strncmp(s, "{\"case\":\"case.bin\",\"divergent\":true,", 36) == 0);
		CHECK(len > 3 && strcmp(s + len - 3, "}}\n") == 0);
		CHECK(strstr(s, sig) != NULL);
		free(s);
	} else {
		CHECK(!require);
	}
}

struct listing {
	struct store_finding f[8];
	size_t n;
};

static void collect(void *ctx, const struct store_finding *f)
{
	struct listing *l = ctx;

	if (l->n < 8)
		l->f[l->n++] = *f;
}

static const struct store_finding *find(const struct listing *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->f[i].id, id) == 0)
			return &l->f[i];
	return NULL;
}

static size_t binary_size(const struct sshdiff_case *c)
{
	struct sbuf b = SBUF_INIT;
	size_t n;

	CHECK_OK(case_write_binary(c, &b));
	n = b.len;
	sbuf_free(&b);
	return n;
}

static char root[PATH_MAX];
static struct sshdiff_case big, small;

static void test_add_and_reopen(void)
{
	char dir[PATH_MAX], folder[PATH_MAX], id[17], want[17], id2[17], msg[512];
	struct comparison a = make_cmp(SIG_A), b = make_cmp(SIG_B);
	struct listing l = {.n = 0};
	struct store *s;
	bool is_new;

	/* Missing parents are created. */
	snprintf(dir, sizeof(dir), "%s/campaign/out", root);
	CHECK_OK(store_open(dir, &s, msg, sizeof(msg)));
	if (!s)
		return;
	expected_id(SIG_A, want);

	CHECK_OK(store_add(s, &big, obs, 3, &a, 1000, &is_new, id));
	CHECK(is_new);
	CHECK_STR(id, want);
	snprintf(folder, sizeof(folder), "%s/findings/%s", dir, id);
	check_folder(folder, &big, SIG_A, true);

	/* Seen again with a smaller case: count 2, the small case kept. */
	CHECK_OK(store_add(s, &small, obs, 3, &a, 2000, &is_new, id));
	CHECK(!is_new);
	CHECK_STR(id, want);
	check_folder(folder, &small, SIG_A, true);

	/* Seen again with the bigger one: count 3, the small case stays. */
	snprintf(obs[1].version, sizeof(obs[1].version), "libssh-v9");
	CHECK_OK(store_add(s, &big, obs, 3, &a, 1500, &is_new, id));
	CHECK(!is_new);
	check_folder(folder, &small, SIG_A, true);

	/* Another signature, another folder. */
	CHECK_OK(store_add(s, &big, obs, 3, &b, 3000, &is_new, id2));
	CHECK(is_new);
	CHECK(strcmp(id, id2) != 0);
	store_close(s);

	/* Reopened: everything is still there, ordered by first_seen. */
	CHECK_OK(store_open(dir, &s, msg, sizeof(msg)));
	if (!s)
		return;
	CHECK_OK(store_list(s, collect, &l));
	CHECK_EQ_U(l.n, 2);
	CHECK_STR(l.f[0].id, want);
	CHECK_STR(l.f[0].signature, SIG_A);
	CHECK_EQ_U(l.f[0].count, 3);
	CHECK_EQ_U(l.f[0].first_seen, 1000);
	CHECK_EQ_U(l.f[0].last_seen, 2000);
	CHECK_STR(l.f[0].versions, "own=own-v1,libssh=libssh-v9,verifier=verifier-v3");
	CHECK_STR(l.f[1].id, id2);
	CHECK_STR(l.f[1].signature, SIG_B);
	CHECK_EQ_U(l.f[1].count, 1);
	CHECK_EQ_U(l.f[1].first_seen, 3000);
	CHECK_EQ_U(l.f[1].last_seen, 3000);
	store_close(s);
	snprintf(obs[1].version, sizeof(obs[1].version), "libssh-v2");
}

static void set_schema_version(const char *dir, int version)
{
	char path[PATH_MAX], sql[64];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/findings.db", dir);
	snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d", version);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

static void test_open_errors(void)
{
	char path[PATH_MAX], msg[512];
	struct store *s = (struct store *)1;
	FILE *f;

	/* DIR exists as a file: the message names the path. */
	snprintf(path, sizeof(path), "%s/plainfile", root);
	f = fopen(path, "w");
	if (f)
		fclose(f);
	CHECK(store_open(path, &s, msg, sizeof(msg)) != SD_OK);
	CHECK(s == NULL);
	CHECK(strstr(msg, path) != NULL);

	/* A database from a future schema is refused, not misread. */
	snprintf(path, sizeof(path), "%s/future", root);
	CHECK_OK(store_open(path, &s, msg, sizeof(msg)));
	store_close(s);
	set_schema_version(path, 99);
	CHECK_ERR(store_open(path, &s, msg, sizeof(msg)), SD_ERR_UNSUPPORTED);
	CHECK(strstr(msg, "findings.db") != NULL);
}

/* Child: open, limit the size of any file it writes to `limit` bytes, then
 * add: SIGXFSZ stops it at that byte of whatever file it is writing. */
static void __attribute__((noreturn)) run_with_limit(const char *dir, rlim_t limit,
						     sd_err (*add)(struct store *s, const void *arg), const void *arg)
{
	struct rlimit rl = {limit, limit};
	struct store *s;

	if (store_open(dir, &s, NULL, 0) != SD_OK)
		_exit(10);
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		_exit(11);
	if (add(s, arg) != SD_OK)
		_exit(12);
	_exit(0);
}

static sd_err add_big(struct store *s, const void *arg)
{
	struct comparison c = make_cmp(SIG_C);
	char id[17];
	bool is_new;

	(void)arg;
	return store_add(s, &big, obs, 3, &c, 5000, &is_new, id);
}

static void __attribute__((noreturn)) add_with_limit(const char *dir, rlim_t limit)
{
	run_with_limit(dir, limit, add_big, NULL);
}

static void test_killed_while_writing(void)
{
	static const rlim_t limits[] = {0, 1, 20, 100, 300, 700, 1500, 3000, 6000, 12000, 25000, 50000, 200000};
	char dir[PATH_MAX], folder[PATH_MAX], id[17], msg[512];
	struct comparison c = make_cmp(SIG_C);
	int killed = 0, completed = 0;
	struct listing l = {.n = 0};
	const struct store_finding *f;
	struct store *s;
	bool is_new;

	snprintf(dir, sizeof(dir), "%s/killed", root);
	CHECK_OK(store_open(dir, &s, msg, sizeof(msg)));
	store_close(s);
	expected_id(SIG_C, id);
	snprintf(folder, sizeof(folder), "%s/findings/%s", dir, id);
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		int status = 0;
		pid_t pid = fork();

		if (pid == 0)
			add_with_limit(dir, limits[i]);
		CHECK(pid > 0);
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status)) {
			CHECK_EQ_U(WTERMSIG(status), SIGXFSZ);
			killed++;
		} else {
			CHECK(WIFEXITED(status));
			completed++;
		}
		/* Whatever was killed where, nothing partial is visible, and the
		 * database still opens. */
		check_folder(folder, &big, SIG_C, false);
		CHECK_OK(store_open(dir, &s, msg, sizeof(msg)));
		if (s)
			store_close(s);
	}
	/* The limits must have hit the writes, and the largest let it finish. */
	CHECK(killed >= 5);
	CHECK(completed >= 1);

	/* A normal add afterwards leaves a whole folder and one more count. */
	CHECK_OK(store_open(dir, &s, msg, sizeof(msg)));
	if (!s)
		return;
	CHECK_OK(store_add(s, &big, obs, 3, &c, 6000, &is_new, id));
	check_folder(folder, &big, SIG_C, true);
	CHECK_OK(store_list(s, collect, &l));
	CHECK_EQ_U(l.n, 1);
	f = find(&l, id);
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ_U(f->count, (uint64_t)completed + 1);
		CHECK_EQ_U(f->last_seen, 6000);
	}
	store_close(s);
}

/* The layout of schema version 1, as the first release wrote it. */
static const char v1_sql[] =
	"CREATE TABLE schema_version(version INTEGER NOT NULL);"
	"INSERT INTO schema_version VALUES(1);"
	"CREATE TABLE findings(id TEXT PRIMARY KEY, signature TEXT NOT NULL UNIQUE, first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL, count INTEGER NOT NULL, versions TEXT NOT NULL, case_size INTEGER NOT NULL);";

static int schema_version(const char *dir)
{
	char path[PATH_MAX];
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int v = -1;

	snprintf(path, sizeof(path), "%s/findings.db", dir);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* A store written by schema 1 opens, keeps its rows (divergences found by
 * replay: kind divergence, no target) and takes the new kinds of record. */
static void test_migrate_v1(void)
{
	char dir[PATH_MAX], path[PATH_MAX], sql[512], id[17], idx[17], msg[512];
	struct comparison a = make_cmp(SIG_A);
	struct listing l = {.n = 0};
	uint8_t sha[32] = {7};
	const struct store_finding *f;
	sqlite3 *db = NULL;
	struct store *s;
	bool is_new, seen;

	snprintf(dir, sizeof(dir), "%s/v1", root);
	CHECK_OK(fs_mkdir_p(dir));
	snprintf(path, sizeof(path), "%s/findings.db", dir);
	expected_id(SIG_A, id);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO findings VALUES('%s', '%s', 100, 200, 4, 'own=o,libssh=l,verifier=v', 999999);", id,
		 SIG_A);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, v1_sql, NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);

	CHECK_OK(store_open(dir, &s, msg, sizeof(msg)));
	if (!s)
		return;
	CHECK_EQ_U(schema_version(dir), 2);
	CHECK_OK(store_list(s, collect, &l));
	CHECK_EQ_U(l.n, 1);
	CHECK_STR(l.f[0].signature, SIG_A);
	CHECK(l.f[0].kind == STORE_DIVERGENCE);
	CHECK_STR(l.f[0].target, "");
	CHECK_EQ_U(l.f[0].count, 4);
	/* The old row takes a new occurrence; its (bigger) size was the old
	 * folder's, so the new case replaces it. */
	CHECK_OK(store_add_from(s, "fuzz_differential", &small, obs, 3, &a, 300, &is_new, idx));
	CHECK(!is_new);
	CHECK_STR(idx, id);
	CHECK_OK(store_artifact_seen(s, sha, &seen));
	CHECK(!seen);
	CHECK_OK(store_artifact_mark(s, sha, "fuzz_differential", 300));
	store_close(s);

	/* Reopened as version 2: no second migration, everything kept. */
	CHECK_OK(store_open(dir, &s, msg, sizeof(msg)));
	if (!s)
		return;
	l.n = 0;
	CHECK_OK(store_list(s, collect, &l));
	CHECK_EQ_U(l.n, 1);
	f = find(&l, id);
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ_U(f->count, 5);
		CHECK_EQ_U(f->first_seen, 100);
		CHECK_EQ_U(f->last_seen, 300);
		/* The target is the first finder's: replay, before fuzzing existed. */
		CHECK_STR(f->target, "");
	}
	snprintf(path, sizeof(path), "%s/findings/%s", dir, id);
	check_folder(path, &small, SIG_A, true);
	CHECK_OK(store_artifact_seen(s, sha, &seen));
	CHECK(seen);
	store_close(s);
}

static void check_file(const char *folder, const char *name, const void *want, size_t want_len)
{
	char path[PATH_MAX];
	size_t len = 0;
	char *got;

	snprintf(path, sizeof(path), "%s/%s", folder, name);
	got = check_read_file(path, &len);
	CHECK(got != NULL);
	if (!got)
		return;
	CHECK_EQ_U(len, want_len);
	if (len == want_len)
		CHECK(memcmp(got, want, len) == 0);
	free(got);
}

/* Crash findings: folder input.bin + report.txt + signature.txt, the
 * smaller input kept, the report cut at 64 KiB, kind and target listed. */
static void test_crash(void)
{
	static char report[70000];
	static const uint8_t big_in[] = "0123456789abcdef-long-input", small_in[] = "0123";
	char dir[PATH_MAX], folder[PATH_MAX], id[17], want[17], msg[512], sig_nl[sizeof(SIG_X) + 1];
	struct comparison b = make_cmp(SIG_B);
	struct listing l = {.n = 0};
	const struct store_finding *f;
	struct store *s;
	bool is_new;

	memset(report, 'r', sizeof(report) - 1);
	memcpy(report, "==1==ERROR: AddressSanitizer", 28);
	snprintf(dir, sizeof(dir), "%s/crash", root);
	CHECK_OK(store_open(dir, &s, msg, sizeof(msg)));
	if (!s)
		return;
	CHECK_STR(store_dir(s), dir);
	expected_id(SIG_X, want);
	CHECK_OK(store_add_crash(s, "fuzz_parse_kexinit", SIG_X, big_in, sizeof(big_in), "short report", 10, &is_new,
				 id));
	CHECK(is_new);
	CHECK_STR(id, want);
	snprintf(folder, sizeof(folder), "%s/findings/%s", dir, id);
	snprintf(sig_nl, sizeof(sig_nl), "%s\n", SIG_X);
	check_file(folder, "signature.txt", sig_nl, strlen(sig_nl));
	check_file(folder, "input.bin", big_in, sizeof(big_in));
	check_file(folder, "report.txt", "short report", 12);

	/* Smaller input: replaces the folder's files, the report is cut. */
	CHECK_OK(store_add_crash(s, "fuzz_other", SIG_X, small_in, sizeof(small_in), report, 20, &is_new, id));
	CHECK(!is_new);
	check_file(folder, "input.bin", small_in, sizeof(small_in));
	check_file(folder, "report.txt", report, 64 * 1024);
	/* Bigger again: kept as is. */
	CHECK_OK(store_add_crash(s, "fuzz_other", SIG_X, big_in, sizeof(big_in), "other", 15, &is_new, id));
	check_file(folder, "input.bin", small_in, sizeof(small_in));

	/* A divergence from a target, then from replay: the first target stays. */
	CHECK_OK(store_add_from(s, "fuzz_differential", &big, obs, 3, &b, 30, &is_new, id));
	CHECK(is_new);
	CHECK_OK(store_add(s, &big, obs, 3, &b, 40, &is_new, id));
	CHECK(!is_new);

	/* Empty signatures and over-long target names are refused. */
	CHECK_ERR(store_add_crash(s, "t", "", small_in, 1, "", 1, &is_new, id), SD_ERR_INVALID_ARG);
	CHECK_ERR(store_add_crash(s, "fuzz_a_very_long_target_name_that_does_not_fit_the_sixty_four_bytes", SIG_X,
				  small_in, 1, "", 1, &is_new, id),
		  SD_ERR_INVALID_ARG);
	CHECK(strstr(store_last_error(s), "too long") != NULL);

	CHECK_OK(store_list(s, collect, &l));
	CHECK_EQ_U(l.n, 2);
	f = find(&l, want);
	CHECK(f != NULL);
	if (f) {
		CHECK(f->kind == STORE_CRASH);
		CHECK_STR(f->target, "fuzz_parse_kexinit");
		CHECK_EQ_U(f->count, 3);
		CHECK_EQ_U(f->first_seen, 10);
		CHECK_EQ_U(f->last_seen, 20);
		CHECK_STR(f->versions, "");
	}
	expected_id(SIG_B, want);
	f = find(&l, want);
	CHECK(f != NULL);
	if (f) {
		CHECK(f->kind == STORE_DIVERGENCE);
		CHECK_STR(f->target, "fuzz_differential");
		CHECK_EQ_U(f->count, 2);
	}
	store_close(s);
}

/* Artifacts: unseen until marked, marking twice is fine, kept on reopen. */
static void test_artifacts(void)
{
	uint8_t a[32], b[32];
	char dir[PATH_MAX], msg[512];
	struct store *s;
	bool seen = true;

	memset(a, 0xa5, sizeof(a));
	memcpy(b, a, sizeof(b));
	b[31] ^= 1;
	snprintf(dir, sizeof(dir), "%s/artifacts", root);
	CHECK_OK(store_open(dir, &s, msg, sizeof(msg)));
	if (!s)
		return;
	CHECK_OK(store_artifact_seen(s, a, &seen));
	CHECK(!seen);
	CHECK_OK(store_artifact_mark(s, a, "fuzz_machine_input", 5));
	CHECK_OK(store_artifact_mark(s, a, "fuzz_machine_input", 6));
	CHECK_OK(store_artifact_seen(s, a, &seen));
	CHECK(seen);
	CHECK_OK(store_artifact_seen(s, b, &seen));
	CHECK(!seen);
	store_close(s);
	CHECK_OK(store_open(dir, &s, msg, sizeof(msg)));
	if (!s)
		return;
	CHECK_OK(store_artifact_seen(s, a, &seen));
	CHECK(seen);
	CHECK_OK(store_artifact_seen(s, b, &seen));
	CHECK(!seen);
	store_close(s);
}

struct crash_input {
	const uint8_t *p;
	size_t len;
};

static sd_err add_crash(struct store *s, const void *arg)
{
	const struct crash_input *in = arg;
	char id[17];
	bool is_new;

	return store_add_crash(s, "fuzz_t", SIG_X, in->p, in->len, "report", 7, &is_new, id);
}

/* Child: as add_with_limit, for a crash finding with a 100 KiB input. */
static void __attribute__((noreturn)) add_crash_with_limit(const char *dir, rlim_t limit, const uint8_t *in,
							   size_t len)
{
	struct crash_input ci = {in, len};

	run_with_limit(dir, limit, add_crash, &ci);
}

/* Killed while writing a crash: input.bin is whole or absent. */
static void test_crash_killed(void)
{
	static const rlim_t limits[] = {0, 10, 50, 5000, 60000, 1 << 20};
	static uint8_t in[100 * 1024];
	char dir[PATH_MAX], folder[PATH_MAX], path[PATH_MAX], id[17], msg[512];
	struct store *s;
	int killed = 0;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7);
	snprintf(dir, sizeof(dir), "%s/crash-killed", root);
	CHECK_OK(store_open(dir, &s, msg, sizeof(msg)));
	store_close(s);
	expected_id(SIG_X, id);
	snprintf(folder, sizeof(folder), "%s/findings/%s", dir, id);
	snprintf(path, sizeof(path), "%s/input.bin", folder);
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		int status = 0;
		pid_t pid = fork();

		if (pid == 0)
			add_crash_with_limit(dir, limits[i], in, sizeof(in));
		CHECK(pid > 0);
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status))
			killed++;
		if (exists(path))
			check_file(folder, "input.bin", in, sizeof(in));
	}
	CHECK(killed >= 3);
	CHECK(exists(path));
}

static void remove_tree(const char *path)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		check_fail(__FILE__, __LINE__, "cannot remove %s", path);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/sshdiff-test-store-XXXXXX");
	if (!mkdtemp(root)) {
		check_fail(__FILE__, __LINE__, "mkdtemp failed");
		return check_finish();
	}
	make_obs();
	case_default(&big, CASE_IUT_SERVER);
	small = big;
	small.n_steps = 3;
	memset(&small.steps[3], 0, sizeof(small.steps) - 3 * sizeof(small.steps[0]));
	CHECK(binary_size(&small) < binary_size(&big));

	test_add_and_reopen();
	test_open_errors();
	test_killed_while_writing();
	test_migrate_v1();
	test_crash();
	test_artifacts();
	test_crash_killed();
	remove_tree(root);
	return check_finish();
}

/*
 * interop_openssh.c — the engine against OpenSSH (Debian bookworm's 9.2p1).
 *
 *   interop_openssh sshd <kex>      engine client  -> /usr/sbin/sshd -i
 *   interop_openssh ssh <kex>       /usr/bin/ssh   -> engine server
 *   interop_openssh selftest <kex>  /usr/bin/ssh   -> /usr/sbin/sshd -i, no
 *                                   engine at all: checks this harness and
 *                                   shows what OpenSSH itself can do, so a
 *                                   failure in the two modes above is the
 *                                   engine's.
 *
 * One run takes one KEX method and connects once per host key algorithm x
 * cipher/MAC combination, with both sides configured to exactly that one
 * algorithm per category.  A connection passes only if publickey AND
 * password authentication both succeed (RFC 4252 section 5.1 partial
 * success) and both sides report the same negotiated names.  One line per
 * combination, then "N passed, N failed"; exit 1 on any failure.
 *
 * The account: sshd needs a real user with a known password.  We never touch
 * the host's /etc: the sshd child enters a private mount namespace
 * (unshare(CLONE_NEWNS), then "/" made recursively private so nothing
 * propagates back) and bind-mounts our own passwd and shadow files, which are
 * the system's plus one line each.  This needs root, as CI runs us.
 *
 * Hidden modes, run as children of this binary (absolute path taken from
 * /proc/self/exe at start):
 *   --serve DIR KEX HOSTKEY CIPHER MAC RESULT   engine server on stdin/stdout
 *                                               (ssh's ProxyCommand)
 *   --sshd-exec DIR                             sshd -i in the namespace
 *                                               (selftest's ProxyCommand)
 */
#define _GNU_SOURCE /* unshare(), CLONE_NEWNS */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "proto/machine.h"
#include "tests/support/check.h"
#include "tests/support/pump.h"

extern char **environ;

#define TEST_USER "sshdiff-test"
#define TEST_HOST "sshdiff-test-host"
#define TEST_PASSWORD "sshdiff-Interop-pw-4242"
/* SHA-512 crypt salt: fixed, so the shadow line is reproducible. */
#define TEST_SALT "sshdiffInterop42"
#define SSHD_PATH "/usr/sbin/sshd"
#define SSH_PATH "/usr/bin/ssh"
#define SSH_KEYGEN_PATH "/usr/bin/ssh-keygen"
#define OPENSSL_PATH "/usr/bin/openssl"
/* AEAD ciphers carry their own tag; OpenSSH then ignores the MAC
 * name-list, but a KEXINIT list may not be empty, so both sides get this. */
#define AEAD_MAC_LIST "hmac-sha2-256"
#define AEAD_MAC_SHOWN "<implicit>"
#define SSH_DISCONNECT_BY_APPLICATION 11 /* RFC 4253 section 11.1 */

#define ENGINE_TIMEOUT_MS 10000
#define SSHD_EXIT_MS 5000
#define SSH_TIMEOUT_MS 15000
#define TAIL_LINES 30

/* ---- the matrix ---- */

static const struct keyfile_def {
	const char *file; /* in the run directory; .pub next to it */
	const char *type; /* ssh-keygen -t */
	const char *bits; /* ssh-keygen -b, or NULL */
} keyfiles[] = {
	{"host_ed25519", "ed25519", NULL},
	{"host_ecdsa256", "ecdsa", "256"},
	{"host_ecdsa384", "ecdsa", "384"},
	{"host_ecdsa521", "ecdsa", "521"},
	{"host_rsa", "rsa", "3072"},
	{"user_ed25519", "ed25519", NULL},
};
#define N_KEYFILES (sizeof keyfiles / sizeof keyfiles[0])
#define USER_KEY_INDEX (N_KEYFILES - 1)

static const struct hostkey_def {
	const char *alg;
	size_t keyfile; /* index into keyfiles */
} hostkeys[] = {
	{"ssh-ed25519", 0},  {"ecdsa-sha2-nistp256", 1}, {"ecdsa-sha2-nistp384", 2},
	{"ecdsa-sha2-nistp521", 3}, {"rsa-sha2-256", 4}, {"rsa-sha2-512", 4},
	{"ssh-rsa", 4},
};
#define N_HOSTKEYS (sizeof hostkeys / sizeof hostkeys[0])

static const char *const aead_ciphers[] = {
	"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
};
static const char *const ctr_ciphers[] = {"aes128-ctr", "aes192-ctr", "aes256-ctr"};
static const char *const macs[] = {
	"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com",
	"hmac-sha1-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512", "hmac-sha1",
};
#define N_AEAD (sizeof aead_ciphers / sizeof aead_ciphers[0])
#define N_CTR (sizeof ctr_ciphers / sizeof ctr_ciphers[0])
#define N_MACS (sizeof macs / sizeof macs[0])
#define N_CIPHER_MAC (N_AEAD + N_CTR * N_MACS)
#define N_COMBOS (N_HOSTKEYS * N_CIPHER_MAC)

struct combo {
	const char *kex;
	const struct hostkey_def *hk;
	const char *cipher;
	const char *mac; /* NULL for an AEAD cipher */
};

static const char *combo_mac_list(const struct combo *c)
{
	return c->mac ? c->mac : AEAD_MAC_LIST;
}

static const char *combo_mac_shown(const struct combo *c)
{
	return c->mac ? c->mac : AEAD_MAC_SHOWN;
}

static size_t combos_build(const char *kex, struct combo *out)
{
	size_t n = 0;
	for (size_t h = 0; h < N_HOSTKEYS; h++) {
		for (size_t i = 0; i < N_AEAD; i++)
			out[n++] = (struct combo){kex, &hostkeys[h], aead_ciphers[i], NULL};
		for (size_t i = 0; i < N_CTR; i++)
			for (size_t j = 0; j < N_MACS; j++)
				out[n++] = (struct combo){kex, &hostkeys[h], ctr_ciphers[i], macs[j]};
	}
	return n;
}

static const struct hostkey_def *hostkey_by_alg(const char *alg)
{
	for (size_t i = 0; i < N_HOSTKEYS; i++)
		if (strcmp(hostkeys[i].alg, alg) == 0)
			return &hostkeys[i];
	return NULL;
}

/* ---- small file and string helpers ---- */

static void path_join(char *out, size_t n, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, n, "%s/%s", dir, name) >= n) {
		fprintf(stderr, "interop_openssh: path too long: %s/%s\n", dir, name);
		_exit(1);
	}
}

/* Whole file as a NUL-terminated string (NULL if unreadable). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *s = malloc(cap);
	for (;;) {
		if (!s) {
			fclose(f);
			return NULL;
		}
		len += fread(s + len, 1, cap - len - 1, f);
		if (len < cap - 1)
			break;
		cap *= 2;
		char *t = realloc(s, cap);
		if (!t)
			free(s);
		s = t;
	}
	fclose(f);
	s[len] = '\0';
	return s;
}

static bool spew(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "interop_openssh: open %s: %s\n", path, strerror(errno));
		return false;
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "interop_openssh: write %s: %s\n", path, strerror(errno));
			close(fd);
			return false;
		}
		off += (size_t)w;
	}
	/* open() applies the umask; the modes here are deliberate. */
	if (fchmod(fd, mode) != 0) {
		fprintf(stderr, "interop_openssh: chmod %s: %s\n", path, strerror(errno));
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

/* Whether text has a line exactly equal to want (a trailing CR ignored:
 * ssh -v ends its stderr lines with CR LF). */
static bool has_line(const char *text, const char *want)
{
	size_t wl = strlen(want);
	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l == wl && memcmp(p, want, wl) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static bool has_linef(const char *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool has_linef(const char *text, const char *fmt, ...)
{
	char want[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(want, sizeof want, fmt, ap);
	va_end(ap);
	return has_line(text, want);
}

/* The last line of text that does not start with "debug" (ssh's own
 * summary of what went wrong), CR/LF stripped. */
static void last_plain_line(const char *text, char *out, size_t n)
{
	snprintf(out, n, "(none)");
	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == '\n'))
			l--;
		if (l > 0 && strncmp(p, "debug", 5) != 0)
			snprintf(out, n, "%.*s", (int)l, p);
		p = e ? e + 1 : NULL;
	}
}

static void print_tail(const char *label, const char *path, int lines)
{
	char *s = slurp(path);
	if (!s || !*s) {
		printf("  [%s: %s]\n", label, s ? "empty" : "missing");
		free(s);
		return;
	}
	const char *start = s + strlen(s);
	for (int seen = 0; start > s; start--) {
		if (start[-1] == '\n' && start[0] != '\0' && ++seen >= lines)
			break;
	}
	printf("  [last %d lines of %s]\n", lines, label);
	for (const char *p = start; *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l > 0 && p[l - 1] == '\r')
			l--;
		printf("  | %.*s\n", (int)l, p);
		p = e ? e + 1 : p + strlen(p);
	}
	free(s);
}

/* ---- processes ---- */

static volatile sig_atomic_t child_pgid; /* killed on SIGINT/SIGTERM */

static void child_die(const char *what)
{
	fprintf(stderr, "interop_openssh child: %s: %s\n", what, strerror(errno));
	_exit(127);
}

/* Forks and execs argv (envp NULL: inherit) with stdio redirected (-1:
 * keep).  The child leads its own process group so a hang can be killed
 * whole, helpers (ProxyCommand) included. */
static pid_t spawn(char *const argv[], char *const envp[], int in, int out, int err)
{
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "interop_openssh: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		setpgid(pid, pid); /* also in the child: no race either way */
		return pid;
	}
	setpgid(0, 0);
	if ((in >= 0 && dup2(in, 0) < 0) || (out >= 0 && dup2(out, 1) < 0) || (err >= 0 && dup2(err, 2) < 0))
		child_die("dup2");
	if (envp)
		execve(argv[0], argv, envp);
	else
		execv(argv[0], argv);
	child_die(argv[0]);
	return -1;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void nap(void)
{
	struct timespec t = {0, 5 * 1000 * 1000};
	nanosleep(&t, NULL);
}

/* Waits for pid for up to timeout_ms; then kills its process group and
 * reaps it.  Returns the wait status; *timed_out says whether we killed. */
static int wait_timeout(pid_t pid, int timeout_ms, bool *timed_out)
{
	int st = 0;
	long end = now_ms() + timeout_ms;
	*timed_out = false;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ms() > end)
			break;
		nap();
	}
	*timed_out = true;
	kill(-pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* Reaps whatever is left of process group pgid (we are a subreaper, so a
 * ProxyCommand orphaned by ssh's exit is our child); kills it after
 * timeout_ms.  Returns false if something had to be killed. */
static bool reap_group(pid_t pgid, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	bool killed = false;
	for (;;) {
		int st;
		pid_t r = waitpid(-pgid, &st, WNOHANG);
		if (r > 0)
			continue;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return !killed; /* ECHILD: all gone */
		if (!killed && now_ms() > end) {
			kill(-pgid, SIGKILL);
			killed = true;
		}
		nap();
	}
}

static bool exited_zero(int st)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Runs argv to completion, stdout into out (NUL-terminated) if given. */
static bool run_capture(char *const argv[], char *out, size_t n)
{
	int p[2] = {-1, -1};
	if (out && pipe2(p, O_CLOEXEC) != 0)
		return false;
	pid_t pid = spawn(argv, NULL, -1, out ? p[1] : -1, -1);
	if (out)
		close(p[1]);
	size_t len = 0;
	while (out && pid > 0) {
		ssize_t r = read(p[0], out + len, n - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == n - 1)
			break;
	}
	if (out) {
		out[len] = '\0';
		close(p[0]);
	}
	if (pid < 0)
		return false;
	bool to;
	int st = wait_timeout(pid, 120000, &to);
	if (!exited_zero(st)) {
		fprintf(stderr, "interop_openssh: %s failed (status %d)\n", argv[0], st);
		return false;
	}
	return true;
}

/* ---- the run directory and the test account ---- */

struct run {
	char dir[PATH_MAX];
	char self[PATH_MAX];
	const char *kex;
	/* engine copies of the keys ssh-keygen wrote; NULL if unusable */
	struct sigkey *priv[N_KEYFILES];
	struct sigkey *pub[N_KEYFILES];
	char key_error[N_KEYFILES][160];
};

static char cleanup_dir[PATH_MAX];
static pid_t cleanup_owner;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void cleanup(void)
{
	if (cleanup_dir[0] && getpid() == cleanup_owner) {
		nftw(cleanup_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		cleanup_dir[0] = '\0';
	}
}

/* Interrupted (ctest time-out, ^C): kill the connection in flight and
 * remove the directory with async-signal-safe calls only. */
static void on_signal(int sig)
{
	if (child_pgid > 0)
		kill(-child_pgid, SIGKILL);
	if (cleanup_dir[0] && getpid() == cleanup_owner) {
		pid_t p = fork();
		if (p == 0) {
			char *argv[] = {"/bin/rm", "-rf", cleanup_dir, NULL};
			execv(argv[0], argv);
			_exit(127);
		}
		if (p > 0)
			waitpid(p, NULL, 0);
	}
	_exit(128 + sig);
}

/* Enters a private mount namespace where /etc/passwd and /etc/shadow are the
 * run directory's copies.  Only ever called in a child process. */
static void enter_test_namespace(const char *dir)
{
	char passwd[PATH_MAX], shadow[PATH_MAX];
	path_join(passwd, sizeof passwd, dir, "passwd");
	path_join(shadow, sizeof shadow, dir, "shadow");
	if (unshare(CLONE_NEWNS) != 0)
		child_die("unshare(CLONE_NEWNS) (needs root / CAP_SYS_ADMIN)");
	/* Without this the bind mounts would propagate to the host's shared
	 * mount tree and every process would see the test user. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		child_die("mount(/, MS_REC|MS_PRIVATE)");
	if (mount(passwd, "/etc/passwd", NULL, MS_BIND, NULL) != 0)
		child_die("bind mount over /etc/passwd");
	if (mount(shadow, "/etc/shadow", NULL, MS_BIND, NULL) != 0)
		child_die("bind mount over /etc/shadow");
}

/* sshd -i on the current stdin/stdout; never returns. */
static void exec_sshd(const char *dir) __attribute__((noreturn));
static void exec_sshd(const char *dir)
{
	char cfg[PATH_MAX], log[PATH_MAX];
	path_join(cfg, sizeof cfg, dir, "sshd_config");
	path_join(log, sizeof log, dir, "sshd.log");
	enter_test_namespace(dir);
	char *argv[] = {SSHD_PATH, "-i", "-f", cfg, "-E", log, NULL};
	execv(argv[0], argv);
	child_die("execv " SSHD_PATH);
	_exit(127);
}

static bool text_has_user(const char *text)
{
	return text && (strncmp(text, TEST_USER ":", strlen(TEST_USER ":")) == 0 ||
			strstr(text, "\n" TEST_USER ":") != NULL);
}

/* passwd and shadow: the system's files plus the test user. */
static bool write_account_files(const struct run *r)
{
	char path[PATH_MAX], line[PATH_MAX + 128], hash[256];
	char *argv[] = {OPENSSL_PATH, "passwd", "-6", "-salt", TEST_SALT, TEST_PASSWORD, NULL};
	if (!run_capture(argv, hash, sizeof hash))
		return false;
	hash[strcspn(hash, "\r\n")] = '\0';
	if (strncmp(hash, "$6$" TEST_SALT "$", strlen("$6$" TEST_SALT "$")) != 0) {
		fprintf(stderr, "interop_openssh: unexpected openssl passwd output: %s\n", hash);
		return false;
	}

	const char *sys[2] = {"/etc/passwd", "/etc/shadow"};
	bool ok = true;
	for (int i = 0; i < 2 && ok; i++) {
		char *base = slurp(sys[i]);
		if (!base) {
			fprintf(stderr, "interop_openssh: read %s: %s\n", sys[i], strerror(errno));
			return false;
		}
		if (text_has_user(base)) {
			fprintf(stderr, "interop_openssh: %s already has a user %s\n", sys[i], TEST_USER);
			free(base);
			return false;
		}
		if (i == 0)
			snprintf(line, sizeof line, TEST_USER ":x:4242:4242:sshdiff interop:%s:/bin/sh\n", r->dir);
		else /* last change 19000 (2022): no forced change, no expiry */
			snprintf(line, sizeof line, TEST_USER ":%s:19000:0:99999:7:::\n", hash);
		size_t bl = strlen(base);
		char *all = malloc(bl + strlen(line) + 2);
		if (!all) {
			free(base);
			return false;
		}
		snprintf(all, bl + strlen(line) + 2, "%s%s%s", base, bl && base[bl - 1] != '\n' ? "\n" : "", line);
		path_join(path, sizeof path, r->dir, i == 0 ? "passwd" : "shadow");
		ok = spew(path, all, i == 0 ? 0644 : 0640);
		free(all);
		free(base);
	}
	return ok;
}

/* Proves once, loudly, that the namespace trick works here and does not
 * leak to the host, instead of failing every connection obscurely. */
static bool check_namespace(const struct run *r)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		enter_test_namespace(r->dir);
		char *s = slurp("/etc/passwd");
		char *sh = slurp("/etc/shadow");
		bool ok = text_has_user(s) && text_has_user(sh);
		if (!ok)
			fprintf(stderr, "interop_openssh child: bind-mounted passwd/shadow lack %s\n", TEST_USER);
		free(s);
		free(sh);
		_exit(ok ? 0 : 1);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!exited_zero(st)) {
		fprintf(stderr, "interop_openssh: cannot set up the test account namespace\n");
		return false;
	}
	char *host = slurp("/etc/passwd");
	bool leaked = text_has_user(host);
	free(host);
	if (leaked) {
		fprintf(stderr, "interop_openssh: the test user leaked into the host's /etc/passwd!\n");
		return false;
	}
	return true;
}

/* "type base64" (the first two fields) of a .pub file. */
static bool read_pub_line(const char *path, char *out, size_t n)
{
	char *s = slurp(path);
	if (!s)
		return false;
	char *sp = strchr(s, ' ');
	size_t l = sp ? strcspn(sp + 1, " \r\n") + (size_t)(sp + 1 - s) : 0;
	bool ok = sp && l < n;
	if (ok)
		snprintf(out, n, "%.*s", (int)l, s);
	free(s);
	return ok;
}

/* Public key from a .pub line through the blob parser (the way a real
 * authorized_keys / known_hosts entry would be read). */
static sd_err pub_from_line(const char *line, struct sigkey **out)
{
	const char *b64 = strchr(line, ' ');
	if (!b64)
		return SD_ERR_KEY_FILE;
	b64++;
	uint8_t blob[4096];
	size_t len;
	if (sodium_base642bin(blob, sizeof blob, b64, strlen(b64), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return SD_ERR_KEY_FILE;
	return sigkey_from_blob((struct span){blob, len}, out);
}

/* Loads key file i both ways and checks that the engine derives the same
 * public line from the private file as ssh-keygen wrote. */
static void load_engine_key(struct run *r, size_t i)
{
	char path[PATH_MAX], pubpath[PATH_MAX], line[4096];
	path_join(path, sizeof path, r->dir, keyfiles[i].file);
	snprintf(pubpath, sizeof pubpath, "%s.pub", path);
	char *err = r->key_error[i];
	size_t en = sizeof r->key_error[i];
	sd_err e;
	if (!read_pub_line(pubpath, line, sizeof line)) {
		snprintf(err, en, "cannot read %s.pub", keyfiles[i].file);
		return;
	}
	if ((e = sigkey_load_file(path, &r->priv[i])) != SD_OK) {
		snprintf(err, en, "sigkey_load_file(%s): %s", keyfiles[i].file, sd_err_name(e));
		return;
	}
	if ((e = pub_from_line(line, &r->pub[i])) != SD_OK) {
		snprintf(err, en, "sigkey_from_blob(%s.pub): %s", keyfiles[i].file, sd_err_name(e));
		return;
	}
	struct sbuf b = SBUF_INIT;
	e = sigkey_to_public_line(r->priv[i], &b);
	struct span got = sbuf_span(&b);
	if (e != SD_OK || !span_eq_cstr(got, line) || !sigkey_equal_public(r->priv[i], r->pub[i]))
		snprintf(err, en, "engine's public key of %s differs from ssh-keygen's .pub", keyfiles[i].file);
	sbuf_free(&b);
}

static bool setup(struct run *r, bool want_engine_keys)
{
	ssize_t n = readlink("/proc/self/exe", r->self, sizeof r->self - 1);
	if (n <= 0) {
		fprintf(stderr, "interop_openssh: readlink /proc/self/exe: %s\n", strerror(errno));
		return false;
	}
	r->self[n] = '\0';

	/* Debian's sshd refuses to start without its privsep directory, which
	 * the service unit normally creates. */
	if (mkdir("/run/sshd", 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "interop_openssh: mkdir /run/sshd: %s\n", strerror(errno));
		return false;
	}

	snprintf(r->dir, sizeof r->dir, "/tmp/sshdiff-openssh.XXXXXX");
	if (!mkdtemp(r->dir)) {
		fprintf(stderr, "interop_openssh: mkdtemp: %s\n", strerror(errno));
		return false;
	}
	snprintf(cleanup_dir, sizeof cleanup_dir, "%s", r->dir);
	cleanup_owner = getpid();
	/* sshd reads authorized_keys as the user (uid 4242): it must be able
	 * to traverse the directory, not list it. */
	if (chmod(r->dir, 0711) != 0) {
		fprintf(stderr, "interop_openssh: chmod %s: %s\n", r->dir, strerror(errno));
		return false;
	}

	for (size_t i = 0; i < N_KEYFILES; i++) {
		char path[PATH_MAX];
		path_join(path, sizeof path, r->dir, keyfiles[i].file);
		char *argv[12] = {SSH_KEYGEN_PATH, "-q", "-t", (char *)keyfiles[i].type, "-N", "", "-f", path};
		size_t a = 8;
		if (keyfiles[i].bits) {
			argv[a++] = "-b";
			argv[a++] = (char *)keyfiles[i].bits;
		}
		argv[a] = NULL;
		if (!run_capture(argv, NULL, 0) || chmod(path, 0600) != 0)
			return false;
	}

	char path[PATH_MAX], pubpath[PATH_MAX], line[4096], text[4200];
	path_join(pubpath, sizeof pubpath, r->dir, "user_ed25519.pub");
	if (!read_pub_line(pubpath, line, sizeof line))
		return false;
	snprintf(text, sizeof text, "%s\n", line);
	path_join(path, sizeof path, r->dir, "authorized_keys");
	if (!spew(path, text, 0644))
		return false;

	snprintf(text, sizeof text, "#!/bin/sh\necho '%s'\n", TEST_PASSWORD);
	path_join(path, sizeof path, r->dir, "askpass");
	if (!spew(path, text, 0700))
		return false;

	if (!write_account_files(r) || !check_namespace(r))
		return false;

	if (want_engine_keys)
		for (size_t i = 0; i < N_KEYFILES; i++)
			load_engine_key(r, i);
	return true;
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < N_KEYFILES; i++) {
		sigkey_free(r->priv[i]);
		sigkey_free(r->pub[i]);
	}
}

/* ---- per-connection configuration files ---- */

static bool write_sshd_config(const struct run *r, const struct combo *c)
{
	char path[PATH_MAX], text[8192];
	snprintf(text, sizeof text,
		 "HostKey %s/%s\n"
		 "HostKeyAlgorithms %s\n"
		 "KexAlgorithms %s\n"
		 "Ciphers %s\n"
		 "MACs %s\n"
		 "PubkeyAcceptedAlgorithms ssh-ed25519\n"
		 "AuthorizedKeysFile %s/authorized_keys\n"
		 "StrictModes no\n"
		 "UsePAM no\n"
		 "PasswordAuthentication yes\n"
		 "KbdInteractiveAuthentication no\n"
		 "AuthenticationMethods publickey,password\n"
		 "PermitRootLogin no\n"
		 "LogLevel DEBUG3\n"
		 "PidFile none\n",
		 r->dir, keyfiles[c->hk->keyfile].file, c->hk->alg, c->kex, c->cipher, combo_mac_list(c), r->dir);
	path_join(path, sizeof path, r->dir, "sshd_config");
	return spew(path, text, 0600);
}

static bool write_known_hosts(const struct run *r, const struct combo *c)
{
	char path[PATH_MAX], line[4096], text[4200];
	snprintf(path, sizeof path, "%s/%s.pub", r->dir, keyfiles[c->hk->keyfile].file);
	if (!read_pub_line(path, line, sizeof line))
		return false;
	snprintf(text, sizeof text, TEST_HOST " %s\n", line);
	path_join(path, sizeof path, r->dir, "known_hosts");
	return spew(path, text, 0644);
}

/* Fresh logs per connection, so every check sees this connection only. */
static void clear_logs(const struct run *r)
{
	static const char *const logs[] = {"sshd.log", "sshd.stderr", "ssh.err", "serve.log", "serve.result"};
	char path[PATH_MAX];
	for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++) {
		path_join(path, sizeof path, r->dir, logs[i]);
		unlink(path);
	}
}

static int open_log(const struct run *r, const char *name)
{
	char path[PATH_MAX];
	path_join(path, sizeof path, r->dir, name);
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

/* ---- checks on OpenSSH's logs ---- */

/* sshd's view: the negotiated names, and both methods accepted.  sshd logs
 * a method that succeeded but left another one required as "Partial", the
 * last one as "Accepted". */
static bool check_sshd_log(const struct run *r, const struct combo *c, char *why, size_t wn)
{
	char path[PATH_MAX];
	path_join(path, sizeof path, r->dir, "sshd.log");
	char *log = slurp(path);
	const char *mac = combo_mac_shown(c);
	bool ok = false;
	if (!log)
		snprintf(why, wn, "sshd wrote no log");
	else if (!has_linef(log, "debug1: kex: algorithm: %s [preauth]", c->kex))
		snprintf(why, wn, "sshd log lacks 'kex: algorithm: %s'", c->kex);
	else if (!has_linef(log, "debug1: kex: host key algorithm: %s [preauth]", c->hk->alg))
		snprintf(why, wn, "sshd log lacks 'kex: host key algorithm: %s'", c->hk->alg);
	else if (!has_linef(log, "debug1: kex: client->server cipher: %s MAC: %s compression: none [preauth]", c->cipher, mac) ||
		 !has_linef(log, "debug1: kex: server->client cipher: %s MAC: %s compression: none [preauth]", c->cipher, mac))
		snprintf(why, wn, "sshd log lacks 'cipher: %s MAC: %s' both ways", c->cipher, mac);
	else if (!strstr(log, "Accepted publickey for " TEST_USER " ") && !strstr(log, "Partial publickey for " TEST_USER " "))
		snprintf(why, wn, "sshd did not accept publickey for " TEST_USER);
	else if (!strstr(log, "Accepted password for " TEST_USER " ") && !strstr(log, "Partial password for " TEST_USER " "))
		snprintf(why, wn, "sshd did not accept password for " TEST_USER);
	else if (!strstr(log, "Accepted publickey for " TEST_USER " ") && !strstr(log, "Accepted password for " TEST_USER " "))
		snprintf(why, wn, "sshd never completed authentication (no 'Accepted')");
	else
		ok = true;
	free(log);
	return ok;
}

/* ssh's view (-vvv on stderr). */
static bool check_ssh_err(const struct run *r, const struct combo *c, char *why, size_t wn)
{
	char path[PATH_MAX], last[256];
	path_join(path, sizeof path, r->dir, "ssh.err");
	char *log = slurp(path);
	const char *mac = combo_mac_shown(c);
	bool ok = false;
	if (!log) {
		snprintf(why, wn, "ssh wrote nothing");
		return false;
	}
	last_plain_line(log, last, sizeof last);
	if (!has_linef(log, "debug1: kex: algorithm: %s", c->kex))
		snprintf(why, wn, "ssh: no 'kex: algorithm: %s' (ssh: %s)", c->kex, last);
	else if (!has_linef(log, "debug1: kex: host key algorithm: %s", c->hk->alg))
		snprintf(why, wn, "ssh: no 'kex: host key algorithm: %s' (ssh: %s)", c->hk->alg, last);
	else if (!has_linef(log, "debug1: kex: server->client cipher: %s MAC: %s compression: none", c->cipher, mac) ||
		 !has_linef(log, "debug1: kex: client->server cipher: %s MAC: %s compression: none", c->cipher, mac))
		snprintf(why, wn, "ssh: no 'cipher: %s MAC: %s' both ways (ssh: %s)", c->cipher, mac, last);
	else if (!strstr(log, "Authenticated using \"publickey\" with partial success."))
		snprintf(why, wn, "ssh: publickey did not give partial success (ssh: %s)", last);
	else if (!strstr(log, "Authenticated to " TEST_HOST " (via proxy) using \"password\"."))
		snprintf(why, wn, "ssh: not authenticated by password (ssh: %s)", last);
	else
		ok = true;
	free(log);
	return ok;
}

/* Runs ssh with the combination and the given ProxyCommand; returns false
 * only if ssh could not be run at all or hung. */
static bool run_ssh(const struct run *r, const struct combo *c, const char *proxy, char *why, size_t wn)
{
	char o_proxy[PATH_MAX * 2], o_kex[128], o_hk[128], o_cipher[128], o_mac[128];
	char o_known[PATH_MAX + 32], identity[PATH_MAX], env_home[PATH_MAX + 8], env_askpass[PATH_MAX + 16];
	snprintf(o_proxy, sizeof o_proxy, "ProxyCommand=%s", proxy);
	snprintf(o_kex, sizeof o_kex, "KexAlgorithms=%s", c->kex);
	snprintf(o_hk, sizeof o_hk, "HostKeyAlgorithms=%s", c->hk->alg);
	snprintf(o_cipher, sizeof o_cipher, "Ciphers=%s", c->cipher);
	snprintf(o_mac, sizeof o_mac, "MACs=%s", combo_mac_list(c));
	snprintf(o_known, sizeof o_known, "UserKnownHostsFile=%s/known_hosts", r->dir);
	path_join(identity, sizeof identity, r->dir, "user_ed25519");
	char *argv[] = {SSH_PATH, "-F", "/dev/null", "-vvv",
			"-o", o_proxy, "-o", o_kex, "-o", o_hk, "-o", o_cipher, "-o", o_mac,
			"-o", o_known, "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null",
			"-o", "IdentitiesOnly=yes", "-i", identity,
			"-o", "PreferredAuthentications=publickey,password",
			"-o", "PubkeyAcceptedAlgorithms=ssh-ed25519", "-o", "NumberOfPasswordPrompts=1",
			"-o", "BatchMode=no", "-o", "ConnectTimeout=10",
			TEST_USER "@" TEST_HOST, "true", NULL};

	/* ssh gets our environment minus anything that would change what it
	 * does (an agent, a display, the real home), plus the askpass. */
	size_t n = 0;
	for (char **e = environ; *e; e++)
		n++;
	char **envp = calloc(n + 4, sizeof *envp);
	if (!envp)
		return false;
	size_t k = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "DISPLAY=", 8) && strncmp(*e, "HOME=", 5) && strncmp(*e, "SSH_", 4))
			envp[k++] = *e;
	snprintf(env_home, sizeof env_home, "HOME=%s", r->dir);
	snprintf(env_askpass, sizeof env_askpass, "SSH_ASKPASS=%s/askpass", r->dir);
	envp[k++] = env_home;
	envp[k++] = env_askpass;
	envp[k++] = "SSH_ASKPASS_REQUIRE=force";
	envp[k] = NULL;

	int in = open("/dev/null", O_RDWR | O_CLOEXEC);
	int err = open_log(r, "ssh.err");
	pid_t pid = -1;
	if (in >= 0 && err >= 0)
		pid = spawn(argv, envp, in, in, err);
	if (in >= 0)
		close(in);
	if (err >= 0)
		close(err);
	free(envp);
	if (pid < 0) {
		snprintf(why, wn, "cannot run ssh");
		return false;
	}
	child_pgid = pid;
	bool to;
	wait_timeout(pid, SSH_TIMEOUT_MS, &to);
	bool clean = reap_group(pid, SSHD_EXIT_MS);
	child_pgid = 0;
	if (to) {
		snprintf(why, wn, "ssh hung for %d s and was killed", SSH_TIMEOUT_MS / 1000);
		return false;
	}
	if (!clean) {
		snprintf(why, wn, "the ProxyCommand outlived ssh by %d s and was killed", SSHD_EXIT_MS / 1000);
		return false;
	}
	return true;
}

/* ---- engine result checks ---- */

/* AEAD: no MAC is used; accept the engine saying so by "" or "<implicit>". */
static bool mac_matches(const struct combo *c, const char *got)
{
	if (c->mac)
		return strcmp(got, c->mac) == 0;
	return got[0] == '\0' || strcmp(got, AEAD_MAC_SHOWN) == 0 || strcmp(got, "-") == 0;
}

static bool names_match(const struct combo *c, const char *kex, const char *hk, const char *ccs, const char *csc,
			const char *mcs, const char *msc, char *why, size_t wn)
{
	if (strcmp(kex, c->kex) || strcmp(hk, c->hk->alg) || strcmp(ccs, c->cipher) || strcmp(csc, c->cipher) ||
	    !mac_matches(c, mcs) || !mac_matches(c, msc)) {
		snprintf(why, wn, "engine negotiated kex=%s hostkey=%s cipher=%s/%s mac=%s/%s", kex, hk, ccs, csc, mcs,
			 msc);
		return false;
	}
	return true;
}

static const char *auth_name(enum machine_auth a)
{
	return a == AUTH_SUCCESS ? "success" : a == AUTH_FAILURE ? "failure" : "pending";
}

static const char *event_name(enum machine_event_type t)
{
	static const char *const names[] = {
		[MEV_VERSION] = "VERSION", [MEV_MESSAGE] = "MESSAGE", [MEV_KEXINIT] = "KEXINIT",
		[MEV_KEX_DONE] = "KEX_DONE", [MEV_EXT_INFO] = "EXT_INFO", [MEV_SERVICE] = "SERVICE",
		[MEV_BANNER] = "BANNER", [MEV_AUTH_PARTIAL] = "AUTH_PARTIAL", [MEV_AUTH_SUCCESS] = "AUTH_SUCCESS",
		[MEV_AUTH_FAILURE] = "AUTH_FAILURE", [MEV_DISCONNECT] = "DISCONNECT", [MEV_IGNORE] = "IGNORE",
		[MEV_DEBUG] = "DEBUG", [MEV_UNIMPLEMENTED] = "UNIMPLEMENTED", [MEV_ERROR] = "ERROR",
	};
	return (size_t)t < sizeof names / sizeof names[0] && names[t] ? names[t] : "?";
}

static void engine_failure(const struct machine *m, sd_err pumped, char *why, size_t wn)
{
	const struct machine_result *res = machine_result(m);
	const struct machine_event *ev;
	size_t nev = machine_events(m, &ev);
	char last[96] = "none";
	if (nev)
		snprintf(last, sizeof last, "%s msg %u err %s", event_name(ev[nev - 1].type), ev[nev - 1].msg,
			 sd_err_rule(ev[nev - 1].err));
	snprintf(why, wn, "engine: pump %s, error %s (%s), auth %s, peer disconnect %u, last event %s",
		 pumped == SD_AGAIN ? "timed out" : sd_err_rule(pumped), sd_err_name(res->error), sd_err_rule(res->error),
		 auth_name(res->auth), res->peer_disconnect_reason, last);
}

/* ---- mode sshd: engine client -> sshd -i ---- */

static bool one_sshd(struct run *r, const struct combo *c, char *why, size_t wn)
{
	const size_t hkf = c->hk->keyfile;
	if (!r->pub[hkf] || !r->priv[USER_KEY_INDEX] || r->key_error[hkf][0] || r->key_error[USER_KEY_INDEX][0]) {
		snprintf(why, wn, "%s", r->key_error[hkf][0] ? r->key_error[hkf] : r->key_error[USER_KEY_INDEX]);
		return false;
	}
	if (!write_sshd_config(r, c)) {
		snprintf(why, wn, "cannot write sshd_config");
		return false;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(why, wn, "socketpair: %s", strerror(errno));
		return false;
	}
	int err = open_log(r, "sshd.stderr");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0 || (err >= 0 && dup2(err, 2) < 0))
			child_die("dup2");
		exec_sshd(r->dir);
	}
	if (err >= 0)
		close(err);
	close(sv[1]);
	if (pid < 0) {
		snprintf(why, wn, "fork: %s", strerror(errno));
		close(sv[0]);
		return false;
	}
	setpgid(pid, pid);
	child_pgid = pid;

	char seed[256];
	snprintf(seed, sizeof seed, "interop_openssh client %s %s %s %s", c->kex, c->hk->alg, c->cipher,
		 combo_mac_shown(c));
	struct rng_seeded rng;
	rng_seeded_init(&rng, seed, strlen(seed));
	struct sigkey *ids[1] = {r->priv[USER_KEY_INDEX]};
	struct sigkey *known[1] = {r->pub[hkf]};
	const char *mac = combo_mac_list(c);
	struct machine_config cfg = {
		.role = MACHINE_CLIENT,
		.rng = &rng.base,
		.algs = {c->kex, c->hk->alg, c->cipher, c->cipher, mac, mac, "none", "none"},
		.user = TEST_USER,
		.password = TEST_PASSWORD,
		.identities = ids,
		.n_identities = 1,
		.auth_order = "publickey,password",
		.known_host_keys = known,
		.n_known_host_keys = 1,
	};
	struct machine *m = NULL;
	bool ok = false;
	sd_err e = machine_new(&cfg, &m);
	if (e != SD_OK) {
		snprintf(why, wn, "machine_new: %s (%s)", sd_err_name(e), sd_err_rule(e));
	} else {
		e = pump_run(m, sv[0], sv[0], ENGINE_TIMEOUT_MS);
		const struct machine_result *res = machine_result(m);
		if (e != SD_OK || res->auth != AUTH_SUCCESS)
			engine_failure(m, e, why, wn);
		else
			ok = names_match(c, res->kex, res->hostkey, res->cipher_cs, res->cipher_sc, res->mac_cs,
					 res->mac_sc, why, wn);
		machine_disconnect(m, SSH_DISCONNECT_BY_APPLICATION, "interop test done");
		pump_flush(m, sv[0], 1000);
	}
	close(sv[0]);
	bool to;
	wait_timeout(pid, SSHD_EXIT_MS, &to);
	reap_group(pid, SSHD_EXIT_MS);
	child_pgid = 0;
	machine_free(m);
	if (ok && to) {
		snprintf(why, wn, "sshd did not exit within %d s after DISCONNECT", SSHD_EXIT_MS / 1000);
		ok = false;
	}
	if (ok)
		ok = check_sshd_log(r, c, why, wn);
	return ok;
}

/* ---- mode ssh: ssh -> engine server (ProxyCommand --serve) ---- */

/* Value of "key=" in a space-separated result line. */
static void result_field(const char *line, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	out[0] = '\0';
	for (const char *p = line; p && *p;) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			size_t l = strcspn(p + kl + 1, " \r\n");
			snprintf(out, n, "%.*s", (int)l, p + kl + 1);
			return;
		}
		p = strchr(p, ' ');
		if (p)
			p++;
	}
}

static bool check_serve_result(const struct run *r, const struct combo *c, char *why, size_t wn)
{
	char path[PATH_MAX];
	path_join(path, sizeof path, r->dir, "serve.log");
	char *log = slurp(path);
	bool sanitizer = log && (strstr(log, "Sanitizer") || strstr(log, "runtime error:"));
	free(log);
	if (sanitizer) {
		snprintf(why, wn, "engine server: sanitizer report in serve.log");
		return false;
	}
	path_join(path, sizeof path, r->dir, "serve.result");
	char *res = slurp(path);
	if (!res) {
		snprintf(why, wn, "engine server wrote no result");
		return false;
	}
	char f[8][96];
	static const char *const keys[8] = {"auth", "kex", "hostkey", "cipher_cs", "cipher_sc", "mac_cs", "mac_sc", "pump"};
	for (int i = 0; i < 8; i++)
		result_field(res, keys[i], f[i], sizeof f[i]);
	bool ok = false;
	if (strcmp(f[0], "success") || strcmp(f[7], "ok")) {
		res[strcspn(res, "\n")] = '\0';
		snprintf(why, wn, "engine server: %s", res);
	} else {
		ok = names_match(c, f[1], f[2], f[3], f[4], f[5], f[6], why, wn);
	}
	free(res);
	return ok;
}

static bool one_ssh(struct run *r, const struct combo *c, char *why, size_t wn)
{
	const size_t hkf = c->hk->keyfile;
	if (r->key_error[hkf][0] || r->key_error[USER_KEY_INDEX][0]) {
		snprintf(why, wn, "%s", r->key_error[hkf][0] ? r->key_error[hkf] : r->key_error[USER_KEY_INDEX]);
		return false;
	}
	if (!write_known_hosts(r, c)) {
		snprintf(why, wn, "cannot write known_hosts");
		return false;
	}
	char proxy[PATH_MAX * 2];
	snprintf(proxy, sizeof proxy, "%s --serve %s %s %s %s %s %s/serve.result", r->self, r->dir, c->kex,
		 c->hk->alg, c->cipher, combo_mac_list(c), r->dir);
	if (!run_ssh(r, c, proxy, why, wn))
		return false;
	/* The engine's verdict first: when it failed, ssh's complaint is the
	 * consequence. */
	return check_serve_result(r, c, why, wn) && check_ssh_err(r, c, why, wn);
}

/* ---- mode selftest: ssh -> sshd -i, OpenSSH on both ends ---- */

static bool one_selftest(struct run *r, const struct combo *c, char *why, size_t wn)
{
	if (!write_sshd_config(r, c) || !write_known_hosts(r, c)) {
		snprintf(why, wn, "cannot write sshd_config / known_hosts");
		return false;
	}
	char proxy[PATH_MAX * 2];
	snprintf(proxy, sizeof proxy, "%s --sshd-exec %s", r->self, r->dir);
	return run_ssh(r, c, proxy, why, wn) && check_ssh_err(r, c, why, wn) && check_sshd_log(r, c, why, wn);
}

/* ---- hidden child modes ---- */

static int serve_main(int argc, char **argv)
{
	/* --serve DIR KEX HOSTKEY CIPHER MAC RESULT */
	if (argc != 8)
		return 2;
	const char *dir = argv[2], *result = argv[7];
	const struct combo c0 = {argv[3], hostkey_by_alg(argv[4]), argv[5], argv[6]};
	/* ssh sends SIGHUP to its ProxyCommand when it exits; finish instead,
	 * so the leak checker still runs and reports into serve.log. */
	signal(SIGHUP, SIG_IGN);
	char path[PATH_MAX];
	path_join(path, sizeof path, dir, "serve.log");
	int lf = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (lf >= 0) {
		dup2(lf, 2);
		close(lf);
	}
	if (!c0.hk) {
		fprintf(stderr, "serve: unknown host key algorithm %s\n", argv[4]);
		return 2;
	}

	char keypath[PATH_MAX], pubpath[PATH_MAX], line[4096];
	struct sigkey *host = NULL, *user = NULL;
	path_join(keypath, sizeof keypath, dir, keyfiles[c0.hk->keyfile].file);
	path_join(pubpath, sizeof pubpath, dir, "user_ed25519.pub");
	sd_err e = sigkey_load_file(keypath, &host);
	if (e == SD_OK)
		e = read_pub_line(pubpath, line, sizeof line) ? pub_from_line(line, &user) : SD_ERR_KEY_FILE;
	if (e != SD_OK) {
		fprintf(stderr, "serve: loading keys: %s\n", sd_err_name(e));
		FILE *rf = fopen(result, "w");
		if (rf) {
			fprintf(rf, "auth=none pump=%s error=keys\n", sd_err_rule(e));
			fclose(rf);
		}
		sigkey_free(host);
		sigkey_free(user);
		return 1;
	}

	char seed[256];
	snprintf(seed, sizeof seed, "interop_openssh server %s %s %s %s", c0.kex, c0.hk->alg, c0.cipher, c0.mac);
	struct rng_seeded rng;
	rng_seeded_init(&rng, seed, strlen(seed));
	struct sigkey *hks[1] = {host};
	struct sigkey *auth[1] = {user};
	struct machine_config cfg = {
		.role = MACHINE_SERVER,
		.rng = &rng.base,
		.algs = {c0.kex, c0.hk->alg, c0.cipher, c0.cipher, c0.mac, c0.mac, "none", "none"},
		.host_keys = hks,
		.n_host_keys = 1,
		.auth_user = TEST_USER,
		.auth_password = TEST_PASSWORD,
		.authorized_keys = auth,
		.n_authorized_keys = 1,
		.auth_required = "publickey,password",
	};
	struct machine *m = NULL;
	sd_err pumped = machine_new(&cfg, &m);
	if (pumped == SD_OK)
		pumped = pump_run(m, 0, 1, ENGINE_TIMEOUT_MS);

	FILE *rf = fopen(result, "w");
	if (rf && m) {
		const struct machine_result *res = machine_result(m);
#define NAME_(s) ((s)[0] ? (s) : "-")
		fprintf(rf, "auth=%s method=%s kex=%s hostkey=%s cipher_cs=%s cipher_sc=%s mac_cs=%s mac_sc=%s pump=%s error=%s\n",
			auth_name(res->auth), NAME_(res->auth_method), NAME_(res->kex), NAME_(res->hostkey),
			NAME_(res->cipher_cs), NAME_(res->cipher_sc), NAME_(res->mac_cs), NAME_(res->mac_sc),
			pumped == SD_AGAIN ? "timeout" : sd_err_rule(pumped), sd_err_rule(res->error));
#undef NAME_
	} else if (rf) {
		fprintf(rf, "auth=none pump=%s error=machine_new\n", sd_err_rule(pumped));
	}
	if (rf)
		fclose(rf);
	if (!m || pumped != SD_OK) {
		char why[512];
		if (m)
			engine_failure(m, pumped, why, sizeof why);
		else
			snprintf(why, sizeof why, "machine_new: %s", sd_err_name(pumped));
		fprintf(stderr, "serve: %s\n", why);
	}

	/* Authenticated: keep serving until ssh gives up (it opens a session
	 * channel, which the engine refuses), so ssh sees a clean end. */
	for (long end = now_ms() + 3000; m && pumped == SD_OK && now_ms() < end;) {
		bool progress, eof;
		if (pump_step(m, 0, 1, &progress, &eof) != SD_OK || eof || machine_result(m)->closed)
			break;
		if (!progress) {
			struct pollfd p = {.fd = 0, .events = POLLIN};
			poll(&p, 1, 100);
		}
	}
	if (m)
		pump_flush(m, 1, 1000);
	machine_free(m);
	sigkey_free(host);
	sigkey_free(user);
	return 0;
}

/* ---- main ---- */

enum mode { MODE_SSHD, MODE_SSH, MODE_SELFTEST };

static void print_matrix(const char *mode, const char *kex, size_t n)
{
	printf("matrix (%s, kex %s): %zu host key algorithms x %zu cipher/MAC combinations = %zu connections\n", mode,
	       kex, N_HOSTKEYS, N_CIPHER_MAC, n);
	printf("  host keys:");
	for (size_t i = 0; i < N_HOSTKEYS; i++)
		printf(" %s", hostkeys[i].alg);
	printf("\n  AEAD (MAC implicit):");
	for (size_t i = 0; i < N_AEAD; i++)
		printf(" %s", aead_ciphers[i]);
	printf("\n  ciphers:");
	for (size_t i = 0; i < N_CTR; i++)
		printf(" %s", ctr_ciphers[i]);
	printf("\n  x MACs:");
	for (size_t i = 0; i < N_MACS; i++)
		printf(" %s", macs[i]);
	printf("\n  auth: publickey (ssh-ed25519) + password, both required\n");
}

static int usage(void)
{
	fprintf(stderr, "usage: interop_openssh sshd|ssh|selftest <kex>\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--serve") == 0)
		return serve_main(argc, argv);
	if (argc == 3 && strcmp(argv[1], "--sshd-exec") == 0)
		exec_sshd(argv[2]);
	if (argc != 3)
		return usage();

	enum mode mode;
	if (strcmp(argv[1], "sshd") == 0)
		mode = MODE_SSHD;
	else if (strcmp(argv[1], "ssh") == 0)
		mode = MODE_SSH;
	else if (strcmp(argv[1], "selftest") == 0)
		mode = MODE_SELFTEST;
	else
		return usage();

	setvbuf(stdout, NULL, _IOLBF, 0);
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN); /* a peer that dies is a failed connection */
	/* ssh's ProxyCommand is reparented to us when ssh exits: lets
	 * run_ssh() wait for the engine server to finish its checks. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
		fprintf(stderr, "interop_openssh: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));

	struct run r = {.kex = argv[2]};
	if (!setup(&r, mode != MODE_SELFTEST)) {
		fprintf(stderr, "interop_openssh: set-up failed\n");
		run_free(&r);
		return 1;
	}

	long t0 = now_ms();
	struct combo combos[N_COMBOS];
	size_t n = combos_build(r.kex, combos);
	for (size_t i = 0; i < n; i++) {
		const struct combo *c = &combos[i];
		char why[1024] = "";
		clear_logs(&r);
		bool ok = mode == MODE_SSHD  ? one_sshd(&r, c, why, sizeof why)
			  : mode == MODE_SSH ? one_ssh(&r, c, why, sizeof why)
					     : one_selftest(&r, c, why, sizeof why);
		check_count++;
		if (ok) {
			printf("ok %s %s %s %s\n", c->kex, c->hk->alg, c->cipher, combo_mac_shown(c));
			continue;
		}
		check_failures++;
		printf("FAIL %s %s %s %s %s\n", c->kex, c->hk->alg, c->cipher, combo_mac_shown(c), why);
		char p[PATH_MAX];
		if (mode != MODE_SSHD) {
			path_join(p, sizeof p, r.dir, "ssh.err");
			print_tail("ssh -vvv stderr", p, TAIL_LINES);
		}
		if (mode == MODE_SSH) {
			path_join(p, sizeof p, r.dir, "serve.log");
			print_tail("engine server log", p, TAIL_LINES);
		} else {
			path_join(p, sizeof p, r.dir, "sshd.log");
			print_tail("sshd.log", p, TAIL_LINES);
			path_join(p, sizeof p, r.dir, "sshd.stderr");
			print_tail("sshd stderr", p, 10);
		}
	}
	print_matrix(argv[1], r.kex, n);
	printf("time: %.1f s\n", (double)(now_ms() - t0) / 1000.0);
	run_free(&r);
	return check_finish();
}

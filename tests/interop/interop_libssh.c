/*
 * interop_libssh.c — the engine against libssh 0.10 over a socketpair.
 *
 *   interop_libssh libssh-server KEX   engine client -> libssh server
 *   interop_libssh libssh-client KEX   libssh client -> engine server
 *   interop_libssh libssh-self KEX     libssh client -> libssh server: checks
 *                                      the harness's libssh plumbing alone
 *   optional 3rd/4th arguments: only that host key algorithm / cipher
 *   (for debugging by hand; the registered tests never pass them)
 *
 * For one KEX method every host key algorithm (7) x cipher/MAC combination
 * (3 AEAD + 3 CTR x 6 MAC = 21) is one connection, 147 in all, both sides
 * configured to exactly that algorithm per category.  Each must end in
 * publickey AND password authentication: partial success after the first
 * method, success after the second (RFC 4252 section 5.1).  Per host key two
 * more connections offer a wrong password / an unauthorized key and must be
 * refused (161 lines in all).  Both peers run in this one thread,
 * non-blocking, stepped in turn; a connection that does not finish in
 * CONN_TIMEOUT_MS fails.
 *
 * Output: one line per connection ("ok ..." or "FAIL ... <reason>"), then
 * "N passed, N failed"; exit status 1 on any failure.
 *
 * libssh 0.10.6 facts this relies on (checked against its source): an auth
 * callback returning SSH_AUTH_PARTIAL makes libssh send USERAUTH_FAILURE
 * with partial success set, listing ssh_set_auth_methods(); ssh-rsa needs no
 * SHA-1 switch outside FIPS mode, naming it in the algorithm lists is enough;
 * ssh_get_kex_algo() returns NULL for the group-exchange methods.
 *
 * Set SSHDIFF_LIBSSH_LOG=1..4 to get libssh's log on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <sodium.h>

#include "proto/machine.h"
#include "tests/support/pump.h"

#define CONN_TIMEOUT_MS 10000
/* After one side failed, how long the other may take to notice (so its own
 * error can be reported too). */
#define DRAIN_MS 200

#define TEST_USER "sshdiff-test"
#define TEST_PASSWORD "sshdiff correct horse battery staple"
#define WRONG_PASSWORD "sshdiff correct horse battery stapler"
/* The user key's algorithm: what both sides accept for publickey auth. */
#define USER_KEY_ALG "ssh-ed25519"
/* With an AEAD cipher the MAC lists are still sent (RFC 4253 section 7.1
 * wants a non-empty list) but no MAC is negotiated: both sides propose this. */
#define AEAD_MAC_LIST "hmac-sha2-256"

/* ---------------------------------------------------------------- matrix */

static const char *const test_kex[] = {
	"curve25519-sha256", "curve25519-sha256@libssh.org",
	"ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
	"diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1",
	"diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
	"diffie-hellman-group-exchange-sha256", "diffie-hellman-group-exchange-sha1",
};

static const char *const test_hostkeys[] = {
	"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"rsa-sha2-256", "rsa-sha2-512", "ssh-rsa",
};

static const char *const test_aead[] = {
	"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
};

static const char *const test_ctr[] = {"aes128-ctr", "aes192-ctr", "aes256-ctr"};

static const char *const test_macs[] = {
	"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha1-etm@openssh.com",
	"hmac-sha2-256", "hmac-sha2-512", "hmac-sha1",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Negative connections: the client offers a password or a key the server
 * must refuse, so that a harness accepting anything cannot pass. */
enum neg { NEG_NONE, NEG_PASSWORD, NEG_KEY };

struct combo {
	const char *kex, *hostkey, *cipher;
	const char *mac; /* NULL with an AEAD cipher */
};

static const char *combo_mac_list(const struct combo *c)
{
	return c->mac ? c->mac : AEAD_MAC_LIST;
}

static const char *combo_mac_label(const struct combo *c)
{
	return c->mac ? c->mac : "(aead)";
}

/* What libssh's ssh_get_hmac_in/out report: AEAD ciphers get a pseudo-MAC. */
static const char *libssh_mac_name(const struct combo *c)
{
	if (c->mac)
		return c->mac;
	return strncmp(c->cipher, "chacha20", 8) == 0 ? "aead-poly1305" : "aead-gcm";
}

static bool is_gex(const char *kex)
{
	return strncmp(kex, "diffie-hellman-group-exchange-", 30) == 0;
}

/* ------------------------------------------------------------------ keys */

enum key_id { K_ED25519, K_P256, K_P384, K_P521, K_RSA, K_USER, K_COUNT };

static const struct {
	const char *file, *type, *bits;
} key_spec[K_COUNT] = {
	[K_ED25519] = {"host_ed25519", "ed25519", NULL},
	[K_P256] = {"host_ecdsa256", "ecdsa", "256"},
	[K_P384] = {"host_ecdsa384", "ecdsa", "384"},
	[K_P521] = {"host_ecdsa521", "ecdsa", "521"},
	[K_RSA] = {"host_rsa", "rsa", "3072"},
	[K_USER] = {"user_ed25519", "ed25519", NULL},
};

struct keyset {
	char dir[64];
	char priv[K_COUNT][128], pub[K_COUNT][136];
	struct sigkey *eng_priv[K_COUNT]; /* the engine's private keys */
	struct sigkey *eng_pub[K_COUNT];  /* the engine's view of the .pub files */
	ssh_key ls_pub[K_COUNT];          /* libssh's view of the .pub files */
	ssh_key ls_priv[K_COUNT];         /* libssh's view of the private keys */
};

static enum key_id hostkey_key(const char *alg)
{
	if (strcmp(alg, "ssh-ed25519") == 0)
		return K_ED25519;
	if (strcmp(alg, "ecdsa-sha2-nistp256") == 0)
		return K_P256;
	if (strcmp(alg, "ecdsa-sha2-nistp384") == 0)
		return K_P384;
	if (strcmp(alg, "ecdsa-sha2-nistp521") == 0)
		return K_P521;
	return K_RSA; /* rsa-sha2-256, rsa-sha2-512, ssh-rsa */
}

static bool run_ssh_keygen(const char *type, const char *bits, const char *path)
{
	const char *argv[] = {"ssh-keygen", "-q", "-t", type, "-N", "", "-C", "sshdiff-interop",
			      "-f", path, bits ? "-b" : NULL, bits, NULL};
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* The engine's public key from an OpenSSH .pub line "type base64 comment". */
static sd_err load_engine_pub(const char *path, struct sigkey **out)
{
	char line[4096];
	FILE *f = fopen(path, "r");
	if (!f)
		return SD_ERR_KEY_FILE;
	char *ok = fgets(line, sizeof line, f);
	fclose(f);
	if (!ok)
		return SD_ERR_KEY_FILE;
	char *b64 = strchr(line, ' ');
	if (!b64)
		return SD_ERR_KEY_FILE;
	b64++;
	size_t b64_len = strcspn(b64, " \r\n");
	uint8_t blob[2048];
	size_t blob_len;
	if (sodium_base642bin(blob, sizeof blob, b64, b64_len, NULL, &blob_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return SD_ERR_KEY_FILE;
	return sigkey_from_blob((struct span){blob, blob_len}, out);
}

static void keyset_free(struct keyset *ks)
{
	for (int i = 0; i < K_COUNT; i++) {
		sigkey_free(ks->eng_priv[i]);
		sigkey_free(ks->eng_pub[i]);
		ssh_key_free(ks->ls_pub[i]);
		ssh_key_free(ks->ls_priv[i]);
		if (ks->priv[i][0]) {
			unlink(ks->priv[i]);
			unlink(ks->pub[i]);
		}
	}
	if (ks->dir[0])
		rmdir(ks->dir);
	memset(ks, 0, sizeof *ks);
}

static bool keyset_make(struct keyset *ks)
{
	memset(ks, 0, sizeof *ks);
	strcpy(ks->dir, "/tmp/sshdiff-libssh-XXXXXX");
	if (!mkdtemp(ks->dir)) {
		ks->dir[0] = '\0';
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return false;
	}
	for (int i = 0; i < K_COUNT; i++) {
		snprintf(ks->priv[i], sizeof ks->priv[i], "%s/%s", ks->dir, key_spec[i].file);
		snprintf(ks->pub[i], sizeof ks->pub[i], "%s.pub", ks->priv[i]);
		if (!run_ssh_keygen(key_spec[i].type, key_spec[i].bits, ks->priv[i])) {
			fprintf(stderr, "ssh-keygen failed for %s\n", ks->priv[i]);
			return false;
		}
		sd_err e;
		if ((e = sigkey_load_file(ks->priv[i], &ks->eng_priv[i])) != SD_OK ||
		    (e = load_engine_pub(ks->pub[i], &ks->eng_pub[i])) != SD_OK) {
			fprintf(stderr, "engine cannot load %s: %s\n", ks->priv[i], sd_err_name(e));
			return false;
		}
		if (ssh_pki_import_pubkey_file(ks->pub[i], &ks->ls_pub[i]) != SSH_OK ||
		    ssh_pki_import_privkey_file(ks->priv[i], NULL, NULL, NULL, &ks->ls_priv[i]) != SSH_OK) {
			fprintf(stderr, "libssh cannot load %s\n", ks->priv[i]);
			return false;
		}
	}
	return true;
}

/* What the client offers: the host Ed25519 key has the user key's
 * algorithm but is not authorized. */
static enum key_id client_key(enum neg neg)
{
	return neg == NEG_KEY ? K_ED25519 : K_USER;
}

static const char *client_password(enum neg neg)
{
	return neg == NEG_PASSWORD ? WRONG_PASSWORD : TEST_PASSWORD;
}

/* ------------------------------------------------------------ the sides */

enum pstat { P_PENDING, P_DONE, P_FAILED };

static bool fd_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) > 0;
}

static void why(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void why(char *buf, size_t n, const char *fmt, ...)
{
	if (buf[0])
		return; /* keep the first reason */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

/* --- the engine, either role --- */

struct eng_side {
	struct machine *m;
	struct rng_seeded rng;
	struct sigkey *host_keys[1], *authorized[1], *identities[1], *known[1];
	int fd;
};

static sd_err eng_start(struct eng_side *e, enum machine_role role, const struct combo *c,
			const struct keyset *ks, int fd, unsigned seed, enum neg neg)
{
	struct machine_config cfg = {0};
	enum key_id hk = hostkey_key(c->hostkey);

	e->fd = fd;
	rng_seeded_init(&e->rng, &seed, sizeof seed);
	cfg.role = role;
	cfg.rng = &e->rng.base;
	cfg.algs.kex = c->kex;
	cfg.algs.hostkey = c->hostkey;
	cfg.algs.cipher_cs = cfg.algs.cipher_sc = c->cipher;
	cfg.algs.mac_cs = cfg.algs.mac_sc = combo_mac_list(c);
	cfg.algs.comp_cs = cfg.algs.comp_sc = "none";
	if (role == MACHINE_SERVER) {
		e->host_keys[0] = ks->eng_priv[hk];
		e->authorized[0] = ks->eng_pub[K_USER];
		cfg.host_keys = e->host_keys;
		cfg.n_host_keys = 1;
		cfg.auth_user = TEST_USER;
		cfg.auth_password = TEST_PASSWORD;
		cfg.authorized_keys = e->authorized;
		cfg.n_authorized_keys = 1;
		cfg.auth_required = "publickey,password";
	} else {
		e->identities[0] = ks->eng_priv[client_key(neg)];
		e->known[0] = ks->eng_pub[hk];
		cfg.user = TEST_USER;
		cfg.password = client_password(neg);
		cfg.identities = e->identities;
		cfg.n_identities = 1;
		cfg.auth_order = "publickey,password";
		cfg.known_host_keys = e->known;
		cfg.n_known_host_keys = 1;
	}
	return machine_new(&cfg, &e->m);
}

static enum pstat eng_step(struct eng_side *e, bool *progress, char *reason, size_t rn)
{
	bool eof;
	sd_err err = pump_step(e->m, e->fd, e->fd, progress, &eof);
	const struct machine_result *r = machine_result(e->m);

	if (err != SD_OK || r->error != SD_OK) {
		sd_err shown = r->error != SD_OK ? r->error : err;
		why(reason, rn, "engine: %s (%s) disconnect_reason=%u", sd_err_rule(shown), sd_err_name(shown),
		    r->peer_disconnect_reason);
		pump_flush(e->m, e->fd, 0); /* let the peer see our DISCONNECT */
		return P_FAILED;
	}
	if (machine_done(e->m)) {
		if (machine_output(e->m).len > 0)
			return P_PENDING; /* still flushing */
		if (r->auth == AUTH_SUCCESS)
			return P_DONE;
		why(reason, rn, "engine: done without authentication (auth=%d closed=%d)", (int)r->auth, r->closed);
		return P_FAILED;
	}
	if (eof) {
		why(reason, rn, "engine: peer closed the connection");
		return P_FAILED;
	}
	return P_PENDING;
}

static bool eng_check(const struct eng_side *e, const struct combo *c, char *reason, size_t rn)
{
	const struct machine_result *r = machine_result(e->m);
	const char *mac = c->mac ? c->mac : ""; /* no MAC negotiated with AEAD */

	if (r->auth != AUTH_SUCCESS) {
		why(reason, rn, "engine: auth not successful");
		return false;
	}
	if (strcmp(r->kex, c->kex) || strcmp(r->hostkey, c->hostkey) || strcmp(r->cipher_cs, c->cipher) ||
	    strcmp(r->cipher_sc, c->cipher) || strcmp(r->mac_cs, mac) || strcmp(r->mac_sc, mac)) {
		why(reason, rn, "engine negotiated %s %s %s/%s %s/%s", r->kex, r->hostkey, r->cipher_cs,
		    r->cipher_sc, r->mac_cs, r->mac_sc);
		return false;
	}
	return true;
}

/* Did the engine client see partial success (after its first method)? */
static bool eng_saw_partial(const struct eng_side *e)
{
	const struct machine_event *ev;
	size_t n = machine_events(e->m, &ev);
	for (size_t i = 0; i < n; i++)
		if (ev[i].type == MEV_AUTH_PARTIAL)
			return true;
	return false;
}

/* --- libssh as server --- */

struct ls_server {
	ssh_bind bind;
	ssh_session s;
	ssh_event ev;
	struct ssh_server_callbacks_struct cb;
	ssh_key user_pub;
	int fd;
	bool fd_owned_by_libssh;
	bool kex_done;
	bool pk_ok, pw_ok, success_sent;
	int denied; /* attempts the callbacks refused */
};

/* Both methods are required: the first one to succeed gives partial success
 * and leaves only the other method to continue with (RFC 4252 section 5.1). */
static int srv_method_done(struct ls_server *srv)
{
	if (srv->pk_ok && srv->pw_ok) {
		srv->success_sent = true;
		return SSH_AUTH_SUCCESS;
	}
	ssh_set_auth_methods(srv->s, srv->pk_ok ? SSH_AUTH_METHOD_PASSWORD : SSH_AUTH_METHOD_PUBLICKEY);
	return SSH_AUTH_PARTIAL;
}

static int srv_auth_password(ssh_session s, const char *user, const char *password, void *userdata)
{
	struct ls_server *srv = userdata;
	size_t want = strlen(TEST_PASSWORD);

	if (strcmp(user, TEST_USER) != 0 || strlen(password) != want || !ct_memeq(password, TEST_PASSWORD, want)) {
		srv->denied++;
		return SSH_AUTH_DENIED;
	}
	srv->pw_ok = true;
	return srv_method_done(srv);
}

static int srv_auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *pubkey, char signature_state,
			   void *userdata)
{
	struct ls_server *srv = userdata;

	if (strcmp(user, TEST_USER) != 0 || ssh_key_cmp(pubkey, srv->user_pub, SSH_KEY_CMP_PUBLIC) != 0) {
		srv->denied++;
		return SSH_AUTH_DENIED;
	}
	if (signature_state == SSH_PUBLICKEY_STATE_NONE)
		return SSH_AUTH_SUCCESS; /* a query: libssh answers PK_OK */
	if (signature_state != SSH_PUBLICKEY_STATE_VALID) {
		srv->denied++;
		return SSH_AUTH_DENIED;
	}
	srv->pk_ok = true;
	return srv_method_done(srv);
}

static const char *ls_error(void *obj)
{
	const char *e = obj ? ssh_get_error(obj) : "";
	return e && e[0] ? e : "(no libssh error)";
}

#define BIND_SET(opt, val)                                                                    \
	do {                                                                                  \
		if (ssh_bind_options_set(srv->bind, (opt), (val)) != SSH_OK) {                \
			why(reason, rn, "libssh server: option %s=%s: %s", #opt, (const char *)(val), \
			    ls_error(srv->bind));                                             \
			return false;                                                         \
		}                                                                             \
	} while (0)

static bool srv_start(struct ls_server *srv, const struct combo *c, const struct keyset *ks, int fd, char *reason,
		      size_t rn)
{
	bool no = false;
	const char *log = getenv("SSHDIFF_LIBSSH_LOG");

	srv->fd = fd;
	srv->user_pub = ks->ls_pub[K_USER];
	srv->bind = ssh_bind_new();
	srv->s = ssh_new();
	if (!srv->bind || !srv->s) {
		why(reason, rn, "libssh server: out of memory");
		return false;
	}
	/* before anything else, so no configuration file is read */
	if (ssh_bind_options_set(srv->bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no) != SSH_OK) {
		why(reason, rn, "libssh server: PROCESS_CONFIG: %s", ls_error(srv->bind));
		return false;
	}
	if (log)
		BIND_SET(SSH_BIND_OPTIONS_LOG_VERBOSITY_STR, log);
	BIND_SET(SSH_BIND_OPTIONS_HOSTKEY, ks->priv[hostkey_key(c->hostkey)]);
	BIND_SET(SSH_BIND_OPTIONS_KEY_EXCHANGE, c->kex);
	BIND_SET(SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, c->hostkey);
	BIND_SET(SSH_BIND_OPTIONS_CIPHERS_C_S, c->cipher);
	BIND_SET(SSH_BIND_OPTIONS_CIPHERS_S_C, c->cipher);
	BIND_SET(SSH_BIND_OPTIONS_HMAC_C_S, combo_mac_list(c));
	BIND_SET(SSH_BIND_OPTIONS_HMAC_S_C, combo_mac_list(c));
	BIND_SET(SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES, USER_KEY_ALG);

	if (ssh_bind_accept_fd(srv->bind, srv->s, fd) != SSH_OK) {
		why(reason, rn, "libssh server: ssh_bind_accept_fd: %s", ls_error(srv->bind));
		return false;
	}
	srv->fd_owned_by_libssh = true;

	/* Callbacks before the key exchange: libssh dispatches auth requests
	 * from its packet handlers as soon as they arrive. */
	ssh_callbacks_init(&srv->cb);
	srv->cb.userdata = srv;
	srv->cb.auth_password_function = srv_auth_password;
	srv->cb.auth_pubkey_function = srv_auth_pubkey;
	if (ssh_set_server_callbacks(srv->s, &srv->cb) != SSH_OK) {
		why(reason, rn, "libssh server: ssh_set_server_callbacks: %s", ls_error(srv->s));
		return false;
	}
	ssh_set_auth_methods(srv->s, SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_PASSWORD);
	ssh_set_blocking(srv->s, 0);
	return true;
}

static enum pstat srv_step(struct ls_server *srv, bool *progress, char *reason, size_t rn)
{
	*progress = fd_readable(srv->fd);
	if (!srv->kex_done) {
		int rc = ssh_handle_key_exchange(srv->s);
		if (rc == SSH_AGAIN)
			return P_PENDING;
		if (rc != SSH_OK) {
			why(reason, rn, "libssh server: key exchange: %s", ls_error(srv->s));
			return P_FAILED;
		}
		srv->kex_done = true;
		*progress = true;
		srv->ev = ssh_event_new();
		if (!srv->ev || ssh_event_add_session(srv->ev, srv->s) != SSH_OK) {
			why(reason, rn, "libssh server: ssh_event_add_session failed");
			return P_FAILED;
		}
	}
	if (srv->success_sent)
		return P_DONE;
	if (ssh_event_dopoll(srv->ev, 0) == SSH_ERROR) {
		why(reason, rn, "libssh server: ssh_event_dopoll: %s", ls_error(srv->s));
		return P_FAILED;
	}
	if (ssh_get_status(srv->s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) {
		why(reason, rn, "libssh server: session closed: %s", ls_error(srv->s));
		return P_FAILED;
	}
	return srv->success_sent ? P_DONE : P_PENDING;
}

static void srv_free(struct ls_server *srv)
{
	if (srv->ev) {
		if (srv->s)
			ssh_event_remove_session(srv->ev, srv->s);
		ssh_event_free(srv->ev);
	}
	ssh_free(srv->s); /* closes the fd once accepted */
	ssh_bind_free(srv->bind);
	if (!srv->fd_owned_by_libssh && srv->fd >= 0)
		close(srv->fd);
}

/* --- libssh as client --- */

enum lc_phase { LC_CONNECT, LC_PUBKEY, LC_PASSWORD, LC_DONE };

struct ls_client {
	ssh_session s;
	enum lc_phase phase;
	ssh_key user_priv, host_pub;
	const char *password;
	bool negative; /* a refusal is expected: go on through both methods */
	int fd;
	int pk_rc, pw_rc; /* final results of the two attempts; AUTH_NOT_TRIED before */
};

#define AUTH_NOT_TRIED 100

#define CLI_SET(opt, val)                                                                         \
	do {                                                                                      \
		if (ssh_options_set(cli->s, (opt), (val)) != SSH_OK) {                            \
			why(reason, rn, "libssh client: option %s: %s", #opt, ls_error(cli->s)); \
			return false;                                                             \
		}                                                                                 \
	} while (0)

static bool cli_start(struct ls_client *cli, const struct combo *c, const struct keyset *ks, int fd, enum neg neg,
		      char *reason, size_t rn)
{
	bool no = false;
	const char *log = getenv("SSHDIFF_LIBSSH_LOG");

	cli->fd = fd;
	cli->pk_rc = cli->pw_rc = AUTH_NOT_TRIED;
	cli->negative = neg != NEG_NONE;
	cli->password = client_password(neg);
	cli->user_priv = ks->ls_priv[client_key(neg)];
	cli->host_pub = ks->ls_pub[hostkey_key(c->hostkey)];
	cli->s = ssh_new();
	if (!cli->s) {
		why(reason, rn, "libssh client: out of memory");
		return false;
	}
	CLI_SET(SSH_OPTIONS_PROCESS_CONFIG, &no);
	if (log)
		CLI_SET(SSH_OPTIONS_LOG_VERBOSITY_STR, log);
	CLI_SET(SSH_OPTIONS_HOST, "sshdiff-engine");
	CLI_SET(SSH_OPTIONS_USER, TEST_USER);
	/* nothing in ~/.ssh is read or written */
	CLI_SET(SSH_OPTIONS_SSH_DIR, ks->dir);
	CLI_SET(SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
	CLI_SET(SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	CLI_SET(SSH_OPTIONS_KEY_EXCHANGE, c->kex);
	CLI_SET(SSH_OPTIONS_HOSTKEYS, c->hostkey);
	CLI_SET(SSH_OPTIONS_CIPHERS_C_S, c->cipher);
	CLI_SET(SSH_OPTIONS_CIPHERS_S_C, c->cipher);
	CLI_SET(SSH_OPTIONS_HMAC_C_S, combo_mac_list(c));
	CLI_SET(SSH_OPTIONS_HMAC_S_C, combo_mac_list(c));
	CLI_SET(SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES, USER_KEY_ALG);
	CLI_SET(SSH_OPTIONS_FD, &fd);
	ssh_set_blocking(cli->s, 0);
	return true;
}

static const char *auth_rc_name(int rc)
{
	switch (rc) {
	case SSH_AUTH_SUCCESS: return "SSH_AUTH_SUCCESS";
	case SSH_AUTH_DENIED: return "SSH_AUTH_DENIED";
	case SSH_AUTH_PARTIAL: return "SSH_AUTH_PARTIAL";
	case SSH_AUTH_INFO: return "SSH_AUTH_INFO";
	case SSH_AUTH_AGAIN: return "SSH_AUTH_AGAIN";
	case SSH_AUTH_ERROR: return "SSH_AUTH_ERROR";
	default: return "?";
	}
}

static enum pstat cli_step(struct ls_client *cli, bool *progress, char *reason, size_t rn)
{
	enum lc_phase before = cli->phase;
	int rc;

	*progress = fd_readable(cli->fd);
	switch (cli->phase) {
	case LC_CONNECT:
		rc = ssh_connect(cli->s);
		if (rc == SSH_AGAIN)
			break;
		if (rc != SSH_OK) {
			why(reason, rn, "libssh client: ssh_connect: %s", ls_error(cli->s));
			return P_FAILED;
		}
		ssh_key k = NULL;
		if (ssh_get_server_publickey(cli->s, &k) != SSH_OK) {
			why(reason, rn, "libssh client: no server key: %s", ls_error(cli->s));
			return P_FAILED;
		}
		rc = ssh_key_cmp(k, cli->host_pub, SSH_KEY_CMP_PUBLIC);
		ssh_key_free(k);
		if (rc != 0) {
			why(reason, rn, "libssh client: server host key is not the expected one");
			return P_FAILED;
		}
		cli->phase = LC_PUBKEY;
		break;
	case LC_PUBKEY:
		rc = ssh_userauth_publickey(cli->s, NULL, cli->user_priv);
		if (rc == SSH_AUTH_AGAIN)
			break;
		cli->pk_rc = rc;
		/* both methods are required: the first can only be partial */
		if (rc == SSH_AUTH_ERROR || (!cli->negative && rc != SSH_AUTH_PARTIAL)) {
			why(reason, rn, "libssh client: publickey gave %s, want SSH_AUTH_PARTIAL: %s",
			    auth_rc_name(rc), ls_error(cli->s));
			return P_FAILED;
		}
		cli->phase = rc == SSH_AUTH_SUCCESS ? LC_DONE : LC_PASSWORD;
		break;
	case LC_PASSWORD:
		rc = ssh_userauth_password(cli->s, NULL, cli->password);
		if (rc == SSH_AUTH_AGAIN)
			break;
		cli->pw_rc = rc;
		if (rc == SSH_AUTH_ERROR || (!cli->negative && rc != SSH_AUTH_SUCCESS)) {
			why(reason, rn, "libssh client: password gave %s, want SSH_AUTH_SUCCESS: %s",
			    auth_rc_name(rc), ls_error(cli->s));
			return P_FAILED;
		}
		cli->phase = LC_DONE;
		break;
	case LC_DONE:
		return P_DONE;
	}
	if (cli->phase != before)
		*progress = true;
	if (ssh_get_status(cli->s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) {
		why(reason, rn, "libssh client: session closed: %s", ls_error(cli->s));
		return P_FAILED;
	}
	return cli->phase == LC_DONE ? P_DONE : P_PENDING;
}

static void cli_free(struct ls_client *cli)
{
	ssh_free(cli->s);
	/* libssh closes an SSH_OPTIONS_FD socket only once ssh_connect took it
	 * over; close it here if it is still open (one thread: the number
	 * cannot have been reused in between). */
	if (cli->fd >= 0 && fcntl(cli->fd, F_GETFD) != -1)
		close(cli->fd);
}

/* libssh's view of what was negotiated (RFC 4253 section 7.1). */
static bool ls_check(ssh_session s, const char *who, const struct combo *c, char *reason, size_t rn)
{
	const char *kex = ssh_get_kex_algo(s);
	const char *cin = ssh_get_cipher_in(s), *cout = ssh_get_cipher_out(s);
	const char *hin = ssh_get_hmac_in(s), *hout = ssh_get_hmac_out(s);
	const char *mac = libssh_mac_name(c);

	/* libssh 0.10's ssh_get_kex_algo has no name for the GEX methods */
	bool kex_ok = kex ? strcmp(kex, c->kex) == 0 : is_gex(c->kex);
	if (!kex_ok || !cin || !cout || !hin || !hout || strcmp(cin, c->cipher) || strcmp(cout, c->cipher) ||
	    strcmp(hin, mac) || strcmp(hout, mac)) {
		why(reason, rn, "%s negotiated kex=%s cipher=%s/%s hmac=%s/%s", who, kex ? kex : "(null)",
		    cin ? cin : "(null)", cout ? cout : "(null)", hin ? hin : "(null)", hout ? hout : "(null)");
		return false;
	}
	return true;
}

/* ------------------------------------------------------- one connection */

enum mode { MODE_LIBSSH_SERVER, MODE_LIBSSH_CLIENT, MODE_SELF };

struct conn {
	enum mode mode;
	enum neg neg;
	const struct combo *c;
	struct eng_side eng;
	struct ls_server srv;
	struct ls_client cli;
	char reason[1024];
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The client side (engine or libssh). */
static enum pstat step_client(struct conn *k, bool *progress)
{
	if (k->mode == MODE_LIBSSH_SERVER)
		return eng_step(&k->eng, progress, k->reason, sizeof k->reason);
	return cli_step(&k->cli, progress, k->reason, sizeof k->reason);
}

static enum pstat step_server(struct conn *k, bool *progress)
{
	if (k->mode == MODE_LIBSSH_CLIENT)
		return eng_step(&k->eng, progress, k->reason, sizeof k->reason);
	return srv_step(&k->srv, progress, k->reason, sizeof k->reason);
}

static unsigned long idle_waits; /* polls that timed out: should stay 0 */

/* Nothing moved this round: wait for the next bytes (bounded).  False when
 * none came. */
static bool wait_input(int fd_client, int fd_server)
{
	struct pollfd p[2] = {{.fd = fd_client, .events = POLLIN}, {.fd = fd_server, .events = POLLIN}};
	return poll(p, 2, 10) > 0;
}

/* Steps both sides in turn until both are done (a negative connection: until
 * the client gave up), one fails, or time runs out.  True when both are done. */
static bool conn_pump(struct conn *k, int fd_client, int fd_server)
{
	long deadline = now_ms() + CONN_TIMEOUT_MS;
	enum pstat pc = P_PENDING, ps = P_PENDING;
	bool both_done = false;

	for (;;) {
		bool prog_c = false, prog_s = false;
		if (pc == P_PENDING)
			pc = step_client(k, &prog_c);
		if (ps == P_PENDING)
			ps = step_server(k, &prog_s);
		if (pc == P_FAILED || ps == P_FAILED || (k->neg != NEG_NONE && pc != P_PENDING))
			break;
		if (pc == P_DONE && ps == P_DONE) {
			both_done = true;
			break;
		}
		if (now_ms() > deadline) {
			why(k->reason, sizeof k->reason, "timed out after %d ms (client %s, server %s)",
			    CONN_TIMEOUT_MS, pc == P_DONE ? "done" : "pending", ps == P_DONE ? "done" : "pending");
			return false;
		}
		if (!prog_c && !prog_s && !wait_input(fd_client, fd_server))
			idle_waits++;
	}
	if (both_done)
		return true;

	/* One side stopped: give the other a moment to react, so that the
	 * reason shows both sides' view. */
	long drain_end = now_ms() + DRAIN_MS;
	while (now_ms() < drain_end && (pc == P_PENDING || ps == P_PENDING)) {
		bool prog_c = false, prog_s = false;
		if (pc == P_PENDING)
			pc = step_client(k, &prog_c);
		if (ps == P_PENDING)
			ps = step_server(k, &prog_s);
		if (!prog_c && !prog_s && !wait_input(fd_client, fd_server))
			break; /* quiet: nothing more to learn */
	}
	return false;
}

/* The complete reason: first failure plus what each side says. */
static void conn_explain(struct conn *k, char *out, size_t n)
{
	char srv_err[384] = "", cli_err[384] = "", eng_err[160] = "";

	if (k->srv.s)
		snprintf(srv_err, sizeof srv_err, " | libssh server: %s", ls_error(k->srv.s));
	if (k->cli.s)
		snprintf(cli_err, sizeof cli_err, " | libssh client: %s", ls_error(k->cli.s));
	if (k->eng.m) {
		const struct machine_result *r = machine_result(k->eng.m);
		snprintf(eng_err, sizeof eng_err, " | engine result: %s (%s) auth=%d", sd_err_rule(r->error),
			 sd_err_name(r->error), (int)r->auth);
	}
	snprintf(out, n, "%s%s%s%s", k->reason[0] ? k->reason : "?", srv_err, cli_err, eng_err);
}

/* A normal connection: everything as configured, both methods succeeded. */
static bool conn_check_success(struct conn *k)
{
	char *reason = k->reason;
	size_t rn = sizeof k->reason;

	if (k->mode != MODE_SELF && !eng_check(&k->eng, k->c, reason, rn))
		return false;
	if (k->mode != MODE_LIBSSH_CLIENT) {
		if (!ls_check(k->srv.s, "libssh server", k->c, reason, rn))
			return false;
		if (!(k->srv.pk_ok && k->srv.pw_ok && k->srv.success_sent && k->srv.denied == 0)) {
			why(reason, rn, "libssh server saw publickey=%d password=%d denied=%d", k->srv.pk_ok,
			    k->srv.pw_ok, k->srv.denied);
			return false;
		}
	}
	if (k->mode != MODE_LIBSSH_SERVER) {
		if (!ls_check(k->cli.s, "libssh client", k->c, reason, rn))
			return false;
		if (k->cli.pk_rc != SSH_AUTH_PARTIAL || k->cli.pw_rc != SSH_AUTH_SUCCESS) {
			why(reason, rn, "libssh client: publickey %s, password %s", auth_rc_name(k->cli.pk_rc),
			    auth_rc_name(k->cli.pw_rc));
			return false;
		}
	}
	if (k->mode == MODE_LIBSSH_SERVER && !eng_saw_partial(&k->eng)) {
		why(reason, rn, "engine client saw no partial success");
		return false;
	}
	return true;
}

/* A negative connection: the wrong credential was refused, the right one
 * gave partial success, and nobody considers the client authenticated. */
static bool conn_check_refused(struct conn *k)
{
	char *reason = k->reason;
	size_t rn = sizeof k->reason;
	bool wrong_key = k->neg == NEG_KEY;

	if (k->mode == MODE_LIBSSH_SERVER) {
		const struct machine_result *r = machine_result(k->eng.m);
		if (r->auth == AUTH_SUCCESS || r->error != SD_ERR_AUTH_FAILED) {
			why(reason, rn, "engine client: auth=%d error=%s, want failure %s", (int)r->auth,
			    sd_err_name(r->error), sd_err_name(SD_ERR_AUTH_FAILED));
			return false;
		}
	}
	if (k->mode == MODE_LIBSSH_CLIENT) {
		const struct machine_result *r = machine_result(k->eng.m);
		if (r->auth == AUTH_SUCCESS || (r->error != SD_OK && r->error != SD_ERR_AUTH_FAILED)) {
			why(reason, rn, "engine server: auth=%d error=%s, want no success", (int)r->auth,
			    sd_err_name(r->error));
			return false;
		}
	}
	if (k->mode != MODE_LIBSSH_CLIENT) {
		bool right_ok = wrong_key ? k->srv.pw_ok : k->srv.pk_ok;
		bool wrong_ok = wrong_key ? k->srv.pk_ok : k->srv.pw_ok;
		if (k->srv.success_sent || wrong_ok || !right_ok || k->srv.denied == 0) {
			why(reason, rn, "libssh server: success=%d publickey=%d password=%d denied=%d",
			    k->srv.success_sent, k->srv.pk_ok, k->srv.pw_ok, k->srv.denied);
			return false;
		}
	}
	if (k->mode != MODE_LIBSSH_SERVER) {
		int want_pk = wrong_key ? SSH_AUTH_DENIED : SSH_AUTH_PARTIAL;
		int want_pw = wrong_key ? SSH_AUTH_PARTIAL : SSH_AUTH_DENIED;
		if (k->cli.pk_rc != want_pk || k->cli.pw_rc != want_pw) {
			why(reason, rn, "libssh client: publickey %s (want %s), password %s (want %s)",
			    auth_rc_name(k->cli.pk_rc), auth_rc_name(want_pk), auth_rc_name(k->cli.pw_rc),
			    auth_rc_name(want_pw));
			return false;
		}
	}
	return true;
}

static bool run_one(enum mode mode, enum neg neg, const struct combo *c, const struct keyset *ks, unsigned seed,
		    char *out, size_t n)
{
	struct conn k = {.mode = mode, .neg = neg, .c = c};
	int sv[2];
	bool ok = false;

	k.srv.fd = k.cli.fd = k.eng.fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		snprintf(out, n, "socketpair: %s", strerror(errno));
		return false;
	}
	for (int i = 0; i < 2; i++)
		fcntl(sv[i], F_SETFL, fcntl(sv[i], F_GETFL) | O_NONBLOCK);
	int fd_client = sv[0], fd_server = sv[1];

	bool started;
	sd_err e = SD_OK;
	switch (mode) {
	case MODE_LIBSSH_SERVER:
		started = srv_start(&k.srv, c, ks, fd_server, k.reason, sizeof k.reason) &&
			  (e = eng_start(&k.eng, MACHINE_CLIENT, c, ks, fd_client, seed, neg)) == SD_OK;
		break;
	case MODE_LIBSSH_CLIENT:
		started = (e = eng_start(&k.eng, MACHINE_SERVER, c, ks, fd_server, seed, neg)) == SD_OK &&
			  cli_start(&k.cli, c, ks, fd_client, neg, k.reason, sizeof k.reason);
		break;
	default:
		started = srv_start(&k.srv, c, ks, fd_server, k.reason, sizeof k.reason) &&
			  cli_start(&k.cli, c, ks, fd_client, neg, k.reason, sizeof k.reason);
		break;
	}
	if (e != SD_OK)
		why(k.reason, sizeof k.reason, "engine: machine_new: %s (%s)", sd_err_rule(e), sd_err_name(e));

	if (started) {
		bool done = conn_pump(&k, fd_client, fd_server);
		if (neg == NEG_NONE) {
			ok = done && conn_check_success(&k);
		} else {
			/* A refused login may well end with an error on one
			 * side (the engine client's SD_ERR_AUTH_FAILED):
			 * conn_check_refused judges, the pump's reason is kept
			 * as context. */
			char pumped[sizeof k.reason];
			memcpy(pumped, k.reason, sizeof pumped);
			k.reason[0] = '\0';
			ok = conn_check_refused(&k);
			if (!ok && pumped[0]) {
				size_t l = strlen(k.reason);
				snprintf(k.reason + l, sizeof k.reason - l, " (while: %s)", pumped);
			}
		}
	}
	if (!ok)
		conn_explain(&k, out, n);

	/* free everything; each fd goes with its owner, or here if no side
	 * ever took it */
	if (k.eng.m)
		machine_free(k.eng.m);
	if (k.eng.fd >= 0)
		close(k.eng.fd);
	if (mode != MODE_LIBSSH_CLIENT) {
		if (k.srv.fd >= 0)
			srv_free(&k.srv);
		else
			close(fd_server);
	}
	if (mode != MODE_LIBSSH_SERVER) {
		if (k.cli.fd >= 0)
			cli_free(&k.cli);
		else
			close(fd_client);
	}
	if (mode == MODE_LIBSSH_SERVER && k.eng.fd < 0)
		close(fd_client);
	if (mode == MODE_LIBSSH_CLIENT && k.eng.fd < 0)
		close(fd_server);
	return ok;
}

/* ------------------------------------------------------------------ main */

static void usage(void)
{
	fprintf(stderr, "usage: interop_libssh libssh-server|libssh-client|libssh-self KEX [HOSTKEY [CIPHER]]\n");
	exit(2);
}

static unsigned n_passed, n_failed, n_seed;

static void run_and_print(enum mode mode, enum neg neg, const struct combo *c, const struct keyset *ks)
{
	char reason[2048] = "";
	const char *label = neg == NEG_PASSWORD ? "refuses-wrong-password " : neg == NEG_KEY ? "refuses-wrong-key " : "";

	long t0 = now_ms();
	bool ok = run_one(mode, neg, c, ks, n_seed++, reason, sizeof reason);
	if (getenv("SSHDIFF_INTEROP_TIMING"))
		fprintf(stderr, "%ld ms\n", now_ms() - t0);
	if (ok) {
		n_passed++;
		printf("ok %s%s %s %s %s\n", label, c->kex, c->hostkey, c->cipher, combo_mac_label(c));
	} else {
		n_failed++;
		printf("FAIL %s%s %s %s %s: %s\n", label, c->kex, c->hostkey, c->cipher, combo_mac_label(c), reason);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 5)
		usage();
	enum mode mode;
	if (strcmp(argv[1], "libssh-server") == 0)
		mode = MODE_LIBSSH_SERVER;
	else if (strcmp(argv[1], "libssh-client") == 0)
		mode = MODE_LIBSSH_CLIENT;
	else if (strcmp(argv[1], "libssh-self") == 0)
		mode = MODE_SELF;
	else
		usage();
	const char *kex = NULL;
	for (size_t i = 0; i < COUNT(test_kex); i++)
		if (strcmp(argv[2], test_kex[i]) == 0)
			kex = test_kex[i];
	if (!kex)
		usage();
	const char *only_hostkey = argc > 3 ? argv[3] : NULL;
	const char *only_cipher = argc > 4 ? argv[4] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (ssh_init() != SSH_OK) {
		fprintf(stderr, "ssh_init failed\n");
		return 1;
	}
	struct keyset ks;
	if (!keyset_make(&ks)) {
		keyset_free(&ks);
		ssh_finalize();
		return 1;
	}

	for (size_t h = 0; h < COUNT(test_hostkeys); h++) {
		if (only_hostkey && strcmp(only_hostkey, test_hostkeys[h]) != 0)
			continue;
		/* AEAD ciphers alone, then each CTR cipher with each MAC */
		struct combo list[COUNT(test_aead) + COUNT(test_ctr) * COUNT(test_macs)];
		size_t nl = 0;
		for (size_t i = 0; i < COUNT(test_aead); i++)
			list[nl++] = (struct combo){kex, test_hostkeys[h], test_aead[i], NULL};
		for (size_t i = 0; i < COUNT(test_ctr); i++)
			for (size_t j = 0; j < COUNT(test_macs); j++)
				list[nl++] = (struct combo){kex, test_hostkeys[h], test_ctr[i], test_macs[j]};
		for (size_t i = 0; i < nl; i++) {
			if (only_cipher && strcmp(only_cipher, list[i].cipher) != 0)
				continue;
			run_and_print(mode, NEG_NONE, &list[i], &ks);
		}
		/* The server must refuse what does not match: once per host key
		 * with the first combination. */
		if (!only_cipher || strcmp(only_cipher, list[0].cipher) == 0) {
			run_and_print(mode, NEG_PASSWORD, &list[0], &ks);
			run_and_print(mode, NEG_KEY, &list[0], &ks);
		}
	}
	if (idle_waits)
		fprintf(stderr, "note: %lu idle poll time-outs while stepping\n", idle_waits);

	keyset_free(&ks);
	ssh_finalize();
	printf("%u passed, %u failed\n", n_passed, n_failed);
	return n_failed ? 1 : 0;
}

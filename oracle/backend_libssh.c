/*
 * backend_libssh.c — libssh (the distribution's 0.10 package) as the
 * implementation under test, client or server.
 *
 * libssh runs non-blocking on one end of a socketpair; the actor (actor.h)
 * owns the other end.  actor_drive steps both in this one thread through an
 * iut_port: send/recv move bytes over the socketpair, poll lets libssh take
 * one non-blocking step.  Progress is measured on the sockets (bytes libssh
 * consumed or produced), so actor_drive knows when nothing moves any more.
 *
 * libssh decides what it accepts; this file only plays the application
 * around it, as a small real program would:
 *   server: ssh_bind with the case's host key and algorithms, callbacks that
 *     accept exactly the case's user key (and answer queries with PK_OK) and
 *     password, ssh_handle_key_exchange, then an ssh_event until the actor is
 *     done (anything else, e.g. channel opens, gets libssh's default refusal);
 *   client: ssh_connect over the fd, the server key must be the case's host
 *     key (else ssh_disconnect: the IUT rejects), publickey, then password if
 *     still not authenticated, then an ssh_event until the actor is done.
 * When libssh reports an error the connection is closed without a word of
 * ours (ssh_silent_disconnect): whatever libssh itself sent is what the
 * actor sees.
 *
 * OpenSSL's RAND is deterministic from the case seed for the whole run
 * (libssh_rand.h), so a case gives the same bytes every time.
 *
 * libssh 0.10.6 facts relied on (its source, tag libssh-0.10.6):
 *   - ssh_get_kex_algo() is NULL for the group-exchange methods;
 *   - ssh_get_hmac_in/out() name AEAD ciphers "aead-poly1305" / "aead-gcm",
 *     which are no MAC on the wire: reported here as "" (no MAC negotiated);
 *   - ssh_disconnect() on a client whose fd came from SSH_OPTIONS_FD sends
 *     DISCONNECT but leaves the fd open; libssh closes it itself on most
 *     errors; so whether the fd is still ours is checked on the fd itself;
 *   - a server without a moduli file falls back to built-in groups for
 *     group exchange: SSH_BIND_OPTIONS_MODULI points nowhere, so the group
 *     does not depend on the machine's /etc/ssh/moduli.
 *
 * Set SSHDIFF_LIBSSH_LOG=1..4 for libssh's own log on stderr.
 */
#include "oracle/backend.h"
#include "oracle/backends_list.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "oracle/actor.h"
#include "oracle/libssh_rand.h"
#include "oracle/testkeys.h"
#include "proto/wire.h"

/* actor_drive gives up after this many rounds in which neither side moved:
 * everything is in this process and the socketpair delivers at once, so a
 * few quiet rounds mean nothing will move again. */
#define LS_MAX_IDLE 8
/* Upper bound on libssh steps per run, whatever the actor sends: past it
 * libssh is no longer stepped and the run winds down as idle. */
#define LS_MAX_POLLS 20000

/* Name given to the actor as host; never resolved (the fd is given). */
#define LS_HOST "sshdiff-actor"
/* Nothing here exists: no key, known_hosts or moduli file is ever read. */
#define LS_NO_DIR "/nonexistent/sshdiff-libssh"
#define LS_NO_MODULI LS_NO_DIR "/moduli"

enum ls_phase {
	LS_KEX,         /* server: ssh_handle_key_exchange; client: ssh_connect */
	LS_AUTH_PUBKEY, /* client */
	LS_AUTH_PASSWORD,
	LS_SERVICE,     /* ssh_event until the actor is done */
	LS_ENDED,       /* the IUT closed its side */
};

struct ls_names {
	char kex[64], cipher_in[64], cipher_out[64], mac_in[64], mac_out[64];
};

struct ls_run {
	const struct sshdiff_case *c;
	int iut_fd, actor_fd;
	struct stat iut_id; /* tells the IUT's socket from a reused fd number */

	ssh_bind bind;
	ssh_session s;
	ssh_event ev;
	struct ssh_server_callbacks_struct cb;
	ssh_key user_key; /* private: the client's identity, the server's authorized key */
	ssh_key host_key; /* the client's expected server key (private; compared public) */

	enum ls_phase phase;
	unsigned polls;
	struct ls_names names;
	size_t sent;     /* bytes of the actor's that reached the IUT's socket */
	/* Set when libssh failed (not when the application stopped): its
	 * ssh_get_error text, and whether it had read nothing of the peer's. */
	char error[160];
	bool read_nothing;
};

/* ------------------------------------------------------------------ fds */

/* Is the IUT's socket still open under its number?  libssh may have closed
 * it (and, in principle, the number been reused): compare identities. */
static bool iut_fd_open(const struct ls_run *r)
{
	struct stat st;

	if (r->iut_fd < 0 || fstat(r->iut_fd, &st) != 0)
		return false;
	return st.st_dev == r->iut_id.st_dev && st.st_ino == r->iut_id.st_ino;
}

static int bytes_waiting(int fd)
{
	int n = 0;

	if (fd < 0 || ioctl(fd, FIONREAD, &n) != 0)
		return 0;
	return n;
}

/* Bytes the actor sent that libssh has not read yet. */
static int iut_pending_in(const struct ls_run *r)
{
	return iut_fd_open(r) ? bytes_waiting(r->iut_fd) : 0;
}

static sd_err socketpair_nonblocking(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return SD_ERR_INTERNAL;
	for (int i = 0; i < 2; i++) {
		int fl = fcntl(sv[i], F_GETFL);
		if (fl < 0 || fcntl(sv[i], F_SETFL, fl | O_NONBLOCK) != 0) {
			close(sv[0]);
			close(sv[1]);
			return SD_ERR_INTERNAL;
		}
	}
	return SD_OK;
}

/* ---------------------------------------------------------- observation */

static void copy_name(char *dst, size_t n, const char *src)
{
	/* AEAD ciphers carry no MAC on the wire; libssh names a pseudo-MAC */
	if (!src || strncmp(src, "aead-", 5) == 0)
		src = "";
	snprintf(dst, n, "%s", src);
}

/* libssh forgets its keys on disconnect: remember what it negotiated while
 * it still knows. */
static void names_snapshot(struct ls_run *r)
{
	struct ls_names *nm = &r->names;

	if (!r->s || !ssh_get_cipher_in(r->s) || !ssh_get_cipher_out(r->s))
		return;
	copy_name(nm->kex, sizeof nm->kex, ssh_get_kex_algo(r->s));
	copy_name(nm->cipher_in, sizeof nm->cipher_in, ssh_get_cipher_in(r->s));
	copy_name(nm->cipher_out, sizeof nm->cipher_out, ssh_get_cipher_out(r->s));
	copy_name(nm->mac_in, sizeof nm->mac_in, ssh_get_hmac_in(r->s));
	copy_name(nm->mac_out, sizeof nm->mac_out, ssh_get_hmac_out(r->s));
}

static const char *libssh_version(void)
{
	static char v[64];

	if (!v[0])
		snprintf(v, sizeof v, "libssh %s", ssh_version(0));
	return v;
}

/* libssh's own view where it has one; the actor's for the host key
 * algorithm (libssh 0.10 has no getter for it). */
static void observe(const struct ls_run *r, const struct actor *a, struct observations *obs)
{
	const struct ls_names *nm = &r->names;
	bool client = r->c->iut_role == CASE_IUT_CLIENT;

	actor_observe(a, obs);
	snprintf(obs->kex, sizeof obs->kex, "%s", nm->kex);
	snprintf(obs->cipher_cs, sizeof obs->cipher_cs, "%s", client ? nm->cipher_out : nm->cipher_in);
	snprintf(obs->cipher_sc, sizeof obs->cipher_sc, "%s", client ? nm->cipher_in : nm->cipher_out);
	snprintf(obs->mac_cs, sizeof obs->mac_cs, "%s", client ? nm->mac_out : nm->mac_in);
	snprintf(obs->mac_sc, sizeof obs->mac_sc, "%s", client ? nm->mac_in : nm->mac_out);
	for (unsigned i = 0; i < obs->n_steps && i < CASE_MAX_STEPS; i++)
		obs->steps[i].rule[0] = '\0'; /* libssh names no rules */
}

/* ------------------------------------------------------------ ending */

/* The IUT ends the connection.  polite: as an application that decided to
 * stop (ssh_disconnect sends DISCONNECT by_application); otherwise libssh
 * already failed and only the socket is closed. */
static void iut_end(struct ls_run *r, bool polite)
{
	if (r->phase == LS_ENDED)
		return;
	names_snapshot(r);
	if (!polite && r->s) {
		snprintf(r->error, sizeof r->error, "%s", ssh_get_error(r->s));
		/* libssh may have closed the socket itself: then it may have
		 * read anything that was sent */
		r->read_nothing = iut_fd_open(r) ? (size_t)iut_pending_in(r) == r->sent : r->sent == 0;
	}
	if (r->s) {
		if (polite)
			ssh_disconnect(r->s);
		else
			ssh_silent_disconnect(r->s);
	}
	/* a client's SSH_OPTIONS_FD socket survives ssh_disconnect */
	if (iut_fd_open(r))
		close(r->iut_fd);
	r->iut_fd = -1;
	r->phase = LS_ENDED;
}

static bool session_closed(ssh_session s)
{
	return (ssh_get_status(s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

/* ------------------------------------------------------- service phase */

static void enter_service(struct ls_run *r)
{
	r->ev = ssh_event_new();
	if (!r->ev || ssh_event_add_session(r->ev, r->s) != SSH_OK) {
		/* cannot go on servicing: as if the application stopped */
		iut_end(r, true);
		return;
	}
	r->phase = LS_SERVICE;
}

static void step_service(struct ls_run *r)
{
	if (ssh_event_dopoll(r->ev, 0) == SSH_ERROR || session_closed(r->s))
		iut_end(r, false);
}

/* --------------------------------------------------------------- server */

static int srv_auth_password(ssh_session s, const char *user, const char *password, void *userdata)
{
	const struct ls_run *r = userdata;
	size_t want = strlen(r->c->password);

	(void)s;
	if (strcmp(user, r->c->user) != 0 || strlen(password) != want || !ct_memeq(password, r->c->password, want))
		return SSH_AUTH_DENIED;
	return SSH_AUTH_SUCCESS;
}

static int srv_auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *pubkey, char signature_state,
			   void *userdata)
{
	const struct ls_run *r = userdata;

	(void)s;
	if (strcmp(user, r->c->user) != 0 || ssh_key_cmp(pubkey, r->user_key, SSH_KEY_CMP_PUBLIC) != 0)
		return SSH_AUTH_DENIED;
	/* a query (no signature): SUCCESS makes libssh answer PK_OK */
	if (signature_state == SSH_PUBLICKEY_STATE_NONE || signature_state == SSH_PUBLICKEY_STATE_VALID)
		return SSH_AUTH_SUCCESS;
	return SSH_AUTH_DENIED;
}

/* Configures the bind; false with *what naming the option libssh refused
 * (the case asks for something libssh cannot do). */
static bool srv_configure(struct ls_run *r, const char **what)
{
	const struct sshdiff_case *c = r->c;
	const char *log = getenv("SSHDIFF_LIBSSH_LOG");
	bool no = false;
	ssh_key host = NULL;

#define BIND_SET(opt, val)                                                   \
	do {                                                                 \
		if (ssh_bind_options_set(r->bind, (opt), (val)) != SSH_OK) { \
			*what = #opt;                                        \
			return false;                                        \
		}                                                            \
	} while (0)

	/* first, so that no configuration file is read */
	BIND_SET(SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
	if (log)
		BIND_SET(SSH_BIND_OPTIONS_LOG_VERBOSITY_STR, log);
	BIND_SET(SSH_BIND_OPTIONS_MODULI, LS_NO_MODULI);
	BIND_SET(SSH_BIND_OPTIONS_KEY_EXCHANGE, c->algs.kex);
	BIND_SET(SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, c->algs.hostkey);
	BIND_SET(SSH_BIND_OPTIONS_CIPHERS_C_S, c->algs.cipher);
	BIND_SET(SSH_BIND_OPTIONS_CIPHERS_S_C, c->algs.cipher);
	/* passed even with AEAD-only ciphers: libssh wants a valid MAC list */
	BIND_SET(SSH_BIND_OPTIONS_HMAC_C_S, c->algs.mac);
	BIND_SET(SSH_BIND_OPTIONS_HMAC_S_C, c->algs.mac);
	BIND_SET(SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES, testkey_algorithms(c->user_key));

	if (ssh_pki_import_privkey_base64(testkey_openssh_private(c->host_key), NULL, NULL, NULL, &host) != SSH_OK) {
		*what = "host key import";
		return false;
	}
	/* the bind owns the key once accepted */
	if (ssh_bind_options_set(r->bind, SSH_BIND_OPTIONS_IMPORT_KEY, host) != SSH_OK) {
		ssh_key_free(host);
		*what = "SSH_BIND_OPTIONS_IMPORT_KEY";
		return false;
	}
#undef BIND_SET
	return true;
}

/* SD_OK and *unsupported == NULL when running; *unsupported names what
 * libssh refused to be configured with. */
static sd_err srv_start(struct ls_run *r, const char **unsupported)
{
	r->bind = ssh_bind_new();
	r->s = ssh_new();
	if (!r->bind || !r->s)
		return SD_ERR_NOMEM;
	if (!srv_configure(r, unsupported))
		return SD_OK;
	if (ssh_bind_accept_fd(r->bind, r->s, r->iut_fd) != SSH_OK) {
		*unsupported = "ssh_bind_accept_fd";
		return SD_OK;
	}
	/* before the key exchange: libssh dispatches auth requests from its
	 * packet handlers as soon as they arrive */
	ssh_callbacks_init(&r->cb);
	r->cb.userdata = r;
	r->cb.auth_password_function = srv_auth_password;
	r->cb.auth_pubkey_function = srv_auth_pubkey;
	if (ssh_set_server_callbacks(r->s, &r->cb) != SSH_OK)
		return SD_ERR_INTERNAL;
	ssh_set_auth_methods(r->s, SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_PASSWORD);
	ssh_set_blocking(r->s, 0);
	r->phase = LS_KEX;
	return SD_OK;
}

static void srv_step(struct ls_run *r)
{
	int rc;

	switch (r->phase) {
	case LS_KEX:
		rc = ssh_handle_key_exchange(r->s);
		if (rc == SSH_AGAIN)
			break;
		if (rc != SSH_OK) {
			iut_end(r, false);
			break;
		}
		enter_service(r);
		break;
	case LS_SERVICE:
		step_service(r);
		break;
	default:
		break;
	}
}

/* --------------------------------------------------------------- client */

static bool cli_configure(struct ls_run *r, const char **what)
{
	const struct sshdiff_case *c = r->c;
	const char *log = getenv("SSHDIFF_LIBSSH_LOG");
	bool no = false;

#define CLI_SET(opt, val)                                            \
	do {                                                         \
		if (ssh_options_set(r->s, (opt), (val)) != SSH_OK) { \
			*what = #opt;                                \
			return false;                                \
		}                                                    \
	} while (0)

	CLI_SET(SSH_OPTIONS_PROCESS_CONFIG, &no);
	if (log)
		CLI_SET(SSH_OPTIONS_LOG_VERBOSITY_STR, log);
	CLI_SET(SSH_OPTIONS_HOST, LS_HOST);
	CLI_SET(SSH_OPTIONS_USER, c->user);
	/* nothing in ~/.ssh is read or written */
	CLI_SET(SSH_OPTIONS_SSH_DIR, LS_NO_DIR);
	CLI_SET(SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
	CLI_SET(SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	CLI_SET(SSH_OPTIONS_KEY_EXCHANGE, c->algs.kex);
	CLI_SET(SSH_OPTIONS_HOSTKEYS, c->algs.hostkey);
	CLI_SET(SSH_OPTIONS_CIPHERS_C_S, c->algs.cipher);
	CLI_SET(SSH_OPTIONS_CIPHERS_S_C, c->algs.cipher);
	CLI_SET(SSH_OPTIONS_HMAC_C_S, c->algs.mac);
	CLI_SET(SSH_OPTIONS_HMAC_S_C, c->algs.mac);
	CLI_SET(SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES, testkey_algorithms(c->user_key));
	CLI_SET(SSH_OPTIONS_FD, &r->iut_fd);
#undef CLI_SET
	return true;
}

static sd_err cli_start(struct ls_run *r, const char **unsupported)
{
	r->s = ssh_new();
	if (!r->s)
		return SD_ERR_NOMEM;
	if (!cli_configure(r, unsupported))
		return SD_OK;
	if (ssh_pki_import_privkey_base64(testkey_openssh_private(r->c->host_key), NULL, NULL, NULL, &r->host_key) !=
	    SSH_OK) {
		*unsupported = "host key import";
		return SD_OK;
	}
	ssh_set_blocking(r->s, 0);
	r->phase = LS_KEX;
	return SD_OK;
}

/* The key exchange is over: the server must have shown the case's host key
 * (the known_hosts check of a real client). */
static void cli_connected(struct ls_run *r)
{
	ssh_key k = NULL;
	bool known = ssh_get_server_publickey(r->s, &k) == SSH_OK &&
		     ssh_key_cmp(k, r->host_key, SSH_KEY_CMP_PUBLIC) == 0;

	ssh_key_free(k);
	if (!known) {
		iut_end(r, true);
		return;
	}
	r->phase = LS_AUTH_PUBKEY;
}

/* One authentication method's result: success ends authentication, a
 * refusal moves on to the next method (none left: the client gives up). */
static void cli_auth_result(struct ls_run *r, int rc, enum ls_phase next)
{
	if (rc == SSH_AUTH_SUCCESS)
		enter_service(r);
	else if (rc == SSH_AUTH_ERROR)
		iut_end(r, false);
	else if (next == LS_ENDED)
		iut_end(r, true);
	else
		r->phase = next;
}

static void cli_step(struct ls_run *r)
{
	int rc;

	switch (r->phase) {
	case LS_KEX:
		rc = ssh_connect(r->s);
		if (rc == SSH_AGAIN)
			break;
		if (rc != SSH_OK)
			iut_end(r, false);
		else
			cli_connected(r);
		break;
	case LS_AUTH_PUBKEY:
		rc = ssh_userauth_publickey(r->s, NULL, r->user_key);
		if (rc != SSH_AUTH_AGAIN)
			cli_auth_result(r, rc, LS_AUTH_PASSWORD);
		break;
	case LS_AUTH_PASSWORD:
		rc = ssh_userauth_password(r->s, NULL, r->c->password);
		if (rc != SSH_AUTH_AGAIN)
			cli_auth_result(r, rc, LS_ENDED);
		break;
	case LS_SERVICE:
		step_service(r);
		break;
	case LS_ENDED:
		break;
	}
	/* a DISCONNECT or an error seen while waiting */
	if (r->phase != LS_ENDED && r->phase != LS_SERVICE && session_closed(r->s))
		iut_end(r, false);
}

/* ------------------------------------------------------------ the port */

static sd_err port_send(void *ctx, const uint8_t *p, size_t n, size_t *taken)
{
	struct ls_run *r = ctx;
	ssize_t w = send(r->actor_fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (w >= 0) {
		*taken = (size_t)w;
		r->sent += (size_t)w;
		return SD_OK;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		*taken = 0;
		return SD_OK;
	}
	if (errno == EPIPE || errno == ECONNRESET) {
		/* the IUT is gone: the bytes are lost, as on a network */
		*taken = n;
		return SD_OK;
	}
	return SD_ERR_INTERNAL;
}

static sd_err port_recv(void *ctx, uint8_t *buf, size_t cap, size_t *got, bool *eof)
{
	struct ls_run *r = ctx;
	ssize_t n = cap ? recv(r->actor_fd, buf, cap, MSG_DONTWAIT) : 0;

	*got = 0;
	*eof = false;
	if (n > 0) {
		*got = (size_t)n;
		return SD_OK;
	}
	if (n == 0) {
		/* cap == 0 asks nothing; a real 0 is end of stream */
		*eof = cap > 0;
		return SD_OK;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return SD_OK;
	if (errno == ECONNRESET) {
		*eof = true;
		return SD_OK;
	}
	return SD_ERR_INTERNAL;
}

static sd_err port_poll(void *ctx, bool *progress)
{
	struct ls_run *r = ctx;
	enum ls_phase before = r->phase;
	int in_before = iut_pending_in(r), out_before = bytes_waiting(r->actor_fd);

	*progress = false;
	if (r->phase == LS_ENDED || ++r->polls > LS_MAX_POLLS)
		return SD_OK;
	if (r->c->iut_role == CASE_IUT_SERVER)
		srv_step(r);
	else
		cli_step(r);
	names_snapshot(r);
	*progress = r->phase != before || iut_pending_in(r) < in_before || bytes_waiting(r->actor_fd) > out_before;
	return SD_OK;
}

/* ------------------------------------------------------------ the run */

/*
 * libssh ended the connection because it cannot serve the case's
 * configuration, not because of anything the peer sent: then it takes no
 * part in the comparison (unsupported), as own and the verifier do with a
 * configuration they cannot serve.  Only libssh's own failures count (an
 * application decision, e.g. an unknown host key, is a verdict), and only
 * where libssh says so or cannot have judged the peer (libssh 0.10.6):
 *   - it failed before reading a byte of the peer's: e.g. a server whose
 *     host key fits none of its allowed host key algorithms
 *     (src/server.c server_set_kex, "Nothing was allowed", returns -1
 *     without setting an error text);
 *   - "ssh_set_client_kex: ...": a client that could not build its own
 *     KEXINIT from its options (src/kex.c: ssh_client_select_hostkeys
 *     strips certificate types, an empty list is reported as out of memory);
 *   - "Could not get the public key from the private key": a server
 *     without a key for the negotiated host key type (ssh_get_key_params).
 * Returns NULL when libssh's close is a verdict.
 */
static const char *cannot_serve(const struct ls_run *r, char *buf, size_t n)
{
	static const char *const config_errors[] = {
		"ssh_set_client_kex: ",
		"Could not get the public key from the private key",
	};

	if (r->phase != LS_ENDED || !r->s)
		return NULL;
	for (size_t i = 0; i < sizeof config_errors / sizeof config_errors[0]; i++)
		if (strncmp(r->error, config_errors[i], strlen(config_errors[i])) == 0) {
			snprintf(buf, n, "libssh cannot serve this configuration: %s", r->error);
			return buf;
		}
	if (r->read_nothing) {
		snprintf(buf, n, "libssh failed before reading from the peer: %s",
			 r->error[0] ? r->error : "no error text");
		return buf;
	}
	return NULL;
}

static void ls_free(struct ls_run *r)
{
	if (r->ev) {
		if (r->s)
			ssh_event_remove_session(r->ev, r->s);
		ssh_event_free(r->ev);
	}
	ssh_free(r->s);
	ssh_bind_free(r->bind);
	ssh_key_free(r->user_key);
	ssh_key_free(r->host_key);
	/* libssh closes the fd it took; a client's fd it never took, or one
	 * left by ssh_disconnect, is still ours */
	if (iut_fd_open(r))
		close(r->iut_fd);
	if (r->actor_fd >= 0)
		close(r->actor_fd);
	memset(r, 0, sizeof *r);
}

static sd_err ls_run_case(struct ls_run *r, struct observations *obs)
{
	const struct sshdiff_case *c = r->c;
	const char *unsupported = NULL;
	struct actor *a = NULL;
	int sv[2];
	sd_err e;

	if ((e = socketpair_nonblocking(sv)) != SD_OK)
		return e;
	r->actor_fd = sv[0];
	r->iut_fd = sv[1];
	if (fstat(r->iut_fd, &r->iut_id) != 0)
		return SD_ERR_INTERNAL;

	if (ssh_pki_import_privkey_base64(testkey_openssh_private(c->user_key), NULL, NULL, NULL, &r->user_key) !=
	    SSH_OK) {
		observations_unsupported(obs, c, "libssh cannot import the user key");
		return SD_OK;
	}
	e = c->iut_role == CASE_IUT_SERVER ? srv_start(r, &unsupported) : cli_start(r, &unsupported);
	if (e != SD_OK)
		return e;
	if (unsupported) {
		char why[96];
		snprintf(why, sizeof why, "libssh refuses %s", unsupported);
		observations_unsupported(obs, c, why);
		return SD_OK;
	}

	if ((e = actor_new(c, &a)) != SD_OK)
		return e;
	const struct iut_port port = {.ctx = r, .send = port_send, .recv = port_recv, .poll = port_poll};
	e = actor_drive(a, &port, LS_MAX_IDLE);
	if (e == SD_OK) {
		char why[sizeof obs->outcome - 16];
		names_snapshot(r);
		if (cannot_serve(r, why, sizeof why))
			observations_unsupported(obs, c, why);
		else
			observe(r, a, obs);
	}
	actor_free(a);
	return e;
}

static sd_err ls_run(const struct sshdiff_case *c, struct observations *obs)
{
	struct libssh_rand_saved saved;
	struct ls_run r;
	sd_err e;

	memset(obs, 0, sizeof *obs);
	memset(&r, 0, sizeof r);
	r.c = c;
	r.iut_fd = r.actor_fd = -1;

	if ((e = libssh_rand_begin(c->seed, &saved)) != SD_OK)
		return e;
	e = ls_run_case(&r, obs);
	/* libssh and OpenSSL may draw randomness while freeing (nothing on the
	 * wire any more): still inside the seeded window, so the next run
	 * starts from the same OpenSSL state */
	ls_free(&r);
	libssh_rand_end(&saved);
	if (e == SD_OK) {
		snprintf(obs->backend, sizeof obs->backend, "libssh");
		snprintf(obs->version, sizeof obs->version, "%s", libssh_version());
	}
	return e;
}

const struct backend backend_libssh = {
	.name = "libssh",
	.version = libssh_version,
	.run = ls_run,
};

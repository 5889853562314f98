/*
 * test_backend_libssh.c — libssh 0.10 as the implementation under test,
 * driven by the actor over a socketpair (oracle/backend_libssh.c).
 *
 *   default case, both roles: every step accepted, keys_ok, auth success;
 *   every KEX method x every host key algorithm, both roles: all accepted;
 *   the cipher/MAC combinations, both roles: all accepted;
 *   determinism: the same case twice gives the same observations and the
 *     same bytes (the actor's trace holds every byte received), per KEX
 *     method and role; another seed gives other bytes;
 *   a KEX reply with a flipped signature byte: the libssh client rejects
 *     exactly that step;
 *   an algorithm libssh does not know: unsupported, not a crash;
 *   a configuration libssh cannot serve (a server host key that fits none
 *     of its host key algorithms; a client offered only certificate host
 *     key types): unsupported, not a refusal of the peer;
 *   raw garbage instead of packets: the backend returns, libssh rejects;
 *   facts for the findings (printed, and pinned to what 0.10.6 does):
 *     f = 1 in group14, KEXINIT reserved = 1, USERAUTH_SUCCESS from the
 *     client (CVE-2018-10933 pattern), IGNORE before NEWKEYS under strict kex.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oracle/actor.h"
#include "oracle/backend.h"
#include "oracle/backends_list.h"
#include "oracle/case.h"
#include "oracle/testkeys.h"
#include "tests/support/casetest.h"
#include "tests/support/check.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kex_methods[] = {
	"curve25519-sha256", "curve25519-sha256@libssh.org",
	"ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
	"diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1",
	"diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
	"diffie-hellman-group-exchange-sha256", "diffie-hellman-group-exchange-sha1",
};

static const char *const hostkey_algs[] = {
	"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"rsa-sha2-256", "rsa-sha2-512", "ssh-rsa",
};

static const char *const aead_ciphers[] = {
	"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
};
static const char *const ctr_ciphers[] = {"aes128-ctr", "aes192-ctr", "aes256-ctr"};
static const char *const macs[] = {
	"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha1-etm@openssh.com",
	"hmac-sha2-256", "hmac-sha2-512", "hmac-sha1",
};

static const enum case_role roles[] = {CASE_IUT_SERVER, CASE_IUT_CLIENT};

/* Cuts the script after step `last`. */
static void truncate_after(struct sshdiff_case *c, unsigned last)
{
	c->n_steps = (uint8_t)(last + 1);
}

static bool run_case(const struct sshdiff_case *c, struct observations *o)
{
	sd_err e = backend_libssh.run(c, o);
	if (e != SD_OK) {
		check_fail(__FILE__, __LINE__, "run: %s", sd_err_name(e));
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ default */

static void test_default(enum case_role role)
{
	struct sshdiff_case c;
	struct observations o;

	case_default(&c, role);
	if (!run_case(&c, &o))
		return;
	bool ok = tc_all_accept(&c, &o);
	CHECK(ok);
	CHECK_STR(o.backend, "libssh");
	CHECK(strncmp(o.version, "libssh 0.10.", 12) == 0);
	CHECK(strcmp(backend_libssh.version(), o.version) == 0);
	CHECK(backend_by_name("libssh") == &backend_libssh);
	CHECK(o.keys_checked);
	CHECK(o.keys_ok);
	CHECK_EQ_U(o.auth, OBS_AUTH_SUCCESS);
	CHECK_STR(o.kex, "curve25519-sha256");
	CHECK_STR(o.cipher_cs, "chacha20-poly1305@openssh.com");
	CHECK_STR(o.cipher_sc, "chacha20-poly1305@openssh.com");
	CHECK_STR(o.mac_cs, ""); /* AEAD: no MAC */
	CHECK_STR(o.mac_sc, "");
	for (unsigned i = 0; i < o.n_steps; i++)
		CHECK_STR(o.steps[i].rule, "");
	if (!ok || !o.keys_ok)
		tc_print_obs(tc_role_name(role), &c, &o);
}

/* After authentication libssh keeps being serviced until the actor is
 * done: a channel open to the server gets libssh's default refusal
 * (CHANNEL_OPEN_FAILURE, RFC 4254 section 5.1); the actor's global request
 * (keepalive@openssh.com, want_reply) to the client gets REQUEST_SUCCESS,
 * libssh's answer to keepalives (section 4). */
static void test_after_auth(void)
{
	for (size_t r = 0; r < COUNT(roles); r++) {
		struct sshdiff_case c;
		struct observations o;
		bool server = roles[r] == CASE_IUT_SERVER;
		case_default(&c, roles[r]);
		tc_insert_step(&c, c.n_steps, STEP_SEND, server ? CM_CHANNEL_OPEN : CM_GLOBAL_REQUEST);
		tc_insert_step(&c, c.n_steps, STEP_EXPECT, CM_COUNT);
		if (!run_case(&c, &o))
			continue;
		bool ok = tc_all_accept(&c, &o) && o.auth == OBS_AUTH_SUCCESS;
		CHECK(ok);
		CHECK_EQ_U(o.steps[c.n_steps - 1].iut_msg, server ? 92 : 81);
		if (!ok)
			tc_print_obs(server ? "channel open after auth" : "global request after auth", &c, &o);
	}
}

/* ------------------------------------------------------------- matrix */

static void run_expect_accept(const struct sshdiff_case *c, const char *label, bool gex)
{
	struct observations o;

	if (!run_case(c, &o))
		return;
	bool ok = tc_all_accept(c, &o) && o.keys_ok && o.auth == OBS_AUTH_SUCCESS;
	CHECK(ok);
	/* libssh 0.10 names no group-exchange method */
	if (!gex)
		CHECK_STR(o.kex, c->algs.kex);
	else
		CHECK_STR(o.kex, "");
	if (!ok)
		tc_print_obs(label, c, &o);
}

static void test_kex_hostkey_matrix(void)
{
	for (size_t r = 0; r < COUNT(roles); r++)
		for (size_t k = 0; k < COUNT(kex_methods); k++)
			for (size_t h = 0; h < COUNT(hostkey_algs); h++) {
				struct sshdiff_case c;
				char label[160];
				case_default(&c, roles[r]);
				tc_set_str(c.algs.kex, kex_methods[k]);
				tc_set_str(c.algs.hostkey, hostkey_algs[h]);
				c.host_key = testkey_for_alg(span_cstr(hostkey_algs[h]));
				c.seed = 1000 + r * 100 + k * 10 + h;
				case_default_script(&c);
				snprintf(label, sizeof label, "%s %s %s", tc_role_name(roles[r]), kex_methods[k],
					 hostkey_algs[h]);
				run_expect_accept(&c, label, strstr(kex_methods[k], "group-exchange") != NULL);
			}
}

static void test_cipher_mac_matrix(void)
{
	for (size_t r = 0; r < COUNT(roles); r++) {
		for (size_t i = 0; i < COUNT(aead_ciphers) + COUNT(ctr_ciphers) * COUNT(macs); i++) {
			struct sshdiff_case c;
			char label[160];
			bool aead = i < COUNT(aead_ciphers);
			const char *cipher = aead ? aead_ciphers[i] : ctr_ciphers[(i - COUNT(aead_ciphers)) / COUNT(macs)];
			const char *mac = aead ? "hmac-sha2-256" : macs[(i - COUNT(aead_ciphers)) % COUNT(macs)];
			case_default(&c, roles[r]);
			tc_set_str(c.algs.cipher, cipher);
			tc_set_str(c.algs.mac, mac);
			c.seed = 5000 + i;
			case_default_script(&c);
			snprintf(label, sizeof label, "%s %s %s", tc_role_name(roles[r]), cipher, mac);
			struct observations o;
			if (!run_case(&c, &o))
				continue;
			bool ok = tc_all_accept(&c, &o) && o.keys_ok && o.auth == OBS_AUTH_SUCCESS &&
				  strcmp(o.cipher_cs, cipher) == 0 && strcmp(o.cipher_sc, cipher) == 0 &&
				  strcmp(o.mac_cs, aead ? "" : mac) == 0 && strcmp(o.mac_sc, aead ? "" : mac) == 0;
			CHECK(ok);
			if (!ok)
				tc_print_obs(label, &c, &o);
		}
	}
}

/* User keys of every type, and password authentication when the actor
 * (as client) sends a password instead of a key. */
static void test_user_keys(void)
{
	static const enum case_key keys[] = {CASE_KEY_ED25519_A, CASE_KEY_ECDSA_P256, CASE_KEY_ECDSA_P384,
					     CASE_KEY_ECDSA_P521, CASE_KEY_RSA_3072};
	for (size_t r = 0; r < COUNT(roles); r++)
		for (size_t k = 0; k < COUNT(keys); k++) {
			struct sshdiff_case c;
			char label[96];
			case_default(&c, roles[r]);
			c.user_key = keys[k];
			snprintf(label, sizeof label, "%s user key %s", tc_role_name(roles[r]), case_key_name(keys[k]));
			run_expect_accept(&c, label, false);
		}
}

/* -------------------------------------------------------- determinism */

struct traced {
	struct observations o;
	struct sbuf trace;
};

static bool run_traced(const struct sshdiff_case *c, struct traced *t)
{
	t->trace = (struct sbuf)SBUF_INIT;
	actor_set_trace_sink(&t->trace);
	bool ok = run_case(c, &t->o);
	actor_set_trace_sink(NULL);
	return ok;
}

static bool same_observations(const struct observations *a, const struct observations *b)
{
	if (a->n_steps != b->n_steps || a->keys_checked != b->keys_checked || a->keys_ok != b->keys_ok ||
	    a->auth != b->auth || strcmp(a->outcome, b->outcome) || strcmp(a->kex, b->kex) ||
	    strcmp(a->hostkey, b->hostkey) || strcmp(a->cipher_cs, b->cipher_cs) ||
	    strcmp(a->cipher_sc, b->cipher_sc) || strcmp(a->mac_cs, b->mac_cs) || strcmp(a->mac_sc, b->mac_sc) ||
	    strcmp(a->backend, b->backend) || strcmp(a->version, b->version))
		return false;
	for (unsigned i = 0; i < a->n_steps; i++)
		if (a->steps[i].verdict != b->steps[i].verdict ||
		    a->steps[i].disconnect_reason != b->steps[i].disconnect_reason ||
		    a->steps[i].iut_msg != b->steps[i].iut_msg || strcmp(a->steps[i].rule, b->steps[i].rule))
			return false;
	return true;
}

static bool same_trace(const struct traced *a, const struct traced *b)
{
	return a->trace.len == b->trace.len && (a->trace.len == 0 || memcmp(a->trace.data, b->trace.data, a->trace.len) == 0);
}

/* Same case twice, then another seed. */
static void check_deterministic(struct sshdiff_case *c, const char *label)
{
	struct traced t1, t2, t3;

	bool ran = run_traced(c, &t1) && run_traced(c, &t2);
	c->seed++;
	ran = ran && run_traced(c, &t3);
	c->seed--;
	if (ran) {
		bool same = same_observations(&t1.o, &t2.o) && same_trace(&t1, &t2);
		CHECK(same);
		CHECK(tc_all_accept(c, &t1.o));
		CHECK(t1.trace.len > 0);
		/* the trace holds the IUT's random bytes: another seed, other bytes */
		CHECK(!same_trace(&t1, &t3));
		if (!same)
			fprintf(stderr, "  not deterministic: %s\n", label);
	}
	sbuf_free(&t1.trace);
	sbuf_free(&t2.trace);
	sbuf_free(&t3.trace);
}

static void test_determinism(void)
{
	for (size_t r = 0; r < COUNT(roles); r++) {
		for (size_t k = 0; k < COUNT(kex_methods); k++) {
			struct sshdiff_case c;
			char label[128];
			case_default(&c, roles[r]);
			tc_set_str(c.algs.kex, kex_methods[k]);
			/* ECDSA signatures draw a nonce: the most random host key */
			tc_set_str(c.algs.hostkey, "ecdsa-sha2-nistp256");
			c.host_key = CASE_KEY_ECDSA_P256;
			c.seed = 77;
			case_default_script(&c);
			snprintf(label, sizeof label, "%s %s", tc_role_name(roles[r]), kex_methods[k]);
			check_deterministic(&c, label);
		}
		for (size_t h = 0; h < COUNT(hostkey_algs); h++) {
			struct sshdiff_case c;
			char label[128];
			case_default(&c, roles[r]);
			tc_set_str(c.algs.hostkey, hostkey_algs[h]);
			c.host_key = testkey_for_alg(span_cstr(hostkey_algs[h]));
			c.user_key = c.host_key; /* the client signs with the same kind */
			c.seed = 99;
			case_default_script(&c);
			snprintf(label, sizeof label, "%s %s", tc_role_name(roles[r]), hostkey_algs[h]);
			check_deterministic(&c, label);
		}
	}
}

/* The trace of c run in a fresh child process (as `sshdiff replay` does),
 * where every one-time initialisation of libssh and OpenSSL happens inside
 * the run. */
static bool trace_in_child(const struct sshdiff_case *c, struct sbuf *out)
{
	int p[2];
	if (pipe(p) != 0)
		return false;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (pid == 0) {
		struct traced t;
		close(p[0]);
		int st = run_traced(c, &t) ? 0 : 1;
		for (size_t off = 0; st == 0 && off < t.trace.len;) {
			ssize_t w = write(p[1], t.trace.data + off, t.trace.len - off);
			if (w <= 0)
				st = 1;
			else
				off += (size_t)w;
		}
		sbuf_free(&t.trace);
		close(p[1]);
		_exit(st);
	}
	close(p[1]);
	uint8_t buf[4096];
	ssize_t n;
	bool ok = true;
	while ((n = read(p[0], buf, sizeof buf)) > 0)
		ok = ok && sbuf_put(out, buf, (size_t)n) == SD_OK;
	close(p[0]);
	int st = 0;
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 && ok;
}

/* This process has run libssh many times by now: a fresh process must
 * still give the same bytes. */
static void test_determinism_across_processes(void)
{
	static const char *const kex[] = {"curve25519-sha256", "ecdh-sha2-nistp256", "diffie-hellman-group14-sha256",
					  "diffie-hellman-group-exchange-sha256"};
	for (size_t r = 0; r < COUNT(roles); r++)
		for (size_t k = 0; k < COUNT(kex); k++) {
			struct sshdiff_case c;
			struct traced here;
			struct sbuf there = SBUF_INIT;
			case_default(&c, roles[r]);
			tc_set_str(c.algs.kex, kex[k]);
			tc_set_str(c.algs.hostkey, "rsa-sha2-256");
			c.host_key = CASE_KEY_RSA_3072;
			c.user_key = CASE_KEY_ECDSA_P384;
			c.seed = 4242;
			case_default_script(&c);
			bool ok = run_traced(&c, &here);
			CHECK(ok);
			CHECK(trace_in_child(&c, &there));
			bool same = here.trace.len == there.len && here.trace.len > 0 &&
				    memcmp(here.trace.data, there.data, there.len) == 0;
			CHECK(same);
			if (!same)
				fprintf(stderr, "  differs in a fresh process: %s %s\n", tc_role_name(roles[r]), kex[k]);
			sbuf_free(&here.trace);
			sbuf_free(&there);
		}
}

/* ---------------------------------------------------------- rejections */

static int first_reject(const struct observations *o)
{
	for (unsigned i = 0; i < o->n_steps; i++)
		if (o->steps[i].verdict == VERDICT_REJECT)
			return (int)i;
	return -1;
}

/* The signature over H is broken.  libssh 0.10.6 checks it only when the
 * server's NEWKEYS arrives (src/packet_cb.c, ssh_packet_newkeys: "Verify
 * the host's signature. FIXME do it sooner"), after sending its own
 * NEWKEYS: the KEX reply itself is taken, the rejection shows at the
 * actor's NEWKEYS, and the connection never gets further. */
static void test_flipped_signature(void)
{
	struct sshdiff_case c;
	struct observations o;

	case_default(&c, CASE_IUT_CLIENT);
	int at = tc_find_step(&c, STEP_SEND, CM_KEX_REPLY);
	int nk = tc_find_step(&c, STEP_SEND, CM_NEWKEYS);
	int sr = tc_find_step(&c, STEP_EXPECT, CM_SERVICE_REQUEST);
	CHECK(at >= 0 && nk == at + 1 && sr > nk);
	if (at < 0 || nk != at + 1 || sr <= nk)
		return;
	/* ed25519: the payload ends with the 64-byte signature; flip its
	 * last byte (msg + K_S + Q_S + signature blob) */
	struct case_mutation *m = tc_add_mutation(&c.steps[at], MUT_FLIP);
	m->offset = 1 + (4 + 51) + (4 + 32) + (4 + 83) - 1;
	m->mask = 0x01;
	if (!run_case(&c, &o))
		return;
	CHECK_EQ_U(first_reject(&o), nk);
	CHECK_EQ_U(o.steps[at].verdict, VERDICT_ACCEPT);
	CHECK_EQ_U(o.steps[sr].verdict, VERDICT_NOT_REACHED);
	CHECK(o.auth != OBS_AUTH_SUCCESS);
	if (first_reject(&o) != nk)
		tc_print_obs("flipped signature", &c, &o);

	/* the same case unmutated goes through: the flip is what libssh refuses */
	case_default(&c, CASE_IUT_CLIENT);
	if (run_case(&c, &o))
		CHECK(tc_all_accept(&c, &o));
}

static void test_unsupported(void)
{
	for (size_t r = 0; r < COUNT(roles); r++) {
		struct sshdiff_case c;
		struct observations o;
		case_default(&c, roles[r]);
		tc_set_str(c.algs.kex, "no-such-kex@sshdiff");
		if (!run_case(&c, &o))
			continue;
		CHECK_STR(o.backend, "libssh");
		CHECK_EQ_U(o.n_steps, c.n_steps);
		for (unsigned i = 0; i < o.n_steps; i++)
			CHECK_EQ_U(o.steps[i].verdict, VERDICT_UNSUPPORTED);
	}
}

static void check_all_unsupported(const char *label, const struct sshdiff_case *c, const struct observations *o)
{
	bool all = o->n_steps == c->n_steps;
	for (unsigned i = 0; i < o->n_steps; i++)
		all &= o->steps[i].verdict == VERDICT_UNSUPPORTED;
	CHECK(all);
	CHECK(strncmp(o->outcome, "unsupported: ", 13) == 0);
	if (!all)
		tc_print_obs(label, c, o);
}

/* libssh closes on a configuration it cannot serve; that close is no
 * verdict on the peer.  Server: an Ed25519 host key with only
 * ecdsa-sha2-nistp384 allowed (libssh 0.10.6 server_set_kex fails before
 * reading anything, with no error text).  Client: only a certificate host
 * key type, which libssh 0.10.6 strips from its proposal
 * (ssh_set_client_kex fails: "Out of memory").  Both were "reject". */
static void test_cannot_serve(void)
{
	struct sshdiff_case c;
	struct observations o;

	case_default(&c, CASE_IUT_SERVER);
	c.host_key = CASE_KEY_ED25519_A;
	tc_set_str(c.algs.hostkey, "ecdsa-sha2-nistp384");
	if (run_case(&c, &o))
		check_all_unsupported("server: host key fits no allowed algorithm", &c, &o);

	case_default(&c, CASE_IUT_CLIENT);
	tc_set_str(c.algs.hostkey, "ssh-ed25519-cert-v01@openssh.com");
	if (run_case(&c, &o))
		check_all_unsupported("client: certificate host key types only", &c, &o);

	/* the control: a closing libssh that read the peer's bytes judged them
	 * (an identification line with protocol version 3.0) */
	case_default(&c, CASE_IUT_CLIENT);
	tc_set_str(c.actor_version, "SSH-3.0-sshdiff_actor");
	if (run_case(&c, &o)) {
		CHECK(first_reject(&o) >= 0);
		CHECK(strncmp(o.outcome, "rejected at step ", 17) == 0);
		if (first_reject(&o) < 0)
			tc_print_obs("client: SSH-3.0 server", &c, &o);
	}
}

/* Bytes that are no SSH at all, at the start and after the key exchange:
 * the backend must return, libssh must end the connection. */
static void test_garbage(void)
{
	for (size_t r = 0; r < COUNT(roles); r++) {
		for (int where = 0; where < 2; where++) {
			struct sshdiff_case c;
			struct observations o;
			case_default(&c, roles[r]);
			unsigned at = where == 0 ? 0 : (unsigned)tc_find_step(&c, STEP_EXPECT, CM_NEWKEYS) + 1;
			truncate_after(&c, at - (at > 0));
			struct case_step *s = tc_insert_step(&c, at, STEP_RAW, CM_COUNT);
			s->data_len = 300;
			for (unsigned i = 0; i < s->data_len; i++)
				s->data[i] = (uint8_t)(i * 37 + 11);
			/* a length field that claims ~ 3 GB, then noise */
			s->data[0] = 0xb1;
			if (!run_case(&c, &o))
				continue;
			bool rejected = false;
			for (unsigned i = 0; i < o.n_steps; i++)
				rejected |= o.steps[i].verdict == VERDICT_REJECT;
			CHECK(rejected);
			CHECK(o.auth != OBS_AUTH_SUCCESS);
			if (!rejected)
				tc_print_obs(where ? "garbage after NEWKEYS" : "garbage first", &c, &o);
		}
	}
}

/* ------------------------------------------------- facts for findings */

/* Prints what libssh did and returns the first rejected step (-1: none). */
static int report_fact(const char *label, const struct sshdiff_case *c, const struct observations *o)
{
	int at = first_reject(o);
	char v[64] = "accept (all steps)";

	if (at >= 0)
		verdict_format(&o->steps[at], v, sizeof v);
	printf("fact: %-50s first reject: step %2d %-6s %-18s %s | keys_checked=%d keys_ok=%d | %s\n", label, at,
	       at >= 0 ? case_step_kind_name(c->steps[at].kind) : "-", at >= 0 ? case_msg_name(c->steps[at].msg) : "-",
	       v, o->keys_checked, o->keys_ok, o->outcome);
	if (getenv("SSHDIFF_TEST_VERBOSE"))
		tc_print_obs(label, c, o);
	return at;
}

/* f = 1 in diffie-hellman-group14-sha256, signed over the H that uses it.
 * RFC 4253 section 8 only excludes values outside [1, p-1], but f = 1
 * gives K = 1; libssh refuses the reply at once. */
static void fact_dh_f_one(void)
{
	struct sshdiff_case c;
	struct observations o;

	case_default(&c, CASE_IUT_CLIENT);
	tc_set_str(c.algs.kex, "diffie-hellman-group14-sha256");
	case_default_script(&c);
	int at = tc_find_step(&c, STEP_SEND, CM_KEX_REPLY);
	struct case_mutation *m = tc_add_mutation(&c.steps[at], MUT_SET_FIELD);
	m->field = 1; /* "f" */
	m->data_len = 1;
	m->data[0] = 0x01;
	if (!run_case(&c, &o))
		return;
	CHECK_EQ_U(report_fact("iut-client group14-sha256 KEX_REPLY f = 1", &c, &o), at);
}

/* KEXINIT reserved = 1.  RFC 4253 section 7.1 reserves the field (0) and
 * puts the KEXINIT payload as sent into H (section 8).  libssh 0.10.6 never
 * reads the field and hashes a 0 in its place (src/kex.c,
 * ssh_packet_kexinit), so its H differs from the peer's: as server its keys
 * are wrong (keys_ok false), as client the host key signature fails; both
 * show at the NEWKEYS step. */
static void fact_kexinit_reserved(enum case_role role)
{
	struct sshdiff_case c;
	struct observations o;
	char label[96];

	case_default(&c, role);
	int at = tc_find_step(&c, STEP_SEND, CM_KEXINIT);
	int nk = tc_find_step(&c, STEP_SEND, CM_NEWKEYS);
	struct case_mutation *m = tc_add_mutation(&c.steps[at], MUT_SET_FIELD);
	m->field = 12; /* "reserved" */
	m->data_len = 4;
	m->data[3] = 0x01;
	if (!run_case(&c, &o))
		return;
	snprintf(label, sizeof label, "%s KEXINIT reserved = 1", tc_role_name(role));
	CHECK_EQ_U(report_fact(label, &c, &o), nk);
	CHECK_EQ_U(o.steps[at].verdict, VERDICT_ACCEPT);
	if (role == CASE_IUT_SERVER) {
		/* libssh's first encrypted packet is not under the RFC keys */
		CHECK(o.keys_checked);
		CHECK(!o.keys_ok);
	}
}

/* CVE-2018-10933 pattern: the client sends USERAUTH_SUCCESS right after
 * SERVICE_ACCEPT, then asks for a channel as if authenticated
 * (RFC 4252 section 5.1: only the server sends USERAUTH_SUCCESS).  Fixed
 * in libssh 0.7.6 / 0.8.4: the packet filter refuses it. */
static void fact_userauth_success_from_client(void)
{
	struct sshdiff_case c;
	struct observations o;

	case_default(&c, CASE_IUT_SERVER);
	int acc = tc_find_step(&c, STEP_EXPECT, CM_SERVICE_ACCEPT);
	truncate_after(&c, (unsigned)acc);
	tc_insert_step(&c, (unsigned)acc + 1, STEP_SEND, CM_USERAUTH_SUCCESS);
	tc_insert_step(&c, (unsigned)acc + 2, STEP_SEND, CM_CHANNEL_OPEN);
	tc_insert_step(&c, (unsigned)acc + 3, STEP_EXPECT, CM_COUNT);
	if (!run_case(&c, &o))
		return;
	CHECK_EQ_U(report_fact("iut-server USERAUTH_SUCCESS from the client", &c, &o), acc + 1);
	CHECK(o.auth != OBS_AUTH_SUCCESS);
}

/* Strict kex (OpenSSH PROTOCOL, kex-strict-*-v00@openssh.com): before the
 * first NEWKEYS only KEX messages.  libssh 0.10.6 marks the session tainted
 * when the IGNORE arrives and ends the connection only when NEWKEYS
 * arrives (src/packet_cb.c): the IGNORE step itself is accepted. */
static void fact_ignore_before_newkeys(enum case_role role)
{
	struct sshdiff_case c;
	struct observations o;
	char label[96];

	case_default(&c, role);
	CHECK(c.strict_kex);
	int at = tc_find_step(&c, STEP_SEND, CM_NEWKEYS);
	tc_insert_step(&c, (unsigned)at, STEP_SEND, CM_IGNORE);
	if (!run_case(&c, &o))
		return;
	snprintf(label, sizeof label, "%s IGNORE before NEWKEYS, strict kex", tc_role_name(role));
	CHECK_EQ_U(report_fact(label, &c, &o), at + 1);
	CHECK_EQ_U(o.steps[at].verdict, VERDICT_ACCEPT);

	/* without strict kex the IGNORE is fine (RFC 4253 section 11.2) */
	case_default(&c, role);
	c.strict_kex = false;
	case_default_script(&c);
	tc_insert_step(&c, (unsigned)tc_find_step(&c, STEP_SEND, CM_NEWKEYS), STEP_SEND, CM_IGNORE);
	if (run_case(&c, &o))
		CHECK(tc_all_accept(&c, &o));
}

/* Pinned to libssh 0.10.6 (Debian bookworm): a failure here is a change of
 * libssh's behaviour, to be looked at. */
static void test_facts(void)
{
	fact_userauth_success_from_client();
	fact_ignore_before_newkeys(CASE_IUT_SERVER);
	fact_ignore_before_newkeys(CASE_IUT_CLIENT);
	fact_dh_f_one();
	fact_kexinit_reserved(CASE_IUT_SERVER);
	fact_kexinit_reserved(CASE_IUT_CLIENT);
}

/* Open descriptors of this process: every path must close what it opened. */
static unsigned count_fds(void)
{
	unsigned n = 0;
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

int main(void)
{
	unsigned fds = count_fds();

	for (size_t r = 0; r < COUNT(roles); r++)
		test_default(roles[r]);
	test_flipped_signature();
	test_unsupported();
	test_cannot_serve();
	test_garbage();
	test_facts();
	test_user_keys();
	test_cipher_mac_matrix();
	test_kex_hostkey_matrix();
	test_after_auth();
	test_determinism();
	test_determinism_across_processes();
	CHECK_EQ_U(count_fds(), fds);
	return check_finish();
}

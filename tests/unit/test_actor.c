/* The reactive actor against the engine (backend_own), both roles: valid
 * handshakes through publickey authentication for every KEX method and
 * every host key algorithm with each framing (every step accepted, the
 * IUT's keys checked, auth SUCCESS), determinism, the script step kinds,
 * and one case per mutation class, each asserting the exact verdict vector
 * and the rule the engine names. */
#include <stdio.h>
#include <string.h>

#include "oracle/actor_impl.h"
#include "oracle/backends_list.h"
#include "oracle/case_impl.h"
#include "oracle/testkeys.h"
#include "proto/machine.h"
#include "tests/support/casetest.h"
#include "tests/support/check.h"

/* ---- helpers ---- */

static struct sshdiff_case *new_case(enum case_role role, const char *kex, const char *hostkey, const char *cipher,
				     const char *mac)
{
	static struct sshdiff_case c;

	case_default(&c, role);
	if (kex)
		snprintf(c.algs.kex, sizeof c.algs.kex, "%s", kex);
	if (hostkey) {
		snprintf(c.algs.hostkey, sizeof c.algs.hostkey, "%s", hostkey);
		c.host_key = testkey_for_alg(span_cstr(hostkey));
	}
	if (cipher)
		snprintf(c.algs.cipher, sizeof c.algs.cipher, "%s", cipher);
	if (mac)
		snprintf(c.algs.mac, sizeof c.algs.mac, "%s", mac);
	case_default_script(&c);
	return &c;
}

static void run_own(const struct sshdiff_case *c, struct observations *o)
{
	CHECK_OK(backend_own.run(c, o));
	CHECK_EQ_U(o->n_steps, c->n_steps);
	CHECK_STR(o->backend, "own");
	CHECK_STR(o->version, "sshdiff-engine 0.1.0");
}

/* "AAR--": accept, reject, not reached, per step. */
static void vector(const struct observations *o, char *out)
{
	unsigned i;

	for (i = 0; i < o->n_steps; i++)
		out[i] = o->steps[i].verdict == VERDICT_ACCEPT ? 'A' : o->steps[i].verdict == VERDICT_REJECT ? 'R'
			 : o->steps[i].verdict == VERDICT_NOT_REACHED			   ? '-'
											   : '?';
	out[i] = '\0';
}

static void check_vector(const struct observations *o, const char *want, const char *label)
{
	char got[CASE_MAX_STEPS + 1];

	vector(o, got);
	check_count++;
	if (strcmp(got, want) != 0)
		check_fail(__FILE__, __LINE__, "%s: verdicts %s, want %s (outcome: %s)", label, got, want, o->outcome);
}

static void check_valid_run(const struct sshdiff_case *c, const char *label)
{
	struct observations o;
	char want[CASE_MAX_STEPS + 1];

	run_own(c, &o);
	memset(want, 'A', c->n_steps);
	want[c->n_steps] = '\0';
	check_vector(&o, want, label);
	check_count++;
	if (!o.keys_checked || !o.keys_ok || o.auth != OBS_AUTH_SUCCESS || strcmp(o.outcome, "completed") != 0)
		check_fail(__FILE__, __LINE__, "%s: keys_checked %d keys_ok %d auth %d outcome %s", label,
			   o.keys_checked, o.keys_ok, o.auth, o.outcome);
	/* The names the engine negotiated: the case's (one per list). */
	size_t n = strcspn(c->algs.kex, ",");
	check_count++;
	if (strncmp(o.kex, c->algs.kex, n) != 0 || o.kex[n] != '\0' || strcmp(o.hostkey, c->algs.hostkey) != 0 ||
	    strcmp(o.cipher_cs, c->algs.cipher) != 0 || strcmp(o.cipher_sc, c->algs.cipher) != 0)
		check_fail(__FILE__, __LINE__, "%s: negotiated %s %s %s %s", label, o.kex, o.hostkey, o.cipher_cs,
			   o.cipher_sc);
}

static void set_field(struct case_step *s, unsigned field, const void *data, size_t len)
{
	struct case_mutation *m = tc_add_mutation(s, MUT_SET_FIELD);

	m->field = (uint8_t)field;
	m->data_len = (uint16_t)len;
	memcpy(m->data, data, len);
}

static void insert_step(struct sshdiff_case *c, unsigned at, enum case_step_kind kind, enum case_msg msg,
			uint32_t value)
{
	memmove(&c->steps[at + 1], &c->steps[at], (c->n_steps - at) * sizeof c->steps[0]);
	memset(&c->steps[at], 0, sizeof c->steps[0]);
	c->steps[at].kind = kind;
	c->steps[at].msg = msg;
	c->steps[at].value = value;
	c->n_steps++;
}

/* ---- valid handshakes ---- */

static const char *const roles[2] = {"iut-server", "iut-client"};

static void test_every_kex(void)
{
	char label[160];

	for (int r = 0; r < 2; r++) {
		for (size_t i = 0; i < kex_methods_count; i++) {
			struct sshdiff_case *c = new_case((enum case_role)r, kex_methods[i].name, "ssh-ed25519",
							  "chacha20-poly1305@openssh.com", NULL);
			snprintf(label, sizeof label, "%s %s", roles[r], kex_methods[i].name);
			check_valid_run(c, label);
		}
	}
}

static void test_every_hostkey_and_framing(void)
{
	static const char *const framings[][2] = {
		{"chacha20-poly1305@openssh.com", "hmac-sha2-256"},
		{"aes128-gcm@openssh.com", "hmac-sha2-256"},
		{"aes256-ctr", "hmac-sha2-256-etm@openssh.com"},
		{"aes128-ctr", "hmac-sha1"},
	};
	char label[160];

	for (int r = 0; r < 2; r++) {
		for (size_t i = 0; i < sig_algs_count; i++) {
			for (size_t f = 0; f < sizeof framings / sizeof framings[0]; f++) {
				struct sshdiff_case *c = new_case((enum case_role)r, "curve25519-sha256",
								  sig_algs[i].name, framings[f][0], framings[f][1]);
				snprintf(label, sizeof label, "%s %s %s %s", roles[r], sig_algs[i].name, framings[f][0],
					 framings[f][1]);
				check_valid_run(c, label);
			}
		}
	}
}

/* Every user key type: the actor client signs with the key's best
 * algorithm (rsa-sha2-512 for RSA); the actor server echoes what the IUT
 * client asked. */
static void test_every_user_key(void)
{
	char label[160];

	for (int r = 0; r < 2; r++) {
		for (int k = 0; k < CASE_KEY_COUNT; k++) {
			struct sshdiff_case *c = new_case((enum case_role)r, NULL, NULL, NULL, NULL);
			c->user_key = (enum case_key)k;
			snprintf(label, sizeof label, "%s user key %s", roles[r], case_key_name((enum case_key)k));
			check_valid_run(c, label);
		}
	}
}

/* Without strict kex and ext-info markers the handshake still completes. */
static void test_no_markers(void)
{
	for (int r = 0; r < 2; r++) {
		struct sshdiff_case *c = new_case((enum case_role)r, NULL, NULL, NULL, NULL);
		c->strict_kex = false;
		c->ext_info = false;
		case_default_script(c);
		check_valid_run(c, r ? "iut-client no markers" : "iut-server no markers");
	}
}

static void test_determinism(void)
{
	static struct observations a, b;

	for (int r = 0; r < 2; r++) {
		struct sshdiff_case *c = new_case((enum case_role)r, "ecdh-sha2-nistp256", "ecdsa-sha2-nistp256",
						  "aes128-ctr", "hmac-sha2-256");
		memset(&a, 0xa5, sizeof a); /* padding must not leak in */
		memset(&b, 0x5a, sizeof b);
		run_own(c, &a);
		run_own(c, &b);
		CHECK_MEM(&a, &b, sizeof a);
		/* Another seed, other bytes, same verdicts. */
		c->seed = 99;
		run_own(c, &b);
		CHECK_MEM(a.steps, b.steps, sizeof a.steps);
	}
}

/* ---- negative cases: the exact verdict vector and the engine's rule ---- */

static void check_rule(const struct observations *o, int step, const char *rule)
{
	CHECK(step >= 0 && step < o->n_steps);
	if (step >= 0 && step < o->n_steps)
		CHECK_STR(o->steps[step].rule, rule);
}

/* RFC 4253 section 8: f = 1 (a value an IUT must refuse). */
static void test_dh_f_one(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_CLIENT, "diffie-hellman-group14-sha256", NULL, NULL, NULL);
	int s = tc_find_step(c, STEP_SEND, CM_KEX_REPLY);
	static const uint8_t one = 1;

	CHECK_EQ_U(s, 3);
	set_field(&c->steps[s], 1, &one, 1);
	run_own(c, &o);
	check_vector(&o, "AAAR-------", "f = 1");
	check_rule(&o, s, "RFC4253-8");
	CHECK_EQ_U(o.steps[s].disconnect_reason, DISCONNECT_KEY_EXCHANGE_FAILED);
	CHECK_STR(o.outcome, "rejected at step 3 (send KEX_REPLY): RFC4253-8");
	CHECK(!o.keys_checked);
	CHECK_EQ_U(o.auth, OBS_AUTH_NONE);
}

/* f = p - 1 and f = 0 as well, and the X25519 low-order point (K = 0). */
static void test_kex_values(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_CLIENT, "diffie-hellman-group14-sha256", NULL, NULL, NULL);
	const struct kex_dh_group *g = kex_dh_group_by_id(14);
	uint8_t pm1[300];
	int s = tc_find_step(c, STEP_SEND, CM_KEX_REPLY);

	/* p - 1 as mpint content: 00 || p with the last byte minus one. */
	pm1[0] = 0;
	memcpy(pm1 + 1, g->p.p, g->p.len);
	pm1[g->p.len] -= 1;
	set_field(&c->steps[s], 1, pm1, g->p.len + 1);
	run_own(c, &o);
	check_vector(&o, "AAAR-------", "f = p-1");
	check_rule(&o, s, "RFC4253-8");

	c = new_case(CASE_IUT_CLIENT, "diffie-hellman-group14-sha256", NULL, NULL, NULL);
	set_field(&c->steps[s], 1, "", 0);
	run_own(c, &o);
	check_vector(&o, "AAAR-------", "f = 0");
	check_rule(&o, s, "RFC4253-8");

	static const uint8_t zero[32];
	c = new_case(CASE_IUT_CLIENT, NULL, NULL, NULL, NULL);
	set_field(&c->steps[s], 1, zero, sizeof zero);
	run_own(c, &o);
	check_vector(&o, "AAAR-------", "x25519 low order");
	check_rule(&o, s, "RFC8731-3");

	/* The actor client with e = 1: the engine server refuses it too. */
	c = new_case(CASE_IUT_SERVER, "diffie-hellman-group16-sha512", NULL, NULL, NULL);
	s = tc_find_step(c, STEP_SEND, CM_KEX_INIT);
	static const uint8_t one = 1;
	set_field(&c->steps[s], 0, &one, 1);
	run_own(c, &o);
	check_vector(&o, "AARR--------", "e = 1");
	check_rule(&o, s, "RFC4253-8");
}

/* RFC 4253 section 7.1: reserved must be 0. */
static void test_kexinit_reserved(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	static const uint8_t one[4] = {0, 0, 0, 1};

	CHECK_STR(case_msg_field_name(CM_KEXINIT, 12), "reserved");
	set_field(&c->steps[0], 12, one, sizeof one);
	run_own(c, &o);
	/* The IUT's own KEXINIT was on its way before it read ours. */
	check_vector(&o, "RA----------", "reserved = 1");
	check_rule(&o, 0, "RFC4253-7.1-reserved");
}

/* RFC 4252 section 5.1 (CVE-2018-10933): USERAUTH_SUCCESS from a client. */
static void test_userauth_success_from_client(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	int s = tc_find_step(c, STEP_EXPECT, CM_SERVICE_ACCEPT) + 1;

	CHECK_EQ_U(s, 8);
	c->n_steps = (uint8_t)s;
	insert_step(c, (unsigned)s, STEP_SEND, CM_USERAUTH_SUCCESS, 0);
	run_own(c, &o);
	check_vector(&o, "AAAAAAAAR", "client SUCCESS");
	check_rule(&o, s, "RFC4252-5.1");
	CHECK_EQ_U(o.auth, OBS_AUTH_NONE);
	CHECK(o.keys_checked && o.keys_ok);
}

/* What the observations say about authentication follows the message
 * number that went on the wire, not the step's message: a USERAUTH_SUCCESS
 * step whose number a mutation changed is no success, however the IUT
 * took it, and a USERAUTH_FAILURE step that went out as a USERAUTH_SUCCESS
 * (number 52, body cut to that byte) is one. */
static void test_auth_from_wire(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_CLIENT, NULL, NULL, NULL, NULL);
	int s = tc_find_step(c, STEP_SEND, CM_USERAUTH_SUCCESS);

	CHECK_EQ_U(s, (unsigned)c->n_steps - 1);
	/* Control: the valid run is a success. */
	run_own(c, &o);
	CHECK(tc_all_accept(c, &o));
	CHECK_EQ_U(o.auth, OBS_AUTH_SUCCESS);

	/* 52 -> 200 (local extension, RFC 4250 section 4.1.2): the engine
	 * answers UNIMPLEMENTED and goes on, so the step is accepted, yet no
	 * USERAUTH_SUCCESS was ever sent. */
	tc_add_mutation(&c->steps[s], MUT_MSG_NUMBER)->value = 200;
	run_own(c, &o);
	CHECK(tc_all_accept(c, &o));
	CHECK_STR(o.outcome, "completed");
	CHECK_EQ_U(o.auth, OBS_AUTH_NONE);

	/* The other way round: a FAILURE step sent as a bare SUCCESS. */
	c = new_case(CASE_IUT_CLIENT, NULL, NULL, NULL, NULL);
	c->steps[s].msg = CM_USERAUTH_FAILURE;
	tc_add_mutation(&c->steps[s], MUT_MSG_NUMBER)->value = MSG_USERAUTH_SUCCESS;
	tc_add_mutation(&c->steps[s], MUT_TRUNCATE)->offset = 1;
	run_own(c, &o);
	CHECK(tc_all_accept(c, &o));
	CHECK_EQ_U(o.auth, OBS_AUTH_SUCCESS);
	/* Unmutated, that FAILURE is a failure. */
	c = new_case(CASE_IUT_CLIENT, NULL, NULL, NULL, NULL);
	c->steps[s].msg = CM_USERAUTH_FAILURE;
	run_own(c, &o);
	CHECK_EQ_U(o.auth, OBS_AUTH_FAILURE);
}

/* The paramiko #356 pattern: the actor derives its keys with the wrong
 * hash; the engine's MAC check catches the first encrypted packet, while
 * the engine's own keys still check out. */
static void test_kdf_hash(void)
{
	struct observations o;
	/* GCM: the length is in clear (AAD), so the tag is what fails;
	 * under chacha20-poly1305 the length decrypts to garbage first. */
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, "aes128-gcm@openssh.com", NULL);
	int s = tc_find_step(c, STEP_SEND, CM_NEWKEYS);

	tc_add_mutation(&c->steps[s], MUT_KDF_HASH)->value = KEX_HASH_SHA512;
	run_own(c, &o);
	check_vector(&o, "AAAAAARR----", "kdf-hash iut-server");
	check_rule(&o, 6, "RFC4253-6.4");
	CHECK_EQ_U(o.steps[6].disconnect_reason, DISCONNECT_MAC_ERROR);
	CHECK(o.keys_checked && o.keys_ok);

	/* The IUT client: its SERVICE_REQUEST was already out (and opens:
	 * its keys are right) when our EXT_INFO under wrong keys reached it. */
	c = new_case(CASE_IUT_CLIENT, NULL, "rsa-sha2-256", "aes256-ctr", "hmac-sha2-256-etm@openssh.com");
	s = tc_find_step(c, STEP_SEND, CM_NEWKEYS);
	tc_add_mutation(&c->steps[s], MUT_KDF_HASH)->value = KEX_HASH_SHA1;
	run_own(c, &o);
	check_vector(&o, "AAAAAARA---", "kdf-hash iut-client");
	check_rule(&o, 6, "RFC4253-6.4");
	CHECK(o.keys_checked && o.keys_ok);
}

/* OpenSSH PROTOCOL strict kex (Terrapin): IGNORE before NEWKEYS is fatal. */
static void test_strict_kex_ignore(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);

	insert_step(c, 2, STEP_SEND, CM_IGNORE, 0);
	run_own(c, &o);
	check_vector(&o, "AAR----------", "strict IGNORE");
	check_rule(&o, 2, "PROTOCOL-strict-kex");

	/* Without strict kex the same IGNORE is harmless (RFC 4253 11.2). */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	c->strict_kex = false;
	insert_step(c, 2, STEP_SEND, CM_IGNORE, 0);
	check_valid_run(c, "IGNORE without strict kex");
}

/* RFC 8332 section 3 (the PuTTY-CAC pattern): rsa-sha2-256 named, SHA-1 used. */
static void test_sig_hash(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_CLIENT, NULL, "rsa-sha2-256", NULL, NULL);
	int s = tc_find_step(c, STEP_SEND, CM_KEX_REPLY);

	tc_add_mutation(&c->steps[s], MUT_SIG_HASH)->value = SIG_HASH_SHA1;
	run_own(c, &o);
	check_vector(&o, "AAAR-------", "sig-hash");
	check_rule(&o, s, "RFC8332-3");

	/* Same pattern in the userauth signature: a failed attempt, no
	 * disconnect; the EXPECT of SUCCESS sees FAILURE. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	c->user_key = CASE_KEY_RSA_3072;
	s = tc_find_step(c, STEP_SEND, CM_USERAUTH_PK_SIGNED);
	tc_add_mutation(&c->steps[s], MUT_SIG_HASH)->value = SIG_HASH_SHA256;
	run_own(c, &o);
	check_vector(&o, "AAAAAAAAAAAR", "userauth sig-hash");
	CHECK_EQ_U(o.steps[11].iut_msg, MSG_USERAUTH_FAILURE);
	CHECK_EQ_U(o.auth, OBS_AUTH_FAILURE);
	CHECK_STR(o.outcome, "rejected at step 11 (expect USERAUTH_SUCCESS): got USERAUTH_FAILURE");
}

/* Byte-level mutations and lies. */
static void test_payload_mutations(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	struct case_mutation *m;

	/* A name-list length past the end (RFC 4251 section 5). */
	m = tc_add_mutation(&c->steps[0], MUT_LIE_LENGTH);
	m->field = 1;
	m->value = 1000;
	run_own(c, &o);
	check_vector(&o, "RA----------", "lie-length");
	check_rule(&o, 0, "RFC4251-5");

	/* Truncated KEXINIT. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	tc_add_mutation(&c->steps[0], MUT_TRUNCATE)->offset = 10;
	run_own(c, &o);
	check_vector(&o, "RA----------", "truncate");
	check_rule(&o, 0, "RFC4251-5");

	/* Trailing bytes. */
	c = new_case(CASE_IUT_CLIENT, NULL, NULL, NULL, NULL);
	m = tc_add_mutation(&c->steps[tc_find_step(c, STEP_SEND, CM_KEX_REPLY)], MUT_EXTEND);
	m->data_len = 3;
	run_own(c, &o);
	check_vector(&o, "AAAR-------", "extend");
	check_rule(&o, 3, "impl-trailing-data");

	/* NEWKEYS before the reply (RFC 4253 section 7.3): msg-number 21 on
	 * KEX_INIT makes it a NEWKEYS. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	tc_add_mutation(&c->steps[2], MUT_MSG_NUMBER)->value = MSG_NEWKEYS;
	run_own(c, &o);
	/* The EXPECT waiting for the reply sees the connection end too. */
	check_vector(&o, "AARR--------", "msg-number");
	check_rule(&o, 2, "RFC4253-7.3");

	/* A flipped signature byte. */
	c = new_case(CASE_IUT_CLIENT, NULL, NULL, NULL, NULL);
	m = tc_add_mutation(&c->steps[3], MUT_FLIP);
	m->offset = 0xffffffffu; /* the last byte: inside the signature */
	m->mask = 0x01;
	run_own(c, &o);
	check_vector(&o, "AAAR-------", "flip");
	check_rule(&o, 3, "RFC4253-8-signature");
}

/* A flipped bit in our e: the IUT (rightly) accepts it and derives keys
 * from a K nobody else can know; the actor says it lost the thread instead
 * of blaming the IUT's keys. */
static void test_flipped_public_value(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, "diffie-hellman-group14-sha256", NULL, NULL, NULL);
	struct case_mutation *m = tc_add_mutation(&c->steps[2], MUT_FLIP);

	m->offset = 0xffffffffu; /* the last byte of e */
	m->mask = 0x01;
	run_own(c, &o);
	check_vector(&o, "AAAA--------", "flipped e");
	CHECK(!o.keys_checked);
	CHECK_STR(o.outcome, "lost at step 4: the IUT's keys depend on values the actor cannot know");
}

/* first_kex_packet_follows (RFC 4253 section 7): a right guess is used,
 * so the handshake completes as usual. */
static void test_guess_right(void)
{
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);

	tc_add_mutation(&c->steps[0], MUT_GUESS)->value = 1;
	check_valid_run(c, "right guess");
}

/* ---- step kinds ---- */

static void test_expect_mismatch_and_silence(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	int s = tc_find_step(c, STEP_EXPECT, CM_SERVICE_ACCEPT);

	c->steps[s].msg = CM_USERAUTH_PK_OK;
	run_own(c, &o);
	check_vector(&o, "AAAAAAAR----", "expect mismatch");
	CHECK_EQ_U(o.steps[s].iut_msg, MSG_SERVICE_ACCEPT);
	CHECK_STR(o.outcome, "rejected at step 7 (expect USERAUTH_PK_OK): got SERVICE_ACCEPT");

	/* EXPECT with nothing sent to answer: silent. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	c->steps[6].kind = STEP_EXPECT;
	c->steps[6].msg = CM_SERVICE_ACCEPT;
	run_own(c, &o);
	check_vector(&o, "AAAAAAR-----", "silent");
	CHECK_STR(o.outcome, "rejected at step 6 (expect SERVICE_ACCEPT): silent");
	CHECK(o.keys_checked && o.keys_ok);

	/* EXPECT ANY takes the next message, EXT_INFO skipped. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	c->steps[7].msg = CM_COUNT;
	check_valid_run(c, "expect any");
}

static void test_encryption_and_seq_skew(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, "aes128-ctr", "hmac-sha2-256");

	/* A wrong sequence number: the MAC of the next packet fails. */
	insert_step(c, 6, STEP_SEQ_SKEW, CM_KEXINIT, 1);
	run_own(c, &o);
	check_vector(&o, "AAAAAAARR----", "seq-skew");
	check_rule(&o, 7, "RFC4253-6.4");

	/* Skew forth and back: nothing changes. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, "aes128-ctr", "hmac-sha2-256");
	insert_step(c, 6, STEP_SEQ_SKEW, CM_KEXINIT, 5);
	insert_step(c, 7, STEP_SEQ_SKEW, CM_KEXINIT, (uint32_t)-5);
	check_valid_run(c, "seq-skew +5 -5");

	/* A plaintext packet after NEWKEYS. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, "aes128-ctr", "hmac-sha2-256");
	insert_step(c, 6, STEP_ENCRYPTION, CM_KEXINIT, 0);
	run_own(c, &o);
	check_vector(&o, "AAAAAAARR----", "encryption off");
	CHECK(o.steps[7].rule[0] != '\0');

	/* Off for an IGNORE before NEWKEYS (no cipher anyway), then on. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	insert_step(c, 4, STEP_ENCRYPTION, CM_KEXINIT, 0);
	insert_step(c, 6, STEP_ENCRYPTION, CM_KEXINIT, 1);
	check_valid_run(c, "encryption off then on");
}

static void test_raw_duplicate_drop_swap(void)
{
	struct observations o;
	struct sshdiff_case *c;

	/* DUPLICATE of a plaintext IGNORE (no strict kex): the IUT counts it,
	 * so do we, and the MACs after NEWKEYS still verify. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, "aes128-ctr", "hmac-sha2-256");
	c->strict_kex = false;
	insert_step(c, 1, STEP_SEND, CM_IGNORE, 0);
	insert_step(c, 2, STEP_DUPLICATE, CM_KEXINIT, 0);
	check_valid_run(c, "duplicate");

	/* DUPLICATE of an encrypted packet: a replay the IUT must refuse. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, "aes128-ctr", "hmac-sha2-256");
	insert_step(c, 7, STEP_DUPLICATE, CM_KEXINIT, 0);
	run_own(c, &o);
	/* The SERVICE_ACCEPT for the original was already on its way.  The
	 * copy's length decrypts (CTR moved on) to garbage over 35000, which
	 * the engine refuses to read: its limit (RFC 4253 section 6.1). */
	check_vector(&o, "AAAAAAARA----", "duplicate encrypted");
	check_rule(&o, 7, "impl-limit");

	/* DROP an IGNORE: nothing changes. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	c->strict_kex = false;
	insert_step(c, 1, STEP_DROP, CM_KEXINIT, 0);
	insert_step(c, 2, STEP_SEND, CM_IGNORE, 0);
	check_valid_run(c, "drop ignore");

	/* DROP our NEWKEYS: our keys change, the IUT's do not. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	insert_step(c, 4, STEP_DROP, CM_KEXINIT, 0);
	run_own(c, &o);
	check_vector(&o, "AAAAAAARR----", "drop newkeys");

	/* SWAP NEWKEYS and SERVICE_REQUEST: the service request arrives
	 * during the exchange; NEWKEYS never goes out. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	c->steps[5] = c->steps[6]; /* SEND SERVICE_REQUEST after SEND NEWKEYS */
	c->steps[6].kind = STEP_EXPECT;
	c->steps[6].msg = CM_NEWKEYS;
	insert_step(c, 4, STEP_SWAP, CM_KEXINIT, 0);
	run_own(c, &o);
	check_vector(&o, "AAAAA-RR-----", "swap");
	check_rule(&o, 6, "PROTOCOL-strict-kex");

	/* RAW garbage instead of a packet. */
	c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	c->steps[0].kind = STEP_RAW;
	c->steps[0].data_len = 8;
	memcpy(c->steps[0].data, "\xff\xff\xff\xff\0\0\0\0", 8);
	run_own(c, &o);
	check_vector(&o, "RA----------", "raw");
	check_rule(&o, 0, "impl-limit"); /* packet_length 2^32 - 1: over our limit */
}

/* A key re-exchange started by the actor after authentication (RFC 4253
 * section 9): new keys both ways, checked again; then the connection layer,
 * which the engine refuses politely. */
static void test_rekey(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, "aes256-gcm@openssh.com", NULL);
	static const struct {
		enum case_step_kind kind;
		enum case_msg msg;
	} more[] = {
		{STEP_SEND, CM_KEXINIT},	 {STEP_EXPECT, CM_KEXINIT},	  {STEP_SEND, CM_KEX_INIT},
		{STEP_EXPECT, CM_KEX_REPLY},	 {STEP_SEND, CM_NEWKEYS},	  {STEP_EXPECT, CM_NEWKEYS},
		{STEP_SEND, CM_GLOBAL_REQUEST}, {STEP_EXPECT, CM_COUNT},	  {STEP_SEND, CM_CHANNEL_OPEN},
		{STEP_EXPECT, CM_COUNT},
	};

	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
		insert_step(c, c->n_steps, more[i].kind, more[i].msg, 0);
	run_own(c, &o);
	check_vector(&o, "AAAAAAAAAAAAAAAAAAAAAA", "rekey");
	CHECK(o.keys_checked && o.keys_ok);
	CHECK_EQ_U(o.auth, OBS_AUTH_SUCCESS);
	CHECK_EQ_U(o.steps[19].iut_msg, MSG_REQUEST_FAILURE);
	CHECK_EQ_U(o.steps[21].iut_msg, MSG_CHANNEL_OPEN_FAILURE);
	CHECK_STR(o.outcome, "completed");

	/* The actor server starts it, after USERAUTH_SUCCESS. */
	c = new_case(CASE_IUT_CLIENT, "ecdh-sha2-nistp384", "ecdsa-sha2-nistp384", "aes128-ctr", "hmac-sha2-512");
	static const struct {
		enum case_step_kind kind;
		enum case_msg msg;
	} server[] = {
		{STEP_SEND, CM_KEXINIT},    {STEP_EXPECT, CM_KEXINIT}, {STEP_EXPECT, CM_KEX_INIT},
		{STEP_SEND, CM_KEX_REPLY}, {STEP_SEND, CM_NEWKEYS},   {STEP_EXPECT, CM_NEWKEYS},
		{STEP_SEND, CM_IGNORE},
	};
	for (size_t i = 0; i < sizeof server / sizeof server[0]; i++)
		insert_step(c, c->n_steps, server[i].kind, server[i].msg, 0);
	run_own(c, &o);
	check_vector(&o, "AAAAAAAAAAAAAAAAAA", "rekey by the server");
	CHECK(o.keys_checked && o.keys_ok);
	CHECK_EQ_U(o.auth, OBS_AUTH_SUCCESS);
}

/* The actor sends DISCONNECT: the IUT closing is no rejection. */
static void test_actor_disconnect(void)
{
	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);

	c->n_steps = 6;
	insert_step(c, 6, STEP_SEND, CM_DISCONNECT, 0);
	insert_step(c, 7, STEP_SEND, CM_IGNORE, 0);
	run_own(c, &o);
	check_vector(&o, "AAAAAAA-", "actor disconnect");
	CHECK_STR(o.outcome, "completed: closed after the actor's DISCONNECT");
}

/* ---- random scripts ---- */

static uint64_t prng_state = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
	/* xorshift64: the same sequence on every libc */
	prng_state ^= prng_state << 13;
	prng_state ^= prng_state >> 7;
	prng_state ^= prng_state << 17;
	return (unsigned)(prng_state % n);
}

static void random_mutation(struct case_step *s)
{
	struct case_mutation *m = tc_add_mutation(s, (enum case_mutation_kind)(1 + rnd(MUT_KIND_COUNT - 1)));

	m->field = (uint8_t)rnd(case_msg_field_slots(s->msg));
	m->offset = rnd(4) ? rnd(64) : rnd(1u << 30);
	m->mask = (uint8_t)(1 + rnd(255));
	m->value = m->kind == MUT_KDF_HASH ? rnd(4) : m->kind == MUT_SIG_HASH ? rnd(5) : rnd(256);
	m->data_len = (uint16_t)rnd(rnd(4) ? 4 : 40);
	for (unsigned i = 0; i < m->data_len; i++)
		m->data[i] = (uint8_t)(rnd(4) ? 0 : rnd(256));
}

static void random_edit(struct sshdiff_case *c)
{
	unsigned what = rnd(5);

	if (what == 0 && c->n_steps < CASE_MAX_STEPS) {
		unsigned at = rnd(c->n_steps + 1u);
		enum case_step_kind kind = (enum case_step_kind)rnd(STEP_KIND_COUNT);
		insert_step(c, at, kind, (enum case_msg)rnd(CM_COUNT + (kind == STEP_EXPECT)),
			    kind == STEP_ENCRYPTION ? rnd(2) : kind == STEP_SEQ_SKEW ? rnd(3) - 1 : 0);
		if (kind == STEP_RAW) {
			c->steps[at].data_len = (uint16_t)rnd(40);
			for (unsigned i = 0; i < c->steps[at].data_len; i++)
				c->steps[at].data[i] = (uint8_t)rnd(256);
		}
	} else if (what == 1 && c->n_steps) {
		unsigned at = rnd(c->n_steps);
		memmove(&c->steps[at], &c->steps[at + 1], (c->n_steps - at - 1u) * sizeof c->steps[0]);
		c->n_steps--;
	} else if (c->n_steps) {
		struct case_step *s = &c->steps[rnd(c->n_steps)];
		if (s->kind == STEP_SEND && s->n_mutations < CASE_MAX_MUTATIONS)
			random_mutation(s);
	}
}

/* Mutated scripts against the engine: never an actor error, always the
 * same observations, and never a false keys alarm — the engine derives its
 * keys per RFC 4253 7.2, so whatever the actor's own mutations did, it must
 * not blame the engine's keys (it says "lost" when it cannot know them). */
static void test_random_scripts(void)
{
	static const char *const kex[] = {"curve25519-sha256", "diffie-hellman-group14-sha256", "ecdh-sha2-nistp256",
					  "diffie-hellman-group-exchange-sha256"};
	static const char *const hostkey[] = {"ssh-ed25519", "rsa-sha2-256", "ecdsa-sha2-nistp384"};
	static const char *const cipher[] = {"chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-gcm@openssh.com"};
	static struct observations a, b;
	unsigned bad = 0, completed = 0, rejected = 0;

	for (unsigned i = 0; i < 300; i++) {
		struct sshdiff_case *c = new_case((enum case_role)rnd(2), kex[rnd(4)], hostkey[rnd(3)], cipher[rnd(3)],
						  NULL);
		c->user_key = (enum case_key)rnd(CASE_KEY_COUNT);
		c->strict_kex = rnd(2);
		c->ext_info = rnd(2);
		c->seed = rnd(1u << 30);
		case_default_script(c);
		for (unsigned n = 1 + rnd(4); n > 0; n--)
			random_edit(c);
		CHECK(case_valid(c, NULL));
		CHECK_OK(backend_own.run(c, &a));
		CHECK_OK(backend_own.run(c, &b));
		if (memcmp(&a, &b, sizeof a) != 0 || (a.keys_checked && !a.keys_ok) ||
		    strcmp(a.outcome, "incomplete") == 0) {
			if (bad++ < 3) {
				struct sbuf t = SBUF_INIT;
				case_print_text(c, &t);
				fprintf(stderr, "random script %u: keys %d/%d outcome %s\n%.*s", i, a.keys_checked,
					a.keys_ok, a.outcome, (int)t.len, (const char *)t.data);
				sbuf_free(&t);
			}
		}
		completed += strcmp(a.outcome, "completed") == 0;
		rejected += strncmp(a.outcome, "rejected", 8) == 0;
	}
	CHECK_EQ_U(bad, 0);
	/* The edits do something, and not only break things. */
	CHECK(completed > 30 && rejected > 100);
}

/* ---- structure ---- */

/* actor_build.c's wire shapes follow case.c's field tables. */
static void test_field_shapes(void)
{
	for (int m = 0; m < CM_COUNT; m++) {
		const char *shape = actor_field_shape((enum case_msg)m);
		CHECK(shape != NULL);
		if (shape)
			CHECK_EQ_U(strlen(shape), case_msg_field_count((enum case_msg)m));
	}
}

static void test_verdict_format(void)
{
	struct step_observation s;
	char buf[64];

	memset(&s, 0, sizeof s);
	verdict_format(&s, buf, sizeof buf);
	CHECK_STR(buf, "-");
	s.verdict = VERDICT_ACCEPT;
	verdict_format(&s, buf, sizeof buf);
	CHECK_STR(buf, "accept");
	s.verdict = VERDICT_REJECT;
	verdict_format(&s, buf, sizeof buf);
	CHECK_STR(buf, "reject:close");
	s.iut_msg = MSG_UNIMPLEMENTED; /* an EXPECT that got something else */
	verdict_format(&s, buf, sizeof buf);
	CHECK_STR(buf, "reject:got(3)");
	s.iut_msg = 0;
	s.disconnect_reason = 3;
	verdict_format(&s, buf, sizeof buf);
	CHECK_STR(buf, "reject:disconnect(3)");
	snprintf(s.rule, sizeof s.rule, "RFC4253-8");
	verdict_format(&s, buf, sizeof buf);
	CHECK_STR(buf, "reject:RFC4253-8");
	s.verdict = VERDICT_CRASH;
	s.signal = 11;
	verdict_format(&s, buf, sizeof buf);
	CHECK_STR(buf, "crash:SIGSEGV");
	s.verdict = VERDICT_HANG;
	verdict_format(&s, buf, sizeof buf);
	CHECK_STR(buf, "hang");
	CHECK(backend_by_name("own") == &backend_own);
	CHECK(backend_by_name("nope") == NULL);

	struct observations o;
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	memset(&o, 0, sizeof o);
	snprintf(o.backend, sizeof o.backend, "x");
	observations_unsupported(&o, c, "no such algorithm");
	CHECK_STR(o.backend, "x");
	CHECK_EQ_U(o.n_steps, c->n_steps);
	CHECK_EQ_U(o.steps[c->n_steps - 1].verdict, VERDICT_UNSUPPORTED);
	CHECK_STR(o.outcome, "unsupported: no such algorithm");
}

/* ---- trace, through the public API with the engine in memory ---- */

static sd_err mem_send(void *ctx, const uint8_t *p, size_t n, size_t *taken)
{
	machine_input(ctx, p, n);
	*taken = n;
	return SD_OK;
}

static sd_err mem_recv(void *ctx, uint8_t *buf, size_t cap, size_t *got, bool *eof)
{
	struct span out = machine_output(ctx);
	size_t n = out.len < cap ? out.len : cap;

	memcpy(buf, out.p, n);
	machine_output_consume(ctx, n);
	*got = n;
	*eof = machine_result(ctx)->closed && machine_output(ctx).len == 0;
	return SD_OK;
}

static sd_err mem_poll(void *ctx, bool *progress)
{
	(void)ctx;
	*progress = false;
	return SD_OK;
}

static void trace_of(const struct sshdiff_case *c, struct sbuf *out)
{
	struct rng_seeded rng;
	struct sigkey *host = NULL;
	struct machine_config cfg;
	struct machine *m = NULL;
	struct actor *a = NULL;

	rng_seeded_init(&rng, "trace", 5);
	CHECK_OK(testkey_load(c->host_key, &host));
	memset(&cfg, 0, sizeof cfg);
	cfg.role = MACHINE_SERVER;
	cfg.rng = &rng.base;
	cfg.host_keys = &host;
	cfg.n_host_keys = 1;
	cfg.auth_user = c->user;
	cfg.auth_password = c->password;
	CHECK_OK(machine_new(&cfg, &m));
	CHECK_OK(actor_new(c, &a));
	struct iut_port port = {m, mem_send, mem_recv, mem_poll};
	CHECK_OK(actor_drive(a, &port, 4));
	CHECK(actor_done(a));
	CHECK_OK(actor_trace(a, out));
	actor_free(a);
	machine_free(m);
	sigkey_free(host);
}

static bool contains(const struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, s, n) == 0)
			return true;
	return false;
}

static void test_trace(void)
{
	struct sbuf t1 = SBUF_INIT, t2 = SBUF_INIT;
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);

	/* No authorized key: the server answers the query with FAILURE. */
	c->n_steps = 10;
	trace_of(c, &t1);
	trace_of(c, &t2);
	CHECK_EQ_U(t1.len, t2.len);
	CHECK(t1.len == t2.len && memcmp(t1.data, t2.data, t1.len) == 0);
	CHECK(contains(&t1, "actor> identification: SSH-2.0-sshdiff_actor\n"));
	CHECK(contains(&t1, "iut< identification: SSH-2.0-sshdiff_0.1\n"));
	CHECK(contains(&t1, "actor> KEXINIT ("));
	CHECK(contains(&t1, "iut< KEXINIT ("));
	CHECK(contains(&t1, "    kex_algorithms: curve25519-sha256,ext-info-c,kex-strict-c-v00@openssh.com\n"));
	CHECK(contains(&t1, "iut< KEX_REPLY ("));
	CHECK(contains(&t1, "    Q_S (32 bytes): "));
	CHECK(contains(&t1, "    signature algorithm: ssh-ed25519\n"));
	CHECK(contains(&t1, "actor: IUT host key signature: verifies\n"));
	CHECK(contains(&t1, "actor: keys check ok"));
	CHECK(contains(&t1, "iut< USERAUTH_FAILURE ("));
	CHECK(contains(&t1, "    methods that can continue: password\n"));
	CHECK(contains(&t1, "    0000  14 "));
	CHECK(contains(&t1, "actor: outcome: rejected at step 9 (expect USERAUTH_PK_OK): got USERAUTH_FAILURE\n"));
	if (check_failures)
		fwrite(t1.data, 1, t1.len, stderr);
	sbuf_free(&t1);
	sbuf_free(&t2);
}

/* Notes and hex dumps are kept whole, however long (a name-list or an
 * IUT's text can pass any fixed line buffer). */
static void test_trace_long_note(void)
{
	static char text[3001];
	uint8_t bytes[700];
	struct sbuf out = SBUF_INIT, want = SBUF_INIT;
	struct sshdiff_case *c = new_case(CASE_IUT_SERVER, NULL, NULL, NULL, NULL);
	struct actor *a = NULL;

	memset(text, 'n', sizeof text - 1);
	text[sizeof text - 2] = 'Z';
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (uint8_t)i;
	CHECK_OK(actor_new(c, &a));
	CHECK_OK(actor_note(a, "long: %s", text));
	CHECK_OK(actor_note_hex(a, "bytes", (struct span){bytes, sizeof bytes}));
	CHECK_OK(actor_trace(a, &out));
	CHECK_OK(sbuf_printf(&want, "actor: long: %s\n", text));
	CHECK_OK(sbuf_put_u8(&want, 0));
	CHECK(contains(&out, (const char *)want.data));
	sbuf_reset(&want);
	CHECK_OK(sbuf_printf(&want, "actor: bytes = 0001"));
	for (size_t i = 2; i < sizeof bytes; i++)
		CHECK_OK(sbuf_printf(&want, "%02x", bytes[i]));
	CHECK_OK(sbuf_put_u8(&want, '\n'));
	CHECK_OK(sbuf_put_u8(&want, 0));
	CHECK(contains(&out, (const char *)want.data));
	actor_free(a);
	sbuf_free(&out);
	sbuf_free(&want);
}

int main(void)
{
	test_field_shapes();
	test_verdict_format();
	test_every_kex();
	test_every_hostkey_and_framing();
	test_every_user_key();
	test_no_markers();
	test_determinism();
	test_dh_f_one();
	test_kex_values();
	test_kexinit_reserved();
	test_userauth_success_from_client();
	test_auth_from_wire();
	test_kdf_hash();
	test_strict_kex_ignore();
	test_sig_hash();
	test_payload_mutations();
	test_flipped_public_value();
	test_guess_right();
	test_expect_mismatch_and_silence();
	test_encryption_and_seq_skew();
	test_raw_duplicate_drop_swap();
	test_rekey();
	test_actor_disconnect();
	test_random_scripts();
	test_trace();
	test_trace_long_note();
	return check_finish();
}

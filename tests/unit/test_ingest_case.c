/*
 * test_ingest_case.c — cases from field connections (ingest/ingest_case.c)
 * and the negotiation explained (ingest/ingest_explain.c).
 *
 * Every fixture log of tests/data/logs gives, per side, a valid case
 * (encode/decode and text round trips hold), built deterministically; the
 * captured peer is the actor with its version and its lists verbatim in
 * the KEXINIT step; the backends' lists keep only what they implement; the
 * host key follows the captured server's.  The engine backend runs the
 * OpenSSH 9.2 client case to the end: the actor sent sntrup761x25519 first,
 * which no backend implements, and both sides skipped it (RFC 4253 section
 * 7.1).  The explanation of the "no matching mac" log names the MAC
 * category and both lists.
 */
#include <stdio.h>
#include <string.h>

#include "ingest/ingest.h"
#include "oracle/backend.h"
#include "tests/support/check.h"

#define DATA SSHDIFF_SOURCE_DIR "/tests/data/logs/"

static const char *const fixtures[] = {
	"sshd-5.3-debug2-kex-parse-kexinit.log", "sshd-7.2-debug2-proposals.log", "sshd-no-matching-mac.log",
	"ttssh-dropbear-2024.86.log",            "openssh-9.2-ssh-vvv.log",       "openssh-9.2-sshd-ddd.log",
	"putty-0.81-event-log.log",              "putty-0.70-session-log.log",
};

static bool load(const char *name, struct field_conns *cs)
{
	char path[512];
	struct ingest_diag d = {0};
	sd_err e;

	snprintf(path, sizeof path, DATA "%s", name);
	*cs = (struct field_conns){0};
	e = ingest_log(path, cs, &d);
	ingest_diag_free(&d);
	CHECK_OK(e);
	return e == SD_OK && cs->n > 0;
}

/* s occurs in b (no memmem in C11) */
static bool has(const struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; b->data && i + n <= b->len; i++)
		if (memcmp(b->data + i, s, n) == 0)
			return true;
	return false;
}

static const struct case_step *kexinit_step(const struct sshdiff_case *k)
{
	for (unsigned i = 0; i < k->n_steps; i++)
		if (k->steps[i].kind == STEP_SEND && k->steps[i].msg == CM_KEXINIT)
			return &k->steps[i];
	return NULL;
}

/* The MUT_SET_FIELD data of KEXINIT field `field`, as a string. */
static bool set_data(const struct sshdiff_case *k, unsigned field, char *out, size_t size)
{
	const struct case_step *st = kexinit_step(k);

	for (unsigned i = 0; st && i < st->n_mutations; i++)
		if (st->mutations[i].kind == MUT_SET_FIELD && st->mutations[i].field == field) {
			snprintf(out, size, "%.*s", (int)st->mutations[i].data_len, (const char *)st->mutations[i].data);
			return true;
		}
	return false;
}

static void round_trips(const struct sshdiff_case *k)
{
	struct sbuf body = SBUF_INIT, text = SBUF_INIT;
	struct sshdiff_case back;
	unsigned line = 0;
	char msg[200];

	CHECK_OK(case_encode(k, &body));
	case_decode(body.data, body.len, &back);
	CHECK(case_equal(k, &back));
	CHECK_OK(case_print_text(k, &text));
	CHECK_OK(case_parse_text((const char *)text.data, text.len, &back, &line, msg, sizeof msg));
	CHECK(case_equal(k, &back));
	sbuf_free(&body);
	sbuf_free(&text);
}

/* Every fixture, both sides: a valid case, the same one when built again. */
static void test_all_fixtures(void)
{
	for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
		struct field_conns cs;
		if (!load(fixtures[f], &cs))
			continue;
		for (size_t i = 0; i < cs.n; i++)
			for (int side = 0; side < 2; side++) {
				struct sshdiff_case a, b;
				char why[1024], why2[1024];
				sd_err e = ingest_case_build(&cs.v[i], side == 0, &a, why, sizeof why);
				if (e != SD_OK)
					fprintf(stderr, "%s side %d: %s\n", fixtures[f], side, why);
				CHECK_OK(e);
				if (e != SD_OK)
					continue;
				CHECK_EQ_U(a.iut_role, side == 0 ? CASE_IUT_SERVER : CASE_IUT_CLIENT);
				round_trips(&a);
				CHECK_OK(ingest_case_build(&cs.v[i], side == 0, &b, why2, sizeof why2));
				CHECK(case_equal(&a, &b));
				CHECK_STR(why, why2);
				CHECK(a.seed != 0);
			}
		field_conns_free(&cs);
	}
}

static void test_openssh_client_case(void)
{
	struct field_conns cs;
	struct sshdiff_case k;
	char why[1024], data[600];

	if (!load("openssh-9.2-ssh-vvv.log", &cs))
		return;
	const struct field_conn *c = &cs.v[0];
	CHECK_OK(ingest_case_build(c, true, &k, why, sizeof why));
	CHECK_EQ_U(k.iut_role, CASE_IUT_SERVER);
	CHECK_STR(k.actor_version, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
	/* what every backend implements, in the client's order */
	CHECK_STR(k.algs.kex, "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
			      "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
			      "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256");
	CHECK_STR(k.algs.hostkey, "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-"
				  "512,rsa-sha2-256");
	CHECK_STR(k.algs.cipher, "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh."
				 "com,aes256-gcm@openssh.com");
	CHECK_STR(k.algs.mac, "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,"
			      "hmac-sha2-256,hmac-sha2-512,hmac-sha1");
	CHECK(k.strict_kex && k.ext_info);
	CHECK_EQ_U(k.host_key, CASE_KEY_ED25519_A); /* the log: host key algorithm ssh-ed25519 */
	/* verbatim in the actor's KEXINIT (field 1 = kex, 2 = hostkey, 5 = mac_cs) */
	CHECK(set_data(&k, 1, data, sizeof data));
	CHECK_STR(data, (const char *)c->client.lists[FL_KEX].data);
	CHECK(set_data(&k, 2, data, sizeof data));
	CHECK_STR(data, (const char *)c->client.lists[FL_HOSTKEY].data);
	CHECK(set_data(&k, 5, data, sizeof data));
	CHECK_STR(data, (const char *)c->client.lists[FL_MAC_CS].data);
	CHECK(!set_data(&k, 3, data, sizeof data)); /* cipher_cs: the case's list is the same */
	/* eight mutations per step: every field that differs fits */
	CHECK(strstr(why, "not verbatim") == NULL);
	CHECK(set_data(&k, 6, data, sizeof data));
	CHECK_STR(data, (const char *)c->client.lists[FL_MAC_SC].data);

	/* The engine as IUT server: the actor negotiates from what it sent. */
	const struct backend *own = backend_by_name("own");
	static struct observations obs;
	CHECK(own != NULL);
	if (own) {
		CHECK_OK(own->run(&k, &obs));
		CHECK_STR(obs.outcome, "completed");
		CHECK_STR(obs.kex, "curve25519-sha256");
		CHECK_STR(obs.hostkey, "ssh-ed25519");
		CHECK(obs.keys_checked && obs.keys_ok);
		for (unsigned i = 0; i < k.n_steps; i++)
			CHECK_EQ_U(obs.steps[i].verdict, VERDICT_ACCEPT);
	}
	field_conns_free(&cs);
}

/* The captured Dropbear server as the actor: its host key type from the
 * log's negotiated algorithm; the IUT client checks that key. */
static void test_dropbear_server_case(void)
{
	struct field_conns cs;
	struct sshdiff_case k;
	char why[1024], data[600];

	if (!load("ttssh-dropbear-2024.86.log", &cs))
		return;
	CHECK_OK(ingest_case_build(&cs.v[0], false, &k, why, sizeof why));
	CHECK_EQ_U(k.iut_role, CASE_IUT_CLIENT);
	CHECK_STR(k.actor_version, "SSH-2.0-dropbear_2024.86");
	CHECK_EQ_U(k.host_key, CASE_KEY_ECDSA_P256);
	CHECK_STR(k.algs.hostkey, "ecdsa-sha2-nistp256");
	CHECK_STR(k.algs.cipher, "aes128-ctr,aes256-ctr");
	CHECK_STR(k.algs.mac, "hmac-sha1,hmac-sha2-256");
	CHECK(set_data(&k, 2, data, sizeof data));
	CHECK_STR(data, "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-256,ssh-rsa");
	/* no mangled name reaches a case */
	struct sbuf text = SBUF_INIT;
	CHECK_OK(case_print_text(&k, &text));
	CHECK(!has(&text, "protected"));
	sbuf_free(&text);
	field_conns_free(&cs);
}

static void test_negotiated_only(void)
{
	struct field_conns cs;
	struct sshdiff_case k;
	char why[1024];

	if (!load("putty-0.81-event-log.log", &cs))
		return;
	CHECK_OK(ingest_case_build(&cs.v[0], true, &k, why, sizeof why));
	CHECK_STR(k.actor_version, "SSH-2.0-PuTTY_Release_0.81");
	CHECK_STR(k.algs.kex, "curve25519-sha256");
	CHECK_STR(k.algs.hostkey, "ssh-ed25519");
	CHECK_STR(k.algs.cipher, "aes256-ctr");
	CHECK_STR(k.algs.mac, "hmac-sha2-256");
	CHECK(strstr(why, "negotiated algorithms only") != NULL);
	CHECK_EQ_U(kexinit_step(&k)->n_mutations, 0);
	field_conns_free(&cs);
}

/* Markers: a client's as offered; a server sends EXT_INFO when it offers
 * ext-info-s or strict kex (OpenSSH 9.2 here), not when it offers neither
 * (OpenSSH 5.3). */
static void test_markers(void)
{
	struct field_conns cs;
	struct sshdiff_case k;
	char why[1024];

	if (load("openssh-9.2-sshd-ddd.log", &cs)) {
		CHECK_OK(ingest_case_build(&cs.v[0], false, &k, why, sizeof why));
		CHECK(k.strict_kex && k.ext_info);
		field_conns_free(&cs);
	}
	if (load("sshd-5.3-debug2-kex-parse-kexinit.log", &cs)) {
		CHECK_OK(ingest_case_build(&cs.v[0], false, &k, why, sizeof why));
		CHECK(!k.strict_kex && !k.ext_info);
		CHECK_OK(ingest_case_build(&cs.v[0], true, &k, why, sizeof why));
		CHECK(!k.strict_kex && !k.ext_info);
		field_conns_free(&cs);
	}
}

/* Nothing the backends implement, or nothing at all: refused with why. */
static void test_unsupported(void)
{
	struct field_conn c;
	struct sshdiff_case k;
	char why[1024];

	field_conn_init(&c);
	CHECK_ERR(ingest_case_build(&c, true, &k, why, sizeof why), SD_ERR_UNSUPPORTED);
	CHECK(strstr(why, "no proposal from the client") != NULL);
	c.client.present = true;
	c.client.lists_known[FL_KEX] = true;
	CHECK_OK(sbuf_put(&c.client.lists[FL_KEX], "diffie-hellman-group1-sha1,gss-gex-sha1-x", 41));
	CHECK_OK(sbuf_put_u8(&c.client.lists[FL_KEX], 0));
	CHECK_ERR(ingest_case_build(&c, true, &k, why, sizeof why), SD_ERR_UNSUPPORTED);
	CHECK(strstr(why, "kex list has nothing the backends implement: diffie-hellman-group1-sha1") != NULL);
	/* the server side shows nothing */
	CHECK_ERR(ingest_case_build(&c, false, &k, why, sizeof why), SD_ERR_UNSUPPORTED);
	field_conn_free(&c);
}


static void test_explain(void)
{
	struct field_conns cs;
	struct sbuf out = SBUF_INIT;

	if (load("sshd-no-matching-mac.log", &cs)) {
		CHECK_OK(ingest_explain(&cs.v[0], &out));
		CHECK(has(&out, "  mac          NO COMMON ALGORITHM\n"));
		CHECK(has(&out, "client offers: hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-ripemd160,hmac-"
				"ripemd160@openssh.com\n"));
		CHECK(has(&out, "server offers: hmac-sha2-512,hmac-sha2-256\n"));
		CHECK(has(&out, "result: NO COMMON MAC algorithm"));
		CHECK(has(&out, "  kex          not in the source\n"));
		field_conns_free(&cs);
	}
	sbuf_reset(&out);
	if (load("sshd-5.3-debug2-kex-parse-kexinit.log", &cs)) {
		CHECK_OK(ingest_explain(&cs.v[0], &out));
		CHECK(has(&out, "  kex          NO COMMON ALGORITHM\n"));
		CHECK(has(&out, "  mac          hmac-ripemd160\n")); /* client's first the server has */
		CHECK(has(&out, "result: NO COMMON key exchange method"));
		field_conns_free(&cs);
	}
	sbuf_reset(&out);
	if (load("openssh-9.2-sshd-ddd.log", &cs)) {
		CHECK_OK(ingest_explain(&cs.v[0], &out));
		CHECK(has(&out, "  kex          sntrup761x25519-sha512\n"));
		CHECK(has(&out, "  mac          (none: chacha20-poly1305@openssh.com is an AEAD cipher"));
		CHECK(has(&out, "strict key exchange: both offer it"));
		CHECK(has(&out, "result: the negotiation succeeds"));
		field_conns_free(&cs);
	}
	sbuf_reset(&out);
	/* One side only ("Their offer"): what is known. */
	struct field_conn c;
	field_conn_init(&c);
	snprintf(c.file, sizeof c.file, "x.log");
	snprintf(c.where, sizeof c.where, "line 3");
	c.server.present = true;
	c.server.lists_known[FL_HOSTKEY] = true;
	CHECK_OK(sbuf_put(&c.server.lists[FL_HOSTKEY], "ssh-rsa,ssh-dss", 15));
	CHECK_OK(ingest_explain(&c, &out));
	CHECK(has(&out, "  hostkey      server offers: ssh-rsa,ssh-dss\n"));
	CHECK(has(&out, "the client's list is not in the source"));
	CHECK(has(&out, "cannot be decided from the source"));
	field_conn_free(&c);
	sbuf_free(&out);
}

/* first_kex_packet_follows from the actor client, guessed wrong against
 * the case's server: the guessed packet goes out twice. */
static void test_guess(void)
{
	struct field_conns cs;
	struct sshdiff_case k, plain;
	char why[1024];

	if (!load("sshd-7.2-debug2-proposals.log", &cs))
		return;
	CHECK_OK(ingest_case_build(&cs.v[0], true, &plain, why, sizeof why));
	cs.v[0].client.first_kex_follows = true;
	CHECK_OK(ingest_case_build(&cs.v[0], true, &k, why, sizeof why));
	CHECK_EQ_U(k.n_steps, plain.n_steps + 1);
	const struct case_step *st = kexinit_step(&k);
	CHECK(st && st->mutations[0].kind == MUT_GUESS && st->mutations[0].value == 1);
	field_conns_free(&cs);
}

int main(void)
{
	test_all_fixtures();
	test_openssh_client_case();
	test_dropbear_server_case();
	test_negotiated_only();
	test_markers();
	test_unsupported();
	test_explain();
	test_guess();
	return check_finish();
}

/* The case format (docs/case-format.md): names and field tables as the brief
 * and the RFCs give them, the default case and scripts, the binary body's
 * layout, round trips of every form (text, body, binary file) for defaults,
 * hand-built cases using every step and mutation kind, random valid cases
 * and 50,000 pseudo-random byte strings, and the errors of case_load for
 * garbage text, truncated binaries and unknown versions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "oracle/case.h"
#include "oracle/case_impl.h"
#include "tests/support/check.h"

/* Cases are ~130 KiB: keep them off the stack. */
static struct sshdiff_case ca, cb, cc;

/* ---- deterministic pseudo-random numbers (xorshift64*) ---- */

static uint64_t prng_state = 0x9e3779b97f4a7c15ull;

static uint64_t prng(void)
{
	prng_state ^= prng_state >> 12;
	prng_state ^= prng_state << 25;
	prng_state ^= prng_state >> 27;
	return prng_state * 0x2545f4914f6cdd1dull;
}

static unsigned prng_below(unsigned n)
{
	return (unsigned)(prng() % n);
}

/* ---- helpers ---- */

static bool text_round_trip(const struct sshdiff_case *c, struct sshdiff_case *out)
{
	struct sbuf t = SBUF_INIT;
	char msg[256];
	unsigned line = 0;
	bool ok = case_print_text(c, &t) == SD_OK &&
		  case_parse_text((const char *)t.data, t.len, out, &line, msg, sizeof msg) == SD_OK &&
		  case_equal(c, out);
	if (!ok) {
		fprintf(stderr, "text round trip failed at line %u: %s\n%.*s\n", line, msg, (int)t.len,
			t.data ? (const char *)t.data : "");
	}
	sbuf_free(&t);
	return ok;
}

static bool body_round_trip(const struct sshdiff_case *c, struct sshdiff_case *out)
{
	struct sbuf b = SBUF_INIT, b2 = SBUF_INIT;
	bool ok = case_encode(c, &b) == SD_OK;
	if (ok) {
		case_decode(b.data, b.len, out);
		ok = case_equal(c, out) && case_encode(out, &b2) == SD_OK && b.len == b2.len &&
		     memcmp(b.data, b2.data, b.len) == 0;
	}
	sbuf_free(&b);
	sbuf_free(&b2);
	return ok;
}

static bool file_round_trip(const struct sshdiff_case *c, struct sshdiff_case *out)
{
	struct sbuf f = SBUF_INIT;
	char msg[256];
	bool ok = case_write_binary(c, &f) == SD_OK && f.len >= 12 && memcmp(f.data, CASE_MAGIC, 8) == 0 &&
		  case_parse_binary_file(f.data, f.len, out, msg, sizeof msg) == SD_OK && case_equal(c, out);
	sbuf_free(&f);
	return ok;
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n)) {
		fprintf(stderr, "cannot write %s\n", path);
		abort();
	}
	fclose(f);
}

static char tmpdir[] = "/tmp/sshdiff-test-case-XXXXXX";

static void tmp_path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

/* ---- names and tables ---- */

static void test_names(void)
{
	static const char *const msgs[] = {
		"KEXINIT",	    "KEX_INIT",		 "GEX_REQUEST",	      "GEX_GROUP",	   "KEX_REPLY",
		"NEWKEYS",	    "EXT_INFO",		 "SERVICE_REQUEST",   "SERVICE_ACCEPT",	   "USERAUTH_NONE",
		"USERAUTH_PASSWORD", "USERAUTH_PK_QUERY", "USERAUTH_PK_SIGNED", "USERAUTH_FAILURE", "USERAUTH_SUCCESS",
		"USERAUTH_PK_OK",   "USERAUTH_BANNER",	 "IGNORE",	      "DEBUG",		   "UNIMPLEMENTED",
		"DISCONNECT",	    "GLOBAL_REQUEST",	 "CHANNEL_OPEN",      "ANY",
	};
	static const char *const steps[] = {"send", "expect", "raw", "duplicate", "swap", "drop", "encryption",
					    "seq-skew"};
	static const char *const muts[] = {"none",	 "set",	     "flip",	 "truncate", "extend",
					   "lie-length", "msg-number", "kdf-hash", "sig-hash", "guess",
					   "sig-malleate"};
	static const char *const keys[] = {"ed25519-a", "ed25519-b", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521",
					   "rsa-3072"};

	CHECK_EQ_U(sizeof msgs / sizeof msgs[0], CM_COUNT + 1);
	for (unsigned i = 0; i <= CM_COUNT; i++)
		CHECK_STR(case_msg_name((enum case_msg)i), msgs[i]);
	CHECK(case_msg_name((enum case_msg)(CM_COUNT + 1)) == NULL);
	CHECK_EQ_U(sizeof steps / sizeof steps[0], STEP_KIND_COUNT);
	for (unsigned i = 0; i < STEP_KIND_COUNT; i++)
		CHECK_STR(case_step_kind_name((enum case_step_kind)i), steps[i]);
	CHECK(case_step_kind_name(STEP_KIND_COUNT) == NULL);
	CHECK_EQ_U(sizeof muts / sizeof muts[0], MUT_KIND_COUNT);
	for (unsigned i = 0; i < MUT_KIND_COUNT; i++)
		CHECK_STR(case_mutation_kind_name((enum case_mutation_kind)i), muts[i]);
	CHECK(case_mutation_kind_name(MUT_KIND_COUNT) == NULL);
	CHECK_EQ_U(sizeof keys / sizeof keys[0], CASE_KEY_COUNT);
	for (unsigned i = 0; i < CASE_KEY_COUNT; i++)
		CHECK_STR(case_key_name((enum case_key)i), keys[i]);
	CHECK(case_key_name(CASE_KEY_COUNT) == NULL);
}

/* The brief's tables (RFC 4253 sections 7.1, 8, 10, 11; RFC 4419 section 3;
 * RFC 5656 section 4; RFC 8308 section 2.3; RFC 4252 sections 5, 7, 8;
 * RFC 4254 sections 4, 5.1), written out independently of case.c. */
static void test_field_tables(void)
{
	static const struct {
		enum case_msg m;
		const char *fields;
	} t[] = {
		{CM_KEXINIT, "cookie kex hostkey cipher_cs cipher_sc mac_cs mac_sc comp_cs comp_sc lang_cs lang_sc "
			     "first_kex_follows reserved"},
		{CM_KEX_INIT, "e"},
		{CM_GEX_REQUEST, "min n max"},
		{CM_GEX_GROUP, "p g"},
		{CM_KEX_REPLY, "hostkey f signature"},
		{CM_NEWKEYS, ""},
		{CM_EXT_INFO, "count name0 value0"},
		{CM_SERVICE_REQUEST, "service"},
		{CM_SERVICE_ACCEPT, "service"},
		{CM_USERAUTH_NONE, "user service method"},
		{CM_USERAUTH_PASSWORD, "user service method change password"},
		{CM_USERAUTH_PK_QUERY, "user service method has_sig alg key"},
		{CM_USERAUTH_PK_SIGNED, "user service method has_sig alg key signature"},
		{CM_USERAUTH_FAILURE, "methods partial"},
		{CM_USERAUTH_SUCCESS, ""},
		{CM_USERAUTH_PK_OK, "alg key"},
		{CM_USERAUTH_BANNER, "message lang"},
		{CM_IGNORE, "data"},
		{CM_DEBUG, "always_display message lang"},
		{CM_UNIMPLEMENTED, "seq"},
		{CM_DISCONNECT, "reason description lang"},
		{CM_GLOBAL_REQUEST, "name want_reply"},
		{CM_CHANNEL_OPEN, "type sender window max_packet"},
	};
	CHECK_EQ_U(sizeof t / sizeof t[0], CM_COUNT);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		CHECK_EQ_U(t[i].m, i);
		char buf[256];
		snprintf(buf, sizeof buf, "%s", t[i].fields);
		unsigned n = 0;
		for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save), n++)
			CHECK_STR(case_msg_field_name(t[i].m, n), w);
		CHECK(case_msg_field_name(t[i].m, n) == NULL);
		CHECK(case_msg_field_name(t[i].m, 200) == NULL);
		CHECK_EQ_U(case_msg_field_count(t[i].m), n);
	}
	CHECK(case_msg_field_name(CM_COUNT, 0) == NULL);
}

/* ---- defaults ---- */

static void check_script(const struct sshdiff_case *c, const char *want)
{
	char buf[1024], got[1024] = "";
	size_t len = 0;
	for (unsigned i = 0; i < c->n_steps; i++)
		len += (size_t)snprintf(got + len, sizeof got - len, "%s%s %s", i ? ", " : "",
					case_step_kind_name(c->steps[i].kind), case_msg_name(c->steps[i].msg));
	snprintf(buf, sizeof buf, "%s", want);
	CHECK_STR(got, buf);
}

static void test_defaults(void)
{
	case_default(&ca, CASE_IUT_SERVER);
	CHECK_EQ_U(ca.version, 1);
	CHECK_EQ_U(ca.iut_role, CASE_IUT_SERVER);
	CHECK_EQ_U(ca.seed, 1);
	CHECK_STR(ca.actor_version, "SSH-2.0-sshdiff_actor");
	CHECK_EQ_U(ca.host_key, CASE_KEY_ED25519_A);
	CHECK_EQ_U(ca.user_key, CASE_KEY_ED25519_B);
	CHECK_STR(ca.user, "sshdiff");
	CHECK_STR(ca.password, "sshdiff-password");
	CHECK_STR(ca.algs.kex, "curve25519-sha256");
	CHECK_STR(ca.algs.hostkey, "ssh-ed25519");
	CHECK_STR(ca.algs.cipher, "chacha20-poly1305@openssh.com");
	CHECK_STR(ca.algs.mac, "hmac-sha2-256");
	CHECK(ca.strict_kex);
	CHECK(ca.ext_info);
	check_script(&ca, "send KEXINIT, expect KEXINIT, send KEX_INIT, expect KEX_REPLY, send NEWKEYS, "
			  "expect NEWKEYS, send SERVICE_REQUEST, expect SERVICE_ACCEPT, send USERAUTH_PK_QUERY, "
			  "expect USERAUTH_PK_OK, send USERAUTH_PK_SIGNED, expect USERAUTH_SUCCESS");
	CHECK(case_valid(&ca, NULL));
	for (unsigned i = 0; i < ca.n_steps; i++)
		CHECK_EQ_U(ca.steps[i].n_mutations, 0);

	/* Group exchange when the FIRST kex name is a group-exchange method. */
	snprintf(ca.algs.kex, sizeof ca.algs.kex, "diffie-hellman-group-exchange-sha256,curve25519-sha256");
	case_default_script(&ca);
	check_script(&ca, "send KEXINIT, expect KEXINIT, send GEX_REQUEST, expect GEX_GROUP, send KEX_INIT, "
			  "expect KEX_REPLY, send NEWKEYS, expect NEWKEYS, send SERVICE_REQUEST, "
			  "expect SERVICE_ACCEPT, send USERAUTH_PK_QUERY, expect USERAUTH_PK_OK, "
			  "send USERAUTH_PK_SIGNED, expect USERAUTH_SUCCESS");
	snprintf(ca.algs.kex, sizeof ca.algs.kex, "curve25519-sha256,diffie-hellman-group-exchange-sha256");
	case_default_script(&ca);
	CHECK_EQ_U(ca.n_steps, 12);

	case_default(&cb, CASE_IUT_CLIENT);
	CHECK_EQ_U(cb.iut_role, CASE_IUT_CLIENT);
	check_script(&cb, "send KEXINIT, expect KEXINIT, expect KEX_INIT, send KEX_REPLY, send NEWKEYS, "
			  "expect NEWKEYS, send EXT_INFO, expect SERVICE_REQUEST, send SERVICE_ACCEPT, expect ANY, "
			  "send USERAUTH_SUCCESS");
	cb.ext_info = false;
	snprintf(cb.algs.kex, sizeof cb.algs.kex, "diffie-hellman-group-exchange-sha1");
	case_default_script(&cb);
	check_script(&cb, "send KEXINIT, expect KEXINIT, expect GEX_REQUEST, send GEX_GROUP, expect KEX_INIT, "
			  "send KEX_REPLY, send NEWKEYS, expect NEWKEYS, expect SERVICE_REQUEST, "
			  "send SERVICE_ACCEPT, expect ANY, send USERAUTH_SUCCESS");
	/* The script replaces any steps that were there. */
	cb.n_steps = CASE_MAX_STEPS;
	case_default_script(&cb);
	CHECK_EQ_U(cb.n_steps, 12);
}

/* The printed default pins the text form of docs/case-format.md. */
static void test_default_text(void)
{
	static const char want[] = "sshdiff-case 1\n"
				   "iut server\n"
				   "seed 0x1\n"
				   "actor-version SSH-2.0-sshdiff_actor\n"
				   "host-key ed25519-a\n"
				   "user-key ed25519-b\n"
				   "user sshdiff\n"
				   "password sshdiff-password\n"
				   "kex curve25519-sha256\n"
				   "hostkey ssh-ed25519\n"
				   "cipher chacha20-poly1305@openssh.com\n"
				   "mac hmac-sha2-256\n"
				   "strict-kex yes\n"
				   "ext-info yes\n"
				   "send KEXINIT\n"
				   "expect KEXINIT\n"
				   "send KEX_INIT\n"
				   "expect KEX_REPLY\n"
				   "send NEWKEYS\n"
				   "expect NEWKEYS\n"
				   "send SERVICE_REQUEST\n"
				   "expect SERVICE_ACCEPT\n"
				   "send USERAUTH_PK_QUERY\n"
				   "expect USERAUTH_PK_OK\n"
				   "send USERAUTH_PK_SIGNED\n"
				   "expect USERAUTH_SUCCESS\n";
	struct sbuf t = SBUF_INIT;
	case_default(&ca, CASE_IUT_SERVER);
	CHECK_OK(case_print_text(&ca, &t));
	CHECK_OK(sbuf_put_u8(&t, 0));
	CHECK_STR((const char *)t.data, want);
	sbuf_free(&t);
	for (int r = 0; r < 2; r++) {
		case_default(&ca, (enum case_role)r);
		CHECK(text_round_trip(&ca, &cb));
		CHECK(body_round_trip(&ca, &cb));
		CHECK(file_round_trip(&ca, &cb));
	}
}

/* ---- hand-built cases ---- */

static struct case_step *add(struct sshdiff_case *c, enum case_step_kind k, enum case_msg m)
{
	struct case_step *s = &c->steps[c->n_steps++];
	memset(s, 0, sizeof *s);
	s->kind = k;
	s->msg = m;
	return s;
}

static struct case_mutation *mut(struct case_step *s, enum case_mutation_kind k)
{
	struct case_mutation *m = &s->mutations[s->n_mutations++];
	memset(m, 0, sizeof *m);
	m->kind = k;
	return m;
}

/* Every step kind and every mutation kind, with edge values. */
static void build_all_kinds(struct sshdiff_case *c)
{
	case_default(c, CASE_IUT_CLIENT);
	c->n_steps = 0;
	c->seed = 0xfedcba9876543210ull;
	c->host_key = CASE_KEY_RSA_3072;
	c->user_key = CASE_KEY_ECDSA_P521;
	c->strict_kex = false;
	snprintf(c->actor_version, CASE_NAME_MAX, "SSH-2.0-x y \"quoted\" back\\slash #hash ;semi");
	c->user[0] = '\0';
	snprintf(c->password, CASE_NAME_MAX, " leading and trailing ");
	memset(c->algs.mac, 'm', CASE_NAME_MAX - 1);
	c->algs.mac[CASE_NAME_MAX - 1] = '\0';

	struct case_step *s = add(c, STEP_SEND, CM_KEX_REPLY);
	struct case_mutation *m = mut(s, MUT_SET_FIELD);
	m->field = 1;
	m->data_len = 1;
	m->data[0] = 0x01;
	m = mut(s, MUT_FLIP);
	m->offset = 3;
	m->mask = 0x80;
	m = mut(s, MUT_TRUNCATE);
	m->offset = 0xffffffffu;
	m = mut(s, MUT_EXTEND);
	m->data_len = CASE_MAX_DATA;
	for (unsigned i = 0; i < CASE_MAX_DATA; i++)
		m->data[i] = (uint8_t)(i * 7);

	s = add(c, STEP_SEND, CM_KEXINIT);
	m = mut(s, MUT_LIE_LENGTH);
	m->field = 12;
	m->value = (uint32_t)-5;
	m = mut(s, MUT_MSG_NUMBER);
	m->value = 255;
	m = mut(s, MUT_GUESS);
	m->value = 2;
	m = mut(s, MUT_NONE);

	s = add(c, STEP_SEND, CM_NEWKEYS);
	m = mut(s, MUT_KDF_HASH);
	m->value = 0;
	m = mut(s, MUT_SET_FIELD); /* NEWKEYS has no fields: index 0, empty data */
	m = mut(s, MUT_LIE_LENGTH);
	m->value = 0x7fffffff;
	m = mut(s, MUT_SIG_HASH);
	m->value = 4;

	s = add(c, STEP_SEND, CM_USERAUTH_PK_SIGNED);
	m = mut(s, MUT_SET_FIELD);
	m->field = 6;
	m->data_len = 3;
	memcpy(m->data, "\x00\xff\x10", 3);

	add(c, STEP_EXPECT, CM_COUNT);
	add(c, STEP_EXPECT, CM_CHANNEL_OPEN);
	s = add(c, STEP_RAW, CM_KEXINIT);
	s->data_len = 9;
	memcpy(s->data, "SSH-2.0-\n", 9);
	add(c, STEP_RAW, CM_KEXINIT); /* empty */
	add(c, STEP_DUPLICATE, CM_KEXINIT);
	add(c, STEP_SWAP, CM_KEXINIT);
	add(c, STEP_DROP, CM_KEXINIT);
	s = add(c, STEP_ENCRYPTION, CM_KEXINIT);
	s->value = 0;
	s = add(c, STEP_ENCRYPTION, CM_KEXINIT);
	s->value = 1;
	s = add(c, STEP_SEQ_SKEW, CM_KEXINIT);
	s->value = (uint32_t)-1;
	s = add(c, STEP_SEQ_SKEW, CM_KEXINIT);
	s->value = 0x80000000u;
	s = add(c, STEP_SEQ_SKEW, CM_KEXINIT);
	s->value = 7;
}

static void test_hand_built(void)
{
	build_all_kinds(&ca);
	CHECK(case_valid(&ca, NULL));
	CHECK(text_round_trip(&ca, &cb));
	CHECK(body_round_trip(&ca, &cb));
	CHECK(file_round_trip(&ca, &cb));

	/* What the mutations look like in text. */
	struct sbuf t = SBUF_INIT;
	CHECK_OK(case_print_text(&ca, &t));
	CHECK_OK(sbuf_put_u8(&t, 0));
	const char *txt = (const char *)t.data;
	CHECK(strstr(txt, "\nsend KEX_REPLY set f=01 ; flip 3/0x80 ; truncate 4294967295 ; extend 00070e15") != NULL);
	CHECK(strstr(txt, "\nsend KEXINIT lie-length reserved-5 ; msg-number 255 ; guess 2 ; none\n") != NULL);
	CHECK(strstr(txt, "\nsend NEWKEYS kdf-hash sha1 ; set 0=- ; lie-length 0+2147483647 ; sig-hash sha512\n") !=
	      NULL);
	CHECK(strstr(txt, "\nsend USERAUTH_PK_SIGNED set signature=00ff10\n") != NULL);
	CHECK(strstr(txt, "\nexpect ANY\nexpect CHANNEL_OPEN\nraw 5353482d322e302d0a\nraw -\nduplicate\nswap\ndrop\n"
			  "encryption off\nencryption on\nseq-skew -1\nseq-skew -2147483648\nseq-skew 7\n") != NULL);
	CHECK(strstr(txt, "\nactor-version \"SSH-2.0-x y \\\"quoted\\\" back\\\\slash #hash ;semi\"\n") != NULL);
	CHECK(strstr(txt, "\nuser \"\"\n") != NULL);
	CHECK(strstr(txt, "\npassword \" leading and trailing \"\n") != NULL);
	CHECK(strstr(txt, "\niut client\nseed 0xfedcba9876543210\n") != NULL);
	sbuf_free(&t);

	/* Fields a kind does not use are ignored by case_equal and dropped by
	 * the forms: junk there still round trips to an equal case. */
	build_all_kinds(&ca);
	ca.steps[0].value = 99;
	ca.steps[0].data_len = 7;
	ca.steps[0].mutations[1].value = 1234;
	ca.steps[0].mutations[1].data_len = 3;
	ca.steps[5].n_mutations = 3;
	ca.steps[8].msg = CM_CHANNEL_OPEN;
	memset(&ca.steps[ca.n_steps], 0xa5, sizeof ca.steps[0]);
	CHECK(body_round_trip(&ca, &cb));
	CHECK(text_round_trip(&ca, &cb));

	/* Maximal case: 48 steps of 8 mutations of 512 bytes. */
	case_default(&ca, CASE_IUT_SERVER);
	ca.n_steps = 0;
	while (ca.n_steps < CASE_MAX_STEPS) {
		struct case_step *s = add(&ca, STEP_SEND, CM_IGNORE);
		for (int i = 0; i < CASE_MAX_MUTATIONS; i++) {
			struct case_mutation *m = mut(s, MUT_SET_FIELD);
			m->data_len = CASE_MAX_DATA;
			memset(m->data, 0x5a + i, CASE_MAX_DATA);
		}
	}
	CHECK(text_round_trip(&ca, &cb));
	CHECK(body_round_trip(&ca, &cb));
	CHECK(file_round_trip(&ca, &cb));
}

/* Hand-written text, as a person would: comments, blank lines, CRLF,
 * header lines left out (defaults), numbers in either base. */
static void test_parse_handwritten(void)
{
	static const char text[] = "\xef\xbb\xbf# a comment line — UTF-8 is fine in comments\n"
				   "\n"
				   "  sshdiff-case 1   # trailing comment\r\n"
				   "iut client\n"
				   "seed 42\n"
				   "kex diffie-hellman-group14-sha256,ext-info-s\n"
				   "\tuser \"two words\"\n"
				   "send KEX_REPLY set f=01;flip 0x3/128 ; lie-length hostkey+4\n"
				   "send KEXINIT set 0=00112233445566778899AABBCCDDEEFF ; guess 1\n"
				   "expect ANY\n"
				   "seq-skew +3\n"
				   "seq-skew 4294967295\n"
				   "raw 0d0A\n";
	unsigned line = 99;
	char msg[256];
	CHECK_OK(case_parse_text(text, sizeof text - 1, &ca, &line, msg, sizeof msg));
	CHECK_EQ_U(line, 0);

	case_default(&cb, CASE_IUT_CLIENT);
	cb.n_steps = 0;
	cb.seed = 42;
	snprintf(cb.algs.kex, CASE_NAME_MAX, "diffie-hellman-group14-sha256,ext-info-s");
	snprintf(cb.user, CASE_NAME_MAX, "two words");
	struct case_step *s = add(&cb, STEP_SEND, CM_KEX_REPLY);
	struct case_mutation *m = mut(s, MUT_SET_FIELD);
	m->field = 1;
	m->data_len = 1;
	m->data[0] = 1;
	m = mut(s, MUT_FLIP);
	m->offset = 3;
	m->mask = 0x80;
	m = mut(s, MUT_LIE_LENGTH);
	m->field = 0;
	m->value = 4;
	s = add(&cb, STEP_SEND, CM_KEXINIT);
	m = mut(s, MUT_SET_FIELD);
	m->field = 0;
	m->data_len = 16;
	memcpy(m->data, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);
	m = mut(s, MUT_GUESS);
	m->value = 1;
	add(&cb, STEP_EXPECT, CM_COUNT);
	s = add(&cb, STEP_SEQ_SKEW, CM_KEXINIT);
	s->value = 3;
	s = add(&cb, STEP_SEQ_SKEW, CM_KEXINIT);
	s->value = 0xffffffffu;
	s = add(&cb, STEP_RAW, CM_KEXINIT);
	s->data_len = 2;
	memcpy(s->data, "\r\n", 2);
	CHECK(case_equal(&ca, &cb));
}

/* The examples in docs/case-format.md parse: the indented block after a
 * line `marker`, with `prefix` put in front. */
static void check_doc_block(const char *doc, const char *marker, const char *prefix, unsigned want_steps)
{
	const char *p = strstr(doc, marker);
	CHECK(p != NULL);
	if (!p)
		return;
	p += strlen(marker) + 1; /* the marker line and the blank line */
	struct sbuf t = SBUF_INIT;
	CHECK_OK(sbuf_put(&t, prefix, strlen(prefix)));
	while (strncmp(p, "    ", 4) == 0) {
		const char *nl = strchr(p, '\n');
		CHECK_OK(sbuf_put(&t, p + 4, (size_t)(nl - p - 4) + 1));
		p = nl + 1;
	}
	unsigned line = 0;
	char msg[256] = "";
	CHECK_OK(case_parse_text((const char *)t.data, t.len, &ca, &line, msg, sizeof msg));
	if (msg[0])
		fprintf(stderr, "%s block, line %u: %s\n", marker, line, msg);
	CHECK_EQ_U(ca.n_steps, want_steps);
	CHECK(text_round_trip(&ca, &cb));
	sbuf_free(&t);
}

static void test_doc_examples(void)
{
	char path[512];
	snprintf(path, sizeof path, "%s/docs/case-format.md", SSHDIFF_SOURCE_DIR);
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	static char doc[65536];
	size_t n = fread(doc, 1, sizeof doc - 1, f);
	doc[n] = '\0';
	fclose(f);
	/* The example is the default client case's first six steps, with a
	 * 32-byte zero f. */
	check_doc_block(doc, "\nExample:\n", "", 6);
	case_default(&cc, CASE_IUT_CLIENT);
	cc.n_steps = 6;
	struct case_mutation *m = mut(&cc.steps[3], MUT_SET_FIELD);
	m->field = 1;
	m->data_len = 32;
	CHECK(case_equal(&ca, &cc));
	check_doc_block(doc, "\nMore mutation syntax:\n", "sshdiff-case 1\n", 9);
}

/* ---- the binary body layout of docs/case-format.md ---- */

static void test_body_layout(void)
{
	/* Empty input: zeros everywhere, no steps. */
	case_decode(NULL, 0, &ca);
	CHECK_EQ_U(ca.version, 1);
	CHECK_EQ_U(ca.iut_role, CASE_IUT_SERVER);
	CHECK_EQ_U(ca.host_key, 0);
	CHECK_EQ_U(ca.seed, 0);
	CHECK_STR(ca.user, "");
	CHECK(!ca.strict_kex && !ca.ext_info);
	CHECK_EQ_U(ca.n_steps, 0);

	static const uint8_t body[] = {
		0x07,		/* flags: client, strict-kex, ext-info */
		0x08,		/* host key 8 mod 6 = 2 ecdsa-p256 */
		0x05,		/* user key rsa-3072 */
		0, 0, 0, 0, 0, 0, 0x01, 0x02, /* seed */
		3, 'a', 0x00, 0x80, /* actor version: unprintables become letters */
		2, 'u', 'v',	/* user */
		0,		/* password */
		1, 'k',		/* kex */
		0, 0, 0,	/* hostkey, cipher, mac */
		200,		/* n_steps: clamped to 48, then to the steps present */
		0, 4 + CM_COUNT, 9, /* send (4 + CM_COUNT) mod CM_COUNT = KEX_REPLY, 9 mutations: clamped to 8 */
		1 + MUT_KIND_COUNT, 1 + 3, 0, 2, 0xab, 0xcd, /* set field (1+3) mod 3 = 1 (f), 2 bytes */
		2, 0, 0, 0, 9, 0x40, /* flip 9/0x40 */
		7, 7,		/* kdf-hash 7 mod 4 = 3 sha512 */
		9, 1,		/* guess 1 */
		9, 0, 9, 0, 9, 0, 9, 0, /* guess 0 four times: eight mutations */
		1, CM_COUNT,	/* expect ANY */
		2, 0xff, 0xff, 'x', /* raw: length clamped to what is left */
	};
	case_decode(body, sizeof body, &ca);
	CHECK_EQ_U(ca.iut_role, CASE_IUT_CLIENT);
	CHECK(ca.strict_kex && ca.ext_info);
	CHECK_EQ_U(ca.host_key, CASE_KEY_ECDSA_P256);
	CHECK_EQ_U(ca.user_key, CASE_KEY_RSA_3072);
	CHECK_EQ_U(ca.seed, 0x0102);
	CHECK_STR(ca.actor_version, "aay");
	CHECK_STR(ca.user, "uv");
	CHECK_STR(ca.password, "");
	CHECK_STR(ca.algs.kex, "k");
	CHECK_STR(ca.algs.mac, "");
	CHECK_EQ_U(ca.n_steps, 3);
	CHECK_EQ_U(ca.steps[0].kind, STEP_SEND);
	CHECK_EQ_U(ca.steps[0].msg, CM_KEX_REPLY);
	CHECK_EQ_U(ca.steps[0].n_mutations, 8);
	CHECK_EQ_U(ca.steps[0].mutations[0].kind, MUT_SET_FIELD);
	CHECK_EQ_U(ca.steps[0].mutations[0].field, 1);
	CHECK_EQ_U(ca.steps[0].mutations[0].data_len, 2);
	CHECK_MEM(ca.steps[0].mutations[0].data, "\xab\xcd", 2);
	CHECK_EQ_U(ca.steps[0].mutations[1].kind, MUT_FLIP);
	CHECK_EQ_U(ca.steps[0].mutations[1].offset, 9);
	CHECK_EQ_U(ca.steps[0].mutations[1].mask, 0x40);
	CHECK_EQ_U(ca.steps[0].mutations[2].kind, MUT_KDF_HASH);
	CHECK_EQ_U(ca.steps[0].mutations[2].value, 3);
	CHECK_EQ_U(ca.steps[0].mutations[3].kind, MUT_GUESS);
	CHECK_EQ_U(ca.steps[0].mutations[3].value, 1);
	CHECK_EQ_U(ca.steps[0].mutations[7].kind, MUT_GUESS);
	CHECK_EQ_U(ca.steps[0].mutations[7].value, 0);
	CHECK_EQ_U(ca.steps[1].kind, STEP_EXPECT);
	CHECK_EQ_U(ca.steps[1].msg, CM_COUNT);
	CHECK_EQ_U(ca.steps[2].kind, STEP_RAW);
	CHECK_EQ_U(ca.steps[2].data_len, 1);
	CHECK_EQ_U(ca.steps[2].data[0], 'x');

	/* The canonical encoding of that case, byte for byte. */
	static const uint8_t canon[] = {
		0x07, 2, 5, 0, 0, 0, 0, 0, 0, 0x01, 0x02, 3, 'a', 'a', 'y', 2, 'u', 'v', 0, 1, 'k', 0, 0, 0, 3,
		0, CM_KEX_REPLY, 8, 1, 1, 0, 2, 0xab, 0xcd, 2, 0, 0, 0, 9, 0x40, 7, 3, 9, 1, 9, 0, 9, 0, 9, 0, 9, 0,
		1, CM_COUNT, 2, 0, 1, 'x',
	};
	struct sbuf b = SBUF_INIT;
	CHECK_OK(case_encode(&ca, &b));
	CHECK_EQ_U(b.len, sizeof canon);
	if (b.len == sizeof canon)
		CHECK_MEM(b.data, canon, sizeof canon);
	sbuf_free(&b);

	/* A field index on a message without fields reduces to 0; a seq-skew
	 * and an encryption value; missing bytes inside a step read as 0. */
	static const uint8_t body2[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3,
					0, CM_NEWKEYS, 1, 5, 77, 0xff, 0xff, 0xff, 0xfe, /* lie-length 0-2 */
					6, 3,	/* encryption 3 mod 2 = on */
					7, 0x80}; /* seq-skew 0x80000000 (missing bytes 0) */
	case_decode(body2, sizeof body2, &ca);
	CHECK_EQ_U(ca.n_steps, 3);
	CHECK_EQ_U(ca.steps[0].mutations[0].kind, MUT_LIE_LENGTH);
	CHECK_EQ_U(ca.steps[0].mutations[0].field, 0);
	CHECK_EQ_U(ca.steps[0].mutations[0].value, 0xfffffffeu);
	CHECK_EQ_U(ca.steps[1].kind, STEP_ENCRYPTION);
	CHECK_EQ_U(ca.steps[1].value, 1);
	CHECK_EQ_U(ca.steps[2].kind, STEP_SEQ_SKEW);
	CHECK_EQ_U(ca.steps[2].value, 0x80000000u);
}

/* ---- validity and encode refusal ---- */

static void test_invalid(void)
{
	struct sbuf b = SBUF_INIT;
	const char *why = NULL;

	case_default(&ca, CASE_IUT_SERVER);
	ca.version = 2;
	CHECK(!case_valid(&ca, &why) && why);
	CHECK_ERR(case_encode(&ca, &b), SD_ERR_INVALID_ARG);
	CHECK_ERR(case_print_text(&ca, &b), SD_ERR_INVALID_ARG);
	CHECK_ERR(case_write_binary(&ca, &b), SD_ERR_INVALID_ARG);
	char hex[65];
	CHECK_ERR(case_hash_hex(&ca, hex), SD_ERR_INVALID_ARG);

	case_default(&ca, CASE_IUT_SERVER);
	ca.steps[0].msg = CM_COUNT; /* send ANY */
	CHECK(!case_valid(&ca, NULL));
	case_default(&ca, CASE_IUT_SERVER);
	ca.steps[1].msg = CM_COUNT + 1;
	CHECK(!case_valid(&ca, NULL));
	case_default(&ca, CASE_IUT_SERVER);
	ca.user[3] = '\n';
	CHECK(!case_valid(&ca, NULL));
	case_default(&ca, CASE_IUT_SERVER);
	memset(ca.password, 'p', CASE_NAME_MAX); /* no NUL */
	CHECK(!case_valid(&ca, NULL));
	case_default(&ca, CASE_IUT_SERVER);
	ca.n_steps = CASE_MAX_STEPS + 1;
	CHECK(!case_valid(&ca, NULL));
	case_default(&ca, CASE_IUT_SERVER);
	ca.steps[0].n_mutations = 1;
	ca.steps[0].mutations[0].kind = MUT_SET_FIELD;
	ca.steps[0].mutations[0].field = 13; /* KEXINIT has 13 fields: 0..12 */
	CHECK(!case_valid(&ca, NULL));
	ca.steps[0].mutations[0].field = 12;
	CHECK(case_valid(&ca, NULL));
	ca.steps[0].mutations[0].data_len = CASE_MAX_DATA + 1;
	CHECK(!case_valid(&ca, NULL));
	ca.steps[0].mutations[0].kind = MUT_MSG_NUMBER;
	ca.steps[0].mutations[0].value = 256;
	CHECK(!case_valid(&ca, NULL));
	ca.steps[0].mutations[0].kind = MUT_KDF_HASH;
	ca.steps[0].mutations[0].value = 4;
	CHECK(!case_valid(&ca, NULL));
	ca.steps[0].mutations[0].kind = MUT_SIG_HASH;
	CHECK(case_valid(&ca, NULL));
	ca.steps[0].mutations[0].value = 5;
	CHECK(!case_valid(&ca, NULL));
	case_default(&ca, CASE_IUT_SERVER);
	ca.steps[0].kind = STEP_ENCRYPTION;
	ca.steps[0].value = 2;
	CHECK(!case_valid(&ca, NULL));
	CHECK_EQ_U(b.len, 0);
	sbuf_free(&b);
}

/* ---- hash ---- */

static void test_hash(void)
{
	struct sbuf b = SBUF_INIT;
	char hex[65], want[65];
	uint8_t md[32];

	case_default(&ca, CASE_IUT_SERVER);
	CHECK_OK(case_hash_hex(&ca, hex));
	CHECK_OK(case_encode(&ca, &b));
	crypto_hash_sha256(md, b.data, b.len); /* libsodium: an independent SHA-256 */
	sodium_bin2hex(want, sizeof want, md, sizeof md);
	CHECK_STR(hex, want);
	CHECK_EQ_U(strlen(hex), 64);
	case_default(&cb, CASE_IUT_CLIENT);
	CHECK_OK(case_hash_hex(&cb, want));
	CHECK(strcmp(hex, want) != 0);
	sbuf_free(&b);
}

/* ---- random valid cases, built directly ---- */

static void random_name(char *dst, bool allow_empty)
{
	unsigned n = prng_below(8) == 0 ? prng_below(CASE_NAME_MAX) : prng_below(20) + !allow_empty;
	for (unsigned i = 0; i < n; i++)
		dst[i] = (char)(0x20 + prng_below(0x5f));
	dst[n] = '\0';
}

static void random_valid_case(struct sshdiff_case *c)
{
	/* Junk everywhere first: fields a kind does not use must not matter. */
	for (size_t i = 0; i < sizeof *c; i += 8) {
		uint64_t r = prng();
		memcpy((uint8_t *)c + i, &r, sizeof *c - i < 8 ? sizeof *c - i : 8);
	}
	c->version = CASE_VERSION;
	c->iut_role = (enum case_role)prng_below(2);
	c->seed = prng();
	random_name(c->actor_version, true);
	random_name(c->user, true);
	random_name(c->password, true);
	random_name(c->algs.kex, true);
	random_name(c->algs.hostkey, true);
	random_name(c->algs.cipher, true);
	random_name(c->algs.mac, true);
	c->host_key = (enum case_key)prng_below(CASE_KEY_COUNT);
	c->user_key = (enum case_key)prng_below(CASE_KEY_COUNT);
	c->strict_kex = prng_below(2);
	c->ext_info = prng_below(2);
	c->n_steps = (uint8_t)prng_below(CASE_MAX_STEPS + 1);
	for (unsigned i = 0; i < c->n_steps; i++) {
		struct case_step *s = &c->steps[i];
		s->kind = (enum case_step_kind)prng_below(STEP_KIND_COUNT);
		s->msg = (enum case_msg)prng_below(s->kind == STEP_EXPECT ? CM_COUNT + 1 : CM_COUNT);
		s->value = s->kind == STEP_ENCRYPTION ? prng_below(2) : (uint32_t)prng();
		s->data_len = (uint16_t)prng_below(CASE_MAX_DATA + 1);
		s->n_mutations = (uint8_t)prng_below(CASE_MAX_MUTATIONS + 1);
		for (unsigned j = 0; j < s->n_mutations; j++) {
			struct case_mutation *m = &s->mutations[j];
			m->kind = (enum case_mutation_kind)prng_below(MUT_KIND_COUNT);
			m->field = (uint8_t)prng_below(case_msg_field_slots(s->msg));
			m->data_len = (uint16_t)prng_below(CASE_MAX_DATA + 1);
			m->value = (uint32_t)prng();
			if (case_mut_shape(m->kind) == SHAPE_MUT_BYTE)
				m->value &= 0xff;
			if (case_mut_shape(m->kind) == SHAPE_MUT_KDF)
				m->value %= CASE_KDF_HASH_COUNT;
			if (case_mut_shape(m->kind) == SHAPE_MUT_SIG)
				m->value %= CASE_SIG_HASH_COUNT;
		}
	}
}

static void test_random_valid(void)
{
	unsigned bad = 0;
	for (int i = 0; i < 5000; i++) {
		random_valid_case(&ca);
		if (!case_valid(&ca, NULL) || !body_round_trip(&ca, &cb) || !text_round_trip(&ca, &cb) ||
		    !file_round_trip(&ca, &cb))
			bad++;
	}
	CHECK_EQ_U(bad, 0);
}

/* ---- 50,000 pseudo-random byte strings ---- */

static void test_fuzz_bodies(void)
{
	static uint8_t in[2001];
	struct sbuf b1 = SBUF_INIT, b2 = SBUF_INIT;
	unsigned invalid = 0, not_canonical = 0, text_bad = 0, file_bad = 0, steps = 0;

	for (int i = 0; i < 50000; i++) {
		size_t len = prng_below(2001);
		/* Mostly small bytes in the first ~40 so names stay short and
		 * steps appear; uniform bytes in a quarter of the inputs. */
		bool uniform = i % 4 == 0;
		for (size_t j = 0; j < len; j++)
			in[j] = (uint8_t)(uniform || j >= 40 || prng_below(2) ? prng() : prng_below(8));
		case_decode(in, len, &ca);
		steps += ca.n_steps;
		if (!case_valid(&ca, NULL)) {
			invalid++;
			continue;
		}
		sbuf_reset(&b1);
		sbuf_reset(&b2);
		if (case_encode(&ca, &b1) != SD_OK) {
			not_canonical++;
			continue;
		}
		case_decode(b1.data, b1.len, &cb);
		if (!case_equal(&ca, &cb) || case_encode(&cb, &b2) != SD_OK || b1.len != b2.len ||
		    memcmp(b1.data, b2.data, b1.len) != 0 || b1.len > len + 3 * CASE_MAX_STEPS * 5)
			not_canonical++;
		if (!text_round_trip(&ca, &cc))
			text_bad++;
		/* through a file for one in ten: a file write each is slow under
		 * the sanitizers and adds nothing the text form does not test */
		if (i % 10 == 0 && !file_round_trip(&ca, &cc))
			file_bad++;
	}
	CHECK_EQ_U(invalid, 0);
	CHECK_EQ_U(not_canonical, 0);
	CHECK_EQ_U(text_bad, 0);
	CHECK_EQ_U(file_bad, 0);
	CHECK(steps > 50000); /* the inputs did exercise scripts */
	printf("fuzz bodies: 50000 inputs, %u steps decoded\n", steps);
	sbuf_free(&b1);
	sbuf_free(&b2);
}

/* ---- case_load: files, errors ---- */

static void check_load_error(const char *name, const void *content, size_t n, sd_err want, const char *want_msg)
{
	char path[256], msg[512], full[600];
	tmp_path(path, sizeof path, name);
	write_file(path, content, n);
	CHECK_ERR(case_load(path, &ca, msg, sizeof msg), want);
	snprintf(full, sizeof full, "%s%s", path, want_msg);
	CHECK_STR(msg, full);
	unlink(path);
}

static void test_load(void)
{
	char path[256], msg[512];
	struct sbuf f = SBUF_INIT;

	/* Both forms load back equal. */
	build_all_kinds(&cb);
	CHECK_OK(case_write_binary(&cb, &f));
	tmp_path(path, sizeof path, "ok.case");
	write_file(path, f.data, f.len);
	CHECK_OK(case_load(path, &ca, msg, sizeof msg));
	CHECK(case_equal(&ca, &cb));
	unlink(path);
	sbuf_reset(&f);
	CHECK_OK(case_print_text(&cb, &f));
	tmp_path(path, sizeof path, "ok.txt");
	write_file(path, f.data, f.len);
	CHECK_OK(case_load(path, &ca, msg, sizeof msg));
	CHECK(case_equal(&ca, &cb));
	unlink(path);

	/* Binary: truncated body, short header, wrong version, trailing bytes. */
	sbuf_reset(&f);
	CHECK_OK(case_write_binary(&cb, &f));
	size_t declared = f.len - 12;
	char want[256];
	snprintf(want, sizeof want, ": offset %zu: truncated binary case (declared %zu bytes, have %zu)", f.len - 10,
		 declared, declared - 10);
	check_load_error("trunc.case", f.data, f.len - 10, SD_ERR_TRUNCATED, want);
	check_load_error("hdr.case", f.data, 10, SD_ERR_TRUNCATED,
			 ": offset 10: truncated binary case header (need 12 bytes, have 10)");
	check_load_error("magic7.case", "SSHDIFF", 7, SD_ERR_TRUNCATED,
			 ": offset 7: truncated binary case header (need 12 bytes, have 7)");
	f.data[7] = 2;
	check_load_error("v2.case", f.data, f.len, SD_ERR_UNSUPPORTED, ": offset 7: unsupported case format version 2");
	f.data[7] = 1;
	CHECK_OK(sbuf_put(&f, "xy", 2));
	snprintf(want, sizeof want, ": offset %zu: 2 bytes after the declared %zu-byte body", f.len - 2, declared);
	check_load_error("trail.case", f.data, f.len, SD_ERR_TRAILING, want);
	sbuf_free(&f);

	/* Text errors name the line. */
	check_load_error("empty.txt", "", 0, SD_ERR_INVALID_ARG, ": empty case file");
	check_load_error("v2.txt", "# future\nsshdiff-case 2\niut server\n", 35, SD_ERR_UNSUPPORTED,
			 ":2: unsupported case format version 2 (this reader knows 1)");
	check_load_error("noversion.txt", "iut server\n", 11, SD_ERR_INVALID_ARG,
			 ":1: expected 'sshdiff-case 1' first, got 'iut'");
	check_load_error("comments.txt", "# only\n\n", 8, SD_ERR_INVALID_ARG,
			 ":2: no 'sshdiff-case 1' line: not a case file");
	check_load_error("sned.txt", "sshdiff-case 1\nsend KEXINIT\nsned KEXINIT\n", 41, SD_ERR_INVALID_ARG,
			 ":3: unknown step kind 'sned'");
	check_load_error("nul.txt", "sshdiff-case 1\nsend KEX\0INIT\n", 29, SD_ERR_INVALID_ARG,
			 ":2: column 9: NUL byte (not a text case file?)");
	check_load_error("utf8.txt", "sshdiff-case 1\nuser caf\xc3\xa9\n", 25, SD_ERR_INVALID_ARG,
			 ":2: column 9: byte 0xc3 is not printable ASCII (allowed only in comments)");
	check_load_error("badutf8.txt", "sshdiff-case 1\n\n# bad \xff\xfe here\n", 30, SD_ERR_INVALID_ARG,
			 ":3: column 7: invalid UTF-8 (byte 0xff) in a comment");
	check_load_error("garbage.txt", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, SD_ERR_INVALID_ARG,
			 ":1: column 1: byte 0x89 is not printable ASCII (allowed only in comments)");
	check_load_error("msg.txt", "sshdiff-case 1\nexpect KEXINT\n", 29, SD_ERR_INVALID_ARG,
			 ":2: unknown message 'KEXINT'");
	check_load_error("any.txt", "sshdiff-case 1\nsend ANY\n", 24, SD_ERR_INVALID_ARG,
			 ":2: unknown message 'ANY' (ANY is for expect only)");
	check_load_error("field.txt", "sshdiff-case 1\nsend KEX_REPLY set q=00\n", 39, SD_ERR_INVALID_ARG,
			 ":2: no field 'q' in KEX_REPLY");
	check_load_error("hex.txt", "sshdiff-case 1\nraw 0g\n", 22, SD_ERR_INVALID_ARG, ":2: bad hex digit in '0g'");
	check_load_error("odd.txt", "sshdiff-case 1\nraw 123\n", 23, SD_ERR_INVALID_ARG,
			 ":2: hex data '123' has an odd number of digits");
	check_load_error("semi.txt", "sshdiff-case 1\nsend IGNORE none none\n", 37, SD_ERR_INVALID_ARG,
			 ":2: expected ';' between mutations, got 'none'");
	check_load_error("nine.txt", "sshdiff-case 1\nsend IGNORE none;none;none;none;none;none;none;none;none\n", 72,
			 SD_ERR_INVALID_ARG, ":2: more than 8 mutations in one step");
	check_load_error("dup.txt", "sshdiff-case 1\nuser a\nuser b\n", 29, SD_ERR_INVALID_ARG,
			 ":3: second 'user' line");
	check_load_error("late.txt", "sshdiff-case 1\nswap\nseed 3\n", 27, SD_ERR_INVALID_ARG,
			 ":3: header line 'seed' after the first step");
	check_load_error("quote.txt", "sshdiff-case 1\nuser \"abc\n", 25, SD_ERR_INVALID_ARG,
			 ":2: column 6: unterminated quoted string");
	check_load_error("skew.txt", "sshdiff-case 1\nseq-skew -2147483649\n", 36, SD_ERR_INVALID_ARG,
			 ":2: bad seq-skew '-2147483649' (a 32-bit signed number)");
	check_load_error("extra.txt", "sshdiff-case 1\nswap now\n", 24, SD_ERR_INVALID_ARG,
			 ":2: unexpected 'now' after 'swap'");
	check_load_error("key.txt", "sshdiff-case 1\nhost-key dsa\n", 28, SD_ERR_INVALID_ARG,
			 ":2: unknown key 'dsa'");
	check_load_error("msgnum.txt", "sshdiff-case 1\nsend IGNORE msg-number 256\n", 42, SD_ERR_INVALID_ARG,
			 ":2: bad msg-number '256' (a number from 0 to 255)");
	check_load_error("kdf.txt", "sshdiff-case 1\nsend NEWKEYS kdf-hash md5\n", 41, SD_ERR_INVALID_ARG,
			 ":2: unknown hash 'md5' (sha1, sha256, sha384, sha512)");

	/* 49 steps. */
	struct sbuf t = SBUF_INIT;
	CHECK_OK(sbuf_put(&t, "sshdiff-case 1\n", 15));
	for (int i = 0; i < CASE_MAX_STEPS + 1; i++)
		CHECK_OK(sbuf_put(&t, "swap\n", 5));
	check_load_error("many.txt", t.data, t.len, SD_ERR_INVALID_ARG, ":50: more than 48 steps");
	/* A 256-byte name. */
	sbuf_reset(&t);
	CHECK_OK(sbuf_put(&t, "sshdiff-case 1\nuser ", 20));
	for (int i = 0; i < CASE_NAME_MAX; i++)
		CHECK_OK(sbuf_put_u8(&t, 'u'));
	check_load_error("long.txt", t.data, t.len, SD_ERR_INVALID_ARG, ":2: string longer than 255 bytes");
	sbuf_free(&t);

	/* Missing file. */
	tmp_path(path, sizeof path, "missing.case");
	CHECK_ERR(case_load(path, &ca, msg, sizeof msg), SD_ERR_INVALID_ARG);
	CHECK(strncmp(msg, path, strlen(path)) == 0 && strstr(msg, "cannot open") != NULL);
	/* A NULL err_msg is allowed. */
	CHECK_ERR(case_load(path, &ca, NULL, 0), SD_ERR_INVALID_ARG);
}

/* Random garbage text never crashes the parser, and errors name a line
 * within the text. */
static void test_garbage_text(void)
{
	static char text[600];
	char msg[256];
	unsigned line;
	for (int i = 0; i < 20000; i++) {
		size_t len = prng_below(sizeof text);
		static const char alphabet[] = "sshdiff-case 1\n send expect set f=01 ; # \"\\ raw -\t\r\x00\xc3\xa9\xff";
		if (i % 2) {
			memcpy(text, "sshdiff-case 1\n", 15);
			for (size_t j = 15; j < len; j++)
				text[j] = alphabet[prng_below(sizeof alphabet - 1)];
		} else {
			for (size_t j = 0; j < len; j++)
				text[j] = (char)prng();
		}
		sd_err e = case_parse_text(text, len, &ca, &line, msg, sizeof msg);
		if (e == SD_OK) {
			CHECK(case_valid(&ca, NULL));
		} else {
			unsigned lines = 1;
			for (size_t j = 0; j < len; j++)
				lines += text[j] == '\n';
			if (!(line >= 1 && line <= lines && msg[0]))
				check_fail(__FILE__, __LINE__, "bad error position %u of %u: %s", line, lines, msg);
			if (e != SD_ERR_INVALID_ARG && e != SD_ERR_UNSUPPORTED)
				check_fail(__FILE__, __LINE__, "unexpected error %s", sd_err_name(e));
		}
	}
}

int main(void)
{
	if (sodium_init() < 0 || !mkdtemp(tmpdir)) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	test_names();
	test_field_tables();
	test_defaults();
	test_default_text();
	test_hand_built();
	test_parse_handwritten();
	test_doc_examples();
	test_body_layout();
	test_invalid();
	test_hash();
	test_random_valid();
	test_fuzz_bodies();
	test_load();
	test_garbage_text();
	CHECK(rmdir(tmpdir) == 0); /* every temporary file was removed */
	return check_finish();
}

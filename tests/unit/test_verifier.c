/*
 * test_verifier.c — the independent verifier (oracle/verifier/) and its
 * backend (oracle/backend_verifier.c).
 *
 *   every rule identifier the verifier can emit is a row of docs/rules.md;
 *   the verifier against the engine (proto/machine) directly, both roles,
 *     four KEX families, through publickey authentication and a rekey: two
 *     models that share no code agree on valid connections;
 *   identification lines and packet framing fed byte by byte;
 *   determinism: same seed, same bytes; another seed, other bytes;
 *   the known_hosts check (impl-hostkey-untrusted);
 *   default case, both roles: every step accepted, keys_ok, auth success,
 *     and the same verdict vector as backend_own;
 *   KEX x host key (both roles, user keys of every type) and cipher x MAC
 *     matrices: all accepted;
 *   negative cases, each with its exact rule and step, and the engine
 *     rejecting the same step (except where the two are configured
 *     differently: ext-info, see backend_verifier.c);
 *   rekey started by the actor, unsupported algorithms.
 * VERIFIER_TEST_VERBOSE=1 prints the step table of every negative case.
 */
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle/actor.h"
#include "oracle/backend.h"
#include "oracle/case.h"
#include "oracle/testkeys.h"
#include "oracle/verifier/verifier.h"
#include "oracle/verifier/vhash.h"
#include "oracle/verifier/vkeys.h"
#include "oracle/verifier/vrules.h"
#include "oracle/verifier/vwire.h"
#include "proto/crypto/kex.h"
#include "proto/crypto/sigkey.h"
#include "proto/machine.h"
#include "proto/rng.h"
#include "tests/support/casetest.h"
#include "tests/support/check.h"

extern const struct backend backend_verifier;
extern const struct backend backend_own;

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const enum case_role roles[] = {CASE_IUT_SERVER, CASE_IUT_CLIENT};

static bool run_case(const struct backend *b, const struct sshdiff_case *c, struct observations *o)
{
	sd_err e = b->run(c, o);
	if (e != SD_OK) {
		check_fail(__FILE__, __LINE__, "%s run: %s", b->name, sd_err_name(e));
		return false;
	}
	return true;
}


static void set_field(struct case_step *s, uint8_t field, const void *data, size_t n)
{
	struct case_mutation *m = tc_add_mutation(s, MUT_SET_FIELD);
	m->field = field;
	m->data_len = (uint16_t)n;
	if (n)
		memcpy(m->data, data, n);
}

static int first_reject(const struct observations *o)
{
	for (unsigned i = 0; i < o->n_steps; i++)
		if (o->steps[i].verdict == VERDICT_REJECT)
			return (int)i;
	return -1;
}

static unsigned negative_runs, own_runs;
/* Set where the engine is configured otherwise (it always offers
 * ext-info-c/-s; the verifier mirrors the case's ext_info). */
static bool own_differs;

/* Runs c on the verifier: the first rejected step must be `step`, with
 * `rule`; every step before it accepted. */
static void expect_reject(const struct sshdiff_case *c, int step, const char *rule, const char *label)
{
	struct observations o;
	if (!run_case(&backend_verifier, c, &o))
		return;
	negative_runs++;
	int got = first_reject(&o);
	bool ok = got == step && strcmp(o.steps[step < 0 ? 0 : step].rule, rule) == 0;
	for (int i = 0; i < step; i++)
		ok = ok && o.steps[i].verdict == VERDICT_ACCEPT;
	if (getenv("VERIFIER_TEST_VERBOSE"))
		tc_print_obs(label, c, &o);
	if (!ok) {
		check_fail(__FILE__, __LINE__, "%s: want step %d rejected by %s, got step %d (%s)", label, step, rule,
			   got, got >= 0 ? o.steps[got].rule : "-");
		tc_print_obs(label, c, &o);
	}
	check_count++;
	/* The engine is another model of the same rules: it must reject the
	 * same step (its rule may be named differently, e.g. RFC4253-6.1 for
	 * a too-short length that does not decrypt). */
	struct observations own;
	if (own_differs || !run_case(&backend_own, c, &own))
		return;
	own_runs++;
	if (first_reject(&own) != step) {
		check_fail(__FILE__, __LINE__, "%s: own rejects step %d, the verifier step %d", label, first_reject(&own),
			   step);
		tc_print_obs("own", c, &own);
	}
	check_count++;
}

/* ---------------------------------------------------------- rules doc */

static void test_rules_in_doc(void)
{
	const char *path = SSHDIFF_SOURCE_DIR "/docs/rules.md";
	static char doc[1 << 16];
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	size_t n = fread(doc, 1, sizeof doc - 1, f);
	fclose(f);
	doc[n] = 0;
	for (int r = VR_OK + 1; r < VR_COUNT_; r++) {
		char cell[80];
		snprintf(cell, sizeof cell, "| `%s` |", vrule_id((enum vrule)r));
		if (!strstr(doc, cell))
			check_fail(__FILE__, __LINE__, "docs/rules.md has no row for %s", vrule_id((enum vrule)r));
		check_count++;
	}
	/* identifiers are distinct */
	for (int a = 0; a < VR_COUNT_; a++)
		for (int b = a + 1; b < VR_COUNT_; b++)
			CHECK(strcmp(vrule_id((enum vrule)a), vrule_id((enum vrule)b)) != 0);
}


/* ------------------------------------------------ primitives */

/* RFC 4251 section 5's own examples of mpint and name-list encodings. */
static void test_wire_examples(void)
{
	static const struct {
		const char *mag;
		size_t n;
		const char *wire;
		size_t wn;
	} ex[] = {
		{"", 0, "\0\0\0\0", 4},
		{"\x09\xa3\x78\xf9\xb2\xe3\x32\xa7", 8, "\0\0\0\x08\x09\xa3\x78\xf9\xb2\xe3\x32\xa7", 12},
		{"\x80", 1, "\0\0\0\x02\x00\x80", 6},
	};
	for (size_t i = 0; i < COUNT(ex); i++) {
		struct vbuf b = {0};
		vb_mpint(&b, (const uint8_t *)ex[i].mag, ex[i].n);
		CHECK_EQ_U(b.len, ex[i].wn);
		CHECK_MEM(b.p, ex[i].wire, ex[i].wn);
		/* and back: canonical, positive, the same magnitude */
		struct vrd r = vrd_of(vb_span(&b));
		struct vspan m;
		CHECK_EQ_U(vr_mpint_pos(&r, &m), VR_OK);
		CHECK_EQ_U(m.len, ex[i].n);
		CHECK(m.len == 0 || memcmp(m.p, ex[i].mag, m.len) == 0);
		vb_free(&b);
	}
	/* negative examples: -1234, -deadbeef are valid mpints, not positive */
	static const char neg1[] = "\0\0\0\x02\xed\xcc", neg2[] = "\0\0\0\x05\xff\x21\x52\x41\x11";
	struct vrd r = vrd_of(vspan_of(neg1, 6));
	struct vspan m;
	CHECK_EQ_U(vr_mpint(&r, &m), VR_OK);
	r = vrd_of(vspan_of(neg2, 9));
	CHECK_EQ_U(vr_mpint(&r, &m), VR_OK);
	r = vrd_of(vspan_of(neg2, 9));
	CHECK_EQ_U(vr_mpint_pos(&r, &m), VR_MPINT_SIGN);
	/* needless leading bytes */
	r = vrd_of(vspan_of("\0\0\0\x02\x00\x7f", 6));
	CHECK_EQ_U(vr_mpint(&r, &m), VR_MPINT);
	r = vrd_of(vspan_of("\0\0\0\x01\x00", 5));
	CHECK_EQ_U(vr_mpint(&r, &m), VR_MPINT);
	r = vrd_of(vspan_of("\0\0\0\x02\xff\x80", 6));
	CHECK_EQ_U(vr_mpint(&r, &m), VR_MPINT);
	r = vrd_of(vspan_of("\0\0\0\x03\x01", 5));
	CHECK_EQ_U(vr_mpint(&r, &m), VR_TRUNCATED);
	/* name-lists: ("zlib","none"), and the malformed */
	r = vrd_of(vspan_of("\0\0\0\x09zlib,none", 13));
	CHECK_EQ_U(vr_namelist(&r, &m), VR_OK);
	CHECK(vnl_has(m, vspan_str("none")) && !vnl_has(m, vspan_str("zli")));
	CHECK_EQ_U(vnl_check(vspan_str("a,,b")), VR_NAMELIST);
	CHECK_EQ_U(vnl_check(vspan_str("a,")), VR_NAMELIST);
	CHECK_EQ_U(vnl_check(vspan_str(",a")), VR_NAMELIST);
	CHECK_EQ_U(vnl_check(vspan_str("a b")), VR_NAMELIST);
	CHECK_EQ_U(vnl_check(vspan_str("")), VR_OK);
	char long_name[66];
	memset(long_name, 'n', 65);
	long_name[65] = 0;
	CHECK_EQ_U(vnl_check(vspan_str(long_name)), VR_NAMELIST);
	long_name[64] = 0;
	CHECK_EQ_U(vnl_check(vspan_str(long_name)), VR_OK);
}

/* The verifier's RFC 4253 section 7.2 KDF (libsodium SHA-2, OpenSSL SHA-1)
 * against OpenSSL's own SSHKDF. */
static void test_kdf_against_openssl(void)
{
	static const enum vhash hs[] = {VH_SHA1, VH_SHA256, VH_SHA384, VH_SHA512};
	static const char *const names[] = {"SHA1", "SHA256", "SHA384", "SHA512"};
	uint8_t kmag[40], h[64], sid[64], mine[64], theirs[64];
	for (size_t i = 0; i < sizeof kmag; i++)
		kmag[i] = (uint8_t)(0x80 + i * 7); /* top bit set: the mpint gets a 0x00 */
	for (size_t i = 0; i < sizeof h; i++)
		h[i] = (uint8_t)(i * 3 + 1), sid[i] = (uint8_t)(255 - i);
	struct vbuf k = {0};
	vb_mpint(&k, kmag, sizeof kmag);
	for (size_t i = 0; i < COUNT(hs); i++) {
		size_t hl = vhash_len(hs[i]);
		for (char letter = 'A'; letter <= 'F'; letter++) {
			char type[2] = {letter, 0};
			CHECK_EQ_U(vkdf(hs[i], vb_span(&k), vspan_of(h, hl), letter, vspan_of(sid, hl), mine, 64), VR_OK);
			EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SSHKDF", NULL);
			EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
			OSSL_PARAM params[] = {
				OSSL_PARAM_construct_utf8_string("digest", (char *)names[i], 0),
				OSSL_PARAM_construct_octet_string("key", k.p, k.len),
				OSSL_PARAM_construct_octet_string("xcghash", h, hl),
				OSSL_PARAM_construct_octet_string("session_id", sid, hl),
				OSSL_PARAM_construct_utf8_string("type", type, 1),
				OSSL_PARAM_construct_end(),
			};
			CHECK(ctx && EVP_KDF_derive(ctx, theirs, 64, params) == 1);
			CHECK_MEM(mine, theirs, 64);
			EVP_KDF_CTX_free(ctx);
			EVP_KDF_free(kdf);
		}
	}
	vb_free(&k);
}

/* Signature checks of vkeys.c on their own. */
static void test_signatures(void)
{
	/* L = 2^252 + 27742317777372353535851937790883648493, little-endian */
	static const uint8_t L[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	};
	struct vrng rng;
	struct vkey k, rsa;
	struct vbuf sig = {0};
	const struct vspan data = vspan_str("signed data");
	vrng_init(&rng, 1);
	CHECK_EQ_U(vkey_from_openssh(testkey_openssh_private(CASE_KEY_ED25519_A), &k), VR_OK);
	const struct vsigalg *ed = vsigalg_by_name(vspan_str("ssh-ed25519"));
	CHECK_EQ_U(vkey_sign(&k, ed, data, &rng, &sig), VR_OK);
	CHECK_EQ_U(sig.len, 4 + 11 + 4 + 64);
	CHECK_EQ_U(vkey_verify(&k, ed, vb_span(&sig), data), VR_OK);
	uint8_t *S = sig.p + sig.len - 32;
	/* S + L: the same point equation holds, only the S < L check refuses */
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		unsigned t = S[i] + L[i] + carry;
		S[i] = (uint8_t)t;
		carry = t >> 8;
	}
	CHECK_EQ_U(vkey_verify(&k, ed, vb_span(&sig), data), VR_ED25519_S);
	memcpy(S, L, 32); /* S = L */
	CHECK_EQ_U(vkey_verify(&k, ed, vb_span(&sig), data), VR_ED25519_S);
	S[0] -= 1; /* S = L - 1: canonical, just wrong */
	CHECK_EQ_U(vkey_verify(&k, ed, vb_span(&sig), data), VR_SIGNATURE);
	/* named otherwise */
	CHECK_EQ_U(vkey_verify(&k, vsigalg_by_name(vspan_str("ecdsa-sha2-nistp256")), vb_span(&sig), data),
		   VR_SIG_NAME);
	vb_reset(&sig);

	/* RSA: rsa-sha2-512 made with SHA-256 is RFC 8332 section 3 */
	CHECK_EQ_U(vkey_from_openssh(testkey_openssh_private(CASE_KEY_RSA_3072), &rsa), VR_OK);
	const struct vsigalg wrong = {"rsa-sha2-512", VK_RSA, VH_SHA256};
	const struct vsigalg *r512 = vsigalg_by_name(vspan_str("rsa-sha2-512"));
	CHECK_EQ_U(vkey_sign(&rsa, &wrong, data, &rng, &sig), VR_OK);
	CHECK_EQ_U(vkey_verify(&rsa, r512, vb_span(&sig), data), VR_RSA_HASH);
	vb_reset(&sig);
	CHECK_EQ_U(vkey_sign(&rsa, r512, data, &rng, &sig), VR_OK);
	CHECK_EQ_U(vkey_verify(&rsa, r512, vb_span(&sig), data), VR_OK);
	CHECK_EQ_U(vkey_verify(&rsa, r512, vb_span(&sig), vspan_str("other data")), VR_SIGNATURE);
	vb_reset(&sig);

	/* ECDSA of every curve signs and verifies; its blob parses back */
	static const enum case_key ecs[] = {CASE_KEY_ECDSA_P256, CASE_KEY_ECDSA_P384, CASE_KEY_ECDSA_P521};
	static const char *const names[] = {"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"};
	for (size_t i = 0; i < COUNT(ecs); i++) {
		struct vkey e, pub;
		const struct vsigalg *a = vsigalg_by_name(vspan_str(names[i]));
		CHECK_EQ_U(vkey_from_openssh(testkey_openssh_private(ecs[i]), &e), VR_OK);
		CHECK_EQ_U(vkey_sign(&e, a, data, &rng, &sig), VR_OK);
		CHECK_EQ_U(vkey_from_blob(vb_span(&e.blob), &pub), VR_OK);
		CHECK_EQ_U(vkey_verify(&pub, a, vb_span(&sig), data), VR_OK);
		sig.p[sig.len - 1] ^= 1;
		CHECK_EQ_U(vkey_verify(&pub, a, vb_span(&sig), data), VR_SIGNATURE);
		/* the same blob as the engine writes */
		struct sigkey *sk = NULL;
		struct sbuf blob = SBUF_INIT;
		CHECK_OK(testkey_load(ecs[i], &sk));
		CHECK_OK(sigkey_to_blob(sk, &blob));
		CHECK(blob.len == e.blob.len && memcmp(blob.data, e.blob.p, blob.len) == 0);
		sbuf_free(&blob);
		sigkey_free(sk);
		vb_reset(&sig);
		vkey_free(&e);
		vkey_free(&pub);
	}
	vb_free(&sig);
	vkey_free(&k);
	vkey_free(&rsa);
}

/* ------------------------------------------------ direct: vs the engine */

static struct verifier_config direct_config(bool server, uint64_t seed)
{
	struct verifier_config cfg = {
		.server = server,
		.seed = seed,
		.kex = "curve25519-sha256",
		.hostkey = "ssh-ed25519",
		.cipher = "chacha20-poly1305@openssh.com",
		.mac = "hmac-sha2-256",
		.ext_info = true,
		.strict_kex = true,
		.host_key = testkey_openssh_private(CASE_KEY_ED25519_A),
		.user_key = testkey_openssh_private(CASE_KEY_ED25519_B),
		.user = "alice",
		.password = "secret",
	};
	return cfg;
}

/* Moves bytes both ways until neither side has anything to say. */
static void pump(struct verifier *v, struct machine *m)
{
	for (int round = 0; round < 1000; round++) {
		bool moved = false;
		struct span mo = machine_output(m);
		if (mo.len) {
			CHECK_EQ_U(verifier_input(v, mo.p, mo.len), VR_OK);
			machine_output_consume(m, mo.len);
			moved = true;
		}
		struct vspan vo = verifier_output(v);
		if (vo.len) {
			machine_input(m, vo.p, vo.len);
			verifier_output_consume(v, vo.len);
			moved = true;
		}
		if (!moved)
			return;
	}
	check_fail(__FILE__, __LINE__, "pump did not settle");
}

/* The verifier and the engine share no code: a full connection between
 * them, both roles, every KEX family, is two models agreeing. */
static void test_against_engine(void)
{
	static const char *const kexes[] = {"curve25519-sha256", "ecdh-sha2-nistp384", "diffie-hellman-group14-sha256",
					    "diffie-hellman-group-exchange-sha256"};
	for (int srv = 0; srv < 2; srv++)
		for (size_t k = 0; k < COUNT(kexes); k++) {
			struct sigkey *host = NULL, *user = NULL;
			struct rng_seeded rng;
			struct machine *m = NULL;
			struct verifier *v = NULL;
			CHECK_OK(testkey_load(CASE_KEY_ED25519_A, &host));
			CHECK_OK(testkey_load(CASE_KEY_ED25519_B, &user));
			rng_seeded_init(&rng, "engine", 6);
			struct machine_config mc = {
				.role = srv ? MACHINE_CLIENT : MACHINE_SERVER,
				.rng = &rng.base,
				.algs = {kexes[k], "ssh-ed25519", "aes256-gcm@openssh.com,chacha20-poly1305@openssh.com",
					 "chacha20-poly1305@openssh.com", "hmac-sha2-256", "hmac-sha2-256", NULL, NULL},
				.host_keys = &host,
				.n_host_keys = 1,
				.auth_user = "alice",
				.auth_password = "secret",
				.authorized_keys = &user,
				.n_authorized_keys = 1,
				.user = "alice",
				.password = "secret",
				.identities = &user,
				.n_identities = 1,
				.auth_order = "publickey,password",
				.known_host_keys = &host,
				.n_known_host_keys = 1,
			};
			struct verifier_config vc = direct_config(srv, 7 + k);
			vc.kex = kexes[k];
			vc.cipher = "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com";
			CHECK_OK(machine_new(&mc, &m));
			CHECK_EQ_U(verifier_new(&vc, &v), VR_OK);
			if (m && v) {
				pump(v, m);
				const struct verifier_result *vr = verifier_result(v);
				const struct machine_result *mr = machine_result(m);
				CHECK_EQ_U(vr->rejected, VR_OK);
				CHECK_EQ_U(mr->error, SD_OK);
				CHECK_EQ_U(vr->auth, VAUTH_SUCCESS);
				CHECK_EQ_U(mr->auth, AUTH_SUCCESS);
				CHECK_STR(vr->kex, kexes[k]);
				CHECK_STR(mr->kex, kexes[k]);
				/* the client's preference decides, per direction */
				CHECK_STR(vr->cipher_cs, srv ? "aes256-gcm@openssh.com" : "chacha20-poly1305@openssh.com");
				CHECK_STR(vr->cipher_sc, "chacha20-poly1305@openssh.com");
				CHECK_STR(vr->cipher_cs, mr->cipher_cs);
				CHECK(vr->strict_kex && mr->strict_kex);
				CHECK_EQ_U(vr->kex_count, 1);
				if (vr->rejected != VR_OK || mr->error != SD_OK)
					fprintf(stderr, "  engine %s %s: verifier %s, engine %s\n", srv ? "client" : "server",
						kexes[k], vrule_id(vr->rejected), sd_err_rule(mr->error));
				/* a rekey started by the engine: the verifier follows */
				if (mr->error == SD_OK) {
					CHECK_OK(machine_rekey(m));
					pump(v, m);
					CHECK_EQ_U(verifier_result(v)->kex_count, 2);
					CHECK_EQ_U(machine_result(m)->kex_count, 2);
					CHECK_EQ_U(verifier_result(v)->rejected, VR_OK);
					CHECK_EQ_U(machine_result(m)->error, SD_OK);
				}
			}
			verifier_free(v);
			machine_free(m);
			sigkey_free(host);
			sigkey_free(user);
		}
}

/* Every byte the verifier (server, ECDSA host key, DH) sends to the
 * engine client, for a verifier seed: the engine's seed is fixed. */
static void transcript(uint64_t seed, struct sbuf *out)
{
	struct sigkey *host = NULL, *user = NULL;
	struct rng_seeded rng;
	struct machine *m = NULL;
	struct verifier *v = NULL;
	CHECK_OK(testkey_load(CASE_KEY_ECDSA_P384, &host));
	CHECK_OK(testkey_load(CASE_KEY_ED25519_B, &user));
	rng_seeded_init(&rng, "engine", 6);
	struct machine_config mc = {
		.role = MACHINE_CLIENT,
		.rng = &rng.base,
		.algs = {"diffie-hellman-group14-sha256", "ecdsa-sha2-nistp384", "aes128-ctr", "aes128-ctr",
			 "hmac-sha2-256", "hmac-sha2-256", NULL, NULL},
		.user = "alice",
		.identities = &user,
		.n_identities = 1,
		.auth_order = "publickey",
	};
	struct verifier_config vc = direct_config(true, seed);
	vc.kex = "diffie-hellman-group14-sha256";
	vc.hostkey = "ecdsa-sha2-nistp384";
	vc.cipher = "aes128-ctr";
	vc.host_key = testkey_openssh_private(CASE_KEY_ECDSA_P384);
	CHECK_OK(machine_new(&mc, &m));
	CHECK_EQ_U(verifier_new(&vc, &v), VR_OK);
	for (int round = 0; m && v && round < 1000; round++) {
		bool moved = false;
		struct span mo = machine_output(m);
		if (mo.len) {
			verifier_input(v, mo.p, mo.len);
			machine_output_consume(m, mo.len);
			moved = true;
		}
		struct vspan vo = verifier_output(v);
		if (vo.len) {
			CHECK_OK(sbuf_put(out, vo.p, vo.len));
			machine_input(m, vo.p, vo.len);
			verifier_output_consume(v, vo.len);
			moved = true;
		}
		if (!moved)
			break;
	}
	CHECK(m && machine_result(m)->auth == AUTH_SUCCESS);
	verifier_free(v);
	machine_free(m);
	sigkey_free(host);
	sigkey_free(user);
}

/* Determinism: the same seed gives the same bytes (cookie, DH exponent,
 * ECDSA nonce, padding), another seed other bytes. */
static void test_determinism(void)
{
	struct sbuf a = SBUF_INIT, b = SBUF_INIT, c = SBUF_INIT;
	transcript(42, &a);
	transcript(42, &b);
	transcript(43, &c);
	CHECK(a.len > 1000);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	CHECK(!(a.len == c.len && memcmp(a.data, c.data, a.len) == 0));
	sbuf_free(&a);
	sbuf_free(&b);
	sbuf_free(&c);

	/* and through the backend: the same observations twice */
	for (size_t r = 0; r < COUNT(roles); r++) {
		struct sshdiff_case cs;
		struct observations o1, o2;
		case_default(&cs, roles[r]);
		tc_set_str(cs.algs.hostkey, "ecdsa-sha2-nistp256");
		cs.host_key = CASE_KEY_ECDSA_P256;
		if (!run_case(&backend_verifier, &cs, &o1) || !run_case(&backend_verifier, &cs, &o2))
			continue;
		CHECK_STR(o1.outcome, o2.outcome);
		CHECK_EQ_U(o1.n_steps, o2.n_steps);
		for (unsigned i = 0; i < o1.n_steps; i++) {
			char x[64], y[64];
			verdict_format(&o1.steps[i], x, sizeof x);
			verdict_format(&o2.steps[i], y, sizeof y);
			CHECK_STR(x, y);
			CHECK_EQ_U(o1.steps[i].iut_msg, o2.steps[i].iut_msg);
		}
		CHECK(tc_all_accept(&cs, &o1));
	}
}

/* The known_hosts check: the engine server shows ed25519-a, the verifier
 * client trusts only ed25519-b. */
static void test_untrusted_host(void)
{
	struct sigkey *host = NULL;
	struct rng_seeded rng;
	struct machine *m = NULL;
	struct verifier *v = NULL;
	CHECK_OK(testkey_load(CASE_KEY_ED25519_A, &host));
	rng_seeded_init(&rng, "engine", 6);
	struct machine_config mc = {
		.role = MACHINE_SERVER,
		.rng = &rng.base,
		.algs = {"curve25519-sha256", "ssh-ed25519", "chacha20-poly1305@openssh.com",
			 "chacha20-poly1305@openssh.com", "hmac-sha2-256", "hmac-sha2-256", NULL, NULL},
		.host_keys = &host,
		.n_host_keys = 1,
		.auth_user = "alice",
		.auth_password = "secret",
	};
	struct verifier_config vc = direct_config(false, 3);
	vc.host_key = testkey_openssh_private(CASE_KEY_ED25519_B);
	CHECK_OK(machine_new(&mc, &m));
	CHECK_EQ_U(verifier_new(&vc, &v), VR_OK);
	if (m && v) {
		pump(v, m);
		CHECK_EQ_U(verifier_result(v)->rejected, VR_HOSTKEY_UNTRUSTED);
		CHECK_EQ_U(verifier_result(v)->rejected_msg, 31);
		CHECK(verifier_closed(v));
		/* it said so: DISCONNECT HOST_KEY_NOT_VERIFIABLE */
		CHECK_EQ_U(machine_result(m)->peer_disconnect_reason, 9);
	}
	verifier_free(v);
	machine_free(m);
	sigkey_free(host);
}

/* ------------------------------------ direct: identification, framing */

/* Feeds bytes to a fresh verifier; returns its fatal rule. */
static enum vrule feed(bool server, const void *p, size_t n)
{
	struct verifier_config cfg = direct_config(server, 1);
	struct verifier *v = NULL;
	if (verifier_new(&cfg, &v) != VR_OK || !v)
		return VR_INTERNAL;
	verifier_input(v, p, n);
	enum vrule r = verifier_result(v)->rejected;
	verifier_free(v);
	return r;
}

static void test_version_lines(void)
{
	static char longline[400];
	memset(longline, 'x', sizeof longline);
	memcpy(longline, "SSH-2.0-", 8);
	memcpy(longline + 300, "\r\n", 2);

	CHECK_EQ_U(feed(true, "SSH-2.0-peer_1.0\r\n", 18), VR_OK);
	CHECK_EQ_U(feed(true, "SSH-2.0-peer_1.0 comment here\r\n", 31), VR_OK);
	CHECK_EQ_U(feed(true, "SSH-1.99-peer\r\n", 15), VR_OK);
	CHECK_EQ_U(feed(true, "hello\r\nSSH-2.0-peer\r\n", 21), VR_VERSION_LINES);
	CHECK_EQ_U(feed(false, "hello\r\nSSH-2.0-peer\r\n", 21), VR_OK);
	CHECK_EQ_U(feed(true, longline, 302), VR_VERSION_LENGTH);
	CHECK_EQ_U(feed(true, "SSH-2.0-peer\n", 13), VR_VERSION_SYNTAX);
	CHECK_EQ_U(feed(true, "SSH-2.0-pe-er\r\n", 15), VR_VERSION_SYNTAX);
	CHECK_EQ_U(feed(true, "SSH-2.0-\r\n", 10), VR_VERSION_SYNTAX);
	CHECK_EQ_U(feed(true, "SSH-2.0-a\0b\r\n", 13), VR_VERSION_SYNTAX);
	CHECK_EQ_U(feed(true, "SSH-1.5-peer\r\n", 14), VR_VERSION_PROTO);
	CHECK_EQ_U(feed(true, "SSH-2.0\r\n", 9), VR_VERSION_SYNTAX);
	/* exactly 255 bytes with CR LF is fine, 256 is not */
	static char l255[256];
	memset(l255, 'y', sizeof l255);
	memcpy(l255, "SSH-2.0-", 8);
	memcpy(l255 + 253, "\r\n", 2);
	CHECK_EQ_U(feed(true, l255, 255), VR_OK);
	memset(l255, 'y', sizeof l255);
	memcpy(l255, "SSH-2.0-", 8);
	memcpy(l255 + 254, "\r\n", 2);
	CHECK_EQ_U(feed(true, l255, 256), VR_VERSION_LENGTH);
}

/* A plain packet after a valid identification line. */
static enum vrule feed_packet(uint32_t plen, uint8_t padlen, size_t total)
{
	uint8_t buf[64] = "SSH-2.0-peer\r\n";
	size_t o = 14;
	buf[o++] = (uint8_t)(plen >> 24), buf[o++] = (uint8_t)(plen >> 16);
	buf[o++] = (uint8_t)(plen >> 8), buf[o++] = (uint8_t)plen;
	buf[o++] = padlen;
	buf[o++] = 2; /* IGNORE ... */
	memset(buf + o, 0, sizeof buf - o);
	return feed(true, buf, 14 + total);
}

static void test_framing(void)
{
	/* IGNORE with an empty string: 1 + 5 + padding */
	CHECK_EQ_U(feed_packet(12, 6, 16), VR_OK);
	/* RFC 4253 6.1: longer than 35000 is the verifier's limit, not a
	 * violation; too short for 4 bytes of padding is one */
	CHECK_EQ_U(feed_packet(40000, 6, 16), VR_LIMIT);
	CHECK_EQ_U(feed_packet(35001, 6, 16), VR_LIMIT);
	CHECK_EQ_U(feed_packet(35000, 6, 16), VR_OK); /* waits for the rest */
	CHECK_EQ_U(feed_packet(4, 3, 8), VR_PACKET_LENGTH);
	CHECK_EQ_U(feed_packet(12, 3, 16), VR_PADDING);
	CHECK_EQ_U(feed_packet(13, 7, 17), VR_BLOCK);
	CHECK_EQ_U(feed_packet(12, 12, 16), VR_PADDING_LENGTH);
	CHECK_EQ_U(feed_packet(12, 11, 16), VR_PAYLOAD);
	CHECK_EQ_U(feed_packet(12, 5, 16), VR_TRAILING); /* IGNORE with a byte too many */
	/* half a packet: nothing decided yet */
	CHECK_EQ_U(feed_packet(12, 6, 10), VR_OK);
}

/* ---------------------------------------------------------- default */

static void test_default(enum case_role role)
{
	struct sshdiff_case c;
	struct observations o;

	case_default(&c, role);
	if (!run_case(&backend_verifier, &c, &o))
		return;
	bool ok = tc_all_accept(&c, &o);
	CHECK(ok);
	CHECK_STR(o.backend, "verifier");
	CHECK_STR(o.version, "sshdiff-verifier 0.1.0");
	CHECK(o.keys_checked);
	CHECK(o.keys_ok);
	CHECK_EQ_U(o.auth, OBS_AUTH_SUCCESS);
	CHECK_STR(o.kex, "curve25519-sha256");
	CHECK_STR(o.hostkey, "ssh-ed25519");
	CHECK_STR(o.cipher_cs, "chacha20-poly1305@openssh.com");
	CHECK_STR(o.mac_cs, "");
	for (unsigned i = 0; i < o.n_steps; i++)
		CHECK_STR(o.steps[i].rule, "");
	if (!ok || !o.keys_ok || o.auth != OBS_AUTH_SUCCESS)
		tc_print_obs(tc_role_name(role), &c, &o);

	/* the same verdict vector as the engine */
	struct observations own;
	if (!run_case(&backend_own, &c, &own))
		return;
	CHECK_EQ_U(own.n_steps, o.n_steps);
	for (unsigned i = 0; i < o.n_steps && i < own.n_steps; i++) {
		char a[64], b[64];
		verdict_format(&o.steps[i], a, sizeof a);
		verdict_format(&own.steps[i], b, sizeof b);
		CHECK_STR(a, b);
	}
	CHECK_EQ_U(own.auth, o.auth);
	CHECK_EQ_U(own.keys_ok, o.keys_ok);
	CHECK_STR(own.kex, o.kex);
	CHECK_STR(own.cipher_cs, o.cipher_cs);
	CHECK_STR(own.mac_sc, o.mac_sc);
}

/* ------------------------------------------------------------- matrix */

static const char *const kex_names[] = {
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

static const char *const ciphers[] = {
	"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
	"aes128-ctr", "aes192-ctr", "aes256-ctr",
};
static const char *const macs[] = {
	"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha1-etm@openssh.com",
	"hmac-sha2-256", "hmac-sha2-512", "hmac-sha1",
};

static unsigned matrix_runs;

static void run_expect_accept(const struct sshdiff_case *c, const char *label)
{
	struct observations o;

	if (!run_case(&backend_verifier, c, &o))
		return;
	matrix_runs++;
	bool ok = tc_all_accept(c, &o) && o.keys_ok && o.auth == OBS_AUTH_SUCCESS;
	CHECK(ok);
	CHECK_STR(o.kex, c->algs.kex);
	CHECK_STR(o.hostkey, c->algs.hostkey);
	if (!ok)
		tc_print_obs(label, c, &o);
}

static void test_kex_hostkey_matrix(void)
{
	for (size_t r = 0; r < COUNT(roles); r++)
		for (size_t k = 0; k < COUNT(kex_names); k++)
			for (size_t h = 0; h < COUNT(hostkey_algs); h++) {
				struct sshdiff_case c;
				char label[160];
				case_default(&c, roles[r]);
				tc_set_str(c.algs.kex, kex_names[k]);
				tc_set_str(c.algs.hostkey, hostkey_algs[h]);
				c.host_key = testkey_for_alg(span_cstr(hostkey_algs[h]));
				/* user keys of every type too, one per host key */
				c.user_key = c.host_key == CASE_KEY_ED25519_A ? CASE_KEY_ED25519_B : c.host_key;
				c.seed = 1000 + r * 100 + k * 10 + h;
				case_default_script(&c);
				snprintf(label, sizeof label, "%s %s %s", tc_role_name(roles[r]), kex_names[k],
					 hostkey_algs[h]);
				run_expect_accept(&c, label);
			}
}

static void test_cipher_mac_matrix(void)
{
	for (size_t r = 0; r < COUNT(roles); r++)
		for (size_t ci = 0; ci < COUNT(ciphers); ci++)
			for (size_t m = 0; m < COUNT(macs); m++) {
				/* AEAD ciphers ignore the MAC: one MAC is enough */
				if (ci < 3 && m > 0)
					continue;
				struct sshdiff_case c;
				char label[160];
				case_default(&c, roles[r]);
				tc_set_str(c.algs.cipher, ciphers[ci]);
				tc_set_str(c.algs.mac, macs[m]);
				c.seed = 5000 + r * 100 + ci * 10 + m;
				snprintf(label, sizeof label, "%s %s %s", tc_role_name(roles[r]), ciphers[ci], macs[m]);
				struct observations o;
				if (!run_case(&backend_verifier, &c, &o))
					continue;
				matrix_runs++;
				bool ok = tc_all_accept(&c, &o) && o.keys_ok && o.auth == OBS_AUTH_SUCCESS;
				CHECK(ok);
				CHECK_STR(o.cipher_cs, ciphers[ci]);
				CHECK_STR(o.cipher_sc, ciphers[ci]);
				CHECK_STR(o.mac_cs, ci < 3 ? "" : macs[m]);
				if (!ok)
					tc_print_obs(label, &c, &o);
			}
}

/* ----------------------------------------------------------- negative */

/* X25519 low-order point: the all-zero u-coordinate gives K = 0 (RFC 8731
 * section 3). */
static void test_x25519_zero(void)
{
	static const uint8_t zero[32];
	for (size_t r = 0; r < COUNT(roles); r++) {
		struct sshdiff_case c;
		case_default(&c, roles[r]);
		bool srv = roles[r] == CASE_IUT_SERVER;
		int at = tc_find_step(&c, STEP_SEND, srv ? CM_KEX_INIT : CM_KEX_REPLY);
		set_field(&c.steps[at], srv ? 0 : 1, zero, sizeof zero);
		expect_reject(&c, at, "RFC8731-3", "x25519 zero");
		/* and a 31-byte key */
		case_default(&c, roles[r]);
		set_field(&c.steps[at], srv ? 0 : 1, zero, 31);
		expect_reject(&c, at, "RFC8731-3-length", "x25519 length");
	}
}

static void test_kexinit_rules(void)
{
	static const uint8_t one[4] = {0, 0, 0, 1};
	for (size_t r = 0; r < COUNT(roles); r++) {
		struct sshdiff_case c;
		case_default(&c, roles[r]);
		int at = tc_find_step(&c, STEP_SEND, CM_KEXINIT);
		set_field(&c.steps[at], 12, one, sizeof one);
		expect_reject(&c, at, "RFC4253-7.1-reserved", "kexinit reserved");

		case_default(&c, roles[r]);
		set_field(&c.steps[at], 3, "", 0); /* empty cipher list */
		expect_reject(&c, at, "RFC4253-7.1-name-list", "kexinit empty list");

		case_default(&c, roles[r]);
		set_field(&c.steps[at], 5, "hmac-sha2-256,,hmac-sha1", 24); /* empty name */
		expect_reject(&c, at, "RFC4251-5-name-list", "kexinit name-list syntax");

		case_default(&c, roles[r]);
		set_field(&c.steps[at], 1, "diffie-hellman-group1-sha1", 26);
		expect_reject(&c, at, "RFC4253-7.1-kex", "no common kex");

		case_default(&c, roles[r]);
		set_field(&c.steps[at], 2, "ssh-dss", 7);
		expect_reject(&c, at, "RFC4253-7.1-hostkey", "no common host key");

		case_default(&c, roles[r]);
		set_field(&c.steps[at], 4, "3des-cbc", 8);
		expect_reject(&c, at, "RFC4253-7.1-cipher", "no common cipher");

		case_default(&c, roles[r]);
		set_field(&c.steps[at], 8, "zlib", 4);
		expect_reject(&c, at, "RFC4253-7.1-compression", "no common compression");

		/* a MAC matters only without an AEAD cipher */
		case_default(&c, roles[r]);
		tc_set_str(c.algs.cipher, "aes128-ctr");
		set_field(&c.steps[at], 6, "umac-64@openssh.com", 19);
		expect_reject(&c, at, "RFC4253-7.1-mac", "no common mac");

		case_default(&c, roles[r]);
		tc_add_mutation(&c.steps[at], MUT_TRUNCATE)->offset = 30;
		expect_reject(&c, at, "RFC4251-5", "kexinit truncated");

		/* RFC 8308 section 2.2: an ext-info indicator that ends up
		 * negotiated as the key exchange method: MUST disconnect (it is
		 * not skipped in favour of the next name).  Both sides list it
		 * first (the case's kex list configures both). */
		case_default(&c, roles[r]);
		tc_set_str(c.algs.kex, "ext-info-c,curve25519-sha256");
		expect_reject(&c, at, "RFC4253-7.1-kex", "ext-info-c agreed as kex");
		case_default(&c, roles[r]);
		tc_set_str(c.algs.kex, "kex-strict-s-v00@openssh.com,curve25519-sha256");
		expect_reject(&c, at, "RFC4253-7.1-kex", "strict-kex marker agreed as kex");
	}
	/* The same when only the client puts the server's indicator first
	 * (an incorrect indicator for its role, RFC 8308 section 2.2). */
	struct sshdiff_case c;
	case_default(&c, CASE_IUT_SERVER);
	int at = tc_find_step(&c, STEP_SEND, CM_KEXINIT);
	set_field(&c.steps[at], 1, "ext-info-s,curve25519-sha256", 28);
	expect_reject(&c, at, "RFC4253-7.1-kex", "client lists ext-info-s first");
}

/* CVE-2018-10933 pattern: the client says USERAUTH_SUCCESS (RFC 4252 5.1). */
static void test_success_from_client(void)
{
	struct sshdiff_case c;
	case_default(&c, CASE_IUT_SERVER);
	int at = tc_find_step(&c, STEP_SEND, CM_USERAUTH_PK_QUERY);
	c.steps[at].msg = CM_USERAUTH_SUCCESS;
	expect_reject(&c, at, "RFC4252-5.1", "success from client");
}

/* Terrapin pattern: IGNORE before NEWKEYS under strict kex. */
static void test_strict_kex(void)
{
	for (size_t r = 0; r < COUNT(roles); r++) {
		struct sshdiff_case c;
		case_default(&c, roles[r]);
		int at = tc_find_step(&c, STEP_SEND, CM_NEWKEYS);
		tc_insert_step(&c, at, STEP_SEND, CM_IGNORE);
		expect_reject(&c, at, "PROTOCOL-strict-kex", "ignore before newkeys, strict");
		/* without strict kex the same IGNORE is fine */
		c.strict_kex = false;
		struct observations o;
		if (run_case(&backend_verifier, &c, &o)) {
			CHECK(tc_all_accept(&c, &o));
			CHECK(o.auth == OBS_AUTH_SUCCESS);
		}
		/* under strict kex the KEXINIT must be the first packet */
		case_default(&c, roles[r]);
		at = tc_find_step(&c, STEP_SEND, CM_KEXINIT);
		tc_insert_step(&c, at, STEP_SEND, CM_IGNORE);
		expect_reject(&c, at + 1, "PROTOCOL-strict-kex-first", "ignore before kexinit, strict");
	}
	/* Without strict kex a non-KEX message inside the exchange is still a
	 * violation of RFC 4253 section 7.1. */
	struct sshdiff_case c;
	case_default(&c, CASE_IUT_SERVER);
	c.strict_kex = false;
	int at = tc_find_step(&c, STEP_SEND, CM_NEWKEYS);
	tc_insert_step(&c, at, STEP_SEND, CM_SERVICE_REQUEST);
	expect_reject(&c, at, "RFC4253-7.1-kex-only", "service request in kex");
	/* Before the peer's first KEXINIT section 7.1 does not bind it yet;
	 * the exchange begins with KEXINIT (section 7) and only section 11's
	 * messages may come "at any time": anything else is out of place,
	 * RFC4253-7, with strict kex or without (its markers are in the
	 * KEXINIT that has not come). */
	for (size_t r = 0; r < COUNT(roles); r++) {
		for (int strict = 0; strict < 2; strict++) {
			case_default(&c, roles[r]);
			c.strict_kex = strict;
			at = tc_find_step(&c, STEP_SEND, CM_KEXINIT);
			tc_insert_step(&c, at, STEP_SEND, CM_GLOBAL_REQUEST);
			expect_reject(&c, at, "RFC4253-7", "global request before kexinit");
		}
	}
}

/* RFC 8308: EXT_INFO only to a side that offered ext-info-c/-s (the
 * verifier offers iff the case's ext_info), at its places. */
static void test_ext_info(void)
{
	struct sshdiff_case c;
	struct observations o;
	case_default(&c, CASE_IUT_CLIENT);
	c.ext_info = false;
	case_default_script(&c);
	int at = tc_find_step(&c, STEP_EXPECT, CM_NEWKEYS) + 1;
	tc_insert_step(&c, at, STEP_SEND, CM_EXT_INFO);
	own_differs = true;
	expect_reject(&c, at, "RFC8308-2.2", "ext-info without ext-info-c");
	own_differs = false;

	/* before NEWKEYS (strict kex off, or strict kex would decide) */
	case_default(&c, CASE_IUT_CLIENT);
	c.strict_kex = false;
	at = tc_find_step(&c, STEP_SEND, CM_NEWKEYS);
	tc_insert_step(&c, at, STEP_SEND, CM_EXT_INFO);
	expect_reject(&c, at, "RFC8308-2.4", "ext-info before newkeys");

	/* a second one right before USERAUTH_SUCCESS is allowed ... */
	case_default(&c, CASE_IUT_CLIENT);
	at = tc_find_step(&c, STEP_SEND, CM_USERAUTH_SUCCESS);
	tc_insert_step(&c, at, STEP_SEND, CM_EXT_INFO);
	if (run_case(&backend_verifier, &c, &o)) {
		CHECK(tc_all_accept(&c, &o));
		CHECK(o.auth == OBS_AUTH_SUCCESS);
	}
	/* ... but not followed by something else */
	case_default(&c, CASE_IUT_CLIENT);
	at = tc_find_step(&c, STEP_SEND, CM_SERVICE_ACCEPT);
	tc_insert_step(&c, at, STEP_SEND, CM_EXT_INFO);
	expect_reject(&c, at, "RFC8308-2.4", "ext-info with no request waiting");

	/* from the client to a server that did not offer ext-info-s */
	case_default(&c, CASE_IUT_SERVER);
	c.ext_info = false;
	case_default_script(&c);
	at = tc_find_step(&c, STEP_SEND, CM_SERVICE_REQUEST);
	tc_insert_step(&c, at, STEP_SEND, CM_EXT_INFO);
	own_differs = true;
	expect_reject(&c, at, "RFC8308-2.2", "ext-info without ext-info-s");
	own_differs = false;
}

/* RFC 4252 section 5.4: a banner only while the authentication protocol
 * runs, from SERVICE_ACCEPT to USERAUTH_SUCCESS (own agrees on each). */
static void test_banner_window(void)
{
	struct sshdiff_case c;
	struct observations o;
	case_default(&c, CASE_IUT_CLIENT);
	int at = tc_find_step(&c, STEP_SEND, CM_SERVICE_ACCEPT);
	tc_insert_step(&c, at, STEP_SEND, CM_USERAUTH_BANNER);
	expect_reject(&c, at, "RFC4253-7", "banner before service accept");

	case_default(&c, CASE_IUT_CLIENT);
	tc_insert_step(&c, c.n_steps, STEP_SEND, CM_USERAUTH_BANNER);
	expect_reject(&c, c.n_steps - 1, "RFC4253-7", "banner after success");

	case_default(&c, CASE_IUT_CLIENT);
	at = tc_find_step(&c, STEP_SEND, CM_USERAUTH_SUCCESS);
	tc_insert_step(&c, at, STEP_SEND, CM_USERAUTH_BANNER);
	if (run_case(&backend_verifier, &c, &o)) {
		CHECK(tc_all_accept(&c, &o));
		CHECK(o.auth == OBS_AUTH_SUCCESS);
	}
}

/* RFC 4253 section 7.3: NEWKEYS only after the exchange. */
static void test_newkeys_early(void)
{
	struct sshdiff_case c;
	/* the actor-server sends NEWKEYS before its KEX reply */
	case_default(&c, CASE_IUT_CLIENT);
	int reply = tc_find_step(&c, STEP_SEND, CM_KEX_REPLY), nk = tc_find_step(&c, STEP_SEND, CM_NEWKEYS);
	c.steps[reply].msg = CM_NEWKEYS;
	c.steps[nk].msg = CM_KEX_REPLY;
	expect_reject(&c, reply, "RFC4253-7.3", "newkeys before kex reply");
	/* the actor-client sends NEWKEYS before its KEX_INIT */
	case_default(&c, CASE_IUT_SERVER);
	int init = tc_find_step(&c, STEP_SEND, CM_KEX_INIT);
	tc_insert_step(&c, init, STEP_SEND, CM_NEWKEYS);
	expect_reject(&c, init, "RFC4253-7.3", "newkeys before kex init");
}

/* RFC 4252 section 6: connection-layer messages before authentication. */
static void test_connection_before_auth(void)
{
	static const enum case_msg msgs[] = {CM_GLOBAL_REQUEST, CM_CHANNEL_OPEN};
	for (size_t i = 0; i < COUNT(msgs); i++) {
		struct sshdiff_case c;
		case_default(&c, CASE_IUT_SERVER);
		int at = tc_find_step(&c, STEP_SEND, CM_USERAUTH_PK_QUERY);
		tc_insert_step(&c, at, STEP_SEND, msgs[i]);
		expect_reject(&c, at, "RFC4252-6", "connection before auth");
	}
	/* after authentication they are refused politely, not fatal */
	struct sshdiff_case c;
	struct observations o;
	case_default(&c, CASE_IUT_SERVER);
	tc_insert_step(&c, c.n_steps, STEP_SEND, CM_GLOBAL_REQUEST);
	if (run_case(&backend_verifier, &c, &o))
		CHECK(tc_all_accept(&c, &o));
}

/* RFC 8032 section 5.1.7: S >= L (the top bit of S set: the last byte of
 * the Ed25519 signature, the last byte of the message). */
static void test_ed25519_s(void)
{
	struct sshdiff_case c;
	case_default(&c, CASE_IUT_CLIENT);
	int at = tc_find_step(&c, STEP_SEND, CM_KEX_REPLY);
	struct case_mutation *m = tc_add_mutation(&c.steps[at], MUT_FLIP);
	m->offset = 178; /* 1 + (4+51) K_S + (4+32) Q_S + (4+4+11+4+64) sig - 1 */
	m->mask = 0x80;
	expect_reject(&c, at, "RFC8032-5.1.7", "ed25519 S >= L host signature");
	/* any other bit of the signature: it does not verify */
	case_default(&c, CASE_IUT_CLIENT);
	m = tc_add_mutation(&c.steps[at], MUT_FLIP);
	m->offset = 150;
	m->mask = 0x01;
	expect_reject(&c, at, "RFC4253-8-signature", "ed25519 bad host signature");

	/* the userauth signature: a refusal (USERAUTH_FAILURE) whose reason
	 * is the rule of the EXPECT step that then fails */
	case_default(&c, CASE_IUT_SERVER);
	at = tc_find_step(&c, STEP_SEND, CM_USERAUTH_PK_SIGNED);
	m = tc_add_mutation(&c.steps[at], MUT_FLIP);
	m->offset = 200; /* 1 + 11 + 18 + 13 + 1 + 15 + 55 + 87 - 1 */
	m->mask = 0x80;
	expect_reject(&c, at + 1, "RFC8032-5.1.7", "ed25519 S >= L userauth signature");
	case_default(&c, CASE_IUT_SERVER);
	m = tc_add_mutation(&c.steps[at], MUT_FLIP);
	m->offset = 180;
	m->mask = 0x04;
	expect_reject(&c, at + 1, "RFC4252-7", "bad userauth signature");
}

/* Big-endian bytes of p - 1 (p odd: only the last byte changes). */
static size_t dh_value(int which, uint8_t *out)
{
	const struct kex_dh_group *g = kex_dh_group_by_id(14);
	switch (which) {
	case 0:
		return 0; /* mpint 0: the empty string */
	case 1:
		out[0] = 1;
		return 1;
	default:
		/* mpint content: 0x00 in front of the set top bit */
		out[0] = 0;
		memcpy(out + 1, g->p.p, g->p.len);
		if (which == 2)
			out[g->p.len] -= 1;
		return g->p.len + 1;
	}
}

/* RFC 4253 section 8: 1 < e, f < p-1. */
static void test_dh_range(void)
{
	uint8_t v[300];
	for (size_t r = 0; r < COUNT(roles); r++)
		for (int which = 0; which < 4; which++) {
			struct sshdiff_case c;
			char label[64];
			case_default(&c, roles[r]);
			tc_set_str(c.algs.kex, "diffie-hellman-group14-sha256");
			case_default_script(&c);
			bool srv = roles[r] == CASE_IUT_SERVER;
			int at = tc_find_step(&c, STEP_SEND, srv ? CM_KEX_INIT : CM_KEX_REPLY);
			size_t n = dh_value(which, v);
			set_field(&c.steps[at], srv ? 0 : 1, v, n);
			snprintf(label, sizeof label, "dh value %s %d", tc_role_name(roles[r]), which);
			expect_reject(&c, at, "RFC4253-8", label);
		}
	/* a non-canonical mpint (a needless leading zero) */
	struct sshdiff_case c;
	case_default(&c, CASE_IUT_CLIENT);
	tc_set_str(c.algs.kex, "diffie-hellman-group14-sha256");
	case_default_script(&c);
	int at = tc_find_step(&c, STEP_SEND, CM_KEX_REPLY);
	set_field(&c.steps[at], 1, "\x00\x05", 2);
	expect_reject(&c, at, "RFC4251-5-mpint", "dh mpint leading zero");
	case_default(&c, CASE_IUT_CLIENT);
	tc_set_str(c.algs.kex, "diffie-hellman-group14-sha256");
	case_default_script(&c);
	set_field(&c.steps[at], 1, "\x85", 1);
	expect_reject(&c, at, "RFC4251-5-mpint-sign", "dh mpint negative");
}

/* RFC 5656 section 4: a point off the curve, a compressed point. */
static void test_ecdh_point(void)
{
	for (size_t r = 0; r < COUNT(roles); r++) {
		struct sshdiff_case c;
		case_default(&c, roles[r]);
		tc_set_str(c.algs.kex, "ecdh-sha2-nistp256");
		case_default_script(&c);
		bool srv = roles[r] == CASE_IUT_SERVER;
		int at = tc_find_step(&c, STEP_SEND, srv ? CM_KEX_INIT : CM_KEX_REPLY);
		uint8_t q[65];
		memset(q, 0x11, sizeof q);
		q[0] = 0x04;
		set_field(&c.steps[at], srv ? 0 : 1, q, sizeof q);
		expect_reject(&c, at, "RFC5656-4", "ecdh point off the curve");
		case_default(&c, roles[r]);
		tc_set_str(c.algs.kex, "ecdh-sha2-nistp256");
		case_default_script(&c);
		q[0] = 0x02;
		set_field(&c.steps[at], srv ? 0 : 1, q, 33);
		expect_reject(&c, at, "RFC5656-4", "ecdh compressed point");
	}
}

/* RFC 4419 section 3: the request's bounds, the group's size. */
static void test_gex(void)
{
	struct sshdiff_case c;
	static const uint8_t big[4] = {0, 0, 0x20, 0}; /* 8192 */
	case_default(&c, CASE_IUT_SERVER);
	tc_set_str(c.algs.kex, "diffie-hellman-group-exchange-sha256");
	case_default_script(&c);
	int at = tc_find_step(&c, STEP_SEND, CM_GEX_REQUEST);
	set_field(&c.steps[at], 0, big, 4); /* min 8192 > n 3072 */
	expect_reject(&c, at, "RFC4419-3-request", "gex min > n");

	/* a 1024-bit group for a request of at least 2048 bits */
	case_default(&c, CASE_IUT_CLIENT);
	tc_set_str(c.algs.kex, "diffie-hellman-group-exchange-sha256");
	case_default_script(&c);
	at = tc_find_step(&c, STEP_SEND, CM_GEX_GROUP);
	const struct kex_dh_group *g14 = kex_dh_group_by_id(14);
	uint8_t p[129];
	p[0] = 0;
	memcpy(p + 1, g14->p.p, 128); /* the top 1024 bits, made odd */
	p[128] |= 1;
	set_field(&c.steps[at], 0, p, sizeof p);
	expect_reject(&c, at, "RFC4419-3", "gex group too small");
	/* g = 1 */
	case_default(&c, CASE_IUT_CLIENT);
	tc_set_str(c.algs.kex, "diffie-hellman-group-exchange-sha256");
	case_default_script(&c);
	set_field(&c.steps[at], 1, "\x01", 1);
	expect_reject(&c, at, "RFC4419-3", "gex g = 1");
}

/* Host key and its signature (RFC 4253 section 6.6, RFC 8332 section 3). */
static void test_host_signature(void)
{
	struct sshdiff_case c;
	/* PuTTY-CAC pattern: rsa-sha2-256 made with SHA-1 */
	case_default(&c, CASE_IUT_CLIENT);
	tc_set_str(c.algs.hostkey, "rsa-sha2-256");
	c.host_key = CASE_KEY_RSA_3072;
	case_default_script(&c);
	int at = tc_find_step(&c, STEP_SEND, CM_KEX_REPLY);
	tc_add_mutation(&c.steps[at], MUT_SIG_HASH)->value = SIG_HASH_SHA1;
	expect_reject(&c, at, "RFC8332-3", "rsa-sha2-256 signed with sha1");
	/* ssh-rsa signed with SHA-256: no RFC 8332 name, just a bad signature */
	case_default(&c, CASE_IUT_CLIENT);
	tc_set_str(c.algs.hostkey, "ssh-rsa");
	c.host_key = CASE_KEY_RSA_3072;
	case_default_script(&c);
	tc_add_mutation(&c.steps[at], MUT_SIG_HASH)->value = SIG_HASH_SHA256;
	expect_reject(&c, at, "RFC4253-8-signature", "ssh-rsa signed with sha256");

	/* a host key of another type than negotiated */
	struct sigkey *k = NULL;
	struct sbuf blob = SBUF_INIT;
	CHECK_OK(testkey_load(CASE_KEY_ECDSA_P256, &k));
	CHECK_OK(sigkey_to_blob(k, &blob));
	case_default(&c, CASE_IUT_CLIENT);
	set_field(&c.steps[at], 0, blob.data, blob.len);
	expect_reject(&c, at, "RFC4253-6.6-key-type", "host key type");
	sbuf_free(&blob);
	sigkey_free(k);

	/* a malformed blob of the right type: a 31-byte Ed25519 key */
	static const uint8_t short_key[] = {0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9',
					    0, 0, 0, 31, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
	case_default(&c, CASE_IUT_CLIENT);
	set_field(&c.steps[at], 0, short_key, sizeof short_key);
	expect_reject(&c, at, "RFC4253-6.6", "host key blob");

	/* a message of the exchange the server does not expect from a client */
	case_default(&c, CASE_IUT_SERVER);
	int init = tc_find_step(&c, STEP_SEND, CM_KEX_INIT);
	c.steps[init].msg = CM_KEX_REPLY;
	expect_reject(&c, init, "RFC4253-7", "kex reply from the client");

	/* a signature blob named otherwise */
	static const uint8_t sig[] = {0, 0, 0, 12, 'r', 's', 'a', '-', 's', 'h', 'a', '2', '-', '2', '5', '6',
				      0, 0, 0, 1, 0};
	case_default(&c, CASE_IUT_CLIENT);
	set_field(&c.steps[at], 2, sig, sizeof sig);
	expect_reject(&c, at, "RFC4253-6.6-sig-name", "signature name");
}

/* RFC 4253 section 7.2 keys / section 6.4 MAC: the actor derives its keys
 * with another hash (paramiko #356), or skews its sequence number.  Where
 * packet_length is in clear (EtM, GCM) the MAC or tag is checked and fails:
 * RFC4253-6.4.  Where it is decrypted before it can be authenticated
 * (chacha20-poly1305, classic CTR + MAC) it comes out as garbage, with
 * these keys over 35000, and the packet is refused before its MAC could be
 * read: the verifier's limit (impl-limit, RFC 4253 section 6.1), as OpenSSH
 * ("Bad packet length") and libssh ("Packet len too high") report it. */
static void test_keys_and_mac(void)
{
	for (size_t r = 0; r < COUNT(roles); r++) {
		struct sshdiff_case c;
		case_default(&c, roles[r]);
		bool srv = roles[r] == CASE_IUT_SERVER;
		int at = tc_find_step(&c, STEP_SEND, CM_NEWKEYS);
		tc_add_mutation(&c.steps[at], MUT_KDF_HASH)->value = 0; /* sha1 for curve25519-sha256 */
		int next = tc_find_step(&c, STEP_SEND, srv ? CM_SERVICE_REQUEST : CM_EXT_INFO);
		expect_reject(&c, next, "impl-limit", "kdf with sha1");

		case_default(&c, roles[r]);
		next = tc_find_step(&c, STEP_SEND, srv ? CM_SERVICE_REQUEST : CM_EXT_INFO);
		tc_insert_step(&c, next, STEP_SEQ_SKEW, CM_KEXINIT)->value = 1;
		expect_reject(&c, next + 1, "impl-limit", "sequence number skew");

		/* every framing: classic, EtM, GCM */
		static const char *const cm[][3] = {
			{"aes128-ctr", "hmac-sha2-256", "impl-limit"},
			{"aes256-ctr", "hmac-sha2-512-etm@openssh.com", "RFC4253-6.4"},
			{"aes256-gcm@openssh.com", "hmac-sha2-256", "RFC4253-6.4"},
			{"aes192-ctr", "hmac-sha1", "impl-limit"},
		};
		for (size_t i = 0; i < COUNT(cm); i++) {
			char label[128];
			snprintf(label, sizeof label, "kdf with sha512, %s %s", cm[i][0], cm[i][1]);
			case_default(&c, roles[r]);
			tc_set_str(c.algs.cipher, cm[i][0]);
			tc_set_str(c.algs.mac, cm[i][1]);
			tc_add_mutation(&c.steps[at], MUT_KDF_HASH)->value = 3;
			expect_reject(&c, next, cm[i][2], label);
		}
	}
}

/* Services and user authentication (RFC 4253 section 10, RFC 4252). */
static void test_userauth_rules(void)
{
	struct sshdiff_case c;
	case_default(&c, CASE_IUT_SERVER);
	int at = tc_find_step(&c, STEP_SEND, CM_SERVICE_REQUEST);
	set_field(&c.steps[at], 0, "ssh-foo", 7);
	expect_reject(&c, at, "RFC4253-10", "unknown service");

	case_default(&c, CASE_IUT_SERVER);
	c.steps[at].msg = CM_USERAUTH_PK_QUERY;
	expect_reject(&c, at, "RFC4253-10", "userauth without service");

	case_default(&c, CASE_IUT_SERVER);
	at = tc_find_step(&c, STEP_SEND, CM_USERAUTH_PK_QUERY);
	c.steps[at].msg = CM_USERAUTH_PK_OK;
	expect_reject(&c, at, "RFC4252-5", "PK_OK from the client");

	case_default(&c, CASE_IUT_CLIENT);
	at = tc_find_step(&c, STEP_SEND, CM_SERVICE_ACCEPT);
	c.steps[at].msg = CM_SERVICE_REQUEST;
	expect_reject(&c, at, "RFC4252-5", "SERVICE_REQUEST from the server");

	/* PK_OK that does not echo the query */
	case_default(&c, CASE_IUT_CLIENT);
	at = tc_find_step(&c, STEP_SEND, CM_USERAUTH_SUCCESS);
	c.steps[at].msg = CM_USERAUTH_PK_OK;
	set_field(&c.steps[at], 0, "ssh-rsa", 7);
	expect_reject(&c, at, "RFC4252-7-pk-ok", "PK_OK echo");

	/* PuTTY-CAC pattern in userauth: rsa-sha2-512 signed with SHA-1 */
	case_default(&c, CASE_IUT_SERVER);
	c.user_key = CASE_KEY_RSA_3072;
	at = tc_find_step(&c, STEP_SEND, CM_USERAUTH_PK_SIGNED);
	tc_add_mutation(&c.steps[at], MUT_SIG_HASH)->value = SIG_HASH_SHA1;
	expect_reject(&c, at + 1, "RFC8332-3", "userauth rsa-sha2-512 signed with sha1");

	/* the algorithm does not name the blob's type: a refusal */
	case_default(&c, CASE_IUT_SERVER);
	at = tc_find_step(&c, STEP_SEND, CM_USERAUTH_PK_QUERY);
	set_field(&c.steps[at], 4, "ecdsa-sha2-nistp256", 19);
	expect_reject(&c, at + 1, "RFC4252-7-alg", "userauth alg vs blob");

	/* password authentication of the verifier server */
	case_default(&c, CASE_IUT_SERVER);
	at = tc_find_step(&c, STEP_SEND, CM_USERAUTH_PK_QUERY);
	c.steps[at].msg = CM_USERAUTH_PASSWORD;
	c.steps[at + 1].msg = CM_USERAUTH_SUCCESS;
	c.n_steps = (uint8_t)(at + 2);
	struct observations po;
	if (run_case(&backend_verifier, &c, &po))
		CHECK(tc_all_accept(&c, &po) && po.auth == OBS_AUTH_SUCCESS);
	set_field(&c.steps[at], 4, "wrong", 5);
	expect_reject(&c, at + 1, "RFC4252-5.1-failure", "wrong password");

	/* the actor's DISCONNECT ends the connection: no rejection, no rule */
	case_default(&c, CASE_IUT_SERVER);
	at = tc_find_step(&c, STEP_SEND, CM_USERAUTH_PK_QUERY);
	c.steps[at].msg = CM_DISCONNECT;
	c.n_steps = (uint8_t)(at + 1);
	if (run_case(&backend_verifier, &c, &po)) {
		CHECK(tc_all_accept(&c, &po));
		CHECK_STR(po.steps[at].rule, "");
	}

	/* password after a refused publickey (the verifier client) */
	struct observations o;
	case_default(&c, CASE_IUT_CLIENT);
	at = tc_find_step(&c, STEP_SEND, CM_USERAUTH_SUCCESS);
	c.steps[at].msg = CM_USERAUTH_FAILURE;
	tc_insert_step(&c, at + 1, STEP_EXPECT, CM_USERAUTH_PASSWORD);
	tc_insert_step(&c, at + 2, STEP_SEND, CM_USERAUTH_SUCCESS);
	if (run_case(&backend_verifier, &c, &o)) {
		bool ok = tc_all_accept(&c, &o) && o.auth == OBS_AUTH_SUCCESS;
		CHECK(ok);
		if (!ok)
			tc_print_obs("password after failure", &c, &o);
	}
}

/* RFC 4253 section 7.1 first_kex_packet_follows. */
static void test_guess(void)
{
	struct sshdiff_case c;
	struct observations o;
	/* a right guess: both prefer the same methods, the packet counts */
	case_default(&c, CASE_IUT_SERVER);
	int at = tc_find_step(&c, STEP_SEND, CM_KEXINIT);
	tc_add_mutation(&c.steps[at], MUT_GUESS)->value = 1;
	if (run_case(&backend_verifier, &c, &o))
		CHECK(tc_all_accept(&c, &o) && o.auth == OBS_AUTH_SUCCESS);
	/* a wrong guess (the client prefers ECDH, the server X25519): the
	 * guessed packet is ignored, the next one counts */
	case_default(&c, CASE_IUT_SERVER);
	tc_set_str(c.algs.kex, "curve25519-sha256,ecdh-sha2-nistp256");
	set_field(&c.steps[at], 1, "ecdh-sha2-nistp256,curve25519-sha256", 36);
	tc_add_mutation(&c.steps[at], MUT_GUESS)->value = 1;
	int init = tc_find_step(&c, STEP_SEND, CM_KEX_INIT);
	tc_insert_step(&c, init, STEP_SEND, CM_KEX_INIT);
	if (run_case(&backend_verifier, &c, &o)) {
		bool ok = tc_all_accept(&c, &o) && o.auth == OBS_AUTH_SUCCESS;
		CHECK(ok);
		CHECK_STR(o.kex, "ecdh-sha2-nistp256");
		if (!ok)
			tc_print_obs("wrong guess", &c, &o);
	}
	/* a second KEXINIT in the same round */
	case_default(&c, CASE_IUT_SERVER);
	tc_insert_step(&c, at + 1, STEP_SEND, CM_KEXINIT);
	expect_reject(&c, at + 1, "RFC4253-7.1-kex-only", "second kexinit");
}

/* A key re-exchange the actor starts after authentication (RFC 4253
 * section 9): the session id stays, new keys both ways. */
static void test_rekey(void)
{
	for (size_t r = 0; r < COUNT(roles); r++) {
		struct sshdiff_case c;
		struct observations o;
		case_default(&c, roles[r]);
		bool srv = roles[r] == CASE_IUT_SERVER;
		tc_insert_step(&c, c.n_steps, STEP_SEND, CM_KEXINIT);
		tc_insert_step(&c, c.n_steps, STEP_EXPECT, CM_KEXINIT);
		tc_insert_step(&c, c.n_steps, srv ? STEP_SEND : STEP_EXPECT, CM_KEX_INIT);
		if (srv) {
			tc_insert_step(&c, c.n_steps, STEP_EXPECT, CM_KEX_REPLY);
			tc_insert_step(&c, c.n_steps, STEP_SEND, CM_NEWKEYS);
		} else {
			tc_insert_step(&c, c.n_steps, STEP_SEND, CM_KEX_REPLY);
			tc_insert_step(&c, c.n_steps, STEP_SEND, CM_NEWKEYS);
		}
		tc_insert_step(&c, c.n_steps, STEP_EXPECT, CM_NEWKEYS);
		tc_insert_step(&c, c.n_steps, STEP_SEND, CM_IGNORE); /* under the new keys */
		if (!run_case(&backend_verifier, &c, &o))
			continue;
		bool ok = tc_all_accept(&c, &o) && o.keys_ok;
		CHECK(ok);
		if (!ok)
			tc_print_obs("rekey", &c, &o);
	}
}

/* Agreed on an algorithm the verifier does not model: unsupported, never
 * a verdict. */
static void test_unsupported(void)
{
	struct sshdiff_case c;
	struct observations o;
	case_default(&c, CASE_IUT_SERVER);
	tc_set_str(c.algs.cipher, "aes128-cbc,chacha20-poly1305@openssh.com");
	if (run_case(&backend_verifier, &c, &o)) {
		CHECK_EQ_U(o.n_steps, c.n_steps);
		for (unsigned i = 0; i < o.n_steps; i++)
			CHECK_EQ_U(o.steps[i].verdict, VERDICT_UNSUPPORTED);
		CHECK_STR(o.outcome, "unsupported: verifier: cipher aes128-cbc");
	}
	/* The engine, made to offer the same name it lacks, likewise cannot
	 * run the case (negotiate.h: impl-unsupported), for every category. */
	static const struct {
		const char *kex, *cipher, *mac;
	} lacks[] = {
		{"umac-64@openssh.com,curve25519-sha256", NULL, NULL},
		{NULL, "aes128-cbc,chacha20-poly1305@openssh.com", NULL},
		{NULL, "aes128-ctr", "umac-64@openssh.com,hmac-sha2-256"},
	};
	for (size_t r = 0; r < COUNT(roles); r++)
		for (size_t i = 0; i < COUNT(lacks); i++) {
			case_default(&c, roles[r]);
			if (lacks[i].kex)
				tc_set_str(c.algs.kex, lacks[i].kex);
			if (lacks[i].cipher)
				tc_set_str(c.algs.cipher, lacks[i].cipher);
			if (lacks[i].mac)
				tc_set_str(c.algs.mac, lacks[i].mac);
			if (!run_case(&backend_own, &c, &o))
				continue;
			CHECK(o.steps[0].verdict == VERDICT_UNSUPPORTED);
			CHECK(strncmp(o.outcome, "unsupported: engine: ", 21) == 0);
			if (o.steps[0].verdict != VERDICT_UNSUPPORTED)
				tc_print_obs("own, agreed on a name it lacks", &c, &o);
		}
	/* ... and an unknown name nobody agrees on is only a name */
	case_default(&c, CASE_IUT_SERVER);
	tc_set_str(c.algs.kex, "curve25519-sha256,umac-64@openssh.com");
	if (run_case(&backend_own, &c, &o))
		CHECK(tc_all_accept(&c, &o));
	/* a configuration no valid KEXINIT can be made of */
	case_default(&c, CASE_IUT_CLIENT);
	tc_set_str(c.algs.mac, "");
	if (run_case(&backend_verifier, &c, &o)) {
		CHECK_EQ_U(o.steps[0].verdict, VERDICT_UNSUPPORTED);
		CHECK_STR(o.outcome, "unsupported: verifier: mac list ");
	}
	/* a host key algorithm the host key cannot serve */
	case_default(&c, CASE_IUT_SERVER);
	tc_set_str(c.algs.hostkey, "rsa-sha2-256");
	if (run_case(&backend_verifier, &c, &o)) {
		CHECK_EQ_U(o.steps[0].verdict, VERDICT_UNSUPPORTED);
		CHECK(strncmp(o.outcome, "unsupported: verifier: no host key algorithm", 44) == 0);
	}
}

int main(void)
{
	test_rules_in_doc();
	test_wire_examples();
	test_kdf_against_openssl();
	test_signatures();
	test_against_engine();
	test_version_lines();
	test_framing();
	test_untrusted_host();
	test_determinism();
	for (size_t r = 0; r < COUNT(roles); r++)
		test_default(roles[r]);
	test_kex_hostkey_matrix();
	test_cipher_mac_matrix();
	fprintf(stderr, "matrix: %u runs\n", matrix_runs);
	test_x25519_zero();
	test_kexinit_rules();
	test_success_from_client();
	test_strict_kex();
	test_ext_info();
	test_newkeys_early();
	test_connection_before_auth();
	test_ed25519_s();
	test_dh_range();
	test_ecdh_point();
	test_gex();
	test_host_signature();
	test_keys_and_mac();
	test_userauth_rules();
	test_banner_window();
	test_guess();
	test_rekey();
	test_unsupported();
	fprintf(stderr, "negative: %u runs, %u compared with own\n", negative_runs, own_runs);
	return check_finish();
}

/*
 * interop_own KEX — the engine's client against the engine's server, in
 * memory, for one key exchange method over every host key algorithm and
 * every cipher/MAC combination (each AEAD cipher alone, each CTR cipher with
 * each MAC).  Every connection authenticates with publickey (an Ed25519
 * user key) and then password (the server requires both).  Checks that both
 * sides authenticated, negotiated exactly what was configured and derived the
 * same keys and session id.  One line per combination, then a summary.
 */
#include <stdio.h>
#include <string.h>

#include "proto/crypto/cipher.h"
#include "proto/crypto/mac.h"
#include "proto/machine.h"

static const char *const hostkey_algs[] = {
	"ssh-ed25519",	  "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"rsa-sha2-256", "rsa-sha2-512",	       "ssh-rsa",
};
#define N_HOSTKEY_ALGS (sizeof hostkey_algs / sizeof hostkey_algs[0])

static struct sigkey *host_keys[5], *user_key;
static unsigned passed, failed;

struct combo {
	const char *kex, *hostkey, *cipher, *mac; /* mac NULL for AEAD */
};

static void run_pair(struct machine *c, struct machine *s)
{
	for (int i = 0; i < 1000; i++) {
		struct span out = machine_output(c);
		size_t n = out.len;
		if (n) {
			machine_input(s, out.p, out.len);
			machine_output_consume(c, n);
		}
		out = machine_output(s);
		size_t k = out.len;
		if (k) {
			machine_input(c, out.p, out.len);
			machine_output_consume(s, k);
		}
		if (!n && !k)
			break;
	}
}

/* NULL when everything holds, else what did not. */
static const char *verify(const struct combo *x, struct machine *c, struct machine *s)
{
	static char why[256];
	const struct machine_result *rc = machine_result(c), *rs = machine_result(s);
	const struct machine_result *both[2] = {rc, rs};
	const char *mac = x->mac ? x->mac : "";

	if (rc->error != SD_OK || rs->error != SD_OK) {
		snprintf(why, sizeof why, "client %s, server %s", sd_err_name(rc->error), sd_err_name(rs->error));
		return why;
	}
	if (rc->auth != AUTH_SUCCESS || rs->auth != AUTH_SUCCESS)
		return "authentication did not succeed on both sides";
	if (strcmp(rs->auth_method, "password") != 0)
		return "publickey then password expected";
	for (int i = 0; i < 2; i++) {
		const struct machine_result *r = both[i];
		if (strcmp(r->kex, x->kex) || strcmp(r->hostkey, x->hostkey) || strcmp(r->cipher_cs, x->cipher) ||
		    strcmp(r->cipher_sc, x->cipher) || strcmp(r->mac_cs, mac) || strcmp(r->mac_sc, mac)) {
			snprintf(why, sizeof why, "%s negotiated %s %s %s %s", i ? "server" : "client", r->kex,
				 r->hostkey, r->cipher_cs, r->mac_cs);
			return why;
		}
	}
	if (memcmp(&rc->keys, &rs->keys, sizeof rc->keys) != 0)
		return "derived keys differ";
	if (rc->session_id_len == 0 || rc->session_id_len != rs->session_id_len ||
	    memcmp(rc->session_id, rs->session_id, rc->session_id_len) != 0)
		return "session ids differ";
	if (rc->keys.key_len_cs != cipher_alg_by_name(span_cstr(x->cipher))->key_len)
		return "key length is not the cipher's";
	return NULL;
}

static void run_combo(const struct combo *x, unsigned index)
{
	struct rng_seeded rc, rs;
	struct machine_config cc, sc;
	struct machine *c = NULL, *s = NULL;
	struct sigkey *identities[1] = {user_key};
	char seed[32];
	const char *why = NULL;

	snprintf(seed, sizeof seed, "client %u", index);
	rng_seeded_init(&rc, seed, strlen(seed));
	snprintf(seed, sizeof seed, "server %u", index);
	rng_seeded_init(&rs, seed, strlen(seed));

	memset(&cc, 0, sizeof cc);
	cc.role = MACHINE_CLIENT;
	cc.rng = &rc.base;
	cc.algs.kex = x->kex;
	cc.algs.hostkey = x->hostkey;
	cc.algs.cipher_cs = cc.algs.cipher_sc = x->cipher;
	cc.algs.mac_cs = cc.algs.mac_sc = x->mac;
	cc.user = "tester";
	cc.password = "correct horse";
	cc.identities = identities;
	cc.n_identities = 1;
	cc.auth_order = "publickey,password";

	sc = cc;
	sc.role = MACHINE_SERVER;
	sc.rng = &rs.base;
	sc.user = NULL;
	sc.password = NULL;
	sc.identities = NULL;
	sc.n_identities = 0;
	sc.auth_order = NULL;
	sc.host_keys = host_keys;
	sc.n_host_keys = 5;
	sc.auth_user = "tester";
	sc.auth_password = "correct horse";
	sc.authorized_keys = identities;
	sc.n_authorized_keys = 1;
	sc.auth_required = "publickey,password";

	if (machine_new(&cc, &c) != SD_OK || machine_new(&sc, &s) != SD_OK)
		why = "machine_new failed";
	else {
		run_pair(c, s);
		why = verify(x, c, s);
	}
	if (why) {
		failed++;
		printf("FAIL %s %s %s %s: %s\n", x->kex, x->hostkey, x->cipher, x->mac ? x->mac : "-", why);
	} else {
		passed++;
		printf("ok %s %s %s %s\n", x->kex, x->hostkey, x->cipher, x->mac ? x->mac : "-");
	}
	fflush(stdout);
	machine_free(c);
	machine_free(s);
}

int main(int argc, char **argv)
{
	static const enum sigkey_type types[5] = {SIGKEY_ED25519, SIGKEY_ECDSA_P256, SIGKEY_ECDSA_P384,
						  SIGKEY_ECDSA_P521, SIGKEY_RSA};
	unsigned index = 0;

	if (argc != 2 || !kex_method_by_name(span_cstr(argv[1]))) {
		fprintf(stderr, "usage: interop_own KEX-METHOD (one of %s)\n", kex_default_list());
		return 2;
	}
	for (int i = 0; i < 5; i++) {
		if (sigkey_generate(types[i], 2048, &host_keys[i]) != SD_OK) {
			fprintf(stderr, "key generation failed\n");
			return 1;
		}
	}
	if (sigkey_generate(SIGKEY_ED25519, 0, &user_key) != SD_OK)
		return 1;

	for (size_t h = 0; h < N_HOSTKEY_ALGS; h++) {
		for (size_t ci = 0; ci < cipher_algs_count; ci++) {
			const struct cipher_alg *ca = &cipher_algs[ci];
			if (ca->mode == CIPHER_NONE)
				continue;
			if (ca->tag_len) {
				struct combo x = {argv[1], hostkey_algs[h], ca->name, NULL};
				run_combo(&x, index++);
				continue;
			}
			for (size_t mi = 0; mi < mac_algs_count; mi++) {
				struct combo x = {argv[1], hostkey_algs[h], ca->name, mac_algs[mi].name};
				run_combo(&x, index++);
			}
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	for (int i = 0; i < 5; i++)
		sigkey_free(host_keys[i]);
	sigkey_free(user_key);
	return failed ? 1 : 0;
}

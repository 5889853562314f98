/*
 * gen_diff_seeds.c — the seed corpus of fuzz_differential: binary fuzz
 * bodies (case_encode) of a representative subset of corpus/scenarios.
 *
 * Usage: gen_diff_seeds SCENARIO_DIR OUTDIR
 * writes OUTDIR/fuzz_differential_seeds/<sha256 of the body>, and removes
 * seeds of an earlier run that are no longer selected.  Deterministic: the
 * scenarios are read in name order and the choice depends only on them.
 *
 * The subset, per IUT role (both):
 *   - every key exchange method, with ssh-ed25519, chacha20-poly1305 and
 *     publickey authentication;
 *   - every host key algorithm, with curve25519-sha256 and chacha20-poly1305;
 *   - a few ciphers/MACs (one of each mode: AEAD chacha and GCM, CTR with
 *     an encrypt-and-MAC and with an EtM MAC), with curve25519-sha256 and
 *     ssh-ed25519;
 *   - password authentication, with the same fast algorithms.
 * 2 x (11 + 6 + 3 + 1) = 42 seeds.
 *
 * The same selection gives fuzz_machine_input its seeds
 * (OUTDIR/fuzz_machine_input_seeds/<sha256 of the seed>): the role byte that
 * target reads first (odd: the engine is the server) and the cleartext
 * KEXINIT packet the case's actor would open with (RFC 4253 sections 6 and
 * 7.1), so the fuzzer starts inside the key exchange.  Fast ones are preferred: apart from the
 * methods themselves, X25519 + Ed25519 is the cheapest handshake (about 1 ms
 * on own + libssh + verifier); the 8192-bit group18 and group exchange (a
 * libssh server answers max 8192 with its 8192-bit group) seeds cost about
 * 0.3 s each and are there once per role only because every method must be.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "oracle/case.h"
#include "oracle/fsutil.h"
#include "proto/msg.h"
#include "proto/packet.h"
#include "proto/rng.h"
#include "proto/wire.h"

#define SEEDS_SUBDIR "fuzz_differential_seeds"
#define MACHINE_SUBDIR "fuzz_machine_input_seeds"
#define MAX_SEEDS 256

static const char fast_kex[] = "curve25519-sha256";
static const char fast_hostkey[] = "ssh-ed25519";
static const char fast_cipher[] = "chacha20-poly1305@openssh.com";
static const char aead_mac[] = "hmac-sha2-256"; /* what the corpus writes for AEAD ciphers */

/* cipher, mac */
static const char *const few_ciphers[][2] = {
	{"aes128-gcm@openssh.com", "hmac-sha2-256"},
	{"aes128-ctr", "hmac-sha2-256"},
	{"aes256-ctr", "hmac-sha1-etm@openssh.com"},
};

/* The publickey scripts are the default ones; the password variants use
 * USERAUTH_PASSWORD (IUT server) or answer with USERAUTH_FAILURE (IUT
 * client), corpus/README.md. */
static bool is_password(const struct sshdiff_case *c)
{
	for (unsigned i = 0; i < c->n_steps; i++)
		if (c->steps[i].kind == STEP_SEND &&
		    (c->steps[i].msg == CM_USERAUTH_PASSWORD || c->steps[i].msg == CM_USERAUTH_FAILURE))
			return true;
	return false;
}

/* The selection key of a scenario ("" if it is not wanted). */
static void selection_key(const struct sshdiff_case *c, char *key, size_t n)
{
	const char *role = c->iut_role == CASE_IUT_SERVER ? "server" : "client";
	bool kex = strcmp(c->algs.kex, fast_kex) == 0;
	bool hk = strcmp(c->algs.hostkey, fast_hostkey) == 0;
	bool cipher = strcmp(c->algs.cipher, fast_cipher) == 0 && strcmp(c->algs.mac, aead_mac) == 0;
	bool pw = is_password(c);

	key[0] = '\0';
	if (pw) {
		if (kex && hk && cipher)
			snprintf(key, n, "%s password", role);
		return;
	}
	if (hk && cipher)
		snprintf(key, n, "%s kex %s", role, c->algs.kex);
	else if (kex && cipher)
		snprintf(key, n, "%s hostkey %s", role, c->algs.hostkey);
	else if (kex && hk)
		for (size_t i = 0; i < sizeof few_ciphers / sizeof few_ciphers[0]; i++)
			if (!strcmp(c->algs.cipher, few_ciphers[i][0]) && !strcmp(c->algs.mac, few_ciphers[i][1]))
				snprintf(key, n, "%s cipher %s %s", role, c->algs.cipher, c->algs.mac);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The scenario file names of dir, sorted; NULL on error (message printed). */
static char **list_cases(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d) {
		fprintf(stderr, "gen_diff_seeds: %s: %s\n", dir, strerror(errno));
		return NULL;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".case") != 0)
			continue;
		if (*n == cap) {
			char **w = realloc(v, (cap = cap ? cap * 2 : 1024) * sizeof *v);
			if (!w)
				break;
			v = w;
		}
		if (!(v[*n] = strdup(e->d_name)))
			break;
		(*n)++;
	}
	closedir(d);
	qsort(v, *n, sizeof *v, by_name);
	return v;
}

static bool is_seed_name(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* Removes seed files of earlier runs that were not written now. */
static void remove_stale(const char *dir, char (*names)[65], size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	if (!d)
		return;
	while ((e = readdir(d))) {
		bool keep = false;
		if (!is_seed_name(e->d_name))
			continue;
		for (size_t i = 0; i < n && !keep; i++)
			keep = strcmp(names[i], e->d_name) == 0;
		if (!keep && snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
			unlink(path);
	}
	closedir(d);
}

/* fuzz_machine_input's seed for c: role byte + KEXINIT packet; name =
 * SHA-256 hex of it. */
static sd_err machine_seed(const struct sshdiff_case *c, struct sbuf *out, char name[65])
{
	const char *lists[KEXINIT_NLISTS] = {c->algs.kex, c->algs.hostkey, c->algs.cipher, c->algs.cipher,
					     c->algs.mac, c->algs.mac, "none", "none", "", ""};
	struct msg_kexinit k = {.reserved = 0};
	struct sbuf payload = SBUF_INIT;
	struct packet_dir dir;
	struct rng_seeded rng;
	uint8_t md[32];
	unsigned md_len = 0;
	sd_err e;

	for (unsigned i = 0; i < KEXINIT_NLISTS; i++)
		k.lists[i] = (struct span){(const uint8_t *)lists[i], strlen(lists[i])};
	rng_seeded_init(&rng, &c->seed, sizeof c->seed);
	rng_fill(&rng.base, k.cookie, sizeof k.cookie);
	packet_dir_init(&dir);
	e = sbuf_put_u8(out, c->iut_role == CASE_IUT_SERVER ? 1 : 0);
	if (e == SD_OK)
		e = msg_kexinit_put(&payload, &k);
	if (e == SD_OK)
		e = packet_seal(&dir, &rng.base, sbuf_span(&payload), out);
	packet_dir_free(&dir);
	sbuf_free(&payload);
	if (e == SD_OK && EVP_Digest(out->data, out->len, md, &md_len, EVP_sha256(), NULL) != 1)
		e = SD_ERR_INTERNAL;
	for (unsigned i = 0; e == SD_OK && i < sizeof md; i++)
		snprintf(name + 2 * i, 3, "%02x", md[i]);
	return e;
}

int main(int argc, char **argv)
{
	static struct sshdiff_case c;
	static char keys[MAX_SEEDS][160];
	static char written[MAX_SEEDS][65], written_machine[MAX_SEEDS][65];
	char outdir[4096], machine_dir[4096], path[4096], err[512];
	size_t n_files, n_seeds = 0;
	char **files;
	int rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: gen_diff_seeds SCENARIO_DIR OUTDIR\n");
		return 2;
	}
	if (snprintf(outdir, sizeof outdir, "%s/%s", argv[2], SEEDS_SUBDIR) >= (int)sizeof outdir ||
	    fs_mkdir_p(outdir) != SD_OK) {
		fprintf(stderr, "gen_diff_seeds: %s: cannot create: %s\n", outdir, strerror(errno));
		return 2;
	}
	if (snprintf(machine_dir, sizeof machine_dir, "%s/%s", argv[2], MACHINE_SUBDIR) >= (int)sizeof machine_dir ||
	    fs_mkdir_p(machine_dir) != SD_OK) {
		fprintf(stderr, "gen_diff_seeds: %s: cannot create: %s\n", machine_dir, strerror(errno));
		return 2;
	}
	if (!(files = list_cases(argv[1], &n_files)))
		return 2;
	for (size_t i = 0; i < n_files && rc == 0; i++) {
		char key[160];
		struct sbuf body = SBUF_INIT, mseed = SBUF_INIT;
		bool seen = false;

		snprintf(path, sizeof path, "%s/%s", argv[1], files[i]);
		if (case_load(path, &c, err, sizeof err) != SD_OK) {
			fprintf(stderr, "gen_diff_seeds: %s\n", err);
			rc = 2;
			break;
		}
		selection_key(&c, key, sizeof key);
		for (size_t k = 0; k < n_seeds && !seen; k++)
			seen = strcmp(keys[k], key) == 0;
		if (!key[0] || seen)
			continue;
		if (n_seeds == MAX_SEEDS || case_encode(&c, &body) != SD_OK ||
		    case_hash_hex(&c, written[n_seeds]) != SD_OK ||
		    fs_write_atomic(outdir, written[n_seeds], body.data, body.len) != SD_OK ||
		    machine_seed(&c, &mseed, written_machine[n_seeds]) != SD_OK ||
		    fs_write_atomic(machine_dir, written_machine[n_seeds], mseed.data, mseed.len) != SD_OK) {
			fprintf(stderr, "gen_diff_seeds: %s: cannot write its seed into %s\n", path, outdir);
			rc = 2;
		} else {
			snprintf(keys[n_seeds++], sizeof keys[0], "%s", key);
		}
		sbuf_free(&body);
		sbuf_free(&mseed);
	}
	if (rc == 0) {
		remove_stale(outdir, written, n_seeds);
		remove_stale(machine_dir, written_machine, n_seeds);
		printf("gen_diff_seeds: %zu seeds in %s and in %s\n", n_seeds, outdir, machine_dir);
	}
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
	return rc;
}

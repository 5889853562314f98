/*
 * bench_oracle.c — speed of the in-process oracle (issue 3, "Speed"): the
 * default case (curve25519-sha256 + ssh-ed25519 +
 * chacha20-poly1305@openssh.com, through publickey authentication), IUT
 * server and IUT client alternately, run on own + libssh + verifier and
 * compared, as a fuzzer runs it (no child processes: `sshdiff replay` adds
 * those, bench_replay.sh measures it).
 *
 * Side by side, in the same run, the baselines:
 *   - each backend alone (the actor + that one implementation), so the
 *     oracle's figure can be read against what its parts cost;
 *   - the crypto floor: only the public-key operations one oracle case
 *     performs, called straight on the libraries (see "the crypto floor"
 *     below): what no tuning of the oracle itself can go below.
 * The measurements are interleaved (round r measures each of them once),
 * so a slow period of a shared machine hits all of them alike.
 *
 * Figures are cases per CPU-second of this single-threaded process, i.e.
 * cases/s per core (the wall-clock rate in brackets).  min / median / max
 * over --runs rounds of about --seconds each.  Every case run is checked:
 * each backend accepted each step and they agree, so a broken build cannot
 * post a good figure.
 *
 * Usage: bench_oracle [--seconds S] [--runs R] [--only NAME]
 *   NAME: crypto, own, libssh, verifier or oracle: that measurement only
 *   (for profiling: perf record bench_oracle --only oracle).
 * Measure a release build only (bench/RESULTS.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "bench_util.h"
#include "oracle/backend.h"
#include "oracle/case.h"
#include "oracle/compare.h"
#include "memo/memo.h"

#define MAX_RUNS 50
#define N_ORACLE 3

static const char *const oracle_names[N_ORACLE] = {"own", "libssh", "verifier"};

/* ---- the oracle and the backends alone ---- */

/* How a set runs with the memo of pure public-key results (memo/memo.h). */
enum set_memo {
	SET_MEMO_OFF,      /* every operation computed */
	SET_MEMO_ON,       /* the two default cases over and over */
	SET_MEMO_NEW_SEED, /* on, every case with a seed never seen: new
			    * ephemeral keys, exchange hashes and signatures,
			    * only what repeats inside one case is recalled */
};

struct backend_set {
	const char *label;
	enum set_memo memo;
	uint64_t seed;
	const struct backend *b[N_ORACLE];
	size_t n;
	struct sshdiff_case cases[2]; /* IUT server, IUT client */
	unsigned next;                /* which of the two runs next */
};

/* One case on every backend of the set, compared: false (with a message)
 * unless every backend accepted every step and they agree. */
static bool set_run_once(void *ctx)
{
	static struct observations obs[N_ORACLE];
	struct backend_set *bs = ctx;
	struct sshdiff_case *c = &bs->cases[bs->next++ & 1];
	struct comparison cmp;

	memo_enable(bs->memo != SET_MEMO_OFF);
	if (bs->memo == SET_MEMO_NEW_SEED)
		c->seed = ++bs->seed;

	for (size_t i = 0; i < bs->n; i++) {
		if (bs->b[i]->run(c, &obs[i]) != SD_OK) {
			fprintf(stderr, "bench_oracle: %s: backend error\n", bs->b[i]->name);
			return false;
		}
		for (unsigned s = 0; s < c->n_steps; s++) {
			if (obs[i].steps[s].verdict != VERDICT_ACCEPT) {
				fprintf(stderr, "bench_oracle: %s did not accept step %u (%s)\n", bs->b[i]->name, s,
					obs[i].outcome);
				return false;
			}
		}
	}
	if (compare_observations(c, obs, bs->n, NULL, &cmp) != SD_OK || cmp.divergent) {
		fprintf(stderr, "bench_oracle: %s: divergence %s\n", bs->label, cmp.signature);
		return false;
	}
	return true;
}

/* ---- the crypto floor ----
 *
 * One oracle case (either role) performs, per backend: for the actor an
 * X25519 key pair, an X25519 shared secret and an Ed25519 signature (the
 * host key's over H, or the user's over the session id); for the IUT the
 * same three plus one Ed25519 verification.  The actor (three times), own
 * and libssh use OpenSSL; the verifier uses libsodium.  So: OpenSSL 5 key
 * pairs, 5 shared secrets, 5 signatures, 2 verifications; libsodium 1 of
 * each.  Called here the way the callers call them (a key object per
 * ephemeral key, a context per signature), with nothing else around. */

struct floor_keys {
	EVP_PKEY *ed;     /* OpenSSL Ed25519 private key */
	EVP_PKEY *ed_pub; /* its public half, as a verifier holds it */
	EVP_PKEY *x_peer; /* an X25519 peer public key */
	uint8_t sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t x_peer_pub[32];
	uint8_t msg[32]; /* stands for H */
	unsigned counter;
};

static bool floor_setup(struct floor_keys *k)
{
	uint8_t seed[32], pub[32];
	size_t n = sizeof pub;

	memset(k, 0, sizeof *k);
	memset(seed, 7, sizeof seed);
	memset(k->msg, 9, sizeof k->msg);
	if (sodium_init() < 0 || crypto_sign_seed_keypair(k->pk, k->sk, seed) != 0)
		return false;
	k->ed = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
	if (!k->ed || EVP_PKEY_get_raw_public_key(k->ed, pub, &n) != 1)
		return false;
	k->ed_pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, n);
	seed[0] = 1;
	if (crypto_scalarmult_base(k->x_peer_pub, seed) != 0)
		return false;
	k->x_peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, k->x_peer_pub, sizeof k->x_peer_pub);
	return k->ed_pub && k->x_peer;
}

static void floor_free(struct floor_keys *k)
{
	EVP_PKEY_free(k->ed);
	EVP_PKEY_free(k->ed_pub);
	EVP_PKEY_free(k->x_peer);
}

/* OpenSSL: a key pair from 32 fresh bytes, the shared secret with the peer. */
static bool floor_x25519_openssl(struct floor_keys *k)
{
	uint8_t priv[32], out[32];
	size_t n = sizeof out;
	EVP_PKEY *key;
	EVP_PKEY_CTX *ctx = NULL;
	bool ok;

	memset(priv, (int)(++k->counter & 0xff), sizeof priv);
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, sizeof priv);
	ok = key && EVP_PKEY_get_raw_public_key(key, out, &n) == 1 && (ctx = EVP_PKEY_CTX_new(key, NULL)) &&
	     EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, k->x_peer) == 1;
	n = sizeof out;
	ok = ok && EVP_PKEY_derive(ctx, out, &n) == 1;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ok;
}

static bool floor_sign_openssl(struct floor_keys *k, bool verify)
{
	uint8_t sig[64];
	size_t n = sizeof sig;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->ed) == 1 &&
		  EVP_DigestSign(ctx, sig, &n, k->msg, sizeof k->msg) == 1;

	EVP_MD_CTX_free(ctx);
	if (ok && verify) {
		ctx = EVP_MD_CTX_new();
		ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->ed_pub) == 1 &&
		     EVP_DigestVerify(ctx, sig, n, k->msg, sizeof k->msg) == 1;
		EVP_MD_CTX_free(ctx);
	}
	return ok;
}

static bool floor_sodium(struct floor_keys *k)
{
	uint8_t priv[32], pub[32], shared[32], sig[64];

	memset(priv, (int)(++k->counter & 0xff) | 1, sizeof priv);
	return crypto_scalarmult_base(pub, priv) == 0 && crypto_scalarmult(shared, priv, k->x_peer_pub) == 0 &&
	       crypto_sign_detached(sig, NULL, k->msg, sizeof k->msg, k->sk) == 0 &&
	       crypto_sign_verify_detached(sig, k->msg, sizeof k->msg, k->pk) == 0;
}

static bool floor_run_once(void *ctx)
{
	struct floor_keys *k = ctx;

	/* the libraries' own cost: nothing recalled, not even through the
	 * libcrypto entry points this program interposes
	 * (memo/libcrypto_memo.h) */
	memo_enable(false);
	for (int i = 0; i < 5; i++)
		if (!floor_x25519_openssl(k) || !floor_sign_openssl(k, i < 2))
			goto fail;
	if (floor_sodium(k))
		return true;
fail:
	fprintf(stderr, "bench_oracle: crypto floor: a library call failed\n");
	return false;
}

/* ---- measuring ---- */

struct measurement {
	const char *name; /* for --only */
	const char *label;
	bool (*run_once)(void *ctx);
	void *ctx;
	double cpu[MAX_RUNS], wall[MAX_RUNS]; /* cases per second, per round */
};

static bool measure(struct measurement *m, double seconds, int round)
{
	return bench_measure(m->run_once, m->ctx, seconds, &m->cpu[round], &m->wall[round]);
}

static void print_rates(struct measurement *m, int runs)
{
	bench_print_rates(m->label, 38, "case", m->cpu, m->wall, runs);
}

/* ---- main ---- */

struct opts {
	double seconds;
	int runs;
	const char *only; /* NULL: everything */
};

static bool parse_args(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			o->seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			o->runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			o->only = argv[++i];
		else
			return false;
	}
	return o->seconds > 0 && o->seconds <= 600 && o->runs >= 1 && o->runs <= MAX_RUNS;
}

static bool set_init(struct backend_set *bs, const char *label, const char *const *names, size_t n,
		     enum set_memo memo)
{
	memset(bs, 0, sizeof *bs);
	bs->label = label;
	bs->memo = memo;
	bs->seed = (uint64_t)memo << 40; /* new-seed sets: seeds no other set uses */
	bs->n = n;
	for (size_t i = 0; i < n; i++) {
		if (!(bs->b[i] = backend_by_name(names[i]))) {
			fprintf(stderr, "bench_oracle: no backend '%s' in this build\n", names[i]);
			return false;
		}
	}
	case_default(&bs->cases[0], CASE_IUT_SERVER);
	case_default(&bs->cases[1], CASE_IUT_CLIENT);
	return true;
}

int main(int argc, char **argv)
{
	static struct backend_set sets[N_ORACLE + 3];
	static struct measurement ms[N_ORACLE + 4];
	static const char *const alone_labels[N_ORACLE] = {"baseline: own alone", "baseline: libssh alone",
							   "baseline: verifier alone"};
	struct opts o = {1.0, 5, NULL};
	struct floor_keys keys;
	size_t n = 0;
	bool ok = true;

	if (!parse_args(argc, argv, &o)) {
		fprintf(stderr, "usage: bench_oracle [--seconds S (0-600]] [--runs R (1-%d)]\n"
				"                    [--only crypto|own|libssh|verifier|oracle-nomemo|oracle-repeat|oracle]\n",
			MAX_RUNS);
		return 2;
	}
	if (!floor_setup(&keys)) {
		fprintf(stderr, "bench_oracle: crypto floor: cannot set up keys\n");
		return 1;
	}
	/* baselines first, the oracle (the target) last */
	ms[n++] = (struct measurement){.name = "crypto", .label = "baseline: crypto floor (see source)",
				       .run_once = floor_run_once, .ctx = &keys};
	for (size_t i = 0; i < N_ORACLE; i++) {
		if (!set_init(&sets[i], alone_labels[i], &oracle_names[i], 1, SET_MEMO_OFF))
			return 1;
		ms[n++] = (struct measurement){.name = oracle_names[i], .label = alone_labels[i],
					       .run_once = set_run_once, .ctx = &sets[i]};
	}
	/* the oracle: without the memo (the baseline), with it on the same
	 * two cases over and over (its best case), and with it on cases that
	 * never repeat a seed (its worst case), printed last */
	static const struct {
		const char *name, *label;
		enum set_memo memo;
	} oracles[3] = {
		{"oracle-nomemo", "baseline: oracle, memo off", SET_MEMO_OFF},
		{"oracle-repeat", "oracle, memo on, same cases", SET_MEMO_ON},
		{"oracle", "oracle, memo on, new seed each case", SET_MEMO_NEW_SEED},
	};
	for (size_t i = 0; i < 3; i++) {
		if (!set_init(&sets[N_ORACLE + i], oracles[i].label, oracle_names, N_ORACLE, oracles[i].memo))
			return 1;
		ms[n++] = (struct measurement){.name = oracles[i].name, .label = oracles[i].label,
					       .run_once = set_run_once, .ctx = &sets[N_ORACLE + i]};
	}

	for (size_t i = 0; o.only && i < n && strcmp(o.only, ms[i].name) != 0; i++)
		if (i + 1 == n) {
			fprintf(stderr, "bench_oracle: --only: no measurement '%s'\n", o.only);
			floor_free(&keys);
			return 2;
		}
	printf("bench_oracle: default case (curve25519-sha256, ssh-ed25519, chacha20-poly1305@openssh.com,\n"
	       "publickey auth), IUT server and client alternately, in process, one thread;\n"
	       "%d interleaved rounds of ~%.1f s each; cases per CPU-second (= per core): min median max\n\n",
	       o.runs, o.seconds);
	/* warm-up: key caches, libssh and OpenSSL initialisation, page faults */
	for (size_t i = 0; ok && i < n; i++)
		for (int k = 0; ok && k < 8 && (!o.only || strcmp(o.only, ms[i].name) == 0); k++)
			ok = ms[i].run_once(ms[i].ctx);
	for (int r = 0; ok && r < o.runs; r++)
		for (size_t i = 0; ok && i < n; i++)
			if (!o.only || strcmp(o.only, ms[i].name) == 0)
				ok = measure(&ms[i], o.seconds, r);
	for (size_t i = 0; ok && i < n; i++)
		if (!o.only || strcmp(o.only, ms[i].name) == 0)
			print_rates(&ms[i], o.runs);
	floor_free(&keys);
	return ok ? 0 : 1;
}

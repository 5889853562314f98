/*
 * bench_differential.c — speed and depth of fuzz_differential (issue 4,
 * "Speed"), from its own main(): no libFuzzer, the target's entry point
 * LLVMFuzzerTestOneInput called directly (targets/fuzz_differential.c is
 * compiled into this program).
 *
 * Inputs: N mutated seeds.  The default case of each role
 * (curve25519-sha256, ssh-ed25519, chacha20-poly1305@openssh.com, through
 * publickey authentication: the seeds of that algorithm set), each put
 * through one call of the structured mutator (case_mutate, seed i), as a
 * fuzzer's first generation of children.  Divergent inputs abort() in the
 * target as they do under libFuzzer; here SIGABRT returns to the loop
 * (siglongjmp) and the run counts like any other.
 *
 * (a) SPEED, interleaved rounds like bench_oracle: executions per CPU-second
 *     (= per core) of the entry point on the mutated inputs, side by side
 *     with the unmutated default cases (bench_oracle's "oracle" loop plus
 *     what the target adds: decoding, diversity feedback).  The memo
 *     (memo/memo.h, libssh's calls included) starts empty in every memo-on
 *     round, because the memo-off rounds in between switch it off; then,
 *     after the interleaved rounds, "memo warm": one run of each parent
 *     (the default cases, or the corpus entries) and rounds with the memo
 *     kept on, as in a campaign that has run for a while.
 * (b) DEPTH over the same N inputs: per backend, the fraction of runs in
 *     which the implementation got past NEWKEYS (its first encrypted packet
 *     opened under RFC 4253 section 7.2 keys: keys_checked && keys_ok) and
 *     into user authentication (it sent a USERAUTH message: an EXPECT step
 *     saw message 50-79), and authenticated.  Side by side, in the same run,
 *     the way libssh's own fuzzers reach a client: a recorded server
 *     transcript (the own engine's server talking to the own engine's
 *     client, seeded: the same bytes on every run), byte-mutated N times
 *     (1-4 stacked flips / byte sets / inserts / deletes / duplications /
 *     cuts, libFuzzer's kinds) and written into a socketpair, a libssh
 *     client with the same algorithms reading it.  Replayed bytes carry a
 *     host key signature over somebody else's exchange hash, so it cannot
 *     get past the key exchange: the figures show it.
 *     With --planted: how many of the N inputs hit each planted signature
 *     of tests/e2e/expected-signatures.txt (after the target's suppressions).
 *
 * Usage: bench_differential [--inputs N] [--seconds S] [--runs R] [--planted]
 *                           [--from CASEFILE | --corpus DIR]
 * --from: mutate this case instead of the default cases (e.g. the
 * rsa-sha2-256 scenario, from which the RFC 8332 planted case is one move).
 * --corpus: mutate the entries of a fuzzer's corpus directory in turn (the
 * stream a campaign generates: many seeds, algorithms, scripts).
 * Measure a release build (-DCMAKE_BUILD_TYPE=Release -DSSHDIFF_FUZZ=ON).
 * Figures are printed last.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "bench_util.h"
#include "fuzz_differential_suppressions.h"
#include "oracle/backend.h"
#include "oracle/case.h"
#include "oracle/compare.h"
#include "memo/memo.h"
#include "oracle/keycache.h"
#include "proto/machine.h"
#include "proto/rng.h"
#include "targets/common/diversity.h"
#include "targets/common/mutator.h"

#define MAX_RUNS 20
#define MAX_BACKENDS 8
#define MAX_BODY 8192

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the inputs ---- */

struct input {
	uint8_t body[MAX_BODY];
	size_t len;
};

static struct input *inputs;  /* N mutated */
static struct input defaults[2]; /* unmutated, both roles */
static size_t n_inputs;
static struct input *parents; /* --corpus: the corpus's entries */
static size_t n_parents;

/* from: a case file to start from instead of the default cases (NULL). */
static bool make_inputs(size_t n, const char *from)
{
	static struct sshdiff_case c;
	struct sbuf b = SBUF_INIT;
	char err[512];

	for (int r = 0; r < 2; r++) {
		if (!from) {
			case_default(&c, r ? CASE_IUT_CLIENT : CASE_IUT_SERVER);
		} else if (case_load(from, &c, err, sizeof err) != SD_OK) {
			fprintf(stderr, "bench_differential: %s\n", err);
			return false;
		}
		sbuf_reset(&b);
		if (case_encode(&c, &b) != SD_OK || b.len > MAX_BODY)
			return false;
		memcpy(defaults[r].body, b.data, b.len);
		defaults[r].len = b.len;
	}
	sbuf_free(&b);
	if (!(inputs = calloc(n, sizeof *inputs)))
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct input *d = &defaults[i & 1];
		memcpy(inputs[i].body, d->body, d->len);
		inputs[i].len = case_mutate(inputs[i].body, d->len, MAX_BODY, (uint32_t)i, NULL);
	}
	n_inputs = n;
	return true;
}

/* --corpus: the files of a fuzzer's corpus directory (fuzz bodies, in name
 * order) are the parents; input i is entry i mod n mutated once (seed i),
 * the stream a fuzzer generates from that corpus. */
static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool make_corpus_inputs(size_t n, const char *dir)
{
	char **names = NULL, path[4096];
	size_t k = 0, cap = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		fprintf(stderr, "bench_differential: %s: cannot open (--corpus)\n", dir);
		return false;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (k == cap && !(names = realloc(names, (cap = cap ? 2 * cap : 1024) * sizeof *names)))
			return false;
		names[k++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, k, sizeof *names, by_name);
	if (!(parents = calloc(k ? k : 1, sizeof *parents)))
		return false;
	for (size_t i = 0; i < k; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "rb");
		if (f) {
			size_t len = fread(parents[n_parents].body, 1, MAX_BODY, f);
			if (len > 0 && !ferror(f))
				parents[n_parents++].len = len;
			fclose(f);
		}
		free(names[i]);
	}
	free(names);
	if (n_parents < 2) {
		fprintf(stderr, "bench_differential: %s: fewer than 2 readable entries (--corpus)\n", dir);
		return false;
	}
	if (!(inputs = calloc(n, sizeof *inputs)))
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct input *p = &parents[i % n_parents];
		memcpy(inputs[i].body, p->body, p->len);
		inputs[i].len = case_mutate(inputs[i].body, p->len, MAX_BODY, (uint32_t)i, NULL);
	}
	n_inputs = n;
	return true;
}

/* ---- running the entry point, surviving its abort() ---- */

static sigjmp_buf abort_jump;
static volatile sig_atomic_t in_target;
static unsigned long n_aborts;

static void on_abort(int sig)
{
	(void)sig;
	if (in_target)
		siglongjmp(abort_jump, 1);
	signal(SIGABRT, SIG_DFL);
	raise(SIGABRT);
}

static void run_target(const struct input *in)
{
	if (sigsetjmp(abort_jump, 1)) {
		in_target = 0;
		n_aborts++;
		return;
	}
	in_target = 1;
	LLVMFuzzerTestOneInput(in->body, in->len);
	in_target = 0;
}

/* The target prints a divergence to stderr; not into the figures. */
static int stderr_saved = -1;
static void quiet(bool on)
{
	fflush(stderr);
	if (on) {
		int devnull = open("/dev/null", O_WRONLY);
		stderr_saved = dup(STDERR_FILENO);
		dup2(devnull, STDERR_FILENO);
		close(devnull);
	} else if (stderr_saved >= 0) {
		dup2(stderr_saved, STDERR_FILENO);
		close(stderr_saved);
		stderr_saved = -1;
	}
}

/* ---- (a) speed ---- */

struct measurement {
	const char *label;
	bool memo; /* memo/memo.h on (as the target runs) or off */
	const struct input *set;
	size_t n, next;
	double cpu[MAX_RUNS], wall[MAX_RUNS];
};

static bool measured_run_once(void *ctx)
{
	struct measurement *m = ctx;

	memo_enable(m->memo);
	run_target(&m->set[m->next++ % m->n]);
	return true;
}

static void measure(struct measurement *m, double seconds, int round)
{
	bench_measure(measured_run_once, m, seconds, &m->cpu[round], &m->wall[round]);
}

static void print_rates(struct measurement *m, int runs)
{
	bench_print_rates(m->label, 44, "exec", m->cpu, m->wall, runs);
}

/* ---- (b) depth of the oracle's backends ---- */

struct depth {
	char name[32];
	unsigned long ran, newkeys, userauth, authed;
};

static struct depth depths[MAX_BACKENDS];
static size_t n_depths;

/* Planted signatures and their hits. */
struct planted {
	char signature[512];
	char cases[256]; /* which tests/cases files */
	unsigned long hits;
};
static struct planted planted[32];
static size_t n_planted;
static unsigned long n_divergent, n_suppressed;

static bool reached_userauth(const struct observations *o)
{
	for (unsigned s = 0; s < o->n_steps && s < CASE_MAX_STEPS; s++)
		if (o->steps[s].iut_msg >= 50 && o->steps[s].iut_msg <= 79)
			return true;
	return false;
}

static void depth_pass(const struct suppressions *sup)
{
	static struct sshdiff_case c;
	static struct observations obs[MAX_BACKENDS];
	struct comparison cmp;

	for (n_depths = 0; backends[n_depths] && n_depths < MAX_BACKENDS; n_depths++)
		snprintf(depths[n_depths].name, sizeof depths[0].name, "%s", backends[n_depths]->name);
	for (size_t i = 0; i < n_inputs; i++) {
		case_decode(inputs[i].body, inputs[i].len, &c);
		for (size_t b = 0; b < n_depths; b++) {
			memset(&obs[b], 0, sizeof obs[b]);
			if (backends[b]->run(&c, &obs[b]) != SD_OK)
				snprintf(obs[b].outcome, sizeof obs[b].outcome, "error: backend");
			if (!compare_backend_ran(&obs[b]))
				continue;
			depths[b].ran++;
			depths[b].newkeys += obs[b].keys_checked && obs[b].keys_ok;
			depths[b].userauth += reached_userauth(&obs[b]);
			depths[b].authed += obs[b].auth == OBS_AUTH_SUCCESS;
		}
		if (compare_observations(&c, obs, n_depths, sup, &cmp) != SD_OK)
			continue;
		diversity_record(&c, obs, n_depths); /* as the target does; counters kept across inputs */
		n_divergent += cmp.divergent;
		n_suppressed += cmp.suppressed;
		for (size_t p = 0; p < n_planted; p++)
			if ((cmp.divergent || cmp.suppressed) && strcmp(cmp.signature, planted[p].signature) == 0)
				planted[p].hits++;
	}
}

static void load_planted(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "bench_differential: %s: cannot open (--planted)\n", path);
		return;
	}
	while (fgets(line, sizeof line, f)) {
		char *tab = strchr(line, '\t'), *file;
		size_t p;
		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		tab[1 + strcspn(tab + 1, "\r\n")] = '\0';
		file = strrchr(line, '/') ? strrchr(line, '/') + 1 : line;
		for (p = 0; p < n_planted && strcmp(planted[p].signature, tab + 1) != 0; p++)
			;
		if (p == n_planted) {
			if (n_planted == sizeof planted / sizeof planted[0])
				continue;
			snprintf(planted[n_planted++].signature, sizeof planted[0].signature, "%s", tab + 1);
		}
		size_t used = strlen(planted[p].cases);
		snprintf(planted[p].cases + used, sizeof planted[p].cases - used, "%s%s", used ? " " : "", file);
	}
	fclose(f);
}

/* ---- (b) baseline: raw bytes into a libssh client ---- */

/* The server's side of one connection: the own engine's server talking to
 * the own engine's client (curve25519-sha256, ssh-ed25519,
 * chacha20-poly1305, publickey), both seeded.  What libssh's client fuzzer
 * would hold in its corpus. */
static bool record_transcript(struct sbuf *server_bytes)
{
	static const char kex[] = "curve25519-sha256", hk[] = "ssh-ed25519",
			  cipher[] = "chacha20-poly1305@openssh.com", mac[] = "hmac-sha2-256";
	struct machine_algs algs = {kex, hk, cipher, cipher, mac, mac, "none", "none"};
	struct rng_seeded rs, rc;
	struct sigkey *host, *user;
	struct machine *srv = NULL, *cli = NULL;
	bool ok = false;

	if (keycache_private(CASE_KEY_ED25519_A, &host) != SD_OK || keycache_private(CASE_KEY_ED25519_B, &user) != SD_OK)
		return false;
	rng_seeded_init(&rs, "bench-server", 12);
	rng_seeded_init(&rc, "bench-client", 12);
	struct machine_config sc = {.role = MACHINE_SERVER, .rng = &rs.base, .algs = algs, .host_keys = &host,
				    .n_host_keys = 1, .auth_user = "sshdiff", .authorized_keys = &user,
				    .n_authorized_keys = 1};
	struct machine_config cc = {.role = MACHINE_CLIENT, .rng = &rc.base, .algs = algs, .user = "sshdiff",
				    .identities = &user, .n_identities = 1, .auth_order = "publickey"};
	if (machine_new(&sc, &srv) != SD_OK || machine_new(&cc, &cli) != SD_OK)
		goto out;
	for (int round = 0; round < 1000 && !(machine_done(srv) && machine_done(cli)); round++) {
		struct span o = machine_output(cli);
		bool moved = o.len > 0;
		if (o.len) {
			(void)machine_input(srv, o.p, o.len);
			machine_output_consume(cli, o.len);
		}
		o = machine_output(srv);
		moved |= o.len > 0;
		if (o.len) {
			if (sbuf_put(server_bytes, o.p, o.len) != SD_OK)
				goto out;
			(void)machine_input(cli, o.p, o.len);
			machine_output_consume(srv, o.len);
		}
		if (!moved)
			break;
	}
	ok = machine_result(cli)->auth == AUTH_SUCCESS;
out:
	machine_free(srv);
	machine_free(cli);
	return ok;
}

static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* libFuzzer-style byte mutations, 1-4 stacked. */
static size_t byte_mutate(uint8_t *p, size_t n, size_t max, uint64_t *s)
{
	unsigned k = 1 + (unsigned)(mix(s) % 4);

	while (k--) {
		size_t at = n ? (size_t)(mix(s) % n) : 0, len = 1 + (size_t)(mix(s) % 16);
		switch (mix(s) % 6) {
		case 0:
			if (n)
				p[at] ^= (uint8_t)(1u << (mix(s) % 8));
			break;
		case 1:
			if (n)
				p[at] = (uint8_t)mix(s);
			break;
		case 2: /* insert */
			if (n + len <= max) {
				memmove(p + at + len, p + at, n - at);
				for (size_t i = 0; i < len; i++)
					p[at + i] = (uint8_t)mix(s);
				n += len;
			}
			break;
		case 3: /* delete */
			if (at + len <= n) {
				memmove(p + at, p + at + len, n - at - len);
				n -= len;
			}
			break;
		case 4: /* duplicate a chunk */
			if (at + len <= n && n + len <= max) {
				memmove(p + at + len, p + at, n - at);
				n += len;
			}
			break;
		default: /* cut the tail */
			n = at ? at : n;
			break;
		}
	}
	return n;
}

struct raw_result {
	bool kex_done, userauth;
};

/* One libssh client over a socketpair whose other end holds `bytes` and
 * then EOF (libssh's tests/fuzz/ssh_client_fuzzer.c does the same). */
static struct raw_result raw_client(const uint8_t *bytes, size_t n, ssh_key user_key)
{
	struct raw_result r = {false, false};
	int fds[2], no = 0, verbosity = SSH_LOG_NOLOG;
	long timeout = 1;
	ssh_session s;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
		return r;
	if (write(fds[1], bytes, n) != (ssize_t)n) {
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	shutdown(fds[1], SHUT_WR);
	s = ssh_new();
	if (s) {
		ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
		ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
		ssh_options_set(s, SSH_OPTIONS_HOST, "sshdiff");
		ssh_options_set(s, SSH_OPTIONS_USER, "sshdiff");
		ssh_options_set(s, SSH_OPTIONS_SSH_DIR, "/nonexistent-sshdiff");
		ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
		ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
		ssh_options_set(s, SSH_OPTIONS_KEY_EXCHANGE, "curve25519-sha256");
		ssh_options_set(s, SSH_OPTIONS_HOSTKEYS, "ssh-ed25519");
		ssh_options_set(s, SSH_OPTIONS_CIPHERS_C_S, "chacha20-poly1305@openssh.com");
		ssh_options_set(s, SSH_OPTIONS_CIPHERS_S_C, "chacha20-poly1305@openssh.com");
		ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
		ssh_options_set(s, SSH_OPTIONS_FD, &fds[0]);
		if (ssh_connect(s) == SSH_OK) {
			int rc = ssh_userauth_publickey(s, NULL, user_key);
			r.kex_done = true;
			r.userauth = rc == SSH_AUTH_SUCCESS || rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL;
		}
		ssh_disconnect(s);
		ssh_free(s); /* closes fds[0] (SSH_OPTIONS_FD) */
	} else {
		close(fds[0]);
	}
	close(fds[1]);
	return r;
}

struct raw_stats {
	unsigned long runs, kex_done, userauth;
	bool unmutated_kex_done;
	size_t transcript_len;
	double cpu_rate;
};

static bool raw_baseline(size_t n, struct raw_stats *st)
{
	struct sbuf t = SBUF_INIT;
	uint8_t *buf = NULL;
	ssh_key user_key = NULL;
	uint64_t rs = 42;
	double c0;
	bool ok = false;

	memset(st, 0, sizeof *st);
	if (!record_transcript(&t)) {
		fprintf(stderr, "bench_differential: recording the server transcript failed\n");
		goto out;
	}
	st->transcript_len = t.len;
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &user_key) != SSH_OK || !(buf = malloc(t.len + 4096)))
		goto out;
	st->unmutated_kex_done = raw_client(t.data, t.len, user_key).kex_done;
	c0 = bench_now(CLOCK_PROCESS_CPUTIME_ID);
	for (size_t i = 0; i < n; i++) {
		memcpy(buf, t.data, t.len);
		size_t len = byte_mutate(buf, t.len, t.len + 4096, &rs);
		struct raw_result r = raw_client(buf, len, user_key);
		st->runs++;
		st->kex_done += r.kex_done;
		st->userauth += r.userauth;
	}
	st->cpu_rate = (double)n / (bench_now(CLOCK_PROCESS_CPUTIME_ID) - c0);
	ok = true;
out:
	ssh_key_free(user_key);
	free(buf);
	sbuf_free(&t);
	return ok;
}

/* ---- main ---- */

static double pct(unsigned long a, unsigned long b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

int main(int argc, char **argv)
{
	static struct measurement ms[4];
	struct suppressions *sup = NULL;
	struct raw_stats raw;
	char err[256];
	size_t n = 4000;
	double seconds = 2.0;
	int runs = 5;
	bool want_planted = false;
	const char *from = NULL, *corpus = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--inputs") && i + 1 < argc)
			n = (size_t)atol(argv[++i]);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--planted"))
			want_planted = true;
		else if (!strcmp(argv[i], "--from") && i + 1 < argc)
			from = argv[++i];
		else if (!strcmp(argv[i], "--corpus") && i + 1 < argc)
			corpus = argv[++i];
		else
			n = 0;
	}
	if (n < 2 || n > 1000000 || seconds <= 0 || seconds > 600 || runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: bench_differential [--inputs N (2-1000000)] [--seconds S] [--runs R (1-%d)] "
				"[--planted] [--from CASEFILE | --corpus DIR]\n",
			MAX_RUNS);
		return 2;
	}
	if (suppressions_parse("suppressions.txt (built in)", sshdiff_suppressions_text,
			       sizeof sshdiff_suppressions_text - 1, &sup, err, sizeof err) != SD_OK) {
		fprintf(stderr, "bench_differential: %s\n", err);
		return 1;
	}
	if (want_planted)
		load_planted(SSHDIFF_SOURCE_DIR "/tests/e2e/expected-signatures.txt");
	LLVMFuzzerInitialize(NULL, NULL);
	if (from && corpus) {
		fprintf(stderr, "bench_differential: --from and --corpus exclude each other\n");
		return 2;
	}
	if (corpus ? !make_corpus_inputs(n, corpus) : !make_inputs(n, from)) {
		fprintf(stderr, "bench_differential: cannot build the inputs\n");
		return 1;
	}
	signal(SIGABRT, on_abort);
	/* baselines with the memo off (memo/memo.h), then the target as it
	 * runs under a fuzzer: memo on, which each round starts empty (the
	 * baselines switch it off in between) */
	ms[0] = (struct measurement){.label = from ? "baseline: the unmutated case, memo off"
						   : "baseline: default cases, memo off",
				     .set = defaults, .n = 2};
	if (corpus)
		ms[0] = (struct measurement){.label = "baseline: the corpus entries, memo off", .set = parents,
					     .n = n_parents};
	ms[1] = (struct measurement){.label = "baseline: mutated seeds, memo off", .set = inputs, .n = n_inputs};
	ms[2] = (struct measurement){.label = "fuzz_differential, mutated seeds", .memo = true, .set = inputs,
				     .n = n_inputs};
	/* as in a long campaign, where the memo already holds the parents'
	 * results: measured after the interleaved rounds, the memo kept on */
	ms[3] = (struct measurement){.label = "fuzz_differential, memo warm", .memo = true, .set = inputs,
				     .n = n_inputs};

	quiet(true);
	for (int k = 0; k < 8; k++) /* warm-up: key caches, libssh, OpenSSL */
		run_target(&defaults[k & 1]);
	n_aborts = 0;
	for (int r = 0; r < runs; r++)
		for (int m = 0; m < 3; m++)
			measure(&ms[m], seconds, r);
	unsigned long aborts_timed = n_aborts;
	struct memo_stats memo_st, warm_st; /* of the last memo-on round (switching on starts the counts) */
	memo_get_stats(&memo_st);
	memo_enable(false);
	memo_enable(true);
	for (size_t i = 0; i < (corpus ? n_parents : 2); i++) /* the parents, once each */
		run_target(corpus ? &parents[i] : &defaults[i]);
	for (int r = 0; r < runs; r++)
		measure(&ms[3], seconds, r);
	memo_get_stats(&warm_st);
	diversity_counters_clear();
	depth_pass(sup);
	size_t tuples = diversity_counters_set();
	quiet(false);
	if (!raw_baseline(n, &raw))
		return 1;

	if (corpus)
		printf("bench_differential: %zu mutated inputs (one structured mutation of each of the %zu entries of\n"
		       "%s in turn);\n",
		       n_inputs, n_parents, corpus);
	else if (from)
		printf("bench_differential: %zu mutated inputs (one structured mutation of %s);\n", n_inputs, from);
	else
		printf("bench_differential: %zu mutated inputs (one structured mutation of the default case,\n"
		       "curve25519-sha256 + ssh-ed25519 + chacha20-poly1305@openssh.com, publickey; roles alternate);\n",
		       n_inputs);
	printf("%d interleaved rounds of ~%.1f s; executions per CPU-second (= per core): min median max\n\n", runs,
	       seconds);
	printf("(a) SPEED of LLVMFuzzerTestOneInput (own + libssh + verifier, compare, diversity)\n");
	for (int m = 0; m < 3; m++)
		print_rates(&ms[m], runs);
	printf("    then, the memo warmed by one run of each parent and kept on over %d rounds:\n", runs);
	print_rates(&ms[3], runs);
	printf("    divergent executions during the timed rounds: %lu (abort() caught)\n", aborts_timed);
	printf("    memo, last memo-on round: %lu recalled, %lu computed (%.0f %% recalled), %lu flushes, %zu KB held\n",
	       memo_st.hits, memo_st.misses,
	       memo_st.hits + memo_st.misses ? 100.0 * (double)memo_st.hits / (double)(memo_st.hits + memo_st.misses)
					     : 0.0,
	       memo_st.flushes, memo_st.bytes / 1024);
	printf("    memo, warm rounds (with the warm-up): %lu recalled, %lu computed (%.0f %% recalled), %lu flushes, %zu KB held\n\n",
	       warm_st.hits, warm_st.misses,
	       warm_st.hits + warm_st.misses ? 100.0 * (double)warm_st.hits / (double)(warm_st.hits + warm_st.misses)
					     : 0.0,
	       warm_st.flushes, warm_st.bytes / 1024);

	printf("(b) DEPTH over the same %zu inputs: %% of runs past NEWKEYS (keys checked and right),\n"
	       "    into USERAUTH (the IUT sent a userauth message), and authenticated\n", n_inputs);
	for (size_t b = 0; b < n_depths; b++)
		printf("    %-10s ran %6lu   NEWKEYS %5.1f%%   USERAUTH %5.1f%%   authenticated %5.1f%%\n",
		       depths[b].name, depths[b].ran, pct(depths[b].newkeys, depths[b].ran),
		       pct(depths[b].userauth, depths[b].ran), pct(depths[b].authed, depths[b].ran));
	printf("    baseline: libssh client fed a recorded server transcript (%zu bytes), byte-mutated:\n"
	       "    %-10s ran %6lu   NEWKEYS %5.1f%%   USERAUTH %5.1f%%   (%.0f execs per CPU-second;\n"
	       "               the unmutated transcript itself %s the key exchange)\n",
	       raw.transcript_len, "libssh", raw.runs, pct(raw.kex_done, raw.runs), pct(raw.userauth, raw.runs),
	       raw.cpu_rate, raw.unmutated_kex_done ? "COMPLETES" : "fails");
	printf("    divergent inputs: %lu (%.1f%%), suppressed: %lu\n", n_divergent, pct(n_divergent, n_inputs),
	       n_suppressed);
	printf("    verdict-diversity counters set by the %zu inputs: %zu of %d\n", n_inputs, tuples,
	       DIVERSITY_COUNTERS);
	if (want_planted) {
		printf("\nplanted signatures hit by the %zu inputs (including suppressed ones):\n", n_inputs);
		for (size_t p = 0; p < n_planted; p++)
			printf("    %6lu  %s\n            (%s)\n", planted[p].hits, planted[p].signature, planted[p].cases);
	}
	suppressions_free(sup);
	free(inputs);
	return 0;
}

/*
 * test_compare.c — verdict vectors from hand-built observations: agreement,
 * the exact divergence signature, backends that do not take part, crashes,
 * hangs, wrong keys, and the suppression file (matching and its errors).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oracle/compare.h"
#include "tests/support/check.h"

enum { OWN, LIBSSH, VERIFIER, NB };

static struct sshdiff_case the_case;
static struct observations obs[NB];

/* send KEXINIT, expect KEXINIT, send KEX_INIT, expect KEX_REPLY, send NEWKEYS */
static void make_case(void)
{
	static const struct {
		enum case_step_kind kind;
		enum case_msg msg;
	} steps[] = {
		{STEP_SEND, CM_KEXINIT}, {STEP_EXPECT, CM_KEXINIT}, {STEP_SEND, CM_KEX_INIT},
		{STEP_EXPECT, CM_KEX_REPLY}, {STEP_SEND, CM_NEWKEYS},
	};

	case_default(&the_case, CASE_IUT_SERVER);
	memset(the_case.steps, 0, sizeof(the_case.steps));
	the_case.n_steps = sizeof(steps) / sizeof(steps[0]);
	for (unsigned i = 0; i < the_case.n_steps; i++) {
		the_case.steps[i].kind = steps[i].kind;
		the_case.steps[i].msg = steps[i].msg;
	}
}

/* Registry order (own, libssh, verifier): everything accepted, keys right. */
static void all_accept(void)
{
	static const char *const names[NB] = {"own", "libssh", "verifier"};

	memset(obs, 0, sizeof(obs));
	for (int b = 0; b < NB; b++) {
		snprintf(obs[b].backend, sizeof(obs[b].backend), "%s", names[b]);
		snprintf(obs[b].version, sizeof(obs[b].version), "%s 1.0", names[b]);
		obs[b].n_steps = the_case.n_steps;
		for (unsigned i = 0; i < the_case.n_steps; i++)
			obs[b].steps[i].verdict = VERDICT_ACCEPT;
		obs[b].keys_checked = obs[b].keys_ok = true;
		snprintf(obs[b].outcome, sizeof(obs[b].outcome), "completed");
	}
}

/* Backend b rejects step `at` (naming rule), later steps are not reached. */
static void reject_at(int b, unsigned at, const char *rule)
{
	obs[b].steps[at].verdict = VERDICT_REJECT;
	snprintf(obs[b].steps[at].rule, sizeof(obs[b].steps[at].rule), "%s", rule);
	for (unsigned i = at + 1; i < the_case.n_steps; i++)
		obs[b].steps[i].verdict = VERDICT_NOT_REACHED;
	snprintf(obs[b].outcome, sizeof(obs[b].outcome), "rejected at step %u", at);
}

static void all_steps(int b, enum verdict v, int sig)
{
	for (unsigned i = 0; i < the_case.n_steps; i++) {
		obs[b].steps[i].verdict = v;
		obs[b].steps[i].signal = sig;
	}
}

static struct comparison run(const struct suppressions *sup)
{
	struct comparison cmp;

	CHECK_OK(compare_observations(&the_case, obs, NB, sup, &cmp));
	return cmp;
}

static void test_labels(void)
{
	char label[64];

	compare_step_label(&the_case, 0, label, sizeof(label));
	CHECK_STR(label, "send KEXINIT");
	compare_step_label(&the_case, 3, label, sizeof(label));
	CHECK_STR(label, "expect KEX_REPLY");
	the_case.steps[3].msg = CM_COUNT;
	compare_step_label(&the_case, 3, label, sizeof(label));
	CHECK_STR(label, "expect ANY");
	the_case.steps[3].kind = STEP_RAW;
	compare_step_label(&the_case, 3, label, sizeof(label));
	CHECK_STR(label, "raw");
	the_case.steps[3].kind = STEP_SEQ_SKEW;
	the_case.steps[3].value = 0xffffffffu;
	compare_step_label(&the_case, 3, label, sizeof(label));
	CHECK_STR(label, "seq-skew -1");
	make_case();
}

static void test_agreement(void)
{
	struct comparison cmp;

	all_accept();
	cmp = run(NULL);
	CHECK(!cmp.divergent);
	CHECK(!cmp.suppressed);
	CHECK_EQ_U(cmp.step, -1);
	CHECK_STR(cmp.signature, "");

	/* Everyone rejecting the same step is agreement too. */
	reject_at(OWN, 2, "RFC4253-8");
	reject_at(LIBSSH, 2, "");
	reject_at(VERIFIER, 2, "RFC4253-8");
	cmp = run(NULL);
	CHECK(!cmp.divergent);
	CHECK_STR(cmp.signature, "");
}

static void test_one_rejects(void)
{
	struct comparison cmp;

	all_accept();
	reject_at(OWN, 2, "RFC4253-8");
	reject_at(VERIFIER, 2, "RFC8731-3");
	cmp = run(NULL);
	CHECK(cmp.divergent);
	CHECK(!cmp.suppressed);
	CHECK_EQ_U(cmp.step, 2);
	/* the verifier's rule, backends sorted by name, verdict classes only */
	CHECK_STR(cmp.signature, "send KEX_INIT|RFC8731-3|libssh=accept,own=reject,verifier=reject");

	/* No rule from the verifier (it accepted): own's. */
	all_accept();
	reject_at(OWN, 4, "RFC4253-7.3");
	cmp = run(NULL);
	CHECK_EQ_U(cmp.step, 4);
	CHECK_STR(cmp.signature, "send NEWKEYS|RFC4253-7.3|libssh=accept,own=reject,verifier=accept");

	/* Only libssh rejects and it names no rule: "-". */
	all_accept();
	reject_at(LIBSSH, 1, "");
	obs[LIBSSH].steps[1].disconnect_reason = 3;
	cmp = run(NULL);
	CHECK_EQ_U(cmp.step, 1);
	CHECK_STR(cmp.signature, "expect KEXINIT|-|libssh=reject,own=accept,verifier=accept");

	/* The first step where they part ways, not where the last one stops. */
	all_accept();
	reject_at(OWN, 3, "RFC4253-8");
	reject_at(LIBSSH, 1, "");
	cmp = run(NULL);
	CHECK_EQ_U(cmp.step, 1);
	CHECK_STR(cmp.signature, "expect KEXINIT|-|libssh=reject,own=accept,verifier=accept");

	/* A backend that stops without rejecting anything (NOT_REACHED from
	 * step 2 on) while the others go on: a divergence at step 2. */
	all_accept();
	for (unsigned i = 2; i < the_case.n_steps; i++)
		obs[LIBSSH].steps[i].verdict = VERDICT_NOT_REACHED;
	cmp = run(NULL);
	CHECK(cmp.divergent);
	CHECK_EQ_U(cmp.step, 2);
	CHECK_STR(cmp.signature, "send KEX_INIT|-|libssh=-,own=accept,verifier=accept");
}

/* Every backend refused step 0; own and the verifier had sent their
 * KEXINIT before reading ours, so the actor saw step 1 (expect KEXINIT)
 * pass for them and not for libssh.  Nothing after the end counts. */
static void test_after_the_end(void)
{
	struct comparison cmp;

	all_accept();
	reject_at(OWN, 0, "RFC4253-7.1-name-list");
	reject_at(LIBSSH, 0, "");
	reject_at(VERIFIER, 0, "RFC4253-7.1-name-list");
	obs[OWN].steps[1].verdict = VERDICT_ACCEPT;
	obs[VERIFIER].steps[1].verdict = VERDICT_ACCEPT;
	obs[LIBSSH].steps[1].verdict = VERDICT_REJECT;
	cmp = run(NULL);
	CHECK(!cmp.divergent);
	CHECK_EQ_U(cmp.step, -1);
	CHECK_STR(cmp.signature, "");
}

/* Exchanges: a step of the actor and the EXPECT steps after it.  Refusing
 * our KEX_INIT at once (step 2) or after sending something else than the
 * KEX_REPLY we wait for (step 3) is the same refusal. */
static void test_exchanges(void)
{
	struct comparison cmp;

	all_accept();
	reject_at(OWN, 2, "RFC8731-3");
	reject_at(LIBSSH, 3, "");
	reject_at(VERIFIER, 2, "RFC8731-3");
	cmp = run(NULL);
	CHECK(!cmp.divergent);
	CHECK_STR(cmp.signature, "");

	/* libssh completes that exchange and stops in the next one: it went on
	 * after a KEX_INIT the others refused. */
	all_accept();
	reject_at(OWN, 2, "RFC8731-3");
	reject_at(LIBSSH, 4, "");
	reject_at(VERIFIER, 3, "RFC8731-3");
	cmp = run(NULL);
	CHECK(cmp.divergent);
	CHECK_EQ_U(cmp.step, 2);
	CHECK_STR(cmp.signature, "send KEX_INIT|RFC8731-3|libssh=accept,own=reject,verifier=accept");
}

static void test_unsupported_ignored(void)
{
	struct comparison cmp;

	all_accept();
	all_steps(LIBSSH, VERDICT_UNSUPPORTED, 0);
	obs[LIBSSH].keys_checked = true;
	obs[LIBSSH].keys_ok = false;
	snprintf(obs[LIBSSH].outcome, sizeof(obs[LIBSSH].outcome), "unsupported: kex");
	CHECK(!compare_backend_ran(&obs[LIBSSH]));
	CHECK(compare_backend_ran(&obs[OWN]));
	cmp = run(NULL);
	CHECK(!cmp.divergent);
	CHECK_STR(cmp.signature, "");

	/* When the others diverge, the unsupported one is not in the list. */
	reject_at(VERIFIER, 0, "RFC4253-7.1-kex");
	cmp = run(NULL);
	CHECK(cmp.divergent);
	CHECK_STR(cmp.signature, "send KEXINIT|RFC4253-7.1-kex|own=accept,verifier=reject");

	/* A backend that failed itself ("error: ...") says nothing either. */
	all_accept();
	all_steps(OWN, VERDICT_NOT_REACHED, 0);
	snprintf(obs[OWN].outcome, sizeof(obs[OWN].outcome), "error: impl-nomem");
	CHECK(!compare_backend_ran(&obs[OWN]));
	cmp = run(NULL);
	CHECK(!cmp.divergent);
}

/* Where the actor lost track of a connection (a mutated value the IUT's
 * keys depend on: "lost at step N"), that backend has no say from step N:
 * the connection did not end there, the actor stopped seeing it.  The
 * shape of tests/findings/3e41f1b337135871: own and the verifier sent
 * their EXT_INFO at once and the actor, unable to open it, stopped before
 * step 4; libssh had nothing to send yet, so step 4 passed for it. */
static void lose_at(int b, unsigned at)
{
	for (unsigned i = at; i < the_case.n_steps; i++)
		obs[b].steps[i].verdict = VERDICT_NOT_REACHED;
	obs[b].keys_checked = obs[b].keys_ok = false;
	snprintf(obs[b].outcome, sizeof(obs[b].outcome),
		 "lost at step %u: the IUT's keys depend on values the actor cannot know", at);
}

static void test_actor_lost(void)
{
	struct comparison cmp;

	all_accept();
	lose_at(OWN, 4);
	lose_at(VERIFIER, 4);
	cmp = run(NULL);
	CHECK(!cmp.divergent);
	CHECK_EQ_U(cmp.step, -1);
	CHECK_STR(cmp.signature, "");

	/* ... also when the one that still has a say rejects there */
	reject_at(LIBSSH, 4, "");
	cmp = run(NULL);
	CHECK(!cmp.divergent);

	/* Steps before the loss still count. */
	all_accept();
	lose_at(OWN, 4);
	reject_at(VERIFIER, 2, "RFC8731-3");
	cmp = run(NULL);
	CHECK(cmp.divergent);
	CHECK_STR(cmp.signature, "send KEX_INIT|RFC8731-3|libssh=accept,own=accept,verifier=reject");

	/* A connection that ended without a verdict is still a difference. */
	all_accept();
	all_steps(OWN, VERDICT_ACCEPT, 0);
	obs[OWN].steps[4].verdict = VERDICT_NOT_REACHED;
	snprintf(obs[OWN].outcome, sizeof(obs[OWN].outcome), "ended by the IUT at step 4: close");
	cmp = run(NULL);
	CHECK(cmp.divergent);
	CHECK_STR(cmp.signature, "send NEWKEYS|-|libssh=accept,own=-,verifier=accept");
}

/* Silence: the actor waited at an EXPECT, could read everything the IUT
 * sent (unlike "lost at step N"), and the IUT sent nothing and did not
 * close (outcome "rejected at step N (...): silent").  That is the IUT's own
 * decision not to go on, seen whole: a refusal, with a say like a close.
 * Where the others answer, it is a divergence (RFC 4252 section 5.1: a
 * server that rejects an authentication request "MUST respond with"
 * USERAUTH_FAILURE: tests/cases/userauth-bad-signature-no-failure-server);
 * where the others refused the exchange, silence in it agrees.  Counted as
 * "no say" it would vanish in both, hiding the first. */
static void silent_at(int b, unsigned at)
{
	reject_at(b, at, "");
	snprintf(obs[b].outcome, sizeof(obs[b].outcome), "rejected at step %u (expect KEX_REPLY): silent", at);
}

static void test_silence(void)
{
	struct comparison cmp;

	all_accept();
	silent_at(LIBSSH, 3);
	cmp = run(NULL);
	CHECK(cmp.divergent);
	CHECK_EQ_U(cmp.step, 3);
	CHECK_STR(cmp.signature, "expect KEX_REPLY|-|libssh=reject,own=accept,verifier=accept");

	/* own and the verifier refused the KEX_INIT and disconnected; libssh
	 * took it and then said nothing: both refused the exchange */
	all_accept();
	reject_at(OWN, 2, "RFC8731-3");
	reject_at(VERIFIER, 2, "RFC8731-3");
	silent_at(LIBSSH, 3);
	cmp = run(NULL);
	CHECK(!cmp.divergent);
	CHECK_STR(cmp.signature, "");
}

static void test_crash_and_hang(void)
{
	struct suppressions *everything;
	struct comparison cmp;
	char path[] = "/tmp/sshdiff-test-compare-XXXXXX";
	char msg[256];
	int fd;

	all_accept();
	all_steps(LIBSSH, VERDICT_CRASH, SIGSEGV);
	cmp = run(NULL);
	CHECK(cmp.divergent);
	CHECK_EQ_U(cmp.step, 0);
	CHECK_STR(cmp.signature, "send KEXINIT|-|libssh=crash:SIGSEGV,own=accept,verifier=accept");

	/* Even when every backend crashes the same way. */
	all_steps(OWN, VERDICT_CRASH, SIGSEGV);
	all_steps(VERIFIER, VERDICT_CRASH, SIGSEGV);
	cmp = run(NULL);
	CHECK(cmp.divergent);
	CHECK_STR(cmp.signature, "send KEXINIT|-|libssh=crash:SIGSEGV,own=crash:SIGSEGV,verifier=crash:SIGSEGV");

	/* A hang after own rejected step 2: the divergence is still the first
	 * faulty step. */
	all_accept();
	reject_at(OWN, 2, "RFC4253-8");
	all_steps(VERIFIER, VERDICT_HANG, 0);
	cmp = run(NULL);
	CHECK(cmp.divergent);
	CHECK_EQ_U(cmp.step, 0);
	CHECK_STR(cmp.signature, "send KEXINIT|-|libssh=accept,own=accept,verifier=hang");

	/* A suppression matching everything never hides a crash. */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	dprintf(fd, "match = *\nreason = test\nlink = https://example.org/\n");
	close(fd);
	CHECK_OK(suppressions_load(path, &everything, msg, sizeof(msg)));
	cmp = run(everything);
	CHECK(cmp.divergent);
	CHECK(!cmp.suppressed);
	all_accept();
	all_steps(LIBSSH, VERDICT_CRASH, SIGABRT);
	cmp = run(everything);
	CHECK(cmp.divergent);
	CHECK_STR(cmp.signature, "send KEXINIT|-|libssh=crash:SIGABRT,own=accept,verifier=accept");
	suppressions_free(everything);
	unlink(path);
}

static void test_keys(void)
{
	struct comparison cmp;

	all_accept();
	obs[LIBSSH].keys_ok = false;
	obs[VERIFIER].keys_checked = obs[VERIFIER].keys_ok = false;
	cmp = run(NULL);
	CHECK(cmp.divergent);
	CHECK_EQ_U(cmp.step, -1);
	CHECK_STR(cmp.signature, "keys|RFC4253-7.2|libssh=bad,own=ok,verifier=-");

	/* A step divergence comes first. */
	reject_at(OWN, 4, "RFC4253-7.3");
	cmp = run(NULL);
	CHECK_EQ_U(cmp.step, 4);
	CHECK_STR(cmp.signature, "send NEWKEYS|RFC4253-7.3|libssh=accept,own=reject,verifier=accept");

	/* Not checked is not wrong. */
	all_accept();
	obs[LIBSSH].keys_checked = obs[LIBSSH].keys_ok = false;
	cmp = run(NULL);
	CHECK(!cmp.divergent);
}

/* Writes text to a new temp file; path receives its name. */
static void temp_file(char *path, size_t size, const char *text)
{
	int fd;

	snprintf(path, size, "/tmp/sshdiff-test-sup-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0) {
		check_fail(__FILE__, __LINE__, "mkstemp failed");
		return;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		check_fail(__FILE__, __LINE__, "write failed");
	close(fd);
}

static void test_suppressed(void)
{
	static const char file[] =
		"# allowed differences\n"
		"\n"
		"match  = send IGNORE|*\n"
		"reason = not this one\n"
		"link   = https://example.org/a\n"
		"\n"
		"   \t\n"
		"# a comment inside an entry is fine\n"
		"match  = send KEX_INIT|*|libssh=accept,*\n"
		"# between keys too\n"
		"reason = RFC 4253 section 11.2 only says SHOULD\n"
		"link   = https://www.rfc-editor.org/rfc/rfc4253#section-11.2\n";
	struct suppressions *sup;
	struct comparison cmp;
	char path[64], msg[256];

	temp_file(path, sizeof(path), file);
	CHECK_OK(suppressions_load(path, &sup, msg, sizeof(msg)));
	CHECK_STR(suppressions_match(sup, "send KEX_INIT|-|libssh=accept,own=reject"),
		  "RFC 4253 section 11.2 only says SHOULD");
	CHECK_STR(suppressions_match(sup, "send IGNORE|x"), "not this one");
	CHECK(suppressions_match(sup, "send KEX_INITx|-|libssh=accept,own=reject") == NULL);
	CHECK(suppressions_match(sup, "xsend IGNORE|") == NULL);
	CHECK(suppressions_match(sup, "") == NULL);

	all_accept();
	reject_at(OWN, 2, "RFC4253-8");
	reject_at(VERIFIER, 2, "RFC4253-8");
	cmp = run(sup);
	CHECK(!cmp.divergent);
	CHECK(cmp.suppressed);
	CHECK_EQ_U(cmp.step, 2);
	CHECK_STR(cmp.signature, "send KEX_INIT|RFC4253-8|libssh=accept,own=reject,verifier=reject");
	CHECK_STR(cmp.suppression_reason, "RFC 4253 section 11.2 only says SHOULD");

	/* The same difference the other way round is not covered. */
	all_accept();
	reject_at(LIBSSH, 2, "");
	cmp = run(sup);
	CHECK(cmp.divergent);
	CHECK(!cmp.suppressed);
	CHECK_STR(cmp.signature, "send KEX_INIT|-|libssh=reject,own=accept,verifier=accept");
	suppressions_free(sup);
	unlink(path);

	/* An empty file (comments only) suppresses nothing. */
	temp_file(path, sizeof(path), "# nothing yet\n");
	CHECK_OK(suppressions_load(path, &sup, msg, sizeof(msg)));
	CHECK(suppressions_match(sup, "send IGNORE|x") == NULL);
	suppressions_free(sup);
	unlink(path);
}

/* The file must be refused with "PATH:LINE: ..." containing `want`. */
static void expect_error(const char *text, unsigned line, const char *want)
{
	struct suppressions *sup = (struct suppressions *)1;
	char path[64], msg[256], prefix[96];

	temp_file(path, sizeof(path), text);
	CHECK_ERR(suppressions_load(path, &sup, msg, sizeof(msg)), SD_ERR_INVALID_ARG);
	CHECK(sup == NULL);
	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	if (strncmp(msg, prefix, strlen(prefix)) != 0 || !strstr(msg, want))
		check_fail(__FILE__, __LINE__, "error '%s', want '%s...%s'", msg, prefix, want);
	unlink(path);
}

static void test_suppression_errors(void)
{
	struct suppressions *sup;
	char msg[256];

	expect_error("match = a\nreason = b\n", 1, "no 'link'");
	expect_error("# c\n\nmatch = a\nreason = b\nlink = https://x/\n\n\nreason = r\nlink = https://y/\n", 8,
		     "no 'match'");
	expect_error("match = a\nlink = https://x/\n", 1, "no 'reason'");
	expect_error("match = a\nreason = b\nlink = https://x/\nmatch = c\n", 4, "second 'match'");
	expect_error("match = a\nreason = b\nurl = https://x/\n", 3, "unknown key 'url'");
	expect_error("match = a\nreason b\n", 2, "expected 'key = value'");
	expect_error("match = a\nreason = \nlink = https://x/\n", 2, "'reason' is empty");
	expect_error("match = a\nreason = b\nlink = RFC 4253\n", 3, "http(s) URL");

	CHECK_ERR(suppressions_load("/nonexistent/sup.txt", &sup, msg, sizeof(msg)), SD_ERR_INVALID_ARG);
	CHECK(strncmp(msg, "/nonexistent/sup.txt: ", 22) == 0);
}

/* The checked-in suppression file must load, and hold exactly what was
 * triaged as allowed: IGNORE / DEBUG with trailing bytes (RFC 4253 11.2,
 * 11.3: a receiver may ignore them) where own and the verifier both name
 * trailing data, nothing wider. */
static void test_repo_file(void)
{
	struct suppressions *sup;
	char msg[512];

	CHECK_OK(suppressions_load(SSHDIFF_SOURCE_DIR "/suppressions.txt", &sup, msg, sizeof(msg)));
	CHECK(suppressions_match(sup, "send IGNORE|impl-trailing-data|libssh=accept,own=reject,verifier=reject"));
	CHECK(suppressions_match(sup, "send DEBUG|impl-trailing-data|libssh=accept,own=reject,verifier=reject"));
	/* a field running past the end is malformed (RFC 4251 section 5) */
	CHECK(!suppressions_match(sup, "send IGNORE|RFC4251-5|libssh=accept,own=reject,verifier=reject"));
	CHECK(!suppressions_match(sup, "send DEBUG|RFC4251-5|libssh=accept,own=reject,verifier=reject"));
	/* own and the verifier disagreeing is one of ours being wrong */
	CHECK(!suppressions_match(sup, "send IGNORE|impl-trailing-data|libssh=accept,own=reject,verifier=accept"));
	CHECK(!suppressions_match(sup, "send DEBUG|impl-trailing-data|own=accept,verifier=reject"));
	/* trailing data in other messages is not covered */
	CHECK(!suppressions_match(sup, "send UNIMPLEMENTED|impl-trailing-data|libssh=accept,own=reject,verifier=reject"));
	/* the SSH-3.0 timing pair stays a divergence: the signature would also
	 * match a libssh that refused a valid server */
	CHECK(!suppressions_match(sup, "expect KEXINIT|-|libssh=reject,own=accept,verifier=accept"));
	CHECK(!suppressions_match(sup, "expect ANY|-|libssh=reject,own=accept,verifier=accept"));
	suppressions_free(sup);
}

int main(void)
{
	make_case();
	test_labels();
	test_agreement();
	test_one_rejects();
	test_after_the_end();
	test_exchanges();
	test_unsupported_ignored();
	test_actor_lost();
	test_silence();
	test_crash_and_hang();
	test_keys();
	test_suppressed();
	test_suppression_errors();
	test_repo_file();
	return check_finish();
}

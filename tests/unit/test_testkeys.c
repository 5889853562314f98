/* The built-in test keys (oracle/testkeys.h): every key loads with the type
 * its name says, signs and verifies under every algorithm it serves,
 * testkey_for_alg picks the right one, and OpenSSH's own ssh-keygen reads the
 * embedded private key text to the same public key the engine derives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oracle/testkeys.h"
#include "proto/rng.h"
#include "tests/support/check.h"

#define SSH_KEYGEN "/usr/bin/ssh-keygen"

static const struct {
	enum case_key key;
	enum sigkey_type type;
	const char *algs;
} expect[] = {
	{CASE_KEY_ED25519_A, SIGKEY_ED25519, "ssh-ed25519"},
	{CASE_KEY_ED25519_B, SIGKEY_ED25519, "ssh-ed25519"},
	{CASE_KEY_ECDSA_P256, SIGKEY_ECDSA_P256, "ecdsa-sha2-nistp256"},
	{CASE_KEY_ECDSA_P384, SIGKEY_ECDSA_P384, "ecdsa-sha2-nistp384"},
	{CASE_KEY_ECDSA_P521, SIGKEY_ECDSA_P521, "ecdsa-sha2-nistp521"},
	{CASE_KEY_RSA_3072, SIGKEY_RSA, "rsa-sha2-512,rsa-sha2-256,ssh-rsa"},
};

static void test_types(void)
{
	CHECK_EQ_U(sizeof expect / sizeof expect[0], CASE_KEY_COUNT);
	for (size_t i = 0; i < CASE_KEY_COUNT; i++) {
		struct sigkey *k = NULL;
		CHECK_OK(testkey_load(expect[i].key, &k));
		CHECK(k != NULL);
		if (!k)
			continue;
		CHECK(sigkey_has_private(k));
		CHECK_EQ_U(sigkey_type(k), expect[i].type);
		CHECK_EQ_U(testkey_type(expect[i].key), expect[i].type);
		CHECK_STR(testkey_algorithms(expect[i].key), expect[i].algs);
		const char *text = testkey_openssh_private(expect[i].key);
		CHECK(text && strncmp(text, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36) == 0);
		sigkey_free(k);
	}
	/* The two Ed25519 keys are different keys. */
	struct sigkey *a = NULL, *b = NULL;
	CHECK_OK(testkey_load(CASE_KEY_ED25519_A, &a));
	CHECK_OK(testkey_load(CASE_KEY_ED25519_B, &b));
	CHECK(a && b && !sigkey_equal_public(a, b));
	sigkey_free(a);
	sigkey_free(b);
	/* Out of range ids are refused, not read past the table. */
	struct sigkey *k = (struct sigkey *)1;
	CHECK_ERR(testkey_load(CASE_KEY_COUNT, &k), SD_ERR_INVALID_ARG);
	CHECK(k == NULL);
	CHECK(testkey_openssh_private(CASE_KEY_COUNT) == NULL);
}

static void test_for_alg(void)
{
	static const struct {
		const char *alg;
		enum case_key key;
	} t[] = {
		{"ssh-ed25519", CASE_KEY_ED25519_A},
		{"ecdsa-sha2-nistp256", CASE_KEY_ECDSA_P256},
		{"ecdsa-sha2-nistp384", CASE_KEY_ECDSA_P384},
		{"ecdsa-sha2-nistp521", CASE_KEY_ECDSA_P521},
		{"rsa-sha2-512", CASE_KEY_RSA_3072},
		{"rsa-sha2-256", CASE_KEY_RSA_3072},
		{"ssh-rsa", CASE_KEY_RSA_3072},
		{"no-such-alg", CASE_KEY_ED25519_A},
		{"", CASE_KEY_ED25519_A},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		CHECK_EQ_U(testkey_for_alg(span_cstr(t[i].alg)), t[i].key);
}

/* Every algorithm of every key: sign, verify, and a flipped message fails. */
static void test_signatures(void)
{
	static const uint8_t msg[] = "sshdiff test key signature";
	struct rng_seeded rng;
	rng_seeded_init(&rng, "testkeys", 8);
	for (size_t i = 0; i < CASE_KEY_COUNT; i++) {
		struct sigkey *k = NULL;
		CHECK_OK(testkey_load(expect[i].key, &k));
		if (!k)
			continue;
		struct span list = span_cstr(testkey_algorithms(expect[i].key)), name;
		size_t pos = 0;
		unsigned n = 0;
		while (namelist_next(list, &pos, &name)) {
			const struct sig_alg *alg = sig_alg_by_name(name);
			CHECK(alg != NULL);
			if (!alg)
				continue;
			n++;
			struct sbuf sig = SBUF_INIT;
			CHECK_OK(sigkey_sign(k, alg, &rng.base, (struct span){msg, sizeof msg}, &sig));
			CHECK_OK(sigkey_verify(k, alg, sbuf_span(&sig), (struct span){msg, sizeof msg}));
			CHECK_ERR(sigkey_verify(k, alg, sbuf_span(&sig), (struct span){msg, sizeof msg - 1}),
				  SD_ERR_SIGNATURE);
			sbuf_free(&sig);
		}
		CHECK(n >= 1);
		sigkey_free(k);
	}
}

/* Runs `ssh-keygen -y -f path`, returning its stdout (first line, no newline). */
static int keygen_public(const char *path, char *out, size_t out_size)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(SSH_KEYGEN, SSH_KEYGEN, "-y", "-f", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < out_size && (r = read(fds[0], out + n, out_size - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ssh-keygen prints "type base64 comment"; drop the comment. */
static void strip_comment(char *line)
{
	char *sp = strchr(line, ' ');
	if (sp && (sp = strchr(sp + 1, ' ')))
		*sp = '\0';
}

static void test_ssh_keygen(void)
{
	if (access(SSH_KEYGEN, X_OK) != 0) {
		check_fail(__FILE__, __LINE__, "%s not found", SSH_KEYGEN);
		return;
	}
	char path[] = "/tmp/sshdiff-testkey-XXXXXX";
	for (size_t i = 0; i < CASE_KEY_COUNT; i++) {
		int fd = mkstemp(path);
		CHECK(fd >= 0);
		if (fd < 0)
			return;
		const char *text = testkey_openssh_private(expect[i].key);
		size_t len = strlen(text);
		CHECK(write(fd, text, len) == (ssize_t)len);
		close(fd);

		char got[4096];
		CHECK_EQ_U(keygen_public(path, got, sizeof got), 0);
		strip_comment(got);
		unlink(path);
		memcpy(path + sizeof path - 7, "XXXXXX", 6);

		struct sigkey *k = NULL;
		struct sbuf line = SBUF_INIT;
		CHECK_OK(testkey_load(expect[i].key, &k));
		if (k)
			CHECK_OK(sigkey_to_public_line(k, &line));
		CHECK_OK(sbuf_put_u8(&line, 0));
		CHECK_STR(got, (const char *)line.data);
		sbuf_free(&line);
		sigkey_free(k);
	}
}

int main(void)
{
	test_types();
	test_for_alg();
	test_signatures();
	test_ssh_keygen();
	return check_finish();
}

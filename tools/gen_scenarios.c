/*
 * gen_scenarios.c — writes the corpus of valid scenarios (corpus/scenarios/,
 * issue 3 point 7): one text case per
 *
 *   IUT role × key exchange × host key algorithm × cipher/MAC × auth method
 *
 * each a full, valid connection (case_default + case_default_script, with
 * the password variants below).  Every backend must accept every step of
 * every one of them: `sshdiff replay` exits 0 on the whole folder, which is
 * the proof that valid traffic raises no false alarm.
 *
 * Usage: gen_scenarios OUTDIR   (created if missing; existing files with
 * the same names are overwritten, others are left alone, so regenerate the
 * checked-in corpus into an emptied folder: corpus/README.md).
 *
 * The output is a pure function of the tables below: the same bytes on
 * every run and machine (tests/e2e/test_scenarios.sh diffs it against the
 * checked-in folder).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "oracle/case.h"
#include "oracle/fsutil.h"
#include "oracle/testkeys.h"
#include "proto/wire.h"

static const char *const roles[] = {"server", "client"};

/* RFC 8731, RFC 5656 section 6.3, RFC 8268 section 3, RFC 4253 section
 * 8.2 (group14-sha1), RFC 4419 section 4 */
static const char *const kexes[] = {
	"curve25519-sha256",
	"curve25519-sha256@libssh.org",
	"ecdh-sha2-nistp256",
	"ecdh-sha2-nistp384",
	"ecdh-sha2-nistp521",
	"diffie-hellman-group14-sha256",
	"diffie-hellman-group14-sha1",
	"diffie-hellman-group16-sha512",
	"diffie-hellman-group18-sha512",
	"diffie-hellman-group-exchange-sha256",
	"diffie-hellman-group-exchange-sha1",
};

/* RFC 8709, RFC 5656 section 6.2, RFC 8332 section 3, RFC 4253 section 6.6;
 * the host key is the test key of the algorithm's type (testkey_for_alg). */
static const char *const hostkeys[] = {
	"ssh-ed25519",         "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"rsa-sha2-256",        "rsa-sha2-512",        "ssh-rsa",
};

/* AEAD ciphers carry their own integrity: the MAC list is the default case's
 * (negotiated, never used), so an AEAD scenario differs from the default
 * case only in its cipher line. */
static const char *const aead_ciphers[] = {
	"chacha20-poly1305@openssh.com", /* PROTOCOL.chacha20poly1305 */
	"aes128-gcm@openssh.com",        /* RFC 5647, PROTOCOL section 1.6 */
	"aes256-gcm@openssh.com",
};
#define AEAD_MAC "hmac-sha2-256"

/* RFC 4344 section 4 */
static const char *const ctr_ciphers[] = {"aes128-ctr", "aes192-ctr", "aes256-ctr"};
/* RFC 6668 section 2, RFC 4253 section 6.4; -etm: PROTOCOL section 1.7 */
static const char *const macs[] = {
	"hmac-sha2-256", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512",
	"hmac-sha2-512-etm@openssh.com", "hmac-sha1", "hmac-sha1-etm@openssh.com",
};

enum auth { AUTH_PUBLICKEY, AUTH_PASSWORD };
static const char *const auths[] = {"publickey", "password"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct scenario {
	enum case_role role;
	const char *kex, *hostkey, *cipher, *mac;
	enum auth auth;
};

/* ---- file names ---- */

/* Appends "-" (unless first) and name with '@' spelled "_at_": file names
 * stay portable and the two curve25519 names stay apart. */
static void name_part(char *dst, size_t cap, const char *name)
{
	size_t n = strlen(dst);

	if (n && n + 1 < cap)
		dst[n++] = '-';
	for (const char *p = name; *p && n + 4 < cap; p++) {
		if (*p == '@') {
			memcpy(dst + n, "_at_", 4);
			n += 4;
		} else {
			dst[n++] = *p;
		}
	}
	dst[n] = '\0';
}

/* ROLE-KEX-HOSTKEY-CIPHER[-MAC]-AUTH, the MAC only for a non-AEAD cipher. */
static void scenario_stem(const struct scenario *s, bool aead, char *out, size_t cap)
{
	out[0] = '\0';
	name_part(out, cap, roles[s->role]);
	name_part(out, cap, s->kex);
	name_part(out, cap, s->hostkey);
	name_part(out, cap, s->cipher);
	if (!aead)
		name_part(out, cap, s->mac);
	name_part(out, cap, auths[s->auth]);
}

/* FNV-1a, 64 bits: each scenario gets its own seed (so the corpus covers
 * many ephemeral keys, nonces and paddings: leading zero bytes of K or of
 * an mpint turn up across the set), derived from its name and not from its
 * position, so adding a row to a table changes no existing file. */
static uint64_t seed_of(const char *stem)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *p = (const unsigned char *)stem; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	return h ? h : 1;
}

/* ---- the script ---- */

static struct case_step *push_step(struct sshdiff_case *c, enum case_step_kind kind, enum case_msg msg)
{
	struct case_step *st;

	if (c->n_steps >= CASE_MAX_STEPS)
		return NULL;
	st = &c->steps[c->n_steps++];
	memset(st, 0, sizeof *st);
	st->kind = kind;
	st->msg = msg;
	return st;
}

/* Index of the first step `kind msg`, or -1. */
static int find_step(const struct sshdiff_case *c, enum case_step_kind kind, enum case_msg msg)
{
	for (unsigned i = 0; i < c->n_steps; i++)
		if (c->steps[i].kind == kind && c->steps[i].msg == msg)
			return (int)i;
	return -1;
}

/* IUT server: after SERVICE_ACCEPT the actor authenticates with the case's
 * password (RFC 4252 section 8) instead of the publickey query/signature
 * pair (section 7). */
static sd_err password_iut_server(struct sshdiff_case *c)
{
	int at = find_step(c, STEP_SEND, CM_USERAUTH_PK_QUERY);

	if (at < 0)
		return SD_ERR_INTERNAL;
	c->n_steps = (uint8_t)at;
	if (!push_step(c, STEP_SEND, CM_USERAUTH_PASSWORD) || !push_step(c, STEP_EXPECT, CM_USERAUTH_SUCCESS))
		return SD_ERR_INTERNAL;
	return SD_OK;
}

/* IUT client: every client tries publickey first; the actor refuses it
 * with "password" as the only method that can continue (RFC 4252 section
 * 5.1), and accepts the next request, the password one (section 8). */
static sd_err password_iut_client(struct sshdiff_case *c)
{
	static const char methods[] = "password";
	int at = find_step(c, STEP_SEND, CM_USERAUTH_SUCCESS);
	struct case_step *st;

	if (at < 0 || at != c->n_steps - 1)
		return SD_ERR_INTERNAL;
	c->n_steps = (uint8_t)at;
	if (!(st = push_step(c, STEP_SEND, CM_USERAUTH_FAILURE)))
		return SD_ERR_INTERNAL;
	st->n_mutations = 1;
	st->mutations[0].kind = MUT_SET_FIELD;
	st->mutations[0].field = 0; /* methods */
	st->mutations[0].data_len = sizeof methods - 1;
	memcpy(st->mutations[0].data, methods, sizeof methods - 1);
	if (!push_step(c, STEP_EXPECT, CM_COUNT) || !push_step(c, STEP_SEND, CM_USERAUTH_SUCCESS))
		return SD_ERR_INTERNAL;
	return SD_OK;
}

static void set_name(char dst[CASE_NAME_MAX], const char *src)
{
	snprintf(dst, CASE_NAME_MAX, "%s", src);
}

static sd_err scenario_case(const struct scenario *s, const char *stem, struct sshdiff_case *c)
{
	case_default(c, s->role);
	c->seed = seed_of(stem);
	set_name(c->algs.kex, s->kex);
	set_name(c->algs.hostkey, s->hostkey);
	set_name(c->algs.cipher, s->cipher);
	set_name(c->algs.mac, s->mac);
	c->host_key = testkey_for_alg(span_cstr(s->hostkey));
	case_default_script(c); /* group exchange adds its two steps */
	if (s->auth == AUTH_PUBLICKEY)
		return SD_OK;
	return s->role == CASE_IUT_SERVER ? password_iut_server(c) : password_iut_client(c);
}

/* ---- output ---- */

static sd_err put_str(struct sbuf *b, const char *s)
{
	return sbuf_put(b, s, strlen(s));
}

/* A comment naming the scenario, then the case as case_print_text writes it. */
static sd_err scenario_text(const struct scenario *s, bool aead, const struct sshdiff_case *c, struct sbuf *out)
{
	char head[512];
	sd_err e;

	snprintf(head, sizeof head,
		 "# Valid scenario: IUT %s, %s, %s, %s%s%s, %s authentication.\n"
		 "# Generated by tools/gen_scenarios (corpus/README.md): do not edit.\n",
		 roles[s->role], s->kex, s->hostkey, s->cipher, aead ? "" : " + ", aead ? "" : s->mac,
		 auths[s->auth]);
	if ((e = put_str(out, head)) != SD_OK)
		return e;
	return case_print_text(c, out);
}

static sd_err write_scenario(const char *dir, const struct scenario *s, bool aead, unsigned *count)
{
	static struct sshdiff_case c;
	struct sbuf text = SBUF_INIT;
	char stem[384], name[400];
	sd_err e;

	scenario_stem(s, aead, stem, sizeof stem);
	snprintf(name, sizeof name, "%s.case", stem);
	if ((e = scenario_case(s, stem, &c)) == SD_OK && (e = scenario_text(s, aead, &c, &text)) == SD_OK)
		e = fs_write_atomic(dir, name, text.data, text.len);
	if (e != SD_OK)
		fprintf(stderr, "gen_scenarios: %s/%s: %s\n", dir, name, sd_err_rule(e));
	else
		(*count)++;
	sbuf_free(&text);
	return e;
}

/* Every cipher/MAC pair of one (role, kex, hostkey, auth). */
static sd_err write_ciphers(const char *dir, struct scenario *s, unsigned *count)
{
	sd_err e;

	for (size_t i = 0; i < N(aead_ciphers); i++) {
		s->cipher = aead_ciphers[i];
		s->mac = AEAD_MAC;
		if ((e = write_scenario(dir, s, true, count)) != SD_OK)
			return e;
	}
	for (size_t i = 0; i < N(ctr_ciphers); i++) {
		for (size_t m = 0; m < N(macs); m++) {
			s->cipher = ctr_ciphers[i];
			s->mac = macs[m];
			if ((e = write_scenario(dir, s, false, count)) != SD_OK)
				return e;
		}
	}
	return SD_OK;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	sd_err e;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: gen_scenarios OUTDIR\n");
		return 2;
	}
	if (fs_mkdir_p(argv[1]) != SD_OK) {
		fprintf(stderr, "gen_scenarios: cannot create %s\n", argv[1]);
		return 1;
	}
	for (size_t r = 0; r < N(roles); r++)
		for (size_t k = 0; k < N(kexes); k++)
			for (size_t h = 0; h < N(hostkeys); h++)
				for (size_t a = 0; a < N(auths); a++) {
					struct scenario s = {(enum case_role)r, kexes[k], hostkeys[h], NULL, NULL,
							     (enum auth)a};
					if ((e = write_ciphers(argv[1], &s, &count)) != SD_OK)
						return 1;
				}
	printf("gen_scenarios: %u cases in %s\n", count, argv[1]);
	return 0;
}

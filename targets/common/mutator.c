/*
 * mutator.c — structure-aware mutations of cases (mutator.h).
 *
 * The operators are the moves a protocol tester makes by hand, each one
 * small: the planted divergences of tests/cases/ are each one or two of
 * these moves away from a valid scenario of corpus/scenarios (an IGNORE
 * inserted during a strict key exchange, reserved := 1 in a KEXINIT, a
 * KEXINIT cut 4 bytes short, S := S + L in a host key signature, an
 * rsa-sha2-256 signature made with SHA-1, ...), which is what lets a short
 * campaign started from valid scenarios find them (issue 4 "Done when").
 *
 * Values come from tables of what is interesting for each field: 0, 1,
 * p-1, p and p+1 for a DH public value, the low-order X25519 points,
 * oversized and empty name-lists, names from the dictionary, lengths that
 * lie by one.  Randomness is a splitmix64 stream seeded by the caller, so
 * a run is reproducible.
 */
#include "targets/common/mutator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle/actor.h"
#include "oracle/keycache.h"
#include "oracle/testkeys.h"
#include "proto/crypto/cipher.h"
#include "proto/crypto/kex.h"
#include "proto/crypto/mac.h"
#include "proto/crypto/sigkey.h"

/* enum kex_hash / enum sig_hash sizes (oracle/case_impl.h keeps its own
 * copies; case_valid rejects larger values, so these are checked below). */
#define KDF_HASH_COUNT 4
#define SIG_HASH_COUNT 5

/* Fields of a message (case.h field table), and the field indices a
 * mutation of it may hold (docs/case-format.md: index 0 when it has none). */
static unsigned field_count(enum case_msg m)
{
	unsigned n = 0;

	while (case_msg_field_name(m, n))
		n++;
	return n;
}

static unsigned field_slots(enum case_msg m)
{
	unsigned n = field_count(m);

	return n ? n : 1;
}

/* ---- randomness ---- */

static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(rnd_next(s) % n) : 0;
}

static bool chance(uint64_t *s, unsigned percent)
{
	return below(s, 100) < percent;
}

/* Index into a table of weights. */
static unsigned pick_weighted(uint64_t *s, const uint8_t *w, unsigned n)
{
	unsigned total = 0, r;

	for (unsigned i = 0; i < n; i++)
		total += w[i];
	r = below(s, total);
	for (unsigned i = 0; i < n; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return 0;
}

#define PICK(s, table) ((table)[below((s), (uint32_t)(sizeof(table) / sizeof((table)[0])))])

/* ---- the dictionary: names the backends know, and some they do not ---- */

static const char *const extra_names[] = {
	"none",
	"zlib",
	"zlib@openssh.com",
	"ext-info-c",
	"ext-info-s",
	"kex-strict-c-v00@openssh.com",
	"kex-strict-s-v00@openssh.com",
	"sntrup761x25519-sha512@openssh.com",
	"mlkem768x25519-sha256",
	"diffie-hellman-group1-sha1",
	"diffie-hellman-group-exchange-sha1",
	"ssh-dss",
	"ssh-ed448",
	"sk-ssh-ed25519@openssh.com",
	"ssh-ed25519-cert-v01@openssh.com",
	"3des-cbc",
	"aes128-cbc",
	"hmac-md5",
	"umac-64@openssh.com",
	"x@example.com",
	"",
};

enum name_kind { NAMES_KEX, NAMES_HOSTKEY, NAMES_CIPHER, NAMES_MAC, NAMES_OTHER };

static const char *supported_name(uint64_t *s, enum name_kind k)
{
	switch (k) {
	case NAMES_KEX:
		/* Mostly the fast methods: one run with an 8192-bit group
		 * (group18, group exchange against libssh) costs as much as
		 * a hundred X25519 runs.  The others stay reachable. */
		if (chance(s, 80)) {
			const struct kex_method *m = &kex_methods[below(s, (uint32_t)kex_methods_count)];
			if (m->family != KEX_FAMILY_GEX && !(m->family == KEX_FAMILY_DH && m->group > 14))
				return m->name;
		}
		return kex_methods[below(s, (uint32_t)kex_methods_count)].name;
	case NAMES_HOSTKEY:
		return sig_algs[below(s, (uint32_t)sig_algs_count)].name;
	case NAMES_CIPHER:
		return cipher_algs[below(s, (uint32_t)cipher_algs_count)].name;
	case NAMES_MAC:
		return mac_algs[below(s, (uint32_t)mac_algs_count)].name;
	default:
		return PICK(s, extra_names);
	}
}

static const char *any_name(uint64_t *s)
{
	return chance(s, 25) ? PICK(s, extra_names) : supported_name(s, (enum name_kind)below(s, 4));
}

/* ---- building data ---- */

struct out {
	uint8_t *p;
	uint16_t *len;
};

static void put(struct out o, const void *data, size_t n)
{
	size_t room = CASE_MAX_DATA - *o.len;

	if (n > room)
		n = room;
	memcpy(o.p + *o.len, data, n);
	*o.len = (uint16_t)(*o.len + n);
}

static void put_str(struct out o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_fill(struct out o, uint8_t byte, size_t n)
{
	uint8_t buf[64];

	memset(buf, byte, sizeof buf);
	while (n) {
		size_t k = n < sizeof buf ? n : sizeof buf;
		put(o, buf, k);
		n -= k;
	}
}

static void put_random(struct out o, uint64_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)rnd_next(s);
		put(o, &b, 1);
	}
}

static void put_u32(struct out o, uint32_t x)
{
	uint8_t b[4] = {(uint8_t)(x >> 24), (uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x};

	put(o, b, 4);
}

/* An SSH string (uint32 length + bytes) inside the data. */
static void put_sshstr(struct out o, const void *p, size_t n)
{
	put_u32(o, (uint32_t)n);
	put(o, p, n);
}

static const uint32_t interesting_u32[] = {0, 1, 2, 4, 0x7f, 0x80, 0xff, 1024, 2048, 4096, 8192, 8193, 32768,
					   35000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};

static uint32_t some_u32(uint64_t *s)
{
	return chance(s, 80) ? PICK(s, interesting_u32) : (uint32_t)rnd_next(s);
}

/* A name-list: one name, two, an unknown one first, empty, commas in the
 * wrong places, or longer than RFC 4251 section 6 allows (64 per name). */
static void gen_namelist(struct out o, uint64_t *s, enum name_kind k)
{
	switch (below(s, 10)) {
	case 0:
		break; /* empty list */
	case 1:
		put_str(o, PICK(s, extra_names));
		put_str(o, ",");
		put_str(o, supported_name(s, k));
		break;
	case 2:
		put_str(o, supported_name(s, k));
		put_str(o, ",");
		put_str(o, supported_name(s, k));
		break;
	case 3:
		put_str(o, chance(s, 50) ? "," : "");
		put_str(o, supported_name(s, k));
		put_str(o, chance(s, 50) ? ",," : ",");
		break;
	case 4:
		put_fill(o, 'a', chance(s, 50) ? 65 : (size_t)300 + below(s, 200));
		break;
	case 5:
		put_str(o, any_name(s));
		break;
	default:
		put_str(o, supported_name(s, k));
		break;
	}
}

static void gen_string(struct out o, uint64_t *s)
{
	static const char *const strings[] = {"sshdiff", "root", "ssh-userauth", "ssh-connection", "none",
					      "password", "publickey", "keyboard-interactive", "hostbased",
					      "session", "keepalive@openssh.com", "tcpip-forward",
					      "hostkeys-00@openssh.com", "server-sig-algs", "ping@openssh.com",
					      "no-flow-control", "en-US"};

	switch (below(s, 8)) {
	case 0:
		break;
	case 1:
		put_fill(o, 'A', (size_t)below(s, 2) ? 300 : 64);
		break;
	case 2:
		put_str(o, PICK(s, strings));
		put(o, "\0x", 2); /* an embedded NUL */
		break;
	case 3:
		put_random(o, s, 1 + below(s, 32));
		break;
	default:
		put_str(o, PICK(s, strings));
		break;
	}
}

/* A key or signature blob: empty, random, another built-in key, or a
 * well-formed Ed25519 blob with zeros. */
static void gen_blob(struct out o, uint64_t *s, bool signature)
{
	static const uint8_t zeros[64];
	struct span b;

	switch (below(s, 6)) {
	case 0:
		break;
	case 1:
		put_random(o, s, 1 + below(s, 96));
		break;
	case 2:
		put_sshstr(o, "ssh-ed25519", 11);
		put_sshstr(o, zeros, signature ? 64 : 32);
		break;
	case 3:
		put_sshstr(o, "ssh-ed25519", 11);
		put_sshstr(o, zeros, signature ? 63 : 31);
		break;
	default:
		if (keycache_blob((enum case_key)below(s, CASE_KEY_COUNT), &b) == SD_OK)
			put(o, b.p, b.len);
		break;
	}
}

/* Big-endian magnitude n[0..len) += delta (-1, 0, +1), carries included. */
static void add_small(uint8_t *n, size_t len, int delta)
{
	for (size_t i = len; i-- > 0 && delta;) {
		int v = n[i] + delta;
		n[i] = (uint8_t)v;
		delta = v > 0xff ? 1 : v < 0 ? -1 : 0;
	}
}

/* mpint contents (RFC 4251 section 5) of p + delta: a leading zero byte
 * when the top bit is set. */
static void put_mpint_near(struct out o, struct span p, int delta)
{
	uint8_t buf[CASE_MAX_DATA];

	if (p.len + 1 > CASE_MAX_DATA)
		return;
	buf[0] = 0;
	memcpy(buf + 1, p.p, p.len);
	add_small(buf + 1, p.len, delta);
	put(o, buf[1] & 0x80 ? buf : buf + 1, buf[1] & 0x80 ? p.len + 1 : p.len);
}

/* X25519 public values of small order (RFC 7748 section 6.1 warns about
 * them; RFC 8731 section 3 requires the all-zero check), little-endian. */
static const uint8_t x25519_low_order[][32] = {
	{0},
	{1},
	{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
	 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
	{0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
	 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

/* The method the actor proposes first (the one it expects to agree on). */
static const struct kex_method *first_kex(const struct sshdiff_case *c)
{
	size_t n = strcspn(c->algs.kex, ",");

	return kex_method_by_name((struct span){(const uint8_t *)c->algs.kex, n});
}

/* A DH group whose p fits a mutation's data: the method's own when it
 * does, else group 14 (GEX, and groups 16/18 whose p is too long). */
static const struct kex_dh_group *small_group(const struct kex_method *m)
{
	const struct kex_dh_group *g = m && m->family == KEX_FAMILY_DH ? kex_dh_group_by_id(m->group) : NULL;

	return g && g->p.len < CASE_MAX_DATA ? g : kex_dh_group_by_id(14);
}

/* e / f / Q_C / Q_S for the case's key exchange method. */
static void gen_kex_value(struct out o, uint64_t *s, const struct sshdiff_case *c)
{
	const struct kex_method *m = first_kex(c);
	const struct kex_dh_group *g = small_group(m);
	static const uint8_t one = 1, ff = 0xff;

	if (chance(s, 10)) {
		put_random(o, s, below(s, 140));
		return;
	}
	if (!m || m->family == KEX_FAMILY_X25519) {
		switch (below(s, 6)) {
		case 0:
			put_random(o, s, 31 + 2 * below(s, 2)); /* 31 or 33 bytes */
			break;
		case 1:
			break;
		default:
			put(o, x25519_low_order[below(s, sizeof x25519_low_order / 32)], 32);
			break;
		}
		return;
	}
	if (m->family == KEX_FAMILY_ECDH) {
		size_t coord = m->group == 715 /* NID_secp384r1 */ ? 48 : m->group == 716 /* NID_secp521r1 */ ? 66 : 32;
		switch (below(s, 5)) {
		case 0:
			put(o, "\x04", 1);
			put_fill(o, 0, 2 * coord); /* (0, 0): not on the curve */
			break;
		case 1:
			put(o, "\0", 1); /* the point at infinity (SEC1 2.3.3) */
			break;
		case 2:
			put(o, "\x02", 1); /* compressed: not allowed by RFC 5656 */
			put_random(o, s, coord);
			break;
		case 3:
			put(o, "\x04", 1);
			put_random(o, s, 2 * coord);
			break;
		default:
			put(o, "\x04", 1);
			put_fill(o, 0xff, 2 * coord);
			break;
		}
		return;
	}
	/* DH and GEX: mpint contents. */
	switch (below(s, 8)) {
	case 0:
		break; /* 0 */
	case 1:
		put(o, &one, 1);
		break;
	case 2:
		put(o, &ff, 1); /* negative */
		break;
	case 3:
		put(o, "\0\x01", 2); /* not minimal */
		break;
	case 4:
		put_mpint_near(o, g->p, -1);
		break;
	case 5:
		put_mpint_near(o, g->p, 0);
		break;
	case 6:
		put_mpint_near(o, g->p, 1);
		break;
	default:
		put(o, "\x02", 1);
		break;
	}
}

enum field_class {
	FC_COOKIE,
	FC_NAMELIST_KEX,
	FC_NAMELIST_HOSTKEY,
	FC_NAMELIST_CIPHER,
	FC_NAMELIST_MAC,
	FC_NAMELIST_OTHER,
	FC_BOOL,
	FC_U32,
	FC_KEXVAL,
	FC_MPINT,
	FC_BLOB,
	FC_SIGNATURE,
	FC_STRING,
};

/* What kind of value each field of case.c's field tables holds. */
static enum field_class field_class(enum case_msg m, unsigned f)
{
	static const uint8_t kexinit[] = {FC_COOKIE,	     FC_NAMELIST_KEX,	 FC_NAMELIST_HOSTKEY, FC_NAMELIST_CIPHER,
					  FC_NAMELIST_CIPHER, FC_NAMELIST_MAC,	 FC_NAMELIST_MAC,     FC_NAMELIST_OTHER,
					  FC_NAMELIST_OTHER,  FC_NAMELIST_OTHER, FC_NAMELIST_OTHER,   FC_BOOL,
					  FC_U32};
	const char *name = case_msg_field_name(m, f);

	if (!name)
		return FC_STRING;
	switch (m) {
	case CM_KEXINIT:
		return f < sizeof kexinit ? (enum field_class)kexinit[f] : FC_STRING;
	case CM_KEX_INIT:
		return FC_KEXVAL;
	case CM_KEX_REPLY:
		return f == 1 ? FC_KEXVAL : f == 2 ? FC_SIGNATURE : FC_BLOB;
	case CM_GEX_GROUP:
		return FC_MPINT;
	case CM_GEX_REQUEST:
	case CM_UNIMPLEMENTED:
		return FC_U32;
	default:
		break;
	}
	if (!strcmp(name, "count") || !strcmp(name, "seq") || !strcmp(name, "reason") || !strcmp(name, "sender") ||
	    !strcmp(name, "window") || !strcmp(name, "max_packet"))
		return FC_U32;
	if (!strcmp(name, "has_sig") || !strcmp(name, "change") || !strcmp(name, "partial") ||
	    !strcmp(name, "always_display") || !strcmp(name, "want_reply"))
		return FC_BOOL;
	if (!strcmp(name, "alg") || !strcmp(name, "value0"))
		return FC_NAMELIST_HOSTKEY;
	if (!strcmp(name, "methods"))
		return FC_NAMELIST_OTHER;
	if (!strcmp(name, "key"))
		return FC_BLOB;
	if (!strcmp(name, "signature"))
		return FC_SIGNATURE;
	return FC_STRING;
}

static void gen_field(struct out o, uint64_t *s, const struct sshdiff_case *c, enum case_msg m, unsigned f)
{
	static const uint8_t bools[] = {0, 1, 2, 0xff};
	const struct kex_dh_group *g;

	switch (field_class(m, f)) {
	case FC_COOKIE:
		if (chance(s, 50))
			put_fill(o, 0, 16);
		else
			put_random(o, s, below(s, 2) ? 16 : below(s, 20));
		break;
	case FC_NAMELIST_KEX:
		gen_namelist(o, s, NAMES_KEX);
		break;
	case FC_NAMELIST_HOSTKEY:
		gen_namelist(o, s, NAMES_HOSTKEY);
		break;
	case FC_NAMELIST_CIPHER:
		gen_namelist(o, s, NAMES_CIPHER);
		break;
	case FC_NAMELIST_MAC:
		gen_namelist(o, s, NAMES_MAC);
		break;
	case FC_NAMELIST_OTHER:
		gen_namelist(o, s, NAMES_OTHER);
		break;
	case FC_BOOL:
		put(o, &bools[below(s, sizeof bools)], 1);
		break;
	case FC_U32:
		put_u32(o, some_u32(s));
		break;
	case FC_KEXVAL:
		gen_kex_value(o, s, c);
		break;
	case FC_MPINT:
		g = kex_dh_group_by_id(14);
		switch (below(s, 6)) {
		case 0:
			put_mpint_near(o, g->p, 0);
			break;
		case 1:
			put_mpint_near(o, g->p, -1);
			break;
		case 2:
			put(o, "\x17", 1); /* a small prime */
			break;
		case 3:
			put_mpint_near(o, g->p, 1); /* even */
			break;
		case 4:
			put(o, "\x02", 1);
			break;
		default:
			put(o, "\x01", 1);
			break;
		}
		break;
	case FC_BLOB:
		gen_blob(o, s, false);
		break;
	case FC_SIGNATURE:
		gen_blob(o, s, true);
		break;
	case FC_STRING:
		gen_string(o, s);
		break;
	}
}

/* ---- where a KEXINIT ends: what the actor would send ---- */

/*
 * Payload length of the actor's first KEXINIT for c's settings, found by
 * letting an actor build it (so it counts the ext-info and strict-kex
 * markers exactly as sent), or 0.  Truncating or flipping relative to the
 * end reaches first_kex_packet_follows and reserved (RFC 4253 section 7.1).
 */
static size_t kexinit_len(const struct sshdiff_case *c)
{
	static struct sshdiff_case probe;
	struct actor *a = NULL;
	size_t skip, len = 0;
	struct span out;

	memset(&probe, 0, offsetof(struct sshdiff_case, steps));
	memcpy(&probe, c, offsetof(struct sshdiff_case, n_steps));
	probe.n_steps = 1;
	memset(&probe.steps[0], 0, sizeof probe.steps[0]);
	probe.steps[0].kind = STEP_SEND;
	probe.steps[0].msg = CM_KEXINIT;
	if (actor_new(&probe, &a) != SD_OK)
		return 0;
	(void)actor_advance(a); /* stops waiting for the IUT after the KEXINIT */
	out = actor_output(a);
	skip = strlen(probe.actor_version) + 2;
	if (out.len >= skip + 5) {
		/* RFC 4253 section 6: uint32 packet_length, byte padding_length */
		const uint8_t *p = out.p + skip;
		uint32_t plen = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		if (plen > (uint32_t)p[4] + 1u)
			len = plen - p[4] - 1u;
	}
	actor_free(a);
	return len;
}

/* ---- one mutation of a SEND step ---- */

static bool is_sig_msg(enum case_msg m)
{
	return m == CM_KEX_REPLY || m == CM_USERAUTH_PK_SIGNED;
}

static enum case_mutation_kind pick_mut_kind(uint64_t *s, enum case_msg m)
{
	/* none set flip trunc extend lie msgnr kdf sighash guess malleate */
	uint8_t w[MUT_KIND_COUNT] = {0, 10, 6, 3, 3, 3, 2, 0, 0, 0, 0};

	if (field_count(m) == 0)
		w[MUT_SET_FIELD] = w[MUT_LIE_LENGTH] = 0;
	if (m == CM_KEXINIT)
		w[MUT_GUESS] = 2, w[MUT_SET_FIELD] = 14, w[MUT_TRUNCATE] = 4, w[MUT_EXTEND] = 4;
	if (m == CM_NEWKEYS || m == CM_KEX_REPLY || m == CM_KEX_INIT)
		w[MUT_KDF_HASH] = 2;
	if (is_sig_msg(m))
		w[MUT_SIG_HASH] = 3, w[MUT_SIG_MALLEATE] = 3, w[MUT_FLIP] = 8;
	return (enum case_mutation_kind)pick_weighted(s, w, MUT_KIND_COUNT);
}

static const uint8_t msg_numbers[] = {1, 2, 3, 4, 5, 6, 7, 20, 21, 30, 31, 32, 33, 34, 50, 51, 52, 53, 60, 80, 81, 82, 90, 94, 97, 255};

static void gen_mutation(struct case_mutation *mu, enum case_mutation_kind kind, uint64_t *s,
			 const struct sshdiff_case *c, enum case_msg msg)
{
	static const int32_t deltas[] = {1, -1, 4, -4, 2, 0x7fffffff, (int32_t)0x80000000, -5, 256};
	struct out o = {mu->data, &mu->data_len};
	size_t klen;

	memset(mu, 0, sizeof *mu);
	mu->kind = kind;
	switch (kind) {
	case MUT_SET_FIELD:
		mu->field = (uint8_t)below(s, field_slots(msg));
		gen_field(o, s, c, msg, mu->field);
		break;
	case MUT_FLIP:
		mu->mask = chance(s, 70) ? (uint8_t)(1u << below(s, 8)) : chance(s, 50) ? 0xff : (uint8_t)(1 + below(s, 255));
		klen = msg == CM_KEXINIT && chance(s, 40) ? kexinit_len(c) : 0;
		mu->offset = klen ? (uint32_t)(klen - 1 - below(s, 6)) : below(s, 256);
		break;
	case MUT_TRUNCATE:
		klen = msg == CM_KEXINIT && chance(s, 70) ? kexinit_len(c) : 0;
		mu->offset = klen > 9 ? (uint32_t)(klen - 1 - below(s, 8)) : 1 + below(s, chance(s, 50) ? 16 : 300);
		break;
	case MUT_EXTEND:
		if (chance(s, 40))
			put_fill(o, 0, 1 + below(s, 8));
		else
			put_random(o, s, 1 + below(s, chance(s, 80) ? 32 : 400));
		break;
	case MUT_LIE_LENGTH:
		mu->field = (uint8_t)below(s, field_slots(msg));
		mu->value = chance(s, 80) ? (uint32_t)PICK(s, deltas) : (uint32_t)rnd_next(s);
		break;
	case MUT_MSG_NUMBER:
		mu->value = chance(s, 80) ? PICK(s, msg_numbers) : below(s, 256);
		break;
	case MUT_KDF_HASH:
		mu->value = below(s, KDF_HASH_COUNT);
		break;
	case MUT_SIG_HASH:
		mu->value = below(s, SIG_HASH_COUNT);
		break;
	case MUT_GUESS:
		mu->value = chance(s, 80) ? 1 : below(s, 256);
		break;
	default:
		break;
	}
}

/* ---- steps ---- */

static bool insert_step(struct sshdiff_case *c, unsigned pos, const struct case_step *st)
{
	if (c->n_steps >= CASE_MAX_STEPS)
		return false;
	if (pos > c->n_steps)
		pos = c->n_steps;
	memmove(&c->steps[pos + 1], &c->steps[pos], (c->n_steps - pos) * sizeof c->steps[0]);
	c->steps[pos] = *st;
	c->n_steps++;
	return true;
}

static void remove_step(struct sshdiff_case *c, unsigned pos)
{
	if (pos >= c->n_steps)
		return;
	memmove(&c->steps[pos], &c->steps[pos + 1], (c->n_steps - pos - 1) * sizeof c->steps[0]);
	c->n_steps--;
	memset(&c->steps[c->n_steps], 0, sizeof c->steps[0]);
}

/* A random step of a kind (or of any kind: STEP_KIND_COUNT), or -1. */
static int find_step(const struct sshdiff_case *c, uint64_t *s, enum case_step_kind kind)
{
	unsigned idx[CASE_MAX_STEPS], n = 0;

	for (unsigned i = 0; i < c->n_steps; i++)
		if (kind == STEP_KIND_COUNT || c->steps[i].kind == kind)
			idx[n++] = i;
	return n ? (int)idx[below(s, n)] : -1;
}

static enum case_msg pick_send_msg(uint64_t *s)
{
	static const uint8_t w[CM_COUNT] = {
		[CM_KEXINIT] = 3,	  [CM_KEX_INIT] = 2,	     [CM_GEX_REQUEST] = 1,
		[CM_GEX_GROUP] = 1,	  [CM_KEX_REPLY] = 2,	     [CM_NEWKEYS] = 3,
		[CM_EXT_INFO] = 3,	  [CM_SERVICE_REQUEST] = 1,  [CM_SERVICE_ACCEPT] = 1,
		[CM_USERAUTH_NONE] = 1,	  [CM_USERAUTH_PASSWORD] = 1, [CM_USERAUTH_PK_QUERY] = 1,
		[CM_USERAUTH_PK_SIGNED] = 1, [CM_USERAUTH_FAILURE] = 2, [CM_USERAUTH_SUCCESS] = 3,
		[CM_USERAUTH_PK_OK] = 1,  [CM_USERAUTH_BANNER] = 2,  [CM_IGNORE] = 5,
		[CM_DEBUG] = 2,		  [CM_UNIMPLEMENTED] = 2,    [CM_DISCONNECT] = 1,
		[CM_GLOBAL_REQUEST] = 3,  [CM_CHANNEL_OPEN] = 2,
	};

	return (enum case_msg)pick_weighted(s, w, CM_COUNT);
}

/* What an EXPECT waits for: often "anything", a failure, or a DISCONNECT. */
static enum case_msg pick_expect_msg(uint64_t *s)
{
	switch (below(s, 10)) {
	case 0:
	case 1:
		return CM_COUNT; /* ANY */
	case 2:
	case 3:
		return CM_USERAUTH_FAILURE;
	case 4:
		return CM_DISCONNECT;
	case 5:
		return CM_UNIMPLEMENTED;
	default:
		return (enum case_msg)below(s, CM_COUNT + 1);
	}
}

static void op_insert_send(struct sshdiff_case *c, uint64_t *s)
{
	struct case_step st;

	memset(&st, 0, sizeof st);
	st.kind = STEP_SEND;
	st.msg = pick_send_msg(s);
	if (chance(s, 20)) {
		st.n_mutations = 1;
		gen_mutation(&st.mutations[0], pick_mut_kind(s, st.msg), s, c, st.msg);
	}
	insert_step(c, below(s, c->n_steps + 1u), &st);
}

static void op_insert_expect(struct sshdiff_case *c, uint64_t *s)
{
	struct case_step st;

	memset(&st, 0, sizeof st);
	st.kind = STEP_EXPECT;
	st.msg = pick_expect_msg(s);
	insert_step(c, below(s, c->n_steps + 1u), &st);
}

/* Raw bytes on the wire: a second identification line, a packet header
 * with a huge or tiny length, zeros, or noise. */
static void gen_raw(struct case_step *st, uint64_t *s)
{
	struct out o = {st->data, &st->data_len};

	switch (below(s, 5)) {
	case 0:
		put_str(o, chance(s, 50) ? "SSH-2.0-again\r\n" : "not an SSH line\r\n");
		break;
	case 1:
		put_u32(o, chance(s, 50) ? 0xffffffffu : 35001);
		put_random(o, s, below(s, 16));
		break;
	case 2:
		put_u32(o, below(s, 8));
		put(o, "\x04\x02", 2);
		put_fill(o, 0, 4);
		break;
	case 3:
		put_fill(o, 0, 1 + below(s, 64));
		break;
	default:
		put_random(o, s, 1 + below(s, 64));
		break;
	}
}

static void op_insert_control(struct sshdiff_case *c, uint64_t *s)
{
	static const uint8_t w[STEP_KIND_COUNT] = {[STEP_RAW] = 2,	 [STEP_DUPLICATE] = 2, [STEP_SWAP] = 2,
						   [STEP_DROP] = 2,	 [STEP_ENCRYPTION] = 3, [STEP_SEQ_SKEW] = 2};
	static const int32_t skews[] = {1, -1, 2, -2, 0x7fffffff, (int32_t)0x80000000};
	struct case_step st;

	memset(&st, 0, sizeof st);
	st.kind = (enum case_step_kind)pick_weighted(s, w, STEP_KIND_COUNT);
	switch (st.kind) {
	case STEP_RAW:
		gen_raw(&st, s);
		break;
	case STEP_ENCRYPTION:
		st.value = chance(s, 25);
		break;
	case STEP_SEQ_SKEW:
		st.value = chance(s, 85) ? (uint32_t)PICK(s, skews) : (uint32_t)rnd_next(s);
		break;
	default:
		break;
	}
	insert_step(c, below(s, c->n_steps + 1u), &st);
}

static void op_remove(struct sshdiff_case *c, uint64_t *s)
{
	if (c->n_steps)
		remove_step(c, below(s, c->n_steps));
}

static void op_duplicate(struct sshdiff_case *c, uint64_t *s)
{
	if (c->n_steps) {
		unsigned i = below(s, c->n_steps);
		struct case_step st = c->steps[i];
		insert_step(c, i + 1, &st);
	}
}

static void op_swap(struct sshdiff_case *c, uint64_t *s)
{
	if (c->n_steps >= 2) {
		unsigned i = below(s, c->n_steps - 1u);
		struct case_step t = c->steps[i];
		c->steps[i] = c->steps[i + 1];
		c->steps[i + 1] = t;
	}
}

static void op_move(struct sshdiff_case *c, uint64_t *s)
{
	if (c->n_steps >= 2) {
		unsigned from = below(s, c->n_steps);
		struct case_step st = c->steps[from];
		remove_step(c, from);
		insert_step(c, below(s, c->n_steps + 1u), &st);
	}
}

static void op_change_expect(struct sshdiff_case *c, uint64_t *s)
{
	int i = find_step(c, s, STEP_EXPECT);

	if (i >= 0)
		c->steps[i].msg = pick_expect_msg(s);
}

/* Another message in a SEND step; its mutations keep their place in the
 * new message's field table (modulo its size). */
static void op_change_send(struct sshdiff_case *c, uint64_t *s)
{
	int i = find_step(c, s, STEP_SEND);

	if (i < 0)
		return;
	struct case_step *st = &c->steps[i];
	st->msg = pick_send_msg(s);
	for (unsigned k = 0; k < st->n_mutations; k++)
		st->mutations[k].field = (uint8_t)(st->mutations[k].field % field_slots(st->msg));
}

static void op_add_mutation(struct sshdiff_case *c, uint64_t *s)
{
	int i = find_step(c, s, STEP_SEND);

	if (i < 0) {
		op_insert_send(c, s);
		return;
	}
	struct case_step *st = &c->steps[i];
	unsigned k = st->n_mutations < CASE_MAX_MUTATIONS ? st->n_mutations++ : below(s, CASE_MAX_MUTATIONS);
	gen_mutation(&st->mutations[k], pick_mut_kind(s, st->msg), s, c, st->msg);
	/* A tester's move: send it broken AND say what answer the RFC wants
	 * (a FAILURE, a DISCONNECT, anything): the EXPECT right after it. */
	if ((unsigned)i + 1 < c->n_steps && c->steps[i + 1].kind == STEP_EXPECT && chance(s, 25))
		c->steps[i + 1].msg = pick_expect_msg(s);
}

/* A SEND step that has mutations, or -1. */
static int find_mutated(const struct sshdiff_case *c, uint64_t *s)
{
	unsigned idx[CASE_MAX_STEPS], n = 0;

	for (unsigned i = 0; i < c->n_steps; i++)
		if (c->steps[i].kind == STEP_SEND && c->steps[i].n_mutations)
			idx[n++] = i;
	return n ? (int)idx[below(s, n)] : -1;
}

static void op_change_mutation(struct sshdiff_case *c, uint64_t *s)
{
	int i = find_mutated(c, s);

	if (i < 0) {
		op_add_mutation(c, s);
		return;
	}
	struct case_step *st = &c->steps[i];
	struct case_mutation *mu = &st->mutations[below(s, st->n_mutations)];
	/* Same kind, new values; now and then another kind. */
	gen_mutation(mu, chance(s, 80) ? mu->kind : pick_mut_kind(s, st->msg), s, c, st->msg);
}

static void op_remove_mutation(struct sshdiff_case *c, uint64_t *s)
{
	int i = find_mutated(c, s);

	if (i < 0)
		return;
	struct case_step *st = &c->steps[i];
	unsigned k = below(s, st->n_mutations);
	memmove(&st->mutations[k], &st->mutations[k + 1], (st->n_mutations - k - 1) * sizeof st->mutations[0]);
	st->n_mutations--;
	memset(&st->mutations[st->n_mutations], 0, sizeof st->mutations[0]);
}

/* ---- the case's settings ---- */

static void set_name(char dst[CASE_NAME_MAX], const char *src)
{
	size_t n = strlen(src);

	if (n >= CASE_NAME_MAX)
		n = CASE_NAME_MAX - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool script_has_gex(const struct sshdiff_case *c)
{
	for (unsigned i = 0; i < c->n_steps; i++)
		if ((c->steps[i].kind == STEP_SEND || c->steps[i].kind == STEP_EXPECT) &&
		    (c->steps[i].msg == CM_GEX_REQUEST || c->steps[i].msg == CM_GEX_GROUP))
			return true;
	return false;
}

static void op_algorithms(struct sshdiff_case *c, uint64_t *s)
{
	enum name_kind k = (enum name_kind)below(s, 4);
	char *dst = k == NAMES_KEX ? c->algs.kex : k == NAMES_HOSTKEY ? c->algs.hostkey
					 : k == NAMES_CIPHER ? c->algs.cipher : c->algs.mac;
	char buf[CASE_NAME_MAX];
	const char *first = supported_name(s, k);

	switch (below(s, 8)) {
	case 0: /* an unknown name first: negotiation goes on to the second */
		snprintf(buf, sizeof buf, "%s,%s", PICK(s, extra_names), first);
		set_name(dst, buf);
		break;
	case 1:
		snprintf(buf, sizeof buf, "%s,%s", first, supported_name(s, k));
		set_name(dst, buf);
		break;
	default:
		set_name(dst, first);
		break;
	}
	if (k == NAMES_HOSTKEY && chance(s, 90))
		c->host_key = testkey_for_alg(span_cstr(first));
	if (k == NAMES_KEX) {
		const struct kex_method *m = first_kex(c);
		bool gex = m && m->family == KEX_FAMILY_GEX;
		/* The GEX script has two more steps (RFC 4419 section 3). */
		if (gex != script_has_gex(c))
			case_default_script(c);
	}
}

static void op_names(struct sshdiff_case *c, uint64_t *s)
{
	static const char *const versions[] = {"SSH-2.0-sshdiff_actor", "SSH-1.99-sshdiff", "SSH-2.0-", "SSH-1.5-old",
					       "SSH-2.0-OpenSSH_9.2p1 Debian-2", "SSH-2.0-libssh_0.10.6", "SSH-3.0-x",
					       "ssh-2.0-lower", ""};
	static const char *const users[] = {"sshdiff", "root", "", "SSHDIFF", "sshdiff "};
	char buf[CASE_NAME_MAX];

	switch (below(s, 3)) {
	case 0:
		set_name(c->actor_version, PICK(s, versions));
		if (chance(s, 10)) {
			memset(buf, 'v', 250);
			memcpy(buf, "SSH-2.0-", 8);
			buf[250] = '\0';
			set_name(c->actor_version, buf);
		}
		break;
	case 1:
		set_name(c->user, PICK(s, users));
		break;
	default:
		set_name(c->password, chance(s, 50) ? "" : "wrong-password");
		break;
	}
}

static void op_role(struct sshdiff_case *c, uint64_t *s)
{
	(void)s;
	c->iut_role = c->iut_role == CASE_IUT_SERVER ? CASE_IUT_CLIENT : CASE_IUT_SERVER;
	case_default_script(c); /* scripts are role-specific */
}

static void op_keys(struct sshdiff_case *c, uint64_t *s)
{
	if (chance(s, 50))
		c->host_key = (enum case_key)below(s, CASE_KEY_COUNT);
	else
		c->user_key = (enum case_key)below(s, CASE_KEY_COUNT);
}

/* ---- the operator table ---- */

enum op {
	OP_INSERT_SEND,
	OP_INSERT_EXPECT,
	OP_INSERT_CONTROL,
	OP_REMOVE,
	OP_DUPLICATE,
	OP_SWAP,
	OP_MOVE,
	OP_CHANGE_EXPECT,
	OP_CHANGE_SEND,
	OP_ADD_MUTATION,
	OP_CHANGE_MUTATION,
	OP_REMOVE_MUTATION,
	OP_STRICT_KEX,
	OP_EXT_INFO,
	OP_ROLE,
	OP_ALGORITHMS,
	OP_KEYS,
	OP_SEED,
	OP_NAMES,
	OP_COUNT
};

static const uint8_t op_weights[OP_COUNT] = {
	[OP_INSERT_SEND] = 14,	 [OP_INSERT_EXPECT] = 3, [OP_INSERT_CONTROL] = 6,  [OP_REMOVE] = 6,
	[OP_DUPLICATE] = 3,	 [OP_SWAP] = 4,		 [OP_MOVE] = 2,		   [OP_CHANGE_EXPECT] = 5,
	[OP_CHANGE_SEND] = 2,	 [OP_ADD_MUTATION] = 24, [OP_CHANGE_MUTATION] = 8, [OP_REMOVE_MUTATION] = 3,
	[OP_STRICT_KEX] = 2,	 [OP_EXT_INFO] = 2,	 [OP_ROLE] = 1,		   [OP_ALGORITHMS] = 4,
	[OP_KEYS] = 2,		 [OP_SEED] = 2,		 [OP_NAMES] = 1,
};

static void apply_op(struct sshdiff_case *c, enum op op, uint64_t *s)
{
	switch (op) {
	case OP_INSERT_SEND: op_insert_send(c, s); break;
	case OP_INSERT_EXPECT: op_insert_expect(c, s); break;
	case OP_INSERT_CONTROL: op_insert_control(c, s); break;
	case OP_REMOVE: op_remove(c, s); break;
	case OP_DUPLICATE: op_duplicate(c, s); break;
	case OP_SWAP: op_swap(c, s); break;
	case OP_MOVE: op_move(c, s); break;
	case OP_CHANGE_EXPECT: op_change_expect(c, s); break;
	case OP_CHANGE_SEND: op_change_send(c, s); break;
	case OP_ADD_MUTATION: op_add_mutation(c, s); break;
	case OP_CHANGE_MUTATION: op_change_mutation(c, s); break;
	case OP_REMOVE_MUTATION: op_remove_mutation(c, s); break;
	case OP_STRICT_KEX: c->strict_kex = !c->strict_kex; break;
	case OP_EXT_INFO: c->ext_info = !c->ext_info; break;
	case OP_ROLE: op_role(c, s); break;
	case OP_ALGORITHMS: op_algorithms(c, s); break;
	case OP_KEYS: op_keys(c, s); break;
	case OP_SEED: c->seed = rnd_next(s); break;
	case OP_NAMES: op_names(c, s); break;
	default: break;
	}
}

void case_mutate_struct(struct sshdiff_case *c, uint64_t *state)
{
	/* One operator mostly; two or more now and then (NEZHA and
	 * AFL's havoc stack them the same way). */
	unsigned n = chance(state, 75) ? 1 : chance(state, 60) ? 2 : 3 + below(state, 3);

	for (unsigned i = 0; i < n; i++)
		apply_op(c, (enum op)pick_weighted(state, op_weights, OP_COUNT), state);
}

/* ---- encoding within max_size ---- */

/* Halves the largest piece of data (raw step, mutation data or name)
 * longer than `floor` bytes; false when there is none. */
static bool shrink_data(struct sshdiff_case *c, size_t floor)
{
	uint16_t *best = NULL;
	char *best_name = NULL;
	size_t best_len = floor;

	for (unsigned i = 0; i < c->n_steps; i++) {
		struct case_step *st = &c->steps[i];
		if (st->kind == STEP_RAW && st->data_len > best_len)
			best = &st->data_len, best_len = st->data_len;
		for (unsigned k = 0; st->kind == STEP_SEND && k < st->n_mutations; k++)
			if (st->mutations[k].data_len > best_len)
				best = &st->mutations[k].data_len, best_len = st->mutations[k].data_len;
	}
	char *names[] = {c->actor_version, c->user, c->password, c->algs.kex, c->algs.hostkey, c->algs.cipher,
			 c->algs.mac};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) > best_len)
			best_name = names[i], best_len = strlen(names[i]), best = NULL;
	if (best_name) {
		best_name[best_len / 2] = '\0';
		return true;
	}
	if (best) {
		*best = (uint16_t)(*best / 2);
		return true;
	}
	return false;
}

size_t case_encode_fit(struct sshdiff_case *c, uint8_t *out, size_t max_out)
{
	struct sbuf b = SBUF_INIT;
	size_t n = 0;

	for (;;) {
		sbuf_reset(&b);
		if (case_encode(c, &b) != SD_OK)
			break;
		if (b.len <= max_out) {
			memcpy(out, b.data, b.len);
			n = b.len;
			break;
		}
		/* long data first, then trailing steps, then the short names:
		 * an empty case (19 bytes) is the last resort */
		if (shrink_data(c, 8))
			continue;
		if (c->n_steps)
			remove_step(c, c->n_steps - 1u);
		else if (!shrink_data(c, 0))
			break;
	}
	sbuf_free(&b);
	return n;
}

/* ---- the entry points ---- */

static uint64_t seed_state(uint32_t seed, size_t size)
{
	uint64_t s = (uint64_t)seed << 32 ^ (uint64_t)size ^ 0x5eed5eedull;

	(void)rnd_next(&s);
	return s;
}

size_t case_mutate(uint8_t *data, size_t size, size_t max_size, uint32_t seed, byte_mutator_fn byte_mutate)
{
	static struct sshdiff_case c; /* 130 KB: not on the stack */
	uint64_t s = seed_state(seed, size);
	size_t n;

	if (size > max_size)
		size = max_size;
	if (byte_mutate && chance(&s, 10)) {
		/* Plain byte mutation of the encoding (what the decoder's
		 * totality is for), then back to the canonical form.  Mostly of
		 * the script only: the settings before it are length-prefixed
		 * names, and a byte inserted or cut there shifts one field into
		 * the next (kex list "sshdiff-password"), a configuration no
		 * backend can serve.  Such inputs were a third of a 3-minute
		 * campaign's corpus, libssh refusing its options in half of it
		 * (bench/RESULTS.md, session 4); the settings have their own
		 * structured moves (op_algorithms, op_names, keys, seed). */
		size_t head = 0;
		case_decode(data, size, &c);
		size = case_encode_fit(&c, data, max_size);
		if (!chance(&s, 2))
			head = case_encoded_script_offset(&c);
		if (head > size)
			head = 0;
		size = head + byte_mutate(data + head, size - head, max_size - head);
		if (size > max_size)
			size = max_size;
		case_decode(data, size, &c);
	} else {
		case_decode(data, size, &c);
		case_mutate_struct(&c, &s);
	}
	n = case_encode_fit(&c, data, max_size);
	return n ? n : size;
}

size_t case_crossover(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2, uint8_t *out,
		      size_t max_out, uint32_t seed)
{
	static struct sshdiff_case a, b;
	uint64_t s = seed_state(seed, size1 ^ size2 << 16);
	unsigned i, j, k;

	case_decode(data1, size1, &a);
	case_decode(data2, size2, &b);
	i = below(&s, a.n_steps + 1u);
	j = below(&s, b.n_steps + 1u);
	switch (below(&s, 3)) {
	case 0: /* a's steps [0, i) then b's [j, end) */
		for (k = j; k < b.n_steps && i < CASE_MAX_STEPS; k++)
			a.steps[i++] = b.steps[k];
		memset(&a.steps[i], 0, (CASE_MAX_STEPS - i) * sizeof a.steps[0]);
		a.n_steps = (uint8_t)i;
		break;
	case 1: { /* a run of 1-4 of b's steps inserted into a at i */
		unsigned run = 1 + below(&s, 4);
		for (k = 0; k < run && j + k < b.n_steps; k++)
			if (!insert_step(&a, i + k, &b.steps[j + k]))
				break;
		break;
	}
	default: /* b's settings, a's script */
		memcpy(&a, &b, offsetof(struct sshdiff_case, n_steps));
		break;
	}
	return case_encode_fit(&a, out, max_out);
}

/*
 * case.c — the parts of a case every form shares: names, the field tables
 * (the contract the actor implements MUT_SET_FIELD / MUT_LIE_LENGTH with),
 * the validity rules, equality, the default case and script, and the content
 * hash.  docs/case-format.md is the normative description.
 */
#include "oracle/case_impl.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

static const char *const msg_names[CM_COUNT + 1] = {
	[CM_KEXINIT] = "KEXINIT",
	[CM_KEX_INIT] = "KEX_INIT",
	[CM_GEX_REQUEST] = "GEX_REQUEST",
	[CM_GEX_GROUP] = "GEX_GROUP",
	[CM_KEX_REPLY] = "KEX_REPLY",
	[CM_NEWKEYS] = "NEWKEYS",
	[CM_EXT_INFO] = "EXT_INFO",
	[CM_SERVICE_REQUEST] = "SERVICE_REQUEST",
	[CM_SERVICE_ACCEPT] = "SERVICE_ACCEPT",
	[CM_USERAUTH_NONE] = "USERAUTH_NONE",
	[CM_USERAUTH_PASSWORD] = "USERAUTH_PASSWORD",
	[CM_USERAUTH_PK_QUERY] = "USERAUTH_PK_QUERY",
	[CM_USERAUTH_PK_SIGNED] = "USERAUTH_PK_SIGNED",
	[CM_USERAUTH_FAILURE] = "USERAUTH_FAILURE",
	[CM_USERAUTH_SUCCESS] = "USERAUTH_SUCCESS",
	[CM_USERAUTH_PK_OK] = "USERAUTH_PK_OK",
	[CM_USERAUTH_BANNER] = "USERAUTH_BANNER",
	[CM_IGNORE] = "IGNORE",
	[CM_DEBUG] = "DEBUG",
	[CM_UNIMPLEMENTED] = "UNIMPLEMENTED",
	[CM_DISCONNECT] = "DISCONNECT",
	[CM_GLOBAL_REQUEST] = "GLOBAL_REQUEST",
	[CM_CHANNEL_OPEN] = "CHANNEL_OPEN",
	[CM_COUNT] = "ANY", /* EXPECT: whatever the IUT sends next */
};

static const char *const step_names[STEP_KIND_COUNT] = {
	[STEP_SEND] = "send",         [STEP_EXPECT] = "expect",         [STEP_RAW] = "raw",
	[STEP_DUPLICATE] = "duplicate", [STEP_SWAP] = "swap",           [STEP_DROP] = "drop",
	[STEP_ENCRYPTION] = "encryption", [STEP_SEQ_SKEW] = "seq-skew",
};

static const char *const mut_names[MUT_KIND_COUNT] = {
	[MUT_NONE] = "none",           [MUT_SET_FIELD] = "set",   [MUT_FLIP] = "flip",
	[MUT_TRUNCATE] = "truncate",   [MUT_EXTEND] = "extend",   [MUT_LIE_LENGTH] = "lie-length",
	[MUT_MSG_NUMBER] = "msg-number", [MUT_KDF_HASH] = "kdf-hash", [MUT_SIG_HASH] = "sig-hash",
	[MUT_GUESS] = "guess",         [MUT_SIG_MALLEATE] = "sig-malleate",
};

static const char *const key_names[CASE_KEY_COUNT] = {
	[CASE_KEY_ED25519_A] = "ed25519-a",   [CASE_KEY_ED25519_B] = "ed25519-b",
	[CASE_KEY_ECDSA_P256] = "ecdsa-p256", [CASE_KEY_ECDSA_P384] = "ecdsa-p384",
	[CASE_KEY_ECDSA_P521] = "ecdsa-p521", [CASE_KEY_RSA_3072] = "rsa-3072",
};

/* Field tables, in wire order after the message number.  At most 13 fields
 * (KEXINIT); a NULL ends a shorter table. */
#define FIELDS_MAX 14
static const char *const msg_fields[CM_COUNT][FIELDS_MAX] = {
	/* RFC 4253 section 7.1 */
	[CM_KEXINIT] = {"cookie", "kex", "hostkey", "cipher_cs", "cipher_sc", "mac_cs", "mac_sc", "comp_cs",
			"comp_sc", "lang_cs", "lang_sc", "first_kex_follows", "reserved"},
	/* RFC 4253 section 8 e, RFC 5656 section 4 Q_C, RFC 4419 section 3 e */
	[CM_KEX_INIT] = {"e"},
	/* RFC 4419 section 3 */
	[CM_GEX_REQUEST] = {"min", "n", "max"},
	[CM_GEX_GROUP] = {"p", "g"},
	/* RFC 4253 section 8 K_S, f, signature; RFC 5656 section 4 Q_S */
	[CM_KEX_REPLY] = {"hostkey", "f", "signature"},
	[CM_NEWKEYS] = {NULL},
	/* RFC 8308 section 2.3: only the first extension is addressable */
	[CM_EXT_INFO] = {"count", "name0", "value0"},
	/* RFC 4253 section 10 */
	[CM_SERVICE_REQUEST] = {"service"},
	[CM_SERVICE_ACCEPT] = {"service"},
	/* RFC 4252 sections 5, 8, 7 */
	[CM_USERAUTH_NONE] = {"user", "service", "method"},
	[CM_USERAUTH_PASSWORD] = {"user", "service", "method", "change", "password"},
	[CM_USERAUTH_PK_QUERY] = {"user", "service", "method", "has_sig", "alg", "key"},
	[CM_USERAUTH_PK_SIGNED] = {"user", "service", "method", "has_sig", "alg", "key", "signature"},
	[CM_USERAUTH_FAILURE] = {"methods", "partial"},
	[CM_USERAUTH_SUCCESS] = {NULL},
	[CM_USERAUTH_PK_OK] = {"alg", "key"},
	/* RFC 4252 section 5.4 */
	[CM_USERAUTH_BANNER] = {"message", "lang"},
	/* RFC 4253 sections 11.2, 11.3, 11.4, 11.1 */
	[CM_IGNORE] = {"data"},
	[CM_DEBUG] = {"always_display", "message", "lang"},
	[CM_UNIMPLEMENTED] = {"seq"},
	[CM_DISCONNECT] = {"reason", "description", "lang"},
	/* RFC 4254 sections 4, 5.1 */
	[CM_GLOBAL_REQUEST] = {"name", "want_reply"},
	[CM_CHANNEL_OPEN] = {"type", "sender", "window", "max_packet"},
};

static const char *const kdf_hash_names[CASE_KDF_HASH_COUNT] = {"sha1", "sha256", "sha384", "sha512"};
static const char *const sig_hash_names[CASE_SIG_HASH_COUNT] = {"none", "sha1", "sha256", "sha384", "sha512"};

const char *case_msg_name(enum case_msg m)
{
	return (unsigned)m <= CM_COUNT ? msg_names[m] : NULL;
}

const char *case_step_kind_name(enum case_step_kind k)
{
	return (unsigned)k < STEP_KIND_COUNT ? step_names[k] : NULL;
}

const char *case_mutation_kind_name(enum case_mutation_kind k)
{
	return (unsigned)k < MUT_KIND_COUNT ? mut_names[k] : NULL;
}

const char *case_key_name(enum case_key k)
{
	return (unsigned)k < CASE_KEY_COUNT ? key_names[k] : NULL;
}

const char *case_msg_field_name(enum case_msg m, unsigned field)
{
	if ((unsigned)m >= CM_COUNT || field >= FIELDS_MAX)
		return NULL;
	return msg_fields[m][field];
}

unsigned case_msg_field_count(enum case_msg m)
{
	unsigned n = 0;
	while (case_msg_field_name(m, n))
		n++;
	return n;
}

unsigned case_msg_field_slots(enum case_msg m)
{
	unsigned n = case_msg_field_count(m);
	return n ? n : 1;
}

const char *case_kdf_hash_name(unsigned v)
{
	return v < CASE_KDF_HASH_COUNT ? kdf_hash_names[v] : NULL;
}

const char *case_sig_hash_name(unsigned v)
{
	return v < CASE_SIG_HASH_COUNT ? sig_hash_names[v] : NULL;
}

enum case_step_shape case_step_shape(enum case_step_kind k)
{
	switch (k) {
	case STEP_SEND:
		return SHAPE_STEP_MSG_MUTS;
	case STEP_EXPECT:
		return SHAPE_STEP_MSG_ANY;
	case STEP_RAW:
		return SHAPE_STEP_DATA;
	case STEP_ENCRYPTION:
		return SHAPE_STEP_BOOL;
	case STEP_SEQ_SKEW:
		return SHAPE_STEP_VALUE;
	default:
		return SHAPE_STEP_NONE;
	}
}

enum case_mut_shape case_mut_shape(enum case_mutation_kind k)
{
	switch (k) {
	case MUT_SET_FIELD:
		return SHAPE_MUT_FIELD_DATA;
	case MUT_FLIP:
		return SHAPE_MUT_OFFSET_MASK;
	case MUT_TRUNCATE:
		return SHAPE_MUT_OFFSET;
	case MUT_EXTEND:
		return SHAPE_MUT_DATA;
	case MUT_LIE_LENGTH:
		return SHAPE_MUT_FIELD_VALUE;
	case MUT_MSG_NUMBER:
	case MUT_GUESS:
		return SHAPE_MUT_BYTE;
	case MUT_KDF_HASH:
		return SHAPE_MUT_KDF;
	case MUT_SIG_HASH:
		return SHAPE_MUT_SIG;
	default:
		return SHAPE_MUT_NONE;
	}
}

/* ---- validity ---- */

static bool name_valid(const char *s)
{
	size_t n = strnlen(s, CASE_NAME_MAX);
	if (n == CASE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!case_char_ok((unsigned char)s[i]))
			return false;
	return true;
}

static bool mutation_valid(const struct case_mutation *m, enum case_msg msg, const char **why)
{
	if ((unsigned)m->kind >= MUT_KIND_COUNT)
		return *why = "mutation kind out of range", false;
	switch (case_mut_shape(m->kind)) {
	case SHAPE_MUT_FIELD_DATA:
		if (m->data_len > CASE_MAX_DATA)
			return *why = "mutation data longer than CASE_MAX_DATA", false;
		/* fall through */
	case SHAPE_MUT_FIELD_VALUE:
		if (m->field >= case_msg_field_slots(msg))
			return *why = "mutation field not in the message's field table", false;
		return true;
	case SHAPE_MUT_DATA:
		if (m->data_len > CASE_MAX_DATA)
			return *why = "mutation data longer than CASE_MAX_DATA", false;
		return true;
	case SHAPE_MUT_BYTE:
		if (m->value > 0xff)
			return *why = "msg-number/guess value above 255", false;
		return true;
	case SHAPE_MUT_KDF:
		if (m->value >= CASE_KDF_HASH_COUNT)
			return *why = "kdf-hash value not an enum kex_hash", false;
		return true;
	case SHAPE_MUT_SIG:
		if (m->value >= CASE_SIG_HASH_COUNT)
			return *why = "sig-hash value not an enum sig_hash", false;
		return true;
	default:
		return true;
	}
}

static bool step_valid(const struct case_step *s, const char **why)
{
	if ((unsigned)s->kind >= STEP_KIND_COUNT)
		return *why = "step kind out of range", false;
	switch (case_step_shape(s->kind)) {
	case SHAPE_STEP_MSG_MUTS:
		if ((unsigned)s->msg >= CM_COUNT)
			return *why = "send of a message out of range (ANY is for expect only)", false;
		if (s->n_mutations > CASE_MAX_MUTATIONS)
			return *why = "more than CASE_MAX_MUTATIONS mutations", false;
		for (unsigned i = 0; i < s->n_mutations; i++)
			if (!mutation_valid(&s->mutations[i], s->msg, why))
				return false;
		return true;
	case SHAPE_STEP_MSG_ANY:
		if ((unsigned)s->msg > CM_COUNT)
			return *why = "expect of a message out of range", false;
		return true;
	case SHAPE_STEP_DATA:
		if (s->data_len > CASE_MAX_DATA)
			return *why = "raw data longer than CASE_MAX_DATA", false;
		return true;
	case SHAPE_STEP_BOOL:
		if (s->value > 1)
			return *why = "encryption value not 0 or 1", false;
		return true;
	default:
		return true;
	}
}

bool case_valid(const struct sshdiff_case *c, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	if (c->version != CASE_VERSION)
		return *why = "version is not CASE_VERSION", false;
	if ((unsigned)c->iut_role > CASE_IUT_CLIENT)
		return *why = "iut role out of range", false;
	if ((unsigned)c->host_key >= CASE_KEY_COUNT || (unsigned)c->user_key >= CASE_KEY_COUNT)
		return *why = "key id out of range", false;
	if (!name_valid(c->actor_version) || !name_valid(c->user) || !name_valid(c->password) ||
	    !name_valid(c->algs.kex) || !name_valid(c->algs.hostkey) || !name_valid(c->algs.cipher) ||
	    !name_valid(c->algs.mac))
		return *why = "a name is not NUL-terminated printable ASCII", false;
	if (c->n_steps > CASE_MAX_STEPS)
		return *why = "more than CASE_MAX_STEPS steps", false;
	for (unsigned i = 0; i < c->n_steps; i++)
		if (!step_valid(&c->steps[i], why))
			return false;
	return true;
}

/* ---- equality: only what the kind uses (case_impl.h shapes) ---- */

static bool mutation_equal(const struct case_mutation *a, const struct case_mutation *b)
{
	if (a->kind != b->kind)
		return false;
	switch (case_mut_shape(a->kind)) {
	case SHAPE_MUT_FIELD_DATA:
		return a->field == b->field && a->data_len == b->data_len && memcmp(a->data, b->data, a->data_len) == 0;
	case SHAPE_MUT_OFFSET_MASK:
		return a->offset == b->offset && a->mask == b->mask;
	case SHAPE_MUT_OFFSET:
		return a->offset == b->offset;
	case SHAPE_MUT_DATA:
		return a->data_len == b->data_len && memcmp(a->data, b->data, a->data_len) == 0;
	case SHAPE_MUT_FIELD_VALUE:
		return a->field == b->field && a->value == b->value;
	case SHAPE_MUT_BYTE:
	case SHAPE_MUT_KDF:
	case SHAPE_MUT_SIG:
		return a->value == b->value;
	default:
		return true;
	}
}

static bool step_equal(const struct case_step *a, const struct case_step *b)
{
	if (a->kind != b->kind)
		return false;
	switch (case_step_shape(a->kind)) {
	case SHAPE_STEP_MSG_MUTS:
		if (a->msg != b->msg || a->n_mutations != b->n_mutations || a->n_mutations > CASE_MAX_MUTATIONS)
			return false;
		for (unsigned i = 0; i < a->n_mutations; i++)
			if (!mutation_equal(&a->mutations[i], &b->mutations[i]))
				return false;
		return true;
	case SHAPE_STEP_MSG_ANY:
		return a->msg == b->msg;
	case SHAPE_STEP_DATA:
		return a->data_len == b->data_len && a->data_len <= CASE_MAX_DATA &&
		       memcmp(a->data, b->data, a->data_len) == 0;
	case SHAPE_STEP_BOOL:
	case SHAPE_STEP_VALUE:
		return a->value == b->value;
	default:
		return true;
	}
}

static bool name_equal(const char *a, const char *b)
{
	return strncmp(a, b, CASE_NAME_MAX) == 0;
}

bool case_equal(const struct sshdiff_case *a, const struct sshdiff_case *b)
{
	if (a->version != b->version || a->iut_role != b->iut_role || a->seed != b->seed ||
	    a->host_key != b->host_key || a->user_key != b->user_key || a->strict_kex != b->strict_kex ||
	    a->ext_info != b->ext_info || a->n_steps != b->n_steps || a->n_steps > CASE_MAX_STEPS)
		return false;
	if (!name_equal(a->actor_version, b->actor_version) || !name_equal(a->user, b->user) ||
	    !name_equal(a->password, b->password) || !name_equal(a->algs.kex, b->algs.kex) ||
	    !name_equal(a->algs.hostkey, b->algs.hostkey) || !name_equal(a->algs.cipher, b->algs.cipher) ||
	    !name_equal(a->algs.mac, b->algs.mac))
		return false;
	for (unsigned i = 0; i < a->n_steps; i++)
		if (!step_equal(&a->steps[i], &b->steps[i]))
			return false;
	return true;
}

/* ---- defaults ---- */

static void set_name(char dst[CASE_NAME_MAX], const char *src)
{
	snprintf(dst, CASE_NAME_MAX, "%s", src);
}

void case_default(struct sshdiff_case *c, enum case_role iut_role)
{
	memset(c, 0, sizeof *c);
	c->version = CASE_VERSION;
	c->iut_role = iut_role;
	c->seed = 1;
	set_name(c->actor_version, "SSH-2.0-sshdiff_actor");
	c->host_key = CASE_KEY_ED25519_A;
	c->user_key = CASE_KEY_ED25519_B;
	set_name(c->user, "sshdiff");
	set_name(c->password, "sshdiff-password");
	set_name(c->algs.kex, "curve25519-sha256");
	set_name(c->algs.hostkey, "ssh-ed25519");
	set_name(c->algs.cipher, "chacha20-poly1305@openssh.com");
	set_name(c->algs.mac, "hmac-sha2-256");
	c->strict_kex = true;
	c->ext_info = true;
	case_default_script(c);
}

static void add_step(struct sshdiff_case *c, enum case_step_kind kind, enum case_msg msg)
{
	if (c->n_steps >= CASE_MAX_STEPS)
		return;
	struct case_step *s = &c->steps[c->n_steps++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->msg = msg;
}

/* Group exchange (RFC 4419) when the first name of the kex list says so:
 * that is the method the actor proposes first and expects to agree on. */
static bool first_kex_is_gex(const struct sshdiff_case *c)
{
	size_t n = strcspn(c->algs.kex, ",");
	char first[CASE_NAME_MAX];
	memcpy(first, c->algs.kex, n);
	first[n] = '\0';
	return strstr(first, "group-exchange") != NULL;
}

/* Actor is the client: key exchange (RFC 4253 sections 7-8, RFC 4419
 * section 3), service request (section 10), publickey query then signed
 * request (RFC 4252 section 7). */
static void script_iut_server(struct sshdiff_case *c, bool gex)
{
	add_step(c, STEP_SEND, CM_KEXINIT);
	add_step(c, STEP_EXPECT, CM_KEXINIT);
	if (gex) {
		add_step(c, STEP_SEND, CM_GEX_REQUEST);
		add_step(c, STEP_EXPECT, CM_GEX_GROUP);
	}
	add_step(c, STEP_SEND, CM_KEX_INIT);
	add_step(c, STEP_EXPECT, CM_KEX_REPLY);
	add_step(c, STEP_SEND, CM_NEWKEYS);
	add_step(c, STEP_EXPECT, CM_NEWKEYS);
	add_step(c, STEP_SEND, CM_SERVICE_REQUEST);
	add_step(c, STEP_EXPECT, CM_SERVICE_ACCEPT);
	add_step(c, STEP_SEND, CM_USERAUTH_PK_QUERY);
	add_step(c, STEP_EXPECT, CM_USERAUTH_PK_OK);
	add_step(c, STEP_SEND, CM_USERAUTH_PK_SIGNED);
	add_step(c, STEP_EXPECT, CM_USERAUTH_SUCCESS);
}

/* Actor is the server: it accepts the client's first userauth request,
 * whatever the method, so one script serves every client configuration. */
static void script_iut_client(struct sshdiff_case *c, bool gex)
{
	add_step(c, STEP_SEND, CM_KEXINIT);
	add_step(c, STEP_EXPECT, CM_KEXINIT);
	if (gex) {
		add_step(c, STEP_EXPECT, CM_GEX_REQUEST);
		add_step(c, STEP_SEND, CM_GEX_GROUP);
	}
	add_step(c, STEP_EXPECT, CM_KEX_INIT);
	add_step(c, STEP_SEND, CM_KEX_REPLY);
	add_step(c, STEP_SEND, CM_NEWKEYS);
	add_step(c, STEP_EXPECT, CM_NEWKEYS);
	if (c->ext_info)
		add_step(c, STEP_SEND, CM_EXT_INFO); /* RFC 8308 section 2.4 */
	add_step(c, STEP_EXPECT, CM_SERVICE_REQUEST);
	add_step(c, STEP_SEND, CM_SERVICE_ACCEPT);
	add_step(c, STEP_EXPECT, CM_COUNT);
	add_step(c, STEP_SEND, CM_USERAUTH_SUCCESS);
}

void case_default_script(struct sshdiff_case *c)
{
	bool gex = first_kex_is_gex(c);

	c->n_steps = 0;
	memset(c->steps, 0, sizeof c->steps);
	if (c->iut_role == CASE_IUT_CLIENT)
		script_iut_client(c, gex);
	else
		script_iut_server(c, gex);
}

/* ---- content hash ---- */

sd_err case_hash_hex(const struct sshdiff_case *c, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	struct sbuf body = SBUF_INIT;
	uint8_t md[32];
	unsigned md_len = 0;
	sd_err e;

	out[0] = '\0';
	if ((e = case_encode(c, &body)) != SD_OK)
		goto out;
	if (!EVP_Digest(body.data ? body.data : md, body.len, md, &md_len, EVP_sha256(), NULL) || md_len != 32) {
		e = SD_ERR_INTERNAL;
		goto out;
	}
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
out:
	sbuf_free(&body);
	return e;
}

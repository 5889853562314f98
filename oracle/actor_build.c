/*
 * actor_build.c — building each logical message of a case (case.h
 * enum case_msg) with proto/msg.h, then its mutations.
 *
 * Order (actor.h): the fields are filled from the actor's state, the step's
 * MUT_SET_FIELD values replace theirs, THEN the values that depend on them
 * are computed (K, H and the host key signature over a mutated f; the
 * userauth signature over a mutated user name), then the payload is
 * serialised and the byte-level mutations (flip, truncate, extend,
 * lie-length, msg-number) are applied in the order the step lists them.
 * Field indices are those of case_msg_field_name (wire order).
 */
#include "oracle/actor_impl.h"

#include <string.h>

#include "oracle/keycache.h"
#include "oracle/testkeys.h"

static const char userauth_service[] = "ssh-userauth";
static const char connection_service[] = "ssh-connection";
static const char failure_methods[] = "publickey,password";

/* Wire shape of each message's fields, in case.c's field-table order:
 * c = 16-byte cookie, s = uint32 length + bytes (string, name-list, mpint),
 * u = uint32, b = byte / boolean.  MUT_LIE_LENGTH walks the payload with it. */
static const char *const wire_shape[CM_COUNT] = {
	[CM_KEXINIT] = "cssssssssssbu",
	[CM_KEX_INIT] = "s",
	[CM_GEX_REQUEST] = "uuu",
	[CM_GEX_GROUP] = "ss",
	[CM_KEX_REPLY] = "sss",
	[CM_NEWKEYS] = "",
	[CM_EXT_INFO] = "uss",
	[CM_SERVICE_REQUEST] = "s",
	[CM_SERVICE_ACCEPT] = "s",
	[CM_USERAUTH_NONE] = "sss",
	[CM_USERAUTH_PASSWORD] = "sssbs",
	[CM_USERAUTH_PK_QUERY] = "sssbss",
	[CM_USERAUTH_PK_SIGNED] = "sssbsss",
	[CM_USERAUTH_FAILURE] = "sb",
	[CM_USERAUTH_SUCCESS] = "",
	[CM_USERAUTH_PK_OK] = "ss",
	[CM_USERAUTH_BANNER] = "ss",
	[CM_IGNORE] = "s",
	[CM_DEBUG] = "bss",
	[CM_UNIMPLEMENTED] = "u",
	[CM_DISCONNECT] = "uss",
	[CM_GLOBAL_REQUEST] = "sb",
	[CM_CHANNEL_OPEN] = "suuu",
};

const char *actor_field_shape(enum case_msg m)
{
	return (unsigned)m < CM_COUNT ? wire_shape[m] : NULL;
}

/* ---- the step's mutations ---- */

static unsigned n_muts(const struct case_step *st)
{
	return st->n_mutations < CASE_MAX_MUTATIONS ? st->n_mutations : CASE_MAX_MUTATIONS;
}

/* The last MUT_SET_FIELD of `field` (a later one wins). */
static const struct case_mutation *find_set(const struct case_step *st, unsigned field)
{
	const struct case_mutation *found = NULL;

	for (unsigned i = 0; i < n_muts(st); i++)
		if (st->mutations[i].kind == MUT_SET_FIELD && st->mutations[i].field == field)
			found = &st->mutations[i];
	return found;
}

static struct span mut_data(const struct case_mutation *m)
{
	return (struct span){m->data, m->data_len < CASE_MAX_DATA ? m->data_len : CASE_MAX_DATA};
}

static bool set_span(const struct case_step *st, unsigned field, struct span *v)
{
	const struct case_mutation *m = find_set(st, field);

	if (m)
		*v = mut_data(m);
	return m != NULL;
}

/* Integer fields take the data as big-endian (its last 4 bytes). */
static void set_u32(const struct case_step *st, unsigned field, uint32_t *v)
{
	const struct case_mutation *m = find_set(st, field);

	if (!m)
		return;
	struct span d = mut_data(m);
	uint32_t x = 0;
	for (size_t i = d.len > 4 ? d.len - 4 : 0; i < d.len; i++)
		x = x << 8 | d.p[i];
	*v = x;
}

static void set_u8(const struct case_step *st, unsigned field, uint8_t *v)
{
	const struct case_mutation *m = find_set(st, field);

	if (m)
		*v = m->data_len ? m->data[mut_data(m).len - 1] : 0;
}

/* The value of the last mutation of a kind, or -1. */
static int mut_value(const struct case_step *st, enum case_mutation_kind kind)
{
	int v = -1;

	for (unsigned i = 0; i < n_muts(st); i++)
		if (st->mutations[i].kind == kind)
			v = (int)(st->mutations[i].value & 0x7fffffff);
	return v;
}

static bool has_mut(const struct case_step *st, enum case_mutation_kind kind)
{
	return mut_value(st, kind) >= 0;
}

/* The group order L of edwards25519 (RFC 8032 section 5.1), little-endian. */
static const uint8_t ed25519_l[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

/*
 * MUT_SIG_MALLEATE: in an ssh-ed25519 signature blob (RFC 8709 section 6:
 * string "ssh-ed25519", string R || S), S := S + L.  The result still
 * satisfies the verification equation; only the canonical-S check of RFC
 * 8032 section 5.1.7 (S < L) tells it apart.  S < L < 2^253, so the sum
 * fits the 32 bytes.  Other signature types are left as they are.
 */
static void malleate_signature(struct actor *a, struct sbuf *blob)
{
	struct sview v = sview_make(blob->data, blob->len);
	struct span name, sig;
	unsigned carry = 0;

	if (sview_get_string(&v, &name) != SD_OK || !span_eq_cstr(name, "ssh-ed25519") ||
	    sview_get_string(&v, &sig) != SD_OK || sig.len != 64)
		return;
	uint8_t *s = blob->data + (sig.p - blob->data) + 32;
	for (size_t i = 0; i < 32; i++) {
		carry += (unsigned)s[i] + ed25519_l[i];
		s[i] = (uint8_t)carry;
		carry >>= 8;
	}
	actor_note(a, "sig-malleate: Ed25519 S replaced by S + L");
}

/* MUT_LIE_LENGTH: the uint32 length of string field `field` += delta. */
static void lie_length(enum case_msg cm, struct sbuf *p, unsigned field, uint32_t delta)
{
	const char *shape = actor_field_shape(cm);
	size_t off = 1;

	for (unsigned i = 0; shape && shape[i]; i++) {
		uint32_t len = 0;
		if (shape[i] == 's') {
			if (off + 4 > p->len)
				return;
			len = (uint32_t)p->data[off] << 24 | (uint32_t)p->data[off + 1] << 16 |
			      (uint32_t)p->data[off + 2] << 8 | p->data[off + 3];
		}
		if (i == field) {
			if (shape[i] != 's')
				return; /* not a length-prefixed field */
			len += delta;
			p->data[off] = (uint8_t)(len >> 24);
			p->data[off + 1] = (uint8_t)(len >> 16);
			p->data[off + 2] = (uint8_t)(len >> 8);
			p->data[off + 3] = (uint8_t)len;
			return;
		}
		switch (shape[i]) {
		case 'c':
			off += 16;
			break;
		case 'u':
			off += 4;
			break;
		case 'b':
			off += 1;
			break;
		default:
			if (len > p->len)
				return;
			off += 4 + (size_t)len;
			break;
		}
	}
}

/* Byte-level mutations on the serialised payload, in the step's order. */
static sd_err post_mutations(const struct case_step *st, struct sbuf *p)
{
	sd_err e = SD_OK;

	for (unsigned i = 0; i < n_muts(st) && e == SD_OK; i++) {
		const struct case_mutation *m = &st->mutations[i];
		switch (m->kind) {
		case MUT_FLIP:
			if (p->len)
				p->data[m->offset % p->len] ^= m->mask;
			break;
		case MUT_TRUNCATE: {
			size_t n = m->offset < 1 ? 1 : m->offset;
			if (n < p->len) {
				wipe(p->data + n, p->len - n);
				p->len = n;
			}
			break;
		}
		case MUT_EXTEND:
			e = sbuf_put(p, m->data, mut_data(m).len);
			break;
		case MUT_LIE_LENGTH:
			lie_length(st->msg, p, m->field, m->value);
			break;
		case MUT_MSG_NUMBER:
			if (p->len)
				p->data[0] = (uint8_t)m->value;
			break;
		default:
			break;
		}
	}
	return e;
}

/* ---- keys ---- */

static sd_err user_key(struct actor *a, struct sigkey **out)
{
	sd_err e = SD_OK;

	if (!a->user_key && (e = keycache_private(a->c->user_key, &a->user_key)) == SD_OK)
		e = keycache_blob(a->c->user_key, &a->user_blob);
	*out = a->user_key;
	return e;
}

/* The host key that signs with alg: the case's, or (when the negotiated
 * algorithm does not fit it) the built-in key of alg's type. */
static sd_err host_key(struct actor *a, const struct sig_alg *alg, struct sigkey **out)
{
	sd_err e;

	*out = NULL;
	if (!a->host_key && (e = keycache_private(a->c->host_key, &a->host_key)) != SD_OK)
		return e;
	if (!alg || sigkey_matches_alg(a->host_key, alg)) {
		*out = a->host_key;
		return SD_OK;
	}
	if (!a->alt_host_key &&
	    (e = keycache_private(testkey_for_alg(span_cstr(alg->name)), &a->alt_host_key)) != SD_OK)
		return e;
	*out = sigkey_matches_alg(a->alt_host_key, alg) ? a->alt_host_key : a->host_key;
	return SD_OK;
}

/* The user key's best signature algorithm (rsa-sha2-512 for RSA). */
static struct span user_alg(struct actor *a)
{
	struct span list = span_cstr(testkey_algorithms(a->c->user_key)), name = SPAN_NULL;
	size_t pos = 0;

	namelist_next(list, &pos, &name);
	return name;
}

/* Only the allocation failures of the actor are errors; a value the actor
 * cannot compute (no peer value yet) degrades to an empty one. */
static sd_err soft(sd_err e)
{
	return e == SD_ERR_NOMEM || e == SD_ERR_LIMIT ? e : SD_OK;
}

/* ---- transport messages ---- */

static sd_err build_kexinit(struct actor *a, const struct case_step *st, struct sbuf *out)
{
	struct sbuf kex = SBUF_INIT, hk = SBUF_INIT;
	struct msg_kexinit k;
	struct span cookie;
	int guess;
	sd_err e = actor_kexinit_fields(a, &k, &kex, &hk);

	if (e == SD_OK) {
		if (set_span(st, 0, &cookie)) {
			memset(k.cookie, 0, sizeof k.cookie);
			memcpy(k.cookie, cookie.p, cookie.len < 16 ? cookie.len : 16);
		}
		for (unsigned i = 0; i < KEXINIT_NLISTS; i++)
			set_span(st, 1 + i, &k.lists[i]);
		set_u8(st, 11, &k.first_kex_follows);
		set_u32(st, 12, &k.reserved);
		if ((guess = mut_value(st, MUT_GUESS)) >= 0)
			k.first_kex_follows = (uint8_t)guess;
		e = msg_kexinit_put(out, &k);
	}
	sbuf_free(&kex);
	sbuf_free(&hk);
	return e;
}

static sd_err put_kex_init(struct actor *a, struct sbuf *out, const struct msg_kex_init *m)
{
	switch (actor_kex_method(a)->family) {
	case KEX_FAMILY_DH:
		return msg_kexdh_init_put(out, m);
	case KEX_FAMILY_GEX:
		return msg_gex_init_put(out, m);
	default:
		return msg_ecdh_init_put(out, m);
	}
}

static sd_err put_kex_reply(struct actor *a, struct sbuf *out, const struct msg_kex_reply *m)
{
	switch (actor_kex_method(a)->family) {
	case KEX_FAMILY_DH:
		return msg_kexdh_reply_put(out, m);
	case KEX_FAMILY_GEX:
		return msg_gex_reply_put(out, m);
	default:
		return msg_ecdh_reply_put(out, m);
	}
}

/* Our ephemeral public value (e, Q_C, f, Q_S); empty if none can be made. */
static sd_err our_public(struct actor *a, struct sbuf *pub)
{
	struct kex_ephemeral *eph;
	sd_err e = actor_ephemeral(a, &eph);

	if (e == SD_OK)
		e = kex_ephemeral_public(eph, pub);
	return soft(e);
}

/* KEXDH_INIT / KEX_ECDH_INIT / KEX_DH_GEX_INIT (RFC 4253 section 8,
 * RFC 5656 section 4, RFC 4419 section 3). */
static sd_err build_kex_init(struct actor *a, const struct case_step *st, struct sbuf *out)
{
	struct sbuf pub = SBUF_INIT;
	struct msg_kex_init init;
	sd_err e = our_public(a, &pub);

	init.pub = sbuf_span(&pub);
	bool set = set_span(st, 0, &init.pub);
	if (e == SD_OK && a->client) {
		a->kx.ours_mutated = set && !span_eq(init.pub, sbuf_span(&pub));
		sbuf_reset(&a->kx.q_c);
		e = sbuf_put(&a->kx.q_c, init.pub.p, init.pub.len);
	}
	if (e == SD_OK)
		e = put_kex_init(a, out, &init);
	sbuf_free(&pub);
	return e;
}

/* KEX_DH_GEX_REQUEST (RFC 4419 section 3): 2048 / 3072 / 8192. */
static sd_err build_gex_request(struct actor *a, const struct case_step *st, struct sbuf *out)
{
	struct msg_gex_request r = {false, 2048, 3072, 8192};

	set_u32(st, 0, &r.min);
	set_u32(st, 1, &r.n);
	set_u32(st, 2, &r.max);
	if (a->client) {
		a->kx.gex_old = false;
		a->kx.gex_min = r.min;
		a->kx.gex_n = r.n;
		a->kx.gex_max = r.max;
	}
	return msg_gex_request_put(out, &r);
}

static sd_err mpint_content(struct sbuf *out, struct span mag)
{
	sd_err e = sbuf_put_mpint_unsigned(out, mag.p, mag.len);

	if (e == SD_OK)
		sbuf_consume(out, 4);
	return e;
}

/* KEX_DH_GEX_GROUP: the group kex_dh_group_choose picks for the IUT's
 * request; group 14 when the request allows none (the IUT then decides). */
static sd_err build_gex_group(struct actor *a, const struct case_step *st, struct sbuf *out)
{
	const struct actor_kx *kx = &a->kx;
	const struct kex_dh_group *grp = NULL;
	struct sbuf p = SBUF_INIT, g = SBUF_INIT;
	struct msg_gex_group m;
	sd_err e;

	if (!kx->gex_n || kex_dh_group_choose(kx->gex_min, kx->gex_n, kx->gex_max, &grp) != SD_OK)
		grp = kex_dh_group_by_id(14);
	if (!grp)
		return SD_ERR_INTERNAL;
	if ((e = mpint_content(&p, grp->p)) == SD_OK && (e = mpint_content(&g, grp->g)) == SD_OK) {
		m.p = sbuf_span(&p);
		m.g = sbuf_span(&g);
		set_span(st, 0, &m.p);
		set_span(st, 1, &m.g);
		if (!a->client) {
			/* Our ephemeral key belongs to the group we announce. */
			kex_ephemeral_free(a->kx.eph);
			a->kx.eph = NULL;
			sbuf_reset(&a->kx.gex_p);
			sbuf_reset(&a->kx.gex_g);
			if ((e = sbuf_put(&a->kx.gex_p, m.p.p, m.p.len)) == SD_OK)
				e = sbuf_put(&a->kx.gex_g, m.g.p, m.g.len);
		}
		if (e == SD_OK)
			e = msg_gex_group_put(out, &m);
	}
	sbuf_free(&p);
	sbuf_free(&g);
	return e;
}

/* The server's reply: K_S, f / Q_S, and the signature over H computed from
 * both KEXINITs as they went over the wire, the IUT's public value, ours
 * (as set) and K. */
static sd_err build_kex_reply(struct actor *a, const struct case_step *st, struct sbuf *out)
{
	struct actor_kx *kx = &a->kx;
	const struct sig_alg *alg = actor_hostkey_alg(a);
	struct sbuf ks = SBUF_INIT, pub = SBUF_INIT, sig = SBUF_INIT;
	struct msg_kex_reply r;
	struct sigkey *key;
	sd_err e = host_key(a, alg, &key);

	if (e == SD_OK)
		e = sigkey_to_blob(key, &ks);
	if (e == SD_OK)
		e = our_public(a, &pub);
	r.hostkey = sbuf_span(&ks);
	r.pub = sbuf_span(&pub);
	set_span(st, 0, &r.hostkey);
	bool set = set_span(st, 1, &r.pub);
	if (e == SD_OK && !a->client) {
		kx->ours_mutated = set && !span_eq(r.pub, sbuf_span(&pub));
		sbuf_reset(&kx->k_s);
		sbuf_reset(&kx->q_s);
		if ((e = sbuf_put(&kx->k_s, r.hostkey.p, r.hostkey.len)) == SD_OK &&
		    (e = sbuf_put(&kx->q_s, r.pub.p, r.pub.len)) == SD_OK &&
		    (e = actor_compute_k(a, kx->iut_pub_seen, sbuf_span(&kx->q_c), r.pub, kx->ours_mutated)) == SD_OK)
			e = actor_compute_h(a);
	}
	if (e == SD_OK && alg)
		e = soft(actor_sign(a, key, alg, mut_value(st, MUT_SIG_HASH), (struct span){kx->h, kx->h_len}, &sig));
	if (e == SD_OK && has_mut(st, MUT_SIG_MALLEATE))
		malleate_signature(a, &sig);
	r.sig = sbuf_span(&sig);
	set_span(st, 2, &r.sig);
	if (e == SD_OK)
		e = put_kex_reply(a, out, &r);
	sbuf_free(&ks);
	sbuf_free(&pub);
	sbuf_free(&sig);
	return e;
}

/* EXT_INFO (RFC 8308 section 3.1): server-sig-algs. */
static sd_err build_ext_info(struct actor *a, const struct case_step *st, struct sbuf *out)
{
	struct msg_ext_info x;
	uint32_t count = 1;
	size_t start = out->len;
	sd_err e;

	memset(&x, 0, sizeof x);
	x.count = 1;
	x.names[0] = span_cstr("server-sig-algs");
	x.values[0] = span_cstr(sig_default_list());
	set_span(st, 1, &x.names[0]);
	set_span(st, 2, &x.values[0]);
	if ((e = msg_ext_info_put(out, &x)) != SD_OK)
		return e;
	/* A count that lies about the pairs that follow. */
	set_u32(st, 0, &count);
	out->data[start + 1] = (uint8_t)(count >> 24);
	out->data[start + 2] = (uint8_t)(count >> 16);
	out->data[start + 3] = (uint8_t)(count >> 8);
	out->data[start + 4] = (uint8_t)count;
	(void)a;
	return SD_OK;
}

static sd_err build_service(const struct case_step *st, uint8_t number, struct sbuf *out)
{
	struct msg_service s = {span_cstr(userauth_service)};

	set_span(st, 0, &s.name);
	return msg_service_put(out, number, &s);
}

/* ---- user authentication (RFC 4252) ---- */

static sd_err build_userauth(struct actor *a, const struct case_step *st, struct sbuf *out)
{
	struct msg_userauth_request r;
	struct sbuf data = SBUF_INIT, sig = SBUF_INIT;
	struct sigkey *key = NULL;
	sd_err e = SD_OK;

	memset(&r, 0, sizeof r);
	r.user = span_cstr(a->c->user);
	r.service = span_cstr(connection_service);
	switch (st->msg) {
	case CM_USERAUTH_NONE:
		r.kind = USERAUTH_NONE;
		r.method = span_cstr("none");
		break;
	case CM_USERAUTH_PASSWORD: /* section 8 */
		r.kind = USERAUTH_PASSWORD;
		r.method = span_cstr("password");
		r.password = span_cstr(a->c->password);
		break;
	default: /* publickey, section 7 */
		if ((e = user_key(a, &key)) != SD_OK)
			return e;
		r.kind = USERAUTH_PUBLICKEY;
		r.method = span_cstr("publickey");
		r.has_sig = st->msg == CM_USERAUTH_PK_SIGNED;
		r.alg = user_alg(a);
		r.key = a->user_blob;
		break;
	}
	set_span(st, 0, &r.user);
	set_span(st, 1, &r.service);
	set_span(st, 2, &r.method);
	if (r.kind == USERAUTH_PASSWORD) {
		set_u8(st, 3, &r.change);
		set_span(st, 4, &r.password);
	} else if (r.kind == USERAUTH_PUBLICKEY) {
		set_u8(st, 3, &r.has_sig);
		set_span(st, 4, &r.alg);
		set_span(st, 5, &r.key);
	}
	if (st->msg == CM_USERAUTH_PK_SIGNED) {
		/* The signature covers session id || 50 || user || service ||
		 * "publickey" || TRUE || alg || key, with the values as set. */
		const struct sig_alg *alg = sig_alg_by_name(r.alg);
		if (!alg || !sigkey_matches_alg(key, alg))
			alg = sig_alg_by_name(user_alg(a));
		e = msg_userauth_signed_data(&data, (struct span){a->session_id, a->session_id_len}, r.user, r.service,
					     r.alg, r.key);
		if (e == SD_OK && alg)
			e = soft(actor_sign(a, key, alg, mut_value(st, MUT_SIG_HASH), sbuf_span(&data), &sig));
		if (e == SD_OK && has_mut(st, MUT_SIG_MALLEATE))
			malleate_signature(a, &sig);
		r.sig = sbuf_span(&sig);
		set_span(st, 6, &r.sig);
	}
	if (e == SD_OK)
		e = msg_userauth_request_put(out, &r);
	sbuf_free(&data);
	sbuf_free(&sig);
	return e;
}

static sd_err build_failure(const struct case_step *st, struct sbuf *out)
{
	struct msg_userauth_failure f = {span_cstr(failure_methods), 0};

	set_span(st, 0, &f.methods);
	set_u8(st, 1, &f.partial);
	return msg_userauth_failure_put(out, &f);
}

/* PK_OK echoes the algorithm and key of the IUT's last query (section 7). */
static sd_err build_pk_ok(struct actor *a, const struct case_step *st, struct sbuf *out)
{
	struct msg_userauth_pk_ok ok;
	struct sigkey *key;
	sd_err e;

	if (a->pk_key.len) {
		ok.alg = sbuf_span(&a->pk_alg);
		ok.key = sbuf_span(&a->pk_key);
	} else {
		if ((e = user_key(a, &key)) != SD_OK)
			return e;
		ok.alg = user_alg(a);
		ok.key = a->user_blob;
	}
	set_span(st, 0, &ok.alg);
	set_span(st, 1, &ok.key);
	return msg_userauth_pk_ok_put(out, &ok);
}

static sd_err build_banner(const struct case_step *st, struct sbuf *out)
{
	struct msg_userauth_banner b = {span_cstr("sshdiff test banner\r\n"), SPAN_NULL};

	set_span(st, 0, &b.message);
	set_span(st, 1, &b.lang);
	return msg_userauth_banner_put(out, &b);
}

static sd_err build_ignore(const struct case_step *st, struct sbuf *out)
{
	struct msg_ignore x = {span_cstr("sshdiff")};

	set_span(st, 0, &x.data);
	return msg_ignore_put(out, &x);
}

static sd_err build_debug(const struct case_step *st, struct sbuf *out)
{
	struct msg_debug d = {0, span_cstr("sshdiff debug"), SPAN_NULL};

	set_u8(st, 0, &d.always_display);
	set_span(st, 1, &d.message);
	set_span(st, 2, &d.lang);
	return msg_debug_put(out, &d);
}

static sd_err build_unimplemented(const struct case_step *st, struct sbuf *out)
{
	struct msg_unimplemented u = {0};

	set_u32(st, 0, &u.seq);
	return msg_unimplemented_put(out, &u);
}

static sd_err build_disconnect(const struct case_step *st, struct sbuf *out)
{
	struct msg_disconnect d = {DISCONNECT_BY_APPLICATION, span_cstr("bye"), SPAN_NULL};

	set_u32(st, 0, &d.reason);
	set_span(st, 1, &d.description);
	set_span(st, 2, &d.lang);
	return msg_disconnect_put(out, &d);
}

/* RFC 4254 section 4 (msg.h has no serialiser for the connection layer). */
static sd_err build_global_request(const struct case_step *st, struct sbuf *out)
{
	struct span name = span_cstr("keepalive@openssh.com");
	uint8_t want_reply = 1;
	sd_err e;

	set_span(st, 0, &name);
	set_u8(st, 1, &want_reply);
	if ((e = sbuf_put_u8(out, MSG_GLOBAL_REQUEST)) == SD_OK && (e = sbuf_put_span(out, name)) == SD_OK)
		e = sbuf_put_u8(out, want_reply);
	return e;
}

/* RFC 4254 section 5.1: "session", sender 0, window 2 MiB, packet 32 KiB. */
static sd_err build_channel_open(const struct case_step *st, struct sbuf *out)
{
	struct span type = span_cstr("session");
	uint32_t sender = 0, window = 2097152, max_packet = 32768;
	sd_err e;

	set_span(st, 0, &type);
	set_u32(st, 1, &sender);
	set_u32(st, 2, &window);
	set_u32(st, 3, &max_packet);
	if ((e = sbuf_put_u8(out, MSG_CHANNEL_OPEN)) == SD_OK && (e = sbuf_put_span(out, type)) == SD_OK &&
	    (e = sbuf_put_u32(out, sender)) == SD_OK && (e = sbuf_put_u32(out, window)) == SD_OK)
		e = sbuf_put_u32(out, max_packet);
	return e;
}

static sd_err build_msg(struct actor *a, const struct case_step *st, struct sbuf *out)
{
	switch (st->msg) {
	case CM_KEXINIT:
		return build_kexinit(a, st, out);
	case CM_KEX_INIT:
		return build_kex_init(a, st, out);
	case CM_GEX_REQUEST:
		return build_gex_request(a, st, out);
	case CM_GEX_GROUP:
		return build_gex_group(a, st, out);
	case CM_KEX_REPLY:
		return build_kex_reply(a, st, out);
	case CM_NEWKEYS:
		return msg_empty_put(out, MSG_NEWKEYS);
	case CM_EXT_INFO:
		return build_ext_info(a, st, out);
	case CM_SERVICE_REQUEST:
		return build_service(st, MSG_SERVICE_REQUEST, out);
	case CM_SERVICE_ACCEPT:
		return build_service(st, MSG_SERVICE_ACCEPT, out);
	case CM_USERAUTH_NONE:
	case CM_USERAUTH_PASSWORD:
	case CM_USERAUTH_PK_QUERY:
	case CM_USERAUTH_PK_SIGNED:
		return build_userauth(a, st, out);
	case CM_USERAUTH_FAILURE:
		return build_failure(st, out);
	case CM_USERAUTH_SUCCESS:
		return msg_empty_put(out, MSG_USERAUTH_SUCCESS);
	case CM_USERAUTH_PK_OK:
		return build_pk_ok(a, st, out);
	case CM_USERAUTH_BANNER:
		return build_banner(st, out);
	case CM_IGNORE:
		return build_ignore(st, out);
	case CM_DEBUG:
		return build_debug(st, out);
	case CM_UNIMPLEMENTED:
		return build_unimplemented(st, out);
	case CM_DISCONNECT:
		return build_disconnect(st, out);
	case CM_GLOBAL_REQUEST:
		return build_global_request(st, out);
	case CM_CHANNEL_OPEN:
		return build_channel_open(st, out);
	default:
		/* Not a message (case_valid forbids it): an IGNORE keeps the
		 * actor going whatever a fuzzer hands it. */
		return msg_ignore_put(out, &(struct msg_ignore){SPAN_NULL});
	}
}

static bool has_byte_mutations(const struct case_step *st)
{
	for (unsigned i = 0; i < n_muts(st); i++)
		switch (st->mutations[i].kind) {
		case MUT_FLIP:
		case MUT_TRUNCATE:
		case MUT_EXTEND:
		case MUT_LIE_LENGTH:
		case MUT_MSG_NUMBER:
			return true;
		default:
			break;
		}
	return false;
}

/*
 * A byte-level mutation of our key exchange message changes what the IUT
 * reads: its K and H follow the values on the wire, not the ones we built
 * from.  So the round takes the wire values (as the IUT parses them); a
 * public value that changed makes K predicted or unknowable, as a
 * MUT_SET_FIELD would; a payload that no longer parses leaves nothing the
 * IUT could compute keys from.
 */
static sd_err reconcile_kex(struct actor *a, enum case_msg cm, struct span wire)
{
	struct actor_kx *kx = &a->kx;
	enum kex_family fam = actor_kex_method(a)->family;
	struct sbuf honest = SBUF_INIT;
	sd_err e = SD_OK;

	if (kx->eph)
		e = soft(kex_ephemeral_public(kx->eph, &honest));
	if (e == SD_OK && cm == CM_GEX_REQUEST && a->client) {
		/* H hashes min || n || max as the IUT read them (RFC 4419). */
		struct msg_gex_request r;
		if (msg_gex_request_parse(wire, &r) != SD_OK) {
			kx->values_unknown = true;
		} else {
			kx->gex_old = r.old;
			kx->gex_min = r.old ? 0 : r.min;
			kx->gex_n = r.n;
			kx->gex_max = r.old ? 0 : r.max;
		}
	} else if (e == SD_OK && cm == CM_GEX_GROUP && !a->client) {
		/* Our key belongs to the group we built; another one on the
		 * wire gives the IUT a K we cannot compute. */
		struct msg_gex_group g;
		if (msg_gex_group_parse(wire, &g) != SD_OK || !span_eq(g.p, sbuf_span(&kx->gex_p)) ||
		    !span_eq(g.g, sbuf_span(&kx->gex_g)))
			kx->values_unknown = true;
	} else if (e == SD_OK && cm == CM_KEX_INIT && a->client) {
		struct msg_kex_init m;
		sd_err pe = fam == KEX_FAMILY_DH ? msg_kexdh_init_parse(wire, &m)
			    : fam == KEX_FAMILY_GEX ? msg_gex_init_parse(wire, &m) : msg_ecdh_init_parse(wire, &m);
		if (pe != SD_OK) {
			kx->ours_mutated = kx->ours_garbled = true;
		} else {
			kx->ours_mutated = !span_eq(m.pub, sbuf_span(&honest));
			sbuf_reset(&kx->q_c);
			e = sbuf_put(&kx->q_c, m.pub.p, m.pub.len);
		}
	} else if (e == SD_OK && cm == CM_KEX_REPLY && !a->client) {
		struct msg_kex_reply m;
		sd_err pe = fam == KEX_FAMILY_DH ? msg_kexdh_reply_parse(wire, &m)
			    : fam == KEX_FAMILY_GEX ? msg_gex_reply_parse(wire, &m) : msg_ecdh_reply_parse(wire, &m);
		if (pe != SD_OK) {
			kx->ours_mutated = kx->ours_garbled = true;
			kx->k_state = K_UNPREDICTABLE;
		} else if (!span_eq(m.hostkey, sbuf_span(&kx->k_s)) || !span_eq(m.pub, sbuf_span(&kx->q_s))) {
			kx->ours_mutated = !span_eq(m.pub, sbuf_span(&honest));
			sbuf_reset(&kx->k_s);
			sbuf_reset(&kx->q_s);
			if ((e = sbuf_put(&kx->k_s, m.hostkey.p, m.hostkey.len)) == SD_OK &&
			    (e = sbuf_put(&kx->q_s, m.pub.p, m.pub.len)) == SD_OK &&
			    (e = actor_compute_k(a, kx->iut_pub_seen, sbuf_span(&kx->q_c), m.pub, kx->ours_mutated)) ==
				    SD_OK)
				e = actor_compute_h(a);
			actor_note(a, "mutation changed our reply on the wire: K and H follow the wire values");
		}
	}
	sbuf_free(&honest);
	return e;
}

sd_err actor_build(struct actor *a, const struct case_step *st, int step, struct sbuf *out)
{
	int kdf;
	sd_err e;

	(void)step;
	sbuf_reset(out);
	if (st->msg == CM_KEXINIT)
		actor_kx_maybe_new_round(a);
	if ((e = build_msg(a, st, out)) != SD_OK || (e = post_mutations(st, out)) != SD_OK)
		return e;
	if ((st->msg == CM_KEX_INIT || st->msg == CM_KEX_REPLY || st->msg == CM_GEX_REQUEST ||
	     st->msg == CM_GEX_GROUP) &&
	    has_byte_mutations(st) &&
	    (e = reconcile_kex(a, st->msg, sbuf_span(out))) != SD_OK)
		return e;
	if (st->msg == CM_KEXINIT) {
		/* H and the negotiation use our KEXINIT exactly as it goes out;
		 * a second one before the IUT's replaces the first. */
		sbuf_reset(&a->kx.i_ours);
		if ((e = sbuf_put(&a->kx.i_ours, out->data, out->len)) != SD_OK)
			return e;
		a->kx.ours_sent = true;
		a->kx.neg_done = false;
		a->kx.neg_ok = false;
		a->first_kexinit_sent = true;
		actor_kx_negotiate(a);
	}
	/* MUT_KDF_HASH: our next outgoing keys (this round) use another hash. */
	if ((kdf = mut_value(st, MUT_KDF_HASH)) >= 0)
		a->kx.kdf_hash = kdf % 4;
	return SD_OK;
}

sd_err actor_after_emit(struct actor *a, int cm, struct span payload, int step, bool sent)
{
	/* Authentication is what the IUT was told on the wire: the message
	 * number that went out, whatever the step meant to send (a msg-number
	 * mutation or a flip can turn a USERAUTH_SUCCESS into another message,
	 * or another message into one).  RFC 4252 section 5.1: 52 is success,
	 * 51 failure. */
	if (sent && !a->client && payload.len > 0 &&
	    (payload.p[0] == MSG_USERAUTH_SUCCESS || payload.p[0] == MSG_USERAUTH_FAILURE)) {
		a->auth_tx_step = step;
		a->auth_tx_success = payload.p[0] == MSG_USERAUTH_SUCCESS;
	}
	switch (cm) {
	case CM_NEWKEYS:
		/* RFC 4253 section 7.3: our keys change right after our NEWKEYS. */
		return actor_switch_tx(a);
	case CM_DISCONNECT:
		if (sent)
			a->we_disconnected = true;
		return SD_OK;
	default:
		return SD_OK;
	}
}

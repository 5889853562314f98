/* vmsg.c — the verifier's message decoders (field order of each message;
 * the data types themselves are vwire.c's). */
#include "oracle/verifier/vmsg.h"

#include <string.h>

/* Message numbers (RFC 4250 section 4.1, RFC 4419, RFC 8308). */
enum {
	N_DISCONNECT = 1, N_IGNORE = 2, N_UNIMPLEMENTED = 3, N_DEBUG = 4, N_EXT_INFO = 7,
	N_KEXINIT = 20, N_GEX_REQUEST_OLD = 30, N_GEX_GROUP = 31, N_GEX_REQUEST = 34,
	N_USERAUTH_REQUEST = 50, N_USERAUTH_FAILURE = 51, N_USERAUTH_BANNER = 53, N_USERAUTH_PK_OK = 60,
};

/* RFC 4253 section 6: the payload starts with the message number. */
static enum vrule open_msg(struct vspan pl, uint8_t number, struct vrd *r)
{
	uint8_t t;
	*r = vrd_of(pl);
	if (pl.len == 0)
		return VR_PAYLOAD;
	enum vrule e = vr_u8(r, &t);
	if (e == VR_OK && t != number)
		e = VR_UNEXPECTED;
	return e;
}

/* A field error wins; else nothing may be left. */
static enum vrule close_msg(const struct vrd *r, enum vrule e)
{
	return e == VR_OK ? vr_end(r) : e;
}

static enum vrule pub_field(struct vrd *r, enum vmsg_pub kind, struct vspan *out)
{
	return kind == VMSG_PUB_MPINT ? vr_mpint_pos(r, out) : vr_string(r, out);
}

/* Two strings: BANNER, PK_OK, PASSWD_CHANGEREQ, and the tails of
 * DISCONNECT and DEBUG. */
static enum vrule two_strings(struct vrd *r, enum vrule e, struct vspan *a, struct vspan *b)
{
	if (e == VR_OK)
		e = vr_string(r, a);
	if (e == VR_OK)
		e = vr_string(r, b);
	return close_msg(r, e);
}

/* ---- KEXINIT ---- */

enum vrule vmsg_kexinit(struct vspan pl, struct vmsg_kexinit *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, N_KEXINIT, &r);
	if (e == VR_OK)
		e = vr_bytes(&r, 16, &m->cookie);
	for (int i = 0; e == VR_OK && i < VKI_N; i++)
		e = vr_namelist(&r, &m->list[i]);
	if (e == VR_OK)
		e = vr_bool(&r, &m->follows);
	if (e == VR_OK)
		e = vr_u32(&r, &m->reserved);
	return close_msg(&r, e);
}

/* ---- key exchange methods ---- */

enum vrule vmsg_kex_init(struct vspan pl, uint8_t number, enum vmsg_pub kind, struct vmsg_kex_init *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, number, &r);
	if (e == VR_OK)
		e = pub_field(&r, kind, &m->pub);
	return close_msg(&r, e);
}

enum vrule vmsg_kex_reply(struct vspan pl, uint8_t number, enum vmsg_pub kind, struct vmsg_kex_reply *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, number, &r);
	if (e == VR_OK)
		e = vr_string(&r, &m->hostkey);
	if (e == VR_OK)
		e = pub_field(&r, kind, &m->pub);
	if (e == VR_OK)
		e = vr_string(&r, &m->sig);
	return close_msg(&r, e);
}

enum vrule vmsg_gex_request(struct vspan pl, struct vmsg_gex_request *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	m->old = pl.len > 0 && pl.p[0] == N_GEX_REQUEST_OLD;
	enum vrule e = open_msg(pl, m->old ? N_GEX_REQUEST_OLD : N_GEX_REQUEST, &r);
	if (e == VR_OK && !m->old)
		e = vr_u32(&r, &m->min);
	if (e == VR_OK)
		e = vr_u32(&r, &m->n);
	if (e == VR_OK && !m->old)
		e = vr_u32(&r, &m->max);
	return close_msg(&r, e);
}

enum vrule vmsg_gex_group(struct vspan pl, struct vmsg_gex_group *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, N_GEX_GROUP, &r);
	if (e == VR_OK)
		e = vr_mpint_pos(&r, &m->p);
	if (e == VR_OK)
		e = vr_mpint_pos(&r, &m->g);
	return close_msg(&r, e);
}

enum vrule vmsg_empty(struct vspan pl, uint8_t number)
{
	struct vrd r;
	enum vrule e = open_msg(pl, number, &r);
	return close_msg(&r, e);
}

/* ---- transport ---- */

enum vrule vmsg_service(struct vspan pl, uint8_t number, struct vmsg_service *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, number, &r);
	if (e == VR_OK)
		e = vr_string(&r, &m->name);
	return close_msg(&r, e);
}

enum vrule vmsg_disconnect(struct vspan pl, struct vmsg_disconnect *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, N_DISCONNECT, &r);
	if (e == VR_OK)
		e = vr_u32(&r, &m->reason);
	return two_strings(&r, e, &m->desc, &m->lang);
}

enum vrule vmsg_ignore(struct vspan pl, struct vmsg_ignore *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, N_IGNORE, &r);
	if (e == VR_OK)
		e = vr_string(&r, &m->data);
	return close_msg(&r, e);
}

enum vrule vmsg_unimplemented(struct vspan pl, struct vmsg_unimplemented *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, N_UNIMPLEMENTED, &r);
	if (e == VR_OK)
		e = vr_u32(&r, &m->seq);
	return close_msg(&r, e);
}

enum vrule vmsg_debug(struct vspan pl, struct vmsg_debug *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, N_DEBUG, &r);
	if (e == VR_OK)
		e = vr_bool(&r, &m->display);
	return two_strings(&r, e, &m->msg, &m->lang);
}

/* ---- EXT_INFO ---- */

static enum vrule ext_info(struct vspan pl, struct vmsg_ext_info *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, N_EXT_INFO, &r);
	if (e == VR_OK)
		e = vr_u32(&r, &m->count);
	size_t start = r.off;
	/* Each pair takes at least 8 bytes, so the loop ends with the payload
	 * whatever count claims. */
	for (uint32_t i = 0; e == VR_OK && i < m->count; i++) {
		struct vspan name, value;
		e = vr_string(&r, &name);
		if (e == VR_OK)
			e = vr_string(&r, &value);
		/* RFC 8308 section 3.1: server-sig-algs is a name-list */
		if (e == VR_OK && vspan_is(name, "server-sig-algs"))
			e = vnl_check(value);
	}
	if (e == VR_OK)
		m->exts = vspan_of(r.p + start, r.off - start);
	return close_msg(&r, e);
}

enum vrule vmsg_ext_info(struct vspan pl, struct vmsg_ext_info *m)
{
	return ext_info(pl, m);
}

bool vmsg_ext_next(struct vspan *rest, struct vspan *name, struct vspan *value)
{
	struct vrd r = vrd_of(*rest);
	if (rest->len == 0 || vr_string(&r, name) != VR_OK || vr_string(&r, value) != VR_OK)
		return false;
	*rest = vspan_of(rest->p + r.off, rest->len - r.off);
	return true;
}

/* ---- user authentication ---- */

static enum vrule request_password(struct vrd *r, struct vmsg_userauth_request *m)
{
	enum vrule e = vr_bool(r, &m->change);
	if (e == VR_OK)
		e = vr_string(r, &m->password);
	if (e == VR_OK && m->change)
		e = vr_string(r, &m->new_password);
	return e;
}

static enum vrule request_publickey(struct vrd *r, struct vmsg_userauth_request *m)
{
	enum vrule e = vr_bool(r, &m->has_sig);
	if (e == VR_OK)
		e = vr_string(r, &m->alg);
	if (e == VR_OK)
		e = vr_string(r, &m->key);
	if (e == VR_OK && m->has_sig)
		e = vr_string(r, &m->sig);
	return e;
}

enum vrule vmsg_userauth_request(struct vspan pl, struct vmsg_userauth_request *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, N_USERAUTH_REQUEST, &r);
	if (e == VR_OK)
		e = vr_string(&r, &m->user);
	if (e == VR_OK)
		e = vr_string(&r, &m->service);
	if (e == VR_OK)
		e = vr_string(&r, &m->method);
	if (e != VR_OK)
		return e;
	if (vspan_is(m->method, "publickey")) {
		m->kind = VMSG_PUBLICKEY;
		e = request_publickey(&r, m);
	} else if (vspan_is(m->method, "password")) {
		m->kind = VMSG_PASSWORD;
		e = request_password(&r, m);
	} else if (vspan_is(m->method, "none")) {
		m->kind = VMSG_NONE;
	} else {
		/* section 5: the method defines the rest; not ours to judge */
		m->kind = VMSG_OTHER;
		m->rest = vspan_of(r.p + r.off, r.len - r.off);
		return VR_OK;
	}
	return close_msg(&r, e);
}

enum vrule vmsg_userauth_failure(struct vspan pl, struct vmsg_userauth_failure *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, N_USERAUTH_FAILURE, &r);
	if (e == VR_OK)
		e = vr_namelist(&r, &m->methods);
	if (e == VR_OK)
		e = vr_bool(&r, &m->partial);
	return close_msg(&r, e);
}

enum vrule vmsg_userauth_banner(struct vspan pl, struct vmsg_userauth_banner *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, N_USERAUTH_BANNER, &r);
	return two_strings(&r, e, &m->msg, &m->lang);
}

enum vrule vmsg_userauth_pk_ok(struct vspan pl, struct vmsg_userauth_pk_ok *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, N_USERAUTH_PK_OK, &r);
	return two_strings(&r, e, &m->alg, &m->key);
}

enum vrule vmsg_passwd_changereq(struct vspan pl, struct vmsg_passwd_changereq *m)
{
	struct vrd r;
	memset(m, 0, sizeof *m);
	enum vrule e = open_msg(pl, N_USERAUTH_PK_OK, &r);
	return two_strings(&r, e, &m->prompt, &m->lang);
}

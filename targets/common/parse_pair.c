/*
 * parse_pair.c — one row per message kind pairing the engine's parser and
 * serialiser (proto/msg.h) with the verifier's decoder (vmsg.h), and the
 * comparison parse_pair.h defines.
 *
 * Allowances (the only differences not reported), each where the RFCs leave
 * a receiver free:
 *   EXT_INFO, more than MSG_EXT_INFO_MAX extensions: the engine refuses
 *     them (SD_ERR_LIMIT, "impl-limit") before reading them; RFC 8308
 *     section 2.3 sets no bound on nr-extensions and the verifier has none.
 *     Excused when the engine says impl-limit and the count is above its
 *     limit: the engine read nothing more to compare.
 * (A malformed "server-sig-algs" value was excused until both decoders
 * came to read it as the name-list RFC 8308 section 3.1 makes it.)
 */
#include "targets/common/parse_pair.h"

#include <stdio.h>
#include <string.h>

#include "oracle/verifier/vmsg.h"
#include "proto/msg.h"

union emsg {
	struct msg_kexinit kexinit;
	struct msg_kex_init kex_init;
	struct msg_kex_reply kex_reply;
	struct msg_gex_request gex_request;
	struct msg_gex_group gex_group;
	struct msg_service service;
	struct msg_ext_info ext_info;
	struct msg_disconnect disconnect;
	struct msg_ignore ignore;
	struct msg_debug debug;
	struct msg_unimplemented unimplemented;
	struct msg_userauth_request request;
	struct msg_userauth_failure failure;
	struct msg_userauth_banner banner;
	struct msg_userauth_pk_ok pk_ok;
};

union vmsgs {
	struct vmsg_kexinit kexinit;
	struct vmsg_kex_init kex_init;
	struct vmsg_kex_reply kex_reply;
	struct vmsg_gex_request gex_request;
	struct vmsg_gex_group gex_group;
	struct vmsg_service service;
	struct vmsg_ext_info ext_info;
	struct vmsg_disconnect disconnect;
	struct vmsg_ignore ignore;
	struct vmsg_debug debug;
	struct vmsg_unimplemented unimplemented;
	struct vmsg_userauth_request request;
	struct vmsg_userauth_failure failure;
	struct vmsg_userauth_banner banner;
	struct vmsg_userauth_pk_ok pk_ok;
};

/* What an allowance (see the top of the file) makes of a difference. */
enum allowance {
	A_NONE,     /* not excused */
	A_EXCUSED,  /* excused, and nothing more can be compared */
};

struct pair {
	const char *name;
	uint8_t number;
	sd_err (*eparse)(struct span pl, union emsg *m);
	sd_err (*eput)(struct sbuf *out, const union emsg *m);
	enum vrule (*vdecode)(struct vspan pl, union vmsgs *m);
	/* NULL when every field is the same, else the field's name */
	const char *(*differs)(const union emsg *e, const union vmsgs *v);
	/* Called when the verdicts differ; NULL: no allowance. */
	enum allowance (*allow)(struct span pl, sd_err e, enum vrule *r, union vmsgs *v);
};

/* ---- comparing fields ---- */

static bool same(struct span a, struct vspan b)
{
	return a.len == b.len && (a.len == 0 || a.p == b.p || memcmp(a.p, b.p, a.len) == 0);
}

/* The engine keeps an mpint as on the wire, the verifier its magnitude. */
static bool same_mpint(struct span a, struct vspan b)
{
	return same(mpint_magnitude(a), b);
}

/* ---- KEXINIT ---- */

static sd_err e_kexinit(struct span pl, union emsg *m)
{
	return msg_kexinit_parse(pl, &m->kexinit);
}

static sd_err p_kexinit(struct sbuf *out, const union emsg *m)
{
	return msg_kexinit_put(out, &m->kexinit);
}

static enum vrule v_kexinit(struct vspan pl, union vmsgs *m)
{
	return vmsg_kexinit(pl, &m->kexinit);
}

static const char *d_kexinit(const union emsg *e, const union vmsgs *v)
{
	static const char *const names[KEXINIT_NLISTS] = {
		"kex_algorithms", "server_host_key_algorithms", "encryption_algorithms_client_to_server",
		"encryption_algorithms_server_to_client", "mac_algorithms_client_to_server",
		"mac_algorithms_server_to_client", "compression_algorithms_client_to_server",
		"compression_algorithms_server_to_client", "languages_client_to_server",
		"languages_server_to_client",
	};
	_Static_assert(KEXINIT_NLISTS == VKI_N, "same lists");
	if (!same((struct span){e->kexinit.cookie, sizeof e->kexinit.cookie}, v->kexinit.cookie))
		return "cookie";
	for (int i = 0; i < KEXINIT_NLISTS; i++)
		if (!same(e->kexinit.lists[i], v->kexinit.list[i]))
			return names[i];
	if (e->kexinit.first_kex_follows != v->kexinit.follows)
		return "first_kex_packet_follows";
	if (e->kexinit.reserved != v->kexinit.reserved)
		return "reserved";
	return NULL;
}

/* ---- key exchange methods ---- */

static sd_err e_kexdh_init(struct span pl, union emsg *m)
{
	return msg_kexdh_init_parse(pl, &m->kex_init);
}

static sd_err p_kexdh_init(struct sbuf *out, const union emsg *m)
{
	return msg_kexdh_init_put(out, &m->kex_init);
}

static enum vrule v_kexdh_init(struct vspan pl, union vmsgs *m)
{
	return vmsg_kex_init(pl, MSG_KEXDH_INIT, VMSG_PUB_MPINT, &m->kex_init);
}

static sd_err e_gex_init(struct span pl, union emsg *m)
{
	return msg_gex_init_parse(pl, &m->kex_init);
}

static sd_err p_gex_init(struct sbuf *out, const union emsg *m)
{
	return msg_gex_init_put(out, &m->kex_init);
}

static enum vrule v_gex_init(struct vspan pl, union vmsgs *m)
{
	return vmsg_kex_init(pl, MSG_KEX_DH_GEX_INIT, VMSG_PUB_MPINT, &m->kex_init);
}

static sd_err e_ecdh_init(struct span pl, union emsg *m)
{
	return msg_ecdh_init_parse(pl, &m->kex_init);
}

static sd_err p_ecdh_init(struct sbuf *out, const union emsg *m)
{
	return msg_ecdh_init_put(out, &m->kex_init);
}

static enum vrule v_ecdh_init(struct vspan pl, union vmsgs *m)
{
	return vmsg_kex_init(pl, MSG_KEXDH_INIT, VMSG_PUB_STRING, &m->kex_init);
}

static const char *d_init_mpint(const union emsg *e, const union vmsgs *v)
{
	return same_mpint(e->kex_init.pub, v->kex_init.pub) ? NULL : "e";
}

static const char *d_init_string(const union emsg *e, const union vmsgs *v)
{
	return same(e->kex_init.pub, v->kex_init.pub) ? NULL : "Q_C";
}

static sd_err e_kexdh_reply(struct span pl, union emsg *m)
{
	return msg_kexdh_reply_parse(pl, &m->kex_reply);
}

static sd_err p_kexdh_reply(struct sbuf *out, const union emsg *m)
{
	return msg_kexdh_reply_put(out, &m->kex_reply);
}

static enum vrule v_kexdh_reply(struct vspan pl, union vmsgs *m)
{
	return vmsg_kex_reply(pl, MSG_KEXDH_REPLY, VMSG_PUB_MPINT, &m->kex_reply);
}

static sd_err e_gex_reply(struct span pl, union emsg *m)
{
	return msg_gex_reply_parse(pl, &m->kex_reply);
}

static sd_err p_gex_reply(struct sbuf *out, const union emsg *m)
{
	return msg_gex_reply_put(out, &m->kex_reply);
}

static enum vrule v_gex_reply(struct vspan pl, union vmsgs *m)
{
	return vmsg_kex_reply(pl, MSG_KEX_DH_GEX_REPLY, VMSG_PUB_MPINT, &m->kex_reply);
}

static sd_err e_ecdh_reply(struct span pl, union emsg *m)
{
	return msg_ecdh_reply_parse(pl, &m->kex_reply);
}

static sd_err p_ecdh_reply(struct sbuf *out, const union emsg *m)
{
	return msg_ecdh_reply_put(out, &m->kex_reply);
}

static enum vrule v_ecdh_reply(struct vspan pl, union vmsgs *m)
{
	return vmsg_kex_reply(pl, MSG_KEXDH_REPLY, VMSG_PUB_STRING, &m->kex_reply);
}

static const char *d_reply_mpint(const union emsg *e, const union vmsgs *v)
{
	if (!same(e->kex_reply.hostkey, v->kex_reply.hostkey))
		return "K_S";
	if (!same_mpint(e->kex_reply.pub, v->kex_reply.pub))
		return "f";
	return same(e->kex_reply.sig, v->kex_reply.sig) ? NULL : "signature";
}

static const char *d_reply_string(const union emsg *e, const union vmsgs *v)
{
	if (!same(e->kex_reply.hostkey, v->kex_reply.hostkey))
		return "K_S";
	if (!same(e->kex_reply.pub, v->kex_reply.pub))
		return "Q_S";
	return same(e->kex_reply.sig, v->kex_reply.sig) ? NULL : "signature";
}

static sd_err e_gex_request(struct span pl, union emsg *m)
{
	return msg_gex_request_parse(pl, &m->gex_request);
}

static sd_err p_gex_request(struct sbuf *out, const union emsg *m)
{
	return msg_gex_request_put(out, &m->gex_request);
}

static enum vrule v_gex_request(struct vspan pl, union vmsgs *m)
{
	return vmsg_gex_request(pl, &m->gex_request);
}

static const char *d_gex_request(const union emsg *e, const union vmsgs *v)
{
	const struct msg_gex_request *a = &e->gex_request;
	const struct vmsg_gex_request *b = &v->gex_request;
	if (a->old != b->old)
		return "old";
	if (a->n != b->n)
		return "n";
	/* _OLD has no min and max */
	if (!a->old && a->min != b->min)
		return "min";
	return !a->old && a->max != b->max ? "max" : NULL;
}

static sd_err e_gex_group(struct span pl, union emsg *m)
{
	return msg_gex_group_parse(pl, &m->gex_group);
}

static sd_err p_gex_group(struct sbuf *out, const union emsg *m)
{
	return msg_gex_group_put(out, &m->gex_group);
}

static enum vrule v_gex_group(struct vspan pl, union vmsgs *m)
{
	return vmsg_gex_group(pl, &m->gex_group);
}

static const char *d_gex_group(const union emsg *e, const union vmsgs *v)
{
	if (!same_mpint(e->gex_group.p, v->gex_group.p))
		return "p";
	return same_mpint(e->gex_group.g, v->gex_group.g) ? NULL : "g";
}

/* ---- messages without fields ---- */

static sd_err e_newkeys(struct span pl, union emsg *m)
{
	return msg_empty_parse(pl, MSG_NEWKEYS);
}

static sd_err p_newkeys(struct sbuf *out, const union emsg *m)
{
	return msg_empty_put(out, MSG_NEWKEYS);
}

static enum vrule v_newkeys(struct vspan pl, union vmsgs *m)
{
	return vmsg_empty(pl, MSG_NEWKEYS);
}

static sd_err e_success(struct span pl, union emsg *m)
{
	return msg_empty_parse(pl, MSG_USERAUTH_SUCCESS);
}

static sd_err p_success(struct sbuf *out, const union emsg *m)
{
	return msg_empty_put(out, MSG_USERAUTH_SUCCESS);
}

static enum vrule v_success(struct vspan pl, union vmsgs *m)
{
	return vmsg_empty(pl, MSG_USERAUTH_SUCCESS);
}

static const char *d_none(const union emsg *e, const union vmsgs *v)
{
	return NULL;
}

/* ---- transport ---- */

static sd_err e_service_request(struct span pl, union emsg *m)
{
	return msg_service_parse(pl, MSG_SERVICE_REQUEST, &m->service);
}

static sd_err p_service_request(struct sbuf *out, const union emsg *m)
{
	return msg_service_put(out, MSG_SERVICE_REQUEST, &m->service);
}

static enum vrule v_service_request(struct vspan pl, union vmsgs *m)
{
	return vmsg_service(pl, MSG_SERVICE_REQUEST, &m->service);
}

static sd_err e_service_accept(struct span pl, union emsg *m)
{
	return msg_service_parse(pl, MSG_SERVICE_ACCEPT, &m->service);
}

static sd_err p_service_accept(struct sbuf *out, const union emsg *m)
{
	return msg_service_put(out, MSG_SERVICE_ACCEPT, &m->service);
}

static enum vrule v_service_accept(struct vspan pl, union vmsgs *m)
{
	return vmsg_service(pl, MSG_SERVICE_ACCEPT, &m->service);
}

static const char *d_service(const union emsg *e, const union vmsgs *v)
{
	return same(e->service.name, v->service.name) ? NULL : "service name";
}

static sd_err e_ext_info(struct span pl, union emsg *m)
{
	return msg_ext_info_parse(pl, &m->ext_info);
}

static sd_err p_ext_info(struct sbuf *out, const union emsg *m)
{
	return msg_ext_info_put(out, &m->ext_info);
}

static enum vrule v_ext_info(struct vspan pl, union vmsgs *m)
{
	return vmsg_ext_info(pl, &m->ext_info);
}

static const char *d_ext_info(const union emsg *e, const union vmsgs *v)
{
	struct vspan rest = v->ext_info.exts, name, value;
	if (e->ext_info.count != v->ext_info.count)
		return "nr-extensions";
	for (uint32_t i = 0; i < e->ext_info.count; i++) {
		if (!vmsg_ext_next(&rest, &name, &value))
			return "nr-extensions";
		if (!same(e->ext_info.names[i], name))
			return "extension-name";
		if (!same(e->ext_info.values[i], value))
			return "extension-value";
	}
	return rest.len == 0 ? NULL : "nr-extensions";
}

/* The EXT_INFO allowance at the top of the file. */
static enum allowance a_ext_info(struct span pl, sd_err e, enum vrule *r, union vmsgs *v)
{
	if (e == SD_ERR_LIMIT) {
		/* the count, read as the engine did (its only field read) */
		struct sview sv = sview_make(pl.p, pl.len);
		uint8_t number;
		uint32_t count = 0;
		if (sview_get_u8(&sv, &number) == SD_OK && sview_get_u32(&sv, &count) == SD_OK &&
		    count > MSG_EXT_INFO_MAX)
			return A_EXCUSED;
	}
	return A_NONE;
}

static sd_err e_disconnect(struct span pl, union emsg *m)
{
	return msg_disconnect_parse(pl, &m->disconnect);
}

static sd_err p_disconnect(struct sbuf *out, const union emsg *m)
{
	return msg_disconnect_put(out, &m->disconnect);
}

static enum vrule v_disconnect(struct vspan pl, union vmsgs *m)
{
	return vmsg_disconnect(pl, &m->disconnect);
}

static const char *d_disconnect(const union emsg *e, const union vmsgs *v)
{
	if (e->disconnect.reason != v->disconnect.reason)
		return "reason code";
	if (!same(e->disconnect.description, v->disconnect.desc))
		return "description";
	return same(e->disconnect.lang, v->disconnect.lang) ? NULL : "language tag";
}

static sd_err e_ignore(struct span pl, union emsg *m)
{
	return msg_ignore_parse(pl, &m->ignore);
}

static sd_err p_ignore(struct sbuf *out, const union emsg *m)
{
	return msg_ignore_put(out, &m->ignore);
}

static enum vrule v_ignore(struct vspan pl, union vmsgs *m)
{
	return vmsg_ignore(pl, &m->ignore);
}

static const char *d_ignore(const union emsg *e, const union vmsgs *v)
{
	return same(e->ignore.data, v->ignore.data) ? NULL : "data";
}

static sd_err e_debug(struct span pl, union emsg *m)
{
	return msg_debug_parse(pl, &m->debug);
}

static sd_err p_debug(struct sbuf *out, const union emsg *m)
{
	return msg_debug_put(out, &m->debug);
}

static enum vrule v_debug(struct vspan pl, union vmsgs *m)
{
	return vmsg_debug(pl, &m->debug);
}

static const char *d_debug(const union emsg *e, const union vmsgs *v)
{
	if (e->debug.always_display != v->debug.display)
		return "always_display";
	if (!same(e->debug.message, v->debug.msg))
		return "message";
	return same(e->debug.lang, v->debug.lang) ? NULL : "language tag";
}

static sd_err e_unimplemented(struct span pl, union emsg *m)
{
	return msg_unimplemented_parse(pl, &m->unimplemented);
}

static sd_err p_unimplemented(struct sbuf *out, const union emsg *m)
{
	return msg_unimplemented_put(out, &m->unimplemented);
}

static enum vrule v_unimplemented(struct vspan pl, union vmsgs *m)
{
	return vmsg_unimplemented(pl, &m->unimplemented);
}

static const char *d_unimplemented(const union emsg *e, const union vmsgs *v)
{
	return e->unimplemented.seq == v->unimplemented.seq ? NULL : "packet sequence number";
}

/* ---- user authentication ---- */

static sd_err e_request(struct span pl, union emsg *m)
{
	return msg_userauth_request_parse(pl, &m->request);
}

static sd_err p_request(struct sbuf *out, const union emsg *m)
{
	return msg_userauth_request_put(out, &m->request);
}

static enum vrule v_request(struct vspan pl, union vmsgs *m)
{
	return vmsg_userauth_request(pl, &m->request);
}

static bool same_kind(enum userauth_method a, enum vmsg_method b)
{
	switch (a) {
	case USERAUTH_NONE:
		return b == VMSG_NONE;
	case USERAUTH_PASSWORD:
		return b == VMSG_PASSWORD;
	case USERAUTH_PUBLICKEY:
		return b == VMSG_PUBLICKEY;
	default:
		return b == VMSG_OTHER;
	}
}

static const char *d_request(const union emsg *e, const union vmsgs *v)
{
	const struct msg_userauth_request *a = &e->request;
	const struct vmsg_userauth_request *b = &v->request;
	if (!same(a->user, b->user))
		return "user name";
	if (!same(a->service, b->service))
		return "service name";
	if (!same(a->method, b->method))
		return "method name";
	if (!same_kind(a->kind, b->kind))
		return "method";
	switch (a->kind) {
	case USERAUTH_PASSWORD:
		if (a->change != b->change)
			return "password change flag";
		if (!same(a->password, b->password))
			return "password";
		return same(a->new_password, b->new_password) ? NULL : "new password";
	case USERAUTH_PUBLICKEY:
		if (a->has_sig != b->has_sig)
			return "publickey signature flag";
		if (!same(a->alg, b->alg))
			return "public key algorithm name";
		if (!same(a->key, b->key))
			return "public key blob";
		return same(a->sig, b->sig) ? NULL : "signature";
	case USERAUTH_OTHER:
		return same(a->rest, b->rest) ? NULL : "method-specific fields";
	default:
		return NULL;
	}
}

static sd_err e_failure(struct span pl, union emsg *m)
{
	return msg_userauth_failure_parse(pl, &m->failure);
}

static sd_err p_failure(struct sbuf *out, const union emsg *m)
{
	return msg_userauth_failure_put(out, &m->failure);
}

static enum vrule v_failure(struct vspan pl, union vmsgs *m)
{
	return vmsg_userauth_failure(pl, &m->failure);
}

static const char *d_failure(const union emsg *e, const union vmsgs *v)
{
	if (!same(e->failure.methods, v->failure.methods))
		return "authentications that can continue";
	return e->failure.partial == v->failure.partial ? NULL : "partial success";
}

static sd_err e_banner(struct span pl, union emsg *m)
{
	return msg_userauth_banner_parse(pl, &m->banner);
}

static sd_err p_banner(struct sbuf *out, const union emsg *m)
{
	return msg_userauth_banner_put(out, &m->banner);
}

static enum vrule v_banner(struct vspan pl, union vmsgs *m)
{
	return vmsg_userauth_banner(pl, &m->banner);
}

static const char *d_banner(const union emsg *e, const union vmsgs *v)
{
	if (!same(e->banner.message, v->banner.msg))
		return "message";
	return same(e->banner.lang, v->banner.lang) ? NULL : "language tag";
}

static sd_err e_pk_ok(struct span pl, union emsg *m)
{
	return msg_userauth_pk_ok_parse(pl, &m->pk_ok);
}

static sd_err p_pk_ok(struct sbuf *out, const union emsg *m)
{
	return msg_userauth_pk_ok_put(out, &m->pk_ok);
}

static enum vrule v_pk_ok(struct vspan pl, union vmsgs *m)
{
	return vmsg_userauth_pk_ok(pl, &m->pk_ok);
}

static const char *d_pk_ok(const union emsg *e, const union vmsgs *v)
{
	if (!same(e->pk_ok.alg, v->pk_ok.alg))
		return "public key algorithm name";
	return same(e->pk_ok.key, v->pk_ok.key) ? NULL : "public key blob";
}

/* ---- the table ---- */

#define ROW(kind, name_, num, x, d, a) \
	[kind] = {name_, num, e_##x, p_##x, v_##x, d, a}

static const struct pair pairs[PP_KIND_COUNT] = {
	ROW(PP_KEXINIT, "KEXINIT", MSG_KEXINIT, kexinit, d_kexinit, NULL),
	ROW(PP_KEXDH_INIT, "KEXDH_INIT", MSG_KEXDH_INIT, kexdh_init, d_init_mpint, NULL),
	ROW(PP_KEXDH_REPLY, "KEXDH_REPLY", MSG_KEXDH_REPLY, kexdh_reply, d_reply_mpint, NULL),
	ROW(PP_ECDH_INIT, "KEX_ECDH_INIT", MSG_KEXDH_INIT, ecdh_init, d_init_string, NULL),
	ROW(PP_ECDH_REPLY, "KEX_ECDH_REPLY", MSG_KEXDH_REPLY, ecdh_reply, d_reply_string, NULL),
	ROW(PP_GEX_REQUEST, "KEX_DH_GEX_REQUEST", MSG_KEX_DH_GEX_REQUEST, gex_request, d_gex_request, NULL),
	ROW(PP_GEX_GROUP, "KEX_DH_GEX_GROUP", MSG_KEX_DH_GEX_GROUP, gex_group, d_gex_group, NULL),
	ROW(PP_GEX_INIT, "KEX_DH_GEX_INIT", MSG_KEX_DH_GEX_INIT, gex_init, d_init_mpint, NULL),
	ROW(PP_GEX_REPLY, "KEX_DH_GEX_REPLY", MSG_KEX_DH_GEX_REPLY, gex_reply, d_reply_mpint, NULL),
	ROW(PP_NEWKEYS, "NEWKEYS", MSG_NEWKEYS, newkeys, d_none, NULL),
	ROW(PP_EXT_INFO, "EXT_INFO", MSG_EXT_INFO, ext_info, d_ext_info, a_ext_info),
	ROW(PP_SERVICE_REQUEST, "SERVICE_REQUEST", MSG_SERVICE_REQUEST, service_request, d_service, NULL),
	ROW(PP_SERVICE_ACCEPT, "SERVICE_ACCEPT", MSG_SERVICE_ACCEPT, service_accept, d_service, NULL),
	ROW(PP_DISCONNECT, "DISCONNECT", MSG_DISCONNECT, disconnect, d_disconnect, NULL),
	ROW(PP_IGNORE, "IGNORE", MSG_IGNORE, ignore, d_ignore, NULL),
	ROW(PP_DEBUG, "DEBUG", MSG_DEBUG, debug, d_debug, NULL),
	ROW(PP_UNIMPLEMENTED, "UNIMPLEMENTED", MSG_UNIMPLEMENTED, unimplemented, d_unimplemented, NULL),
	ROW(PP_USERAUTH_REQUEST, "USERAUTH_REQUEST", MSG_USERAUTH_REQUEST, request, d_request, NULL),
	ROW(PP_USERAUTH_FAILURE, "USERAUTH_FAILURE", MSG_USERAUTH_FAILURE, failure, d_failure, NULL),
	ROW(PP_USERAUTH_SUCCESS, "USERAUTH_SUCCESS", MSG_USERAUTH_SUCCESS, success, d_none, NULL),
	ROW(PP_USERAUTH_BANNER, "USERAUTH_BANNER", MSG_USERAUTH_BANNER, banner, d_banner, NULL),
	ROW(PP_USERAUTH_PK_OK, "USERAUTH_PK_OK", MSG_USERAUTH_PK_OK, pk_ok, d_pk_ok, NULL),
};

#undef ROW

const char *pp_kind_name(enum pp_kind k)
{
	return (unsigned)k < PP_KIND_COUNT ? pairs[k].name : "?";
}

uint8_t pp_kind_number(enum pp_kind k)
{
	return (unsigned)k < PP_KIND_COUNT ? pairs[k].number : 0;
}

/* ---- the comparison ---- */

/* Where the engine re-encodes; grows once, then is reused. */
static struct sbuf reencoded;

void pp_cleanup(void)
{
	sbuf_free(&reencoded);
	pp_packet_cleanup();
}

static bool same_verdict(sd_err e, enum vrule r)
{
	const char *a = sd_err_rule(e), *b = vrule_id(r);
	return a == b || strcmp(a, b) == 0;
}

const char *pp_check(enum pp_kind k, const uint8_t *p, size_t n, struct pp_verdicts *out, char *buf, size_t cap)
{
	const struct pair *row = &pairs[k];
	struct span pl = {p, n};
	union emsg em;
	union vmsgs vm;
	sd_err e = row->eparse(pl, &em);
	enum vrule r = row->vdecode(vspan_of(p, n), &vm);
	enum allowance a = A_NONE;

	if (!same_verdict(e, r) && row->allow)
		a = row->allow(pl, e, &r, &vm);
	if (out)
		*out = (struct pp_verdicts){e, r, a != A_NONE};
	if (a == A_EXCUSED)
		return NULL;
	if (!same_verdict(e, r)) {
		snprintf(buf, cap, "verdict engine=%s verifier=%s", sd_err_rule(e), vrule_id(r));
		return buf;
	}
	if (e != SD_OK)
		return NULL;
	const char *field = row->differs(&em, &vm);
	if (field) {
		snprintf(buf, cap, "field %s", field);
		return buf;
	}
	/* put(parse(b)) == b: see parse_pair.h for why for every b. */
	sbuf_reset(&reencoded);
	if (row->eput(&reencoded, &em) != SD_OK)
		return "re-encode failed";
	if (reencoded.len != n || memcmp(reencoded.data, p, n) != 0)
		return "re-encode differs";
	return NULL;
}

sd_err pp_engine_only(enum pp_kind k, const uint8_t *p, size_t n)
{
	union emsg em;
	return pairs[k].eparse((struct span){p, n}, &em);
}

/*
 * machine_server.c — the server after the first key exchange: the service
 * request (RFC 4253 section 10), user authentication (RFC 4252: none,
 * password, publickey with PK_OK, banner, partial success with
 * cfg->auth_required) and the connection layer, which is refused
 * (RFC 4254: no channels, no global requests).
 */
#include "machine_impl.h"

#include <string.h>

/* Methods the server can offer, in the order FAILURE lists them. */
static const char *const server_methods[] = {"publickey", "password"};
#define N_SERVER_METHODS 2

static bool offered(const struct machine *m, const char *method)
{
	if (strcmp(method, "publickey") == 0)
		return m->cfg.n_authorized_keys > 0;
	if (strcmp(method, "password") == 0)
		return m->cfg.auth_password != NULL;
	return false;
}

/* Index of method in cfg->auth_required, or -1. */
static int required_index(const struct machine *m, struct span method)
{
	struct span list = span_cstr(m->cfg.auth_required), name;
	size_t pos = 0;

	for (int i = 0; i < 32 && namelist_next(list, &pos, &name); i++)
		if (span_eq(name, method))
			return i;
	return -1;
}

static bool required_all_done(const struct machine *m)
{
	struct span list = span_cstr(m->cfg.auth_required), name;
	size_t pos = 0;

	for (int i = 0; i < 32 && namelist_next(list, &pos, &name); i++)
		if (!(m->required_done & (1u << i)))
			return false;
	return true;
}

/* Section 5.1: the methods that can continue — offered ones that are still
 * needed. */
static sd_err can_continue(const struct machine *m, struct sbuf *out)
{
	sd_err e = SD_OK;

	for (int i = 0; i < N_SERVER_METHODS && e == SD_OK; i++) {
		const char *name = server_methods[i];
		if (!offered(m, name))
			continue;
		if (m->cfg.auth_required) {
			int r = required_index(m, span_cstr(name));
			if (r < 0 || (m->required_done & (1u << r)))
				continue;
		}
		if (out->len)
			e = sbuf_put_u8(out, ',');
		if (e == SD_OK)
			e = sbuf_put(out, name, strlen(name));
	}
	return e;
}

static sd_err send_failure(struct machine *m, bool partial, uint32_t method)
{
	struct sbuf list = SBUF_INIT;
	struct msg_userauth_failure f;
	sd_err e = can_continue(m, &list);

	f.methods = sbuf_span(&list);
	f.partial = partial;
	sbuf_reset(&m->scratch);
	if (e == SD_OK)
		e = machine_send_built(m, msg_userauth_failure_put(&m->scratch, &f));
	sbuf_free(&list);
	if (e == SD_OK)
		e = machine_emit(m, partial ? MEV_AUTH_PARTIAL : MEV_AUTH_FAILURE, MSG_USERAUTH_REQUEST, m->soft_err,
				 method);
	return e;
}

static sd_err send_success(struct machine *m, const char *method)
{
	sbuf_reset(&m->scratch);
	sd_err e = machine_send_built(m, msg_empty_put(&m->scratch, MSG_USERAUTH_SUCCESS));

	if (e != SD_OK)
		return e;
	m->as = AUTH_S_DONE;
	m->res.auth = AUTH_SUCCESS;
	machine_copy_name(m->res.auth_method, sizeof m->res.auth_method, span_cstr(method));
	return machine_emit(m, MEV_AUTH_SUCCESS, MSG_USERAUTH_REQUEST, SD_OK, 0);
}

/* A method succeeded: done, unless cfg->auth_required wants more
 * (partial success, section 5.1). */
static sd_err method_ok(struct machine *m, const char *method, uint32_t kind)
{
	if (!m->cfg.auth_required)
		return send_success(m, method);
	int r = required_index(m, span_cstr(method));
	if (r >= 0)
		m->required_done |= 1u << r;
	if (r >= 0 && required_all_done(m))
		return send_success(m, method);
	return send_failure(m, true, kind);
}

static sd_err auth_password(struct machine *m, const struct msg_userauth_request *r)
{
	struct span want = span_cstr(m->cfg.auth_password);

	/* Section 8; password change requests are not supported. */
	if (!offered(m, "password") || r->change)
		return send_failure(m, false, USERAUTH_PASSWORD);
	/* Constant time over the expected length. */
	if (r->password.len == want.len && ct_memeq(r->password.p, want.p, want.len))
		return method_ok(m, "password", USERAUTH_PASSWORD);
	return send_failure(m, false, USERAUTH_PASSWORD);
}

static bool authorized(const struct machine *m, const struct sigkey *key)
{
	for (size_t i = 0; i < m->cfg.n_authorized_keys; i++)
		if (sigkey_equal_public(m->cfg.authorized_keys[i], key))
			return true;
	return false;
}

static sd_err pk_verify(struct machine *m, const struct msg_userauth_request *r, const struct sigkey *key,
			const struct sig_alg *alg)
{
	struct span sid = {m->res.session_id, m->res.session_id_len};
	struct sbuf data = SBUF_INIT;
	sd_err e;

	/* Section 7: the signature covers the session id and the request. */
	e = msg_userauth_signed_data(&data, sid, r->user, r->service, r->alg, r->key);
	if (e == SD_OK)
		e = sigkey_verify(key, alg, r->sig, sbuf_span(&data));
	sbuf_free(&data);
	return e;
}

static sd_err auth_publickey(struct machine *m, const struct msg_userauth_request *r)
{
	const struct sig_alg *alg = sig_alg_by_name(r->alg);
	struct sigkey *key = NULL;
	sd_err e;

	if (!offered(m, "publickey"))
		return send_failure(m, false, USERAUTH_PUBLICKEY);
	e = alg ? sigkey_from_blob(r->key, &key) : SD_ERR_UNSUPPORTED;
	if (e == SD_OK && !sigkey_matches_alg(key, alg))
		e = SD_ERR_UNSUPPORTED;
	if (e != SD_OK) {
		/* Unknown algorithm or one that does not fit the blob: a failed
		 * attempt, not a broken connection. */
		m->soft_err = e == SD_ERR_UNSUPPORTED ? SD_ERR_USERAUTH_ALG : e;
		sigkey_free(key);
		return send_failure(m, false, USERAUTH_PUBLICKEY);
	}
	if (!authorized(m, key)) {
		e = send_failure(m, false, USERAUTH_PUBLICKEY);
	} else if (!r->has_sig) {
		struct msg_userauth_pk_ok ok = {r->alg, r->key};
		sbuf_reset(&m->scratch);
		e = machine_send_built(m, msg_userauth_pk_ok_put(&m->scratch, &ok));
	} else if (pk_verify(m, r, key, alg) == SD_OK) {
		e = method_ok(m, "publickey", USERAUTH_PUBLICKEY);
	} else {
		m->soft_err = SD_ERR_USERAUTH_SIGNATURE;
		e = send_failure(m, false, USERAUTH_PUBLICKEY);
	}
	sigkey_free(key);
	return e;
}

static sd_err on_userauth(struct machine *m, struct span payload)
{
	struct msg_userauth_request r;
	sd_err e;

	if ((e = msg_userauth_request_parse(payload, &r)) != SD_OK)
		return e;
	/* Section 5.4: the banner goes before the first response. */
	if (m->cfg.banner && !m->banner_sent) {
		struct msg_userauth_banner b = {span_cstr(m->cfg.banner), SPAN_NULL};
		sbuf_reset(&m->scratch);
		if ((e = machine_send_built(m, msg_userauth_banner_put(&m->scratch, &b))) != SD_OK)
			return e;
		m->banner_sent = true;
	}
	if (!m->cfg.auth_user || !span_eq_cstr(r.user, m->cfg.auth_user) || !span_eq_cstr(r.service, "ssh-connection"))
		return send_failure(m, false, r.kind);
	switch (r.kind) {
	case USERAUTH_PASSWORD:
		return auth_password(m, &r);
	case USERAUTH_PUBLICKEY:
		return auth_publickey(m, &r);
	default:
		return send_failure(m, false, r.kind);
	}
}

static sd_err on_service_request(struct machine *m, struct span payload)
{
	struct msg_service s;
	sd_err e;

	if ((e = msg_service_parse(payload, MSG_SERVICE_REQUEST, &s)) != SD_OK)
		return e;
	if (!span_eq_cstr(s.name, "ssh-userauth"))
		return SD_ERR_SERVICE;
	sbuf_reset(&m->scratch);
	if ((e = machine_send_built(m, msg_service_put(&m->scratch, MSG_SERVICE_ACCEPT, &s))) != SD_OK)
		return e;
	m->as = AUTH_S_USERAUTH;
	return machine_emit(m, MEV_SERVICE, MSG_SERVICE_REQUEST, SD_OK, 0);
}

sd_err machine_server_dispatch(struct machine *m, uint8_t msg, struct span payload, uint32_t seqnr)
{
	/* RFC 4252 section 5.1 (CVE-2018-10933): only the server says
	 * SUCCESS; the other server-to-client messages likewise. */
	if (msg == MSG_USERAUTH_SUCCESS)
		return SD_ERR_USERAUTH_SUCCESS_FROM_CLIENT;
	if (msg == MSG_SERVICE_ACCEPT || msg == MSG_USERAUTH_FAILURE || msg == MSG_USERAUTH_BANNER ||
	    msg == MSG_USERAUTH_PK_OK)
		return SD_ERR_WRONG_DIRECTION;
	/* RFC 4252 section 6: the connection protocol only after success. */
	if (msg >= 80 && m->as != AUTH_S_DONE)
		return SD_ERR_CONNECTION_BEFORE_AUTH;
	switch (m->as) {
	case AUTH_S_WAIT_SERVICE:
		/* RFC 4253 section 10: the service request comes first. */
		if (msg == MSG_SERVICE_REQUEST)
			return on_service_request(m, payload);
		if (msg == MSG_USERAUTH_REQUEST)
			return SD_ERR_SERVICE;
		break;
	case AUTH_S_USERAUTH:
		if (msg == MSG_USERAUTH_REQUEST)
			return on_userauth(m, payload);
		if (msg == MSG_SERVICE_REQUEST)
			return SD_ERR_UNEXPECTED_MESSAGE;
		break;
	case AUTH_S_DONE:
		/* Section 5.1: requests after success are ignored. */
		if (msg == MSG_USERAUTH_REQUEST)
			return SD_OK;
		if (msg == MSG_SERVICE_REQUEST)
			return SD_ERR_UNEXPECTED_MESSAGE;
		return machine_connection_refuse(m, msg, payload, seqnr);
	}
	return machine_send_unimplemented(m, seqnr);
}

/* RFC 4254 section 5.1: CHANNEL_OPEN gets CHANNEL_OPEN_FAILURE
 * (reason 1, administratively prohibited); section 4: a global request
 * that wants a reply gets REQUEST_FAILURE; anything else UNIMPLEMENTED. */
sd_err machine_connection_refuse(struct machine *m, uint8_t msg, struct span payload, uint32_t seqnr)
{
	struct sview v = sview_make(payload.p, payload.len);
	struct span name;
	uint8_t b, want_reply;
	uint32_t sender;
	sd_err e;

	switch (msg) {
	case MSG_GLOBAL_REQUEST:
		if ((e = sview_get_u8(&v, &b)) != SD_OK || (e = sview_get_string(&v, &name)) != SD_OK ||
		    (e = sview_get_bool(&v, &want_reply)) != SD_OK)
			return e;
		if (!want_reply)
			return SD_OK;
		sbuf_reset(&m->scratch);
		return machine_send_built(m, sbuf_put_u8(&m->scratch, MSG_REQUEST_FAILURE));
	case MSG_CHANNEL_OPEN:
		if ((e = sview_get_u8(&v, &b)) != SD_OK || (e = sview_get_string(&v, &name)) != SD_OK ||
		    (e = sview_get_u32(&v, &sender)) != SD_OK)
			return e;
		sbuf_reset(&m->scratch);
		e = sbuf_put_u8(&m->scratch, MSG_CHANNEL_OPEN_FAILURE);
		if (e == SD_OK)
			e = sbuf_put_u32(&m->scratch, sender);
		if (e == SD_OK)
			e = sbuf_put_u32(&m->scratch, 1);
		if (e == SD_OK)
			e = sbuf_put_cstring(&m->scratch, "channels not supported");
		if (e == SD_OK)
			e = sbuf_put_cstring(&m->scratch, "");
		return machine_send_built(m, e);
	default:
		return machine_send_unimplemented(m, seqnr);
	}
}

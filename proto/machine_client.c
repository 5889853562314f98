/*
 * machine_client.c — the client after the first key exchange: the
 * "ssh-userauth" service request (RFC 4253 section 10) and user
 * authentication (RFC 4252): none, publickey with a PK_OK query first
 * (section 7), password (section 8), banners and partial success.
 */
#include "machine_impl.h"

#include <string.h>

static const char userauth_service[] = "ssh-userauth";
static const char connection_service[] = "ssh-connection";

sd_err machine_client_start(struct machine *m)
{
	struct msg_service s = {span_cstr(userauth_service)};

	sbuf_reset(&m->scratch);
	sd_err e = machine_send_built(m, msg_service_put(&m->scratch, MSG_SERVICE_REQUEST, &s));
	if (e == SD_OK)
		m->ac = AUTH_C_WAIT_SERVICE;
	return e;
}

static struct span user(const struct machine *m)
{
	return span_cstr(m->cfg.user ? m->cfg.user : "");
}

/* RFC 8332 section 3.2 / RFC 8308 section 3.1: an RSA key signs with the
 * strongest hash the server says it accepts, else with ssh-rsa. */
static const struct sig_alg *identity_alg(const struct machine *m, const struct sigkey *key)
{
	if (sigkey_type(key) == SIGKEY_RSA) {
		static const char *const prefs[] = {"rsa-sha2-512", "rsa-sha2-256"};
		for (size_t i = 0; i < 2; i++)
			if (namelist_contains(sbuf_span(&m->server_sig_algs), span_cstr(prefs[i])))
				return sig_alg_by_name(span_cstr(prefs[i]));
		return sig_alg_by_name(span_cstr("ssh-rsa"));
	}
	for (size_t i = 0; i < sig_algs_count; i++)
		if (sigkey_matches_alg(key, &sig_algs[i]))
			return &sig_algs[i];
	return NULL;
}

static sd_err send_request(struct machine *m, struct msg_userauth_request *r, const char *method)
{
	r->user = user(m);
	r->service = span_cstr(connection_service);
	r->method = span_cstr(method);
	m->current_method = method;
	sbuf_reset(&m->scratch);
	return machine_send_built(m, msg_userauth_request_put(&m->scratch, r));
}

/* publickey, section 7: first ask whether the key would do (no signature). */
static sd_err send_pk_query(struct machine *m)
{
	const struct sigkey *key = m->cfg.identities[m->identity_i];
	struct msg_userauth_request r;
	struct sbuf blob = SBUF_INIT;
	sd_err e;

	memset(&r, 0, sizeof r);
	if (!(m->pk_alg = identity_alg(m, key)))
		return SD_ERR_UNSUPPORTED;
	if ((e = sigkey_to_blob(key, &blob)) == SD_OK) {
		r.kind = USERAUTH_PUBLICKEY;
		r.has_sig = 0;
		r.alg = span_cstr(m->pk_alg->name);
		r.key = sbuf_span(&blob);
		e = send_request(m, &r, "publickey");
	}
	sbuf_free(&blob);
	if (e == SD_OK)
		m->ac = AUTH_C_WAIT_PK_OK;
	return e;
}

/* After PK_OK: the same request, signed over session id and fields. */
static sd_err send_pk_signed(struct machine *m, struct span blob)
{
	const struct sigkey *key = m->cfg.identities[m->identity_i];
	struct span alg = span_cstr(m->pk_alg->name);
	struct span sid = {m->res.session_id, m->res.session_id_len};
	struct sbuf data = SBUF_INIT, sig = SBUF_INIT;
	struct msg_userauth_request r;
	sd_err e;

	memset(&r, 0, sizeof r);
	e = msg_userauth_signed_data(&data, sid, user(m), span_cstr(connection_service), alg, blob);
	if (e == SD_OK)
		e = sigkey_sign(key, m->pk_alg, m->cfg.rng, sbuf_span(&data), &sig);
	if (e == SD_OK) {
		r.kind = USERAUTH_PUBLICKEY;
		r.has_sig = 1;
		r.alg = alg;
		r.key = blob;
		r.sig = sbuf_span(&sig);
		e = send_request(m, &r, "publickey");
	}
	sbuf_free(&data);
	sbuf_free(&sig);
	if (e == SD_OK)
		m->ac = AUTH_C_WAIT_RESULT;
	return e;
}

static sd_err send_password(struct machine *m)
{
	struct msg_userauth_request r;

	memset(&r, 0, sizeof r);
	r.kind = USERAUTH_PASSWORD;
	r.change = 0;
	r.password = span_cstr(m->cfg.password);
	m->password_tried = true;
	sd_err e = send_request(m, &r, "password");
	if (e == SD_OK)
		m->ac = AUTH_C_WAIT_RESULT;
	return e;
}

static sd_err send_none(struct machine *m)
{
	struct msg_userauth_request r;

	memset(&r, 0, sizeof r);
	r.kind = USERAUTH_NONE;
	m->none_tried = true;
	sd_err e = send_request(m, &r, "none");
	if (e == SD_OK)
		m->ac = AUTH_C_WAIT_RESULT;
	return e;
}

/* Section 5.1: methods the last FAILURE did not list are not tried. */
static bool server_allows(const struct machine *m, struct span method)
{
	return !m->have_server_methods || namelist_contains(sbuf_span(&m->server_methods), method);
}

/* Nothing left: RFC 4252 section 5.1, give up with reason 14. */
static sd_err give_up(struct machine *m)
{
	m->res.auth = AUTH_FAILURE;
	m->ac = AUTH_C_DONE;
	machine_fail(m, SD_ERR_AUTH_FAILED, DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE);
	return SD_OK;
}

static sd_err next_attempt(struct machine *m)
{
	for (; m->order_i < m->n_order; m->order_i++) {
		struct span method = m->order[m->order_i];
		if (span_eq_cstr(method, "none")) {
			if (!m->none_tried && !m->have_server_methods)
				return send_none(m);
		} else if (!server_allows(m, method)) {
			continue;
		} else if (span_eq_cstr(method, "publickey")) {
			if (m->identity_i < m->cfg.n_identities)
				return send_pk_query(m);
		} else if (span_eq_cstr(method, "password")) {
			if (m->cfg.password && !m->password_tried)
				return send_password(m);
		}
	}
	return give_up(m);
}

static sd_err on_service_accept(struct machine *m, struct span payload)
{
	struct msg_service s;
	sd_err e;

	if (m->ac != AUTH_C_WAIT_SERVICE)
		return SD_ERR_UNEXPECTED_MESSAGE;
	if ((e = msg_service_parse(payload, MSG_SERVICE_ACCEPT, &s)) != SD_OK)
		return e;
	if (!span_eq_cstr(s.name, userauth_service))
		return SD_ERR_SERVICE;
	machine_emit(m, MEV_SERVICE, MSG_SERVICE_ACCEPT, SD_OK, 0);
	return next_attempt(m);
}

static sd_err on_failure(struct machine *m, struct span payload)
{
	struct msg_userauth_failure f;
	sd_err e;

	if ((e = msg_userauth_failure_parse(payload, &f)) != SD_OK)
		return e;
	sbuf_reset(&m->server_methods);
	if ((e = sbuf_put(&m->server_methods, f.methods.p, f.methods.len)) != SD_OK)
		return e;
	m->have_server_methods = true;
	if (f.partial)
		machine_emit(m, MEV_AUTH_PARTIAL, MSG_USERAUTH_FAILURE, SD_OK, (uint32_t)m->order_i);
	else
		machine_emit(m, MEV_AUTH_FAILURE, MSG_USERAUTH_FAILURE, SD_OK, (uint32_t)m->order_i);
	/* A publickey attempt used up its identity, either way. */
	if (m->current_method && strcmp(m->current_method, "publickey") == 0)
		m->identity_i++;
	return next_attempt(m);
}

static sd_err on_pk_ok(struct machine *m, struct span payload)
{
	struct msg_userauth_pk_ok ok;
	struct sbuf blob = SBUF_INIT;
	sd_err e;

	if ((e = msg_userauth_pk_ok_parse(payload, &ok)) != SD_OK)
		return e;
	e = sigkey_to_blob(m->cfg.identities[m->identity_i], &blob);
	/* Section 7: PK_OK echoes the algorithm and the blob we asked about. */
	if (e == SD_OK && (!span_eq_cstr(ok.alg, m->pk_alg->name) || !span_eq(ok.key, sbuf_span(&blob))))
		e = SD_ERR_PK_OK_MISMATCH;
	if (e == SD_OK)
		e = send_pk_signed(m, sbuf_span(&blob));
	sbuf_free(&blob);
	return e;
}

static sd_err on_success(struct machine *m, struct span payload)
{
	sd_err e = msg_empty_parse(payload, MSG_USERAUTH_SUCCESS);

	if (e != SD_OK)
		return e;
	m->res.auth = AUTH_SUCCESS;
	m->ac = AUTH_C_DONE;
	machine_copy_name(m->res.auth_method, sizeof m->res.auth_method, span_cstr(m->current_method));
	return machine_emit(m, MEV_AUTH_SUCCESS, MSG_USERAUTH_SUCCESS, SD_OK, (uint32_t)m->order_i);
}

static sd_err on_banner(struct machine *m, struct span payload)
{
	struct msg_userauth_banner b;
	sd_err e = msg_userauth_banner_parse(payload, &b);

	if (e != SD_OK)
		return e;
	return machine_emit(m, MEV_BANNER, MSG_USERAUTH_BANNER, SD_OK, (uint32_t)b.message.len);
}

sd_err machine_client_dispatch(struct machine *m, uint8_t msg, struct span payload, uint32_t seqnr)
{
	bool waiting = m->ac == AUTH_C_WAIT_RESULT || m->ac == AUTH_C_WAIT_PK_OK;

	switch (msg) {
	case MSG_SERVICE_REQUEST:
	case MSG_USERAUTH_REQUEST:
		return SD_ERR_WRONG_DIRECTION; /* client-to-server messages */
	case MSG_SERVICE_ACCEPT:
		return on_service_accept(m, payload);
	case MSG_USERAUTH_BANNER:
		/* Section 5.4: any time before authentication is complete. */
		if (!waiting)
			return SD_ERR_UNEXPECTED_MESSAGE;
		return on_banner(m, payload);
	case MSG_USERAUTH_FAILURE:
		return waiting ? on_failure(m, payload) : SD_ERR_UNEXPECTED_MESSAGE;
	case MSG_USERAUTH_SUCCESS:
		return waiting ? on_success(m, payload) : SD_ERR_UNEXPECTED_MESSAGE;
	case MSG_USERAUTH_PK_OK:
		return m->ac == AUTH_C_WAIT_PK_OK ? on_pk_ok(m, payload) : SD_ERR_UNEXPECTED_MESSAGE;
	default:
		break;
	}
	if (m->ac == AUTH_C_DONE)
		return machine_connection_refuse(m, msg, payload, seqnr);
	return machine_send_unimplemented(m, seqnr);
}

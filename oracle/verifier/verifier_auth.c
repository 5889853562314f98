/* verifier_auth.c — service request (RFC 4253 section 10), user
 * authentication of both roles (RFC 4252, RFC 8332, RFC 8308 server-sig-algs)
 * and the connection-layer messages the verifier refuses politely. */
#include "oracle/verifier/verifier_impl.h"

#include <string.h>

static const char *const userauth = "ssh-userauth";
static const char *const connection = "ssh-connection";

/* What the verifier, as a server, accepts for publickey authentication. */
static const char *const sig_algs =
	"ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256,ssh-rsa";

static enum vrule send_built(struct verifier *v, struct vbuf *p)
{
	enum vrule e = v_send(v, p);
	vb_free(p);
	return e;
}

enum vrule vauth_send_ext_info(struct verifier *v)
{
	struct vbuf p = {0};
	vb_u8(&p, M_EXT_INFO);
	vb_u32(&p, 1);
	vb_cstring(&p, "server-sig-algs");
	vb_cstring(&p, sig_algs);
	return send_built(v, &p);
}

/* ---- service request ---- */

enum vrule vauth_start(struct verifier *v)
{
	struct vbuf p = {0};
	vb_u8(&p, M_SERVICE_REQUEST);
	vb_cstring(&p, userauth);
	v->stage = CA_SERVICE;
	return send_built(v, &p);
}

static enum vrule user_alg_choose(struct verifier *v);
static enum vrule send_pk_request(struct verifier *v, bool signed_);

enum vrule vauth_on_service(struct verifier *v, uint8_t msg, struct vspan pl)
{
	/* SERVICE_REQUEST goes client to server, SERVICE_ACCEPT back. */
	if ((msg == M_SERVICE_REQUEST) != v->cfg.server)
		return VR_WRONG_DIRECTION;
	if (msg == M_SERVICE_ACCEPT && v->stage != CA_SERVICE)
		return VR_UNEXPECTED;
	struct vmsg_service s;
	enum vrule e = vmsg_service(pl, msg, &s);
	if (e != VR_OK)
		return e;
	/* RFC 4253 section 10: the one service the verifier offers / asked. */
	if (!vspan_is(s.name, userauth))
		return VR_SERVICE;
	v->service_ok = true;
	if (v->cfg.server) {
		struct vbuf p = {0};
		vb_u8(&p, M_SERVICE_ACCEPT);
		vb_cstring(&p, userauth);
		return send_built(v, &p);
	}
	if ((e = user_alg_choose(v)) != VR_OK)
		return e;
	return send_pk_request(v, false);
}

/* ---- shared: the data a publickey signature covers ---- */

/* RFC 4252 section 7: string session identifier, byte 50, string user,
 * string service, string "publickey", boolean TRUE (the byte as sent),
 * string algorithm, string key blob. */
static void pk_signed_data(const struct verifier *v, struct vbuf *b, struct vspan user, struct vspan service,
			   uint8_t has_sig, struct vspan alg, struct vspan blob)
{
	vb_string(b, v->session_id, v->session_id_len);
	vb_u8(b, M_USERAUTH_REQUEST);
	vb_sstring(b, user);
	vb_sstring(b, service);
	vb_cstring(b, "publickey");
	vb_u8(b, has_sig);
	vb_sstring(b, alg);
	vb_sstring(b, blob);
}

/* ---- client ---- */

/* RFC 8332 section 3.3 / RFC 8308 server-sig-algs: an RSA key signs with
 * rsa-sha2-512 or -256 when the server says it accepts them. */
static enum vrule user_alg_choose(struct verifier *v)
{
	struct vspan sigs = vspan_str(v->server_sig_algs);
	const char *name = vkey_type_name(v->user_key.type);
	if (v->user_key.type == VK_RSA) {
		if (vnl_has(sigs, vspan_str("rsa-sha2-512")))
			name = "rsa-sha2-512";
		else if (vnl_has(sigs, vspan_str("rsa-sha2-256")))
			name = "rsa-sha2-256";
	}
	v->user_alg = vsigalg_by_name(vspan_str(name));
	return v->user_alg ? VR_OK : VR_INTERNAL;
}

static enum vrule send_pk_request(struct verifier *v, bool signed_)
{
	struct vspan user = vspan_str(v->cfg.user), service = vspan_str(connection);
	struct vspan alg = vspan_str(v->user_alg->name), blob = vb_span(&v->user_key.blob);
	struct vbuf p = {0};
	enum vrule e = VR_OK;
	vb_u8(&p, M_USERAUTH_REQUEST);
	vb_sstring(&p, user);
	vb_sstring(&p, service);
	vb_cstring(&p, "publickey");
	vb_u8(&p, signed_ ? 1 : 0);
	vb_sstring(&p, alg);
	vb_sstring(&p, blob);
	if (signed_) {
		struct vbuf data = {0}, sig = {0};
		pk_signed_data(v, &data, user, service, 1, alg, blob);
		e = vb_status(&data);
		if (e == VR_OK)
			e = vkey_sign(&v->user_key, v->user_alg, vb_span(&data), &v->rng, &sig);
		vb_sstring(&p, vb_span(&sig));
		vb_free(&data);
		vb_free(&sig);
	}
	v->stage = signed_ ? CA_SIGNED : CA_QUERY;
	if (e != VR_OK) {
		vb_free(&p);
		return e;
	}
	return send_built(v, &p);
}

static enum vrule send_password(struct verifier *v)
{
	struct vbuf p = {0};
	vb_u8(&p, M_USERAUTH_REQUEST);
	vb_cstring(&p, v->cfg.user);
	vb_cstring(&p, connection);
	vb_cstring(&p, "password");
	vb_u8(&p, 0);
	vb_cstring(&p, v->cfg.password);
	v->stage = CA_PASSWORD;
	return send_built(v, &p);
}

/* Nothing left to try: a client gives up (RFC 4252 section 5.1, reason
 * NO_MORE_AUTH_METHODS_AVAILABLE).  Not a violation by the peer. */
static enum vrule give_up(struct verifier *v)
{
	v->res.auth = VAUTH_FAILURE;
	v->stage = CA_DONE;
	v_note(v, VR_AUTH_FAILED);
	v_decide(v, M_USERAUTH_FAILURE, VR_AUTH_FAILED, false);
	v_disconnect(v, DR_NO_MORE_AUTH_METHODS, VR_AUTH_FAILED);
	return VR_OK;
}

static enum vrule client_failure(struct verifier *v, struct vspan pl)
{
	struct vmsg_userauth_failure f;
	enum vrule e = vmsg_userauth_failure(pl, &f);
	if (e != VR_OK)
		return e;
	if (v->stage != CA_QUERY && v->stage != CA_SIGNED && v->stage != CA_PASSWORD)
		return VR_UNEXPECTED;
	/* publickey first, then the password if the server takes one */
	if (v->stage != CA_PASSWORD && v->cfg.password[0] && vnl_has(f.methods, vspan_str("password")))
		return send_password(v);
	return give_up(v);
}

static enum vrule client_pk_ok(struct verifier *v, struct vspan pl)
{
	struct vmsg_userauth_pk_ok ok;
	enum vrule e;
	if (v->stage == CA_PASSWORD) {
		/* 60 is SSH_MSG_USERAUTH_PASSWD_CHANGEREQ here (RFC 4252
		 * section 8): the verifier has no new password to give. */
		struct vmsg_passwd_changereq cr;
		e = vmsg_passwd_changereq(pl, &cr);
		return e != VR_OK ? e : give_up(v);
	}
	if (v->stage != CA_QUERY)
		return VR_UNEXPECTED;
	if ((e = vmsg_userauth_pk_ok(pl, &ok)) != VR_OK)
		return e;
	/* RFC 4252 section 7: PK_OK repeats the algorithm and the blob asked. */
	if (!vspan_is(ok.alg, v->user_alg->name) || !vspan_eq(ok.key, vb_span(&v->user_key.blob)))
		return VR_PK_OK;
	return send_pk_request(v, true);
}

static enum vrule on_client(struct verifier *v, uint8_t msg, struct vspan pl, uint32_t seq)
{
	struct vmsg_userauth_banner b;
	enum vrule e;
	switch (msg) {
	case M_USERAUTH_REQUEST:
		return VR_WRONG_DIRECTION; /* RFC 4252 section 5: client to server */
	case M_USERAUTH_FAILURE:
		return client_failure(v, pl);
	case M_USERAUTH_SUCCESS:
		if ((e = vmsg_empty(pl, M_USERAUTH_SUCCESS)) != VR_OK)
			return e;
		if (v->stage != CA_QUERY && v->stage != CA_SIGNED && v->stage != CA_PASSWORD)
			return VR_UNEXPECTED;
		v->authed = true;
		v->res.auth = VAUTH_SUCCESS;
		v->stage = CA_DONE;
		return VR_OK;
	case M_USERAUTH_BANNER:
		/* RFC 4252 section 5.4: "at any time after this authentication
		 * protocol starts and before authentication is successful"; it
		 * starts with SERVICE_ACCEPT (RFC 4253 section 10; OpenSSH's
		 * client installs its banner handler only then).  Inside that
		 * window, shown or not, nothing to decide. */
		if (!v->service_ok || v->authed)
			return VR_UNEXPECTED;
		return vmsg_userauth_banner(pl, &b);
	case M_USERAUTH_PK_OK:
		return client_pk_ok(v, pl);
	default:
		return v_unimplemented(v, seq);
	}
}

/* ---- server ---- */

static enum vrule send_failure(struct verifier *v, enum vrule why)
{
	struct vbuf p = {0};
	vb_u8(&p, M_USERAUTH_FAILURE);
	vb_cstring(&p, v->cfg.password[0] ? "publickey,password" : "publickey");
	vb_u8(&p, 0);
	if (v->res.auth != VAUTH_SUCCESS)
		v->res.auth = VAUTH_FAILURE;
	v_note(v, why);
	v_decide(v, M_USERAUTH_REQUEST, why, false);
	return send_built(v, &p);
}

static enum vrule send_success(struct verifier *v)
{
	struct vbuf p = {0};
	vb_u8(&p, M_USERAUTH_SUCCESS);
	v->authed = true;
	v->res.auth = VAUTH_SUCCESS;
	return send_built(v, &p);
}

static enum vrule server_password(struct verifier *v, const struct vmsg_userauth_request *q)
{
	if (!vspan_is(q->service, connection))
		return send_failure(v, VR_SERVICE);
	bool ok = v->cfg.password[0] && !q->change && vspan_is(q->user, v->cfg.user) &&
		  vspan_is(q->password, v->cfg.password);
	return ok ? send_success(v) : send_failure(v, VR_AUTH_FAILED);
}

/* A refused signature is a USERAUTH_FAILURE (RFC 4252 section 7), its
 * reason noted: RFC 8332 / RFC 8032 where they apply, else RFC 4252-7. */
static enum vrule sig_reason(enum vrule e)
{
	return e == VR_RSA_HASH || e == VR_ED25519_S ? e : VR_USERAUTH_SIG;
}

static enum vrule server_publickey(struct verifier *v, const struct vmsg_userauth_request *q)
{
	struct vspan type;
	enum vrule e;
	const struct vsigalg *sa = vsigalg_by_name(q->alg);
	if (!sa)
		return send_failure(v, VR_AUTH_FAILED); /* not an algorithm we accept */
	/* RFC 4252 section 7: the algorithm names the blob's key type. */
	if (vkey_blob_type(q->key, &type) != VR_OK || !vspan_is(type, vkey_type_name(sa->type)))
		return send_failure(v, VR_USERAUTH_ALG);
	if (!vspan_is(q->service, connection))
		return send_failure(v, VR_SERVICE);
	if (!vspan_is(q->user, v->cfg.user) || !vspan_eq(q->key, vb_span(&v->user_key.blob)))
		return send_failure(v, VR_AUTH_FAILED);
	if (!q->has_sig) {
		struct vbuf p = {0};
		vb_u8(&p, M_USERAUTH_PK_OK);
		vb_sstring(&p, q->alg);
		vb_sstring(&p, q->key);
		return send_built(v, &p);
	}
	struct vbuf data = {0};
	pk_signed_data(v, &data, q->user, q->service, q->has_sig, q->alg, q->key);
	e = vb_status(&data);
	if (e == VR_OK)
		e = vkey_verify(&v->user_key, sa, q->sig, vb_span(&data));
	vb_free(&data);
	if (e == VR_NOMEM || e == VR_INTERNAL)
		return e;
	return e == VR_OK ? send_success(v) : send_failure(v, sig_reason(e));
}

static enum vrule server_request(struct verifier *v, struct vspan pl)
{
	struct vmsg_userauth_request q;
	/* RFC 4253 section 10: the service must have been requested. */
	if (!v->service_ok)
		return VR_SERVICE;
	/* RFC 4252 section 5.1: requests after SUCCESS are ignored. */
	if (v->authed)
		return VR_OK;
	enum vrule e = vmsg_userauth_request(pl, &q);
	if (e != VR_OK)
		return e;
	switch (q.kind) {
	case VMSG_PUBLICKEY:
		return server_publickey(v, &q);
	case VMSG_PASSWORD:
		return server_password(v, &q);
	default:
		/* section 5.2 "none", and methods the verifier does not offer */
		return send_failure(v, VR_AUTH_FAILED);
	}
}

static enum vrule on_server(struct verifier *v, uint8_t msg, struct vspan pl, uint32_t seq)
{
	switch (msg) {
	case M_USERAUTH_REQUEST:
		return server_request(v, pl);
	case M_USERAUTH_SUCCESS:
		return VR_SUCCESS_FROM_CLIENT; /* RFC 4252 section 5.1, CVE-2018-10933 */
	case M_USERAUTH_FAILURE:
	case M_USERAUTH_BANNER:
	case M_USERAUTH_PK_OK:
		return VR_WRONG_DIRECTION; /* RFC 4252 sections 5, 5.4, 7: server to client */
	default:
		return v_unimplemented(v, seq);
	}
}

enum vrule vauth_on_userauth(struct verifier *v, uint8_t msg, struct vspan pl, uint32_t seq)
{
	return v->cfg.server ? on_server(v, msg, pl, seq) : on_client(v, msg, pl, seq);
}

/* ---- connection layer (RFC 4254), refused ---- */

enum vrule vauth_on_connection(struct verifier *v, uint8_t msg, struct vspan pl, uint32_t seq)
{
	/* RFC 4252 section 6: before authentication completes, a server
	 * MUST disconnect on messages of the protocols above. */
	if (v->cfg.server && !v->authed)
		return VR_CONN_BEFORE_AUTH;
	struct vrd r = vrd_of(pl);
	struct vspan name;
	uint8_t t, want_reply;
	uint32_t sender, window, maxpkt;
	struct vbuf p = {0};
	enum vrule e = vr_u8(&r, &t);
	if (msg == M_GLOBAL_REQUEST) {
		/* RFC 4254 section 4: string name, boolean want reply, ... */
		if (e == VR_OK)
			e = vr_string(&r, &name);
		if (e == VR_OK)
			e = vr_bool(&r, &want_reply);
		if (e != VR_OK || !want_reply)
			return e;
		vb_u8(&p, M_REQUEST_FAILURE);
		return send_built(v, &p);
	}
	if (msg == M_CHANNEL_OPEN) {
		/* RFC 4254 section 5.1: refused, ADMINISTRATIVELY_PROHIBITED */
		if (e == VR_OK)
			e = vr_string(&r, &name);
		if (e == VR_OK)
			e = vr_u32(&r, &sender);
		if (e == VR_OK)
			e = vr_u32(&r, &window);
		if (e == VR_OK)
			e = vr_u32(&r, &maxpkt);
		if (e != VR_OK)
			return e;
		vb_u8(&p, M_CHANNEL_OPEN_FAILURE);
		vb_u32(&p, sender);
		vb_u32(&p, 1);
		vb_cstring(&p, "");
		vb_cstring(&p, "");
		return send_built(v, &p);
	}
	return v_unimplemented(v, seq);
}

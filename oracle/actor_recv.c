/*
 * actor_recv.c — what the actor learns from each message the IUT sends,
 * whatever the script is doing: the IUT's KEXINIT (negotiation, H), its
 * public value or reply (K, H), the GEX request or group, its NEWKEYS (our
 * incoming keys switch), its publickey query (for PK_OK), the
 * authentication answer, DISCONNECT.  Every message then waits in a queue
 * for the script's EXPECT steps (actor.c).
 */
#include "oracle/actor_impl.h"

#include <stdlib.h>
#include <string.h>

static bool gex(struct actor *a)
{
	return actor_kex_method(a)->family == KEX_FAMILY_GEX;
}

static int classify_userauth(struct span payload)
{
	struct msg_userauth_request r;

	if (msg_userauth_request_parse(payload, &r) != SD_OK)
		return -1;
	switch (r.kind) {
	case USERAUTH_NONE:
		return CM_USERAUTH_NONE;
	case USERAUTH_PASSWORD:
		return CM_USERAUTH_PASSWORD;
	case USERAUTH_PUBLICKEY:
		return r.has_sig ? CM_USERAUTH_PK_SIGNED : CM_USERAUTH_PK_QUERY;
	default:
		return -1;
	}
}

int actor_classify(struct actor *a, struct span payload)
{
	if (payload.len == 0)
		return -1;
	switch (payload.p[0]) {
	case MSG_DISCONNECT:
		return CM_DISCONNECT;
	case MSG_IGNORE:
		return CM_IGNORE;
	case MSG_UNIMPLEMENTED:
		return CM_UNIMPLEMENTED;
	case MSG_DEBUG:
		return CM_DEBUG;
	case MSG_SERVICE_REQUEST:
		return CM_SERVICE_REQUEST;
	case MSG_SERVICE_ACCEPT:
		return CM_SERVICE_ACCEPT;
	case MSG_EXT_INFO:
		return CM_EXT_INFO;
	case MSG_KEXINIT:
		return CM_KEXINIT;
	case MSG_NEWKEYS:
		return CM_NEWKEYS;
	case 30: /* KEXDH_INIT, KEX_ECDH_INIT, KEX_DH_GEX_REQUEST_OLD */
		return gex(a) ? CM_GEX_REQUEST : CM_KEX_INIT;
	case 31: /* KEXDH_REPLY, KEX_ECDH_REPLY, KEX_DH_GEX_GROUP */
		return gex(a) ? CM_GEX_GROUP : CM_KEX_REPLY;
	case MSG_KEX_DH_GEX_INIT:
		return CM_KEX_INIT;
	case MSG_KEX_DH_GEX_REPLY:
		return CM_KEX_REPLY;
	case MSG_KEX_DH_GEX_REQUEST:
		return CM_GEX_REQUEST;
	case MSG_USERAUTH_REQUEST:
		return classify_userauth(payload);
	case MSG_USERAUTH_FAILURE:
		return CM_USERAUTH_FAILURE;
	case MSG_USERAUTH_SUCCESS:
		return CM_USERAUTH_SUCCESS;
	case MSG_USERAUTH_BANNER:
		return CM_USERAUTH_BANNER;
	case MSG_USERAUTH_PK_OK:
		return CM_USERAUTH_PK_OK;
	case MSG_GLOBAL_REQUEST:
		return CM_GLOBAL_REQUEST;
	case MSG_CHANNEL_OPEN:
		return CM_CHANNEL_OPEN;
	default:
		return -1;
	}
}

static sd_err on_kexinit(struct actor *a, struct span payload)
{
	struct actor_kx *kx = &a->kx;
	sd_err e;

	actor_kx_maybe_new_round(a);
	sbuf_reset(&kx->i_theirs);
	if ((e = sbuf_put(&kx->i_theirs, payload.p, payload.len)) != SD_OK)
		return e;
	kx->theirs_seen = true;
	kx->neg_done = false;
	kx->neg_ok = false;
	actor_kx_negotiate(a);
	return SD_OK;
}

/* Actor server: the IUT client's GEX request (RFC 4419 sections 3 and 5). */
static sd_err on_gex_request(struct actor *a, struct span payload)
{
	struct msg_gex_request r;
	struct actor_kx *kx = &a->kx;

	if (msg_gex_request_parse(payload, &r) != SD_OK)
		return actor_note(a, "IUT GEX request does not parse");
	kx->gex_old = r.old;
	kx->gex_n = r.n;
	kx->gex_min = r.old ? 0 : r.min;
	kx->gex_max = r.old ? UINT32_MAX : r.max;
	return SD_OK;
}

/* Actor server: the IUT client's e / Q_C. */
static sd_err on_kex_init(struct actor *a, struct span payload)
{
	struct msg_kex_init init;
	sd_err e;

	switch (actor_kex_method(a)->family) {
	case KEX_FAMILY_DH:
		e = msg_kexdh_init_parse(payload, &init);
		break;
	case KEX_FAMILY_GEX:
		e = msg_gex_init_parse(payload, &init);
		break;
	default:
		e = msg_ecdh_init_parse(payload, &init);
		break;
	}
	if (e != SD_OK)
		return actor_note(a, "IUT public value does not parse (%s)", sd_err_rule(e));
	sbuf_reset(&a->kx.q_c);
	a->kx.iut_pub_seen = true;
	return sbuf_put(&a->kx.q_c, init.pub.p, init.pub.len);
}

/* Actor client: KEX_DH_GEX_GROUP; our ephemeral key will use it. */
static sd_err on_gex_group(struct actor *a, struct span payload)
{
	struct msg_gex_group g;
	struct actor_kx *kx = &a->kx;
	sd_err e;

	if (msg_gex_group_parse(payload, &g) != SD_OK)
		return actor_note(a, "IUT GEX group does not parse");
	kex_ephemeral_free(kx->eph);
	kx->eph = NULL;
	sbuf_reset(&kx->gex_p);
	sbuf_reset(&kx->gex_g);
	if ((e = sbuf_put(&kx->gex_p, g.p.p, g.p.len)) != SD_OK)
		return e;
	return sbuf_put(&kx->gex_g, g.g.p, g.g.len);
}

/* Actor client: the server's reply gives K and H. */
static sd_err on_kex_reply(struct actor *a, struct span payload)
{
	struct actor_kx *kx = &a->kx;
	struct msg_kex_reply r;
	sd_err e;

	switch (actor_kex_method(a)->family) {
	case KEX_FAMILY_DH:
		e = msg_kexdh_reply_parse(payload, &r);
		break;
	case KEX_FAMILY_GEX:
		e = msg_gex_reply_parse(payload, &r);
		break;
	default:
		e = msg_ecdh_reply_parse(payload, &r);
		break;
	}
	if (e != SD_OK)
		return actor_note(a, "IUT reply does not parse (%s)", sd_err_rule(e));
	sbuf_reset(&kx->k_s);
	sbuf_reset(&kx->q_s);
	if ((e = sbuf_put(&kx->k_s, r.hostkey.p, r.hostkey.len)) != SD_OK ||
	    (e = sbuf_put(&kx->q_s, r.pub.p, r.pub.len)) != SD_OK ||
	    (e = actor_compute_k(a, true, r.pub, sbuf_span(&kx->q_c), kx->ours_mutated)) != SD_OK ||
	    (e = actor_compute_h(a)) != SD_OK)
		return e;
	/* The signature is checked for the trace only (the verdicts are the
	 * IUT's business), when the trace is rendered. */
	struct sbuf rec = SBUF_INIT;
	if ((e = sbuf_put_span(&rec, r.hostkey)) == SD_OK && (e = sbuf_put_span(&rec, r.sig)) == SD_OK &&
	    (e = sbuf_put(&rec, kx->h, kx->h_len)) == SD_OK)
		e = actor_ev_add(a, EV_HOSTSIG, -1, -1, sbuf_span(&rec));
	sbuf_free(&rec);
	return e;
}

static sd_err on_kex_method(struct actor *a, uint8_t number, struct span payload)
{
	bool g = gex(a);

	if (!a->client) {
		if (number == MSG_KEX_DH_GEX_REQUEST || (g && number == MSG_KEX_DH_GEX_REQUEST_OLD))
			return on_gex_request(a, payload);
		if (number == (g ? MSG_KEX_DH_GEX_INIT : MSG_KEXDH_INIT))
			return on_kex_init(a, payload);
		return SD_OK;
	}
	if (g && number == MSG_KEX_DH_GEX_GROUP)
		return on_gex_group(a, payload);
	if (number == (g ? MSG_KEX_DH_GEX_REPLY : MSG_KEXDH_REPLY))
		return on_kex_reply(a, payload);
	return SD_OK;
}

/* Actor server: remember a publickey query for PK_OK (RFC 4252 section 7). */
static sd_err on_userauth_request(struct actor *a, struct span payload)
{
	struct msg_userauth_request r;
	sd_err e;

	if (a->client || msg_userauth_request_parse(payload, &r) != SD_OK || r.kind != USERAUTH_PUBLICKEY || r.has_sig)
		return SD_OK;
	sbuf_reset(&a->pk_alg);
	sbuf_reset(&a->pk_key);
	if ((e = sbuf_put(&a->pk_alg, r.alg.p, r.alg.len)) != SD_OK)
		return e;
	return sbuf_put(&a->pk_key, r.key.p, r.key.len);
}

static uint32_t disconnect_reason(struct span payload)
{
	struct msg_disconnect d;

	if (msg_disconnect_parse(payload, &d) == SD_OK)
		return d.reason;
	/* Malformed beyond the code: take the code if it is there. */
	if (payload.len >= 5)
		return (uint32_t)payload.p[1] << 24 | (uint32_t)payload.p[2] << 16 | (uint32_t)payload.p[3] << 8 |
		       payload.p[4];
	return 0;
}

static sd_err enqueue(struct actor *a, uint8_t number, int cm, uint32_t reason)
{
	if (a->rxq_len == a->rxq_cap) {
		size_t cap = a->rxq_cap ? a->rxq_cap * 2 : 16;
		struct actor_rxmsg *q = realloc(a->rxq, cap * sizeof *q);
		if (!q)
			return SD_ERR_NOMEM;
		a->rxq = q;
		a->rxq_cap = cap;
	}
	a->rxq[a->rxq_len++] = (struct actor_rxmsg){number, cm, reason};
	return SD_OK;
}

sd_err actor_recv(struct actor *a, struct span payload)
{
	uint8_t number = payload.p[0];
	int cm = actor_classify(a, payload);
	uint32_t reason = 0;
	sd_err e = SD_OK;

	switch (number) {
	case MSG_DISCONNECT:
		reason = disconnect_reason(payload);
		break;
	case MSG_KEXINIT:
		e = on_kexinit(a, payload);
		break;
	case MSG_NEWKEYS:
		/* RFC 4253 section 7.3: the IUT's packets after its NEWKEYS use
		 * the new keys. */
		e = actor_switch_rx(a);
		break;
	case MSG_USERAUTH_REQUEST:
		e = on_userauth_request(a, payload);
		break;
	case MSG_USERAUTH_SUCCESS:
		if (a->client)
			a->auth_rx = OBS_AUTH_SUCCESS;
		break;
	case MSG_USERAUTH_FAILURE:
		if (a->client && a->auth_rx != OBS_AUTH_SUCCESS)
			a->auth_rx = OBS_AUTH_FAILURE;
		break;
	default:
		if (number >= 30 && number <= 49)
			e = on_kex_method(a, number, payload);
		break;
	}
	if (e == SD_OK)
		e = enqueue(a, number, cm, reason);
	if (e == SD_OK && number == MSG_DISCONNECT)
		actor_set_end(a, END_DISCONNECT, reason);
	return e;
}

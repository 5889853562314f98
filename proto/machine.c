/*
 * machine.c — the transport layer shared by client and server (RFC 4253):
 * identification exchange, packets through packet.h, KEXINIT and
 * negotiation, the key exchange of either role, NEWKEYS and key switching,
 * strict kex (OpenSSH PROTOCOL), EXT_INFO (RFC 8308), the transport
 * messages (DISCONNECT, IGNORE, DEBUG, UNIMPLEMENTED) and rekeying.
 * Everything else goes to machine_client.c / machine_server.c.
 *
 * The first violation by the peer ends the connection: machine_fail()
 * records the rule, queues a DISCONNECT and stops reading.
 */
#include "machine_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 4253 section 4.2: at most 255 bytes including CR LF. */
#define VERSION_LINE_MAX 255
/* Lines a client skips before the server's identification: implementation
 * limits, generous enough for any real banner. */
#define PRE_LINE_MAX 8192
#define PRE_LINES_MAX 1024
#define PRE_BYTES_MAX 65536
/* Input is taken in slices so the buffer never grows past one slice plus
 * one packet, whatever the caller passes. */
#define INPUT_SLICE 65536

static const char default_version[] = "SSH-2.0-sshdiff_0.1";

/* ---- events, output, failure ---- */

sd_err machine_emit(struct machine *m, enum machine_event_type type, uint8_t msg, sd_err err, uint32_t value)
{
	if (m->n_events == m->cap_events) {
		size_t cap = m->cap_events ? m->cap_events * 2 : 32;
		struct machine_event *ev = realloc(m->events, cap * sizeof *ev);
		if (!ev)
			return SD_ERR_NOMEM;
		m->events = ev;
		m->cap_events = cap;
	}
	m->events[m->n_events++] = (struct machine_event){type, msg, err, value};
	return SD_OK;
}

/* RFC 4253 section 7.1: what may travel during a key exchange —
 * transport-generic messages except the service ones, and 20-49. */
static bool kex_message(uint8_t msg)
{
	return msg >= 1 && msg <= 49 && msg != MSG_SERVICE_REQUEST && msg != MSG_SERVICE_ACCEPT;
}

/* From our KEXINIT until our NEWKEYS we may send only kex_message()s. */
static bool own_exchange_running(const struct machine *m)
{
	return m->kx != KX_IDLE && m->kx != KX_WAIT_NEWKEYS;
}

static sd_err machine_seal(struct machine *m, struct span payload)
{
	return packet_seal(&m->tx, m->cfg.rng, payload, &m->out);
}

sd_err machine_send(struct machine *m, struct span payload)
{
	/* A reply the state machine owes (REQUEST_FAILURE, a userauth answer)
	 * while our own exchange runs waits for our NEWKEYS, as section 7.1
	 * requires of the sender; the queue keeps the order. */
	if (payload.len > 0 && own_exchange_running(m) && !kex_message(payload.p[0]))
		return sbuf_put_string(&m->deferred, payload.p, payload.len);
	return machine_seal(m, payload);
}

/* Sends what machine_send held back during our exchange. */
static sd_err send_deferred(struct machine *m)
{
	struct sview v = sview_make(m->deferred.data, m->deferred.len);
	struct span p;
	sd_err e = SD_OK;

	while (e == SD_OK && sview_left(&v) > 0)
		if ((e = sview_get_string(&v, &p)) == SD_OK)
			e = machine_seal(m, p);
	sbuf_reset(&m->deferred);
	return e;
}

sd_err machine_send_built(struct machine *m, sd_err put_result)
{
	if (put_result != SD_OK)
		return put_result;
	return machine_send(m, sbuf_span(&m->scratch));
}

sd_err machine_send_unimplemented(struct machine *m, uint32_t seqnr)
{
	/* RFC 4253 section 11.4: answer an unknown message with its seqnr. */
	struct msg_unimplemented u = {seqnr};
	sbuf_reset(&m->scratch);
	return machine_send_built(m, msg_unimplemented_put(&m->scratch, &u));
}

void machine_copy_name(char *dst, size_t dst_size, struct span name)
{
	size_t n = name.len < dst_size - 1 ? name.len : dst_size - 1;
	if (n)
		memcpy(dst, name.p, n);
	dst[n] = '\0';
}

/* RFC 4253 section 11.1 / RFC 4250 section 4.2.2: the reason code that
 * best describes the rule broken. */
static uint32_t disconnect_reason(sd_err e)
{
	switch (e) {
	case SD_ERR_MAC:
		return DISCONNECT_MAC_ERROR;
	case SD_ERR_HOSTKEY_UNTRUSTED:
		return DISCONNECT_HOST_KEY_NOT_VERIFIABLE;
	case SD_ERR_SERVICE:
		return DISCONNECT_SERVICE_NOT_AVAILABLE;
	case SD_ERR_AUTH_FAILED:
		return DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE;
	case SD_ERR_VERSION_PROTO:
		return DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED;
	case SD_ERR_KEXINIT_RESERVED:
	case SD_ERR_KEXINIT_NAMELIST:
	case SD_ERR_NO_COMMON_KEX:
	case SD_ERR_NO_COMMON_HOSTKEY:
	case SD_ERR_NO_COMMON_CIPHER:
	case SD_ERR_NO_COMMON_MAC:
	case SD_ERR_NO_COMMON_COMPRESSION:
	case SD_ERR_DH_RANGE:
	case SD_ERR_GEX_REQUEST:
	case SD_ERR_GEX_GROUP:
	case SD_ERR_ECDH_POINT:
	case SD_ERR_X25519_LENGTH:
	case SD_ERR_X25519_ZERO:
	case SD_ERR_KEY_BLOB:
	case SD_ERR_KEY_TYPE:
	case SD_ERR_SIG_NAME:
	case SD_ERR_SIGNATURE:
	case SD_ERR_RSA_SIG_HASH:
	case SD_ERR_ED25519_NONCANONICAL:
	case SD_ERR_RSA_KEY_SIZE:
	case SD_ERR_UNSUPPORTED: /* e.g. agreed on a name we offered but lack */
		return DISCONNECT_KEY_EXCHANGE_FAILED;
	default:
		return DISCONNECT_PROTOCOL_ERROR;
	}
}

static sd_err send_disconnect(struct machine *m, uint32_t reason, const char *description)
{
	struct msg_disconnect d = {reason, span_cstr(description), SPAN_NULL};
	sbuf_reset(&m->scratch);
	return machine_send_built(m, msg_disconnect_put(&m->scratch, &d));
}

sd_err machine_fail(struct machine *m, sd_err err, uint32_t reason)
{
	char text[256];

	if (m->res.closed)
		return m->res.error;
	if (!reason)
		reason = disconnect_reason(err);
	m->res.error = err;
	m->res.closed = true;
	machine_emit(m, MEV_ERROR, m->cur_msg, err, reason);
	snprintf(text, sizeof text, "%s: %s", sd_err_rule(err), sd_err_text(err));
	send_disconnect(m, reason, text);
	return err;
}

/* Ends without a DISCONNECT of ours: the peer already left. */
static void close_quietly(struct machine *m, sd_err err)
{
	m->res.error = err;
	m->res.closed = true;
}

/* ---- our KEXINIT, RFC 4253 section 7.1 ---- */

static sd_err list_add(struct sbuf *b, struct span name)
{
	sd_err e = SD_OK;
	if (b->len)
		e = sbuf_put_u8(b, ',');
	return e == SD_OK ? sbuf_put(b, name.p, name.len) : e;
}

/* A server proposes only the host key algorithms it holds a key for. */
static sd_err server_hostkey_list(const struct machine *m, struct span base, struct sbuf *out)
{
	size_t pos = 0;
	struct span name;
	sd_err e = SD_OK;

	while (e == SD_OK && namelist_next(base, &pos, &name)) {
		const struct sig_alg *alg = sig_alg_by_name(name);
		for (size_t i = 0; alg && i < m->cfg.n_host_keys; i++) {
			if (sigkey_matches_alg(m->cfg.host_keys[i], alg)) {
				e = list_add(out, name);
				break;
			}
		}
	}
	return e;
}

static const char *or_default(const char *s, const char *def)
{
	return s ? s : def;
}

/* RFC 4253 section 7.1: every list but the languages names at least one
 * algorithm (a server's host key list only those it holds a key for).  A
 * configuration that leaves one empty (e.g. a host key of no configured
 * type) or malformed could never negotiate, so the engine refuses it
 * rather than send a KEXINIT every peer must reject.  The markers do not
 * count as key exchange methods (RFC 8308 section 2.2). */
static sd_err own_lists_usable(const struct msg_kexinit *k, struct span kex_configured)
{
	sd_err e = SD_OK;

	if (kex_configured.len == 0)
		return SD_ERR_KEXINIT_NAMELIST;
	for (int i = KEXINIT_KEX; i <= KEXINIT_COMP_SC && e == SD_OK; i++)
		if ((e = namelist_check(k->lists[i])) == SD_OK && k->lists[i].len == 0)
			e = SD_ERR_KEXINIT_NAMELIST;
	return e;
}

static sd_err send_kexinit(struct machine *m, bool first)
{
	const struct machine_algs *a = &m->cfg.algs;
	bool client = m->cfg.role == MACHINE_CLIENT;
	struct sbuf kex = SBUF_INIT, hk = SBUF_INIT;
	struct msg_kexinit k;
	sd_err e;

	memset(&k, 0, sizeof k);
	e = rng_fill(m->cfg.rng, k.cookie, sizeof k.cookie);
	if (e == SD_OK)
		e = list_add(&kex, span_cstr(or_default(a->kex, kex_default_list())));
	/* RFC 8308 section 2.1 and OpenSSH PROTOCOL: the markers go in the
	 * first KEXINIT only. */
	if (e == SD_OK && first && !m->cfg.no_ext_info)
		e = list_add(&kex, span_cstr(client ? "ext-info-c" : "ext-info-s"));
	if (e == SD_OK && first && !m->cfg.no_strict_kex)
		e = list_add(&kex, span_cstr(client ? "kex-strict-c-v00@openssh.com" : "kex-strict-s-v00@openssh.com"));
	if (e == SD_OK) {
		struct span base = span_cstr(or_default(a->hostkey, sig_default_list()));
		e = client ? list_add(&hk, base) : server_hostkey_list(m, base, &hk);
	}
	if (e == SD_OK) {
		k.lists[KEXINIT_KEX] = sbuf_span(&kex);
		k.lists[KEXINIT_HOSTKEY] = sbuf_span(&hk);
		k.lists[KEXINIT_CIPHER_CS] = span_cstr(or_default(a->cipher_cs, cipher_default_list()));
		k.lists[KEXINIT_CIPHER_SC] = span_cstr(or_default(a->cipher_sc, cipher_default_list()));
		k.lists[KEXINIT_MAC_CS] = span_cstr(or_default(a->mac_cs, mac_default_list()));
		k.lists[KEXINIT_MAC_SC] = span_cstr(or_default(a->mac_sc, mac_default_list()));
		k.lists[KEXINIT_COMP_CS] = span_cstr(or_default(a->comp_cs, "none"));
		k.lists[KEXINIT_COMP_SC] = span_cstr(or_default(a->comp_sc, "none"));
		e = own_lists_usable(&k, span_cstr(or_default(a->kex, kex_default_list())));
	}
	if (e == SD_OK) {
		sbuf_reset(&m->my_kexinit);
		e = msg_kexinit_put(&m->my_kexinit, &k);
	}
	if (e == SD_OK)
		e = machine_send(m, sbuf_span(&m->my_kexinit));
	if (e == SD_OK) {
		m->kx = KX_WAIT_KEXINIT;
		m->got_peer_kexinit = false;
	}
	sbuf_free(&kex);
	sbuf_free(&hk);
	return e;
}

/* ---- key exchange ---- */

static const char *marker(bool client, bool strict)
{
	if (strict)
		return client ? "kex-strict-c-v00@openssh.com" : "kex-strict-s-v00@openssh.com";
	return client ? "ext-info-c" : "ext-info-s";
}

static void record_names(struct machine *m)
{
	const struct negotiated *n = &m->neg;
	struct machine_result *r = &m->res;

	machine_copy_name(r->kex, sizeof r->kex, span_cstr(n->kex->name));
	machine_copy_name(r->hostkey, sizeof r->hostkey, span_cstr(n->hostkey->name));
	machine_copy_name(r->cipher_cs, sizeof r->cipher_cs, span_cstr(n->cipher_cs->name));
	machine_copy_name(r->cipher_sc, sizeof r->cipher_sc, span_cstr(n->cipher_sc->name));
	/* AEAD: no MAC negotiated, the name stays empty. */
	machine_copy_name(r->mac_cs, sizeof r->mac_cs, n->mac_cs ? span_cstr(n->mac_cs->name) : SPAN_NULL);
	machine_copy_name(r->mac_sc, sizeof r->mac_sc, n->mac_sc ? span_cstr(n->mac_sc->name) : SPAN_NULL);
	machine_copy_name(r->comp_cs, sizeof r->comp_cs, n->comp_cs);
	machine_copy_name(r->comp_sc, sizeof r->comp_sc, n->comp_sc);
}

/* The two messages of a method's exchange (RFC 4253 section 8, RFC 4419
 * section 3, RFC 5656 section 4): the client's public value, the server's
 * reply. */
struct kex_msgs {
	uint8_t init, reply;
	sd_err (*init_parse)(struct span payload, struct msg_kex_init *m);
	sd_err (*init_put)(struct sbuf *out, const struct msg_kex_init *m);
	sd_err (*reply_parse)(struct span payload, struct msg_kex_reply *m);
	sd_err (*reply_put)(struct sbuf *out, const struct msg_kex_reply *m);
};

static const struct kex_msgs kex_msgs_dh = {MSG_KEXDH_INIT, MSG_KEXDH_REPLY, msg_kexdh_init_parse,
					    msg_kexdh_init_put, msg_kexdh_reply_parse, msg_kexdh_reply_put};
static const struct kex_msgs kex_msgs_gex = {MSG_KEX_DH_GEX_INIT, MSG_KEX_DH_GEX_REPLY, msg_gex_init_parse,
					     msg_gex_init_put, msg_gex_reply_parse, msg_gex_reply_put};
static const struct kex_msgs kex_msgs_ecdh = {MSG_KEXDH_INIT, MSG_KEXDH_REPLY, msg_ecdh_init_parse,
					      msg_ecdh_init_put, msg_ecdh_reply_parse, msg_ecdh_reply_put};

static const struct kex_msgs *kex_msgs(const struct machine *m)
{
	switch (m->neg.kex->family) {
	case KEX_FAMILY_DH:
		return &kex_msgs_dh;
	case KEX_FAMILY_GEX:
		return &kex_msgs_gex;
	default:
		return &kex_msgs_ecdh; /* ECDH and X25519: Q as string */
	}
}

/* Our public value, kept for H. */
static sd_err new_ephemeral(struct machine *m, struct sbuf *our_pub)
{
	sd_err e;

	kex_ephemeral_free(m->eph);
	m->eph = NULL;
	e = kex_ephemeral_new(m->neg.kex, sbuf_span(&m->gex_p), sbuf_span(&m->gex_g), m->cfg.rng, &m->eph);
	if (e == SD_OK) {
		sbuf_reset(our_pub);
		e = kex_ephemeral_public(m->eph, our_pub);
	}
	return e;
}

/* Client: KEXDH_INIT / KEX_ECDH_INIT / KEX_DH_GEX_INIT with our public value. */
static sd_err client_send_init(struct machine *m)
{
	struct msg_kex_init init;
	sd_err e = new_ephemeral(m, &m->q_c);

	if (e != SD_OK)
		return e;
	init.pub = sbuf_span(&m->q_c);
	sbuf_reset(&m->scratch);
	e = machine_send_built(m, kex_msgs(m)->init_put(&m->scratch, &init));
	if (e == SD_OK)
		m->kx = KX_C_WAIT_REPLY;
	return e;
}

/* Both KEXINITs are known: the client opens the method's exchange. */
static sd_err start_method(struct machine *m)
{
	bool gex = m->neg.kex->family == KEX_FAMILY_GEX;

	sbuf_reset(&m->gex_p);
	sbuf_reset(&m->gex_g);
	m->gex_old = false;
	if (m->cfg.role == MACHINE_SERVER) {
		m->kx = gex ? KX_S_WAIT_GEX_REQUEST : KX_S_WAIT_INIT;
		return SD_OK;
	}
	if (!gex)
		return client_send_init(m);
	/* RFC 4419 section 3 */
	struct msg_gex_request r = {false, m->cfg.gex_min ? m->cfg.gex_min : 2048,
				    m->cfg.gex_n ? m->cfg.gex_n : 3072, m->cfg.gex_max ? m->cfg.gex_max : 8192};
	m->gex_min = r.min;
	m->gex_n = r.n;
	m->gex_max = r.max;
	sbuf_reset(&m->scratch);
	sd_err e = machine_send_built(m, msg_gex_request_put(&m->scratch, &r));
	if (e == SD_OK)
		m->kx = KX_C_WAIT_GEX_GROUP;
	return e;
}

static sd_err on_kexinit(struct machine *m, struct span payload, uint32_t seqnr)
{
	bool client = m->cfg.role == MACHINE_CLIENT;
	bool first = !m->first_kexinit_seen;
	struct msg_kexinit mine, peer;
	sd_err e;

	if ((e = msg_kexinit_parse(payload, &peer)) != SD_OK)
		return e;
	if (peer.reserved != 0) /* RFC 4253 section 7.1 */
		return SD_ERR_KEXINIT_RESERVED;
	sbuf_reset(&m->peer_kexinit);
	if ((e = sbuf_put(&m->peer_kexinit, payload.p, payload.len)) != SD_OK)
		return e;
	m->first_kexinit_seen = true;
	/* The peer starts a re-exchange: answer with ours (section 9). */
	if (m->kx == KX_IDLE && (e = send_kexinit(m, false)) != SD_OK)
		return e;
	m->got_peer_kexinit = true;
	if ((e = msg_kexinit_parse(sbuf_span(&m->my_kexinit), &mine)) != SD_OK ||
	    (e = msg_kexinit_parse(sbuf_span(&m->peer_kexinit), &peer)) != SD_OK)
		return e;
	if (first) {
		/* OpenSSH PROTOCOL "strict key exchange": on when both offered. */
		m->offered_strict = namelist_contains(mine.lists[KEXINIT_KEX], span_cstr(marker(client, true)));
		m->res.strict_kex =
			m->offered_strict && namelist_contains(peer.lists[KEXINIT_KEX], span_cstr(marker(!client, true)));
		if (m->res.strict_kex && seqnr != 0)
			return SD_ERR_STRICT_KEX_FIRST;
		m->offered_ext_info = namelist_contains(mine.lists[KEXINIT_KEX], span_cstr(marker(client, false)));
		m->peer_offered_ext_info = namelist_contains(peer.lists[KEXINIT_KEX], span_cstr(marker(!client, false)));
	}
	const struct msg_kexinit *c = client ? &mine : &peer, *s = client ? &peer : &mine;
	if ((e = negotiate_algs(c, s, &m->neg)) != SD_OK)
		return e;
	/* RFC 4253 section 7: a wrong guess's packet is ignored. */
	m->drop_guess = peer.first_kex_follows != 0 && !negotiate_guess_right(c, s);
	record_names(m);
	machine_emit(m, MEV_KEXINIT, MSG_KEXINIT, SD_OK, 0);
	return start_method(m);
}

static sd_err exchange_hash(struct machine *m, struct span k_s)
{
	bool client = m->cfg.role == MACHINE_CLIENT;
	struct span ours = span_cstr(m->our_version), theirs = span_cstr(m->res.peer_version);
	struct kex_hash_input in = {
		.v_c = client ? ours : theirs,
		.v_s = client ? theirs : ours,
		.i_c = sbuf_span(client ? &m->my_kexinit : &m->peer_kexinit),
		.i_s = sbuf_span(client ? &m->peer_kexinit : &m->my_kexinit),
		.k_s = k_s,
		.gex_old = m->gex_old,
		.gex_min = m->gex_min,
		.gex_n = m->gex_n,
		.gex_max = m->gex_max,
		.gex_p = sbuf_span(&m->gex_p),
		.gex_g = sbuf_span(&m->gex_g),
		.q_c = sbuf_span(&m->q_c),
		.q_s = sbuf_span(&m->q_s),
		.k = sbuf_span(&m->k),
	};
	return kex_exchange_hash(m->neg.kex, &in, m->res.h, &m->res.h_len);
}

/* RFC 4253 section 7.2: session id is the first H; six keys A..F. */
static sd_err derive_keys(struct machine *m)
{
	struct machine_keys *k = &m->res.keys;
	const struct negotiated *n = &m->neg;
	struct span h = {m->res.h, m->res.h_len};
	sd_err e = SD_OK;

	if (m->res.kex_count == 0) {
		memcpy(m->res.session_id, m->res.h, m->res.h_len);
		m->res.session_id_len = m->res.h_len;
	}
	struct span sid = {m->res.session_id, m->res.session_id_len};
	k->iv_len_cs = n->cipher_cs->iv_len;
	k->iv_len_sc = n->cipher_sc->iv_len;
	k->key_len_cs = n->cipher_cs->key_len;
	k->key_len_sc = n->cipher_sc->key_len;
	k->mac_len_cs = n->mac_cs ? n->mac_cs->key_len : 0;
	k->mac_len_sc = n->mac_sc ? n->mac_sc->key_len : 0;
	const struct {
		char letter;
		uint8_t *out;
		size_t len;
	} want[6] = {
		{'A', k->iv_cs, k->iv_len_cs},   {'B', k->iv_sc, k->iv_len_sc},
		{'C', k->key_cs, k->key_len_cs}, {'D', k->key_sc, k->key_len_sc},
		{'E', k->mac_cs, k->mac_len_cs}, {'F', k->mac_sc, k->mac_len_sc},
	};
	for (int i = 0; i < 6 && e == SD_OK; i++) {
		if (want[i].len > sizeof k->iv_cs)
			return SD_ERR_INTERNAL;
		if (want[i].len)
			e = kex_derive(n->kex, sbuf_span(&m->k), h, sid, want[i].letter, want[i].out, want[i].len);
	}
	return e;
}

/* Outgoing (c->s for a client) or incoming keys into a direction. */
static sd_err set_keys(struct machine *m, struct packet_dir *d, bool encrypt, bool cs)
{
	const struct machine_keys *k = &m->res.keys;
	return packet_dir_set_keys(d, encrypt, cs ? m->neg.cipher_cs : m->neg.cipher_sc, cs ? k->key_cs : k->key_sc,
				   cs ? k->iv_cs : k->iv_sc, cs ? m->neg.mac_cs : m->neg.mac_sc,
				   cs ? k->mac_cs : k->mac_sc);
}

/* Our side of the exchange is complete: NEWKEYS, then the new keys go out
 * (RFC 4253 section 7.3). */
static sd_err send_newkeys(struct machine *m)
{
	bool client = m->cfg.role == MACHINE_CLIENT;
	sd_err e;

	sbuf_reset(&m->scratch);
	if ((e = machine_send_built(m, msg_empty_put(&m->scratch, MSG_NEWKEYS))) != SD_OK)
		return e;
	if ((e = set_keys(m, &m->tx, true, client)) != SD_OK)
		return e;
	if (m->res.strict_kex)
		packet_dir_reset_seqnr(&m->tx);
	m->kx = KX_WAIT_NEWKEYS;
	return send_deferred(m);
}

static sd_err client_gex_group(struct machine *m, struct span payload)
{
	struct msg_gex_group g;
	sd_err e;

	if ((e = msg_gex_group_parse(payload, &g)) != SD_OK ||
	    (e = kex_gex_group_check(g.p, g.g, m->gex_min, m->gex_max)) != SD_OK)
		return e;
	if ((e = sbuf_put(&m->gex_p, g.p.p, g.p.len)) != SD_OK || (e = sbuf_put(&m->gex_g, g.g.p, g.g.len)) != SD_OK)
		return e;
	return client_send_init(m);
}

static bool trusted_host_key(const struct machine *m, const struct sigkey *key)
{
	if (m->cfg.n_known_host_keys == 0)
		return true;
	for (size_t i = 0; i < m->cfg.n_known_host_keys; i++)
		if (sigkey_equal_public(m->cfg.known_host_keys[i], key))
			return true;
	return false;
}

/* Client: the server's reply (RFC 4253 section 8, RFC 4419 section 3,
 * RFC 5656 section 4): K_S, its public value, the signature over H. */
static sd_err client_reply(struct machine *m, struct span payload)
{
	struct msg_kex_reply r;
	struct sigkey *hk = NULL;
	sd_err e = kex_msgs(m)->reply_parse(payload, &r);

	if (e == SD_OK)
		e = sigkey_from_blob(r.hostkey, &hk);
	/* RFC 4253 section 6.6: K_S must be a key of the negotiated type; a
	 * type we do not know cannot be. */
	if (e == SD_ERR_UNSUPPORTED || (e == SD_OK && !sigkey_matches_alg(hk, m->neg.hostkey)))
		e = SD_ERR_KEY_TYPE;
	if (e == SD_OK) {
		sbuf_reset(&m->k);
		e = kex_ephemeral_shared(m->eph, r.pub, &m->k);
	}
	if (e == SD_OK) {
		sbuf_reset(&m->q_s);
		e = sbuf_put(&m->q_s, r.pub.p, r.pub.len);
	}
	if (e == SD_OK)
		e = exchange_hash(m, r.hostkey);
	if (e == SD_OK)
		e = sigkey_verify(hk, m->neg.hostkey, r.sig, (struct span){m->res.h, m->res.h_len});
	if (e == SD_OK && !trusted_host_key(m, hk))
		e = SD_ERR_HOSTKEY_UNTRUSTED;
	sigkey_free(hk);
	if (e != SD_OK)
		return e;
	if (r.hostkey.len <= sizeof m->res.server_hostkey) {
		memcpy(m->res.server_hostkey, r.hostkey.p, r.hostkey.len);
		m->res.server_hostkey_len = r.hostkey.len;
	}
	if ((e = derive_keys(m)) != SD_OK)
		return e;
	return send_newkeys(m);
}

/* Stores a group's p or g (big-endian magnitude) as mpint content. */
static sd_err mpint_content(struct sbuf *out, struct span mag)
{
	sbuf_reset(out);
	sd_err e = sbuf_put_mpint_unsigned(out, mag.p, mag.len);
	if (e == SD_OK)
		sbuf_consume(out, 4);
	return e;
}

/* Server, RFC 4419 section 3 (and section 5 for the old request). */
static sd_err server_gex_request(struct machine *m, struct span payload)
{
	struct msg_gex_request r;
	const struct kex_dh_group *grp;
	struct msg_gex_group g;
	sd_err e;

	if ((e = msg_gex_request_parse(payload, &r)) != SD_OK)
		return e;
	m->gex_old = r.old;
	m->gex_n = r.n;
	m->gex_min = r.old ? 0 : r.min;
	m->gex_max = r.old ? UINT32_MAX : r.max;
	if ((e = kex_dh_group_choose(m->gex_min, m->gex_n, m->gex_max, &grp)) != SD_OK)
		return e;
	if ((e = mpint_content(&m->gex_p, grp->p)) != SD_OK || (e = mpint_content(&m->gex_g, grp->g)) != SD_OK)
		return e;
	g.p = sbuf_span(&m->gex_p);
	g.g = sbuf_span(&m->gex_g);
	sbuf_reset(&m->scratch);
	if ((e = machine_send_built(m, msg_gex_group_put(&m->scratch, &g))) == SD_OK)
		m->kx = KX_S_WAIT_INIT;
	return e;
}

static const struct sigkey *server_host_key(const struct machine *m)
{
	for (size_t i = 0; i < m->cfg.n_host_keys; i++)
		if (sigkey_matches_alg(m->cfg.host_keys[i], m->neg.hostkey))
			return m->cfg.host_keys[i];
	return NULL;
}

/* RFC 8308 section 3.1: server-sig-algs, right after our first NEWKEYS. */
static sd_err server_send_ext_info(struct machine *m)
{
	struct msg_ext_info x;

	memset(&x, 0, sizeof x);
	x.count = 1;
	x.names[0] = span_cstr("server-sig-algs");
	x.values[0] = span_cstr(or_default(m->cfg.algs.hostkey, sig_default_list()));
	sbuf_reset(&m->scratch);
	return machine_send_built(m, msg_ext_info_put(&m->scratch, &x));
}

static sd_err server_send_reply(struct machine *m, const struct sigkey *hk)
{
	struct sbuf sig = SBUF_INIT;
	struct msg_kex_reply r;
	sd_err e;

	e = sigkey_sign(hk, m->neg.hostkey, m->cfg.rng, (struct span){m->res.h, m->res.h_len}, &sig);
	r.hostkey = sbuf_span(&m->k_s);
	r.pub = sbuf_span(&m->q_s);
	r.sig = sbuf_span(&sig);
	sbuf_reset(&m->scratch);
	if (e == SD_OK)
		e = machine_send_built(m, kex_msgs(m)->reply_put(&m->scratch, &r));
	sbuf_free(&sig);
	return e;
}

/* Server: the client's public value; we answer with the reply and NEWKEYS. */
static sd_err server_init(struct machine *m, struct span payload)
{
	const struct sigkey *hk = server_host_key(m);
	struct msg_kex_init init;
	sd_err e = kex_msgs(m)->init_parse(payload, &init);

	if (e != SD_OK)
		return e;
	if (!hk)
		return SD_ERR_NO_COMMON_HOSTKEY;
	sbuf_reset(&m->q_c);
	sbuf_reset(&m->k);
	sbuf_reset(&m->k_s);
	if ((e = sbuf_put(&m->q_c, init.pub.p, init.pub.len)) != SD_OK || (e = new_ephemeral(m, &m->q_s)) != SD_OK ||
	    (e = kex_ephemeral_shared(m->eph, init.pub, &m->k)) != SD_OK || (e = sigkey_to_blob(hk, &m->k_s)) != SD_OK ||
	    (e = exchange_hash(m, sbuf_span(&m->k_s))) != SD_OK || (e = server_send_reply(m, hk)) != SD_OK ||
	    (e = derive_keys(m)) != SD_OK || (e = send_newkeys(m)) != SD_OK)
		return e;
	if (!m->first_kex_done && m->peer_offered_ext_info)
		return server_send_ext_info(m);
	return SD_OK;
}

/* Messages 30-49 during an exchange: each state expects exactly one. */
static sd_err on_kex_method(struct machine *m, uint8_t msg, struct span payload)
{
	if (m->drop_guess && m->got_peer_kexinit) {
		m->drop_guess = false;
		return SD_OK;
	}
	switch (m->kx) {
	case KX_C_WAIT_GEX_GROUP:
		if (msg == MSG_KEX_DH_GEX_GROUP)
			return client_gex_group(m, payload);
		break;
	case KX_C_WAIT_REPLY:
		if (msg == kex_msgs(m)->reply)
			return client_reply(m, payload);
		break;
	case KX_S_WAIT_GEX_REQUEST:
		if (msg == MSG_KEX_DH_GEX_REQUEST || msg == MSG_KEX_DH_GEX_REQUEST_OLD)
			return server_gex_request(m, payload);
		break;
	case KX_S_WAIT_INIT:
		if (msg == kex_msgs(m)->init)
			return server_init(m, payload);
		break;
	default:
		break;
	}
	return SD_ERR_UNEXPECTED_MESSAGE;
}

static sd_err on_newkeys(struct machine *m, struct span payload)
{
	bool client = m->cfg.role == MACHINE_CLIENT;
	bool first = !m->first_kex_done;
	sd_err e;

	/* RFC 4253 section 7.3: only once our part of the exchange is done. */
	if (m->kx != KX_WAIT_NEWKEYS)
		return SD_ERR_NEWKEYS_EARLY;
	if ((e = msg_empty_parse(payload, MSG_NEWKEYS)) != SD_OK)
		return e;
	if ((e = set_keys(m, &m->rx, false, !client)) != SD_OK)
		return e;
	if (m->res.strict_kex)
		packet_dir_reset_seqnr(&m->rx);
	m->kx = KX_IDLE;
	m->got_peer_kexinit = false;
	m->drop_guess = false;
	m->first_kex_done = true;
	m->res.kex_count++;
	kex_ephemeral_free(m->eph);
	m->eph = NULL;
	sbuf_reset(&m->k);
	/* RFC 8308 section 2.4: EXT_INFO may be the next packet. */
	m->ext_slot = first;
	machine_emit(m, MEV_KEX_DONE, MSG_NEWKEYS, SD_OK, m->res.kex_count);
	if (first && client)
		return machine_client_start(m);
	return SD_OK;
}

/* ---- transport messages ---- */

static sd_err on_ext_info(struct machine *m, struct span payload, bool slot)
{
	struct msg_ext_info x;
	sd_err e;

	if ((e = msg_ext_info_parse(payload, &x)) != SD_OK)
		return e;
	/* RFC 8308 section 2.2: only to a side that asked for it. */
	if (!m->offered_ext_info)
		return SD_ERR_EXT_INFO_UNSOLICITED;
	/* Section 2.4: first packet after NEWKEYS, or (server to client) just
	 * before USERAUTH_SUCCESS, which the next packet must then be.  That
	 * is while any request of ours waits, a publickey query included: the
	 * client takes a SUCCESS in answer to it (machine_client.c), so it
	 * takes the EXT_INFO that may come first, as the verifier does. */
	if (!slot) {
		if (m->cfg.role == MACHINE_CLIENT && (m->ac == AUTH_C_WAIT_RESULT || m->ac == AUTH_C_WAIT_PK_OK))
			m->ext_before_success = true;
		else
			return SD_ERR_EXT_INFO_POSITION;
	}
	m->res.peer_ext_info = true;
	for (uint32_t i = 0; i < x.count && m->cfg.role == MACHINE_CLIENT; i++) {
		if (!span_eq_cstr(x.names[i], "server-sig-algs"))
			continue;
		sbuf_reset(&m->server_sig_algs);
		if ((e = sbuf_put(&m->server_sig_algs, x.values[i].p, x.values[i].len)) != SD_OK)
			return e;
		machine_copy_name(m->res.server_sig_algs, sizeof m->res.server_sig_algs, x.values[i]);
	}
	return machine_emit(m, MEV_EXT_INFO, MSG_EXT_INFO, SD_OK, x.count);
}

static sd_err on_disconnect(struct machine *m, struct span payload)
{
	struct msg_disconnect d;
	sd_err e = msg_disconnect_parse(payload, &d);

	if (e != SD_OK)
		return e;
	m->res.peer_disconnect_reason = d.reason;
	machine_emit(m, MEV_DISCONNECT, MSG_DISCONNECT, SD_OK, d.reason);
	close_quietly(m, SD_ERR_PEER_DISCONNECT);
	return SD_OK;
}

static sd_err on_transport(struct machine *m, uint8_t msg, struct span payload, uint32_t seqnr)
{
	sd_err e;

	switch (msg) {
	case MSG_IGNORE: {
		struct msg_ignore x;
		if ((e = msg_ignore_parse(payload, &x)) != SD_OK)
			return e;
		return machine_emit(m, MEV_IGNORE, msg, SD_OK, (uint32_t)x.data.len);
	}
	case MSG_DEBUG: {
		struct msg_debug x;
		if ((e = msg_debug_parse(payload, &x)) != SD_OK)
			return e;
		return machine_emit(m, MEV_DEBUG, msg, SD_OK, x.always_display);
	}
	case MSG_UNIMPLEMENTED: {
		struct msg_unimplemented x;
		if ((e = msg_unimplemented_parse(payload, &x)) != SD_OK)
			return e;
		return machine_emit(m, MEV_UNIMPLEMENTED, msg, SD_OK, x.seq);
	}
	default:
		return machine_send_unimplemented(m, seqnr);
	}
}

/* OpenSSH PROTOCOL, strict kex: before the first NEWKEYS only the key
 * exchange itself (and DISCONNECT). */
static bool strict_allowed(uint8_t msg)
{
	return msg == MSG_DISCONNECT || msg == MSG_KEXINIT || msg == MSG_NEWKEYS || (msg >= 30 && msg <= 49);
}

/* RFC 4253 section 7.1: during an exchange only transport-generic messages
 * (1-19 without the service messages), the exchange's own, 30-49. */
static bool kex_allowed(const struct machine *m, uint8_t msg)
{
	if (msg == MSG_KEXINIT)
		return !m->got_peer_kexinit;
	return kex_message(msg);
}

static sd_err handle(struct machine *m, uint8_t msg, struct span payload, uint32_t seqnr)
{
	bool slot = m->ext_slot;

	m->ext_slot = false;
	if (m->ext_before_success) {
		m->ext_before_success = false;
		if (msg != MSG_USERAUTH_SUCCESS)
			return SD_ERR_EXT_INFO_POSITION;
	}
	if (m->res.strict_kex && !m->first_kex_done && !strict_allowed(msg))
		return SD_ERR_STRICT_KEX;
	/* Section 7.1 restricts what a party *sends* between its KEXINIT and
	 * its NEWKEYS, so on receipt the window is the peer's: from its KEXINIT
	 * to its NEWKEYS.  A message it sent before our rekey KEXINIT reached
	 * it is legitimate.  Before the first exchange has finished nothing
	 * but transport messages can be valid anyway.  Before the peer's first
	 * KEXINIT, section 7.1 does not apply to it yet: "Key exchange begins
	 * by each side sending" KEXINIT (section 7), and only what section 11
	 * lets "either party ... send ... at any time" may come first, so
	 * anything else there is out of place (RFC4253-7). */
	if ((m->got_peer_kexinit || !m->first_kex_done) && !kex_allowed(m, msg))
		return m->first_kexinit_seen ? SD_ERR_KEX_UNEXPECTED : SD_ERR_UNEXPECTED_MESSAGE;
	switch (msg) {
	case MSG_DISCONNECT:
		return on_disconnect(m, payload);
	case MSG_EXT_INFO:
		return on_ext_info(m, payload, slot);
	case MSG_KEXINIT:
		return on_kexinit(m, payload, seqnr);
	case MSG_NEWKEYS:
		/* Outside an exchange NEWKEYS means nothing (section 11.4). */
		if (m->kx == KX_IDLE)
			return machine_send_unimplemented(m, seqnr);
		return on_newkeys(m, payload);
	default:
		break;
	}
	if (msg >= 30 && msg <= 49) {
		if (m->kx == KX_IDLE)
			return machine_send_unimplemented(m, seqnr);
		return on_kex_method(m, msg, payload);
	}
	if (msg < 20 && msg != MSG_SERVICE_REQUEST && msg != MSG_SERVICE_ACCEPT)
		return on_transport(m, msg, payload, seqnr);
	if (msg < 50 && msg != MSG_SERVICE_REQUEST && msg != MSG_SERVICE_ACCEPT)
		return machine_send_unimplemented(m, seqnr);
	if (m->cfg.role == MACHINE_CLIENT)
		return machine_client_dispatch(m, msg, payload, seqnr);
	return machine_server_dispatch(m, msg, payload, seqnr);
}

/* One packet: MEV_MESSAGE first (its err filled in once handled), then
 * whatever the packet caused. */
static sd_err dispatch(struct machine *m, uint32_t seqnr)
{
	struct span payload = sbuf_span(&m->payload);
	uint8_t msg = payload.p[0];
	size_t ev = m->n_events;
	sd_err e;

	m->cur_msg = msg;
	m->soft_err = SD_OK;
	if ((e = machine_emit(m, MEV_MESSAGE, msg, SD_OK, seqnr)) != SD_OK)
		return machine_fail(m, e, 0);
	e = handle(m, msg, payload, seqnr);
	m->events[ev].err = e != SD_OK ? e : m->soft_err;
	if (e == SD_OK)
		return SD_OK;
	return machine_fail(m, e, 0);
}

/* ---- identification exchange, RFC 4253 section 4.2 ---- */

/* line: one whole line starting with "SSH-", LF included. */
static sd_err version_parse(struct machine *m, const uint8_t *line, size_t len)
{
	if (len < 2 || line[len - 2] != '\r')
		return SD_ERR_VERSION_SYNTAX;
	size_t body = len - 2;
	if (memchr(line, '\0', body) || memchr(line, '\r', body))
		return SD_ERR_VERSION_SYNTAX;
	/* SSH-protoversion-softwareversion SP comments */
	const uint8_t *dash = memchr(line + 4, '-', body - 4);
	if (!dash)
		return SD_ERR_VERSION_SYNTAX;
	struct span proto = {line + 4, (size_t)(dash - (line + 4))};
	if (!span_eq_cstr(proto, "2.0") && !span_eq_cstr(proto, "1.99"))
		return SD_ERR_VERSION_PROTO;
	size_t soft = (size_t)(dash + 1 - line);
	if (soft >= body || line[soft] == ' ')
		return SD_ERR_VERSION_SYNTAX;
	memcpy(m->res.peer_version, line, body);
	m->res.peer_version[body] = '\0';
	return SD_OK;
}

static sd_err version_input(struct machine *m)
{
	static const char prefix[] = "SSH-";

	while (!m->version_done) {
		const uint8_t *p = m->in.data + m->in_off;
		size_t avail = m->in.len - m->in_off;
		if (avail == 0)
			return SD_AGAIN;
		const uint8_t *lf = memchr(p, '\n', avail);
		size_t line = lf ? (size_t)(lf - p) + 1 : avail;
		size_t cmp = line < 4 ? line : 4;
		bool ssh = memcmp(p, prefix, cmp) == 0 && (line >= 4 || !lf);
		if (ssh) {
			if (line > VERSION_LINE_MAX)
				return SD_ERR_VERSION_LENGTH;
			if (!lf)
				return SD_AGAIN;
			sd_err e = version_parse(m, p, line);
			if (e != SD_OK)
				return e;
			m->in_off += line;
			m->version_done = true;
			return machine_emit(m, MEV_VERSION, 0, SD_OK, 0);
		}
		/* Other lines: a client skips them, a server accepts none. */
		if (m->cfg.role == MACHINE_SERVER)
			return SD_ERR_VERSION_PREBANNER;
		if (line > PRE_LINE_MAX)
			return SD_ERR_VERSION_TOO_MANY_LINES;
		if (!lf)
			return SD_AGAIN;
		m->pre_lines++;
		m->pre_bytes += line;
		if (m->pre_lines > PRE_LINES_MAX || m->pre_bytes > PRE_BYTES_MAX)
			return SD_ERR_VERSION_TOO_MANY_LINES;
		m->in_off += line;
	}
	return SD_OK;
}

static sd_err packets_input(struct machine *m)
{
	while (!m->res.closed && m->in_off < m->in.len) {
		struct span in = {m->in.data + m->in_off, m->in.len - m->in_off};
		uint32_t seqnr = m->rx.seqnr;
		size_t used = 0;
		sbuf_reset(&m->payload);
		sd_err e = packet_open(&m->rx, in, &used, &m->payload);
		if (e == SD_AGAIN)
			return SD_OK;
		if (e != SD_OK) {
			m->cur_msg = 0;
			return machine_fail(m, e, 0);
		}
		m->in_off += used;
		if (m->payload.len == 0)
			return machine_fail(m, SD_ERR_EMPTY_PAYLOAD, 0);
		dispatch(m, seqnr);
	}
	return SD_OK;
}

static void process(struct machine *m)
{
	if (!m->version_done) {
		sd_err e = version_input(m);
		if (e == SD_AGAIN)
			return;
		if (e != SD_OK) {
			machine_fail(m, e, 0);
			return;
		}
	}
	packets_input(m);
}

/* ---- API ---- */

static void auth_order_parse(struct machine *m)
{
	struct span list = span_cstr(or_default(m->cfg.auth_order, "none,publickey,password"));
	size_t pos = 0;
	struct span name;

	while (m->n_order < AUTH_METHODS_MAX && namelist_next(list, &pos, &name))
		if (name.len)
			m->order[m->n_order++] = name;
}

sd_err machine_new(const struct machine_config *cfg, struct machine **out)
{
	struct machine *m;
	sd_err e;

	*out = NULL;
	if (!cfg || !cfg->rng || (cfg->role != MACHINE_CLIENT && cfg->role != MACHINE_SERVER))
		return SD_ERR_INVALID_ARG;
	if (!(m = calloc(1, sizeof *m)))
		return SD_ERR_NOMEM;
	m->cfg = *cfg;
	packet_dir_init(&m->rx);
	packet_dir_init(&m->tx);
	if (cfg->max_packet)
		m->rx.max_packet = cfg->max_packet;
	m->res.auth = AUTH_PENDING;
	if (cfg->role == MACHINE_CLIENT)
		auth_order_parse(m);
	const char *v = or_default(cfg->version, default_version);
	size_t vlen = strlen(v);
	if (!(m->our_version = malloc(vlen + 1))) {
		machine_free(m);
		return SD_ERR_NOMEM;
	}
	memcpy(m->our_version, v, vlen + 1);
	/* RFC 4253 section 4.2 and 7.1: both sides send identification and
	 * KEXINIT without waiting for the peer. */
	if ((e = sbuf_put(&m->out, v, vlen)) != SD_OK || (e = sbuf_put(&m->out, "\r\n", 2)) != SD_OK ||
	    (e = send_kexinit(m, true)) != SD_OK) {
		machine_free(m);
		return e;
	}
	*out = m;
	return SD_OK;
}

void machine_free(struct machine *m)
{
	if (!m)
		return;
	sbuf_free(&m->in);
	sbuf_free(&m->out);
	sbuf_free(&m->payload);
	packet_dir_free(&m->rx);
	packet_dir_free(&m->tx);
	free(m->our_version);
	sbuf_free(&m->my_kexinit);
	sbuf_free(&m->peer_kexinit);
	sbuf_free(&m->deferred);
	kex_ephemeral_free(m->eph);
	sbuf_free(&m->q_c);
	sbuf_free(&m->q_s);
	sbuf_free(&m->k);
	sbuf_free(&m->k_s);
	sbuf_free(&m->gex_p);
	sbuf_free(&m->gex_g);
	sbuf_free(&m->server_sig_algs);
	sbuf_free(&m->server_methods);
	sbuf_free(&m->scratch);
	free(m->events);
	wipe(m, sizeof *m);
	free(m);
}

sd_err machine_input(struct machine *m, const uint8_t *data, size_t len)
{
	while (len > 0 && !m->res.closed) {
		size_t n = len < INPUT_SLICE ? len : INPUT_SLICE;
		if (m->in_off) {
			sbuf_consume(&m->in, m->in_off);
			m->in_off = 0;
		}
		sd_err e = sbuf_put(&m->in, data, n);
		if (e != SD_OK)
			return machine_fail(m, e, 0);
		data += n;
		len -= n;
		process(m);
	}
	if (m->in_off) {
		sbuf_consume(&m->in, m->in_off);
		m->in_off = 0;
	}
	return m->res.closed ? m->res.error : SD_OK;
}

void machine_input_eof(struct machine *m)
{
	if (machine_done(m))
		return;
	close_quietly(m, SD_ERR_EOF);
	machine_emit(m, MEV_ERROR, 0, SD_ERR_EOF, 0);
}

struct span machine_output(const struct machine *m)
{
	return sbuf_span(&m->out);
}

void machine_output_consume(struct machine *m, size_t n)
{
	sbuf_consume(&m->out, n);
}

sd_err machine_send_payload(struct machine *m, struct span payload)
{
	struct msg_kexinit k;

	if (payload.len == 0 || m->res.closed)
		return SD_ERR_INVALID_ARG;
	/* An injected KEXINIT is what the peer will hash and negotiate with,
	 * so it becomes ours for this exchange (until the peer's arrives). */
	if (payload.p[0] == MSG_KEXINIT && !m->got_peer_kexinit && msg_kexinit_parse(payload, &k) == SD_OK) {
		sbuf_reset(&m->my_kexinit);
		sd_err e = sbuf_put(&m->my_kexinit, payload.p, payload.len);
		if (e != SD_OK)
			return e;
		if (m->kx == KX_IDLE)
			m->kx = KX_WAIT_KEXINIT;
	}
	/* Injections go out now, whatever the state: that is their point. */
	return machine_seal(m, payload);
}

sd_err machine_rekey(struct machine *m)
{
	if (m->res.closed || !m->first_kex_done || m->kx != KX_IDLE)
		return SD_ERR_INVALID_ARG;
	return send_kexinit(m, false);
}

sd_err machine_disconnect(struct machine *m, uint32_t reason, const char *description)
{
	if (m->res.closed)
		return SD_ERR_INVALID_ARG;
	sd_err e = send_disconnect(m, reason, description ? description : "");
	m->res.closed = true;
	return e;
}

bool machine_done(const struct machine *m)
{
	if (m->res.closed)
		return true;
	if (m->cfg.role == MACHINE_CLIENT)
		return m->res.auth != AUTH_PENDING;
	return m->res.auth == AUTH_SUCCESS;
}

const struct machine_result *machine_result(const struct machine *m)
{
	return &m->res;
}

size_t machine_events(const struct machine *m, const struct machine_event **events)
{
	*events = m->events;
	return m->n_events;
}

void machine_events_clear(struct machine *m)
{
	m->n_events = 0;
}

/* verifier_kex.c — KEXINIT, negotiation (RFC 4253 section 7.1), the key
 * exchange of both roles (section 8, RFC 4419, RFC 5656, RFC 8731), the
 * exchange hash, keys (section 7.2) and NEWKEYS (section 7.3). */
#include "oracle/verifier/verifier_impl.h"

#include <stdio.h>
#include <string.h>

/* GEX bounds the verifier asks for as a client (RFC 4419 section 3 and
 * RFC 8270's 2048-bit floor). */
#define GEX_MIN 2048
#define GEX_N 3072
#define GEX_MAX 8192

static const char *const strict_c = "kex-strict-c-v00@openssh.com";
static const char *const strict_s = "kex-strict-s-v00@openssh.com";

void vk_free(struct verifier *v)
{
	vkex_free(&v->kx);
	vb_free(&v->i_ours);
	vb_free(&v->i_peer);
	vb_free(&v->k_s);
	vb_free(&v->peer_pub);
	memset(&v->rx_next, 0, sizeof v->rx_next);
}

/* ---- our KEXINIT ---- */

static void join(struct vbuf *b, const char *name)
{
	if (b->len)
		vb_u8(b, ',');
	vb_put(b, name, strlen(name));
}

/* A server offers only algorithms its host key can serve (RFC 4253 section
 * 7.1: "the algorithms supported for the server host key"). */
static void hostkey_list(struct verifier *v, struct vbuf *out)
{
	struct vspan all = vspan_str(v->cfg.hostkey), name;
	size_t pos = 0;
	if (!v->cfg.server) {
		vb_put(out, all.p, all.len);
		return;
	}
	while (vnl_next(all, &pos, &name)) {
		const struct vsigalg *a = vsigalg_by_name(name);
		if (a && a->type == v->host_key.type) {
			if (out->len)
				vb_u8(out, ',');
			vb_put(out, name.p, name.len);
		}
	}
}

static enum vrule check_own_list(struct verifier *v, struct vbuf *list, const char *what)
{
	enum vrule e = vb_status(list);
	if (e != VR_OK)
		return e;
	if (list->len == 0 || vnl_check(vb_span(list)) != VR_OK)
		return v_unsupported(v, what, vb_span(list));
	return VR_OK;
}

enum vrule vk_send_kexinit(struct verifier *v)
{
	bool first = v->res.kex_count == 0;
	struct vbuf kex = {0}, hk = {0}, p = {0};
	uint8_t cookie[16];
	enum vrule e;

	vb_put(&kex, v->cfg.kex, strlen(v->cfg.kex));
	/* markers go in the first KEXINIT only (RFC 8308 2.1, PROTOCOL) */
	if (first && v->cfg.ext_info)
		join(&kex, v->cfg.server ? "ext-info-s" : "ext-info-c");
	if (first && v->cfg.strict_kex)
		join(&kex, v->cfg.server ? strict_s : strict_c);
	hostkey_list(v, &hk);
	e = check_own_list(v, &kex, "kex list");
	if (e == VR_OK)
		e = check_own_list(v, &hk, "no host key algorithm for the host key:");
	/* A list the verifier cannot propose validly (empty, bad syntax): no
	 * model of a correct peer can be built from it. */
	if (e == VR_OK && (!v->cfg.cipher[0] || vnl_check(vspan_str(v->cfg.cipher)) != VR_OK))
		e = v_unsupported(v, "cipher list", vspan_str(v->cfg.cipher));
	if (e == VR_OK && (!v->cfg.mac[0] || vnl_check(vspan_str(v->cfg.mac)) != VR_OK))
		e = v_unsupported(v, "mac list", vspan_str(v->cfg.mac));
	if (e == VR_OK) {
		vrng_fill(&v->rng, cookie, sizeof cookie);
		vb_u8(&p, M_KEXINIT);
		vb_put(&p, cookie, sizeof cookie);
		vb_sstring(&p, vb_span(&kex));
		vb_sstring(&p, vb_span(&hk));
		vb_cstring(&p, v->cfg.cipher);
		vb_cstring(&p, v->cfg.cipher);
		vb_cstring(&p, v->cfg.mac);
		vb_cstring(&p, v->cfg.mac);
		vb_cstring(&p, "none");
		vb_cstring(&p, "none");
		vb_cstring(&p, "");
		vb_cstring(&p, "");
		vb_u8(&p, 0);  /* first_kex_packet_follows: the verifier never guesses */
		vb_u32(&p, 0); /* reserved */
		vb_reset(&v->i_ours);
		vb_put(&v->i_ours, p.p, p.len);
		e = vb_status(&v->i_ours);
	}
	if (e == VR_OK)
		e = v_send(v, &p);
	v->phase = KP_WAIT_KEXINIT;
	vb_free(&kex);
	vb_free(&hk);
	vb_free(&p);
	return e;
}

/* ---- the peer's KEXINIT ---- */

/* The decoder checks the syntax; section 7.1 then asks for more. */
static enum vrule parse_kexinit(struct vspan pl, struct vmsg_kexinit *k)
{
	enum vrule e = vmsg_kexinit(pl, k);
	if (e != VR_OK)
		return e;
	/* Every list but the languages names at least one algorithm. */
	for (int i = VKI_KEX; i <= VKI_COMP_SC; i++)
		if (k->list[i].len == 0)
			return VR_KEXINIT_LIST;
	/* "reserved for future extension": 0 */
	return k->reserved != 0 ? VR_KEXINIT_RESERVED : VR_OK;
}

/* Markers in the kex list, never key exchange methods. */
static bool is_marker(struct vspan n)
{
	return vspan_is(n, "ext-info-c") || vspan_is(n, "ext-info-s") || vspan_is(n, strict_c) ||
	       vspan_is(n, strict_s);
}

/* Section 7.1: the first algorithm on the client's list that the server
 * also supports.  Markers are not skipped: RFC 8308 section 2.2 says what
 * happens when one is agreed (negotiate() below). */
static bool pick(struct vspan client, struct vspan server, struct vspan *out)
{
	size_t pos = 0;
	struct vspan n;
	while (vnl_next(client, &pos, &n)) {
		if (vnl_has(server, n)) {
			*out = n;
			return true;
		}
	}
	return false;
}

static void set_name(char dst[64], struct vspan n)
{
	snprintf(dst, 64, "%.*s", (int)n.len, n.p ? (const char *)n.p : "");
}

static enum vrule negotiate(struct verifier *v, const struct vmsg_kexinit *c, const struct vmsg_kexinit *s)
{
	struct vspan n[VKI_N];
	/* RFC 8308 section 2.2: "If "ext-info-c" or "ext-info-s" ends up being
	 * negotiated as a key exchange method, the parties MUST disconnect";
	 * the strict-kex markers (OpenSSH PROTOCOL) are no method either. */
	if (!pick(c->list[VKI_KEX], s->list[VKI_KEX], &n[VKI_KEX]) || is_marker(n[VKI_KEX]))
		return VR_NO_KEX;
	if (!pick(c->list[VKI_HOSTKEY], s->list[VKI_HOSTKEY], &n[VKI_HOSTKEY]))
		return VR_NO_HOSTKEY;
	if (!pick(c->list[VKI_ENC_CS], s->list[VKI_ENC_CS], &n[VKI_ENC_CS]) ||
	    !pick(c->list[VKI_ENC_SC], s->list[VKI_ENC_SC], &n[VKI_ENC_SC]))
		return VR_NO_CIPHER;
	struct vneg *g = &v->neg;
	g->cipher_cs = vcipher_by_name(n[VKI_ENC_CS]);
	g->cipher_sc = vcipher_by_name(n[VKI_ENC_SC]);
	/* An AEAD cipher has no MAC to agree on (RFC 5647 section 5.1 as
	 * OpenSSH applies it, PROTOCOL.chacha20poly1305). */
	n[VKI_MAC_CS] = n[VKI_MAC_SC] = (struct vspan){NULL, 0};
	if (!vcipher_aead(g->cipher_cs) && !pick(c->list[VKI_MAC_CS], s->list[VKI_MAC_CS], &n[VKI_MAC_CS]))
		return VR_NO_MAC;
	if (!vcipher_aead(g->cipher_sc) && !pick(c->list[VKI_MAC_SC], s->list[VKI_MAC_SC], &n[VKI_MAC_SC]))
		return VR_NO_MAC;
	if (!pick(c->list[VKI_COMP_CS], s->list[VKI_COMP_CS], &n[VKI_COMP_CS]) ||
	    !pick(c->list[VKI_COMP_SC], s->list[VKI_COMP_SC], &n[VKI_COMP_SC]))
		return VR_NO_COMP;

	set_name(v->res.kex, n[VKI_KEX]);
	set_name(v->res.hostkey, n[VKI_HOSTKEY]);
	set_name(v->res.cipher_cs, n[VKI_ENC_CS]);
	set_name(v->res.cipher_sc, n[VKI_ENC_SC]);
	set_name(v->res.mac_cs, n[VKI_MAC_CS]);
	set_name(v->res.mac_sc, n[VKI_MAC_SC]);

	/* Agreed, but can the verifier model it? */
	if (!(g->kex = vkex_by_name(n[VKI_KEX])))
		return v_unsupported(v, "key exchange", n[VKI_KEX]);
	if (!(g->hostkey = vsigalg_by_name(n[VKI_HOSTKEY])))
		return v_unsupported(v, "host key algorithm", n[VKI_HOSTKEY]);
	if (!g->cipher_cs)
		return v_unsupported(v, "cipher", n[VKI_ENC_CS]);
	if (!g->cipher_sc)
		return v_unsupported(v, "cipher", n[VKI_ENC_SC]);
	g->mac_cs = g->mac_sc = NULL;
	if (!vcipher_aead(g->cipher_cs) && !(g->mac_cs = vmac_by_name(n[VKI_MAC_CS])))
		return v_unsupported(v, "mac", n[VKI_MAC_CS]);
	if (!vcipher_aead(g->cipher_sc) && !(g->mac_sc = vmac_by_name(n[VKI_MAC_SC])))
		return v_unsupported(v, "mac", n[VKI_MAC_SC]);
	if (!vspan_is(n[VKI_COMP_CS], "none"))
		return v_unsupported(v, "compression", n[VKI_COMP_CS]);
	if (!vspan_is(n[VKI_COMP_SC], "none"))
		return v_unsupported(v, "compression", n[VKI_COMP_SC]);
	return VR_OK;
}

/* Section 7.1: a guess is right only when both sides prefer the same key
 * exchange method and the same host key algorithm. */
static bool guess_right(const struct vmsg_kexinit *peer, const struct vmsg_kexinit *ours)
{
	return vspan_eq(vnl_first(peer->list[VKI_KEX]), vnl_first(ours->list[VKI_KEX])) &&
	       vspan_eq(vnl_first(peer->list[VKI_HOSTKEY]), vnl_first(ours->list[VKI_HOSTKEY]));
}

static enum vrule send_u32s(struct verifier *v, uint8_t msg, const uint32_t *vals, size_t n)
{
	struct vbuf p = {0};
	vb_u8(&p, msg);
	for (size_t i = 0; i < n; i++)
		vb_u32(&p, vals[i]);
	enum vrule e = v_send(v, &p);
	vb_free(&p);
	return e;
}

/* Client: our first exchange message (section 8 e, RFC 5656 Q_C, RFC 8731
 * Q_C, RFC 4419 e). */
static enum vrule send_init(struct verifier *v, uint8_t msg)
{
	enum vrule e = vkex_keygen(&v->kx, &v->rng);
	struct vbuf p = {0};
	if (e != VR_OK)
		return e;
	vb_u8(&p, msg);
	if (v->kx.m->kind == VKX_DH || v->kx.m->kind == VKX_GEX)
		vb_mpint(&p, v->kx.pub.p, v->kx.pub.len);
	else
		vb_sstring(&p, vb_span(&v->kx.pub));
	e = v_send(v, &p);
	vb_free(&p);
	return e;
}

static enum vrule start_round(struct verifier *v)
{
	vkex_free(&v->kx);
	vkex_init(&v->kx, v->neg.kex);
	vb_reset(&v->peer_pub);
	vb_reset(&v->k_s);
	bool gex = v->neg.kex->kind == VKX_GEX;
	if (v->cfg.server) {
		v->phase = gex ? KP_WAIT_GEX_REQUEST : KP_WAIT_INIT;
		return VR_OK;
	}
	if (gex) {
		/* RFC 4419 section 3: SSH_MSG_KEX_DH_GEX_REQUEST min, n, max */
		uint32_t b[3] = {GEX_MIN, GEX_N, GEX_MAX};
		v->kx.gmin = b[0], v->kx.gn = b[1], v->kx.gmax = b[2];
		v->phase = KP_WAIT_GEX_GROUP;
		return send_u32s(v, M_GEX_REQUEST, b, 3);
	}
	v->phase = KP_WAIT_REPLY;
	return send_init(v, M_KEX_30);
}

enum vrule vk_on_kexinit(struct verifier *v, struct vspan pl)
{
	bool first = v->res.kex_count == 0;
	struct vmsg_kexinit peer, ours;
	enum vrule e;

	/* Section 7.1: no further KEXINIT within a round. */
	if (v->peer_kexinit_seen)
		return VR_KEX_ONLY;
	if ((e = parse_kexinit(pl, &peer)) != VR_OK)
		return e;
	v->peer_kexinit_seen = true;
	/* A round the peer starts: answer with ours (section 9). */
	if (v->phase == KP_IDLE && (e = vk_send_kexinit(v)) != VR_OK)
		return e;
	vb_reset(&v->i_peer);
	vb_put(&v->i_peer, pl.p, pl.len);
	if ((e = vb_status(&v->i_peer)) != VR_OK)
		return e;
	if (parse_kexinit(vb_span(&v->i_ours), &ours) != VR_OK)
		return VR_INTERNAL;
	if (first) {
		struct vspan pk = peer.list[VKI_KEX];
		/* PROTOCOL (strict kex): both sides offer; then the peer's
		 * KEXINIT must have been its first packet. */
		v->res.strict_kex = v->cfg.strict_kex && vnl_has(pk, vspan_str(v->cfg.server ? strict_c : strict_s));
		if (v->res.strict_kex && v->rx_before_kexinit)
			return VR_STRICT_KEX_FIRST;
		v->peer_ext_info = vnl_has(pk, vspan_str(v->cfg.server ? "ext-info-c" : "ext-info-s"));
	}
	e = v->cfg.server ? negotiate(v, &peer, &ours) : negotiate(v, &ours, &peer);
	if (e != VR_OK)
		return e;
	if (peer.follows && !guess_right(&peer, &ours))
		v->ignore_next = true;
	return start_round(v);
}

/* ---- the exchange hash and keys ---- */

/* RFC 4253 section 8, RFC 4419 section 3, RFC 5656 section 4, RFC 8731
 * section 3: H = HASH(V_C || V_S || I_C || I_S || K_S || method values || K). */
static enum vrule exchange_hash(struct verifier *v, uint8_t *h)
{
	bool srv = v->cfg.server;
	struct vspan vc = vb_span(srv ? &v->v_peer : &v->v_ours), vs = vb_span(srv ? &v->v_ours : &v->v_peer);
	struct vspan ic = vb_span(srv ? &v->i_peer : &v->i_ours), is = vb_span(srv ? &v->i_ours : &v->i_peer);
	struct vspan qc = vb_span(srv ? &v->peer_pub : &v->kx.pub), qs = vb_span(srv ? &v->kx.pub : &v->peer_pub);
	struct vbuf b = {0};

	vb_sstring(&b, vc);
	vb_sstring(&b, vs);
	vb_sstring(&b, ic);
	vb_sstring(&b, is);
	vb_sstring(&b, vb_span(&v->k_s));
	switch (v->kx.m->kind) {
	case VKX_X25519:
	case VKX_ECDH:
		vb_sstring(&b, qc);
		vb_sstring(&b, qs);
		break;
	case VKX_GEX:
		if (v->kx.gex_old) {
			vb_u32(&b, v->kx.gn);
		} else {
			vb_u32(&b, v->kx.gmin);
			vb_u32(&b, v->kx.gn);
			vb_u32(&b, v->kx.gmax);
		}
		vb_mpint(&b, v->kx.gp.p, v->kx.gp.len);
		vb_mpint(&b, v->kx.gg.p, v->kx.gg.len);
		/* fall through */
	case VKX_DH:
		vb_mpint(&b, qc.p, qc.len);
		vb_mpint(&b, qs.p, qs.len);
		break;
	}
	vb_put(&b, v->kx.k.p, v->kx.k.len);
	enum vrule e = vb_status(&b);
	if (e == VR_OK) {
		struct vspan all = vb_span(&b);
		e = vhash(v->kx.m->hash, &all, 1, h);
	}
	vb_free(&b);
	return e;
}

struct dirkeys {
	uint8_t iv[16], key[64], mac[64];
};

/* Section 7.2: IVs 'A'/'B', keys 'C'/'D', MAC keys 'E'/'F', client to
 * server first, with the method's hash. */
static enum vrule derive_dir(struct verifier *v, const uint8_t *h, const struct vcipher *c, const struct vmac *m,
			     bool cs, struct dirkeys *out)
{
	enum vhash hh = v->kx.m->hash;
	struct vspan k = vb_span(&v->kx.k), hs = vspan_of(h, vhash_len(hh));
	struct vspan sid = vspan_of(v->session_id, v->session_id_len);
	enum vrule e = VR_OK;
	memset(out, 0, sizeof *out);
	if (c->iv_len)
		e = vkdf(hh, k, hs, cs ? 'A' : 'B', sid, out->iv, c->iv_len);
	if (e == VR_OK && c->key_len)
		e = vkdf(hh, k, hs, cs ? 'C' : 'D', sid, out->key, c->key_len);
	if (e == VR_OK && m)
		e = vkdf(hh, k, hs, cs ? 'E' : 'F', sid, out->mac, m->key_len);
	return e;
}

/* Sends NEWKEYS under the old keys, then switches our direction;
 * the peer's direction waits for its NEWKEYS. */
static enum vrule keys_and_newkeys(struct verifier *v, const uint8_t *h)
{
	struct vneg *g = &v->neg;
	struct dirkeys cs, sc;
	enum vrule e = derive_dir(v, h, g->cipher_cs, g->mac_cs, true, &cs);
	if (e == VR_OK)
		e = derive_dir(v, h, g->cipher_sc, g->mac_sc, false, &sc);
	if (e != VR_OK)
		return e;
	bool srv = v->cfg.server;
	struct dirkeys *tx = srv ? &sc : &cs, *rx = srv ? &cs : &sc;
	const struct vcipher *txc = srv ? g->cipher_sc : g->cipher_cs, *rxc = srv ? g->cipher_cs : g->cipher_sc;
	const struct vmac *txm = srv ? g->mac_sc : g->mac_cs, *rxm = srv ? g->mac_cs : g->mac_sc;

	v->rx_next = (struct vkeys_pending){true, rxc, rxm, {0}, {0}, {0}};
	memcpy(v->rx_next.key, rx->key, sizeof rx->key);
	memcpy(v->rx_next.iv, rx->iv, sizeof rx->iv);
	memcpy(v->rx_next.mac_key, rx->mac, sizeof rx->mac);

	struct vbuf p = {0};
	vb_u8(&p, M_NEWKEYS);
	e = v_send(v, &p);
	vb_free(&p);
	if (e == VR_OK)
		e = vdir_set(&v->tx, txc, txm, tx->key, tx->iv, tx->mac, true);
	/* PROTOCOL strict kex: sequence numbers restart after each NEWKEYS. */
	if (e == VR_OK && v->res.strict_kex)
		v->tx.seq = 0;
	memset(&cs, 0, sizeof cs);
	memset(&sc, 0, sizeof sc);
	v->phase = KP_WAIT_NEWKEYS;
	return e;
}

static enum vrule finish_exchange(struct verifier *v, uint8_t *h)
{
	enum vrule e = exchange_hash(v, h);
	if (e != VR_OK)
		return e;
	/* Section 7.2: the session id is the first H, kept across rekeys. */
	if (v->session_id_len == 0) {
		v->session_id_len = vhash_len(v->kx.m->hash);
		memcpy(v->session_id, h, v->session_id_len);
	}
	return VR_OK;
}

/* ---- server side ---- */

/* RFC 4419 section 3: SSH_MSG_KEX_DH_GEX_REQUEST (34) or _OLD (30). */
static enum vrule server_gex_request(struct verifier *v, struct vspan pl)
{
	struct vmsg_gex_request q;
	enum vrule e = vmsg_gex_request(pl, &q);
	if (e != VR_OK)
		return e;
	if (!q.old) {
		e = vkex_gex_choose(&v->kx, q.min, q.n, q.max);
	} else {
		v->kx.gex_old = true;
		e = vkex_gex_choose(&v->kx, 0, q.n, UINT32_MAX);
	}
	if (e != VR_OK)
		return e;
	struct vbuf p = {0};
	vb_u8(&p, M_KEX_31); /* SSH_MSG_KEX_DH_GEX_GROUP: mpint p, mpint g */
	vb_mpint(&p, v->kx.gp.p, v->kx.gp.len);
	vb_mpint(&p, v->kx.gg.p, v->kx.gg.len);
	e = v_send(v, &p);
	vb_free(&p);
	v->phase = KP_WAIT_INIT;
	return e;
}

/* How the method carries public values: an mpint (e, f) or a string (Q). */
static enum vmsg_pub pub_kind(const struct verifier *v)
{
	return v->kx.m->kind == VKX_DH || v->kx.m->kind == VKX_GEX ? VMSG_PUB_MPINT : VMSG_PUB_STRING;
}

/* Keeps the peer's public value (decoded and checked as its encoding
 * requires) for the exchange hash. */
static enum vrule keep_pub(struct verifier *v, struct vspan q)
{
	vb_reset(&v->peer_pub);
	vb_put(&v->peer_pub, q.p, q.len);
	return vb_status(&v->peer_pub);
}

static void put_pub(struct verifier *v, struct vbuf *p)
{
	if (v->kx.m->kind == VKX_DH || v->kx.m->kind == VKX_GEX)
		vb_mpint(p, v->kx.pub.p, v->kx.pub.len);
	else
		vb_sstring(p, vb_span(&v->kx.pub));
}

static enum vrule server_init(struct verifier *v, struct vspan pl)
{
	struct vmsg_kex_init q;
	uint8_t h[VH_MAX];
	enum vrule e = vmsg_kex_init(pl, pl.p[0], pub_kind(v), &q);
	if (e == VR_OK)
		e = keep_pub(v, q.pub);
	if (e == VR_OK)
		e = vkex_keygen(&v->kx, &v->rng);
	if (e == VR_OK)
		e = vkex_derive(&v->kx, vb_span(&v->peer_pub));
	if (e != VR_OK)
		return e;
	vb_put(&v->k_s, v->host_key.blob.p, v->host_key.blob.len);
	if ((e = vb_status(&v->k_s)) != VR_OK || (e = finish_exchange(v, h)) != VR_OK)
		return e;

	struct vbuf p = {0};
	vb_u8(&p, v->kx.m->kind == VKX_GEX ? M_GEX_REPLY : M_KEX_31);
	vb_sstring(&p, vb_span(&v->k_s));
	put_pub(v, &p);
	struct vbuf sig = {0};
	e = vkey_sign(&v->host_key, v->neg.hostkey, vspan_of(h, vhash_len(v->kx.m->hash)), &v->rng, &sig);
	vb_sstring(&p, vb_span(&sig));
	vb_free(&sig);
	if (e == VR_OK)
		e = v_send(v, &p);
	vb_free(&p);
	if (e == VR_OK)
		e = keys_and_newkeys(v, h);
	/* RFC 8308 section 2.4: EXT_INFO as the first packet after our first
	 * NEWKEYS, to a client that offered ext-info-c. */
	if (e == VR_OK && v->res.kex_count == 0 && v->peer_ext_info)
		e = vauth_send_ext_info(v);
	return e;
}

/* ---- client side ---- */

static enum vrule client_gex_group(struct verifier *v, struct vspan pl)
{
	struct vmsg_gex_group q;
	enum vrule e = vmsg_gex_group(pl, &q);
	if (e == VR_OK)
		e = vkex_gex_accept(&v->kx, q.p, q.g);
	if (e != VR_OK)
		return e;
	v->phase = KP_WAIT_REPLY;
	return send_init(v, M_GEX_INIT);
}

/* The server's reply: K_S of the negotiated type (RFC 4253 section 6.6),
 * its public value, and a signature over H by K_S named as negotiated. */
static enum vrule client_reply(struct verifier *v, struct vspan pl)
{
	struct vmsg_kex_reply q;
	struct vspan ks, sig, type;
	struct vkey key;
	uint8_t h[VH_MAX];
	enum vrule e = vmsg_kex_reply(pl, pl.p[0], pub_kind(v), &q);
	if (e == VR_OK)
		e = keep_pub(v, q.pub);
	if (e != VR_OK)
		return e;
	ks = q.hostkey, sig = q.sig;
	if ((e = vkey_blob_type(ks, &type)) != VR_OK)
		return e;
	if (!vspan_is(type, vkey_type_name(v->neg.hostkey->type)))
		return VR_KEY_TYPE;
	if ((e = vkey_from_blob(ks, &key)) != VR_OK)
		return e == VR_UNSUPPORTED ? VR_KEY_TYPE : e;
	vb_put(&v->k_s, ks.p, ks.len);
	e = vb_status(&v->k_s);
	if (e == VR_OK)
		e = vkex_derive(&v->kx, vb_span(&v->peer_pub));
	if (e == VR_OK)
		e = finish_exchange(v, h);
	if (e == VR_OK)
		e = vkey_verify(&key, v->neg.hostkey, sig, vspan_of(h, vhash_len(v->kx.m->hash)));
	vkey_free(&key);
	/* The known_hosts check of a real client: the one key we trust. */
	if (e == VR_OK && !vspan_eq(ks, vb_span(&v->host_key.blob)))
		e = VR_HOSTKEY_UNTRUSTED;
	if (e == VR_OK)
		e = keys_and_newkeys(v, h);
	return e;
}

enum vrule vk_on_kex_msg(struct verifier *v, uint8_t msg, struct vspan pl, uint32_t seq)
{
	bool gex = v->neg.kex && v->neg.kex->kind == VKX_GEX;
	switch (v->phase) {
	case KP_IDLE:
		/* No exchange runs: a method message means nothing, and RFC 4253
		 * section 11.4 answers what is not understood with UNIMPLEMENTED
		 * (as OpenSSH's kex_protocol_error does). */
		return v_unimplemented(v, seq);
	case KP_WAIT_GEX_REQUEST:
		if (msg == M_GEX_REQUEST || msg == M_KEX_30)
			return server_gex_request(v, pl);
		break;
	case KP_WAIT_INIT:
		if (msg == (gex ? M_GEX_INIT : M_KEX_30))
			return server_init(v, pl);
		break;
	case KP_WAIT_GEX_GROUP:
		if (msg == M_KEX_31)
			return client_gex_group(v, pl);
		break;
	case KP_WAIT_REPLY:
		if (msg == (gex ? M_GEX_REPLY : M_KEX_31))
			return client_reply(v, pl);
		break;
	default:
		break;
	}
	return VR_UNEXPECTED;
}

/* Section 7.3: the peer's NEWKEYS ends its part of the exchange; it may
 * only come once the exchange is complete on our side (client: after the
 * reply was checked; server: after ours was sent). */
enum vrule vk_on_newkeys(struct verifier *v, struct vspan pl, uint32_t seq)
{
	/* Outside any exchange there is nothing to end: UNIMPLEMENTED, as
	 * for the method messages. */
	if (v->phase == KP_IDLE)
		return v_unimplemented(v, seq);
	if (v->phase != KP_WAIT_NEWKEYS || !v->rx_next.ready)
		return VR_NEWKEYS;
	enum vrule e = vmsg_empty(pl, M_NEWKEYS);
	if (e != VR_OK)
		return e;
	struct vkeys_pending *k = &v->rx_next;
	e = vdir_set(&v->rx, k->c, k->m, k->key, k->iv, k->mac_key, false);
	memset(k, 0, sizeof *k);
	if (e != VR_OK)
		return e;
	if (v->res.strict_kex)
		v->rx.seq = 0;
	bool first = v->res.kex_count == 0;
	v->res.kex_count++;
	v->phase = KP_IDLE;
	v->peer_kexinit_seen = false;
	if (first) {
		v->rx_after_newkeys = 0;
		if (!v->cfg.server)
			return vauth_start(v);
	}
	return VR_OK;
}

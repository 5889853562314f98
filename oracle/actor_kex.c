/*
 * actor_kex.c — the key exchange values the actor computes against the IUT
 * actually running: its KEXINIT lists, the negotiation over both KEXINITs
 * as they went over the wire (RFC 4253 section 7.1), its ephemeral key, the
 * shared secret K, the exchange hash H (section 8, RFC 4419 section 3,
 * RFC 5656 section 4) and the keys of section 7.2.
 *
 * When a mutation set our own public value, K is what an IUT *without*
 * range checks would compute, where that is fixed by the value alone
 * (documented guess, see predict_k); otherwise it is unknowable and the
 * keys check is skipped (K_UNPREDICTABLE).
 */
#include "oracle/actor_impl.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "oracle/testkeys.h"

static const char strict_c[] = "kex-strict-c-v00@openssh.com";
static const char strict_s[] = "kex-strict-s-v00@openssh.com";

/* The first name of a comma-separated list. */
static struct span first_name(const char *list)
{
	struct span l = span_cstr(list), name = SPAN_NULL;
	size_t pos = 0;

	namelist_next(l, &pos, &name);
	return name;
}

static sd_err list_add(struct sbuf *b, struct span name)
{
	sd_err e = SD_OK;

	if (b->len)
		e = sbuf_put_u8(b, ',');
	return e == SD_OK ? sbuf_put(b, name.p, name.len) : e;
}

/* A server offers only the host key algorithms its key can serve (as real
 * servers do); if none of the case's fits, the whole list goes out, so a
 * deliberately odd case still says what it says. */
static sd_err server_hostkey_list(struct actor *a, struct sbuf *out)
{
	struct span list = span_cstr(a->c->algs.hostkey), name;
	enum sigkey_type t = testkey_type(a->c->host_key);
	size_t pos = 0;
	sd_err e = SD_OK;

	while (e == SD_OK && namelist_next(list, &pos, &name)) {
		const struct sig_alg *alg = sig_alg_by_name(name);
		if (alg && alg->type == t)
			e = list_add(out, name);
	}
	if (e == SD_OK && out->len == 0)
		e = sbuf_put(out, list.p, list.len);
	return e;
}

sd_err actor_kexinit_fields(struct actor *a, struct msg_kexinit *k, struct sbuf *kex_list, struct sbuf *hk_list)
{
	const struct case_algs *algs = &a->c->algs;
	sd_err e;

	memset(k, 0, sizeof *k);
	if ((e = rng_fill(&a->rng.base, k->cookie, sizeof k->cookie)) != SD_OK)
		return e;
	e = sbuf_put(kex_list, algs->kex, strlen(algs->kex));
	/* RFC 8308 section 2.1 and OpenSSH PROTOCOL: markers in the first
	 * KEXINIT only, ext-info before strict as OpenSSH orders them. */
	if (e == SD_OK && !a->first_kexinit_sent && a->c->ext_info)
		e = list_add(kex_list, span_cstr(a->client ? "ext-info-c" : "ext-info-s"));
	if (e == SD_OK && !a->first_kexinit_sent && a->c->strict_kex)
		e = list_add(kex_list, span_cstr(a->client ? strict_c : strict_s));
	if (e == SD_OK)
		e = a->client ? sbuf_put(hk_list, algs->hostkey, strlen(algs->hostkey))
			      : server_hostkey_list(a, hk_list);
	if (e != SD_OK)
		return e;
	k->lists[KEXINIT_KEX] = sbuf_span(kex_list);
	k->lists[KEXINIT_HOSTKEY] = sbuf_span(hk_list);
	k->lists[KEXINIT_CIPHER_CS] = k->lists[KEXINIT_CIPHER_SC] = span_cstr(algs->cipher);
	k->lists[KEXINIT_MAC_CS] = k->lists[KEXINIT_MAC_SC] = span_cstr(algs->mac);
	k->lists[KEXINIT_COMP_CS] = k->lists[KEXINIT_COMP_SC] = span_cstr("none");
	return SD_OK;
}

void actor_kx_free(struct actor_kx *kx)
{
	kex_ephemeral_free(kx->eph);
	sbuf_free(&kx->i_ours);
	sbuf_free(&kx->i_theirs);
	sbuf_free(&kx->q_c);
	sbuf_free(&kx->q_s);
	sbuf_free(&kx->k_s);
	sbuf_free(&kx->k);
	sbuf_free(&kx->gex_p);
	sbuf_free(&kx->gex_g);
	wipe(kx, sizeof *kx);
	kx->kdf_hash = -1;
}

void actor_kx_maybe_new_round(struct actor *a)
{
	/* RFC 4253 section 9: a KEXINIT after a finished exchange starts a
	 * new one; the session id stays. */
	if (a->kx.tx_newkeys && a->kx.rx_newkeys)
		actor_kx_free(&a->kx);
}

static void note_negotiated(struct actor *a)
{
	const struct negotiated *n = &a->kx.neg;

	actor_note(a, "negotiated kex %s, host key %s, cipher %s / %s, mac %s / %s%s", n->kex->name,
		   n->hostkey->name, n->cipher_cs->name, n->cipher_sc->name, n->mac_cs ? n->mac_cs->name : "(aead)",
		   n->mac_sc ? n->mac_sc->name : "(aead)", a->strict ? ", strict kex" : "");
}

void actor_kx_negotiate(struct actor *a)
{
	struct actor_kx *kx = &a->kx;
	struct msg_kexinit ours, theirs;
	sd_err e;

	if (kx->neg_done || !kx->ours_sent || !kx->theirs_seen)
		return;
	kx->neg_done = true;
	if ((e = msg_kexinit_parse(sbuf_span(&kx->i_ours), &ours)) != SD_OK ||
	    (e = msg_kexinit_parse(sbuf_span(&kx->i_theirs), &theirs)) != SD_OK) {
		actor_note(a, "negotiation impossible: a KEXINIT does not parse (%s)", sd_err_rule(e));
		return;
	}
	const struct msg_kexinit *c = a->client ? &ours : &theirs, *s = a->client ? &theirs : &ours;
	if (a->kex_count == 0 && !a->strict) {
		/* OpenSSH PROTOCOL: strict kex when both first KEXINITs carry
		 * the marker. */
		a->strict = namelist_contains(c->lists[KEXINIT_KEX], span_cstr(strict_c)) &&
			    namelist_contains(s->lists[KEXINIT_KEX], span_cstr(strict_s));
	}
	if ((e = negotiate_algs(c, s, &kx->neg)) != SD_OK) {
		actor_note(a, "negotiation failed: %s (%s)", sd_err_rule(e), sd_err_text(e));
		return;
	}
	kx->neg_ok = true;
	/* RFC 4253 section 7: a guess is right only when both first names
	 * match; recorded for the trace. */
	if (ours.first_kex_follows && !negotiate_guess_right(c, s)) {
		kx->guess_wrong = true;
		actor_note(a, "our first_kex_packet_follows guess is wrong: the IUT should ignore our next KEX packet");
	}
	note_negotiated(a);
}

const struct kex_method *actor_kex_method(struct actor *a)
{
	const struct kex_method *m;

	if (a->kx.neg_ok)
		return a->kx.neg.kex;
	if ((m = kex_method_by_name(first_name(a->c->algs.kex))) != NULL)
		return m;
	return kex_method_by_name(span_cstr("curve25519-sha256"));
}

const struct sig_alg *actor_hostkey_alg(struct actor *a)
{
	const struct sig_alg *alg;

	if (a->kx.neg_ok)
		return a->kx.neg.hostkey;
	if ((alg = sig_alg_by_name(first_name(a->c->algs.hostkey))) != NULL)
		return alg;
	return sig_alg_by_name(first_name(testkey_algorithms(a->c->host_key)));
}

/* A group's p or g (big-endian magnitude) as mpint content. */
static sd_err mpint_content(struct sbuf *out, struct span mag)
{
	sd_err e = sbuf_put_mpint_unsigned(out, mag.p, mag.len);

	if (e == SD_OK)
		sbuf_consume(out, 4);
	return e;
}

/* Group 14 (RFC 3526) when the exchange has no usable group. */
static sd_err fallback_group(struct sbuf *p, struct sbuf *g)
{
	const struct kex_dh_group *grp = kex_dh_group_by_id(14);
	sd_err e;

	if (!grp)
		return SD_ERR_INTERNAL;
	if ((e = mpint_content(p, grp->p)) != SD_OK)
		return e;
	return mpint_content(g, grp->g);
}

sd_err actor_ephemeral(struct actor *a, struct kex_ephemeral **out)
{
	const struct kex_method *m = actor_kex_method(a);
	struct actor_kx *kx = &a->kx;
	struct sbuf p = SBUF_INIT, g = SBUF_INIT;
	sd_err e;

	*out = kx->eph;
	if (kx->eph)
		return SD_OK;
	if (!m)
		return SD_ERR_INTERNAL;
	if (m->family != KEX_FAMILY_GEX) {
		e = kex_ephemeral_new(m, SPAN_NULL, SPAN_NULL, &a->rng.base, &kx->eph);
	} else {
		/* GEX: the group of KEX_DH_GEX_GROUP; a mutated or missing group
		 * falls back to group 14 for our own key. */
		e = kex_ephemeral_new(m, sbuf_span(&kx->gex_p), sbuf_span(&kx->gex_g), &a->rng.base, &kx->eph);
		if (e != SD_OK && e != SD_ERR_NOMEM && (e = fallback_group(&p, &g)) == SD_OK) {
			/* Not the group the IUT uses: its K is not ours. */
			kx->values_unknown = true;
			e = kex_ephemeral_new(m, sbuf_span(&p), sbuf_span(&g), &a->rng.base, &kx->eph);
		}
	}
	sbuf_free(&p);
	sbuf_free(&g);
	*out = kx->eph;
	return e;
}

/* The group's p for DH / GEX, as a BIGNUM. */
static BIGNUM *group_p(struct actor *a, const struct kex_method *m)
{
	struct span p = SPAN_NULL;

	if (m->family == KEX_FAMILY_DH) {
		const struct kex_dh_group *grp = kex_dh_group_by_id(m->group);
		if (grp)
			p = grp->p;
	} else {
		p = mpint_magnitude(sbuf_span(&a->kx.gex_p));
	}
	return p.len ? BN_bin2bn(p.p, (int)p.len, NULL) : NULL;
}

/*
 * K an IUT without range checks computes from our mutated public value v,
 * when v alone fixes it (documented guess):
 *   DH / GEX: v mod p = 0 -> K = 0; v mod p = 1 -> K = 1; v mod p = p-1 ->
 *     K = (p-1)^x = 1 or p-1 by the parity of the IUT's secret: we take 1.
 *   X25519: a low-order point gives the all-zero secret for every clamped
 *     scalar: K = 0 as mpint (RFC 8731 section 3).
 * Returns false when K is unknowable.
 */
static bool predict_k(struct actor *a, struct span v, struct sbuf *k)
{
	const struct kex_method *m = actor_kex_method(a);
	bool known = false;

	if (m->family == KEX_FAMILY_X25519) {
		struct sbuf tmp = SBUF_INIT;
		known = v.len == 32 && a->kx.eph && kex_ephemeral_shared(a->kx.eph, v, &tmp) == SD_ERR_X25519_ZERO;
		sbuf_free(&tmp);
		return known && sbuf_put_mpint_unsigned(k, NULL, 0) == SD_OK;
	}
	if (m->family != KEX_FAMILY_DH && m->family != KEX_FAMILY_GEX)
		return false;
	BIGNUM *p = group_p(a, m), *x = NULL, *r = BN_new(), *pm1 = NULL;
	BN_CTX *ctx = BN_CTX_new();
	/* A negative mpint (top bit set) is not a value an IUT would raise. */
	if (p && r && ctx && !(v.len && (v.p[0] & 0x80))) {
		struct span mag = mpint_magnitude(v);
		x = BN_bin2bn(mag.len ? mag.p : (const uint8_t *)"", (int)mag.len, NULL);
		pm1 = BN_dup(p);
		if (x && pm1 && BN_sub_word(pm1, 1) && BN_mod(r, x, p, ctx)) {
			static const uint8_t one = 1;
			if (BN_is_zero(r))
				known = sbuf_put_mpint_unsigned(k, NULL, 0) == SD_OK;
			else if (BN_is_one(r) || BN_cmp(r, pm1) == 0)
				known = sbuf_put_mpint_unsigned(k, &one, 1) == SD_OK;
		}
	}
	BN_free(p);
	BN_free(x);
	BN_free(r);
	BN_free(pm1);
	BN_CTX_free(ctx);
	return known;
}

sd_err actor_compute_k(struct actor *a, bool have_iut_pub, struct span iut_pub, struct span sent_pub,
		       bool sent_mutated)
{
	struct actor_kx *kx = &a->kx;
	struct kex_ephemeral *eph;
	sd_err e;

	sbuf_reset(&kx->k);
	kx->k_state = K_NONE;
	if ((e = actor_ephemeral(a, &eph)) != SD_OK)
		return e == SD_ERR_NOMEM ? e : SD_OK;
	if (sent_mutated && !kx->ours_garbled && predict_k(a, sent_pub, &kx->k)) {
		kx->k_state = K_KNOWN;
		actor_note_hex(a, "K predicted from our mutated public value", sbuf_span(&kx->k));
		return SD_OK;
	}
	sbuf_reset(&kx->k);
	if (!have_iut_pub) {
		actor_note(a, "K unknown: no public value from the IUT yet");
		return SD_OK;
	}
	e = kex_ephemeral_shared(eph, iut_pub, &kx->k);
	if (e == SD_ERR_NOMEM)
		return e;
	if (e != SD_OK) {
		sbuf_reset(&kx->k);
		actor_note(a, "K unknown: the IUT's public value is unusable (%s)", sd_err_rule(e));
		return SD_OK;
	}
	/* Our mutated value gives the IUT a K we cannot compute; ours stays
	 * the honest one so that H and the signature are still well formed. */
	kx->k_state = sent_mutated ? K_UNPREDICTABLE : K_KNOWN;
	if (sent_mutated)
		actor_note(a, "K unpredictable: our public value was mutated");
	return SD_OK;
}

sd_err actor_compute_h(struct actor *a)
{
	struct actor_kx *kx = &a->kx;
	struct span ours = span_cstr(a->c->actor_version), theirs = span_cstr(a->iut_version);
	struct kex_hash_input in = {
		.v_c = a->client ? ours : theirs,
		.v_s = a->client ? theirs : ours,
		.i_c = sbuf_span(a->client ? &kx->i_ours : &kx->i_theirs),
		.i_s = sbuf_span(a->client ? &kx->i_theirs : &kx->i_ours),
		.k_s = sbuf_span(&kx->k_s),
		.gex_old = kx->gex_old,
		.gex_min = kx->gex_min,
		.gex_n = kx->gex_n,
		.gex_max = kx->gex_max,
		.gex_p = sbuf_span(&kx->gex_p),
		.gex_g = sbuf_span(&kx->gex_g),
		.q_c = sbuf_span(&kx->q_c),
		.q_s = sbuf_span(&kx->q_s),
		.k = sbuf_span(&kx->k),
	};
	sd_err e = kex_exchange_hash(actor_kex_method(a), &in, kx->h, &kx->h_len);

	if (e != SD_OK) {
		kx->h_len = 0;
		return e == SD_ERR_NOMEM ? e : SD_OK;
	}
	/* RFC 4253 section 7.2: the session id is the first exchange's H. */
	if (a->kex_count == 0) {
		memcpy(a->session_id, kx->h, kx->h_len);
		a->session_id_len = kx->h_len;
	}
	actor_note_hex(a, "H", (struct span){kx->h, kx->h_len});
	return SD_OK;
}

/* RFC 4253 section 7.2: IV, key and MAC key of one direction (letters
 * A/C/E client to server, B/D/F server to client). */
static sd_err derive_dir(struct actor *a, const struct kex_method *m, bool cs, struct packet_dir *d, bool encrypt)
{
	const struct negotiated *n = &a->kx.neg;
	const struct cipher_alg *calg = cs ? n->cipher_cs : n->cipher_sc;
	const struct mac_alg *mac = cs ? n->mac_cs : n->mac_sc;
	uint8_t iv[64], key[64], mkey[64];
	struct span k = sbuf_span(&a->kx.k), h = {a->kx.h, a->kx.h_len};
	struct span sid = {a->session_id, a->session_id_len};
	size_t mlen = mac ? mac->key_len : 0;
	sd_err e = SD_OK;

	if (calg->iv_len > sizeof iv || calg->key_len > sizeof key || mlen > sizeof mkey)
		return SD_ERR_INTERNAL;
	memset(iv, 0, sizeof iv);
	memset(mkey, 0, sizeof mkey);
	if (calg->iv_len)
		e = kex_derive(m, k, h, sid, cs ? 'A' : 'B', iv, calg->iv_len);
	if (e == SD_OK && calg->key_len)
		e = kex_derive(m, k, h, sid, cs ? 'C' : 'D', key, calg->key_len);
	if (e == SD_OK && mlen)
		e = kex_derive(m, k, h, sid, cs ? 'E' : 'F', mkey, mlen);
	if (e == SD_OK)
		e = packet_dir_set_keys(d, encrypt, calg, key, iv, mac, mkey);
	wipe(iv, sizeof iv);
	wipe(key, sizeof key);
	wipe(mkey, sizeof mkey);
	return e;
}

static void round_done(struct actor *a)
{
	if (a->kx.tx_newkeys && a->kx.rx_newkeys)
		a->kex_count++;
}

sd_err actor_switch_tx(struct actor *a)
{
	struct actor_kx *kx = &a->kx;
	struct kex_method m;
	sd_err e;

	if (kx->tx_newkeys)
		return SD_OK; /* a second NEWKEYS in one round changes nothing */
	kx->tx_newkeys = true;
	if (!kx->neg_ok || kx->h_len == 0) {
		actor_note(a, "our NEWKEYS without a finished exchange: our packets stay unencrypted");
	} else {
		m = *actor_kex_method(a);
		/* MUT_KDF_HASH (the paramiko #356 pattern): our keys from
		 * another hash than the method's. */
		if (kx->kdf_hash >= 0) {
			m.hash = (enum kex_hash)kx->kdf_hash;
			actor_note(a, "deriving our outgoing keys with the wrong hash (kdf-hash %d)", kx->kdf_hash);
		}
		if ((e = derive_dir(a, &m, a->client, &a->tx, true)) != SD_OK)
			return e;
	}
	/* OpenSSH PROTOCOL strict kex: sequence numbers restart at NEWKEYS. */
	if (a->strict)
		packet_dir_reset_seqnr(&a->tx);
	round_done(a);
	return SD_OK;
}

sd_err actor_switch_rx(struct actor *a)
{
	struct actor_kx *kx = &a->kx;
	sd_err e;

	if (kx->rx_newkeys)
		return SD_OK;
	kx->rx_newkeys = true;
	if (kx->neg_ok && kx->h_len && kx->k_state == K_KNOWN && !kx->values_unknown) {
		if ((e = derive_dir(a, actor_kex_method(a), !a->client, &a->rx, false)) != SD_OK)
			return e;
		a->rxk = RXK_CHECKING;
	} else if (kx->k_state == K_UNPREDICTABLE || kx->values_unknown || !kx->neg_ok) {
		/* Our mutation made K unknowable, or the negotiation is one we
		 * cannot reproduce (a KEXINIT that does not parse, no common
		 * algorithm): no keys to hold the IUT to. */
		a->rxk = RXK_UNKNOWN;
		actor_note(a, "IUT NEWKEYS: its keys depend on values we cannot know");
	} else {
		a->rxk = RXK_MISSING;
		actor_note(a, "IUT NEWKEYS but the exchange gave us no keys");
	}
	if (a->strict)
		packet_dir_reset_seqnr(&a->rx);
	round_done(a);
	return SD_OK;
}

sd_err actor_sign(struct actor *a, const struct sigkey *key, const struct sig_alg *alg, int sig_hash,
		  struct span data, struct sbuf *blob)
{
	struct sig_alg alt;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;

	if (sig_hash < 0 || (alg->type != SIGKEY_ED25519 && sig_hash == SIG_HASH_NONE))
		return sigkey_sign(key, alg, &a->rng.base, data, blob);
	if (alg->type == SIGKEY_ED25519) {
		/* Ed25519 hashes internally: "another hash" means signing the
		 * digest instead of the data. */
		const EVP_MD *h = sig_hash_md((enum sig_hash)sig_hash);
		if (!h)
			return sigkey_sign(key, alg, &a->rng.base, data, blob);
		if (!EVP_Digest(data.len ? data.p : md, data.len, md, &md_len, h, NULL))
			return SD_ERR_INTERNAL;
		return sigkey_sign(key, alg, &a->rng.base, (struct span){md, md_len}, blob);
	}
	/* The PuTTY-CAC pattern: the negotiated name, another hash. */
	alt = *alg;
	alt.hash = (enum sig_hash)sig_hash;
	return sigkey_sign(key, &alt, &a->rng.base, data, blob);
}

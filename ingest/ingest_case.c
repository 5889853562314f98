/*
 * ingest_case.c — a case in which a peer seen in the field is the actor
 * (ingest.h): the IUT plays the other side, every backend is configured
 * with the captured peer's lists restricted to what the backends implement
 * (so every backend can run it), and the actor's KEXINIT carries the
 * peer's lists verbatim, unknown names included, through MUT_SET_FIELD on
 * the KEXINIT step (docs/case-format.md).  The actor negotiates from the
 * KEXINIT it actually sent (oracle/actor_build.c keeps the sent payload
 * for negotiation and H), as the IUT does, so unknown names are simply
 * skipped by both (RFC 4253 section 7.1).
 *
 * A step holds at most CASE_MAX_MUTATIONS (8) mutations, fewer than the
 * KEXINIT's 13 fields, so the fields that differ from what the actor would
 * send anyway are replayed in this order, and the rest are named in the
 * notes: first_kex_packet_follows (it changes the exchange), the kex list,
 * the peer's own-direction cipher, MAC and compression lists (what HASSH
 * fingerprints), the host key list, the other direction's lists, the
 * languages, reserved, the cookie.
 */
#include "ingest/field_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oracle/testkeys.h"
#include "proto/negotiate.h"

static const char strict_c[] = "kex-strict-c-v00@openssh.com";
static const char strict_s[] = "kex-strict-s-v00@openssh.com";

/* Notes for the case's comment lines, newline-separated. */
struct notes {
	char *buf;
	size_t size, len;
};

static void note(struct notes *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct notes *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (!n->buf || n->size == 0 || n->len + 1 >= n->size)
		return;
	if (n->len)
		n->buf[n->len++] = '\n';
	va_start(ap, fmt);
	w = vsnprintf(n->buf + n->len, n->size - n->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		n->len += (size_t)w < n->size - n->len ? (size_t)w : n->size - n->len - 1;
	n->buf[n->len] = '\0';
}

/* ---- what the backends implement (proto's registries: every backend runs
 * every name in them, corpus/scenarios proves it) ---- */

static bool impl_kex(struct span n)
{
	return kex_method_by_name(n) != NULL;
}

static bool impl_hostkey(struct span n)
{
	return sig_alg_by_name(n) != NULL;
}

static bool impl_cipher(struct span n)
{
	const struct cipher_alg *a = cipher_alg_by_name(n);

	return a && a->mode != CIPHER_NONE;
}

static bool impl_mac(struct span n)
{
	return mac_alg_by_name(n) != NULL;
}

/* The names of list that pass keep(), in order, into out (at most
 * CASE_NAME_MAX - 1 bytes: later names are dropped, *cut says so). */
static void restrict_list(struct span list, bool (*keep)(struct span), char out[CASE_NAME_MAX], bool *cut)
{
	size_t pos = 0, len = 0;
	struct span name;

	out[0] = '\0';
	*cut = false;
	while (namelist_next(list, &pos, &name)) {
		if (!keep(name) || namelist_contains((struct span){(const uint8_t *)out, len}, name))
			continue;
		if (len + (len ? 1 : 0) + name.len >= CASE_NAME_MAX) {
			*cut = true;
			continue;
		}
		if (len)
			out[len++] = ',';
		memcpy(out + len, name.p, name.len);
		len += name.len;
		out[len] = '\0';
	}
}

/* ---- the peer's lists ---- */

struct src {
	const struct field_conn *c;
	const struct field_proposal *p; /* the actor's (captured) side */
	bool client;                    /* the actor is the client */
	bool negotiated_only;           /* no proposal: the names the log says were chosen */
};

/* The list of category l the case takes for the actor's side, or an
 * empty span with *from_log false. */
static struct span side_list(const struct src *s, enum field_list l, enum field_list alt, bool *from_log)
{
	*from_log = true;
	if (!s->negotiated_only) {
		if (field_list_known(s->p, l))
			return field_list_span(s->p, l);
		if (field_list_known(s->p, alt))
			return field_list_span(s->p, alt);
	} else {
		const char *n = s->c->negotiated[l][0] ? s->c->negotiated[l] : s->c->negotiated[alt];
		if (n[0] && strcmp(n, "<implicit>") != 0)
			return span_cstr(n);
	}
	*from_log = false;
	return SPAN_NULL;
}

/* One case list: the peer's names the backends implement, or the default
 * when the source does not show the list. */
static sd_err case_list(const struct src *s, const char *what, enum field_list l, enum field_list alt,
			bool (*keep)(struct span), const char *dflt, char out[CASE_NAME_MAX], struct notes *n,
			char *err, size_t err_size, bool *from_log)
{
	struct span list = side_list(s, l, alt, from_log);
	bool cut;

	if (!*from_log) {
		snprintf(out, CASE_NAME_MAX, "%s", dflt);
		note(n, "%s: not in the source, default %s", what, dflt);
		return SD_OK;
	}
	restrict_list(list, keep, out, &cut);
	if (!out[0]) {
		snprintf(err, err_size, "the %s's %s list has nothing the backends implement: %.*s",
			 s->client ? "client" : "server", what, (int)(list.len > 300 ? 300 : list.len),
			 (const char *)list.p);
		return SD_ERR_UNSUPPORTED;
	}
	if (cut)
		note(n, "%s: more implemented names than fit in %d bytes; the case keeps the first ones", what,
		     CASE_NAME_MAX - 1);
	return SD_OK;
}

/* The host key algorithm the captured connection used, when known. */
static struct span captured_hostkey(const struct field_conn *c)
{
	struct span name;

	if (c->negotiated[FL_HOSTKEY][0] && sig_alg_by_name(span_cstr(c->negotiated[FL_HOSTKEY])))
		return span_cstr(c->negotiated[FL_HOSTKEY]);
	if (field_list_known(&c->client, FL_HOSTKEY) && field_list_known(&c->server, FL_HOSTKEY) &&
	    negotiate_pick(field_list_span(&c->client, FL_HOSTKEY), field_list_span(&c->server, FL_HOSTKEY), &name) &&
	    sig_alg_by_name(name))
		return name;
	return SPAN_NULL;
}

/*
 * The server's host key (whoever plays the server) is the test key of the
 * type the captured server used: with a server of that type the IUT server
 * (actor client) negotiates what the captured pair negotiated; the actor
 * server signs with it.  Unknown: the type of the first name of the
 * case's host key list.
 */
static void pick_host_key(const struct src *s, struct sshdiff_case *out, struct notes *n)
{
	struct span used = captured_hostkey(s->c), first;
	size_t pos = 0;

	if (used.len && namelist_contains(span_cstr(out->algs.hostkey), used)) {
		out->host_key = testkey_for_alg(used);
		return;
	}
	if (namelist_next(span_cstr(out->algs.hostkey), &pos, &first))
		out->host_key = testkey_for_alg(first);
	note(n, "host key: the captured host key algorithm is unknown; %s from the first host key algorithm",
	     case_key_name(out->host_key));
}

/* An IUT client checks the one test key the actor serves: its list keeps
 * only the algorithms of that key's type (the actor's KEXINIT still
 * carries the peer's whole list when it is replayed verbatim). */
static void server_hostkeys_of_type(struct sshdiff_case *out)
{
	char all[CASE_NAME_MAX];
	struct span name;
	size_t pos = 0, len = 0;
	enum sigkey_type t = testkey_type(out->host_key);

	memcpy(all, out->algs.hostkey, sizeof all);
	out->algs.hostkey[0] = '\0';
	while (namelist_next(span_cstr(all), &pos, &name)) {
		const struct sig_alg *a = sig_alg_by_name(name);
		if (!a || a->type != t)
			continue;
		if (len)
			out->algs.hostkey[len++] = ',';
		memcpy(out->algs.hostkey + len, name.p, name.len);
		len += name.len;
		out->algs.hostkey[len] = '\0';
	}
}

/* ---- the actor's KEXINIT ---- */

/* What the actor sends for a list when the step does not set it (the
 * documented defaults: case-format.md and oracle/actor_kex.c). */
static void actor_default(const struct sshdiff_case *k, bool client, enum field_list l, char *out, size_t size)
{
	switch (l) {
	case FL_KEX:
		snprintf(out, size, "%s%s%s%s%s", k->algs.kex, k->ext_info ? "," : "",
			 k->ext_info ? (client ? "ext-info-c" : "ext-info-s") : "", k->strict_kex ? "," : "",
			 k->strict_kex ? (client ? strict_c : strict_s) : "");
		return;
	case FL_HOSTKEY:
		snprintf(out, size, "%s", k->algs.hostkey);
		return;
	case FL_CIPHER_CS:
	case FL_CIPHER_SC:
		snprintf(out, size, "%s", k->algs.cipher);
		return;
	case FL_MAC_CS:
	case FL_MAC_SC:
		snprintf(out, size, "%s", k->algs.mac);
		return;
	case FL_COMP_CS:
	case FL_COMP_SC:
		snprintf(out, size, "none");
		return;
	default:
		out[0] = '\0';
		return;
	}
}

static int kexinit_step(const struct sshdiff_case *k)
{
	for (int i = 0; i < k->n_steps; i++)
		if (k->steps[i].kind == STEP_SEND && k->steps[i].msg == CM_KEXINIT)
			return i;
	return -1;
}

static bool add_mutation(struct case_step *st, const struct case_mutation *m)
{
	if (st->n_mutations >= CASE_MAX_MUTATIONS)
		return false;
	st->mutations[st->n_mutations++] = *m;
	return true;
}

/* Appends "name" to a comma-separated summary. */
static void add_name(char *buf, size_t size, const char *name)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? ", " : "", name);
}

static void verbatim(const struct src *s, struct sshdiff_case *out, struct notes *n)
{
	enum field_list own_c = s->client ? FL_CIPHER_CS : FL_CIPHER_SC, own_m = s->client ? FL_MAC_CS : FL_MAC_SC,
			own_z = s->client ? FL_COMP_CS : FL_COMP_SC, oth_c = s->client ? FL_CIPHER_SC : FL_CIPHER_CS,
			oth_m = s->client ? FL_MAC_SC : FL_MAC_CS, oth_z = s->client ? FL_COMP_SC : FL_COMP_CS;
	const enum field_list order[] = {FL_KEX, own_c, own_m, own_z, FL_HOSTKEY, oth_c, oth_m, oth_z, FL_LANG_CS,
					 FL_LANG_SC};
	int si = kexinit_step(out);
	struct case_step *st;
	struct case_mutation m;
	char done[256] = "", left[256] = "", dflt[600];

	if (si < 0 || s->negotiated_only)
		return;
	st = &out->steps[si];
	if (s->p->first_kex_follows) {
		memset(&m, 0, sizeof m);
		m.kind = MUT_GUESS;
		m.value = 1;
		if (add_mutation(st, &m))
			add_name(done, sizeof done, "first_kex_packet_follows");
	}
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		enum field_list l = order[i];
		struct span v = field_list_span(s->p, l);
		if (!field_list_known(s->p, l))
			continue;
		actor_default(out, s->client, l, dflt, sizeof dflt);
		if (span_eq_cstr(v, dflt))
			continue;
		if (v.len > CASE_MAX_DATA) {
			add_name(left, sizeof left, field_list_name(l));
			continue;
		}
		memset(&m, 0, sizeof m);
		m.kind = MUT_SET_FIELD;
		m.field = (uint8_t)(1 + l); /* case-format.md: KEXINIT field 1 is kex */
		m.data_len = (uint16_t)v.len;
		memcpy(m.data, v.p, v.len);
		if (add_mutation(st, &m))
			add_name(done, sizeof done, field_list_name(l));
		else
			add_name(left, sizeof left, field_list_name(l));
	}
	if (s->p->reserved) {
		memset(&m, 0, sizeof m);
		m.kind = MUT_SET_FIELD;
		m.field = 12;
		m.data_len = 4;
		for (int b = 0; b < 4; b++)
			m.data[b] = (uint8_t)(s->p->reserved >> (24 - 8 * b));
		if (add_mutation(st, &m))
			add_name(done, sizeof done, "reserved");
		else
			add_name(left, sizeof left, "reserved");
	}
	if (s->p->have_cookie) {
		memset(&m, 0, sizeof m);
		m.kind = MUT_SET_FIELD;
		m.field = 0;
		m.data_len = 16;
		memcpy(m.data, s->p->cookie, 16);
		if (add_mutation(st, &m))
			add_name(done, sizeof done, "cookie");
		else
			add_name(left, sizeof left, "cookie");
	}
	if (done[0])
		note(n, "the actor's KEXINIT carries the peer's %s verbatim", done);
	if (left[0])
		note(n, "not verbatim (%d mutations per step, %d bytes per value): %s; the actor sends its own values "
			"there",
		     CASE_MAX_MUTATIONS, CASE_MAX_DATA, left);
}

/*
 * first_kex_packet_follows from the actor client: the guessed packet is
 * the script's next send.  When the guess is wrong (RFC 4253 section 7: the
 * first kex or host key names differ) the IUT must ignore that packet, so
 * the script sends it twice, as the real client would send the right one
 * after the ignored guess.
 */
static void guess_script(const struct src *s, struct sshdiff_case *out, struct notes *n)
{
	struct msg_kexinit ck, sk;
	struct sshdiff_case iut = *out;
	char kex[600];
	int si = kexinit_step(out), next = -1;

	if (s->negotiated_only || !s->client || !s->p->first_kex_follows || si < 0)
		return;
	memset(&ck, 0, sizeof ck);
	memset(&sk, 0, sizeof sk);
	actor_default(out, true, FL_KEX, kex, sizeof kex);
	ck.lists[KEXINIT_KEX] = field_list_known(s->p, FL_KEX) ? field_list_span(s->p, FL_KEX) : span_cstr(kex);
	ck.lists[KEXINIT_HOSTKEY] = field_list_known(s->p, FL_HOSTKEY) ? field_list_span(s->p, FL_HOSTKEY)
								       : span_cstr(out->algs.hostkey);
	/* The IUT server offers the algorithms of its key's type. */
	server_hostkeys_of_type(&iut);
	sk.lists[KEXINIT_KEX] = span_cstr(iut.algs.kex);
	sk.lists[KEXINIT_HOSTKEY] = span_cstr(iut.algs.hostkey);
	if (negotiate_guess_right(&ck, &sk)) {
		note(n, "first_kex_packet_follows: the guess is right against the case's IUT server");
		return;
	}
	for (int i = si + 1; i < out->n_steps; i++)
		if (out->steps[i].kind == STEP_SEND) {
			next = i;
			break;
		}
	if (next < 0 || out->n_steps >= CASE_MAX_STEPS)
		return;
	memmove(&out->steps[next + 1], &out->steps[next], (size_t)(out->n_steps - next) * sizeof out->steps[0]);
	out->n_steps++;
	note(n, "first_kex_packet_follows: the guess is wrong against the case's IUT server, which must ignore "
		"the first %s (sent twice)",
	     case_msg_name(out->steps[next].msg));
}

/* Printable ASCII without CR LF (docs/case-format.md "Valid cases"). */
static bool printable(const char *v)
{
	if (!v[0])
		return false;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return false;
	return strlen(v) < CASE_NAME_MAX;
}

/* Deterministic: from the content itself (the hash of the case with seed 0). */
static sd_err content_seed(struct sshdiff_case *out)
{
	char hex[65];
	uint64_t seed = 0;
	sd_err e;

	out->seed = 0;
	if ((e = case_hash_hex(out, hex)) != SD_OK)
		return e;
	for (int i = 0; i < 16; i++)
		seed = seed << 4 | (uint64_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
	out->seed = seed ? seed : 1;
	return SD_OK;
}

static bool has_proposal(const struct field_proposal *p)
{
	return p->present && (p->lists_known[FL_KEX] || p->lists_known[FL_HOSTKEY] || p->lists_known[FL_CIPHER_CS] ||
			      p->lists_known[FL_CIPHER_SC] || p->lists_known[FL_MAC_CS] || p->lists_known[FL_MAC_SC]);
}

static bool has_negotiated(const struct field_conn *c)
{
	return c->negotiated[FL_KEX][0] || c->negotiated[FL_HOSTKEY][0] || c->negotiated[FL_CIPHER_CS][0] ||
	       c->negotiated[FL_CIPHER_SC][0];
}

sd_err ingest_case_build(const struct field_conn *c, bool client, struct sshdiff_case *out, char *why,
			 size_t why_size)
{
	struct notes n = {why, why_size, 0};
	struct src s = {.c = c, .p = client ? &c->client : &c->server, .client = client};
	const char *side = client ? "client" : "server";
	const char *version = client ? c->client_version : c->server_version;
	enum field_list own_c = client ? FL_CIPHER_CS : FL_CIPHER_SC, oth_c = client ? FL_CIPHER_SC : FL_CIPHER_CS,
			own_m = client ? FL_MAC_CS : FL_MAC_SC, oth_m = client ? FL_MAC_SC : FL_MAC_CS,
			own_z = client ? FL_COMP_CS : FL_COMP_SC, oth_z = client ? FL_COMP_SC : FL_COMP_CS;
	bool from_log, mac_from_log;
	char err[400] = "";
	sd_err e;

	if (why && why_size)
		why[0] = '\0';
	case_default(out, client ? CASE_IUT_SERVER : CASE_IUT_CLIENT);
	if (!has_proposal(s.p)) {
		if (!has_negotiated(c)) {
			snprintf(err, sizeof err, "the source shows no proposal from the %s and no negotiated algorithm",
				 side);
			e = SD_ERR_UNSUPPORTED;
			goto fail;
		}
		s.negotiated_only = true;
		note(&n, "negotiated algorithms only: the source shows no proposal lists from the %s", side);
	}
	if (printable(version))
		snprintf(out->actor_version, sizeof out->actor_version, "%s", version);
	else
		note(&n, "actor version: %s", version[0] ? "not printable ASCII, default" : "not in the source, default");

	/* Lists (RFC 4253 section 7.1), restricted to what the backends run. */
	if ((e = case_list(&s, "kex", FL_KEX, FL_KEX, impl_kex, "curve25519-sha256", out->algs.kex, &n, err,
			   sizeof err, &from_log)) != SD_OK ||
	    (e = case_list(&s, "hostkey", FL_HOSTKEY, FL_HOSTKEY, impl_hostkey, "ssh-ed25519", out->algs.hostkey, &n,
			   err, sizeof err, &from_log)) != SD_OK)
		goto fail;
	/* The MAC matters only with a non-AEAD cipher: when the source shows
	 * MACs but no ciphers, the default cipher is a CTR one. */
	side_list(&s, own_m, oth_m, &mac_from_log);
	if ((e = case_list(&s, "cipher", own_c, oth_c, impl_cipher,
			   mac_from_log ? "aes128-ctr" : "chacha20-poly1305@openssh.com", out->algs.cipher, &n, err,
			   sizeof err, &from_log)) != SD_OK)
		goto fail;
	e = case_list(&s, "mac", own_m, oth_m, impl_mac, "hmac-sha2-256", out->algs.mac, &n, err, sizeof err, &from_log);
	if (e == SD_ERR_UNSUPPORTED) {
		/* Only an AEAD cipher list can do without a MAC. */
		struct span cl = span_cstr(out->algs.cipher), name;
		size_t pos = 0;
		bool all_aead = true;
		while (namelist_next(cl, &pos, &name)) {
			const struct cipher_alg *a = cipher_alg_by_name(name);
			all_aead = all_aead && a && a->tag_len > 0;
		}
		if (!all_aead)
			goto fail;
		snprintf(out->algs.mac, sizeof out->algs.mac, "hmac-sha2-256");
		note(&n, "mac: none the backends implement, unused with AEAD ciphers: default hmac-sha2-256");
	} else if (e != SD_OK) {
		goto fail;
	}
	/* Every backend compresses with "none" only (RFC 4253 section 6.2). */
	if (!s.negotiated_only && (field_list_known(s.p, own_z) || field_list_known(s.p, oth_z))) {
		struct span z = field_list_span(s.p, field_list_known(s.p, own_z) ? own_z : oth_z);
		if (!namelist_contains(z, span_cstr("none"))) {
			snprintf(err, sizeof err, "the %s offers no compression 'none' (%.*s): no backend compresses",
				 side, (int)(z.len > 200 ? 200 : z.len), (const char *)z.p);
			e = SD_ERR_UNSUPPORTED;
			goto fail;
		}
	}
	/* Markers (OpenSSH PROTOCOL, RFC 8308): as the peer offered them.  A
	 * client's ext-info-c says it takes EXT_INFO; nothing in a server's
	 * KEXINIT says whether it sends one (ext-info-s only says it takes the
	 * client's), but servers with strict kex (2023 on) all implement RFC
	 * 8308, so either marker counts. */
	if (!s.negotiated_only && field_list_known(s.p, FL_KEX)) {
		struct span k = field_list_span(s.p, FL_KEX);
		out->strict_kex = namelist_contains(k, span_cstr(client ? strict_c : strict_s));
		out->ext_info = client ? namelist_contains(k, span_cstr("ext-info-c"))
				       : namelist_contains(k, span_cstr("ext-info-s")) || out->strict_kex;
	}
	pick_host_key(&s, out, &n);
	if (!client) {
		server_hostkeys_of_type(out);
		if (!out->algs.hostkey[0]) {
			snprintf(err, sizeof err, "no host key algorithm of the server fits a test key");
			e = SD_ERR_UNSUPPORTED;
			goto fail;
		}
	}
	case_default_script(out);
	verbatim(&s, out, &n);
	guess_script(&s, out, &n);
	return content_seed(out);
fail:
	if (why && why_size)
		snprintf(why, why_size, "%s", err);
	return e;
}

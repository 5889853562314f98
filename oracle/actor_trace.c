/*
 * actor_trace.c — the actor's event log (everything it sent and received,
 * and what it computed) and its rendering in the style people read from
 * `ssh -vvv`: one line per packet, the decoded fields that matter for the
 * handshake (KEXINIT lists, key-exchange values, userauth fields,
 * DISCONNECT reasons), then a hex dump of the payload, 16 bytes a line
 * with offsets.  Recording is cheap (a copy of the payload); decoding
 * happens only when a trace is asked for.
 */
#include "oracle/actor_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sd_err actor_ev_add(struct actor *a, enum actor_ev_kind kind, int step, int cm, struct span data)
{
	struct actor_ev *ev;

	if (a->n_ev == a->cap_ev) {
		size_t cap = a->cap_ev ? a->cap_ev * 2 : 32;
		if (!(ev = realloc(a->ev, cap * sizeof *ev)))
			return SD_ERR_NOMEM;
		a->ev = ev;
		a->cap_ev = cap;
	}
	ev = &a->ev[a->n_ev];
	memset(ev, 0, sizeof *ev);
	ev->kind = kind;
	ev->step = step;
	ev->cm = cm;
	sbuf_init(&ev->data);
	if (data.len) {
		sd_err e = sbuf_put(&ev->data, data.p, data.len);
		if (e != SD_OK)
			return e;
	}
	a->n_ev++;
	return SD_OK;
}

/* Notes are kept whole, however long (a name-list, an IUT's text). */
sd_err actor_note(struct actor *a, const char *fmt, ...)
{
	va_list ap;
	sd_err e = actor_ev_add(a, EV_NOTE, -1, -1, (struct span){NULL, 0});

	if (e != SD_OK)
		return e;
	va_start(ap, fmt);
	e = sbuf_vprintf(&a->ev[a->n_ev - 1].data, fmt, ap);
	va_end(ap);
	return e;
}

sd_err actor_note_hex(struct actor *a, const char *label, struct span bytes)
{
	sd_err e = actor_ev_add(a, EV_NOTE, -1, -1, (struct span){NULL, 0});
	struct sbuf *d = e == SD_OK ? &a->ev[a->n_ev - 1].data : NULL;

	static const char hex[] = "0123456789abcdef";
	uint8_t *w;

	if (e == SD_OK)
		e = sbuf_printf(d, "%s = ", label);
	if (e == SD_OK && bytes.len)
		e = sbuf_reserve(d, 2 * bytes.len, &w);
	for (size_t i = 0; i < bytes.len && e == SD_OK; i++) {
		w[2 * i] = (uint8_t)hex[bytes.p[i] >> 4];
		w[2 * i + 1] = (uint8_t)hex[bytes.p[i] & 15];
	}
	return e;
}

void actor_ev_free_all(struct actor *a)
{
	for (size_t i = 0; i < a->n_ev; i++)
		sbuf_free(&a->ev[i].data);
	free(a->ev);
	a->ev = NULL;
	a->n_ev = a->cap_ev = 0;
}

/* ---- rendering ---- */

/* Bytes as text, non-printable ones escaped, then a newline. */
static sd_err put_escaped(struct sbuf *out, struct span s)
{
	sd_err e = SD_OK;

	for (size_t i = 0; i < s.len && e == SD_OK; i++) {
		uint8_t ch = s.p[i];
		e = ch >= 0x20 && ch < 0x7f && ch != '\\' ? sbuf_put_u8(out, ch) : sbuf_printf(out, "\\x%02x", ch);
	}
	return e == SD_OK ? sbuf_put_u8(out, '\n') : e;
}

/* "    label: bytes", a decoded field. */
static sd_err put_text(struct sbuf *out, const char *label, struct span s)
{
	sd_err e = sbuf_printf(out, "    %s: ", label);

	return e == SD_OK ? put_escaped(out, s) : e;
}

static sd_err put_hexline(struct sbuf *out, const char *label, struct span s)
{
	sd_err e = sbuf_printf(out, "    %s (%zu bytes): ", label, s.len);
	size_t n = s.len < 64 ? s.len : 64;

	for (size_t i = 0; i < n && e == SD_OK; i++)
		e = sbuf_printf(out, "%02x", s.p[i]);
	if (e == SD_OK && n < s.len)
		e = sbuf_put(out, "...", 3);
	return e == SD_OK ? sbuf_put_u8(out, '\n') : e;
}

/* Hex dump, 16 bytes a line: offset, bytes, printable characters. */
static sd_err put_dump(struct sbuf *out, struct span s)
{
	sd_err e = SD_OK;

	for (size_t off = 0; off < s.len && e == SD_OK; off += 16) {
		char ascii[17];
		size_t n = s.len - off < 16 ? s.len - off : 16;
		e = sbuf_printf(out, "    %04zx ", off);
		for (size_t i = 0; i < 16 && e == SD_OK; i++)
			e = i < n ? sbuf_printf(out, " %02x", s.p[off + i]) : sbuf_put(out, "   ", 3);
		for (size_t i = 0; i < n; i++)
			ascii[i] = s.p[off + i] >= 0x20 && s.p[off + i] < 0x7f ? (char)s.p[off + i] : '.';
		ascii[n] = '\0';
		if (e == SD_OK)
			e = sbuf_printf(out, "  |%s|\n", ascii);
	}
	return e;
}

static const char *const kexinit_names[KEXINIT_NLISTS] = {
	"kex_algorithms", "server_host_key_algorithms", "encryption_algorithms_client_to_server",
	"encryption_algorithms_server_to_client", "mac_algorithms_client_to_server", "mac_algorithms_server_to_client",
	"compression_algorithms_client_to_server", "compression_algorithms_server_to_client",
	"languages_client_to_server", "languages_server_to_client",
};

static sd_err decode_kexinit(struct sbuf *out, struct span p)
{
	struct msg_kexinit k;
	sd_err e;

	if (msg_kexinit_parse(p, &k) != SD_OK)
		return sbuf_printf(out, "    (does not parse)\n");
	e = put_hexline(out, "cookie", (struct span){k.cookie, sizeof k.cookie});
	for (int i = 0; i < KEXINIT_NLISTS && e == SD_OK; i++)
		e = put_text(out, kexinit_names[i], k.lists[i]);
	if (e == SD_OK)
		e = sbuf_printf(out, "    first_kex_packet_follows: %u, reserved: %u\n", k.first_kex_follows, k.reserved);
	return e;
}

/* Key-exchange messages: the family decides the layout. */
static sd_err decode_kex(struct actor *a, struct sbuf *out, int cm, struct span p)
{
	enum kex_family fam = actor_kex_method(a)->family;
	bool mp = fam == KEX_FAMILY_DH || fam == KEX_FAMILY_GEX;

	switch (cm) {
	case CM_KEX_INIT: {
		struct msg_kex_init m;
		sd_err e = fam == KEX_FAMILY_DH ? msg_kexdh_init_parse(p, &m)
			   : fam == KEX_FAMILY_GEX ? msg_gex_init_parse(p, &m) : msg_ecdh_init_parse(p, &m);
		return e == SD_OK ? put_hexline(out, mp ? "e" : "Q_C", m.pub) : sbuf_printf(out, "    (does not parse)\n");
	}
	case CM_KEX_REPLY: {
		struct msg_kex_reply m;
		struct msg_signature sig;
		sd_err e = fam == KEX_FAMILY_DH ? msg_kexdh_reply_parse(p, &m)
			   : fam == KEX_FAMILY_GEX ? msg_gex_reply_parse(p, &m) : msg_ecdh_reply_parse(p, &m);
		if (e != SD_OK)
			return sbuf_printf(out, "    (does not parse)\n");
		e = put_hexline(out, "K_S", m.hostkey);
		if (e == SD_OK)
			e = put_hexline(out, mp ? "f" : "Q_S", m.pub);
		if (e == SD_OK && msg_signature_parse(m.sig, &sig) == SD_OK)
			e = put_text(out, "signature algorithm", sig.alg);
		return e == SD_OK ? put_hexline(out, "signature", m.sig) : e;
	}
	case CM_GEX_REQUEST: {
		struct msg_gex_request r;
		if (msg_gex_request_parse(p, &r) != SD_OK)
			return sbuf_printf(out, "    (does not parse)\n");
		return r.old ? sbuf_printf(out, "    n: %u (old request)\n", r.n)
			     : sbuf_printf(out, "    min: %u, n: %u, max: %u\n", r.min, r.n, r.max);
	}
	case CM_GEX_GROUP: {
		struct msg_gex_group g;
		if (msg_gex_group_parse(p, &g) != SD_OK)
			return sbuf_printf(out, "    (does not parse)\n");
		sd_err e = put_hexline(out, "p", g.p);
		return e == SD_OK ? put_hexline(out, "g", g.g) : e;
	}
	default:
		return SD_OK;
	}
}

static sd_err decode_userauth(struct sbuf *out, struct span p)
{
	struct msg_userauth_request r;
	sd_err e;

	if (msg_userauth_request_parse(p, &r) != SD_OK)
		return sbuf_printf(out, "    (does not parse)\n");
	if ((e = put_text(out, "user", r.user)) != SD_OK || (e = put_text(out, "service", r.service)) != SD_OK ||
	    (e = put_text(out, "method", r.method)) != SD_OK)
		return e;
	if (r.kind == USERAUTH_PUBLICKEY) {
		e = sbuf_printf(out, "    has_signature: %u\n", r.has_sig);
		if (e == SD_OK)
			e = put_text(out, "algorithm", r.alg);
		if (e == SD_OK && r.has_sig)
			e = put_hexline(out, "signature", r.sig);
	}
	return e;
}

static sd_err decode(struct actor *a, struct sbuf *out, const struct actor_ev *ev)
{
	struct span p = sbuf_span(&ev->data);

	switch (ev->cm) {
	case CM_KEXINIT:
		return decode_kexinit(out, p);
	case CM_KEX_INIT:
	case CM_KEX_REPLY:
	case CM_GEX_REQUEST:
	case CM_GEX_GROUP:
		return decode_kex(a, out, ev->cm, p);
	case CM_USERAUTH_NONE:
	case CM_USERAUTH_PASSWORD:
	case CM_USERAUTH_PK_QUERY:
	case CM_USERAUTH_PK_SIGNED:
		return decode_userauth(out, p);
	case CM_SERVICE_REQUEST:
	case CM_SERVICE_ACCEPT: {
		struct msg_service s;
		if (msg_service_parse(p, p.p[0], &s) != SD_OK)
			return SD_OK;
		return put_text(out, "service", s.name);
	}
	case CM_USERAUTH_FAILURE: {
		struct msg_userauth_failure f;
		if (msg_userauth_failure_parse(p, &f) != SD_OK)
			return SD_OK;
		sd_err e = put_text(out, "methods that can continue", f.methods);
		return e == SD_OK ? sbuf_printf(out, "    partial success: %u\n", f.partial) : e;
	}
	case CM_DISCONNECT: {
		struct msg_disconnect d;
		if (msg_disconnect_parse(p, &d) != SD_OK)
			return SD_OK;
		sd_err e = sbuf_printf(out, "    reason: %u\n", d.reason);
		return e == SD_OK ? put_text(out, "description", d.description) : e;
	}
	case CM_EXT_INFO: {
		struct msg_ext_info x;
		sd_err e = SD_OK;
		if (msg_ext_info_parse(p, &x) != SD_OK)
			return SD_OK;
		for (uint32_t i = 0; i < x.count && e == SD_OK; i++) {
			e = put_text(out, "extension", x.names[i]);
			if (e == SD_OK)
				e = put_text(out, "value", x.values[i]);
		}
		return e;
	}
	case CM_UNIMPLEMENTED: {
		struct msg_unimplemented u;
		if (msg_unimplemented_parse(p, &u) != SD_OK)
			return SD_OK;
		return sbuf_printf(out, "    packet sequence number: %u\n", u.seq);
	}
	default:
		return SD_OK;
	}
}

static const char *ev_name(const struct actor_ev *ev)
{
	if (ev->cm >= 0)
		return case_msg_name((enum case_msg)ev->cm);
	return ev->data.len ? msg_name(ev->data.data[0]) : "(empty)";
}

/* The IUT's host key signature over our H (EV_HOSTSIG). */
static sd_err render_hostsig(struct actor *a, struct sbuf *out, struct span d)
{
	const struct sig_alg *alg = actor_hostkey_alg(a);
	struct sview v = sview_make(d.p, d.len);
	struct span ks, sig, h;
	struct sigkey *hk = NULL;
	sd_err e = sview_get_string(&v, &ks);

	if (e == SD_OK)
		e = sview_get_string(&v, &sig);
	if (e == SD_OK)
		e = sview_get_bytes(&v, sview_left(&v), &h);
	if (e == SD_OK)
		e = sigkey_from_blob(ks, &hk);
	if (e == SD_OK)
		e = alg ? sigkey_verify(hk, alg, sig, h) : SD_ERR_UNSUPPORTED;
	sigkey_free(hk);
	if (e == SD_ERR_NOMEM)
		return e;
	return sbuf_printf(out, "actor: IUT host key signature: %s\n", e == SD_OK ? "verifies" : sd_err_rule(e));
}

static sd_err render(struct actor *a, struct sbuf *out, const struct actor_ev *ev)
{
	struct span d = sbuf_span(&ev->data);
	sd_err e;

	switch (ev->kind) {
	case EV_VERSION_OUT:
	case EV_VERSION_IN:
		e = sbuf_printf(out, "%s identification: ", ev->kind == EV_VERSION_OUT ? "actor>" : "iut<");
		return e == SD_OK ? put_escaped(out, d) : e;
	case EV_NOTE:
		return sbuf_printf(out, "actor: %.*s\n", (int)d.len, (const char *)d.p);
	case EV_HOSTSIG:
		return render_hostsig(a, out, d);
	case EV_RAW:
		e = sbuf_printf(out, "actor> raw bytes (%zu bytes) [step %d]\n", d.len, ev->step);
		return e == SD_OK ? put_dump(out, d) : e;
	case EV_SENT:
	case EV_DROPPED:
	case EV_RECV:
		break;
	}
	if (ev->kind == EV_RECV)
		e = sbuf_printf(out, "iut< %s (%zu bytes) [msg %u, seq %u%s]\n", ev_name(ev), d.len, d.len ? d.p[0] : 0,
			    ev->seqnr, ev->plain ? ", plain" : "");
	else if (ev->kind == EV_DROPPED)
		e = sbuf_printf(out, "actor> %s (%zu bytes) [step %d, built and DROPPED]\n", ev_name(ev), d.len, ev->step);
	else
		e = sbuf_printf(out, "actor> %s (%zu bytes) [step %d, msg %u, seq %u, %zu on the wire%s]\n", ev_name(ev),
			    d.len, ev->step, d.len ? d.p[0] : 0, ev->seqnr, ev->wire_len, ev->plain ? ", plain" : "");
	if (e == SD_OK && d.len)
		e = decode(a, out, ev);
	return e == SD_OK ? put_dump(out, d) : e;
}

/* actor_set_trace_sink: process-global, so backends need not know. */
static struct sbuf *trace_sink;

void actor_set_trace_sink(struct sbuf *sink)
{
	trace_sink = sink;
}

void actor_trace_to_sink(const struct actor *a)
{
	if (trace_sink)
		actor_trace(a, trace_sink);
}

sd_err actor_trace(const struct actor *a, struct sbuf *out)
{
	/* Decoding needs the method in use (to tell KEXDH_REPLY from
	 * GEX_GROUP); that lookup does not change the actor. */
	struct actor *m = (struct actor *)a;
	sd_err e = SD_OK;

	for (size_t i = 0; i < a->n_ev && e == SD_OK; i++)
		e = render(m, out, &a->ev[i]);
	if (e == SD_OK)
		e = sbuf_printf(out, "actor: outcome: %s\n", a->outcome[0] ? a->outcome : "-");
	return e;
}

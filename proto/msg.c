/*
 * msg.c — parse and serialise the handshake and authentication messages.
 *
 * Every parser reads with wire.h only, so the canonical-encoding rules live
 * there; this file knows the field order of each message and nothing else.
 * Fields that could be re-encoded in more than one way (booleans, mpints) are
 * kept as their raw wire bytes, which is what makes put(parse(b)) == b hold.
 */
#include "msg.h"

#include <string.h>

/* ---- names for traces ---- */

#define D10(p) p "0", p "1", p "2", p "3", p "4", p "5", p "6", p "7", p "8", p "9"

/* "MSG<n>" for every number, fully static so msg_name() needs no
 * initialisation and is safe from any thread. */
static const char *const unknown_names[] = {
	D10("MSG"),
	D10("MSG1"), D10("MSG2"), D10("MSG3"), D10("MSG4"), D10("MSG5"),
	D10("MSG6"), D10("MSG7"), D10("MSG8"), D10("MSG9"),
	D10("MSG10"), D10("MSG11"), D10("MSG12"), D10("MSG13"), D10("MSG14"),
	D10("MSG15"), D10("MSG16"), D10("MSG17"), D10("MSG18"), D10("MSG19"),
	D10("MSG20"), D10("MSG21"), D10("MSG22"), D10("MSG23"), D10("MSG24"),
	"MSG250", "MSG251", "MSG252", "MSG253", "MSG254", "MSG255",
};
_Static_assert(sizeof unknown_names / sizeof unknown_names[0] == 256, "one name per number");

#undef D10

/* RFC 4250 section 4.1.2 and RFC 8308 section 2.3.  Numbers 30-49 belong to
 * the KEX method (RFC 4250 section 4.1.2), so they are named by number. */
static const char *const known_names[256] = {
	[MSG_DISCONNECT] = "DISCONNECT",
	[MSG_IGNORE] = "IGNORE",
	[MSG_UNIMPLEMENTED] = "UNIMPLEMENTED",
	[MSG_DEBUG] = "DEBUG",
	[MSG_SERVICE_REQUEST] = "SERVICE_REQUEST",
	[MSG_SERVICE_ACCEPT] = "SERVICE_ACCEPT",
	[MSG_EXT_INFO] = "EXT_INFO",
	[MSG_KEXINIT] = "KEXINIT",
	[MSG_NEWKEYS] = "NEWKEYS",
	[30] = "KEX30",
	[31] = "KEX31",
	[32] = "KEX32",
	[33] = "KEX33",
	[34] = "KEX34",
	[MSG_USERAUTH_REQUEST] = "USERAUTH_REQUEST",
	[MSG_USERAUTH_FAILURE] = "USERAUTH_FAILURE",
	[MSG_USERAUTH_SUCCESS] = "USERAUTH_SUCCESS",
	[MSG_USERAUTH_BANNER] = "USERAUTH_BANNER",
	[MSG_USERAUTH_PK_OK] = "USERAUTH_PK_OK",
	[MSG_GLOBAL_REQUEST] = "GLOBAL_REQUEST",
	[MSG_REQUEST_SUCCESS] = "REQUEST_SUCCESS",
	[MSG_REQUEST_FAILURE] = "REQUEST_FAILURE",
	[MSG_CHANNEL_OPEN] = "CHANNEL_OPEN",
	[MSG_CHANNEL_OPEN_CONFIRMATION] = "CHANNEL_OPEN_CONFIRMATION",
	[MSG_CHANNEL_OPEN_FAILURE] = "CHANNEL_OPEN_FAILURE",
	[93] = "CHANNEL_WINDOW_ADJUST",
	[94] = "CHANNEL_DATA",
	[95] = "CHANNEL_EXTENDED_DATA",
	[96] = "CHANNEL_EOF",
	[MSG_CHANNEL_CLOSE] = "CHANNEL_CLOSE",
	[98] = "CHANNEL_REQUEST",
	[99] = "CHANNEL_SUCCESS",
	[100] = "CHANNEL_FAILURE",
};

const char *msg_name(uint8_t number)
{
	return known_names[number] ? known_names[number] : unknown_names[number];
}

/* ---- shared helpers ---- */

/* Opens a payload for reading and checks its message number (RFC 4253
 * section 6: the payload starts with it). */
static sd_err msg_begin(struct span payload, uint8_t number, struct sview *v)
{
	uint8_t got;
	*v = sview_make(payload.p, payload.len);
	if (payload.len == 0)
		return SD_ERR_EMPTY_PAYLOAD;
	sd_err e = sview_get_u8(v, &got);
	if (e == SD_OK && got != number)
		e = SD_ERR_UNEXPECTED_MESSAGE;
	return e;
}

/* Last step of every parser: a field error wins, else nothing may be left. */
static sd_err msg_end(const struct sview *v, sd_err e)
{
	return e == SD_OK ? sview_end(v) : e;
}

/* Last step of every serialiser: on failure take back what was appended, so
 * a caller never sends half a message. */
static sd_err put_end(struct sbuf *out, size_t start, sd_err e)
{
	if (e != SD_OK && out->len > start) {
		wipe(out->data + start, out->len - start);
		out->len = start;
	}
	return e;
}

/* Reads one public value: mpint (DH, GEX) or string (ECDH, X25519). */
typedef sd_err (*pub_reader)(struct sview *v, struct span *out);

/* ---- KEXINIT, RFC 4253 section 7.1 ---- */

sd_err msg_kexinit_parse(struct span payload, struct msg_kexinit *m)
{
	struct sview v;
	struct span cookie;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, MSG_KEXINIT, &v);
	if (e == SD_OK)
		e = sview_get_bytes(&v, sizeof m->cookie, &cookie);
	if (e == SD_OK)
		memcpy(m->cookie, cookie.p, sizeof m->cookie);
	for (int i = 0; i < KEXINIT_NLISTS && e == SD_OK; i++)
		e = sview_get_namelist(&v, &m->lists[i]);
	if (e == SD_OK)
		e = sview_get_bool(&v, &m->first_kex_follows);
	/* Any reserved value parses; the machine decides what 0 means. */
	if (e == SD_OK)
		e = sview_get_u32(&v, &m->reserved);
	return msg_end(&v, e);
}

sd_err msg_kexinit_put(struct sbuf *out, const struct msg_kexinit *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, MSG_KEXINIT);
	if (e == SD_OK)
		e = sbuf_put(out, m->cookie, sizeof m->cookie);
	for (int i = 0; i < KEXINIT_NLISTS && e == SD_OK; i++)
		e = sbuf_put_span(out, m->lists[i]);
	if (e == SD_OK)
		e = sbuf_put_u8(out, m->first_kex_follows);
	if (e == SD_OK)
		e = sbuf_put_u32(out, m->reserved);
	return put_end(out, start, e);
}

/* ---- KEX init: RFC 4253 section 8, RFC 4419 section 3, RFC 5656 section 4 ---- */

static sd_err kex_init_parse(struct span payload, uint8_t number, pub_reader get,
			     struct msg_kex_init *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, number, &v);
	if (e == SD_OK)
		e = get(&v, &m->pub);
	return msg_end(&v, e);
}

/* The span already is the mpint content or the string, so both write it as
 * a string unchanged. */
static sd_err kex_init_put(struct sbuf *out, uint8_t number, const struct msg_kex_init *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, number);
	if (e == SD_OK)
		e = sbuf_put_span(out, m->pub);
	return put_end(out, start, e);
}

sd_err msg_kexdh_init_parse(struct span payload, struct msg_kex_init *m)
{
	return kex_init_parse(payload, MSG_KEXDH_INIT, sview_get_mpint_positive, m);
}

sd_err msg_kexdh_init_put(struct sbuf *out, const struct msg_kex_init *m)
{
	return kex_init_put(out, MSG_KEXDH_INIT, m);
}

sd_err msg_gex_init_parse(struct span payload, struct msg_kex_init *m)
{
	return kex_init_parse(payload, MSG_KEX_DH_GEX_INIT, sview_get_mpint_positive, m);
}

sd_err msg_gex_init_put(struct sbuf *out, const struct msg_kex_init *m)
{
	return kex_init_put(out, MSG_KEX_DH_GEX_INIT, m);
}

sd_err msg_ecdh_init_parse(struct span payload, struct msg_kex_init *m)
{
	return kex_init_parse(payload, MSG_KEXDH_INIT, sview_get_string, m);
}

sd_err msg_ecdh_init_put(struct sbuf *out, const struct msg_kex_init *m)
{
	return kex_init_put(out, MSG_KEXDH_INIT, m);
}

/* ---- KEX reply: string K_S, f or Q_S, string signature ---- */

static sd_err kex_reply_parse(struct span payload, uint8_t number, pub_reader get,
			      struct msg_kex_reply *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, number, &v);
	if (e == SD_OK)
		e = sview_get_string(&v, &m->hostkey);
	if (e == SD_OK)
		e = get(&v, &m->pub);
	if (e == SD_OK)
		e = sview_get_string(&v, &m->sig);
	return msg_end(&v, e);
}

static sd_err kex_reply_put(struct sbuf *out, uint8_t number, const struct msg_kex_reply *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, number);
	if (e == SD_OK)
		e = sbuf_put_span(out, m->hostkey);
	if (e == SD_OK)
		e = sbuf_put_span(out, m->pub);
	if (e == SD_OK)
		e = sbuf_put_span(out, m->sig);
	return put_end(out, start, e);
}

sd_err msg_kexdh_reply_parse(struct span payload, struct msg_kex_reply *m)
{
	return kex_reply_parse(payload, MSG_KEXDH_REPLY, sview_get_mpint_positive, m);
}

sd_err msg_kexdh_reply_put(struct sbuf *out, const struct msg_kex_reply *m)
{
	return kex_reply_put(out, MSG_KEXDH_REPLY, m);
}

sd_err msg_gex_reply_parse(struct span payload, struct msg_kex_reply *m)
{
	return kex_reply_parse(payload, MSG_KEX_DH_GEX_REPLY, sview_get_mpint_positive, m);
}

sd_err msg_gex_reply_put(struct sbuf *out, const struct msg_kex_reply *m)
{
	return kex_reply_put(out, MSG_KEX_DH_GEX_REPLY, m);
}

sd_err msg_ecdh_reply_parse(struct span payload, struct msg_kex_reply *m)
{
	return kex_reply_parse(payload, MSG_KEXDH_REPLY, sview_get_string, m);
}

sd_err msg_ecdh_reply_put(struct sbuf *out, const struct msg_kex_reply *m)
{
	return kex_reply_put(out, MSG_KEXDH_REPLY, m);
}

/* ---- group exchange, RFC 4419 section 3 and 5 ---- */

sd_err msg_gex_request_parse(struct span payload, struct msg_gex_request *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	/* The number tells the two forms apart: 30 carries n only. */
	m->old = payload.len > 0 && payload.p[0] == MSG_KEX_DH_GEX_REQUEST_OLD;
	sd_err e = msg_begin(payload, m->old ? MSG_KEX_DH_GEX_REQUEST_OLD : MSG_KEX_DH_GEX_REQUEST, &v);
	if (e == SD_OK && !m->old)
		e = sview_get_u32(&v, &m->min);
	if (e == SD_OK)
		e = sview_get_u32(&v, &m->n);
	if (e == SD_OK && !m->old)
		e = sview_get_u32(&v, &m->max);
	return msg_end(&v, e);
}

sd_err msg_gex_request_put(struct sbuf *out, const struct msg_gex_request *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, m->old ? MSG_KEX_DH_GEX_REQUEST_OLD : MSG_KEX_DH_GEX_REQUEST);
	if (e == SD_OK && !m->old)
		e = sbuf_put_u32(out, m->min);
	if (e == SD_OK)
		e = sbuf_put_u32(out, m->n);
	if (e == SD_OK && !m->old)
		e = sbuf_put_u32(out, m->max);
	return put_end(out, start, e);
}

sd_err msg_gex_group_parse(struct span payload, struct msg_gex_group *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, MSG_KEX_DH_GEX_GROUP, &v);
	if (e == SD_OK)
		e = sview_get_mpint_positive(&v, &m->p);
	if (e == SD_OK)
		e = sview_get_mpint_positive(&v, &m->g);
	return msg_end(&v, e);
}

sd_err msg_gex_group_put(struct sbuf *out, const struct msg_gex_group *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, MSG_KEX_DH_GEX_GROUP);
	if (e == SD_OK)
		e = sbuf_put_span(out, m->p);
	if (e == SD_OK)
		e = sbuf_put_span(out, m->g);
	return put_end(out, start, e);
}

/* ---- messages without fields: NEWKEYS, USERAUTH_SUCCESS ---- */

sd_err msg_empty_parse(struct span payload, uint8_t number)
{
	struct sview v;
	sd_err e = msg_begin(payload, number, &v);
	return msg_end(&v, e);
}

sd_err msg_empty_put(struct sbuf *out, uint8_t number)
{
	return sbuf_put_u8(out, number);
}

/* ---- SERVICE_REQUEST / SERVICE_ACCEPT, RFC 4253 section 10 ---- */

sd_err msg_service_parse(struct span payload, uint8_t number, struct msg_service *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, number, &v);
	if (e == SD_OK)
		e = sview_get_string(&v, &m->name);
	return msg_end(&v, e);
}

sd_err msg_service_put(struct sbuf *out, uint8_t number, const struct msg_service *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, number);
	if (e == SD_OK)
		e = sbuf_put_span(out, m->name);
	return put_end(out, start, e);
}

/* ---- EXT_INFO, RFC 8308 section 2.3 ---- */

sd_err msg_ext_info_parse(struct span payload, struct msg_ext_info *m)
{
	struct sview v;
	uint32_t count = 0;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, MSG_EXT_INFO, &v);
	if (e == SD_OK)
		e = sview_get_u32(&v, &count);
	/* Refuse rather than drop extensions: a silently shortened list would
	 * re-encode to different bytes and hide what the peer sent. */
	if (e == SD_OK && count > MSG_EXT_INFO_MAX)
		e = SD_ERR_LIMIT;
	for (uint32_t i = 0; i < count && e == SD_OK; i++) {
		e = sview_get_string(&v, &m->names[i]);
		/* Values are opaque strings except where an extension defines
		 * them: server-sig-algs is a name-list (RFC 8308 section 3.1),
		 * so RFC 4251 section 5's rules hold as for any other. */
		if (e == SD_OK && span_eq_cstr(m->names[i], "server-sig-algs"))
			e = sview_get_namelist(&v, &m->values[i]);
		else if (e == SD_OK)
			e = sview_get_string(&v, &m->values[i]);
	}
	if (e == SD_OK)
		m->count = count;
	return msg_end(&v, e);
}

sd_err msg_ext_info_put(struct sbuf *out, const struct msg_ext_info *m)
{
	if (m->count > MSG_EXT_INFO_MAX)
		return SD_ERR_LIMIT;
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, MSG_EXT_INFO);
	if (e == SD_OK)
		e = sbuf_put_u32(out, m->count);
	for (uint32_t i = 0; i < m->count && e == SD_OK; i++) {
		e = sbuf_put_span(out, m->names[i]);
		if (e == SD_OK)
			e = sbuf_put_span(out, m->values[i]);
	}
	return put_end(out, start, e);
}

/* ---- USERAUTH_REQUEST, RFC 4252 sections 5, 7, 8 ---- */

/* publickey (section 7): boolean, alg, key blob, and the signature only
 * when the boolean is TRUE (any non-zero byte, RFC 4251 section 5). */
static sd_err userauth_publickey_parse(struct sview *v, struct msg_userauth_request *m)
{
	sd_err e = sview_get_bool(v, &m->has_sig);
	if (e == SD_OK)
		e = sview_get_string(v, &m->alg);
	if (e == SD_OK)
		e = sview_get_string(v, &m->key);
	if (e == SD_OK && m->has_sig)
		e = sview_get_string(v, &m->sig);
	return e;
}

/* password (section 8): boolean, password, and the new password only when
 * the boolean is TRUE. */
static sd_err userauth_password_parse(struct sview *v, struct msg_userauth_request *m)
{
	sd_err e = sview_get_bool(v, &m->change);
	if (e == SD_OK)
		e = sview_get_string(v, &m->password);
	if (e == SD_OK && m->change)
		e = sview_get_string(v, &m->new_password);
	return e;
}

sd_err msg_userauth_request_parse(struct span payload, struct msg_userauth_request *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, MSG_USERAUTH_REQUEST, &v);
	if (e == SD_OK)
		e = sview_get_string(&v, &m->user);
	if (e == SD_OK)
		e = sview_get_string(&v, &m->service);
	if (e == SD_OK)
		e = sview_get_string(&v, &m->method);
	if (e != SD_OK)
		return e;
	if (span_eq_cstr(m->method, "none")) {
		m->kind = USERAUTH_NONE;
	} else if (span_eq_cstr(m->method, "password")) {
		m->kind = USERAUTH_PASSWORD;
		e = userauth_password_parse(&v, m);
	} else if (span_eq_cstr(m->method, "publickey")) {
		m->kind = USERAUTH_PUBLICKEY;
		e = userauth_publickey_parse(&v, m);
	} else {
		/* Methods we do not speak: keep their fields opaque, whole. */
		m->kind = USERAUTH_OTHER;
		m->rest = (struct span){v.p + v.off, sview_left(&v)};
		return SD_OK;
	}
	return msg_end(&v, e);
}

sd_err msg_userauth_request_put(struct sbuf *out, const struct msg_userauth_request *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, MSG_USERAUTH_REQUEST);
	if (e == SD_OK)
		e = sbuf_put_span(out, m->user);
	if (e == SD_OK)
		e = sbuf_put_span(out, m->service);
	if (e == SD_OK)
		e = sbuf_put_span(out, m->method);
	if (e != SD_OK)
		return put_end(out, start, e);
	/* The fields follow kind, not the method name, so a test can send a
	 * method name with another method's fields. */
	switch (m->kind) {
	case USERAUTH_NONE:
		break;
	case USERAUTH_PASSWORD:
		e = sbuf_put_u8(out, m->change);
		if (e == SD_OK)
			e = sbuf_put_span(out, m->password);
		if (e == SD_OK && m->change)
			e = sbuf_put_span(out, m->new_password);
		break;
	case USERAUTH_PUBLICKEY:
		e = sbuf_put_u8(out, m->has_sig);
		if (e == SD_OK)
			e = sbuf_put_span(out, m->alg);
		if (e == SD_OK)
			e = sbuf_put_span(out, m->key);
		if (e == SD_OK && m->has_sig)
			e = sbuf_put_span(out, m->sig);
		break;
	case USERAUTH_OTHER:
		e = sbuf_put(out, m->rest.p, m->rest.len);
		break;
	default:
		e = SD_ERR_INVALID_ARG;
		break;
	}
	return put_end(out, start, e);
}

/* ---- USERAUTH_FAILURE, _BANNER, _PK_OK: RFC 4252 sections 5.1, 5.4, 7 ---- */

sd_err msg_userauth_failure_parse(struct span payload, struct msg_userauth_failure *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, MSG_USERAUTH_FAILURE, &v);
	if (e == SD_OK)
		e = sview_get_namelist(&v, &m->methods);
	if (e == SD_OK)
		e = sview_get_bool(&v, &m->partial);
	return msg_end(&v, e);
}

sd_err msg_userauth_failure_put(struct sbuf *out, const struct msg_userauth_failure *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, MSG_USERAUTH_FAILURE);
	if (e == SD_OK)
		e = sbuf_put_span(out, m->methods);
	if (e == SD_OK)
		e = sbuf_put_u8(out, m->partial);
	return put_end(out, start, e);
}

/* Two strings after the number: banner, pk_ok and (with a uint32 or boolean
 * in front) disconnect and debug share this shape. */
static sd_err two_strings_parse(struct sview *v, sd_err e, struct span *a, struct span *b)
{
	if (e == SD_OK)
		e = sview_get_string(v, a);
	if (e == SD_OK)
		e = sview_get_string(v, b);
	return msg_end(v, e);
}

static sd_err two_strings_put(struct sbuf *out, size_t start, sd_err e, struct span a, struct span b)
{
	if (e == SD_OK)
		e = sbuf_put_span(out, a);
	if (e == SD_OK)
		e = sbuf_put_span(out, b);
	return put_end(out, start, e);
}

sd_err msg_userauth_banner_parse(struct span payload, struct msg_userauth_banner *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, MSG_USERAUTH_BANNER, &v);
	return two_strings_parse(&v, e, &m->message, &m->lang);
}

sd_err msg_userauth_banner_put(struct sbuf *out, const struct msg_userauth_banner *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, MSG_USERAUTH_BANNER);
	return two_strings_put(out, start, e, m->message, m->lang);
}

sd_err msg_userauth_pk_ok_parse(struct span payload, struct msg_userauth_pk_ok *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, MSG_USERAUTH_PK_OK, &v);
	return two_strings_parse(&v, e, &m->alg, &m->key);
}

sd_err msg_userauth_pk_ok_put(struct sbuf *out, const struct msg_userauth_pk_ok *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, MSG_USERAUTH_PK_OK);
	return two_strings_put(out, start, e, m->alg, m->key);
}

/* ---- transport-generic messages, RFC 4253 section 11 ---- */

sd_err msg_disconnect_parse(struct span payload, struct msg_disconnect *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, MSG_DISCONNECT, &v);
	if (e == SD_OK)
		e = sview_get_u32(&v, &m->reason);
	return two_strings_parse(&v, e, &m->description, &m->lang);
}

sd_err msg_disconnect_put(struct sbuf *out, const struct msg_disconnect *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, MSG_DISCONNECT);
	if (e == SD_OK)
		e = sbuf_put_u32(out, m->reason);
	return two_strings_put(out, start, e, m->description, m->lang);
}

sd_err msg_ignore_parse(struct span payload, struct msg_ignore *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, MSG_IGNORE, &v);
	if (e == SD_OK)
		e = sview_get_string(&v, &m->data);
	return msg_end(&v, e);
}

sd_err msg_ignore_put(struct sbuf *out, const struct msg_ignore *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, MSG_IGNORE);
	if (e == SD_OK)
		e = sbuf_put_span(out, m->data);
	return put_end(out, start, e);
}

sd_err msg_debug_parse(struct span payload, struct msg_debug *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, MSG_DEBUG, &v);
	if (e == SD_OK)
		e = sview_get_bool(&v, &m->always_display);
	return two_strings_parse(&v, e, &m->message, &m->lang);
}

sd_err msg_debug_put(struct sbuf *out, const struct msg_debug *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, MSG_DEBUG);
	if (e == SD_OK)
		e = sbuf_put_u8(out, m->always_display);
	return two_strings_put(out, start, e, m->message, m->lang);
}

sd_err msg_unimplemented_parse(struct span payload, struct msg_unimplemented *m)
{
	struct sview v;
	memset(m, 0, sizeof *m);
	sd_err e = msg_begin(payload, MSG_UNIMPLEMENTED, &v);
	if (e == SD_OK)
		e = sview_get_u32(&v, &m->seq);
	return msg_end(&v, e);
}

sd_err msg_unimplemented_put(struct sbuf *out, const struct msg_unimplemented *m)
{
	size_t start = out->len;
	sd_err e = sbuf_put_u8(out, MSG_UNIMPLEMENTED);
	if (e == SD_OK)
		e = sbuf_put_u32(out, m->seq);
	return put_end(out, start, e);
}

/* ---- signature blob, RFC 4253 section 6.6 ---- */

sd_err msg_signature_parse(struct span blob, struct msg_signature *m)
{
	struct sview v = sview_make(blob.p, blob.len);
	memset(m, 0, sizeof *m);
	return two_strings_parse(&v, SD_OK, &m->alg, &m->sig);
}

sd_err msg_signature_put(struct sbuf *out, const struct msg_signature *m)
{
	return two_strings_put(out, out->len, SD_OK, m->alg, m->sig);
}

/* ---- what a publickey userauth signature covers, RFC 4252 section 7 ---- */

sd_err msg_userauth_signed_data(struct sbuf *out, struct span session_id, struct span user,
				struct span service, struct span alg, struct span key)
{
	size_t start = out->len;
	sd_err e = sbuf_put_span(out, session_id);
	if (e == SD_OK)
		e = sbuf_put_u8(out, MSG_USERAUTH_REQUEST);
	if (e == SD_OK)
		e = sbuf_put_span(out, user);
	if (e == SD_OK)
		e = sbuf_put_span(out, service);
	if (e == SD_OK)
		e = sbuf_put_cstring(out, "publickey");
	if (e == SD_OK)
		e = sbuf_put_bool(out, true);
	if (e == SD_OK)
		e = sbuf_put_span(out, alg);
	if (e == SD_OK)
		e = sbuf_put_span(out, key);
	return put_end(out, start, e);
}

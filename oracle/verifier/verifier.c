/* verifier.c — lifecycle, identification, the packet loop, and the
 * dispatch rules that hold in every state. */
#include "oracle/verifier/verifier_impl.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A client skips at most this much before the server's "SSH-" line: the
 * RFC sets no bound, this is the verifier's own. */
#define PRE_BANNER_MAX 65536
#define VERSION_LINE_MAX 255 /* RFC 4253 section 4.2, CR LF included */

/* ---- small helpers shared with the other files ---- */

void v_decide(struct verifier *v, uint8_t msg, enum vrule rule, bool fatal)
{
	unsigned i = v->res.n_decisions++;
	if (i < VERIFIER_MAX_DECISIONS)
		v->res.decisions[i] = (struct verifier_decision){msg, rule, fatal};
}

void v_note(struct verifier *v, enum vrule rule)
{
	v->res.noted = rule;
}

enum vrule v_unsupported(struct verifier *v, const char *what, struct vspan name)
{
	v->res.unsupported = true;
	snprintf(v->res.unsupported_what, sizeof v->res.unsupported_what, "verifier: %s %.*s", what, (int)name.len,
		 name.p ? (const char *)name.p : "");
	return VR_UNSUPPORTED;
}

enum vrule v_send(struct verifier *v, struct vbuf *payload)
{
	enum vrule e = vb_status(payload);
	if (e == VR_OK)
		e = vdir_seal(&v->tx, vb_span(payload), &v->rng, &v->out);
	vb_reset(payload);
	return e;
}

void v_disconnect(struct verifier *v, uint32_t reason, enum vrule why)
{
	struct vbuf p = {0};
	vb_u8(&p, M_DISCONNECT);
	vb_u32(&p, reason);
	vb_cstring(&p, vrule_id(why));
	vb_cstring(&p, "");
	(void)v_send(v, &p);
	vb_free(&p);
	v->res.closed = true;
}

/* RFC 4253 section 11.1 reason for a rule. */
static uint32_t reason_of(enum vrule r)
{
	switch (r) {
	case VR_MAC:
		return DR_MAC_ERROR;
	case VR_VERSION_PROTO:
		return DR_PROTOCOL_VERSION;
	case VR_HOSTKEY_UNTRUSTED:
		return DR_HOST_KEY_NOT_VERIFIABLE;
	case VR_SERVICE:
		return DR_SERVICE_NOT_AVAILABLE;
	case VR_AUTH_FAILED:
		return DR_NO_MORE_AUTH_METHODS;
	case VR_NO_KEX: case VR_NO_HOSTKEY: case VR_NO_CIPHER: case VR_NO_MAC: case VR_NO_COMP:
	case VR_DH_RANGE: case VR_GEX_REQUEST: case VR_GEX_GROUP: case VR_ECDH_POINT: case VR_X25519_LENGTH:
	case VR_X25519_ZERO: case VR_KEY_BLOB: case VR_KEY_TYPE: case VR_SIG_NAME: case VR_SIGNATURE:
	case VR_RSA_HASH: case VR_ED25519_S: case VR_RSA_KEY_SIZE:
		return DR_KEY_EXCHANGE_FAILED;
	default:
		return DR_PROTOCOL_ERROR;
	}
}

/* The first violation ends the connection. */
static void v_fail(struct verifier *v, enum vrule r, uint8_t msg)
{
	if (v->res.closed)
		return;
	v->res.rejected = r;
	v->res.rejected_msg = msg;
	v_decide(v, msg, r, true);
	if (r == VR_NOMEM || r == VR_INTERNAL || r == VR_UNSUPPORTED) {
		v->res.closed = true;
		return;
	}
	v_disconnect(v, reason_of(r), r);
}

/* ---- lifecycle ---- */

static char *dup_or_empty(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *d = malloc(n + 1);
	if (d) {
		if (n)
			memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static enum vrule copy_config(struct verifier *v, const struct verifier_config *cfg)
{
	v->cfg = *cfg;
	v->s_version = dup_or_empty(cfg->version ? cfg->version : "SSH-2.0-sshdiff_verifier_0.1.0");
	v->s_kex = dup_or_empty(cfg->kex);
	v->s_hostkey = dup_or_empty(cfg->hostkey);
	v->s_cipher = dup_or_empty(cfg->cipher);
	v->s_mac = dup_or_empty(cfg->mac);
	v->s_user = dup_or_empty(cfg->user);
	v->s_password = dup_or_empty(cfg->password);
	if (!v->s_version || !v->s_kex || !v->s_hostkey || !v->s_cipher || !v->s_mac || !v->s_user ||
	    !v->s_password)
		return VR_NOMEM;
	v->cfg.version = v->s_version, v->cfg.kex = v->s_kex, v->cfg.hostkey = v->s_hostkey;
	v->cfg.cipher = v->s_cipher, v->cfg.mac = v->s_mac, v->cfg.user = v->s_user;
	v->cfg.password = v->s_password;
	v->cfg.host_key = v->cfg.user_key = NULL; /* parsed below, not kept */
	return VR_OK;
}

static enum vrule load_keys(struct verifier *v, const struct verifier_config *cfg)
{
	enum vrule e = vkey_from_openssh(cfg->host_key, &v->host_key);
	if (e == VR_OK)
		e = vkey_from_openssh(cfg->user_key, &v->user_key);
	return e;
}

static enum vrule start(struct verifier *v)
{
	/* RFC 4253 section 4.2: our identification, then KEXINIT without
	 * waiting for the peer's (section 7.1 lets both go at once). */
	vb_put(&v->v_ours, v->cfg.version, strlen(v->cfg.version));
	vb_put(&v->out, v->cfg.version, strlen(v->cfg.version));
	vb_put(&v->out, "\r\n", 2);
	enum vrule e = vb_status(&v->out);
	if (e == VR_OK)
		e = vb_status(&v->v_ours);
	if (e == VR_OK)
		e = vk_send_kexinit(v);
	return e;
}

enum vrule verifier_new(const struct verifier_config *cfg, struct verifier **out)
{
	*out = NULL;
	if (sodium_init() < 0)
		return VR_INTERNAL;
	struct verifier *v = calloc(1, sizeof *v);
	if (!v)
		return VR_NOMEM;
	enum vrule e = copy_config(v, cfg);
	if (e == VR_OK) {
		vrng_init(&v->rng, cfg->seed);
		e = load_keys(v, cfg);
	}
	if (e == VR_OK)
		e = start(v);
	if (e == VR_UNSUPPORTED) {
		v->res.closed = true;
		e = VR_OK;
	}
	if (e != VR_OK) {
		verifier_free(v);
		return e;
	}
	*out = v;
	return VR_OK;
}

void verifier_free(struct verifier *v)
{
	if (!v)
		return;
	vk_free(v);
	vkey_free(&v->host_key);
	vkey_free(&v->user_key);
	vb_free(&v->out);
	vb_free(&v->in);
	vb_free(&v->v_ours);
	vb_free(&v->v_peer);
	vdir_free(&v->tx);
	vdir_free(&v->rx);
	free(v->s_version);
	free(v->s_kex);
	free(v->s_hostkey);
	free(v->s_cipher);
	free(v->s_mac);
	free(v->s_user);
	free(v->s_password);
	sodium_memzero(v, sizeof *v);
	free(v);
}

struct vspan verifier_output(const struct verifier *v)
{
	return vb_span(&v->out);
}

void verifier_output_consume(struct verifier *v, size_t n)
{
	vb_consume(&v->out, n);
}

bool verifier_closed(const struct verifier *v)
{
	return v->res.closed;
}

const struct verifier_result *verifier_result(const struct verifier *v)
{
	return &v->res;
}

void verifier_input_eof(struct verifier *v)
{
	v->res.closed = true;
}

/* ---- identification, RFC 4253 sections 4.2 and 5 ---- */

/* "SSH-protoversion-softwareversion SP comments CR LF": no NUL; the
 * software version printable US-ASCII without whitespace or '-'. */
static enum vrule parse_version(struct verifier *v, const uint8_t *line, size_t len)
{
	if (len > VERSION_LINE_MAX)
		return VR_VERSION_LENGTH;
	if (len < 2 || line[len - 2] != '\r')
		return VR_VERSION_SYNTAX;
	size_t body = len - 2;
	if (memchr(line, '\0', body) || memchr(line, '\r', body))
		return VR_VERSION_SYNTAX;
	const uint8_t *dash = memchr(line + 4, '-', body - 4);
	if (!dash)
		return VR_VERSION_SYNTAX;
	struct vspan proto = vspan_of(line + 4, (size_t)(dash - line) - 4);
	/* section 5: "2.0"; a server compatible with SSH 1 says "1.99" */
	if (!vspan_is(proto, "2.0") && !vspan_is(proto, "1.99"))
		return VR_VERSION_PROTO;
	size_t i = (size_t)(dash - line) + 1, soft = i;
	for (; i < body && line[i] != ' '; i++)
		if (line[i] < 0x21 || line[i] > 0x7e || line[i] == '-')
			return VR_VERSION_SYNTAX;
	if (i == soft)
		return VR_VERSION_SYNTAX;
	vb_put(&v->v_peer, line, body);
	return vb_status(&v->v_peer);
}

/* One step over the peer's lines: *progress when a line was consumed. */
static enum vrule version_step(struct verifier *v, bool *progress)
{
	static const char prefix[] = "SSH-";
	const uint8_t *p = v->in.p;
	size_t avail = v->in.len;
	*progress = false;
	if (avail == 0)
		return VR_OK;
	const uint8_t *lf = memchr(p, '\n', avail);
	size_t line = lf ? (size_t)(lf - p) + 1 : avail;
	size_t cmp = line < 4 ? line : 4;
	bool ssh = memcmp(p, prefix, cmp) == 0 && (line >= 4 || !lf);
	if (ssh) {
		if (line > VERSION_LINE_MAX)
			return VR_VERSION_LENGTH;
		if (!lf || line < 4)
			return VR_OK;
		enum vrule e = parse_version(v, p, line);
		if (e != VR_OK)
			return e;
		vb_consume(&v->in, line);
		v->version_done = true;
		v_decide(v, 0, VR_OK, false);
		*progress = true;
		return VR_OK;
	}
	/* section 4.2: the server MAY send other lines first; the client
	 * MUST NOT (its first line is its identification). */
	if (v->cfg.server)
		return VR_VERSION_LINES;
	if (v->pre_bytes + line > PRE_BANNER_MAX)
		return VR_BANNER_LINES;
	if (!lf)
		return VR_OK;
	v->pre_bytes += line;
	vb_consume(&v->in, line);
	*progress = true;
	return VR_OK;
}

/* ---- generic transport messages, RFC 4253 section 11 ---- */

static enum vrule on_disconnect(struct verifier *v, struct vspan pl)
{
	struct vmsg_disconnect d;
	enum vrule e = vmsg_disconnect(pl, &d);
	if (e != VR_OK)
		return e;
	v->res.peer_disconnect_reason = d.reason;
	v_decide(v, M_DISCONNECT, VR_PEER_DISCONNECT, false);
	v_note(v, VR_PEER_DISCONNECT);
	v->res.closed = true;
	return VR_OK;
}

/* Section 11.2 IGNORE, 11.3 DEBUG, 11.4 UNIMPLEMENTED: well-formed, then
 * nothing to do. */
static enum vrule on_generic(uint8_t t, struct vspan pl)
{
	struct vmsg_ignore ig;
	struct vmsg_debug dbg;
	struct vmsg_unimplemented un;
	switch (t) {
	case M_IGNORE:
		return vmsg_ignore(pl, &ig);
	case M_UNIMPLEMENTED:
		return vmsg_unimplemented(pl, &un);
	case M_DEBUG:
		return vmsg_debug(pl, &dbg);
	default:
		return VR_INTERNAL;
	}
}

/* Section 11.4: an unrecognised message gets UNIMPLEMENTED. */
enum vrule v_unimplemented(struct verifier *v, uint32_t seq)
{
	struct vbuf p = {0};
	vb_u8(&p, M_UNIMPLEMENTED);
	vb_u32(&p, seq);
	enum vrule e = v_send(v, &p);
	vb_free(&p);
	return e;
}

/* ---- RFC 8308 EXT_INFO ---- */

/* Keeps server-sig-algs for the client's choice of RSA signature (RFC 8332
 * section 3.3); the decoder has checked it is a name-list. */
static enum vrule parse_ext_info(struct verifier *v, struct vspan pl)
{
	struct vmsg_ext_info x;
	struct vspan rest, name, value;
	enum vrule e = vmsg_ext_info(pl, &x);
	if (e != VR_OK || v->cfg.server)
		return e;
	rest = x.exts;
	while (vmsg_ext_next(&rest, &name, &value)) {
		if (vspan_is(name, "server-sig-algs") && value.len < sizeof v->server_sig_algs) {
			memcpy(v->server_sig_algs, value.p, value.len);
			v->server_sig_algs[value.len] = '\0';
		}
	}
	return VR_OK;
}

/* Section 2.2: only to a side that offered ext-info-c / -s (we offered
 * iff cfg.ext_info).  Section 2.4: the first packet after the first
 * NEWKEYS, or (server to client) immediately before USERAUTH_SUCCESS. */
static enum vrule on_ext_info(struct verifier *v, struct vspan pl, unsigned pos_after_newkeys)
{
	if (!v->cfg.ext_info)
		return VR_EXT_INFO_UNSOLICITED;
	bool first_after_newkeys = v->res.kex_count == 1 && pos_after_newkeys == 0;
	/* Right before a USERAUTH_SUCCESS: only while a request of ours
	 * waits for its answer, and the next packet must be that SUCCESS. */
	bool request_out = v->stage == CA_QUERY || v->stage == CA_SIGNED || v->stage == CA_PASSWORD;
	if (!first_after_newkeys) {
		if (v->cfg.server || v->authed || !request_out || v->ext_info_before_success ||
		    v->res.kex_count == 0 || v->peer_kexinit_seen)
			return VR_EXT_INFO_POSITION;
		v->ext_info_before_success = true;
		v->expect_success_next = true;
	}
	return parse_ext_info(v, pl);
}

/* ---- dispatch ---- */

static bool kex_message(uint8_t t)
{
	return t == M_KEXINIT || t == M_NEWKEYS || (t >= 30 && t <= 49);
}

/* RFC 4253 section 7.1: between its KEXINIT and its NEWKEYS a party sends
 * only transport generic messages (1-19, but not SERVICE_REQUEST/ACCEPT),
 * algorithm negotiation (20-29) and key exchange method messages (30-49).
 * EXT_INFO is judged by RFC 8308 instead. */
static bool allowed_in_kex(uint8_t t)
{
	return t >= 1 && t <= 49 && t != M_SERVICE_REQUEST && t != M_SERVICE_ACCEPT;
}

static enum vrule dispatch(struct verifier *v, struct vspan pl, uint32_t seq)
{
	uint8_t t = pl.p[0];
	bool first_round = v->res.kex_count == 0;
	unsigned pos = first_round ? 0 : v->rx_after_newkeys++;

	if (v->expect_success_next) {
		v->expect_success_next = false;
		if (t != M_USERAUTH_SUCCESS)
			return VR_EXT_INFO_POSITION;
	}
	if (t == M_DISCONNECT)
		return on_disconnect(v, pl);
	/* OpenSSH PROTOCOL, strict kex: nothing but the exchange before the
	 * first NEWKEYS (known once the peer's KEXINIT is in), not even as
	 * a wrongly guessed packet. */
	if (first_round && v->res.strict_kex && !kex_message(t))
		return VR_STRICT_KEX;
	if (first_round && !v->peer_kexinit_seen && t != M_KEXINIT)
		v->rx_before_kexinit = true;
	/* RFC 4253 section 7.1: after a wrong guess the next packet is
	 * silently ignored. */
	if (v->ignore_next) {
		v->ignore_next = false;
		v_decide(v, t, VR_OK, false);
		return VR_OK;
	}
	if (t == M_EXT_INFO)
		return on_ext_info(v, pl, pos);
	/* Section 7.1 binds the peer from its KEXINIT to its NEWKEYS; before
	 * its first KEXINIT only what section 11 allows "at any time" (and the
	 * exchange's own messages, judged below) may come: section 7 has the
	 * exchange begin with each side's KEXINIT, so anything else there is
	 * out of place (RFC4253-7), not a message inside the exchange. */
	bool window = first_round || v->peer_kexinit_seen;
	if (window && !allowed_in_kex(t))
		return first_round && !v->peer_kexinit_seen ? VR_UNEXPECTED : VR_KEX_ONLY;

	switch (t) {
	case M_IGNORE:
	case M_UNIMPLEMENTED:
	case M_DEBUG:
		return on_generic(t, pl);
	case M_SERVICE_REQUEST:
	case M_SERVICE_ACCEPT:
		return vauth_on_service(v, t, pl);
	case M_KEXINIT:
		return vk_on_kexinit(v, pl);
	case M_NEWKEYS:
		return vk_on_newkeys(v, pl, seq);
	default:
		break;
	}
	if (t >= 30 && t <= 49)
		return vk_on_kex_msg(v, t, pl, seq);
	if (t >= 50 && t <= 79)
		return vauth_on_userauth(v, t, pl, seq);
	if (t >= 80)
		return vauth_on_connection(v, t, pl, seq);
	return v_unimplemented(v, seq);
}

static enum vrule packet_step(struct verifier *v, bool *progress)
{
	size_t used = 0;
	struct vspan payload = {0};
	*progress = false;
	enum vrule e = vdir_open(&v->rx, vb_span(&v->in), &used, &payload);
	if (e != VR_OK || used == 0)
		return e;
	*progress = true;
	uint32_t seq = v->rx.seq - 1;
	unsigned before = v->res.n_decisions;
	uint8_t t = payload.p[0];
	/* payload lives in rx.plain: the input can go now */
	vb_consume(&v->in, used);
	e = dispatch(v, payload, seq);
	if (e != VR_OK) {
		v_fail(v, e, t);
		return VR_OK;
	}
	if (v->res.n_decisions == before)
		v_decide(v, t, VR_OK, false);
	return VR_OK;
}

enum vrule verifier_input(struct verifier *v, const uint8_t *p, size_t n)
{
	if (v->res.closed)
		return VR_OK;
	/* Packets are taken as they complete, so only a peer that floods
	 * can get here: the verifier's own bound, not an allocation failure. */
	if (n > VBUF_MAX - v->in.len) {
		v_fail(v, VR_LIMIT, 0);
		return VR_OK;
	}
	vb_put(&v->in, p, n);
	if (vb_status(&v->in) != VR_OK)
		return VR_NOMEM;
	bool progress = true;
	while (!v->res.closed && progress) {
		enum vrule e = v->version_done ? packet_step(v, &progress) : version_step(v, &progress);
		if (e != VR_OK)
			v_fail(v, e, 0);
	}
	if (v->res.rejected == VR_NOMEM || v->res.rejected == VR_INTERNAL)
		return v->res.rejected;
	return VR_OK;
}

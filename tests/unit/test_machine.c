/* The client and server state machines against each other in memory:
 * handshakes and authentication that must succeed, and one test per rule a
 * side must enforce, each injecting the violation where the rule applies
 * and asserting the exact error on the side that must reject it. */
#include <stdio.h>
#include <string.h>

#include "proto/machine.h"
#include "proto/negotiate.h"
#include "proto/packet.h"
#include "tests/support/check.h"

static struct sigkey *host_ed, *host_ec, *host_rsa, *user_ed, *user_rsa, *stranger;

struct pair {
	struct rng_seeded rc, rs;
	struct machine_config cc, sc;
	struct sigkey *host_keys[3];
	struct sigkey *identities[2];
	struct sigkey *authorized[2];
	struct machine *c, *s;
	struct sbuf c2s, s2c; /* everything that moved, for determinism */
};

static sd_err error_of(struct machine *m);
static const struct machine_event *message_event(struct machine *m, uint8_t msg);

static void pair_config(struct pair *p)
{
	memset(p, 0, sizeof *p);
	rng_seeded_init(&p->rc, "client", 6);
	rng_seeded_init(&p->rs, "server", 6);
	p->host_keys[0] = host_ed;
	p->host_keys[1] = host_ec;
	p->host_keys[2] = host_rsa;
	p->identities[0] = user_ed;
	p->authorized[0] = user_ed;
	p->authorized[1] = user_rsa;

	p->cc.role = MACHINE_CLIENT;
	p->cc.rng = &p->rc.base;
	p->cc.user = "alice";
	p->cc.password = "secret";
	p->cc.identities = p->identities;
	p->cc.n_identities = 1;

	p->sc.role = MACHINE_SERVER;
	p->sc.rng = &p->rs.base;
	p->sc.host_keys = p->host_keys;
	p->sc.n_host_keys = 3;
	p->sc.auth_user = "alice";
	p->sc.auth_password = "secret";
	p->sc.authorized_keys = p->authorized;
	p->sc.n_authorized_keys = 2;
}

static void pair_start(struct pair *p)
{
	CHECK_OK(machine_new(&p->cc, &p->c));
	CHECK_OK(machine_new(&p->sc, &p->s));
}

static void pair_free(struct pair *p)
{
	machine_free(p->c);
	machine_free(p->s);
	sbuf_free(&p->c2s);
	sbuf_free(&p->s2c);
}

/* Moves everything from's output to to's input; returns bytes moved. */
static size_t move(struct machine *from, struct machine *to, struct sbuf *record)
{
	struct span out = machine_output(from);
	size_t n = out.len;
	if (n) {
		sbuf_put(record, out.p, out.len);
		machine_input(to, out.p, out.len);
		machine_output_consume(from, n);
	}
	return n;
}

static size_t step(struct pair *p)
{
	size_t n = move(p->c, p->s, &p->c2s);
	return n + move(p->s, p->c, &p->s2c);
}

static void pump(struct pair *p)
{
	for (int i = 0; i < 1000 && step(p) > 0; i++)
		;
}

static size_t count_events(struct machine *m, enum machine_event_type t)
{
	const struct machine_event *ev;
	size_t n = machine_events(m, &ev), k = 0;
	for (size_t i = 0; i < n; i++)
		k += ev[i].type == t;
	return k;
}

/* The MEV_MESSAGE of the first packet numbered msg, or NULL. */
static const struct machine_event *message_event(struct machine *m, uint8_t msg)
{
	const struct machine_event *ev;
	size_t n = machine_events(m, &ev);
	for (size_t i = 0; i < n; i++)
		if (ev[i].type == MEV_MESSAGE && ev[i].msg == msg)
			return &ev[i];
	return NULL;
}

static void check_agree(struct pair *p)
{
	const struct machine_result *c = machine_result(p->c), *s = machine_result(p->s);
	CHECK_STR(c->kex, s->kex);
	CHECK_STR(c->hostkey, s->hostkey);
	CHECK_STR(c->cipher_cs, s->cipher_cs);
	CHECK_STR(c->cipher_sc, s->cipher_sc);
	CHECK_STR(c->mac_cs, s->mac_cs);
	CHECK_STR(c->mac_sc, s->mac_sc);
	CHECK_EQ_U(c->session_id_len, s->session_id_len);
	CHECK(c->session_id_len > 0);
	CHECK_MEM(c->session_id, s->session_id, c->session_id_len);
	CHECK_EQ_U(c->h_len, s->h_len);
	CHECK_MEM(c->h, s->h, c->h_len);
	CHECK_MEM(&c->keys, &s->keys, sizeof c->keys);
	CHECK_EQ_U(c->kex_count, s->kex_count);
	CHECK_EQ_U(c->strict_kex, s->strict_kex);
}

static void check_success(struct pair *p, const char *method)
{
	const struct machine_result *c = machine_result(p->c), *s = machine_result(p->s);
	CHECK(machine_done(p->c));
	CHECK(machine_done(p->s));
	CHECK_EQ_U(c->auth, AUTH_SUCCESS);
	CHECK_EQ_U(s->auth, AUTH_SUCCESS);
	CHECK_ERR(c->error, SD_OK);
	CHECK_ERR(s->error, SD_OK);
	CHECK_STR(c->auth_method, method);
	CHECK_STR(s->auth_method, method);
	check_agree(p);
}

/* ---- handshakes that must succeed ---- */

static void default_handshake(void)
{
	struct pair p;
	pair_config(&p);
	pair_start(&p);
	pump(&p);
	check_success(&p, "publickey");
	const struct machine_result *c = machine_result(p.c), *s = machine_result(p.s);
	CHECK_STR(c->kex, "curve25519-sha256");
	CHECK_STR(c->hostkey, "ssh-ed25519");
	CHECK_STR(c->cipher_cs, "chacha20-poly1305@openssh.com");
	CHECK_STR(c->mac_cs, ""); /* AEAD: no MAC negotiated */
	CHECK_STR(c->comp_cs, "none");
	CHECK(c->strict_kex);
	CHECK_EQ_U(c->kex_count, 1);
	CHECK_STR(c->peer_version, "SSH-2.0-sshdiff_0.1");
	CHECK_STR(s->peer_version, "SSH-2.0-sshdiff_0.1");
	/* ext-info-c offered: the server sent server-sig-algs */
	CHECK(c->peer_ext_info);
	CHECK(strstr(c->server_sig_algs, "rsa-sha2-512") != NULL);
	CHECK(!s->peer_ext_info);
	/* the host key the client saw is the server's ed25519 key */
	struct sbuf blob = SBUF_INIT;
	CHECK_OK(sigkey_to_blob(host_ed, &blob));
	CHECK_EQ_U(c->server_hostkey_len, blob.len);
	CHECK_MEM(c->server_hostkey, blob.data, blob.len);
	sbuf_free(&blob);
	CHECK_EQ_U(count_events(p.c, MEV_KEX_DONE), 1);
	CHECK_EQ_U(count_events(p.c, MEV_SERVICE), 1);
	CHECK_EQ_U(count_events(p.s, MEV_SERVICE), 1);
	CHECK_EQ_U(count_events(p.c, MEV_AUTH_SUCCESS), 1);
	CHECK_EQ_U(count_events(p.c, MEV_ERROR), 0);
	CHECK_EQ_U(count_events(p.s, MEV_ERROR), 0);
	/* every MEV_MESSAGE accepted */
	const struct machine_event *ev;
	size_t n = machine_events(p.s, &ev);
	for (size_t i = 0; i < n; i++)
		if (ev[i].type == MEV_MESSAGE)
			CHECK_ERR(ev[i].err, SD_OK);
	pair_free(&p);
}

static void password_handshake(void)
{
	struct pair p;
	pair_config(&p);
	p.cc.n_identities = 0;
	pair_start(&p);
	pump(&p);
	check_success(&p, "password");
	pair_free(&p);
}

/* RSA user key: server-sig-algs lists rsa-sha2-512, so it signs with that
 * (RFC 8332 section 3.2); the server verifies it. */
static void rsa_user_key(void)
{
	struct pair p;
	pair_config(&p);
	p.identities[0] = user_rsa;
	p.cc.password = NULL;
	p.cc.algs.kex = "ecdh-sha2-nistp256";
	p.cc.algs.hostkey = "ecdsa-sha2-nistp256";
	p.cc.algs.cipher_cs = p.cc.algs.cipher_sc = "aes128-ctr";
	p.cc.algs.mac_cs = p.cc.algs.mac_sc = "hmac-sha2-256";
	pair_start(&p);
	pump(&p);
	check_success(&p, "publickey");
	CHECK_STR(machine_result(p.c)->hostkey, "ecdsa-sha2-nistp256");
	CHECK_STR(machine_result(p.c)->mac_sc, "hmac-sha2-256");
	pair_free(&p);
}

static void partial_success(void)
{
	struct pair p;
	pair_config(&p);
	p.sc.auth_required = "publickey,password";
	pair_start(&p);
	pump(&p);
	check_success(&p, "password");
	CHECK_EQ_U(count_events(p.c, MEV_AUTH_PARTIAL), 1);
	CHECK_EQ_U(count_events(p.s, MEV_AUTH_PARTIAL), 1);
	pair_free(&p);

	/* Only one of the two: never success. */
	pair_config(&p);
	p.sc.auth_required = "publickey,password";
	p.cc.password = NULL;
	pair_start(&p);
	pump(&p);
	CHECK_EQ_U(machine_result(p.c)->auth, AUTH_FAILURE);
	CHECK_ERR(machine_result(p.c)->error, SD_ERR_AUTH_FAILED);
	CHECK_EQ_U(machine_result(p.s)->auth, AUTH_PENDING);
	pair_free(&p);
}

static void banner(void)
{
	struct pair p;
	pair_config(&p);
	p.sc.banner = "welcome\r\n";
	pair_start(&p);
	pump(&p);
	check_success(&p, "publickey");
	CHECK_EQ_U(count_events(p.c, MEV_BANNER), 1);
	pair_free(&p);
}

static void rekey(void)
{
	struct pair p;
	uint8_t sid[KEX_HASH_MAX], h1[KEX_HASH_MAX];
	pair_config(&p);
	pair_start(&p);
	pump(&p);
	check_success(&p, "publickey");
	memcpy(sid, machine_result(p.c)->session_id, sizeof sid);
	memcpy(h1, machine_result(p.c)->h, sizeof h1);

	CHECK_ERR(machine_rekey(p.c), SD_OK);
	CHECK_ERR(machine_rekey(p.c), SD_ERR_INVALID_ARG); /* one at a time */
	pump(&p);
	check_agree(&p);
	CHECK_EQ_U(machine_result(p.c)->kex_count, 2);
	CHECK_MEM(machine_result(p.c)->session_id, sid, sizeof sid);
	CHECK(memcmp(machine_result(p.c)->h, h1, machine_result(p.c)->h_len) != 0);
	CHECK_ERR(machine_result(p.s)->error, SD_OK);

	memcpy(h1, machine_result(p.c)->h, sizeof h1);
	CHECK_OK(machine_rekey(p.s));
	pump(&p);
	check_agree(&p);
	CHECK_EQ_U(machine_result(p.s)->kex_count, 3);
	CHECK_MEM(machine_result(p.s)->session_id, sid, sizeof sid);
	CHECK(memcmp(machine_result(p.s)->h, h1, machine_result(p.s)->h_len) != 0);

	/* the new keys carry traffic both ways */
	machine_events_clear(p.s);
	machine_events_clear(p.c);
	uint8_t ign[] = {MSG_IGNORE, 0, 0, 0, 1, 'x'};
	CHECK_OK(machine_send_payload(p.c, (struct span){ign, sizeof ign}));
	CHECK_OK(machine_send_payload(p.s, (struct span){ign, sizeof ign}));
	pump(&p);
	CHECK_EQ_U(count_events(p.s, MEV_IGNORE), 1);
	CHECK_EQ_U(count_events(p.c, MEV_IGNORE), 1);
	CHECK_ERR(machine_result(p.c)->error, SD_OK);
	CHECK_ERR(machine_result(p.s)->error, SD_OK);
	pair_free(&p);

	/* the server starts one on a fresh connection */
	pair_config(&p);
	pair_start(&p);
	pump(&p);
	memcpy(sid, machine_result(p.s)->session_id, sizeof sid);
	memcpy(h1, machine_result(p.s)->h, sizeof h1);
	CHECK_ERR(machine_rekey(p.s), SD_OK);
	pump(&p);
	check_agree(&p);
	CHECK_EQ_U(machine_result(p.c)->kex_count, 2);
	CHECK_EQ_U(count_events(p.c, MEV_KEX_DONE), 2);
	CHECK_MEM(machine_result(p.c)->session_id, sid, sizeof sid);
	CHECK(memcmp(machine_result(p.c)->h, h1, machine_result(p.c)->h_len) != 0);
	CHECK_ERR(machine_result(p.c)->error, SD_OK);
	CHECK_ERR(machine_result(p.s)->error, SD_OK);
	pair_free(&p);

	/* not before the first exchange */
	pair_config(&p);
	pair_start(&p);
	CHECK_ERR(machine_rekey(p.c), SD_ERR_INVALID_ARG);
	pair_free(&p);
}

/* RFC 4253 section 7.1 binds the sender: a message the client sent before
 * the server's rekey KEXINIT reached it crosses that KEXINIT on the wire and
 * must be accepted; the same message sent after the client's own KEXINIT
 * must not. */
static void rekey_crossing(void)
{
	uint8_t req[] = {MSG_GLOBAL_REQUEST, 0, 0, 0, 1, 'x', 1};
	struct pair p;
	pair_config(&p);
	pair_start(&p);
	pump(&p);
	check_success(&p, "publickey");
	CHECK_OK(machine_rekey(p.s));      /* queued, not yet delivered */
	CHECK_OK(machine_send_payload(p.c, (struct span){req, sizeof req}));
	machine_events_clear(p.c);
	pump(&p);
	CHECK_ERR(error_of(p.s), SD_OK);
	CHECK_ERR(error_of(p.c), SD_OK);
	CHECK(message_event(p.c, MSG_REQUEST_FAILURE) != NULL);
	CHECK_EQ_U(machine_result(p.s)->kex_count, 2);
	pair_free(&p);

	/* after the client's KEXINIT: a violation by the client */
	pair_config(&p);
	pair_start(&p);
	pump(&p);
	CHECK_OK(machine_rekey(p.c));
	CHECK_OK(machine_send_payload(p.c, (struct span){req, sizeof req}));
	pump(&p);
	CHECK_ERR(error_of(p.s), SD_ERR_KEX_UNEXPECTED);
	pair_free(&p);
}

/* Rekey over a classic MAC and group exchange: the GEX path of both roles. */
static void rekey_gex(void)
{
	struct pair p;
	pair_config(&p);
	p.cc.algs.kex = "diffie-hellman-group-exchange-sha256";
	p.cc.gex_min = 2048;
	p.cc.gex_n = 2048;
	p.cc.gex_max = 3072;
	p.cc.algs.cipher_cs = p.cc.algs.cipher_sc = "aes256-ctr";
	p.cc.algs.mac_cs = p.cc.algs.mac_sc = "hmac-sha2-512-etm@openssh.com";
	pair_start(&p);
	pump(&p);
	check_success(&p, "publickey");
	CHECK_STR(machine_result(p.s)->kex, "diffie-hellman-group-exchange-sha256");
	CHECK_OK(machine_rekey(p.c));
	pump(&p);
	check_agree(&p);
	CHECK_EQ_U(machine_result(p.s)->kex_count, 2);
	pair_free(&p);
}

static void strict_kex_options(void)
{
	for (int side = 0; side < 3; side++) {
		struct pair p;
		pair_config(&p);
		p.cc.no_strict_kex = side == 1;
		p.sc.no_strict_kex = side == 2;
		pair_start(&p);
		pump(&p);
		check_success(&p, "publickey");
		CHECK_EQ_U(machine_result(p.c)->strict_kex, side == 0);
		CHECK_EQ_U(machine_result(p.s)->strict_kex, side == 0);
		pair_free(&p);
	}
	/* no ext-info: nothing sent, nothing recorded */
	struct pair p;
	pair_config(&p);
	p.cc.no_ext_info = true;
	pair_start(&p);
	pump(&p);
	check_success(&p, "publickey");
	CHECK(!machine_result(p.c)->peer_ext_info);
	CHECK_STR(machine_result(p.c)->server_sig_algs, "");
	pair_free(&p);
}

static void determinism(void)
{
	struct pair a, b;
	pair_config(&a);
	pair_start(&a);
	pump(&a);
	pair_config(&b);
	pair_start(&b);
	pump(&b);
	check_success(&a, "publickey");
	CHECK_EQ_U(a.c2s.len, b.c2s.len);
	CHECK_EQ_U(a.s2c.len, b.s2c.len);
	CHECK(a.c2s.len == b.c2s.len && memcmp(a.c2s.data, b.c2s.data, a.c2s.len) == 0);
	CHECK(a.s2c.len == b.s2c.len && memcmp(a.s2c.data, b.s2c.data, a.s2c.len) == 0);
	pair_free(&a);
	pair_free(&b);

	/* another seed, other bytes */
	pair_config(&a);
	pair_start(&a);
	pump(&a);
	pair_config(&b);
	rng_seeded_init(&b.rc, "client2", 7);
	pair_start(&b);
	pump(&b);
	CHECK(a.c2s.len != b.c2s.len || memcmp(a.c2s.data, b.c2s.data, a.c2s.len) != 0);
	pair_free(&a);
	pair_free(&b);
}

/* ---- violations ---- */

static sd_err error_of(struct machine *m)
{
	return machine_result(m)->error;
}

static void strict_kex_ignore(void)
{
	uint8_t ign[] = {MSG_IGNORE, 0, 0, 0, 0};
	struct pair p;

	/* OpenSSH PROTOCOL: IGNORE before the first NEWKEYS is fatal under
	 * strict kex (CVE-2023-48795) */
	pair_config(&p);
	pair_start(&p);
	CHECK_OK(machine_send_payload(p.c, (struct span){ign, sizeof ign}));
	pump(&p);
	CHECK_ERR(error_of(p.s), SD_ERR_STRICT_KEX);
	CHECK(machine_result(p.s)->closed);
	CHECK_EQ_U(machine_result(p.c)->peer_disconnect_reason, DISCONNECT_PROTOCOL_ERROR);
	CHECK_ERR(error_of(p.c), SD_ERR_PEER_DISCONNECT);
	const struct machine_event *e = message_event(p.s, MSG_IGNORE);
	CHECK(e && e->err == SD_ERR_STRICT_KEX);
	pair_free(&p);

	/* without strict kex the same IGNORE is fine */
	pair_config(&p);
	p.cc.no_strict_kex = true;
	pair_start(&p);
	CHECK_OK(machine_send_payload(p.c, (struct span){ign, sizeof ign}));
	pump(&p);
	check_success(&p, "publickey");
	CHECK_EQ_U(count_events(p.s, MEV_IGNORE), 1);
	pair_free(&p);
}

/* A raw peer: identification line plus unencrypted packets. */
struct raw {
	struct packet_dir d;
	struct rng_seeded rng;
	struct sbuf bytes;
};

static void raw_init(struct raw *r, const char *version)
{
	packet_dir_init(&r->d);
	rng_seeded_init(&r->rng, "raw", 3);
	r->bytes = SBUF_INIT;
	if (version) {
		sbuf_put(&r->bytes, version, strlen(version));
		sbuf_put(&r->bytes, "\r\n", 2);
	}
}

static void raw_packet(struct raw *r, struct span payload)
{
	CHECK_OK(packet_seal(&r->d, &r->rng.base, payload, &r->bytes));
}

static void raw_free(struct raw *r)
{
	packet_dir_free(&r->d);
	sbuf_free(&r->bytes);
}

/* The KEXINIT a machine sends first (after its identification). */
static void first_kexinit(struct machine *m, struct sbuf *payload)
{
	struct span out = machine_output(m);
	const uint8_t *lf = memchr(out.p, '\n', out.len);
	struct packet_dir d;
	size_t used = 0, skip = (size_t)(lf - out.p) + 1;
	packet_dir_init(&d);
	CHECK_OK(packet_open(&d, (struct span){out.p + skip, out.len - skip}, &used, payload));
	packet_dir_free(&d);
}

/* Before the peer's first KEXINIT (RFC 4253 section 7: "Key exchange
 * begins by each side sending" KEXINIT; section 11: DISCONNECT, IGNORE,
 * DEBUG and UNIMPLEMENTED "at any time"): a service or connection message
 * is out of place, RFC4253-7.  Section 7.1 restricts a party only from its
 * own KEXINIT on: RFC4253-7.1-kex-only names the same message after it. */
static void before_first_kexinit(void)
{
	static const uint8_t ignore[] = {MSG_IGNORE, 0, 0, 0, 0};
	static const uint8_t global[] = {MSG_GLOBAL_REQUEST, 0, 0, 0, 1, 'x', 0};
	static const uint8_t service[] = {MSG_SERVICE_REQUEST, 0, 0, 0, 12, 's', 's', 'h', '-',
					  'u', 's', 'e', 'r', 'a', 'u', 't', 'h'};
	const struct span bad[] = {{global, sizeof global}, {service, sizeof service}};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pair p;
		struct sbuf kexinit = SBUF_INIT;
		struct raw r;

		pair_config(&p);
		pair_start(&p);
		raw_init(&r, "SSH-2.0-raw");
		raw_packet(&r, (struct span){ignore, sizeof ignore});
		raw_packet(&r, bad[i]);
		CHECK_ERR(machine_input(p.s, r.bytes.data, r.bytes.len), SD_ERR_UNEXPECTED_MESSAGE);
		CHECK_ERR(error_of(p.s), SD_ERR_UNEXPECTED_MESSAGE);
		raw_free(&r);

		/* the same message right after the peer's KEXINIT (without
		 * strict kex, which would name its own rule) */
		first_kexinit(p.c, &kexinit);
		machine_free(p.s);
		p.sc.no_strict_kex = true;
		CHECK_OK(machine_new(&p.sc, &p.s));
		raw_init(&r, "SSH-2.0-raw");
		raw_packet(&r, sbuf_span(&kexinit));
		raw_packet(&r, bad[i]);
		CHECK_ERR(machine_input(p.s, r.bytes.data, r.bytes.len), SD_ERR_KEX_UNEXPECTED);
		raw_free(&r);
		sbuf_free(&kexinit);
		pair_free(&p);
	}
}

static void kexinit_reserved(void)
{
	struct pair p;
	struct sbuf kexinit = SBUF_INIT, bad = SBUF_INIT;
	struct msg_kexinit k;
	struct raw r;

	pair_config(&p);
	pair_start(&p);
	first_kexinit(p.c, &kexinit);
	CHECK_OK(msg_kexinit_parse(sbuf_span(&kexinit), &k));
	k.reserved = 1;
	CHECK_OK(msg_kexinit_put(&bad, &k));
	raw_init(&r, "SSH-2.0-raw");
	raw_packet(&r, sbuf_span(&bad));
	CHECK_ERR(machine_input(p.s, r.bytes.data, r.bytes.len), SD_ERR_KEXINIT_RESERVED);
	CHECK_ERR(error_of(p.s), SD_ERR_KEXINIT_RESERVED);
	CHECK_EQ_U(count_events(p.s, MEV_ERROR), 1);
	/* the same lists with reserved 0 are fine */
	raw_free(&r);
	machine_free(p.s);
	CHECK_OK(machine_new(&p.sc, &p.s));
	k.reserved = 0;
	sbuf_reset(&bad);
	CHECK_OK(msg_kexinit_put(&bad, &k));
	raw_init(&r, "SSH-2.0-raw");
	raw_packet(&r, sbuf_span(&bad));
	CHECK_ERR(machine_input(p.s, r.bytes.data, r.bytes.len), SD_OK);
	CHECK_EQ_U(count_events(p.s, MEV_KEXINIT), 1);
	/* a second KEXINIT during the exchange */
	CHECK_ERR(machine_input(p.s, r.bytes.data + 13, r.bytes.len - 13), SD_ERR_KEX_UNEXPECTED);
	raw_free(&r);
	sbuf_free(&kexinit);
	sbuf_free(&bad);
	pair_free(&p);
}

/* RFC 4253 section 7.1: a configuration whose KEXINIT could never
 * negotiate (an empty required list, a malformed one) is refused by
 * machine_new before a byte is queued. */
static void unusable_config(void)
{
	struct pair p;
	struct machine *m = NULL;
	struct sbuf kexinit = SBUF_INIT;
	struct msg_kexinit k;

	/* A server holding an Ed25519 key only, configured for ECDSA P-384:
	 * its server_host_key_algorithms would be empty. */
	pair_config(&p);
	p.sc.n_host_keys = 1; /* host_keys[0] is host_ed */
	p.sc.algs.hostkey = "ecdsa-sha2-nistp384";
	m = (struct machine *)&p; /* must be reset to NULL */
	CHECK_ERR(machine_new(&p.sc, &m), SD_ERR_KEXINIT_NAMELIST);
	CHECK(m == NULL);
	/* No host key at all, default list: the same. */
	p.sc.n_host_keys = 0;
	p.sc.algs.hostkey = NULL;
	CHECK_ERR(machine_new(&p.sc, &m), SD_ERR_KEXINIT_NAMELIST);
	/* Control: with its own algorithm in the list the server starts and
	 * offers only that one. */
	p.sc.n_host_keys = 1;
	p.sc.algs.hostkey = "ecdsa-sha2-nistp384,ssh-ed25519";
	CHECK_OK(machine_new(&p.sc, &m));
	first_kexinit(m, &kexinit);
	CHECK_OK(msg_kexinit_parse(sbuf_span(&kexinit), &k));
	CHECK(span_eq_cstr(k.lists[KEXINIT_HOSTKEY], "ssh-ed25519"));
	machine_free(m);
	m = NULL;

	/* Client: an empty encryption list; a key exchange list left with
	 * the markers only (RFC 8308 section 2.2: they are no method). */
	p.cc.algs.cipher_sc = "";
	CHECK_ERR(machine_new(&p.cc, &m), SD_ERR_KEXINIT_NAMELIST);
	p.cc.algs.cipher_sc = NULL;
	p.cc.algs.kex = "";
	CHECK_ERR(machine_new(&p.cc, &m), SD_ERR_KEXINIT_NAMELIST);
	p.cc.algs.kex = NULL;
	p.cc.algs.comp_cs = "";
	CHECK_ERR(machine_new(&p.cc, &m), SD_ERR_KEXINIT_NAMELIST);
	p.cc.algs.comp_cs = NULL;
	/* A malformed list (RFC 4251 section 5: no empty name). */
	p.cc.algs.mac_cs = "hmac-sha2-256,";
	CHECK_ERR(machine_new(&p.cc, &m), SD_ERR_NAMELIST);
	p.cc.algs.mac_cs = NULL;
	CHECK(m == NULL);
	/* Control: the same client with every list back starts. */
	CHECK_OK(machine_new(&p.cc, &m));
	machine_free(m);
	sbuf_free(&kexinit);
	pair_free(&p);
}

/* Under strict kex the KEXINIT must be the first packet. */
static void strict_kex_first(void)
{
	struct pair p;
	struct sbuf kexinit = SBUF_INIT;
	uint8_t ign[] = {MSG_IGNORE, 0, 0, 0, 0};
	struct raw r;

	pair_config(&p);
	pair_start(&p);
	first_kexinit(p.c, &kexinit);
	raw_init(&r, "SSH-2.0-raw");
	raw_packet(&r, (struct span){ign, sizeof ign});
	raw_packet(&r, sbuf_span(&kexinit));
	CHECK_ERR(machine_input(p.s, r.bytes.data, r.bytes.len), SD_ERR_STRICT_KEX_FIRST);
	raw_free(&r);
	sbuf_free(&kexinit);
	pair_free(&p);
}

static void userauth_success_from_client(void)
{
	uint8_t succ[] = {MSG_USERAUTH_SUCCESS};
	struct pair p;
	pair_config(&p);
	pair_start(&p);
	while (machine_result(p.c)->kex_count == 0 && step(&p) > 0)
		;
	/* the client's SERVICE_REQUEST is queued; USERAUTH_SUCCESS follows */
	CHECK_OK(machine_send_payload(p.c, (struct span){succ, sizeof succ}));
	pump(&p);
	CHECK_ERR(error_of(p.s), SD_ERR_USERAUTH_SUCCESS_FROM_CLIENT);
	CHECK_EQ_U(machine_result(p.s)->auth, AUTH_PENDING);
	CHECK_EQ_U(count_events(p.s, MEV_SERVICE), 1);
	CHECK_EQ_U(machine_result(p.c)->auth, AUTH_PENDING);
	CHECK_ERR(error_of(p.c), SD_ERR_PEER_DISCONNECT);
	pair_free(&p);
}

static void global_request_before_auth(void)
{
	uint8_t req[] = {MSG_GLOBAL_REQUEST, 0, 0, 0, 1, 'x', 1};
	struct pair p;
	pair_config(&p);
	pair_start(&p);
	while (machine_result(p.c)->kex_count == 0 && step(&p) > 0)
		;
	CHECK_OK(machine_send_payload(p.c, (struct span){req, sizeof req}));
	pump(&p);
	CHECK_ERR(error_of(p.s), SD_ERR_CONNECTION_BEFORE_AUTH);
	pair_free(&p);

	/* after authentication: refused politely, connection goes on */
	pair_config(&p);
	pair_start(&p);
	pump(&p);
	check_success(&p, "publickey");
	uint8_t open[] = {MSG_CHANNEL_OPEN, 0, 0, 0, 7, 's', 'e', 's', 's', 'i', 'o', 'n', 0, 0, 0, 5,
			  0, 0, 0x80, 0, 0, 0, 0x40, 0};
	uint8_t unknown[] = {200};
	CHECK_OK(machine_send_payload(p.c, (struct span){req, sizeof req}));
	CHECK_OK(machine_send_payload(p.c, (struct span){open, sizeof open}));
	CHECK_OK(machine_send_payload(p.c, (struct span){unknown, sizeof unknown}));
	machine_events_clear(p.c);
	pump(&p);
	CHECK_ERR(error_of(p.s), SD_OK);
	CHECK(message_event(p.c, MSG_REQUEST_FAILURE) != NULL);
	CHECK(message_event(p.c, MSG_CHANNEL_OPEN_FAILURE) != NULL);
	/* the server does not know 200; the client knows neither 82 nor 92 */
	CHECK_EQ_U(count_events(p.c, MEV_UNIMPLEMENTED), 1);
	CHECK_EQ_U(count_events(p.s, MEV_UNIMPLEMENTED), 2);
	pair_free(&p);
}

static void version_errors(void)
{
	char longv[301];
	struct pair p;

	/* RFC 4253 section 4.2: 300 bytes > 255 */
	memset(longv, 'a', sizeof longv - 1);
	memcpy(longv, "SSH-2.0-", 8);
	longv[300 - 2] = '\0';
	pair_config(&p);
	p.cc.version = longv;
	pair_start(&p);
	pump(&p);
	CHECK_ERR(error_of(p.s), SD_ERR_VERSION_LENGTH);
	pair_free(&p);

	pair_config(&p);
	p.sc.version = longv;
	pair_start(&p);
	pump(&p);
	CHECK_ERR(error_of(p.c), SD_ERR_VERSION_LENGTH);
	pair_free(&p);

	/* a server accepts no line before the identification */
	pair_config(&p);
	pair_start(&p);
	const char *pre = "hello\r\n";
	CHECK_ERR(machine_input(p.s, (const uint8_t *)pre, strlen(pre)), SD_ERR_VERSION_PREBANNER);
	pair_free(&p);

	/* a client skips them */
	pair_config(&p);
	pair_start(&p);
	const char *lines = "line one\r\nline two\r\nthird\n";
	CHECK_OK(machine_input(p.c, (const uint8_t *)lines, strlen(lines)));
	pump(&p);
	check_success(&p, "publickey");
	pair_free(&p);

	/* implementation limits on what a client skips */
	pair_config(&p);
	pair_start(&p);
	struct sbuf many = SBUF_INIT;
	for (int i = 0; i < 1025; i++)
		sbuf_put(&many, "x\r\n", 3);
	CHECK_ERR(machine_input(p.c, many.data, many.len), SD_ERR_VERSION_TOO_MANY_LINES);
	pair_free(&p);
	pair_config(&p);
	pair_start(&p);
	sbuf_reset(&many);
	for (int i = 0; i < 9000; i++)
		sbuf_put_u8(&many, 'x');
	CHECK_ERR(machine_input(p.c, many.data, many.len), SD_ERR_VERSION_TOO_MANY_LINES);
	sbuf_free(&many);
	pair_free(&p);

	/* protocol 1.5, missing CR, NUL */
	const char *bad[] = {"SSH-1.5-x\r\n", "SSH-2.0-x\n", "SSH-2.0-a\0b\r\n", "SSH-2.0\r\n"};
	const sd_err want[] = {SD_ERR_VERSION_PROTO, SD_ERR_VERSION_SYNTAX, SD_ERR_VERSION_SYNTAX, SD_ERR_VERSION_SYNTAX};
	const size_t len[] = {11, 10, 13, 9};
	for (int i = 0; i < 4; i++) {
		pair_config(&p);
		pair_start(&p);
		CHECK_ERR(machine_input(p.c, (const uint8_t *)bad[i], len[i]), want[i]);
		pair_free(&p);
	}
	/* 1.99 is 2.0 */
	pair_config(&p);
	p.sc.version = "SSH-1.99-old";
	pair_start(&p);
	pump(&p);
	check_success(&p, "publickey");
	pair_free(&p);
}

static void no_common_cipher(void)
{
	struct pair p;
	pair_config(&p);
	p.cc.algs.cipher_cs = p.cc.algs.cipher_sc = "aes128-ctr";
	p.sc.algs.cipher_cs = p.sc.algs.cipher_sc = "aes256-gcm@openssh.com";
	pair_start(&p);
	pump(&p);
	CHECK_ERR(error_of(p.s), SD_ERR_NO_COMMON_CIPHER);
	CHECK_ERR(error_of(p.c), SD_ERR_NO_COMMON_CIPHER);
	pair_free(&p);

	pair_config(&p);
	p.cc.algs.kex = "diffie-hellman-group14-sha1";
	p.sc.algs.kex = "curve25519-sha256";
	pair_start(&p);
	pump(&p);
	CHECK_ERR(error_of(p.s), SD_ERR_NO_COMMON_KEX);
	CHECK_EQ_U(machine_result(p.c)->peer_disconnect_reason, 0); /* the client failed first on its own */
	CHECK_ERR(error_of(p.c), SD_ERR_NO_COMMON_KEX);
	pair_free(&p);
}

/* RFC 4253 section 7: a wrong guess's packet is ignored. */
static void wrong_guess(void)
{
	for (int right = 0; right < 2; right++) {
		struct pair p;
		struct sbuf kexinit = SBUF_INIT, guess = SBUF_INIT;
		struct msg_kexinit k;
		uint8_t junk[] = {MSG_KEXDH_INIT, 0, 0, 0, 3, 1, 2, 3};

		pair_config(&p);
		/* the server prefers another method: the client's guess (its
		 * first method) is wrong, though its first method is chosen */
		if (!right)
			p.sc.algs.kex = "ecdh-sha2-nistp256,curve25519-sha256";
		pair_start(&p);
		first_kexinit(p.c, &kexinit);
		CHECK_OK(msg_kexinit_parse(sbuf_span(&kexinit), &k));
		k.first_kex_follows = 1;
		CHECK_OK(msg_kexinit_put(&guess, &k));
		/* replace the client's KEXINIT by the guessing one */
		struct span out = machine_output(p.c);
		size_t vlen = (size_t)((const uint8_t *)memchr(out.p, '\n', out.len) - out.p) + 1;
		machine_input(p.s, out.p, vlen);
		machine_output_consume(p.c, out.len);
		CHECK_OK(machine_send_payload(p.c, sbuf_span(&guess)));
		CHECK_OK(machine_send_payload(p.c, (struct span){junk, sizeof junk}));
		pump(&p);
		if (!right) {
			check_success(&p, "publickey");
			CHECK_STR(machine_result(p.s)->kex, "curve25519-sha256");
			const struct machine_event *e = message_event(p.s, MSG_KEXDH_INIT);
			CHECK(e && e->err == SD_OK);
		} else {
			/* right guess: the junk is taken as the client's value */
			CHECK_ERR(error_of(p.s), SD_ERR_X25519_LENGTH);
		}
		sbuf_free(&kexinit);
		sbuf_free(&guess);
		pair_free(&p);
	}
}

static void newkeys_early(void)
{
	uint8_t nk[] = {MSG_NEWKEYS};
	struct pair p;
	pair_config(&p);
	pair_start(&p);
	CHECK_OK(machine_send_payload(p.c, (struct span){nk, sizeof nk}));
	pump(&p);
	CHECK_ERR(error_of(p.s), SD_ERR_NEWKEYS_EARLY);
	pair_free(&p);
}

static void ext_info_rules(void)
{
	uint8_t ext[] = {MSG_EXT_INFO, 0, 0, 0, 1, 0, 0, 0, 1, 'x', 0, 0, 0, 1, 'y'};
	struct pair p;

	/* RFC 8308 section 2.2: not asked for */
	pair_config(&p);
	p.cc.no_ext_info = true;
	pair_start(&p);
	bool sent = false;
	for (int i = 0; i < 100; i++) {
		size_t n = move(p.c, p.s, &p.c2s);
		if (!sent && machine_result(p.s)->h_len > 0) {
			/* the server's NEWKEYS is queued: EXT_INFO right after it */
			CHECK_OK(machine_send_payload(p.s, (struct span){ext, sizeof ext}));
			sent = true;
		}
		n += move(p.s, p.c, &p.s2c);
		if (!n)
			break;
	}
	CHECK(sent);
	CHECK_ERR(error_of(p.c), SD_ERR_EXT_INFO_UNSOLICITED);
	pair_free(&p);

	/* section 2.4: not after the first packet following NEWKEYS */
	pair_config(&p);
	pair_start(&p);
	while (machine_result(p.s)->kex_count == 0 && step(&p) > 0)
		;
	pump(&p);
	CHECK_OK(machine_send_payload(p.s, (struct span){ext, sizeof ext}));
	pump(&p);
	CHECK_ERR(error_of(p.c), SD_ERR_EXT_INFO_POSITION);
	pair_free(&p);
}

static void auth_failures(void)
{
	struct pair p;
	pair_config(&p);
	p.cc.password = "wrong";
	p.identities[0] = stranger;
	pair_start(&p);
	pump(&p);
	CHECK_EQ_U(machine_result(p.c)->auth, AUTH_FAILURE);
	CHECK_ERR(error_of(p.c), SD_ERR_AUTH_FAILED);
	CHECK(machine_done(p.c));
	CHECK_EQ_U(machine_result(p.s)->auth, AUTH_PENDING);
	CHECK_ERR(error_of(p.s), SD_ERR_PEER_DISCONNECT);
	CHECK_EQ_U(machine_result(p.s)->peer_disconnect_reason, DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE);
	/* none, publickey query, password */
	CHECK_EQ_U(count_events(p.c, MEV_AUTH_FAILURE), 3);
	pair_free(&p);

	/* wrong user */
	pair_config(&p);
	p.cc.user = "bob";
	pair_start(&p);
	pump(&p);
	CHECK_EQ_U(machine_result(p.c)->auth, AUTH_FAILURE);
	CHECK_ERR(error_of(p.c), SD_ERR_AUTH_FAILED);
	pair_free(&p);

	/* host key not the known one */
	pair_config(&p);
	struct sigkey *known[] = {host_ec};
	p.cc.known_host_keys = known;
	p.cc.n_known_host_keys = 1;
	pair_start(&p);
	pump(&p);
	CHECK_ERR(error_of(p.c), SD_ERR_HOSTKEY_UNTRUSTED);
	CHECK_EQ_U(machine_result(p.s)->peer_disconnect_reason, DISCONNECT_HOST_KEY_NOT_VERIFIABLE);
	pair_free(&p);

	/* the known one */
	pair_config(&p);
	known[0] = host_ed;
	p.cc.known_host_keys = known;
	p.cc.n_known_host_keys = 1;
	pair_start(&p);
	pump(&p);
	check_success(&p, "publickey");
	pair_free(&p);
}

static void eof(void)
{
	struct pair p;
	pair_config(&p);
	pair_start(&p);
	machine_input_eof(p.s);
	CHECK_ERR(error_of(p.s), SD_ERR_EOF);
	CHECK(machine_done(p.s));
	pair_free(&p);
}

/* ---- negotiation alone ---- */

static void negotiation(void)
{
	struct span out;
	CHECK(negotiate_pick(span_cstr("a,b,c"), span_cstr("c,b"), &out));
	CHECK(span_eq_cstr(out, "b"));
	CHECK(!negotiate_pick(span_cstr("a"), span_cstr("b"), &out));
	CHECK(!negotiate_pick(span_cstr(""), span_cstr("b"), &out));

	struct msg_kexinit c, s;
	memset(&c, 0, sizeof c);
	c.lists[KEXINIT_KEX] = span_cstr("curve25519-sha256,ecdh-sha2-nistp256");
	c.lists[KEXINIT_HOSTKEY] = span_cstr("ssh-ed25519");
	c.lists[KEXINIT_CIPHER_CS] = span_cstr("aes128-gcm@openssh.com,aes128-ctr");
	c.lists[KEXINIT_CIPHER_SC] = span_cstr("aes128-ctr");
	c.lists[KEXINIT_MAC_CS] = span_cstr("hmac-sha1");
	c.lists[KEXINIT_MAC_SC] = span_cstr("hmac-sha2-256,hmac-sha1");
	c.lists[KEXINIT_COMP_CS] = c.lists[KEXINIT_COMP_SC] = span_cstr("none");
	s = c;
	s.lists[KEXINIT_KEX] = span_cstr("ecdh-sha2-nistp256,curve25519-sha256");
	s.lists[KEXINIT_MAC_CS] = span_cstr("hmac-sha2-512");
	s.lists[KEXINIT_MAC_SC] = span_cstr("hmac-sha1,hmac-sha2-256");
	struct negotiated n;
	/* c->s is AEAD: its MAC lists need not meet */
	CHECK_OK(negotiate_algs(&c, &s, &n));
	CHECK_STR(n.kex->name, "curve25519-sha256");
	CHECK_STR(n.cipher_cs->name, "aes128-gcm@openssh.com");
	CHECK(n.mac_cs == NULL);
	CHECK_STR(n.mac_sc->name, "hmac-sha2-256");
	CHECK(!negotiate_guess_right(&c, &s));
	s.lists[KEXINIT_KEX] = c.lists[KEXINIT_KEX];
	CHECK(negotiate_guess_right(&c, &s));
	s.lists[KEXINIT_HOSTKEY] = span_cstr("ssh-rsa,ssh-ed25519");
	CHECK(!negotiate_guess_right(&c, &s));

	s.lists[KEXINIT_CIPHER_CS] = span_cstr("aes128-ctr");
	CHECK_ERR(negotiate_algs(&c, &s, &n), SD_ERR_NO_COMMON_MAC);
	s.lists[KEXINIT_MAC_CS] = span_cstr("");
	CHECK_ERR(negotiate_algs(&c, &s, &n), SD_ERR_KEXINIT_NAMELIST);
	s.lists[KEXINIT_MAC_CS] = span_cstr("hmac-sha1");
	CHECK_OK(negotiate_algs(&c, &s, &n));
	s.lists[KEXINIT_COMP_SC] = span_cstr("zlib");
	CHECK_ERR(negotiate_algs(&c, &s, &n), SD_ERR_NO_COMMON_COMPRESSION);
	s.lists[KEXINIT_COMP_SC] = span_cstr("none");
	s.lists[KEXINIT_HOSTKEY] = span_cstr("ssh-rsa");
	CHECK_ERR(negotiate_algs(&c, &s, &n), SD_ERR_NO_COMMON_HOSTKEY);
	/* a pseudo-algorithm both list is not a method: RFC 8308 section 2.2,
	 * "the parties MUST disconnect" (it is not skipped for the next name) */
	s.lists[KEXINIT_HOSTKEY] = c.lists[KEXINIT_HOSTKEY];
	c.lists[KEXINIT_KEX] = span_cstr("ext-info-c,curve25519-sha256");
	s.lists[KEXINIT_KEX] = span_cstr("ext-info-c,curve25519-sha256");
	CHECK_ERR(negotiate_algs(&c, &s, &n), SD_ERR_NO_COMMON_KEX);
	c.lists[KEXINIT_KEX] = span_cstr("kex-strict-s-v00@openssh.com,curve25519-sha256");
	s.lists[KEXINIT_KEX] = span_cstr("curve25519-sha256,kex-strict-s-v00@openssh.com");
	CHECK_ERR(negotiate_algs(&c, &s, &n), SD_ERR_NO_COMMON_KEX);

	/* An agreed name the engine does not implement: both sides offered
	 * it, so there is a common method; the engine was configured to offer
	 * what it lacks (impl-unsupported), for every category. */
	static const struct {
		enum kexinit_list list;
		const char *name;
	} lacks[] = {
		{KEXINIT_KEX, "umac-64@openssh.com"},
		{KEXINIT_HOSTKEY, "ssh-dss"},
		{KEXINIT_CIPHER_CS, "aes128-cbc"},
		{KEXINIT_CIPHER_SC, "3des-cbc"},
		{KEXINIT_MAC_SC, "umac-64@openssh.com"},
	};
	c.lists[KEXINIT_KEX] = s.lists[KEXINIT_KEX] = span_cstr("curve25519-sha256");
	CHECK_OK(negotiate_algs(&c, &s, &n));
	for (size_t i = 0; i < sizeof lacks / sizeof lacks[0]; i++) {
		struct msg_kexinit c2 = c, s2 = s;
		c2.lists[lacks[i].list] = s2.lists[lacks[i].list] = span_cstr(lacks[i].name);
		CHECK_ERR(negotiate_algs(&c2, &s2, &n), SD_ERR_UNSUPPORTED);
	}
	/* "none" is known and still never agreed */
	c.lists[KEXINIT_CIPHER_SC] = s.lists[KEXINIT_CIPHER_SC] = span_cstr("none");
	CHECK_ERR(negotiate_algs(&c, &s, &n), SD_ERR_NO_COMMON_CIPHER);
}

int main(void)
{
	CHECK_OK(sigkey_generate(SIGKEY_ED25519, 0, &host_ed));
	CHECK_OK(sigkey_generate(SIGKEY_ECDSA_P256, 0, &host_ec));
	CHECK_OK(sigkey_generate(SIGKEY_RSA, 2048, &host_rsa));
	CHECK_OK(sigkey_generate(SIGKEY_ED25519, 0, &user_ed));
	CHECK_OK(sigkey_generate(SIGKEY_ED25519, 0, &stranger));
	user_rsa = host_rsa; /* one RSA key per run: it serves as the user's too */

	negotiation();
	default_handshake();
	password_handshake();
	rsa_user_key();
	partial_success();
	banner();
	rekey();
	rekey_crossing();
	rekey_gex();
	strict_kex_options();
	determinism();
	strict_kex_ignore();
	strict_kex_first();
	kexinit_reserved();
	before_first_kexinit();
	unusable_config();
	userauth_success_from_client();
	global_request_before_auth();
	version_errors();
	no_common_cipher();
	wrong_guess();
	newkeys_early();
	ext_info_rules();
	auth_failures();
	eof();

	sigkey_free(host_ed);
	sigkey_free(host_ec);
	sigkey_free(host_rsa);
	sigkey_free(user_ed);
	sigkey_free(stranger);
	return check_finish();
}

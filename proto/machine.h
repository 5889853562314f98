/*
 * machine.h — the SSH client and server state machines, sans-IO.
 *
 * Bytes from the peer go in (machine_input), bytes for the peer come out
 * (machine_output / machine_output_consume), events say what happened.  No
 * sockets, no clock, randomness only from cfg->rng: a run is a function of
 * the configuration, the seed and the bytes received.
 *
 * Covered: version exchange (RFC 4253 section 4.2; a client skips lines
 * before the server's identification, a server accepts none), KEXINIT and
 * negotiation (section 7.1, incl. first_kex_packet_follows and wrong
 * guesses), every method of kex.h, NEWKEYS, rekey by either side, strict kex
 * (OpenSSH PROTOCOL), ext-info-c/-s and EXT_INFO server-sig-algs (RFC 8308),
 * SERVICE_REQUEST/ACCEPT, userauth none/password/publickey with PK_OK,
 * BANNER and partial success (RFC 4252), DISCONNECT, IGNORE, DEBUG,
 * UNIMPLEMENTED.  Channels are refused (CHANNEL_OPEN_FAILURE).
 *
 * The first violation by the peer is fatal: the machine queues a DISCONNECT
 * naming the rule, records it in the result and stops reading.
 */
#ifndef SSHDIFF_PROTO_MACHINE_H
#define SSHDIFF_PROTO_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/kex.h"
#include "crypto/sigkey.h"
#include "msg.h"
#include "rng.h"
#include "wire.h"

enum machine_role { MACHINE_CLIENT, MACHINE_SERVER };

/* Algorithm name-lists this side proposes, in preference order.  NULL means
 * every algorithm the engine supports (the *_default_list() functions). */
struct machine_algs {
	const char *kex;
	const char *hostkey;
	const char *cipher_cs, *cipher_sc;
	const char *mac_cs, *mac_sc;
	const char *comp_cs, *comp_sc; /* only "none" is supported */
};

struct machine_config {
	enum machine_role role;
	struct rng *rng;     /* required */
	const char *version; /* without CR LF; NULL: "SSH-2.0-sshdiff_0.1" */
	struct machine_algs algs;
	bool no_strict_kex;  /* do not offer kex-strict-*-v00@openssh.com */
	bool no_ext_info;    /* do not offer ext-info-c / ext-info-s */
	uint32_t max_packet; /* 0: PACKET_MAX_DEFAULT */
	/* GEX client: the bounds it requests (0: 2048, 3072, 8192) */
	uint32_t gex_min, gex_n, gex_max;

	/* server */
	struct sigkey *const *host_keys; /* private keys, one per type offered */
	size_t n_host_keys;
	const char *banner;              /* USERAUTH_BANNER to send, or NULL */
	const char *auth_user;           /* the one user that may log in */
	const char *auth_password;       /* NULL: password auth not offered */
	struct sigkey *const *authorized_keys;
	size_t n_authorized_keys;
	/* Methods that must all succeed, in any order, comma-separated
	 * ("publickey,password" gives partial success after the first);
	 * NULL: any one offered method is enough. */
	const char *auth_required;

	/* client */
	const char *user;
	const char *password;            /* NULL: do not try password */
	struct sigkey *const *identities; /* private keys for publickey */
	size_t n_identities;
	/* Methods to try, in order (default "none,publickey,password"). */
	const char *auth_order;
	/* Host keys the client accepts; none given: any (recorded in result). */
	struct sigkey *const *known_host_keys;
	size_t n_known_host_keys;
};

enum machine_event_type {
	MEV_VERSION,       /* peer identification received */
	MEV_MESSAGE,       /* a packet was received (msg, err says accepted or not) */
	MEV_KEXINIT,       /* peer KEXINIT received */
	MEV_KEX_DONE,      /* both NEWKEYS: new keys in use both ways */
	MEV_EXT_INFO,      /* EXT_INFO received */
	MEV_SERVICE,       /* service accepted (client) / granted (server) */
	MEV_BANNER,        /* USERAUTH_BANNER received (client) */
	MEV_AUTH_PARTIAL,  /* partial success */
	MEV_AUTH_SUCCESS,
	MEV_AUTH_FAILURE,  /* one attempt failed (value: method index) */
	MEV_DISCONNECT,    /* peer sent DISCONNECT (value: reason) */
	MEV_IGNORE,
	MEV_DEBUG,
	MEV_UNIMPLEMENTED, /* peer said UNIMPLEMENTED (value: its seqnr) */
	MEV_ERROR,         /* fatal: err names the rule */
};

struct machine_event {
	enum machine_event_type type;
	uint8_t msg;    /* message number involved, 0 if none */
	sd_err err;     /* SD_OK, or the rule broken */
	uint32_t value; /* type-specific */
};

enum machine_auth { AUTH_PENDING, AUTH_SUCCESS, AUTH_FAILURE };

/* Current (last negotiated) key material, for tests and the actor. */
struct machine_keys {
	uint8_t iv_cs[64], iv_sc[64];
	uint8_t key_cs[64], key_sc[64];
	uint8_t mac_cs[64], mac_sc[64];
	size_t iv_len_cs, iv_len_sc, key_len_cs, key_len_sc, mac_len_cs, mac_len_sc;
};

struct machine_result {
	sd_err error;              /* SD_OK unless the connection failed */
	bool closed;               /* no more input will be processed */
	enum machine_auth auth;
	char auth_method[32];      /* method that completed authentication */
	uint32_t peer_disconnect_reason; /* 0 if the peer did not disconnect */
	char peer_version[256];
	/* negotiated, names ("" before the first KEXINIT exchange) */
	char kex[64], hostkey[64];
	char cipher_cs[64], cipher_sc[64], mac_cs[64], mac_sc[64];
	char comp_cs[32], comp_sc[32];
	bool strict_kex;
	bool peer_ext_info;        /* EXT_INFO received */
	char server_sig_algs[512]; /* from EXT_INFO (client), "" if none */
	unsigned kex_count;        /* completed key exchanges */
	uint8_t h[KEX_HASH_MAX], session_id[KEX_HASH_MAX];
	size_t h_len, session_id_len;
	struct machine_keys keys;
	/* client: the server's host key blob seen in the last exchange */
	uint8_t server_hostkey[2048];
	size_t server_hostkey_len;
};

struct machine;

/* Creates the machine and queues its identification line (and KEXINIT).
 * A configuration whose KEXINIT could never negotiate is refused:
 * SD_ERR_KEXINIT_NAMELIST when a required list would be empty (a server
 * with no host key for any configured host key algorithm, no key exchange
 * method besides the markers), SD_ERR_NAMELIST when one is malformed. */
sd_err machine_new(const struct machine_config *cfg, struct machine **out);
void machine_free(struct machine *m);

/* Bytes received from the peer.  Returns SD_OK while the connection goes
 * on, or the error that ended it (also in the result; any DISCONNECT we owe
 * is queued in the output). */
sd_err machine_input(struct machine *m, const uint8_t *data, size_t len);
/* The peer closed its side. */
void machine_input_eof(struct machine *m);

/* Bytes waiting to be sent. */
struct span machine_output(const struct machine *m);
void machine_output_consume(struct machine *m, size_t n);

/* Seals payload as the next packet in the current outgoing direction,
 * bypassing the state machine: for tests and the actor's injections (a
 * USERAUTH_SUCCESS from a client, an IGNORE before NEWKEYS...).  One
 * exception: a well-formed KEXINIT sent before the peer's KEXINIT of the
 * current exchange arrived replaces ours for negotiation and the exchange
 * hash (it is what the peer will use), so an injected KEXINIT (e.g. with
 * first_kex_packet_follows) still gives a working exchange. */
sd_err machine_send_payload(struct machine *m, struct span payload);

/* Starts a key re-exchange (after the first one finished). */
sd_err machine_rekey(struct machine *m);
/* Queues a DISCONNECT (by application) and closes. */
sd_err machine_disconnect(struct machine *m, uint32_t reason, const char *description);

/* Finished: authenticated (client/server), failed, or closed. */
bool machine_done(const struct machine *m);
const struct machine_result *machine_result(const struct machine *m);

/* Events since the last clear, in order. */
size_t machine_events(const struct machine *m, const struct machine_event **events);
void machine_events_clear(struct machine *m);

#endif

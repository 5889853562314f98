/*
 * machine_impl.h — what the transport (machine.c) shares with the
 * authentication layers (machine_client.c, machine_server.c).  Not part of
 * the engine's API.
 *
 * machine.c owns the identification exchange, packet I/O, key exchange,
 * NEWKEYS, strict kex, EXT_INFO and the transport messages; every packet it
 * does not handle itself goes to the role's dispatch function.
 */
#ifndef SSHDIFF_PROTO_MACHINE_IMPL_H
#define SSHDIFF_PROTO_MACHINE_IMPL_H

#include "machine.h"
#include "negotiate.h"
#include "packet.h"

/* Where the current key exchange stands (RFC 4253 sections 7 and 8,
 * RFC 4419 section 3). */
enum kx_state {
	KX_IDLE,              /* no exchange in progress */
	KX_WAIT_KEXINIT,      /* we sent KEXINIT, the peer's has not arrived */
	KX_C_WAIT_GEX_GROUP,  /* client sent KEX_DH_GEX_REQUEST */
	KX_C_WAIT_REPLY,      /* client sent its public value */
	KX_S_WAIT_GEX_REQUEST,
	KX_S_WAIT_INIT,       /* server waits for the client's public value */
	KX_WAIT_NEWKEYS,      /* our NEWKEYS is sent, the peer's is due */
};

/* Client authentication progress (RFC 4252). */
enum auth_c_state {
	AUTH_C_IDLE,          /* before the first key exchange finished */
	AUTH_C_WAIT_SERVICE,  /* SERVICE_REQUEST sent */
	AUTH_C_WAIT_RESULT,   /* a USERAUTH_REQUEST is outstanding */
	AUTH_C_WAIT_PK_OK,    /* a publickey query is outstanding */
	AUTH_C_DONE,
};

enum auth_s_state {
	AUTH_S_WAIT_SERVICE,
	AUTH_S_USERAUTH,
	AUTH_S_DONE,
};

#define AUTH_METHODS_MAX 8

struct machine {
	struct machine_config cfg;
	struct machine_result res;

	struct machine_event *events;
	size_t n_events, cap_events;

	/* I/O: bytes received not yet used start at in_off. */
	struct sbuf in, out;
	size_t in_off;
	struct sbuf payload; /* the packet being handled */
	struct packet_dir rx, tx;

	/* identification exchange, RFC 4253 section 4.2 */
	char *our_version;
	bool version_done;
	unsigned pre_lines;
	size_t pre_bytes;

	/* key exchange */
	enum kx_state kx;
	bool got_peer_kexinit; /* this round */
	bool first_kex_done;
	bool first_kexinit_seen; /* the peer's first KEXINIT was handled */
	bool offered_ext_info, peer_offered_ext_info;
	bool offered_strict;
	bool drop_guess;     /* wrong first_kex_packet_follows guess */
	bool ext_slot;       /* next packet is the first after the peer's first NEWKEYS */
	bool ext_before_success; /* EXT_INFO taken as the one before USERAUTH_SUCCESS */
	struct sbuf my_kexinit, peer_kexinit;
	struct sbuf deferred; /* string-framed payloads held during our exchange */
	struct negotiated neg;
	struct kex_ephemeral *eph;
	struct sbuf q_c, q_s, k, k_s;
	struct sbuf gex_p, gex_g; /* mpint contents */
	bool gex_old;
	uint32_t gex_min, gex_n, gex_max;
	struct sbuf server_sig_algs;

	/* client authentication */
	enum auth_c_state ac;
	struct span order[AUTH_METHODS_MAX];
	size_t n_order, order_i; /* next method of order to try */
	size_t identity_i;       /* next identity to try (publickey) */
	const struct sig_alg *pk_alg;
	bool none_tried, password_tried;
	bool have_server_methods;
	struct sbuf server_methods;  /* "can continue" list of the last FAILURE */
	const char *current_method;

	/* server authentication */
	enum auth_s_state as;
	bool banner_sent;
	unsigned required_done; /* bit per method of cfg->auth_required */

	/* A non-fatal finding on the packet being handled: goes into its
	 * MEV_MESSAGE (a bad publickey signature, an unusable algorithm). */
	sd_err soft_err;
	uint8_t cur_msg; /* number of the packet being handled */
	struct sbuf scratch;
};

/* machine.c */
sd_err machine_emit(struct machine *m, enum machine_event_type type, uint8_t msg, sd_err err, uint32_t value);
/* Seals and queues one payload in the current outgoing direction. */
sd_err machine_send(struct machine *m, struct span payload);
/* Serialises with put into m->scratch and sends it. */
sd_err machine_send_built(struct machine *m, sd_err put_result);
/* Ends the connection: records err, queues DISCONNECT(reason). */
sd_err machine_fail(struct machine *m, sd_err err, uint32_t reason);
sd_err machine_send_unimplemented(struct machine *m, uint32_t seqnr);
void machine_copy_name(char *dst, size_t dst_size, struct span name);

/* machine_client.c / machine_server.c: packets after the first key
 * exchange that the transport does not handle.  seqnr for UNIMPLEMENTED. */
sd_err machine_client_start(struct machine *m);
sd_err machine_client_dispatch(struct machine *m, uint8_t msg, struct span payload, uint32_t seqnr);
sd_err machine_server_dispatch(struct machine *m, uint8_t msg, struct span payload, uint32_t seqnr);
/* Connection layer after authentication: channels and global requests are
 * refused (RFC 4254 sections 4 and 5.1). */
sd_err machine_connection_refuse(struct machine *m, uint8_t msg, struct span payload, uint32_t seqnr);

#endif

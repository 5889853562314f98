/*
 * verifier_impl.h — what the verifier's state machine files share; not part
 * of its API.
 *
 *   verifier.c       lifecycle, identification lines, the packet loop and
 *                    the dispatch rules that hold in every state (key
 *                    exchange window, strict kex, EXT_INFO, generic
 *                    transport messages)
 *   verifier_kex.c   KEXINIT, negotiation, the exchange of both roles,
 *                    the exchange hash, keys and NEWKEYS
 *   verifier_auth.c  service request, user authentication of both roles,
 *                    connection-layer messages
 */
#ifndef SSHDIFF_VERIFIER_IMPL_H
#define SSHDIFF_VERIFIER_IMPL_H

#include "oracle/verifier/verifier.h"
#include "oracle/verifier/vhash.h"
#include "oracle/verifier/vkex.h"
#include "oracle/verifier/vkeys.h"
#include "oracle/verifier/vmsg.h"
#include "oracle/verifier/vpacket.h"

/* Message numbers (RFC 4250 section 4.1). */
enum {
	M_DISCONNECT = 1, M_IGNORE = 2, M_UNIMPLEMENTED = 3, M_DEBUG = 4,
	M_SERVICE_REQUEST = 5, M_SERVICE_ACCEPT = 6, M_EXT_INFO = 7,
	M_KEXINIT = 20, M_NEWKEYS = 21,
	M_KEX_30 = 30, M_KEX_31 = 31, M_GEX_INIT = 32, M_GEX_REPLY = 33, M_GEX_REQUEST = 34,
	M_USERAUTH_REQUEST = 50, M_USERAUTH_FAILURE = 51, M_USERAUTH_SUCCESS = 52, M_USERAUTH_BANNER = 53,
	M_USERAUTH_PK_OK = 60,
	M_GLOBAL_REQUEST = 80, M_REQUEST_FAILURE = 82, M_CHANNEL_OPEN = 90, M_CHANNEL_OPEN_FAILURE = 92,
};

/* RFC 4253 section 11.1 reason codes the verifier sends. */
enum {
	DR_PROTOCOL_ERROR = 2, DR_KEY_EXCHANGE_FAILED = 3, DR_MAC_ERROR = 5, DR_SERVICE_NOT_AVAILABLE = 7,
	DR_PROTOCOL_VERSION = 8, DR_HOST_KEY_NOT_VERIFIABLE = 9, DR_NO_MORE_AUTH_METHODS = 14,
};

/* Where the key exchange of the current round stands. */
enum kex_phase {
	KP_IDLE,             /* no round running (after the first) */
	KP_WAIT_KEXINIT,     /* our KEXINIT sent, the peer's awaited */
	KP_WAIT_GEX_REQUEST, /* server, RFC 4419 */
	KP_WAIT_GEX_GROUP,   /* client, RFC 4419 */
	KP_WAIT_INIT,        /* server: KEXDH_INIT / KEX_ECDH_INIT / KEX_DH_GEX_INIT */
	KP_WAIT_REPLY,       /* client: the server's reply */
	KP_WAIT_NEWKEYS,     /* our NEWKEYS sent, the peer's awaited */
};

/* Client authentication: what was sent last. */
enum auth_stage { CA_NONE, CA_SERVICE, CA_QUERY, CA_SIGNED, CA_PASSWORD, CA_DONE };

/* The algorithms of one round. */
struct vneg {
	const struct vkex_method *kex;
	const struct vsigalg *hostkey;
	const struct vcipher *cipher_cs, *cipher_sc;
	const struct vmac *mac_cs, *mac_sc;
};

/* Keys of one direction, waiting for the NEWKEYS that enables them. */
struct vkeys_pending {
	bool ready;
	const struct vcipher *c;
	const struct vmac *m;
	uint8_t key[64], iv[16], mac_key[64];
};

struct verifier {
	struct verifier_config cfg; /* strings below are owned copies */
	char *s_version, *s_kex, *s_hostkey, *s_cipher, *s_mac, *s_user, *s_password;
	struct vrng rng;
	struct vkey host_key; /* server: ours (private); client: the trusted one */
	struct vkey user_key; /* client: ours (private); server: the authorized one */
	struct verifier_result res;
	struct vbuf out, in;

	/* identification (RFC 4253 section 4.2) */
	bool version_done;
	struct vbuf v_ours, v_peer; /* without CR LF */
	size_t pre_bytes;

	/* packets */
	struct vdir tx, rx;
	bool rx_before_kexinit;   /* a packet came before the peer's first KEXINIT */
	unsigned rx_after_newkeys; /* packets since the peer's first NEWKEYS */

	/* key exchange */
	enum kex_phase phase;
	bool peer_kexinit_seen;   /* in this round */
	struct vbuf i_ours, i_peer;
	struct vneg neg;
	struct vkex kx;
	struct vbuf k_s;          /* the host key blob of this round */
	struct vbuf peer_pub;     /* the peer's e / f / Q of this round (as vkex.pub) */
	bool ignore_next;         /* RFC 4253 section 7.1: a wrong guess follows */
	bool peer_ext_info;       /* the peer offered ext-info-c / -s */
	uint8_t session_id[VH_MAX];
	size_t session_id_len;
	struct vkeys_pending rx_next;

	/* RFC 8308 */
	bool ext_info_before_success; /* client: the one allowed before SUCCESS was used */
	bool expect_success_next;
	char server_sig_algs[512];

	/* service and user authentication */
	bool service_ok;          /* server: ssh-userauth accepted; client: SERVICE_ACCEPT seen */
	bool authed;
	enum auth_stage stage;
	const struct vsigalg *user_alg; /* client: the algorithm of our publickey requests */
};

/* verifier.c */
enum vrule v_send(struct verifier *v, struct vbuf *payload); /* seals and resets payload */
void v_decide(struct verifier *v, uint8_t msg, enum vrule rule, bool fatal);
void v_note(struct verifier *v, enum vrule rule);
enum vrule v_unsupported(struct verifier *v, const char *what, struct vspan name);
/* Queues a DISCONNECT (reason, rule id as description) and closes. */
void v_disconnect(struct verifier *v, uint32_t reason, enum vrule why);
/* RFC 4253 section 11.4: UNIMPLEMENTED for the packet numbered seq. */
enum vrule v_unimplemented(struct verifier *v, uint32_t seq);

/* verifier_kex.c */
enum vrule vk_send_kexinit(struct verifier *v);
enum vrule vk_on_kexinit(struct verifier *v, struct vspan payload);
enum vrule vk_on_kex_msg(struct verifier *v, uint8_t msg, struct vspan payload, uint32_t seq);
enum vrule vk_on_newkeys(struct verifier *v, struct vspan payload, uint32_t seq);
void vk_free(struct verifier *v);

/* verifier_auth.c */
enum vrule vauth_start(struct verifier *v); /* client, after the first exchange */
enum vrule vauth_on_service(struct verifier *v, uint8_t msg, struct vspan payload);
enum vrule vauth_on_userauth(struct verifier *v, uint8_t msg, struct vspan payload, uint32_t seq);
enum vrule vauth_on_connection(struct verifier *v, uint8_t msg, struct vspan payload, uint32_t seq);
/* Server: EXT_INFO server-sig-algs after our first NEWKEYS (RFC 8308 2.4). */
enum vrule vauth_send_ext_info(struct verifier *v);

#endif

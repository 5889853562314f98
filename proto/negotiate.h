/*
 * negotiate.h — algorithm negotiation over two parsed KEXINITs (RFC 4253
 * section 7.1).  Pure: no state, no I/O.  The machine parses both KEXINITs
 * (ours and the peer's, exact bytes) and asks here what was agreed.
 */
#ifndef SSHDIFF_PROTO_NEGOTIATE_H
#define SSHDIFF_PROTO_NEGOTIATE_H

#include <stdbool.h>

#include "crypto/cipher.h"
#include "crypto/kex.h"
#include "crypto/mac.h"
#include "crypto/sigkey.h"
#include "msg.h"
#include "wire.h"

struct negotiated {
	const struct kex_method *kex;
	const struct sig_alg *hostkey;
	const struct cipher_alg *cipher_cs, *cipher_sc;
	/* NULL when the direction's cipher is AEAD (tag_len > 0): no MAC is
	 * negotiated then. */
	const struct mac_alg *mac_cs, *mac_sc;
	struct span comp_cs, comp_sc; /* always "none" */
};

/* The client's first name that is also on the server's list; false when
 * there is none. */
bool negotiate_pick(struct span client, struct span server, struct span *out);

/* Per category the client's first name the server also has, encryption and
 * MAC per direction.  Errors: SD_ERR_KEXINIT_NAMELIST (a required list is
 * empty), SD_ERR_NO_COMMON_KEX / _HOSTKEY / _CIPHER / _MAC / _COMPRESSION
 * (also: a marker such as ext-info-c won the kex list, RFC 8308 section
 * 2.2), SD_ERR_UNSUPPORTED (the agreed name is one the engine does not
 * implement: it was configured to offer it). */
sd_err negotiate_algs(const struct msg_kexinit *client, const struct msg_kexinit *server, struct negotiated *out);

/* first_kex_packet_follows: the guessed packet is usable only when both the
 * first kex name and the first host key name of both lists are equal
 * (RFC 4253 section 7). */
bool negotiate_guess_right(const struct msg_kexinit *client, const struct msg_kexinit *server);

#endif

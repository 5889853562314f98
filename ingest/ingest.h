/*
 * ingest.h — what a field capture tells about SSH connections, whichever the
 * source: a pcap/pcapng (ingest_pcap.c and its TCP reassembly) or a debug
 * log (ingest_log.c: OpenSSH ssh -v/-vv/-vvv, sshd DEBUG2/DEBUG3 old and new
 * formats, Tera Term TTSSH.LOG, PuTTY event logs).  Both fill the same
 * struct field_conn; ingest_case.c turns one into cases, ingest_hassh.c
 * fingerprints it, ingest_explain.c explains its negotiation, and
 * replay/ingest_cmd.c is the `sshdiff ingest` command.
 *
 * Damaged input: every problem is an ingest_diag line naming the file and
 * the packet number (pcap, 1-based as Wireshark counts) or the line
 * (logs); the usable parts are still returned.  A file with nothing usable
 * returns SD_ERR_INVALID_ARG with at least one diag line saying why.
 */
#ifndef SSHDIFF_INGEST_INGEST_H
#define SSHDIFF_INGEST_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oracle/case.h"
#include "proto/errors.h"
#include "proto/wire.h"

/* RFC 4253 section 7.1 name-lists, in KEXINIT order. */
enum field_list {
	FL_KEX,
	FL_HOSTKEY,
	FL_CIPHER_CS,
	FL_CIPHER_SC,
	FL_MAC_CS,
	FL_MAC_SC,
	FL_COMP_CS,
	FL_COMP_SC,
	FL_LANG_CS,
	FL_LANG_SC,
	FL_COUNT
};
const char *field_list_name(enum field_list l); /* "kex", "hostkey", "cipher_cs", ... */

/* One side's KEXINIT as far as the source shows it. */
struct field_proposal {
	bool present;
	bool lists_known[FL_COUNT]; /* logs may show only some lists */
	struct sbuf lists[FL_COUNT]; /* NUL-terminated name-list text */
	bool have_cookie;            /* pcap only */
	uint8_t cookie[16];
	bool first_kex_follows;
	uint32_t reserved;
	struct sbuf kexinit; /* the whole KEXINIT payload (pcap), empty for logs */
};

/* One cleartext packet payload of the key exchange, in capture order. */
struct field_packet {
	bool from_client;
	uint32_t frame; /* pcap packet number where its last byte arrived */
	struct sbuf payload;
};

#define FIELD_MAX_PACKETS 16
#define FIELD_MAX_UNUSABLE 8

struct field_conn {
	char file[256];
	/* "192.0.2.1:50022 > 192.0.2.9:2222" (pcap) or "lines 12-57" (log). */
	char where[128];
	bool from_log;
	char client_version[256], server_version[256]; /* "" when unknown */
	struct field_proposal client, server;
	/* pcap: KEXINIT, KEX init/reply, NEWKEYS, ... up to the first NEWKEYS
	 * of each direction (after it the stream is encrypted). */
	struct field_packet packets[FIELD_MAX_PACKETS];
	size_t n_packets;
	bool newkeys_cs, newkeys_sc;
	uint32_t encrypted_from_frame; /* first frame carrying ciphertext, 0 if none seen */
	bool started_mid_connection;   /* no banner seen for one side */
	/* What the source says was negotiated (logs: "kex: algorithm: ..."),
	 * "" when it says nothing. */
	char negotiated[FL_COUNT][64];
	/* Names that cannot be algorithm names, e.g. "[email protected]" left by
	 * web pages that hide e-mail addresses: kept verbatim for the report. */
	char unusable_names[FIELD_MAX_UNUSABLE][96];
	size_t n_unusable;
};

void field_conn_init(struct field_conn *c);
void field_conn_free(struct field_conn *c);

/* Diagnostics: "capture.pcap: packet 17: TCP segment truncated (caplen 54 < 66)". */
struct ingest_diag {
	char **lines;
	size_t n, cap;
	bool damaged; /* something was unusable; the rest was still read */
};
void ingest_diag_add(struct ingest_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ingest_diag_free(struct ingest_diag *d);

struct field_conns {
	struct field_conn *v;
	size_t n, cap;
};
/* Appends a fresh (field_conn_init'ed) connection; NULL on allocation failure. */
struct field_conn *field_conns_add(struct field_conns *cs);
void field_conns_free(struct field_conns *cs);

/* Reads a pcap or pcapng file (libpcap): every TCP connection on any port
 * whose stream starts with (or contains, mid-connection) an "SSH-" banner.
 * Non-SSH connections are ignored (counted in the diag). */
sd_err ingest_pcap(const char *path, struct field_conns *out, struct ingest_diag *diag);

/* Reads a text log; every connection (proposal pair) it shows. */
sd_err ingest_log(const char *path, struct field_conns *out, struct ingest_diag *diag);

/* True when the file starts with a pcap or pcapng magic number. */
bool ingest_is_capture(const uint8_t *head, size_t len);

/* HASSH (client: kex;ciphers c->s;macs c->s;compression c->s) and
 * HASSH-server (the s->c lists), MD5 hex, from a proposal whose lists are
 * known; false when they are not. */
bool field_hassh(const struct field_proposal *p, bool server, char out[33]);

/*
 * A case in which the captured peer is the actor: `client` true builds the
 * case from the client's side (the IUT is a server), replaying that side's
 * version string, proposal lists (verbatim in its KEXINIT), cookie, flags
 * and host key type; values that depend on the other side are recomputed
 * by the actor.  SD_ERR_UNSUPPORTED with why filled when that side's
 * proposal is missing (and the source names no negotiated algorithm to
 * build from instead) or shares nothing the backends implement.  On
 * success why holds notes for the case's comment lines, one per line
 * (lists not in the source, fields not replayed verbatim).
 */
sd_err ingest_case_build(const struct field_conn *c, bool client, struct sshdiff_case *out, char *why,
			 size_t why_size);

/* RFC 4253 section 7.1 negotiation of the two proposals: per category the
 * chosen algorithm, or the category with no common algorithm and both
 * lists.  Appends human text to out. */
sd_err ingest_explain(const struct field_conn *c, struct sbuf *out);

#endif

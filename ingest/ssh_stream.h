/*
 * ssh_stream.h — the SSH protocol as seen in the two byte streams of one
 * reassembled TCP connection: the identification lines (RFC 4253 section
 * 4.2, with the lines a server may send before its own), then the binary
 * packets (RFC 4253 section 6) while they are in cleartext, that is up to
 * and including the first NEWKEYS of each direction (section 7.3).  What it
 * finds goes into a struct field_conn.
 *
 * Directions are numbered 0 and 1 in the order the capture reader chose
 * (the SYN sender first when it saw the SYN).  Until ssh_stream_finish,
 * direction 0 is written as the client; ssh_stream_finish then decides the
 * roles from the evidence and swaps if needed.
 */
#ifndef SSHDIFF_INGEST_SSH_STREAM_H
#define SSHDIFF_INGEST_SSH_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/ingest.h"
#include "proto/packet.h"

/* Bytes of a direction searched for the identification line before the
 * direction is declared not SSH.  RFC 4253 section 4.2 puts no bound on the
 * lines before it; real servers send a few hundred bytes at most. */
#define SSH_STREAM_BANNER_SEARCH (64u * 1024)

/* Largest cleartext packet accepted: OpenSSH's own limit (PACKET_MAX_SIZE),
 * above the 35000 every implementation must take (RFC 4253 section 6.1),
 * since a passive reader should see what the peers accepted. */
#define SSH_STREAM_MAX_PACKET (256u * 1024)

enum ssh_half_state {
	SSH_SEEK_BANNER, /* looking for "SSH-" at a line start */
	SSH_PACKETS,     /* cleartext binary packets */
	SSH_ENCRYPTED,   /* after NEWKEYS: only the first frame is noted */
	SSH_DONE,        /* nothing more wanted (encrypted, or given up) */
};

struct ssh_mark; /* which capture frame carried which stream bytes */

struct ssh_half {
	enum ssh_half_state state;
	bool mid_start;     /* the TCP stream started without its SYN */
	bool not_ssh;       /* no identification line where one must be */
	bool damaged;       /* gave up because of a gap or a bad packet */
	bool banner;        /* identification line seen */
	bool at_line_start; /* buf starts at the beginning of a line */
	bool kexinit_probe_done;
	bool after_gap;     /* a hole just ended: a KEXINIT may start here */
	bool ssh1;
	size_t lines_before; /* lines before the identification line */
	struct sbuf buf;     /* bytes received, not yet used */
	uint64_t buf_off;    /* stream offset of buf.data[0] */
	uint64_t seen;       /* stream bytes received (gaps included) */
	struct ssh_mark *marks;
	size_t n_marks, cap_marks;
	struct packet_dir pd;
	uint32_t first_frame, encrypted_frame;
	size_t packets;            /* cleartext packets read */
	unsigned client_evidence;  /* sent messages only a client sends */
	unsigned server_evidence;  /* ... only a server sends */
};

struct ssh_stream {
	struct ssh_half half[2];
	struct field_conn *conn; /* filled with direction 0 as the client */
	struct ingest_diag *diag;
	const char *file;
	char label[2][160]; /* "a:p > b:q" per direction, for diagnostics */
	size_t packets_dropped; /* past FIELD_MAX_PACKETS */
	struct sbuf scratch;
};

/* conn must be field_conn_init'ed; file and diag outlive the stream. */
void ssh_stream_init(struct ssh_stream *s, struct field_conn *conn, struct ingest_diag *diag, const char *file);
void ssh_stream_free(struct ssh_stream *s);

/* Stream bytes of direction dir in order (p == NULL: n bytes missing from
 * the capture).  Returns false once the direction needs nothing more. */
bool ssh_stream_data(struct ssh_stream *s, int dir, const uint8_t *p, size_t n, uint32_t frame);

/* Something of SSH was found: an identification line or a cleartext
 * KEXINIT at the start of a mid-connection stream. */
bool ssh_stream_found(const struct ssh_stream *s);

/* Decides which direction is the client: syn_client is the direction that
 * sent the SYN (-1 when the capture has none), ports the source port of
 * each direction.  Swaps the conn's sides when direction 1 is the client,
 * sets the flags that need both directions, and says whether the roles were
 * guessed and which direction is the client. */
void ssh_stream_finish(struct ssh_stream *s, int syn_client, const uint16_t ports[2], bool *guessed,
		       int *client_dir);

#endif

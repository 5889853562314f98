/*
 * ingest_log.c — the key exchange as text logs show it (ingest.h):
 *
 *   OpenSSH ssh -v/-vv/-vvv and sshd DEBUG1-3, modern format:
 *     "local client KEXINIT proposal" / "peer server KEXINIT proposal"
 *     then "KEX algorithms: ...", "host key algorithms: ...", "ciphers ctos:
 *     ...", ... "first_kex_follows 0", "reserved 0";
 *   OpenSSH before 7.3, old format: "kex_parse_kexinit: LIST", ten lists per
 *     side in KEXINIT order (RFC 4253 section 7.1), the local side first,
 *     a list possibly wrapped onto the next line(s) without any prefix;
 *   what was negotiated: "kex: algorithm: X", "kex: host key algorithm: X",
 *     "kex: server->client cipher: X MAC: Y compression: Z" (and the old
 *     "kex: server->client X Y Z");
 *   the failures: "no matching mac found: client LIST server LIST" (old
 *     fatal) and "Unable to negotiate with H port P: no matching MAC found.
 *     Their offer: LIST";
 *   versions: "Local version string ...", "Remote protocol version 2.0,
 *     remote software version ...", "Client protocol version 2.0; client
 *     software version ...";
 *   Tera Term TTSSH.LOG: "client proposal: KEX algorithm: ...", "server
 *     proposal: ...", the chosen "KEX algorithm: ...", identification strings;
 *   PuTTY event logs (ssh/verstring.c, ssh/kex2-client.c, ssh/bpp2.c of
 *     PuTTY): "We claim version: ...", "Remote version: ..." ("Server
 *     version: ..." before 0.71), "Doing ECDH key exchange with curve ...",
 *     "Host key fingerprint is:", "Initialised AES-256 SDCTR outbound
 *     encryption" ("client->server" before 0.71).  PuTTY logs no proposal
 *     lists, only what was negotiated.
 *
 * Lines may carry a syslog or journal prefix ("Jan  2 03:04:05 host
 * sshd[123]: "), a bare "sshd[123]: ", a Tera Term "2025-01-23 23:15:30.288Z
 * [23928] " or PuTTY "2024-05-20 10:00:01<TAB>" / "Event Log: " prefix, and
 * sshd's " [preauth]" suffix.  Lines of different processes ([pid]) are kept
 * apart, so interleaved connections of a busy sshd stay separate.
 *
 * A name that cannot be an algorithm name (RFC 4251 section 6), typically
 * "[email protected]" left by web pages that hide e-mail addresses, is
 * left out of its list and recorded in field_conn.unusable_names and in the
 * diagnostics; the file still counts as damaged.
 */
#include "ingest/ingest.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MAX_BYTES (64u << 20) /* a debug log of many connections fits */
#define LOG_SNIFF_BYTES 65536u    /* how much decides "binary" */

enum side { SIDE_CLIENT, SIDE_SERVER, SIDE_NONE };
/* Who wrote the log: the client (ssh, Tera Term, PuTTY) or the server. */
enum role { ROLE_UNKNOWN, ROLE_CLIENT, ROLE_SERVER };
/* Which format filled a connection's lists: how many lists to expect. */
enum fmt { FMT_NONE, FMT_OPENSSH, FMT_TTSSH, FMT_FATAL, FMT_PUTTY };

/* What the reader keeps per connection besides struct field_conn. */
struct conn_meta {
	long pid;            /* the process whose lines fill it; -1 without */
	unsigned first, last; /* lines */
	enum role local;     /* who wrote these lines */
	enum side side;      /* modern format: the proposal being listed */
	unsigned old_n;      /* old format: kex_parse_kexinit lists so far */
	enum fmt fmt;
	bool has_data;       /* proposals, negotiated names or a failure */
	bool fatal_seen;
};

struct log_state {
	const char *path;
	struct field_conns *out;
	struct ingest_diag *diag;
	size_t base; /* this file's first connection in out */
	struct conn_meta *meta;
	size_t cap_meta;
	enum role file_role;
	bool role_assumed; /* said once in the diagnostics */
	unsigned line;
	/* A list line may continue on the next lines (old sshd wraps). */
	bool pending;
	size_t p_conn;
	enum side p_side;
	enum field_list p_list;
	unsigned p_line;
	struct sbuf p_text;
	bool putty_fp_next; /* PuTTY: the fingerprint follows on the next line */
	sd_err err;         /* allocation failure, sticky */
};

/* ---- small text helpers ---- */

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The text after prefix, or NULL when s does not start with it. */
static const char *after(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* Copies at most size-1 bytes of [p, p+n) as a C string. */
static void copy_n(char *dst, size_t size, const char *p, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *skip_digits(const char *p, unsigned min, unsigned max)
{
	unsigned n = 0;

	while (n < max && isdigit((unsigned char)p[n]))
		n++;
	return n >= min ? p + n : NULL;
}

/* "prog[123]: " or, when pid_optional, "prog: "; returns the text after it. */
static const char *match_prog(const char *p, long *pid, bool pid_optional)
{
	const char *q = p;

	while (isalnum((unsigned char)*q) || *q == '_' || *q == '-' || *q == '.' || *q == '/')
		q++;
	if (q == p)
		return NULL;
	if (*q == '[') {
		const char *d = skip_digits(q + 1, 1, 10);
		if (!d || d[0] != ']' || d[1] != ':' || d[2] != ' ')
			return NULL;
		*pid = strtol(q + 1, NULL, 10);
		return d + 3;
	}
	if (pid_optional && q[0] == ':' && q[1] == ' ')
		return q + 2;
	return NULL;
}

/* "Jan  2 03:04:05 " (syslog, RFC 3164) */
static const char *match_syslog_time(const char *p)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *q;

	for (int m = 0; m < 12; m++) {
		if (strncmp(p, months + 3 * m, 3) != 0 || p[3] != ' ')
			continue;
		q = skip_spaces(p + 4);
		if (!(q = skip_digits(q, 1, 2)) || *q != ' ')
			return NULL;
		q++;
		if (!(q = skip_digits(q, 2, 2)) || *q != ':' || !(q = skip_digits(q + 1, 2, 2)) || *q != ':' ||
		    !(q = skip_digits(q + 1, 2, 2)))
			return NULL;
		return *q == ' ' ? q + 1 : NULL;
	}
	return NULL;
}

/* "2025-01-23 23:15:30.288Z", "2024-01-02T03:04:05.123456+00:00": the
 * text after it and the separator that followed (' ' or '\t'). */
static const char *match_iso_time(const char *p, char *sep)
{
	const char *q = skip_digits(p, 4, 4);

	if (!q || *q != '-' || !(q = skip_digits(q + 1, 2, 2)) || *q != '-' || !(q = skip_digits(q + 1, 2, 2)))
		return NULL;
	if (*q != 'T' && *q != ' ')
		return NULL;
	if (!(q = skip_digits(q + 1, 2, 2)) || *q != ':' || !(q = skip_digits(q + 1, 2, 2)) || *q != ':' ||
	    !(q = skip_digits(q + 1, 2, 2)))
		return NULL;
	if (*q == '.' || *q == ',')
		q = skip_digits(q + 1, 1, 9);
	if (q && *q == 'Z')
		q++;
	else if (q && (*q == '+' || *q == '-') && isdigit((unsigned char)q[1])) {
		q = skip_digits(q + 1, 2, 2);
		if (q && *q == ':')
			q++;
		if (q)
			q = skip_digits(q, 2, 2);
	}
	if (!q || (*q != ' ' && *q != '\t'))
		return NULL;
	*sep = *q;
	return q + 1;
}

/* The message of a log line without its prefixes: timestamps, host,
 * "prog[pid]: ", Tera Term's "[pid] ", PuTTY's "Event Log: ". */
static const char *strip_prefix(const char *p, long *pid)
{
	const char *q, *r;
	char sep = 0;

	*pid = -1;
	if (starts(p, "Event Log: "))
		return p + 11;
	if ((q = match_syslog_time(p)) != NULL) {
		/* host, then the program */
		r = q;
		while (*r && *r != ' ')
			r++;
		if (*r == ' ' && (r = match_prog(r + 1, pid, true)) != NULL)
			return r;
		return q;
	}
	if ((q = match_iso_time(p, &sep)) != NULL) {
		if (sep == '\t')
			return q; /* PuTTY's Event Log window */
		if (*q == '[' && (r = skip_digits(q + 1, 1, 10)) && r[0] == ']' && r[1] == ' ') {
			*pid = strtol(q + 1, NULL, 10); /* Tera Term */
			return r + 2;
		}
		r = q;
		while (*r && *r != ' ')
			r++;
		if (*r == ' ' && (r = match_prog(r + 1, pid, true)) != NULL)
			return r; /* rsyslog with ISO time: host prog[pid]: */
		return q;
	}
	if ((q = match_prog(p, pid, false)) != NULL)
		return q;
	return p;
}

/* OpenSSH's level tags. */
static const char *strip_level(const char *p)
{
	static const char *const tags[] = {"debug1: ", "debug2: ", "debug3: ", "fatal: ", "error: ", "info: ",
					   "verbose: "};

	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
		if (starts(p, tags[i]))
			return p + strlen(tags[i]);
	return p;
}

/* ---- connections ---- */

static struct field_conn *conn_at(struct log_state *st, size_t i)
{
	return &st->out->v[st->base + i];
}

static size_t n_conns(const struct log_state *st)
{
	return st->out->n - st->base;
}

static bool conn_new(struct log_state *st, long pid, size_t *idx)
{
	size_t n = n_conns(st);

	if (n == st->cap_meta) {
		size_t cap = st->cap_meta ? 2 * st->cap_meta : 8;
		struct conn_meta *m = realloc(st->meta, cap * sizeof *m);
		if (!m) {
			st->err = SD_ERR_NOMEM;
			return false;
		}
		st->meta = m;
		st->cap_meta = cap;
	}
	if (!field_conns_add(st->out)) {
		st->err = SD_ERR_NOMEM;
		return false;
	}
	st->meta[n] = (struct conn_meta){.pid = pid, .first = st->line, .last = st->line, .local = st->file_role,
					 .side = SIDE_NONE};
	*idx = n;
	return true;
}

/* The connection the lines of process pid fill now; a new one when there
 * is none yet.  Key exchange lines (adopt) of a new process go on the
 * latest connection that so far holds only version lines: sshd logs those
 * from the process that forks the pre-auth child. */
static bool conn_for_ex(struct log_state *st, long pid, bool adopt, size_t *idx)
{
	size_t n = n_conns(st);

	for (size_t i = n; i-- > 0;)
		if (st->meta[i].pid == pid) {
			*idx = i;
			return true;
		}
	if (adopt && n > 0 && !st->meta[n - 1].has_data) {
		st->meta[n - 1].pid = pid;
		*idx = n - 1;
		return true;
	}
	return conn_new(st, pid, idx);
}

static bool conn_for(struct log_state *st, long pid, size_t *idx)
{
	return conn_for_ex(st, pid, true, idx);
}

static void touch(struct log_state *st, size_t idx, bool data)
{
	struct conn_meta *m = &st->meta[idx];

	if (st->line < m->first)
		m->first = st->line;
	if (st->line > m->last)
		m->last = st->line;
	if (data)
		m->has_data = true;
}

static enum role conn_role(const struct log_state *st, size_t idx)
{
	return st->meta[idx].local != ROLE_UNKNOWN ? st->meta[idx].local : st->file_role;
}

/* The side that wrote the log (local) or its peer, when known. */
static enum side role_side(enum role r, bool local)
{
	if (r == ROLE_UNKNOWN)
		return SIDE_NONE;
	return (r == ROLE_CLIENT) == local ? SIDE_CLIENT : SIDE_SERVER;
}

static void assume_role(struct log_state *st, enum role r, const char *why)
{
	if (st->file_role != ROLE_UNKNOWN)
		return;
	st->file_role = r;
	if (!st->role_assumed) {
		st->role_assumed = true;
		ingest_diag_add(st->diag, "%s: line %u: nothing tells whether ssh or sshd wrote this log; %s", st->path,
				st->line, why);
	}
}

static struct field_proposal *proposal(struct field_conn *c, enum side s)
{
	return s == SIDE_CLIENT ? &c->client : &c->server;
}

static const char *side_name(enum side s)
{
	return s == SIDE_CLIENT ? "client" : "server";
}

/* ---- name-lists ---- */

/* RFC 4251 section 6: printable US-ASCII without comma or space, at most
 * 64 characters.  Brackets never occur in algorithm names; they are what
 * e-mail obfuscation leaves ("[email protected]"). */
static bool usable_name(const char *p, size_t n)
{
	if (n == 0 || namelist_check((struct span){(const uint8_t *)p, n}) != SD_OK)
		return false;
	return !memchr(p, '[', n) && !memchr(p, ']', n);
}

static void add_unusable(struct field_conn *c, const char *p, size_t n)
{
	char name[96];

	copy_n(name, sizeof name, p, n);
	for (size_t i = 0; i < c->n_unusable; i++)
		if (strcmp(c->unusable_names[i], name) == 0)
			return;
	if (c->n_unusable < FIELD_MAX_UNUSABLE)
		memcpy(c->unusable_names[c->n_unusable++], name, sizeof name);
}

/* Stores the list text of one proposal: usable names in their order,
 * NUL-terminated (the NUL is not counted in len). */
static void store_list(struct log_state *st, size_t idx, enum side s, enum field_list l, const char *text,
		       size_t len, unsigned line)
{
	struct field_conn *c = conn_at(st, idx);
	struct field_proposal *p = proposal(c, s);
	struct sbuf *b = &p->lists[l];
	char shown[200];
	size_t pos = 0, n_bad = 0, shown_len = 0;
	sd_err e = SD_OK;

	shown[0] = '\0';
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	while (len > 0 && (*text == ' ' || *text == '\t'))
		text++, len--;
	sbuf_reset(b);
	while (pos < len && e == SD_OK) {
		const char *comma = memchr(text + pos, ',', len - pos);
		size_t end = comma ? (size_t)(comma - text) : len;
		const char *name = text + pos;
		size_t n = end - pos;

		if (usable_name(name, n)) {
			if (b->len)
				e = sbuf_put_u8(b, ',');
			if (e == SD_OK)
				e = sbuf_put(b, name, n);
		} else if (n > 0) {
			add_unusable(c, name, n);
			if (n_bad++ < 3 && shown_len + n + 3 < sizeof shown) {
				shown_len += (size_t)snprintf(shown + shown_len, sizeof shown - shown_len, "%s'%.*s'",
							      shown_len ? ", " : "", (int)n, name);
			}
		}
		pos = end + 1;
	}
	/* NUL after the text, outside len, so both views work. */
	if (e == SD_OK && (e = sbuf_put_u8(b, 0)) == SD_OK)
		b->len--;
	if (e != SD_OK) {
		st->err = e;
		return;
	}
	p->present = true;
	p->lists_known[l] = true;
	if (n_bad) {
		st->diag->damaged = true;
		ingest_diag_add(st->diag,
				"%s: line %u: %zu unusable name%s in the %s's %s list (%s%s; e-mail obfuscation by a web "
				"page?): left out",
				st->path, line, n_bad, n_bad == 1 ? "" : "s", side_name(s), field_list_name(l), shown,
				n_bad > 3 ? ", ..." : "");
	}
}

static void flush_pending(struct log_state *st)
{
	if (!st->pending)
		return;
	st->pending = false;
	store_list(st, st->p_conn, st->p_side, st->p_list, (const char *)st->p_text.data, st->p_text.len, st->p_line);
	sbuf_reset(&st->p_text);
}

/* A list whose text may go on on the next lines. */
static void begin_list(struct log_state *st, size_t idx, enum side s, enum field_list l, const char *text)
{
	sd_err e;

	flush_pending(st);
	sbuf_reset(&st->p_text);
	if ((e = sbuf_put(&st->p_text, text, strlen(text))) != SD_OK) {
		st->err = e;
		return;
	}
	st->pending = true;
	st->p_conn = idx;
	st->p_side = s;
	st->p_list = l;
	st->p_line = st->line;
	touch(st, idx, true);
}

/* A line of a wrapped list: no prefix, no "word: ", only name-list text. */
static bool is_continuation(const char *raw)
{
	if (!*raw || strstr(raw, ": ") || starts(raw, "debug"))
		return false;
	for (const char *p = raw; *p; p++)
		if (*p == ' ' || *p == '\t')
			return false;
	return true;
}

/* ---- negotiated values ---- */

static bool set_negotiated(struct log_state *st, long pid, enum field_list l, const char *name, size_t n)
{
	size_t idx;
	struct field_conn *c;

	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	if (!conn_for(st, pid, &idx))
		return false;
	c = conn_at(st, idx);
	/* Names already known: a rekey or the next connection of an ssh -v log
	 * without proposals. */
	if (c->negotiated[l][0] && !(c->client.present || c->server.present)) {
		if (!conn_new(st, pid, &idx))
			return false;
		c = conn_at(st, idx);
	}
	/* Kept as the source says it; reported, and no use to cases. */
	if (!usable_name(name, n) && !(n == 10 && memcmp(name, "<implicit>", 10) == 0)) {
		add_unusable(c, name, n);
		st->diag->damaged = true;
		ingest_diag_add(st->diag, "%s: line %u: the negotiated %s '%.*s' is not a usable name", st->path,
				st->line, field_list_name(l), (int)n, name);
	}
	copy_n(c->negotiated[l], sizeof c->negotiated[l], name, n);
	touch(st, idx, true);
	return true;
}

/* "CIPHER MAC: M compression: Z" (modern) or "CIPHER MAC COMP" (old). */
static void parse_kex_dir(struct log_state *st, long pid, bool cs, const char *p)
{
	enum field_list lc = cs ? FL_CIPHER_CS : FL_CIPHER_SC, lm = cs ? FL_MAC_CS : FL_MAC_SC,
			lz = cs ? FL_COMP_CS : FL_COMP_SC;
	const char *tok[6];
	size_t len[6], n = 0;

	p = skip_spaces(p);
	while (*p && n < 6) {
		const char *s = p;
		while (*p && *p != ' ')
			p++;
		tok[n] = s;
		len[n++] = (size_t)(p - s);
		p = skip_spaces(p);
	}
	if (n >= 2 && len[0] == 7 && memcmp(tok[0], "cipher:", 7) == 0) {
		set_negotiated(st, pid, lc, tok[1], len[1]);
		if (n >= 4 && len[2] == 4 && memcmp(tok[2], "MAC:", 4) == 0)
			set_negotiated(st, pid, lm, tok[3], len[3]);
		if (n >= 6 && len[4] == 12 && memcmp(tok[4], "compression:", 12) == 0)
			set_negotiated(st, pid, lz, tok[5], len[5]);
	} else if (n == 3) {
		set_negotiated(st, pid, lc, tok[0], len[0]);
		set_negotiated(st, pid, lm, tok[1], len[1]);
		set_negotiated(st, pid, lz, tok[2], len[2]);
	}
}

/* ---- versions ---- */

static void set_version(struct log_state *st, long pid, enum side s, const char *v, size_t n)
{
	size_t idx;
	struct field_conn *c;

	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (!conn_for_ex(st, pid, false, &idx))
		return;
	if (st->meta[idx].has_data && !conn_new(st, pid, &idx))
		return;
	c = conn_at(st, idx);
	if (s == SIDE_NONE) {
		ingest_diag_add(st->diag, "%s: line %u: version '%.*s' of an unknown side: left out", st->path,
				st->line, (int)n, v);
		return;
	}
	copy_n(s == SIDE_CLIENT ? c->client_version : c->server_version, sizeof c->client_version, v, n);
	touch(st, idx, false);
}

/* "2.0, remote software version X" / "2.0; client software version X". */
static void set_version_parts(struct log_state *st, long pid, enum side s, const char *p)
{
	const char *proto = p, *sw;
	char v[256];
	size_t proto_len = 0;

	while (isdigit((unsigned char)proto[proto_len]) || proto[proto_len] == '.')
		proto_len++;
	if (!proto_len || !(sw = strstr(p, "software version ")))
		return;
	sw += strlen("software version ");
	snprintf(v, sizeof v, "SSH-%.*s-%s", (int)proto_len, proto, sw);
	set_version(st, pid, s, v, strlen(v));
}

/* ---- OpenSSH ---- */

static const char *const modern_names[FL_COUNT] = {
	"KEX algorithms",  "host key algorithms", "ciphers ctos",     "ciphers stoc",    "MACs ctos",
	"MACs stoc",       "compression ctos",    "compression stoc", "languages ctos",  "languages stoc",
};

/* A proposal header: which side the following lists describe. */
static bool openssh_header(struct log_state *st, long pid, const char *m)
{
	bool local;
	enum side s;
	size_t idx;

	if (starts(m, "local "))
		local = true;
	else if (starts(m, "peer "))
		local = false;
	else
		return false;
	m += local ? 6 : 5;
	if (strcmp(m, "client KEXINIT proposal") == 0)
		s = SIDE_CLIENT;
	else if (strcmp(m, "server KEXINIT proposal") == 0)
		s = SIDE_SERVER;
	else
		return false;
	if (!conn_for(st, pid, &idx))
		return true;
	/* A proposal seen before: rekey or the next connection. */
	if (proposal(conn_at(st, idx), s)->present && !conn_new(st, pid, &idx))
		return true;
	st->meta[idx].side = s;
	st->meta[idx].fmt = FMT_OPENSSH;
	st->meta[idx].local = (s == SIDE_CLIENT) == local ? ROLE_CLIENT : ROLE_SERVER;
	touch(st, idx, true);
	return true;
}

static void set_flag(struct log_state *st, size_t idx, enum side s, const char *p, bool reserved)
{
	struct field_proposal *pr;
	unsigned long v = strtoul(skip_spaces(p), NULL, 10);

	if (s == SIDE_NONE)
		return;
	pr = proposal(conn_at(st, idx), s);
	pr->present = true;
	if (reserved)
		pr->reserved = (uint32_t)v;
	else
		pr->first_kex_follows = v != 0;
	touch(st, idx, true);
}

/* "KEX algorithms: ..." and friends after a header. */
static bool openssh_named_list(struct log_state *st, long pid, const char *m)
{
	size_t idx;

	for (int l = 0; l < FL_COUNT; l++) {
		size_t n = strlen(modern_names[l]);
		if (strncmp(m, modern_names[l], n) != 0 || m[n] != ':')
			continue;
		if (!conn_for(st, pid, &idx))
			return true;
		enum side s = st->meta[idx].side;
		if (s == SIDE_NONE) {
			/* No header (a grep'd log): local first, then the peer. */
			enum role r = conn_role(st, idx);
			bool seen_local = role_side(r, true) != SIDE_NONE &&
					  proposal(conn_at(st, idx), role_side(r, true))->lists_known[l];
			if (r == ROLE_UNKNOWN) {
				assume_role(st, ROLE_SERVER, "assuming sshd (the local proposal is the server's)");
				r = ROLE_SERVER;
			}
			s = role_side(r, !seen_local);
		}
		st->meta[idx].fmt = FMT_OPENSSH;
		begin_list(st, idx, s, (enum field_list)l, m + n + 1);
		return true;
	}
	if (starts(m, "first_kex_follows ") || starts(m, "reserved ")) {
		if (!conn_for(st, pid, &idx))
			return true;
		set_flag(st, idx, st->meta[idx].side, strchr(m, ' '), m[0] == 'r');
		return true;
	}
	return false;
}

/* Old format: ten lists of the local side, then ten of the peer. */
static void openssh_old_list(struct log_state *st, long pid, const char *rest)
{
	size_t idx;
	struct conn_meta *m;
	enum role r;

	if (!conn_for(st, pid, &idx))
		return;
	m = &st->meta[idx];
	if (starts(rest, "first_kex_follows ") || starts(rest, "reserved ")) {
		r = conn_role(st, idx);
		set_flag(st, idx, role_side(r, m->old_n <= FL_COUNT), strchr(rest, ' '), rest[0] == 'r');
		return;
	}
	if (m->old_n >= 2 * FL_COUNT) {
		if (!conn_new(st, pid, &idx))
			return;
		m = &st->meta[idx];
	}
	r = conn_role(st, idx);
	if (r == ROLE_UNKNOWN) {
		assume_role(st, ROLE_SERVER, "assuming sshd (the first kex_parse_kexinit lists are the server's)");
		r = ROLE_SERVER;
	}
	m->fmt = FMT_OPENSSH;
	enum field_list l = (enum field_list)(m->old_n % FL_COUNT);
	enum side s = role_side(r, m->old_n < FL_COUNT);
	m->old_n++;
	begin_list(st, idx, s, l, rest);
}

/* "no matching mac found: client L server L" (old fatal) and "Unable to
 * negotiate with H port P: no matching MAC found. Their offer: L". */
static bool category_lists(const char *cat, enum field_list *a, enum field_list *b)
{
	static const struct {
		const char *name;
		enum field_list a, b;
	} cats[] = {
		{"cipher", FL_CIPHER_CS, FL_CIPHER_SC},
		{"mac", FL_MAC_CS, FL_MAC_SC},
		{"MAC", FL_MAC_CS, FL_MAC_SC},
		{"comp", FL_COMP_CS, FL_COMP_SC},
		{"compression method", FL_COMP_CS, FL_COMP_SC},
		{"key exchange method", FL_KEX, FL_KEX},
		{"host key type", FL_HOSTKEY, FL_HOSTKEY},
	};

	for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
		if (strcmp(cat, cats[i].name) == 0) {
			*a = cats[i].a;
			*b = cats[i].b;
			return true;
		}
	return false;
}

static bool fatal_conn(struct log_state *st, long pid, size_t *idx)
{
	if (!conn_for(st, pid, idx))
		return false;
	/* Two failures in one connection cannot be: the next connection. */
	if (st->meta[*idx].fatal_seen && !conn_new(st, pid, idx))
		return false;
	st->meta[*idx].fatal_seen = true;
	if (st->meta[*idx].fmt == FMT_NONE)
		st->meta[*idx].fmt = FMT_FATAL;
	return true;
}

/* The failure's lists go where the proposals did not already say them;
 * the line names no direction, so both (OpenSSH's Ciphers/MACs options set
 * both directions alike). */
static void fatal_list(struct log_state *st, size_t idx, enum side s, enum field_list a, enum field_list b,
		       const char *text, size_t n)
{
	struct field_proposal *p = proposal(conn_at(st, idx), s);

	if (!p->lists_known[a])
		store_list(st, idx, s, a, text, n, st->line);
	if (b != a && !p->lists_known[b])
		store_list(st, idx, s, b, text, n, st->line);
	touch(st, idx, true);
}

static bool openssh_fatal(struct log_state *st, long pid, const char *m)
{
	const char *p, *q;
	char cat[48];
	enum field_list a, b;
	size_t idx;

	if (starts(m, "no matching ") && (p = strstr(m, " found: client ")) != NULL &&
	    (q = strstr(p, " server ")) != NULL) {
		const char *c0 = m + strlen("no matching ");
		copy_n(cat, sizeof cat, c0, (size_t)(p - c0));
		if (!category_lists(cat, &a, &b) || !fatal_conn(st, pid, &idx))
			return true;
		const char *cl = p + strlen(" found: client ");
		fatal_list(st, idx, SIDE_CLIENT, a, b, cl, (size_t)(q - cl));
		fatal_list(st, idx, SIDE_SERVER, a, b, q + 8, strlen(q + 8));
		ingest_diag_add(st->diag,
				"%s: line %u: 'no matching %s' names no direction: its lists are taken for both", st->path,
				st->line, cat);
		return true;
	}
	if (starts(m, "Unable to negotiate with ") && (p = strstr(m, ": no matching ")) != NULL &&
	    (q = strstr(p, " found. Their offer: ")) != NULL) {
		p += strlen(": no matching ");
		copy_n(cat, sizeof cat, p, (size_t)(q - p));
		if (!category_lists(cat, &a, &b) || !fatal_conn(st, pid, &idx))
			return true;
		enum role r = conn_role(st, idx);
		if (r == ROLE_UNKNOWN) {
			assume_role(st, ROLE_CLIENT, "assuming ssh (\"Their offer\" is the server's)");
			r = ROLE_CLIENT;
		}
		q += strlen(" found. Their offer: ");
		fatal_list(st, idx, role_side(r, false), a, b, q, strlen(q));
		return true;
	}
	return false;
}

static bool openssh_line(struct log_state *st, long pid, const char *m)
{
	const char *p;
	size_t idx;

	if (openssh_header(st, pid, m) || openssh_named_list(st, pid, m))
		return true;
	if (starts(m, "kex_parse_kexinit:")) {
		p = m + strlen("kex_parse_kexinit:");
		if (*p == ' ')
			p++;
		/* Some versions name the list here too. */
		for (int l = 0; l < FL_COUNT; l++) {
			size_t n = strlen(modern_names[l]);
			if (strncmp(p, modern_names[l], n) == 0 && p[n] == ':')
				return openssh_named_list(st, pid, p);
		}
		openssh_old_list(st, pid, p);
		return true;
	}
	if ((p = after(m, "kex: algorithm: ")) != NULL)
		return set_negotiated(st, pid, FL_KEX, p, strlen(p)), true;
	if ((p = after(m, "kex: host key algorithm: ")) != NULL)
		return set_negotiated(st, pid, FL_HOSTKEY, p, strlen(p)), true;
	if ((p = after(m, "kex: client->server ")) != NULL)
		return parse_kex_dir(st, pid, true, p), true;
	if ((p = after(m, "kex: server->client ")) != NULL)
		return parse_kex_dir(st, pid, false, p), true;
	if (openssh_fatal(st, pid, m))
		return true;
	if ((p = after(m, "Local version string ")) != NULL) {
		if (conn_for_ex(st, pid, false, &idx))
			set_version(st, pid, role_side(conn_role(st, idx), true), p, strlen(p));
		return true;
	}
	if ((p = after(m, "Remote protocol version ")) != NULL) {
		if (conn_for_ex(st, pid, false, &idx))
			set_version_parts(st, pid, role_side(conn_role(st, idx), false), p);
		return true;
	}
	if ((p = after(m, "Client protocol version ")) != NULL) {
		set_version_parts(st, pid, SIDE_CLIENT, p);
		return true;
	}
	return false;
}

/* ---- Tera Term ---- */

static const struct {
	const char *label;
	enum field_list l;
} ttssh_labels[] = {
	{"KEX algorithm: ", FL_KEX},
	{"server host key algorithm: ", FL_HOSTKEY},
	{"encryption algorithm client to server: ", FL_CIPHER_CS},
	{"encryption algorithm server to client: ", FL_CIPHER_SC},
	{"MAC algorithm client to server: ", FL_MAC_CS},
	{"MAC algorithm server to client: ", FL_MAC_SC},
	{"compression algorithm client to server: ", FL_COMP_CS},
	{"compression algorithm server to client: ", FL_COMP_SC},
	{"language client to server: ", FL_LANG_CS},
	{"language server to client: ", FL_LANG_SC},
};

/* The label, also when the list after it is empty ("language ...:"). */
static const char *ttssh_label(const char *m, enum field_list *l)
{
	for (size_t i = 0; i < sizeof ttssh_labels / sizeof ttssh_labels[0]; i++) {
		size_t n = strlen(ttssh_labels[i].label);
		if (strncmp(m, ttssh_labels[i].label, n) == 0 ||
		    (strncmp(m, ttssh_labels[i].label, n - 1) == 0 && m[n - 1] == '\0')) {
			*l = ttssh_labels[i].l;
			return m[n - 1] ? m + n : m + n - 1;
		}
	}
	return NULL;
}

static bool ttssh_line(struct log_state *st, long pid, const char *m)
{
	enum field_list l;
	const char *p;
	size_t idx;

	if ((p = after(m, "Received server identification string: ")) != NULL) {
		set_version(st, pid, SIDE_SERVER, p, strlen(p));
		return true;
	}
	if ((p = after(m, "Sent client identification string: ")) != NULL) {
		set_version(st, pid, SIDE_CLIENT, p, strlen(p));
		return true;
	}
	if ((p = after(m, "client proposal: ")) != NULL || (p = after(m, "server proposal: ")) != NULL) {
		enum side s = m[0] == 'c' ? SIDE_CLIENT : SIDE_SERVER;
		if (!(p = ttssh_label(p, &l)))
			return false;
		if (!conn_for(st, pid, &idx))
			return true;
		if (proposal(conn_at(st, idx), s)->lists_known[l] && !conn_new(st, pid, &idx))
			return true;
		st->meta[idx].fmt = FMT_TTSSH;
		st->meta[idx].local = ROLE_CLIENT;
		flush_pending(st);
		store_list(st, idx, s, l, p, strlen(p), st->line);
		touch(st, idx, true);
		return true;
	}
	/* What was chosen: the same labels without "proposal:". */
	if ((p = ttssh_label(m, &l)) != NULL && l != FL_LANG_CS && l != FL_LANG_SC) {
		if (conn_for(st, pid, &idx) && st->meta[idx].fmt == FMT_TTSSH)
			set_negotiated(st, pid, l, p, strlen(p));
		return true;
	}
	return false;
}

/* ---- PuTTY ---- */

/* PuTTY's display names (the text_name of its cipher, MAC and hash
 * vtables) to SSH names, after the "(... accelerated)" annotation is cut. */
static const char *putty_cipher(const char *t)
{
	static const char *const map[][2] = {
		{"AES-256 SDCTR", "aes256-ctr"},     {"AES-192 SDCTR", "aes192-ctr"},
		{"AES-128 SDCTR", "aes128-ctr"},     {"AES-256 CBC", "aes256-cbc"},
		{"AES-192 CBC", "aes192-cbc"},       {"AES-128 CBC", "aes128-cbc"},
		{"AES-256 GCM", "aes256-gcm@openssh.com"}, {"AES-128 GCM", "aes128-gcm@openssh.com"},
		{"ChaCha20", "chacha20-poly1305@openssh.com"}, {"triple-DES SDCTR", "3des-ctr"},
		{"triple-DES CBC", "3des-cbc"},      {"Blowfish-256 SDCTR", "blowfish-ctr"},
		{"Blowfish-128 CBC", "blowfish-cbc"}, {"Arcfour-256", "arcfour256"},
		{"Arcfour-128", "arcfour128"},
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(t, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static const char *putty_mac(const char *t, bool etm)
{
	static const char *const map[][3] = {
		{"HMAC-SHA-256", "hmac-sha2-256", "hmac-sha2-256-etm@openssh.com"},
		{"HMAC-SHA-512", "hmac-sha2-512", "hmac-sha2-512-etm@openssh.com"},
		{"HMAC-SHA-1", "hmac-sha1", "hmac-sha1-etm@openssh.com"},
		{"HMAC-SHA-1-96", "hmac-sha1-96", "hmac-sha1-96-etm@openssh.com"},
		{"HMAC-MD5", "hmac-md5", "hmac-md5-etm@openssh.com"},
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(t, map[i][0]) == 0)
			return map[i][etm ? 2 : 1];
	return NULL;
}

/* "X (AES-NI accelerated)" -> "X" */
static void cut_annotation(char *t)
{
	char *paren = strstr(t, " (");

	if (paren)
		*paren = '\0';
}

static const char *putty_hash(const char *m)
{
	if (strstr(m, "hash SHA-512"))
		return "sha512";
	if (strstr(m, "hash SHA-384"))
		return "sha384";
	if (strstr(m, "hash SHA-256"))
		return "sha256";
	if (strstr(m, "hash SHA-1"))
		return "sha1";
	return NULL;
}

static void putty_kex(struct log_state *st, long pid, const char *m)
{
	const char *h = putty_hash(m), *p;
	char name[64] = "";

	if ((p = strstr(m, "with curve ")) != NULL) {
		p += strlen("with curve ");
		if (starts(p, "Curve25519"))
			snprintf(name, sizeof name, "curve25519-%s", h ? h : "sha256");
		else if (starts(p, "Curve448"))
			snprintf(name, sizeof name, "curve448-%s", h ? h : "sha512");
		else if (starts(p, "nistp256") || starts(p, "nistp384") || starts(p, "nistp521"))
			snprintf(name, sizeof name, "ecdh-sha2-%.8s", p);
	} else if (strstr(m, "RSA key exchange") && h) {
		snprintf(name, sizeof name, "%s", strcmp(h, "sha1") == 0 ? "rsa1024-sha1" : "rsa2048-sha256");
	} else if (strstr(m, "server-supplied group") && h) {
		snprintf(name, sizeof name, "diffie-hellman-group-exchange-%s", h);
	} else if ((p = strstr(m, "standard group \"group")) != NULL && h) {
		p += strlen("standard group \"group");
		snprintf(name, sizeof name, "diffie-hellman-group%.*s-%s", (int)strspn(p, "0123456789"), p, h);
	}
	if (name[0])
		set_negotiated(st, pid, FL_KEX, name, strlen(name));
	else
		ingest_diag_add(st->diag, "%s: line %u: PuTTY key exchange not mapped to an SSH name: %s", st->path,
				st->line, m);
}

/* "Initialised X outbound encryption" / "... client->server encryption",
 * "Initialised X outbound MAC algorithm (in ETM mode)". */
static bool putty_initialised(struct log_state *st, long pid, const char *m)
{
	static const struct {
		const char *tail;
		bool cs, mac;
	} tails[] = {
		{" outbound encryption", true, false},      {" client->server encryption", true, false},
		{" inbound encryption", false, false},      {" server->client encryption", false, false},
		{" outbound MAC algorithm", true, true},    {" client->server MAC algorithm", true, true},
		{" inbound MAC algorithm", false, true},    {" server->client MAC algorithm", false, true},
	};
	char t[128];
	const char *name, *end;

	if (!starts(m, "Initialised "))
		return false;
	m += strlen("Initialised ");
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		if (!(end = strstr(m, tails[i].tail)))
			continue;
		copy_n(t, sizeof t, m, (size_t)(end - m));
		cut_annotation(t);
		if (tails[i].mac) {
			bool implicit = strstr(end, "required by cipher") || strcmp(t, "Poly1305") == 0;
			name = implicit ? "<implicit>" : putty_mac(t, strstr(end, "ETM mode") != NULL);
		} else {
			name = putty_cipher(t);
		}
		enum field_list l = tails[i].mac ? (tails[i].cs ? FL_MAC_CS : FL_MAC_SC)
						 : (tails[i].cs ? FL_CIPHER_CS : FL_CIPHER_SC);
		if (name)
			set_negotiated(st, pid, l, name, strlen(name));
		else
			ingest_diag_add(st->diag, "%s: line %u: PuTTY algorithm '%s' not mapped to an SSH name", st->path,
					st->line, t);
		return true;
	}
	return true;
}

static bool putty_line(struct log_state *st, long pid, const char *m)
{
	const char *p;
	size_t idx;

	if (st->putty_fp_next) {
		/* "ssh-ed25519 255 SHA256:..." : the key type; for RSA keys
		 * the signature algorithm is not in the log. */
		st->putty_fp_next = false;
		size_t n = strcspn(m, " ");
		if (n && !(n == 7 && memcmp(m, "ssh-rsa", 7) == 0)) {
			set_negotiated(st, pid, FL_HOSTKEY, m, n);
			return true;
		}
	}
	if ((p = after(m, "We claim version: ")) != NULL) {
		set_version(st, pid, SIDE_CLIENT, p, strlen(p));
		if (conn_for(st, pid, &idx))
			st->meta[idx].fmt = FMT_PUTTY;
		return true;
	}
	if ((p = after(m, "Remote version: ")) != NULL || (p = after(m, "Server version: ")) != NULL) {
		set_version(st, pid, SIDE_SERVER, p, strlen(p));
		if (conn_for(st, pid, &idx))
			st->meta[idx].fmt = FMT_PUTTY;
		return true;
	}
	if (starts(m, "Doing ") && strstr(m, "key exchange")) {
		if (!strstr(m, "Diffie-Hellman group exchange"))
			putty_kex(st, pid, m);
		return true;
	}
	if (strcmp(m, "Host key fingerprint is:") == 0) {
		st->putty_fp_next = true;
		return true;
	}
	return putty_initialised(st, pid, m);
}

/* ---- the file ---- */

/* Who wrote the log, by the messages only one side writes. */
static enum role guess_role(const char *text)
{
	static const char *const server_marks[] = {"sshd[",
						   "sshd: ",
						   "Connection from ",
						   "Client protocol version",
						   "list_hostkey_types",
						   "Server listening on",
						   "[preauth]",
						   "local server KEXINIT",
						   "peer client KEXINIT",
						   "Accepted publickey",
						   "Accepted password"};
	static const char *const client_marks[] = {"Connecting to ",          "Authenticating to ",
						   "local client KEXINIT",    "peer server KEXINIT",
						   "Server host key:",        "Reading configuration data",
						   "client proposal:",        "We claim version:",
						   "Sent client identification"};
	unsigned s = 0, c = 0;

	for (size_t i = 0; i < sizeof server_marks / sizeof server_marks[0]; i++)
		if (strstr(text, server_marks[i]))
			s++;
	for (size_t i = 0; i < sizeof client_marks / sizeof client_marks[0]; i++)
		if (strstr(text, client_marks[i]))
			c++;
	return s > c ? ROLE_SERVER : c > s ? ROLE_CLIENT : ROLE_UNKNOWN;
}

static void one_line(struct log_state *st, char *raw)
{
	size_t n = strlen(raw);
	long pid;
	const char *m;

	while (n > 0 && (raw[n - 1] == '\r' || raw[n - 1] == ' ' || raw[n - 1] == '\t'))
		raw[--n] = '\0';
	/* A wrapped list goes on without any prefix. */
	if (st->pending && is_continuation(raw)) {
		sd_err e = sbuf_put(&st->p_text, raw, n);
		if (e != SD_OK)
			st->err = e;
		touch(st, st->p_conn, true);
		return;
	}
	flush_pending(st);
	m = strip_prefix(raw, &pid);
	m = strip_level(m);
	/* sshd's privilege-separated child marks its lines. */
	n = strlen(m);
	if (n >= 9 && strcmp(m + n - 9, "[preauth]") == 0) {
		raw[(size_t)(m - raw) + n - 9] = '\0';
		n -= 9;
		while (n > 0 && (m[n - 1] == ' ' || m[n - 1] == '\t'))
			raw[(size_t)(m - raw) + --n] = '\0';
	}
	if (openssh_line(st, pid, m) || ttssh_line(st, pid, m))
		return;
	putty_line(st, pid, m);
}

/* Text, not a capture or an executable: no NUL, few control bytes. */
static bool looks_binary(const uint8_t *p, size_t len, size_t *at)
{
	size_t n = len < LOG_SNIFF_BYTES ? len : LOG_SNIFF_BYTES, ctrl = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == 0) {
			*at = i;
			return true;
		}
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b)
			if (++ctrl * 100 > n && n >= 64) {
				*at = i;
				return true;
			}
	}
	return false;
}

/* The whole file, NUL-terminated (*len excludes the NUL).  Not an sbuf:
 * logs may be larger than SBUF_MAX. */
static sd_err read_file(const char *path, char **out, size_t *len, struct ingest_diag *diag)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0, n = 0, got;
	char *buf = NULL;
	sd_err e = SD_OK;

	if (!f) {
		ingest_diag_add(diag, "%s: cannot open: %s", path, strerror(errno));
		return SD_ERR_INVALID_ARG;
	}
	for (;;) {
		if (cap - n < 65536 + 1) {
			size_t ncap = cap ? 2 * cap : 131072;
			char *nb = ncap <= 2 * (size_t)LOG_MAX_BYTES ? realloc(buf, ncap) : NULL;
			if (!nb) {
				e = SD_ERR_NOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		if ((got = fread(buf + n, 1, 65536, f)) == 0)
			break;
		n += got;
		if (n > LOG_MAX_BYTES) {
			ingest_diag_add(diag, "%s: larger than %u MiB: not read", path, LOG_MAX_BYTES >> 20);
			e = SD_ERR_INVALID_ARG;
			break;
		}
	}
	if (e == SD_OK && ferror(f)) {
		ingest_diag_add(diag, "%s: read error: %s", path, strerror(errno));
		e = SD_ERR_INVALID_ARG;
	}
	if (e == SD_ERR_NOMEM)
		ingest_diag_add(diag, "%s: out of memory", path);
	fclose(f);
	if (e != SD_OK) {
		free(buf);
		return e;
	}
	if (!buf && !(buf = malloc(1))) {
		ingest_diag_add(diag, "%s: out of memory", path);
		return SD_ERR_NOMEM;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return SD_OK;
}

/* Where, damage reports, and connections that say nothing dropped. */
static void finish(struct log_state *st)
{
	size_t keep = 0, n = n_conns(st);

	for (size_t i = 0; i < n; i++) {
		struct field_conn *c = conn_at(st, i);
		struct conn_meta *m = &st->meta[i];

		if (!m->has_data) {
			ingest_diag_add(st->diag, "%s: lines %u-%u: version strings but no key exchange: skipped",
					st->path, m->first, m->last);
			field_conn_free(c);
			continue;
		}
		snprintf(c->file, sizeof c->file, "%s", st->path);
		if (m->first == m->last)
			snprintf(c->where, sizeof c->where, "line %u", m->first);
		else
			snprintf(c->where, sizeof c->where, "lines %u-%u", m->first, m->last);
		c->from_log = true;
		/* A proposal cut short: the log ends (or was cut) inside it. */
		for (int s = 0; s < 2 && (m->fmt == FMT_OPENSSH || m->fmt == FMT_TTSSH); s++) {
			struct field_proposal *p = s == 0 ? &c->client : &c->server;
			unsigned known = 0, want = m->fmt == FMT_TTSSH ? FL_LANG_CS : FL_COUNT;
			for (unsigned l = 0; l < want; l++)
				known += p->lists_known[l];
			if (p->present && known < want) {
				st->diag->damaged = true;
				ingest_diag_add(st->diag, "%s: %s: the %s proposal has %u of %u lists (log cut short?)",
						st->path, c->where, s == 0 ? "client" : "server", known, want);
			}
		}
		if (keep != i) {
			st->out->v[st->base + keep] = *c;
			field_conn_init(c);
		}
		keep++;
	}
	st->out->n = st->base + keep;
}

sd_err ingest_log(const char *path, struct field_conns *out, struct ingest_diag *diag)
{
	struct log_state st = {.path = path, .out = out, .diag = diag, .base = out->n, .p_text = SBUF_INIT};
	char *text = NULL;
	size_t len = 0, at = 0;
	sd_err e;

	if ((e = read_file(path, &text, &len, diag)) != SD_OK)
		goto out;
	if (looks_binary((const uint8_t *)text, len, &at)) {
		ingest_diag_add(diag, "%s: byte %zu: binary data, not a text log", path, at);
		e = SD_ERR_INVALID_ARG;
		goto out;
	}
	st.file_role = guess_role(text);
	char *p = text, *end = text + len;
	while (p < end && st.err == SD_OK) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl)
			*nl = '\0';
		st.line++;
		one_line(&st, p);
		p = nl ? nl + 1 : end;
	}
	flush_pending(&st);
	if ((e = st.err) != SD_OK) {
		ingest_diag_add(diag, "%s: line %u: out of memory", path, st.line);
		goto out;
	}
	finish(&st);
	if (out->n == st.base) {
		ingest_diag_add(diag,
				"%s: no SSH key exchange in %u lines: no KEXINIT proposal, negotiated algorithm or 'no "
				"matching' line",
				path, st.line);
		e = SD_ERR_INVALID_ARG;
	}
out:
	if (e != SD_OK) {
		/* Nothing of this file is kept on failure. */
		while (out->n > st.base)
			field_conn_free(&out->v[--out->n]);
	}
	sbuf_free(&st.p_text);
	free(text);
	free(st.meta);
	return e;
}

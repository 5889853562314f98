/*
 * ingest_cmd.c — `sshdiff ingest FILE... [--into DIR] [--json] [--explain]`
 * (docs/ingest.md "Command"): captures (ingest_pcap) and logs (ingest_log)
 * into connections (ingest/ingest.h), each connection into up to two
 * cases (the captured client as the actor against an IUT server, the
 * captured server against an IUT client), written into DIR as
 * HASH.case text files (content hash, oracle/fsutil.h atomic writes).
 *
 * Duplicates are skipped and counted: the same content (the file exists),
 * or the same side with the same HASSH / HASSH-server fingerprint and the
 * same ten lists (a capture of the same client connecting twice differs
 * only in its cookie).  The fingerprint key goes into each written case as
 * a comment, so a later run into the same DIR skips them too.
 *
 * Exit status: 0 every file gave something (a partly damaged file is
 * reported as damaged, its usable part ingested); 2 bad options, a file
 * with nothing usable (unreadable, binary, no key exchange, corrupt or
 * non-SSH capture) — the other files are still ingested — or DIR cannot be
 * written.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ingest/ingest.h"
#include "oracle/fsutil.h"
#include "oracle/json.h"
#include "proto/negotiate.h"
#include "replay/commands.h"
#include "replay/replay.h"


struct ingest_opts {
	bool json, explain;
	const char *into;
	char **files;
	size_t n_files;
};

struct file_res {
	const char *path;
	bool usable, damaged;
	size_t first, n; /* its connections */
	struct ingest_diag diag;
};

enum case_status { CS_BUILDABLE, CS_WRITTEN, CS_DUP_CONTENT, CS_DUP_FP, CS_UNSUPPORTED, CS_FAILED };

struct case_res {
	enum case_status status;
	char name[80];    /* HASH.case */
	char reason[1024]; /* why not buildable; duplicate of what; notes */
};

struct conn_res {
	char hassh[33], hassh_server[33];
	char neg[FL_COUNT][64];
	const char *neg_from[FL_COUNT]; /* "log", "proposals", NULL */
	struct case_res cases[2];       /* [0] actor client, [1] actor server */
};

/* Fingerprint keys already in DIR or written by this run. */
struct seen {
	char (*key)[160];
	char (*name)[80];
	size_t n, cap;
};

struct counts {
	size_t written, dup_content, dup_fp, unsupported, failed, buildable;
};

static void ingest_usage(FILE *f)
{
	fprintf(f,
		"usage: sshdiff ingest FILE... [--into DIR] [--json] [--explain]\n"
		"\n"
		"Reads field captures and logs and turns each SSH connection in them into\n"
		"cases (docs/ingest.md): pcap/pcapng captures (any port, many connections),\n"
		"OpenSSH ssh -v/-vv/-vvv and sshd DEBUG logs (old and new formats, syslog\n"
		"prefixes, [preauth]), Tera Term TTSSH.LOG, PuTTY event logs.\n"
		"\n"
		"  --into DIR   write the cases into DIR as HASH.case (text), skipping\n"
		"               duplicates (same content, or same side with the same HASSH\n"
		"               fingerprint and lists); without it nothing is written\n"
		"  --json       one JSON object: files, connections, cases, diagnostics, counts\n"
		"  --explain    per connection, the RFC 4253 section 7.1 negotiation of the\n"
		"               two proposals, or which category has no common algorithm\n"
		"  -h, --help   this text\n"
		"\n"
		"Without --explain a summary per connection: where, versions, HASSH and\n"
		"HASSH-server, negotiated algorithms, what was written or skipped and why.\n"
		"\n"
		"exit status: 0 every file was usable (a partly damaged file is reported\n"
		"as damaged and its usable part ingested); 2 bad options, a file with\n"
		"nothing usable (named with its line or packet number; the other files are\n"
		"still ingested), or DIR not writable.\n");
}

static int parse_opts(int argc, char **argv, struct ingest_opts *o)
{
	bool only_files = false;

	memset(o, 0, sizeof *o);
	if (!(o->files = calloc((size_t)argc + 1, sizeof *o->files))) {
		fprintf(stderr, "sshdiff ingest: out of memory\n");
		return EXIT_UNUSABLE;
	}
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
			o->files[o->n_files++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			only_files = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			return -1;
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "--explain") == 0) {
			o->explain = true;
		} else if (strcmp(a, "--into") == 0 || strncmp(a, "--into=", 7) == 0) {
			if (a[6] == '=')
				o->into = a + 7;
			else if (i + 1 < argc)
				o->into = argv[++i];
			if (!o->into || !o->into[0]) {
				fprintf(stderr, "sshdiff ingest: --into wants a directory\n");
				ingest_usage(stderr);
				return EXIT_UNUSABLE;
			}
		} else {
			fprintf(stderr, "sshdiff ingest: unknown option '%s'\n", a);
			ingest_usage(stderr);
			return EXIT_UNUSABLE;
		}
	}
	if (o->n_files == 0) {
		fprintf(stderr, "sshdiff ingest: no FILE given\n");
		ingest_usage(stderr);
		return EXIT_UNUSABLE;
	}
	return EXIT_AGREE;
}

/* ---- reading the inputs ---- */

static void read_one(struct file_res *f, struct field_conns *conns)
{
	uint8_t head[8];
	size_t got = 0;
	FILE *fp = fopen(f->path, "rb");
	sd_err e;

	f->first = conns->n;
	if (!fp) {
		ingest_diag_add(&f->diag, "%s: cannot open: %s", f->path, strerror(errno));
		return;
	}
	got = fread(head, 1, sizeof head, fp);
	fclose(fp);
	if (ingest_is_capture(head, got))
		e = ingest_pcap(f->path, conns, &f->diag);
	else
		e = ingest_log(f->path, conns, &f->diag);
	f->n = conns->n - f->first;
	f->usable = false;
	/* Usable: some connection shows a proposal or what was negotiated
	 * (a capture of encrypted traffic only shows neither). */
	for (size_t i = f->first; e == SD_OK && i < conns->n; i++) {
		const struct field_conn *c = &conns->v[i];
		f->usable |= c->client.present || c->server.present;
		for (int l = 0; l < FL_COUNT; l++)
			f->usable |= c->negotiated[l][0] != '\0';
	}
	f->damaged = f->diag.damaged;
	if (e == SD_OK && !f->usable)
		ingest_diag_add(&f->diag, "%s: %zu connection%s but no cleartext key exchange in any (encrypted only?)",
				f->path, f->n, f->n == 1 ? "" : "s");
	else if (!f->usable && f->diag.n == 0)
		ingest_diag_add(&f->diag, "%s: nothing usable (%s)", f->path, sd_err_text(e));
}

/* ---- what was negotiated ---- */

static struct span list_span(const struct field_proposal *p, enum field_list l)
{
	const struct sbuf *b = &p->lists[l];

	if (!p->present || !p->lists_known[l] || !b->data)
		return (struct span){(const uint8_t *)"", 0};
	return (struct span){b->data, strnlen((const char *)b->data, b->len)};
}

static bool both_known(const struct field_conn *c, enum field_list l)
{
	return c->client.present && c->server.present && c->client.lists_known[l] && c->server.lists_known[l];
}

/* What the source says, else what the two proposals lead to (RFC 4253
 * section 7.1; no MAC with an AEAD cipher). */
static void derive_negotiated(const struct field_conn *c, struct conn_res *r)
{
	struct span name;

	for (int l = 0; l < FL_LANG_CS; l++) {
		if (c->negotiated[l][0]) {
			snprintf(r->neg[l], sizeof r->neg[l], "%s", c->negotiated[l]);
			r->neg_from[l] = "log";
			continue;
		}
		if (l == FL_MAC_CS || l == FL_MAC_SC) {
			const struct cipher_alg *a = cipher_alg_by_name(span_cstr(r->neg[l - 2]));
			if (a && a->tag_len > 0) {
				snprintf(r->neg[l], sizeof r->neg[l], "<implicit>");
				r->neg_from[l] = r->neg_from[l - 2];
				continue;
			}
		}
		if (!both_known(c, (enum field_list)l))
			continue;
		if (negotiate_pick(list_span(&c->client, (enum field_list)l), list_span(&c->server, (enum field_list)l),
				   &name))
			snprintf(r->neg[l], sizeof r->neg[l], "%.*s", (int)name.len, (const char *)name.p);
		else
			snprintf(r->neg[l], sizeof r->neg[l], "(none in common)");
		r->neg_from[l] = "proposals";
	}
}

/* ---- duplicates ---- */

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* "client HASSH SHA256(lists)": the side, its fingerprint, and all ten
 * lists with the flags, so that equal keys mean the same proposal. */
static bool fp_key(const struct field_proposal *p, bool client, const char *hassh, char out[160])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t md[32];
	unsigned md_len = 0;
	char flags[32], sha[65];
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	for (int l = 0; ok && l < FL_COUNT; l++) {
		struct span s = p->lists_known[l] ? list_span(p, (enum field_list)l) : span_cstr("?");
		ok = EVP_DigestUpdate(ctx, s.p, s.len) == 1 && EVP_DigestUpdate(ctx, ";", 1) == 1;
	}
	snprintf(flags, sizeof flags, "%u;%u", p->first_kex_follows ? 1u : 0u, (unsigned)p->reserved);
	ok = ok && EVP_DigestUpdate(ctx, flags, strlen(flags)) == 1 && EVP_DigestFinal_ex(ctx, md, &md_len) == 1 &&
	     md_len == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return false;
	hex(md, 32, sha);
	snprintf(out, 160, "%s %s %s", client ? "client" : "server", hassh[0] ? hassh : "-", sha);
	return true;
}

static const char *seen_find(const struct seen *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->key[i], key) == 0)
			return s->name[i];
	return NULL;
}

static bool seen_add(struct seen *s, const char *key, const char *name)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char(*k)[160] = realloc(s->key, cap * sizeof *k);
		if (!k)
			return false;
		s->key = k;
		char(*nm)[80] = realloc(s->name, cap * sizeof *nm);
		if (!nm)
			return false;
		s->name = nm;
		s->cap = cap;
	}
	snprintf(s->key[s->n], sizeof s->key[s->n], "%s", key);
	snprintf(s->name[s->n], sizeof s->name[s->n], "%s", name);
	s->n++;
	return true;
}

static const char key_comment[] = "# ingest-key: ";

/* The keys of the cases already in DIR (their "# ingest-key:" line). */
static void seen_load(struct seen *s, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	char path[4096], line[512];

	if (!d)
		return;
	while ((ent = readdir(d)) != NULL) {
		size_t n = strlen(ent->d_name);
		if (n < 6 || strcmp(ent->d_name + n - 5, ".case") != 0 || ent->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		/* The comment block comes before "sshdiff-case 1". */
		while (fgets(line, sizeof line, f) && line[0] == '#') {
			if (strncmp(line, key_comment, strlen(key_comment)) != 0)
				continue;
			line[strcspn(line, "\r\n")] = '\0';
			seen_add(s, line + strlen(key_comment), ent->d_name);
			break;
		}
		fclose(f);
	}
	closedir(d);
}

/* ---- writing a case ---- */

/* Comment text: printable ASCII only (docs/case-format.md text form). */
static sd_err put_comment(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static sd_err put_comment(struct sbuf *b, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	sd_err e;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	if ((e = sbuf_put(b, "# ", 2)) == SD_OK && (e = sbuf_put(b, line, strlen(line))) == SD_OK)
		e = sbuf_put_u8(b, '\n');
	return e;
}

static sd_err case_text(const struct field_conn *c, const struct conn_res *r, bool client, const char *notes,
			const char *key, const struct sshdiff_case *k, struct sbuf *out)
{
	const char *version = client ? c->client_version : c->server_version;
	sd_err e;

	const struct field_proposal *p = client ? &c->client : &c->server;
	if (c->from_log && p->present)
		e = put_comment(out, "from %s %s: proposals only, cookie not in the log", c->file, c->where);
	else if (c->from_log)
		e = put_comment(out, "from %s %s: negotiated algorithms only, no proposal and no cookie in the log",
				c->file, c->where);
	else
		e = put_comment(out, "from %s, connection %s (capture)", c->file, c->where);
	if (e == SD_OK)
		e = put_comment(out, "sshdiff ingest: the captured %s (%s) is the actor; the IUT plays the %s",
				client ? "client" : "server", version[0] ? version : "version unknown",
				client ? "server" : "client");
	if (e == SD_OK && (client ? r->hassh : r->hassh_server)[0])
		e = put_comment(out, "%s %s", client ? "hassh" : "hassh-server", client ? r->hassh : r->hassh_server);
	for (const char *q = notes; e == SD_OK && *q;) {
		size_t n = strcspn(q, "\n");
		e = put_comment(out, "%.*s", (int)n, q);
		q += n + (q[n] == '\n');
	}
	if (e == SD_OK && key[0])
		e = put_comment(out, "%s", key + 2) /* "# " is added */;
	if (e == SD_OK)
		e = case_print_text(k, out);
	return e;
}

struct run {
	struct ingest_opts *o;
	struct seen seen;
	struct counts counts;
	bool write_failed, dir_made;
};

static void one_case(struct run *x, const struct field_conn *c, struct conn_res *r, bool client)
{
	struct case_res *cr = &r->cases[client ? 0 : 1];
	const struct field_proposal *p = client ? &c->client : &c->server;
	struct sshdiff_case k;
	char hash[65], key[160] = "", keyline[200] = "", path[4096];
	const char *dup;
	struct sbuf text = SBUF_INIT;
	sd_err e;

	e = ingest_case_build(c, client, &k, cr->reason, sizeof cr->reason);
	if (e == SD_ERR_UNSUPPORTED) {
		cr->status = CS_UNSUPPORTED;
		x->counts.unsupported++;
		return;
	}
	if (e != SD_OK || (e = case_hash_hex(&k, hash)) != SD_OK) {
		cr->status = CS_FAILED;
		snprintf(cr->reason, sizeof cr->reason, "case not built: %s", sd_err_text(e));
		x->counts.failed++;
		return;
	}
	snprintf(cr->name, sizeof cr->name, "%s.case", hash);
	if (p->present && fp_key(p, client, client ? r->hassh : r->hassh_server, key))
		snprintf(keyline, sizeof keyline, "%s%s", key_comment, key);
	if (!x->o->into) {
		cr->status = CS_BUILDABLE;
		x->counts.buildable++;
		return;
	}
	snprintf(path, sizeof path, "%s/%s", x->o->into, cr->name);
	if (access(path, F_OK) == 0) {
		cr->status = CS_DUP_CONTENT;
		snprintf(cr->reason, sizeof cr->reason, "same content as %s", cr->name);
		x->counts.dup_content++;
		return;
	}
	if (key[0] && (dup = seen_find(&x->seen, key)) != NULL) {
		cr->status = CS_DUP_FP;
		snprintf(cr->reason, sizeof cr->reason, "same %s %s and lists as %s", client ? "HASSH" : "HASSH-server",
			 (client ? r->hassh : r->hassh_server)[0] ? (client ? r->hassh : r->hassh_server) : "(none)",
			 dup);
		x->counts.dup_fp++;
		return;
	}
	/* The folder is made when the first case goes into it. */
	if (!x->dir_made) {
		if (fs_mkdir_p(x->o->into) != SD_OK) {
			cr->status = CS_FAILED;
			snprintf(cr->reason, sizeof cr->reason, "%s: cannot create the directory: %s", x->o->into,
				 strerror(errno));
			fprintf(stderr, "sshdiff ingest: %s\n", cr->reason);
			x->counts.failed++;
			x->write_failed = true;
			return;
		}
		x->dir_made = true;
	}
	e = case_text(c, r, client, cr->reason, keyline, &k, &text);
	if (e == SD_OK)
		e = fs_write_atomic(x->o->into, cr->name, text.data, text.len);
	sbuf_free(&text);
	if (e != SD_OK) {
		cr->status = CS_FAILED;
		snprintf(cr->reason, sizeof cr->reason, "%s: cannot write: %s", path, strerror(errno));
		fprintf(stderr, "sshdiff ingest: %s\n", cr->reason);
		x->counts.failed++;
		x->write_failed = true;
		return;
	}
	cr->status = CS_WRITTEN;
	x->counts.written++;
	if (key[0])
		seen_add(&x->seen, key, cr->name);
}

/* ---- output ---- */

static const char *status_word(enum case_status s)
{
	switch (s) {
	case CS_WRITTEN:
		return "written";
	case CS_DUP_CONTENT:
	case CS_DUP_FP:
		return "duplicate";
	case CS_BUILDABLE:
		return "buildable";
	case CS_UNSUPPORTED:
		return "unsupported";
	default:
		return "failed";
	}
}

static const char *or_q(const char *s)
{
	return s[0] ? s : "?";
}

static void print_conn(FILE *f, const struct field_conn *c, const struct conn_res *r, bool damaged)
{
	bool any_log = false, any_prop = false;

	fprintf(f, "%s %s%s\n", c->file, c->where, damaged ? "  [file damaged: see the messages]" : "");
	fprintf(f, "  versions    client %s | server %s\n", c->client_version[0] ? c->client_version : "?",
		c->server_version[0] ? c->server_version : "?");
	fprintf(f, "  hassh       client %s | server %s\n", r->hassh[0] ? r->hassh : "-",
		r->hassh_server[0] ? r->hassh_server : "-");
	for (int l = 0; l < FL_LANG_CS; l++) {
		any_log |= r->neg_from[l] && strcmp(r->neg_from[l], "log") == 0;
		any_prop |= r->neg_from[l] && strcmp(r->neg_from[l], "proposals") == 0;
	}
	if (any_log || any_prop)
		fprintf(f, "  negotiated  kex %s, hostkey %s, cipher %s / %s, mac %s / %s, comp %s / %s (%s)\n",
			or_q(r->neg[FL_KEX]), or_q(r->neg[FL_HOSTKEY]), or_q(r->neg[FL_CIPHER_CS]),
			or_q(r->neg[FL_CIPHER_SC]), or_q(r->neg[FL_MAC_CS]), or_q(r->neg[FL_MAC_SC]),
			or_q(r->neg[FL_COMP_CS]), or_q(r->neg[FL_COMP_SC]),
			any_log && any_prop ? "log and proposals" : any_log ? "as the log says" : "from the proposals");
	else
		fprintf(f, "  negotiated  not derivable\n");
	if (c->encrypted_from_frame)
		fprintf(f, "  encrypted   from packet %u\n", c->encrypted_from_frame);
	if (c->started_mid_connection)
		fprintf(f, "  note        capture starts mid-connection\n");
	if (c->n_unusable) {
		fprintf(f, "  unusable    ");
		for (size_t i = 0; i < c->n_unusable; i++) {
			fprintf(f, "%s'", i ? ", " : "");
			for (const char *p = c->unusable_names[i]; *p; p++)
				fputc((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?', f);
			fputc('\'', f);
		}
		fprintf(f, " (left out)\n");
	}
	for (int s = 0; s < 2; s++) {
		const struct case_res *cr = &r->cases[s];
		fprintf(f, "  case        actor %s, IUT %s: %s", s == 0 ? "client" : "server", s == 0 ? "server" : "client",
			status_word(cr->status));
		if (cr->status == CS_WRITTEN || cr->status == CS_BUILDABLE)
			fprintf(f, " %s", cr->name);
		else if (cr->reason[0])
			fprintf(f, ": %s", cr->reason);
		fprintf(f, "\n");
	}
	fprintf(f, "\n");
}

static void json_conn(struct json *j, const struct field_conn *c, const struct conn_res *r, bool damaged,
		      const char *explanation)
{
	json_object_begin(j);
	json_key(j, "file");
	json_string(j, c->file);
	json_key(j, "where");
	json_string(j, c->where);
	json_key(j, "source");
	json_string(j, c->from_log ? "log" : "capture");
	json_key(j, "damaged");
	json_bool(j, damaged);
	json_key(j, "client_version");
	json_string(j, c->client_version);
	json_key(j, "server_version");
	json_string(j, c->server_version);
	json_key(j, "hassh");
	json_string(j, r->hassh);
	json_key(j, "hassh_server");
	json_string(j, r->hassh_server);
	json_key(j, "negotiated");
	json_object_begin(j);
	for (int l = 0; l < FL_LANG_CS; l++)
		if (r->neg_from[l]) {
			json_key(j, field_list_name((enum field_list)l));
			json_string(j, r->neg[l]);
		}
	json_object_end(j);
	json_key(j, "negotiated_from");
	json_object_begin(j);
	for (int l = 0; l < FL_LANG_CS; l++)
		if (r->neg_from[l]) {
			json_key(j, field_list_name((enum field_list)l));
			json_string(j, r->neg_from[l]);
		}
	json_object_end(j);
	json_key(j, "encrypted_from_packet");
	json_int(j, c->encrypted_from_frame);
	json_key(j, "started_mid_connection");
	json_bool(j, c->started_mid_connection);
	json_key(j, "unusable_names");
	json_array_begin(j);
	for (size_t i = 0; i < c->n_unusable; i++)
		json_string(j, c->unusable_names[i]);
	json_array_end(j);
	json_key(j, "cases");
	json_array_begin(j);
	for (int s = 0; s < 2; s++) {
		const struct case_res *cr = &r->cases[s];
		json_object_begin(j);
		json_key(j, "actor");
		json_string(j, s == 0 ? "client" : "server");
		json_key(j, "iut");
		json_string(j, s == 0 ? "server" : "client");
		json_key(j, "status");
		json_string(j, status_word(cr->status));
		json_key(j, "case");
		json_string(j, cr->status == CS_UNSUPPORTED || cr->status == CS_FAILED ? "" : cr->name);
		json_key(j, "reason");
		json_string(j, cr->status == CS_WRITTEN || cr->status == CS_BUILDABLE ? "" : cr->reason);
		json_object_end(j);
	}
	json_array_end(j);
	if (explanation) {
		json_key(j, "explanation");
		json_string(j, explanation);
	}
	json_object_end(j);
}

static void json_count(struct json *j, const char *k, size_t v)
{
	json_key(j, k);
	json_int(j, (int64_t)v);
}

static int output_json(const struct run *x, const struct file_res *files, size_t n_files,
		       const struct field_conns *conns, const struct conn_res *res, struct sbuf *explanations)
{
	struct sbuf out = SBUF_INIT;
	struct json j;
	size_t unusable = 0;

	json_init(&j, &out);
	json_object_begin(&j);
	json_key(&j, "files");
	json_array_begin(&j);
	for (size_t i = 0; i < n_files; i++) {
		json_object_begin(&j);
		json_key(&j, "file");
		json_string(&j, files[i].path);
		json_key(&j, "usable");
		json_bool(&j, files[i].usable);
		json_key(&j, "damaged");
		json_bool(&j, files[i].damaged);
		json_count(&j, "connections", files[i].n);
		json_object_end(&j);
		unusable += !files[i].usable;
	}
	json_array_end(&j);
	json_key(&j, "connections");
	json_array_begin(&j);
	for (size_t i = 0; i < n_files; i++)
		for (size_t k = files[i].first; k < files[i].first + files[i].n; k++) {
			struct sbuf *ex = explanations ? &explanations[k] : NULL;
			char *text = NULL;
			if (ex && (text = malloc(ex->len + 1)) != NULL) {
				memcpy(text, ex->data ? (const char *)ex->data : "", ex->len);
				text[ex->len] = '\0';
			}
			json_conn(&j, &conns->v[k], &res[k], files[i].damaged, text);
			free(text);
		}
	json_array_end(&j);
	json_key(&j, "diag");
	json_array_begin(&j);
	for (size_t i = 0; i < n_files; i++)
		for (size_t k = 0; k < files[i].diag.n; k++)
			json_string(&j, files[i].diag.lines[k]);
	json_array_end(&j);
	json_key(&j, "counts");
	json_object_begin(&j);
	json_count(&j, "files", n_files);
	json_count(&j, "unusable_files", unusable);
	json_count(&j, "connections", conns->n);
	json_count(&j, "written", x->counts.written);
	json_count(&j, "buildable", x->counts.buildable);
	json_count(&j, "duplicates", x->counts.dup_content + x->counts.dup_fp);
	json_count(&j, "duplicate_content", x->counts.dup_content);
	json_count(&j, "duplicate_fingerprint", x->counts.dup_fp);
	json_count(&j, "unsupported", x->counts.unsupported);
	json_count(&j, "failed", x->counts.failed);
	json_object_end(&j);
	json_object_end(&j);
	if (json_finish(&j) != SD_OK) {
		sbuf_free(&out);
		fprintf(stderr, "sshdiff ingest: cannot build the JSON output\n");
		return EXIT_UNUSABLE;
	}
	fwrite(out.data, 1, out.len, stdout);
	fputc('\n', stdout);
	sbuf_free(&out);
	return EXIT_AGREE;
}

int cmd_ingest(int argc, char **argv)
{
	struct ingest_opts o;
	struct field_conns conns = {0};
	struct file_res *files = NULL;
	struct conn_res *res = NULL;
	struct sbuf *explanations = NULL;
	struct run x = {.o = &o};
	size_t unusable = 0;
	int status = parse_opts(argc, argv, &o);

	if (status != EXIT_AGREE) {
		free(o.files);
		if (status < 0) {
			ingest_usage(stdout);
			return EXIT_AGREE;
		}
		return status;
	}
	if (!(files = calloc(o.n_files, sizeof *files))) {
		fprintf(stderr, "sshdiff ingest: out of memory\n");
		free(o.files);
		return EXIT_UNUSABLE;
	}
	for (size_t i = 0; i < o.n_files; i++) {
		files[i].path = o.files[i];
		read_one(&files[i], &conns);
		unusable += !files[i].usable;
		for (size_t k = 0; k < files[i].diag.n; k++)
			fprintf(stderr, "sshdiff ingest: %s\n", files[i].diag.lines[k]);
	}
	if (conns.n && (!(res = calloc(conns.n, sizeof *res)) ||
			(o.explain && !(explanations = calloc(conns.n, sizeof *explanations))))) {
		fprintf(stderr, "sshdiff ingest: out of memory\n");
		status = EXIT_UNUSABLE;
		goto out;
	}
	if (o.into)
		seen_load(&x.seen, o.into);
	for (size_t i = 0; i < conns.n; i++) {
		const struct field_conn *c = &conns.v[i];
		field_hassh(&c->client, false, res[i].hassh);
		field_hassh(&c->server, true, res[i].hassh_server);
		derive_negotiated(c, &res[i]);
		one_case(&x, c, &res[i], true);
		one_case(&x, c, &res[i], false);
		if (explanations && ingest_explain(c, &explanations[i]) != SD_OK) {
			fprintf(stderr, "sshdiff ingest: out of memory\n");
			status = EXIT_UNUSABLE;
			goto out;
		}
	}
	if (o.into && x.counts.written && fs_sync_dir(o.into) != SD_OK)
		x.write_failed = true;
	if (o.json) {
		status = output_json(&x, files, o.n_files, &conns, res, explanations);
	} else {
		for (size_t i = 0; i < o.n_files; i++)
			for (size_t k = files[i].first; k < files[i].first + files[i].n; k++) {
				if (explanations)
					fwrite(explanations[k].data, 1, explanations[k].len, stdout);
				else
					print_conn(stdout, &conns.v[k], &res[k], files[i].damaged);
			}
		printf("%zu file%s (%zu unusable), %zu connection%s: %zu case%s written, %zu duplicate%s skipped "
		       "(%zu same content, %zu same fingerprint and lists), %zu not buildable%s\n",
		       o.n_files, o.n_files == 1 ? "" : "s", unusable, conns.n, conns.n == 1 ? "" : "s", x.counts.written,
		       x.counts.written == 1 ? "" : "s", x.counts.dup_content + x.counts.dup_fp,
		       x.counts.dup_content + x.counts.dup_fp == 1 ? "" : "s", x.counts.dup_content, x.counts.dup_fp,
		       x.counts.unsupported + x.counts.failed,
		       o.into ? "" : " (no --into: nothing written)");
	}
	if (status == EXIT_AGREE && (unusable || x.write_failed))
		status = EXIT_UNUSABLE;
out:
	for (size_t i = 0; i < o.n_files; i++)
		ingest_diag_free(&files[i].diag);
	if (explanations)
		for (size_t i = 0; i < conns.n; i++)
			sbuf_free(&explanations[i]);
	free(explanations);
	free(res);
	free(files);
	free(x.seen.key);
	free(x.seen.name);
	field_conns_free(&conns);
	free(o.files);
	return status;
}

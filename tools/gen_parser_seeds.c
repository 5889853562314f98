/*
 * gen_parser_seeds SCENARIO_DIR OUTDIR — seed corpora of the parser-level
 * fuzz targets (targets/fuzz_parse_*.c): OUTDIR/fuzz_parse_<name>_seeds/,
 * one file per input, named by the SHA-1 of its content as libFuzzer names
 * corpus files.
 *
 * The messages are real: built with the engine's serialisers (proto/msg.h)
 * from the algorithms, users and keys the valid scenarios use (every
 * *.case of SCENARIO_DIR), with the fixed test keys of oracle/testkeys.h
 * for host key blobs and signatures, real ephemeral public values from
 * proto/crypto/kex.h and the real GEX groups.  Signatures are over a fixed
 * stand-in for the exchange hash / session id: the parsers never verify
 * them, and what matters to them is that the shape and sizes are real.
 * Randomness is one seeded generator: the output is the same on every run.
 *
 * Input formats are parse_pair.h's: a selector byte first for the
 * multi-kind targets (pp_kind_selector); a cleartext packet stream for
 * fuzz_parse_packet; a state byte (pp_keyed_selector), a sequence number
 * and a plaintext packet for fuzz_parse_packet_keyed.
 *
 * Each folder is written under a temporary name and renamed into place, so
 * a stale or half-written set never survives a run.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "oracle/case.h"
#include "oracle/fsutil.h"
#include "oracle/testkeys.h"
#include "proto/crypto/cipher.h"
#include "proto/crypto/kex.h"
#include "proto/crypto/mac.h"
#include "proto/crypto/sigkey.h"
#include "proto/msg.h"
#include "proto/packet.h"
#include "targets/common/parse_pair.h"

/* ---- failing ---- */

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("gen_parser_seeds: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void must(sd_err e, const char *what)
{
	if (e != SD_OK)
		die("%s: %s (%s)", what, sd_err_text(e), sd_err_rule(e));
}

/* ---- what the scenarios use ---- */

#define SET_MAX 1024

struct strset {
	unsigned n;
	char (*v)[CASE_NAME_MAX];
};

static void set_add(struct strset *s, const char *x)
{
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return;
	if (s->n == SET_MAX)
		die("more than %d distinct values in the scenarios", SET_MAX);
	snprintf(s->v[s->n++], CASE_NAME_MAX, "%s", x);
}

/* Every name of a comma-separated list. */
static void set_add_list(struct strset *s, const char *list)
{
	struct span l = span_cstr(list), name;
	size_t pos = 0;
	char buf[CASE_NAME_MAX];
	while (namelist_next(l, &pos, &name)) {
		snprintf(buf, sizeof buf, "%.*s", (int)name.len, (const char *)name.p);
		set_add(s, buf);
	}
}

struct usage {
	struct strset kex, hostkey, cipher, mac, users, passwords;
	/* "c|kex|hostkey|strict|ext|cipher|mac" per sending role: the
	 * KEXINITs a scenario's two sides send, first cipher/mac kept */
	struct strset kexinits, suites;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void strset_init(struct strset *s)
{
	s->n = 0;
	s->v = calloc(SET_MAX, sizeof *s->v);
	if (!s->v)
		die("out of memory");
}

static void usage_init(struct usage *u)
{
	memset(u, 0, sizeof *u);
	struct strset *all[] = {&u->kex, &u->hostkey, &u->cipher, &u->mac, &u->users,
				&u->passwords, &u->kexinits, &u->suites};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		strset_init(all[i]);
}

static void usage_free(struct usage *u)
{
	struct strset *all[] = {&u->kex, &u->hostkey, &u->cipher, &u->mac, &u->users,
				&u->passwords, &u->kexinits, &u->suites};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		free(all[i]->v);
}

static void note_case(struct usage *u, const struct sshdiff_case *c)
{
	char key[4 * CASE_NAME_MAX + 16];
	set_add_list(&u->kex, c->algs.kex);
	set_add_list(&u->hostkey, c->algs.hostkey);
	set_add_list(&u->cipher, c->algs.cipher);
	set_add_list(&u->mac, c->algs.mac);
	set_add(&u->users, c->user);
	set_add(&u->passwords, c->password);
	/* both sides send a KEXINIT with the same lists, markers by role */
	for (int side = 0; side < 2; side++) {
		snprintf(key, sizeof key, "%c|%s|%s|%d|%d", side ? 's' : 'c', c->algs.kex, c->algs.hostkey,
			 c->strict_kex, c->ext_info);
		set_add(&u->kexinits, key);
	}
	snprintf(key, sizeof key, "%s|%s", c->algs.cipher, c->algs.mac);
	set_add(&u->suites, key);
}

static void read_scenarios(const char *dir, struct usage *u)
{
	DIR *d = opendir(dir);
	if (!d)
		die("%s: %s", dir, strerror(errno));
	size_t n = 0, cap = 0;
	char **names = NULL;
	struct dirent *ent;
	while ((ent = readdir(d))) {
		size_t len = strlen(ent->d_name);
		if (len < 5 || strcmp(ent->d_name + len - 5, ".case") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			char **more = realloc(names, cap * sizeof *names);
			if (!more)
				die("out of memory");
			names = more;
		}
		if (!(names[n++] = strdup(ent->d_name)))
			die("out of memory");
	}
	closedir(d);
	if (n == 0)
		die("%s: no .case files", dir);
	/* directory order is the file system's: sort for determinism */
	qsort(names, n, sizeof *names, name_cmp);
	static struct sshdiff_case c;
	for (size_t i = 0; i < n; i++) {
		char path[4096], err[512];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (case_load(path, &c, err, sizeof err) != SD_OK)
			die("%s", err);
		note_case(u, &c);
		free(names[i]);
	}
	free(names);
}

/* ---- writing a seed folder ---- */

struct folder {
	char tmp[4096], final[4096];
	unsigned files;
};

static void remove_folder(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *ent;
	char path[4096 + 256];
	while ((ent = readdir(d))) {
		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
		if (unlink(path) != 0)
			die("%s: %s", path, strerror(errno));
	}
	closedir(d);
	if (rmdir(dir) != 0)
		die("%s: %s", dir, strerror(errno));
}

static void folder_open(struct folder *f, const char *outdir, const char *target)
{
	snprintf(f->final, sizeof f->final, "%s/%s_seeds", outdir, target);
	snprintf(f->tmp, sizeof f->tmp, "%s/.%s_seeds.tmp", outdir, target);
	f->files = 0;
	must(fs_mkdir_p(outdir), outdir);
	remove_folder(f->tmp);
	if (mkdir(f->tmp, 0755) != 0)
		die("%s: %s", f->tmp, strerror(errno));
}

static void folder_put(struct folder *f, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char name[2 * EVP_MAX_MD_SIZE + 1], path[4096 + 128];
	if (EVP_Digest(p, n, md, &mdlen, EVP_sha1(), NULL) != 1)
		die("SHA-1 failed");
	for (unsigned i = 0; i < mdlen; i++)
		name[2 * i] = hex[md[i] >> 4], name[2 * i + 1] = hex[md[i] & 15];
	name[2 * mdlen] = '\0';
	snprintf(path, sizeof path, "%s/%s", f->tmp, name);
	if (access(path, F_OK) == 0)
		return; /* the same content twice */
	FILE *fp = fopen(path, "wb");
	if (!fp || (n && fwrite(p, 1, n, fp) != n) || fclose(fp) != 0)
		die("%s: %s", path, strerror(errno));
	f->files++;
}

/* One input of a multi-kind target: the selector, then the payload. */
static void folder_put_kind(struct folder *f, enum pp_kind k, struct span payload)
{
	struct sbuf b = SBUF_INIT;
	must(sbuf_put_u8(&b, pp_kind_selector(k)), "seed");
	must(sbuf_put(&b, payload.p, payload.len), "seed");
	folder_put(f, b.data, b.len);
	sbuf_free(&b);
}

static void folder_close(struct folder *f)
{
	remove_folder(f->final);
	if (rename(f->tmp, f->final) != 0)
		die("%s: %s", f->final, strerror(errno));
	printf("%s: %u seeds\n", f->final, f->files);
}

/* ---- shared material ---- */

struct material {
	struct rng_seeded rng;
	struct sigkey *keys[CASE_KEY_COUNT];
	uint8_t h[64];          /* stand-in for H and the session id */
	struct sbuf payloads;   /* a few payloads of every family, for packets */
	size_t offsets[64], n_payloads;
};

static struct sigkey *key_of(struct material *m, enum case_key k)
{
	if (!m->keys[k])
		must(testkey_load(k, &m->keys[k]), "test key");
	return m->keys[k];
}

/* Keeps payload for the packet seeds (the first 64 offered). */
static void keep_payload(struct material *m, struct span p)
{
	if (m->n_payloads == sizeof m->offsets / sizeof m->offsets[0])
		return;
	m->offsets[m->n_payloads++] = m->payloads.len;
	must(sbuf_put_u32(&m->payloads, (uint32_t)p.len), "payload");
	must(sbuf_put(&m->payloads, p.p, p.len), "payload");
}

static struct span kept_payload(const struct material *m, size_t i)
{
	const uint8_t *p = m->payloads.data + m->offsets[i];
	size_t n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
	return (struct span){p + 4, n};
}

/* mpint content (sign byte where needed) of a big-endian magnitude. */
static void mpint_content(struct span mag, struct sbuf *out)
{
	struct sbuf t = SBUF_INIT;
	must(sbuf_put_mpint_unsigned(&t, mag.p, mag.len), "mpint");
	must(sbuf_put(out, t.data + 4, t.len - 4), "mpint");
	sbuf_free(&t);
}

/* ---- KEXINIT ---- */

static void put_kexinit(struct folder *f, struct material *m, const char *kex, const char *hostkey,
			const char *cipher, const char *mac, uint8_t follows, const char *lang, bool keep)
{
	struct msg_kexinit k;
	struct sbuf b = SBUF_INIT;
	memset(&k, 0, sizeof k);
	must(rng_fill(&m->rng.base, k.cookie, sizeof k.cookie), "rng");
	k.lists[KEXINIT_KEX] = span_cstr(kex);
	k.lists[KEXINIT_HOSTKEY] = span_cstr(hostkey);
	k.lists[KEXINIT_CIPHER_CS] = k.lists[KEXINIT_CIPHER_SC] = span_cstr(cipher);
	k.lists[KEXINIT_MAC_CS] = k.lists[KEXINIT_MAC_SC] = span_cstr(mac);
	k.lists[KEXINIT_COMP_CS] = k.lists[KEXINIT_COMP_SC] = span_cstr("none");
	k.lists[KEXINIT_LANG_CS] = k.lists[KEXINIT_LANG_SC] = span_cstr(lang);
	k.first_kex_follows = follows;
	must(msg_kexinit_put(&b, &k), "KEXINIT");
	folder_put(f, b.data, b.len);
	if (keep)
		keep_payload(m, sbuf_span(&b));
	sbuf_free(&b);
}

static void gen_kexinit(const char *outdir, const struct usage *u, struct material *m)
{
	struct folder f;
	char kex[3 * CASE_NAME_MAX], hk[CASE_NAME_MAX], cipher[CASE_NAME_MAX], mac[CASE_NAME_MAX];
	folder_open(&f, outdir, "fuzz_parse_kexinit");
	for (unsigned i = 0; i < u->kexinits.n; i++) {
		char side;
		int strict, ext;
		char kl[CASE_NAME_MAX];
		if (sscanf(u->kexinits.v[i], "%c|%255[^|]|%255[^|]|%d|%d", &side, kl, hk, &strict, &ext) != 5)
			die("internal: %s", u->kexinits.v[i]);
		bool client = side == 'c';
		/* markers as the first KEXINIT carries them (RFC 8308 2.1,
		 * OpenSSH PROTOCOL strict kex) */
		snprintf(kex, sizeof kex, "%s%s%s", kl, ext ? (client ? ",ext-info-c" : ",ext-info-s") : "",
			 strict ? (client ? ",kex-strict-c-v00@openssh.com" : ",kex-strict-s-v00@openssh.com") : "");
		put_kexinit(&f, m, kex, hk, u->cipher.v[i % u->cipher.n], u->mac.v[i % u->mac.n], 0, "",
			    i < 2);
	}
	for (unsigned i = 0; i < u->suites.n; i++) {
		if (sscanf(u->suites.v[i], "%255[^|]|%255[^|]", cipher, mac) != 2)
			die("internal: %s", u->suites.v[i]);
		put_kexinit(&f, m, kex_default_list(), sig_default_list(), cipher, mac, 0, "", false);
	}
	/* the engine's whole proposal, a guess, a language */
	put_kexinit(&f, m, kex_default_list(), sig_default_list(), cipher_default_list(), mac_default_list(), 0, "", true);
	put_kexinit(&f, m, kex_default_list(), sig_default_list(), cipher_default_list(), mac_default_list(), 1, "", false);
	put_kexinit(&f, m, u->kex.v[0], u->hostkey.v[0], u->cipher.v[0], u->mac.v[0], 1, "en-US", false);
	folder_close(&f);
}

/* ---- key exchange method messages ---- */

/* One side's public value for method km (GEX: in group p, g). */
static void ephemeral_pub(struct material *m, const struct kex_method *km, struct span p, struct span g,
			  struct sbuf *pub)
{
	struct kex_ephemeral *e = NULL;
	must(kex_ephemeral_new(km, p, g, &m->rng.base, &e), km->name);
	must(kex_ephemeral_public(e, pub), km->name);
	kex_ephemeral_free(e);
}

/* The host key blob and a signature by it for hostkey algorithm alg. */
static void host_material(struct material *m, const char *alg, size_t hlen, struct sbuf *blob, struct sbuf *sig)
{
	const struct sig_alg *sa = sig_alg_by_name(span_cstr(alg));
	if (!sa)
		die("unknown host key algorithm %s", alg);
	struct sigkey *k = key_of(m, testkey_for_alg(span_cstr(alg)));
	must(sigkey_to_blob(k, blob), alg);
	must(sigkey_sign(k, sa, &m->rng.base, (struct span){m->h, hlen}, sig), alg);
}

static void put_msg(struct folder *f, struct material *m, enum pp_kind k, struct sbuf *b, bool keep)
{
	folder_put_kind(f, k, sbuf_span(b));
	if (keep)
		keep_payload(m, sbuf_span(b));
	sbuf_reset(b);
}

static void gen_kex_method(struct folder *f, const struct usage *u, struct material *m, const struct kex_method *km)
{
	struct sbuf pc = SBUF_INIT, ps = SBUF_INIT, b = SBUF_INIT, blob = SBUF_INIT, sig = SBUF_INIT;
	struct sbuf gp = SBUF_INIT, gg = SBUF_INIT;
	size_t hlen = kex_hash_len(km->hash);
	bool dh = km->family == KEX_FAMILY_DH || km->family == KEX_FAMILY_GEX;
	if (km->family == KEX_FAMILY_GEX) {
		/* RFC 4419 section 3: the request, a group, then init/reply in it */
		static const uint32_t req[][3] = {{2048, 3072, 8192}, {1024, 2048, 8192}, {3072, 4096, 8192}};
		for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
			struct msg_gex_request r = {false, req[i][0], req[i][1], req[i][2]};
			must(msg_gex_request_put(&b, &r), "GEX_REQUEST");
			put_msg(f, m, PP_GEX_REQUEST, &b, i == 0);
		}
		struct msg_gex_request old = {true, 0, 2048, 0};
		must(msg_gex_request_put(&b, &old), "GEX_REQUEST_OLD");
		put_msg(f, m, PP_GEX_REQUEST, &b, false);
		static const int groups[] = {14, 16, 18};
		for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
			const struct kex_dh_group *grp = kex_dh_group_by_id(groups[i]);
			if (!grp)
				die("no DH group %d", groups[i]);
			struct msg_gex_group gm;
			sbuf_reset(&gp);
			sbuf_reset(&gg);
			mpint_content(grp->p, &gp);
			mpint_content(grp->g, &gg);
			gm.p = sbuf_span(&gp);
			gm.g = sbuf_span(&gg);
			must(msg_gex_group_put(&b, &gm), "GEX_GROUP");
			put_msg(f, m, PP_GEX_GROUP, &b, i == 0);
		}
		/* init and reply in group 14 (the last one built is 18: redo) */
		const struct kex_dh_group *g14 = kex_dh_group_by_id(14);
		sbuf_reset(&gp);
		sbuf_reset(&gg);
		mpint_content(g14->p, &gp);
		mpint_content(g14->g, &gg);
	}
	ephemeral_pub(m, km, sbuf_span(&gp), sbuf_span(&gg), &pc);
	ephemeral_pub(m, km, sbuf_span(&gp), sbuf_span(&gg), &ps);

	struct msg_kex_init init = {sbuf_span(&pc)};
	enum pp_kind ki = km->family == KEX_FAMILY_GEX ? PP_GEX_INIT : dh ? PP_KEXDH_INIT : PP_ECDH_INIT;
	enum pp_kind kr = km->family == KEX_FAMILY_GEX ? PP_GEX_REPLY : dh ? PP_KEXDH_REPLY : PP_ECDH_REPLY;
	must(km->family == KEX_FAMILY_GEX ? msg_gex_init_put(&b, &init)
	     : dh			  ? msg_kexdh_init_put(&b, &init)
					  : msg_ecdh_init_put(&b, &init),
	     "KEX init");
	put_msg(f, m, ki, &b, true);
	for (unsigned i = 0; i < u->hostkey.n; i++) {
		sbuf_reset(&blob);
		sbuf_reset(&sig);
		host_material(m, u->hostkey.v[i], hlen, &blob, &sig);
		struct msg_kex_reply r = {sbuf_span(&blob), sbuf_span(&ps), sbuf_span(&sig)};
		must(km->family == KEX_FAMILY_GEX ? msg_gex_reply_put(&b, &r)
		     : dh			  ? msg_kexdh_reply_put(&b, &r)
						  : msg_ecdh_reply_put(&b, &r),
		     "KEX reply");
		put_msg(f, m, kr, &b, i == 0);
	}
	sbuf_free(&pc);
	sbuf_free(&ps);
	sbuf_free(&b);
	sbuf_free(&blob);
	sbuf_free(&sig);
	sbuf_free(&gp);
	sbuf_free(&gg);
}

static void gen_kex(const char *outdir, const struct usage *u, struct material *m)
{
	struct folder f;
	folder_open(&f, outdir, "fuzz_parse_kex");
	for (unsigned i = 0; i < u->kex.n; i++) {
		const struct kex_method *km = kex_method_by_name(span_cstr(u->kex.v[i]));
		if (!km)
			die("scenario kex %s unknown to the engine", u->kex.v[i]);
		gen_kex_method(&f, u, m, km);
	}
	folder_close(&f);
}

/* ---- transport ---- */

static void gen_transport(const char *outdir, const struct usage *u, struct material *m)
{
	struct folder f;
	struct sbuf b = SBUF_INIT;
	folder_open(&f, outdir, "fuzz_parse_transport");

	must(msg_empty_put(&b, MSG_NEWKEYS), "NEWKEYS");
	put_msg(&f, m, PP_NEWKEYS, &b, true);

	/* RFC 8308 sections 2.3 and 3: what servers and clients send */
	struct msg_ext_info x;
	memset(&x, 0, sizeof x);
	must(msg_ext_info_put(&b, &x), "EXT_INFO");
	put_msg(&f, m, PP_EXT_INFO, &b, false);
	x.count = 1;
	x.names[0] = span_cstr("server-sig-algs");
	x.values[0] = span_cstr(sig_default_list());
	must(msg_ext_info_put(&b, &x), "EXT_INFO");
	put_msg(&f, m, PP_EXT_INFO, &b, true);
	for (unsigned i = 0; i < u->hostkey.n; i++) {
		x.values[0] = span_cstr(u->hostkey.v[i]);
		must(msg_ext_info_put(&b, &x), "EXT_INFO");
		put_msg(&f, m, PP_EXT_INFO, &b, false);
	}
	static const char *const others[][2] = {
		{"delay-compression", "\0\0\0\4none\0\0\0\4none"}, {"no-flow-control", "p"}, {"elevation", "d"},
		{"publickey-hostbound@openssh.com", "0"}, {"ping@openssh.com", "0"},
	};
	x.values[0] = span_cstr(sig_default_list());
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		x.count = (uint32_t)(2 + i);
		x.names[1 + i] = span_cstr(others[i][0]);
		/* delay-compression's value is two name-lists (3.2): binary */
		x.values[1 + i] = i == 0 ? (struct span){(const uint8_t *)others[0][1], 16} : span_cstr(others[i][1]);
		must(msg_ext_info_put(&b, &x), "EXT_INFO");
		put_msg(&f, m, PP_EXT_INFO, &b, false);
	}

	static const char *const services[] = {"ssh-userauth", "ssh-connection"};
	for (size_t i = 0; i < 2; i++) {
		struct msg_service s = {span_cstr(services[i])};
		must(msg_service_put(&b, MSG_SERVICE_REQUEST, &s), "SERVICE_REQUEST");
		put_msg(&f, m, PP_SERVICE_REQUEST, &b, i == 0);
		must(msg_service_put(&b, MSG_SERVICE_ACCEPT, &s), "SERVICE_ACCEPT");
		put_msg(&f, m, PP_SERVICE_ACCEPT, &b, i == 0);
	}

	/* RFC 4253 section 11.1: every reason code */
	for (uint32_t reason = DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT; reason <= DISCONNECT_ILLEGAL_USER_NAME;
	     reason++) {
		struct msg_disconnect d = {reason, span_cstr(reason & 1 ? "RFC4253-7.1-kex" : "bye"),
					   span_cstr(reason & 2 ? "en" : "")};
		must(msg_disconnect_put(&b, &d), "DISCONNECT");
		put_msg(&f, m, PP_DISCONNECT, &b, reason == DISCONNECT_PROTOCOL_ERROR);
	}

	static const char *const data[] = {"", "x", "0123456789abcdef0123456789abcdef"};
	for (size_t i = 0; i < 3; i++) {
		struct msg_ignore ig = {span_cstr(data[i])};
		must(msg_ignore_put(&b, &ig), "IGNORE");
		put_msg(&f, m, PP_IGNORE, &b, i == 1);
		struct msg_debug dbg = {(uint8_t)(i & 1), span_cstr(data[i]), span_cstr(i ? "en" : "")};
		must(msg_debug_put(&b, &dbg), "DEBUG");
		put_msg(&f, m, PP_DEBUG, &b, i == 1);
	}
	static const uint32_t seqs[] = {0, 3, 0xffffffffu};
	for (size_t i = 0; i < 3; i++) {
		struct msg_unimplemented un = {seqs[i]};
		must(msg_unimplemented_put(&b, &un), "UNIMPLEMENTED");
		put_msg(&f, m, PP_UNIMPLEMENTED, &b, i == 1);
	}
	sbuf_free(&b);
	folder_close(&f);
}

/* ---- user authentication ---- */

static void gen_publickey(struct folder *f, const struct usage *u, struct material *m, enum case_key key)
{
	struct sbuf b = SBUF_INIT, blob = SBUF_INIT, data = SBUF_INIT, sig = SBUF_INIT;
	struct sigkey *k = key_of(m, key);
	struct span algs = span_cstr(testkey_algorithms(key)), alg;
	size_t pos = 0;
	must(sigkey_to_blob(k, &blob), "user key");
	while (namelist_next(algs, &pos, &alg)) {
		const struct sig_alg *sa = sig_alg_by_name(alg);
		if (!sa)
			die("unknown algorithm %.*s", (int)alg.len, (const char *)alg.p);
		struct msg_userauth_request r;
		memset(&r, 0, sizeof r);
		r.user = span_cstr(u->users.v[0]);
		r.service = span_cstr("ssh-connection");
		r.method = span_cstr("publickey");
		r.kind = USERAUTH_PUBLICKEY;
		r.alg = alg;
		r.key = sbuf_span(&blob);
		must(msg_userauth_request_put(&b, &r), "USERAUTH_REQUEST");
		put_msg(f, m, PP_USERAUTH_REQUEST, &b, false);
		/* RFC 4252 section 7: signed over the session id and the request */
		sbuf_reset(&data);
		sbuf_reset(&sig);
		must(msg_userauth_signed_data(&data, (struct span){m->h, 32}, r.user, r.service, alg, r.key), "data");
		must(sigkey_sign(k, sa, &m->rng.base, sbuf_span(&data), &sig), "sign");
		r.has_sig = 1;
		r.sig = sbuf_span(&sig);
		must(msg_userauth_request_put(&b, &r), "USERAUTH_REQUEST");
		put_msg(f, m, PP_USERAUTH_REQUEST, &b, pos >= algs.len);
		struct msg_userauth_pk_ok ok = {alg, sbuf_span(&blob)};
		must(msg_userauth_pk_ok_put(&b, &ok), "PK_OK");
		put_msg(f, m, PP_USERAUTH_PK_OK, &b, false);
	}
	sbuf_free(&b);
	sbuf_free(&blob);
	sbuf_free(&data);
	sbuf_free(&sig);
}

static void gen_userauth(const char *outdir, const struct usage *u, struct material *m)
{
	struct folder f;
	struct sbuf b = SBUF_INIT;
	struct msg_userauth_request r;
	folder_open(&f, outdir, "fuzz_parse_userauth");
	for (unsigned i = 0; i < u->users.n; i++) {
		memset(&r, 0, sizeof r);
		r.user = span_cstr(u->users.v[i]);
		r.service = span_cstr("ssh-connection");
		r.method = span_cstr("none");
		r.kind = USERAUTH_NONE;
		must(msg_userauth_request_put(&b, &r), "USERAUTH_REQUEST");
		put_msg(&f, m, PP_USERAUTH_REQUEST, &b, i == 0);
		for (unsigned j = 0; j < u->passwords.n; j++) {
			r.method = span_cstr("password");
			r.kind = USERAUTH_PASSWORD;
			r.password = span_cstr(u->passwords.v[j]);
			r.change = 0;
			must(msg_userauth_request_put(&b, &r), "USERAUTH_REQUEST");
			put_msg(&f, m, PP_USERAUTH_REQUEST, &b, i == 0 && j == 0);
			/* section 8: a password change */
			r.change = 1;
			r.new_password = span_cstr("new-password");
			must(msg_userauth_request_put(&b, &r), "USERAUTH_REQUEST");
			put_msg(&f, m, PP_USERAUTH_REQUEST, &b, false);
		}
		/* a method the decoders do not know: fields opaque (section 5) */
		static const uint8_t kbdint[] = {0, 0, 0, 0, 0, 0, 0, 0};
		memset(&r, 0, sizeof r);
		r.user = span_cstr(u->users.v[i]);
		r.service = span_cstr("ssh-connection");
		r.method = span_cstr("keyboard-interactive");
		r.kind = USERAUTH_OTHER;
		r.rest = (struct span){kbdint, sizeof kbdint};
		must(msg_userauth_request_put(&b, &r), "USERAUTH_REQUEST");
		put_msg(&f, m, PP_USERAUTH_REQUEST, &b, false);
	}
	/* every test key, not only the scenarios' user keys: each key type
	 * has its own blob and signature shapes */
	for (int k = 0; k < CASE_KEY_COUNT; k++)
		gen_publickey(&f, u, m, (enum case_key)k);

	static const char *const methods[] = {"publickey", "publickey,password", "password", "",
					      "publickey,password,keyboard-interactive"};
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		for (uint8_t partial = 0; partial < 2; partial++) {
			struct msg_userauth_failure fl = {span_cstr(methods[i]), partial};
			must(msg_userauth_failure_put(&b, &fl), "USERAUTH_FAILURE");
			put_msg(&f, m, PP_USERAUTH_FAILURE, &b, i == 1 && !partial);
		}
	must(msg_empty_put(&b, MSG_USERAUTH_SUCCESS), "USERAUTH_SUCCESS");
	put_msg(&f, m, PP_USERAUTH_SUCCESS, &b, true);
	static const char *const banners[][2] = {{"", ""}, {"Authorized use only.\r\n", ""},
						 {"Welcome to sshdiff\r\n", "en-US"}};
	for (size_t i = 0; i < 3; i++) {
		struct msg_userauth_banner bn = {span_cstr(banners[i][0]), span_cstr(banners[i][1])};
		must(msg_userauth_banner_put(&b, &bn), "USERAUTH_BANNER");
		put_msg(&f, m, PP_USERAUTH_BANNER, &b, i == 1);
	}
	sbuf_free(&b);
	folder_close(&f);
}

/* ---- binary packets ---- */

/* A cleartext stream: the packets as the engine seals them before the first
 * NEWKEYS. */
static void put_clear_stream(struct folder *f, struct material *m, const size_t *which, size_t n)
{
	struct packet_dir d;
	struct sbuf b = SBUF_INIT;
	packet_dir_init(&d);
	for (size_t i = 0; i < n; i++)
		must(packet_seal(&d, &m->rng.base, kept_payload(m, which[i]), &b), "packet_seal");
	folder_put(f, b.data, b.len);
	packet_dir_free(&d);
	sbuf_free(&b);
}

/* A keyed-state input: state byte, sequence number, one plaintext
 * packet padded as the state's framing wants (RFC 4253 section 6: at least
 * 4 bytes, to the block size, the length counted in unless it is kept out
 * of the encryption). */
static void put_plain_packet(struct folder *f, struct material *m, enum pp_packet_state s, uint32_t seq,
			     struct span payload)
{
	const char *cname, *mname;
	pp_packet_state_algs(s, &cname, &mname);
	const struct cipher_alg *c = cipher_alg_by_name(span_cstr(cname));
	const struct mac_alg *mac = mname ? mac_alg_by_name(span_cstr(mname)) : NULL;
	if (!c || (mname && !mac))
		die("packet state %d: unknown algorithm", (int)s);
	size_t block = c->block_size > 8 ? c->block_size : 8;
	bool apart = c->tag_len || (mac && mac->etm);
	size_t covered = (apart ? 0 : 4) + 1 + payload.len;
	size_t pad = block - covered % block;
	if (pad < 4)
		pad += block;
	uint8_t padding[64];
	must(rng_fill(&m->rng.base, padding, pad), "rng");
	struct sbuf b = SBUF_INIT;
	must(sbuf_put_u8(&b, pp_keyed_selector(s)), "packet");
	must(sbuf_put_u32(&b, seq), "packet");
	must(sbuf_put_u32(&b, (uint32_t)(1 + payload.len + pad)), "packet");
	must(sbuf_put_u8(&b, (uint8_t)pad), "packet");
	must(sbuf_put(&b, payload.p, payload.len), "packet");
	must(sbuf_put(&b, padding, pad), "packet");
	folder_put(f, b.data, b.len);
	sbuf_free(&b);
}

static void gen_packet(const char *outdir, struct material *m)
{
	struct folder f;
	folder_open(&f, outdir, "fuzz_parse_packet");
	if (m->n_payloads < 4)
		die("internal: too few payloads kept");
	for (size_t i = 0; i < m->n_payloads; i++)
		put_clear_stream(&f, m, &i, 1);
	/* a few streams of several packets, as a peer sends them in a row */
	for (size_t i = 0; i + 2 < m->n_payloads; i += 3) {
		size_t three[3] = {i, i + 1, i + 2};
		put_clear_stream(&f, m, three, 3);
	}
	folder_close(&f);

	static const uint32_t seqs[] = {0, 3, 0xffffffffu};
	folder_open(&f, outdir, "fuzz_parse_packet_keyed");
	for (int s = PP_STATE_CLEAR + 1; s < PP_STATE_COUNT; s++)
		for (size_t i = s % 3; i < m->n_payloads; i += 3)
			put_plain_packet(&f, m, (enum pp_packet_state)s, seqs[i % 3], kept_payload(m, i));
	folder_close(&f);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gen_parser_seeds SCENARIO_DIR OUTDIR\n");
		return 2;
	}
	static struct usage u;
	static struct material m;
	usage_init(&u);
	read_scenarios(argv[1], &u);
	if (!u.kex.n || !u.hostkey.n || !u.cipher.n || !u.mac.n || !u.users.n)
		die("%s: the scenarios name no algorithms or users", argv[1]);
	rng_seeded_init(&m.rng, "gen_parser_seeds", 16);
	must(rng_fill(&m.rng.base, m.h, sizeof m.h), "rng");
	sbuf_init(&m.payloads);

	gen_kexinit(argv[2], &u, &m);
	gen_kex(argv[2], &u, &m);
	gen_transport(argv[2], &u, &m);
	gen_userauth(argv[2], &u, &m);
	gen_packet(argv[2], &m);

	for (int k = 0; k < CASE_KEY_COUNT; k++)
		sigkey_free(m.keys[k]);
	sbuf_free(&m.payloads);
	usage_free(&u);
	return 0;
}

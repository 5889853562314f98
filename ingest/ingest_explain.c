/*
 * ingest_explain.c — what the two proposals of a connection lead to under
 * RFC 4253 section 7.1, category by category: the client's first name
 * that the server also lists (proto/negotiate.h does the picking), or, the
 * question these logs are read for, which category has no common
 * algorithm and what each side offered.  Where the source shows only one
 * side (a "Their offer" line), it says what is known.
 */
#include "ingest/field_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/negotiate.h"

static const char *const label[FL_COUNT] = {
	"kex", "hostkey", "cipher c->s", "cipher s->c", "mac c->s", "mac s->c",
	"comp c->s", "comp s->c", "lang c->s", "lang s->c",
};

/* For "%.*s": the list, or "(empty)". */
static struct span shown(struct span s)
{
	return s.len ? s : span_cstr("(empty)");
}

/* The MAC of a direction is not negotiated when its cipher is an AEAD one
 * (OpenSSH PROTOCOL, aes-gcm and chacha20-poly1305). */
static bool aead(struct span cipher)
{
	const struct cipher_alg *a = cipher_alg_by_name(cipher);

	return a && a->tag_len > 0;
}

struct outcome {
	bool any_known;          /* some category could be looked at */
	bool all_known;          /* every required category had both lists */
	int failed;              /* first category without a common name, or -1 */
	struct span chosen[FL_COUNT];
	bool picked[FL_COUNT];
	bool log_differs;        /* a computed choice is not what the log says */
	bool both_ways;          /* the failed category is the same both ways */
};

/* Both directions alike (one cipher / MAC / compression option, as OpenSSH
 * configures them): one line for the pair. */
static bool same_both_ways(const struct field_conn *c, enum field_list a, enum field_list b)
{
	for (int s = 0; s < 2; s++) {
		const struct field_proposal *p = s == 0 ? &c->client : &c->server;
		if (field_list_known(p, a) != field_list_known(p, b) ||
		    (field_list_known(p, a) && !span_eq(field_list_span(p, a), field_list_span(p, b))))
			return false;
	}
	return strcmp(c->negotiated[a], c->negotiated[b]) == 0;
}

static sd_err one_category(const struct field_conn *c, enum field_list l, const char *lab, struct outcome *o,
			   struct sbuf *out)
{
	bool kc = field_list_known(&c->client, l), ks = field_list_known(&c->server, l);
	bool lang = l == FL_LANG_CS || l == FL_LANG_SC;
	struct span cl = field_list_span(&c->client, l), sl = field_list_span(&c->server, l), name;
	const char *said = c->negotiated[l];
	sd_err e;

	if (l == FL_MAC_CS || l == FL_MAC_SC) {
		enum field_list cipher = l == FL_MAC_CS ? FL_CIPHER_CS : FL_CIPHER_SC;
		if (o->picked[cipher] && aead(o->chosen[cipher])) {
			o->picked[l] = true;
			if (said[0] && strcmp(said, "<implicit>") != 0)
				o->log_differs = true;
			return sbuf_printf(out, "  %-12s (none: %.*s is an AEAD cipher, its tag is the MAC)\n", lab,
				   (int)o->chosen[cipher].len, (const char *)o->chosen[cipher].p);
		}
	}
	if (!kc && !ks) {
		if (!lang)
			o->all_known = false;
		if (said[0])
			return sbuf_printf(out, "  %-12s %s (as the source says; no proposal lists in it)\n", lab, said);
		return lang ? SD_OK : sbuf_printf(out, "  %-12s not in the source\n", lab);
	}
	o->any_known = true;
	if (!kc || !ks) {
		if (lang && (kc ? cl : sl).len == 0)
			return SD_OK; /* an empty language list says nothing */
		if (!lang)
			o->all_known = false;
		struct span k = shown(kc ? cl : sl);
		e = sbuf_printf(out, "  %-12s %s offers: %.*s\n  %-12s the %s's list is not in the source%s%s\n", lab,
			kc ? "client" : "server", (int)k.len, (const char *)k.p, "", kc ? "server" : "client",
			said[0] ? "; the log says: " : "", said);
		return e;
	}
	/* Language lists may both be empty: then no language (RFC 4253
	 * section 7.1 "name-list may be empty"). */
	if (lang && cl.len == 0 && sl.len == 0)
		return SD_OK;
	if (negotiate_pick(cl, sl, &name)) {
		o->chosen[l] = name;
		o->picked[l] = true;
		e = sbuf_printf(out, "  %-12s %.*s", lab, (int)name.len, (const char *)name.p);
		if (e == SD_OK && said[0] && !span_eq_cstr(name, said)) {
			o->log_differs = true;
			e = sbuf_printf(out, "   (the log says %s: names left out of the lists as unusable?)", said);
		}
		return e == SD_OK ? sbuf_printf(out, "\n") : e;
	}
	if (lang)
		return sbuf_printf(out, "  %-12s no common language (the lists are advisory)\n", lab);
	if (o->failed < 0)
		o->failed = (int)l;
	cl = shown(cl);
	sl = shown(sl);
	return sbuf_printf(out,
		   "  %-12s NO COMMON ALGORITHM\n  %-12s   client offers: %.*s\n  %-12s   server offers: %.*s\n",
		   lab, "", (int)cl.len, (const char *)cl.p, "", (int)sl.len, (const char *)sl.p);
}

static sd_err category(const struct field_conn *c, enum field_list l, struct outcome *o, struct sbuf *out,
			bool *skip_next)
{
	static const char *const pair_label[FL_COUNT] = {
		[FL_CIPHER_CS] = "cipher", [FL_MAC_CS] = "mac", [FL_COMP_CS] = "comp", [FL_LANG_CS] = "lang"};
	sd_err e;

	*skip_next = false;
	if (pair_label[l] && same_both_ways(c, l, (enum field_list)(l + 1))) {
		int failed = o->failed;
		e = one_category(c, l, pair_label[l], o, out);
		o->picked[l + 1] = o->picked[l];
		o->chosen[l + 1] = o->chosen[l];
		if (o->failed >= 0 && failed < 0)
			o->both_ways = true;
		*skip_next = true;
		return e;
	}
	return one_category(c, l, label[l], o, out);
}

static const char *category_words(enum field_list l)
{
	switch (l) {
	case FL_KEX:
		return "key exchange method";
	case FL_HOSTKEY:
		return "host key algorithm";
	case FL_CIPHER_CS:
		return "cipher (client to server)";
	case FL_CIPHER_SC:
		return "cipher (server to client)";
	case FL_MAC_CS:
		return "MAC (client to server)";
	case FL_MAC_SC:
		return "MAC (server to client)";
	case FL_COMP_CS:
		return "compression (client to server)";
	case FL_COMP_SC:
		return "compression (server to client)";
	default:
		return "language";
	}
}

static const char *pair_words(enum field_list l)
{
	switch (l) {
	case FL_CIPHER_CS:
	case FL_CIPHER_SC:
		return "cipher";
	case FL_MAC_CS:
	case FL_MAC_SC:
		return "MAC algorithm";
	case FL_COMP_CS:
	case FL_COMP_SC:
		return "compression algorithm";
	default:
		return category_words(l);
	}
}

/* RFC 4253 section 7: a guessed packet counts only when both the first key
 * exchange name and the first host key name agree. */
static sd_err guess(const struct field_conn *c, struct sbuf *out)
{
	struct msg_kexinit ck, sk;
	sd_err e = SD_OK;

	if (!c->client.first_kex_follows && !c->server.first_kex_follows)
		return SD_OK;
	if (!field_list_known(&c->client, FL_KEX) || !field_list_known(&c->server, FL_KEX) ||
	    !field_list_known(&c->client, FL_HOSTKEY) || !field_list_known(&c->server, FL_HOSTKEY))
		return sbuf_printf(out, "  first_kex_packet_follows is set, but the lists that decide the guess are not all "
				"in the source\n");
	memset(&ck, 0, sizeof ck);
	memset(&sk, 0, sizeof sk);
	ck.lists[KEXINIT_KEX] = field_list_span(&c->client, FL_KEX);
	ck.lists[KEXINIT_HOSTKEY] = field_list_span(&c->client, FL_HOSTKEY);
	sk.lists[KEXINIT_KEX] = field_list_span(&c->server, FL_KEX);
	sk.lists[KEXINIT_HOSTKEY] = field_list_span(&c->server, FL_HOSTKEY);
	bool right = negotiate_guess_right(&ck, &sk);
	for (int s = 0; s < 2 && e == SD_OK; s++) {
		const struct field_proposal *p = s == 0 ? &c->client : &c->server;
		if (p->first_kex_follows)
			e = sbuf_printf(out,
				"  first_kex_packet_follows: the %s sent its first key exchange packet on a guess, "
				"which is %s (RFC 4253 section 7: %s)\n",
				s == 0 ? "client" : "server", right ? "right" : "wrong",
				right ? "both first kex and host key names agree, the packet is used"
				      : "the first kex or host key names differ, the other side must ignore it");
	}
	return e;
}

static bool has_name(const struct field_proposal *p, const char *name)
{
	return field_list_known(p, FL_KEX) && namelist_contains(field_list_span(p, FL_KEX), span_cstr(name));
}

sd_err ingest_explain(const struct field_conn *c, struct sbuf *out)
{
	struct outcome o = {.all_known = true, .failed = -1};
	sd_err e;

	e = sbuf_printf(out, "%s %s\n  client %s\n  server %s\n", c->file, c->where,
		c->client_version[0] ? c->client_version : "(version not in the source)",
		c->server_version[0] ? c->server_version : "(version not in the source)");
	if (e == SD_OK)
		e = sbuf_printf(out, "  RFC 4253 section 7.1, per category: the client's first algorithm the server also "
			     "offers\n");
	for (int l = 0; l < FL_COUNT && e == SD_OK; l++) {
		bool skip_next;
		e = category(c, (enum field_list)l, &o, out, &skip_next);
		l += skip_next;
	}
	if (e == SD_OK && c->n_unusable) {
		e = sbuf_printf(out, "  unusable names in the source (left out of the lists above):");
		for (size_t i = 0; i < c->n_unusable && e == SD_OK; i++)
			e = sbuf_printf(out, "%s '%s'", i ? "," : "", c->unusable_names[i]);
		if (e == SD_OK)
			e = sbuf_printf(out, "\n");
	}
	if (e == SD_OK)
		e = guess(c, out);
	if (e == SD_OK && has_name(&c->client, "kex-strict-c-v00@openssh.com") &&
	    has_name(&c->server, "kex-strict-s-v00@openssh.com"))
		e = sbuf_printf(out, "  strict key exchange: both offer it (OpenSSH PROTOCOL, kex-strict-*-v00)\n");
	if (e != SD_OK)
		return e;
	if (o.failed >= 0)
		return sbuf_printf(out,
			   "  result: NO COMMON %s%s: the connection fails there (RFC 4253 section 7.1: both sides "
			   "must disconnect)\n\n",
			   o.both_ways ? pair_words((enum field_list)o.failed) : category_words((enum field_list)o.failed),
			   o.both_ways ? " (the same lists both ways)" : "");
	if (o.log_differs)
		return sbuf_printf(out, "  result: the log shows other choices than the lists above lead to: names are "
				"missing from the lists (unusable names?); the log's choices are what happened\n\n");
	if (!o.any_known)
		return sbuf_printf(out, "  result: no proposal lists in the source; only what it says was negotiated\n\n");
	if (!o.all_known)
		return sbuf_printf(out, "  result: every category with both lists known has a common algorithm; the "
				"others cannot be decided from the source\n\n");
	return sbuf_printf(out, "  result: the negotiation succeeds with the algorithms above\n\n");
}

/*
 * field.c — the containers of ingest.h: one connection as seen in the field,
 * the list of them, and the diagnostics that go with a file.  Shared by the
 * capture reader (ingest_pcap.c) and the log reader (ingest_log.c).
 */
#include "ingest/field_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const list_names[FL_COUNT] = {
	[FL_KEX] = "kex",
	[FL_HOSTKEY] = "hostkey",
	[FL_CIPHER_CS] = "cipher_cs",
	[FL_CIPHER_SC] = "cipher_sc",
	[FL_MAC_CS] = "mac_cs",
	[FL_MAC_SC] = "mac_sc",
	[FL_COMP_CS] = "comp_cs",
	[FL_COMP_SC] = "comp_sc",
	[FL_LANG_CS] = "lang_cs",
	[FL_LANG_SC] = "lang_sc",
};

const char *field_list_name(enum field_list l)
{
	if ((unsigned)l >= FL_COUNT)
		return "?";
	return list_names[l];
}

bool field_list_known(const struct field_proposal *p, enum field_list l)
{
	return p->present && p->lists_known[l];
}

struct span field_list_span(const struct field_proposal *p, enum field_list l)
{
	const struct sbuf *b = &p->lists[l];

	if (!field_list_known(p, l) || !b->data)
		return (struct span){(const uint8_t *)"", 0};
	return (struct span){b->data, strnlen((const char *)b->data, b->len)};
}

static void proposal_init(struct field_proposal *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < FL_COUNT; i++)
		sbuf_init(&p->lists[i]);
	sbuf_init(&p->kexinit);
}

static void proposal_free(struct field_proposal *p)
{
	for (size_t i = 0; i < FL_COUNT; i++)
		sbuf_free(&p->lists[i]);
	sbuf_free(&p->kexinit);
	proposal_init(p);
}

void field_conn_init(struct field_conn *c)
{
	memset(c, 0, sizeof(*c));
	proposal_init(&c->client);
	proposal_init(&c->server);
	for (size_t i = 0; i < FIELD_MAX_PACKETS; i++)
		sbuf_init(&c->packets[i].payload);
}

void field_conn_free(struct field_conn *c)
{
	proposal_free(&c->client);
	proposal_free(&c->server);
	for (size_t i = 0; i < FIELD_MAX_PACKETS; i++)
		sbuf_free(&c->packets[i].payload);
	field_conn_init(c);
}

struct field_conn *field_conns_add(struct field_conns *cs)
{
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 4;
		struct field_conn *v = realloc(cs->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		cs->v = v;
		cs->cap = cap;
	}
	field_conn_init(&cs->v[cs->n]);
	return &cs->v[cs->n++];
}

void field_conns_free(struct field_conns *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		field_conn_free(&cs->v[i]);
	free(cs->v);
	*cs = (struct field_conns){0};
}

/* A line that cannot be stored is dropped: diagnostics never turn a
 * readable file into a failure. */
void ingest_diag_add(struct ingest_diag *d, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		char **v = realloc(d->lines, cap * sizeof(*v));

		if (!v)
			return;
		d->lines = v;
		d->cap = cap;
	}
	line = malloc((size_t)n + 1);
	if (!line)
		return;
	va_start(ap, fmt);
	vsnprintf(line, (size_t)n + 1, fmt, ap);
	va_end(ap);
	d->lines[d->n++] = line;
}

void ingest_diag_free(struct ingest_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	*d = (struct ingest_diag){0};
}

/* pcap: 0xa1b2c3d4 (microseconds), 0xa1b23c4d (nanoseconds) and the old
 * "modified" 0xa1b2cd34, in either byte order; pcapng: the Section Header
 * Block type 0x0a0d0d0a, which is a palindrome. */
bool ingest_is_capture(const uint8_t *head, size_t len)
{
	static const uint32_t magics[] = {0xa1b2c3d4u, 0xa1b23c4du, 0xa1b2cd34u, 0x0a0d0d0au};
	uint32_t be, le;

	if (!head || len < 4)
		return false;
	be = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
	le = (uint32_t)head[3] << 24 | (uint32_t)head[2] << 16 | (uint32_t)head[1] << 8 | head[0];
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (be == magics[i] || le == magics[i])
			return true;
	return false;
}

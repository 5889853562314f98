/* vwire.c — the verifier's RFC 4251 section 5 encoder and decoder. */
#include "oracle/verifier/vwire.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct vspan vspan_str(const char *s)
{
	return (struct vspan){(const uint8_t *)s, s ? strlen(s) : 0};
}

bool vspan_eq(struct vspan a, struct vspan b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool vspan_is(struct vspan a, const char *s)
{
	return vspan_eq(a, vspan_str(s));
}

/* ---- writer ---- */

void vb_free(struct vbuf *b)
{
	if (b->p) {
		sodium_memzero(b->p, b->cap);
		free(b->p);
	}
	*b = (struct vbuf){0};
}

void vb_reset(struct vbuf *b)
{
	if (b->p)
		sodium_memzero(b->p, b->len);
	b->len = 0;
	b->failed = false;
}

void vb_consume(struct vbuf *b, size_t n)
{
	if (n >= b->len) {
		vb_reset(b);
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

enum vrule vb_status(const struct vbuf *b)
{
	return b->failed ? VR_NOMEM : VR_OK;
}

uint8_t *vb_grow(struct vbuf *b, size_t n)
{
	if (b->failed || n > VBUF_MAX - b->len) {
		b->failed = true;
		return NULL;
	}
	if (!b->p || b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		/* Not realloc: the old block may hold key material to wipe. */
		uint8_t *p = malloc(cap);
		if (!p) {
			b->failed = true;
			return NULL;
		}
		if (b->p) {
			memcpy(p, b->p, b->len);
			sodium_memzero(b->p, b->cap);
			free(b->p);
		}
		b->p = p;
		b->cap = cap;
	}
	uint8_t *at = b->p + b->len;
	b->len += n;
	return at;
}

void vb_put(struct vbuf *b, const void *p, size_t n)
{
	uint8_t *at = vb_grow(b, n);
	if (at && n)
		memcpy(at, p, n);
}

void vb_u8(struct vbuf *b, uint8_t v)
{
	vb_put(b, &v, 1);
}

void vb_u32(struct vbuf *b, uint32_t v)
{
	uint8_t x[4];
	v_put32(x, v);
	vb_put(b, x, 4);
}

void vb_string(struct vbuf *b, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		b->failed = true;
		return;
	}
	vb_u32(b, (uint32_t)n);
	vb_put(b, p, n);
}

void vb_cstring(struct vbuf *b, const char *s)
{
	vb_string(b, s, strlen(s));
}

void vb_mpint(struct vbuf *b, const uint8_t *mag, size_t n)
{
	while (n > 0 && mag[0] == 0)
		mag++, n--;
	bool pad = n > 0 && (mag[0] & 0x80);
	vb_u32(b, (uint32_t)(n + pad));
	if (pad)
		vb_u8(b, 0);
	vb_put(b, mag, n);
}

/* ---- reader ---- */

enum vrule vr_bytes(struct vrd *r, size_t n, struct vspan *out)
{
	if (n > r->len - r->off)
		return VR_TRUNCATED;
	*out = (struct vspan){r->p + r->off, n};
	r->off += n;
	return VR_OK;
}

enum vrule vr_u8(struct vrd *r, uint8_t *out)
{
	struct vspan s;
	enum vrule e = vr_bytes(r, 1, &s);
	if (e == VR_OK)
		*out = s.p[0];
	return e;
}

enum vrule vr_bool(struct vrd *r, uint8_t *out)
{
	return vr_u8(r, out);
}

enum vrule vr_u32(struct vrd *r, uint32_t *out)
{
	struct vspan s;
	enum vrule e = vr_bytes(r, 4, &s);
	if (e == VR_OK)
		*out = v_get32(s.p);
	return e;
}

enum vrule vr_string(struct vrd *r, struct vspan *out)
{
	uint32_t n;
	enum vrule e = vr_u32(r, &n);
	if (e != VR_OK)
		return e;
	return vr_bytes(r, n, out);
}

/* RFC 4251 section 5: "Unnecessary leading bytes with the value 0 or 255
 * MUST NOT be included"; zero is the empty string. */
enum vrule vr_mpint(struct vrd *r, struct vspan *out)
{
	enum vrule e = vr_string(r, out);
	if (e != VR_OK)
		return e;
	const uint8_t *p = out->p;
	if (out->len == 0)
		return VR_OK;
	if (p[0] == 0x00 && (out->len == 1 || !(p[1] & 0x80)))
		return VR_MPINT;
	if (p[0] == 0xff && out->len > 1 && (p[1] & 0x80))
		return VR_MPINT;
	return VR_OK;
}

enum vrule vr_mpint_pos(struct vrd *r, struct vspan *out)
{
	enum vrule e = vr_mpint(r, out);
	if (e != VR_OK)
		return e;
	if (out->len > 0 && (out->p[0] & 0x80))
		return VR_MPINT_SIGN;
	if (out->len > 0 && out->p[0] == 0)
		out->p++, out->len--;
	return VR_OK;
}

enum vrule vr_namelist(struct vrd *r, struct vspan *out)
{
	enum vrule e = vr_string(r, out);
	return e != VR_OK ? e : vnl_check(*out);
}

enum vrule vr_end(const struct vrd *r)
{
	return r->off == r->len ? VR_OK : VR_TRAILING;
}

/* ---- name-lists ---- */

/* RFC 4251 section 5: comma-separated, names non-empty, no comma in a name;
 * section 6: printable US-ASCII, no whitespace or control characters, at
 * most 64 characters. */
enum vrule vnl_check(struct vspan list)
{
	/* Name by name (memchr finds the commas): the parser-level fuzz
	 * targets run this on every KEXINIT, so one test per byte. */
	size_t i = 0;
	while (i < list.len) {
		const uint8_t *start = list.p + i;
		const uint8_t *comma = memchr(start, ',', list.len - i);
		size_t n = comma ? (size_t)(comma - start) : list.len - i;
		if (n == 0 || n > 64)
			return VR_NAMELIST;
		for (size_t j = 0; j < n; j++)
			if ((uint8_t)(start[j] - 0x21) > 0x7e - 0x21) /* not 0x21..0x7e */
				return VR_NAMELIST;
		i += n;
		/* a comma ends a name and must start another */
		if (comma && ++i == list.len)
			return VR_NAMELIST;
	}
	return VR_OK;
}

bool vnl_next(struct vspan list, size_t *pos, struct vspan *name)
{
	if (*pos >= list.len)
		return false;
	const uint8_t *start = list.p + *pos;
	const uint8_t *comma = memchr(start, ',', list.len - *pos);
	size_t n = comma ? (size_t)(comma - start) : list.len - *pos;
	*name = (struct vspan){start, n};
	*pos += n + 1;
	return true;
}

bool vnl_has(struct vspan list, struct vspan name)
{
	size_t pos = 0;
	struct vspan n;
	while (vnl_next(list, &pos, &n))
		if (vspan_eq(n, name))
			return true;
	return false;
}

struct vspan vnl_first(struct vspan list)
{
	size_t pos = 0;
	struct vspan n = {list.p, 0};
	vnl_next(list, &pos, &n);
	return n;
}

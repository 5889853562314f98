#include "wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

struct span span_cstr(const char *s)
{
	return (struct span){(const uint8_t *)s, s ? strlen(s) : 0};
}

bool span_eq(struct span a, struct span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool span_eq_cstr(struct span a, const char *s)
{
	return span_eq(a, span_cstr(s));
}

void wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

bool ct_memeq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/* ---- writer ---- */

void sbuf_init(struct sbuf *b)
{
	*b = SBUF_INIT;
}

void sbuf_free(struct sbuf *b)
{
	if (b->data) {
		wipe(b->data, b->cap);
		free(b->data);
	}
	*b = SBUF_INIT;
}

void sbuf_reset(struct sbuf *b)
{
	wipe(b->data, b->len);
	b->len = 0;
}

void sbuf_consume(struct sbuf *b, size_t n)
{
	if (n >= b->len) {
		sbuf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	wipe(b->data + b->len - n, n);
	b->len -= n;
}

sd_err sbuf_reserve(struct sbuf *b, size_t n, uint8_t **where)
{
	if (n > SBUF_MAX || b->len > SBUF_MAX - n)
		return SD_ERR_LIMIT;
	if (n == 0) {
		/* No arithmetic on a NULL data pointer (undefined even for +0). */
		*where = b->data ? b->data + b->len : NULL;
		return SD_OK;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		/* Grow by copy, not realloc, so the old storage can be wiped. */
		uint8_t *p = malloc(cap);
		if (!p)
			return SD_ERR_NOMEM;
		if (b->len)
			memcpy(p, b->data, b->len);
		if (b->data) {
			wipe(b->data, b->cap);
			free(b->data);
		}
		b->data = p;
		b->cap = cap;
	}
	*where = b->data + b->len;
	b->len += n;
	return SD_OK;
}

struct span sbuf_span(const struct sbuf *b)
{
	return (struct span){b->data, b->len};
}

sd_err sbuf_put(struct sbuf *b, const void *p, size_t n)
{
	uint8_t *w;
	sd_err e = sbuf_reserve(b, n, &w);
	if (e == SD_OK && n)
		memcpy(w, p, n);
	return e;
}

sd_err sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap)
{
	va_list again;
	uint8_t *w;
	int n;
	sd_err e;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	/* reserve n + 1 for vsnprintf's NUL, then drop it from the length */
	e = n < 0 ? SD_ERR_INTERNAL : sbuf_reserve(b, (size_t)n + 1, &w);
	if (e == SD_OK) {
		vsnprintf((char *)w, (size_t)n + 1, fmt, again);
		b->len--;
	}
	va_end(again);
	return e;
}

sd_err sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	sd_err e;

	va_start(ap, fmt);
	e = sbuf_vprintf(b, fmt, ap);
	va_end(ap);
	return e;
}

sd_err sbuf_put_u8(struct sbuf *b, uint8_t v)
{
	return sbuf_put(b, &v, 1);
}

sd_err sbuf_put_u32(struct sbuf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return sbuf_put(b, x, 4);
}

sd_err sbuf_put_u64(struct sbuf *b, uint64_t v)
{
	sd_err e = sbuf_put_u32(b, (uint32_t)(v >> 32));
	return e ? e : sbuf_put_u32(b, (uint32_t)v);
}

sd_err sbuf_put_bool(struct sbuf *b, bool v)
{
	return sbuf_put_u8(b, v ? 1 : 0);
}

sd_err sbuf_put_string(struct sbuf *b, const void *p, size_t n)
{
	if (n > SBUF_MAX)
		return SD_ERR_LIMIT;
	sd_err e = sbuf_put_u32(b, (uint32_t)n);
	return e ? e : sbuf_put(b, p, n);
}

sd_err sbuf_put_cstring(struct sbuf *b, const char *s)
{
	return sbuf_put_string(b, s, s ? strlen(s) : 0);
}

sd_err sbuf_put_span(struct sbuf *b, struct span s)
{
	return sbuf_put_string(b, s.p, s.len);
}

sd_err sbuf_put_mpint_unsigned(struct sbuf *b, const uint8_t *mag, size_t n)
{
	while (n > 0 && mag[0] == 0) {
		mag++;
		n--;
	}
	if (n == 0)
		return sbuf_put_u32(b, 0);
	bool pad = (mag[0] & 0x80) != 0;
	if (n + pad > SBUF_MAX)
		return SD_ERR_LIMIT;
	sd_err e = sbuf_put_u32(b, (uint32_t)(n + pad));
	if (e == SD_OK && pad)
		e = sbuf_put_u8(b, 0);
	return e ? e : sbuf_put(b, mag, n);
}

/* ---- reader ---- */

struct sview sview_make(const uint8_t *p, size_t len)
{
	return (struct sview){p, len, 0};
}

size_t sview_left(const struct sview *v)
{
	return v->len - v->off;
}

sd_err sview_get_bytes(struct sview *v, size_t n, struct span *out)
{
	if (n > sview_left(v))
		return SD_ERR_TRUNCATED;
	*out = (struct span){v->p + v->off, n};
	v->off += n;
	return SD_OK;
}

sd_err sview_get_u8(struct sview *v, uint8_t *out)
{
	struct span s;
	sd_err e = sview_get_bytes(v, 1, &s);
	if (e == SD_OK)
		*out = s.p[0];
	return e;
}

sd_err sview_get_u32(struct sview *v, uint32_t *out)
{
	struct span s;
	sd_err e = sview_get_bytes(v, 4, &s);
	if (e == SD_OK)
		*out = (uint32_t)s.p[0] << 24 | (uint32_t)s.p[1] << 16 | (uint32_t)s.p[2] << 8 | s.p[3];
	return e;
}

sd_err sview_get_u64(struct sview *v, uint64_t *out)
{
	uint32_t hi, lo;
	sd_err e = sview_get_u32(v, &hi);
	if (e == SD_OK)
		e = sview_get_u32(v, &lo);
	if (e == SD_OK)
		*out = (uint64_t)hi << 32 | lo;
	return e;
}

sd_err sview_get_bool(struct sview *v, uint8_t *out)
{
	return sview_get_u8(v, out);
}

sd_err sview_get_string(struct sview *v, struct span *out)
{
	size_t save = v->off;
	uint32_t n;
	sd_err e = sview_get_u32(v, &n);
	if (e == SD_OK)
		e = sview_get_bytes(v, n, out);
	if (e != SD_OK)
		v->off = save;
	return e;
}

sd_err sview_get_mpint(struct sview *v, struct span *out)
{
	size_t save = v->off;
	struct span s;
	sd_err e = sview_get_string(v, &s);
	if (e != SD_OK)
		return e;
	/* RFC 4251 section 5: "Unnecessary leading bytes with the value 0 or
	 * 255 MUST NOT be included."  A leading 0x00 is needed only when the
	 * next byte has its top bit set; 0xff only when the next byte has it
	 * clear.  Zero is the empty string. */
	if (s.len >= 2 && ((s.p[0] == 0x00 && !(s.p[1] & 0x80)) || (s.p[0] == 0xff && (s.p[1] & 0x80)))) {
		v->off = save;
		return SD_ERR_MPINT_NONCANONICAL;
	}
	if (s.len == 1 && s.p[0] == 0x00) {
		v->off = save;
		return SD_ERR_MPINT_NONCANONICAL;
	}
	*out = s;
	return SD_OK;
}

sd_err sview_get_mpint_positive(struct sview *v, struct span *out)
{
	size_t save = v->off;
	struct span s;
	sd_err e = sview_get_mpint(v, &s);
	if (e != SD_OK)
		return e;
	if (s.len > 0 && (s.p[0] & 0x80)) {
		v->off = save;
		return SD_ERR_MPINT_NEGATIVE;
	}
	*out = s;
	return SD_OK;
}

struct span mpint_magnitude(struct span m)
{
	if (m.len > 0 && m.p[0] == 0)
		return (struct span){m.p + 1, m.len - 1};
	return m;
}

sd_err namelist_check(struct span list)
{
	size_t name_len = 0;
	for (size_t i = 0; i < list.len; i++) {
		uint8_t c = list.p[i];
		if (c == ',') {
			if (name_len == 0)
				return SD_ERR_NAMELIST;
			name_len = 0;
			continue;
		}
		/* RFC 4251 section 6: printable US-ASCII, no comma, space or
		 * control character, at most 64 characters. */
		if (c <= 0x20 || c >= 0x7f || ++name_len > 64)
			return SD_ERR_NAMELIST;
	}
	if (list.len > 0 && name_len == 0)
		return SD_ERR_NAMELIST; /* trailing comma */
	return SD_OK;
}

sd_err sview_get_namelist(struct sview *v, struct span *out)
{
	size_t save = v->off;
	struct span s;
	sd_err e = sview_get_string(v, &s);
	if (e == SD_OK)
		e = namelist_check(s);
	if (e != SD_OK) {
		v->off = save;
		return e;
	}
	*out = s;
	return SD_OK;
}

sd_err sview_end(const struct sview *v)
{
	return v->off == v->len ? SD_OK : SD_ERR_TRAILING;
}

bool namelist_next(struct span list, size_t *pos, struct span *name)
{
	if (*pos >= list.len)
		return false;
	size_t start = *pos, end = start;
	while (end < list.len && list.p[end] != ',')
		end++;
	*name = (struct span){list.p + start, end - start};
	*pos = end + 1;
	return true;
}

bool namelist_contains(struct span list, struct span name)
{
	size_t pos = 0;
	struct span n;
	while (namelist_next(list, &pos, &n))
		if (span_eq(n, name))
			return true;
	return false;
}

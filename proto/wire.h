/*
 * wire.h — RFC 4251 section 5 data types: one growable output buffer (sbuf)
 * and one bounds-checked reader (sview).  Every other layer reads and writes
 * SSH data only through these, so the canonical-encoding rules live in one
 * place.
 *
 * Readers never allocate: strings and mpints come back as spans pointing into
 * the input, valid as long as the input is.  Writers grow an sbuf up to
 * SBUF_MAX and report SD_ERR_LIMIT beyond it, never truncate.
 */
#ifndef SSHDIFF_PROTO_WIRE_H
#define SSHDIFF_PROTO_WIRE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"

/* Largest buffer the engine builds: well above any handshake message
 * (an 8192-bit DH group or RSA key is ~1 KiB) yet small enough that a
 * lying length can never make us allocate much. */
#define SBUF_MAX (1u << 20)

/* A view of bytes owned by someone else. */
struct span {
	const uint8_t *p;
	size_t len;
};

#define SPAN_NULL ((struct span){NULL, 0})
struct span span_cstr(const char *s);
bool span_eq(struct span a, struct span b);
bool span_eq_cstr(struct span a, const char *s);

/* ---- writer ---- */

struct sbuf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

#define SBUF_INIT ((struct sbuf){NULL, 0, 0})
void sbuf_init(struct sbuf *b);
/* Frees the storage after wiping it (buffers hold key material). */
void sbuf_free(struct sbuf *b);
/* Empties without freeing; wipes the old contents. */
void sbuf_reset(struct sbuf *b);
/* Drops the first n bytes (n <= len). */
void sbuf_consume(struct sbuf *b, size_t n);
/* Makes room for n more bytes and returns where they go; len grows by n. */
sd_err sbuf_reserve(struct sbuf *b, size_t n, uint8_t **where);
struct span sbuf_span(const struct sbuf *b);

sd_err sbuf_put(struct sbuf *b, const void *p, size_t n);
sd_err sbuf_put_u8(struct sbuf *b, uint8_t v);
sd_err sbuf_put_u32(struct sbuf *b, uint32_t v);
sd_err sbuf_put_u64(struct sbuf *b, uint64_t v);
sd_err sbuf_put_bool(struct sbuf *b, bool v);
/* uint32 length + bytes */
sd_err sbuf_put_string(struct sbuf *b, const void *p, size_t n);
sd_err sbuf_put_cstring(struct sbuf *b, const char *s);
sd_err sbuf_put_span(struct sbuf *b, struct span s);
/* Text: the whole of printf(fmt, ...) appended, no NUL (reports, traces,
 * case files; never wire data). */
sd_err sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
sd_err sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* mpint from an unsigned big-endian magnitude: strips leading zeros, adds a
 * 0x00 byte where the top bit is set (RFC 4251 section 5). */
sd_err sbuf_put_mpint_unsigned(struct sbuf *b, const uint8_t *mag, size_t n);

/* ---- reader ---- */

struct sview {
	const uint8_t *p;
	size_t len;
	size_t off;
};

struct sview sview_make(const uint8_t *p, size_t len);
size_t sview_left(const struct sview *v);

sd_err sview_get_u8(struct sview *v, uint8_t *out);
sd_err sview_get_u32(struct sview *v, uint32_t *out);
sd_err sview_get_u64(struct sview *v, uint64_t *out);
/* The raw byte, so that a message holding 2 re-encodes as 2 (exact round
 * trip); any non-zero value means TRUE (RFC 4251 section 5). */
sd_err sview_get_bool(struct sview *v, uint8_t *out);
sd_err sview_get_bytes(struct sview *v, size_t n, struct span *out);
sd_err sview_get_string(struct sview *v, struct span *out);
/* mpint: canonical two's complement, no needless leading 0x00 or 0xff
 * (SD_ERR_MPINT_NONCANONICAL).  *out is the string's content as on the wire. */
sd_err sview_get_mpint(struct sview *v, struct span *out);
/* As above and also >= 0 (SD_ERR_MPINT_NEGATIVE). */
sd_err sview_get_mpint_positive(struct sview *v, struct span *out);
/* name-list (RFC 4251 section 5 and 6): comma-separated, no empty name, no
 * name over 64 bytes, printable US-ASCII without comma/space/NUL.  An empty
 * list is valid here; callers that need a name check the length. */
sd_err sview_get_namelist(struct sview *v, struct span *out);
/* SD_ERR_TRAILING unless all bytes were read. */
sd_err sview_end(const struct sview *v);

/* Checks name-list syntax of bytes already in hand (what sview_get_namelist
 * applies). */
sd_err namelist_check(struct span list);
/* Iterates names: start with *pos = 0; returns false when done. */
bool namelist_next(struct span list, size_t *pos, struct span *name);
bool namelist_contains(struct span list, struct span name);

/* mpint content (as on the wire, positive) to its magnitude: drops the sign
 * byte.  Never fails on output of sview_get_mpint_positive. */
struct span mpint_magnitude(struct span mpint);

/* Constant-time comparison for MACs and secrets. */
bool ct_memeq(const void *a, const void *b, size_t n);
void wipe(void *p, size_t n);

/* Value of one hex digit of either case, -1 for any other character: one
 * definition for the text formats that spell bytes or code points in hex
 * (case text, JSON \u escapes). */
static inline int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif

/*
 * vwire.h — the verifier's own RFC 4251 section 5 encoder and decoder.
 *
 * Deliberately independent of proto/wire.h: a bug in the engine's reader
 * must not be repeated here, or the two would agree on a wrong decision.
 *
 * vbuf is a growable output buffer with a sticky failure flag (SQLite's
 * StrAccum idea): writers never fail individually, vb_status() tells once
 * whether everything fit.  vrd is a bounds-checked reader whose every getter
 * returns the rule a malformed field breaks.
 */
#ifndef SSHDIFF_VERIFIER_VWIRE_H
#define SSHDIFF_VERIFIER_VWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oracle/verifier/vrules.h"

/* Bytes owned by someone else. */
struct vspan {
	const uint8_t *p;
	size_t len;
};

static inline struct vspan vspan_of(const void *p, size_t len)
{
	return (struct vspan){(const uint8_t *)p, len};
}
struct vspan vspan_str(const char *s);
bool vspan_eq(struct vspan a, struct vspan b);
bool vspan_is(struct vspan a, const char *s);

/* Largest buffer the verifier builds; nothing in a handshake comes close. */
#define VBUF_MAX (1u << 20)

struct vbuf {
	uint8_t *p;
	size_t len, cap;
	bool failed; /* an append did not fit (allocation or VBUF_MAX) */
};

void vb_free(struct vbuf *b);   /* wipes, then frees */
void vb_reset(struct vbuf *b);  /* wipes, keeps the storage */
void vb_consume(struct vbuf *b, size_t n);
enum vrule vb_status(const struct vbuf *b);
static inline struct vspan vb_span(const struct vbuf *b)
{
	return (struct vspan){b->p, b->len};
}
/* Room for n more bytes (len grows by n); NULL when it does not fit. */
uint8_t *vb_grow(struct vbuf *b, size_t n);

void vb_put(struct vbuf *b, const void *p, size_t n);
void vb_u8(struct vbuf *b, uint8_t v);
void vb_u32(struct vbuf *b, uint32_t v);
void vb_string(struct vbuf *b, const void *p, size_t n);
void vb_cstring(struct vbuf *b, const char *s);
static inline void vb_sstring(struct vbuf *b, struct vspan s)
{
	vb_string(b, s.p, s.len);
}
/* mpint of an unsigned big-endian magnitude (RFC 4251 section 5: no
 * needless leading zero, a 0x00 in front of a set top bit). */
void vb_mpint(struct vbuf *b, const uint8_t *mag, size_t n);

static inline uint32_t v_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void v_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* ---- reader ---- */

struct vrd {
	const uint8_t *p;
	size_t len, off;
};

static inline struct vrd vrd_of(struct vspan s)
{
	return (struct vrd){s.p, s.len, 0};
}
enum vrule vr_u8(struct vrd *r, uint8_t *out);
enum vrule vr_u32(struct vrd *r, uint32_t *out);
enum vrule vr_bool(struct vrd *r, uint8_t *out); /* raw byte; non-zero is TRUE */
enum vrule vr_bytes(struct vrd *r, size_t n, struct vspan *out);
enum vrule vr_string(struct vrd *r, struct vspan *out);
/* mpint: canonical two's complement (VR_MPINT), *out the content. */
enum vrule vr_mpint(struct vrd *r, struct vspan *out);
/* ... and not negative (VR_MPINT_SIGN); *out the magnitude without the
 * sign byte. */
enum vrule vr_mpint_pos(struct vrd *r, struct vspan *out);
/* name-list with valid syntax (VR_NAMELIST); may be empty. */
enum vrule vr_namelist(struct vrd *r, struct vspan *out);
/* VR_TRAILING unless everything was read. */
enum vrule vr_end(const struct vrd *r);

/* ---- name-lists (RFC 4251 sections 5 and 6) ---- */

enum vrule vnl_check(struct vspan list);
/* Iterates: *pos starts at 0; false when done. */
bool vnl_next(struct vspan list, size_t *pos, struct vspan *name);
bool vnl_has(struct vspan list, struct vspan name);
/* The first name (empty span for an empty list). */
struct vspan vnl_first(struct vspan list);

#endif

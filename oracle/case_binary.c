/*
 * case_binary.c — the fuzz body (case_decode / case_encode) and the binary
 * file form around it (docs/case-format.md "Binary body", "Binary file").
 *
 * The decoder is total, the way Cryptofuzz reads its inputs: bytes past the
 * end read as zero, enumerations are reduced modulo their count, lengths are
 * clamped to the buffer and to the input left, and bytes of names outside
 * printable ASCII become letters.  So a fuzzer's every input is a valid case
 * and nothing it mutates is wasted on a parse error.  The encoder writes the
 * same layout with every value already in range, so decode(encode(c)) == c.
 */
#include "oracle/case_impl.h"

#include <stdio.h>
#include <string.h>

#define FILE_HEADER_LEN 12 /* CASE_MAGIC (8) + uint32 body length */

/* ---- reading: missing bytes are zero ---- */

static uint8_t get_u8(struct sview *v)
{
	uint8_t b = 0;
	(void)sview_get_u8(v, &b); /* past the end: stays 0 by design */
	return b;
}

static uint32_t get_uint(struct sview *v, unsigned n_bytes)
{
	uint32_t x = 0;
	for (unsigned i = 0; i < n_bytes; i++)
		x = x << 8 | get_u8(v);
	return x;
}

static uint64_t get_u64(struct sview *v)
{
	uint64_t hi = get_uint(v, 4);
	return hi << 32 | get_uint(v, 4);
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* uint8 length, clamped to what is left; unprintable bytes become letters so
 * the name prints as text. */
static void get_name(struct sview *v, char dst[CASE_NAME_MAX])
{
	size_t n = min_size(get_u8(v), sview_left(v));
	struct span s = SPAN_NULL;
	if (n && sview_get_bytes(v, n, &s) != SD_OK)
		n = 0; /* cannot happen: n <= what is left */
	for (size_t i = 0; i < n; i++)
		dst[i] = case_char_ok(s.p[i]) ? (char)s.p[i] : (char)('a' + s.p[i] % 26);
	dst[n] = '\0';
}

/* uint16 length, clamped to CASE_MAX_DATA and to what is left. */
static uint16_t get_data(struct sview *v, uint8_t dst[CASE_MAX_DATA])
{
	size_t n = min_size(min_size(get_uint(v, 2), CASE_MAX_DATA), sview_left(v));
	struct span s = SPAN_NULL;
	if (n && sview_get_bytes(v, n, &s) == SD_OK)
		memcpy(dst, s.p, n);
	return (uint16_t)n;
}

static void decode_mutation(struct sview *v, enum case_msg msg, struct case_mutation *m)
{
	memset(m, 0, sizeof *m);
	m->kind = (enum case_mutation_kind)(get_u8(v) % MUT_KIND_COUNT);
	switch (case_mut_shape(m->kind)) {
	case SHAPE_MUT_FIELD_DATA:
		m->field = (uint8_t)(get_u8(v) % case_msg_field_slots(msg));
		m->data_len = get_data(v, m->data);
		break;
	case SHAPE_MUT_OFFSET_MASK:
		m->offset = get_uint(v, 4);
		m->mask = get_u8(v);
		break;
	case SHAPE_MUT_OFFSET:
		m->offset = get_uint(v, 4);
		break;
	case SHAPE_MUT_DATA:
		m->data_len = get_data(v, m->data);
		break;
	case SHAPE_MUT_FIELD_VALUE:
		m->field = (uint8_t)(get_u8(v) % case_msg_field_slots(msg));
		m->value = get_uint(v, 4);
		break;
	case SHAPE_MUT_BYTE:
		m->value = get_u8(v);
		break;
	case SHAPE_MUT_KDF:
		m->value = get_u8(v) % CASE_KDF_HASH_COUNT;
		break;
	case SHAPE_MUT_SIG:
		m->value = get_u8(v) % CASE_SIG_HASH_COUNT;
		break;
	case SHAPE_MUT_NONE:
		break;
	}
}

static void decode_step(struct sview *v, struct case_step *s)
{
	memset(s, 0, sizeof *s);
	s->kind = (enum case_step_kind)(get_u8(v) % STEP_KIND_COUNT);
	switch (case_step_shape(s->kind)) {
	case SHAPE_STEP_MSG_MUTS: {
		s->msg = (enum case_msg)(get_u8(v) % CM_COUNT);
		unsigned n = min_size(get_u8(v), CASE_MAX_MUTATIONS);
		/* A mutation is there only if at least its kind byte is. */
		while (s->n_mutations < n && sview_left(v) > 0)
			decode_mutation(v, s->msg, &s->mutations[s->n_mutations++]);
		break;
	}
	case SHAPE_STEP_MSG_ANY:
		s->msg = (enum case_msg)(get_u8(v) % (CM_COUNT + 1));
		break;
	case SHAPE_STEP_DATA:
		s->data_len = get_data(v, s->data);
		break;
	case SHAPE_STEP_BOOL:
		s->value = get_u8(v) % 2;
		break;
	case SHAPE_STEP_VALUE:
		s->value = get_uint(v, 4);
		break;
	case SHAPE_STEP_NONE:
		break;
	}
}

void case_decode(const uint8_t *data, size_t len, struct sshdiff_case *c)
{
	struct sview v = sview_make(data, data ? len : 0);

	memset(c, 0, sizeof *c);
	c->version = CASE_VERSION;
	uint8_t flags = get_u8(&v);
	c->iut_role = (flags & 1) ? CASE_IUT_CLIENT : CASE_IUT_SERVER;
	c->strict_kex = (flags & 2) != 0;
	c->ext_info = (flags & 4) != 0;
	c->host_key = (enum case_key)(get_u8(&v) % CASE_KEY_COUNT);
	c->user_key = (enum case_key)(get_u8(&v) % CASE_KEY_COUNT);
	c->seed = get_u64(&v);
	get_name(&v, c->actor_version);
	get_name(&v, c->user);
	get_name(&v, c->password);
	get_name(&v, c->algs.kex);
	get_name(&v, c->algs.hostkey);
	get_name(&v, c->algs.cipher);
	get_name(&v, c->algs.mac);
	unsigned n = min_size(get_u8(&v), CASE_MAX_STEPS);
	/* A step is there only if at least its kind byte is: a fuzzer that
	 * cuts the input short gets fewer steps, not a tail of zero steps. */
	while (c->n_steps < n && sview_left(&v) > 0)
		decode_step(&v, &c->steps[c->n_steps++]);
}

/* ---- writing: the same layout, values already in range ---- */

static sd_err put_u16(struct sbuf *b, uint16_t x)
{
	sd_err e = sbuf_put_u8(b, (uint8_t)(x >> 8));
	return e ? e : sbuf_put_u8(b, (uint8_t)x);
}

static sd_err put_name(struct sbuf *b, const char *s)
{
	size_t n = strlen(s); /* < CASE_NAME_MAX: checked by case_valid */
	sd_err e = sbuf_put_u8(b, (uint8_t)n);
	return e ? e : sbuf_put(b, s, n);
}

static sd_err put_data(struct sbuf *b, const uint8_t *p, uint16_t n)
{
	sd_err e = put_u16(b, n);
	return e ? e : sbuf_put(b, p, n);
}

static sd_err encode_mutation(struct sbuf *b, const struct case_mutation *m)
{
	sd_err e = sbuf_put_u8(b, (uint8_t)m->kind);
	if (e)
		return e;
	switch (case_mut_shape(m->kind)) {
	case SHAPE_MUT_FIELD_DATA:
		e = sbuf_put_u8(b, m->field);
		return e ? e : put_data(b, m->data, m->data_len);
	case SHAPE_MUT_OFFSET_MASK:
		e = sbuf_put_u32(b, m->offset);
		return e ? e : sbuf_put_u8(b, m->mask);
	case SHAPE_MUT_OFFSET:
		return sbuf_put_u32(b, m->offset);
	case SHAPE_MUT_DATA:
		return put_data(b, m->data, m->data_len);
	case SHAPE_MUT_FIELD_VALUE:
		e = sbuf_put_u8(b, m->field);
		return e ? e : sbuf_put_u32(b, m->value);
	case SHAPE_MUT_BYTE:
	case SHAPE_MUT_KDF:
	case SHAPE_MUT_SIG:
		return sbuf_put_u8(b, (uint8_t)m->value);
	case SHAPE_MUT_NONE:
		break;
	}
	return SD_OK;
}

static sd_err encode_step(struct sbuf *b, const struct case_step *s)
{
	sd_err e = sbuf_put_u8(b, (uint8_t)s->kind);
	if (e)
		return e;
	switch (case_step_shape(s->kind)) {
	case SHAPE_STEP_MSG_MUTS:
		if ((e = sbuf_put_u8(b, (uint8_t)s->msg)) || (e = sbuf_put_u8(b, s->n_mutations)))
			return e;
		for (unsigned i = 0; i < s->n_mutations; i++)
			if ((e = encode_mutation(b, &s->mutations[i])))
				return e;
		return SD_OK;
	case SHAPE_STEP_MSG_ANY:
		return sbuf_put_u8(b, (uint8_t)s->msg);
	case SHAPE_STEP_DATA:
		return put_data(b, s->data, s->data_len);
	case SHAPE_STEP_BOOL:
		return sbuf_put_u8(b, (uint8_t)s->value);
	case SHAPE_STEP_VALUE:
		return sbuf_put_u32(b, s->value);
	case SHAPE_STEP_NONE:
		break;
	}
	return SD_OK;
}

/* Everything before the steps: flags, keys, seed, the names, the step
 * count. */
static sd_err encode_header(const struct sshdiff_case *c, struct sbuf *out)
{
	sd_err e;
	uint8_t flags = (uint8_t)((c->iut_role == CASE_IUT_CLIENT) | (c->strict_kex << 1) | (c->ext_info << 2));
	if ((e = sbuf_put_u8(out, flags)) || (e = sbuf_put_u8(out, (uint8_t)c->host_key)) ||
	    (e = sbuf_put_u8(out, (uint8_t)c->user_key)) || (e = sbuf_put_u64(out, c->seed)))
		return e;
	const char *names[] = {c->actor_version, c->user,	    c->password, c->algs.kex,
			       c->algs.hostkey,	 c->algs.cipher, c->algs.mac};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if ((e = put_name(out, names[i])))
			return e;
	return sbuf_put_u8(out, c->n_steps);
}

sd_err case_encode(const struct sshdiff_case *c, struct sbuf *out)
{
	sd_err e;

	if (!case_valid(c, NULL))
		return SD_ERR_INVALID_ARG;
	if ((e = encode_header(c, out)))
		return e;
	for (unsigned i = 0; i < c->n_steps; i++)
		if ((e = encode_step(out, &c->steps[i])))
			return e;
	return SD_OK;
}

size_t case_encoded_script_offset(const struct sshdiff_case *c)
{
	struct sbuf b = SBUF_INIT;
	size_t n = encode_header(c, &b) == SD_OK ? b.len : 0;

	sbuf_free(&b);
	return n;
}

/* ---- binary file ---- */

sd_err case_write_binary(const struct sshdiff_case *c, struct sbuf *out)
{
	struct sbuf body = SBUF_INIT;
	sd_err e = case_encode(c, &body);

	if (!e)
		e = sbuf_put(out, CASE_MAGIC, 8);
	if (!e)
		e = sbuf_put_u32(out, (uint32_t)body.len);
	if (!e)
		e = sbuf_put(out, body.data, body.len);
	sbuf_free(&body);
	return e;
}

sd_err case_parse_binary_file(const uint8_t *p, size_t len, struct sshdiff_case *c, char *err_msg,
			      size_t err_msg_size)
{
	char dummy[1];
	if (!err_msg || !err_msg_size) {
		err_msg = dummy;
		err_msg_size = sizeof dummy;
	}
	err_msg[0] = '\0';
	if (len < 8) {
		snprintf(err_msg, err_msg_size, "offset %zu: truncated binary case header (need %d bytes, have %zu)",
			 len, FILE_HEADER_LEN, len);
		return SD_ERR_TRUNCATED;
	}
	/* The version byte is CASE_MAGIC's last; v1 readers refuse the others. */
	if (p[7] != CASE_VERSION) {
		snprintf(err_msg, err_msg_size, "offset 7: unsupported case format version %u", p[7]);
		return SD_ERR_UNSUPPORTED;
	}
	if (len < FILE_HEADER_LEN) {
		snprintf(err_msg, err_msg_size, "offset %zu: truncated binary case header (need %d bytes, have %zu)",
			 len, FILE_HEADER_LEN, len);
		return SD_ERR_TRUNCATED;
	}
	struct sview v = sview_make(p + 8, 4);
	uint32_t declared = 0;
	(void)sview_get_u32(&v, &declared); /* 4 bytes are there */
	size_t have = len - FILE_HEADER_LEN;
	if (have < declared) {
		snprintf(err_msg, err_msg_size, "offset %zu: truncated binary case (declared %u bytes, have %zu)", len,
			 declared, have);
		return SD_ERR_TRUNCATED;
	}
	if (have > declared) {
		snprintf(err_msg, err_msg_size, "offset %zu: %zu bytes after the declared %u-byte body",
			 (size_t)FILE_HEADER_LEN + declared, have - declared, declared);
		return SD_ERR_TRAILING;
	}
	case_decode(p + FILE_HEADER_LEN, declared, c);
	return SD_OK;
}

/*
 * case_impl.h — what case.c, case_binary.c, case_text.c and case_load.c share
 * and nobody else needs: the shape of each step and mutation kind (which of
 * the struct's fields mean something for it), the validity rules of
 * docs/case-format.md, and the small name tables of the text form.
 */
#ifndef SSHDIFF_ORACLE_CASE_IMPL_H
#define SSHDIFF_ORACLE_CASE_IMPL_H

#include "oracle/case.h"

/* enum kex_hash (proto/crypto/kex.h) and enum sig_hash (sigkey.h) sizes. */
#define CASE_KDF_HASH_COUNT 4
#define CASE_SIG_HASH_COUNT 5

/* Which struct case_step fields a step kind uses; the others are ignored by
 * case_equal, not encoded, and zero after decoding or parsing. */
enum case_step_shape {
	SHAPE_STEP_MSG_MUTS, /* send: msg < CM_COUNT, mutations */
	SHAPE_STEP_MSG_ANY,  /* expect: msg <= CM_COUNT (CM_COUNT = any) */
	SHAPE_STEP_DATA,     /* raw: data */
	SHAPE_STEP_NONE,     /* duplicate, swap, drop */
	SHAPE_STEP_BOOL,     /* encryption: value 0 or 1 */
	SHAPE_STEP_VALUE,    /* seq-skew: value, any uint32 (read as int32) */
};

/* Which struct case_mutation fields a mutation kind uses. */
enum case_mut_shape {
	SHAPE_MUT_NONE,        /* none */
	SHAPE_MUT_FIELD_DATA,  /* set: field, data */
	SHAPE_MUT_OFFSET_MASK, /* flip: offset, mask */
	SHAPE_MUT_OFFSET,      /* truncate: offset */
	SHAPE_MUT_DATA,        /* extend: data */
	SHAPE_MUT_FIELD_VALUE, /* lie-length: field, value (int32 delta) */
	SHAPE_MUT_BYTE,        /* msg-number, guess: value 0..255 */
	SHAPE_MUT_KDF,         /* kdf-hash: value < CASE_KDF_HASH_COUNT */
	SHAPE_MUT_SIG,         /* sig-hash: value < CASE_SIG_HASH_COUNT */
};

enum case_step_shape case_step_shape(enum case_step_kind k);
enum case_mut_shape case_mut_shape(enum case_mutation_kind k);

/* Number of entries in m's field table (0 for NEWKEYS, USERAUTH_SUCCESS). */
unsigned case_msg_field_count(enum case_msg m);
/* Field indices a mutation of a message may hold: the table's size, or 1
 * (index 0) for a message without fields, so every value has a home. */
unsigned case_msg_field_slots(enum case_msg m);

/* Bytes allowed in names and strings: printable US-ASCII, space included. */
static inline bool case_char_ok(int ch)
{
	return ch >= 0x20 && ch <= 0x7e;
}

/* "sha1", "sha256", ... for enum kex_hash; "none", "sha1", ... for enum
 * sig_hash.  NULL out of range. */
const char *case_kdf_hash_name(unsigned v);
const char *case_sig_hash_name(unsigned v);

/* Every rule of docs/case-format.md "Valid cases".  On false, *why (if not
 * NULL) says which rule, for the SD_ERR_INVALID_ARG message. */
bool case_valid(const struct sshdiff_case *c, const char **why);

/* Binary file form: parses magic, version, length and body of a whole file
 * already in memory.  Messages name the byte offset, without the path. */
sd_err case_parse_binary_file(const uint8_t *p, size_t len, struct sshdiff_case *c, char *err_msg,
			      size_t err_msg_size);

#endif

/*
 * memo.c — the bounded memo of memo.h: a direct-mapped table of heap
 * entries, each holding the exact serialised input and the output.
 */
#include "memo.h"

#include <stdlib.h>
#include <string.h>

#define MEMO_MAX_PARTS 4
/* serialised input: per part a 4-byte length, then the bytes */
#define MEMO_KEY_CAP (MEMO_MAX_INPUT + 4 * MEMO_MAX_PARTS)

struct memo_entry {
	uint64_t hash;
	enum memo_op op;
	int status;
	size_t key_len, out_len;
	uint8_t bytes[]; /* key, then output */
};

static struct memo_entry **slots; /* MEMO_SLOTS, NULL when off */
static struct memo_stats stats;

static size_t entry_size(const struct memo_entry *e)
{
	return sizeof *e + e->key_len + e->out_len;
}

static void entry_free(struct memo_entry *e)
{
	if (!e)
		return;
	stats.bytes -= entry_size(e);
	/* inputs include private keys */
	explicit_bzero(e->bytes, e->key_len + e->out_len);
	free(e);
}

static void forget_all(void)
{
	for (size_t i = 0; i < MEMO_SLOTS; i++) {
		entry_free(slots[i]);
		slots[i] = NULL;
	}
}

void memo_enable(bool on)
{
	if (on && slots)
		return; /* already on: keep what it holds */
	if (slots) {
		forget_all();
		free(slots);
		slots = NULL;
	}
	memset(&stats, 0, sizeof stats);
	/* a failed allocation leaves the memo off: it only ever costs speed */
	if (on)
		slots = calloc(MEMO_SLOTS, sizeof *slots);
}

bool memo_enabled(void)
{
	return slots != NULL;
}

/* The input as one byte string (length-prefixed parts) and its hash;
 * false when it is too long to remember. */
static bool key_make(enum memo_op op, const struct memo_part *parts, size_t n_parts, uint8_t *key, size_t *key_len,
		     uint64_t *hash)
{
	size_t n = 0;

	*key_len = 0;
	if (n_parts > MEMO_MAX_PARTS)
		return false;
	for (size_t i = 0; i < n_parts; i++) {
		size_t len = parts[i].len;
		*key_len = n; /* what a caller must wipe, even on failure */
		if (len > MEMO_MAX_INPUT || n + 4 + len > MEMO_KEY_CAP)
			return false;
		key[n++] = (uint8_t)(len >> 24);
		key[n++] = (uint8_t)(len >> 16);
		key[n++] = (uint8_t)(len >> 8);
		key[n++] = (uint8_t)len;
		if (len)
			memcpy(key + n, parts[i].p, len);
		n += len;
	}
	/* FNV-1a, 64-bit: spreads well enough for a table lookup; equality is
	 * decided by comparing the bytes, never by the hash. */
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)op;
	for (size_t i = 0; i < n; i++)
		h = (h ^ key[i]) * 0x100000001b3ull;
	*key_len = n;
	*hash = h;
	return true;
}

static size_t slot_of(uint64_t hash)
{
	return (size_t)(hash ^ (hash >> 32)) & (MEMO_SLOTS - 1);
}

bool memo_get(enum memo_op op, const struct memo_part *parts, size_t n_parts, uint8_t *out, size_t out_cap,
	      size_t *out_len, int *status)
{
	uint8_t key[MEMO_KEY_CAP];
	size_t key_len;
	uint64_t hash;
	bool found = false;
	/* the key holds private keys: wiped below, but only the bytes written
	 * (a 4 KB wipe per lookup was 5 % of a recalled oracle case) */

	if (!slots)
		return false;
	if (key_make(op, parts, n_parts, key, &key_len, &hash)) {
		const struct memo_entry *e = slots[slot_of(hash)];
		found = e && e->hash == hash && e->op == op && e->key_len == key_len && e->out_len <= out_cap &&
			memcmp(e->bytes, key, key_len) == 0;
		if (found) {
			if (e->out_len)
				memcpy(out, e->bytes + key_len, e->out_len);
			*out_len = e->out_len;
			*status = e->status;
		}
	}
	explicit_bzero(key, key_len);
	if (found)
		stats.hits++;
	else
		stats.misses++;
	return found;
}

void memo_put(enum memo_op op, const struct memo_part *parts, size_t n_parts, const uint8_t *out, size_t out_len,
	      int status)
{
	uint8_t key[MEMO_KEY_CAP];
	size_t key_len;
	uint64_t hash;

	if (!slots || out_len > MEMO_MAX_OUTPUT)
		return;
	if (!key_make(op, parts, n_parts, key, &key_len, &hash)) {
		explicit_bzero(key, key_len);
		return;
	}
	struct memo_entry *e = malloc(sizeof *e + key_len + out_len);
	if (e) {
		e->hash = hash;
		e->op = op;
		e->status = status;
		e->key_len = key_len;
		e->out_len = out_len;
		memcpy(e->bytes, key, key_len);
		if (out_len)
			memcpy(e->bytes + key_len, out, out_len);
		struct memo_entry **slot = &slots[slot_of(hash)];
		if (*slot)
			stats.replaced++;
		entry_free(*slot);
		*slot = NULL;
		if (stats.bytes + entry_size(e) > MEMO_MAX_BYTES) {
			forget_all();
			stats.flushes++;
		}
		*slot = e;
		stats.bytes += entry_size(e);
		stats.stores++;
	}
	explicit_bzero(key, key_len);
}

void memo_get_stats(struct memo_stats *out)
{
	*out = stats;
}

#include "oracle/libssh_rand.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/rand.h>

#include "proto/rng.h"
#include "proto/wire.h"

/* RAND_METHOD callbacks take no context: the one active generator lives
 * here for the duration of a run. */
static struct rng_seeded active_rng;
static bool active;

static int seeded_bytes(unsigned char *buf, int num)
{
	if (num < 0 || !active)
		return 0;
	if (num == 0)
		return 1;
	return rng_fill(&active_rng.base, buf, (size_t)num) == SD_OK;
}

/* Entropy offered by callers (libssh's ssh_reseed adds the time of day) is
 * ignored: taking it would make runs differ. */
static int seeded_seed(const void *buf, int num)
{
	(void)buf;
	(void)num;
	return 1;
}

static int seeded_add(const void *buf, int num, double entropy)
{
	(void)buf;
	(void)num;
	(void)entropy;
	return 1;
}

static int seeded_status(void)
{
	return active;
}

static const RAND_METHOD seeded_method = {
	.seed = seeded_seed,
	.bytes = seeded_bytes,
	.cleanup = NULL,
	.add = seeded_add,
	.pseudorand = seeded_bytes,
	.status = seeded_status,
};

sd_err libssh_rand_begin(uint64_t seed, struct libssh_rand_saved *saved)
{
	static const char label[] = "libssh";
	uint8_t material[sizeof label - 1 + 8];

	if (active)
		return SD_ERR_INTERNAL;
	memcpy(material, label, sizeof label - 1);
	for (int i = 0; i < 8; i++)
		material[sizeof label - 1 + i] = (uint8_t)(seed >> (8 * i));
	saved->prev_method = RAND_get_rand_method();
	rng_seeded_init(&active_rng, material, sizeof material);
	wipe(material, sizeof material);
	active = true;
	if (RAND_set_rand_method(&seeded_method) != 1) {
		active = false;
		wipe(&active_rng, sizeof active_rng);
		return SD_ERR_INTERNAL;
	}
	return SD_OK;
}

void libssh_rand_end(const struct libssh_rand_saved *saved)
{
	RAND_set_rand_method((const RAND_METHOD *)saved->prev_method);
	active = false;
	wipe(&active_rng, sizeof active_rng);
}

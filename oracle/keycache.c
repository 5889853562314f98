/*
 * keycache.c — the built-in test keys, loaded once (keycache.h).
 */
#include "oracle/keycache.h"

#include "oracle/testkeys.h"

static struct {
	struct sigkey *priv, *pub;
	struct sbuf blob;
} cache[CASE_KEY_COUNT];

static sd_err load(enum case_key k)
{
	sd_err e;

	if ((unsigned)k >= CASE_KEY_COUNT)
		return SD_ERR_INVALID_ARG;
	if (cache[k].pub)
		return SD_OK;
	if (!cache[k].priv && (e = testkey_load(k, &cache[k].priv)) != SD_OK)
		return e;
	sbuf_reset(&cache[k].blob);
	if ((e = sigkey_to_blob(cache[k].priv, &cache[k].blob)) != SD_OK)
		return e;
	return sigkey_from_blob(sbuf_span(&cache[k].blob), &cache[k].pub);
}

sd_err keycache_private(enum case_key k, struct sigkey **out)
{
	sd_err e = load(k);

	*out = e == SD_OK ? cache[k].priv : NULL;
	return e;
}

sd_err keycache_public(enum case_key k, struct sigkey **out)
{
	sd_err e = load(k);

	*out = e == SD_OK ? cache[k].pub : NULL;
	return e;
}

sd_err keycache_blob(enum case_key k, struct span *out)
{
	sd_err e = load(k);

	*out = e == SD_OK ? sbuf_span(&cache[k].blob) : SPAN_NULL;
	return e;
}

/*
 * negotiate.c — RFC 4253 section 7.1: for each category the algorithm is the
 * client's first name that the server also lists.  Encryption and MAC are
 * chosen per direction; an AEAD cipher carries its own tag, so the MAC list
 * of that direction is not consulted (OpenSSH PROTOCOL, aes-gcm and
 * chacha20-poly1305).
 *
 * Two ways to fail after a name was agreed:
 *   - a marker (ext-info-c/-s, kex-strict-c/s-v00@openssh.com) won the key
 *     exchange list: it is not a method, and RFC 8308 section 2.2 says the
 *     parties MUST disconnect; negotiation does not skip it (as OpenSSH's
 *     choose_kex does not): SD_ERR_NO_COMMON_KEX;
 *   - any other name the engine does not implement: only possible when the
 *     engine was configured to offer it, so the configuration, not the
 *     peer, is at fault: SD_ERR_UNSUPPORTED (impl-unsupported).
 */
#include "negotiate.h"

bool negotiate_pick(struct span client, struct span server, struct span *out)
{
	size_t pos = 0;
	struct span name;

	while (namelist_next(client, &pos, &name)) {
		if (namelist_contains(server, name)) {
			*out = name;
			return true;
		}
	}
	return false;
}

static struct span first_name(struct span list)
{
	size_t pos = 0;
	struct span name = SPAN_NULL;

	if (!namelist_next(list, &pos, &name))
		return SPAN_NULL;
	return name;
}

bool negotiate_guess_right(const struct msg_kexinit *client, const struct msg_kexinit *server)
{
	return span_eq(first_name(client->lists[KEXINIT_KEX]), first_name(server->lists[KEXINIT_KEX])) &&
	       span_eq(first_name(client->lists[KEXINIT_HOSTKEY]), first_name(server->lists[KEXINIT_HOSTKEY]));
}

/* Names in kex_algorithms that signal a feature and are no method: RFC 8308
 * section 2.1 (ext-info-c/-s), OpenSSH PROTOCOL (strict kex). */
static bool is_marker(struct span name)
{
	static const char *const markers[] = {"ext-info-c", "ext-info-s", "kex-strict-c-v00@openssh.com",
					      "kex-strict-s-v00@openssh.com"};

	for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
		if (span_eq_cstr(name, markers[i]))
			return true;
	return false;
}

/* Lists that must name at least one algorithm; the language lists may be
 * empty (RFC 4253 section 7.1). */
static sd_err check_required(const struct msg_kexinit *k)
{
	for (int i = KEXINIT_KEX; i <= KEXINIT_COMP_SC; i++)
		if (k->lists[i].len == 0)
			return SD_ERR_KEXINIT_NAMELIST;
	return SD_OK;
}

static sd_err pick_cipher(const struct msg_kexinit *c, const struct msg_kexinit *s, enum kexinit_list l,
			  const struct cipher_alg **out)
{
	struct span name;

	if (!negotiate_pick(c->lists[l], s->lists[l], &name))
		return SD_ERR_NO_COMMON_CIPHER;
	if (!(*out = cipher_alg_by_name(name)))
		return SD_ERR_UNSUPPORTED;
	/* "none" is never negotiated: only the state before the first NEWKEYS
	 * runs without encryption. */
	if ((*out)->mode == CIPHER_NONE)
		return SD_ERR_NO_COMMON_CIPHER;
	return SD_OK;
}

static sd_err pick_mac(const struct msg_kexinit *c, const struct msg_kexinit *s, enum kexinit_list l,
		       const struct cipher_alg *cipher, const struct mac_alg **out)
{
	struct span name;

	*out = NULL;
	if (cipher->tag_len > 0)
		return SD_OK;
	if (!negotiate_pick(c->lists[l], s->lists[l], &name))
		return SD_ERR_NO_COMMON_MAC;
	*out = mac_alg_by_name(name);
	return *out ? SD_OK : SD_ERR_UNSUPPORTED;
}

static sd_err pick_comp(const struct msg_kexinit *c, const struct msg_kexinit *s, enum kexinit_list l,
			struct span *out)
{
	if (!negotiate_pick(c->lists[l], s->lists[l], out) || !span_eq_cstr(*out, "none"))
		return SD_ERR_NO_COMMON_COMPRESSION;
	return SD_OK;
}

sd_err negotiate_algs(const struct msg_kexinit *c, const struct msg_kexinit *s, struct negotiated *out)
{
	struct span name;
	sd_err e;

	if ((e = check_required(c)) != SD_OK || (e = check_required(s)) != SD_OK)
		return e;
	if (!negotiate_pick(c->lists[KEXINIT_KEX], s->lists[KEXINIT_KEX], &name) || is_marker(name))
		return SD_ERR_NO_COMMON_KEX;
	if (!(out->kex = kex_method_by_name(name)))
		return SD_ERR_UNSUPPORTED;
	if (!negotiate_pick(c->lists[KEXINIT_HOSTKEY], s->lists[KEXINIT_HOSTKEY], &name))
		return SD_ERR_NO_COMMON_HOSTKEY;
	if (!(out->hostkey = sig_alg_by_name(name)))
		return SD_ERR_UNSUPPORTED;
	if ((e = pick_cipher(c, s, KEXINIT_CIPHER_CS, &out->cipher_cs)) != SD_OK ||
	    (e = pick_cipher(c, s, KEXINIT_CIPHER_SC, &out->cipher_sc)) != SD_OK)
		return e;
	if ((e = pick_mac(c, s, KEXINIT_MAC_CS, out->cipher_cs, &out->mac_cs)) != SD_OK ||
	    (e = pick_mac(c, s, KEXINIT_MAC_SC, out->cipher_sc, &out->mac_sc)) != SD_OK)
		return e;
	if ((e = pick_comp(c, s, KEXINIT_COMP_CS, &out->comp_cs)) != SD_OK ||
	    (e = pick_comp(c, s, KEXINIT_COMP_SC, &out->comp_sc)) != SD_OK)
		return e;
	return SD_OK;
}

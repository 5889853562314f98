/*
 * ingest_hassh.c — HASSH fingerprints (Salesforce, github.com/salesforce/
 * hassh): the MD5 of "kex;ciphers;macs;compression" with the client's
 * client-to-server lists (hassh) or the server's server-to-client lists
 * (hasshServer), each list exactly as in the KEXINIT (RFC 4253 section 7.1).
 */
#include "ingest/ingest.h"

#include <string.h>

#include <openssl/evp.h>

/* The list text without the NUL that ingest.h puts after it (counted in
 * len or not). */
static struct span list_span(const struct sbuf *b)
{
	if (!b->data)
		return (struct span){(const uint8_t *)"", 0};
	return (struct span){b->data, strnlen((const char *)b->data, b->len)};
}

bool field_hassh(const struct field_proposal *p, bool server, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	const enum field_list lists[4] = {FL_KEX, server ? FL_CIPHER_SC : FL_CIPHER_CS,
					  server ? FL_MAC_SC : FL_MAC_CS, server ? FL_COMP_SC : FL_COMP_CS};
	EVP_MD_CTX *ctx;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	bool ok;

	out[0] = '\0';
	if (!p->present)
		return false;
	for (int i = 0; i < 4; i++)
		if (!p->lists_known[lists[i]])
			return false;
	if (!(ctx = EVP_MD_CTX_new()))
		return false;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1;
	for (int i = 0; ok && i < 4; i++) {
		struct span s = list_span(&p->lists[lists[i]]);
		ok = (i == 0 || EVP_DigestUpdate(ctx, ";", 1) == 1) && EVP_DigestUpdate(ctx, s.p, s.len) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return false;
	for (unsigned i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
	return true;
}

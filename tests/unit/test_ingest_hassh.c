/*
 * test_ingest_hassh.c — field_hassh (ingest/ingest_hassh.c) against the
 * published values of Salesforce's HASSH README (github.com/salesforce/
 * hassh, "Example 1": the Cyberduck 6.7.1 client lists and their hassh
 * 8a8ae540028bf433cd68356c1b9e8d5b) and, for hasshServer, the README's
 * "Example 2" OpenSSH 5.3 server lists, whose MD5 the README does not
 * print: b1c6c0d56317555b85c7005a3de29325 was computed independently with
 * Python's hashlib.md5 over the README's hasshServerAlgorithms string.
 */
#include <string.h>

#include "ingest/ingest.h"
#include "tests/support/check.h"

static void set(struct field_proposal *p, enum field_list l, const char *text)
{
	sbuf_reset(&p->lists[l]);
	CHECK_OK(sbuf_put(&p->lists[l], text, strlen(text)));
	CHECK_OK(sbuf_put_u8(&p->lists[l], 0));
	p->lists[l].len--; /* NUL after the text, as ingest.h says */
	p->lists_known[l] = true;
	p->present = true;
}

static void free_proposal(struct field_proposal *p)
{
	for (int l = 0; l < FL_COUNT; l++)
		sbuf_free(&p->lists[l]);
	sbuf_free(&p->kexinit);
}

static void test_cyberduck_client(void)
{
	struct field_proposal p;
	char h[33];

	memset(&p, 0, sizeof p);
	set(&p, FL_KEX,
	    "curve25519-sha256@libssh.org,diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp521,ecdh-sha2-nistp384,"
	    "ecdh-sha2-nistp256,diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1,diffie-hellman-group14-"
	    "sha1,diffie-hellman-group14-sha256,diffie-hellman-group15-sha512,diffie-hellman-group16-sha512,diffie-"
	    "hellman-group17-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256@ssh.com,diffie-"
	    "hellman-group15-sha256,diffie-hellman-group15-sha256@ssh.com,diffie-hellman-group15-sha384@ssh.com,"
	    "diffie-hellman-group16-sha256,diffie-hellman-group16-sha384@ssh.com,diffie-hellman-group16-sha512@ssh."
	    "com,diffie-hellman-group18-sha512@ssh.com");
	set(&p, FL_CIPHER_CS,
	    "aes128-cbc,aes128-ctr,aes192-cbc,aes192-ctr,aes256-cbc,aes256-ctr,blowfish-cbc,blowfish-ctr,cast128-cbc,"
	    "cast128-ctr,idea-cbc,idea-ctr,serpent128-cbc,serpent128-ctr,serpent192-cbc,serpent192-ctr,serpent256-"
	    "cbc,serpent256-ctr,3des-cbc,3des-ctr,twofish128-cbc,twofish128-ctr,twofish192-cbc,twofish192-ctr,"
	    "twofish256-cbc,twofish256-ctr,twofish-cbc,arcfour,arcfour128,arcfour256");
	set(&p, FL_MAC_CS, "hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-sha2-256,hmac-sha2-512");
	CHECK(!field_hassh(&p, false, h)); /* compression not known yet */
	CHECK_STR(h, "");
	set(&p, FL_COMP_CS, "zlib@openssh.com,zlib,none");
	CHECK(field_hassh(&p, false, h));
	CHECK_STR(h, "8a8ae540028bf433cd68356c1b9e8d5b");
	/* The server fingerprint takes the s->c lists, unknown here. */
	CHECK(!field_hassh(&p, true, h));
	/* The other direction's lists do not count for the client's. */
	set(&p, FL_CIPHER_SC, "aes128-ctr");
	CHECK(field_hassh(&p, false, h));
	CHECK_STR(h, "8a8ae540028bf433cd68356c1b9e8d5b");
	free_proposal(&p);
}

static void test_openssh53_server(void)
{
	struct field_proposal p;
	char h[33];

	memset(&p, 0, sizeof p);
	set(&p, FL_KEX,
	    "diffie-hellman-group-exchange-sha256,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1,"
	    "diffie-hellman-group1-sha1");
	set(&p, FL_CIPHER_SC,
	    "aes128-ctr,aes192-ctr,aes256-ctr,arcfour256,arcfour128,aes128-cbc,3des-cbc,blowfish-cbc,cast128-cbc,"
	    "aes192-cbc,aes256-cbc,arcfour,rijndael-cbc@lysator.liu.se");
	set(&p, FL_MAC_SC,
	    "hmac-md5,hmac-sha1,umac-64@openssh.com,hmac-ripemd160,hmac-ripemd160@openssh.com,hmac-sha1-96,hmac-"
	    "md5-96");
	set(&p, FL_COMP_SC, "none,zlib@openssh.com");
	CHECK(field_hassh(&p, true, h));
	CHECK_STR(h, "b1c6c0d56317555b85c7005a3de29325");
	CHECK(!field_hassh(&p, false, h));
	free_proposal(&p);
}

static void test_absent(void)
{
	struct field_proposal p;
	char h[33] = "x";

	memset(&p, 0, sizeof p);
	CHECK(!field_hassh(&p, false, h));
	CHECK_STR(h, "");
}

int main(void)
{
	test_cyberduck_client();
	test_openssh53_server();
	test_absent();
	return check_finish();
}

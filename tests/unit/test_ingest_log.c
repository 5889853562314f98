/*
 * test_ingest_log.c — ingest_log (ingest/ingest_log.c) on the fixture logs
 * of tests/data/logs (real logs: sshd 5.3 old format with wrapped lists,
 * sshd 7.2 modern format with [preauth], the "no matching mac" fatal line,
 * Tera Term with web-mangled names; OpenSSH 9.2p1 ssh -vvv and sshd -ddd
 * of one connection recorded on Debian 12 as test_ingest_session.sh does;
 * hand-written PuTTY logs) and on
 * small synthetic logs for what the fixtures lack: syslog and journal
 * prefixes, interleaved processes, "Their offer", a list wrapped inside a
 * name, a log cut short, CR LF, binary data and logs without a key
 * exchange.  Expected values are read off the log text itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "tests/support/check.h"

#define DATA SSHDIFF_SOURCE_DIR "/tests/data/logs/"

static char tmpdir[] = "/tmp/sshdiff-test-ingest-log-XXXXXX";
static unsigned n_tmp;

static const char *list(const struct field_proposal *p, enum field_list l)
{
	if (!p->present || !p->lists_known[l])
		return "(unknown)";
	return p->lists[l].data ? (const char *)p->lists[l].data : "";
}

/* Reads a fixture; the caller frees. */
static sd_err read_log(const char *path, struct field_conns *cs, struct ingest_diag *d)
{
	*cs = (struct field_conns){0};
	*d = (struct ingest_diag){0};
	return ingest_log(path, cs, d);
}

static void done(struct field_conns *cs, struct ingest_diag *d)
{
	field_conns_free(cs);
	ingest_diag_free(d);
}

static bool diag_has(const struct ingest_diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->lines[i], needle))
			return true;
	return false;
}

/* A synthetic log in the temporary folder. */
static void write_tmp(const char *text, size_t len, char *path, size_t path_size)
{
	FILE *f;

	snprintf(path, path_size, "%s/log%u.txt", tmpdir, n_tmp++);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fwrite(text, 1, len, f) == len);
	fclose(f);
}

static void test_sshd_53_old_format(void)
{
	struct field_conns cs;
	struct ingest_diag d;

	CHECK_OK(read_log(DATA "sshd-5.3-debug2-kex-parse-kexinit.log", &cs, &d));
	CHECK_EQ_U(cs.n, 1);
	if (cs.n == 1) {
		const struct field_conn *c = &cs.v[0];
		CHECK(c->from_log);
		CHECK_STR(c->where, "lines 6-49");
		CHECK_STR(c->client_version, "SSH-2.0-libssh2_1.7.0_DEV");
		CHECK_STR(c->server_version, "SSH-2.0-OpenSSH_5.3");
		/* sshd: the first ten lists are its own, the first one wrapped
		 * onto the next line. */
		CHECK_STR(list(&c->server, FL_KEX),
			  "ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,diffie-hellman-group-exchange-sha256");
		CHECK_STR(list(&c->server, FL_HOSTKEY), "ssh-rsa,ssh-dss");
		CHECK_STR(list(&c->server, FL_MAC_SC), "hmac-sha2-512,hmac-sha2-256,hmac-ripemd160");
		CHECK_STR(list(&c->server, FL_COMP_CS), "none,zlib@openssh.com");
		CHECK_STR(list(&c->server, FL_LANG_CS), "");
		CHECK_STR(list(&c->client, FL_KEX),
			  "diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1");
		CHECK_STR(list(&c->client, FL_CIPHER_SC),
			  "aes128-ctr,aes192-ctr,aes256-ctr,aes256-cbc,rijndael-cbc@lysator.liu.se,aes192-cbc,aes128-cbc,"
			  "blowfish-cbc,arcfour128,arcfour,cast128-cbc,3des-cbc");
		CHECK_STR(list(&c->client, FL_MAC_CS),
			  "hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-ripemd160,hmac-ripemd160@openssh.com");
		CHECK_STR(list(&c->client, FL_COMP_SC), "none");
		CHECK_STR(list(&c->client, FL_LANG_SC), "");
		for (int l = 0; l < FL_COUNT; l++)
			CHECK(c->client.lists_known[l] && c->server.lists_known[l]);
		CHECK(!c->client.first_kex_follows && !c->server.first_kex_follows);
		/* old "kex: client->server CIPHER MAC COMP" lines */
		CHECK_STR(c->negotiated[FL_CIPHER_CS], "aes128-ctr");
		CHECK_STR(c->negotiated[FL_MAC_SC], "hmac-ripemd160");
		CHECK_STR(c->negotiated[FL_COMP_CS], "none");
		CHECK_STR(c->negotiated[FL_KEX], "");
		CHECK_EQ_U(c->n_unusable, 0);
	}
	CHECK(!d.damaged);
	done(&cs, &d);
}

static void test_sshd_72_modern(void)
{
	struct field_conns cs;
	struct ingest_diag d;

	CHECK_OK(read_log(DATA "sshd-7.2-debug2-proposals.log", &cs, &d));
	CHECK_EQ_U(cs.n, 1);
	if (cs.n == 1) {
		const struct field_conn *c = &cs.v[0];
		CHECK_STR(c->where, "lines 1-26");
		CHECK_STR(list(&c->server, FL_HOSTKEY), "ssh-rsa,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519");
		CHECK_STR(list(&c->server, FL_CIPHER_CS), "aes256-ctr,aes192-ctr,aes128-ctr");
		CHECK_STR(list(&c->client, FL_MAC_SC), "hmac-sha2-512"); /* " [preauth]" cut off */
		CHECK_STR(list(&c->client, FL_COMP_CS), "none,zlib@openssh.com,zlib");
		CHECK_STR(list(&c->client, FL_LANG_CS), "");
		CHECK_STR(list(&c->client, FL_HOSTKEY), "ssh-rsa-cert-v01@openssh.com,ssh-dss-cert-v01@openssh.com,"
							 "ssh-rsa-cert-v00@openssh.com,ssh-dss-cert-v00@openssh.com,"
							 "ssh-rsa,ssh-dss");
		CHECK_STR(c->client_version, "");
		CHECK(c->client.present && c->server.present);
	}
	done(&cs, &d);
}

static void test_no_matching_mac(void)
{
	struct field_conns cs;
	struct ingest_diag d;

	CHECK_OK(read_log(DATA "sshd-no-matching-mac.log", &cs, &d));
	CHECK_EQ_U(cs.n, 1);
	if (cs.n == 1) {
		const struct field_conn *c = &cs.v[0];
		const char *cl = "hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-ripemd160,hmac-ripemd160@openssh.com";
		CHECK_STR(c->where, "line 1");
		CHECK_STR(list(&c->client, FL_MAC_CS), cl);
		CHECK_STR(list(&c->client, FL_MAC_SC), cl);
		CHECK_STR(list(&c->server, FL_MAC_CS), "hmac-sha2-512,hmac-sha2-256");
		CHECK(!c->client.lists_known[FL_KEX] && !c->server.lists_known[FL_CIPHER_CS]);
	}
	CHECK(diag_has(&d, "names no direction"));
	done(&cs, &d);
}

static void test_ttssh_mangled(void)
{
	struct field_conns cs;
	struct ingest_diag d;

	CHECK_OK(read_log(DATA "ttssh-dropbear-2024.86.log", &cs, &d));
	CHECK_EQ_U(cs.n, 1);
	if (cs.n == 1) {
		const struct field_conn *c = &cs.v[0];
		CHECK_STR(c->client_version, "SSH-2.0-TTSSH/3.2 Win32");
		CHECK_STR(c->server_version, "SSH-2.0-dropbear_2024.86");
		/* "[email<NBSP>protected]" (UTF-8 C2 A0) is no name: out of the
		 * list, into unusable_names, and the file counts as damaged. */
		CHECK_EQ_U(c->n_unusable, 1);
		CHECK_STR(c->unusable_names[0], "[email\xc2\xa0protected]");
		CHECK_STR(list(&c->client, FL_KEX),
			  "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group18-sha512,"
			  "diffie-hellman-group16-sha512,diffie-hellman-group14-sha256,diffie-hellman-group-exchange-"
			  "sha256,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1,diffie-hellman-group1-"
			  "sha1,ext-info-c");
		CHECK_STR(list(&c->server, FL_CIPHER_CS), "aes128-ctr,aes256-ctr");
		CHECK_STR(list(&c->server, FL_COMP_SC), "none");
		CHECK_STR(list(&c->server, FL_LANG_CS), "");
		CHECK(!c->client.lists_known[FL_LANG_CS]); /* Tera Term does not log the client's */
		CHECK_STR(c->negotiated[FL_KEX], "ecdh-sha2-nistp256");
		CHECK_STR(c->negotiated[FL_HOSTKEY], "ecdsa-sha2-nistp256");
		CHECK_STR(c->negotiated[FL_CIPHER_CS], "[email\xc2\xa0protected]"); /* as the log says */
		CHECK_STR(c->negotiated[FL_MAC_SC], "<implicit>");
		CHECK_STR(c->negotiated[FL_COMP_CS], "none");
	}
	CHECK(d.damaged);
	CHECK(diag_has(&d, "line 6: 3 unusable names in the client's cipher_cs list"));
	done(&cs, &d);
}

/* Recorded with ssh -vvv and sshd -ddd of OpenSSH 9.2p1 (Debian 12) on
 * one connection: both logs show the same two proposals. */
static void test_openssh_92_pair(void)
{
	struct field_conns a, b;
	struct ingest_diag da, db;

	CHECK_OK(read_log(DATA "openssh-9.2-ssh-vvv.log", &a, &da));
	CHECK_OK(read_log(DATA "openssh-9.2-sshd-ddd.log", &b, &db));
	CHECK_EQ_U(a.n, 1);
	CHECK_EQ_U(b.n, 1);
	if (a.n == 1 && b.n == 1) {
		const struct field_conn *c = &a.v[0], *s = &b.v[0];
		CHECK_STR(c->client_version, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
		CHECK_STR(c->server_version, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
		CHECK_STR(s->client_version, c->client_version);
		CHECK(strncmp(list(&c->client, FL_KEX), "sntrup761x25519-sha512,", 23) == 0);
		CHECK(strstr(list(&c->client, FL_KEX), ",ext-info-c,kex-strict-c-v00@openssh.com") != NULL);
		CHECK_STR(list(&c->server, FL_HOSTKEY), "ssh-ed25519,ecdsa-sha2-nistp256");
		for (int l = 0; l < FL_COUNT; l++) {
			CHECK_STR(list(&c->client, l), list(&s->client, l));
			CHECK_STR(list(&c->server, l), list(&s->server, l));
		}
		CHECK_STR(c->negotiated[FL_KEX], "sntrup761x25519-sha512");
		CHECK_STR(s->negotiated[FL_HOSTKEY], "ssh-ed25519");
		CHECK_STR(s->negotiated[FL_CIPHER_SC], "chacha20-poly1305@openssh.com");
		CHECK_STR(s->negotiated[FL_MAC_CS], "<implicit>");
	}
	CHECK(!da.damaged && !db.damaged);
	done(&a, &da);
	done(&b, &db);
}

static void test_putty(void)
{
	struct field_conns cs;
	struct ingest_diag d;

	CHECK_OK(read_log(DATA "putty-0.81-event-log.log", &cs, &d));
	CHECK_EQ_U(cs.n, 1);
	if (cs.n == 1) {
		const struct field_conn *c = &cs.v[0];
		CHECK_STR(c->client_version, "SSH-2.0-PuTTY_Release_0.81");
		CHECK_STR(c->server_version, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
		CHECK(!c->client.present && !c->server.present); /* PuTTY logs no lists */
		CHECK_STR(c->negotiated[FL_KEX], "curve25519-sha256");
		CHECK_STR(c->negotiated[FL_HOSTKEY], "ssh-ed25519");
		CHECK_STR(c->negotiated[FL_CIPHER_CS], "aes256-ctr");
		CHECK_STR(c->negotiated[FL_MAC_SC], "hmac-sha2-256");
	}
	done(&cs, &d);
	CHECK_OK(read_log(DATA "putty-0.70-session-log.log", &cs, &d));
	CHECK_EQ_U(cs.n, 1);
	if (cs.n == 1) {
		const struct field_conn *c = &cs.v[0];
		CHECK_STR(c->server_version, "SSH-2.0-OpenSSH_7.4");
		CHECK_STR(c->negotiated[FL_KEX], "ecdh-sha2-nistp256");
		CHECK_STR(c->negotiated[FL_HOSTKEY], "ecdsa-sha2-nistp256");
		CHECK_STR(c->negotiated[FL_CIPHER_SC], "aes128-ctr");
		CHECK_STR(c->negotiated[FL_MAC_CS], "hmac-sha2-256-etm@openssh.com");
	}
	done(&cs, &d);
}

/* Two sshd processes interleaved in syslog, one in journal ISO form; each
 * ends with "Their offer" for a different category. */
static void test_syslog_interleaved(void)
{
	static const char text[] =
		"Jan  2 03:04:05 gw sshd[100]: debug1: Local version string SSH-2.0-OpenSSH_7.4\n"
		"Jan  2 03:04:05 gw sshd[200]: debug1: Local version string SSH-2.0-OpenSSH_7.4\n"
		"Jan  2 03:04:05 gw sshd[100]: debug1: Remote protocol version 2.0, remote software version PuTTY_Release_0.62\n"
		"2024-01-02T03:04:06.123456+00:00 gw sshd[200]: debug1: Remote protocol version 2.0, remote software "
		"version Go\n"
		"Jan  2 03:04:06 gw sshd[100]: fatal: Unable to negotiate with 192.0.2.1 port 50000: no matching host key "
		"type found. Their offer: ssh-dss [preauth]\n"
		"Jan  2 03:04:06 gw sshd[200]: Unable to negotiate with 192.0.2.2 port 50001: no matching key exchange "
		"method found. Their offer: diffie-hellman-group1-sha1 [preauth]\r\n";
	char path[256];
	struct field_conns cs;
	struct ingest_diag d;

	write_tmp(text, sizeof text - 1, path, sizeof path);
	CHECK_OK(read_log(path, &cs, &d));
	CHECK_EQ_U(cs.n, 2);
	if (cs.n == 2) {
		const struct field_conn *a = &cs.v[0], *b = &cs.v[1];
		CHECK_STR(a->where, "lines 1-5");
		CHECK_STR(a->server_version, "SSH-2.0-OpenSSH_7.4");
		CHECK_STR(a->client_version, "SSH-2.0-PuTTY_Release_0.62");
		CHECK_STR(list(&a->client, FL_HOSTKEY), "ssh-dss"); /* sshd: "their" = the client */
		CHECK(!a->server.present);
		CHECK_STR(b->where, "lines 2-6");
		CHECK_STR(b->client_version, "SSH-2.0-Go");
		CHECK_STR(list(&b->client, FL_KEX), "diffie-hellman-group1-sha1");
	}
	done(&cs, &d);
}

/* Old format from an ssh client: the local (first) lists are the
 * client's; a list wrapped inside a name; a second KEXINIT round. */
static void test_old_client_wrapped(void)
{
	char text[4096], path[256];
	size_t len = 0;
	struct field_conns cs;
	struct ingest_diag d;
	static const char *const lists[10] = {"curve25519-sha256@libssh.org,diffie-hellman-group14-sha1",
					      "ssh-ed25519,ssh-rsa",
					      "aes128-ctr,aes256-ctr",
					      "aes128-ctr,aes256-ctr",
					      "hmac-sha2-256,hmac-sha1",
					      "hmac-sha2-256,hmac-sha1",
					      "none",
					      "none",
					      "",
					      ""};

	len += (size_t)snprintf(text + len, sizeof text - len,
				"OpenSSH_6.6.1, OpenSSL 1.0.1f 6 Jan 2014\n"
				"debug1: Connecting to example.org [192.0.2.5] port 22.\n"
				"debug1: Local version string SSH-2.0-OpenSSH_6.6.1\n");
	for (int round = 0; round < 2; round++) {
		for (int side = 0; side < 2; side++) {
			for (int l = 0; l < 10; l++) {
				const char *v = lists[l];
				if (side == 1 && l == 2) /* the server's cipher list, wrapped mid-name */
					len += (size_t)snprintf(text + len, sizeof text - len,
								"debug2: kex_parse_kexinit: aes256-ctr,aes1\n28-ctr\n");
				else
					len += (size_t)snprintf(text + len, sizeof text - len,
								"debug2: kex_parse_kexinit: %s\n", v);
			}
			len += (size_t)snprintf(text + len, sizeof text - len,
						"debug2: kex_parse_kexinit: first_kex_follows %d\n"
						"debug2: kex_parse_kexinit: reserved 0 \n",
						side == 0 && round == 0);
		}
		len += (size_t)snprintf(text + len, sizeof text - len,
					"debug1: kex: server->client aes128-ctr hmac-sha2-256 none\n");
	}
	write_tmp(text, len, path, sizeof path);
	CHECK_OK(read_log(path, &cs, &d));
	CHECK_EQ_U(cs.n, 2); /* the rekey is a second proposal pair */
	if (cs.n == 2) {
		const struct field_conn *c = &cs.v[0];
		CHECK_STR(c->client_version, "SSH-2.0-OpenSSH_6.6.1");
		CHECK_STR(list(&c->client, FL_KEX), lists[0]);
		CHECK_STR(list(&c->server, FL_CIPHER_CS), "aes256-ctr,aes128-ctr");
		CHECK(c->client.first_kex_follows);
		CHECK(!c->server.first_kex_follows);
		CHECK_STR(c->negotiated[FL_CIPHER_SC], "aes128-ctr");
		CHECK(!cs.v[1].client.first_kex_follows);
	}
	done(&cs, &d);
}

/* A log cut inside the peer's proposal: the part read is kept and the
 * file is damaged; mangled names in the modern format too. */
static void test_cut_short(void)
{
	static const char text[] = "debug2: local client KEXINIT proposal\n"
				   "debug2: KEX algorithms: curve25519-sha256,[email protected]\n"
				   "debug2: host key algorithms: ssh-ed25519\n"
				   "debug2: ciphers ctos: aes128-ctr\n"
				   "debug2: ciphers stoc: aes128-ctr\n"
				   "debug2: MACs ctos: hmac-sha2-256\n"
				   "debug2: MACs stoc: hmac-sha2-256\n"
				   "debug2: compression ctos: none\n"
				   "debug2: compression stoc: none\n"
				   "debug2: languages ctos: \n"
				   "debug2: languages stoc: \n"
				   "debug2: first_kex_follows 0 \n"
				   "debug2: reserved 0 \n"
				   "debug2: peer server KEXINIT proposal\n"
				   "debug2: KEX algorithms: curve25519-sha256\n"
				   "debug2: host key algo";
	char path[256];
	struct field_conns cs;
	struct ingest_diag d;

	write_tmp(text, sizeof text - 1, path, sizeof path);
	CHECK_OK(read_log(path, &cs, &d));
	CHECK_EQ_U(cs.n, 1);
	if (cs.n == 1) {
		CHECK_STR(list(&cs.v[0].client, FL_KEX), "curve25519-sha256");
		CHECK_EQ_U(cs.v[0].n_unusable, 1);
		CHECK_STR(cs.v[0].unusable_names[0], "[email protected]");
		CHECK_STR(list(&cs.v[0].server, FL_KEX), "curve25519-sha256");
		CHECK(!cs.v[0].server.lists_known[FL_HOSTKEY]);
	}
	CHECK(d.damaged);
	CHECK(diag_has(&d, "the server proposal has 1 of 10 lists"));
	done(&cs, &d);
}

static void test_bad_input(void)
{
	static const char nothing[] = "Jan  2 03:04:05 gw sshd[1]: Accepted publickey for root\n"
				      "Jan  2 03:04:05 gw sshd[1]: pam_unix(sshd:session): session opened\n";
	static const uint8_t binary[] = {0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x7f, 0x45};
	char path[256];
	struct field_conns cs;
	struct ingest_diag d;

	write_tmp(nothing, sizeof nothing - 1, path, sizeof path);
	CHECK_ERR(read_log(path, &cs, &d), SD_ERR_INVALID_ARG);
	CHECK_EQ_U(cs.n, 0);
	CHECK(diag_has(&d, "no SSH key exchange in 2 lines"));
	CHECK(diag_has(&d, path));
	done(&cs, &d);

	write_tmp((const char *)binary, sizeof binary, path, sizeof path);
	CHECK_ERR(read_log(path, &cs, &d), SD_ERR_INVALID_ARG);
	CHECK(diag_has(&d, "byte 5: binary data"));
	done(&cs, &d);

	CHECK_ERR(read_log(DATA "no-such-file.log", &cs, &d), SD_ERR_INVALID_ARG);
	CHECK(diag_has(&d, "cannot open"));
	done(&cs, &d);

	/* A version without a key exchange is dropped, not a connection. */
	static const char version_only[] = "debug1: Local version string SSH-2.0-OpenSSH_9.2\n";
	write_tmp(version_only, sizeof version_only - 1, path, sizeof path);
	CHECK_ERR(read_log(path, &cs, &d), SD_ERR_INVALID_ARG);
	CHECK(diag_has(&d, "version strings but no key exchange"));
	done(&cs, &d);
}

/* ingest_log appends: a second file adds to the same list. */
static void test_appends(void)
{
	struct field_conns cs = {0};
	struct ingest_diag d = {0};

	CHECK_OK(ingest_log(DATA "sshd-7.2-debug2-proposals.log", &cs, &d));
	CHECK_ERR(ingest_log(DATA "no-such-file.log", &cs, &d), SD_ERR_INVALID_ARG);
	CHECK_OK(ingest_log(DATA "sshd-no-matching-mac.log", &cs, &d));
	CHECK_EQ_U(cs.n, 2);
	if (cs.n == 2)
		CHECK(strstr(cs.v[1].file, "sshd-no-matching-mac.log") != NULL);
	done(&cs, &d);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_sshd_53_old_format();
	test_sshd_72_modern();
	test_no_matching_mac();
	test_ttssh_mangled();
	test_openssh_92_pair();
	test_putty();
	test_syslog_interleaved();
	test_old_client_wrapped();
	test_cut_short();
	test_bad_input();
	test_appends();
	for (unsigned i = 0; i < n_tmp; i++) {
		char path[300];
		snprintf(path, sizeof path, "%s/log%u.txt", tmpdir, i);
		CHECK(unlink(path) == 0);
	}
	CHECK(rmdir(tmpdir) == 0);
	return check_finish();
}

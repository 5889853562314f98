/*
 * testkeys.c — the six fixed test keys a case names by id (oracle/testkeys.h).
 * Generated once with
 *   ssh-keygen -q -t ed25519 -N '' -C sshdiff-test -f ed25519-a   (and -b)
 *   ssh-keygen -q -t ecdsa -b 256|384|521 -N '' -C sshdiff-test -f ecdsa-pN
 *   ssh-keygen -q -t rsa -b 3072 -N '' -C sshdiff-test -f rsa-3072
 * and pasted here verbatim, so that every machine replays a case with the same
 * keys.  Test keys only: public in this repository, never use them elsewhere.
 */
#include "oracle/testkeys.h"

#include <string.h>

static const char *const key_text[CASE_KEY_COUNT] = {
	[CASE_KEY_ED25519_A] =
		"-----BEGIN OPENSSH PRIVATE KEY-----\n"
		"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
		"QyNTUxOQAAACBPGRmSzgd/kb+EF/mDnJ5DqTLr6pqaQj4A2aCHKMcoIAAAAJAZXUsWGV1L\n"
		"FgAAAAtzc2gtZWQyNTUxOQAAACBPGRmSzgd/kb+EF/mDnJ5DqTLr6pqaQj4A2aCHKMcoIA\n"
		"AAAEDxj5ogOAXkcZAbe7AVc6mYbxhmvpsV04HHrbnT2pCPAk8ZGZLOB3+Rv4QX+YOcnkOp\n"
		"MuvqmppCPgDZoIcoxyggAAAADHNzaGRpZmYtdGVzdAE=\n"
		"-----END OPENSSH PRIVATE KEY-----\n",
	[CASE_KEY_ED25519_B] =
		"-----BEGIN OPENSSH PRIVATE KEY-----\n"
		"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
		"QyNTUxOQAAACDTXUrW2QPRoLojrgNxnVjoA7Xnow/JCWthWw0g2S1UrAAAAJD14CAj9eAg\n"
		"IwAAAAtzc2gtZWQyNTUxOQAAACDTXUrW2QPRoLojrgNxnVjoA7Xnow/JCWthWw0g2S1UrA\n"
		"AAAEAd5Vxk7qlx+Cu4efM3e4cW4NI8TG62buMwim6iGhiFbdNdStbZA9GguiOuA3GdWOgD\n"
		"teejD8kJa2FbDSDZLVSsAAAADHNzaGRpZmYtdGVzdAE=\n"
		"-----END OPENSSH PRIVATE KEY-----\n",
	[CASE_KEY_ECDSA_P256] =
		"-----BEGIN OPENSSH PRIVATE KEY-----\n"
		"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAaAAAABNlY2RzYS\n"
		"1zaGEyLW5pc3RwMjU2AAAACG5pc3RwMjU2AAAAQQSd0/PKRyMxYc/4S+0CKmp1a0oLdwRX\n"
		"wBpGpE2l8rEmXWNgPzsD4khtomO6Se6wvjjBCz5FFW4h6jwDYPIlAMSNAAAAqHaPt3p2j7\n"
		"d6AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJ3T88pHIzFhz/hL\n"
		"7QIqanVrSgt3BFfAGkakTaXysSZdY2A/OwPiSG2iY7pJ7rC+OMELPkUVbiHqPANg8iUAxI\n"
		"0AAAAhAM+clwm63c725TvIPBGDSrrirk+A8QTz/C5PsRMbWfCYAAAADHNzaGRpZmYtdGVz\n"
		"dAECAw==\n"
		"-----END OPENSSH PRIVATE KEY-----\n",
	[CASE_KEY_ECDSA_P384] =
		"-----BEGIN OPENSSH PRIVATE KEY-----\n"
		"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAiAAAABNlY2RzYS\n"
		"1zaGEyLW5pc3RwMzg0AAAACG5pc3RwMzg0AAAAYQTj/l54W83FLAGfS1Q95Fr3ojV6fVB3\n"
		"hWDiCelGMNLHWFqUdmePsSkp7uAvTaGRBf65yrDfwQI/fOovoPh6X8NeVVtGvlgsEPpayV\n"
		"f2JmAZHuh+89dcVF0XHqLojV6L4GgAAADYb0xO3W9MTt0AAAATZWNkc2Etc2hhMi1uaXN0\n"
		"cDM4NAAAAAhuaXN0cDM4NAAAAGEE4/5eeFvNxSwBn0tUPeRa96I1en1Qd4Vg4gnpRjDSx1\n"
		"halHZnj7EpKe7gL02hkQX+ucqw38ECP3zqL6D4el/DXlVbRr5YLBD6WslX9iZgGR7ofvPX\n"
		"XFRdFx6i6I1ei+BoAAAAMQDyLzap13moZx190kGLWtiF3/k0C3P5cCXS2IDZGWAzjxREG5\n"
		"y94i3OKkpIrUpRlJMAAAAMc3NoZGlmZi10ZXN0AQID\n"
		"-----END OPENSSH PRIVATE KEY-----\n",
	[CASE_KEY_ECDSA_P521] =
		"-----BEGIN OPENSSH PRIVATE KEY-----\n"
		"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAArAAAABNlY2RzYS\n"
		"1zaGEyLW5pc3RwNTIxAAAACG5pc3RwNTIxAAAAhQQBD92+M6HCAlJJH3OZ8ubjtj5q51ef\n"
		"Jb1TmEmXhqiwAzmngnNu95zqpGrSwWnC7HvhsgjWI9kMhwh8dtIl6m3pZ6kBgoVAeK96uL\n"
		"+AdlEAbUXNHYmMziaRt/RboVDlAqbVi3gFiSnokBmpxCavwXWXs5tGfjWg64lLIQGaqvtf\n"
		"n+w1kdcAAAEQN+rl4jfq5eIAAAATZWNkc2Etc2hhMi1uaXN0cDUyMQAAAAhuaXN0cDUyMQ\n"
		"AAAIUEAQ/dvjOhwgJSSR9zmfLm47Y+audXnyW9U5hJl4aosAM5p4Jzbvec6qRq0sFpwux7\n"
		"4bII1iPZDIcIfHbSJept6WepAYKFQHiveri/gHZRAG1FzR2JjM4mkbf0W6FQ5QKm1Yt4BY\n"
		"kp6JAZqcQmr8F1l7ObRn41oOuJSyEBmqr7X5/sNZHXAAAAQgC3Xk//W4wQNgeHRU3rftAY\n"
		"YUJyPJNXshBT+ZZVoCgX/tAbIg/P28SguNVJPumVsN/TU5uStAns2w+7nPVitkEgswAAAA\n"
		"xzc2hkaWZmLXRlc3QBAgMEBQY=\n"
		"-----END OPENSSH PRIVATE KEY-----\n",
	[CASE_KEY_RSA_3072] =
		"-----BEGIN OPENSSH PRIVATE KEY-----\n"
		"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABlwAAAAdzc2gtcn\n"
		"NhAAAAAwEAAQAAAYEAqCo2zzxbFtNWu0qTuIfov9iZkLRiQKKxWObH4o6TOIlcuz7ANU1v\n"
		"gBRtR9s/qgzb8niJQOK8S0B67yMnwmNiJTWjYaeIPa0HbXLNGVtcJT/KoQ3+5oBmlxVTct\n"
		"LOHbLJ0a2K3+V8fSq6W7rPA/X4sqeDtmnJVFR77tmuU6lpPz+rWQvkcDdECtMdU+GJ5M3d\n"
		"7QOeVbEFSQyFOssEs2rBTa6ew4sgjsayQHNjVaz7pl6I5vjZV3ksyJSbHN763CjSnwC3Tp\n"
		"CW3FA+PtXoBM2N0J9jQo1IrVA1oEzbN8nQm5iMoR4TzqZmFGNa64ysxN/82fA/F1rrHGLQ\n"
		"vt0160zhAfzrF8mhaYmOb4/Eks3VfWpkX5zNRbfcjzBRaY2s1tS1OwMpfe+Qi91X1PmSXo\n"
		"wIDE96BQoV2BVt/X3JN5bYLI3W8B4bB8T9gqCa9oi9tbMEr2BvalznBM3UXohwQSBx3lEu\n"
		"l12Q+HQh+MjV9KGEtb82zv/fFKgEyLcx8SDfkCeDAAAFiMQAIdjEACHYAAAAB3NzaC1yc2\n"
		"EAAAGBAKgqNs88WxbTVrtKk7iH6L/YmZC0YkCisVjmx+KOkziJXLs+wDVNb4AUbUfbP6oM\n"
		"2/J4iUDivEtAeu8jJ8JjYiU1o2GniD2tB21yzRlbXCU/yqEN/uaAZpcVU3LSzh2yydGtit\n"
		"/lfH0qulu6zwP1+LKng7ZpyVRUe+7ZrlOpaT8/q1kL5HA3RArTHVPhieTN3e0DnlWxBUkM\n"
		"hTrLBLNqwU2unsOLII7GskBzY1Ws+6ZeiOb42Vd5LMiUmxze+two0p8At06QltxQPj7V6A\n"
		"TNjdCfY0KNSK1QNaBM2zfJ0JuYjKEeE86mZhRjWuuMrMTf/NnwPxda6xxi0L7dNetM4QH8\n"
		"6xfJoWmJjm+PxJLN1X1qZF+czUW33I8wUWmNrNbUtTsDKX3vkIvdV9T5kl6MCAxPegUKFd\n"
		"gVbf19yTeW2CyN1vAeGwfE/YKgmvaIvbWzBK9gb2pc5wTN1F6IcEEgcd5RLpddkPh0IfjI\n"
		"1fShhLW/Ns7/3xSoBMi3MfEg35AngwAAAAMBAAEAAAGABLhWnH99sQjSjOQ9fDb4XfYm7U\n"
		"xa26SVZMDpiF7nG/WjEDBlNbnMMOSh4pvxUAUXYVlnxNX4YgZXzQGIGqkudovoX5PTu6Nx\n"
		"K23G+vi4/+Sn+9hIONEO0BvNoVHwbh34EzYTSVCIK305CN0X9W0Ag4c3J7YVbBQI/H3Iql\n"
		"l9dkSDuzadvVaXxtQBJTsV40GyAnaRCaez1caPsMRFCAItldAabbOogMlr9Gooth1qXNOX\n"
		"dSAz/YQNsT2WkvthQC+3GgYQ+ur6heInVkYRTi+oFyuG7dWKhcnT3P1XY/XVOfiKzLu6ZF\n"
		"Os9fyDHGj3BFDvczcX6PnV4JJLhC1eFYhJxbLy324gJttLbFS4Bc7vDFjueCsoxT4CH1xF\n"
		"H2DCaLAHjfsnnw2XMBubJAsqwG/48ABSJJNCrsPCQPUwgVW13TSa9Nr9WicSyAjrdNWvW9\n"
		"8FChc/hnYWqhkekP2Pca/7g5pJI6p+vIeMGdzzOvQwjoi3so4aceVA2/L6SkiDoG9VAAAA\n"
		"wEm0FhbtF66oM0ASp0R2u/aSD0OGR4aHV+mvvxeLWz2gnMXci/r3RLAKHuioSfK23Kq8Mf\n"
		"Q31CAH0eR+2+72rRRaWU3oFSnRw3xiYTkBZfonrCUiqtPyMw8KUYn6ocGbnweJI023L7ks\n"
		"kc0jD9x2Db+Wn6mHj1qe2FAXaBALl88fRr0lFsf+zfg6SDjW8iE2Vx+vpzCXQouzxnjcwj\n"
		"EVLe+Bkaw/QR1DhvNyrKZQMg7ih/KnqOT2jT0Yk7LStavjwgAAAMEA4bLlsp/xhN5XRcGR\n"
		"X2Ho3xfySHQy31Fx18vt2+encwVUNVTNdfhbs21I53RMhFMriOaemGW+8TNyXEpRdx2069\n"
		"1LvhK4Md1mOBGlV8/Xgh3pAQdHpfK17qdhRgRWm1JKqPmTz2efqexclXJfag4T6KG3Z2Pu\n"
		"n3ycuVefQmKAxh3eRVRYbwbp7FlJfCX243FWp844XIyrpLz5QNqBzN3g6WIwpO3lYlniqg\n"
		"vOMWz80mXDaNPKp57otuzoq1P03dJHAAAAwQC+vesUQbg31EN122ha1OL3kQe3KYbnEPmH\n"
		"EOnWdacz4UGRW5fAjz6LV3l/mLMEpRDBnmFfnFWDvd1hRJLqSUsfasNpcNQQ/b2G3k7Aq1\n"
		"icUbnpYvFaomCts4ag8YiwNejdOo7DleTRIXJsyNhpXLW53/rasBFeQAaJmhigxNcHdZXL\n"
		"JvlW7R/ja10zztBYtcIxj1iQef/sp+ZxXxoMhTMlQLg6/magA3mhrPGCS1pZU28vpV1rei\n"
		"X96W02GgdNguUAAAAMc3NoZGlmZi10ZXN0AQIDBAUGBw==\n"
		"-----END OPENSSH PRIVATE KEY-----\n",
};

static const enum sigkey_type key_type[CASE_KEY_COUNT] = {
	[CASE_KEY_ED25519_A] = SIGKEY_ED25519,    [CASE_KEY_ED25519_B] = SIGKEY_ED25519,
	[CASE_KEY_ECDSA_P256] = SIGKEY_ECDSA_P256, [CASE_KEY_ECDSA_P384] = SIGKEY_ECDSA_P384,
	[CASE_KEY_ECDSA_P521] = SIGKEY_ECDSA_P521, [CASE_KEY_RSA_3072] = SIGKEY_RSA,
};

/* Signature algorithms each key type can serve: RFC 8709, RFC 5656 section
 * 6.2.1, RFC 8332 section 3 (rsa-sha2-*) and RFC 4253 section 6.6 (ssh-rsa). */
static const char *type_algorithms(enum sigkey_type t)
{
	switch (t) {
	case SIGKEY_ED25519:
		return "ssh-ed25519";
	case SIGKEY_ECDSA_P256:
		return "ecdsa-sha2-nistp256";
	case SIGKEY_ECDSA_P384:
		return "ecdsa-sha2-nistp384";
	case SIGKEY_ECDSA_P521:
		return "ecdsa-sha2-nistp521";
	case SIGKEY_RSA:
		return "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
	}
	return "";
}

static bool key_valid(enum case_key k)
{
	return (unsigned)k < CASE_KEY_COUNT;
}

const char *testkey_openssh_private(enum case_key k)
{
	return key_valid(k) ? key_text[k] : NULL;
}

sd_err testkey_load(enum case_key k, struct sigkey **out)
{
	*out = NULL;
	if (!key_valid(k))
		return SD_ERR_INVALID_ARG;
	return sigkey_from_openssh_private(span_cstr(key_text[k]), out);
}

enum sigkey_type testkey_type(enum case_key k)
{
	return key_valid(k) ? key_type[k] : SIGKEY_ED25519;
}

const char *testkey_algorithms(enum case_key k)
{
	return key_valid(k) ? type_algorithms(key_type[k]) : "";
}

/* The first key of the algorithm's type; an unknown name gets ed25519-a, the
 * default host key, so a case with a bogus algorithm still has a key and the
 * backends, not this lookup, decide what the name means. */
enum case_key testkey_for_alg(struct span alg)
{
	const struct sig_alg *a = sig_alg_by_name(alg);

	if (!a)
		return CASE_KEY_ED25519_A;
	for (unsigned k = 0; k < CASE_KEY_COUNT; k++)
		if (key_type[k] == a->type)
			return (enum case_key)k;
	return CASE_KEY_ED25519_A;
}

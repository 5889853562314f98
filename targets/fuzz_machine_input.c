/*
 * fuzz_machine_input — any byte sequence fed to either role of the engine
 * must end in a clean close with a named rule: never a crash, a leak or a
 * hang.  The first input byte picks the role; the rest follows a valid
 * identification line, so the fuzzer spends its time in the packet and
 * message layers rather than on the banner.
 *
 * This is the engine's smoke target; the differential targets and the
 * custom mutator live beside it (issue 4).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/crypto/sigkey.h"
#include "proto/machine.h"
#include "proto/rng.h"

static struct sigkey *host_key;
static struct sigkey *user_key;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	uint8_t seed[32] = {1};
	if (sigkey_from_ed25519_seed(seed, &host_key) != SD_OK)
		abort();
	seed[0] = 2;
	if (sigkey_from_ed25519_seed(seed, &user_key) != SD_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct rng_seeded rng;
	rng_seeded_init(&rng, "fuzz", 4);
	struct machine_config cfg = {
		.role = (data[0] & 1) ? MACHINE_SERVER : MACHINE_CLIENT,
		.rng = &rng.base,
		.host_keys = &host_key,
		.n_host_keys = 1,
		.auth_user = "u",
		.auth_password = "p",
		.authorized_keys = &user_key,
		.n_authorized_keys = 1,
		.user = "u",
		.password = "p",
		.identities = &user_key,
		.n_identities = 1,
	};
	struct machine *m;
	if (machine_new(&cfg, &m) != SD_OK)
		abort();
	static const char ident[] = "SSH-2.0-fuzz\r\n";
	sd_err e = machine_input(m, (const uint8_t *)ident, sizeof ident - 1);
	/* Feed in two pieces so partial-packet paths run too. */
	size_t half = (size - 1) / 2;
	if (e == SD_OK)
		e = machine_input(m, data + 1, half);
	if (e == SD_OK)
		e = machine_input(m, data + 1 + half, size - 1 - half);
	machine_input_eof(m);
	const struct machine_result *r = machine_result(m);
	/* A closed machine must say which rule ended it. */
	if (r->closed && r->error == SD_OK && r->auth != AUTH_SUCCESS)
		abort();
	if (strcmp(sd_err_rule(r->error), "?") == 0)
		abort();
	machine_free(m);
	return 0;
}

/*
 * fuzz_parse_packet — parser-level differential target: the binary packet protocol before the first NEWKEYS: the engine's
 * packet_open against the verifier's vdir_open on the same byte stream.
 * targets/common/parse_pair.h has the input format and what agreeing means
 * (same verdict and rule, same fields, exact re-encoding).  A disagreement
 * prints one line, "sshdiff-parser-divergence: fuzz_parse_packet|<message>|
 * <what differs>", and aborts (docs/fuzzing.md).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "targets/common/parse_pair.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pp_target *t;
	if (!t && !(t = pp_target_by_name("fuzz_parse_packet")))
		abort();
	pp_target_run(t, data, size);
	return 0;
}

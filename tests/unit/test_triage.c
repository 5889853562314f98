/*
 * test_triage.c — crash signatures from real sanitizer reports
 * (tests/unit/data/, captured from a real crashing target: see its
 * README.md): the crash type and the top three meaningful frames, runtime,
 * libc, libFuzzer and the fuzz entry point skipped (docs/fuzzing.md,
 * "Triage").  The parser is replay/sanitizer.c, compiled in here because
 * it belongs to the sshdiff executable, not to a library.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/sanitizer.c"
#include "tests/support/check.h"

static char *load(const char *name)
{
	char path[PATH_MAX];
	char *buf;

	snprintf(path, sizeof(path), "%s/tests/unit/data/%s", SSHDIFF_SOURCE_DIR, name);
	if (!(buf = check_read_file(path, NULL)))
		check_fail(__FILE__, __LINE__, "cannot read %s", path);
	return buf;
}

/* The signature of a captured report, as triage stores it. */
static void check_report(const char *file, const char *want_sig)
{
	struct crash_report r;
	char sig[512];
	char *text = load(file);

	if (!text)
		return;
	crash_report_parse(text, &r);
	CHECK_OK(crash_signature("fuzz_crashers", &r, sig, sizeof(sig)));
	if (strcmp(sig, want_sig) != 0)
		check_fail(__FILE__, __LINE__, "%s: got '%s', want '%s'", file, sig, want_sig);
	free(text);
}

static void test_captured_reports(void)
{
	check_report("asan-heap-buffer-overflow.txt",
		     "crash fuzz_crashers|heap-buffer-overflow READ 4|field_length|parse_packet|-");
	check_report("asan-heap-use-after-free.txt", "crash fuzz_crashers|heap-use-after-free READ 1|use_after_free|-|-");
	check_report("asan-segv.txt", "crash fuzz_crashers|SEGV on unknown address|deref|-|-");
	check_report("asan-abrt-parser-divergence.txt", "crash fuzz_crashers|ABRT on unknown address|compare_decoders|-|-");
	check_report("libfuzzer-deadly-signal-parser-divergence.txt",
		     "crash fuzz_crashers|deadly signal|compare_decoders|-|-");
	check_report("lsan-leak.txt", "crash fuzz_crashers|leak|keep_name|-|-");
	check_report("ubsan-signed-overflow.txt",
		     "crash fuzz_crashers|UndefinedBehaviorSanitizer: signed integer overflow|add_lengths|-|-");
	check_report("libfuzzer-oom.txt", "crash fuzz_crashers|out-of-memory|grow_table|-|-");
	check_report("libfuzzer-timeout.txt", "crash fuzz_crashers|timeout|spin|-|-");
}

/* The divergence lines come out whole, whatever report follows. */
static void test_divergence_lines(void)
{
	struct crash_report r;
	char *text = load("libfuzzer-deadly-signal-parser-divergence.txt");

	if (!text)
		return;
	crash_report_parse(text, &r);
	CHECK_STR(r.parser_divergence,
		  "fuzz_crashers|kexinit: engine accepts, verifier rejects (RFC4253-7.1-reserved)");
	CHECK_STR(r.divergence, "");
	free(text);

	crash_report_parse("INFO: Seed: 1\nRunning: x\nsshdiff-divergence: send KEXINIT|RFC4253-7.1-reserved|"
			   "libssh=accept,own=reject,verifier=reject\r\nsshdiff-case 1\n"
			   "==7== ERROR: libFuzzer: deadly signal\n",
			   &r);
	CHECK_STR(r.divergence, "send KEXINIT|RFC4253-7.1-reserved|libssh=accept,own=reject,verifier=reject");
	CHECK_STR(r.type, "deadly signal");
	CHECK_EQ_U(r.n_frames, 0);
}

/* Three frames at most, the deepest first; C++ argument lists and modules
 * dropped; unnamed frames skipped. */
static void test_frames(void)
{
	static const char report[] =
		"==9==ERROR: AddressSanitizer: stack-buffer-overflow on address 0x7ffc at pc 0x1 bp 0x2 sp 0x3\n"
		"WRITE of size 8 at 0x7ffc thread T0\n"
		"    #0 0x4a in __asan_memcpy (/b/t+0x4a) (BuildId: 00)\n"
		"    #1 0x4b in sbuf_put /src/proto/wire.c:40:2\n"
		"    #2 0x4c  (/lib/x86_64-linux-gnu/libc.so.6+0x3c04f)\n"
		"    #3 0x4d in ns::Parser::take(unsigned char const*, unsigned long) (/b/t+0x4d)\n"
		"    #4 0x4e in msg_parse /src/proto/msg.c:12:9\n"
		"    #5 0x4f in extra_frame /src/proto/msg.c:99:1\n"
		"\n"
		"    #0 0x50 in other_stack /src/x.c:1:1\n";
	struct crash_report r;
	char sig[512];

	crash_report_parse(report, &r);
	CHECK_STR(r.type, "stack-buffer-overflow WRITE 8");
	CHECK_EQ_U(r.n_frames, 3);
	CHECK_STR(r.frames[0], "sbuf_put");
	CHECK_STR(r.frames[1], "ns::Parser::take");
	CHECK_STR(r.frames[2], "msg_parse");
	CHECK_OK(crash_signature("fuzz_t", &r, sig, sizeof(sig)));
	CHECK_STR(sig, "crash fuzz_t|stack-buffer-overflow WRITE 8|sbuf_put|ns::Parser::take|msg_parse");
	CHECK_ERR(crash_signature("fuzz_t", &r, sig, 20), SD_ERR_LIMIT);
	CHECK_EQ_U(strlen(sig), 19);
}

/* Values and addresses are not part of the type; names with digits are. */
static void test_normalised_types(void)
{
	struct crash_report a, b;

	crash_report_parse("x.c:3:4: runtime error: shift exponent 40 is too large for 32-bit type 'uint32_t'\n", &a);
	crash_report_parse("x.c:9:4: runtime error: shift exponent 33 is too large for 32-bit type 'uint32_t'\n", &b);
	CHECK_STR(a.type, "UndefinedBehaviorSanitizer: shift exponent N is too large for N-bit type 'uint32_t'");
	CHECK_STR(a.type, b.type);
	crash_report_parse("==1==ERROR: AddressSanitizer: attempting double-free on 0x602000000010 in thread T0:\n"
			   "    #0 0x1 in free (/b/t+0x1)\n    #1 0x2 in key_free /src/k.c:5:2\n\n"
			   "SUMMARY: AddressSanitizer: double-free (/b/t+0x1) in free\n",
			   &a);
	CHECK_STR(a.type, "double-free");
	CHECK_EQ_U(a.n_frames, 1);
	CHECK_STR(a.frames[0], "key_free");
	crash_report_parse("==1==ERROR: UndefinedBehaviorSanitizer: SEGV on unknown address 0x000000000010 (pc 0x1)\n", &a);
	CHECK_STR(a.type, "UndefinedBehaviorSanitizer: SEGV on unknown address");
	/* Nothing recognisable: no type, no frames. */
	crash_report_parse("INFO: Running\nExecuted x in 1 ms\n", &a);
	CHECK_STR(a.type, "");
	CHECK_EQ_U(a.n_frames, 0);
}

int main(void)
{
	test_captured_reports();
	test_divergence_lines();
	test_frames();
	test_normalised_types();
	return check_finish();
}

/*
 * sanitizer.c — what a fuzz target printed when it failed, as a crash
 * signature (docs/fuzzing.md, "Triage"): the crash type plus the top three
 * meaningful stack frames, the way ClusterFuzz deduplicates crashes.
 *
 * Reports read: AddressSanitizer ("ERROR: AddressSanitizer: <type> on
 * address ..." then "READ of size N"), LeakSanitizer ("detected memory
 * leaks", the first direct leak's allocation stack), UndefinedBehaviorSanitizer
 * ("file:line:col: runtime error: <what>: <values>") and libFuzzer's own
 * ("ERROR: libFuzzer: timeout after N seconds", "out-of-memory (...)",
 * "deadly signal").  Only the first report counts: what follows it (a
 * second report, "allocated by" stacks) describes the same crash.
 *
 * The type keeps no address or value (a different pointer is the same bug)
 * and the frames are function names without file:line (an edit elsewhere
 * in the file is the same bug).  Depends on nothing but libc, so the unit
 * test compiles it directly.
 */
#include "replay/fuzz.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Frames that say where the crash was reported, not where the bug is. */
static const char *const skip_names[] = {
	"abort", "raise", "gsignal", "pthread_kill", "__pthread_kill_implementation", "__pthread_kill_internal",
	"_start", "main", "LLVMFuzzerTestOneInput", "malloc", "calloc", "realloc", "reallocarray", "free",
	"posix_memalign", "aligned_alloc", "memalign", "valloc", "strdup", "strndup", "memcpy", "memmove",
	"memset", "memcmp", "bcmp", "strlen", "strnlen", "strcmp", "strncmp", "strcpy", "strncpy", "strcat",
	"strchr", "strrchr", "strstr", "__assert_fail", "__assert_fail_base", "operator new", "operator delete",
	"operator new[]", "operator delete[]",
};
static const char *const skip_prefixes[] = {
	"__sanitizer", "__asan", "__lsan", "__ubsan", "__msan", "__tsan", "__interceptor_", "___interceptor_",
	"__interception", "fuzzer::", "__libc_", "__GI_", "__afl", "afl_", "LLVMFuzzerRunDriver",
};
/* Where the sanitizer runtime, libFuzzer and libc live when symbolized
 * with a file, or as a module. */
static const char *const skip_locations[] = {
	"compiler-rt/", "/libc.so", "/libc-", "/ld-linux", "libstdc++", "libgcc_s", "csu/", "nptl/", "sysdeps/",
	"stdlib/", "aflpp_driver", "libAFLDriver",
};

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void copy_span(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void trim_right(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* Numbers (decimal, 0x hex) that stand alone become "N": values and
 * addresses differ between occurrences of one bug.  Digits inside a name
 * ('uint8_t') stay. */
static void normalise_numbers(char *s)
{
	char out[256];
	size_t o = 0;

	for (size_t i = 0; s[i] && o + 1 < sizeof(out);) {
		bool standalone = i == 0 || !(isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_');

		if (standalone && isdigit((unsigned char)s[i])) {
			if (s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
				i += 2;
			while (isxdigit((unsigned char)s[i]))
				i++;
			out[o++] = 'N';
			continue;
		}
		out[o++] = s[i++];
	}
	out[o] = '\0';
	strcpy(s, out);
}

/* One line of text, NUL-terminated, in a fixed buffer (longer lines cut). */
static const char *next_line(const char *p, char *line, size_t size)
{
	const char *nl = strchr(p, '\n');
	size_t len = nl ? (size_t)(nl - p) : strlen(p);

	copy_span(line, size, p, len);
	if (len && line[strlen(line) - 1] == '\r')
		line[strlen(line) - 1] = '\0';
	return nl ? nl + 1 : p + len;
}

/* "    #3 0x55d0 in name(args) /path/file.c:1:2" → "name"; false when the
 * line is not a frame.  *known: the frame names a function. */
static bool parse_frame(const char *line, char *fn, size_t fn_size, char *loc, size_t loc_size, bool *known)
{
	const char *p = line, *in, *end;
	char rest[512];
	size_t n;

	*known = false;
	fn[0] = loc[0] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '#' || !isdigit((unsigned char)p[1]))
		return false;
	p++;
	while (isdigit((unsigned char)*p))
		p++;
	if (strncmp(p, " 0x", 3) != 0)
		return false;
	p += 3;
	while (isxdigit((unsigned char)*p))
		p++;
	if (!starts_with(p, " in ")) {
		/* "#3 0x7f  (/lib/x86_64-linux-gnu/libc.so.6+0x3c04f)": no name. */
		copy_span(loc, loc_size, p, strlen(p));
		return true;
	}
	in = p + 4;
	copy_span(rest, sizeof(rest), in, strlen(in));
	/* Drop " (BuildId: ...)", then the module "(/path/bin+0x...)" or the
	 * file "/path/file.c:12:3" after the last space. */
	if ((end = strstr(rest, " (BuildId:")) != NULL)
		rest[end - rest] = '\0';
	trim_right(rest);
	n = strlen(rest);
	end = strrchr(rest, ' ');
	if (n && rest[n - 1] == ')' && (end = strstr(rest, " (")) != NULL && strstr(end, "+0x")) {
		const char *last = end;

		/* The module is the last " (...)"; C++ arguments come before. */
		while ((end = strstr(last + 2, " (")) != NULL && strstr(end, "+0x"))
			last = end;
		copy_span(loc, loc_size, last + 2, strlen(last + 2));
		rest[last - rest] = '\0';
	} else if (end && (strchr(end + 1, '/') || strchr(end + 1, ':'))) {
		copy_span(loc, loc_size, end + 1, strlen(end + 1));
		rest[end - rest] = '\0';
	}
	/* C++ argument lists go: the name is what identifies the function. */
	if ((end = strchr(rest, '(')) != NULL && end != rest)
		rest[end - rest] = '\0';
	trim_right(rest);
	if (rest[0] && strcmp(rest, "??") != 0) {
		copy_span(fn, fn_size, rest, strlen(rest));
		*known = true;
	}
	return true;
}

static bool meaningful(const char *fn, const char *loc)
{
	for (size_t i = 0; i < sizeof(skip_names) / sizeof(skip_names[0]); i++)
		if (strcmp(fn, skip_names[i]) == 0)
			return false;
	for (size_t i = 0; i < sizeof(skip_prefixes) / sizeof(skip_prefixes[0]); i++)
		if (starts_with(fn, skip_prefixes[i]))
			return false;
	for (size_t i = 0; i < sizeof(skip_locations) / sizeof(skip_locations[0]); i++)
		if (strstr(loc, skip_locations[i]))
			return false;
	return true;
}

/* The first stack at or after p: up to CRASH_FRAMES meaningful frames. */
static void read_stack(const char *p, struct crash_report *r)
{
	char line[1024], fn[160], loc[512];
	bool in_stack = false, known;

	while (*p && r->n_frames < CRASH_FRAMES) {
		p = next_line(p, line, sizeof(line));
		if (!parse_frame(line, fn, sizeof(fn), loc, sizeof(loc), &known)) {
			if (in_stack)
				return; /* the first stack ended */
			continue;
		}
		in_stack = true;
		if (known && meaningful(fn, loc))
			snprintf(r->frames[r->n_frames++], sizeof(r->frames[0]), "%s", fn);
	}
}

/* "heap-buffer-overflow on address 0x..." → "heap-buffer-overflow";
 * "SEGV on unknown address 0x0 (pc ...)" → "SEGV on unknown address";
 * otherwise the SUMMARY line's type ("double-free"), else the text with
 * numbers normalised. */
static void sanitizer_type(const char *desc, const char *after, char *type, size_t size)
{
	const char *cut, *summary;
	char buf[256];

	if ((cut = strstr(desc, " on unknown address")) != NULL) {
		copy_span(buf, sizeof(buf), desc, (size_t)(cut - desc) + strlen(" on unknown address"));
	} else if ((cut = strstr(desc, " on address")) != NULL) {
		copy_span(buf, sizeof(buf), desc, (size_t)(cut - desc));
	} else if ((summary = strstr(after, "SUMMARY: ")) != NULL && (summary = strstr(summary, "Sanitizer: ")) != NULL) {
		summary += strlen("Sanitizer: ");
		copy_span(buf, sizeof(buf), summary, strcspn(summary, " \n"));
	} else {
		copy_span(buf, sizeof(buf), desc, strcspn(desc, ":"));
		normalise_numbers(buf);
	}
	trim_right(buf);
	snprintf(type, size, "%s", buf);
}

/* "READ of size 4 at 0x..." in the lines after the ERROR line, before the
 * stack: " READ 4". */
static void access_suffix(const char *p, char *type, size_t size)
{
	char line[512];
	unsigned long n;
	char what[8];

	for (int i = 0; i < 4 && *p; i++) {
		p = next_line(p, line, sizeof(line));
		if (sscanf(line, "%7s of size %lu", what, &n) == 2 && (strcmp(what, "READ") == 0 || strcmp(what, "WRITE") == 0)) {
			size_t len = strlen(type);

			snprintf(type + len, size - len, " %s %lu", what, n);
			return;
		}
		if (strstr(line, "#0 "))
			return;
	}
}

/* "timeout after 3 seconds" → "timeout", "out-of-memory (malloc(42))" →
 * "out-of-memory", "deadly signal", "fuzz target exited". */
static void libfuzzer_type(const char *desc, char *type, size_t size)
{
	char buf[160];
	char *cut;

	copy_span(buf, sizeof(buf), desc, strlen(desc));
	if ((cut = strstr(buf, " after ")) != NULL)
		*cut = '\0';
	if ((cut = strstr(buf, " (")) != NULL)
		*cut = '\0';
	trim_right(buf);
	normalise_numbers(buf);
	snprintf(type, size, "%s", buf);
}

/* The leak report's stack: the first direct leak, else the first leak. */
static const char *leak_stack(const char *from)
{
	const char *first = strstr(from, "Direct leak of ");

	if (!first)
		first = strstr(from, "leak of ");
	return first ? first : from;
}

static void first_payload(const char *text, const char *prefix, char *out, size_t size)
{
	const char *p = text;
	char line[1024];

	while (*p) {
		const char *start = p;

		p = next_line(p, line, sizeof(line));
		if (starts_with(line, prefix)) {
			/* The whole line, even past the local buffer. */
			const char *v = start + strlen(prefix);

			copy_span(out, size, v, strcspn(v, "\r\n"));
			return;
		}
	}
}

void crash_report_parse(const char *text, struct crash_report *r)
{
	const char *p = text;
	char line[1024];

	memset(r, 0, sizeof(*r));
	first_payload(text, "sshdiff-divergence: ", r->divergence, sizeof(r->divergence));
	first_payload(text, "sshdiff-parser-divergence: ", r->parser_divergence, sizeof(r->parser_divergence));
	while (*p) {
		const char *m;

		p = next_line(p, line, sizeof(line));
		if ((m = strstr(line, "ERROR: LeakSanitizer: ")) != NULL) {
			snprintf(r->type, sizeof(r->type), "leak");
			read_stack(leak_stack(p), r);
			return;
		}
		if ((m = strstr(line, "ERROR: libFuzzer: ")) != NULL) {
			libfuzzer_type(m + strlen("ERROR: libFuzzer: "), r->type, sizeof(r->type));
			read_stack(p, r);
			return;
		}
		if ((m = strstr(line, ": runtime error: ")) != NULL) {
			char what[256];

			m += strlen(": runtime error: ");
			copy_span(what, sizeof(what), m, strcspn(m, ":"));
			trim_right(what);
			normalise_numbers(what);
			snprintf(r->type, sizeof(r->type), "UndefinedBehaviorSanitizer: %s", what);
			read_stack(p, r);
			return;
		}
		if ((m = strstr(line, "Sanitizer: ")) != NULL && strstr(line, "ERROR: ") && m > strstr(line, "ERROR: ")) {
			const char *name = strstr(line, "ERROR: ") + strlen("ERROR: ");
			char desc[512];

			copy_span(desc, sizeof(desc), m + strlen("Sanitizer: "), strlen(m + strlen("Sanitizer: ")));
			sanitizer_type(desc, p, r->type, sizeof(r->type));
			/* ASan's types are ClusterFuzz's; others name their tool. */
			if (!starts_with(name, "AddressSanitizer")) {
				char tmp[160];

				snprintf(tmp, sizeof(tmp), "%.*sSanitizer: %s", (int)(m - name), name, r->type);
				snprintf(r->type, sizeof(r->type), "%s", tmp);
			}
			access_suffix(p, r->type, sizeof(r->type));
			read_stack(p, r);
			return;
		}
	}
}

sd_err crash_signature(const char *target, const struct crash_report *r, char *out, size_t size)
{
	int n = snprintf(out, size, "crash %s|%s|%s|%s|%s", target, r->type[0] ? r->type : "unknown",
			 r->n_frames > 0 ? r->frames[0] : "-", r->n_frames > 1 ? r->frames[1] : "-",
			 r->n_frames > 2 ? r->frames[2] : "-");

	return n >= 0 && (size_t)n < size ? SD_OK : SD_ERR_LIMIT;
}

/*
 * check.h — the assertions every test uses.  A failed check prints file,
 * line and what differed, and the test exits non-zero at check_finish().
 */
#ifndef SSHDIFF_TESTS_CHECK_H
#define SSHDIFF_TESTS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/errors.h"
#include "proto/wire.h"

extern int check_failures;
extern int check_count;

void check_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints "N passed, N failed" and returns the exit status for main(). */
int check_finish(void);
/* Decodes hex (whitespace ignored) into a new sbuf; aborts on bad input. */
struct sbuf check_hex(const char *hex);
void check_dump(const char *label, const uint8_t *p, size_t n);
/* The whole of the file at path, NUL-terminated (malloc'd); *len gets its
 * size when len is not NULL.  NULL when it cannot be read: the caller
 * decides whether that is a failure. */
char *check_read_file(const char *path, size_t *len);

#define CHECK(cond)                                                                    \
	do {                                                                           \
		check_count++;                                                         \
		if (!(cond))                                                           \
			check_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);            \
	} while (0)

#define CHECK_ERR(expr, want)                                                          \
	do {                                                                           \
		check_count++;                                                         \
		sd_err got_ = (expr);                                                  \
		if (got_ != (want))                                                    \
			check_fail(__FILE__, __LINE__, "%s: got %s (%s), want %s (%s)",   \
				   #expr, sd_err_name(got_), sd_err_rule(got_),        \
				   sd_err_name(want), sd_err_rule(want));              \
	} while (0)

#define CHECK_OK(expr) CHECK_ERR(expr, SD_OK)

#define CHECK_MEM(a, b, n)                                                             \
	do {                                                                           \
		check_count++;                                                         \
		if (memcmp((a), (b), (n)) != 0) {                                      \
			check_fail(__FILE__, __LINE__, "memory differs: %s vs %s", #a, #b); \
			check_dump("got ", (const uint8_t *)(a), (n));                 \
			check_dump("want", (const uint8_t *)(b), (n));                 \
		}                                                                      \
	} while (0)

#define CHECK_EQ_U(a, b)                                                               \
	do {                                                                           \
		check_count++;                                                         \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
		if (a_ != b_)                                                          \
			check_fail(__FILE__, __LINE__, "%s == %s: %llu != %llu", #a, #b, a_, b_); \
	} while (0)

#define CHECK_STR(a, b)                                                                \
	do {                                                                           \
		check_count++;                                                         \
		const char *a_ = (a), *b_ = (b);                                       \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                                 \
			check_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
				   a_ ? a_ : "(null)", b_ ? b_ : "(null)");            \
	} while (0)

#endif

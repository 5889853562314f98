/*
 * casetest.h — editing cases and looking at observations in tests that run
 * backends (test_actor, test_backend_libssh, test_verifier): one copy of the
 * small helpers they all need.  Out-of-range edits abort: a test that asks
 * for one is wrong, not the code under test.
 */
#ifndef SSHDIFF_TESTS_CASETEST_H
#define SSHDIFF_TESTS_CASETEST_H

#include <stdbool.h>

#include "oracle/backend.h"
#include "oracle/case.h"

/* "iut-server" / "iut-client", for messages. */
const char *tc_role_name(enum case_role r);
/* dst (a CASE_NAME_MAX field of a case) := src, truncated. */
void tc_set_str(char *dst, const char *src);
/* Index of the first step of that kind and message, or -1. */
int tc_find_step(const struct sshdiff_case *c, enum case_step_kind kind, enum case_msg msg);
/* Inserts a step before index `at`; returns it (zeroed but for kind/msg). */
struct case_step *tc_insert_step(struct sshdiff_case *c, int at, enum case_step_kind kind, enum case_msg msg);
/* Appends a zeroed mutation of that kind to the step. */
struct case_mutation *tc_add_mutation(struct case_step *s, enum case_mutation_kind kind);
/* Every step of the script accepted. */
bool tc_all_accept(const struct sshdiff_case *c, const struct observations *o);
/* The outcome, negotiated names and step table on stderr, for a failing check. */
void tc_print_obs(const char *label, const struct sshdiff_case *c, const struct observations *o);

#endif

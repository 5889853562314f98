/*
 * backends_list.h — every backend the registry (backends.c) lists.  Adding a
 * backend = its file oracle/backend_NAME.c defining `const struct backend
 * backend_NAME`, one extern line here, one line in backends.c.
 */
#ifndef SSHDIFF_ORACLE_BACKENDS_LIST_H
#define SSHDIFF_ORACLE_BACKENDS_LIST_H

#include "oracle/backend.h"

extern const struct backend backend_own; /* oracle/backend_own.c: the project's engine */
extern const struct backend backend_libssh; /* oracle/backend_libssh.c: libssh 0.10, both roles */
extern const struct backend backend_verifier; /* oracle/backend_verifier.c: the independent RFC model */

#endif

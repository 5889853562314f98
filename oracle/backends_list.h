/*
 * backends_list.h — the registry's one list.  Adding a backend = its file
 * oracle/backend_NAME.c defining `const struct backend backend_NAME`, plus
 * one X(NAME) line below; the declarations and the backends[] array
 * (backends.c) both come from this list.  Order = report order.
 */
#ifndef SSHDIFF_ORACLE_BACKENDS_LIST_H
#define SSHDIFF_ORACLE_BACKENDS_LIST_H

#include "oracle/backend.h"

#define SSHDIFF_BACKENDS(X)                                                    \
	X(own)      /* oracle/backend_own.c: the project's engine */               \
	X(libssh)   /* oracle/backend_libssh.c: libssh 0.10, both roles */          \
	X(verifier) /* oracle/backend_verifier.c: the independent RFC model */

#define SSHDIFF_BACKEND_DECLARE_(name) extern const struct backend backend_##name;
SSHDIFF_BACKENDS(SSHDIFF_BACKEND_DECLARE_)
#undef SSHDIFF_BACKEND_DECLARE_

#endif

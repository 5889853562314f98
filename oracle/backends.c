/*
 * backends.c — the registry: every backend, in report order.  Adding a
 * backend is one line here (and its extern in backends_list.h).
 */
#include "oracle/backends_list.h"

#include <stddef.h>

const struct backend *const backends[] = {
	&backend_own,
	&backend_libssh,
	&backend_verifier,
	NULL,
};

/*
 * backends.c — the registry array, generated from the list in
 * backends_list.h (one line there per backend).
 */
#include "oracle/backends_list.h"

#include <stddef.h>

#define SSHDIFF_BACKEND_ENTRY_(name) &backend_##name,
const struct backend *const backends[] = {SSHDIFF_BACKENDS(SSHDIFF_BACKEND_ENTRY_) NULL};

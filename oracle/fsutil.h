/*
 * fsutil.h — durable file writes for the finding store: a file is written
 * to a temporary name in its folder, fsync'd, then renamed over the final
 * name (rename is atomic within a file system, POSIX), and the folder is
 * fsync'd so the new name survives a power cut.  A process killed at any
 * moment leaves either the old file or the whole new one under the final
 * name, never part of one.
 */
#ifndef SSHDIFF_ORACLE_FSUTIL_H
#define SSHDIFF_ORACLE_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "proto/errors.h"

/* Creates dir and its missing parents (mode 0755).  SD_ERR_INVALID_ARG with
 * errno set on failure. */
sd_err fs_mkdir_p(const char *dir);
/* dir/name := data, atomically (see above); dir is not fsync'd. */
sd_err fs_write_atomic(const char *dir, const char *name, const uint8_t *data, size_t len);
/* fsync of a folder: makes renames and new entries in it durable. */
sd_err fs_sync_dir(const char *dir);

#endif

/*
 * fsutil.c — mkdir -p and temp-fsync-rename writes (see fsutil.h).
 */
#include "oracle/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

sd_err fs_mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return SD_ERR_INVALID_ARG;
	}
	memcpy(path, dir, len + 1);
	/* Each prefix ending before a '/', then the whole path. */
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return SD_ERR_INVALID_ARG;
		path[i] = i < len ? '/' : '\0';
	}
	struct stat st;
	if (stat(dir, &st) != 0)
		return SD_ERR_INVALID_ARG;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return SD_ERR_INVALID_ARG;
	}
	return SD_OK;
}

static sd_err write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return SD_ERR_INVALID_ARG;
		p += w;
		n -= (size_t)w;
	}
	return SD_OK;
}

sd_err fs_write_atomic(const char *dir, const char *name, const uint8_t *data, size_t len)
{
	char final[PATH_MAX], tmp[PATH_MAX];
	int fd, saved;

	if ((size_t)snprintf(final, sizeof(final), "%s/%s", dir, name) >= sizeof(final) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return SD_ERR_INVALID_ARG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return SD_ERR_INVALID_ARG;
	if (write_all(fd, data, len) != SD_OK || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return SD_ERR_INVALID_ARG;
	}
	if (close(fd) != 0 || rename(tmp, final) != 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return SD_ERR_INVALID_ARG;
	}
	return SD_OK;
}

sd_err fs_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return SD_ERR_INVALID_ARG;
	rc = fsync(fd);
	close(fd);
	return rc == 0 ? SD_OK : SD_ERR_INVALID_ARG;
}

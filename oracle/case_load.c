/*
 * case_load.c — reading a case file from disk: binary when it starts with
 * CASE_MAGIC's first 7 bytes ("SSHDIFF"), text otherwise.  Every error
 * message starts with the path and names the line (text) or the byte offset
 * (binary), because `sshdiff replay` shows it as is and exits 2.
 */
#include "oracle/case_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Far above any real case (48 steps of 4 x 512 bytes of hex is ~200 KiB),
 * within what an sbuf may hold; stops us reading a wrong, huge file whole. */
#define READ_CHUNK 65536u
#define CASE_FILE_MAX (SBUF_MAX - READ_CHUNK)

static sd_err read_file(const char *path, struct sbuf *out, char *msg, size_t msg_size)
{
	FILE *f = fopen(path, "rb");
	sd_err e = SD_OK;

	if (!f) {
		snprintf(msg, msg_size, "%s: cannot open: %s", path, strerror(errno));
		return SD_ERR_INVALID_ARG;
	}
	for (;;) {
		uint8_t *w;
		if (out->len >= CASE_FILE_MAX) {
			snprintf(msg, msg_size, "%s: larger than %u bytes: not a case file", path, CASE_FILE_MAX);
			e = SD_ERR_LIMIT;
			break;
		}
		if ((e = sbuf_reserve(out, READ_CHUNK, &w)) != SD_OK) {
			snprintf(msg, msg_size, "%s: %s", path, sd_err_text(e));
			break;
		}
		size_t n = fread(w, 1, READ_CHUNK, f);
		out->len -= READ_CHUNK - n;
		if (n < READ_CHUNK) {
			if (ferror(f)) {
				snprintf(msg, msg_size, "%s: read error: %s", path, strerror(errno));
				e = SD_ERR_INVALID_ARG;
			}
			break;
		}
	}
	fclose(f);
	return e;
}

sd_err case_load(const char *path, struct sshdiff_case *c, char *err_msg, size_t err_msg_size)
{
	struct sbuf file = SBUF_INIT;
	char dummy[1], detail[256];
	unsigned line = 0;
	sd_err e;

	if (!err_msg || !err_msg_size)
		err_msg = dummy, err_msg_size = sizeof dummy;
	err_msg[0] = '\0';
	detail[0] = '\0';
	if ((e = read_file(path, &file, err_msg, err_msg_size)) != SD_OK)
		goto out;
	if (file.len == 0) {
		snprintf(err_msg, err_msg_size, "%s: empty case file", path);
		e = SD_ERR_INVALID_ARG;
	} else if (file.len >= 7 && memcmp(file.data, CASE_MAGIC, 7) == 0) {
		e = case_parse_binary_file(file.data, file.len, c, detail, sizeof detail);
		if (e)
			snprintf(err_msg, err_msg_size, "%s: %s", path, detail);
	} else {
		e = case_parse_text((const char *)file.data, file.len, c, &line, detail, sizeof detail);
		if (e)
			snprintf(err_msg, err_msg_size, "%s:%u: %s", path, line, detail);
	}
out:
	sbuf_free(&file);
	return e;
}

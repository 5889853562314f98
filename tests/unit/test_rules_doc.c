/* docs/rules.md must list every rule identifier of proto/errors.h with its
 * constant, so the published catalogue cannot drift from the code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/check.h"

int main(void)
{
	const char *path = SSHDIFF_SOURCE_DIR "/docs/rules.md";
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return check_finish();
	static char doc[1 << 16];
	size_t n = fread(doc, 1, sizeof doc - 1, f);
	fclose(f);
	doc[n] = 0;
	for (int e = SD_ERR_NOMEM; e < SD_ERR_COUNT_; e++) {
		char row[256];
		snprintf(row, sizeof row, "| `%s` | `%s` |", sd_err_rule((sd_err)e), sd_err_name((sd_err)e));
		if (!strstr(doc, row))
			check_fail(__FILE__, __LINE__, "docs/rules.md lacks the row for %s", sd_err_name((sd_err)e));
		check_count++;
	}
	/* identifiers are unique except where two constants deliberately share
	 * none: every rule id appears once */
	for (int a = SD_ERR_NOMEM; a < SD_ERR_COUNT_; a++)
		for (int b = a + 1; b < SD_ERR_COUNT_; b++)
			CHECK(strcmp(sd_err_rule((sd_err)a), sd_err_rule((sd_err)b)) != 0);
	return check_finish();
}

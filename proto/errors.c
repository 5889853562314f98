#include "errors.h"

#include <stddef.h>

static const struct {
	const char *name, *rule, *text;
} error_table[] = {
#define SD_ERR_ROW_(name, id, text) {#name, id, text},
	SD_ERRORS(SD_ERR_ROW_)
#undef SD_ERR_ROW_
};

const char *sd_err_rule(sd_err e)
{
	return (unsigned)e < SD_ERR_COUNT_ ? error_table[e].rule : "?";
}

const char *sd_err_name(sd_err e)
{
	return (unsigned)e < SD_ERR_COUNT_ ? error_table[e].name : "?";
}

const char *sd_err_text(sd_err e)
{
	return (unsigned)e < SD_ERR_COUNT_ ? error_table[e].text : "?";
}

/*
 * field_impl.h — internal to ingest/: how the readers of a field_proposal
 * (ingest_case.c builds cases from it, ingest_explain.c explains the
 * negotiation) see one of its lists, defined once in field.c.
 */
#ifndef SSHDIFF_INGEST_FIELD_IMPL_H
#define SSHDIFF_INGEST_FIELD_IMPL_H

#include <stdbool.h>

#include "ingest/ingest.h"
#include "proto/wire.h"

/* Whether list l of p was seen (a log may show only some lists). */
bool field_list_known(const struct field_proposal *p, enum field_list l);
/* List l of p as text (up to its NUL); "" when it was not seen. */
struct span field_list_span(const struct field_proposal *p, enum field_list l);

#endif

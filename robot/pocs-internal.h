/* pocs-internal.h - the record helpers pocs.c (reading, comparing,
 * rendering) and pocs-ops.c (the operations that write) share. */
#ifndef POCBOT_POCS_INTERNAL_H
#define POCBOT_POCS_INTERNAL_H

#include "pocs.h"

/* An empty record (id "", type POC_TYPE_NONE), owning nothing. */
void pocs_reset(struct poc *p);

/* A new array of owned strings; a deep copy of a (NULL: empty, a NULL
 * item: ""); an unref that takes NULL. */
GPtrArray *pocs_strings_new(void);
GPtrArray *pocs_strings_copy(const GPtrArray *a);
void pocs_strings_unref(GPtrArray *a);

/* dst becomes a deep copy of src (dst owns nothing before). */
void pocs_copy(struct poc *dst, const struct poc *src);

#endif

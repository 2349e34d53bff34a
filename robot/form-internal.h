/* form-internal.h - what form.c, form-values.c and form-render.c share;
 * not for other modules (they use form.h). */
#ifndef POCBOT_FORM_INTERNAL_H
#define POCBOT_FORM_INTERNAL_H

#include <glib.h>

/* s without spaces and direction marks at both ends, tabs made spaces.
 * g_free it. */
char *form_trim(const char *s);

/* The items of a list value, trimmed, empty ones dropped: separated by
 * commas and semicolons (ASCII, full-width, ideographic, Arabic), and also
 * by spaces when spaces is set. Free with g_ptr_array_unref. */
GPtrArray *form_split_list(const char *value, gboolean spaces);

/* Which field-* key of words.txt names an enum form_field bit. */
const char *form_field_key(guint32 field);

struct templates;
struct form_fields;

/* Reads value (trimmed, free of bad characters) into field of f and marks
 * it present. NULL, or the errors.txt key of what is wrong with it. */
const char *form_field_set(const struct templates *tpl, struct form_fields *f,
			   guint32 field, const char *value);

#endif

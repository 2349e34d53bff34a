/* form-read.h - the reading of the nomination, update and withdrawal forms
 * of the signed text of a message, in any of the six languages (DESIGN.md section 5).
 *
 * A verb line (NOMINATE, UPDATE, WITHDRAW or their nouns, any language)
 * starts a block; the "Label: value" lines after it belong to it until the
 * next verb line or a line that is neither a label line nor blank. Text
 * before the first verb is ignored; "> " quote prefixes are dropped;
 * DRY-RUN anywhere makes the whole message a dry run. Labels and value
 * words are matched after NFKC and case folding (templates/<lang>/words.txt).
 * Values are checked and normalised here; whether the operation is allowed
 * (State, identifier, status) is decided by robot/pocs-ops.c. The form set
 * and its parts are declared in robot/form.h. What form.c, form-fields.c
 * and form-values.c share is at the end. */
#ifndef POCBOT_FORM_READ_H
#define POCBOT_FORM_READ_H

#include <glib.h>
#include "../robot/form.h"

/* Reads every form of text (UTF-8). Never NULL. */
struct form_set *form_parse(const struct templates *tpl, const char *text);

/* The same, when attached is set key files are attached to the message:
 * an UPDATE may then give no field but its ID (its keys are the files). */
struct form_set *form_parse_keys(const struct templates *tpl, const char *text, gboolean attached);
void form_set_free(struct form_set *set);

/* The checks form_parse applies to single values. Each returns 0 when the value is acceptable,
 * else -1 (bad-characters, bad-email, bad-url). */

/* Bad control or bidi-override characters, or invalid UTF-8: -1. */
int form_check_text(const char *value);

/* One address: ASCII local part (dot-atom), a domain of at least two
 * labels, internationalised domains accepted as written. */
int form_check_email(const char *addr);

/* What is wrong with an address, as a problems.txt key: "email-no-at",
 * "email-two-at", "email-non-ascii" (in the local part), "email-bad-local",
 * "email-bad-domain"; NULL when form_check_email accepts it. Static. */
const char *form_email_problem(const char *addr);

/* An http or https URL with a host. */
int form_check_url(const char *url);

/* One phone number as written -> E.164 ("+" and 8 to 15 digits), or "" when
 * it cannot be normalised; NULL when it is not a phone number at all.
 * g_free it. */
char *form_phone_e164(const char *phone);

/* 1 when phone starts with an international prefix ("+" or "00"): a
 * number without one is refused (phone-no-prefix), never completed with a
 * guessed calling code. */
int form_phone_has_prefix(const char *phone);

/* What form.c, form-fields.c and form-values.c share. */

/* s without spaces and direction marks at both ends, tabs made spaces.
 * g_free it. */
char *form_trim(const char *s);

/* The items of a list value, trimmed, empty ones dropped: separated by
 * commas and semicolons (ASCII, full-width, ideographic, Arabic), and also
 * by spaces when spaces is set. Free with g_ptr_array_unref. */
GPtrArray *form_split_list(const char *value, gboolean spaces);

struct templates;
struct form_fields;

/* Reads value (trimmed, free of bad characters) into field of f and marks
 * it present. NULL, or the errors.txt key of what is wrong with it. */
const char *form_field_set(const struct templates *tpl, struct form_fields *f,
			   guint32 field, const char *value);

#endif

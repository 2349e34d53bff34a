/* form.h - the nomination, update and withdrawal forms a message carries,
 * as filters/form.c reads them for dispatch (the form set a filter leaves
 * in the context), and the names of their parts the robot also uses: type
 * names and letters, field keys, and form_render (robot/form-render.c). */
#ifndef POCBOT_FORM_H
#define POCBOT_FORM_H

#include <glib.h>

struct templates;

enum form_verb { FORM_NOMINATE, FORM_UPDATE, FORM_WITHDRAW };

enum poc_type {
	POC_TYPE_NONE = -1,
	POC_DIPLOMATIC,
	POC_TECHNICAL,
	POC_POLICY,
	POC_LAW_ENFORCEMENT
};

/* Which fields a form gave (bits of form_fields.present). */
enum form_field {
	FIELD_STATE = 1 << 0, FIELD_TYPE = 1 << 1, FIELD_ORGANISATION = 1 << 2, FIELD_WEB = 1 << 3,
	FIELD_EMAIL = 1 << 4, FIELD_PHONE = 1 << 5, FIELD_LANGUAGES = 1 << 6, FIELD_NAME = 1 << 7,
	FIELD_POSITION = 1 << 8, FIELD_NOTES = 1 << 9, FIELD_ID = 1 << 10, FIELD_REASON = 1 << 11,
};

/* The required fields, the rule written once: a NOMINATE must give each
 * (filters/form.c reports each one missing, robot/pocs-ops.c refuses), and
 * an UPDATE may not empty one (pocs-ops.c refuses). */
#define FORM_REQUIRED ((guint32)(FIELD_TYPE | FIELD_ORGANISATION | FIELD_EMAIL | FIELD_PHONE))

struct form_fields {
	guint32 present;		/* enum form_field bits */
	char state[3];			/* alpha-2, "" when absent */
	enum poc_type type;
	char *organisation;		/* each NULL when absent */
	char *web;			/* http(s) URL */
	GPtrArray *emails;		/* char *, as written (IDN domains kept), at least one
					 * when present */
	GPtrArray *phones;		/* char *, as written */
	GPtrArray *phones_e164;		/* char *, "+..." or "" where it could not be
					 * normalised; same length */
	GPtrArray *languages;		/* char *, ISO 639-1 codes (639-3 when there is no
					 * 639-1) */
	char *name, *position, *notes;
	char *id;			/* UPDATE, WITHDRAW: the POC's identifier, e.g. "FR-T-1" */
	char *reason;			/* WITHDRAW */
};

/* A POC's OpenPGP key or S/MIME certificate(s) a message carries: a block
 * pasted after a "Key:" line (its form's), or a file attached to the
 * signed content (every NOMINATE and UPDATE form's of the message). The
 * crypto adapter reads it at dispatch (robot/dispatch-keys.c). */
struct form_key {
	int line;			/* the Key: line (1-based); 0 for an attached file */
	char *quoted;			/* the Key: line as written (bounded), or the file name */
	char *bytes;			/* the armoured block (LF line ends), or the file */
	size_t len;			/* at most MAX_POC_KEY_BYTES */
};

struct form {
	enum form_verb verb;
	int line;			/* line number of the verb line (1-based, in the text
					 * given) */
	char lang[8];			/* the language of the verb word */
	struct form_fields f;
	GPtrArray *keys;		/* struct form_key: the blocks pasted after Key: */
	gboolean key_remove;		/* "Key: remove": the POC's keys removed first */
};

/* One problem, for the error reply: where, what, the line as written. */
struct form_error {
	int line;			/* 0 when it concerns the whole message */
	char *quoted;			/* the offending line as written (bounded), or NULL */
	const char *key;		/* problems.txt key: unknown-label, missing-field,
					 * bad-email, email-no-at..., bad-url, bad-phone,
					 * phone-no-prefix, unknown-state, unknown-type,
					 * unknown-language, too-long, bad-characters,
					 * duplicate-field, too-many-forms, missing-id, no-fields,
					 * missing-reason, bad-id, too-many-values,
					 * unexpected-field, too-many-errors, key-unreadable,
					 * key-too-large and the key refusals of
					 * dispatch-keys.c. See form.c's first comment. */
	char *detail;			/* e.g. the label or field concerned, or NULL */
	guint32 field;			/* the enum form_field concerned, 0 when none */
};

struct form_set {
	GPtrArray *forms;		/* struct form * */
	GPtrArray *errors;		/* struct form_error *; empty when every form is valid */
	GPtrArray *attached;		/* struct form_key: key files attached to the signed
					 * content (filters/forms.c), for each NOMINATE and
					 * UPDATE form */
	gboolean dry_run;
	char lang[8];			/* the language of the first verb, "" when there is no
					 * form */
};

/* The canonical name of a type ("technical"), and its identifier letter ('T'). */
const char *form_type_name(enum poc_type t);

void form_key_free(gpointer k);
char form_type_letter(enum poc_type t);

/* Which field-* key of words.txt names an enum form_field bit, or NULL. */
const char *form_field_key(guint32 field);

/* Values as an answer in lang shows them, each read back by form_parse to
 * the same value: a State by its name in lang when that name leads back to
 * it, else its code (borrowed); a type by its first word in words.txt, "-"
 * for none; languages by their names in lang where the name leads back to
 * the code, else the code, joined by ", " (g_free both). */
const char *form_state_text(const char *code, const char *lang);
char *form_type_text(const struct templates *tpl, const char *lang, enum poc_type type);
char *form_languages_text(const GPtrArray *codes, const char *lang);

/* The form's fields written back as a ready-to-edit form in lang (the
 * verb line, then "Label: value" lines, labels from words.txt). g_free it. */
char *form_render(const struct templates *tpl, const char *lang, enum form_verb verb,
		  const struct form_fields *f);

#endif

/* form-names.c - the names of a form's parts that the robot writes and
 * the reading of forms matches: the words.txt key of each field, the
 * canonical name and identifier letter of each POC type; a form's key
 * block freed. */
#include "form.h"

static const struct {
	guint32 bit;
	const char *key;
} fields[] = {
	{ FIELD_STATE, "field-state" }, { FIELD_TYPE, "field-type" },
	{ FIELD_ORGANISATION, "field-organisation" }, { FIELD_WEB, "field-web" },
	{ FIELD_EMAIL, "field-email" }, { FIELD_PHONE, "field-phone" },
	{ FIELD_LANGUAGES, "field-languages" }, { FIELD_NAME, "field-name" },
	{ FIELD_POSITION, "field-position" }, { FIELD_NOTES, "field-notes" },
	{ FIELD_ID, "field-id" }, { FIELD_REASON, "field-reason" },
};

const char *form_field_key(guint32 field)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
		if (fields[i].bit == field)
			return fields[i].key;
	return NULL;
}

const char *form_type_name(enum poc_type t)
{
	static const char *const names[] = { "diplomatic", "technical", "policy",
					     "law-enforcement" };

	G_STATIC_ASSERT(G_N_ELEMENTS(names) == POC_LAW_ENFORCEMENT + 1);
	return t >= POC_DIPLOMATIC && t <= POC_LAW_ENFORCEMENT ? names[t] : "";
}

char form_type_letter(enum poc_type t)
{
	static const char letters[] = "DTPL";

	return t >= POC_DIPLOMATIC && t <= POC_LAW_ENFORCEMENT ? letters[t] : '?';
}

void form_key_free(gpointer p)
{
	struct form_key *k = p;

	if (!k)
		return;
	g_free(k->quoted);
	g_free(k->bytes);
	g_free(k);
}

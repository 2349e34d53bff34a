/* form-render.c - writes a POC record back as a ready-to-edit form in one
 * of the six languages: the verb word, then "Label: value" for each field
 * present, with the words of templates/<lang>/words.txt, so that form_parse
 * reads it back to the same fields; and the values every answer shows in
 * its language (State names, type words, language names). Input: a record
 * the robot holds (values checked when they came in). Never fails. */
#include <string.h>
#include "form.h"
#include "langnames.h"
#include "states.h"
#include "templates.h"

static void add_line(GString *out, const struct templates *tpl, const char *lang, guint32 field,
		     const char *value)
{
	char *label = templates_label(tpl, lang, form_field_key(field));

	g_string_append_printf(out, "%s: %s\n", label, value);
	g_free(label);
}

const char *form_state_text(const char *code, const char *lang)
{
	char *err = NULL;
	const struct states *ref = states_load(&err);
	const char *name = ref ? states_name(ref, code, lang) : NULL;
	char back[3];

	g_free(err);
	if (name && states_find(ref, name, back) == 0 && strcmp(back, code) == 0)
		return name;
	return code;
}

static char *join(const GPtrArray *a)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; a && i < a->len; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", (const char *)a->pdata[i]);
	return g_string_free(s, FALSE);
}

char *form_type_text(const struct templates *tpl, const char *lang, enum poc_type type)
{
	static const char *const types[] = { "type-diplomatic", "type-technical", "type-policy",
					     "type-law-enforcement" };

	if (type < POC_DIPLOMATIC || type > POC_LAW_ENFORCEMENT)
		return g_strdup("-");
	return templates_label(tpl, lang, types[type]);
}

char *form_languages_text(const GPtrArray *codes, const char *lang)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; codes && i < codes->len; i++) {
		const char *code = codes->pdata[i], *name = langnames_name(code, lang);
		char back[8];

		if (!name || langnames_find(name, back) < 0 || strcmp(back, code) != 0)
			name = code;
		g_string_append_printf(s, "%s%s", i ? ", " : "", name);
	}
	return g_string_free(s, FALSE);
}

static void add_list(GString *out, const struct templates *tpl, const char *lang, guint32 field,
		     char *joined)
{
	add_line(out, tpl, lang, field, joined);
	g_free(joined);
}

char *form_render(const struct templates *tpl, const char *lang, enum form_verb verb,
		  const struct form_fields *f)
{
	static const char *const verbs[] = { "nominate", "update", "withdraw" };
	GString *out = g_string_new(NULL);
	char *word = templates_label(tpl, lang, verbs[verb]);

	g_string_append_printf(out, "%s\n", word);
	g_free(word);
	if ((f->present & FIELD_ID) && f->id)
		add_line(out, tpl, lang, FIELD_ID, f->id);
	if ((f->present & FIELD_STATE) && *f->state)
		add_line(out, tpl, lang, FIELD_STATE, form_state_text(f->state, lang));
	if ((f->present & FIELD_TYPE) && f->type >= POC_DIPLOMATIC &&
	    f->type <= POC_LAW_ENFORCEMENT) {
		word = form_type_text(tpl, lang, f->type);
		add_line(out, tpl, lang, FIELD_TYPE, word);
		g_free(word);
	}
	if ((f->present & FIELD_ORGANISATION) && f->organisation)
		add_line(out, tpl, lang, FIELD_ORGANISATION, f->organisation);
	if ((f->present & FIELD_WEB) && f->web)
		add_line(out, tpl, lang, FIELD_WEB, f->web);
	if ((f->present & FIELD_EMAIL) && f->emails)
		add_list(out, tpl, lang, FIELD_EMAIL, join(f->emails));
	if ((f->present & FIELD_PHONE) && f->phones)
		add_list(out, tpl, lang, FIELD_PHONE, join(f->phones));
	if ((f->present & FIELD_LANGUAGES) && f->languages)
		add_list(out, tpl, lang, FIELD_LANGUAGES, form_languages_text(f->languages, lang));
	if ((f->present & FIELD_NAME) && f->name)
		add_line(out, tpl, lang, FIELD_NAME, f->name);
	if ((f->present & FIELD_POSITION) && f->position)
		add_line(out, tpl, lang, FIELD_POSITION, f->position);
	if ((f->present & FIELD_NOTES) && f->notes)
		add_line(out, tpl, lang, FIELD_NOTES, f->notes);
	if ((f->present & FIELD_REASON) && f->reason)
		add_line(out, tpl, lang, FIELD_REASON, f->reason);
	return g_string_free(out, FALSE);
}

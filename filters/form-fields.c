/* form-fields.c - reads one value of a form into its field: States and POC
 * types by their words in any language, languages by name or code, lists
 * of addresses and numbers, identifiers, bounded free text. Input: a value
 * typed by a person, already trimmed and free of control and bidi-override
 * characters. Returns the errors.txt key of what is wrong, or NULL. */
#include <string.h>
#include "form-read.h"
#include "../robot/langnames.h"
#include "../robot/limits.h"
#include "../robot/states.h"
#include "../robot/templates.h"

static const char *const type_keys[] = {
	[POC_DIPLOMATIC] = "type-diplomatic", [POC_TECHNICAL] = "type-technical",
	[POC_POLICY] = "type-policy", [POC_LAW_ENFORCEMENT] = "type-law-enforcement",
};

static long chars(const char *s)
{
	return g_utf8_strlen(s, -1);
}

static const char *set_state(struct form_fields *f, const char *value)
{
	char *err = NULL;
	const struct states *ref = states_load(&err);
	char code[3];

	g_free(err);
	if (chars(value) > MAX_FIELD_LEN)
		return "too-long";
	if (!ref || states_find(ref, value, code) < 0)
		return "unknown-state";
	memcpy(f->state, code, sizeof f->state);
	return NULL;
}

static const char *set_type(const struct templates *tpl, struct form_fields *f, const char *value)
{
	char lang[8];

	if (chars(value) > MAX_FIELD_LEN)
		return "too-long";
	for (int t = POC_DIPLOMATIC; t <= POC_LAW_ENFORCEMENT; t++) {
		if (templates_match_word(tpl, type_keys[t], value, lang)) {
			f->type = (enum poc_type)t;
			return NULL;
		}
	}
	return "unknown-type";
}

static const char *set_text(char **slot, const char *value, long max)
{
	if (chars(value) > max)
		return "too-long";
	g_free(*slot);
	*slot = g_strdup(value);
	return NULL;
}

static const char *set_web(struct form_fields *f, const char *value)
{
	char *url;

	if (chars(value) > MAX_URL_LEN)
		return "too-long";
	/* "www.example.org" is how people write a web page: read it as https */
	if (!strstr(value, "://") && strchr(value, '.') && !strchr(value, ' '))
		url = g_strconcat("https://", value, NULL);
	else
		url = g_strdup(value);
	if (form_check_url(url) < 0) {
		g_free(url);
		return "bad-url";
	}
	g_free(f->web);
	f->web = url;
	return NULL;
}

static int in_list(GPtrArray *list, const char *s)
{
	for (guint i = 0; i < list->len; i++)
		if (g_ascii_strcasecmp(list->pdata[i], s) == 0)
			return 1;
	return 0;
}

/* "<a@b>", "mailto:a@b" -> "a@b". g_free it. */
static char *bare_address(const char *item)
{
	const char *s = item;
	size_t len;

	if (g_ascii_strncasecmp(s, "mailto:", 7) == 0)
		s += 7;
	len = strlen(s);
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>')
		return g_strndup(s + 1, len - 2);
	return g_strdup(s);
}

static const char *set_emails(struct form_fields *f, const char *value)
{
	/* full-width ＠ and letters */
	char *nfkc = g_utf8_normalize(value, -1, G_NORMALIZE_NFKC);
	GPtrArray *items, *emails;
	const char *key = NULL;

	if (!nfkc || chars(value) > MAX_NOTES_LEN) {
		g_free(nfkc);
		return "too-long";
	}
	items = form_split_list(nfkc, TRUE);
	emails = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < items->len && !key; i++) {
		char *addr = bare_address(items->pdata[i]);

		if (strlen(addr) > MAX_ADDRESS_LEN)
			key = "too-long";
		else if (form_check_email(addr) < 0)
			key = form_email_problem(addr);
		else if (!in_list(emails, addr))
			g_ptr_array_add(emails, g_steal_pointer(&addr));
		g_free(addr);
	}
	if (!key && emails->len > MAX_EMAILS)
		key = "too-many-values";
	if (!key && emails->len == 0)
		key = "bad-email";
	if (!key) {
		if (f->emails)
			g_ptr_array_unref(f->emails);
		f->emails = g_steal_pointer(&emails);
	}
	if (emails)
		g_ptr_array_unref(emails);
	g_ptr_array_unref(items);
	g_free(nfkc);
	return key;
}

static const char *set_phones(struct form_fields *f, const char *value)
{
	GPtrArray *items, *e164;
	const char *key = NULL;

	if (chars(value) > MAX_NOTES_LEN)
		return "too-long";
	items = form_split_list(value, FALSE);
	e164 = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < items->len && !key; i++) {
		char *n = chars(items->pdata[i]) > MAX_PHONE_LEN
				  ? NULL
				  : form_phone_e164(items->pdata[i]);

		if (!n)
			key = chars(items->pdata[i]) > MAX_PHONE_LEN ? "too-long" : "bad-phone";
		else if (!*n && !form_phone_has_prefix(items->pdata[i]))
			key = "phone-no-prefix";	/* a calling code is never guessed */
		if (key)
			g_free(n);
		else
			g_ptr_array_add(e164, n);
	}
	if (!key && items->len > MAX_PHONES)
		key = "too-many-values";
	if (!key && items->len == 0)
		key = "bad-phone";
	if (!key) {
		if (f->phones)
			g_ptr_array_unref(f->phones);
		if (f->phones_e164)
			g_ptr_array_unref(f->phones_e164);
		f->phones = g_ptr_array_ref(items);
		f->phones_e164 = g_ptr_array_ref(e164);
	}
	g_ptr_array_unref(items);
	g_ptr_array_unref(e164);
	return key;
}

/* Words that join two language names: "English and French". */
static int conjunction(const char *w)
{
	static const char *const words[] = { "and", "et", "y", "e", "и", "or", "ou", "o", "или",
					     "و", "أو", "和", "及", "或", NULL };

	for (int i = 0; words[i]; i++)
		if (g_ascii_strcasecmp(w, words[i]) == 0)
			return 1;
	return 0;
}

/* Adds the languages one item names ("French", or "English French"). */
static int add_languages(GPtrArray *codes, const char *item)
{
	char code[8];
	GPtrArray *words;
	int ok = 1;

	if (langnames_find(item, code) == 0) {
		if (!in_list(codes, code))
			g_ptr_array_add(codes, g_strdup(code));
		return 0;
	}
	words = form_split_list(item, TRUE);
	for (guint i = 0; i < words->len && ok; i++) {
		if (conjunction(words->pdata[i]))
			continue;
		ok = words->len > 1 && langnames_find(words->pdata[i], code) == 0;
		if (ok && !in_list(codes, code))
			g_ptr_array_add(codes, g_strdup(code));
	}
	g_ptr_array_unref(words);
	return ok ? 0 : -1;
}

static const char *set_languages(struct form_fields *f, const char *value)
{
	GPtrArray *items, *codes;
	const char *key = NULL;

	if (chars(value) > MAX_NOTES_LEN)
		return "too-long";
	items = form_split_list(value, FALSE);
	codes = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < items->len && !key; i++) {
		char *piece = g_strdelimit(g_strdup(items->pdata[i]), "/", ',');
		GPtrArray *parts = form_split_list(piece, FALSE);

		for (guint j = 0; j < parts->len && !key; j++)
			if (add_languages(codes, parts->pdata[j]) < 0)
				key = "unknown-language";
		g_ptr_array_unref(parts);
		g_free(piece);
	}
	if (!key && codes->len > MAX_LANGUAGES)
		key = "too-many-values";
	if (!key && codes->len == 0)
		key = "unknown-language";
	if (!key) {
		if (f->languages)
			g_ptr_array_unref(f->languages);
		f->languages = g_ptr_array_ref(codes);
	}
	g_ptr_array_unref(codes);
	g_ptr_array_unref(items);
	return key;
}

static const char *set_id(struct form_fields *f, const char *value)
{
	char *nfkc = g_utf8_normalize(value, -1, G_NORMALIZE_NFKC);
	char *id = nfkc ? g_ascii_strup(nfkc, -1) : NULL;
	const char *key = NULL;

	if (!id || !*id || strlen(id) > MAX_ID_LEN)
		key = id && *id ? "too-long" : "bad-id";
	for (const char *p = id; !key && *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-')
			key = "bad-id";
	if (!key) {
		g_free(f->id);
		f->id = g_steal_pointer(&id);
	}
	g_free(id);
	g_free(nfkc);
	return key;
}

const char *form_field_set(const struct templates *tpl, struct form_fields *f, guint32 field,
			   const char *value)
{
	const char *key;

	switch (field) {
	case FIELD_STATE: key = set_state(f, value); break;
	case FIELD_TYPE: key = set_type(tpl, f, value); break;
	case FIELD_ORGANISATION: key = set_text(&f->organisation, value, MAX_FIELD_LEN); break;
	case FIELD_WEB: key = set_web(f, value); break;
	case FIELD_EMAIL: key = set_emails(f, value); break;
	case FIELD_PHONE: key = set_phones(f, value); break;
	case FIELD_LANGUAGES: key = set_languages(f, value); break;
	case FIELD_NAME: key = set_text(&f->name, value, MAX_FIELD_LEN); break;
	case FIELD_POSITION: key = set_text(&f->position, value, MAX_FIELD_LEN); break;
	case FIELD_NOTES: key = set_text(&f->notes, value, MAX_NOTES_LEN); break;
	case FIELD_ID: key = set_id(f, value); break;
	case FIELD_REASON: key = set_text(&f->reason, value, MAX_NOTES_LEN); break;
	default: key = "unknown-label"; break;
	}
	if (!key)
		f->present |= field;
	return key;
}

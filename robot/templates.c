/* templates.c - the texts and words of templates/<lang>/, compiled into the
 * binary. Rendering replaces {{name}} with values and never interprets
 * them: user text is never a format. Errors (unknown placeholder, unclosed
 * braces) are returned, not guessed around. */
#include <string.h>
#include "templates.h"
#include "embedded.h"
#include "fold.h"
#include "log.h"

struct word {
	char *folded;
	char lang[8];
};

struct templates {
	GPtrArray *langs;	/* char * */
	GHashTable *words;	/* key -> GPtrArray of struct word * */
};

static void word_free(gpointer p)
{
	struct word *w = p;

	g_free(w->folded);
	g_free(w);
}

/* "templates/fr/help.txt" -> lang "fr", name "help"; 0 or -1. */
static int split_name(const char *path, char lang[8], char **name)
{
	const char *l, *slash;

	if (!g_str_has_prefix(path,
			      "templates/")) /* before stepping past it: path may be shorter */
		return -1;
	l = path + strlen("templates/");
	slash = strchr(l, '/');
	if (!slash || slash - l >= 8 || slash == l ||
	    !g_str_has_suffix(slash, ".txt") || strchr(slash + 1, '/'))
		return -1;
	memcpy(lang, l, (size_t)(slash - l));
	lang[slash - l] = '\0';
	*name = g_strndup(slash + 1, strlen(slash + 1) - 4);
	return 0;
}

static void add_words(struct templates *t, const char *lang, const char *text)
{
	gchar **lines = g_strsplit(text, "\n", 0);

	for (gchar **l = lines; *l; l++) {
		char *colon = strchr(*l, ':');
		gchar **items;
		GPtrArray *list;
		char *key;

		if (**l == '#' || !colon)
			continue;
		key = g_strstrip(g_strndup(*l, (gsize)(colon - *l)));
		list = g_hash_table_lookup(t->words, key);
		if (!list) {
			list = g_ptr_array_new_with_free_func(word_free);
			g_hash_table_insert(t->words, g_strdup(key), list);
		}
		items = g_strsplit(colon + 1, ",", 0);
		for (gchar **i = items; *i; i++) {
			struct word *w = g_new0(struct word, 1);

			w->folded = fold_text(*i);
			g_strlcpy(w->lang, lang, sizeof w->lang);
			if (*w->folded)
				g_ptr_array_add(list, w);
			else
				word_free(w);
		}
		g_strfreev(items);
		g_free(key);
	}
	g_strfreev(lines);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct templates *templates_load(void)
{
	struct templates *t = g_new0(struct templates, 1);

	t->langs = g_ptr_array_new_with_free_func(g_free);
	t->words = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					 (GDestroyNotify)g_ptr_array_unref);
	for (const struct embedded_file *f = embedded_files; f->name; f++) {
		char lang[8], *name;

		if (split_name(f->name, lang, &name) < 0)
			continue;
		if (!g_ptr_array_find_with_equal_func(t->langs, lang, g_str_equal, NULL))
			g_ptr_array_add(t->langs, g_strdup(lang));
		if (strcmp(name, "words") == 0)
			add_words(t, lang, f->data);
		g_free(name);
	}
	g_ptr_array_sort(t->langs, compare_names);
	return t;
}

void templates_free(struct templates *t)
{
	if (!t)
		return;
	g_ptr_array_unref(t->langs);
	g_hash_table_unref(t->words);
	g_free(t);
}

const GPtrArray *templates_languages(const struct templates *t)
{
	return t->langs;
}

const char *templates_get(const struct templates *t, const char *lang, const char *name)
{
	char *path = g_strdup_printf("templates/%s/%s.txt", lang, name);
	const struct embedded_file *f = embedded_find(path);

	(void)t;
	g_free(path);
	return f ? f->data : NULL;
}

static char *phrase_in(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			const char *v = line + klen + 1, *end = strchr(v, '\n');
			char *value = g_strndup(v, end ? (gsize)(end - v) : strlen(v));

			return g_strstrip(value);
		}
	}
	return NULL;
}

char *templates_phrase(const struct templates *t, const char *lang, const char *name,
		       const char *key)
{
	const char *text = templates_get(t, lang, name);
	char *value = text ? phrase_in(text, key) : NULL;

	if (!value && strcmp(lang, "en") != 0 && (text = templates_get(t, "en", name)))
		value = phrase_in(text, key);
	return value;
}

char *templates_label(const struct templates *t, const char *lang, const char *key)
{
	char *words = templates_phrase(t, lang, "words", key);
	char *comma = words ? strchr(words, ',') : NULL;

	if (comma)
		*comma = '\0';
	if (words && *g_strstrip(words))
		return words;
	g_free(words);
	return g_strdup(key);
}

char *templates_layout(const struct templates *t, const char *lang, const char *key,
		       const char *const *vars)
{
	char *phrase = templates_phrase(t, lang, "layout", key), *err = NULL, *text;
	GHashTable *v = g_hash_table_new(g_str_hash, g_str_equal);

	for (const char *const *p = vars; p && p[0] && p[1]; p += 2)
		g_hash_table_insert(v, (gpointer)p[0], (gpointer)p[1]);
	text = phrase ? template_render(phrase, v, &err) : NULL;
	g_hash_table_unref(v);
	g_free(phrase);
	g_free(err);
	return text ? text : g_strdup(key);
}

int templates_match_word(const struct templates *t, const char *key, const char *word,
			 char lang[8])
{
	GPtrArray *list = g_hash_table_lookup(t->words, key);
	char *folded = fold_text(word);
	int found = 0;

	for (guint i = 0; list && i < list->len && !found; i++) {
		const struct word *w = list->pdata[i];

		if (strcmp(w->folded, folded) == 0) {
			memcpy(lang, w->lang, 8);
			found = 1;
		}
	}
	g_free(folded);
	return found;
}

int templates_text_has_word(const struct templates *t, const char *key, const char *text)
{
	GPtrArray *list = g_hash_table_lookup(t->words, key);
	char *folded = fold_text(text);
	int found = 0;

	for (guint i = 0; list && i < list->len && !found; i++)
		found = strstr(folded, ((const struct word *)list->pdata[i])->folded) != NULL;
	g_free(folded);
	return found;
}

int templates_language_of(const struct templates *t, const char *name, char lang[8])
{
	return templates_match_word(t, "language", name, lang);
}

/* After the tag {{name}} that ends at after: where rendering goes on. A
 * section {{#name}}...{{/name}} is kept when vars gives name a value that
 * is not empty, else skipped whole; its closing tag writes nothing. NULL
 * when the section is not closed. */
static const char *section(const char *name, const char *after, GHashTable *vars)
{
	const char *value = vars ? g_hash_table_lookup(vars, name + 1) : NULL;
	char *end_tag;
	const char *end;

	if (name[0] == '/' || (value && *value))
		return after;
	end_tag = g_strdup_printf("{{/%s}}", name + 1);
	end = strstr(after, end_tag);
	if (end)
		end += strlen(end_tag);
	g_free(end_tag);
	return end;
}

char *template_render(const char *tmpl, GHashTable *vars, char **err)
{
	GString *out = g_string_new(NULL);
	const char *p = tmpl;

	*err = NULL;
	for (;;) {
		const char *open = strstr(p, "{{"), *close;
		char *name;
		const char *value;

		if (!open) {
			g_string_append(out, p);
			return g_string_free(out, FALSE);
		}
		g_string_append_len(out, p, open - p);
		close = strstr(open + 2, "}}");
		if (!close) {
			*err = g_strdup("a {{ is not closed");
			break;
		}
		name = g_strstrip(g_strndup(open + 2, (gsize)(close - open - 2)));
		if (name[0] == '#' || name[0] == '/') {
			p = section(name, close + 2, vars);
			if (!p)
				*err = g_strdup_printf("{{%.40s}} is not closed", name);
			g_free(name);
			if (!p)
				break;
			continue;
		}
		value = vars ? g_hash_table_lookup(vars, name) : NULL;
		if (!value) {
			*err = g_strdup_printf("no value for {{%.40s}}", name);
			g_free(name);
			break;
		}
		g_free(name);
		g_string_append(out, value);
		p = close + 2;
	}
	g_string_free(out, TRUE);
	return NULL;
}

int template_split(const char *text, char **subject, char **body)
{
	const char *nl = strchr(text, '\n');

	*subject = *body = NULL;
	if (!g_str_has_prefix(text, "Subject:") || !nl)
		return -1;
	*subject = g_strstrip(g_strndup(text + 8, (gsize)(nl - text - 8)));
	nl++;
	if (*nl == '\n')
		nl++;
	*body = g_strdup(nl);
	return 0;
}

int templates_message(const struct templates *t, const char *lang, const char *name,
		      GHashTable *vars, char **subject, char **body)
{
	const char *tmpl = templates_get(t, lang, name);
	char *err = NULL, *text;
	int rc = -1;

	*subject = *body = NULL;
	if (!tmpl)
		tmpl = templates_get(t, "en", name);
	text = tmpl ? template_render(tmpl, vars, &err) : NULL;
	if (text && template_split(text, subject, body) == 0)
		rc = 0;
	else
		log_msg(LOG_ERR, "template %s/%s: %s", lang, name,
			err ? err : "missing or without a Subject line");
	g_free(text);
	g_free(err);
	return rc;
}

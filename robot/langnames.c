/* langnames.c - looks languages up by name or code in db/languages.tsv
 * (compiled in; columns code639_1, code639_3, en, fr, es, ru, zh, ar,
 * aliases separated by "|"). Input: names typed by people in forms. The
 * table is parsed once, on first use, and shared read-only; a malformed
 * table makes every lookup fail (and the unit tests catch it). */
#include <string.h>
#include <glib.h>
#include "langnames.h"
#include "embedded.h"
#include "fold.h"
#include "langs.h"

#define NCOLS 9
#define NNAMES LANGS_N	/* name columns, in the order of langs_all */

struct row {
	char code[8];
	char *name[NNAMES];
};

struct table {
	GPtrArray *rows;	/* struct row * */
	GHashTable *keys;	/* folded name or code -> struct row * (borrowed) */
	GHashTable *codes;	/* code (639-1 or 639-3) -> struct row * */
};

/* The comparison key: folded, marks (accents, hamza) dropped, hyphens and
 * brackets made spaces. g_free it. */
static char *lang_key(const char *s)
{
	char *folded = fold_text(s);
	char *nfd = g_utf8_normalize(folded, -1, G_NORMALIZE_NFD);
	GString *out = g_string_new(NULL);

	for (const char *p = nfd ? nfd : ""; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		GUnicodeType t = g_unichar_type(c);

		if (t == G_UNICODE_NON_SPACING_MARK || t == G_UNICODE_SPACING_MARK ||
		    t == G_UNICODE_ENCLOSING_MARK)
			continue;
		if (c == '-' || c == '(' || c == ')' || c == '\'' || c == 0x2019 || c == ' ') {
			if (out->len && out->str[out->len - 1] != ' ')
				g_string_append_c(out, ' ');
			continue;
		}
		g_string_append_unichar(out, c);
	}
	while (out->len && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	g_free(folded);
	g_free(nfd);
	return g_string_free(out, FALSE);
}

static void add_key(struct table *t, const char *name, struct row *r)
{
	char *key = lang_key(name);

	if (*key && !g_hash_table_contains(t->keys, key))
		g_hash_table_insert(t->keys, key, r);
	else
		g_free(key);
	if (g_str_has_prefix(name, "ال"))	/* Arabic: also without the article */
		add_key(t, name + strlen("ال"), r);
	/* Chinese: 法语 also written 法文, 法語 */
	if (g_str_has_suffix(name, "语")) {
		size_t stem = strlen(name) - strlen("语");
		char *alt1 = g_strdup_printf("%.*s文", (int)stem, name);
		char *alt2 = g_strdup_printf("%.*s語", (int)stem, name);

		add_key(t, alt1, r);
		add_key(t, alt2, r);
		g_free(alt1);
		g_free(alt2);
	}
}

static void row_free(gpointer p)
{
	struct row *r = p;

	for (int i = 0; i < NNAMES; i++)
		g_free(r->name[i]);
	g_free(r);
}

static int add_line(struct table *t, const char *line)
{
	gchar **cols = g_strsplit(line, "\t", 0);
	struct row *r;
	int ok = g_strv_length(cols) == NCOLS && *cols[1] && strlen(cols[0]) < 8 &&
		 strlen(cols[1]) < 8;

	if (!ok) {
		g_strfreev(cols);
		return -1;
	}
	r = g_new0(struct row, 1);
	g_strlcpy(r->code, *cols[0] ? cols[0] : cols[1], sizeof r->code);
	for (int i = 0; i < NNAMES; i++)
		r->name[i] = g_strdup(cols[2 + i]);
	g_ptr_array_add(t->rows, r);
	g_hash_table_insert(t->codes, g_strdup(r->code), r);
	if (*cols[0])
		add_key(t, cols[0], r);
	add_key(t, cols[1], r);
	for (int i = 0; i < NNAMES; i++)
		add_key(t, cols[2 + i], r);
	gchar **aliases = g_strsplit(cols[8], "|", 0);
	for (gchar **a = aliases; *a; a++)
		add_key(t, *a, r);
	g_strfreev(aliases);
	g_strfreev(cols);
	return 0;
}

static gpointer load(gpointer unused)
{
	const struct embedded_file *f = embedded_find("db/languages.tsv");
	struct table *t = g_new0(struct table, 1);
	gchar **lines;
	int ok = 1;

	(void)unused;
	t->rows = g_ptr_array_new_with_free_func(row_free);
	t->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	t->codes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (!f)
		return t;
	lines = g_strsplit(f->data, "\n", 0);
	for (gchar **l = lines + (lines[0] ? 1 : 0); ok && *l; l++) {
		g_strchomp(*l);
		if (**l && **l != '#')
			ok = add_line(t, *l) == 0;
	}
	g_strfreev(lines);
	if (!ok) {
		g_hash_table_remove_all(t->keys);
		g_hash_table_remove_all(t->codes);
		g_ptr_array_set_size(t->rows, 0);
	}
	return t;
}

static struct table *table(void)
{
	static GOnce once = G_ONCE_INIT;

	return g_once(&once, load, NULL);
}

/* The Arabic article, and the conjunction "wa-" glued to a word. */
static const char *const ar_prefixes[] = { "ال", "وال", "و", NULL };

int langnames_find(const char *name, char code[8])
{
	struct table *t = table();
	char *key = lang_key(name);
	struct row *r = g_hash_table_lookup(t->keys, key);

	for (int i = 0; !r && ar_prefixes[i]; i++)
		if (g_str_has_prefix(key, ar_prefixes[i]))
			r = g_hash_table_lookup(t->keys, key + strlen(ar_prefixes[i]));
	g_free(key);
	if (!r)
		return -1;
	g_strlcpy(code, r->code, 8);
	return 0;
}

const char *langnames_name(const char *code, const char *lang)
{
	struct row *r = g_hash_table_lookup(table()->codes, code);
	int i = langs_index(lang);

	return r && i >= 0 ? r->name[i] : NULL;
}

unsigned langnames_count(void)
{
	return table()->rows->len;
}

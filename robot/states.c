/* states.c - the reference data of the States (db/states.tsv, compiled in):
 * parses it once, and resolves what people write - ISO 3166-1 codes, the UN
 * names and their aliases in the six UN languages - to one canonical alpha-2
 * code through a hash table of comparison keys built at load. Input: the
 * compiled-in TSV, and the untrusted text of a lookup (bounded). Returns
 * NULL or -1 on failure; never aborts.
 *
 * db/states.tsv: the names are the UN short names of UNTERM (their article
 * annotations such as "(la)" removed), with the newer UNSD M49 names for
 * Türkiye and the Netherlands (Kingdom of the); the aliases are the UNTERM
 * formal names, the former and common short names (CLDR's, as shipped with
 * ICU), the ISO 3166-1 names, and usual forms added by hand. A fix to a name
 * is an edit of the TSV: the database stores codes only. */
#include <string.h>
#include <glib.h>
#include "embedded.h"
#include "fold.h"
#include "states.h"

#define STATES_FILE	"db/states.tsv"
#define NFIELDS		(3 + LANGS_N + 1)	/* codes, status, names, aliases */
#define MAX_STATE_TEXT	256	/* longer lookups are not names of States */
#define AMBIGUOUS	(-1)	/* a key's value when it names several States */
#define ARABIC_ARTICLE	"\xd8\xa7\xd9\x84"	/* U+0627 U+0644, al- */

static const char header[] = "alpha2\talpha3\tstatus\ten\tfr\tes\tru\tzh\tar\taliases";

struct states {
	char *text;		/* the TSV, split in place: every name points into it */
	GArray *list;		/* struct state, in file order */
	GPtrArray *alias_lists;	/* the aliases arrays, owned */
	GHashTable *keys;	/* comparison key -> index + 1, or AMBIGUOUS */
	GPtrArray *ambiguities;	/* "KEY: AA BB", NULL-terminated */
};

/* The comparison form of text: fold_text (NFKC, case folded, spaces made
 * one), with full stops and the Arabic tatweel dropped and every other
 * punctuation or symbol made a space ("Côte d'Ivoire", "Côte d’Ivoire" and
 * "Iran, Islamic Republic of" compare as their UN forms). g_free it. */
static char *base_key(const char *text)
{
	char *folded = fold_text(text);
	GString *out = g_string_sized_new(strlen(folded));
	gboolean space = FALSE;

	for (const char *p = folded; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == '.' || c == 0x0640)
			continue;
		if (g_unichar_isspace(c) || g_unichar_ispunct(c)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_unichar(out, c);
	}
	g_free(folded);
	return g_string_free(out, FALSE);
}

/* key without its accents and other combining marks (é -> e, й -> и,
 * أ -> ا, Arabic vowel signs dropped). g_free it. */
static char *unaccented(const char *key)
{
	char *nfkd = g_utf8_normalize(key, -1, G_NORMALIZE_NFKD);
	GString *out = g_string_new(NULL);
	char *nfc;

	for (const char *p = nfkd ? nfkd : ""; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		GUnicodeType t = g_unichar_type(c);

		if (t != G_UNICODE_NON_SPACING_MARK && t != G_UNICODE_ENCLOSING_MARK)
			g_string_append_unichar(out, c);
	}
	nfc = g_utf8_normalize(out->str, -1, G_NORMALIZE_NFC);
	g_free(nfkd);
	g_string_free(out, TRUE);
	return nfc ? nfc : g_strdup("");
}

/* key without a leading article - the, le, la, les, l', el, los, las, or
 * Arabic al- on a first word that stays two letters long (الجزائر ->
 * جزائر) - or NULL when it has none. g_free it. */
static char *without_article(const char *key)
{
	static const char *const articles[] = { "the ", "les ", "los ", "las ",
						"le ",  "la ",  "el ",  "l " };
	glong letters = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(articles); i++)
		if (g_str_has_prefix(key, articles[i]) && key[strlen(articles[i])])
			return g_strdup(key + strlen(articles[i]));
	if (!g_str_has_prefix(key, ARABIC_ARTICLE))
		return NULL;
	key += strlen(ARABIC_ARTICLE);
	for (const char *p = key; *p && *p != ' '; p = g_utf8_next_char(p))
		letters++;
	return letters >= 2 ? g_strdup(key) : NULL;
}

/* Adds key (taken) to keys unless it is NULL, empty or already there. */
static void add_key(GPtrArray *keys, char *key)
{
	if (!key || !*key) {
		g_free(key);
		return;
	}
	for (guint i = 0; i < keys->len; i++)
		if (strcmp(keys->pdata[i], key) == 0) {
			g_free(key);
			return;
		}
	g_ptr_array_add(keys, key);
}

/* The comparison keys of text, most exact first: as written, without
 * accents, without a leading article, without both. Unref it. */
static GPtrArray *keys_of(const char *text)
{
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
	char *base = base_key(text);
	char *plain = unaccented(base);

	add_key(keys, g_strdup(base));
	add_key(keys, g_strdup(plain));
	add_key(keys, without_article(base));
	add_key(keys, without_article(plain));
	g_free(base);
	g_free(plain);
	return keys;
}

/* Points every key of text at the State numbered idx; a key that already
 * names another State becomes AMBIGUOUS and is recorded. */
static void index_text(struct states *ref, const char *text, guint idx)
{
	GPtrArray *keys = keys_of(text);

	for (guint i = 0; i < keys->len; i++) {
		const char *key = keys->pdata[i];
		gpointer old;
		int was;

		if (!g_hash_table_lookup_extended(ref->keys, key, NULL, &old)) {
			g_hash_table_insert(ref->keys, g_strdup(key), GINT_TO_POINTER(idx + 1));
			continue;
		}
		was = GPOINTER_TO_INT(old);
		if (was == AMBIGUOUS || was == (int)idx + 1)
			continue;
		g_ptr_array_add(ref->ambiguities, g_strdup_printf("%s: %s %s", key,
			g_array_index(ref->list, struct state, was - 1).alpha2,
			g_array_index(ref->list, struct state, idx).alpha2));
		g_hash_table_insert(ref->keys, g_strdup(key), GINT_TO_POINTER(AMBIGUOUS));
	}
	g_ptr_array_unref(keys);
}

static void index_state(struct states *ref, guint idx)
{
	const struct state *s = &g_array_index(ref->list, struct state, idx);

	index_text(ref, s->alpha2, idx);
	index_text(ref, s->alpha3, idx);
	for (int l = 0; l < LANGS_N; l++)
		index_text(ref, s->name[l], idx);
	for (const char *const *a = s->aliases; *a; a++)
		index_text(ref, *a, idx);
}

static int is_code(const char *s, size_t len)
{
	if (strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

/* The aliases field split in place on '|', empty entries skipped. */
static const char *const *split_aliases(struct states *ref, char *field)
{
	GPtrArray *list = g_ptr_array_new();
	const char **out;

	for (char *a = field, *bar; a; a = bar) {
		if ((bar = strchr(a, '|')))
			*bar++ = '\0';
		if (*a)
			g_ptr_array_add(list, a);
	}
	g_ptr_array_add(list, NULL);
	out = (const char **)g_ptr_array_free(list, FALSE);
	g_ptr_array_add(ref->alias_lists, out);
	return out;
}

/* One State's line, split in place and appended to ref->list. */
static int parse_line(struct states *ref, char *line, char **err)
{
	char *field[NFIELDS];
	struct state s = { .observer = 0 };
	int n = 0;

	for (char *f = line, *tab; f; f = tab) {
		if ((tab = strchr(f, '\t')))
			*tab++ = '\0';
		if (n == NFIELDS) {
			*err = g_strdup_printf("more than %d fields", NFIELDS);
			return -1;
		}
		field[n++] = f;
	}
	if (n != NFIELDS) {
		*err = g_strdup_printf("%d fields, not %d", n, NFIELDS);
		return -1;
	}
	if (!is_code(field[0], 2) || !is_code(field[1], 3)) {
		*err = g_strdup_printf("bad code %.8s or %.8s", field[0], field[1]);
		return -1;
	}
	if (strcmp(field[2], "member") != 0 && strcmp(field[2], "observer") != 0) {
		*err = g_strdup_printf("status %.20s is neither member nor observer", field[2]);
		return -1;
	}
	memcpy(s.alpha2, field[0], 3);
	memcpy(s.alpha3, field[1], 4);
	s.observer = strcmp(field[2], "observer") == 0;
	for (int l = 0; l < LANGS_N; l++) {
		if (!*field[3 + l]) {
			*err = g_strdup_printf("%s has no %s name", s.alpha2, langs_all[l]);
			return -1;
		}
		s.name[l] = field[3 + l];
	}
	s.aliases = split_aliases(ref, field[NFIELDS - 1]);
	g_array_append_val(ref->list, s);
	return 0;
}

/* Every line after the header; blank lines are skipped, CRLF accepted. */
static int parse_lines(struct states *ref, char **err)
{
	char *next;
	int lineno = 0;

	for (char *line = ref->text; line; line = next) {
		size_t len;

		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		lineno++;
		len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		if (lineno == 1 && strcmp(line, header) != 0) {
			*err = g_strdup("line 1 is not the header");
			return -1;
		}
		if (lineno == 1 || !*line)
			continue;
		if (parse_line(ref, line, err) < 0) {
			char *e = *err;

			*err = g_strdup_printf("line %d: %s", lineno, e);
			g_free(e);
			return -1;
		}
	}
	if (ref->list->len == 0) {
		*err = g_strdup("no State");
		return -1;
	}
	return 0;
}

/* A code given to two States is a broken file, not an ambiguity. */
static int check_codes(const struct states *ref, char **err)
{
	for (guint i = 0; i < ref->list->len; i++)
		for (guint j = i + 1; j < ref->list->len; j++) {
			const struct state *a = &g_array_index(ref->list, struct state, i);
			const struct state *b = &g_array_index(ref->list, struct state, j);

			if (strcmp(a->alpha2, b->alpha2) == 0 ||
			    strcmp(a->alpha3, b->alpha3) == 0) {
				*err = g_strdup_printf("%s/%s and %s/%s share a code", a->alpha2,
						       a->alpha3, b->alpha2, b->alpha3);
				return -1;
			}
		}
	return 0;
}

struct states *states_parse(const char *tsv, char **err)
{
	struct states *ref = g_new0(struct states, 1);

	*err = NULL;
	ref->text = g_strdup(tsv ? tsv : "");
	ref->list = g_array_new(FALSE, TRUE, sizeof(struct state));
	ref->alias_lists = g_ptr_array_new_with_free_func(g_free);
	ref->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	ref->ambiguities = g_ptr_array_new_with_free_func(g_free);
	if (parse_lines(ref, err) < 0 || check_codes(ref, err) < 0) {
		states_free(ref);
		return NULL;
	}
	for (guint i = 0; i < ref->list->len; i++)
		index_state(ref, i);
	g_ptr_array_add(ref->ambiguities, NULL);
	return ref;
}

void states_free(struct states *ref)
{
	if (!ref)
		return;
	g_array_unref(ref->list);
	g_ptr_array_unref(ref->alias_lists);
	g_hash_table_unref(ref->keys);
	g_ptr_array_unref(ref->ambiguities);
	g_free(ref->text);
	g_free(ref);
}

/* Written once, under g_once, then only read: the compiled-in data. */
static struct states *loaded;
static char *load_error;

const struct states *states_load(char **err)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		const struct embedded_file *f = embedded_find(STATES_FILE);
		char *e = NULL;

		if (!f)
			load_error = g_strdup(STATES_FILE " is not compiled in");
		else if (!(loaded = states_parse(f->data, &e)))
			load_error = g_strdup_printf("%s: %s", STATES_FILE, e);
		g_free(e);
		g_once_init_leave(&once, 1);
	}
	if (!loaded && err)
		*err = g_strdup(load_error);
	return loaded;
}

int states_find(const struct states *ref, const char *text, char code[3])
{
	GPtrArray *keys;
	int rc = -1;

	if (!ref || !text || strlen(text) > MAX_STATE_TEXT)
		return -1;
	keys = keys_of(text);
	for (guint i = 0; i < keys->len; i++) {
		gpointer v;
		int idx;

		if (!g_hash_table_lookup_extended(ref->keys, keys->pdata[i], NULL, &v))
			continue;
		idx = GPOINTER_TO_INT(v);
		if (idx != AMBIGUOUS) {
			memcpy(code, g_array_index(ref->list, struct state, idx - 1).alpha2, 3);
			rc = 0;
		}
		break;
	}
	g_ptr_array_unref(keys);
	return rc;
}

const struct state *states_get(const struct states *ref, const char *code)
{
	if (!ref || !code)
		return NULL;
	for (guint i = 0; i < ref->list->len; i++) {
		const struct state *s = &g_array_index(ref->list, struct state, i);

		if (g_ascii_strcasecmp(s->alpha2, code) == 0)
			return s;
	}
	return NULL;
}

const char *states_name(const struct states *ref, const char *code, const char *lang)
{
	const struct state *s = states_get(ref, code);
	int l = langs_index(lang);

	return s && l >= 0 ? s->name[l] : NULL;
}

size_t states_count(const struct states *ref)
{
	return ref ? ref->list->len : 0;
}

const struct state *states_at(const struct states *ref, size_t i)
{
	return ref && i < ref->list->len ? &g_array_index(ref->list, struct state, i) : NULL;
}

const char *const *states_ambiguities(const struct states *ref)
{
	static const char *const none[] = { NULL };

	return ref ? (const char *const *)ref->ambiguities->pdata : none;
}

/* lookup-parse.c - the grammar of LOOKUP, EXTRACT and ACCESS-LOG requests
 * (robot/lookup-query.h): verb lines, "Label: value" criteria and their
 * values, in any of the six languages, after NFKC and case folding.
 * Input: untrusted UTF-8 text of any size. Never fails: every problem
 * becomes a struct lookup_error with its line, the line quoted (bounded,
 * control and bidi-override characters made U+FFFD) and a
 * lookup-phrases.txt "error-" key. */
#include <string.h>
#include "lookup-parse.h"
#include "../robot/fold.h"
#include "../robot/langnames.h"
#include "../robot/limits.h"
#include "../robot/quote.h"
#include "../robot/text-line.h"
#include "../robot/states.h"
#include "../robot/templates.h"

enum label { LABEL_NONE, LABEL_STATE, LABEL_TYPE, LABEL_LANGUAGES, LABEL_WORDS, LABEL_FORMAT };

static const struct {
	enum label label;
	const char *key;
} labels[] = {
	{ LABEL_STATE, "field-state" },         { LABEL_TYPE, "field-type" },
	{ LABEL_LANGUAGES, "field-languages" }, { LABEL_WORDS, "field-organisation" },
	{ LABEL_FORMAT, "field-format" },
};

/* Verbs of other commands: their blocks end ours. */
static const char *const other_verbs[] = {
	"help", "form", "nominate", "update", "withdraw", NULL
};

static const char *const type_keys[] = { "type-diplomatic", "type-technical", "type-policy",
					 "type-law-enforcement" };

struct parser {
	const struct templates *tpl;
	struct lookup_request *req;
	struct lookup_query *cur;	/* the request being read, or NULL */
	gboolean quoted;		/* its verb line was quoted */
	int criteria;			/* criteria lines given to it */
	gboolean format_given;
	int too_many;			/* requests beyond LOOKUP_MAX_QUERIES */
	guint errors_before;		/* errors when the current request started */
	int line;
	const char *raw;
};

static void add_error(struct parser *ps, int line, const char *raw, const char *key)
{
	struct lookup_error *e;

	if (ps->req->errors->len >= LOOKUP_MAX_ERRORS)
		return;
	e = g_new0(struct lookup_error, 1);
	e->line = line;
	e->quoted = raw ? text_line_quote(raw) : NULL;
	e->key = key;
	g_ptr_array_add(ps->req->errors, e);
}

static void error_free(gpointer p)
{
	struct lookup_error *e = p;

	g_free(e->quoted);
	g_free(e);
}

static void query_free(gpointer p)
{
	struct lookup_query *q = p;

	g_ptr_array_unref(q->states);
	g_ptr_array_unref(q->languages);
	g_ptr_array_unref(q->words);
	g_free(q);
}

void lookup_request_free(struct lookup_request *r)
{
	if (!r)
		return;
	g_ptr_array_unref(r->queries);
	g_ptr_array_unref(r->errors);
	g_free(r);
}

/* Which verb words is: ours (0, *verb set), another command's (1), none (-1). */
static int verb_of(const struct templates *tpl, const char *words, enum lookup_verb *verb,
		   char lang[8])
{
	if (!*words || strlen(words) > 100)
		return -1;
	for (int v = LOOKUP_LOOKUP; v <= LOOKUP_ACCESS_LOG; v++)
		if (templates_match_word(tpl, lookup_verb_name(v), words, lang)) {
			*verb = (enum lookup_verb)v;
			return 0;
		}
	for (int i = 0; other_verbs[i]; i++)
		if (templates_match_word(tpl, other_verbs[i], words, lang))
			return 1;
	return -1;
}

static enum label label_of(const struct templates *tpl, const char *folded)
{
	char lang[8];

	for (size_t i = 0; i < G_N_ELEMENTS(labels); i++)
		if (templates_match_word(tpl, labels[i].key, folded, lang))
			return labels[i].label;
	return LABEL_NONE;
}

/* The items of a folded list value: separated by commas and semicolons
 * (ASCII, full-width, ideographic, Arabic), trimmed, empty ones dropped. */
static GPtrArray *split_list(const char *folded)
{
	GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
	GString *cur = g_string_new(NULL);

	for (const char *p = folded;; p = g_utf8_next_char(p)) {
		gunichar c = *p ? g_utf8_get_char(p) : 0;

		if (!c || c == ',' || c == ';' || c == 0xFF0C || c == 0xFF1B || c == 0x3001 ||
		    c == 0x060C || c == 0x061B) {
			char *item = g_strstrip(g_strdup(cur->str));

			if (*item)
				g_ptr_array_add(items, item);
			else
				g_free(item);
			g_string_truncate(cur, 0);
			if (!c)
				break;
		} else {
			g_string_append_unichar(cur, c);
		}
	}
	g_string_free(cur, TRUE);
	return items;
}

/* Adds s (copied) to a NULL-terminated array, once. */
static void add_state(GPtrArray *states, const char *code)
{
	if (lookup_list_has(states, code))
		return;
	g_ptr_array_remove_index(states, states->len - 1);	/* the NULL */
	g_ptr_array_add(states, g_strdup(code));
	g_ptr_array_add(states, NULL);
}

/* One State value: the whole value names a State, else each item does.
 * NULL or an error key. */
static const char *take_states(struct lookup_query *q, const char *value)
{
	const struct states *ref = states_load(NULL);
	char code[3];
	GPtrArray *items;
	const char *key = NULL;

	if (!ref)
		return "unknown-state";
	if (states_find(ref, value, code) == 0) {
		add_state(q->states, code);
		return NULL;
	}
	items = split_list(value);
	for (guint i = 0; i < items->len && !key; i++)
		if (states_find(ref, items->pdata[i], code) == 0)
			add_state(q->states, code);
		else
			key = "unknown-state";
	g_ptr_array_unref(items);
	return key;
}

static const char *take_item(const struct templates *tpl, struct parser *ps, enum label label,
			     const char *item)
{
	struct lookup_query *q = ps->cur;
	char lang[8], code[8];

	switch (label) {
	case LABEL_TYPE:
		for (int t = 0; t < 4; t++)
			if (templates_match_word(tpl, type_keys[t], item, lang)) {
				q->types |= 1u << t;
				return NULL;
			}
		return "unknown-type";
	case LABEL_LANGUAGES:
		if (langnames_find(item, code) < 0)
			return "unknown-language";
		if (!lookup_list_has(q->languages, code))
			g_ptr_array_add(q->languages, g_strdup(code));
		return NULL;
	case LABEL_FORMAT:
		if (templates_match_word(tpl, "format-all", item, lang))
			q->formats |= LOOKUP_FORMAT_ALL;
		else if (templates_match_word(tpl, "format-csv", item, lang))
			q->formats |= LOOKUP_FORMAT_CSV;
		else if (templates_match_word(tpl, "format-vcard", item, lang))
			q->formats |= LOOKUP_FORMAT_VCARD;
		else if (templates_match_word(tpl, "format-json", item, lang))
			q->formats |= LOOKUP_FORMAT_JSON;
		else if (!templates_match_word(tpl, "format-text", item, lang))
			return "unknown-format";
		ps->format_given = TRUE;
		return NULL;
	default:
		return NULL;
	}
}

/* Organisation words: each word of the value, folded; "too-long" for a
 * word of more than MAX_FIELD_LEN bytes (none is taken then), else NULL. */
static const char *take_words(struct lookup_query *q, const char *value)
{
	gchar **words = g_strsplit_set(value, " ,;\t", -1);
	const char *key = NULL;

	for (gchar **w = words; *w && !key; w++)
		if (strlen(*w) > MAX_FIELD_LEN)
			key = "too-long";
	for (gchar **w = words; *w && !key; w++)
		if (**w && !lookup_list_has(q->words, *w))
			g_ptr_array_add(q->words, g_strdup(*w));
	g_strfreev(words);
	return key;
}

/* A criterion of the current request. */
static void take_value(struct parser *ps, enum label label, const char *folded_value)
{
	struct lookup_query *q = ps->cur;
	const char *key = NULL;
	GPtrArray *items;

	if (!*folded_value)
		return;
	ps->criteria++;
	if (q->verb == LOOKUP_ACCESS_LOG) {
		add_error(ps, ps->line, ps->raw, "unexpected-criteria");
		return;
	}
	if (label == LABEL_STATE) {
		key = take_states(q, folded_value);
	} else if (label == LABEL_WORDS) {
		key = take_words(q, folded_value);
	} else {
		items = split_list(folded_value);
		for (guint i = 0; i < items->len && !key; i++)
			key = take_item(ps->tpl, ps, label, items->pdata[i]);
		g_ptr_array_unref(items);
	}
	if (!key && (q->states->len > LOOKUP_MAX_VALUES + 1 ||
		     q->languages->len > LOOKUP_MAX_VALUES || q->words->len > LOOKUP_MAX_VALUES))
		key = "too-many-values";
	if (key)
		add_error(ps, ps->line, ps->raw, key);
}

/* A line with a colon: 1 when it was a label line. */
static int label_line(struct parser *ps, const char *text)
{
	size_t clen;
	const char *colon = text_line_colon(text, &clen);
	char *label_raw, *label, *value;
	enum label which;

	if (!colon || g_str_has_prefix(colon + clen, "//"))
		return 0;
	label_raw = g_strndup(text, (gsize)(colon - text));
	label = fold_text(label_raw);
	g_free(label_raw);
	if (!text_line_label_like(label)) {
		g_free(label);
		return 0;
	}
	if (ps->cur) {
		which = label_of(ps->tpl, label);
		value = fold_text(colon + clen);
		if (which == LABEL_NONE)
			add_error(ps, ps->line, ps->raw, "unknown-label");
		else
			take_value(ps, which, value);
		g_free(value);
	}
	g_free(label);
	return 1;
}

/* The current request is complete: keep it, or drop a quoted one. */
static void finish_query(struct parser *ps)
{
	struct lookup_query *q = ps->cur;

	if (!q)
		return;
	ps->cur = NULL;
	if (ps->quoted && ps->criteria == 0) {	/* a reply quoting a request: not one */
		query_free(q);
		return;
	}
	if (!ps->format_given)
		q->formats = LOOKUP_FORMAT_ALL;
	if (q->verb == LOOKUP_LOOKUP && q->states->len == 1 && !q->types && !q->languages->len &&
	    !q->words->len &&
	    ps->req->errors->len == ps->errors_before) /* a wrong criterion is error enough */
		add_error(ps, q->line, NULL, "no-criteria");
	if (ps->req->queries->len >= LOOKUP_MAX_QUERIES) {
		if (!ps->too_many++)
			add_error(ps, 0, NULL, "too-many-requests");
		query_free(q);
		return;
	}
	g_ptr_array_add(ps->req->queries, q);
}

static void start_query(struct parser *ps, enum lookup_verb verb, const char lang[8],
			gboolean quoted)
{
	struct lookup_query *q = g_new0(struct lookup_query, 1);

	q->verb = verb;
	q->line = ps->line;
	memcpy(q->lang, lang, sizeof q->lang);
	q->states = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(q->states, NULL);
	q->languages = g_ptr_array_new_with_free_func(g_free);
	q->words = g_ptr_array_new_with_free_func(g_free);
	ps->cur = q;
	ps->quoted = quoted;
	ps->criteria = 0;
	ps->format_given = FALSE;
	ps->errors_before = ps->req->errors->len;
}

static void read_line(struct parser *ps, const char *raw)
{
	gboolean quoted;
	const char *text = quote_strip(raw, &quoted);
	char *words = text_line_bare_words(text), lang[8];
	enum lookup_verb verb;
	int kind = verb_of(ps->tpl, words, &verb, lang);

	g_free(words);
	ps->raw = raw;
	if (kind >= 0) {
		finish_query(ps);
		if (kind == 0) {
			start_query(ps, verb, lang, quoted);
			if (!ps->req->lang[0] && !quoted)
				memcpy(ps->req->lang, lang, sizeof ps->req->lang);
		}
		return;
	}
	if (!label_line(ps, text) && ps->cur) {
		char *t = g_strstrip(g_strdup(text));

		if (*t)
			finish_query(ps);	/* a line of prose or a signature ends the
						 * request */
		g_free(t);
	}
}

struct lookup_request *lookup_parse(const struct templates *tpl, const char *text)
{
	struct lookup_request *req = g_new0(struct lookup_request, 1);
	struct parser ps = { .tpl = tpl, .req = req };
	gchar **lines = text_lines(text);

	req->queries = g_ptr_array_new_with_free_func(query_free);
	req->errors = g_ptr_array_new_with_free_func(error_free);
	for (int i = 0; lines[i]; i++) {
		ps.line = i + 1;
		read_line(&ps, lines[i]);
	}
	ps.raw = NULL;
	finish_query(&ps);
	if (!req->lang[0] && req->queries->len)
		memcpy(req->lang, ((struct lookup_query *)req->queries->pdata[0])->lang,
		       sizeof req->lang);
	g_strfreev(lines);
	return req;
}

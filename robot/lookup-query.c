/* lookup-query.c - what the robot does with a LOOKUP, EXTRACT or ACCESS-LOG
 * request once read (filters/lookup-parse.c): its verb's name, whether a
 * POC meets its criteria, and the request written back as one normalised
 * line. */
#include <string.h>
#include "lookup-query.h"
#include "fold.h"

static const char *const verb_keys[] = {
	[LOOKUP_LOOKUP] = "lookup",
	[LOOKUP_EXTRACT] = "extract",
	[LOOKUP_ACCESS_LOG] = "access-log",
};

G_STATIC_ASSERT(G_N_ELEMENTS(verb_keys) == LOOKUP_ACCESS_LOG + 1);

const char *lookup_verb_name(enum lookup_verb v)
{
	g_assert((unsigned)v < G_N_ELEMENTS(verb_keys));
	return verb_keys[v];
}

int lookup_list_has(const GPtrArray *a, const char *s)
{
	for (guint i = 0; i < a->len; i++)
		if (a->pdata[i] && strcmp(a->pdata[i], s) == 0)
			return 1;
	return 0;
}

int lookup_query_matches(const struct lookup_query *q, const struct poc *p)
{
	char *org;
	int ok = 1;

	if (q->types && (p->type < 0 || !(q->types & (1u << p->type))))
		return 0;
	if (q->languages->len) {
		ok = 0;
		for (guint i = 0; i < p->languages->len && !ok; i++)
			ok = lookup_list_has(q->languages, p->languages->pdata[i]);
		if (!ok)
			return 0;
	}
	if (!q->words->len)
		return 1;
	org = fold_text(p->organisation ? p->organisation : "");
	for (guint i = 0; i < q->words->len && ok; i++)
		ok = strstr(org, q->words->pdata[i]) != NULL;
	g_free(org);
	return ok;
}

static void append_list(GString *s, const char *name, const GPtrArray *a)
{
	guint n = 0;

	for (guint i = 0; i < a->len; i++) {
		if (!a->pdata[i])
			continue;
		g_string_append(s, n++ ? "," : s->len ? " " : "");
		if (n == 1)
			g_string_append_printf(s, "%s=", name);
		g_string_append(s, a->pdata[i]);
	}
}

char *lookup_query_summary(const struct lookup_query *q)
{
	static const char *const types[] = { "diplomatic", "technical", "policy",
					     "law-enforcement" };
	static const char *const formats[] = { "csv", "vcard", "json" };
	GString *s = g_string_new(NULL);
	guint n = 0;

	append_list(s, "state", q->states);
	for (int t = 0; t < 4; t++)
		if (q->types & (1u << t))
			g_string_append_printf(s, "%s%s",
					       n++      ? ","
					       : s->len ? " type="
							: "type=",
					       types[t]);
	append_list(s, "lang", q->languages);
	append_list(s, "words", q->words);
	if (q->verb != LOOKUP_ACCESS_LOG && q->formats != LOOKUP_FORMAT_ALL) {
		g_string_append(s, s->len ? " format=text" : "format=text");
		for (int f = 0; f < 3; f++)
			if (q->formats & (1u << f))
				g_string_append_printf(s, ",%s", formats[f]);
	}
	return g_string_free(s, FALSE);
}

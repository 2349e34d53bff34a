/* test-lookup.c - the LOOKUP, EXTRACT and ACCESS-LOG requests of
 * filters/lookup-parse.h: written natively in the six languages; criteria
 * normalised (States in any language and by code, types, languages,
 * organisation words, formats); "> " quoting, full-width colons, Arabic
 * direction marks; a quoted request with no criteria ignored; blocks ended
 * by prose and by other verbs; every error kind with its line; the
 * matching of POCs and the normalised summary; no word of the new labels
 * and verbs meaning two things. */
#include <check.h>
#include <string.h>
#include <glib.h>
#include "filters/lookup-parse.h"
#include "robot/limits.h"
#include "robot/pocs.h"
#include "robot/templates.h"

static struct templates *tpl;

static const char *const langs[] = { "ar", "en", "es", "fr", "ru", "zh" };

static struct lookup_request *parse_ok(const char *text, guint n)
{
	struct lookup_request *r = lookup_parse(tpl, text);
	GString *msg = g_string_new(NULL);

	for (guint i = 0; i < r->errors->len; i++) {
		const struct lookup_error *e = r->errors->pdata[i];

		g_string_append_printf(msg, "\n  line %d %s \"%s\"", e->line, e->key, e->quoted ? e->quoted : "");
	}
	ck_assert_msg(r->errors->len == 0, "unexpected errors:%s\nin:\n%s", msg->str, text);
	ck_assert_msg(r->queries->len == n, "%u requests, wanted %u, in:\n%s", r->queries->len, n, text);
	g_string_free(msg, TRUE);
	return r;
}

static const struct lookup_query *q_at(const struct lookup_request *r, guint i)
{
	return r->queries->pdata[i];
}

static int has_error(const struct lookup_request *r, const char *key, int line)
{
	for (guint i = 0; i < r->errors->len; i++) {
		const struct lookup_error *e = r->errors->pdata[i];

		if (strcmp(e->key, key) == 0 && e->line == line)
			return 1;
	}
	return 0;
}

static char *summary(const struct lookup_query *q)
{
	return lookup_query_summary(q);
}

/* The same LOOKUP (Japan, technical, English, format CSV) in each language. */
static const struct {
	const char *lang, *text;
} natives[] = {
	{ "en", "Dear colleagues,\n\nLOOKUP\nState: Japan\nType: technical\nLanguage: English\nFormat: csv\n" },
	{ "fr", "Bonjour,\n\nCONSULTATION\nÉtat : Japon\nType : technique\nLangue : anglais\nFormat : csv\n" },
	{ "es", "Estimados colegas:\n\nCONSULTA\nEstado: Japón\nTipo: técnico\nIdioma: inglés\nFormato: CSV\n" },
	{ "ru", "Уважаемые коллеги!\n\nПОИСК\nГосударство: Япония\nТип: технический\nЯзык: английский\nФормат: csv\n" },
	{ "zh", "各位同事：\n\n查询\n国家：日本\n类型：技术\n语言：英语\n格式：CSV\n" },
	{ "ar", "الزملاء الأعزاء،\n\nاستعلام\nالدولة: اليابان\nالنوع: تقني\nاللغة: الإنكليزية\nالصيغة: CSV\n" },
};

START_TEST(test_native)
{
	struct lookup_request *r = parse_ok(natives[_i].text, 1);
	const struct lookup_query *q = q_at(r, 0);
	char *s = summary(q);

	ck_assert_str_eq(r->lang, natives[_i].lang);
	ck_assert_int_eq(q->verb, LOOKUP_LOOKUP);
	ck_assert_int_eq(q->line, 3);
	ck_assert_str_eq(s, "state=JP type=technical lang=en format=text,csv");
	ck_assert_uint_eq(q->formats, LOOKUP_FORMAT_CSV);
	g_free(s);
	lookup_request_free(r);
}
END_TEST

/* EXTRACT and ACCESS-LOG in each language: the verb, the language, defaults. */
START_TEST(test_extract_and_access_log)
{
	static const char *const extract[] = { "استخراج", "EXTRACT", "EXTRACTO", "EXTRAIT", "ВЫПИСКА", "导出" };
	static const char *const log[] = { "سجل الاطلاع", "ACCESS-LOG", "REGISTRO DE ACCESOS", "JOURNAL DES ACCÈS",
					   "ЖУРНАЛ ДОСТУПА", "访问日志" };
	char *text = g_strdup_printf("%s\n\n%s\n", extract[_i], log[_i]);
	struct lookup_request *r = parse_ok(text, 2);
	char *s = summary(q_at(r, 0));

	ck_assert_str_eq(r->lang, langs[_i]);
	ck_assert_int_eq(q_at(r, 0)->verb, LOOKUP_EXTRACT);
	ck_assert_uint_eq(q_at(r, 0)->formats, LOOKUP_FORMAT_ALL);
	ck_assert_ptr_null(q_at(r, 0)->states->pdata[0]);
	ck_assert_str_eq(s, "");
	ck_assert_int_eq(q_at(r, 1)->verb, LOOKUP_ACCESS_LOG);
	ck_assert_str_eq(q_at(r, 1)->lang, langs[_i]);
	g_free(s);
	g_free(text);
	lookup_request_free(r);
}
END_TEST

START_TEST(test_formats)
{
	struct lookup_request *r = parse_ok("EXTRACT\nFormat: text\n\nEXTRACT\nFormat: vCard; json\n\n"
					    "EXTRACT\nFormat: all\n\nEXTRACTION\nFormat : texte, csv\n", 4);

	ck_assert_uint_eq(q_at(r, 0)->formats, 0);
	ck_assert_uint_eq(q_at(r, 1)->formats, LOOKUP_FORMAT_VCARD | LOOKUP_FORMAT_JSON);
	ck_assert_uint_eq(q_at(r, 2)->formats, LOOKUP_FORMAT_ALL);
	ck_assert_uint_eq(q_at(r, 3)->formats, LOOKUP_FORMAT_CSV);
	lookup_request_free(r);
}
END_TEST

/* Several States (names in two languages, codes), types and words. */
START_TEST(test_lists)
{
	struct lookup_request *r = parse_ok("LOOKUP\nState: France; Allemagne, JP\nState: Brazil\n"
					    "Type: technical, police\nOrganisation: Cyber  AGENCY\n", 1);
	char *s = summary(q_at(r, 0));

	ck_assert_str_eq(s, "state=FR,DE,JP,BR type=technical,law-enforcement words=cyber,agency");
	g_free(s);
	lookup_request_free(r);
	r = parse_ok("LOOKUP\nState: Japan, Republic of Korea\n", 1);	/* a name with a comma in a list */
	s = summary(q_at(r, 0));
	ck_assert_str_eq(s, "state=JP,KR");
	g_free(s);
	lookup_request_free(r);
}
END_TEST

/* Quoted, full-width colons, Arabic marks, decoration around the verb. */
START_TEST(test_quoting_and_marks)
{
	struct lookup_request *r = parse_ok("> > LOOKUP\n> State： Japan\n", 1);
	char *s;

	ck_assert_str_eq(q_at(r, 0)->states->pdata[0], "JP");
	lookup_request_free(r);
	r = parse_ok("\u200fاستعلام\u200f\n\u200fالدولة\u200f: \u200fفرنسا\u200f\n", 1);
	ck_assert_str_eq(q_at(r, 0)->states->pdata[0], "FR");
	lookup_request_free(r);
	r = parse_ok("*LOOKUP:*\nType: diplomatic\n", 1);
	s = summary(q_at(r, 0));
	ck_assert_str_eq(s, "type=diplomatic");
	g_free(s);
	lookup_request_free(r);
	/* a reply quoting an EXTRACT is not one */
	r = parse_ok("Thank you.\n\n> EXTRACT\n>\n> Regards\n", 0);
	ck_assert_str_eq(r->lang, "");
	lookup_request_free(r);
}
END_TEST

/* A block ends at prose and at another command's verb. */
START_TEST(test_block_ends)
{
	struct lookup_request *r = parse_ok("LOOKUP\nState: Japan\n\nBest regards,\nType: nonsense\n", 1);

	ck_assert_uint_eq(q_at(r, 0)->types, 0);
	lookup_request_free(r);
	r = lookup_parse(tpl, "LOOKUP\nState: Japan\nNOMINATE\nType: technical\nOrganisation: X\n");
	ck_assert_uint_eq(r->queries->len, 1);
	ck_assert_uint_eq(r->errors->len, 0);
	ck_assert_uint_eq(q_at(r, 0)->types, 0);
	lookup_request_free(r);
	r = parse_ok("No request here.\nState: Japan\n", 0);
	lookup_request_free(r);
}
END_TEST

START_TEST(test_errors)
{
	char *text;
	struct lookup_request *r = lookup_parse(tpl, "LOOKUP\nState: Atlantis\nType: secret\nLanguage: Klingon\n"
						"Colour: blue\nFormat: pdf\n\nLOOKUP\n\nACCESS-LOG\nState: France\n");

	ck_assert(has_error(r, "unknown-state", 2));
	ck_assert(has_error(r, "unknown-type", 3));
	ck_assert(has_error(r, "unknown-language", 4));
	ck_assert(has_error(r, "unknown-label", 5));
	ck_assert(has_error(r, "unknown-format", 6));
	ck_assert(has_error(r, "no-criteria", 8));
	ck_assert(has_error(r, "unexpected-criteria", 11));
	ck_assert_uint_eq(r->errors->len, 7);
	ck_assert_str_eq(((struct lookup_error *)r->errors->pdata[0])->quoted, "State: Atlantis");
	lookup_request_free(r);
	r = lookup_parse(tpl, "EXTRACT\nEXTRACT\nEXTRACT\nEXTRACT\nEXTRACT\nEXTRACT\nEXTRACT\n");
	ck_assert_uint_eq(r->queries->len, LOOKUP_MAX_QUERIES);
	ck_assert(has_error(r, "too-many-requests", 0));
	ck_assert_uint_eq(r->errors->len, 1);
	lookup_request_free(r);
	text = g_strdup_printf("LOOKUP\nOrganisation: CERT %0*d\n", MAX_FIELD_LEN + 1, 7);	/* one word too long */
	r = lookup_parse(tpl, text);
	ck_assert(has_error(r, "too-long", 2));
	ck_assert_uint_eq(((struct lookup_query *)r->queries->pdata[0])->words->len, 0);
	lookup_request_free(r);
	g_free(text);
	r = lookup_parse(tpl, "LOOKUP\nState: \x01\xff\xfe Japan\n");	/* bad bytes: unknown, quoted safely */
	ck_assert_uint_eq(r->errors->len, 1);
	ck_assert(g_utf8_validate(((struct lookup_error *)r->errors->pdata[0])->quoted, -1, NULL));
	lookup_request_free(r);
}
END_TEST

static void fill_poc(struct poc *p, enum poc_type type, const char *org, const char *lang)
{
	memset(p, 0, sizeof *p);
	p->type = type;
	p->organisation = g_strdup(org);
	p->emails = g_ptr_array_new_with_free_func(g_free);
	p->phones = g_ptr_array_new_with_free_func(g_free);
	p->phones_e164 = g_ptr_array_new_with_free_func(g_free);
	p->languages = g_ptr_array_new_with_free_func(g_free);
	if (lang)
		g_ptr_array_add(p->languages, g_strdup(lang));
}

START_TEST(test_matches)
{
	struct lookup_request *r = parse_ok("LOOKUP\nType: technical\nLanguage: French, English\n"
					    "Organisation: cert nationale\n", 1);
	const struct lookup_query *q = q_at(r, 0);
	struct poc p;

	fill_poc(&p, POC_TECHNICAL, "CERT Nationale (ANSSI)", "fr");
	ck_assert_int_eq(lookup_query_matches(q, &p), 1);
	pocs_clear(&p);
	fill_poc(&p, POC_POLICY, "CERT Nationale", "fr");
	ck_assert_int_eq(lookup_query_matches(q, &p), 0);
	pocs_clear(&p);
	fill_poc(&p, POC_TECHNICAL, "CERT Nationale", "de");
	ck_assert_int_eq(lookup_query_matches(q, &p), 0);
	pocs_clear(&p);
	fill_poc(&p, POC_TECHNICAL, "Agence nationale", "en");
	ck_assert_int_eq(lookup_query_matches(q, &p), 0);
	pocs_clear(&p);
	lookup_request_free(r);
	r = parse_ok("EXTRACT\n", 1);
	fill_poc(&p, POC_DIPLOMATIC, NULL, NULL);
	ck_assert_int_eq(lookup_query_matches(q_at(r, 0), &p), 1);
	pocs_clear(&p);
	lookup_request_free(r);
}
END_TEST

/* No word of the new keys means two things: the Format label is no form
 * field, ACCESS-LOG no other verb, and format values are distinct. */
START_TEST(test_words_unambiguous)
{
	static const char *const groups[][14] = {
		{ "field-state", "field-type", "field-organisation", "field-web", "field-email", "field-phone",
		  "field-languages", "field-name", "field-position", "field-notes", "field-id", "field-reason",
		  "field-format", NULL },
		{ "nominate", "update", "withdraw", "help", "form", "lookup", "extract", "access-log", "dry-run",
		  NULL },
		{ "format-text", "format-csv", "format-vcard", "format-json", "format-all", NULL },
	};

	for (size_t g = 0; g < G_N_ELEMENTS(groups); g++)
		for (size_t l = 0; l < G_N_ELEMENTS(langs); l++)
			for (int k = 0; groups[g][k]; k++) {
				char *words = templates_phrase(tpl, langs[l], "words", groups[g][k]);
				gchar **list = g_strsplit(words ? words : "", ",", 0);

				for (gchar **w = list; *w; w++) {
					char lang[8];

					for (int o = 0; groups[g][o]; o++)
						ck_assert_msg(o == k || !templates_match_word(tpl, groups[g][o], *w, lang),
							      "\"%s\" (%s %s) is also %s in %s", g_strstrip(*w),
							      langs[l], groups[g][k], groups[g][o], lang);
				}
				g_strfreev(list);
				g_free(words);
			}
	for (size_t l = 0; l < G_N_ELEMENTS(langs); l++) {
		const char *const keys[] = { "access-log", "field-format", "format-text", "format-all" };

		for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
			const char *raw = templates_get(tpl, langs[l], "words");
			char *line = g_strdup_printf("\n%s:", keys[k]);

			ck_assert_msg(raw && strstr(raw, line), "%s/words.txt has no %s", langs[l], keys[k]);
			g_free(line);
		}
	}
}
END_TEST

/* Every lookup template and phrase exists in every language. */
START_TEST(test_templates)
{
	static const char *const names[] = { "lookup", "lookup-errors", "lookup-limit", "lookup-access-log",
					     "lookup-phrases" };
	const char *en = templates_get(tpl, "en", "lookup-phrases");
	gchar **lines = g_strsplit(en, "\n", 0);

	for (size_t n = 0; n < G_N_ELEMENTS(names); n++)
		ck_assert_msg(templates_get(tpl, langs[_i], names[n]) != NULL, "%s has no %s", langs[_i], names[n]);
	for (gchar **l = lines; *l; l++) {
		char *colon = strchr(*l, ':'), *key, *need;

		if (**l == '#' || !colon)
			continue;
		key = g_strndup(*l, (gsize)(colon - *l));
		need = g_strdup_printf("\n%s:", key);
		ck_assert_msg(strstr(templates_get(tpl, langs[_i], "lookup-phrases"), need), "%s lookup-phrases has no %s",
			      langs[_i], key);
		g_free(key);
		g_free(need);
	}
	g_strfreev(lines);
}
END_TEST

static Suite *lookup_suite(void)
{
	Suite *s = suite_create("lookup");
	TCase *grammar = tcase_create("grammar"), *values = tcase_create("values");

	tcase_add_loop_test(grammar, test_native, 0, G_N_ELEMENTS(natives));
	tcase_add_loop_test(grammar, test_extract_and_access_log, 0, G_N_ELEMENTS(langs));
	tcase_add_test(grammar, test_formats);
	tcase_add_test(grammar, test_quoting_and_marks);
	tcase_add_test(grammar, test_block_ends);
	tcase_add_test(grammar, test_errors);
	tcase_add_test(values, test_lists);
	tcase_add_test(values, test_matches);
	tcase_add_test(values, test_words_unambiguous);
	tcase_add_loop_test(values, test_templates, 0, G_N_ELEMENTS(langs));
	suite_add_tcase(s, grammar);
	suite_add_tcase(s, values);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lookup_suite());
	int failed;

	tpl = templates_load();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	templates_free(tpl);
	return failed != 0;
}

/* test-templates.c - template_render and template_split, fold_text, and the
 * compiled-in templates/<lang>/ folders: every language has its help, form
 * and words, its help word is recognised, and every text renders and splits;
 * the dry run's answer and every problem and status word in each language.
 * Nothing here touches the file system: the templates are in the binary. */
#include <check.h>
#include <string.h>
#include <glib.h>
#include "robot/templates.h"
#include "robot/fold.h"

static const char *const languages[] = { "ar", "en", "es", "fr", "ru", "zh", NULL };

static GHashTable *vars_new(void)
{
	GHashTable *v = g_hash_table_new(g_str_hash, g_str_equal);

	g_hash_table_insert(v, (gpointer)"robot", (gpointer)"pocbot@example.org");
	g_hash_table_insert(v, (gpointer)"custodian", (gpointer)"custodian@example.org");
	g_hash_table_insert(v, (gpointer)"lang", (gpointer)"xx");
	return v;
}

static void assert_renders(const char *tmpl, GHashTable *vars, const char *want)
{
	char *err = (char *)"untouched";
	char *got = template_render(tmpl, vars, &err);

	ck_assert_msg(got != NULL, "\"%s\" failed: %s", tmpl, err);
	ck_assert(err == NULL);
	ck_assert_str_eq(got, want);
	g_free(got);
}

static void assert_render_fails(const char *tmpl, GHashTable *vars, const char *want_in_err)
{
	char *err = NULL;
	char *got = template_render(tmpl, vars, &err);

	ck_assert_msg(got == NULL, "\"%s\" rendered as \"%s\"", tmpl, got);
	ck_assert_msg(err && strstr(err, want_in_err), "\"%s\": error \"%s\", wanted \"%s\"", tmpl, err,
		      want_in_err);
	g_free(err);
}

START_TEST(test_render)
{
	GHashTable *v = vars_new();

	g_hash_table_insert(v, (gpointer)"name", (gpointer)"World");
	g_hash_table_insert(v, (gpointer)"evil", (gpointer)"{{robot}} %s%n%x {{nosuch");
	g_hash_table_insert(v, (gpointer)"empty", (gpointer)"");
	assert_renders("Hello {{name}}!", v, "Hello World!");
	assert_renders("{{name}}{{name}}", v, "WorldWorld");
	assert_renders("{{ name }}", v, "World");
	assert_renders("no placeholders, a } and a { and %s", v, "no placeholders, a } and a { and %s");
	assert_renders("", v, "");
	assert_renders("[{{empty}}]", v, "[]");
	/* values are inserted verbatim: neither placeholders nor formats */
	assert_renders("<{{evil}}>", v, "<{{robot}} %s%n%x {{nosuch>");
	assert_renders("plain text", NULL, "plain text");
	assert_render_fails("Hello {{nosuch}}", v, "nosuch");
	assert_render_fails("Hello {{name}} and {{other}}", v, "other");
	assert_render_fails("Hello {{name", v, "{{");
	assert_render_fails("{{name}} then {{", v, "{{");
	assert_render_fails("{{name}}", NULL, "name");
	g_hash_table_unref(v);
}
END_TEST

START_TEST(test_split)
{
	char *subject, *body;

	ck_assert_int_eq(template_split("Subject: x\n\nbody", &subject, &body), 0);
	ck_assert_str_eq(subject, "x");
	ck_assert_str_eq(body, "body");
	g_free(subject);
	g_free(body);

	ck_assert_int_eq(template_split("Subject:   Two words  \n\nline 1\n\nline 3\n", &subject, &body), 0);
	ck_assert_str_eq(subject, "Two words");
	ck_assert_str_eq(body, "line 1\n\nline 3\n");
	g_free(subject);
	g_free(body);

	ck_assert_int_eq(template_split("No subject\n\nbody", &subject, &body), -1);
	ck_assert(subject == NULL && body == NULL);
	ck_assert_int_eq(template_split("Subject: only", &subject, &body), -1);
	ck_assert(subject == NULL && body == NULL);
}
END_TEST

static void assert_folds_equal(const char *a, const char *b)
{
	char *fa = fold_text(a), *fb = fold_text(b);

	ck_assert_msg(strcmp(fa, fb) == 0, "fold(\"%s\") = \"%s\" but fold(\"%s\") = \"%s\"", a, fa, b, fb);
	g_free(fa);
	g_free(fb);
}

static void assert_folds_to(const char *s, const char *want)
{
	char *f = fold_text(s);

	ck_assert_str_eq(f, want);
	g_free(f);
}

START_TEST(test_fold)
{
	char *f;

	assert_folds_to("ＡＩＤＥ", "aide");
	assert_folds_to("Aide", "aide");
	assert_folds_to("HELP", "help");
	assert_folds_equal("\u200Fمساعدة\u200F", "مساعدة");
	assert_folds_equal("مس\u200Eاعدة\u061C", "مساعدة");
	assert_folds_equal("\uFEFFHELP\u200B", "help");
	assert_folds_to("  blank    form \t\n here  ", "blank form here");
	assert_folds_to("a\u3000\u00A0b", "a b");	/* ideographic and no-break spaces */
	assert_folds_to("ПОМОЩЬ", "помощь");
	assert_folds_to("ﬁle", "file");
	assert_folds_to("", "");
	assert_folds_to("   ", "");
	f = fold_text("bad \xff\xfe bytes");
	ck_assert(g_utf8_validate(f, -1, NULL));
	ck_assert(g_str_has_prefix(f, "bad ") && g_str_has_suffix(f, " bytes"));
	g_free(f);
}
END_TEST

START_TEST(test_every_language_present)
{
	struct templates *t = templates_load();
	const GPtrArray *langs = templates_languages(t);

	for (const char *const *l = languages; *l; l++) {
		ck_assert_msg(g_ptr_array_find_with_equal_func((GPtrArray *)langs, *l, g_str_equal, NULL),
			      "no templates/%s", *l);
		for (const char *const *n = (const char *const[]){ "help", "form", "words", NULL }; *n; n++) {
			const char *text = templates_get(t, *l, *n);

			ck_assert_msg(text && *text, "templates/%s/%s.txt missing or empty", *l, *n);
			ck_assert_msg(g_utf8_validate(text, -1, NULL), "templates/%s/%s.txt not UTF-8", *l, *n);
		}
	}
	for (guint i = 1; i < langs->len; i++)
		ck_assert(strcmp(langs->pdata[i - 1], langs->pdata[i]) < 0);
	ck_assert(templates_get(t, "en", "nosuch") == NULL);
	ck_assert(templates_get(t, "xx", "help") == NULL);
	templates_free(t);
}
END_TEST

/* The layout phrases: in every language, each one filled, none missing;
 * punctuation from the file, values inserted as they are; a missing key
 * or value gives the key back. */
START_TEST(test_layout)
{
	struct templates *t = templates_load();
	static const char *const keys[] = { "change", "field", "problem", "problem-quoted",
					    "ping-time", NULL };
	static const char *const want[][2] = {
		{ "problem-quoted", "Line 3: \u00abx\u00bb" }, { "field", "L: {{v}}" },
		{ "ping-time", "t (a 1:02:05)" }, { "nosuch", "nosuch" },
	};
	const char *vars[] = { "id", "FR-T-1", "what", "w", "label", "L", "value", "{{v}}",
			       "line", "Line", "number", "3", "text", "x",
			       "when", "t", "after", "a", "time", "1:02:05", NULL };
	char *s;

	for (const char *const *l = languages; *l; l++)
		for (const char *const *k = keys; *k; k++) {
			char *phrase = templates_phrase(t, *l, "layout", *k);

			ck_assert_msg(phrase && strstr(templates_get(t, *l, "layout"), *k),
				      "%s/layout %s", *l, *k);
			g_free(phrase);
			s = templates_layout(t, *l, *k, vars);
			ck_assert_msg(strcmp(s, *k) != 0, "%s/layout %s: %s", *l, *k, s);
			g_free(s);
		}
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		s = templates_layout(t, "en", want[i][0], vars);
		ck_assert_str_eq(s, want[i][1]);
		g_free(s);
	}
	s = templates_layout(t, "en", "change", (const char *[]){ "id", "FR-T-1", NULL });
	ck_assert_str_eq(s, "change");
	g_free(s);
	templates_free(t);
}
END_TEST

static void assert_word(const struct templates *t, const char *key, const char *word, const char *want)
{
	char lang[8] = "";

	ck_assert_msg(templates_match_word(t, key, word, lang), "%s \"%s\" not recognised", key, word);
	ck_assert_msg(strcmp(lang, want) == 0, "%s \"%s\" taken as %s, wanted %s", key, word, lang, want);
}

START_TEST(test_help_words)
{
	struct templates *t = templates_load();
	char lang[8];

	assert_word(t, "help", "HELP", "en");
	assert_word(t, "help", "help", "en");
	assert_word(t, "help", "ＨＥＬＰ", "en");
	assert_word(t, "help", " Help ", "en");
	assert_word(t, "help", "AIDE", "fr");
	assert_word(t, "help", "aide", "fr");
	assert_word(t, "help", "AYUDA", "es");
	assert_word(t, "help", "ПОМОЩЬ", "ru");
	assert_word(t, "help", "помощь", "ru");
	assert_word(t, "help", "帮助", "zh");
	assert_word(t, "help", "مساعدة", "ar");
	assert_word(t, "help", "\u200Fمساعدة\u200F", "ar");
	ck_assert(!templates_match_word(t, "help", "HELPME", lang));
	ck_assert(!templates_match_word(t, "help", "", lang));
	ck_assert(!templates_match_word(t, "nosuchkey", "HELP", lang));
	ck_assert(!templates_match_word(t, "help", "FORM", lang));
	assert_word(t, "form", "form", "en");
	ck_assert(templates_text_has_word(t, "help", "Please send me the HELP text"));
	ck_assert(templates_text_has_word(t, "help", "Pouvez-vous m'envoyer l'aide ?"));
	ck_assert(!templates_text_has_word(t, "help", "nothing to see"));
	templates_free(t);
}
END_TEST

START_TEST(test_language_of)
{
	struct templates *t = templates_load();
	char lang[8];

	for (const char *const *n = (const char *const[]){ "français", "FRANÇAIS", "francais", "french",
		"French", "fr", "FR", "французский", "法语", NULL }; *n; n++) {
		memset(lang, 0, sizeof lang);
		ck_assert_msg(templates_language_of(t, *n, lang), "\"%s\" not a language", *n);
		ck_assert_msg(strcmp(lang, "fr") == 0, "\"%s\" -> %s", *n, lang);
	}
	ck_assert(templates_language_of(t, "english", lang));
	ck_assert_str_eq(lang, "en");
	ck_assert(templates_language_of(t, "русский", lang));
	ck_assert_str_eq(lang, "ru");
	ck_assert(templates_language_of(t, "中文", lang));
	ck_assert_str_eq(lang, "zh");
	ck_assert(templates_language_of(t, "العربية", lang));
	ck_assert_str_eq(lang, "ar");
	ck_assert(templates_language_of(t, "español", lang));
	ck_assert_str_eq(lang, "es");
	ck_assert(!templates_language_of(t, "klingon", lang));
	ck_assert(!templates_language_of(t, "", lang));
	templates_free(t);
}
END_TEST

START_TEST(test_every_template_renders)
{
	struct templates *t = templates_load();
	GHashTable *v = vars_new();
	int rendered = 0;

	for (const char *const *l = languages; *l; l++) {
		for (const char *const *n = (const char *const[]){ "help", "form", NULL }; *n; n++) {
			const char *tmpl = templates_get(t, *l, *n);
			char *err = NULL, *text, *subject, *body;

			ck_assert_msg(tmpl != NULL, "templates/%s/%s.txt missing", *l, *n);
			text = template_render(tmpl, v, &err);
			ck_assert_msg(text != NULL, "templates/%s/%s.txt: %s", *l, *n, err);
			ck_assert_msg(!strstr(text, "{{") && !strstr(text, "}}"), "templates/%s/%s.txt: braces left", *l, *n);
			ck_assert_msg(strstr(text, "pocbot@example.org"), "templates/%s/%s.txt: no {{robot}}", *l, *n);
			ck_assert_msg(template_split(text, &subject, &body) == 0, "templates/%s/%s.txt: no Subject", *l, *n);
			ck_assert_msg(*subject, "templates/%s/%s.txt: empty subject", *l, *n);
			ck_assert_msg(!strpbrk(subject, "\r\n"), "templates/%s/%s.txt: subject has a line end", *l, *n);
			ck_assert_msg(*body && strspn(body, " \n") < strlen(body), "templates/%s/%s.txt: empty body", *l, *n);
			ck_assert_msg(!strchr(body, '\r'), "templates/%s/%s.txt: CR in the body", *l, *n);
			g_free(subject);
			g_free(body);
			g_free(text);
			rendered++;
		}
	}
	ck_assert_int_eq(rendered, 12);
	g_hash_table_unref(v);
	templates_free(t);
}
END_TEST

/* The dry run's answer in each language: its own subject, not the
 * acknowledgement's; the changes and the dry-run paragraph, no forms. Every
 * key of en/problems.txt (the value errors, the change block's words) is
 * written in every language, as are the status words answers show. */
START_TEST(test_dry_run_and_problems)
{
	struct templates *t = templates_load();
	const char *en = templates_get(t, "en", "problems");

	ck_assert_ptr_nonnull(en);
	for (const char *const *l = languages; *l; l++) {
		const char *dry = templates_get(t, *l, "ack-dry-run"), *ack = templates_get(t, *l, "ack");
		const char *problems = templates_get(t, *l, "problems");
		const char *phrases = templates_get(t, *l, "lookup-phrases");
		gchar **lines = g_strsplit(en, "\n", -1);

		ck_assert_msg(dry && ack, "%s: no ack-dry-run or ack", *l);
		ck_assert_msg(strncmp(dry, ack, strcspn(ack, "\n")) != 0 ||
			      strcspn(dry, "\n") != strcspn(ack, "\n"), "%s: the same subject", *l);
		ck_assert_msg(strstr(dry, "{{changes}}") && strstr(dry, "{{dryrun}}") &&
			      !strstr(dry, "{{forms}}"), "%s: ack-dry-run's blocks", *l);
		for (gchar **line = lines; *line; line++) {
			char *key;

			if (!**line || **line == '#' || !strchr(*line, ':'))
				continue;
			key = g_strdup_printf("\n%.*s:", (int)(strchr(*line, ':') - *line), *line);
			ck_assert_msg(strstr(problems, key), "%s/problems.txt has no%s", *l, key);
			g_free(key);
		}
		g_strfreev(lines);
		for (const char *const *k = (const char *const[]){ "\nstatus-pending:", "\nstatus-active:",
			"\nstatus-unverified:", "\nstatus-withdrawn:", "\nlabel-status:", NULL }; *k; k++)
			ck_assert_msg(strstr(phrases, *k), "%s/lookup-phrases.txt has no%s", *l, *k);
	}
	templates_free(t);
}
END_TEST

static Suite *templates_suite(void)
{
	Suite *s = suite_create("templates");
	TCase *tc_render = tcase_create("render");
	TCase *tc_files = tcase_create("files");

	tcase_add_test(tc_render, test_render);
	tcase_add_test(tc_render, test_split);
	tcase_add_test(tc_render, test_fold);
	tcase_add_test(tc_files, test_every_language_present);
	tcase_add_test(tc_files, test_help_words);
	tcase_add_test(tc_files, test_language_of);
	tcase_add_test(tc_files, test_every_template_renders);
	tcase_add_test(tc_files, test_layout);
	tcase_add_test(tc_files, test_dry_run_and_problems);
	suite_add_tcase(s, tc_render);
	suite_add_tcase(s, tc_files);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(templates_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

/* test-language.c - language_guess on texts of the six languages. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "filters/language.h"

static const struct {
	const char *text, *lang;
} cases[] = {
	{ "Bonjour, nous vous remercions pour votre message et les informations.", "fr" },
	{ "Estimados colegas: por favor envíen el formulario con los datos de la misión.", "es" },
	{ "Dear colleagues, please find the form attached to this message.", "en" },
	{ "Уважаемые коллеги, направляем вам форму.", "ru" },
	{ "各位同事，请查收附件中的表格。", "zh" },
	{ "الزملاء الأعزاء، يرجى إرسال الاستمارة.", "ar" },
	{ "Bonjour,\n\n> Dear colleagues, please find the form\n\nMerci, nous vous écrirons avec les détails.", "fr" },
	{ "12345 ++ --", "en" },
	{ "", "en" },
};

START_TEST(test_guess)
{
	char lang[8];

	language_guess(cases[_i].text, lang);
	ck_assert_msg(strcmp(lang, cases[_i].lang) == 0, "\"%s\": %s, not %s", cases[_i].text, lang, cases[_i].lang);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	char lang[8];

	language_guess("\xff\xfe caf\xe9 avec les amis et nous", lang);
	ck_assert_str_eq(lang, "fr");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("language");
	TCase *tc = tcase_create("guess");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_guess, 0, sizeof cases / sizeof cases[0]);
	tcase_add_test(tc, test_invalid_utf8);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

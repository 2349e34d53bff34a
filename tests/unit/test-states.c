/* test-states.c - the States' reference data (db/states.tsv, compiled in) and
 * its lookups: 193 Member States and 2 observer States with unique codes;
 * every code, name and alias resolves to its own State, in any case, with or
 * without accents and leading articles; the usual short forms resolve; no
 * name is shared by two States; unknown names do not resolve; a broken
 * TSV is refused and an ambiguous one is reported. */
#include <check.h>
#include <string.h>
#include <glib.h>
#include "robot/states.h"

static const struct states *ref(void)
{
	char *err = NULL;
	const struct states *r = states_load(&err);

	ck_assert_msg(r != NULL, "states_load: %s", err ? err : "?");
	return r;
}

/* text resolves to want (an alpha-2 code), or to nothing when want is NULL. */
static void resolves(const char *text, const char *want)
{
	char code[3] = "";
	int rc = states_find(ref(), text, code);

	if (!want)
		ck_assert_msg(rc < 0, "\"%s\" resolved to %s, wanted nothing", text, code);
	else
		ck_assert_msg(rc == 0 && strcmp(code, want) == 0, "\"%s\" resolved to %s, wanted %s", text,
			      rc == 0 ? code : "nothing", want);
}

START_TEST(test_counts)
{
	const struct states *r = ref();
	int members = 0, observers = 0;

	ck_assert_uint_eq(states_count(r), 195);
	for (size_t i = 0; i < states_count(r); i++)
		states_at(r, i)->observer ? observers++ : members++;
	ck_assert_int_eq(members, 193);
	ck_assert_int_eq(observers, 2);
	ck_assert(states_get(r, "VA")->observer);
	ck_assert(states_get(r, "PS")->observer);
	ck_assert(!states_get(r, "FR")->observer);
	ck_assert(states_at(r, states_count(r)) == NULL);
	ck_assert(states_load(NULL) == r);	/* parsed once, shared */
}
END_TEST

START_TEST(test_codes_unique)
{
	const struct states *r = ref();
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (size_t i = 0; i < states_count(r); i++) {
		const struct state *s = states_at(r, i);

		ck_assert_uint_eq(strlen(s->alpha2), 2);
		ck_assert_uint_eq(strlen(s->alpha3), 3);
		ck_assert_msg(g_hash_table_add(seen, (gpointer)s->alpha2), "alpha-2 %s twice", s->alpha2);
		ck_assert_msg(g_hash_table_add(seen, (gpointer)s->alpha3), "alpha-3 %s twice", s->alpha3);
		ck_assert(states_get(r, s->alpha2) == s);
	}
	ck_assert_uint_eq(g_hash_table_size(seen), 2 * 195);
	g_hash_table_unref(seen);
}
END_TEST

/* Adds to failures when text does not resolve to code. */
static void check_own(GString *failures, const char *text, const char *code)
{
	char got[3] = "";

	if (states_find(ref(), text, got) < 0 || strcmp(got, code) != 0)
		g_string_append_printf(failures, "  \"%s\" -> %s, not %s\n", text, *got ? got : "nothing", code);
}

START_TEST(test_every_name_resolves)
{
	const struct states *r = ref();
	GString *failures = g_string_new(NULL);

	for (size_t i = 0; i < states_count(r); i++) {
		const struct state *s = states_at(r, i);
		char *lower2 = g_ascii_strdown(s->alpha2, -1), *lower3 = g_ascii_strdown(s->alpha3, -1);

		check_own(failures, s->alpha2, s->alpha2);
		check_own(failures, s->alpha3, s->alpha2);
		check_own(failures, lower2, s->alpha2);
		check_own(failures, lower3, s->alpha2);
		for (int l = 0; l < LANGS_N; l++) {
			char *upper = g_utf8_strup(s->name[l], -1);

			ck_assert_msg(*s->name[l], "%s has no %s name", s->alpha2, langs_all[l]);
			ck_assert_str_eq(states_name(r, s->alpha2, langs_all[l]), s->name[l]);
			check_own(failures, s->name[l], s->alpha2);
			check_own(failures, upper, s->alpha2);
			g_free(upper);
		}
		for (const char *const *a = s->aliases; *a; a++)
			check_own(failures, *a, s->alpha2);
		g_free(lower2);
		g_free(lower3);
	}
	ck_assert_msg(failures->len == 0, "names that do not resolve to their State:\n%s", failures->str);
	g_string_free(failures, TRUE);
}
END_TEST

START_TEST(test_no_ambiguity)
{
	const char *const *amb = states_ambiguities(ref());
	char *list = g_strjoinv("\n  ", (char **)amb);

	ck_assert_msg(amb[0] == NULL, "keys that name several States:\n  %s", list);
	g_free(list);
}
END_TEST

START_TEST(test_short_forms)
{
	static const char *const cases[][2] = {
		{ "Türkiye", "TR" }, { "Turkey", "TR" }, { "TUR", "TR" }, { "TR", "TR" }, { "Turkiye", "TR" },
		{ "Côte d'Ivoire", "CI" }, { "Côte d’Ivoire", "CI" }, { "Ivory Coast", "CI" },
		{ "cote d'ivoire", "CI" }, { "COTE D IVOIRE", "CI" },
		{ "Russia", "RU" }, { "Россия", "RU" }, { "俄罗斯", "RU" }, { "روسيا", "RU" }, { "Russie", "RU" },
		{ "Rusia", "RU" }, { "Russian Federation", "RU" }, { "Fédération de Russie", "RU" },
		{ "Federación de Rusia", "RU" }, { "Российская Федерация", "RU" }, { "俄罗斯联邦", "RU" },
		{ "الاتحاد الروسي", "RU" },
		{ "Iran (Islamic Republic of)", "IR" }, { "Iran", "IR" }, { "Iran, Islamic Republic of", "IR" },
		{ "Republic of Korea", "KR" }, { "South Korea", "KR" }, { "Corée du Sud", "KR" },
		{ "Democratic People's Republic of Korea", "KP" }, { "North Korea", "KP" }, { "DPRK", "KP" },
		{ "Netherlands (Kingdom of the)", "NL" }, { "Netherlands", "NL" }, { "Holland", "NL" },
		{ "Pays-Bas", "NL" }, { "les Pays-Bas", "NL" }, { "Países Bajos", "NL" }, { "荷兰", "NL" },
		{ "United Kingdom of Great Britain and Northern Ireland", "GB" }, { "United Kingdom", "GB" },
		{ "UK", "GB" }, { "Great Britain", "GB" }, { "Royaume-Uni", "GB" }, { "英国", "GB" },
		{ "United States of America", "US" }, { "United States", "US" }, { "USA", "US" }, { "US", "US" },
		{ "U.S.A.", "US" }, { "États-Unis", "US" }, { "Etats-Unis", "US" }, { "США", "US" },
		{ "los Estados Unidos de América", "US" }, { "美国", "US" },
		{ "Bolivia (Plurinational State of)", "BO" }, { "Bolivia", "BO" },
		{ "Venezuela (Bolivarian Republic of)", "VE" }, { "Venezuela", "VE" },
		{ "Syrian Arab Republic", "SY" }, { "Syria", "SY" },
		{ "Lao People's Democratic Republic", "LA" }, { "Laos", "LA" },
		{ "Viet Nam", "VN" }, { "Vietnam", "VN" },
		{ "Czechia", "CZ" }, { "Czech Republic", "CZ" },
		{ "Eswatini", "SZ" }, { "Swaziland", "SZ" },
		{ "North Macedonia", "MK" },
		{ "Cabo Verde", "CV" }, { "Cape Verde", "CV" },
		{ "Myanmar", "MM" }, { "Burma", "MM" },
		{ "Republic of Moldova", "MD" }, { "Moldova", "MD" },
		{ "United Republic of Tanzania", "TZ" }, { "Tanzania", "TZ" },
		{ "Micronesia (Federated States of)", "FM" }, { "Micronesia", "FM" },
		{ "Holy See", "VA" }, { "Saint-Siège", "VA" }, { "Vatican", "VA" },
		{ "State of Palestine", "PS" }, { "Palestine", "PS" }, { "دولة فلسطين", "PS" },
		{ "la France", "FR" }, { "La France", "FR" }, { "LA FRANCE", "FR" }, { "France", "FR" },
		{ "FRA", "FR" }, { "fr", "FR" }, { "Франция", "FR" }, { "法国", "FR" }, { "فرنسا", "FR" },
		{ "République française", "FR" }, { "ＦＲＡＮＣＥ", "FR" }, { "  France  ", "FR" }, { "France.", "FR" },
		{ "el Perú", "PE" }, { "Perú", "PE" }, { "Peru", "PE" }, { "Pérou", "PE" }, { "le Pérou", "PE" },
		{ "Perou", "PE" },
		{ "l'Inde", "IN" }, { "l’Inde", "IN" }, { "The Gambia", "GM" }, { "the Bahamas", "BS" },
		{ "El Salvador", "SV" }, { "Salvador", "SV" }, { "las Islas Salomón", "SB" },
		{ "España", "ES" }, { "Espana", "ES" },
		{ "Соединённые Штаты Америки", "US" },
		/* Arabic: al- is part of a name, and tolerated where it is not */
		{ "الجزائر", "DZ" }, { "جزائر", "DZ" }, { "الفرنسا", "FR" }, { "ألبانيا", "AL" }, { "البانيا", "AL" },
		{ "المملكة المتحدة", "GB" }, { "تُركيا", "TR" }, { "\xe2\x80\x8f" "فرنسا", "FR" },
		/* near neighbours stay apart */
		{ "Congo", "CG" }, { "Democratic Republic of the Congo", "CD" }, { "DR Congo", "CD" },
		{ "Guinea", "GN" }, { "Equatorial Guinea", "GQ" }, { "Guinea-Bissau", "GW" }, { "Guinea Bissau", "GW" },
		{ "Papua New Guinea", "PG" }, { "Niger", "NE" }, { "Nigeria", "NG" }, { "Nigéria", "NG" },
		{ "Sudan", "SD" }, { "South Sudan", "SS" }, { "Dominica", "DM" }, { "Dominican Republic", "DO" },
		{ "Dominique", "DM" }, { "República Dominicana", "DO" }, { "Austria", "AT" }, { "Australia", "AU" },
		{ "Samoa", "WS" }, { "Ireland", "IE" }, { "Iceland", "IS" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		resolves(cases[i][0], cases[i][1]);
}
END_TEST

START_TEST(test_unknown)
{
	char *long_text = g_strnfill(300, 'a');
	char code[3] = "";

	resolves("Atlantis", NULL);
	resolves("Ruritania", NULL);
	resolves("", NULL);
	resolves("   ", NULL);
	resolves("--", NULL);
	resolves("la", "LA");		/* a code, not an article */
	resolves("the", NULL);
	resolves("Korea", NULL);	/* which one? */
	resolves("XX", NULL);
	resolves("FRAN", NULL);
	resolves("\xff\xfe", NULL);
	resolves(long_text, NULL);
	ck_assert_int_eq(states_find(ref(), NULL, code), -1);
	ck_assert_int_eq(states_find(NULL, "France", code), -1);
	g_free(long_text);
}
END_TEST

START_TEST(test_names)
{
	const struct states *r = ref();

	ck_assert_str_eq(states_name(r, "FR", "fr"), "France");
	ck_assert_str_eq(states_name(r, "RU", "en"), "Russian Federation");
	ck_assert_str_eq(states_name(r, "RU", "fr"), "Fédération de Russie");
	ck_assert_str_eq(states_name(r, "RU", "es"), "Federación de Rusia");
	ck_assert_str_eq(states_name(r, "RU", "ru"), "Российская Федерация");
	ck_assert_str_eq(states_name(r, "RU", "zh"), "俄罗斯联邦");
	ck_assert_str_eq(states_name(r, "RU", "ar"), "الاتحاد الروسي");
	ck_assert_str_eq(states_name(r, "ir", "en"), "Iran (Islamic Republic of)");
	ck_assert_str_eq(states_name(r, "TR", "en"), "Türkiye");
	ck_assert_str_eq(states_name(r, "NL", "en"), "Netherlands (Kingdom of the)");
	ck_assert_str_eq(states_name(r, "CI", "en"), "Côte d'Ivoire");
	ck_assert_str_eq(states_name(r, "VA", "en"), "Holy See");
	ck_assert_str_eq(states_name(r, "PS", "en"), "State of Palestine");
	ck_assert(states_name(r, "FR", "de") == NULL);
	ck_assert(states_name(r, "XX", "en") == NULL);
	ck_assert(states_name(r, "FRA", "en") == NULL);
	ck_assert(states_name(r, NULL, "en") == NULL);
}
END_TEST

static const char tsv_header[] = "alpha2\talpha3\tstatus\ten\tfr\tes\tru\tzh\tar\taliases\n";

/* states_parse of header + body must fail with an error that contains want. */
static void refused(const char *body, const char *want)
{
	char *tsv = g_strconcat(tsv_header, body, NULL), *err = NULL;

	ck_assert_msg(states_parse(tsv, &err) == NULL, "accepted: %s", body);
	ck_assert_msg(err && strstr(err, want), "error \"%s\" lacks \"%s\"", err ? err : "(none)", want);
	g_free(err);
	g_free(tsv);
}

START_TEST(test_parse_refuses)
{
	char *err = NULL;

	ck_assert(states_parse("alpha2\talpha3\n", &err) == NULL);
	ck_assert(err && strstr(err, "header"));
	g_free(err);
	refused("", "no State");
	refused("AA\tAAA\tmember\ta\tb\tc\td\te\tf\n", "fields");
	refused("AA\tAAA\tmember\ta\tb\tc\td\te\tf\tg\th\n", "fields");
	refused("A1\tAAA\tmember\ta\tb\tc\td\te\tf\t\n", "code");
	refused("AA\taaa\tmember\ta\tb\tc\td\te\tf\t\n", "code");
	refused("AA\tAAA\tmeber\ta\tb\tc\td\te\tf\t\n", "status");
	refused("AA\tAAA\tmember\ta\tb\t\td\te\tf\t\n", "line 2: AA has no es name");
	refused("AA\tAAA\tmember\ta\tb\tc\td\te\tf\t\nAA\tBBB\tmember\tg\th\ti\tj\tk\tl\t\n", "share a code");
	refused("AA\tAAA\tmember\ta\tb\tc\td\te\tf\t\nBB\tAAA\tmember\tg\th\ti\tj\tk\tl\t\n", "share a code");
}
END_TEST

START_TEST(test_ambiguity_detected)
{
	char *tsv = g_strconcat(tsv_header,
				"AA\tAAA\tmember\tAlpha\tAlpha\tAlfa\tАльфа\t阿尔法\tألفا\tAtlantis|Shared\r\n",
				"BB\tBBB\tobserver\tBeta\tBêta\tBeta\tБета\t贝塔\tبيتا\tthe Atlantis\n\n", NULL);
	char *err = NULL, code[3] = "";
	struct states *r = states_parse(tsv, &err);
	const char *const *amb;

	ck_assert_msg(r != NULL, "states_parse: %s", err ? err : "?");
	amb = states_ambiguities(r);
	ck_assert(amb[0] != NULL && amb[1] == NULL);
	ck_assert_str_eq(amb[0], "atlantis: AA BB");
	ck_assert_int_eq(states_find(r, "Atlantis", code), -1);	/* never a guess */
	ck_assert_int_eq(states_find(r, "Shared", code), 0);
	ck_assert_str_eq(code, "AA");
	ck_assert_int_eq(states_find(r, "bêta", code), 0);
	ck_assert_str_eq(code, "BB");
	ck_assert_uint_eq(states_count(r), 2);
	ck_assert(states_get(r, "BB")->observer);
	ck_assert(states_get(r, "BB")->aliases[1] == NULL);
	states_free(r);
	states_free(NULL);
	g_free(tsv);
}
END_TEST

static Suite *states_suite(void)
{
	Suite *s = suite_create("states");
	TCase *data = tcase_create("data");
	TCase *parse = tcase_create("parse");

	tcase_add_test(data, test_counts);
	tcase_add_test(data, test_codes_unique);
	tcase_add_test(data, test_every_name_resolves);
	tcase_add_test(data, test_no_ambiguity);
	tcase_add_test(data, test_short_forms);
	tcase_add_test(data, test_unknown);
	tcase_add_test(data, test_names);
	tcase_add_test(parse, test_parse_refuses);
	tcase_add_test(parse, test_ambiguity_detected);
	suite_add_tcase(s, data);
	suite_add_tcase(s, parse);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(states_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

/* test-form.c - the forms of filters/form-read.h: nominations, updates and
 * withdrawals written natively in the six languages and as the blank forms
 * of templates/<lang>/form.txt filled in; full-width colons, Arabic
 * direction marks, quoted and pasted forms, several forms, DRY-RUN; every
 * error kind with its line and the line quoted; values normalised (States,
 * types, languages, E.164) and checked (e-mail, URL, lengths, characters);
 * form_render read back to the same fields in every language, and the
 * values answers show in each language; the language names of
 * db/languages.tsv. */
#include <check.h>
#include <string.h>
#include <glib.h>
#include "robot/embedded.h"
#include "filters/form-read.h"
#include "robot/form.h"
#include "robot/langnames.h"
#include "robot/limits.h"
#include "robot/templates.h"

static struct templates *tpl;

static const char *const langs[] = { "ar", "en", "es", "fr", "ru", "zh" };

static void dump_errors(const struct form_set *set, GString *out)
{
	for (guint i = 0; i < set->errors->len; i++) {
		const struct form_error *e = set->errors->pdata[i];

		g_string_append_printf(out, "\n  line %d %s [%s] \"%s\"", e->line, e->key,
				       e->detail ? e->detail : "", e->quoted ? e->quoted : "");
	}
}

/* text parses without errors into n forms. */
static struct form_set *parse_ok(const char *text, guint n)
{
	struct form_set *set = form_parse(tpl, text);
	GString *msg = g_string_new(NULL);

	dump_errors(set, msg);
	ck_assert_msg(set->errors->len == 0, "unexpected errors:%s\nin:\n%s", msg->str, text);
	ck_assert_msg(set->forms->len == n, "%u forms, wanted %u, in:\n%s", set->forms->len, n, text);
	g_string_free(msg, TRUE);
	return set;
}

static const struct form *form_at(const struct form_set *set, guint i)
{
	return set->forms->pdata[i];
}

/* set has an error key on line, quoting the line (when quoted != NULL). */
static const struct form_error *has_error(const struct form_set *set, const char *key, int line,
					  const char *quoted)
{
	GString *msg = g_string_new(NULL);

	for (guint i = 0; i < set->errors->len; i++) {
		const struct form_error *e = set->errors->pdata[i];

		if (strcmp(e->key, key) == 0 && e->line == line) {
			if (quoted)
				ck_assert_msg(e->quoted && strcmp(e->quoted, quoted) == 0,
					      "%s quoted \"%s\", wanted \"%s\"", key,
					      e->quoted ? e->quoted : "(null)", quoted);
			g_string_free(msg, TRUE);
			return e;
		}
	}
	dump_errors(set, msg);
	ck_abort_msg("no %s error on line %d; errors:%s", key, line, msg->str);
	return NULL;
}

/* A one-block form with one bad line: that line's error, and no form change. */
static void bad_line(const char *verb_and_fields, const char *key, int line, const char *quoted)
{
	struct form_set *set = form_parse(tpl, verb_and_fields);

	has_error(set, key, line, quoted);
	form_set_free(set);
}

static void strv_is(const GPtrArray *a, const char *const *want)
{
	guint n = 0;

	ck_assert_ptr_nonnull(a);
	for (; want[n]; n++) {
		ck_assert_msg(n < a->len, "only %u values, wanted %s", a->len, want[n]);
		ck_assert_str_eq(a->pdata[n], want[n]);
	}
	ck_assert_uint_eq(a->len, n);
}

/* The fields of the standard test nomination (see nominations[]). */
static void check_standard(const struct form *form, enum form_verb verb, const char *lang,
			   const char *org)
{
	static const char *const emails[] = { "cert@example.gov", "soc@example.gov", NULL };
	static const char *const phones[] = { "+33 1 23 45 67 89", NULL };
	static const char *const e164[] = { "+33123456789", NULL };
	static const char *const languages[] = { "fr", "en", NULL };

	ck_assert_int_eq(form->verb, verb);
	ck_assert_str_eq(form->lang, lang);
	ck_assert_str_eq(form->f.state, "FR");
	ck_assert_int_eq(form->f.type, POC_TECHNICAL);
	ck_assert_str_eq(form->f.organisation, org);
	ck_assert_str_eq(form->f.web, "https://www.example.gov/cert");
	strv_is(form->f.emails, emails);
	strv_is(form->f.phones, phones);
	strv_is(form->f.phones_e164, e164);
	strv_is(form->f.languages, languages);
	ck_assert_uint_eq(form->f.present & (FIELD_STATE | FIELD_TYPE | FIELD_ORGANISATION | FIELD_WEB |
					     FIELD_EMAIL | FIELD_PHONE | FIELD_LANGUAGES),
			  FIELD_STATE | FIELD_TYPE | FIELD_ORGANISATION | FIELD_WEB | FIELD_EMAIL |
				  FIELD_PHONE | FIELD_LANGUAGES);
}

/* The same nomination written natively in each language. */
static const struct {
	const char *lang, *org, *text;
} nominations[] = {
	{ "en", "National Cyber Security Agency",
	  "Dear Secretariat,\n\nplease find our nomination below.\n\n"
	  "NOMINATE\n"
	  "State: France\n"
	  "POC type: technical\n"
	  "Organisation: National Cyber Security Agency\n"
	  "Web page: https://www.example.gov/cert\n"
	  "E-mail: cert@example.gov, soc@example.gov\n"
	  "Phone: +33 1 23 45 67 89\n"
	  "Languages: French, English\n"
	  "Name: Jane Doe\n"
	  "Position: Head of CERT\n"
	  "Notes: 24/7\n" },
	{ "fr", "Agence nationale de la sécurité des systèmes d'information",
	  "Madame, Monsieur,\n\nveuillez trouver ci-dessous notre désignation.\n\n"
	  "DÉSIGNATION\n"
	  "État : la France\n"
	  "Type de point de contact : technique\n"
	  "Organisme : Agence nationale de la sécurité des systèmes d'information\n"
	  "Page Web : https://www.example.gov/cert\n"
	  "Courriel : cert@example.gov ; soc@example.gov\n"
	  "Téléphone : +33 1 23 45 67 89\n"
	  "Langues : français, anglais\n"
	  "Nom : Marie Dupont\n"
	  "Fonction : cheffe du CERT\n"
	  "Remarques : joignable 24 h/24\n" },
	{ "es", "Agencia Nacional de Ciberseguridad",
	  "Estimados señores:\n\nles remitimos nuestra designación.\n\n"
	  "DESIGNACIÓN\n"
	  "Estado: Francia\n"
	  "Tipo de punto de contacto: técnico\n"
	  "Organismo: Agencia Nacional de Ciberseguridad\n"
	  "Página web: https://www.example.gov/cert\n"
	  "Correo electrónico: cert@example.gov, soc@example.gov\n"
	  "Teléfono: +33 1 23 45 67 89\n"
	  "Idiomas: francés, inglés\n"
	  "Nombre: Juana Pérez\n"
	  "Cargo: Jefa del CERT\n" },
	{ "ru", "Национальное агентство кибербезопасности",
	  "Уважаемые коллеги!\n\nНаправляем назначение.\n\n"
	  "НАЗНАЧЕНИЕ\n"
	  "Государство: Франция\n"
	  "Тип контактного пункта: технический\n"
	  "Организация: Национальное агентство кибербезопасности\n"
	  "Веб-страница: https://www.example.gov/cert\n"
	  "Электронная почта: cert@example.gov, soc@example.gov\n"
	  "Телефон: +33 1 23 45 67 89\n"
	  "Языки: французский, английский\n"
	  "ФИО: Иванова Мария Петровна\n"
	  "Должность: руководитель CERT\n" },
	{ "zh", "国家网络安全局",
	  "秘书处：\n\n现提名如下。\n\n"
	  "提名\n"
	  "国家：法国\n"
	  "联络点类型：技术\n"
	  "机构：国家网络安全局\n"
	  "网页：https://www.example.gov/cert\n"
	  "电子邮件：cert@example.gov、soc@example.gov\n"
	  "电话：+33 1 23 45 67 89\n"
	  "语言：法语、英语\n"
	  "姓名：张伟\n"
	  "职务：主任\n" },
	{ "ar", "الوكالة الوطنية للأمن السيبراني",
	  "السادة الأفاضل،\n\nنرفق طيه الترشيح.\n\n"
	  "ترشيح\n"
	  "الدولة: فرنسا\n"
	  "نوع جهة الاتصال: تقني\n"
	  "المؤسسة: الوكالة الوطنية للأمن السيبراني\n"
	  "الصفحة الشبكية: https://www.example.gov/cert\n"
	  "البريد الإلكتروني: cert@example.gov، soc@example.gov\n"
	  "الهاتف: +33 1 23 45 67 89\n"
	  "اللغات: الفرنسية، الإنكليزية\n"
	  "الاسم: أحمد علي\n"
	  "الوظيفة: رئيس الفريق\n" },
};

START_TEST(test_native)
{
	struct form_set *set = parse_ok(nominations[_i].text, 1);

	check_standard(form_at(set, 0), FORM_NOMINATE, nominations[_i].lang, nominations[_i].org);
	ck_assert_str_eq(set->lang, nominations[_i].lang);
	ck_assert_int_eq(set->dry_run, FALSE);
	ck_assert_int_eq(form_at(set, 0)->line, 5);
	ck_assert_ptr_nonnull(form_at(set, 0)->f.name);
	ck_assert(form_at(set, 0)->f.present & FIELD_NAME);
	form_set_free(set);
}
END_TEST

/* The first word listed for key in lang's words.txt. */
static char *first_word(const char *lang, const char *key)
{
	char *w = templates_phrase(tpl, lang, "words", key);
	char *comma = strchr(w, ',');

	if (comma)
		*comma = '\0';
	return g_strstrip(w);
}

/* The blank form the robot sends (FORM), filled in after each label. */
START_TEST(test_blank_form_filled)
{
	const char *lang = langs[_i];
	char *subject, *body, *type = first_word(lang, "type-technical");
	const char *values[] = { "FRA", type, "Agence X", "www.example.gov/cert",
				 "cert@example.gov soc@example.gov", "+33 1 23 45 67 89", "fr, en",
				 "N. N.", "CERT", "note", NULL };
	GString *text = g_string_new("Thank you.\n\n");
	gchar **lines;
	int v = 0;
	struct form_set *set;

	ck_assert_int_eq(template_split(templates_get(tpl, lang, "form"), &subject, &body), 0);
	lines = g_strsplit(body, "\n", 0);
	for (gchar **l = lines; *l; l++) {
		g_string_append_printf(text, "> %s", *l);
		if (g_str_has_suffix(*l, ": ") && values[v])
			g_string_append(text, values[v++]);
		g_string_append_c(text, '\n');
	}
	ck_assert_int_eq(v, 10);
	set = parse_ok(text->str, 1);
	check_standard(form_at(set, 0), FORM_NOMINATE, lang, "Agence X");
	ck_assert_str_eq(form_at(set, 0)->f.notes, "note");
	form_set_free(set);
	g_strfreev(lines);
	g_string_free(text, TRUE);
	g_free(subject);
	g_free(body);
	g_free(type);
}
END_TEST

START_TEST(test_fullwidth_and_marks)
{
	struct form_set *set = parse_ok("提名\n"
					"国家 ： 法国\n"
					"类型：ＣＥＲＴ\n"
					"机构：　国家网络安全局　\n"
					"电子邮件：ｃｅｒｔ＠ｅｘａｍｐｌｅ．ｇｏｖ\n"
					"电话：＋３３　１　２３　４５　６７　８９\n", 1);
	const struct form *f = form_at(set, 0);

	ck_assert_str_eq(f->f.state, "FR");
	ck_assert_int_eq(f->f.type, POC_TECHNICAL);
	ck_assert_str_eq(f->f.organisation, "国家网络安全局");
	ck_assert_str_eq(f->f.emails->pdata[0], "cert@example.gov");
	ck_assert_str_eq(f->f.phones_e164->pdata[0], "+33123456789");
	form_set_free(set);

	/* Arabic with right-to-left marks around labels and values */
	set = parse_ok("\u200fترشيح\u200f\n"
		       "\u200fالدولة\u200f: \u200fمصر\u200f\n"
		       "\u200fالنوع:\u200f دبلوماسي\n"
		       "\u200f\u200fالمؤسسة  :   وزارة الخارجية\u200f\n"
		       "\u200fالبريد: cert@example.gov\u200e\n"
		       "\u200fالهاتف: \u200e+20 2 1234 5678\u200e\n"
		       "\u200fاللغات: العربية والإنكليزية\n", 1);
	f = form_at(set, 0);
	ck_assert_str_eq(f->lang, "ar");
	ck_assert_str_eq(f->f.state, "EG");
	ck_assert_int_eq(f->f.type, POC_DIPLOMATIC);
	ck_assert_str_eq(f->f.organisation, "وزارة الخارجية");
	ck_assert_str_eq(f->f.phones->pdata[0], "+20 2 1234 5678");
	ck_assert_str_eq(f->f.phones_e164->pdata[0], "+20212345678");
	ck_assert_str_eq(f->f.languages->pdata[0], "ar");
	ck_assert_str_eq(f->f.languages->pdata[1], "en");
	form_set_free(set);
}
END_TEST

START_TEST(test_quoted_and_pasted)
{
	struct form_set *set = parse_ok("Here is the corrected form.\n\n"
					"On Mon, 3 Jun 2024, POC Directory wrote:\n"
					"> Please fill in the form below.\n"
					">\n"
					"> NOMINATE\n"
					"> State: FR\n"
					">> Type: policy\n"
					">   Organisation: MFA\n"
					"> E-mail: a@example.org\n"
					"> Phone: 0033 1 23 45 67 89\n"
					">\n"
					"> Regards\n"
					"> Phone: 123\n", 1);
	const struct form *f = form_at(set, 0);

	ck_assert_int_eq(f->line, 6);
	ck_assert_int_eq(f->f.type, POC_POLICY);
	ck_assert_str_eq(f->f.organisation, "MFA");
	ck_assert_str_eq(f->f.phones_e164->pdata[0], "+33123456789");
	form_set_free(set);

	/* pasted into a reply, with a signature (and its phone) after it */
	set = parse_ok("Hello,\nsee below\n   UPDATE   \nID: fr-t-1\nOrganisation: ANSSI\n\n"
		       "-- \nJohn Smith\nTel: +1 555 0100\n", 1);
	f = form_at(set, 0);
	ck_assert_int_eq(f->verb, FORM_UPDATE);
	ck_assert_str_eq(f->f.id, "FR-T-1");
	ck_assert_uint_eq(f->f.present, FIELD_ID | FIELD_ORGANISATION);
	form_set_free(set);

	/* a quoted blank form under a filled one is not a form */
	set = parse_ok("WITHDRAW\nID: FR-T-2\nReason: retired\n\n> NOMINATE\n> State: \n> Type: \n", 1);
	ck_assert_int_eq(form_at(set, 0)->verb, FORM_WITHDRAW);
	ck_assert_str_eq(form_at(set, 0)->f.reason, "retired");
	form_set_free(set);
}
END_TEST

START_TEST(test_several_and_dry_run)
{
	struct form_set *set = parse_ok("NOMINATE\nType: police\nOrganisation: Police\nE-mail: p@example.org\n"
					"Phone: +49 30 1234567\n"
					"MISE À JOUR\nIdentifiant : DE-P-3\nRemarques : nouvelles\n"
					"ОТЗЫВ\nИдентификатор: DE-D-1\nПричина: реорганизация\n"
					"LOOKUP\nState: Japan\n"
					"DRY-RUN\n", 3);

	ck_assert_int_eq(set->dry_run, TRUE);
	ck_assert_str_eq(set->lang, "en");
	ck_assert_int_eq(form_at(set, 0)->f.type, POC_LAW_ENFORCEMENT);
	ck_assert_str_eq(form_at(set, 0)->f.state, "");
	ck_assert(!(form_at(set, 0)->f.present & FIELD_STATE));
	ck_assert_int_eq(form_at(set, 1)->verb, FORM_UPDATE);
	ck_assert_str_eq(form_at(set, 1)->lang, "fr");
	ck_assert_int_eq(form_at(set, 1)->line, 6);
	ck_assert_str_eq(form_at(set, 2)->lang, "ru");
	ck_assert_str_eq(form_at(set, 2)->f.reason, "реорганизация");
	form_set_free(set);

	set = parse_ok("SIMULATION\n\nRETRAIT\nIdentifiant : FR-T-1\nMotif : départ\n", 1);
	ck_assert_int_eq(set->dry_run, TRUE);
	form_set_free(set);
	set = parse_ok("Ceci n'est pas une simulation.\nRETRAIT\nIdentifiant : FR-T-1\nMotif : x\n", 1);
	ck_assert_int_eq(set->dry_run, FALSE);
	form_set_free(set);
	set = parse_ok("Hello\nState: France\n", 0);
	ck_assert_str_eq(set->lang, "");
	form_set_free(set);
}
END_TEST

#define NOM "NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: a@example.org\nPhone: +33123456789\n"

START_TEST(test_errors_labels)
{
	struct form_set *set;
	const struct form_error *e;

	bad_line(NOM "Colour: blue\n", "unknown-label", 6, "Colour: blue");
	bad_line(NOM "Organisation: again\n", "duplicate-field", 6, "Organisation: again");
	bad_line(NOM "> ID: FR-T-1\n", "unexpected-field", 6, "> ID: FR-T-1");
	bad_line("UPDATE\nOrganisation: X\n", "missing-id", 1, "UPDATE");
	bad_line("UPDATE\nID: FR-T-1\n", "no-fields", 1, "UPDATE");
	bad_line("UPDATE\nID: FR-T-1\nState: FR\n", "no-fields", 1, "UPDATE");
	bad_line("WITHDRAW\nID: FR-T-1\n", "missing-reason", 1, "WITHDRAW");
	bad_line("WITHDRAW\nReason: gone\n", "missing-id", 1, "WITHDRAW");
	bad_line("WITHDRAW\nID: FR-T-1\nReason: x\nPhone: +33123456789\n", "unexpected-field", 4, NULL);
	bad_line("UPDATE\nID: FR/T/1\nName: x\n", "bad-id", 2, "ID: FR/T/1");

	set = form_parse(tpl, "Hi\n\nNOMINATE\nState: France\nType: technical\nPhone: +33123456789\n");
	e = has_error(set, "missing-field", 3, "NOMINATE");
	ck_assert_uint_eq(set->errors->len, 2);
	ck_assert_str_eq(((struct form_error *)set->errors->pdata[0])->detail, "Organisation");
	ck_assert_str_eq(((struct form_error *)set->errors->pdata[1])->detail, "E-mail");
	ck_assert_uint_eq(e->field, FIELD_ORGANISATION);
	form_set_free(set);

	/* the missing label is named in the form's language */
	set = form_parse(tpl, "DÉSIGNATION\nType : technique\nCourriel : a@example.org\nTéléphone : +33123456789\n");
	e = has_error(set, "missing-field", 1, "DÉSIGNATION");
	ck_assert_str_eq(e->detail, "Organisme");
	form_set_free(set);
}
END_TEST

START_TEST(test_errors_values)
{
	bad_line(NOM "State: Atlantis\n", "unknown-state", 6, "State: Atlantis");
	bad_line("NOMINATE\nType: chef\nOrganisation: CERT\nE-mail: a@example.org\nPhone: +33123456789\n",
		 "unknown-type", 2, "Type: chef");
	bad_line(NOM "Languages: French, Klingon\n", "unknown-language", 6, NULL);
	bad_line(NOM "Web page: ftp://example.org/\n", "bad-url", 6, NULL);
	bad_line(NOM "Web page: https://\n", "bad-url", 6, NULL);
	bad_line(NOM "Web page: https://user@evil.example/\n", "bad-url", 6, NULL);
	bad_line(NOM "Web page: http://localhost/\n", "bad-url", 6, NULL);
	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: a@@example.org\nPhone: +33123456789\n",
		 "email-two-at", 4, "E-mail: a@@example.org");
	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: a@example\nPhone: +33123456789\n",
		 "email-bad-domain", 4, NULL);
	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: a..b@example.org\nPhone: +33123456789\n",
		 "email-bad-local", 4, NULL);
	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: ok@example.org bad\nPhone: +33123456789\n",
		 "email-no-at", 4, NULL);
	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: cyber(at)example.org\n"
		 "Phone: +33123456789\n", "email-no-at", 4, "E-mail: cyber(at)example.org");
	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: a@example.org\n"
		 "Phone: 01 23 45 67 89\n", "phone-no-prefix", 5, "Phone: 01 23 45 67 89");
	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: a@example.org\n"
		 "Phone: +33 1 23 45 67 89, (0)1 23 45 67 89\n", "phone-no-prefix", 5, NULL);
	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: a@example.org\nPhone: call us\n",
		 "bad-phone", 5, "Phone: call us");
	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: a@example.org\nPhone: 12-34\n",
		 "bad-phone", 5, NULL);
	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: a@example.org\nPhone: 1+2345678\n",
		 "bad-phone", 5, NULL);
	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\n"
		 "E-mail: a@x.org b@x.org c@x.org d@x.org e@x.org f@x.org\nPhone: +33123456789\n",
		 "too-many-values", 4, NULL);
}
END_TEST

START_TEST(test_errors_bounds)
{
	GString *text = g_string_new(NOM "Name: ");
	struct form_set *set;
	const struct form_error *e;

	for (int i = 0; i <= MAX_FIELD_LEN; i++)
		g_string_append(text, "é");
	g_string_append(text, "\nNotes: ");
	for (int i = 0; i < MAX_NOTES_LEN; i++)
		g_string_append(text, "文");
	g_string_append_c(text, '\n');
	set = form_parse(tpl, text->str);
	e = has_error(set, "too-long", 6, NULL);
	ck_assert_uint_le(strlen(e->quoted), MAX_QUOTED_LINE);
	ck_assert(g_utf8_validate(e->quoted, -1, NULL));
	ck_assert_uint_eq(set->errors->len, 1);	/* notes at its bound are fine */
	form_set_free(set);

	g_string_assign(text, "");
	for (int i = 0; i <= MAX_FORMS; i++)
		g_string_append(text, "WITHDRAW\nID: FR-T-1\nReason: x\n");
	set = form_parse(tpl, text->str);
	has_error(set, "too-many-forms", 3 * MAX_FORMS + 1, "WITHDRAW");
	form_set_free(set);

	g_string_assign(text, "NOMINATE\n");
	for (int i = 0; i < 2 * MAX_FORM_ERRORS; i++)
		g_string_append(text, "Colour: red\n");
	set = form_parse(tpl, text->str);
	ck_assert_uint_eq(set->errors->len, MAX_FORM_ERRORS + 1);
	has_error(set, "too-many-errors", 0, NULL);
	form_set_free(set);
	g_string_free(text, TRUE);
}
END_TEST

START_TEST(test_errors_characters)
{
	const char *bad[] = { "Name: Jane\x01" "Doe\n", "Name: Jane\x1b[31mDoe\n", "Name: Jane\u202eeoD\n",
			      "Name: \u2066Jane\u2069\n", "Organisation: A\u202dB\n", "Name: a\xc2\x85" "b\n",
			      "Name: bad \xff utf-8\n", NULL };

	for (int i = 0; bad[i]; i++) {
		char *text = g_strconcat("UPDATE\nID: FR-T-1\n", bad[i], NULL);
		struct form_set *set = form_parse(tpl, text);
		const struct form_error *e = has_error(set, "bad-characters", 3, NULL);

		ck_assert(g_utf8_validate(e->quoted, -1, NULL));
		for (const char *p = e->quoted; *p; p = g_utf8_next_char(p)) {
			gunichar c = g_utf8_get_char(p);

			ck_assert(!g_unichar_iscntrl(c) && !(c >= 0x202A && c <= 0x202E) &&
				  !(c >= 0x2066 && c <= 0x2069));
		}
		form_set_free(set);
		g_free(text);
	}
}
END_TEST

START_TEST(test_sql_verbatim)
{
	struct form_set *set = parse_ok("NOMINATE\nType: technical\n"
					"Organisation: Robert'); DROP TABLE pocs;--\n"
					"E-mail: o'brien@example.org\nPhone: +353 1 234 5678\n"
					"Notes: 1' OR '1'='1 \"; -- /* */ %s %n\n", 1);
	const struct form *f = form_at(set, 0);

	ck_assert_str_eq(f->f.organisation, "Robert'); DROP TABLE pocs;--");
	ck_assert_str_eq(f->f.emails->pdata[0], "o'brien@example.org");
	ck_assert_str_eq(f->f.notes, "1' OR '1'='1 \"; -- /* */ %s %n");
	form_set_free(set);
}
END_TEST

START_TEST(test_e164)
{
	static const struct {
		const char *in, *out;	/* out NULL: not a phone number */
	} cases[] = {
		{ "+33 1 23 45 67 89", "+33123456789" },
		{ "+33 (0)1 23 45 67 89", "+33123456789" },
		{ "0033 1 23 45 67 89", "+33123456789" },
		{ "+1 (555) 010-0199", "+15550100199" },
		{ "+7.495.123.45.67", "+74951234567" },
		{ "+86 10/1234 5678", "+861012345678" },
		{ "＋４４ ２０ ７９４６ ００００", "+442079460000" },
		{ "+٢٠ ٢ ١٢٣٤ ٥٦٧٨", "+20212345678" },
		{ "+41 22 917 1234 ext. 56", "+41229171234" },
		{ "01 23 45 67 89", "" },
		{ "+1234567", "" },
		{ "+1234567890123456", "" },
		{ "+0 123 456 789", "" },
		{ "12345", NULL },
		{ "+33 1 23 45 67 89 +1", NULL },
		{ "phone me", NULL },
		{ "1@2345678", NULL },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = form_phone_e164(cases[i].in);

		if (!cases[i].out)
			ck_assert_msg(got == NULL, "%s -> \"%s\", wanted NULL", cases[i].in, got);
		else
			ck_assert_msg(got && strcmp(got, cases[i].out) == 0, "%s -> \"%s\", wanted \"%s\"",
				      cases[i].in, got ? got : "(null)", cases[i].out);
		g_free(got);
	}
}
END_TEST

START_TEST(test_email_and_url)
{
	struct form_set *set = parse_ok("NOMINATE\nType: technical\nOrganisation: CERT\n"
					"E-mail: cert@bücher.example, <Soc@xn--bcher-kva.example>; mailto:x@example.org\n"
					"Phone: +49 30 1234567\n"
					"Web page: https://bücher.example:8443/a?b=c#d\n", 1);
	const struct form *f = form_at(set, 0);
	static const char *const emails[] = { "cert@bücher.example", "Soc@xn--bcher-kva.example",
					      "x@example.org", NULL };

	strv_is(f->f.emails, emails);
	ck_assert_str_eq(f->f.web, "https://bücher.example:8443/a?b=c#d");
	form_set_free(set);

	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: jürgen@example.de\nPhone: +4930123456\n",
		 "email-non-ascii", 4, "E-mail: jürgen@example.de");
	bad_line("NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: 张伟@例子.中国\nPhone: +4930123456\n",
		 "email-non-ascii", 4, NULL);
	ck_assert_int_eq(form_check_email("a.b-c+d@sub.例子.中国"), 0);
	ck_assert_ptr_null(form_email_problem("a.b-c+d@sub.例子.中国"));
	ck_assert_str_eq(form_email_problem("cyber(at)example.org"), "email-no-at");
	ck_assert_str_eq(form_email_problem("cyber[at]example.org"), "email-no-at");
	ck_assert_str_eq(form_email_problem("a@b@example.org"), "email-two-at");
	ck_assert_str_eq(form_email_problem("jürgen@example.de"), "email-non-ascii");
	ck_assert_str_eq(form_email_problem("@example.org"), "email-bad-local");
	ck_assert_str_eq(form_email_problem("a(b)@example.org"), "email-bad-local");
	ck_assert_str_eq(form_email_problem("a.@example.org"), "email-bad-local");
	ck_assert_str_eq(form_email_problem("a@localhost"), "email-bad-domain");
	ck_assert_str_eq(form_email_problem("a@exa mple.org"), "email-bad-domain");
	ck_assert(form_phone_has_prefix("+33 1 23 45 67 89"));
	ck_assert(form_phone_has_prefix(" 0033 1 23 45 67 89"));
	ck_assert(form_phone_has_prefix("＋４４ ２０"));
	ck_assert(!form_phone_has_prefix("01 23 45 67 89"));
	ck_assert(!form_phone_has_prefix("(0)1 23 45 67 89"));
	ck_assert_int_eq(form_check_email(".a@example.org"), -1);
	ck_assert_int_eq(form_check_email("a@-x.org"), -1);
	ck_assert_int_eq(form_check_email("a@x.123"), -1);
	ck_assert_int_eq(form_check_email("a b@x.org"), -1);
	ck_assert_int_eq(form_check_url("HTTP://Example.ORG"), 0);
	ck_assert_int_eq(form_check_url("https://192.0.2.1/x"), 0);
	ck_assert_int_eq(form_check_url("javascript:alert(1)"), -1);
	ck_assert_int_eq(form_check_url("https://exa mple.org/"), -1);
	ck_assert_int_eq(form_check_url("https://example.org:99999/"), -1);
}
END_TEST

START_TEST(test_values_normalised)
{
	struct form_set *set = parse_ok("NOMINATE\nState: Russian Federation\nType: law enforcement\n"
					"Organisation: MVD\nE-mail: a@example.ru\nPhone: +7 495 123-45-67\n"
					"Languages: ru / en; Spanish and French, 中文\n", 1);
	static const char *const langs_want[] = { "ru", "en", "es", "fr", "zh", NULL };

	ck_assert_str_eq(form_at(set, 0)->f.state, "RU");
	ck_assert_int_eq(form_at(set, 0)->f.type, POC_LAW_ENFORCEMENT);
	strv_is(form_at(set, 0)->f.languages, langs_want);
	form_set_free(set);

	ck_assert_str_eq(form_type_name(POC_TECHNICAL), "technical");
	ck_assert_str_eq(form_type_name(POC_LAW_ENFORCEMENT), "law-enforcement");
	ck_assert_int_eq(form_type_letter(POC_DIPLOMATIC), 'D');
	ck_assert_int_eq(form_type_letter(POC_TECHNICAL), 'T');
	ck_assert_int_eq(form_type_letter(POC_POLICY), 'P');
	ck_assert_int_eq(form_type_letter(POC_LAW_ENFORCEMENT), 'L');
	ck_assert_str_eq(form_type_name(POC_TYPE_NONE), "");
}
END_TEST

/* form_render of a full record, read back, gives the same fields. */
START_TEST(test_render_round_trip)
{
	const char *lang = langs[_i];
	struct form_set *set = parse_ok(nominations[1].text, 1), *back;
	const struct form_fields *a = &form_at(set, 0)->f, *b;
	char *text = form_render(tpl, lang, FORM_NOMINATE, a);
	GString *upd;

	back = parse_ok(text, 1);
	b = &form_at(back, 0)->f;
	ck_assert_str_eq(form_at(back, 0)->lang, lang);
	ck_assert_uint_eq(a->present, b->present);
	check_standard(form_at(back, 0), FORM_NOMINATE, lang, a->organisation);
	ck_assert_str_eq(a->name, b->name);
	ck_assert_str_eq(a->position, b->position);
	ck_assert_str_eq(a->notes, b->notes);
	form_set_free(back);
	g_free(text);

	/* an update and a withdrawal, with an identifier and a reason */
	upd = g_string_new(NULL);
	g_string_append(upd, "UPDATE\nID: FR-T-7\nType: law enforcement\nPhone: +33 1 00 00 00 00, +1234567\n");
	g_string_append(upd, "WITHDRAW\nID: FR-T-8\nState: FR\nReason: the unit was dissolved\n");
	form_set_free(set);
	set = parse_ok(upd->str, 2);
	for (guint i = 0; i < 2; i++) {
		const struct form *f = form_at(set, i);

		text = form_render(tpl, lang, f->verb, &f->f);
		back = parse_ok(text, 1);
		ck_assert_int_eq(form_at(back, 0)->verb, f->verb);
		ck_assert_uint_eq(form_at(back, 0)->f.present, f->f.present);
		ck_assert_str_eq(form_at(back, 0)->f.id, f->f.id);
		if (f->verb == FORM_UPDATE) {
			ck_assert_int_eq(form_at(back, 0)->f.type, POC_LAW_ENFORCEMENT);
			ck_assert_str_eq(form_at(back, 0)->f.phones->pdata[1], "+1234567");
			ck_assert_str_eq(form_at(back, 0)->f.phones_e164->pdata[1], "");
		} else {
			ck_assert_str_eq(form_at(back, 0)->f.reason, f->f.reason);
			ck_assert_str_eq(form_at(back, 0)->f.state, "FR");
		}
		form_set_free(back);
		g_free(text);
	}
	form_set_free(set);
	g_string_free(upd, TRUE);
}
END_TEST

/* Every name, code and alias of db/languages.tsv leads to its own row. */
START_TEST(test_language_names)
{
	const struct embedded_file *file = embedded_find("db/languages.tsv");
	gchar **lines;
	int rows = 0;
	char code[8];

	ck_assert_ptr_nonnull(file);
	lines = g_strsplit(file->data, "\n", 0);
	for (gchar **l = lines + 1; *l; l++) {
		gchar **cols;
		const char *want;

		if (!**l)
			continue;
		cols = g_strsplit(*l, "\t", 0);
		ck_assert_uint_eq(g_strv_length(cols), 9);
		want = *cols[0] ? cols[0] : cols[1];
		for (int c = 0; c < 8; c++) {
			if (!*cols[c])
				continue;
			ck_assert_msg(langnames_find(cols[c], code) == 0 && strcmp(code, want) == 0,
				      "\"%s\" -> %s, wanted %s", cols[c], code, want);
		}
		gchar **aliases = g_strsplit(cols[8], "|", 0);
		for (gchar **a = aliases; *a; a++)
			ck_assert_msg(langnames_find(*a, code) == 0 && strcmp(code, want) == 0,
				      "alias \"%s\" -> %s, wanted %s", *a, code, want);
		g_strfreev(aliases);
		g_strfreev(cols);
		rows++;
	}
	g_strfreev(lines);
	ck_assert_int_ge(rows, 80);
	ck_assert_uint_eq(langnames_count(), (unsigned)rows);
	ck_assert_int_eq(langnames_find("FRANCAIS", code), 0);
	ck_assert_str_eq(code, "fr");
	ck_assert_int_eq(langnames_find("法文", code), 0);
	ck_assert_str_eq(code, "fr");
	ck_assert_int_eq(langnames_find("فرنسية", code), 0);
	ck_assert_str_eq(code, "fr");
	ck_assert_int_eq(langnames_find("ESPAÑOL", code), 0);
	ck_assert_str_eq(code, "es");
	ck_assert_int_eq(langnames_find("Klingon", code), -1);
	ck_assert_str_eq(langnames_name("fr", "ru"), "французский");
	ck_assert_ptr_null(langnames_name("xx", "en"));
}
END_TEST


/* No word of words.txt names two fields, two types or two verbs in any pair
 * of languages: each label line means one thing. */
START_TEST(test_words_unambiguous)
{
	static const char *const groups[][13] = {
		{ "field-state", "field-type", "field-organisation", "field-web", "field-email",
		  "field-phone", "field-languages", "field-name", "field-position", "field-notes",
		  "field-id", "field-reason", NULL },
		{ "type-diplomatic", "type-technical", "type-policy", "type-law-enforcement", NULL },
		{ "nominate", "update", "withdraw", "help", "form", "lookup", "extract", "dry-run", NULL },
	};

	for (size_t g = 0; g < G_N_ELEMENTS(groups); g++)
		for (size_t l = 0; l < G_N_ELEMENTS(langs); l++)
			for (int k = 0; groups[g][k]; k++) {
				char *words = templates_phrase(tpl, langs[l], "words", groups[g][k]);
				gchar **list = g_strsplit(words ? words : "", ",", 0);

				ck_assert_msg(words != NULL, "%s has no %s", langs[l], groups[g][k]);
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
}
END_TEST

/* The values an answer shows, in each language: the State's name in lang
 * (never the bare code), the type's word of lang's words.txt, the language
 * names of lang; each read back by the form reader to the same value; no
 * English name in an answer that is not English. */
START_TEST(test_render_values_in_lang)
{
	const char *lang = langs[_i];
	const GPtrArray *codes;
	GPtrArray *two = g_ptr_array_new();
	char *type = form_type_text(tpl, lang, POC_TECHNICAL), *en = form_type_text(tpl, "en",
										   POC_TECHNICAL);
	char *names, *form, back[8];
	struct form_set *set;

	g_ptr_array_add(two, "fr");
	g_ptr_array_add(two, "en");
	codes = two;
	names = form_languages_text(codes, lang);
	ck_assert_str_ne(form_state_text("FR", lang), "FR");
	ck_assert_str_ne(form_state_text("RU", lang), "RU");
	ck_assert_str_eq(form_state_text("XX", lang), "XX");	/* unknown: the code */
	ck_assert_msg(strcmp(lang, "en") == 0 || strcmp(type, en) != 0, "%s: type %s", lang, type);
	ck_assert_msg(strcmp(lang, "en") == 0 || (!strstr(names, "French") && !strstr(names, "English")),
		      "%s: languages %s", lang, names);
	ck_assert_msg(strcmp(lang, "en") != 0 || strcmp(names, "French, English") == 0, "%s", names);
	ck_assert_str_eq(form_type_text(tpl, lang, POC_TYPE_NONE), "-");
	ck_assert_int_eq(langnames_find(langnames_name("fr", lang), back), 0);
	ck_assert_str_eq(back, "fr");
	{
		static const char *const keys[] = { "nominate", "field-state", "field-type",
						    "field-organisation", "field-email",
						    "field-phone", "field-languages" };
		char *w[G_N_ELEMENTS(keys)];

		for (size_t k = 0; k < G_N_ELEMENTS(keys); k++)
			w[k] = templates_label(tpl, lang, keys[k]);
		form = g_strdup_printf("%s\n%s: %s\n%s: %s\n%s: CERT\n%s: a@example.org\n"
				       "%s: +33123456789\n%s: %s\n", w[0], w[1],
				       form_state_text("FR", lang), w[2], type, w[3], w[4], w[5], w[6],
				       names);
		for (size_t k = 0; k < G_N_ELEMENTS(keys); k++)
			g_free(w[k]);
	}
	set = parse_ok(form, 1);
	ck_assert_str_eq(form_at(set, 0)->f.state, "FR");
	ck_assert_int_eq(form_at(set, 0)->f.type, POC_TECHNICAL);
	ck_assert_str_eq(form_at(set, 0)->f.languages->pdata[0], "fr");
	ck_assert_str_eq(form_at(set, 0)->f.languages->pdata[1], "en");
	form_set_free(set);
	g_free(form);
	g_free(names);
	g_free(type);
	g_free(en);
	g_ptr_array_unref(two);
}
END_TEST

/* Key: in a form: an armoured block after it (its lines are the key's,
 * a chain's blocks one after the other), "remove" in any language, and
 * what is refused: no block, a block never ended, a key in a withdrawal. */
START_TEST(test_key_label)
{
	struct form_set *set = parse_ok("UPDATE\nID: DE-T-1\nKey:\n"
					"-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: x: y\n\nmDMEabc\n"
					"-----END PGP PUBLIC KEY BLOCK-----\nPhone: +49 30 1234567\n", 1);
	const struct form *f = form_at(set, 0);
	const struct form_key *k;

	ck_assert_uint_eq(f->keys->len, 1);
	k = f->keys->pdata[0];
	ck_assert_int_eq(k->line, 3);
	ck_assert_str_eq(k->bytes, "-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: x: y\n\n"
				   "mDMEabc\n-----END PGP PUBLIC KEY BLOCK-----\n");
	ck_assert(f->f.present & FIELD_PHONE);	/* the form goes on after the block */
	form_set_free(set);

	set = parse_ok("MISE À JOUR\nID : FR-T-1\nClé : -----BEGIN CERTIFICATE-----\nMIIB\n"
		       "-----END CERTIFICATE-----\n\n-----BEGIN CERTIFICATE-----\nMIIC\n"
		       "-----END CERTIFICATE-----\n", 1);
	k = form_at(set, 0)->keys->pdata[0];
	ck_assert_int_eq(g_strstr_len(k->bytes, -1, "MIIC") != NULL, 1);
	form_set_free(set);

	set = parse_ok("UPDATE\nID: DE-T-1\nKey: remove\n", 1);
	ck_assert(form_at(set, 0)->key_remove);
	form_set_free(set);
	set = parse_ok("ACTUALIZACIÓN\nID: ES-T-1\nClave: eliminar\n", 1);
	ck_assert(form_at(set, 0)->key_remove);
	form_set_free(set);

	set = form_parse(tpl, "UPDATE\nID: DE-T-1\nKey: see attachment\n");
	ck_assert_str_eq(((struct form_error *)set->errors->pdata[0])->key, "key-unreadable");
	form_set_free(set);
	set = form_parse(tpl, "UPDATE\nID: DE-T-1\nKey:\n-----BEGIN PGP PUBLIC KEY BLOCK-----\nmD\n");
	ck_assert_str_eq(((struct form_error *)set->errors->pdata[0])->key, "key-unreadable");
	ck_assert_int_eq(((struct form_error *)set->errors->pdata[0])->line, 3);
	form_set_free(set);
	set = form_parse(tpl, "WITHDRAW\nID: DE-T-1\nReason: gone\nKey: remove\n");
	ck_assert_str_eq(((struct form_error *)set->errors->pdata[0])->key, "unexpected-field");
	form_set_free(set);
	set = form_parse(tpl, "UPDATE\nID: DE-T-1\n");	/* no field, no key */
	ck_assert_str_eq(((struct form_error *)set->errors->pdata[0])->key, "no-fields");
	form_set_free(set);
	set = form_parse_keys(tpl, "UPDATE\nID: DE-T-1\n", TRUE);	/* its keys attached */
	ck_assert_uint_eq(set->errors->len, 0);
	form_set_free(set);
}
END_TEST

static Suite *form_suite(void)
{
	Suite *s = suite_create("form");
	TCase *grammar = tcase_create("grammar"), *errors = tcase_create("errors");
	TCase *values = tcase_create("values"), *render = tcase_create("render");

	tcase_add_loop_test(grammar, test_native, 0, G_N_ELEMENTS(nominations));
	tcase_add_loop_test(grammar, test_blank_form_filled, 0, G_N_ELEMENTS(langs));
	tcase_add_test(grammar, test_fullwidth_and_marks);
	tcase_add_test(grammar, test_quoted_and_pasted);
	tcase_add_test(grammar, test_several_and_dry_run);
	tcase_add_test(errors, test_errors_labels);
	tcase_add_test(errors, test_errors_values);
	tcase_add_test(errors, test_errors_bounds);
	tcase_add_test(errors, test_errors_characters);
	tcase_add_test(values, test_sql_verbatim);
	tcase_add_test(values, test_e164);
	tcase_add_test(values, test_email_and_url);
	tcase_add_test(values, test_values_normalised);
	tcase_add_test(values, test_language_names);
	tcase_add_test(values, test_words_unambiguous);
	tcase_add_test(values, test_key_label);
	tcase_add_loop_test(render, test_render_round_trip, 0, G_N_ELEMENTS(langs));
	tcase_add_loop_test(render, test_render_values_in_lang, 0, G_N_ELEMENTS(langs));
	suite_add_tcase(s, grammar);
	suite_add_tcase(s, errors);
	suite_add_tcase(s, values);
	suite_add_tcase(s, render);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(form_suite());
	int failed;

	tpl = templates_load();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	templates_free(tpl);
	return failed != 0;
}

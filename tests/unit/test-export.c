/* test-export.c - the directory writers of export.c over POCs built by
 * hand: CSV quoting of quotes, commas and new lines (RFC 4180, CRLF, lists
 * joined with "; "); vCard escaping, the tel: URI or the number as written,
 * and folding of a long Arabic organisation at 75 octets between UTF-8
 * characters; JSON parsed back with JsonParser equal to the input; State
 * and type names in another language; a source's error and a stream's
 * error reported. */
#include <check.h>
#include <string.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "robot/export.h"
#include "tests/unit/testlib.h"

/* A hostile POC: quotes, commas, semicolons, backslashes, new lines. */
static void poc_hostile(struct poc *p)
{
	memset(p, 0, sizeof *p);
	g_strlcpy(p->id, "FR-T-1", sizeof p->id);
	g_strlcpy(p->state, "FR", sizeof p->state);
	p->type = POC_TECHNICAL;
	p->status = POC_ACTIVE;
	p->organisation = g_strdup("CERT-FR, \"national\"; a\\b");
	p->web = g_strdup("https://cert.example.fr/");
	p->name = g_strdup("Jeanne Dupont");
	p->notes = g_strdup("line one\r\nline, \"two\"");
	p->emails = testlib_strings("cert@example.fr", "soc@example.fr", NULL);
	p->phones = testlib_strings("+33 1 23 45 67 89", "01 23; ext. 4", NULL);
	p->phones_e164 = testlib_strings("+33123456789", "", NULL);
	p->languages = testlib_strings("fr", "en", NULL);
	p->version = 3;
	p->created = 1700000000;
	p->updated = 1700086400;
}

/* A POC of Egypt with a long Arabic organisation and nothing optional. */
static void poc_arabic(struct poc *p)
{
	memset(p, 0, sizeof *p);
	g_strlcpy(p->id, "EG-D-1", sizeof p->id);
	g_strlcpy(p->state, "EG", sizeof p->state);
	p->type = POC_DIPLOMATIC;
	p->status = POC_PENDING;
	p->organisation = g_strdup("وزارة الخارجية والهجرة وشؤون المصريين في الخارج، إدارة الشؤون السيبرانية "
				   "والتكنولوجيات الحديثة");
	p->emails = testlib_strings("cyber@mfa.example.eg", NULL);
	p->phones = testlib_strings("+20 2 1234 5678", NULL);
	p->phones_e164 = testlib_strings("+20212345678", NULL);
	p->languages = testlib_strings("ar", NULL);
	p->version = 1;
	p->created = p->updated = 1700000000;
}

/* The source: an array of POCs handed out as copies. */
struct array_source {
	struct poc *pocs;
	guint n, next;
	gboolean fail_at_end;
};

static GPtrArray *strings_copy(const GPtrArray *a)
{
	GPtrArray *c = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; a && i < a->len; i++)
		g_ptr_array_add(c, g_strdup(g_ptr_array_index(a, i)));
	return c;
}

static int array_next(void *source, struct poc *p)
{
	struct array_source *s = source;
	const struct poc *q;

	if (s->next == s->n)
		return s->fail_at_end ? -1 : 0;
	q = &s->pocs[s->next++];
	*p = *q;
	p->organisation = g_strdup(q->organisation);
	p->web = g_strdup(q->web);
	p->name = g_strdup(q->name);
	p->position = g_strdup(q->position);
	p->notes = g_strdup(q->notes);
	p->withdrawn_reason = g_strdup(q->withdrawn_reason);
	p->emails = strings_copy(q->emails);
	p->phones = strings_copy(q->phones);
	p->phones_e164 = strings_copy(q->phones_e164);
	p->languages = strings_copy(q->languages);
	return 1;
}

/* Runs a writer over pocs; the output, NUL-terminated (g_free it). */
static char *run(enum export_format f, struct poc *pocs, guint n, const char *lang, guint *count)
{
	GOutputStream *out = g_memory_output_stream_new_resizable();
	struct array_source src = { pocs, n, 0, FALSE };
	const struct states *ref = states_load(NULL);
	struct templates *tpl = templates_load();
	struct export_names names;
	GError *err = NULL;
	char *text;

	export_names_init(&names, ref, tpl, lang);
	ck_assert_int_eq(export_write(f, out, array_next, &src, &names, count, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert(g_output_stream_write_all(out, "", 1, NULL, NULL, NULL));
	ck_assert(g_output_stream_close(out, NULL, NULL));
	text = g_memory_output_stream_steal_data(G_MEMORY_OUTPUT_STREAM(out));
	g_object_unref(out);
	export_names_clear(&names);
	templates_free(tpl);
	return text;
}

START_TEST(csv_quoting)
{
	struct poc p[2];
	guint count = 0;
	char *out;

	poc_hostile(&p[0]);
	poc_arabic(&p[1]);
	out = run(EXPORT_CSV, p, 2, NULL, &count);
	ck_assert_uint_eq(count, 2);
	ck_assert(g_str_has_prefix(out, "id,state,state_name,type,type_name,status,organisation,web,emails,"
				   "phones,phones_e164,languages,name,position,notes,updated,key_protocols,"
				   "key_fingerprints,key_expires,key_proven\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\nFR-T-1,FR,France,technical,technical,active,"
					  "\"CERT-FR, \"\"national\"\"; a\\b\",https://cert.example.fr/,"
					  "cert@example.fr; soc@example.fr,+33 1 23 45 67 89; 01 23; ext. 4,"
					  "\"+33123456789; \",fr; en,Jeanne Dupont,,"
					  "\"line one\r\nline, \"\"two\"\"\",2023-11-15T22:13:20Z,,,,\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\nEG-D-1,EG,Egypt,diplomatic,diplomatic,pending,وزارة"));
	ck_assert(g_str_has_suffix(out, ",,,,2023-11-14T22:13:20Z,,,,\r\n"));
	g_free(out);
	pocs_clear(&p[0]);
	pocs_clear(&p[1]);
}
END_TEST

/* The vCard's lines unfolded, checking each physical line on the way:
 * CRLF-ended, at most 75 octets, valid UTF-8 (no character cut). */
static char *unfold(const char *card, int *folds)
{
	GString *out = g_string_new(NULL);
	char **lines = g_strsplit(card, "\r\n", -1);

	*folds = 0;
	for (int i = 0; lines[i]; i++) {
		ck_assert_msg(strlen(lines[i]) <= 75, "line of %zu octets: %s", strlen(lines[i]), lines[i]);
		ck_assert_msg(g_utf8_validate(lines[i], -1, NULL), "a character cut: %s", lines[i]);
		ck_assert_ptr_null(strchr(lines[i], '\n'));
		if (lines[i][0] == ' ') {
			g_string_append(out, lines[i] + 1);
			(*folds)++;
		} else {
			g_string_append_printf(out, "%s%s", i ? "\n" : "", lines[i]);
		}
	}
	g_strfreev(lines);
	return g_string_free(out, FALSE);
}

START_TEST(vcard_escaping)
{
	struct poc p;
	char *out, *flat;
	int folds;

	poc_hostile(&p);
	out = run(EXPORT_VCARD, &p, 1, NULL, NULL);
	ck_assert(g_str_has_prefix(out, "BEGIN:VCARD\r\nVERSION:4.0\r\n"));
	ck_assert(g_str_has_suffix(out, "END:VCARD\r\n"));
	flat = unfold(out, &folds);
	ck_assert_ptr_nonnull(strstr(flat, "\nFN:Jeanne Dupont\n"));
	ck_assert_ptr_nonnull(strstr(flat, "\nORG:CERT-FR\\, \"national\"\\; a\\\\b\n"));
	ck_assert_ptr_nonnull(strstr(flat, "\nEMAIL:cert@example.fr\nEMAIL:soc@example.fr\n"));
	ck_assert_ptr_nonnull(strstr(flat, "\nTEL;VALUE=uri:tel:+33123456789\nTEL;VALUE=text:01 23\\; ext. 4\n"));
	ck_assert_ptr_nonnull(strstr(flat, "\nURL:https://cert.example.fr/\n"));
	ck_assert_ptr_nonnull(strstr(flat, "\nLANG:fr\nLANG:en\n"));
	ck_assert_ptr_nonnull(strstr(flat, "\nCATEGORIES:technical\n"));
	ck_assert_ptr_nonnull(strstr(flat, "\nNOTE:France (FR)\\, FR-T-1\\nline one\\nline\\, \"two\"\n"));
	ck_assert_ptr_nonnull(strstr(flat, "\nX-POCBOT-ID:FR-T-1\nX-POCBOT-STATE:FR\n"));
	g_free(flat);
	g_free(out);
	pocs_clear(&p);
}
END_TEST

START_TEST(vcard_folding_arabic)
{
	struct poc p;
	char *out, *flat, *want;
	int folds;

	poc_arabic(&p);
	out = run(EXPORT_VCARD, &p, 1, NULL, NULL);
	flat = unfold(out, &folds);
	ck_assert_int_ge(folds, 2);
	want = g_strdup_printf("\nORG:%s\n", p.organisation);
	ck_assert_msg(strstr(flat, want) != NULL, "%s", flat);
	ck_assert_ptr_nonnull(strstr(flat, "\nKIND:org\n"));
	ck_assert_ptr_nonnull(strstr(flat, "\nNOTE:Egypt (EG)\\, EG-D-1\n"));
	ck_assert_ptr_null(strstr(flat, "\nURL:"));
	g_free(want);
	g_free(flat);
	g_free(out);
	pocs_clear(&p);
}
END_TEST

static void check_strings(JsonObject *o, const char *member, const GPtrArray *a)
{
	JsonArray *j = json_object_get_array_member(o, member);

	ck_assert_uint_eq(json_array_get_length(j), a->len);
	for (guint i = 0; i < a->len; i++)
		ck_assert_str_eq(json_array_get_string_element(j, i), g_ptr_array_index(a, i));
}

static void check_json(JsonObject *o, const struct poc *p, const char *state_name)
{
	JsonArray *phones = json_object_get_array_member(o, "phones");

	ck_assert_str_eq(json_object_get_string_member(o, "id"), p->id);
	ck_assert_str_eq(json_object_get_string_member(o, "state"), p->state);
	ck_assert_str_eq(json_object_get_string_member(o, "state_name"), state_name);
	ck_assert_str_eq(json_object_get_string_member(o, "type"), form_type_name(p->type));
	ck_assert_str_eq(json_object_get_string_member(o, "status"), pocs_status_name(p->status));
	ck_assert_str_eq(json_object_get_string_member(o, "organisation"), p->organisation);
	check_strings(o, "emails", p->emails);
	check_strings(o, "languages", p->languages);
	ck_assert_uint_eq(json_array_get_length(phones), p->phones->len);
	for (guint i = 0; i < p->phones->len; i++) {
		JsonObject *ph = json_array_get_object_element(phones, i);
		const char *e164 = g_ptr_array_index(p->phones_e164, i);

		ck_assert_str_eq(json_object_get_string_member(ph, "written"), g_ptr_array_index(p->phones, i));
		if (*e164)
			ck_assert_str_eq(json_object_get_string_member(ph, "e164"), e164);
		else
			ck_assert(json_object_get_null_member(ph, "e164"));
	}
	if (p->web)
		ck_assert_str_eq(json_object_get_string_member(o, "web"), p->web);
	else
		ck_assert(json_object_get_null_member(o, "web"));
	if (p->notes)
		ck_assert_str_eq(json_object_get_string_member(o, "notes"), p->notes);
	else
		ck_assert(json_object_get_null_member(o, "notes"));
	ck_assert(json_object_get_null_member(o, "position"));
}

START_TEST(json_round_trip)
{
	JsonParser *parser = json_parser_new();
	GError *err = NULL;
	struct poc p[2];
	JsonArray *all;
	char *out;

	poc_hostile(&p[0]);
	poc_arabic(&p[1]);
	out = run(EXPORT_JSON, p, 2, "fr", NULL);
	ck_assert_msg(json_parser_load_from_data(parser, out, -1, &err), "%s", err ? err->message : "?");
	all = json_node_get_array(json_parser_get_root(parser));
	ck_assert_uint_eq(json_array_get_length(all), 2);
	check_json(json_array_get_object_element(all, 0), &p[0], "France");
	check_json(json_array_get_object_element(all, 1), &p[1], "Égypte");
	ck_assert_str_eq(json_object_get_string_member(json_array_get_object_element(all, 0), "type_name"),
			 "technique");
	ck_assert_str_eq(json_object_get_string_member(json_array_get_object_element(all, 1), "updated"),
			 "2023-11-14T22:13:20Z");
	g_object_unref(parser);
	g_free(out);
	pocs_clear(&p[0]);
	pocs_clear(&p[1]);
}
END_TEST

START_TEST(json_empty)
{
	char *out = run(EXPORT_JSON, NULL, 0, NULL, NULL);

	ck_assert_str_eq(out, "[\n]\n");
	g_free(out);
}
END_TEST

START_TEST(errors_reported)
{
	GOutputStream *out = g_memory_output_stream_new_resizable();
	struct poc p;
	struct array_source src = { &p, 1, 0, TRUE };
	struct export_names names;
	GError *err = NULL;
	guint count = 9;

	poc_hostile(&p);
	export_names_init(&names, NULL, NULL, "xx");
	ck_assert_str_eq(names.lang, "en");
	ck_assert_int_eq(export_csv(out, array_next, &src, &names, &count, &err), -1);
	ck_assert_uint_eq(count, 1);
	ck_assert(g_error_matches(err, G_IO_ERROR, G_IO_ERROR_FAILED));
	g_clear_error(&err);
	ck_assert(g_output_stream_close(out, NULL, NULL));
	src.next = 0;
	src.fail_at_end = FALSE;
	ck_assert_int_eq(export_vcard(out, array_next, &src, &names, NULL, &err), -1);
	ck_assert(g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CLOSED));
	g_clear_error(&err);
	g_object_unref(out);
	export_names_clear(&names);
	pocs_clear(&p);
}
END_TEST

START_TEST(format_names)
{
	enum export_format f;

	ck_assert_int_eq(export_format_parse("vcard", &f), 0);
	ck_assert_int_eq(f, EXPORT_VCARD);
	ck_assert_str_eq(export_format_name(EXPORT_JSON), "json");
	ck_assert_int_eq(export_format_parse("xml", &f), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, csv_quoting);
	tcase_add_test(tc, vcard_escaping);
	tcase_add_test(tc, vcard_folding_arabic);
	tcase_add_test(tc, json_round_trip);
	tcase_add_test(tc, json_empty);
	tcase_add_test(tc, errors_reported);
	tcase_add_test(tc, format_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

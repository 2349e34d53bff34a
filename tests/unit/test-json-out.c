/* test-json-out.c - the commands' JSON writer (robot/json-out.c): the
 * --format choice (text by default, json, anything else refused); strings
 * made valid UTF-8 and escaped, NULL and "" as null; numbers, null for a
 * negative one where asked; times as ISO 8601 UTC, null for none; the
 * printed document parses back. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "robot/json-out.h"

/* b's object, closed, as compact text. g_free it; b is unreffed. */
static char *text_of(JsonBuilder *b)
{
	JsonNode *root = json_builder_get_root(json_builder_end_object(b));
	JsonGenerator *gen = json_generator_new();
	char *text;

	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	json_node_unref(root);
	g_object_unref(gen);
	g_object_unref(b);
	return text;
}

START_TEST(test_format)
{
	ck_assert_int_eq(json_out_format("x", NULL), 0);
	ck_assert_int_eq(json_out_format("x", "text"), 0);
	ck_assert_int_eq(json_out_format("x", "json"), 1);
	ck_assert_int_eq(json_out_format("x", "JSON"), -1);
	ck_assert_int_eq(json_out_format("x", "csv"), -1);
	ck_assert_int_eq(json_out_format("x", ""), -1);
}
END_TEST

START_TEST(test_members)
{
	JsonBuilder *b = json_builder_begin_object(json_builder_new());
	char *text;

	json_out_string(b, "a", "caf\xc3\xa9 \"q\"\n");
	json_out_string(b, "b", NULL);
	json_out_string(b, "c", "");
	json_out_string(b, "d", "x\xff");
	json_out_int(b, "e", -3);
	json_out_int_or_null(b, "f", -1);
	json_out_int_or_null(b, "g", 0);
	json_out_time(b, "h", 1795453200);
	json_out_time(b, "i", 0);
	text = text_of(b);
	ck_assert_str_eq(text, "{\"a\":\"caf\xc3\xa9 \\\"q\\\"\\n\",\"b\":null,\"c\":null,"
			       "\"d\":\"x\xef\xbf\xbd\",\"e\":-3,\"f\":null,\"g\":0,"
			       "\"h\":\"2026-11-23T17:00:00Z\",\"i\":null}");
	g_free(text);
}
END_TEST

START_TEST(test_print)
{
	JsonBuilder *b = json_builder_begin_array(json_builder_new());
	char path[] = "/tmp/test-json-out.XXXXXX", *got = NULL;
	int fd = mkstemp(path), saved = dup(1);
	JsonParser *p = json_parser_new();

	ck_assert(fd >= 0 && saved >= 0);
	json_builder_begin_object(b);
	json_out_int(b, "n", 1);
	json_builder_end_object(b);
	fflush(stdout);
	ck_assert(dup2(fd, 1) == 1);
	ck_assert_int_eq(json_out_print(json_builder_end_array(b)), 0);
	ck_assert(dup2(saved, 1) == 1);
	ck_assert(g_file_get_contents(path, &got, NULL, NULL));
	ck_assert(g_str_has_suffix(got, "]\n"));
	ck_assert(json_parser_load_from_data(p, got, -1, NULL));
	ck_assert_int_eq(json_array_get_length(json_node_get_array(json_parser_get_root(p))), 1);
	g_object_unref(p);
	g_free(got);
	close(fd);
	close(saved);
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json-out");
	TCase *tc = tcase_create("json-out");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_members);
	tcase_add_test(tc, test_print);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

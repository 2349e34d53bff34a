/* json-out.c - writes the commands' listings as JSON with json-glib, so
 * that each command says only its members: the --format choice, strings
 * (made valid UTF-8: the database's text came from mail), numbers, times
 * (ISO 8601 UTC) and null for none, and the document printed. Failure:
 * -1 for an unknown format (said on stderr) or a stdout not written. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "json-out.h"

int json_out_format(const char *what, const char *format)
{
	if (!format || strcmp(format, "text") == 0)
		return 0;
	if (strcmp(format, "json") == 0)
		return 1;
	fprintf(stderr, "pocbot %s: --format is text or json, not \"%.40s\"\n", what, format);
	return -1;
}

void json_out_string(JsonBuilder *b, const char *name, const char *v)
{
	char *valid = v && *v ? g_utf8_make_valid(v, -1) : NULL;

	json_builder_set_member_name(b, name);
	if (valid)
		json_builder_add_string_value(b, valid);
	else
		json_builder_add_null_value(b);
	g_free(valid);
}

void json_out_int(JsonBuilder *b, const char *name, gint64 v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

void json_out_int_or_null(JsonBuilder *b, const char *name, gint64 v)
{
	json_builder_set_member_name(b, name);
	if (v < 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_int_value(b, v);
}

void json_out_time(JsonBuilder *b, const char *name, gint64 t)
{
	char iso[CLOCK_TEXT_LEN];

	json_out_string(b, name, t > 0 ? clock_text(t, CLOCK_ISO, NULL, iso) : NULL);
}

int json_out_print(JsonBuilder *b)
{
	JsonNode *root = json_builder_get_root(b);
	JsonGenerator *gen = json_generator_new();
	char *text;
	int rc;

	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	rc = fputs(text, stdout) < 0 || fputc('\n', stdout) == EOF || fflush(stdout) ? -1 : 0;
	if (rc < 0)
		fprintf(stderr, "pocbot: cannot write the listing: %s\n", g_strerror(errno));
	g_free(text);
	json_node_unref(root);
	g_object_unref(gen);
	g_object_unref(b);
	return rc;
}

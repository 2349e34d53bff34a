/* cmd-state.c - "state add CODE|NAME" makes a State a participating one,
 * stored once under its alpha-2 code whichever code or name (in any of the
 * six UN languages) the custodian gives; "state list" prints the
 * participating States, code, English name and how many POCs that are not
 * withdrawn each has, sorted by code (--format json: an array, json-out.c).
 * A name that is no State's exits 65 (EX_DATAERR); an unknown format 64; a
 * database failure 70. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sqlite3.h>
#include "clock.h"
#include "commands.h"
#include "pocs.h"
#include "states.h"
#include "db.h"
#include "json-out.h"
#include "participants.h"

static int add(sqlite3 *db, const struct config *cfg, const char code[3], const char *name)
{
	int rc = participants_add(db, code, clock_now(cfg));

	if (rc < 0) {
		fprintf(stderr, "pocbot state add: %s\n", sqlite3_errmsg(db));
		return EX_SOFTWARE;
	}
	if (rc == 0)
		printf("%s %s is already a participating State\n", code, name);
	else
		printf("added %s %s\n", code, name);
	return 0;
}

static void list_json(JsonBuilder *b, const char *code, const char *name, int n)
{
	json_builder_begin_object(b);
	json_out_string(b, "code", code);
	json_out_string(b, "name", name);
	json_out_int(b, "pocs", n);
	json_builder_end_object(b);
}

static int list(sqlite3 *db, const struct states *ref, gboolean json)
{
	GHashTable *counts = pocs_count_by_state(db);
	GPtrArray *codes = counts ? participants_list(db) : NULL;
	JsonBuilder *b = json ? json_builder_begin_array(json_builder_new()) : NULL;
	int rc = 0;

	for (guint i = 0; codes && i < codes->len; i++) {
		const char *code = codes->pdata[i];
		const char *name = states_name(ref, code, "en");
		int n = GPOINTER_TO_INT(g_hash_table_lookup(counts, code));

		if (b)
			list_json(b, code, name, n);
		else
			printf("%s %s (%d POC%s)\n", code,
			       name ? name : "(not in the reference data)", n, n == 1 ? "" : "s");
	}
	if (counts)
		g_hash_table_unref(counts);
	if (codes && b && json_out_print(json_builder_end_array(b)) < 0)
		rc = EX_IOERR;
	else if (!codes && b)
		g_object_unref(b);
	if (!codes) {
		fprintf(stderr, "pocbot state list: %s\n", sqlite3_errmsg(db));
		return EX_SOFTWARE;
	}
	g_ptr_array_unref(codes);
	return rc;
}

int cmd_state(struct command_ctx *ctx, int argc, char **argv)
{
	const struct states *ref;
	char code[3] = "", *err = NULL, *text, *format = NULL;
	GOptionEntry entries[] = {
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format, "list: text (the default) or json",
		  "FORMAT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int json, rc = command_options(
		ctx,
		"The participating States. add: by ISO 3166-1 alpha-2 or alpha-3 code, or by "
		"name in Arabic, Chinese, English, French, Russian or Spanish; list: code, "
		"English name and number of POCs (withdrawn ones not counted).",
		entries, &argc, &argv);

	json = rc ? 0 : json_out_format("state list", format);
	g_free(format);
	if (rc || json < 0)
		return rc ? rc : EX_USAGE;
	if (!(ref = states_load(&err))) {
		fprintf(stderr, "pocbot state: %s\n", err);
		g_free(err);
		return EX_SOFTWARE;
	}
	if (strcmp(argv[1], "add") == 0) {
		text = g_strjoinv(" ", argv + 2);	/* state add United Kingdom */
		rc = states_find(ref, text, code);
		if (rc < 0)
			fprintf(stderr, "pocbot state add: no State called \"%.200s\"\n", text);
		g_free(text);
		if (rc < 0)
			return EX_DATAERR;
	}
	if (strcmp(argv[1], "add") == 0)
		return add(ctx->db, ctx->cfg, code, states_name(ref, code, "en"));
	return list(ctx->db, ref, json);
}

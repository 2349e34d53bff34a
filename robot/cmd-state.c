/* cmd-state.c - "state add CODE|NAME" makes a State a participating one,
 * stored once under its alpha-2 code whichever code or name (in any of the
 * six UN languages) the custodian gives; "state list" prints the
 * participating States, code, English name and how many POCs that are not
 * withdrawn each has, sorted by code. A name that is no State's exits 65
 * (EX_DATAERR); a database failure 70. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sqlite3.h>
#include "clock.h"
#include "commands.h"
#include "pocs.h"
#include "states.h"

static int add(sqlite3 *db, const struct config *cfg, const char code[3], const char *name)
{
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	if (sqlite3_prepare_v2(db, "INSERT INTO states (code, added) VALUES (?1, ?2)"
			       " ON CONFLICT (code) DO NOTHING", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, clock_now(cfg));
		step = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		fprintf(stderr, "pocbot state add: %s\n", sqlite3_errmsg(db));
		return EX_SOFTWARE;
	}
	if (sqlite3_changes(db) == 0)
		printf("%s %s is already a participating State\n", code, name);
	else
		printf("added %s %s\n", code, name);
	return 0;
}

static int list(sqlite3 *db, const struct states *ref)
{
	GHashTable *counts = pocs_count_by_state(db);
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	if (counts && sqlite3_prepare_v2(db, "SELECT code FROM states ORDER BY code", -1, &st, NULL) == SQLITE_OK)
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			const char *code = (const char *)sqlite3_column_text(st, 0);
			const char *name = states_name(ref, code, "en");
			int n = code ? GPOINTER_TO_INT(g_hash_table_lookup(counts, code)) : 0;

			printf("%s %s (%d POC%s)\n", code ? code : "", name ? name : "(not in the reference data)",
			       n, n == 1 ? "" : "s");
		}
	sqlite3_finalize(st);
	if (counts)
		g_hash_table_unref(counts);
	if (step != SQLITE_DONE) {
		fprintf(stderr, "pocbot state list: %s\n", sqlite3_errmsg(db));
		return EX_SOFTWARE;
	}
	return 0;
}

int cmd_state(struct command_ctx *ctx, int argc, char **argv)
{
	const struct states *ref;
	char code[3] = "", *err = NULL, *text;
	int rc = command_options(ctx,
				 "The participating States. add: by ISO 3166-1 alpha-2 or alpha-3 code, or by "
				 "name in Arabic, Chinese, English, French, Russian or Spanish; list: code, "
				 "English name and number of POCs (withdrawn ones not counted).", NULL, &argc, &argv);

	if (rc)
		return rc;
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
	return list(ctx->db, ref);
}

/* cmd-spool.c - "spool list [--format text|json]" shows what waits in
 * spool/new and what is in spool/quarantine (with its last error), one
 * line each or a JSON array (json-out.c); "spool retry ID" puts a
 * quarantined message back into new/ with its failure count cleared. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sqlite3.h>
#include "commands.h"
#include "db.h"
#include "json-out.h"
#include "messages.h"
#include "spool.h"

static void json_entry(JsonBuilder *b, enum spool_dir dir, const char *id, gint64 attempts,
		       gint64 updated, const char *error)
{
	json_builder_begin_object(b);
	json_out_string(b, "folder", spool_dir_name(dir));
	json_out_string(b, "id", id);
	json_out_int(b, "attempts", attempts);
	json_out_time(b, "last_attempt", updated);
	json_out_string(b, "error", error);
	json_builder_end_object(b);
}

/* The entries of dir: a line each, or an object each in b when not NULL. */
static void list_dir(sqlite3 *db, const char *spool, enum spool_dir dir, JsonBuilder *b)
{
	GPtrArray *ids = spool_list(spool, dir);

	for (guint i = 0; i < ids->len; i++) {
		const char *id = ids->pdata[i];
		gint64 attempts = 0, updated = 0;
		char *error = NULL;
		int found = messages_failures(db, id, &attempts, &updated, &error);

		if (found != 1)
			attempts = updated = 0;
		if (b)
			json_entry(b, dir, id, attempts, updated, error);
		else if (found == 1)
			printf("%-10s %s  attempts=%d  %s\n", spool_dir_name(dir), id,
			       (int)attempts, error ? error : "");
		else
			printf("%-10s %s\n", spool_dir_name(dir), id);
		g_free(error);
	}
	g_ptr_array_unref(ids);
}

static int list(sqlite3 *db, const char *spool, gboolean json)
{
	JsonBuilder *b = json ? json_builder_begin_array(json_builder_new()) : NULL;

	list_dir(db, spool, SPOOL_NEW, b);
	list_dir(db, spool, SPOOL_QUARANTINE, b);
	return b && json_out_print(json_builder_end_array(b)) < 0 ? EX_IOERR : 0;
}

static int retry(sqlite3 *db, const char *spool, const char *id)
{
	if (strchr(id, '/') || id[0] == '.' ||
	    spool_move(spool, id, SPOOL_QUARANTINE, SPOOL_NEW) < 0) {
		fprintf(stderr, "pocbot spool retry: no quarantined message %s\n", id);
		return EX_NOINPUT;
	}
	if (messages_forget_failures(db, id) < 0) {
		fprintf(stderr, "pocbot spool retry: %s\n", sqlite3_errmsg(db));
		return EX_SOFTWARE;
	}
	printf("%s is back in the queue\n", id);
	return 0;
}

int cmd_spool(struct command_ctx *ctx, int argc, char **argv)
{
	char *spool, *format = NULL;
	sqlite3 *db;
	GOptionEntry entries[] = {
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format, "list: text (the default) or json",
		  "FORMAT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int rc = command_options(ctx, "The queue of received mail.", entries, &argc, &argv);
	int json = rc ? 0 : json_out_format("spool list", format);

	g_free(format);
	if (rc || json < 0)
		return rc ? rc : EX_USAGE;
	spool = config_var_path(ctx->cfg, "spool");
	db = ctx->db;
	if (strcmp(argv[1], "list") == 0) {
		rc = list(db, spool, json);
	} else {
		rc = retry(db, spool, argv[2]);
	}
	g_free(spool);
	return rc;
}

/* cmd-spool.c - "spool list" shows what waits in spool/new and what is in
 * spool/quarantine (with its last error); "spool retry ID" puts a
 * quarantined message back into new/ with its failure count cleared. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sqlite3.h>
#include "commands.h"
#include "db.h"
#include "messages.h"
#include "spool.h"

static void list_dir(sqlite3 *db, const char *spool, enum spool_dir dir)
{
	GPtrArray *ids = spool_list(spool, dir);

	for (guint i = 0; i < ids->len; i++) {
		const char *id = ids->pdata[i];
		gint64 attempts;
		char *error = NULL;

		printf("%-10s %s", spool_dir_name(dir), id);
		if (messages_failures(db, id, &attempts, NULL, &error) == 1)
			printf("  attempts=%d  %s", (int)attempts, error ? error : "");
		printf("\n");
		g_free(error);
	}
	g_ptr_array_unref(ids);
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
	char *spool;
	sqlite3 *db;
	int rc = command_options(ctx, "The queue of received mail.", NULL, &argc, &argv);

	if (rc)
		return rc;
	spool = config_var_path(ctx->cfg, "spool");
	db = ctx->db;
	if (strcmp(argv[1], "list") == 0) {
		list_dir(db, spool, SPOOL_NEW);
		list_dir(db, spool, SPOOL_QUARANTINE);
		rc = 0;
	} else {
		rc = retry(db, spool, argv[2]);
	}
	g_free(spool);
	return rc;
}

/* cmd-db.c - "db migrate": creates or migrates VAR/pocbot.db and says at
 * which schema version it is. A database newer than the binary is refused. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sqlite3.h>
#include "commands.h"
#include "db.h"

int cmd_db(struct command_ctx *ctx, int argc, char **argv)
{
	int rc = command_options(ctx, "The robot's database.", NULL, &argc, &argv);

	if (rc)
		return rc;
	printf("database %s/pocbot.db at schema version %d\n", ctx->cfg->var,
	       db_user_version(ctx->db));
	return 0;
}

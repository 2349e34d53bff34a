/* cmd-db.c - "db migrate": creates or migrates VAR/pocbot.db and says at
 * which schema version it is. A database newer than the binary is refused. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sqlite3.h>
#include "commands.h"
#include "db.h"

int cmd_db(struct config *cfg, int argc, char **argv)
{
	sqlite3 *db;
	int rc = command_options("db", "migrate", "migrate: creates or migrates the database.", NULL,
				 &argc, &argv);

	if (rc)
		return rc;
	if (argc != 2 || strcmp(argv[1], "migrate") != 0) {
		fprintf(stderr, "usage: pocbot db migrate\n");
		return EX_USAGE;
	}
	if (!(db = command_open_db(cfg)))
		return EX_SOFTWARE;
	printf("database %s/pocbot.db at schema version %d\n", cfg->var, db_user_version(db));
	db_close(db);
	return 0;
}

/* db.h - the SQLite store: opening, pragmas and migrations. */
#ifndef POCBOT_DB_H
#define POCBOT_DB_H

#include <glib.h>
#include <sqlite3.h>

/* Opens (creating) path with WAL, synchronous=FULL, foreign keys and a
 * busy timeout, and migrates it. NULL with *err (g_free it) on failure,
 * among them a database newer than this binary. */
sqlite3 *db_open(const char *path, char **err);

/* Applies the migrations in db/ that are newer than the database. 0 or -1. */
int db_migrate(sqlite3 *db, char **err);

/* The schema version this binary knows, and the database's. */
int db_schema_version(void);
int db_user_version(sqlite3 *db);

/* Makes the connection refuse writes (PRAGMA query_only): for the commands
 * that only read. 0 or -1. */
int db_query_only(sqlite3 *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or -1. */
int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

/* Runs one statement with text parameters (NULL binds NULL), no rows. 0 or -1. */
int db_exec(sqlite3 *db, const char *sql, int nparams, const char *const *params);

/* The integer in the first column of sql's first row (no parameters): 1
 * and *out set, 0 when there is no row or the value is NULL, -1 on an
 * error. */
int db_int64(sqlite3 *db, const char *sql, gint64 *out);

#endif

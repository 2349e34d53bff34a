/* db.h - the SQLite store: opening, pragmas and migrations. */
#ifndef POCBOT_DB_H
#define POCBOT_DB_H

#include <glib.h>
#include <sqlite3.h>

/* Opens (creating) path with WAL, synchronous=FULL, foreign keys and a
 * busy timeout, and migrates it. NULL with *err (g_free it) on failure,
 * among them a database newer than this binary. */
sqlite3 *db_open(const char *path, char **err);

/* 1 when the database at path is at a schema version newer than this
 * binary's (no retry can help), 0 otherwise (also when unreadable). */
int db_too_new(const char *path);

/* The last error of db with its cause: sqlite3_errmsg, and the system's
 * error behind an I/O failure ("disk I/O error (Operation not permitted)");
 * never SQLite's "not an error". g_free it. */
char *db_error(sqlite3 *db);

/* Whether db can be written now, without touching any table: a write
 * transaction that changes nothing is committed and checkpointed into the
 * database file. 0, or -1 with *cause (g_free it). Outside a transaction. */
int db_probe(sqlite3 *db, char **cause);

/* Applies the migrations in db/ that are newer than the database. 0 or -1. */
int db_migrate(sqlite3 *db, char **err);

/* The schema version this binary knows, and the database's. */
int db_schema_version(void);
int db_user_version(sqlite3 *db);

/* Statements. Each is prepared once per connection and kept with it
 * (found again by its text: sqlite3_next_stmt and sqlite3_sql, so no global
 * cache); db_close finalizes them all. types says what follows: 't' a
 * const char * (NULL binds NULL), 'i' a gint64 -- bound to ?1, ?2...
 *
 * db_query: the statement bound, ready to step; NULL on error (logged).
 * Give it back with db_done, which resets it and clears its bindings (an
 * un-reset statement holds a read snapshot and blocks WAL checkpoints).
 * db_step: 1 for a row, 0 when done, -1 on an error.
 * db_run: a statement with no rows wanted, stepped to its end. 0 or -1.
 * db_int64: the integer in the first column of the first row: 1 and *out
 * set, 0 when there is no row or the value is NULL, -1 on an error. */
sqlite3_stmt *db_query(sqlite3 *db, const char *sql, const char *types, ...);
int db_step(sqlite3_stmt *st);
void db_done(sqlite3_stmt *st);
int db_run(sqlite3 *db, const char *sql, const char *types, ...);
int db_int64(sqlite3 *db, gint64 *out, const char *sql, const char *types, ...);

/* Column 0 of every row of st (from db_query; NULL is an error), which
 * is given back: as owned strings (g_ptr_array_unref), or as gint64
 * (g_array_free). NULL on error. */
GPtrArray *db_texts(sqlite3_stmt *st);
GArray *db_ids(sqlite3_stmt *st);

/* Finalizes the connection's statements and closes it. NULL is fine. */
void db_close(sqlite3 *db);

/* Makes the connection refuse writes (PRAGMA query_only): for the commands
 * that only read. 0 or -1. */
int db_query_only(sqlite3 *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or -1. */
int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

/* A savepoint inside the caller's transaction (all or nothing for one
 * step; they nest): db_rollback_to undoes the work since the innermost,
 * db_release ends it (keeping what is left). 0 or -1. */
int db_savepoint(sqlite3 *db);
int db_rollback_to(sqlite3 *db);
int db_release(sqlite3 *db);

/* A consistent copy of db (its main database, in one read transaction:
 * SQLite's online backup API) written to path, a new file in rollback
 * journal mode, while other connections keep writing. The caller fsyncs
 * it. 0, or -1 with *err (g_free it). */
int db_snapshot(sqlite3 *db, const char *path, char **err);

#endif

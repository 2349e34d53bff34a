/* db.c - opens the SQLite store and migrates it with the numbered scripts of
 * db/ compiled into the binary. A database newer than the binary is refused.
 * Returns NULL/-1 with a message on failure; never formats SQL but
 * PRAGMA user_version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "db.h"
#include "embedded.h"
#include "limits.h"

/* The migration numbered n ("db/000n-*.sql"), or NULL. */
static const struct embedded_file *migration(int n)
{
	char prefix[16];

	snprintf(prefix, sizeof prefix, "db/%04d-", n);
	for (const struct embedded_file *f = embedded_files; f->name; f++)
		if (g_str_has_prefix(f->name, prefix) && g_str_has_suffix(f->name, ".sql"))
			return f;
	return NULL;
}

int db_schema_version(void)
{
	int n = 0;

	while (migration(n + 1))
		n++;
	return n;
}

int db_user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int exec_or_err(sqlite3 *db, const char *sql, char **err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	*err = g_strdup_printf("%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

int db_migrate(sqlite3 *db, char **err)
{
	int have, want = db_schema_version();

	if (exec_or_err(db, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	have = db_user_version(db);
	if (have < 0 || have > want) {
		*err = have < 0 ? g_strdup(sqlite3_errmsg(db))
				: g_strdup_printf("the database is at schema version %d, newer than this "
						  "pocbot (%d): use a newer pocbot", have, want);
		db_rollback(db);
		return -1;
	}
	for (int n = have + 1; n <= want; n++) {
		char pragma[40];

		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", n);
		if (exec_or_err(db, migration(n)->data, err) < 0 || exec_or_err(db, pragma, err) < 0) {
			char *e = *err;
			*err = g_strdup_printf("migration %s: %s", migration(n)->name, e);
			g_free(e);
			db_rollback(db);
			return -1;
		}
	}
	return exec_or_err(db, "COMMIT", err);
}

sqlite3 *db_open(const char *path, char **err)
{
	sqlite3 *db = NULL;

	*err = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		*err = g_strdup_printf("%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db, DB_BUSY_MS);
	if (exec_or_err(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			" PRAGMA foreign_keys = ON;", err) < 0 || db_migrate(db, err) < 0) {
		char *e = *err;
		*err = g_strdup_printf("%s: %s", path, e);
		g_free(e);
		goto fail;
	}
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}

int db_query_only(sqlite3 *db)
{
	return sqlite3_exec(db, "PRAGMA query_only = ON", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int db_begin(sqlite3 *db)
{
	return sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int db_commit(sqlite3 *db)
{
	return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

void db_rollback(sqlite3 *db)
{
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int db_exec(sqlite3 *db, const char *sql, int nparams, const char *const *params)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (int i = 0; i < nparams; i++)
		sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int db_int64(sqlite3 *db, const char *sql, gint64 *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*out = sqlite3_column_int64(st, 0);
		rc = 1;
	} else {
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	return rc;
}

/* db.c - opens the SQLite store and migrates it with the numbered scripts of
 * db/ compiled into the binary. A database newer than the binary is refused.
 * Returns NULL/-1 with a message on failure; never formats SQL but
 * PRAGMA user_version. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* Names migration n in *err, rolls back. -1. */
static int migration_failed(sqlite3 *db, int n, char **err)
{
	char *e = *err;

	*err = g_strdup_printf("migration %s: %s", migration(n)->name, e);
	g_free(e);
	db_rollback(db);
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
				: g_strdup_printf(
					  "the database is at schema version %d, newer than this "
					  "pocbot (%d): use a newer pocbot",
					  have, want);
		db_rollback(db);
		return -1;
	}
	for (int n = have + 1; n <= want; n++) {
		char pragma[40];

		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", n);
		if (exec_or_err(db, migration(n)->data, err) < 0)
			return migration_failed(db, n, err);
		if (exec_or_err(db, pragma, err) < 0)
			return migration_failed(db, n, err);
	}
	return exec_or_err(db, "COMMIT", err);
}

sqlite3 *db_open(const char *path, char **err)
{
	sqlite3 *db = NULL;
	char *e;

	*err = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		*err = g_strdup_printf("%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	/* SQLite falls back to reading a file it may not write (chattr +i, a
	 * read-only mount, its mode): such a connection could never write,
	 * even once the file is writable again */
	if (sqlite3_db_readonly(db, "main") == 1) {
		int saved = access(path, W_OK) < 0 ? errno : EROFS;

		*err = g_strdup_printf("%s: cannot be written: %s", path, g_strerror(saved));
		goto fail;
	}
	sqlite3_busy_timeout(db, DB_BUSY_MS);
	if (exec_or_err(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			" PRAGMA foreign_keys = ON;", err) < 0)
		goto fail_named;
	if (db_migrate(db, err) < 0)
		goto fail_named;
	return db;
fail_named:
	e = *err;
	*err = g_strdup_printf("%s: %s", path, e);
	g_free(e);
fail:
	db_close(db);
	return NULL;
}

int db_too_new(const char *path)
{
	sqlite3 *ro = NULL;
	int version = -1;

	if (sqlite3_open_v2(path, &ro, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
		version = db_user_version(ro);
	sqlite3_close(ro);
	return version > db_schema_version();
}

char *db_error(sqlite3 *db)
{
	int code = sqlite3_errcode(db) & 0xff, sys = sqlite3_system_errno(db);

	if (code == SQLITE_OK)	/* sqlite3_errmsg would say "not an error" */
		return g_strdup("a failure outside the database");
	if (sys && (code == SQLITE_IOERR || code == SQLITE_CANTOPEN || code == SQLITE_FULL ||
		    code == SQLITE_READONLY))
		return g_strdup_printf("%s (%s)", sqlite3_errmsg(db), g_strerror(sys));
	return g_strdup(sqlite3_errmsg(db));
}

/* A write transaction that changes nothing (user_version set to itself),
 * then a checkpoint, which writes the database file itself. */
int db_probe(sqlite3 *db, char **cause)
{
	char pragma[40];
	int v;

	*cause = NULL;
	if (db_begin(db) < 0)
		goto fail;
	v = db_user_version(db);
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v);
	if (v < 0 || sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
	    db_commit(db) < 0) {
		*cause = db_error(db);
		db_rollback(db);
		return -1;
	}
	if (sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) ==
	    SQLITE_OK)
		return 0;
fail:
	*cause = db_error(db);
	return -1;
}

int db_query_only(sqlite3 *db)
{
	return db_run(db, "PRAGMA query_only = ON", NULL);
}

/* ---- statements: prepared once per connection, found again by their text ---- */

/* A statement of db whose text is sql and that nobody is using (not busy,
 * no binding), or NULL. sqlite3_next_stmt walks the connection's own list:
 * the cache needs no global and dies with the connection. */
static sqlite3_stmt *cached(sqlite3 *db, const char *sql)
{
	for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st)) {
		const char *text = sqlite3_sql(st);

		if (text && strcmp(text, sql) == 0 && !sqlite3_stmt_busy(st))
			return st;
	}
	return NULL;
}
/* Binds the arguments ap describes (types: 't' text or NULL, 'i' gint64)
 * to ?1, ?2... of st. 0 or -1. */
static int bind_args(sqlite3_stmt *st, const char *types, va_list ap)
{
	int rc = SQLITE_OK;

	for (int i = 0; types && types[i] && rc == SQLITE_OK; i++) {
		if (types[i] == 't') {
			const char *text = va_arg(ap, const char *);
			rc = text ? sqlite3_bind_text(st, i + 1, text, -1, SQLITE_TRANSIENT)
				  : sqlite3_bind_null(st, i + 1);
		} else {
			g_assert(types[i] == 'i');
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, gint64));
		}
	}
	return rc == SQLITE_OK ? 0 : -1;
}

static sqlite3_stmt *db_vquery(sqlite3 *db, const char *sql, const char *types, va_list ap)
{
	sqlite3_stmt *st = cached(db, sql);

	if (!st &&
	    sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		g_warning("database: cannot prepare \"%.60s\": %s", sql, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return NULL;
	}
	if (bind_args(st, types, ap) < 0) {
		db_done(st);
		return NULL;
	}
	return st;
}

sqlite3_stmt *db_query(sqlite3 *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, types);
	st = db_vquery(db, sql, types, ap);
	va_end(ap);
	return st;
}

void db_done(sqlite3_stmt *st)
{
	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int db_run(sqlite3 *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, types);
	st = db_vquery(db, sql, types, ap);
	va_end(ap);
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int db_int64(sqlite3 *db, gint64 *out, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, types);
	st = db_vquery(db, sql, types, ap);
	va_end(ap);
	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*out = sqlite3_column_int64(st, 0);
		rc = 1;
	} else {
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
	}
	db_done(st);
	return rc;
}

GPtrArray *db_texts(sqlite3_stmt *st)
{
	GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
	int rc = st ? 1 : -1;

	while (st && (rc = db_step(st)) == 1)
		g_ptr_array_add(texts, g_strdup((const char *)sqlite3_column_text(st, 0)));
	db_done(st);
	if (rc < 0) {
		g_ptr_array_unref(texts);
		return NULL;
	}
	return texts;
}

GArray *db_ids(sqlite3_stmt *st)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	int rc = st ? 1 : -1;

	while (st && (rc = db_step(st)) == 1) {
		gint64 id = sqlite3_column_int64(st, 0);

		g_array_append_val(ids, id);
	}
	db_done(st);
	if (rc < 0) {
		g_array_free(ids, TRUE);
		return NULL;
	}
	return ids;
}

int db_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

void db_close(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (!db)
		return;
	while ((st = sqlite3_next_stmt(db, NULL)))
		sqlite3_finalize(st);
	sqlite3_close(db);
}

/* ---- transactions ---- */

int db_begin(sqlite3 *db)
{
	return db_run(db, "BEGIN IMMEDIATE", NULL);
}

int db_commit(sqlite3 *db)
{
	return db_run(db, "COMMIT", NULL);
}

void db_rollback(sqlite3 *db)
{
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int db_savepoint(sqlite3 *db)
{
	return db_run(db, "SAVEPOINT pocbot", NULL);
}

int db_release(sqlite3 *db)
{
	return db_run(db, "RELEASE pocbot", NULL);
}

int db_rollback_to(sqlite3 *db)
{
	return db_run(db, "ROLLBACK TO pocbot", NULL);
}

int db_snapshot(sqlite3 *db, const char *path, char **err)
{
	sqlite3 *out = NULL;
	sqlite3_backup *b = NULL;
	int rc = sqlite3_open_v2(path, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);

	if (rc == SQLITE_OK && !(b = sqlite3_backup_init(out, "main", db, "main")))
		rc = sqlite3_errcode(out);
	if (b) {
		/* all pages in one step: one read transaction, a consistent copy */
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		if (sqlite3_backup_finish(b) != SQLITE_OK && rc == SQLITE_OK)
			rc = sqlite3_errcode(out);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(out, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		*err = g_strdup_printf("snapshot of the database into %s: %s", path,
				       out ? sqlite3_errmsg(out) : sqlite3_errstr(rc));
	if (sqlite3_close(out) != SQLITE_OK && rc == SQLITE_OK) {
		*err = g_strdup_printf("closing %s", path);
		rc = SQLITE_ERROR;
	}
	return rc == SQLITE_OK ? 0 : -1;
}

/* test-db.c - db_open and the migrations: a new database ends at the
 * binary's schema version with its tables, WAL and foreign keys on; a second
 * migration changes nothing; a database newer than the binary is refused;
 * so is one SQLite could only read (its read-only fallback), until it is
 * writable again; the probe and the error text of a failure.
 * Each test works in its own temporary directory and removes it. */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <sqlite3.h>
#include "robot/db.h"
#include "tests/unit/testlib.h"

/* The text of the first column of the first row of sql. g_free it. */
static char *query_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *v = NULL;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static int query_int(sqlite3 *db, const char *sql)
{
	char *v = query_text(db, sql);
	int n;

	ck_assert_msg(v != NULL, "no row from %s", sql);
	n = atoi(v);
	g_free(v);
	return n;
}

static int has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int found;

	ck_assert(sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
				     -1, &st, NULL) == SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

START_TEST(test_new_database)
{
	char *tmp = testlib_dir_new("db");
	char *path = g_build_filename(tmp, "pocbot.db", NULL);
	sqlite3 *db = testlib_db_open(path);
	char *mode;

	ck_assert_int_ge(db_schema_version(), 1);
	ck_assert_int_eq(db_user_version(db), db_schema_version());
	ck_assert_int_eq(query_int(db, "PRAGMA user_version"), db_schema_version());
	ck_assert(has_table(db, "messages"));
	ck_assert(has_table(db, "outbox"));
	ck_assert(has_table(db, "spool_failures"));
	ck_assert(!has_table(db, "no_such_table"));
	mode = query_text(db, "PRAGMA journal_mode");
	ck_assert_str_eq(mode, "wal");
	g_free(mode);
	ck_assert_int_eq(query_int(db, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(query_int(db, "PRAGMA synchronous"), 2);	/* FULL */
	ck_assert(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	db_close(db);
	g_free(path);
	testlib_dir_free(tmp);
}
END_TEST

START_TEST(test_foreign_keys_enforced)
{
	char *tmp = testlib_dir_new("db");
	char *path = g_build_filename(tmp, "pocbot.db", NULL);
	sqlite3 *db = testlib_db_open(path);
	static const char insert[] = "INSERT INTO outbox (token, message, purpose, env_from, rcpt, body,"
				     " created, next_try) VALUES (?1, ?2, 'help', 'a@b', 'c@d', 'x', 0, 0)";
	ck_assert_int_eq(db_run(db, insert, "tt", "t1", "12345"), -1);
	ck_assert_int_eq(db_run(db, insert, "tt", "t2", NULL), 0);
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM outbox"), 1);
	db_close(db);
	g_free(path);
	testlib_dir_free(tmp);
}
END_TEST

START_TEST(test_migrate_twice)
{
	char *tmp = testlib_dir_new("db");
	char *path = g_build_filename(tmp, "pocbot.db", NULL);
	sqlite3 *db = testlib_db_open(path);
	char *err = NULL;

	ck_assert_int_eq(db_run(db, "INSERT INTO spool_failures (spool_id, attempts, last_error, updated)"
				" VALUES (?1, 1, ?2, 0)", "tt", "1700000000.1.P1.R1", "boom"), 0);
	ck_assert_int_eq(db_migrate(db, &err), 0);
	ck_assert(err == NULL);
	ck_assert_int_eq(db_user_version(db), db_schema_version());
	db_close(db);

	db = testlib_db_open(path);	/* and again through db_open */
	ck_assert_int_eq(db_user_version(db), db_schema_version());
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM spool_failures WHERE last_error = 'boom'"), 1);
	/* the connection is not left inside a transaction */
	ck_assert(sqlite3_get_autocommit(db));
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_run(db, "DELETE FROM spool_failures", NULL), 0);
	db_rollback(db);
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM spool_failures"), 1);
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_run(db, "DELETE FROM spool_failures", NULL), 0);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM spool_failures"), 0);
	db_close(db);
	g_free(path);
	testlib_dir_free(tmp);
}
END_TEST

/* The statements a connection holds. */
static int statements(sqlite3 *db)
{
	int n = 0;

	for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
		n++;
	return n;
}

/* A statement is prepared once, given back reset, and a statement still
 * stepping is never handed out twice. */
START_TEST(test_statements_cached)
{
	char *tmp = testlib_dir_new("db");
	char *path = g_build_filename(tmp, "pocbot.db", NULL);
	sqlite3 *db = testlib_db_open(path);
	static const char two_rows[] = "SELECT 1 UNION ALL SELECT 2";
	sqlite3_stmt *a, *b;
	gint64 v = 0;
	int before = statements(db);

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(db_int64(db, &v, "SELECT count(*) FROM outbox WHERE rcpt = ?1", "t", "x"), 1);
	ck_assert_int_eq(statements(db), before + 1);
	for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
		ck_assert(!sqlite3_stmt_busy(st));
	a = db_query(db, two_rows, NULL);
	ck_assert_int_eq(db_step(a), 1);	/* a is stepping: busy */
	b = db_query(db, two_rows, NULL);
	ck_assert_ptr_ne(a, b);
	ck_assert_int_eq(db_step(b), 1);
	ck_assert_int_eq(sqlite3_column_int(b, 0), 1);
	db_done(b);
	db_done(a);
	b = db_query(db, two_rows, NULL);	/* one of the two, prepared again by no one */
	ck_assert_ptr_nonnull(b);
	db_done(b);
	ck_assert_int_eq(statements(db), before + 3);
	/* a bad statement is an error, not a crash, and is not kept */
	ck_assert_ptr_null(db_query(db, "SELECT FROM nothing", NULL));
	ck_assert_int_eq(db_run(db, "INSERT INTO nothing VALUES (?1)", "i", (gint64)1), -1);
	ck_assert_int_eq(statements(db), before + 3);
	db_close(db);
	g_free(path);
	testlib_dir_free(tmp);
}
END_TEST

START_TEST(test_newer_database_refused)
{
	char *tmp = testlib_dir_new("db");
	char *path = g_build_filename(tmp, "pocbot.db", NULL);
	char *err = NULL;
	sqlite3 *raw, *db;

	ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(raw, "CREATE TABLE future (x); PRAGMA user_version = 99", NULL, NULL, NULL),
			 SQLITE_OK);
	db_close(raw);
	ck_assert_int_lt(db_schema_version(), 99);

	db = db_open(path, &err);
	ck_assert(db == NULL);
	ck_assert_msg(err && strstr(err, "newer"), "error: %s", err ? err : "(none)");
	ck_assert_msg(strstr(err, "99"), "error does not name the version: %s", err);
	g_free(err);

	/* the database was left as it was */
	ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
	ck_assert_int_eq(query_int(raw, "PRAGMA user_version"), 99);
	ck_assert(!has_table(raw, "messages"));
	db_close(raw);
	g_free(path);
	testlib_dir_free(tmp);
}
END_TEST

START_TEST(test_unopenable_path)
{
	char *tmp = testlib_dir_new("db");
	char *file = g_build_filename(tmp, "file", NULL);
	char *path = g_build_filename(file, "pocbot.db", NULL);
	char *err = NULL, *garbage;

	ck_assert(g_file_set_contents(file, "x", 1, NULL));
	ck_assert(db_open(path, &err) == NULL);
	ck_assert_msg(err && strstr(err, path), "error: %s", err ? err : "(none)");
	g_free(err);
	/* a file that is not a database (SQLite takes a one-byte file as empty) */
	garbage = g_strnfill(4096, 'x');
	ck_assert(g_file_set_contents(file, garbage, 4096, NULL));
	g_free(garbage);
	err = NULL;
	ck_assert(db_open(file, &err) == NULL);
	ck_assert(err != NULL);
	g_free(err);
	g_free(path);
	g_free(file);
	testlib_dir_free(tmp);
}
END_TEST

/* Makes path unwritable (on) or writable again (off): the immutable flag
 * for root, whom modes do not stop; its mode for anyone else. 0 or -1. */
static int unwritable(const char *path, int on)
{
	int fd, flags, rc = -1;

	if (geteuid() != 0)
		return chmod(path, on ? 0400 : 0600);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
		flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
	return rc;
}

START_TEST(test_read_only_refused)
{
	char *tmp = testlib_dir_new("db");
	char *path = g_build_filename(tmp, "pocbot.db", NULL);
	char *err = NULL;
	sqlite3 *db = db_open(path, &err), *ro;
	int made;

	ck_assert_msg(db != NULL, "%s", err ? err : "?");
	db_close(db);
	made = unwritable(path, 1);
	ck_assert_msg(made == 0, "cannot make %s unwritable (immutable files?)", path);
	ro = db_open(path, &err);
	ck_assert_int_eq(unwritable(path, 0), 0);	/* before any assertion can fail */
	db_close(ro);
	ck_assert_msg(ro == NULL, "a database SQLite can only read was opened");
	ck_assert_msg(err && strstr(err, "cannot be written") && strstr(err, path), "error: %s",
		      err ? err : "(none)");
	g_free(err);
	/* writable again: opened, and it writes */
	db = db_open(path, &err);
	ck_assert_msg(db != NULL, "%s", err ? err : "?");
	ck_assert_int_eq(db_probe(db, &err), 0);
	ck_assert(err == NULL);
	db_close(db);
	g_free(path);
	testlib_dir_free(tmp);
}
END_TEST

START_TEST(test_probe_and_error_text)
{
	char *tmp = testlib_dir_new("db");
	char *path = g_build_filename(tmp, "pocbot.db", NULL);
	char *err = NULL;
	sqlite3 *db = db_open(path, &err);
	int version;

	ck_assert_msg(db != NULL, "%s", err ? err : "?");
	version = db_user_version(db);
	ck_assert_int_eq(db_probe(db, &err), 0);
	ck_assert(err == NULL);
	ck_assert_int_eq(db_user_version(db), version);	/* the probe changes nothing */
	/* no error recorded: never SQLite's "not an error" */
	err = db_error(db);
	ck_assert_msg(!strstr(err, "not an error"), "%s", err);
	g_free(err);
	/* a connection that may not write: the probe fails and says why */
	ck_assert_int_eq(db_query_only(db), 0);
	ck_assert_int_eq(db_probe(db, &err), -1);
	ck_assert_msg(err && *err && !strstr(err, "not an error"), "cause: %s", err ? err : "(none)");
	ck_assert_msg(strstr(err, "readonly") || strstr(err, "read-only"), "cause: %s", err);
	g_free(err);
	ck_assert(sqlite3_get_autocommit(db));	/* no transaction was left open */
	db_close(db);
	g_free(path);
	testlib_dir_free(tmp);
}
END_TEST

static Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("migrations");

	tcase_add_test(tc, test_new_database);
	tcase_add_test(tc, test_foreign_keys_enforced);
	tcase_add_test(tc, test_migrate_twice);
	tcase_add_test(tc, test_statements_cached);
	tcase_add_test(tc, test_newer_database_refused);
	tcase_add_test(tc, test_unopenable_path);
	tcase_add_test(tc, test_read_only_refused);
	tcase_add_test(tc, test_probe_and_error_text);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(db_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

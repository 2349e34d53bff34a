/* testlib.h - what the unit suites share to build and tear down their
 * world: a temporary folder, a migrated database in it (with States), the
 * folder's removal with all it holds, and two small readers (entries of
 * a folder, a list of strings). Header only (static functions: every suite
 * is its own binary); each helper fails the running test (Check) when it
 * cannot do its job. */
#ifndef POCBOT_TESTLIB_H
#define POCBOT_TESTLIB_H

#include <check.h>
#include <stdarg.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include "robot/db.h"

/* A new folder "pocbot-NAME-XXXXXX" in the temporary directory.
 * testlib_dir_free it. */
static inline char *testlib_dir_new(const char *name)
{
	char *tmpl = g_strdup_printf("pocbot-%s-XXXXXX", name);
	GError *err = NULL;
	char *dir = g_dir_make_tmp(tmpl, &err);

	ck_assert_msg(dir != NULL, "g_dir_make_tmp: %s", err ? err->message : "?");
	g_free(tmpl);
	return dir;
}

/* Removes path and, for a folder, everything under it (links are removed,
 * not followed). */
static inline void testlib_remove_tree(const char *path)
{
	GDir *d = g_file_test(path, G_FILE_TEST_IS_SYMLINK) ? NULL : g_dir_open(path, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		char *sub = g_build_filename(path, name, NULL);

		testlib_remove_tree(sub);
		g_free(sub);
	}
	if (d)
		g_dir_close(d);
	ck_assert_msg(g_remove(path) == 0, "cannot remove %s", path);
}

/* Removes dir and everything under it, then frees the name. */
static inline void testlib_dir_free(char *dir)
{
	testlib_remove_tree(dir);
	g_free(dir);
}

/* The number of entries in dir/sub. */
static inline int testlib_count_entries(const char *dir, const char *sub)
{
	char *path = g_build_filename(dir, sub, NULL);
	GDir *d = g_dir_open(path, 0, NULL);
	int n = 0;

	ck_assert_msg(d != NULL, "cannot open %s", path);
	while (g_dir_read_name(d))
		n++;
	g_dir_close(d);
	g_free(path);
	return n;
}

/* The strings given, up to NULL, as an array that frees them. */
static inline GPtrArray *testlib_strings(const char *first, ...)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	va_list ap;

	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		g_ptr_array_add(a, g_strdup(s));
	va_end(ap);
	return a;
}

/* The database at path, created and migrated by db_open. sqlite3_close it. */
static inline sqlite3 *testlib_db_open(const char *path)
{
	char *err = NULL;
	sqlite3 *db = db_open(path, &err);

	ck_assert_msg(db != NULL, "db_open: %s", err ? err : "?");
	ck_assert(err == NULL);
	return db;
}

/* The database dir/pocbot.db, as testlib_db_open. */
static inline sqlite3 *testlib_db_in(const char *dir)
{
	char *file = g_build_filename(dir, "pocbot.db", NULL);
	sqlite3 *db = testlib_db_open(file);

	g_free(file);
	return db;
}

/* Runs the SQL text (no parameters) on db; a failure fails the test. */
static inline void testlib_sql(sqlite3 *db, const char *text)
{
	char *err = NULL;

	ck_assert_msg(sqlite3_exec(db, text, NULL, NULL, &err) == SQLITE_OK, "%s: %s", text, err ? err : "?");
}

/* Adds the participating State code (alpha-2) to db. */
static inline void testlib_add_state(sqlite3 *db, const char *code)
{
	ck_assert_int_eq(db_run(db, "INSERT INTO states (code, added) VALUES (?1, 1)", "t", code), 0);
}

/* A temporary folder with a migrated database in it. */
struct testlib_db {
	char *dir;
	sqlite3 *db;
};

/* Makes w in a folder named after name, with the participating States
 * given (alpha-2 codes, up to NULL). testlib_db_free it. */
static inline void testlib_db_new(struct testlib_db *w, const char *name, ...)
{
	va_list ap;

	w->dir = testlib_dir_new(name);
	w->db = testlib_db_in(w->dir);
	va_start(ap, name);
	for (const char *code = va_arg(ap, const char *); code; code = va_arg(ap, const char *))
		testlib_add_state(w->db, code);
	va_end(ap);
}

static inline void testlib_db_free(struct testlib_db *w)
{
	db_close(w->db);
	testlib_dir_free(w->dir);
}

#endif

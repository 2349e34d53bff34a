/* participants.c - the states table (participants.h): the only SQL that
 * touches it. Codes are bound, never formatted. */
#include "participants.h"
#include "db.h"

int participants_add(sqlite3 *db, const char *code, gint64 now)
{
	if (db_run(db,
		   "INSERT INTO states (code, added) VALUES (?1, ?2)"
		   " ON CONFLICT (code) DO NOTHING",
		   "ti", code, now) < 0)
		return -1;
	return sqlite3_changes(db) > 0 ? 1 : 0;
}

int participants_has(sqlite3 *db, const char *code)
{
	gint64 one;

	return db_int64(db, &one, "SELECT 1 FROM states WHERE code = ?1", "t", code);
}

GPtrArray *participants_list(sqlite3 *db)
{
	return db_texts(db_query(db, "SELECT code FROM states ORDER BY code", NULL));
}

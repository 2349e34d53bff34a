/* backups.c - the store of backups written and restores made (tables
 * backups and restores). Input: paths and fingerprints from the robot's
 * own commands, bound as SQL parameters. Returns -1 on a database error;
 * the caller rolls back. */
#include "backups.h"
#include "db.h"

int backups_record(sqlite3 *db, gint64 at, const char *file, gint64 bytes)
{
	return db_run(db, "INSERT INTO backups (at, file, bytes) VALUES (?1, ?2, ?3)", "iti", at,
		      file, bytes);
}

int backups_last(sqlite3 *db, gint64 *at, char **file)
{
	sqlite3_stmt *st = db_query(db, "SELECT at, file FROM backups ORDER BY at DESC, id DESC"
					" LIMIT 1", NULL);
	int rc;

	*file = NULL;
	if (!st)
		return -1;
	if ((rc = db_step(st)) == 1) {
		*at = sqlite3_column_int64(st, 0);
		*file = g_strdup((const char *)sqlite3_column_text(st, 1));
	}
	db_done(st);
	return rc;
}

int backups_restored(sqlite3 *db, gint64 at, gint64 backup_time, const char *file,
		     const char *signer)
{
	return db_run(db, "INSERT INTO restores (at, backup_time, file, signer)"
			  " VALUES (?1, ?2, ?3, ?4)", "iitt", at, backup_time, file, signer);
}

int backups_restore_time(sqlite3 *db, gint64 *backup_time)
{
	return db_int64(db, backup_time, "SELECT backup_time FROM restores ORDER BY id DESC"
					 " LIMIT 1", NULL);
}

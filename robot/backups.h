/* backups.h - the store of backups written and restores made (tables
 * backups and restores, db/0011): the last backup for pocbot status, and
 * the backup time of the last restore, which the replay rule after a
 * restore reads (filters/authenticate.c). Every function runs in the
 * caller's transaction and returns -1 on a database error. */
#ifndef POCBOT_BACKUPS_H
#define POCBOT_BACKUPS_H

#include <glib.h>
#include <sqlite3.h>

/* Records an archive written at (its backup time), at file, of bytes. */
int backups_record(sqlite3 *db, gint64 at, const char *file, gint64 bytes);

/* The last archive written: 1 with *at and *file (g_free it), 0 when none. */
int backups_last(sqlite3 *db, gint64 *at, char **file);

/* Records a restore made at, of the archive file taken at backup_time,
 * whose manifest signer was signer. */
int backups_restored(sqlite3 *db, gint64 at, gint64 backup_time, const char *file,
		     const char *signer);

/* The backup time of the last restore: 1 with *backup_time, 0 when the
 * database was never restored. */
int backups_restore_time(sqlite3 *db, gint64 *backup_time);

#endif

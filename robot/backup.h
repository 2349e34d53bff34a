/* backup.h - a backup archive of the robot, written (backup.c) and
 * restored (restore.c). The archive is a ustar stream (backup-tar.h)
 * encrypted with OpenPGP to the [backup] encrypt_to keys; its first member
 * is MANIFEST, its second MANIFEST.sig (the robot's detached OpenPGP
 * signature of MANIFEST), then the files MANIFEST lists, in its order:
 *
 *     pocbot-backup 1
 *     time T                  the backup time (seconds since the epoch)
 *     robot-openpgp FPR       the key that signed the manifest
 *     audit-events N          the audit trail in the snapshot: its length
 *     audit-head HASH         and the last event's hash
 *     file SHA256 SIZE NAME   one line per member, NAME relative to VAR
 *
 * Members: spool/new/ID and spool/quarantine/ID (taken first: a message
 * processed meanwhile is in the snapshot), pocbot.db (SQLite's online
 * backup), outbox-data/FILE (those queued rows name), gnupg/... (exported
 * through GnuPG: crypto_backup_export), pocbot.conf.archived (the
 * configuration file, never written back over it). */
#ifndef POCBOT_BACKUP_H
#define POCBOT_BACKUP_H

#include <glib.h>
#include <sqlite3.h>
#include "config.h"
#include "crypto.h"

#define BACKUP_FORMAT "pocbot-backup 1"
#define BACKUP_MANIFEST "MANIFEST"
#define BACKUP_SIGNATURE "MANIFEST.sig"
#define BACKUP_CONF "pocbot.conf.archived"
#define BACKUP_GNUPG "gnupg-export"	/* the folder of crypto_backup_export's files */

/* What a backup wrote. */
struct backup_done {
	gint64 time;
	gint64 bytes;
	guint files;
	gint64 audit_events;
};

/* Writes the archive path (durably, 0600; a file that exists is refused)
 * from the robot of cfg: db is its connection, c its crypto adapter, now
 * the backup time. Records it in the backups table. 0; -1 with *err;
 * -2 with *err when [backup] encrypt_to is not usable (none, unknown key,
 * a secret key on the server): a configuration error. */
int backup_write(const struct config *cfg, sqlite3 *db, struct crypto *c, const char *path,
		 gint64 now, struct backup_done *done, char **err);

/* The archive the daemon's timer writes at now: DIR/pocbot-YYYYmmddTHHMMSSZ.backup
 * in [backup] dir (else VAR/backups), that folder made 0700. g_free it. */
char *backup_timed_path(const struct config *cfg, gint64 now);

/* Removes the oldest pocbot-*.backup archives of [backup] dir beyond
 * [backup] keep. 0, or -1 when one could not be removed (logged). */
int backup_prune(const struct config *cfg);

/* Removes the folder path and everything under it (no link followed). */
void backup_remove_tree(const char *path);

#endif

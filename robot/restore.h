/* restore.h - a backup archive (backup.h) restored into an empty VAR. */
#ifndef POCBOT_RESTORE_H
#define POCBOT_RESTORE_H

#include <glib.h>
#include "config.h"
#include "crypto.h"

/* What the archive said, for the custodian to compare. */
struct restore_done {
	gint64 time;			/* the backup time T */
	char signer[CRYPTO_FPR_LEN];	/* the manifest's signer, the robot's OpenPGP key */
	gint64 audit_events;
	char audit_head[65];
	guint files;
};

/* Restores archive into cfg's VAR, which must be empty or absent:
 * decrypts it with the caller's gpg, reads the ustar stream (only regular
 * files with safe names, every one named in the manifest, each checksum
 * and size matched, none missing), imports the keys into VAR/gnupg,
 * checks the manifest's signature by the robot's key and the database's
 * audit chain against the manifest's head, then moves the files into VAR
 * (the configuration only as VAR/pocbot.conf.archived) and records the
 * restore (table restores, an audit event) at now. 0; -1 with *err when
 * the archive is refused (nothing is left in VAR); -2 with *err when VAR
 * is not empty; -3 with *err when the system failed. */
int restore_run(const struct config *cfg, const char *archive, gint64 now,
		struct restore_done *done, char **err);

#endif

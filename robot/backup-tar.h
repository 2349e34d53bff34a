/* backup-tar.h - the container of a backup archive before encryption: a
 * POSIX ustar stream (tar(1) and Python's tarfile read it) holding only
 * regular files, written and read here without libarchive. The reader is
 * strict: it refuses any entry that is not a regular file (links,
 * devices, folders, extended headers), any name that is absolute, holds
 * "..", "." or an empty component, or a character outside [A-Za-z0-9._,=+-]
 * between slashes, and any header whose checksum does not match. */
#ifndef POCBOT_BACKUP_TAR_H
#define POCBOT_BACKUP_TAR_H

#include <glib.h>

#define BACKUP_TAR_NAME_MAX 99	/* the ustar name field, without a prefix */

struct backup_tar_entry {
	char name[257];	/* a ustar prefix, "/" and name: 155 + 1 + 100 */
	gint64 size;
};

/* 1 when name may be a member's name (see above), 0 otherwise. */
int backup_tar_name_ok(const char *name);

/* Appends the file path to the stream fd as the member name (mode 0600,
 * time 0, owner 0), its bytes streamed; ck (may be NULL) is fed them.
 * *size gets their number. 0, or -1 with *err. */
int backup_tar_add(int fd, const char *name, const char *path, GChecksum *ck, gint64 *size,
		   char **err);

/* Ends the stream: two zero blocks. 0, or -1 with *err. */
int backup_tar_finish(int fd, char **err);

/* Reads the next member's header from fd: 1 with *e, 0 at the end of the
 * stream, -1 with *err for anything refused (see above) or a short read. */
int backup_tar_next(int fd, struct backup_tar_entry *e, char **err);

/* Reads e's bytes (and the padding after them) from fd, writing them to
 * out (-1: nowhere) and feeding ck (may be NULL). 0, or -1 with *err. */
int backup_tar_data(int fd, const struct backup_tar_entry *e, int out, GChecksum *ck,
		    char **err);

#endif

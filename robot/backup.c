/* backup.c - writes a backup archive of a running robot (see backup.h for
 * its format): the spool's new and quarantined messages (hard links, so a
 * message the worker moves meanwhile is simply in the snapshot), a
 * consistent database snapshot, the outbox files queued rows name, the
 * GnuPG home exported through the crypto adapter, the configuration; a
 * manifest of SHA-256 checksums signed by the robot; all of it in one
 * ustar stream encrypted to [backup] encrypt_to, written to a temporary
 * file, fsynced and renamed. The staging folder (0700, under VAR, which
 * holds the keys already) is removed whatever happens. Input: the robot's
 * own files; nothing from mail. Returns -1 (or -2 for the configuration)
 * with a message in *err, and leaves no archive behind. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "backup.h"
#include "backup-tar.h"
#include "audit.h"
#include "backups.h"
#include "clock.h"
#include "db.h"
#include "durable.h"
#include "log.h"
#include "outbox.h"

struct staging {
	char *dir;		/* VAR/backup.XXXXXX */
	GPtrArray *names;	/* the members after the manifest, relative to dir */
};

static int fail_errno(char **err, const char *what, const char *path)
{
	*err = g_strdup_printf("%s %s: %s", what, path, g_strerror(errno));
	return -1;
}

/* Makes the folders of name under dir. */
static int make_parent(const char *dir, const char *name, char **err)
{
	char *path = g_build_filename(dir, name, NULL), *parent = g_path_get_dirname(path);
	int rc = g_mkdir_with_parents(parent, 0700) < 0 ? fail_errno(err, "mkdir", parent) : 0;

	g_free(parent);
	g_free(path);
	return rc;
}

static int by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Links VAR/name into the staging folder; a file gone meanwhile is left out. */
static int take_link(const struct config *cfg, struct staging *s, const char *name, char **err)
{
	char *src = config_var_path(cfg, name), *dst = g_build_filename(s->dir, name, NULL);
	int rc = make_parent(s->dir, name, err);

	if (rc == 0 && link(src, dst) == 0)
		g_ptr_array_add(s->names, g_strdup(name));
	else if (rc == 0 && errno != ENOENT)
		rc = fail_errno(err, "link", src);
	g_free(src);
	g_free(dst);
	return rc;
}

/* Every message in VAR/spool/sub. */
static int take_spool(const struct config *cfg, struct staging *s, const char *sub, char **err)
{
	char *dir = config_var_path(cfg, sub);
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *n;
	int rc = 0;

	while (d && (n = g_dir_read_name(d)))
		if (backup_tar_name_ok(n))
			g_ptr_array_add(names, g_build_filename(sub, n, NULL));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, by_name);
	for (guint i = 0; rc == 0 && i < names->len; i++)
		rc = take_link(cfg, s, names->pdata[i], err);
	g_ptr_array_unref(names);
	g_free(dir);
	return rc;
}

/* fsyncs the file path. */
static int sync_file(const char *path, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = fd < 0 ? -1 : fsync(fd);

	if (fd >= 0 && close(fd) < 0)
		rc = -1;
	return rc < 0 ? fail_errno(err, "fsync", path) : 0;
}

/* The snapshot, then from it the audit head and the queued outbox files. */
static int take_database(const struct config *cfg, sqlite3 *db, struct staging *s,
			 GString *head, char **err)
{
	char *path = g_build_filename(s->dir, "pocbot.db", NULL), *why = NULL;
	char hash[AUDIT_HASH_LEN];
	sqlite3 *snap = NULL;
	GPtrArray *files = NULL;
	gint64 bad = 0, events = -1, last = 0;
	int rc = db_snapshot(db, path, err);

	if (rc == 0)
		rc = sync_file(path, err);
	if (rc == 0)
		g_ptr_array_add(s->names, g_strdup("pocbot.db"));
	if (rc == 0 && sqlite3_open_v2(path, &snap, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		rc = fail_errno(err, "opening the snapshot", path);
	if (rc == 0 && ((events = audit_verify(snap, &bad, &why)) < 0 ||
			audit_head(snap, &last, hash) < 0)) {
		*err = g_strdup_printf("the audit trail of the snapshot: %s",
				       why ? why : "unreadable");
		rc = -1;
	}
	if (rc == 0)
		g_string_append_printf(head, "audit-events %" G_GINT64_FORMAT "\naudit-head %s\n",
				       events, hash);
	if (rc == 0 && !(files = outbox_queued_files(snap))) {
		*err = g_strdup("the snapshot's outbox could not be read");
		rc = -1;
	}
	for (guint i = 0; rc == 0 && i < files->len; i++) {
		char *name = g_build_filename("outbox-data", (char *)files->pdata[i], NULL);

		rc = backup_tar_name_ok(name) ? take_link(cfg, s, name, err) : 0;
		g_free(name);
	}
	if (files)
		g_ptr_array_unref(files);
	db_close(snap);
	g_free(why);
	g_free(path);
	return rc;
}

static int take_keys(struct crypto *c, struct staging *s, char **err)
{
	char *dir = g_build_filename(s->dir, BACKUP_GNUPG, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	int rc = g_mkdir_with_parents(dir, 0700) < 0 ? fail_errno(err, "mkdir", dir) : 0;

	if (rc == 0)
		rc = crypto_backup_export(c, dir, names, err);
	for (guint i = 0; rc == 0 && i < names->len; i++)
		g_ptr_array_add(s->names,
				g_build_filename(BACKUP_GNUPG, (char *)names->pdata[i], NULL));
	g_ptr_array_unref(names);
	g_free(dir);
	return rc;
}

/* The configuration file as read (the effective one when there is none). */
static int take_config(const struct config *cfg, struct staging *s, char **err)
{
	char *path = g_build_filename(s->dir, BACKUP_CONF, NULL), *text = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	int rc = 0;

	if (!cfg->file || !g_file_get_contents(cfg->file, &text, &len, NULL)) {
		text = config_dump(cfg);
		len = strlen(text);
	}
	if (!g_file_set_contents_full(path, text, (gssize)len, G_FILE_SET_CONTENTS_DURABLE, 0600,
				      &gerr)) {
		*err = g_strdup_printf("%s: %s", path, gerr->message);
		g_error_free(gerr);
		rc = -1;
	} else {
		g_ptr_array_add(s->names, g_strdup(BACKUP_CONF));
	}
	g_free(text);
	g_free(path);
	return rc;
}

/* SHA-256 and size of a staged file. */
static int checksum(const char *path, char hex[65], gint64 *size, char **err)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	GMappedFile *m = g_mapped_file_new(path, FALSE, NULL);
	int rc = m ? 0 : fail_errno(err, "reading", path);

	if (m) {
		*size = (gint64)g_mapped_file_get_length(m);
		if (*size > 0)
			g_checksum_update(ck, (const guchar *)g_mapped_file_get_contents(m),
					  (gssize)*size);
		g_strlcpy(hex, g_checksum_get_string(ck), 65);
		g_mapped_file_unref(m);
	}
	g_checksum_free(ck);
	return rc;
}

/* MANIFEST and MANIFEST.sig in the staging folder. */
static int write_manifest(struct crypto *c, struct staging *s, gint64 now, const GString *head,
			  char **err)
{
	char pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN], hex[65];
	char *path = g_build_filename(s->dir, BACKUP_MANIFEST, NULL);
	char *sig = g_build_filename(s->dir, BACKUP_SIGNATURE, NULL);
	GString *m = g_string_new(BACKUP_FORMAT "\n");
	GError *gerr = NULL;
	gint64 size = 0;
	int rc = crypto_identity(c, pgp, smime) < 0 || !*pgp ? -1 : 0;

	if (rc < 0)
		*err = g_strdup("the robot's OpenPGP key could not be listed");
	g_string_append_printf(m, "time %" G_GINT64_FORMAT "\nrobot-openpgp %s\n%s", now, pgp,
			       head->str);
	for (guint i = 0; rc == 0 && i < s->names->len; i++) {
		char *f = g_build_filename(s->dir, (char *)s->names->pdata[i], NULL);

		rc = checksum(f, hex, &size, err);
		g_string_append_printf(m, "file %s %" G_GINT64_FORMAT " %s\n", hex, size,
				       (char *)s->names->pdata[i]);
		g_free(f);
	}
	if (rc == 0 && !g_file_set_contents_full(path, m->str, (gssize)m->len,
						 G_FILE_SET_CONTENTS_DURABLE, 0600, &gerr)) {
		*err = g_strdup_printf("%s: %s", path, gerr->message);
		g_error_free(gerr);
		rc = -1;
	}
	if (rc == 0)
		rc = crypto_backup_sign(c, path, sig, err);
	g_string_free(m, TRUE);
	g_free(path);
	g_free(sig);
	return rc;
}

/* The ustar stream of the staging folder into fd: MANIFEST, its signature,
 * the members. */
static int write_tar(struct staging *s, int fd, char **err)
{
	const char *first[] = { BACKUP_MANIFEST, BACKUP_SIGNATURE };
	gint64 size;
	int rc = 0;

	for (guint i = 0; rc == 0 && i < G_N_ELEMENTS(first) + s->names->len; i++) {
		const char *name = i < 2 ? first[i] : (const char *)s->names->pdata[i - 2];
		char *path = g_build_filename(s->dir, name, NULL);

		rc = backup_tar_add(fd, name, path, NULL, &size, err);
		g_free(path);
	}
	if (rc == 0)
		rc = backup_tar_finish(fd, err);
	if (rc == 0 && lseek(fd, 0, SEEK_SET) < 0)
		rc = fail_errno(err, "rewinding", "the archive");
	return rc;
}

/* The stream fd encrypted into path: a temporary file, fsynced, renamed
 * (never over an existing file), the folder fsynced. */
static int write_encrypted(const struct config *cfg, struct crypto *c, int fd, const char *path,
			   gint64 *bytes, char **err)
{
	char **fprs = g_strsplit(cfg->backup_encrypt_to ? cfg->backup_encrypt_to : "", ", ", -1);
	char *tmp = g_strconcat(path, ".tmp", NULL), *dir = g_path_get_dirname(path);
	int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), rc = 0;
	struct stat st;

	if (out < 0)
		rc = fail_errno(err, "creating", tmp);
	if (rc == 0)
		rc = crypto_backup_encrypt(c, (const char *const *)fprs, fd, out, err);
	if (rc == 0 && (fsync(out) < 0 || fstat(out, &st) < 0))
		rc = fail_errno(err, "fsync", tmp);
	if (out >= 0 && close(out) < 0 && rc == 0)
		rc = fail_errno(err, "close", tmp);
	if (rc == 0 && link(tmp, path) < 0)	/* link: never over an existing archive */
		rc = fail_errno(err, "creating", path);
	if (out >= 0)
		g_unlink(tmp);
	if (rc == 0 && durable_sync_dir(dir) < 0)
		rc = fail_errno(err, "fsync", dir);
	if (rc == 0)
		*bytes = st.st_size;
	g_strfreev(fprs);
	g_free(tmp);
	g_free(dir);
	return rc;
}

/* -2 when [backup] encrypt_to is not usable. */
static int check_recipients(const struct config *cfg, struct crypto *c, char **err)
{
	char **fprs;
	int rc = 0;

	if (!cfg->backup_encrypt_to) {
		*err = g_strdup("no [backup] encrypt_to is set: the archive holds the robot's "
				"private keys, so it is only written encrypted to a backup key "
				"whose secret key is kept off this server (see pocbot keys "
				"import-backup)");
		return -2;
	}
	fprs = g_strsplit(cfg->backup_encrypt_to, ", ", -1);
	for (char **f = fprs; rc == 0 && *f; f++)
		if (crypto_backup_recipients_check(c, *f, err) < 0)
			rc = -2;
	g_strfreev(fprs);
	return rc;
}

static int stage(const struct config *cfg, sqlite3 *db, struct crypto *c, struct staging *s,
		 gint64 now, struct backup_done *done, char **err)
{
	GString *head = g_string_new(NULL);
	int rc = take_spool(cfg, s, "spool/new", err);

	if (rc == 0)
		rc = take_spool(cfg, s, "spool/quarantine", err);
	if (rc == 0)
		rc = take_database(cfg, db, s, head, err);
	if (rc == 0)
		rc = take_keys(c, s, err);
	if (rc == 0)
		rc = take_config(cfg, s, err);
	if (rc == 0)
		rc = write_manifest(c, s, now, head, err);
	if (rc == 0)
		sscanf(head->str, "audit-events %" G_GINT64_FORMAT, &done->audit_events);
	g_string_free(head, TRUE);
	return rc;
}

int backup_write(const struct config *cfg, sqlite3 *db, struct crypto *c, const char *path,
		 gint64 now, struct backup_done *done, char **err)
{
	char *tmpl = config_var_path(cfg, "backup.XXXXXX"), *tar = NULL;
	struct staging s = { NULL, g_ptr_array_new_with_free_func(g_free) };
	int rc, fd = -1;

	*err = NULL;
	memset(done, 0, sizeof *done);
	done->time = now;
	if ((rc = check_recipients(cfg, c, err)) < 0)
		goto out;
	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		*err = g_strdup_printf("%s exists already", path);
		rc = -1;
		goto out;
	}
	if (!(s.dir = g_mkdtemp_full(tmpl, 0700))) {
		rc = fail_errno(err, "creating", tmpl);
		goto out;
	}
	if ((rc = stage(cfg, db, c, &s, now, done, err)) < 0)
		goto out;
	tar = g_build_filename(s.dir, "archive.tar", NULL);
	if ((fd = open(tar, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		rc = fail_errno(err, "creating", tar);
	if (rc == 0)
		rc = write_tar(&s, fd, err);
	if (rc == 0)
		rc = write_encrypted(cfg, c, fd, path, &done->bytes, err);
	done->files = s.names->len;
	if (rc == 0 && backups_record(db, now, path, done->bytes) < 0) {
		*err = g_strdup_printf("%s written, but not recorded in the database", path);
		rc = -1;
	}
out:
	if (fd >= 0)
		close(fd);
	if (s.dir)
		backup_remove_tree(s.dir);
	g_ptr_array_unref(s.names);
	g_free(tar);
	g_free(tmpl);
	return rc;
}

void backup_remove_tree(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d))) {
		char *child = g_build_filename(path, n, NULL);

		if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			backup_remove_tree(child);
		else
			g_unlink(child);
		g_free(child);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(path);
}

static char *backup_dir(const struct config *cfg)
{
	return cfg->backup_dir ? g_strdup(cfg->backup_dir) : config_var_path(cfg, "backups");
}

char *backup_timed_path(const struct config *cfg, gint64 now)
{
	char buf[CLOCK_TEXT_LEN], *dir = backup_dir(cfg), *name, *path;

	g_mkdir_with_parents(dir, 0700);
	name = g_strdup_printf("pocbot-%s.backup", clock_text(now, "%Y%m%dT%H%M%SZ", "0", buf));
	path = g_build_filename(dir, name, NULL);
	g_free(name);
	g_free(dir);
	return path;
}

int backup_prune(const struct config *cfg)
{
	char *dir = backup_dir(cfg);
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *n;
	int rc = 0;

	while (d && (n = g_dir_read_name(d)))
		if (g_str_has_prefix(n, "pocbot-") && g_str_has_suffix(n, ".backup"))
			g_ptr_array_add(names, g_strdup(n));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, by_name);	/* names sort by time */
	for (guint i = 0; cfg->backup_keep > 0 && i + (guint)cfg->backup_keep < names->len; i++) {
		char *path = g_build_filename(dir, (char *)names->pdata[i], NULL);

		if (g_unlink(path) < 0) {
			log_msg(LOG_WARNING, "backup: cannot remove %s: %s", path,
				g_strerror(errno));
			rc = -1;
		}
		g_free(path);
	}
	g_ptr_array_unref(names);
	g_free(dir);
	return rc;
}

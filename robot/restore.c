/* restore.c - restores a backup archive (backup.h) into an empty VAR.
 * Input: an archive that is not trusted until its manifest's signature,
 * checksums and audit chain are checked: its members are read by the
 * strict reader of backup-tar.c into a staging folder in VAR, and nothing
 * reaches its place in VAR before every check has passed. Returns -1 with
 * a message in *err for a refused archive, and then empties VAR again. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "restore.h"
#include "audit.h"
#include "backup.h"
#include "backup-tar.h"
#include "backups.h"
#include "db.h"
#include "durable.h"

#define MAX_MANIFEST_BYTES (16 * 1024 * 1024)

struct member {
	char sha[65];
	gint64 size;
	gboolean seen;
};

struct restore {
	const struct config *cfg;
	char *staging;		/* VAR/restore.XXXXXX */
	char *files;		/* staging/files: the members, by name */
	GHashTable *members;	/* name -> struct member */
	GPtrArray *order;	/* the names, in the manifest's order */
	struct restore_done *done;
};

static int refuse(char **err, char *msg)
{
	*err = msg;
	return -1;
}

/* 1 when VAR is absent or holds nothing, 0 when not, -1 on error. */
static int var_empty(const char *var)
{
	GDir *d = g_dir_open(var, 0, NULL);
	int empty = d ? g_dir_read_name(d) == NULL : errno == ENOENT ? 1 : -1;

	if (d)
		g_dir_close(d);
	return empty;
}

/* The names a backup writes (backup.h): nothing else is put into VAR. */
static int name_expected(const char *name)
{
	static const char *const prefixes[] = { "spool/new/", "spool/quarantine/",
						"outbox-data/", BACKUP_GNUPG "/" };

	if (strcmp(name, "pocbot.db") == 0 || strcmp(name, BACKUP_CONF) == 0)
		return 1;
	for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
		size_t n = strlen(prefixes[i]);

		if (strncmp(name, prefixes[i], n) == 0 && !strchr(name + n, '/'))
			return 1;
	}
	return 0;
}

static int parse_file_line(struct restore *r, const char *line, char **err)
{
	char sha[65], name[256];
	struct member *m;
	gint64 size;
	int used = 0;

	if (sscanf(line, "file %64[0-9a-f] %" G_GINT64_FORMAT " %255s%n", sha, &size, name,
		   &used) != 3 || line[used] != '\0' || strlen(sha) != 64 || size < 0)
		return refuse(err, g_strdup_printf("the manifest's line \"%.100s\" is not "
						   "understood", line));
	if (!backup_tar_name_ok(name) || !name_expected(name) ||
	    g_hash_table_contains(r->members, name))
		return refuse(err, g_strdup_printf("the manifest names \"%.200s\" (a name "
						   "refused, or twice)", name));
	m = g_new0(struct member, 1);
	g_strlcpy(m->sha, sha, sizeof m->sha);
	m->size = size;
	g_hash_table_insert(r->members, g_strdup(name), m);
	g_ptr_array_add(r->order, g_strdup(name));
	return 0;
}

static int parse_manifest(struct restore *r, const char *text, char **err)
{
	gchar **lines = g_strsplit(text, "\n", -1);
	struct restore_done *d = r->done;
	int rc = strcmp(lines[0], BACKUP_FORMAT) == 0 ? 0 : -1, fields = 0;

	if (rc < 0)
		*err = g_strdup("the archive's manifest is not a pocbot backup's (format 1)");
	for (gchar **l = lines + 1; rc == 0 && *l; l++) {
		if (!**l)
			continue;
		if (sscanf(*l, "time %" G_GINT64_FORMAT, &d->time) == 1)
			fields |= 1;
		else if (sscanf(*l, "robot-openpgp %64[0-9A-F]", d->signer) == 1)
			fields |= 2;
		else if (sscanf(*l, "audit-events %" G_GINT64_FORMAT, &d->audit_events) == 1)
			fields |= 4;
		else if (sscanf(*l, "audit-head %64[0-9a-f]", d->audit_head) == 1)
			fields |= 8;
		else
			rc = parse_file_line(r, *l, err);
	}
	if (rc == 0 && (fields != 15 || !g_hash_table_contains(r->members, "pocbot.db")))
		rc = refuse(err, g_strdup("the manifest lacks its time, signer, audit head or "
					  "database"));
	g_strfreev(lines);
	return rc;
}

/* Reads the member e into path (0600, new) feeding ck. */
static int extract(int fd, const struct backup_tar_entry *e, const char *path, GChecksum *ck,
		   char **err)
{
	char *parent = g_path_get_dirname(path);
	int out = -1, rc = g_mkdir_with_parents(parent, 0700);

	if (rc == 0)
		out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (rc < 0 || out < 0)
		*err = g_strdup_printf("creating %s: %s", path, g_strerror(errno));
	else
		rc = backup_tar_data(fd, e, out, ck, err);
	if (out >= 0 && (fsync(out) < 0 || close(out) < 0) && rc == 0) {
		*err = g_strdup_printf("writing %s: %s", path, g_strerror(errno));
		rc = -1;
	}
	g_free(parent);
	return out < 0 ? -1 : rc;
}

/* The manifest and its signature, the archive's first two members. */
static int read_head(struct restore *r, int fd, char **err)
{
	const char *want[] = { BACKUP_MANIFEST, BACKUP_SIGNATURE };
	struct backup_tar_entry e;
	char *text = NULL, *path;
	int rc = 0;

	for (int i = 0; rc == 0 && i < 2; i++) {
		if ((rc = backup_tar_next(fd, &e, err)) == 0)
			rc = refuse(err, g_strdup("the archive is empty"));
		if (rc > 0 && (strcmp(e.name, want[i]) != 0 || e.size > MAX_MANIFEST_BYTES))
			rc = refuse(err, g_strdup_printf("the archive does not begin with %s",
							 want[i]));
		if (rc < 0)
			break;
		path = g_build_filename(r->staging, want[i], NULL);
		rc = extract(fd, &e, path, NULL, err);
		g_free(path);
	}
	path = g_build_filename(r->staging, BACKUP_MANIFEST, NULL);
	if (rc == 0 && !g_file_get_contents(path, &text, NULL, NULL))
		rc = refuse(err, g_strdup("the manifest cannot be read"));
	if (rc == 0)
		rc = parse_manifest(r, text, err);
	g_free(path);
	g_free(text);
	return rc;
}

/* Every other member: named in the manifest once, its size and checksum. */
static int read_members(struct restore *r, int fd, char **err)
{
	struct backup_tar_entry e;
	int rc;

	while ((rc = backup_tar_next(fd, &e, err)) > 0) {
		struct member *m = g_hash_table_lookup(r->members, e.name);
		GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
		char *path = g_build_filename(r->files, e.name, NULL);

		if (!m || m->seen)
			rc = refuse(err, g_strdup_printf("the member %s is %s", e.name,
							 m ? "there twice" :
							     "not named in the manifest"));
		else if (e.size != m->size)
			rc = refuse(err, g_strdup_printf(
						 "the member %s has %" G_GINT64_FORMAT " bytes, "
						 "the manifest says %" G_GINT64_FORMAT,
						 e.name, e.size, m->size));
		else
			rc = extract(fd, &e, path, ck, err);
		if (rc == 0 && strcmp(g_checksum_get_string(ck), m->sha) != 0)
			rc = refuse(err, g_strdup_printf("the member %s does not match its "
							 "checksum in the manifest: the archive "
							 "was altered", e.name));
		if (m)
			m->seen = TRUE;
		g_checksum_free(ck);
		g_free(path);
		if (rc < 0)
			return -1;
	}
	for (guint i = 0; rc == 0 && i < r->order->len; i++)
		if (!((struct member *)g_hash_table_lookup(r->members, r->order->pdata[i]))->seen)
			rc = refuse(err, g_strdup_printf("the member %s named in the manifest is "
							 "missing", (char *)r->order->pdata[i]));
	return rc;
}

/* Decrypts the archive and reads it into the staging folder. */
static int unpack(struct restore *r, const char *archive, char **err)
{
	char *tar = g_build_filename(r->staging, "archive.tar", NULL);
	int in = open(archive, O_RDONLY | O_CLOEXEC);
	int fd = open(tar, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600), rc = 0;

	if (in < 0 || fd < 0)
		rc = refuse(err, g_strdup_printf("%s: %s", in < 0 ? archive : tar,
						 g_strerror(errno)));
	if (rc == 0)
		rc = crypto_backup_decrypt(in, fd, err);
	if (rc == 0 && lseek(fd, 0, SEEK_SET) < 0)
		rc = refuse(err, g_strdup_printf("%s: %s", tar, g_strerror(errno)));
	if (rc == 0)
		rc = read_head(r, fd, err);
	if (rc == 0)
		rc = read_members(r, fd, err);
	if (in >= 0)
		close(in);
	if (fd >= 0)
		close(fd);
	if (fd >= 0)
		g_unlink(tar);	/* the clear archive is not kept */
	g_free(tar);
	return rc;
}

/* The keys imported into VAR/gnupg; the manifest signed by the robot's key. */
static int check_keys(struct restore *r, char **err)
{
	char *home = config_var_path(r->cfg, "gnupg");
	char *export = g_build_filename(r->files, BACKUP_GNUPG, NULL);
	char *manifest = g_build_filename(r->staging, BACKUP_MANIFEST, NULL);
	char *sig = g_build_filename(r->staging, BACKUP_SIGNATURE, NULL);
	char fpr[CRYPTO_FPR_LEN], pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN];
	struct crypto *c = crypto_open(home, err);
	int rc = c ? crypto_backup_import(c, export, err) : -1;

	if (rc == 0)
		rc = crypto_backup_verify(c, manifest, sig, fpr, err);
	if (rc == 0 && crypto_identity(c, pgp, smime) < 0)
		rc = refuse(err, g_strdup("the restored keys cannot be listed"));
	if (rc == 0 && (strcmp(fpr, r->done->signer) != 0 || strcmp(pgp, fpr) != 0))
		rc = refuse(err, g_strdup_printf("the manifest is signed by %s; it names %s and "
						 "the restored robot key is %s", fpr,
						 r->done->signer, pgp));
	crypto_close(c);
	g_free(home);
	g_free(export);
	g_free(manifest);
	g_free(sig);
	return rc;
}

/* The database's audit chain verifies and ends at the manifest's head. */
static int check_audit(struct restore *r, char **err)
{
	char *path = g_build_filename(r->files, "pocbot.db", NULL), *why = NULL;
	char hash[AUDIT_HASH_LEN];
	sqlite3 *db = NULL;
	gint64 bad = 0, n = -1, last = 0;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK ? 0 : -1;

	if (rc == 0 && ((n = audit_verify(db, &bad, &why)) < 0 || audit_head(db, &last, hash) < 0))
		rc = -1;
	if (rc < 0)
		*err = g_strdup_printf("the database's audit trail does not verify: %s",
				       why ? why : "unreadable");
	else if (n != r->done->audit_events || strcmp(hash, r->done->audit_head) != 0)
		rc = refuse(err, g_strdup_printf("the database's audit trail (%" G_GINT64_FORMAT
						 " events, head %s) is not the manifest's",
						 n, hash));
	db_close(db);
	g_free(why);
	g_free(path);
	return rc;
}

/* Moves each member but the key export into VAR, then fsyncs the folders. */
static int install(struct restore *r, char **err)
{
	GHashTable *dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTableIter it;
	gpointer dir;
	int rc = 0;

	for (const char *const *s = (const char *const[]){ "spool/tmp", "spool/new", "spool/cur",
							  "spool/quarantine", NULL }; *s; s++) {
		char *p = config_var_path(r->cfg, *s);

		g_mkdir_with_parents(p, 0700);
		g_free(p);
	}
	for (guint i = 0; rc == 0 && i < r->order->len; i++) {
		const char *name = r->order->pdata[i];
		char *src = g_build_filename(r->files, name, NULL);
		char *dst = config_var_path(r->cfg, name), *parent = g_path_get_dirname(dst);

		if (!g_str_has_prefix(name, BACKUP_GNUPG "/")) {
			if (g_mkdir_with_parents(parent, 0700) < 0 || rename(src, dst) < 0)
				rc = refuse(err, g_strdup_printf("moving %s into place: %s", name,
								 g_strerror(errno)));
			g_hash_table_add(dirs, g_strdup(parent));
		}
		g_free(src);
		g_free(dst);
		g_free(parent);
	}
	g_hash_table_add(dirs, g_strdup(r->cfg->var));
	g_hash_table_iter_init(&it, dirs);
	while (rc == 0 && g_hash_table_iter_next(&it, &dir, NULL))
		if (durable_sync_dir(dir) < 0)
			rc = refuse(err, g_strdup_printf("fsync %s: %s", (char *)dir,
							 g_strerror(errno)));
	g_hash_table_destroy(dirs);
	return rc;
}

/* The database brought to this binary's schema; the restore recorded. */
static int record(struct restore *r, const char *archive, gint64 now, char **err)
{
	char *path = config_var_path(r->cfg, "pocbot.db");
	char *detail = g_strdup_printf("{\"backup_time\":%" G_GINT64_FORMAT ",\"signer\":\"%s\"}",
				       r->done->time, r->done->signer);
	sqlite3 *db = db_open(path, err);
	int rc = db ? db_begin(db) : -1;

	if (rc == 0)
		rc = backups_restored(db, now, r->done->time, archive, r->done->signer);
	if (rc == 0)
		rc = audit_append(db, now, "custodian", NULL, "restore", detail);
	if (rc == 0)
		rc = db_commit(db);
	else if (db)
		db_rollback(db);
	if (rc < 0 && !*err)
		*err = g_strdup("the restore could not be recorded in the database");
	db_close(db);
	g_free(detail);
	g_free(path);
	return rc;
}

/* Removes everything in VAR (it was empty before the restore). */
static void empty_var(const char *var)
{
	GDir *d = g_dir_open(var, 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d))) {
		char *p = g_build_filename(var, n, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			backup_remove_tree(p);
		else
			g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
}

static int run(struct restore *r, const char *archive, gint64 now, char **err)
{
	int rc = unpack(r, archive, err);

	if (rc == 0)
		rc = check_keys(r, err);
	if (rc == 0)
		rc = check_audit(r, err);
	if (rc == 0)
		rc = install(r, err);
	if (rc == 0)
		rc = record(r, archive, now, err);
	r->done->files = r->order->len;
	return rc;
}

int restore_run(const struct config *cfg, const char *archive, gint64 now,
		struct restore_done *done, char **err)
{
	struct restore r = { cfg, NULL, NULL,
			     g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
			     g_ptr_array_new_with_free_func(g_free), done };
	char *tmpl = config_var_path(cfg, "restore.XXXXXX");
	int empty = var_empty(cfg->var), rc;

	*err = NULL;
	memset(done, 0, sizeof *done);
	if (empty != 1) {
		*err = g_strdup_printf("%s is not empty%s: restore only into an empty VAR "
				       "(a new robot's)", cfg->var,
				       empty < 0 ? " or not readable" : "");
		rc = -2;
	} else if (g_mkdir_with_parents(cfg->var, 0700) < 0 ||
		   !(r.staging = g_mkdtemp_full(tmpl, 0700))) {
		*err = g_strdup_printf("%s: %s", cfg->var, g_strerror(errno));
		rc = -3;
	} else {
		r.files = g_build_filename(r.staging, "files", NULL);
		rc = run(&r, archive, now, err);
		backup_remove_tree(r.staging);
		if (rc < 0)
			empty_var(cfg->var);
	}
	g_hash_table_destroy(r.members);
	g_ptr_array_unref(r.order);
	g_free(r.files);
	g_free(tmpl);
	return rc;
}

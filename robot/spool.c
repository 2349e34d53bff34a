/* spool.c - the durable queue: VAR/spool/{tmp,new,cur,quarantine}.
 *
 * A spool file is "POCBOT-SPOOL 1", "S <sender>", one "R <recipient>" per
 * recipient, a blank line, then the message bytes as received. Addresses
 * were checked by envelope_address_ok (no CR/LF, bounded). Every step of a
 * store is checked; on any failure the caller answers 4xx / exit 75. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "spool.h"
#include "durable.h"
#include "limits.h"

#define SPOOL_MAGIC "POCBOT-SPOOL 1\n"

static const char *const dir_names[] = { "new", "cur", "quarantine" };
G_STATIC_ASSERT(G_N_ELEMENTS(dir_names) == SPOOL_QUARANTINE + 1);

const char *spool_dir_name(enum spool_dir dir)
{
	g_assert((unsigned)dir < G_N_ELEMENTS(dir_names));
	return dir_names[dir];
}

int spool_init(const char *spool)
{
	const char *subs[] = { "tmp", "new", "cur", "quarantine" };

	if (g_mkdir_with_parents(spool, 0700) < 0)
		return -1;
	for (size_t i = 0; i < G_N_ELEMENTS(subs); i++) {
		char *d = g_build_filename(spool, subs[i], NULL);
		int rc = g_mkdir_with_parents(d, 0700);

		g_free(d);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static GString *envelope_text(const struct envelope *env)
{
	GString *s = g_string_new(SPOOL_MAGIC);

	g_string_append_printf(s, "S %s\n", env->sender);
	for (guint i = 0; i < env->recipients->len; i++)
		g_string_append_printf(s, "R %s\n", (char *)env->recipients->pdata[i]);
	g_string_append_c(s, '\n');
	return s;
}

/* Creates tmp/NAME with O_EXCL under a fresh unique name. fd or -1. */
static int create_unique(const char *spool, char **id, char **tmp)
{
	for (int tries = 0; tries < 10; tries++) {
		gint64 us = g_get_real_time();
		int fd;

		*id = g_strdup_printf("%" G_GINT64_FORMAT ".%06d.P%d.R%08x", us / G_USEC_PER_SEC,
				      (int)(us % G_USEC_PER_SEC), (int)getpid(), g_random_int());
		*tmp = g_build_filename(spool, "tmp", *id, NULL);
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		g_clear_pointer(id, g_free);
		g_clear_pointer(tmp, g_free);
	}
	return -1;
}

struct spool_txn {
	char *spool, *id, *tmp;	/* tmp: the file in tmp/ being written */
	int fd;
};

/* Frees t; unlinks its file in tmp/ when it is still there. */
static void txn_free(struct spool_txn *t, gboolean unlink_tmp)
{
	int saved = errno;

	if (t->fd >= 0)
		close(t->fd);
	if (unlink_tmp)
		unlink(t->tmp);
	g_free(t->spool);
	g_free(t->id);
	g_free(t->tmp);
	g_free(t);
	errno = saved;
}

struct spool_txn *spool_begin(const char *spool, const struct envelope *env)
{
	struct spool_txn *t = g_new0(struct spool_txn, 1);
	GString *head = envelope_text(env);
	int rc;

	t->spool = g_strdup(spool);
	t->fd = create_unique(spool, &t->id, &t->tmp);
	rc = t->fd < 0 ? -1 : durable_write_all(t->fd, head->str, head->len);
	g_string_free(head, TRUE);
	if (rc < 0) {
		txn_free(t, t->fd >= 0);
		return NULL;
	}
	return t;
}

int spool_write(struct spool_txn *t, const char *data, size_t len)
{
	return durable_write_all(t->fd, data, len);
}

int spool_commit(struct spool_txn *t, char **id)
{
	char *newdir = g_build_filename(t->spool, "new", NULL);
	char *dst = g_build_filename(newdir, t->id, NULL);
	int rc = -1, fd = t->fd;

	t->fd = -1;
	*id = NULL;
	if (fsync(fd) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
	} else if (close(fd) == 0 && rename(t->tmp, dst) == 0) {
		rc = durable_sync_dir(newdir) < 0 ? -2 : 0;
	}
	if (rc == 0)
		*id = g_strdup(t->id);
	/* renamed but its folder not synced: the entry is in new/ and the
	 * worker takes it; the MTA, told 451, sends it again */
	txn_free(t, rc == -1);
	g_free(newdir);
	g_free(dst);
	return rc < 0 ? -1 : 0;
}

void spool_abort(struct spool_txn *t)
{
	if (t)
		txn_free(t, TRUE);
}

int spool_store(const char *spool, const struct envelope *env,
		const char *data, size_t len, char **id)
{
	struct spool_txn *t = spool_begin(spool, env);

	*id = NULL;
	if (!t)
		return -1;
	if (spool_write(t, data, len) < 0) {
		spool_abort(t);
		return -1;
	}
	return spool_commit(t, id);
}

/* Writes, syncs and removes a file in tmp/ (a leftover of a crash is
 * swept like any dead writer's), then checks that the other folders
 * take entries. */
int spool_probe(const char *spool, char **cause)
{
	char *id = NULL, *tmp = NULL;
	int fd = create_unique(spool, &id, &tmp), rc = -1;
	const char *where = "tmp";

	*cause = NULL;
	if (fd >= 0 && durable_write_all(fd, SPOOL_MAGIC, strlen(SPOOL_MAGIC)) == 0 &&
	    fsync(fd) == 0)
		rc = 0;
	if (fd >= 0 && close(fd) < 0)
		rc = -1;
	if (fd >= 0 && unlink(tmp) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < G_N_ELEMENTS(dir_names); i++) {
		char *dir = g_build_filename(spool, dir_names[i], NULL);

		rc = access(dir, W_OK | X_OK);
		where = dir_names[i];
		g_free(dir);
	}
	if (rc < 0)
		*cause = g_strdup_printf("the spool's %s/ folder (%s): %s", where, spool,
					 g_strerror(errno));
	g_free(id);
	g_free(tmp);
	return rc;
}

/* 1 when the process that named id ("SECS.USECS.PPID.RHEX") is gone. */
static int writer_dead(const char *id)
{
	const char *p = strstr(id, ".P");
	char *end;
	long pid = p ? strtol(p + 2, &end, 10) : 0;

	if (pid <= 0 || *end != '.')
		return 0;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

int spool_sweep_tmp(const char *spool)
{
	char *tmp = g_build_filename(spool, "tmp", NULL);
	GDir *d = g_dir_open(tmp, 0, NULL);
	const char *name;
	int n = 0;

	while (d && (name = g_dir_read_name(d))) {
		char *path = g_build_filename(tmp, name, NULL);

		if (writer_dead(name) && unlink(path) == 0)
			n++;
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	g_free(tmp);
	return n;
}

/* Parses the envelope at the head of text; the offset of the message, or -1. */
static gssize parse_envelope(const char *text, size_t len, struct envelope *env)
{
	const char *p = text, *end = text + len;

	if (len < strlen(SPOOL_MAGIC) || memcmp(p, SPOOL_MAGIC, strlen(SPOOL_MAGIC)) != 0)
		return -1;
	p += strlen(SPOOL_MAGIC);
	while (p < end && *p != '\n') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *value;

		if (!nl || nl - p < 2 || p[1] != ' ')
			return -1;
		value = g_strndup(p + 2, (gsize)(nl - p - 2));
		if (p[0] == 'S' && !env->sender)
			env->sender = value;
		else if (p[0] == 'R') {
			g_ptr_array_add(env->recipients, value);
		} else {
			g_free(value);
			return -1;
		}
		p = nl + 1;
	}
	if (p >= end || !env->sender || env->recipients->len == 0)
		return -1;
	return p + 1 - text;
}

int spool_load(const char *spool, enum spool_dir dir, const char *id,
	       struct envelope *env, char **data, size_t *len)
{
	char *path = g_build_filename(spool, dir_names[dir], id, NULL);
	char *text = NULL;
	gsize size = 0;
	gssize off;

	envelope_init(env);
	*data = NULL;
	if (!g_file_get_contents(path, &text, &size, NULL)) {
		g_free(path);
		return -1;
	}
	g_free(path);
	off = parse_envelope(text, size, env);
	if (off < 0) {
		g_free(text);
		envelope_clear(env);
		envelope_init(env);
		return -1;
	}
	*len = size - (gsize)off;
	memmove(text, text + off, *len);
	text[*len] = '\0';
	*data = text;
	return 0;
}

int spool_move(const char *spool, const char *id, enum spool_dir from, enum spool_dir to)
{
	char *src, *dstdir, *dst;
	int rc = -1;

	/* a move is between two different folders (the daemon's: new -> cur
	 * when recorded, new -> quarantine when given up, quarantine -> new on
	 * pocbot spool retry) */
	g_assert((unsigned)from < G_N_ELEMENTS(dir_names) &&
	         (unsigned)to < G_N_ELEMENTS(dir_names));
	g_assert(from != to);
	src = g_build_filename(spool, dir_names[from], id, NULL);
	dstdir = g_build_filename(spool, dir_names[to], NULL);
	dst = g_build_filename(dstdir, id, NULL);

	if (strchr(id, '/') || id[0] == '.')
		errno = EINVAL;
	else if (rename(src, dst) == 0 && durable_sync_dir(dstdir) == 0)
		rc = 0;
	g_free(src);
	g_free(dst);
	g_free(dstdir);
	return rc;
}

int spool_remove(const char *spool, enum spool_dir dir, const char *id)
{
	char *path, *dirpath;
	int rc = -1;

	g_assert((unsigned)dir < G_N_ELEMENTS(dir_names));
	if (strchr(id, '/') || id[0] == '.') {
		errno = EINVAL;
		return -1;
	}
	dirpath = g_build_filename(spool, dir_names[dir], NULL);
	path = g_build_filename(dirpath, id, NULL);
	if (unlink(path) == 0 || errno == ENOENT)
		rc = durable_sync_dir(dirpath);
	g_free(path);
	g_free(dirpath);
	return rc;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *spool_list(const char *spool, enum spool_dir dir)
{
	char *path = g_build_filename(spool, dir_names[dir], NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(path, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)))
		if (name[0] != '.')
			g_ptr_array_add(names, g_strdup(name));
	if (d)
		g_dir_close(d);
	g_free(path);
	g_ptr_array_sort(names, compare_names);
	return names;
}

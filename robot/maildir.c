/* maildir.c - durable delivery of one message into a Maildir.
 *
 * Untrusted input: the message bytes, written as they are. The file name is
 * chosen by the caller, never taken from mail, and is still checked to be a
 * plain name. Every step (mkdir, open, write, fsync, close, rename, fsync of
 * the folder) is checked; on failure -1 with errno set, and the file in tmp/
 * is removed, so nothing half-written is ever in new/. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include "maildir.h"
#include "durable.h"

static int maildir_name_ok(const char *name)
{
	return name[0] != '\0' && name[0] != '.' && !strchr(name, '/');
}

/* mkdir path unless it exists. 1 if created, 0 if there, -1 with errno. */
static int maildir_mkdir(const char *path)
{
	if (mkdir(path, 0700) == 0)
		return 1;
	return errno == EEXIST ? 0 : -1;
}

/* dir and its three folders; a folder just made is fsynced into its parent. */
static int maildir_make(const char *dir)
{
	static const char *const subs[] = { "tmp", "new", "cur" };
	int made = maildir_mkdir(dir), sub_made = 0;

	if (made < 0)
		return -1;
	if (made) {
		char *parent = g_path_get_dirname(dir);
		int rc = durable_sync_dir(parent);

		g_free(parent);
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(subs); i++) {
		char *sub = g_build_filename(dir, subs[i], NULL);

		made = maildir_mkdir(sub);
		g_free(sub);
		if (made < 0)
			return -1;
		sub_made |= made;
	}
	return sub_made ? durable_sync_dir(dir) : 0;
}

/* data written to fd with each CRLF made LF, through a bounded buffer. */
static int write_unix_lines(int fd, const char *data, size_t len)
{
	char buf[65536];
	size_t held = 0;

	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			continue;
		buf[held++] = data[i];
		if (held == sizeof buf) {
			if (durable_write_all(fd, buf, held) < 0)
				return -1;
			held = 0;
		}
	}
	return durable_write_all(fd, buf, held);
}

/* Writes path with data (CRLF made LF when lf_only), on disk when it returns
 * 0; -1 with errno. */
static int maildir_write_file(const char *path, const char *data, size_t len, int lf_only)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	int saved;

	if (fd < 0)
		return -1;
	if ((lf_only ? write_unix_lines(fd, data, len) : durable_write_all(fd, data, len)) < 0)
		goto fail;
	if (fsync(fd) < 0)
		goto fail;
	return close(fd);
fail:
	saved = errno;
	(void)close(fd);	/* already failing: errno says why */
	errno = saved;
	return -1;
}

static int deliver(const char *dir, const char *name, const char *data, size_t len, int lf_only)
{
	char *tmp = NULL, *new_dir = NULL, *new_path = NULL;
	int rc = -1, saved;

	if (!maildir_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	if (maildir_make(dir) < 0)
		return -1;
	tmp = g_build_filename(dir, "tmp", name, NULL);
	new_dir = g_build_filename(dir, "new", NULL);
	new_path = g_build_filename(new_dir, name, NULL);
	rc = maildir_write_file(tmp, data, len, lf_only);
	if (rc == 0)
		rc = rename(tmp, new_path);
	if (rc < 0) {
		saved = errno;
		(void)unlink(tmp);	/* best effort; may not exist */
		errno = saved;
		goto out;
	}
	rc = durable_sync_dir(new_dir);
out:
	g_free(tmp);
	g_free(new_dir);
	g_free(new_path);
	return rc;
}

int maildir_deliver(const char *dir, const char *name, const char *data, size_t len)
{
	return deliver(dir, name, data, len, 0);
}

int maildir_deliver_unix(const char *dir, const char *name, const char *data, size_t len)
{
	return deliver(dir, name, data, len, 1);
}

int maildir_probe(const char *dir)
{
	char *name, *tmp, *new_dir;
	int rc, saved;

	if (maildir_make(dir) < 0)
		return -1;
	/* a dot: no message's name; the thread's own, as two threads may probe */
	name = g_strdup_printf(".probe.%d.%08x", (int)getpid(), g_random_int());
	tmp = g_build_filename(dir, "tmp", name, NULL);
	g_free(name);
	new_dir = g_build_filename(dir, "new", NULL);
	rc = maildir_write_file(tmp, "", 0, 0);
	saved = errno;
	if (rc == 0 && (rc = unlink(tmp)) < 0)
		saved = errno;
	if (rc == 0 && (rc = access(new_dir, W_OK | X_OK)) < 0)
		saved = errno;
	g_free(tmp);
	g_free(new_dir);
	errno = saved;
	return rc;
}

/* pidfile.c - VAR/pocbot.pid, held by the daemon with an fcntl write lock
 * on the whole file for its life (the kernel drops it when the process
 * ends, even by SIGKILL: no stale file to clean). The file holds "PID
 * STARTED\n"; the lock, not the text, says whether a daemon runs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "durable.h"
#include "pidfile.h"

#define PIDFILE "pocbot.pid"

/* The lock's holder on fd: its pid, or 0 when none, -1 on error. */
static pid_t holder_of(int fd)
{
	struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_GETLK, &l) < 0)
		return -1;
	return l.l_type == F_UNLCK ? 0 : l.l_pid;
}

int pidfile_hold(const char *var, gint64 started, pid_t *holder)
{
	char *path = g_build_filename(var, PIDFILE, NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), rc = fd < 0 ? -1 : 0;
	struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char *text;

	g_free(path);
	*holder = 0;
	if (rc == 0 && fcntl(fd, F_SETLK, &l) < 0) {
		rc = errno == EACCES || errno == EAGAIN ? 1 : -1;
		if (rc == 1 && (*holder = holder_of(fd)) <= 0)
			rc = -1;	/* released meanwhile: the caller may try again */
	}
	if (rc != 0) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	text = g_strdup_printf("%ld %" G_GINT64_FORMAT "\n", (long)getpid(), started);
	if (ftruncate(fd, 0) < 0 || durable_write_all(fd, text, strlen(text)) < 0 ||
	    fsync(fd) < 0)
		rc = -1;
	g_free(text);
	return rc;	/* fd stays open: the lock lives as long as the process */
}

int pidfile_read(const char *var, pid_t *pid, gint64 *started)
{
	char *path = g_build_filename(var, PIDFILE, NULL), *data = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	pid_t h;

	if (!g_file_get_contents(path, &data, NULL, NULL))
		data = NULL;
	g_free(path);
	*pid = 0;
	*started = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	h = holder_of(fd);
	close(fd);
	if (h > 0) {
		*pid = h;
		if (data && strchr(data, ' '))
			*started = g_ascii_strtoll(strchr(data, ' ') + 1, NULL, 10);
	}
	g_free(data);
	return h < 0 ? -1 : h > 0;
}

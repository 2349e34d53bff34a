/* durable.c - writes that reach the disk: used by the spool and the
 * Maildir writer. Input: the robot's own buffers and paths. Every result
 * checked; -1 with errno on any failure. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "durable.h"

int durable_write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int durable_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc, saved;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	if (close(fd) < 0)
		return -1;
	errno = saved;
	return rc;
}

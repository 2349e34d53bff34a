/* durable.h - the two steps every on-disk store repeats: write all of a
 * buffer, and fsync a folder after a rename into it. */
#ifndef POCBOT_DURABLE_H
#define POCBOT_DURABLE_H

#include <stddef.h>

/* Writes len bytes of p to fd, through EINTR and short writes.
 * 0, or -1 with errno set (EIO for a write of nothing). */
int durable_write_all(int fd, const char *p, size_t len);

/* fsyncs the folder dir, so that a rename into it survives a crash.
 * 0, or -1 with errno set. */
int durable_sync_dir(const char *dir);

#endif

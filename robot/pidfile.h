/* pidfile.h - VAR/pocbot.pid: the running daemon's process id and start,
 * under an fcntl write lock that keeps a second daemon off the same VAR
 * and tells pocbot status whether one runs. */
#ifndef POCBOT_PIDFILE_H
#define POCBOT_PIDFILE_H

#include <glib.h>
#include <sys/types.h>

/* Takes the lock of VAR/pocbot.pid for this process and writes "PID
 * STARTED" in it (kept until the process ends). 0; 1 when another process
 * holds it, *holder its pid; -1 with errno set when the file fails. */
int pidfile_hold(const char *var, gint64 started, pid_t *holder);

/* Whether a daemon holds VAR/pocbot.pid: 1 with *pid and *started (0 when
 * unreadable), 0 when none, -1 with errno set when the file cannot be
 * read (a missing file is 0). */
int pidfile_read(const char *var, pid_t *pid, gint64 *started);

#endif

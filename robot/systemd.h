/* systemd.h - socket activation and readiness notification (libsystemd). */
#ifndef POCBOT_SYSTEMD_H
#define POCBOT_SYSTEMD_H

#include <glib.h>

/* The listening socket systemd passed: 1 with *fd, 0 when none was passed,
 * -1 with *err (more than one, or not a listening stream socket). */
int systemd_listen_fd(int *fd, char **err);

/* Tells systemd the daemon's state ("READY=1", "RELOADING=1",
 * "STOPPING=1", "STATUS=..."); nothing outside systemd. */
void systemd_notify(const char *state);

#endif

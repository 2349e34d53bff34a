/* systemd.c - the service manager's side of the daemon, through libsystemd
 * (the only file that calls it): the listening socket systemd passed
 * (socket activation, LISTEN_FDS) and the readiness and reload
 * notifications (Type=notify, NOTIFY_SOCKET). Outside systemd both are
 * nothing: no socket passed, notifications not sent.
 * Input: the environment systemd set (checked by libsystemd: LISTEN_PID
 * must be this process). */
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include "systemd.h"

int systemd_listen_fd(int *fd, char **err)
{
	int n = sd_listen_fds(1);	/* 1: the variables are unset, children do not see them */

	if (n < 0) {
		*err = g_strdup_printf("LISTEN_FDS: %s", g_strerror(-n));
		return -1;
	}
	if (n == 0)
		return 0;
	if (n > 1) {
		*err = g_strdup_printf("systemd passed %d sockets: pocbot serves one", n);
		return -1;
	}
	if (sd_is_socket(SD_LISTEN_FDS_START, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
		*err = g_strdup("the socket systemd passed is not a listening stream socket");
		return -1;
	}
	*fd = SD_LISTEN_FDS_START;
	return 1;
}

void systemd_notify(const char *state)
{
	sd_notify(0, state);	/* a lost notification: systemd's timeout says it */
}

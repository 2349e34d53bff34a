/* lmtp-server.h - the LMTP listener: every connection served on the main
 * loop (GLib's default context) by non-blocking sockets, none with a thread
 * of its own. */
#ifndef POCBOT_LMTP_SERVER_H
#define POCBOT_LMTP_SERVER_H

#include <gio/gio.h>
#include "lmtp.h"

struct lmtp_server_limits {
	int max_connections;	/* one more closes the connection idle longest */
	const guint32 *allow_uid;	/* on a unix socket, the peers' uids allowed */
	int allow_uids;		/* 0: any */
	gint64 mail_deadline;	/* seconds from connect until MAIL */
	gint64 command_deadline;	/* seconds for each command */
	gint64 data_deadline;	/* seconds for one whole DATA */
};

struct lmtp_server;

/* Listens on listen ("host:port" or "unix:/path": a stale socket file is
 * replaced, one a server answers on is not) and serves each
 * connection with an lmtp_session made from params, within lim (both
 * copied; what they point to must outlive the server). The connections are
 * served by the default main context, which the caller runs. NULL with
 * *err. */
struct lmtp_server *lmtp_server_start(const char *listen, const struct lmtp_params *params,
				      const struct lmtp_server_limits *lim, char **err);

/* The same on fd, a listening stream socket already bound (systemd's
 * socket activation): the server owns fd from then on, even on failure
 * once a GSocket is made of it. NULL with *err. */
struct lmtp_server *lmtp_server_adopt(int fd, const struct lmtp_params *params,
				      const struct lmtp_server_limits *lim, char **err);

/* Applies new limits and a new message size limit (max_bytes) to the
 * connections accepted from now on; the deadlines and the count apply to
 * every connection at once. lim->allow_uid must live as long as the
 * server or until the next update. Called from the main loop's thread. */
void lmtp_server_set_limits(struct lmtp_server *srv, gint64 max_bytes,
			    const struct lmtp_server_limits *lim);

/* Stops listening, closes the open connections (a message not yet
 * acknowledged is aborted: the MTA sends it again) and frees the server.
 * Called from the thread that runs the main loop. */
void lmtp_server_stop(struct lmtp_server *srv);

#endif

/* lmtp-server.h - the LMTP listener: one thread per MTA connection. */
#ifndef POCBOT_LMTP_SERVER_H
#define POCBOT_LMTP_SERVER_H

#include <gio/gio.h>
#include "lmtp.h"

struct lmtp_server;

/* Listens on listen ("host:port" or "unix:/path") and serves each
 * connection with an lmtp_session made from params (copied; what it
 * points to must outlive the server). NULL with *err. */
struct lmtp_server *lmtp_server_start(const char *listen, const struct lmtp_params *params, char **err);

/* Stops listening, ends the open connections (a message being stored is
 * finished first) and waits for their threads, then frees the server. */
void lmtp_server_stop(struct lmtp_server *srv);

#endif

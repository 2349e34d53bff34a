/* lmtp-server.h - the LMTP listener: one thread per MTA connection. */
#ifndef POCBOT_LMTP_SERVER_H
#define POCBOT_LMTP_SERVER_H

#include <gio/gio.h>
#include "lmtp.h"

/* Listens on listen ("host:port" or "unix:/path") and serves each
 * connection with an lmtp_session made from params. NULL with *err. */
GSocketService *lmtp_server_start(const char *listen, const struct lmtp_params *params, char **err);
void lmtp_server_stop(GSocketService *svc);

#endif

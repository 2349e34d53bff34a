/* smtp.h - hands one message to the SMTP relay (libetpan underneath).
 *
 * No libetpan type appears here: callers see a status and a line of text. */
#ifndef POCBOT_SMTP_H
#define POCBOT_SMTP_H

#include <stddef.h>

enum send_status { SEND_OK, SEND_TEMPFAIL, SEND_PERMFAIL };

/* Sends data (a whole RFC 5322 message, CRLF line ends) to relay ("host:port",
 * also "[::1]:port"; port 25 when none is given) with envelope from ("" for
 * the null sender, sent as MAIL FROM:<>) and to. helo is the EHLO name.
 *
 * SEND_TEMPFAIL for connection failures, timeouts (SMTP_TIMEOUT a step), 4xx,
 * any refusal before MAIL, and a relay or helo that cannot be used (local
 * configuration); SEND_PERMFAIL for a 5xx to MAIL, RCPT or the message, and
 * for a from, to or dsn_envid that no server could accept.
 *
 * *detail always gets a one-line description: the step, the reply code and
 * text, bounded to MAX_LOG_TEXT bytes, printable ASCII only (g_free it).
 * If dsn_envid is non-NULL and the server advertises DSN, asks for
 * ENVID=dsn_envid (xtext-encoded), NOTIFY=SUCCESS,FAILURE,DELAY and RET=HDRS;
 * otherwise sends no DSN parameter at all.
 *
 * SIGPIPE is blocked in the calling thread for the duration of the call. */
enum send_status smtp_send(const char *relay, const char *helo, const char *from,
			   const char *to, const char *dsn_envid,
			   const char *data, size_t len, char **detail);

#endif

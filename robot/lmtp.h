/* lmtp.h - the LMTP protocol (RFC 2033) as a state machine over lines, with
 * no I/O of its own, so that it can be tested line by line. */
#ifndef POCBOT_LMTP_H
#define POCBOT_LMTP_H

#include <glib.h>
#include "envelope.h"

/* Stores one message with its envelope durably: 0 when on disk, -1 when not
 * (every recipient then gets 451). */
typedef int lmtp_store_fn(void *data, const struct envelope *env, const char *msg, size_t len);

struct lmtp_params {
	const char *hostname;	/* in the greeting and LHLO reply */
	gint64 max_bytes;	/* larger messages get 552 */
	lmtp_store_fn *store;
	void *store_data;
};

struct lmtp_session;

struct lmtp_session *lmtp_session_new(const struct lmtp_params *p);
void lmtp_session_free(struct lmtp_session *s);

/* The greeting to send when a client connects. */
void lmtp_session_greeting(struct lmtp_session *s, GString *out);

/* The longest line the session accepts now (command or data line). */
size_t lmtp_session_line_limit(const struct lmtp_session *s);

/* Feeds one line without its line end; too_long says the line was cut at
 * the limit. Appends the replies due (CRLF-terminated) to out. Returns
 * FALSE when the connection must be closed after out is sent. */
gboolean lmtp_session_line(struct lmtp_session *s, const char *line, size_t len,
			   gboolean too_long, GString *out);

#endif

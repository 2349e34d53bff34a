/* outbox.h - mail the robot decided to send, queued in the deciding
 * transaction, and the sender that delivers it. */
#ifndef POCBOT_OUTBOX_H
#define POCBOT_OUTBOX_H

#include <sqlite3.h>
#include "config.h"

struct outbox_item {
	const char *purpose;		/* help, form, notice, ... */
	const char *to;			/* addr-spec */
	const char *subject;
	const char *body;
	const char *in_reply_to;	/* Message-ID answered, no brackets, or NULL */
	const char *references;		/* "<a> <b>" or NULL */
};

/* Composes the message and inserts it, in the caller's transaction. seed
 * makes its token, hence its Message-ID, VERP sender and Maildir name,
 * deterministic. message is the messages row answered, or 0. 0, or -1
 * (also when the message cannot be composed safely). */
int outbox_queue(sqlite3 *db, const struct config *cfg, gint64 now, gint64 message,
		 const char *seed, const struct outbox_item *it);

/* How many messages of purpose a or b went to rcpt since since. -1 on error. */
int outbox_count_since(sqlite3 *db, const char *rcpt, const char *a, const char *b, gint64 since);

/* Delivers every due row once (SMTP relay, or the Maildir VAR/outbox).
 * The number of rows tried, or -1 on a database error. */
int outbox_send_due(sqlite3 *db, const struct config *cfg);

#endif

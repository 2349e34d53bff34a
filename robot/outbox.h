/* outbox.h - mail the robot decided to send, queued in the deciding
 * transaction, and the sender that delivers it. */
#ifndef POCBOT_OUTBOX_H
#define POCBOT_OUTBOX_H

#include <sqlite3.h>
#include "config.h"
#include "crypto.h"

struct outbox_item {
	const char *purpose;		/* help, form, notice, ... */
	const char *to;			/* addr-spec */
	const char *subject;
	const char *body;
	const char *in_reply_to;	/* Message-ID answered, no brackets, or NULL */
	const char *references;		/* "<a> <b>" or NULL */
	enum crypto_protocol protocol;	/* how the robot signs it: CRYPTO_NONE means OpenPGP */
	const char *const *encrypt_to;	/* fingerprints to encrypt to (NULL-terminated), or NULL */
};

/* Composes the message, signs it (and encrypts it when the item says to)
 * with c, and inserts it, in the caller's transaction. seed makes its
 * token, hence its Message-ID, VERP sender and Maildir name,
 * deterministic. message is the messages row answered, or 0. 0 when
 * queued; 1 when the address has no ASCII form (a non-ASCII local part:
 * the robot's SMTP has no SMTPUTF8), nothing queued; -1 on failure (also
 * when the message cannot be composed or signed safely). Internationalised
 * domains are queued as A-labels. */
int outbox_queue(sqlite3 *db, const struct config *cfg, struct crypto *c, gint64 now, gint64 message,
		 const char *seed, const struct outbox_item *it);

/* How many answers to unauthenticated mail (help, form, refusal) went to
 * rcpt since since: the [limits] help_per_day count. -1 on error. */
int outbox_count_limited(sqlite3 *db, const char *rcpt, gint64 since);

/* Delivers every due row once (SMTP relay, or the Maildir VAR/outbox).
 * The number of rows tried, or -1 on a database error. */
int outbox_send_due(sqlite3 *db, const struct config *cfg);

#endif

/* notice-hold.h - the store of notices held to be merged (notices_held,
 * db/0010-evidence.sql): a notice of a coalesced kind to one signer about
 * one State waits until its group falls due, [notices] coalesce after the
 * first of the group; robot/timer-notices.c merges and queues each group.
 * Every function runs in the caller's transaction; -1 on a database
 * error. */
#ifndef POCBOT_NOTICE_HOLD_H
#define POCBOT_NOTICE_HOLD_H

#include <glib.h>
#include <sqlite3.h>
#include "crypto.h"

/* One held notice, rendered for its recipient. */
struct notice_held {
	gint64 id;
	char *kind, *signer, *state, *rcpt, *enc_key, *purpose, *seed, *subject, *body;
	enum crypto_protocol protocol;
	gint64 due, created;
};
void notice_held_free(gpointer p);

/* Holds h (id and due ignored): it joins the group of its kind, signer
 * and State that is not yet due, else opens one due at now + coalesce.
 * 0 or -1. */
int notice_hold_add(sqlite3 *db, const struct notice_held *h, gint64 now, gint64 coalesce);

/* The held notices of up to limit groups due by now, group by group
 * (kind, signer, State), in the order they were held. An array of struct
 * notice_held * that frees them, or NULL on error. */
GPtrArray *notice_hold_due(sqlite3 *db, gint64 now, int limit);

/* Removes held notice id (queued). 0 or -1. */
int notice_hold_remove(sqlite3 *db, gint64 id);

#endif

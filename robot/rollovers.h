/* rollovers.h - the store of the robot's key rollovers (table
 * key_rollovers, db/0013): recorded by pocbot keys rollover, read by the
 * daemon's archiving of the old secret keys (timer-rollover.c) and by
 * pocbot status. Every function runs in the caller's transaction and
 * returns -1 on a database error. */
#ifndef POCBOT_ROLLOVERS_H
#define POCBOT_ROLLOVERS_H

#include <glib.h>
#include <sqlite3.h>
#include "crypto.h"

/* One rollover. */
struct rollover {
	gint64 id, at, archive_after, archived;	/* archived 0: not yet */
	struct crypto_rollover keys;
};

/* Records the rollover r made at, whose old keys are archived after
 * archive_after. */
int rollovers_record(sqlite3 *db, gint64 at, gint64 archive_after,
		     const struct crypto_rollover *r);

/* The oldest rollover not archived whose overlap ended by now: 1 with *out,
 * 0 when none is due. */
int rollovers_due(sqlite3 *db, gint64 now, struct rollover *out);

/* The last rollover: 1 with *out, 0 when the keys were never rolled over. */
int rollovers_last(sqlite3 *db, struct rollover *out);

/* Marks rollover id archived at. */
int rollovers_mark_archived(sqlite3 *db, gint64 id, gint64 at);

#endif

/* pings-health.h - the store of what the robot knows of each POC address
 * (db/0010-evidence.sql, address_health): undeliverable since a hard
 * bounce (or soft bounces in PINGS_SOFT_ROUNDS consecutive rounds), with
 * the DSN status and diagnostic, and whether the State was told; and the
 * evidence that decides a POC's status (ping-evidence.c). Every function
 * runs in the caller's transaction and returns -1 on a database error. */
#ifndef POCBOT_PINGS_HEALTH_H
#define POCBOT_PINGS_HEALTH_H

#include <glib.h>
#include <sqlite3.h>

/* Soft bounces in this many consecutive rounds make an address
 * undeliverable. */
#define PINGS_SOFT_ROUNDS 2

/* One undeliverable address. */
struct pings_dead {
	char poc[32];
	char state[3];
	char *address;
	gint64 since;
	char *status, *diagnostic;	/* may be NULL */
};
void pings_dead_free(gpointer p);

/* A bounce of the ping sent to address of poc in round (0: a
 * verification ping), at now: a hard one marks the address undeliverable
 * (the first mark stays); a soft one in a round counts, and
 * PINGS_SOFT_ROUNDS consecutive rounds mark it. 1 when it was marked
 * now, 0 when not, -1. */
int pings_health_bounce(sqlite3 *db, const char *poc, const char *address, gint64 round,
			int hard, const char *status, const char *diagnostic, gint64 now);

/* A person answered a ping sent to address (or it was delivered): the
 * soft count restarts, and the mark goes. 1 when a mark went, 0, -1. */
int pings_health_clear(sqlite3 *db, const char *poc, const char *address);

/* Forgets what is known of the addresses poc no longer has. 0 or -1. */
int pings_health_forget(sqlite3 *db, const char *poc);

/* The undeliverable addresses of poc (NULL: of every POC not withdrawn),
 * only those the State was not told of when untold; by POC and address.
 * An array of struct pings_dead * that frees them, or NULL on error. */
GPtrArray *pings_health_dead(sqlite3 *db, const char *poc, gboolean untold);

/* 1 when address of poc is marked undeliverable, 0 when not, -1. */
int pings_health_is_dead(sqlite3 *db, const char *poc, const char *address);

/* The State was told of the mark on address of poc at now. 0 or -1. */
int pings_health_told(sqlite3 *db, const char *poc, const char *address, gint64 now);

/* Records that round did not ping d's address. 0 or -1. And the
 * addresses round skipped (struct pings_dead *, since and status from
 * then), by POC; NULL on error. */
int pings_health_skip(sqlite3 *db, gint64 round, const struct pings_dead *d);
GPtrArray *pings_health_skips(sqlite3 *db, gint64 round);

/* What decides a POC's status (ping-evidence.h). */
struct pings_evidence {
	gint64 proven;			/* latest answer by a person to a ping sent to one
					 * of the POC's current addresses; 0: none */
	gint64 verification;		/* when its latest verification ping was queued; 0 */
	gint64 verification_deadline;	/* that ping's deadline */
	gboolean verification_answered;
};

/* The evidence of poc. 0 or -1. */
int pings_health_evidence(sqlite3 *db, const char *poc, struct pings_evidence *e);

/* A withdrawn POC gets nothing more: its pings not finished are finished
 * at now, and its queued outbox rows (pings, reminders, verifications)
 * cancelled. The number of outbox rows cancelled, or -1. */
int pings_health_cancel(sqlite3 *db, const char *poc, gint64 now);

#endif

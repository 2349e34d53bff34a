/* pings-health.c - the store of each POC address's health (address_health,
 * db/0010-evidence.sql): undeliverable marks from bounces, their clearing
 * by an answer, the State told once; the evidence that decides a POC's
 * status; and the cancelling of a withdrawn POC's pings. Input: bounce
 * status and diagnostic from mail (bounded by filters/ping-match.c, bound
 * as text, never in SQL). Runs in the caller's transaction; -1 on a
 * database error. */
#include <string.h>
#include "pings-health.h"
#include "db.h"

/* The address is still one of poc's (the mark means something). */
#define CURRENT(p, a) "EXISTS (SELECT 1 FROM poc_emails e WHERE e.poc = " p \
	" AND e.address = " a " COLLATE NOCASE)"

int pings_health_is_dead(sqlite3 *db, const char *poc, const char *address)
{
	gint64 one;

	return db_int64(db, &one, "SELECT 1 FROM address_health WHERE poc = ?1 AND address = ?2"
			" AND undeliverable IS NOT NULL", "tt", poc, address);
}

/* Marks address of poc undeliverable since now unless it is already. */
static int mark(sqlite3 *db, const char *poc, const char *address, const char *status,
		const char *diagnostic, gint64 now)
{
	return db_run(db, "INSERT INTO address_health (poc, address, undeliverable, status,"
		      " diagnostic) SELECT ?1, ?2, ?3, ?4, ?5 WHERE " CURRENT("?1", "?2")
		      " ON CONFLICT (poc, address) DO UPDATE SET"
		      " undeliverable = coalesce(undeliverable, excluded.undeliverable),"
		      " status = CASE WHEN undeliverable IS NULL THEN excluded.status"
		      " ELSE status END,"
		      " diagnostic = CASE WHEN undeliverable IS NULL THEN excluded.diagnostic"
		      " ELSE diagnostic END,"
		      " told = CASE WHEN undeliverable IS NULL THEN NULL ELSE told END",
		      "ttitt", poc, address, now, status, diagnostic);
}

/* Counts a soft bounce in round (once a round). The consecutive count. */
static int count_soft(sqlite3 *db, const char *poc, const char *address, gint64 round,
		      gint64 *n)
{
	if (db_run(db, "INSERT INTO address_health (poc, address, soft_rounds, soft_last)"
		   " SELECT ?1, ?2, 1, ?3 WHERE " CURRENT("?1", "?2")
		   " ON CONFLICT (poc, address) DO UPDATE SET"
		   " soft_rounds = soft_rounds + (coalesce(soft_last, 0) != ?3),"
		   " soft_last = ?3", "tti", poc, address, round) < 0)
		return -1;
	*n = 0;
	return db_int64(db, n, "SELECT soft_rounds FROM address_health"
			" WHERE poc = ?1 AND address = ?2", "tt", poc, address) < 0 ? -1 : 0;
}

int pings_health_bounce(sqlite3 *db, const char *poc, const char *address, gint64 round,
			int hard, const char *status, const char *diagnostic, gint64 now)
{
	int was = pings_health_is_dead(db, poc, address);
	gint64 soft = 0;

	if (was != 0)
		return was < 0 ? -1 : 0;
	if (hard != 1) {
		if (round <= 0)
			return 0;	/* a verification ping's soft bounce: its deadline says */
		if (count_soft(db, poc, address, round, &soft) < 0)
			return -1;
		if (soft < PINGS_SOFT_ROUNDS)
			return 0;
	}
	if (mark(db, poc, address, status, diagnostic, now) < 0)
		return -1;
	return pings_health_is_dead(db, poc, address);
}

int pings_health_clear(sqlite3 *db, const char *poc, const char *address)
{
	int was = pings_health_is_dead(db, poc, address);

	if (was < 0 || db_run(db, "UPDATE address_health SET undeliverable = NULL, status = NULL,"
			      " diagnostic = NULL, told = NULL, soft_rounds = 0, soft_last = NULL"
			      " WHERE poc = ?1 AND address = ?2", "tt", poc, address) < 0)
		return -1;
	return was;
}

int pings_health_forget(sqlite3 *db, const char *poc)
{
	return db_run(db, "DELETE FROM address_health WHERE poc = ?1 AND NOT "
		      CURRENT("address_health.poc", "address_health.address"), "t", poc);
}

void pings_dead_free(gpointer p)
{
	struct pings_dead *d = p;

	g_free(d->address);
	g_free(d->status);
	g_free(d->diagnostic);
	g_free(d);
}

static char *column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? g_strdup((const char *)t) : NULL;
}

/* The rows of st (poc, state, address, since, status[, diagnostic]) added
 * to out, given back; NULL (out freed) on a database error or no st. */
static GPtrArray *dead_rows(sqlite3_stmt *st, GPtrArray *out)
{
	int rc = st ? 1 : -1;

	while (st && (rc = db_step(st)) == 1) {
		struct pings_dead *d = g_new0(struct pings_dead, 1);

		g_strlcpy(d->poc, (const char *)sqlite3_column_text(st, 0), sizeof d->poc);
		g_strlcpy(d->state, (const char *)sqlite3_column_text(st, 1), sizeof d->state);
		d->address = column_dup(st, 2);
		d->since = sqlite3_column_int64(st, 3);
		d->status = column_dup(st, 4);
		if (sqlite3_column_count(st) > 5)
			d->diagnostic = column_dup(st, 5);
		g_ptr_array_add(out, d);
	}
	if (st)
		db_done(st);
	if (rc < 0) {
		g_ptr_array_unref(out);
		return NULL;
	}
	return out;
}

GPtrArray *pings_health_dead(sqlite3 *db, const char *poc, gboolean untold)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(pings_dead_free);
	sqlite3_stmt *st = db_query(db, "SELECT h.poc, p.state, h.address, h.undeliverable,"
				    " h.status, h.diagnostic FROM address_health h"
				    " JOIN pocs p ON p.id = h.poc"
				    " WHERE h.undeliverable IS NOT NULL"
				    " AND (?1 IS NULL OR h.poc = ?1)"
				    " AND (?1 IS NOT NULL OR p.status != 'withdrawn')"
				    " AND (?2 = 0 OR h.told IS NULL)"
				    " AND " CURRENT("h.poc", "h.address")
				    " ORDER BY h.poc, h.address", "ti", poc, (gint64)untold);

	return dead_rows(st, out);
}

int pings_health_skip(sqlite3 *db, gint64 round, const struct pings_dead *d)
{
	return db_run(db, "INSERT OR IGNORE INTO ping_skips (round, poc, address, since, status)"
		      " VALUES (?1, ?2, ?3, ?4, ?5)", "ittit", round, d->poc, d->address, d->since,
		      d->status);
}

GPtrArray *pings_health_skips(sqlite3 *db, gint64 round)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(pings_dead_free);
	sqlite3_stmt *st = db_query(db, "SELECT k.poc, p.state, k.address, k.since, k.status"
				    " FROM ping_skips k JOIN pocs p ON p.id = k.poc"
				    " WHERE k.round = ?1 ORDER BY p.state, p.type, p.number,"
				    " k.address", "i", round);

	return dead_rows(st, out);
}

int pings_health_told(sqlite3 *db, const char *poc, const char *address, gint64 now)
{
	return db_run(db, "UPDATE address_health SET told = ?3 WHERE poc = ?1 AND address = ?2",
		      "tti", poc, address, now);
}

int pings_health_evidence(sqlite3 *db, const char *poc, struct pings_evidence *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(e, 0, sizeof *e);
	if (db_int64(db, &e->proven, "SELECT coalesce(max(g.answered), 0) FROM pings g"
		     " WHERE g.poc = ?1 AND g.answered IS NOT NULL AND "
		     CURRENT("g.poc", "g.address"), "t", poc) < 0)
		return -1;
	if (!(st = db_query(db, "SELECT queued, deadline, answered IS NOT NULL FROM pings"
			    " WHERE poc = ?1 AND purpose = 'verification'"
			    " ORDER BY id DESC LIMIT 1", "t", poc)))
		return -1;
	rc = db_step(st);
	if (rc == 1) {
		e->verification = sqlite3_column_int64(st, 0);
		e->verification_deadline = sqlite3_column_int64(st, 1);
		e->verification_answered = sqlite3_column_int(st, 2) != 0;
	}
	db_done(st);
	return rc < 0 ? -1 : 0;
}

int pings_health_cancel(sqlite3 *db, const char *poc, gint64 now)
{
	int n;

	if (db_run(db, "UPDATE outbox SET state = 'cancelled', done = ?2,"
		   " last_error = 'POC withdrawn' WHERE state = 'queued' AND EXISTS"
		   " (SELECT 1 FROM pings g WHERE g.poc = ?1 AND (outbox.token = g.token"
		   " OR outbox.token GLOB g.token || '-r*'))", "ti", poc, now) < 0)
		return -1;
	n = sqlite3_changes(db);
	if (db_run(db, "UPDATE pings SET finished = ?2 WHERE poc = ?1 AND finished IS NULL",
		   "ti", poc, now) < 0)
		return -1;
	return n;
}

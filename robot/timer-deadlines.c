/* timer-deadlines.c - the timers' round deadlines: a round's pings at the
 * deadline are finished State by State (STATE_BATCH States a wake), the
 * silent ones escalated to the State's signers; then a round with none
 * left is closed and its report mailed to the custodians. Also
 * timers_close_round, which pocbot ping close uses to do it now. */
#include "timers.h"
#include "timers-internal.h"
#include "log.h"
#include "ping-notices.h"
#include "ping-report.h"
#include "pings.h"

/* The pings of round in state not finished with deadline <= due, their
 * bounce status made one printable line. */
static GPtrArray *unfinished(sqlite3 *db, gint64 round, const char *state, gint64 due)
{
	GPtrArray *out = pings_entries(db, round, state, due);

	for (guint i = 0; out && i < out->len; i++)
		ping_report_clean(out->pdata[i]);
	return out;
}

/* Finishes the pings of round in state due by due and tells the State of
 * those that did not answer. In its own transaction. 1, or -1. */
static int finish_state(const struct mail_ctx *c, gint64 round, const char *state, gint64 due,
			gboolean closed)
{
	GPtrArray *entries;
	int rc;

	if (db_begin(c->db) < 0)
		return -1;
	entries = unfinished(c->db, round, state, due);
	rc = entries ? pings_finish_state(c->db, round, state, due, c->now) : -1;
	if (rc == 0 && entries->len)
		rc = ping_notices_escalate(c, round, state, entries, closed);
	if (entries)
		g_ptr_array_unref(entries);
	return finish(c->db, rc < 0 ? -1 : 1);
}

/* (round, State) pairs with pings due by due (round 0: any round,
 * STATE_BATCH of them; else all of that round's); closed: the custodian
 * closes the round before its deadline. */
static int finish_due(const struct mail_ctx *c, gint64 round, gint64 due, gboolean closed)
{
	GArray *rounds = g_array_new(FALSE, FALSE, sizeof(gint64));
	GPtrArray *states = g_ptr_array_new_with_free_func(g_free);
	int limit = round ? -1 : STATE_BATCH;
	int rc = pings_due_states(c->db, round, due, limit, rounds, states) < 0 ? -1 : 0;

	for (guint i = 0; rc >= 0 && i < states->len; i++) {
		int n = finish_state(c, g_array_index(rounds, gint64, i), states->pdata[i], due,
				     closed);

		rc = n < 0 ? -1 : rc + n;
	}
	g_array_free(rounds, TRUE);
	g_ptr_array_unref(states);
	return rc;
}

int timer_deadlines_finish(const struct mail_ctx *c)
{
	return finish_due(c, 0, c->now, FALSE);
}

/* Closes round id when none of its pings is left unfinished, and mails
 * the report. In its own transaction. 1 closed, 0 not, -1. */
static int close_one(const struct mail_ctx *c, gint64 id)
{
	struct ping_report r;
	int rc;

	if (db_begin(c->db) < 0)
		return -1;
	rc = pings_round_close(c->db, id, c->now);
	if (rc == 1 && (rc = ping_report_build(c->db, id, &r)) == 1) {
		rc = ping_notices_report(c, &r) < 0 ? -1 : 1;
		ping_report_clear(&r);
		log_msg(LOG_INFO,
			"ping round %" G_GINT64_FORMAT " closed; report sent to the custodians",
			id);
	}
	return finish(c->db, rc);
}

int timer_deadlines_close(const struct mail_ctx *c)
{
	GArray *ids = pings_rounds_past_deadline(c->db, c->now);
	int rc = ids ? 0 : -1;

	for (guint i = 0; rc >= 0 && i < ids->len; i++) {
		int n = close_one(c, g_array_index(ids, gint64, i));

		rc = n < 0 ? -1 : rc + n;
	}
	if (ids)
		g_array_free(ids, TRUE);
	return rc;
}

int timers_close_round(const struct mail_ctx *c, gint64 id)
{
	struct pings_round r;
	int rc = pings_round_get(c->db, id, &r);
	gboolean open = rc == 1 && !r.closed, early = open && c->now < r.deadline;

	pings_round_clear(&r);
	if (!open)
		return rc < 0 ? -1 : 0;
	if (finish_due(c, id, G_MAXINT64, early) < 0)
		return -1;
	return close_one(c, id);
}

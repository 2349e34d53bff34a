/* timers.c - the daemon's scheduled work, each step in its own short
 * transaction on the clock's time (clock_now), bounded per wake:
 *   schedule   a round of every POC starts when the last round started
 *              [ping] every ago; before any round, [ping] every after the
 *              first POC (not withdrawn) was created;
 *   fill       an open round's POCs without a ping get theirs, FILL_BATCH
 *              a wake: a scheduled round's at once, a round the command
 *              started (and did not finish: a crash, ^C) after FILL_GRACE,
 *              so that the two do not sign the same round side by side;
 *   remind     a ping not answered, not hard-bounced, not finished gets
 *              reminder n once [ping] remind[n-1] has passed since it was
 *              handed over (after a long stop, only the latest one due);
 *   deadlines  verification pings unanswered at their deadline make a
 *              pending POC unverified and its State is told; a round's
 *              pings at the deadline are finished State by State, the
 *              silent ones escalated to the State's signers; then the
 *              round is closed and its report mailed to the custodians;
 *   updates    each State with POCs, [reminders] update_every after the
 *              last reminder (the first: after its first POC), gets its
 *              records as forms.
 * Input: the database only. A failing step is rolled back, logged, and
 * tried again at the next wake. */
#include <string.h>
#include "timers.h"
#include "audit.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "ping-notices.h"
#include "ping-report.h"
#include "pings.h"
#include "pocs.h"

#define FILL_BATCH 20		/* pings queued per round per wake (~20 signatures) */
#define STEP_BATCH 20		/* reminders, verification deadlines per wake */
#define STATE_BATCH 5		/* escalations, update reminders per wake */
#define FILL_GRACE 60		/* seconds a round started by the command is left to it */

/* Ends a step's transaction: commits when rc >= 0, else rolls back. */
static int finish(sqlite3 *db, int rc)
{
	if (rc >= 0 && db_commit(db) == 0)
		return rc;
	db_rollback(db);
	return -1;
}

/* ---- schedule and fill ---- */

/* 1 when a scheduled round is due, 0 when not, -1 on error. */
static int round_due(const struct mail_ctx *c)
{
	gint64 base = 0;
	int rc = pings_last_round_start(c->db, &base);

	if (rc == 0)
		rc = pocs_first_created(c->db, &base);
	return rc <= 0 ? rc : base + c->cfg->ping_every <= c->now;
}

static int schedule(const struct mail_ctx *c)
{
	gint64 id;
	int rc = 0;

	if (c->cfg->ping_every <= 0 || (rc = round_due(c)) <= 0)
		return rc < 0 ? -1 : 0;
	if (db_begin(c->db) < 0)
		return -1;
	if ((rc = round_due(c)) == 1) {	/* again, inside the transaction */
		id = pings_round_open(c->db, c->now, c->now + c->cfg->ping_deadline, "", "schedule");
		rc = id < 0 ? -1 : 1;
		if (id > 0)
			log_msg(LOG_INFO, "ping round %" G_GINT64_FORMAT " started on schedule", id);
	}
	return finish(c->db, rc);
}

int timers_fill_round(const struct mail_ctx *c, gint64 id, guint limit,
		      void (*progress)(guint done, guint total, void *data), void *data)
{
	struct pings_round r;
	struct pings_scope scope = { NULL, POC_TYPE_NONE };
	GPtrArray *targets = NULL;
	int rc = pings_round_get(c->db, id, &r), queued = 0;

	if (rc <= 0 || r.closed)
		goto out;
	if (pings_scope_parse(r.scope, &scope) < 0) {
		log_msg(LOG_ERR, "ping round %" G_GINT64_FORMAT ": unreadable scope", id);
		rc = -1;
		goto out;
	}
	if (!(targets = pings_targets(c->db, &scope, r.started, id, limit))) {
		rc = -1;
		goto out;
	}
	for (guint i = 0; rc >= 0 && i < targets->len; i++) {
		if (db_begin(c->db) < 0) {
			rc = -1;
			break;
		}
		rc = finish(c->db, pings_send(c, id, targets->pdata[i], r.deadline, NULL));
		queued += rc == 0;
		if (progress)
			progress(i + 1, targets->len, data);
	}
out:
	if (targets)
		g_ptr_array_unref(targets);
	pings_scope_clear(&scope);
	pings_round_clear(&r);
	return rc < 0 ? -1 : queued;
}

static int fill(const struct mail_ctx *c)
{
	GArray *ids = pings_rounds_to_fill(c->db, c->now, FILL_GRACE);
	int rc = ids ? 0 : -1;

	for (guint i = 0; rc >= 0 && ids && i < ids->len; i++) {
		int n = timers_fill_round(c, g_array_index(ids, gint64, i), FILL_BATCH, NULL, NULL);

		rc = n < 0 ? -1 : rc + n;
	}
	if (ids)
		g_array_free(ids, TRUE);
	return rc;
}

/* ---- reminders ---- */

/* Tokens of up to STEP_BATCH pings whose next reminder is due. */
static GPtrArray *reminders_due(const struct mail_ctx *c)
{
	return pings_reminders_due(c->db, c->cfg->ping_remind, c->cfg->ping_reminders, c->now, STEP_BATCH);
}

/* The reminder due for p now: the highest n whose delay has passed. */
static int reminder_number(const struct mail_ctx *c, const struct ping *p)
{
	int n = 0;

	for (int k = 0; k < c->cfg->ping_reminders && k < CONFIG_MAX_REMINDERS; k++)
		if (p->sent && p->sent + c->cfg->ping_remind[k] <= c->now)
			n = k + 1;
	return n;
}

static int remind_one(const struct mail_ctx *c, const char *token)
{
	struct ping p;
	int rc, n;

	if (db_begin(c->db) < 0)
		return -1;
	rc = pings_find(c->db, token, &p);
	if (rc == 1 && !p.finished && !p.answered && p.deadline > c->now && (n = reminder_number(c, &p)) > p.reminders)
		rc = pings_remind(c, &p, n) < 0 ? -1 : 1;
	else
		rc = rc < 0 ? -1 : 0;
	pings_clear(&p);
	return finish(c->db, rc);
}

static int remind(const struct mail_ctx *c)
{
	GPtrArray *tokens = c->cfg->ping_reminders > 0 ? reminders_due(c) : NULL;
	int rc = 0;

	if (c->cfg->ping_reminders > 0 && !tokens)
		return -1;
	for (guint i = 0; tokens && rc >= 0 && i < tokens->len; i++) {
		int n = remind_one(c, tokens->pdata[i]);

		rc = n < 0 ? -1 : rc + n;
	}
	if (tokens)
		g_ptr_array_unref(tokens);
	return rc;
}

/* ---- deadlines ---- */

static int verification_expired(const struct mail_ctx *c, const char *token)
{
	struct ping p;
	char *detail;
	int rc = pings_find(c->db, token, &p), changed = 0;
	char state[3] = { p.poc[0], p.poc[1], 0 };	/* an identifier starts with its State */

	if (rc != 1 || p.finished) {
		pings_clear(&p);
		return rc < 0 ? -1 : 0;
	}
	rc = pings_finish(c->db, p.id, c->now);
	if (rc == 0 && !p.answered) {
		changed = pocs_set_status(c->db, p.poc, "pending", POC_UNVERIFIED, c->now);
		rc = changed < 0 ? -1 : 0;
	}
	if (changed > 0) {
		detail = g_strdup_printf("{\"poc\": \"%s\", \"ping\": \"%s\"}", p.poc, p.token);
		rc = audit_append(c->db, c->now, "robot", state, "poc-unverified", detail);
		g_free(detail);
		if (rc == 0)
			rc = ping_notices_unverified(c, state, p.poc, p.address, p.token);
		log_msg(LOG_INFO, "%s: unverified (no answer to ping %s)", p.poc, p.token);
	}
	pings_clear(&p);
	return rc < 0 ? -1 : 1;
}

static int verifications(const struct mail_ctx *c)
{
	GPtrArray *tokens = pings_verifications_due(c->db, c->now, STEP_BATCH);
	int rc = tokens ? 0 : -1;

	for (guint i = 0; rc >= 0 && i < tokens->len; i++) {
		int n = -1;

		if (db_begin(c->db) == 0)
			n = finish(c->db, verification_expired(c, tokens->pdata[i]));
		rc = n < 0 ? -1 : rc + n;
	}
	if (tokens)
		g_ptr_array_unref(tokens);
	return rc;
}

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
static int finish_state(const struct mail_ctx *c, gint64 round, const char *state, gint64 due)
{
	GPtrArray *entries;
	int rc;

	if (db_begin(c->db) < 0)
		return -1;
	entries = unfinished(c->db, round, state, due);
	rc = entries ? pings_finish_state(c->db, round, state, due, c->now) : -1;
	if (rc == 0 && entries->len)
		rc = ping_notices_escalate(c, round, state, entries);
	if (entries)
		g_ptr_array_unref(entries);
	return finish(c->db, rc < 0 ? -1 : 1);
}

/* (round, State) pairs with pings due by due (round 0: any round). */
static int finish_due(const struct mail_ctx *c, gint64 round, gint64 due)
{
	GArray *rounds = g_array_new(FALSE, FALSE, sizeof(gint64));
	GPtrArray *states = g_ptr_array_new_with_free_func(g_free);
	int rc = pings_due_states(c->db, round, due, round ? -1 : STATE_BATCH, rounds, states) < 0 ? -1 : 0;

	for (guint i = 0; rc >= 0 && i < states->len; i++) {
		int n = finish_state(c, g_array_index(rounds, gint64, i), states->pdata[i], due);

		rc = n < 0 ? -1 : rc + n;
	}
	g_array_free(rounds, TRUE);
	g_ptr_array_unref(states);
	return rc;
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
		log_msg(LOG_INFO, "ping round %" G_GINT64_FORMAT " closed; report sent to the custodians", id);
	}
	return finish(c->db, rc);
}

static int close_due(const struct mail_ctx *c)
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
	gboolean open = rc == 1 && !r.closed;

	pings_round_clear(&r);
	if (!open)
		return rc < 0 ? -1 : 0;
	if (finish_due(c, id, G_MAXINT64) < 0)
		return -1;
	return close_one(c, id);
}

/* ---- update reminders ---- */

/* One State's update reminder, in its own transaction. 1, or -1. */
static int update_one(const struct mail_ctx *c, const char *state)
{
	int rc;

	if (db_begin(c->db) < 0)
		return -1;
	rc = pocs_update_reminded(c->db, state, c->now);
	if (rc == 0)
		rc = ping_notices_update(c, state);
	rc = finish(c->db, rc < 0 ? -1 : 1);
	if (rc > 0)
		log_msg(LOG_INFO, "update reminder sent to the signers of %s", state);
	return rc;
}

static int updates(const struct mail_ctx *c)
{
	GPtrArray *states;
	int rc = 0;

	if (c->cfg->update_every <= 0)
		return 0;
	if (!(states = pocs_states_due_update(c->db, c->cfg->update_every, c->now, STATE_BATCH)))
		return -1;
	for (guint i = 0; rc >= 0 && i < states->len; i++) {
		int n = update_one(c, states->pdata[i]);

		rc = n < 0 ? -1 : rc + n;
	}
	g_ptr_array_unref(states);
	return rc;
}

static int deadlines(const struct mail_ctx *c)
{
	return finish_due(c, 0, c->now);
}

int timers_run(sqlite3 *db, const struct config *cfg, const struct templates *tpl, struct crypto *crypto)
{
	static const char *const names[] = { "schedule", "fill", "remind", "verification", "deadline", "close",
					     "update" };
	int (*const steps[])(const struct mail_ctx *) = { schedule, fill, remind, verifications, deadlines, close_due,
							    updates };
	int total = 0, failed = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
		struct mail_ctx c = { db, cfg, crypto, tpl, clock_now(cfg) };
		int n = steps[i](&c);

		if (n < 0) {
			log_msg(LOG_ERR, "timers: the %s step failed: %s", names[i], sqlite3_errmsg(db));
			failed = 1;
		} else
			total += n;
	}
	return failed && total == 0 ? -1 : total;
}

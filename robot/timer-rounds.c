/* timer-rounds.c - the timers' ping schedule and fill:
 *   schedule   a round of every POC starts when the last round started
 *              [ping] every ago; before any round, [ping] every after the
 *              first POC (not withdrawn) was created;
 *   fill       an open round's POCs without a ping get theirs (to the first
 *              address not undeliverable; the others recorded as skipped
 *              for the report), FILL_BATCH
 *              a wake: a scheduled round's at once, a round the command
 *              started (and did not finish: a crash, ^C) after FILL_GRACE,
 *              so that the two do not sign the same round side by side.
 * Also timers_fill_round, which pocbot ping start uses to queue a round. */
#include "timers.h"
#include "timers-internal.h"
#include "log.h"
#include "pings.h"
#include "pings-health.h"
#include "pocs.h"

int timers_next_round(sqlite3 *db, const struct config *cfg, gint64 *at)
{
	gint64 base = 0;
	int rc = cfg->ping_every <= 0 ? 0 : pings_last_round_start(db, &base);

	if (cfg->ping_every > 0 && rc == 0)
		rc = pocs_first_created(db, &base);
	if (rc == 1)
		*at = base + cfg->ping_every;
	return rc;
}

/* 1 when a scheduled round is due, 0 when not, -1 on error. */
static int round_due(const struct mail_ctx *c)
{
	gint64 at = 0;
	int rc = timers_next_round(c->db, c->cfg, &at);

	return rc <= 0 ? rc : at <= c->now;
}

int timer_rounds_schedule(const struct mail_ctx *c)
{
	gint64 id;
	int rc = 0;

	if (c->cfg->ping_every <= 0 || (rc = round_due(c)) <= 0)
		return rc < 0 ? -1 : 0;
	if (db_begin(c->db) < 0)
		return -1;
	if ((rc = round_due(c)) == 1) {	/* again, inside the transaction */
		id = pings_round_open(c->db, c->now, c->now + c->cfg->ping_deadline, "",
				      "schedule");
		rc = id < 0 ? -1 : 1;
		if (id > 0)
			log_msg(LOG_INFO, "ping round %" G_GINT64_FORMAT " started on schedule",
				id);
	}
	return finish(c->db, rc);
}

/* Records t's undeliverable addresses as skipped in round, and pings its
 * first deliverable one (pings_send's answer; 1 when it has none). */
static int fill_one(const struct mail_ctx *c, gint64 round, const struct pings_target *t,
		    gint64 deadline)
{
	GPtrArray *dead = pings_health_dead(c->db, t->poc, FALSE);
	int rc = dead ? 0 : -1;

	for (guint i = 0; rc == 0 && i < dead->len; i++)
		rc = pings_health_skip(c->db, round, dead->pdata[i]);
	if (dead)
		g_ptr_array_unref(dead);
	if (rc == 0)
		rc = t->address ? pings_send(c, round, t, deadline, NULL) : 1;
	return rc;
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
		rc = finish(c->db, fill_one(c, id, targets->pdata[i], r.deadline));
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

int timer_rounds_fill(const struct mail_ctx *c)
{
	GArray *ids = pings_rounds_to_fill(c->db, c->now, FILL_GRACE);
	int rc = ids ? 0 : -1;

	for (guint i = 0; rc >= 0 && ids && i < ids->len; i++) {
		int n = timers_fill_round(c, g_array_index(ids, gint64, i), FILL_BATCH, NULL,
					  NULL);

		rc = n < 0 ? -1 : rc + n;
	}
	if (ids)
		g_array_free(ids, TRUE);
	return rc;
}

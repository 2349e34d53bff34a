/* timer-reminders.c - the timers' ping reminders: a ping not answered, not
 * hard-bounced, not finished gets reminder n once [ping] remind[n-1] has
 * passed since it was handed over (after a long stop, only the latest one
 * due). The schedule is cfg->ping_remind, bound whole by
 * pings_reminders_due; STEP_BATCH pings a wake. */
#include "timers-internal.h"
#include "pings.h"

/* The reminder due for p now: the highest n whose delay has passed. */
static int reminder_number(const struct mail_ctx *c, const struct ping *p)
{
	int n = 0;

	for (int k = 0; k < c->cfg->ping_reminders; k++)
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
	if (rc == 1 && !p.finished && !p.answered && p.deadline > c->now &&
	    (n = reminder_number(c, &p)) > p.reminders)
		rc = pings_remind(c, &p, n) < 0 ? -1 : 1;
	else
		rc = rc < 0 ? -1 : 0;
	pings_clear(&p);
	return finish(c->db, rc);
}

int timer_reminders_send(const struct mail_ctx *c)
{
	const struct config *cfg = c->cfg;
	GPtrArray *tokens;
	int rc = 0;

	/* config_load keeps the schedule within its array */
	g_assert(cfg->ping_reminders >= 0 && cfg->ping_reminders <= CONFIG_MAX_REMINDERS);
	if (cfg->ping_reminders == 0)
		return 0;
	tokens = pings_reminders_due(c->db, cfg->ping_remind, cfg->ping_reminders, c->now,
				     STEP_BATCH);
	if (!tokens)
		return -1;
	for (guint i = 0; rc >= 0 && i < tokens->len; i++) {
		int n = remind_one(c, tokens->pdata[i]);

		rc = n < 0 ? -1 : rc + n;
	}
	g_ptr_array_unref(tokens);
	return rc;
}

/* timer-updates.c - the timers' update reminders: each State with POCs,
 * [reminders] update_every after its last reminder (the first: after its
 * first POC), gets its records as forms; STATE_BATCH States a wake, each
 * in its own transaction. */
#include "timers.h"
#include "timers-internal.h"
#include "log.h"
#include "ping-notices.h"
#include "pocs.h"

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

int timer_updates_send(const struct mail_ctx *c)
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

int timers_next_update(sqlite3 *db, const struct config *cfg, gint64 *at)
{
	gint64 base = 0;
	int rc = cfg->update_every <= 0 ? 0 : pocs_update_base(db, &base);

	if (rc == 1)
		*at = base + cfg->update_every;
	return rc;
}

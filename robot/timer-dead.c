/* timer-dead.c - the timers' undeliverable addresses: the State's
 * authority signers are told once of each address marked undeliverable
 * (pings-health.c), not once a round: the mark's told time is set in the
 * notice's transaction. STEP_BATCH addresses a wake. */
#include "timers-internal.h"
#include "log.h"
#include "ping-notices.h"
#include "pings-health.h"

static int tell_one(const struct mail_ctx *c, const struct pings_dead *d)
{
	int rc;

	if (db_begin(c->db) < 0)
		return -1;
	rc = ping_notices_undeliverable(c, d);
	if (rc == 0)
		rc = pings_health_told(c->db, d->poc, d->address, c->now);
	if (rc == 0)
		log_msg(LOG_INFO, "%s: %s undeliverable; %s told", d->poc, d->address, d->state);
	return finish(c->db, rc < 0 ? -1 : 1);
}

int timer_dead_tell(const struct mail_ctx *c)
{
	GPtrArray *dead = pings_health_dead(c->db, NULL, TRUE);
	int rc = dead ? 0 : -1;

	for (guint i = 0; rc >= 0 && i < dead->len && i < STEP_BATCH; i++) {
		int n = tell_one(c, dead->pdata[i]);

		rc = n < 0 ? -1 : rc + n;
	}
	if (dead)
		g_ptr_array_unref(dead);
	return rc;
}

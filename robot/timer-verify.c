/* timer-verify.c - the timers' verification deadlines: a verification ping
 * (one of no round) at its deadline is finished, and the POC's status
 * decided again (ping-evidence.c): a pending POC with no address proven
 * since that ping was queued becomes unverified, audited, and its State is
 * told; one proven by any ping's answer is not. STEP_BATCH pings a
 * wake, each in its own transaction. */
#include "timers-internal.h"
#include "ping-evidence.h"
#include "log.h"
#include "ping-notices.h"
#include "pings.h"
#include "pocs.h"

static int verification_expired(const struct mail_ctx *c, const char *token)
{
	struct ping p;
	enum poc_status after = POC_PENDING;
	char *extra;
	int rc = pings_find(c->db, token, &p), changed = 0;
	char state[3] = { p.poc[0], p.poc[1], 0 };	/* an identifier starts with its State */

	if (rc != 1 || p.finished) {
		pings_clear(&p);
		return rc < 0 ? -1 : 0;
	}
	rc = pings_finish(c->db, p.id, c->now);
	extra = g_strdup_printf("\"ping\": \"%s\"", p.token);
	if (rc == 0) {
		changed = ping_evidence_apply(c->db, p.poc, c->now, "robot", extra, &after);
		rc = changed < 0 ? -1 : 0;
	}
	if (changed > 0 && after == POC_UNVERIFIED) {
		rc = ping_notices_unverified(c, state, p.poc, p.address, p.token);
		log_msg(LOG_INFO, "%s: unverified (no answer to ping %s)", p.poc, p.token);
	}
	g_free(extra);
	pings_clear(&p);
	return rc < 0 ? -1 : 1;
}

int timer_verify_expire(const struct mail_ctx *c)
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

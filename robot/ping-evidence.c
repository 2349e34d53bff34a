/* ping-evidence.c - the one rule that decides a POC's status from its
 * addresses' evidence (pings-health.c reads it), and its application,
 * audited. Used by the answer's record (ping-record.c) and by the
 * verification deadline (timer-verify.c). Input: the database only. */
#include "ping-evidence.h"
#include "audit.h"

enum poc_status ping_evidence_status(enum poc_status s, const struct pings_evidence *e,
				     gint64 now)
{
	gboolean proven = e->proven > 0 && e->proven >= e->verification;

	if (s == POC_WITHDRAWN)
		return s;
	if (proven && (s == POC_PENDING || s == POC_UNVERIFIED))
		return POC_ACTIVE;
	if (s == POC_PENDING && e->verification && !e->verification_answered &&
	    now >= e->verification_deadline)
		return POC_UNVERIFIED;
	return s;
}

/* The audit event of poc's change from was to to. */
static int audit_change(sqlite3 *db, const struct poc *p, enum poc_status to, gint64 now,
			const char *actor, const char *extra)
{
	GString *d = g_string_new("{\"poc\": ");
	int rc;

	pocs_json_string(d, p->id);
	g_string_append(d, ", \"before\": ");
	pocs_json_string(d, pocs_status_name(p->status));
	g_string_append(d, ", \"after\": ");
	pocs_json_string(d, pocs_status_name(to));
	if (extra && *extra)
		g_string_append_printf(d, ", %s", extra);
	g_string_append_c(d, '}');
	rc = audit_append(db, now, actor, p->state,
			  to == POC_ACTIVE ? "poc-verified" : "poc-unverified", d->str);
	g_string_free(d, TRUE);
	return rc;
}

int ping_evidence_apply(sqlite3 *db, const char *poc, gint64 now, const char *actor,
			const char *extra, enum poc_status *after)
{
	struct pings_evidence e;
	struct poc p = { 0 };
	enum poc_status to;
	int rc = pocs_load(db, poc, &p);

	if (rc <= 0 || pings_health_evidence(db, poc, &e) < 0) {
		pocs_clear(&p);
		return rc < 0 ? -1 : (rc == 0 ? 0 : -1);
	}
	to = ping_evidence_status(p.status, &e, now);
	if (after)
		*after = to;
	rc = 0;
	if (to != p.status) {
		rc = pocs_set_status(db, poc, pocs_status_name(p.status), to, now);
		if (rc > 0 && audit_change(db, &p, to, now, actor, extra) < 0)
			rc = -1;
	}
	pocs_clear(&p);
	return rc;
}

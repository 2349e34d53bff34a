/* ping-evidence.h - the one rule that decides a POC's status from the
 * evidence of its addresses (README, "A POC's status"), and its
 * application in the caller's transaction, audited. */
#ifndef POCBOT_PING_EVIDENCE_H
#define POCBOT_PING_EVIDENCE_H

#include <sqlite3.h>
#include "pings-health.h"
#include "pocs.h"

/* The status a POC in status s has at now given e:
 *   withdrawn stays withdrawn;
 *   pending or unverified with an address proven (a person answered a
 *   ping sent to an address the POC still has) at or after its latest
 *   verification ping was queued (any time when it had none): active;
 *   pending whose latest verification ping is unanswered at its deadline
 *   and has no such proof: unverified;
 *   else s. */
enum poc_status ping_evidence_status(enum poc_status s, const struct pings_evidence *e,
				     gint64 now);

/* Reads poc's evidence, decides, and writes a change of status (version
 * + 1) with its audit event "poc-verified" (to active) or
 * "poc-unverified" by actor, its detail the POC, the statuses and
 * extra (JSON members, or NULL). *after (may be NULL) gets the status.
 * 1 changed, 0 not, -1 on error. */
int ping_evidence_apply(sqlite3 *db, const char *poc, gint64 now, const char *actor,
			const char *extra, enum poc_status *after);

#endif

/* ping-notices.h - what the ping timers tell people, signed by the robot
 * and encrypted to each enrolled signer, in the signer's language
 * (signers.lang): the escalation of a round's silent POCs to their State,
 * the report of a closed round to the custodians, a POC left unverified,
 * and the yearly update reminder with the State's records as forms. Each
 * queues in the caller's transaction and returns 0 or -1. */
#ifndef POCBOT_PING_NOTICES_H
#define POCBOT_PING_NOTICES_H

#include "pings.h"
#include "ping-report.h"
#include "pings-health.h"

/* To state's signers: the POCs of round that did not answer (entries,
 * struct ping_entry *, all of state), and whether the round reached its
 * deadline or was closed by the custodian (closed, pocbot ping close). */
int ping_notices_escalate(const struct mail_ctx *c, gint64 round, const char *state,
			  const GPtrArray *entries, gboolean closed);

/* To every custodian signer: r as text, with its CSV attached. */
int ping_notices_report(const struct mail_ctx *c, const struct ping_report *r);

/* To state's signers: POC poc did not answer the verification ping sent
 * to address, and is now unverified. seed makes the notices unique. */
int ping_notices_unverified(const struct mail_ctx *c, const char *state, const char *poc,
			    const char *address, const char *seed);

/* To the State's authority signers: d's address is undeliverable since
 * d->since (d->status, d->diagnostic), and how to mend it. */
int ping_notices_undeliverable(const struct mail_ctx *c, const struct pings_dead *d);

/* To state's signers who may change its POCs (not readers): the State's
 * current records as ready-to-edit forms. */
int ping_notices_update(const struct mail_ctx *c, const char *state);

#endif

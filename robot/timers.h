/* timers.h - the daemon's scheduled work, run by the worker thread each
 * time it wakes (about once a second): ping rounds started on schedule
 * and completed, reminders, deadlines (silent pings, escalations, the
 * round's close and report, unverified POCs), and the yearly update
 * reminders. Every step reads the time from clock_now(cfg) and runs in
 * its own short transaction, so a crash repeats a step whole or not at
 * all and never doubles a message. The jobs are the rows of the table in
 * timers.c, each in its file robot/timer-*.c. */
#ifndef POCBOT_TIMERS_H
#define POCBOT_TIMERS_H

#include <sqlite3.h>
#include "config.h"
#include "crypto.h"
#include "pings.h"

struct templates;

/* Runs every step that is due, a bounded amount of work each (a round of
 * thousands of pings is queued over several wakes). The number of
 * messages queued (wake the sender when > 0), or -1 when a step failed
 * (the others still ran). *failure (g_free it) names the first step that
 * failed and why, or is NULL. */
int timers_run(sqlite3 *db, const struct config *cfg, const struct templates *tpl,
	       struct crypto *c, char **failure);

/* Closes round id now, as its deadline would (pocbot ping close): every
 * ping not finished is finished, the States' signers are told of the
 * POCs that did not answer, the round is closed and its report mailed to
 * the custodians. c->db has no transaction open. 1 closed, 0 no such
 * round or closed already, -1 on failure. */
int timers_close_round(const struct mail_ctx *c, gint64 id);

/* Queues up to limit (0: all) of the pings round id still lacks, one
 * transaction each; progress(done, total, data) after each when not NULL.
 * The number queued, or -1 on failure. */
int timers_fill_round(const struct mail_ctx *c, gint64 id, guint limit,
		      void (*progress)(guint done, guint total, void *data), void *data);

/* When the next scheduled ping round starts (timer-rounds.c: [ping] every
 * after the last round, or after the first POC): 1 with *at, 0 when none
 * is scheduled ([ping] every 0, no POC), -1 on error. */
int timers_next_round(sqlite3 *db, const struct config *cfg, gint64 *at);

/* When the next yearly update reminder falls due (timer-updates.c, the
 * earliest State's): as timers_next_round. */
int timers_next_update(sqlite3 *db, const struct config *cfg, gint64 *at);

/* The last daily audit verify (timer-audit.c, kept in VAR/audit-verify):
 * 1 with *at, *intact and *text (g_free it), 0 when none has run, -1 when
 * the file is unreadable. */
int timers_audit_last(const struct config *cfg, gint64 *at, gboolean *intact, char **text);

#endif

/* timers-internal.h - what the timer jobs (robot/timer-*.c) share: the
 * batch sizes that bound a wake's work, the step type the table of
 * timers.c runs, each job's entry, and finish() that ends a step's
 * transaction. Not for use outside the timers. */
#ifndef POCBOT_TIMERS_INTERNAL_H
#define POCBOT_TIMERS_INTERNAL_H

#include "config.h"
#include "db.h"
#include "mail-ctx.h"

#define FILL_BATCH 20		/* pings queued per round per wake (~20 signatures) */
#define STEP_BATCH 20		/* reminders, verification deadlines per wake */
#define STATE_BATCH 5		/* escalations, update reminders per wake */
#define FILL_GRACE 60		/* seconds a round started by the command is left to it */

/* A job of the table: the number of messages queued (or rows changed),
 * or -1 when it failed (its transaction rolled back). */
typedef int timer_step_fn(const struct mail_ctx *c);

/* Ends a step's transaction: commits when rc >= 0, else rolls back.
 * rc, or -1. */
static inline int finish(sqlite3 *db, int rc)
{
	if (rc >= 0 && db_commit(db) == 0)
		return rc;
	db_rollback(db);
	return -1;
}

/* timer-rounds.c: a round started on schedule; open rounds filled. */
timer_step_fn timer_rounds_schedule;
timer_step_fn timer_rounds_fill;

/* timer-reminders.c: ping reminders by [ping] remind. */
timer_step_fn timer_reminders_send;

/* timer-verify.c: verification pings past their deadline. */
timer_step_fn timer_verify_expire;

/* timer-deadlines.c: rounds' pings finished State by State, rounds closed. */
timer_step_fn timer_deadlines_finish;
timer_step_fn timer_deadlines_close;

/* timer-dead.c: the State told once of each undeliverable address. */
timer_step_fn timer_dead_tell;

/* timer-notices.c: held notices merged and queued when due. */
timer_step_fn timer_notices_flush;

/* timer-updates.c: each State's yearly update reminder. */
timer_step_fn timer_updates_send;

/* timer-retention.c: once a day, what [retention] no longer keeps removed
 * or redacted. */
timer_step_fn timer_retention_run;

/* timer-rollover.c: the old secret keys archived when [keys] overlap ends. */
timer_step_fn timer_rollover_archive;

/* timer-audit.c: the audit trail verified once a day, the result in VAR. */
timer_step_fn timer_audit_verify;
/* timer-outbox.c: the daily alert and digest of undelivered mail. */
timer_step_fn timer_outbox_alert;

/* timer-backup.c: an encrypted archive every [backup] every. */
timer_step_fn timer_backup_write;
/* timer-keys.c: the daily warnings of signers' keys expiring within 30 and 7 days. */
timer_step_fn timer_keys_warn;
/* timer-poc-keys.c: the daily warnings of POC keys expiring within 30 and 7 days. */
timer_step_fn timer_poc_keys_warn;

#endif

/* timers.c - the daemon's scheduled work: the table of timer jobs, in the
 * order they run at each wake, and their runner. Each job is in its own
 * file (robot/timer-*.c, sharing timers-internal.h), does a bounded amount
 * of work in short transactions on the clock's time (clock_now), and is
 * named here when it fails (the caller logs it, or raises a robot fault:
 * worker_timers): rolled back, tried again at the next wake, the others
 * still run. A new job is a row here plus a file.
 * Input: the database only.
 *
 * The outbox's deliveries and retries are not a job of this table: the
 * sender thread runs them (outbox_send_due, cmd-serve.c) on its own
 * connection, woken when mail is queued and at least once a second, so
 * that SMTP never holds up the worker (intake, these jobs). */
#include "timers.h"
#include "timers-internal.h"
#include "clock.h"
#include "db.h"

static const struct {
	const char *name;
	timer_step_fn *run;
} steps[] = {
	{ "schedule", timer_rounds_schedule },	/* a round of every POC on [ping] every */
	{ "fill", timer_rounds_fill },		/* open rounds' POCs get their pings */
	{ "remind", timer_reminders_send },	/* [ping] remind: reminders of unanswered pings */
	{ "verification", timer_verify_expire },	/* silent verification pings: POC
							 * unverified */
	{ "deadline", timer_deadlines_finish },	/* rounds' pings finished, the silent escalated */
	{ "close", timer_deadlines_close },	/* rounds done closed, reports to the custodians */
	{ "update", timer_updates_send },	/* [reminders] update_every: records to the
						 * signers */
	{ "dead", timer_dead_tell },		/* each undeliverable address told once */
	{ "notices", timer_notices_flush },	/* held notices merged, queued when due */
	{ "retention", timer_retention_run },	/* daily: [retention], withdrawn POCs redacted */
	{ "audit", timer_audit_verify },	/* the audit trail verified once a day */
	{ "outbox", timer_outbox_alert },	/* daily: undelivered mail, to the custodians */
	{ "backup", timer_backup_write },	/* [backup] every: an encrypted archive */
	{ "rollover", timer_rollover_archive },	/* [keys] overlap over: old keys archived */
	{ "keys", timer_keys_warn },		/* daily: signers' keys expiring in 30, 7 days */
	{ "poc-keys", timer_poc_keys_warn },	/* daily: POC keys expiring in 30, 7 days, to
						 * their State's authorities */
};

int timers_run(sqlite3 *db, const struct config *cfg, const struct templates *tpl,
	       struct crypto *crypto, char **failure)
{
	int total = 0, failed = 0;

	*failure = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
		struct mail_ctx c = { db, cfg, crypto, tpl, clock_now(cfg) };
		int n = steps[i].run(&c);

		if (n < 0 && !*failure) {
			char *why = db_error(db);

			*failure = g_strdup_printf("the %s step failed: %s", steps[i].name, why);
			g_free(why);
		}
		if (n < 0)
			failed = 1;
		else
			total += n;
	}
	return failed && total == 0 ? -1 : total;
}

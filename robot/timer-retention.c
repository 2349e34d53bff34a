/* timer-retention.c - the timers' daily retention ([retention] keys,
 * config.c, each at least its minimum): once a day (timer_runs
 * 'retention'), in short transactions, the processed spool files
 * (spool/cur) and messages rows older than [retention] messages, the
 * replay records (seen_signatures) older than [retention] signatures, the
 * bodies of the outbox rows sent before [retention] sent_bodies; and each
 * POC withdrawn longer than [retention] withdrawn: its personal fields
 * cleared, its keys removed (poc_keys_remove_all), and its audit events'
 * details replaced by {"redacted": DATE} (hash version 2, audit.c), one
 * "poc-redacted" event each. Pings and their tokens are kept. Input: the
 * database only. Returns the rows changed, or -1 (that transaction rolled
 * back; the day's run is marked first, so a failing step is tried again
 * the next day, not at every wake). */
#include <errno.h>
#include "timers-internal.h"
#include "audit.h"
#include "clock.h"
#include "log.h"
#include "messages.h"
#include "outbox.h"
#include "poc-keys.h"
#include "pocs.h"
#include "signers.h"
#include "spool.h"

#define RETENTION_EVERY 86400	/* seconds between two runs */
#define PRUNE_BATCH 500		/* messages rows and spool files per transaction */

/* One batch: the files first (a row left without its file is harmless),
 * then the rows. The number of rows removed, or -1. */
static int prune_batch(const struct mail_ctx *c, const char *spool, gint64 before)
{
	GPtrArray *ids;
	int rc = 0;

	if (db_begin(c->db) < 0)
		return -1;
	if (!(ids = messages_prunable(c->db, before, PRUNE_BATCH)))
		return finish(c->db, -1);
	for (guint i = 0; rc == 0 && i < ids->len; i++)
		if (spool_remove(spool, SPOOL_CUR, ids->pdata[i]) < 0) {
			log_msg(LOG_ERR, "retention: cannot remove spool/cur/%s: %s",
				(char *)ids->pdata[i], g_strerror(errno));
			rc = -1;
		}
	if (rc == 0)
		rc = messages_prune(c->db, before, PRUNE_BATCH);
	g_ptr_array_unref(ids);
	return finish(c->db, rc);
}

static gint64 prune_messages(const struct mail_ctx *c)
{
	char *spool = config_var_path(c->cfg, "spool");
	gint64 total = 0;
	int n;

	while ((n = prune_batch(c, spool, c->now - c->cfg->retention_messages)) > 0)
		total += n;
	g_free(spool);
	return n < 0 ? -1 : total;
}

/* One statement in its own transaction: fn(db, before). */
static int prune_one(const struct mail_ctx *c, int (*fn)(sqlite3 *, gint64), gint64 before)
{
	if (db_begin(c->db) < 0)
		return -1;
	return finish(c->db, fn(c->db, before));
}

/* One withdrawn POC's personal fields and audit details, audited. 0 or -1. */
static int redact_poc(const struct mail_ctx *c, const char *id)
{
	char state[3] = { id[0], id[0] ? id[1] : 0, 0 };	/* an identifier starts with its
								 * State */
	char day[CLOCK_TEXT_LEN], *detail;
	int n, rc;

	if (db_begin(c->db) < 0)
		return -1;
	clock_text(c->now, CLOCK_DAY, "0000-00-00", day);
	if (pocs_redact(c->db, id, c->now) < 0 || poc_keys_remove_all(c->db, id) < 0)
		return finish(c->db, -1);
	if ((n = audit_redact_poc(c->db, id, day)) < 0)
		return finish(c->db, -1);
	detail = g_strdup_printf("{\"poc\": \"%s\", \"events_redacted\": %d}", id, n);
	rc = audit_append(c->db, c->now, "robot", state, "poc-redacted", detail);
	g_free(detail);
	return finish(c->db, rc);
}

static int redact_withdrawn(const struct mail_ctx *c)
{
	GPtrArray *ids = pocs_redact_due(c->db, c->now - c->cfg->retention_withdrawn);
	int rc = 0;

	for (guint i = 0; ids && rc == 0 && i < ids->len; i++)
		rc = redact_poc(c, ids->pdata[i]);
	rc = !ids || rc < 0 ? -1 : (int)ids->len;
	if (ids)
		g_ptr_array_unref(ids);
	return rc;
}

int timer_retention_run(const struct mail_ctx *c)
{
	gint64 last = 0, messages;
	int rc, seen, bodies, redacted;

	if ((rc = messages_retention_last(c->db, &last)) < 0)
		return -1;
	if (rc == 1 && c->now - last < RETENTION_EVERY)
		return 0;
	if (db_begin(c->db) < 0 || finish(c->db, messages_retention_mark(c->db, c->now)) < 0)
		return -1;
	messages = prune_messages(c);
	seen = prune_one(c, signers_prune_seen, c->now - c->cfg->retention_signatures);
	bodies = prune_one(c, outbox_prune_bodies, c->now - c->cfg->retention_sent_bodies);
	redacted = redact_withdrawn(c);
	if (messages < 0 || seen < 0 || bodies < 0 || redacted < 0)
		return -1;
	if (messages + seen + bodies + redacted > 0)
		log_msg(LOG_INFO,
			"retention: %" G_GINT64_FORMAT " message(s), %d replay record(s) and %d "
			"outbox bodies removed, %d withdrawn POC(s) redacted",
			messages, seen, bodies, redacted);
	return (int)MIN(messages + seen + bodies + redacted, G_MAXINT);
}

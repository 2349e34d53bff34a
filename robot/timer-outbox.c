/* timer-outbox.c - the timers' daily outbox alert and digest: once a day
 * (timer_runs 'outbox-alert'), when messages failed permanently since the
 * last alert or are still deferred after a day, one content-free alert to
 * [robot] custodian (counts and the commands to run); and every day one
 * digest to the custodian signers (signed, encrypted) with the audit
 * chain's head (its number of events and latest hash: a copy of the
 * chain's state off the server) and the list of those messages when there
 * are any: never one mail per message. */
#include "timers-internal.h"
#include "audit.h"
#include "log.h"
#include "notices.h"
#include "outbox.h"

#define ALERT_EVERY 86400	/* seconds between two alerts */

/* The digest's list: one entry per message, language-neutral (an SMTP
 * answer is English anyway). g_free it. */
static char *digest_list(const GPtrArray *rows)
{
	GString *s = g_string_new("");

	for (guint i = 0; i < rows->len; i++) {
		const struct outbox_entry *e = rows->pdata[i];
		const char *state = g_strcmp0(e->state, "failed") == 0 ? "failed" : "deferred";

		g_string_append_printf(s, "#%" G_GINT64_FORMAT " %s, %s, to <%s>, %d tries\n",
				       e->id, state, e->purpose, e->rcpt, (int)e->attempts);
		g_string_append_printf(s, "    %s\n", e->last_error ? e->last_error : "-");
	}
	return g_string_free(s, FALSE);
}

/* The alert to [robot] custodian: counts and commands only. 0 or -1. */
static int alert(const struct mail_ctx *c, int failed, int deferred, const char *seed)
{
	char *body = g_strdup_printf(
		"Outgoing mail needs attention: %d message(s) failed permanently since\n"
		"the last alert, %d message(s) are still deferred after a day.\n\n"
		"See them on the robot with:\n"
		"    pocbot outbox list --failed\n"
		"    pocbot outbox list --deferred\n"
		"then send one again with 'pocbot outbox retry ID' or cancel it with\n"
		"'pocbot outbox drop ID'. The custodian signers get the list, encrypted.\n",
		failed, deferred);
	struct outbox_item it = { .to = c->cfg->custodian,
				  .subject = "pocbot: outgoing mail not delivered",
				  .body = body };
	int rc = c->cfg->custodian
			 ? notices_queue(c, "outbox-alert", CRYPTO_NONE, NULL, 0, seed, &it)
			 : 0;

	g_free(body);
	return rc < 0 ? -1 : 0;
}

/* The digest to the custodian signers: the chain's head, and rows when
 * there are any. 0 or -1. */
static int digest(const struct mail_ctx *c, const GPtrArray *rows, int failed, int deferred)
{
	char *seed = g_strdup_printf("outbox-digest:%" G_GINT64_FORMAT, c->now);
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	char *list = digest_list(rows), nf[16], nd[16], count[24], hash[AUDIT_HASH_LEN];
	struct notice_request n = { .kind = "outbox-digest", .seed = seed, .vars = vars };
	gint64 events = 0;
	int rc;

	g_snprintf(nf, sizeof nf, "%d", failed);
	g_snprintf(nd, sizeof nd, "%d", deferred);
	if (audit_head(c->db, &events, hash) < 0) {
		g_hash_table_unref(vars);
		g_free(list);
		g_free(seed);
		return -1;
	}
	g_snprintf(count, sizeof count, "%" G_GINT64_FORMAT, events);
	g_hash_table_insert(vars, "head_count", count);
	g_hash_table_insert(vars, "head_hash", hash);
	g_hash_table_insert(vars, "list", list);
	g_hash_table_insert(vars, "failed", nf);
	g_hash_table_insert(vars, "deferred", nd);
	rc = notices_send(c, &n);
	g_hash_table_unref(vars);
	g_free(list);
	g_free(seed);
	return rc;
}

int timer_outbox_alert(const struct mail_ctx *c)
{
	gint64 last = 0;
	GPtrArray *rows = NULL;
	int failed = 0, rc, queued = 0;
	char *seed;

	if ((rc = outbox_alert_last(c->db, &last)) < 0)
		return -1;
	if (rc == 1 && c->now - last < ALERT_EVERY)
		return 0;
	if (db_begin(c->db) < 0)
		return -1;
	if (!(rows = outbox_list(c->db, c->cfg, OUTBOX_LIST_STUCK, c->now)))
		return finish(c->db, -1);
	for (guint i = 0; i < rows->len; i++)
		failed += g_strcmp0(((struct outbox_entry *)rows->pdata[i])->state, "failed") == 0;
	seed = g_strdup_printf("outbox-alert:%" G_GINT64_FORMAT, c->now);
	rc = 0;
	if (rows->len && (rc = alert(c, failed, (int)rows->len - failed, seed)) == 0)
		queued = 1;
	if (rc == 0 && (rc = digest(c, rows, failed, (int)rows->len - failed)) == 0)
		queued++;
	if (rc == 0)
		rc = outbox_alert_mark(c->db, c->now);
	rc = finish(c->db, rc < 0 ? -1 : queued);
	if (rc > 0 && rows->len)
		log_msg(LOG_WARNING,
			"outbox: %d failed and %d deferred message(s): the custodian told", failed,
			(int)rows->len - failed);
	g_ptr_array_unref(rows);
	g_free(seed);
	return rc;
}

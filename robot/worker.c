/* worker.c - takes each message from spool/new through the filters and
 * applies the outcome in one SQLite transaction keyed by the SHA-256 of its
 * envelope and content: processing it again after a crash changes and
 * sends nothing. Then the file moves to spool/cur. A message whose
 * processing fails MAX_ATTEMPTS times, or that was being processed each of
 * MAX_CRASHES times the robot died (the attempt is recorded before the
 * work), goes to spool/quarantine, and the custodian is told; the messages
 * behind it go on. After a failure the next try waits
 * RETRY_DELAY seconds times the failures so far, so that a passing fault
 * does not quarantine a message within seconds. */
#include <errno.h>
#include <string.h>
#include "worker.h"
#include "clock.h"
#include "db.h"
#include "dispatch.h"
#include "filters/form-read.h"
#include "filters/lookup-parse.h"
#include "filters/ping-match.h"
#include "form.h"
#include "limits.h"
#include "log.h"
#include "mail.h"
#include "messages.h"
#include "notices.h"
#include "outbox.h"
#include "pipeline.h"
#include "spool.h"

/* SHA-256 (hex) of the envelope and the bytes. g_free it. */
static char *message_hash(const struct envelope *env, const char *data, size_t len)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	char *hex;

	g_checksum_update(ck, (const guchar *)env->sender, (gssize)strlen(env->sender) + 1);
	for (guint i = 0; i < env->recipients->len; i++)
		g_checksum_update(ck, env->recipients->pdata[i],
				  (gssize)strlen(env->recipients->pdata[i]) + 1);
	g_checksum_update(ck, (const guchar *)"\n", 1);
	g_checksum_update(ck, (const guchar *)data, (gssize)len);
	hex = g_strdup(g_checksum_get_string(ck));
	g_checksum_free(ck);
	return hex;
}

/* Counts one more attempt at id, durably, before the work. The attempts
 * made before this one, or -1. */
static int count_attempt(struct worker *w, const char *id)
{
	int before;

	if (db_begin(w->db) < 0)
		return -1;
	before = messages_count_attempt(w->db, id, clock_now(w->cfg));
	if (before < 0) {
		db_rollback(w->db);
		return -1;
	}
	if (db_commit(w->db) < 0) {
		db_rollback(w->db);
		return -1;
	}
	return before;
}

static void note_failure(struct worker *w, const char *id, const char *error)
{
	messages_note_failure(w->db, id, error, clock_now(w->cfg));
}

/* 1 when id failed before (an error was seen, not a crash) and its next
 * try is not due yet: RETRY_DELAY seconds times the failures so far. */
static int waiting(struct worker *w, const char *id)
{
	gint64 attempts = 0, updated = 0;
	char *error = NULL;
	int wait = 0;

	if (messages_failures(w->db, id, &attempts, &updated, &error) == 1 && error)
		wait = clock_now(w->cfg) < updated + RETRY_DELAY * attempts;
	g_free(error);
	return wait;
}

/* Runs the pipeline and dispatch for one message inside the open
 * transaction. 0, or -1 with *error. */
static int apply(struct worker *w, const char *id, const char *hash, const struct envelope *env,
		 const char *data, size_t len, const char **error)
{
	struct mail *m = mail_parse(data, len);
	struct filter_ctx ctx = { .cfg = w->cfg,
				  .tpl = w->tpl,
				  .env = env,
				  .mail = m,
				  .raw = data,
				  .raw_len = len,
				  .crypto = w->crypto,
				  .db = w->db,
				  .now = clock_now(w->cfg) };
	const char *outcome = NULL;
	enum verdict v = pipeline_run(&ctx);
	int rc = -1;

	if (v == VERDICT_ERROR)
		*error = ctx.reason ? ctx.reason : "a filter failed";
	else if (dispatch(w->db, &ctx, hash, id, &outcome) < 0)
		*error = sqlite3_errmsg(w->db);
	else
		rc = 0;
	if (rc == 0)
		log_msg(LOG_INFO, "%s: from=<%.200s> kind=%s outcome=%s%s%s", id, env->sender,
			filter_kind_name(ctx.kind), outcome, ctx.reason ? " reason=" : "",
			ctx.reason ? ctx.reason : "");
	form_set_free(ctx.forms);
	lookup_request_free(ctx.lookup);
	ping_match_free(ctx.ping);
	mail_free(ctx.auth.content);
	mail_free(m);
	return rc;
}

/* Tells the custodian that id was quarantined, in its own transaction. */
static void tell_custodian(struct worker *w, const char *id, const char *error)
{
	char *body, *seed;
	struct mail_ctx c;
	struct outbox_item it = { .to = w->cfg->custodian,
				  .subject = "pocbot: a message was quarantined" };

	if (!w->cfg->custodian)
		return;
	body = g_strdup_printf(
		"The message %s failed %d times and was moved to\n%s/quarantine.\n\n"
		"Last error: %.200s\n\nAfter fixing the cause, put it back with:\n"
		"    pocbot spool retry %s\n",
		id, MAX_ATTEMPTS, w->spool, error, id);
	seed = g_strdup_printf("quarantine:%s:%" G_GINT64_FORMAT, id, clock_now(w->cfg));
	it.body = body;
	c = (struct mail_ctx){ w->db, w->cfg, w->crypto, w->tpl, clock_now(w->cfg) };
	if (db_begin(w->db) < 0)
		goto out;
	if (notices_queue(&c, "quarantine-alert", CRYPTO_NONE, NULL, 0, seed, &it) != 0) {
		db_rollback(w->db);
		goto out;
	}
	if (db_commit(w->db) < 0)
		db_rollback(w->db);
out:
	g_free(body);
	g_free(seed);
}

/* The notice is queued first, so a crash cannot quarantine silently. */
static int quarantine(struct worker *w, const char *id, const char *error)
{
	tell_custodian(w, id, error);
	if (spool_move(w->spool, id, SPOOL_NEW, SPOOL_QUARANTINE) < 0) {
		log_msg(LOG_ERR, "%s: cannot quarantine: %s", id, g_strerror(errno));
		return -1;
	}
	log_msg(LOG_ERR, "%s: quarantined after %d failures: %.200s", id, MAX_ATTEMPTS, error);
	return 0;
}

int worker_process(struct worker *w, const char *id)
{
	struct envelope env;
	char *data = NULL, *hash = NULL;
	size_t len = 0;
	const char *error = NULL;
	int before, done, rc = -1;

	if (waiting(w, id))
		return -1;
	before = count_attempt(w, id);
	if (before < 0)
		return -1;
	if (before >= MAX_CRASHES)
		return quarantine(w, id, "the robot died while processing it, again and again");
	if (spool_load(w->spool, SPOOL_NEW, id, &env, &data, &len) < 0) {
		envelope_clear(&env);
		note_failure(w, id, "unreadable spool file");
		return before + 1 >= MAX_ATTEMPTS ? quarantine(w, id, "unreadable spool file")
						  : -1;
	}
	hash = message_hash(&env, data, len);
	if (db_begin(w->db) < 0) {
		error = sqlite3_errmsg(w->db);
		goto out;
	}
	done = messages_seen(w->db, hash);
	if (done < 0 || (done == 0 && apply(w, id, hash, &env, data, len, &error) < 0)) {
		error = error ? error : sqlite3_errmsg(w->db);
		db_rollback(w->db);
		goto out;
	}
	messages_forget_failures(w->db, id);
	if (db_commit(w->db) < 0) {
		error = sqlite3_errmsg(w->db);
		db_rollback(w->db);
		goto out;
	}
	if (done == 1)
		log_msg(LOG_INFO, "%s: already processed (%.16s), not again", id, hash);
	rc = spool_move(w->spool, id, SPOOL_NEW, SPOOL_CUR);
	if (rc < 0)
		log_msg(LOG_ERR, "%s: processed, but cannot move to cur: %s", id,
			g_strerror(errno));
out:
	if (rc < 0 && error) {
		char *copy = g_strdup(error);
		log_msg(LOG_WARNING, "%s: processing failed (attempt %d): %.200s", id, before + 1,
			copy);
		note_failure(w, id, copy);
		if (before + 1 >= MAX_ATTEMPTS)
			rc = quarantine(w, id, copy);
		g_free(copy);
	}
	envelope_clear(&env);
	g_free(data);
	g_free(hash);
	return rc;
}

/* Oldest first, but the messages that failed or were being processed when
 * the robot died come after the others: one bad message never holds up
 * the queue, and a robot killed from outside spreads its interruptions. */
int worker_drain(struct worker *w)
{
	GPtrArray *ids = spool_list(w->spool, SPOOL_NEW);
	GHashTable *later = messages_troubled(w->db);
	int n = 0, swept = spool_sweep_tmp(w->spool);

	if (swept > 0)
		log_msg(LOG_INFO, "spool: removed %d unfinished files of dead writers from tmp/",
			swept);
	for (int pass = 0; pass < 2; pass++)
		for (guint i = 0; i < ids->len; i++)
			if (g_hash_table_contains(later, ids->pdata[i]) == pass &&
			    worker_process(w, ids->pdata[i]) == 0)
				n++;
	g_hash_table_unref(later);
	g_ptr_array_unref(ids);
	return n;
}

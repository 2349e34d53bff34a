/* worker.c - takes each message from spool/new through the filters and
 * applies the outcome in one SQLite transaction keyed by the SHA-256 of its
 * envelope and content: processing it again after a crash changes and
 * sends nothing. Then the file moves to spool/cur. A failure is of one of
 * three classes (fault.h): a ROBOT fault (the probe, probe.c, fails too:
 * database, disk, spool or outbox not writable) stops the drain, is not
 * counted, and is retried with backoff until the probe passes; a MESSAGE
 * or UNKNOWN failure is counted. A message whose processing fails
 * MAX_ATTEMPTS times, or that was being processed each of MAX_CRASHES
 * times the robot died (the attempt is recorded before the work), goes to
 * spool/quarantine, and the custodian is told; the messages behind it go
 * on. After a counted failure the next try waits RETRY_DELAY seconds
 * times the failures so far, so that a passing fault does not quarantine
 * a message within seconds. */
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
#include "probe.h"
#include "spool.h"
#include "timers.h"

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

/* Counts one more attempt at id, durably, before the work (not again when
 * a robot fault took the last one). The attempts made before this one,
 * or -1. */
static int count_attempt(struct worker *w, const char *id)
{
	gboolean again = g_hash_table_contains(w->taken, id);
	int before;

	if (db_begin(w->db) < 0)
		return -1;
	before = messages_count_attempt(w->db, id, clock_now(w->cfg), again);
	if (before < 0) {
		db_rollback(w->db);
		return -1;
	}
	if (db_commit(w->db) < 0) {
		db_rollback(w->db);
		return -1;
	}
	g_hash_table_remove(w->taken, id);
	return before;
}

static void note_failure(struct worker *w, const char *id, const char *error)
{
	messages_note_failure(w->db, id, error, clock_now(w->cfg));
}

/* The class of the failure just seen: FAULT_ROBOT when the probe fails
 * too (the fault is raised: logged once), otherwise. */
static enum fault_class classify(struct worker *w, enum fault_class otherwise)
{
	struct probe_target t = { w->cfg, w->db, w->spool, w->crypto };
	char *cause = NULL;

	if (probe_run(&t, &cause) == 0)
		return otherwise;
	fault_raise(w->fault, cause);
	g_free(cause);
	return FAULT_ROBOT;
}

/* A failure of id after its attempt was counted: FAULT_ROBOT gives the
 * attempt back (the next one takes its place), and says nothing more. */
static enum fault_class failed(struct worker *w, const char *id, enum fault_class otherwise)
{
	enum fault_class c = classify(w, otherwise);

	if (c == FAULT_ROBOT)
		g_hash_table_add(w->taken, g_strdup(id));
	return c;
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
 * transaction. 0, or -1 with *error (g_free it). */
static int apply(struct worker *w, const char *id, const char *hash, const struct envelope *env,
		 const char *data, size_t len, char **error)
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
		*error = g_strdup(ctx.reason ? ctx.reason : "a filter failed");
	else if (dispatch(w->db, &ctx, hash, id, &outcome) < 0)
		*error = db_error(w->db);
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

/* A counted failure of id (attempt before + 1): logged, recorded, and
 * quarantined at MAX_ATTEMPTS. 0 when quarantined, -1 otherwise. */
static int count_failure(struct worker *w, const char *id, int before, enum fault_class c,
			 const char *error)
{
	log_msg(LOG_WARNING, "%s: processing failed (attempt %d, %s failure): %.200s", id,
		before + 1, fault_class_name(c), error);
	note_failure(w, id, error);
	return before + 1 >= MAX_ATTEMPTS ? quarantine(w, id, error) : -1;
}

/* Records what was decided for id and applies it, in one transaction:
 * 0 done, or -1 with *error (g_free it) and everything rolled back. */
static int commit_message(struct worker *w, const char *id, const char *hash,
			  const struct envelope *env, const char *data, size_t len, char **error)
{
	int done;

	if (db_begin(w->db) < 0) {
		*error = db_error(w->db);
		return -1;
	}
	done = messages_seen(w->db, hash);
	if (done < 0 || (done == 0 && apply(w, id, hash, env, data, len, error) < 0)) {
		if (!*error)
			*error = db_error(w->db);
		db_rollback(w->db);
		return -1;
	}
	messages_forget_failures(w->db, id);
	if (db_commit(w->db) < 0) {
		*error = db_error(w->db);
		db_rollback(w->db);
		return -1;
	}
	if (done == 1)
		log_msg(LOG_INFO, "%s: already processed (%.16s), not again", id, hash);
	return 0;
}

int worker_process(struct worker *w, const char *id)
{
	struct envelope env;
	char *data = NULL, *hash = NULL, *error = NULL;
	size_t len = 0;
	int before, rc = -1;

	if (waiting(w, id))
		return -1;
	before = count_attempt(w, id);
	if (before < 0) {
		error = db_error(w->db);
		if (classify(w, FAULT_UNKNOWN) != FAULT_ROBOT)
			log_msg(LOG_WARNING, "%s: cannot count the attempt: %.200s", id, error);
		g_free(error);
		return -1;
	}
	if (before >= MAX_CRASHES)
		return quarantine(w, id, "the robot died while processing it, again and again");
	if (spool_load(w->spool, SPOOL_NEW, id, &env, &data, &len) < 0) {
		envelope_clear(&env);
		if (failed(w, id, FAULT_MESSAGE) == FAULT_ROBOT)
			return -1;
		return count_failure(w, id, before, FAULT_MESSAGE, "unreadable spool file");
	}
	hash = message_hash(&env, data, len);
	if (commit_message(w, id, hash, &env, data, len, &error) < 0) {
		enum fault_class c = failed(w, id, FAULT_UNKNOWN);

		if (c != FAULT_ROBOT)
			rc = count_failure(w, id, before, c, error);
	} else if ((rc = spool_move(w->spool, id, SPOOL_NEW, SPOOL_CUR)) < 0) {
		error = g_strdup(g_strerror(errno));
		if (failed(w, id, FAULT_UNKNOWN) != FAULT_ROBOT)
			log_msg(LOG_ERR, "%s: processed, but cannot move to cur: %s", id, error);
	}
	envelope_clear(&env);
	g_free(data);
	g_free(hash);
	g_free(error);
	return rc;
}

int worker_ready(struct worker *w)
{
	return probe_ready(w->fault, w->cfg, w->spool, w->crypto, &w->db);
}

/* Oldest first, but the messages that failed or were being processed when
 * the robot died come after the others: one bad message never holds up
 * the queue, and a robot killed from outside spreads its interruptions. */
int worker_drain(struct worker *w)
{
	GPtrArray *ids;
	GHashTable *later;
	int n = 0, swept;

	if (!worker_ready(w))
		return 0;
	ids = spool_list(w->spool, SPOOL_NEW);
	later = messages_troubled(w->db);
	swept = spool_sweep_tmp(w->spool);
	if (swept > 0)
		log_msg(LOG_INFO, "spool: removed %d unfinished files of dead writers from tmp/",
			swept);
	for (int pass = 0; pass < 2; pass++)
		for (guint i = 0; i < ids->len && !fault_on(w->fault); i++)
			if (g_hash_table_contains(later, ids->pdata[i]) == pass &&
			    worker_process(w, ids->pdata[i]) == 0)
				n++;
	g_hash_table_unref(later);
	g_ptr_array_unref(ids);
	return n;
}

int worker_timers(struct worker *w)
{
	char *failure = NULL;
	int n;

	if (!worker_ready(w))
		return 0;
	n = timers_run(w->db, w->cfg, w->tpl, w->crypto, &failure);
	if (failure && classify(w, FAULT_UNKNOWN) != FAULT_ROBOT)
		log_msg(LOG_ERR, "timers: %.200s", failure);
	g_free(failure);
	return n;
}

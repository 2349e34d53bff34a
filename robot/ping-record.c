/* ping-record.c - writes what came back for a ping: a ping_events row per
 * message, and on the pings row the first delivery, delay, bounce (with
 * its status, diagnostic and hard/soft), automatic reply, read receipt and
 * answer by a person (its arrival, the seconds since the ping was handed
 * to the relay, its From and whether that is one of the POC's addresses).
 * A verification ping's first answer makes its POC active, audited.
 * Input: ctx->ping from filters/ping-match.c (From and the diagnostic are
 * untrusted: bound and stored as text, never in SQL). Runs inside the
 * worker's transaction; returns -1 on a database error so the message is
 * retried and nothing half-done stays. */
#include <string.h>
#include "ping-record.h"
#include "audit.h"
#include "db.h"
#include "envelope.h"
#include "pocs.h"

/* Runs sql with its parameters bound by bind: for a query, 1 when it
 * has a row, 0 when not; for a change, the rows changed. -1 on error. */
static int run(sqlite3 *db, const char *sql, void (*bind)(sqlite3_stmt *, const void *), const void *data)
{
	sqlite3_stmt *st;
	int rc, query;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	query = sqlite3_stmt_readonly(st);
	bind(st, data);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return -1;
	return query ? 0 : sqlite3_changes(db);
}

struct rec {
	const struct filter_ctx *ctx;
	const struct ping_match *p;
	gint64 message;		/* messages.id */
	const char *message_id;	/* of the message come back, or NULL */
	int own;		/* an answer from one of the POC's addresses */
	char *detail;
};

static void bind_seen(sqlite3_stmt *st, const void *data)
{
	const struct rec *r = data;

	sqlite3_bind_int64(st, 1, r->p->ping);
	sqlite3_bind_int64(st, 2, r->message);
	sqlite3_bind_text(st, 3, r->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ping_what_name(r->p->what), -1, SQLITE_STATIC);
}

/* 1 when this message was recorded for this ping already: the same row,
 * or the same Message-ID with the same news by another envelope. */
static int seen_before(sqlite3 *db, const struct rec *r)
{
	return run(db, "SELECT 1 FROM ping_events e LEFT JOIN messages m ON m.id = e.message"
		   " WHERE e.ping = ?1 AND (e.message = ?2 OR (?3 IS NOT NULL AND m.message_id = ?3 AND e.what = ?4))"
		   " LIMIT 1", bind_seen, r);
}

static void bind_event(sqlite3_stmt *st, const void *data)
{
	const struct rec *r = data;

	sqlite3_bind_int64(st, 1, r->p->ping);
	sqlite3_bind_int64(st, 2, r->message);
	sqlite3_bind_int64(st, 3, r->ctx->now);
	sqlite3_bind_text(st, 4, ping_what_name(r->p->what), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->p->matched_by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->detail, -1, SQLITE_STATIC);
}

static void bind_first(sqlite3_stmt *st, const void *data)
{
	const struct rec *r = data;
	const struct ping_match *p = r->p;

	sqlite3_bind_int64(st, 1, r->ctx->now);
	sqlite3_bind_int64(st, 2, p->ping);
	if (p->what == PING_BOUNCED) {
		sqlite3_bind_text(st, 3, p->status, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, p->diagnostic, -1, SQLITE_STATIC);
		if (p->hard >= 0)
			sqlite3_bind_int(st, 5, p->hard);
	}
	if (p->what == PING_ANSWER) {
		sqlite3_bind_text(st, 3, p->from, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, r->own);
	}
}

/* The ping's column for this news, set only when it is the first. */
static const char *const first_sql[] = {
	[PING_DELIVERED] = "UPDATE pings SET delivered = ?1 WHERE id = ?2 AND delivered IS NULL",
	[PING_DELAYED] = "UPDATE pings SET delayed = ?1 WHERE id = ?2 AND delayed IS NULL",
	[PING_BOUNCED] = "UPDATE pings SET bounced = ?1, bounce_status = ?3, bounce_diagnostic = ?4,"
			 " bounce_hard = ?5 WHERE id = ?2 AND bounced IS NULL",
	[PING_AUTOREPLY] = "UPDATE pings SET autoreplied = ?1 WHERE id = ?2 AND autoreplied IS NULL",
	[PING_RECEIPT] = "UPDATE pings SET receipt = ?1 WHERE id = ?2 AND receipt IS NULL",
	/* handed to the relay: the ping's own outbox row's done, else queued */
	[PING_ANSWER] = "UPDATE pings SET answered = ?1, answer_from = ?3, answer_own = ?4,"
			" answer_seconds = MAX(0, ?1 - COALESCE((SELECT o.done FROM outbox o"
			" WHERE o.token = pings.token AND o.state = 'sent'), pings.queued))"
			" WHERE id = ?2 AND answered IS NULL",
};

static void bind_ping(sqlite3_stmt *st, const void *data)
{
	sqlite3_bind_int64(st, 1, ((const struct rec *)data)->p->ping);
}

/* addr to compare: its domain in A-labels when it has one, case aside. */
static char *address_key(const char *addr)
{
	char *ascii = envelope_address_ascii(addr), *key = g_ascii_strdown(ascii ? ascii : addr, -1);

	g_free(ascii);
	return key;
}

/* Whether from is the address pinged or one the POC has now, the same
 * whether its domain is written in Unicode or as "xn--" A-labels. 1, 0
 * or -1. */
static int answer_own(sqlite3 *db, const struct rec *r, const char *from)
{
	char *want = from ? address_key(from) : NULL;
	sqlite3_stmt *st;
	int rc = SQLITE_DONE, own = 0;

	if (!want)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT address FROM pings WHERE id = ?1 UNION ALL SELECT e.address"
			       " FROM poc_emails e JOIN pings p ON e.poc = p.poc WHERE p.id = ?1", -1, &st, NULL)
	    != SQLITE_OK) {
		g_free(want);
		return -1;
	}
	bind_ping(st, r);
	while (!own && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *key = address_key((const char *)sqlite3_column_text(st, 0));

		own = strcmp(key, want) == 0;
		g_free(key);
	}
	sqlite3_finalize(st);
	g_free(want);
	return own ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The POC of a verification ping, when its answer verifies it: the ping is
 * its latest verification ping, the address pinged is still one of its,
 * and it is pending or unverified. Fills poc, state and was; 1, 0 or -1. */
static int verifiable(sqlite3 *db, const struct rec *r, char *poc, char *state, char *was)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT c.id, c.state, c.status FROM pings p JOIN pocs c ON c.id = p.poc"
			       " WHERE p.id = ?1 AND p.purpose = 'verification'"
			       " AND c.status IN ('pending', 'unverified')"
			       " AND NOT EXISTS (SELECT 1 FROM pings n WHERE n.poc = p.poc"
			       " AND n.purpose = 'verification' AND n.id > p.id)"
			       " AND EXISTS (SELECT 1 FROM poc_emails e WHERE e.poc = p.poc"
			       " AND e.address = p.address COLLATE NOCASE)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_ping(st, r);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		g_strlcpy(poc, (const char *)sqlite3_column_text(st, 0), POCS_ID_LEN);
		g_strlcpy(state, (const char *)sqlite3_column_text(st, 1), 3);
		g_strlcpy(was, (const char *)sqlite3_column_text(st, 2), 16);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The POC answered its verification ping: active, version + 1, audited. */
static int verify_poc(sqlite3 *db, const struct rec *r, const char *hash)
{
	char poc[POCS_ID_LEN], state[3], was[16], now[24];
	const char *params[] = { now, poc };
	GString *detail;
	int rc = verifiable(db, r, poc, state, was);

	if (rc <= 0)
		return rc;
	g_snprintf(now, sizeof now, "%" G_GINT64_FORMAT, r->ctx->now);
	if (db_exec(db, "UPDATE pocs SET status = 'active', version = version + 1, updated = ? WHERE id = ?",
		    2, params) < 0)
		return -1;
	detail = g_string_new("{\"message\": ");
	pocs_json_string(detail, hash);
	g_string_append(detail, ", \"poc\": ");
	pocs_json_string(detail, poc);
	g_string_append_printf(detail, ", \"ping\": %" G_GINT64_FORMAT ", \"before\": ", r->p->ping);
	pocs_json_string(detail, was);
	g_string_append(detail, ", \"after\": \"active\", \"from\": ");
	pocs_json_string(detail, r->p->from);
	g_string_append(detail, "}");
	rc = audit_append(db, r->ctx->now, "ping", state, "poc-verified", detail->str);
	g_string_free(detail, TRUE);
	return rc;
}

/* What the event's detail says: a bounce's status and reason, else From. */
static char *event_detail(const struct ping_match *p)
{
	if (p->what == PING_BOUNCED || p->what == PING_DELAYED || p->what == PING_DELIVERED)
		return g_strdup_printf("%s%s%s", p->status ? p->status : "", p->status && p->diagnostic ? " " : "",
				       p->diagnostic ? p->diagnostic : "");	/* both bounded by the filter */
	return p->from ? g_strdup_printf("from %s", p->from) : NULL;	/* an addr-spec, bounded by the adapter */
}

int ping_record(sqlite3 *db, const struct filter_ctx *ctx, const char *hash, gint64 message)
{
	struct rec r = { .ctx = ctx, .p = ctx->ping, .message = message };
	char *message_id = mail_message_id(ctx->mail);
	int rc = -1, first;

	r.message_id = message_id;
	rc = seen_before(db, &r);
	if (rc != 0)
		goto out;	/* 1: recorded before, nothing to do; -1: error */
	r.detail = event_detail(r.p);
	rc = -1;
	if (r.p->what == PING_ANSWER && (r.own = answer_own(db, &r, r.p->from)) < 0)
		goto out;
	if (run(db, "INSERT INTO ping_events (ping, message, at, what, matched_by, detail)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)", bind_event, &r) < 0)
		goto out;
	first = run(db, first_sql[r.p->what], bind_first, &r);
	if (first < 0)
		goto out;
	rc = first == 1 && r.p->what == PING_ANSWER ? verify_poc(db, &r, hash) : 0;
out:
	if (rc > 0)
		rc = 0;
	g_free(r.detail);
	g_free(message_id);
	return rc;
}

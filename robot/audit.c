/* audit.c - the audit trail: appends hash-chained events in the caller's
 * transaction (hash version 2: over the detail's SHA-256), replaces the
 * details of a withdrawn POC's version-2 events with the redaction mark,
 * gives the chain's head, and walks the chain (versions 1 and 2, redacted
 * details counted) to find the first event that was edited, removed or
 * inserted behind the robot's back. Input: the event texts
 * (bounded by the callers) and, when verifying, whatever the database file
 * holds, trusted in nothing. Returns -1 on failure (audit_verify says which
 * event is at fault). SQL parameters are bound, never formatted. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "audit.h"
#include "log.h"
#include "db.h"

#define HASH_DOMAIN "pocbot-audit-1"	/* version 1: chained over the detail */
#define HASH_DOMAIN_2 "pocbot-audit-2"	/* version 2: over the detail's SHA-256 */
#define REDACTED_LEN 26			/* {"redacted": "YYYY-MM-DD"} */

/* One field into the hash: "N" for NULL, else "T<length>:<bytes>". */
static void feed_text(GChecksum *ck, const char *s)
{
	char len[32];

	if (!s) {
		g_checksum_update(ck, (const guchar *)"N", 1);
		return;
	}
	snprintf(len, sizeof len, "T%zu:", strlen(s));
	g_checksum_update(ck, (const guchar *)len, -1);
	g_checksum_update(ck, (const guchar *)s, strlen(s));
}

static void feed_int(GChecksum *ck, gint64 v)
{
	char num[32];

	snprintf(num, sizeof num, "%" PRId64, (int64_t)v);
	feed_text(ck, num);
}

/* The hash of event e chained onto prev: version 1 over its detail,
 * version 2 over detail_hash (the detail's SHA-256, NULL for none). */
static void event_hash(const char *prev, const struct audit_event *e, int version,
		       const char *detail_hash, char out[AUDIT_HASH_LEN])
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);

	feed_text(ck, version == 1 ? HASH_DOMAIN : HASH_DOMAIN_2);
	feed_text(ck, prev);
	feed_int(ck, e->id);
	feed_int(ck, e->at);
	feed_text(ck, e->actor);
	feed_text(ck, e->state);
	feed_text(ck, e->action);
	feed_text(ck, version == 1 ? e->detail : detail_hash);
	g_strlcpy(out, g_checksum_get_string(ck), AUDIT_HASH_LEN);
	g_checksum_free(ck);
}

/* The SHA-256 (hex) of detail into out; "" for NULL. */
static void detail_sha256(const char *detail, char out[AUDIT_HASH_LEN])
{
	char *hex = detail ? g_compute_checksum_for_string(G_CHECKSUM_SHA256, detail, -1) : NULL;

	g_strlcpy(out, hex ? hex : "", AUDIT_HASH_LEN);
	g_free(hex);
}

/* Is detail the redaction mark {"redacted": "YYYY-MM-DD"}? */
static gboolean is_redacted(const char *detail)
{
	static const char pattern[] = "{\"redacted\": \"0000-00-00\"}";

	G_STATIC_ASSERT(sizeof pattern == REDACTED_LEN + 1);
	if (!detail || strlen(detail) != REDACTED_LEN)
		return FALSE;
	for (int i = 0; i < REDACTED_LEN; i++)
		if (pattern[i] == '0' ? !g_ascii_isdigit(detail[i]) : detail[i] != pattern[i])
			return FALSE;
	return TRUE;
}

/* The highest id ever given to an event (AUTOINCREMENT), 0 when none. -1 on error. */
static gint64 last_issued_id(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	gint64 seq = -1;
	int step;

	if (!(st = db_query(db, "SELECT coalesce((SELECT seq FROM sqlite_sequence"
				" WHERE name = 'events'), 0)", NULL)))
		return -1;
	if ((step = sqlite3_step(st)) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	db_done(st);
	return seq;
}

/* The last event's id and hash: 0 and AUDIT_GENESIS when there is none. 0 or -1. */
static int chain_head(sqlite3 *db, gint64 *id, char hash[AUDIT_HASH_LEN])
{
	sqlite3_stmt *st = NULL;
	int step;

	*id = 0;
	g_strlcpy(hash, AUDIT_GENESIS, AUDIT_HASH_LEN);
	if (!(st = db_query(db, "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1", NULL)))
		return -1;
	if ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);

		*id = sqlite3_column_int64(st, 0);
		g_strlcpy(hash, h ? h : "", AUDIT_HASH_LEN);
	}
	db_done(st);
	return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
}

static int insert_event(sqlite3 *db, const struct audit_event *e, const char *prev,
			const char *hash, const char *detail_hash)
{
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	if ((st = db_query(db,
			   "INSERT INTO events (id, at, actor, state, action, detail, prev_hash,"
			   " hash, hash_version, detail_hash)"
			   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 2, ?9)",
			   NULL))) {
		sqlite3_bind_int64(st, 1, e->id);
		sqlite3_bind_int64(st, 2, e->at);
		sqlite3_bind_text(st, 3, e->actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, e->state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, e->action, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, e->detail, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, prev, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, e->detail ? detail_hash : NULL, -1, SQLITE_STATIC);
		step = sqlite3_step(st);
	}
	db_done(st);
	return step == SQLITE_DONE ? 0 : -1;
}

int audit_append(sqlite3 *db, gint64 at, const char *actor, const char *state, const char *action,
		 const char *detail)
{
	struct audit_event e = { 0, at, actor, state && *state ? state : NULL, action, detail };
	char prev[AUDIT_HASH_LEN], hash[AUDIT_HASH_LEN], dhash[AUDIT_HASH_LEN];
	gint64 last, issued;

	if (sqlite3_get_autocommit(db)) {
		log_msg(LOG_ERR, "audit_append outside a transaction: event %s not written",
			action);
		return -1;
	}
	if (!actor || !action || chain_head(db, &last, prev) < 0 ||
	    (issued = last_issued_id(db)) < 0)
		return -1;
	e.id = MAX(last, issued) + 1;	/* never reuse the id of a removed event */
	detail_sha256(detail, dhash);
	event_hash(prev, &e, 2, detail ? dhash : NULL, hash);
	return insert_event(db, &e, prev, hash, dhash);
}

/* The event of the current row of st (borrowed from st). */
static void row_event(sqlite3_stmt *st, struct audit_event *e)
{
	e->id = sqlite3_column_int64(st, 0);
	e->at = sqlite3_column_int64(st, 1);
	e->actor = (const char *)sqlite3_column_text(st, 2);
	e->state = (const char *)sqlite3_column_text(st, 3);
	e->action = (const char *)sqlite3_column_text(st, 4);
	e->detail = (const char *)sqlite3_column_text(st, 5);
}

/* Where the walk is: the event before (id, hash), whether a version-2
 * event was seen, how many details were redacted. */
struct walk {
	gint64 prev_id, redacted;
	char prev_hash[AUDIT_HASH_LEN];
	gboolean v2;
};

/* The detail's part of a version-2 row: NULL when the detail matches its
 * detail_hash or is the redaction mark (counted), else why. */
static char *check_detail(const struct audit_event *e, const char *detail_hash,
			  struct walk *w)
{
	char have[AUDIT_HASH_LEN];

	detail_sha256(e->detail, have);
	if (e->detail && detail_hash && strcmp(have, detail_hash) == 0)
		return NULL;
	if (!e->detail && !detail_hash)
		return NULL;
	if (detail_hash && is_redacted(e->detail)) {
		w->redacted++;
		return NULL;
	}
	return g_strdup_printf("event %" PRId64 " was changed: its detail does not match its hash",
			       (int64_t)e->id);
}

/* The row's hash version: 1 or 2 (a 1 after a 2 is refused), else why. */
static char *check_version(const struct audit_event *e, int version, struct walk *w)
{
	if (version != 1 && version != 2)
		return g_strdup_printf("event %" PRId64 " has an unknown hash version %d",
				       (int64_t)e->id, version);
	if (version == 1 && w->v2)
		return g_strdup_printf("event %" PRId64 " has hash version 1 after version 2",
				       (int64_t)e->id);
	w->v2 = version == 2;
	return NULL;
}

/* Checks one row against the event before it (w). NULL when it matches,
 * else why (g_free it). */
static char *check_row(sqlite3_stmt *st, struct walk *w)
{
	const char *row_prev = (const char *)sqlite3_column_text(st, 6);
	const char *row_hash = (const char *)sqlite3_column_text(st, 7);
	int version = sqlite3_column_int(st, 8);
	const char *detail_hash = (const char *)sqlite3_column_text(st, 9);
	const char *prev_hash = w->prev_hash;
	gint64 prev_id = w->prev_id;
	char want[AUDIT_HASH_LEN], *why;
	struct audit_event e;

	row_event(st, &e);
	if (e.id <= prev_id)
		return g_strdup_printf("event %" PRId64
				       " was inserted: the robot never gives that id",
				       (int64_t)e.id);
	if (e.id != prev_id + 1 && prev_id == 0)
		return g_strdup_printf("event %" PRId64
				       " is the first: the events before it were removed",
				       (int64_t)e.id);
	if (e.id != prev_id + 1)
		return g_strdup_printf("event %" PRId64 " comes after event %" PRId64
				       ": the events between were removed",
				       (int64_t)e.id, (int64_t)prev_id);
	if (!row_prev || strcmp(row_prev, prev_hash) != 0)
		return g_strdup_printf("event %" PRId64
				       " does not chain to the event before it: an event "
				       "was removed, replaced or inserted",
				       (int64_t)e.id);
	if ((why = check_version(&e, version, w)) ||
	    (version == 2 && (why = check_detail(&e, detail_hash, w))))
		return why;
	event_hash(prev_hash, &e, version, detail_hash, want);
	if (!row_hash || strcmp(row_hash, want) != 0)
		return g_strdup_printf("event %" PRId64
				       " was changed: its hash does not match its content",
				       (int64_t)e.id);
	return NULL;
}

/* Walks the rows; the number of events, or -1 with *bad_id and *err. */
static gint64 walk_chain(sqlite3 *db, sqlite3_stmt *st, struct walk *w, gint64 *bad_id,
			 char **err)
{
	gint64 n = 0, prev_id, issued;
	int step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((*err = check_row(st, w))) {
			*bad_id = sqlite3_column_int64(st, 0);
			return -1;
		}
		w->prev_id = sqlite3_column_int64(st, 0);
		g_strlcpy(w->prev_hash, (const char *)sqlite3_column_text(st, 7),
			  sizeof w->prev_hash);
		n++;
	}
	prev_id = w->prev_id;
	if (step != SQLITE_DONE || (issued = last_issued_id(db)) < 0) {
		*err = g_strdup_printf("reading the events: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (issued > prev_id) {
		*bad_id = prev_id + 1;
		*err = g_strdup_printf("events %" PRId64 " to %" PRId64
				       " were removed from the end of the trail",
				       (int64_t)prev_id + 1, (int64_t)issued);
		return -1;
	}
	return n;
}

gint64 audit_verify_counted(sqlite3 *db, gint64 *redacted, gint64 *bad_id, char **err)
{
	struct walk w = { 0, 0, AUDIT_GENESIS, FALSE };
	sqlite3_stmt *st = NULL;
	gint64 n;

	*bad_id = 0;
	*err = NULL;
	*redacted = 0;
	if (!(st = db_query(db, "SELECT id, at, actor, state, action, detail, prev_hash, hash,"
			       " hash_version, detail_hash FROM events ORDER BY id", NULL))) {
		*err = g_strdup_printf("reading the events: %s", sqlite3_errmsg(db));
		return -1;
	}
	n = walk_chain(db, st, &w, bad_id, err);
	db_done(st);
	*redacted = w.redacted;
	return n;
}

gint64 audit_verify(sqlite3 *db, gint64 *bad_id, char **err)
{
	gint64 redacted;

	return audit_verify_counted(db, &redacted, bad_id, err);
}

int audit_head(sqlite3 *db, gint64 *count, char hash[AUDIT_HASH_LEN])
{
	/* ids run from 1 without a gap (audit_verify): the last is the count */
	return chain_head(db, count, hash);
}

int audit_redact_poc(sqlite3 *db, const char *poc, const char *date)
{
	char *mark = g_strdup_printf("{\"redacted\": \"%.10s\"}", date);
	int rc = db_run(db,
			"UPDATE events SET detail = ?2 WHERE hash_version = 2"
			" AND detail_hash IS NOT NULL AND detail NOT GLOB '{\"redacted\": *'"
			" AND CASE WHEN json_valid(detail) THEN json_extract(detail, '$.poc') = ?1"
			"  OR json_extract(detail, '$.before.id') = ?1"
			"  OR json_extract(detail, '$.after.id') = ?1 ELSE 0 END",
			"tt", poc, mark);

	g_free(mark);
	return rc < 0 ? -1 : sqlite3_changes(db);
}

int audit_foreach(sqlite3 *db, const char *state,
		  void (*fn)(const struct audit_event *e, void *data), void *data)
{
	sqlite3_stmt *st = NULL;
	struct audit_event e;
	int step = SQLITE_ERROR;

	if ((st = db_query(db, "SELECT id, at, actor, state, action, detail FROM events"
			       " WHERE ?1 IS NULL OR state = ?1 ORDER BY id", NULL))) {
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			row_event(st, &e);
			fn(&e, data);
		}
	}
	db_done(st);
	return step == SQLITE_DONE ? 0 : -1;
}

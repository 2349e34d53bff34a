/* messages.c - the messages and spool_failures tables (messages.h): the
 * only SQL that touches them. Bound parameters only; 0/-1 or counts. */
#include <string.h>
#include "messages.h"
#include "db.h"

gint64 messages_insert(sqlite3 *db, const struct message_row *m)
{
	if (db_run(db, "INSERT INTO messages (hash, spool_id, message_id, sender, recipients,"
		   " received, kind, outcome, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		   "tttttittt", m->hash, m->spool_id, m->message_id, m->sender, m->recipients,
		   m->received, m->kind, m->outcome, m->reason) < 0)
		return -1;
	return sqlite3_last_insert_rowid(db);
}

int messages_set_outcome(sqlite3 *db, const char *hash, const char *outcome)
{
	return db_run(db, "UPDATE messages SET outcome = ?1 WHERE hash = ?2", "tt", outcome, hash);
}

int messages_seen(sqlite3 *db, const char *hash)
{
	gint64 one;

	return db_int64(db, &one, "SELECT 1 FROM messages WHERE hash = ?1", "t", hash);
}

int messages_count_attempt(sqlite3 *db, const char *id, gint64 now, gboolean again)
{
	gint64 before = -1;
	int rc = db_int64(
		db, &before,
		"INSERT INTO spool_failures (spool_id, attempts, updated)"
		" VALUES (?1, 1, ?2) ON CONFLICT (spool_id) DO UPDATE SET"
		" attempts = attempts + ?3, updated = excluded.updated RETURNING attempts - 1",
		"tii", id, now, (gint64)(again ? 0 : 1));

	return rc == 1 ? (int)before : -1;
}

int messages_note_failure(sqlite3 *db, const char *id, const char *error, gint64 now)
{
	return db_run(
		db, "UPDATE spool_failures SET last_error = ?1, updated = ?2 WHERE spool_id = ?3",
		"tit", error, now, id);
}

int messages_failures(sqlite3 *db, const char *id, gint64 *attempts, gint64 *updated, char **error)
{
	sqlite3_stmt *st = db_query(db, "SELECT attempts, updated, last_error FROM spool_failures"
				    " WHERE spool_id = ?1", "t", id);
	int rc;

	if (error)
		*error = NULL;
	if (!st)
		return -1;
	rc = db_step(st);
	if (rc == 1) {
		if (attempts)
			*attempts = sqlite3_column_int64(st, 0);
		if (updated)
			*updated = sqlite3_column_int64(st, 1);
		if (error && sqlite3_column_type(st, 2) != SQLITE_NULL)
			*error = g_strdup((const char *)sqlite3_column_text(st, 2));
	}
	db_done(st);
	return rc;
}

int messages_forget_failures(sqlite3 *db, const char *id)
{
	return db_run(db, "DELETE FROM spool_failures WHERE spool_id = ?1", "t", id);
}

GHashTable *messages_troubled(sqlite3 *db)
{
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sqlite3_stmt *st = db_query(db, "SELECT spool_id FROM spool_failures", NULL);

	while (st && db_step(st) == 1)
		g_hash_table_add(set, g_strdup((const char *)sqlite3_column_text(st, 0)));
	db_done(st);
	return set;
}

int messages_last_received(sqlite3 *db, gint64 *at)
{
	return db_int64(db, at, "SELECT coalesce(max(received), 0) FROM messages", NULL) < 0
	       ? -1 : 0;
}

/* A message row the retention may remove: received before ?1, and not the
 * evidence of a ping still running (an open round's, or unfinished). */
#define PRUNABLE                                                                                \
	"received < ?1 AND id NOT IN (SELECT e.message FROM ping_events e"                      \
	" JOIN pings p ON p.id = e.ping LEFT JOIN ping_rounds r ON r.id = p.round"              \
	" WHERE e.message IS NOT NULL AND (p.finished IS NULL OR r.closed IS NULL"              \
	" AND p.round IS NOT NULL))"

GPtrArray *messages_prunable(sqlite3 *db, gint64 before, int limit)
{
	sqlite3_stmt *st = db_query(db, "SELECT spool_id FROM messages WHERE " PRUNABLE
				    " ORDER BY id LIMIT ?2", "ii", before, (gint64)limit);

	return st ? db_texts(st) : NULL;
}

int messages_prune(sqlite3 *db, gint64 before, int limit)
{
	/* the rows that name the pruned keep their own retention: the link goes */
	static const char *const steps[] = {
		"UPDATE outbox SET message = NULL WHERE message IN temp.pruned",
		"UPDATE ping_events SET message = NULL WHERE message IN temp.pruned",
		"DELETE FROM messages WHERE id IN temp.pruned",
	};

	if (db_run(db, "CREATE TEMP TABLE IF NOT EXISTS pruned (id INTEGER PRIMARY KEY)",
		   NULL) < 0)
		return -1;
	if (db_run(db, "DELETE FROM temp.pruned", NULL) < 0)
		return -1;
	if (db_run(db, "INSERT INTO temp.pruned SELECT id FROM messages WHERE " PRUNABLE
		   " ORDER BY id LIMIT ?2", "ii", before, (gint64)limit) < 0)
		return -1;
	for (size_t i = 0; i < G_N_ELEMENTS(steps); i++)
		if (db_run(db, steps[i], NULL) < 0)
			return -1;
	return sqlite3_changes(db);
}

int messages_retention_last(sqlite3 *db, gint64 *last)
{
	return db_int64(db, last, "SELECT last FROM timer_runs WHERE name = 'retention'", NULL);
}

int messages_retention_mark(sqlite3 *db, gint64 now)
{
	return db_run(db, "INSERT OR REPLACE INTO timer_runs (name, last)"
		      " VALUES ('retention', ?1)", "i", now);
}

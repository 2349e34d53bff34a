/* messages.h - the store of messages the robot processed (the messages
 * table: one row per envelope and content, the key that makes processing
 * idempotent) and of spool entries whose processing failed or was
 * interrupted (spool_failures: the attempt counts behind quarantine). */
#ifndef POCBOT_MESSAGES_H
#define POCBOT_MESSAGES_H

#include <glib.h>
#include <sqlite3.h>

/* What a message's row holds when it is inserted. */
struct message_row {
	const char *hash;	/* SHA-256 of envelope and content */
	const char *spool_id;
	const char *message_id;	/* or NULL */
	const char *sender;
	const char *recipients;
	gint64 received;
	const char *kind;	/* filter_kind_name */
	const char *outcome;
	const char *reason;	/* or NULL */
};

/* Inserts the row: its id, or -1. */
gint64 messages_insert(sqlite3 *db, const struct message_row *m);

/* Sets the outcome of the message hash. 0 or -1. */
int messages_set_outcome(sqlite3 *db, const char *hash, const char *outcome);

/* 1 when hash was processed already, 0 when not, -1 on error. */
int messages_seen(sqlite3 *db, const char *hash);

/* Counts one more attempt at spool entry id at time now: the attempts made
 * before this one, or -1. again: the attempt counted last was taken by a
 * robot fault (worker.c), and this one takes its place (not counted). */
int messages_count_attempt(sqlite3 *db, const char *id, gint64 now, gboolean again);

/* Records why the latest attempt at id failed. 0 or -1. */
int messages_note_failure(sqlite3 *db, const char *id, const char *error, gint64 now);

/* The failures on record for id: 1 with *attempts, *updated and *error
 * (g_free it; NULL when only interrupted attempts are recorded), 0 when
 * none, -1 on error. Any out pointer may be NULL. */
int messages_failures(sqlite3 *db, const char *id, gint64 *attempts, gint64 *updated,
		      char **error);

/* Forgets the failures of id (processed, or put back by the custodian). 0 or -1. */
int messages_forget_failures(sqlite3 *db, const char *id);

/* The spool ids with a failure or an interrupted attempt on record, as a
 * set of owned strings (g_hash_table_unref it); empty on error. */
GHashTable *messages_troubled(sqlite3 *db);

/* When the last message was received (its row's time; 0 when none).
 * 0 or -1. */
int messages_last_received(sqlite3 *db, gint64 *at);

/* Retention ([retention] messages), in the caller's transaction: the rows
 * received before before, at most limit, oldest first, except those that
 * are the evidence of a ping still running (an open round's or an
 * unfinished one's). messages_prunable: their spool ids (owned strings,
 * g_ptr_array_unref; NULL on error), for the files of spool/cur.
 * messages_prune: the same rows removed, and the links to them from
 * outbox.message and ping_events.message cleared (those rows stay); the
 * number removed, or -1. */
GPtrArray *messages_prunable(sqlite3 *db, gint64 before, int limit);
int messages_prune(sqlite3 *db, gint64 before, int limit);

/* timer_runs 'retention': when the daily retention last ran. 1 with *last,
 * 0 never, -1 on error; and recording now. */
int messages_retention_last(sqlite3 *db, gint64 *last);
int messages_retention_mark(sqlite3 *db, gint64 now);

#endif

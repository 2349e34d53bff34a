/* audit.h - the audit trail: the events table, append-only and
 * hash-chained. Each event's hash is the SHA-256 of the previous event's
 * hash and the event's own fields (id, at, actor, state, action, detail),
 * each length-prefixed so that text cannot move from one field to the next.
 * The first event's previous hash is AUDIT_GENESIS.
 *
 * Hash versions (the events' hash_version, db/0012): version 1 (the events
 * written before it) hashes the detail itself; version 2 hashes the
 * SHA-256 of the detail, kept in detail_hash, so that the detail alone may
 * later be replaced by the redaction mark {"redacted": "YYYY-MM-DD"}
 * (audit_redact_poc) and the chain still verifies. */
#ifndef POCBOT_AUDIT_H
#define POCBOT_AUDIT_H

#include <glib.h>
#include <sqlite3.h>

#define AUDIT_HASH_LEN 65	/* 64 hex digits and the NUL */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Appends one event inside the caller's transaction (BEGIN IMMEDIATE, so
 * that no other writer can chain onto the same last event): outside a
 * transaction it refuses. state ("" is taken as NULL) and detail may be
 * NULL. The caller bounds untrusted text in detail. 0, or -1 (the caller
 * rolls back). */
int audit_append(sqlite3 *db, gint64 at, const char *actor, const char *state, const char *action,
		 const char *detail);

/* Walks the chain from the first event. Returns the number of events when
 * every one matches. Otherwise -1 with *err saying why (g_free it) and
 * *bad_id naming the first event that does not match: an edited event, the
 * event after a removed one, an inserted one, or the id after the last
 * event when the last ones were removed. *bad_id is 0 when the database
 * could not be read. */
gint64 audit_verify(sqlite3 *db, gint64 *bad_id, char **err);

/* audit_verify, and *redacted set to the number of version-2 details that
 * are the redaction mark. */
gint64 audit_verify_counted(sqlite3 *db, gint64 *redacted, gint64 *bad_id, char **err);

/* The chain's head: the number of events (the last one's id: ids run
 * from 1 without a gap) and the last one's hash (0 and AUDIT_GENESIS when
 * there is none), as the daily digest and a backup's manifest record it.
 * 0, or -1. */
int audit_head(sqlite3 *db, gint64 *count, char hash[AUDIT_HASH_LEN]);

/* Replaces with {"redacted": "DATE"} (date: YYYY-MM-DD) the detail of the
 * version-2 events about POC poc (the detail's "poc", "before"'s or
 * "after"'s "id"), in the caller's transaction. Version-1 events stay
 * whole. The number of events redacted, or -1. */
int audit_redact_poc(sqlite3 *db, const char *poc, const char *date);

struct audit_event {
	gint64 id, at;
	const char *actor, *state, *action, *detail;	/* borrowed; state and detail may be
							 * NULL */
};

/* Calls fn for each event, oldest first; only those of state when state is
 * not NULL. 0, or -1 when the database could not be read. */
int audit_foreach(sqlite3 *db, const char *state,
		  void (*fn)(const struct audit_event *e, void *data), void *data);

#endif

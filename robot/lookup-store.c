/* lookup-store.c - the record of lookups and extracts (db/0007-lookups.sql
 * and the audit trail): one row and one audit event per request answered,
 * the count of a State's extracts on the robot's day for [lookup]
 * extracts_per_day, and the access log of a State (the requests that
 * returned its POCs). Input: the requester's signer (from the signers
 * table) and the normalised criteria (lookup_query_summary: codes and
 * canonical words only, never text as mailed). Failure: -1 on a
 * database error (the caller rolls back). */
#include <string.h>
#include "clock.h"
#include "lookup-answer.h"
#include "audit.h"
#include "pocs.h"
#include "states.h"
#include "db.h"

int lookup_store_extracts_today(sqlite3 *db, const char *state, gint64 now)
{
	sqlite3_stmt *st = NULL;
	gint64 day = now - ((now % 86400) + 86400) % 86400;
	int n = -1;

	if ((st = db_query(db, "SELECT count(*) FROM lookups"
			       " WHERE state = ? AND verb = 'extract' AND at >= ? AND at < ?",
			   NULL))) {
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, day);
		sqlite3_bind_int64(st, 3, day + 86400);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
	}
	db_done(st);
	return n;
}

static int insert_states(sqlite3 *db, gint64 lookup, GHashTable *per_state)
{
	sqlite3_stmt *st = NULL;
	GHashTableIter i;
	gpointer k, v;
	int rc = 0;

	if (!per_state || !g_hash_table_size(per_state))
		return 0;
	if (!(st = db_query(db,
			    "INSERT INTO lookup_states (lookup, state, returned) VALUES (?, ?, ?)",
			    NULL)))
		return -1;
	g_hash_table_iter_init(&i, per_state);
	while (rc == 0 && g_hash_table_iter_next(&i, &k, &v)) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, lookup);
		sqlite3_bind_text(st, 2, k, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, GPOINTER_TO_UINT(v));
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	}
	db_done(st);
	return rc;
}

static gint64 insert_lookup(sqlite3 *db, const char *signer, const char *signer_state,
			    const char *role, const char *hash, gint64 now, enum lookup_verb verb,
			    const char *asked, guint returned)
{
	sqlite3_stmt *st = NULL;
	gint64 row = -1;

	if ((st = db_query(db, "INSERT INTO lookups"
			       " (at, message, signer, state, role, verb, asked, returned)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", NULL))) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, signer, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, signer_state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, role, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, lookup_verb_name(verb), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, asked, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, returned);
		if (sqlite3_step(st) == SQLITE_DONE)
			row = sqlite3_last_insert_rowid(db);
	}
	db_done(st);
	return row;
}

/* {"message": .., "asked": .., "returned": n, "states": {"FR": 2}} */
static char *detail_json(const char *hash, const char *asked, guint returned,
			 GHashTable *per_state)
{
	GString *s = g_string_new("{\"message\": ");
	GList *codes =
		per_state ? g_list_sort(g_hash_table_get_keys(per_state), (GCompareFunc)strcmp)
			  : NULL;

	pocs_json_string(s, hash);
	g_string_append(s, ", \"asked\": ");
	pocs_json_string(s, asked);
	g_string_append_printf(s, ", \"returned\": %u, \"states\": {", returned);
	for (GList *c = codes; c; c = c->next) {
		pocs_json_string(s, c->data);
		g_string_append_printf(s, ": %u%s",
				       GPOINTER_TO_UINT(g_hash_table_lookup(per_state, c->data)),
				       c->next ? ", " : "");
	}
	g_string_append(s, "}}");
	g_list_free(codes);
	return g_string_free(s, FALSE);
}

int lookup_store_record(sqlite3 *db, const char *signer, const char *signer_state,
			const char *role, const char *hash, gint64 now, enum lookup_verb verb,
			const char *asked, guint returned, GHashTable *per_state)
{
	gint64 row =
		insert_lookup(db, signer, signer_state, role, hash, now, verb, asked, returned);
	char *detail;
	int rc;

	if (row < 0 || insert_states(db, row, per_state) < 0)
		return -1;
	detail = detail_json(hash, asked, returned, per_state);
	rc = audit_append(db, now, signer, signer_state, lookup_verb_name(verb), detail);
	g_free(detail);
	return rc;
}

/* One line of the access log. */
static void log_line(const struct templates *tpl, const char *lang, sqlite3_stmt *st, GString *out)
{
	const struct states *ref = states_load(NULL);
	const char *text = (const char *)sqlite3_column_text(st, 1);
	const char *code = text && *text ? text : NULL;	/* "": a custodian of no State */
	const char *name = ref && code ? states_name(ref, code, lang) : NULL;
	char when[CLOCK_TEXT_LEN];
	char *role_key = g_strdup_printf("role-%s", (const char *)sqlite3_column_text(st, 2));
	char *verb_key = g_strdup_printf("log-%s", (const char *)sqlite3_column_text(st, 3));
	char *role = lookup_phrase(tpl, lang, role_key),
	     *verb = lookup_phrase(tpl, lang, verb_key);
	char *of = lookup_phrase(tpl, lang, "log-returned");
	const char *asked = (const char *)sqlite3_column_text(st, 4);

	g_string_append_printf(out, "%s  %s (%s, %s), %s%s%s%s: %d %s %d\n",
			       clock_text(sqlite3_column_int64(st, 0), CLOCK_ISO, "?", when),
			       name   ? name
			       : code ? code
				      : "-",
			       code ? code : "-", role, verb, asked && *asked ? " [" : "",
			       asked ? asked : "", asked && *asked ? "]" : "",
			       sqlite3_column_int(st, 5), of, sqlite3_column_int(st, 6));
	g_free(role_key);
	g_free(verb_key);
	g_free(role);
	g_free(verb);
	g_free(of);
}

int lookup_store_access_log(sqlite3 *db, const struct templates *tpl, const char *lang,
			    const char *state, GString *out, guint *count)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	*count = 0;
	if (!(st = db_query(db, "SELECT count(*) FROM lookup_states WHERE state = ?", NULL)))
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*count = (guint)sqlite3_column_int(st, 0);
	db_done(st);
	if (!(st = db_query(
		      db,
		      "SELECT l.at, l.state, l.role, l.verb, l.asked, s.returned, l.returned"
		      " FROM lookup_states s JOIN lookups l ON l.id = s.lookup WHERE s.state = ?"
		      " ORDER BY l.id DESC LIMIT ?",
		      NULL)))
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, LOOKUP_ACCESS_LOG_MAX);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		log_line(tpl, lang, st, out);
	if (step == SQLITE_DONE)
		rc = 0;
	db_done(st);
	return rc;
}

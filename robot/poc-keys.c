/* poc-keys.c - the store of the POCs' keys (table poc_keys). Input: keys
 * a form gave, already checked by the crypto adapter, bound as SQL
 * parameters. Returns -1 on a database error; the caller rolls back. */
#include "poc-keys.h"
#include "db.h"

#define COLUMNS "k.poc, k.address, k.protocol, k.fingerprint, k.data, coalesce(k.expires, 0)," \
		" k.added, coalesce(k.proven, 0)"

void poc_key_free(gpointer p)
{
	struct poc_key *k = p;

	if (!k)
		return;
	g_free(k->poc);
	g_free(k->address);
	g_free(k->protocol);
	g_free(k->fingerprint);
	g_free(k->data);
	g_free(k);
}

static char *text(sqlite3_stmt *st, int col)
{
	return g_strdup((const char *)sqlite3_column_text(st, col));
}

static struct poc_key *read_row(sqlite3_stmt *st)
{
	struct poc_key *k = g_new0(struct poc_key, 1);

	k->poc = text(st, 0);
	k->address = text(st, 1);
	k->protocol = text(st, 2);
	k->fingerprint = text(st, 3);
	k->data = text(st, 4);
	k->expires = sqlite3_column_int64(st, 5);
	k->added = sqlite3_column_int64(st, 6);
	k->proven = sqlite3_column_int64(st, 7);
	return k;
}

/* Every row of st (COLUMNS) as poc_key, or NULL on error. */
static GPtrArray *read_all(sqlite3_stmt *st)
{
	GPtrArray *out;
	int rc;

	if (!st)
		return NULL;
	out = g_ptr_array_new_with_free_func(poc_key_free);
	while ((rc = db_step(st)) == 1)
		g_ptr_array_add(out, read_row(st));
	db_done(st);
	if (rc < 0) {
		g_ptr_array_unref(out);
		return NULL;
	}
	return out;
}

int poc_keys_put(sqlite3 *db, const struct poc_key *k)
{
	return db_run(db, "INSERT INTO poc_keys (poc, address, protocol, fingerprint, expires,"
			  " data, added) VALUES (?1, ?2, ?3, ?4, nullif(?5, 0), ?6, ?7)"
			  " ON CONFLICT (poc, address) DO UPDATE SET protocol = excluded.protocol,"
			  " proven = CASE WHEN fingerprint = excluded.fingerprint THEN proven END,"
			  " fingerprint = excluded.fingerprint, expires = excluded.expires,"
			  " data = excluded.data, added = excluded.added",
		      "ttttiti", k->poc, k->address, k->protocol, k->fingerprint, k->expires,
		      k->data, k->added);
}

int poc_keys_remove(sqlite3 *db, const char *poc, const char *address)
{
	if (db_run(db, "DELETE FROM poc_keys WHERE poc = ?1 AND address = ?2 COLLATE NOCASE",
		   "tt", poc, address) < 0)
		return -1;
	return sqlite3_changes(db) > 0;
}

int poc_keys_prune(sqlite3 *db, const char *poc)
{
	if (db_run(db, "DELETE FROM poc_keys WHERE poc = ?1 AND NOT EXISTS (SELECT 1 FROM"
		       " poc_emails e WHERE e.poc = ?1 AND e.address = poc_keys.address"
		       " COLLATE NOCASE)", "t", poc) < 0)
		return -1;
	return sqlite3_changes(db);
}

int poc_keys_remove_all(sqlite3 *db, const char *poc)
{
	if (db_run(db, "DELETE FROM poc_keys WHERE poc = ?1", "t", poc) < 0)
		return -1;
	return sqlite3_changes(db);
}

int poc_keys_get(sqlite3 *db, const char *poc, const char *address, struct poc_key **out)
{
	sqlite3_stmt *st = db_query(db, "SELECT " COLUMNS " FROM poc_keys k WHERE k.poc = ?1"
					" AND k.address = ?2 COLLATE NOCASE", "tt", poc, address);
	int rc;

	if (!st)
		return -1;
	if ((rc = db_step(st)) == 1)
		*out = read_row(st);
	db_done(st);
	return rc;
}

GPtrArray *poc_keys_of(sqlite3 *db, const char *poc)
{
	return read_all(db_query(db, "SELECT " COLUMNS " FROM poc_keys k LEFT JOIN poc_emails e"
				     " ON e.poc = k.poc AND e.address = k.address COLLATE NOCASE"
				     " WHERE k.poc = ?1"
				     " ORDER BY coalesce(e.position, 1e9), k.address", "t", poc));
}

int poc_keys_mark_proven(sqlite3 *db, const char *poc, const char *address,
			 const char *fingerprint, gint64 when)
{
	if (db_run(db, "UPDATE poc_keys SET proven = ?4 WHERE poc = ?1 AND address = ?2"
		       " COLLATE NOCASE AND fingerprint = ?3", "ttti", poc, address, fingerprint,
		   when) < 0)
		return -1;
	return sqlite3_changes(db) > 0;
}

GPtrArray *poc_keys_expiring(sqlite3 *db, gint64 before)
{
	return read_all(db_query(db, "SELECT " COLUMNS " FROM poc_keys k JOIN pocs p"
				     " ON p.id = k.poc WHERE p.status <> 'withdrawn'"
				     " AND k.expires IS NOT NULL AND k.expires < ?1"
				     " ORDER BY k.expires, k.poc, k.address", "i", before));
}

int poc_keys_count(sqlite3 *db, gint64 before, gint64 *all, gint64 *expiring)
{
	sqlite3_stmt *st = db_query(db, "SELECT count(*), count(CASE WHEN k.expires < ?1 THEN 1"
					" END) FROM poc_keys k JOIN pocs p ON p.id = k.poc"
					" WHERE p.status <> 'withdrawn'", "i", before);
	int rc;

	if (!st)
		return -1;
	if ((rc = db_step(st)) == 1) {
		*all = sqlite3_column_int64(st, 0);
		*expiring = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	return rc == 1 ? 0 : -1;
}

/* The timer_runs name of a POC key's expiry warning. g_free it. */
static char *warning_name(const struct poc_key *k, int days)
{
	return g_strdup_printf("poc-key-expiry:%s:%s:%s:%" G_GINT64_FORMAT ":%d", k->poc,
			       k->address, k->fingerprint, k->expires, days);
}

int poc_keys_warned(sqlite3 *db, const struct poc_key *k, int days)
{
	char *name = warning_name(k, days);
	gint64 at;
	int rc = db_int64(db, &at, "SELECT last FROM timer_runs WHERE name = ?1", "t", name);

	g_free(name);
	return rc;
}

int poc_keys_mark_warned(sqlite3 *db, const struct poc_key *k, int days, gint64 now)
{
	char *name = warning_name(k, days);
	int rc = db_run(db, "INSERT OR REPLACE INTO timer_runs (name, last) VALUES (?1, ?2)",
			"ti", name, now);

	g_free(name);
	return rc;
}

int poc_keys_expiry_last(sqlite3 *db, gint64 *last)
{
	return db_int64(db, last, "SELECT last FROM timer_runs WHERE name = 'poc-key-expiry'",
			NULL);
}

int poc_keys_expiry_mark(sqlite3 *db, gint64 now)
{
	return db_run(db, "INSERT OR REPLACE INTO timer_runs (name, last)"
			  " VALUES ('poc-key-expiry', ?1)", "i", now);
}

/* rollovers.c - the store of the robot's key rollovers (table
 * key_rollovers). Input: fingerprints from the robot's own keyrings,
 * bound as SQL parameters. Returns -1 on a database error; the caller
 * rolls back. */
#include "rollovers.h"
#include "db.h"

#define COLUMNS "id, at, archive_after, coalesce(archived, 0), old_pgp, new_pgp, old_smime," \
		" new_smime"

int rollovers_record(sqlite3 *db, gint64 at, gint64 archive_after,
		     const struct crypto_rollover *r)
{
	return db_run(db, "INSERT INTO key_rollovers (at, old_pgp, new_pgp, old_smime, new_smime,"
			  " archive_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "itttti", at,
		      r->old_pgp, r->new_pgp, r->old_smime, r->new_smime, archive_after);
}

static void copy(char dst[CRYPTO_FPR_LEN], sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);

	g_strlcpy(dst, v ? v : "", CRYPTO_FPR_LEN);
}

/* One row of st (COLUMNS) into out: 1, 0 when none. */
static int read_one(sqlite3_stmt *st, struct rollover *out)
{
	int rc;

	if (!st)
		return -1;
	if ((rc = db_step(st)) == 1) {
		out->id = sqlite3_column_int64(st, 0);
		out->at = sqlite3_column_int64(st, 1);
		out->archive_after = sqlite3_column_int64(st, 2);
		out->archived = sqlite3_column_int64(st, 3);
		copy(out->keys.old_pgp, st, 4);
		copy(out->keys.new_pgp, st, 5);
		copy(out->keys.old_smime, st, 6);
		copy(out->keys.new_smime, st, 7);
	}
	db_done(st);
	return rc;
}

int rollovers_due(sqlite3 *db, gint64 now, struct rollover *out)
{
	return read_one(db_query(db, "SELECT " COLUMNS " FROM key_rollovers WHERE archived IS NULL"
				     " AND archive_after <= ?1 ORDER BY id LIMIT 1", "i", now),
			out);
}

int rollovers_last(sqlite3 *db, struct rollover *out)
{
	return read_one(db_query(db, "SELECT " COLUMNS " FROM key_rollovers ORDER BY id DESC"
				     " LIMIT 1", NULL), out);
}

int rollovers_mark_archived(sqlite3 *db, gint64 id, gint64 at)
{
	return db_run(db, "UPDATE key_rollovers SET archived = ?2 WHERE id = ?1", "ii", id, at);
}

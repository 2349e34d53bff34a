/* notice-hold.c - the store of notices held to be merged (notices_held):
 * holding one in its group, the groups due, removing one once queued.
 * Input: notices already rendered by notices.c (the directory's data and
 * bounded texts). Runs in the caller's transaction; -1 on a database
 * error. */
#include "notice-hold.h"
#include "db.h"

void notice_held_free(gpointer p)
{
	struct notice_held *h = p;

	g_free(h->kind);
	g_free(h->signer);
	g_free(h->state);
	g_free(h->rcpt);
	g_free(h->enc_key);
	g_free(h->purpose);
	g_free(h->seed);
	g_free(h->subject);
	g_free(h->body);
	g_free(h);
}

int notice_hold_add(sqlite3 *db, const struct notice_held *h, gint64 now, gint64 coalesce)
{
	gint64 due = now + coalesce;

	if (db_int64(db, &due, "SELECT min(due) FROM notices_held WHERE kind = ?1"
		     " AND signer = ?2 AND state = ?3 AND due > ?4", "ttti", h->kind, h->signer,
		     h->state, now) < 0)
		return -1;	/* no group not yet due: due stays now + coalesce */
	return db_run(db, "INSERT INTO notices_held (kind, signer, state, due, created, rcpt,"
		      " protocol, enc_key, purpose, seed, subject, body)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
		      "tttiitittttt", h->kind, h->signer, h->state, due, now, h->rcpt,
		      (gint64)h->protocol, h->enc_key, h->purpose, h->seed, h->subject, h->body);
}

static char *text(sqlite3_stmt *st, int i)
{
	return g_strdup((const char *)sqlite3_column_text(st, i));
}

GPtrArray *notice_hold_due(sqlite3 *db, gint64 now, int limit)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(notice_held_free);
	sqlite3_stmt *st = db_query(
		db,
		"SELECT h.id, h.kind, h.signer, h.state, h.rcpt, h.enc_key, h.purpose, h.seed,"
		" h.subject, h.body, h.protocol, h.due, h.created FROM notices_held h"
		" JOIN (SELECT DISTINCT kind, signer, state FROM notices_held WHERE due <= ?1"
		" ORDER BY due, kind, signer, state LIMIT ?2) g"
		" ON g.kind = h.kind AND g.signer = h.signer AND g.state = h.state"
		" WHERE h.due <= ?1 ORDER BY h.due, h.kind, h.signer, h.state, h.id",
		"ii", now, (gint64)limit);
	int rc = st ? 1 : -1;

	while (st && (rc = db_step(st)) == 1) {
		struct notice_held *h = g_new0(struct notice_held, 1);

		h->id = sqlite3_column_int64(st, 0);
		h->kind = text(st, 1);
		h->signer = text(st, 2);
		h->state = text(st, 3);
		h->rcpt = text(st, 4);
		h->enc_key = text(st, 5);
		h->purpose = text(st, 6);
		h->seed = text(st, 7);
		h->subject = text(st, 8);
		h->body = text(st, 9);
		h->protocol = (enum crypto_protocol)sqlite3_column_int(st, 10);
		h->due = sqlite3_column_int64(st, 11);
		h->created = sqlite3_column_int64(st, 12);
		g_ptr_array_add(out, h);
	}
	db_done(st);
	if (rc < 0) {
		g_ptr_array_unref(out);
		return NULL;
	}
	return out;
}

int notice_hold_remove(sqlite3 *db, gint64 id)
{
	return db_run(db, "DELETE FROM notices_held WHERE id = ?1", "i", id);
}

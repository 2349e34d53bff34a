/* signers.c - the store of enrolled signers and of seen signatures: add,
 * find, list, revoke, renew, the replay guard, and the record of the
 * key-expiry warnings sent (timer_runs rows). Input: fingerprints and replay
 * keys computed from mail (bound as SQL parameters, never formatted), and
 * the custodian's labels. Returns -1 on a database error; the caller rolls
 * back. */
#include <string.h>
#include "signers.h"
#include "db.h"

#define SIGNER_COLUMNS "id, protocol, fingerprint, enc_fingerprint, state, role, label, email," \
		       " added, revoked, revoke_reason, lang"

static const char *const role_names[] = { "authority", "reader", "custodian" };
G_STATIC_ASSERT(G_N_ELEMENTS(role_names) == SIGNER_CUSTODIAN + 1);

const char *signers_encrypt_key(enum crypto_protocol p, const char *fpr, const char *enc)
{
	return p == CRYPTO_SMIME && enc && *enc ? enc : fpr;
}

const char *signers_role_name(enum signer_role r)
{
	return (size_t)r < G_N_ELEMENTS(role_names) ? role_names[r] : "?";
}

int signers_role_parse(const char *name, enum signer_role *r)
{
	for (size_t i = 0; name && i < G_N_ELEMENTS(role_names); i++)
		if (g_ascii_strcasecmp(name, role_names[i]) == 0) {
			*r = (enum signer_role)i;
			return 0;
		}
	return -1;
}

const char *signers_protocol_name(enum crypto_protocol p)
{
	return p == CRYPTO_OPENPGP ? "openpgp" : p == CRYPTO_SMIME ? "smime" : NULL;
}

int signers_normalize_fpr(const char *fpr, char out[CRYPTO_FPR_LEN])
{
	size_t n = 0;

	for (const char *p = fpr; p && *p; p++) {
		if (*p == ' ' || *p == ':')
			continue;
		if (!g_ascii_isxdigit(*p) || n + 1 >= CRYPTO_FPR_LEN)
			return -1;
		out[n++] = g_ascii_toupper(*p);
	}
	out[n] = '\0';
	return n >= 40 ? 0 : -1;
}

void signers_clear(struct signer *s)
{
	g_free(s->label);
	g_free(s->email);
	g_free(s->revoke_reason);
	memset(s, 0, sizeof *s);
}

static void signer_free(gpointer p)
{
	signers_clear(p);
	g_free(p);
}

static char *column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? g_strdup((const char *)t) : NULL;
}

static void column_copy(sqlite3_stmt *st, int i, char *out, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	g_strlcpy(out, t ? (const char *)t : "", size);
}

/* Fills s from a row of SIGNER_COLUMNS. */
static void row_signer(sqlite3_stmt *st, struct signer *s)
{
	const unsigned char *proto = sqlite3_column_text(st, 1);
	const unsigned char *role = sqlite3_column_text(st, 5);

	memset(s, 0, sizeof *s);
	s->id = sqlite3_column_int64(st, 0);
	s->protocol =
		proto && strcmp((const char *)proto, "smime") == 0 ? CRYPTO_SMIME : CRYPTO_OPENPGP;
	column_copy(st, 2, s->fingerprint, sizeof s->fingerprint);
	column_copy(st, 3, s->enc_fingerprint, sizeof s->enc_fingerprint);
	column_copy(st, 4, s->state, sizeof s->state);
	if (signers_role_parse((const char *)role, &s->role) < 0)
		s->role = SIGNER_READER;	/* the table's CHECK allows no other word */
	s->label = column_dup(st, 6);
	s->email = column_dup(st, 7);
	s->added = sqlite3_column_int64(st, 8);
	s->revoked = sqlite3_column_int64(st, 9);
	s->revoke_reason = column_dup(st, 10);
	column_copy(st, 11, s->lang, sizeof s->lang);
}

int signers_add(sqlite3 *db, const struct signer *s)
{
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	if (!signers_protocol_name(s->protocol))
		return -1;
	if ((st = db_query(
		     db,
		     "INSERT INTO signers (protocol, fingerprint, enc_fingerprint, state, role,"
		     " label, email, added) VALUES (?1, ?2, nullif(?3, ''), ?4, ?5, ?6, ?7, ?8)",
		     NULL))) {
		sqlite3_bind_text(st, 1, signers_protocol_name(s->protocol), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, s->fingerprint, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, s->enc_fingerprint, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, s->state[0] ? s->state : NULL, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, signers_role_name(s->role), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, s->label, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, s->email, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, s->added);
		step = sqlite3_step(st);
	}
	db_done(st);
	return step == SQLITE_DONE ? 0 : -1;
}

int signers_find(sqlite3 *db, const char *fpr, struct signer *out)
{
	char key[CRYPTO_FPR_LEN];
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	memset(out, 0, sizeof *out);
	if (signers_normalize_fpr(fpr, key) < 0)
		return 0;	/* not a fingerprint: no signer has it */
	if ((st = db_query(db, "SELECT " SIGNER_COLUMNS " FROM signers WHERE fingerprint = ?1",
			   NULL))) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if ((step = sqlite3_step(st)) == SQLITE_ROW)
			row_signer(st, out);
	}
	db_done(st);
	return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
}

int signers_find_by_key(sqlite3 *db, const char *fpr, struct signer *out)
{
	char key[CRYPTO_FPR_LEN];
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	memset(out, 0, sizeof *out);
	if (signers_normalize_fpr(fpr, key) < 0)
		return 0;
	if ((st = db_query(db, "SELECT " SIGNER_COLUMNS " FROM signers"
			       " WHERE fingerprint = ?1 OR enc_fingerprint = ?1"
			       " ORDER BY revoked IS NOT NULL, id LIMIT 1", "t", key))) {
		if ((step = sqlite3_step(st)) == SQLITE_ROW)
			row_signer(st, out);
	}
	db_done(st);
	return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
}

/* The signers the statement sql selects, with state bound as ?1 and, when
 * types is "ti", n as ?2. */
static GPtrArray *select_signers(sqlite3 *db, const char *sql, const char *types,
				 const char *state, gint64 n)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(signer_free);
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	if ((st = db_query(db, sql, types, state, n))) {
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			struct signer *s = g_new(struct signer, 1);

			row_signer(st, s);
			g_ptr_array_add(all, s);
		}
	}
	db_done(st);
	if (step != SQLITE_DONE) {
		g_ptr_array_unref(all);
		return NULL;
	}
	return all;
}

GPtrArray *signers_list(sqlite3 *db, const char *state)
{
	return select_signers(db,
			      "SELECT " SIGNER_COLUMNS
			      " FROM signers WHERE ?1 IS NULL OR state = ?1"
			      " ORDER BY state, id",
			      "t", state, 0);
}

GPtrArray *signers_of_state(sqlite3 *db, const char *state)
{
	if (!state)
		return NULL;
	return select_signers(db,
			      "SELECT " SIGNER_COLUMNS
			      " FROM signers WHERE state = ?1 AND revoked IS NULL"
			      " ORDER BY id",
			      "t", state, 0);
}

GPtrArray *signers_audience(sqlite3 *db, enum signers_audience who, const char *state)
{
	return select_signers(
		db,
		"SELECT " SIGNER_COLUMNS " FROM signers"
		" WHERE revoked IS NULL AND email IS NOT NULL"
		" AND CASE ?2"
		" WHEN 4 THEN 1"
		" WHEN 3 THEN role = 'custodian' OR (state = ?1 AND role = 'authority')"
		" WHEN 2 THEN role = 'custodian'"
		" WHEN 1 THEN state = ?1 AND role != 'reader'"
		" ELSE coalesce(state, '') = ?1 END ORDER BY id",
		"ti", state ? state : "", (gint64)who);
}

int signers_set_lang(sqlite3 *db, const char *fpr, const char *lang)
{
	return db_run(db, "UPDATE signers SET lang = ?1 WHERE fingerprint = ?2 AND lang != ?1",
		      "tt", lang, fpr);
}

int signers_update_key(sqlite3 *db, const struct signer *s)
{
	return db_run(db, "UPDATE signers SET enc_fingerprint = nullif(?2, ''), email = ?3"
		      " WHERE fingerprint = ?1", "ttt", s->fingerprint, s->enc_fingerprint,
		      s->email);
}

int signers_revoke(sqlite3 *db, const char *fpr, gint64 at, const char *reason)
{
	char key[CRYPTO_FPR_LEN];
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	if (signers_normalize_fpr(fpr, key) < 0)
		return 0;
	if (!reason)
		return -1;
	if ((st = db_query(db, "UPDATE signers SET revoked = ?2, revoke_reason = ?3"
			       " WHERE fingerprint = ?1 AND revoked IS NULL", NULL))) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, at);
		sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
		step = sqlite3_step(st);
	}
	db_done(st);
	if (step != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db) > 0 ? 1 : 0;
}

int signers_mark_seen(sqlite3 *db, const char *replay_key, const char *message_hash, gint64 now)
{
	if (!replay_key || !*replay_key || !message_hash)
		return -1;
	if (db_run(db, "INSERT INTO seen_signatures (replay_key, message_hash, seen)"
		   " VALUES (?1, ?2, ?3) ON CONFLICT (replay_key) DO NOTHING",
		   "tti", replay_key, message_hash, now) < 0)
		return -1;
	return sqlite3_changes(db) > 0 ? 0 : 1;
}

int signers_seen(sqlite3 *db, const char *replay_key)
{
	gint64 one;

	return db_int64(db, &one, "SELECT 1 FROM seen_signatures WHERE replay_key = ?1", "t",
			replay_key);
}

int signers_prune_seen(sqlite3 *db, gint64 before)
{
	if (db_run(db, "DELETE FROM seen_signatures WHERE seen < ?1", "i", before) < 0)
		return -1;
	return sqlite3_changes(db);
}

/* The timer_runs name of a key-expiry warning. g_free it. */
static char *warning_name(const char *fpr, gint64 expires, int days)
{
	return g_strdup_printf("key-expiry:%s:%" G_GINT64_FORMAT ":%d", fpr, expires, days);
}

int signers_warned(sqlite3 *db, const char *fpr, gint64 expires, int days)
{
	char *name = warning_name(fpr, expires, days);
	gint64 at;
	int rc = db_int64(db, &at, "SELECT last FROM timer_runs WHERE name = ?1", "t", name);

	g_free(name);
	return rc;
}

int signers_mark_warned(sqlite3 *db, const char *fpr, gint64 expires, int days, gint64 now)
{
	char *name = warning_name(fpr, expires, days);
	int rc = db_run(db, "INSERT OR REPLACE INTO timer_runs (name, last) VALUES (?1, ?2)",
			"ti", name, now);

	g_free(name);
	return rc;
}

int signers_expiry_last(sqlite3 *db, gint64 *last)
{
	return db_int64(db, last, "SELECT last FROM timer_runs WHERE name = 'key-expiry'", NULL);
}

int signers_expiry_mark(sqlite3 *db, gint64 now)
{
	return db_run(db, "INSERT OR REPLACE INTO timer_runs (name, last)"
			  " VALUES ('key-expiry', ?1)", "i", now);
}

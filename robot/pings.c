/* pings.c - the store of communication checks: tokens, rounds and their
 * scope, the POCs a round pings, the pings and what came back for them
 * (ping-send.c writes and queues the messages). Input: the
 * directory (State-written text, bounded by the forms) and, in
 * pings_find, a token read from mail (validated before any query).
 * Returns -1 on a database, randomness or signing failure; the caller
 * rolls back. */
#include <string.h>
#include <sys/random.h>
#include "pings.h"
#include "db.h"
#include "langs.h"
#include "log.h"
#include "ping-report.h"
#include "pocs.h"

static const char BASE32[] = "abcdefghijklmnopqrstuvwxyz234567";

int pings_token_new(char out[PINGS_TOKEN_LEN])
{
	guint8 raw[17];		/* 136 bits; the first 130 are used */
	size_t got = 0;

	while (got < sizeof raw) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);

		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	for (int i = 0; i < PINGS_TOKEN_CHARS; i++) {
		int bit = i * 5, byte = bit / 8, shift = bit % 8;
		unsigned v = ((unsigned)raw[byte] << 8 | raw[byte + 1]) >> (11 - shift);

		out[i] = BASE32[v & 31];
	}
	out[PINGS_TOKEN_CHARS] = '\0';
	return 0;
}

int pings_proof_new(char out[PINGS_PROOF_LEN])
{
	const size_t n = sizeof PINGS_PROOF_ALPHABET - 1;	/* 31 */
	int i = 0;

	while (i < PINGS_PROOF_CHARS) {
		guint8 raw[16];
		ssize_t got = getrandom(raw, sizeof raw, 0);

		if (got < 0)
			return -1;
		/* rejection sampling: every letter as likely */
		for (ssize_t j = 0; j < got && i < PINGS_PROOF_CHARS; j++)
			if (raw[j] < 256 - 256 % n)
				out[i++] = PINGS_PROOF_ALPHABET[raw[j] % n];
	}
	out[PINGS_PROOF_CHARS] = '\0';
	return 0;
}

void pings_proof_text(const char *proof, char out[PINGS_PROOF_TEXT_LEN])
{
	size_t o = 0;

	for (size_t i = 0; proof[i] && i < PINGS_PROOF_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = proof[i];
	}
	out[o] = '\0';
}

#define PING_PROOF_SCAN (64 * 1024)	/* text searched for the proof code */

gboolean pings_proof_in(const char *proof, const char *text)
{
	GString *flat = g_string_new(NULL);
	size_t plen = proof ? strlen(proof) : 0;
	char *want = g_ascii_strup(proof ? proof : "", -1);
	gboolean found;

	for (size_t i = 0; text && text[i] && i < PING_PROOF_SCAN; i++)
		if (!g_ascii_isspace(text[i]) && text[i] != '-')
			g_string_append_c(flat, g_ascii_toupper(text[i]));
	found = plen >= PINGS_PROOF_CHARS && strstr(flat->str, want) != NULL;
	g_string_free(flat, TRUE);
	g_free(want);
	return found;
}

int pings_set_proof(sqlite3 *db, const char *token, const char *proof, const char *key)
{
	return db_run(db, "UPDATE pings SET proof = ?1, key = ?2 WHERE token = ?3", "ttt", proof,
		      key, token);
}

int pings_proof_get(sqlite3 *db, gint64 id, char **proof, char **key)
{
	sqlite3_stmt *st = db_query(db, "SELECT proof, key FROM pings WHERE id = ?1"
				    " AND proof IS NOT NULL AND key IS NOT NULL", "i", id);
	int rc = st ? db_step(st) : -1;

	*proof = *key = NULL;
	if (rc == 1) {
		*proof = g_strdup((const char *)sqlite3_column_text(st, 0));
		*key = g_strdup((const char *)sqlite3_column_text(st, 1));
	}
	db_done(st);
	return rc;
}

gboolean pings_token_valid(const char *s)
{
	int n = 0;

	if (!s)
		return FALSE;
	for (; s[n]; n++)
		if (n >= PINGS_TOKEN_CHARS ||
		    !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '2' && s[n] <= '7')))
			return FALSE;
	return n == PINGS_TOKEN_CHARS;
}

/* ---- scope ---- */

char *pings_scope_text(const struct pings_scope *s)
{
	GString *t = g_string_new(NULL);

	if (s->states && s->states[0]) {
		char *joined = g_strjoinv(",", s->states);

		g_string_append_printf(t, "states=%s", joined);
		g_free(joined);
	}
	if (s->type != POC_TYPE_NONE)
		g_string_append_printf(t, "%stype=%s", t->len ? " " : "", form_type_name(s->type));
	return g_string_free(t, FALSE);
}

int pings_scope_parse(const char *text, struct pings_scope *s)
{
	char **words = g_strsplit(text ? text : "", " ", -1);
	int rc = 0;

	s->states = NULL;
	s->type = POC_TYPE_NONE;
	for (int i = 0; rc == 0 && words[i]; i++) {
		if (!words[i][0])
			continue;
		if (g_str_has_prefix(words[i], "states=") && !s->states)
			s->states = g_strsplit(words[i] + 7, ",", -1);
		else if (!g_str_has_prefix(words[i], "type=") ||
		         pocs_type_parse(words[i] + 5, &s->type) < 0)
			rc = -1;
	}
	for (int i = 0; rc == 0 && s->states && s->states[i]; i++)
		if (strlen(s->states[i]) != 2)
			rc = -1;
	g_strfreev(words);
	if (rc < 0)
		pings_scope_clear(s);
	return rc;
}

void pings_scope_clear(struct pings_scope *s)
{
	g_strfreev(s->states);
	s->states = NULL;
	s->type = POC_TYPE_NONE;
}

/* ---- targets ---- */

static void target_free(gpointer p)
{
	struct pings_target *t = p;

	g_free(t->address);
	g_free(t);
}

const char *pings_lang(const char *lang)
{
	const char *known = langs_known(lang);

	return known ? known : "en";
}

GPtrArray *pings_targets(sqlite3 *db, const struct pings_scope *scope, gint64 created_by,
                         gint64 round, guint limit)
{
	sqlite3_stmt *st = NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(target_free);
	char *states = NULL;
	int rc;

	if (!(st = db_query(db, "SELECT p.id, p.state, p.type,"
			    " (SELECT address FROM poc_emails e WHERE e.poc = p.id"
			    " AND NOT EXISTS (SELECT 1 FROM address_health h WHERE h.poc = e.poc"
			    " AND h.address = e.address AND h.undeliverable IS NOT NULL)"
			    " ORDER BY position LIMIT 1),"
			    " (SELECT code FROM poc_languages l WHERE l.poc = p.id"
			    " ORDER BY position LIMIT 1)"
			    " FROM pocs p WHERE p.status != 'withdrawn' AND p.created <= ?1"
			    " AND (?2 IS NULL OR p.type = ?2)"
			    " AND (?3 IS NULL OR instr(?3, ',' || p.state || ','))"
			    " AND (?4 = 0 OR NOT EXISTS (SELECT 1 FROM pings g"
			    " WHERE g.round = ?4 AND g.poc = p.id)"
			    " AND NOT EXISTS (SELECT 1 FROM ping_skips k"
			    " WHERE k.round = ?4 AND k.poc = p.id))"
			    " ORDER BY p.state, p.type, p.number LIMIT ?5", NULL))) {
		g_ptr_array_unref(out);
		return NULL;
	}
	if (scope->states && scope->states[0]) {
		char *joined = g_strjoinv(",", scope->states);

		states = g_strdup_printf(",%s,", joined);
		g_free(joined);
	}
	sqlite3_bind_int64(st, 1, created_by);
	if (scope->type != POC_TYPE_NONE)
		sqlite3_bind_text(st, 2, form_type_name(scope->type), -1, SQLITE_STATIC);
	if (states)
		sqlite3_bind_text(st, 3, states, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, round);
	sqlite3_bind_int64(st, 5, limit ? (gint64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pings_target *t;

		t = g_new0(struct pings_target, 1);
		g_strlcpy(t->poc, (const char *)sqlite3_column_text(st, 0), sizeof t->poc);
		g_strlcpy(t->state, (const char *)sqlite3_column_text(st, 1), sizeof t->state);
		g_strlcpy(t->type, (const char *)sqlite3_column_text(st, 2), sizeof t->type);
		t->address = g_strdup((const char *)sqlite3_column_text(st, 3)); /* or NULL */
		g_strlcpy(t->lang, pings_lang((const char *)sqlite3_column_text(st, 4)),
		          sizeof t->lang);
		g_ptr_array_add(out, t);
	}
	db_done(st);
	g_free(states);
	if (rc != SQLITE_DONE) {
		g_ptr_array_unref(out);
		return NULL;
	}
	return out;
}

/* ---- rounds ---- */

gint64 pings_round_open(sqlite3 *db, gint64 now, gint64 deadline, const char *scope,
                        const char *started_by)
{
	sqlite3_stmt *st;
	gint64 id = -1;

	if (!(st = db_query(db, "INSERT INTO ping_rounds (started, deadline, scope, started_by)"
			       " VALUES (?, ?, ?, ?)", NULL)))
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, deadline);
	sqlite3_bind_text(st, 3, scope ? scope : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, started_by, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	db_done(st);
	return id;
}

/* Fills r from columns 0-5: id, started, deadline, closed, scope, started_by. */
static void row_round(sqlite3_stmt *st, struct pings_round *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->started = sqlite3_column_int64(st, 1);
	r->deadline = sqlite3_column_int64(st, 2);
	r->closed = sqlite3_column_int64(st, 3);
	r->scope = g_strdup((const char *)sqlite3_column_text(st, 4));
	g_strlcpy(r->started_by, (const char *)sqlite3_column_text(st, 5), sizeof r->started_by);
}

int pings_round_get(sqlite3 *db, gint64 id, struct pings_round *r)
{
	sqlite3_stmt *st;
	int rc;

	memset(r, 0, sizeof *r);
	if (!(st = db_query(db,
	                    "SELECT id, started, deadline, coalesce(closed, 0), scope, started_by"
	                    " FROM ping_rounds WHERE id = ?1",
	                    "i", id)))
		return -1;
	rc = db_step(st);
	if (rc == 1)
		row_round(st, r);
	db_done(st);
	return rc;
}

void pings_round_clear(struct pings_round *r)
{
	g_free(r->scope);
	r->scope = NULL;
}

static void round_free(gpointer p)
{
	pings_round_clear(p);
	g_free(p);
}

int pings_last_round_start(sqlite3 *db, gint64 *started)
{
	return db_int64(db, started, "SELECT max(started) FROM ping_rounds", NULL);
}

/* ---- a ping's row ---- */

int pings_in_round(sqlite3 *db, gint64 round, const char *poc)
{
	gint64 one;

	return db_int64(db, &one, "SELECT 1 FROM pings WHERE round = ?1 AND poc = ?2", "it", round,
	                poc);
}

int pings_insert(sqlite3 *db, gint64 round, const struct pings_target *t, const char *token,
                 gint64 now, gint64 deadline)
{
	return db_run(
	        db,
	        "INSERT INTO pings (round, purpose, poc, address, lang, token, queued, deadline)"
	        " VALUES (nullif(?1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	        "itttttii", round, round > 0 ? "round" : "verification", t->poc, t->address,
	        t->lang, token, now, deadline);
}

int pings_set_reminders(sqlite3 *db, gint64 id, int n)
{
	return db_run(db, "UPDATE pings SET reminders = ?1 WHERE id = ?2", "ii", (gint64)n, id);
}

/* ---- one ping ---- */

void pings_clear(struct ping *p)
{
	g_free(p->address);
	p->address = NULL;
}

#define PING_COLUMNS "g.id, coalesce(g.round, 0), g.purpose, g.poc, g.address, g.lang," \
	" g.token, g.queued, CASE o.state WHEN 'sent' THEN o.done ELSE 0 END, g.deadline," \
	" g.reminders, coalesce(g.answered, 0), coalesce(g.bounced, 0)," \
	" coalesce(g.autoreplied, 0), coalesce(g.finished, 0), coalesce(g.answer_seconds, -1)" \
	" FROM pings g LEFT JOIN outbox o ON o.token = g.token"

/* Fills p from a row of PING_COLUMNS. */
static void row_ping(sqlite3_stmt *st, struct ping *p)
{
	p->id = sqlite3_column_int64(st, 0);
	p->round = sqlite3_column_int64(st, 1);
	g_strlcpy(p->purpose, (const char *)sqlite3_column_text(st, 2), sizeof p->purpose);
	g_strlcpy(p->poc, (const char *)sqlite3_column_text(st, 3), sizeof p->poc);
	p->address = g_strdup((const char *)sqlite3_column_text(st, 4));
	g_strlcpy(p->lang, (const char *)sqlite3_column_text(st, 5), sizeof p->lang);
	g_strlcpy(p->token, (const char *)sqlite3_column_text(st, 6), sizeof p->token);
	p->queued = sqlite3_column_int64(st, 7);
	p->sent = sqlite3_column_int64(st, 8);
	p->deadline = sqlite3_column_int64(st, 9);
	p->reminders = sqlite3_column_int(st, 10);
	p->answered = sqlite3_column_int64(st, 11);
	p->bounced = sqlite3_column_int64(st, 12);
	p->autoreplied = sqlite3_column_int64(st, 13);
	p->finished = sqlite3_column_int64(st, 14);
	p->answer_seconds = sqlite3_column_int64(st, 15);
}

int pings_find(sqlite3 *db, const char *token, struct ping *p)
{
	char low[PINGS_TOKEN_LEN];
	sqlite3_stmt *st;
	int rc;

	memset(p, 0, sizeof *p);
	g_strlcpy(low, token ? token : "", sizeof low);
	for (char *s = low; *s; s++)
		*s = g_ascii_tolower(*s);
	if (!pings_token_valid(low))
		return 0;
	if (!(st = db_query(db, "SELECT " PING_COLUMNS " WHERE g.token = ?1", "t", low)))
		return -1;
	rc = db_step(st);
	if (rc == 1)
		row_ping(st, p);
	db_done(st);
	return rc;
}

static void ping_free(gpointer p)
{
	pings_clear(p);
	g_free(p);
}

GPtrArray *pings_of_round(sqlite3 *db, gint64 round)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(ping_free);
	sqlite3_stmt *st = db_query(
	        db, "SELECT " PING_COLUMNS " WHERE g.round = ?1 ORDER BY g.poc", "i", round);
	int rc = st ? 1 : -1;

	while (st && (rc = db_step(st)) == 1) {
		struct ping *p = g_new0(struct ping, 1);

		row_ping(st, p);
		g_ptr_array_add(all, p);
	}
	db_done(st);
	if (rc < 0) {
		g_ptr_array_unref(all);
		return NULL;
	}
	return all;
}

/* ---- what came back ---- */

const char *ping_what_name(enum ping_what w)
{
	static const char *const names[] = { "delivered", "delayed", "bounced",
		                             "autoreply", "receipt", "answer" };

	G_STATIC_ASSERT(G_N_ELEMENTS(names) == PING_WHAT_COUNT);
	g_assert((unsigned)w < G_N_ELEMENTS(names));
	return names[w];
}

int pings_event_seen(sqlite3 *db, const struct ping_event *e)
{
	gint64 one;

	return db_int64(db, &one,
	                "SELECT 1 FROM ping_events e LEFT JOIN messages m ON m.id = e.message"
	                " WHERE e.ping = ?1 AND (e.message = ?2"
	                " OR (?3 IS NOT NULL AND m.message_id = ?3 AND e.what = ?4)) LIMIT 1",
	                "iitt", e->ping, e->message, e->message_id, ping_what_name(e->what));
}

int pings_event_add(sqlite3 *db, const struct ping_event *e)
{
	return db_run(db, "INSERT INTO ping_events (ping, message, at, what, matched_by, detail)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "iiittt", e->ping, e->message, e->at,
		      ping_what_name(e->what), e->matched_by, e->detail);
}

/* The ping's column for each news, set only when it is the first. */
static const char *const first_sql[] = {
	[PING_DELIVERED] = "UPDATE pings SET delivered = ?1 WHERE id = ?2 AND delivered IS NULL",
	[PING_DELAYED] = "UPDATE pings SET delayed = ?1 WHERE id = ?2 AND delayed IS NULL",
	[PING_BOUNCED] =
	        "UPDATE pings SET bounced = ?1, bounce_status = ?3, bounce_diagnostic = ?4,"
	        " bounce_hard = CASE WHEN ?5 >= 0 THEN ?5 END WHERE id = ?2 AND bounced IS NULL",
	[PING_AUTOREPLY] =
	        "UPDATE pings SET autoreplied = ?1 WHERE id = ?2 AND autoreplied IS NULL",
	[PING_RECEIPT] = "UPDATE pings SET receipt = ?1 WHERE id = ?2 AND receipt IS NULL",
	/* handed to the relay: the ping's own outbox row's done, else queued */
	[PING_ANSWER] = "UPDATE pings SET answered = ?1, answer_from = ?3, answer_own = ?4,"
	                " answer_seconds = MAX(0, ?1 - COALESCE((SELECT o.done FROM outbox o"
	                " WHERE o.token = pings.token AND o.state = 'sent'), pings.queued))"
	                " WHERE id = ?2 AND answered IS NULL",
};
G_STATIC_ASSERT(G_N_ELEMENTS(first_sql) == PING_WHAT_COUNT);

int pings_event_first(sqlite3 *db, const struct ping_event *e)
{
	int rc;

	if (e->what == PING_BOUNCED)
		rc = db_run(db, first_sql[e->what], "iitti", e->at, e->ping, e->status,
		            e->diagnostic, (gint64)e->hard);
	else if (e->what == PING_ANSWER)
		rc = db_run(db, first_sql[e->what], "iiti", e->at, e->ping, e->from,
		            (gint64)e->own);
	else
		rc = db_run(db, first_sql[e->what], "ii", e->at, e->ping);
	return rc < 0 ? -1 : sqlite3_changes(db) > 0;
}

GPtrArray *pings_addresses(sqlite3 *db, gint64 ping)
{
	return db_texts(
	        db_query(db,
	                 "SELECT address FROM pings WHERE id = ?1 UNION ALL"
	                 " SELECT e.address FROM poc_emails e JOIN pings p ON e.poc = p.poc"
	                 " WHERE p.id = ?1",
	                 "i", ping));
}

int pings_last_answer(sqlite3 *db, const char *poc, gint64 *answered, gint64 *seconds)
{
	sqlite3_stmt *st = db_query(db, "SELECT answered, answer_seconds FROM pings"
				    " WHERE poc = ?1 AND answered IS NOT NULL"
				    " ORDER BY answered DESC LIMIT 1", "t", poc);
	int rc;

	if (!st)
		return -1;
	rc = db_step(st);
	if (rc == 1) {
		*answered = sqlite3_column_int64(st, 0);
		*seconds = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1
		                                                     : sqlite3_column_int64(st, 1);
	}
	db_done(st);
	return rc;
}

/* ---- the timers' questions ---- */

GArray *pings_rounds_to_fill(sqlite3 *db, gint64 now, gint64 grace)
{
	return db_ids(db_query(db,
	                       "SELECT id FROM ping_rounds WHERE closed IS NULL AND deadline > ?1"
	                       " AND (started_by = 'schedule' OR started <= ?1 - ?2)",
	                       "ii", now, grace));
}

GArray *pings_rounds_past_deadline(sqlite3 *db, gint64 now)
{
	return db_ids(
	        db_query(db, "SELECT id FROM ping_rounds WHERE closed IS NULL AND deadline <= ?1",
	                 "i", now));
}

GPtrArray *pings_reminders_due(sqlite3 *db, const gint64 *delays, int n, gint64 now, int limit)
{
	GString *json = g_string_new("[");
	GPtrArray *tokens;

	for (int k = 0; k < n; k++)
		g_string_append_printf(json, "%s%" G_GINT64_FORMAT, k ? "," : "", delays[k]);
	g_string_append_c(json, ']');
	/* the delay of reminder reminders + 1 is element [reminders] of the
	 * schedule; past its end json_extract gives NULL and nothing is due */
	tokens = db_texts(
	        db_query(db,
	                 "SELECT g.token FROM pings g JOIN outbox o ON o.token = g.token"
	                 " WHERE g.finished IS NULL AND g.answered IS NULL"
	                 " AND coalesce(g.bounce_hard, 0) = 0 AND g.deadline > ?2"
	                 " AND o.state = 'sent'"
	                 " AND o.done + json_extract(?1, '$[' || g.reminders || ']') <= ?2"
	                 " LIMIT ?3",
	                 "tii", json->str, now, (gint64)limit));
	g_string_free(json, TRUE);
	return tokens;
}

GPtrArray *pings_verifications_due(sqlite3 *db, gint64 now, int limit)
{
	return db_texts(db_query(db,
	                         "SELECT token FROM pings WHERE finished IS NULL AND round IS NULL"
	                         " AND deadline <= ?1 LIMIT ?2",
	                         "ii", now, (gint64)limit));
}

int pings_finish(sqlite3 *db, gint64 id, gint64 now)
{
	return db_run(db, "UPDATE pings SET finished = ?1 WHERE id = ?2", "ii", now, id);
}

int pings_finish_state(sqlite3 *db, gint64 round, const char *state, gint64 due, gint64 now)
{
	return db_run(db, "UPDATE pings SET finished = ?1 WHERE round = ?2 AND finished IS NULL"
		      " AND deadline <= ?3 AND poc IN (SELECT id FROM pocs WHERE state = ?4)",
		      "iiit", now, round, due, state);
}

int pings_due_states(sqlite3 *db, gint64 round, gint64 due, int limit, GArray *rounds,
                     GPtrArray *states)
{
	sqlite3_stmt *st =
	        db_query(db,
	                 "SELECT DISTINCT g.round, p.state FROM pings g"
	                 " JOIN pocs p ON p.id = g.poc"
	                 " WHERE g.finished IS NULL AND g.round IS NOT NULL AND g.deadline <= ?1"
	                 " AND (?2 = 0 OR g.round = ?2) LIMIT ?3",
	                 "iii", due, round, (gint64)limit);
	int rc = st ? 1 : -1;

	while (st && (rc = db_step(st)) == 1) {
		gint64 id = sqlite3_column_int64(st, 0);

		g_array_append_val(rounds, id);
		g_ptr_array_add(states, g_strdup((const char *)sqlite3_column_text(st, 1)));
	}
	db_done(st);
	return rc;
}

int pings_round_close(sqlite3 *db, gint64 id, gint64 now)
{
	if (db_run(db, "UPDATE ping_rounds SET closed = ?1 WHERE id = ?2 AND closed IS NULL"
		   " AND NOT EXISTS (SELECT 1 FROM pings WHERE round = ?2 AND finished IS NULL)",
		   "ii", now, id) < 0)
		return -1;
	return sqlite3_changes(db);
}

GPtrArray *pings_rounds_list(sqlite3 *db)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(round_free);
	sqlite3_stmt *st = db_query(
	        db,
	        "SELECT r.id, r.started, r.deadline, coalesce(r.closed, 0),"
	        " r.scope, r.started_by,"
	        " (SELECT count(*) FROM pings WHERE round = r.id),"
	        " (SELECT count(*) FROM pings WHERE round = r.id AND answered IS NOT NULL)"
	        " FROM ping_rounds r ORDER BY r.id",
	        NULL);
	int rc = st ? 1 : -1;

	while (st && (rc = db_step(st)) == 1) {
		struct pings_round *r = g_new0(struct pings_round, 1);

		row_round(st, r);
		r->pings = sqlite3_column_int64(st, 6);
		r->answered = sqlite3_column_int64(st, 7);
		g_ptr_array_add(all, r);
	}
	db_done(st);
	if (rc < 0) {
		g_ptr_array_unref(all);
		return NULL;
	}
	return all;
}

static void entry_free(gpointer p)
{
	struct ping_entry *e = p;

	g_free(e->address);
	g_free(e->bounce_status);
	g_free(e->bounce_diagnostic);
	g_free(e);
}

static char *column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? g_strdup((const char *)t) : NULL;
}

GPtrArray *pings_entries(sqlite3 *db, gint64 round, const char *state, gint64 due)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(entry_free);
	sqlite3_stmt *st =
	        db_query(db,
	                 "SELECT g.poc, p.state, p.type, g.address, g.answered IS NOT NULL,"
	                 " coalesce(g.answer_seconds, 0), g.bounced IS NOT NULL,"
	                 " g.autoreplied IS NOT NULL, o.state = 'sent', coalesce(o.done, 0),"
	                 " coalesce(g.bounced, 0), g.bounce_status, g.bounce_diagnostic,"
	                 " coalesce(g.bounce_hard, -1)"
	                 " FROM pings g JOIN pocs p ON p.id = g.poc"
	                 " LEFT JOIN outbox o ON o.token = g.token"
	                 " WHERE g.round = ?1 AND (?2 IS NULL OR p.state = ?2)"
	                 " AND (?3 = 0 OR (g.finished IS NULL AND g.deadline <= ?3))"
	                 " ORDER BY p.state, p.type, p.number",
	                 "iti", round, state, due);
	int rc = st ? 1 : -1;

	while (st && (rc = db_step(st)) == 1) {
		struct ping_entry *e = g_new0(struct ping_entry, 1);

		g_strlcpy(e->poc, (const char *)sqlite3_column_text(st, 0), sizeof e->poc);
		g_strlcpy(e->state, (const char *)sqlite3_column_text(st, 1), sizeof e->state);
		g_strlcpy(e->type, (const char *)sqlite3_column_text(st, 2), sizeof e->type);
		e->address = g_strdup((const char *)sqlite3_column_text(st, 3));
		e->outcome = sqlite3_column_int(st, 4)   ? PING_OUT_ANSWERED
		             : sqlite3_column_int(st, 6) ? PING_OUT_BOUNCED
		             : sqlite3_column_int(st, 7) ? PING_OUT_AUTOREPLY
		                                         : PING_OUT_SILENT;
		e->answer_seconds = sqlite3_column_int64(st, 5);
		e->sent = sqlite3_column_int(st, 8) == 1;
		e->sent_at = e->sent ? sqlite3_column_int64(st, 9) : 0;
		e->bounced = sqlite3_column_int64(st, 10);
		e->bounce_status = column_dup(st, 11);
		e->bounce_diagnostic = column_dup(st, 12);
		e->bounce_hard = sqlite3_column_int(st, 13);
		g_ptr_array_add(out, e);
	}
	db_done(st);
	if (rc < 0) {
		g_ptr_array_unref(out);
		return NULL;
	}
	return out;
}

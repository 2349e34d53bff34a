/* pings.c - the store of communication checks: tokens, rounds and their
 * scope, the POCs a round pings, and the queuing of a ping or a reminder
 * (signed, through the outbox, in the caller's transaction). Input: the
 * directory (State-written text, bounded by the forms) and, in
 * pings_find, a token read from mail (validated before any query).
 * Returns -1 on a database, randomness or signing failure; the caller
 * rolls back. */
#include <string.h>
#include <sys/random.h>
#include "clock.h"
#include "pings.h"
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "pocs.h"
#include "states.h"
#include "templates.h"

static const char BASE32[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char *const LANGS[] = { "ar", "en", "es", "fr", "ru", "zh" };

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

gboolean pings_token_valid(const char *s)
{
	int n = 0;

	if (!s)
		return FALSE;
	for (; s[n]; n++)
		if (n >= PINGS_TOKEN_CHARS || !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '2' && s[n] <= '7')))
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
		else if (!g_str_has_prefix(words[i], "type=") || pocs_type_parse(words[i] + 5, &s->type) < 0)
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

/* lang when the robot writes it, else "en". */
static const char *known_lang(const char *lang)
{
	for (size_t i = 0; lang && i < G_N_ELEMENTS(LANGS); i++)
		if (strcmp(lang, LANGS[i]) == 0)
			return LANGS[i];
	return "en";
}

GPtrArray *pings_targets(sqlite3 *db, const struct pings_scope *scope, gint64 created_by, gint64 round,
			 guint limit)
{
	sqlite3_stmt *st = NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(target_free);
	char *states = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT p.id, p.state, p.type,"
			       " (SELECT address FROM poc_emails e WHERE e.poc = p.id ORDER BY position LIMIT 1),"
			       " (SELECT code FROM poc_languages l WHERE l.poc = p.id ORDER BY position LIMIT 1)"
			       " FROM pocs p WHERE p.status != 'withdrawn' AND p.created <= ?1"
			       " AND (?2 IS NULL OR p.type = ?2) AND (?3 IS NULL OR instr(?3, ',' || p.state || ','))"
			       " AND (?4 = 0 OR NOT EXISTS (SELECT 1 FROM pings g WHERE g.round = ?4 AND g.poc = p.id))"
			       " ORDER BY p.state, p.type, p.number LIMIT ?5", -1, &st, NULL) != SQLITE_OK) {
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

		if (sqlite3_column_type(st, 3) == SQLITE_NULL)
			continue;	/* a POC always has an address; be safe */
		t = g_new0(struct pings_target, 1);
		g_strlcpy(t->poc, (const char *)sqlite3_column_text(st, 0), sizeof t->poc);
		g_strlcpy(t->state, (const char *)sqlite3_column_text(st, 1), sizeof t->state);
		g_strlcpy(t->type, (const char *)sqlite3_column_text(st, 2), sizeof t->type);
		t->address = g_strdup((const char *)sqlite3_column_text(st, 3));
		g_strlcpy(t->lang, known_lang((const char *)sqlite3_column_text(st, 4)), sizeof t->lang);
		g_ptr_array_add(out, t);
	}
	sqlite3_finalize(st);
	g_free(states);
	if (rc != SQLITE_DONE) {
		g_ptr_array_unref(out);
		return NULL;
	}
	return out;
}

/* ---- rounds ---- */

gint64 pings_round_open(sqlite3 *db, gint64 now, gint64 deadline, const char *scope, const char *started_by)
{
	sqlite3_stmt *st;
	gint64 id = -1;

	if (sqlite3_prepare_v2(db, "INSERT INTO ping_rounds (started, deadline, scope, started_by)"
			       " VALUES (?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, deadline);
	sqlite3_bind_text(st, 3, scope ? scope : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, started_by, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	return id;
}

int pings_round_get(sqlite3 *db, gint64 id, struct pings_round *r)
{
	sqlite3_stmt *st;
	int rc;

	memset(r, 0, sizeof *r);
	if (sqlite3_prepare_v2(db, "SELECT id, started, deadline, coalesce(closed, 0), scope, started_by"
			       " FROM ping_rounds WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(st, 0);
		r->started = sqlite3_column_int64(st, 1);
		r->deadline = sqlite3_column_int64(st, 2);
		r->closed = sqlite3_column_int64(st, 3);
		r->scope = g_strdup((const char *)sqlite3_column_text(st, 4));
		g_strlcpy(r->started_by, (const char *)sqlite3_column_text(st, 5), sizeof r->started_by);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

void pings_round_clear(struct pings_round *r)
{
	g_free(r->scope);
	r->scope = NULL;
}

int pings_last_round_start(sqlite3 *db, gint64 *started)
{
	return db_int64(db, "SELECT max(started) FROM ping_rounds", started);
}

/* ---- the messages ---- */

/* vars' "state" set to the name of its "code" in lang. */
static void state_in(GHashTable *vars, const char *lang)
{
	const struct states *ref = states_load(NULL);
	const char *code = g_hash_table_lookup(vars, "code");
	const char *name = ref && code ? states_name(ref, code, lang) : NULL;

	g_hash_table_insert(vars, "state", g_strdup(name ? name : code ? code : "-"));
}

/* The ping's words: template name in lang, with the English text beside it
 * when lang is not English; the State named in each language. 0 or -1
 * (logged). g_free subject and body. */
static int compose(const struct pings_ctx *c, const char *lang, const char *name, GHashTable *vars,
		   char **subject, char **body)
{
	char *en_subject = NULL, *en_body = NULL, *own = NULL;

	state_in(vars, lang);
	if (templates_message(c->tpl, lang, name, vars, subject, &own) < 0)
		return -1;
	if (strcmp(lang, "en") == 0) {
		*body = own;
		return 0;
	}
	state_in(vars, "en");
	if (templates_message(c->tpl, "en", name, vars, &en_subject, &en_body) < 0) {
		g_free(*subject);
		g_free(own);
		return -1;
	}
	*body = g_strdup_printf("%s\n\n-------- English --------\n\n%s", own, en_body);
	g_free(own);
	g_free(en_subject);
	g_free(en_body);
	return 0;
}

/* The variables every ping text has. The table borrows from its
 * arguments and owns the rest (g_hash_table_unref it). */
static GHashTable *ping_vars(const struct pings_ctx *c, const char *token, const char *poc, const char *state,
			     gint64 deadline)
{
	GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	char when[CLOCK_TEXT_LEN];

	g_hash_table_insert(v, "token", g_strdup(token));
	g_hash_table_insert(v, "id", g_strdup(poc));
	g_hash_table_insert(v, "code", g_strdup(state));	/* "state" is its name, set by compose */
	g_hash_table_insert(v, "deadline", g_strdup(clock_text(deadline, CLOCK_MINUTE, "-", when)));
	g_hash_table_insert(v, "reply", g_strdup_printf("ping+%s@%s", token, c->cfg->domain));
	g_hash_table_insert(v, "robot", g_strdup(c->cfg->address));
	g_hash_table_insert(v, "custodian", g_strdup(c->cfg->custodian ? c->cfg->custodian : c->cfg->address));
	return v;
}

/* Signs and queues one ping-related message. 0, 1 (no ASCII address), -1. */
static int queue(const struct pings_ctx *c, const char *purpose, const char *to, const char *lang,
		 const char *name, GHashTable *vars, const char *row_token, const char *ping_token,
		 const char *in_reply_to)
{
	char *subject = NULL, *body = NULL, *reply = g_strdup_printf("ping+%s@%s", ping_token, c->cfg->domain);
	char *seed = g_strdup_printf("%s:%s", purpose, row_token);
	struct outbox_item it = { .purpose = purpose, .to = to, .protocol = CRYPTO_OPENPGP, .reply_to = reply,
				  .token = row_token, .verp = strcmp(row_token, ping_token) ? ping_token : NULL,
				  .dsn = TRUE, .in_reply_to = in_reply_to, .asks_reply = TRUE };
	int rc = -1;

	if (compose(c, lang, name, vars, &subject, &body) == 0) {
		it.subject = subject;
		it.body = body;
		rc = outbox_queue(c->db, c->cfg, c->crypto, c->now, 0, seed, &it);
	}
	g_free(subject);
	g_free(body);
	g_free(reply);
	g_free(seed);
	return rc;
}

static int has_round_ping(sqlite3 *db, gint64 round, const char *poc)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pings WHERE round = ? AND poc = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, round);
	sqlite3_bind_text(st, 2, poc, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int insert_ping(const struct pings_ctx *c, gint64 round, const struct pings_target *t, const char *token,
		       gint64 deadline)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db, "INSERT INTO pings (round, purpose, poc, address, lang, token, queued,"
			       " deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (round > 0)
		sqlite3_bind_int64(st, 1, round);
	sqlite3_bind_text(st, 2, round > 0 ? "round" : "verification", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->poc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, t->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, c->now);
	sqlite3_bind_int64(st, 8, deadline);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int pings_send(const struct pings_ctx *c, gint64 round, const struct pings_target *t, gint64 deadline,
	       char token[PINGS_TOKEN_LEN])
{
	char tok[PINGS_TOKEN_LEN];
	GHashTable *vars;
	int rc;

	if (round > 0 && (rc = has_round_ping(c->db, round, t->poc)) != 0)
		return rc;
	if (pings_token_new(tok) < 0) {
		log_msg(LOG_ERR, "pings: no random bytes for a token");
		return -1;
	}
	vars = ping_vars(c, tok, t->poc, t->state, deadline);
	rc = queue(c, round > 0 ? "ping" : "ping-verification", t->address, t->lang,
		   round > 0 ? "ping" : "ping-verification", vars, tok, tok, NULL);
	g_hash_table_unref(vars);
	if (rc == 0)
		rc = insert_ping(c, round, t, tok, deadline);
	if (rc == 0 && token)
		memcpy(token, tok, PINGS_TOKEN_LEN);
	return rc;
}

int pings_verify_new_addresses(const struct pings_ctx *c, const struct poc *before, const struct poc *after)
{
	struct pings_target t = { .address = NULL };
	int rc = 0;

	g_strlcpy(t.poc, after->id, sizeof t.poc);
	g_strlcpy(t.state, after->state, sizeof t.state);
	g_strlcpy(t.type, form_type_name(after->type), sizeof t.type);
	g_strlcpy(t.lang, known_lang(after->languages->len ? after->languages->pdata[0] : NULL), sizeof t.lang);
	for (guint i = 0; rc == 0 && i < after->emails->len; i++) {
		gboolean old = FALSE;

		for (guint j = 0; before->emails && j < before->emails->len; j++)
			old |= g_ascii_strcasecmp(after->emails->pdata[i], before->emails->pdata[j]) == 0;
		if (old)
			continue;
		t.address = after->emails->pdata[i];
		rc = pings_send(c, 0, &t, c->now + c->cfg->ping_deadline, NULL) < 0 ? -1 : 0;
	}
	return rc;
}

/* ---- one ping ---- */

void pings_clear(struct ping *p)
{
	g_free(p->address);
	p->address = NULL;
}

int pings_find(sqlite3 *db, const char *token, struct ping *p)
{
	char low[PINGS_TOKEN_LEN + 1];
	sqlite3_stmt *st;
	int rc;

	memset(p, 0, sizeof *p);
	g_strlcpy(low, token ? token : "", sizeof low);
	for (char *s = low; *s; s++)
		*s = g_ascii_tolower(*s);
	if (!pings_token_valid(low))
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT g.id, coalesce(g.round, 0), g.purpose, g.poc, g.address, g.lang,"
			       " g.token, g.queued, CASE o.state WHEN 'sent' THEN o.done ELSE 0 END, g.deadline,"
			       " g.reminders, coalesce(g.answered, 0), coalesce(g.bounced, 0),"
			       " coalesce(g.autoreplied, 0), coalesce(g.finished, 0)"
			       " FROM pings g LEFT JOIN outbox o ON o.token = g.token WHERE g.token = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, low, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
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
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int pings_remind(const struct pings_ctx *c, const struct ping *p, int n)
{
	char *row = g_strdup_printf("%s-r%d", p->token, n);
	char *msgid = g_strdup_printf("pocbot.%s@%s", p->token, c->cfg->domain);
	char count[16], id[24];
	const char *params[] = { count, id };
	GHashTable *vars;
	char state[3] = { p->poc[0], p->poc[1], 0 };	/* an identifier starts with its State */
	int rc;

	vars = ping_vars(c, p->token, p->poc, state, p->deadline);
	g_hash_table_insert(vars, "n", g_strdup_printf("%d", n));
	rc = queue(c, "ping-reminder", p->address, p->lang, "ping-reminder", vars, row, p->token, msgid);
	g_hash_table_unref(vars);
	g_snprintf(count, sizeof count, "%d", n);
	g_snprintf(id, sizeof id, "%" G_GINT64_FORMAT, p->id);
	if (rc >= 0 && db_exec(c->db, "UPDATE pings SET reminders = ? WHERE id = ?", 2, params) < 0)
		rc = -1;
	g_free(row);
	g_free(msgid);
	return rc;
}

/* test-pings.c - the store of communication checks and the figures of a
 * round: tokens (130 random bits, 26 lower-case base32 characters, unique,
 * every character position used), the scope written and read back, which
 * POCs a round pings (State, type, withdrawn, created after the round,
 * already pinged, first address and language), rounds and finding a ping
 * by its token, and the report on known data: outcomes, per State, per
 * type and overall counts, response rate, median and 90th percentile, in
 * text, CSV and JSON. Queuing (signing) is tested end to end in
 * tests/e2e/pings.sh. Each test works in its own temporary directory with
 * a database made for it, and removes it. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include "robot/db.h"
#include "tests/unit/testlib.h"
#include "robot/ping-report.h"
#include "robot/pings.h"
#include "robot/ping-evidence.h"
#include "robot/pings-health.h"
#include "robot/templates.h"

#define NOW 1700000000


/* A POC: id (its State, type letter and number are read from it). */
static void poc(sqlite3 *db, const char *id, const char *type, const char *status, gint64 created,
		const char *address, const char *lang)
{
	char *s = g_strdup_printf("INSERT INTO pocs (id, state, type, number, organisation, status, version, created,"
				  " updated, withdrawn_reason) VALUES ('%s', substr('%s', 1, 2), '%s', %s, 'Org', '%s', 1,"
				  " %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %s);"
				  "INSERT INTO poc_emails VALUES ('%s', 0, '%s'); INSERT INTO poc_emails VALUES ('%s', 1, 'second@x.example');"
				  "INSERT INTO poc_languages VALUES ('%s', 0, '%s');",
				  id, id, type, strrchr(id, '-') + 1, status, created, created,
				  strcmp(status, "withdrawn") ? "NULL" : "'gone'", id, address, id, id, lang);

	testlib_sql(db, s);
	g_free(s);
}

static void world_new(struct testlib_db *w)
{
	testlib_db_new(w, "pings", "FR", "DE", "RU", NULL);
	poc(w->db, "FR-T-1", "technical", "active", NOW - 100, "cert@fr.example", "fr");
	poc(w->db, "FR-P-1", "policy", "pending", NOW - 100, "policy@fr.example", "en");
	poc(w->db, "FR-D-1", "diplomatic", "withdrawn", NOW - 100, "old@fr.example", "fr");
	poc(w->db, "DE-T-1", "technical", "unverified", NOW - 100, "cert@de.example", "de");
	poc(w->db, "RU-T-1", "technical", "active", NOW + 100, "cert@ru.example", "ru");
}

/* ---- tokens ---- */

START_TEST(test_tokens)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTable *at[PINGS_TOKEN_CHARS];

	for (int i = 0; i < PINGS_TOKEN_CHARS; i++)
		at[i] = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (int n = 0; n < 2000; n++) {
		char t[PINGS_TOKEN_LEN];

		ck_assert_int_eq(pings_token_new(t), 0);
		ck_assert_int_eq(strlen(t), 26);
		ck_assert_msg(pings_token_valid(t), "%s", t);
		ck_assert_msg(strspn(t, "abcdefghijklmnopqrstuvwxyz234567") == 26, "%s", t);
		ck_assert_msg(g_hash_table_insert(seen, g_strdup(t), NULL), "token %s made twice", t);
		for (int i = 0; i < PINGS_TOKEN_CHARS; i++)
			g_hash_table_add(at[i], GINT_TO_POINTER((int)t[i]));
	}
	/* 5 random bits a character, the last included (26 x 5 = 130 bits):
	 * 2000 draws leave no value of 32 unseen in any position */
	for (int i = 0; i < PINGS_TOKEN_CHARS; i++) {
		ck_assert_msg(g_hash_table_size(at[i]) == 32, "position %d: %u values", i, g_hash_table_size(at[i]));
		g_hash_table_unref(at[i]);
	}
	ck_assert_int_ge(PINGS_TOKEN_CHARS * 5, 128);
	g_hash_table_unref(seen);
}
END_TEST

START_TEST(test_token_valid)
{
	ck_assert(pings_token_valid("abcdefghijklmnopqrstuvwxyz"));
	ck_assert(pings_token_valid("a234567bcdefghijklmnopqrst"));
	ck_assert(!pings_token_valid(NULL));
	ck_assert(!pings_token_valid(""));
	ck_assert(!pings_token_valid("abcdefghijklmnopqrstuvwxy"));
	ck_assert(!pings_token_valid("abcdefghijklmnopqrstuvwxyza"));
	ck_assert(!pings_token_valid("Abcdefghijklmnopqrstuvwxyz"));
	ck_assert(!pings_token_valid("abcdefghijklmnopqrstuvwxy1"));
	ck_assert(!pings_token_valid("abcdefghijklmnopqrstuvwxy8"));
	ck_assert(!pings_token_valid("abcdefghijklm'opqrstuvwxyz"));
}
END_TEST

START_TEST(test_proof)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char shown[PINGS_PROOF_TEXT_LEN];

	for (int n = 0; n < 2000; n++) {
		char c[PINGS_PROOF_LEN];

		ck_assert_int_eq(pings_proof_new(c), 0);
		ck_assert_int_eq(strlen(c), PINGS_PROOF_CHARS);
		ck_assert_msg(strspn(c, PINGS_PROOF_ALPHABET) == PINGS_PROOF_CHARS, "%s", c);
		ck_assert_msg(g_hash_table_insert(seen, g_strdup(c), NULL), "code %s made twice", c);
	}
	ck_assert(!strpbrk(PINGS_PROOF_ALPHABET, "01ILO"));
	pings_proof_text("ABCDEFGHJKMN", shown);
	ck_assert_str_eq(shown, "ABCD-EFGH-JKMN");
	ck_assert(pings_proof_in("ABCDEFGHJKMN", "the code: ABCD-EFGH-JKMN, thanks"));
	ck_assert(pings_proof_in("ABCDEFGHJKMN", "> Proof code:  abcd efgh\tjkmn"));
	ck_assert(pings_proof_in("ABCDEFGHJKMN", "abcd-\nefgh-jkmn"));
	ck_assert(!pings_proof_in("ABCDEFGHJKMN", "ABCD-EFGH-JKM"));
	ck_assert(!pings_proof_in("ABCDEFGHJKMN", "ABCD-EFGH-JKMM"));
	ck_assert(!pings_proof_in("ABCDEFGHJKMN", NULL));
	ck_assert(!pings_proof_in("", "anything"));
	ck_assert(!pings_proof_in(NULL, "anything"));
	g_hash_table_unref(seen);
}
END_TEST

/* ---- scope and targets ---- */

START_TEST(test_scope)
{
	char *states[] = { "FR", "DE", NULL };
	struct pings_scope s = { states, POC_TECHNICAL }, back;
	char *text = pings_scope_text(&s);

	ck_assert_str_eq(text, "states=FR,DE type=technical");
	ck_assert_int_eq(pings_scope_parse(text, &back), 0);
	ck_assert_str_eq(back.states[0], "FR");
	ck_assert_str_eq(back.states[1], "DE");
	ck_assert_ptr_null(back.states[2]);
	ck_assert_int_eq(back.type, POC_TECHNICAL);
	pings_scope_clear(&back);
	g_free(text);
	s.states = NULL;
	s.type = POC_TYPE_NONE;
	text = pings_scope_text(&s);
	ck_assert_str_eq(text, "");
	ck_assert_int_eq(pings_scope_parse(text, &back), 0);
	ck_assert_ptr_null(back.states);
	ck_assert_int_eq(back.type, POC_TYPE_NONE);
	g_free(text);
	ck_assert_int_eq(pings_scope_parse("type=nonsense", &back), -1);
	ck_assert_int_eq(pings_scope_parse("states=FRA", &back), -1);
	ck_assert_int_eq(pings_scope_parse("colour=blue", &back), -1);
}
END_TEST

static char *ids(GPtrArray *targets)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < targets->len; i++) {
		const struct pings_target *t = targets->pdata[i];

		g_string_append_printf(s, "%s%s:%s:%s", i ? " " : "", t->poc, t->lang, t->address);
	}
	g_ptr_array_unref(targets);
	return g_string_free(s, FALSE);
}

START_TEST(test_targets)
{
	struct testlib_db w;
	char *fr[] = { "FR", NULL }, *got;
	struct pings_scope all = { NULL, POC_TYPE_NONE }, only_fr = { fr, POC_TYPE_NONE },
			   technical = { NULL, POC_TECHNICAL };

	world_new(&w);
	got = ids(pings_targets(w.db, &all, NOW, 0, 0));
	/* withdrawn FR-D-1 and RU-T-1 (created after NOW) left out; first
	 * address; German is not a robot language: English */
	ck_assert_str_eq(got, "DE-T-1:en:cert@de.example FR-P-1:en:policy@fr.example FR-T-1:fr:cert@fr.example");
	g_free(got);
	got = ids(pings_targets(w.db, &all, NOW + 100, 0, 0));
	ck_assert_ptr_nonnull(strstr(got, "RU-T-1:ru:cert@ru.example"));
	g_free(got);
	got = ids(pings_targets(w.db, &only_fr, NOW, 0, 0));
	ck_assert_str_eq(got, "FR-P-1:en:policy@fr.example FR-T-1:fr:cert@fr.example");
	g_free(got);
	got = ids(pings_targets(w.db, &technical, NOW, 0, 1));
	ck_assert_str_eq(got, "DE-T-1:en:cert@de.example");
	g_free(got);
	/* a POC already pinged in round 1 is not a target of round 1 */
	ck_assert_int_eq(pings_round_open(w.db, NOW, NOW + 86400, "", "custodian"), 1);
	testlib_sql(w.db, "INSERT INTO pings (round, purpose, poc, address, lang, token, queued, deadline)"
		  " VALUES (1, 'round', 'FR-T-1', 'cert@fr.example', 'fr', 'aaaaaaaaaaaaaaaaaaaaaaaaaa', 1, 2)");
	got = ids(pings_targets(w.db, &only_fr, NOW, 1, 0));
	ck_assert_str_eq(got, "FR-P-1:en:policy@fr.example");
	g_free(got);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_rounds_and_find)
{
	struct testlib_db w;
	struct pings_round r;
	struct ping p;
	gint64 started = 0;

	world_new(&w);
	ck_assert_int_eq(pings_last_round_start(w.db, &started), 0);
	ck_assert_int_eq(pings_round_open(w.db, NOW, NOW + 86400, "states=FR", "custodian"), 1);
	ck_assert_int_eq(pings_round_open(w.db, NOW + 10, NOW + 86400, "", "schedule"), 2);
	ck_assert_int_eq(pings_last_round_start(w.db, &started), 1);
	ck_assert_int_eq(started, NOW + 10);
	ck_assert_int_eq(pings_round_get(w.db, 1, &r), 1);
	ck_assert_str_eq(r.scope, "states=FR");
	ck_assert_str_eq(r.started_by, "custodian");
	ck_assert_int_eq(r.deadline, NOW + 86400);
	ck_assert_int_eq(r.closed, 0);
	pings_round_clear(&r);
	ck_assert_int_eq(pings_round_get(w.db, 3, &r), 0);
	testlib_sql(w.db, "INSERT INTO pings (round, purpose, poc, address, lang, token, queued, deadline, reminders)"
		  " VALUES (1, 'round', 'FR-T-1', 'cert@fr.example', 'fr', 'abcdefghijklmnopqrstuvwxyz', 5, 9, 1);"
		  "INSERT INTO outbox (token, purpose, env_from, rcpt, body, created, next_try, state, done)"
		  " VALUES ('abcdefghijklmnopqrstuvwxyz', 'ping', 'b', 'r', x'00', 5, 5, 'sent', 7)");
	ck_assert_int_eq(pings_find(w.db, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", &p), 1);
	ck_assert_str_eq(p.poc, "FR-T-1");
	ck_assert_str_eq(p.purpose, "round");
	ck_assert_int_eq(p.round, 1);
	ck_assert_int_eq(p.sent, 7);
	ck_assert_int_eq(p.reminders, 1);
	ck_assert_int_eq(p.answered, 0);
	pings_clear(&p);
	ck_assert_int_eq(pings_find(w.db, "abcdefghijklmnopqrstuvwxy2", &p), 0);
	ck_assert_int_eq(pings_find(w.db, "x' OR 1=1 --", &p), 0);
	ck_assert_int_eq(pings_find(w.db, NULL, &p), 0);
	/* one ping per POC in a round (db/0008) */
	ck_assert_int_ne(sqlite3_exec(w.db, "INSERT INTO pings (round, purpose, poc, address, lang, token, queued,"
				      " deadline) VALUES (1, 'round', 'FR-T-1', 'a', 'fr', 'bbbbbbbbbbbbbbbbbbbbbbbbbb', 1, 2)",
				      NULL, NULL, NULL), SQLITE_OK);
	testlib_db_free(&w);
}
END_TEST

/* ---- figures ---- */

START_TEST(test_percentiles)
{
	gint64 none[1] = { 0 }, one[] = { 42 }, three[] = { 5, 1, 3 }, four[] = { 4, 1, 3, 2 };
	gint64 ten[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 }, eleven[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100 };
	gint64 m, p;

	ping_report_percentiles(none, 0, &m, &p);
	ck_assert(m == -1 && p == -1);
	ping_report_percentiles(one, 1, &m, &p);
	ck_assert(m == 42 && p == 42);
	ping_report_percentiles(three, 3, &m, &p);
	ck_assert(m == 3 && p == 5);
	ping_report_percentiles(four, 4, &m, &p);	/* (2 + 3) / 2 rounded down; rank ceil(3.6) = 4 */
	ck_assert(m == 2 && p == 4);
	ping_report_percentiles(ten, 10, &m, &p);	/* (5 + 6) / 2; rank 9 */
	ck_assert(m == 5 && p == 9);
	ping_report_percentiles(eleven, 11, &m, &p);	/* middle 6; rank ceil(9.9) = 10 */
	ck_assert(m == 6 && p == 10);
}
END_TEST

/* Round 1 with known outcomes: FR-T-1 answered in 600 s, FR-P-1 answered
 * in 3000 s, DE-T-1 bounced 5.1.1 (hard) after an auto-reply, RU-T-1 auto-
 * reply only, FR-D-1 (withdrawn since) silent and never handed over. */
static void known_round(sqlite3 *db)
{
	ck_assert_int_eq(pings_round_open(db, NOW, NOW + 14 * 86400, "", "custodian"), 1);
	testlib_sql(db, "INSERT INTO pings (round, purpose, poc, address, lang, token, queued, deadline, answered,"
		" answer_seconds, bounced, bounce_status, bounce_hard, bounce_diagnostic, autoreplied) VALUES"
		" (1, 'round', 'FR-T-1', 'cert@fr.example', 'fr', 'aaaaaaaaaaaaaaaaaaaaaaaaaa', 1, 2, 700, 600, NULL, NULL, NULL, NULL, NULL),"
		" (1, 'round', 'FR-P-1', 'policy@fr.example', 'en', 'bbbbbbbbbbbbbbbbbbbbbbbbbb', 1, 2, 3100, 3000, NULL, NULL, NULL, NULL, 50),"
		" (1, 'round', 'DE-T-1', 'cert@de.example', 'en', 'cccccccccccccccccccccccccc', 1, 2, NULL, NULL, 160, '5.1.1', 1,"
		"  'smtp; 550 5.1.1 user unknown, \"quoted\"' || char(10) || 'X-Injected: yes', 120),"
		" (1, 'round', 'RU-T-1', 'cert@ru.example', 'ru', 'dddddddddddddddddddddddddd', 1, 2, NULL, NULL, NULL, NULL, NULL, NULL, 130),"
		" (1, 'round', 'FR-D-1', 'old@fr.example', 'fr', 'eeeeeeeeeeeeeeeeeeeeeeeeee', 1, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL);"
		"INSERT INTO outbox (token, purpose, env_from, rcpt, body, created, next_try, state, done) VALUES"
		" ('aaaaaaaaaaaaaaaaaaaaaaaaaa', 'ping', 'b', 'r', x'00', 1, 1, 'sent', 100),"
		" ('bbbbbbbbbbbbbbbbbbbbbbbbbb', 'ping', 'b', 'r', x'00', 1, 1, 'sent', 100),"
		" ('cccccccccccccccccccccccccc', 'ping', 'b', 'r', x'00', 1, 1, 'sent', 100),"
		" ('dddddddddddddddddddddddddd', 'ping', 'b', 'r', x'00', 1, 1, 'sent', 100),"
		" ('eeeeeeeeeeeeeeeeeeeeeeeeee', 'ping', 'b', 'r', x'00', 1, 1, 'queued', NULL)");
}

static const struct ping_figures *group(const struct ping_report *r, const char *state, const char *type)
{
	for (guint i = 0; i < r->groups->len; i++) {
		const struct ping_figures *f = r->groups->pdata[i];

		if (strcmp(f->state, state) == 0 && strcmp(f->type, type) == 0)
			return f;
	}
	ck_abort_msg("no group %s/%s", state, type);
	return NULL;
}

START_TEST(test_report_figures)
{
	struct testlib_db w;
	struct ping_report r;
	const struct ping_figures *f;

	world_new(&w);
	known_round(w.db);
	ck_assert_int_eq(ping_report_build(w.db, 2, &r), 0);
	ck_assert_int_eq(ping_report_build(w.db, 1, &r), 1);
	ck_assert_int_eq(r.entries->len, 5);
	ck_assert_int_eq(r.groups->len, 3 + 3 + 1);	/* DE FR RU; diplomatic policy technical; all */
	f = group(&r, "", "");
	ck_assert_int_eq(f->pings, 5);
	ck_assert_int_eq(f->sent, 4);
	ck_assert_int_eq(f->answered, 2);
	ck_assert_int_eq(f->autoreply_only, 1);
	ck_assert_int_eq(f->bounced, 1);
	ck_assert_int_eq(f->silent, 1);
	ck_assert(f->rate > 0.399 && f->rate < 0.401);
	ck_assert_int_eq(f->median, 1800);
	ck_assert_int_eq(f->p90, 3000);
	f = group(&r, "FR", "");
	ck_assert(f->pings == 3 && f->answered == 2 && f->silent == 1 && f->median == 1800);
	f = group(&r, "DE", "");
	ck_assert(f->pings == 1 && f->bounced == 1 && f->autoreply_only == 0 && f->median == -1 && f->rate == 0);
	f = group(&r, "", "technical");
	ck_assert(f->pings == 3 && f->answered == 1 && f->bounced == 1 && f->autoreply_only == 1);
	ck_assert(f->median == 600 && f->p90 == 600);
	ping_report_clear(&r);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_report_formats)
{
	struct testlib_db w;
	struct ping_report r;
	JsonParser *parser = json_parser_new();
	GError *err = NULL;
	char *text, *csv, *json;
	JsonObject *root, *all;
	JsonArray *groups;

	world_new(&w);
	known_round(w.db);
	ck_assert_int_eq(ping_report_build(w.db, 1, &r), 1);
	text = ping_report_text(&r);
	csv = ping_report_csv(&r);
	json = ping_report_json(&r);
	ck_assert_ptr_nonnull(strstr(text, "Ping round 1"));
	ck_assert_ptr_nonnull(strstr(text, "2023-11-14T22:13:20Z"));
	ck_assert_ptr_nonnull(strstr(text, "0:30:00"));		/* the median, 1800 s */
	ck_assert_ptr_nonnull(strstr(text, "40.0%"));
	ck_assert_ptr_nonnull(strstr(text, "DE-T-1       cert@de.example  5.1.1 hard"));
	ck_assert_ptr_null(strstr(text, "\nX-Injected"));	/* a diagnostic stays on its line */
	ck_assert(g_str_has_prefix(csv, "kind,state,type,poc,address,pings,sent,answered,autoreply_only,bounced,"
				   "silent,response_rate,median_seconds,p90_seconds,bounce_status,bounce_hard,"
				   "bounce_diagnostic,at\r\n"));
	ck_assert_ptr_nonnull(strstr(csv, "\r\ngroup,,,,,5,4,2,1,1,1,0.4000,1800,3000,,,,\r\n"));
	ck_assert_ptr_nonnull(strstr(csv, "\r\nbounce,DE,technical,DE-T-1,cert@de.example,,,,,,,,,,5.1.1,1,"
				     "\"smtp; 550 5.1.1 user unknown, \"\"quoted\"\" X-Injected: yes\","));
	ck_assert_msg(json_parser_load_from_data(parser, json, -1, &err), "%s", err ? err->message : "?");
	root = json_node_get_object(json_parser_get_root(parser));
	groups = json_object_get_array_member(root, "groups");
	all = json_array_get_object_element(groups, json_array_get_length(groups) - 1);
	ck_assert(json_object_get_null_member(all, "state"));
	ck_assert_int_eq(json_object_get_int_member(all, "answered"), 2);
	ck_assert_int_eq(json_object_get_int_member(all, "median_seconds"), 1800);
	ck_assert_int_eq(json_object_get_int_member(all, "p90_seconds"), 3000);
	ck_assert_str_eq(json_object_get_string_member(json_object_get_object_member(root, "round"), "started_by"),
			 "custodian");
	ck_assert_int_eq(json_array_get_length(json_object_get_array_member(root, "pings")), 5);
	g_object_unref(parser);
	g_free(text);
	g_free(csv);
	g_free(json);
	ping_report_clear(&r);
	testlib_db_free(&w);
}
END_TEST

/* Every ping text renders in every language with the variables the code
 * gives it; the ping, its reminder and the verification ping carry the
 * token in their subject. */
START_TEST(test_templates)
{
	static const char *const langs[] = { "ar", "en", "es", "fr", "ru", "zh" };
	static const char *const names[] = { "ping", "ping-verification", "ping-reminder", "ping-escalation",
					     "ping-report", "ping-unverified", "update-reminder" };
	static const char *const vars[] = { "token", "abcdefghijklmnopqrstuvwxyz", "id", "FR-T-1", "state", "France",
					    "deadline", "2026-12-07 14:00 UTC", "reply", "ping+abc@robot.test",
					    "robot", "pocbot@robot.test", "custodian", "un@robot.test", "n", "1",
					    "round", "3", "list", "  FR-T-1 x@y.example\n", "report", "figures\n",
					    "filename", "r.csv", "address", "x@y.example", "date", "2026-12-07",
					    "forms", "UPDATE\n", "proof", "ABCD-EFGH-JKMN", "invite", "yes",
					    "keyless", "  FR-T-1  x@y.example\n" };
	struct templates *t = templates_load();
	GHashTable *v = g_hash_table_new(g_str_hash, g_str_equal);

	for (size_t i = 0; i < G_N_ELEMENTS(vars); i += 2)
		g_hash_table_insert(v, (char *)vars[i], (char *)vars[i + 1]);
	for (size_t l = 0; l < G_N_ELEMENTS(langs); l++)
		for (size_t n = 0; n < G_N_ELEMENTS(names); n++) {
			char *subject = NULL, *body = NULL, *said;

			ck_assert_msg(templates_get(t, langs[l], names[n]), "templates/%s/%s.txt missing", langs[l], names[n]);
			ck_assert_msg(templates_message(t, langs[l], names[n], v, &subject, &body) == 0, "%s/%s", langs[l],
				      names[n]);
			ck_assert_msg(!strstr(body, "{{") && *subject, "%s/%s", langs[l], names[n]);
			if (n < 3)
				ck_assert_msg(strstr(subject, "[abcdefghijklmnopqrstuvwxyz]"), "%s/%s: %s", langs[l], names[n],
					      subject);
			if (n < 3)	/* the proof code; the keyless addresses */
				ck_assert_msg(strstr(body, "ABCD-EFGH-JKMN"), "%s/%s", langs[l], names[n]);
			if (n == 1 || n == 6)	/* the invitation names the label */
				ck_assert_msg(strstr(body, "Key:"), "%s/%s", langs[l], names[n]);
			if (n == 6)
				ck_assert_msg(strstr(body, "FR-T-1  x@y.example"), "%s", langs[l]);
			if (n < 3 && strcmp(langs[l], "en"))	/* and English beside it */
				ck_assert_msg(strstr(subject, " / "), "%s/%s: %s", langs[l], names[n], subject);
			g_free(subject);
			g_free(body);
			said = templates_phrase(t, langs[l], "ping-phrases", "autoreply");
			ck_assert_msg(said && *said, "%s/ping-phrases.txt", langs[l]);
			g_free(said);
		}
	g_hash_table_unref(v);
	templates_free(t);
}
END_TEST

/* ---- evidence and address health ---- */

/* The rule, case by case (README, "A POC's status"). */
START_TEST(test_evidence_rule)
{
	const struct pings_evidence none = { 0 },
		round_answer = { .proven = NOW - 50 },
		after_verification = { .proven = NOW - 10, .verification = NOW - 20,
				       .verification_deadline = NOW - 5 },
		before_verification = { .proven = NOW - 30, .verification = NOW - 20,
					.verification_deadline = NOW - 5 },
		waiting = { .verification = NOW - 20, .verification_deadline = NOW + 5 },
		verified = { .proven = NOW - 10, .verification = NOW - 20,
			     .verification_deadline = NOW - 5, .verification_answered = TRUE };

	/* an answer to any ping (here a round's) proves: pending, unverified -> active */
	ck_assert_int_eq(ping_evidence_status(POC_PENDING, &round_answer, NOW), POC_ACTIVE);
	ck_assert_int_eq(ping_evidence_status(POC_UNVERIFIED, &round_answer, NOW), POC_ACTIVE);
	/* proven after the verification ping was queued: never unverified */
	ck_assert_int_eq(ping_evidence_status(POC_PENDING, &after_verification, NOW), POC_ACTIVE);
	ck_assert_int_eq(ping_evidence_status(POC_PENDING, &verified, NOW), POC_ACTIVE);
	/* a proof older than the verification ping does not count for it */
	ck_assert_int_eq(ping_evidence_status(POC_PENDING, &before_verification, NOW),
			 POC_UNVERIFIED);
	/* before the deadline nothing is decided; nothing at all: as it was */
	ck_assert_int_eq(ping_evidence_status(POC_PENDING, &waiting, NOW), POC_PENDING);
	ck_assert_int_eq(ping_evidence_status(POC_PENDING, &none, NOW), POC_PENDING);
	ck_assert_int_eq(ping_evidence_status(POC_ACTIVE, &before_verification, NOW), POC_ACTIVE);
	/* withdrawn stays withdrawn whatever comes */
	ck_assert_int_eq(ping_evidence_status(POC_WITHDRAWN, &round_answer, NOW), POC_WITHDRAWN);
}
END_TEST

/* What the store reads back as evidence, and the application, audited. */
START_TEST(test_evidence_apply)
{
	struct testlib_db w;
	struct pings_evidence e;
	enum poc_status after;
	gint64 n = 0;

	world_new(&w);
	/* FR-P-1 (pending) answered round 1 from its address; a verification
	 * ping before that is unanswered */
	ck_assert_int_eq(pings_round_open(w.db, NOW, NOW + 86400, "", "custodian"), 1);
	testlib_sql(w.db, "INSERT INTO pings (round, purpose, poc, address, lang, token, queued,"
		    " deadline) VALUES (NULL, 'verification', 'FR-P-1', 'policy@fr.example', 'en',"
		    " 'aaaaaaaaaaaaaaaaaaaaaaaaaa', 1000, 2000);"
		    "INSERT INTO pings (round, purpose, poc, address, lang, token, queued, deadline,"
		    " answered) VALUES (1, 'round', 'FR-P-1', 'POLICY@fr.example', 'en',"
		    " 'bbbbbbbbbbbbbbbbbbbbbbbbbb', 1500, 9000, 1600);"
		    /* an answer to an address DE-T-1 no longer has proves nothing */
		    "INSERT INTO pings (round, purpose, poc, address, lang, token, queued, deadline,"
		    " answered) VALUES (1, 'round', 'DE-T-1', 'gone@de.example', 'en',"
		    " 'cccccccccccccccccccccccccc', 1500, 9000, 1600)");
	ck_assert_int_eq(pings_health_evidence(w.db, "FR-P-1", &e), 0);
	ck_assert_int_eq(e.proven, 1600);
	ck_assert_int_eq(e.verification, 1000);
	ck_assert(!e.verification_answered);
	ck_assert_int_eq(db_begin(w.db), 0);
	ck_assert_int_eq(ping_evidence_apply(w.db, "FR-P-1", NOW, "ping", "\"x\": 1", &after), 1);
	ck_assert_int_eq(after, POC_ACTIVE);
	ck_assert_int_eq(ping_evidence_apply(w.db, "FR-P-1", NOW, "ping", NULL, &after), 0);
	ck_assert_int_eq(db_commit(w.db), 0);
	ck_assert_int_eq(db_int64(w.db, &n, "SELECT count(*) FROM events WHERE action ="
				  " 'poc-verified' AND detail LIKE '%FR-P-1%\"before\": \"pending\"%'",
				  NULL), 1);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(pings_health_evidence(w.db, "DE-T-1", &e), 0);
	ck_assert_int_eq(e.proven, 0);
	ck_assert_int_eq(ping_evidence_apply(w.db, "DE-T-1", NOW, "ping", NULL, &after), 0);
	ck_assert_int_eq(after, POC_UNVERIFIED);
	testlib_db_free(&w);
}
END_TEST

static int dead_count(sqlite3 *db, const char *poc, gboolean untold)
{
	GPtrArray *d = pings_health_dead(db, poc, untold);
	int n;

	ck_assert_ptr_nonnull(d);
	n = (int)d->len;
	g_ptr_array_unref(d);
	return n;
}

/* Hard bounces mark at once; soft ones after PINGS_SOFT_ROUNDS rounds in a
 * row; an answer clears; the round pings the next deliverable address
 * and records the skipped one; a withdrawn POC's pings are cancelled. */
START_TEST(test_address_health)
{
	struct testlib_db w;
	struct pings_scope fr = { (char *[]){ "FR", NULL }, POC_TYPE_NONE };
	GPtrArray *skips;
	char *got;
	gint64 n = 0;

	world_new(&w);
	ck_assert_int_eq(PINGS_SOFT_ROUNDS, 2);
	/* hard: marked once, the first status stays */
	ck_assert_int_eq(pings_health_bounce(w.db, "FR-T-1", "CERT@fr.example", 1, 1, "5.1.1",
					     "no such user", NOW), 1);
	ck_assert_int_eq(pings_health_bounce(w.db, "FR-T-1", "cert@fr.example", 2, 1, "5.2.1",
					     "x", NOW + 5), 0);
	ck_assert_int_eq(pings_health_is_dead(w.db, "FR-T-1", "cert@FR.example"), 1);
	skips = pings_health_dead(w.db, "FR-T-1", FALSE);
	ck_assert_int_eq(skips->len, 1);
	ck_assert_str_eq(((struct pings_dead *)skips->pdata[0])->status, "5.1.1");
	ck_assert_int_eq(((struct pings_dead *)skips->pdata[0])->since, NOW);
	g_ptr_array_unref(skips);
	/* an address the POC does not have is never marked */
	ck_assert_int_eq(pings_health_bounce(w.db, "FR-T-1", "other@fr.example", 1, 1, "5.1.1",
					     NULL, NOW), 0);
	/* told once */
	ck_assert_int_eq(dead_count(w.db, NULL, TRUE), 1);
	ck_assert_int_eq(pings_health_told(w.db, "FR-T-1", "cert@fr.example", NOW), 0);
	ck_assert_int_eq(dead_count(w.db, NULL, TRUE), 0);
	ck_assert_int_eq(dead_count(w.db, NULL, FALSE), 1);
	/* the round pings the second address and records the first skipped */
	got = ids(pings_targets(w.db, &fr, NOW, 0, 0));
	ck_assert_str_eq(got, "FR-P-1:en:policy@fr.example FR-T-1:fr:second@x.example");
	g_free(got);
	/* soft: a verification ping's does not count; one round's counts once */
	ck_assert_int_eq(pings_health_bounce(w.db, "FR-P-1", "policy@fr.example", 0, 0, "4.2.2",
					     NULL, NOW), 0);
	ck_assert_int_eq(pings_health_bounce(w.db, "FR-P-1", "policy@fr.example", 1, 0, "4.2.2",
					     NULL, NOW), 0);
	ck_assert_int_eq(pings_health_bounce(w.db, "FR-P-1", "policy@fr.example", 1, -1, "4.2.2",
					     NULL, NOW), 0);
	/* an answer in between starts the count again */
	ck_assert_int_eq(pings_health_clear(w.db, "FR-P-1", "policy@fr.example"), 0);
	ck_assert_int_eq(pings_health_bounce(w.db, "FR-P-1", "policy@fr.example", 2, 0, "4.2.2",
					     NULL, NOW), 0);
	ck_assert_int_eq(pings_health_bounce(w.db, "FR-P-1", "policy@fr.example", 3, 0, "4.2.2",
					     "mailbox full", NOW + 9), 1);
	ck_assert_int_eq(dead_count(w.db, "FR-P-1", FALSE), 1);
	/* an answer clears the mark, and says there was one */
	ck_assert_int_eq(pings_health_clear(w.db, "FR-P-1", "policy@fr.example"), 1);
	ck_assert_int_eq(dead_count(w.db, "FR-P-1", FALSE), 0);
	/* a mark on an address the POC no longer has is forgotten */
	testlib_sql(w.db, "UPDATE poc_emails SET address = 'new@fr.example'"
		    " WHERE poc = 'FR-T-1' AND position = 0");
	ck_assert_int_eq(dead_count(w.db, "FR-T-1", FALSE), 0);	/* not shown */
	ck_assert_int_eq(pings_health_forget(w.db, "FR-T-1"), 0);
	ck_assert_int_eq(db_int64(w.db, &n, "SELECT count(*) FROM address_health"
				  " WHERE poc = 'FR-T-1'", NULL), 1);
	ck_assert_int_eq(n, 0);
	/* a withdrawn POC: its pings finished, its queued rows cancelled */
	testlib_sql(w.db, "INSERT INTO pings (round, purpose, poc, address, lang, token, queued,"
		    " deadline) VALUES (NULL, 'verification', 'FR-P-1', 'policy@fr.example', 'en',"
		    " 'dddddddddddddddddddddddddd', 1, 99);"
		    "INSERT INTO outbox (token, purpose, env_from, rcpt, body, created, next_try)"
		    " VALUES ('dddddddddddddddddddddddddd', 'ping', 'b', 'r', x'00', 1, 1),"
		    " ('dddddddddddddddddddddddddd-r1', 'ping-reminder', 'b', 'r', x'00', 1, 1),"
		    " ('eeeeeeeeeeeeeeeeeeeeeeeeee', 'notice', 'b', 'r', x'00', 1, 1)");
	ck_assert_int_eq(pings_health_cancel(w.db, "FR-P-1", NOW), 2);
	ck_assert_int_eq(db_int64(w.db, &n, "SELECT count(*) FROM outbox WHERE state ="
				  " 'cancelled'", NULL), 1);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(db_int64(w.db, &n, "SELECT count(*) FROM pings WHERE poc = 'FR-P-1'"
				  " AND finished IS NULL", NULL), 1);
	ck_assert_int_eq(n, 0);
	testlib_db_free(&w);
}
END_TEST

static Suite *pings_suite(void)
{
	Suite *s = suite_create("pings");
	TCase *tc = tcase_create("store");

	tcase_add_test(tc, test_tokens);
	tcase_add_test(tc, test_token_valid);
	tcase_add_test(tc, test_proof);
	tcase_add_test(tc, test_scope);
	tcase_add_test(tc, test_targets);
	tcase_add_test(tc, test_rounds_and_find);
	tcase_add_test(tc, test_percentiles);
	tcase_add_test(tc, test_report_figures);
	tcase_add_test(tc, test_report_formats);
	tcase_add_test(tc, test_templates);
	tcase_add_test(tc, test_evidence_rule);
	tcase_add_test(tc, test_evidence_apply);
	tcase_add_test(tc, test_address_health);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pings_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* test-audit.c - the audit trail: events chain and verify; an edited, a
 * removed (in the middle or at the end) or an inserted event is found,
 * with its id, by audit_verify, also when the attacker drops the triggers
 * first with plain sqlite3 as anyone with the file could; the triggers
 * refuse UPDATE and DELETE; audit_foreach filters by State. Each test
 * works in its own temporary directory and removes it. */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <sqlite3.h>
#include "robot/audit.h"
#include "robot/db.h"
#include "tests/unit/testlib.h"

struct world {
	char *dir, *file;
	sqlite3 *db;
};

static void world_new(struct world *w)
{
	w->dir = testlib_dir_new("audit");
	w->file = g_build_filename(w->dir, "pocbot.db", NULL);
	w->db = testlib_db_open(w->file);
}

static void world_free(struct world *w)
{
	db_close(w->db);
	testlib_dir_free(w->dir);
	g_free(w->file);
}

/* Appends one event in its own transaction. */
static void append(sqlite3 *db, gint64 at, const char *state, const char *action, const char *detail)
{
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(audit_append(db, at, "custodian", state, action, detail), 0);
	ck_assert_int_eq(db_commit(db), 0);
}

static void append_five(sqlite3 *db)
{
	append(db, 1000, "FR", "signer-add", "openpgp AAAA as authority");
	append(db, 1001, NULL, "robot-start", NULL);
	append(db, 1002, "DE", "signer-add", "smime BBBB as reader");
	append(db, 1003, "FR", "signer-revoke", "openpgp AAAA: lost");
	append(db, 1004, "FR", "poc-add", "");
}

/* Runs sql through a connection of its own, as the sqlite3 tool would. */
static void attacker(const char *file, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(file, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
	db_close(db);
}

/* audit_verify must fail at want_id. */
static void broken_at(sqlite3 *db, gint64 want_id)
{
	gint64 bad = -1;
	char *err = NULL;

	ck_assert_int_eq(audit_verify(db, &bad, &err), -1);
	ck_assert_msg(bad == want_id, "bad id %lld, wanted %lld (%s)", (long long)bad, (long long)want_id,
		      err ? err : "");
	ck_assert(err != NULL);
	g_free(err);
}

static gint64 verify_ok(sqlite3 *db)
{
	gint64 bad = -1, n;
	char *err = NULL;

	n = audit_verify(db, &bad, &err);
	ck_assert_msg(n >= 0, "verify: %s (event %lld)", err ? err : "?", (long long)bad);
	ck_assert(err == NULL);
	return n;
}

static char *query_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *v = NULL;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

START_TEST(test_chain_appends_and_verifies)
{
	struct world w;
	char *first_prev, *prev3, *hash2;

	world_new(&w);
	ck_assert_int_eq(verify_ok(w.db), 0);
	append_five(w.db);
	ck_assert_int_eq(verify_ok(w.db), 5);
	first_prev = query_text(w.db, "SELECT prev_hash FROM events WHERE id = 1");
	ck_assert_str_eq(first_prev, AUDIT_GENESIS);
	prev3 = query_text(w.db, "SELECT prev_hash FROM events WHERE id = 3");
	hash2 = query_text(w.db, "SELECT hash FROM events WHERE id = 2");
	ck_assert_str_eq(prev3, hash2);
	ck_assert_uint_eq(strlen(hash2), 64);
	g_free(first_prev);
	g_free(prev3);
	g_free(hash2);
	/* a new connection sees the same intact chain */
	db_close(w.db);
	{
		char *err = NULL;

		w.db = db_open(w.file, &err);
		ck_assert_msg(w.db != NULL, "%s", err ? err : "?");
	}
	ck_assert_int_eq(verify_ok(w.db), 5);
	world_free(&w);
}
END_TEST

START_TEST(test_append_outside_transaction_refused)
{
	struct world w;

	world_new(&w);
	ck_assert_int_eq(audit_append(w.db, 1, "custodian", "FR", "signer-add", "x"), -1);
	ck_assert_int_eq(verify_ok(w.db), 0);
	ck_assert_int_eq(db_begin(w.db), 0);
	ck_assert_int_eq(audit_append(w.db, 1, NULL, "FR", "signer-add", "x"), -1);	/* no actor */
	db_rollback(w.db);
	world_free(&w);
}
END_TEST

START_TEST(test_edited_event_found)
{
	struct world w;

	world_new(&w);
	append_five(w.db);
	attacker(w.file, "DROP TRIGGER events_no_update; UPDATE events SET detail = 'forged' WHERE id = 3");
	broken_at(w.db, 3);
	world_free(&w);
}
END_TEST

START_TEST(test_edited_time_found)
{
	struct world w;

	world_new(&w);
	append_five(w.db);
	attacker(w.file, "DROP TRIGGER events_no_update; UPDATE events SET at = at + 1 WHERE id = 5");
	broken_at(w.db, 5);
	world_free(&w);
}
END_TEST

/* Text moved from one field to the next keeps the concatenation but not the hash. */
START_TEST(test_shifted_fields_found)
{
	struct world w;

	world_new(&w);
	append(w.db, 7, "FR", "signer-add", "abc");
	append(w.db, 8, "FR", "signer-addab", "c");
	attacker(w.file, "DROP TRIGGER events_no_update;"
			 " UPDATE events SET action = 'signer-addab', detail = 'c' WHERE id = 1");
	broken_at(w.db, 1);
	world_free(&w);
}
END_TEST

START_TEST(test_replaced_hash_found)
{
	struct world w;

	world_new(&w);
	append_five(w.db);
	/* a replaced hash matches neither the event's content nor the next event's link */
	attacker(w.file, "DROP TRIGGER events_no_update;"
			 " UPDATE events SET hash = '1111111111111111111111111111111111111111111111111111111111111111'"
			 " WHERE id = 2");
	broken_at(w.db, 2);
	world_free(&w);
}
END_TEST

START_TEST(test_removed_middle_event_found)
{
	struct world w;

	world_new(&w);
	append_five(w.db);
	attacker(w.file, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = 3");
	broken_at(w.db, 4);
	world_free(&w);
}
END_TEST

START_TEST(test_removed_first_event_found)
{
	struct world w;

	world_new(&w);
	append_five(w.db);
	attacker(w.file, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = 1");
	broken_at(w.db, 2);
	world_free(&w);
}
END_TEST

START_TEST(test_removed_last_events_found)
{
	struct world w;

	world_new(&w);
	append_five(w.db);
	attacker(w.file, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id >= 4");
	broken_at(w.db, 4);
	/* the robot appends on: the gap stays visible */
	append(w.db, 2000, "FR", "signer-add", "later");
	broken_at(w.db, 6);
	world_free(&w);
}
END_TEST

START_TEST(test_inserted_event_found)
{
	struct world w;
	char *sql;
	char *last;

	world_new(&w);
	append_five(w.db);
	last = query_text(w.db, "SELECT hash FROM events WHERE id = 5");
	sql = g_strdup_printf("INSERT INTO events (id, at, actor, state, action, detail, prev_hash, hash)"
			      " VALUES (6, 3000, 'custodian', 'FR', 'signer-add', 'forged', '%s', '%s')", last, last);
	attacker(w.file, sql);
	broken_at(w.db, 6);
	g_free(sql);
	g_free(last);
	world_free(&w);
}
END_TEST

START_TEST(test_triggers_abort)
{
	struct world w;
	sqlite3 *db = NULL;
	char *msg = NULL;

	world_new(&w);
	append_five(w.db);
	ck_assert_int_eq(sqlite3_open(w.file, &db), SQLITE_OK);
	ck_assert_int_ne(sqlite3_exec(db, "UPDATE events SET detail = 'x' WHERE id = 2", NULL, NULL, &msg), SQLITE_OK);
	ck_assert_msg(msg && strstr(msg, "append-only"), "%s", msg ? msg : "(none)");
	sqlite3_free(msg);
	msg = NULL;
	ck_assert_int_ne(sqlite3_exec(db, "DELETE FROM events WHERE id = 5", NULL, NULL, &msg), SQLITE_OK);
	ck_assert_msg(msg && strstr(msg, "append-only"), "%s", msg ? msg : "(none)");
	sqlite3_free(msg);
	db_close(db);
	ck_assert_int_eq(verify_ok(w.db), 5);
	world_free(&w);
}
END_TEST

static void count_event(const struct audit_event *e, void *data)
{
	GString *seen = data;

	g_string_append_printf(seen, "%lld:%s:%s ", (long long)e->id, e->state ? e->state : "-", e->action);
}

START_TEST(test_foreach_by_state)
{
	struct world w;
	GString *seen = g_string_new(NULL);

	world_new(&w);
	append_five(w.db);
	ck_assert_int_eq(audit_foreach(w.db, "FR", count_event, seen), 0);
	ck_assert_str_eq(seen->str, "1:FR:signer-add 4:FR:signer-revoke 5:FR:poc-add ");
	g_string_truncate(seen, 0);
	ck_assert_int_eq(audit_foreach(w.db, NULL, count_event, seen), 0);
	ck_assert_str_eq(seen->str, "1:FR:signer-add 2:-:robot-start 3:DE:signer-add 4:FR:signer-revoke "
				    "5:FR:poc-add ");
	g_string_free(seen, TRUE);
	world_free(&w);
}
END_TEST


/* Hash version 2: a POC's events redacted (the trigger lets only that
 * through), verify passes and counts them; the other events stay whole. */
START_TEST(test_redacted_poc_verifies)
{
	struct world w;
	gint64 bad = -1, redacted = -1;
	char *err = NULL, *d;

	world_new(&w);
	append(w.db, 1000, "FR", "poc-nominate", "{\"before\":null,\"after\":{\"id\":\"FR-T-1\"}}");
	append(w.db, 1001, "FR", "poc-nominate", "{\"before\":null,\"after\":{\"id\":\"FR-T-2\"}}");
	append(w.db, 1002, "FR", "poc-verified", "{\"poc\": \"FR-T-1\", \"after\": \"active\"}");
	append(w.db, 1003, "FR", "signer-add", "not json");
	ck_assert_int_eq(db_begin(w.db), 0);
	ck_assert_int_eq(audit_redact_poc(w.db, "FR-T-1", "2027-01-02"), 2);
	ck_assert_int_eq(audit_redact_poc(w.db, "FR-T-1", "2027-01-03"), 0);	/* once */
	ck_assert_int_eq(db_commit(w.db), 0);
	d = query_text(w.db, "SELECT detail FROM events WHERE id = 3");
	ck_assert_str_eq(d, "{\"redacted\": \"2027-01-02\"}");
	g_free(d);
	d = query_text(w.db, "SELECT detail FROM events WHERE id = 2");
	ck_assert_ptr_nonnull(strstr(d, "FR-T-2"));
	g_free(d);
	ck_assert_msg(audit_verify_counted(w.db, &redacted, &bad, &err) == 4, "%s", err);
	ck_assert_int_eq(redacted, 2);
	/* the trigger refuses any other change, a redaction of an event's time too */
	ck_assert_int_ne(sqlite3_exec(w.db, "UPDATE events SET detail = 'x' WHERE id = 2", NULL,
				      NULL, NULL), SQLITE_OK);
	ck_assert_int_ne(sqlite3_exec(w.db, "UPDATE events SET at = 5, detail = "
				      "'{\"redacted\": \"2027-01-02\"}' WHERE id = 2", NULL, NULL,
				      NULL), SQLITE_OK);
	world_free(&w);
}
END_TEST

/* A version-2 detail edited to anything but the mark is found. */
START_TEST(test_edited_v2_detail_found)
{
	struct world w;

	world_new(&w);
	append_five(w.db);
	attacker(w.file, "DROP TRIGGER events_no_update;"
			 " UPDATE events SET detail = '{\"redacted\": \"2027-1-02\"}' WHERE id = 4");
	broken_at(w.db, 4);
	world_free(&w);
}
END_TEST

/* A detail_hash replaced to match a forged detail still breaks the event's hash. */
START_TEST(test_replaced_detail_hash_found)
{
	struct world w;
	char *sql, *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, "forged", -1);

	world_new(&w);
	append_five(w.db);
	sql = g_strdup_printf("DROP TRIGGER events_no_update; UPDATE events SET detail = 'forged',"
			      " detail_hash = '%s' WHERE id = 3", h);
	attacker(w.file, sql);
	broken_at(w.db, 3);
	g_free(sql);
	g_free(h);
	world_free(&w);
}
END_TEST

/* An event turned to version 1 after version-2 events is found. */
START_TEST(test_downgraded_version_found)
{
	struct world w;

	world_new(&w);
	append_five(w.db);
	attacker(w.file, "DROP TRIGGER events_no_update;"
			 " UPDATE events SET hash_version = 1 WHERE id = 2");
	broken_at(w.db, 2);
	world_free(&w);
}
END_TEST

/* The head: the count and the last hash. */
START_TEST(test_head)
{
	struct world w;
	char hash[AUDIT_HASH_LEN], *last;
	gint64 count = -1;

	world_new(&w);
	ck_assert_int_eq(audit_head(w.db, &count, hash), 0);
	ck_assert_int_eq(count, 0);
	ck_assert_str_eq(hash, AUDIT_GENESIS);
	append_five(w.db);
	ck_assert_int_eq(audit_head(w.db, &count, hash), 0);
	ck_assert_int_eq(count, 5);
	last = query_text(w.db, "SELECT hash FROM events WHERE id = 5");
	ck_assert_str_eq(hash, last);
	g_free(last);
	world_free(&w);
}
END_TEST

static Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("chain");

	tcase_add_test(tc, test_chain_appends_and_verifies);
	tcase_add_test(tc, test_append_outside_transaction_refused);
	tcase_add_test(tc, test_edited_event_found);
	tcase_add_test(tc, test_edited_time_found);
	tcase_add_test(tc, test_shifted_fields_found);
	tcase_add_test(tc, test_replaced_hash_found);
	tcase_add_test(tc, test_removed_middle_event_found);
	tcase_add_test(tc, test_removed_first_event_found);
	tcase_add_test(tc, test_removed_last_events_found);
	tcase_add_test(tc, test_inserted_event_found);
	tcase_add_test(tc, test_triggers_abort);
	tcase_add_test(tc, test_foreach_by_state);
	tcase_add_test(tc, test_redacted_poc_verifies);
	tcase_add_test(tc, test_edited_v2_detail_found);
	tcase_add_test(tc, test_replaced_detail_hash_found);
	tcase_add_test(tc, test_downgraded_version_found);
	tcase_add_test(tc, test_head);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(audit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

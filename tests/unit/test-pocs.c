/* test-pocs.c - the POC store and the operations forms ask for:
 * identifiers (per State and type, never reused), nominate, update (only
 * the fields given; a new address makes the POC pending), withdraw; who
 * may do what (another State's signer, a reader, a custodian); refusals
 * (unknown, other State's, withdrawn POC); dry runs that leave every table
 * and the audit trail as they were; one audit event per change, with the
 * record before and after, and a chain that still verifies; lists, counts,
 * JSON and the record written back as form fields. Forms are built by
 * hand. Each test works in its own temporary directory with a database
 * made for it, and removes it. */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <sqlite3.h>
#include "robot/audit.h"
#include "robot/db.h"
#include "robot/pocs.h"
#include "tests/unit/testlib.h"

#define FPR_FR "0123456789ABCDEF0123456789ABCDEF01234567"
#define FPR_DE "89ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define FPR_UN "FEDCBA9876543210FEDCBA9876543210FEDCBA98"
#define HASH "5f2b1c0a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"
#define NOW 1700000000

/* A database with the participating States FR and DE. */
static void world_new(struct testlib_db *w)
{
	testlib_db_new(w, "pocs", "FR", "DE", NULL);
}

/* ---- forms, by hand ---- */

static void form_init(struct form *fm, enum form_verb verb, const char *state)
{
	memset(fm, 0, sizeof *fm);
	fm->verb = verb;
	fm->line = 1;
	g_strlcpy(fm->lang, "en", sizeof fm->lang);
	fm->f.type = POC_TYPE_NONE;
	if (state) {
		fm->f.present |= FIELD_STATE;
		g_strlcpy(fm->f.state, state, sizeof fm->f.state);
	}
}

/* A nomination of the given type with one address, one phone, two languages. */
static void nomination(struct form *fm, const char *state, enum poc_type type, const char *email)
{
	form_init(fm, FORM_NOMINATE, state);
	fm->f.present |= FIELD_TYPE | FIELD_ORGANISATION | FIELD_EMAIL | FIELD_PHONE | FIELD_LANGUAGES | FIELD_WEB;
	fm->f.type = type;
	fm->f.organisation = g_strdup("CERT-FR");
	fm->f.web = g_strdup("https://cert.example.fr/");
	fm->f.emails = testlib_strings(email, NULL);
	fm->f.phones = testlib_strings("+33 1 23 45 67 89", NULL);
	fm->f.phones_e164 = testlib_strings("+33123456789", NULL);
	fm->f.languages = testlib_strings("fr", "en", NULL);
}

/* An update or withdrawal of id. */
static void naming(struct form *fm, enum form_verb verb, const char *state, const char *id)
{
	form_init(fm, verb, state);
	fm->f.present |= FIELD_ID;
	fm->f.id = g_strdup(id);
	if (verb == FORM_WITHDRAW) {
		fm->f.present |= FIELD_REASON;
		fm->f.reason = g_strdup("the team was merged");
	}
}

static void form_done(struct form *fm)
{
	pocs_fields_clear(&fm->f);
}

/* Applies fm in its own transaction (committed unless it failed). */
static enum pocs_outcome act(struct testlib_db *w, const struct form *fm, const char *signer_state,
			     enum signer_role role, gboolean dry_run, struct poc *before, struct poc *after,
			     const char **key)
{
	const char *actor = role == SIGNER_CUSTODIAN ? FPR_UN : strcmp(signer_state, "DE") == 0 ? FPR_DE : FPR_FR;
	struct pocs_request rq = { fm, signer_state, role, actor, HASH, NOW, dry_run };
	enum pocs_outcome rc;

	ck_assert_int_eq(db_begin(w->db), 0);
	if (fm->verb == FORM_NOMINATE) {
		rc = pocs_nominate(w->db, &rq, before, after, key);
	} else if (fm->verb == FORM_UPDATE) {
		rq.now = NOW + 60;
		rc = pocs_update(w->db, &rq, before, after, key);
	} else {
		rq.now = NOW + 120;
		rc = pocs_withdraw(w->db, &rq, before, after, key);
	}
	if (rc == POCS_FAILED)
		db_rollback(w->db);
	else
		ck_assert_int_eq(db_commit(w->db), 0);
	return rc;
}

/* Nominates a POC of state and type as FR's (or DE's) authority; its identifier. */
static char *nominate(struct testlib_db *w, const char *state, enum poc_type type, const char *email)
{
	struct poc before, after;
	const char *key = NULL;
	struct form fm;
	char *id;

	nomination(&fm, NULL, type, email);
	ck_assert_int_eq(act(w, &fm, state, SIGNER_AUTHORITY, FALSE, &before, &after, &key), POCS_DONE);
	ck_assert_ptr_null(key);
	id = g_strdup(after.id);
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	return id;
}

/* Every row of the POC tables and the audit trail, as one text. */
static char *dump(sqlite3 *db)
{
	static const char *const sql[] = {
		"SELECT * FROM pocs ORDER BY id", "SELECT * FROM poc_emails ORDER BY poc, position",
		"SELECT * FROM poc_phones ORDER BY poc, position", "SELECT * FROM poc_languages ORDER BY poc, position",
		"SELECT * FROM poc_counters ORDER BY state, type", "SELECT * FROM events ORDER BY id",
		"SELECT * FROM sqlite_sequence ORDER BY name",
	};
	GString *out = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(sql); i++) {
		sqlite3_stmt *st = NULL;

		ck_assert_int_eq(sqlite3_prepare_v2(db, sql[i], -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *t = sqlite3_column_text(st, c);

				g_string_append_printf(out, "%s|", t ? (const char *)t : "NULL");
			}
			g_string_append_c(out, '\n');
		}
		sqlite3_finalize(st);
		g_string_append(out, "--\n");
	}
	return g_string_free(out, FALSE);
}

/* Applies fm as signer_state's role and expects a refusal with key want; nothing changes. */
static void expect_refused(struct testlib_db *w, const struct form *fm, const char *signer_state, enum signer_role role,
			   const char *want)
{
	char *was = dump(w->db), *is;
	struct poc before, after;
	const char *key = NULL;

	ck_assert_int_eq(act(w, fm, signer_state, role, FALSE, &before, &after, &key), POCS_REFUSED);
	ck_assert_ptr_nonnull(key);
	ck_assert_str_eq(key, want);
	is = dump(w->db);
	ck_assert_msg(strcmp(is, was) == 0, "a refused %s changed the tables", want);
	pocs_clear(&before);
	pocs_clear(&after);
	g_free(was);
	g_free(is);
}

/* F11: fm names another State's POC (or none at all): refused exactly as
 * an unknown identifier, with no record handed back, so that the refusal
 * cannot tell whether the identifier exists. */
static void expect_as_unknown(struct testlib_db *w, const struct form *fm,
			      const char *signer_state, enum signer_role role)
{
	struct poc before, after;
	const char *key = NULL;

	expect_refused(w, fm, signer_state, role, "unknown-poc");
	ck_assert_int_eq(act(w, fm, signer_state, role, FALSE, &before, &after, &key),
			 POCS_REFUSED);
	ck_assert_str_eq(before.id, "");
	ck_assert_ptr_null(before.organisation);
	ck_assert_ptr_null(before.emails);
	ck_assert_str_eq(after.id, "");
	pocs_clear(&before);
	pocs_clear(&after);
}

static gint64 count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	gint64 n = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void set_status(struct testlib_db *w, const char *id, const char *status)
{
	ck_assert_int_eq(db_run(w->db, "UPDATE pocs SET status = ?1 WHERE id = ?2", "tt", status, id), 0);
}

/* ---- the tests ---- */

START_TEST(test_identifiers)
{
	struct testlib_db w;
	char *ids[5];
	struct poc p;

	world_new(&w);
	ids[0] = nominate(&w, "FR", POC_TECHNICAL, "cert@example.fr");
	ids[1] = nominate(&w, "FR", POC_TECHNICAL, "soc@example.fr");
	ids[2] = nominate(&w, "FR", POC_DIPLOMATIC, "mfa@example.fr");
	ids[3] = nominate(&w, "DE", POC_TECHNICAL, "cert@example.de");
	ids[4] = nominate(&w, "FR", POC_LAW_ENFORCEMENT, "police@example.fr");
	ck_assert_str_eq(ids[0], "FR-T-1");
	ck_assert_str_eq(ids[1], "FR-T-2");
	ck_assert_str_eq(ids[2], "FR-D-1");
	ck_assert_str_eq(ids[3], "DE-T-1");
	ck_assert_str_eq(ids[4], "FR-L-1");
	ck_assert_int_eq(pocs_load(w.db, "fr-t-2", &p), 1);	/* any case */
	ck_assert_str_eq(p.id, "FR-T-2");
	ck_assert_str_eq(p.state, "FR");
	ck_assert_int_eq(p.type, POC_TECHNICAL);
	ck_assert_str_eq(p.organisation, "CERT-FR");
	ck_assert_str_eq(p.web, "https://cert.example.fr/");
	ck_assert_uint_eq(p.emails->len, 1);
	ck_assert_str_eq(g_ptr_array_index(p.emails, 0), "soc@example.fr");
	ck_assert_str_eq(g_ptr_array_index(p.phones, 0), "+33 1 23 45 67 89");
	ck_assert_str_eq(g_ptr_array_index(p.phones_e164, 0), "+33123456789");
	ck_assert_uint_eq(p.languages->len, 2);
	ck_assert_str_eq(g_ptr_array_index(p.languages, 1), "en");
	ck_assert_ptr_null(p.name);
	ck_assert_int_eq(p.status, POC_PENDING);
	ck_assert_int_eq(p.version, 1);
	ck_assert_int_eq(p.created, NOW);
	ck_assert_int_eq(p.updated, NOW);
	ck_assert_ptr_null(p.withdrawn_reason);
	pocs_clear(&p);
	ck_assert_int_eq(pocs_load(w.db, "FR-T-9", &p), 0);
	ck_assert_int_eq(pocs_load(w.db, "'; DROP TABLE pocs; --", &p), 0);
	for (int i = 0; i < 5; i++)
		g_free(ids[i]);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_never_reused)
{
	struct poc before, after;
	const char *key = NULL;
	struct testlib_db w;
	struct form fm;
	char *a, *b, *c;

	world_new(&w);
	a = nominate(&w, "FR", POC_POLICY, "a@example.fr");
	b = nominate(&w, "FR", POC_POLICY, "b@example.fr");
	naming(&fm, FORM_WITHDRAW, NULL, b);
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_AUTHORITY, FALSE, &before, &after, &key), POCS_DONE);
	ck_assert_int_eq(after.status, POC_WITHDRAWN);
	ck_assert_str_eq(after.withdrawn_reason, "the team was merged");
	ck_assert_int_eq(after.version, 2);
	ck_assert_int_eq(after.updated, NOW + 120);
	ck_assert_int_eq(before.status, POC_PENDING);
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	c = nominate(&w, "FR", POC_POLICY, "c@example.fr");
	ck_assert_str_eq(a, "FR-P-1");
	ck_assert_str_eq(b, "FR-P-2");
	ck_assert_str_eq(c, "FR-P-3");	/* the withdrawn FR-P-2's number is not given again */
	g_free(c);
	/* even should the last row go (it cannot by the robot), its number stays taken */
	ck_assert_int_eq(db_run(w.db, "DELETE FROM poc_emails WHERE poc = 'FR-P-3'", NULL), 0);
	ck_assert_int_eq(db_run(w.db, "DELETE FROM poc_phones WHERE poc = 'FR-P-3'", NULL), 0);
	ck_assert_int_eq(db_run(w.db, "DELETE FROM poc_languages WHERE poc = 'FR-P-3'", NULL), 0);
	ck_assert_int_eq(db_run(w.db, "DELETE FROM pocs WHERE id = 'FR-P-3'", NULL), 0);
	c = nominate(&w, "FR", POC_POLICY, "d@example.fr");
	ck_assert_str_eq(c, "FR-P-4");
	g_free(c);
	/* and a counter that lags behind the rows does not make a duplicate */
	ck_assert_int_eq(db_run(w.db, "UPDATE poc_counters SET next = 1", NULL), 0);
	c = nominate(&w, "FR", POC_POLICY, "e@example.fr");
	ck_assert_str_eq(c, "FR-P-5");
	g_free(a);
	g_free(b);
	g_free(c);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_update_given_fields)
{
	struct poc before, after, loaded;
	const char *key = NULL;
	struct testlib_db w;
	struct form fm;
	char *id;

	world_new(&w);
	id = nominate(&w, "FR", POC_TECHNICAL, "cert@example.fr");
	set_status(&w, id, "active");
	naming(&fm, FORM_UPDATE, "FR", id);
	fm.f.present |= FIELD_ORGANISATION | FIELD_NAME | FIELD_PHONE | FIELD_WEB | FIELD_TYPE;
	fm.f.type = POC_TECHNICAL;	/* given, the same: no change */
	fm.f.organisation = g_strdup("ANSSI / CERT-FR");
	fm.f.name = g_strdup("Jeanne Dupont");
	fm.f.web = NULL;		/* given empty: cleared */
	fm.f.phones = testlib_strings("+33 1 00 00 00 00", "0800 123 456", NULL);
	fm.f.phones_e164 = testlib_strings("+33100000000", "", NULL);
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_AUTHORITY, FALSE, &before, &after, &key), POCS_DONE);
	ck_assert_int_eq(pocs_diff(&before, &after), FIELD_ORGANISATION | FIELD_NAME | FIELD_PHONE | FIELD_WEB);
	ck_assert(!pocs_needs_verification(&before, &after));
	ck_assert_int_eq(pocs_load(w.db, id, &loaded), 1);
	ck_assert_int_eq(pocs_diff(&after, &loaded), 0);
	ck_assert_str_eq(loaded.organisation, "ANSSI / CERT-FR");
	ck_assert_str_eq(loaded.name, "Jeanne Dupont");
	ck_assert_ptr_null(loaded.web);
	ck_assert_uint_eq(loaded.phones->len, 2);
	ck_assert_str_eq(g_ptr_array_index(loaded.phones, 1), "0800 123 456");
	ck_assert_str_eq(g_ptr_array_index(loaded.phones_e164, 1), "");
	ck_assert_str_eq(g_ptr_array_index(loaded.emails, 0), "cert@example.fr");	/* not given: kept */
	ck_assert_uint_eq(loaded.languages->len, 2);
	ck_assert_int_eq(loaded.status, POC_ACTIVE);	/* addresses unchanged: still active */
	ck_assert_int_eq(loaded.version, 2);
	ck_assert_int_eq(loaded.created, NOW);
	ck_assert_int_eq(loaded.updated, NOW + 60);
	pocs_clear(&before);
	pocs_clear(&after);
	pocs_clear(&loaded);
	/* the same update again changes nothing, and writes nothing */
	ck_assert_int_eq(count(w.db, "SELECT count(*) FROM events"), 2);
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_AUTHORITY, FALSE, &before, &after, &key), POCS_DONE);
	ck_assert_int_eq(pocs_diff(&before, &after), 0);
	ck_assert_int_eq(after.version, 2);
	ck_assert_int_eq(count(w.db, "SELECT count(*) FROM events"), 2);
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	/* the type is part of the identifier: it cannot change */
	naming(&fm, FORM_UPDATE, NULL, id);
	fm.f.present |= FIELD_TYPE;
	fm.f.type = POC_POLICY;
	expect_refused(&w, &fm, "FR", SIGNER_AUTHORITY, "type-change");
	form_done(&fm);
	/* nor may a required field be emptied */
	naming(&fm, FORM_UPDATE, NULL, id);
	fm.f.present |= FIELD_EMAIL;
	fm.f.emails = testlib_strings(NULL, NULL);
	expect_refused(&w, &fm, "FR", SIGNER_AUTHORITY, "missing-field");
	form_done(&fm);
	g_free(id);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_email_change_pending)
{
	struct poc before, after, loaded;
	const char *key = NULL;
	struct testlib_db w;
	struct form fm;
	char *id;

	world_new(&w);
	id = nominate(&w, "FR", POC_TECHNICAL, "cert@example.fr");
	set_status(&w, id, "active");
	/* dropping nothing, reordering with a new one added */
	naming(&fm, FORM_UPDATE, NULL, id);
	fm.f.present |= FIELD_EMAIL;
	fm.f.emails = testlib_strings("new@example.fr", "CERT@example.fr", NULL);
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_AUTHORITY, FALSE, &before, &after, &key), POCS_DONE);
	ck_assert_int_eq(before.status, POC_ACTIVE);
	ck_assert_int_eq(after.status, POC_PENDING);
	ck_assert(pocs_needs_verification(&before, &after));
	ck_assert_int_eq(pocs_diff(&before, &after), FIELD_EMAIL | FIELD_REASON);
	ck_assert_int_eq(pocs_load(w.db, id, &loaded), 1);
	ck_assert_int_eq(loaded.status, POC_PENDING);
	ck_assert_uint_eq(loaded.emails->len, 2);
	ck_assert_str_eq(g_ptr_array_index(loaded.emails, 0), "new@example.fr");
	ck_assert_int_eq(count(w.db, "SELECT count(*) FROM poc_emails"), 2);
	pocs_clear(&before);
	pocs_clear(&after);
	pocs_clear(&loaded);
	form_done(&fm);
	/* an address removed, none new: a change, but nothing to verify */
	set_status(&w, id, "unverified");
	naming(&fm, FORM_UPDATE, NULL, id);
	fm.f.present |= FIELD_EMAIL;
	fm.f.emails = testlib_strings("new@example.fr", NULL);
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_AUTHORITY, FALSE, &before, &after, &key), POCS_DONE);
	ck_assert(!pocs_needs_verification(&before, &after));
	ck_assert_int_eq(after.status, POC_UNVERIFIED);
	ck_assert_int_eq(after.version, 3);
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	/* a new POC's addresses all need verifying */
	memset(&before, 0, sizeof before);
	ck_assert_int_eq(pocs_load(w.db, id, &after), 1);
	ck_assert(pocs_needs_verification(&before, &after));
	pocs_clear(&after);
	g_free(id);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_other_state_refused)
{
	struct testlib_db w;
	struct form fm;
	char *fr, *de;

	world_new(&w);
	fr = nominate(&w, "FR", POC_TECHNICAL, "cert@example.fr");
	de = nominate(&w, "DE", POC_TECHNICAL, "cert@example.de");
	/* a German authority nominating for France */
	nomination(&fm, "FR", POC_POLICY, "x@example.fr");
	expect_refused(&w, &fm, "DE", SIGNER_AUTHORITY, "wrong-state");
	form_done(&fm);
	/* updating France's POC, naming France */
	naming(&fm, FORM_UPDATE, "FR", fr);
	fm.f.present |= FIELD_NOTES;
	fm.f.notes = g_strdup("hijacked");
	expect_refused(&w, &fm, "DE", SIGNER_AUTHORITY, "wrong-state");
	form_done(&fm);
	/* updating France's POC, naming no State (so Germany): refused as if
	 * it did not exist (F11), as an identifier nobody has is */
	naming(&fm, FORM_UPDATE, NULL, fr);
	fm.f.present |= FIELD_NOTES;
	fm.f.notes = g_strdup("hijacked");
	expect_as_unknown(&w, &fm, "DE", SIGNER_AUTHORITY);
	form_done(&fm);
	naming(&fm, FORM_UPDATE, NULL, "DE-T-99");
	fm.f.present |= FIELD_NOTES;
	fm.f.notes = g_strdup("hijacked");
	expect_as_unknown(&w, &fm, "DE", SIGNER_AUTHORITY);
	form_done(&fm);
	/* withdrawing it */
	naming(&fm, FORM_WITHDRAW, "DE", fr);
	expect_as_unknown(&w, &fm, "DE", SIGNER_AUTHORITY);
	form_done(&fm);
	/* a custodian naming Germany for France's POC */
	naming(&fm, FORM_WITHDRAW, "DE", fr);
	expect_as_unknown(&w, &fm, "FR", SIGNER_CUSTODIAN);
	form_done(&fm);
	g_free(fr);
	g_free(de);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_custodian)
{
	struct poc before, after;
	const char *key = NULL;
	struct testlib_db w;
	struct form fm;

	world_new(&w);
	/* a custodian (enrolled under FR here) acts for Germany */
	nomination(&fm, "DE", POC_DIPLOMATIC, "mission@example.de");
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_CUSTODIAN, FALSE, &before, &after, &key), POCS_DONE);
	ck_assert_str_eq(after.id, "DE-D-1");
	ck_assert_str_eq(after.state, "DE");
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	naming(&fm, FORM_UPDATE, "DE", "DE-D-1");
	fm.f.present |= FIELD_POSITION;
	fm.f.position = g_strdup("Counsellor");
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_CUSTODIAN, FALSE, &before, &after, &key), POCS_DONE);
	ck_assert_str_eq(after.position, "Counsellor");
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	ck_assert_int_eq(count(w.db, "SELECT count(*) FROM events WHERE actor = '" FPR_UN "' AND state = 'DE'"), 2);
	/* but must say which State */
	nomination(&fm, NULL, POC_DIPLOMATIC, "mission@example.de");
	expect_refused(&w, &fm, "FR", SIGNER_CUSTODIAN, "missing-state");
	form_done(&fm);
	/* and only a participating one */
	nomination(&fm, "JP", POC_DIPLOMATIC, "mission@example.jp");
	expect_refused(&w, &fm, "FR", SIGNER_CUSTODIAN, "not-participating");
	form_done(&fm);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_reader_refused)
{
	struct testlib_db w;
	struct form fm;
	char *id;

	world_new(&w);
	id = nominate(&w, "FR", POC_TECHNICAL, "cert@example.fr");
	nomination(&fm, NULL, POC_TECHNICAL, "x@example.fr");
	expect_refused(&w, &fm, "FR", SIGNER_READER, "not-authorised");
	form_done(&fm);
	naming(&fm, FORM_UPDATE, "FR", id);
	fm.f.present |= FIELD_NOTES;
	fm.f.notes = g_strdup("x");
	expect_refused(&w, &fm, "FR", SIGNER_READER, "not-authorised");
	form_done(&fm);
	naming(&fm, FORM_WITHDRAW, "FR", id);
	expect_refused(&w, &fm, "FR", SIGNER_READER, "not-authorised");
	form_done(&fm);
	g_free(id);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_withdrawn_and_unknown)
{
	struct poc before, after;
	const char *key = NULL;
	struct testlib_db w;
	struct form fm;
	char *id, *other;

	world_new(&w);
	id = nominate(&w, "FR", POC_TECHNICAL, "cert@example.fr");
	naming(&fm, FORM_WITHDRAW, NULL, id);
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_AUTHORITY, FALSE, &before, &after, &key), POCS_DONE);
	pocs_clear(&before);
	pocs_clear(&after);
	expect_refused(&w, &fm, "FR", SIGNER_AUTHORITY, "poc-withdrawn");
	form_done(&fm);
	naming(&fm, FORM_UPDATE, NULL, id);
	fm.f.present |= FIELD_NOTES;
	fm.f.notes = g_strdup("back again");
	expect_refused(&w, &fm, "FR", SIGNER_AUTHORITY, "poc-withdrawn");
	form_done(&fm);
	naming(&fm, FORM_UPDATE, NULL, "FR-T-7");
	fm.f.present |= FIELD_NOTES;
	fm.f.notes = g_strdup("x");
	expect_refused(&w, &fm, "FR", SIGNER_AUTHORITY, "unknown-poc");
	form_done(&fm);
	naming(&fm, FORM_WITHDRAW, NULL, "nonsense");
	expect_refused(&w, &fm, "FR", SIGNER_AUTHORITY, "unknown-poc");
	form_done(&fm);
	form_init(&fm, FORM_UPDATE, NULL);
	expect_refused(&w, &fm, "FR", SIGNER_AUTHORITY, "missing-id");
	form_done(&fm);
	/* a withdrawal needs its reason, a nomination every required field */
	other = nominate(&w, "FR", POC_TECHNICAL, "soc@example.fr");
	naming(&fm, FORM_WITHDRAW, NULL, other);
	fm.f.present &= ~FIELD_REASON;
	expect_refused(&w, &fm, "FR", SIGNER_AUTHORITY, "missing-field");
	form_done(&fm);
	g_free(other);
	nomination(&fm, NULL, POC_TECHNICAL, "x@example.fr");
	fm.f.present &= ~FIELD_PHONE;
	expect_refused(&w, &fm, "FR", SIGNER_AUTHORITY, "missing-field");
	form_done(&fm);
	g_free(id);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_dry_run)
{
	struct poc before, after;
	const char *key = NULL;
	struct testlib_db w;
	struct form fm;
	char *id, *was, *is;

	world_new(&w);
	id = nominate(&w, "FR", POC_TECHNICAL, "cert@example.fr");
	was = dump(w.db);
	nomination(&fm, NULL, POC_TECHNICAL, "soc@example.fr");
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_AUTHORITY, TRUE, &before, &after, &key), POCS_DONE);
	ck_assert_str_eq(after.id, "FR-T-2");	/* what it would be */
	ck_assert_str_eq(before.id, "");
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	naming(&fm, FORM_UPDATE, NULL, id);
	fm.f.present |= FIELD_EMAIL;
	fm.f.emails = testlib_strings("other@example.fr", NULL);
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_AUTHORITY, TRUE, &before, &after, &key), POCS_DONE);
	ck_assert_int_eq(after.version, 2);
	ck_assert_str_eq(g_ptr_array_index(after.emails, 0), "other@example.fr");
	ck_assert_str_eq(g_ptr_array_index(before.emails, 0), "cert@example.fr");
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	naming(&fm, FORM_WITHDRAW, NULL, id);
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_AUTHORITY, TRUE, &before, &after, &key), POCS_DONE);
	ck_assert_int_eq(after.status, POC_WITHDRAWN);
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	is = dump(w.db);
	ck_assert_msg(strcmp(is, was) == 0, "a dry run changed the tables");
	g_free(is);
	/* and the real nomination after it still gets FR-T-2 */
	g_free(id);
	id = nominate(&w, "FR", POC_TECHNICAL, "soc@example.fr");
	ck_assert_str_eq(id, "FR-T-2");
	g_free(was);
	g_free(id);
	testlib_db_free(&w);
}
END_TEST

/* Several forms of one message share its transaction: a POC nominated by
 * the first can be updated by the second; rolling back a savepoint around
 * them all (a dry run of the whole message) leaves nothing. */
START_TEST(test_one_message)
{
	struct poc before, after;
	const char *key = NULL;
	struct testlib_db w;
	struct form a, b;
	char *was, *is;

	world_new(&w);
	nomination(&a, NULL, POC_TECHNICAL, "cert@example.fr");
	naming(&b, FORM_UPDATE, NULL, "FR-T-1");
	b.f.present |= FIELD_NAME;
	b.f.name = g_strdup("Jeanne Dupont");
	was = dump(w.db);
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(db_begin(w.db), 0);
		if (round == 0)
			ck_assert_int_eq(db_run(w.db, "SAVEPOINT message", NULL), 0);
		ck_assert_int_eq(pocs_nominate(w.db, &(struct pocs_request){ &a, "FR", SIGNER_AUTHORITY,
					       FPR_FR, HASH, NOW, FALSE }, &before, &after, &key), POCS_DONE);
		pocs_clear(&before);
		pocs_clear(&after);
		ck_assert_int_eq(pocs_update(w.db, &(struct pocs_request){ &b, "FR", SIGNER_AUTHORITY,
					     FPR_FR, HASH, NOW, FALSE }, &before, &after, &key), POCS_DONE);
		ck_assert_str_eq(after.name, "Jeanne Dupont");
		ck_assert_int_eq(after.version, 2);
		pocs_clear(&before);
		pocs_clear(&after);
		if (round == 0) {
			ck_assert_int_eq(db_run(w.db, "ROLLBACK TO message", NULL), 0);
			ck_assert_int_eq(db_run(w.db, "RELEASE message", NULL), 0);
		}
		ck_assert_int_eq(db_commit(w.db), 0);
		if (round == 0) {
			is = dump(w.db);
			ck_assert_msg(strcmp(is, was) == 0, "the rolled-back message changed the tables");
			g_free(is);
		}
	}
	ck_assert_int_eq(count(w.db, "SELECT count(*) FROM events"), 2);
	ck_assert_int_eq(count(w.db, "SELECT version FROM pocs WHERE id = 'FR-T-1'"), 2);
	g_free(was);
	form_done(&a);
	form_done(&b);
	testlib_db_free(&w);
}
END_TEST

struct events {
	int n;
	char actions[8][16];
	char *details[8];
};

static void collect(const struct audit_event *e, void *data)
{
	struct events *ev = data;

	if (ev->n < 8) {
		g_strlcpy(ev->actions[ev->n], e->action, sizeof ev->actions[0]);
		ev->details[ev->n] = g_strdup(e->detail);
	}
	ev->n++;
}

START_TEST(test_audit)
{
	struct events ev = { 0 };
	struct poc before, after;
	const char *key = NULL;
	struct testlib_db w;
	struct form fm;
	gint64 bad = -1;
	char *id, *err = NULL;

	world_new(&w);
	id = nominate(&w, "FR", POC_TECHNICAL, "cert@example.fr");
	ck_assert_int_eq(count(w.db, "SELECT count(*) FROM events"), 1);
	naming(&fm, FORM_UPDATE, NULL, id);
	fm.f.present |= FIELD_NOTES;
	fm.f.notes = g_strdup("line \"one\"\nline\ttwo \\ \x01");
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_AUTHORITY, FALSE, &before, &after, &key), POCS_DONE);
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	ck_assert_int_eq(count(w.db, "SELECT count(*) FROM events"), 2);
	naming(&fm, FORM_WITHDRAW, NULL, id);
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_AUTHORITY, FALSE, &before, &after, &key), POCS_DONE);
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	ck_assert_int_eq(count(w.db, "SELECT count(*) FROM events"), 3);
	ck_assert_int_eq(count(w.db, "SELECT count(*) FROM events WHERE actor = '" FPR_FR "' AND state = 'FR'"), 3);
	ck_assert_int_eq(audit_foreach(w.db, "FR", collect, &ev), 0);
	ck_assert_int_eq(ev.n, 3);
	ck_assert_str_eq(ev.actions[0], "poc-nominate");
	ck_assert_str_eq(ev.actions[1], "poc-update");
	ck_assert_str_eq(ev.actions[2], "poc-withdraw");
	ck_assert(g_str_has_prefix(ev.details[0], "{\"message\":\"" HASH "\",\"before\":null,\"after\":{\"id\":\"FR-T-1\","));
	ck_assert_ptr_nonnull(strstr(ev.details[0], "\"emails\":[\"cert@example.fr\"]"));
	ck_assert_ptr_nonnull(strstr(ev.details[0],
				     "\"phones\":[{\"written\":\"+33 1 23 45 67 89\",\"e164\":\"+33123456789\"}]"));
	ck_assert_ptr_nonnull(strstr(ev.details[0], "\"status\":\"pending\",\"version\":1,"));
	ck_assert_ptr_nonnull(strstr(ev.details[0], "\"created\":\"2023-11-14T22:13:20Z\""));
	ck_assert(g_str_has_prefix(ev.details[1], "{\"message\":\"" HASH "\",\"before\":{\"id\":\"FR-T-1\","));
	ck_assert_ptr_nonnull(strstr(ev.details[1], "\"notes\":null"));	/* before */
	ck_assert_ptr_nonnull(strstr(ev.details[1], "\"notes\":\"line \\\"one\\\"\\nline\\ttwo \\\\ \\u0001\""));
	ck_assert_ptr_nonnull(strstr(ev.details[1], "\"version\":2"));
	ck_assert_ptr_nonnull(strstr(ev.details[2], "\"status\":\"withdrawn\",\"version\":3,"));
	ck_assert_ptr_nonnull(strstr(ev.details[2], "\"withdrawn_reason\":\"the team was merged\"}}"));
	ck_assert_int_eq(audit_verify(w.db, &bad, &err), 3);
	ck_assert_ptr_null(err);
	for (int i = 0; i < 3; i++)
		g_free(ev.details[i]);
	g_free(id);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_needs_transaction)
{
	struct poc before, after;
	const char *key = NULL;
	struct testlib_db w;
	struct form fm;

	world_new(&w);
	nomination(&fm, NULL, POC_TECHNICAL, "cert@example.fr");
	ck_assert_int_eq(pocs_nominate(w.db, &(struct pocs_request){ &fm, "FR", SIGNER_AUTHORITY, FPR_FR,
				       HASH, NOW, FALSE }, &before, &after, &key), POCS_FAILED);
	ck_assert_int_eq(count(w.db, "SELECT count(*) FROM pocs"), 0);
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_list_and_count)
{
	struct poc before, after;
	const char *key = NULL;
	GHashTable *counts;
	struct testlib_db w;
	struct form fm;
	GPtrArray *l;
	char *ids[4];

	world_new(&w);
	ids[0] = nominate(&w, "FR", POC_TECHNICAL, "a@example.fr");
	ids[1] = nominate(&w, "FR", POC_DIPLOMATIC, "b@example.fr");
	ids[2] = nominate(&w, "DE", POC_POLICY, "c@example.de");
	ids[3] = nominate(&w, "FR", POC_TECHNICAL, "d@example.fr");
	naming(&fm, FORM_WITHDRAW, NULL, ids[3]);
	ck_assert_int_eq(act(&w, &fm, "FR", SIGNER_AUTHORITY, FALSE, &before, &after, &key), POCS_DONE);
	pocs_clear(&before);
	pocs_clear(&after);
	form_done(&fm);
	ck_assert_ptr_nonnull(l = pocs_list(w.db, NULL, POC_TYPE_NONE, FALSE));
	ck_assert_uint_eq(l->len, 3);	/* by State, then type (D, T, P, L), then number */
	ck_assert_str_eq(((struct poc *)g_ptr_array_index(l, 0))->id, "DE-P-1");
	ck_assert_str_eq(((struct poc *)g_ptr_array_index(l, 1))->id, "FR-D-1");
	ck_assert_str_eq(((struct poc *)g_ptr_array_index(l, 2))->id, "FR-T-1");
	ck_assert_str_eq(g_ptr_array_index(((struct poc *)g_ptr_array_index(l, 2))->emails, 0), "a@example.fr");
	g_ptr_array_unref(l);
	ck_assert_ptr_nonnull(l = pocs_list(w.db, "FR", POC_TECHNICAL, TRUE));
	ck_assert_uint_eq(l->len, 2);
	ck_assert_int_eq(((struct poc *)g_ptr_array_index(l, 1))->status, POC_WITHDRAWN);
	g_ptr_array_unref(l);
	ck_assert_ptr_nonnull(l = pocs_list(w.db, "JP", POC_TYPE_NONE, TRUE));
	ck_assert_uint_eq(l->len, 0);
	g_ptr_array_unref(l);
	ck_assert_ptr_nonnull(counts = pocs_count_by_state(w.db));
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(counts, "FR")), 2);
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(counts, "DE")), 1);
	ck_assert_uint_eq(g_hash_table_size(counts), 2);
	g_hash_table_unref(counts);
	for (int i = 0; i < 4; i++)
		g_free(ids[i]);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_to_fields)
{
	struct form_fields f;
	struct poc p, none;
	struct testlib_db w;
	char *id;

	world_new(&w);
	id = nominate(&w, "FR", POC_LAW_ENFORCEMENT, "police@example.fr");
	ck_assert_int_eq(pocs_load(w.db, id, &p), 1);
	pocs_to_fields(&p, &f);
	ck_assert_uint_eq(f.present, FIELD_ID | FIELD_STATE | FIELD_TYPE | FIELD_ORGANISATION | FIELD_EMAIL |
				     FIELD_PHONE | FIELD_LANGUAGES | FIELD_WEB);
	ck_assert_str_eq(f.id, "FR-L-1");
	ck_assert_str_eq(f.state, "FR");
	ck_assert_int_eq(f.type, POC_LAW_ENFORCEMENT);
	ck_assert_str_eq(f.organisation, "CERT-FR");
	ck_assert_str_eq(g_ptr_array_index(f.emails, 0), "police@example.fr");
	ck_assert_str_eq(g_ptr_array_index(f.phones_e164, 0), "+33123456789");
	ck_assert_str_eq(g_ptr_array_index(f.languages, 0), "fr");
	ck_assert_ptr_null(f.name);
	pocs_fields_clear(&f);
	pocs_clear(&p);
	memset(&none, 0, sizeof none);
	pocs_to_fields(&none, &f);
	ck_assert_uint_eq(f.present, 0);
	pocs_fields_clear(&f);
	ck_assert_str_eq(form_type_name(POC_LAW_ENFORCEMENT), "law-enforcement");
	ck_assert_int_eq(form_type_letter(POC_DIPLOMATIC), 'D');
	ck_assert_str_eq(pocs_status_name(POC_UNVERIFIED), "unverified");
	g_free(id);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_json_string)
{
	GString *s = g_string_new(NULL);

	pocs_json_string(s, "a\"b\\c\n\r\x7f\xe2\x80\xa8 \xff é 法国");
	ck_assert_str_eq(s->str, "\"a\\\"b\\\\c\\n\\u000d\\u007f\\u2028 \xef\xbf\xbd \xc3\xa9 \xe6\xb3\x95\xe5\x9b\xbd\"");
	g_string_truncate(s, 0);
	pocs_json_string(s, NULL);
	ck_assert_str_eq(s->str, "null");
	g_string_free(s, TRUE);
}
END_TEST

static Suite *pocs_suite(void)
{
	Suite *s = suite_create("pocs");
	TCase *tc = tcase_create("store");

	tcase_add_test(tc, test_identifiers);
	tcase_add_test(tc, test_never_reused);
	tcase_add_test(tc, test_update_given_fields);
	tcase_add_test(tc, test_email_change_pending);
	tcase_add_test(tc, test_other_state_refused);
	tcase_add_test(tc, test_custodian);
	tcase_add_test(tc, test_reader_refused);
	tcase_add_test(tc, test_withdrawn_and_unknown);
	tcase_add_test(tc, test_dry_run);
	tcase_add_test(tc, test_one_message);
	tcase_add_test(tc, test_audit);
	tcase_add_test(tc, test_needs_transaction);
	tcase_add_test(tc, test_list_and_count);
	tcase_add_test(tc, test_to_fields);
	tcase_add_test(tc, test_json_string);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pocs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

/* test-signers.c - the signer store: add, find (any case, revoked ones
 * too), list by State, revoke with a reason, the signers a notice goes to,
 * fingerprint normalisation, roles, and the replay guard (a signature is
 * accepted once). Each test works in its own temporary directory with a
 * database made for it, and removes it. */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <sqlite3.h>
#include "robot/db.h"
#include "robot/signers.h"
#include "tests/unit/testlib.h"

#define FPR_A "0123456789ABCDEF0123456789ABCDEF01234567"
#define FPR_B "89ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define FPR_C "FEDCBA9876543210FEDCBA9876543210FEDCBA98"
#define FPR_D "AAAABBBBCCCCDDDDEEEEFFFF0000111122223333"

/* A database with the participating States FR and DE. */
static void world_new(struct testlib_db *w)
{
	testlib_db_new(w, "signers", "FR", "DE", NULL);
}

static struct signer make(enum crypto_protocol p, const char *fpr, const char *state, enum signer_role role)
{
	struct signer s = { 0 };

	s.protocol = p;
	g_strlcpy(s.fingerprint, fpr, sizeof s.fingerprint);
	if (p == CRYPTO_SMIME)
		g_strlcpy(s.enc_fingerprint, FPR_D, sizeof s.enc_fingerprint);
	g_strlcpy(s.state, state, sizeof s.state);
	s.role = role;
	s.label = (char *)"Ministry of Foreign Affairs";
	s.email = (char *)"poc@example.org";
	s.added = 100;
	return s;
}

/* Three signers: A (FR, OpenPGP authority), B (FR, S/MIME reader), C (DE custodian). */
static void add_three(sqlite3 *db)
{
	struct signer a = make(CRYPTO_OPENPGP, FPR_A, "FR", SIGNER_AUTHORITY);
	struct signer b = make(CRYPTO_SMIME, FPR_B, "FR", SIGNER_READER);
	struct signer c = make(CRYPTO_OPENPGP, FPR_C, "DE", SIGNER_CUSTODIAN);

	ck_assert_int_eq(signers_add(db, &a), 0);
	ck_assert_int_eq(signers_add(db, &b), 0);
	ck_assert_int_eq(signers_add(db, &c), 0);
}

START_TEST(test_add_and_find)
{
	struct testlib_db w;
	struct signer s;

	world_new(&w);
	add_three(w.db);
	ck_assert_int_eq(signers_find(w.db, "0123 4567 89ab cdef 0123  4567 89ab cdef 0123 4567", &s), 1);
	ck_assert_str_eq(s.fingerprint, FPR_A);
	ck_assert_int_eq(s.protocol, CRYPTO_OPENPGP);
	ck_assert_str_eq(s.state, "FR");
	ck_assert_int_eq(s.role, SIGNER_AUTHORITY);
	ck_assert_str_eq(s.label, "Ministry of Foreign Affairs");
	ck_assert_str_eq(s.email, "poc@example.org");
	ck_assert_str_eq(s.enc_fingerprint, "");
	ck_assert_int_eq(s.added, 100);
	ck_assert_int_eq(s.revoked, 0);
	ck_assert_ptr_null(s.revoke_reason);
	signers_clear(&s);
	ck_assert_int_eq(signers_find(w.db, FPR_B, &s), 1);
	ck_assert_int_eq(s.protocol, CRYPTO_SMIME);
	ck_assert_str_eq(s.enc_fingerprint, FPR_D);
	ck_assert_int_eq(s.role, SIGNER_READER);
	signers_clear(&s);
	ck_assert_int_eq(signers_find(w.db, FPR_D, &s), 0);		/* an encryption certificate is no signer */
	ck_assert_int_eq(signers_find(w.db, "not a fingerprint", &s), 0);
	ck_assert_int_eq(signers_find(w.db, "' OR 1=1 --", &s), 0);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_add_refused)
{
	struct testlib_db w;
	struct signer dup = make(CRYPTO_SMIME, FPR_A, "DE", SIGNER_READER);
	struct signer stateless = make(CRYPTO_OPENPGP, FPR_D, "JP", SIGNER_AUTHORITY);
	struct signer lower = make(CRYPTO_OPENPGP, "aaaabbbbccccddddeeeeffff0000111122223333", "FR", SIGNER_READER);
	struct signer none = make(CRYPTO_NONE, FPR_D, "FR", SIGNER_READER);

	world_new(&w);
	add_three(w.db);
	ck_assert_int_eq(signers_add(w.db, &dup), -1);		/* enrolled already */
	ck_assert_int_eq(signers_add(w.db, &stateless), -1);	/* JP does not take part */
	ck_assert_int_eq(signers_add(w.db, &lower), -1);	/* the store keeps upper-case hex only */
	ck_assert_int_eq(signers_add(w.db, &none), -1);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_revoke)
{
	struct testlib_db w;
	struct signer s;

	world_new(&w);
	add_three(w.db);
	ck_assert_int_eq(signers_revoke(w.db, "0123456789abcdef0123456789abcdef01234567", 500, "lost the key"), 1);
	ck_assert_int_eq(signers_find(w.db, FPR_A, &s), 1);		/* still found, marked */
	ck_assert_int_eq(s.revoked, 500);
	ck_assert_str_eq(s.revoke_reason, "lost the key");
	signers_clear(&s);
	ck_assert_int_eq(signers_revoke(w.db, FPR_A, 600, "again"), 0);	/* revoked already */
	ck_assert_int_eq(signers_find(w.db, FPR_A, &s), 1);
	ck_assert_int_eq(s.revoked, 500);
	signers_clear(&s);
	ck_assert_int_eq(signers_revoke(w.db, FPR_D, 600, "unknown"), 0);
	ck_assert_int_eq(signers_revoke(w.db, "xyz", 600, "garbage"), 0);
	testlib_db_free(&w);
}
END_TEST

static const char *fpr_at(GPtrArray *a, guint i)
{
	return ((const struct signer *)a->pdata[i])->fingerprint;
}

START_TEST(test_list_and_of_state)
{
	struct testlib_db w;
	GPtrArray *all;

	world_new(&w);
	all = signers_list(w.db, NULL);
	ck_assert_ptr_nonnull(all);
	ck_assert_uint_eq(all->len, 0);
	g_ptr_array_unref(all);
	add_three(w.db);
	all = signers_list(w.db, NULL);
	ck_assert_uint_eq(all->len, 3);
	ck_assert_str_eq(fpr_at(all, 0), FPR_C);	/* DE before FR */
	ck_assert_str_eq(fpr_at(all, 1), FPR_A);
	ck_assert_str_eq(fpr_at(all, 2), FPR_B);
	g_ptr_array_unref(all);
	all = signers_list(w.db, "FR");
	ck_assert_uint_eq(all->len, 2);
	g_ptr_array_unref(all);
	ck_assert_int_eq(signers_revoke(w.db, FPR_A, 500, "left"), 1);
	all = signers_list(w.db, "FR");			/* revoked signers are listed */
	ck_assert_uint_eq(all->len, 2);
	g_ptr_array_unref(all);
	all = signers_of_state(w.db, "FR");		/* but told nothing */
	ck_assert_uint_eq(all->len, 1);
	ck_assert_str_eq(fpr_at(all, 0), FPR_B);
	g_ptr_array_unref(all);
	all = signers_of_state(w.db, "JP");
	ck_assert_uint_eq(all->len, 0);
	g_ptr_array_unref(all);
	testlib_db_free(&w);
}
END_TEST

/* A custodian of no State: stored with a NULL State, found with "", told
 * what concerns the custodians and the signers of no State, never a
 * State's notices; only a custodian may have no State. */
START_TEST(test_custodian_of_no_state)
{
	struct testlib_db w;
	struct signer u = make(CRYPTO_OPENPGP, FPR_D, "", SIGNER_CUSTODIAN);
	struct signer r = make(CRYPTO_OPENPGP, "1111222233334444555566667777888899990000", "",
			       SIGNER_READER);
	struct signer s;
	GPtrArray *to;
	gint64 nulls = -1;

	world_new(&w);
	add_three(w.db);
	ck_assert_int_eq(signers_add(w.db, &u), 0);
	ck_assert_int_eq(signers_add(w.db, &r), -1);	/* a reader needs a State */
	ck_assert_int_eq(db_int64(w.db, &nulls, "SELECT count(*) FROM signers WHERE state IS NULL",
				  NULL), 1);
	ck_assert_int_eq(nulls, 1);
	ck_assert_int_eq(signers_find(w.db, FPR_D, &s), 1);
	ck_assert_str_eq(s.state, "");
	ck_assert_int_eq(s.role, SIGNER_CUSTODIAN);
	signers_clear(&s);
	to = signers_audience(w.db, SIGNERS_CUSTODIANS, NULL);	/* C (under DE) and U */
	ck_assert_uint_eq(to->len, 2);
	g_ptr_array_unref(to);
	to = signers_audience(w.db, SIGNERS_OF_STATE, "FR");
	ck_assert_uint_eq(to->len, 2);	/* A and B, not U */
	g_ptr_array_unref(to);
	to = signers_audience(w.db, SIGNERS_OF_STATE, NULL);	/* of no State: U */
	ck_assert_uint_eq(to->len, 1);
	ck_assert_str_eq(fpr_at(to, 0), FPR_D);
	g_ptr_array_unref(to);
	to = signers_list(w.db, NULL);
	ck_assert_uint_eq(to->len, 4);
	ck_assert_str_eq(fpr_at(to, 0), FPR_D);	/* no State first */
	g_ptr_array_unref(to);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_replay_guard)
{
	struct testlib_db w;
	const char *key = "5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

	world_new(&w);
	ck_assert_int_eq(signers_mark_seen(w.db, key, "hash-of-message-1", 10), 0);
	ck_assert_int_eq(signers_mark_seen(w.db, key, "hash-of-message-2", 20), 1);	/* a replay */
	ck_assert_int_eq(signers_mark_seen(w.db, key, "hash-of-message-1", 30), 1);
	ck_assert_int_eq(signers_mark_seen(w.db, "another", "hash-of-message-2", 40), 0);
	ck_assert_int_eq(signers_mark_seen(w.db, "", "hash", 50), -1);
	ck_assert_int_eq(signers_mark_seen(w.db, NULL, "hash", 50), -1);
	testlib_db_free(&w);
}
END_TEST

START_TEST(test_names)
{
	char out[CRYPTO_FPR_LEN];
	enum signer_role r;

	ck_assert_int_eq(signers_normalize_fpr("01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67", out), 0);
	ck_assert_str_eq(out, FPR_A);
	ck_assert_int_eq(signers_normalize_fpr("0123", out), -1);
	ck_assert_int_eq(signers_normalize_fpr("0123456789ABCDEF0123456789ABCDEF0123456G", out), -1);
	ck_assert_int_eq(signers_normalize_fpr(FPR_A FPR_A, out), -1);	/* 80 digits */
	ck_assert_int_eq(signers_role_parse("Authority", &r), 0);
	ck_assert_int_eq(r, SIGNER_AUTHORITY);
	ck_assert_int_eq(signers_role_parse("custodian", &r), 0);
	ck_assert_int_eq(r, SIGNER_CUSTODIAN);
	ck_assert_int_eq(signers_role_parse("admin", &r), -1);
	ck_assert_str_eq(signers_role_name(SIGNER_READER), "reader");
	ck_assert_str_eq(signers_protocol_name(CRYPTO_SMIME), "smime");
	ck_assert_ptr_null(signers_protocol_name(CRYPTO_NONE));
}
END_TEST

static Suite *signers_suite(void)
{
	Suite *s = suite_create("signers");
	TCase *tc = tcase_create("store");

	tcase_add_test(tc, test_add_and_find);
	tcase_add_test(tc, test_add_refused);
	tcase_add_test(tc, test_revoke);
	tcase_add_test(tc, test_list_and_of_state);
	tcase_add_test(tc, test_replay_guard);
	tcase_add_test(tc, test_custodian_of_no_state);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(signers_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

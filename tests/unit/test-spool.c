/* test-spool.c - the durable queue: store and load give back the exact
 * envelope and bytes, files land in new/ with tmp/ empty, the list is oldest
 * first, moves go between folders, corrupt files and unusable spools fail.
 * Each test works in its own temporary directory and removes it. */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "robot/spool.h"
#include "tests/unit/testlib.h"

struct world {
	char *tmp;
	char *spool;
};

static struct world *world_new(void)
{
	struct world *w = g_new0(struct world, 1);

	w->tmp = testlib_dir_new("spool");
	w->spool = g_build_filename(w->tmp, "var", "spool", NULL);
	ck_assert_int_eq(spool_init(w->spool), 0);
	return w;
}

static void world_free(struct world *w)
{
	testlib_dir_free(w->tmp);
	g_free(w->spool);
	g_free(w);
}

static int entry_exists(const char *spool, const char *sub, const char *id)
{
	char *path = g_build_filename(spool, sub, id, NULL);
	int yes = g_file_test(path, G_FILE_TEST_IS_REGULAR);

	g_free(path);
	return yes;
}

/* Stores a message with sender and the given recipients; returns its id. */
static char *store(const char *spool, const char *sender, const char *const *rcpts,
		   const char *data, size_t len)
{
	struct envelope env;
	char *id = NULL;

	envelope_init(&env);
	env.sender = g_strdup(sender);
	for (; *rcpts; rcpts++)
		envelope_add_recipient(&env, *rcpts);
	ck_assert_int_eq(spool_store(spool, &env, data, len, &id), 0);
	ck_assert(id != NULL);
	envelope_clear(&env);
	return id;
}

START_TEST(test_init_makes_folders)
{
	struct world *w = world_new();

	for (const char *const *d = (const char *const[]){ "tmp", "new", "cur", "quarantine", NULL }; *d; d++) {
		char *path = g_build_filename(w->spool, *d, NULL);

		ck_assert_msg(g_file_test(path, G_FILE_TEST_IS_DIR), "no %s", path);
		g_free(path);
	}
	ck_assert_int_eq(spool_init(w->spool), 0);	/* again: harmless */
	ck_assert_str_eq(spool_dir_name(SPOOL_NEW), "new");
	ck_assert_str_eq(spool_dir_name(SPOOL_CUR), "cur");
	ck_assert_str_eq(spool_dir_name(SPOOL_QUARANTINE), "quarantine");
	world_free(w);
}
END_TEST

START_TEST(test_round_trip)
{
	static const char msg[] = "From: a@example.org\r\nSubject: x\r\n\r\nS b@c\nR d@e\n\n\0\x01\xff\r\n.\r\n";
	const size_t len = sizeof msg - 1;
	const char *const rcpts[] = { "one@example.org", "two@example.org", "three@example.net", NULL };
	struct world *w = world_new();
	char *id = store(w->spool, "", rcpts, msg, len);
	struct envelope env;
	char *data = NULL;
	size_t got = 0;

	ck_assert(!strchr(id, '/') && id[0] != '.');
	ck_assert(entry_exists(w->spool, "new", id));
	ck_assert_int_eq(testlib_count_entries(w->spool, "new"), 1);
	ck_assert_int_eq(testlib_count_entries(w->spool, "tmp"), 0);

	ck_assert_int_eq(spool_load(w->spool, SPOOL_NEW, id, &env, &data, &got), 0);
	ck_assert_str_eq(env.sender, "");
	ck_assert_uint_eq(env.recipients->len, 3);
	for (guint i = 0; i < 3; i++)
		ck_assert_str_eq(env.recipients->pdata[i], rcpts[i]);
	ck_assert_uint_eq(got, len);
	ck_assert_int_eq(memcmp(data, msg, len), 0);
	ck_assert_int_eq(data[got], '\0');
	envelope_clear(&env);
	g_free(data);
	g_free(id);
	world_free(w);
}
END_TEST

START_TEST(test_sender_and_empty_body)
{
	const char *const rcpts[] = { "r@example.org", NULL };
	struct world *w = world_new();
	char *id = store(w->spool, "s@example.org", rcpts, "", 0);
	struct envelope env;
	char *data = NULL;
	size_t got = 99;

	ck_assert_int_eq(spool_load(w->spool, SPOOL_NEW, id, &env, &data, &got), 0);
	ck_assert_str_eq(env.sender, "s@example.org");
	ck_assert_uint_eq(env.recipients->len, 1);
	ck_assert_uint_eq(got, 0);
	ck_assert_str_eq(data, "");
	envelope_clear(&env);
	g_free(data);
	/* the entry is not in another folder */
	ck_assert_int_eq(spool_load(w->spool, SPOOL_CUR, id, &env, &data, &got), -1);
	envelope_clear(&env);
	g_free(id);
	world_free(w);
}
END_TEST

START_TEST(test_list_oldest_first)
{
	const char *const rcpts[] = { "r@example.org", NULL };
	struct world *w = world_new();
	char *ids[5];
	GPtrArray *list;

	list = spool_list(w->spool, SPOOL_NEW);
	ck_assert_uint_eq(list->len, 0);
	g_ptr_array_unref(list);
	for (int i = 0; i < 5; i++) {
		char body[32];

		snprintf(body, sizeof body, "message %d", i);
		ids[i] = store(w->spool, "s@example.org", rcpts, body, strlen(body));
		g_usleep(2000);
	}
	list = spool_list(w->spool, SPOOL_NEW);
	ck_assert_uint_eq(list->len, 5);
	for (int i = 0; i < 5; i++) {
		struct envelope env;
		char *data, want[32];
		size_t len;

		ck_assert_str_eq(list->pdata[i], ids[i]);
		ck_assert_int_eq(spool_load(w->spool, SPOOL_NEW, list->pdata[i], &env, &data, &len), 0);
		snprintf(want, sizeof want, "message %d", i);
		ck_assert_str_eq(data, want);
		envelope_clear(&env);
		g_free(data);
	}
	g_ptr_array_unref(list);
	list = spool_list(w->spool, SPOOL_CUR);
	ck_assert_uint_eq(list->len, 0);
	g_ptr_array_unref(list);
	for (int i = 0; i < 5; i++)
		g_free(ids[i]);
	world_free(w);
}
END_TEST

START_TEST(test_move)
{
	const char *const rcpts[] = { "r@example.org", NULL };
	struct world *w = world_new();
	char *id = store(w->spool, "s@example.org", rcpts, "hello", 5);
	GPtrArray *list;
	struct envelope env;
	char *data;
	size_t len;

	ck_assert_int_eq(spool_move(w->spool, id, SPOOL_NEW, SPOOL_CUR), 0);
	ck_assert(!entry_exists(w->spool, "new", id));
	ck_assert(entry_exists(w->spool, "cur", id));
	list = spool_list(w->spool, SPOOL_CUR);
	ck_assert_uint_eq(list->len, 1);
	ck_assert_str_eq(list->pdata[0], id);
	g_ptr_array_unref(list);
	ck_assert_int_eq(spool_load(w->spool, SPOOL_CUR, id, &env, &data, &len), 0);
	ck_assert_str_eq(data, "hello");
	envelope_clear(&env);
	g_free(data);

	ck_assert_int_eq(spool_move(w->spool, id, SPOOL_CUR, SPOOL_QUARANTINE), 0);
	ck_assert(!entry_exists(w->spool, "cur", id));
	ck_assert(entry_exists(w->spool, "quarantine", id));
	ck_assert_int_eq(spool_move(w->spool, id, SPOOL_QUARANTINE, SPOOL_NEW), 0);
	ck_assert(entry_exists(w->spool, "new", id));
	ck_assert_int_eq(testlib_count_entries(w->spool, "quarantine"), 0);
	ck_assert_int_eq(testlib_count_entries(w->spool, "cur"), 0);

	/* a missing entry, and names that are not plain file names */
	ck_assert_int_eq(spool_move(w->spool, id, SPOOL_CUR, SPOOL_NEW), -1);
	ck_assert_int_eq(spool_move(w->spool, "../new/x", SPOOL_NEW, SPOOL_CUR), -1);
	ck_assert_int_eq(spool_move(w->spool, ".hidden", SPOOL_NEW, SPOOL_CUR), -1);
	ck_assert(entry_exists(w->spool, "new", id));
	g_free(id);
	world_free(w);
}
END_TEST

/* Writes text into new/name and checks that spool_load refuses it. */
static void assert_corrupt(const char *spool, const char *name, const char *text, size_t len)
{
	char *path = g_build_filename(spool, "new", name, NULL);
	struct envelope env;
	char *data = (char *)"untouched";
	size_t got = 0;

	ck_assert(g_file_set_contents(path, text, (gssize)len, NULL));
	ck_assert_msg(spool_load(spool, SPOOL_NEW, name, &env, &data, &got) == -1,
		      "accepted corrupt file %s", name);
	ck_assert(data == NULL);
	envelope_clear(&env);
	g_free(path);
}

START_TEST(test_load_corrupt)
{
	struct world *w = world_new();
	struct envelope env;
	char *data;
	size_t len;

	assert_corrupt(w->spool, "garbage", "\x89PNG\r\n\x1a\n\0\0", 10);
	assert_corrupt(w->spool, "empty", "", 0);
	assert_corrupt(w->spool, "magic-only", "POCBOT-SPOOL 1\n", 15);
	assert_corrupt(w->spool, "no-blank", "POCBOT-SPOOL 1\nS a@b\nR c@d\n", 27);
	assert_corrupt(w->spool, "no-rcpt", "POCBOT-SPOOL 1\nS a@b\n\nbody", 26);
	assert_corrupt(w->spool, "no-sender", "POCBOT-SPOOL 1\nR c@d\n\nbody", 26);
	assert_corrupt(w->spool, "bad-line", "POCBOT-SPOOL 1\nS a@b\nX c@d\nR c@d\n\nbody", 38);
	assert_corrupt(w->spool, "two-senders", "POCBOT-SPOOL 1\nS a@b\nS e@f\nR c@d\n\nbody", 38);
	assert_corrupt(w->spool, "version-2", "POCBOT-SPOOL 2\nS a@b\nR c@d\n\nbody", 32);
	assert_corrupt(w->spool, "truncated", "POCBOT-SPOOL 1\nS a@b\nR c", 24);
	/* the same shape written correctly is accepted */
	{
		char *path = g_build_filename(w->spool, "new", "good", NULL);

		ck_assert(g_file_set_contents(path, "POCBOT-SPOOL 1\nS a@b\nR c@d\n\nbody", -1, NULL));
		ck_assert_int_eq(spool_load(w->spool, SPOOL_NEW, "good", &env, &data, &len), 0);
		ck_assert_str_eq(data, "body");
		envelope_clear(&env);
		g_free(data);
		g_free(path);
	}
	ck_assert_int_eq(spool_load(w->spool, SPOOL_NEW, "missing", &env, &data, &len), -1);
	envelope_clear(&env);
	world_free(w);
}
END_TEST

START_TEST(test_store_unwritable)
{
	const char *const rcpts[] = { "r@example.org", NULL };
	struct world *w = world_new();
	char *file = g_build_filename(w->tmp, "plain-file", NULL);
	char *spool = g_build_filename(file, "spool", NULL);
	struct envelope env;
	char *id = (char *)"untouched";

	ck_assert(g_file_set_contents(file, "x", 1, NULL));
	envelope_init(&env);
	env.sender = g_strdup("s@example.org");
	envelope_add_recipient(&env, rcpts[0]);
	ck_assert_int_eq(spool_init(spool), -1);
	errno = 0;
	ck_assert_int_eq(spool_store(spool, &env, "x", 1, &id), -1);
	ck_assert_int_ne(errno, 0);
	ck_assert(id == NULL);
	ck_assert_int_eq(spool_store("/proc/pocbot-no-such-spool", &env, "x", 1, &id), -1);
	ck_assert(id == NULL);
	envelope_clear(&env);
	g_free(spool);
	g_free(file);
	world_free(w);
}
END_TEST

START_TEST(test_store_rename_fails_cleans_tmp)
{
	const char *const rcpts[] = { "r@example.org", NULL };
	struct world *w = world_new();
	char *newdir = g_build_filename(w->spool, "new", NULL);
	struct envelope env;
	char *id = NULL;

	ck_assert_int_eq(rmdir(newdir), 0);
	ck_assert(g_file_set_contents(newdir, "not a folder", -1, NULL));
	envelope_init(&env);
	env.sender = g_strdup("s@example.org");
	envelope_add_recipient(&env, rcpts[0]);
	ck_assert_int_eq(spool_store(w->spool, &env, "x", 1, &id), -1);
	ck_assert(id == NULL);
	ck_assert_int_eq(testlib_count_entries(w->spool, "tmp"), 0);
	envelope_clear(&env);
	g_free(newdir);
	world_free(w);
}
END_TEST

START_TEST(test_probe)
{
	struct world *w = world_new();
	char *cur = g_build_filename(w->spool, "cur", NULL);
	char *tmp = g_build_filename(w->spool, "tmp", NULL);
	char *cause = (char *)"untouched";

	ck_assert_int_eq(spool_probe(w->spool, &cause), 0);
	ck_assert(cause == NULL);
	ck_assert_int_eq(testlib_count_entries(w->spool, "tmp"), 0);	/* the probe's file went */
	/* a folder the worker moves entries into is missing: named, with why */
	ck_assert_int_eq(rmdir(cur), 0);
	ck_assert_int_eq(spool_probe(w->spool, &cause), -1);
	ck_assert_msg(cause && strstr(cause, "cur/") && strstr(cause, g_strerror(ENOENT)), "%s",
		      cause ? cause : "(none)");
	g_free(cause);
	/* tmp/ cannot take a file */
	ck_assert_int_eq(g_mkdir(cur, 0700), 0);
	ck_assert_int_eq(rmdir(tmp), 0);
	ck_assert_int_eq(spool_probe(w->spool, &cause), -1);
	ck_assert_msg(cause && strstr(cause, "tmp/"), "%s", cause ? cause : "(none)");
	g_free(cause);
	g_free(cur);
	g_free(tmp);
	world_free(w);
}
END_TEST

static Suite *spool_suite(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("spool");

	tcase_add_test(tc, test_init_makes_folders);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_sender_and_empty_body);
	tcase_add_test(tc, test_list_oldest_first);
	tcase_add_test(tc, test_move);
	tcase_add_test(tc, test_load_corrupt);
	tcase_add_test(tc, test_store_unwritable);
	tcase_add_test(tc, test_store_rename_fails_cleans_tmp);
	tcase_add_test(tc, test_probe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(spool_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

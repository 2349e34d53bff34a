/* test-maildir.c - maildir_deliver: the file lands whole in new/, nothing
 * stays in tmp/, a re-delivery replaces, bad names and unusable folders fail.
 * Each test works in its own temporary directory and removes it. */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include "robot/maildir.h"
#include "tests/unit/testlib.h"

static void assert_file(const char *dir, const char *sub, const char *name,
			const char *data, size_t len)
{
	char *path = g_build_filename(dir, sub, name, NULL);
	char *got = NULL;
	gsize got_len = 0;

	ck_assert_msg(g_file_get_contents(path, &got, &got_len, NULL), "no %s", path);
	ck_assert_uint_eq(got_len, len);
	ck_assert_int_eq(memcmp(got, data, len), 0);
	g_free(got);
	g_free(path);
}

static void write_file(const char *path)
{
	ck_assert(g_file_set_contents(path, "x", 1, NULL));
}

START_TEST(test_deliver_lands_in_new)
{
	static const char msg[] = "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
	char *tmp = testlib_dir_new("maildir");
	char *dir = g_build_filename(tmp, "Maildir", NULL);

	ck_assert_int_eq(maildir_deliver(dir, "1700000000.abc.host", msg, strlen(msg)), 0);
	assert_file(dir, "new", "1700000000.abc.host", msg, strlen(msg));
	ck_assert_int_eq(testlib_count_entries(dir, "new"), 1);
	ck_assert_int_eq(testlib_count_entries(dir, "tmp"), 0);
	ck_assert_int_eq(testlib_count_entries(dir, "cur"), 0);
	g_free(dir);
	testlib_dir_free(tmp);
}
END_TEST

START_TEST(test_binary_and_empty)
{
	static const char bin[] = { 'a', '\0', '\r', '\n', '\xff', '.', '\n' };
	char *tmp = testlib_dir_new("maildir");
	char *dir = g_build_filename(tmp, "Maildir", NULL);

	ck_assert_int_eq(maildir_deliver(dir, "bin", bin, sizeof(bin)), 0);
	assert_file(dir, "new", "bin", bin, sizeof(bin));
	ck_assert_int_eq(maildir_deliver(dir, "empty", "", 0), 0);
	assert_file(dir, "new", "empty", "", 0);
	ck_assert_int_eq(testlib_count_entries(dir, "tmp"), 0);
	g_free(dir);
	testlib_dir_free(tmp);
}
END_TEST

START_TEST(test_same_name_replaces)
{
	static const char first[] = "Subject: first\r\n\r\nlonger first body\r\n";
	static const char second[] = "Subject: second\r\n\r\nb\r\n";
	char *tmp = testlib_dir_new("maildir");
	char *dir = g_build_filename(tmp, "Maildir", NULL);

	ck_assert_int_eq(maildir_deliver(dir, "same", first, strlen(first)), 0);
	ck_assert_int_eq(maildir_deliver(dir, "same", second, strlen(second)), 0);
	ck_assert_int_eq(testlib_count_entries(dir, "new"), 1);
	ck_assert_int_eq(testlib_count_entries(dir, "tmp"), 0);
	assert_file(dir, "new", "same", second, strlen(second));
	g_free(dir);
	testlib_dir_free(tmp);
}
END_TEST

START_TEST(test_bad_names_refused)
{
	static const char *const bad[] = { "", ".", "..", ".hidden", "a/b", "../x", "/abs" };
	char *tmp = testlib_dir_new("maildir");
	char *dir = g_build_filename(tmp, "Maildir", NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		errno = 0;
		ck_assert_int_eq(maildir_deliver(dir, bad[i], "x", 1), -1);
		ck_assert_int_eq(errno, EINVAL);
	}
	/* refused before anything was made */
	ck_assert(!g_file_test(dir, G_FILE_TEST_EXISTS));
	g_free(dir);
	testlib_dir_free(tmp);
}
END_TEST

START_TEST(test_dir_under_a_file)
{
	char *tmp = testlib_dir_new("maildir");
	char *file = g_build_filename(tmp, "file", NULL);
	char *dir = g_build_filename(file, "Maildir", NULL);

	write_file(file);
	errno = 0;
	ck_assert_int_eq(maildir_deliver(dir, "m", "x", 1), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	g_free(dir);
	g_free(file);
	testlib_dir_free(tmp);
}
END_TEST

/* new/ is not a folder: the rename fails and tmp/ is cleaned up. */
START_TEST(test_rename_failure_cleans_tmp)
{
	char *tmp = testlib_dir_new("maildir");
	char *dir = g_build_filename(tmp, "Maildir", NULL);
	char *new_dir = g_build_filename(dir, "new", NULL);

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	write_file(new_dir);
	errno = 0;
	ck_assert_int_eq(maildir_deliver(dir, "m", "x", 1), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert_int_eq(testlib_count_entries(dir, "tmp"), 0);
	g_free(new_dir);
	g_free(dir);
	testlib_dir_free(tmp);
}
END_TEST

/* Delivers into dir as it is, in a child that, when we are root, first
 * becomes nobody (permissions do not stop root). The child's errno. */
static int deliver_unprivileged(const char *dir)
{
	int status = 0;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(255);
		errno = 0;
		if (maildir_deliver(dir, "second", "x", 1) == 0)
			_exit(0);
		_exit(errno);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_unwritable_dir)
{
	char *tmp = testlib_dir_new("maildir");
	char *dir = g_build_filename(tmp, "Maildir", NULL);
	char *tmp_dir = g_build_filename(dir, "tmp", NULL);

	ck_assert_int_eq(maildir_deliver(dir, "first", "x", 1), 0);
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(chmod(tmp_dir, 0555), 0);
	ck_assert_int_eq(deliver_unprivileged(dir), EACCES);
	ck_assert_int_eq(testlib_count_entries(dir, "new"), 1);
	ck_assert_int_eq(testlib_count_entries(dir, "tmp"), 0);
	ck_assert_int_eq(chmod(tmp_dir, 0700), 0);
	g_free(tmp_dir);
	g_free(dir);
	testlib_dir_free(tmp);
}
END_TEST

static Suite *maildir_suite(void)
{
	Suite *s = suite_create("maildir");
	TCase *tc = tcase_create("deliver");

	tcase_add_test(tc, test_deliver_lands_in_new);
	tcase_add_test(tc, test_binary_and_empty);
	tcase_add_test(tc, test_same_name_replaces);
	tcase_add_test(tc, test_bad_names_refused);
	tcase_add_test(tc, test_dir_under_a_file);
	tcase_add_test(tc, test_rename_failure_cleans_tmp);
	tcase_add_test(tc, test_unwritable_dir);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(maildir_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

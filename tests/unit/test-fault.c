/* test-fault.c - the robot's fault state: logged once with its cause
 * however often it is raised, once when it ends; the first retry after
 * FAULT_RETRY_FIRST seconds, the wait doubling only when a due retry
 * failed; the class names. Takes about 2 s (the waits are real). The log (stderr) is read back from a file. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "robot/fault.h"
#include "robot/limits.h"
#include "tests/unit/testlib.h"

/* How many lines of file hold text. */
static int lines_with(const char *file, const char *text)
{
	char *all = NULL, **lines;
	int n = 0;

	ck_assert(g_file_get_contents(file, &all, NULL, NULL));
	lines = g_strsplit(all, "\n", -1);
	for (char **l = lines; *l; l++)
		n += strstr(*l, text) != NULL;
	g_strfreev(lines);
	g_free(all);
	return n;
}

START_TEST(test_once_and_backoff)
{
	char *dir = testlib_dir_new("fault");
	char *log = g_build_filename(dir, "log", NULL);
	struct fault *f = fault_new(NULL);

	ck_assert(freopen(log, "w", stderr) != NULL);
	ck_assert(!fault_on(f) && !fault_waiting(f));
	fault_clear(f);	/* no fault: says nothing */
	fault_raise(f, "the database cannot be written: disk I/O error");
	fault_raise(f, "the database cannot be written: disk I/O error");
	ck_assert(fault_on(f) && fault_waiting(f));
	g_usleep((FAULT_RETRY_FIRST * 1000 + 100) * 1000);
	ck_assert(fault_on(f) && !fault_waiting(f));	/* the retry is due */
	fault_raise(f, "the spool cannot store a message");	/* it failed: the wait doubles */
	ck_assert(fault_waiting(f));
	g_usleep((FAULT_RETRY_FIRST * 1000 + 100) * 1000);
	ck_assert(fault_waiting(f));	/* 2 s now */
	fault_clear(f);
	ck_assert(!fault_on(f) && !fault_waiting(f));
	fault_clear(f);
	fflush(stderr);
	ck_assert_int_eq(lines_with(log, "robot fault: "), 1);
	ck_assert_int_eq(lines_with(log, "disk I/O error"), 1);
	ck_assert_int_eq(lines_with(log, "the spool"), 0);	/* one cause: the first */
	ck_assert_int_eq(lines_with(log, "resumed"), 1);
	fault_raise(f, "again");	/* a new fault is logged anew */
	fflush(stderr);
	ck_assert_int_eq(lines_with(log, "robot fault: again"), 1);
	fault_free(f);
	g_free(log);
	testlib_dir_free(dir);
}
END_TEST

START_TEST(test_class_names)
{
	ck_assert_str_eq(fault_class_name(FAULT_MESSAGE), "message");
	ck_assert_str_eq(fault_class_name(FAULT_ROBOT), "robot");
	ck_assert_str_eq(fault_class_name(FAULT_UNKNOWN), "unknown");
}
END_TEST

static Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("state");

	tcase_add_test(tc, test_once_and_backoff);
	tcase_add_test(tc, test_class_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fault_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* test-backup-tar.c - the container of a backup: members written read
 * back with their names, sizes and bytes; the reader refuses what a
 * restore must never write (a "..", an absolute name, a link, a device, a
 * folder, a damaged header, a name with a character out of the set) and a
 * stream cut short. Each test works in its own temporary directory. */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "robot/backup-tar.h"
#include "tests/unit/testlib.h"

#define BLOCK 512

/* A stream in dir/archive.tar holding the members name=text, in order. */
static int write_stream(const char *dir, const char *const *members)
{
	char *tar = g_build_filename(dir, "archive.tar", NULL), *err = NULL;
	int fd = open(tar, O_RDWR | O_CREAT | O_TRUNC, 0600);
	gint64 size;

	ck_assert_int_ge(fd, 0);
	for (const char *const *m = members; *m; m += 2) {
		char *path = g_build_filename(dir, "in", NULL);

		ck_assert(g_file_set_contents(path, m[1], -1, NULL));
		ck_assert_int_eq(backup_tar_add(fd, m[0], path, NULL, &size, &err), 0);
		ck_assert_int_eq(size, (gint64)strlen(m[1]));
		g_free(path);
	}
	ck_assert_int_eq(backup_tar_finish(fd, &err), 0);
	ck_assert_int_eq((int)lseek(fd, 0, SEEK_SET), 0);
	g_free(tar);
	return fd;
}

/* Rewrites the header at offset in fd with edit applied, its checksum
 * made right again (as an attacker would). */
static void edit_header(int fd, off_t at, void (*edit)(unsigned char *h))
{
	unsigned char h[BLOCK];
	unsigned sum = 0;

	ck_assert_int_eq((int)pread(fd, h, BLOCK, at), BLOCK);
	edit(h);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	ck_assert_int_eq((int)pwrite(fd, h, BLOCK, at), BLOCK);
	ck_assert_int_eq((int)lseek(fd, 0, SEEK_SET), 0);
}

/* The first member's refusal message, or NULL when it is read. */
static char *first_refusal(int fd)
{
	struct backup_tar_entry e;
	char *err = NULL;

	if (backup_tar_next(fd, &e, &err) == 1)
		return NULL;
	ck_assert_ptr_nonnull(err);
	return err;
}

static const char *const two[] = { "MANIFEST", "pocbot-backup 1\n", "spool/new/1.2.P3.R4",
				   "S a@b\n\nhello\n", NULL };

START_TEST(test_round_trip)
{
	char *dir = testlib_dir_new("tar"), *err = NULL;
	int fd = write_stream(dir, two);
	struct backup_tar_entry e;
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	char *want = g_compute_checksum_for_string(G_CHECKSUM_SHA256, two[3], -1);

	ck_assert_int_eq(backup_tar_next(fd, &e, &err), 1);
	ck_assert_str_eq(e.name, "MANIFEST");
	ck_assert_int_eq(e.size, 16);
	ck_assert_int_eq(backup_tar_data(fd, &e, -1, NULL, &err), 0);
	ck_assert_int_eq(backup_tar_next(fd, &e, &err), 1);
	ck_assert_str_eq(e.name, "spool/new/1.2.P3.R4");
	ck_assert_int_eq(backup_tar_data(fd, &e, -1, ck, &err), 0);
	ck_assert_str_eq(g_checksum_get_string(ck), want);
	ck_assert_int_eq(backup_tar_next(fd, &e, &err), 0);
	g_checksum_free(ck);
	g_free(want);
	close(fd);
	testlib_dir_free(dir);
}
END_TEST

START_TEST(test_names)
{
	ck_assert(backup_tar_name_ok("pocbot.db"));
	ck_assert(backup_tar_name_ok("gnupg-export/smime-secret-0.p12"));
	ck_assert(!backup_tar_name_ok(""));
	ck_assert(!backup_tar_name_ok("../evil"));
	ck_assert(!backup_tar_name_ok("spool/../../evil"));
	ck_assert(!backup_tar_name_ok("/etc/pocbot/pocbot.conf"));
	ck_assert(!backup_tar_name_ok("spool//new"));
	ck_assert(!backup_tar_name_ok("spool/./new"));
	ck_assert(!backup_tar_name_ok("spool/new/"));
	ck_assert(!backup_tar_name_ok("a b"));
	ck_assert(!backup_tar_name_ok("a\\b"));
	ck_assert(!backup_tar_name_ok("a\nb"));
}
END_TEST

static void to_dotdot(unsigned char *h)
{
	memset(h, 0, 100);
	memcpy(h, "../evil", 7);
}

static void to_absolute(unsigned char *h)
{
	memset(h, 0, 100);
	memcpy(h, "/tmp/evil", 9);
}

static void to_symlink(unsigned char *h)
{
	h[156] = '2';
	memcpy(h + 157, "/etc/passwd", 11);
}

static void to_device(unsigned char *h)
{
	h[156] = '3';
}

static void to_folder(unsigned char *h)
{
	h[156] = '5';
}

static void to_prefix_dotdot(unsigned char *h)
{
	memcpy(h + 345, "..", 2);	/* the ustar prefix: "../MANIFEST" */
}

START_TEST(test_refusals)
{
	static const struct {
		void (*edit)(unsigned char *h);
		const char *says;
	} cases[] = {
		{ to_dotdot, "\"../evil\" is refused" },
		{ to_absolute, "\"/tmp/evil\" is refused" },
		{ to_symlink, "not a regular file (type '2')" },
		{ to_device, "not a regular file (type '3')" },
		{ to_folder, "not a regular file (type '5')" },
		{ to_prefix_dotdot, "\"../MANIFEST\" is refused" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *dir = testlib_dir_new("tar");
		int fd = write_stream(dir, two);
		char *err;

		edit_header(fd, 0, cases[i].edit);
		err = first_refusal(fd);
		ck_assert_msg(err && strstr(err, cases[i].says), "case %zu: %s", i,
			      err ? err : "(read)");
		g_free(err);
		close(fd);
		testlib_dir_free(dir);
	}
}
END_TEST

START_TEST(test_damaged_header_and_short_stream)
{
	char *dir = testlib_dir_new("tar"), *err = NULL;
	int fd = write_stream(dir, two);
	struct backup_tar_entry e;
	unsigned char c = 'X';

	ck_assert_int_eq((int)pwrite(fd, &c, 1, 0), 1);	/* the name changed, not the sum */
	err = first_refusal(fd);
	ck_assert_ptr_nonnull(strstr(err, "damaged"));
	g_free(err);
	err = NULL;
	ck_assert_int_eq(ftruncate(fd, BLOCK + 8), 0);	/* the first member cut short */
	c = 'M';
	ck_assert_int_eq((int)pwrite(fd, &c, 1, 0), 1);
	ck_assert_int_eq((int)lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(backup_tar_next(fd, &e, &err), 1);
	ck_assert_int_eq(backup_tar_data(fd, &e, -1, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "unexpected end"));
	g_free(err);
	close(fd);
	testlib_dir_free(dir);
}
END_TEST

static Suite *tar_suite(void)
{
	Suite *s = suite_create("backup-tar");
	TCase *tc = tcase_create("tar");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_damaged_header_and_short_stream);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tar_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

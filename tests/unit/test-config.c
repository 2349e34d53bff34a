/* test-config.c - config_load: the defaults, relative paths resolved against
 * the file's folder, errors that name the key, $POCBOT_CONFIG, config_dump;
 * and clock_now reading [test] clock_file at every call.
 * Each test works in its own temporary directory (Check forks each test, so
 * chdir and setenv stay inside it) and removes it. */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "robot/config.h"
#include "robot/clock.h"
#include "robot/limits.h"
#include "tests/unit/testlib.h"

#define SYSTEM_CONFIG "/etc/pocbot/pocbot.conf"

/* A fresh folder, made the CWD; g_free the result after world_free. */
static char *world_new(void)
{
	char *tmp = testlib_dir_new("config");
	char *real;

	ck_assert_int_eq(chdir(tmp), 0);
	real = g_malloc(PATH_MAX);
	ck_assert(getcwd(real, PATH_MAX) != NULL);	/* /tmp may be a link */
	g_free(tmp);
	g_unsetenv("POCBOT_CONFIG");
	return real;
}

static void world_free(char *tmp)
{
	ck_assert_int_eq(chdir("/"), 0);
	testlib_dir_free(tmp);
}

/* Writes text to dir/name (making dir); returns the path (g_free it). */
static char *write_conf(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);

	ck_assert_int_eq(g_mkdir_with_parents(dir, 0700), 0);
	ck_assert(g_file_set_contents(path, text, -1, NULL));
	return path;
}

START_TEST(test_defaults)
{
	char *tmp = world_new();
	char *var = g_build_filename(tmp, "var", NULL);
	struct config cfg;
	char *err = NULL;

	if (access(SYSTEM_CONFIG, F_OK) == 0) {
		/* a machine with a real configuration: check the embedded defaults only */
		config_defaults(&cfg, tmp);
	} else {
		ck_assert_int_eq(config_load(NULL, &cfg, &err), 0);
		ck_assert(err == NULL);
		ck_assert(cfg.file == NULL);
		ck_assert_str_eq(cfg.address, "pocbot@localhost");
	}
	ck_assert_str_eq(cfg.domain, "localhost");
	ck_assert_str_eq(cfg.var, var);
	ck_assert_str_eq(cfg.lmtp_listen, "127.0.0.1:2424");
	ck_assert_int_eq(cfg.message_bytes, 26214400);
	ck_assert_int_eq(cfg.message_bytes, DEFAULT_MESSAGE_BYTES);
	ck_assert_int_eq(cfg.help_per_day, 3);
	ck_assert(cfg.custodian == NULL);
	ck_assert(cfg.smtp_relay == NULL);
	ck_assert(cfg.clock_file == NULL);
	config_clear(&cfg);
	g_free(var);
	world_free(tmp);
}
END_TEST

static void check_relative(const char *tmp, const char *file_arg)
{
	char *etc = g_build_filename(tmp, "etc", "pocbot", NULL);
	char *conf = write_conf(etc, "pocbot.conf",
		"# a test configuration\n"
		"[robot]\ndomain = example.org\ncustodian = admin@example.org\n"
		"[paths]\nvar = v\n"
		"[lmtp]\nlisten = unix:s\n"
		"[smtp]\nrelay = [::1]:2525\n"
		"[limits]\nmessage_bytes = 1048576\nhelp_per_day = 0\n"
		"[log]\nsyslog = yes\nstderr = false\n"
		"[test]\nclock_file = ../c\n");
	char *want_var = g_build_filename(etc, "v", NULL);
	char *want_clock = g_build_filename(tmp, "etc", "c", NULL);
	char *want_listen = g_strconcat("unix:", etc, "/s", NULL);
	struct config cfg;
	char *err = NULL;

	ck_assert_msg(config_load(file_arg, &cfg, &err) == 0, "%s", err);
	ck_assert(err == NULL);
	ck_assert_str_eq(cfg.file, conf);
	ck_assert_str_eq(cfg.domain, "example.org");
	ck_assert_str_eq(cfg.address, "pocbot@example.org");	/* derived from the domain */
	ck_assert_str_eq(cfg.custodian, "admin@example.org");
	ck_assert_str_eq(cfg.var, want_var);
	ck_assert_str_eq(cfg.clock_file, want_clock);
	ck_assert_str_eq(cfg.lmtp_listen, want_listen);
	ck_assert_str_eq(cfg.smtp_relay, "[::1]:2525");
	ck_assert_int_eq(cfg.message_bytes, 1048576);
	ck_assert_int_eq(cfg.help_per_day, 0);
	ck_assert(cfg.syslog);
	ck_assert(!cfg.foreground_log);
	config_clear(&cfg);
	g_free(want_var);
	g_free(want_clock);
	g_free(want_listen);
	g_free(conf);
	g_free(etc);
}

START_TEST(test_relative_paths_absolute_file)
{
	char *tmp = world_new();
	char *conf = g_build_filename(tmp, "etc", "pocbot", "pocbot.conf", NULL);
	char *elsewhere = g_build_filename(tmp, "elsewhere", NULL);

	/* the CWD is another folder than the file's */
	ck_assert_int_eq(g_mkdir_with_parents(elsewhere, 0700), 0);
	ck_assert_int_eq(chdir(elsewhere), 0);
	check_relative(tmp, conf);
	g_free(conf);
	g_free(elsewhere);
	world_free(tmp);
}
END_TEST

START_TEST(test_relative_paths_relative_file)
{
	char *tmp = world_new();

	check_relative(tmp, "etc/pocbot/pocbot.conf");
	world_free(tmp);
}
END_TEST

START_TEST(test_address_given)
{
	char *tmp = world_new();
	char *conf = write_conf(tmp, "a.conf", "[robot]\ndomain = example.org\naddress = poc@mail.example.org\n");
	struct config cfg;
	char *err = NULL;

	ck_assert_msg(config_load(conf, &cfg, &err) == 0, "%s", err);
	ck_assert_str_eq(cfg.address, "poc@mail.example.org");
	config_clear(&cfg);
	g_free(conf);
	world_free(tmp);
}
END_TEST

/* Loads text and asserts the error mentions want. */
static void assert_refused(const char *tmp, const char *text, const char *want)
{
	char *conf = write_conf(tmp, "bad.conf", text);
	struct config cfg;
	char *err = NULL;

	ck_assert_msg(config_load(conf, &cfg, &err) == -1, "accepted: %s", text);
	ck_assert_msg(err && strstr(err, want), "error for \"%s\" is \"%s\", wanted \"%s\"", text, err, want);
	ck_assert(!strchr(err, '\n'));
	config_clear(&cfg);
	g_free(err);
	g_free(conf);
}

/* [robot] sign_default: smime by default, openpgp when asked, dumped by
 * name, anything else refused naming the key. */
START_TEST(test_sign_default)
{
	char *tmp = world_new();
	char *conf = write_conf(tmp, "s.conf", "[robot]\nsign_default = openpgp\n");
	struct config cfg;
	char *err = NULL, *dump;

	config_defaults(&cfg, tmp);
	ck_assert_int_eq(cfg.sign_default, CRYPTO_SMIME);
	dump = config_dump(&cfg);
	ck_assert_msg(strstr(dump, "\nsign_default = smime\n"), "%s", dump);
	g_free(dump);
	config_clear(&cfg);
	ck_assert_msg(config_load(conf, &cfg, &err) == 0, "%s", err);
	ck_assert_int_eq(cfg.sign_default, CRYPTO_OPENPGP);
	dump = config_dump(&cfg);
	ck_assert_msg(strstr(dump, "\nsign_default = openpgp\n"), "%s", dump);
	g_free(dump);
	config_clear(&cfg);
	assert_refused(tmp, "[robot]\nsign_default = pgp\n", "[robot] sign_default");
	assert_refused(tmp, "[robot]\nsign_default = \n", "[robot] sign_default");
	assert_refused(tmp, "[robot]\nsign_default = SMIME\n", "[robot] sign_default");
	g_free(conf);
	world_free(tmp);
}
END_TEST

START_TEST(test_lmtp_keys)
{
	char *tmp = world_new();
	char *conf = write_conf(tmp, "l.conf", "[lmtp]\nlisten = unix:s\nallow_uids = 0, root, 65534\n"
				"max_connections = 7\nmail_deadline = 5s\ncommand_deadline = 1m\n"
				"data_deadline = 1h\n[test]\nworker = false\n");
	struct config cfg;
	char *err = NULL, *dump;

	ck_assert_msg(config_load(conf, &cfg, &err) == 0, "%s", err);
	ck_assert_int_eq(cfg.lmtp_allow_uids, 3);
	ck_assert_uint_eq(cfg.lmtp_allow_uid[0], 0);
	ck_assert_uint_eq(cfg.lmtp_allow_uid[1], 0);	/* root, by name */
	ck_assert_uint_eq(cfg.lmtp_allow_uid[2], 65534);
	ck_assert_int_eq(cfg.lmtp_max_connections, 7);
	ck_assert_int_eq(cfg.lmtp_mail_deadline, 5);
	ck_assert_int_eq(cfg.lmtp_command_deadline, 60);
	ck_assert_int_eq(cfg.lmtp_data_deadline, 3600);
	ck_assert(!cfg.worker);
	dump = config_dump(&cfg);
	ck_assert_msg(strstr(dump, "allow_uids = 0, 0, 65534\n"), "%s", dump);
	g_free(dump);
	config_clear(&cfg);
	/* found by fuzz-config: a value with backslashes is dumped escaped, and reads back */
	g_free(conf);
	conf = write_conf(tmp, "b.conf", "[robot]\naddress = \"a\\\\\\\\b\"@robot.test\n");
	ck_assert_msg(config_load(conf, &cfg, &err) == 0, "%s", err);
	ck_assert_str_eq(cfg.address, "\"a\\\\b\"@robot.test");
	dump = config_dump(&cfg);
	config_clear(&cfg);
	g_free(conf);
	conf = write_conf(tmp, "b2.conf", dump);
	ck_assert_msg(config_load(conf, &cfg, &err) == 0, "%s", err);
	ck_assert_str_eq(cfg.address, "\"a\\\\b\"@robot.test");
	g_free(dump);
	config_clear(&cfg);
	config_defaults(&cfg, tmp);
	ck_assert_int_eq(cfg.lmtp_allow_uids, 0);	/* any, by default */
	ck_assert_int_eq(cfg.lmtp_max_connections, 256);
	ck_assert(cfg.worker);
	config_clear(&cfg);
	assert_refused(tmp, "[lmtp]\nallow_uids = no-such-user-here\n", "[lmtp] allow_uids");
	assert_refused(tmp, "[lmtp]\nallow_uids = -1\n", "[lmtp] allow_uids");
	assert_refused(tmp, "[lmtp]\nallow_uids = 0,,1\n", "[lmtp] allow_uids");
	assert_refused(tmp, "[lmtp]\nallow_uids = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n",
		       "[lmtp] allow_uids");
	assert_refused(tmp, "[lmtp]\nmail_deadline = soon\n", "[lmtp] mail_deadline");
	/* found by fuzz-config: within the bound in days, over it in seconds */
	assert_refused(tmp, "[ping]\nremind = 44444443d\n", "[ping] remind");
	assert_refused(tmp, "[trust]\nmax_age = 2147483648s\n", "[trust] max_age");
	assert_refused(tmp, "[test]\nworker = paused\n", "[test] worker");
	g_free(conf);
	world_free(tmp);
}
END_TEST

START_TEST(test_errors_name_the_key)
{
	char *tmp = world_new();

	assert_refused(tmp, "[robot]\nnosuch = 1\n", "[robot] nosuch");
	assert_refused(tmp, "[nogroup]\ndomain = x\n", "[nogroup] domain");
	assert_refused(tmp, "[limits]\nmessage_bytes = -1\n", "[limits] message_bytes");
	assert_refused(tmp, "[limits]\nmessage_bytes = 10MB\n", "[limits] message_bytes");
	assert_refused(tmp, "[limits]\nmessage_bytes = 99999999999999999999999\n", "[limits] message_bytes");
	assert_refused(tmp, "[limits]\nhelp_per_day = x\n", "[limits] help_per_day");
	assert_refused(tmp, "[limits]\nhelp_per_day = -3\n", "[limits] help_per_day");
	assert_refused(tmp, "[lmtp]\nlisten = nonsense\n", "[lmtp] listen");
	assert_refused(tmp, "[lmtp]\nlisten = 127.0.0.1:99999\n", "[lmtp] listen");
	assert_refused(tmp, "[lmtp]\nlisten = unix:\n", "[lmtp] listen");
	assert_refused(tmp, "[smtp]\nrelay = host-without-port\n", "[smtp] relay");
	assert_refused(tmp, "[smtp]\nrelay = host:\n", "[smtp] relay");
	assert_refused(tmp, "[robot]\ndomain = exa mple.org\n", "[robot] domain");
	assert_refused(tmp, "[robot]\ndomain = example.org\\nBcc: x\n", "[robot] domain");
	assert_refused(tmp, "[robot]\ndomain = bad\\qescape\n", "[robot] domain");
	assert_refused(tmp, "[robot]\ncustodian = not an address\n", "[robot] custodian");
	assert_refused(tmp, "[robot]\ncustodian = \"not an address\"\n", "[robot] custodian");
	assert_refused(tmp, "[robot]\naddress = nobody\n", "[robot] address");
	assert_refused(tmp, "[log]\nsyslog = perhaps\n", "[log] syslog");
	assert_refused(tmp, "this is not a key file\n", "bad.conf");
	world_free(tmp);
}
END_TEST

START_TEST(test_missing_file)
{
	char *tmp = world_new();
	struct config cfg;
	char *err = NULL;

	ck_assert_int_eq(config_load("no-such.conf", &cfg, &err), -1);
	ck_assert(err && strstr(err, "no-such.conf"));
	config_clear(&cfg);
	g_free(err);
	world_free(tmp);
}
END_TEST

START_TEST(test_env_config)
{
	char *tmp = world_new();
	char *conf = write_conf(tmp, "env.conf", "[robot]\ndomain = env.example.org\n[paths]\nvar = /srv/pocbot\n");
	struct config cfg;
	char *err = NULL;

	ck_assert(g_setenv("POCBOT_CONFIG", conf, TRUE));
	ck_assert_msg(config_load(NULL, &cfg, &err) == 0, "%s", err);
	ck_assert_str_eq(cfg.file, conf);
	ck_assert_str_eq(cfg.domain, "env.example.org");
	ck_assert_str_eq(cfg.address, "pocbot@env.example.org");
	ck_assert_str_eq(cfg.var, "/srv/pocbot");
	config_clear(&cfg);
	/* "" is no file either */
	ck_assert_msg(config_load("", &cfg, &err) == 0, "%s", err);
	ck_assert_str_eq(cfg.domain, "env.example.org");
	config_clear(&cfg);
	/* a file given wins over the environment */
	g_free(conf);
	conf = write_conf(tmp, "given.conf", "[robot]\ndomain = given.example.org\n");
	ck_assert_msg(config_load(conf, &cfg, &err) == 0, "%s", err);
	ck_assert_str_eq(cfg.domain, "given.example.org");
	config_clear(&cfg);
	g_free(conf);
	world_free(tmp);
}
END_TEST

START_TEST(test_dump)
{
	static const char *const keys[] = { "[robot]", "domain = example.org", "address = pocbot@example.org",
		"custodian = admin@example.org", "[paths]", "var = ", "[lmtp]", "listen = 127.0.0.1:2525",
		"[smtp]", "relay = ", "[limits]", "message_bytes = 2048", "help_per_day = 7", "[log]",
		"syslog = false", "stderr = true", "[test]", "clock_file = ", NULL };
	char *tmp = world_new();
	char *conf = write_conf(tmp, "d.conf", "[robot]\ndomain = example.org\ncustodian = admin@example.org\n"
				"[lmtp]\nlisten = 127.0.0.1:2525\n[limits]\nmessage_bytes = 2048\nhelp_per_day = 7\n");
	char *again;
	struct config cfg, cfg2;
	char *err = NULL, *dump, *dump2;

	ck_assert_msg(config_load(conf, &cfg, &err) == 0, "%s", err);
	dump = config_dump(&cfg);
	for (const char *const *k = keys; *k; k++)
		ck_assert_msg(strstr(dump, *k), "dump lacks \"%s\":\n%s", *k, dump);
	ck_assert(strstr(dump, cfg.var));
	/* the dump is itself a configuration that gives the same one back */
	again = write_conf(tmp, "again.conf", dump);
	ck_assert_msg(config_load(again, &cfg2, &err) == 0, "%s", err);
	ck_assert_str_eq(cfg2.domain, cfg.domain);
	ck_assert_str_eq(cfg2.address, cfg.address);
	ck_assert_str_eq(cfg2.custodian, cfg.custodian);
	ck_assert_str_eq(cfg2.var, cfg.var);
	ck_assert_str_eq(cfg2.lmtp_listen, cfg.lmtp_listen);
	ck_assert(cfg2.smtp_relay == NULL);
	ck_assert(cfg2.clock_file == NULL);
	ck_assert_int_eq(cfg2.message_bytes, cfg.message_bytes);
	ck_assert_int_eq(cfg2.help_per_day, cfg.help_per_day);
	dump2 = config_dump(&cfg2);
	ck_assert_str_eq(strchr(dump2, '\n'), strchr(dump, '\n'));	/* all but the "from" line */
	config_clear(&cfg);
	config_clear(&cfg2);
	g_free(dump);
	g_free(dump2);
	g_free(again);
	g_free(conf);
	world_free(tmp);
}
END_TEST

START_TEST(test_var_path)
{
	char *tmp = world_new();
	struct config cfg;
	char *p;

	config_defaults(&cfg, "/srv");
	p = config_var_path(&cfg, "pocbot.db");
	ck_assert_str_eq(p, "/srv/var/pocbot.db");
	g_free(p);
	config_clear(&cfg);
	world_free(tmp);
}
END_TEST

START_TEST(test_clock_file)
{
	char *tmp = world_new();
	struct config cfg;
	gint64 sys, now;

	config_defaults(&cfg, tmp);
	cfg.clock_file = g_build_filename(tmp, "clock", NULL);
	ck_assert(g_file_set_contents(cfg.clock_file, "1000\n", -1, NULL));
	ck_assert_int_eq(clock_now(&cfg), 1000);
	ck_assert(g_file_set_contents(cfg.clock_file, "2000", -1, NULL));
	ck_assert_int_eq(clock_now(&cfg), 2000);	/* read again at every call */
	ck_assert(g_file_set_contents(cfg.clock_file, " 1700000000 \n", -1, NULL));
	ck_assert_int_eq(clock_now(&cfg), 1700000000);

	for (const char *const *bad = (const char *const[]){ "garbage", "", "12abc", "-5", "0", NULL };
	     *bad; bad++) {
		ck_assert(g_file_set_contents(cfg.clock_file, *bad, -1, NULL));
		sys = g_get_real_time() / G_USEC_PER_SEC;
		now = clock_now(&cfg);
		ck_assert_msg(now >= sys && now <= sys + 2, "clock file \"%s\" gave %" G_GINT64_FORMAT, *bad, now);
	}
	ck_assert_int_eq(unlink(cfg.clock_file), 0);
	sys = g_get_real_time() / G_USEC_PER_SEC;
	now = clock_now(&cfg);
	ck_assert(now >= sys && now <= sys + 2);
	g_clear_pointer(&cfg.clock_file, g_free);
	sys = g_get_real_time() / G_USEC_PER_SEC;
	now = clock_now(&cfg);
	ck_assert(now >= sys && now <= sys + 2);
	now = clock_now(NULL);
	ck_assert(now >= sys && now <= sys + 2);
	config_clear(&cfg);
	world_free(tmp);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	TCase *tc_clock = tcase_create("clock");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_relative_paths_absolute_file);
	tcase_add_test(tc, test_relative_paths_relative_file);
	tcase_add_test(tc, test_address_given);
	tcase_add_test(tc, test_sign_default);
	tcase_add_test(tc, test_errors_name_the_key);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_env_config);
	tcase_add_test(tc, test_dump);
	tcase_add_test(tc, test_var_path);
	tcase_add_test(tc, test_lmtp_keys);
	tcase_add_test(tc_clock, test_clock_file);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tc_clock);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

/* testlib-filters.h - the world the suites of the filter stages run in
 * (test-guard, test-classify, test-bounce, test-ping-match): GMime
 * started, a configuration of defaults for robot.test whose address is
 * ROBOT, and the templates; the suite run, then all of it freed. */
#ifndef POCBOT_TESTLIB_FILTERS_H
#define POCBOT_TESTLIB_FILTERS_H

#include <check.h>
#include <glib.h>
#include "filters/filter.h"
#include "robot/templates.h"

#define ROBOT "pocbot@robot.test"

static struct config cfg;
static struct templates *tpl;

/* Runs suite in that world: 0 when every test passed, else 1. */
static inline int testlib_filters_run(Suite *suite)
{
	SRunner *sr;
	int failed;

	mail_library_init();
	config_defaults(&cfg, "/tmp");
	g_free(cfg.domain);
	g_free(cfg.address);
	cfg.domain = g_strdup("robot.test");
	cfg.address = g_strdup(ROBOT);
	tpl = templates_load();
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	templates_free(tpl);
	config_clear(&cfg);
	return failed != 0;
}

#endif

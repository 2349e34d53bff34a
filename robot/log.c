/* log.c - one line per event: to stderr, and to syslog (facility mail) when
 * [log] syslog is on. Callers bound untrusted text themselves (%.200s). */
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

static int use_syslog;
static int use_stderr = 1;

void log_open(const struct config *cfg)
{
	use_stderr = cfg->foreground_log;
	use_syslog = cfg->syslog;
	if (use_syslog)
		openlog("pocbot", LOG_PID, LOG_MAIL);
}

void log_msg(int priority, const char *fmt, ...)
{
	va_list ap;
	char line[1024];

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (use_stderr) {
		GDateTime *now = g_date_time_new_now_utc();
		char *stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");

		fprintf(stderr, "%s pocbot: %s\n", stamp, line);
		g_free(stamp);
		g_date_time_unref(now);
	}
	if (use_syslog)
		syslog(priority, "%s", line);
}

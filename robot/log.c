/* log.c - one line per event: to stderr, and to syslog (facility mail) when
 * [log] syslog is on; log_open again closes and reopens syslog. Callers
 * bound untrusted text themselves (%.200s). */
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

/* Set by log_open (again on the daemon's SIGHUP) while threads log. */
static gint use_syslog;
static gint use_stderr = 1;

void log_open(const struct config *cfg)
{
	if (g_atomic_int_get(&use_syslog))
		closelog();
	g_atomic_int_set(&use_stderr, cfg->foreground_log);
	g_atomic_int_set(&use_syslog, cfg->syslog);
	if (cfg->syslog)
		openlog("pocbot", LOG_PID, LOG_MAIL);
}

void log_msg(int priority, const char *fmt, ...)
{
	va_list ap;
	char line[1024];

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (g_atomic_int_get(&use_stderr)) {
		GDateTime *now = g_date_time_new_now_utc();
		char *stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");

		fprintf(stderr, "%s pocbot: %s\n", stamp, line);
		g_free(stamp);
		g_date_time_unref(now);
	}
	if (g_atomic_int_get(&use_syslog))
		syslog(priority, "%s", line);
}

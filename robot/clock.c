/* clock.c - the one clock. Reads [test] clock_file (decimal seconds since the
 * epoch) at every call when it is set, so tests move time while the daemon
 * runs; an unreadable or malformed clock file falls back to the system time.
 * clock_text writes a time in UTC for people, reports and data files. */
#include <stdlib.h>
#include <string.h>
#include "clock.h"

gint64 clock_now(const struct config *cfg)
{
	char *text = NULL;

	if (cfg && cfg->clock_file && g_file_get_contents(cfg->clock_file, &text, NULL, NULL)) {
		char *end;
		gint64 t = g_ascii_strtoll(g_strstrip(text), &end, 10);
		gboolean good = *text && *end == '\0' && t > 0;

		g_free(text);
		if (good)
			return t;
	}
	return g_get_real_time() / G_USEC_PER_SEC;
}

const char *clock_text(gint64 t, const char *format, const char *fallback,
		       char out[CLOCK_TEXT_LEN])
{
	GDateTime *d = g_date_time_new_from_unix_utc(t);
	char *s = d ? g_date_time_format(d, format) : NULL;
	const char *r = fallback;

	if (s && strlen(s) < CLOCK_TEXT_LEN) {
		g_strlcpy(out, s, CLOCK_TEXT_LEN);
		r = out;
	}
	g_free(s);
	if (d)
		g_date_time_unref(d);
	return r;
}

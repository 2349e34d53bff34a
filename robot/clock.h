/* clock.h - the one clock: every reading of the current time goes here;
 * and how a time is written. */
#ifndef POCBOT_CLOCK_H
#define POCBOT_CLOCK_H

#include <glib.h>
#include "config.h"

/* Seconds since the epoch: from [test] clock_file when set, else the system. */
gint64 clock_now(const struct config *cfg);

#define CLOCK_TEXT_LEN 32
#define CLOCK_ISO "%Y-%m-%dT%H:%M:%SZ"		/* 2026-11-23T17:00:00Z */
#define CLOCK_MINUTE "%Y-%m-%d %H:%M UTC"	/* 2026-11-23 17:00 UTC */
#define CLOCK_DAY "%Y-%m-%d"

/* t (seconds since the epoch) in UTC as format, written to out; fallback
 * (may be NULL) when t cannot be shown. Returns out or fallback. */
const char *clock_text(gint64 t, const char *format, const char *fallback,
		       char out[CLOCK_TEXT_LEN]);

#endif

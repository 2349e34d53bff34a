/* clock.h - the one clock: every reading of the current time goes here. */
#ifndef POCBOT_CLOCK_H
#define POCBOT_CLOCK_H

#include <glib.h>
#include "config.h"

/* Seconds since the epoch: from [test] clock_file when set, else the system. */
gint64 clock_now(const struct config *cfg);

#endif

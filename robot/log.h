/* log.h - one line per event, to stderr and, when configured, syslog (mail). */
#ifndef POCBOT_LOG_H
#define POCBOT_LOG_H

#include <syslog.h>
#include "config.h"

void log_open(const struct config *cfg);
void log_msg(int priority, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif

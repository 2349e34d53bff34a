/* reload.h - the daemon's configuration as a reference-counted box its
 * threads share, and reading it again on SIGHUP (reload.c). */
#ifndef POCBOT_RELOAD_H
#define POCBOT_RELOAD_H

#include <glib.h>
#include "config.h"

/* A shared copy of cfg, with one reference (reload_drop it). */
struct config *reload_share(const struct config *cfg);

/* A reference to *current, read under lock (reload_drop it). */
struct config *reload_take(struct config *const *current, GMutex *lock);

/* Drops a reference; the last frees the configuration. NULL is ignored. */
void reload_drop(struct config *cfg);

/* The configuration read again from running's file, with one reference:
 * [paths] var, [lmtp] listen, [robot] domain and address keep running's
 * values (a change is logged "restart needed"). NULL when the file is
 * broken or unusable: the error is logged and running stays. */
struct config *reload_read(const struct config *running);

#endif

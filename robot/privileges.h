/* privileges.h - the daemon's change to [robot] user when started as root. */
#ifndef POCBOT_PRIVILEGES_H
#define POCBOT_PRIVILEGES_H

#include <glib.h>

/* Becomes user for good (its uid, its primary group, its supplementary
 * groups), then checks that root cannot be taken back. 0, or -1 with
 * *err; *unknown TRUE when no such user exists. */
int privileges_drop(const char *user, gboolean *unknown, char **err);

#endif

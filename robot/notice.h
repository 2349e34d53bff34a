/* notice.h - the notices that tell a State's enrolled signers of a
 * change among them (robot/notice.c). */
#ifndef POCBOT_NOTICE_H
#define POCBOT_NOTICE_H

#include <glib.h>
#include <sqlite3.h>
#include "config.h"
#include "signers.h"

/* Tells the other enrolled signers of changed's State what happened
 * (action: "action-enrolled" or "action-revoked", a reasons.txt key):
 * one notice each, signed by the robot and encrypted to the signer, queued
 * in the caller's transaction. 0 or -1. */
int signers_notify(sqlite3 *db, const struct config *cfg, const struct signer *changed, const char *action,
		   gint64 now);

#endif

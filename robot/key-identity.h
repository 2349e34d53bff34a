/* key-identity.h - what is wrong with the robot's own keys, said at the
 * daemon's start and by pocbot status: a key made without expiry (before
 * [keys] lifetime; a certificate valid beyond KEYS_NO_EXPIRY_HORIZON, ten
 * years, as gpgsm's default until 2063), a key expiring within KEYS_EXPIRY_WARNING (60 days),
 * a configured [robot] address or domain that the keys do not carry. */
#ifndef POCBOT_KEY_IDENTITY_H
#define POCBOT_KEY_IDENTITY_H

#include <glib.h>
#include "config.h"
#include "crypto.h"

/* Appends one sentence (g_free'd string) per problem of the robot's keys
 * to out, at now. 0, or -1 when the keys cannot be read. */
int key_identity_problems(struct crypto *c, const struct config *cfg, gint64 now,
			  GPtrArray *out);

/* Logs each problem as a warning (the daemon's start). */
void key_identity_warn(struct crypto *c, const struct config *cfg);

#endif

/* key-warnings.h - the warnings that an enrolled signer's key expires
 * soon: 30 and 7 days before, to the State's authority signers and the
 * custodian signers (notices kind "key-expiry"), each sent once for a
 * key's expiry (a renewed key is warned again for its new one). The
 * daemon's daily job (timer-keys.c) and the custodian's enrolment and
 * renewal (cmd-signer.c, cmd-signer-renew.c) send them. */
#ifndef POCBOT_KEY_WARNINGS_H
#define POCBOT_KEY_WARNINGS_H

#include <glib.h>
#include <sqlite3.h>
#include "config.h"
#include "mail-ctx.h"
#include "signers.h"

#define KEY_WARN_FIRST (30 * 86400)	/* the first warning, seconds before the expiry */
#define KEY_WARN_LAST (7 * 86400)	/* the last one */

/* The warning due at now for a key that expires at expires (0: never):
 * 30, 7, or 0 for none (not soon, or expired already). */
int key_warnings_due(gint64 expires, gint64 now);

/* When s's keys stop being usable, from crypto_key_expiries' table
 * (NULL: none): the earlier of its signing key's and its S/MIME
 * encryption certificate's expiry; 0 never, or not held. */
gint64 key_warnings_expiry(GHashTable *expiries, const struct signer *s);

/* The same for s's keys as the robot's keyrings hold them now (one key
 * each, crypto_key_expiry). 0 with *expires, or -1 when the engine failed. */
int key_warnings_key_expiry(struct crypto *crypto, const struct signer *s, gint64 *expires);

/* Queues the warning due for s, whose keys expire at expires, unless it
 * was sent, and records it, in the caller's transaction. 1 queued, 0
 * nothing due, -1 on failure. */
int key_warnings_send(const struct mail_ctx *c, const struct signer *s, gint64 expires);

/* The same from a custodian's command, which has no crypto adapter nor
 * templates open: opens them. 1, 0 or -1 (logged). */
int key_warnings_send_now(sqlite3 *db, const struct config *cfg, const struct signer *s,
			  gint64 expires, gint64 now);

#endif

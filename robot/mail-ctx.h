/* mail-ctx.h - what every sender of mail needs, passed as one context:
 * the database (a transaction open where a function writes; the outbox is
 * a table of it), the configuration, the crypto adapter that signs and
 * encrypts (the robot's identity made), the templates, and the clock's
 * time. Borrowed by whoever takes it; owned by the command or the daemon
 * thread that made it. */
#ifndef POCBOT_MAIL_CTX_H
#define POCBOT_MAIL_CTX_H

#include <glib.h>
#include <sqlite3.h>

struct config;
struct crypto;
struct templates;

struct mail_ctx {
	sqlite3 *db;
	const struct config *cfg;
	struct crypto *crypto;
	const struct templates *tpl;
	gint64 now;
};

#endif

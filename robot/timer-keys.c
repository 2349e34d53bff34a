/* timer-keys.c - the timers' daily check of the signers' keys: once a day
 * (timer_runs 'key-expiry') the robot's keyrings are listed once
 * (crypto_key_expiries) and each enrolled signer whose key expires within
 * 30 or 7 days gets its warning to its State's authority signers and the
 * custodian signers, once each (key-warnings.c), in one transaction per
 * signer. Input: the signers table and the robot's keyrings. */
#include "timers-internal.h"
#include "crypto.h"
#include "key-warnings.h"
#include "signers.h"

#define KEYS_EVERY 86400	/* seconds between two checks */

/* Warns of s's key in its own transaction. 1, 0 or -1. */
static int warn_one(const struct mail_ctx *c, const struct signer *s, GHashTable *expiries)
{
	gint64 expires = key_warnings_expiry(expiries, s);

	if (s->revoked || !key_warnings_due(expires, c->now))
		return 0;
	if (db_begin(c->db) < 0)
		return -1;
	return finish(c->db, key_warnings_send(c, s, expires));
}

int timer_keys_warn(const struct mail_ctx *c)
{
	GHashTable *expiries = NULL;
	GPtrArray *all = NULL;
	gint64 last = 0;
	int rc = signers_expiry_last(c->db, &last), n = 0;

	if (rc < 0)
		return -1;
	if (rc == 1 && c->now - last < KEYS_EVERY && c->now >= last)
		return 0;
	rc = 0;
	if (crypto_key_expiries(c->crypto, &expiries) < 0 || !(all = signers_list(c->db, NULL)))
		rc = -1;
	for (guint i = 0; rc >= 0 && i < all->len; i++)
		rc = (n = warn_one(c, all->pdata[i], expiries)) < 0 ? -1 : rc + n;
	if (rc >= 0)
		rc = signers_expiry_mark(c->db, c->now) < 0 ? -1 : rc;
	if (all)
		g_ptr_array_unref(all);
	if (expiries)
		g_hash_table_unref(expiries);
	return rc < 0 ? -1 : rc;
}

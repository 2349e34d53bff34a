/* key-warnings.c - the notice that an enrolled signer's key expires soon
 * (key-warnings.h): which warning is due, the notice queued in each
 * recipient's language, and its record (signers_mark_warned) so that it
 * goes once. Input: the signers table and the expiry the robot's keyrings
 * give (crypto adapter). Returns -1 when the notice cannot be queued or
 * recorded; the caller rolls back. */
#include <string.h>
#include "key-warnings.h"
#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "notices.h"
#include "templates.h"

int key_warnings_due(gint64 expires, gint64 now)
{
	if (expires <= 0 || expires <= now)
		return 0;
	if (expires - now <= KEY_WARN_LAST)
		return KEY_WARN_LAST / 86400;
	return expires - now <= KEY_WARN_FIRST ? KEY_WARN_FIRST / 86400 : 0;
}

gint64 key_warnings_expiry(GHashTable *expiries, const struct signer *s)
{
	const gint64 *sign = expiries ? g_hash_table_lookup(expiries, s->fingerprint) : NULL;
	const gint64 *enc = expiries && s->enc_fingerprint[0]
				    ? g_hash_table_lookup(expiries, s->enc_fingerprint) : NULL;
	gint64 when = sign ? *sign : 0;

	if (enc && *enc && (!when || *enc < when))
		when = *enc;
	return when;
}

int key_warnings_key_expiry(struct crypto *crypto, const struct signer *s, gint64 *expires)
{
	gint64 sign = 0, enc = 0;

	*expires = 0;
	if (crypto_key_expiry(crypto, s->protocol, s->fingerprint, &sign) < 0)
		return -1;
	if (s->enc_fingerprint[0] &&
	    crypto_key_expiry(crypto, s->protocol, s->enc_fingerprint, &enc) < 0)
		return -1;
	*expires = enc && (!sign || enc < sign) ? enc : sign;
	return 0;
}

/* Queues the notice about s to its State's keepers. 0 or -1. */
static int tell(const struct mail_ctx *c, const struct signer *s, gint64 expires, int due)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	char day[CLOCK_TEXT_LEN], days[16];
	char *seed = g_strdup_printf("key-expiry:%s:%" G_GINT64_FORMAT ":%d", s->fingerprint,
				     expires, due);
	struct notice_request r = { .kind = "key-expiry", .state = s->state[0] ? s->state : NULL,
				    .seed = seed, .vars = vars };
	int rc;

	g_snprintf(days, sizeof days, "%d", (int)((expires - c->now) / 86400));	/* whole days */
	g_hash_table_insert(vars, "fingerprint", (char *)s->fingerprint);
	g_hash_table_insert(vars, "role", (char *)signers_role_name(s->role));
	g_hash_table_insert(vars, "label", s->label ? s->label : "-");
	g_hash_table_insert(vars, "email", s->email ? s->email : "-");
	g_hash_table_insert(vars, "expires", (char *)clock_text(expires, CLOCK_DAY, "?", day));
	g_hash_table_insert(vars, "days", days);
	g_hash_table_insert(vars, "state", "-");	/* a custodian of no State */
	rc = notices_send(c, &r);
	g_hash_table_unref(vars);
	g_free(seed);
	return rc;
}

int key_warnings_send(const struct mail_ctx *c, const struct signer *s, gint64 expires)
{
	int due = key_warnings_due(expires, c->now), sent;

	if (!due || s->revoked)
		return 0;
	if ((sent = signers_warned(c->db, s->fingerprint, expires, due)) != 0)
		return sent < 0 ? -1 : 0;
	if (tell(c, s, expires, due) < 0)
		return -1;
	if (signers_mark_warned(c->db, s->fingerprint, expires, due, c->now) < 0)
		return -1;
	log_msg(LOG_INFO, "signer %s: its key expires in %d days or less; told", s->fingerprint,
		due);
	return 1;
}

int key_warnings_send_now(sqlite3 *db, const struct config *cfg, const struct signer *s,
			  gint64 expires, gint64 now)
{
	char *home = config_var_path(cfg, "gnupg"), *err = NULL;
	struct mail_ctx c = { db, cfg, crypto_open(home, &err), templates_load(), now };
	int rc = -1;

	if (c.crypto && c.tpl &&
	    crypto_identity_ensure(c.crypto, cfg->address, cfg->keys_lifetime, &err) == 0)
		rc = key_warnings_send(&c, s, expires);
	if (err)
		log_msg(LOG_ERR, "key warning: %s", err);
	crypto_close(c.crypto);
	templates_free((struct templates *)c.tpl);
	g_free(home);
	g_free(err);
	return rc;
}

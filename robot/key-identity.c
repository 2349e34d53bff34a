/* key-identity.c - the robot's own keys checked against its configuration
 * and the clock (key-identity.h). Input: the robot's keyrings through the
 * crypto adapter and the configuration; nothing from mail. */
#include <string.h>
#include "key-identity.h"
#include "clock.h"
#include "limits.h"
#include "log.h"
#include "notices.h"

/* Whether one of addresses is at domain (ASCII case folded). */
static gboolean has_domain(const GPtrArray *addresses, const char *domain)
{
	for (guint i = 0; addresses && i < addresses->len; i++) {
		const char *at = strrchr(addresses->pdata[i], '@');

		if (at && g_ascii_strcasecmp(at + 1, domain) == 0)
			return TRUE;
	}
	return FALSE;
}

/* The problems of one key (fpr of protocol p, named what). 0 or -1. */
static int check(struct crypto *c, const struct config *cfg, gint64 now, enum crypto_protocol p,
		 const char *fpr, const char *what, GPtrArray *out)
{
	const char *const fprs[] = { fpr, NULL };
	GPtrArray *addresses = NULL;
	gint64 expires = 0;
	char day[CLOCK_TEXT_LEN];
	int rc = crypto_key_expiry(c, p, fpr, &expires);

	if (rc == 0 || (rc == 1 && expires > now + KEYS_NO_EXPIRY_HORIZON))
		g_ptr_array_add(out, g_strdup_printf("the robot's %s key %s has no expiry (made "
						     "before [keys] lifetime): run pocbot keys "
						     "rollover", what, fpr));
	else if (rc == 1 && expires <= now + KEYS_EXPIRY_WARNING)
		g_ptr_array_add(out, g_strdup_printf("the robot's %s key %s expires on %s: run "
						     "pocbot keys rollover", what, fpr,
						     clock_text(expires, CLOCK_DAY, "?", day)));
	if (rc < 0 || crypto_key_addresses(c, p, fprs, &addresses) < 0)
		return -1;
	if (!notices_address_among(addresses, cfg->address))
		g_ptr_array_add(out, g_strdup_printf("the robot's %s key %s does not carry "
						     "[robot] address %s", what, fpr,
						     cfg->address));
	if (!has_domain(addresses, cfg->domain))
		g_ptr_array_add(out, g_strdup_printf("the robot's %s key %s does not carry "
						     "[robot] domain %s", what, fpr, cfg->domain));
	g_ptr_array_unref(addresses);
	return 0;
}

int key_identity_problems(struct crypto *c, const struct config *cfg, gint64 now,
			  GPtrArray *out)
{
	char pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN];

	if (crypto_identity(c, pgp, smime) < 0)
		return -1;
	if (*pgp && check(c, cfg, now, CRYPTO_OPENPGP, pgp, "OpenPGP", out) < 0)
		return -1;
	if (*smime && check(c, cfg, now, CRYPTO_SMIME, smime, "S/MIME", out) < 0)
		return -1;
	return 0;
}

void key_identity_warn(struct crypto *c, const struct config *cfg)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	if (key_identity_problems(c, cfg, clock_now(cfg), out) < 0)
		log_msg(LOG_WARNING, "keys: cannot read the robot's keys to check them");
	for (guint i = 0; i < out->len; i++)
		log_msg(LOG_WARNING, "keys: %s", (char *)out->pdata[i]);
	g_ptr_array_unref(out);
}

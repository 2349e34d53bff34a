/* crypto-expiry.c - when the keys and certificates the robot holds
 * expire: for "signer list", one listing of each keyring (a gpg and a
 * gpgsm run, whatever the number of signers); for "status", one key. An OpenPGP key expires with
 * its primary key, or earlier when every encryption subkey it has expires
 * before that (the robot can no longer encrypt to it); a certificate at
 * its notAfter. Input: the robot's own keyrings, fingerprints from the
 * signers table or the robot's identity. Failure: -1 when an engine
 * fails. */
#include "crypto-internal.h"

/* When k stops being usable: 0 never. */
static gint64 key_expiry(gpgme_key_t k, gpgme_protocol_t p)
{
	gint64 primary = k->subkeys ? k->subkeys->expires : 0, encrypt = -1;

	if (p == GPGME_PROTOCOL_CMS || !k->subkeys)
		return primary;
	for (gpgme_subkey_t s = k->subkeys; s; s = s->next) {
		if (!s->can_encrypt || s->revoked || s->invalid || s->disabled)
			continue;
		if (s->expires == 0 || encrypt == 0)
			encrypt = 0;
		else
			encrypt = MAX(encrypt, (gint64)s->expires);
	}
	if (encrypt > 0 && (primary == 0 || encrypt < primary))
		return encrypt;
	return primary;
}

/* Adds ctx's keys to out. 0 or -1. */
static int list_expiries(gpgme_ctx_t ctx, GHashTable *out)
{
	gpgme_key_t k = NULL;
	gpgme_error_t e = gpgme_op_keylist_start(ctx, NULL, 0);

	while (!e && !(e = gpgme_op_keylist_next(ctx, &k))) {
		const char *fpr = k->fpr ? k->fpr : k->subkeys ? k->subkeys->fpr : NULL;
		gint64 *when = g_new(gint64, 1);

		*when = key_expiry(k, gpgme_get_protocol(ctx));
		if (fpr)
			g_hash_table_replace(out, g_ascii_strup(fpr, -1), when);
		else
			g_free(when);
		gpgme_key_unref(k);
	}
	gpgme_op_keylist_end(ctx);
	return gpgme_err_code(e) == GPG_ERR_EOF ? 0 : -1;
}

int crypto_key_expiries(struct crypto *c, GHashTable **out)
{
	if (c->engine)
		return crypto_client_key_expiries(c, out);
	*out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (list_expiries(c->pgp, *out) == 0 && list_expiries(c->cms, *out) == 0)
		return 0;
	g_hash_table_unref(*out);
	*out = NULL;
	return -1;
}

int crypto_key_expiry(struct crypto *c, enum crypto_protocol p, const char *fpr,
		      gint64 *expires)
{
	gpgme_ctx_t ctx = p == CRYPTO_SMIME ? c->cms : c->pgp;
	gpgme_key_t key = NULL;
	gpgme_error_t e;

	*expires = 0;
	if (!fpr || !*fpr)
		return 0;
	if (c->engine)
		return crypto_client_key_expiry(c, p, fpr, expires);
	e = crypto_get_key(c, ctx, fpr, &key, 0);
	if (gpgme_err_code(e) == GPG_ERR_EOF)
		return 0;	/* not in the keyring */
	if (e)
		return -1;
	*expires = key_expiry(key, gpgme_get_protocol(ctx));
	gpgme_key_unref(key);
	return *expires > 0;
}

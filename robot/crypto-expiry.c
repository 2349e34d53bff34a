/* crypto-expiry.c - when a key or certificate the robot holds expires: the
 * primary key of an OpenPGP key, the validity end of an S/MIME
 * certificate, as GPGME lists them. Input: fingerprints from the signers
 * table or the robot's identity. For pocbot status. */
#include "crypto-internal.h"

int crypto_key_expiry(struct crypto *c, enum crypto_protocol p, const char *fpr,
		      gint64 *expires)
{
	gpgme_ctx_t ctx = p == CRYPTO_SMIME ? c->cms : c->pgp;
	gpgme_key_t key = NULL;
	gpgme_error_t e;

	*expires = 0;
	if (!fpr || !*fpr)
		return 0;
	e = gpgme_get_key(ctx, fpr, &key, 0);
	if (gpgme_err_code(e) == GPG_ERR_EOF)
		return 0;	/* not in the keyring */
	if (e)
		return -1;
	if (key->subkeys)
		*expires = key->subkeys->expires;
	gpgme_key_unref(key);
	return *expires > 0;
}

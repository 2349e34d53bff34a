/* crypto-peek.c - the primary fingerprints of the OpenPGP keys a file
 * holds, read without importing them (gpg's --import-options show-only,
 * through gpgme_op_keylist_from_data_start): "signer add" refuses a key
 * that is enrolled already before the robot's keyring takes anything from
 * the file (a renewed key's new expiry is "signer renew"'s to take, with
 * its audit event). Input: a key file the custodian was given, at most
 * PEEK_MAX_BYTES. Failure: -1 with *err. */
#include <string.h>
#include "crypto-internal.h"

#define PEEK_MAX_BYTES (1024 * 1024)	/* as an imported key file */

int crypto_peek_pgp(struct crypto *c, const char *file, GPtrArray **fprs, char **err)
{
	gpgme_data_t d = NULL;
	gpgme_key_t k = NULL;
	gpgme_error_t e;
	char *text = NULL;
	gsize len = 0;

	*fprs = NULL;
	if (!g_file_get_contents(file, &text, &len, NULL) || len > PEEK_MAX_BYTES ||
	    gpgme_data_new_from_mem(&d, text, len, 0)) {
		*err = g_strdup_printf("%s: unreadable or too big for a key file", file);
		g_free(text);
		return -1;
	}
	*fprs = g_ptr_array_new_with_free_func(g_free);
	e = gpgme_op_keylist_from_data_start(c->pgp, d, 0);
	while (!e && !(e = gpgme_op_keylist_next(c->pgp, &k))) {
		if (k->fpr)
			g_ptr_array_add(*fprs, g_ascii_strup(k->fpr, -1));
		gpgme_key_unref(k);
	}
	gpgme_op_keylist_end(c->pgp);
	gpgme_data_release(d);
	g_free(text);
	if (gpgme_err_code(e) == GPG_ERR_EOF)
		return 0;
	*err = crypto_gpgme_error(file, e);
	g_clear_pointer(fprs, g_ptr_array_unref);
	return -1;
}

/* crypto-keys-import.c - installs a CA-issued certificate and its key
 * (PEM files from the custodian) as the robot's S/MIME identity: imports
 * the chain, trusts its root, moves the key into gpg-agent through
 * PKCS#12, proves gpgsm signs with it, and checks that the robot now
 * prefers it (see crypto-keys.c for which key is the robot's). Input:
 * the custodian's files, at most MAX_PEM_BYTES each; nothing from mail.
 * Returns -1 with a message in *err on failure, -2 when the files are at
 * fault (not a certificate, no chain, a key that is not the certificate's)
 * and trying again cannot help, and leaves the existing identity usable. */
#include <string.h>
#include <glib/gstdio.h>
#include "crypto-internal.h"

#define MAX_PEM_BYTES (1024 * 1024)	/* a certificate or key file */

/* The certificate leaf and the PEM key file as PKCS#12 in the only form
 * gpgsm 2.2 reads (3DES, SHA-1 MAC), with an empty password: it only
 * travels through pipes, and the key file was not protected either
 * (openssl asks on the terminal when it is). openssl refuses a key that is
 * not the certificate's. Then gpgsm imports it; the key arrives
 * unprotected in gpg-agent.
 *
 * gpgsm 2.2.40 cannot decrypt about one PKCS#12 in 150 that openssl
 * writes ("decryption failed; trying charset ..."): which ones depends on
 * the random salt, and the same file fails every time. So a refused file
 * is made again, with a new salt, up to P12_TRIES times. */
#define P12_TRIES 4

static int import_key(struct crypto *c, const char *leaf, const char *key, char **err)
{
	const char *p12_argv[] = {
		"openssl", "pkcs12", "-export", "-in", "/dev/stdin", "-inkey", key, "-keypbe",
		"PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1", "-passout",
		"pass:", NULL
	};
	const char *import_argv[] = {
		crypto_engine_path(GPGME_PROTOCOL_CMS, "gpgsm"), "--homedir", c->home, "--batch",
		"--pinentry-mode", "loopback", "--passphrase-fd", "3", "--import", NULL
	};
	GBytes *pem = crypto_export_armoured(c->cms, leaf, err), *p12 = NULL, *out = NULL;
	gpgme_key_t k = NULL;
	gpgme_error_t e = 0;

	int refused = 0;

	for (int try = 0; pem && !out && try < P12_TRIES; try++) {
		g_clear_pointer(err, g_free);
		if (!(p12 = crypto_run_tool(p12_argv, pem, err))) {
			refused = 1;	/* openssl: not a key, or not the certificate's */
			break;
		}
		out = crypto_run_tool(import_argv, p12, err);
		g_bytes_unref(p12);
	}
	if (out && (e = gpgme_get_key(c->cms, leaf, &k, 1)))
		*err = crypto_gpgme_error("the imported key", e);
	if (k)
		gpgme_key_unref(k);
	if (pem)
		g_bytes_unref(pem);
	if (!out)
		return refused ? -2 : -1;
	g_bytes_unref(out);
	return e ? -1 : 0;
}

/* Imports the certificates of file (the robot's, maybe its chain); *fprs
 * gets their fingerprints (g_strfreev it). */
static int import_cert_file(struct crypto *c, const char *file, gchar ***fprs, char **err)
{
	GError *gerr = NULL;
	char *text = NULL;
	gsize len = 0;
	int rc;

	if (!g_file_get_contents(file, &text, &len, &gerr)) {
		*err = g_strdup(gerr->message);
		g_error_free(gerr);
		return -1;
	}
	rc = crypto_cms_import_certs(c, text, len, fprs, err);
	g_free(text);
	return rc;
}

/* The end of the chain in fprs: the one certificate that issued none of
 * the others. g_free it. */
static char *pick_leaf(struct crypto *c, gchar **fprs, char **err)
{
	GHashTable *issuers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char *leaf = NULL;
	int leaves = 0;

	for (gchar **f = fprs; *f; f++) {
		gpgme_key_t k = NULL;

		if (!gpgme_get_key(c->cms, *f, &k, 0) && k->chain_id &&
		    strcmp(k->chain_id, k->fpr) != 0)
			g_hash_table_add(issuers, g_ascii_strup(k->chain_id, -1));
		if (k)
			gpgme_key_unref(k);
	}
	for (gchar **f = fprs; *f; f++)
		if (!g_hash_table_contains(issuers, *f) && leaves++ == 0)
			leaf = g_strdup(*f);
	g_hash_table_destroy(issuers);
	if (leaves != 1) {
		*err = g_strdup("the certificate file must hold one certificate and its issuers");
		g_clear_pointer(&leaf, g_free);
	}
	return leaf;
}

/* Signs a few bytes with fpr: proves gpgsm accepts it as a signer. */
static int smime_try_sign(struct crypto *c, const char *fpr, char **err)
{
	gpgme_key_t k = NULL;
	gpgme_data_t in = NULL, out = NULL;
	gpgme_error_t e = gpgme_get_key(c->cms, fpr, &k, 1);

	if (!e)
		e = gpgme_data_new_from_mem(&in, "test\r\n", 6, 0);
	if (!e)
		e = gpgme_data_new(&out);
	gpgme_signers_clear(c->cms);
	if (!e)
		e = gpgme_signers_add(c->cms, k);
	if (!e)
		e = gpgme_op_sign(c->cms, in, out, GPGME_SIG_MODE_DETACH);
	if (e)
		*err = crypto_gpgme_error("gpgsm will not sign with the certificate", e);
	gpgme_signers_clear(c->cms);	/* crypto_protect picks the identity again */
	gpgme_data_release(in);
	gpgme_data_release(out);
	if (k)
		gpgme_key_unref(k);
	return e ? -1 : 0;
}

/* Removes the certificate fpr from gpgsm's keybox (its key stays in
 * gpg-agent, unused). */
static void forget(struct crypto *c, const char *fpr)
{
	gpgme_key_t k = NULL;

	if (!gpgme_get_key(c->cms, fpr, &k, 0))
		gpgme_op_delete_ext(c->cms, k, GPGME_DELETE_FORCE);
	if (k)
		gpgme_key_unref(k);
}

static int file_ok(const char *path, char **err)
{
	GStatBuf st;

	if (g_stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_PEM_BYTES) {
		*err = g_strdup_printf("%s: not a readable file of at most %d bytes", path,
				       MAX_PEM_BYTES);
		return -1;
	}
	return 0;
}

static int identity_import_smime(struct crypto *c, const char *cert, const char *key, char **err)
{
	char pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN], root[CRYPTO_FPR_LEN];
	gchar **fprs = NULL;
	char *fpr = NULL;
	int rc = -2;	/* the files are at fault */

	*err = NULL;
	if (file_ok(cert, err) < 0 || file_ok(key, err) < 0)
		goto out;
	if (import_cert_file(c, cert, &fprs, err) < 0)
		goto out;
	if (!(fpr = pick_leaf(c, fprs, err)))
		goto out;
	if (crypto_cms_root(c, fpr, "(the chain) in the certificate file", root, err) < 0)
		goto out;
	rc = -1;	/* GnuPG's part */
	if (crypto_trust_root(c, root, err) < 0)
		goto out;
	if ((rc = import_key(c, fpr, key, err)) < 0)
		goto out;
	rc = -1;
	if (smime_try_sign(c, fpr, err) < 0) {
		forget(c, fpr);	/* not to be preferred to the working identity */
		goto out;
	}
	if (crypto_identity(c, pgp, smime) < 0 || strcmp(smime, fpr) != 0) {
		*err = g_strdup_printf(
			"imported %s, but the robot still prefers %s (valid from a later date)",
			fpr, smime);
		rc = -2;
		goto out;
	}
	rc = 0;
out:
	g_strfreev(fprs);
	g_free(fpr);
	return rc;
}

/* Under the home's exclusive lock: the crypto engine waits. */
int crypto_identity_import_smime(struct crypto *c, const char *cert, const char *key, char **err)
{
	int lock, rc;

	g_return_val_if_fail(!c->engine, -1);	/* custodian commands: in process */
	if ((lock = crypto_home_lock(c->home, 1, err)) < 0)
		return -1;
	rc = identity_import_smime(c, cert, key, err);
	crypto_home_unlock(lock);
	return rc;
}

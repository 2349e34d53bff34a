/* crypto-import.c - enrolment: imports a signer's OpenPGP key, or S/MIME
 * certificate with its chain, into the robot's GNUPGHOME, marks the
 * chain's root trusted for gpgsm (GNUPGHOME/trustlist.txt), and refuses
 * what the robot could not rely on: a secret key, several keys at once, an
 * expired, revoked or unvalidated key, a key the robot could not encrypt
 * directory data to, and one with no e-mail address. Input: files the
 * custodian was given by a State (read whole, at most IMPORT_MAX_BYTES).
 * Returns -1 with *err. */
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include "crypto-internal.h"

#define IMPORT_MAX_BYTES	(1024 * 1024)	/* a key or certificate file */

/* Whether a key file holds a private key: a PEM or OpenPGP armour header
 * says so, or the first binary OpenPGP packet is a secret key (tag 5). */
static gboolean holds_secret(const char *text, gsize len)
{
	guchar b = len ? (guchar)text[0] : 0;
	int tag = (b & 0x40) ? (b & 0x3f) : ((b >> 2) & 0x0f);

	if (g_strstr_len(text, len, "PRIVATE KEY"))
		return TRUE;
	return (b & 0x80) && tag == 5;
}

/* A file as GPGME data, refusing private keys and files of the other kind
 * (cert: X.509 certificates wanted, else an OpenPGP key). 0 or -1. */
static int read_key_file(const char *file, int cert, gpgme_data_t *d, char **err)
{
	GError *gerr = NULL;
	char *text = NULL;
	gsize len = 0;
	GStatBuf sb;

	if (g_stat(file, &sb) < 0) {
		*err = g_strdup_printf("%s: %s", file, g_strerror(errno));
		return -1;
	}
	if (sb.st_size > IMPORT_MAX_BYTES) {
		*err = g_strdup_printf("%s: too big for a key or certificate file", file);
		return -1;
	}
	if (!g_file_get_contents(file, &text, &len, &gerr)) {
		*err = g_strdup_printf("%s", gerr->message);
		g_error_free(gerr);
		return -1;
	}
	if (holds_secret(text, len)) {
		*err = g_strdup_printf(
			"%s holds a private or secret key: give the public key or the "
			"certificate alone",
			file);
		g_free(text);
		return -1;
	}
	if (crypto_key_file_kind(text, len, file, cert, err) < 0) {
		g_free(text);
		return -1;
	}
	if (gpgme_data_new_from_mem(d, text, len, 1)) {
		*err = g_strdup("out of memory");
		g_free(text);
		return -1;
	}
	g_free(text);
	return 0;
}

/* The key's first usable e-mail address (g_free it), or NULL. */
static char *first_email(gpgme_key_t key)
{
	char *e = NULL;

	for (gpgme_user_id_t u = key->uids; u && !e; u = u->next)
		e = crypto_uid_email(u);
	return e;
}

static void copy_fpr(const char *fpr, char out[CRYPTO_FPR_LEN])
{
	size_t i = 0;

	for (; fpr && fpr[i] && i + 1 < CRYPTO_FPR_LEN; i++)
		out[i] = g_ascii_toupper(fpr[i]);
	out[i] = '\0';
}

/* OpenPGP ---------------------------------------------------------------- */

struct pgp_imported {
	GPtrArray *all;		/* the primary fingerprints the file held */
	GPtrArray *fresh;	/* those that were new to the robot */
	gboolean secret;	/* a secret key was read */
};

static void add_once(GPtrArray *a, const char *fpr)
{
	for (guint i = 0; i < a->len; i++)
		if (g_ascii_strcasecmp(a->pdata[i], fpr) == 0)
			return;
	g_ptr_array_add(a, g_ascii_strup(fpr, -1));
}

/* Imports d and says what it held (the result is copied: the next
 * operation on the context ends it). 0 or -1. */
static int pgp_import(struct crypto *c, gpgme_data_t d, const char *file, struct pgp_imported *im,
		      char **err)
{
	gpgme_import_result_t r;
	gpgme_error_t e = gpgme_op_import(c->pgp, d);

	im->all = g_ptr_array_new_with_free_func(g_free);
	im->fresh = g_ptr_array_new_with_free_func(g_free);
	if (e) {
		*err = crypto_gpgme_error(file, e);
		return -1;
	}
	r = gpgme_op_import_result(c->pgp);
	im->secret = r && r->secret_read > 0;
	for (gpgme_import_status_t s = r ? r->imports : NULL; s; s = s->next) {
		if (s->result || !s->fpr)
			continue;
		add_once(im->all, s->fpr);
		if (s->status & GPGME_IMPORT_NEW)
			add_once(im->fresh, s->fpr);
	}
	return 0;
}

/* Removes again the keys a refused import added. */
static void pgp_forget(struct crypto *c, const struct pgp_imported *im)
{
	for (guint i = 0; im->fresh && i < im->fresh->len; i++) {
		gpgme_key_t key = NULL;

		if (gpgme_get_key(c->pgp, im->fresh->pdata[i], &key, 0) == 0) {
			gpgme_op_delete_ext(c->pgp, key, GPGME_DELETE_FORCE |
					    (im->secret ? GPGME_DELETE_ALLOW_SECRET : 0));
			gpgme_key_unref(key);
		}
	}
}

/* Exactly one public key was imported. 0 or -1. */
static int pgp_one_key(const struct pgp_imported *im, const char *file, char **err)
{
	if (im->secret)
		*err = g_strdup_printf(
			"%s holds a secret key: give the public key alone (gpg --export)", file);
	else if (im->all->len != 1)
		*err = g_strdup_printf("%s holds %u OpenPGP keys: give one signer's public key",
				       file, im->all->len);
	return *err ? -1 : 0;
}

static gboolean pgp_subkey_usable(gpgme_subkey_t k, gboolean encrypt)
{
	if (k->revoked || k->expired || k->disabled || k->invalid)
		return FALSE;
	return encrypt ? k->can_encrypt : k->can_sign;
}

static gboolean pgp_has_subkey(gpgme_key_t key, gboolean encrypt)
{
	for (gpgme_subkey_t k = key->subkeys; k; k = k->next)
		if (pgp_subkey_usable(k, encrypt))
			return TRUE;
	return FALSE;
}

/* Why the robot cannot enrol key, or NULL. */
static const char *pgp_unusable(gpgme_key_t key)
{
	if (key->revoked)
		return "is revoked";
	if (key->expired)
		return "has expired";
	if (key->disabled || key->invalid)
		return "is not usable (disabled or invalid)";
	if (!pgp_has_subkey(key, FALSE))
		return "has no usable signing key";
	if (!pgp_has_subkey(key, TRUE))
		return "has no usable encryption subkey: "
		       "the robot must encrypt directory data to its signers";
	return NULL;
}

/* Checks the imported key and gives its e-mail address. 0 or -1. */
static int pgp_check(struct crypto *c, const char *fpr, char **email, char **err)
{
	gpgme_key_t key = NULL;
	const char *why;
	gpgme_error_t e = gpgme_get_key(c->pgp, fpr, &key, 0);

	if (e) {
		*err = crypto_gpgme_error(fpr, e);
		return -1;
	}
	if ((why = pgp_unusable(key)))
		*err = g_strdup_printf("the OpenPGP key %s %s", fpr, why);
	else if (!(*email = first_email(key)))
		*err = g_strdup_printf(
			"the OpenPGP key %s has no e-mail address in its user IDs: the robot "
			"answers a signer at an address of its key",
			fpr);
	gpgme_key_unref(key);
	return *err ? -1 : 0;
}

static int import_pgp(struct crypto *c, const char *file, char fpr[CRYPTO_FPR_LEN], char **email,
		      char **err)
{
	struct pgp_imported im = { NULL, NULL, FALSE };
	gpgme_data_t d = NULL;
	int rc;

	*err = NULL;
	*email = NULL;
	fpr[0] = '\0';
	if (read_key_file(file, 0, &d, err) < 0)
		return -1;
	rc = pgp_import(c, d, file, &im, err);
	gpgme_data_release(d);
	if (rc == 0 && (rc = pgp_one_key(&im, file, err)) == 0) {
		copy_fpr(im.all->pdata[0], fpr);
		rc = pgp_check(c, fpr, email, err);
	}
	if (rc < 0) {
		pgp_forget(c, &im);	/* nothing of a refused file stays */
		fpr[0] = '\0';
	}
	g_ptr_array_unref(im.all);
	g_ptr_array_unref(im.fresh);
	return rc;
}

/* S/MIME ----------------------------------------------------------------- */

/* A certificate of the robot's gpgsm, validated (the chain checked up to a
 * trusted root) or not. NULL with *err. */
static gpgme_key_t cms_key(struct crypto *c, const char *fpr, gboolean validate, char **err)
{
	gpgme_keylist_mode_t old = gpgme_get_keylist_mode(c->cms);
	gpgme_key_t key = NULL;
	gpgme_error_t e;

	gpgme_set_keylist_mode(
		c->cms, validate ? old | GPGME_KEYLIST_MODE_VALIDATE
				 : old & ~(gpgme_keylist_mode_t)GPGME_KEYLIST_MODE_VALIDATE);
	e = gpgme_get_key(c->cms, fpr, &key, 0);
	gpgme_set_keylist_mode(c->cms, old);
	if (e)
		*err = crypto_gpgme_error(fpr, e);
	return key;
}

/* Imports the certificates of file into gpgsm; their fingerprints
 * (g_ptr_array_unref them), or NULL with *err. */
static GPtrArray *cms_import(struct crypto *c, const char *file, char **err)
{
	gpgme_import_result_t r;
	gpgme_data_t d = NULL;
	GPtrArray *fprs;
	gpgme_error_t e;

	if (read_key_file(file, 1, &d, err) < 0)
		return NULL;
	e = gpgme_op_import(c->cms, d);
	gpgme_data_release(d);
	if (e) {
		*err = crypto_gpgme_error(file, e);
		return NULL;
	}
	r = gpgme_op_import_result(c->cms);
	fprs = g_ptr_array_new_with_free_func(g_free);
	for (gpgme_import_status_t s = r ? r->imports : NULL; s; s = s->next)
		if (!s->result && s->fpr)
			add_once(fprs, s->fpr);
	if (fprs->len == 0) {
		*err = g_strdup_printf("%s: gpgsm found no certificate in it", file);
		g_ptr_array_unref(fprs);
		return NULL;
	}
	return fprs;
}

/* The end-entity certificate among fprs: the only one, or the only one
 * that is no CA. 0 or -1. */
static int cms_leaf(struct crypto *c, GPtrArray *fprs, const char *file, char leaf[CRYPTO_FPR_LEN],
		    char **err)
{
	guint found = 0;

	if (fprs->len == 1) {
		copy_fpr(fprs->pdata[0], leaf);
		return 0;
	}
	for (guint i = 0; i < fprs->len; i++) {
		gpgme_key_t k = cms_key(c, fprs->pdata[i], FALSE, err);

		if (!k)
			return -1;
		if (!k->can_certify && found++ == 0)
			copy_fpr(fprs->pdata[i], leaf);
		gpgme_key_unref(k);
	}
	if (found == 1)
		return 0;
	*err = g_strdup_printf(
		"%s holds %u certificates: give the signer's certificate alone, and its "
		"issuers with --chain FILE",
		file, fprs->len);
	return -1;
}

/* Imports file and gives its end-entity certificate's fingerprint. */
static int cms_import_leaf(struct crypto *c, const char *file, char leaf[CRYPTO_FPR_LEN],
			   char **err)
{
	GPtrArray *fprs = cms_import(c, file, err);
	int rc;

	if (!fprs)
		return -1;
	rc = cms_leaf(c, fprs, file, leaf, err);
	g_ptr_array_unref(fprs);
	return rc;
}

/* Why a validated certificate cannot be relied on, or NULL. */
static const char *cms_invalid(gpgme_key_t k)
{
	if (k->revoked || (k->subkeys && k->subkeys->revoked))
		return "is revoked";
	if (k->expired || (k->subkeys && k->subkeys->expired))
		return "has expired or is not valid yet";
	if (k->invalid || !k->uids || k->uids->validity < GPGME_VALIDITY_FULL)
		return "does not validate up to its root";
	return NULL;
}

/* Trusts the root of fpr's chain, then checks that gpgsm holds fpr valid. 0 or -1. */
static int cms_trust(struct crypto *c, const char *fpr, char **err)
{
	char root[CRYPTO_FPR_LEN];
	const char *why;
	gpgme_key_t k;

	if (crypto_cms_root(c, fpr, "with --chain FILE", root, err) < 0)
		return -1;
	if (crypto_trust_root(c, root, err) < 0)
		return -1;
	if (!(k = cms_key(c, fpr, TRUE, err)))
		return -1;
	if ((why = cms_invalid(k)))
		*err = g_strdup_printf("the certificate %s %s", fpr, why);
	gpgme_key_unref(k);
	return why ? -1 : 0;
}

/* Whether u's address is one of key's. */
static gboolean has_email(gpgme_key_t key, gpgme_user_id_t u)
{
	char *want = crypto_uid_email(u), *e;
	gboolean found = FALSE;

	for (gpgme_user_id_t v = key->uids; want && v && !found; v = v->next) {
		found = (e = crypto_uid_email(v)) && strcmp(e, want) == 0;
		g_free(e);
	}
	g_free(want);
	return found;
}

/* Whether a and b have an e-mail address in common. */
static gboolean share_email(gpgme_key_t a, gpgme_key_t b)
{
	for (gpgme_user_id_t u = a->uids; u; u = u->next)
		if (has_email(b, u))
			return TRUE;
	return FALSE;
}

/* The signer's separate encryption certificate: imported, able to
 * encrypt and naming the same person's address (not trusted yet). 0 or -1. */
static int cms_encryption_cert(struct crypto *c, const char *file, gpgme_key_t signer,
			       char enc_fpr[CRYPTO_FPR_LEN], char **err)
{
	gpgme_key_t k = NULL;

	if (cms_import_leaf(c, file, enc_fpr, err) < 0 || !(k = cms_key(c, enc_fpr, FALSE, err)))
		return -1;
	if (!k->can_encrypt)
		*err = g_strdup_printf(
			"the certificate %s of %s may not be used for encryption (no "
			"keyEncipherment)",
			enc_fpr, file);
	else if (!share_email(signer, k))
		*err = g_strdup_printf(
			"the encryption certificate %s has no e-mail address in common with "
			"the signing certificate",
			enc_fpr);
	gpgme_key_unref(k);
	return *err ? -1 : 0;
}

/* Checks what the signing certificate may do and settles enc_fpr. */
static int smime_uses(struct crypto *c, gpgme_key_t signer, const char *fpr,
		      const char *encrypt_cert, char enc_fpr[CRYPTO_FPR_LEN], char **err)
{
	if (!signer->can_sign) {
		*err = g_strdup_printf("the certificate %s may not be used for signing", fpr);
		return -1;
	}
	if (encrypt_cert)
		return cms_encryption_cert(c, encrypt_cert, signer, enc_fpr, err);
	if (!signer->can_encrypt) {
		*err = g_strdup_printf(
			"the certificate %s is for signing only (no keyEncipherment), and the "
			"robot must encrypt directory data to its signers: give the signer's "
			"encryption certificate with --encrypt-cert FILE",
			fpr);
		return -1;
	}
	copy_fpr(fpr, enc_fpr);
	return 0;
}

static int import_smime(struct crypto *c, const char *cert, const char *chain,
			const char *encrypt_cert, char fpr[CRYPTO_FPR_LEN],
			char enc_fpr[CRYPTO_FPR_LEN], char **email, char **err)
{
	gpgme_key_t signer = NULL;
	GPtrArray *issuers = NULL;
	int rc = -1;

	*err = NULL;
	*email = NULL;
	fpr[0] = enc_fpr[0] = '\0';
	if (chain && !(issuers = cms_import(c, chain, err)))
		return -1;
	/* what the certificates may do first: a refused one leaves no root trusted */
	if (cms_import_leaf(c, cert, fpr, err) != 0)
		goto out;
	if (!(signer = cms_key(c, fpr, FALSE, err)))
		goto out;
	if (smime_uses(c, signer, fpr, encrypt_cert, enc_fpr, err) != 0)
		goto out;
	if (!(*email = first_email(signer))) {
		*err = g_strdup_printf(
			"the certificate %s has no e-mail address (subjectAltName or "
			"emailAddress): the robot answers a signer at an address of its "
			"certificate",
			fpr);
		goto out;
	}
	if (cms_trust(c, fpr, err) != 0)
		goto out;
	if (encrypt_cert && cms_trust(c, enc_fpr, err) != 0)
		goto out;
	rc = 0;
out:
	if (signer)
		gpgme_key_unref(signer);
	if (issuers)
		g_ptr_array_unref(issuers);
	if (rc < 0) {
		fpr[0] = enc_fpr[0] = '\0';
		g_free(*email);
		*email = NULL;
	}
	return rc;
}

/* Under the home's exclusive lock: the crypto engine waits. */
int crypto_import_pgp(struct crypto *c, const char *file, char fpr[CRYPTO_FPR_LEN], char **email,
		      char **err)
{
	int lock, rc;

	g_return_val_if_fail(!c->engine, -1);	/* custodian commands: in process */
	if ((lock = crypto_home_lock(c->home, 1, err)) < 0)
		return -1;
	rc = import_pgp(c, file, fpr, email, err);
	crypto_home_unlock(lock);
	return rc;
}

/* Under the home's exclusive lock: the crypto engine waits. */
int crypto_import_smime(struct crypto *c, const char *cert, const char *chain,
			const char *encrypt_cert, char fpr[CRYPTO_FPR_LEN],
			char enc_fpr[CRYPTO_FPR_LEN], char **email, char **err)
{
	int lock, rc;

	g_return_val_if_fail(!c->engine, -1);	/* custodian commands: in process */
	if ((lock = crypto_home_lock(c->home, 1, err)) < 0)
		return -1;
	rc = import_smime(c, cert, chain, encrypt_cert, fpr, enc_fpr, email, err);
	crypto_home_unlock(lock);
	return rc;
}

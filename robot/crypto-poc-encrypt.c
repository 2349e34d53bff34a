/* crypto-poc-encrypt.c - encrypts a message the robot already signed to a
 * POC's key, in the POC home (VAR/poc-keys), never the robot's: the key
 * material from the store (poc_keys.data) is imported there first when
 * the home does not hold the key (the home is a cache of the store: a
 * restore or a new machine fills it again at the next ping); an S/MIME
 * certificate's chain is imported with it and its root marked trusted in
 * that home's trustlist.txt only. The header block is kept; the signed
 * entity goes inside PGP/MIME multipart/encrypted or S/MIME
 * enveloped-data (crypto-sign.c writes the MIME). A failure is told as
 * the key's (the POC home refuses it: the caller may send in clear) or as
 * the robot's own (gpg, gpgsm or the home failed: the caller retries).
 * Input: a message of the robot's (crypto_protect's output) and key
 * material the forms checked. */
#include <string.h>
#include "crypto-internal.h"

/* 1 when c's home holds the key fpr (protocol p), 0 when not, -1 with *err. */
static int held(struct crypto *c, enum crypto_protocol p, const char *fpr, char **err)
{
	gpgme_key_t k = NULL;
	gpgme_error_t e = crypto_get_key(c, p == CRYPTO_OPENPGP ? c->pgp : c->cms, fpr, &k, 0);

	if (k)
		gpgme_key_unref(k);
	if (!e)
		return 1;
	if (gpgme_err_code(e) == GPG_ERR_EOF)
		return 0;
	*err = crypto_gpgme_error("looking for the POC key", e);
	return -1;
}

/* What the helpers below return: done, failed as the robot's (gpg,
 * gpgsm, a file of the home), or the key refused by the POC home. */
enum { DONE = 0, FAILED = -1, REFUSED = 1 };

/* 1 when the gpgme error e (an import's or an encryption's) is the key's
 * or its data's, not gpg's or gpgsm's failure. */
static int key_fault(gpgme_error_t e)
{
	switch (gpgme_err_code(e)) {
	case GPG_ERR_NO_DATA: case GPG_ERR_INV_DATA: case GPG_ERR_BAD_DATA:
	case GPG_ERR_UNUSABLE_PUBKEY: case GPG_ERR_KEY_EXPIRED: case GPG_ERR_CERT_EXPIRED:
	case GPG_ERR_CERT_REVOKED: case GPG_ERR_NOT_TRUSTED: case GPG_ERR_BAD_CERT_CHAIN:
	case GPG_ERR_BAD_CERT: case GPG_ERR_MISSING_CERT: case GPG_ERR_MISSING_ISSUER_CERT:
	case GPG_ERR_WRONG_KEY_USAGE: case GPG_ERR_NO_PUBKEY:
		return 1;
	default:
		return 0;
	}
}

/* The armoured OpenPGP key data imported into c's home. DONE, FAILED or
 * REFUSED (data gpg cannot read). */
static int import_pgp(struct crypto *c, const char *data, char **err)
{
	gpgme_data_t in = NULL;
	gpgme_error_t e = gpgme_data_new_from_mem(&in, data, strlen(data), 0);

	if (!e)
		e = gpgme_op_import(c->pgp, in);
	gpgme_data_release(in);
	if (e) {
		*err = crypto_gpgme_error("importing the POC key", e);
		return key_fault(e) ? REFUSED : FAILED;
	}
	return DONE;
}

/* The root of the certificate fpr's chain trusted in c's home (nothing
 * to write when it is there already). DONE, REFUSED (the chain does not
 * end in a root gpgsm holds) or FAILED (gpgsm, trustlist.txt, gpg-agent;
 * a root marked untrusted there by hand). */
static int trust_chain(struct crypto *c, const char *fpr, char **err)
{
	char root[CRYPTO_FPR_LEN];
	int rc = crypto_cms_root(c, fpr, "with the certificate on record", root, err);

	if (rc < 0)
		return rc == -1 ? REFUSED : FAILED;
	return crypto_trust_root(c, root, err) < 0 ? FAILED : DONE;
}

/* The PEM certificate and chain data imported into c's home, and the root
 * its chain ends in trusted there. DONE, FAILED or REFUSED. */
static int import_smime(struct crypto *c, const char *fpr, const char *data, char **err)
{
	gchar **fprs = NULL;
	int rc = crypto_cms_import_certs(c, data, strlen(data), &fprs, err);

	g_strfreev(fprs);
	crypto_keycache_clear(c);
	return rc < 0 ? FAILED : trust_chain(c, fpr, err);
}

/* fpr in c's home, imported from data when missing; a certificate's root
 * trusted there (the forms import certificates without trusting them).
 * DONE, or FAILED or REFUSED (no material, or it does not hold fpr) with
 * *err. */
static int ensure_held(struct crypto *c, enum crypto_protocol p, const char *fpr,
		       const char *data, char **err)
{
	int rc = held(c, p, fpr, err);

	if (rc == 1 && p == CRYPTO_SMIME)
		return trust_chain(c, fpr, err);
	if (rc != 0)
		return rc < 0 ? FAILED : DONE;
	if (!data || !*data) {
		*err = g_strdup_printf("no key material on record for %s", fpr);
		return REFUSED;
	}
	rc = p == CRYPTO_OPENPGP ? import_pgp(c, data, err) : import_smime(c, fpr, data, err);
	if (rc != DONE)
		return rc;
	crypto_keycache_clear(c);
	if ((rc = held(c, p, fpr, err)) == 0)
		*err = g_strdup_printf("the key material on record does not hold %s", fpr);
	return rc == 1 ? DONE : rc == 0 ? REFUSED : FAILED;
}

/* ensure_held under the POC home's lock taken exclusively when lock is set
 * (in process; the engine holds it for the whole operation): the import
 * and trustlist.txt are written by one process at a time. */
static int ensure_held_locked(struct crypto *c, int lock, enum crypto_protocol p,
			      const char *fpr, const char *data, char **err)
{
	int fd = -1, rc;

	if (lock && (fd = crypto_home_lock(c->home, 1, err)) < 0)
		return FAILED;
	rc = ensure_held(c, p, fpr, data, err);
	crypto_home_unlock(fd);
	return rc;
}

/* 1 when entity (its Content-* fields first) is a multipart/signed. */
static int is_signed(const GString *entity)
{
	const char *ct = "Content-Type:";

	for (const char *line = entity->str; line && *line != '\r';) {
		if (g_ascii_strncasecmp(line, ct, strlen(ct)) == 0) {
			const char *v = line + strlen(ct);

			v += strspn(v, " \t");
			return g_ascii_strncasecmp(v, "multipart/signed", 16) == 0;
		}
		line = strstr(line, "\r\n");
		line = line ? line + 2 : NULL;
	}
	return 0;
}

/* crypto_poc_encrypt on c, whose home is the POC home (its lock taken
 * when lock is set). */
static char *encrypt_in(struct crypto *c, int lock, enum crypto_protocol p, const char *fpr,
			const char *data, const char *msg, size_t len, size_t *out_len,
			int *refused, char **err)
{
	const char *const fprs[] = { fpr, NULL };
	GString *keep = NULL, *entity = NULL, *enc = NULL;
	char *out = NULL;
	int rc;

	if (p != CRYPTO_OPENPGP && p != CRYPTO_SMIME) {
		*err = g_strdup("crypto_poc_encrypt: no protocol");
		return NULL;
	}
	if (crypto_count_recipients(fprs, err) != 1 ||
	    crypto_message_entity(msg, len, &keep, &entity, err) < 0)
		goto out;
	if (!is_signed(entity)) {
		*err = g_strdup("crypto_poc_encrypt: the message is not signed");
		goto out;
	}
	if ((rc = ensure_held_locked(c, lock, p, fpr, data, err)) != DONE) {
		*refused = rc == REFUSED;
		goto out;
	}
	if (!(enc = crypto_encrypted_entity(c, p, entity, fprs, 1, err))) {
		*refused = key_fault(c->encrypt_error);
		goto out;
	}
	out = crypto_message_join(keep, enc, out_len);
	keep = NULL;
out:
	if (keep)
		g_string_free(keep, TRUE);
	if (entity)
		g_string_free(entity, TRUE);
	return out;
}

char *crypto_poc_encrypt(struct crypto *c, const char *home, enum crypto_protocol p,
			 const char *fpr, const char *data, const char *msg, size_t len,
			 size_t *out_len, int *refused, char **err)
{
	struct crypto *poc;
	char *out;

	*err = NULL;
	*refused = 0;
	if (c->engine)
		return crypto_client_poc_encrypt(c, home, p, fpr, data, msg, len, out_len, refused,
						 err);
	if (strcmp(c->home, home) == 0)	/* the engine's adapter on the POC home, locked */
		return encrypt_in(c, 0, p, fpr, data, msg, len, out_len, refused, err);
	if (!(poc = crypto_open(home, err)))	/* a command's, in process */
		return NULL;
	out = encrypt_in(poc, 1, p, fpr, data, msg, len, out_len, refused, err);
	crypto_close(poc);
	return out;
}

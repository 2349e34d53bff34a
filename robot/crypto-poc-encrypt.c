/* crypto-poc-encrypt.c - encrypts a message the robot already signed to a
 * POC's key, in the POC home (VAR/poc-keys), never the robot's: the key
 * material from the store (poc_keys.data) is imported there first when
 * the home does not hold the key (the home is a cache of the store: a
 * restore or a new machine fills it again at the next ping); an S/MIME
 * certificate's chain is imported with it and its root marked trusted in
 * that home's trustlist.txt only. The header block is kept; the signed
 * entity goes inside PGP/MIME multipart/encrypted or S/MIME
 * enveloped-data (crypto-sign.c writes the MIME). Input: a message of the
 * robot's (crypto_protect's output) and key material the forms checked. */
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

/* The armoured OpenPGP key data imported into c's home. 0 or -1. */
static int import_pgp(struct crypto *c, const char *data, char **err)
{
	gpgme_data_t in = NULL;
	gpgme_error_t e = gpgme_data_new_from_mem(&in, data, strlen(data), 0);

	if (!e)
		e = gpgme_op_import(c->pgp, in);
	gpgme_data_release(in);
	if (e) {
		*err = crypto_gpgme_error("importing the POC key", e);
		return -1;
	}
	return 0;
}

/* The root of the certificate fpr's chain trusted in c's home (nothing
 * to write when it is there already). 0 or -1. */
static int trust_chain(struct crypto *c, const char *fpr, char **err)
{
	char root[CRYPTO_FPR_LEN];

	if (crypto_cms_root(c, fpr, "with the certificate on record", root, err) < 0)
		return -1;
	return crypto_trust_root(c, root, err);
}

/* The PEM certificate and chain data imported into c's home, and the root
 * its chain ends in trusted there. 0 or -1. */
static int import_smime(struct crypto *c, const char *fpr, const char *data, char **err)
{
	gchar **fprs = NULL;
	int rc = crypto_cms_import_certs(c, data, strlen(data), &fprs, err);

	g_strfreev(fprs);
	crypto_keycache_clear(c);
	return rc < 0 || trust_chain(c, fpr, err) < 0 ? -1 : 0;
}

/* fpr in c's home, imported from data when missing; a certificate's root
 * trusted there (the forms import certificates without trusting them).
 * 0 or -1 with *err. */
static int ensure_held(struct crypto *c, enum crypto_protocol p, const char *fpr,
		       const char *data, char **err)
{
	int rc = held(c, p, fpr, err);

	if (rc == 1 && p == CRYPTO_SMIME)
		return trust_chain(c, fpr, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (!data || !*data) {
		*err = g_strdup_printf("no key material on record for %s", fpr);
		return -1;
	}
	if ((p == CRYPTO_OPENPGP ? import_pgp(c, data, err) : import_smime(c, fpr, data, err)) < 0)
		return -1;
	crypto_keycache_clear(c);
	if ((rc = held(c, p, fpr, err)) == 0)
		*err = g_strdup_printf("the key material on record does not hold %s", fpr);
	return rc == 1 ? 0 : -1;
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

/* crypto_poc_encrypt on c, whose home is the POC home. */
static char *encrypt_in(struct crypto *c, enum crypto_protocol p, const char *fpr,
			const char *data, const char *msg, size_t len, size_t *out_len,
			char **err)
{
	const char *const fprs[] = { fpr, NULL };
	GString *keep = NULL, *entity = NULL, *enc = NULL;
	char *out = NULL;

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
	if (ensure_held(c, p, fpr, data, err) < 0 ||
	    !(enc = crypto_encrypted_entity(c, p, entity, fprs, 1, err)))
		goto out;
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
			 size_t *out_len, char **err)
{
	struct crypto *poc;
	char *out;

	*err = NULL;
	if (c->engine)
		return crypto_client_poc_encrypt(c, home, p, fpr, data, msg, len, out_len, err);
	if (strcmp(c->home, home) == 0)	/* the engine's adapter on the POC home */
		return encrypt_in(c, p, fpr, data, msg, len, out_len, err);
	if (!(poc = crypto_open(home, err)))	/* a command's, in process */
		return NULL;
	out = encrypt_in(poc, p, fpr, data, msg, len, out_len, err);
	crypto_close(poc);
	return out;
}

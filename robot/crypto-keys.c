/* crypto-keys.c - the robot's own keys: creates its OpenPGP key and its
 * self-signed S/MIME certificate on first start (cheap when they exist: one
 * list of secret keys per protocol), names them, and exports their public
 * halves (a CA-issued identity is installed by crypto-keys-import.c).
 * Input: the robot's address from the configuration; nothing from mail.
 * Every function returns -1 with a message in *err on failure and leaves
 * the existing identity usable.
 *
 * Keys are made valid for the lifetime the caller gives ([keys] lifetime;
 * 0: no expiry). Which key is the robot's: OpenPGP, the usable secret key
 * made last (after a rollover, crypto-rollover.c, the old one stays to
 * decrypt until it is archived). S/MIME, among usable secret
 * certificates, a CA-issued one before a self-signed one, then the one
 * valid from the latest date: so an imported certificate replaces the
 * self-signed one for signing while the old key stays to decrypt. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "crypto-internal.h"

#define PGP_UID_NAME "POC Directory"
#define SMIME_DN "CN=POC Directory"

/* A self-signed certificate that signs and encrypts e-mail
 * (extendedKeyUsage emailProtection; subjectAltName from Name-Email).
 * "cert" usage makes it a root that gpgsm and OpenSSL accept as its own
 * anchor. */
static const char smime_parms[] =
	"Key-Type: RSA\n"
	"Key-Length: 3072\n"
	"Key-Usage: sign, encrypt, cert\n"
	"Name-DN: " SMIME_DN "\n"
	"Name-Email: %s\n"
	"Serial: random\n"
	"Hash-Algo: SHA256\n"
	"Extension: 2.5.29.37 n 300a06082b06010505070304\n"
	"%s";	/* Not-After, or nothing */

static int key_usable(gpgme_key_t k)
{
	return k->subkeys && k->can_sign && !k->revoked && !k->expired && !k->disabled &&
	       !k->invalid;
}

static int key_can_encrypt(gpgme_key_t k)
{
	for (gpgme_subkey_t s = k->subkeys; s; s = s->next)
		if (s->can_encrypt && !s->revoked && !s->expired && !s->disabled && !s->invalid)
			return 1;
	return 0;
}

/* 2 for a certificate issued by someone else, 1 for a self-signed one. */
int crypto_smime_rank(gpgme_key_t k)
{
	return k->chain_id && k->fpr && strcmp(k->chain_id, k->fpr) != 0 ? 2 : 1;
}

static int better(gpgme_protocol_t proto, gpgme_key_t k, gpgme_key_t best)
{
	if (!best)
		return 1;
	if (proto == GPGME_PROTOCOL_OpenPGP)
		return k->subkeys->timestamp > best->subkeys->timestamp;
	if (crypto_smime_rank(k) != crypto_smime_rank(best))
		return crypto_smime_rank(k) > crypto_smime_rank(best);
	return k->subkeys->timestamp > best->subkeys->timestamp;
}

/* The robot's key in ctx (see the top of the file), or *out NULL when
 * there is none. A reference: gpgme_key_unref it. */
int crypto_find_identity(gpgme_ctx_t ctx, gpgme_key_t *out, char **err)
{
	gpgme_protocol_t proto = gpgme_get_protocol(ctx);
	gpgme_key_t k = NULL, best = NULL;
	gpgme_error_t e = gpgme_op_keylist_start(ctx, NULL, 1);

	while (!e && !(e = gpgme_op_keylist_next(ctx, &k))) {
		if (key_usable(k) && better(proto, k, best)) {
			if (best)
				gpgme_key_unref(best);
			best = k;
		} else {
			gpgme_key_unref(k);
		}
	}
	gpgme_op_keylist_end(ctx);
	if (gpgme_err_code(e) != GPG_ERR_EOF) {
		*err = crypto_gpgme_error("listing the robot's secret keys", e);
		if (best)
			gpgme_key_unref(best);
		return -1;
	}
	*out = best;
	return 0;
}

static void copy_fpr(char dst[CRYPTO_FPR_LEN], gpgme_key_t k)
{
	g_strlcpy(dst, k && k->fpr ? k->fpr : "", CRYPTO_FPR_LEN);
	for (char *p = dst; *p; p++)
		*p = g_ascii_toupper(*p);
}

int crypto_identity(struct crypto *c, char pgp[CRYPTO_FPR_LEN], char smime[CRYPTO_FPR_LEN])
{
	gpgme_key_t kp = NULL, ks = NULL;
	char *err = NULL;
	int rc = -1;

	if (c->engine)
		return crypto_client_identity(c, pgp, smime);
	pgp[0] = smime[0] = '\0';
	if (crypto_find_identity(c->pgp, &kp, &err) < 0 ||
	    crypto_find_identity(c->cms, &ks, &err) < 0)
		goto out;
	copy_fpr(pgp, kp);
	copy_fpr(smime, ks);
	rc = 0;
out:
	g_free(err);
	if (kp)
		gpgme_key_unref(kp);
	if (ks)
		gpgme_key_unref(ks);
	return rc;
}

/* An address that can go into a user ID and a key parameter file as is. */
static int address_ok(const char *a)
{
	size_t len = a ? strlen(a) : 0;

	if (len < 3 || len > 254 || !strchr(a, '@'))
		return 0;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
			return 0;
	return 1;
}

/* Adds a Cv25519 encryption subkey to key (also finishes a key whose
 * creation was interrupted after the primary key). */
static int pgp_add_encryption(gpgme_ctx_t ctx, gpgme_key_t key, gint64 lifetime, char **err)
{
	gpgme_error_t e = gpgme_op_createsubkey(ctx, key, "cv25519", 0, (unsigned long)lifetime,
						GPGME_CREATE_ENCR | GPGME_CREATE_NOPASSWD |
							(lifetime ? 0 : GPGME_CREATE_NOEXPIRE));

	if (e) {
		*err = crypto_gpgme_error("creating the robot's OpenPGP encryption subkey", e);
		return -1;
	}
	return 0;
}

/* A new Ed25519 primary key that signs and certifies, without passphrase,
 * valid for lifetime seconds (0: no expiry). *out gets a reference. */
static int pgp_create(gpgme_ctx_t ctx, const char *address, gint64 lifetime, gpgme_key_t *out,
		      char **err)
{
	char *uid = g_strdup_printf(PGP_UID_NAME " <%s>", address);
	gpgme_error_t e =
		gpgme_op_createkey(ctx, uid, "ed25519", 0, (unsigned long)lifetime, NULL,
				   GPGME_CREATE_SIGN | GPGME_CREATE_CERT | GPGME_CREATE_NOPASSWD |
					   GPGME_CREATE_FORCE |	/* rollover: the same UID */
					   (lifetime ? 0 : GPGME_CREATE_NOEXPIRE));
	gpgme_genkey_result_t r = e ? NULL : gpgme_op_genkey_result(ctx);

	g_free(uid);
	if (!e && (!r || !r->fpr))
		e = gpg_error(GPG_ERR_GENERAL);
	if (!e)
		e = gpgme_get_key(ctx, r->fpr, out, 1);
	if (e) {
		*err = crypto_gpgme_error("creating the robot's OpenPGP key", e);
		return -1;
	}
	return 0;
}

int crypto_pgp_make(gpgme_ctx_t ctx, const char *address, gint64 lifetime, gpgme_key_t *out,
		    char **err)
{
	int rc = pgp_create(ctx, address, lifetime, out, err);

	if (rc == 0)
		rc = pgp_add_encryption(ctx, *out, lifetime, err);
	return rc;
}

static int pgp_ensure(gpgme_ctx_t ctx, const char *address, gint64 lifetime, char **err)
{
	gpgme_key_t key = NULL;
	int rc = crypto_find_identity(ctx, &key, err);

	if (rc == 0 && !key)
		rc = pgp_create(ctx, address, lifetime, &key, err);
	if (rc == 0 && !key_can_encrypt(key))
		rc = pgp_add_encryption(ctx, key, lifetime, err);
	if (key)
		gpgme_key_unref(key);
	return rc;
}

/* Self-signed certificates are their own root: keep them trusted. */
static int trust_if_self_signed(struct crypto *c, gpgme_key_t k, char **err)
{
	if (crypto_smime_rank(k) != 1)
		return 0;
	return crypto_trust_root(c, k->fpr, err);
}

int crypto_key_file_kind(const void *bytes, size_t len, const char *file, int cert, char **err)
{
	const unsigned char *b = bytes;
	int pgp = g_strstr_len(bytes, len, "-----BEGIN PGP") != NULL;
	int x509 = g_strstr_len(bytes, len, "-----BEGIN CERTIFICATE-----") != NULL;
	int armoured = g_strstr_len(bytes, len, "-----BEGIN ") != NULL;

	/* PEM, or DER (a SEQUENCE) */
	if (cert && (x509 || (!armoured && len > 0 && b[0] == 0x30)))
		return 0;
	if (!cert && !x509 && (pgp || !armoured))	/* armoured, or binary packets */
		return 0;
	if (cert && pgp)
		*err = g_strdup_printf("%s is an OpenPGP key, not an X.509 certificate "
				       "(an OpenPGP key is enrolled with --pgp)", file);
	else if (cert)
		*err = g_strdup_printf("%s is not an X.509 certificate "
				       "(PEM \"BEGIN CERTIFICATE\" or DER)", file);
	else
		*err = g_strdup_printf("%s is an X.509 certificate, not an OpenPGP key "
				       "(a certificate is enrolled with --smime)", file);
	return -1;
}

/* Imports certificates (PEM or DER) into gpgsm; *fprs gets their
 * fingerprints, upper case, NULL-terminated (g_strfreev it). */
int crypto_cms_import_certs(struct crypto *c, const void *bytes, size_t len, gchar ***fprs,
			    char **err)
{
	gpgme_data_t d = NULL;
	gpgme_import_result_t ir = NULL;
	gpgme_error_t e = gpgme_data_new_from_mem(&d, bytes, len, 0);
	GPtrArray *list = g_ptr_array_new();

	*fprs = NULL;
	if (crypto_key_file_kind(bytes, len, "the certificate file", 1, err) < 0) {
		gpgme_data_release(d);
		g_ptr_array_free(list, TRUE);
		return -1;
	}
	if (!e)
		e = gpgme_op_import(c->cms, d);
	if (!e && !(ir = gpgme_op_import_result(c->cms)))
		e = gpg_error(GPG_ERR_GENERAL);
	for (gpgme_import_status_t s = e ? NULL : ir->imports; s; s = s->next)
		if (!s->result && s->fpr)
			g_ptr_array_add(list, g_ascii_strup(s->fpr, -1));
	if (!e && list->len == 0)
		e = gpg_error(GPG_ERR_NO_DATA);
	g_ptr_array_add(list, NULL);
	*fprs = (gchar **)g_ptr_array_free(list, FALSE);
	gpgme_data_release(d);
	if (e) {
		*err = crypto_gpgme_error("gpgsm imported no certificate", e);
		g_clear_pointer(fprs, g_strfreev);
		return -1;
	}
	return 0;
}

/* gpgsm makes the key (in gpg-agent, unprotected) and the certificate,
 * valid for lifetime seconds from now (0: gpgsm's default, 2063), which is
 * then imported. *out gets a reference. */
int crypto_smime_make(struct crypto *c, const char *address, gint64 lifetime, gpgme_key_t *out,
		      char **err)
{
	const char *argv[] = {
		crypto_engine_path(GPGME_PROTOCOL_CMS, "gpgsm"), "--homedir", c->home, "--batch",
		"--pinentry-mode", "loopback", "--passphrase-fd", "3", "--gen-key", NULL
	};
	GDateTime *end = lifetime ? g_date_time_new_from_unix_utc(time(NULL) + lifetime) : NULL;
	char *until = end ? g_date_time_format(end, "Not-After: %Y%m%dT%H%M%S\n") : NULL;
	char *parms = g_strdup_printf(smime_parms, address, until ? until : "");
	GBytes *in = g_bytes_new_take(parms, strlen(parms)),
	       *cert = crypto_run_tool(argv, in, err);
	gchar **fprs = NULL;
	gpgme_error_t e;
	gsize n = 0;
	const void *bytes = cert ? g_bytes_get_data(cert, &n) : NULL;
	int rc = cert ? crypto_cms_import_certs(c, bytes, n, &fprs, err) : -1;

	if (rc == 0 && (e = gpgme_get_key(c->cms, fprs[0], out, 1))) {
		*err = crypto_gpgme_error("the robot's new S/MIME certificate", e);
		rc = -1;
	}
	g_strfreev(fprs);
	if (cert)
		g_bytes_unref(cert);
	g_bytes_unref(in);
	g_free(until);
	if (end)
		g_date_time_unref(end);
	if (rc == 0)
		rc = trust_if_self_signed(c, *out, err);
	return rc;
}

static int smime_ensure(struct crypto *c, const char *address, gint64 lifetime, char **err)
{
	gpgme_key_t key = NULL;
	int rc = crypto_find_identity(c->cms, &key, err);

	if (rc == 0 && !key)
		rc = crypto_smime_make(c, address, lifetime, &key, err);
	else if (rc == 0)
		rc = trust_if_self_signed(c, key, err);
	if (key)
		gpgme_key_unref(key);
	return rc;
}

int crypto_address_ok(const char *address, char **err)
{
	if (address_ok(address))
		return 0;
	*err = g_strdup_printf("unusable robot address '%.200s'", address ? address : "");
	return -1;
}

static int identity_ensure(struct crypto *c, const char *address, gint64 lifetime, char **err)
{
	*err = NULL;
	if (crypto_address_ok(address, err) < 0)
		return -1;
	if (pgp_ensure(c->pgp, address, lifetime, err) < 0)
		return -1;
	if (smime_ensure(c, address, lifetime, err) < 0)
		return -1;
	return 0;
}

/* The public key or certificate fpr, armoured (PEM for a certificate:
 * gpgsm's description of it before the block is dropped). NULL with *err. */
GBytes *crypto_export_armoured(gpgme_ctx_t ctx, const char *fpr, char **err)
{
	gpgme_data_t data = NULL;
	gpgme_error_t e = gpgme_data_new(&data);
	GBytes *out = NULL;
	char *buf = NULL;
	const char *start;
	size_t len = 0;

	gpgme_set_armor(ctx, 1);
	if (!e)
		e = gpgme_op_export(ctx, fpr, 0, data);
	gpgme_set_armor(ctx, 0);
	if (!e) {
		buf = gpgme_data_release_and_get_mem(data, &len);
		data = NULL;
	}
	start = buf ? g_strstr_len(buf, (gssize)len, "-----BEGIN") : NULL;
	if (e || !start)
		*err = crypto_gpgme_error(fpr, e ? e : gpg_error(GPG_ERR_NO_PUBKEY));
	else
		out = g_bytes_new(start, len - (size_t)(start - buf));
	gpgme_free(buf);
	gpgme_data_release(data);
	return out;
}

/* Writes the public key or certificate fpr, armoured, durably to path. */
static int export_one(gpgme_ctx_t ctx, const char *fpr, const char *path, char **err)
{
	GBytes *armour = crypto_export_armoured(ctx, fpr, err);
	GError *gerr = NULL;
	gsize len = 0;
	const char *data = armour ? g_bytes_get_data(armour, &len) : NULL;
	int rc = armour ? 0 : -1;

	if (armour &&
	    !g_file_set_contents_full(path, data, (gssize)len,
				      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
				      0644, &gerr)) {
		*err = g_strdup_printf("%s: %s", path, gerr->message);
		g_error_free(gerr);
		rc = -1;
	}
	if (armour)
		g_bytes_unref(armour);
	return rc;
}

int crypto_identity_export(struct crypto *c, const char *dir, char **err)
{
	char pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN];
	char *asc = g_build_filename(dir, "pocbot.asc", NULL),
	     *pem = g_build_filename(dir, "pocbot.pem", NULL);
	int rc = -1;

	*err = NULL;
	if (crypto_identity(c, pgp, smime) < 0)
		*err = g_strdup("cannot list the robot's keys");
	else if (!*pgp || !*smime)
		*err = g_strdup("the robot has no keys yet (pocbot keys show makes them)");
	else if (g_mkdir_with_parents(dir, 0755) < 0)
		*err = g_strdup_printf("%s: %s", dir, g_strerror(errno));
	else if (export_one(c->pgp, pgp, asc, err) == 0)
		rc = export_one(c->cms, smime, pem, err) == 0 ? 0 : -1;
	g_free(asc);
	g_free(pem);
	return rc;
}

/* Under the home's exclusive lock: the crypto engine waits. */
int crypto_identity_ensure(struct crypto *c, const char *address, gint64 lifetime, char **err)
{
	int lock, rc;

	g_return_val_if_fail(!c->engine, -1);	/* custodian commands: in process */
	if ((lock = crypto_home_lock(c->home, 1, err)) < 0)
		return -1;
	rc = identity_ensure(c, address, lifetime, err);
	crypto_home_unlock(lock);
	return rc;
}

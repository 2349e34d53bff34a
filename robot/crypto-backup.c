/* crypto-backup.c - the crypto adapter's part of a backup and a restore:
 * the robot's GnuPG home exported through GnuPG (public keys, the robot's
 * secret keys (the old one too during a rollover's overlap), certificates,
 * S/MIME secret keys as PKCS#12, trustlist.txt: never files copied from
 * under a running gpg-agent) and imported again;
 * the manifest signed by the robot and checked; the archive encrypted to
 * the backup keys ([backup] encrypt_to) and decrypted with the gpg of the
 * person who restores ($GNUPGHOME, else ~/.gnupg). Input: files the robot
 * wrote, or an archive to restore that is not trusted until its manifest's
 * signature and checksums are checked by the caller. Every function
 * returns -1 with a message in *err on failure. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "crypto-internal.h"

#define PGP_PUBLIC "openpgp-public.pgp"
#define PGP_SECRET "openpgp-secret.pgp"
#define SMIME_CERTS "smime-certs.pem"
#define SMIME_SECRET "smime-secret-%u.p12"
#define TRUSTLIST "trustlist.txt"
#define MAX_SMIME_SECRETS 16

int crypto_write_secret(const char *dir, const char *name, const void *data, gsize len,
			char **err)
{
	char *path = g_build_filename(dir, name, NULL);
	GError *gerr = NULL;
	int rc = 0;

	if (!g_file_set_contents_full(path, data, (gssize)len,
				      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
				      0600, &gerr)) {
		*err = g_strdup_printf("%s: %s", path, gerr->message);
		g_error_free(gerr);
		rc = -1;
	}
	g_free(path);
	return rc;
}

/* crypto_write_secret, its name then added to names. */
static int write_file(const char *dir, const char *name, const void *data, gsize len,
		      GPtrArray *names, char **err)
{
	if (crypto_write_secret(dir, name, data, len, err) < 0)
		return -1;
	g_ptr_array_add(names, g_strdup(name));
	return 0;
}

/* gpgme_op_export of pattern (NULL: every key) in mode into dir/name. */
static int export_to(gpgme_ctx_t ctx, const char *pattern, gpgme_export_mode_t mode,
		     const char *dir, const char *name, GPtrArray *names, char **err)
{
	gpgme_data_t data = NULL;
	gpgme_error_t e = gpgme_data_new(&data);
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (!e)
		e = gpgme_op_export(ctx, pattern, mode, data);
	if (e) {
		*err = crypto_gpgme_error(name, e);
		gpgme_data_release(data);
		return -1;
	}
	buf = gpgme_data_release_and_get_mem(data, &len);
	if (len == 0) {
		*err = g_strdup_printf("%s: GnuPG exported nothing", name);
		rc = -1;
	} else {
		rc = write_file(dir, name, buf, len, names, err);
	}
	gpgme_free(buf);
	return rc;
}

/* The fingerprints of the keys ctx lists (secret ones only when secret). */
static GPtrArray *list_keys(gpgme_ctx_t ctx, int secret, char **err)
{
	GPtrArray *fprs = g_ptr_array_new_with_free_func(g_free);
	gpgme_key_t k = NULL;
	gpgme_error_t e = gpgme_op_keylist_start(ctx, NULL, secret);

	while (!e && !(e = gpgme_op_keylist_next(ctx, &k))) {
		if (k->fpr)
			g_ptr_array_add(fprs, g_ascii_strup(k->fpr, -1));
		gpgme_key_unref(k);
	}
	gpgme_op_keylist_end(ctx);
	if (gpgme_err_code(e) != GPG_ERR_EOF) {
		*err = crypto_gpgme_error("listing keys", e);
		g_ptr_array_unref(fprs);
		return NULL;
	}
	return fprs;
}

/* Every certificate gpgsm holds, PEM after PEM, into dir/smime-certs.pem. */
static int export_certs(struct crypto *c, const char *dir, GPtrArray *names, char **err)
{
	GPtrArray *fprs = list_keys(c->cms, 0, err);
	GString *pem = g_string_new(NULL);
	int rc = fprs ? 0 : -1;

	for (guint i = 0; rc == 0 && fprs && i < fprs->len; i++) {
		GBytes *b = crypto_export_armoured(c->cms, fprs->pdata[i], err);
		gsize n = 0;
		const char *p = b ? g_bytes_get_data(b, &n) : NULL;

		if (!b) {
			rc = -1;
			break;
		}
		g_string_append_len(pem, p, (gssize)n);
		g_bytes_unref(b);
	}
	if (rc == 0 && pem->len > 0)
		rc = write_file(dir, SMIME_CERTS, pem->str, pem->len, names, err);
	g_string_free(pem, TRUE);
	if (fprs)
		g_ptr_array_unref(fprs);
	return rc;
}

/* Each S/MIME secret key as PKCS#12 with an empty password (gpgsm asks for
 * one through the loopback pinentry: fd 3 reads nothing); the archive
 * around it is encrypted. */
static int export_smime_secrets(struct crypto *c, const char *dir, GPtrArray *names,
				char **err)
{
	GPtrArray *fprs = list_keys(c->cms, 1, err);
	int rc = fprs ? 0 : -1;

	for (guint i = 0; rc == 0 && i < fprs->len && i < MAX_SMIME_SECRETS; i++) {
		const char *argv[] = {
			crypto_engine_path(GPGME_PROTOCOL_CMS, "gpgsm"), "--homedir", c->home,
			"--batch", "--pinentry-mode", "loopback", "--passphrase-fd", "3",
			"--export-secret-key-p12", fprs->pdata[i], NULL
		};
		GBytes *p12 = crypto_run_tool(argv, NULL, err);
		char *name = g_strdup_printf(SMIME_SECRET, i);
		gsize n = 0;
		const void *p = p12 ? g_bytes_get_data(p12, &n) : NULL;

		rc = p12 && n > 0 ? write_file(dir, name, p, n, names, err) : -1;
		if (p12 && n == 0)
			*err = g_strdup_printf("gpgsm exported no key for %s",
					       (char *)fprs->pdata[i]);
		if (p12)
			g_bytes_unref(p12);
		g_free(name);
	}
	if (fprs)
		g_ptr_array_unref(fprs);
	return rc;
}

/* trustlist.txt is gpg-agent's configuration, read once, not its state. */
static int export_trustlist(struct crypto *c, const char *dir, GPtrArray *names, char **err)
{
	char *path = g_build_filename(c->home, TRUSTLIST, NULL), *text = NULL;
	gsize len = 0;
	int rc = 0;

	if (g_file_get_contents(path, &text, &len, NULL))
		rc = write_file(dir, TRUSTLIST, text, len, names, err);
	g_free(text);
	g_free(path);
	return rc;
}

int crypto_backup_export(struct crypto *c, const char *dir, GPtrArray *names, char **err)
{
	char pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN];

	*err = NULL;
	if (crypto_identity(c, pgp, smime) < 0 || !*pgp) {
		*err = g_strdup("the robot has no OpenPGP key to back up");
		return -1;
	}
	gpgme_set_armor(c->pgp, 0);
	if (export_to(c->pgp, NULL, 0, dir, PGP_PUBLIC, names, err) < 0)
		return -1;
	/* every secret key: after a rollover the old one still decrypts (crypto-rollover.c) */
	if (export_to(c->pgp, NULL, GPGME_EXPORT_MODE_SECRET, dir, PGP_SECRET, names, err) < 0)
		return -1;
	if (export_certs(c, dir, names, err) < 0)
		return -1;
	if (export_smime_secrets(c, dir, names, err) < 0)
		return -1;
	return export_trustlist(c, dir, names, err);
}

/* The bytes of dir/name; NULL when there is no such file. */
static GBytes *read_file(const char *dir, const char *name)
{
	char *path = g_build_filename(dir, name, NULL), *text = NULL;
	gsize len = 0;
	GBytes *b = g_file_get_contents(path, &text, &len, NULL) ? g_bytes_new_take(text, len)
								 : NULL;

	g_free(path);
	return b;
}

static int import_pgp(struct crypto *c, const char *dir, const char *name, char **err)
{
	GBytes *b = read_file(dir, name);
	gpgme_data_t d = NULL;
	gsize n = 0;
	const void *p = b ? g_bytes_get_data(b, &n) : NULL;
	gpgme_error_t e = b ? gpgme_data_new_from_mem(&d, p, n, 0) : gpg_error(GPG_ERR_NO_DATA);

	if (!e)
		e = gpgme_op_import(c->pgp, d);
	if (e)
		*err = crypto_gpgme_error(name, e);
	gpgme_data_release(d);
	if (b)
		g_bytes_unref(b);
	return e ? -1 : 0;
}

static int import_certs(struct crypto *c, const char *dir, char **err)
{
	GBytes *b = read_file(dir, SMIME_CERTS);
	gchar **fprs = NULL;
	gsize n = 0;
	const void *p = b ? g_bytes_get_data(b, &n) : NULL;
	int rc = b ? crypto_cms_import_certs(c, p, n, &fprs, err) : 0;

	g_strfreev(fprs);
	if (b)
		g_bytes_unref(b);
	return rc;
}

static int import_smime_secrets(struct crypto *c, const char *dir, char **err)
{
	const char *argv[] = {
		crypto_engine_path(GPGME_PROTOCOL_CMS, "gpgsm"), "--homedir", c->home, "--batch",
		"--pinentry-mode", "loopback", "--passphrase-fd", "3", "--import", NULL
	};

	for (unsigned i = 0; i < MAX_SMIME_SECRETS; i++) {
		char *name = g_strdup_printf(SMIME_SECRET, i);
		GBytes *p12 = read_file(dir, name), *out = NULL;

		g_free(name);
		if (!p12)
			return 0;
		out = crypto_run_tool(argv, p12, err);
		g_bytes_unref(p12);
		if (!out)
			return -1;
		g_bytes_unref(out);
	}
	return 0;
}

int crypto_backup_import(struct crypto *c, const char *dir, char **err)
{
	GBytes *trust = read_file(dir, TRUSTLIST);
	GPtrArray *ignored = g_ptr_array_new_with_free_func(g_free);
	int rc = 0;

	*err = NULL;
	/* before gpg-agent starts, which reads it once */
	if (trust)
		rc = write_file(c->home, TRUSTLIST, g_bytes_get_data(trust, NULL),
				g_bytes_get_size(trust), ignored, err);
	if (rc == 0)
		rc = import_pgp(c, dir, PGP_PUBLIC, err);
	if (rc == 0)
		rc = import_pgp(c, dir, PGP_SECRET, err);
	if (rc == 0)
		rc = import_certs(c, dir, err);
	if (rc == 0)
		rc = import_smime_secrets(c, dir, err);
	if (trust)
		g_bytes_unref(trust);
	g_ptr_array_unref(ignored);
	return rc;
}

int crypto_backup_key_import(struct crypto *c, const char *file, char fpr[CRYPTO_FPR_LEN],
			     char **err)
{
	gpgme_data_t d = NULL;
	gpgme_import_result_t r = NULL;
	gpgme_error_t e = 0;
	const char *got = NULL;
	char *text = NULL;
	gsize len = 0;

	*err = NULL;
	if (!g_file_get_contents(file, &text, &len, NULL) || len > 1024 * 1024 ||
	    g_strstr_len(text, (gssize)len, "PRIVATE KEY")) {
		*err = g_strdup_printf("%s: not a readable OpenPGP public key file "
				       "(at most 1 MiB, no private key)", file);
		g_free(text);
		return -1;
	}
	e = gpgme_data_new_from_mem(&d, text, len, 1);
	g_free(text);
	if (!e)
		e = gpgme_op_import(c->pgp, d);
	if (!e && (!(r = gpgme_op_import_result(c->pgp)) || !r->imports))
		e = gpg_error(GPG_ERR_NO_PUBKEY);
	for (gpgme_import_status_t s = e ? NULL : r->imports; s; s = s->next)
		if (!s->result && s->fpr && !(s->status & GPGME_IMPORT_SECRET))
			got = got && strcmp(got, s->fpr) != 0 ? "" : s->fpr;
	gpgme_data_release(d);
	if (e) {
		*err = crypto_gpgme_error(file, e);
		return -1;
	}
	if (!got || !*got) {
		*err = g_strdup_printf("%s must hold exactly one OpenPGP public key", file);
		return -1;
	}
	g_strlcpy(fpr, got, CRYPTO_FPR_LEN);
	for (char *p = fpr; *p; p++)
		*p = g_ascii_toupper(*p);
	return crypto_backup_recipients_check(c, fpr, err);
}

int crypto_backup_recipients_check(struct crypto *c, const char *fpr, char **err)
{
	gpgme_key_t k = NULL, sk = NULL;
	gpgme_error_t e = gpgme_get_key(c->pgp, fpr, &k, 0);
	int can_encrypt = 0, rc = -1;

	for (gpgme_subkey_t s = k ? k->subkeys : NULL; s; s = s->next)
		can_encrypt |= s->can_encrypt && !s->revoked && !s->expired && !s->disabled;
	if (e)
		*err = g_strdup_printf("[backup] encrypt_to %s: the robot holds no such public "
				       "key (pocbot keys import-backup FILE imports it)", fpr);
	else if (!gpgme_get_key(c->pgp, fpr, &sk, 1))
		*err = g_strdup_printf("[backup] encrypt_to %s: its secret key is on this server; "
				       "a backup key's secret key must be kept elsewhere", fpr);
	else if (!can_encrypt)
		*err = g_strdup_printf("[backup] encrypt_to %s: the key cannot encrypt "
				       "(no valid encryption subkey)", fpr);
	else
		rc = 0;
	if (k)
		gpgme_key_unref(k);
	if (sk)
		gpgme_key_unref(sk);
	return rc;
}

int crypto_backup_sign(struct crypto *c, const char *path, const char *sig_path, char **err)
{
	gpgme_data_t in = NULL;
	gpgme_hash_algo_t hash;
	GString *sig = NULL;
	GPtrArray *ignored = g_ptr_array_new_with_free_func(g_free);
	gpgme_error_t e = gpgme_data_new_from_file(&in, path, 1);
	char *dir = g_path_get_dirname(sig_path), *base = g_path_get_basename(sig_path);
	int rc = -1;

	*err = NULL;
	if (e)
		*err = crypto_gpgme_error(path, e);
	else if (crypto_ensure_signer(c, c->pgp, err) == 0 &&
		 (sig = crypto_sign_data(c, c->pgp, in, &hash, err)))
		rc = write_file(dir, base, sig->str, sig->len, ignored, err);
	if (sig)
		g_string_free(sig, TRUE);
	gpgme_data_release(in);
	g_ptr_array_unref(ignored);
	g_free(dir);
	g_free(base);
	return rc;
}

/* The primary key's fingerprint of the key that made a signature. */
static void primary_of(gpgme_ctx_t ctx, const char *fpr, char out[CRYPTO_FPR_LEN])
{
	gpgme_key_t k = NULL;

	g_strlcpy(out, !gpgme_get_key(ctx, fpr, &k, 0) && k->fpr ? k->fpr : fpr,
		  CRYPTO_FPR_LEN);
	for (char *p = out; *p; p++)
		*p = g_ascii_toupper(*p);
	if (k)
		gpgme_key_unref(k);
}

int crypto_backup_verify(struct crypto *c, const char *path, const char *sig_path,
			 char fpr[CRYPTO_FPR_LEN], char **err)
{
	gpgme_data_t text = NULL, sig = NULL;
	gpgme_verify_result_t r = NULL;
	gpgme_error_t e = gpgme_data_new_from_file(&text, path, 1);

	*err = NULL;
	fpr[0] = '\0';
	if (!e)
		e = gpgme_data_new_from_file(&sig, sig_path, 1);
	if (!e)
		e = gpgme_op_verify(c->pgp, sig, text, NULL);
	if (!e && (!(r = gpgme_op_verify_result(c->pgp)) || !r->signatures ||
		   r->signatures->next || !r->signatures->fpr))
		e = gpg_error(GPG_ERR_NO_DATA);
	if (!e && r->signatures->status)
		e = r->signatures->status;
	if (e)
		*err = crypto_gpgme_error("the manifest's signature", e);
	else
		primary_of(c->pgp, r->signatures->fpr, fpr);
	gpgme_data_release(text);
	gpgme_data_release(sig);
	return e ? -1 : 0;
}

/* A key reference for each fingerprint, NULL-terminated; NULL with *err. */
static gpgme_key_t *recipient_keys(struct crypto *c, const char *const *fprs, char **err)
{
	size_t n = g_strv_length((gchar **)fprs);
	gpgme_key_t *keys = g_new0(gpgme_key_t, n + 1);

	for (size_t i = 0; i < n; i++) {
		gpgme_error_t e;

		if (crypto_backup_recipients_check(c, fprs[i], err) < 0 ||
		    (e = gpgme_get_key(c->pgp, fprs[i], &keys[i], 0))) {
			if (!*err)
				*err = g_strdup_printf("%s: no such key", fprs[i]);
			for (size_t j = 0; j < i; j++)
				gpgme_key_unref(keys[j]);
			g_free(keys);
			return NULL;
		}
	}
	return keys;
}

int crypto_backup_encrypt(struct crypto *c, const char *const *fprs, int in, int out,
			  char **err)
{
	gpgme_data_t din = NULL, dout = NULL;
	gpgme_key_t *keys;
	gpgme_encrypt_result_t r;
	gpgme_error_t e;

	*err = NULL;
	if (!fprs || !fprs[0]) {
		*err = g_strdup("no [backup] encrypt_to is set: the archive holds the robot's "
				"private keys and is only written encrypted to a backup key");
		return -1;
	}
	if (!(keys = recipient_keys(c, fprs, err)))
		return -1;
	gpgme_set_armor(c->pgp, 0);
	e = gpgme_data_new_from_fd(&din, in);
	if (!e)
		e = gpgme_data_new_from_fd(&dout, out);
	if (!e)
		e = gpgme_op_encrypt(c->pgp, keys, GPGME_ENCRYPT_ALWAYS_TRUST, din, dout);
	if (!e && (!(r = gpgme_op_encrypt_result(c->pgp)) || r->invalid_recipients))
		e = gpg_error(GPG_ERR_UNUSABLE_PUBKEY);
	if (e)
		*err = crypto_gpgme_error("encrypting the archive", e);
	for (gpgme_key_t *k = keys; *k; k++)
		gpgme_key_unref(*k);
	g_free(keys);
	gpgme_data_release(din);
	gpgme_data_release(dout);
	return e ? -1 : 0;
}

int crypto_backup_decrypt(int in, int out, char **err)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t din = NULL, dout = NULL;
	gpgme_error_t e;

	*err = NULL;
	gpgme_check_version(NULL);
	e = gpgme_new(&ctx);	/* the default home: $GNUPGHOME, else ~/.gnupg */
	if (!e)
		e = gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP);
	if (!e)
		gpgme_set_offline(ctx, 1);
	if (!e)
		e = gpgme_data_new_from_fd(&din, in);
	if (!e)
		e = gpgme_data_new_from_fd(&dout, out);
	if (!e)
		e = gpgme_op_decrypt(ctx, din, dout);
	if (e)
		*err = crypto_gpgme_error("decrypting the archive with your gpg "
					  "($GNUPGHOME, else ~/.gnupg)", e);
	gpgme_data_release(din);
	gpgme_data_release(dout);
	if (ctx)
		gpgme_release(ctx);
	return e ? -1 : 0;
}

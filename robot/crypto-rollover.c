/* crypto-rollover.c - the robot's keys renewed: a new OpenPGP key
 * certified by the old one, a new self-signed certificate (a CA-issued
 * one is the custodian's to renew: kept), the old keys pinned as signers
 * for the announcement, the old secret keys archived out of the home when
 * the overlap ends, and the expiry of the robot's own keys. Input: the
 * robot's own home and the custodian's configuration; nothing from mail.
 * Every function returns -1 with a message in *err on failure. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "crypto-internal.h"

static void copy_fpr(char dst[CRYPTO_FPR_LEN], gpgme_key_t k)
{
	g_strlcpy(dst, k && k->fpr ? k->fpr : "", CRYPTO_FPR_LEN);
	for (char *p = dst; *p; p++)
		*p = g_ascii_toupper(*p);
}

/* Key times count in seconds and the newest key is the robot's: the new
 * one must be made at least a second after the old one. */
static void after(gpgme_key_t old)
{
	while (old->subkeys && (gint64)time(NULL) <= (gint64)old->subkeys->timestamp)
		g_usleep(100 * 1000);
}

/* old certifies every user ID of new (a signature that does not expire). */
static int certify(gpgme_ctx_t ctx, gpgme_key_t old, gpgme_key_t new, char **err)
{
	gpgme_error_t e;

	gpgme_signers_clear(ctx);
	e = gpgme_signers_add(ctx, old);
	if (!e)
		e = gpgme_op_keysign(ctx, new, NULL, 0, GPGME_KEYSIGN_NOEXPIRE);
	gpgme_signers_clear(ctx);
	if (e)
		*err = crypto_gpgme_error("certifying the new OpenPGP key with the old", e);
	return e ? -1 : 0;
}

static int roll_pgp(struct crypto *c, const char *address, gint64 lifetime,
		    struct crypto_rollover *r, char **err)
{
	gpgme_key_t old = NULL, new = NULL;
	int rc = crypto_find_identity(c->pgp, &old, err);

	if (rc == 0 && !old) {
		*err = g_strdup("the robot has no OpenPGP key to renew "
				"(pocbot keys show makes one)");
		rc = -1;
	}
	if (rc == 0) {
		after(old);
		rc = crypto_pgp_make(c->pgp, address, lifetime, &new, err);
	}
	if (rc == 0)
		rc = certify(c->pgp, old, new, err);
	copy_fpr(r->old_pgp, old);
	copy_fpr(r->new_pgp, new);
	if (old)
		gpgme_key_unref(old);
	if (new)
		gpgme_key_unref(new);
	return rc;
}

static int roll_smime(struct crypto *c, const char *address, gint64 lifetime,
		      struct crypto_rollover *r, char **err)
{
	gpgme_key_t old = NULL, new = NULL;
	int rc = crypto_find_identity(c->cms, &old, err);

	if (rc == 0 && old && crypto_smime_rank(old) == 1) {
		after(old);
		rc = crypto_smime_make(c, address, lifetime, &new, err);
	}
	copy_fpr(r->old_smime, old);
	copy_fpr(r->new_smime, new ? new : old);
	gpgme_signers_clear(c->cms);
	if (old)
		gpgme_key_unref(old);
	if (new)
		gpgme_key_unref(new);
	return rc;
}

int crypto_rollover(struct crypto *c, const char *address, gint64 lifetime,
		    struct crypto_rollover *r, char **err)
{
	int lock, rc;

	g_return_val_if_fail(!c->engine, -1);
	memset(r, 0, sizeof *r);
	*err = NULL;
	if (crypto_address_ok(address, err) < 0)
		return -1;
	if ((lock = crypto_home_lock(c->home, 1, err)) < 0)
		return -1;
	rc = roll_pgp(c, address, lifetime, r, err);
	if (rc == 0)
		rc = roll_smime(c, address, lifetime, r, err);
	crypto_home_unlock(lock);
	return rc;
}

void crypto_sign_as(struct crypto *c, const char *pgp, const char *smime)
{
	g_return_if_fail(!c->engine);
	g_free(c->sign_as[0]);
	g_free(c->sign_as[1]);
	c->sign_as[0] = pgp && *pgp ? g_strdup(pgp) : NULL;
	c->sign_as[1] = smime && *smime ? g_strdup(smime) : NULL;
	gpgme_signers_clear(c->pgp);
	gpgme_signers_clear(c->cms);
}

/* Removes the key files of k's (sub)keys from the agent's folder. */
static int remove_key_files(struct crypto *c, gpgme_key_t k, char **err)
{
	for (gpgme_subkey_t s = k->subkeys; s; s = s->next) {
		char *name = s->keygrip ? g_strconcat(s->keygrip, ".key", NULL) : NULL;
		char *path = name ? g_build_filename(c->home, "private-keys-v1.d", name, NULL)
				  : NULL;
		int gone = !path || unlink(path) == 0 || errno == ENOENT;

		if (!gone)
			*err = g_strdup_printf("%s: %s", path, g_strerror(errno));
		g_free(path);
		g_free(name);
		if (!gone)
			return -1;
	}
	return 0;
}

/* The secret key k's OpenPGP export, armoured. NULL with *err. */
static GBytes *pgp_secret(gpgme_ctx_t ctx, const char *fpr, char **err)
{
	gpgme_data_t data = NULL;
	gpgme_error_t e = gpgme_data_new(&data);
	char *buf;
	size_t len = 0;
	GBytes *out;

	gpgme_set_armor(ctx, 1);
	if (!e)
		e = gpgme_op_export(ctx, fpr, GPGME_EXPORT_MODE_SECRET, data);
	gpgme_set_armor(ctx, 0);
	if (e) {
		*err = crypto_gpgme_error("exporting the old OpenPGP secret key", e);
		gpgme_data_release(data);
		return NULL;
	}
	buf = gpgme_data_release_and_get_mem(data, &len);
	out = len ? g_bytes_new(buf, len) : NULL;
	if (!out)
		*err = g_strdup_printf("%s: GnuPG exported no secret key", fpr);
	gpgme_free(buf);
	return out;
}

static GBytes *smime_secret(struct crypto *c, const char *fpr, char **err)
{
	const char *argv[] = { crypto_engine_path(GPGME_PROTOCOL_CMS, "gpgsm"), "--homedir",
			       c->home, "--batch", "--pinentry-mode", "loopback",
			       "--passphrase-fd", "3", "--export-secret-key-p12", fpr, NULL };
	GBytes *p12 = crypto_run_tool(argv, NULL, err);

	if (p12 && g_bytes_get_size(p12) == 0) {
		*err = g_strdup_printf("gpgsm exported no key for %s", fpr);
		g_clear_pointer(&p12, g_bytes_unref);
	}
	return p12;
}

/* Archives the secret key fpr of ctx's protocol into dir (see crypto.h). */
static int archive_one(struct crypto *c, gpgme_ctx_t ctx, const char *fpr, const char *dir,
		       char **err)
{
	gpgme_key_t k = NULL;
	gpgme_error_t e = gpgme_get_key(ctx, fpr, &k, 1);
	int pgp = ctx == c->pgp, rc;
	char *name = g_strdup_printf(pgp ? "openpgp-%s.asc" : "smime-%s.p12", fpr);
	GBytes *b = NULL;

	if (gpgme_err_code(e) == GPG_ERR_EOF) {	/* archived already */
		g_free(name);
		return 0;
	}
	if (!e)
		b = pgp ? pgp_secret(ctx, fpr, err) : smime_secret(c, fpr, err);
	else
		*err = crypto_gpgme_error(fpr, e);
	rc = b ? crypto_write_secret(dir, name, g_bytes_get_data(b, NULL),
				     g_bytes_get_size(b), err)
	       : -1;
	if (rc == 0)
		rc = remove_key_files(c, k, err);
	if (b)
		g_bytes_unref(b);
	if (k)
		gpgme_key_unref(k);
	g_free(name);
	return rc;
}

int crypto_keys_archive(struct crypto *c, const char *pgp, const char *smime, const char *dir,
			char **err)
{
	int lock, rc = 0;

	g_return_val_if_fail(!c->engine, -1);
	*err = NULL;
	if (g_mkdir_with_parents(dir, 0700) < 0) {
		*err = g_strdup_printf("%s: %s", dir, g_strerror(errno));
		return -1;
	}
	if ((lock = crypto_home_lock(c->home, 1, err)) < 0)
		return -1;
	if (pgp && *pgp)
		rc = archive_one(c, c->pgp, pgp, dir, err);
	if (rc == 0 && smime && *smime)
		rc = archive_one(c, c->cms, smime, dir, err);
	crypto_home_unlock(lock);
	return rc;
}

int crypto_identity_expiry(struct crypto *c, gint64 *pgp, gint64 *smime)
{
	char fp[CRYPTO_FPR_LEN], fs[CRYPTO_FPR_LEN];

	*pgp = *smime = -1;
	if (crypto_identity(c, fp, fs) < 0)
		return -1;
	if (*fp && crypto_key_expiry(c, CRYPTO_OPENPGP, fp, pgp) < 0)
		return -1;
	if (*fs && crypto_key_expiry(c, CRYPTO_SMIME, fs, smime) < 0)
		return -1;
	return 0;
}

/* cmd-keys.c - the robot's own keys, for the custodian: "keys show" prints
 * the OpenPGP and S/MIME fingerprints (making the keys on first use),
 * "keys export DIR" writes DIR/pocbot.asc and DIR/pocbot.pem for
 * correspondents, "keys import-smime CERT KEY" installs a CA-issued
 * certificate (PEM, with its chain) and its key as the robot's S/MIME
 * identity, "keys import-backup FILE" imports a backup key's OpenPGP public
 * key for [backup] encrypt_to ("keys rollover" is cmd-keys-rollover.c).
 * Input: the custodian's arguments and files, nothing from mail.
 * Exits 64 on bad usage, 66 when a file is missing, 65 when a file is not
 * what it should be (not a certificate, no chain, a key of another
 * certificate), 75 (EX_TEMPFAIL) when GnuPG fails: retrying may cure a
 * missing agent. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include "commands.h"
#include "crypto.h"

/* Opens VAR/gnupg and makes the robot's keys when missing. NULL after
 * saying why. */
static struct crypto *open_identity(const struct config *cfg)
{
	char *home = config_var_path(cfg, "gnupg"), *err = NULL;
	struct crypto *c = crypto_open(home, &err);

	if (c && crypto_identity_ensure(c, cfg->address, cfg->keys_lifetime, &err) < 0) {
		crypto_close(c);
		c = NULL;
	}
	if (!c)
		fprintf(stderr, "pocbot keys: %s\n", err ? err : "cannot open the robot's keys");
	g_free(err);
	g_free(home);
	return c;
}

static int show(struct crypto *c)
{
	char pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN];

	if (crypto_identity(c, pgp, smime) < 0) {
		fprintf(stderr, "pocbot keys show: cannot list the robot's keys\n");
		return EX_TEMPFAIL;
	}
	printf("openpgp %s\nsmime   %s\n", pgp, smime);
	return 0;
}

static int export(struct crypto *c, const char *dir)
{
	char *err = NULL;

	if (crypto_identity_export(c, dir, &err) < 0) {
		fprintf(stderr, "pocbot keys export: %s\n", err);
		g_free(err);
		return EX_TEMPFAIL;
	}
	printf("wrote %s/pocbot.asc and %s/pocbot.pem\n", dir, dir);
	return 0;
}

static int import_smime(struct crypto *c, const char *cert, const char *key)
{
	char *err = NULL;
	int rc = crypto_identity_import_smime(c, cert, key, &err);

	if (rc < 0) {
		fprintf(stderr, "pocbot keys import-smime: %s\n", err);
		g_free(err);
		return rc == -2 ? EX_DATAERR : EX_TEMPFAIL;
	}
	return show(c);
}

static int import_backup(struct crypto *c, const char *file)
{
	char fpr[CRYPTO_FPR_LEN], *err = NULL;

	if (crypto_backup_key_import(c, file, fpr, &err) < 0) {
		fprintf(stderr, "pocbot keys import-backup: %s\n", err);
		g_free(err);
		return EX_DATAERR;
	}
	printf("backup key %s imported; set it in pocbot.conf:\n[backup]\nencrypt_to = %s\n",
	       fpr, fpr);
	return 0;
}

static int run(const struct config *cfg, char **argv)
{
	struct crypto *c = open_identity(cfg);
	int rc;

	if (!c)
		return EX_TEMPFAIL;
	if (strcmp(argv[1], "show") == 0)
		rc = show(c);
	else if (strcmp(argv[1], "export") == 0)
		rc = export(c, argv[2]);
	else if (strcmp(argv[1], "import-backup") == 0)
		rc = import_backup(c, argv[2]);
	else
		rc = import_smime(c, argv[2], argv[3]);
	crypto_close(c);
	return rc;
}

int cmd_keys(struct command_ctx *ctx, int argc, char **argv)
{
	int rc = command_options(
		ctx,
		"The robot's own keys. show: the OpenPGP and S/MIME fingerprints (the keys are "
		"made on first use); export: DIR/pocbot.asc (OpenPGP public key) and "
		"DIR/pocbot.pem (certificate); import-smime: a CA-issued certificate (PEM, with "
		"its chain) and its PEM key become the robot's S/MIME identity; import-backup: a "
		"backup key's OpenPGP public key, for [backup] encrypt_to; rollover: new keys, "
		"the old still decrypting for [keys] overlap, every signer told.",
		NULL, &argc, &argv);

	if (rc)
		return rc;
	if (strcmp(argv[1], "rollover") == 0)
		return cmd_keys_rollover(ctx, argc, argv);	/* cmd-keys-rollover.c */
	if (strcmp(argv[1], "import-backup") == 0 &&
	    !g_file_test(argv[2], G_FILE_TEST_IS_REGULAR)) {
		fprintf(stderr, "pocbot keys import-backup: %s: no such file\n", argv[2]);
		return EX_NOINPUT;
	}
	if (strcmp(argv[1], "import-smime") == 0)
		for (int i = 2; i < 4; i++)
			if (!g_file_test(argv[i], G_FILE_TEST_IS_REGULAR)) {
				fprintf(stderr, "pocbot keys import-smime: %s: no such file\n",
					argv[i]);
				return EX_NOINPUT;
			}
	return run(ctx->cfg, argv);
}

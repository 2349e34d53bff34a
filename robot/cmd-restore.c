/* cmd-restore.c - "pocbot restore FILE": a backup archive restored into
 * an empty VAR (restore.c), decrypted with the custodian's own gpg
 * ($GNUPGHOME, else ~/.gnupg, where the backup key is). Prints the
 * manifest's signer and audit head, for the custodian to compare with
 * what was published. Input: the custodian's archive. Exits 65 when the
 * archive is refused, 73 when VAR is not empty, 66 when FILE is missing,
 * 75 when the system failed. */
#include <stdio.h>
#include <sysexits.h>
#include "commands.h"
#include "clock.h"
#include "restore.h"

static void report(const struct config *cfg, const struct restore_done *d)
{
	char t[CLOCK_TEXT_LEN], until[CLOCK_TEXT_LEN];

	printf("restored into %s: %u files\n", cfg->var, d->files);
	printf("manifest signed by  %s (the robot's OpenPGP key)\n", d->signer);
	printf("backup time         %s\n", clock_text(d->time, CLOCK_ISO, "?", t));
	printf("audit trail         %" G_GINT64_FORMAT " events, head %s (verified)\n",
	       d->audit_events, d->audit_head);
	printf("until %s, a signature created after the backup time is refused\n"
	       "(\"the directory was restored; please send again\")\n",
	       clock_text(d->time + cfg->trust_max_age, CLOCK_ISO, "?", until));
	printf("the configuration of the backup is in %s/pocbot.conf.archived\n", cfg->var);
}

int cmd_restore(struct command_ctx *ctx, int argc, char **argv)
{
	int rc = command_options(
		ctx,
		"Restores a backup archive into an empty VAR, decrypted with your own gpg "
		"($GNUPGHOME, else ~/.gnupg). Every checksum, the manifest's signature and the "
		"audit chain are checked first.",
		NULL, &argc, &argv);
	struct restore_done done;
	char *err = NULL;

	if (rc)
		return rc;
	if (!g_file_test(argv[1], G_FILE_TEST_IS_REGULAR)) {
		fprintf(stderr, "pocbot restore: %s: no such file\n", argv[1]);
		return EX_NOINPUT;
	}
	rc = restore_run(ctx->cfg, argv[1], clock_now(ctx->cfg), &done, &err);
	if (rc == 0)
		report(ctx->cfg, &done);
	else
		fprintf(stderr, "pocbot restore: %s%s\n", err,
			rc == -1 ? " (refused: nothing was restored)" : "");
	g_free(err);
	return rc == 0 ? 0 : rc == -1 ? EX_DATAERR : rc == -2 ? EX_CANTCREAT : EX_TEMPFAIL;
}

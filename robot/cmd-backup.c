/* cmd-backup.c - "pocbot backup [FILE]": an encrypted archive of the robot
 * (backup.c), safe while the daemon runs; without FILE, into [backup] dir
 * under the time's name, the oldest beyond [backup] keep removed. Input:
 * the custodian's path. Exits 78 when [backup] encrypt_to is not set or
 * not usable, 73 when FILE exists or cannot be made, 75 when GnuPG or the
 * database failed (a retry can help). */
#include <stdio.h>
#include <sysexits.h>
#include "commands.h"
#include "backup.h"
#include "clock.h"
#include "crypto.h"

static int write_it(struct command_ctx *ctx, struct crypto *c, const char *file)
{
	gint64 now = clock_now(ctx->cfg);
	char *path = file ? g_canonicalize_filename(file, NULL) : backup_timed_path(ctx->cfg, now);
	char *err = NULL, t[CLOCK_TEXT_LEN];
	struct backup_done done;
	int rc = backup_write(ctx->cfg, ctx->db, c, path, now, &done, &err);

	if (rc == 0) {
		printf("wrote %s (%" G_GINT64_FORMAT " bytes, %u files, %" G_GINT64_FORMAT
		       " audit events, backup time %s)\ncopy it off this host; restoring it "
		       "needs a backup key's secret key\n", path, done.bytes, done.files,
		       done.audit_events, clock_text(now, CLOCK_ISO, "?", t));
		if (!file)
			backup_prune(ctx->cfg);
	} else {
		fprintf(stderr, "pocbot backup: %s\n", err);
	}
	g_free(err);
	g_free(path);
	return rc == 0 ? 0 : rc == -2 ? EX_CONFIG : EX_TEMPFAIL;
}

int cmd_backup(struct command_ctx *ctx, int argc, char **argv)
{
	int rc = command_options(
		ctx,
		"Writes an encrypted archive of the robot (spool, database snapshot, queued "
		"outbox files, keys, configuration, with a signed manifest) to FILE, or to "
		"[backup] dir; safe while the daemon runs.",
		NULL, &argc, &argv);
	char *home, *err = NULL;
	struct crypto *c;

	if (rc)
		return rc;
	if (argc > 1 && g_file_test(argv[1], G_FILE_TEST_EXISTS)) {
		fprintf(stderr, "pocbot backup: %s exists already\n", argv[1]);
		return EX_CANTCREAT;
	}
	home = config_var_path(ctx->cfg, "gnupg");
	c = crypto_open(home, &err);
	g_free(home);
	if (!c) {
		fprintf(stderr, "pocbot backup: %s\n", err);
		g_free(err);
		return EX_TEMPFAIL;
	}
	rc = write_it(ctx, c, argc > 1 ? argv[1] : NULL);
	crypto_close(c);
	return rc;
}

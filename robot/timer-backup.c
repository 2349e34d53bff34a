/* timer-backup.c - the daemon's backups: every [backup] every (on the
 * clock's time, after the last archive the backups table records) an
 * archive is written to [backup] dir under the time's name (backup.c) and
 * the oldest beyond [backup] keep are removed. Off when every is 0 or no
 * [backup] encrypt_to is set (pocbot status says so). A failed backup is
 * logged and tried again an hour later (VAR/backup-failed holds its time).
 * Input: the robot's own files; nothing from mail. */
#include <errno.h>
#include <string.h>
#include "timers.h"
#include "timers-internal.h"
#include "backup.h"
#include "backups.h"
#include "log.h"

#define BACKUP_RETRY 3600	/* seconds after a failed backup */
#define FAILED_FILE "backup-failed"

/* 1 when a backup failed less than BACKUP_RETRY ago. */
static int failed_recently(const struct config *cfg, gint64 now)
{
	char *path = config_var_path(cfg, FAILED_FILE), *text = NULL;
	gint64 at = 0;

	if (g_file_get_contents(path, &text, NULL, NULL))
		at = g_ascii_strtoll(text, NULL, 10);
	g_free(text);
	g_free(path);
	return at > 0 && at + BACKUP_RETRY > now;
}

static void mark_failed(const struct config *cfg, gint64 now, const char *why)
{
	char *path = config_var_path(cfg, FAILED_FILE);
	char *line = g_strdup_printf("%" G_GINT64_FORMAT " %s\n", now, why);

	log_msg(LOG_ERR, "backup failed (tried again in an hour): %.300s", why);
	if (!g_file_set_contents(path, line, -1, NULL))
		log_msg(LOG_ERR, "cannot write %s: %s", path, g_strerror(errno));
	g_free(line);
	g_free(path);
}

int timer_backup_write(const struct mail_ctx *c)
{
	const struct config *cfg = c->cfg;
	struct backup_done done;
	gint64 last = 0;
	char *file = NULL, *path, *home, *err = NULL;
	struct crypto *local;
	int rc;

	if (cfg->backup_every <= 0 || !cfg->backup_encrypt_to)
		return 0;
	if ((rc = backups_last(c->db, &last, &file)) < 0)
		return -1;
	g_free(file);
	if ((rc == 1 && last + cfg->backup_every > c->now) || failed_recently(cfg, c->now))
		return 0;
	path = backup_timed_path(cfg, c->now);
	home = config_var_path(cfg, "gnupg");
	/* key export is no call of the crypto engine: the adapter in process,
	 * once a backup (the worker's engine waits meanwhile) */
	if (!(local = crypto_open(home, &err)))
		mark_failed(cfg, c->now, err);
	else if (backup_write(cfg, c->db, local, path, c->now, &done, &err) == 0) {
		log_msg(LOG_INFO, "backup written: %s (%" G_GINT64_FORMAT " bytes)", path,
			done.bytes);
		backup_prune(cfg);
	} else {
		mark_failed(cfg, c->now, err);
	}
	crypto_close(local);
	g_free(home);
	g_free(err);
	g_free(path);
	return 0;
}

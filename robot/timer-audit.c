/* timer-audit.c - the timers' daily audit verify: once a day (on the
 * clock's time) the audit trail's hash chain is walked (audit_verify) and
 * the result written to VAR/audit-verify, one line "AT intact|broken
 * TEXT", replaced durably; a broken trail is logged. pocbot status reads
 * that line (timers_audit_last) and never walks the chain itself. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "timers.h"
#include "timers-internal.h"
#include "audit.h"
#include "durable.h"
#include "log.h"

#define AUDIT_EVERY 86400	/* seconds between two verifications */
#define AUDIT_FILE "audit-verify"

int timers_audit_last(const struct config *cfg, gint64 *at, gboolean *intact, char **text)
{
	char *path = config_var_path(cfg, AUDIT_FILE), *data = NULL, **f = NULL;
	GError *err = NULL;
	int rc = 0;

	*text = NULL;
	if (!g_file_get_contents(path, &data, NULL, &err)) {
		rc = g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? 0 : -1;
		g_clear_error(&err);
	} else {
		f = g_strsplit(g_strchomp(data), " ", 3);
		rc = g_strv_length(f) == 3 && (*at = g_ascii_strtoll(f[0], NULL, 10)) > 0 ? 1 : -1;
	}
	if (rc == 1) {
		*intact = strcmp(f[1], "intact") == 0;
		*text = g_strdup(f[2]);
	}
	g_strfreev(f);
	g_free(data);
	g_free(path);
	return rc;
}

/* Writes line to VAR/audit-verify through a temporary file and a rename. 0 or -1. */
static int record(const struct config *cfg, const char *line)
{
	char *path = config_var_path(cfg, AUDIT_FILE);
	char *tmp = g_strconcat(path, ".tmp", NULL);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), rc = fd < 0 ? -1 : 0;

	if (rc == 0)
		rc = durable_write_all(fd, line, strlen(line));
	if (rc == 0)
		rc = fsync(fd);
	if (fd >= 0 && close(fd) < 0)
		rc = -1;
	if (rc == 0)
		rc = rename(tmp, path);
	if (rc == 0)
		rc = durable_sync_dir(cfg->var);
	if (rc < 0)
		log_msg(LOG_ERR, "cannot write %s: %s", path, g_strerror(errno));
	g_free(tmp);
	g_free(path);
	return rc;
}

int timer_audit_verify(const struct mail_ctx *c)
{
	gint64 at = 0, bad = 0, n;
	gboolean intact;
	char *text = NULL, *err = NULL, *line;
	int rc = timers_audit_last(c->cfg, &at, &intact, &text);

	g_free(text);
	if (rc == 1 && at + AUDIT_EVERY > c->now)
		return 0;
	n = audit_verify(c->db, &bad, &err);
	if (n < 0 && bad <= 0) {
		g_free(err);
		return -1;	/* the database failed: tried again at the next wake */
	}
	if (n < 0)
		g_strdelimit(err, "\r\n", ' ');
	if (n >= 0)
		line = g_strdup_printf("%" G_GINT64_FORMAT " intact %" G_GINT64_FORMAT
				       " events\n", c->now, n);
	else
		line = g_strdup_printf("%" G_GINT64_FORMAT " broken at event %" G_GINT64_FORMAT
				       ": %s\n", c->now, bad, err);
	if (n < 0)
		log_msg(LOG_ERR, "audit trail broken at event %" G_GINT64_FORMAT ": %s", bad, err);
	rc = record(c->cfg, line);
	g_free(line);
	g_free(err);
	return rc < 0 ? -1 : 0;
}

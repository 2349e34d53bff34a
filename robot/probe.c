/* probe.c - the robot's self-check (probe.h): one row per part of the
 * robot that processing writes, each tried without any message. Input:
 * the robot's own paths and connection; returns -1 with a cause that
 * names the part and the system's error. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "probe.h"
#include "db.h"
#include "maildir.h"
#include "spool.h"

/* "PATH: error" for the first of the database's files (those that exist)
 * and its folder that refuses writes, or NULL: SQLite's own message may
 * not say why ("disk I/O error"). */
static char *db_unwritable(const struct config *cfg)
{
	static const char *const names[] = { "pocbot.db", "pocbot.db-wal", "pocbot.db-shm", "" };
	char *found = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(names) && !found; i++) {
		char *path = *names[i] ? config_var_path(cfg, names[i]) : g_strdup(cfg->var);

		if (access(path, F_OK) == 0 && access(path, W_OK) < 0)
			found = g_strdup_printf("%s: %s", path, g_strerror(errno));
		g_free(path);
	}
	return found;
}

/* "WHAT: WHY (the file that refuses writes)". g_free it. */
static char *db_cause(const struct config *cfg, const char *what, const char *why)
{
	char *file = db_unwritable(cfg);
	char *cause;

	if (file && strstr(why, file))	/* said already */
		g_clear_pointer(&file, g_free);
	cause = g_strdup_printf("%s: %s%s%s%s", what, why, file ? " (" : "", file ? file : "",
				file ? ")" : "");

	g_free(file);
	return cause;
}

static int probe_db(const struct probe_target *t, char **cause)
{
	char *why = NULL;

	if (!t->db || db_probe(t->db, &why) == 0)
		return 0;
	*cause = db_cause(t->cfg, "the database cannot be written", why);
	g_free(why);
	return -1;
}

static int probe_spool(const struct probe_target *t, char **cause)
{
	return spool_probe(t->spool, cause);
}

static int probe_outbox(const struct probe_target *t, char **cause)
{
	char *dir;
	int rc = 0;

	if (t->cfg->smtp_relay)	/* a relay's failures are the sender's retries */
		return 0;
	dir = config_var_path(t->cfg, "outbox");
	if (maildir_probe(dir) < 0) {
		*cause = g_strdup_printf("the outbox %s cannot be written: %s", dir,
					 g_strerror(errno));
		rc = -1;
	}
	g_free(dir);
	return rc;
}

/* The crypto engine's canary (crypto_canary: the robot signs and verifies
 * a fixed text with both keys; the engine restarts gpgsm first when it
 * fails), when the thread has an adapter: a failure of crypto code
 * (VERDICT_ERROR, "the crypto engine failed"; a reply that cannot be
 * signed) is the robot's when the canary fails too, and the message's
 * when it passes. */
static int probe_crypto(const struct probe_target *t, char **cause)
{
	char *why = NULL;

	if (!t->crypto || crypto_canary(t->crypto, &why) == 0)
		return 0;
	*cause = g_strdup_printf("the crypto engine: %s", why ? why : "its canary failed");
	g_free(why);
	return -1;
}

/* The probes, in order. */
static int (*const probes[])(const struct probe_target *, char **) = {
	probe_db,
	probe_spool,
	probe_outbox,
	probe_crypto,
};

int probe_run(const struct probe_target *t, char **cause)
{
	*cause = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(probes); i++)
		if (probes[i](t, cause) < 0)
			return -1;
	return 0;
}

int probe_ready(struct fault *f, const struct config *cfg, const char *spool,
		struct crypto *crypto, sqlite3 **db)
{
	struct probe_target t = { cfg, *db, spool, crypto };
	char *path, *cause = NULL;

	if (fault_waiting(f))
		return 0;
	if (!*db) {
		path = config_var_path(cfg, "pocbot.db");
		t.db = *db = db_open(path, &cause);
		g_free(path);
		if (!*db) {
			char *e = cause;

			cause = db_cause(cfg, "cannot open the database", e);
			g_free(e);
		}
	}
	if (*db && (!fault_on(f) || probe_run(&t, &cause) == 0)) {
		if (crypto)	/* every probe ran */
			fault_clear(f);
		return 1;
	}
	fault_raise(f, cause);
	g_free(cause);
	return 0;
}

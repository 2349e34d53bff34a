/* status.c - the robot's figures for pocbot status, each from where it is
 * kept: the daemon's lock file (pidfile.c), the spool's folders (entry
 * names begin with the arrival time), the messages and outbox tables, the
 * timers' own rules for the next round and reminder (timers.h), the keys'
 * expiry and the robot's own keys' problems (key-identity.c) through the
 * crypto adapter, the last daily audit verify
 * (timer-audit.c's file: the chain is never walked here). And the
 * monitoring check's verdict on them, by the [status] thresholds. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "status.h"
#include "backups.h"
#include "clock.h"
#include "db.h"
#include "key-identity.h"
#include "key-warnings.h"
#include "messages.h"
#include "pidfile.h"
#include "pings.h"
#include "poc-keys.h"
#include "signers.h"
#include "spool.h"
#include "timers.h"

#define KEY_WINDOW_DEFAULT (30 * 86400)

static void failed(struct status *s, const char *what)
{
	if (!s->error)
		s->error = g_strdup(what);
}

/* How many entries a spool folder holds, and the oldest's arrival. */
static void spool_figures(const char *spool, enum spool_dir dir, guint *n, gint64 *oldest)
{
	GPtrArray *ids = spool_list(spool, dir);

	*n = ids->len;
	*oldest = ids->len ? g_ascii_strtoll(ids->pdata[0], NULL, 10) : 0;
	g_ptr_array_unref(ids);
}

/* Adds the key fpr to s->keys when it expires within the window. 0 or -1. */
static int key_check(struct status *s, struct crypto *c, enum crypto_protocol p,
		     const char *fpr, const char *who)
{
	struct status_key *k;
	gint64 expires = 0;
	int rc = crypto_key_expiry(c, p, fpr, &expires);

	if (rc <= 0 || expires > s->now + s->key_window)
		return rc < 0 ? -1 : 0;
	k = g_new0(struct status_key, 1);
	k->who = g_strdup(who);
	g_strlcpy(k->fpr, fpr, sizeof k->fpr);
	k->expires = expires;
	g_ptr_array_add(s->keys, k);
	return 0;
}

static void key_free(gpointer p)
{
	struct status_key *k = p;

	g_free(k->who);
	g_free(k);
}

/* The robot's keys and the enrolled signers' (not revoked). 0 or -1. */
static int keys_figures(struct status *s, sqlite3 *db, struct crypto *c)
{
	char pgp[CRYPTO_FPR_LEN] = "", smime[CRYPTO_FPR_LEN] = "";
	GPtrArray *signers = signers_list(db, NULL);
	int rc = signers && crypto_identity(c, pgp, smime) == 0 ? 0 : -1;

	s->keys = g_ptr_array_new_with_free_func(key_free);
	if (rc == 0 && key_check(s, c, CRYPTO_OPENPGP, pgp, "robot OpenPGP") < 0)
		rc = -1;
	if (rc == 0 && key_check(s, c, CRYPTO_SMIME, smime, "robot S/MIME") < 0)
		rc = -1;
	for (guint i = 0; rc == 0 && signers && i < signers->len; i++) {
		const struct signer *g = signers->pdata[i];
		char *who = g_strdup_printf("signer %s %s%s%s", *g->state ? g->state : "-",
					    signers_role_name(g->role), g->label ? " " : "",
					    g->label ? g->label : "");

		if (!g->revoked && key_check(s, c, g->protocol, g->fingerprint, who) < 0)
			rc = -1;
		if (rc == 0 && !g->revoked && *g->enc_fingerprint &&
		    strcmp(g->enc_fingerprint, g->fingerprint) != 0)
			rc = key_check(s, c, g->protocol, g->enc_fingerprint, who);
		g_free(who);
	}
	if (signers)
		g_ptr_array_unref(signers);
	if (rc < 0)
		g_clear_pointer(&s->keys, g_ptr_array_unref);
	return rc;
}

static void db_figures(struct status *s, sqlite3 *db, const struct config *cfg)
{
	char *path = config_var_path(cfg, "pocbot.db");
	struct stat st;
	gint64 round = 0;

	s->db_bytes = stat(path, &st) == 0 ? (gint64)st.st_size : -1;
	g_free(path);
	s->schema = db_user_version(db);
	if (messages_last_received(db, &s->last_received) < 0)
		failed(s, "the last message received");
	if (outbox_figures(db, &s->out) < 0)
		failed(s, "the outbox");
	if (pings_last_round_start(db, &round) < 0)
		failed(s, "the last ping round");
	s->last_round = round;
	if (timers_next_round(db, cfg, &s->next_round) < 0)
		failed(s, "the next ping round");
	if (timers_next_update(db, cfg, &s->next_update) < 0)
		failed(s, "the next update reminder");
	if ((s->backup = backups_last(db, &s->backup_at, &s->backup_file)) < 0)
		failed(s, "the last backup");
	s->backup_key = cfg->backup_encrypt_to != NULL;
	s->poc_keys = s->poc_keys_expiring = -1;
	if (poc_keys_count(db, s->now + KEY_WARN_FIRST + 1, &s->poc_keys,
			   &s->poc_keys_expiring) < 0) {
		s->poc_keys = s->poc_keys_expiring = -1;
		failed(s, "the POC keys");
	}
}

/* The keys from VAR/gnupg; none when it does not exist yet (the daemon
 * never ran: no robot key, no signer enrolled), not made here. */
static void keys_open(struct status *s, sqlite3 *db, const struct config *cfg)
{
	char *home = config_var_path(cfg, "gnupg"), *err = NULL;
	struct crypto *c = NULL;

	if (!g_file_test(home, G_FILE_TEST_IS_DIR))
		s->keys = g_ptr_array_new_with_free_func(key_free);
	else if (!(c = crypto_open(home, &err)) || keys_figures(s, db, c) < 0)
		failed(s, "the keys' expiry");
	s->robot_keys = g_ptr_array_new_with_free_func(g_free);
	if (c && key_identity_problems(c, cfg, s->now, s->robot_keys) < 0) {
		g_clear_pointer(&s->robot_keys, g_ptr_array_unref);
		failed(s, "the robot's keys");
	}
	crypto_close(c);
	g_free(err);
	g_free(home);
}

/* The running daemon's robot fault, from its state file (fault.c): the
 * start, a space, the cause. */
static void read_fault(struct status *s, const struct config *cfg)
{
	char *path = config_var_path(cfg, "fault"), *text = NULL, *end = NULL;

	if (g_file_get_contents(path, &text, NULL, NULL)) {
		s->fault_since = g_ascii_strtoll(text, &end, 10);
		s->fault = g_strdup(g_strstrip(end && *end == ' ' ? end + 1 : text));
	}
	g_free(text);
	g_free(path);
}

void status_gather(struct status *s, sqlite3 *db, const struct config *cfg)
{
	char *spool = config_var_path(cfg, "spool");

	memset(s, 0, sizeof *s);
	s->now = clock_now(cfg);
	s->key_window = cfg->status_key_expiry_warning > 0 ? cfg->status_key_expiry_warning
							   : KEY_WINDOW_DEFAULT;
	s->daemon = pidfile_read(cfg->var, &s->pid, &s->since);
	if (s->daemon < 0)
		failed(s, "the daemon's lock file");
	if (s->daemon == 1)
		read_fault(s, cfg);
	spool_figures(spool, SPOOL_NEW, &s->spool_new, &s->oldest_new);
	spool_figures(spool, SPOOL_QUARANTINE, &s->quarantine, &s->oldest_quarantine);
	g_free(spool);
	db_figures(s, db, cfg);
	keys_open(s, db, cfg);
	s->audit = timers_audit_last(cfg, &s->audit_at, &s->audit_intact, &s->audit_text);
	if (s->audit < 0)
		failed(s, "the last audit verify");
}

void status_clear(struct status *s)
{
	if (s->keys)
		g_ptr_array_unref(s->keys);
	if (s->robot_keys)
		g_ptr_array_unref(s->robot_keys);
	g_free(s->audit_text);
	g_free(s->backup_file);
	g_free(s->fault);
	g_free(s->error);
}

char *status_age(gint64 now, gint64 t)
{
	gint64 d = now >= t ? now - t : t - now;
	const char *pre = now >= t ? "" : "in ";

	if (d < 120)
		return g_strdup_printf("%s%" G_GINT64_FORMAT "s", pre, d);
	if (d < 2 * 3600)
		return g_strdup_printf("%s%" G_GINT64_FORMAT "m", pre, (d + 30) / 60);
	if (d < 2 * 86400)
		return g_strdup_printf("%s%" G_GINT64_FORMAT "h", pre, (d + 1800) / 3600);
	return g_strdup_printf("%s%" G_GINT64_FORMAT "d", pre, (d + 43200) / 86400);
}

/* Raises *level to at least to, adding what to the list. */
static void problem(int *level, GString *why, int to, char *what)
{
	if (to > *level)
		*level = to;
	g_string_append_printf(why, "%s%s", why->len ? "; " : "", what);
	g_free(what);
}

/* A count against its thresholds (0: off). */
static void count_rule(int *level, GString *why, gint64 n, int warn, int crit,
		       const char *what)
{
	if (crit > 0 && n >= crit)
		problem(level, why, 2, g_strdup_printf("%" G_GINT64_FORMAT " %s", n, what));
	else if (warn > 0 && n >= warn)
		problem(level, why, 1, g_strdup_printf("%" G_GINT64_FORMAT " %s", n, what));
}

static void keys_rule(const struct status *s, const struct config *cfg, int *level,
		      GString *why)
{
	for (guint i = 0; s->keys && i < s->keys->len; i++) {
		const struct status_key *k = s->keys->pdata[i];
		char *age = status_age(s->now, k->expires);

		if (k->expires <= s->now)
			problem(level, why, 2, g_strdup_printf("%s key %s expired %s ago", k->who,
							       k->fpr, age));
		else if (k->expires <= s->now + cfg->status_key_expiry_warning)
			problem(level, why, 1, g_strdup_printf("%s key %s expires %s", k->who,
							       k->fpr, age));
		g_free(age);
	}
}

static void audit_rule(const struct status *s, const struct config *cfg, int *level,
		       GString *why)
{
	if (s->audit == 1 && !s->audit_intact)
		problem(level, why, 2, g_strdup_printf("audit trail broken %s", s->audit_text));
	else if (cfg->status_audit_age > 0 && s->audit == 0)
		problem(level, why, 1, g_strdup("no daily audit verify yet"));
	else if (cfg->status_audit_age > 0 && s->audit == 1 &&
		 s->audit_at + cfg->status_audit_age < s->now)
		problem(level, why, 1, g_strdup("the last audit verify is old"));
}

int status_check(const struct status *s, const struct config *cfg, char **why)
{
	GString *w = g_string_new(NULL);
	int level = 0;

	if (s->daemon == 0)
		problem(&level, w, 2, g_strdup("daemon not running"));
	if (s->fault)
		problem(&level, w, 2, g_strdup_printf("robot fault: %s", s->fault));
	count_rule(&level, w, s->quarantine, cfg->status_quarantine_warning,
		   cfg->status_quarantine_critical, "quarantined");
	count_rule(&level, w, s->out.failed, cfg->status_failed_warning,
		   cfg->status_failed_critical, "outbox failed");
	if (cfg->status_deferred_age > 0 && s->out.deferred &&
	    s->out.oldest_deferred + cfg->status_deferred_age < s->now) {
		char *age = status_age(s->now, s->out.oldest_deferred);

		problem(&level, w, 1, g_strdup_printf("%" G_GINT64_FORMAT " outbox deferred, "
						      "the oldest %s", s->out.deferred, age));
		g_free(age);
	}
	keys_rule(s, cfg, &level, w);
	for (guint i = 0; s->robot_keys && i < s->robot_keys->len; i++)
		problem(&level, w, 1, g_strdup(s->robot_keys->pdata[i]));
	audit_rule(s, cfg, &level, w);
	if (s->error)
		problem(&level, w, level >= 2 ? level : 3,
			g_strdup_printf("cannot read %s", s->error));
	if (level == 0)
		g_string_printf(w, "daemon pid %ld, quarantine %u, outbox failed %" G_GINT64_FORMAT
				", deferred %" G_GINT64_FORMAT, (long)s->pid, s->quarantine,
				s->out.failed, s->out.deferred);
	*why = g_string_free(w, FALSE);
	return level;
}

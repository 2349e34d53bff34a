/* status.h - the robot's figures for pocbot status, gathered from VAR and
 * the database without walking the audit chain, and the monitoring
 * check's verdict on them ([status] thresholds). */
#ifndef POCBOT_STATUS_H
#define POCBOT_STATUS_H

#include <sys/types.h>
#include <sqlite3.h>
#include "config.h"
#include "crypto.h"
#include "outbox.h"

/* A key expiring within the window, or expired. */
struct status_key {
	char *who;			/* "robot OpenPGP", "signer FR authority LABEL" */
	char fpr[CRYPTO_FPR_LEN];
	gint64 expires;
};

struct status {
	gint64 now;
	int daemon;			/* 1 running, 0 not, -1 unknown */
	pid_t pid;
	gint64 since;
	gint64 last_received, last_round;	/* 0: none */
	guint spool_new, quarantine;
	gint64 oldest_new, oldest_quarantine;	/* 0: none */
	struct outbox_figures out;
	gint64 next_round, next_update;	/* 0: not scheduled */
	gint64 key_window;		/* the keys listed expire within this */
	GPtrArray *keys;	/* struct status_key *; NULL when unreadable */
	GPtrArray *robot_keys;	/* sentences: what is wrong with the robot's own keys
				 * (key-identity.h); NULL when unreadable */
	gint64 poc_keys;		/* POC keys on record (POCs not withdrawn), -1 unknown */
	gint64 poc_keys_expiring;	/* of them, expired or expiring within
					 * KEY_WARN_FIRST (30 days); not a --check rule */
	gint64 db_bytes;
	int schema;
	int audit;			/* 1 recorded, 0 none yet, -1 unreadable */
	gint64 audit_at;
	gboolean audit_intact;
	char *audit_text;
	int backup;			/* 1 one was written, 0 none yet, -1 unreadable */
	gint64 backup_at;		/* the last archive's backup time */
	char *backup_file;		/* and its path */
	gboolean backup_key;		/* [backup] encrypt_to is set */
	char *fault;			/* the running daemon's robot fault (VAR/fault), or NULL */
	gint64 fault_since;
	char *error;			/* the first figure that could not be read, or NULL */
};

/* Fills s; the figures it could not read are left empty and s->error
 * names the first. The keys are read from VAR/gnupg when it exists. */
void status_gather(struct status *s, sqlite3 *db, const struct config *cfg);
void status_clear(struct status *s);

/* The check's verdict: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the
 * Nagios plugin codes), with *why (g_free it) listing what is wrong, or
 * the figures when nothing is. */
int status_check(const struct status *s, const struct config *cfg, char **why);

/* An age as text, rounded: "42s", "5m", "3h", "2d"; "in 5d" for the
 * future. g_free it. */
char *status_age(gint64 now, gint64 t);

#endif

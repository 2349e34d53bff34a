/* config.h - the loaded configuration: the only state shared by every part. */
#ifndef POCBOT_CONFIG_H
#define POCBOT_CONFIG_H

#include <glib.h>
#include "crypto.h"

#define CONFIG_MAX_REMINDERS 8
#define CONFIG_MAX_UIDS 16
#define CONFIG_MAX_FPRS 8

struct config {
	char *file;		/* the file read, or NULL for the embedded defaults */
	char *domain;		/* [robot] domain */
	char *address;		/* [robot] address */
	char *custodian;	/* [robot] custodian, or NULL */
	enum crypto_protocol sign_default; /* [robot] sign_default: how mail to an address with
	                                      no key on record is signed (smime, openpgp) */
	char *user;		/* [robot] user: serve, started as root, runs as it; or NULL */
	char *var;		/* [paths] var, absolute */
	char *lmtp_listen;	/* [lmtp] listen: host:port or unix:/path (absolute) */
	int lmtp_max_connections;	/* [lmtp] max_connections: more closes the longest idle */
	guint32 lmtp_allow_uid[CONFIG_MAX_UIDS]; /* [lmtp] allow_uids: unix socket peers allowed */
	int lmtp_allow_uids;	/* how many of lmtp_allow_uid are set; 0: any */
	gint64 lmtp_mail_deadline;	/* [lmtp] mail_deadline: from connect to MAIL, seconds */
	gint64 lmtp_command_deadline;	/* [lmtp] command_deadline: for one command */
	gint64 lmtp_data_deadline;	/* [lmtp] data_deadline: for one whole DATA */
	char *smtp_relay;	/* [smtp] relay host:port, or NULL for the Maildir */
	gint64 message_bytes;	/* [limits] message_bytes */
	int help_per_day;	/* [limits] help_per_day */
	gint64 trust_max_age;	/* [trust] max_age: oldest signature accepted, seconds */
	gint64 trust_max_future; /* [trust] max_future: how far ahead a signature may be dated */
	gint64 ping_every; /* [ping] every: a round starts by itself this long after the last; 0:
	                      never */
	gint64 ping_remind[CONFIG_MAX_REMINDERS]; /* [ping] remind: "3d, 7d", after the ping was
	                                             sent */
	int ping_reminders;	/* how many of ping_remind are set */
	gint64 ping_deadline;	/* [ping] deadline: a ping unanswered this long is silent */
	gint64 update_every; /* [reminders] update_every: each State's records to its signers; 0:
	                        never */
	gint64 notices_coalesce; /* [notices] coalesce: notices of one kind to one signer
	                            about one State merged within this of the first; 0: never */
	int extracts_per_day;	/* [lookup] extracts_per_day, per State */
	/* [status]: pocbot status --check's thresholds; a count of 0 is off */
	int status_quarantine_warning;	/* quarantined messages for WARNING */
	int status_quarantine_critical;	/* ... for CRITICAL */
	int status_failed_warning;	/* outbox rows failed for WARNING */
	int status_failed_critical;	/* ... for CRITICAL */
	gint64 status_deferred_age;	/* a deferred row older than this: WARNING */
	gint64 status_key_expiry_warning;	/* a key expiring within this: WARNING */
	gint64 status_audit_age;	/* the last audit verify older than this: WARNING */
	gint64 keys_lifetime;	/* [keys] lifetime: of the keys the robot makes; 0: none */
	gint64 keys_overlap;	/* [keys] overlap: an old key still decrypts after a rollover */
	char *backup_encrypt_to;	/* [backup] encrypt_to: "FPR, FPR" upper case, or NULL */
	gint64 backup_every;	/* [backup] every: the daemon's backups; 0: never */
	int backup_keep;	/* [backup] keep: the daemon's archives kept in backup_dir */
	char *backup_dir;	/* [backup] dir, absolute, or NULL for VAR/backups */
	/* [retention]: how long what the robot no longer needs is kept, each at
	 * least its minimum (limits.h; signatures: max_age + max_future + 1d) */
	gint64 retention_messages;	/* processed spool files and messages rows */
	gint64 retention_signatures;	/* seen_signatures rows */
	gint64 retention_sent_bodies;	/* the bodies of sent outbox rows */
	gint64 retention_withdrawn;	/* a withdrawn POC's personal fields and audit details */
	char *clock_file;	/* [test] clock_file, absolute, or NULL */
	gboolean worker;	/* [test] worker: false leaves the spool unprocessed */
	gboolean syslog;	/* [log] syslog */
	gboolean foreground_log;	/* [log] stderr */
};

/* Fills cfg from file (NULL: $POCBOT_CONFIG, /etc/pocbot/pocbot.conf, else
 * the defaults). Returns 0, or -1 with *err naming the key at fault. */
int config_load(const char *file, struct config *cfg, char **err);

/* Fills cfg with the embedded defaults; base resolves relative paths. */
void config_defaults(struct config *cfg, const char *base);

/* The effective configuration as a GKeyFile text; g_free it. */
char *config_dump(const struct config *cfg);

/* A path under [paths] var; g_free it. */
char *config_var_path(const struct config *cfg, const char *name);

/* Fills dst with a copy of src that owns its own strings (config_clear it). */
void config_copy(struct config *dst, const struct config *src);

void config_clear(struct config *cfg);

#endif

/* outbox.h - mail the robot decided to send, queued in the deciding
 * transaction, and the sender that delivers it. */
#ifndef POCBOT_OUTBOX_H
#define POCBOT_OUTBOX_H

#include <sqlite3.h>
#include "config.h"
#include "crypto.h"

/* A file sent as an attachment: read (streamed) when the message is
 * composed, never held whole in memory. */
struct outbox_attachment {
	const char *filename;		/* as the recipient sees it: "directory.csv" */
	const char *content_type;	/* "text/csv; charset=utf-8; header=present" */
	const char *path;		/* the file holding its bytes */
};

/* A POC's key to encrypt to (the store's poc_keys row): the message is
 * signed in its protocol in the robot's home, then encrypted to it in the
 * POC home, VAR/poc-keys (crypto_poc_encrypt). */
struct outbox_poc_key {
	enum crypto_protocol protocol;
	const char *fingerprint;
	const char *data;		/* the armoured key, or PEM certificate and chain */
};

struct outbox_item {
	const char *purpose;		/* help, form, notice, ... */
	const char *to;			/* addr-spec */
	const char *subject;
	const char *body;
	const char *in_reply_to;	/* Message-ID answered, no brackets, or NULL */
	const char *references;		/* "<a> <b>" or NULL */
	enum crypto_protocol protocol;	/* how the robot signs it: the recipient signer's
					 * protocol; CRYPTO_NONE: [robot] sign_default */
	const char *const *encrypt_to;	/* fingerprints to encrypt to (NULL-terminated), or NULL */
	const char *reply_to;		/* Reply-To addr-spec, or NULL */
	const char *token;		/* the row's token (Message-ID pocbot.TOKEN@, Maildir
					 * name), or NULL: made from the seed */
	const char *verp;		/* token of the envelope sender bounces+VERP@ (and of the
					 * DSN ENVID), or NULL: the row's own token */
	gboolean dsn;			/* ask the relay for DSNs (NOTIFY=SUCCESS,FAILURE,DELAY) */
	gboolean asks_reply;		/* a ping: no Auto-Submitted field, so that out-of-office
					 * responders (RFC 3834) answer it too */
	const struct outbox_poc_key *poc_key;	/* encrypt to this POC key (a ping), or NULL;
						 * not with encrypt_to nor attachments */
	const struct outbox_attachment *attachments;	/* n_attachments of them, after the body */
	size_t n_attachments;
};

/* Composes the message, signs it (and encrypts it when the item says to)
 * with c, and inserts it, in the caller's transaction. A message with
 * attachments is composed, signed and encrypted from file to file
 * (VAR/outbox-data/TOKEN.eml, named by the row): memory stays bounded
 * whatever the attachments' size. seed makes its
 * token, hence its Message-ID, VERP sender and Maildir name,
 * deterministic. An item with a poc_key is signed in that key's protocol
 * and encrypted to it (no attachments, no encrypt_to: refused). message
 * is the messages row answered, or 0. 0 when
 * queued; 1 when the address has no ASCII form (a non-ASCII local part:
 * the robot's SMTP has no SMTPUTF8), nothing queued; 2 when the POC home
 * refuses the item's poc_key (crypto_poc_encrypt), nothing queued; -1 on
 * failure (also when the message cannot be composed, signed or encrypted
 * safely: the robot's own failure). Internationalised
 * domains are queued as A-labels. */
int outbox_queue(sqlite3 *db, const struct config *cfg, struct crypto *c, gint64 now,
		 gint64 message, const char *seed, const struct outbox_item *it);

/* How many answers to unauthenticated mail (help, form, refusal) went to
 * rcpt since since: the [limits] help_per_day count. -1 on error. */
int outbox_count_limited(sqlite3 *db, const char *rcpt, gint64 since);

/* How many rows of purpose went to rcpt (as queued: domains in A-labels)
 * since since. -1 on error. */
int outbox_count_purpose(sqlite3 *db, const char *rcpt, const char *purpose, gint64 since);

/* The envelope sender of the row whose token is token: 1 and *env_from
 * set (g_free it), 0 when there is no such row, -1 on error. */
int outbox_env_from(sqlite3 *db, const char *token, char **env_from);

/* The outbox's figures for pocbot status: rows queued (attempts 0),
 * deferred (queued, tried at least once) and failed, each with its oldest
 * row's creation (0 when none), and the last successful send (0: none). */
struct outbox_figures {
	gint64 queued, deferred, failed;
	gint64 oldest_queued, oldest_deferred, oldest_failed;
	gint64 last_sent;
};

/* Fills f. 0 or -1. */
int outbox_figures(sqlite3 *db, struct outbox_figures *f);

/* Delivers every due row once (SMTP relay, or the Maildir VAR/outbox).
 * The number of rows tried, or -1 with *failure (g_free it) when the
 * database failed or the Maildir outbox takes no message (that row's try
 * is not recorded): the sending stops there (the caller probes for a
 * robot fault). */
int outbox_send_due(sqlite3 *db, const struct config *cfg, char **failure);

/* Removes the files of VAR/outbox-data that no queued or failed row
 * names and that are over an hour old (left by a transaction that rolled
 * back, a crash while a message was being built, or a dropped row). The
 * number removed. */
int outbox_sweep(sqlite3 *db, const struct config *cfg);

/* ---- the custodian's view of the queue (pocbot outbox, the daily alert) ---- */

/* Which rows outbox_list gives. */
enum outbox_filter {
	OUTBOX_LIST_UNSENT,		/* queued (deferred or not yet tried) and failed */
	OUTBOX_LIST_FAILED,	/* given up */
	OUTBOX_LIST_DEFERRED,	/* queued, tried at least once */
	OUTBOX_LIST_STUCK,		/* failed since the last daily alert (or within a day), or
				 * deferred and created over a day ago */
};

/* One row as the custodian sees it: never its body. */
struct outbox_entry {
	gint64 id, created, attempts, next_try, done;
	char *token, *purpose, *state, *rcpt;
	char *last_error;	/* the last try's answer (an SMTP reply), or NULL */
	char *headers;		/* the message's header block as sent, or NULL (file gone) */
	char *subject;		/* decoded from headers, or NULL */
};

void outbox_entry_free(gpointer e);

/* The rows of filter (now for OUTBOX_LIST_STUCK), oldest first, as
 * outbox_entry (g_ptr_array_unref), or NULL on error. */
GPtrArray *outbox_list(sqlite3 *db, const struct config *cfg, enum outbox_filter filter,
		       gint64 now);

/* The row id: 1 and *out (outbox_entry_free it), 0 when none, -1 on error. */
int outbox_get(sqlite3 *db, const struct config *cfg, gint64 id, struct outbox_entry **out);

/* Makes row id (0: every row) due at now: a queued row is tried at the
 * sender's next pass, a failed one is queued again. The number of rows
 * changed, or -1. */
int outbox_retry(sqlite3 *db, gint64 id, gint64 now);

/* Cancels row id if queued or failed (never sent then). 1, 0 when there
 * is no such row still unsent, -1. */
int outbox_drop(sqlite3 *db, gint64 id, gint64 now);

/* When the daily outbox alert last ran (timer_runs 'outbox-alert'): 1
 * and *last, 0 never, -1. outbox_alert_mark records now. */
/* Retention ([retention] sent_bodies): the bodies of the rows sent before
 * before emptied (the row, its token and its times stay: a ping's token is
 * still matched). The number emptied, or -1. */
int outbox_prune_bodies(sqlite3 *db, gint64 before);

int outbox_alert_last(sqlite3 *db, gint64 *last);
int outbox_alert_mark(sqlite3 *db, gint64 now);

/* The files under VAR/outbox-data that queued rows name (a backup takes
 * them), in row order: g_ptr_array_unref it. NULL on a database error. */
GPtrArray *outbox_queued_files(sqlite3 *db);

#endif

/* outbox.c - queues the robot's mail and delivers it. Each row has a token
 * derived from what caused it (or given, for a ping), so its Message-ID and
 * Maildir name are the same on a re-send after a crash: a re-send replaces
 * instead of doubling. A message with attachments is built from file to
 * file in VAR/outbox-data and sent from there, never held whole in memory.
 * Delivery failures are recorded in the row (retry with backoff on
 * temporary ones, given up on permanent ones), never lost. The
 * custodian's view (pocbot outbox) reads rows and the header blocks of
 * their messages, never a body. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gmime/gmime.h>
#include "envelope.h"
#include "outbox.h"
#include "clock.h"
#include "durable.h"
#include "limits.h"
#include "log.h"
#include "mail.h"
#include "maildir.h"
#include "own-address.h"
#include "smtp.h"
#include "db.h"

/* 32 hex digits of SHA-256(seed). g_free it. */
static char *token_of(const char *seed)
{
	char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, seed, -1);

	hex[32] = '\0';
	return hex;
}

/* How it is signed: in its recipient's enrolled protocol, or, for an
 * address with no key on record, in [robot] sign_default. */
static enum crypto_protocol protocol_of(const struct config *cfg, const struct outbox_item *it)
{
	if (it->poc_key)
		return it->poc_key->protocol;	/* the POC's key's protocol */
	return it->protocol != CRYPTO_NONE ? it->protocol : cfg->sign_default;
}

/* The signed message out encrypted to the item's POC key in the POC home
 * (VAR/poc-keys); out is freed. NULL on failure, logged, *refused set when
 * the POC home refuses the key (else the robot failed). */
static char *poc_encrypted(const struct config *cfg, struct crypto *c,
			   const struct outbox_item *it, char *out, size_t *len, int *refused)
{
	char *home = config_var_path(cfg, "poc-keys"), *err = NULL,
	     *enc = crypto_poc_encrypt(c, home, it->poc_key->protocol, it->poc_key->fingerprint,
				       it->poc_key->data, out, *len, len, refused, &err);

	if (!enc)
		log_msg(*refused ? LOG_WARNING : LOG_ERR,
			"outbox: cannot encrypt the message to <%s> to its key %s (%s): %.200s",
			it->to, it->poc_key->fingerprint,
			*refused ? "refused by the POC home" : "the robot failed",
			err ? err : "?");
	g_free(err);
	g_free(home);
	g_free(out);
	return enc;
}

/* The composed message, signed by the robot (and encrypted when asked).
 * g_free it; NULL on failure, logged, *refused set when the POC home
 * refused the item's key. */
static char *signed_message(const struct config *cfg, struct crypto *c, const struct outmsg *o,
			    const struct outbox_item *it, size_t *len, int *refused)
{
	size_t plain_len = 0;
	char *plain = mail_compose(o, &plain_len), *out, *err = NULL;

	if (!plain)
		return NULL;
	out = crypto_protect(c, protocol_of(cfg, it), plain, plain_len, it->encrypt_to, len, &err);
	if (!out)
		log_msg(LOG_ERR, "outbox: cannot sign the message to <%s>: %.200s", it->to,
			err ? err : "?");
	else if (it->poc_key)
		out = poc_encrypted(cfg, c, it, out, len, refused);
	g_free(err);
	g_free(plain);
	return out;
}

static int queue_ascii(sqlite3 *db, const struct config *cfg, struct crypto *c, gint64 now,
		       gint64 message, const char *seed, const struct outbox_item *it);

#define OUTBOX_DATA "outbox-data"	/* under VAR: messages kept in files */
#define OUTBOX_SWEEP_AGE 3600		/* a file younger may belong to a transaction still open */

/* 1 when a given token can name a file and sit in a Message-ID and a
 * local part: [a-z0-9-], 1 to 60 characters. */
static int token_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 60)
		return 0;
	for (; *t; t++)
		if (!g_ascii_islower(*t) && !g_ascii_isdigit(*t) && *t != '-')
			return 0;
	return 1;
}

/* The message written to VAR/outbox-data/TOKEN.eml, signed (and maybe
 * encrypted) from file to file. 0, or -1 logged. */
static int signed_file(const struct config *cfg, struct crypto *c, const struct outmsg *o,
		       const struct outbox_item *it, const char *token)
{
	char *dir = config_var_path(cfg, OUTBOX_DATA);
	char *plain = g_strdup_printf("%s/%s.plain", dir, token),
	     *path = g_strdup_printf("%s/%s.eml", dir, token);
	char *err = NULL;
	int fd = -1, rc = -1;

	if (g_mkdir_with_parents(dir, 0700) < 0) {
		log_msg(LOG_ERR, "outbox: %s: %s", plain, g_strerror(errno));
		goto out;
	}
	if ((fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		log_msg(LOG_ERR, "outbox: %s: %s", plain, g_strerror(errno));
		goto out;
	}
	if (mail_compose_to_fd(o, fd) < 0) {
		log_msg(LOG_ERR,
			"outbox: cannot compose the message to <%s> (a field, or an attachment)",
			it->to);
		goto out;
	}
	if (crypto_protect_file(c, protocol_of(cfg, it), plain, path, it->encrypt_to, &err) < 0) {
		log_msg(LOG_ERR, "outbox: cannot sign the message to <%s>: %.200s", it->to,
			err ? err : "?");
		goto out;
	}
	rc = durable_sync_dir(dir);
out:
	if (fd >= 0)
		close(fd);
	unlink(plain);
	g_free(err);
	g_free(plain);
	g_free(path);
	g_free(dir);
	return rc;
}

int outbox_queue(sqlite3 *db, const struct config *cfg, struct crypto *c, gint64 now,
		 gint64 message, const char *seed, const struct outbox_item *it)
{
	char *to = envelope_address_ascii(it->to);	/* the robot's SMTP has no SMTPUTF8 */

	if (!to) {
		log_msg(LOG_WARNING,
			"outbox: cannot send to <%.200s>: no ASCII form of the address", it->to);
		return 1;
	}
	{
		struct outbox_item ascii = *it;
		int rc;

		ascii.to = to;
		rc = queue_ascii(db, cfg, c, now, message, seed, &ascii);
		g_free(to);
		return rc;
	}
}

/* outbox_queue for an item whose address is ASCII. */
static int queue_ascii(sqlite3 *db, const struct config *cfg, struct crypto *c, gint64 now,
		       gint64 message, const char *seed, const struct outbox_item *it)
{
	char *token = it->token ? g_strdup(it->token) : token_of(seed);
	const char *verp_token = it->verp ? it->verp : token;
	char *msgid = g_strdup_printf("pocbot.%s@%s", token, cfg->domain);
	char *verp = own_address_make(cfg, OWN_BOUNCES, verp_token);
	struct outpart *parts = g_new0(struct outpart, it->n_attachments + 1);
	struct outmsg o = {
		.from = cfg->address,
		.from_name = "POC Directory",
		.to = it->to,
		.subject = it->subject,
		.body = it->body,
		.message_id = msgid,
		.in_reply_to = it->in_reply_to,
		.references = it->references,
		.loop_id = cfg->domain,
		.date = now,
		.reply_to = it->reply_to,
		.asks_reply = it->asks_reply,
		.parts = parts,
		.n_parts = it->n_attachments,
	};
	size_t len = 0;
	char *text = NULL, *file = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1, refused = 0;

	for (size_t i = 0; i < it->n_attachments; i++)
		parts[i] = (struct outpart){ it->attachments[i].filename,
					     it->attachments[i].content_type,
					     it->attachments[i].path };
	if (!token_ok(token) || !token_ok(verp_token)) {
		log_msg(LOG_ERR, "outbox: a token is not [a-z0-9-]{1,60}: %.80s", token);
		goto out;
	}
	if (it->poc_key && (it->n_attachments || it->encrypt_to)) {
		log_msg(LOG_ERR, "outbox: a message to a POC key has no attachments nor other "
			"recipients' keys");
		goto out;
	}
	if (it->n_attachments) {
		if (signed_file(cfg, c, &o, it, token) < 0)
			goto out;
		file = g_strdup_printf("%s.eml", token);
	} else if (!(text = signed_message(cfg, c, &o, it, &len, &refused))) {
		rc = refused ? 2 : -1;
		goto out;
	}
	if (!(st = db_query(db, "INSERT INTO outbox"
				" (token, message, purpose, env_from, rcpt, body, created,"
				" next_try, body_file, dsn_envid)"
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", NULL)))
		goto out;
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	if (message > 0)
		sqlite3_bind_int64(st, 2, message);
	sqlite3_bind_text(st, 3, it->purpose, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, verp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, it->to, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, text ? text : "", (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, now);
	if (file)
		sqlite3_bind_text(st, 9, file, -1, SQLITE_STATIC);
	if (it->dsn)
		sqlite3_bind_text(st, 10, verp_token, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
out:
	db_done(st);
	g_free(text);
	g_free(file);
	g_free(parts);
	g_free(msgid);
	g_free(verp);
	g_free(token);
	return rc;
}

int outbox_count_limited(sqlite3 *db, const char *rcpt, gint64 since)
{
	sqlite3_stmt *st;
	int n = -1;

	if (!(st = db_query(db,
			    "SELECT count(*) FROM outbox WHERE rcpt = ? COLLATE NOCASE"
			    " AND purpose IN ('help', 'form', 'refusal') AND created > ?",
			    NULL)))
		return -1;
	sqlite3_bind_text(st, 1, rcpt, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	db_done(st);
	return n;
}

int outbox_count_purpose(sqlite3 *db, const char *rcpt, const char *purpose, gint64 since)
{
	sqlite3_stmt *st = db_query(db,
				    "SELECT count(*) FROM outbox WHERE rcpt = ?1 COLLATE NOCASE"
				    " AND purpose = ?2 AND created > ?3",
				    "tti", rcpt, purpose, since);
	int n = -1;

	if (st && db_step(st) == 1)
		n = sqlite3_column_int(st, 0);
	db_done(st);
	return n;
}

int outbox_env_from(sqlite3 *db, const char *token, char **env_from)
{
	sqlite3_stmt *st =
		db_query(db, "SELECT env_from FROM outbox WHERE token = ?1", "t", token);
	int rc;

	*env_from = NULL;
	if (!st)
		return -1;
	rc = db_step(st);
	if (rc == 1)
		*env_from = g_strdup((const char *)sqlite3_column_text(st, 0));
	db_done(st);
	return rc;
}

struct due {
	gint64 id, created, attempts;
	char *token, *from, *rcpt, *envid;
	char *body;		/* the row's body, or NULL when file names it */
	char *file;		/* under VAR/outbox-data, or NULL */
	size_t len;
};

static void due_free(gpointer p)
{
	struct due *d = p;

	g_free(d->token);
	g_free(d->from);
	g_free(d->rcpt);
	g_free(d->envid);
	g_free(d->body);
	g_free(d->file);
	g_free(d);
}

static GPtrArray *due_rows(sqlite3 *db, gint64 now)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(due_free);
	sqlite3_stmt *st;

	if (!(st = db_query(
		      db,
		      "SELECT id, token, env_from, rcpt, body, created, attempts, body_file,"
		      " dsn_envid FROM outbox"
		      " WHERE state = 'queued' AND next_try <= ? ORDER BY next_try, id LIMIT ?",
		      NULL))) {
		g_ptr_array_unref(rows);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, SEND_BATCH);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct due *d = g_new0(struct due, 1);

		d->id = sqlite3_column_int64(st, 0);
		d->token = g_strdup((const char *)sqlite3_column_text(st, 1));
		d->from = g_strdup((const char *)sqlite3_column_text(st, 2));
		d->rcpt = g_strdup((const char *)sqlite3_column_text(st, 3));
		d->file = g_strdup((const char *)sqlite3_column_text(st, 7));
		d->envid = g_strdup((const char *)sqlite3_column_text(st, 8));
		if (!d->file) {
			d->len = (size_t)sqlite3_column_bytes(st, 4);
			d->body = g_memdup2(sqlite3_column_blob(st, 4), d->len);
		}
		d->created = sqlite3_column_int64(st, 5);
		d->attempts = sqlite3_column_int64(st, 6);
		g_ptr_array_add(rows, d);
	}
	db_done(st);
	return rows;
}

/* The bytes of a due row: its body, or its file mapped. */
struct bytes {
	const char *data;
	size_t len;
	void *map;
};

/* 0, or -1 with *detail when the row's file cannot be read. */
static int bytes_open(const struct config *cfg, const struct due *d, struct bytes *b,
		      char **detail)
{
	char *path;
	struct stat sb = { 0 };
	int fd, rc = -1;

	*b = (struct bytes){ d->body, d->len, NULL };
	if (!d->file)
		return 0;
	path = g_build_filename(cfg->var, OUTBOX_DATA, d->file, NULL);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0 && fstat(fd, &sb) == 0 &&
	    sb.st_size > 0 &&
	    (b->map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) !=
		    MAP_FAILED) {
		b->data = b->map;
		b->len = (size_t)sb.st_size;
		rc = 0;
	} else {
		/* a file that is there but empty: errno says nothing then */
		int empty = fd >= 0 && S_ISREG(sb.st_mode) && sb.st_size == 0;

		b->map = NULL;
		*detail = g_strdup_printf("%s: %s", path, empty ? "empty" : g_strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	g_free(path);
	return rc;
}

static void bytes_close(struct bytes *b)
{
	if (b->map)
		munmap(b->map, b->len);
}

/* Hands one message over: to the relay, or into the Maildir. */
static enum send_status deliver(const struct config *cfg, const struct due *d, char **detail)
{
	struct bytes b;
	char *dir, *name;
	int rc;

	if (bytes_open(cfg, d, &b, detail) < 0)
		return SEND_PERMFAIL;	/* the file is gone: retrying cannot bring it back */
	if (cfg->smtp_relay) {
		enum send_status s = smtp_send(cfg->smtp_relay, cfg->domain, d->from, d->rcpt,
					       d->envid, b.data, b.len, detail);

		bytes_close(&b);
		return s;
	}
	dir = config_var_path(cfg, "outbox");
	name = g_strdup_printf("%" G_GINT64_FORMAT ".%s.pocbot", d->created, d->token);
	rc = maildir_deliver_unix(dir, name, b.data, b.len);
	*detail = rc < 0 ? g_strdup_printf("Maildir %s: %s", dir, g_strerror(errno))
			 : g_strdup("Maildir");
	bytes_close(&b);
	g_free(dir);
	g_free(name);
	return rc < 0 ? SEND_TEMPFAIL : SEND_OK;
}

/* A row's file, once it is sent. A failed row keeps it, for outbox show
 * and retry, until dropped (outbox_sweep). */
static void forget_file(const struct config *cfg, const struct due *d, enum send_status s)
{
	char *path;

	if (!d->file || s != SEND_OK)
		return;
	path = g_build_filename(cfg->var, OUTBOX_DATA, d->file, NULL);
	unlink(path);
	g_free(path);
}

/* The states of an outbox row (the CHECK of db/0001-init.sql). A row is
 * queued when inserted; only a queued row is tried (due_rows); a try
 * leaves it sent, failed (given up: permanent, or temporary for longer
 * than SEND_MAX_AGE) or queued for a retry. Sent and failed are final. */
enum outbox_state { OUTBOX_QUEUED, OUTBOX_SENT, OUTBOX_FAILED };

static const char *const state_names[] = { "queued", "sent", "failed" };
G_STATIC_ASSERT(G_N_ELEMENTS(state_names) == OUTBOX_FAILED + 1);

/* moves[from][to]: the transitions a try may make */
static const gboolean moves[][G_N_ELEMENTS(state_names)] = {
	[OUTBOX_QUEUED] = { [OUTBOX_QUEUED] = TRUE, [OUTBOX_SENT] = TRUE, [OUTBOX_FAILED] = TRUE },
	[OUTBOX_SENT] = { FALSE },
	[OUTBOX_FAILED] = { FALSE },
};
G_STATIC_ASSERT(G_N_ELEMENTS(moves) == G_N_ELEMENTS(state_names));

/* The state one try leaves a queued row in, by its send status. */
static const enum outbox_state after_try[] = {
	[SEND_OK] = OUTBOX_SENT, [SEND_TEMPFAIL] = OUTBOX_QUEUED, [SEND_PERMFAIL] = OUTBOX_FAILED,
};
G_STATIC_ASSERT(G_N_ELEMENTS(after_try) == SEND_PERMFAIL + 1);

/* Records the outcome of one try of a queued row. 0 or -1. */
static int record(sqlite3 *db, const struct due *d, enum send_status s, const char *detail,
		  gint64 now)
{
	gint64 wait = SEND_BACKOFF_FIRST << (d->attempts < 6 ? d->attempts : 6);
	enum outbox_state to;
	const char *state;
	sqlite3_stmt *st;
	int rc;

	g_assert((unsigned)s < G_N_ELEMENTS(after_try));
	to = after_try[s];
	if (to == OUTBOX_QUEUED && now - d->created > SEND_MAX_AGE)
		to = OUTBOX_FAILED;
	g_assert(moves[OUTBOX_QUEUED][to]);	/* due_rows reads queued rows only */
	state = state_names[to];
	if (!(st = db_query(db,
			    "UPDATE outbox SET state = ?, attempts = attempts + 1, next_try = ?,"
			    " done = CASE WHEN ? = 'queued' THEN NULL ELSE ? END, last_error = ?"
			    /* not a row cancelled meanwhile (its POC withdrawn) */
			    " WHERE id = ? AND state = 'queued'",
			    NULL)))
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now + MIN(wait, SEND_BACKOFF_MAX));
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if (s != SEND_OK)
		sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, d->id);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	db_done(st);
	/* when it failed, the caller says why, once (a robot fault) */
	if (rc == 0)
		log_msg(s == SEND_OK ? LOG_INFO : LOG_WARNING,
			"send %s to=<%s> status=%s (%.200s)", d->token, d->rcpt, state,
			detail ? detail : "");
	return rc;
}

/* 1 when the Maildir outbox takes messages (maildir_probe). */
static int maildir_usable(const struct config *cfg)
{
	char *dir = config_var_path(cfg, "outbox");
	int ok = maildir_probe(dir) == 0;

	g_free(dir);
	return ok;
}

/* One batch of at most SEND_BATCH due rows. The number tried, or -1 with
 * *failure when a row could not be recorded, or the Maildir outbox takes
 * no message (then the row is not counted a try): the rest of the batch
 * waits, as it would fail alike. */
static int send_batch(sqlite3 *db, const struct config *cfg, char **failure)
{
	GPtrArray *rows = due_rows(db, clock_now(cfg));
	int n;

	if (!rows) {
		*failure = db_error(db);
		return -1;
	}
	for (guint i = 0; i < rows->len && !*failure; i++) {
		struct due *d = rows->pdata[i];
		char *detail = NULL;
		enum send_status s = deliver(cfg, d, &detail);

		if (s == SEND_TEMPFAIL && !cfg->smtp_relay && !maildir_usable(cfg)) {
			/* the folder's fault, not the row's: no attempt recorded */
			*failure = detail;
			break;
		}
		if (record(db, d, s, detail, clock_now(cfg)) < 0) {
			char *why = db_error(db);

			*failure = g_strdup_printf("cannot record the send of %s: %s", d->token,
						   why);
			g_free(why);
		} else {
			forget_file(cfg, d, s);
		}
		g_free(detail);
	}
	n = *failure ? -1 : (int)rows->len;
	g_ptr_array_unref(rows);
	return n;
}

int outbox_send_due(sqlite3 *db, const struct config *cfg, char **failure)
{
	int n = 0, total = 0;

	*failure = NULL;
	/* batch after batch until one is not full (bounded): a burst is not
	 * left waiting for the next wake-up */
	for (int i = 0; i < 100 && (n = send_batch(db, cfg, failure)) == SEND_BATCH; i++)
		total += n;
	return n < 0 ? -1 : total + n;
}

/* 1 when a queued or failed row names file. */
static int file_wanted(sqlite3 *db, const char *file)
{
	sqlite3_stmt *st;
	int wanted = 1;	/* when in doubt, keep */

	if (!(st = db_query(db, "SELECT 1 FROM outbox WHERE body_file = ?"
			    " AND state IN ('queued', 'failed')",
			    NULL)))
		return 1;
	sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
	wanted = sqlite3_step(st) != SQLITE_DONE;
	db_done(st);
	return wanted;
}

int outbox_sweep(sqlite3 *db, const struct config *cfg)
{
	char *dir = config_var_path(cfg, OUTBOX_DATA);
	GDir *d = g_dir_open(dir, 0, NULL);
	time_t old = time(NULL) - OUTBOX_SWEEP_AGE;
	const char *name;
	int removed = 0;

	while (d && (name = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, name, NULL);
		struct stat sb;

		if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_mtime < old &&
		    !file_wanted(db, name) && unlink(path) == 0)
			removed++;
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	if (removed)
		log_msg(LOG_INFO, "outbox: removed %d file(s) no queued or failed message names",
			removed);
	g_free(dir);
	return removed;
}

/* One state's count and oldest row: 0 or -1. */
static int figure(sqlite3 *db, const char *where, gint64 *n, gint64 *oldest)
{
	sqlite3_stmt *st = db_query(db, where, NULL);
	int rc = st ? db_step(st) : -1;

	if (rc == 1) {
		*n = sqlite3_column_int64(st, 0);
		*oldest = sqlite3_column_int64(st, 1);
	}
	if (st)
		db_done(st);
	return rc == 1 ? 0 : -1;
}

int outbox_figures(sqlite3 *db, struct outbox_figures *f)
{
	memset(f, 0, sizeof *f);
	if (figure(db, "SELECT count(*), coalesce(min(created), 0) FROM outbox"
		       " WHERE state = 'queued' AND attempts = 0", &f->queued,
		   &f->oldest_queued) < 0 ||
	    figure(db, "SELECT count(*), coalesce(min(created), 0) FROM outbox"
		       " WHERE state = 'queued' AND attempts > 0", &f->deferred,
		   &f->oldest_deferred) < 0 ||
	    figure(db, "SELECT count(*), coalesce(min(created), 0) FROM outbox"
		       " WHERE state = 'failed'", &f->failed, &f->oldest_failed) < 0)
		return -1;
	return db_int64(db, &f->last_sent, "SELECT coalesce(max(done), 0) FROM outbox"
			" WHERE state = 'sent'", NULL) < 0 ? -1 : 0;
}

/* ---- the custodian's view of the queue ---- */

#define HEADER_MAX 65536	/* bytes of a stored message read for its header block */

void outbox_entry_free(gpointer p)
{
	struct outbox_entry *e = p;

	if (!e)
		return;
	g_free(e->token);
	g_free(e->purpose);
	g_free(e->state);
	g_free(e->rcpt);
	g_free(e->last_error);
	g_free(e->headers);
	g_free(e->subject);
	g_free(e);
}

/* The header block of a message's first len bytes (up to the blank
 * line), or NULL when there is none. */
static char *header_block(const char *data, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (data[i] == '\n' && data[i + 1] == '\n')
			return g_strndup(data, i + 1);
		if (data[i] == '\n' && i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n')
			return g_strndup(data, i + 1);
	}
	return NULL;
}

/* The header block of row's file VAR/outbox-data/file, or NULL. */
static char *file_headers(const struct config *cfg, const char *file)
{
	char *path = g_build_filename(cfg->var, OUTBOX_DATA, file, NULL), *h = NULL;
	char *buf = g_malloc(HEADER_MAX);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, HEADER_MAX) : -1;

	if (n > 0)
		h = header_block(buf, (size_t)n);
	if (fd >= 0)
		close(fd);
	g_free(buf);
	g_free(path);
	return h;
}

/* The Subject field of a header block, unfolded and decoded, or NULL. */
static char *subject_of(const char *headers)
{
	GString *s = NULL;
	char *out;

	for (const char *p = headers; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		if (s && (*p == ' ' || *p == '\t'))
			g_string_append_len(s, p, (gssize)n);
		else if (s)
			break;
		else if (g_ascii_strncasecmp(p, "Subject:", 8) == 0)
			s = g_string_new_len(p + 8, (gssize)n - 8);
		p = eol ? eol + 1 : p + n;
	}
	if (!s)
		return NULL;
	g_strdelimit(s->str, "\r\t", ' ');
	out = g_mime_utils_header_decode_text(NULL, g_strstrip(s->str));
	g_string_free(s, TRUE);
	return out;
}

#define ENTRY_COLUMNS "id, token, purpose, state, rcpt, created, attempts, next_try, done," \
		      " last_error, body, body_file FROM outbox"

static struct outbox_entry *entry_read(sqlite3_stmt *st, const struct config *cfg)
{
	struct outbox_entry *e = g_new0(struct outbox_entry, 1);
	const char *file = (const char *)sqlite3_column_text(st, 11);

	e->id = sqlite3_column_int64(st, 0);
	e->token = g_strdup((const char *)sqlite3_column_text(st, 1));
	e->purpose = g_strdup((const char *)sqlite3_column_text(st, 2));
	e->state = g_strdup((const char *)sqlite3_column_text(st, 3));
	e->rcpt = g_strdup((const char *)sqlite3_column_text(st, 4));
	e->created = sqlite3_column_int64(st, 5);
	e->attempts = sqlite3_column_int64(st, 6);
	e->next_try = sqlite3_column_int64(st, 7);
	e->done = sqlite3_column_int64(st, 8);
	e->last_error = g_strdup((const char *)sqlite3_column_text(st, 9));
	if (file)
		e->headers = file_headers(cfg, file);
	else
		e->headers = header_block(sqlite3_column_blob(st, 10),
					  (size_t)sqlite3_column_bytes(st, 10));
	e->subject = subject_of(e->headers);
	return e;
}

GPtrArray *outbox_list(sqlite3 *db, const struct config *cfg, enum outbox_filter filter,
		       gint64 now)
{
	sqlite3_stmt *st = db_query(
		db,
		"SELECT " ENTRY_COLUMNS " WHERE"
		" (?1 = 0 AND state IN ('queued', 'failed'))"
		" OR (?1 IN (1, 3) AND state = 'failed' AND (?1 = 1 OR done > coalesce("
		"  (SELECT last FROM timer_runs WHERE name = 'outbox-alert'), ?2 - 86400)))"
		" OR (?1 = 2 AND state = 'queued' AND attempts > 0)"
		" OR (?1 = 3 AND state = 'queued' AND attempts > 0 AND created <= ?2 - 86400)"
		" ORDER BY id",
		"ii", (gint64)filter, now);
	GPtrArray *rows = st ? g_ptr_array_new_with_free_func(outbox_entry_free) : NULL;
	int rc = 0;

	while (st && (rc = db_step(st)) == 1)
		g_ptr_array_add(rows, entry_read(st, cfg));
	db_done(st);
	if (rows && rc < 0)
		g_clear_pointer(&rows, g_ptr_array_unref);
	return rows;
}

int outbox_get(sqlite3 *db, const struct config *cfg, gint64 id, struct outbox_entry **out)
{
	sqlite3_stmt *st = db_query(db, "SELECT " ENTRY_COLUMNS " WHERE id = ?1", "i", id);
	int rc = st ? db_step(st) : -1;

	*out = rc == 1 ? entry_read(st, cfg) : NULL;
	db_done(st);
	return rc;
}

int outbox_retry(sqlite3 *db, gint64 id, gint64 now)
{
	if (db_run(db,
		   "UPDATE outbox SET state = 'queued', next_try = ?2, done = NULL"
		   " WHERE state IN ('queued', 'failed') AND (?1 = 0 OR id = ?1)",
		   "ii", id, now) < 0)
		return -1;
	return sqlite3_changes(db);
}

int outbox_drop(sqlite3 *db, gint64 id, gint64 now)
{
	if (db_run(db,
		   "UPDATE outbox SET state = 'cancelled', done = ?2"
		   " WHERE id = ?1 AND state IN ('queued', 'failed')",
		   "ii", id, now) < 0)
		return -1;
	return sqlite3_changes(db);
}

int outbox_alert_last(sqlite3 *db, gint64 *last)
{
	return db_int64(db, last, "SELECT last FROM timer_runs WHERE name = 'outbox-alert'", NULL);
}

int outbox_alert_mark(sqlite3 *db, gint64 now)
{
	return db_run(db, "INSERT OR REPLACE INTO timer_runs (name, last)"
			  " VALUES ('outbox-alert', ?1)", "i", now);
}

GPtrArray *outbox_queued_files(sqlite3 *db)
{
	sqlite3_stmt *st = db_query(db, "SELECT body_file FROM outbox WHERE state = 'queued'"
					" AND body_file IS NOT NULL ORDER BY id", NULL);

	return st ? db_texts(st) : NULL;
}

int outbox_prune_bodies(sqlite3 *db, gint64 before)
{
	if (db_run(db, "UPDATE outbox SET body = X'' WHERE state = 'sent' AND done < ?1"
		   " AND length(body) > 0", "i", before) < 0)
		return -1;
	return sqlite3_changes(db);
}

/* cmd-serve.c - the daemon: the LMTP server (every connection on the main
 * loop, commits on a small pool) streams each message into the spool and
 * wakes the worker; the worker drains the spool
 * into the database and wakes the sender; the sender delivers the outbox.
 * Each thread has its own database connection; intake never waits on
 * parsing, crypto or SMTP. SIGTERM/SIGINT stop it cleanly; SIGKILL loses
 * nothing, since nothing is acknowledged before it is on disk. SIGHUP
 * reads the configuration again and reopens the log (reload.c): each
 * thread takes the current configuration at the top of its loop and
 * drops it at the bottom, so a reload takes effect at the next pass; the
 * worker also starts a fresh crypto engine then, so that after "keys
 * rollover" (which sends SIGHUP) the robot signs with its new keys (the
 * engine keeps its signing key on its contexts).
 * VAR/pocbot.pid, locked, keeps a second daemon off the same VAR (75).
 * Under systemd (systemd.c) it serves the socket passed to it, if any, and
 * says READY=1 once LMTP listens and the database is migrated. Started as
 * root with [robot] user, it binds the listener first, then becomes that
 * user (privileges.c) before it makes VAR, so that all it writes is the
 * user's; as root without it, it warns and runs as root. */
#include <errno.h>
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>
#include <glib-unix.h>
#include "commands.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "fault.h"
#include "key-identity.h"
#include "limits.h"
#include "lmtp-server.h"
#include "log.h"
#include "outbox.h"
#include "pidfile.h"
#include "privileges.h"
#include "probe.h"
#include "reload.h"
#include "spool.h"
#include "systemd.h"
#include "templates.h"
#include "worker.h"

struct daemon {
	struct config *cfg;	/* the current configuration (reload.h); the pointer under lock */
	GPtrArray *lmtp_cfgs;	/* those the LMTP server was given: they live until it stops */
	struct lmtp_server *svc;
	struct templates *tpl;
	char *spool;
	char *gnupghome;	/* VAR/gnupg */
	struct fault *fault;	/* the robot's, shared by intake, worker and sender */
	GMutex lock;
	GCond wake;
	gboolean stop, work_due, send_due;
	guint reloads;		/* SIGHUPs taken: the worker's engine is started again */
};

/* Waits until flag is raised, stop is asked, or a second passes; lowers flag. */
static gboolean wait_for(struct daemon *d, gboolean *flag)
{
	gboolean stop;

	g_mutex_lock(&d->lock);
	if (!*flag && !d->stop)
		g_cond_wait_until(&d->wake, &d->lock, g_get_monotonic_time() + G_USEC_PER_SEC);
	*flag = FALSE;
	stop = d->stop;
	g_mutex_unlock(&d->lock);
	return !stop;
}

static void raise_flag(struct daemon *d, gboolean *flag)
{
	g_mutex_lock(&d->lock);
	*flag = TRUE;
	g_cond_broadcast(&d->wake);
	g_mutex_unlock(&d->lock);
}

/* The LMTP sink: a message written to spool/tmp as it arrives. */
struct intake {
	struct daemon *d;
	struct spool_txn *t;
	char *sender;
	guint rcpts;
	gint64 bytes;
};

/* Intake cannot keep a message safe (the MTA is told 451): a robot fault,
 * which the worker's probe ends when the spool takes files again. */
static void intake_failed(struct daemon *d, int err)
{
	char *cause = g_strdup_printf("the spool %s cannot store a message: %s", d->spool,
				      g_strerror(err));

	fault_raise(d->fault, cause);
	g_free(cause);
}

static void *intake_begin(void *data, const struct envelope *env)
{
	struct daemon *d = data;
	struct spool_txn *t = spool_begin(d->spool, env);
	struct intake *in;

	if (!t) {
		intake_failed(d, errno);
		return NULL;
	}
	in = g_new0(struct intake, 1);
	in->d = d;
	in->t = t;
	in->sender = g_strdup(env->sender);
	in->rcpts = env->recipients->len;
	return in;
}

static int intake_write(void *txn, const char *buf, size_t len)
{
	struct intake *in = txn;

	in->bytes += (gint64)len;
	if (spool_write(in->t, buf, len) == 0)
		return 0;
	intake_failed(in->d, errno);
	return -1;
}

static void intake_free(struct intake *in)
{
	g_free(in->sender);
	g_free(in);
}

/* Runs on the LMTP server's commit pool, not the main loop. */
static int intake_commit(void *txn)
{
	struct intake *in = txn;
	char *id = NULL;
	int rc = spool_commit(in->t, &id);

	if (rc < 0)
		intake_failed(in->d, errno);
	else
		log_msg(LOG_INFO, "%s: stored from=<%.200s> rcpts=%u size=%" G_GINT64_FORMAT, id,
		        in->sender, in->rcpts, in->bytes);
	if (rc == 0)
		raise_flag(in->d, &in->d->work_due);
	g_free(id);
	intake_free(in);
	return rc;
}

static void intake_abort(void *txn)
{
	struct intake *in = txn;

	spool_abort(in->t);
	intake_free(in);
}

/* The worker's crypto adapter, opened when it is not: 0, or -1 with the
 * robot fault raised. */
static int worker_crypto(struct daemon *d, struct worker *w)
{
	char *err = NULL, *cause;

	if (w->crypto || fault_waiting(d->fault))
		return w->crypto ? 0 : -1;
	if ((w->crypto = crypto_open_engine(d->gnupghome, &err)))
		return 0;
	cause = g_strdup_printf("the crypto engine: %s", err ? err : "cannot start");
	fault_raise(d->fault, cause);
	g_free(cause);
	g_free(err);
	return -1;
}

/* After a SIGHUP the worker's crypto engine is closed: the next pass
 * starts a fresh one, which chooses the robot's signing keys again. */
static void worker_reloaded(struct daemon *d, struct worker *w, guint *seen)
{
	guint now;

	g_mutex_lock(&d->lock);
	now = d->reloads;
	g_mutex_unlock(&d->lock);
	if (now == *seen)
		return;
	*seen = now;
	if (!w->crypto)
		return;
	crypto_close(w->crypto);
	w->crypto = NULL;
	log_msg(LOG_INFO, "reload: the crypto engine starts again (the robot's keys are "
		"chosen again)");
}

/* The database is opened by the worker itself (worker_ready): when it
 * cannot be, intake goes on filling the spool and the worker retries. */
static gpointer worker_thread(gpointer data)
{
	struct daemon *d = data;
	struct worker w = { NULL, d->tpl, NULL, NULL, d->spool, d->fault,
			    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) };
	gint64 timers_ran = 0;	/* monotonic, microseconds */
	guint reloads = 0;
	struct config *cfg;

	do {
		w.cfg = cfg = reload_take(&d->cfg, &d->lock);
		worker_reloaded(d, &w, &reloads);
		if (worker_crypto(d, &w) < 0) {
			reload_drop(cfg);
			continue;
		}
		if (worker_drain(&w) > 0)
			raise_flag(d, &d->send_due);
		/* the timers at most once a second: each of their steps is a
		 * transaction, too costly to run after every message */
		if (g_get_monotonic_time() - timers_ran >= G_USEC_PER_SEC) {
			timers_ran = g_get_monotonic_time();
			if (worker_timers(&w) > 0)
				raise_flag(d, &d->send_due);
		}
		reload_drop(cfg);
	} while (wait_for(d, &d->work_due));
	crypto_close(w.crypto);
	db_close(w.db);
	g_hash_table_unref(w.taken);
	return NULL;
}

/* A failure of the sender: a robot fault when the probe fails too, else
 * logged. */
static void sender_failed(struct daemon *d, const struct config *cfg, sqlite3 *db,
			  const char *failure)
{
	struct probe_target t = { cfg, db, d->spool, NULL };
	char *cause = NULL;

	if (probe_run(&t, &cause) < 0)
		fault_raise(d->fault, cause);
	else
		log_msg(LOG_ERR, "sender: %.200s", failure);
	g_free(cause);
}

static gpointer sender_thread(gpointer data)
{
	struct daemon *d = data;
	sqlite3 *db = NULL;
	gboolean swept = FALSE;
	char *failure = NULL;
	struct config *cfg;

	do {
		cfg = reload_take(&d->cfg, &d->lock);
		if (probe_ready(d->fault, cfg, d->spool, NULL, &db)) {
			if (!swept)
				outbox_sweep(db, cfg);
			swept = TRUE;
			if (outbox_send_due(db, cfg, &failure) < 0)
				sender_failed(d, cfg, db, failure);
			g_clear_pointer(&failure, g_free);
		}
		reload_drop(cfg);
	} while (wait_for(d, &d->send_due));
	db_close(db);
	return NULL;
}

static gboolean on_signal(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;	/* removed with the others once stopped */
}

/* The LMTP server's limits from cfg (allow_uid points into cfg). */
static struct lmtp_server_limits lmtp_limits(const struct config *cfg)
{
	return (struct lmtp_server_limits){ cfg->lmtp_max_connections, cfg->lmtp_allow_uid,
					    cfg->lmtp_allow_uids, cfg->lmtp_mail_deadline,
					    cfg->lmtp_command_deadline,
					    cfg->lmtp_data_deadline };
}

/* SIGHUP: the configuration read again, the log reopened; a broken file
 * changes nothing. The worker and the sender take the new configuration
 * at their next pass; the old one is freed when the last drops it. */
static gboolean on_hangup(gpointer data)
{
	struct daemon *d = data;
	struct config *old = d->cfg;	/* only this thread replaces it */
	struct config *next = reload_read(old);
	struct lmtp_server_limits lim;

	systemd_notify("RELOADING=1");
	if (!next) {
		systemd_notify("READY=1");
		return G_SOURCE_CONTINUE;
	}
	log_open(next);
	lim = lmtp_limits(next);
	if (d->svc)
		lmtp_server_set_limits(d->svc, next->message_bytes, &lim);
	g_ptr_array_add(d->lmtp_cfgs, g_atomic_rc_box_acquire(next));
	g_mutex_lock(&d->lock);
	d->cfg = next;
	d->reloads++;
	d->work_due = TRUE;
	g_cond_broadcast(&d->wake);
	g_mutex_unlock(&d->lock);
	reload_drop(old);
	log_msg(LOG_INFO, "reload: configuration read again from %s",
		next->file ? next->file : "the embedded defaults");
	systemd_notify("READY=1");
	return G_SOURCE_CONTINUE;
}

/* The robot's keys, made on first start. 0, or an exit code. */
static int ensure_identity(struct daemon *d)
{
	char *err = NULL;
	struct crypto *c = crypto_open(d->gnupghome, &err);
	int rc = 0;

	if (!c || crypto_identity_ensure(c, d->cfg->address, d->cfg->keys_lifetime, &err) < 0) {
		fprintf(stderr, "pocbot serve: the robot's keys: %s\n", err ? err : "?");
		rc = EX_TEMPFAIL;
	} else {
		key_identity_warn(c, d->cfg);
	}
	g_free(err);
	crypto_close(c);
	return rc;
}

/* Makes and migrates the database before the threads start. One newer
 * than this binary stops the daemon (no retry can help); one that cannot
 * be written now does not: intake keeps mail safe in the spool, and the
 * worker says why once and waits for it (a robot fault). */
static int prepare_db(struct daemon *d)
{
	char *path = config_var_path(d->cfg, "pocbot.db"), *err = NULL;
	sqlite3 *db = db_open(path, &err);
	int rc = 0;

	if (!db && db_too_new(path)) {
		fprintf(stderr, "pocbot serve: %s\n", err);
		rc = EX_UNAVAILABLE;
	}
	db_close(db);
	g_free(err);
	g_free(path);
	return rc;
}

/* Takes VAR/pocbot.pid (pidfile.c): one daemon per VAR. 0; 75 when another
 * daemon holds it (named; a retry helps once it stops), 73 when the file
 * cannot be written. */
static int hold_var(struct daemon *d)
{
	pid_t other = 0;
	int rc = pidfile_hold(d->cfg->var, clock_now(d->cfg), &other);

	if (rc == 1)
		fprintf(stderr, "pocbot serve: another daemon (pid %ld) runs on %s\n",
			(long)other, d->cfg->var);
	else if (rc < 0)
		fprintf(stderr, "pocbot serve: cannot lock %s/pocbot.pid: %s\n", d->cfg->var,
			g_strerror(errno));
	return rc == 1 ? EX_TEMPFAIL : rc < 0 ? EX_CANTCREAT : 0;
}

/* Creates VAR, the spool, the database and the robot's keys before
 * anything is accepted. */
static int prepare(struct daemon *d)
{
	int rc;

	d->spool = config_var_path(d->cfg, "spool");
	if (spool_init(d->spool) < 0) {
		fprintf(stderr, "pocbot serve: cannot create %s: %s\n", d->spool,
		        g_strerror(errno));
		return EX_CANTCREAT;
	}
	if ((rc = hold_var(d)))
		return rc;
	if ((rc = prepare_db(d)))
		return rc;
	d->gnupghome = config_var_path(d->cfg, "gnupg");
	return ensure_identity(d);
}

/* The listener: on the socket systemd passed, else on [lmtp] listen; *where
 * says which. NULL, said on stderr. */
static struct lmtp_server *listen_lmtp(const struct config *cfg, const struct lmtp_params *params,
				       const struct lmtp_server_limits *lim, const char **where)
{
	struct lmtp_server *svc = NULL;
	char *err = NULL;
	int fd = -1, passed = systemd_listen_fd(&fd, &err);

	*where = passed > 0 ? "the socket systemd passed" : cfg->lmtp_listen;
	if (passed > 0)
		svc = lmtp_server_adopt(fd, params, lim, &err);
	else if (passed == 0)
		svc = lmtp_server_start(cfg->lmtp_listen, params, lim, &err);
	if (!svc)
		fprintf(stderr, "pocbot serve: %s\n", err);
	g_free(err);
	return svc;
}

/* Started as root: TRUE when [robot] user is set (the daemon becomes it
 * once bound); without it, a warning. */
static gboolean root_with_user(const struct config *cfg)
{
	if (geteuid() != 0)
		return FALSE;
	if (cfg->user)
		return TRUE;
	log_msg(LOG_WARNING,
		"running as root: set [robot] user to the user the robot should run as");
	return FALSE;
}

/* Becomes [robot] user. 0, or 67 (no such user), 71. */
static int become_user(const struct config *cfg)
{
	gboolean unknown = FALSE;
	char *err = NULL;

	if (privileges_drop(cfg->user, &unknown, &err) == 0) {
		log_msg(LOG_INFO, "running as %s (uid %ld)", cfg->user, (long)getuid());
		return 0;
	}
	fprintf(stderr, "pocbot serve: %s\n", err);
	g_free(err);
	return unknown ? EX_NOUSER : EX_OSERR;
}

int cmd_serve(struct command_ctx *ctx, int argc, char **argv)
{
	struct config *cfg = ctx->cfg;
	struct daemon d = { .cfg = NULL };
	struct lmtp_params params;
	struct lmtp_server_limits lim;
	GMainLoop *loop = NULL;
	guint signals[3] = { 0 };
	struct lmtp_server *svc;
	GThread *worker = NULL, *sender;
	const char *where = NULL;
	char *status, *fault_file;
	gboolean drop;
	int rc;

	rc = command_options(ctx, "Runs the robot until SIGTERM or SIGINT.", NULL, &argc, &argv);
	if (rc)
		return rc;
	d.cfg = cfg = reload_share(ctx->cfg);
	d.lmtp_cfgs = g_ptr_array_new_with_free_func((GDestroyNotify)reload_drop);
	g_ptr_array_add(d.lmtp_cfgs, g_atomic_rc_box_acquire(cfg));
	/* the configuration is read only now: not for --help */
	params = (struct lmtp_params){ cfg->domain, cfg->message_bytes,
				       { intake_begin, intake_write, intake_commit, intake_abort,
					 &d },
				       TRUE };	/* commits run on the server's pool */
	lim = lmtp_limits(cfg);
	drop = root_with_user(cfg);
	if (!drop && (rc = prepare(&d)))
		goto out;
	d.tpl = templates_load();
	g_mutex_init(&d.lock);
	g_cond_init(&d.wake);
	/* before the listener opens: a SIGHUP from then on reloads, never kills */
	loop = g_main_loop_new(NULL, FALSE);
	signals[0] = g_unix_signal_add(SIGTERM, on_signal, loop);
	signals[1] = g_unix_signal_add(SIGINT, on_signal, loop);
	signals[2] = g_unix_signal_add(SIGHUP, on_hangup, &d);
	if (!(d.svc = svc = listen_lmtp(cfg, &params, &lim, &where))) {
		rc = EX_UNAVAILABLE;
		goto out;
	}
	if (drop && (rc = become_user(cfg)))
		goto out;
	if (drop && (rc = prepare(&d)))
		goto out;
	fault_file = config_var_path(d.cfg, "fault");	/* VAR is ours now */
	d.fault = fault_new(fault_file);
	g_free(fault_file);
	if (cfg->worker)
		worker = g_thread_new("worker", worker_thread, &d);
	else
		log_msg(LOG_WARNING, "[test] worker = false: the spool is not processed");
	sender = g_thread_new("sender", sender_thread, &d);
	log_msg(LOG_INFO, "serving LMTP on %s, var %s, outbound %s", where, cfg->var,
		cfg->smtp_relay ? cfg->smtp_relay : "Maildir var/outbox");
	status = g_strdup_printf("READY=1\nSTATUS=serving LMTP on %s", where);
	systemd_notify(status);
	g_free(status);
	g_main_loop_run(loop);
	systemd_notify("STOPPING=1");
	log_msg(LOG_INFO, "stopping");
	lmtp_server_stop(svc);
	d.svc = NULL;
	g_mutex_lock(&d.lock);
	d.stop = TRUE;
	g_cond_broadcast(&d.wake);
	g_mutex_unlock(&d.lock);
	if (worker)
		g_thread_join(worker);
	g_thread_join(sender);
out:
	if (d.svc)	/* bound, then stopped before serving: becoming the user, or prepare */
		lmtp_server_stop(d.svc);
	fault_free(d.fault);
	for (size_t i = 0; i < G_N_ELEMENTS(signals); i++)
		if (signals[i])
			g_source_remove(signals[i]);
	if (loop)
		g_main_loop_unref(loop);
	g_ptr_array_unref(d.lmtp_cfgs);
	reload_drop(d.cfg);
	templates_free(d.tpl);
	g_free(d.spool);
	g_free(d.gnupghome);
	return rc;
}

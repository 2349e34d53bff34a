/* lmtp-server.c - accepts MTA connections (TCP loopback or a unix socket)
 * and feeds what they send to an lmtp_session, all on the main loop: each
 * socket is non-blocking and watched by a GSource, so an idle connection
 * costs a socket and a small session, and a slow one holds no thread.
 * Input: bytes from any local client. Deadlines (to reach MAIL, for each
 * command, for one DATA) and max_connections (the longest idle is closed
 * first) keep slow or idle clients from starving the MTA; on a unix socket
 * allow_uids is checked with SO_PEERCRED. A failed read or write ends the
 * connection; the session never acknowledged what it did not store.
 * The durable part of storing a message (the sink's commit: fsyncs and a
 * rename) runs on a pool of LMTP_COMMIT_THREADS, so connections commit side
 * by side; the connection reads nothing until its result is back on the
 * main loop, which then answers 250 or 451 for each recipient. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gio/gunixsocketaddress.h>
#include "lmtp-server.h"
#include "limits.h"
#include "log.h"

struct lmtp_server {
	GSocketService *svc;
	struct lmtp_params params;
	struct lmtp_server_limits lim;
	gboolean unix_socket;
	GPtrArray *conns;	/* struct conn * */
	GSource *tick;		/* checks the deadlines every second */
	char *buf;		/* LMTP_READ_BUFFER: one read, whichever connection */
	GThreadPool *pool;	/* runs the sink's commits */
	guint commits;		/* commits on the pool or waiting for the main loop */
};

struct conn {
	struct lmtp_server *srv;
	GSocketConnection *sc;
	GSocket *sock;
	struct lmtp_session *s;
	GSource *in, *out;	/* watching for input, or for room to send */
	GString *pending;	/* replies not sent yet */
	gboolean closing;	/* close once pending is sent */
	gint64 connected, moved, data_started;	/* monotonic microseconds */
	guint64 progress;
	enum lmtp_phase phase;
	gboolean committing;	/* its message's commit is on the pool */
	gboolean gone;		/* closed while committing: freed when the commit is back */
};

/* A commit on the pool: rc is set there, then read on the main loop. */
struct commit_job {
	struct conn *c;
	void *txn;
	int rc;
};

static gboolean on_readable(GSocket *sock, GIOCondition cond, gpointer data);
static gboolean on_committed(gpointer data);
static gboolean on_writable(GSocket *sock, GIOCondition cond, gpointer data);

static void watch(struct conn *c, GSource **src, GIOCondition cond, GSocketSourceFunc fn)
{
	if (*src)
		return;
	*src = g_socket_create_source(c->sock, cond, NULL);
	g_source_set_callback(*src, (GSourceFunc)(void (*)(void))fn, c, NULL);
	g_source_attach(*src, NULL);
}

static void unwatch(GSource **src)
{
	if (!*src)
		return;
	g_source_destroy(*src);
	g_clear_pointer(src, g_source_unref);
}

/* Ends the connection; a message still arriving is aborted. One being
 * committed is finished unanswered (the MTA sends it again): c itself is
 * freed once its commit is back. */
static void conn_close(struct conn *c)
{
	unwatch(&c->in);
	unwatch(&c->out);
	g_ptr_array_remove_fast(c->srv->conns, c);
	g_io_stream_close(G_IO_STREAM(c->sc), NULL, NULL);
	g_object_unref(c->sc);
	lmtp_session_free(c->s);
	g_string_free(c->pending, TRUE);
	if (c->committing)
		c->gone = TRUE;
	else
		g_free(c);
}

/* Sends what is pending, without blocking. While the client does not take
 * its replies, nothing more is read from it, so replies cannot pile up.
 * FALSE when the connection was closed. */
static gboolean conn_flush(struct conn *c)
{
	while (c->pending->len > 0) {
		GError *err = NULL;
		gssize n = g_socket_send(c->sock, c->pending->str, c->pending->len, NULL, &err);

		if (n < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			g_error_free(err);
			break;
		}
		g_clear_error(&err);
		if (n <= 0) {
			conn_close(c);
			return FALSE;
		}
		g_string_erase(c->pending, 0, n);
	}
	if (c->pending->len > 0) {
		unwatch(&c->in);
		watch(c, &c->out, G_IO_OUT, on_writable);
		return TRUE;
	}
	unwatch(&c->out);
	if (c->committing)	/* nothing is read until the commit is back */
		return TRUE;
	if (c->closing) {
		conn_close(c);
		return FALSE;
	}
	watch(c, &c->in, G_IO_IN, on_readable);
	return TRUE;
}

/* Says why, and closes: a last reply the client may not even read. */
static void conn_refuse(struct conn *c, const char *reply)
{
	g_string_append(c->pending, reply);
	g_socket_send(c->sock, c->pending->str, c->pending->len, NULL, NULL);
	conn_close(c);
}

/* Notes what the session did with the last input, for the deadlines. */
static void conn_note(struct conn *c)
{
	enum lmtp_phase phase = lmtp_session_phase(c->s);
	guint64 progress = lmtp_session_progress(c->s);
	gint64 now = g_get_monotonic_time();

	if (progress != c->progress)
		c->moved = now;
	if (phase == LMTP_DATA && c->phase != LMTP_DATA)
		c->data_started = now;
	c->progress = progress;
	c->phase = phase;
}

/* On the pool: the durable part of storing the message. */
static void commit_run(gpointer data, gpointer user_data)
{
	struct commit_job *job = data;
	struct lmtp_server *srv = user_data;

	job->rc = srv->params.sink.commit(job->txn);
	g_idle_add(on_committed, job);
}

/* After input (open: what the session returned): a message to commit goes
 * to the pool, then what is pending is sent. FALSE when c was closed. */
static gboolean conn_input_done(struct conn *c, gboolean open)
{
	void *txn = lmtp_session_take_commit(c->s);

	if (!open)
		c->closing = TRUE;
	conn_note(c);
	if (txn) {
		struct commit_job *job = g_new0(struct commit_job, 1);

		job->c = c;
		job->txn = txn;
		c->committing = TRUE;
		c->srv->commits++;
		unwatch(&c->in);
		g_thread_pool_push(c->srv->pool, job, NULL);
	}
	return conn_flush(c);
}

/* Back on the main loop: the replies, then the input kept meanwhile. */
static gboolean on_committed(gpointer data)
{
	struct commit_job *job = data;
	struct conn *c = job->c;
	int rc = job->rc;

	g_free(job);
	c->srv->commits--;
	c->committing = FALSE;
	if (c->gone) {
		g_free(c);
		return G_SOURCE_REMOVE;
	}
	conn_input_done(c, lmtp_session_committed(c->s, rc, c->pending));
	return G_SOURCE_REMOVE;
}

static gboolean on_readable(GSocket *sock, GIOCondition cond, gpointer data)
{
	struct conn *c = data;
	GError *err = NULL;
	gssize n = g_socket_receive(sock, c->srv->buf, LMTP_READ_BUFFER, NULL, &err);

	(void)cond;
	if (n < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
		g_error_free(err);
		return G_SOURCE_CONTINUE;
	}
	g_clear_error(&err);
	if (n <= 0) {
		conn_close(c);
		return G_SOURCE_REMOVE;
	}
	/* conn_input_done may remove this very source (paused, or closed) */
	return conn_input_done(c, lmtp_session_input(c->s, c->srv->buf, (size_t)n, c->pending)) &&
	       c->in ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean on_writable(GSocket *sock, GIOCondition cond, gpointer data)
{
	struct conn *c = data;

	(void)sock;
	(void)cond;
	return conn_flush(c) && c->out ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* The deadline c has passed, or NULL. A commit is not the client's delay. */
static const char *conn_late(const struct conn *c, gint64 now)
{
	const struct lmtp_server_limits *lim = &c->srv->lim;

	if (c->committing)
		return NULL;
	if (c->phase == LMTP_DATA)
		return now - c->data_started > lim->data_deadline * G_USEC_PER_SEC ? "DATA" : NULL;
	if (c->phase == LMTP_BEFORE_MAIL &&
	    now - c->connected > lim->mail_deadline * G_USEC_PER_SEC)
		return "MAIL";
	return now - c->moved > lim->command_deadline * G_USEC_PER_SEC ? "command" : NULL;
}

static gboolean on_tick(gpointer data)
{
	struct lmtp_server *srv = data;
	gint64 now = g_get_monotonic_time();

	for (guint i = srv->conns->len; i-- > 0;) {
		struct conn *c = srv->conns->pdata[i];
		const char *late = conn_late(c, now);

		if (!late)
			continue;
		log_msg(LOG_INFO, "lmtp: a client missed its %s deadline: closed", late);
		conn_refuse(c, "421 4.4.2 Timeout, closing connection\r\n");
		i = MIN(i, srv->conns->len);
	}
	return G_SOURCE_CONTINUE;
}

/* Makes room for one more: the connection that moved longest ago goes. */
static void evict_idlest(struct lmtp_server *srv)
{
	struct conn *idlest = NULL;

	for (guint i = 0; i < srv->conns->len; i++) {
		struct conn *c = srv->conns->pdata[i];

		if (!idlest || c->moved < idlest->moved)
			idlest = c;
	}
	if (!idlest)
		return;
	log_msg(LOG_INFO, "lmtp: %d connections: the one idle longest is closed",
		srv->lim.max_connections);
	conn_refuse(idlest, "421 4.7.0 Too many connections, closing the one idle longest\r\n");
}

/* On a unix socket with allow_uids, whether the peer's uid is one of them. */
static gboolean peer_allowed(struct lmtp_server *srv, GSocket *sock)
{
	GCredentials *cred;
	uid_t uid;

	if (!srv->unix_socket || srv->lim.allow_uids == 0)
		return TRUE;
	if (!(cred = g_socket_get_credentials(sock, NULL)))
		return FALSE;
	uid = g_credentials_get_unix_user(cred, NULL);
	g_object_unref(cred);
	for (int i = 0; i < srv->lim.allow_uids; i++)
		if (srv->lim.allow_uid[i] == (guint32)uid)
			return TRUE;
	log_msg(LOG_WARNING, "lmtp: a client of uid %ld is not in [lmtp] allow_uids: refused",
	        (long)uid);
	return FALSE;
}

static gboolean on_incoming(GSocketService *svc, GSocketConnection *sc, GObject *source,
			    gpointer data)
{
	struct lmtp_server *srv = data;
	struct conn *c = g_new0(struct conn, 1);

	(void)svc;
	(void)source;
	c->srv = srv;
	c->sc = g_object_ref(sc);
	c->sock = g_socket_connection_get_socket(sc);
	g_socket_set_blocking(c->sock, FALSE);
	c->s = lmtp_session_new(&srv->params);
	c->pending = g_string_new(NULL);
	c->connected = c->moved = g_get_monotonic_time();
	c->phase = LMTP_BEFORE_MAIL;
	if (!peer_allowed(srv, c->sock)) {
		conn_refuse(c, "421 4.7.0 Not allowed to use this socket\r\n");
		return TRUE;
	}
	while ((int)srv->conns->len >= MAX(srv->lim.max_connections, 1))
		evict_idlest(srv);
	g_ptr_array_add(srv->conns, c);
	lmtp_session_greeting(c->s, c->pending);
	conn_flush(c);
	return TRUE;
}

/* Whether a server answers on the unix socket path: a daemon started as
 * root binds before it takes VAR's pidfile, so a second one must not
 * remove the first one's socket. */
static gboolean unix_socket_live(const char *path)
{
	GSocketClient *client = g_socket_client_new();
	GSocketAddress *sa = g_unix_socket_address_new(path);
	GSocketConnection *sc = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(sa), NULL,
							NULL);
	gboolean live = sc != NULL;

	if (sc)
		g_io_stream_close(G_IO_STREAM(sc), NULL, NULL);
	g_clear_object(&sc);
	g_object_unref(sa);
	g_object_unref(client);
	return live;
}

static GSocketAddress *listen_address(const char *listen, char **err)
{
	const char *colon;
	char *host;
	GInetAddress *ia;
	GSocketAddress *sa;

	if (g_str_has_prefix(listen, "unix:")) {
		if (unix_socket_live(listen + 5)) {
			*err = g_strdup_printf("%s: a server listens on it already", listen + 5);
			return NULL;
		}
		if (unlink(listen + 5) < 0 && errno != ENOENT) {
			*err = g_strdup_printf("%s: %s", listen + 5, g_strerror(errno));
			return NULL;
		}
		return g_unix_socket_address_new(listen + 5);
	}
	colon = strrchr(listen, ':');
	host = g_strndup(listen, (gsize)(colon - listen));
	if (host[0] == '[' && g_str_has_suffix(host, "]")) {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	ia = g_inet_address_new_from_string(host);
	g_free(host);
	if (!ia) {
		*err = g_strdup_printf("[lmtp] listen: %s is not a numeric address", listen);
		return NULL;
	}
	sa = g_inet_socket_address_new(ia, (guint16)atoi(colon + 1));
	g_object_unref(ia);
	return sa;
}

/* A server not yet listening: its socket added by the caller. */
static struct lmtp_server *server_new(const struct lmtp_params *params,
				      const struct lmtp_server_limits *lim, gboolean unix_socket)
{
	struct lmtp_server *srv = g_new0(struct lmtp_server, 1);

	srv->params = *params;
	srv->lim = *lim;
	srv->unix_socket = unix_socket;
	srv->conns = g_ptr_array_new();
	srv->params.defer_commit = TRUE;
	srv->buf = g_malloc(LMTP_READ_BUFFER);
	srv->pool = g_thread_pool_new(commit_run, srv, LMTP_COMMIT_THREADS, FALSE, NULL);
	srv->svc = g_socket_service_new();
	return srv;
}

/* Its socket added: connections served once the main loop runs. */
static struct lmtp_server *server_run(struct lmtp_server *srv)
{
	g_signal_connect(srv->svc, "incoming", G_CALLBACK(on_incoming), srv);
	srv->tick = g_timeout_source_new_seconds(1);
	g_source_set_callback(srv->tick, on_tick, srv, NULL);
	g_source_attach(srv->tick, NULL);
	g_socket_service_start(srv->svc);
	return srv;
}

static char *uids_need_unix(void)
{
	return g_strdup("[lmtp] allow_uids needs a unix socket:"
			" on TCP every local user can connect");
}

struct lmtp_server *lmtp_server_start(const char *listen, const struct lmtp_params *params,
				      const struct lmtp_server_limits *lim, char **err)
{
	struct lmtp_server *srv;
	GSocketAddress *sa;
	GError *gerr = NULL;

	if (lim->allow_uids > 0 && !g_str_has_prefix(listen, "unix:")) {
		*err = uids_need_unix();
		return NULL;
	}
	if (!(sa = listen_address(listen, err)))
		return NULL;
	srv = server_new(params, lim, g_str_has_prefix(listen, "unix:"));
	g_socket_listener_set_backlog(G_SOCKET_LISTENER(srv->svc), 128);
	if (!g_socket_listener_add_address(G_SOCKET_LISTENER(srv->svc), sa, G_SOCKET_TYPE_STREAM,
					   G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &gerr)) {
		*err = g_strdup_printf("[lmtp] listen %s: %s", listen, gerr->message);
		g_error_free(gerr);
		g_object_unref(sa);
		lmtp_server_stop(srv);
		return NULL;
	}
	g_object_unref(sa);
	return server_run(srv);
}

struct lmtp_server *lmtp_server_adopt(int fd, const struct lmtp_params *params,
				      const struct lmtp_server_limits *lim, char **err)
{
	struct lmtp_server *srv;
	GError *gerr = NULL;
	GSocket *sock = g_socket_new_from_fd(fd, &gerr);
	gboolean unix_socket;

	if (!sock) {
		*err = g_strdup_printf("the socket systemd passed: %s", gerr->message);
		g_error_free(gerr);
		return NULL;
	}
	unix_socket = g_socket_get_family(sock) == G_SOCKET_FAMILY_UNIX;
	if (lim->allow_uids > 0 && !unix_socket) {
		*err = uids_need_unix();
		g_object_unref(sock);
		return NULL;
	}
	srv = server_new(params, lim, unix_socket);
	if (!g_socket_listener_add_socket(G_SOCKET_LISTENER(srv->svc), sock, NULL, &gerr)) {
		*err = g_strdup_printf("the socket systemd passed: %s", gerr->message);
		g_error_free(gerr);
		g_object_unref(sock);
		lmtp_server_stop(srv);
		return NULL;
	}
	g_object_unref(sock);
	return server_run(srv);
}

void lmtp_server_set_limits(struct lmtp_server *srv, gint64 max_bytes,
			    const struct lmtp_server_limits *lim)
{
	srv->params.max_bytes = max_bytes;
	srv->lim = *lim;
}

void lmtp_server_stop(struct lmtp_server *srv)
{
	g_socket_service_stop(srv->svc);
	g_socket_listener_close(G_SOCKET_LISTENER(srv->svc));
	while (srv->conns->len > 0)
		conn_close(srv->conns->pdata[0]);
	while (srv->commits > 0)	/* each frees its connection on the main loop */
		g_main_context_iteration(NULL, TRUE);
	g_thread_pool_free(srv->pool, FALSE, TRUE);
	unwatch(&srv->tick);
	g_object_unref(srv->svc);
	g_ptr_array_unref(srv->conns);
	g_free(srv->buf);
	g_free(srv);
}

/* lmtp-server.c - accepts MTA connections (TCP loopback or a unix socket)
 * and feeds their lines, bounded, to an lmtp_session. Input: bytes from any
 * local client. A failed read or write, or LMTP_IDLE_SECONDS of silence,
 * ends the connection; the session never acknowledged what it did not store. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gio/gunixsocketaddress.h>
#include "lmtp-server.h"
#include "limits.h"

struct lmtp_server {
	GSocketService *svc;
	struct lmtp_params params;
	GMutex lock;
	GCond idle;
	GPtrArray *conns;	/* GSocketConnection * being served */
	gboolean stopping;
};

struct reader {
	GString *line;
	gboolean too_long;
};

static gboolean send_out(GOutputStream *o, GString *out)
{
	gboolean ok = out->len == 0 || g_output_stream_write_all(o, out->str, out->len, NULL, NULL, NULL);

	g_string_truncate(out, 0);
	return ok;
}

/* Feeds the complete lines of buf[0..n) to the session. FALSE to close. */
static gboolean feed(struct lmtp_session *s, struct reader *r, const char *buf, gsize n, GString *out)
{
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		gsize take = nl ? (gsize)(nl - buf) : n;
		size_t limit = lmtp_session_line_limit(s);

		if (r->line->len + take > limit) {
			gsize room = r->line->len < limit ? limit - r->line->len : 0;
			g_string_append_len(r->line, buf, (gssize)room);
			r->too_long = TRUE;
		} else {
			g_string_append_len(r->line, buf, (gssize)take);
		}
		if (!nl)
			return TRUE;
		buf += take + 1;
		n -= take + 1;
		if (!lmtp_session_line(s, r->line->str, r->line->len, r->too_long, out))
			return FALSE;
		g_string_truncate(r->line, 0);
		r->too_long = FALSE;
	}
	return TRUE;
}

static void serve(GSocketConnection *conn, const struct lmtp_params *params);

/* Registers conn while it is served; FALSE when the server is stopping. */
static gboolean track(struct lmtp_server *srv, GSocketConnection *conn, gboolean add)
{
	gboolean go = TRUE;

	g_mutex_lock(&srv->lock);
	if (add && srv->stopping)
		go = FALSE;
	else if (add)
		g_ptr_array_add(srv->conns, conn);
	else {
		g_ptr_array_remove_fast(srv->conns, conn);
		g_cond_broadcast(&srv->idle);
	}
	g_mutex_unlock(&srv->lock);
	return go;
}

static gboolean serve_connection(GThreadedSocketService *svc, GSocketConnection *conn,
				 GObject *source, gpointer data)
{
	struct lmtp_server *srv = data;

	(void)svc;
	(void)source;
	if (!track(srv, conn, TRUE))
		return TRUE;
	serve(conn, &srv->params);
	track(srv, conn, FALSE);
	return TRUE;
}

/* One LMTP conversation, to its end. */
static void serve(GSocketConnection *conn, const struct lmtp_params *params)
{
	GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
	GOutputStream *o = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	struct lmtp_session *s = lmtp_session_new(params);
	struct reader r = { g_string_new(NULL), FALSE };
	GString *out = g_string_new(NULL);
	char *buf = g_malloc(64 * 1024);
	gboolean open = TRUE;

	g_socket_set_timeout(g_socket_connection_get_socket(conn), LMTP_IDLE_SECONDS);
	lmtp_session_greeting(s, out);
	open = send_out(o, out);
	while (open) {
		gssize n = g_input_stream_read(in, buf, 64 * 1024, NULL, NULL);

		if (n <= 0)
			break;
		open = feed(s, &r, buf, (gsize)n, out);
		if (!send_out(o, out))
			break;
	}
	g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
	g_free(buf);
	g_string_free(out, TRUE);
	g_string_free(r.line, TRUE);
	lmtp_session_free(s);
}

static GSocketAddress *listen_address(const char *listen, char **err)
{
	const char *colon;
	char *host;
	GInetAddress *ia;
	GSocketAddress *sa;

	if (g_str_has_prefix(listen, "unix:")) {
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

struct lmtp_server *lmtp_server_start(const char *listen, const struct lmtp_params *params, char **err)
{
	struct lmtp_server *srv;
	GSocketAddress *sa = listen_address(listen, err);
	GError *gerr = NULL;

	if (!sa)
		return NULL;
	srv = g_new0(struct lmtp_server, 1);
	srv->params = *params;
	g_mutex_init(&srv->lock);
	g_cond_init(&srv->idle);
	srv->conns = g_ptr_array_new();
	srv->svc = g_threaded_socket_service_new(LMTP_MAX_CLIENTS);
	if (!g_socket_listener_add_address(G_SOCKET_LISTENER(srv->svc), sa, G_SOCKET_TYPE_STREAM,
					   G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &gerr)) {
		*err = g_strdup_printf("[lmtp] listen %s: %s", listen, gerr->message);
		g_error_free(gerr);
		g_object_unref(sa);
		lmtp_server_stop(srv);
		return NULL;
	}
	g_object_unref(sa);
	g_signal_connect(srv->svc, "run", G_CALLBACK(serve_connection), srv);
	g_socket_service_start(srv->svc);
	return srv;
}

void lmtp_server_stop(struct lmtp_server *srv)
{
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

	g_socket_service_stop(srv->svc);
	g_socket_listener_close(G_SOCKET_LISTENER(srv->svc));
	g_mutex_lock(&srv->lock);
	srv->stopping = TRUE;
	for (guint i = 0; i < srv->conns->len; i++)
		g_socket_shutdown(g_socket_connection_get_socket(srv->conns->pdata[i]), TRUE, FALSE, NULL);
	while (srv->conns->len > 0 && g_cond_wait_until(&srv->idle, &srv->lock, deadline))
		;
	g_mutex_unlock(&srv->lock);
	g_object_unref(srv->svc);
	g_ptr_array_unref(srv->conns);
	g_mutex_clear(&srv->lock);
	g_cond_clear(&srv->idle);
	g_free(srv);
}

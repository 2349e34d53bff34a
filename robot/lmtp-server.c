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

static gboolean serve_connection(GThreadedSocketService *svc, GSocketConnection *conn,
				 GObject *source, gpointer data)
{
	const struct lmtp_params *params = data;
	GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
	GOutputStream *o = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	struct lmtp_session *s = lmtp_session_new(params);
	struct reader r = { g_string_new(NULL), FALSE };
	GString *out = g_string_new(NULL);
	char *buf = g_malloc(64 * 1024);
	gboolean open = TRUE;

	(void)svc;
	(void)source;
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
	return TRUE;
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

GSocketService *lmtp_server_start(const char *listen, const struct lmtp_params *params, char **err)
{
	GSocketService *svc;
	GSocketAddress *sa = listen_address(listen, err);
	GError *gerr = NULL;

	if (!sa)
		return NULL;
	svc = g_threaded_socket_service_new(LMTP_MAX_CLIENTS);
	if (!g_socket_listener_add_address(G_SOCKET_LISTENER(svc), sa, G_SOCKET_TYPE_STREAM,
					   G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &gerr)) {
		*err = g_strdup_printf("[lmtp] listen %s: %s", listen, gerr->message);
		g_error_free(gerr);
		g_object_unref(sa);
		g_object_unref(svc);
		return NULL;
	}
	g_object_unref(sa);
	g_signal_connect(svc, "run", G_CALLBACK(serve_connection), (gpointer)params);
	g_socket_service_start(svc);
	return svc;
}

void lmtp_server_stop(GSocketService *svc)
{
	g_socket_service_stop(svc);
	g_socket_listener_close(G_SOCKET_LISTENER(svc));
	g_object_unref(svc);
}

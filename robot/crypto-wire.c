/* crypto-wire.c - frames of fields between the daemon and its crypto
 * engine (crypto-wire.h). Input: bytes from the other end of a socketpair
 * the daemon made; a frame that does not parse, or is larger than
 * WIRE_MAX_FRAME, ends the conversation (EPROTO). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "crypto-wire.h"

GPtrArray *wire_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
}

void wire_add(GPtrArray *f, const void *data, size_t len)
{
	g_ptr_array_add(f, g_bytes_new(data, len));
}

void wire_add_str(GPtrArray *f, const char *s)
{
	wire_add(f, s ? s : "", s ? strlen(s) : 0);
}

void wire_add_int(GPtrArray *f, gint64 v)
{
	char buf[32];

	g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, v);
	wire_add_str(f, buf);
}

const char *wire_bytes(GPtrArray *f, guint i, size_t *len)
{
	gsize n = 0;
	const char *p;

	if (!f || i >= f->len) {
		*len = 0;
		return NULL;
	}
	p = g_bytes_get_data(f->pdata[i], &n);
	*len = n;
	return p ? p : "";
}

char *wire_str(GPtrArray *f, guint i)
{
	size_t n;
	const char *p = wire_bytes(f, i, &n);

	return p ? g_strndup(p, n) : NULL;
}

gint64 wire_int(GPtrArray *f, guint i)
{
	char *s = wire_str(f, i), *end = NULL;
	gint64 v = s ? g_ascii_strtoll(s, &end, 10) : 0;

	if (!s || end == s || *end)
		v = 0;
	g_free(s);
	return v;
}

static void put_u32(GByteArray *b, guint32 v)
{
	guint8 x[4] = { v >> 24, v >> 16, v >> 8, v };

	g_byte_array_append(b, x, 4);
}

static guint32 get_u32(const guint8 *p)
{
	return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

int wire_send(int fd, GPtrArray *f)
{
	GByteArray *b = g_byte_array_new();
	size_t done = 0;
	guint32 len;
	int rc = 0;

	put_u32(b, 0);	/* the frame's length, once known */
	for (guint i = 0; i < f->len; i++) {
		gsize n = 0;
		const void *p = g_bytes_get_data(f->pdata[i], &n);

		put_u32(b, (guint32)n);
		g_byte_array_append(b, p, (guint)n);
	}
	if (b->len - 4 > WIRE_MAX_FRAME) {
		errno = EMSGSIZE;
		g_byte_array_unref(b);
		return -1;
	}
	len = b->len - 4;
	memcpy(b->data, (guint8[4]){ len >> 24, len >> 16, len >> 8, len }, 4);
	while (done < b->len) {
		ssize_t n = send(fd, b->data + done, b->len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = -1;
			break;
		}
		done += (size_t)n;
	}
	g_byte_array_unref(b);
	return rc;
}

/* Reads len bytes into p before the monotonic deadline (microseconds; -1:
 * none). 0, or -1 with *why. */
static int read_full(int fd, guint8 *p, size_t len, gint64 deadline, int *why)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		gint64 left = deadline < 0 ? -1 : deadline - g_get_monotonic_time();
		int ready = poll(&pfd, 1, left < 0 ? -1 : (int)MIN(left / 1000 + 1, G_MAXINT));
		ssize_t n;

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0) {
			*why = errno;
			return -1;
		}
		if (ready == 0 || (deadline >= 0 && g_get_monotonic_time() > deadline)) {
			*why = ETIMEDOUT;
			return -1;
		}
		n = read(fd, p + got, len - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			*why = n == 0 ? (got ? EPROTO : 0) : errno;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

GPtrArray *wire_recv(int fd, int timeout_ms, int *why)
{
	gint64 deadline = timeout_ms < 0 ? -1
					 : g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	guint8 head[4], *body;
	GPtrArray *f;
	guint32 len;
	size_t at = 0;

	if (read_full(fd, head, 4, deadline, why) < 0)
		return NULL;
	len = get_u32(head);
	if (len > WIRE_MAX_FRAME) {
		*why = EPROTO;
		return NULL;
	}
	body = g_malloc(len ? len : 1);
	if (read_full(fd, body, len, deadline, why) < 0) {
		if (*why == 0)
			*why = EPROTO;	/* the stream ended inside a frame */
		g_free(body);
		return NULL;
	}
	f = wire_new();
	while (at < len) {
		guint32 n = len - at >= 4 ? get_u32(body + at) : 0;

		if (len - at < 4 || n > len - at - 4) {
			g_ptr_array_unref(f);
			g_free(body);
			*why = EPROTO;
			return NULL;
		}
		wire_add(f, body + at + 4, n);
		at += 4 + (size_t)n;
	}
	g_free(body);
	return f;
}

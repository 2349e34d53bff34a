/* lmtp-blast.c - an MTA-like LMTP client for the crash test and the
 * benchmark: sends COUNT messages to HOST:PORT over K connections, several
 * messages per connection, with plain sequential commands (LHLO once, then
 * MAIL, RCPT, DATA, the message, '.', each reply awaited; no PIPELINING).
 * Like an MTA it retries, after a short random pause and on a new
 * connection, every message not acknowledged with 250: connection refused
 * or reset, a 4xx, no reply within the time-out. A message keeps its
 * envelope and bytes on every try, so a robot that stored it but died before
 * its 250 gets exactly the same message again.
 *
 * Input: replies from the server under test, read bounded (MAX_REPLY_LINE).
 * Output: one line of key=value figures on stdout (bytes: the wire size of
 * all COUNT messages; rate: acknowledged messages per second). Exit 0 when
 * every message was acknowledged, 1 when not (time limit, or a 5xx: a
 * permanent refusal is not retried), 64 on a usage error. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>

#define MAX_REPLY_LINE	1024	/* a reply line longer than this is an error */
#define MAX_REPLY_LINES	100	/* lines of one multi-line reply */

struct options {
	int connections, per_connection, size, time_limit, pause_ms, reply_timeout;
	char *subject, *tag, *ids, *template, *from, *rcpt;
};

struct message {
	char *sender;		/* envelope sender */
	GString *wire;		/* CRLF, dot-stuffed, ending "\r\n.\r\n" */
	gboolean retried;	/* needed more than one try */
};

/* Shared by the sending threads; everything below lock is guarded by it. */
struct blast {
	const struct options *o;
	struct addrinfo *addr;
	struct message *msgs;
	int count;
	gint64 deadline;	/* monotonic microseconds */
	GMutex lock;
	GQueue todo;		/* of GINT_TO_POINTER(index) */
	int acked, rejected, in_flight;
	int retried, unknown, connects, connect_failures;
};

enum outcome { SENT, TEMPFAIL, PERMFAIL };

/* A connection with its buffered reader. */
struct conn {
	int fd;
	char buf[4096];
	size_t have, off;
};

/* ---- the messages */

/* s with every {{name}} of the pairs replaced. g_free it. */
static char *fill(const char *s, const char *const *pairs)
{
	GString *out = g_string_new(s);

	for (; pairs[0]; pairs += 2) {
		char *key = g_strdup_printf("{{%s}}", pairs[0]);
		g_string_replace(out, key, pairs[1], 0);
		g_free(key);
	}
	return g_string_free(out, FALSE);
}

/* The built-in message: headers of a person's plain mail, a short body,
 * padded with text lines to about size bytes. */
static char *default_text(const struct options *o, int size)
{
	GString *s = g_string_new(NULL);
	int line = 0;

	g_string_append_printf(s, "From: {{sender}}\nTo: {{rcpt}}\nSubject: %s\nDate: {{date}}\n"
			       "Message-ID: <{{msgid}}>\nMIME-Version: 1.0\n"
			       "Content-Type: text/plain; charset=us-ascii\n\n"
			       "Message {{n}} of run {{tag}}, sent by lmtp-blast.\n", o->subject);
	while ((int)s->len < size)
		g_string_append_printf(s, "%04d The quick brown fox jumps over the lazy dog, "
				       "then rests a while by the river.\n", ++line);
	return g_string_free(s, FALSE);
}

/* text (LF or CRLF lines) as DATA wants it: CRLF, dot-stuffed, ended by '.'. */
static GString *wire_form(const char *text)
{
	GString *w = g_string_sized_new(strlen(text) + 64);
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (*p == '.')
			g_string_append_c(w, '.');
		g_string_append_len(w, p, (gssize)n);
		g_string_append(w, "\r\n");
		p = nl ? nl + 1 : p + strlen(p);
	}
	g_string_append(w, ".\r\n");
	return w;
}

/* Today's date in RFC 5322 form, in the C locale's English names. */
static char *rfc5322_now(void)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	return g_strdup_printf("%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
			       months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Builds every message once: retries send these very bytes. 0 or -1. */
static int make_messages(struct blast *b)
{
	const struct options *o = b->o;
	char *tmpl = NULL, *date = rfc5322_now();
	FILE *ids = NULL;
	GError *err = NULL;

	if (o->template && !g_file_get_contents(o->template, &tmpl, NULL, &err)) {
		fprintf(stderr, "lmtp-blast: %s\n", err->message);
		g_error_free(err);
		g_free(date);
		return -1;
	}
	if (!tmpl)
		tmpl = default_text(o, o->size);
	if (o->ids && !(ids = fopen(o->ids, "w"))) {
		fprintf(stderr, "lmtp-blast: %s: %s\n", o->ids, g_strerror(errno));
		g_free(tmpl);
		g_free(date);
		return -1;
	}
	b->msgs = g_new0(struct message, (gsize)b->count);
	for (int i = 0; i < b->count; i++) {
		char *n = g_strdup_printf("%d", i + 1);
		const char *p1[] = { "n", n, "tag", o->tag, NULL };
		char *sender = fill(o->from, p1);
		char *msgid = g_strdup_printf("blast-%s.%s@sink.test", n, o->tag);
		const char *p2[] = { "n", n, "tag", o->tag, "sender", sender, "rcpt", o->rcpt,
				     "date", date, "msgid", msgid, NULL };
		char *text = fill(tmpl, p2);

		b->msgs[i].sender = sender;
		b->msgs[i].wire = wire_form(text);
		if (ids)
			fprintf(ids, "%s\n", msgid);
		g_free(text);
		g_free(msgid);
		g_free(n);
	}
	g_free(tmpl);
	g_free(date);
	if (ids && fclose(ids) != 0) {
		fprintf(stderr, "lmtp-blast: %s: %s\n", o->ids, g_strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the connection */

static int conn_write(struct conn *c, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One reply line into line (NUL-terminated, no line end). 0 or -1. */
static int conn_line(struct conn *c, char *line, size_t size)
{
	size_t n = 0;

	for (;;) {
		if (c->off == c->have) {
			ssize_t got = recv(c->fd, c->buf, sizeof c->buf, 0);

			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				return -1;	/* reset, closed, or the time-out */
			c->have = (size_t)got;
			c->off = 0;
		}
		char ch = c->buf[c->off++];

		if (ch == '\n')
			break;
		if (n + 1 >= size)
			return -1;
		line[n++] = ch;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return 0;
}

/* Reads one whole reply (continuation lines "250-..."). Its code, or -1. */
static int conn_reply(struct conn *c)
{
	char line[MAX_REPLY_LINE];

	for (int i = 0; i < MAX_REPLY_LINES; i++) {
		if (conn_line(c, line, sizeof line) < 0)
			return -1;
		if (strlen(line) < 3 || !g_ascii_isdigit(line[0]) || !g_ascii_isdigit(line[1]) ||
		    !g_ascii_isdigit(line[2]) || (line[3] != '\0' && line[3] != ' ' && line[3] != '-'))
			return -1;
		if (line[3] != '-')
			return atoi(line);
	}
	return -1;
}

/* Sends cmd (without CRLF) and reads the reply. Its code, or -1. */
static int conn_command(struct conn *c, const char *cmd)
{
	char *line = g_strdup_printf("%s\r\n", cmd);
	int rc = conn_write(c, line, strlen(line));

	g_free(line);
	return rc < 0 ? -1 : conn_reply(c);
}

static void conn_close(struct conn *c, gboolean quit)
{
	if (c->fd < 0)
		return;
	if (quit)
		(void)conn_command(c, "QUIT");	/* a dead peer needs no goodbye */
	close(c->fd);
	c->fd = -1;
}

/* Connects and greets (220, LHLO 250). 0, or -1 with nothing open. */
static int conn_open(struct blast *b, struct conn *c)
{
	struct timeval tv = { b->o->reply_timeout, 0 };

	c->have = c->off = 0;
	c->fd = socket(b->addr->ai_family, b->addr->ai_socktype | SOCK_CLOEXEC, b->addr->ai_protocol);
	if (c->fd < 0)
		return -1;
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0 ||
	    connect(c->fd, b->addr->ai_addr, b->addr->ai_addrlen) < 0 ||
	    conn_reply(c) != 220 || conn_command(c, "LHLO blast.test") != 250) {
		conn_close(c, FALSE);
		return -1;
	}
	return 0;
}

/* One transaction. *unknown is set when the whole message went out but no
 * reply came back: the server may have stored it. */
static enum outcome conn_send(struct conn *c, const struct message *m, const char *rcpt,
			      gboolean *unknown)
{
	char *mail = g_strdup_printf("MAIL FROM:<%s>", m->sender);
	char *to = g_strdup_printf("RCPT TO:<%s>", rcpt);
	int code;

	*unknown = FALSE;
	if ((code = conn_command(c, mail)) == 250 && (code = conn_command(c, to)) == 250 &&
	    (code = conn_command(c, "DATA")) == 354) {
		code = conn_write(c, m->wire->str, m->wire->len) < 0 ? -1 : conn_reply(c);
		*unknown = code < 0;
	}
	g_free(mail);
	g_free(to);
	if (code == 250)
		return SENT;
	return code >= 500 && code < 600 ? PERMFAIL : TEMPFAIL;
}

/* ---- the work queue */

/* The next message to send, or -1 when there is none left to take now;
 * *over says that the sender may stop (all done, or the time is up). */
static int take(struct blast *b, gboolean *over)
{
	int i = -1;

	g_mutex_lock(&b->lock);
	*over = g_get_monotonic_time() >= b->deadline ||
		(b->acked + b->rejected == b->count);
	if (!*over && !g_queue_is_empty(&b->todo)) {
		i = GPOINTER_TO_INT(g_queue_pop_head(&b->todo));
		b->in_flight++;
	}
	g_mutex_unlock(&b->lock);
	return i;
}

/* Records the try of message i; a failed one goes back to the queue. */
static void settle(struct blast *b, int i, enum outcome r, gboolean tried, gboolean unknown)
{
	g_mutex_lock(&b->lock);
	b->in_flight--;
	if (r == SENT) {
		b->acked++;
	} else if (r == PERMFAIL) {
		b->rejected++;
		fprintf(stderr, "lmtp-blast: message %d refused permanently\n", i + 1);
	} else {
		g_queue_push_tail(&b->todo, GINT_TO_POINTER(i));
		if (tried) {
			b->retried++;
			b->msgs[i].retried = TRUE;
		}
		if (unknown)
			b->unknown++;
	}
	g_mutex_unlock(&b->lock);
}

static void count_connect(struct blast *b, gboolean ok)
{
	g_mutex_lock(&b->lock);
	if (ok)
		b->connects++;
	else
		b->connect_failures++;
	g_mutex_unlock(&b->lock);
}

/* The short random pause of an MTA before it tries again. */
static void pause_a_little(const struct options *o)
{
	g_usleep((gulong)g_random_int_range(o->pause_ms / 2 + 1, o->pause_ms * 3 / 2 + 2) * 1000);
}

static gpointer sender_thread(gpointer data)
{
	struct blast *b = data;
	struct conn c = { .fd = -1 };
	int on_this = 0;
	gboolean over = FALSE;

	while (!over) {
		int i = take(b, &over);
		gboolean unknown = FALSE;
		enum outcome r;

		if (i < 0) {
			if (!over)
				g_usleep(5000);	/* the last ones are in flight elsewhere */
			continue;
		}
		if (c.fd < 0) {
			count_connect(b, conn_open(b, &c) == 0);
			on_this = 0;
		}
		if (c.fd < 0) {
			settle(b, i, TEMPFAIL, FALSE, FALSE);
			pause_a_little(b->o);
			continue;
		}
		r = conn_send(&c, &b->msgs[i], b->o->rcpt, &unknown);
		settle(b, i, r, TRUE, unknown);
		if (r != SENT) {
			conn_close(&c, r == PERMFAIL);
			if (r == TEMPFAIL)
				pause_a_little(b->o);
		} else if (b->o->per_connection > 0 && ++on_this >= b->o->per_connection) {
			conn_close(&c, TRUE);
		}
	}
	conn_close(&c, TRUE);
	return NULL;
}

/* ---- the command line */

static int parse_options(int *argc, char ***argv, struct options *o)
{
	GOptionEntry entries[] = {
		{ "connections", 'c', 0, G_OPTION_ARG_INT, &o->connections, "Parallel connections (1)", "K" },
		{ "per-connection", 'n', 0, G_OPTION_ARG_INT, &o->per_connection,
		  "Messages per connection before QUIT, 0 for no limit (10)", "N" },
		{ "size", 's', 0, G_OPTION_ARG_INT, &o->size, "Pad the built-in message to about BYTES", "BYTES" },
		{ "subject", 'S', 0, G_OPTION_ARG_STRING, &o->subject, "Subject of the built-in message (HELP)", "TEXT" },
		{ "from", 'f', 0, G_OPTION_ARG_STRING, &o->from,
		  "Envelope sender, {{n}} the message number (sender-{{n}}@sink.test)", "ADDR" },
		{ "rcpt", 'r', 0, G_OPTION_ARG_STRING, &o->rcpt, "Envelope recipient (pocbot@robot.test)", "ADDR" },
		{ "template", 'm', 0, G_OPTION_ARG_FILENAME, &o->template,
		  "Message with {{n}} {{tag}} {{sender}} {{rcpt}} {{date}} {{msgid}} to fill", "FILE" },
		{ "tag", 'T', 0, G_OPTION_ARG_STRING, &o->tag, "Run tag, in every Message-ID", "TAG" },
		{ "ids", 'i', 0, G_OPTION_ARG_FILENAME, &o->ids, "Write the Message-IDs there, one a line", "FILE" },
		{ "time-limit", 't', 0, G_OPTION_ARG_INT, &o->time_limit, "Give up after SECONDS (300)", "SECONDS" },
		{ "pause", 'p', 0, G_OPTION_ARG_INT, &o->pause_ms, "Pause before a retry, about MS (100)", "MS" },
		{ "reply-timeout", 'w', 0, G_OPTION_ARG_INT, &o->reply_timeout,
		  "Seconds to wait for a reply (30)", "SECONDS" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionContext *oc = g_option_context_new("HOST:PORT COUNT");
	GError *err = NULL;
	gboolean ok;

	g_option_context_set_summary(oc, "Sends COUNT messages by LMTP like an MTA, retrying until each has its 250.");
	g_option_context_add_main_entries(oc, entries, NULL);
	ok = g_option_context_parse(oc, argc, argv, &err);
	g_option_context_free(oc);
	if (!ok) {
		fprintf(stderr, "lmtp-blast: %s\n", err->message);
		g_error_free(err);
		return -1;
	}
	if (*argc != 3 || o->connections < 1 || o->per_connection < 0 || o->time_limit < 1 ||
	    o->pause_ms < 1 || o->reply_timeout < 1 || o->size < 0) {
		fprintf(stderr, "usage: lmtp-blast [OPTION...] HOST:PORT COUNT (see --help)\n");
		return -1;
	}
	return 0;
}

/* "host:port" or "[v6]:port" resolved, or NULL after saying why. */
static struct addrinfo *resolve(const char *target)
{
	const char *colon = strrchr(target, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *ai = NULL;
	char *host;
	int rc;

	if (!colon || colon == target || !colon[1]) {
		fprintf(stderr, "lmtp-blast: %s: want HOST:PORT\n", target);
		return NULL;
	}
	host = g_strndup(target, (gsize)(colon - target));
	if (host[0] == '[' && g_str_has_suffix(host, "]")) {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc != 0)
		fprintf(stderr, "lmtp-blast: %s: %s\n", target, gai_strerror(rc));
	g_free(host);
	return rc == 0 ? ai : NULL;
}

static void run(struct blast *b)
{
	GThread **threads = g_new(GThread *, (gsize)b->o->connections);

	for (int i = 0; i < b->count; i++)
		g_queue_push_tail(&b->todo, GINT_TO_POINTER(i));
	for (int t = 0; t < b->o->connections; t++)
		threads[t] = g_thread_new("blast", sender_thread, b);
	for (int t = 0; t < b->o->connections; t++)
		g_thread_join(threads[t]);
	g_free(threads);
}

static void report(const struct blast *b, double seconds)
{
	int messages_retried = 0;
	gint64 bytes = 0;

	for (int i = 0; i < b->count; i++) {
		messages_retried += b->msgs[i].retried;
		bytes += (gint64)b->msgs[i].wire->len;
	}
	printf("acknowledged=%d count=%d rejected=%d retried=%d messages_retried=%d unknown=%d"
	       " connects=%d connect_failures=%d bytes=%" G_GINT64_FORMAT " seconds=%.3f rate=%.1f\n",
	       b->acked, b->count, b->rejected, b->retried, messages_retried, b->unknown,
	       b->connects, b->connect_failures, bytes, seconds, seconds > 0 ? b->acked / seconds : 0.0);
}

int main(int argc, char **argv)
{
	struct options o = { 1, 10, 0, 300, 100, 30, NULL, NULL, NULL, NULL, NULL, NULL };
	struct blast b = { .o = &o };
	gint64 start;
	int rc = 64;

	if (parse_options(&argc, &argv, &o) < 0)
		goto out;
	if (!o.subject)
		o.subject = g_strdup("HELP");
	if (!o.from)
		o.from = g_strdup("sender-{{n}}@sink.test");
	if (!o.rcpt)
		o.rcpt = g_strdup("pocbot@robot.test");
	if (!o.tag)
		o.tag = g_strdup_printf("%d", (int)getpid());
	b.count = atoi(argv[2]);
	if (b.count < 1) {
		fprintf(stderr, "lmtp-blast: COUNT must be a number above 0, not '%s'\n", argv[2]);
		goto out;
	}
	if (!(b.addr = resolve(argv[1])) || make_messages(&b) < 0)
		goto out;
	g_mutex_init(&b.lock);
	g_queue_init(&b.todo);
	start = g_get_monotonic_time();
	b.deadline = start + (gint64)o.time_limit * G_USEC_PER_SEC;
	run(&b);
	report(&b, (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
	fflush(stdout);
	rc = b.acked == b.count ? 0 : 1;
	g_queue_clear(&b.todo);
	g_mutex_clear(&b.lock);
out:
	for (int i = 0; b.msgs && i < b.count; i++) {
		g_free(b.msgs[i].sender);
		g_string_free(b.msgs[i].wire, TRUE);
	}
	g_free(b.msgs);
	if (b.addr)
		freeaddrinfo(b.addr);
	g_free(o.subject);
	g_free(o.from);
	g_free(o.rcpt);
	g_free(o.tag);
	g_free(o.ids);
	g_free(o.template);
	return rc;
}

/* smtp.c - hands one message to the SMTP relay through libetpan.
 *
 * Untrusted input: the relay's replies (codes and text, which end up in
 * *detail: one line, printable ASCII, at most MAX_LOG_TEXT bytes) and the
 * envelope addresses, which come from mail and are checked with
 * envelope_address_ok before they reach a command line.
 *
 * On failure: SEND_TEMPFAIL for anything a later try may cure (no
 * connection, a timeout, a lost connection, 4xx, a refusal before MAIL, a
 * bad relay or helo in the configuration); SEND_PERMFAIL only for a 5xx to
 * MAIL, RCPT, DATA or the message, or an envelope no server could accept.
 *
 * Where libetpan falls short we do the step ourselves:
 * - mailesmtp_ehlo/mailsmtp_helo send gethostname(), not our helo, so the
 *   greeting is written and its reply read here (through libetpan's stream);
 * - mailsmtp_socket_connect bounds only the connect by the session timeout
 *   (the greeting waits mailstream_network_delay, 300 s), leaves the socket
 *   without FD_CLOEXEC and cannot take "[::1]:port"; we connect ourselves
 *   and give libetpan the socket with mailstream_socket_open_timeout;
 * - mailesmtp_mail_size adds RET= whenever the server speaks DSN, with or
 *   without an envid, so the DSN flag is cleared when we want none;
 * - mailsmtp_data_message always ends with "\r\n.\r\n", so the message is
 *   passed without its final line end or it would gain an empty line;
 * - libetpan writes with send(..., 0): SIGPIPE is blocked during a send. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include <libetpan/libetpan.h>
#include "smtp.h"
#include "envelope.h"
#include "limits.h"

#define SMTP_ENVID_MAX		100	/* RFC 3461 4.4: ENVID, as xtext */
#define SMTP_HELO_MAX		255	/* a domain name or an address literal */
#define SMTP_REPLY_LINES	100	/* lines of one reply before we give up */
#define SMTP_NOTIFY_ALL		(MAILSMTP_DSN_NOTIFY_SUCCESS | \
				 MAILSMTP_DSN_NOTIFY_FAILURE | \
				 MAILSMTP_DSN_NOTIFY_DELAY)

struct smtp_job {
	const char *relay;
	const char *helo;
	const char *from;
	const char *to;
	const char *envid;	/* xtext, or NULL for no DSN */
	const char *data;
	size_t len;
};

/* --- *detail: one bounded line of printable ASCII ----------------------- */

static char *smtp_detail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static char *smtp_detail(const char *fmt, ...)
{
	va_list ap;
	char *d;

	va_start(ap, fmt);
	d = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	for (unsigned char *p = (unsigned char *)d; *p; p++) {
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
		else if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
	}
	if (strlen(d) > MAX_LOG_TEXT)
		d[MAX_LOG_TEXT] = '\0';
	return g_strchomp(d);
}

static char *smtp_reply_detail(const mailsmtp *s, const char *step)
{
	return smtp_detail("%s: %d %s", step, s->response_code,
			   s->response ? s->response : "");
}

/* Closes the connection without QUIT: writing to a dead peer helps no one. */
static void smtp_drop(mailsmtp *s)
{
	if (s->stream) {
		mailstream_close(s->stream);
		s->stream = NULL;
	}
}

/* A libetpan call at step failed with r: say why and how bad it is. A 5xx
 * is permanent only where permanent is set (MAIL, RCPT, DATA, the message). */
static enum send_status smtp_failed(mailsmtp *s, int r, const char *step,
				    int permanent, char **detail)
{
	if (r == MAILSMTP_ERROR_STREAM || s->response_code == 0) {
		*detail = smtp_detail("%s: connection lost or timed out", step);
		smtp_drop(s);
		return SEND_TEMPFAIL;
	}
	*detail = smtp_reply_detail(s, step);
	if (permanent && s->response_code >= 500 && s->response_code < 600)
		return SEND_PERMFAIL;
	return SEND_TEMPFAIL;
}

/* --- arguments ----------------------------------------------------------- */

static int smtp_helo_ok(const char *helo)
{
	size_t len = strlen(helo);

	if (len == 0 || len > SMTP_HELO_MAX)
		return 0;
	for (const unsigned char *p = (const unsigned char *)helo; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return 0;
	return 1;
}

/* RFC 3461 xtext of envid, or NULL when empty or too long. */
static char *smtp_xtext(const char *envid)
{
	GString *x = g_string_new(NULL);

	for (const unsigned char *p = (const unsigned char *)envid; *p; p++) {
		if (*p < '!' || *p > '~' || *p == '+' || *p == '=')
			g_string_append_printf(x, "+%02X", *p);
		else
			g_string_append_c(x, (char)*p);
	}
	if (x->len == 0 || x->len > SMTP_ENVID_MAX) {
		g_string_free(x, TRUE);
		return NULL;
	}
	return g_string_free(x, FALSE);
}

/* SEND_OK with *xtext set (NULL without envid), or a failure with *detail. */
static enum send_status smtp_check_args(const char *helo, const char *from,
					const char *to, const char *envid,
					char **xtext, char **detail)
{
	*xtext = NULL;
	if (!smtp_helo_ok(helo)) {
		*detail = smtp_detail("configuration: unusable EHLO name");
		return SEND_TEMPFAIL;
	}
	if (!envelope_address_ok(from, 1)) {
		*detail = smtp_detail("MAIL FROM: unusable sender <%s>", from);
		return SEND_PERMFAIL;
	}
	if (!envelope_address_ok(to, 0)) {
		*detail = smtp_detail("RCPT TO: unusable recipient <%s>", to);
		return SEND_PERMFAIL;
	}
	if (envid && !(*xtext = smtp_xtext(envid))) {
		*detail = smtp_detail("MAIL FROM: unusable DSN envelope id");
		return SEND_PERMFAIL;
	}
	return SEND_OK;
}

/* "host:port", "host" (port 25), "[v6]:port" or "[v6]". 0 with both set
 * (g_free them), or -1. */
static int smtp_split_relay(const char *relay, char **host, char **port)
{
	const char *end, *colon;
	guint64 n;

	if (relay[0] == '[') {
		end = strchr(relay, ']');
		if (!end || (end[1] != '\0' && end[1] != ':'))
			return -1;
		*host = g_strndup(relay + 1, (gsize)(end - relay - 1));
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strchr(relay, ':');
		if (colon && strchr(colon + 1, ':'))
			return -1;	/* a bare IPv6 address needs brackets */
		*host = colon ? g_strndup(relay, (gsize)(colon - relay)) : g_strdup(relay);
	}
	*port = g_strdup(colon ? colon + 1 : "25");
	if (**host == '\0' || strlen(*port) > 5 ||
	    !g_ascii_string_to_unsigned(*port, 10, 1, 65535, &n, NULL)) {
		g_clear_pointer(host, g_free);
		g_clear_pointer(port, g_free);
		return -1;
	}
	return 0;
}

/* --- the connection -------------------------------------------------------- */

static void smtp_close_fd(int fd)
{
	int saved = errno;

	(void)close(fd);	/* nothing was written: there is nothing to lose */
	errno = saved;
}

/* Waits until fd is writable, at most SMTP_TIMEOUT. 0, or -1 with errno. */
static int smtp_wait_writable(int fd)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)SMTP_TIMEOUT * G_USEC_PER_SEC;
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	for (;;) {
		gint64 left = deadline - g_get_monotonic_time();
		int r;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&pfd, 1, (int)(left / 1000) + 1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int smtp_set_blocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	return fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}

/* One address: a connect bounded by SMTP_TIMEOUT, then the socket back in
 * blocking mode, as libetpan's socket stream wants it. fd, or -1 with errno. */
static int smtp_connect_addr(const struct addrinfo *ai)
{
	int fd, err = 0;
	socklen_t errlen = sizeof(err);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (fd >= FD_SETSIZE) {		/* libetpan waits with select() */
		errno = EMFILE;
		goto fail;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS || smtp_wait_writable(fd) < 0)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
			goto fail;
		if (err != 0) {
			errno = err;
			goto fail;
		}
	}
	if (smtp_set_blocking(fd) < 0)
		goto fail;
	return fd;
fail:
	smtp_close_fd(fd);
	return -1;
}

/* Tries every address of the relay in turn. fd, or -1 with *detail set. */
static int smtp_dial(const char *relay, char **detail)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char *host = NULL, *port = NULL;
	int fd = -1, err = ECONNREFUSED, r;

	if (smtp_split_relay(relay, &host, &port) < 0) {
		*detail = smtp_detail("configuration: unusable relay \"%s\"", relay);
		return -1;
	}
	r = getaddrinfo(host, port, &hints, &res);
	if (r != 0) {
		*detail = smtp_detail("connect to %s: %s", relay, gai_strerror(r));
		goto out;
	}
	for (const struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
		if ((fd = smtp_connect_addr(ai)) < 0)
			err = errno;
	freeaddrinfo(res);
	if (fd < 0)
		*detail = smtp_detail("connect to %s: %s", relay, g_strerror(err));
out:
	g_free(host);
	g_free(port);
	return fd;
}

/* Connects and reads the greeting. SEND_OK, or SEND_TEMPFAIL with *detail. */
static enum send_status smtp_open(mailsmtp *s, const char *relay, char **detail)
{
	mailstream *stream;
	int fd, r;

	fd = smtp_dial(relay, detail);
	if (fd < 0)
		return SEND_TEMPFAIL;
	stream = mailstream_socket_open_timeout(fd, SMTP_TIMEOUT);
	if (!stream) {
		smtp_close_fd(fd);
		*detail = smtp_detail("connect to %s: out of memory", relay);
		return SEND_TEMPFAIL;
	}
	r = mailsmtp_connect(s, stream);	/* closes the stream on failure */
	if (r != MAILSMTP_NO_ERROR)
		return smtp_failed(s, r, "greeting", 0, detail);
	return SEND_OK;
}

/* --- EHLO / HELO, done here to send our own name --------------------------- */

static int smtp_write_line(mailsmtp *s, const char *verb, const char *arg)
{
	char *cmd = g_strdup_printf("%s %s\r\n", verb, arg);
	size_t len = strlen(cmd);
	int rc = 0;

	if (mailstream_write(s->stream, cmd, len) != (ssize_t)len ||
	    mailstream_flush(s->stream) < 0)
		rc = -1;
	g_free(cmd);
	return rc;
}

/* "250-text", "250 text" or "250": the code, or 0 when malformed. */
static int smtp_reply_code(const char *line)
{
	if (!g_ascii_isdigit(line[0]) || !g_ascii_isdigit(line[1]) ||
	    !g_ascii_isdigit(line[2]))
		return 0;
	if (line[3] != '\0' && line[3] != ' ' && line[3] != '-')
		return 0;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

/* Reads one reply as libetpan does: its lines' text, '\n'-separated, in
 * s->response and the code in s->response_code. The code, 0 on failure. */
static int smtp_read_reply(mailsmtp *s)
{
	int code = 0;

	if (!mmap_string_assign(s->response_buffer, ""))
		goto out;
	for (int n = 0; n < SMTP_REPLY_LINES; n++) {
		char *line = mailstream_read_line_remove_eol(s->stream, s->line_buffer);
		int c = line ? smtp_reply_code(line) : 0;

		if (c == 0 ||
		    !mmap_string_append(s->response_buffer, line[3] ? line + 4 : line + 3) ||
		    !mmap_string_append_c(s->response_buffer, '\n'))
			break;
		if (line[3] != '-') {
			code = c;
			break;
		}
	}
out:
	s->response = s->response_buffer->str;
	s->response_code = code;
	return code;
}

/* Sends "verb helo". A libetpan status: NO_ERROR on 250. */
static int smtp_greet(mailsmtp *s, const char *verb, const char *helo)
{
	if (smtp_write_line(s, verb, helo) < 0)
		return MAILSMTP_ERROR_STREAM;
	switch (smtp_read_reply(s)) {
	case 250:
		return MAILSMTP_NO_ERROR;
	case 0:
		return MAILSMTP_ERROR_STREAM;
	default:
		return MAILSMTP_ERROR_UNEXPECTED_CODE;
	}
}

static int smtp_keyword_is(const char *line, const char *keyword)
{
	size_t n = strlen(keyword);

	return g_ascii_strncasecmp(line, keyword, n) == 0 &&
	       (line[n] == '\0' || line[n] == ' ');
}

/* Sets s->esmtp from the EHLO reply (the lines after the first), as
 * libetpan's MAIL and RCPT read it; DSN only when we want DSN. */
static void smtp_note_extensions(mailsmtp *s, int want_dsn)
{
	char **lines = g_strsplit(s->response, "\n", SMTP_REPLY_LINES + 1);
	int flags = MAILSMTP_ESMTP;

	for (int i = 1; lines[0] && lines[i]; i++) {
		if (smtp_keyword_is(lines[i], "DSN") && want_dsn)
			flags |= MAILSMTP_ESMTP_DSN;
		else if (smtp_keyword_is(lines[i], "SIZE"))
			flags |= MAILSMTP_ESMTP_SIZE;
	}
	s->esmtp = flags;
	g_strfreev(lines);
}

/* EHLO, or HELO when EHLO gets a 5xx. Any failure here is temporary. */
static enum send_status smtp_hello(mailsmtp *s, const char *helo, int want_dsn,
				   char **detail)
{
	int r = smtp_greet(s, "EHLO", helo);

	if (r == MAILSMTP_NO_ERROR) {
		smtp_note_extensions(s, want_dsn);
		return SEND_OK;
	}
	if (r == MAILSMTP_ERROR_STREAM || s->response_code / 100 != 5)
		return smtp_failed(s, r, "EHLO", 0, detail);
	r = smtp_greet(s, "HELO", helo);
	if (r != MAILSMTP_NO_ERROR)
		return smtp_failed(s, r, "HELO", 0, detail);
	s->esmtp = 0;
	return SEND_OK;
}

/* --- the transaction --------------------------------------------------------- */

/* libetpan ends the data with "\r\n.\r\n" whatever it was given: hand it
 * the message without its last line end, which that "\r\n" puts back. */
static size_t smtp_data_len(const char *data, size_t len)
{
	if (len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n')
		return len - 2;
	if (len >= 1 && data[len - 1] == '\n')
		return len - 1;
	return len;
}

static enum send_status smtp_transaction(mailsmtp *s, const struct smtp_job *job,
					 char **detail)
{
	int r;

	r = mailesmtp_mail_size(s, job->from, 0, job->envid, job->len);
	if (r != MAILSMTP_NO_ERROR)
		return smtp_failed(s, r, "MAIL FROM", 1, detail);
	r = mailesmtp_rcpt(s, job->to, job->envid ? SMTP_NOTIFY_ALL : 0, NULL);
	if (r != MAILSMTP_NO_ERROR)
		return smtp_failed(s, r, "RCPT TO", 1, detail);
	r = mailsmtp_data(s);
	if (r != MAILSMTP_NO_ERROR)
		return smtp_failed(s, r, "DATA", 1, detail);
	r = mailsmtp_data_message(s, job->data, smtp_data_len(job->data, job->len));
	if (r != MAILSMTP_NO_ERROR)
		return smtp_failed(s, r, "end of data", 1, detail);
	*detail = smtp_reply_detail(s, "end of data");
	/* The relay has taken the message: how QUIT goes changes nothing. */
	(void)mailsmtp_quit(s);
	return SEND_OK;
}

static enum send_status smtp_run(const struct smtp_job *job, char **detail)
{
	mailsmtp *s = mailsmtp_new(0, NULL);
	enum send_status st;

	if (!s) {
		*detail = smtp_detail("out of memory");
		return SEND_TEMPFAIL;
	}
	mailsmtp_set_timeout(s, SMTP_TIMEOUT);
	st = smtp_open(s, job->relay, detail);
	if (st == SEND_OK)
		st = smtp_hello(s, job->helo, job->envid != NULL, detail);
	if (st == SEND_OK)
		st = smtp_transaction(s, job, detail);
	mailsmtp_free(s);	/* QUIT first if the connection is still up */
	return st;
}

/* --- SIGPIPE: libetpan writes with send(..., 0) ------------------------------ */

static int smtp_sigpipe_block(sigset_t *old)
{
	sigset_t set;
	int err;

	if (sigemptyset(&set) < 0 || sigaddset(&set, SIGPIPE) < 0)
		return -1;
	err = pthread_sigmask(SIG_BLOCK, &set, old);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/* Discards a SIGPIPE raised while blocked, then restores the old mask. */
static void smtp_sigpipe_restore(const sigset_t *old)
{
	const struct timespec zero = { 0, 0 };
	sigset_t set;

	if (sigismember(old, SIGPIPE) == 0 &&
	    sigemptyset(&set) == 0 && sigaddset(&set, SIGPIPE) == 0)
		while (sigtimedwait(&set, NULL, &zero) == SIGPIPE)
			;
	/* Fails only for a bad "how", which SIG_SETMASK is not. */
	(void)pthread_sigmask(SIG_SETMASK, old, NULL);
}

enum send_status smtp_send(const char *relay, const char *helo, const char *from,
			   const char *to, const char *dsn_envid,
			   const char *data, size_t len, char **detail)
{
	struct smtp_job job = { .relay = relay, .helo = helo, .from = from,
				.to = to, .data = data, .len = len };
	enum send_status st;
	char *xtext = NULL;
	sigset_t old;

	*detail = NULL;
	st = smtp_check_args(helo, from, to, dsn_envid, &xtext, detail);
	if (st != SEND_OK)
		return st;
	job.envid = xtext;
	if (smtp_sigpipe_block(&old) < 0) {
		*detail = smtp_detail("cannot block SIGPIPE: %s", g_strerror(errno));
		g_free(xtext);
		return SEND_TEMPFAIL;
	}
	st = smtp_run(&job, detail);
	smtp_sigpipe_restore(&old);
	g_free(xtext);
	return st;
}

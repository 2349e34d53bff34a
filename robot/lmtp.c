/* lmtp.c - the LMTP server's protocol: LHLO, MAIL FROM (SIZE, BODY),
 * RCPT TO (several), DATA (one reply per recipient), RSET, NOOP, QUIT.
 * Input: lines from any client on the socket, bounded by the caller at
 * lmtp_session_line_limit(). Bad commands get 5xx; a message that could not
 * be stored gets 451 for every recipient, so the MTA retries. */
#include <stdlib.h>
#include <string.h>
#include "lmtp.h"
#include "limits.h"

enum state { S_GREETED, S_READY, S_MAIL, S_RCPT, S_DATA };

struct lmtp_session {
	struct lmtp_params p;
	enum state state;
	struct envelope env;
	GString *data;
	gboolean data_too_big;	/* over max_bytes: read on, then refuse */
	gboolean data_bad_line;	/* a data line over MAX_DATA_LINE */
	int bad_commands;
};

struct lmtp_session *lmtp_session_new(const struct lmtp_params *p)
{
	struct lmtp_session *s = g_new0(struct lmtp_session, 1);

	s->p = *p;
	s->state = S_GREETED;
	envelope_init(&s->env);
	s->data = g_string_new(NULL);
	return s;
}

void lmtp_session_free(struct lmtp_session *s)
{
	if (!s)
		return;
	envelope_clear(&s->env);
	g_string_free(s->data, TRUE);
	g_free(s);
}

void lmtp_session_greeting(struct lmtp_session *s, GString *out)
{
	g_string_append_printf(out, "220 %s LMTP pocbot ready\r\n", s->p.hostname);
}

size_t lmtp_session_line_limit(const struct lmtp_session *s)
{
	return s->state == S_DATA ? MAX_DATA_LINE : MAX_COMMAND_LINE;
}

static void transaction_reset(struct lmtp_session *s)
{
	envelope_clear(&s->env);
	envelope_init(&s->env);
	g_string_truncate(s->data, 0);
	s->data_too_big = s->data_bad_line = FALSE;
	if (s->state != S_GREETED)
		s->state = S_READY;
}

/* Takes "<addr>" after the colon of "MAIL FROM:" / "RCPT TO:"; *rest is what
 * follows (parameters). Returns the address (g_free it) or NULL. */
static char *path_arg(const char *arg, const char **rest)
{
	const char *close;

	while (*arg == ' ')
		arg++;
	if (*arg != '<' || !(close = strchr(arg, '>')))
		return NULL;
	*rest = close + 1;
	return g_strndup(arg + 1, (gsize)(close - arg - 1));
}

/* Checks MAIL FROM parameters: SIZE=n and BODY=7BIT|8BITMIME. */
static const char *mail_params(struct lmtp_session *s, const char *rest)
{
	gchar **params = g_strsplit(rest, " ", 0);
	const char *reply = NULL;

	for (gchar **p = params; *p && !reply; p++) {
		if (!**p)
			continue;
		if (g_ascii_strncasecmp(*p, "SIZE=", 5) == 0) {
			char *end;
			gint64 size = g_ascii_strtoll(*p + 5, &end, 10);

			if (*end || size < 0)
				reply = "501 5.5.4 Bad SIZE parameter\r\n";
			else if (size > s->p.max_bytes)
				reply = "552 5.3.4 Message size exceeds fixed maximum message size\r\n";
		} else if (g_ascii_strncasecmp(*p, "BODY=", 5) == 0) {
			if (g_ascii_strcasecmp(*p + 5, "7BIT") != 0 && g_ascii_strcasecmp(*p + 5, "8BITMIME") != 0)
				reply = "501 5.5.4 Bad BODY parameter\r\n";
		} else {
			reply = "555 5.5.4 Unsupported MAIL FROM parameter\r\n";
		}
	}
	g_strfreev(params);
	return reply;
}

static const char *cmd_mail(struct lmtp_session *s, const char *arg)
{
	const char *rest = "", *reply;
	char *addr;

	if (s->state == S_GREETED)
		return "503 5.5.1 Send LHLO first\r\n";
	if (s->state != S_READY)
		return "503 5.5.1 Nested MAIL command\r\n";
	if (g_ascii_strncasecmp(arg, "FROM:", 5) != 0 || !(addr = path_arg(arg + 5, &rest)))
		return "501 5.5.4 Syntax: MAIL FROM:<address>\r\n";
	if (!envelope_address_ok(addr, 1)) {
		g_free(addr);
		return "553 5.1.7 Bad sender address syntax\r\n";
	}
	if ((reply = mail_params(s, rest))) {
		g_free(addr);
		return reply;
	}
	s->env.sender = addr;
	s->state = S_MAIL;
	return "250 2.1.0 Sender OK\r\n";
}

static const char *cmd_rcpt(struct lmtp_session *s, const char *arg)
{
	const char *rest = "";
	char *addr;

	if (s->state != S_MAIL && s->state != S_RCPT)
		return "503 5.5.1 Need MAIL before RCPT\r\n";
	if (g_ascii_strncasecmp(arg, "TO:", 3) != 0 || !(addr = path_arg(arg + 3, &rest)))
		return "501 5.5.4 Syntax: RCPT TO:<address>\r\n";
	if (*rest && strspn(rest, " ") != strlen(rest)) {
		g_free(addr);
		return "555 5.5.4 RCPT TO parameters not supported\r\n";
	}
	if (!envelope_address_ok(addr, 0)) {
		g_free(addr);
		return "553 5.1.3 Bad recipient address syntax\r\n";
	}
	if (s->env.recipients->len >= MAX_RECIPIENTS) {
		g_free(addr);
		return "452 4.5.3 Too many recipients\r\n";
	}
	g_ptr_array_add(s->env.recipients, addr);
	s->state = S_RCPT;
	return "250 2.1.5 Recipient OK\r\n";
}

/* The end of DATA: one reply per recipient, all from the same outcome. */
static void data_end(struct lmtp_session *s, GString *out)
{
	const char *reply;

	if (s->data_too_big)
		reply = "552 5.3.4 Message too big for system";
	else if (s->data_bad_line)
		reply = "500 5.6.0 Line too long in message data";
	else if (s->p.store(s->p.store_data, &s->env, s->data->str, s->data->len) < 0)
		reply = "451 4.3.0 Could not store the message, try again later";
	else
		reply = "250 2.0.0 Message stored";
	for (guint i = 0; i < s->env.recipients->len; i++)
		g_string_append_printf(out, "%s <%.254s>\r\n", reply, (char *)s->env.recipients->pdata[i]);
	transaction_reset(s);
}

static void data_line(struct lmtp_session *s, const char *line, size_t len, gboolean too_long)
{
	if (too_long)
		s->data_bad_line = TRUE;
	if (len > 0 && line[0] == '.') {
		line++;
		len--;
	}
	if ((gint64)(s->data->len + len + 1) > s->p.max_bytes) {
		s->data_too_big = TRUE;
		g_string_truncate(s->data, 0);
	}
	if (s->data_too_big || s->data_bad_line)
		return;
	g_string_append_len(s->data, line, (gssize)len);
	g_string_append_c(s->data, '\n');
}

static const char *cmd_lhlo(struct lmtp_session *s, const char *arg, GString *out)
{
	if (!*arg)
		return "501 5.5.4 Syntax: LHLO hostname\r\n";
	transaction_reset(s);
	s->state = S_READY;
	g_string_append_printf(out, "250-%s\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
			       "250-ENHANCEDSTATUSCODES\r\n250 SIZE %" G_GINT64_FORMAT "\r\n",
			       s->p.hostname, s->p.max_bytes);
	return NULL;
}

/* One command line: the verb, then its argument. */
static const char *command(struct lmtp_session *s, const char *line, GString *out, gboolean *close)
{
	const char *sp = strchr(line, ' ');
	size_t vlen = sp ? (size_t)(sp - line) : strlen(line);
	const char *arg = sp ? sp + 1 : "";

#define VERB(v) (vlen == strlen(v) && g_ascii_strncasecmp(line, v, vlen) == 0)
	if (VERB("LHLO"))
		return cmd_lhlo(s, arg, out);
	if (VERB("MAIL"))
		return cmd_mail(s, arg);
	if (VERB("RCPT"))
		return cmd_rcpt(s, arg);
	if (VERB("DATA")) {
		if (s->state != S_RCPT)
			return s->state == S_MAIL ? "554 5.5.1 No valid recipients\r\n"
						  : "503 5.5.1 Need RCPT before DATA\r\n";
		s->state = S_DATA;
		return "354 Start mail input; end with <CRLF>.<CRLF>\r\n";
	}
	if (VERB("RSET")) {
		transaction_reset(s);
		return "250 2.0.0 OK\r\n";
	}
	if (VERB("NOOP"))
		return "250 2.0.0 OK\r\n";
	if (VERB("QUIT")) {
		*close = TRUE;
		return "221 2.0.0 Bye\r\n";
	}
	if (VERB("HELO") || VERB("EHLO"))
		return "500 5.5.1 This is an LMTP server: use LHLO\r\n";
	if (VERB("VRFY"))
		return "252 2.5.2 Cannot VRFY, but will accept the message\r\n";
#undef VERB
	return "500 5.5.2 Command not recognised\r\n";
}

gboolean lmtp_session_line(struct lmtp_session *s, const char *line, size_t len,
			   gboolean too_long, GString *out)
{
	gboolean close = FALSE;
	const char *reply;
	char *text;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (s->state == S_DATA) {
		if (len == 1 && line[0] == '.' && !too_long)
			data_end(s, out);
		else
			data_line(s, line, len, too_long);
		return TRUE;
	}
	if (too_long)
		reply = "500 5.5.2 Line too long\r\n";
	else if (memchr(line, '\0', len))
		reply = "500 5.5.2 NUL in command\r\n";
	else {
		text = g_strndup(line, len);
		reply = command(s, text, out, &close);
		g_free(text);
	}
	if (reply)
		g_string_append(out, reply);
	if (reply && reply[0] == '5' && ++s->bad_commands >= MAX_BAD_COMMANDS) {
		g_string_append(out, "421 4.7.0 Too many errors, closing connection\r\n");
		close = TRUE;
	}
	return !close;
}

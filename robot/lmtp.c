/* lmtp.c - the LMTP server's protocol: LHLO, MAIL FROM (SIZE, BODY),
 * RCPT TO (several), DATA (one reply per recipient), RSET, NOOP, QUIT.
 * Input: bytes from any client on the socket. Commands end at LF (a CR
 * before it is dropped) and are cut at MAX_COMMAND_LINE. DATA ends only at
 * <CRLF>.<CRLF> (RFC 5321 4.1.1.4): a bare LF or CR is data. The message
 * goes to the sink dot-unstuffed, CRLF made LF, through a buffer of
 * LMTP_DATA_BUFFER bytes, so memory does not grow with its size. Bad
 * commands get 5xx; no SMTPUTF8 is offered, so an address whose local part
 * is not ASCII gets 553 5.6.7 (RFC 6531; a domain in U-labels is accepted
 * as written). A message that could not be stored gets 451 for every
 * recipient, so the MTA retries. With defer_commit the caller commits (the
 * server does it on its pool) and the session holds its input meanwhile. */
#include <stdlib.h>
#include <string.h>
#include "lmtp.h"
#include "limits.h"

/* S_COMMIT: DATA has ended; the message waits for its commit (defer_commit). */
enum state { S_GREETED, S_READY, S_MAIL, S_RCPT, S_DATA, S_COMMIT };

/* Where DATA stands at the byte just read: at the start of a line (after
 * CRLF), after a '.' there, after ".\r" there, inside a line, after a CR. */
enum data_state { D_BOL, D_DOT, D_DOT_CR, D_MID, D_CR };

struct lmtp_session {
	struct lmtp_params p;
	enum state state;
	struct envelope env;
	GString *command;	/* the command line being read, at most MAX_COMMAND_LINE */
	gboolean command_too_long;
	gboolean mail_seen;	/* a MAIL FROM was accepted on this connection */
	guint64 progress;
	int bad_commands;
	/* the message being received */
	enum data_state ds;
	void *txn;		/* the sink's transaction; NULL once refused or failed */
	char *buf;		/* LMTP_DATA_BUFFER bytes waiting for the sink */
	size_t buf_len;
	gint64 bytes;		/* of the message so far, as stored */
	size_t line_len;	/* bytes since the last CR or LF */
	gboolean data_too_big;	/* over max_bytes: read on, then refuse */
	gboolean data_bad_line;	/* a line over MAX_DATA_LINE */
	void *commit_txn;	/* S_COMMIT: the transaction, until taken */
	GString *held;		/* S_COMMIT: input fed after the end of DATA */
};

struct lmtp_session *lmtp_session_new(const struct lmtp_params *p)
{
	struct lmtp_session *s = g_new0(struct lmtp_session, 1);

	s->p = *p;
	s->state = S_GREETED;
	envelope_init(&s->env);
	s->command = g_string_sized_new(64);
	return s;
}

/* Ends the sink's transaction without keeping anything. */
static void data_drop(struct lmtp_session *s)
{
	if (s->txn)
		s->p.sink.abort(s->txn);
	s->txn = NULL;
}

void lmtp_session_free(struct lmtp_session *s)
{
	if (!s)
		return;
	data_drop(s);
	if (s->commit_txn)
		s->p.sink.abort(s->commit_txn);
	if (s->held)
		g_string_free(s->held, TRUE);
	envelope_clear(&s->env);
	g_string_free(s->command, TRUE);
	g_free(s->buf);
	g_free(s);
}

void lmtp_session_greeting(struct lmtp_session *s, GString *out)
{
	g_string_append_printf(out, "220 %s LMTP pocbot ready\r\n", s->p.hostname);
}

enum lmtp_phase lmtp_session_phase(const struct lmtp_session *s)
{
	if (s->state == S_DATA)
		return LMTP_DATA;
	if (s->state == S_COMMIT)
		return LMTP_COMMANDS;
	return s->mail_seen ? LMTP_COMMANDS : LMTP_BEFORE_MAIL;
}

guint64 lmtp_session_progress(const struct lmtp_session *s)
{
	return s->progress;
}

static void transaction_reset(struct lmtp_session *s)
{
	data_drop(s);
	envelope_clear(&s->env);
	envelope_init(&s->env);
	g_clear_pointer(&s->buf, g_free);
	s->buf_len = 0;
	s->bytes = 0;
	s->line_len = 0;
	s->data_too_big = s->data_bad_line = FALSE;
	if (s->state != S_GREETED)
		s->state = S_READY;
}

/* Takes "<addr>" after the colon of "MAIL FROM:" / "RCPT TO:"; *rest is what
 * follows (parameters). A quoted local part may hold '>' or spaces: the
 * closing '>' is looked for after it. Returns the address (g_free it) or
 * NULL. */
static char *path_arg(const char *arg, const char **rest)
{
	const char *p, *close;

	while (*arg == ' ')
		arg++;
	if (*arg != '<')
		return NULL;
	p = arg + 1;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
		if (*p != '"')
			return NULL;
	}
	if (!(close = strchr(p, '>')))
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
				reply = "552 5.3.4 Message size exceeds"
					" fixed maximum message size\r\n";
		} else if (g_ascii_strncasecmp(*p, "BODY=", 5) == 0) {
			if (g_ascii_strcasecmp(*p + 5, "7BIT") != 0 &&
			    g_ascii_strcasecmp(*p + 5, "8BITMIME") != 0)
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
	if (!envelope_local_ascii(addr)) {
		g_free(addr);
		return "553 5.6.7 Non-ASCII addresses not permitted for that sender\r\n";
	}
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
	s->mail_seen = TRUE;
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
	if (!envelope_local_ascii(addr)) {
		g_free(addr);
		return "553 5.6.7 Non-ASCII addresses not permitted for that recipient\r\n";
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

/* Sends the buffered bytes to the sink; a failed write drops the message. */
static void data_flush(struct lmtp_session *s)
{
	if (s->txn && s->buf_len > 0 && s->p.sink.write(s->txn, s->buf, s->buf_len) < 0)
		data_drop(s);
	s->buf_len = 0;
}

/* One byte of the message as stored. A line (up to a CR or LF, as both
 * entries count it) over MAX_DATA_LINE, or a message over max_bytes, drops
 * the message at once; the rest is read and thrown away. */
static void data_emit(struct lmtp_session *s, char c)
{
	if (c == '\n' || c == '\r')
		s->line_len = 0;
	else if (++s->line_len > MAX_DATA_LINE && !s->data_bad_line) {
		s->data_bad_line = TRUE;
		data_drop(s);
	}
	if (++s->bytes > s->p.max_bytes && !s->data_too_big) {
		s->data_too_big = TRUE;
		data_drop(s);
	}
	if (!s->txn)
		return;
	s->buf[s->buf_len++] = c;
	if (s->buf_len < LMTP_DATA_BUFFER)
		return;
	data_flush(s);
	s->progress++;	/* a full buffer: a client sending at any useful rate is not idle */
}

/* One reply per recipient, all the same; the transaction is over. */
static void data_replies(struct lmtp_session *s, const char *reply, GString *out)
{
	for (guint i = 0; i < s->env.recipients->len; i++)
		g_string_append_printf(out, "%s <%.254s>\r\n", reply,
				       (char *)s->env.recipients->pdata[i]);
	s->progress++;
	transaction_reset(s);
}

static const char *commit_reply(int rc)
{
	return rc < 0 ? "451 4.3.0 Could not store the message, try again later"
		      : "250 2.0.0 Message stored";
}

/* The end of DATA: a message refused is answered now; one to keep is
 * committed now, or (defer_commit) waits in S_COMMIT for its commit. */
static void data_end(struct lmtp_session *s, GString *out)
{
	void *txn;

	data_flush(s);
	txn = s->txn;
	s->txn = NULL;
	if (s->data_too_big)
		data_replies(s, "552 5.3.4 Message too big for system", out);
	else if (s->data_bad_line)
		data_replies(s, "500 5.6.0 Line too long in message data", out);
	else if (!txn)
		data_replies(s, commit_reply(-1), out);
	else if (!s->p.defer_commit)
		data_replies(s, commit_reply(s->p.sink.commit(txn)), out);
	else {
		s->state = S_COMMIT;
		s->commit_txn = txn;
		s->progress++;
	}
}

/* A byte inside a line: a CR waits to see whether LF follows. */
static void data_mid(struct lmtp_session *s, char c)
{
	if (c == '\r') {
		s->ds = D_CR;
		return;
	}
	s->ds = D_MID;
	data_emit(s, c);
}

/* Feeds message bytes until the end of DATA; returns how many were taken
 * (the terminator included, when it came). */
static size_t data_input(struct lmtp_session *s, const char *buf, size_t len, GString *out)
{
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		switch (s->ds) {
		case D_BOL:
			if (c == '.')
				s->ds = D_DOT;
			else
				data_mid(s, c);
			break;
		case D_DOT:	/* the stuffed dot is dropped */
			if (c == '\r')
				s->ds = D_DOT_CR;
			else
				data_mid(s, c);
			break;
		case D_DOT_CR:
			if (c == '\n') {
				data_end(s, out);
				return i + 1;
			}
			data_emit(s, '\r');
			data_mid(s, c);
			break;
		case D_MID:
			data_mid(s, c);
			break;
		case D_CR:
			if (c == '\n') {
				data_emit(s, '\n');
				s->ds = D_BOL;
			} else {
				data_emit(s, '\r');
				data_mid(s, c);
			}
			break;
		}
	}
	return len;
}

/* DATA accepted: the sink opens a transaction. When it cannot, the message
 * is still read, then refused with 451 for each recipient. */
static const char *data_begin(struct lmtp_session *s)
{
	s->state = S_DATA;
	s->ds = D_BOL;
	s->buf = g_malloc(LMTP_DATA_BUFFER);
	s->buf_len = 0;
	s->txn = s->p.sink.begin(s->p.sink.data, &s->env);
	return "354 Start mail input; end with <CRLF>.<CRLF>\r\n";
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
		return data_begin(s);
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

/* A whole command line, its LF taken off. FALSE to close. */
static gboolean command_line(struct lmtp_session *s, GString *out)
{
	gboolean close = FALSE;
	const char *reply;
	GString *line = s->command;

	if (line->len > 0 && line->str[line->len - 1] == '\r')
		g_string_truncate(line, line->len - 1);
	if (s->command_too_long)
		reply = "500 5.5.2 Line too long\r\n";
	else if (memchr(line->str, '\0', line->len))
		reply = "500 5.5.2 NUL in command\r\n";
	else
		reply = command(s, line->str, out, &close);
	g_string_truncate(line, 0);
	s->command_too_long = FALSE;
	s->progress++;
	if (reply)
		g_string_append(out, reply);
	if (reply && reply[0] == '5' && ++s->bad_commands >= MAX_BAD_COMMANDS) {
		g_string_append(out, "421 4.7.0 Too many errors, closing connection\r\n");
		close = TRUE;
	}
	return !close;
}

/* Adds n bytes to the command line, keeping at most MAX_COMMAND_LINE. */
static void command_append(struct lmtp_session *s, const char *buf, size_t n)
{
	size_t room = MAX_COMMAND_LINE - s->command->len;

	if (n > room) {
		s->command_too_long = TRUE;
		n = room;
	}
	g_string_append_len(s->command, buf, (gssize)n);
}

/* Keeps input that arrives while a commit is awaited. */
static void hold(struct lmtp_session *s, const char *buf, size_t len)
{
	if (!s->held)
		s->held = g_string_sized_new(len);
	g_string_append_len(s->held, buf, (gssize)len);
}

gboolean lmtp_session_input(struct lmtp_session *s, const char *buf, size_t len, GString *out)
{
	while (len > 0) {
		const char *nl;
		size_t take;

		if (s->state == S_COMMIT) {
			hold(s, buf, len);
			break;
		}
		if (s->state == S_DATA) {
			take = data_input(s, buf, len, out);
			buf += take;
			len -= take;
			continue;
		}
		nl = memchr(buf, '\n', len);
		take = nl ? (size_t)(nl - buf) : len;
		command_append(s, buf, take);
		if (!nl)
			break;
		buf += take + 1;
		len -= take + 1;
		if (!command_line(s, out))
			return FALSE;
	}
	return TRUE;
}

void *lmtp_session_take_commit(struct lmtp_session *s)
{
	void *txn = s->commit_txn;

	s->commit_txn = NULL;
	return txn;
}

gboolean lmtp_session_waiting(const struct lmtp_session *s)
{
	return s->state == S_COMMIT;
}

gboolean lmtp_session_committed(struct lmtp_session *s, int rc, GString *out)
{
	GString *held = s->held;
	gboolean open = TRUE;

	g_return_val_if_fail(s->state == S_COMMIT && !s->commit_txn, FALSE);
	data_replies(s, commit_reply(rc), out);
	s->held = NULL;
	if (held) {
		open = lmtp_session_input(s, held->str, held->len, out);
		g_string_free(held, TRUE);
	}
	return open;
}

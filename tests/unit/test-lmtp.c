/* test-lmtp.c - the LMTP state machine (robot/lmtp.h) driven line by line,
 * with a fake store that records what it was given and can be told to fail.
 * No sockets, no files: the session is pure, so no temporary world is needed. */
#include <check.h>
#include <string.h>
#include <glib.h>
#include "robot/lmtp.h"
#include "robot/limits.h"

#define MAX_BYTES 4096

/* A sink that records what it was given and can be told to fail. */
struct fake_store {
	int begins, calls, aborts;	/* calls: commits */
	int fail, fail_begin;
	gboolean open;		/* a transaction is running */
	size_t max_write;
	char *sender;
	GPtrArray *recipients;
	GString *pending, *data;
};

static void *fake_begin(void *p, const struct envelope *env)
{
	struct fake_store *f = p;

	ck_assert_msg(!f->open, "begin inside a transaction");
	f->begins++;
	if (f->fail_begin)
		return NULL;
	f->open = TRUE;
	g_free(f->sender);
	f->sender = g_strdup(env->sender);
	g_ptr_array_set_size(f->recipients, 0);
	for (guint i = 0; i < env->recipients->len; i++)
		g_ptr_array_add(f->recipients, g_strdup(env->recipients->pdata[i]));
	g_string_truncate(f->pending, 0);
	return f;
}

static int fake_write(void *txn, const char *buf, size_t len)
{
	struct fake_store *f = txn;

	ck_assert(f->open);
	f->max_write = MAX(f->max_write, len);
	g_string_append_len(f->pending, buf, (gssize)len);
	return 0;
}

static int fake_commit(void *txn)
{
	struct fake_store *f = txn;

	ck_assert(f->open);
	f->open = FALSE;
	f->calls++;
	if (f->fail)
		return -1;
	g_string_assign(f->data, "");
	g_string_append_len(f->data, f->pending->str, (gssize)f->pending->len);
	return 0;
}

static void fake_abort(void *txn)
{
	struct fake_store *f = txn;

	ck_assert(f->open);
	f->open = FALSE;
	f->aborts++;
}

struct world {
	struct fake_store store;
	struct lmtp_params params;
	struct lmtp_session *s;
	GString *out;
};

static struct world *world_new(void)
{
	struct world *w = g_new0(struct world, 1);

	w->store.recipients = g_ptr_array_new_with_free_func(g_free);
	w->store.data = g_string_new(NULL);
	w->store.pending = g_string_new(NULL);
	w->params.hostname = "robot.example.org";
	w->params.max_bytes = MAX_BYTES;
	w->params.sink = (struct lmtp_sink){ fake_begin, fake_write, fake_commit, fake_abort, &w->store };
	w->s = lmtp_session_new(&w->params);
	w->out = g_string_new(NULL);
	return w;
}

static void world_free(struct world *w)
{
	lmtp_session_free(w->s);
	g_string_free(w->out, TRUE);
	g_free(w->store.sender);
	g_ptr_array_unref(w->store.recipients);
	g_string_free(w->store.data, TRUE);
	g_string_free(w->store.pending, TRUE);
	g_free(w);
}

/* Feeds bytes as read from a socket; returns what the session answered. */
static const char *feed_bytes(struct world *w, const char *buf, size_t len, gboolean *open)
{
	gboolean ok;

	g_string_truncate(w->out, 0);
	ok = lmtp_session_input(w->s, buf, len, w->out);
	if (open)
		*open = ok;
	else
		ck_assert_msg(ok, "session closed after \"%.*s\": %s", (int)MIN(len, 80), buf, w->out->str);
	return w->out->str;
}

/* Feeds one line with CRLF, as a client sends it; too_long makes it longer
 * than any line the session takes. */
static const char *feed_full(struct world *w, const char *line, gboolean too_long, gboolean *open)
{
	char *pad = too_long ? g_strnfill(MAX_DATA_LINE + 10, 'z') : g_strdup("");
	char *crlf = g_strconcat(line, pad, "\r\n", NULL);
	const char *r = feed_bytes(w, crlf, strlen(crlf), open);

	g_free(pad);
	g_free(crlf);
	return r;
}

static const char *feed(struct world *w, const char *line)
{
	return feed_full(w, line, FALSE, NULL);
}

/* Asserts the reply to line starts with code (e.g. "250 "). */
static void expect(struct world *w, const char *line, const char *code)
{
	const char *r = feed(w, line);

	ck_assert_msg(g_str_has_prefix(r, code), "\"%s\" -> \"%s\", wanted %s", line, r, code);
	ck_assert_msg(g_str_has_suffix(r, "\r\n"), "reply to \"%s\" not CRLF-terminated", line);
}

static void hello(struct world *w)
{
	feed(w, "LHLO mta.example.org");
	ck_assert_msg(strstr(w->out->str, "250 "), "LHLO: %s", w->out->str);
}

static gchar **reply_lines(const char *out)
{
	GString *s = g_string_new(out);
	gchar **lines;

	ck_assert(g_str_has_suffix(out, "\r\n"));
	g_string_truncate(s, s->len - 2);
	lines = g_strsplit(s->str, "\r\n", 0);
	g_string_free(s, TRUE);
	return lines;
}

START_TEST(test_greeting)
{
	struct world *w = world_new();
	GString *g = g_string_new(NULL);

	lmtp_session_greeting(w->s, g);
	ck_assert_msg(g_str_has_prefix(g->str, "220 robot.example.org"), "%s", g->str);
	ck_assert(g_str_has_suffix(g->str, "\r\n"));
	ck_assert_int_eq(lmtp_session_phase(w->s), LMTP_BEFORE_MAIL);
	g_string_free(g, TRUE);
	world_free(w);
}
END_TEST

START_TEST(test_lhlo_extensions)
{
	struct world *w = world_new();
	gchar **lines;
	char *size = g_strdup_printf("SIZE %d", MAX_BYTES);
	guint n;

	lines = reply_lines(feed(w, "LHLO mta.example.org"));
	n = g_strv_length(lines);
	ck_assert_uint_ge(n, 5);
	for (guint i = 0; i + 1 < n; i++)
		ck_assert_msg(g_str_has_prefix(lines[i], "250-"), "line %u: %s", i, lines[i]);
	ck_assert_msg(g_str_has_prefix(lines[n - 1], "250 "), "last: %s", lines[n - 1]);
	ck_assert(strstr(lines[0], "robot.example.org"));
	for (const char *const *ext = (const char *const[]){ "PIPELINING", "8BITMIME",
		"ENHANCEDSTATUSCODES", size, NULL }; *ext; ext++) {
		gboolean found = FALSE;

		for (guint i = 1; i < n; i++)
			found |= strcmp(lines[i] + 4, *ext) == 0;
		ck_assert_msg(found, "LHLO reply lacks %s", *ext);
	}
	expect(w, "LHLO", "501 ");
	g_free(size);
	g_strfreev(lines);
	world_free(w);
}
END_TEST

START_TEST(test_mail_before_lhlo)
{
	struct world *w = world_new();

	expect(w, "MAIL FROM:<a@b>", "503 ");
	expect(w, "RCPT TO:<a@b>", "503 ");
	hello(w);
	expect(w, "MAIL FROM:<a@b>", "250 ");
	expect(w, "MAIL FROM:<a@b>", "503 ");	/* nested */
	world_free(w);
}
END_TEST

START_TEST(test_mail_params)
{
	struct world *w = world_new();

	hello(w);
	expect(w, "MAIL FROM:<a@b> SIZE=100 BODY=8BITMIME", "250 ");
	expect(w, "RSET", "250 ");
	expect(w, "mail from:<a@b> size=4096 body=7bit", "250 ");
	expect(w, "RSET", "250 ");
	expect(w, "MAIL FROM:<a@b> SIZE=4097", "552 ");
	expect(w, "MAIL FROM:<a@b> SIZE=99999999999999999999", "5");
	expect(w, "MAIL FROM:<a@b> SIZE=-1", "501 ");
	/* each session hangs up after MAX_BAD_COMMANDS errors: start another */
	world_free(w);
	w = world_new();
	hello(w);
	expect(w, "MAIL FROM:<a@b> SIZE=12x", "501 ");
	expect(w, "MAIL FROM:<a@b> BODY=BINARYMIME", "501 ");
	expect(w, "MAIL FROM:<a@b> BODY=", "501 ");
	expect(w, "MAIL FROM:<a@b> SMTPUTF8", "555 ");
	expect(w, "MAIL FROM:a@b", "501 ");
	expect(w, "MAIL TO:<a@b>", "501 ");
	/* none of the refusals opened a transaction */
	expect(w, "RCPT TO:<c@d>", "503 ");
	world_free(w);
}
END_TEST

START_TEST(test_rcpt_before_mail)
{
	struct world *w = world_new();

	hello(w);
	expect(w, "RCPT TO:<a@b>", "503 ");
	expect(w, "DATA", "503 ");
	expect(w, "MAIL FROM:<a@b>", "250 ");
	expect(w, "DATA", "554 ");
	world_free(w);
}
END_TEST

START_TEST(test_full_transaction)
{
	struct world *w = world_new();
	gchar **lines;
	static const char *const body[] = { "From: a@example.org", "Subject: hi", "",
					    "..x", "..", "line with trailing space ", "", "end", NULL };

	hello(w);
	expect(w, "MAIL FROM:<sender@example.org> SIZE=200 BODY=8BITMIME", "250 ");
	expect(w, "RCPT TO:<one@example.org>", "250 ");
	expect(w, "RCPT TO:<two@example.org>", "250 ");
	expect(w, "RCPT TO: <three@example.org>", "250 ");
	expect(w, "DATA", "354 ");
	ck_assert_int_eq(lmtp_session_phase(w->s), LMTP_DATA);
	for (const char *const *l = body; *l; l++)
		ck_assert_str_eq(feed(w, *l), "");
	ck_assert_int_eq(w->store.calls, 0);
	lines = reply_lines(feed(w, "."));
	ck_assert_uint_eq(g_strv_length(lines), 3);
	ck_assert_msg(g_str_has_prefix(lines[0], "250 ") && strstr(lines[0], "one@example.org"), "%s", lines[0]);
	ck_assert_msg(g_str_has_prefix(lines[1], "250 ") && strstr(lines[1], "two@example.org"), "%s", lines[1]);
	ck_assert_msg(g_str_has_prefix(lines[2], "250 ") && strstr(lines[2], "three@example.org"), "%s", lines[2]);
	g_strfreev(lines);

	ck_assert_int_eq(w->store.calls, 1);
	ck_assert_str_eq(w->store.sender, "sender@example.org");
	ck_assert_uint_eq(w->store.recipients->len, 3);
	ck_assert_str_eq(w->store.recipients->pdata[0], "one@example.org");
	ck_assert_str_eq(w->store.recipients->pdata[1], "two@example.org");
	ck_assert_str_eq(w->store.recipients->pdata[2], "three@example.org");
	ck_assert_str_eq(w->store.data->str, "From: a@example.org\nSubject: hi\n\n.x\n.\n"
			 "line with trailing space \n\nend\n");
	ck_assert_int_eq(lmtp_session_phase(w->s), LMTP_COMMANDS);

	/* the session is ready for the next transaction, with a fresh envelope */
	expect(w, "RCPT TO:<x@y>", "503 ");
	expect(w, "MAIL FROM:<other@example.org>", "250 ");
	expect(w, "RCPT TO:<four@example.org>", "250 ");
	expect(w, "DATA", "354 ");
	feed(w, "second");
	lines = reply_lines(feed(w, "."));
	ck_assert_uint_eq(g_strv_length(lines), 1);
	ck_assert(strstr(lines[0], "four@example.org"));
	g_strfreev(lines);
	ck_assert_int_eq(w->store.calls, 2);
	ck_assert_str_eq(w->store.sender, "other@example.org");
	ck_assert_uint_eq(w->store.recipients->len, 1);
	ck_assert_str_eq(w->store.data->str, "second\n");
	world_free(w);
}
END_TEST

START_TEST(test_binary_data_line)
{
	struct world *w = world_new();
	static const char line[] = "a\0b\xff\r\n";

	hello(w);
	expect(w, "MAIL FROM:<a@b>", "250 ");
	expect(w, "RCPT TO:<c@d>", "250 ");
	expect(w, "DATA", "354 ");
	ck_assert_str_eq(feed_bytes(w, line, sizeof line - 1, NULL), "");
	ck_assert_str_eq(feed(w, "."), "250 2.0.0 Message stored <c@d>\r\n");
	ck_assert_uint_eq(w->store.data->len, 5);
	ck_assert_int_eq(memcmp(w->store.data->str, "a\0b\xff\n", 5), 0);
	world_free(w);
}
END_TEST

START_TEST(test_store_failure)
{
	struct world *w = world_new();
	gchar **lines;

	w->store.fail = 1;
	hello(w);
	expect(w, "MAIL FROM:<a@b>", "250 ");
	expect(w, "RCPT TO:<one@example.org>", "250 ");
	expect(w, "RCPT TO:<two@example.org>", "250 ");
	expect(w, "DATA", "354 ");
	feed(w, "hello");
	lines = reply_lines(feed(w, "."));
	ck_assert_uint_eq(g_strv_length(lines), 2);
	ck_assert_msg(g_str_has_prefix(lines[0], "451 ") && strstr(lines[0], "one@example.org"), "%s", lines[0]);
	ck_assert_msg(g_str_has_prefix(lines[1], "451 ") && strstr(lines[1], "two@example.org"), "%s", lines[1]);
	ck_assert_int_eq(w->store.calls, 1);
	g_strfreev(lines);
	/* the MTA may try again on the same connection */
	w->store.fail = 0;
	expect(w, "MAIL FROM:<a@b>", "250 ");
	world_free(w);
}
END_TEST

START_TEST(test_data_too_big)
{
	struct world *w = world_new();
	char *chunk = g_strnfill(100, 'x');
	gchar **lines;

	hello(w);
	expect(w, "MAIL FROM:<a@b>", "250 ");
	expect(w, "RCPT TO:<one@example.org>", "250 ");
	expect(w, "RCPT TO:<two@example.org>", "250 ");
	expect(w, "DATA", "354 ");
	for (int i = 0; i < MAX_BYTES / 100 + 5; i++)
		ck_assert_str_eq(feed(w, chunk), "");
	lines = reply_lines(feed(w, "."));
	ck_assert_uint_eq(g_strv_length(lines), 2);
	ck_assert_msg(g_str_has_prefix(lines[0], "552 ") && strstr(lines[0], "one@example.org"), "%s", lines[0]);
	ck_assert_msg(g_str_has_prefix(lines[1], "552 ") && strstr(lines[1], "two@example.org"), "%s", lines[1]);
	ck_assert_int_eq(w->store.calls, 0);
	g_strfreev(lines);
	/* a message of exactly max_bytes is taken */
	expect(w, "MAIL FROM:<a@b>", "250 ");
	expect(w, "RCPT TO:<one@example.org>", "250 ");
	expect(w, "DATA", "354 ");
	g_free(chunk);
	chunk = g_strnfill(MAX_BYTES - 1, 'y');
	feed(w, chunk);
	expect(w, ".", "250 ");
	ck_assert_int_eq(w->store.calls, 1);
	ck_assert_uint_eq(w->store.data->len, MAX_BYTES);
	g_free(chunk);
	world_free(w);
}
END_TEST

START_TEST(test_data_line_too_long)
{
	struct world *w = world_new();

	hello(w);
	expect(w, "MAIL FROM:<a@b>", "250 ");
	expect(w, "RCPT TO:<one@example.org>", "250 ");
	expect(w, "DATA", "354 ");
	ck_assert_str_eq(feed_full(w, "xxxx", TRUE, NULL), "");
	feed(w, "rest of the line");
	ck_assert_msg(g_str_has_prefix(feed(w, "."), "5"), "%s", w->out->str);
	ck_assert_int_eq(w->store.calls, 0);
	world_free(w);
}
END_TEST

START_TEST(test_command_too_long)
{
	struct world *w = world_new();

	hello(w);
	ck_assert_msg(g_str_has_prefix(feed_full(w, "MAIL FROM:<aaaa", TRUE, NULL), "500 "), "%s", w->out->str);
	/* the cut line did not start a transaction */
	expect(w, "RCPT TO:<a@b>", "503 ");
	world_free(w);
}
END_TEST

START_TEST(test_rset_clears)
{
	struct world *w = world_new();

	hello(w);
	expect(w, "MAIL FROM:<first@example.org>", "250 ");
	expect(w, "RCPT TO:<old@example.org>", "250 ");
	expect(w, "RSET", "250 ");
	expect(w, "RCPT TO:<x@y>", "503 ");
	expect(w, "DATA", "503 ");
	expect(w, "MAIL FROM:<second@example.org>", "250 ");
	expect(w, "RCPT TO:<new@example.org>", "250 ");
	expect(w, "DATA", "354 ");
	feed(w, "body");
	expect(w, ".", "250 ");
	ck_assert_str_eq(w->store.sender, "second@example.org");
	ck_assert_uint_eq(w->store.recipients->len, 1);
	ck_assert_str_eq(w->store.recipients->pdata[0], "new@example.org");
	/* RSET before LHLO does not skip LHLO */
	world_free(w);
	w = world_new();
	expect(w, "RSET", "250 ");
	expect(w, "MAIL FROM:<a@b>", "503 ");
	world_free(w);
}
END_TEST

START_TEST(test_noop_quit)
{
	struct world *w = world_new();
	gboolean open = TRUE;

	expect(w, "NOOP", "250 ");
	hello(w);
	expect(w, "MAIL FROM:<a@b>", "250 ");
	expect(w, "noop", "250 ");
	expect(w, "RCPT TO:<c@d>", "250 ");	/* NOOP kept the transaction */
	ck_assert_msg(g_str_has_prefix(feed_full(w, "QUIT", FALSE, &open), "221 "), "%s", w->out->str);
	ck_assert(!open);
	ck_assert_int_eq(w->store.calls, 0);
	world_free(w);
}
END_TEST

START_TEST(test_helo_ehlo_refused)
{
	struct world *w = world_new();

	expect(w, "HELO mta.example.org", "500 ");
	expect(w, "EHLO mta.example.org", "500 ");
	expect(w, "MAIL FROM:<a@b>", "503 ");	/* they did not greet */
	expect(w, "FOO", "500 ");
	world_free(w);
}
END_TEST

START_TEST(test_null_sender)
{
	struct world *w = world_new();

	hello(w);
	expect(w, "MAIL FROM:<>", "250 ");
	expect(w, "RCPT TO:<c@d>", "250 ");
	expect(w, "DATA", "354 ");
	feed(w, "bounce");
	expect(w, ".", "250 ");
	ck_assert_str_eq(w->store.sender, "");
	/* the null recipient is not */
	expect(w, "MAIL FROM:<>", "250 ");
	expect(w, "RCPT TO:<>", "553 ");
	world_free(w);
}
END_TEST

START_TEST(test_bad_addresses)
{
	struct world *w = world_new();
	char *domain = g_strnfill(253, 'd');
	char *longrcpt = g_strdup_printf("RCPT TO:<a@%s>", domain);	/* 255 bytes */
	char *okdomain = g_strnfill(252, 'd');
	char *okrcpt = g_strdup_printf("RCPT TO:<a@%s>", okdomain);	/* 254 bytes */

	hello(w);
	expect(w, "MAIL FROM:<has space@example.org>", "553 ");
	expect(w, "MAIL FROM:<nobody>", "553 ");
	expect(w, "MAIL FROM:<a@b>", "250 ");
	expect(w, "RCPT TO:<has space@example.org>", "553 ");
	expect(w, "RCPT TO:<nobody>", "553 ");
	expect(w, "RCPT TO:<@example.org>", "553 ");
	expect(w, "RCPT TO:<user@>", "553 ");
	expect(w, longrcpt, "553 ");
	expect(w, okrcpt, "250 ");
	g_free(domain);
	g_free(longrcpt);
	g_free(okdomain);
	g_free(okrcpt);
	world_free(w);
}
END_TEST

START_TEST(test_too_many_recipients)
{
	struct world *w = world_new();
	gchar **lines;

	hello(w);
	expect(w, "MAIL FROM:<a@b>", "250 ");
	for (int i = 0; i < MAX_RECIPIENTS; i++) {
		char *cmd = g_strdup_printf("RCPT TO:<r%d@example.org>", i);

		expect(w, cmd, "250 ");
		g_free(cmd);
	}
	expect(w, "RCPT TO:<extra@example.org>", "452 ");
	expect(w, "RCPT TO:<extra2@example.org>", "452 ");
	expect(w, "DATA", "354 ");
	feed(w, "x");
	lines = reply_lines(feed(w, "."));
	ck_assert_uint_eq(g_strv_length(lines), MAX_RECIPIENTS);
	ck_assert_uint_eq(w->store.recipients->len, MAX_RECIPIENTS);
	ck_assert(strstr(lines[MAX_RECIPIENTS - 1], "r99@example.org"));
	g_strfreev(lines);
	world_free(w);
}
END_TEST

START_TEST(test_too_many_errors)
{
	struct world *w = world_new();
	gboolean open = TRUE;

	hello(w);
	for (int i = 0; i < MAX_BAD_COMMANDS - 1; i++)
		expect(w, "BOGUS", "500 ");
	feed_full(w, "BOGUS", FALSE, &open);
	ck_assert_msg(!open, "still open after %d errors", MAX_BAD_COMMANDS);
	ck_assert_msg(g_str_has_prefix(w->out->str, "500 "), "%s", w->out->str);
	ck_assert_msg(strstr(w->out->str, "\r\n421 ") && g_str_has_suffix(w->out->str, "\r\n"),
		      "%s", w->out->str);
	world_free(w);
}
END_TEST

START_TEST(test_pipelined_batch)
{
	struct world *w = world_new();
	static const char *const batch[] = { "LHLO mta.example.org", "MAIL FROM:<s@example.org>",
					     "RCPT TO:<one@example.org>", "RCPT TO:<bad address>",
					     "RCPT TO:<two@example.org>", "DATA", "line", ".", "QUIT", NULL };
	static const char *const want[] = { "250-", "250-", "250-", "250-", "250 ",
					    "250 2.1.0", "250 2.1.5", "553 ", "250 2.1.5", "354 ",
					    "250 2.0.0", "250 2.0.0", "221 ", NULL };
	GString *out = g_string_new(NULL);
	gchar **lines;
	gboolean open = TRUE;

	GString *in = g_string_new(NULL);

	for (const char *const *l = batch; *l; l++)
		g_string_append_printf(in, "%s\r\n", *l);
	g_string_append(in, "NOOP\r\n");	/* after QUIT: never read */
	open = lmtp_session_input(w->s, in->str, in->len, out);
	g_string_free(in, TRUE);
	ck_assert(!open);
	lines = reply_lines(out->str);
	ck_assert_uint_eq(g_strv_length(lines), g_strv_length((gchar **)want));
	for (guint i = 0; want[i]; i++)
		ck_assert_msg(g_str_has_prefix(lines[i], want[i]), "reply %u: %s, wanted %s", i, lines[i], want[i]);
	ck_assert(strstr(lines[10], "one@example.org"));
	ck_assert(strstr(lines[11], "two@example.org"));
	ck_assert_str_eq(w->store.data->str, "line\n");
	g_strfreev(lines);
	g_string_free(out, TRUE);
	world_free(w);
}
END_TEST

START_TEST(test_nul_in_command)
{
	struct world *w = world_new();
	GString *out = g_string_new(NULL);
	static const char line[] = "MAIL FROM:<a@b>\0junk\r\n";

	hello(w);
	lmtp_session_input(w->s, line, sizeof line - 1, out);
	ck_assert_msg(g_str_has_prefix(out->str, "500 "), "%s", out->str);
	expect(w, "RCPT TO:<c@d>", "503 ");
	g_string_free(out, TRUE);
	world_free(w);
}
END_TEST

/* Opens a transaction to <c@d> and gets the 354. */
static void open_data(struct world *w)
{
	hello(w);
	expect(w, "MAIL FROM:<a@b>", "250 ");
	expect(w, "RCPT TO:<c@d>", "250 ");
	expect(w, "DATA", "354 ");
}

/* F2: a bare LF never ends DATA, so what follows is data, not commands. */
START_TEST(test_bare_lf_smuggling)
{
	struct world *w = world_new();
	static const char smuggle[] = "hello\n.\nMAIL FROM:<evil@forged.example>\n"
				      "RCPT TO:<c@d>\nDATA\nsmuggled\n.\n";

	open_data(w);
	ck_assert_str_eq(feed_bytes(w, smuggle, strlen(smuggle), NULL), "");
	ck_assert_int_eq(lmtp_session_phase(w->s), LMTP_DATA);
	ck_assert_str_eq(feed_bytes(w, "\r\n.\r\n", 5, NULL), "250 2.0.0 Message stored <c@d>\r\n");
	ck_assert_int_eq(w->store.begins, 1);
	ck_assert_int_eq(w->store.calls, 1);
	ck_assert_str_eq(w->store.sender, "a@b");
	ck_assert_str_eq(w->store.data->str, "hello\n.\nMAIL FROM:<evil@forged.example>\n"
			 "RCPT TO:<c@d>\nDATA\nsmuggled\n.\n\n");
	world_free(w);
}
END_TEST

/* Bare CRs are data too, and a "." line ended by a bare CR or LF is not the end. */
START_TEST(test_bare_cr_is_data)
{
	struct world *w = world_new();
	static const char body[] = "a\r.\rb\r\n.\rx\r\n.\n\r\n..\r\r\n.\r\n";

	open_data(w);
	ck_assert_str_eq(feed_bytes(w, body, strlen(body), NULL), "250 2.0.0 Message stored <c@d>\r\n");
	ck_assert_int_eq(w->store.calls, 1);
	ck_assert_str_eq(w->store.data->str, "a\r.\rb\n\rx\n\n\n.\r\n");
	world_free(w);
}
END_TEST

/* The outcome does not depend on how the bytes are cut into reads. */
START_TEST(test_byte_by_byte)
{
	struct world *w = world_new();
	static const char all[] = "LHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
				  "one\r\n..two\r\n.\rthree\n.\n\r\r\n.\r\nQUIT\r\n";
	GString *replies = g_string_new(NULL);
	gboolean open = TRUE;

	for (size_t i = 0; i + 1 < sizeof all && open; i++) {
		feed_bytes(w, all + i, 1, &open);
		g_string_append(replies, w->out->str);
	}
	ck_assert(!open);
	ck_assert_msg(strstr(replies->str, "250 2.0.0 Message stored <c@d>\r\n221 "), "%s", replies->str);
	ck_assert_str_eq(w->store.data->str, "one\n.two\n\rthree\n.\n\r\n");
	g_string_free(replies, TRUE);
	world_free(w);
}
END_TEST

/* F10: a message with CR-only line ends is taken whole, whatever its size. */
START_TEST(test_cr_only_message)
{
	struct world *w = world_new();
	GString *msg = g_string_new("Subject: old Mac\r\r");

	w->params.max_bytes = 1024 * 1024;
	lmtp_session_free(w->s);
	w->s = lmtp_session_new(&w->params);
	while (msg->len < 500 * 1000)
		g_string_append(msg, "a line of some seventy characters, ended by a carriage return only..\r");
	open_data(w);
	feed_bytes(w, msg->str, msg->len, NULL);
	ck_assert_uint_ge(lmtp_session_progress(w->s), 4 + msg->len / LMTP_DATA_BUFFER);
	ck_assert_str_eq(feed_bytes(w, "\r\n.\r\n", 5, NULL), "250 2.0.0 Message stored <c@d>\r\n");
	g_string_append_c(msg, '\n');
	ck_assert_uint_eq(w->store.data->len, msg->len);
	ck_assert(memcmp(w->store.data->str, msg->str, msg->len) == 0);
	/* written in bounded pieces, never held whole */
	ck_assert_uint_le(w->store.max_write, LMTP_DATA_BUFFER);
	g_string_free(msg, TRUE);
	world_free(w);
}
END_TEST

/* A connection dropped in DATA aborts the transaction; a refusal aborts at once. */
START_TEST(test_abort)
{
	struct world *w = world_new();
	char *line = g_strnfill(100, 'x');

	open_data(w);
	feed(w, "half a message");
	ck_assert_int_eq(w->store.aborts, 0);
	lmtp_session_free(w->s);
	w->s = NULL;
	ck_assert_int_eq(w->store.aborts, 1);
	ck_assert_int_eq(w->store.calls, 0);
	lmtp_session_free(w->s);
	w->s = lmtp_session_new(&w->params);
	open_data(w);
	for (int i = 0; i < MAX_BYTES / 100 + 1; i++)
		feed(w, line);
	ck_assert_int_eq(w->store.aborts, 2);	/* over max_bytes: dropped at once */
	expect(w, ".", "552 ");
	ck_assert_int_eq(w->store.calls, 0);
	g_free(line);
	world_free(w);
}
END_TEST

START_TEST(test_begin_fails)
{
	struct world *w = world_new();

	w->store.fail_begin = 1;
	open_data(w);
	feed(w, "body");
	expect(w, ".", "451 ");
	ck_assert_int_eq(w->store.begins, 1);
	ck_assert_int_eq(w->store.calls, 0);
	w->store.fail_begin = 0;
	expect(w, "MAIL FROM:<a@b>", "250 ");
	world_free(w);
}
END_TEST

/* F9: quoted local parts (RFC 5321 4.1.2) at MAIL FROM and RCPT TO. */
START_TEST(test_quoted_local_parts)
{
	struct world *w = world_new();

	hello(w);
	expect(w, "MAIL FROM:<\"John Doe\"@example.org>", "250 ");
	expect(w, "RCPT TO:<\"System Administrator\"@robot.example>", "250 ");
	expect(w, "RCPT TO:<\"a\\\"quote\"@robot.example>", "250 ");
	expect(w, "RCPT TO:<\"a>b\"@robot.example>", "553 ");
	expect(w, "RCPT TO:<\"unterminated@robot.example>", "501 ");
	expect(w, "RCPT TO:<\"no\"at.example>", "553 ");
	expect(w, "DATA", "354 ");
	feed(w, "x");
	expect(w, ".", "250 ");
	ck_assert_str_eq(w->store.sender, "\"John Doe\"@example.org");
	ck_assert_uint_eq(w->store.recipients->len, 2);
	ck_assert_str_eq(w->store.recipients->pdata[0], "\"System Administrator\"@robot.example");
	ck_assert_str_eq(w->store.recipients->pdata[1], "\"a\\\"quote\"@robot.example");
	world_free(w);
}
END_TEST

/* F9: no SMTPUTF8: a UTF-8 local part gets 553 5.6.7 (RFC 6531) at MAIL FROM
 * and RCPT TO, quoted or not; a domain in U-labels alone is accepted as
 * written. */
START_TEST(test_utf8_addresses)
{
	struct world *w = world_new();

	hello(w);
	expect(w, "MAIL FROM:<j\xc3\xbcrgen@b\xc3\xbc" "cher.example>",
	       "553 5.6.7 Non-ASCII addresses not permitted for that sender");
	expect(w, "MAIL FROM:<\"J\xc3\xbcrgen M\"@example.org>", "553 5.6.7 ");
	expect(w, "MAIL FROM:<juergen@b\xc3\xbc" "cher.example>", "250 ");
	expect(w, "RCPT TO:<j\xc3\xbcrgen@robot.example>",
	       "553 5.6.7 Non-ASCII addresses not permitted for that recipient");
	expect(w, "RCPT TO:<pocbot@b\xc3\xbc" "cher.example>", "250 ");
	expect(w, "DATA", "354 ");
	feed(w, "x");
	expect(w, ".", "250 ");
	ck_assert_str_eq(w->store.sender, "juergen@b\xc3\xbc" "cher.example");
	ck_assert_uint_eq(w->store.recipients->len, 1);
	world_free(w);
}
END_TEST

/* The envelope's address checks that intake and the outbox share. */
START_TEST(test_envelope_local_ascii)
{
	ck_assert(envelope_local_ascii("jane@example.org"));
	ck_assert(envelope_local_ascii("\"Jane Doe\"@ministry.example"));
	ck_assert(envelope_local_ascii("jane@b\xc3\xbc" "cher.example"));
	ck_assert(envelope_local_ascii(""));
	ck_assert(!envelope_local_ascii("j\xc3\xbcrgen@example.org"));
	ck_assert(!envelope_local_ascii("\"J\xc3\xa4ne\"@example.org"));
	ck_assert(!envelope_local_ascii("j\xc3\xbcrgen"));
	/* a quoted local part may hold UTF-8 (RFC 6532): an address, not ASCII */
	ck_assert(envelope_address_ok("\"J\xc3\xa4ne Doe\"@example.org", 0));
	ck_assert(!envelope_address_ok("\"J\xc3\xa4\x01ne\"@example.org", 0));
	ck_assert(!envelope_address_ok("\"J\xc3\"@example.org", 0));	/* bad UTF-8 */
	ck_assert_ptr_null(envelope_address_ascii("\"J\xc3\xa4ne\"@example.org"));
}
END_TEST

START_TEST(test_progress)
{
	struct world *w = world_new();
	guint64 p0 = lmtp_session_progress(w->s);

	feed_bytes(w, "NO", 2, NULL);
	ck_assert_uint_eq(lmtp_session_progress(w->s), p0);	/* half a command is no progress */
	feed_bytes(w, "OP\r\n", 4, NULL);
	ck_assert_uint_gt(lmtp_session_progress(w->s), p0);
	open_data(w);
	ck_assert_int_eq(lmtp_session_phase(w->s), LMTP_DATA);
	p0 = lmtp_session_progress(w->s);
	feed(w, "a short line");
	ck_assert_uint_eq(lmtp_session_progress(w->s), p0);	/* a trickle is no progress */
	expect(w, ".", "250 ");
	ck_assert_uint_gt(lmtp_session_progress(w->s), p0);
	ck_assert_int_eq(lmtp_session_phase(w->s), LMTP_COMMANDS);	/* MAIL was reached once */
	world_free(w);
}
END_TEST


/* defer_commit, as the server runs it: nothing is answered for a message
 * until its commit is given back; input fed meanwhile waits, then is read
 * (here a second whole message, pipelined); a failed commit gets 451; a
 * session freed with its commit not taken aborts it. */
START_TEST(test_deferred_commit)
{
	struct world *w = world_new();
	static const char batch[] = "MAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.org>\r\n"
				    "DATA\r\none\r\n.\r\n"
				    "MAIL FROM:<s@example.org>\r\nRCPT TO:<b@example.org>\r\n"
				    "DATA\r\ntwo\r\n.\r\nNOOP\r\n";
	gchar **lines;
	void *txn;

	lmtp_session_free(w->s);
	w->params.defer_commit = TRUE;
	w->s = lmtp_session_new(&w->params);
	hello(w);
	ck_assert_ptr_null(lmtp_session_take_commit(w->s));
	feed_bytes(w, batch, sizeof batch - 1, NULL);
	ck_assert(lmtp_session_waiting(w->s));
	ck_assert_int_eq(lmtp_session_phase(w->s), LMTP_COMMANDS);
	ck_assert_msg(!strstr(w->out->str, "Message stored"), "%s", w->out->str);
	ck_assert_int_eq(w->store.calls, 0);
	txn = lmtp_session_take_commit(w->s);
	ck_assert_ptr_nonnull(txn);
	ck_assert_ptr_null(lmtp_session_take_commit(w->s));
	/* more input while waiting is kept too, not answered */
	feed_bytes(w, "NOOP\r\n", 6, NULL);
	ck_assert_str_eq(w->out->str, "");
	g_string_truncate(w->out, 0);
	ck_assert(lmtp_session_committed(w->s, fake_commit(txn), w->out));
	ck_assert_str_eq(w->store.data->str, "one\n");
	lines = reply_lines(w->out->str);
	ck_assert_uint_eq(g_strv_length(lines), 4);	/* 250 <a>, 250 MAIL, 250 RCPT, 354 */
	ck_assert(g_str_has_prefix(lines[0], "250 2.0.0") && strstr(lines[0], "<a@example.org>"));
	ck_assert(g_str_has_prefix(lines[3], "354 "));
	g_strfreev(lines);
	/* the second message now waits for its own commit, which fails */
	ck_assert(lmtp_session_waiting(w->s));
	txn = lmtp_session_take_commit(w->s);
	ck_assert_ptr_nonnull(txn);
	w->store.fail = 1;
	g_string_truncate(w->out, 0);
	ck_assert(lmtp_session_committed(w->s, fake_commit(txn), w->out));
	lines = reply_lines(w->out->str);
	ck_assert_uint_eq(g_strv_length(lines), 3);	/* 451 <b>, then both NOOPs */
	ck_assert(g_str_has_prefix(lines[0], "451 ") && strstr(lines[0], "<b@example.org>"));
	ck_assert(g_str_has_prefix(lines[1], "250 ") && g_str_has_prefix(lines[2], "250 "));
	g_strfreev(lines);
	ck_assert(!lmtp_session_waiting(w->s));
	ck_assert_int_eq(w->store.calls, 2);
	/* a third message, its commit never taken: freeing the session aborts it */
	expect(w, "MAIL FROM:<s@example.org>", "250 ");
	expect(w, "RCPT TO:<c@example.org>", "250 ");
	expect(w, "DATA", "354 ");
	feed_bytes(w, "three\r\n.\r\n", 10, NULL);
	ck_assert(lmtp_session_waiting(w->s));
	ck_assert_int_eq(w->store.aborts, 0);
	lmtp_session_free(w->s);
	w->s = NULL;
	ck_assert_int_eq(w->store.aborts, 1);
	ck_assert(!w->store.open);
	world_free(w);
}
END_TEST

static Suite *lmtp_suite(void)
{
	Suite *s = suite_create("lmtp");
	TCase *tc = tcase_create("session");

	tcase_add_test(tc, test_greeting);
	tcase_add_test(tc, test_lhlo_extensions);
	tcase_add_test(tc, test_mail_before_lhlo);
	tcase_add_test(tc, test_mail_params);
	tcase_add_test(tc, test_rcpt_before_mail);
	tcase_add_test(tc, test_full_transaction);
	tcase_add_test(tc, test_binary_data_line);
	tcase_add_test(tc, test_store_failure);
	tcase_add_test(tc, test_data_too_big);
	tcase_add_test(tc, test_data_line_too_long);
	tcase_add_test(tc, test_command_too_long);
	tcase_add_test(tc, test_rset_clears);
	tcase_add_test(tc, test_noop_quit);
	tcase_add_test(tc, test_helo_ehlo_refused);
	tcase_add_test(tc, test_null_sender);
	tcase_add_test(tc, test_bad_addresses);
	tcase_add_test(tc, test_too_many_recipients);
	tcase_add_test(tc, test_too_many_errors);
	tcase_add_test(tc, test_pipelined_batch);
	tcase_add_test(tc, test_nul_in_command);
	tcase_add_test(tc, test_bare_lf_smuggling);
	tcase_add_test(tc, test_bare_cr_is_data);
	tcase_add_test(tc, test_byte_by_byte);
	tcase_add_test(tc, test_cr_only_message);
	tcase_add_test(tc, test_abort);
	tcase_add_test(tc, test_begin_fails);
	tcase_add_test(tc, test_quoted_local_parts);
	tcase_add_test(tc, test_utf8_addresses);
	tcase_add_test(tc, test_envelope_local_ascii);
	tcase_add_test(tc, test_progress);
	tcase_add_test(tc, test_deferred_commit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lmtp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

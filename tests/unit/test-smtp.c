/* test-smtp.c - smtp_send against a scripted SMTP server run by the test.
 *
 * Each test starts its own server: a thread on a loopback port chosen by the
 * kernel, answering one connection from a script (a reply for each command,
 * or a hang-up) and recording the commands and the message it received.
 * Nothing touches the disk. */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib.h>
#include "robot/smtp.h"
#include "robot/limits.h"

#define HELO "robot.example.org"
#define FROM "robot@example.org"
#define TO "alice@example.net"
#define WAIT_MS 10000

struct server {
	int listen_fd;
	int port;
	GThread *thread;
	/* the script: a whole reply (CRLF included) for each command */
	const char *greeting;	/* NULL: hang up at once */
	const char *ehlo, *helo, *mail, *rcpt, *data, *end;
	gboolean hangup_after_greeting;
	gboolean reset_after_mail;	/* hang up with RST after the MAIL reply */
	/* what was received */
	GPtrArray *commands;	/* each command line, without CRLF */
	GString *message;	/* the DATA content, dots unstuffed */
};

/* --- the scripted server ----------------------------------------------------- */

static void server_say(int fd, const char *reply)
{
	size_t len = strlen(reply);

	while (len > 0) {
		ssize_t n = send(fd, reply, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		reply += n;
		len -= (size_t)n;
	}
}

/* One line into line (CRLF removed). FALSE at end of file or error. */
static gboolean server_read_line(int fd, GString *line)
{
	char c;

	g_string_truncate(line, 0);
	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n <= 0)
			return FALSE;
		if (c == '\n')
			break;
		g_string_append_c(line, c);
	}
	if (line->len > 0 && line->str[line->len - 1] == '\r')
		g_string_truncate(line, line->len - 1);
	return TRUE;
}

static void server_read_message(struct server *srv, int fd)
{
	GString *line = g_string_new(NULL);

	while (server_read_line(fd, line) && strcmp(line->str, ".") != 0) {
		const char *text = line->str[0] == '.' ? line->str + 1 : line->str;

		g_string_append(srv->message, text);
		g_string_append(srv->message, "\r\n");
	}
	g_string_free(line, TRUE);
	server_say(fd, srv->end);
}

static void server_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

/* Answers one command; FALSE when the conversation is over. */
static gboolean server_answer(struct server *srv, int fd, const char *cmd)
{
	if (g_ascii_strncasecmp(cmd, "EHLO", 4) == 0) {
		server_say(fd, srv->ehlo);
	} else if (g_ascii_strncasecmp(cmd, "HELO", 4) == 0) {
		server_say(fd, srv->helo);
	} else if (g_ascii_strncasecmp(cmd, "MAIL", 4) == 0) {
		server_say(fd, srv->mail);
		if (srv->reset_after_mail) {
			server_reset(fd);
			return FALSE;
		}
	} else if (g_ascii_strncasecmp(cmd, "RCPT", 4) == 0) {
		server_say(fd, srv->rcpt);
	} else if (g_ascii_strncasecmp(cmd, "DATA", 4) == 0) {
		server_say(fd, srv->data);
		if (g_str_has_prefix(srv->data, "354"))
			server_read_message(srv, fd);
	} else if (g_ascii_strncasecmp(cmd, "QUIT", 4) == 0) {
		server_say(fd, "221 bye\r\n");
		return FALSE;
	} else {
		server_say(fd, "500 what?\r\n");
	}
	return TRUE;
}

static int server_accept(struct server *srv)
{
	struct pollfd pfd = { .fd = srv->listen_fd, .events = POLLIN };
	struct timeval tv = { .tv_sec = WAIT_MS / 1000 };
	int fd;

	if (poll(&pfd, 1, WAIT_MS) != 1)
		return -1;
	fd = accept(srv->listen_fd, NULL, NULL);
	if (fd >= 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static gpointer server_run(gpointer data)
{
	struct server *srv = data;
	GString *line = g_string_new(NULL);
	int fd = server_accept(srv);

	if (fd >= 0 && srv->greeting) {
		server_say(fd, srv->greeting);
		while (!srv->hangup_after_greeting && server_read_line(fd, line)) {
			g_ptr_array_add(srv->commands, g_strdup(line->str));
			if (!server_answer(srv, fd, line->str))
				break;
		}
	}
	if (fd >= 0)
		close(fd);
	g_string_free(line, TRUE);
	return NULL;
}

static void server_init(struct server *srv)
{
	memset(srv, 0, sizeof(*srv));
	srv->greeting = "220 test.example ESMTP\r\n";
	srv->ehlo = "250-test.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
	srv->helo = "250 test.example\r\n";
	srv->mail = "250 2.1.0 Ok\r\n";
	srv->rcpt = "250 2.1.5 Ok\r\n";
	srv->data = "354 End data with <CR><LF>.<CR><LF>\r\n";
	srv->end = "250 2.0.0 Ok: queued as 4XYZ\r\n";
	srv->commands = g_ptr_array_new_with_free_func(g_free);
	srv->message = g_string_new(NULL);
}

/* Listens on the loopback of family (AF_INET or AF_INET6); FALSE when that
 * family is not available here. */
static gboolean server_listen(struct server *srv, int family)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in);

	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv->listen_fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv->listen_fd < 0)
		return FALSE;
	if (bind(srv->listen_fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(srv->listen_fd, 1) < 0 ||
	    getsockname(srv->listen_fd, (struct sockaddr *)&ss, &len) < 0) {
		close(srv->listen_fd);
		return FALSE;
	}
	srv->port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					     : ((struct sockaddr_in *)&ss)->sin_port);
	return TRUE;
}

static void server_start(struct server *srv)
{
	ck_assert(server_listen(srv, AF_INET));
	srv->thread = g_thread_new("smtp-server", server_run, srv);
}

/* Waits for the conversation to end; after this, what was received is stable. */
static void server_finish(struct server *srv)
{
	g_thread_join(srv->thread);
	close(srv->listen_fd);
}

static void server_free(struct server *srv)
{
	g_ptr_array_unref(srv->commands);
	g_string_free(srv->message, TRUE);
}

/* The first received command that starts with prefix, or NULL. */
static const char *server_command(const struct server *srv, const char *prefix)
{
	for (guint i = 0; i < srv->commands->len; i++)
		if (g_str_has_prefix(srv->commands->pdata[i], prefix))
			return srv->commands->pdata[i];
	return NULL;
}

static char *relay_of(const struct server *srv)
{
	return g_strdup_printf("127.0.0.1:%d", srv->port);
}

/* Sends msg through a server run from its script; the status, *detail set. */
static enum send_status send_through(struct server *srv, const char *from,
				     const char *envid, const char *msg, char **detail)
{
	enum send_status st;
	char *relay;

	server_start(srv);
	relay = relay_of(srv);
	st = smtp_send(relay, HELO, from, TO, envid, msg, strlen(msg), detail);
	server_finish(srv);
	g_free(relay);
	ck_assert_ptr_nonnull(*detail);
	return st;
}

static void assert_one_line(const char *detail)
{
	ck_assert_uint_le(strlen(detail), MAX_LOG_TEXT);
	ck_assert_ptr_null(strpbrk(detail, "\r\n"));
}

/* --- the tests ---------------------------------------------------------------- */

static const char MSG[] = "From: robot@example.org\r\nTo: alice@example.net\r\n"
	"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nlast line\r\n";

START_TEST(test_ok_exact_bytes)
{
	struct server srv;
	char *detail = NULL;

	server_init(&srv);
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_OK);
	ck_assert_str_eq(srv.message->str, MSG);
	ck_assert_str_eq(srv.commands->pdata[0], "EHLO " HELO);
	ck_assert_str_eq(server_command(&srv, "MAIL"), "MAIL FROM:<" FROM ">");
	ck_assert_str_eq(server_command(&srv, "RCPT"), "RCPT TO:<" TO ">");
	ck_assert_ptr_nonnull(server_command(&srv, "QUIT"));
	ck_assert_ptr_nonnull(strstr(detail, "250"));
	assert_one_line(detail);
	g_free(detail);
	server_free(&srv);
}
END_TEST

/* Without a final line end the message gets one: it must end in CRLF. */
START_TEST(test_ok_without_final_crlf)
{
	struct server srv;
	char *detail = NULL;

	server_init(&srv);
	ck_assert_int_eq(send_through(&srv, FROM, NULL, "Subject: x\r\n\r\nbody", &detail),
			 SEND_OK);
	ck_assert_str_eq(srv.message->str, "Subject: x\r\n\r\nbody\r\n");
	g_free(detail);
	server_free(&srv);
}
END_TEST

START_TEST(test_null_sender)
{
	struct server srv;
	char *detail = NULL;

	server_init(&srv);
	ck_assert_int_eq(send_through(&srv, "", NULL, MSG, &detail), SEND_OK);
	ck_assert_str_eq(server_command(&srv, "MAIL"), "MAIL FROM:<>");
	ck_assert_str_eq(srv.message->str, MSG);
	g_free(detail);
	server_free(&srv);
}
END_TEST

START_TEST(test_rcpt_4xx_tempfail)
{
	struct server srv;
	char *detail = NULL;

	server_init(&srv);
	srv.rcpt = "451 4.3.0 try later\r\n";
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(detail, "451"));
	ck_assert_ptr_null(server_command(&srv, "DATA"));
	g_free(detail);
	server_free(&srv);
}
END_TEST

/* libetpan maps 450 and 550 to the same error: the code decides. */
START_TEST(test_rcpt_450_tempfail)
{
	struct server srv;
	char *detail = NULL;

	server_init(&srv);
	srv.rcpt = "450 4.2.0 mailbox busy\r\n";
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(detail, "450"));
	g_free(detail);
	server_free(&srv);
}
END_TEST

START_TEST(test_rcpt_5xx_permfail)
{
	struct server srv;
	char *detail = NULL;

	server_init(&srv);
	srv.rcpt = "550 5.1.1 <alice@example.net>: no such user\r\n";
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_PERMFAIL);
	ck_assert_str_eq(detail, "RCPT TO: 550 5.1.1 <alice@example.net>: no such user");
	ck_assert_ptr_null(server_command(&srv, "DATA"));
	ck_assert_ptr_nonnull(server_command(&srv, "QUIT"));
	g_free(detail);
	server_free(&srv);
}
END_TEST

START_TEST(test_mail_5xx_permfail)
{
	struct server srv;
	char *detail = NULL;

	server_init(&srv);
	srv.mail = "553 5.7.1 sender refused\r\n";
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_PERMFAIL);
	ck_assert_ptr_nonnull(strstr(detail, "553"));
	g_free(detail);
	server_free(&srv);
}
END_TEST

START_TEST(test_end_of_data_codes)
{
	struct server srv;
	char *detail = NULL;

	server_init(&srv);
	srv.end = "554 5.6.0 message refused\r\n";
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_PERMFAIL);
	ck_assert_ptr_nonnull(strstr(detail, "554"));
	g_clear_pointer(&detail, g_free);
	server_free(&srv);

	server_init(&srv);
	srv.end = "452 4.3.1 insufficient storage\r\n";
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(detail, "452"));
	g_free(detail);
	server_free(&srv);
}
END_TEST

/* A 5xx before MAIL says the relay will not talk to us: our side to fix. */
START_TEST(test_greeting_refusals_tempfail)
{
	struct server srv;
	char *detail = NULL;

	server_init(&srv);
	srv.greeting = "554 5.3.2 go away\r\n";
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(detail, "554"));
	g_clear_pointer(&detail, g_free);
	server_free(&srv);

	server_init(&srv);
	srv.greeting = "421 4.3.2 busy\r\n";
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(detail, "421"));
	g_free(detail);
	server_free(&srv);
}
END_TEST

START_TEST(test_helo_fallback)
{
	struct server srv;
	char *detail = NULL;

	server_init(&srv);
	srv.ehlo = "502 5.5.2 command not recognized\r\n";
	ck_assert_int_eq(send_through(&srv, FROM, "envid-1", MSG, &detail), SEND_OK);
	ck_assert_str_eq(server_command(&srv, "HELO"), "HELO " HELO);
	ck_assert_str_eq(server_command(&srv, "MAIL"), "MAIL FROM:<" FROM ">");
	ck_assert_str_eq(srv.message->str, MSG);
	g_free(detail);
	server_free(&srv);
}
END_TEST

START_TEST(test_close_after_greeting)
{
	struct server srv;
	char *detail = NULL;

	server_init(&srv);
	srv.hangup_after_greeting = TRUE;
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_TEMPFAIL);
	assert_one_line(detail);
	g_clear_pointer(&detail, g_free);
	server_free(&srv);

	server_init(&srv);
	srv.greeting = NULL;	/* accepts, then hangs up without a word */
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(detail, "greeting"));
	g_free(detail);
	server_free(&srv);
}
END_TEST

/* 421 then a reset: our QUIT meets a dead socket. The call must survive it
 * and leave the thread's signal mask as it found it. */
START_TEST(test_reply_then_reset)
{
	struct server srv;
	char *detail = NULL;
	sigset_t before, after;

	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &before), 0);
	server_init(&srv);
	srv.mail = "421 4.3.2 shutting down\r\n";
	srv.reset_after_mail = TRUE;
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(detail, "421"));
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &after), 0);
	ck_assert_int_eq(sigismember(&after, SIGPIPE), sigismember(&before, SIGPIPE));
	g_free(detail);
	server_free(&srv);
}
END_TEST

START_TEST(test_connection_refused)
{
	struct server srv;
	char *relay, *detail = NULL;

	server_init(&srv);
	ck_assert(server_listen(&srv, AF_INET));
	close(srv.listen_fd);	/* the port is free again: nothing listens */
	relay = relay_of(&srv);
	ck_assert_int_eq(smtp_send(relay, HELO, FROM, TO, NULL, MSG, strlen(MSG), &detail),
			 SEND_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(detail, "refused"));
	g_free(detail);
	g_free(relay);
	server_free(&srv);
}
END_TEST

START_TEST(test_ipv6_relay)
{
	struct server srv;
	char *relay, *detail = NULL;

	server_init(&srv);
	if (!server_listen(&srv, AF_INET6)) {	/* no IPv6 loopback here */
		server_free(&srv);
		return;
	}
	srv.thread = g_thread_new("smtp-server", server_run, &srv);
	relay = g_strdup_printf("[::1]:%d", srv.port);
	ck_assert_int_eq(smtp_send(relay, HELO, FROM, TO, NULL, MSG, strlen(MSG), &detail),
			 SEND_OK);
	server_finish(&srv);
	ck_assert_str_eq(srv.message->str, MSG);
	g_free(detail);
	g_free(relay);
	server_free(&srv);
}
END_TEST

static const char DSN_EHLO[] = "250-test.example\r\n250-DSN\r\n250 SIZE 10240000\r\n";

START_TEST(test_dsn_when_advertised_and_asked)
{
	struct server srv;
	char *detail = NULL;
	char *mail;

	server_init(&srv);
	srv.ehlo = DSN_EHLO;
	ck_assert_int_eq(send_through(&srv, FROM, "q1.abc+d=e", MSG, &detail), SEND_OK);
	mail = g_strdup_printf("MAIL FROM:<" FROM "> RET=HDRS ENVID=q1.abc+2Bd+3De SIZE=%zu",
			       strlen(MSG));
	ck_assert_str_eq(server_command(&srv, "MAIL"), mail);
	ck_assert_str_eq(server_command(&srv, "RCPT"),
			 "RCPT TO:<" TO "> NOTIFY=SUCCESS,FAILURE,DELAY");
	ck_assert_str_eq(srv.message->str, MSG);
	g_free(mail);
	g_free(detail);
	server_free(&srv);
}
END_TEST

START_TEST(test_no_dsn_without_envid)
{
	struct server srv;
	char *detail = NULL;
	char *mail;

	server_init(&srv);
	srv.ehlo = DSN_EHLO;
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_OK);
	mail = g_strdup_printf("MAIL FROM:<" FROM "> SIZE=%zu", strlen(MSG));
	ck_assert_str_eq(server_command(&srv, "MAIL"), mail);
	ck_assert_str_eq(server_command(&srv, "RCPT"), "RCPT TO:<" TO ">");
	g_free(mail);
	g_free(detail);
	server_free(&srv);
}
END_TEST

START_TEST(test_no_dsn_when_not_advertised)
{
	struct server srv;
	char *detail = NULL;

	server_init(&srv);
	ck_assert_int_eq(send_through(&srv, FROM, "q1", MSG, &detail), SEND_OK);
	ck_assert_str_eq(server_command(&srv, "MAIL"), "MAIL FROM:<" FROM ">");
	ck_assert_str_eq(server_command(&srv, "RCPT"), "RCPT TO:<" TO ">");
	g_free(detail);
	server_free(&srv);
}
END_TEST

/* A long multi-line reply becomes one bounded line of printable text. */
START_TEST(test_detail_bounded)
{
	struct server srv;
	char *detail = NULL;
	char *filler = g_strnfill(300, 'x');
	char *reply = g_strdup_printf("550-5.7.1 first\x01 line\r\n550 %s\r\n", filler);

	server_init(&srv);
	srv.rcpt = reply;
	ck_assert_int_eq(send_through(&srv, FROM, NULL, MSG, &detail), SEND_PERMFAIL);
	assert_one_line(detail);
	ck_assert(g_str_has_prefix(detail, "RCPT TO: 550 5.7.1 first? line xxx"));
	for (const char *p = detail; *p; p++)
		ck_assert(*p >= ' ' && *p < 0x7f);
	g_free(detail);
	g_free(reply);
	g_free(filler);
	server_free(&srv);
}
END_TEST

/* Arguments that would forge a command are refused before any connection:
 * the relay given listens nowhere, so a connection would be a TEMPFAIL. */
START_TEST(test_bad_arguments)
{
	char *detail = NULL;
	const char *relay = "127.0.0.1:1";

	ck_assert_int_eq(smtp_send(relay, HELO, FROM, "a@b.example\r\nRSET", NULL,
				   MSG, strlen(MSG), &detail), SEND_PERMFAIL);
	assert_one_line(detail);
	g_clear_pointer(&detail, g_free);
	ck_assert_int_eq(smtp_send(relay, HELO, "x>@y", TO, NULL, MSG, strlen(MSG), &detail),
			 SEND_PERMFAIL);
	g_clear_pointer(&detail, g_free);
	ck_assert_int_eq(smtp_send(relay, HELO, FROM, "", NULL, MSG, strlen(MSG), &detail),
			 SEND_PERMFAIL);
	g_clear_pointer(&detail, g_free);
	ck_assert_int_eq(smtp_send(relay, "bad helo", FROM, TO, NULL, MSG, strlen(MSG), &detail),
			 SEND_TEMPFAIL);
	g_clear_pointer(&detail, g_free);
	ck_assert_int_eq(smtp_send("::1:25", HELO, FROM, TO, NULL, MSG, strlen(MSG), &detail),
			 SEND_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(detail, "relay"));
	g_free(detail);
}
END_TEST

static Suite *smtp_suite(void)
{
	Suite *s = suite_create("smtp");
	TCase *tc = tcase_create("send");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ok_exact_bytes);
	tcase_add_test(tc, test_ok_without_final_crlf);
	tcase_add_test(tc, test_null_sender);
	tcase_add_test(tc, test_rcpt_4xx_tempfail);
	tcase_add_test(tc, test_rcpt_450_tempfail);
	tcase_add_test(tc, test_rcpt_5xx_permfail);
	tcase_add_test(tc, test_mail_5xx_permfail);
	tcase_add_test(tc, test_end_of_data_codes);
	tcase_add_test(tc, test_greeting_refusals_tempfail);
	tcase_add_test(tc, test_helo_fallback);
	tcase_add_test(tc, test_close_after_greeting);
	tcase_add_test(tc, test_reply_then_reset);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_ipv6_relay);
	tcase_add_test(tc, test_dsn_when_advertised_and_asked);
	tcase_add_test(tc, test_no_dsn_without_envid);
	tcase_add_test(tc, test_no_dsn_when_not_advertised);
	tcase_add_test(tc, test_detail_bounded);
	tcase_add_test(tc, test_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(smtp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

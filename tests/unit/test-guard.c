/* test-guard.c - guard_filter, RFC 3834's rules: a null sender, automatic
 * and list mail are never answered but go on to the classifier; our own
 * mail come back is a loop and stops; a MIME tree over the limits is
 * refused and stops; a person's mail goes on and may be answered.
 * Messages are built in strings; the robot is robot.test. */
#include <check.h>
#include <string.h>
#include <glib.h>
#include "filters/filter.h"
#include "tests/unit/testlib-filters.h"
#include "robot/limits.h"
#include "robot/templates.h"

#define PERSON "alice@example.org"


struct outcome {
	enum verdict verdict;
	enum mail_kind kind;
	gboolean no_reply;
	const char *reason;
};

/* Runs the guard over text, sent by sender to the robot. */
static struct outcome guard(const char *sender, const char *text)
{
	struct envelope env;
	struct mail *m = mail_parse(text, strlen(text));
	struct filter_ctx ctx = { .cfg = &cfg, .tpl = tpl, .env = &env, .mail = m };
	struct outcome o;

	envelope_init(&env);
	env.sender = g_strdup(sender);
	envelope_add_recipient(&env, ROBOT);
	o.verdict = guard_filter(&ctx);
	o.kind = ctx.kind;
	o.no_reply = ctx.no_reply;
	o.reason = ctx.reason;
	mail_free(m);
	envelope_clear(&env);
	return o;
}

/* A person's message with one extra header line (or "" for none). */
static char *person_mail(const char *extra)
{
	return g_strdup_printf("From: Alice <" PERSON ">\r\nTo: " ROBOT "\r\nSubject: HELP\r\n"
			       "Message-ID: <1@example.org>\r\n%s%s\r\nHELP\r\n", extra, *extra ? "\r\n" : "");
}

static void assert_may_reply(struct outcome o)
{
	ck_assert_int_eq(o.verdict, VERDICT_CONTINUE);
	ck_assert_int_eq(o.kind, KIND_UNKNOWN);
	ck_assert_msg(!o.no_reply, "no_reply set (%s)", o.reason ? o.reason : "no reason");
}

/* Marked no_reply, but passed on: the classifier records what it is. */
static void assert_silent(struct outcome o, const char *what)
{
	ck_assert_int_eq(o.verdict, VERDICT_CONTINUE);
	ck_assert_int_eq(o.kind, KIND_UNKNOWN);
	ck_assert_msg(o.no_reply, "%s: may be answered", what);
	ck_assert_ptr_nonnull(o.reason);
}

static void assert_stopped(struct outcome o, enum mail_kind kind)
{
	ck_assert_int_eq(o.verdict, VERDICT_STOP);
	ck_assert_int_eq(o.kind, kind);
	ck_assert(o.no_reply);
	ck_assert_ptr_nonnull(o.reason);
}

/* A message whose MIME tree has levels levels: nested multiparts around one text part. */
static char *nested_mail(int levels)
{
	GString *s = g_string_new("From: " PERSON "\r\nSubject: deep\r\nMIME-Version: 1.0\r\n");

	for (int i = 1; i < levels; i++)
		g_string_append_printf(s, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i);
	g_string_append(s, "Content-Type: text/plain\r\n\r\nhello\r\n");
	for (int i = levels - 1; i >= 1; i--)
		g_string_append_printf(s, "--b%d--\r\n", i);
	return g_string_free(s, FALSE);
}

/* A multipart/mixed with leaves text parts: leaves + 1 parts in all. */
static char *wide_mail(int leaves)
{
	GString *s = g_string_new("From: " PERSON "\r\nSubject: wide\r\nMIME-Version: 1.0\r\n"
				  "Content-Type: multipart/mixed; boundary=\"w\"\r\n\r\n");

	for (int i = 0; i < leaves; i++)
		g_string_append_printf(s, "--w\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i);
	g_string_append(s, "--w--\r\n");
	return g_string_free(s, FALSE);
}

START_TEST(test_person_may_reply)
{
	char *text = person_mail("");

	assert_may_reply(guard(PERSON, text));
	g_free(text);
}
END_TEST

START_TEST(test_null_sender)
{
	char *text = person_mail("");

	assert_silent(guard("", text), "null sender");
	g_free(text);
}
END_TEST

START_TEST(test_null_return_path)
{
	char *text = person_mail("Return-Path: <>");

	assert_silent(guard(PERSON, text), "Return-Path: <>");
	g_free(text);
}
END_TEST

START_TEST(test_auto_submitted)
{
	static const char *const automatic[] = { "auto-replied", "auto-generated", "Auto-Notified", NULL };
	char *text;

	for (const char *const *v = automatic; *v; v++) {
		char *h = g_strdup_printf("Auto-Submitted: %s", *v);
		text = person_mail(h);
		assert_silent(guard(PERSON, text), h);
		g_free(text);
		g_free(h);
	}
	text = person_mail("Auto-Submitted: no");
	assert_may_reply(guard(PERSON, text));
	g_free(text);
	text = person_mail("Auto-Submitted: No (a person wrote this)");
	assert_may_reply(guard(PERSON, text));
	g_free(text);
}
END_TEST

START_TEST(test_precedence)
{
	static const char *const values[] = { "bulk", "junk", "list", "BULK", NULL };
	char *text;

	for (const char *const *v = values; *v; v++) {
		char *h = g_strdup_printf("Precedence: %s", *v);
		text = person_mail(h);
		assert_silent(guard(PERSON, text), h);
		g_free(text);
		g_free(h);
	}
	text = person_mail("Precedence: first-class");
	assert_may_reply(guard(PERSON, text));
	g_free(text);
}
END_TEST

START_TEST(test_list_headers)
{
	static const char *const headers[] = { "List-Id: <poc.lists.example.org>",
					       "List-Unsubscribe: <mailto:leave@lists.example.org>", NULL };

	for (const char *const *h = headers; *h; h++) {
		char *text = person_mail(*h);
		assert_silent(guard(PERSON, text), *h);
		g_free(text);
	}
}
END_TEST

START_TEST(test_autoreply_headers)
{
	static const char *const headers[] = { "X-Autoreply: yes", "X-Autorespond: on vacation", NULL };

	for (const char *const *h = headers; *h; h++) {
		char *text = person_mail(*h);
		assert_silent(guard(PERSON, text), *h);
		g_free(text);
	}
}
END_TEST

START_TEST(test_own_address_from)
{
	const char *text = "From: POC robot <" ROBOT ">\r\nTo: " ROBOT "\r\nSubject: HELP\r\n\r\nHELP\r\n";
	const char *upper = "From: <POCBOT@Robot.Test>\r\nSubject: HELP\r\n\r\nHELP\r\n";

	assert_stopped(guard(PERSON, text), KIND_LOOP);
	assert_stopped(guard(PERSON, upper), KIND_LOOP);
}
END_TEST

START_TEST(test_own_address_sender)
{
	char *text = person_mail("");

	assert_stopped(guard(ROBOT, text), KIND_LOOP);
	assert_stopped(guard("bounces+0123abcd@robot.test", text), KIND_LOOP);
	assert_stopped(guard("ping+0123abcd@robot.test", text), KIND_LOOP);
	assert_may_reply(guard("bounces+0123abcd@elsewhere.test", text));
	g_free(text);
}
END_TEST

START_TEST(test_loop_header)
{
	char *ours = person_mail(MAIL_LOOP_HEADER ": robot.test");
	char *spaced = person_mail(MAIL_LOOP_HEADER ":   ROBOT.TEST  ");
	char *other = person_mail(MAIL_LOOP_HEADER ": other-robot.test");

	assert_stopped(guard(PERSON, ours), KIND_LOOP);
	assert_stopped(guard(PERSON, spaced), KIND_LOOP);
	assert_may_reply(guard(PERSON, other));
	g_free(ours);
	g_free(spaced);
	g_free(other);
}
END_TEST

START_TEST(test_loop_wins_over_automatic)
{
	char *text = person_mail(MAIL_LOOP_HEADER ": robot.test\r\nAuto-Submitted: auto-replied");

	assert_stopped(guard("", text), KIND_LOOP);
	g_free(text);
}
END_TEST

START_TEST(test_mime_depth)
{
	char *at_limit = nested_mail(MAX_MIME_DEPTH), *over = nested_mail(MAX_MIME_DEPTH + 1);
	struct mail *m = mail_parse(over, strlen(over));

	ck_assert_int_eq(mail_depth(m), MAX_MIME_DEPTH + 1);	/* the fixture is what it says */
	mail_free(m);
	assert_may_reply(guard(PERSON, at_limit));
	assert_stopped(guard(PERSON, over), KIND_REFUSED);
	g_free(at_limit);
	g_free(over);
}
END_TEST

START_TEST(test_mime_parts)
{
	char *at_limit = wide_mail(MAX_MIME_PARTS - 1), *over = wide_mail(MAX_MIME_PARTS);
	struct mail *m = mail_parse(at_limit, strlen(at_limit));

	ck_assert_int_eq(mail_part_count(m), MAX_MIME_PARTS);
	mail_free(m);
	assert_may_reply(guard(PERSON, at_limit));
	assert_stopped(guard(PERSON, over), KIND_REFUSED);
	g_free(at_limit);
	g_free(over);
}
END_TEST

START_TEST(test_garbage)
{
	static const char garbage[] = "\x01\x02 not a message \xff\xfe\r\n\r\n\r\n";

	ck_assert_int_eq(guard(PERSON, garbage).verdict, VERDICT_CONTINUE);
	ck_assert_int_eq(guard(PERSON, "").verdict, VERDICT_CONTINUE);
}
END_TEST

static Suite *guard_suite(void)
{
	Suite *s = suite_create("guard");
	TCase *tc = tcase_create("rfc3834");

	tcase_add_test(tc, test_person_may_reply);
	tcase_add_test(tc, test_null_sender);
	tcase_add_test(tc, test_null_return_path);
	tcase_add_test(tc, test_auto_submitted);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_list_headers);
	tcase_add_test(tc, test_autoreply_headers);
	tcase_add_test(tc, test_own_address_from);
	tcase_add_test(tc, test_own_address_sender);
	tcase_add_test(tc, test_loop_header);
	tcase_add_test(tc, test_loop_wins_over_automatic);
	tcase_add_test(tc, test_mime_depth);
	tcase_add_test(tc, test_mime_parts);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_filters_run(guard_suite());
}

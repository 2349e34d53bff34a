/* test-classify.c - classify_filter after the guard, as the pipeline runs
 * them: DSNs and mail to our VERP address are bounces, plain-text bounces
 * too when their clues agree; auto-replies in any of the six languages (and
 * a few others), MDNs and mail from no-reply senders are automatic replies;
 * MDNs set ctx->receipt (a Sieve reject shaped as an MDN is a bounce);
 * a multipart/report is never a command, and a challenge shaped as a DSN
 * is automatic mail unless it comes back to our VERP address;
 * a person's mail is a command even when its subject speaks of delivery,
 * returns or absence. Envelope senders are never <> here: real responders
 * do not all use it. Messages are built in strings; the robot is robot.test. */
#include <check.h>
#include <string.h>
#include <glib.h>
#include "filters/filter.h"
#include "tests/unit/testlib-filters.h"
#include "robot/templates.h"

#define PERSON "alice@example.org"


struct outcome {
	enum verdict verdict;
	enum mail_kind kind;
	gboolean no_reply;
	gboolean receipt;
	const char *reason;
};

/* Runs guard then classify over text, sent by sender to rcpt. */
static struct outcome classify_to(const char *sender, const char *rcpt, const char *text)
{
	struct envelope env;
	struct mail *m = mail_parse(text, strlen(text));
	struct filter_ctx ctx = { .cfg = &cfg, .tpl = tpl, .env = &env, .mail = m };
	struct outcome o;

	envelope_init(&env);
	env.sender = g_strdup(sender);
	envelope_add_recipient(&env, rcpt);
	o.verdict = guard_filter(&ctx);
	ck_assert_int_eq(o.verdict, VERDICT_CONTINUE);
	o.verdict = classify_filter(&ctx);
	o.kind = ctx.kind;
	o.no_reply = ctx.no_reply;
	o.receipt = ctx.receipt;
	o.reason = ctx.reason;
	mail_free(m);
	envelope_clear(&env);
	return o;
}

static struct outcome classify(const char *sender, const char *text)
{
	return classify_to(sender, ROBOT, text);
}

static void assert_kind(struct outcome o, enum mail_kind kind, const char *what)
{
	ck_assert_int_eq(o.verdict, VERDICT_CONTINUE);	/* the ping logic wants them all */
	ck_assert_msg(o.kind == kind, "%s: %s, not %s (%s)", what, filter_kind_name(o.kind),
		      filter_kind_name(kind), o.reason ? o.reason : "no reason");
	if (kind != KIND_COMMAND)
		ck_assert_msg(o.no_reply, "%s: may be answered", what);
}

/* A person's message with this subject (raw header text) and body. */
static char *mail_with(const char *subject, const char *body)
{
	return g_strdup_printf("From: Alice Martin <" PERSON ">\r\nTo: " ROBOT "\r\nSubject: %s\r\n"
			       "Message-ID: <2@example.org>\r\nMIME-Version: 1.0\r\n"
			       "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", subject, body);
}

static const char dsn[] =
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
	"To: " ROBOT "\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n"
	"--r\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
	"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
	"Final-Recipient: rfc822; poc@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"
	"--r\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: " ROBOT "\r\nSubject: ping\r\n"
	"--r--\r\n";

START_TEST(test_dsn)
{
	assert_kind(classify("postmaster@example.net", dsn), KIND_BOUNCE, "DSN from postmaster");
	assert_kind(classify(PERSON, dsn), KIND_BOUNCE, "DSN from a person's address");
	assert_kind(classify("", dsn), KIND_BOUNCE, "DSN from <>");
}
END_TEST

START_TEST(test_dsn_part_only)
{
	/* the status part under a multipart/mixed: still a DSN */
	const char *text = "From: postmaster@example.net\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
			   "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n"
			   "--m\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
			   "--m\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--m--\r\n";

	assert_kind(classify(PERSON, text), KIND_BOUNCE, "message/delivery-status part");
}
END_TEST

START_TEST(test_verp_recipient)
{
	char *text = mail_with("Re: your ping", "Thank you.");

	assert_kind(classify_to(PERSON, "bounces+0123abcd@robot.test", text), KIND_BOUNCE, "bounces+ recipient");
	assert_kind(classify_to(PERSON, "pocbot@robot.test", text), KIND_COMMAND, "same mail to the robot");
	/* bounces+ of another domain is not ours: the domain counts too */
	assert_kind(classify_to(PERSON, "bounces+x@other.domain", text), KIND_COMMAND,
		    "bounces+ recipient of another domain");
	g_free(text);
}
END_TEST

START_TEST(test_plain_text_bounces)
{
	const char *qmail = "From: MAILER-DAEMON@mx.example.net\r\nSubject: failure notice\r\n\r\n"
			    "Hi. This is the qmail-send program at mx.example.net.\r\n"
			    "I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
			    "This is a permanent error; I've given up. Sorry it didn't work out.\r\n";
	const char *exchange = "From: postmaster@example.gov\r\nSubject: Undeliverable: HELP\r\n"
			       "Precedence: bulk\r\n\r\nDelivery has failed to these recipients or groups:\r\n";
	const char *exim = "From: Mail Delivery System <Mailer-Daemon@example.ru>\r\n"
			   "Subject: Mail delivery failed: returning message to sender\r\n"
			   "X-Failed-Recipients: poc@example.ru\r\n\r\nThis message was created automatically "
			   "by mail delivery software.\r\n";

	assert_kind(classify("postmaster@example.net", qmail), KIND_BOUNCE, "qmail");
	assert_kind(classify(PERSON, exchange), KIND_BOUNCE, "Exchange NDR");
	assert_kind(classify(PERSON, exim), KIND_BOUNCE, "Exim");
}
END_TEST

START_TEST(test_exchange_autoreply)
{
	char *legacy = mail_with("Automatic reply: HELP", "I am out of the office until Monday.");
	char *old = mail_with("Out of Office AutoReply: HELP", "Back on Monday.");
	const char *modern = "From: Alice <" PERSON ">\r\nSubject: Automatic reply: HELP\r\n"
			     "Auto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\n"
			     "Thread-Topic: HELP\r\n\r\nI am away.\r\n";

	assert_kind(classify(PERSON, legacy), KIND_AUTOREPLY, "Exchange, no RFC 3834 header");
	assert_kind(classify(PERSON, old), KIND_AUTOREPLY, "Exchange 2003");
	assert_kind(classify(PERSON, modern), KIND_AUTOREPLY, "Exchange, Auto-Submitted");
	g_free(legacy);
	g_free(old);
}
END_TEST

START_TEST(test_gmail_vacation)
{
	const char *text = "From: Alice Martin <alice@gmail.com>\r\nTo: " ROBOT "\r\nSubject: Re: HELP\r\n"
			   "Auto-Submitted: auto-replied\r\nIn-Reply-To: <1@robot.test>\r\n\r\n"
			   "I am on leave until 3 March.\r\n";

	assert_kind(classify("alice@gmail.com", text), KIND_AUTOREPLY, "Gmail vacation responder");
}
END_TEST

START_TEST(test_autoreply_subjects_in_six_languages)
{
	static const char *const subjects[] = {
		"=?utf-8?q?R=C3=A9ponse_automatique_=3A_HELP?=",			/* fr */
		"=?utf-8?b?0JDQstGC0L7QvNCw0YLQuNGH0LXRgdC60LjQuSDQvtGC0LLQtdGCOiBIRUxQ?=",	/* ru */
		"=?utf-8?b?6Ieq5Yqo5Zue5aSNOiBIRUxQ?=",				/* zh */
		"\xe8\x87\xaa\xe5\x8a\xa8\xe5\x9b\x9e\xe5\xa4\x8d\xef\xbc\x9aHELP",	/* zh, raw, full-width colon */
		"=?utf-8?q?Respuesta_autom=C3=A1tica=3A_HELP?=",			/* es */
		"=?utf-8?b?2LHYryDYqtmE2YLYp9im2Yo6IEhFTFA=?=",				/* ar */
		"[Auto-Reply] HELP",
		NULL
	};

	for (const char *const *s = subjects; *s; s++) {
		char *text = mail_with(*s, "Hello");
		assert_kind(classify(PERSON, text), KIND_AUTOREPLY, *s);
		g_free(text);
	}
}
END_TEST

START_TEST(test_autoreply_subjects_other_languages)
{
	static const char *const subjects[] = {
		"Automatische Antwort: HELP",
		"=?windows-1250?Q?Automatyczna_odpowied=9F:_HELP?=",
		"Risposta automatica: HELP",
		NULL
	};

	for (const char *const *s = subjects; *s; s++) {
		char *text = mail_with(*s, "Hello");
		assert_kind(classify(PERSON, text), KIND_AUTOREPLY, *s);
		g_free(text);
	}
}
END_TEST

START_TEST(test_mdn)
{
	const char *text = "From: Alice <" PERSON ">\r\nSubject: Read: HELP\r\nMIME-Version: 1.0\r\n"
			   "Content-Type: multipart/report; report-type=disposition-notification; boundary=\"d\"\r\n\r\n"
			   "--d\r\nContent-Type: text/plain\r\n\r\nYour message was displayed.\r\n"
			   "--d\r\nContent-Type: message/disposition-notification\r\n\r\n"
			   "Final-Recipient: rfc822; " PERSON "\r\n"
			   "Disposition: manual-action/MDN-sent-manually; displayed\r\n--d--\r\n";

	struct outcome o = classify(PERSON, text);

	assert_kind(o, KIND_AUTOREPLY, "MDN");
	ck_assert(o.receipt);
	o = classify_to("", "bounces+0123abcd@robot.test", text);
	assert_kind(o, KIND_AUTOREPLY, "MDN to our VERP address");
	ck_assert(o.receipt);
}
END_TEST

START_TEST(test_sieve_reject)
{
	/* Dovecot's Sieve reject (RFC 5429): an MDN that says the message was deleted */
	const char *text = "From: Mail Delivery Subsystem <admin@example.net>\r\nSubject: Automatically rejected mail\r\n"
			   "Auto-Submitted: auto-replied (rejected)\r\nMIME-Version: 1.0\r\n"
			   "Content-Type: multipart/report; report-type=disposition-notification; boundary=\"s\"\r\n\r\n"
			   "--s\r\nContent-Type: text/plain\r\n\r\nYour message to <poc@example.net> was "
			   "automatically rejected:\r\nQuota exceeded\r\n--s\r\n"
			   "Content-Type: message/disposition-notification\r\n\r\n"
			   "Final-Recipient: rfc822; poc@example.net\r\n"
			   "Disposition: automatic-action/MDN-sent-automatically; deleted\r\n--s--\r\n";
	struct outcome o = classify("", text);

	assert_kind(o, KIND_BOUNCE, "Sieve reject");
	ck_assert(!o.receipt);
}
END_TEST

START_TEST(test_autoreply_headers)
{
	static const char *const headers[] = {
		"Auto-Submitted: auto-replied", "Auto-Submitted: auto-generated", "X-Autoreply: yes",
		"X-Autorespond: Thank you", "Precedence: auto_reply", "X-Apple-Action: vacation", NULL
	};

	for (const char *const *h = headers; *h; h++) {
		char *text = g_strdup_printf("From: Alice <" PERSON ">\r\nTo: " ROBOT "\r\nSubject: Re: HELP\r\n"
					     "%s\r\n\r\nHello.\r\n", *h);
		struct outcome o = classify(PERSON, text);

		assert_kind(o, KIND_AUTOREPLY, *h);
		ck_assert(!o.receipt);
		g_free(text);
	}
}
END_TEST

START_TEST(test_reports_never_commands)
{
	const char *unknown = "From: Alice <" PERSON ">\r\nSubject: HELP\r\nMIME-Version: 1.0\r\n"
			      "Content-Type: multipart/report; report-type=x-something; boundary=\"u\"\r\n\r\n"
			      "--u\r\nContent-Type: text/plain\r\n\r\nHELP\r\n--u--\r\n";
	const char *challenge = "From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered Mail Returned to Sender\r\n"
				"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
				"boundary=\"c\"\r\n\r\n--c\r\nContent-Type: text/plain\r\n\r\n<poc@example.net>: "
				"550 Your server requires confirmation. Visit http://example.net/w to confirm.\r\n"
				"--c\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
				"Final-Recipient: rfc822; poc@example.net\r\nAction: failed\r\nStatus: 5.0.0\r\n--c--\r\n";
	struct outcome o = classify(PERSON, unknown);

	ck_assert_int_ne(o.kind, KIND_COMMAND);
	ck_assert(o.no_reply);
	o = classify("", challenge);
	assert_kind(o, KIND_AUTOREPLY, "challenge shaped as a DSN");
	ck_assert_str_eq(o.reason, "challenge");
	assert_kind(classify_to("", "bounces+0123abcd@robot.test", challenge), KIND_BOUNCE, "challenge to a ping");
}
END_TEST

START_TEST(test_read_receipt_without_mdn)
{
	char *receipt = mail_with("Read: HELP", "x");
	char *forwarded = g_strconcat("Return-Path: <>\r\n", receipt, NULL);

	struct outcome o = classify(PERSON, forwarded);

	assert_kind(o, KIND_AUTOREPLY, "Read: with Return-Path <>");
	ck_assert(o.receipt);
	o = classify(PERSON, receipt);
	assert_kind(o, KIND_COMMAND, "Read: alone");
	ck_assert(!o.receipt);
	g_free(receipt);
	g_free(forwarded);
}
END_TEST

START_TEST(test_machine_senders)
{
	const char *noreply = "From: Notices <no-reply@service.example.com>\r\nSubject: Your report\r\n\r\nDone.\r\n";
	const char *verp = "Return-Path: <bounces-main+poc=robot.test@news.example.com>\r\n"
			   "From: news@example.com\r\nSubject: News\r\n\r\nHello\r\n";
	const char *challenge = "From: poc@example.net\r\nSubject: RE: HELP\r\nX-Bluebottle-Request: <1>\r\n\r\n"
				"Please click to be added to the allowed list.\r\n";

	assert_kind(classify(PERSON, noreply), KIND_AUTOREPLY, "no-reply sender");
	assert_kind(classify(PERSON, verp), KIND_AUTOREPLY, "VERP Return-Path");
	assert_kind(classify(PERSON, challenge), KIND_AUTOREPLY, "challenge-response");
}
END_TEST

START_TEST(test_person_delivery_subjects)
{
	static const char *const subjects[] = {
		"Delivery of our nomination form",
		"Re: Return of the signed form",
		"Returned mail?",
		"Delivery failed?",
		"Question on delivery status notifications",
		"Undeliverable address in the directory",
		"Re: Out of office replies from our POC",
		"Absent POC for France",
		"Réf : remise du formulaire",
		NULL
	};

	for (const char *const *s = subjects; *s; s++) {
		char *text = mail_with(*s, "HELP");
		struct outcome o = classify(PERSON, text);

		assert_kind(o, KIND_COMMAND, *s);
		ck_assert_msg(!o.no_reply, "%s: not to be answered (%s)", *s, o.reason ? o.reason : "");
		g_free(text);
	}
}
END_TEST

START_TEST(test_person_quoting_trouble)
{
	char *bounce_text = mail_with("Our POC address", "Our earlier mail could not be delivered: "
				      "550 user unknown. Here is the new address.");
	char *absent_text = mail_with("HELP", "I will be out of the office next week; please answer soon.");

	assert_kind(classify(PERSON, bounce_text), KIND_COMMAND, "text quoting a bounce");
	assert_kind(classify(PERSON, absent_text), KIND_COMMAND, "text mentioning an absence");
	g_free(bounce_text);
	g_free(absent_text);
}
END_TEST

START_TEST(test_null_sender_person_text)
{
	char *text = mail_with("HELP", "HELP");
	struct outcome o = classify("", text);

	assert_kind(o, KIND_COMMAND, "person's text from <>");
	ck_assert(o.no_reply);	/* the guard's rule still holds */
	g_free(text);
}
END_TEST

START_TEST(test_kind_names)
{
	ck_assert_str_eq(filter_kind_name(KIND_BOUNCE), "bounce");
	ck_assert_str_eq(filter_kind_name(KIND_AUTOREPLY), "autoreply");
	ck_assert_str_eq(filter_kind_name(KIND_COMMAND), "command");
	ck_assert_str_eq(filter_kind_name(KIND_LOOP), "loop");
	ck_assert_str_eq(filter_kind_name(KIND_REFUSED), "refused");
}
END_TEST

static Suite *classify_suite(void)
{
	Suite *s = suite_create("classify");
	TCase *b = tcase_create("bounces"), *a = tcase_create("autoreplies"), *p = tcase_create("people");

	tcase_add_test(b, test_dsn);
	tcase_add_test(b, test_dsn_part_only);
	tcase_add_test(b, test_verp_recipient);
	tcase_add_test(b, test_plain_text_bounces);
	tcase_add_test(a, test_exchange_autoreply);
	tcase_add_test(a, test_gmail_vacation);
	tcase_add_test(a, test_autoreply_subjects_in_six_languages);
	tcase_add_test(a, test_autoreply_subjects_other_languages);
	tcase_add_test(a, test_mdn);
	tcase_add_test(b, test_sieve_reject);
	tcase_add_test(a, test_autoreply_headers);
	tcase_add_test(b, test_reports_never_commands);
	tcase_add_test(a, test_read_receipt_without_mdn);
	tcase_add_test(a, test_machine_senders);
	tcase_add_test(p, test_person_delivery_subjects);
	tcase_add_test(p, test_person_quoting_trouble);
	tcase_add_test(p, test_null_sender_person_text);
	tcase_add_test(p, test_kind_names);
	suite_add_tcase(s, b);
	suite_add_tcase(s, a);
	suite_add_tcase(s, p);
	return s;
}

int main(void)
{
	return testlib_filters_run(classify_suite());
}

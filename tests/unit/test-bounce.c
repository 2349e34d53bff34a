/* test-bounce.c - bounce_read and the classifier measured over the shared
 * corpus of real-world mail ($POCBOT_TOP/../shared/corpus, only read), and
 * bounce_read on the four bounces the ping logic meets most (a Postfix DSN
 * for an unknown local user, Exim, qmail, a delay DSN).
 *
 * Corpus rules, printed with their rates:
 * - bounces/EXPECTED.tsv: where recipients are stated, every one of them
 *   must be among those bounce_read names (case-insensitive; more named is
 *   allowed and counted) for >= 95% of the messages; the hard/soft
 *   judgement (hard: some failed recipient has a dead address; soft: none)
 *   right where stated, at the bar below (the misses are listed: sisimai
 *   calls "filtered" some "user unknown" rejections, Mailman calls hard
 *   every "Action: failed"); no message of kind not-bounce classified as
 *   a bounce. Of the other bounces, the failures classified KIND_BOUNCE
 *   and read by bounce_read (>= 98% each), and every delay notice
 *   (Mailman's warnings, notes saying "delayed") recognised as one: reason
 *   "delivery delayed", KIND_AUTOREPLY for a standard DSN, KIND_BOUNCE
 *   when only its words say so.
 * - autoreplies/INDEX.tsv: every one KIND_AUTOREPLY, read receipts with
 *   ctx->receipt set.
 * - general/ and charsets/ (people's mail): none taken for a bounce or an
 *   automatic reply, except the ones listed in person_exceptions.
 * Each message is classified as the pipeline does (guard, then classify),
 * sent to the robot's plain address (not a bounces+ one, which would make
 * every message a bounce) from the address in its From, never <>. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "filters/filter.h"
#include "tests/unit/testlib-filters.h"
#include "filters/bounce.h"
#include "robot/templates.h"

#define HARD_SOFT_BAR 0.85	/* the judgement right for at least this share of the stated */

static char *corpus;

/* People's mail of the corpus the classifier takes for automatic mail,
 * knowingly: each is a robot's mail (a newsletter, a notification). */
static const char *const person_exceptions[] = { NULL };

struct verdict_of {
	enum mail_kind kind;
	const char *reason;	/* static */
	gboolean receipt;
	struct bounce_report *report;	/* bounce_read's, owned; or NULL */
};

/* The corpus file folder/name through guard, classify and bounce_read. */
static struct verdict_of read_file(const char *folder, const char *name)
{
	char *path = g_build_filename(corpus, folder, name, NULL), *data = NULL, *from;
	gsize len = 0;
	struct verdict_of v = { KIND_UNKNOWN, NULL, FALSE, NULL };
	struct envelope env;
	struct mail *m;
	struct filter_ctx ctx = { .cfg = &cfg, .tpl = tpl, .env = &env };

	ck_assert_msg(g_file_get_contents(path, &data, &len, NULL), "cannot read %s", path);
	m = mail_parse(data, len);
	from = mail_from_address(m);
	envelope_init(&env);
	env.sender = g_strdup(from ? from : "someone@example.org");
	envelope_add_recipient(&env, ROBOT);
	ctx.mail = m;
	ctx.raw = data;
	ctx.raw_len = len;
	if (guard_filter(&ctx) == VERDICT_CONTINUE)
		classify_filter(&ctx);
	v.kind = ctx.kind;
	v.reason = ctx.reason ? ctx.reason : "";
	v.receipt = ctx.receipt;
	v.report = bounce_read(m);
	envelope_clear(&env);
	mail_free(m);
	g_free(from);
	g_free(data);
	g_free(path);
	return v;
}

/* The rows of a corpus index, header skipped: each a NULL-terminated
 * array of its tab-separated columns. */
static GPtrArray *index_rows(const char *folder, const char *file)
{
	char *path = g_build_filename(corpus, folder, file, NULL), *text = NULL;
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	char **lines;

	ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL), "cannot read %s", path);
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines + 1; *l; l++)
		if (**l)
			g_ptr_array_add(rows, g_strsplit(*l, "\t", -1));
	g_strfreev(lines);
	g_free(text);
	g_free(path);
	return rows;
}

static const char *column(char **row, int i)
{
	for (int k = 0; k < i; k++)
		if (!row[k])
			return "";
	return row[i] ? row[i] : "";
}

/* 1 when every address of the space-separated list is named in r. */
static int all_named(const struct bounce_report *r, const char *expected, int *extra)
{
	char **want = g_strsplit(expected, " ", -1);
	int found = 0, n = 0;

	for (char **w = want; *w; w++) {
		if (!**w)
			continue;
		n++;
		for (guint i = 0; r && i < r->recipients->len; i++) {
			const struct bounce_recipient *rc = r->recipients->pdata[i];
			if (rc->address && g_ascii_strcasecmp(rc->address, *w) == 0) {
				found++;
				break;
			}
		}
	}
	*extra = r && (int)r->recipients->len > n ? (int)r->recipients->len - n : 0;
	g_strfreev(want);
	return found == n;
}

/* The report's judgement: 1 hard (a failed recipient with a dead
 * address), 0 soft. */
static int report_hard(const struct bounce_report *r)
{
	for (guint i = 0; r && i < r->recipients->len; i++) {
		const struct bounce_recipient *rc = r->recipients->pdata[i];
		if (rc->action == BOUNCE_FAILED && rc->hard)
			return 1;
	}
	return 0;
}

static double pct(int a, int b)
{
	return b ? 100.0 * a / b : 100.0;
}

/* A delay notice by the corpus: Mailman's warnings, or a note saying so. */
static int stated_delay(char **row)
{
	return strcmp(column(row, 7), "warning-or-delay") == 0 || strstr(column(row, 9), "elayed");
}

START_TEST(test_corpus_bounces)
{
	GPtrArray *rows = index_rows("bounces", "EXPECTED.tsv");
	int stated = 0, named = 0, extras = 0, judged = 0, right = 0, not_bounce = 0, taken = 0;
	int bounces = 0, as_bounce = 0, delays = 0, as_delay = 0, as_delay_bounce = 0, read = 0;
	GString *misses = g_string_new(NULL);

	for (guint i = 0; i < rows->len; i++) {
		char **row = rows->pdata[i];
		const char *file = column(row, 0), *want = column(row, 1), *kind = column(row, 2);
		struct verdict_of v = read_file("bounces", file);
		int extra = 0, delay_notice = strcmp(v.reason, "delivery delayed") == 0;

		if (strcmp(kind, "not-bounce") == 0) {
			not_bounce++;
			if (v.kind == KIND_BOUNCE) {
				taken++;
				g_string_append_printf(misses, "  not-bounce taken for bounce: %s\n", file);
			}
		} else if (strcmp(kind, "n/a") != 0 && stated_delay(row)) {
			delays++;
			as_delay += delay_notice;
			as_delay_bounce += delay_notice && v.kind == KIND_BOUNCE;
			if (delay_notice && v.kind != KIND_BOUNCE)
				g_string_append_printf(misses, "  delay notice, %s: %s\n", filter_kind_name(v.kind), file);
			if (!delay_notice)
				g_string_append_printf(misses, "  delay classified %s (%s): %s\n", filter_kind_name(v.kind),
						       v.reason, file);
		} else if (strcmp(kind, "n/a") != 0) {
			bounces++;
			as_bounce += v.kind == KIND_BOUNCE;
			read += v.report != NULL;
			if (v.kind != KIND_BOUNCE)
				g_string_append_printf(misses, "  bounce classified %s (%s): %s\n",
						       filter_kind_name(v.kind), v.reason, file);
		}
		if (*want) {
			stated++;
			if (all_named(v.report, want, &extra))
				named++;
			else
				g_string_append_printf(misses, "  recipient not named: %s (want %s)\n", file, want);
			extras += extra;
		}
		if (strcmp(kind, "hard") == 0 || strcmp(kind, "soft") == 0) {
			int hard = report_hard(v.report);
			judged++;
			if (hard == (strcmp(kind, "hard") == 0))
				right++;
			else
				g_string_append_printf(misses, "  judged %s, stated %s: %s (%s)\n", hard ? "hard" : "soft",
						       kind, file, column(row, 7));
		}
		bounce_report_free(v.report);
	}
	printf("bounces: failed recipient identified %d/%d (%.1f%%), %d more named; "
	       "hard/soft right %d/%d (%.1f%%); not-bounce taken for bounce %d/%d; "
	       "failures classified as bounce %d/%d (%.1f%%), read by bounce_read %d/%d; "
	       "delay notices recognised %d/%d (%d of them plain text, kept as bounce)\n%s",
	       named, stated, pct(named, stated), extras, right, judged, pct(right, judged), taken, not_bounce,
	       as_bounce, bounces, pct(as_bounce, bounces), read, bounces, as_delay, delays, as_delay_bounce,
	       misses->str);
	ck_assert_int_gt(stated, 100);
	ck_assert_msg(named * 100 >= stated * 95, "recipients identified %d/%d", named, stated);
	ck_assert_msg(right >= HARD_SOFT_BAR * judged, "hard/soft right %d/%d", right, judged);
	ck_assert_int_eq(taken, 0);
	ck_assert_msg(as_bounce * 100 >= bounces * 98, "failures classified as bounce %d/%d", as_bounce, bounces);
	ck_assert_msg(read * 100 >= bounces * 98, "failures read by bounce_read %d/%d", read, bounces);
	ck_assert_int_eq(as_delay, delays);
	g_string_free(misses, TRUE);
	g_ptr_array_unref(rows);
}
END_TEST

START_TEST(test_corpus_autoreplies)
{
	GPtrArray *rows = index_rows("autoreplies", "INDEX.tsv");
	int autoreply = 0, receipts = 0, receipts_set = 0;
	GString *misses = g_string_new(NULL);

	for (guint i = 0; i < rows->len; i++) {
		char **row = rows->pdata[i];
		const char *file = column(row, 0), *type = column(row, 1);
		struct verdict_of v = read_file("autoreplies", file);

		if (v.kind == KIND_AUTOREPLY)
			autoreply++;
		else
			g_string_append_printf(misses, "  %s classified %s\n", file, filter_kind_name(v.kind));
		if (g_str_has_prefix(type, "read-receipt")) {
			receipts++;
			receipts_set += v.receipt;
			if (!v.receipt)
				g_string_append_printf(misses, "  %s: receipt not set\n", file);
		} else if (v.receipt) {
			g_string_append_printf(misses, "  %s: receipt set on a %s\n", file, type);
		}
		bounce_report_free(v.report);
	}
	printf("autoreplies: automatic reply %d/%d (%.1f%%), read receipts marked %d/%d\n%s", autoreply, rows->len,
	       pct(autoreply, (int)rows->len), receipts_set, receipts, misses->str);
	ck_assert_int_ge(rows->len, 20);
	ck_assert_int_eq(autoreply, rows->len);
	ck_assert_int_ge(receipts, 2);
	ck_assert_int_eq(receipts_set, receipts);
	ck_assert_msg(misses->len == 0, "%s", misses->str);
	g_string_free(misses, TRUE);
	g_ptr_array_unref(rows);
}
END_TEST

static int is_exception(const char *file)
{
	for (const char *const *e = person_exceptions; *e; e++)
		if (strcmp(*e, file) == 0)
			return 1;
	return 0;
}

START_TEST(test_corpus_people)
{
	static const char *const folders[] = { "general", "charsets", NULL };
	int total = 0, automatic = 0, excepted = 0;
	GString *misses = g_string_new(NULL);

	for (const char *const *f = folders; *f; f++) {
		char *path = g_build_filename(corpus, *f, NULL);
		GDir *dir = g_dir_open(path, 0, NULL);
		const char *name;

		ck_assert_msg(dir != NULL, "no folder %s", path);
		while ((name = g_dir_read_name(dir))) {
			struct verdict_of v;
			char *rel;

			if (g_str_has_suffix(name, ".tsv") || g_str_has_suffix(name, ".md"))
				continue;
			v = read_file(*f, name);
			rel = g_build_filename(*f, name, NULL);
			total++;
			if (v.kind == KIND_BOUNCE || v.kind == KIND_AUTOREPLY) {
				automatic++;
				excepted += is_exception(rel);
				g_string_append_printf(misses, "  %s classified %s%s\n", rel, filter_kind_name(v.kind),
						       is_exception(rel) ? " (known)" : "");
			}
			bounce_report_free(v.report);
			g_free(rel);
		}
		g_dir_close(dir);
		g_free(path);
	}
	printf("people: taken for automatic mail %d/%d (%.1f%%)\n%s", automatic, total, pct(automatic, total),
	       misses->str);
	ck_assert_int_gt(total, 80);
	ck_assert_msg(automatic == excepted, "%d unexpected:\n%s", automatic - excepted, misses->str);
	g_string_free(misses, TRUE);
}
END_TEST

/* The four bounces the ping logic meets most, as their MTAs write them
 * (the Postfix ones as Postfix 3.7 wrote them here for a ping sent with
 * ENVID and NOTIFY), returned to a ping's VERP address. */
#define TOKEN "abcdefghijklmnopqrstuvwxyz"
#define VERP "bounces+" TOKEN "@robot.test"
#define PING_COPY "Return-Path: <" VERP ">\r\nFrom: pocbot@robot.test\r\nTo: nobody@poc.test\r\n" \
	"Subject: Communication check " TOKEN "\r\nMessage-ID: <ping." TOKEN "@robot.test>\r\n\r\n" \
	"Please answer this message.\r\n"

static const char postfix_dsn[] =
	"From: MAILER-DAEMON@mx.poc.test (Mail Delivery System)\r\nSubject: Undelivered Mail Returned to Sender\r\n"
	"To: " VERP "\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
	"Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"B\"\r\n\r\n"
	"--B\r\nContent-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
	"This is the mail system at host mx.poc.test.\r\n\r\nI'm sorry to have to inform you that your message "
	"could not\r\nbe delivered to one or more recipients. It's attached below.\r\n\r\n"
	"For further assistance, please send mail to postmaster.\r\n\r\n"
	"<nobody@poc.test>: unknown user: \"nobody\"\r\n\r\n"
	"--B\r\nContent-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n"
	"Reporting-MTA: dns; mx.poc.test\r\nOriginal-Envelope-Id: " TOKEN "\r\nX-Postfix-Queue-ID: 4F1A2\r\n"
	"X-Postfix-Sender: rfc822; " VERP "\r\nArrival-Date: Mon, 23 Nov 2026 14:00:00 +0000 (UTC)\r\n\r\n"
	"Final-Recipient: rfc822; nobody@poc.test\r\nOriginal-Recipient: rfc822;nobody@poc.test\r\n"
	"Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: X-Postfix; unknown user: \"nobody\"\r\n\r\n"
	"--B\r\nContent-Description: Undelivered Message\r\nContent-Type: message/rfc822\r\n\r\n"
	PING_COPY "\r\n--B--\r\n";

static const char exim_bounce[] =
	"From: Mail Delivery System <Mailer-Daemon@mx.poc.test>\r\nTo: " VERP "\r\n"
	"Subject: Mail delivery failed: returning message to sender\r\nX-Failed-Recipients: nobody@poc.test\r\n"
	"Auto-Submitted: auto-replied\r\n\r\n"
	"This message was created automatically by mail delivery software.\r\n\r\n"
	"A message that you sent could not be delivered to one or more of its\r\nrecipients. This is a permanent "
	"error. The following address(es) failed:\r\n\r\n  nobody@poc.test\r\n"
	"    SMTP error from remote mail server after RCPT TO:<nobody@poc.test>:\r\n"
	"    host mx.poc.test [192.0.2.1]: 550 5.1.1 <nobody@poc.test>: Recipient address rejected: "
	"User unknown in local recipient table\r\n\r\n"
	"------ This is a copy of the message, including all the headers. ------\r\n\r\n" PING_COPY;

static const char qmail_bounce[] =
	"From: MAILER-DAEMON@mx.poc.test\r\nTo: " VERP "\r\nSubject: failure notice\r\n\r\n"
	"Hi. This is the qmail-send program at mx.poc.test.\r\n"
	"I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
	"This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
	"<nobody@poc.test>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n"
	"--- Below this line is a copy of the message.\r\n\r\n" PING_COPY;

static const char delay_dsn[] =
	"From: MAILER-DAEMON@mx.robot.test (Mail Delivery System)\r\nSubject: Delayed Mail (still being retried)\r\n"
	"To: " VERP "\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"D\"\r\n\r\n"
	"--D\r\nContent-Type: text/plain\r\n\r\n####### THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR "
	"MESSAGE. #######\r\n\r\n<slow@poc.test>: connect to mx.poc.test[192.0.2.1]:25: Connection refused\r\n\r\n"
	"--D\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.robot.test\r\n\r\n"
	"Final-Recipient: rfc822; slow@poc.test\r\nOriginal-Recipient: rfc822;slow@poc.test\r\n"
	"Action: delayed\r\nStatus: 4.4.1\r\nDiagnostic-Code: X-Postfix; connect to mx.poc.test[192.0.2.1]:25: "
	"Connection refused\r\nWill-Retry-Until: Mon, 30 Nov 2026 14:00:00 +0000 (UTC)\r\n\r\n"
	"--D\r\nContent-Type: text/rfc822-headers\r\n\r\n" PING_COPY "--D--\r\n";

/* text through guard and classify, sent from <> to rcpt; bounce_read's
 * report (owned) in *r. */
static struct verdict_of sample(const char *text, const char *rcpt)
{
	struct verdict_of v = { KIND_UNKNOWN, NULL, FALSE, NULL };
	struct envelope env;
	struct mail *m = mail_parse(text, strlen(text));
	struct filter_ctx ctx = { .cfg = &cfg, .tpl = tpl, .env = &env, .mail = m, .raw = text,
				  .raw_len = strlen(text) };

	envelope_init(&env);
	env.sender = g_strdup("");
	envelope_add_recipient(&env, rcpt);
	ck_assert_int_eq(guard_filter(&ctx), VERDICT_CONTINUE);
	ck_assert_int_eq(classify_filter(&ctx), VERDICT_CONTINUE);
	ck_assert(ctx.no_reply);
	v.kind = ctx.kind;
	v.reason = ctx.reason;
	v.receipt = ctx.receipt;
	v.report = bounce_read(m);
	envelope_clear(&env);
	mail_free(m);
	return v;
}

static const struct bounce_recipient *only_recipient(const struct verdict_of *v)
{
	ck_assert_ptr_nonnull(v->report);
	ck_assert_int_eq(v->report->recipients->len, 1);
	return v->report->recipients->pdata[0];
}

START_TEST(test_postfix_unknown_user)
{
	struct verdict_of v = sample(postfix_dsn, VERP);
	const struct bounce_recipient *rc = only_recipient(&v);

	ck_assert_int_eq(v.kind, KIND_BOUNCE);
	ck_assert(v.report->standard);
	ck_assert_str_eq(v.report->envid, TOKEN);
	ck_assert_str_eq(v.report->original_message_id, "ping." TOKEN "@robot.test");
	ck_assert_str_eq(rc->address, "nobody@poc.test");
	ck_assert_int_eq(rc->action, BOUNCE_FAILED);
	ck_assert_str_eq(rc->status, "5.1.1");
	ck_assert_str_eq(rc->diagnostic, "unknown user: \"nobody\"");
	ck_assert(rc->hard);
	bounce_report_free(v.report);
}
END_TEST

START_TEST(test_exim)
{
	struct verdict_of v = sample(exim_bounce, VERP);
	const struct bounce_recipient *rc = only_recipient(&v);

	ck_assert_int_eq(v.kind, KIND_BOUNCE);
	ck_assert(!v.report->standard);
	ck_assert_ptr_null(v.report->envid);
	ck_assert_str_eq(v.report->original_message_id, "ping." TOKEN "@robot.test");
	ck_assert_str_eq(rc->address, "nobody@poc.test");
	ck_assert_int_eq(rc->action, BOUNCE_FAILED);
	ck_assert_str_eq(rc->status, "5.1.1");
	ck_assert_ptr_nonnull(strstr(rc->diagnostic, "User unknown in local recipient table"));
	ck_assert(rc->hard);
	bounce_report_free(v.report);
}
END_TEST

START_TEST(test_qmail)
{
	struct verdict_of v = sample(qmail_bounce, VERP);
	const struct bounce_recipient *rc = only_recipient(&v);

	ck_assert_int_eq(v.kind, KIND_BOUNCE);
	ck_assert(!v.report->standard);
	ck_assert_str_eq(v.report->original_message_id, "ping." TOKEN "@robot.test");
	ck_assert_str_eq(rc->address, "nobody@poc.test");
	ck_assert_int_eq(rc->action, BOUNCE_FAILED);
	ck_assert_str_eq(rc->status, "5.1.1");
	ck_assert_ptr_nonnull(strstr(rc->diagnostic, "no mailbox here by that name"));
	ck_assert(rc->hard);
	bounce_report_free(v.report);
}
END_TEST

START_TEST(test_delay)
{
	struct verdict_of to_ping = sample(delay_dsn, VERP), to_robot = sample(delay_dsn, ROBOT);
	const struct bounce_recipient *rc = only_recipient(&to_ping);

	/* a report on our ping is a bounce to the ping logic; elsewhere a notice */
	ck_assert_int_eq(to_ping.kind, KIND_BOUNCE);
	ck_assert_str_eq(to_ping.reason, "delivery delayed");
	ck_assert_int_eq(to_robot.kind, KIND_AUTOREPLY);
	ck_assert_str_eq(to_robot.reason, "delivery delayed");
	ck_assert(to_ping.report->standard);
	ck_assert_str_eq(to_ping.report->original_message_id, "ping." TOKEN "@robot.test");
	ck_assert_str_eq(rc->address, "slow@poc.test");
	ck_assert_int_eq(rc->action, BOUNCE_DELAYED);
	ck_assert_str_eq(rc->status, "4.4.1");
	ck_assert(!rc->hard);
	bounce_report_free(to_ping.report);
	bounce_report_free(to_robot.report);
}
END_TEST

START_TEST(test_not_a_report)
{
	const char *text = "From: alice@example.org\r\nSubject: hello\r\n\r\nNothing about delivery here.\r\n";
	struct mail *m = mail_parse(text, strlen(text));

	ck_assert_ptr_null(bounce_read(m));
	mail_free(m);
	m = mail_parse("", 0);
	ck_assert_ptr_null(bounce_read(m));
	mail_free(m);
}
END_TEST

static Suite *bounce_suite(void)
{
	Suite *s = suite_create("bounce");
	TCase *c = tcase_create("corpus"), *k = tcase_create("samples");

	tcase_set_timeout(c, 120);
	tcase_add_test(c, test_corpus_bounces);
	tcase_add_test(c, test_corpus_autoreplies);
	tcase_add_test(c, test_corpus_people);
	tcase_add_test(k, test_postfix_unknown_user);
	tcase_add_test(k, test_exim);
	tcase_add_test(k, test_qmail);
	tcase_add_test(k, test_delay);
	tcase_add_test(k, test_not_a_report);
	suite_add_tcase(s, c);
	suite_add_tcase(s, k);
	return s;
}

int main(void)
{
	int failed;
	const char *top = g_getenv("POCBOT_TOP");

	corpus = g_strdup(g_getenv("POCBOT_CORPUS"));
	if (!corpus)
		corpus = g_build_filename(top ? top : ".", "..", "shared", "corpus", NULL);
	if (!g_file_test(corpus, G_FILE_TEST_IS_DIR)) {
		fprintf(stderr, "test-bounce: no corpus at %s (set POCBOT_TOP or POCBOT_CORPUS)\n", corpus);
		return 1;
	}
	failed = testlib_filters_run(bounce_suite());
	g_free(corpus);
	return failed;
}

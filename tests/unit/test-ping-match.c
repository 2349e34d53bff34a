/* test-ping-match.c - what comes back for a ping, matched (filters/ping-match.c)
 * and recorded (robot/ping-record.c through dispatch): every route (the
 * ping+ and bounces+ recipients, In-Reply-To and References naming the
 * ping or its reminder, the token in the subject or the text, a DSN's
 * ENVID and returned Message-ID); a bounce quoting the ping, token and
 * all, recorded as a bounce; a null sender, a multipart/report and mail to
 * bounces+ never an answer; auto-replies and MDNs; the answer's seconds
 * and whether it came from the POC's own address; only the first answer
 * counts; the same message twice changes nothing; a verification ping's
 * answer makes its POC active, audited. Messages are built in strings and
 * parsed by the real adapter; each test has its own database file in a
 * temporary directory, removed after. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <sqlite3.h>
#include "filters/filter.h"
#include "tests/unit/testlib-filters.h"
#include "filters/ping-match.h"
#include "robot/audit.h"
#include "robot/db.h"
#include "tests/unit/testlib.h"
#include "robot/dispatch.h"
#include "robot/ping-record.h"
#include "robot/templates.h"

#define TOK "aaaabbbbccccddddeeeeffff22"	/* FR-T-1's round ping */
#define VTOK "zzzzyyyyxxxxwwwwvvvvuuuu33"	/* FR-T-2's verification ping */
#define POC "poc@example.fr"
#define NOW 1700000000



/* FR-T-1 (active, two addresses) pinged in round 1: its ping handed to
 * the relay at NOW-900 and a reminder; FR-T-2 (pending) with a
 * verification ping queued at NOW-500, never sent. */
static void world_new(struct testlib_db *w)
{
	testlib_db_new(w, "pingm", "FR", NULL);
	testlib_sql(w->db, "INSERT INTO pocs (id, state, type, number, organisation, status, version, created, updated)"
		   " VALUES ('FR-T-1', 'FR', 'technical', 1, 'CERT-FR', 'active', 1, 1, 1),"
		   " ('FR-T-2', 'FR', 'technical', 2, 'ANSSI', 'pending', 1, 1, 1)");
	testlib_sql(w->db, "INSERT INTO poc_emails (poc, position, address) VALUES ('FR-T-1', 0, '" POC "'),"
		   " ('FR-T-1', 1, 'Backup@Example.FR'), ('FR-T-1', 2, 'veille@xn--ministre-60a.fr'),"
		   " ('FR-T-2', 0, 'new@example.fr')");
	testlib_sql(w->db, "INSERT INTO ping_rounds (id, started, deadline, started_by) VALUES (1, 1699999000, 1701209000,"
		   " 'custodian')");
	testlib_sql(w->db, "INSERT INTO pings (id, round, purpose, poc, address, lang, token, queued, deadline) VALUES"
		   " (1, 1, 'round', 'FR-T-1', '" POC "', 'fr', '" TOK "', 1699999000, 1701209000),"
		   " (2, NULL, 'verification', 'FR-T-2', 'new@example.fr', 'fr', '" VTOK "', 1699999500, 1701209000)");
	testlib_sql(w->db, "INSERT INTO outbox (token, purpose, env_from, rcpt, body, created, state, next_try, done,"
		   " dsn_envid) VALUES"
		   " ('" TOK "', 'ping', 'bounces+" TOK "@robot.test', '" POC "', '', 1699999000, 'sent', 0,"
		   " 1699999100, '" TOK "'),"
		   " ('" TOK "-r1', 'ping-reminder', 'bounces+" TOK "@robot.test', '" POC "', '', 1700000000,"
		   " 'sent', 0, 1700000000, NULL),"
		   " ('othertoken', 'help', 'bounces+othertoken@robot.test', 'x@example.org', '', 1, 'sent', 0, 1,"
		   " NULL)");
}

/* What the stages up to the ping filter decided. */
struct seen {
	enum verdict verdict;
	gboolean matched, no_reply, go_on;
	enum ping_what what;
	char matched_by[16];
};

/* The messages row of hash (hex: safe in SQL). */
static gint64 message_row(struct testlib_db *w, const char *hash)
{
	char *q = g_strdup_printf("SELECT id FROM messages WHERE hash = '%s'", hash);
	gint64 row = 0;

	ck_assert_int_eq(db_int64(w->db, &row, q, NULL), 1);
	g_free(q);
	return row;
}

/* Runs guard, classify and the ping filter over text as the pipeline does,
 * then, when it matched, dispatch in one transaction (times times, the
 * same message: dispatch is keyed by the message's hash, so a second run
 * goes straight to the record, as after a crash between the two). */
static struct seen process_n(struct testlib_db *w, const char *sender, const char *rcpt, const char *text, int times)
{
	struct envelope env;
	struct mail *m = mail_parse(text, strlen(text));
	struct filter_ctx ctx = { .cfg = &cfg, .tpl = tpl, .env = &env, .mail = m, .db = w->db, .now = NOW };
	struct seen s = { 0 };
	char *keyed = g_strconcat(sender, "\n", rcpt, "\n", text, NULL);
	char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, keyed, -1);

	envelope_init(&env);
	env.sender = g_strdup(sender);
	envelope_add_recipient(&env, rcpt);
	s.verdict = guard_filter(&ctx);
	if (s.verdict == VERDICT_CONTINUE)
		s.verdict = classify_filter(&ctx);
	if (s.verdict == VERDICT_CONTINUE)
		s.verdict = ping_filter(&ctx);
	s.no_reply = ctx.no_reply;
	if (ctx.ping) {
		const char *outcome;

		s.matched = TRUE;
		s.what = ctx.ping->what;
		s.go_on = ctx.ping->go_on;
		g_strlcpy(s.matched_by, ctx.ping->matched_by, sizeof s.matched_by);
		for (int i = 0; i < times; i++) {
			ck_assert_int_eq(db_begin(w->db), 0);
			if (i == 0)
				ck_assert_int_eq(dispatch(w->db, &ctx, hash, "spool-1", &outcome), 0);
			else
				ck_assert_int_eq(ping_record(w->db, &ctx, hash, message_row(w, hash)), 0);
			ck_assert_int_eq(db_commit(w->db), 0);
		}
	}
	ping_match_free(ctx.ping);
	mail_free(m);
	envelope_clear(&env);
	g_free(hash);
	g_free(keyed);
	return s;
}

static struct seen process(struct testlib_db *w, const char *sender, const char *rcpt, const char *text)
{
	return process_n(w, sender, rcpt, text, 1);
}

/* One integer of a query's first row; -1 for NULL, -2 for no row. */
static gint64 value(struct testlib_db *w, const char *q)
{
	sqlite3_stmt *st;
	gint64 v = -2;

	ck_assert_int_eq(sqlite3_prepare_v2(w->db, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* One text of a query's first row, or "" (g_free it). */
static char *text_of(struct testlib_db *w, const char *q)
{
	sqlite3_stmt *st;
	char *v = g_strdup("");

	ck_assert_int_eq(sqlite3_prepare_v2(w->db, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		g_free(v);
		v = g_strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return v;
}

static void assert_text(struct testlib_db *w, const char *q, const char *want)
{
	char *got = text_of(w, q);

	ck_assert_msg(strcmp(got, want) == 0, "%s: '%s', not '%s'", q, got, want);
	g_free(got);
}

/* A person's plain-text mail. extra: more header lines (CRLF-ended) or "". */
static char *person(const char *from, const char *extra, const char *subject, const char *body)
{
	return g_strdup_printf("From: Someone <%s>\r\nTo: " ROBOT "\r\nSubject: %s\r\n"
			       "Message-ID: <%08x@example.fr>\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n%s"
			       "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
			       from, subject, g_str_hash(body) ^ g_str_hash(extra) ^ g_str_hash(subject), extra, body);
}

static void assert_answer(struct testlib_db *w, struct seen s, const char *route)
{
	ck_assert_msg(s.matched, "%s: not matched", route);
	ck_assert_msg(s.what == PING_ANSWER, "%s: %s, not answer", route, ping_what_name(s.what));
	ck_assert_str_eq(s.matched_by, route);
	ck_assert_int_eq(s.verdict, VERDICT_STOP);
	ck_assert(s.no_reply);
	ck_assert_int_eq(value(w, "SELECT answered FROM pings WHERE id = 1"), NOW);
	ck_assert_int_eq(value(w, "SELECT count(*) FROM ping_events WHERE ping = 1 AND what = 'answer'"), 1);
	assert_text(w, "SELECT matched_by FROM ping_events WHERE ping = 1", route);
	ck_assert_int_eq(value(w, "SELECT e.message = m.id FROM ping_events e, messages m"), 1);
}

START_TEST(by_recipient)
{
	struct testlib_db w;
	char *t = person(POC, "", "Re: Communication check", "Received, thank you.");
	struct seen s;

	world_new(&w);
	s = process(&w, POC, "ping+" TOK "@robot.test", t);
	assert_answer(&w, s, "recipient");
	/* handed to the relay at 1699999100: the ping's outbox row's done */
	ck_assert_int_eq(value(&w, "SELECT answer_seconds FROM pings WHERE id = 1"), NOW - 1699999100);
	ck_assert_int_eq(value(&w, "SELECT answer_own FROM pings WHERE id = 1"), 1);
	assert_text(&w, "SELECT answer_from FROM pings WHERE id = 1", POC);
	ck_assert_int_eq(value(&w, "SELECT count(*) FROM outbox"), 3);	/* never answered */
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

/* The other routes, each alone in a person's reply. */
static const struct {
	const char *rcpt, *extra, *subject, *body, *route;
} routes[] = {
	{ "PING+AAAABBBBCCCCDDDDEEEEFFFF22@Robot.Test", "", "Re: check", "ok", "recipient" },
	{ ROBOT, "In-Reply-To: <pocbot." TOK "-r1@robot.test>\r\n", "Re: Reminder", "Here I am.", "in-reply-to" },
	{ ROBOT, "References: <x@example.fr> <pocbot." TOK "@robot.test> <y@example.fr>\r\n", "Re: Re: check",
	  "Yes.", "references" },
	{ ROBOT, "", "RE: Communication check [" TOK "]", "Present.", "subject" },
	{ ROBOT, "", "Re: check", "We are here.\n\n> Please answer to ping+" TOK "@robot.test\n", "body" },
};

START_TEST(by_route)
{
	struct testlib_db w;
	char *t = person(POC, routes[_i].extra, routes[_i].subject, routes[_i].body);

	world_new(&w);
	assert_answer(&w, process(&w, POC, routes[_i].rcpt, t), routes[_i].route);
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

/* An In-Reply-To naming a robot's reply that is no ping matches nothing. */
START_TEST(unmatched)
{
	struct testlib_db w;
	char *t = person(POC, "In-Reply-To: <pocbot.othertoken@robot.test>\r\n", "Re: help",
			 "a word of the shape: qqqqrrrrssssttttuuuuvvvv44");
	struct seen s;

	world_new(&w);
	s = process(&w, POC, ROBOT, t);
	ck_assert(!s.matched);
	ck_assert_int_eq(s.verdict, VERDICT_CONTINUE);
	ck_assert(!s.no_reply);
	ck_assert_int_eq(value(&w, "SELECT count(*) FROM ping_events"), 0);
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

/* Postfix's bounce of the ping: it quotes the ping, token in its subject,
 * Reply-To and text. */
static char *dsn(const char *envid, const char *returned_id, const char *status, const char *action)
{
	return g_strdup_printf(
		"From: MAILER-DAEMON@mx.example.fr (Mail Delivery System)\r\nTo: bounces+" TOK "@robot.test\r\n"
		"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn.%s.%s@mx.example.fr>\r\n"
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n"
		"--b\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not\r\n"
		"be delivered to one or more recipients.\r\n\r\n<" POC ">: host mx.example.fr said: 550 %s User unknown\r\n"
		"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.fr\r\n%s%s%s"
		"\r\nFinal-Recipient: rfc822; " POC "\r\nAction: %s\r\nStatus: %s\r\n"
		"Diagnostic-Code: smtp; 550 %s User unknown\r\n\r\n"
		"--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: " ROBOT "\r\nTo: " POC "\r\n"
		"Reply-To: ping+" TOK "@robot.test\r\nSubject: Communication check [" TOK "]\r\n"
		"Message-ID: <%s>\r\n\r\nPlease answer this message: ping+" TOK "@robot.test\r\n--b--\r\n",
		status, action, status, envid ? "Original-Envelope-Id: " : "", envid ? envid : "", envid ? "\r\n" : "",
		action, status, status, returned_id ? returned_id : "unrelated@example.org");
}

START_TEST(bounce_quoting_ping)
{
	struct testlib_db w;
	char *t = dsn(TOK, "pocbot." TOK "@robot.test", "5.1.1", "failed");
	struct seen s;

	world_new(&w);
	s = process(&w, "", "bounces+" TOK "@robot.test", t);
	ck_assert(s.matched);
	ck_assert_msg(s.what == PING_BOUNCED, "%s, not bounced", ping_what_name(s.what));
	ck_assert_str_eq(s.matched_by, "recipient");
	ck_assert(s.no_reply);
	ck_assert_int_eq(value(&w, "SELECT bounced FROM pings WHERE id = 1"), NOW);
	assert_text(&w, "SELECT bounce_status FROM pings WHERE id = 1", "5.1.1");
	ck_assert_int_eq(value(&w, "SELECT bounce_hard FROM pings WHERE id = 1"), 1);
	ck_assert_int_eq(value(&w, "SELECT bounce_diagnostic LIKE '%User unknown%' FROM pings WHERE id = 1"), 1);
	ck_assert_int_eq(value(&w, "SELECT answered FROM pings WHERE id = 1"), -1);
	ck_assert_int_eq(value(&w, "SELECT count(*) FROM ping_events WHERE what = 'answer'"), 0);
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

/* The same bounce, come to another address: its ENVID, then the
 * returned message's Message-ID name the ping. */
START_TEST(bounce_by_envid_and_message_id)
{
	struct testlib_db w;
	char *a = dsn(TOK, NULL, "4.2.2", "delayed"), *b = dsn(NULL, "pocbot." TOK "@robot.test", "2.0.0", "delivered");
	struct seen s;

	world_new(&w);
	s = process(&w, "", "postmaster@robot.test", a);
	ck_assert(s.matched);
	ck_assert_str_eq(s.matched_by, "envid");
	ck_assert_msg(s.what == PING_DELAYED, "%s, not delayed", ping_what_name(s.what));
	ck_assert_int_eq(value(&w, "SELECT delayed FROM pings WHERE id = 1"), NOW);
	s = process(&w, "", "postmaster@robot.test", b);
	ck_assert(s.matched);
	ck_assert_str_eq(s.matched_by, "message-id");
	ck_assert_msg(s.what == PING_DELIVERED, "%s, not delivered", ping_what_name(s.what));
	ck_assert_int_eq(value(&w, "SELECT delivered FROM pings WHERE id = 1"), NOW);
	ck_assert_int_eq(value(&w, "SELECT bounced FROM pings WHERE id = 1"), -1);
	ck_assert_int_eq(value(&w, "SELECT answered FROM pings WHERE id = 1"), -1);
	testlib_db_free(&w);
	g_free(a);
	g_free(b);
}
END_TEST

/* Plain text, no automatic header, token in the subject: from <> it is
 * still not an answer. */
START_TEST(null_sender_never_answer)
{
	struct testlib_db w;
	char *t = person(POC, "", "Re: Communication check [" TOK "]", "Got it.");
	struct seen s;

	world_new(&w);
	s = process(&w, "", ROBOT, t);
	ck_assert(s.matched);
	ck_assert(s.what != PING_ANSWER);
	ck_assert(s.no_reply);
	ck_assert_int_eq(value(&w, "SELECT answered FROM pings WHERE id = 1"), -1);
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

/* A person's mail to the VERP address is not an answer either. */
START_TEST(bounces_address_never_answer)
{
	struct testlib_db w;
	char *t = person(POC, "", "Re: check", "I replied to the Return-Path, it seems.");
	struct seen s;

	world_new(&w);
	s = process(&w, POC, "bounces+" TOK "@robot.test", t);
	ck_assert(s.matched);
	ck_assert(s.what != PING_ANSWER);
	ck_assert_int_eq(value(&w, "SELECT answered FROM pings WHERE id = 1"), -1);
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

/* A multipart/report of a type nobody handles, from a person's address. */
START_TEST(report_never_answer)
{
	struct testlib_db w;
	const char *t = "From: " POC "\r\nTo: " ROBOT "\r\nSubject: Re: Communication check [" TOK "]\r\n"
			"Message-ID: <rep@example.fr>\r\nMIME-Version: 1.0\r\n"
			"Content-Type: multipart/report; report-type=something-else; boundary=\"b\"\r\n\r\n"
			"--b\r\nContent-Type: text/plain\r\n\r\nping+" TOK "@robot.test\r\n--b--\r\n";
	struct seen s;

	world_new(&w);
	s = process(&w, POC, ROBOT, t);
	ck_assert(s.matched);
	ck_assert(s.what != PING_ANSWER);
	ck_assert_int_eq(value(&w, "SELECT answered FROM pings WHERE id = 1"), -1);
	testlib_db_free(&w);
}
END_TEST

/* RFC 3834: vacation(1) answers the envelope sender, from <>. */
START_TEST(autoreply)
{
	struct testlib_db w;
	char *t = person(POC, "Auto-Submitted: auto-replied\r\nIn-Reply-To: <pocbot." TOK "@robot.test>\r\n",
			 "Out of office: Communication check [" TOK "]", "I am away until Monday.");
	struct seen s;

	world_new(&w);
	s = process(&w, "", "bounces+" TOK "@robot.test", t);
	ck_assert(s.matched);
	ck_assert_msg(s.what == PING_AUTOREPLY, "%s, not autoreply", ping_what_name(s.what));
	ck_assert(s.no_reply);
	ck_assert_int_eq(value(&w, "SELECT autoreplied FROM pings WHERE id = 1"), NOW);
	ck_assert_int_eq(value(&w, "SELECT answered FROM pings WHERE id = 1"), -1);
	ck_assert_int_eq(value(&w, "SELECT bounced FROM pings WHERE id = 1"), -1);
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

/* An Exchange-style reply to the Reply-To address, no RFC 3834 header. */
START_TEST(autoreply_by_subject)
{
	struct testlib_db w;
	char *t = person(POC, "", "Réponse automatique : Communication check", "Je suis absent.");
	struct seen s;

	world_new(&w);
	s = process(&w, POC, "ping+" TOK "@robot.test", t);
	ck_assert(s.matched);
	ck_assert_msg(s.what == PING_AUTOREPLY, "%s, not autoreply", ping_what_name(s.what));
	ck_assert_int_eq(value(&w, "SELECT answered FROM pings WHERE id = 1"), -1);
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

/* MDNs (RFC 8098): a read receipt is recorded as such; a Sieve reject
 * (RFC 5429: automatic-action, deleted) refused the ping unread, a soft
 * bounce. Neither is an answer. */
static const struct {
	const char *disposition;
	enum ping_what what;
	const char *column;
} mdns[] = {
	{ "manual-action/MDN-sent-manually; displayed", PING_RECEIPT, "receipt" },
	{ "automatic-action/MDN-sent-automatically; deleted", PING_BOUNCED, "bounced" },
};

START_TEST(mdn)
{
	struct testlib_db w;
	char *t = g_strdup_printf("From: " POC "\r\nTo: ping+" TOK "@robot.test\r\nSubject: Read: Communication check\r\n"
				  "Message-ID: <mdn@example.fr>\r\nMIME-Version: 1.0\r\n"
				  "Content-Type: multipart/report; report-type=disposition-notification; boundary=\"b\"\r\n\r\n"
				  "--b\r\nContent-Type: text/plain\r\n\r\nAbout your message.\r\n"
				  "--b\r\nContent-Type: message/disposition-notification\r\n\r\n"
				  "Final-Recipient: rfc822; " POC "\r\nOriginal-Message-ID: <pocbot." TOK "@robot.test>\r\n"
				  "Disposition: %s\r\n--b--\r\n", mdns[_i].disposition);
	char *sql = g_strdup_printf("SELECT %s FROM pings WHERE id = 1", mdns[_i].column);
	struct seen s;

	world_new(&w);
	s = process(&w, POC, "ping+" TOK "@robot.test", t);
	ck_assert(s.matched);
	ck_assert_msg(s.what == mdns[_i].what, "%s: %s", mdns[_i].disposition, ping_what_name(s.what));
	ck_assert_int_eq(value(&w, sql), NOW);
	ck_assert_int_eq(value(&w, "SELECT answered FROM pings WHERE id = 1"), -1);
	ck_assert_int_eq(value(&w, "SELECT (receipt IS NULL) + (bounced IS NULL) FROM pings WHERE id = 1"), 1);
	if (mdns[_i].what == PING_BOUNCED)
		ck_assert_int_eq(value(&w, "SELECT bounce_hard = 0 AND bounce_diagnostic LIKE '%filter%'"
					   " FROM pings WHERE id = 1"), 1);
	testlib_db_free(&w);
	g_free(sql);
	g_free(t);
}
END_TEST

START_TEST(answer_from_elsewhere)
{
	struct testlib_db w;
	char *t = person("colleague@example.fr", "", "Re: check", "Answering for the team.");

	world_new(&w);
	assert_answer(&w, process(&w, "colleague@example.fr", "ping+" TOK "@robot.test", t), "recipient");
	ck_assert_int_eq(value(&w, "SELECT answer_own FROM pings WHERE id = 1"), 0);
	assert_text(&w, "SELECT answer_from FROM pings WHERE id = 1", "colleague@example.fr");
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

/* The POC's own addresses spelt otherwise: its second in another case;
 * its third, stored as its form gave it (domain in A-labels), written the
 * same way (GMime gives it back in Unicode) and in Unicode. */
static const char *const own_spellings[] = { "backup@example.fr", "veille@xn--ministre-60a.fr",
					     "veille@ministère.fr" };

START_TEST(answer_own_spelt_otherwise)
{
	struct testlib_db w;
	const char *from = own_spellings[_i];
	char *t = person(from, "", "Re: check", "Yes.");

	world_new(&w);
	assert_answer(&w, process(&w, from, "ping+" TOK "@robot.test", t), "recipient");
	ck_assert_msg(value(&w, "SELECT answer_own FROM pings WHERE id = 1") == 1, "%s: not own", from);
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

/* The same message recorded twice, then a second answer: one event for
 * the first, and the first answer's figures stay. */
START_TEST(idempotent)
{
	struct testlib_db w;
	char *a = person(POC, "", "Re: check", "First."), *b = person("colleague@example.fr", "", "Re: check", "Again.");

	world_new(&w);
	process_n(&w, POC, "ping+" TOK "@robot.test", a, 2);
	ck_assert_int_eq(value(&w, "SELECT count(*) FROM ping_events"), 1);
	ck_assert_int_eq(value(&w, "SELECT answer_own FROM pings WHERE id = 1"), 1);
	process(&w, "colleague@example.fr", "ping+" TOK "@robot.test", b);
	ck_assert_int_eq(value(&w, "SELECT count(*) FROM ping_events"), 2);
	ck_assert_int_eq(value(&w, "SELECT answer_own FROM pings WHERE id = 1"), 1);
	assert_text(&w, "SELECT answer_from FROM pings WHERE id = 1", POC);
	ck_assert_int_eq(value(&w, "SELECT answer_seconds FROM pings WHERE id = 1"), NOW - 1699999100);
	testlib_db_free(&w);
	g_free(a);
	g_free(b);
}
END_TEST

/* The same mail delivered again by another envelope (two recipients). */
START_TEST(same_message_id_twice)
{
	struct testlib_db w;
	char *t = person(POC, "", "Re: check [" TOK "]", "Once.");

	world_new(&w);
	process(&w, POC, "ping+" TOK "@robot.test", t);
	process(&w, POC, ROBOT, t);	/* another hash: another messages row, same Message-ID */
	ck_assert_int_eq(value(&w, "SELECT count(*) FROM messages"), 2);
	ck_assert_int_eq(value(&w, "SELECT count(*) FROM ping_events"), 1);
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

START_TEST(verification_activates)
{
	struct testlib_db w;
	char *t = person("new@example.fr", "", "Re: Please confirm [" VTOK "]", "Confirmed.");
	gint64 bad = 0;
	char *err = NULL;

	world_new(&w);
	process(&w, "new@example.fr", ROBOT, t);
	assert_text(&w, "SELECT status FROM pocs WHERE id = 'FR-T-2'", "active");
	ck_assert_int_eq(value(&w, "SELECT version FROM pocs WHERE id = 'FR-T-2'"), 2);
	/* never handed to the relay: counted from queued */
	ck_assert_int_eq(value(&w, "SELECT answer_seconds FROM pings WHERE id = 2"), NOW - 1699999500);
	ck_assert_int_eq(value(&w, "SELECT count(*) FROM events WHERE action = 'poc-verified' AND state = 'FR'"
				   " AND detail LIKE '%FR-T-2%'"), 1);
	ck_assert_int_eq(audit_verify(w.db, &bad, &err), 1);
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

/* An auto-reply to a verification ping does not verify. */
START_TEST(verification_not_by_autoreply)
{
	struct testlib_db w;
	char *t = person("new@example.fr", "Auto-Submitted: auto-replied\r\n", "Out of office [" VTOK "]", "Away.");

	world_new(&w);
	process(&w, "", "bounces+" VTOK "@robot.test", t);
	assert_text(&w, "SELECT status FROM pocs WHERE id = 'FR-T-2'", "pending");
	ck_assert_int_eq(value(&w, "SELECT count(*) FROM events"), 0);
	testlib_db_free(&w);
	g_free(t);
}
END_TEST

/* A signed answer goes on to the command stages; unsigned ones stop. */
START_TEST(signed_answer_goes_on)
{
	struct testlib_db w;
	const char *t = "From: " POC "\r\nTo: ping+" TOK "@robot.test\r\nSubject: Re: check\r\n"
			"Message-ID: <signed@example.fr>\r\nMIME-Version: 1.0\r\n"
			"Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256;"
			" boundary=\"s\"\r\n\r\n--s\r\nContent-Type: text/plain\r\n\r\nUPDATE\r\nID: FR-T-1\r\n"
			"--s\r\nContent-Type: application/pgp-signature\r\n\r\n-----BEGIN PGP SIGNATURE-----\r\n"
			"-----END PGP SIGNATURE-----\r\n--s--\r\n";
	struct seen s;

	world_new(&w);
	s = process(&w, POC, "ping+" TOK "@robot.test", t);
	ck_assert(s.matched);
	ck_assert(s.what == PING_ANSWER);
	ck_assert(s.go_on);
	ck_assert_int_eq(s.verdict, VERDICT_CONTINUE);
	ck_assert(!s.no_reply);
	ck_assert_int_eq(value(&w, "SELECT answered FROM pings WHERE id = 1"), NOW);
	ck_assert_int_eq(value(&w, "SELECT count(*) FROM outbox"), 3);	/* not signed by an enrolled key: silent */
	testlib_db_free(&w);
}
END_TEST

static Suite *ping_match_suite(void)
{
	Suite *s = suite_create("ping-match");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, by_recipient);
	tcase_add_loop_test(tc, by_route, 0, G_N_ELEMENTS(routes));
	tcase_add_test(tc, unmatched);
	tcase_add_test(tc, bounce_quoting_ping);
	tcase_add_test(tc, bounce_by_envid_and_message_id);
	tcase_add_test(tc, null_sender_never_answer);
	tcase_add_test(tc, bounces_address_never_answer);
	tcase_add_test(tc, report_never_answer);
	tcase_add_test(tc, autoreply);
	tcase_add_test(tc, autoreply_by_subject);
	tcase_add_loop_test(tc, mdn, 0, G_N_ELEMENTS(mdns));
	tcase_add_test(tc, answer_from_elsewhere);
	tcase_add_loop_test(tc, answer_own_spelt_otherwise, 0, G_N_ELEMENTS(own_spellings));
	tcase_add_test(tc, idempotent);
	tcase_add_test(tc, same_message_id_twice);
	tcase_add_test(tc, verification_activates);
	tcase_add_test(tc, verification_not_by_autoreply);
	tcase_add_test(tc, signed_answer_goes_on);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_filters_run(ping_match_suite());
}

/* test-outbox.c - the outbox (robot/outbox.c) with what pings and
 * extracts need: a given token and VERP token, Reply-To, a DSN request,
 * and attachments built from file to file. A real SQLite file, the
 * robot's real keys in a private GNUPGHOME, delivery into a real Maildir. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "robot/config.h"
#include "robot/crypto.h"
#include "robot/db.h"
#include "robot/mail.h"
#include "robot/outbox.h"

struct world {
	char *dir;
	struct config cfg;
	sqlite3 *db;
	struct crypto *c;
};

static void world_new(struct world *w)
{
	GError *gerr = NULL;
	char *err = NULL, *file, *home;

	w->dir = g_dir_make_tmp("pocbot-outbox-XXXXXX", &gerr);
	ck_assert_msg(w->dir != NULL, "g_dir_make_tmp: %s", gerr ? gerr->message : "?");
	config_defaults(&w->cfg, w->dir);
	g_free(w->cfg.domain);
	w->cfg.domain = g_strdup("robot.test");
	w->cfg.address = g_strdup("pocbot@robot.test");
	file = g_build_filename(w->dir, "var", NULL);
	g_mkdir_with_parents(file, 0700);
	g_free(file);
	file = config_var_path(&w->cfg, "pocbot.db");
	w->db = db_open(file, &err);
	ck_assert_msg(w->db != NULL, "db_open: %s", err ? err : "?");
	home = g_build_filename(w->dir, "g", NULL);	/* short: the agent's socket lives there */
	g_mkdir_with_parents(home, 0700);
	w->c = crypto_open(home, &err);
	ck_assert_msg(w->c != NULL, "crypto_open: %s", err ? err : "?");
	ck_assert_msg(crypto_identity_ensure(w->c, w->cfg.address, w->cfg.keys_lifetime, &err) == 0, "identity: %s", err ? err : "?");
	g_free(file);
	g_free(home);
}

static void world_free(struct world *w)
{
	char *cmd = g_strdup_printf("gpgconf --homedir '%s/g' --kill all; rm -rf '%s'", w->dir, w->dir);

	crypto_close(w->c);
	db_close(w->db);
	config_clear(&w->cfg);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot clean %s\n", w->dir);
	g_free(cmd);
	g_free(w->dir);
}

/* One text value of the single row a query gives, or NULL. g_free it. */
static char *query(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *v = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* The only file in the Maildir VAR/outbox/new; g_free it. */
static char *delivered(struct world *w)
{
	char *dir = g_build_filename(w->cfg.var, "outbox", "new", NULL), *path, *text = NULL;
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	ck_assert_ptr_nonnull(d);
	name = g_dir_read_name(d);
	ck_assert_ptr_nonnull(name);
	path = g_build_filename(dir, name, NULL);
	ck_assert(g_file_get_contents(path, &text, NULL, NULL));
	ck_assert_ptr_null(g_dir_read_name(d));
	g_dir_close(d);
	g_free(path);
	g_free(dir);
	return text;
}

START_TEST(ping_fields)
{
	struct world w;
	struct outbox_item it = { .purpose = "ping", .to = "poc@example.net", .subject = "Check [abcdefghijklmnopqrstuvwxyz]",
				  .body = "Please reply.\n", .protocol = CRYPTO_OPENPGP,
				  .reply_to = "ping+abcdefghijklmnopqrstuvwxyz@robot.test",
				  .token = "abcdefghijklmnopqrstuvwxyz", .dsn = TRUE };
	struct outbox_item reminder = it;
	char *v, *text, *failure;

	world_new(&w);
	ck_assert_int_eq(outbox_queue(w.db, &w.cfg, w.c, 1700000000, 0, "unused", &it), 0);
	v = query(w.db, "SELECT env_from || ' ' || dsn_envid || ' ' || (body_file IS NULL) FROM outbox");
	ck_assert_str_eq(v, "bounces+abcdefghijklmnopqrstuvwxyz@robot.test abcdefghijklmnopqrstuvwxyz 1");
	g_free(v);
	reminder.token = NULL;
	reminder.verp = "abcdefghijklmnopqrstuvwxyz";
	ck_assert_int_eq(outbox_queue(w.db, &w.cfg, w.c, 1700000000, 0, "reminder-1", &reminder), 0);
	v = query(w.db, "SELECT count(*) FROM outbox WHERE env_from = 'bounces+abcdefghijklmnopqrstuvwxyz@robot.test'");
	ck_assert_str_eq(v, "2");
	g_free(v);
	it.token = "Not/A/Token";
	ck_assert_int_eq(outbox_queue(w.db, &w.cfg, w.c, 1700000000, 0, "x", &it), -1);
	ck_assert_int_eq(sqlite3_exec(w.db, "DELETE FROM outbox WHERE token != 'abcdefghijklmnopqrstuvwxyz'", NULL, NULL,
				      NULL), SQLITE_OK);
	ck_assert_int_eq(outbox_send_due(w.db, &w.cfg, &failure), 1);
	ck_assert_ptr_null(failure);
	text = delivered(&w);
	ck_assert_ptr_nonnull(strstr(text, "Message-Id: <pocbot.abcdefghijklmnopqrstuvwxyz@robot.test>\n"));
	ck_assert_ptr_nonnull(strstr(text, "Reply-To: ping+abcdefghijklmnopqrstuvwxyz@robot.test\n"));
	ck_assert_ptr_null(strchr(text, '\r'));
	g_free(text);
	world_free(&w);
}
END_TEST

/* A message to an address with no key on record (CRYPTO_NONE) is signed
 * in [robot] sign_default: S/MIME by default, OpenPGP when asked; one to
 * a signer in its own protocol whatever the default. */
START_TEST(sign_default)
{
	static const struct { enum crypto_protocol item, dflt; const char *want; } cases[] = {
		{ CRYPTO_NONE, CRYPTO_SMIME, "protocol=\"application/pkcs7-signature\"" },
		{ CRYPTO_NONE, CRYPTO_OPENPGP, "protocol=\"application/pgp-signature\"" },
		{ CRYPTO_OPENPGP, CRYPTO_SMIME, "protocol=\"application/pgp-signature\"" },
		{ CRYPTO_SMIME, CRYPTO_OPENPGP, "protocol=\"application/pkcs7-signature\"" },
	};
	struct world w;

	world_new(&w);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct outbox_item it = { .purpose = "ping", .to = "poc@example.net", .subject = "s",
					  .body = "Please reply.\n", .protocol = cases[i].item };
		char *seed = g_strdup_printf("case-%zu", i), *text, *failure = NULL;
		char *rm = g_strdup_printf("rm -f '%s'/outbox/new/*", w.cfg.var);

		w.cfg.sign_default = cases[i].dflt;
		ck_assert_int_eq(outbox_queue(w.db, &w.cfg, w.c, 1700000000, 0, seed, &it), 0);
		ck_assert_int_eq(outbox_send_due(w.db, &w.cfg, &failure), 1);
		text = delivered(&w);
		ck_assert_msg(strstr(text, cases[i].want), "case %zu: %.600s", i, text);
		ck_assert_int_eq(system(rm), 0);
		g_free(text);
		g_free(rm);
		g_free(seed);
	}
	world_free(&w);
}
END_TEST

START_TEST(attachments_from_files)
{
	struct world w;
	char *csv, *v, *text, *file, *failure;
	struct outbox_attachment att[1];
	struct outbox_item it = { .purpose = "extract", .to = "reader@example.net", .subject = "Extract",
				  .body = "See the attachment.\n", .protocol = CRYPTO_OPENPGP,
				  .attachments = att, .n_attachments = 1 };

	world_new(&w);
	csv = g_build_filename(w.dir, "d.csv", NULL);
	ck_assert(g_file_set_contents(csv, "id,name\r\nFR-T-1,CERT-FR\r\n", -1, NULL));
	att[0] = (struct outbox_attachment){ "directory.csv", "text/csv; charset=utf-8; header=present", csv };
	ck_assert_int_eq(outbox_queue(w.db, &w.cfg, w.c, 1700000000, 0, "extract-1", &it), 0);
	v = query(w.db, "SELECT length(body) || ' ' || body_file FROM outbox");
	ck_assert_msg(v && g_str_has_prefix(v, "0 ") && g_str_has_suffix(v, ".eml"), "%s", v ? v : "(null)");
	file = g_build_filename(w.cfg.var, "outbox-data", v + 2, NULL);
	ck_assert(g_file_test(file, G_FILE_TEST_EXISTS));
	ck_assert_int_eq(outbox_send_due(w.db, &w.cfg, &failure), 1);
	ck_assert_ptr_null(failure);
	ck_assert(!g_file_test(file, G_FILE_TEST_EXISTS));	/* sent: the file goes */
	text = delivered(&w);
	ck_assert_ptr_nonnull(strstr(text, "Content-Type: multipart/signed"));
	ck_assert_ptr_nonnull(strstr(text, "filename=directory.csv"));
	ck_assert_ptr_nonnull(strstr(text, "aWQsbmFtZQ0KRlItVC0xLENFUlQtRlINCg=="));	/* the CSV, CRLF kept */
	/* an attachment that cannot be read: nothing queued */
	att[0].path = "/nonexistent/d.csv";
	ck_assert_int_eq(outbox_queue(w.db, &w.cfg, w.c, 1700000000, 0, "extract-2", &it), -1);
	g_free(text);
	g_free(file);
	g_free(v);
	g_free(csv);
	world_free(&w);
}
END_TEST

/* The custodian's view (pocbot outbox): rows by filter with the header
 * block and subject of their message, never the body; a failed row keeps
 * its file (for show and retry) until dropped, then the sweep takes it. */
START_TEST(custodian_view)
{
	struct world w;
	char *csv, *v, *file;
	GPtrArray *rows;
	struct outbox_entry *e = NULL;
	struct outbox_attachment att[1];
	struct outbox_item it = { .purpose = "extract", .to = "reader@example.net",
				  .subject = "Extract \xc3\xa9t\xc3\xa9", .body = "See the attachment.\n",
				  .protocol = CRYPTO_OPENPGP, .attachments = att, .n_attachments = 1 };
	struct outbox_item plain = { .purpose = "help", .to = "x@example.org", .subject = "Help",
				     .body = "Body text.\n", .protocol = CRYPTO_OPENPGP };

	world_new(&w);
	csv = g_build_filename(w.dir, "d.csv", NULL);
	ck_assert(g_file_set_contents(csv, "id\r\nFR-T-1\r\n", -1, NULL));
	att[0] = (struct outbox_attachment){ "d.csv", "text/csv; charset=utf-8", csv };
	ck_assert_int_eq(outbox_queue(w.db, &w.cfg, w.c, 1700000000, 0, "view-1", &it), 0);
	ck_assert_int_eq(outbox_queue(w.db, &w.cfg, w.c, 1700000000, 0, "view-2", &plain), 0);
	g_free(query(w.db, "UPDATE outbox SET state = 'failed', attempts = 1, done = 1700000100,"
			   " last_error = 'RCPT TO: 550 5.1.1 no' WHERE purpose = 'extract'"));
	g_free(query(w.db, "UPDATE outbox SET attempts = 2, last_error = 'RCPT TO: 451 later'"
			   " WHERE purpose = 'help'"));
	rows = outbox_list(w.db, &w.cfg, OUTBOX_LIST_UNSENT, 1700000200);
	ck_assert_int_eq(rows->len, 2);
	g_ptr_array_unref(rows);
	rows = outbox_list(w.db, &w.cfg, OUTBOX_LIST_FAILED, 1700000200);
	ck_assert_int_eq(rows->len, 1);
	e = rows->pdata[0];
	ck_assert_str_eq(e->subject, "Extract \xc3\xa9t\xc3\xa9");	/* decoded */
	ck_assert_str_eq(e->last_error, "RCPT TO: 550 5.1.1 no");
	ck_assert_ptr_nonnull(strstr(e->headers, "To: reader@example.net"));
	ck_assert_ptr_null(strstr(e->headers, "See the attachment"));
	g_ptr_array_unref(rows);
	rows = outbox_list(w.db, &w.cfg, OUTBOX_LIST_DEFERRED, 1700000200);
	ck_assert_int_eq(rows->len, 1);
	e = rows->pdata[0];
	ck_assert_str_eq(e->subject, "Help");
	ck_assert_ptr_null(strstr(e->headers, "Body text"));
	g_ptr_array_unref(rows);
	/* a day later: both stuck (no alert yet: failed within the day before now) */
	rows = outbox_list(w.db, &w.cfg, OUTBOX_LIST_STUCK, 1700000000 + 86400);
	ck_assert_int_eq(rows->len, 2);
	g_ptr_array_unref(rows);
	ck_assert_int_eq(outbox_alert_mark(w.db, 1700000000 + 86400), 0);
	rows = outbox_list(w.db, &w.cfg, OUTBOX_LIST_STUCK, 1700000000 + 86400);
	ck_assert_int_eq(rows->len, 1);	/* the failed one was told */
	g_ptr_array_unref(rows);
	/* the failed row's file is kept by the sweep, even old */
	v = query(w.db, "SELECT body_file FROM outbox WHERE purpose = 'extract'");
	file = g_build_filename(w.cfg.var, "outbox-data", v, NULL);
	ck_assert_int_eq(g_utime(file, &(struct utimbuf){ 1000000000, 1000000000 }), 0);
	ck_assert_int_eq(outbox_sweep(w.db, &w.cfg), 0);
	ck_assert(g_file_test(file, G_FILE_TEST_EXISTS));
	ck_assert_int_eq(outbox_get(w.db, &w.cfg, 1, &e), 1);
	ck_assert_str_eq(e->state, "failed");
	outbox_entry_free(e);
	ck_assert_int_eq(outbox_get(w.db, &w.cfg, 99, &e), 0);
	/* retry: queued again, due now; drop: cancelled, once; then swept */
	ck_assert_int_eq(outbox_retry(w.db, 1, 1700000300), 1);
	g_free(v);
	v = query(w.db, "SELECT state || ' ' || next_try || ' ' || (done IS NULL) FROM outbox"
			" WHERE id = 1");
	ck_assert_str_eq(v, "queued 1700000300 1");
	ck_assert_int_eq(outbox_drop(w.db, 1, 1700000400), 1);
	ck_assert_int_eq(outbox_drop(w.db, 1, 1700000400), 0);
	ck_assert_int_eq(outbox_retry(w.db, 1, 1700000500), 0);	/* cancelled stays */
	ck_assert_int_eq(outbox_sweep(w.db, &w.cfg), 1);
	ck_assert(!g_file_test(file, G_FILE_TEST_EXISTS));
	ck_assert_int_eq(outbox_retry(w.db, 0, 1700000500), 1);	/* --all: the other */
	g_free(v);
	g_free(file);
	g_free(csv);
	world_free(&w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("outbox");
	TCase *tc = tcase_create("queue");
	SRunner *sr;
	int failed;

	mail_library_init();
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ping_fields);
	tcase_add_test(tc, sign_default);
	tcase_add_test(tc, attachments_from_files);
	tcase_add_test(tc, custodian_view);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

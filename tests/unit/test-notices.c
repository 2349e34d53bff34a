/* test-notices.c - the notices table (robot/notices.c) row by row: who
 * gets each kind, whether it is encrypted, in which language, as the robot
 * does it today. A real SQLite file, the robot's real keys and the
 * signers' real OpenPGP keys in private GNUPGHOMEs; what is checked is
 * what the outbox holds. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "robot/config.h"
#include "robot/crypto.h"
#include "robot/db.h"
#include "robot/key-warnings.h"
#include "robot/mail.h"
#include "robot/notices.h"
#include "robot/poc-keys.h"
#include "robot/signers.h"
#include "robot/states.h"
#include "robot/templates.h"
#include "robot/timers-internal.h"

struct world {
	char *dir;
	struct config cfg;
	struct mail_ctx c;
	char fpr[4][CRYPTO_FPR_LEN];	/* alice (FR authority, fr), rita (FR reader, es),
					 * bruno (FR authority, ru), carl (custodian, JP, zh) */
};

static const struct {
	const char *uid, *email, *state, *lang;
	enum signer_role role;
} people[] = {
	{ "Alice <alice@fr.test>", "alice@fr.test", "FR", "fr", SIGNER_AUTHORITY },
	{ "Rita <rita@fr.test>", "rita@fr.test", "FR", "es", SIGNER_READER },
	{ "Bruno <bruno@fr.test>", "bruno@fr.test", "FR", "ru", SIGNER_AUTHORITY },
	{ "Carl <carl@un.test>", "carl@un.test", "JP", "zh", SIGNER_CUSTODIAN },
};

static void run(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

/* Makes person i's OpenPGP key, imports it into the robot's keyring and
 * enrols it. */
static void enrol(struct world *w, int i)
{
	char *home = g_strdup_printf("%s/k%d", w->dir, i), *file = g_strdup_printf("%s/k%d.asc", w->dir, i);
	char *cmd = g_strdup_printf("mkdir -m 700 -p '%s' && gpg --homedir '%s' --batch --passphrase ''"
				    " --quick-gen-key '%s' future-default default never 2>/dev/null &&"
				    " gpg --homedir '%s' --batch --armor --export > '%s'",
				    home, home, people[i].uid, home, file);
	struct signer s = { .protocol = CRYPTO_OPENPGP, .role = people[i].role };
	char *email = NULL, *err = NULL;

	run(cmd);
	ck_assert_msg(crypto_import_pgp(w->c.crypto, file, w->fpr[i], &email, &err) == 0, "import: %s",
		      err ? err : "?");
	g_strlcpy(s.fingerprint, w->fpr[i], sizeof s.fingerprint);
	g_strlcpy(s.state, people[i].state, sizeof s.state);
	s.email = email;
	ck_assert_int_eq(signers_add(w->c.db, &s), 0);
	ck_assert_int_eq(signers_set_lang(w->c.db, w->fpr[i], people[i].lang), 0);
	g_free(cmd);
	cmd = g_strdup_printf("gpgconf --homedir '%s' --kill all", home);
	run(cmd);
	g_free(cmd);
	g_free(email);
	g_free(home);
	g_free(file);
}

static void world_new(struct world *w)
{
	GError *gerr = NULL;
	char *err = NULL, *file, *home;

	memset(w, 0, sizeof *w);
	w->dir = g_dir_make_tmp("pocbot-notices-XXXXXX", &gerr);
	ck_assert_msg(w->dir != NULL, "g_dir_make_tmp: %s", gerr ? gerr->message : "?");
	config_defaults(&w->cfg, w->dir);
	g_free(w->cfg.domain);
	w->cfg.domain = g_strdup("robot.test");
	w->cfg.address = g_strdup("pocbot@robot.test");
	file = g_build_filename(w->dir, "var", NULL);
	g_mkdir_with_parents(file, 0700);
	g_free(file);
	file = config_var_path(&w->cfg, "pocbot.db");
	w->c.db = db_open(file, &err);
	ck_assert_msg(w->c.db != NULL, "db_open: %s", err ? err : "?");
	home = g_build_filename(w->dir, "g", NULL);
	g_mkdir_with_parents(home, 0700);
	w->c.crypto = crypto_open(home, &err);
	ck_assert_msg(w->c.crypto != NULL, "crypto_open: %s", err ? err : "?");
	ck_assert_msg(crypto_identity_ensure(w->c.crypto, w->cfg.address, w->cfg.keys_lifetime, &err) == 0, "identity: %s",
		      err ? err : "?");
	w->c.cfg = &w->cfg;
	w->c.tpl = templates_load();
	w->c.now = 1800000000;
	ck_assert_int_eq(db_run(w->c.db, "INSERT INTO states (code, added) VALUES ('FR', 1), ('JP', 1)", NULL), 0);
	for (size_t i = 0; i < G_N_ELEMENTS(people); i++)
		enrol(w, (int)i);
	g_free(file);
	g_free(home);
}

static void world_free(struct world *w)
{
	char *cmd = g_strdup_printf("gpgconf --homedir '%s/g' --kill all; rm -rf '%s'", w->dir, w->dir);

	crypto_close(w->c.crypto);
	db_close(w->c.db);
	templates_free((struct templates *)w->c.tpl);
	config_clear(&w->cfg);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot clean %s\n", w->dir);
	g_free(cmd);
	g_free(w->dir);
}

/* What one queued notice looks like from outside. */
struct sent {
	char *rcpt, *purpose, *subject;
	gboolean encrypted, signed_only;
};

static void sent_free(gpointer p)
{
	struct sent *s = p;

	g_free(s->rcpt);
	g_free(s->purpose);
	g_free(s->subject);
	g_free(s);
}

/* The outbox rows, by recipient, and empties the outbox. */
static GPtrArray *take_outbox(struct world *w)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(sent_free);
	sqlite3_stmt *st = db_query(w->c.db, "SELECT rcpt, purpose, body FROM outbox ORDER BY rcpt", NULL);

	while (db_step(st) == 1) {
		struct sent *s = g_new0(struct sent, 1);
		struct mail *m = mail_parse(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
		const char *type = mail_content_type(m), *subject = mail_header(m, "Subject");

		s->rcpt = g_strdup((const char *)sqlite3_column_text(st, 0));
		s->purpose = g_strdup((const char *)sqlite3_column_text(st, 1));
		s->subject = g_strdup(subject ? subject : "");
		s->encrypted = g_strcmp0(type, "multipart/encrypted") == 0;
		s->signed_only = g_strcmp0(type, "multipart/signed") == 0;
		g_ptr_array_add(all, s);
		mail_free(m);
	}
	db_done(st);
	ck_assert_int_eq(db_run(w->c.db, "DELETE FROM outbox", NULL), 0);
	return all;
}

/* The subject kind's template has in lang with vars (and the State named). */
static char *subject_in(struct world *w, const char *kind, const char *lang, GHashTable *vars,
			const char *state)
{
	const struct notice_kind *k = notices_kind(kind);
	const char *name = state ? states_name(states_load(NULL), state, lang) : NULL;
	char *subject = NULL, *body = NULL;

	if (name)
		g_hash_table_insert(vars, "state", (char *)name);
	ck_assert_int_eq(templates_message(w->c.tpl, lang, k->template, vars, &subject, &body), 0);
	g_free(body);
	return subject;
}

/* Sends r and checks: exactly the recipients want (addresses, NULL-ended),
 * each encrypted or not as the row says, in want_langs[i]. */
static void check_kind(struct world *w, const struct notice_request *r, const char *const *want,
		       const char *const *want_langs)
{
	const struct notice_kind *k = notices_kind(r->kind);
	GPtrArray *got;
	guint n = 0;

	ck_assert_msg(k != NULL, "no row %s", r->kind);
	ck_assert_int_eq(db_begin(w->c.db), 0);
	ck_assert_int_eq(notices_send(&w->c, r), 0);
	ck_assert_int_eq(db_commit(w->c.db), 0);
	got = take_outbox(w);
	if (r->each_key)	/* the sender filled it for each recipient, then took it back */
		g_hash_table_insert(r->vars, (char *)r->each_key, r->data);
	while (want[n])
		n++;
	ck_assert_msg(got->len == n, "%s: %u notices, wanted %u", r->kind, got->len, n);
	for (guint i = 0; i < n; i++) {
		const struct sent *s = got->pdata[i];
		char *subject = subject_in(w, r->kind, want_langs[i], r->vars, r->state);

		ck_assert_str_eq(s->rcpt, want[i]);
		ck_assert_str_eq(s->purpose, k->purpose);
		ck_assert_msg(s->encrypted == k->encrypted, "%s to %s: encrypted %d", r->kind, s->rcpt,
			      s->encrypted);
		ck_assert_msg(s->encrypted || s->signed_only, "%s to %s: not signed", r->kind, s->rcpt);
		ck_assert_msg(strcmp(s->subject, subject) == 0, "%s to %s: subject \"%s\", wanted \"%s\" (%s)",
			      r->kind, s->rcpt, s->subject, subject, want_langs[i]);
		g_free(subject);
	}
	g_ptr_array_unref(got);
}

static GHashTable *vars_new(void)
{
	GHashTable *v = g_hash_table_new(g_str_hash, g_str_equal);
	static const char *const keys[] = { "action", "fingerprint", "role", "label", "id", "date", "address",
					    "signer", "outcome", "details", "round", "list", "report", "filename",
					    "forms", "robot", "custodian", "since", "status", "diagnostic", "failed",
					    "deferred", "head_count", "head_hash", "expires", "days",
					    "email", "old_pgp", "new_pgp", "old_smime", "new_smime",
					    "until", "smime_renewed", "poc", "organisation", "protocol" };

	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		g_hash_table_insert(v, (char *)keys[i], "x");
	return v;
}

static char *each_text(const struct mail_ctx *c, const char *lang, void *data)
{
	(void)c;
	/* nothing to tell a Spanish reader: it is skipped */
	return g_strdup(strcmp(lang, "es") == 0 ? "" : data);
}

START_TEST(test_table_is_whole)
{
	const struct templates *tpl = templates_load();
	static const char *const langs[] = { "ar", "en", "es", "fr", "ru", "zh" };
	int rows = 0;

	for (const struct notice_kind *k = notices_table(); k->name; k++, rows++) {
		GHashTable *v = vars_new();

		ck_assert_ptr_eq(notices_kind(k->name), k);	/* names are unique */
		/* a row the module writes has its template and purpose */
		ck_assert(!k->template || (k->purpose && *k->purpose));
		for (size_t i = 0; k->template && i < G_N_ELEMENTS(langs); i++) {
			char *subject = NULL, *body = NULL;

			g_hash_table_insert(v, "state", "X");
			ck_assert_msg(templates_message(tpl, langs[i], k->template, v, &subject, &body) == 0,
				      "%s in %s", k->template, langs[i]);
			g_free(subject);
			g_free(body);
		}
		/* what goes to an address without a key is never encrypted; what goes
		 * to a signer always is (DESIGN.md 3a) */
		ck_assert(k->audience != NOTICE_ADDRESS || !k->encrypted);
		ck_assert(k->audience == NOTICE_ADDRESS || k->audience == NOTICE_SENDER ||
			  k->audience == NOTICE_CUSTODIAN_ADDRESS || k->encrypted);
		g_hash_table_unref(v);
	}
	ck_assert_int_eq(rows, 18);
	ck_assert_ptr_null(notices_kind("no-such-kind"));
	templates_free((struct templates *)tpl);
}
END_TEST

/* What callers write goes out as its row says: an answer to a signer
 * (a reply, a lookup answer) encrypted to its key and signed in its
 * protocol, an answer to a stranger signed as its message was and in
 * clear, a ping in OpenPGP. */
START_TEST(test_written_by_callers)
{
	struct world w;
	GPtrArray *got;
	struct signer alice;
	struct outbox_item reply = { .purpose = "help", .to = "someone@de.test", .subject = "s", .body = "b" };
	struct outbox_item ack = { .purpose = "signed-ack", .to = "alice@fr.test", .subject = "s", .body = "b" };
	struct outbox_item answer = { .purpose = "lookup", .to = "alice@fr.test", .subject = "s", .body = "b" };
	struct outbox_item ping = { .purpose = "ping", .to = "poc@fr.test", .subject = "s", .body = "b" };

	world_new(&w);
	ck_assert_int_eq(signers_find(w.c.db, w.fpr[0], &alice), 1);
	ck_assert_int_eq(db_begin(w.c.db), 0);
	ck_assert_int_eq(notices_queue(&w.c, "reply", CRYPTO_SMIME, NULL, 0, "q1", &reply), 0);
	ck_assert_int_eq(notices_queue(&w.c, "lookup-answer", CRYPTO_SMIME, &alice, 0, "q2", &answer), 0);
	ck_assert_int_eq(notices_queue(&w.c, "ping", CRYPTO_SMIME, NULL, 0, "q3", &ping), 0);
	ck_assert_int_eq(notices_queue(&w.c, "signer-reply", CRYPTO_SMIME, &alice, 0, "q4", &ack), 0);
	ck_assert_int_eq(db_commit(w.c.db), 0);
	got = take_outbox(&w);
	ck_assert_int_eq(got->len, 4);
	/* by recipient: alice (the answer and the ack), poc, someone */
	for (guint i = 0; i < 2; i++) {
		const struct sent *a = got->pdata[i];

		ck_assert_str_eq(a->rcpt, "alice@fr.test");
		ck_assert_msg(a->encrypted, "%s to alice is not encrypted", a->purpose);
	}
	ck_assert(((struct sent *)got->pdata[2])->signed_only);
	ck_assert(((struct sent *)got->pdata[3])->signed_only);
	ck_assert_str_eq(((struct sent *)got->pdata[3])->purpose, "help");
	ck_assert_int_eq(reply.protocol, CRYPTO_SMIME);	/* as the stranger wrote */
	ck_assert_int_eq(ack.protocol, CRYPTO_OPENPGP);	/* alice's protocol */
	ck_assert_int_eq(answer.protocol, CRYPTO_OPENPGP);
	ck_assert_int_eq(ping.protocol, CRYPTO_NONE);	/* no key on record: [robot] sign_default */
	g_ptr_array_unref(got);
	signers_clear(&alice);
	world_free(&w);
}
END_TEST

/* The rule's answer for alice with reply_to and from. */
static void address_is(struct world *w, const struct signer *s, const char *reply_to,
		       const char *from, const char *want)
{
	char *to = NULL;

	ck_assert_int_eq(notices_signer_address(w->c.crypto, s, reply_to, from, &to), 1);
	ck_assert_msg(strcmp(to, want) == 0, "Reply-To %s, From %s: %s, wanted %s",
		      reply_to ? reply_to : "-", from ? from : "-", to, want);
	g_free(to);
}

/* The signer-address rule: Reply-To if it is an address of the key, else
 * From if it is one, else the key's first address; compared with domains
 * in A-labels and case folded; the key's spelling is used. */
START_TEST(test_signer_address)
{
	struct world w;
	struct signer alice, found;
	char *cmd, *err = NULL, *email = NULL, fpr[CRYPTO_FPR_LEN];

	world_new(&w);
	/* alice's key gets a second address, an internationalised domain */
	cmd = g_strdup_printf("gpg --homedir '%s/k0' --batch --passphrase '' --quick-add-uid %s"
			      " 'Alice <alice@xn--bcher-kva.example>' 2>/dev/null &&"
			      " gpg --homedir '%s/k0' --batch --armor --export > '%s/k0.asc' &&"
			      " gpgconf --homedir '%s/k0' --kill all",
			      w.dir, w.fpr[0], w.dir, w.dir, w.dir);
	run(cmd);
	g_free(cmd);
	cmd = g_strdup_printf("%s/k0.asc", w.dir);
	ck_assert_msg(crypto_import_pgp(w.c.crypto, cmd, fpr, &email, &err) == 0, "%s", err);
	g_free(cmd);
	g_free(email);
	ck_assert_int_eq(signers_find(w.c.db, w.fpr[0], &alice), 1);

	address_is(&w, &alice, "attacker@evil.example", "alice@fr.test", "alice@fr.test");
	address_is(&w, &alice, "attacker@evil.example", "mallory@evil.example", "alice@fr.test");
	address_is(&w, &alice, NULL, NULL, "alice@fr.test");
	address_is(&w, &alice, "ALICE@Fr.Test", "x@y.example", "alice@fr.test");
	address_is(&w, &alice, "alice@bücher.example", "alice@fr.test", "alice@xn--bcher-kva.example");
	address_is(&w, &alice, "bob@fr.test", "Alice@XN--BCHER-KVA.example", "alice@xn--bcher-kva.example");

	/* who holds an address: the enrolled signer, whatever the spelling */
	ck_assert_int_eq(notices_signer_of_address(w.c.db, w.c.crypto, "Alice@Bücher.example", &found), 1);
	ck_assert_str_eq(found.fingerprint, w.fpr[0]);
	signers_clear(&found);
	ck_assert_int_eq(notices_signer_of_address(w.c.db, w.c.crypto, "rita@fr.test", &found), 1);
	ck_assert_str_eq(found.fingerprint, w.fpr[1]);
	signers_clear(&found);
	ck_assert_int_eq(notices_signer_of_address(w.c.db, w.c.crypto, "lice@fr.test", &found), 0);
	ck_assert_int_eq(notices_signer_of_address(w.c.db, w.c.crypto, "pocbot@robot.test", &found), 0);
	ck_assert_int_eq(notices_signer_of_address(w.c.db, w.c.crypto, "<alice@fr.test>", &found), 0);
	/* a revoked signer holds no address any more */
	ck_assert_int_eq(signers_revoke(w.c.db, w.fpr[1], 2, "left"), 1);
	ck_assert_int_eq(notices_signer_of_address(w.c.db, w.c.crypto, "rita@fr.test", &found), 0);
	signers_clear(&alice);
	world_free(&w);
}
END_TEST

START_TEST(test_rows_as_today)
{
	struct world w;
	GHashTable *v;

	world_new(&w);
	w.cfg.notices_coalesce = 0;	/* each at once: test_coalesced holds them */
	v = vars_new();
	{	/* enrolment and revocation: the State's other signers, in English */
		struct notice_request r = { .kind = "signer-change", .state = "FR", .except = w.fpr[0],
					    .seed = "t1", .vars = v };
		const char *const to[] = { "bruno@fr.test", "rita@fr.test", NULL };
		const char *const langs[] = { "en", "en" };
		check_kind(&w, &r, to, langs);
	}
	{	/* a form's outcome: the other signers, in the form's language */
		struct notice_request r = { .kind = "forms", .state = "FR", .except = w.fpr[2], .lang = "ar",
					    .seed = "t2", .vars = v };
		const char *const to[] = { "alice@fr.test", "rita@fr.test", NULL };
		const char *const langs[] = { "ar", "ar" };
		check_kind(&w, &r, to, langs);
	}
	{	/* a record changed: the POC's address, not encrypted, in the POC's language */
		struct notice_request r = { .kind = "record-changed", .address = "poc@fr.test", .seed = "t3",
					    .lang = "fr", .vars = v };
		const char *const to[] = { "poc@fr.test", NULL };
		const char *const langs[] = { "fr" };
		check_kind(&w, &r, to, langs);
	}
	{	/* no language known: English */
		struct notice_request r = { .kind = "record-changed", .address = "poc2@fr.test",
					    .seed = "t3b", .vars = v };
		const char *const to[] = { "poc2@fr.test", NULL };
		const char *const langs[] = { "en" };
		check_kind(&w, &r, to, langs);
	}
	{	/* escalation: every signer of the State, each in its language; one skipped */
		struct notice_request r = { .kind = "ping-escalation", .state = "FR", .seed = "t4", .vars = v,
					    .each_key = "list", .each = each_text, .data = "FR-T-1" };
		const char *const to[] = { "alice@fr.test", "bruno@fr.test", NULL };
		const char *const langs[] = { "fr", "ru" };
		check_kind(&w, &r, to, langs);
	}
	{	/* unverified: every signer of the State, each in its language */
		struct notice_request r = { .kind = "ping-unverified", .state = "FR", .seed = "t5", .vars = v };
		const char *const to[] = { "alice@fr.test", "bruno@fr.test", "rita@fr.test", NULL };
		const char *const langs[] = { "fr", "ru", "es" };
		check_kind(&w, &r, to, langs);
	}
	{	/* an undeliverable address: the State's authorities (no reader) */
		struct notice_request r = { .kind = "address-undeliverable", .state = "FR",
					    .seed = "t8", .vars = v };
		const char *const to[] = { "alice@fr.test", "bruno@fr.test", NULL };
		const char *const langs[] = { "fr", "ru" };
		check_kind(&w, &r, to, langs);
	}
	{	/* the round's report: the custodian signers */
		struct notice_request r = { .kind = "ping-report", .seed = "t6", .vars = v };
		const char *const to[] = { "carl@un.test", NULL };
		const char *const langs[] = { "zh" };
		check_kind(&w, &r, to, langs);
	}
	{	/* a key expiring: the State's authorities and every custodian, each in its
		 * language (Carl, a custodian enrolled under JP, too) */
		struct notice_request r = { .kind = "key-expiry", .state = "FR", .seed = "t9",
					    .vars = v };
		const char *const to[] = { "alice@fr.test", "bruno@fr.test", "carl@un.test", NULL };
		const char *const langs[] = { "fr", "ru", "zh" };
		check_kind(&w, &r, to, langs);
	}
	{	/* a POC's key expiring: the State's authorities (no reader, no custodian
		 * of another State), each in its language */
		struct notice_request r = { .kind = "poc-key-expiry", .state = "FR", .seed = "t12",
					    .vars = v };
		const char *const to[] = { "alice@fr.test", "bruno@fr.test", NULL };
		const char *const langs[] = { "fr", "ru" };
		check_kind(&w, &r, to, langs);
	}
	{	/* a custodian's key (no State): the custodians */
		struct notice_request r = { .kind = "key-expiry", .seed = "t10", .vars = v };
		const char *const to[] = { "carl@un.test", NULL };
		const char *const langs[] = { "zh" };
		check_kind(&w, &r, to, langs);
	}
	{	/* the robot's keys renewed: every signer, whatever its State and role,
		 * each in its language */
		struct notice_request r = { .kind = "key-rollover", .seed = "t11", .vars = v };
		const char *const to[] = { "alice@fr.test", "bruno@fr.test", "carl@un.test",
					   "rita@fr.test", NULL };
		const char *const langs[] = { "fr", "ru", "zh", "es" };
		check_kind(&w, &r, to, langs);
	}
	{	/* the update reminder: the State's authorities (no reader) */
		struct notice_request r = { .kind = "update-reminder", .state = "FR", .seed = "t7", .vars = v,
					    .each_key = "forms", .each = each_text, .data = "NOMINATE" };
		const char *const to[] = { "alice@fr.test", "bruno@fr.test", NULL };
		const char *const langs[] = { "fr", "ru" };
		check_kind(&w, &r, to, langs);
	}
	g_hash_table_unref(v);
	world_free(&w);
}
END_TEST

/* Sends r at now in its own transaction. */
static void send_at(struct world *w, const struct notice_request *r, gint64 now)
{
	w->c.now = now;
	ck_assert_int_eq(db_begin(w->c.db), 0);
	ck_assert_int_eq(notices_send(&w->c, r), 0);
	ck_assert_int_eq(db_commit(w->c.db), 0);
}

/* Runs the held notices' job at now: the messages it queued. */
static int flush_at(struct world *w, gint64 now)
{
	w->c.now = now;
	return timer_notices_flush(&w->c);
}

/* Notices of one kind to one signer about one State falling due within
 * [notices] coalesce of the first go as one message at the first's time
 * + coalesce; another kind, another State or a later one is apart. */
START_TEST(test_coalesced)
{
	struct world w;
	GHashTable *v;
	GPtrArray *got;
	const gint64 t = 1700000000;
	struct notice_request fr = { .kind = "ping-unverified", .state = "FR", .seed = "u1" };
	struct notice_request fr2 = fr, fr3 = fr, late = fr, other = fr;

	world_new(&w);
	ck_assert_int_eq(w.cfg.notices_coalesce, 3600);	/* the default */
	v = vars_new();
	fr.vars = fr2.vars = fr3.vars = late.vars = other.vars = v;
	fr2.seed = "u2";
	fr3.seed = "u3";
	late.seed = "u4";
	other.kind = "address-undeliverable";
	other.seed = "u5";
	send_at(&w, &fr, t);
	send_at(&w, &fr2, t + 60);
	send_at(&w, &other, t + 120);
	send_at(&w, &fr3, t + 3599);
	got = take_outbox(&w);
	ck_assert_int_eq(got->len, 0);	/* held */
	g_ptr_array_unref(got);
	ck_assert_int_eq(flush_at(&w, t + 3599), 0);
	/* at t + 3600: the unverified group, one message to each of the
	 * three FR signers, and not yet the other kind (held at t + 120) */
	ck_assert_int_eq(flush_at(&w, t + 3600), 3);
	send_at(&w, &late, t + 3601);	/* after the group went: a new group */
	got = take_outbox(&w);
	ck_assert_int_eq(got->len, 3);
	for (guint i = 0; i < got->len; i++) {
		const struct sent *s = got->pdata[i];

		ck_assert_msg(g_str_has_suffix(s->subject, " (3)"), "subject %s", s->subject);
		ck_assert(s->encrypted);
		ck_assert_str_eq(s->purpose, "ping-unverified");
	}
	g_ptr_array_unref(got);
	ck_assert_int_eq(flush_at(&w, t + 3720), 2);	/* the other kind: alice, bruno */
	ck_assert_int_eq(flush_at(&w, t + 3601 + 3600), 3);	/* the late one, alone */
	got = take_outbox(&w);
	ck_assert_int_eq(got->len, 5);
	for (guint i = 0; i < got->len; i++)
		ck_assert(!g_str_has_suffix(((struct sent *)got->pdata[i])->subject, ")"));
	g_ptr_array_unref(got);
	ck_assert_int_eq(flush_at(&w, t + 90000), 0);	/* nothing held is left */
	g_hash_table_unref(v);
	world_free(&w);
}
END_TEST

/* The key-expiry warnings (key-warnings.c): none more than 30 days ahead
 * nor for an expired key; the 30-day one, then the 7-day one, each once
 * for an expiry; a renewed key (another expiry) is warned again; a revoked
 * signer never. */
START_TEST(test_key_warnings)
{
	struct world w;
	struct signer bruno;
	const gint64 day = 86400, now = 1800000000;
	GPtrArray *got;

	ck_assert_int_eq(key_warnings_due(0, now), 0);
	ck_assert_int_eq(key_warnings_due(now - 1, now), 0);
	ck_assert_int_eq(key_warnings_due(now + 30 * day + 1, now), 0);
	ck_assert_int_eq(key_warnings_due(now + 30 * day, now), 30);
	ck_assert_int_eq(key_warnings_due(now + 7 * day + 1, now), 30);
	ck_assert_int_eq(key_warnings_due(now + 7 * day, now), 7);
	ck_assert_int_eq(key_warnings_due(now + 1, now), 7);

	world_new(&w);
	ck_assert_int_eq(signers_find(w.c.db, w.fpr[2], &bruno), 1);
	ck_assert_int_eq(db_begin(w.c.db), 0);
	ck_assert_int_eq(key_warnings_send(&w.c, &bruno, now + 40 * day), 0);
	ck_assert_int_eq(key_warnings_send(&w.c, &bruno, now + 20 * day), 1);
	ck_assert_int_eq(key_warnings_send(&w.c, &bruno, now + 20 * day), 0);	/* once */
	w.c.now = now + 14 * day;
	ck_assert_int_eq(key_warnings_send(&w.c, &bruno, now + 20 * day), 1);	/* 7 days */
	ck_assert_int_eq(key_warnings_send(&w.c, &bruno, now + 20 * day), 0);
	ck_assert_int_eq(key_warnings_send(&w.c, &bruno, now + 40 * day), 1);	/* renewed */
	ck_assert_int_eq(db_commit(w.c.db), 0);
	got = take_outbox(&w);
	ck_assert_int_eq(got->len, 9);	/* three times to alice, bruno and carl */
	g_ptr_array_unref(got);
	ck_assert_int_eq(signers_warned(w.c.db, bruno.fingerprint, now + 20 * day, 30), 1);
	ck_assert_int_eq(signers_warned(w.c.db, bruno.fingerprint, now + 20 * day, 7), 1);
	ck_assert_int_eq(signers_warned(w.c.db, bruno.fingerprint, now + 40 * day, 7), 0);
	bruno.revoked = 1;
	ck_assert_int_eq(key_warnings_send(&w.c, &bruno, now + 15 * day), 0);
	signers_clear(&bruno);
	world_free(&w);
}
END_TEST

/* The POC keys' daily check (timer-poc-keys.c): a key 20 days from its
 * expiry is warned to the State's authorities once; the check runs once a
 * day; 7 days before, the last warning; a withdrawn POC's key and a key 40
 * days away never. */
START_TEST(test_poc_key_warnings)
{
	struct world w;
	const gint64 day = 86400, now = 1800000000;
	struct poc_key k = { .poc = "FR-T-1", .address = "cert@fr.test", .protocol = "openpgp",
			     .fingerprint = "AB12", .data = "key", .expires = now + 20 * day,
			     .added = now };
	struct poc_key far = k, gone = k;
	GPtrArray *got;

	world_new(&w);
	ck_assert_int_eq(db_run(w.c.db, "INSERT INTO pocs (id, state, type, number, organisation,"
				" status, version, created, updated, withdrawn_reason) VALUES"
				" ('FR-T-1', 'FR', 'technical', 1, 'CERT-FR', 'active', 1, 1, 1, NULL),"
				" ('FR-T-2', 'FR', 'technical', 2, 'CERT-FR', 'active', 1, 1, 1, NULL),"
				" ('FR-T-3', 'FR', 'technical', 3, 'Old', 'withdrawn', 2, 1, 1, 'x')",
				NULL), 0);
	far.poc = "FR-T-2";
	far.expires = now + 40 * day;
	gone.poc = "FR-T-3";
	ck_assert_int_eq(poc_keys_put(w.c.db, &k), 0);
	ck_assert_int_eq(poc_keys_put(w.c.db, &far), 0);
	ck_assert_int_eq(poc_keys_put(w.c.db, &gone), 0);
	w.c.now = now;
	ck_assert_int_eq(timer_poc_keys_warn(&w.c), 1);	/* one key, to alice and bruno */
	got = take_outbox(&w);
	ck_assert_int_eq(got->len, 2);
	for (guint i = 0; i < got->len; i++) {
		const struct sent *s = got->pdata[i];

		ck_assert_str_eq(s->purpose, "poc-key-expiry");
		ck_assert(s->encrypted);
	}
	ck_assert_str_eq(((struct sent *)got->pdata[0])->rcpt, "alice@fr.test");
	ck_assert_str_eq(((struct sent *)got->pdata[1])->rcpt, "bruno@fr.test");
	g_ptr_array_unref(got);
	ck_assert_int_eq(poc_keys_warned(w.c.db, &k, 30), 1);
	w.c.now = now + 3600;
	ck_assert_int_eq(timer_poc_keys_warn(&w.c), 0);	/* not again the same day */
	w.c.now = now + day;
	ck_assert_int_eq(timer_poc_keys_warn(&w.c), 0);	/* nor the next: warned */
	w.c.now = now + 13 * day;
	ck_assert_int_eq(timer_poc_keys_warn(&w.c), 2);	/* 7 days: k; 27: far's first */
	ck_assert_int_eq(poc_keys_warned(w.c.db, &k, 7), 1);
	got = take_outbox(&w);
	ck_assert_int_eq(got->len, 4);
	g_ptr_array_unref(got);
	ck_assert_int_eq(poc_keys_warned(w.c.db, &gone, 30), 0);	/* withdrawn: never */
	ck_assert_int_eq(poc_keys_warned(w.c.db, &gone, 7), 0);
	world_free(&w);
}
END_TEST

int main(void)

{
	Suite *s = suite_create("notices");
	TCase *tc = tcase_create("table");
	SRunner *sr;
	int failed;

	mail_library_init();
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_table_is_whole);
	tcase_add_test(tc, test_rows_as_today);
	tcase_add_test(tc, test_written_by_callers);
	tcase_add_test(tc, test_coalesced);
	tcase_add_test(tc, test_signer_address);
	tcase_add_test(tc, test_key_warnings);
	tcase_add_test(tc, test_poc_key_warnings);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* cmd-keys-rollover.c - "keys rollover": the robot's keys renewed by the
 * custodian. A new OpenPGP key certified by the old one and, when the
 * robot's certificate is self-signed, a new self-signed certificate, both
 * valid [keys] lifetime (crypto_rollover); a CA-issued certificate is the
 * custodian's to renew (keys import-smime) and is kept, as the output
 * says. In one transaction: the announcement (notices row key-rollover)
 * to every enrolled signer, signed by the OLD keys and carrying the new
 * public key and certificate; the rollover recorded (key_rollovers: the
 * daemon archives the old secret keys after [keys] overlap, until then
 * they still decrypt); an audit event. Then a daemon holding the VAR lock
 * is sent SIGHUP so that it signs with the new keys. Input: the
 * custodian's configuration; nothing from mail. Exit: 0; 75 when GnuPG or
 * the database fails (the new keys may then exist without announcement:
 * the message says so). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sysexits.h>
#include <glib/gstdio.h>
#include "audit.h"
#include "clock.h"
#include "commands.h"
#include "crypto.h"
#include "db.h"
#include "notices.h"
#include "pidfile.h"
#include "rollovers.h"
#include "templates.h"

/* Removes dir and the files crypto_identity_export wrote in it. */
static void remove_export(const char *dir)
{
	const char *names[] = { "pocbot.asc", "pocbot.pem" };

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		char *path = g_build_filename(dir, names[i], NULL);

		g_unlink(path);
		g_free(path);
	}
	g_rmdir(dir);
}

/* The announcement to every signer, signed by the old keys (pinned). */
static int announce(const struct mail_ctx *c, const struct crypto_rollover *r, gint64 until,
		    const char *dir)
{
	char *asc = g_build_filename(dir, "pocbot.asc", NULL),
	     *pem = g_build_filename(dir, "pocbot.pem", NULL);
	const struct outbox_attachment att[] = {
		{ "pocbot-openpgp.asc", "application/pgp-keys", asc },
		{ "pocbot-smime.pem", "application/x-pem-file", pem },
	};
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	char day[CLOCK_TEXT_LEN];
	char *seed = g_strdup_printf("key-rollover:%s", r->new_pgp);
	int renewed = g_strcmp0(r->old_smime, r->new_smime) != 0;
	struct notice_request req = { .kind = "key-rollover", .seed = seed, .vars = vars,
				      .attachments = att, .n_attachments = 2 };
	int rc;

	g_hash_table_insert(vars, "old_pgp", (char *)r->old_pgp);
	g_hash_table_insert(vars, "new_pgp", (char *)r->new_pgp);
	g_hash_table_insert(vars, "old_smime", (char *)r->old_smime);
	g_hash_table_insert(vars, "new_smime", (char *)r->new_smime);
	g_hash_table_insert(vars, "until", (char *)clock_text(until, CLOCK_DAY, "?", day));
	g_hash_table_insert(vars, renewed ? "smime_renewed" : "smime_kept", "yes");
	crypto_sign_as(c->crypto, r->old_pgp, r->old_smime);
	rc = notices_send(c, &req);
	crypto_sign_as(c->crypto, NULL, NULL);
	g_hash_table_unref(vars);
	g_free(seed);
	g_free(asc);
	g_free(pem);
	return rc;
}

/* Announcement, record and audit event, in one transaction. 0 or -1. */
static int record(const struct mail_ctx *c, const struct crypto_rollover *r, const char *dir)
{
	gint64 until = c->now + c->cfg->keys_overlap;
	char *detail = g_strdup_printf("{\"old_openpgp\": \"%s\", \"new_openpgp\": \"%s\", "
				       "\"old_smime\": \"%s\", \"new_smime\": \"%s\"}",
				       r->old_pgp, r->new_pgp, r->old_smime, r->new_smime);
	int rc = db_begin(c->db);

	if (rc == 0)
		rc = announce(c, r, until, dir);
	if (rc == 0)
		rc = rollovers_record(c->db, c->now, until, r);
	if (rc == 0)
		rc = audit_append(c->db, c->now, "custodian", NULL, "keys-rollover", detail);
	if (rc == 0)
		rc = db_commit(c->db);
	if (rc < 0)
		db_rollback(c->db);
	g_free(detail);
	return rc;
}

/* Tells the daemon holding VAR's lock to take the new keys. */
static void tell_daemon(const struct config *cfg)
{
	pid_t pid = 0;
	gint64 started = 0;

	if (pidfile_read(cfg->var, &pid, &started) != 1 || pid <= 0)
		printf("no daemon runs on %s: it signs with the new keys when it starts\n",
		       cfg->var);
	else if (kill(pid, SIGHUP) < 0)
		printf("warning: the daemon (pid %ld) could not be told: %s; send it SIGHUP\n",
		       (long)pid, g_strerror(errno));
	else
		printf("the daemon (pid %ld) was sent SIGHUP: it signs with the new keys\n",
		       (long)pid);
}

static int roll(const struct config *cfg, struct mail_ctx *c, const char *dir)
{
	struct crypto_rollover r;
	char day[CLOCK_TEXT_LEN], *err = NULL;

	if (crypto_identity_ensure(c->crypto, cfg->address, cfg->keys_lifetime, &err) < 0 ||
	    crypto_rollover(c->crypto, cfg->address, cfg->keys_lifetime, &r, &err) < 0 ||
	    crypto_identity_export(c->crypto, dir, &err) < 0) {
		fprintf(stderr, "pocbot keys rollover: %s\n", err ? err : "GnuPG failed");
		g_free(err);
		return EX_TEMPFAIL;
	}
	if (record(c, &r, dir) < 0) {
		fprintf(stderr, "pocbot keys rollover: the new keys (OpenPGP %s) are made but the "
			"announcement could not be queued: %s\n", r.new_pgp,
			sqlite3_errmsg(c->db));
		return EX_TEMPFAIL;
	}
	printf("openpgp %s (was %s, certified by it)\n", r.new_pgp, r.old_pgp);
	if (g_strcmp0(r.old_smime, r.new_smime) != 0)
		printf("smime   %s (was %s)\n", r.new_smime, r.old_smime);
	else
		printf("smime   %s kept: a CA-issued certificate is renewed by its CA; "
		       "install the new one with pocbot keys import-smime\n", r.new_smime);
	printf("the old secret keys decrypt until %s, then the daemon archives them\n",
	       clock_text(c->now + cfg->keys_overlap, CLOCK_DAY, "?", day));
	tell_daemon(cfg);
	return 0;
}

int cmd_keys_rollover(struct command_ctx *ctx, int argc, char **argv)
{
	const struct config *cfg = ctx->cfg;
	char *home = config_var_path(cfg, "gnupg"), *err = NULL, *dir;
	struct mail_ctx c = { ctx->db, cfg, NULL, templates_load(), clock_now(cfg) };
	int rc;

	(void)argc;
	(void)argv;
	if (!(c.crypto = crypto_open(home, &err))) {
		fprintf(stderr, "pocbot keys rollover: %s\n", err);
		rc = EX_TEMPFAIL;
	} else if (!(dir = g_dir_make_tmp("pocbot-rollover-XXXXXX", NULL))) {
		fprintf(stderr, "pocbot keys rollover: cannot make a temporary folder\n");
		rc = EX_TEMPFAIL;
	} else {
		rc = roll(cfg, &c, dir);
		remove_export(dir);
		g_free(dir);
	}
	crypto_close(c.crypto);
	templates_free((struct templates *)c.tpl);
	g_free(home);
	g_free(err);
	return rc;
}

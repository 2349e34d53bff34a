/* cmd-signer-renew.c - "signer renew FINGERPRINT (--pgp FILE | --smime
 * CERT [--chain FILE] [--encrypt-cert FILE])": the custodian takes an
 * enrolled signer's renewed key (never by mail: a stolen key must not
 * renew itself). The same fingerprint (an OpenPGP key whose expiry was
 * extended) is imported again: the keyring holds the new expiry, which
 * "signer list" shows. A new fingerprint replaces the old one: the old
 * enrolment is revoked ("renewed: replaced by NEW"; its key stays in the
 * keyring, its signatures are refused from then on) and the new key is
 * enrolled with the same State, role, label and language. Audited
 * ("signer-renew") and told to the State's other signers in the
 * transaction that makes it; a key expiring within 30 days is warned of
 * at once (cmd_signer_expiring, also for "signer add"). Input: the
 * custodian's options and key files made by others (checked by
 * crypto_import_*). Exit: 0; 64 usage; 65 no such signer, a revoked one,
 * a file of the other protocol, a refused key, a new key enrolled
 * already; 66 an unreadable file; 75 a database or GnuPG failure. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include "audit.h"
#include "clock.h"
#include "commands.h"
#include "crypto.h"
#include "db.h"
#include "key-warnings.h"
#include "notices.h"
#include "signers.h"

struct renew_opts {
	char *pgp, *smime, *chain, *encrypt_cert;
};

#define RENEW_USAGE "usage: pocbot signer renew FINGERPRINT " \
	"(--pgp FILE | --smime CERT [--chain FILE] [--encrypt-cert FILE])\n"

int cmd_signer_expiring(const struct config *cfg, sqlite3 *db, const struct signer *s,
			gint64 expires, gint64 now)
{
	if (!key_warnings_due(expires, now))
		return 0;
	return key_warnings_send_now(db, cfg, s, expires, now) < 0 ? EX_TEMPFAIL : 0;
}

void cmd_signer_say_expiring(const struct signer *s, gint64 expires, gint64 now)
{
	char day[CLOCK_TEXT_LEN];
	int due = key_warnings_due(expires, now);

	if (!due)
		return;
	printf("warning: this key expires on %s, within %d days: the State's authority "
	       "signers and the custodian signers are told; when its holder sends a renewed "
	       "key, run: pocbot signer renew %s --%s FILE\n",
	       clock_text(expires, CLOCK_DAY, "?", day), due, s->fingerprint,
	       s->protocol == CRYPTO_SMIME ? "smime" : "pgp");
}

static int usage_ok(const struct renew_opts *o)
{
	if (!o->pgp != !o->smime && !(o->pgp && (o->chain || o->encrypt_cert)))
		return 1;
	fputs(RENEW_USAGE, stderr);
	return 0;
}

static int files_ok(const struct renew_opts *o)
{
	const char *const files[] = { o->pgp, o->smime, o->chain, o->encrypt_cert };

	for (size_t i = 0; i < G_N_ELEMENTS(files); i++)
		if (files[i] && !g_file_test(files[i], G_FILE_TEST_IS_REGULAR)) {
			fprintf(stderr, "pocbot signer renew: %.200s: no such file\n", files[i]);
			return 0;
		}
	return 1;
}

/* The enrolled signer fpr, not revoked, of the protocol of o's file. 0 with
 * *old, or an exit code. */
static int old_signer(sqlite3 *db, const char *fpr, const struct renew_opts *o,
		      struct signer *old)
{
	int found = signers_find(db, fpr, old);

	if (found < 0) {
		fprintf(stderr, "pocbot signer renew: %s\n", sqlite3_errmsg(db));
		return EX_TEMPFAIL;
	}
	if (found == 0)
		fprintf(stderr, "pocbot signer renew: no signer has the fingerprint %.80s\n", fpr);
	else if (old->revoked)
		fprintf(stderr, "pocbot signer renew: %s is revoked: enrol its holder's key with "
			"pocbot signer add\n", old->fingerprint);
	else if ((old->protocol == CRYPTO_SMIME) != (o->smime != NULL))
		fprintf(stderr, "pocbot signer renew: %s is an %s signer: give its renewed key "
			"with --%s\n", old->fingerprint, signers_protocol_name(old->protocol),
			old->protocol == CRYPTO_SMIME ? "smime" : "pgp");
	else
		return 0;
	return EX_DATAERR;
}

/* Imports o's file; fills the renewed signer n (a copy of old's State,
 * role, label and language) with the file's key. 0 or an exit code. */
static int import(struct crypto *crypto, const struct renew_opts *o, const struct signer *old,
		  struct signer *n)
{
	char *err = NULL;
	int rc;

	memset(n, 0, sizeof *n);
	n->protocol = old->protocol;
	g_strlcpy(n->state, old->state, sizeof n->state);
	g_strlcpy(n->lang, old->lang, sizeof n->lang);
	n->role = old->role;
	n->label = g_strdup(old->label);
	n->added = old->added;
	if (o->pgp)
		rc = crypto_import_pgp(crypto, o->pgp, n->fingerprint, &n->email, &err);
	else
		rc = crypto_import_smime(crypto, o->smime, o->chain, o->encrypt_cert,
					 n->fingerprint, n->enc_fingerprint, &n->email, &err);
	if (rc < 0)
		fprintf(stderr, "pocbot signer renew: %s\n", err ? err : "GnuPG failed");
	g_free(err);
	return rc < 0 ? EX_DATAERR : 0;
}

/* The new key n in place of old, in the open transaction: the same
 * fingerprint updated, or old revoked and n enrolled. 0 or -1 (*refused
 * set when n is another signer's key already). */
static int replace(sqlite3 *db, const struct signer *old, struct signer *n, gint64 now,
		   int *refused)
{
	struct signer other;
	char *reason;
	int found, rc;

	*refused = 0;
	if (strcmp(old->fingerprint, n->fingerprint) == 0)
		return signers_update_key(db, n);
	if ((found = signers_find(db, n->fingerprint, &other)) != 0) {
		if (found == 1)
			fprintf(stderr, "pocbot signer renew: the new key %s is enrolled "
				"already for %s\n", n->fingerprint,
				other.state[0] ? other.state : "no State");
		*refused = found == 1;
		signers_clear(&other);
		return -1;
	}
	reason = g_strdup_printf("renewed: replaced by %s", n->fingerprint);
	n->added = now;
	rc = signers_revoke(db, old->fingerprint, now, reason) == 1 && signers_add(db, n) == 0 &&
	     signers_set_lang(db, n->fingerprint, n->lang) == 0 ? 0 : -1;
	g_free(reason);
	return rc;
}

/* What the audit trail says of a renewal. g_free it. */
static char *renew_detail(const struct signer *old, const struct signer *n, gint64 was,
			  gint64 expires)
{
	char a[CLOCK_TEXT_LEN], b[CLOCK_TEXT_LEN];
	gboolean same = strcmp(old->fingerprint, n->fingerprint) == 0;

	return g_strdup_printf("%s %s%s%s, expires %s (was %s)",
			       signers_protocol_name(n->protocol), old->fingerprint,
			       same ? "" : " replaced by ", same ? "" : n->fingerprint,
			       expires ? clock_text(expires, CLOCK_DAY, "?", a) : "never",
			       was ? clock_text(was, CLOCK_DAY, "?", b) : "never");
}

/* The renewal in one transaction. 0 or an exit code. */
static int renew(const struct config *cfg, sqlite3 *db, const struct signer *old,
		 struct signer *n, gint64 was, gint64 expires)
{
	gint64 now = clock_now(cfg);
	char *detail = renew_detail(old, n, was, expires);
	int refused = 0;

	if (db_begin(db) < 0)
		goto fail;
	if (replace(db, old, n, now, &refused) < 0)
		goto fail;
	if (audit_append(db, now, "custodian", n->state, "signer-renew", detail) < 0)
		goto fail;
	if (notices_signer_change(db, cfg, n, "action-renewed", now) < 0)
		goto fail;
	if (cmd_signer_expiring(cfg, db, n, expires, now) != 0)
		goto fail;
	if (db_commit(db) < 0)
		goto fail;
	printf("renewed for %s: %s\n", n->state[0] ? n->state : "every State (no State)", detail);
	cmd_signer_say_expiring(n, expires, now);
	g_free(detail);
	return 0;
fail:
	if (!refused)
		fprintf(stderr, "pocbot signer renew: %s\n", sqlite3_errmsg(db));
	db_rollback(db);
	g_free(detail);
	return refused ? EX_DATAERR : EX_TEMPFAIL;
}

/* The expiry of s's keys as the keyring holds them. 0 or an exit code. */
static int expiry_of(struct crypto *crypto, const struct signer *s, gint64 *expires)
{
	if (key_warnings_key_expiry(crypto, s, expires) == 0)
		return 0;
	fprintf(stderr, "pocbot signer renew: GnuPG failed to list %s\n", s->fingerprint);
	return EX_TEMPFAIL;
}

static int run(const struct config *cfg, sqlite3 *db, const char *fpr, const struct renew_opts *o)
{
	char *home = config_var_path(cfg, "gnupg"), *err = NULL;
	struct crypto *crypto = NULL;
	struct signer old = { 0 }, n = { 0 };
	gint64 was = 0, expires = 0;
	int rc;

	if ((rc = old_signer(db, fpr, o, &old)) != 0)
		goto out;
	if (!(crypto = crypto_open(home, &err))) {
		fprintf(stderr, "pocbot signer renew: %s\n", err ? err : "GnuPG failed");
		rc = EX_TEMPFAIL;
		goto out;
	}
	if ((rc = expiry_of(crypto, &old, &was)) != 0 || (rc = import(crypto, o, &old, &n)) != 0 ||
	    (rc = expiry_of(crypto, &n, &expires)) != 0)
		goto out;
	crypto_close(g_steal_pointer(&crypto));
	rc = renew(cfg, db, &old, &n, was, expires);
out:
	crypto_close(crypto);
	signers_clear(&old);
	signers_clear(&n);
	g_free(home);
	g_free(err);
	return rc;
}

int cmd_signer_renew(struct command_ctx *ctx, int argc, char **argv)
{
	struct renew_opts o = { 0 };
	GOptionEntry entries[] = {
		{ "pgp", 0, 0, G_OPTION_ARG_FILENAME, &o.pgp,
		  "the signer's OpenPGP public key, renewed", "FILE" },
		{ "smime", 0, 0, G_OPTION_ARG_FILENAME, &o.smime,
		  "the signer's new S/MIME certificate", "FILE" },
		{ "chain", 0, 0, G_OPTION_ARG_FILENAME, &o.chain,
		  "the certificates that issued it", "FILE" },
		{ "encrypt-cert", 0, 0, G_OPTION_ARG_FILENAME, &o.encrypt_cert,
		  "the signer's encryption certificate, when the signing one is sign-only",
		  "FILE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int rc = command_options(ctx, "Takes an enrolled signer's renewed key or certificate: "
				 "its new expiry, or a new key in place of the old one.",
				 entries, &argc, &argv);

	if (rc == 0 && !usage_ok(&o))
		rc = EX_USAGE;
	else if (rc == 0 && !files_ok(&o))
		rc = EX_NOINPUT;
	else if (rc == 0)
		rc = run(ctx->cfg, ctx->db, argv[2], &o);
	g_free(o.pgp);
	g_free(o.smime);
	g_free(o.chain);
	g_free(o.encrypt_cert);
	return rc;
}

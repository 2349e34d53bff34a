/* cmd-signer.c - "signer add" enrols a State's signing key (OpenPGP) or
 * certificate (S/MIME) with a role (a custodian's with no State: it acts
 * for every State; a key expiring within 30 days is warned of at once),
 * "signer list" shows the enrolled signers with each key's expiry, read
 * from the robot's keyrings through the crypto adapter (--format json:
 * json-out.c), "signer revoke" withdraws one ("signer renew" is
 * cmd-signer-renew.c). Each change is written to the audit trail, and told
 * to the State's other signers, in the transaction that makes it. Input:
 * the custodian's options and key files made by others (checked by
 * crypto_import_*). Exit: 0; 64 usage; 65 a refused key,
 * State or fingerprint; 66 an unreadable file; 75 a database or GnuPG
 * failure worth retrying. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sqlite3.h>
#include "audit.h"
#include "clock.h"
#include "commands.h"
#include "crypto.h"
#include "db.h"
#include "json-out.h"
#include "key-warnings.h"
#include "langs.h"
#include "participants.h"
#include "pocs.h"
#include "signers.h"
#include "notices.h"
#include "states.h"

#define MAX_LABEL 200		/* the custodian's note on a signer */
#define MAX_REASON 500		/* why a signer was revoked */

struct signer_opts {
	char *state, *role, *pgp, *smime, *chain, *encrypt_cert, *label, *reason, *lang, *format;
};


/* The alpha-2 code of any code or name of a State. 0, or an exit code. */
static int state_code(const char *text, char code[3])
{
	char *err = NULL;
	const struct states *ref = states_load(&err);

	if (!ref) {
		fprintf(stderr, "pocbot signer: %s\n", err);
		g_free(err);
		return EX_SOFTWARE;
	}
	if (states_find(ref, text, code) < 0) {
		fprintf(stderr, "pocbot signer: no State called \"%.200s\"\n", text);
		return EX_DATAERR;
	}
	return 0;
}

/* 0 when code is a participating State (in the states table), else an exit code. */
static int state_participates(sqlite3 *db, const char *code)
{
	int in = participants_has(db, code);

	if (in == 1)
		return 0;
	if (in == 0) {
		fprintf(stderr, "pocbot signer add: %s is not a participating State "
			"(pocbot state add %s)\n", code, code);
		return EX_DATAERR;
	}
	fprintf(stderr, "pocbot signer add: %s\n", sqlite3_errmsg(db));
	return EX_TEMPFAIL;
}

/* The custodian's free text: bounded, one line. */
static int text_ok(const char *what, const char *s, size_t max)
{
	if (!s)
		return 1;
	if (strlen(s) > max || strpbrk(s, "\r\n\t")) {
		fprintf(stderr, "pocbot signer: --%s must be one line of at most %zu bytes\n",
			what, max);
		return 0;
	}
	return 1;
}

static int file_readable(const char *file)
{
	if (!file || g_file_test(file, G_FILE_TEST_IS_REGULAR))
		return 1;
	fprintf(stderr, "pocbot signer add: %.200s: no such file\n", file);
	return 0;
}

/* 0 when fpr is not enrolled yet, else an exit code. */
static int not_enrolled(sqlite3 *db, const char *fpr)
{
	struct signer old;
	int found = signers_find(db, fpr, &old);

	if (found == 1)
		fprintf(stderr, "pocbot signer add: %s is already enrolled for %s as %s%s\n", fpr,
			old.state[0] ? old.state : "no State", signers_role_name(old.role),
			old.revoked ? " (revoked)" : "");
	if (found == 1 && !old.revoked)
		fprintf(stderr, "pocbot signer add: to take a renewed key's new expiry, run: "
			"pocbot signer renew %s --%s FILE\n", fpr,
			old.protocol == CRYPTO_SMIME ? "smime" : "pgp");
	else if (found < 0)
		fprintf(stderr, "pocbot signer add: %s\n", sqlite3_errmsg(db));
	signers_clear(&old);
	return found == 0 ? 0 : found == 1 ? EX_DATAERR : EX_TEMPFAIL;
}

/* 0 unless the one OpenPGP key file holds is enrolled (read before the
 * robot's keyring takes anything from it); else an exit code. A file of
 * several keys or none is the import's to refuse, saying why. */
static int file_not_enrolled(sqlite3 *db, struct crypto *c, const char *file)
{
	GPtrArray *fprs = NULL;
	char *err = NULL;
	int rc = 0;

	if (crypto_peek_pgp(c, file, &fprs, &err) < 0) {
		fprintf(stderr, "pocbot signer add: %s\n", err);
		g_free(err);
		return EX_DATAERR;
	}
	if (fprs->len == 1)
		rc = not_enrolled(db, fprs->pdata[0]);
	g_ptr_array_unref(fprs);
	return rc;
}

/* Imports the key or certificate into the robot's GnuPG home and fills
 * s's protocol, fingerprints and e-mail address, and *expires with when
 * its keys expire (0 never). 0 or an exit code. */
static int import_key(const struct config *cfg, sqlite3 *db, const struct signer_opts *o,
		      struct signer *s, gint64 *expires)
{
	char *home = config_var_path(cfg, "gnupg"), *err = NULL;
	struct crypto *c = crypto_open(home, &err);
	int rc = c ? -1 : EX_TEMPFAIL;

	if (c && o->pgp && (rc = file_not_enrolled(db, c, o->pgp)) != 0) {
		crypto_close(c);
		g_free(home);
		g_free(err);
		return rc;
	}
	if (c && o->pgp) {
		s->protocol = CRYPTO_OPENPGP;
		rc = crypto_import_pgp(c, o->pgp, s->fingerprint, &s->email, &err);
	} else if (c) {
		s->protocol = CRYPTO_SMIME;
		rc = crypto_import_smime(c, o->smime, o->chain, o->encrypt_cert, s->fingerprint,
					 s->enc_fingerprint, &s->email, &err);
	}
	rc = rc == -1 ? EX_DATAERR : rc;
	if (rc == 0 && key_warnings_key_expiry(c, s, expires) < 0)
		rc = EX_TEMPFAIL;
	if (rc)
		fprintf(stderr, "pocbot signer add: %s\n", err ? err : "GnuPG failed");
	crypto_close(c);
	g_free(home);
	g_free(err);
	return rc;
}

/* What the audit trail says of an enrolment. g_free it. */
static char *enrol_detail(const struct signer *s)
{
	gboolean enc = s->enc_fingerprint[0] && strcmp(s->enc_fingerprint, s->fingerprint) != 0;

	return g_strdup_printf("%s %s as %s%s%s%s%s%s%s", signers_protocol_name(s->protocol),
			       s->fingerprint, signers_role_name(s->role),
			       enc ? ", encrypt to " : "", enc ? s->enc_fingerprint : "",
			       s->email ? ", " : "", s->email ? s->email : "",
			       s->label ? ", label " : "", s->label ? s->label : "");
}

/* Writes s, its audit event and the notice, then commits. 0 or an exit code. */
static int enrol(sqlite3 *db, const struct config *cfg, struct signer *s, const char *lang,
		 gint64 expires)
{
	char *detail;
	int rc;

	if (db_begin(db) < 0) {
		fprintf(stderr, "pocbot signer add: %s\n", sqlite3_errmsg(db));
		return EX_TEMPFAIL;
	}
	if ((rc = not_enrolled(db, s->fingerprint)) != 0) {
		db_rollback(db);
		return rc;
	}
	s->added = clock_now(cfg);
	detail = enrol_detail(s);
	if (signers_add(db, s) < 0)
		goto fail;
	if (signers_set_lang(db, s->fingerprint, lang ? lang : "en") < 0)
		goto fail;
	if (audit_append(db, s->added, "custodian", s->state, "signer-add", detail) < 0)
		goto fail;
	if (notices_signer_change(db, cfg, s, "action-enrolled", s->added) < 0)
		goto fail;
	g_strlcpy(s->lang, lang ? lang : "en", sizeof s->lang);
	if (cmd_signer_expiring(cfg, db, s, expires, s->added) != 0)
		goto fail;
	if (db_commit(db) < 0)
		goto fail;
	printf("enrolled for %s: %s\n", s->state[0] ? s->state : "every State (no State)", detail);
	cmd_signer_say_expiring(s, expires, s->added);
	g_free(detail);
	return 0;
fail:
	fprintf(stderr, "pocbot signer add: %s\n", sqlite3_errmsg(db));
	db_rollback(db);
	g_free(detail);
	return EX_TEMPFAIL;
}

static int add_usage(const struct signer_opts *o)
{
	gboolean custodian = o->role && g_ascii_strcasecmp(o->role, "custodian") == 0;

	if (custodian && o->state) {
		fprintf(stderr, "pocbot signer add: a custodian belongs to no State and acts for "
			"every State: leave out --state\n");
		return EX_USAGE;
	}
	if ((o->state || custodian) && o->role && (!o->pgp != !o->smime) &&
	    !(o->pgp && (o->chain || o->encrypt_cert)))
		return 0;
	fprintf(stderr,
		"usage: pocbot signer add "
		"(--state CODE --role authority|reader | --role custodian) "
		"(--pgp FILE | --smime FILE [--chain FILE] [--encrypt-cert FILE]) "
		"[--label TEXT] [--lang LANG]\n");
	return EX_USAGE;
}

static int signer_add(const struct config *cfg, sqlite3 *db, const struct signer_opts *o)
{
	struct signer s = { 0 };
	gint64 expires = 0;
	int rc;

	if (o->state && (rc = state_code(o->state, s.state)) != 0)
		return rc;
	if (signers_role_parse(o->role, &s.role) < 0) {
		fprintf(stderr, "pocbot signer add: --role is authority, reader or custodian\n");
		return EX_USAGE;
	}
	if (!text_ok("label", o->label, MAX_LABEL))
		return EX_USAGE;
	if (o->lang && !langs_known(o->lang)) {
		fprintf(stderr, "pocbot signer add: --lang is ar, en, es, fr, ru or zh\n");
		return EX_USAGE;
	}
	if (!file_readable(o->pgp) || !file_readable(o->smime) || !file_readable(o->chain) ||
	    !file_readable(o->encrypt_cert))
		return EX_NOINPUT;
	if (s.state[0] && (rc = state_participates(db, s.state)) != 0)
		goto out;
	if ((rc = import_key(cfg, db, o, &s, &expires)) != 0)
		goto out;
	s.label = g_strdup(o->label);
	rc = enrol(db, cfg, &s, o->lang, expires);
out:
	signers_clear(&s);
	return rc;
}

/* One signer as a line of "signer list": its expiry last (a day, "never",
 * or "not held" when the robot's keyrings lack the key). */
static void print_signer(const struct signer *s, GHashTable *expiries)
{
	char day[CLOCK_TEXT_LEN];
	gint64 expires = key_warnings_expiry(expiries, s);

	printf("%s\t%s\t%s\t%s\t", signers_protocol_name(s->protocol), s->fingerprint,
	       s->state[0] ? s->state : "-", signers_role_name(s->role));
	command_print_text(s->label);
	fputc('\t', stdout);
	command_print_text(s->email);
	fputc('\t', stdout);
	if (s->revoked) {
		printf("revoked %s: ", clock_text(s->revoked, CLOCK_DAY, "?", day));
		command_print_text(s->revoke_reason);
	} else {
		fputc('-', stdout);
	}
	if (!expiries || !g_hash_table_contains(expiries, s->fingerprint))
		printf("\tnot held\n");
	else
		printf("\t%s\n", expires ? clock_text(expires, CLOCK_DAY, "?", day) : "never");
}

/* The robot's keys' expiries (crypto_key_expiries); none when it has no
 * keyring yet (nothing is made for a listing). 0, or an exit code. */
static int load_expiries(const struct config *cfg, GHashTable **out)
{
	char *home = config_var_path(cfg, "gnupg"), *err = NULL;
	struct crypto *c = NULL;
	int rc = 0;

	*out = NULL;
	if (g_file_test(home, G_FILE_TEST_IS_DIR) &&
	    (!(c = crypto_open(home, &err)) || crypto_key_expiries(c, out) < 0)) {
		fprintf(stderr, "pocbot signer list: %s\n", err ? err : "GnuPG failed");
		rc = EX_TEMPFAIL;
	}
	crypto_close(c);
	g_free(home);
	g_free(err);
	return rc;
}

/* Two members: the time one of s's keys stops being usable (the earlier of
 * the signing and the encryption one's), null when never; and whether the
 * robot holds the key at all. */
static void json_expiry(JsonBuilder *b, GHashTable *expiries, const struct signer *s)
{
	json_out_time(b, "expires", key_warnings_expiry(expiries, s));
	json_builder_set_member_name(b, "key_held");
	json_builder_add_boolean_value(b, expiries && g_hash_table_contains(expiries,
									  s->fingerprint));
}

static void json_signer(JsonBuilder *b, GHashTable *expiries, const struct signer *s)
{
	gboolean enc = s->enc_fingerprint[0] && strcmp(s->enc_fingerprint, s->fingerprint);

	json_builder_begin_object(b);
	json_out_string(b, "protocol", signers_protocol_name(s->protocol));
	json_out_string(b, "fingerprint", s->fingerprint);
	json_out_string(b, "encrypt_fingerprint", enc ? s->enc_fingerprint : NULL);
	json_out_string(b, "state", s->state);
	json_out_string(b, "role", signers_role_name(s->role));
	json_out_string(b, "label", s->label);
	json_out_string(b, "email", s->email);
	json_out_string(b, "lang", s->lang);
	json_out_time(b, "added", s->added);
	json_out_time(b, "revoked", s->revoked);
	json_out_string(b, "revoke_reason", s->revoke_reason);
	json_expiry(b, expiries, s);
	json_builder_end_object(b);
}

static int list_json(GHashTable *expiries, const GPtrArray *all)
{
	JsonBuilder *b = json_builder_begin_array(json_builder_new());

	for (guint i = 0; i < all->len; i++)
		json_signer(b, expiries, all->pdata[i]);
	return json_out_print(json_builder_end_array(b)) < 0 ? EX_IOERR : 0;
}

static int signer_list(const struct config *cfg, sqlite3 *db, const struct signer_opts *o)
{
	char code[3] = "";
	GHashTable *expiries = NULL;
	GPtrArray *all;
	int rc, json = json_out_format("signer list", o->format);

	if (json < 0)
		return EX_USAGE;
	if (o->state && (rc = state_code(o->state, code)) != 0)
		return rc;
	if (!(all = signers_list(db, o->state ? code : NULL))) {
		fprintf(stderr, "pocbot signer list: %s\n", sqlite3_errmsg(db));
		return EX_TEMPFAIL;
	}
	if ((rc = load_expiries(cfg, &expiries)) == 0 && json)
		rc = list_json(expiries, all);
	else if (rc == 0)
		printf("protocol\tfingerprint\tstate\trole\tlabel\temail\trevoked\texpires\n");
	for (guint i = 0; !json && rc == 0 && i < all->len; i++)
		print_signer(all->pdata[i], expiries);
	if (expiries)
		g_hash_table_unref(expiries);
	g_ptr_array_unref(all);
	return rc;
}

/* Marks s revoked with its audit event and notice, in one transaction. 0 or an exit code. */
static int revoke_one(sqlite3 *db, const struct config *cfg, const struct signer *s,
		      const char *reason)
{
	gint64 now = clock_now(cfg);
	char *detail = g_strdup_printf("%s %s (%s): %s", signers_protocol_name(s->protocol),
				       s->fingerprint, signers_role_name(s->role), reason);

	if (signers_revoke(db, s->fingerprint, now, reason) != 1)
		goto fail;
	if (audit_append(db, now, "custodian", s->state, "signer-revoke", detail) < 0)
		goto fail;
	if (notices_signer_change(db, cfg, s, "action-revoked", now) < 0)
		goto fail;
	if (db_commit(db) < 0)
		goto fail;
	printf("revoked %s of %s\n", s->fingerprint, s->state[0] ? s->state : "no State");
	g_free(detail);
	return 0;
fail:
	fprintf(stderr, "pocbot signer revoke: %s\n", sqlite3_errmsg(db));
	db_rollback(db);
	g_free(detail);
	return EX_TEMPFAIL;
}

static int signer_revoke(const struct config *cfg, sqlite3 *db, const char *fpr,
			 const struct signer_opts *o)
{
	struct signer s;
	int found, rc = EX_DATAERR;

	if (!o->reason || !*o->reason || !text_ok("reason", o->reason, MAX_REASON)) {
		fprintf(stderr, "usage: pocbot signer revoke FINGERPRINT --reason TEXT\n");
		return EX_USAGE;
	}
	if (db_begin(db) < 0) {
		fprintf(stderr, "pocbot signer revoke: %s\n", sqlite3_errmsg(db));
		return EX_TEMPFAIL;
	}
	if ((found = signers_find(db, fpr, &s)) < 0) {
		fprintf(stderr, "pocbot signer revoke: %s\n", sqlite3_errmsg(db));
		rc = EX_TEMPFAIL;
	} else if (found == 0) {
		fprintf(stderr, "pocbot signer revoke: no signer has the fingerprint %.80s\n",
			fpr);
	} else if (s.revoked) {
		fprintf(stderr, "pocbot signer revoke: %s is revoked already\n", s.fingerprint);
	} else {
		rc = revoke_one(db, cfg, &s, o->reason);
	}
	if (found != 1 || s.revoked)
		db_rollback(db);
	signers_clear(&s);
	return rc;
}

static int run(const struct config *cfg, sqlite3 *db, char **argv, const struct signer_opts *o)
{
	int rc;

	if (strcmp(argv[1], "add") == 0 && (rc = add_usage(o)) != 0)
		return rc;
	if (strcmp(argv[1], "add") == 0)
		return signer_add(cfg, db, o);
	if (strcmp(argv[1], "list") == 0)
		return signer_list(cfg, db, o);
	return signer_revoke(cfg, db, argv[2], o);
}

int cmd_signer(struct command_ctx *ctx, int argc, char **argv)
{
	struct signer_opts o = { 0 };
	GOptionEntry entries[] = {
		{ "state", 0, 0, G_OPTION_ARG_STRING, &o.state,
		  "the State (any code or name); none for a custodian", "CODE" },
		{ "role", 0, 0, G_OPTION_ARG_STRING, &o.role, "authority, reader or custodian",
		  "ROLE" },
		{ "pgp", 0, 0, G_OPTION_ARG_FILENAME, &o.pgp, "the signer's OpenPGP public key",
		  "FILE" },
		{ "smime", 0, 0, G_OPTION_ARG_FILENAME, &o.smime,
		  "the signer's S/MIME certificate", "FILE" },
		{ "chain", 0, 0, G_OPTION_ARG_FILENAME, &o.chain,
		  "the certificates that issued it", "FILE" },
		{ "encrypt-cert", 0, 0, G_OPTION_ARG_FILENAME, &o.encrypt_cert,
		  "the signer's encryption certificate, when the signing one is sign-only",
		  "FILE" },
		{ "label", 0, 0, G_OPTION_ARG_STRING, &o.label, "a note: who the signer is",
		  "TEXT" },
		{ "reason", 0, 0, G_OPTION_ARG_STRING, &o.reason, "why the signer is revoked",
		  "TEXT" },
		{ "lang", 0, 0, G_OPTION_ARG_STRING, &o.lang,
		  "the language the robot writes to the signer in "
		  "(ar en es fr ru zh; default en, then that of its signed commands)",
		  "LANG" },
		{ "format", 0, 0, G_OPTION_ARG_STRING, &o.format,
		  "list: text (the default) or json", "FORMAT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int rc;

	if (argc > 1 && strcmp(argv[1], "renew") == 0)
		return cmd_signer_renew(ctx, argc, argv);	/* cmd-signer-renew.c */
	rc = command_options(ctx, "The keys and certificates enrolled for each participating "
			     "State.", entries, &argc, &argv);
	if (rc == 0)
		rc = run(ctx->cfg, ctx->db, argv, &o);
	g_free(o.state);
	g_free(o.role);
	g_free(o.pgp);
	g_free(o.smime);
	g_free(o.chain);
	g_free(o.encrypt_cert);
	g_free(o.label);
	g_free(o.reason);
	g_free(o.lang);
	g_free(o.format);
	return rc;
}

/* test-crypto-verify.c - the robot's trust decision (robot/crypto-verify.c).
 * Builds its own world once: tests/lib/verify-fixtures.sh makes keys,
 * certificates and signed mail with gpg, gpgsm and openssl in a private
 * short directory under /tmp, and a robot GNUPGHOME holding the signers'
 * public keys, a trusted test CA, and the robot's own keys. Each test
 * verifies one message and checks every form of signed mail, every
 * outcome, and that a signature where it does not count is ignored; and
 * crypto_decrypt (robot/crypto-decrypt.c) takes one layer of encryption to
 * the robot off, whatever is signed inside. */
#include <check.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include "robot/crypto-internal.h"
#include "robot/mail.h"

static char *world;		/* the directory verify-fixtures.sh filled */
static GHashTable *facts;	/* name -> fingerprint */

static const char *fact(const char *name)
{
	const char *v = g_hash_table_lookup(facts, name);

	ck_assert_msg(v != NULL, "no fact %s", name);
	return v;
}

/* Verifies world/name into r; returns crypto_verify's value. */
static int verify_with(struct crypto *c, const char *name, struct crypto_result *r)
{
	char *path = g_build_filename(world, name, NULL), *data = NULL;
	gsize len = 0;
	int rc;

	ck_assert_msg(g_file_get_contents(path, &data, &len, NULL), "cannot read %s", path);
	rc = crypto_verify(c, data, len, r);
	g_free(data);
	g_free(path);
	return rc;
}

static struct crypto *open_robot(void)
{
	char *home = g_build_filename(world, "r", NULL), *err = NULL;
	struct crypto *c = crypto_open(home, &err);

	ck_assert_msg(c != NULL, "crypto_open: %s", err ? err : "?");
	g_free(home);
	return c;
}

static void verify(const char *name, struct crypto_result *r)
{
	struct crypto *c = open_robot();
	int rc = verify_with(c, name, r);

	ck_assert_msg(rc == 0, "%s: crypto_verify returned %d (%s)", name, rc, r->detail ? r->detail : "");
	crypto_close(c);
}

static void expect(const char *name, enum crypto_outcome want, struct crypto_result *r)
{
	verify(name, r);
	ck_assert_msg(r->outcome == want, "%s: %s, wanted %s (%s)", name, crypto_outcome_name(r->outcome),
		      crypto_outcome_name(want), r->detail ? r->detail : "no detail");
	if (want != CRYPTO_GOOD)
		ck_assert_msg(r->content == NULL, "%s: content handed out for %s", name,
			      crypto_outcome_name(r->outcome));
}

/* A good signature by signer, made within the last hour, whose content
 * mail_parse reads with text in it. */
static void expect_good(const char *name, enum crypto_protocol p, const char *signer, const char *text,
			struct crypto_result *r)
{
	gint64 now = (gint64)time(NULL);
	struct mail *m;
	char *body;

	expect(name, CRYPTO_GOOD, r);
	ck_assert_int_eq(r->protocol, p);
	ck_assert_str_eq(r->fingerprint, fact(signer));
	ck_assert_msg(r->created > now - 3600 && r->created <= now + 60, "%s: created %" G_GINT64_FORMAT,
		      name, r->created);
	ck_assert_int_eq(strlen(r->replay_key), 64);
	ck_assert_ptr_nonnull(r->content);
	ck_assert_uint_eq(strlen(r->content), r->content_len);
	m = mail_parse(r->content, r->content_len);
	body = mail_text(m);
	ck_assert_msg(strstr(body, text) != NULL, "%s: \"%s\" not in the signed text \"%s\"", name, text, body);
	g_free(body);
	mail_free(m);
}

static void expect_unsigned(const char *name)
{
	struct crypto_result r;

	expect(name, CRYPTO_UNSIGNED, &r);
	ck_assert_str_eq(r.fingerprint, "");
	ck_assert(!r.text_outside);
	crypto_result_clear(&r);
}

/* ---- PGP/MIME ---- */

START_TEST(pgp_mime_good_primary_fingerprint)
{
	struct crypto_result r;

	expect_good("pgpmime.eml", CRYPTO_OPENPGP, "FA", "State: Japan", &r);
	ck_assert(!r.encrypted && !r.text_outside);
	/* exactly the signed part, canonical */
	ck_assert_msg(g_str_has_prefix(r.content, "Content-Type: text/plain; charset=utf-8\r\n"
						  "Content-Transfer-Encoding: 8bit\r\n\r\nNomination\r\n"),
		      "content: %s", r.content);
	ck_assert_ptr_nonnull(r.detail);
	crypto_result_clear(&r);
	ck_assert_ptr_null(r.content);
}
END_TEST

START_TEST(pgp_mime_line_ends_same_replay_key)
{
	struct crypto_result a, b, c;

	expect_good("pgpmime.eml", CRYPTO_OPENPGP, "FA", "State: Japan", &a);
	expect_good("pgpmime-lf.eml", CRYPTO_OPENPGP, "FA", "State: Japan", &b);
	expect_good("pgpmime-crlf.eml", CRYPTO_OPENPGP, "FA", "State: Japan", &c);
	ck_assert_str_eq(a.replay_key, b.replay_key);
	ck_assert_str_eq(a.replay_key, c.replay_key);
	crypto_result_clear(&a);
	crypto_result_clear(&b);
	crypto_result_clear(&c);
}
END_TEST

START_TEST(pgp_mime_tampered_is_bad)
{
	struct crypto_result r;

	expect("pgpmime-bad.eml", CRYPTO_BAD, &r);
	ck_assert_int_eq(r.protocol, CRYPTO_OPENPGP);
	crypto_result_clear(&r);
}
END_TEST

START_TEST(pgp_unknown_key)
{
	struct crypto_result r;

	expect("nokey.eml", CRYPTO_NO_KEY, &r);
	ck_assert_str_eq(r.fingerprint, fact("FB"));
	crypto_result_clear(&r);
}
END_TEST

START_TEST(pgp_sha1_is_weak)
{
	struct crypto_result r;

	expect("weak.eml", CRYPTO_WEAK, &r);
	crypto_result_clear(&r);
}
END_TEST

START_TEST(pgp_expired_key)
{
	struct crypto_result r;

	expect("expired.eml", CRYPTO_KEY_EXPIRED, &r);
	ck_assert_str_eq(r.fingerprint, fact("FE"));
	ck_assert_int_eq(r.created, 1577880000);	/* 2020-01-01 12:00 UTC, while it was valid */
	crypto_result_clear(&r);
}
END_TEST

START_TEST(pgp_revoked_key)
{
	struct crypto_result r;

	expect("revoked.eml", CRYPTO_KEY_REVOKED, &r);
	ck_assert_str_eq(r.fingerprint, fact("FV"));
	crypto_result_clear(&r);
}
END_TEST

/* ---- inline PGP ---- */

START_TEST(inline_utf8)
{
	struct crypto_result r;

	expect_good("inline-utf8.eml", CRYPTO_OPENPGP, "FA", "Caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9\x65 \xe2\x82\xac "
			    "\xd0\x9c\xd0\xb8\xd1\x80 \xe4\xb8\xad\xe6\x96\x87", &r);
	ck_assert(g_str_has_prefix(r.content, "Content-Type: text/plain; charset=utf-8\r\n"));
	ck_assert(!strstr(r.content, "BEGIN PGP"));
	ck_assert(!r.text_outside);
	crypto_result_clear(&r);
}
END_TEST

START_TEST(inline_windows1252_quoted_printable)
{
	struct crypto_result r;

	expect_good("inline-latin1-qp.eml", CRYPTO_OPENPGP, "FA",
		    "Caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9\x65 - \xc2\xabguillemets\xc2\xbb", &r);
	ck_assert(g_utf8_validate(r.content, (gssize)r.content_len, NULL));
	crypto_result_clear(&r);
}
END_TEST

START_TEST(inline_tampered_is_bad)
{
	struct crypto_result r;

	expect("inline-bad.eml", CRYPTO_BAD, &r);
	crypto_result_clear(&r);
}
END_TEST

START_TEST(inline_text_outside_ignored)
{
	struct crypto_result r;

	expect_good("inline-outside.eml", CRYPTO_OPENPGP, "FA", "Caf\xc3\xa9", &r);
	ck_assert(r.text_outside);
	ck_assert(!strstr(r.content, "ministry mail system"));
	crypto_result_clear(&r);
}
END_TEST

START_TEST(inline_two_blocks_unsigned)
{
	expect_unsigned("inline-two.eml");
}
END_TEST

/* ---- S/MIME ---- */

START_TEST(smime_detached_forms)
{
	static const char *const files[] = { "smime-detached.eml", "smime-detached-lf.eml",
					     "smime-detached-std.eml", "cms-detached.eml" };

	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		struct crypto_result r;

		expect_good(files[i], CRYPTO_SMIME, "SF", "State: Japan", &r);
		crypto_result_clear(&r);
	}
}
END_TEST

START_TEST(smime_opaque_forms)
{
	static const char *const files[] = { "smime-opaque.eml", "smime-opaque-bare.eml" };

	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		struct crypto_result r;

		expect_good(files[i], CRYPTO_SMIME, "SF", "State: Japan", &r);
		ck_assert(!r.encrypted);
		crypto_result_clear(&r);
	}
}
END_TEST

START_TEST(smime_tampered_is_bad)
{
	struct crypto_result r;

	expect("smime-bad.eml", CRYPTO_BAD, &r);
	ck_assert_int_eq(r.protocol, CRYPTO_SMIME);
	crypto_result_clear(&r);
}
END_TEST

START_TEST(smime_sha1_is_weak)
{
	struct crypto_result r;

	expect("smime-weak.eml", CRYPTO_WEAK, &r);
	crypto_result_clear(&r);
}
END_TEST

START_TEST(smime_untrusted_root)
{
	struct crypto_result r;

	expect("smime-untrusted.eml", CRYPTO_UNTRUSTED, &r);
	ck_assert_str_eq(r.fingerprint, fact("SU"));
	crypto_result_clear(&r);
}
END_TEST

/* ---- where a signature counts ---- */

START_TEST(mixed_first_part_with_footer)
{
	struct crypto_result r;

	expect_good("list-footer.eml", CRYPTO_OPENPGP, "FA", "State: Japan", &r);
	ck_assert(r.text_outside);
	ck_assert(!strstr(r.content, "mailing list"));
	crypto_result_clear(&r);
	expect_good("opaque-footer.eml", CRYPTO_SMIME, "SF", "State: Japan", &r);
	ck_assert(r.text_outside);
	crypto_result_clear(&r);
	expect_good("with-pdf.eml", CRYPTO_OPENPGP, "FA", "State: Japan", &r);
	ck_assert(!r.text_outside);
	crypto_result_clear(&r);
}
END_TEST

START_TEST(forwarded_is_unsigned)
{
	expect_unsigned("forwarded.eml");
	expect_unsigned("forwarded-first.eml");
	expect_unsigned("forwarded-top.eml");
}
END_TEST

START_TEST(nested_is_unsigned)
{
	expect_unsigned("nested.eml");
}
END_TEST

START_TEST(two_signed_parts_unsigned)
{
	expect_unsigned("two-signed.eml");
}
END_TEST

/* sign, then sign again; encrypt, then sign: one of several */
START_TEST(signature_over_signature_unsigned)
{
	expect_unsigned("pgp-sign-sign.eml");
	expect_unsigned("smime-sign-sign.eml");
	expect_unsigned("smime-env-sign.eml");
}
END_TEST

START_TEST(plain_is_unsigned)
{
	expect_unsigned("plain.eml");
}
END_TEST

START_TEST(stripped_signature_malformed)
{
	struct crypto_result r;

	expect("stripped.eml", CRYPTO_MALFORMED, &r);
	crypto_result_clear(&r);
}
END_TEST

/* ---- encrypted to the robot ---- */

START_TEST(pgp_encrypted_then_signed)
{
	struct crypto_result r;

	expect_good("pgp-encrypted-signed.eml", CRYPTO_OPENPGP, "FA", "State: Japan", &r);
	ck_assert(r.encrypted);
	crypto_result_clear(&r);
}
END_TEST

START_TEST(pgp_signed_and_encrypted_at_once)
{
	struct crypto_result r;

	expect_good("pgp-signencrypt.eml", CRYPTO_OPENPGP, "FA", "State: Japan", &r);
	ck_assert(r.encrypted);
	crypto_result_clear(&r);
}
END_TEST

START_TEST(pgp_encrypted_unsigned_or_not_ours)
{
	struct crypto_result r;

	expect("pgp-encrypted-unsigned.eml", CRYPTO_UNSIGNED, &r);
	ck_assert(r.encrypted);
	crypto_result_clear(&r);
	expect("pgp-encrypted-other.eml", CRYPTO_MALFORMED, &r);
	ck_assert(r.encrypted);
	crypto_result_clear(&r);
}
END_TEST

START_TEST(smime_enveloped)
{
	static const char *const files[] = { "smime-env-detached.eml", "smime-env-opaque.eml" };
	struct crypto_result r;

	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		expect_good(files[i], CRYPTO_SMIME, "SF", "State: Japan", &r);
		ck_assert(r.encrypted);
		crypto_result_clear(&r);
	}
	expect("smime-env-unsigned.eml", CRYPTO_UNSIGNED, &r);
	ck_assert(r.encrypted);
	crypto_result_clear(&r);
}
END_TEST

/* crypto_decrypt (robot/crypto-decrypt.c): one layer to the robot taken
 * off, signed inside or not; not encrypted, or not to the robot, is 0. */
static int decrypt_file(const char *name, char **entity, size_t *len, char **detail)
{
	struct crypto *c = open_robot();
	char *path = g_build_filename(world, name, NULL), *data = NULL;
	gsize n = 0;
	int rc;

	ck_assert_msg(g_file_get_contents(path, &data, &n, NULL), "cannot read %s", path);
	rc = crypto_decrypt(c, data, n, entity, len, detail);
	g_free(data);
	g_free(path);
	crypto_close(c);
	return rc;
}

START_TEST(decrypt_one_layer)
{
	static const struct {
		const char *file, *text;	/* text: in the entity's text; NULL: not read */
		int rc;
	} cases[] = {
		{ "pgp-encrypted-unsigned.eml", "Please see the forwarded message.", 1 },
		{ "smime-env-unsigned.eml", "Please see the forwarded message.", 1 },
		{ "pgp-encrypted-signed.eml", "State: Japan", 1 },
		{ "pgp-signencrypt.eml", "State: Japan", 1 },
		{ "smime-env-detached.eml", "State: Japan", 1 },
		{ "smime-env-opaque.eml", NULL, 1 },
		{ "pgp-encrypted-other.eml", NULL, 0 },
		{ "pgpmime.eml", NULL, 0 },
		{ "plain.eml", NULL, 0 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *entity = NULL, *detail = NULL, *text;
		size_t len = 0;
		int rc = decrypt_file(cases[i].file, &entity, &len, &detail);
		struct mail *m;

		ck_assert_msg(rc == cases[i].rc, "%s: %d, wanted %d (%s)", cases[i].file, rc,
			      cases[i].rc, detail ? detail : "");
		ck_assert_msg((rc == 1) == (entity != NULL), "%s: entity", cases[i].file);
		ck_assert_msg(rc == 1 || detail, "%s: no detail for the log", cases[i].file);
		if (rc == 1) {
			ck_assert_uint_eq(strlen(entity), len);
			m = mail_parse(entity, len);
			text = mail_text(m);
			ck_assert_msg(!cases[i].text || strstr(text, cases[i].text),
				      "%s: \"%s\" not in \"%s\"", cases[i].file, cases[i].text, text);
			g_free(text);
			mail_free(m);
		}
		g_free(entity);
		g_free(detail);
	}
}
END_TEST

/* ---- robustness ---- */

/* Garbage, truncations and every prefix of a signed message: never GOOD,
 * never a crash. */
START_TEST(garbage_never_good)
{
	static const char *const junk[] = {
		"",
		"\n\n\n",
		"Content-Type: multipart/signed\n\n--\n",
		"Content-Type: multipart/signed; boundary=x\n\n--x\n\n--x\nContent-Type: application/pgp-signature\n\n"
		"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n--x--\n",
		"Content-Type: application/pkcs7-mime; smime-type=signed-data\nContent-Transfer-Encoding: base64\n\n"
		"MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwGggCSABAA=\n",
		"Content-Type: text/plain\n\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nhi\n"
		"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n",
	};
	struct crypto *c = open_robot();
	char *path = g_build_filename(world, "pgpmime.eml", NULL), *data;
	gsize len;

	for (size_t i = 0; i < G_N_ELEMENTS(junk); i++) {
		struct crypto_result r;

		ck_assert_int_eq(crypto_verify(c, junk[i], strlen(junk[i]), &r), 0);
		ck_assert_msg(r.outcome != CRYPTO_GOOD && r.outcome != CRYPTO_ERROR, "junk %zu: %s", i,
			      crypto_outcome_name(r.outcome));
		crypto_result_clear(&r);
		ck_assert_int_eq(verify_with(c, "smime-opaque.eml", &r), 0);	/* the engine lives on */
		ck_assert_int_eq(r.outcome, CRYPTO_GOOD);
		crypto_result_clear(&r);
	}
	ck_assert(g_file_get_contents(path, &data, &len, NULL));
	for (gsize cut = 0; cut + 40 < len; cut += 37) {
		struct crypto_result r;

		crypto_verify(c, data, cut, &r);
		ck_assert_msg(r.outcome != CRYPTO_GOOD, "prefix of %zu bytes is good", cut);
		crypto_result_clear(&r);
	}
	g_free(data);
	g_free(path);
	crypto_close(c);
}
END_TEST

/* gpgsm missing: an engine failure, not a verdict on the message. */
START_TEST(engine_missing_is_error)
{
	struct crypto *c = open_robot();
	struct crypto_result r;

	ck_assert_int_eq(gpgme_ctx_set_engine_info(c->cms, GPGME_PROTOCOL_CMS, "/nonexistent/gpgsm", c->home), 0);
	ck_assert_int_eq(verify_with(c, "smime-detached.eml", &r), -1);
	ck_assert_int_eq(r.outcome, CRYPTO_ERROR);
	ck_assert_ptr_nonnull(r.detail);
	crypto_result_clear(&r);
	crypto_close(c);
}
END_TEST

/* One context verifies many messages of both protocols in a row. */
START_TEST(context_reused)
{
	struct crypto *c = open_robot();

	for (int i = 0; i < 3; i++) {
		struct crypto_result r;

		ck_assert_int_eq(verify_with(c, "smime-detached.eml", &r), 0);
		ck_assert_int_eq(r.outcome, CRYPTO_GOOD);
		crypto_result_clear(&r);
		ck_assert_int_eq(verify_with(c, "pgpmime.eml", &r), 0);
		ck_assert_int_eq(r.outcome, CRYPTO_GOOD);
		ck_assert_str_eq(r.fingerprint, fact("FA"));
		crypto_result_clear(&r);
		ck_assert_int_eq(verify_with(c, "nokey.eml", &r), 0);
		ck_assert_int_eq(r.outcome, CRYPTO_NO_KEY);
		crypto_result_clear(&r);
	}
	crypto_close(c);
}
END_TEST

START_TEST(outcome_names)
{
	ck_assert_str_eq(crypto_outcome_name(CRYPTO_GOOD), "good");
	ck_assert_str_eq(crypto_outcome_name(CRYPTO_UNSIGNED), "unsigned");
	ck_assert_str_eq(crypto_outcome_name(CRYPTO_KEY_REVOKED), "key-revoked");
	ck_assert_str_eq(crypto_outcome_name(CRYPTO_ERROR), "error");
	ck_assert_str_eq(crypto_outcome_name((enum crypto_outcome)99), "unknown");
	crypto_result_clear(NULL);
}
END_TEST

static Suite *verify_suite(void)
{
	Suite *s = suite_create("crypto-verify");
	TCase *pgp = tcase_create("openpgp"), *inl = tcase_create("inline"), *sm = tcase_create("smime");
	TCase *where = tcase_create("where"), *enc = tcase_create("encrypted"), *rob = tcase_create("robust");

	tcase_add_test(pgp, pgp_mime_good_primary_fingerprint);
	tcase_add_test(pgp, pgp_mime_line_ends_same_replay_key);
	tcase_add_test(pgp, pgp_mime_tampered_is_bad);
	tcase_add_test(pgp, pgp_unknown_key);
	tcase_add_test(pgp, pgp_sha1_is_weak);
	tcase_add_test(pgp, pgp_expired_key);
	tcase_add_test(pgp, pgp_revoked_key);
	tcase_add_test(inl, inline_utf8);
	tcase_add_test(inl, inline_windows1252_quoted_printable);
	tcase_add_test(inl, inline_tampered_is_bad);
	tcase_add_test(inl, inline_text_outside_ignored);
	tcase_add_test(inl, inline_two_blocks_unsigned);
	tcase_add_test(sm, smime_detached_forms);
	tcase_add_test(sm, smime_opaque_forms);
	tcase_add_test(sm, smime_tampered_is_bad);
	tcase_add_test(sm, smime_sha1_is_weak);
	tcase_add_test(sm, smime_untrusted_root);
	tcase_add_test(where, mixed_first_part_with_footer);
	tcase_add_test(where, forwarded_is_unsigned);
	tcase_add_test(where, nested_is_unsigned);
	tcase_add_test(where, two_signed_parts_unsigned);
	tcase_add_test(where, signature_over_signature_unsigned);
	tcase_add_test(where, plain_is_unsigned);
	tcase_add_test(where, stripped_signature_malformed);
	tcase_add_test(enc, pgp_encrypted_then_signed);
	tcase_add_test(enc, pgp_signed_and_encrypted_at_once);
	tcase_add_test(enc, pgp_encrypted_unsigned_or_not_ours);
	tcase_add_test(enc, smime_enveloped);
	tcase_add_test(enc, decrypt_one_layer);
	tcase_add_test(rob, garbage_never_good);
	tcase_add_test(rob, engine_missing_is_error);
	tcase_add_test(rob, context_reused);
	tcase_add_test(rob, outcome_names);
	suite_add_tcase(s, pgp);
	suite_add_tcase(s, inl);
	suite_add_tcase(s, sm);
	suite_add_tcase(s, where);
	suite_add_tcase(s, enc);
	suite_add_tcase(s, rob);
	return s;
}

/* The source tree: $POCBOT_TOP (tests/run-all), else three levels above
 * this binary (TOP/BUILD/tests/test-crypto-verify). g_free it. */
static char *source_top(const char *argv0)
{
	char *exe, *a, *b, *top;

	if (g_getenv("POCBOT_TOP"))
		return g_strdup(g_getenv("POCBOT_TOP"));
	exe = g_file_read_link("/proc/self/exe", NULL);
	a = g_path_get_dirname(exe ? exe : argv0);
	b = g_path_get_dirname(a);
	top = g_path_get_dirname(b);
	g_free(exe);
	g_free(a);
	g_free(b);
	return top;
}

static void read_facts(void)
{
	char *path = g_build_filename(world, "facts", NULL), *text = NULL;
	gchar **lines;

	facts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return;
	lines = g_strsplit(text, "\n", 0);
	for (gchar **l = lines; *l; l++) {
		gchar **kv = g_strsplit(*l, " ", 2);
		if (kv[0] && kv[1])
			g_hash_table_insert(facts, g_strdup(kv[0]), g_strdup(kv[1]));
		g_strfreev(kv);
	}
	g_strfreev(lines);
	g_free(text);
	g_free(path);
}

/* Runs argv, quietly unless it fails. 0 when it ended with status 0. */
static int run(char **argv)
{
	char *out = NULL, *err = NULL;
	int status = -1;
	GError *gerr = NULL;

	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &gerr)) {
		fprintf(stderr, "%s: %s\n", argv[0], gerr->message);
		g_error_free(gerr);
		return -1;
	}
	if (status != 0)
		fprintf(stderr, "%s %s failed:\n%s%s", argv[0], argv[1], out, err);
	g_free(out);
	g_free(err);
	return status == 0 ? 0 : -1;
}

/* Stops the agents and gpgsm of every GnuPG home of the world, removes it. */
static void world_end(void)
{
	static const char *const homes[] = { "r", "a", "b", "e", "v" };

	for (size_t i = 0; i < G_N_ELEMENTS(homes); i++) {
		char *h = g_build_filename(world, homes[i], NULL);
		char *argv[] = { "gpgconf", "--homedir", h, "--kill", "all", NULL };
		run(argv);
		g_free(h);
	}
	if (!g_getenv("KEEP")) {
		char *argv[] = { "rm", "-rf", world, NULL };
		run(argv);
	}
}

int main(int argc, char **argv)
{
	char *top = source_top(argv[0]);
	char *script = g_build_filename(top, "tests", "lib", "verify-fixtures.sh", NULL);
	SRunner *sr;
	int failed;

	(void)argc;
	setlocale(LC_ALL, "");
	mail_library_init();
	world = g_dir_make_tmp("pcv-XXXXXX", NULL);
	if (!world) {
		fprintf(stderr, "test-crypto-verify: no temporary directory\n");
		return 1;
	}
	{
		char *gen[] = { "sh", script, world, NULL };
		if (run(gen) < 0) {
			world_end();
			return 1;
		}
	}
	read_facts();
	sr = srunner_create(verify_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	world_end();
	g_hash_table_unref(facts);
	g_free(script);
	g_free(top);
	g_free(world);
	return failed != 0;
}

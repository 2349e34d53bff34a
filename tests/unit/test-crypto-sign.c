/* test-crypto-sign.c - the robot's identity (crypto-keys.c) and its
 * outgoing signatures and encryption (crypto-sign.c), judged by the real
 * tools a correspondent uses: gpg --verify and gpg --decrypt in homes of
 * their own, openssl smime -verify / -decrypt, gpgsm --verify. The world
 * is built once in main(): a temporary folder with short GnuPG homes (the
 * agent's socket lives there), the robot's keys, a recipient's OpenPGP key
 * and a test CA with a recipient's certificate (tests/lib/keys.sh); every
 * agent is stopped at the end. */
#include <check.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "robot/crypto.h"
#include "robot/mail.h"

#define ADDRESS "pocbot@robot.test"

/* Filled once by main() before any test runs; read only afterwards. */
static struct world {
	char *root;		/* the temporary folder */
	char *robot;		/* the robot's GNUPGHOME */
	char *pgp_fpr, *smime_fpr;	/* the robot's fingerprints */
	char *rec_pgp;		/* the OpenPGP recipient's fingerprint (home root/p) */
	char *rec_smime;	/* the S/MIME recipient's fingerprint (root/s) */
} W;

/* Runs a shell command made from fmt; its exit status (-1 when it could
 * not run). *out gets its standard output when out is not NULL. */
static int G_GNUC_PRINTF(2, 3) sh(char **out, const char *fmt, ...)
{
	va_list ap;
	char *cmd, *o = NULL, *e = NULL;
	const char *top = g_getenv("POCBOT_TOP");
	int status = -1;

	va_start(ap, fmt);
	cmd = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	char *full = g_strdup_printf(". '%s/tests/lib/keys.sh'; %s", top ? top : ".", cmd);
	const char *argv[] = { "/bin/sh", "-c", full, NULL };
	if (!g_spawn_sync(W.root, (char **)argv, NULL, 0, NULL, NULL, &o, &e, &status, NULL))
		status = -1;
	else if (WIFEXITED(status))
		status = WEXITSTATUS(status);
	if (status != 0)
		fprintf(stderr, "command failed (%d): %s\n%s", status, cmd, e ? e : "");
	if (out)
		*out = g_strchomp(o);
	else
		g_free(o);
	g_free(e);
	g_free(full);
	g_free(cmd);
	return status;
}

static char *path(const char *name)
{
	return g_build_filename(W.root, name, NULL);
}

static void write_file(const char *name, const char *data, size_t len)
{
	char *p = path(name);

	ck_assert_msg(g_file_set_contents(p, data, (gssize)len, NULL), "cannot write %s", p);
	g_free(p);
}

/* The contents of root/name; g_free it. */
static char *read_file(const char *name)
{
	char *p = path(name), *text = NULL;

	ck_assert_msg(g_file_get_contents(p, &text, NULL, NULL), "cannot read %s", p);
	g_free(p);
	return text;
}

static struct crypto *open_robot(const char *home)
{
	char *err = NULL;
	struct crypto *c = crypto_open(home, &err);

	ck_assert_msg(c != NULL, "crypto_open: %s", err);
	return c;
}

/* A message as the robot composes it; g_free it. */
static char *compose(const char *body, size_t *len)
{
	struct outmsg o = {
		.from = ADDRESS, .from_name = "POC Directory", .to = "someone@example.net",
		.subject = "Réponse: votre formulaire", .body = body, .message_id = "t.1@robot.test",
		.in_reply_to = "orig@example.net", .references = "<orig@example.net>",
		.loop_id = "robot.test", .date = 1700000000,
	};
	char *msg = mail_compose(&o, len);

	ck_assert(msg != NULL);
	return msg;
}

static char *protect(enum crypto_protocol p, const char *msg, size_t len, const char *const *to, size_t *out_len)
{
	struct crypto *c = open_robot(W.robot);
	char *err = NULL, *out = crypto_protect(c, p, msg, len, to, out_len, &err);

	ck_assert_msg(out != NULL, "crypto_protect: %s", err);
	ck_assert_uint_eq(strlen(out), *out_len);
	crypto_close(c);
	return out;
}

/* The header block of a message, its final CRLF included. g_free it. */
static char *header_block(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");

	ck_assert(end != NULL);
	return g_strndup(msg, (gsize)(end - msg + 2));
}

/* The header lines of a header block that do not start a Content-* field
 * (or continue one). g_free it. */
static char *without_content_fields(const char *block)
{
	gchar **lines = g_strsplit(block, "\r\n", 0);
	GString *s = g_string_new(NULL);
	int content = 0;

	for (gchar **l = lines; *l && **l; l++) {
		if (**l != ' ' && **l != '\t')
			content = g_ascii_strncasecmp(*l, "Content-", 8) == 0;
		if (!content)
			g_string_append_printf(s, "%s\r\n", *l);
	}
	g_strfreev(lines);
	return g_string_free(s, FALSE);
}

/* The boundary parameter of the first multipart Content-Type in text. */
static char *boundary_of(const char *text)
{
	const char *b = strstr(text, "boundary=\"");
	const char *e = b ? strchr(b + 10, '"') : NULL;

	ck_assert_msg(e != NULL, "no boundary in:\n%.400s", text);
	return g_strndup(b + 10, (gsize)(e - b - 10));
}

/* The two parts of the multipart/signed entity in text: the signed part
 * byte for byte, and the body of the signature part. */
static void signed_parts(const char *text, char **part, char **sig_body)
{
	char *b = boundary_of(text);
	char *open = g_strdup_printf("\r\n--%s\r\n", b), *close = g_strdup_printf("\r\n--%s--\r\n", b);
	const char *p1 = strstr(text, open + 2), *p2 = p1 ? strstr(p1 + strlen(open) - 2, open) : NULL;
	const char *end = p2 ? strstr(p2, close) : NULL;

	ck_assert_msg(p1 && p2 && end, "not a two-part multipart:\n%.600s", text);
	p1 += strlen(open) - 2;
	*part = g_strndup(p1, (gsize)(p2 - p1));
	p2 += strlen(open);
	p2 = strstr(p2, "\r\n\r\n") + 4;
	*sig_body = g_strndup(p2, (gsize)(end - p2));
	g_free(open);
	g_free(close);
	g_free(b);
}

/* Checks a PGP/MIME signed entity with gpg in the verifier's home. */
static void assert_pgp_verifies(const char *text)
{
	char *part, *sig, *status = NULL;

	signed_parts(text, &part, &sig);
	write_file("pgp.part", part, strlen(part));
	write_file("pgp.sig", sig, strlen(sig));
	ck_assert_int_eq(sh(&status, "gpg --homedir v --batch --status-fd 1 --verify pgp.sig pgp.part 2>/dev/null"), 0);
	ck_assert_msg(strstr(status, "[GNUPG:] VALIDSIG ") && strstr(status, W.pgp_fpr), "%s", status);
	g_free(status);
	g_free(part);
	g_free(sig);
}

static void test_compose_cleanup(char *a, char *b)
{
	g_free(a);
	g_free(b);
}

START_TEST(ensure_is_idempotent)
{
	char *home = path("e"), pgp1[CRYPTO_FPR_LEN], sm1[CRYPTO_FPR_LEN], pgp2[CRYPTO_FPR_LEN],
	     sm2[CRYPTO_FPR_LEN], *err = NULL, *keys1 = NULL, *keys2 = NULL;
	struct crypto *c = open_robot(home);
	gint64 t0;

	ck_assert_msg(crypto_identity_ensure(c, ADDRESS, 0, &err) == 0, "%s", err);
	ck_assert_int_eq(crypto_identity(c, pgp1, sm1), 0);
	ck_assert_int_eq(sh(&keys1, "ls e/private-keys-v1.d"), 0);
	t0 = g_get_monotonic_time();
	ck_assert_msg(crypto_identity_ensure(c, ADDRESS, 0, &err) == 0, "%s", err);
	ck_assert_msg(g_get_monotonic_time() - t0 < 2 * G_USEC_PER_SEC, "the second ensure is slow");
	ck_assert_int_eq(crypto_identity(c, pgp2, sm2), 0);
	ck_assert_int_eq(sh(&keys2, "ls e/private-keys-v1.d"), 0);
	ck_assert_str_eq(pgp1, pgp2);
	ck_assert_str_eq(sm1, sm2);
	ck_assert_str_eq(keys1, keys2);	/* no key made the second time */
	ck_assert_str_ne(pgp1, W.pgp_fpr);	/* a new home has keys of its own */
	crypto_close(c);
	sh(NULL, "gpgconf --homedir e --kill all");
	g_free(keys1);
	g_free(keys2);
	g_free(home);
}
END_TEST

START_TEST(ensure_refuses_unsafe_address)
{
	struct crypto *c = open_robot(W.robot);
	char *err = NULL;

	ck_assert_int_eq(crypto_identity_ensure(c, "a@b\nKey-Type: DSA", 0, &err), -1);
	ck_assert_ptr_nonnull(err);
	g_free(err);
	crypto_close(c);
}
END_TEST

START_TEST(identity_gives_fingerprints)
{
	struct crypto *c = open_robot(W.robot);
	char pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN];

	ck_assert_int_eq(crypto_identity(c, pgp, smime), 0);
	ck_assert_uint_eq(strlen(pgp), 40);
	ck_assert_uint_eq(strlen(smime), 40);
	ck_assert_uint_eq(strspn(pgp, "0123456789ABCDEF"), 40);
	ck_assert_uint_eq(strspn(smime, "0123456789ABCDEF"), 40);
	ck_assert_str_eq(pgp, W.pgp_fpr);
	ck_assert_str_eq(smime, W.smime_fpr);
	crypto_close(c);
}
END_TEST

START_TEST(export_is_readable_by_gpg_and_openssl)
{
	char *fpr = NULL, *listing = NULL;

	/* main() exported to root/x and imported pocbot.asc into root/v */
	ck_assert_int_eq(sh(&listing, "gpg --homedir v --with-colons --list-keys " ADDRESS), 0);
	ck_assert_msg(strstr(listing, W.pgp_fpr) != NULL, "%s", listing);
	ck_assert_int_eq(sh(NULL, "grep -q 'BEGIN PGP PUBLIC KEY BLOCK' x/pocbot.asc"), 0);
	ck_assert_int_eq(sh(NULL, "! grep -q 'PRIVATE' x/pocbot.asc x/pocbot.pem"), 0);
	ck_assert_int_eq(sh(&fpr, "openssl x509 -in x/pocbot.pem -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'"),
			 0);
	ck_assert_str_eq(fpr, W.smime_fpr);
	ck_assert_int_eq(sh(NULL, "openssl x509 -in x/pocbot.pem -noout -ext subjectAltName | grep -q 'email:" ADDRESS "'"),
			 0);
	ck_assert_int_eq(sh(NULL, "openssl x509 -in x/pocbot.pem -noout -ext extendedKeyUsage | grep -q 'E-mail Protection'"),
			 0);
	g_free(fpr);
	g_free(listing);
}
END_TEST

START_TEST(pgp_mime_verifies_with_gpg)
{
	size_t len, out_len;
	char *msg = compose("Bonjour,\nvotre formulaire est enregistré.\n", &len);
	char *out = protect(CRYPTO_OPENPGP, msg, len, NULL, &out_len);

	ck_assert_msg(strstr(out, "Content-Type: multipart/signed; micalg=pgp-sha") != NULL, "%.600s", out);
	ck_assert(strstr(out, "protocol=\"application/pgp-signature\"") != NULL);
	assert_pgp_verifies(out);
	test_compose_cleanup(msg, out);
}
END_TEST

START_TEST(header_block_is_kept)
{
	const char *body = "Line one\n\nBcc: evil@example.org\nContent-Type: text/html\n--=_pocbot_x\n"
			   "From: forged@example.org\n\nend\n";
	size_t len, out_len;
	char *msg = compose(body, &len), *out = protect(CRYPTO_OPENPGP, msg, len, NULL, &out_len);
	char *in_hdr = header_block(msg), *out_hdr = header_block(out), *kept = without_content_fields(in_hdr);
	char *rest = out_hdr + strlen(kept);

	ck_assert_msg(g_str_has_prefix(out_hdr, kept), "headers changed:\n%s\n---\n%s", kept, out_hdr);
	ck_assert_msg(g_str_has_prefix(rest, "Content-Type: multipart/signed;"), "%s", rest);
	ck_assert_ptr_null(strstr(out_hdr, "Bcc"));
	ck_assert_ptr_null(strstr(out_hdr, "forged"));
	ck_assert_ptr_null(strstr(out_hdr, "text/plain"));	/* moved into the signed part */
	ck_assert_ptr_nonnull(strstr(out_hdr, "MIME-Version: 1.0\r\n"));
	ck_assert_ptr_nonnull(strstr(out_hdr, "Message-Id: <t.1@robot.test>\r\n"));
	assert_pgp_verifies(out);

	struct mail *m = mail_parse(out, out_len);
	ck_assert_str_eq(mail_content_type(m), "multipart/signed");
	ck_assert_str_eq(mail_header(m, "Subject"), "Réponse: votre formulaire");
	char *text = mail_text(m);
	ck_assert_msg(strstr(text, "Bcc: evil@example.org") != NULL, "%s", text);
	g_free(text);
	mail_free(m);
	g_free(in_hdr);
	g_free(out_hdr);
	g_free(kept);
	test_compose_cleanup(msg, out);
}
END_TEST

START_TEST(smime_verifies_with_openssl_and_gpgsm)
{
	size_t len, out_len;
	char *msg = compose("Hello,\nyour form is recorded.\n", &len);
	char *out = protect(CRYPTO_SMIME, msg, len, NULL, &out_len), *part, *sig, *status = NULL;
	gsize der_len = 0;
	guchar *der;

	ck_assert_msg(strstr(out, "protocol=\"application/pkcs7-signature\"") != NULL, "%.600s", out);
	ck_assert(strstr(out, "micalg=sha-256") != NULL);
	write_file("sm.eml", out, out_len);
	ck_assert_int_eq(sh(NULL, "openssl smime -verify -in sm.eml -CAfile x/pocbot.pem -out sm.out 2>/dev/null"), 0);
	ck_assert_int_eq(sh(NULL, "grep -q 'your form is recorded' sm.out"), 0);
	signed_parts(out, &part, &sig);
	der = g_base64_decode(sig, &der_len);
	write_file("sm.part", part, strlen(part));
	write_file("sm.p7s", (const char *)der, der_len);
	ck_assert_int_eq(sh(&status, "gpgsm --homedir g --batch --status-fd 1 --verify sm.p7s sm.part 2>/dev/null"), 0);
	ck_assert_msg(strstr(status, "GOODSIG") && strstr(status, "TRUST_FULLY"), "%s", status);
	g_free(der);
	g_free(status);
	g_free(part);
	g_free(sig);
	test_compose_cleanup(msg, out);
}
END_TEST

START_TEST(pgp_encrypted_decrypts_and_verifies)
{
	const char *to[] = { W.rec_pgp, NULL };
	size_t len, out_len;
	char *msg = compose("Directory extract follows.\n", &len);
	char *out = protect(CRYPTO_OPENPGP, msg, len, to, &out_len), *dec = NULL;
	char *armor_start = strstr(out, "-----BEGIN PGP MESSAGE-----");
	char *armor_end = strstr(out, "-----END PGP MESSAGE-----");

	ck_assert_msg(strstr(out, "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"") != NULL,
		      "%.600s", out);
	ck_assert_ptr_null(strstr(out, "Directory extract"));
	ck_assert(armor_start && armor_end);
	write_file("enc.asc", armor_start, (size_t)(armor_end - armor_start) + 25);
	ck_assert_int_eq(sh(NULL, "gpg --homedir p --batch --decrypt -o enc.out enc.asc 2>/dev/null"), 0);
	dec = read_file("enc.out");
	ck_assert_msg(g_str_has_prefix(dec, "Content-Type: multipart/signed;"), "%.300s", dec);
	ck_assert_ptr_nonnull(strstr(dec, "Directory extract follows."));
	assert_pgp_verifies(dec);
	g_free(dec);
	test_compose_cleanup(msg, out);
}
END_TEST

START_TEST(smime_encrypted_decrypts_and_verifies)
{
	const char *to[] = { W.rec_smime, NULL };
	size_t len, out_len;
	char *msg = compose("Directory extract follows.\n", &len);
	char *out = protect(CRYPTO_SMIME, msg, len, to, &out_len), *dec = NULL;

	ck_assert_msg(strstr(out, "Content-Type: application/pkcs7-mime; smime-type=enveloped-data") != NULL, "%.600s",
		      out);
	ck_assert_ptr_null(strstr(out, "Directory extract"));
	write_file("senc.eml", out, out_len);
	ck_assert_int_eq(sh(NULL, "openssl smime -decrypt -in senc.eml -recip s/cert.pem -inkey s/key.pem "
				  "-out senc.out 2>/dev/null"), 0);
	dec = read_file("senc.out");
	ck_assert_msg(g_str_has_prefix(dec, "Content-Type: multipart/signed;"), "%.300s", dec);
	ck_assert_int_eq(sh(NULL, "openssl smime -verify -in senc.out -CAfile x/pocbot.pem -out senc.txt 2>/dev/null"),
			 0);
	ck_assert_int_eq(sh(NULL, "grep -q 'Directory extract follows.' senc.txt"), 0);
	g_free(dec);
	test_compose_cleanup(msg, out);
}
END_TEST

/* A message with two attachments written to root/name.plain by
 * mail_compose_to_fd: att1.csv (text with CRLF and UTF-8) and att2.bin
 * (300 KB of every byte value, so that copies cross their buffers). */
static void compose_file(const char *name)
{
	GString *bin = g_string_sized_new(300000);
	char *plain = g_strdup_printf("%s/%s.plain", W.root, name), *a1 = path("att1.csv"), *a2 = path("att2.bin");
	const char csv[] = "id,organisation\r\nFR-T-1,\"ANSSI, CERT-FR\"\r\nRU-D-2,МИД России\r\n";
	struct outpart parts[] = {
		{ "directory.csv", "text/csv; charset=utf-8; header=present", a1 },
		{ "blob.bin", "application/octet-stream", a2 },
	};
	struct outmsg o = {
		.from = ADDRESS, .from_name = "POC Directory", .to = "someone@example.net",
		.subject = "Extract", .body = "Directory extract follows.\n", .message_id = "t.2@robot.test",
		.loop_id = "robot.test", .date = 1700000000, .reply_to = "ping+abc@robot.test",
		.parts = parts, .n_parts = 2,
	};
	int fd;

	for (int i = 0; i < 300000; i++)
		g_string_append_c(bin, (char)(i * 7 + i / 256));
	write_file("att1.csv", csv, strlen(csv));
	write_file("att2.bin", bin->str, bin->len);
	fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(mail_compose_to_fd(&o, fd), 0);
	close(fd);
	g_string_free(bin, TRUE);
	g_free(plain);
	g_free(a1);
	g_free(a2);
}

static void protect_file(const char *name, enum crypto_protocol p, const char *const *to)
{
	struct crypto *c = open_robot(W.robot);
	char *in = g_strdup_printf("%s/%s.plain", W.root, name), *out = g_strdup_printf("%s/%s.eml", W.root, name);
	char *err = NULL;

	ck_assert_msg(crypto_protect_file(c, p, in, out, to, &err) == 0, "crypto_protect_file: %s", err);
	crypto_close(c);
	g_free(in);
	g_free(out);
}

/* The attachments of the MIME file name (any nesting) written out as
 * got-FILENAME, then compared with the originals. */
#define SAME_ATTACHMENTS(name)                                                                            \
	"python3 -c 'import email,sys\n"                                                                  \
	"m = email.message_from_binary_file(open(sys.argv[1], \"rb\"))\n"                                \
	"n = 0\n"                                                                                         \
	"for p in m.walk():\n"                                                                            \
	"    if p.get_filename() in (\"directory.csv\", \"blob.bin\"):\n"                                  \
	"        open(\"got-\" + p.get_filename(), \"wb\").write(p.get_payload(decode=True)); n += 1\n"      \
	"sys.exit(0 if n == 2 else 1)' " name " && cmp got-directory.csv att1.csv && cmp got-blob.bin att2.bin"

START_TEST(file_pgp_signed_and_encrypted)
{
	const char *to[] = { W.rec_pgp, NULL };
	char *out, *dec;

	compose_file("fp");
	protect_file("fp", CRYPTO_OPENPGP, NULL);
	out = read_file("fp.eml");
	ck_assert_ptr_nonnull(strstr(out, "Reply-To: ping+abc@robot.test\r\n"));
	assert_pgp_verifies(out);
	ck_assert_int_eq(sh(NULL, SAME_ATTACHMENTS("fp.eml")), 0);
	g_free(out);
	protect_file("fp", CRYPTO_OPENPGP, to);
	out = read_file("fp.eml");
	ck_assert_ptr_null(strstr(out, "Directory extract"));
	ck_assert_int_eq(sh(NULL, "sed -n '/^-----BEGIN PGP MESSAGE/,/^-----END PGP MESSAGE/p' fp.eml | tr -d '\\r' > "
				  "fpenc.asc && gpg --homedir p --batch --decrypt -o fpenc.out fpenc.asc 2>/dev/null"), 0);
	dec = read_file("fpenc.out");
	assert_pgp_verifies(dec);
	ck_assert_int_eq(sh(NULL, SAME_ATTACHMENTS("fpenc.out")), 0);
	ck_assert_int_eq(sh(NULL, "ls fp.eml.* fp.eml.inner 2>/dev/null | wc -l | grep -qx 0"), 0);
	g_free(dec);
	g_free(out);
}
END_TEST

START_TEST(file_smime_encrypted)
{
	const char *to[] = { W.rec_smime, NULL };

	compose_file("fs");
	protect_file("fs", CRYPTO_SMIME, to);
	ck_assert_int_eq(sh(NULL, "openssl smime -decrypt -in fs.eml -recip s/cert.pem -inkey s/key.pem "
				  "-out fs.dec 2>/dev/null && openssl smime -verify -in fs.dec -CAfile x/pocbot.pem "
				  "-out fs.txt 2>/dev/null"), 0);
	ck_assert_int_eq(sh(NULL, SAME_ATTACHMENTS("fs.dec")), 0);
}
END_TEST

START_TEST(refuses_bad_input)
{
	struct crypto *c = open_robot(W.robot);
	const char *unknown[] = { "0123456789ABCDEF0123456789ABCDEF01234567", NULL };
	const char *garbage[] = { "* OR 1=1", NULL };
	size_t len, out_len = 0;
	char *msg = compose("x\n", &len), *err = NULL;

	ck_assert_ptr_null(crypto_protect(c, CRYPTO_NONE, msg, len, NULL, &out_len, &err));
	g_clear_pointer(&err, g_free);
	ck_assert_ptr_null(crypto_protect(c, CRYPTO_OPENPGP, "no blank line", 13, NULL, &out_len, &err));
	ck_assert_ptr_nonnull(err);
	g_clear_pointer(&err, g_free);
	ck_assert_ptr_null(crypto_protect(c, CRYPTO_OPENPGP, "Bad header\r\n\r\nbody", 18, NULL, &out_len, &err));
	g_clear_pointer(&err, g_free);
	ck_assert_ptr_null(crypto_protect(c, CRYPTO_OPENPGP, msg, len, unknown, &out_len, &err));
	ck_assert_msg(err && strstr(err, unknown[0]), "%s", err);
	g_clear_pointer(&err, g_free);
	ck_assert_ptr_null(crypto_protect(c, CRYPTO_SMIME, msg, len, unknown, &out_len, &err));
	g_clear_pointer(&err, g_free);
	ck_assert_ptr_null(crypto_protect(c, CRYPTO_OPENPGP, msg, len, garbage, &out_len, &err));
	g_clear_pointer(&err, g_free);
	g_free(msg);
	crypto_close(c);
}
END_TEST

START_TEST(import_smime_replaces_the_signer)
{
	char *home = path("m"), *err = NULL, *want = NULL, pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN];
	char *full = path("i/full.pem"), *key = path("i/key.pem"), *missing = path("i/missing.pem");
	struct crypto *c = open_robot(home);
	size_t len, out_len;
	char *msg = compose("Signed by a CA-issued certificate.\n", &len), *out;

	ck_assert_msg(crypto_identity_ensure(c, ADDRESS, 0, &err) == 0, "%s", err);
	ck_assert_int_eq(sh(&want, "smime_signer ca i " ADDRESS), 0);
	ck_assert_int_eq(sh(NULL, "cat i/cert.pem i/chain.pem > i/full.pem"), 0);
	ck_assert_msg(crypto_identity_import_smime(c, full, key, &err) == 0, "import: %s", err);
	ck_assert_int_eq(crypto_identity(c, pgp, smime), 0);
	ck_assert_str_eq(smime, want);
	out = crypto_protect(c, CRYPTO_SMIME, msg, len, NULL, &out_len, &err);
	ck_assert_msg(out != NULL, "%s", err);
	write_file("imp.eml", out, out_len);
	ck_assert_int_eq(sh(NULL, "openssl smime -verify -in imp.eml -CAfile ca/ca.pem -out /dev/null 2>/dev/null"), 0);
	/* a second ensure keeps the imported certificate */
	ck_assert_msg(crypto_identity_ensure(c, ADDRESS, 0, &err) == 0, "%s", err);
	ck_assert_int_eq(crypto_identity(c, pgp, smime), 0);
	ck_assert_str_eq(smime, want);
	/* a missing file is the files' fault, not GnuPG's: -2 (exit 65), not -1 (75) */
	ck_assert_int_eq(crypto_identity_import_smime(c, missing, key, &err), -2);
	g_clear_pointer(&err, g_free);
	crypto_close(c);
	sh(NULL, "gpgconf --homedir m --kill all");
	g_free(out);
	g_free(msg);
	g_free(want);
	g_free(home);
	g_free(full);
	g_free(key);
	g_free(missing);
}
END_TEST

/* The robot's home with its keys, the verifiers' homes, the recipients. */
/* crypto_poc_encrypt in process: encrypted to a POC key imported into a
 * POC home of its own; a refusal of the key (material without the
 * fingerprint) is told apart from the robot's failure (a home that cannot
 * be opened). */
START_TEST(poc_encrypt_tells_refusal_from_failure)
{
	size_t len, signed_len, out_len = 0;
	char *msg = compose("A ping.\n", &len);
	char *sig = protect(CRYPTO_OPENPGP, msg, len, NULL, &signed_len);
	char *key = read_file("p.asc"), *home = path("pk"), *bad = path("not-a-home");
	char *err = NULL, *out;
	struct crypto *c = open_robot(W.robot);
	int refused = -1;

	out = crypto_poc_encrypt(c, home, CRYPTO_OPENPGP, W.rec_pgp, key, sig, signed_len,
				 &out_len, &refused, &err);
	ck_assert_msg(out != NULL, "crypto_poc_encrypt: %s", err);
	ck_assert_int_eq(refused, 0);
	ck_assert_ptr_nonnull(strstr(out, "-----BEGIN PGP MESSAGE-----"));
	ck_assert_ptr_null(strstr(out, "A ping."));
	g_free(out);
	out = crypto_poc_encrypt(c, home, CRYPTO_OPENPGP,
				 "0123456789ABCDEF0123456789ABCDEF01234567", key, sig, signed_len,
				 &out_len, &refused, &err);
	ck_assert_ptr_null(out);
	ck_assert_msg(refused == 1 && err && strstr(err, "does not hold"), "%s", err);
	g_clear_pointer(&err, g_free);
	write_file("not-a-home", "x", 1);
	out = crypto_poc_encrypt(c, bad, CRYPTO_OPENPGP, W.rec_pgp, key, sig, signed_len,
				 &out_len, &refused, &err);
	ck_assert_ptr_null(out);
	ck_assert_msg(refused == 0 && err, "%s", err);
	g_free(err);
	crypto_close(c);
	sh(NULL, "gpgconf --homedir pk --kill all");
	g_free(key);
	g_free(home);
	g_free(bad);
	g_free(sig);
	g_free(msg);
}
END_TEST

static int build_world(void)
{
	char *err = NULL, *x, pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN];
	struct crypto *c;

	W.root = g_dir_make_tmp("pcs-XXXXXX", NULL);
	if (!W.root)
		return -1;
	W.robot = path("r");
	x = path("x");
	c = crypto_open(W.robot, &err);
	if (!c || crypto_identity_ensure(c, ADDRESS, 0, &err) < 0 || crypto_identity(c, pgp, smime) < 0 ||
	    crypto_identity_export(c, x, &err) < 0) {
		fprintf(stderr, "robot identity: %s\n", err ? err : "?");
		g_free(x);
		return -1;
	}
	g_free(x);
	W.pgp_fpr = g_strdup(pgp);
	W.smime_fpr = g_strdup(smime);
	crypto_close(c);
	if (sh(NULL, "pgp_home v && gpg --homedir v --batch --import x/pocbot.asc 2>/dev/null") != 0 ||
	    sh(NULL, "mkdir -m 700 g && printf 'disable-crl-checks\\ndisable-ocsp\\n' > g/gpgsm.conf && "
		     "gpgsm --homedir g --batch --import x/pocbot.pem 2>/dev/null && echo '%s S' > g/trustlist.txt",
	       W.smime_fpr) != 0 ||
	    sh(NULL, "pgp_home p") != 0 || sh(&W.rec_pgp, "pgp_signer p 'Recipient <rec@example.net>'") != 0 ||
	    sh(NULL, "pgp_export p %s p.asc && gpg --homedir r --batch --import p.asc 2>/dev/null", W.rec_pgp) != 0 ||
	    sh(NULL, "ca_make ca") != 0 || sh(&W.rec_smime, "smime_signer ca s rec@example.net") != 0 ||
	    sh(NULL, "gpgsm --homedir r --batch --import ca/ca.pem s/cert.pem 2>/dev/null && "
		     "echo \"$(openssl x509 -in ca/ca.pem -noout -fingerprint -sha1 | sed 's/.*=//; s/://g') S\" "
		     ">> r/trustlist.txt && gpgconf --homedir r --reload gpg-agent") != 0)
		return -1;
	return 0;
}

static void destroy_world(void)
{
	if (!W.root)
		return;
	sh(NULL, "for h in r e m v g p; do [ -d $h ] && gpgconf --homedir $h --kill all; done; true");
	if (!g_getenv("KEEP"))
		sh(NULL, "rm -rf '%s'", W.root);
	g_free(W.root);
	g_free(W.robot);
	g_free(W.pgp_fpr);
	g_free(W.smime_fpr);
	g_free(W.rec_pgp);
	g_free(W.rec_smime);
}

static Suite *crypto_sign_suite(void)
{
	Suite *s = suite_create("crypto-sign");
	TCase *keys = tcase_create("identity"), *sign = tcase_create("protect");

	tcase_set_timeout(keys, 120);
	tcase_set_timeout(sign, 60);
	tcase_add_test(keys, ensure_is_idempotent);
	tcase_add_test(keys, ensure_refuses_unsafe_address);
	tcase_add_test(keys, identity_gives_fingerprints);
	tcase_add_test(keys, export_is_readable_by_gpg_and_openssl);
	tcase_add_test(keys, import_smime_replaces_the_signer);
	tcase_add_test(sign, pgp_mime_verifies_with_gpg);
	tcase_add_test(sign, header_block_is_kept);
	tcase_add_test(sign, smime_verifies_with_openssl_and_gpgsm);
	tcase_add_test(sign, pgp_encrypted_decrypts_and_verifies);
	tcase_add_test(sign, smime_encrypted_decrypts_and_verifies);
	tcase_add_test(sign, refuses_bad_input);
	tcase_add_test(sign, file_pgp_signed_and_encrypted);
	tcase_add_test(sign, file_smime_encrypted);
	tcase_add_test(sign, poc_encrypt_tells_refusal_from_failure);
	suite_add_tcase(s, keys);
	suite_add_tcase(s, sign);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	mail_library_init();
	if (build_world() < 0) {
		fprintf(stderr, "test-crypto-sign: cannot build the test world\n");
		destroy_world();
		return 1;
	}
	sr = srunner_create(crypto_sign_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	destroy_world();
	return failed != 0;
}

/* crypto-poc-read.c - reads the OpenPGP keys and S/MIME certificates a
 * State sent for its POCs (crypto_poc_keys_read), in the POC home
 * (VAR/poc-keys), never the robot's: OpenPGP keys are listed from the
 * bytes without importing them (gpgme_op_keylist_from_data_start), then
 * the usable ones imported (import-minimal, that home's gpg.conf) and
 * exported minimal and armoured; certificates are imported into that
 * home's gpgsm, each end-entity one listed, its chain followed up to a
 * self-signed root among the certificates given or known there, and kept
 * as PEM, then its chain. Nothing here trusts a root: the pings' side
 * writes that home's trustlist.txt when it encrypts. Each key gets its
 * problem (expired, revoked, no encryption, weak RSA, no chain). Input:
 * bytes from a signed form (untrusted), at most MAX_POC_KEY_BYTES.
 * Failure: -1 with *err when the bytes hold no key (a secret key, a
 * signature, garbage); -2 when the engine failed. */
#include <string.h>
#include "crypto-internal.h"
#include "clock.h"
#include "limits.h"

#define CHAIN_MAX 8	/* issuers followed above a certificate */
#define RSA_MIN_BITS 2048
#define IMPORT_MINIMAL "import-options import-minimal\n"

void crypto_poc_key_free(gpointer p)
{
	struct crypto_poc_key *k = p;

	if (!k)
		return;
	if (k->addresses)
		g_ptr_array_unref(k->addresses);
	g_free(k->data);
	g_free(k->detail);
	g_free(k);
}

static struct crypto_poc_key *key_new(enum crypto_protocol p, const char *fpr)
{
	struct crypto_poc_key *k = g_new0(struct crypto_poc_key, 1);
	char *up = g_ascii_strup(fpr ? fpr : "", -1);

	k->protocol = p;
	g_strlcpy(k->fingerprint, up, sizeof k->fingerprint);
	k->addresses = g_ptr_array_new_with_free_func(g_free);
	g_free(up);
	return k;
}

/* Appends key's user IDs' addresses to k, each once. */
static void take_addresses(struct crypto_poc_key *k, gpgme_key_t key)
{
	for (gpgme_user_id_t u = key->uids; u; u = u->next) {
		char *e = crypto_uid_email(u);

		if (e && !g_ptr_array_find_with_equal_func(k->addresses, e, g_str_equal, NULL))
			g_ptr_array_add(k->addresses, e);
		else
			g_free(e);
	}
}

static gboolean is_rsa(gpgme_subkey_t s)
{
	return s->pubkey_algo == GPGME_PK_RSA || s->pubkey_algo == GPGME_PK_RSA_E ||
	       s->pubkey_algo == GPGME_PK_RSA_S;
}

static gboolean expired(gint64 expires, gint64 now)
{
	return expires > 0 && expires <= now;
}

/* The problem of an RSA (sub)key under RSA_MIN_BITS, with its size. */
static void check_weak(struct crypto_poc_key *k, gpgme_subkey_t s)
{
	if (k->problem || !is_rsa(s) || s->length >= RSA_MIN_BITS)
		return;
	k->problem = "weak";
	k->detail = g_strdup_printf("RSA %u bits", s->length);
}

/* Whether the bytes hold a private or secret key (PEM or OpenPGP armour,
 * or a first binary OpenPGP packet with tag 5). */
static gboolean holds_secret(const char *b, size_t len)
{
	guchar c = len ? (guchar)b[0] : 0;
	int tag = (c & 0x40) ? (c & 0x3f) : ((c >> 2) & 0x0f);

	if (g_strstr_len(b, (gssize)len, "PRIVATE KEY") ||
	    g_strstr_len(b, (gssize)len, "SECRET KEY"))
		return TRUE;
	return (c & 0x80) && tag == 5;
}

/* X.509 certificates (PEM, or DER: a SEQUENCE) rather than OpenPGP. */
static gboolean holds_certificates(const char *b, size_t len)
{
	if (g_strstr_len(b, (gssize)len, "-----BEGIN CERTIFICATE-----"))
		return TRUE;
	return !g_strstr_len(b, (gssize)len, "-----BEGIN ") && len > 0 && (guchar)b[0] == 0x30;
}

/* --- OpenPGP ----------------------------------------------------------- */

/* One OpenPGP key as listed from the bytes: its addresses, expiry and
 * problem (the data comes after the import). */
static struct crypto_poc_key *pgp_key(gpgme_key_t key, gint64 now)
{
	struct crypto_poc_key *k = key_new(CRYPTO_OPENPGP, key->fpr);
	gpgme_subkey_t primary = key->subkeys, enc = NULL;

	take_addresses(k, key);
	for (gpgme_subkey_t s = primary; s; s = s->next)
		if (s->can_encrypt && !s->revoked && !s->disabled && !s->invalid &&
		    !s->expired && !expired(s->expires, now) && (!enc || s->expires == 0 ||
		    (enc->expires && s->expires > enc->expires)))
			enc = s;
	k->expires = primary ? primary->expires : 0;
	if (enc && enc->expires && (!k->expires || enc->expires < k->expires))
		k->expires = enc->expires;
	if (key->revoked || (primary && primary->revoked))
		k->problem = "revoked";
	else if (key->expired || (primary && expired(primary->expires, now)))
		k->problem = "expired";
	else if (!enc)
		k->problem = "no-encryption";
	if (primary)
		check_weak(k, primary);
	if (enc)
		check_weak(k, enc);
	if (k->problem && !strcmp(k->problem, "expired") && k->expires)
		k->detail = g_strdup(clock_text(k->expires, CLOCK_DAY, "-",
						(char[CLOCK_TEXT_LEN]){ 0 }));
	return k;
}

/* gpg's listing of a revoked or expired key from data dies without a
 * trustdb ("Fatal: can't open trustdb.gpg"), which "trust-model always"
 * never makes: one is made. 0 or -1 with *err. */
static int pgp_trustdb(struct crypto *c, char **err)
{
	char *path = g_build_filename(c->home, "trustdb.gpg", NULL);
	const char *argv[] = { crypto_engine_path(GPGME_PROTOCOL_OpenPGP, "gpg"), "--homedir",
			       c->home, "--batch", "--trust-model", "pgp", "--check-trustdb",
			       NULL };
	GBytes *out = NULL;
	int have = g_file_test(path, G_FILE_TEST_EXISTS);

	g_free(path);
	if (have)
		return 0;
	if (!(out = crypto_run_tool(argv, NULL, err)))
		return -1;
	g_bytes_unref(out);
	return 0;
}

/* The POC home's gpg imports minimal (no third-party signatures), and has
 * its trustdb. */
static int pgp_minimal(struct crypto *c, char **err)
{
	char *path = g_build_filename(c->home, "gpg.conf", NULL), *text = NULL;
	GError *gerr = NULL;
	int rc = pgp_trustdb(c, err);

	if (rc < 0) {
		g_free(path);
		return -1;
	}
	if (!g_file_get_contents(path, &text, NULL, &gerr)) {
		*err = g_strdup_printf("%s: %s", path, gerr->message);
		rc = -1;
	} else if (!strstr(text, IMPORT_MINIMAL)) {
		char *more = g_strconcat(text, IMPORT_MINIMAL, NULL);

		if (!g_file_set_contents(path, more, -1, &gerr)) {
			*err = g_strdup_printf("%s: %s", path, gerr->message);
			rc = -1;
		}
		g_free(more);
	}
	if (gerr)
		g_error_free(gerr);
	g_free(text);
	g_free(path);
	return rc;
}

/* The key fpr exported minimal and armoured from ctx, or NULL with *err. */
static char *pgp_export_minimal(gpgme_ctx_t ctx, const char *fpr, char **err)
{
	gpgme_data_t d = NULL;
	gpgme_error_t e = gpgme_data_new(&d);
	char *buf = NULL, *out = NULL;
	size_t len = 0;

	gpgme_set_armor(ctx, 1);
	if (!e)
		e = gpgme_op_export(ctx, fpr, GPGME_EXPORT_MODE_MINIMAL, d);
	gpgme_set_armor(ctx, 0);
	if (!e) {
		buf = gpgme_data_release_and_get_mem(d, &len);
		d = NULL;
	}
	if (e || !buf || !g_strstr_len(buf, (gssize)len, "-----BEGIN PGP PUBLIC KEY BLOCK"))
		*err = crypto_gpgme_error(fpr, e ? e : gpg_error(GPG_ERR_NO_PUBKEY));
	else
		out = g_strndup(buf, len);
	gpgme_free(buf);
	gpgme_data_release(d);
	return out;
}

/* Lists the OpenPGP keys of the bytes into keys. 0 or -1 with *err. */
static int pgp_list(struct crypto *c, gpgme_data_t d, gint64 now, GPtrArray *keys, char **err)
{
	gpgme_key_t key = NULL;
	gpgme_error_t e = gpgme_op_keylist_from_data_start(c->pgp, d, 0);

	while (!e && !(e = gpgme_op_keylist_next(c->pgp, &key))) {
		if (key->fpr && !key->secret)
			g_ptr_array_add(keys, pgp_key(key, now));
		gpgme_key_unref(key);
	}
	gpgme_op_keylist_end(c->pgp);
	if (gpgme_err_code(e) == GPG_ERR_EOF)
		return 0;
	*err = crypto_gpgme_error("the OpenPGP key", e);
	return -1;
}

/* The usable keys imported and exported minimal. 0 or -1 with *err. */
static int pgp_keep(struct crypto *c, const char *bytes, size_t len, GPtrArray *keys, char **err)
{
	gpgme_data_t d = NULL;
	gpgme_error_t e = gpgme_data_new_from_mem(&d, bytes, len, 0);

	if (!e)
		e = gpgme_op_import(c->pgp, d);
	gpgme_data_release(d);
	if (e) {
		*err = crypto_gpgme_error("importing the OpenPGP key", e);
		return -1;
	}
	crypto_keycache_clear(c);
	for (guint i = 0; i < keys->len; i++) {
		struct crypto_poc_key *k = keys->pdata[i];

		if (!k->problem && !(k->data = pgp_export_minimal(c->pgp, k->fingerprint, err)))
			return -1;
	}
	return 0;
}

static int pgp_read(struct crypto *c, const char *bytes, size_t len, gint64 now,
		    GPtrArray *keys, char **err)
{
	gpgme_data_t d = NULL;
	int rc;

	if (pgp_minimal(c, err) < 0)
		return -1;
	if (gpgme_data_new_from_mem(&d, bytes, len, 0)) {
		*err = g_strdup("out of memory");
		return -1;
	}
	rc = pgp_list(c, d, now, keys, err);
	gpgme_data_release(d);
	if (rc == 0 && keys->len == 0) {
		*err = g_strdup("no OpenPGP public key in it");
		rc = -1;
	}
	return rc == 0 ? pgp_keep(c, bytes, len, keys, err) : -1;
}

/* --- S/MIME ------------------------------------------------------------ */

static gpgme_key_t cms_get(struct crypto *c, const char *fpr)
{
	gpgme_key_t k = NULL;

	if (gpgme_get_key(c->cms, fpr, &k, 0))
		return NULL;
	return k;
}

static gboolean self_signed(gpgme_key_t k)
{
	return k->chain_id && k->fpr && g_ascii_strcasecmp(k->chain_id, k->fpr) == 0;
}

/* 1 when fpr issued another certificate of fprs (it is part of a chain). */
static int issues_another(struct crypto *c, gchar **fprs, const char *fpr)
{
	int found = 0;

	for (int i = 0; fprs[i] && !found; i++) {
		gpgme_key_t k = g_ascii_strcasecmp(fprs[i], fpr) ? cms_get(c, fprs[i]) : NULL;

		found = k && !self_signed(k) && k->chain_id &&
			g_ascii_strcasecmp(k->chain_id, fpr) == 0;
		if (k)
			gpgme_key_unref(k);
	}
	return found;
}

/* Appends the PEM of fpr to out. 0 or -1 with *err. */
static int cms_append_pem(struct crypto *c, const char *fpr, GString *out, char **err)
{
	GBytes *pem = crypto_export_armoured(c->cms, fpr, err);
	gsize n = 0;
	const char *p = pem ? g_bytes_get_data(pem, &n) : NULL;

	if (!pem)
		return -1;
	g_string_append_len(out, p, (gssize)n);
	if (n && p[n - 1] != '\n')
		g_string_append_c(out, '\n');
	g_bytes_unref(pem);
	return 0;
}

/* The certificate's chain appended to pem, up to a self-signed root; 1
 * when an issuer is missing, 0 done, -1 with *err. */
static int cms_chain(struct crypto *c, gpgme_key_t leaf, GString *pem, char **err)
{
	gpgme_key_t cur = leaf;
	int rc = 0;

	gpgme_key_ref(cur);
	for (int depth = 0; rc == 0 && !self_signed(cur); depth++) {
		gpgme_key_t up = depth < CHAIN_MAX && cur->chain_id ? cms_get(c, cur->chain_id)
								     : NULL;

		gpgme_key_unref(cur);
		cur = up;
		if (!up)
			return 1;
		rc = cms_append_pem(c, up->fpr, pem, err);
	}
	gpgme_key_unref(cur);
	return rc;
}

/* One end-entity certificate: what it is, its problem, its PEM and chain. */
static int cms_key(struct crypto *c, gpgme_key_t k, gint64 now, GPtrArray *keys, char **err)
{
	struct crypto_poc_key *pk = key_new(CRYPTO_SMIME, k->fpr);
	GString *pem = g_string_new(NULL);
	gpgme_subkey_t s = k->subkeys;
	int chain = 0;

	g_ptr_array_add(keys, pk);
	take_addresses(pk, k);
	pk->expires = s ? s->expires : 0;
	if (cms_append_pem(c, k->fpr, pem, err) < 0 || (chain = cms_chain(c, k, pem, err)) < 0) {
		g_string_free(pem, TRUE);
		return -1;
	}
	if (k->revoked || (s && s->revoked))
		pk->problem = "revoked";
	else if (k->expired || (s && (s->expired || expired(s->expires, now))))
		pk->problem = "expired";
	else if (!k->can_encrypt && !(s && s->can_encrypt))
		pk->problem = "no-encryption";
	else if (chain == 1)
		pk->problem = "no-chain";
	if (s)
		check_weak(pk, s);
	if (pk->problem && !strcmp(pk->problem, "expired") && pk->expires)
		pk->detail = g_strdup(clock_text(pk->expires, CLOCK_DAY, "-",
						 (char[CLOCK_TEXT_LEN]){ 0 }));
	pk->data = g_string_free(pem, pk->problem != NULL);
	return 0;
}

static int cms_read(struct crypto *c, const char *bytes, size_t len, gint64 now,
		    GPtrArray *keys, char **err)
{
	gchar **fprs = NULL;
	int rc = 0;

	if (crypto_cms_import_certs(c, bytes, len, &fprs, err) < 0)
		return -1;
	crypto_keycache_clear(c);
	for (int i = 0; rc == 0 && fprs[i]; i++) {
		gpgme_key_t k = NULL;

		if (fprs[1] && issues_another(c, fprs, fprs[i]))
			continue;	/* an issuer of another one given */
		if (!(k = cms_get(c, fprs[i]))) {
			*err = g_strdup_printf("the certificate %.64s could not be listed",
					       fprs[i]);
			rc = -1;
			break;
		}
		rc = cms_key(c, k, now, keys, err);
		gpgme_key_unref(k);
	}
	g_strfreev(fprs);
	return rc;
}

/* --- the call ---------------------------------------------------------- */

/* Reads bytes with c, whose home is the POC home. */
static int read_in(struct crypto *c, const char *bytes, size_t len, GPtrArray **keys, char **err)
{
	gint64 now = clock_now(NULL);	/* gpg's own expiry flags use the system's */
	int rc;

	*keys = g_ptr_array_new_with_free_func(crypto_poc_key_free);
	if (len == 0 || len > MAX_POC_KEY_BYTES)
		*err = g_strdup_printf("%zu bytes: not a key block", len);
	else if (holds_secret(bytes, len))
		*err = g_strdup("a private or secret key: give the public key alone");
	if (*err)
		rc = -1;
	else if (holds_certificates(bytes, len))
		rc = cms_read(c, bytes, len, now, *keys, err);
	else
		rc = pgp_read(c, bytes, len, now, *keys, err);
	if (rc < 0)
		g_clear_pointer(keys, g_ptr_array_unref);
	return rc;
}

int crypto_poc_keys_read(struct crypto *c, const char *home, const char *bytes, size_t len,
			 GPtrArray **keys, char **err)
{
	struct crypto *h;
	int lock, rc;

	*keys = NULL;
	*err = NULL;
	if (c->engine)
		return crypto_client_poc_keys_read(c, home, bytes, len, keys, err);
	if (strcmp(c->home, home) == 0)
		return read_in(c, bytes, len, keys, err);
	if (!(h = crypto_open(home, err)))
		return -2;
	if ((lock = crypto_home_lock(home, 1, err)) < 0) {
		crypto_close(h);
		return -2;
	}
	rc = read_in(h, bytes, len, keys, err);
	crypto_home_unlock(lock);
	crypto_close(h);
	return rc;
}

const char *crypto_poc_problem(const char *word)
{
	static const char *const words[] = { "expired", "revoked", "no-encryption", "weak",
					     "no-chain" };

	for (size_t i = 0; word && i < G_N_ELEMENTS(words); i++)
		if (strcmp(word, words[i]) == 0)
			return words[i];
	return NULL;
}

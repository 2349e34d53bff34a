/* crypto-poc-read.c - reads the OpenPGP keys and S/MIME certificates a
 * State sent for its POCs (crypto_poc_keys_read), for the POC home
 * (VAR/poc-keys), never the robot's. The bytes are read in a scratch
 * GnuPG home of their own (removed after): OpenPGP keys are listed from
 * the bytes (gpgme_op_keylist_from_data_start), imported there and the
 * usable ones exported minimal and armoured; certificates are imported
 * into its gpgsm, each end-entity one listed, its chain followed up to a
 * self-signed root among the certificates given in these bytes only, and
 * kept as PEM, then its chain. Only the usable keys' kept data is then
 * imported into the POC home (import-minimal, that home's gpg.conf): a
 * refused key never reaches it. Nothing here trusts a root: the pings'
 * side writes that home's trustlist.txt when it encrypts. Each key gets
 * its problem (expired, revoked, no encryption, weak RSA, no chain).
 * Input: bytes from a signed form (untrusted), at most MAX_POC_KEY_BYTES.
 * Failure: -1 with *err when the bytes hold no key (a secret key, a
 * signature, garbage: GPGME's errors of the input); -2 with *err when the
 * engine failed (a tool, a file, any other GPGME error). */
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
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

/* -1 when e is GPGME's word for bad input (or libksba's: the certificate
 * did not parse), -2 for the engine's failure. */
static int error_class(gpgme_error_t e)
{
	if (gpgme_err_source(e) == GPG_ERR_SOURCE_KSBA)
		return -1;
	switch (gpgme_err_code(e)) {
	case GPG_ERR_NO_DATA:
	case GPG_ERR_INV_DATA:
	case GPG_ERR_BAD_DATA:
	case GPG_ERR_BAD_CERT:
	case GPG_ERR_INV_VALUE:
	case GPG_ERR_BAD_BER:
	case GPG_ERR_INV_OBJ:
	case GPG_ERR_INV_CERT_OBJ:
	case GPG_ERR_INV_PACKET:
	case GPG_ERR_INV_KEYRING:
		return -1;
	default:
		return -2;
	}
}

/* A DER SEQUENCE whose first element is INTEGER 3: a PKCS#12 PFX. */
static gboolean holds_pkcs12(const guchar *b, size_t len)
{
	size_t h = len > 1 && b[1] >= 0x80 ? 2 + (size_t)(b[1] & 0x7f) : 2;

	return len > h + 2 && b[0] == 0x30 && b[h] == 0x02 && b[h + 1] == 0x01 &&
	       b[h + 2] == 0x03;
}

/* Whether the bytes hold a private or secret key (PEM or OpenPGP armour,
 * a first binary OpenPGP packet with tag 5, a PKCS#12 PFX; the listing
 * and the import catch the others). */
static gboolean holds_secret(const char *b, size_t len)
{
	guchar c = len ? (guchar)b[0] : 0;
	int tag = (c & 0x40) ? (c & 0x3f) : ((c >> 2) & 0x0f);

	if (g_strstr_len(b, (gssize)len, "PRIVATE KEY") ||
	    g_strstr_len(b, (gssize)len, "SECRET KEY"))
		return TRUE;
	return ((c & 0x80) && tag == 5) || holds_pkcs12((const guchar *)b, len);
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
	const char *weak = NULL;

	take_addresses(k, key);
	/* gpg encrypts to the newest usable encryption subkey: its expiry is
	 * the key's; each usable one is checked for its strength */
	for (gpgme_subkey_t s = primary; s; s = s->next)
		if (s->can_encrypt && !s->revoked && !s->disabled && !s->invalid &&
		    !s->expired && !expired(s->expires, now)) {
			if (!enc || s->timestamp >= enc->timestamp)
				enc = s;
			if (!weak && is_rsa(s) && s->length < RSA_MIN_BITS)
				weak = s->keyid;
		}
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
	for (gpgme_subkey_t s = primary; s && weak; s = s->next)
		if (s->keyid == weak)
			check_weak(k, s);
	if (k->problem && !strcmp(k->problem, "expired") && k->expires)
		k->detail = g_strdup(clock_text(k->expires, CLOCK_DAY, "-",
						(char[CLOCK_TEXT_LEN]){ 0 }));
	return k;
}

/* gpg's listing of a revoked or expired key from data dies without a
 * trustdb ("Fatal: can't open trustdb.gpg"), which "trust-model always"
 * never makes: one is made. 0 or -2 with *err. */
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
		return -2;
	g_bytes_unref(out);
	return 0;
}

/* c's gpg imports minimal (no third-party signatures), and has its
 * trustdb. 0 or -2 with *err. */
static int pgp_minimal(struct crypto *c, char **err)
{
	char *path = g_build_filename(c->home, "gpg.conf", NULL), *text = NULL;
	GError *gerr = NULL;
	int rc = pgp_trustdb(c, err);

	if (rc < 0) {
		g_free(path);
		return -2;
	}
	if (!g_file_get_contents(path, &text, NULL, &gerr)) {
		*err = g_strdup_printf("%s: %s", path, gerr->message);
		rc = -2;
	} else if (!strstr(text, IMPORT_MINIMAL)) {
		char *more = g_strconcat(text, IMPORT_MINIMAL, NULL);

		if (!g_file_set_contents(path, more, -1, &gerr)) {
			*err = g_strdup_printf("%s: %s", path, gerr->message);
			rc = -2;
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

/* Imports len bytes on ctx: 0 with *ir (the context's result), or the
 * error (its *ir NULL). */
static gpgme_error_t import_bytes(gpgme_ctx_t ctx, const char *bytes, size_t len,
				  gpgme_import_result_t *ir)
{
	gpgme_data_t d = NULL;
	gpgme_error_t e = gpgme_data_new_from_mem(&d, bytes, len, 0);

	*ir = NULL;
	if (!e)
		e = gpgme_op_import(ctx, d);
	if (!e && !(*ir = gpgme_op_import_result(ctx)))
		e = gpg_error(GPG_ERR_GENERAL);
	gpgme_data_release(d);
	return e;
}

static int secret_refused(char **err)
{
	g_free(*err);
	*err = g_strdup("a private or secret key: give the public key alone");
	return -1;
}

/* Lists the OpenPGP keys of the bytes into keys. 0, -1 (the input's
 * fault: a secret key in it too) or -2, with *err. */
static int pgp_list(struct crypto *c, gpgme_data_t d, gint64 now, GPtrArray *keys, char **err)
{
	gpgme_key_t key = NULL;
	gpgme_error_t e = gpgme_op_keylist_from_data_start(c->pgp, d, 0);
	int secret = 0;

	while (!e && !(e = gpgme_op_keylist_next(c->pgp, &key))) {
		secret |= key->secret;
		if (key->fpr && !key->secret)
			g_ptr_array_add(keys, pgp_key(key, now));
		gpgme_key_unref(key);
	}
	gpgme_op_keylist_end(c->pgp);
	if (secret)
		return secret_refused(err);
	if (gpgme_err_code(e) == GPG_ERR_EOF)
		return 0;
	*err = crypto_gpgme_error("the OpenPGP key", e);
	return error_class(e);
}

/* The bytes imported into c's (scratch) home, the usable keys exported
 * minimal from it. 0, -1 (a secret key) or -2 with *err. */
static int pgp_export(struct crypto *c, const char *bytes, size_t len, GPtrArray *keys,
		      char **err)
{
	gpgme_import_result_t ir = NULL;
	gpgme_error_t e = import_bytes(c->pgp, bytes, len, &ir);

	if (e) {
		*err = crypto_gpgme_error("importing the OpenPGP key", e);
		return error_class(e);
	}
	if (ir->secret_read > 0)
		return secret_refused(err);
	crypto_keycache_clear(c);
	for (guint i = 0; i < keys->len; i++) {
		struct crypto_poc_key *k = keys->pdata[i];

		if (!k->problem && !(k->data = pgp_export_minimal(c->pgp, k->fingerprint, err)))
			return -2;
	}
	return 0;
}

/* The OpenPGP keys of the bytes, read in c's (scratch) home. */
static int pgp_read(struct crypto *c, const char *bytes, size_t len, gint64 now,
		    GPtrArray *keys, char **err)
{
	gpgme_data_t d = NULL;
	int rc;

	if (pgp_minimal(c, err) < 0)
		return -2;
	if (gpgme_data_new_from_mem(&d, bytes, len, 0)) {
		*err = g_strdup("out of memory");
		return -2;
	}
	rc = pgp_list(c, d, now, keys, err);
	gpgme_data_release(d);
	if (rc == 0 && keys->len == 0) {
		*err = g_strdup("no OpenPGP public key in it");
		rc = -1;
	}
	return rc == 0 ? pgp_export(c, bytes, len, keys, err) : rc;
}

/* The usable key k's kept data imported into c's home (the POC home).
 * 0, -1 (a secret key: never) or -2 with *err. */
static int pgp_keep(struct crypto *c, const struct crypto_poc_key *k, char **err)
{
	gpgme_import_result_t ir = NULL;
	gpgme_error_t e = import_bytes(c->pgp, k->data, strlen(k->data), &ir);

	for (gpgme_import_status_t s = e ? NULL : ir->imports; s && !e; s = s->next)
		e = s->result;	/* a keyring that cannot be written */
	if (!e && ir->imported + ir->unchanged == 0)
		e = gpg_error(GPG_ERR_NO_PUBKEY);
	if (e) {
		*err = crypto_gpgme_error("importing the OpenPGP key into the POC home", e);
		return -2;
	}
	return ir->secret_read > 0 ? secret_refused(err) : 0;
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

/* One end-entity certificate: what it is, its problem, its PEM and chain.
 * 0 or -2 with *err. */
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
		return -2;	/* exporting what was imported */
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

/* Imports certificates (PEM or DER) into c's gpgsm; *fprs gets their
 * fingerprints (g_strfreev it). 0, -1 (none in the bytes) or -2. */
static int cms_import(struct crypto *c, const char *bytes, size_t len, gchar ***fprs,
		      char **err)
{
	gpgme_import_result_t ir = NULL;
	gpgme_error_t e = 0;
	GPtrArray *list = NULL;

	*fprs = NULL;
	if (crypto_key_file_kind(bytes, len, "the certificate", 1, err) < 0)
		return -1;
	if ((e = import_bytes(c->cms, bytes, len, &ir))) {
		*err = crypto_gpgme_error("gpgsm imported no certificate", e);
		return error_class(e);
	}
	if (ir->secret_read > 0)
		return secret_refused(err);
	list = g_ptr_array_new();
	for (gpgme_import_status_t s = ir->imports; s; s = s->next)
		if (!s->result && s->fpr)
			g_ptr_array_add(list, g_ascii_strup(s->fpr, -1));
	g_ptr_array_add(list, NULL);
	*fprs = (gchar **)g_ptr_array_free(list, FALSE);
	if ((*fprs)[0])
		return 0;
	g_clear_pointer(fprs, g_strfreev);
	*err = g_strdup("gpgsm imported no certificate");
	return -1;
}

/* The certificates of the bytes, read in c's (scratch) home: a chain is
 * followed among them only. */
static int cms_read(struct crypto *c, const char *bytes, size_t len, gint64 now,
		    GPtrArray *keys, char **err)
{
	gchar **fprs = NULL;
	int rc = cms_import(c, bytes, len, &fprs, err);

	if (rc < 0)
		return rc;
	crypto_keycache_clear(c);
	for (int i = 0; rc == 0 && fprs[i]; i++) {
		gpgme_key_t k = NULL;

		if (fprs[1] && issues_another(c, fprs, fprs[i]))
			continue;	/* an issuer of another one given */
		if (!(k = cms_get(c, fprs[i]))) {
			*err = g_strdup_printf("the certificate %.64s could not be listed",
					       fprs[i]);
			rc = -2;
			break;
		}
		rc = cms_key(c, k, now, keys, err);
		gpgme_key_unref(k);
	}
	g_strfreev(fprs);
	return rc;
}

/* --- the call ---------------------------------------------------------- */

/* Removes the scratch home dir: gpg's files and folders in it. */
static void scratch_remove(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_SYMLINK) ||
		    !g_file_test(path, G_FILE_TEST_IS_DIR))
			g_unlink(path);
		else
			scratch_remove(path);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

/* The scratch home's daemons stopped (a secret key or gpgsm may have
 * started its gpg-agent), and the home removed. */
static void scratch_end(struct crypto *s, char *dir)
{
	const char *argv[] = { crypto_engine_path(GPGME_PROTOCOL_GPGCONF, "gpgconf"),
			       "--homedir", dir, "--kill", "all", NULL };
	char *why = NULL;
	GBytes *out = NULL;

	crypto_close(s);
	if ((out = crypto_run_tool(argv, NULL, &why)))
		g_bytes_unref(out);
	g_free(why);
	scratch_remove(dir);
	g_free(dir);
}

/* The usable keys' kept data imported into c's home, the POC home.
 * 0 or -2 with *err. */
static int keep(struct crypto *c, GPtrArray *keys, char **err)
{
	int rc = 0, minimal = 0;

	for (guint i = 0; rc == 0 && i < keys->len; i++) {
		const struct crypto_poc_key *k = keys->pdata[i];
		gchar **fprs = NULL;

		if (k->problem || !k->data)
			continue;
		if (k->protocol == CRYPTO_OPENPGP && !minimal++ && pgp_minimal(c, err) < 0)
			rc = -2;
		else if (k->protocol == CRYPTO_OPENPGP)
			rc = pgp_keep(c, k, err);
		else if (crypto_cms_import_certs(c, k->data, strlen(k->data), &fprs, err) < 0)
			rc = -2;
		g_strfreev(fprs);
	}
	crypto_keycache_clear(c);
	return rc;
}

/* Reads bytes in a scratch home, then keeps the usable keys in c's home,
 * the POC home. */
static int read_in(struct crypto *c, const char *bytes, size_t len, GPtrArray **keys, char **err)
{
	gint64 now = clock_now(NULL);	/* gpg's own expiry flags use the system's */
	struct crypto *s = NULL;
	char *dir = NULL;
	int rc = -2;

	*keys = g_ptr_array_new_with_free_func(crypto_poc_key_free);
	if (len == 0 || len > MAX_POC_KEY_BYTES)
		*err = g_strdup_printf("%zu bytes: not a key block", len);
	else if (holds_secret(bytes, len))
		*err = g_strdup("a private or secret key: give the public key alone");
	if (*err)
		rc = -1;
	else if (!(dir = g_dir_make_tmp("pocbot-poc-read-XXXXXX", NULL)))
		*err = g_strdup_printf("a scratch GnuPG home: %s", g_strerror(errno));
	else if ((s = crypto_open(dir, err)))
		rc = holds_certificates(bytes, len) ? cms_read(s, bytes, len, now, *keys, err)
						    : pgp_read(s, bytes, len, now, *keys, err);
	if (rc == 0)
		rc = keep(c, *keys, err);
	if (dir)
		scratch_end(s, dir);
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

/* crypto-keys.c - the robot's own keys: creates its OpenPGP key and its
 * self-signed S/MIME certificate on first start (cheap when they exist: one
 * list of secret keys per protocol), names them, exports their public
 * halves, and installs a CA-issued certificate and key as the S/MIME
 * identity. Input: the robot's address from the configuration and, for
 * import-smime, the custodian's PEM files; nothing from mail. Every
 * function returns -1 with a message in *err on failure and leaves the
 * existing identity usable.
 *
 * Which key is the robot's: OpenPGP, the first usable secret key of the
 * home (the robot makes only one). S/MIME, among usable secret
 * certificates, a CA-issued one before a self-signed one, then the one
 * valid from the latest date: so an imported certificate replaces the
 * self-signed one for signing while the old key stays to decrypt. */
#define _GNU_SOURCE	/* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "crypto-internal.h"

#define PGP_UID_NAME "POC Directory"
#define SMIME_DN "CN=POC Directory"
#define MAX_CHAIN 8			/* issuers walked up to a root */
#define MAX_PEM_BYTES (1024 * 1024)	/* a certificate or key file */

/* A self-signed certificate that signs and encrypts e-mail
 * (extendedKeyUsage emailProtection; subjectAltName from Name-Email).
 * "cert" usage makes it a root that gpgsm and OpenSSL accept as its own
 * anchor. */
static const char smime_parms[] =
	"Key-Type: RSA\n"
	"Key-Length: 3072\n"
	"Key-Usage: sign, encrypt, cert\n"
	"Name-DN: " SMIME_DN "\n"
	"Name-Email: %s\n"
	"Serial: random\n"
	"Hash-Algo: SHA256\n"
	"Extension: 2.5.29.37 n 300a06082b06010505070304\n";

/* The program GPGME runs for proto (gpgsm, gpgconf), else name. Borrowed. */
static const char *engine_path(gpgme_protocol_t proto, const char *name)
{
	gpgme_engine_info_t info = NULL;

	if (!gpgme_get_engine_info(&info))
		for (; info; info = info->next)
			if (info->protocol == proto && info->file_name)
				return info->file_name;
	return name;
}

/* A memory file holding len bytes of data (may be 0), at offset 0; -1. */
static int memfile(const char *name, const void *data, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd >= 0 && len > 0 && (write(fd, data, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The contents of a memory file; g_bytes_unref it. */
static GBytes *memfile_bytes(int fd)
{
	GByteArray *a = g_byte_array_new();
	guint8 buf[4096];
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) == 0)
		while ((n = read(fd, buf, sizeof buf)) > 0)
			g_byte_array_append(a, buf, (guint)n);
	return g_byte_array_free_to_bytes(a);
}

/* Runs argv (searched in PATH) with input (may be NULL) on its standard
 * input and fd 3 reading /dev/null: gpgsm's empty passphrase. GPGME 1.18
 * cannot give gpgsm the loopback pinentry, so the two rare steps that need
 * a passphrase (making a key, importing PKCS#12) run gpgsm itself. Memory
 * files and waitpid, not GSubprocess: GLib's child watch never fires in a
 * process forked after its worker thread started (Check's tests). The
 * standard output, or NULL with *err quoting the tool's complaint. */
static GBytes *run_tool(const char *const *argv, GBytes *input, char **err)
{
	gsize in_len = 0;
	const void *in_data = input ? g_bytes_get_data(input, &in_len) : NULL;
	int in = memfile("in", in_data, in_len), out = memfile("out", NULL, 0), errf = memfile("err", NULL, 0);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), target = 3, status = 0, waited;
	int fds[] = { in, out, errf, null };
	GError *gerr = NULL;
	GBytes *result = NULL, *complaint = NULL;
	GPid pid = 0;

	if (in < 0 || out < 0 || errf < 0 || null < 0) {
		*err = g_strdup_printf("%s: %s", argv[0], g_strerror(errno));
	} else if (!g_spawn_async_with_pipes_and_fds(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
						     NULL, NULL, in, out, errf, &null, &target, 1, &pid, NULL, NULL,
						     NULL, &gerr)) {
		*err = g_strdup_printf("%s: %s", argv[0], gerr->message);
		g_error_free(gerr);
	} else {
		while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
			;
		g_spawn_close_pid(pid);
		if (waited == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			result = memfile_bytes(out);
		} else {
			gsize n = 0;
			const char *t = g_bytes_get_data(complaint = memfile_bytes(errf), &n);
			*err = g_strdup_printf("%s %s failed: %.*s", argv[0], argv[1], (int)MIN(n, 400),
					       t ? t + (n > 400 ? n - 400 : 0) : "");
		}
	}
	for (size_t i = 0; i < G_N_ELEMENTS(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (complaint)
		g_bytes_unref(complaint);
	return result;
}

static int key_usable(gpgme_key_t k)
{
	return k->subkeys && k->can_sign && !k->revoked && !k->expired && !k->disabled && !k->invalid;
}

static int key_can_encrypt(gpgme_key_t k)
{
	for (gpgme_subkey_t s = k->subkeys; s; s = s->next)
		if (s->can_encrypt && !s->revoked && !s->expired && !s->disabled && !s->invalid)
			return 1;
	return 0;
}

/* 2 for a certificate issued by someone else, 1 for a self-signed one. */
static int smime_rank(gpgme_key_t k)
{
	return k->chain_id && k->fpr && strcmp(k->chain_id, k->fpr) != 0 ? 2 : 1;
}

static int better(gpgme_protocol_t proto, gpgme_key_t k, gpgme_key_t best)
{
	if (!best)
		return 1;
	if (proto == GPGME_PROTOCOL_OpenPGP)
		return 0;
	if (smime_rank(k) != smime_rank(best))
		return smime_rank(k) > smime_rank(best);
	return k->subkeys->timestamp > best->subkeys->timestamp;
}

/* The robot's key in ctx (see the top of the file), or *out NULL when
 * there is none. A reference: gpgme_key_unref it. */
static int find_identity(gpgme_ctx_t ctx, gpgme_key_t *out, char **err)
{
	gpgme_protocol_t proto = gpgme_get_protocol(ctx);
	gpgme_key_t k = NULL, best = NULL;
	gpgme_error_t e = gpgme_op_keylist_start(ctx, NULL, 1);

	while (!e && !(e = gpgme_op_keylist_next(ctx, &k))) {
		if (key_usable(k) && better(proto, k, best)) {
			if (best)
				gpgme_key_unref(best);
			best = k;
		} else {
			gpgme_key_unref(k);
		}
	}
	gpgme_op_keylist_end(ctx);
	if (gpgme_err_code(e) != GPG_ERR_EOF) {
		*err = crypto_gpgme_error("listing the robot's secret keys", e);
		if (best)
			gpgme_key_unref(best);
		return -1;
	}
	*out = best;
	return 0;
}

static void copy_fpr(char dst[CRYPTO_FPR_LEN], gpgme_key_t k)
{
	g_strlcpy(dst, k && k->fpr ? k->fpr : "", CRYPTO_FPR_LEN);
	for (char *p = dst; *p; p++)
		*p = g_ascii_toupper(*p);
}

int crypto_identity(struct crypto *c, char pgp[CRYPTO_FPR_LEN], char smime[CRYPTO_FPR_LEN])
{
	gpgme_key_t kp = NULL, ks = NULL;
	char *err = NULL;
	int rc = -1;

	pgp[0] = smime[0] = '\0';
	if (find_identity(c->pgp, &kp, &err) < 0 || find_identity(c->cms, &ks, &err) < 0)
		goto out;
	copy_fpr(pgp, kp);
	copy_fpr(smime, ks);
	rc = 0;
out:
	g_free(err);
	if (kp)
		gpgme_key_unref(kp);
	if (ks)
		gpgme_key_unref(ks);
	return rc;
}

/* An address that can go into a user ID and a key parameter file as is. */
static int address_ok(const char *a)
{
	size_t len = a ? strlen(a) : 0;

	if (len < 3 || len > 254 || !strchr(a, '@'))
		return 0;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
			return 0;
	return 1;
}

/* Adds a Cv25519 encryption subkey to key (also finishes a key whose
 * creation was interrupted after the primary key). */
static int pgp_add_encryption(gpgme_ctx_t ctx, gpgme_key_t key, char **err)
{
	gpgme_error_t e = gpgme_op_createsubkey(ctx, key, "cv25519", 0, 0,
						GPGME_CREATE_ENCR | GPGME_CREATE_NOPASSWD | GPGME_CREATE_NOEXPIRE);

	if (e) {
		*err = crypto_gpgme_error("creating the robot's OpenPGP encryption subkey", e);
		return -1;
	}
	return 0;
}

/* A new Ed25519 primary key that signs and certifies, without passphrase.
 * *out gets a reference. */
static int pgp_create(gpgme_ctx_t ctx, const char *address, gpgme_key_t *out, char **err)
{
	char *uid = g_strdup_printf(PGP_UID_NAME " <%s>", address);
	gpgme_error_t e = gpgme_op_createkey(ctx, uid, "ed25519", 0, 0, NULL,
					     GPGME_CREATE_SIGN | GPGME_CREATE_CERT | GPGME_CREATE_NOPASSWD |
					     GPGME_CREATE_NOEXPIRE);
	gpgme_genkey_result_t r = e ? NULL : gpgme_op_genkey_result(ctx);

	g_free(uid);
	if (!e && (!r || !r->fpr))
		e = gpg_error(GPG_ERR_GENERAL);
	if (!e)
		e = gpgme_get_key(ctx, r->fpr, out, 1);
	if (e) {
		*err = crypto_gpgme_error("creating the robot's OpenPGP key", e);
		return -1;
	}
	return 0;
}

static int pgp_ensure(gpgme_ctx_t ctx, const char *address, char **err)
{
	gpgme_key_t key = NULL;
	int rc = find_identity(ctx, &key, err);

	if (rc == 0 && !key)
		rc = pgp_create(ctx, address, &key, err);
	if (rc == 0 && !key_can_encrypt(key))
		rc = pgp_add_encryption(ctx, key, err);
	if (key)
		gpgme_key_unref(key);
	return rc;
}

/* Asks gpg-agent to read trustlist.txt again (it reads it once). */
static int agent_reload(const char *home, char **err)
{
	const char *argv[] = { engine_path(GPGME_PROTOCOL_GPGCONF, "gpgconf"), "--homedir", home, "--reload",
			       "gpg-agent", NULL };
	GBytes *out = run_tool(argv, NULL, err);

	if (!out)
		return -1;
	g_bytes_unref(out);
	return 0;
}

/* 1 when line names fpr (gpg-agent's format: 40 hex digits, colons
 * optional, then a flag). */
static int trust_line_names(const char *line, const char *fpr)
{
	size_t n = 0;

	for (const char *p = line; *p && *p != ' ' && *p != '\t'; p++) {
		if (*p == ':')
			continue;
		if (!fpr[n] || g_ascii_toupper(*p) != g_ascii_toupper(fpr[n]))
			return 0;
		n++;
	}
	return fpr[n] == '\0';
}

static int trustlist_has(const char *text, const char *fpr)
{
	gchar **lines = g_strsplit(text, "\n", 0);
	int found = 0;

	for (gchar **l = lines; *l && !found; l++)
		found = trust_line_names(g_strstrip(*l), fpr);
	g_strfreev(lines);
	return found;
}

/* Marks the root certificate fpr trusted for S/MIME in home/trustlist.txt
 * (written anew, durably), then has gpg-agent read it again. */
static int trust_root(const char *home, const char *fpr, const char *subject, char **err)
{
	char *path = g_build_filename(home, "trustlist.txt", NULL);
	char *old = NULL, *text = NULL;
	GError *gerr = NULL;
	int rc = 0;

	if (!g_file_get_contents(path, &old, NULL, NULL))
		old = g_strdup("");
	if (!trustlist_has(old, fpr)) {
		text = g_strdup_printf("%s%s# %.200s\n%s S\n", old, *old && !g_str_has_suffix(old, "\n") ? "\n" : "",
				       subject ? subject : "", fpr);
		for (char *p = strchr(text + strlen(old), '#'); p && *p != '\n'; p++)
			if ((unsigned char)*p < ' ')
				*p = ' ';
		if (!g_file_set_contents_full(path, text, -1,
					      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
					      &gerr)) {
			*err = g_strdup_printf("%s: %s", path, gerr->message);
			g_error_free(gerr);
			rc = -1;
		} else {
			rc = agent_reload(home, err);
		}
	}
	g_free(text);
	g_free(old);
	g_free(path);
	return rc;
}

/* Self-signed certificates are their own root: keep them trusted. */
static int trust_if_self_signed(struct crypto *c, gpgme_key_t k, char **err)
{
	if (smime_rank(k) != 1)
		return 0;
	return trust_root(c->home, k->fpr, k->uids ? k->uids->uid : NULL, err);
}

/* Imports certificates (PEM or DER) into gpgsm; *fprs gets their
 * fingerprints, upper case, NULL-terminated (g_strfreev it). */
static int cms_import(struct crypto *c, const void *bytes, size_t len, gchar ***fprs, char **err)
{
	gpgme_data_t d = NULL;
	gpgme_import_result_t ir = NULL;
	gpgme_error_t e = gpgme_data_new_from_mem(&d, bytes, len, 0);
	GPtrArray *list = g_ptr_array_new();

	if (!e)
		e = gpgme_op_import(c->cms, d);
	if (!e && !(ir = gpgme_op_import_result(c->cms)))
		e = gpg_error(GPG_ERR_GENERAL);
	for (gpgme_import_status_t s = e ? NULL : ir->imports; s; s = s->next)
		if (!s->result && s->fpr)
			g_ptr_array_add(list, g_ascii_strup(s->fpr, -1));
	if (!e && list->len == 0)
		e = gpg_error(GPG_ERR_NO_DATA);
	g_ptr_array_add(list, NULL);
	*fprs = (gchar **)g_ptr_array_free(list, FALSE);
	gpgme_data_release(d);
	if (e) {
		*err = crypto_gpgme_error("gpgsm imported no certificate", e);
		g_clear_pointer(fprs, g_strfreev);
		return -1;
	}
	return 0;
}

/* gpgsm makes the key (in gpg-agent, unprotected) and the certificate,
 * which is then imported. *out gets a reference. */
static int smime_create(struct crypto *c, const char *address, gpgme_key_t *out, char **err)
{
	const char *argv[] = { engine_path(GPGME_PROTOCOL_CMS, "gpgsm"), "--homedir", c->home, "--batch",
			       "--pinentry-mode", "loopback", "--passphrase-fd", "3", "--gen-key", NULL };
	char *parms = g_strdup_printf(smime_parms, address);
	GBytes *in = g_bytes_new_take(parms, strlen(parms)), *cert = run_tool(argv, in, err);
	gchar **fprs = NULL;
	gpgme_error_t e;
	gsize n = 0;
	const void *bytes = cert ? g_bytes_get_data(cert, &n) : NULL;
	int rc = cert ? cms_import(c, bytes, n, &fprs, err) : -1;

	if (rc == 0 && (e = gpgme_get_key(c->cms, fprs[0], out, 1))) {
		*err = crypto_gpgme_error("the robot's new S/MIME certificate", e);
		rc = -1;
	}
	g_strfreev(fprs);
	if (cert)
		g_bytes_unref(cert);
	g_bytes_unref(in);
	return rc;
}

static int smime_ensure(struct crypto *c, const char *address, char **err)
{
	gpgme_key_t key = NULL;
	int rc = find_identity(c->cms, &key, err);

	if (rc == 0 && !key)
		rc = smime_create(c, address, &key, err);
	if (rc == 0)
		rc = trust_if_self_signed(c, key, err);
	if (key)
		gpgme_key_unref(key);
	return rc;
}

int crypto_identity_ensure(struct crypto *c, const char *address, char **err)
{
	*err = NULL;
	if (!address_ok(address)) {
		*err = g_strdup_printf("unusable robot address '%.200s'", address ? address : "");
		return -1;
	}
	if (pgp_ensure(c->pgp, address, err) < 0 || smime_ensure(c, address, err) < 0)
		return -1;
	return 0;
}

/* The public key or certificate fpr, armoured (PEM for a certificate:
 * gpgsm's description of it before the block is dropped). NULL with *err. */
static GBytes *export_armoured(gpgme_ctx_t ctx, const char *fpr, char **err)
{
	gpgme_data_t data = NULL;
	gpgme_error_t e = gpgme_data_new(&data);
	GBytes *out = NULL;
	char *buf = NULL;
	const char *start;
	size_t len = 0;

	gpgme_set_armor(ctx, 1);
	if (!e)
		e = gpgme_op_export(ctx, fpr, 0, data);
	gpgme_set_armor(ctx, 0);
	if (!e) {
		buf = gpgme_data_release_and_get_mem(data, &len);
		data = NULL;
	}
	start = buf ? g_strstr_len(buf, (gssize)len, "-----BEGIN") : NULL;
	if (e || !start)
		*err = crypto_gpgme_error(fpr, e ? e : gpg_error(GPG_ERR_NO_PUBKEY));
	else
		out = g_bytes_new(start, len - (size_t)(start - buf));
	gpgme_free(buf);
	gpgme_data_release(data);
	return out;
}

/* Writes the public key or certificate fpr, armoured, durably to path. */
static int export_one(gpgme_ctx_t ctx, const char *fpr, const char *path, char **err)
{
	GBytes *armour = export_armoured(ctx, fpr, err);
	GError *gerr = NULL;
	gsize len = 0;
	const char *data = armour ? g_bytes_get_data(armour, &len) : NULL;
	int rc = armour ? 0 : -1;

	if (armour && !g_file_set_contents_full(path, data, (gssize)len,
						G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0644,
						&gerr)) {
		*err = g_strdup_printf("%s: %s", path, gerr->message);
		g_error_free(gerr);
		rc = -1;
	}
	if (armour)
		g_bytes_unref(armour);
	return rc;
}

int crypto_identity_export(struct crypto *c, const char *dir, char **err)
{
	char pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN];
	char *asc = g_build_filename(dir, "pocbot.asc", NULL), *pem = g_build_filename(dir, "pocbot.pem", NULL);
	int rc = -1;

	*err = NULL;
	if (crypto_identity(c, pgp, smime) < 0)
		*err = g_strdup("cannot list the robot's keys");
	else if (!*pgp || !*smime)
		*err = g_strdup("the robot has no keys yet (pocbot keys show makes them)");
	else if (g_mkdir_with_parents(dir, 0755) < 0)
		*err = g_strdup_printf("%s: %s", dir, g_strerror(errno));
	else if (export_one(c->pgp, pgp, asc, err) == 0 && export_one(c->cms, smime, pem, err) == 0)
		rc = 0;
	g_free(asc);
	g_free(pem);
	return rc;
}

/* The certificate leaf and the PEM key file as PKCS#12 in the only form
 * gpgsm 2.2 reads (3DES, SHA-1 MAC), with an empty password: it only
 * travels through pipes, and the key file was not protected either
 * (openssl asks on the terminal when it is). openssl refuses a key that is
 * not the certificate's. Then gpgsm imports it; the key arrives
 * unprotected in gpg-agent. */
static int import_key(struct crypto *c, const char *leaf, const char *key, char **err)
{
	const char *p12_argv[] = { "openssl", "pkcs12", "-export", "-in", "/dev/stdin", "-inkey", key,
				   "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1",
				   "-passout", "pass:", NULL };
	const char *import_argv[] = { engine_path(GPGME_PROTOCOL_CMS, "gpgsm"), "--homedir", c->home, "--batch",
				      "--pinentry-mode", "loopback", "--passphrase-fd", "3", "--import", NULL };
	GBytes *pem = export_armoured(c->cms, leaf, err);
	GBytes *p12 = pem ? run_tool(p12_argv, pem, err) : NULL;
	GBytes *out = p12 ? run_tool(import_argv, p12, err) : NULL;
	gpgme_key_t k = NULL;
	gpgme_error_t e = out ? gpgme_get_key(c->cms, leaf, &k, 1) : 0;

	if (out && e)
		*err = crypto_gpgme_error("the imported key", e);
	if (k)
		gpgme_key_unref(k);
	if (pem)
		g_bytes_unref(pem);
	if (p12)
		g_bytes_unref(p12);
	if (!out)
		return -1;
	g_bytes_unref(out);
	return e ? -1 : 0;
}

/* Imports the certificates of file (the robot's, maybe its chain); *fprs
 * gets their fingerprints (g_strfreev it). */
static int import_cert_file(struct crypto *c, const char *file, gchar ***fprs, char **err)
{
	GError *gerr = NULL;
	char *text = NULL;
	gsize len = 0;
	int rc;

	if (!g_file_get_contents(file, &text, &len, &gerr)) {
		*err = g_strdup(gerr->message);
		g_error_free(gerr);
		return -1;
	}
	rc = cms_import(c, text, len, fprs, err);
	g_free(text);
	return rc;
}

/* The end of the chain in fprs: the one certificate that issued none of
 * the others. g_free it. */
static char *pick_leaf(struct crypto *c, gchar **fprs, char **err)
{
	GHashTable *issuers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char *leaf = NULL;
	int leaves = 0;

	for (gchar **f = fprs; *f; f++) {
		gpgme_key_t k = NULL;

		if (!gpgme_get_key(c->cms, *f, &k, 0) && k->chain_id && strcmp(k->chain_id, k->fpr) != 0)
			g_hash_table_add(issuers, g_ascii_strup(k->chain_id, -1));
		if (k)
			gpgme_key_unref(k);
	}
	for (gchar **f = fprs; *f; f++)
		if (!g_hash_table_contains(issuers, *f) && leaves++ == 0)
			leaf = g_strdup(*f);
	g_hash_table_destroy(issuers);
	if (leaves != 1) {
		*err = g_strdup("the certificate file must hold one certificate and its issuers");
		g_clear_pointer(&leaf, g_free);
	}
	return leaf;
}

/* Walks from fpr up to its self-signed root; *root gets a reference. */
static int find_root(gpgme_ctx_t ctx, const char *fpr, gpgme_key_t *root, char **err)
{
	gpgme_key_t k = NULL;
	char *next = g_strdup(fpr);
	gpgme_error_t e = 0;

	for (int depth = 0; depth < MAX_CHAIN && !e; depth++) {
		e = gpgme_get_key(ctx, next, &k, 0);
		if (!e && k->chain_id && strcmp(k->chain_id, k->fpr) == 0) {
			*root = k;
			g_free(next);
			return 0;
		}
		if (!e && !k->chain_id)
			e = gpg_error(GPG_ERR_MISSING_ISSUER_CERT);
		if (!e) {
			g_free(next);
			next = g_strdup(k->chain_id);
			gpgme_key_unref(k);
		}
	}
	*err = e ? crypto_gpgme_error("the certificate's chain (give it in the certificate file)", e)
		 : g_strdup("the certificate's chain is too long");
	g_free(next);
	return -1;
}

/* Signs a few bytes with fpr: proves gpgsm accepts it as a signer. */
static int smime_try_sign(struct crypto *c, const char *fpr, char **err)
{
	gpgme_key_t k = NULL;
	gpgme_data_t in = NULL, out = NULL;
	gpgme_error_t e = gpgme_get_key(c->cms, fpr, &k, 1);

	if (!e)
		e = gpgme_data_new_from_mem(&in, "test\r\n", 6, 0);
	if (!e)
		e = gpgme_data_new(&out);
	gpgme_signers_clear(c->cms);
	if (!e)
		e = gpgme_signers_add(c->cms, k);
	if (!e)
		e = gpgme_op_sign(c->cms, in, out, GPGME_SIG_MODE_DETACH);
	if (e)
		*err = crypto_gpgme_error("gpgsm will not sign with the certificate", e);
	gpgme_signers_clear(c->cms);	/* crypto_protect picks the identity again */
	gpgme_data_release(in);
	gpgme_data_release(out);
	if (k)
		gpgme_key_unref(k);
	return e ? -1 : 0;
}

/* Removes the certificate fpr from gpgsm's keybox (its key stays in
 * gpg-agent, unused). */
static void forget(struct crypto *c, const char *fpr)
{
	gpgme_key_t k = NULL;

	if (!gpgme_get_key(c->cms, fpr, &k, 0))
		gpgme_op_delete_ext(c->cms, k, GPGME_DELETE_FORCE);
	if (k)
		gpgme_key_unref(k);
}

static int file_ok(const char *path, char **err)
{
	GStatBuf st;

	if (g_stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_PEM_BYTES) {
		*err = g_strdup_printf("%s: not a readable file of at most %d bytes", path, MAX_PEM_BYTES);
		return -1;
	}
	return 0;
}

int crypto_identity_import_smime(struct crypto *c, const char *cert, const char *key, char **err)
{
	char pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN];
	gpgme_key_t root = NULL;
	gchar **fprs = NULL;
	char *fpr = NULL;
	int rc = -1;

	*err = NULL;
	if (file_ok(cert, err) < 0 || file_ok(key, err) < 0 || import_cert_file(c, cert, &fprs, err) < 0 ||
	    !(fpr = pick_leaf(c, fprs, err)) || find_root(c->cms, fpr, &root, err) < 0 ||
	    trust_root(c->home, root->fpr, root->uids ? root->uids->uid : NULL, err) < 0 ||
	    import_key(c, fpr, key, err) < 0)
		goto out;
	if (smime_try_sign(c, fpr, err) < 0) {
		forget(c, fpr);	/* not to be preferred to the working identity */
		goto out;
	}
	if (crypto_identity(c, pgp, smime) < 0 || strcmp(smime, fpr) != 0) {
		*err = g_strdup_printf("imported %s, but the robot still prefers %s (valid from a later date)", fpr,
				       smime);
		goto out;
	}
	rc = 0;
out:
	if (root)
		gpgme_key_unref(root);
	g_strfreev(fprs);
	g_free(fpr);
	return rc;
}

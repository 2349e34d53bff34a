/* crypto-addresses.c - the e-mail addresses of the keys and certificates
 * the robot holds (OpenPGP user IDs; the subjectAltNames and the subject's
 * emailAddress of an S/MIME certificate, as gpgsm lists them), and the
 * keys that may hold an address. Input: fingerprints from the signers
 * table or a verification, an address from a message's From (bounded by
 * mail.c). A key the robot does not hold has no address; -1 only when the
 * engine fails. */
#include <string.h>
#include "crypto-internal.h"
#include "envelope.h"
#include "limits.h"

/* An e-mail address fit to store and to write to: an address
 * (envelope_address_ok: bounded, printable, a quoted local part allowed)
 * whose local part is ASCII (the robot has no SMTPUTF8). */
static gboolean usable_email(const char *s)
{
	return s && envelope_address_ok(s, 0) && envelope_local_ascii(s);
}

char *crypto_uid_email(gpgme_user_id_t u)
{
	char *e;

	if (!u->email || u->revoked || u->invalid)
		return NULL;
	e = g_ascii_strdown(u->email + (u->email[0] == '<'), -1);
	if (g_str_has_suffix(e, ">"))
		e[strlen(e) - 1] = '\0';
	if (usable_email(e))
		return e;
	g_free(e);
	return NULL;
}

/* Appends key's addresses to out, each once. */
static void add_addresses(gpgme_key_t key, GPtrArray *out)
{
	for (gpgme_user_id_t u = key->uids; u; u = u->next) {
		char *e = crypto_uid_email(u);
		gboolean have = FALSE;

		for (guint i = 0; e && !have && i < out->len; i++)
			have = strcmp(out->pdata[i], e) == 0;
		if (e && !have)
			g_ptr_array_add(out, e);
		else
			g_free(e);
	}
}

int crypto_key_addresses(struct crypto *c, enum crypto_protocol p, const char *const *fprs,
			 GPtrArray **out)
{
	gpgme_ctx_t ctx = p == CRYPTO_SMIME ? c->cms : c->pgp;

	if (c->engine)
		return crypto_client_key_addresses(c, p, fprs, out);
	*out = g_ptr_array_new_with_free_func(g_free);
	for (; fprs && *fprs; fprs++) {
		gpgme_key_t key = NULL;
		gpgme_error_t e;

		if (!**fprs)
			continue;
		e = crypto_get_key(c, ctx, *fprs, &key, 0);
		if (gpgme_err_code(e) == GPG_ERR_EOF)
			continue;	/* not in the keyring: no address */
		if (e) {
			g_ptr_array_unref(*out);
			*out = NULL;
			return -1;
		}
		add_addresses(key, *out);
		gpgme_key_unref(key);
	}
	return 0;
}

/* Appends to out the fingerprints of ctx's keys whose user IDs hold one of
 * patterns as a substring. 0 or -1. */
static int list_holding(gpgme_ctx_t ctx, const char **patterns, GPtrArray *out)
{
	gpgme_key_t k = NULL;
	gpgme_error_t e = gpgme_op_keylist_ext_start(ctx, patterns, 0, 0);

	while (!e && !(e = gpgme_op_keylist_next(ctx, &k))) {
		const char *fpr = k->fpr ? k->fpr : k->subkeys ? k->subkeys->fpr : NULL;
		char *up = fpr ? g_ascii_strup(fpr, -1) : NULL;

		if (up && !g_ptr_array_find_with_equal_func(out, up, g_str_equal, NULL))
			g_ptr_array_add(out, up);
		else
			g_free(up);
		gpgme_key_unref(k);
	}
	gpgme_op_keylist_end(ctx);
	return gpgme_err_code(e) == GPG_ERR_EOF ? 0 : -1;
}

static int keys_holding(struct crypto *c, const char *addr, GPtrArray **fprs)
{
	/* a pattern that starts with one of these signs means something else to
	 * GnuPG (an exact match, a key ID...): such an address is looked for by
	 * none; nor one over the bound, before any IDNA work on it */
	gboolean usable = addr[0] && !strchr("<@=*#&+^.~!: \t", addr[0]) &&
			  strlen(addr) <= MAX_ADDRESS_LEN;
	const char *at = usable ? strrchr(addr, '@') : NULL;
	char *ascii = at ? g_hostname_to_ascii(at + 1) : NULL;
	char *uni = at ? g_hostname_to_unicode(at + 1) : NULL;
	char *a = ascii ? g_strdup_printf("%.*s@%s", (int)(at - addr), addr, ascii) : NULL;
	char *u = uni ? g_strdup_printf("%.*s@%s", (int)(at - addr), addr, uni) : NULL;
	const char *patterns[] = { addr, a, u, NULL };
	int rc;

	*fprs = g_ptr_array_new_with_free_func(g_free);
	if (!at) {
		rc = 0;
		goto out;
	}
	if (!a || strcmp(a, addr) == 0)	/* the array stops at its first NULL */
		patterns[1] = u && strcmp(u, addr) != 0 ? u : NULL;
	else if (!u || strcmp(u, addr) == 0 || strcmp(u, a) == 0)
		patterns[2] = NULL;
	rc = list_holding(c->pgp, patterns, *fprs) < 0 ? -1 : 0;
	if (rc == 0 && list_holding(c->cms, patterns, *fprs) < 0)
		rc = -1;
out:
	if (rc < 0) {
		g_ptr_array_unref(*fprs);
		*fprs = NULL;
	}
	g_free(ascii);
	g_free(uni);
	g_free(a);
	g_free(u);
	return rc;
}

int crypto_keys_holding(struct crypto *c, const char *addr, GPtrArray **fprs)
{
	if (c->engine)
		return crypto_client_keys_holding(c, addr, fprs);
	return keys_holding(c, addr, fprs);
}

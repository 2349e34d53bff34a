/* crypto-trust.c - the S/MIME trust the robot gives: the root a
 * certificate's chain ends in (as gpgsm holds the chain), and that root
 * marked trusted in the robot's GNUPGHOME/trustlist.txt (gpg-agent's list;
 * rewritten durably, once per root), after which gpg-agent reads it again.
 * Used for the robot's own certificate (crypto-keys.c, crypto-keys-import.c)
 * and for enrolled signers' (crypto-import.c). Input: fingerprints and the
 * subject written as a comment (bounded, control characters made spaces). */
#include <string.h>
#include "crypto-internal.h"

#define MAX_CHAIN 8		/* issuers followed up to a root */

/* Asks gpg-agent to read trustlist.txt again (it reads it once). */
static int agent_reload(const char *home, char **err)
{
	const char *argv[] = {
		crypto_engine_path(GPGME_PROTOCOL_GPGCONF, "gpgconf"), "--homedir", home,
		"--reload", "gpg-agent", NULL
	};
	GBytes *out = crypto_run_tool(argv, NULL, err);

	if (!out)
		return -1;
	g_bytes_unref(out);
	return 0;
}

/* Whether line names fpr (gpg-agent's format: "!" for untrusted, 40 hex
 * digits with optional colons, then flags): 1 trusted, -1 marked
 * untrusted, 0 not named. */
static int trust_line_names(const char *line, const char *fpr)
{
	int bang = *line == '!';
	size_t n = 0;

	for (const char *p = line + bang; *p && *p != ' ' && *p != '\t'; p++) {
		if (*p == ':')
			continue;
		if (!fpr[n] || g_ascii_toupper(*p) != g_ascii_toupper(fpr[n]))
			return 0;
		n++;
	}
	return fpr[n] != '\0' ? 0 : bang ? -1 : 1;
}

/* Where fpr stands in text (trustlist.txt): as trust_line_names. */
static int trustlist_find(const char *text, const char *fpr)
{
	gchar **lines = g_strsplit(text, "\n", 0);
	int found = 0;

	for (gchar **l = lines; *l && !found; l++)
		found = trust_line_names(g_strstrip(*l), fpr);
	g_strfreev(lines);
	return found;
}

/* The subject of the certificate fpr, for the comment; "" when unknown. */
static char *subject_of(struct crypto *c, const char *fpr)
{
	gpgme_key_t k = NULL;
	char *subject = g_strdup(
		!gpgme_get_key(c->cms, fpr, &k, 0) && k->uids && k->uids->uid ? k->uids->uid : "");

	if (k)
		gpgme_key_unref(k);
	return subject;
}

int crypto_trust_root(struct crypto *c, const char *fpr, char **err)
{
	char *path = g_build_filename(c->home, "trustlist.txt", NULL);
	char *old = NULL, *text = NULL, *subject = NULL;
	GError *gerr = NULL;
	int found, rc = 0;

	if (!g_file_get_contents(path, &old, NULL, NULL))
		old = g_strdup("");
	if ((found = trustlist_find(old, fpr)) < 0) {
		*err = g_strdup_printf("the root certificate %s is marked untrusted (!) in %s",
				       fpr, path);
		rc = -1;
	} else if (found == 0) {
		subject = subject_of(c, fpr);
		text = g_strdup_printf("%s%s# %.200s\n%s S\n", old,
				       *old && !g_str_has_suffix(old, "\n") ? "\n" : "", subject,
				       fpr);
		for (char *p = strchr(text + strlen(old), '#'); p && *p != '\n'; p++)
			if ((unsigned char)*p < ' ')
				*p = ' ';
		if (!g_file_set_contents_full(path, text, -1,
					      G_FILE_SET_CONTENTS_CONSISTENT |
						      G_FILE_SET_CONTENTS_DURABLE,
					      0600, &gerr)) {
			*err = g_strdup_printf("%s: %s", path, gerr->message);
			g_error_free(gerr);
			rc = -1;
		} else {
			rc = agent_reload(c->home, err);
		}
	}
	g_free(subject);
	g_free(text);
	g_free(old);
	g_free(path);
	return rc;
}

int crypto_cms_root(struct crypto *c, const char *fpr, const char *how, char root[CRYPTO_FPR_LEN],
		    char **err)
{
	char *cur = g_ascii_strup(fpr, -1);
	gpgme_keylist_mode_t mode = gpgme_get_keylist_mode(c->cms);
	int rc = 1;

	/* the chain as stored: no validation, which needs the root trusted */
	gpgme_set_keylist_mode(c->cms, mode & ~(gpgme_keylist_mode_t)GPGME_KEYLIST_MODE_VALIDATE);
	for (int depth = 0; depth < MAX_CHAIN && rc > 0; depth++) {
		gpgme_key_t k = NULL;
		gpgme_error_t e = gpgme_get_key(c->cms, cur, &k, 0);

		if (e) {
			*err = crypto_gpgme_error(cur, e);
			rc = gpgme_err_code(e) == GPG_ERR_EOF ? -1 : -2;	/* -2: gpgsm's */
		} else if (!k->chain_id) {
			*err = g_strdup_printf(
				"the issuer of %s (%.200s) is not known: give the issuing "
				"certificates %s",
				cur, k->issuer_name ? k->issuer_name : "?", how);
			rc = -1;
		} else if (g_ascii_strcasecmp(k->chain_id, cur) == 0) {
			g_strlcpy(root, cur, CRYPTO_FPR_LEN);
			rc = 0;
		} else {
			g_free(cur);
			cur = g_ascii_strup(k->chain_id, -1);
		}
		if (k)
			gpgme_key_unref(k);
	}
	gpgme_set_keylist_mode(c->cms, mode);
	if (rc > 0) {
		*err = g_strdup_printf("the chain of %s is longer than %d certificates", fpr,
				       MAX_CHAIN);
		rc = -1;
	}
	g_free(cur);
	return rc;
}

/* crypto-trust.c - marks a root certificate trusted for S/MIME in the
 * robot's GNUPGHOME/trustlist.txt (gpg-agent's list; rewritten durably,
 * once per root) and has gpg-agent read it again. Input: a fingerprint
 * and the subject written as a comment (bounded, control characters made
 * spaces). 0, or -1 with *err. */
#include <string.h>
#include "crypto-internal.h"

/* Asks gpg-agent to read trustlist.txt again (it reads it once). */
static int agent_reload(const char *home, char **err)
{
	const char *argv[] = { crypto_engine_path(GPGME_PROTOCOL_GPGCONF, "gpgconf"), "--homedir", home, "--reload",
			       "gpg-agent", NULL };
	GBytes *out = crypto_run_tool(argv, NULL, err);

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
int crypto_trust_root(const char *home, const char *fpr, const char *subject, char **err)
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

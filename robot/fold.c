/* fold.c - folds people's words for comparison (NFKC, case folding, no
 * direction marks), so that "ＡＩＤＥ", "aide" and "Aide" are one word.
 * Input: any text from mail. Never fails. */
#include <glib.h>
#include "fold.h"

static int invisible(gunichar c)
{
	return c == 0x200B || c == 0x200C || c == 0x200D || c == 0x200E || c == 0x200F ||
	       c == 0x061C || c == 0xFEFF || c == 0x00AD || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069);
}

char *fold_text(const char *s)
{
	char *valid = g_utf8_make_valid(s, -1);
	char *nfkc = g_utf8_normalize(valid, -1, G_NORMALIZE_NFKC);
	char *folded = g_utf8_casefold(nfkc ? nfkc : "", -1);
	GString *out = g_string_new(NULL);
	gboolean space = FALSE;

	for (const char *p = folded; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (invisible(c))
			continue;
		if (g_unichar_isspace(c)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_unichar(out, c);
	}
	g_free(valid);
	g_free(nfkc);
	g_free(folded);
	return g_string_free(out, FALSE);
}

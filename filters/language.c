/* language.c - guesses the language of a message that names no command,
 * so that the help it gets is in its own language. Input: any text (only
 * the first LANGUAGE_SCAN_BYTES are read). Never fails: English when
 * nothing tells. */
#include <string.h>
#include <glib.h>
#include "language.h"
#include "../robot/fold.h"
#include "../robot/limits.h"

/* Words frequent in one Latin-script language and rare in the others. */
static const struct {
	const char *lang;
	const char *const words[12];
} latin[] = {
	{ "en",
	  { "the", "and", "is", "of", "to", "you", "we", "please", "with", "this", "for", NULL } },
	{ "fr",
	  { "le", "les", "et", "est", "vous", "nous", "des", "une", "pour", "avec", "merci",
	    NULL } },
	{ "es",
	  { "el", "los", "las", "y", "es", "usted", "por", "una", "con", "para", "gracias",
	    NULL } },
};

static int count_word(char *const *tokens, const char *word)
{
	int n = 0;

	for (char *const *t = tokens; *t; t++)
		n += strcmp(*t, word) == 0;
	return n;
}

/* The language of a script, or NULL for Latin and others. */
static const char *by_script(const char *text)
{
	int arabic = 0, cyrillic = 0, han = 0, letters = 0;

	for (const char *p = text; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		GUnicodeScript s = g_unichar_get_script(c);

		if (!g_unichar_isalpha(c))
			continue;
		letters++;
		arabic += s == G_UNICODE_SCRIPT_ARABIC;
		cyrillic += s == G_UNICODE_SCRIPT_CYRILLIC;
		han += s == G_UNICODE_SCRIPT_HAN;
	}
	if (letters == 0)
		return NULL;
	if (arabic * 3 > letters)
		return "ar";
	if (cyrillic * 3 > letters)
		return "ru";
	if (han * 5 > letters)
		return "zh";
	return NULL;
}

void language_guess(const char *text, char lang[8])
{
	char *head = g_utf8_make_valid(text, MIN((gssize)strlen(text), LANGUAGE_SCAN_BYTES));
	char *folded = fold_text(head);
	const char *best = by_script(folded);
	int best_score = 0;

	if (!best) {
		char **tokens = g_regex_split_simple("[^\\p{L}]+", folded, 0, 0);

		best = "en";
		for (size_t i = 0; i < G_N_ELEMENTS(latin); i++) {
			int score = 0;

			for (const char *const *w = latin[i].words; *w; w++)
				score += count_word(tokens, *w);
			if (score > best_score) {
				best_score = score;
				best = latin[i].lang;
			}
		}
		g_strfreev(tokens);
	}
	g_strlcpy(lang, best, 8);
	g_free(folded);
	g_free(head);
}

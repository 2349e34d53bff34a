/* langs.c - the list of the robot's six languages, written once. Input: a
 * language code from a command line, a database row or a template. */
#include <string.h>
#include "langs.h"

const char *const langs_all[LANGS_N] = { "en", "fr", "es", "ru", "zh", "ar" };

int langs_index(const char *lang)
{
	for (int i = 0; lang && i < LANGS_N; i++)
		if (strcmp(lang, langs_all[i]) == 0)
			return i;
	return -1;
}

const char *langs_known(const char *lang)
{
	int i = langs_index(lang);

	return i < 0 ? NULL : langs_all[i];
}

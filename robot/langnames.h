/* langnames.h - the names of the world's most used languages in the six UN
 * languages, with their ISO 639 codes (db/languages.tsv, compiled in). */
#ifndef POCBOT_LANGNAMES_H
#define POCBOT_LANGNAMES_H

/* Resolves a language name in any of the six languages, an alias, or an
 * ISO 639-1, 639-2 or 639-3 code (after folding; accents, case and the
 * Arabic article do not matter) to its ISO 639-1 code, or 639-3 when it has
 * none. 0 and code filled, or -1 when unknown (or the data is unusable). */
int langnames_find(const char *name, char code[8]);

/* The name of code in lang ("en", "fr", "es", "ru", "zh", "ar"), or NULL.
 * Borrowed, static. */
const char *langnames_name(const char *code, const char *lang);

/* How many languages are known (0 when the data is unusable). */
unsigned langnames_count(void);

#endif

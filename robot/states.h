/* states.h - the reference data of the States that may take part: the 193
 * Member States of the United Nations and the two observer States, with
 * their ISO 3166-1 codes and their names in the six UN languages. */
#ifndef POCBOT_STATES_H
#define POCBOT_STATES_H

#include <stddef.h>

#include "langs.h"	/* the name columns are in the order of langs_all */

struct state {
	char alpha2[3];			/* the canonical code, upper case */
	char alpha3[4];
	int observer;			/* 0: Member State; 1: observer State */
	const char *name[LANGS_N];	/* UN short names, as langs_all */
	const char *const *aliases;	/* other names and short forms, NULL-terminated */
};

struct states;

/* The reference data compiled in from db/states.tsv, parsed on the first
 * call and shared (read-only, thread-safe) by every later one. NULL, with
 * *err set (g_free it), when the compiled-in data is unusable. */
const struct states *states_load(char **err);

/* Parses a TSV in the format of db/states.tsv (header line, then one State a
 * line). NULL with *err (g_free it) on a malformed line or a code given
 * twice. Names shared by two States do not fail: see states_ambiguities. */
struct states *states_parse(const char *tsv, char **err);
void states_free(struct states *ref);

/* Resolves an alpha-2 or alpha-3 code, or any name or alias in any language
 * (after fold_text, punctuation made spaces; also without accents and
 * without a leading article), to the canonical alpha-2 code. 0 and code
 * filled, or -1: unknown, or a name of several States. */
int states_find(const struct states *ref, const char *text, char code[3]);

/* The State with alpha-2 code (either case), or NULL. */
const struct state *states_get(const struct states *ref, const char *code);

/* The UN short name of code in lang ("en", "fr", "es", "ru", "zh", "ar"),
 * or NULL for an unknown code or language. Borrowed from ref. */
const char *states_name(const struct states *ref, const char *code, const char *lang);

size_t states_count(const struct states *ref);
const struct state *states_at(const struct states *ref, size_t i);

/* Lookup keys that name more than one State, each as "KEY: AA BB", found
 * at load and left unresolvable; NULL-terminated, empty when the data is
 * sound. Borrowed from ref. */
const char *const *states_ambiguities(const struct states *ref);

#endif

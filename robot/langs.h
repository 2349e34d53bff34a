/* langs.h - the six languages the robot writes and reads: the UN's six
 * official languages, in the UN's order (en fr es ru zh ar), which is also
 * the order of the name columns of db/states.tsv and db/languages.tsv. */
#ifndef POCBOT_LANGS_H
#define POCBOT_LANGS_H

#define LANGS_N 6

/* "en", "fr", "es", "ru", "zh", "ar". */
extern const char *const langs_all[LANGS_N];

/* lang's place in langs_all when lang is one of the six (exactly), else -1
 * (NULL too). */
int langs_index(const char *lang);

/* lang's entry of langs_all when lang is one of the six (exactly), else
 * NULL (NULL too). */
const char *langs_known(const char *lang);

#endif

/* language.h - which of the six languages a text is written in. */
#ifndef POCBOT_LANGUAGE_H
#define POCBOT_LANGUAGE_H

/* Guesses the language of text among ar en es fr ru zh: by script for
 * Arabic, Cyrillic and Han, by common words for the Latin ones; "en"
 * when nothing tells. Copies the code into lang (8 bytes). */
void language_guess(const char *text, char lang[8]);

#endif

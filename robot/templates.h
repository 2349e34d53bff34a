/* templates.h - what the robot says, in every language of templates/<lang>/.
 *
 * Templates are compiled in from templates/<lang>/<name>.txt. A template
 * starts with "Subject: ..." and a blank line, then the body. Placeholders
 * are {{name}}; {{#name}}...{{/name}} is kept only when name has a value
 * (the secretariat's address: [robot] custodian); anything else is text.
 * words.txt lists the words the robot recognises in that language:
 * "key: word, word, ...". */
#ifndef POCBOT_TEMPLATES_H
#define POCBOT_TEMPLATES_H

#include <glib.h>

struct templates;

struct templates *templates_load(void);
void templates_free(struct templates *t);

/* The language codes there are folders for, sorted. Borrowed. */
const GPtrArray *templates_languages(const struct templates *t);

/* The raw text of templates/<lang>/<name>.txt, or NULL. Borrowed. */
const char *templates_get(const struct templates *t, const char *lang, const char *name);

/* Looks word up (after NFKC and case folding) among the words listed for
 * key in every language. Returns 1 and copies the language into lang
 * (8 bytes) when found, else 0. */
int templates_match_word(const struct templates *t, const char *key,
			 const char *word, char lang[8]);

/* 1 when text contains (after folding) any word listed for key. */
int templates_text_has_word(const struct templates *t, const char *key, const char *text);

/* Which language a code or name means: "fr", "french", "français",
 * "французский", "法语" -> "fr". 1 when known, else 0. */
int templates_language_of(const struct templates *t, const char *name, char lang[8]);

/* The text after "key:" on its line of templates/<lang>/<name>.txt (a
 * file of "key: text" lines), falling back to English; NULL when none.
 * g_free it. */
char *templates_phrase(const struct templates *t, const char *lang, const char *name,
		       const char *key);

/* A label: the first word templates/<lang>/words.txt lists for key (as
 * templates_phrase, falling back to English), or key itself when none.
 * g_free it. */
char *templates_label(const struct templates *t, const char *lang, const char *key);

/* A layout phrase of templates/<lang>/layout.txt (punctuation and order
 * of the pieces of a reply, as templates_phrase) with its {{name}}s filled
 * from vars: name, value, name, value..., NULL. The key itself when the
 * phrase is missing or a placeholder has no value. g_free it. */
char *templates_layout(const struct templates *t, const char *lang, const char *key,
		       const char *const *vars);

/* Renders a template: {{name}} replaced by vars[name]. Values are inserted
 * as they are, never interpreted. {{#name}}text{{/name}} is text when
 * vars[name] is set and not empty, else nothing (not nested). NULL with
 * *err when a placeholder has no value or a {{ or a section is not closed.
 * g_free the result. */
char *template_render(const char *tmpl, GHashTable *vars, char **err);

/* Splits a rendered template into subject and body. 0, or -1 when the
 * "Subject:" line is missing. g_free both. */
int template_split(const char *text, char **subject, char **body);

/* templates/<lang>/<name>.txt (English when lang has none) rendered with
 * vars and split into subject and body (g_free both). 0, or -1 with the
 * reason logged. */
int templates_message(const struct templates *t, const char *lang, const char *name,
		      GHashTable *vars, char **subject, char **body);

#endif

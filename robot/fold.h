/* fold.h - the one comparison form of words typed by people. */
#ifndef POCBOT_FOLD_H
#define POCBOT_FOLD_H

/* s after NFKC normalisation and case folding, with direction marks and
 * zero-width characters dropped, runs of spaces made one, and ends
 * trimmed. Invalid UTF-8 is repaired first. g_free it. */
char *fold_text(const char *s);

#endif

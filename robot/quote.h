/* quote.h - the "> " prefixes of quoted reply lines (DESIGN.md section 5:
 * quoted replies parse like the text they quote). */
#ifndef POCBOT_QUOTE_H
#define POCBOT_QUOTE_H

#include <glib.h>

/* line after its quote prefixes: every run of spaces and tabs, each
 * followed by a ">", is skipped, and so are the spaces and tabs before the
 * text. *quoted (may be NULL) is TRUE when at least one ">" was skipped.
 * Borrowed from line; never NULL. */
const char *quote_strip(const char *line, gboolean *quoted);

#endif

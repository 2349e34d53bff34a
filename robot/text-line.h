/* text-line.h - reading one line of a form or request (text-line.c). */
#ifndef POCBOT_TEXT_LINE_H
#define POCBOT_TEXT_LINE_H

#include <glib.h>

/* text (NULL: "") split into lines at LF, each without a CR that ended
 * it. g_strfreev it. */
gchar **text_lines(const char *text);

/* line, bounded to MAX_QUOTED_LINE bytes on a character boundary, with
 * control and bidi-override characters shown as U+FFFD. g_free it. */
char *text_line_quote(const char *line);

/* The folded line without decoration around a title ("*NOMINATE:*" gives
 * "nominate"). g_free it. */
char *text_line_bare_words(const char *line);

/* The first colon of line (ASCII, full-width, small), or NULL; *len its
 * size in bytes. */
const char *text_line_colon(const char *line, size_t *len);

/* 1 when folded (the text before a colon) is short enough to be a label,
 * not a sentence. */
int text_line_label_like(const char *folded);

#endif

/* wrap.c - fills paragraphs for the robot's replies, so that a reason
 * inserted into a template keeps the template's line length. Input:
 * UTF-8 text from templates (valid by construction). Never fails. */
#include <glib.h>
#include "wrap.h"

static int columns(gunichar c)
{
	return g_unichar_iswide(c) ? 2 : 1;
}

/* Appends one line of text (no '\n' in it), filled to width. */
static void fill_line(GString *out, const char *line, int width)
{
	const char *p = line, *start = line, *space = NULL;
	int col = 0;

	while (*p) {
		gunichar c = g_utf8_get_char(p);

		if (c == ' ')
			space = p;
		col += columns(c);
		if (col > width && p > start) {
			const char *cut = space && space > start ? space : p;

			g_string_append_len(out, start, cut - start);
			g_string_append_c(out, '\n');
			start = cut == space ? space + 1 : cut;
			p = start;
			space = NULL;
			col = 0;
			continue;
		}
		p = g_utf8_next_char(p);
	}
	g_string_append(out, start);
}

char *wrap_text(const char *text, int width)
{
	gchar **lines = g_strsplit(text, "\n", -1);
	GString *out = g_string_new(NULL);

	for (gchar **l = lines; *l; l++) {
		if (l != lines)
			g_string_append_c(out, '\n');
		fill_line(out, *l, width);
	}
	g_strfreev(lines);
	return g_string_free(out, FALSE);
}

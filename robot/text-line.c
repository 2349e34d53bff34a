/* text-line.c - what the line readers of forms (form.c) and requests
 * (lookup-parse.c) share: the text's lines, a verb line's bare words, a "Label: value"
 * line's colon and label, and a line quoted back safely in an error.
 * Input: lines of mail text from anyone, already UTF-8. */
#include <string.h>
#include "text-line.h"
#include "fold.h"
#include "limits.h"

gchar **text_lines(const char *text)
{
	gchar **lines = g_strsplit(text ? text : "", "\n", 0);

	for (gchar **l = lines; *l; l++) {
		size_t len = strlen(*l);

		if (len && (*l)[len - 1] == '\r')
			(*l)[len - 1] = '\0';
	}
	return lines;
}

/* line, bounded to MAX_QUOTED_LINE bytes on a character boundary, with
 * control and bidi-override characters shown as U+FFFD. */
char *text_line_quote(const char *line)
{
	char *valid = g_utf8_make_valid(line, -1);
	GString *out = g_string_new(NULL);

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		char buf[8];
		int n;

		if (c != '\t' && (g_unichar_iscntrl(c) || (c >= 0x202A && c <= 0x202E) ||
				  (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029))
			c = 0xFFFD;
		n = g_unichar_to_utf8(c, buf);
		if (out->len + (size_t)n > MAX_QUOTED_LINE)
			break;
		g_string_append_len(out, buf, n);
	}
	g_free(valid);
	return g_string_free(out, FALSE);
}

/* The folded line without decoration around a title: "*NOMINATE:*". */
char *text_line_bare_words(const char *line)
{
	char *folded = fold_text(line);
	char *s = folded, *end;

	while (*s && strchr("*_:.#=", *s))
		s++;
	end = s + strlen(s);
	while (end > s && strchr("*_:.#= ", end[-1]))
		end--;
	s = g_strndup(s, (gsize)(end - s));
	g_free(folded);
	return s;
}

/* The first colon of line (ASCII, full-width, small), or NULL; *len its size. */
const char *text_line_colon(const char *line, size_t *len)
{
	for (const char *p = line; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == ':' || c == 0xFF1A || c == 0xFE55 || c == 0xFE13) {
			*len = (size_t)(g_utf8_next_char(p) - p);
			return p;
		}
	}
	return NULL;
}

/* Is label (before a colon) short enough to be a label, not a sentence? */
int text_line_label_like(const char *folded)
{
	int words = 1;

	if (!*folded || g_utf8_strlen(folded, -1) > MAX_LABEL_LEN)
		return 0;
	for (const char *p = folded; *p; p++)
		words += *p == ' ';
	return words <= 5;
}

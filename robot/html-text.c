/* html-text.c - a small HTML-to-text reduction for HTML-only mail. Input:
 * untrusted HTML of any shape; output is always a valid UTF-8 string. */
#include <string.h>
#include <glib.h>
#include "html-text.h"

static const char *const block_tags[] = {
	"br", "p", "/p", "div", "/div", "tr", "/tr", "li", "h1", "h2", "h3", "/h1", "/h2", "/h3",
	"blockquote", "/blockquote"
};

static int tag_is(const char *tag, size_t len, const char *name)
{
	return strlen(name) == len && g_ascii_strncasecmp(tag, name, len) == 0;
}

/* Skips from p (just after '<') past the matching '>'; appends a newline for
 * block tags; *skip_to is set for <script> and <style>. */
static const char *tag(const char *p, GString *out, const char **skip_to)
{
	const char *end = strchr(p, '>');
	size_t len = strcspn(p, " \t\r\n/>");

	if (p[0] == '/')
		len = 1 + strcspn(p + 1, " \t\r\n>");
	if (!end)
		return p + strlen(p);
	for (size_t i = 0; i < G_N_ELEMENTS(block_tags); i++)
		if (tag_is(p, len, block_tags[i]))
			g_string_append_c(out, '\n');
	if (tag_is(p, len, "script"))
		*skip_to = "</script";
	else if (tag_is(p, len, "style"))
		*skip_to = "</style";
	return end + 1;
}

static const char *entity(const char *p, GString *out)
{
	static const struct { const char *name, *text; } names[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" },
		{ "&apos;", "'" }, { "&nbsp;", " " },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_ascii_strncasecmp(p, names[i].name, strlen(names[i].name)) == 0) {
			g_string_append(out, names[i].text);
			return p + strlen(names[i].name);
		}
	if (p[1] == '#') {
		char *end;
		gboolean hex = p[2] == 'x' || p[2] == 'X';
		guint64 c = g_ascii_strtoull(p + (hex ? 3 : 2), &end, hex ? 16 : 10);

		if (*end == ';' && c > 0 && c < 0x110000 && g_unichar_validate((gunichar)c)) {
			g_string_append_unichar(out, (gunichar)c);
			return end + 1;
		}
	}
	g_string_append_c(out, '&');
	return p + 1;
}

char *html_to_text(const char *html)
{
	GString *out = g_string_new(NULL);
	const char *p = html, *skip_to = NULL;

	while (*p) {
		if (skip_to) {
			const char *e = strstr(p, skip_to);
			if (!e)
				break;
			p = e + 1;
			skip_to = NULL;
		} else if (*p == '<') {
			p = tag(p + 1, out, &skip_to);
		} else if (*p == '&') {
			p = entity(p, out);
		} else {
			g_string_append_c(out, *p == '\r' ? '\n' : *p);
			p++;
		}
	}
	if (!g_utf8_validate(out->str, (gssize)out->len, NULL)) {
		char *fixed = g_utf8_make_valid(out->str, (gssize)out->len);
		g_string_free(out, TRUE);
		return fixed;
	}
	return g_string_free(out, FALSE);
}

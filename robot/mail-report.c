/* mail-report.c - the GMime adapter's reading of reports: the text of a
 * message/delivery-status or message/disposition-notification part, the
 * headers of the message a bounce returns, and all the explaining text of
 * a bounce. Input: bounces and notices from any mail system, often broken.
 * Nothing here fails: what cannot be read is NULL or "". */
#include <string.h>
#include <gmime/gmime.h>
#include "mail-internal.h"
#include "mail-report.h"
#include "html-text.h"
#include "limits.h"

/* Calls visit on every leaf and message part under o, message/rfc822
 * contents not entered, depth and count bounded; stops when it returns 1. */
typedef int visit_fn(GMimeObject *o, void *data);

struct walker { visit_fn *visit; void *data; int count; int enter_messages; };

static int walk(GMimeObject *o, int level, struct walker *w)
{
	if (!o || level > MAX_MIME_DEPTH || ++w->count > MAX_MIME_PARTS)
		return 0;
	if (GMIME_IS_MULTIPART(o)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (int i = 0; i < n; i++)
			if (walk(g_mime_multipart_get_part(GMIME_MULTIPART(o), i), level + 1, w))
				return 1;
		return 0;
	}
	if (w->visit(o, w->data))
		return 1;
	if (w->enter_messages && GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		return inner && walk(g_mime_message_get_mime_part(inner), level + 1, w);
	}
	return 0;
}

/* Calls visit on every leaf and message part of m, depth and count
 * bounded, until it returns 1; enter_messages: the content of
 * message/rfc822 parts too. */
static void walk_mail(const struct mail *m, visit_fn *visit, void *data, int enter_messages)
{
	struct walker w = { visit, data, 0, enter_messages };

	walk(g_mime_message_get_mime_part(m->msg), 1, &w);
}

/* s made valid UTF-8 (GMime's fallback charsets first) and cut to at most
 * max bytes at a character boundary. Takes s. */
static char *valid_text(const struct mail *m, char *s, size_t max)
{
	s = mail_valid_utf8(m, s);
	if (strlen(s) > max) {
		const char *end = g_utf8_find_prev_char(s, s + max + 1);
		s[end ? end - s : 0] = '\0';
	}
	return s;
}

/* The decoded bytes of a leaf part (transfer encoding undone), as a
 * string. g_free it. */
static char *part_bytes(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *s;
	GByteArray *ba;
	char *out;

	if (!w)
		return g_strdup("");
	s = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, s);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	out = g_strndup((const char *)ba->data, MIN(ba->len, 4 * REPORT_TEXT_BYTES));
	g_object_unref(s);
	return out;
}

/* The headers and body of a message part as text. g_free it. */
static char *message_part_text(GMimeMessagePart *mp)
{
	GMimeMessage *inner = g_mime_message_part_get_message(mp);
	char *text = NULL;

	if (inner && g_mime_message_get_mime_part(inner))
		text = g_mime_object_to_string(GMIME_OBJECT(inner), NULL);
	else if (inner)
		text = g_mime_object_get_headers(GMIME_OBJECT(inner), NULL);
	return text ? text : g_strdup("");
}

struct find { const char *type; GMimeObject *found; };

static int find_visit(GMimeObject *o, void *data)
{
	struct find *f = data;

	if (!mail_part_is(o, f->type))
		return 0;
	f->found = o;
	return 1;
}

char *mail_report_part(const struct mail *m, const char *type)
{
	struct find f = { type, NULL };

	walk_mail(m, find_visit, &f, 0);
	if (!f.found)	/* a report forwarded as an attachment */
		walk_mail(m, find_visit, &f, 1);
	if (!f.found)
		return NULL;
	if (GMIME_IS_PART(f.found))
		return valid_text(m, part_bytes(GMIME_PART(f.found)), REPORT_TEXT_BYTES);
	if (GMIME_IS_MESSAGE_PART(f.found))
		return valid_text(m, message_part_text(GMIME_MESSAGE_PART(f.found)),
				  REPORT_TEXT_BYTES);
	return NULL;
}

char *mail_report_returned_headers(const struct mail *m)
{
	static const char *const message_types[] = { "message/rfc822", "message/global", NULL };
	struct find f = { NULL, NULL };
	GMimeMessage *inner;

	for (const char *const *t = message_types; *t && !f.found; t++) {
		f.type = *t;
		walk_mail(m, find_visit, &f, 0);
	}
	if (f.found && GMIME_IS_MESSAGE_PART(f.found) &&
	    (inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(f.found))))
		return valid_text(m, g_mime_object_get_headers(GMIME_OBJECT(inner), NULL),
				  REPORT_TEXT_BYTES);
	if (f.found &&
	    GMIME_IS_PART(f.found)) /* not parsed as a message: its bytes start with the headers */
		return valid_text(m, part_bytes(GMIME_PART(f.found)), REPORT_TEXT_BYTES);
	f.type = "text/rfc822-headers";
	f.found = NULL;
	walk_mail(m, find_visit, &f, 0);
	if (f.found && GMIME_IS_PART(f.found))
		return valid_text(m, part_bytes(GMIME_PART(f.found)), REPORT_TEXT_BYTES);
	return NULL;
}

struct texts { const struct mail *m; GString *plain; GMimeObject *html; };

static int text_visit(GMimeObject *o, void *data)
{
	struct texts *t = data;
	char *text;

	if (!GMIME_IS_TEXT_PART(o) || t->plain->len >= REPORT_TEXT_BYTES)
		return t->plain->len >= REPORT_TEXT_BYTES;
	if (mail_part_is(o, "text/html")) {
		if (!t->html)
			t->html = o;
		return 0;
	}
	if (!mail_part_is(o, "text/plain"))
		return 0;
	text = g_mime_text_part_get_text(GMIME_TEXT_PART(o));
	if (text) {
		text = valid_text(t->m, text, REPORT_TEXT_BYTES);
		if (t->plain->len)
			g_string_append(t->plain, "\n\n");
		g_string_append(t->plain, text);
		g_free(text);
	}
	return 0;
}

char *mail_report_text(const struct mail *m)
{
	struct texts t = { m, g_string_new(NULL), NULL };
	GMimeObject *body = g_mime_message_get_mime_part(m->msg);
	char *html, *text;

	walk_mail(m, text_visit, &t, 0);
	if (t.plain->len == 0 && !t.html && GMIME_IS_MULTIPART(body)) {
		/* a boundary that never comes: everything is in the prologue */
		const char *prologue = g_mime_multipart_get_prologue(GMIME_MULTIPART(body));
		if (prologue)
			g_string_append_len(t.plain, prologue,
					    MIN((gssize)strlen(prologue), REPORT_TEXT_BYTES));
	}
	if (t.plain->len == 0 && t.html) {
		html = g_mime_text_part_get_text(GMIME_TEXT_PART(t.html));
		html = html ? valid_text(m, html, REPORT_TEXT_BYTES) : NULL;
		text = html ? html_to_text(html) : NULL;
		g_free(html);
		if (text)
			g_string_append(t.plain, text);
		g_free(text);
	}
	return valid_text(m, g_string_free(t.plain, FALSE), REPORT_TEXT_BYTES);
}

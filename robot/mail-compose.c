/* mail-compose.c - the GMime adapter's writing half: the robot's own
 * messages, as text (mail_compose) or written to a file descriptor with
 * attachments streamed from their files (mail_compose_to_fd), so that a
 * large extract never sits whole in memory. Input: fields the robot chose,
 * some of them from mail (a subject answered): a field that would put CR
 * or LF into a header, or text that is not UTF-8, is refused. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "mail-internal.h"
#include "envelope.h"

static int header_safe(const char *v)
{
	return !v || (!strpbrk(v, "\r\n") && g_utf8_validate(v, -1, NULL));
}

static void set_header(GMimeMessage *msg, const char *name, const char *value)
{
	g_mime_object_set_header(GMIME_OBJECT(msg), name, value, "utf-8");
}

/* text with CRLF line ends: the canonical form, which base64 keeps as is. */
static char *crlf_lines(const char *text)
{
	GString *s = g_string_new(NULL);

	for (const char *p = text; *p; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			g_string_append_c(s, '\r');
		g_string_append_c(s, *p);
	}
	return g_string_free(s, FALSE);
}

/* 7bit when it is safe, else quoted-printable or base64 (GMime's choice).
 * A signed body must survive every relay: a line starting "From " or
 * ending in white space is changed by some (RFC 3156 5.1), so such text
 * goes quoted-printable. */
static GMimeContentEncoding body_encoding(GMimePart *part, const char *text)
{
	GMimeContentEncoding best =
		g_mime_part_get_best_content_encoding(part, GMIME_ENCODING_CONSTRAINT_7BIT);

	if (best != GMIME_CONTENT_ENCODING_7BIT)
		return best;
	for (const char *line = text; line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t len = strcspn(line, "\n");

		if (g_str_has_prefix(line, "From ") ||
		    (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t')))
			return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	}
	return best;
}

/* A text/plain part holding body as UTF-8. (g_mime_text_part_set_text
 * would convert it to the smallest charset that holds it, Latin-1 for
 * French, and relabelling that afterwards would lie.) */
static GMimeObject *text_body(const char *body)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");
	char *canonical = crlf_lines(body);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(canonical, strlen(canonical));
	GMimeDataWrapper *content =
		g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(GMIME_PART(part), content);
	g_object_unref(content);
	g_object_unref(stream);
	g_free(canonical);
	g_mime_text_part_set_charset(part, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(part), body_encoding(GMIME_PART(part), body));
	return GMIME_OBJECT(part);
}

/* An attachment whose content GMime reads from its file when the message
 * is written, base64-encoded on the way. NULL when the file cannot be
 * opened or a field is unsafe. */
static GMimeObject *file_part(const struct outpart *a)
{
	GMimeContentType *ct;
	GMimePart *part;
	GMimeStream *stream;
	GMimeDataWrapper *content;
	int fd;

	if (!header_safe(a->filename) || !header_safe(a->content_type) || !a->path ||
	    !(ct = g_mime_content_type_parse(NULL, a->content_type)))
		return NULL;
	if ((fd = open(a->path, O_RDONLY | O_CLOEXEC)) < 0) {
		g_object_unref(ct);
		return NULL;
	}
	part = g_mime_part_new();
	g_mime_object_set_content_type(GMIME_OBJECT(part), ct);
	g_object_unref(ct);
	stream = g_mime_stream_fs_new(fd);	/* owns fd */
	content = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, content);
	g_object_unref(content);
	g_object_unref(stream);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_object_set_disposition(GMIME_OBJECT(part), "attachment");
	g_mime_part_set_filename(part, a->filename);
	return GMIME_OBJECT(part);
}

/* The body: the text alone, or multipart/mixed of the text and the
 * attachments. NULL when an attachment cannot be read. */
static GMimeObject *body_of(const struct outmsg *o)
{
	GMimeMultipart *mixed;

	if (o->n_parts == 0)
		return text_body(o->body);
	mixed = g_mime_multipart_new_with_subtype("mixed");
	{
		GMimeObject *text = text_body(o->body);

		g_mime_multipart_add(mixed, text);
		g_object_unref(text);
	}
	for (size_t i = 0; i < o->n_parts; i++) {
		GMimeObject *part = file_part(&o->parts[i]);

		if (!part) {
			g_object_unref(mixed);
			return NULL;
		}
		g_mime_multipart_add(mixed, part);
		g_object_unref(part);
	}
	return GMIME_OBJECT(mixed);
}

/* The message as GMime holds it; NULL when a field is unsafe or an
 * attachment unreadable. g_object_unref it. */
static GMimeMessage *build(const struct outmsg *o)
{
	GMimeMessage *msg;
	GMimeObject *body;
	GDateTime *date;

	if (!header_safe(o->from) || !header_safe(o->from_name) || !header_safe(o->to) ||
	    !header_safe(o->subject) || !header_safe(o->message_id) ||
	    !header_safe(o->in_reply_to) || !header_safe(o->references) ||
	    !header_safe(o->loop_id) || !header_safe(o->reply_to) ||
	    !g_utf8_validate(o->body, -1, NULL) || !envelope_address_ok(o->from, 0) ||
	    !envelope_address_ok(o->to, 0) ||
	    (o->reply_to && !envelope_address_ok(o->reply_to, 0)) ||
	    !mail_msgid_ok(o->message_id) || (o->in_reply_to && !mail_msgid_ok(o->in_reply_to)))
		return NULL;
	mail_library_init();
	if (!(body = body_of(o)))
		return NULL;
	msg = g_mime_message_new(TRUE);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, o->from_name, o->from);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL, o->to);
	if (o->reply_to)
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO, NULL, o->reply_to);
	g_mime_message_set_subject(msg, o->subject, "utf-8");
	date = g_date_time_new_from_unix_utc(o->date);
	g_mime_message_set_date(msg, date);
	g_date_time_unref(date);
	g_mime_message_set_message_id(msg, o->message_id);
	if (o->in_reply_to) {
		char *irt = g_strdup_printf("<%s>", o->in_reply_to);
		set_header(msg, "In-Reply-To", irt);
		g_free(irt);
	}
	if (o->references)
		set_header(msg, "References", o->references);
	if (!o->asks_reply)
		set_header(msg, "Auto-Submitted", "auto-replied");
	set_header(msg, MAIL_LOOP_HEADER, o->loop_id);
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);
	return msg;
}

static GMimeFormatOptions *crlf_format(void)
{
	GMimeFormatOptions *fo = g_mime_format_options_new();

	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	return fo;
}

char *mail_compose(const struct outmsg *o, size_t *len)
{
	GMimeMessage *msg = o->n_parts ? NULL : build(o);
	GMimeFormatOptions *fo;
	char *text;

	if (!msg)
		return NULL;
	fo = crlf_format();
	text = g_mime_object_to_string(GMIME_OBJECT(msg), fo);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	*len = strlen(text);
	return text;
}

int mail_compose_to_fd(const struct outmsg *o, int fd)
{
	GMimeMessage *msg = build(o);
	GMimeFormatOptions *fo;
	GMimeStream *out;
	int rc;

	if (!msg)
		return -1;
	fo = crlf_format();
	out = g_mime_stream_fs_new(fd);
	g_mime_stream_fs_set_owner(GMIME_STREAM_FS(out), FALSE);
	rc = 0;
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, out) < 0)
		rc = -1;
	else if (g_mime_stream_flush(out) < 0)
		rc = -1;
	g_object_unref(out);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	return rc;
}

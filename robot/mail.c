/* mail.c - the GMime adapter: parses any bytes into a struct mail and
 * reads what the robot needs from it. Input: whole messages from anyone.
 * Parsing never fails (garbage gives an empty message). The robot's own
 * messages are written by mail-compose.c. */
#include <string.h>
#include <gmime/gmime.h>
#include "mail-internal.h"
#include "html-text.h"
#include "envelope.h"
#include "limits.h"

static const char *const fallback_charsets[] = { "UTF-8", "windows-1252", NULL };

void mail_library_init(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		g_mime_init();
		g_once_init_leave(&once, 1);
	}
}

/* Counts parts and depth, message/rfc822 included, without recursing past
 * MAX_MIME_DEPTH + 1. */
static void measure(GMimeObject *o, int level, struct mail *m)
{
	m->parts++;
	if (level > m->depth)
		m->depth = level;
	if (level > MAX_MIME_DEPTH || m->parts > MAX_MIME_PARTS)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (int i = 0; i < n; i++)
			measure(g_mime_multipart_get_part(GMIME_MULTIPART(o), i), level + 1, m);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		if (inner && g_mime_message_get_mime_part(inner))
			measure(g_mime_message_get_mime_part(inner), level + 1, m);
	}
}

/* Bytes with only CR line ends (old Mac mailers) get LF ends, so that the
 * parser sees lines at all (VIOLATIONS.md). NULL when there is an LF but
 * for the last byte (LMTP's final CRLF, or the pipe's LF, ends the message). */
static GByteArray *cr_only_fixed(const char *data, size_t len)
{
	const char *lf = memchr(data, '\n', len);
	GByteArray *fixed;

	if ((lf && lf != data + len - 1) || !memchr(data, '\r', len))
		return NULL;
	fixed = g_byte_array_sized_new((guint)len);
	g_byte_array_append(fixed, (const guint8 *)data, (guint)len);
	for (guint i = 0; i < fixed->len; i++)
		if (fixed->data[i] == '\r')
			fixed->data[i] = '\n';
	return fixed;
}

struct mail *mail_parse(const char *data, size_t len)
{
	struct mail *m = g_new0(struct mail, 1);
	GByteArray *fixed = cr_only_fixed(data, len);
	GMimeStream *stream = fixed ? g_mime_stream_mem_new_with_byte_array(fixed)
				    : g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeObject *body;
	GMimeContentType *ct;

	mail_library_init();
	m->decoded = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	m->opts = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(m->opts, (const char **)fallback_charsets);
	m->msg = g_mime_parser_construct_message(parser, m->opts);
	if (!m->msg)
		m->msg = g_mime_message_new(FALSE);
	g_object_unref(parser);
	g_object_unref(stream);
	body = g_mime_message_get_mime_part(m->msg);
	ct = body ? g_mime_object_get_content_type(body) : NULL;
	m->content_type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	if (!m->content_type)
		m->content_type = g_strdup("text/plain");
	for (char *p = m->content_type; *p; p++)
		*p = g_ascii_tolower(*p);
	if (body)
		measure(body, 1, m);
	return m;
}

void mail_free(struct mail *m)
{
	if (!m)
		return;
	g_clear_object(&m->msg);
	g_mime_parser_options_free(m->opts);
	g_free(m->content_type);
	g_hash_table_unref(m->decoded);
	g_free(m->text);
	g_free(m);
}

/* GMime 3.2.13 decodes adjacent base64 encoded-words of one charset as one
 * stream and loses all that follows a word ending in '=' padding (GMime
 * issue #133): "=?UTF-8?B?YQ==?= =?UTF-8?B?Yg==?=" gives "a". Such values
 * are decoded one word at a time, the white space between two encoded-words
 * dropped (RFC 2047 6.2) and folding removed. g_free the result. */
static char *decode_padded_words(GMimeParserOptions *opts, const char *raw)
{
	GString *out = g_string_new(NULL);
	gboolean prev_word = FALSE;

	for (const char *p = raw; *p;) {
		size_t ws = strspn(p, " \t\r\n"), len = strcspn(p + ws, " \t\r\n");
		const char *tok = p + ws;
		gboolean word = len > 4 && strncmp(tok, "=?", 2) == 0 &&
		                strncmp(tok + len - 2, "?=", 2) == 0;
		char *t, *d;

		if (len == 0)
			break;
		for (const char *w = p; w < tok && out->len && !(word && prev_word); w++)
			if (*w == ' ' || *w == '\t')
				g_string_append_c(out, *w);
		t = g_strndup(tok, len);
		d = g_mime_utils_header_decode_text(opts, t);
		g_string_append(out, d);
		g_free(d);
		g_free(t);
		prev_word = word;
		p = tok + len;
	}
	return g_string_free(out, FALSE);
}

const char *mail_header(const struct mail *m, const char *name)
{
	GMimeHeader *h = g_mime_header_list_get_header(
	        g_mime_object_get_header_list(GMIME_OBJECT(m->msg)), name);
	const char *raw = h ? g_mime_header_get_raw_value(h) : NULL;
	char *key, *value;

	if (!raw || !strstr(raw, "=?="))
		return h ? g_mime_header_get_value(h) : NULL;
	key = g_ascii_strdown(name, -1);
	if ((value = g_hash_table_lookup(m->decoded, key))) {
		g_free(key);
		return value;
	}
	value = decode_padded_words(m->opts, raw);
	g_hash_table_insert(m->decoded, key, value);
	return value;
}

int mail_has_header(const struct mail *m, const char *name)
{
	return g_mime_header_list_contains(g_mime_object_get_header_list(GMIME_OBJECT(m->msg)),
	                                   name);
}

int mail_header_starts(const struct mail *m, const char *name, const char *const *values)
{
	const char *v = mail_header(m, name);

	if (!v)
		return 0;
	v += strspn(v, " \t");
	for (; *values; values++)
		if (g_ascii_strncasecmp(v, *values, strlen(*values)) == 0)
			return 1;
	return 0;
}

const char *mail_content_type(const struct mail *m)
{
	return m->content_type;
}

const char *mail_content_type_param(const struct mail *m, const char *param)
{
	GMimeObject *body = g_mime_message_get_mime_part(m->msg);

	return body ? g_mime_object_get_content_type_parameter(body, param) : NULL;
}

int mail_part_is(GMimeObject *o, const char *type)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	char *t = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	int same = t && g_ascii_strcasecmp(t, type) == 0;

	g_free(t);
	return same;
}

/* The first part of type in the tree under o, message/rfc822 not entered. */
static GMimeObject *find_part(GMimeObject *o, const char *type, int level)
{
	if (!o || level > MAX_MIME_DEPTH)
		return NULL;
	if (GMIME_IS_MULTIPART(o)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (int i = 0; i < n && i < MAX_MIME_PARTS; i++) {
			GMimeObject *found = find_part(
			        g_mime_multipart_get_part(GMIME_MULTIPART(o), i), type, level + 1);
			if (found)
				return found;
		}
		return NULL;
	}
	if (!mail_part_is(o, type))
		return NULL;
	if (GMIME_IS_PART(o) && g_mime_part_is_attachment(GMIME_PART(o)) &&
	    g_str_has_prefix(type, "text/"))
		return NULL;
	return o;
}

int mail_has_part(const struct mail *m, const char *type)
{
	return find_part(g_mime_message_get_mime_part(m->msg), type, 1) != NULL;
}

int mail_depth(const struct mail *m)
{
	return m->depth;
}

int mail_part_count(const struct mail *m)
{
	return m->parts;
}

char *mail_valid_utf8(const struct mail *m, char *s)
{
	char *fixed;

	if (!s)
		return g_strdup("");
	if (g_utf8_validate(s, -1, NULL))
		return s;
	fixed = g_mime_utils_decode_8bit(m->opts, s, strlen(s));
	g_free(s);
	if (!g_utf8_validate(fixed, -1, NULL)) {
		s = g_utf8_make_valid(fixed, -1);
		g_free(fixed);
		return s;
	}
	return fixed;
}

/* A text part's content as valid UTF-8. g_free it. */
static char *part_text(const struct mail *m, GMimeObject *o)
{
	return mail_valid_utf8(
	        m, GMIME_IS_TEXT_PART(o) ? g_mime_text_part_get_text(GMIME_TEXT_PART(o)) : NULL);
}

/* The readable text, decoded (and HTML made text) anew. */
static char *readable_text(const struct mail *m)
{
	GMimeObject *body = g_mime_message_get_mime_part(m->msg);
	GMimeObject *part = find_part(body, "text/plain", 1);
	char *html, *text;

	if (part)
		return part_text(m, part);
	part = find_part(body, "text/html", 1);
	if (!part)
		return g_strdup("");
	html = part_text(m, part);
	text = html_to_text(html);
	g_free(html);
	return text;
}

char *mail_text(const struct mail *m)
{
	struct mail *cache = (struct mail *)m;	/* a memo, as decoded is */

	if (!cache->text)
		cache->text = readable_text(m);
	return g_strdup(m->text);
}

void mail_part_free(gpointer p)
{
	struct mail_part *part = p;

	g_free(part->content_type);
	g_free(part->filename);
	g_bytes_unref(part->data);
	g_free(part);
}

/* A leaf part as a struct mail_part: its content decoded. */
static struct mail_part *part_of(GMimePart *p)
{
	struct mail_part *part = g_new0(struct mail_part, 1);
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(p));
	char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	const char *name = g_mime_part_get_filename(p);
	GMimeDataWrapper *w = g_mime_part_get_content(p);
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *bytes;

	part->content_type = g_ascii_strdown(type ? type : "application/octet-stream", -1);
	if (name && g_utf8_validate(name, -1, NULL))
		part->filename = g_utf8_substring(name, 0, MIN(g_utf8_strlen(name, -1), 100));
	for (char *c = part->filename; c && *c; c++)
		if ((guchar)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (w)
		g_mime_data_wrapper_write_to_stream(w, mem);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	part->data = g_bytes_new(bytes->data, bytes->len);
	g_object_unref(mem);
	g_free(type);
	return part;
}

/* The leaves under o but skip, in order, into out. */
static void collect_parts(GMimeObject *o, GMimeObject *skip, int level, GPtrArray *out)
{
	if (!o || level > MAX_MIME_DEPTH || out->len >= MAX_MIME_PARTS)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));

		for (int i = 0; i < n && i < MAX_MIME_PARTS; i++)
			collect_parts(g_mime_multipart_get_part(GMIME_MULTIPART(o), i), skip,
				      level + 1, out);
	} else if (GMIME_IS_PART(o) && o != skip) {
		g_ptr_array_add(out, part_of(GMIME_PART(o)));
	}
}

GPtrArray *mail_attachments(const struct mail *m)
{
	GMimeObject *top = g_mime_message_get_mime_part(m->msg);
	GMimeObject *text = find_part(top, "text/plain", 1);
	GPtrArray *out = g_ptr_array_new_with_free_func(mail_part_free);

	if (!text)
		text = find_part(top, "text/html", 1);
	collect_parts(top, text, 1, out);
	return out;
}

static char *first_mailbox(InternetAddressList *list)
{
	for (int i = 0; list && i < internet_address_list_length(list); i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			char *addr = first_mailbox(
			        internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)));
			if (addr)
				return addr;
		} else if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr =
			        internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
			if (addr && envelope_address_ok(addr, 0))
				return g_strdup(addr);
		}
	}
	return NULL;
}

char *mail_from_address(const struct mail *m)
{
	return first_mailbox(g_mime_message_get_from(m->msg));
}

char *mail_reply_to_address(const struct mail *m)
{
	return first_mailbox(g_mime_message_get_reply_to(m->msg));
}

int mail_msgid_ok(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > 250)
		return 0;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

char *mail_message_id(const struct mail *m)
{
	const char *id = g_mime_message_get_message_id(m->msg);

	return id && mail_msgid_ok(id) ? g_strdup(id) : NULL;
}

char *mail_references(const struct mail *m)
{
	const char *refs = mail_header(m, "References");
	GMimeReferences *list = refs ? g_mime_references_parse(m->opts, refs) : NULL;
	int n = list ? g_mime_references_length(list) : 0;
	GString *s = g_string_new(NULL);

	/* keep the first and the last few: enough to thread, bounded */
	for (int i = 0; i < n; i++) {
		const char *id = g_mime_references_get_message_id(list, i);
		if ((i == 0 || i >= n - 8) && mail_msgid_ok(id))
			g_string_append_printf(s, "%s<%s>", s->len ? " " : "", id);
	}
	if (list)
		g_mime_references_free(list);
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

/* test-mail.c - the GMime adapter (robot/mail.h): mail_compose writes only
 * ASCII headers, RFC 2047 subjects, CRLF lines, the robot's own headers,
 * and refuses any field that would put CR or LF into a header; mail_parse
 * reads it back, survives garbage, and mail_text, mail_from_address,
 * mail_reply_to_address and mail_message_id give what they promise.
 * Messages are built in memory: nothing touches the file system. */
#include <check.h>
#include <string.h>
#include <glib.h>
#include "robot/mail.h"
#include "robot/reply-address.h"

static const struct outmsg base = {
	.from = "pocbot@example.org",
	.from_name = "POC Directory",
	.to = "user@example.net",
	.subject = "Help",
	.body = "Hello\nsecond line\n",
	.message_id = "abc.123@example.org",
	.in_reply_to = NULL,
	.references = NULL,
	.loop_id = "example.org",
	.date = 1700000000,
};

/* The header block of a composed message (up to the blank line). g_free it. */
static char *header_block(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");

	ck_assert_msg(end != NULL, "no blank line after the headers:\n%s", msg);
	return g_strndup(msg, (gsize)(end - msg + 2));
}

/* The unfolded value of the header called name in block, or NULL. g_free it. */
static char *header_value(const char *block, const char *name)
{
	gchar **lines = g_strsplit(block, "\r\n", 0);
	GString *v = NULL;
	size_t n = strlen(name);

	for (gchar **l = lines; *l; l++) {
		if (v && (**l == ' ' || **l == '\t')) {
			g_string_append(v, *l);
			continue;
		}
		if (v)
			break;
		if (g_ascii_strncasecmp(*l, name, n) == 0 && (*l)[n] == ':')
			v = g_string_new(g_strstrip(*l + n + 1));
	}
	g_strfreev(lines);
	return v ? g_string_free(v, FALSE) : NULL;
}

static void assert_header(const char *block, const char *name, const char *want)
{
	char *v = header_value(block, name);

	ck_assert_msg(v != NULL, "no %s header in:\n%s", name, block);
	ck_assert_msg(strcmp(v, want) == 0, "%s: \"%s\", wanted \"%s\"", name, v, want);
	g_free(v);
}

/* Every line ends in CRLF, none is longer than 998 bytes, and the
 * header block is ASCII. */
static void assert_wire_form(const char *msg, size_t len)
{
	char *block = header_block(msg);
	size_t line = 0;

	ck_assert_uint_eq(strlen(msg), len);
	ck_assert_msg(len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n', "last line has no CRLF");
	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '\n') {
			ck_assert_msg(i > 0 && msg[i - 1] == '\r', "bare LF at byte %zu", i);
			line = 0;
		} else {
			ck_assert_msg(msg[i] != '\r' || msg[i + 1] == '\n', "bare CR at byte %zu", i);
			ck_assert_msg(++line <= 998 + 1, "line over 998 bytes at byte %zu", i);
		}
	}
	for (const unsigned char *p = (const unsigned char *)block; *p; p++)
		ck_assert_msg(*p < 0x80 && (*p >= ' ' || *p == '\r' || *p == '\n' || *p == '\t'),
			      "byte 0x%02x in the headers:\n%s", *p, block);
	g_free(block);
}

/* Replaces CRLF by LF. g_free it. */
static char *lf(const char *s)
{
	GString *out = g_string_new(NULL);

	for (; *s; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			g_string_append_c(out, *s);
	return g_string_free(out, FALSE);
}

static void check_round_trip(const char *subject, const char *body)
{
	struct outmsg o = base;
	size_t len = 0;
	char *msg, *block, *subj, *lower, *text, *text_lf, *addr, *id;
	struct mail *m;

	o.subject = subject;
	o.body = body;
	o.in_reply_to = "orig.1@example.net";
	o.references = "<first@example.net> <orig.1@example.net>";
	msg = mail_compose(&o, &len);
	ck_assert_msg(msg != NULL, "refused subject %s", subject);
	assert_wire_form(msg, len);
	block = header_block(msg);
	subj = header_value(block, "Subject");
	ck_assert(subj != NULL);
	lower = g_ascii_strdown(subj, -1);
	ck_assert_msg(strstr(lower, "=?utf-8?b?") || strstr(lower, "=?utf-8?q?"), "Subject not RFC 2047: %s", subj);
	g_free(lower);
	assert_header(block, "Date", "Tue, 14 Nov 2023 22:13:20 +0000");
	assert_header(block, "Message-ID", "<abc.123@example.org>");
	assert_header(block, "MIME-Version", "1.0");
	assert_header(block, "Content-Type", "text/plain; charset=utf-8");
	assert_header(block, "Auto-Submitted", "auto-replied");
	assert_header(block, MAIL_LOOP_HEADER, "example.org");
	assert_header(block, "In-Reply-To", "<orig.1@example.net>");
	assert_header(block, "References", "<first@example.net> <orig.1@example.net>");
	assert_header(block, "To", "user@example.net");

	m = mail_parse(msg, len);
	ck_assert_msg(mail_header(m, "Subject") && strcmp(mail_header(m, "Subject"), subject) == 0,
		      "subject \"%s\" came back as \"%s\"", subject, mail_header(m, "Subject"));
	ck_assert_str_eq(mail_content_type(m), "text/plain");
	text = mail_text(m);
	text_lf = lf(text);
	ck_assert_str_eq(text_lf, body);
	addr = mail_from_address(m);
	ck_assert_str_eq(addr, "pocbot@example.org");
	id = mail_message_id(m);
	ck_assert_str_eq(id, "abc.123@example.org");
	ck_assert(mail_has_header(m, MAIL_LOOP_HEADER));
	g_free(id);
	g_free(addr);
	g_free(text);
	g_free(text_lf);
	mail_free(m);
	g_free(subj);
	g_free(block);
	g_free(msg);
}

/* French fits in Latin-1: the body must still be UTF-8, as labelled. */
/* CR-only line ends, as stored by LMTP or deliver: one LF at the very end. */
START_TEST(test_parse_cr_only)
{
	static const char *const forms[] = { "Subject: old Mac\rFrom: a@example.org\r\rHELP\r",
					     "Subject: old Mac\rFrom: a@example.org\r\rHELP\r\n", NULL };

	for (const char *const *f = forms; *f; f++) {
		struct mail *m = mail_parse(*f, strlen(*f));
		char *text = mail_text(m);

		ck_assert_msg(mail_header(m, "Subject") && strcmp(mail_header(m, "Subject"), "old Mac") == 0,
			      "form %d: subject %s", (int)(f - forms), mail_header(m, "Subject"));
		ck_assert_msg(text && strstr(text, "HELP"), "form %d: text %s", (int)(f - forms), text);
		g_free(text);
		mail_free(m);
	}
}
END_TEST

START_TEST(test_compose_french_is_utf8)
{
	struct outmsg o = base;
	size_t len = 0;
	char *msg;

	check_round_trip("Aide – Répertoire", "Ce message vous est adressé par le robot.\nÉtat : France\n");
	o.body = "Répertoire\n";
	msg = mail_compose(&o, &len);
	ck_assert_msg(strstr(msg, "R=C3=A9pertoire") || strstr(msg, "UsOpcGVydG9pcmU"),
		      "the body is not UTF-8:\n%s", msg);
	ck_assert(!strstr(msg, "=E9"));
	g_free(msg);
}
END_TEST

START_TEST(test_compose_russian)
{
	check_round_trip("Справка – Глобальный межправительственный справочник контактных пунктов",
			 "Это сообщение направлено почтовым роботом.\nВторая строка.\n");
}
END_TEST

START_TEST(test_compose_chinese)
{
	check_round_trip("帮助——全球政府间联络点名录（信通技术安全）", "本邮件由邮件机器人发出。\n第二行\n");
}
END_TEST

START_TEST(test_compose_arabic)
{
	check_round_trip("مساعدة – الدليل العالمي الحكومي الدولي لجهات الاتصال", "هذه رسالة من الروبوت.\n");
}
END_TEST

START_TEST(test_compose_mixed_long)
{
	/* long enough to be folded into several encoded-words */
	check_round_trip("Re: Справка – 帮助 – مساعدة – Aide – Ayuda – Help, a subject that goes on and on "
			 "for many more characters than one header line can hold, Справка – 帮助 – مساعدة",
			 "mixed\n");
}
END_TEST

START_TEST(test_compose_ascii)
{
	struct outmsg o = base;
	size_t len = 0;
	char *msg = mail_compose(&o, &len), *block;

	ck_assert(msg != NULL);
	assert_wire_form(msg, len);
	block = header_block(msg);
	assert_header(block, "Subject", "Help");
	ck_assert(!header_value(block, "In-Reply-To"));
	ck_assert(!header_value(block, "References"));
	ck_assert(strstr(block, "pocbot@example.org"));
	ck_assert(strstr(msg, "\r\n\r\nHello\r\nsecond line\r\n"));
	g_free(block);
	g_free(msg);
}
END_TEST

START_TEST(test_compose_long_lines)
{
	struct outmsg o = base;
	char *big = g_strnfill(3000, 'a');
	size_t len = 0;
	char *msg;
	struct mail *m;

	o.subject = big;
	o.body = big;
	msg = mail_compose(&o, &len);
	ck_assert(msg != NULL);
	assert_wire_form(msg, len);
	m = mail_parse(msg, len);
	ck_assert_str_eq(mail_header(m, "Subject"), big);
	mail_free(m);
	g_free(msg);
	g_free(big);
}
END_TEST

/* The field changed by set makes mail_compose refuse. */
static void assert_refused(const char *what, struct outmsg o)
{
	size_t len = 12345;
	char *msg = mail_compose(&o, &len);

	ck_assert_msg(msg == NULL, "%s accepted:\n%s", what, msg);
}

START_TEST(test_no_header_injection)
{
	struct outmsg o = base;
	size_t len;
	char *msg = mail_compose(&o, &len);

	ck_assert(msg != NULL);	/* the base is fine */
	g_free(msg);
#define REFUSE(field, value) do { o = base; o.field = value; assert_refused(#field " = " #value, o); } while (0)
	REFUSE(subject, "x\r\nBcc: evil@x");
	REFUSE(subject, "x\nBcc: evil@x");
	REFUSE(subject, "x\rBcc: evil@x");
	REFUSE(subject, "bad \xff utf-8");
	REFUSE(to, "user@example.net\nBcc: evil@x");
	REFUSE(to, "user@example.net\r\n");
	REFUSE(to, "not an address");
	REFUSE(to, "a@b, evil@x");
	REFUSE(from, "pocbot@example.org\r\nBcc: evil@x");
	REFUSE(from_name, "Robot\r\nBcc: evil@x");
	REFUSE(in_reply_to, "has space@example.net");
	REFUSE(in_reply_to, "id@example.net\r\nBcc: evil@x");
	REFUSE(in_reply_to, "<id@example.net>");
	REFUSE(references, "<a@b>\r\nBcc: evil@x");
	REFUSE(message_id, "id@x\nBcc: evil@x");
	REFUSE(message_id, "has space@x");
	REFUSE(message_id, "");
	REFUSE(loop_id, "x\r\nBcc: evil@x");
	REFUSE(body, "bad \xff utf-8");
#undef REFUSE
}
END_TEST

static void assert_empty_mail(const char *data, size_t len)
{
	struct mail *m = mail_parse(data, len);
	char *text, *from;

	ck_assert(m != NULL);
	from = mail_from_address(m);
	ck_assert(from == NULL);
	ck_assert(mail_reply_to_address(m) == NULL);
	ck_assert(mail_message_id(m) == NULL);
	ck_assert(mail_header(m, "Subject") == NULL);
	text = mail_text(m);
	ck_assert(text != NULL);
	ck_assert(g_utf8_validate(text, -1, NULL));
	ck_assert(mail_content_type(m) != NULL);
	g_free(text);
	mail_free(m);
}

START_TEST(test_parse_garbage)
{
	guint8 junk[4096];
	GRand *r = g_rand_new_with_seed(42);

	assert_empty_mail("", 0);
	assert_empty_mail("\0\0\0\0", 4);
	assert_empty_mail("\r\n\r\n", 4);
	assert_empty_mail("no colon in this first line\n", 28);
	assert_empty_mail("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 17);
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < sizeof junk; i++)
			junk[i] = (guint8)g_rand_int_range(r, 0, 256);
		junk[0] = 0;	/* never a header at the start */
		assert_empty_mail((const char *)junk, sizeof junk);
	}
	g_rand_free(r);
}
END_TEST

static struct mail *parse_str(const char *raw)
{
	return mail_parse(raw, strlen(raw));
}

static char *text_of(const char *raw)
{
	struct mail *m = mail_parse(raw, strlen(raw));
	char *text = mail_text(m);

	mail_free(m);
	ck_assert(g_utf8_validate(text, -1, NULL));
	return text;
}

/* The parts beside the readable text (a key attached to a form): their
 * type, name and decoded bytes; the text itself is not one of them. */
START_TEST(test_attachments)
{
	struct mail *m = parse_str("From: a@example.org\r\nMIME-Version: 1.0\r\n"
				   "Content-Type: multipart/mixed; boundary=BB\r\n\r\n"
				   "--BB\r\nContent-Type: text/plain\r\n\r\nUPDATE\r\n"
				   "--BB\r\nContent-Type: application/PGP-keys; name=k.asc\r\n"
				   "Content-Disposition: attachment; filename=\"k\001.asc\"\r\n"
				   "Content-Transfer-Encoding: base64\r\n\r\nLS0tLS1CRUdJTg==\r\n"
				   "--BB--\r\n");
	GPtrArray *parts = mail_attachments(m);
	const struct mail_part *p;
	gsize n = 0;

	ck_assert_uint_eq(parts->len, 1);
	p = parts->pdata[0];
	ck_assert_str_eq(p->content_type, "application/pgp-keys");
	ck_assert_str_eq(p->filename, "k?.asc");	/* control characters made '?' */
	ck_assert(memcmp(g_bytes_get_data(p->data, &n), "-----BEGIN", 10) == 0 && n == 10);
	g_ptr_array_unref(parts);
	mail_free(m);
	m = parse_str("From: a@example.org\r\nContent-Type: text/plain\r\n\r\nhello\r\n");
	parts = mail_attachments(m);
	ck_assert_uint_eq(parts->len, 0);
	g_ptr_array_unref(parts);
	mail_free(m);
}
END_TEST

START_TEST(test_text_html_only)
{
	char *text = text_of("From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
			     "Content-Type: text/html; charset=utf-8\r\n\r\n"
			     "<html><head><style>p { color: red }</style></head><body>"
			     "<p>Hello &amp; welcome</p><script>alert('evil')</script>"
			     "<div><b>AIDE</b> &#233;t&eacute;</div></body></html>\r\n");

	ck_assert_msg(strstr(text, "Hello & welcome"), "%s", text);
	ck_assert_msg(strstr(text, "AIDE"), "%s", text);
	ck_assert_msg(strstr(text, "\xc3\xa9t"), "%s", text);	/* &#233; */
	ck_assert_msg(!strchr(text, '<') && !strstr(text, "evil") && !strstr(text, "color"), "%s", text);
	g_free(text);
}
END_TEST

START_TEST(test_text_prefers_plain)
{
	char *text = text_of("From: a@example.org\r\nMIME-Version: 1.0\r\n"
			     "Content-Type: multipart/alternative; boundary=BB\r\n\r\n"
			     "--BB\r\nContent-Type: text/html\r\n\r\n<p>the html</p>\r\n"
			     "--BB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nthe plain\r\n"
			     "--BB--\r\n");

	ck_assert_msg(strstr(text, "the plain") && !strstr(text, "html"), "%s", text);
	g_free(text);
}
END_TEST

START_TEST(test_text_latin1_without_charset)
{
	char *text = text_of("From: a@example.org\r\nSubject: x\r\n\r\ncaf\xe9 na\xefve \xe0 la cr\xe8me\r\n");
	char *labelled = text_of("From: a@example.org\r\nMIME-Version: 1.0\r\n"
				 "Content-Type: text/plain; charset=iso-8859-1\r\n"
				 "Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xe9\r\n");
	char *koi8 = text_of("From: a@example.org\r\nMIME-Version: 1.0\r\n"
			     "Content-Type: text/plain; charset=koi8-r\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4\r\n");

	ck_assert_msg(strstr(text, "café naïve à la crème"), "%s", text);
	ck_assert_msg(strstr(labelled, "café"), "%s", labelled);
	ck_assert_msg(strstr(koi8, "Привет"), "%s", koi8);
	g_free(text);
	g_free(labelled);
	g_free(koi8);
}
END_TEST

START_TEST(test_addresses_and_ids)
{
	static const char raw[] = "From: =?utf-8?q?J=C3=B6rg?= <jorg@example.org>\r\n"
				  "Reply-To: \"Bob, the builder\" <bob@example.net>\r\n"
				  "Message-ID: <abc.42@example.org>\r\n"
				  "References: <r1@x> <r2@x>\r\n"
				  "Subject: =?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=\r\n\r\nbody\r\n";
	struct mail *m = mail_parse(raw, sizeof raw - 1);
	char *s;

	s = mail_from_address(m);
	ck_assert_str_eq(s, "jorg@example.org");
	g_free(s);
	s = mail_reply_to_address(m);
	ck_assert_str_eq(s, "bob@example.net");
	g_free(s);
	s = mail_message_id(m);
	ck_assert_str_eq(s, "abc.42@example.org");
	g_free(s);
	s = mail_references(m);
	ck_assert_str_eq(s, "<r1@x> <r2@x>");
	g_free(s);
	mail_free(m);

	m = parse_str("From: plain@example.org\r\n\r\n");
	s = mail_from_address(m);
	ck_assert_str_eq(s, "plain@example.org");
	g_free(s);
	ck_assert(mail_reply_to_address(m) == NULL);
	ck_assert(mail_message_id(m) == NULL);
	ck_assert(mail_references(m) == NULL);
	mail_free(m);

	m = parse_str("From: undisclosed-recipients:;\r\nMessage-ID: <a b@c d>\r\n\r\n");
	ck_assert(mail_from_address(m) == NULL);
	s = mail_message_id(m);
	ck_assert_msg(s == NULL || !strchr(s, ' '), "%s", s);
	g_free(s);
	mail_free(m);

	m = parse_str("From: no address at all\r\n\r\n");
	ck_assert(mail_from_address(m) == NULL);
	mail_free(m);
}
END_TEST

/* F9: a quoted local part is read as written and answered there, a reply
 * composed to it keeps it; a UTF-8 local part (none of our envelopes can
 * carry it) is answered at the envelope sender instead. */
START_TEST(test_quoted_and_utf8_senders)
{
	static const char quoted[] = "From: Jane Doe <\"Jane Doe\"@ministry.example>\n"
				     "Subject: HELP\n\nHELP\n";
	static const char utf8[] = "From: J\xc3\xbcrgen <j\xc3\xbcrgen@b\xc3\xbc" "cher.example>\n"
				   "Subject: HELP\n\nHELP\n";
	static const char utf8_quoted[] = "Reply-To: \"J\xc3\xa4ne D\"@ministry.example\n"
					  "From: jane@ministry.example\nSubject: HELP\n\nHELP\n";
	struct mail *m = parse_str(quoted);
	struct outmsg o = base;
	char *s, *msg, *block;
	size_t len;

	s = mail_from_address(m);
	ck_assert_str_eq(s, "\"Jane Doe\"@ministry.example");
	g_free(s);
	s = reply_address_pick(m, "bounces@ministry.example");
	ck_assert_str_eq(s, "\"Jane Doe\"@ministry.example");
	o.to = s;
	msg = mail_compose(&o, &len);
	ck_assert_ptr_nonnull(msg);
	block = header_block(msg);
	assert_header(block, "To", "\"Jane Doe\"@ministry.example");
	g_free(block);
	g_free(msg);
	g_free(s);
	mail_free(m);

	m = parse_str(utf8);
	s = mail_from_address(m);
	ck_assert_str_eq(s, "j\xc3\xbcrgen@b\xc3\xbc" "cher.example");
	g_free(s);
	s = reply_address_pick(m, "juergen@xn--bcher-kva.example");
	ck_assert_str_eq(s, "juergen@xn--bcher-kva.example");
	g_free(s);
	ck_assert_ptr_null(reply_address_pick(m, ""));	/* the null sender: none */
	ck_assert_ptr_null(reply_address_pick(m, "j\xc3\xbcrgen@example.org"));
	mail_free(m);

	/* a domain with no A-label form (a bidi control in it): the same */
	m = parse_str("From: =?utf-8?q?x?= <jane@\xe2\x80\xae" "x.example>\nSubject: HELP\n\nHELP\n");
	s = reply_address_pick(m, "jane@ministry.example");
	ck_assert_str_eq(s, "jane@ministry.example");
	g_free(s);
	mail_free(m);

	/* Reply-To first, even when it cannot be answered: the envelope then */
	m = parse_str(utf8_quoted);
	s = mail_reply_to_address(m);
	ck_assert_str_eq(s, "\"J\xc3\xa4ne D\"@ministry.example");
	g_free(s);
	s = reply_address_pick(m, "jane@ministry.example");
	ck_assert_str_eq(s, "jane@ministry.example");
	g_free(s);
	mail_free(m);
}
END_TEST

START_TEST(test_padded_encoded_words)
{
	/* adjacent base64 words, the first padded: GMime 3.2.13 alone loses the second */
	static const char raw[] = "From: a@example.org\r\n"
				  "Subject: =?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=\r\n"
				  "X-One: =?UTF-8?B?YQ==?=\r\n =?UTF-8?B?Yg==?=  c\r\n"
				  "X-Two: =?UTF-8?B?YQ==?= plain =?iso-8859-1?q?caf=E9?=\r\n"
				  "X-Three: =?iso-8859-1?q?caf=E9?=   ok\r\n\r\nbody\r\n";
	struct mail *m = mail_parse(raw, sizeof raw - 1);
	const char *first;

	ck_assert_str_eq(mail_header(m, "Subject"), "Hello world");
	ck_assert_str_eq(mail_header(m, "X-One"), "ab  c");
	ck_assert_str_eq(mail_header(m, "X-Two"), "a plain café");
	ck_assert_str_eq(mail_header(m, "X-Three"), "café   ok");
	first = mail_header(m, "subject");
	ck_assert(first == mail_header(m, "SUBJECT"));	/* borrowed, stable */
	ck_assert(mail_header(m, "X-None") == NULL);
	mail_free(m);
}
END_TEST

static Suite *mail_suite(void)
{
	Suite *s = suite_create("mail");
	TCase *tc_compose = tcase_create("compose");
	TCase *tc_parse = tcase_create("parse");

	tcase_add_test(tc_compose, test_compose_french_is_utf8);
	tcase_add_test(tc_compose, test_compose_russian);
	tcase_add_test(tc_compose, test_compose_chinese);
	tcase_add_test(tc_compose, test_compose_arabic);
	tcase_add_test(tc_compose, test_compose_mixed_long);
	tcase_add_test(tc_compose, test_compose_ascii);
	tcase_add_test(tc_compose, test_compose_long_lines);
	tcase_add_test(tc_compose, test_no_header_injection);
	tcase_add_test(tc_parse, test_parse_cr_only);
	tcase_add_test(tc_parse, test_parse_garbage);
	tcase_add_test(tc_parse, test_text_html_only);
	tcase_add_test(tc_parse, test_text_prefers_plain);
	tcase_add_test(tc_parse, test_text_latin1_without_charset);
	tcase_add_test(tc_parse, test_addresses_and_ids);
	tcase_add_test(tc_parse, test_padded_encoded_words);
	tcase_add_test(tc_parse, test_quoted_and_utf8_senders);
	tcase_add_test(tc_parse, test_attachments);
	suite_add_tcase(s, tc_compose);
	suite_add_tcase(s, tc_parse);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mail_suite());
	int failed;

	mail_library_init();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}

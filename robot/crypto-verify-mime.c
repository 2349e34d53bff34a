/* crypto-verify-mime.c - the MIME structure crypto_verify reads around a
 * signature: raw entity bodies and the bytes between multipart boundaries
 * (RFC 2046 5.1.1), the CRLF canonical form, decoded leaf content, the
 * kind of a CMS object, the one clearsigned block of a text part, and
 * whether a subtree holds anything signed or encrypted.
 * Input: whole messages from anyone, parsed by GMime; no GPGME call here.
 * Never fails: what is not found is FALSE, NULL or an empty span. */
#include <string.h>
#include <gmime/gmime.h>
#include "crypto-internal.h"
#include "limits.h"

/* ---- raw MIME bytes ---- */

/* The body of an entity: what follows the first empty line. */
struct crypto_span crypto_entity_body(struct crypto_span e)
{
	for (size_t i = 0; i < e.len; i++) {
		size_t k = i;

		if (i > 0 && e.p[i - 1] != '\n')
			continue;
		if (k < e.len && e.p[k] == '\r')
			k++;
		if (k < e.len && e.p[k] == '\n')
			return (struct crypto_span){ e.p + k + 1, e.len - k - 1 };
	}
	return (struct crypto_span){ e.p + e.len, 0 };
}

/* Position of the next delimiter line "--boundary" at or after from, at the
 * start of a line; *after gets the start of the line that follows it. */
static const char *next_delimiter(struct crypto_span s, size_t from, const char *boundary,
				  size_t *after)
{
	size_t blen = strlen(boundary);

	for (size_t i = from; i + 2 + blen <= s.len; i++) {
		const char *q = s.p + i, *end = s.p + s.len, *t;

		if ((i > 0 && q[-1] != '\n') || q[0] != '-' || q[1] != '-' ||
		    memcmp(q + 2, boundary, blen) != 0)
			continue;
		t = q + 2 + blen;
		if (t < end && !strchr("-\r\n \t", *t))
			continue;	/* a longer boundary */
		while (t < end && *t != '\n')
			t++;
		*after = t < end ? (size_t)(t + 1 - s.p) : s.len;
		return q;
	}
	return NULL;
}

/* The first part of a multipart body, headers and body, without the line
 * end that belongs to the delimiter after it (RFC 2046 5.1.1). */
gboolean crypto_first_part(struct crypto_span body, const char *boundary, struct crypto_span *part)
{
	size_t start, after;
	const char *d;

	if (!boundary || !*boundary || !next_delimiter(body, 0, boundary, &start))
		return FALSE;
	if (!(d = next_delimiter(body, start, boundary, &after)) || d < body.p + start)
		return FALSE;
	if (d > body.p + start && d[-1] == '\n')
		d--;
	if (d > body.p + start && d[-1] == '\r')
		d--;
	part->p = body.p + start;
	part->len = (size_t)(d - part->p);
	return TRUE;
}

/* bytes with every line end made CRLF: the canonical form signed. */
GByteArray *crypto_canonical(const char *p, size_t len)
{
	GByteArray *out = g_byte_array_sized_new((guint)(len + len / 32 + 2));
	size_t run = 0;	/* start of the bytes not copied yet */

	for (size_t i = 0; i < len; i++) {
		if (p[i] != '\n' || (i > 0 && p[i - 1] == '\r'))
			continue;
		g_byte_array_append(out, (const guint8 *)p + run, (guint)(i - run));
		g_byte_array_append(out, (const guint8 *)"\r", 1);
		run = i;
	}
	g_byte_array_append(out, (const guint8 *)p + run, (guint)(len - run));
	return out;
}

/* ---- GMime: types and decoded content ---- */

gboolean crypto_type_is(GMimeObject *o, const char *type, const char *subtype)
{
	GMimeContentType *ct = o ? g_mime_object_get_content_type(o) : NULL;

	return ct && g_mime_content_type_is_type(ct, type, subtype);
}

/* A leaf part's content, transfer encoding removed, or NULL. */
GByteArray *crypto_part_bytes(GMimeObject *o)
{
	GMimeDataWrapper *w = GMIME_IS_PART(o) ? g_mime_part_get_content(GMIME_PART(o)) : NULL;
	GMimeStream *mem;
	GByteArray *bytes;

	if (!w)
		return NULL;
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(w, mem) < 0) {
		g_object_unref(mem);
		return NULL;
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	return bytes;
}

/* The content type OID at the head of a DER ContentInfo. */
enum crypto_cms_kind crypto_cms_kind(const GByteArray *der)
{
	static const guint8 oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07 };
	size_t i = 1;

	if (!der || der->len < 16 || der->data[0] != 0x30)
		return CRYPTO_CMS_OTHER;
	if (der->data[i] & 0x80)
		i += der->data[i] & 0x7f;
	i++;
	if (i + sizeof oid + 1 > der->len || memcmp(der->data + i, oid, sizeof oid) != 0)
		return CRYPTO_CMS_OTHER;
	switch (der->data[i + sizeof oid]) {
	case 2: return CRYPTO_CMS_SIGNED;
	case 3: return CRYPTO_CMS_ENVELOPED;
	default: return CRYPTO_CMS_OTHER;
	}
}

/* ---- inline PGP ---- */

#define ARMOUR_BEGIN "-----BEGIN PGP SIGNED MESSAGE-----"
#define ARMOUR_END "-----END PGP SIGNATURE-----"

/* The first line starting with marker at or after from, or NULL. */
static const char *line_starting(const char *p, size_t len, size_t from, const char *marker)
{
	size_t mlen = strlen(marker);

	for (size_t i = from; i + mlen <= len; i++)
		if ((i == 0 || p[i - 1] == '\n') && memcmp(p + i, marker, mlen) == 0)
			return p + i;
	return NULL;
}

static gboolean blank(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isspace(p[i]))
			return FALSE;
	return TRUE;
}

/* Finds the one clearsigned block in text. 1 found (*armour set, and
 * *outside when other text surrounds it), 0 none, -1 several or cut. */
int crypto_find_armour(const GByteArray *text, struct crypto_span *armour, gboolean *outside)
{
	const char *p = (const char *)text->data, *b, *e, *eol;
	size_t len = text->len;

	if (!(b = line_starting(p, len, 0, ARMOUR_BEGIN)))
		return 0;
	if (!(e = line_starting(p, len, (size_t)(b - p), ARMOUR_END)))
		return -1;
	eol = memchr(e, '\n', len - (size_t)(e - p));
	eol = eol ? eol + 1 : p + len;
	if (line_starting(p, len, (size_t)(eol - p), ARMOUR_BEGIN))
		return -1;
	armour->p = b;
	armour->len = (size_t)(eol - b);
	*outside = !blank(p, (size_t)(b - p)) || !blank(eol, len - (size_t)(eol - p));
	return 1;
}

/* The signed text as UTF-8, from the part's charset. g_free it. */
static char *text_to_utf8(const GByteArray *text, const char *charset)
{
	const char *from = charset ? g_mime_charset_iconv_name(charset) : NULL;
	char *utf8 = NULL;

	if (text->len == 0)
		return g_strdup("");
	if (from && g_ascii_strcasecmp(from, "utf-8") != 0 &&
	    g_ascii_strcasecmp(from, "us-ascii") != 0)
		utf8 = g_convert((const char *)text->data, text->len, "UTF-8", from, NULL, NULL,
				 NULL);
	if (!utf8 && g_utf8_validate((const char *)text->data, text->len, NULL))
		utf8 = g_strndup((const char *)text->data, text->len);
	if (!utf8)
		utf8 = g_convert((const char *)text->data, text->len, "UTF-8", "windows-1252",
				 NULL, NULL, NULL);
	if (!utf8)
		utf8 = g_utf8_make_valid((const char *)text->data, (gssize)text->len);
	return utf8;
}

/* The entity the caller reads: text/plain, UTF-8, CRLF. */
GByteArray *crypto_text_entity(const GByteArray *plain, const char *charset)
{
	static const char head[] = "Content-Type: text/plain; charset=utf-8\r\n"
				   "Content-Transfer-Encoding: 8bit\r\n\r\n";
	char *utf8 = text_to_utf8(plain, charset);
	GByteArray *body = crypto_canonical(utf8, strlen(utf8));
	GByteArray *out = g_byte_array_sized_new(body->len + sizeof head);

	g_byte_array_append(out, (const guint8 *)head, sizeof head - 1);
	g_byte_array_append(out, body->data, body->len);
	g_byte_array_unref(body);
	g_free(utf8);
	return out;
}

gboolean crypto_is_pkcs7_mime(GMimeObject *o)
{
	return crypto_type_is(o, "application", "pkcs7-mime") ||
	       crypto_type_is(o, "application", "x-pkcs7-mime");
}

/* 1 when o holds anything signed or encrypted (message/rfc822 not entered). */
gboolean crypto_holds_signature(GMimeObject *o, int level)
{
	GByteArray *text;
	gboolean found;

	if (level > MAX_MIME_DEPTH)
		return FALSE;
	if (crypto_type_is(o, "multipart", "signed") ||
	    crypto_type_is(o, "multipart", "encrypted") || crypto_is_pkcs7_mime(o))
		return TRUE;
	if (GMIME_IS_MULTIPART(o)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (int i = 0; i < n && i < MAX_MIME_PARTS; i++)
			if (crypto_holds_signature(
				    g_mime_multipart_get_part(GMIME_MULTIPART(o), i), level + 1))
				return TRUE;
		return FALSE;
	}
	if (!crypto_type_is(o, "text", "plain") || !(text = crypto_part_bytes(o)))
		return FALSE;
	found = line_starting((const char *)text->data, text->len, 0, ARMOUR_BEGIN) != NULL;
	g_byte_array_unref(text);
	return found;
}

/* export.c - writes the directory as CSV, vCard 4.0 or JSON, one POC at a
 * time: each record is built in a buffer of its own, written to the
 * stream and dropped before the next is read, so 2,000 POCs take the
 * memory of one. Input: POCs whose text came from States' mail and is
 * trusted in nothing: it is made valid UTF-8, quoted (CSV), escaped and
 * folded (vCard) or escaped by json-glib (JSON), values whole. Failure:
 * -1 with a GError, from the stream or from the source. */
#include <string.h>
#include "clock.h"
#include "export.h"
#include "json-out.h"
#include "langs.h"
#include "poc-keys.h"

#define VCARD_LINE 75		/* octets of a vCard line before folding (RFC 6350 3.2) */

/* ---- names ---- */

static const char *const format_names[] = { "csv", "vcard", "json" };
G_STATIC_ASSERT(G_N_ELEMENTS(format_names) == EXPORT_JSON + 1);

const char *export_format_name(enum export_format f)
{
	g_assert((unsigned)f < G_N_ELEMENTS(format_names));
	return format_names[f];
}

int export_format_parse(const char *name, enum export_format *f)
{
	for (size_t i = 0; name && i < G_N_ELEMENTS(format_names); i++)
		if (strcmp(name, format_names[i]) == 0) {
			*f = (enum export_format)i;
			return 0;
		}
	return -1;
}

void export_names_init(struct export_names *n, const struct states *states,
		       const struct templates *tpl, const char *lang)
{
	static const char *const keys[] = { "type-diplomatic", "type-technical", "type-policy",
					    "type-law-enforcement" };

	n->states = states;
	n->db = NULL;
	g_strlcpy(n->lang, langs_known(lang) ? lang : "en", sizeof n->lang);
	for (int t = 0; t < 4; t++) {
		n->type[t] = tpl ? templates_label(tpl, n->lang, keys[t])
				 : g_strdup(form_type_name(t));
	}
}

void export_names_clear(struct export_names *n)
{
	for (int t = 0; t < 4; t++)
		g_clear_pointer(&n->type[t], g_free);
}

const char *export_state_name(const struct export_names *n, const char *code)
{
	const char *name = n->states ? states_name(n->states, code, n->lang) : NULL;

	if (!name && n->states)
		name = states_name(n->states, code, "en");
	return name ? name : code;
}

static const char *type_name(const struct export_names *n, enum poc_type t)
{
	return t >= 0 && t < 4 ? n->type[t] : "";
}

/* ---- shared ---- */

/* The strings of a joined with sep ("" when none). g_free it. */
static char *joined(const GPtrArray *a, const char *sep)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; a && i < a->len; i++)
		g_string_append_printf(out, "%s%s", i ? sep : "",
				       (const char *)g_ptr_array_index(a, i));
	return g_string_free(out, FALSE);
}

static const char *e164_at(const struct poc *p, guint i)
{
	return p->phones_e164 && i < p->phones_e164->len ? g_ptr_array_index(p->phones_e164, i)
							 : "";
}

/* One POC's record; keys: its keys (struct poc_key), in the order of its addresses. */
typedef void record_fn(GString *out, const struct poc *p, const struct export_names *names,
		       const GPtrArray *keys);

/* The key of address among keys, or NULL. */
static const struct poc_key *key_of(const GPtrArray *keys, const char *address)
{
	for (guint i = 0; keys && i < keys->len; i++) {
		const struct poc_key *k = keys->pdata[i];

		if (g_ascii_strcasecmp(k->address, address) == 0)
			return k;
	}
	return NULL;
}

/* t as ISO 8601 UTC in out, or none when t is 0 (never, not proven). */
static const char *time_or(gint64 t, const char *none, char out[CLOCK_TEXT_LEN])
{
	return t > 0 ? clock_text(t, CLOCK_ISO, none, out) : none;
}

/* The keys of p (names->db; none without it), or NULL on a database error. */
static GPtrArray *keys_load(const struct export_names *names, const struct poc *p)
{
	if (!names->db)
		return g_ptr_array_new_with_free_func(poc_key_free);
	return poc_keys_of(names->db, p->id);
}

/* Writes what the writer built, then empties it. */
static int flush(GOutputStream *out, GString *buf, GError **err)
{
	gboolean ok = g_output_stream_write_all(out, buf->str, buf->len, NULL, NULL, err);

	g_string_truncate(buf, 0);
	return ok ? 0 : -1;
}

/* Writes head, each POC of the source as record (sep between two), tail. */
static int stream(GOutputStream *out, export_next_fn *next, void *source,
		  const struct export_names *names, record_fn *record, const char *head,
		  const char *sep, const char *tail, guint *count, GError **err)
{
	GString *buf = g_string_new(head);
	struct poc p;
	guint n = 0;
	int got = 0, rc = 0;

	memset(&p, 0, sizeof p);
	while (rc == 0 && (got = next(source, &p)) == 1) {
		GPtrArray *keys = keys_load(names, &p);

		if (!keys) {
			pocs_clear(&p);
			got = -1;
			break;
		}
		if (n++ && sep)
			g_string_append(buf, sep);
		record(buf, &p, names, keys);
		g_ptr_array_unref(keys);
		pocs_clear(&p);
		rc = flush(out, buf, err);
	}
	if (rc == 0 && got < 0) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "the POCs could not be read");
		rc = -1;
	}
	if (rc == 0 && tail) {
		g_string_append(buf, n ? tail : tail + strspn(tail, "\n"));
		rc = flush(out, buf, err);
	}
	g_string_free(buf, TRUE);
	if (count)
		*count = n;
	return rc;
}

/* ---- CSV ---- */

#define CSV_HEADER                                                                              \
	"id,state,state_name,type,type_name,status,organisation,web,emails,phones,phones_e164," \
	"languages,name,position,notes,updated,key_protocols,key_fingerprints,key_expires,"       \
	"key_proven\r\n"

static void csv_field(GString *out, const char *s, gboolean first)
{
	char *v = g_utf8_make_valid(s ? s : "", -1);
	size_t len = strlen(v);

	if (!first)
		g_string_append_c(out, ',');
	if (strpbrk(v, ",\"\r\n") || (len && (v[0] == ' ' || v[len - 1] == ' '))) {
		g_string_append_c(out, '"');
		for (const char *c = v; *c; c++) {
			if (*c == '"')
				g_string_append_c(out, '"');
			g_string_append_c(out, *c);
		}
		g_string_append_c(out, '"');
	} else {
		g_string_append(out, v);
	}
	g_free(v);
}

/* The key columns: protocol, fingerprint, expiry, proven, each joined
 * with "; " in the order of p's addresses ("" for an address with no key). */
static void csv_keys(const struct poc *p, const GPtrArray *keys, char *cols[4])
{
	GString *s[4];

	for (int c = 0; c < 4; c++)
		s[c] = g_string_new(NULL);
	for (guint i = 0; p->emails && i < p->emails->len; i++) {
		const struct poc_key *k = key_of(keys, p->emails->pdata[i]);
		char when[CLOCK_TEXT_LEN];

		for (int c = 0; i && c < 4; c++)
			g_string_append(s[c], "; ");
		if (!k)
			continue;
		g_string_append(s[0], k->protocol);
		g_string_append(s[1], k->fingerprint);
		g_string_append(s[2], time_or(k->expires, "never", when));
		g_string_append(s[3], time_or(k->proven, "no", when));
	}
	for (int c = 0; c < 4; c++)
		cols[c] = g_string_free(s[c], !keys || keys->len == 0);
}

static void csv_record(GString *out, const struct poc *p, const struct export_names *names,
		       const GPtrArray *keys)
{
	char *lists[] = { joined(p->emails, "; "), joined(p->phones, "; "),
			  joined(p->phones_e164, "; "), joined(p->languages, "; ") };
	char updated[CLOCK_TEXT_LEN], *k[4];
	const char *fields[] = {
		p->id, p->state, export_state_name(names, p->state), form_type_name(p->type),
		type_name(names, p->type), pocs_status_name(p->status), p->organisation, p->web,
		lists[0], lists[1], lists[2], lists[3], p->name, p->position, p->notes,
		clock_text(p->updated, CLOCK_ISO, "", updated), NULL, NULL, NULL, NULL
	};

	csv_keys(p, keys, k);
	for (int c = 0; c < 4; c++)
		fields[G_N_ELEMENTS(fields) - 4 + c] = k[c];

	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
		csv_field(out, fields[i], i == 0);
	g_string_append(out, "\r\n");
	for (size_t i = 0; i < G_N_ELEMENTS(lists); i++)
		g_free(lists[i]);
	for (int c = 0; c < 4; c++)
		g_free(k[c]);
}

int export_csv(GOutputStream *out, export_next_fn *next, void *source,
	       const struct export_names *names, guint *count, GError **err)
{
	return stream(out, next, source, names, csv_record, CSV_HEADER, NULL, NULL, count, err);
}

/* ---- vCard ---- */

/* Appends s as a vCard text value: \ , ; and new lines escaped (a CRLF or
 * a lone CR is one new line), other control characters U+FFFD. */
static void vcard_escape(GString *out, const char *s)
{
	char *v = g_utf8_make_valid(s ? s : "", -1);

	for (const char *c = v; *c; c++) {
		if (*c == '\\' || *c == ',' || *c == ';')
			g_string_append_c(g_string_append_c(out, '\\'), *c);
		else if (*c == '\r' || *c == '\n') {
			g_string_append(out, "\\n");
			if (c[0] == '\r' && c[1] == '\n')
				c++;
		} else if ((unsigned char)*c < 0x20 || *c == 0x7f)
			g_string_append(out, "\xef\xbf\xbd");
		else
			g_string_append_c(out, *c);
	}
	g_free(v);
}

/* Appends one content line, name:value (value already escaped), folded
 * so that no line passes VCARD_LINE octets and no UTF-8 character is cut:
 * CRLF and a space start each continuation. */
static void vcard_line(GString *out, const char *name, const char *value)
{
	char *line = g_strconcat(name, ":", value, NULL);
	size_t used = 0;

	for (const char *c = line; *c;) {
		size_t n = (size_t)(g_utf8_next_char(c) - c);

		if (used + n > VCARD_LINE) {
			g_string_append(out, "\r\n ");
			used = 1;
		}
		g_string_append_len(out, c, (gssize)n);
		used += n;
		c += n;
	}
	g_string_append(out, "\r\n");
	g_free(line);
}

/* A text property: name:escaped(value), nothing when value is NULL or empty. */
static void vcard_text(GString *out, const char *name, const char *value)
{
	GString *v;

	if (!value || !*value)
		return;
	v = g_string_new(NULL);
	vcard_escape(v, value);
	vcard_line(out, name, v->str);
	g_string_free(v, TRUE);
}

static void vcard_phones(GString *out, const struct poc *p)
{
	for (guint i = 0; p->phones && i < p->phones->len; i++) {
		const char *e164 = e164_at(p, i);
		char *uri;

		if (!*e164) {
			vcard_text(out, "TEL;VALUE=text", g_ptr_array_index(p->phones, i));
			continue;
		}
		uri = g_strconcat("tel:", e164, NULL);
		vcard_text(out, "TEL;VALUE=uri", uri);
		g_free(uri);
	}
}

/* The base64 of the DER of the first certificate of pem, or NULL. g_free it. */
static char *pem_first_der(const char *pem)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	const char *from = strstr(pem, begin), *to;
	char *body, *b64 = NULL;
	guchar *der;
	gsize len = 0;

	if (!from || !(to = strstr(from, "-----END CERTIFICATE-----")))
		return NULL;
	from += strlen(begin);
	body = g_strndup(from, (gsize)(to - from));
	der = g_base64_decode_inplace(body, &len) ? (guchar *)body : NULL;
	if (der && len)
		b64 = g_base64_encode(der, len);
	g_free(body);
	return b64;
}

/* Each key of p as the group keyN: KEY, a data: URI, and X-POCBOT-KEY. */
static void vcard_keys(GString *out, const GPtrArray *keys)
{
	for (guint i = 0; keys && i < keys->len; i++) {
		const struct poc_key *k = keys->pdata[i];
		gboolean pgp = strcmp(k->protocol, "openpgp") == 0;
		const char *type = pgp ? "application/pgp-keys" : "application/pkix-cert";
		char *b64 = pgp ? g_base64_encode((const guchar *)k->data, strlen(k->data))
				: pem_first_der(k->data);
		char *name, *value, expires[CLOCK_TEXT_LEN], proven[CLOCK_TEXT_LEN];
		const char *parts[] = { k->address, k->protocol, k->fingerprint,
					time_or(k->expires, "never", expires),
					time_or(k->proven, "no", proven) };
		GString *meta;

		if (!b64)
			continue;
		name = g_strdup_printf("key%u.KEY;MEDIATYPE=%s", i + 1, type);
		value = g_strdup_printf("data:%s;base64,%s", type, b64);
		vcard_line(out, name, value);
		g_free(name);
		g_free(value);
		meta = g_string_new(NULL);
		for (size_t j = 0; j < G_N_ELEMENTS(parts); j++) {
			if (j)
				g_string_append_c(meta, ';');
			vcard_escape(meta, parts[j]);
		}
		name = g_strdup_printf("key%u.X-POCBOT-KEY", i + 1);
		vcard_line(out, name, meta->str);
		g_free(name);
		g_string_free(meta, TRUE);
		g_free(b64);
	}
}

static void vcard_record(GString *out, const struct poc *p, const struct export_names *names,
			 const GPtrArray *keys)
{
	char *note = g_strdup_printf("%s (%s), %s%s%s", export_state_name(names, p->state),
				     p->state, p->id, p->notes && *p->notes ? "\n" : "",
				     p->notes ? p->notes : "");
	char rev[CLOCK_TEXT_LEN];
	GString *org = g_string_new(NULL);

	vcard_escape(org, p->organisation);
	g_string_append(out, "BEGIN:VCARD\r\nVERSION:4.0\r\n");
	vcard_line(out, "KIND", p->name && *p->name ? "individual" : "org");
	vcard_text(out, "FN", p->name && *p->name ? p->name : p->organisation);
	vcard_line(out, "ORG", org->str);
	vcard_text(out, "TITLE", p->position);
	for (guint i = 0; p->emails && i < p->emails->len; i++)
		vcard_text(out, "EMAIL", g_ptr_array_index(p->emails, i));
	vcard_phones(out, p);
	vcard_text(out, "URL", p->web);
	for (guint i = 0; p->languages && i < p->languages->len; i++)
		vcard_text(out, "LANG", g_ptr_array_index(p->languages, i));
	vcard_text(out, "CATEGORIES", type_name(names, p->type));
	vcard_text(out, "NOTE", note);
	vcard_line(out, "REV", clock_text(p->updated, "%Y%m%dT%H%M%SZ", "", rev));
	vcard_text(out, "X-POCBOT-ID", p->id);
	vcard_text(out, "X-POCBOT-STATE", p->state);
	vcard_text(out, "X-POCBOT-TYPE", form_type_name(p->type));
	vcard_text(out, "X-POCBOT-STATUS", pocs_status_name(p->status));
	vcard_keys(out, keys);
	g_string_append(out, "END:VCARD\r\n");
	g_string_free(org, TRUE);
	g_free(note);
}

int export_vcard(GOutputStream *out, export_next_fn *next, void *source,
		 const struct export_names *names, guint *count, GError **err)
{
	return stream(out, next, source, names, vcard_record, "", NULL, NULL, count, err);
}

/* ---- JSON ---- */

static void json_strings(JsonBuilder *b, const char *member, const GPtrArray *a)
{
	json_builder_set_member_name(b, member);
	json_builder_begin_array(b);
	for (guint i = 0; a && i < a->len; i++) {
		char *v = g_utf8_make_valid(g_ptr_array_index(a, i), -1);

		json_builder_add_string_value(b, v);
		g_free(v);
	}
	json_builder_end_array(b);
}

static void json_phones(JsonBuilder *b, const struct poc *p)
{
	json_builder_set_member_name(b, "phones");
	json_builder_begin_array(b);
	for (guint i = 0; p->phones && i < p->phones->len; i++) {
		json_builder_begin_object(b);
		json_out_string(b, "written", g_ptr_array_index(p->phones, i));
		json_out_string(b, "e164", e164_at(p, i));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void json_keys(JsonBuilder *b, const GPtrArray *keys)
{
	json_builder_set_member_name(b, "keys");
	json_builder_begin_array(b);
	for (guint i = 0; keys && i < keys->len; i++) {
		const struct poc_key *k = keys->pdata[i];

		json_builder_begin_object(b);
		json_out_string(b, "address", k->address);
		json_out_string(b, "protocol", k->protocol);
		json_out_string(b, "fingerprint", k->fingerprint);
		json_out_time(b, "expires", k->expires);
		json_out_time(b, "proven", k->proven);
		json_out_string(b, "key", k->data);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void json_record(GString *out, const struct poc *p, const struct export_names *names,
			const GPtrArray *keys)
{
	JsonBuilder *b = json_builder_new();
	JsonGenerator *gen = json_generator_new();
	JsonNode *root;
	char updated[CLOCK_TEXT_LEN], *text;

	json_builder_begin_object(b);
	json_out_string(b, "id", p->id);
	json_out_string(b, "state", p->state);
	json_out_string(b, "state_name", export_state_name(names, p->state));
	json_out_string(b, "type", form_type_name(p->type));
	json_out_string(b, "type_name", type_name(names, p->type));
	json_out_string(b, "status", pocs_status_name(p->status));
	json_out_string(b, "organisation", p->organisation);
	json_out_string(b, "web", p->web);
	json_strings(b, "emails", p->emails);
	json_phones(b, p);
	json_strings(b, "languages", p->languages);
	json_out_string(b, "name", p->name);
	json_out_string(b, "position", p->position);
	json_out_string(b, "notes", p->notes);
	json_out_string(b, "updated", clock_text(p->updated, CLOCK_ISO, "", updated));
	json_keys(b, keys);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	g_string_append(out, text);
	g_free(text);
	json_node_unref(root);
	g_object_unref(gen);
	g_object_unref(b);
}

int export_json(GOutputStream *out, export_next_fn *next, void *source,
		const struct export_names *names, guint *count, GError **err)
{
	return stream(out, next, source, names, json_record, "[\n", ",\n", "\n]\n", count, err);
}

int export_write(enum export_format f, GOutputStream *out, export_next_fn *next, void *source,
		 const struct export_names *names, guint *count, GError **err)
{
	if (f == EXPORT_VCARD)
		return export_vcard(out, next, source, names, count, err);
	if (f == EXPORT_JSON)
		return export_json(out, next, source, names, count, err);
	return export_csv(out, next, source, names, count, err);
}

/* ---- the database as a source ---- */

struct export_cursor {
	sqlite3 *db;
	struct pocs_cursor *ids;
	GHashTable *states;	/* alpha-2 codes wanted; NULL: all */
};

struct export_cursor *export_cursor_new(sqlite3 *db, const char *const *states)
{
	struct export_cursor *c = g_new0(struct export_cursor, 1);

	c->db = db;
	if (!(c->ids = pocs_cursor_new(db))) {
		export_cursor_free(c);
		return NULL;
	}
	for (size_t i = 0; states && states[i]; i++) {
		if (!c->states)
			c->states = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		g_hash_table_add(c->states, g_ascii_strup(states[i], -1));
	}
	return c;
}

int export_cursor_next(void *source, struct poc *p)
{
	struct export_cursor *c = source;
	const char *id, *state;
	int rc;

	while ((rc = pocs_cursor_next(c->ids, &id, &state)) == 1) {
		if (c->states && !g_hash_table_contains(c->states, state))
			continue;
		return pocs_load(c->db, id, p) == 1 ? 1 : -1;
	}
	return rc;
}

void export_cursor_free(struct export_cursor *c)
{
	if (!c)
		return;
	pocs_cursor_free(c->ids);
	if (c->states)
		g_hash_table_unref(c->states);
	g_free(c);
}

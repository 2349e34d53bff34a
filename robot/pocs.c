/* pocs.c - the store of points of contact: load, list, count, whether a
 * State takes part; two records compared (what a change touches, whether
 * it needs a verification ping); a record as JSON for the audit trail, and
 * back into form fields for the yearly update reminders. The operations
 * that write (nominate, update, withdraw) are in pocs-ops.c. Input: what
 * the database holds (bound as SQL parameters, never formatted). Returns
 * -1/NULL on a database error. */
#include <string.h>
#include "clock.h"
#include "pocs-internal.h"
#include "db.h"

#define POC_COLUMNS "id, state, type, organisation, web, name, position, notes, status, version," \
		    " created, updated, withdrawn_reason"
#define TYPE_ORDER "CASE type WHEN 'diplomatic' THEN 0 WHEN 'technical' THEN 1" \
		   " WHEN 'policy' THEN 2 ELSE 3 END"

static const char *const status_names[] = { "pending", "active", "unverified", "withdrawn" };
G_STATIC_ASSERT(G_N_ELEMENTS(status_names) == POC_WITHDRAWN + 1);

int pocs_type_parse(const char *name, enum poc_type *t)
{
	for (enum poc_type i = POC_DIPLOMATIC; name && i <= POC_LAW_ENFORCEMENT; i++)
		if (g_ascii_strcasecmp(name, form_type_name(i)) == 0) {
			*t = i;
			return 0;
		}
	return -1;
}

const char *pocs_status_name(enum poc_status s)
{
	return (size_t)s < G_N_ELEMENTS(status_names) ? status_names[s] : "?";
}

static enum poc_status status_parse(const char *name)
{
	for (size_t i = 0; name && i < G_N_ELEMENTS(status_names); i++)
		if (strcmp(name, status_names[i]) == 0)
			return (enum poc_status)i;
	return POC_PENDING;	/* the table's CHECK allows no other word */
}

/* ---- records ---- */

void pocs_reset(struct poc *p)
{
	memset(p, 0, sizeof *p);
	p->type = POC_TYPE_NONE;
}

GPtrArray *pocs_strings_new(void)
{
	return g_ptr_array_new_with_free_func(g_free);
}

GPtrArray *pocs_strings_copy(const GPtrArray *a)
{
	GPtrArray *c = pocs_strings_new();

	for (guint i = 0; a && i < a->len; i++)
		g_ptr_array_add(c,
				g_strdup(g_ptr_array_index(a, i) ? g_ptr_array_index(a, i) : ""));
	return c;
}

void pocs_strings_unref(GPtrArray *a)
{
	if (a)
		g_ptr_array_unref(a);
}

void pocs_clear(struct poc *p)
{
	g_free(p->organisation);
	g_free(p->web);
	g_free(p->name);
	g_free(p->position);
	g_free(p->notes);
	pocs_strings_unref(p->emails);
	pocs_strings_unref(p->phones);
	pocs_strings_unref(p->phones_e164);
	pocs_strings_unref(p->languages);
	g_free(p->withdrawn_reason);
	pocs_reset(p);
}

static void poc_free(gpointer p)
{
	pocs_clear(p);
	g_free(p);
}

void pocs_copy(struct poc *dst, const struct poc *src)
{
	*dst = *src;
	dst->organisation = g_strdup(src->organisation);
	dst->web = g_strdup(src->web);
	dst->name = g_strdup(src->name);
	dst->position = g_strdup(src->position);
	dst->notes = g_strdup(src->notes);
	dst->emails = pocs_strings_copy(src->emails);
	dst->phones = pocs_strings_copy(src->phones);
	dst->phones_e164 = pocs_strings_copy(src->phones_e164);
	dst->languages = pocs_strings_copy(src->languages);
	dst->withdrawn_reason = g_strdup(src->withdrawn_reason);
}

/* ---- reading ---- */

static char *column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? g_strdup((const char *)t) : NULL;
}

/* Fills p from a row of POC_COLUMNS (its lists empty). */
static void row_poc(sqlite3_stmt *st, struct poc *p)
{
	const unsigned char *t;

	pocs_reset(p);
	g_strlcpy(p->id, (t = sqlite3_column_text(st, 0)) ? (const char *)t : "", sizeof p->id);
	g_strlcpy(p->state, (t = sqlite3_column_text(st, 1)) ? (const char *)t : "",
		  sizeof p->state);
	if (pocs_type_parse((const char *)sqlite3_column_text(st, 2), &p->type) < 0)
		p->type = POC_TYPE_NONE;
	p->organisation = column_dup(st, 3);
	p->web = column_dup(st, 4);
	p->name = column_dup(st, 5);
	p->position = column_dup(st, 6);
	p->notes = column_dup(st, 7);
	p->status = status_parse((const char *)sqlite3_column_text(st, 8));
	p->version = sqlite3_column_int64(st, 9);
	p->created = sqlite3_column_int64(st, 10);
	p->updated = sqlite3_column_int64(st, 11);
	p->withdrawn_reason = column_dup(st, 12);
	p->emails = pocs_strings_new();
	p->phones = pocs_strings_new();
	p->phones_e164 = pocs_strings_new();
	p->languages = pocs_strings_new();
}

/* The statements that read a POC's lists, prepared once per load or list. */
struct lists {
	sqlite3_stmt *emails, *phones, *languages;
};

static int lists_prepare(sqlite3 *db, struct lists *l)
{
	memset(l, 0, sizeof *l);
	l->emails = db_query(db, "SELECT address, NULL FROM poc_emails WHERE poc = ?1"
			     " ORDER BY position", NULL);
	if (!l->emails)
		return -1;
	l->phones = db_query(db, "SELECT written, coalesce(e164, '') FROM poc_phones"
			     " WHERE poc = ?1 ORDER BY position", NULL);
	if (!l->phones)
		return -1;
	l->languages = db_query(db, "SELECT code, NULL FROM poc_languages WHERE poc = ?1"
				" ORDER BY position", NULL);
	if (!l->languages)
		return -1;
	return 0;
}

static void lists_finalize(struct lists *l)
{
	db_done(l->emails);
	db_done(l->phones);
	db_done(l->languages);
}

/* Column 0 (and 1, when b is not NULL) of each row of st for poc id. */
static int read_list(sqlite3_stmt *st, const char *id, GPtrArray *a, GPtrArray *b)
{
	int step;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		g_ptr_array_add(a, column_dup(st, 0));
		if (b)
			g_ptr_array_add(b, column_dup(st, 1));
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? 0 : -1;
}

static int lists_read(struct lists *l, struct poc *p)
{
	if (read_list(l->emails, p->id, p->emails, NULL) < 0)
		return -1;
	if (read_list(l->phones, p->id, p->phones, p->phones_e164) < 0)
		return -1;
	if (read_list(l->languages, p->id, p->languages, NULL) < 0)
		return -1;
	return 0;
}

int pocs_load(sqlite3 *db, const char *id, struct poc *out)
{
	char *key = g_ascii_strup(id ? id : "", -1);
	sqlite3_stmt *st = NULL;
	struct lists l;
	int step = SQLITE_ERROR;

	pocs_reset(out);
	if (lists_prepare(db, &l) == 0 &&
	    (st = db_query(db, "SELECT " POC_COLUMNS " FROM pocs WHERE id = ?1", NULL))) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if ((step = sqlite3_step(st)) == SQLITE_ROW) {
			row_poc(st, out);
			if (lists_read(&l, out) < 0)
				step = SQLITE_ERROR;
		}
	}
	db_done(st);
	lists_finalize(&l);
	g_free(key);
	if (step != SQLITE_ROW)
		pocs_clear(out);
	return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
}

GPtrArray *pocs_list(sqlite3 *db, const char *state, enum poc_type type, gboolean with_withdrawn)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(poc_free);
	sqlite3_stmt *st = NULL;
	struct lists l;
	int step = SQLITE_ERROR;

	if (lists_prepare(db, &l) == 0 &&
	    (st = db_query(db, "SELECT " POC_COLUMNS " FROM pocs WHERE (?1 IS NULL OR state = ?1)"
			       " AND (?2 IS NULL OR type = ?2) AND (?3 OR status <> 'withdrawn')"
			       " ORDER BY state, " TYPE_ORDER ", number", NULL))) {
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, type == POC_TYPE_NONE ? NULL : form_type_name(type), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int(st, 3, with_withdrawn ? 1 : 0);
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			struct poc *p = g_new(struct poc, 1);

			row_poc(st, p);
			g_ptr_array_add(all, p);
			if (lists_read(&l, p) < 0) {
				step = SQLITE_ERROR;
				break;
			}
		}
	}
	db_done(st);
	lists_finalize(&l);
	if (step != SQLITE_DONE) {
		g_ptr_array_unref(all);
		return NULL;
	}
	return all;
}

GHashTable *pocs_count_by_state(sqlite3 *db)
{
	GHashTable *counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	if ((st = db_query(
		     db,
		     "SELECT state, count(*) FROM pocs WHERE status <> 'withdrawn' GROUP BY state",
		     NULL)))
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			g_hash_table_insert(counts, column_dup(st, 0),
					    GINT_TO_POINTER(sqlite3_column_int(st, 1)));
	db_done(st);
	if (step != SQLITE_DONE) {
		g_hash_table_unref(counts);
		return NULL;
	}
	return counts;
}

/* 1 when the query (one parameter, the code) gives a row, 0 when not, -1
 * on a database error. */
static int state_has_row(sqlite3 *db, const char *sql, const char *code)
{
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	if ((st = db_query(db, sql, NULL))) {
		sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
		step = sqlite3_step(st);
	}
	db_done(st);
	return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
}

int pocs_first_created(sqlite3 *db, gint64 *at)
{
	return db_int64(db, at, "SELECT min(created) FROM pocs WHERE status != 'withdrawn'", NULL);
}

/* Each State's update reminder: its base, the States it is taken over. */
#define UPDATE_BASE "coalesce(max(t.last), min(p.created))"
#define UPDATE_FROM " FROM pocs p LEFT JOIN timer_runs t ON t.name = 'update:' || p.state" \
		    " WHERE p.status != 'withdrawn' GROUP BY p.state"

GPtrArray *pocs_states_due_update(sqlite3 *db, gint64 every, gint64 now, int limit)
{
	return db_texts(db_query(db, "SELECT p.state" UPDATE_FROM " HAVING " UPDATE_BASE
				 " + ?1 <= ?2 LIMIT ?3", "iii", every, now, (gint64)limit));
}

int pocs_update_base(sqlite3 *db, gint64 *at)
{
	return db_int64(db, at, "SELECT min(base) FROM (SELECT " UPDATE_BASE " AS base"
			UPDATE_FROM ")", NULL);
}

struct pocs_cursor {
	sqlite3_stmt *st;
};

struct pocs_cursor *pocs_cursor_new(sqlite3 *db)
{
	sqlite3_stmt *st = db_query(db, "SELECT id, state FROM pocs WHERE status <> 'withdrawn'"
				    " ORDER BY state, " TYPE_ORDER ", number", NULL);
	struct pocs_cursor *c;

	if (!st)
		return NULL;
	c = g_new0(struct pocs_cursor, 1);
	c->st = st;
	return c;
}

int pocs_cursor_next(struct pocs_cursor *c, const char **id, const char **state)
{
	int rc = db_step(c->st);

	if (rc == 1) {
		*id = (const char *)sqlite3_column_text(c->st, 0);
		*state = (const char *)sqlite3_column_text(c->st, 1);
	}
	return rc;
}

void pocs_cursor_free(struct pocs_cursor *c)
{
	if (!c)
		return;
	db_done(c->st);
	g_free(c);
}

int pocs_state_contributes(sqlite3 *db, const char *code)
{
	return state_has_row(
		db, "SELECT 1 FROM pocs WHERE state = ?1 AND status != 'withdrawn' LIMIT 1", code);
}

/* ---- comparing ---- */

static gboolean text_equal(const char *a, const char *b)
{
	return g_strcmp0(a && *a ? a : NULL, b && *b ? b : NULL) == 0;
}

static gboolean strings_equal(const GPtrArray *a, const GPtrArray *b)
{
	guint n = a ? a->len : 0;

	if (n != (b ? b->len : 0))
		return FALSE;
	for (guint i = 0; i < n; i++)
		if (!text_equal(g_ptr_array_index(a, i), g_ptr_array_index(b, i)))
			return FALSE;
	return TRUE;
}

guint32 pocs_diff(const struct poc *a, const struct poc *b)
{
	guint32 d = 0;

	d |= strcmp(a->id, b->id) ? FIELD_ID : 0;
	d |= strcmp(a->state, b->state) ? FIELD_STATE : 0;
	d |= a->type != b->type ? FIELD_TYPE : 0;
	d |= !text_equal(a->organisation, b->organisation) ? FIELD_ORGANISATION : 0;
	d |= !text_equal(a->web, b->web) ? FIELD_WEB : 0;
	d |= !strings_equal(a->emails, b->emails) ? FIELD_EMAIL : 0;
	d |= !strings_equal(a->phones, b->phones) || !strings_equal(a->phones_e164, b->phones_e164)
		     ? FIELD_PHONE
		     : 0;
	d |= !strings_equal(a->languages, b->languages) ? FIELD_LANGUAGES : 0;
	d |= !text_equal(a->name, b->name) ? FIELD_NAME : 0;
	d |= !text_equal(a->position, b->position) ? FIELD_POSITION : 0;
	d |= !text_equal(a->notes, b->notes) ? FIELD_NOTES : 0;
	d |= a->status != b->status || !text_equal(a->withdrawn_reason, b->withdrawn_reason)
		     ? FIELD_REASON
		     : 0;
	return d;
}

gboolean pocs_needs_verification(const struct poc *before, const struct poc *after)
{
	for (guint i = 0; after->emails && i < after->emails->len; i++) {
		const char *a = g_ptr_array_index(after->emails, i);
		gboolean known = FALSE;

		for (guint j = 0; before->emails && j < before->emails->len && !known; j++)
			known = g_ascii_strcasecmp(a, g_ptr_array_index(before->emails, j)) == 0;
		if (!known)
			return TRUE;
	}
	return FALSE;
}

/* ---- JSON ---- */

void pocs_json_string(GString *out, const char *s)
{
	char *valid;

	if (!s) {
		g_string_append(out, "null");
		return;
	}
	valid = g_utf8_make_valid(s, -1);
	g_string_append_c(out, '"');
	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == '"' || c == '\\')
			g_string_append_printf(out, "\\%c", (char)c);
		else if (c == '\n')
			g_string_append(out, "\\n");
		else if (c == '\t')
			g_string_append(out, "\\t");
		else if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029)
			g_string_append_printf(out, "\\u%04x", (unsigned)c);
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	g_string_append_c(out, '"');
	g_free(valid);
}

static void json_strings(GString *out, const GPtrArray *a)
{
	g_string_append_c(out, '[');
	for (guint i = 0; a && i < a->len; i++) {
		if (i)
			g_string_append_c(out, ',');
		pocs_json_string(out, g_ptr_array_index(a, i));
	}
	g_string_append_c(out, ']');
}

static void json_phones(GString *out, const struct poc *p)
{
	g_string_append_c(out, '[');
	for (guint i = 0; p->phones && i < p->phones->len; i++) {
		const char *e = p->phones_e164 && i < p->phones_e164->len
					? g_ptr_array_index(p->phones_e164, i)
					: NULL;

		g_string_append(out, i ? ",{\"written\":" : "{\"written\":");
		pocs_json_string(out, g_ptr_array_index(p->phones, i));
		g_string_append(out, ",\"e164\":");
		pocs_json_string(out, e && *e ? e : NULL);
		g_string_append_c(out, '}');
	}
	g_string_append_c(out, ']');
}

static void json_date(GString *out, gint64 at)
{
	char when[CLOCK_TEXT_LEN];

	pocs_json_string(out, clock_text(at, CLOCK_ISO, NULL, when));
}

/* ,"key": */
static void json_key(GString *out, const char *key)
{
	g_string_append_printf(out, ",\"%s\":", key);
}

static void json_text(GString *out, const char *key, const char *value)
{
	json_key(out, key);
	pocs_json_string(out, value);
}

void pocs_json(const struct poc *p, GString *out)
{
	if (!p->id[0]) {
		g_string_append(out, "null");
		return;
	}
	g_string_append(out, "{\"id\":");
	pocs_json_string(out, p->id);
	json_text(out, "state", p->state);
	json_text(out, "type", form_type_name(p->type));
	json_text(out, "organisation", p->organisation);
	json_text(out, "web", p->web);
	json_key(out, "emails");
	json_strings(out, p->emails);
	json_key(out, "phones");
	json_phones(out, p);
	json_key(out, "languages");
	json_strings(out, p->languages);
	json_text(out, "name", p->name);
	json_text(out, "position", p->position);
	json_text(out, "notes", p->notes);
	json_text(out, "status", pocs_status_name(p->status));
	json_key(out, "version");
	g_string_append_printf(out, "%" G_GINT64_FORMAT, p->version);
	json_key(out, "created");
	json_date(out, p->created);
	json_key(out, "updated");
	json_date(out, p->updated);
	json_text(out, "withdrawn_reason", p->withdrawn_reason);
	g_string_append_c(out, '}');
}

/* ---- back into a form ---- */

void pocs_to_fields(const struct poc *p, struct form_fields *out)
{
	memset(out, 0, sizeof *out);
	out->type = POC_TYPE_NONE;
	if (!p->id[0])
		return;
	out->present = FIELD_ID | FIELD_STATE | FIELD_TYPE | FIELD_ORGANISATION | FIELD_EMAIL |
		       FIELD_PHONE;
	out->id = g_strdup(p->id);
	g_strlcpy(out->state, p->state, sizeof out->state);
	out->type = p->type;
	out->organisation = g_strdup(p->organisation);
	out->emails = pocs_strings_copy(p->emails);
	out->phones = pocs_strings_copy(p->phones);
	out->phones_e164 = pocs_strings_copy(p->phones_e164);
	out->languages = pocs_strings_copy(p->languages);
	out->present |= out->languages->len ? FIELD_LANGUAGES : 0;
	out->present |= (out->web = g_strdup(p->web)) ? FIELD_WEB : 0;
	out->present |= (out->name = g_strdup(p->name)) ? FIELD_NAME : 0;
	out->present |= (out->position = g_strdup(p->position)) ? FIELD_POSITION : 0;
	out->present |= (out->notes = g_strdup(p->notes)) ? FIELD_NOTES : 0;
}

void pocs_fields_clear(struct form_fields *f)
{
	g_free(f->organisation);
	g_free(f->web);
	pocs_strings_unref(f->emails);
	pocs_strings_unref(f->phones);
	pocs_strings_unref(f->phones_e164);
	pocs_strings_unref(f->languages);
	g_free(f->name);
	g_free(f->position);
	g_free(f->notes);
	g_free(f->id);
	g_free(f->reason);
	memset(f, 0, sizeof *f);
	f->type = POC_TYPE_NONE;
}

GPtrArray *pocs_redact_due(sqlite3 *db, gint64 before)
{
	sqlite3_stmt *st = db_query(db,
				    "SELECT id FROM pocs WHERE status = 'withdrawn'"
				    " AND redacted IS NULL AND updated < ?1 ORDER BY id",
				    "i", before);

	return st ? db_texts(st) : NULL;
}

int pocs_redact(sqlite3 *db, const char *id, gint64 now)
{
	if (db_run(db, "UPDATE pocs SET name = NULL, position = NULL, notes = NULL, redacted = ?2"
		   " WHERE id = ?1 AND status = 'withdrawn'", "ti", id, now) < 0)
		return -1;
	return db_run(db, "DELETE FROM poc_phones WHERE poc = ?1", "t", id);
}

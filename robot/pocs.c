/* pocs.c - the store of points of contact and the operations forms ask
 * for: load, list, count; nominate, update and withdraw, each checked
 * against the signer's State and role and written with its audit event in
 * the caller's transaction. Input: form values (untrusted, already checked
 * and bounded by form.c; bound as SQL parameters, never formatted) and
 * whatever the database holds. Returns POCS_FAILED/-1/NULL on a database
 * error, after which the caller rolls back; a refusal names its reason. */
#include <string.h>
#include "audit.h"
#include "pocs.h"

#define POC_COLUMNS "id, state, type, organisation, web, name, position, notes, status, version," \
		    " created, updated, withdrawn_reason"
#define TYPE_ORDER "CASE type WHEN 'diplomatic' THEN 0 WHEN 'technical' THEN 1 WHEN 'policy' THEN 2 ELSE 3 END"

static const char *const status_names[] = { "pending", "active", "unverified", "withdrawn" };

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

static void poc_reset(struct poc *p)
{
	memset(p, 0, sizeof *p);
	p->type = POC_TYPE_NONE;
}

static GPtrArray *strings_new(void)
{
	return g_ptr_array_new_with_free_func(g_free);
}

static GPtrArray *strings_copy(const GPtrArray *a)
{
	GPtrArray *c = strings_new();

	for (guint i = 0; a && i < a->len; i++)
		g_ptr_array_add(c, g_strdup(g_ptr_array_index(a, i) ? g_ptr_array_index(a, i) : ""));
	return c;
}

static void strings_unref(GPtrArray *a)
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
	strings_unref(p->emails);
	strings_unref(p->phones);
	strings_unref(p->phones_e164);
	strings_unref(p->languages);
	g_free(p->withdrawn_reason);
	poc_reset(p);
}

static void poc_free(gpointer p)
{
	pocs_clear(p);
	g_free(p);
}

static void poc_copy(struct poc *dst, const struct poc *src)
{
	*dst = *src;
	dst->organisation = g_strdup(src->organisation);
	dst->web = g_strdup(src->web);
	dst->name = g_strdup(src->name);
	dst->position = g_strdup(src->position);
	dst->notes = g_strdup(src->notes);
	dst->emails = strings_copy(src->emails);
	dst->phones = strings_copy(src->phones);
	dst->phones_e164 = strings_copy(src->phones_e164);
	dst->languages = strings_copy(src->languages);
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

	poc_reset(p);
	g_strlcpy(p->id, (t = sqlite3_column_text(st, 0)) ? (const char *)t : "", sizeof p->id);
	g_strlcpy(p->state, (t = sqlite3_column_text(st, 1)) ? (const char *)t : "", sizeof p->state);
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
	p->emails = strings_new();
	p->phones = strings_new();
	p->phones_e164 = strings_new();
	p->languages = strings_new();
}

/* The statements that read a POC's lists, prepared once per load or list. */
struct lists {
	sqlite3_stmt *emails, *phones, *languages;
};

static int lists_prepare(sqlite3 *db, struct lists *l)
{
	memset(l, 0, sizeof *l);
	return sqlite3_prepare_v2(db, "SELECT address, NULL FROM poc_emails WHERE poc = ?1 ORDER BY position",
				  -1, &l->emails, NULL) == SQLITE_OK &&
	       sqlite3_prepare_v2(db, "SELECT written, coalesce(e164, '') FROM poc_phones WHERE poc = ?1"
				  " ORDER BY position", -1, &l->phones, NULL) == SQLITE_OK &&
	       sqlite3_prepare_v2(db, "SELECT code, NULL FROM poc_languages WHERE poc = ?1 ORDER BY position",
				  -1, &l->languages, NULL) == SQLITE_OK ? 0 : -1;
}

static void lists_finalize(struct lists *l)
{
	sqlite3_finalize(l->emails);
	sqlite3_finalize(l->phones);
	sqlite3_finalize(l->languages);
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
	return read_list(l->emails, p->id, p->emails, NULL) < 0 ||
	       read_list(l->phones, p->id, p->phones, p->phones_e164) < 0 ||
	       read_list(l->languages, p->id, p->languages, NULL) < 0 ? -1 : 0;
}

int pocs_load(sqlite3 *db, const char *id, struct poc *out)
{
	char *key = g_ascii_strup(id ? id : "", -1);
	sqlite3_stmt *st = NULL;
	struct lists l;
	int step = SQLITE_ERROR;

	poc_reset(out);
	if (lists_prepare(db, &l) == 0 &&
	    sqlite3_prepare_v2(db, "SELECT " POC_COLUMNS " FROM pocs WHERE id = ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if ((step = sqlite3_step(st)) == SQLITE_ROW) {
			row_poc(st, out);
			if (lists_read(&l, out) < 0)
				step = SQLITE_ERROR;
		}
	}
	sqlite3_finalize(st);
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
	    sqlite3_prepare_v2(db, "SELECT " POC_COLUMNS " FROM pocs WHERE (?1 IS NULL OR state = ?1)"
			       " AND (?2 IS NULL OR type = ?2) AND (?3 OR status <> 'withdrawn')"
			       " ORDER BY state, " TYPE_ORDER ", number", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, type == POC_TYPE_NONE ? NULL : form_type_name(type), -1, SQLITE_STATIC);
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
	sqlite3_finalize(st);
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

	if (sqlite3_prepare_v2(db, "SELECT state, count(*) FROM pocs WHERE status <> 'withdrawn' GROUP BY state",
			       -1, &st, NULL) == SQLITE_OK)
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			g_hash_table_insert(counts, column_dup(st, 0), GINT_TO_POINTER(sqlite3_column_int(st, 1)));
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		g_hash_table_unref(counts);
		return NULL;
	}
	return counts;
}

/* ---- writing ---- */

/* Runs sql with ?1 = id, ?2.. = the texts, then ?N = the integers. 0 or -1. */
static int run(sqlite3 *db, const char *sql, const char *const *texts, int ntexts, const gint64 *ints, int nints)
{
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		for (int i = 0; i < ntexts; i++)
			sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_STATIC);
		for (int i = 0; i < nints; i++)
			sqlite3_bind_int64(st, ntexts + i + 1, ints[i]);
		step = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? 0 : -1;
}

/* Inserts p's row (its number is the last part of its identifier). */
static int insert_row(sqlite3 *db, const struct poc *p, gint64 number)
{
	const char *t[] = { p->id, p->state, form_type_name(p->type), p->organisation, p->web, p->name,
			    p->position, p->notes, pocs_status_name(p->status), p->withdrawn_reason };
	const gint64 n[] = { number, p->version, p->created, p->updated };

	return run(db, "INSERT INTO pocs (id, state, type, organisation, web, name, position, notes, status,"
		   " withdrawn_reason, number, version, created, updated)"
		   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
		   t, G_N_ELEMENTS(t), n, G_N_ELEMENTS(n));
}

/* Writes p's row over the one at version p->version - 1. */
static int update_row(sqlite3 *db, const struct poc *p)
{
	const char *t[] = { p->id, p->organisation, p->web, p->name, p->position, p->notes,
			    pocs_status_name(p->status), p->withdrawn_reason };
	const gint64 n[] = { p->version, p->updated };

	if (run(db, "UPDATE pocs SET organisation = ?2, web = ?3, name = ?4, position = ?5, notes = ?6,"
		" status = ?7, withdrawn_reason = ?8, version = ?9, updated = ?10 WHERE id = ?1 AND version = ?9 - 1",
		t, G_N_ELEMENTS(t), n, G_N_ELEMENTS(n)) < 0)
		return -1;
	return sqlite3_changes(db) == 1 ? 0 : -1;
}

/* Replaces one list of p: delete_sql with ?1 = id, then insert_sql with
 * ?1 = id, ?2 = a[i], ?3 = b[i] (when b), and the position last. */
static int write_list(sqlite3 *db, const char *delete_sql, const char *insert_sql, const char *id,
		      const GPtrArray *a, const GPtrArray *b)
{
	const char *del[] = { id };

	if (run(db, delete_sql, del, 1, NULL, 0) < 0)
		return -1;
	for (guint i = 0; i < a->len; i++) {
		const char *b_i = b && i < b->len && *(const char *)g_ptr_array_index(b, i) ?
				  g_ptr_array_index(b, i) : NULL;
		const char *t[] = { id, g_ptr_array_index(a, i), b_i };
		const gint64 pos = i;

		if (run(db, insert_sql, t, b ? 3 : 2, &pos, 1) < 0)
			return -1;
	}
	return 0;
}

static int write_lists(sqlite3 *db, const struct poc *p)
{
	return write_list(db, "DELETE FROM poc_emails WHERE poc = ?1",
			  "INSERT INTO poc_emails (poc, address, position) VALUES (?1, ?2, ?3)",
			  p->id, p->emails, NULL) < 0 ||
	       write_list(db, "DELETE FROM poc_phones WHERE poc = ?1",
			  "INSERT INTO poc_phones (poc, written, e164, position) VALUES (?1, ?2, ?3, ?4)",
			  p->id, p->phones, p->phones_e164) < 0 ||
	       write_list(db, "DELETE FROM poc_languages WHERE poc = ?1",
			  "INSERT INTO poc_languages (poc, code, position) VALUES (?1, ?2, ?3)",
			  p->id, p->languages, NULL) < 0 ? -1 : 0;
}

/* Takes the next number of state and type: the counter's, or past the
 * highest number in use should the counter ever lag behind. 0 or -1. */
static int take_number(sqlite3 *db, const char *state, enum poc_type type, gint64 *number)
{
	const char *t[] = { state, form_type_name(type) };
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	if (sqlite3_prepare_v2(db, "SELECT max(coalesce((SELECT next FROM poc_counters WHERE state = ?1 AND type = ?2), 1),"
			       " coalesce((SELECT max(number) + 1 FROM pocs WHERE state = ?1 AND type = ?2), 1))",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, t[0], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, t[1], -1, SQLITE_STATIC);
		if ((step = sqlite3_step(st)) == SQLITE_ROW)
			*number = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (step != SQLITE_ROW)
		return -1;
	return run(db, "INSERT INTO poc_counters (state, type, next) VALUES (?1, ?2, ?3 + 1)"
		   " ON CONFLICT (state, type) DO UPDATE SET next = excluded.next", t, 2, number, 1);
}

/* ---- the operations ---- */

/* One operation's arguments, and the State it acts for. */
struct op {
	sqlite3 *db;
	const struct form_fields *f;
	const char *signer_state;
	enum signer_role role;
	const char *actor, *message_hash;
	gint64 now;
	struct poc *before, *after;
	const char **error_key;
	char state[3];
};

static enum pocs_outcome refuse(struct op *o, const char *key)
{
	*o->error_key = key;
	return POCS_REFUSED;
}

/* 1 when the query (one parameter, the code) gives a row, 0 when not, -1
 * on a database error. */
static int state_has_row(sqlite3 *db, const char *sql, const char *code)
{
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
		step = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
}

int pocs_state_participates(sqlite3 *db, const char *code)
{
	return state_has_row(db, "SELECT 1 FROM states WHERE code = ?1", code);
}

int pocs_state_contributes(sqlite3 *db, const char *code)
{
	return state_has_row(db, "SELECT 1 FROM pocs WHERE state = ?1 AND status != 'withdrawn' LIMIT 1", code);
}

/* Whether the signer may act, and for which State (o->state). */
static enum pocs_outcome check_signer(struct op *o)
{
	const char *given = (o->f->present & FIELD_STATE) && o->f->state[0] ? o->f->state : NULL;
	const char *own = o->signer_state ? o->signer_state : "";
	int in;

	if (o->role != SIGNER_AUTHORITY && o->role != SIGNER_CUSTODIAN)
		return refuse(o, "not-authorised");
	if (!given && o->role == SIGNER_CUSTODIAN)
		return refuse(o, "missing-state");
	g_strlcpy(o->state, given ? given : own, sizeof o->state);
	for (char *c = o->state; *c; c++)
		*c = g_ascii_toupper(*c);
	if (o->role != SIGNER_CUSTODIAN && g_ascii_strcasecmp(o->state, own) != 0)
		return refuse(o, "wrong-state");
	if ((in = pocs_state_participates(o->db, o->state)) < 0)
		return POCS_FAILED;
	return in ? POCS_DONE : refuse(o, "not-participating");
}

/* Loads the POC the form names into o->before: it must be o->state's and
 * not withdrawn. */
static enum pocs_outcome find_target(struct op *o)
{
	int found;

	if (!(o->f->present & FIELD_ID) || !o->f->id || !*o->f->id)
		return refuse(o, "missing-id");
	if ((found = pocs_load(o->db, o->f->id, o->before)) < 0)
		return POCS_FAILED;
	if (found == 0)
		return refuse(o, "unknown-poc");
	if (strcmp(o->before->state, o->state) != 0)
		return refuse(o, "poc-of-other-state");
	if (o->before->status == POC_WITHDRAWN)
		return refuse(o, "poc-withdrawn");
	return POCS_DONE;
}

static void set_text(char **dst, const char *src)
{
	g_free(*dst);
	*dst = src && *src ? g_strdup(src) : NULL;
}

static void set_strings(GPtrArray **dst, const GPtrArray *src)
{
	strings_unref(*dst);
	*dst = strings_copy(src);
}

/* phones and their E.164 forms, the latter made as long as the former. */
static void set_phones(struct poc *p, const GPtrArray *phones, const GPtrArray *e164)
{
	set_strings(&p->phones, phones);
	strings_unref(p->phones_e164);
	p->phones_e164 = strings_new();
	for (guint i = 0; i < p->phones->len; i++)
		g_ptr_array_add(p->phones_e164, g_strdup(e164 && i < e164->len && g_ptr_array_index(e164, i) ?
							 (const char *)g_ptr_array_index(e164, i) : ""));
}

static gboolean given_empty(const struct form_fields *f, guint32 field)
{
	if (!(f->present & field))
		return FALSE;
	switch (field) {
	case FIELD_ORGANISATION: return !f->organisation || !*f->organisation;
	case FIELD_EMAIL: return !f->emails || f->emails->len == 0;
	case FIELD_PHONE: return !f->phones || f->phones->len == 0;
	default: return FALSE;
	}
}

/* Applies the fields the form gives to p; the required ones may not be
 * emptied and the type may not change. */
static enum pocs_outcome apply_fields(struct op *o, struct poc *p)
{
	const struct form_fields *f = o->f;

	if (given_empty(f, FIELD_ORGANISATION) || given_empty(f, FIELD_EMAIL) || given_empty(f, FIELD_PHONE) ||
	    ((f->present & FIELD_TYPE) && f->type == POC_TYPE_NONE))
		return refuse(o, "missing-field");
	if ((f->present & FIELD_TYPE) && p->type != POC_TYPE_NONE && f->type != p->type)
		return refuse(o, "type-change");
	if (f->present & FIELD_TYPE)
		p->type = f->type;
	if (f->present & FIELD_ORGANISATION)
		set_text(&p->organisation, f->organisation);
	if (f->present & FIELD_WEB)
		set_text(&p->web, f->web);
	if (f->present & FIELD_NAME)
		set_text(&p->name, f->name);
	if (f->present & FIELD_POSITION)
		set_text(&p->position, f->position);
	if (f->present & FIELD_NOTES)
		set_text(&p->notes, f->notes);
	if (f->present & FIELD_EMAIL)
		set_strings(&p->emails, f->emails);
	if (f->present & FIELD_PHONE)
		set_phones(p, f->phones, f->phones_e164);
	if (f->present & FIELD_LANGUAGES)
		set_strings(&p->languages, f->languages);
	return POCS_DONE;
}

static int audit(struct op *o, const char *action)
{
	GString *d = g_string_new("{\"message\":");
	int rc;

	pocs_json_string(d, o->message_hash);
	g_string_append(d, ",\"before\":");
	pocs_json(o->before, d);
	g_string_append(d, ",\"after\":");
	pocs_json(o->after, d);
	g_string_append_c(d, '}');
	rc = audit_append(o->db, o->now, o->actor ? o->actor : "?", o->after->state, action, d->str);
	g_string_free(d, TRUE);
	return rc;
}

static enum pocs_outcome nominate(struct op *o)
{
	struct poc *p = o->after;
	gint64 number = 0;
	enum pocs_outcome rc;

	if (!(o->f->present & FIELD_TYPE) || !(o->f->present & FIELD_ORGANISATION) ||
	    !(o->f->present & FIELD_EMAIL) || !(o->f->present & FIELD_PHONE))
		return refuse(o, "missing-field");
	p->emails = strings_new();
	p->phones = strings_new();
	p->phones_e164 = strings_new();
	p->languages = strings_new();
	if ((rc = apply_fields(o, p)) != POCS_DONE)
		return rc;
	g_strlcpy(p->state, o->state, sizeof p->state);
	p->status = POC_PENDING;
	p->version = 1;
	p->created = p->updated = o->now;
	if (take_number(o->db, p->state, p->type, &number) < 0)
		return POCS_FAILED;
	g_snprintf(p->id, sizeof p->id, "%s-%c-%" G_GINT64_FORMAT, p->state, form_type_letter(p->type), number);
	if (insert_row(o->db, p, number) < 0 || write_lists(o->db, p) < 0 || audit(o, "poc-nominate") < 0)
		return POCS_FAILED;
	return POCS_DONE;
}

static enum pocs_outcome update(struct op *o)
{
	struct poc *p = o->after;
	enum pocs_outcome rc;
	guint32 diff;

	if ((rc = find_target(o)) != POCS_DONE)
		return rc;
	poc_copy(p, o->before);
	if ((rc = apply_fields(o, p)) != POCS_DONE)
		return rc;
	if ((diff = pocs_diff(o->before, p)) == 0)
		return POCS_DONE;	/* nothing changes: nothing to write */
	if (pocs_needs_verification(o->before, p))
		p->status = POC_PENDING;
	p->version++;
	p->updated = o->now;
	if (update_row(o->db, p) < 0 ||
	    ((diff & (FIELD_EMAIL | FIELD_PHONE | FIELD_LANGUAGES)) && write_lists(o->db, p) < 0) ||
	    audit(o, "poc-update") < 0)
		return POCS_FAILED;
	return POCS_DONE;
}

static enum pocs_outcome withdraw(struct op *o)
{
	struct poc *p = o->after;
	enum pocs_outcome rc;

	if ((rc = find_target(o)) != POCS_DONE)
		return rc;
	if (!(o->f->present & FIELD_REASON) || !o->f->reason || !*o->f->reason)
		return refuse(o, "missing-field");
	poc_copy(p, o->before);
	p->status = POC_WITHDRAWN;
	set_text(&p->withdrawn_reason, o->f->reason);
	p->version++;
	p->updated = o->now;
	if (update_row(o->db, p) < 0 || audit(o, "poc-withdraw") < 0)
		return POCS_FAILED;
	return POCS_DONE;
}

/* Runs fn in a savepoint of the caller's transaction, rolled back unless
 * it was done for real: a refusal or a dry run leaves nothing behind, and
 * a dry run checks exactly what the real run would. */
static enum pocs_outcome operate(enum pocs_outcome (*fn)(struct op *o), sqlite3 *db, const struct form *form,
				 const char *signer_state, enum signer_role role, const char *actor,
				 const char *message_hash, gint64 now, gboolean dry_run, struct poc *before,
				 struct poc *after, const char **error_key)
{
	struct op o = { db, &form->f, signer_state, role, actor, message_hash, now, before, after, error_key, "" };
	enum pocs_outcome rc;

	poc_reset(before);
	poc_reset(after);
	*error_key = NULL;
	if (sqlite3_get_autocommit(db) || sqlite3_exec(db, "SAVEPOINT pocs_op", NULL, NULL, NULL) != SQLITE_OK)
		return POCS_FAILED;
	if ((rc = check_signer(&o)) == POCS_DONE)
		rc = fn(&o);
	if ((rc != POCS_DONE || dry_run) &&
	    sqlite3_exec(db, "ROLLBACK TO pocs_op", NULL, NULL, NULL) != SQLITE_OK)
		rc = POCS_FAILED;
	if (sqlite3_exec(db, "RELEASE pocs_op", NULL, NULL, NULL) != SQLITE_OK)
		rc = POCS_FAILED;
	if (rc != POCS_REFUSED)
		*error_key = NULL;
	return rc;
}

enum pocs_outcome pocs_nominate(sqlite3 *db, const struct form *form, const char *signer_state,
				enum signer_role role, const char *actor, const char *message_hash, gint64 now,
				gboolean dry_run, struct poc *before, struct poc *after, const char **error_key)
{
	return operate(nominate, db, form, signer_state, role, actor, message_hash, now, dry_run, before, after,
		       error_key);
}

enum pocs_outcome pocs_update(sqlite3 *db, const struct form *form, const char *signer_state,
			      enum signer_role role, const char *actor, const char *message_hash, gint64 now,
			      gboolean dry_run, struct poc *before, struct poc *after, const char **error_key)
{
	return operate(update, db, form, signer_state, role, actor, message_hash, now, dry_run, before, after,
		       error_key);
}

enum pocs_outcome pocs_withdraw(sqlite3 *db, const struct form *form, const char *signer_state,
				enum signer_role role, const char *actor, const char *message_hash, gint64 now,
				gboolean dry_run, struct poc *before, struct poc *after, const char **error_key)
{
	return operate(withdraw, db, form, signer_state, role, actor, message_hash, now, dry_run, before, after,
		       error_key);
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
	d |= !strings_equal(a->phones, b->phones) || !strings_equal(a->phones_e164, b->phones_e164) ? FIELD_PHONE : 0;
	d |= !strings_equal(a->languages, b->languages) ? FIELD_LANGUAGES : 0;
	d |= !text_equal(a->name, b->name) ? FIELD_NAME : 0;
	d |= !text_equal(a->position, b->position) ? FIELD_POSITION : 0;
	d |= !text_equal(a->notes, b->notes) ? FIELD_NOTES : 0;
	d |= a->status != b->status || !text_equal(a->withdrawn_reason, b->withdrawn_reason) ? FIELD_REASON : 0;
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
		const char *e = p->phones_e164 && i < p->phones_e164->len ? g_ptr_array_index(p->phones_e164, i) : NULL;

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
	GDateTime *t = g_date_time_new_from_unix_utc(at);
	char *s = t ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ") : NULL;

	pocs_json_string(out, s);
	g_free(s);
	if (t)
		g_date_time_unref(t);
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
	out->present = FIELD_ID | FIELD_STATE | FIELD_TYPE | FIELD_ORGANISATION | FIELD_EMAIL | FIELD_PHONE;
	out->id = g_strdup(p->id);
	g_strlcpy(out->state, p->state, sizeof out->state);
	out->type = p->type;
	out->organisation = g_strdup(p->organisation);
	out->emails = strings_copy(p->emails);
	out->phones = strings_copy(p->phones);
	out->phones_e164 = strings_copy(p->phones_e164);
	out->languages = strings_copy(p->languages);
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
	strings_unref(f->emails);
	strings_unref(f->phones);
	strings_unref(f->phones_e164);
	strings_unref(f->languages);
	g_free(f->name);
	g_free(f->position);
	g_free(f->notes);
	g_free(f->id);
	g_free(f->reason);
	memset(f, 0, sizeof *f);
	f->type = POC_TYPE_NONE;
}

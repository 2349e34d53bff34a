/* pocs-ops.c - the operations forms ask for: nominate, update and
 * withdraw, each checked against the signer's State and role and written
 * with its audit event in the caller's transaction. Input: form values
 * (untrusted, already checked and bounded by form.c; bound as SQL
 * parameters, never formatted) and whatever the database holds. Returns
 * POCS_FAILED on a database error, after which the caller rolls back; a
 * refusal names its reason. */
#include <string.h>
#include "audit.h"
#include "pocs-internal.h"
#include "db.h"
#include "log.h"
#include "participants.h"

/* ---- writing ---- */

/* Inserts p's row (its number is the last part of its identifier). */
static int insert_row(sqlite3 *db, const struct poc *p, gint64 number)
{
	return db_run(
		db,
		"INSERT INTO pocs (id, state, type, organisation, web, name, position, notes,"
		" status, withdrawn_reason, number, version, created, updated)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
		"ttttttttttiiii", p->id, p->state, form_type_name(p->type), p->organisation,
		p->web, p->name, p->position, p->notes, pocs_status_name(p->status),
		p->withdrawn_reason, number, p->version, p->created, p->updated);
}

/* Writes p's row over the one at version p->version - 1. */
static int update_row(sqlite3 *db, const struct poc *p)
{
	if (db_run(db,
		   "UPDATE pocs SET organisation = ?2, web = ?3, name = ?4, position = ?5,"
		   " notes = ?6, status = ?7, withdrawn_reason = ?8, version = ?9, updated = ?10"
		   " WHERE id = ?1 AND version = ?9 - 1",
		   "ttttttttii", p->id, p->organisation, p->web, p->name, p->position, p->notes,
		   pocs_status_name(p->status), p->withdrawn_reason, p->version, p->updated) < 0)
		return -1;
	return sqlite3_changes(db) == 1 ? 0 : -1;
}

/* The i-th item of the optional parallel list b, or NULL (absent or ""). */
static const char *item_or_null(const GPtrArray *b, guint i)
{
	const char *s = b && i < b->len ? g_ptr_array_index(b, i) : NULL;

	return s && *s ? s : NULL;
}

static int write_emails(sqlite3 *db, const struct poc *p)
{
	if (db_run(db, "DELETE FROM poc_emails WHERE poc = ?1", "t", p->id) < 0)
		return -1;
	for (guint i = 0; i < p->emails->len; i++)
		if (db_run(db,
			   "INSERT INTO poc_emails (poc, address, position) VALUES (?1, ?2, ?3)",
			   "tti", p->id, g_ptr_array_index(p->emails, i), (gint64)i) < 0)
			return -1;
	return 0;
}

static int write_phones(sqlite3 *db, const struct poc *p)
{
	if (db_run(db, "DELETE FROM poc_phones WHERE poc = ?1", "t", p->id) < 0)
		return -1;
	for (guint i = 0; i < p->phones->len; i++)
		if (db_run(db,
			   "INSERT INTO poc_phones (poc, written, e164, position)"
			   " VALUES (?1, ?2, ?3, ?4)",
			   "ttti", p->id, g_ptr_array_index(p->phones, i),
			   item_or_null(p->phones_e164, i), (gint64)i) < 0)
			return -1;
	return 0;
}

static int write_languages(sqlite3 *db, const struct poc *p)
{
	if (db_run(db, "DELETE FROM poc_languages WHERE poc = ?1", "t", p->id) < 0)
		return -1;
	for (guint i = 0; i < p->languages->len; i++)
		if (db_run(db,
			   "INSERT INTO poc_languages (poc, code, position) VALUES (?1, ?2, ?3)",
			   "tti", p->id, g_ptr_array_index(p->languages, i), (gint64)i) < 0)
			return -1;
	return 0;
}

static int write_lists(sqlite3 *db, const struct poc *p)
{
	if (write_emails(db, p) < 0)
		return -1;
	if (write_phones(db, p) < 0)
		return -1;
	return write_languages(db, p);
}

/* Takes the next number of state and type: the counter's, or past the
 * highest number in use should the counter ever lag behind. 0 or -1. */
static int take_number(sqlite3 *db, const char *state, enum poc_type type, gint64 *number)
{
	const char *t = form_type_name(type);

	if (db_int64(db, number,
		     "SELECT max(coalesce((SELECT next FROM poc_counters"
		     " WHERE state = ?1 AND type = ?2), 1),"
		     " coalesce((SELECT max(number) + 1 FROM pocs"
		     " WHERE state = ?1 AND type = ?2), 1))",
		     "tt", state, t) != 1)
		return -1;
	return db_run(db,
		      "INSERT INTO poc_counters (state, type, next) VALUES (?1, ?2, ?3 + 1)"
		      " ON CONFLICT (state, type) DO UPDATE SET next = excluded.next",
		      "tti", state, t, *number);
}

int pocs_set_status(sqlite3 *db, const char *id, const char *only_from, enum poc_status to,
		    gint64 now)
{
	if (db_run(db, "UPDATE pocs SET status = ?1, version = version + 1, updated = ?2"
		   " WHERE id = ?3 AND (?4 IS NULL OR status = ?4)",
		   "titt", pocs_status_name(to), now, id, only_from) < 0)
		return -1;
	return sqlite3_changes(db);
}

int pocs_update_reminded(sqlite3 *db, const char *state, gint64 now)
{
	char *name = g_strdup_printf("update:%s", state);
	int rc = db_run(db, "INSERT OR REPLACE INTO timer_runs (name, last) VALUES (?1, ?2)", "ti",
			name, now);

	g_free(name);
	return rc;
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
	if ((in = participants_has(o->db, o->state)) < 0)
		return POCS_FAILED;
	return in ? POCS_DONE : refuse(o, "not-participating");
}

/* Loads the POC the form names into o->before: it must be o->state's and
 * not withdrawn. Another State's POC is refused as an unknown one, its
 * record not handed back, so that a refusal never tells whether an
 * identifier exists; the log (the custodian's) says what it was. */
static enum pocs_outcome find_target(struct op *o)
{
	int found;

	if (!(o->f->present & FIELD_ID) || !o->f->id || !*o->f->id)
		return refuse(o, "missing-id");
	if ((found = pocs_load(o->db, o->f->id, o->before)) < 0)
		return POCS_FAILED;
	if (found == 0)
		return refuse(o, "unknown-poc");
	if (strcmp(o->before->state, o->state) != 0) {
		log_msg(LOG_NOTICE, "pocs: %.40s is a point of contact of %s, not of %s:"
			" refused to %.64s as unknown", o->before->id, o->before->state,
			o->state, o->actor ? o->actor : "?");
		pocs_clear(o->before);
		return refuse(o, "unknown-poc");
	}
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
	pocs_strings_unref(*dst);
	*dst = pocs_strings_copy(src);
}

/* phones and their E.164 forms, the latter made as long as the former. */
static void set_phones(struct poc *p, const GPtrArray *phones, const GPtrArray *e164)
{
	set_strings(&p->phones, phones);
	pocs_strings_unref(p->phones_e164);
	p->phones_e164 = pocs_strings_new();
	for (guint i = 0; i < p->phones->len; i++)
		g_ptr_array_add(p->phones_e164,
				g_strdup(e164 && i < e164->len && g_ptr_array_index(e164, i)
						 ? (const char *)g_ptr_array_index(e164, i)
						 : ""));
}

static gboolean given_empty(const struct form_fields *f, guint32 field)
{
	if (!(f->present & field))
		return FALSE;
	switch (field) {
	case FIELD_TYPE: return f->type == POC_TYPE_NONE;
	case FIELD_ORGANISATION: return !f->organisation || !*f->organisation;
	case FIELD_EMAIL: return !f->emails || f->emails->len == 0;
	case FIELD_PHONE: return !f->phones || f->phones->len == 0;
	default: return FALSE;
	}
}

/* 1 when f gives one of the required fields empty. */
static gboolean required_emptied(const struct form_fields *f)
{
	for (guint32 field = 1; field <= FORM_REQUIRED; field <<= 1)
		if ((field & FORM_REQUIRED) && given_empty(f, field))
			return TRUE;
	return FALSE;
}

/* Applies the fields the form gives to p; the required ones may not be
 * emptied and the type may not change. */
static enum pocs_outcome apply_fields(struct op *o, struct poc *p)
{
	const struct form_fields *f = o->f;

	if (required_emptied(f))
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
	rc = audit_append(o->db, o->now, o->actor ? o->actor : "?", o->after->state, action,
			  d->str);
	g_string_free(d, TRUE);
	return rc;
}

static enum pocs_outcome nominate(struct op *o)
{
	struct poc *p = o->after;
	gint64 number = 0;
	enum pocs_outcome rc;

	if ((o->f->present & FORM_REQUIRED) != FORM_REQUIRED)
		return refuse(o, "missing-field");
	p->emails = pocs_strings_new();
	p->phones = pocs_strings_new();
	p->phones_e164 = pocs_strings_new();
	p->languages = pocs_strings_new();
	if ((rc = apply_fields(o, p)) != POCS_DONE)
		return rc;
	g_strlcpy(p->state, o->state, sizeof p->state);
	p->status = POC_PENDING;
	p->version = 1;
	p->created = p->updated = o->now;
	if (take_number(o->db, p->state, p->type, &number) < 0)
		return POCS_FAILED;
	g_snprintf(p->id, sizeof p->id, "%s-%c-%" G_GINT64_FORMAT, p->state,
		   form_type_letter(p->type), number);
	if (insert_row(o->db, p, number) < 0)
		return POCS_FAILED;
	if (write_lists(o->db, p) < 0)
		return POCS_FAILED;
	if (audit(o, "poc-nominate") < 0)
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
	pocs_copy(p, o->before);
	if ((rc = apply_fields(o, p)) != POCS_DONE)
		return rc;
	if ((diff = pocs_diff(o->before, p)) == 0)
		return POCS_DONE;	/* nothing changes: nothing to write */
	if (pocs_needs_verification(o->before, p))
		p->status = POC_PENDING;
	p->version++;
	p->updated = o->now;
	if (update_row(o->db, p) < 0)
		return POCS_FAILED;
	if ((diff & (FIELD_EMAIL | FIELD_PHONE | FIELD_LANGUAGES)) && write_lists(o->db, p) < 0)
		return POCS_FAILED;
	if (audit(o, "poc-update") < 0)
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
	pocs_copy(p, o->before);
	p->status = POC_WITHDRAWN;
	set_text(&p->withdrawn_reason, o->f->reason);
	p->version++;
	p->updated = o->now;
	if (update_row(o->db, p) < 0)
		return POCS_FAILED;
	if (audit(o, "poc-withdraw") < 0)
		return POCS_FAILED;
	return POCS_DONE;
}

/* Runs fn in a savepoint of the caller's transaction, rolled back unless
 * it was done for real: a refusal or a dry run leaves nothing behind, and
 * a dry run checks exactly what the real run would. */
static enum pocs_outcome operate(enum pocs_outcome (*fn)(struct op *o), sqlite3 *db,
				 const struct pocs_request *rq, struct poc *before,
				 struct poc *after, const char **error_key)
{
	struct op o = {
		db, &rq->form->f, rq->signer_state, rq->role, rq->actor, rq->message_hash, rq->now,
		before, after, error_key, ""
	};
	enum pocs_outcome rc;

	pocs_reset(before);
	pocs_reset(after);
	*error_key = NULL;
	if (sqlite3_get_autocommit(db) || db_savepoint(db) < 0)
		return POCS_FAILED;
	if ((rc = check_signer(&o)) == POCS_DONE)
		rc = fn(&o);
	if ((rc != POCS_DONE || rq->dry_run) && db_rollback_to(db) < 0)
		rc = POCS_FAILED;
	if (db_release(db) < 0)
		rc = POCS_FAILED;
	if (rc != POCS_REFUSED)
		*error_key = NULL;
	return rc;
}

enum pocs_outcome pocs_nominate(sqlite3 *db, const struct pocs_request *rq, struct poc *before,
				struct poc *after, const char **error_key)
{
	return operate(nominate, db, rq, before, after, error_key);
}

enum pocs_outcome pocs_update(sqlite3 *db, const struct pocs_request *rq, struct poc *before,
				struct poc *after, const char **error_key)
{
	return operate(update, db, rq, before, after, error_key);
}

enum pocs_outcome pocs_withdraw(sqlite3 *db, const struct pocs_request *rq, struct poc *before,
				struct poc *after, const char **error_key)
{
	return operate(withdraw, db, rq, before, after, error_key);
}

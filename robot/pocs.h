/* pocs.h - the store of points of contact (the pocs table and its child
 * tables, db/0004-pocs.sql) and the three operations a form asks for:
 * nominate, update, withdraw. Each operation checks what the signer may do,
 * computes the record before and after, and (unless it is a dry run)
 * writes the change and its audit event in the caller's transaction.
 * Whether a form is well formed is decided by form.c; whether it is
 * allowed, here. */
#ifndef POCBOT_POCS_H
#define POCBOT_POCS_H

#include <glib.h>
#include <sqlite3.h>
#include "form.h"
#include "signers.h"

#define POCS_ID_LEN 32		/* "FR-T-1" and the NUL, with room for any number */

enum poc_status { POC_PENDING, POC_ACTIVE, POC_UNVERIFIED, POC_WITHDRAWN };

/* One POC. Every pointer is owned (pocs_clear frees them); the arrays are
 * never NULL in a loaded or computed record, and phones_e164 has the
 * length of phones ("" where the number could not be normalised). An empty
 * record (id "") stands for "none", e.g. the record before a nomination. */
struct poc {
	char id[POCS_ID_LEN];
	char state[3];			/* alpha-2 */
	enum poc_type type;
	char *organisation;
	char *web, *name, *position, *notes;	/* each NULL when not given */
	GPtrArray *emails;		/* char * */
	GPtrArray *phones;		/* char *, as written */
	GPtrArray *phones_e164;		/* char * */
	GPtrArray *languages;		/* char *, ISO 639 codes */
	enum poc_status status;
	gint64 version;			/* 1 at nomination, +1 per change */
	gint64 created, updated;	/* seconds since the epoch */
	char *withdrawn_reason;		/* NULL unless withdrawn */
};

/* Frees what p holds (not p) and leaves it an empty record. */
void pocs_clear(struct poc *p);

/* Sets the status of POC id to to (version + 1, updated now), only when
 * its status is only_from (a status name) unless that is NULL. The rows
 * changed (0 or 1), or -1. */
int pocs_set_status(sqlite3 *db, const char *id, const char *only_from, enum poc_status to,
		    gint64 now);

/* When the first POC that is not withdrawn was created: 1 and *at, 0
 * when there is none, -1 on error. */
int pocs_first_created(sqlite3 *db, gint64 *at);

/* Up to limit States with POCs whose yearly update reminder is due: every
 * seconds after the last one (the first: after the State's first POC).
 * Their codes (g_ptr_array_unref it), or NULL on error. And: the reminder
 * to state was sent at now. 0 or -1. */
GPtrArray *pocs_states_due_update(sqlite3 *db, gint64 every, gint64 now, int limit);
/* The earliest State's base for that rule (its last reminder, else its
 * first POC): a reminder falls due every seconds after it. 1 and *at, 0
 * when no State has POCs, -1 on error. */
int pocs_update_base(sqlite3 *db, gint64 *at);
int pocs_update_reminded(sqlite3 *db, const char *state, gint64 now);

/* The POCs that are not withdrawn, by State, type and number, one at a
 * time (the statement stays open: keep the walk short, as an export is).
 * pocs_cursor_new: NULL on error. pocs_cursor_next: 1 with the next
 * identifier and State (borrowed until the next call), 0 at the end, -1
 * on error. */
struct pocs_cursor;
struct pocs_cursor *pocs_cursor_new(sqlite3 *db);
int pocs_cursor_next(struct pocs_cursor *c, const char **id, const char **state);
void pocs_cursor_free(struct pocs_cursor *c);

/* 1 when the State code has at least one POC that is not withdrawn: the
 * States that may read the directory (lookups, extracts), 0 when not, -1
 * on a database error. */
int pocs_state_contributes(sqlite3 *db, const char *code);

/* Retention ([retention] withdrawn): the POCs withdrawn before before whose
 * personal fields are still there (owned strings, g_ptr_array_unref; NULL
 * on error); and one POC's name, position, notes and phones cleared, marked
 * redacted at now (its identifier, State, type, organisation, addresses and
 * withdrawal stay). 0 or -1, in the caller's transaction. */
GPtrArray *pocs_redact_due(sqlite3 *db, gint64 before);
int pocs_redact(sqlite3 *db, const char *id, gint64 now);

/* The type words the store keeps are form_type_name's ("diplomatic",
 * "technical", "policy", "law-enforcement"; letters D T P L); statuses
 * "pending", "active", "unverified", "withdrawn". pocs_type_parse reads a
 * type word back: 0, or -1 for another word. */
int pocs_type_parse(const char *name, enum poc_type *t);
const char *pocs_status_name(enum poc_status s);

/* The POC with identifier id (any case): 1 and *out filled (pocs_clear
 * it), 0 when there is none, -1 on a database error. */
int pocs_load(sqlite3 *db, const char *id, struct poc *out);

/* The POCs of state (NULL: all States) and type (POC_TYPE_NONE: all
 * types), withdrawn ones only when with_withdrawn, by State, type and
 * number. An array of struct poc * that frees them (g_ptr_array_unref
 * it), or NULL on a database error. */
GPtrArray *pocs_list(sqlite3 *db, const char *state, enum poc_type type, gboolean with_withdrawn);

/* How many POCs that are not withdrawn each State has: alpha-2 code (a
 * string the table owns) to GINT_TO_POINTER(count); States without one
 * are absent. g_hash_table_unref it. NULL on a database error. */
GHashTable *pocs_count_by_state(sqlite3 *db);

/* What an operation came to. */
enum pocs_outcome {
	POCS_FAILED = -1,	/* a database error: the caller rolls back */
	POCS_DONE = 0,		/* applied (or, in a dry run, would be) */
	POCS_REFUSED = 1,	/* not allowed; *error_key says why, nothing written */
};

/* The operations. Each takes:
 *   db		with a transaction open (BEGIN IMMEDIATE), else POCS_FAILED; the
 *		operation runs in a savepoint of it, rolled back on a refusal
 *		or a dry run;
 *   form	the parsed form (its verb is not looked at: the function is);
 *   signer_state, role	the signer's State and role;
 *   actor	the signer's fingerprint, the audit event's actor;
 *   message_hash	the message's hash, recorded in the audit event;
 *   now	the clock's time;
 *   dry_run	TRUE: everything is computed, checked and written as for
 *		real, then rolled back: nothing stays. Each form's dry run
 *		sees the database as it is, not the forms before it in the
 *		same message; to try a whole message, run its forms with
 *		dry_run FALSE in a savepoint of the caller's and roll it back;
 *   before, after	filled (pocs_clear both, whatever the outcome): the
 *		record as it was (empty for a nomination) and as it is or
 *		would be;
 *   error_key	on POCS_REFUSED, a reasons/errors key: "not-authorised" (a
 *		reader), "missing-state" (a custodian's form names no State),
 *		"wrong-state" (an authority writing for another State),
 *		"not-participating", "missing-field", "missing-id",
 *		"unknown-poc" (none, or another State's: one refusal, so
 *		that it tells no one whether it exists), "poc-withdrawn",
 *		"type-change" (an update may not change a POC's type: its
 *		identifier says it).
 * The form's State, or the signer's when the form gives none, is the one
 * acted for; it must be the signer's unless the role is custodian.
 *
 * nominate: a new POC, status pending, with the next number of its State
 * and type (in a dry run, the number it would get).
 * update: an existing POC of that State, not withdrawn; only the fields
 * the form gives change (one given empty clears an optional field: web,
 * name, position, notes, languages). A new e-mail address makes the POC
 * pending again (pocs_needs_verification). An update that changes
 * nothing writes nothing: before and after are then equal (pocs_diff 0).
 * withdraw: an existing POC of that State, not withdrawn, with a reason.
 *
 * Every change bumps the version, sets updated to now and appends one
 * audit event (actor; the POC's State; action "poc-nominate", "poc-update"
 * or "poc-withdraw"; detail {"message": hash, "before": record or null,
 * "after": record}, records as pocs_json writes them). */
struct pocs_request {
	const struct form *form;
	const char *signer_state;	/* the signer's State (alpha-2) */
	enum signer_role role;
	const char *actor;		/* the signer's fingerprint, for the audit trail */
	const char *message_hash;	/* the message that asks */
	gint64 now;
	gboolean dry_run;		/* check everything, change nothing */
};
enum pocs_outcome pocs_nominate(sqlite3 *db, const struct pocs_request *rq, struct poc *before,
				struct poc *after, const char **error_key);
enum pocs_outcome pocs_update(sqlite3 *db, const struct pocs_request *rq, struct poc *before,
			      struct poc *after, const char **error_key);
enum pocs_outcome pocs_withdraw(sqlite3 *db, const struct pocs_request *rq, struct poc *before,
				struct poc *after, const char **error_key);

/* The fields (enum form_field bits) in which a and b differ; FIELD_REASON
 * stands for the status and withdrawal reason. An empty record differs
 * from a full one in every field it has. */
guint32 pocs_diff(const struct poc *a, const struct poc *b);

/* TRUE when after has an e-mail address (compared ignoring ASCII case)
 * that before did not have, every address of a new POC included: the POC
 * is pending until it answers its verification message. */
gboolean pocs_needs_verification(const struct poc *before, const struct poc *after);

/* Appends p to out as one JSON object (valid UTF-8, every string escaped;
 * dates as "YYYY-MM-DDTHH:MM:SSZ"), or null for an empty record. */
void pocs_json(const struct poc *p, GString *out);

/* Appends s to out as a JSON string (invalid UTF-8 replaced), or null. */
void pocs_json_string(GString *out, const char *s);

/* p as the fields of a ready-to-edit form (form_render): identifier,
 * State, type and every field p has. The copies are owned by out:
 * pocs_fields_clear it. */
void pocs_to_fields(const struct poc *p, struct form_fields *out);
void pocs_fields_clear(struct form_fields *f);

#endif

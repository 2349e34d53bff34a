/* dispatch.h - applies what the filters decided, inside the caller's transaction. */
#ifndef POCBOT_DISPATCH_H
#define POCBOT_DISPATCH_H

#include <sqlite3.h>
#include "pipeline.h"

/* Records the message (row keyed by hash) and queues its replies. The
 * outcome is left in *outcome (static). 0, or -1 on a database error. */
int dispatch(sqlite3 *db, struct filter_ctx *ctx, const char *hash, const char *spool_id,
	     const char **outcome);

/* Applies ctx->forms all or nothing inside the open transaction (a dry
 * run, or any form refused, rolls them all back), queues the change
 * notices to the POCs' addresses, and fills vars with the reply's blocks:
 * *name is "ack" (changes, forms, pending, dryrun), "ack-dry-run" (the
 * same, no forms: nothing was created) or "errors" (problems). vars owns
 * its values. 0, or -1 on a database error (dispatch-forms.c). */
int dispatch_forms(sqlite3 *db, struct filter_ctx *ctx, const char *hash, const char *lang,
		   GHashTable *vars, const char **name);

/* The keys of a message's forms (dispatch-keys.c): each block and file
 * read once in the POC home for the whole message. */
struct dispatch_keys;
struct form;
struct poc;

struct dispatch_keys *dispatch_keys_new(struct filter_ctx *ctx, const char *lang);
void dispatch_keys_free(struct dispatch_keys *k);

/* Applies the keys of f (its blocks and the message's files) to the POC
 * after, as the form left it: refusals appended to problems (struct
 * form_error *, g_free their fields), the lines of the change block (in
 * lang) to changes, the audit event poc-keys; the addresses (borrowed
 * from after) whose key is new or another one appended to fresh. Nothing
 * is written when f's keys are refused. 0, or -1 on a database or crypto
 * engine failure. */
int dispatch_keys_apply(struct dispatch_keys *k, sqlite3 *db, const struct form *f,
			const struct poc *after, const char *hash, GString *changes,
			GPtrArray *problems, GPtrArray *fresh);

/* After every form: the attached keys that are unusable or named none of
 * the forms' POCs' addresses, appended to problems. */
void dispatch_keys_finish(struct dispatch_keys *k, GPtrArray *problems);

/* Answers ctx->lookup (LOOKUP, EXTRACT, ACCESS-LOG) after the message's
 * row (messages.id row, keyed by hash) is written: each answer signed and encrypted to the
 * requester, recorded and audited; sets the row's outcome. 0, or -1 on a database or composition
 * error (dispatch-lookups.c). */
int dispatch_lookups(sqlite3 *db, struct filter_ctx *ctx, const char *hash, gint64 row,
		     const char **outcome);

#endif

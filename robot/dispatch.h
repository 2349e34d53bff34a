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

/* Answers ctx->lookup (LOOKUP, EXTRACT, ACCESS-LOG) after the message's
 * row (messages.id row, keyed by hash) is written: each answer signed and encrypted to the
 * requester, recorded and audited; sets the row's outcome. 0, or -1 on a database or composition
 * error (dispatch-lookups.c). */
int dispatch_lookups(sqlite3 *db, struct filter_ctx *ctx, const char *hash, gint64 row,
		     const char **outcome);

#endif

/* dispatch.h - applies what the filters decided, inside the caller's transaction. */
#ifndef POCBOT_DISPATCH_H
#define POCBOT_DISPATCH_H

#include <sqlite3.h>
#include "filters/filter.h"

/* Records the message (row keyed by hash) and queues its replies. The
 * outcome is left in *outcome (static). 0, or -1 on a database error. */
int dispatch(sqlite3 *db, struct filter_ctx *ctx, const char *hash, const char *spool_id,
	     const char **outcome);

#endif

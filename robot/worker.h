/* worker.h - drains the spool through the pipeline, one transaction a message. */
#ifndef POCBOT_WORKER_H
#define POCBOT_WORKER_H

#include <sqlite3.h>
#include "config.h"
#include "crypto.h"
#include "templates.h"

struct worker {
	const struct config *cfg;
	const struct templates *tpl;
	sqlite3 *db;		/* the worker's own connection */
	struct crypto *crypto;	/* the worker's own crypto adapter */
	char *spool;		/* VAR/spool */
};

/* Processes every message in spool/new, oldest first. The number that
 * were handled (done or quarantined). */
int worker_drain(struct worker *w);

/* Processes spool entry id: 0 when it is done (moved to cur/) or
 * quarantined, -1 when it failed and stays in new/ for another try. */
int worker_process(struct worker *w, const char *id);

#endif

/* worker.h - drains the spool through the pipeline, one transaction a message. */
#ifndef POCBOT_WORKER_H
#define POCBOT_WORKER_H

#include <sqlite3.h>
#include "config.h"
#include "crypto.h"
#include "fault.h"
#include "templates.h"

struct worker {
	const struct config *cfg;
	const struct templates *tpl;
	sqlite3 *db;		/* the worker's own connection; NULL until it opens */
	struct crypto *crypto;	/* the worker's own crypto adapter */
	char *spool;		/* VAR/spool */
	struct fault *fault;	/* the robot's fault state, shared with the other threads */
	GHashTable *taken;	/* spool ids whose counted attempt a robot fault took */
};

/* Opens the database when it is not open, and during a robot fault runs
 * the probe when its retry is due (logging the end of the fault). 1 when
 * the worker can work, 0 when it must wait (the fault raised, logged once). */
int worker_ready(struct worker *w);

/* Processes every message in spool/new, oldest first, when the worker is
 * ready; stops at a robot fault. The number that were handled (done or
 * quarantined). */
int worker_drain(struct worker *w);

/* Processes spool entry id: 0 when it is done (moved to cur/) or
 * quarantined, -1 when it failed and stays in new/ for another try (a
 * robot fault is raised in w->fault, its attempt not counted). */
int worker_process(struct worker *w, const char *id);

/* Runs the timers' jobs (timers.h) when the worker is ready; a failure is
 * logged, or raises the robot fault when the probe fails too. The number
 * of messages queued. */
int worker_timers(struct worker *w);

#endif

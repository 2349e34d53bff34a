/* probe.h - the robot's self-check, which involves no message: can it
 * write what processing writes? A failure it confirms is a robot fault
 * (fault.h), never the message's. */
#ifndef POCBOT_PROBE_H
#define POCBOT_PROBE_H

#include <sqlite3.h>
#include "config.h"
#include "crypto.h"
#include "fault.h"

/* What the probes touch. db may be NULL (not open): that probe is skipped. */
struct probe_target {
	const struct config *cfg;
	sqlite3 *db;
	const char *spool;	/* VAR/spool */
	struct crypto *crypto;	/* the thread's adapter, or NULL: for the crypto
				 * engine's probe, when it has one (probe.c) */
};

/* Runs every probe in order (the database, the spool, the Maildir outbox
 * when there is no relay). 0 when all pass; -1 with *cause (g_free it)
 * naming the first that failed and why. */
int probe_run(const struct probe_target *t, char **cause);

/* Whether a thread of the daemon can work now, with the database *db
 * (opened here when NULL, from VAR/pocbot.db) and its crypto adapter
 * (NULL: it has none). During a robot fault, nothing is tried until its
 * retry is due; then the probe runs, and the fault ends (logged) when it
 * passes. A thread without an adapter (the sender) works when its probes
 * pass, but leaves the fault to the worker, whose probes include the
 * crypto engine's canary: a fault of the canary does not end because the
 * database works. A failure to open, or of the probe, raises the fault in
 * f (logged once). 1 ready, 0 wait. */
int probe_ready(struct fault *f, const struct config *cfg, const char *spool,
		struct crypto *crypto, sqlite3 **db);

#endif

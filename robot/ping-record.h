/* ping-record.h - records what came back for a ping (filters/ping-match.c found
 * it) in the worker's transaction: one ping_events row and the ping's
 * first delivered / delayed / bounced / autoreplied / receipt / answered. */
#ifndef POCBOT_PING_RECORD_H
#define POCBOT_PING_RECORD_H

#include <sqlite3.h>
#include "pipeline.h"

/* Records ctx->ping for the message of messages row message (its hash
 * for the audit trail), at
 * ctx->now, inside the caller's transaction. Only the first of each kind
 * of news sets the ping's columns; the same message (the same row, or the
 * same Message-ID come again by another envelope) is recorded once. A
 * person's first answer to any ping proves the address pinged when it is
 * still the POC's (ping-evidence.h decides the status: a pending or
 * unverified POC becomes active) and clears its undeliverable mark; a
 * first hard bounce (or soft ones in consecutive rounds) marks it. Each
 * change with an audit event.
 * 0, or -1 on a database error (the caller rolls back). */
int ping_record(sqlite3 *db, const struct filter_ctx *ctx, const char *hash, gint64 message);

#endif

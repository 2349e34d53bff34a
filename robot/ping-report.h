/* ping-report.h - the figures of a ping round (pocbot ping report, the
 * report mailed to the custodians at the round's close) and their text,
 * CSV and JSON forms. */
#ifndef POCBOT_PING_REPORT_H
#define POCBOT_PING_REPORT_H

#include <glib.h>
#include <sqlite3.h>
#include "pings.h"
#include "pings-health.h"

/* One ping of the round as the report sees it. Each ping is in exactly
 * one outcome: answered (by a person), else bounced, else auto-reply
 * only, else silent (nothing came back). */
enum ping_outcome { PING_OUT_ANSWERED, PING_OUT_BOUNCED, PING_OUT_AUTOREPLY, PING_OUT_SILENT };

struct ping_entry {
	char poc[32], state[3], type[16];
	char *address;
	enum ping_outcome outcome;
	gboolean sent;			/* handed over (its outbox row is 'sent') */
	gint64 sent_at;			/* 0 when not */
	gint64 answer_seconds;		/* answered: from handing over to the answer's arrival */
	gint64 bounced;			/* when, 0 when not */
	char *bounce_status, *bounce_diagnostic;	/* or NULL */
	int bounce_hard;		/* 1 hard, 0 soft, -1 unknown */
};

/* The figures of one group: one State (type ""), one POC type (state ""),
 * or the whole round (both ""). */
struct ping_figures {
	char state[3], type[16];
	int pings, sent, answered, autoreply_only, bounced, silent;
	double rate;			/* answered / pings, 0 when no ping */
	gint64 median, p90;		/* response seconds of the answered; -1 when none */
};

struct ping_report {
	struct pings_round round;
	GPtrArray *entries;		/* struct ping_entry *, by State, type, POC */
	GPtrArray *groups;		/* struct ping_figures *: each State, each type, then
					 * the round */
	GPtrArray *skips;		/* struct pings_dead * (pings-health.h): the
					 * undeliverable addresses the round did not ping */
};

/* The report of round id: 1 and *out filled (ping_report_clear it), 0
 * when there is no such round, -1 on a database error. */
int ping_report_build(sqlite3 *db, gint64 id, struct ping_report *out);

/* e's bounce status and diagnostic (untrusted, from mail) made valid
 * UTF-8, one line, bounded, as the report and the notices show them. */
void ping_report_clean(struct ping_entry *e);
void ping_report_clear(struct ping_report *r);

/* Sorts v (n values) and gives its median (the mean of the two middle
 * values, rounded down, when n is even) and 90th percentile (nearest
 * rank: the value at rank ceil(0.9 n)); both -1 when n is 0. */
void ping_report_percentiles(gint64 *v, guint n, gint64 *median, gint64 *p90);

/* The report as text (for a person, UTC ISO 8601 times), CSV (RFC 4180,
 * one "group" row per group then one "bounce" row per bounce) or JSON.
 * g_free them. */
char *ping_report_text(const struct ping_report *r);
char *ping_report_csv(const struct ping_report *r);
char *ping_report_json(const struct ping_report *r);

#endif

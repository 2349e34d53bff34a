/* ping-record.c - writes what came back for a ping: a ping_events row per
 * message, and on the pings row the first delivery, delay, bounce (with
 * its status, diagnostic and hard/soft), automatic reply, read receipt and
 * answer by a person (its arrival, the seconds since the ping was handed
 * to the relay, its From and whether that is one of the POC's addresses).
 * The first answer to any ping (round, verification, reminder) proves the
 * address pinged: its undeliverable mark goes and the POC's status is
 * decided again (ping-evidence.c); the first bounce may mark the address
 * undeliverable (pings-health.c). A person's answer that quotes the
 * proof code of a ping encrypted to the address's key (any answer, not
 * only the first) records that key proven (poc-keys.c), if it is still
 * the address's key; auto-replies and bounces never do. Each change
 * audited.
 * Input: ctx->ping from filters/ping-match.c (From and the diagnostic are
 * untrusted: bound and stored as text, never in SQL). Runs inside the
 * worker's transaction; returns -1 on a database error so the message is
 * retried and nothing half-done stays. */
#include <string.h>
#include "ping-record.h"
#include "audit.h"
#include "pings.h"
#include "envelope.h"
#include "ping-evidence.h"
#include "pings-health.h"
#include "poc-keys.h"
#include "pocs.h"

struct rec {
	const struct filter_ctx *ctx;
	const struct ping_match *p;
	struct ping_event e;
	char *detail;
};

/* addr to compare: its domain in A-labels when it has one, case aside. */
static char *address_key(const char *addr)
{
	char *ascii = envelope_address_ascii(addr),
	     *key = g_ascii_strdown(ascii ? ascii : addr, -1);

	g_free(ascii);
	return key;
}

/* Whether from is the address pinged or one the POC has now, the same
 * whether its domain is written in Unicode or as "xn--" A-labels. 1, 0
 * or -1. */
static int answer_own(sqlite3 *db, const struct rec *r, const char *from)
{
	char *want = from ? address_key(from) : NULL;
	GPtrArray *addresses;
	int own = 0;

	if (!want)
		return 0;
	if (!(addresses = pings_addresses(db, r->p->ping))) {
		g_free(want);
		return -1;
	}
	for (guint i = 0; !own && i < addresses->len; i++) {
		char *key = address_key(addresses->pdata[i]);

		own = strcmp(key, want) == 0;
		g_free(key);
	}
	g_ptr_array_unref(addresses);
	g_free(want);
	return own;
}

/* The JSON members that say which message and ping: for the audit. */
static char *audit_extra(const struct rec *r, const char *hash, const struct ping *g)
{
	GString *d = g_string_new("\"message\": ");

	pocs_json_string(d, hash);
	g_string_append_printf(d, ", \"ping\": %" G_GINT64_FORMAT ", \"address\": ", g->id);
	pocs_json_string(d, g->address);
	if (r->p->what == PING_ANSWER) {
		g_string_append(d, ", \"from\": ");
		pocs_json_string(d, r->p->from);
	} else {
		g_string_append(d, ", \"status\": ");
		pocs_json_string(d, r->p->status);
	}
	return g_string_free(d, FALSE);
}

/* An audit event about g's POC: action, with extra's members. */
static int audit_poc(sqlite3 *db, const struct rec *r, const struct ping *g,
		     const char *action, const char *extra)
{
	char state[3] = { g->poc[0], g->poc[1], 0 };	/* an identifier starts with its State */
	GString *d = g_string_new("{\"poc\": ");
	int rc;

	pocs_json_string(d, g->poc);
	g_string_append_printf(d, ", %s}", extra);
	rc = audit_append(db, r->ctx->now, "ping", state, action, d->str);
	g_string_free(d, TRUE);
	return rc;
}

/* What the first answer or bounce of a ping proves (ping-evidence.c): an
 * answer proves the address pinged (its undeliverable mark goes, audited)
 * and may make the POC active; a bounce may mark the address
 * undeliverable (pings-health.c), audited. */
static int evidence(sqlite3 *db, const struct rec *r, const char *hash)
{
	struct ping g;
	char *extra;
	int rc = pings_find(db, r->p->token, &g);

	if (rc <= 0)
		return rc;
	extra = audit_extra(r, hash, &g);
	if (r->p->what == PING_ANSWER) {
		rc = pings_health_clear(db, g.poc, g.address);
		if (rc > 0)
			rc = audit_poc(db, r, &g, "address-deliverable", extra);
		if (rc >= 0)
			rc = ping_evidence_apply(db, g.poc, r->ctx->now, "ping", extra, NULL);
	} else {
		rc = pings_health_bounce(db, g.poc, g.address, g.round, r->p->hard, r->p->status,
					 r->p->diagnostic, r->ctx->now);
		if (rc > 0)
			rc = audit_poc(db, r, &g, "address-undeliverable", extra);
	}
	g_free(extra);
	pings_clear(&g);
	return rc;
}

/* A person's answer quoting the proof code of a ping encrypted to the
 * address's key (ctx->ping->key): that key proven now, if it is still the
 * address's key (poc_keys_mark_proven), audited "key-proven". 1 proven, 0
 * not, -1 on error. */
static int key_proven(sqlite3 *db, const struct rec *r, const char *hash)
{
	struct ping g;
	char *extra, *more;
	int rc = pings_find(db, r->p->token, &g);

	if (rc <= 0)
		return rc;
	rc = poc_keys_mark_proven(db, g.poc, g.address, r->p->key, r->ctx->now);
	if (rc == 1) {
		extra = audit_extra(r, hash, &g);
		/* the fingerprint: hex, from the store */
		more = g_strdup_printf("%s, \"key\": \"%s\"", extra, r->p->key);
		if (audit_poc(db, r, &g, "key-proven", more) < 0)
			rc = -1;
		g_free(more);
		g_free(extra);
	}
	pings_clear(&g);
	return rc;
}

/* What the event's detail says: a bounce's status and reason, else From. */
static char *event_detail(const struct ping_match *p)
{
	if (p->what == PING_BOUNCED || p->what == PING_DELAYED || p->what == PING_DELIVERED)
		return g_strdup_printf("%s%s%s", p->status ? p->status : "",
				       p->status && p->diagnostic ? " " : "",
				       p->diagnostic ? p->diagnostic
						     : ""); /* both bounded by the filter */
	return p->from ? g_strdup_printf("from %s", p->from)
		       : NULL; /* an addr-spec, bounded by the adapter */
}

/* The event row of what ctx->ping says. Borrows from r. */
static void event_of(struct rec *r, gint64 message, const char *message_id)
{
	const struct ping_match *p = r->p;

	r->e = (struct ping_event){ .ping = p->ping,
				    .message = message,
				    .message_id = message_id,
				    .at = r->ctx->now,
				    .what = p->what,
				    .matched_by = p->matched_by,
				    .detail = r->detail,
				    .status = p->status,
				    .diagnostic = p->diagnostic,
				    .hard = p->hard,
				    .from = p->from };
}

int ping_record(sqlite3 *db, const struct filter_ctx *ctx, const char *hash, gint64 message)
{
	struct rec r = { .ctx = ctx, .p = ctx->ping };
	char *message_id = mail_message_id(ctx->mail);
	int rc, first;

	r.detail = event_detail(r.p);
	event_of(&r, message, message_id);
	rc = pings_event_seen(db, &r.e);
	if (rc != 0)
		goto out;	/* 1: recorded before, nothing to do; -1: error */
	rc = -1;
	if (r.p->what == PING_ANSWER && (r.e.own = answer_own(db, &r, r.p->from)) < 0)
		goto out;
	if (r.p->what == PING_ANSWER && r.p->key) {
		int proven = key_proven(db, &r, hash);
		char *more;

		if (proven < 0)
			goto out;
		if (proven) {	/* said without the code */
			more = g_strdup_printf("%s%skey proven", r.detail ? r.detail : "",
					       r.detail ? "; " : "");
			g_free(r.detail);
			r.detail = more;
			r.e.detail = more;
		}
	}
	if (pings_event_add(db, &r.e) < 0)
		goto out;
	first = pings_event_first(db, &r.e);
	if (first < 0)
		goto out;
	rc = first == 1 && (r.p->what == PING_ANSWER || r.p->what == PING_BOUNCED)
		     ? evidence(db, &r, hash)
		     : 0;
out:
	if (rc > 0)
		rc = 0;
	g_free(r.detail);
	g_free(message_id);
	return rc;
}

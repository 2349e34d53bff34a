/* pings.h - the store of communication checks (db/0006-pings.sql,
 * 0008): rounds, the pings of a round or of a new address, their tokens,
 * and the queuing of a ping or a reminder through the outbox.
 *
 * A ping's token (PINGS_TOKEN_CHARS lower-case base32 characters, 130
 * random bits from getrandom(2)) is in its Reply-To (ping+TOKEN@DOMAIN),
 * its envelope sender (bounces+TOKEN@DOMAIN: the outbox row's token is the
 * ping's token), its Message-ID (pocbot.TOKEN@DOMAIN) and its subject
 * ("... [TOKEN]"). A reminder is the outbox row "TOKEN-rN" (Message-ID
 * pocbot.TOKEN-rN@DOMAIN) with the ping's envelope sender, Reply-To and
 * subject token, and In-Reply-To the ping. The time a ping was sent is
 * its outbox row's done (state 'sent').
 *
 * One ping per POC in a round, to its first e-mail address; a
 * verification ping to each address a form added. Every function that
 * writes runs in the caller's transaction unless it says otherwise. */
#ifndef POCBOT_PINGS_H
#define POCBOT_PINGS_H

#include <glib.h>
#include <sqlite3.h>
#include "config.h"
#include "crypto.h"
#include "form.h"

struct templates;
struct poc;

#define PINGS_TOKEN_CHARS 26	/* 130 bits, 5 a character */
#define PINGS_TOKEN_LEN (PINGS_TOKEN_CHARS + 1)

/* What queuing mail needs: the database (a transaction open where a
 * function writes), the configuration, the crypto adapter that signs
 * (the robot's identity made), the templates, and the clock's time. */
struct pings_ctx {
	sqlite3 *db;
	const struct config *cfg;
	struct crypto *crypto;
	const struct templates *tpl;
	gint64 now;
};

/* A fresh token from getrandom(2). 0, or -1 when the kernel gave none. */
int pings_token_new(char out[PINGS_TOKEN_LEN]);

/* TRUE when s is a token as pings_token_new makes them (exactly
 * PINGS_TOKEN_CHARS of a-z and 2-7): the check for a token read from mail
 * before it goes near the database. */
gboolean pings_token_valid(const char *s);

/* Which POCs a round pings: those of the States listed (NULL or empty:
 * all) and of type (POC_TYPE_NONE: all), not withdrawn. */
struct pings_scope {
	char **states;		/* alpha-2 codes, NULL-terminated, or NULL */
	enum poc_type type;
};

/* The scope as ping_rounds.scope stores it: "states=FR,DE type=technical",
 * "" for everything. g_free it. And back: 0 (s filled; pings_scope_clear
 * it), -1 for a text it did not write. */
char *pings_scope_text(const struct pings_scope *s);
int pings_scope_parse(const char *text, struct pings_scope *s);
void pings_scope_clear(struct pings_scope *s);

/* One POC to ping. */
struct pings_target {
	char poc[32];
	char state[3];
	char type[16];
	char *address;		/* its first e-mail address, as written */
	char lang[8];		/* its first language when the robot writes it, else "en" */
};

/* The POCs of scope not withdrawn, created at or before created_by, that
 * have no ping in round (0: any round, i.e. do not look), by State, type
 * and number; at most limit of them (0: all). An array of struct
 * pings_target * that frees them, or NULL on a database error. */
GPtrArray *pings_targets(sqlite3 *db, const struct pings_scope *scope, gint64 created_by, gint64 round,
			 guint limit);

/* Opens a round (ping_rounds row): started now, deadline, scope text,
 * started_by "custodian" or "schedule". The round's id, or -1. */
gint64 pings_round_open(sqlite3 *db, gint64 now, gint64 deadline, const char *scope, const char *started_by);

/* The round's row. 1 and the fields filled (*scope: g_free it; may be
 * NULL), 0 when there is none, -1 on error. */
struct pings_round {
	gint64 id, started, deadline, closed;	/* closed 0 while open */
	char *scope;
	char started_by[16];
};
int pings_round_get(sqlite3 *db, gint64 id, struct pings_round *r);
void pings_round_clear(struct pings_round *r);

/* The most recent round's start time: 1 and *started, 0 when no round
 * was ever opened, -1 on error. */
int pings_last_round_start(sqlite3 *db, gint64 *started);

/* Queues one ping to t: a pings row (purpose "round" when round > 0,
 * else "verification" with round NULL), queued now, with deadline, and
 * its signed message in t->lang with English beside it. 0 queued (token
 * filled when not NULL); 1 not queued: t already has a ping in the round,
 * or its address has no ASCII form; -1 on failure. */
int pings_send(const struct pings_ctx *c, gint64 round, const struct pings_target *t, gint64 deadline,
	       char token[PINGS_TOKEN_LEN]);

/* The verification pings of a form's change: one to each address of after
 * that before did not have (every address of a new POC), deadline now +
 * [ping] deadline. Call it where pocs_needs_verification(before, after)
 * is TRUE, in the form's transaction. 0 or -1. */
int pings_verify_new_addresses(const struct pings_ctx *c, const struct poc *before, const struct poc *after);

/* One ping as the store has it (what the inbound half needs to match and
 * record). */
struct ping {
	gint64 id, round;		/* round 0 for a verification ping */
	char purpose[16];		/* "round" or "verification" */
	char poc[32];
	char *address;
	char lang[8];
	char token[PINGS_TOKEN_LEN];
	gint64 queued, sent;		/* sent: its outbox row's done, 0 while not sent */
	gint64 deadline;
	int reminders;
	gint64 answered, bounced, autoreplied, finished;	/* 0 when not */
};
void pings_clear(struct ping *p);

/* The ping with token (any case, validated first). 1 and *p filled, 0 when
 * none, -1 on a database error. */
int pings_find(sqlite3 *db, const char *token, struct ping *p);

/* Queues reminder n (1-based) of ping p: signed, to p's address, in its
 * language with English beside it, the ping's token in the envelope
 * sender, Reply-To and subject; and sets the ping's reminders to n. 0, 1
 * (no ASCII address: counted as sent), -1. */
int pings_remind(const struct pings_ctx *c, const struct ping *p, int n);

#endif

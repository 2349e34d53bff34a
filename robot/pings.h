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
 * One ping per POC in a round, to its first e-mail address not marked
 * undeliverable (pings-health.h; the others are recorded as skipped); a
 * verification ping to each address a form added. Every function that
 * writes runs in the caller's transaction unless it says otherwise. */
#ifndef POCBOT_PINGS_H
#define POCBOT_PINGS_H

#include <glib.h>
#include <sqlite3.h>
#include "config.h"
#include "crypto.h"
#include "form.h"
#include "mail-ctx.h"

struct templates;
struct poc;

#define PINGS_TOKEN_CHARS 26	/* 130 bits, 5 a character */
#define PINGS_TOKEN_LEN (PINGS_TOKEN_CHARS + 1)


/* What came back for a ping: ping_events.what, in this order. */
enum ping_what {
	PING_DELIVERED,
	PING_DELAYED,
	PING_BOUNCED,
	PING_AUTOREPLY,
	PING_RECEIPT,
	PING_ANSWER
};
#define PING_WHAT_COUNT (PING_ANSWER + 1)

/* "delivered", "delayed", "bounced", "autoreply", "receipt", "answer". */
const char *ping_what_name(enum ping_what w);

/* A fresh token from getrandom(2). 0, or -1 when the kernel gave none. */
int pings_token_new(char out[PINGS_TOKEN_LEN]);

/* TRUE when s is a token as pings_token_new makes them (exactly
 * PINGS_TOKEN_CHARS of a-z and 2-7): the check for a token read from mail
 * before it goes near the database. */
gboolean pings_token_valid(const char *s);

/* A ping's proof code: PINGS_PROOF_CHARS of PINGS_PROOF_ALPHABET (no 0,
 * O, 1, I, L: read aloud and typed without doubt), 59 random bits from
 * getrandom(2), shown in groups of 4 ("ABCD-EFGH-JKMN"). It is sent only
 * inside a ping encrypted to the address's key (pings.proof; pings.key
 * the fingerprint): a reply quoting it proves the key works. Stored
 * without the hyphens. */
#define PINGS_PROOF_CHARS 12
#define PINGS_PROOF_LEN (PINGS_PROOF_CHARS + 1)
#define PINGS_PROOF_TEXT_LEN (PINGS_PROOF_CHARS + PINGS_PROOF_CHARS / 4)
#define PINGS_PROOF_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

/* A fresh proof code. 0, or -1 when the kernel gave no random bytes. */
int pings_proof_new(char out[PINGS_PROOF_LEN]);

/* proof as the ping shows it, in groups of 4 joined by hyphens. */
void pings_proof_text(const char *proof, char out[PINGS_PROOF_TEXT_LEN]);

/* TRUE when text holds proof, compared ignoring case, white space and
 * hyphens (the first PING_PROOF_SCAN bytes of text only). */
gboolean pings_proof_in(const char *proof, const char *text);

/* Sets the proof code and key fingerprint of the ping with token (both
 * NULL: the ping proves no key). 0 or -1. */
int pings_set_proof(sqlite3 *db, const char *token, const char *proof, const char *key);

/* The proof code and key of ping id: 1 with *proof and *key (g_free
 * them), 0 when it has none, -1 on error. */
int pings_proof_get(sqlite3 *db, gint64 id, char **proof, char **key);

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
	char *address;		/* its first deliverable e-mail address, as written;
				 * NULL when every one is undeliverable */
	char lang[8];		/* its first language when the robot writes it, else "en" */
};

/* The POCs of scope not withdrawn, created at or before created_by, that
 * have no ping nor skipped address in round (0: any round, i.e. do not
 * look), by State, type
 * and number; at most limit of them (0: all). An array of struct
 * pings_target * that frees them, or NULL on a database error. */
GPtrArray *pings_targets(sqlite3 *db, const struct pings_scope *scope, gint64 created_by,
                         gint64 round, guint limit);

/* Opens a round (ping_rounds row): started now, deadline, scope text,
 * started_by "custodian" or "schedule". The round's id, or -1. */
gint64 pings_round_open(sqlite3 *db, gint64 now, gint64 deadline, const char *scope,
                        const char *started_by);

/* The round's row. 1 and the fields filled (*scope: g_free it; may be
 * NULL), 0 when there is none, -1 on error. */
struct pings_round {
	gint64 id, started, deadline, closed;	/* closed 0 while open */
	char *scope;
	char started_by[16];
	gint64 pings, answered;			/* counts: pings_rounds_list only */
};
int pings_round_get(sqlite3 *db, gint64 id, struct pings_round *r);
void pings_round_clear(struct pings_round *r);

/* The most recent round's start time: 1 and *started, 0 when no round
 * was ever opened, -1 on error. */
int pings_last_round_start(sqlite3 *db, gint64 *started);

/* The language the robot writes to a POC whose first language is lang:
 * lang when it is one of the six, else "en". Borrowed. */
const char *pings_lang(const char *lang);

/* A ping's row: 1 when poc has a ping in round, 0 when not, -1 on error;
 * insert the ping of t (purpose "round" when round > 0, else
 * "verification") with its token, queued now; set its reminder count.
 * 0 or -1. */
int pings_in_round(sqlite3 *db, gint64 round, const char *poc);
int pings_insert(sqlite3 *db, gint64 round, const struct pings_target *t, const char *token,
                 gint64 now, gint64 deadline);
int pings_set_reminders(sqlite3 *db, gint64 id, int n);

/* Sending (ping-send.c). Queues one ping to t: a pings row (purpose "round" when round > 0,
 * else "verification" with round NULL), queued now, with deadline, and
 * its signed message in t->lang with English beside it. 0 queued (token
 * filled when not NULL); 1 not queued: t already has a ping in the round,
 * or its address has no ASCII form; -1 on failure. */
int pings_send(const struct mail_ctx *c, gint64 round, const struct pings_target *t,
               gint64 deadline, char token[PINGS_TOKEN_LEN]);

/* The verification pings of a form's change: one to each address of after
 * that before did not have (every address of a new POC), deadline now +
 * [ping] deadline. Call it where pocs_needs_verification(before, after)
 * is TRUE, in the form's transaction. 0 or -1. */
int pings_verify_new_addresses(const struct mail_ctx *c, const struct poc *before,
                               const struct poc *after);

/* A verification ping to address, one of p's (any case; as p writes it),
 * deadline now + [ping] deadline: an UPDATE stating an undeliverable
 * address again, or pocbot poc recheck. As pings_send; 1 also when
 * address is not p's. */
int pings_recheck(const struct mail_ctx *c, const struct poc *p, const char *address,
                  char token[PINGS_TOKEN_LEN]);

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
	gint64 answer_seconds;		/* -1 when not answered */
};
void pings_clear(struct ping *p);

/* The ping with token (any case, validated first). 1 and *p filled, 0 when
 * none, -1 on a database error. */
int pings_find(sqlite3 *db, const char *token, struct ping *p);

/* The pings of round, by POC: an array of struct ping * that frees them,
 * or NULL on error. */
GPtrArray *pings_of_round(sqlite3 *db, gint64 round);

/* Queues reminder n (1-based) of ping p: signed, to p's address, in its
 * language with English beside it, the ping's token in the envelope
 * sender, Reply-To and subject; and sets the ping's reminders to n. 0, 1
 * (no ASCII address: counted as sent), -1. */
int pings_remind(const struct mail_ctx *c, const struct ping *p, int n);

/* ---- what came back (ping_events, and the first of each on the ping) ---- */

/* One message's news about one ping. Strings are borrowed. */
struct ping_event {
	gint64 ping;		/* pings.id */
	gint64 message;		/* messages.id of the message come back */
	const char *message_id;	/* its Message-ID, or NULL */
	gint64 at;
	enum ping_what what;
	const char *matched_by;	/* how the matcher found the ping */
	const char *detail;	/* for the event row, or NULL */
	const char *status, *diagnostic;	/* a bounce's; or NULL */
	int hard;		/* a bounce: 1 permanent, 0 temporary, -1 not said */
	const char *from;	/* an answer's From, or NULL */
	int own;		/* an answer from one of the POC's addresses */
};

/* 1 when e's message was recorded for e's ping already (the same row, or
 * the same Message-ID with the same news by another envelope), 0 when
 * not, -1 on error. */
int pings_event_seen(sqlite3 *db, const struct ping_event *e);

/* Adds e's ping_events row. 0 or -1. */
int pings_event_add(sqlite3 *db, const struct ping_event *e);

/* Sets the ping's column for e's news (delivered, delayed, bounced with
 * its status, autoreplied, receipt, answered with From and the seconds
 * since the ping was handed to the relay) when it is the first such news:
 * 1 when it was, 0 when not, -1 on error. */
int pings_event_first(sqlite3 *db, const struct ping_event *e);

/* The address ping was sent to, then the addresses its POC has now
 * (g_ptr_array_unref it), or NULL on error. */
GPtrArray *pings_addresses(sqlite3 *db, gint64 ping);

/* When poc last answered a ping and how fast: 1 with *answered and
 * *seconds (-1 when not known), 0 when it never did, -1 on error. */
int pings_last_answer(sqlite3 *db, const char *poc, gint64 *answered, gint64 *seconds);

/* ---- the timers' questions ---- */

/* Open rounds not at their deadline that the timer fills: every scheduled
 * one, and one the command started more than grace seconds ago. Their
 * ids (g_array_free), or NULL on error. */
GArray *pings_rounds_to_fill(sqlite3 *db, gint64 now, gint64 grace);

/* Open rounds at or past their deadline. As pings_rounds_to_fill. */
GArray *pings_rounds_past_deadline(sqlite3 *db, gint64 now);

/* Tokens of up to limit pings handed over, not answered, not hard-bounced,
 * not finished, before their deadline, whose next reminder is due by the
 * schedule delays[0..n-1] (seconds after handing over; any length).
 * g_ptr_array_unref it; NULL on error. */
GPtrArray *pings_reminders_due(sqlite3 *db, const gint64 *delays, int n, gint64 now, int limit);

/* Tokens of up to limit verification pings not finished at their deadline. */
GPtrArray *pings_verifications_due(sqlite3 *db, gint64 now, int limit);

/* Marks ping id finished at now. 0 or -1. */
int pings_finish(sqlite3 *db, gint64 id, gint64 now);

/* Finishes the pings of round to state's POCs whose deadline is by due. 0 or -1. */
int pings_finish_state(sqlite3 *db, gint64 round, const char *state, gint64 due, gint64 now);

/* Appends to rounds and states the (round, State) pairs with pings not
 * finished by due, of round (0: any round), at most limit (-1: all). 0 or -1. */
int pings_due_states(sqlite3 *db, gint64 round, gint64 due, int limit, GArray *rounds,
                     GPtrArray *states);

/* Closes round id at now when none of its pings is unfinished: 1 closed,
 * 0 not, -1 on error. */
int pings_round_close(sqlite3 *db, gint64 id, gint64 now);

/* Every round, with its counts of pings and answers, by id: an array of
 * struct pings_round * that frees them, or NULL on error. */
GPtrArray *pings_rounds_list(sqlite3 *db);

/* The report's entries (struct ping_entry *, ping-report.h) of round: of
 * state's POCs only unless state is NULL; only pings not finished with
 * their deadline by due unless due is 0. Raw texts (bounce status and
 * diagnostic as stored). By State, type and number; NULL on error. */
GPtrArray *pings_entries(sqlite3 *db, gint64 round, const char *state, gint64 due);

#endif

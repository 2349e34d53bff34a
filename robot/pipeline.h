/* pipeline.h - the inbound filters in the order they run, and what they
 * share with the robot: the context a filter reads and the results it
 * leaves there for dispatch (filters/filter.h declares the filters).
 *
 * A filter reads the parsed message and the context, may set results in the
 * context, and returns a verdict. It never sends mail nor writes the
 * database: dispatch does, from what the filters left in the context. */
#ifndef POCBOT_PIPELINE_H
#define POCBOT_PIPELINE_H

#include <glib.h>
#include "config.h"
#include "envelope.h"
#include "mail.h"
#include "pings.h"

struct templates;
struct form_set;
struct lookup_request;
struct crypto;
struct sqlite3;

enum verdict {
	VERDICT_CONTINUE,	/* go on with the next filter */
	VERDICT_STOP,		/* done: record the outcome, run no more filters */
	VERDICT_ERROR		/* could not decide (temporary): retry the message later */
};

enum mail_kind {
	KIND_UNKNOWN,
	KIND_LOOP,		/* our own mail come back */
	KIND_BOUNCE,		/* a delivery status notification */
	KIND_AUTOREPLY,		/* out-of-office, vacation, challenge, read receipt */
	KIND_REFUSED,		/* over a structural limit */
	KIND_COMMAND		/* a person's mail to the robot */
};

enum command {
	CMD_NONE,		/* no command recognised */
	CMD_HELP,
	CMD_FORM,
	CMD_AUTHORITY		/* a command that needs a signature: a form, a lookup */
};

/* Who may be told about a message (DESIGN.md 3a; filters/authenticate.c). */
enum auth_answer {
	AUTH_TO_SENDER,		/* unsigned, or a valid signature by a key that is not
				 * enrolled and holds From: Reply-To else From, in clear */
	AUTH_TO_SIGNER,		/* the enrolled signer auth.signer, at its signer address,
				 * encrypted */
	AUTH_TO_NOBODY		/* a signature that does not authorise and concerns no
				 * signer: recorded, not answered */
};

/* What authenticate found (filters/authenticate.c). */
struct auth {
	gboolean is_signed;	/* a signature where one counts */
	gboolean verified;	/* it verifies by a valid key (enrolled or not) */
	gboolean accepted;	/* it verifies, by an enrolled signer, fresh, not replayed */
	int answer;		/* enum auth_answer */
	char signer[65];	/* AUTH_TO_SIGNER: the fingerprint of the signer told: the
				 * one whose signature it is, or, for a signature that does
				 * not verify, the one whose key holds From */
	const char *refusal;	/* templates' reasons.txt key when signed but refused */
	int protocol;		/* enum crypto_protocol */
	char fingerprint[65];
	char replay_key[65];
	char state[8];		/* the signer's State (alpha-2) */
	char role[16];		/* authority, reader, custodian */
	gint64 created;
	gboolean text_outside;	/* text outside the signature was ignored */
	gboolean encrypted;
	struct mail *content;	/* the signed content, parsed; owned; NULL when unsigned */
};

/* What an inbound message says about one of our pings
 * (filters/ping-match.c finds it; robot/ping-record.c records it; what
 * came back is an enum ping_what of pings.h). */
struct ping_match {
	gint64 ping;			/* pings.id */
	char token[PINGS_TOKEN_CHARS + 1];
	enum ping_what what;
	const char *matched_by;		/* static: recipient, envid, message-id, in-reply-to,
					 * references, subject, body */
	char *status;			/* a bounce's "5.1.1", or NULL */
	char *diagnostic;		/* a bounce's reason, one bounded line, or NULL */
	int hard;			/* a bounce: 1 permanent, 0 temporary, -1 not said */
	char *from;			/* From's addr-spec, bounded, or NULL */
	gboolean go_on;			/* a signed answer: the command stages still read it */
	char *key;			/* an answer whose text quotes the ping's proof code:
					 * the fingerprint the ping was encrypted to; or NULL */
};

struct filter_ctx {
	/* inputs */
	const struct config *cfg;
	const struct templates *tpl;
	const struct envelope *env;
	const struct mail *mail;
	const char *raw;		/* the message's bytes */
	size_t raw_len;
	struct crypto *crypto;		/* the worker's crypto adapter */
	struct sqlite3 *db;		/* filters read, never write */
	gint64 now;

	/* results */
	enum mail_kind kind;
	gboolean no_reply;	/* never answer this message */
	gboolean null_sender;	/* <> now, or a Return-Path: <> left by an earlier delivery
				 * (guard) */
	const char *reason;	/* why, a static string for the log and the messages table */
	enum command cmd;
	char lang[8];		/* language of the command, "" when none */
	char arg_lang[8];	/* language asked for (FORM fr), "" when none */
	struct auth auth;
	struct form_set *forms;	/* the forms of an accepted signer's message, owned; or NULL */
	gboolean receipt;	/* a read receipt (MDN); kind is KIND_AUTOREPLY too */
	gboolean autoreply_marked;	/* headers mark an automatic reply, whatever the kind
					 * (classify; mail to bounces+ is a bounce) */
	struct ping_match *ping;	/* what this message says about one of our pings
					 * (filters/ping-match.c), owned; or NULL */
	struct lookup_request *lookup;	/* an accepted signer's LOOKUP, EXTRACT or ACCESS-LOG
					 * (filters/lookup.c), owned; or NULL */
};

/* "unknown", "loop", "bounce", "autoreply", "refused", "command". */
const char *filter_kind_name(enum mail_kind kind);

/* Runs the filters over ctx until one stops or fails. VERDICT_ERROR means
 * the message must be tried again later; otherwise dispatch acts on ctx. */
enum verdict pipeline_run(struct filter_ctx *ctx);

#endif

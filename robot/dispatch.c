/* dispatch.c - the effects of one message: its row in messages and the
 * replies it earns, written in the worker's transaction. Unsigned mail is
 * answered only for HELP and FORM (and a command that needs a signature
 * gets the "not signed" refusal), at most [limits] help_per_day times a
 * day per address, so forged spam never turns into backscatter. A reply
 * to an enrolled signer goes encrypted to its key, at its signer address
 * (notices_signer_address); any other is in clear, to Reply-To else From,
 * and carries no directory data. Every reply is signed by the robot, in
 * S/MIME when the signer (else the sender) uses S/MIME. */
#include <string.h>
#include "dispatch.h"
#include "form.h"
#include "crypto.h"
#include "db.h"
#include "envelope.h"
#include "log.h"
#include "messages.h"
#include "limits.h"
#include "notices.h"
#include "outbox.h"
#include "reply-address.h"
#include "signers.h"
#include "ping-record.h"
#include "templates.h"
#include "wrap.h"

static gint64 insert_message(sqlite3 *db, const struct filter_ctx *ctx, const char *hash,
			     const char *spool_id, const char *outcome)
{
	char *msgid = mail_message_id(ctx->mail);
	char *rcpts = envelope_recipients_text(ctx->env);
	struct message_row m = { .hash = hash,
				 .spool_id = spool_id,
				 .message_id = msgid,
				 .sender = ctx->env->sender,
				 .recipients = rcpts,
				 .received = ctx->now,
				 .kind = filter_kind_name(ctx->kind),
				 .outcome = outcome,
				 .reason = ctx->reason };
	gint64 row = messages_insert(db, &m);

	g_free(msgid);
	g_free(rcpts);
	return row;
}

/* How often a reply may go to one address. */
enum limit {
	UNLIMITED,
	HELP_PER_DAY,		/* counts against [limits] help_per_day (help, form, refusal) */
	ONCE_A_DAY		/* one of its purpose a day (a signature that does not verify) */
};

/* What a message earns: which template, why, and whether a daily limit
 * applies. */
struct reply {
	const char *purpose;	/* outbox purpose; NULL: no reply */
	const char *name;	/* template */
	const char *refusal;	/* reasons.txt key, for a refusal */
	enum limit limited;
	GHashTable *vars;	/* more placeholders (the forms' blocks), or NULL */
};

/* The language the reply is written in. */
static const char *reply_lang(const struct filter_ctx *ctx)
{
	return ctx->arg_lang[0] ? ctx->arg_lang : ctx->lang[0] ? ctx->lang : "en";
}

static int record_and_answer(sqlite3 *db, struct filter_ctx *ctx, const struct reply *rp,
			     const char *hash, const char *spool_id, gint64 *row,
			     const char **outcome);

/* What an accepted signer's forms came to, once applied (dispatch_forms). */
enum forms_outcome {
	FORMS_NONE,		/* no forms, or not an accepted signer's */
	FORMS_ACK,		/* applied: the "ack" reply */
	FORMS_DRY_RUN,		/* a dry run that would apply: the "ack-dry-run" reply */
	FORMS_ERRORS		/* refused, all rolled back: the "errors" reply */
};

/* A column of the table: any value, or it must hold, or must not. */
enum test { ANY = -1, NO = 0, YES = 1 };

/* The refusal the authenticate stage chose (ctx->auth.refusal). */
static const char signer_refusal[] = "(the signer's)";

/* What a message earns, the first row that matches. Columns:
 *   answerable  a person's command (KIND_COMMAND), not marked no_reply
 *   ping        an answer to one of our pings (its command stages ran)
 *   signed      a signature where one counts; good: it verifies (by a key
 *               enrolled or not); accepted: it authorises
 *   to          who may be told (ANY, or AUTH_TO_*: ctx->auth.answer)
 *   forms       what an accepted signer's forms came to (ANY, or FORMS_*)
 *   lookup      an accepted signer's LOOKUP, EXTRACT or ACCESS-LOG
 *   cmd         the command recognised (ANY, or CMD_*)
 * Unsigned mail is answered only for HELP and FORM, and a command that
 * needs authority gets the "not signed" refusal; a signed message that
 * fails a check gets its refusal when someone may be told (a signature
 * that does not verify: the enrolled signer whose key holds From, once a
 * day); an accepted signer gets what was asked, or the help. Lookups are
 * answered by dispatch_lookups, not here. Whether a reply goes to an
 * enrolled signer (encrypted, at its signer address) or in clear to the
 * sender is ctx->auth.answer's (answer()). */
static const struct rule {
	signed char answerable, ping, is_signed, good, accepted, to, forms, lookup, cmd;
	struct reply reply;	/* purpose, template, refusal, limited */
} rules[] = {
/*        answ ping sign good acc  to              forms         look cmd           */
	{ NO,  ANY, ANY, ANY, ANY, ANY,            ANY,          ANY, ANY,      { NULL } },
	/* a signed answer to a ping: only a signer's command is answered */
	{ YES, YES, ANY, ANY, NO,  ANY,            ANY,          ANY, ANY,      { NULL } },
	{ YES, YES, ANY, ANY, ANY, ANY,            ANY,          ANY, CMD_NONE, { NULL } },
	/* a signature that does not authorise (F8) */
	{ YES, ANY, YES, ANY, NO,  AUTH_TO_NOBODY, ANY,          ANY, ANY,      { NULL } },
	{ YES, ANY, YES, NO,  NO,  AUTH_TO_SIGNER, ANY,          ANY, ANY,
	  { "unverified", "refusal", signer_refusal, ONCE_A_DAY, NULL } },
	{ YES, ANY, YES, ANY, NO,  ANY,            ANY,          ANY, ANY,
	  { "refusal", "refusal", signer_refusal, HELP_PER_DAY, NULL } },
	{ YES, ANY, ANY, ANY, YES, ANY,            FORMS_ACK,    ANY, ANY,
	  { "signed-ack", "ack", NULL, UNLIMITED, NULL } },
	{ YES, ANY, ANY, ANY, YES, ANY,            FORMS_DRY_RUN, ANY, ANY,
	  { "signed-dry-run", "ack-dry-run", NULL, UNLIMITED, NULL } },
	{ YES, ANY, ANY, ANY, YES, ANY,            FORMS_ERRORS, ANY, ANY,
	  { "signed-errors", "errors", NULL, UNLIMITED, NULL } },
	{ YES, ANY, ANY, ANY, YES, ANY,            ANY,          YES, ANY,      { NULL } },
	{ YES, ANY, ANY, ANY, YES, ANY,            ANY,          ANY, CMD_FORM,
	  { "signed-form", "form", NULL, UNLIMITED, NULL } },
	{ YES, ANY, ANY, ANY, YES, ANY,            ANY,          ANY, ANY,
	  { "signed-help", "help", NULL, UNLIMITED, NULL } },
	{ YES, ANY, ANY, ANY, NO,  ANY,            ANY,          ANY, CMD_HELP,
	  { "help", "help", NULL, HELP_PER_DAY, NULL } },
	{ YES, ANY, ANY, ANY, NO,  ANY,            ANY,          ANY, CMD_FORM,
	  { "form", "form", NULL, HELP_PER_DAY, NULL } },
	{ YES, ANY, ANY, ANY, NO,  ANY,            ANY,          ANY, CMD_AUTHORITY,
	  { "refusal", "refusal", "not-signed", HELP_PER_DAY, NULL } },
	{ ANY, ANY, ANY, ANY, ANY, ANY,            ANY,          ANY, ANY,      { NULL } },
};

static gboolean holds(signed char test, int value)
{
	return test == ANY || test == value;
}

/* The reply the table gives ctx, whose forms came to forms. */
static struct reply plan(const struct filter_ctx *ctx, enum forms_outcome forms)
{
	const struct auth *a = &ctx->auth;
	gboolean answerable = !ctx->no_reply && ctx->kind == KIND_COMMAND;

	for (size_t i = 0; i < G_N_ELEMENTS(rules); i++) {
		const struct rule *w = &rules[i];
		struct reply r = w->reply;

		if (!holds(w->answerable, answerable) || !holds(w->ping, ctx->ping != NULL) ||
		    !holds(w->is_signed, !!a->is_signed) || !holds(w->good, !!a->verified) ||
		    !holds(w->accepted, !!a->accepted) || !holds(w->to, a->answer) ||
		    !holds(w->forms, forms) || !holds(w->lookup, ctx->lookup != NULL) ||
		    !holds(w->cmd, ctx->cmd))
			continue;
		if (r.refusal == signer_refusal)
			r.refusal = a->refusal;
		return r;
	}
	g_assert_not_reached();	/* the last row takes anything */
}

/* The reason key's paragraph of reasons.txt, filled to the templates'
 * width; NULL when there is none. g_free it. */
static char *reason_text(const struct filter_ctx *ctx, const char *lang, const char *key)
{
	char *text = templates_phrase(ctx->tpl, lang, "reasons", key), *filled;

	if (!text)
		return NULL;
	filled = wrap_text(text, TEMPLATE_WIDTH);
	g_free(text);
	return filled;
}

/* Runs of blank lines (left by empty placeholders) made one. */
static void squeeze_blank_lines(char *text)
{
	char *w = text;
	int newlines = 0;

	for (const char *r = text; *r; r++) {
		newlines = *r == '\n' ? newlines + 1 : 0;
		if (newlines <= 2)
			*w++ = *r;
	}
	*w = '\0';
}

/* A template rendered in lang with the robot's addresses and reason;
 * 0 or -1. */
static int render(const struct filter_ctx *ctx, const char *lang, const struct reply *r,
		  char **subject, char **body)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	char *reason = r->refusal ? reason_text(ctx, lang, r->refusal) : NULL;
	int rc;

	g_hash_table_insert(vars, "robot", ctx->cfg->address);
	g_hash_table_insert(vars, "custodian", ctx->cfg->custodian ? ctx->cfg->custodian : "");
	g_hash_table_insert(vars, "lang", (char *)lang);
	g_hash_table_insert(vars, "reason", reason ? reason : (char *)r->refusal ?: "");
	if (r->vars) {
		GHashTableIter i;
		gpointer k, v;

		g_hash_table_iter_init(&i, r->vars);
		while (g_hash_table_iter_next(&i, &k, &v))
			g_hash_table_insert(vars, k, v);
	}
	rc = templates_message(ctx->tpl, lang, r->name, vars, subject, body);
	g_hash_table_unref(vars);
	g_free(reason);
	if (rc == 0)
		squeeze_blank_lines(*body);
	return rc;
}

/* The body with the note that text outside the signature was ignored. */
static void note_outside_text(const struct filter_ctx *ctx, const char *lang, char **body)
{
	char *note = reason_text(ctx, lang, "outside-text");
	char *both;

	if (!note)
		return;
	both = g_strdup_printf("%s\n%s\n", *body, note);
	g_free(*body);
	g_free(note);
	*body = both;
}

/* Where the reply goes (g_free *to; NULL: nowhere) and, for an enrolled
 * signer, who it is (*s, signers_clear it): the signer at its signer
 * address (DESIGN.md 3a), else Reply-To, else From. 0 or -1. */
static int reply_address(sqlite3 *db, const struct filter_ctx *ctx, struct signer *s, char **to)
{
	char *reply_to = mail_reply_to_address(ctx->mail), *from = mail_from_address(ctx->mail);
	int rc = 0;

	*to = NULL;
	memset(s, 0, sizeof *s);
	if (ctx->auth.answer != AUTH_TO_SIGNER) {
		*to = reply_address_pick(ctx->mail, ctx->env->sender);
	} else if ((rc = signers_find(db, ctx->auth.signer, s)) == 1) {
		/* a signature that does not verify is answered at From, the address
		 * that named the signer, and nowhere else */
		rc = notices_signer_address(ctx->crypto, s, ctx->auth.verified ? reply_to : NULL,
					    from, to) < 0 ? -1 : 0;
	}
	g_free(reply_to);
	g_free(from);
	return rc < 0 ? -1 : 0;
}

/* How many replies like r already went to to today: the count its limit
 * is compared with (0 when it has none); -1 on error. */
static int sent_today(sqlite3 *db, const struct filter_ctx *ctx, const struct reply *r,
		      const char *to)
{
	char *ascii = r->limited == ONCE_A_DAY ? envelope_address_ascii(to) : NULL;
	int n = 0;

	if (r->limited == HELP_PER_DAY)
		n = outbox_count_limited(db, to, ctx->now - 24 * 3600);
	else if (r->limited == ONCE_A_DAY)
		n = outbox_count_purpose(db, ascii ? ascii : to, r->purpose,
					 ctx->now - 24 * 3600);
	g_free(ascii);
	return n;
}

/* Queues the reply r. Sets *outcome. 0 or -1. */
static int answer(sqlite3 *db, struct filter_ctx *ctx, const struct reply *r, gint64 row,
		  const char *hash, const char **outcome)
{
	const char *lang = reply_lang(ctx);
	char *to = NULL, *subject = NULL, *body = NULL, *seed = NULL;
	char *msgid = mail_message_id(ctx->mail), *refs = mail_references(ctx->mail),
	     *all_refs = NULL;
	struct signer s;
	int sent, rc = reply_address(db, ctx, &s, &to);

	if (rc < 0)
		goto out;
	if (!to) {
		*outcome = "no reply address";
		goto out;
	}
	if ((sent = sent_today(db, ctx, r, to)) < 0) {
		rc = -1;
		goto out;
	}
	if (sent >= (r->limited == ONCE_A_DAY ? 1 : ctx->cfg->help_per_day)) {
		*outcome = "rate-limited";
		goto out;
	}
	if (render(ctx, lang, r, &subject, &body) < 0) {
		*outcome = "no template";
		goto out;
	}
	if (ctx->auth.text_outside)
		note_outside_text(ctx, lang, &body);
	if (msgid)
		all_refs = g_strdup_printf("%s%s<%s>", refs ? refs : "", refs ? " " : "", msgid);
	seed = g_strdup_printf("%s:reply:%s", hash, r->purpose);
	{
		struct outbox_item it = { .purpose = r->purpose,
			                  .to = to,
			                  .subject = subject,
			                  .body = body,
			                  .in_reply_to = msgid,
			                  .references = all_refs };
		struct mail_ctx c = { db, ctx->cfg, ctx->crypto, ctx->tpl, ctx->now };

		rc = s.fingerprint[0]
			? notices_queue(&c, "signer-reply", CRYPTO_NONE, &s, row, seed, &it)
			: notices_queue(&c, "reply", ctx->auth.protocol, NULL, row, seed, &it);
	}
	*outcome = rc > 0 ? "no usable reply address" : r->refusal ? "refused" : "answered";
	rc = rc < 0 ? -1 : 0;
out:
	signers_clear(&s);
	g_free(to);
	g_free(subject);
	g_free(body);
	g_free(seed);
	g_free(msgid);
	g_free(refs);
	g_free(all_refs);
	return rc;
}

/* An accepted signature is never accepted again (one seen in the meantime
 * is an error: the message is tried again and refused then). 0 or -1. */
static int mark_seen(sqlite3 *db, const struct filter_ctx *ctx, const char *hash)
{
	return signers_mark_seen(db, ctx->auth.replay_key, hash, ctx->now) == 0 ? 0 : -1;
}

/* Applies an accepted signer's forms (none: FORMS_NONE); their reply's
 * blocks go to *vars (made here; NULL when there are none). -1 on a
 * database error. */
static int apply_forms(sqlite3 *db, struct filter_ctx *ctx, const char *hash, GHashTable **vars)
{
	const char *name = NULL;

	*vars = NULL;
	if (!ctx->auth.accepted || !ctx->forms || ctx->forms->forms->len == 0)
		return FORMS_NONE;
	*vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	if (dispatch_forms(db, ctx, hash, reply_lang(ctx), *vars, &name) < 0)
		return -1;
	if (strcmp(name, "errors") == 0)
		return FORMS_ERRORS;
	g_assert(strcmp(name, "ack") == 0 || strcmp(name, "ack-dry-run") == 0);
	return strcmp(name, "ack") == 0 ? FORMS_ACK : FORMS_DRY_RUN;
}

int dispatch(sqlite3 *db, struct filter_ctx *ctx, const char *hash, const char *spool_id,
	     const char **outcome)
{
	GHashTable *vars;
	struct reply r;
	const char *decided = "silent";
	gint64 row = -1;
	int forms, rc;

	/* authenticate accepts only a person's command that may be answered */
	g_assert(!ctx->auth.accepted || (ctx->kind == KIND_COMMAND && !ctx->no_reply));
	if ((forms = apply_forms(db, ctx, hash, &vars)) < 0) {
		if (vars)
			g_hash_table_unref(vars);
		return -1;
	}
	r = plan(ctx, forms);
	r.vars = vars;
	rc = record_and_answer(db, ctx, &r, hash, spool_id, &row, &decided);
	if (rc == 0 && ctx->auth.accepted && ctx->lookup)
		rc = dispatch_lookups(db, ctx, hash, row, &decided);
	if (rc == 0 && ctx->ping && ping_record(db, ctx, hash, row) < 0)
		rc = -1;
	if (vars)
		g_hash_table_unref(vars);
	*outcome = decided;
	return rc;
}

/* The message's row (its id in *row), the replay record and the reply.
 * 0 or -1. */
static int record_and_answer(sqlite3 *db, struct filter_ctx *ctx, const struct reply *rp,
			     const char *hash, const char *spool_id, gint64 *row,
			     const char **outcome)
{
	const char *decided = "silent";

	if (ctx->cmd == CMD_NONE && ctx->kind == KIND_COMMAND && !ctx->reason)
		ctx->reason = "no command in unsigned mail";
	*row = insert_message(db, ctx, hash, spool_id, decided);
	if (*row < 0 || (ctx->auth.accepted && mark_seen(db, ctx, hash) < 0))
		return -1;
	/* the signer's language, for the ping notices (db/0008); written only when it changes */
	if (ctx->auth.accepted && ctx->lang[0] &&
	    signers_set_lang(db, ctx->auth.fingerprint, ctx->lang) < 0)
		return -1;
	if (rp->purpose) {
		if (answer(db, ctx, rp, *row, hash, &decided) < 0)
			return -1;
		if (messages_set_outcome(db, hash, decided) < 0)
			return -1;
	}
	*outcome = decided;
	return 0;
}

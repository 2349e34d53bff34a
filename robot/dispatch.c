/* dispatch.c - the effects of one message: its row in messages and the
 * replies it earns, written in the worker's transaction. Unsigned mail is
 * answered only for HELP and FORM (and a command that needs a signature
 * gets the "not signed" refusal), at most [limits] help_per_day times a
 * day per address, so forged spam never turns into backscatter. Every
 * reply is signed by the robot, in S/MIME when the sender wrote in S/MIME. */
#include <string.h>
#include "dispatch.h"
#include "form.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "messages.h"
#include "limits.h"
#include "outbox.h"
#include "signers.h"
#include "ping-record.h"
#include "templates.h"
#include "wrap.h"

static gint64 insert_message(sqlite3 *db, const struct filter_ctx *ctx, const char *hash,
			     const char *spool_id, const char *outcome)
{
	char *msgid = mail_message_id(ctx->mail);
	char *rcpts = envelope_recipients_text(ctx->env);
	struct message_row m = { .hash = hash, .spool_id = spool_id, .message_id = msgid,
				 .sender = ctx->env->sender, .recipients = rcpts, .received = ctx->now,
				 .kind = filter_kind_name(ctx->kind), .outcome = outcome,
				 .reason = ctx->reason };
	gint64 row = messages_insert(db, &m);

	g_free(msgid);
	g_free(rcpts);
	return row;
}

/* What a message earns: which template, why, and whether the daily limit
 * for strangers applies. */
struct reply {
	const char *purpose;	/* outbox purpose; NULL: no reply */
	const char *name;	/* template */
	const char *refusal;	/* reasons.txt key, for a refusal */
	gboolean limited;	/* counts against [limits] help_per_day */
	GHashTable *vars;	/* more placeholders (the forms' blocks), or NULL */
};

/* The language the reply is written in. */
static const char *reply_lang(const struct filter_ctx *ctx)
{
	return ctx->arg_lang[0] ? ctx->arg_lang : ctx->lang[0] ? ctx->lang : "en";
}

static int record_and_answer(sqlite3 *db, struct filter_ctx *ctx, const struct reply *rp, const char *hash,
			     const char *spool_id, gint64 *row, const char **outcome);

/* Unsigned mail is answered only for HELP and FORM, and a command that
 * needs authority gets the "not signed" refusal; a signed message that
 * fails a check gets its refusal; an accepted signer gets what was asked,
 * or the help. */
static struct reply plan(const struct filter_ctx *ctx)
{
	const struct auth *a = &ctx->auth;
	struct reply r = { NULL, NULL, NULL, TRUE, NULL };

	if (ctx->no_reply || ctx->kind != KIND_COMMAND)
		return r;
	if (ctx->ping && (!a->accepted || ctx->cmd == CMD_NONE))
		return r;	/* a signed answer to a ping: only a signer's command is answered */
	if (a->is_signed && !a->accepted)
		return (struct reply){ "refusal", "refusal", a->refusal, TRUE, NULL };
	if (a->accepted)
		return ctx->cmd == CMD_FORM ? (struct reply){ "signed-form", "form", NULL, FALSE, NULL }
					    : (struct reply){ "signed-help", "help", NULL, FALSE, NULL };
	if (ctx->cmd == CMD_HELP)
		return (struct reply){ "help", "help", NULL, TRUE, NULL };
	if (ctx->cmd == CMD_FORM)
		return (struct reply){ "form", "form", NULL, TRUE, NULL };
	if (ctx->cmd == CMD_AUTHORITY)
		return (struct reply){ "refusal", "refusal", "not-signed", TRUE, NULL };
	return r;
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
	g_hash_table_insert(vars, "custodian", ctx->cfg->custodian ? ctx->cfg->custodian : ctx->cfg->address);
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

/* Queues the reply r. Sets *outcome. 0 or -1. */
static int answer(sqlite3 *db, struct filter_ctx *ctx, const struct reply *r, gint64 row, const char *hash,
		  const char **outcome)
{
	const char *lang = reply_lang(ctx);
	char *to = mail_reply_to_address(ctx->mail), *subject = NULL, *body = NULL, *seed = NULL;
	char *msgid = mail_message_id(ctx->mail), *refs = mail_references(ctx->mail), *all_refs = NULL;
	int sent, rc = 0;

	if (!to)
		to = mail_from_address(ctx->mail);
	if (!to) {
		*outcome = "no reply address";
		goto out;
	}
	sent = r->limited ? outbox_count_limited(db, to, ctx->now - 24 * 3600) : 0;
	if (sent < 0) {
		rc = -1;
		goto out;
	}
	if (sent >= ctx->cfg->help_per_day) {
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
		struct outbox_item it = { .purpose = r->purpose, .to = to, .subject = subject, .body = body,
					  .in_reply_to = msgid, .references = all_refs,
					  .protocol = ctx->auth.protocol == CRYPTO_SMIME ? CRYPTO_SMIME : CRYPTO_OPENPGP };

		rc = outbox_queue(db, ctx->cfg, ctx->crypto, ctx->now, row, seed, &it);
	}
	*outcome = rc > 0 ? "no usable reply address" : r->refusal ? "refused" : "answered";
	rc = rc < 0 ? -1 : 0;
out:
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

int dispatch(sqlite3 *db, struct filter_ctx *ctx, const char *hash, const char *spool_id,
	     const char **outcome)
{
	struct reply r = plan(ctx);
	const char *decided = "silent";
	gint64 row = -1;
	int rc;

	if (ctx->auth.accepted && ctx->forms && ctx->forms->forms->len > 0) {
		r = (struct reply){ "signed-ack", NULL, NULL, FALSE,
				    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free) };
		if (dispatch_forms(db, ctx, hash, reply_lang(ctx), r.vars, &r.name) < 0) {
			g_hash_table_unref(r.vars);
			return -1;
		}
		if (strcmp(r.name, "errors") == 0)
			r.purpose = "signed-errors";
	} else if (ctx->auth.accepted && ctx->lookup) {
		r.purpose = NULL;	/* answered by dispatch_lookups, below */
	}
	rc = record_and_answer(db, ctx, &r, hash, spool_id, &row, &decided);
	if (rc == 0 && ctx->auth.accepted && ctx->lookup)
		rc = dispatch_lookups(db, ctx, hash, row, &decided);
	if (rc == 0 && ctx->ping && ping_record(db, ctx, hash, row) < 0)
		rc = -1;
	if (r.vars)
		g_hash_table_unref(r.vars);
	*outcome = decided;
	return rc;
}

/* The message's row (its id in *row), the replay record and the reply.
 * 0 or -1. */
static int record_and_answer(sqlite3 *db, struct filter_ctx *ctx, const struct reply *rp, const char *hash,
			     const char *spool_id, gint64 *row, const char **outcome)
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

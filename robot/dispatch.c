/* dispatch.c - the effects of one message: its row in messages and the
 * replies it earns, written in the worker's transaction. Unsigned mail is
 * answered only for HELP and FORM, at most [limits] help_per_day times a
 * day per address, so forged spam never turns into backscatter. */
#include <string.h>
#include "dispatch.h"
#include "db.h"
#include "outbox.h"
#include "templates.h"

static gint64 insert_message(sqlite3 *db, const struct filter_ctx *ctx, const char *hash,
			     const char *spool_id, const char *outcome)
{
	char *msgid = mail_message_id(ctx->mail);
	char *rcpts = envelope_recipients_text(ctx->env);
	sqlite3_stmt *st;
	gint64 row = -1;

	if (sqlite3_prepare_v2(db, "INSERT INTO messages (hash, spool_id, message_id, sender, recipients,"
			       " received, kind, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, spool_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, msgid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, ctx->env->sender, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, rcpts, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, ctx->now);
		sqlite3_bind_text(st, 7, filter_kind_name(ctx->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, outcome, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, ctx->reason, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			row = sqlite3_last_insert_rowid(db);
	}
	sqlite3_finalize(st);
	g_free(msgid);
	g_free(rcpts);
	return row;
}

/* The help or the blank form, rendered in lang; 0 or -1. */
static int render(const struct filter_ctx *ctx, const char *lang, const char *name,
		  char **subject, char **body)
{
	const char *tmpl = templates_get(ctx->tpl, lang, name);
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	char *err = NULL, *text;
	int rc;

	if (!tmpl)
		tmpl = templates_get(ctx->tpl, "en", name);
	g_hash_table_insert(vars, "robot", ctx->cfg->address);
	g_hash_table_insert(vars, "custodian", ctx->cfg->custodian ? ctx->cfg->custodian : ctx->cfg->address);
	g_hash_table_insert(vars, "lang", (char *)lang);
	text = tmpl ? template_render(tmpl, vars, &err) : NULL;
	g_hash_table_unref(vars);
	g_free(err);
	rc = text ? template_split(text, subject, body) : -1;
	g_free(text);
	return rc;
}

/* Queues the answer to HELP or FORM. Sets *outcome. 0 or -1. */
static int answer(sqlite3 *db, struct filter_ctx *ctx, gint64 row, const char *hash, const char **outcome)
{
	const char *purpose = ctx->cmd == CMD_HELP ? "help" : "form";
	const char *lang = ctx->arg_lang[0] ? ctx->arg_lang : ctx->lang;
	char *to = mail_reply_to_address(ctx->mail), *subject = NULL, *body = NULL;
	char *msgid = mail_message_id(ctx->mail), *refs = mail_references(ctx->mail), *all_refs = NULL;
	int sent, rc = 0;

	if (!to)
		to = mail_from_address(ctx->mail);
	if (!to) {
		*outcome = "no reply address";
		goto out;
	}
	sent = outbox_count_since(db, to, "help", "form", ctx->now - 24 * 3600);
	if (sent < 0) {
		rc = -1;
		goto out;
	}
	if (sent >= ctx->cfg->help_per_day) {
		*outcome = "rate-limited";
		goto out;
	}
	if (render(ctx, lang, purpose, &subject, &body) < 0) {
		*outcome = "no template";
		goto out;
	}
	if (msgid)
		all_refs = g_strdup_printf("%s%s<%s>", refs ? refs : "", refs ? " " : "", msgid);
	{
		char *seed = g_strdup_printf("%s:reply:%s", hash, purpose);
		struct outbox_item it = { purpose, to, subject, body, msgid, all_refs };

		rc = outbox_queue(db, ctx->cfg, ctx->now, row, seed, &it);
		g_free(seed);
	}
	*outcome = "answered";
out:
	g_free(to);
	g_free(subject);
	g_free(body);
	g_free(msgid);
	g_free(refs);
	g_free(all_refs);
	return rc;
}

int dispatch(sqlite3 *db, struct filter_ctx *ctx, const char *hash, const char *spool_id,
	     const char **outcome)
{
	gint64 row;
	const char *decided = "silent";

	if (ctx->cmd == CMD_NONE && ctx->kind == KIND_COMMAND && !ctx->reason)
		ctx->reason = "no command in unsigned mail";
	row = insert_message(db, ctx, hash, spool_id, decided);
	if (row < 0)
		return -1;
	if (ctx->cmd != CMD_NONE && !ctx->no_reply) {
		if (answer(db, ctx, row, hash, &decided) < 0)
			return -1;
		const char *params[] = { decided, hash };

		if (db_exec(db, "UPDATE messages SET outcome = ? WHERE hash = ?", 2, params) < 0)
			return -1;
	}
	*outcome = decided;
	return 0;
}

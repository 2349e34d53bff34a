/* guard.c - RFC 3834's rules: never answer ourselves, a null sender (or a
 * Return-Path: <> left by an earlier delivery), automatic or list mail;
 * refuse trees beyond the MIME limits. Input: the envelope and headers of
 * any message. Marks the message no_reply (the classifier still records
 * what it is) or stops it. */
#include <string.h>
#include "filter.h"
#include "../robot/limits.h"
#include "../robot/own-address.h"

/* Why the message must not be answered, or NULL. */
static const char *automatic(const struct filter_ctx *ctx)
{
	static const char *const bulk[] = { "bulk", "junk", "list", "auto_reply", NULL };
	static const char *const no[] = { "no", NULL };
	const struct mail *m = ctx->mail;

	if (!*ctx->env->sender)
		return "null envelope sender";
	if (ctx->null_sender)	/* sent as <>, then forwarded */
		return "null sender in Return-Path";
	if (mail_has_header(m, "Auto-Submitted") && !mail_header_starts(m, "Auto-Submitted", no))
		return "Auto-Submitted";
	if (mail_header_starts(m, "Precedence", bulk))
		return "Precedence";
	if (mail_has_header(m, "List-Id") || mail_has_header(m, "List-Unsubscribe"))
		return "mailing list";
	if (mail_has_header(m, "X-Autoreply") || mail_has_header(m, "X-Autorespond"))
		return "X-Autoreply";
	return NULL;
}

/* 1 when the message carries our loop header or comes from one of our addresses. */
static int looped(const struct filter_ctx *ctx)
{
	const char *loop = mail_header(ctx->mail, MAIL_LOOP_HEADER);
	char *from = mail_from_address(ctx->mail);
	char *value = g_strstrip(g_strdup(loop ? loop : ""));
	int ours = own_address_is(ctx->cfg, ctx->env->sender) || own_address_is(ctx->cfg, from) ||
		   g_ascii_strcasecmp(value, ctx->cfg->domain) == 0;

	g_free(from);
	g_free(value);
	return ours;
}

/* The envelope sender is <>, or a Return-Path: <> (alone) says it was. */
static gboolean null_sender(const struct filter_ctx *ctx)
{
	const char *rp = mail_header(ctx->mail, "Return-Path");

	if (!*ctx->env->sender)
		return TRUE;
	if (!rp)
		return FALSE;
	rp += strspn(rp, " \t");
	return strncmp(rp, "<>", 2) == 0 && rp[2 + strspn(rp + 2, " \t\r\n")] == '\0';
}

enum verdict guard_filter(struct filter_ctx *ctx)
{
	const struct mail *m = ctx->mail;
	const char *why;
	int ours = looped(ctx);

	ctx->null_sender = null_sender(ctx);
	if (ours) {
		ctx->kind = KIND_LOOP;
		ctx->no_reply = TRUE;
		ctx->reason = "our own mail";
		return VERDICT_STOP;
	}
	if (mail_depth(m) > MAX_MIME_DEPTH || mail_part_count(m) > MAX_MIME_PARTS) {
		ctx->kind = KIND_REFUSED;
		ctx->no_reply = TRUE;
		ctx->reason = "MIME structure over the limits";
		return VERDICT_STOP;
	}
	if ((why = automatic(ctx))) {
		ctx->no_reply = TRUE;
		ctx->reason = why;
	}
	return VERDICT_CONTINUE;
}

/* lookup.c - the stage that reads the LOOKUP, EXTRACT and ACCESS-LOG
 * requests of a message (grammar in lookup-parse.c) and decides who
 * may have them answered. Input: the signed text of an accepted signer's
 * message. Sets ctx->lookup (owned) and the reply's language; nothing is
 * answered here: dispatch does (robot/dispatch-lookups.c). Only States
 * that take part in the directory read it: a signer, not a custodian, of
 * a State with no POC that is not withdrawn (pocs_state_contributes) is
 * refused ("not-participating") and gets no data. Never fails but on a
 * database error (VERDICT_ERROR: retried later). */
#include <string.h>
#include "filter.h"
#include "lookup-parse.h"
#include "../robot/form.h"

/* 1 when the signer may be answered with directory data, 0 when not, -1
 * on a database error: a custodian always; any other role when its State
 * has at least one POC that is not withdrawn. */
static int may_read(struct filter_ctx *ctx)
{
	if (strcmp(ctx->auth.role, "custodian") == 0)
		return 1;
	return pocs_state_contributes(ctx->db, ctx->auth.state);
}

enum verdict lookup_filter(struct filter_ctx *ctx)
{
	struct lookup_request *req;
	char *text;
	int may;

	if (ctx->kind != KIND_COMMAND || ctx->no_reply)
		return VERDICT_CONTINUE;
	if (!ctx->auth.accepted || !ctx->auth.content)
		return VERDICT_CONTINUE;	/* command.c made it a command that needs
						 * authority */
	if (ctx->cmd != CMD_AUTHORITY && ctx->cmd != CMD_NONE)
		return VERDICT_CONTINUE;	/* HELP or FORM first: answered as such */
	text = mail_text(ctx->auth.content);
	req = lookup_parse(ctx->tpl, text);
	g_free(text);
	if (!req->queries->len && !req->errors->len) {
		lookup_request_free(req);
		return VERDICT_CONTINUE;
	}
	if ((may = may_read(ctx)) < 0) {
		lookup_request_free(req);
		ctx->reason = "the database could not be read";
		return VERDICT_ERROR;
	}
	ctx->cmd = CMD_AUTHORITY;
	if (req->lang[0] && !(ctx->forms && ctx->forms->forms->len))
		g_strlcpy(ctx->lang, req->lang, sizeof ctx->lang);
	if (!may && ctx->forms && ctx->forms->forms->len) {
		lookup_request_free(req);	/* the forms are answered; the lookups get
						 * nothing */
		return VERDICT_CONTINUE;
	}
	if (!may) {
		lookup_request_free(req);
		ctx->auth.accepted = FALSE;
		ctx->auth.refusal = "not-participating";
		ctx->reason = "not-participating";
		return VERDICT_CONTINUE;
	}
	ctx->lookup = req;
	return VERDICT_CONTINUE;
}

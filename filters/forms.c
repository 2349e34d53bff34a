/* forms.c - reads the nomination, update and withdrawal forms of an
 * accepted signer's message from its signed text alone (form.c does
 * the grammar and the checks). Input: the signed content. Sets ctx->forms
 * and the reply's language; problems are kept for the error reply, and
 * nothing is applied here: dispatch does, all or nothing. */
#include "filter.h"
#include "form-read.h"

enum verdict forms_filter(struct filter_ctx *ctx)
{
	char *text;

	if (!ctx->auth.accepted || ctx->cmd != CMD_AUTHORITY || !ctx->auth.content)
		return VERDICT_CONTINUE;
	text = mail_text(ctx->auth.content);
	ctx->forms = form_parse(ctx->tpl, text);
	g_free(text);
	if (ctx->forms->lang[0])
		g_strlcpy(ctx->lang, ctx->forms->lang, sizeof ctx->lang);
	return VERDICT_CONTINUE;
}

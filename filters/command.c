/* command.c - finds the command of an unsigned message: HELP or FORM, in
 * any language of templates/, as the subject or the first line of the body,
 * optionally followed by a language ("FORM fr", "AIDE english").
 * Input: subject and text of a person's mail. Sets ctx->cmd and languages;
 * a message with no command is left CMD_NONE (recorded, not answered). */
#include <string.h>
#include "filter.h"
#include "../robot/fold.h"
#include "../robot/templates.h"

/* Drops "Re:", "AW:", "Fwd:", "回复：" ... prefixes, in any language. */
static const char *strip_reply_prefixes(const struct filter_ctx *ctx, const char *s, char **owned)
{
	char *folded = fold_text(s);

	*owned = folded;
	for (int rounds = 0; rounds < 5; rounds++) {
		char *colon = strchr(folded, ':');
		char lang[8];
		char *prefix;
		int known;

		if (!colon)
			break;
		prefix = g_strndup(folded, (gsize)(colon - folded));
		known = templates_match_word(ctx->tpl, "reply-prefix", g_strstrip(prefix), lang);
		g_free(prefix);
		if (!known)
			break;
		folded = colon + 1;
	}
	return folded;
}

/* Reads "WORD [LANG]" from line; 1 when WORD is a command. */
static int parse_line(struct filter_ctx *ctx, const char *line)
{
	char *owned;
	const char *text = strip_reply_prefixes(ctx, line, &owned);
	gchar **tok = g_strsplit(g_strstrip((char *)text), " ", 3);
	int n = (int)g_strv_length(tok), found = 0;

	if (n >= 1 && n <= 2) {
		if (templates_match_word(ctx->tpl, "help", tok[0], ctx->lang))
			ctx->cmd = CMD_HELP;
		else if (templates_match_word(ctx->tpl, "form", tok[0], ctx->lang))
			ctx->cmd = CMD_FORM;
		found = ctx->cmd != CMD_NONE;
		if (found && n == 2 && !templates_language_of(ctx->tpl, tok[1], ctx->arg_lang)) {
			ctx->cmd = CMD_NONE;	/* "Help me" is a sentence, not a command */
			found = 0;
		}
	}
	g_strfreev(tok);
	g_free(owned);
	return found;
}

/* The first line of text that is not blank and not quoted. g_free it. */
static char *first_line(const char *text)
{
	gchar **lines = g_strsplit(text, "\n", 50);
	char *line = NULL;

	for (gchar **l = lines; *l && !line; l++) {
		char *s = g_strstrip(*l);
		if (*s && *s != '>')
			line = g_strdup(s);
	}
	g_strfreev(lines);
	return line;
}

enum verdict command_filter(struct filter_ctx *ctx)
{
	const char *subject = mail_header(ctx->mail, "Subject");
	char *text, *line;

	if (ctx->kind != KIND_COMMAND || ctx->no_reply)
		return VERDICT_STOP;
	if (subject && parse_line(ctx, subject))
		return VERDICT_CONTINUE;
	text = mail_text(ctx->mail);
	line = first_line(text);
	if (line)
		parse_line(ctx, line);
	g_free(line);
	g_free(text);
	return VERDICT_CONTINUE;
}

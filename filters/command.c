/* command.c - finds the command of an unsigned message: HELP or FORM, in
 * any language of templates/, as the subject or the first line of the body,
 * optionally followed by a language ("FORM fr", "AIDE english").
 * Input: subject and text of a person's mail. Sets ctx->cmd and languages;
 * a message with no command is left CMD_NONE (recorded, not answered). */
#include <string.h>
#include "filter.h"
#include "../robot/fold.h"
#include "language.h"
#include "../robot/limits.h"
#include "../robot/quote.h"
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

/* Which command text is: a command word (one or more words), alone or
 * followed by a language. 1 when it is one. */
static int parse_words(struct filter_ctx *ctx, const char *text)
{
	const char *space = strrchr(text, ' ');
	char *head;
	int found;

	if (templates_match_word(ctx->tpl, "help", text, ctx->lang))
		return ctx->cmd = CMD_HELP, 1;
	if (templates_match_word(ctx->tpl, "form", text, ctx->lang))
		return ctx->cmd = CMD_FORM, 1;
	if (!space || !templates_language_of(ctx->tpl, space + 1, ctx->arg_lang))
		return 0;	/* "Help me" is a sentence, not a command */
	head = g_strndup(text, (gsize)(space - text));
	found = parse_words(ctx, head);
	g_free(head);
	if (!found)
		ctx->arg_lang[0] = '\0';
	return found;
}

/* Reads "WORD [LANG]" from a subject or a line; 1 when it is a command. */
static int parse_line(struct filter_ctx *ctx, const char *line)
{
	char *owned;
	const char *text = strip_reply_prefixes(ctx, line, &owned);
	char *trimmed = g_strstrip(g_strdup(text));
	int found = strlen(trimmed) < 100 && parse_words(ctx, trimmed);

	g_free(trimmed);
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

/* Finds a verb line that needs authority (NOMINATE, LOOKUP, ... in any
 * language, quoted "> " prefixes dropped): 1 and the language when found. */
static int authority_verb(struct filter_ctx *ctx, const char *text)
{
	static const char *const verbs[] = { "nominate", "update", "withdraw", "lookup", "extract",
						     "access-log" };
	gchar **lines = g_strsplit(text, "\n", MAX_SCAN_LINES);
	int found = 0;

	for (gchar **l = lines; *l && !found; l++) {
		const char *s = quote_strip(g_strstrip(*l), NULL);

		for (size_t i = 0; i < G_N_ELEMENTS(verbs) && !found && *s && strlen(s) < 100; i++)
			found = templates_match_word(ctx->tpl, verbs[i], s, ctx->lang);
	}
	g_strfreev(lines);
	return found;
}

/* The subject counts only in unsigned mail: what a signature does not
 * cover is never acted on. The body read is the signed content when the
 * message is signed. */
enum verdict command_filter(struct filter_ctx *ctx)
{
	const struct mail *m = ctx->auth.content ? ctx->auth.content : ctx->mail;
	const char *subject = mail_header(ctx->mail, "Subject");
	char *text, *line;

	if (ctx->kind != KIND_COMMAND || ctx->no_reply)
		return VERDICT_STOP;
	if (!ctx->auth.is_signed && subject && parse_line(ctx, subject))
		return VERDICT_CONTINUE;
	text = mail_text(m);
	line = first_line(text);
	if (!(line && parse_line(ctx, line)) && authority_verb(ctx, text))
		ctx->cmd = CMD_AUTHORITY;
	if (!ctx->lang[0])
		language_guess(text, ctx->lang);	/* answered in its own language */
	g_free(line);
	g_free(text);
	return VERDICT_CONTINUE;
}

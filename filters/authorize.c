/* authorize.c - what an accepted signer may do: a reader only looks up;
 * an authority changes only its own State's points of contact; a
 * custodian acts for any State. Input: the signed text of an accepted
 * message (verb lines and "State:" lines, in any of the six languages).
 * A signer acting beyond its role or State has its message refused
 * (auth.refusal "not-authorised" or "wrong-state"); nothing else changes.
 * The forms themselves are read later, by the forms stage. */
#include <string.h>
#include "filter.h"
#include "../robot/fold.h"
#include "../robot/limits.h"
#include "../robot/quote.h"
#include "../robot/states.h"
#include "../robot/templates.h"

static const char *const change_verbs[] = { "nominate", "update", "withdraw" };
static const char *const read_verbs[] = { "lookup", "extract" };

/* 1 when line is a verb line of verbs. */
static int is_verb(const struct templates *tpl, const char *line, const char *const *verbs,
		   size_t n)
{
	char lang[8];

	for (size_t i = 0; i < n; i++)
		if (templates_match_word(tpl, verbs[i], line, lang))
			return 1;
	return 0;
}

/* The State a "State: value" line names into code; 1 when line is such
 * a line and the State is known, 0 otherwise. */
static int state_line(const struct templates *tpl, const char *line, char code[3])
{
	char *folded = fold_text(line), *colon = strchr(folded, ':'), lang[8];
	const struct states *ref = states_load(NULL);
	int found = 0;

	if (colon && ref) {
		*colon = '\0';
		found = templates_match_word(tpl, "field-state", folded, lang) &&
			states_find(ref, g_strstrip(colon + 1), code) == 0;
	}
	g_free(folded);
	return found;
}

/* Walks the blocks: the refusal the signer earns, or NULL. */
static const char *judge(const struct filter_ctx *ctx, const char *text)
{
	gchar **lines = g_strsplit(text, "\n", MAX_SCAN_LINES);
	gboolean changing = FALSE;
	const char *refusal = NULL;
	char code[3];

	for (gchar **l = lines; *l && !refusal; l++) {
		const char *s = quote_strip(g_strstrip(*l), NULL);

		if (is_verb(ctx->tpl, s, change_verbs, G_N_ELEMENTS(change_verbs))) {
			changing = TRUE;
			if (strcmp(ctx->auth.role, "reader") == 0)
				refusal = "not-authorised";
		} else if (is_verb(ctx->tpl, s, read_verbs, G_N_ELEMENTS(read_verbs))) {
			changing = FALSE;
		} else if (changing && strcmp(ctx->auth.role, "custodian") != 0 &&
			   state_line(ctx->tpl, s, code) && strcmp(code, ctx->auth.state) != 0) {
			refusal = "wrong-state";
		}
	}
	g_strfreev(lines);
	return refusal;
}

enum verdict authorize_filter(struct filter_ctx *ctx)
{
	char *text;
	const char *refusal;

	if (!ctx->auth.accepted || ctx->cmd != CMD_AUTHORITY || !ctx->auth.content)
		return VERDICT_CONTINUE;
	text = mail_text(ctx->auth.content);
	refusal = judge(ctx, text);
	g_free(text);
	if (refusal) {
		ctx->auth.accepted = FALSE;
		ctx->auth.refusal = refusal;
		ctx->reason = refusal;
	}
	return VERDICT_CONTINUE;
}

/* pipeline.c - the visible pipeline: each inbound stage, in order. A stage
 * is a filter_fn of filters/; dispatch (dispatch.c) applies the outcome.
 * Also the names of the results the stages leave (pipeline.h), as the
 * log and the messages and ping_events tables write them. */
#include "pipeline.h"
#include "filters/filter.h"

static const struct {
	const char *name;
	filter_fn *run;
} stages[] = {
	{ "guard", guard_filter },		/* RFC 3834: never answer robots or ourselves */
	{ "classify", classify_filter },	/* bounce, automatic reply or a person's mail */
	{ "pings", ping_filter },		/* what came back for a ping: recorded, never
						 * answered */
	{ "authenticate", authenticate_filter },	/* the signature that counts, its
							 * signer, its freshness */
	{ "command", command_filter },		/* HELP, FORM or a command that needs authority */
	{ "authorize", authorize_filter },	/* the signer's role and State allow it */
	{ "forms", forms_filter },		/* nomination, update and withdrawal forms */
	{ "lookup", lookup_filter },		/* LOOKUP, EXTRACT and ACCESS-LOG, and who may
						 * have them */
};

enum verdict pipeline_run(struct filter_ctx *ctx)
{
	for (size_t i = 0; i < G_N_ELEMENTS(stages); i++) {
		enum verdict v = stages[i].run(ctx);

		if (v != VERDICT_CONTINUE)
			return v;
	}
	return VERDICT_CONTINUE;
}

const char *filter_kind_name(enum mail_kind kind)
{
	static const char *const names[] = { "unknown",   "loop",    "bounce",
					     "autoreply", "refused", "command" };

	G_STATIC_ASSERT(G_N_ELEMENTS(names) == KIND_COMMAND + 1);
	g_assert((unsigned)kind < G_N_ELEMENTS(names));
	return names[kind];
}


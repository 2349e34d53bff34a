/* fuzz-message.c - libFuzzer target: the message path as the worker sees
 * it. Any bytes are parsed (mail_parse), put through the guard and the
 * classifier, read as a bounce, and their text through the form and
 * lookup grammars. Finds memory errors and undefined behaviour (ASan,
 * UBSan); no verdict is judged. */
#include <stdint.h>
#include <string.h>
#include <glib.h>
#include "bounce.h"
#include "config.h"
#include "envelope.h"
#include "filter.h"
#include "form-read.h"
#include "lookup-parse.h"
#include "mail.h"
#include "templates.h"

static struct config cfg;
static struct templates *tpl;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mail_library_init();
	config_defaults(&cfg, "/tmp");
	g_free(cfg.domain);
	g_free(cfg.address);
	cfg.domain = g_strdup("robot.test");
	cfg.address = g_strdup("pocbot@robot.test");
	tpl = templates_load();
	return 0;
}

/* The grammars over the message's text. */
static void grammars(const struct mail *m)
{
	char *text = mail_text(m);

	if (!text)
		return;
	form_set_free(form_parse(tpl, text));
	lookup_request_free(lookup_parse(tpl, text));
	g_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail *m = mail_parse((const char *)data, size);
	struct envelope env;
	struct filter_ctx ctx;

	envelope_init(&env);
	env.sender = g_strdup(size > 0 && data[0] & 1 ? "" : "alice@example.org");
	envelope_add_recipient(&env, size > 0 && data[0] & 2 ? "bounces+x@robot.test"
							     : "pocbot@robot.test");
	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = &cfg;
	ctx.tpl = tpl;
	ctx.env = &env;
	ctx.mail = m;
	ctx.raw = (const char *)data;
	ctx.raw_len = size;
	ctx.now = 1800000000;
	if (guard_filter(&ctx) == VERDICT_CONTINUE)
		classify_filter(&ctx);
	bounce_report_free(bounce_read(m));
	grammars(m);
	mail_free(m);
	envelope_clear(&env);
	return 0;
}

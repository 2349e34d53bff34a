/* fuzz-text.c - libFuzzer target: the text grammars alone, fed any bytes
 * made valid UTF-8: the form parser, the lookup parser, and html-to-text
 * (whose output goes through both again). Finds memory errors and
 * undefined behaviour (ASan, UBSan). */
#include <stdint.h>
#include <glib.h>
#include "form-read.h"
#include "html-text.h"
#include "lookup-parse.h"
#include "templates.h"

static struct templates *tpl;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	tpl = templates_load();
	return 0;
}

static void grammars(const char *text)
{
	form_set_free(form_parse(tpl, text));
	lookup_request_free(lookup_parse(tpl, text));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the worker hands the grammars UTF-8 text, as mail_text makes it */
	char *text = g_utf8_make_valid((const char *)data, (gssize)size);
	char *plain = html_to_text(text);

	grammars(text);
	if (plain)
		grammars(plain);
	g_free(plain);
	g_free(text);
	return 0;
}

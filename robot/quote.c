/* quote.c - skips the "> " prefixes of quoted reply lines, the one place
 * that does it for the forms, the command finder and the authorisation
 * check. Input: one line of any mail text. Never fails. */
#include "quote.h"

const char *quote_strip(const char *line, gboolean *quoted)
{
	const char *p = line;
	gboolean any = FALSE;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '>')
			break;
		any = TRUE;
		p++;
	}
	if (quoted)
		*quoted = any;
	return p;
}

/* lookup-query.h - LOOKUP, EXTRACT and ACCESS-LOG requests as
 * filters/lookup-parse.c reads them from the signed text of an accepted
 * signer's message (DESIGN.md section 5, issue 6), for dispatch to answer
 * (robot/lookup-query.c matches and names them).
 *
 * A verb line (LOOKUP, EXTRACT, ACCESS-LOG or their words in any of the
 * six languages, templates/<lang>/words.txt) starts a block; the
 * "Label: value" lines after it belong to it until the next verb line or
 * a line of prose. "> " quote prefixes are dropped (a quoted verb with no
 * criteria is not a request: it is a reply quoting one), full-width colons
 * count, and labels and values are matched after NFKC and case folding.
 *
 * Criteria (lists may be separated by commas or semicolons; a label may
 * be given more than once and adds to the list):
 *   State         any name or code states_find knows, in any language
 *   Type          POC type words (type-* of words.txt)
 *   Language(s)   language names or ISO 639 codes (langnames_find)
 *   Organisation  words that must all appear in the POC's organisation
 *   Format        text, csv, vcard, json, all (default all): the
 *                 attachments; the text listing is always sent
 * A LOOKUP needs at least one criterion (the whole directory is an
 * EXTRACT, which the daily limit counts); ACCESS-LOG takes none. */
#ifndef POCBOT_LOOKUP_QUERY_H
#define POCBOT_LOOKUP_QUERY_H

#include <glib.h>
#include "pocs.h"

struct templates;

enum lookup_verb { LOOKUP_LOOKUP, LOOKUP_EXTRACT, LOOKUP_ACCESS_LOG };

/* The attachments a query asks for (struct lookup_query.formats). */
#define LOOKUP_FORMAT_CSV	(1u << 0)
#define LOOKUP_FORMAT_VCARD	(1u << 1)
#define LOOKUP_FORMAT_JSON	(1u << 2)
#define LOOKUP_FORMAT_ALL	(LOOKUP_FORMAT_CSV | LOOKUP_FORMAT_VCARD | LOOKUP_FORMAT_JSON)

#define LOOKUP_MAX_QUERIES	5	/* requests in one message */
#define LOOKUP_MAX_VALUES	50	/* States, types, languages or words in one request */
#define LOOKUP_MAX_ERRORS	20	/* problems reported for one message */

struct lookup_query {
	enum lookup_verb verb;
	int line;			/* of the verb line, 1-based */
	char lang[8];			/* the language of the verb word */
	GPtrArray *states;		/* char *, alpha-2, NULL-terminated (pdata is a char
					 * **); none: all */
	guint types;			/* bits 1 << enum poc_type; 0: all types */
	GPtrArray *languages;		/* char *, ISO 639 codes; empty: any */
	GPtrArray *words;		/* char *, folded words of the organisation; empty: any */
	guint formats;			/* LOOKUP_FORMAT_* bits; 0 when only "text" was asked */
};

/* One problem, for the error reply. */
struct lookup_error {
	int line;			/* 0 when it concerns the whole message */
	char *quoted;			/* the line as written (bounded, made safe), or NULL */
	const char *key;		/* lookup-errors.txt key: unknown-label, unknown-state,
					 * unknown-type, unknown-language, unknown-format,
					 * no-criteria, unexpected-criteria, too-many-values,
					 * too-many-requests */
};

struct lookup_request {
	GPtrArray *queries;		/* struct lookup_query * */
	GPtrArray *errors;		/* struct lookup_error *; empty when every request reads */
	char lang[8];			/* the language of the first verb, "" when none */
};

/* 1 when the array a (char *, may hold NULLs) holds s. */
int lookup_list_has(const GPtrArray *a, const char *s);

/* 1 when p meets q's type, language and organisation criteria (its
 * States are the export cursor's business), else 0. */
int lookup_query_matches(const struct lookup_query *q, const struct poc *p);

/* q's criteria as one normalised line ("state=FR,DE type=technical
 * lang=fr words=cert format=csv"), "" for none. g_free it. */
char *lookup_query_summary(const struct lookup_query *q);

/* "lookup", "extract", "access-log". */
const char *lookup_verb_name(enum lookup_verb v);

#endif

/* lookup-parse.h - the reading of LOOKUP, EXTRACT and ACCESS-LOG requests
 * (filters/lookup-parse.c; the grammar and the request it yields are in
 * robot/lookup-query.h). */
#ifndef POCBOT_LOOKUP_PARSE_H
#define POCBOT_LOOKUP_PARSE_H

#include "../robot/lookup-query.h"

/* Reads every LOOKUP, EXTRACT and ACCESS-LOG block of text (UTF-8, any
 * size, untrusted). Never NULL; no block at all leaves both arrays empty. */
struct lookup_request *lookup_parse(const struct templates *tpl, const char *text);
void lookup_request_free(struct lookup_request *r);

#endif

/* mail-internal.h - the parsed message, shared by the GMime adapter's
 * files (robot/mail*.c) and by nothing else. */
#ifndef POCBOT_MAIL_INTERNAL_H
#define POCBOT_MAIL_INTERNAL_H

#include <gmime/gmime.h>
#include "mail.h"

struct mail {
	GMimeParserOptions *opts;
	GMimeMessage *msg;
	char *content_type;	/* "type/subtype", lower case */
	int depth, parts;
	GHashTable *decoded;	/* lower-case name -> value, for decode_padded_words */
	char *text;		/* mail_text's answer, made once: each stage asks for it */
};

/* 1 when id is a bounded, printable msg-id without brackets or spaces. */
int mail_msgid_ok(const char *id);

/* 1 when o's Content-Type is type ("text/plain"; case aside). */
int mail_part_is(GMimeObject *o, const char *type);

/* s as valid UTF-8: as it is, else decoded with GMime's fallback charsets,
 * else with invalid bytes replaced. Takes s (may be NULL: ""). g_free it. */
char *mail_valid_utf8(const struct mail *m, char *s);

#endif

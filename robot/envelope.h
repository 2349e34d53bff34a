/* envelope.h - the SMTP envelope of one message: sender and every recipient. */
#ifndef POCBOT_ENVELOPE_H
#define POCBOT_ENVELOPE_H

#include <glib.h>

struct envelope {
	char *sender;		/* "" for the null sender <> */
	GPtrArray *recipients;	/* of char *, at least one */
};

void envelope_init(struct envelope *env);
void envelope_clear(struct envelope *env);
void envelope_add_recipient(struct envelope *env, const char *rcpt);

/* The recipients separated by spaces. g_free it. */
char *envelope_recipients_text(const struct envelope *env);

/* 1 when addr is a plausible address (bounded, printable, no CR/LF, an @,
 * no space outside a quoted local part); "" is allowed only when
 * allow_null. */
int envelope_address_ok(const char *addr, int allow_null);

/* 1 when addr's local part (before its last '@'; all of it without one)
 * is ASCII: the robot has no SMTPUTF8, so only such an address can be
 * written in an envelope, in MAIL FROM or RCPT TO (RFC 6531). */
int envelope_local_ascii(const char *addr);

/* addr with its domain as A-labels (IDNA, "xn--"); NULL when the domain
 * cannot be converted or the local part is not ASCII. g_free it. */
char *envelope_address_ascii(const char *addr);

#endif

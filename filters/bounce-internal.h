/* bounce-internal.h - what bounce.c (RFC 3464 reports, and the verdict on
 * each recipient) shares with bounce-text.c (the non-standard bounces
 * written in prose); nothing outside filters/bounce*.c includes it. */
#ifndef POCBOT_BOUNCE_INTERNAL_H
#define POCBOT_BOUNCE_INTERNAL_H

#include <glib.h>
#include "bounce.h"
#include "../robot/mail.h"

#define MAX_BOUNCE_RECIPIENTS	50	/* recipients read from one report */
#define MAX_DIAGNOSTIC		300	/* characters of a diagnostic kept */

/* Shared helpers (bounce.c). */

/* 1 when lower holds one of words (NULL-terminated, lower case). */
int bounce_has_any(const char *lower, const char *const *words);

/* s as one line of printable text, trimmed and bounded. g_free it. */
char *bounce_one_line(const char *s, gssize len);

/* Group g of the first match of pattern in s, or NULL. g_free it. */
char *bounce_first_match(const char *pattern, const char *s, int g);

/* An address as written in a report ("rfc822; <a@b>", "<a@b>", "a@b
 * (comment)"): the addr-spec, or NULL when there is none. g_free it. */
char *bounce_clean_address(const char *value);

/* Appends a recipient to r; takes address, status and diagnostic. */
void bounce_add_recipient(struct bounce_report *r, char *address, enum bounce_action action,
			  char *status, char *diagnostic);

/* The non-standard bounces (bounce-text.c). */

/* X-Failed-Recipients (Exim, and others since): a comma-separated list. */
void bounce_read_failed_header(const struct mail *m, struct bounce_report *r);

/* The explanation of a non-standard bounce: its text up to the copy of the
 * returned message. g_free it. */
char *bounce_explanation(const char *text);

/* The addresses a non-standard bounce names before the returned copy,
 * with the reason written beside each; not those after "from " (the
 * sender), nor exclude (the bounce's own From and To), nor the
 * addresses of mail systems (postmaster@...) unless system_too. */
void bounce_read_text(const char *expl, const char *exclude, int system_too,
		      struct bounce_report *r);

/* Recipients named by their local part alone under a line announcing
 * them (AOL), in the domain of the bounce's From. */
void bounce_read_bare_names(const char *expl, const struct mail *m, struct bounce_report *r);

/* A diagnostic for each recipient without one (X-Failed-Recipients
 * gives none): what the explanation says beside its address. */
void bounce_fill_reasons(struct bounce_report *r, const char *expl);

/* The recipient of the returned message, when the bounce names none: a
 * ping has one. headers: the returned message's header block. */
void bounce_read_returned_to(const char *headers, struct bounce_report *r);

/* The bounce's own From and To, lower case: not the failed recipient.
 * g_free it. */
char *bounce_own_addresses(const struct mail *m);

#endif

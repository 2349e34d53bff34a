/* deliver-envelope.h - the envelope of a piped message when the MTA names
 * no --sender or --recipient (an alias, Exim's pipe transport). */
#ifndef POCBOT_DELIVER_ENVELOPE_H
#define POCBOT_DELIVER_ENVELOPE_H

#include <glib.h>

/* The sender the MTA's delivery agent exported in SENDER ("" for <>);
 * NULL when it is not set. g_free it. */
char *deliver_env_sender(void);

/* The recipient the delivery agent exported: Postfix local(8)'s
 * ORIGINAL_RECIPIENT, else Exim's LOCAL_PART_PREFIX, LOCAL_PART,
 * LOCAL_PART_SUFFIX "@" DOMAIN; NULL when neither is set. g_free it. */
char *deliver_env_recipient(void);

/* The address in the first header field NAME ("Return-Path",
 * "Delivered-To") of the message's head (of the n bytes read, those before
 * the first blank line: a field in the body never counts):
 * unfolded, its angle brackets removed ("" for <>); NULL when the head has
 * no such field. g_free it. */
char *deliver_header_address(const char *head, size_t n, const char *name);

/* The length of an mbox "From " line that starts buf (Postfix's local(8)
 * writes one before the message it pipes to a command), its LF included; 0
 * when buf does not start with one, or its LF is not among the n bytes. */
size_t deliver_from_line(const char *buf, size_t n);

#endif

/* reply-address.h - where a reply to a message's sender goes. */
#ifndef POCBOT_REPLY_ADDRESS_H
#define POCBOT_REPLY_ADDRESS_H

#include "mail.h"

/* The address a reply to m goes to: Reply-To, else From (a quoted local
 * part kept as written). When that address's local part is not ASCII (the
 * robot sends no SMTPUTF8: envelope_local_ascii), the envelope sender
 * env_sender instead, logged; NULL when there is none to answer (no such
 * header, or no ASCII envelope sender to fall back on). g_free it. */
char *reply_address_pick(const struct mail *m, const char *env_sender);

#endif

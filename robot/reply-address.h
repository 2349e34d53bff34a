/* reply-address.h - where a reply to a message's sender goes. */
#ifndef POCBOT_REPLY_ADDRESS_H
#define POCBOT_REPLY_ADDRESS_H

#include "mail.h"

/* The address a reply to m goes to: Reply-To, else From (a quoted local
 * part kept as written). When the robot cannot write that address in an
 * envelope (envelope_address_ascii: its local part is not ASCII, as it
 * sends no SMTPUTF8, or its domain has no A-label form), the envelope
 * sender env_sender instead, logged; NULL when there is none to answer (no
 * such header, or no envelope sender it can write). g_free it. */
char *reply_address_pick(const struct mail *m, const char *env_sender);

#endif

/* own-address.h - the robot's own addresses: its address, and PREFIX+TOKEN@
 * its domain for the VERP senders (bounces+) and the ping replies (ping+). */
#ifndef POCBOT_OWN_ADDRESS_H
#define POCBOT_OWN_ADDRESS_H

#include <stddef.h>
#include "config.h"

#define OWN_BOUNCES "bounces"	/* envelope sender of what the outbox sends */
#define OWN_PING "ping"		/* Reply-To of a ping */

/* PREFIX+TOKEN@ the robot's domain. g_free it. */
char *own_address_make(const struct config *cfg, const char *prefix, const char *token);

/* The TOKEN of addr when addr is PREFIX+TOKEN@ the robot's domain (case
 * aside), else NULL; *len is TOKEN's length. Borrowed from addr. */
const char *own_address_token(const struct config *cfg, const char *addr, const char *prefix,
			      size_t *len);

/* 1 when addr is the robot's address, or a bounces+ or ping+ address of its
 * domain; else 0 (NULL and "" too). */
int own_address_is(const struct config *cfg, const char *addr);

#endif

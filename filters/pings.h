/* pings.h - what an inbound message says about one of the robot's pings
 * (filters/pings.c finds it; robot/ping-record.c records it). */
#ifndef POCBOT_FILTER_PINGS_H
#define POCBOT_FILTER_PINGS_H

#include <glib.h>
#include "../robot/pings.h"

/* What came back: ping_events.what, in this order. */
enum ping_what { PING_DELIVERED, PING_DELAYED, PING_BOUNCED, PING_AUTOREPLY, PING_RECEIPT, PING_ANSWER };

struct ping_match {
	gint64 ping;			/* pings.id */
	char token[PINGS_TOKEN_CHARS + 1];
	enum ping_what what;
	const char *matched_by;		/* static: recipient, envid, message-id, in-reply-to,
					 * references, subject, body */
	char *status;			/* a bounce's "5.1.1", or NULL */
	char *diagnostic;		/* a bounce's reason, one bounded line, or NULL */
	int hard;			/* a bounce: 1 permanent, 0 temporary, -1 not said */
	char *from;			/* From's addr-spec, bounded, or NULL */
	gboolean go_on;			/* a signed answer: the command stages still read it */
};

/* "delivered", "delayed", "bounced", "autoreply", "receipt", "answer". */
const char *ping_what_name(enum ping_what w);

void ping_match_free(struct ping_match *p);

#endif

/* pings.h - what an inbound message says about one of the robot's pings
 * (filters/pings.c finds it; robot/ping-record.c records it). */
#ifndef POCBOT_FILTER_PINGS_H
#define POCBOT_FILTER_PINGS_H

#include <glib.h>
#include "../robot/pings.h"

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

void ping_match_free(struct ping_match *p);

#endif

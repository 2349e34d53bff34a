/* bounce.h - what a bounce says: RFC 3464 delivery-status reports
 * (Final-Recipient, Action, Status, Diagnostic-Code) and the non-standard
 * bounces real MTAs still send (qmail, Exchange, old Sendmail, ...).
 * Whether a message is a bounce at all is classify's decision
 * (filters/classify.c); this reads what one says. */
#ifndef POCBOT_BOUNCE_H
#define POCBOT_BOUNCE_H

#include <glib.h>
#include "mail.h"

enum bounce_action { BOUNCE_FAILED, BOUNCE_DELAYED, BOUNCE_DELIVERED, BOUNCE_RELAYED, BOUNCE_EXPANDED };

struct bounce_recipient {
	char *address;		/* the recipient the report is about: addr-spec, or NULL when none found */
	enum bounce_action action;
	char *status;		/* "5.1.1", or NULL */
	char *diagnostic;	/* one line, bounded, UTF-8, or NULL */
	gboolean hard;		/* permanent (5.x.x, or a non-standard bounce's words for it) */
};

struct bounce_report {
	gboolean standard;		/* read from a message/delivery-status part */
	char *envid;			/* Original-Envelope-Id, or NULL */
	char *original_message_id;	/* of the returned message, without brackets, or NULL */
	GPtrArray *recipients;		/* struct bounce_recipient *, at least one */
};

/* What m reports, or NULL when nothing in it reads as a report on a
 * recipient. m may be broken in every way real mail is. */
struct bounce_report *bounce_read(const struct mail *m);
void bounce_report_free(struct bounce_report *r);

#endif

/* bounce.h - what a bounce says: RFC 3464 delivery-status reports
 * (Final-Recipient, Action, Status, Diagnostic-Code) and the non-standard
 * bounces real MTAs still send (qmail, Exchange, old Sendmail, ...).
 * Whether a message is a bounce at all is classify's decision
 * (filters/classify.c); this reads what one says. */
#ifndef POCBOT_BOUNCE_H
#define POCBOT_BOUNCE_H

#include <glib.h>
#include "../robot/mail.h"

enum bounce_action {
	BOUNCE_FAILED, BOUNCE_DELAYED, BOUNCE_DELIVERED, BOUNCE_RELAYED, BOUNCE_EXPANDED
};

struct bounce_recipient {
	char *address;		/* the recipient the report is about: addr-spec
				 * (Original-Recipient, as we wrote it, else Final-Recipient),
				 * or NULL when none found */
	enum bounce_action action;
	char *status;		/* "5.1.1": the Status field, or the precise code a vague X.0.0
				 * report quotes in its diagnostic; or NULL */
	char *diagnostic;	/* one line, bounded, UTF-8, or NULL: the Diagnostic-Code without
				 * its type, or what a non-standard bounce writes beside the
				 * address */
	gboolean hard;		/* the address is dead: a permanent failure (5.x.x) saying the
				 * mailbox or domain does not exist (5.1.1, 5.1.2, 5.1.6, 5.1.10,
				 * 5.4.4, or words for it: "user unknown", "no such domain"...).
				 * A permanent refusal for another reason (mailbox full, spam
				 * filter, policy, size) is not hard; a delay never is. */
};

struct bounce_report {
	gboolean standard;		/* read from a message/delivery-status part (a forwarded
					 * one too); FALSE: read from X-Failed-Recipients or the
					 * text */
	char *envid;			/* Original-Envelope-Id, or NULL */
	char *original_message_id;	/* of the returned message, without brackets, or NULL */
	GPtrArray *recipients;		/* struct bounce_recipient *, at least one */
};

/* What m reports, or NULL when nothing in it reads as a report on a
 * recipient. m may be broken in every way real mail is. A non-standard
 * bounce's recipients are the addresses its explanation names before the
 * copy of the returned message (not the bounce's own From and To, nor
 * mail systems' postmaster@ unless nothing else), else the To of the
 * returned message; their action is BOUNCE_DELAYED when the words say the
 * message is still being tried. Never calls anything but GLib and the
 * mail adapter; no I/O. */
struct bounce_report *bounce_read(const struct mail *m);
void bounce_report_free(struct bounce_report *r);

#endif

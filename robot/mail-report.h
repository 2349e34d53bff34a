/* mail-report.h - the GMime adapter's reading of reports: delivery status
 * notifications (RFC 3464), disposition notifications (RFC 8098) and the
 * message a bounce returns. Text only crosses this header, for
 * filters/bounce.c and the classifier to read with GLib. */
#ifndef POCBOT_MAIL_REPORT_H
#define POCBOT_MAIL_REPORT_H

#include "mail.h"

/* The decoded content of the first part of type ("message/delivery-status")
 * anywhere in the tree, outside message/rfc822 parts first, then inside
 * them (a report forwarded as an attachment); valid UTF-8,
 * bounded to REPORT_TEXT_BYTES. NULL when there is none. g_free it. */
char *mail_report_part(const struct mail *m, const char *type);

/* The header block of the returned message: the headers of the first
 * message/rfc822 (or message/global) part, else the content of a
 * text/rfc822-headers part. Valid UTF-8, bounded. NULL when none. g_free it. */
char *mail_report_returned_headers(const struct mail *m);

/* Every readable text part outside returned messages, joined by blank
 * lines: text/plain parts (attachments too: some MTAs attach their
 * explanation), else the prologue of a multipart whose boundary never
 * comes, else the text of the first HTML part. Valid UTF-8, bounded
 * to REPORT_TEXT_BYTES. Never NULL. g_free it. */
char *mail_report_text(const struct mail *m);

/* Bytes of report text read; the explanation of a bounce comes first. */
#define REPORT_TEXT_BYTES (64 * 1024)

#endif

/* mail.h - the GMime adapter: the only code that parses or writes MIME.
 *
 * No GMime type crosses this header. Every string handed out is UTF-8
 * (invalid input is repaired), owned as the comment on each prototype says. */
#ifndef POCBOT_MAIL_H
#define POCBOT_MAIL_H

#include <glib.h>
#include <stddef.h>

struct mail;	/* a parsed message, opaque */

/* Calls g_mime_init() once for the process. */
void mail_library_init(void);

/* Parses any bytes; never NULL (garbage yields a message with no headers). */
struct mail *mail_parse(const char *data, size_t len);
void mail_free(struct mail *m);

/* The decoded value of the first header called name, or NULL. Borrowed. */
const char *mail_header(const struct mail *m, const char *name);

/* 1 when a header called name is present. */
int mail_has_header(const struct mail *m, const char *name);

/* 1 when the first header called name starts, after blanks, with one of
 * values (NULL-terminated), ASCII case ignored: "Precedence: bulk". */
int mail_header_starts(const struct mail *m, const char *name, const char *const *values);

/* The top-level type as "type/subtype", lower case. Borrowed. */
const char *mail_content_type(const struct mail *m);

/* A parameter of the top-level Content-Type, or NULL. Borrowed. */
const char *mail_content_type_param(const struct mail *m, const char *param);

/* 1 when a part of that type ("message/delivery-status") is anywhere in the
 * tree, message/rfc822 parts not entered. */
int mail_has_part(const struct mail *m, const char *type);

/* Shape of the MIME tree, message/rfc822 parts included. */
int mail_depth(const struct mail *m);
int mail_part_count(const struct mail *m);

/* The readable text: the first text/plain part, else the first text/html
 * part turned into text, decoded to UTF-8. Never NULL. g_free it. */
char *mail_text(const struct mail *m);

/* A leaf part of a message other than its readable text: an attachment,
 * or a part beside the text. Owned (mail_part_free). */
struct mail_part {
	char *content_type;	/* "type/subtype", lower case */
	char *filename;		/* as the part names it, at most 100 characters, control
				 * characters made '?'; or NULL */
	GBytes *data;		/* the content, transfer encoding removed */
};

void mail_part_free(gpointer part);

/* The leaf parts of m other than the one mail_text reads, in order
 * (message/rfc822 parts not entered; at most MAX_MIME_PARTS), as struct
 * mail_part. Never NULL; g_ptr_array_unref it. */
GPtrArray *mail_attachments(const struct mail *m);

/* The addr-spec of the first mailbox of From / Reply-To, bounded and
 * free of CR/LF, or NULL. g_free it. */
char *mail_from_address(const struct mail *m);
char *mail_reply_to_address(const struct mail *m);

/* Message-ID and References without angle brackets, or NULL. g_free it. */
char *mail_message_id(const struct mail *m);
char *mail_references(const struct mail *m);	/* space-separated <ids> as written, bounded */

/* An attachment of an outgoing message, streamed from its file. */
struct outpart {
	const char *filename;
	const char *content_type;	/* with its parameters */
	const char *path;
};

/* An outgoing message. Every field is UTF-8; none may carry CR or LF
 * (mail_compose refuses it). */
struct outmsg {
	const char *from;		/* addr-spec */
	const char *from_name;		/* display name, or NULL */
	const char *to;			/* addr-spec */
	const char *subject;
	const char *body;		/* text/plain, UTF-8, LF line ends */
	const char *message_id;		/* without brackets */
	const char *in_reply_to;	/* without brackets, or NULL */
	const char *references;		/* "<a> <b>" or NULL */
	const char *loop_id;		/* value of the robot's loop header */
	gint64 date;			/* seconds since the epoch */
	const char *reply_to;		/* addr-spec, or NULL */
	gboolean asks_reply;		/* no Auto-Submitted: a message that asks for an answer */
	const struct outpart *parts;	/* attachments after the body: multipart/mixed */
	size_t n_parts;
};

/* The whole message, CRLF line ends; NULL when a field is unsafe or the
 * message has parts (those go through mail_compose_to_fd). g_free it. */
char *mail_compose(const struct outmsg *o, size_t *len);

/* mail_compose written to the file descriptor fd (attachments streamed
 * from their files, base64). 0, or -1 (an unsafe field, an unreadable
 * attachment, a write error). */
int mail_compose_to_fd(const struct outmsg *o, int fd);

/* The robot's loop header, recognised by the guard. */
#define MAIL_LOOP_HEADER "X-Pocbot-Loop"

#endif

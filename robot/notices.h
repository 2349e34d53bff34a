/* notices.h - every notice the robot writes to a person about something
 * other than the message they sent: one table (notices.c) says, for each
 * kind, who gets it, in which language, whether it is encrypted, how it is
 * signed and whether notices of the kind are merged; one function sends a
 * request of a kind. The table is DESIGN.md section 3a, with today's rules.
 *
 * Every notice is queued through the outbox in the caller's transaction,
 * signed by the robot; every message to an enrolled signer is encrypted
 * to the key signers_encrypt_key names, and an answer to a signer's
 * message goes to its signer address (notices_signer_address). Functions
 * return 0 or -1 (the caller rolls back). */
#ifndef POCBOT_NOTICES_H
#define POCBOT_NOTICES_H

#include <glib.h>
#include "mail-ctx.h"
#include "outbox.h"
#include "signers.h"

/* Who a kind goes to. */
enum notice_audience {
	NOTICE_STATE_SIGNERS,	/* the State's signers, every role */
	NOTICE_STATE_EDITORS,	/* the State's authority and custodian signers */
	NOTICE_CUSTODIANS,	/* the custodian signers */
	NOTICE_STATE_KEEPERS,	/* the State's authority signers and every custodian
				 * signer (of no State: the custodians) */
	NOTICE_ALL_SIGNERS,	/* every enrolled signer, whatever its State and role */
	NOTICE_ADDRESS,		/* one address the request names (a POC's): no key */
	NOTICE_SENDER,		/* whoever sent the message answered (Reply-To, else From) */
	NOTICE_SIGNER,		/* the enrolled signer the message answered is from, at its
				 * signer address (notices_signer_address) */
	NOTICE_CUSTODIAN_ADDRESS	/* [robot] custodian, the secretariat's address */
};

/* Which language a notice is written in. */
enum notice_lang {
	NOTICE_LANG_ENGLISH,	/* English */
	NOTICE_LANG_REQUEST,	/* the request's (the message that caused it) */
	NOTICE_LANG_SIGNER,	/* each recipient signer's (signers.lang) */
	NOTICE_LANG_POC		/* the POC's first UN language, English beside it */
};

/* How a notice is signed. */
enum notice_signing {
	NOTICE_SIGN_RECIPIENT,	/* in the recipient signer's enrolled protocol */
	NOTICE_SIGN_DEFAULT,	/* [robot] sign_default (a recipient with no key on record) */
	NOTICE_SIGN_SENDER	/* as the message answered was signed: S/MIME or OpenPGP;
				 * unsigned: [robot] sign_default */
};

/* How soon it must go. */
enum notice_urgency { NOTICE_NOW, NOTICE_DAILY };

/* One row of the table. */
struct notice_kind {
	const char *name;		/* the request's kind */
	const char *purpose;		/* outbox purpose; NULL: the caller's (help, ack...) */
	const char *template;		/* templates/<lang>/<template>.txt */
	enum notice_audience audience;
	enum notice_lang lang;
	gboolean encrypted;
	enum notice_signing signing;
	const char *coalesce;		/* merge key, or NULL: one notice per request */
	enum notice_urgency urgency;
};

/* The row of kind name, or NULL. */
const struct notice_kind *notices_kind(const char *name);

/* The whole table, NULL-name terminated (for tests and HACKING.md). */
const struct notice_kind *notices_table(void);

/* The text of a placeholder that depends on the recipient's language
 * (g_free it), or NULL on error. An empty text: nothing to tell that
 * recipient, who is skipped. */
typedef char *notice_text_fn(const struct mail_ctx *c, const char *lang, void *data);

/* One notice to send. */
struct notice_request {
	const char *kind;		/* a row's name */
	const char *state;		/* the State it is about (audience; the "state"
					 * placeholder, named in the notice's language), or NULL */
	const char *except;		/* a signer's fingerprint not told (who acted), or NULL */
	const char *address;		/* NOTICE_ADDRESS: where it goes */
	const char *lang;		/* NOTICE_LANG_REQUEST, NOTICE_LANG_POC: the language */
	const char *seed;		/* unique per request: the outbox token of each
					 * notice is made from seed and its recipient */
	GHashTable *vars;		/* borrowed; "robot", "custodian" and "state" are set
					 * here */
	const char *each_key;		/* a placeholder filled for each recipient by each */
	notice_text_fn *each;		/* or NULL */
	void *data;			/* for each */
	const struct outbox_attachment *attachments;
	size_t n_attachments;
};

/* Queues the notices of r: one to each recipient of its kind's audience
 * (none is an answer too: 0). 0 or -1. */
int notices_send(const struct mail_ctx *c, const struct notice_request *r);

/* Queues a message its caller wrote for a person: the answer to a
 * message (it->to the sender's address, or for a signer its signer
 * address; in the message's language), a ping (it->to the POC's address)
 * or an alert to [robot] custodian; it holds the recipient, subject, body
 * and the threading and outbox fields. How it is signed, whether it is
 * encrypted and its purpose are kind's row's: signed as the message
 * answered was (its protocol in sender_protocol) or in the signer's
 * protocol, encrypted to signer's key (signers_encrypt_key) when the row
 * encrypts (signer must then be given). message: the messages row
 * answered, or 0. As outbox_queue: 0 queued, 1 no usable address, -1 on
 * failure. */
int notices_queue(const struct mail_ctx *c, const char *kind, enum crypto_protocol sender_protocol,
		  const struct signer *signer, gint64 message, const char *seed,
		  struct outbox_item *it);

/* The signer-address rule (DESIGN.md section 3a). Addresses are compared
 * with their domains in A-labels and case folded (notices_address_among).
 *
 * The addresses of s's enrolled key: its OpenPGP user IDs, or the
 * subjectAltNames of its S/MIME signing and encryption certificates, as
 * the crypto adapter reads them from the robot's keyrings; the address
 * recorded at enrolment when the keyrings give none. 0 with *out
 * (g_ptr_array_unref it), or -1 when the crypto engine failed. */
int notices_signer_addresses(struct crypto *crypto, const struct signer *s, GPtrArray **out);

/* Whether addr (may be NULL) is one of addresses. */
gboolean notices_address_among(const GPtrArray *addresses, const char *addr);

/* Where a message to signer s goes, for a message with Reply-To reply_to
 * and From from (either may be NULL): reply_to if it is an address of
 * s's key, else from if it is one, else the key's first address (as
 * enrolled). The key's own spelling of it. 1 with *to (g_free it), 0 when
 * s has no address, -1 when the crypto engine failed. */
int notices_signer_address(struct crypto *crypto, const struct signer *s, const char *reply_to,
			   const char *from, char **to);

/* The signer not revoked whose enrolled key holds addr (the first
 * enrolled when several do): 1 with *out (signers_clear it), 0 when none
 * does, -1 on a database or crypto engine failure. */
int notices_signer_of_address(sqlite3 *db, struct crypto *crypto, const char *addr,
			      struct signer *out);

/* Tells the other enrolled signers of changed's State that changed was
 * enrolled or revoked (action: "action-enrolled" or "action-revoked", a
 * reasons.txt key). Opens the robot's crypto and templates itself (the
 * custodian's commands have none open). 0 or -1. */
int notices_signer_change(sqlite3 *db, const struct config *cfg, const struct signer *changed,
			  const char *action, gint64 now);

#endif

/* limits.h - every bound the robot puts on untrusted input, in one place. */
#ifndef POCBOT_LIMITS_H
#define POCBOT_LIMITS_H

#define DEFAULT_MESSAGE_BYTES	(25 * 1024 * 1024)	/* [limits] message_bytes */
#define DEFAULT_HELP_PER_DAY	3			/* [limits] help_per_day */

#define DEFAULT_TRUST_MAX_AGE	(7 * 86400)	/* [trust] max_age */
#define DEFAULT_TRUST_MAX_FUTURE 3600		/* [trust] max_future */
#define DEFAULT_PING_EVERY	(182 * 86400)	/* [ping] every */
#define DEFAULT_PING_DEADLINE	(14 * 86400)	/* [ping] deadline */
#define DEFAULT_UPDATE_EVERY	(365 * 86400)	/* [reminders] update_every */
#define DEFAULT_NOTICES_COALESCE	3600	/* [notices] coalesce */
#define DEFAULT_EXTRACTS_PER_DAY 10		/* [lookup] extracts_per_day */
#define DEFAULT_STATUS_DEFERRED_AGE 86400	/* [status] deferred_age */
#define DEFAULT_STATUS_KEY_EXPIRY (30 * 86400)	/* [status] key_expiry_warning */
#define DEFAULT_STATUS_AUDIT_AGE (2 * 86400)	/* [status] audit_age */
#define DEFAULT_KEYS_LIFETIME	(730 * 86400)	/* [keys] lifetime: two years */
#define DEFAULT_KEYS_OVERLAP	(90 * 86400)	/* [keys] overlap */
#define KEYS_EXPIRY_WARNING	(60 * 86400)	/* status warns this long before the robot's
						 * keys expire */
#define KEYS_NO_EXPIRY_HORIZON	(3650 * 86400)	/* a robot key valid longer than this was
						 * made before [keys] lifetime (gpgsm's
						 * default certificate runs until 2063) */
#define DEFAULT_BACKUP_KEEP	7			/* [backup] keep */
#define DEFAULT_RETENTION_MESSAGES (90 * 86400)	/* [retention] messages */
#define MIN_RETENTION_MESSAGES	(30 * 86400)	/* ... at least: MTA retries */
#define DEFAULT_RETENTION_SIGNATURES (30 * 86400) /* [retention] signatures, at least
						   * max_age + max_future + 1d */
#define DEFAULT_RETENTION_SENT_BODIES (30 * 86400) /* [retention] sent_bodies */
#define MIN_RETENTION_SENT_BODIES 86400		/* ... at least */
#define DEFAULT_RETENTION_WITHDRAWN (365 * 86400) /* [retention] withdrawn */
#define MIN_RETENTION_WITHDRAWN	(30 * 86400)	/* ... at least */

#define MAX_COMMAND_LINE 512 /* an LMTP command line, CRLF included (RFC 5321 4.5.3.1.4) */
#define MAX_DATA_LINE                                                                             \
	(64 * 1024) /* longest data line accepted (RFC 5321 asks 1000; real mail is longer) */
#define MAX_RECIPIENTS		100	/* RCPT TO per transaction */
#define MAX_ADDRESS_LEN		254	/* an address, local@domain */
#define MAX_LOCAL_PART		64
#define MAX_BAD_COMMANDS	10	/* protocol errors before the LMTP server hangs up */
#define LMTP_DATA_BUFFER (64 * 1024)    /* message bytes a session holds before writing them */
#define LMTP_READ_BUFFER	(64 * 1024)	/* one read from a client (one buffer for all) */
#define LMTP_COMMIT_THREADS	4	/* the pool that fsyncs and renames into spool/new */
#define DEFAULT_LMTP_MAX_CONNECTIONS 256 /* [lmtp] max_connections; the idlest goes first */
#define DEFAULT_LMTP_MAIL_DEADLINE 30	/* [lmtp] mail_deadline: seconds from connect to MAIL */
#define DEFAULT_LMTP_COMMAND_DEADLINE 120 /* [lmtp] command_deadline: seconds for one command */
#define DEFAULT_LMTP_DATA_DEADLINE 600	/* [lmtp] data_deadline: seconds for one whole DATA */

#define MAX_MIME_DEPTH		16	/* nesting of multiparts and message/rfc822 */
#define MAX_MIME_PARTS		256	/* leaves and containers in one message */
#define MAX_SCAN_LINES		500	/* lines of a body searched for a verb */
#define LANGUAGE_SCAN_BYTES	4096	/* text read to guess a message's language */
#define TEXT_SCAN_BYTES		4096	/* a bounce explains itself in its first lines */
#define TEMPLATE_WIDTH		72	/* columns of the robot's inserted paragraphs */
#define MAX_LOG_TEXT		200	/* untrusted text in a log line */

#define MAX_ATTEMPTS		3	/* processing failures before quarantine */
#define MAX_CRASHES 5   /* deaths of the robot while processing one message, before quarantine */
#define RETRY_DELAY 300 /* seconds before retrying a failed message, times its failures */
#define FAULT_RETRY_FIRST	1	/* seconds before the first retry in a robot fault */
#define FAULT_RETRY_MAX		60	/* the longest wait (doubling) between two retries */
#define SEND_BACKOFF_FIRST	60	/* seconds before the first retry of a send */
#define SEND_BACKOFF_MAX	3600	/* the longest wait between two sends */
#define SEND_MAX_AGE		(5 * 24 * 3600)	/* a send still failing after this is given up */
#define SEND_BATCH		100	/* outbox rows read at once by the sender */
#define SMTP_TIMEOUT		60	/* seconds for one SMTP read or write */

#define DB_BUSY_MS		10000	/* SQLite busy timeout */

#define MAX_FORMS 20       /* nomination, update and withdrawal forms in one message */
#define MAX_FORM_ERRORS 50 /* problems reported for one message; the rest are summed up */
#define MAX_FIELD_LEN		200	/* characters of most form values */
#define MAX_NOTES_LEN		1000	/* characters of a form's notes or withdrawal reason */
#define MAX_URL_LEN		500	/* characters of a web page address */
#define MAX_ID_LEN		32	/* a POC identifier, e.g. FR-T-1 */
#define MAX_EMAILS		5	/* addresses in one form's e-mail field */
#define MAX_PHONES		5	/* numbers in one form's phone field */
#define MAX_PHONE_LEN		50	/* characters of one phone number as written */
#define MAX_LANGUAGES		10	/* languages in one form */
#define MAX_LABEL_LEN 40 /* characters before a colon for a line to count as "Label: value" */
#define MAX_POC_KEY_BYTES	(64 * 1024)	/* a POC's key or certificate block or file */
#define MAX_FORM_KEYS		MAX_EMAILS	/* key blocks after Key: lines in one form */
#define MAX_KEY_FILES		20	/* key files attached to one message */
#define MAX_QUOTED_LINE		200	/* bytes of an offending line quoted back in an error */

#endif

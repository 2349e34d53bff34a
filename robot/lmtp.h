/* lmtp.h - the LMTP protocol (RFC 2033) as a state machine over the bytes a
 * client sends, with no I/O of its own: it is fed what was read, appends
 * what must be answered, and hands the message to a sink as it arrives. */
#ifndef POCBOT_LMTP_H
#define POCBOT_LMTP_H

#include <glib.h>
#include "envelope.h"

/* Where a message goes while it arrives. begin opens a transaction for env
 * (NULL when it cannot: DATA then gets 451); write appends bytes already
 * dot-unstuffed with LF line ends (0 or -1); commit makes it durable and
 * ends the transaction (0 stored, -1 not: 451 for every recipient); abort
 * ends it leaving nothing behind. Each transaction ends in exactly one of
 * commit or abort. With defer_commit, commit is called by whoever took the
 * transaction from lmtp_session_take_commit, maybe in another thread. */
struct lmtp_sink {
	void *(*begin)(void *data, const struct envelope *env);
	int (*write)(void *txn, const char *buf, size_t len);
	int (*commit)(void *txn);
	void (*abort)(void *txn);
	void *data;
};

struct lmtp_params {
	const char *hostname;	/* in the greeting and LHLO reply */
	gint64 max_bytes;	/* larger messages get 552 */
	struct lmtp_sink sink;
	gboolean defer_commit;	/* FALSE: the session commits at the end of DATA */
};

/* Where a session stands, for the server's deadlines. */
enum lmtp_phase { LMTP_BEFORE_MAIL, LMTP_COMMANDS, LMTP_DATA };

struct lmtp_session;

struct lmtp_session *lmtp_session_new(const struct lmtp_params *p);

/* Frees the session; a message still arriving, or whose commit was not
 * taken, is aborted (one taken is the taker's to finish). */
void lmtp_session_free(struct lmtp_session *s);

/* The greeting to send when a client connects. */
void lmtp_session_greeting(struct lmtp_session *s, GString *out);

/* Feeds len bytes as read from the client. Appends the replies due
 * (CRLF-terminated) to out. Returns FALSE when the connection must be
 * closed once out is sent (the rest of buf is then ignored). */
gboolean lmtp_session_input(struct lmtp_session *s, const char *buf, size_t len, GString *out);

enum lmtp_phase lmtp_session_phase(const struct lmtp_session *s);

/* With defer_commit: once a message's DATA has ended, the session waits
 * for its commit and takes no input (what was fed after the end of DATA is
 * kept, to be read once the commit is done: at most one read, since the
 * caller reads no more while it waits). This hands the sink's transaction
 * over, once: the caller commits it and gives the outcome to
 * lmtp_session_committed. NULL when no commit is due. */
void *lmtp_session_take_commit(struct lmtp_session *s);

/* TRUE from the end of a message's DATA until lmtp_session_committed. */
gboolean lmtp_session_waiting(const struct lmtp_session *s);

/* The outcome of the commit taken (0 stored, -1 not): appends one reply
 * per recipient to out, then reads the input kept meanwhile (which may end
 * another DATA: take_commit again). Returns as lmtp_session_input. */
gboolean lmtp_session_committed(struct lmtp_session *s, int rc, GString *out);

/* Counts the commands and messages the session has finished, and each
 * LMTP_DATA_BUFFER bytes of a message: a client that moves it on is not
 * idle; one trickling a byte at a time is. */
guint64 lmtp_session_progress(const struct lmtp_session *s);

#endif

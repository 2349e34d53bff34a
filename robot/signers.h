/* signers.h - the store of enrolled signers (the signers table) and of
 * signatures already accepted (seen_signatures, the replay guard). A
 * signer is one OpenPGP key or S/MIME certificate enrolled with one role,
 * for one participating State; a custodian belongs to no State (its
 * state is "") and acts for any. A revoked signer stays, marked. */
#ifndef POCBOT_SIGNERS_H
#define POCBOT_SIGNERS_H

#include <glib.h>
#include <sqlite3.h>
#include "config.h"
#include "crypto.h"

enum signer_role { SIGNER_AUTHORITY, SIGNER_READER, SIGNER_CUSTODIAN };

struct signer {
	gint64 id;
	enum crypto_protocol protocol;		/* CRYPTO_OPENPGP or CRYPTO_SMIME */
	char fingerprint[CRYPTO_FPR_LEN];	/* upper-case hex */
	char enc_fingerprint[CRYPTO_FPR_LEN];	/* S/MIME: the certificate to encrypt to; "" if
						 * none */
	char state[3];				/* alpha-2; "" for a custodian of no State */
	enum signer_role role;
	char *label;				/* or NULL */
	char *email;				/* or NULL */
	gint64 added;
	gint64 revoked;				/* 0 when not revoked */
	char *revoke_reason;			/* NULL when not revoked */
	char lang[8];				/* the language the signer's notices are in */
};

/* The key mail to a signer is encrypted to: for S/MIME the certificate
 * enrolled for encryption when there is one (enc not empty), else the
 * signing key or certificate fpr. Borrowed from its arguments. */
const char *signers_encrypt_key(enum crypto_protocol p, const char *fpr, const char *enc);

/* Frees what s holds (not s). */
void signers_clear(struct signer *s);

/* "authority", "reader", "custodian"; and back: 0 or -1 for another word. */
const char *signers_role_name(enum signer_role r);
int signers_role_parse(const char *name, enum signer_role *r);

/* "openpgp", "smime" (NULL for CRYPTO_NONE). */
const char *signers_protocol_name(enum crypto_protocol p);

/* Writes fpr as the store keeps fingerprints: spaces and colons dropped,
 * upper case. 0, or -1 when the result is not 40 to 64 hex digits. */
int signers_normalize_fpr(const char *fpr, char out[CRYPTO_FPR_LEN]);

/* Adds s (its id, revoked and revoke_reason are ignored; the State must be
 * in the states table, or "" for a custodian). 0, or -1 (among the reasons, a fingerprint
 * already enrolled: look it up first). */
int signers_add(sqlite3 *db, const struct signer *s);

/* The signer with fingerprint fpr (any case), revoked or not: 1 and *out
 * filled (signers_clear it), 0 when there is none, -1 on error. */
int signers_find(sqlite3 *db, const char *fpr, struct signer *out);

/* The signer whose enrolled key is fpr: its signing key or certificate,
 * or for S/MIME its encryption certificate; a signer not revoked first.
 * As signers_find. */
int signers_find_by_key(sqlite3 *db, const char *fpr, struct signer *out);

/* All signers, or those of state when it is not NULL, revoked ones too,
 * by State then enrolment. An array of struct signer * that frees them
 * (g_ptr_array_unref it), or NULL on error. */
GPtrArray *signers_list(sqlite3 *db, const char *state);

/* The signers of state that are not revoked: those a notice about the
 * State goes to. As signers_list. */
GPtrArray *signers_of_state(sqlite3 *db, const char *state);

/* Who a notice about a State goes to. */
enum signers_audience {
	SIGNERS_OF_STATE,	/* every signer of the State; of no State (NULL or
				 * ""): the custodians enrolled without one */
	SIGNERS_EDITORS,	/* its authorities and custodians (no readers) */
	SIGNERS_CUSTODIANS,	/* the custodian signers, whatever their State */
	SIGNERS_KEEPERS,	/* its authorities and every custodian signer; of no
				 * State: the custodians */
	SIGNERS_ALL		/* every signer, whatever the State */
};

/* The signers of audience who (about state), not revoked and with an
 * address, by enrolment. As signers_list. */
GPtrArray *signers_audience(sqlite3 *db, enum signers_audience who, const char *state);

/* Sets the language of the signer with fingerprint fpr (upper-case hex),
 * written only when it changes. 0 or -1. */
int signers_set_lang(sqlite3 *db, const char *fpr, const char *lang);

/* Writes s's encryption fingerprint and address (a renewal that kept the
 * signing key's fingerprint). 0 or -1. */
int signers_update_key(sqlite3 *db, const struct signer *s);

/* Revokes the signer with fingerprint fpr at time at. 1 when revoked, 0
 * when there is no such signer or it is revoked already, -1 on error. */
int signers_revoke(sqlite3 *db, const char *fpr, gint64 at, const char *reason);

/* The replay guard: records replay_key (crypto_result.replay_key) as seen
 * by the message message_hash. 1 when it was seen already (a replay: the
 * record is left as it was), 0 when it is new, -1 on error. Call it in the
 * transaction that acts on the message. */
int signers_mark_seen(sqlite3 *db, const char *replay_key, const char *message_hash, gint64 now);

/* 1 when replay_key was accepted before, 0 when not, -1 on error. */
int signers_seen(sqlite3 *db, const char *replay_key);

/* Retention: the replay records older than before removed (before is at
 * least [trust] max_age + max_future + 1 day back: config.c). The number
 * removed, or -1. */
int signers_prune_seen(sqlite3 *db, gint64 before);

/* The key-expiry warnings (timer_runs rows, key-warnings.c): whether the
 * warning days (30 or 7) before the expiry expires of the signer fpr's key
 * was sent: 1, 0, or -1 on error; and its record. A key renewed to a new
 * expiry is warned again. */
int signers_warned(sqlite3 *db, const char *fpr, gint64 expires, int days);
int signers_mark_warned(sqlite3 *db, const char *fpr, gint64 expires, int days, gint64 now);

/* When the daily check of the keys' expiry last ran (timer_runs
 * 'key-expiry'): 1 with *last, 0 never, -1; and its record. */
int signers_expiry_last(sqlite3 *db, gint64 *last);
int signers_expiry_mark(sqlite3 *db, gint64 now);

#endif

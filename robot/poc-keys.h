/* poc-keys.h - the store of the POCs' keys (table poc_keys, db/0014): one
 * OpenPGP public key or S/MIME certificate per POC address, put on record
 * by a form, proven by an answer to an encrypted ping, given out with the
 * directory. The store holds the key material; checking a key and
 * encrypting to it are the crypto adapter's (VAR/poc-keys). Every function
 * runs in the caller's transaction and returns -1 on a database error. */
#ifndef POCBOT_POC_KEYS_H
#define POCBOT_POC_KEYS_H

#include <glib.h>
#include <sqlite3.h>

/* One address's key. Owned strings (poc_key_free). */
struct poc_key {
	char *poc;		/* the POC's identifier, "DE-T-1" */
	char *address;		/* the POC's address, as poc_emails writes it */
	char *protocol;		/* "openpgp" or "smime" */
	char *fingerprint;	/* upper-case hex */
	char *data;		/* armoured public key, or PEM certificate and its chain */
	gint64 expires;		/* seconds since the epoch, 0: never */
	gint64 added;
	gint64 proven;		/* 0: not proven */
};

void poc_key_free(gpointer k);

/* Puts k on record for (k->poc, k->address), replacing the key there;
 * proven is kept when the fingerprint is the same, else cleared. */
int poc_keys_put(sqlite3 *db, const struct poc_key *k);

/* Removes the key of (poc, address). 1 removed, 0 there was none. */
int poc_keys_remove(sqlite3 *db, const char *poc, const char *address);

/* Removes the keys of poc's addresses that poc_emails no longer holds
 * (an UPDATE that changed its addresses). The number removed. */
int poc_keys_prune(sqlite3 *db, const char *poc);

/* Removes every key of poc (withdrawal's redaction). The number removed. */
int poc_keys_remove_all(sqlite3 *db, const char *poc);

/* The key of (poc, address), address compared case-insensitively: 1 with
 * *out (poc_key_free), 0 when none. */
int poc_keys_get(sqlite3 *db, const char *poc, const char *address, struct poc_key **out);

/* The keys of poc, in the order of its addresses (g_ptr_array_unref), or
 * NULL on error. */
GPtrArray *poc_keys_of(sqlite3 *db, const char *poc);

/* Records the key fingerprint of (poc, address) proven at when, if it is
 * still the key on record. 1 recorded, 0 not (another key, or none). */
int poc_keys_mark_proven(sqlite3 *db, const char *poc, const char *address,
			 const char *fingerprint, gint64 when);

/* The keys of POCs that are not withdrawn expiring (expires not 0) before
 * before, soonest first (g_ptr_array_unref), or NULL on error. */
GPtrArray *poc_keys_expiring(sqlite3 *db, gint64 before);

/* How many keys of POCs that are not withdrawn are on record (*all) and
 * expire before before (*expiring). 0 or -1. */
int poc_keys_count(sqlite3 *db, gint64 before, gint64 *all, gint64 *expiring);

/* The expiry warnings of POC keys (timer_runs rows, timer-poc-keys.c):
 * whether the warning days (30 or 7) before k's expiry was sent for k's
 * fingerprint at k's address: 1, 0, or -1; and its record. A key replaced
 * or renewed (another fingerprint or expiry) is warned again. */
int poc_keys_warned(sqlite3 *db, const struct poc_key *k, int days);
int poc_keys_mark_warned(sqlite3 *db, const struct poc_key *k, int days, gint64 now);

/* When the daily check of the POC keys' expiry last ran (timer_runs
 * 'poc-key-expiry'): 1 with *last, 0 never, -1; and its record. */
int poc_keys_expiry_last(sqlite3 *db, gint64 *last);
int poc_keys_expiry_mark(sqlite3 *db, gint64 now);

#endif

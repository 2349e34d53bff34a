/* export.h - the directory written out for other tools: CSV (RFC 4180),
 * vCard 4.0 (RFC 6350) and JSON (json-glib), streamed one POC at a time to
 * a GOutputStream so that memory stays bounded by the largest POC, never
 * by the size of the directory. Used by "pocbot export" and by the answer
 * to an EXTRACT or LOOKUP. */
#ifndef POCBOT_EXPORT_H
#define POCBOT_EXPORT_H

#include <gio/gio.h>
#include <sqlite3.h>
#include "pocs.h"
#include "states.h"
#include "templates.h"

enum export_format { EXPORT_CSV, EXPORT_VCARD, EXPORT_JSON };

/* "csv", "vcard", "json" and back: 0, or -1 for another word. */
const char *export_format_name(enum export_format f);
int export_format_parse(const char *name, enum export_format *f);

/* The words the writers use for codes: State names and POC types in one
 * of the six languages. */
struct export_names {
	const struct states *states;	/* borrowed; NULL: State names are the codes */
	char lang[8];			/* "en", "fr", "es", "ru", "zh", "ar" */
	char *type[4];			/* owned, by enum poc_type */
	sqlite3 *db;			/* borrowed; each POC's keys are read from it
					 * (poc_keys_of); NULL (export_names_init's):
					 * no keys written */
};

/* Fills n for lang (NULL or unknown: "en"). tpl (borrowed, may be NULL:
 * the store's English words) gives the type names: the first word of
 * type-<type> in templates/<lang>/words.txt. export_names_clear it. */
void export_names_init(struct export_names *n, const struct states *states,
		       const struct templates *tpl, const char *lang);
void export_names_clear(struct export_names *n);

/* The State's name in n's language (English, then the code, when it has
 * none). Borrowed. */
const char *export_state_name(const struct export_names *n, const char *code);

/* Where the POCs come from, one at a time: fills *p (the writer
 * pocs_clear's it) and returns 1, 0 after the last, -1 on an error. */
typedef int export_next_fn(void *source, struct poc *p);

/* The writers. Each pulls POCs from next until it returns 0 and writes
 * them to out (not closed, not flushed beyond its own buffering); *count
 * (may be NULL) gets the number written. 0, or -1 with *err set: an error
 * of out (its GError), or of the source (G_IO_ERROR_FAILED, "the POCs
 * could not be read"). Each address's key (names->db) goes with its POC:
 * fingerprint, protocol, expiry, when it was proven; the key itself in
 * vCard and JSON.
 *
 * CSV: UTF-8, a header row, CRLF line ends, fields quoted when they hold
 *   a comma, quote, CR, LF or a leading or trailing space; lists joined
 *   with "; ". Columns: id, state, state_name, type, type_name, status,
 *   organisation, web, emails, phones, phones_e164, languages, name,
 *   position, notes, updated, key_protocols, key_fingerprints,
 *   key_expires, key_proven (the last four aligned with emails, "" for an
 *   address with no key; expires "never" for a key with no expiry, proven
 *   "no" for a key not proven; times ISO 8601 UTC).
 * vCard: one card per POC (VERSION:4.0, KIND, FN, ORG, TITLE, EMAIL, TEL
 *   as a tel: URI or, with no E.164 form, as text, URL, LANG, CATEGORIES,
 *   NOTE, REV, X-POCBOT-ID, X-POCBOT-STATE, X-POCBOT-TYPE,
 *   X-POCBOT-STATUS); each key as the group keyN of KEY (a data: URI,
 *   base64: the armoured key as application/pgp-keys, the certificate's
 *   DER as application/pkix-cert; its chain is not in the card) and
 *   X-POCBOT-KEY (address;protocol;fingerprint;expires;proven, as the
 *   CSV's); text escaped (\\ \, \; \n), control characters
 *   made U+FFFD, lines folded at 75 octets between UTF-8 characters, CRLF.
 * JSON: an array of objects, one per POC, each built with JsonBuilder and
 *   written with JsonGenerator on its own: id, state, state_name, type,
 *   type_name, status, organisation, web, emails, phones [{written,
 *   e164}], languages, name, position, notes, updated, keys [{address, protocol,
 *   fingerprint, expires, proven, key}] (expires and proven ISO 8601 UTC
 *   or null, key the armoured key or the PEM certificate and its chain);
 *   absent values null.
 * Text from the database is made valid UTF-8 first. */
int export_csv(GOutputStream *out, export_next_fn *next, void *source,
	       const struct export_names *names, guint *count, GError **err);
int export_vcard(GOutputStream *out, export_next_fn *next, void *source,
		 const struct export_names *names, guint *count, GError **err);
int export_json(GOutputStream *out, export_next_fn *next, void *source,
		const struct export_names *names, guint *count, GError **err);
int export_write(enum export_format f, GOutputStream *out, export_next_fn *next, void *source,
		 const struct export_names *names, guint *count, GError **err);

/* A source over the database: the POCs that are not withdrawn, of the
 * States in states (alpha-2 codes, NULL-terminated; NULL or empty: every
 * State), by State, type and number; each loaded when asked for. NULL on
 * a database error. export_cursor_free it; the database must outlive it. */
struct export_cursor;
struct export_cursor *export_cursor_new(sqlite3 *db, const char *const *states);
export_next_fn export_cursor_next;
void export_cursor_free(struct export_cursor *c);

#endif

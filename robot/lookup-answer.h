/* lookup-answer.h - what robot/dispatch-lookups.c, lookup-list.c and
 * lookup-store.c share to answer LOOKUP, EXTRACT and ACCESS-LOG
 * (filters/lookup-parse.c reads them); not for other modules. */
#ifndef POCBOT_LOOKUP_ANSWER_H
#define POCBOT_LOOKUP_ANSWER_H

#include <gio/gio.h>
#include <sqlite3.h>
#include "config.h"
#include "outbox.h"
#include "templates.h"
#include "lookup-query.h"

#define LOOKUP_INLINE_MAX	50	/* POCs listed in the body; more go to directory.txt */
#define LOOKUP_ACCESS_LOG_MAX	1000	/* newest entries of an access log */
#define LOOKUP_MAX_FILES	6	/* directory.txt, .csv, .vcf, .json, keys.asc,
					 * certs.pem */

/* The files of one answer, in a temporary folder under VAR/tmp. */
struct lookup_files {
	guint count;			/* POCs in the answer */
	GHashTable *per_state;		/* alpha-2 (owned) -> GUINT_TO_POINTER(POCs) */
	char *dir;			/* the folder, owned */
	char *text_path;		/* dir/directory.txt: the text listing */
	struct outbox_attachment att[LOOKUP_MAX_FILES];	/* paths owned by paths */
	char *paths[LOOKUP_MAX_FILES];
	char *key_paths[2];		/* dir/keys.asc, dir/certs.pem, once written */
	GOutputStream *key_out[2];	/* open while the listing is written */
	size_t n_att;			/* attachments to send (CSV, vCard, JSON as asked,
					 * then keys.asc and certs.pem when they hold keys) */
};

/* Writes the answer to q in lang: the text listing (always), each
 * attachment q asks for, and the keys of the POCs found (keys.asc: their
 * OpenPGP keys, armoured; certs.pem: their certificates with their
 * chains; each only when it holds one), one POC at a time, in a new folder under
 * VAR/tmp. now is the robot's time. 0, or -1 with *err (g_free it); f is
 * to be lookup_files_remove'd either way. */
int lookup_files_write(sqlite3 *db, const struct config *cfg, const struct templates *tpl,
		       const struct lookup_query *q, const char *lang, struct lookup_files *f,
		       char **err);

/* Adds directory.txt to the attachments (a listing too long for the body). */
void lookup_files_attach_text(struct lookup_files *f);

/* Deletes the files and their folder, frees what f holds. */
void lookup_files_remove(struct lookup_files *f);

/* key of templates/<lang>/lookup-phrases.txt (English when lang has
 * none), or key itself. g_free it. */
char *lookup_phrase(const struct templates *tpl, const char *lang, const char *key);

/* How many extracts the requester's State made on now's UTC day, or -1. */
int lookup_store_extracts_today(sqlite3 *db, const char *state, gint64 now);

/* Records one answered request: its lookups row, a lookup_states row per
 * State in per_state (may be NULL), and the audit event (actor the
 * signer's fingerprint, state the signer's State, action the verb; detail
 * {"message", "asked", "returned", "states": {code: n}}). 0 or -1. */
int lookup_store_record(sqlite3 *db, const char *signer, const char *signer_state,
			const char *role, const char *hash, gint64 now, enum lookup_verb verb,
			const char *asked, guint returned, GHashTable *per_state);

/* Appends to out, in lang, the newest LOOKUP_ACCESS_LOG_MAX lookups and
 * extracts that returned POCs of state, newest first, one line each;
 * *count gets how many there are in all. 0 or -1. */
int lookup_store_access_log(sqlite3 *db, const struct templates *tpl, const char *lang,
			    const char *state, GString *out, guint *count);

#endif

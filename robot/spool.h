/* spool.h - the durable queue between intake and the worker.
 *
 * VAR/spool/{tmp,new,cur,quarantine}; one file per message holding its
 * envelope and its bytes. A file is in new/ only once it is on disk. */
#ifndef POCBOT_SPOOL_H
#define POCBOT_SPOOL_H

#include <glib.h>
#include "envelope.h"

enum spool_dir { SPOOL_NEW, SPOOL_CUR, SPOOL_QUARANTINE };

/* Creates the spool folders under spool (VAR/spool). 0 or -1. */
int spool_init(const char *spool);

/* Writes the message durably (tmp, write, fsync, rename into new/, fsync
 * the folder). 0 with *id set (g_free it), or -1 with errno set. */
int spool_store(const char *spool, const struct envelope *env,
		const char *data, size_t len, char **id);

/* A message being written to tmp/, for intake that streams it. */
struct spool_txn;

/* Creates its file in tmp/ and writes the envelope. NULL with errno set. */
struct spool_txn *spool_begin(const char *spool, const struct envelope *env);

/* Appends message bytes. 0, or -1 with errno set. */
int spool_write(struct spool_txn *t, const char *data, size_t len);

/* Makes it durable (fsync, rename into new/, fsync the folder) and frees
 * t. 0 with *id set (g_free it), or -1 with errno set and nothing left in
 * tmp/. */
int spool_commit(struct spool_txn *t, char **id);

/* Frees t and removes its file: nothing is left in tmp/. NULL is ignored. */
void spool_abort(struct spool_txn *t);

/* Removes from tmp/ the files whose writer is dead: a process killed while
 * storing (the name says its pid; a file of a live process is kept). The
 * number removed. */
int spool_sweep_tmp(const char *spool);

/* Whether the spool can take and move entries now, without touching any
 * entry: a file written and synced in tmp/, then removed; new/, cur/ and
 * quarantine/ writable. 0, or -1 with *cause naming the folder and the
 * system's error (g_free it). */
int spool_probe(const char *spool, char **cause);

/* Reads entry id of folder dir. 0 with env filled and *data (g_free it),
 * or -1 (missing, unreadable or not a spool file). */
int spool_load(const char *spool, enum spool_dir dir, const char *id,
	       struct envelope *env, char **data, size_t *len);

/* Moves entry id from one folder to another, durably. 0 or -1. */
int spool_move(const char *spool, const char *id, enum spool_dir from, enum spool_dir to);

/* Removes entry id of folder dir (retention: spool/cur), the folder synced;
 * an entry already gone is fine. 0 or -1. */
int spool_remove(const char *spool, enum spool_dir dir, const char *id);

/* The entry names of a folder, oldest first; g_ptr_array_unref it. */
GPtrArray *spool_list(const char *spool, enum spool_dir dir);

const char *spool_dir_name(enum spool_dir dir);

#endif

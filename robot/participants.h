/* participants.h - the store of participating States (the states table):
 * the States the custodian added, under their alpha-2 codes. The names
 * are reference data (states.h). */
#ifndef POCBOT_PARTICIPANTS_H
#define POCBOT_PARTICIPANTS_H

#include <glib.h>
#include <sqlite3.h>

/* Adds code (alpha-2) at time now: 1 when added, 0 when it was there
 * already, -1 on error. */
int participants_add(sqlite3 *db, const char *code, gint64 now);

/* 1 when code is a participating State, 0 when not, -1 on error. */
int participants_has(sqlite3 *db, const char *code);

/* The participating States' codes, sorted (g_ptr_array_unref it), or
 * NULL on error. */
GPtrArray *participants_list(sqlite3 *db);

#endif

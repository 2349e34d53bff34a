/* json-out.h - the commands' listings in JSON ("--format json"), written
 * with json-glib: the choice of format, the members every listing writes
 * the same way (strings made valid UTF-8, times as ISO 8601 UTC, null for
 * none), and printing the document. */
#ifndef POCBOT_JSON_OUT_H
#define POCBOT_JSON_OUT_H

#include <json-glib/json-glib.h>

/* The --format value of "pocbot what": 0 for text (NULL or "text"), 1 for
 * "json"; -1 after saying on stderr that it is text or json (exit 64). */
int json_out_format(const char *what, const char *format);

/* A member name: v, valid UTF-8; null for NULL or "". */
void json_out_string(JsonBuilder *b, const char *name, const char *v);

/* A member name: the number v. */
void json_out_int(JsonBuilder *b, const char *name, gint64 v);

/* A member name: the number v, or null when v is negative (not known, none). */
void json_out_int_or_null(JsonBuilder *b, const char *name, gint64 v);

/* A member name: the time t as "YYYY-MM-DDTHH:MM:SSZ"; null when t <= 0. */
void json_out_time(JsonBuilder *b, const char *name, gint64 t);

/* Prints b's document to stdout, indented, with a newline, and unrefs b.
 * 0, or -1 after saying why when stdout could not be written (exit 74). */
int json_out_print(JsonBuilder *b);

#endif

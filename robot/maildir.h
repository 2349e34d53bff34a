/* maildir.h - durable delivery of one message into a Maildir. */
#ifndef POCBOT_MAILDIR_H
#define POCBOT_MAILDIR_H

#include <stddef.h>

/* Delivers data into the Maildir dir (creating dir and dir/{tmp,new,cur}, but
 * not dir's parents): writes dir/tmp/name, fsyncs it, renames it to
 * dir/new/name (replacing one of the same name: deterministic names make a
 * re-send replace, not double) and fsyncs dir/new. Every step is checked.
 * name must be a plain file name (not empty, no '/', not starting with '.').
 * 0, or -1 with errno set (EINVAL for a bad name); on failure nothing is
 * left in dir/tmp. */
int maildir_deliver(const char *dir, const char *name, const char *data, size_t len);

/* maildir_deliver of a message with CRLF line ends, written with LF ends
 * as files in a Maildir have them (through a bounded buffer). */
int maildir_deliver_unix(const char *dir, const char *name, const char *data, size_t len);

/* Whether dir can take a message now: its folders made, a file written
 * and synced in dir/tmp and removed, dir/new writable. 0, or -1 with
 * errno set. */
int maildir_probe(const char *dir);

#endif

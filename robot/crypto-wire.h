/* crypto-wire.h - the crypto engine's protocol (crypto-wire.c): frames of
 * fields over a stream socket. A frame is a 4-byte big-endian length and
 * that many bytes; inside, each field is a 4-byte big-endian length and
 * its bytes. A request is [operation, GnuPG home, arguments...]; a reply
 * is [status ("ok", "failed"), note, error, results...], the note naming
 * what the engine restarted for this call and the error why it failed
 * ("" when nothing). Numbers are decimal
 * text. Only robot/crypto-engine.c and robot/crypto-client.c include it. */
#ifndef POCBOT_CRYPTO_WIRE_H
#define POCBOT_CRYPTO_WIRE_H

#include <glib.h>

#define WIRE_MAX_FRAME (1u << 30)	/* larger than any message the robot takes */

/* A frame being built or read: a GPtrArray of GBytes. */
GPtrArray *wire_new(void);
void wire_add(GPtrArray *f, const void *data, size_t len);
void wire_add_str(GPtrArray *f, const char *s);	/* NULL adds an empty field */
void wire_add_int(GPtrArray *f, gint64 v);

/* Field i as a NUL-terminated string (g_free it), or as a number (0 when
 * missing or not a number); the bytes of field i, borrowed, or NULL. */
char *wire_str(GPtrArray *f, guint i);
gint64 wire_int(GPtrArray *f, guint i);
const char *wire_bytes(GPtrArray *f, guint i, size_t *len);

/* Writes f to fd. 0, or -1 with errno. */
int wire_send(int fd, GPtrArray *f);

/* Reads one frame from fd, waiting at most timeout_ms for all of it (-1:
 * for ever). The frame (g_ptr_array_unref it), or NULL: *why is 0 at the
 * end of the stream, ETIMEDOUT, EPROTO for a broken frame, or errno. */
GPtrArray *wire_recv(int fd, int timeout_ms, int *why);

#endif

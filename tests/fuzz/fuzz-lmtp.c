/* fuzz-lmtp.c - libFuzzer target: an LMTP session fed arbitrary bytes, cut
 * into reads at places the input chooses, storing through the real spool
 * sink (spool_begin, write, commit, abort) in a private folder under
 * TMPDIR (tests/fuzz/run puts it on /dev/shm, where fsync costs nothing).
 * Commits are deferred as the server defers them: each taken after a read,
 * its outcome given back, and the input kept meanwhile read then.
 * After each input it
 * checks what must always hold: every transaction ends in one commit or
 * abort, no write comes outside one, no message over max_bytes is stored,
 * each stored entry reads back, and nothing is left in spool/tmp. A broken
 * rule aborts (a crash for libFuzzer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "limits.h"
#include "lmtp.h"
#include "spool.h"

#define MAX_BYTES 4096

struct sink {
	char *spool;
	struct spool_txn *t;	/* the open transaction, or NULL */
	gint64 written;
	int fail;		/* from the input: 1 begin fails, 2 a write fails */
};

static struct sink sk;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz-lmtp: broken: %s\n", what);
		abort();
	}
}

static void *sink_begin(void *data, const struct envelope *env)
{
	struct sink *s = data;

	check(s->t == NULL, "begin inside a transaction");
	if (s->fail == 1)
		return NULL;
	s->t = spool_begin(s->spool, env);
	check(s->t != NULL, "spool_begin failed");
	s->written = 0;
	return s;
}

static int sink_write(void *txn, const char *buf, size_t len)
{
	struct sink *s = txn;

	check(s->t != NULL, "write outside a transaction");
	check(len > 0 && len <= LMTP_DATA_BUFFER, "a write of more than the buffer");
	s->written += (gint64)len;
	check(s->written <= MAX_BYTES, "more than max_bytes written");
	if (s->fail == 2)
		return -1;
	return spool_write(s->t, buf, len);
}

static int sink_commit(void *txn)
{
	struct sink *s = txn;
	struct envelope env;
	char *id = NULL, *data = NULL;
	size_t len = 0;
	int rc;

	check(s->t != NULL, "commit outside a transaction");
	rc = spool_commit(s->t, &id);
	s->t = NULL;
	check(rc == 0, "spool_commit failed");
	check(spool_load(s->spool, SPOOL_NEW, id, &env, &data, &len) == 0,
	      "a stored entry does not read back");
	check((gint64)len == s->written, "the entry is not what was written");
	check(env.recipients->len >= 1 && envelope_address_ok(env.sender, 1), "a bad envelope stored");
	envelope_clear(&env);
	g_free(data);
	spool_move(s->spool, id, SPOOL_NEW, SPOOL_CUR);
	g_free(id);
	return 0;
}

static void sink_abort(void *txn)
{
	struct sink *s = txn;

	check(s->t != NULL, "abort outside a transaction");
	spool_abort(s->t);
	s->t = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = g_get_tmp_dir();	/* tests/fuzz/run points it at /dev/shm */
	char *tmpl = g_build_filename(base, "pocbot-fuzz-lmtp-XXXXXX", NULL);

	(void)argc;
	(void)argv;
	check(g_mkdtemp(tmpl) != NULL, "no temporary folder");
	sk.spool = g_build_filename(tmpl, "spool", NULL);
	check(spool_init(sk.spool) == 0, "spool_init failed");
	g_free(tmpl);
	return 0;
}

/* Empties folder name of the spool; how many files were there. */
static int empty(const char *name)
{
	char *dir = g_build_filename(sk.spool, name, NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *f;
	int n = 0;

	while (d && (f = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, f, NULL);

		g_unlink(path);
		g_free(path);
		n++;
	}
	if (d)
		g_dir_close(d);
	g_free(dir);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lmtp_params p = { "robot.test", MAX_BYTES,
				 { sink_begin, sink_write, sink_commit, sink_abort, &sk }, TRUE };
	struct lmtp_session *s;
	GString *out = g_string_new(NULL);
	size_t cut = 1;

	/* the first byte: how the sink fails, and the size of each read */
	if (size > 0) {
		sk.fail = data[0] >> 6;
		cut = (data[0] & 0x3f) + 1;
		data++;
		size--;
	}
	s = lmtp_session_new(&p);
	lmtp_session_greeting(s, out);
	for (size_t i = 0; i < size; i += cut) {
		g_string_truncate(out, 0);
		gboolean open = lmtp_session_input(s, (const char *)data + i, MIN(cut, size - i), out);
		void *txn;

		/* as the server does: each message's commit, then the input kept */
		while (open && (txn = lmtp_session_take_commit(s)))
			open = lmtp_session_committed(s, sink_commit(txn), out);
		if (!open)
			break;
		check(out->len == 0 || g_str_has_suffix(out->str, "\r\n"), "a reply without CRLF");
	}
	lmtp_session_free(s);
	check(sk.t == NULL, "a transaction left open");
	check(empty("tmp") == 0, "a file left in spool/tmp");
	empty("cur");
	empty("new");
	g_string_free(out, TRUE);
	return 0;
}

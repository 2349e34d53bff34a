/* cmd-deliver.c - intake for MTAs that pipe one message into a command.
 * Input: the message on standard input and the envelope as arguments,
 * from the MTA. Exit codes follow sysexits: 0 stored; 75 (EX_TEMPFAIL)
 * whenever it could not be stored, so the MTA retries; 65 for a message
 * retrying cannot fix (too big, a line over MAX_DATA_LINE, bad address, an
 * address whose local part is not ASCII: no SMTPUTF8, as LMTP's 553 5.6.7);
 * never 1. The message is streamed into spool/tmp, never held whole. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "commands.h"
#include "envelope.h"
#include "limits.h"
#include "log.h"
#include "spool.h"

/* Checks the chunk just read: a line (up to a CR or LF, as LMTP counts it)
 * over MAX_DATA_LINE is refused, like LMTP's 500 5.6.0. 0 or 1. */
static int lines_too_long(const char *buf, size_t n, size_t *line_len)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n' || buf[i] == '\r')
			*line_len = 0;
		else if (++*line_len > MAX_DATA_LINE)
			return 1;
	}
	return 0;
}

/* Copies all of fd 0 into t, up to max bytes, a chunk at a time. 0; 1 when
 * over max; 2 when a line is too long; -1 on a read or write error. */
static int copy_stdin(gint64 max, struct spool_txn *t, gint64 *total)
{
	char chunk[65536];
	size_t line_len = 0;

	for (;;) {
		ssize_t n = read(0, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (*total + n > max)
			return 1;
		if (lines_too_long(chunk, (size_t)n, &line_len))
			return 2;
		*total += n;
		if (spool_write(t, chunk, (size_t)n) < 0)
			return -1;
	}
}

int cmd_deliver(struct command_ctx *ctx, int argc, char **argv)
{
	struct config *cfg;
	char *sender = NULL, **rcpts = NULL, *spool = NULL, *id = NULL;
	GOptionEntry entries[] = {
		{ "sender", 's', 0, G_OPTION_ARG_STRING, &sender,
		  "envelope sender ('' or MAILER-DAEMON for <>)", "ADDR" },
		{ "recipient", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &rcpts,
		  "envelope recipient (repeatable)", "ADDR" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct envelope env;
	struct spool_txn *t = NULL;
	gint64 size = 0;
	int rc, got;

	envelope_init(&env);
	rc = command_options(ctx, "Stores one message read on standard input.", entries, &argc,
			     &argv);
	if (rc)
		goto out;
	cfg = ctx->cfg;
	rc = EX_USAGE;
	if (!sender || !rcpts || !rcpts[0] || argc > 1) {
		fprintf(stderr,
		        "pocbot deliver: --sender and at least one --recipient are needed\n");
		goto out;
	}
	if (g_ascii_strcasecmp(sender, "MAILER-DAEMON") == 0)
		sender[0] = '\0';
	rc = EX_DATAERR;
	if (!envelope_local_ascii(sender)) {
		fprintf(stderr, "pocbot deliver: 5.6.7 non-ASCII sender address not permitted"
				" (no SMTPUTF8)\n");
		goto out;
	}
	if (!envelope_address_ok(sender, 1)) {
		fprintf(stderr, "pocbot deliver: bad sender address\n");
		goto out;
	}
	env.sender = g_strdup(sender);
	for (char **r = rcpts; *r; r++) {
		if (!envelope_local_ascii(*r)) {
			fprintf(stderr, "pocbot deliver: 5.6.7 non-ASCII recipient address not"
					" permitted (no SMTPUTF8)\n");
			goto out;
		}
		if (!envelope_address_ok(*r, 0)) {
			fprintf(stderr, "pocbot deliver: bad recipient address\n");
			goto out;
		}
		envelope_add_recipient(&env, *r);
	}
	rc = EX_TEMPFAIL;
	spool = config_var_path(cfg, "spool");
	if (spool_init(spool) < 0 || !(t = spool_begin(spool, &env))) {
		fprintf(stderr, "pocbot deliver: 4.3.0 cannot store the message: %s\n",
		        g_strerror(errno));
		goto out;
	}
	got = copy_stdin(cfg->message_bytes, t, &size);
	rc = EX_DATAERR;
	if (got == 1) {
		fprintf(stderr,
		        "pocbot deliver: 5.3.4 message too big (over %" G_GINT64_FORMAT
		        " bytes)\n",
		        cfg->message_bytes);
		goto out;
	}
	if (got == 2) {
		fprintf(stderr, "pocbot deliver: 5.6.0 a line over %d bytes in the message\n",
		        MAX_DATA_LINE);
		goto out;
	}
	rc = EX_TEMPFAIL;
	if (got < 0 || spool_commit(g_steal_pointer(&t), &id) < 0) {
		fprintf(stderr, "pocbot deliver: 4.3.0 cannot store the message: %s\n",
		        g_strerror(errno));
		goto out;
	}
	log_msg(LOG_INFO, "%s: stored from=<%.200s> rcpts=%u size=%" G_GINT64_FORMAT " (pipe)", id,
		env.sender, env.recipients->len, size);
	rc = 0;
out:
	envelope_clear(&env);
	spool_abort(t);
	g_free(sender);
	g_strfreev(rcpts);
	g_free(spool);
	g_free(id);
	return rc;
}

/* cmd-deliver.c - intake for MTAs that pipe one message into a command.
 * Input: the message on standard input and the envelope as arguments,
 * from the MTA. Exit codes follow sysexits: 0 stored; 75 (EX_TEMPFAIL)
 * whenever it could not be stored, so the MTA retries; 65 for a message
 * retrying cannot fix (too big, bad address); never 1. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "commands.h"
#include "envelope.h"
#include "log.h"
#include "spool.h"

/* Reads all of fd 0, up to max bytes. 0, 1 when over max, -1 on error. */
static int read_stdin(gint64 max, GByteArray *buf)
{
	char chunk[65536];

	for (;;) {
		ssize_t n = read(0, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if ((gint64)buf->len + n > max)
			return 1;
		g_byte_array_append(buf, (const guint8 *)chunk, (guint)n);
	}
}

int cmd_deliver(struct command_ctx *ctx, int argc, char **argv)
{
	struct config *cfg;
	char *sender = NULL, **rcpts = NULL, *spool = NULL, *id = NULL;
	GOptionEntry entries[] = {
		{ "sender", 's', 0, G_OPTION_ARG_STRING, &sender, "envelope sender ('' or MAILER-DAEMON for <>)", "ADDR" },
		{ "recipient", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &rcpts, "envelope recipient (repeatable)", "ADDR" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct envelope env;
	GByteArray *buf = g_byte_array_new();
	int rc, got;

	envelope_init(&env);
	rc = command_options(ctx, "Stores one message read on standard input.", entries, &argc,
			     &argv);
	if (rc)
		goto out;
	cfg = ctx->cfg;
	rc = EX_USAGE;
	if (!sender || !rcpts || !rcpts[0] || argc > 1) {
		fprintf(stderr, "pocbot deliver: --sender and at least one --recipient are needed\n");
		goto out;
	}
	if (g_ascii_strcasecmp(sender, "MAILER-DAEMON") == 0)
		sender[0] = '\0';
	rc = EX_DATAERR;
	if (!envelope_address_ok(sender, 1)) {
		fprintf(stderr, "pocbot deliver: bad sender address\n");
		goto out;
	}
	env.sender = g_strdup(sender);
	for (char **r = rcpts; *r; r++) {
		if (!envelope_address_ok(*r, 0)) {
			fprintf(stderr, "pocbot deliver: bad recipient address\n");
			goto out;
		}
		envelope_add_recipient(&env, *r);
	}
	got = read_stdin(cfg->message_bytes, buf);
	if (got == 1) {
		fprintf(stderr, "pocbot deliver: 5.3.4 message too big (over %" G_GINT64_FORMAT " bytes)\n",
			cfg->message_bytes);
		goto out;
	}
	rc = EX_TEMPFAIL;
	spool = config_var_path(cfg, "spool");
	if (got < 0 || spool_init(spool) < 0 ||
	    spool_store(spool, &env, (const char *)buf->data, buf->len, &id) < 0) {
		fprintf(stderr, "pocbot deliver: 4.3.0 cannot store the message: %s\n", g_strerror(errno));
		goto out;
	}
	log_msg(LOG_INFO, "%s: stored from=<%.200s> rcpts=%u size=%u (pipe)", id, env.sender,
		env.recipients->len, buf->len);
	rc = 0;
out:
	envelope_clear(&env);
	g_byte_array_unref(buf);
	g_free(sender);
	g_strfreev(rcpts);
	g_free(spool);
	g_free(id);
	return rc;
}

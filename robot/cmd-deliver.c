/* cmd-deliver.c - intake for MTAs that pipe one message into a command.
 * Input: the message on standard input and the envelope as arguments,
 * from the MTA; without --sender or --recipient, the envelope the MTA's
 * delivery agent exports or writes in the head (deliver-envelope.c), the
 * head read first (up to HEAD_MAX) and an mbox "From " line before it
 * dropped. Exit codes follow sysexits: 0 stored; 75 (EX_TEMPFAIL)
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
#include "deliver-envelope.h"
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

/* How much of the message is read before the envelope is looked for in
 * its head; a head longer than this has no Return-Path or Delivered-To. */
#define HEAD_MAX 65536

/* The message as it is taken: bytes so far, the current line's length. */
struct intake {
	gint64 max, total;
	size_t line_len;
};

/* Takes n bytes of the message into t. 0; 1 when over in->max; 2 when a
 * line is too long; -1 on a write error. */
static int take(struct intake *in, struct spool_txn *t, const char *buf, size_t n)
{
	if (in->total + (gint64)n > in->max)
		return 1;
	if (lines_too_long(buf, n, &in->line_len))
		return 2;
	in->total += (gint64)n;
	return spool_write(t, buf, n) < 0 ? -1 : 0;
}

/* Reads fd 0 into buf (HEAD_MAX bytes) until the head's blank line is in
 * it, or it is full, or the input ends. The bytes read; -1 on an error. */
static ssize_t read_head(char *buf)
{
	size_t n = 0;

	while (n < HEAD_MAX) {
		ssize_t r = read(0, buf + n, HEAD_MAX - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
		if (g_strstr_len(buf, (gssize)n, "\n\n") || g_strstr_len(buf, (gssize)n, "\n\r\n"))
			break;
	}
	return (ssize_t)n;
}

/* Copies the rest of fd 0 into t, a chunk at a time: take()'s results;
 * -1 on a read error too. */
static int copy_stdin(struct intake *in, struct spool_txn *t)
{
	char chunk[65536];

	for (;;) {
		ssize_t n = read(0, chunk, sizeof chunk);
		int rc;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		rc = take(in, t, chunk, (size_t)n);
		if (rc)
			return rc;
	}
}

/* Fills what the arguments left out of the envelope: *sender and a single
 * *rcpts from the environment, else from the message's head. */
static void envelope_find(const char *head, size_t n, char **sender, char ***rcpts)
{
	char *r;

	if (!*sender)
		*sender = deliver_env_sender();
	if (!*sender)
		*sender = deliver_header_address(head, n, "Return-Path");
	if (*rcpts)
		return;
	r = deliver_env_recipient();
	if (!r)
		r = deliver_header_address(head, n, "Delivered-To");
	if (!r)
		return;
	*rcpts = g_new0(char *, 2);
	(*rcpts)[0] = r;
}

int cmd_deliver(struct command_ctx *ctx, int argc, char **argv)
{
	struct config *cfg;
	char *sender = NULL, **rcpts = NULL, *spool = NULL, *id = NULL;
	GOptionEntry entries[] = {
		{ "sender", 's', 0, G_OPTION_ARG_STRING, &sender,
		  "envelope sender ('' or MAILER-DAEMON for <>; default $SENDER, else"
		  " Return-Path)", "ADDR" },
		{ "recipient", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &rcpts,
		  "envelope recipient (repeatable; default $ORIGINAL_RECIPIENT, else"
		  " $LOCAL_PART$LOCAL_PART_SUFFIX@$DOMAIN, else Delivered-To)", "ADDR" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct envelope env;
	struct spool_txn *t = NULL;
	struct intake in = { 0, 0, 0 };
	char *head = NULL;
	ssize_t head_n = 0;
	size_t skip = 0;
	int rc, got;

	envelope_init(&env);
	rc = command_options(ctx, "Stores one message read on standard input.", entries, &argc,
			     &argv);
	if (rc)
		goto out;
	cfg = ctx->cfg;
	rc = EX_USAGE;
	if (argc > 1) {
		fprintf(stderr, "pocbot deliver: unexpected argument '%s'\n", argv[1]);
		goto out;
	}
	if (!sender || !rcpts) {
		rc = EX_TEMPFAIL;
		head = g_malloc(HEAD_MAX);
		head_n = read_head(head);
		if (head_n < 0) {
			fprintf(stderr, "pocbot deliver: 4.3.0 cannot read the message: %s\n",
				g_strerror(errno));
			goto out;
		}
		skip = deliver_from_line(head, (size_t)head_n);
		envelope_find(head + skip, (size_t)head_n - skip, &sender, &rcpts);
		rc = EX_USAGE;
	}
	if (!sender || !rcpts || !rcpts[0]) {
		fprintf(stderr, "pocbot deliver: --sender and at least one --recipient are needed"
			" (not in the environment, nor Return-Path and Delivered-To)\n");
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
		fprintf(stderr, "pocbot deliver: 4.3.0 cannot store the message in %s: %s\n",
			spool, g_strerror(errno));
		goto out;
	}
	in.max = cfg->message_bytes;
	got = head_n > 0 ? take(&in, t, head + skip, (size_t)head_n - skip) : 0;
	if (!got)
		got = copy_stdin(&in, t);
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
		fprintf(stderr, "pocbot deliver: 4.3.0 cannot store the message in %s: %s\n",
			spool, g_strerror(errno));
		goto out;
	}
	log_msg(LOG_INFO, "%s: stored from=<%.200s> rcpts=%u size=%" G_GINT64_FORMAT " (pipe)", id,
		env.sender, env.recipients->len, in.total);
	rc = 0;
out:
	envelope_clear(&env);
	spool_abort(t);
	g_free(sender);
	g_strfreev(rcpts);
	g_free(spool);
	g_free(id);
	g_free(head);
	return rc;
}

/* cmd-outbox.c - the outgoing queue for the custodian (postqueue -p,
 * postcat -h, postsuper -r/-d): "outbox list [--failed|--deferred]
 * [--format json]" (id, recipient, subject, age, attempts, last SMTP
 * answer), "outbox show ID" (metadata and the header block as sent,
 * never a body), "outbox retry ID|--all" (due now; a failed row queued
 * again: the daemon's sender takes it within a second), "outbox drop ID"
 * (cancelled, an audit event). */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <json-glib/json-glib.h>
#include "commands.h"
#include "audit.h"
#include "clock.h"
#include "db.h"
#include "outbox.h"

struct outbox_opts {
	gboolean failed, deferred, all;
	char *format;
};

/* What the custodian calls a row's state: a queued row tried already is
 * deferred. */
static const char *shown_state(const struct outbox_entry *e)
{
	return strcmp(e->state, "queued") == 0 && e->attempts > 0 ? "deferred" : e->state;
}

/* seconds as "3d4h", "2h5m", "7m", "12s". */
static void age_text(gint64 s, char out[32])
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		g_snprintf(out, 32, "%dd%dh", (int)(s / 86400), (int)(s % 86400 / 3600));
	else if (s >= 3600)
		g_snprintf(out, 32, "%dh%dm", (int)(s / 3600), (int)(s % 3600 / 60));
	else if (s >= 60)
		g_snprintf(out, 32, "%dm", (int)(s / 60));
	else
		g_snprintf(out, 32, "%ds", (int)s);
}

static void list_text(const GPtrArray *rows, gint64 now)
{
	for (guint i = 0; i < rows->len; i++) {
		const struct outbox_entry *e = rows->pdata[i];
		char age[32];

		age_text(now - e->created, age);
		printf("%" G_GINT64_FORMAT "\t%s\t%s\t%" G_GINT64_FORMAT "\t", e->id,
		       shown_state(e), age, e->attempts);
		command_print_text(e->rcpt);
		printf("\t");
		command_print_text(e->subject);
		printf("\t");
		command_print_text(e->last_error);
		printf("\n");
	}
}

static void json_text(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void json_int(JsonBuilder *b, const char *key, gint64 value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, value);
}

static void list_json(const GPtrArray *rows, gint64 now)
{
	JsonBuilder *b = json_builder_new();
	JsonGenerator *gen = json_generator_new();
	JsonNode *root;
	char created[CLOCK_TEXT_LEN], *text;

	json_builder_begin_array(b);
	for (guint i = 0; i < rows->len; i++) {
		const struct outbox_entry *e = rows->pdata[i];

		json_builder_begin_object(b);
		json_int(b, "id", e->id);
		json_text(b, "state", shown_state(e));
		json_text(b, "purpose", e->purpose);
		json_text(b, "recipient", e->rcpt);
		json_text(b, "subject", e->subject);
		json_text(b, "created", clock_text(e->created, CLOCK_ISO, NULL, created));
		json_int(b, "age", MAX(now - e->created, 0));
		json_int(b, "attempts", e->attempts);
		json_text(b, "last_answer", e->last_error);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
	g_free(text);
	json_node_unref(root);
	g_object_unref(gen);
	g_object_unref(b);
}

static int list(struct command_ctx *ctx, const struct outbox_opts *o)
{
	gint64 now = clock_now(ctx->cfg);
	enum outbox_filter f = o->failed ? OUTBOX_LIST_FAILED : o->deferred ? OUTBOX_LIST_DEFERRED
								       : OUTBOX_LIST_UNSENT;
	GPtrArray *rows;

	if (o->failed && o->deferred) {
		fprintf(stderr, "pocbot outbox list: --failed or --deferred, not both\n");
		return EX_USAGE;
	}
	if (o->format && strcmp(o->format, "json") != 0 && strcmp(o->format, "text") != 0) {
		fprintf(stderr, "pocbot outbox list: --format is text or json\n");
		return EX_USAGE;
	}
	if (!(rows = outbox_list(ctx->db, ctx->cfg, f, now))) {
		fprintf(stderr, "pocbot outbox list: %s\n", sqlite3_errmsg(ctx->db));
		return EX_SOFTWARE;
	}
	if (o->format && strcmp(o->format, "json") == 0)
		list_json(rows, now);
	else
		list_text(rows, now);
	g_ptr_array_unref(rows);
	return 0;
}

/* ID as a row id: > 0, or 0 after saying why. */
static gint64 row_id(const char *action, const char *arg)
{
	char *end = NULL;
	gint64 id = g_ascii_strtoll(arg, &end, 10);

	if (!*arg || *end || id <= 0) {
		fprintf(stderr, "pocbot outbox %s: %s is not a message id (see outbox list)\n",
			action, arg);
		return 0;
	}
	return id;
}

/* One field of show: its name, then the value on one line. */
static void field(const char *name, const char *value)
{
	printf("%-12s ", name);
	command_print_text(value);
	printf("\n");
}

static void field_time(const char *name, gint64 t)
{
	char text[CLOCK_TEXT_LEN];

	field(name, t ? clock_text(t, CLOCK_MINUTE, NULL, text) : NULL);
}

static int show(struct command_ctx *ctx, const char *arg)
{
	gint64 id = row_id("show", arg);
	struct outbox_entry *e = NULL;
	char *count, age[32], **lines;
	int rc;

	if (!id)
		return EX_USAGE;
	if ((rc = outbox_get(ctx->db, ctx->cfg, id, &e)) <= 0) {
		fprintf(stderr, "pocbot outbox show: %s\n",
			rc < 0 ? sqlite3_errmsg(ctx->db) : "no such message");
		return rc < 0 ? EX_SOFTWARE : EX_NOINPUT;
	}
	count = g_strdup_printf("%" G_GINT64_FORMAT, e->attempts);
	age_text(clock_now(ctx->cfg) - e->created, age);
	field("id:", arg);
	field("state:", shown_state(e));
	field("purpose:", e->purpose);
	field("recipient:", e->rcpt);
	field("token:", e->token);
	field_time("created:", e->created);
	field("age:", age);
	field("attempts:", count);
	field_time("next try:", strcmp(e->state, "queued") == 0 ? e->next_try : 0);
	field_time("done:", e->done);
	field("last answer:", e->last_error);
	printf("\n");
	if (!e->headers)
		printf("(no header fields: its file went when it was sent or dropped)\n");
	lines = e->headers ? g_strsplit(e->headers, "\n", -1) : NULL;
	for (char **p = lines; p && *p; p++) {
		g_strchomp(*p);
		if (!**p)
			continue;
		command_print_text(*p);
		printf("\n");
	}
	g_strfreev(lines);
	g_free(count);
	outbox_entry_free(e);
	return 0;
}

static int retry(struct command_ctx *ctx, int argc, char **argv, const struct outbox_opts *o)
{
	gint64 id = 0;
	int n;

	if ((argc > 2) == o->all) {
		fprintf(stderr, "pocbot outbox retry: give an ID or --all\n");
		return EX_USAGE;
	}
	if (!o->all && !(id = row_id("retry", argv[2])))
		return EX_USAGE;
	if ((n = outbox_retry(ctx->db, id, clock_now(ctx->cfg))) < 0) {
		fprintf(stderr, "pocbot outbox retry: %s\n", sqlite3_errmsg(ctx->db));
		return EX_SOFTWARE;
	}
	if (n == 0 && !o->all) {
		fprintf(stderr, "pocbot outbox retry: no unsent message %s\n", argv[2]);
		return EX_NOINPUT;
	}
	printf("%d message(s) due now: the daemon sends them\n", n);
	return 0;
}

static int drop(struct command_ctx *ctx, const char *arg)
{
	gint64 id = row_id("drop", arg), now = clock_now(ctx->cfg);
	struct outbox_entry *e = NULL;
	char *detail = NULL;
	int rc = -1;

	if (!id)
		return EX_USAGE;
	if (db_begin(ctx->db) < 0)
		goto fail;
	if ((rc = outbox_get(ctx->db, ctx->cfg, id, &e)) == 1)
		rc = outbox_drop(ctx->db, id, now);
	if (rc == 1) {
		detail = g_strdup_printf("outbox %" G_GINT64_FORMAT " (%s, %s) cancelled", id,
					 e->purpose, e->state);
		rc = audit_append(ctx->db, now, "custodian", NULL, "outbox-drop", detail) < 0
			     ? -1 : 1;
	}
	if (rc < 0 || db_commit(ctx->db) < 0) {
		db_rollback(ctx->db);
		goto fail;
	}
	outbox_entry_free(e);
	g_free(detail);
	if (rc == 0) {
		fprintf(stderr, "pocbot outbox drop: no unsent message %s\n", arg);
		return EX_NOINPUT;
	}
	printf("%s cancelled\n", arg);
	return 0;
fail:
	fprintf(stderr, "pocbot outbox drop: %s\n", sqlite3_errmsg(ctx->db));
	outbox_entry_free(e);
	g_free(detail);
	return EX_SOFTWARE;
}

int cmd_outbox(struct command_ctx *ctx, int argc, char **argv)
{
	struct outbox_opts o = { FALSE, FALSE, FALSE, NULL };
	GOptionEntry entries[] = {
		{ "failed", 0, 0, G_OPTION_ARG_NONE, &o.failed, "list: only those given up",
		  NULL },
		{ "deferred", 0, 0, G_OPTION_ARG_NONE, &o.deferred,
		  "list: only those queued after a failed try", NULL },
		{ "format", 0, 0, G_OPTION_ARG_STRING, &o.format, "list: text or json", "FORMAT" },
		{ "all", 0, 0, G_OPTION_ARG_NONE, &o.all, "retry: every unsent message", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int rc = command_options(ctx, "The outgoing queue: what the robot has not sent yet, "
				      "or gave up sending.", entries, &argc, &argv);

	if (rc == 0 && strcmp(argv[1], "list") == 0)
		rc = list(ctx, &o);
	else if (rc == 0 && strcmp(argv[1], "show") == 0)
		rc = show(ctx, argv[2]);
	else if (rc == 0 && strcmp(argv[1], "retry") == 0)
		rc = retry(ctx, argc, argv, &o);
	else if (rc == 0)
		rc = drop(ctx, argv[2]);
	g_free(o.format);
	return rc;
}

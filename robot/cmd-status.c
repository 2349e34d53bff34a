/* cmd-status.c - "status [--format text|json] [--check]": the robot at a
 * glance (status.c gathers it): the daemon, the last mail in and out, the
 * spool, the outbox, the ping rounds and reminders, keys expiring, the
 * database and the last daily audit verify. --check prints one line and
 * exits with the Nagios plugin codes: 0 OK, 1 WARNING, 2 CRITICAL, 3
 * UNKNOWN (also when the robot cannot be read at all). Without --check:
 * 0; 64 usage; the database's codes (command-util.c). */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <json-glib/json-glib.h>
#include "commands.h"
#include "clock.h"
#include "json-out.h"
#include "status.h"

static const char *const levels[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* "2026-12-07T10:00:00Z (5m ago)", or none. */
static void when(const char *label, gint64 now, gint64 t, const char *none)
{
	char buf[CLOCK_TEXT_LEN];
	char *age = t ? status_age(now, t) : NULL;

	if (t)
		printf("%-22s %s (%s%s)\n", label, clock_text(t, CLOCK_ISO, "?", buf), age,
		       t <= now ? " ago" : "");
	else
		printf("%-22s %s\n", label, none);
	g_free(age);
}

static void count(const char *label, gint64 n, gint64 oldest)
{
	char buf[CLOCK_TEXT_LEN];

	printf("%-22s %" G_GINT64_FORMAT, label, n);
	if (n && oldest)
		printf(", oldest %s", clock_text(oldest, CLOCK_ISO, "?", buf));
	printf("\n");
}

static void print_text(const struct status *s)
{
	char buf[CLOCK_TEXT_LEN];

	if (s->daemon == 1)
		printf("%-22s running, pid %ld, since %s\n", "daemon:", (long)s->pid,
		       s->since ? clock_text(s->since, CLOCK_ISO, "?", buf) : "?");
	else
		printf("%-22s %s\n", "daemon:", s->daemon == 0 ? "not running" : "unknown");
	if (s->fault)
		printf("%-22s since %s: %s\n", "robot fault:",
		       clock_text(s->fault_since, CLOCK_ISO, "?", buf), s->fault);
	when("last received:", s->now, s->last_received, "never");
	when("last sent:", s->now, s->out.last_sent, "never");
	count("spool new:", s->spool_new, s->oldest_new);
	count("quarantine:", s->quarantine, s->oldest_quarantine);
	count("outbox queued:", s->out.queued, s->out.oldest_queued);
	count("outbox deferred:", s->out.deferred, s->out.oldest_deferred);
	count("outbox failed:", s->out.failed, s->out.oldest_failed);
	when("last ping round:", s->now, s->last_round, "none");
	when("next ping round:", s->now, s->next_round, "not scheduled");
	when("next update reminder:", s->now, s->next_update, "not scheduled");
	if (!s->keys)
		printf("%-22s unknown\n", "keys expiring:");
	else if (!s->keys->len)
		printf("%-22s none within %" G_GINT64_FORMAT "d\n", "keys expiring:",
		       s->key_window / 86400);
	for (guint i = 0; s->keys && i < s->keys->len; i++) {
		const struct status_key *k = s->keys->pdata[i];

		printf("%-22s %s %s %s %s\n", "key expiring:", k->who, k->fpr,
		       k->expires <= s->now ? "expired" : "expires",
		       clock_text(k->expires, CLOCK_ISO, "?", buf));
	}
	for (guint i = 0; s->robot_keys && i < s->robot_keys->len; i++)
		printf("%-22s %s\n", "robot keys:", (char *)s->robot_keys->pdata[i]);
	if (s->poc_keys < 0)
		printf("%-22s unknown\n", "POC keys:");
	else
		printf("%-22s %" G_GINT64_FORMAT " on record, %" G_GINT64_FORMAT
		       " expired or expiring within 30d\n", "POC keys:", s->poc_keys,
		       s->poc_keys_expiring);
	printf("%-22s %" G_GINT64_FORMAT " bytes, schema %d\n", "database:", s->db_bytes,
	       s->schema);
	if (s->backup == 1)
		printf("%-22s %s %s\n", "last backup:",
		       clock_text(s->backup_at, CLOCK_ISO, "?", buf), s->backup_file);
	else
		printf("%-22s %s\n", "last backup:", s->backup == 0 ? "none yet" : "unreadable");
	if (!s->backup_key)
		printf("%-22s %s\n", "backup key:",
		       "none: no [backup] encrypt_to is set, so pocbot backup refuses");
	if (s->audit == 1)
		printf("%-22s %s %s, %s\n", "audit verify:", s->audit_intact ? "intact" : "BROKEN",
		       s->audit_text, clock_text(s->audit_at, CLOCK_ISO, "?", buf));
	else
		printf("%-22s %s\n", "audit verify:", s->audit == 0 ? "none yet" : "unreadable");
	if (s->error)
		printf("%-22s %s\n", "could not read:", s->error);
}

static void member_int(JsonBuilder *b, const char *name, gint64 v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

/* A time as ISO text, or null. */
static void member_time(JsonBuilder *b, const char *name, gint64 t)
{
	char buf[CLOCK_TEXT_LEN];

	json_builder_set_member_name(b, name);
	if (t)
		json_builder_add_string_value(b, clock_text(t, CLOCK_ISO, "?", buf));
	else
		json_builder_add_null_value(b);
}

static void member_text(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	if (v)
		json_builder_add_string_value(b, v);
	else
		json_builder_add_null_value(b);
}

/* {"count": n, "oldest": time} */
static void member_count(JsonBuilder *b, const char *name, gint64 n, gint64 oldest)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	member_int(b, "count", n);
	member_time(b, "oldest", n ? oldest : 0);
	json_builder_end_object(b);
}

static void json_keys(JsonBuilder *b, const struct status *s)
{
	json_builder_set_member_name(b, "keys_expiring");
	if (!s->keys) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_array(b);
	for (guint i = 0; i < s->keys->len; i++) {
		const struct status_key *k = s->keys->pdata[i];

		json_builder_begin_object(b);
		member_text(b, "who", k->who);
		member_text(b, "fingerprint", k->fpr);
		member_time(b, "expires", k->expires);
		json_builder_set_member_name(b, "expired");
		json_builder_add_boolean_value(b, k->expires <= s->now);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void json_body(JsonBuilder *b, const struct status *s, int level, const char *why)
{
	member_time(b, "now", s->now);
	json_builder_set_member_name(b, "daemon");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "running");
	json_builder_add_boolean_value(b, s->daemon == 1);
	if (s->daemon == 1)
		member_int(b, "pid", s->pid);
	member_time(b, "since", s->daemon == 1 ? s->since : 0);
	json_builder_set_member_name(b, "fault");
	if (s->fault) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "cause");
		json_builder_add_string_value(b, s->fault);
		member_time(b, "since", s->fault_since);
		json_builder_end_object(b);
	} else {
		json_builder_add_null_value(b);
	}
	json_builder_end_object(b);
	member_time(b, "last_received", s->last_received);
	member_time(b, "last_sent", s->out.last_sent);
	member_count(b, "spool_new", s->spool_new, s->oldest_new);
	member_count(b, "quarantine", s->quarantine, s->oldest_quarantine);
	member_count(b, "outbox_queued", s->out.queued, s->out.oldest_queued);
	member_count(b, "outbox_deferred", s->out.deferred, s->out.oldest_deferred);
	member_count(b, "outbox_failed", s->out.failed, s->out.oldest_failed);
	member_time(b, "last_ping_round", s->last_round);
	member_time(b, "next_ping_round", s->next_round);
	member_time(b, "next_update_reminder", s->next_update);
	json_keys(b, s);
	json_builder_set_member_name(b, "robot_key_warnings");
	if (s->robot_keys) {
		json_builder_begin_array(b);
		for (guint i = 0; i < s->robot_keys->len; i++)
			json_builder_add_string_value(b, s->robot_keys->pdata[i]);
		json_builder_end_array(b);
	} else {
		json_builder_add_null_value(b);
	}
	json_builder_set_member_name(b, "poc_keys");
	json_builder_begin_object(b);
	json_out_int_or_null(b, "count", s->poc_keys);
	json_out_int_or_null(b, "expiring", s->poc_keys_expiring);
	json_builder_end_object(b);
	member_int(b, "database_bytes", s->db_bytes);
	member_int(b, "schema", s->schema);
	json_builder_set_member_name(b, "audit_verify");
	json_builder_begin_object(b);
	member_time(b, "at", s->audit == 1 ? s->audit_at : 0);
	json_builder_set_member_name(b, "intact");
	if (s->audit == 1)
		json_builder_add_boolean_value(b, s->audit_intact);
	else
		json_builder_add_null_value(b);
	member_text(b, "result", s->audit_text);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "last_backup");
	json_builder_begin_object(b);
	member_time(b, "at", s->backup == 1 ? s->backup_at : 0);
	member_text(b, "file", s->backup_file);
	json_builder_set_member_name(b, "encrypt_to_set");
	json_builder_add_boolean_value(b, s->backup_key);
	json_builder_end_object(b);
	member_text(b, "check", levels[level]);
	member_text(b, "check_text", why);
	member_text(b, "error", s->error);
}

static void print_json(const struct status *s, int level, const char *why)
{
	JsonBuilder *b = json_builder_new();
	JsonGenerator *g = json_generator_new();
	JsonNode *root;
	char *text;

	json_builder_begin_object(b);
	json_body(b, s, level, why);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	json_generator_set_pretty(g, TRUE);
	text = json_generator_to_data(g, NULL);
	printf("%s\n", text);
	g_free(text);
	json_node_unref(root);
	g_object_unref(g);
	g_object_unref(b);
}

/* Does argv ask for --check? Then even a failure to open is a plugin's answer. */
static gboolean asks_check(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--check") == 0)
			return TRUE;
	return FALSE;
}

int cmd_status(struct command_ctx *ctx, int argc, char **argv)
{
	gboolean check = FALSE, wants_check = asks_check(argc, argv);
	char *format = NULL, *why = NULL;
	GOptionEntry entries[] = {
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format, "text (the default) or json",
		  "FORMAT" },
		{ "check", 0, 0, G_OPTION_ARG_NONE, &check,
		  "one line, and the monitoring plugin's exit code", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct status s;
	int rc = command_options(ctx, "The robot at a glance; --check for monitoring.", entries,
				 &argc, &argv), level;

	if (rc && wants_check && rc != EX_USAGE)
		printf("POCBOT UNKNOWN - cannot open the robot (exit %d)\n", rc);
	if (rc)
		return wants_check ? 3 : rc;
	if (format && strcmp(format, "text") && strcmp(format, "json")) {
		fprintf(stderr, "pocbot status: --format is text or json\n");
		g_free(format);
		return check ? 3 : EX_USAGE;
	}
	status_gather(&s, ctx->db, ctx->cfg);
	level = status_check(&s, ctx->cfg, &why);
	if (format && strcmp(format, "json") == 0)
		print_json(&s, level, why);
	else if (check)
		printf("POCBOT %s - %s\n", levels[level], why);
	else
		print_text(&s);
	rc = check ? level : 0;
	status_clear(&s);
	g_free(why);
	g_free(format);
	return rc;
}

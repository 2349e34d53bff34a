/* cmd-audit.c - "audit verify" walks the hash chain of the audit trail and
 * says whether it is intact (with the number of details redacted by
 * retention) or names the first event that is not; "audit
 * log [--state CODE] [--format text|json]" (or "audit list") prints the
 * events, one line each or a JSON array (json-out.c). Input: the database
 * file, which someone may have edited (text from it is printed bounded,
 * control characters masked; JSON escaped, values whole). Exit: 0; 64
 * usage; 65 a broken trail or an unknown State; 75 the database could not
 * be read. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sqlite3.h>
#include "clock.h"
#include "audit.h"
#include "commands.h"
#include "db.h"
#include "json-out.h"
#include "states.h"

static void json_event(const struct audit_event *e, JsonBuilder *b)
{
	json_builder_begin_object(b);
	json_out_int(b, "id", e->id);
	json_out_time(b, "at", e->at);
	json_out_string(b, "actor", e->actor);
	json_out_string(b, "state", e->state);
	json_out_string(b, "action", e->action);
	json_out_string(b, "detail", e->detail);
	json_builder_end_object(b);
}

/* One event: a line, or an object of the array data (a JsonBuilder) when not NULL. */
static void print_event(const struct audit_event *e, void *data)
{
	char when[CLOCK_TEXT_LEN];

	if (data) {
		json_event(e, data);
		return;
	}
	printf("%" PRId64 "\t%s\t", (int64_t)e->id, clock_text(e->at, CLOCK_ISO, "?", when));
	command_print_text(e->actor);
	fputc('\t', stdout);
	command_print_text(e->state);
	fputc('\t', stdout);
	command_print_text(e->action);
	fputc('\t', stdout);
	command_print_text(e->detail);
	fputc('\n', stdout);
}

static int verify(sqlite3 *db)
{
	gint64 bad_id = 0, redacted = 0;
	char *err = NULL;
	gint64 n = audit_verify_counted(db, &redacted, &bad_id, &err);
	int rc = 0;

	if (n >= 0) {
		printf("audit trail intact: %" PRId64 " events, %" PRId64 " details redacted\n",
		       (int64_t)n, (int64_t)redacted);
	} else if (bad_id > 0) {
		printf("audit trail broken at event %" PRId64 ": %s\n", (int64_t)bad_id, err);
		rc = EX_DATAERR;
	} else {
		fprintf(stderr, "pocbot audit verify: %s\n", err);
		rc = EX_TEMPFAIL;
	}
	g_free(err);
	return rc;
}

static int list(sqlite3 *db, const char *state_text, gboolean json)
{
	const struct states *ref = NULL;
	char code[3] = "", *err = NULL;
	JsonBuilder *b;

	if (state_text && !(ref = states_load(&err))) {
		fprintf(stderr, "pocbot audit list: %s\n", err);
		g_free(err);
		return EX_SOFTWARE;
	}
	if (state_text && states_find(ref, state_text, code) < 0) {
		fprintf(stderr, "pocbot audit list: no State called \"%.200s\"\n", state_text);
		return EX_DATAERR;
	}
	b = json ? json_builder_begin_array(json_builder_new()) : NULL;
	if (audit_foreach(db, state_text ? code : NULL, print_event, b) < 0) {
		fprintf(stderr, "pocbot audit list: %s\n", sqlite3_errmsg(db));
		if (b)
			g_object_unref(b);
		return EX_TEMPFAIL;
	}
	return b && json_out_print(json_builder_end_array(b)) < 0 ? EX_IOERR : 0;
}

int cmd_audit(struct command_ctx *ctx, int argc, char **argv)
{
	char *state = NULL, *format = NULL;
	GOptionEntry entries[] = {
		{ "state", 0, 0, G_OPTION_ARG_STRING, &state,
		  "list: only the events of this State", "CODE" },
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format, "list: text (the default) or json",
		  "FORMAT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int json = 0, rc =
		command_options(ctx, "The audit trail: verify its hash chain, or list its events.",
				entries, &argc, &argv);
	char *what = rc ? NULL : g_strdup_printf("audit %s", argv[1]);	/* log or list */

	if (rc == 0 && (json = json_out_format(what, format)) < 0)
		rc = EX_USAGE;
	else if (rc == 0)
		rc = strcmp(argv[1], "verify") == 0 ? verify(ctx->db) : list(ctx->db, state, json);
	g_free(what);
	g_free(state);
	g_free(format);
	return rc;
}

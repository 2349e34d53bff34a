/* cmd-audit.c - "audit verify" walks the hash chain of the audit trail and
 * says whether it is intact or names the first event that is not; "audit
 * list [--state CODE]" prints the events. Input: the database file, which
 * someone may have edited (text from it is printed bounded, control
 * characters masked). Exit: 0; 64 usage; 65 a broken trail or an unknown
 * State; 75 the database could not be read. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sqlite3.h>
#include "clock.h"
#include "audit.h"
#include "commands.h"
#include "db.h"
#include "states.h"



static void print_event(const struct audit_event *e, void *data)
{
	char when[CLOCK_TEXT_LEN];

	(void)data;
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
	gint64 bad_id = 0;
	char *err = NULL;
	gint64 n = audit_verify(db, &bad_id, &err);
	int rc = 0;

	if (n >= 0) {
		printf("audit trail intact: %" PRId64 " events\n", (int64_t)n);
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

static int list(sqlite3 *db, const char *state_text)
{
	const struct states *ref = NULL;
	char code[3] = "", *err = NULL;

	if (state_text && !(ref = states_load(&err))) {
		fprintf(stderr, "pocbot audit list: %s\n", err);
		g_free(err);
		return EX_SOFTWARE;
	}
	if (state_text && states_find(ref, state_text, code) < 0) {
		fprintf(stderr, "pocbot audit list: no State called \"%.200s\"\n", state_text);
		return EX_DATAERR;
	}
	if (audit_foreach(db, state_text ? code : NULL, print_event, NULL) < 0) {
		fprintf(stderr, "pocbot audit list: %s\n", sqlite3_errmsg(db));
		return EX_TEMPFAIL;
	}
	return 0;
}

int cmd_audit(struct command_ctx *ctx, int argc, char **argv)
{
	char *state = NULL;
	GOptionEntry entries[] = {
		{ "state", 0, 0, G_OPTION_ARG_STRING, &state,
		  "list: only the events of this State", "CODE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int rc =
		command_options(ctx, "The audit trail: verify its hash chain, or list its events.",
				entries, &argc, &argv);

	if (rc == 0)
		rc = strcmp(argv[1], "verify") == 0 ? verify(ctx->db) : list(ctx->db, state);
	g_free(state);
	return rc;
}

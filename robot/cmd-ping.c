/* cmd-ping.c - the custodian's ping rounds:
 *   ping start [--state CODE]... [--type TYPE] [--deadline DURATION] [--dry-run]
 *		opens a round and queues one signed ping per POC in scope that
 *		is not withdrawn, showing its progress (what it leaves undone,
 *		after a crash or ^C, the daemon's timer completes);
 *   ping status [ROUND] [--format text|json]	the rounds, or one round's
 *		pings (JSON: json-out.c);
 *   ping close ROUND	closes a round now, as its deadline would;
 *   ping report ROUND [--format text|csv|json]	the round's figures.
 * Input: the options and the database (POC addresses and bounce text are
 * untrusted: bounded and masked when printed). Exit: 0; 64 usage; 65 an
 * unknown State, type or round; 75 the database, the keys or the outbox
 * failed. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "commands.h"
#include "clock.h"
#include "db.h"
#include "json-out.h"
#include "ping-report.h"
#include "pings.h"
#include "pocs.h"
#include "states.h"
#include "templates.h"
#include "timers.h"

struct ping_opts {
	char **states, *type, *deadline, *format;
	gboolean dry_run;
};

/* "90", "90s", "15m", "1h", "14d": seconds, or -1. */
static gint64 parse_duration(const char *v)
{
	char *end;
	gint64 n = g_ascii_strtoll(v, &end, 10), unit = 1;

	if (end == v || n <= 0 || n > G_MAXINT32)
		return -1;
	if (*end && end[1])
		return -1;
	switch (*end) {
	case '\0': case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return -1;
	}
	return n * unit;
}

/* The command's world: database, templates, and (when signing) crypto
 * with the robot's identity. 0, or an exit code after saying why. */
static int open_ctx(struct command_ctx *ctx, struct mail_ctx *c, gboolean signing)
{
	struct config *cfg = ctx->cfg;
	char *home, *err = NULL;

	memset(c, 0, sizeof *c);
	c->cfg = cfg;
	c->now = clock_now(cfg);
	c->db = ctx->db;
	c->tpl = templates_load();
	if (!signing)
		return 0;
	home = config_var_path(cfg, "gnupg");
	if (!(c->crypto = crypto_open(home, &err)) ||
	    crypto_identity_ensure(c->crypto, cfg->address, cfg->keys_lifetime, &err) < 0) {
		fprintf(stderr, "pocbot ping: %s\n",
			err ? err : "the robot's keys are not usable");
		g_free(err);
		g_free(home);
		return EX_TEMPFAIL;
	}
	g_free(home);
	return 0;
}

static void close_ctx(struct mail_ctx *c)
{
	crypto_close(c->crypto);
	if (c->tpl)
		templates_free((struct templates *)c->tpl);
}

static void progress(guint done, guint total, void *data)
{
	gboolean tty = GPOINTER_TO_INT(data);

	if (tty)
		fprintf(stderr, "\rqueued %u/%u", done, total);
	else if (done % 100 == 0 || done == total)
		fprintf(stderr, "queued %u/%u\n", done, total);
	if (tty && done == total)
		fputc('\n', stderr);
}

/* The scope the options ask for. 0, or an exit code after saying why. */
static int scope_of(const struct ping_opts *o, struct pings_scope *s)
{
	const struct states *ref = states_load(NULL);
	GPtrArray *codes = g_ptr_array_new_with_free_func(g_free);

	s->states = NULL;
	s->type = POC_TYPE_NONE;
	if (o->type && pocs_type_parse(o->type, &s->type) < 0) {
		fprintf(stderr, "pocbot ping: --type is diplomatic, technical, policy "
			"or law-enforcement\n");
		g_ptr_array_unref(codes);
		return EX_DATAERR;
	}
	for (int i = 0; o->states && o->states[i]; i++) {
		char code[3];

		if (!ref || states_find(ref, o->states[i], code) < 0) {
			fprintf(stderr, "pocbot ping: no State called \"%.200s\"\n", o->states[i]);
			g_ptr_array_unref(codes);
			return EX_DATAERR;
		}
		g_ptr_array_add(codes, g_strdup(code));
	}
	g_ptr_array_add(codes, NULL);
	s->states = (char **)g_ptr_array_free(codes, FALSE);
	return 0;
}

static int dry_run(struct mail_ctx *c, const struct pings_scope *s)
{
	GPtrArray *t = pings_targets(c->db, s, c->now, 0, 0);

	if (!t)
		return EX_TEMPFAIL;
	for (guint i = 0; i < t->len; i++) {
		const struct pings_target *p = t->pdata[i];

		printf("%s\t%s\t", p->poc, p->lang);
		command_print_text(p->address ? p->address : "(every address undeliverable)");
		putchar('\n');
	}
	printf("dry run: %u pings would be queued; nothing was written\n", t->len);
	g_ptr_array_unref(t);
	return 0;
}

/* 0 when the scope has a POC to ping, else an exit code after saying so:
 * no empty round is opened. */
static int any_target(struct mail_ctx *c, const struct pings_scope *s)
{
	GPtrArray *t = pings_targets(c->db, s, c->now, 0, 1);
	int rc = !t ? EX_TEMPFAIL : t->len ? 0 : EX_DATAERR;

	if (rc == EX_DATAERR)
		fprintf(stderr, "pocbot ping start: no POC in that scope; no round opened\n");
	if (t)
		g_ptr_array_unref(t);
	return rc;
}

/* Opens a round in its own transaction. Its id, or -1 (rolled back). */
static gint64 open_round(struct mail_ctx *c, gint64 deadline, const char *scope)
{
	gint64 id;

	if (db_begin(c->db) < 0)
		goto fail;
	id = pings_round_open(c->db, c->now, c->now + deadline, scope, "custodian");
	if (id < 0)
		goto fail;
	if (db_commit(c->db) < 0)
		goto fail;
	return id;
fail:
	db_rollback(c->db);
	return -1;
}

static int start(struct command_ctx *ctx, const struct ping_opts *o)
{
	struct pings_scope s;
	struct mail_ctx c;
	gint64 deadline = o->deadline ? parse_duration(o->deadline) : ctx->cfg->ping_deadline;
	gint64 id = -1;
	char *text, when[CLOCK_TEXT_LEN];
	int rc, n;

	if (deadline <= 0) {
		fprintf(stderr, "pocbot ping start: --deadline is a duration: 14d, 36h, 90m\n");
		return EX_USAGE;
	}
	if ((rc = scope_of(o, &s)) != 0)
		return rc;
	if ((rc = open_ctx(ctx, &c, !o->dry_run)) == 0 && o->dry_run)
		rc = dry_run(&c, &s);
	else if (rc == 0 && (rc = any_target(&c, &s)) != 0)
		;
	else if (rc == 0) {
		text = pings_scope_text(&s);
		if ((id = open_round(&c, deadline, text)) < 0)
			rc = EX_TEMPFAIL;
		g_free(text);
		if (rc == 0 && (n = timers_fill_round(&c, id, 0, progress,
						      GINT_TO_POINTER(isatty(2)))) >= 0) {
			printf("round %" G_GINT64_FORMAT ": %d pings queued, deadline %s\n", id, n,
			       clock_text(c.now + deadline, CLOCK_ISO, "-", when));
		} else if (rc == 0) {
			fprintf(stderr,
				"pocbot ping start: round %" G_GINT64_FORMAT
				" opened, but queuing failed: %s "
				"(the daemon completes it)\n",
				id, sqlite3_errmsg(c.db));
			rc = EX_TEMPFAIL;
		}
	}
	close_ctx(&c);
	pings_scope_clear(&s);
	return rc;
}

/* ---- status ---- */

static void print_time(gint64 t)
{
	char iso[CLOCK_TEXT_LEN];

	fputs(t > 0 ? clock_text(t, CLOCK_ISO, "-", iso) : "-", stdout);
}

static void json_round(JsonBuilder *b, const struct pings_round *r)
{
	json_out_int(b, "round", r->id);
	json_out_time(b, "started", r->started);
	json_out_time(b, "deadline", r->deadline);
	json_out_time(b, "closed", r->closed);
	json_out_string(b, "started_by", r->started_by);
	json_out_string(b, "scope", r->scope);
}

static int list_rounds(sqlite3 *db, gboolean json)
{
	GPtrArray *rounds = pings_rounds_list(db);
	JsonBuilder *b;

	if (!rounds)
		return EX_TEMPFAIL;
	b = json ? json_builder_begin_array(json_builder_new()) : NULL;
	if (!b)
		printf("round\tstarted\tdeadline\tclosed\tby\tpings\tanswered\tscope\n");
	for (guint i = 0; i < rounds->len; i++) {
		const struct pings_round *r = rounds->pdata[i];

		if (b) {
			json_builder_begin_object(b);
			json_round(b, r);
			json_out_int(b, "pings", r->pings);
			json_out_int(b, "answered", r->answered);
			json_builder_end_object(b);
			continue;
		}
		printf("%" G_GINT64_FORMAT "\t", r->id);
		print_time(r->started);
		putchar('\t');
		print_time(r->deadline);
		putchar('\t');
		if (r->closed)
			print_time(r->closed);
		else
			fputs("open", stdout);
		printf("\t%s\t%d\t%d\t", r->started_by, (int)r->pings, (int)r->answered);
		command_print_text(r->scope);
		putchar('\n');
	}
	g_ptr_array_unref(rounds);
	return b && json_out_print(json_builder_end_array(b)) < 0 ? EX_IOERR : 0;
}

static const char *ping_state(const struct ping *p)
{
	return p->answered ? "answered"
	       : p->bounced ? "bounced"
	       : p->autoreplied ? "auto-reply"
	       : p->finished ? "silent"
	       : p->sent ? "sent" : "queued";
}

static void json_ping(JsonBuilder *b, const struct ping *p)
{
	json_builder_begin_object(b);
	json_out_string(b, "poc", p->poc);
	json_out_string(b, "address", p->address);
	json_out_string(b, "token", p->token);
	json_out_string(b, "lang", p->lang);
	json_out_time(b, "sent", p->sent);
	json_out_int(b, "reminders", p->reminders);
	json_out_string(b, "outcome", ping_state(p));
	json_out_int_or_null(b, "response_seconds", p->answer_seconds);
	json_builder_end_object(b);
}

/* One round and its pings as a JSON object. */
static int show_round_json(const struct pings_round *r, const GPtrArray *pings)
{
	JsonBuilder *b = json_builder_begin_object(json_builder_new());

	json_round(b, r);
	json_builder_set_member_name(b, "ping_list");
	json_builder_begin_array(b);
	for (guint i = 0; i < pings->len; i++)
		json_ping(b, pings->pdata[i]);
	json_builder_end_array(b);
	return json_out_print(json_builder_end_object(b)) < 0 ? EX_IOERR : 0;
}

static void show_round_head(const struct pings_round *r)
{
	printf("round %" G_GINT64_FORMAT " (%s), started ", r->id, r->started_by);
	print_time(r->started);
	fputs(", deadline ", stdout);
	print_time(r->deadline);
	fputs(r->closed ? ", closed " : ", open", stdout);
	if (r->closed)
		print_time(r->closed);
	printf(", scope %s\n", r->scope && *r->scope ? r->scope : "every POC");
}

static void show_pings(const GPtrArray *pings)
{
	printf("poc\taddress\ttoken\tlang\tsent\treminders\tstate\tresponse_seconds\n");
	for (guint i = 0; i < pings->len; i++) {
		const struct ping *p = pings->pdata[i];

		printf("%s\t", p->poc);
		command_print_text(p->address);
		printf("\t%s\t%s\t", p->token, p->lang);
		if (p->sent)
			print_time(p->sent);
		else
			fputs("-", stdout);
		printf("\t%d\t%s\t", p->reminders, ping_state(p));
		if (p->answer_seconds >= 0)
			printf("%" G_GINT64_FORMAT "\n", p->answer_seconds);
		else
			puts("-");
	}
}

static int show_round(sqlite3 *db, gint64 id, gboolean json)
{
	struct pings_round r;
	GPtrArray *pings = NULL;
	int rc = pings_round_get(db, id, &r);

	if (rc <= 0) {
		if (rc == 0)
			fprintf(stderr, "pocbot ping: no round %" G_GINT64_FORMAT "\n", id);
		return rc == 0 ? EX_DATAERR : EX_TEMPFAIL;
	}
	if (!json)
		show_round_head(&r);
	rc = 0;
	if (!(pings = pings_of_round(db, id)))
		rc = EX_TEMPFAIL;
	else if (json)
		rc = show_round_json(&r, pings);
	else
		show_pings(pings);
	pings_round_clear(&r);
	if (pings)
		g_ptr_array_unref(pings);
	return rc;
}

/* ROUND as a number, or -1 after saying why. */
static gint64 round_arg(const char *s)
{
	char *end;
	gint64 id = s ? g_ascii_strtoll(s, &end, 10) : -1;

	if (!s || end == s || *end || id <= 0) {
		fprintf(stderr,
			"pocbot ping: ROUND is a round's number (see pocbot ping status)\n");
		return -1;
	}
	return id;
}

static int status(sqlite3 *db, const struct ping_opts *o, int argc, char **argv)
{
	gint64 id = argc > 1 ? round_arg(argv[1]) : 0;
	int json = json_out_format("ping status", o->format);

	if (id < 0 || json < 0)
		return EX_USAGE;
	return id ? show_round(db, id, json) : list_rounds(db, json);
}

static int close_round(struct command_ctx *ctx, int argc, char **argv)
{
	gint64 id = argc == 2 ? round_arg(argv[1]) : -1;
	struct mail_ctx c;
	int rc;

	if (id < 0)
		return EX_USAGE;
	if ((rc = open_ctx(ctx, &c, TRUE)) == 0) {
		int closed = timers_close_round(&c, id);

		if (closed == 1)
			printf("round %" G_GINT64_FORMAT
			       " closed; its report is queued to the custodians\n",
			       id);
		else if (closed == 0)
			fprintf(stderr, "pocbot ping close: no open round %" G_GINT64_FORMAT "\n",
				id);
		rc = closed == 1 ? 0 : closed == 0 ? EX_DATAERR : EX_TEMPFAIL;
	}
	close_ctx(&c);
	return rc;
}

static int report(sqlite3 *db, const struct ping_opts *o, int argc, char **argv)
{
	gint64 id = argc == 2 ? round_arg(argv[1]) : -1;
	const char *format = o->format ? o->format : "text";
	struct ping_report r;
	char *text;
	int rc;

	if (id < 0)
		return EX_USAGE;
	if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "json")) {
		fprintf(stderr, "pocbot ping report: --format is text, csv or json\n");
		return EX_USAGE;
	}
	rc = ping_report_build(db, id, &r);
	if (rc == 1) {
		text = strcmp(format, "csv") == 0    ? ping_report_csv(&r)
		       : strcmp(format, "json") == 0 ? ping_report_json(&r)
						     : ping_report_text(&r);
		fputs(text, stdout);
		if (strcmp(format, "json") == 0)
			putchar('\n');
		g_free(text);
		ping_report_clear(&r);
	} else if (rc == 0)
		fprintf(stderr, "pocbot ping report: no round %" G_GINT64_FORMAT "\n", id);
	return rc == 1 ? 0 : rc == 0 ? EX_DATAERR : EX_TEMPFAIL;
}

int cmd_ping(struct command_ctx *ctx, int argc, char **argv)
{
	struct ping_opts o = { NULL, NULL, NULL, NULL, FALSE };
	GOptionEntry entries[] = {
		{ "state", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.states,
		  "start: only this State's POCs (repeatable)", "CODE" },
		{ "type", 0, 0, G_OPTION_ARG_STRING, &o.type, "start: only POCs of this type",
		  "TYPE" },
		{ "deadline", 0, 0, G_OPTION_ARG_STRING, &o.deadline,
		  "start: the round's deadline ([ping] deadline)", "DURATION" },
		{ "dry-run", 0, 0, G_OPTION_ARG_NONE, &o.dry_run,
		  "start: list the pings, queue nothing", NULL },
		{ "format", 0, 0, G_OPTION_ARG_STRING, &o.format,
		  "report: text (the default), csv or json; status: text or json", "FORMAT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int rc = command_options(ctx, "Communication checks: rounds of pings to every POC.",
				 entries, &argc, &argv);

	if (rc == 0 && strcmp(argv[1], "start") == 0)
		rc = start(ctx, &o);
	else if (rc == 0 && strcmp(argv[1], "status") == 0)
		rc = status(ctx->db, &o, argc - 1, argv + 1);
	else if (rc == 0 && strcmp(argv[1], "close") == 0)
		rc = close_round(ctx, argc - 1, argv + 1);
	else if (rc == 0)
		rc = report(ctx->db, &o, argc - 1, argv + 1);
	g_strfreev(o.states);
	g_free(o.type);
	g_free(o.deadline);
	g_free(o.format);
	return rc;
}

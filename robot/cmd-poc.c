/* cmd-poc.c - "poc list [--state CODE] [--type TYPE] [--format text|csv|json]
 * [--all]" prints the points of contact (withdrawn ones only with --all);
 * "poc show ID" prints one with every field, its status, version and
 * dates, its addresses marked undeliverable and each address's key
 * (protocol, fingerprint, expiry, proven; none for a withdrawn POC). Input: the database,
 * whose text came from States' mail and is trusted in nothing: the text
 * format masks control and bidi-control characters and bounds each value;
 * CSV (RFC 4180) is quoted and JSON escaped, values whole. Exit: 0; 64
 * usage; 65 an unknown State or POC; 75 the database could not be read. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sqlite3.h>
#include "clock.h"
#include "commands.h"
#include "db.h"
#include "pings-health.h"
#include "poc-keys.h"
#include "pocs.h"
#include "states.h"

#define TEXT_CELL 40		/* characters of one value in a list's column */
#define TEXT_VALUE 500		/* characters of one value shown by "poc show" */

enum format { FORMAT_TEXT, FORMAT_CSV, FORMAT_JSON };

static gboolean masked(gunichar c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x061c || c == 0x200e || c == 0x200f ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x2028 ||
	       c == 0x2029;
}

/* s fit for a terminal: valid UTF-8, masked characters as '?', at most
 * max characters (a cut one ends in "..."); "-" for NULL or empty. g_free it. */
static char *clean(const char *s, glong max)
{
	GString *out = g_string_new(NULL);
	char *valid;
	glong n = 0;

	if (!s || !*s)
		return g_string_free(g_string_append(out, "-"), FALSE);
	valid = g_utf8_make_valid(s, -1);
	for (const char *p = valid; *p; p = g_utf8_next_char(p), n++) {
		if (n == max) {
			g_string_append(out, "...");
			break;
		}
		if (masked(g_utf8_get_char(p)))
			g_string_append_c(out, '?');
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	g_free(valid);
	return g_string_free(out, FALSE);
}

/* The strings of a joined with sep; NULL when there are none. g_free it. */
static char *joined(const GPtrArray *a, const char *sep)
{
	GString *out;

	if (!a || a->len == 0)
		return NULL;
	out = g_string_new(NULL);
	for (guint i = 0; i < a->len; i++)
		g_string_append_printf(out, "%s%s", i ? sep : "",
				       (const char *)g_ptr_array_index(a, i));
	return g_string_free(out, FALSE);
}

/* ---- text ---- */

#define NCOLS 7
static const char *const col_titles[NCOLS] = { "ID",      "STATE",        "TYPE",  "STATUS",
					       "VERSION", "ORGANISATION", "E-MAIL" };

/* The cells of p's row, cleaned. g_strfreev it. */
static char **text_row(const struct poc *p)
{
	char **cells = g_new0(char *, NCOLS + 1);
	char *version = g_strdup_printf("%" G_GINT64_FORMAT, p->version);
	char *emails = joined(p->emails, ", ");

	cells[0] = clean(p->id, TEXT_CELL);
	cells[1] = clean(p->state, TEXT_CELL);
	cells[2] = clean(form_type_name(p->type), TEXT_CELL);
	cells[3] = clean(pocs_status_name(p->status), TEXT_CELL);
	cells[4] = version;
	cells[5] = clean(p->organisation, TEXT_CELL);
	cells[6] = clean(emails, TEXT_CELL);
	g_free(emails);
	return cells;
}

/* The columns s takes on a terminal: wide (East Asian) characters two,
 * combining ones none. */
static glong columns(const char *s)
{
	glong n = 0;

	for (; *s; s = g_utf8_next_char(s)) {
		gunichar c = g_utf8_get_char(s);

		n += g_unichar_iswide(c) ? 2 : g_unichar_iszerowidth(c) ? 0 : 1;
	}
	return n;
}

/* One line: each cell but the last padded to its column's width. */
static void text_line(const char *const *cells, const glong *width)
{
	for (int c = 0; c < NCOLS; c++) {
		fputs(cells[c], stdout);
		if (c + 1 < NCOLS)
			for (glong n = columns(cells[c]); n < width[c] + 2; n++)
				fputc(' ', stdout);
	}
	fputc('\n', stdout);
}

static void list_text(const GPtrArray *pocs)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	glong width[NCOLS];

	if (pocs->len == 0) {
		printf("no points of contact\n");
		g_ptr_array_unref(rows);
		return;
	}
	for (int c = 0; c < NCOLS; c++)
		width[c] = (glong)strlen(col_titles[c]);
	for (guint i = 0; i < pocs->len; i++) {
		char **cells = text_row(g_ptr_array_index(pocs, i));

		for (int c = 0; c < NCOLS; c++)
			width[c] = MAX(width[c], columns(cells[c]));
		g_ptr_array_add(rows, cells);
	}
	text_line(col_titles, width);
	for (guint i = 0; i < rows->len; i++)
		text_line((const char *const *)g_ptr_array_index(rows, i), width);
	g_ptr_array_unref(rows);
}

/* ---- CSV ---- */

/* One field, quoted when it must be (RFC 4180), preceded by a comma unless first. */
static void csv_field(const char *s, gboolean first)
{
	char *valid = g_utf8_make_valid(s ? s : "", -1);

	if (!first)
		fputc(',', stdout);
	if (strpbrk(valid, ",\"\r\n") ||
	    (*valid && (valid[0] == ' ' || valid[strlen(valid) - 1] == ' '))) {
		fputc('"', stdout);
		for (const char *p = valid; *p; p++) {
			if (*p == '"')
				fputc('"', stdout);
			fputc(*p, stdout);
		}
		fputc('"', stdout);
	} else {
		fputs(valid, stdout);
	}
	g_free(valid);
}

static void csv_row(const struct poc *p)
{
	char *version = g_strdup_printf("%" G_GINT64_FORMAT, p->version);
	char created[CLOCK_TEXT_LEN], updated[CLOCK_TEXT_LEN];
	char *lists[] = { joined(p->emails, "; "), joined(p->phones, "; "),
			  joined(p->phones_e164, "; "), joined(p->languages, "; ") };
	const char *fields[] = {
		p->id, p->state, form_type_name(p->type), pocs_status_name(p->status), version,
		p->organisation, p->web, lists[0], lists[1], lists[2], lists[3], p->name,
		p->position, p->notes, clock_text(p->created, CLOCK_ISO, "?", created),
		clock_text(p->updated, CLOCK_ISO, "?", updated), p->withdrawn_reason
	};

	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
		csv_field(fields[i], i == 0);
	fputs("\r\n", stdout);
	for (size_t i = 0; i < G_N_ELEMENTS(lists); i++)
		g_free(lists[i]);
	g_free(version);
}

static void list_csv(const GPtrArray *pocs)
{
	fputs("id,state,type,status,version,organisation,web,emails,phones,phones_e164,languages,"
	      "name,position,notes,created,updated,withdrawn_reason\r\n", stdout);
	for (guint i = 0; i < pocs->len; i++)
		csv_row(g_ptr_array_index(pocs, i));
}

/* ---- JSON ---- */

static void list_json(const GPtrArray *pocs)
{
	GString *out = g_string_new("[");

	for (guint i = 0; i < pocs->len; i++) {
		g_string_append(out, i ? ",\n" : "\n");
		pocs_json(g_ptr_array_index(pocs, i), out);
	}
	g_string_append(out, pocs->len ? "\n]\n" : "]\n");
	fputs(out->str, stdout);
	g_string_free(out, TRUE);
}

/* ---- the commands ---- */

static int list(sqlite3 *db, const char *state, enum poc_type type, enum format format,
		gboolean all)
{
	GPtrArray *pocs = pocs_list(db, state, type, all);

	if (!pocs) {
		fprintf(stderr, "pocbot poc list: %s\n", sqlite3_errmsg(db));
		return EX_TEMPFAIL;
	}
	if (format == FORMAT_CSV)
		list_csv(pocs);
	else if (format == FORMAT_JSON)
		list_json(pocs);
	else
		list_text(pocs);
	g_ptr_array_unref(pocs);
	return 0;
}

static void show_line(const char *label, const char *value)
{
	char *v = clean(value, TEXT_VALUE);

	printf("%-13s %s\n", label, v);
	g_free(v);
}

static void show_list(const char *label, const GPtrArray *a)
{
	if (!a || a->len == 0)
		show_line(label, NULL);
	for (guint i = 0; a && i < a->len; i++)
		show_line(label, g_ptr_array_index(a, i));
}

static void show_phones(const struct poc *p)
{
	if (!p->phones || p->phones->len == 0)
		show_line("phone", NULL);
	for (guint i = 0; p->phones && i < p->phones->len; i++) {
		const char *e =
			i < p->phones_e164->len ? g_ptr_array_index(p->phones_e164, i) : "";
		char *v = *e ? g_strdup_printf("%s (E.164 %s)",
					       (const char *)g_ptr_array_index(p->phones, i), e)
			     : g_strdup(g_ptr_array_index(p->phones, i));

		show_line("phone", v);
		g_free(v);
	}
}

/* Each address of p marked undeliverable: since when, status, reason. */
static void show_dead(sqlite3 *db, const struct poc *p)
{
	GPtrArray *dead = pings_health_dead(db, p->id, FALSE);

	for (guint i = 0; dead && i < dead->len; i++) {
		const struct pings_dead *d = dead->pdata[i];
		char since[CLOCK_TEXT_LEN], *v;

		v = g_strdup_printf("%s since %s (%s: %s)", d->address,
				    clock_text(d->since, CLOCK_ISO, "?", since),
				    d->status ? d->status : "-",
				    d->diagnostic ? d->diagnostic : "-");
		show_line("undeliverable", v);
		g_free(v);
	}
	if (dead)
		g_ptr_array_unref(dead);
}

/* Each key of p: address, protocol, fingerprint, expiry, when proven. -1
 * on a database error. */
static int show_keys(sqlite3 *db, const struct poc *p)
{
	GPtrArray *keys = p->status == POC_WITHDRAWN ? NULL : poc_keys_of(db, p->id);

	if (!keys)
		return p->status == POC_WITHDRAWN ? 0 : -1;
	for (guint i = 0; i < keys->len; i++) {
		const struct poc_key *k = keys->pdata[i];
		char expires[CLOCK_TEXT_LEN], proven[CLOCK_TEXT_LEN], *v;
		const char *e = k->expires > 0 ? clock_text(k->expires, CLOCK_ISO, "?", expires)
					       : "does not expire";
		const char *pr = k->proven > 0 ? clock_text(k->proven, CLOCK_ISO, "?", proven)
					       : "not proven";

		v = g_strdup_printf("%s %s %s, %s%s, %s%s", k->address, k->protocol,
				    k->fingerprint, k->expires > 0 ? "expires " : "", e,
				    k->proven > 0 ? "proven on " : "", pr);
		show_line("key", v);
		g_free(v);
	}
	g_ptr_array_unref(keys);
	return 0;
}

static int show_poc(sqlite3 *db, const struct poc *p, const struct states *ref)
{
	const char *name = ref ? states_name(ref, p->state, "en") : NULL;
	char *state =
		g_strdup_printf("%s %s", p->state, name ? name : "(not in the reference data)");
	char *version = g_strdup_printf("%" G_GINT64_FORMAT, p->version);
	char created[CLOCK_TEXT_LEN], updated[CLOCK_TEXT_LEN];

	show_line("id", p->id);
	show_line("state", state);
	show_line("type", form_type_name(p->type));
	show_line("status", pocs_status_name(p->status));
	show_line("version", version);
	show_line("organisation", p->organisation);
	show_line("web", p->web);
	show_list("e-mail", p->emails);
	show_dead(db, p);
	if (show_keys(db, p) < 0) {
		g_free(state);
		g_free(version);
		return -1;
	}
	show_phones(p);
	show_list("language", p->languages);
	show_line("name", p->name);
	show_line("position", p->position);
	show_line("notes", p->notes);
	show_line("created", clock_text(p->created, CLOCK_ISO, "?", created));
	show_line("updated", clock_text(p->updated, CLOCK_ISO, "?", updated));
	if (p->status == POC_WITHDRAWN)
		show_line("withdrawn", p->withdrawn_reason);
	g_free(state);
	g_free(version);
	return 0;
}

static int show(sqlite3 *db, const char *id, const struct states *ref)
{
	struct poc p;
	int found = pocs_load(db, id, &p);
	char *shown;

	if (found < 0) {
		fprintf(stderr, "pocbot poc show: %s\n", sqlite3_errmsg(db));
		return EX_TEMPFAIL;
	}
	if (found == 0) {
		shown = clean(id, TEXT_CELL);
		fprintf(stderr, "pocbot poc show: no POC %s\n", shown);
		g_free(shown);
		return EX_DATAERR;
	}
	found = show_poc(db, &p, ref);
	pocs_clear(&p);
	if (found < 0) {
		fprintf(stderr, "pocbot poc show: %s\n", sqlite3_errmsg(db));
		return EX_TEMPFAIL;
	}
	return 0;
}

struct poc_opts {
	char *state, *type, *format;
	gboolean all;
};

static int usage(void)
{
	fprintf(stderr, "pocbot poc list: --format is text, csv or json\n");
	return EX_USAGE;
}

/* The options' values: 0, or the exit code. */
static int read_opts(const struct poc_opts *o, const struct states *ref, char code[3],
		     enum poc_type *type, enum format *format)
{
	char *word = o->type ? g_strdelimit(g_strdup(o->type), " _", '-') : NULL;
	int bad_type = word && pocs_type_parse(word, type) < 0;

	g_free(word);
	if (bad_type) {
		fprintf(stderr, "pocbot poc list: --type is diplomatic, technical, policy "
			"or law-enforcement\n");
		return EX_USAGE;
	}
	if (!o->format || strcmp(o->format, "text") == 0)
		*format = FORMAT_TEXT;
	else if (strcmp(o->format, "csv") == 0)
		*format = FORMAT_CSV;
	else if (strcmp(o->format, "json") == 0)
		*format = FORMAT_JSON;
	else
		return usage();
	if (o->state && states_find(ref, o->state, code) < 0) {
		fprintf(stderr, "pocbot poc list: no State called \"%.200s\"\n", o->state);
		return EX_DATAERR;
	}
	return 0;
}

static int run(sqlite3 *db, char **argv, const struct poc_opts *o)
{
	enum poc_type type = POC_TYPE_NONE;
	enum format format = FORMAT_TEXT;
	const struct states *ref;
	char code[3] = "", *err = NULL;
	int rc;

	if (!(ref = states_load(&err))) {
		fprintf(stderr, "pocbot poc: %s\n", err);
		g_free(err);
		return EX_SOFTWARE;
	}
	if (strcmp(argv[1], "list") == 0 && (rc = read_opts(o, ref, code, &type, &format)) != 0)
		return rc;
	if (strcmp(argv[1], "list") == 0)
		return list(db, o->state ? code : NULL, type, format, o->all);
	return show(db, argv[2], ref);
}

int cmd_poc(struct command_ctx *ctx, int argc, char **argv)
{
	struct poc_opts o = { NULL, NULL, NULL, FALSE };
	GOptionEntry entries[] = {
		{ "state", 0, 0, G_OPTION_ARG_STRING, &o.state,
		  "list: only this State's (code or name)", "CODE" },
		{ "type", 0, 0, G_OPTION_ARG_STRING, &o.type,
		  "list: only this type (diplomatic, technical, policy, law-enforcement)",
		  "TYPE" },
		{ "format", 0, 0, G_OPTION_ARG_STRING, &o.format,
		  "list: text (the default), csv or json", "FORMAT" },
		{ "all", 0, 0, G_OPTION_ARG_NONE, &o.all, "list: withdrawn POCs too", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int rc;

	if (argc > 1 && strcmp(argv[1], "recheck") == 0)
		return cmd_poc_recheck(ctx, argc, argv);	/* cmd-recheck.c */
	rc = command_options(ctx, "The points of contact. list: one line each (withdrawn "
				 "ones only with --all); show: every field of one, with its "
				 "status, version and dates.", entries, &argc, &argv);

	if (rc == 0)
		rc = run(ctx->db, argv, &o);
	g_free(o.state);
	g_free(o.type);
	g_free(o.format);
	return rc;
}

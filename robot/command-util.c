/* command-util.c - what every subcommand needs, decided once from the
 * table in main.c: option parsing with GOption, refusing what the chosen
 * action does not take, opening the robot's database under [paths] var
 * with the exit code that fits, and the version and usage texts. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <gmime/gmime.h>
#include <libetpan/libetpan_version.h>
#include <sqlite3.h>
#include "commands.h"
#include "crypto.h"
#include "db.h"

static void usage_line(GString *s, const struct command *r)
{
	g_string_append_printf(s, "  pocbot %s%s%s%s%s", r->name, r->action ? " " : "",
			       r->action ? r->action : "", r->operands ? " " : "",
			       r->operands ? r->operands : "");
	if (r->options)
		g_string_append(s, " [OPTIONS]");
	g_string_append_printf(s, "\n      %s", r->summary);
	if (r->options) {
		char **opts = g_strsplit(r->options, " ", -1);

		g_string_append(s, " Options:");
		for (char **o = opts; *o; o++)
			g_string_append_printf(s, " --%s%s", *o, o[1] ? "," : ".");
		g_strfreev(opts);
	}
	g_string_append_c(s, '\n');
}

void command_usage(FILE *f, const struct command *rows, size_t n, const char *name)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < n; i++)
		if (!name || strcmp(rows[i].name, name) == 0)
			usage_line(s, &rows[i]);
	fputs(s->str, f);
	g_string_free(s, TRUE);
}

/* Was the option given? Every target starts zeroed. The commands' options
 * are of these types only; another type needs its case here. */
static int given(const GOptionEntry *e)
{
	switch (e->arg) {
	case G_OPTION_ARG_NONE:
		return *(gboolean *)e->arg_data;
	case G_OPTION_ARG_STRING:
	case G_OPTION_ARG_FILENAME:
		return *(char **)e->arg_data != NULL;
	case G_OPTION_ARG_STRING_ARRAY:
	case G_OPTION_ARG_FILENAME_ARRAY:
		return *(char ***)e->arg_data != NULL;
	default:
		return 0;
	}
}

/* Is word one of the space-separated words of list? */
static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* The row for argv[1] (the action), or NULL after saying why. */
static const struct command *find_row(const struct command_ctx *ctx, int argc, char **argv)
{
	const char *name = ctx->rows[0].name;
	GString *actions = g_string_new(NULL);

	if (!ctx->rows[0].action)
		return &ctx->rows[0];
	for (size_t i = 0; i < ctx->n_rows; i++) {
		if (argc > 1 && strcmp(argv[1], ctx->rows[i].action) == 0) {
			g_string_free(actions, TRUE);
			return &ctx->rows[i];
		}
		g_string_append_printf(actions, "%s%s", i ? ", " : "", ctx->rows[i].action);
	}
	if (argc > 1)
		fprintf(stderr, "pocbot %s: unknown action \"%.200s\" (one of: %s)\n", name,
			argv[1], actions->str);
	else
		fprintf(stderr, "pocbot %s: which action? (one of: %s; see pocbot %s --help)\n",
			name, actions->str, name);
	g_string_free(actions, TRUE);
	return NULL;
}

/* 0 when the operands' number fits the row, else 64 after naming what is missing or extra. */
static int check_operands(const struct command *r, int n, char **operands)
{
	char **words = g_strsplit(r->operands ? r->operands : "", " ", -1);
	char *what = r->action ? g_strdup_printf("%s %s", r->name, r->action) : g_strdup(r->name);
	int rc = 0;

	if (n < r->min_operands) {
		const char *missing = (guint)n < g_strv_length(words) ? words[n] : "an operand";

		fprintf(stderr, "pocbot %s: %s is missing (see pocbot %s --help)\n", what, missing,
			r->name);
		rc = EX_USAGE;
	} else if (r->max_operands >= 0 && n > r->max_operands) {
		fprintf(stderr, "pocbot %s: unexpected \"%.200s\" (see pocbot %s --help)\n", what,
			operands[r->max_operands], r->name);
		rc = EX_USAGE;
	}
	g_strfreev(words);
	g_free(what);
	return rc;
}

/* 0, or 64 after naming the first option given that the row does not take. */
static int check_options(const struct command *r, const GOptionEntry *entries)
{
	for (const GOptionEntry *e = entries; e && e->long_name; e++) {
		if (!given(e) || has_word(r->options, e->long_name))
			continue;
		fprintf(stderr, "pocbot %s%s%s: --%s is not an option of this command "
			"(see pocbot %s --help)\n", r->name, r->action ? " " : "",
			r->action ? r->action : "", e->long_name, r->name);
		return EX_USAGE;
	}
	return 0;
}

/* Opens the database as the row says: 0, or the exit code after saying why. */
static int open_db(struct command_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	char *path = config_var_path(cfg, "pocbot.db"), *err = NULL;
	int rc = 0;

	if (!(ctx->row->flags & CMD_DB_CREATE) && !g_file_test(path, G_FILE_TEST_EXISTS)) {
		fprintf(stderr, "pocbot: there is no database yet at %s ('pocbot db migrate' "
			"makes it)\n", path);
		rc = EX_NOINPUT;
	} else if (g_mkdir_with_parents(cfg->var, 0700) < 0) {
		fprintf(stderr, "pocbot: cannot create %s: %s\n", cfg->var, g_strerror(errno));
		rc = EX_CANTCREAT;
	} else if (!(ctx->db = db_open(path, &err))) {
		sqlite3 *ro = NULL;
		int version = -1;

		fprintf(stderr, "pocbot: cannot open the database: %s\n", err);
		if (sqlite3_open_v2(path, &ro, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
			version = db_user_version(ro);
		sqlite3_close(ro);
		if (access(path, R_OK | W_OK) < 0 || access(cfg->var, W_OK) < 0)
			rc = EX_NOPERM;
		else if (version > db_schema_version())
			rc = EX_UNAVAILABLE;
		else
			rc = EX_TEMPFAIL;	/* busy, locked, disk full: a retry can help */
	} else if (!(ctx->row->flags & CMD_DB_WRITE) && db_query_only(ctx->db) < 0) {
		fprintf(stderr, "pocbot: cannot open the database for reading: %s\n",
			sqlite3_errmsg(ctx->db));
		rc = EX_TEMPFAIL;
	}
	g_free(err);
	g_free(path);
	return rc;
}

/* 0, or 78 after saying where it looked, when the action would make a new
 * robot where none is: no configuration was found (the embedded defaults,
 * so VAR is ./var) and VAR holds no database, and the action may not
 * create one. A custodian in the wrong folder is told, not given an empty
 * robot. */
static int robot_found(const struct command_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	char *path;
	int found;

	if (cfg->file || !(ctx->row->flags & (CMD_DB | CMD_VAR)) ||
	    (ctx->row->flags & CMD_DB_CREATE))
		return 0;
	path = config_var_path(cfg, "pocbot.db");
	found = g_file_test(path, G_FILE_TEST_EXISTS);
	if (!found)
		fprintf(stderr, "pocbot: no robot here: no configuration was found (no -c FILE, "
			"$POCBOT_CONFIG is not set, there is no %s) and there is no database at "
			"%s; give the robot's configuration with -c FILE ('pocbot serve' or "
			"'pocbot db migrate' makes a new robot)\n",
			"/etc/pocbot/pocbot.conf", path);
	g_free(path);
	return found ? 0 : EX_CONFIG;
}

/* GOption over the command's entries, its help listing the command's rows:
 * 0, or 64 after saying why. */
static int parse(const struct command_ctx *ctx, const char *summary, GOptionEntry *entries,
		 int *argc, char ***argv)
{
	const char *name = ctx->rows[0].name;
	const char *params = ctx->rows[0].action ? "ACTION [OPERANDS...]" : "";
	GOptionContext *oc = g_option_context_new(params);
	GString *actions = g_string_new("Actions:\n");
	char *prgname = g_strdup_printf("pocbot %s", name);
	GError *err = NULL;
	int rc = 0;

	for (size_t i = 0; i < ctx->n_rows; i++)
		usage_line(actions, &ctx->rows[i]);
	g_option_context_set_summary(oc, summary);
	g_option_context_set_description(oc, actions->str);
	if (entries)
		g_option_context_add_main_entries(oc, entries, NULL);
	g_set_prgname(prgname);	/* for GOption's "Usage: pocbot ping ..." */
	if (!g_option_context_parse(oc, argc, argv, &err)) {
		fprintf(stderr, "pocbot %s: %s (see pocbot %s --help)\n", name, err->message,
			name);
		g_error_free(err);
		rc = EX_USAGE;
	}
	g_option_context_free(oc);
	g_string_free(actions, TRUE);
	g_free(prgname);
	return rc;
}

int command_options(struct command_ctx *ctx, const char *summary, GOptionEntry *entries, int *argc,
		    char ***argv)
{
	int rc, skip;

	if ((rc = parse(ctx, summary, entries, argc, argv)))
		return rc;
	if (!(ctx->row = find_row(ctx, *argc, *argv)))
		return EX_USAGE;
	skip = ctx->row->action ? 2 : 1;	/* the command's name, and the action's */
	if ((rc = check_options(ctx->row, entries)))
		return rc;
	if ((rc = check_operands(ctx->row, *argc - skip, *argv + skip)))
		return rc;
	if ((rc = robot_found(ctx)))
		return rc;
	return ctx->row->flags & CMD_DB ? open_db(ctx) : 0;
}

void command_version(void)
{
	printf("pocbot %s, database schema version %d\n", POCBOT_VERSION, db_schema_version());
	printf("GMime %u.%u.%u\n", gmime_major_version, gmime_minor_version, gmime_micro_version);
	printf("GPGME %s\n", crypto_library_version());
	printf("SQLite %s\n", sqlite3_libversion());
	printf("libetpan %d.%d\n", libetpan_get_version_major(), libetpan_get_version_minor());
	printf("GLib %u.%u.%u\n", glib_major_version, glib_minor_version, glib_micro_version);
}

struct sqlite3 *command_open_db(const struct config *cfg)
{
	char *path = config_var_path(cfg, "pocbot.db");
	char *err = NULL;
	sqlite3 *db = NULL;

	if (g_mkdir_with_parents(cfg->var, 0700) < 0)
		fprintf(stderr, "pocbot: cannot create %s: %s\n", cfg->var, g_strerror(errno));
	else if (!(db = db_open(path, &err)))
		fprintf(stderr, "pocbot: %s\n", err);
	g_free(err);
	g_free(path);
	return db;
}

void command_print_text(const char *s)
{
	size_t n = 0;

	if (!s || !*s) {
		fputc('-', stdout);
		return;
	}
	for (; s[n] && n < 500; n++)
		fputc((unsigned char)s[n] < ' ' || s[n] == 0x7f ? '?' : s[n], stdout);
}

/* command-util.c - what every subcommand needs: option parsing with
 * GOption and opening the robot's database under [paths] var. */
#include <errno.h>
#include <stdio.h>
#include <sysexits.h>
#include <sqlite3.h>
#include "commands.h"
#include "db.h"

int command_options(const char *name, const char *params, const char *summary, GOptionEntry *entries,
		    int *argc, char ***argv)
{
	char *title = g_strdup_printf("%s%s%s", name, params ? " " : "", params ? params : "");
	GOptionContext *oc = g_option_context_new(title);
	GError *err = NULL;
	int rc = 0;

	g_option_context_set_summary(oc, summary);
	if (entries)
		g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, argc, argv, &err)) {
		fprintf(stderr, "pocbot %s: %s (see pocbot %s --help)\n", name, err->message, name);
		g_error_free(err);
		rc = EX_USAGE;
	}
	g_option_context_free(oc);
	g_free(title);
	return rc;
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

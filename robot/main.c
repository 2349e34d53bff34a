/* main.c - the pocbot command: global options, then one subcommand from
 * the table below. Only main exits; exit codes follow sysexits.h. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include "commands.h"
#include "log.h"
#include "mail.h"

static const struct {
	const char *name;
	command_fn *run;
	const char *summary;
} commands[] = {
	{ "serve", cmd_serve, "run the daemon: LMTP intake, the worker and the sender" },
	{ "deliver", cmd_deliver, "take one message on standard input (for an MTA's pipe)" },
	{ "config", cmd_config, "print the effective configuration" },
	{ "db", cmd_db, "db migrate: bring the database to this binary's schema" },
	{ "spool", cmd_spool, "spool list | spool retry ID: the queue of received mail" },
	{ "state", cmd_state, "state add CODE|NAME | state list: the participating States" },
	{ "signer", cmd_signer, "signer add | list | revoke FINGERPRINT: the enrolled signers" },
	{ "poc", cmd_poc, "poc list | poc show ID: the points of contact" },
	{ "export", cmd_export, "export [--format csv|vcard|json] [--state CODE]... [-o FILE]: the directory, for the custodian" },
	{ "ping", cmd_ping, "ping start | status [ROUND] | close ROUND | report ROUND: communication checks" },
	{ "audit", cmd_audit, "audit verify | audit log [--state CODE]: the audit trail" },
	{ "keys", cmd_keys, "keys show | keys export DIR | keys import-smime CERT KEY: the robot's own keys" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: pocbot [-c FILE] COMMAND [ARGS...]\n\n"
		   "The mail robot of the Points of Contact Directory.\n\ncommands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "  %-9s %s\n\n", "help", "this text; 'pocbot COMMAND --help' for one command");
	fprintf(f, "options:\n  -c, --config FILE  the configuration (else $POCBOT_CONFIG, "
		   "/etc/pocbot/pocbot.conf, the embedded defaults)\n");
}

/* Reads the global options, up to the command's name. */
static int global_options(int *argc, char ***argv, char **config_file)
{
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, config_file, "configuration file", "FILE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *oc = g_option_context_new("COMMAND [ARGS...]");
	GError *err = NULL;
	int rc = 0;

	g_option_context_set_strict_posix(oc, TRUE);
	g_option_context_set_help_enabled(oc, FALSE);
	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, argc, argv, &err)) {
		fprintf(stderr, "pocbot: %s\n", err->message);
		g_error_free(err);
		rc = EX_USAGE;
	}
	g_option_context_free(oc);
	return rc;
}

int main(int argc, char **argv)
{
	char *config_file = NULL, *err = NULL;
	struct config cfg;
	int rc;

	setlocale(LC_ALL, "");
	signal(SIGPIPE, SIG_IGN);	/* a dead peer is an error return, not a death */
	if ((rc = global_options(&argc, &argv, &config_file)) != 0)
		return rc;
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : 0;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (config_load(config_file, &cfg, &err) < 0) {
			fprintf(stderr, "pocbot: %s\n", err);
			g_free(err);
			g_free(config_file);
			return EX_CONFIG;
		}
		log_open(&cfg);
		mail_library_init();
		rc = commands[i].run(&cfg, argc - 1, argv + 1);
		config_clear(&cfg);
		g_free(config_file);
		return rc;
	}
	fprintf(stderr, "pocbot: unknown command '%s' (see pocbot help)\n", argv[1]);
	g_free(config_file);
	return EX_USAGE;
}

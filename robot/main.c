/* main.c - the pocbot command: global options, then one subcommand from
 * the table below, one row per command and action (what it takes, what it
 * needs of the database). Only main exits; exit codes follow sysexits.h. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sqlite3.h>
#include "commands.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "mail.h"

#define DB_READ CMD_DB
#define DB_WRITE (CMD_DB | CMD_DB_WRITE)
#define DB_MAKE (CMD_DB | CMD_DB_WRITE | CMD_DB_CREATE)
#define VAR CMD_VAR

/* name, action, entry point, operands, min and max operands, options, database, summary.
 * A command's rows are consecutive. */
static const struct command commands[] = {
	{ "serve", NULL, cmd_serve, NULL, 0, 0, NULL, 0,	/* opens it itself: cmd-serve.c */
	  "Runs the daemon until SIGTERM or SIGINT: LMTP intake, the worker and the sender." },
	{ "deliver", NULL, cmd_deliver, NULL, 0, 0, "sender recipient", VAR,
	  "Stores one message read on standard input (for an MTA's pipe)." },
	{ "status", NULL, cmd_status, NULL, 0, 0, "format check", DB_READ,
	  "Shows the robot at a glance; --check: one line and a monitoring plugin's exit code." },
	{ "backup", NULL, cmd_backup, "[FILE]", 0, 1, NULL, DB_WRITE,
	  "Writes an encrypted archive of the robot, safe while the daemon runs ([backup] "
	  "encrypt_to)." },
	{ "restore", NULL, cmd_restore, "FILE", 1, 1, NULL, 0,	/* into an empty VAR: restore.c */
	  "Restores a backup archive into an empty VAR, decrypted with your own gpg." },
	{ "config", NULL, cmd_config, NULL, 0, 0, NULL, 0,
	  "Prints the effective configuration." },
	{ "db", "migrate", cmd_db, NULL, 0, 0, NULL, DB_MAKE,
	  "Creates the database or brings it to this binary's schema." },
	{ "spool", "list", cmd_spool, NULL, 0, 0, "format", DB_READ,
	  "Lists the received mail waiting in the queue and in quarantine." },
	{ "spool", "retry", cmd_spool, "ID", 1, 1, NULL, DB_WRITE,
	  "Puts a quarantined message back into the queue." },
	{ "outbox", "list", cmd_outbox, NULL, 0, 0, "failed deferred format", DB_READ,
	  "Lists the mail not sent yet (queued, deferred) and given up, with the last answer." },
	{ "outbox", "show", cmd_outbox, "ID", 1, 1, NULL, DB_READ,
	  "Shows one outgoing message's state and header fields, never its body." },
	{ "outbox", "retry", cmd_outbox, "[ID]", 0, 1, "all", DB_WRITE,
	  "Makes a message (or --all) due now; a failed one is queued again." },
	{ "outbox", "drop", cmd_outbox, "ID", 1, 1, NULL, DB_WRITE,
	  "Cancels an unsent message (an audit event)." },
	{ "state", "add", cmd_state, "CODE|NAME", 1, -1, NULL, DB_WRITE,
	  "Makes a State a participating one (alpha-2 or alpha-3 code, or its name in a UN "
	  "language)." },
	{ "state", "list", cmd_state, NULL, 0, 0, "format", DB_READ,
	  "Lists the participating States and how many POCs each has." },
	{ "signer", "add", cmd_signer, NULL, 0, 0,
	  "state role pgp smime chain encrypt-cert label lang", DB_WRITE,
	  "Enrols a key (--pgp) or a certificate (--smime) for a State's signer." },
	{ "signer", "list", cmd_signer, NULL, 0, 0, "state format", DB_READ,
	  "Lists the enrolled signers." },
	{ "signer", "revoke", cmd_signer, "FINGERPRINT", 1, 1, "reason", DB_WRITE,
	  "Revokes a signer; its State's other signers are told." },
	{ "signer", "renew", cmd_signer, "FINGERPRINT", 1, 1, "pgp smime chain encrypt-cert",
	  DB_WRITE, "Takes a signer's renewed key: its new expiry, or a new key in its place." },
	{ "poc", "list", cmd_poc, NULL, 0, 0, "state type format all", DB_READ,
	  "Lists the points of contact, one line each." },
	{ "poc", "show", cmd_poc, "ID", 1, 1, NULL, DB_READ,
	  "Shows every field of one POC." },
	{ "poc", "recheck", cmd_poc, "ID [ADDRESS]", 1, 2, NULL, DB_WRITE,
	  "Sends a verification ping to a POC's undeliverable addresses (or to ADDRESS)." },
	{ "export", NULL, cmd_export, NULL, 0, 0, "format state lang output", DB_READ,
	  "Writes the directory for the custodian: CSV, vCard or JSON." },
	{ "ping", "start", cmd_ping, NULL, 0, 0, "state type deadline dry-run", DB_WRITE,
	  "Starts a communication-check round." },
	{ "ping", "status", cmd_ping, "[ROUND]", 0, 1, "format", DB_READ,
	  "Lists the rounds, or shows one." },
	{ "ping", "close", cmd_ping, "ROUND", 1, 1, NULL, DB_WRITE,
	  "Closes a round and queues its report to the custodians." },
	{ "ping", "report", cmd_ping, "ROUND", 1, 1, "format", DB_READ,
	  "Prints a round's report: text, CSV or JSON." },
	{ "audit", "verify", cmd_audit, NULL, 0, 0, NULL, DB_READ,
	  "Verifies the audit trail's hash chain." },
	{ "audit", "log", cmd_audit, NULL, 0, 0, "state format", DB_READ,
	  "Lists the audit trail's events." },
	{ "audit", "list", cmd_audit, NULL, 0, 0, "state format", DB_READ,
	  "The same as audit log." },
	{ "keys", "show", cmd_keys, NULL, 0, 0, NULL, VAR,
	  "Prints the robot's OpenPGP and S/MIME fingerprints (making the keys on first use)." },
	{ "keys", "export", cmd_keys, "DIR", 1, 1, NULL, VAR,
	  "Writes DIR/pocbot.asc and DIR/pocbot.pem for correspondents." },
	{ "keys", "import-backup", cmd_keys, "FILE", 1, 1, NULL, VAR,
	  "Imports a backup key's OpenPGP public key (its secret key kept off the server) and "
	  "prints the fingerprint for [backup] encrypt_to." },
	{ "keys", "rollover", cmd_keys, NULL, 0, 0, NULL, DB_WRITE,
	  "Renews the robot's keys: the new OpenPGP key certified by the old, every signer "
	  "told (signed by the old keys), the daemon told by SIGHUP." },
	{ "keys", "import-smime", cmd_keys, "CERT KEY", 2, 2, NULL, VAR,
	  "Installs a CA-issued certificate (PEM, with its chain) and its key as the robot's "
	  "S/MIME identity." },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: pocbot [-c FILE] COMMAND [ACTION] [OPERANDS...] [OPTIONS]\n"
		   "       pocbot help [COMMAND] | pocbot COMMAND --help | pocbot --version\n\n"
		   "The mail robot of the Points of Contact Directory.\n\ncommands:\n");
	command_usage(f, commands, G_N_ELEMENTS(commands), NULL);
	fprintf(f, "\noptions:\n"
		   "  -c, --config FILE  the configuration (else $POCBOT_CONFIG, "
		   "/etc/pocbot/pocbot.conf, the embedded defaults)\n"
		   "  -h, --help         this text\n"
		   "  --version          the versions of pocbot, its database schema and its "
		   "libraries\n\n"
		   "See pocbot(8), pocbot.conf(5) and pocbot-mail(7).\n");
}

/* Reads the global options, up to the command's name. */
static int global_options(int *argc, char ***argv, char **config_file, gboolean *help,
			  gboolean *version)
{
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, config_file, "configuration file",
		  "FILE" },
		{ "help", 'h', 0, G_OPTION_ARG_NONE, help, "this text", NULL },
		{ "version", 0, 0, G_OPTION_ARG_NONE, version, "the versions", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *oc = g_option_context_new("COMMAND [ARGS...]");
	GError *err = NULL;
	int rc = 0;

	g_option_context_set_strict_posix(oc, TRUE);
	g_option_context_set_help_enabled(oc, FALSE);
	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, argc, argv, &err)) {
		fprintf(stderr, "pocbot: %s (see pocbot --help)\n", err->message);
		g_error_free(err);
		rc = EX_USAGE;
	}
	g_option_context_free(oc);
	return rc;
}

/* The rows of the command called name: their number, *first the first. */
static size_t find_command(const char *name, const struct command **first)
{
	size_t n = 0;

	*first = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, name) == 0) {
			*first = *first ? *first : &commands[i];
			n++;
		}
	return n;
}

/* Does the command line ask for a command's help? Then no configuration is read. */
static int asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "-?") == 0)
			return 1;
	return 0;
}

static int run(struct command_ctx *ctx, const char *config_file, int argc, char **argv)
{
	struct config cfg;
	char *err = NULL;
	int rc;

	if (asks_help(argc, argv))	/* GOption prints it and exits 0 */
		return ctx->rows[0].run(ctx, argc, argv);
	if (config_load(config_file, &cfg, &err) < 0) {
		fprintf(stderr, "pocbot: %s\n", err);
		g_free(err);
		return EX_CONFIG;
	}
	ctx->cfg = &cfg;
	log_open(&cfg);
	mail_library_init();
	rc = ctx->rows[0].run(ctx, argc, argv);
	db_close(ctx->db);
	config_clear(&cfg);
	return rc;
}

int main(int argc, char **argv)
{
	char *config_file = NULL, *help_argv[] = { NULL, "--help", NULL };
	gboolean help = FALSE, version = FALSE;
	struct command_ctx ctx = { 0 };
	int rc;

	setlocale(LC_ALL, "");
	signal(SIGPIPE, SIG_IGN);	/* a dead peer is an error return, not a death */
	/* the daemon's crypto engine (crypto-client.c starts it): not a command
	 * of the table, which `pocbot help` lists; it needs no configuration */
	if (argc == 2 && strcmp(argv[1], "crypto-engine") == 0)
		return crypto_engine_main(3);
	if ((rc = global_options(&argc, &argv, &config_file, &help, &version)) != 0)
		return rc;
	if (version) {
		command_version();
		rc = 0;
	} else if (argc < 2 && !help) {
		usage(stderr);
		rc = EX_USAGE;
	} else if (help || (strcmp(argv[1], "help") == 0 && argc == 2)) {
		usage(stdout);
		rc = 0;
	} else if (strcmp(argv[1], "help") == 0) {
		if ((ctx.n_rows = find_command(argv[2], &ctx.rows)) == 0) {
			fprintf(stderr, "pocbot help: no command '%.200s' (see pocbot help)\n",
				argv[2]);
			rc = EX_USAGE;
		} else {
			help_argv[0] = argv[2];
			rc = run(&ctx, config_file, 2, help_argv);
		}
	} else if ((ctx.n_rows = find_command(argv[1], &ctx.rows)) == 0) {
		fprintf(stderr, "pocbot: unknown command '%.200s' (see pocbot help)\n", argv[1]);
		rc = EX_USAGE;
	} else {
		rc = run(&ctx, config_file, argc - 1, argv + 1);
	}
	g_free(config_file);
	return rc;
}

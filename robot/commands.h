/* commands.h - the subcommands of pocbot, one file each (cmd-<name>.c),
 * dispatched from the table in main.c: one row per command and action,
 * with the operands and options it takes and what it needs of the database
 * (notmuch's model), so that parsing, refusing, opening the database and
 * the exit codes of all that are decided once, in command-util.c. Each
 * command returns a sysexits code. */
#ifndef POCBOT_COMMANDS_H
#define POCBOT_COMMANDS_H

#include "config.h"

#define POCBOT_VERSION "0.1"

/* What an action needs of the database, VAR/pocbot.db. */
enum command_flags {
	CMD_DB = 1 << 0,	/* opened (and migrated) before the action runs */
	CMD_DB_WRITE = 1 << 1,	/* the action writes it; else the connection refuses writes */
	CMD_DB_CREATE = 1 << 2,	/* VAR and the database may be created; else a missing one is 66 */
	CMD_VAR = 1 << 3,	/* uses VAR without the database (keys, spool) */
};

struct command_ctx;
typedef int command_fn(struct command_ctx *ctx, int argc, char **argv);

/* One row of the table: a command, or one action of a command. */
struct command {
	const char *name;	/* "ping" */
	const char *action;	/* "report", or NULL for a command without actions */
	command_fn *run;	/* the entry point (cmd-<name>.c), the same for each action */
	const char *operands;	/* for the usage line: "ROUND", or NULL */
	int min_operands, max_operands;	/* after the action's name; max -1: any number */
	const char *options;	/* the long options this action takes, "state type", or NULL */
	unsigned flags;		/* enum command_flags */
	const char *summary;
};

/* What a command runs with; the database is open when its row says CMD_DB. */
struct sqlite3;
struct command_ctx {
	struct config *cfg;
	struct sqlite3 *db;
	const struct command *rows;	/* the command's rows in the table */
	size_t n_rows;
	const struct command *row;	/* the action chosen, once the options are parsed */
};

command_fn cmd_serve;
command_fn cmd_deliver;
command_fn cmd_config;
command_fn cmd_status;
command_fn cmd_db;
command_fn cmd_spool;
command_fn cmd_outbox;
command_fn cmd_state;
command_fn cmd_signer;
command_fn cmd_audit;
command_fn cmd_keys;
command_fn cmd_poc;
command_fn cmd_poc_recheck;	/* poc recheck, called by cmd_poc */
command_fn cmd_keys_rollover;	/* keys rollover, called by cmd_keys */
command_fn cmd_signer_renew;	/* signer renew, called by cmd_signer */
command_fn cmd_export;
command_fn cmd_ping;
command_fn cmd_backup;
command_fn cmd_restore;

/* Parses a command's options with GOption (--help included: it prints the
 * command's actions from the table and exits 0), then checks them against
 * the table: a known action, its number of operands, no option that this
 * action does not take; then opens the database as the row says. argv[0]
 * is the command's name. Returns 0, or the exit code to end with after
 * saying why: 64 usage, 78 no configuration was found and ./var holds no
 * robot (only an action that may create the database makes one there),
 * 66 no database yet, 73 VAR cannot be made, 77 the
 * database is not ours to open, 69 it needs a newer pocbot, 75 otherwise
 * (busy, locked, disk full: a retry can help). */
int command_options(struct command_ctx *ctx, const char *summary, GOptionEntry *entries, int *argc,
		    char ***argv);

/* Prints the usage lines of a command's rows (or of every row) to f. */
#include <stdio.h>
void command_usage(FILE *f, const struct command *rows, size_t n, const char *name);

/* Prints pocbot's version, its schema version and its libraries' versions. */
void command_version(void);

/* Prints untrusted text on one line: control characters as '?', at most
 * 500 bytes; "-" for NULL or empty. */
void command_print_text(const char *s);

/* Opens VAR/pocbot.db (creating VAR), migrating it: for the daemon's
 * threads, each with its own connection. NULL after saying why. */
struct sqlite3 *command_open_db(const struct config *cfg);

/* "signer add" and "signer renew" (cmd-signer-renew.c): when s's key,
 * which expires at expires, expires within 30 days of now, its warning is
 * queued at once (key-warnings.c, in the caller's transaction): 0, or 75
 * (EX_TEMPFAIL); and, once committed, said on standard output. */
struct signer;
int cmd_signer_expiring(const struct config *cfg, struct sqlite3 *db, const struct signer *s,
			gint64 expires, gint64 now);
void cmd_signer_say_expiring(const struct signer *s, gint64 expires, gint64 now);

#endif

/* commands.h - the subcommands of pocbot, one file each (cmd-<name>.c),
 * dispatched from the table in main.c. Each returns a sysexits code. */
#ifndef POCBOT_COMMANDS_H
#define POCBOT_COMMANDS_H

#include "config.h"

typedef int command_fn(struct config *cfg, int argc, char **argv);

command_fn cmd_serve;
command_fn cmd_deliver;
command_fn cmd_config;
command_fn cmd_db;
command_fn cmd_spool;
command_fn cmd_state;
command_fn cmd_signer;
command_fn cmd_audit;
command_fn cmd_keys;
command_fn cmd_poc;
command_fn cmd_export;
command_fn cmd_ping;

/* Parses a subcommand's options with GOption (--help included); argv[0] is
 * the command's name. Returns 0, or the exit code to end with. */
int command_options(const char *name, const char *params, const char *summary, GOptionEntry *entries,
		    int *argc, char ***argv);

/* Prints untrusted text on one line: control characters as '?', at most
 * 500 bytes; "-" for NULL or empty. */
void command_print_text(const char *s);

/* Opens VAR/pocbot.db (creating VAR), migrating it. NULL after saying why. */
struct sqlite3;
struct sqlite3 *command_open_db(const struct config *cfg);

#endif

/* cmd-config.c - prints the effective configuration, defaults included. */
#include <stdio.h>
#include "commands.h"

int cmd_config(struct command_ctx *ctx, int argc, char **argv)
{
	char *text;
	int rc = command_options(ctx, "Prints the effective configuration.", NULL, &argc, &argv);

	if (rc)
		return rc;
	text = config_dump(ctx->cfg);
	fputs(text, stdout);
	g_free(text);
	return 0;
}

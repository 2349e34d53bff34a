/* own-address.c - the robot's own addresses, made and recognised in one
 * place: its address, and PREFIX+TOKEN@ its domain (bounces+, ping+).
 * Input: any address an envelope or a header gives. */
#include <string.h>
#include <glib.h>
#include "own-address.h"

char *own_address_make(const struct config *cfg, const char *prefix, const char *token)
{
	return g_strdup_printf("%s+%s@%s", prefix, token, cfg->domain);
}

const char *own_address_token(const struct config *cfg, const char *addr, const char *prefix,
			      size_t *len)
{
	size_t n = strlen(prefix);
	const char *at = addr ? strrchr(addr, '@') : NULL;

	if (!at || g_ascii_strcasecmp(at + 1, cfg->domain) != 0)
		return NULL;
	if (g_ascii_strncasecmp(addr, prefix, n) != 0 || addr[n] != '+')
		return NULL;
	*len = (size_t)(at - (addr + n + 1));
	return addr + n + 1;
}

int own_address_is(const struct config *cfg, const char *addr)
{
	size_t len;

	if (!addr || !*addr)
		return 0;
	if (g_ascii_strcasecmp(addr, cfg->address) == 0)
		return 1;
	return own_address_token(cfg, addr, OWN_BOUNCES, &len) ||
	       own_address_token(cfg, addr, OWN_PING, &len);
}

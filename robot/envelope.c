/* envelope.c - the SMTP envelope. Addresses come from the MTA (untrusted):
 * envelope_address_ok bounds them before they go anywhere; a quoted local
 * part ("System Administrator"@example.org) is an address too. The robot
 * speaks no SMTPUTF8: an address whose local part is not ASCII is one
 * (envelope_address_ok) but cannot be used in an envelope
 * (envelope_local_ascii); a domain in U-labels can (as A-labels). */
#include <string.h>
#include "envelope.h"
#include "limits.h"

void envelope_init(struct envelope *env)
{
	env->sender = NULL;
	env->recipients = g_ptr_array_new_with_free_func(g_free);
}

void envelope_clear(struct envelope *env)
{
	g_clear_pointer(&env->sender, g_free);
	g_clear_pointer(&env->recipients, g_ptr_array_unref);
}

void envelope_add_recipient(struct envelope *env, const char *rcpt)
{
	g_ptr_array_add(env->recipients, g_strdup(rcpt));
}

char *envelope_recipients_text(const struct envelope *env)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < env->recipients->len; i++)
		g_string_append_printf(s, "%s%s", i ? " " : "",
		                       (const char *)env->recipients->pdata[i]);
	return g_string_free(s, FALSE);
}

/* The byte after a quoted local part starting at p ('"'), or NULL: printable
 * ASCII and quoted pairs (RFC 5321 4.1.2), UTF-8 (RFC 6532: the caller
 * checks it is valid), but no '<' or '>', which would end a path for a
 * careless reader. */
static const char *quoted_end(const char *p)
{
	for (p++; *p != '"'; p++) {
		unsigned char c;

		if (*p == '\\')
			p++;
		c = (unsigned char)*p;
		if (c < ' ' || c == 0x7f || c == '<' || c == '>')
			return NULL;
	}
	return p + 1;
}

int envelope_address_ok(const char *addr, int allow_null)
{
	size_t len = strlen(addr);
	const char *local_end = addr, *at;

	if (len == 0)
		return allow_null;
	if (addr[0] == '"' && (!(local_end = quoted_end(addr)) || *local_end != '@'))
		return 0;
	at = strrchr(local_end, '@');
	if (len > MAX_ADDRESS_LEN || !at || at == addr || at[1] == '\0')
		return 0;
	if ((size_t)(at - addr) > MAX_LOCAL_PART)
		return 0;
	for (const unsigned char *p = (const unsigned char *)local_end; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return g_utf8_validate(addr, -1, NULL);
}

int envelope_local_ascii(const char *addr)
{
	const char *at = strrchr(addr, '@');

	for (const char *p = addr; at ? p < at : *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			return 0;
	return 1;
}

char *envelope_address_ascii(const char *addr)
{
	const char *at = strrchr(addr, '@');
	char *domain, *out = NULL;

	if (!at || !envelope_local_ascii(addr))
		return NULL;
	domain = g_hostname_to_ascii(at + 1);
	if (domain)
		out = g_strdup_printf("%.*s@%s", (int)(at - addr), addr, domain);
	g_free(domain);
	return out;
}

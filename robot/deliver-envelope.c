/* deliver-envelope.c - finds the envelope of a piped message when the MTA
 * gave no --sender or --recipient: first in the environment its delivery
 * agent sets (Postfix local(8): SENDER and ORIGINAL_RECIPIENT; Exim's pipe
 * transport: SENDER, LOCAL_PART, LOCAL_PART_SUFFIX, DOMAIN), else in the
 * first Return-Path and Delivered-To fields of the message's head, which the
 * delivering MTA prepends. Input: the environment and the head of an
 * untrusted message; what it finds is checked by cmd-deliver.c like an
 * argument. Returns NULL when nothing gives the value. */
#include <stdlib.h>
#include <string.h>
#include "deliver-envelope.h"

char *deliver_env_sender(void)
{
	const char *s = getenv("SENDER");

	return s ? g_strdup(s) : NULL;
}

char *deliver_env_recipient(void)
{
	const char *orig = getenv("ORIGINAL_RECIPIENT");
	const char *local = getenv("LOCAL_PART"), *domain = getenv("DOMAIN");
	const char *prefix = getenv("LOCAL_PART_PREFIX");
	const char *suffix = getenv("LOCAL_PART_SUFFIX");

	if (orig && *orig)
		return g_strdup(orig);
	if (!local || !*local || !domain || !*domain)
		return NULL;
	return g_strconcat(prefix ? prefix : "", local, suffix ? suffix : "", "@", domain,
			   NULL);
}

/* The value of the field that starts at line (after "NAME:"), with its
 * continuation lines, up to end; unfolded and trimmed. g_free it. */
static char *field_value(const char *line, const char *end)
{
	GString *v = g_string_new(NULL);
	const char *p = line;

	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;

		g_string_append_len(v, p, stop - p);
		if (!nl || nl + 1 >= end || (nl[1] != ' ' && nl[1] != '\t'))
			break;
		p = nl + 1;
	}
	for (gsize i = 0; i < v->len; i++)
		if (v->str[i] == '\r' || v->str[i] == '\t')
			v->str[i] = ' ';
	return g_strstrip(g_string_free(v, FALSE));
}

/* value without one pair of angle brackets; value itself when it has none. */
static char *strip_angles(char *value)
{
	size_t n = strlen(value);
	char *inner;

	if (n < 2 || value[0] != '<' || value[n - 1] != '>')
		return value;
	inner = g_strstrip(g_strndup(value + 1, n - 2));
	g_free(value);
	return inner;
}

char *deliver_header_address(const char *head, size_t n, const char *name)
{
	const char *p = head, *end = head + n;
	size_t len = strlen(name);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
			break;	/* the blank line: what follows is the body's */
		if ((size_t)(end - p) > len && g_ascii_strncasecmp(p, name, len) == 0 &&
		    p[len] == ':')
			return strip_angles(field_value(p + len + 1, end));
		if (!nl)
			break;
		p = nl + 1;
	}
	return NULL;
}

size_t deliver_from_line(const char *buf, size_t n)
{
	const char *nl;

	if (n < 5 || memcmp(buf, "From ", 5) != 0)
		return 0;
	nl = memchr(buf, '\n', n);
	return nl ? (size_t)(nl - buf) + 1 : 0;
}

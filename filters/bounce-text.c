/* bounce-text.c - reads the bounces that are not RFC 3464 reports (qmail,
 * Exim, old Sendmail, Exchange, Lotus, Novell, webmail services...): the
 * X-Failed-Recipients header, the addresses their prose explanation names
 * before the copy of the returned message with the reason written beside
 * each, local parts alone under an announcing line (AOL), or at last the
 * To of the returned message. Input: the text of any message classify
 * took for a bounce, untrusted and broken in every way real ones are.
 * Adds what it finds to the report; never fails. GLib only. */
#include <string.h>
#include "bounce-internal.h"

#define CONTEXT_LINES		4	/* lines after an address read for its reason */

/* Lines after which a non-standard bounce quotes the returned message:
 * addresses past them are the original's, not failed ones. Lower case. */
static const char *const copy_markers[] = {
	"this is a copy of the message", "below this line is a copy of the message",
	"original message follows", "----- original message", "-----original message",
	"--- original message", "original message headers",
	"------ this is a copy of your message", "your message reads", "-- the header and top",
	"unsent message below", "--- message header follows", "---- start of returned message",
	"----- unsent message follows", "--- below this line is the original",
	"returned message follows", "--- original message header", "message headers follow", NULL
};

/* Local parts of mail systems: never the failed recipient. Lower case. */
static const char *const system_locals[] = {
	"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mdaemon", "root", "daemon",
	NULL
};

/* Header lines whose addresses are the sender's or a message's own. */
static const char *const sender_headers[] = {
	"from:", "return-path:", "sender:", "reply-to:", "message-id:", "received:", "references:",
	"in-reply-to:", "errors-to:", "x-", "reporting-mta:", "remote-mta:", "received-from-mta:",
	"list-", "dkim-", "authentication-results:", "content-", NULL
};

/* Words of a line announcing failed recipients. Lower case. */
static const char *const failure_words[] = {
	"could not be delivered", "couldn't be delivered", "failed", "undeliverable",
	"unable to deliver", "not accepting", NULL
};

/* X-Failed-Recipients (Exim, and others since): a comma-separated list. */
void bounce_read_failed_header(const struct mail *m, struct bounce_report *r)
{
	const char *h = mail_header(m, "X-Failed-Recipients");
	char **list = h ? g_strsplit_set(h, ",", MAX_BOUNCE_RECIPIENTS) : NULL;

	for (char **a = list; a && *a; a++) {
		char *addr = bounce_clean_address(*a);
		if (addr)
			bounce_add_recipient(r, addr, BOUNCE_FAILED, NULL, NULL);
	}
	g_strfreev(list);
}

/* The explanation of a non-standard bounce: its text up to the copy of the
 * returned message. g_free it. */
char *bounce_explanation(const char *text)
{
	char *lower = g_ascii_strdown(text, -1), *cut = NULL;
	char *out;

	for (const char *const *mk = copy_markers; *mk; mk++) {
		char *at = strstr(lower, *mk);
		if (at && (!cut || at < cut))
			cut = at;
	}
	out = cut ? g_strndup(text, (gsize)(cut - lower)) : g_strdup(text);
	g_free(lower);
	return out;
}

static int is_system_address(const char *addr)
{
	for (const char *const *l = system_locals; *l; l++)
		if (g_ascii_strncasecmp(addr, *l, strlen(*l)) == 0 && addr[strlen(*l)] == '@')
			return 1;
	return 0;
}

static int already(const struct bounce_report *r, const char *addr)
{
	for (guint i = 0; i < r->recipients->len; i++) {
		const struct bounce_recipient *rc = r->recipients->pdata[i];
		if (rc->address && g_ascii_strcasecmp(rc->address, addr) == 0)
			return 1;
	}
	return 0;
}

/* 1 when line (trimmed) starts with an address: the next recipient. */
static int starts_with_address(const char *line)
{
	size_t len;

	line += strspn(line, " \t<*-");
	len = strcspn(line, " \t>:;,");
	return memchr(line, '@', len) != NULL;
}

/* The reason given near the address on line i: the rest of its line and
 * the lines after it, up to a blank line or the next recipient, as one
 * line; NULL when that is the address alone. g_free it. */
static char *reason_near(char **lines, int i)
{
	GString *s = g_string_new(NULL);
	char *out;

	for (int k = i; lines[k] && k <= i + CONTEXT_LINES; k++) {
		const char *l = lines[k] + strspn(lines[k], " \t");
		if (k > i && (!*l || starts_with_address(l)))
			break;
		g_string_append_printf(s, "%s%s", s->len ? " " : "", l);
	}
	out = bounce_one_line(s->str, (gssize)s->len);
	g_string_free(s, TRUE);
	if (strlen(out) <= strcspn(out, " \t") + 2 && !strchr(out, ' ')) { /* the address alone */
		g_free(out);
		return NULL;
	}
	return out;
}

/* One address found in line at start, unless it is not a recipient. */
static void take_address(struct bounce_report *r, char **lines, int i, const char *line,
			 gint start, const char *found, const char *exclude, int system_too)
{
	char before = start > 0 ? line[start - 1] : ' ';
	const char *addr = found;
	char *lower;

	if (g_ascii_strncasecmp(addr, "smtp=", 5) == 0)	/* X.400 forms: dda:smtp=a@b */
		addr += 5;
	if (before == '/' || before == '.' || (before == '=' && addr == found) ||
	    (start >= 5 && g_ascii_strncasecmp(line + start - 5, "from ", 5) == 0 &&
	     !(start >= 15 &&
	       g_ascii_strncasecmp(line + start - 15, "generated from ", 15) == 0)) ||
	    (!system_too && is_system_address(addr)) || already(r, addr))
		return;
	lower = g_ascii_strdown(addr, -1);
	if (!strstr(exclude, lower))
		bounce_add_recipient(r, g_strdup(addr), BOUNCE_FAILED, NULL,
				     reason_near(lines, i));
	g_free(lower);
}

/* The addresses a non-standard bounce names before the returned copy,
 * with the reason written beside each; not those after "from " (the
 * sender), nor exclude (the bounce's own From and To), nor the
 * addresses of mail systems (postmaster@...) unless system_too. */
void bounce_read_text(const char *expl, const char *exclude, int system_too,
		      struct bounce_report *r)
{
	char **lines = g_strsplit(expl, "\n", -1);
	GRegex *re = g_regex_new(
		"[a-z0-9][a-z0-9._%+'=!#$&*/?^`{|}~-]*@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]+",
		G_REGEX_CASELESS, 0, NULL);

	for (int i = 0; lines[i] && r->recipients->len < MAX_BOUNCE_RECIPIENTS; i++) {
		const char *line = lines[i] + strspn(lines[i], " \t>");
		GMatchInfo *mi;

		if (g_ascii_strncasecmp(line, "by ", 3) == 0 ||
		    g_ascii_strncasecmp(line, "id ", 3) == 0)
			continue;
		for (const char *const *h = sender_headers; *h && line; h++)
			if (g_ascii_strncasecmp(line, *h, strlen(*h)) == 0)
				line = NULL;
		if (!line)
			continue;
		g_regex_match(re, line, 0, &mi);
		for (; g_match_info_matches(mi); g_match_info_next(mi, NULL)) {
			char *addr = g_match_info_fetch(mi, 0);
			gint start;

			g_match_info_fetch_pos(mi, 0, &start, NULL);
			take_address(r, lines, i, line, start, addr, exclude, system_too);
			g_free(addr);
		}
		g_match_info_free(mi);
	}
	g_regex_unref(re);
	g_strfreev(lines);
}

/* Recipients named by their local part alone under a line announcing
 * them (AOL: "...could not be delivered...:" then "\tscreenname"), in
 * the domain of the bounce's From. */
void bounce_read_bare_names(const char *expl, const struct mail *m, struct bounce_report *r)
{
	char **lines = g_strsplit(expl, "\n", -1);
	char *from = mail_from_address(m), *domain = from ? strchr(from, '@') : NULL;

	for (int i = 1;
	     domain && lines[0] && lines[i] && r->recipients->len < MAX_BOUNCE_RECIPIENTS; i++) {
		char *prev = g_strstrip(g_ascii_strdown(lines[i - 1], -1)),
		     *name = g_strstrip(g_strdup(lines[i]));
		if (*name && !strpbrk(name, " @:<>") && strlen(name) < MAX_DIAGNOSTIC &&
		    g_str_has_suffix(prev, ":") && strstr(prev, "recipient") &&
		    bounce_has_any(prev, failure_words))
			bounce_add_recipient(r, g_strconcat(name, domain, NULL), BOUNCE_FAILED,
					     NULL, bounce_one_line(prev, -1));
		else if (*name && r->recipients->len)
			break;
		g_free(prev);
		g_free(name);
	}
	g_strfreev(lines);
	g_free(from);
}

/* A diagnostic for each recipient without one (X-Failed-Recipients
 * gives none): what the explanation says beside its address. */
void bounce_fill_reasons(struct bounce_report *r, const char *expl)
{
	char **lines = g_strsplit(expl, "\n", -1);

	for (guint k = 0; k < r->recipients->len; k++) {
		struct bounce_recipient *rc = r->recipients->pdata[k];
		char *addr = rc->address ? g_ascii_strdown(rc->address, -1) : NULL;

		for (int i = 0; addr && !rc->diagnostic && lines[i]; i++) {
			char *line = g_ascii_strdown(lines[i], -1);
			if (strstr(line, addr))
				rc->diagnostic = reason_near(lines, i);
			g_free(line);
		}
		g_free(addr);
	}
	g_strfreev(lines);
}

/* The recipient of the returned message, when the bounce names none: a
 * ping has one. */
void bounce_read_returned_to(const char *headers, struct bounce_report *r)
{
	char *to = bounce_first_match("(?mi)^To:[ \\t]*(.+)$", headers, 1);
	char *lt = to ? strchr(to, '<') : NULL;
	char *addr = to ? bounce_clean_address(lt ? lt : to) : NULL;

	if (addr && !is_system_address(addr))
		bounce_add_recipient(r, addr, BOUNCE_FAILED, NULL, NULL);
	else
		g_free(addr);
	g_free(to);
}

/* The addresses that are not the failed recipient: the bounce's From and
 * To, lower case. (The returned message's From may be its To too: a
 * message sent to oneself.) g_free it. */
char *bounce_own_addresses(const struct mail *m)
{
	char *all = g_strdup_printf("%s %s", mail_header(m, "From") ? mail_header(m, "From") : "",
				    mail_header(m, "To") ? mail_header(m, "To") : "");
	char *lower = g_utf8_strdown(all, -1);

	g_free(all);
	return lower;
}

/* bounce.c - reads what a bounce says: the recipients it reports on, with
 * action, status, diagnostic and whether the address is dead.
 * Input: any message classify took for a bounce, from any mail system,
 * broken in every way real ones are. Standard reports (RFC 3464) are read
 * from their message/delivery-status part; the others (qmail, Exim, old
 * Sendmail, Exchange, Lotus, Novell, webmail services...) from the
 * X-Failed-Recipients header or from the addresses their explanation
 * names before the copy of the returned message. Returns NULL when no
 * recipient can be named at all. GLib only: the MIME is read by the
 * adapter (robot/mail-report.c). */
#include <string.h>
#include "bounce.h"
#include "mail-report.h"

#define MAX_BOUNCE_RECIPIENTS	50	/* recipients read from one report */
#define MAX_DIAGNOSTIC		300	/* characters of a diagnostic kept */
#define CONTEXT_LINES		4	/* lines after an address read for its reason */

/* Lines after which a non-standard bounce quotes the returned message:
 * addresses past them are the original's, not failed ones. Lower case. */
static const char *const copy_markers[] = {
	"this is a copy of the message", "below this line is a copy of the message",
	"original message follows", "----- original message", "-----original message",
	"--- original message", "original message headers", "------ this is a copy of your message",
	"your message reads", "-- the header and top", "unsent message below", "--- message header follows",
	"---- start of returned message", "----- unsent message follows",
	"--- below this line is the original", "returned message follows", "--- original message header",
	"message headers follow", NULL
};

/* Local parts of mail systems: never the failed recipient. Lower case. */
static const char *const system_locals[] = {
	"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mdaemon", "root", "daemon", NULL
};

/* Header lines whose addresses are the sender's or a message's own. */
static const char *const sender_headers[] = {
	"from:", "return-path:", "sender:", "reply-to:", "message-id:", "received:", "references:",
	"in-reply-to:", "errors-to:", "x-", "reporting-mta:", "remote-mta:", "received-from-mta:", "list-",
	"dkim-", "authentication-results:", "content-", NULL
};

/* Words for a dead address: no such mailbox or domain. Lower case. */
static const char *const dead_words[] = {
	"user unknown", "unknown user", "no such user", "no such recipient", "no such mailbox",
	"no such address", "mailbox not found", "mailbox unavailable", "mailbox does not exist",
	"does not exist", "doesn't exist", "invalid recipient", "unknown recipient", "recipient not found",
	"recipientnotfound", "user not found", "address unknown", "is not a valid", "not a valid mailbox",
	"invalid mailbox", "no mailbox", "host unknown", "unknown host", "host not found", "no such domain",
	"domain not found", "name or service not known", "domain does not exist", "unrouteable address",
	"unroutable address", "not our customer", "account has been disabled", "account is disabled",
	"discontinued", "account does not exist", "addressee unknown", "user doesn't have", "not listed in",
	"unknown local part", "no longer available", "invalid address", "bad destination mailbox",
	"unknown or illegal alias", "email account that you tried to reach does not exist", "no such person",
	"nie istnieje", "wasn't found at", "wasn’t found at", "no valid recipients",
	"recipient address rejected", "#5.1.0 address rejected", "dns lookup failure", NULL
};

/* Words of a line announcing failed recipients. Lower case. */
static const char *const failure_words[] = {
	"could not be delivered", "couldn't be delivered", "failed", "undeliverable", "unable to deliver",
	"not accepting", NULL
};

/* Words for a transient notice: the message is still being tried. */
static const char *const delay_words[] = {
	"will continue to try", "will keep trying", "still trying", "has not yet been delivered",
	"not yet been delivered", "delivery is delayed", "delivery delayed", "delayed mail",
	"warning: message", "will be retried", "will retry", "is delayed",
	"delivery status notification (delay)", "temporarily deferred", "attempts will continue",
	"do not resend your original message", "warning only", "still being retried", NULL
};

static int has_any(const char *lower, const char *const *words)
{
	for (; *words; words++)
		if (strstr(lower, *words))
			return 1;
	return 0;
}

static void recipient_free(gpointer p)
{
	struct bounce_recipient *rc = p;

	g_free(rc->address);
	g_free(rc->status);
	g_free(rc->diagnostic);
	g_free(rc);
}

void bounce_report_free(struct bounce_report *r)
{
	if (!r)
		return;
	g_free(r->envid);
	g_free(r->original_message_id);
	g_ptr_array_unref(r->recipients);
	g_free(r);
}

/* s as one line of printable text, trimmed and bounded. g_free it. */
static char *one_line(const char *s, gssize len)
{
	char *t = g_utf8_make_valid(s, len);
	glong n;

	for (char *p = t; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = ' ';
	g_strstrip(t);
	n = g_utf8_strlen(t, -1);
	if (n > MAX_DIAGNOSTIC)
		*g_utf8_offset_to_pointer(t, MAX_DIAGNOSTIC) = '\0';
	return t;
}

/* Group g of the first match of pattern in s, or NULL. g_free it. */
static char *first_match(const char *pattern, const char *s, int g)
{
	GRegex *re = g_regex_new(pattern, 0, 0, NULL);
	GMatchInfo *mi;
	char *found = g_regex_match(re, s, 0, &mi) ? g_match_info_fetch(mi, g) : NULL;

	g_match_info_free(mi);
	g_regex_unref(re);
	return found;
}

/* The first enhanced status code (RFC 3463) in s, "5.1.1", or NULL. */
static char *find_status(const char *s)
{
	return first_match("(?<![\\d.])[245]\\.\\d{1,3}\\.\\d{1,3}(?![\\d.])", s, 0);
}

/* The class of the first SMTP reply code (550 -> '5') in s, or 0. */
static char find_reply_class(const char *s)
{
	char *code = first_match("(?<![\\d.#-])([245])[0-5]\\d(?![\\d.])", s, 1);
	char found = code ? code[0] : 0;

	g_free(code);
	return found;
}

/* An address as written in a report ("rfc822; <a@b>", "<a@b>", "a@b
 * (comment)"): the addr-spec, or NULL when there is none. g_free it. */
static char *clean_address(const char *value)
{
	const char *semi = strchr(value, ';'), *p;
	char *addr;
	size_t len;

	if (semi && !memchr(value, '@', (size_t)(semi - value)))
		value = semi + 1;
	value += strspn(value, " \t\r\n<\"");
	len = strcspn(value, " \t\r\n<>\"(),;");
	addr = g_strndup(value, len);
	p = strchr(addr, '@');
	if (!p || p == addr || !p[1] || len > 254) {
		g_free(addr);
		return NULL;
	}
	return addr;
}

/* The value of field name in a report block (unfolded, right-trimmed
 * "Name: value" lines), or NULL. Borrowed from lines. */
static const char *field(char **lines, const char *name)
{
	size_t n = strlen(name);

	for (char **l = lines; *l; l++)
		if (g_ascii_strncasecmp(*l, name, n) == 0 && (*l)[n] == ':')
			return *l + n + 1 + strspn(*l + n + 1, " \t");
	return NULL;
}

/* The Action field's word (RFC 3464 2.3.3, and "failure", "error"), else
 * the status class. */
static enum bounce_action action_of(const char *action, const char *status)
{
	static const struct { const char *word; enum bounce_action action; } words[] = {
		{ "delay", BOUNCE_DELAYED }, { "deliver", BOUNCE_DELIVERED }, { "relay", BOUNCE_RELAYED },
		{ "expand", BOUNCE_EXPANDED }, { "fail", BOUNCE_FAILED }, { "error", BOUNCE_FAILED }
	};

	for (gsize i = 0; action && i < G_N_ELEMENTS(words); i++)
		if (g_ascii_strncasecmp(action, words[i].word, strlen(words[i].word)) == 0)
			return words[i].action;
	return status && status[0] == '4' ? BOUNCE_DELAYED : status && status[0] == '2' ? BOUNCE_DELIVERED
											: BOUNCE_FAILED;
}

/* Ends block cur: kept in blocks when it has lines. */
static void block_end(GPtrArray *blocks, GPtrArray *cur)
{
	if (cur && cur->len) {
		g_ptr_array_add(cur, NULL);
		g_ptr_array_add(blocks, cur);
	} else if (cur) {
		g_ptr_array_unref(cur);
	}
}

/* The blocks of a delivery-status text, unfolded: one per blank line, and
 * a new one at each Final-Recipient when a block already has one (some
 * MTAs forget the blank line). Each block a NULL-terminated line array. */
static GPtrArray *report_blocks(const char *text)
{
	GPtrArray *blocks = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	char **lines = g_strsplit(text, "\n", -1);
	GPtrArray *cur = NULL;
	gboolean has_final = FALSE;

	for (char **l = lines; *l; l++) {
		char *line = g_strchomp(*l);
		gboolean final = g_ascii_strncasecmp(line, "Final-Recipient:", 16) == 0;

		if (!*line || (final && has_final) || !cur) {
			block_end(blocks, cur);
			cur = g_ptr_array_new_with_free_func(g_free);
			has_final = FALSE;
			if (!*line)
				continue;
		}
		if ((*line == ' ' || *line == '\t') && cur->len) {
			char *joined = g_strconcat(cur->pdata[cur->len - 1], " ", g_strstrip(line), NULL);
			g_free(cur->pdata[cur->len - 1]);
			cur->pdata[cur->len - 1] = joined;
		} else {
			g_ptr_array_add(cur, g_strdup(line));
		}
		has_final = has_final || final;
	}
	block_end(blocks, cur);
	g_strfreev(lines);
	return blocks;
}

static void add_recipient(struct bounce_report *r, char *address, enum bounce_action action,
			  char *status, char *diagnostic)
{
	struct bounce_recipient *rc = g_new0(struct bounce_recipient, 1);

	rc->address = address;
	rc->action = action;
	rc->status = status;
	rc->diagnostic = diagnostic;
	g_ptr_array_add(r->recipients, rc);
}

/* A Diagnostic-Code without its type ("smtp; 550 ..." -> "550 ..."), as
 * one line. g_free it. */
static char *diagnostic_text(const char *diag)
{
	const char *semi = strchr(diag, ';');

	if (semi && semi - diag <= 20 && !memchr(diag, ' ', (size_t)(semi - diag)))
		diag = semi + 1;
	return one_line(diag, -1);
}

/* The per-recipient blocks of an RFC 3464 report into r. */
static void read_dsn(const char *text, struct bounce_report *r)
{
	GPtrArray *blocks = report_blocks(text);

	for (guint i = 0; i < blocks->len && r->recipients->len < MAX_BOUNCE_RECIPIENTS; i++) {
		char **lines = (char **)((GPtrArray *)blocks->pdata[i])->pdata;
		const char *final = field(lines, "Final-Recipient"), *orig = field(lines, "Original-Recipient");
		const char *action = field(lines, "Action"), *status = field(lines, "Status");
		const char *diag = field(lines, "Diagnostic-Code"), *envid = field(lines, "Original-Envelope-Id");
		char *addr = orig ? clean_address(orig) : NULL;	/* as we wrote it */
		char *code = status ? find_status(status) : NULL;

		if (envid && !r->envid)
			r->envid = one_line(envid, -1);
		if (!addr && final)
			addr = clean_address(final);
		if (!code && diag)
			code = find_status(diag);
		if (addr || ((final || orig) && (action || status)))
			add_recipient(r, addr, action_of(action, code ? code : status),
				      code, diag ? diagnostic_text(diag) : NULL);
		else
			g_free(code);
	}
	g_ptr_array_unref(blocks);
}

/* X-Failed-Recipients (Exim, and others since): a comma-separated list. */
static void read_failed_header(const struct mail *m, struct bounce_report *r)
{
	const char *h = mail_header(m, "X-Failed-Recipients");
	char **list = h ? g_strsplit_set(h, ",", MAX_BOUNCE_RECIPIENTS) : NULL;

	for (char **a = list; a && *a; a++) {
		char *addr = clean_address(*a);
		if (addr)
			add_recipient(r, addr, BOUNCE_FAILED, NULL, NULL);
	}
	g_strfreev(list);
}

/* The explanation of a non-standard bounce: its text up to the copy of the
 * returned message. g_free it. */
static char *explanation(const char *text)
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
	out = one_line(s->str, (gssize)s->len);
	g_string_free(s, TRUE);
	if (strlen(out) <= strcspn(out, " \t") + 2 && !strchr(out, ' ')) {	/* the address alone */
		g_free(out);
		return NULL;
	}
	return out;
}

/* One address found in line at start, unless it is not a recipient. */
static void take_address(struct bounce_report *r, char **lines, int i, const char *line, gint start,
			 const char *found, const char *exclude, int system_too)
{
	char before = start > 0 ? line[start - 1] : ' ';
	const char *addr = found;
	char *lower;

	if (g_ascii_strncasecmp(addr, "smtp=", 5) == 0)	/* X.400 forms: dda:smtp=a@b */
		addr += 5;
	if (before == '/' || before == '.' || (before == '=' && addr == found) ||
	    (start >= 5 && g_ascii_strncasecmp(line + start - 5, "from ", 5) == 0 &&
	     !(start >= 15 && g_ascii_strncasecmp(line + start - 15, "generated from ", 15) == 0)) ||
	    (!system_too && is_system_address(addr)) || already(r, addr))
		return;
	lower = g_ascii_strdown(addr, -1);
	if (!strstr(exclude, lower))
		add_recipient(r, g_strdup(addr), BOUNCE_FAILED, NULL, reason_near(lines, i));
	g_free(lower);
}

/* The addresses a non-standard bounce names before the returned copy,
 * with the reason written beside each; not those after "from " (the
 * sender), nor exclude (the bounce's own From and To), nor the
 * addresses of mail systems (postmaster@...) unless system_too. */
static void read_text(const char *expl, const char *exclude, int system_too, struct bounce_report *r)
{
	char **lines = g_strsplit(expl, "\n", -1);
	GRegex *re = g_regex_new("[a-z0-9][a-z0-9._%+'=!#$&*/?^`{|}~-]*@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]+",
				 G_REGEX_CASELESS, 0, NULL);

	for (int i = 0; lines[i] && r->recipients->len < MAX_BOUNCE_RECIPIENTS; i++) {
		const char *line = lines[i] + strspn(lines[i], " \t>");
		GMatchInfo *mi;

		if (g_ascii_strncasecmp(line, "by ", 3) == 0 || g_ascii_strncasecmp(line, "id ", 3) == 0)
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
static void read_bare_names(const char *expl, const struct mail *m, struct bounce_report *r)
{
	char **lines = g_strsplit(expl, "\n", -1);
	char *from = mail_from_address(m), *domain = from ? strchr(from, '@') : NULL;

	for (int i = 1; domain && lines[0] && lines[i] && r->recipients->len < MAX_BOUNCE_RECIPIENTS; i++) {
		char *prev = g_strstrip(g_ascii_strdown(lines[i - 1], -1)), *name = g_strstrip(g_strdup(lines[i]));
		if (*name && !strpbrk(name, " @:<>") && strlen(name) < MAX_DIAGNOSTIC &&
		    g_str_has_suffix(prev, ":") && strstr(prev, "recipient") && has_any(prev, failure_words))
			add_recipient(r, g_strconcat(name, domain, NULL), BOUNCE_FAILED, NULL, one_line(prev, -1));
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
static void fill_reasons(struct bounce_report *r, const char *expl)
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

/* The Message-ID of the returned message, without brackets, or NULL:
 * from its headers, else from a Message-ID line in the bounce's text. */
static char *returned_message_id(const char *headers, const char *text)
{
	static const char pattern[] = "(?mi)^Message-ID:\\s*<([^<>\\s]{1,250})>";
	char *id = headers ? first_match(pattern, headers, 1) : NULL;

	return id ? id : first_match(pattern, text, 1);
}

/* The recipient of the returned message, when the bounce names none: a
 * ping has one. */
static void read_returned_to(const char *headers, struct bounce_report *r)
{
	char *to = first_match("(?mi)^To:[ \\t]*(.+)$", headers, 1);
	char *lt = to ? strchr(to, '<') : NULL;
	char *addr = to ? clean_address(lt ? lt : to) : NULL;

	if (addr && !is_system_address(addr))
		add_recipient(r, addr, BOUNCE_FAILED, NULL, NULL);
	else
		g_free(addr);
	g_free(to);
}

/* The most telling enhanced status: the Status field, unless it is a
 * vague X.0.0 and the diagnostic quotes a precise one (the last). g_free it. */
static char *precise_status(const char *status, const char *diag)
{
	char *best = NULL, *found;
	const char *p = diag;

	if (status && strcmp(status + 1, ".0.0") != 0)
		return g_strdup(status);
	while (p && (found = find_status(p))) {
		const char *at = strstr(p, found);
		if (strcmp(found + 1, ".0.0") != 0 && found[0] != '2') {
			g_free(best);
			best = found;
		} else {
			g_free(found);
		}
		p = at + 5;
	}
	return best ? best : g_strdup(status);
}

/* Whether the address itself is dead, from the precise status, else from
 * the words of the diagnostic (or of the explanation, for a lone
 * recipient whose diagnostic says nothing). */
static gboolean address_dead(const char *status, const char *diag, const char *expl)
{
	static const char *const dead_codes[] = { "5.1.1", "5.1.2", "5.1.6", "5.1.10", "5.4.4", NULL };
	static const char *const vague_codes[] = { "5.0.0", "5.1.0", "5.1.3", "5.7.", "5.5.0", "5.4.1", NULL };

	if (status) {
		for (const char *const *c = dead_codes; *c; c++)
			if (strcmp(status, *c) == 0)
				return TRUE;
		for (const char *const *c = vague_codes; *c; c++)
			if (g_str_has_prefix(status, *c))
				return has_any(diag, dead_words) || (expl && has_any(expl, dead_words));
		return FALSE;	/* 5.2.x full or disabled, 5.3.x system, 5.1.7 sender: the address lives */
	}
	return has_any(diag, dead_words) || (expl && has_any(expl, dead_words));
}

/* Action, precise status and hard, from what was read and, for a lone
 * recipient whose diagnostic says nothing or gives no code, the
 * explanation around it. */
static void judge(struct bounce_recipient *rc, const char *expl, gboolean standard, gboolean lone)
{
	char *diag = g_utf8_strdown(rc->diagnostic ? rc->diagnostic : "", -1);
	char *status = precise_status(rc->status, diag);
	char cls;

	g_free(rc->status);
	rc->status = status;
	cls = status ? status[0] : find_reply_class(diag);
	if (!standard && has_any(expl, delay_words) && cls != '5')
		rc->action = BOUNCE_DELAYED;
	if (!cls && rc->action == BOUNCE_FAILED)
		cls = find_reply_class(expl);
	rc->hard = rc->action == BOUNCE_FAILED && cls != '4' && cls != '2' &&
		   address_dead(status, diag, lone && (!*diag || (!status && !find_reply_class(diag))) ? expl : NULL);
	g_free(diag);
}

/* The addresses that are not the failed recipient: the bounce's From and
 * To, lower case. (The returned message's From may be its To too: a
 * message sent to oneself.) g_free it. */
static char *own_addresses(const struct mail *m)
{
	char *all = g_strdup_printf("%s %s", mail_header(m, "From") ? mail_header(m, "From") : "",
				    mail_header(m, "To") ? mail_header(m, "To") : "");
	char *lower = g_utf8_strdown(all, -1);

	g_free(all);
	return lower;
}

struct bounce_report *bounce_read(const struct mail *m)
{
	struct bounce_report *r = g_new0(struct bounce_report, 1);
	char *ds = mail_report_part(m, "message/delivery-status");
	char *text = mail_report_text(m), *headers = mail_report_returned_headers(m);
	char *expl = explanation(text), *lower = g_utf8_strdown(expl, -1), *exclude = own_addresses(m);

	r->recipients = g_ptr_array_new_with_free_func(recipient_free);
	if (!ds)
		ds = mail_report_part(m, "message/global-delivery-status");
	if (ds)
		read_dsn(ds, r);
	r->standard = r->recipients->len > 0;
	if (!r->recipients->len && strstr(lower, "final-recipient:"))
		read_dsn(expl, r);	/* the report pasted into the text */
	if (!r->recipients->len)
		read_failed_header(m, r);
	if (!r->recipients->len)
		read_text(expl, exclude, 0, r);
	if (!r->recipients->len)
		read_bare_names(expl, m, r);
	if (!r->recipients->len)
		read_text(expl, exclude, 1, r);
	if (!r->recipients->len)	/* the copy after the explanation starts with its headers */
		read_returned_to(headers ? headers : text + strlen(expl), r);
	fill_reasons(r, expl);
	for (guint i = 0; i < r->recipients->len; i++)
		judge(r->recipients->pdata[i], lower, r->standard, r->recipients->len == 1);
	r->original_message_id = returned_message_id(headers, text);
	g_free(ds);
	g_free(text);
	g_free(headers);
	g_free(expl);
	g_free(lower);
	g_free(exclude);
	if (!r->recipients->len) {
		bounce_report_free(r);
		return NULL;
	}
	return r;
}

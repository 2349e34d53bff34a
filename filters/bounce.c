/* bounce.c - reads what a bounce says: the recipients it reports on, with
 * action, status, diagnostic and whether the address is dead.
 * Input: any message classify took for a bounce, from any mail system,
 * broken in every way real ones are. Standard reports (RFC 3464) are read
 * here from their message/delivery-status part; the others (qmail, Exim,
 * old Sendmail, Exchange, Lotus, Novell, webmail services...) by
 * bounce-text.c, from the X-Failed-Recipients header or from the addresses
 * their explanation names before the copy of the returned message. Each
 * recipient's status and hardness is judged here. Returns NULL when no
 * recipient can be named at all. GLib only: the MIME is read by the
 * adapter (robot/mail-report.c). */
#include <string.h>
#include "bounce-internal.h"
#include "../robot/mail-report.h"

/* Words for a dead address: no such mailbox or domain. Lower case. */
static const char *const dead_words[] = {
	"user unknown", "unknown user", "no such user", "no such recipient", "no such mailbox",
	"no such address", "mailbox not found", "mailbox unavailable", "mailbox does not exist",
	"does not exist", "doesn't exist", "invalid recipient", "unknown recipient",
	"recipient not found", "recipientnotfound", "user not found", "address unknown",
	"is not a valid", "not a valid mailbox", "invalid mailbox", "no mailbox", "host unknown",
	"unknown host", "host not found", "no such domain", "domain not found",
	"name or service not known", "domain does not exist", "unrouteable address",
	"unroutable address", "not our customer", "account has been disabled",
	"account is disabled", "discontinued", "account does not exist", "addressee unknown",
	"user doesn't have", "not listed in", "unknown local part", "no longer available",
	"invalid address", "bad destination mailbox", "unknown or illegal alias",
	"email account that you tried to reach does not exist", "no such person", "nie istnieje",
	"wasn't found at", "wasn’t found at", "no valid recipients", "recipient address rejected",
	"#5.1.0 address rejected", "dns lookup failure", NULL
};


/* Words for a transient notice: the message is still being tried. */
static const char *const delay_words[] = {
	"will continue to try", "will keep trying", "still trying", "has not yet been delivered",
	"not yet been delivered", "delivery is delayed", "delivery delayed", "delayed mail",
	"warning: message", "will be retried", "will retry", "is delayed",
	"delivery status notification (delay)", "temporarily deferred", "attempts will continue",
	"do not resend your original message", "warning only", "still being retried", NULL
};

int bounce_has_any(const char *lower, const char *const *words)
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
char *bounce_one_line(const char *s, gssize len)
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
char *bounce_first_match(const char *pattern, const char *s, int g)
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
	return bounce_first_match("(?<![\\d.])[245]\\.\\d{1,3}\\.\\d{1,3}(?![\\d.])", s, 0);
}

/* The class of the first SMTP reply code (550 -> '5') in s, or 0. */
static char find_reply_class(const char *s)
{
	char *code = bounce_first_match("(?<![\\d.#-])([245])[0-5]\\d(?![\\d.])", s, 1);
	char found = code ? code[0] : 0;

	g_free(code);
	return found;
}

/* An address as written in a report ("rfc822; <a@b>", "<a@b>", "a@b
 * (comment)"): the addr-spec, or NULL when there is none. g_free it. */
char *bounce_clean_address(const char *value)
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
	static const struct { const char *word; enum bounce_action action;
	} words[] = { { "delay", BOUNCE_DELAYED }, { "deliver", BOUNCE_DELIVERED },
		      { "relay", BOUNCE_RELAYED }, { "expand", BOUNCE_EXPANDED },
		      { "fail", BOUNCE_FAILED },   { "error", BOUNCE_FAILED } };

	for (gsize i = 0; action && i < G_N_ELEMENTS(words); i++)
		if (g_ascii_strncasecmp(action, words[i].word, strlen(words[i].word)) == 0)
			return words[i].action;
	return status && status[0] == '4'   ? BOUNCE_DELAYED
	       : status && status[0] == '2' ? BOUNCE_DELIVERED
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
			char *joined =
				g_strconcat(cur->pdata[cur->len - 1], " ", g_strstrip(line), NULL);
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

void bounce_add_recipient(struct bounce_report *r, char *address, enum bounce_action action,
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
	return bounce_one_line(diag, -1);
}

/* The per-recipient blocks of an RFC 3464 report into r. */
static void read_dsn(const char *text, struct bounce_report *r)
{
	GPtrArray *blocks = report_blocks(text);

	for (guint i = 0; i < blocks->len && r->recipients->len < MAX_BOUNCE_RECIPIENTS; i++) {
		char **lines = (char **)((GPtrArray *)blocks->pdata[i])->pdata;
		const char *final = field(lines, "Final-Recipient"),
			   *orig = field(lines, "Original-Recipient");
		const char *action = field(lines, "Action"), *status = field(lines, "Status");
		const char *diag = field(lines, "Diagnostic-Code"),
			   *envid = field(lines, "Original-Envelope-Id");
		char *addr = orig ? bounce_clean_address(orig) : NULL;	/* as we wrote it */
		char *code = status ? find_status(status) : NULL;

		if (envid && !r->envid)
			r->envid = bounce_one_line(envid, -1);
		if (!addr && final)
			addr = bounce_clean_address(final);
		if (!code && diag)
			code = find_status(diag);
		if (addr || ((final || orig) && (action || status)))
			bounce_add_recipient(r, addr, action_of(action, code ? code : status),
				      code, diag ? diagnostic_text(diag) : NULL);
		else
			g_free(code);
	}
	g_ptr_array_unref(blocks);
}


/* The Message-ID of the returned message, without brackets, or NULL:
 * from its headers, else from a Message-ID line in the bounce's text. */
static char *returned_message_id(const char *headers, const char *text)
{
	static const char pattern[] = "(?mi)^Message-ID:\\s*<([^<>\\s]{1,250})>";
	char *id = headers ? bounce_first_match(pattern, headers, 1) : NULL;

	return id ? id : bounce_first_match(pattern, text, 1);
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
	static const char *const dead_codes[] = { "5.1.1",  "5.1.2", "5.1.6",
						  "5.1.10", "5.4.4", NULL };
	static const char *const vague_codes[] = { "5.0.0", "5.1.0", "5.1.3", "5.7.",
						   "5.5.0", "5.4.1", NULL };

	if (status) {
		for (const char *const *c = dead_codes; *c; c++)
			if (strcmp(status, *c) == 0)
				return TRUE;
		for (const char *const *c = vague_codes; *c; c++)
			if (g_str_has_prefix(status, *c))
				return bounce_has_any(diag, dead_words) ||
				       (expl && bounce_has_any(expl, dead_words));
		return FALSE;	/* 5.2.x full or disabled, 5.3.x system, 5.1.7 sender: the
				 * address lives */
	}
	return bounce_has_any(diag, dead_words) || (expl && bounce_has_any(expl, dead_words));
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
	if (!standard && bounce_has_any(expl, delay_words) && cls != '5')
		rc->action = BOUNCE_DELAYED;
	if (!cls && rc->action == BOUNCE_FAILED)
		cls = find_reply_class(expl);
	rc->hard = rc->action == BOUNCE_FAILED && cls != '4' && cls != '2' &&
		   address_dead(status, diag,
				lone && (!*diag || (!status && !find_reply_class(diag))) ? expl
											 : NULL);
	g_free(diag);
}


struct bounce_report *bounce_read(const struct mail *m)
{
	struct bounce_report *r = g_new0(struct bounce_report, 1);
	char *ds = mail_report_part(m, "message/delivery-status");
	char *text = mail_report_text(m), *headers = mail_report_returned_headers(m);
	char *expl = bounce_explanation(text), *lower = g_utf8_strdown(expl, -1),
	     *exclude = bounce_own_addresses(m);

	r->recipients = g_ptr_array_new_with_free_func(recipient_free);
	if (!ds)
		ds = mail_report_part(m, "message/global-delivery-status");
	if (ds)
		read_dsn(ds, r);
	r->standard = r->recipients->len > 0;
	if (!r->recipients->len && strstr(lower, "final-recipient:"))
		read_dsn(expl, r);	/* the report pasted into the text */
	if (!r->recipients->len)
		bounce_read_failed_header(m, r);
	if (!r->recipients->len)
		bounce_read_text(expl, exclude, 0, r);
	if (!r->recipients->len)
		bounce_read_bare_names(expl, m, r);
	if (!r->recipients->len)
		bounce_read_text(expl, exclude, 1, r);
	if (!r->recipients->len) /* the copy after the explanation starts with its headers */
		bounce_read_returned_to(headers ? headers : text + strlen(expl), r);
	bounce_fill_reasons(r, expl);
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

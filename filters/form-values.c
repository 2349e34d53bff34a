/* form-values.c - checks and normalises single values of a form: free text
 * (no control or bidi-override characters), e-mail addresses, web pages,
 * phone numbers (E.164), and splits list values. Input: values typed by
 * people in mail, any script. Each check answers yes or no (an e-mail
 * address: what is wrong with it); nothing here fails otherwise. */
#include <stdlib.h>
#include <string.h>
#include "form-read.h"
#include "../robot/limits.h"

/* Direction marks and zero-width characters people's mailers leave at the
 * ends of a value (not the overrides, which are refused, not trimmed). */
static int edge_mark(gunichar c)
{
	return c == 0x200B || c == 0x200E || c == 0x200F || c == 0x061C || c == 0xFEFF;
}

char *form_trim(const char *s)
{
	char *valid = g_utf8_make_valid(s, -1);
	const char *start = valid, *end = valid + strlen(valid);
	char *out;

	while (*start) {
		gunichar c = g_utf8_get_char(start);

		if (!g_unichar_isspace(c) && !edge_mark(c))
			break;
		start = g_utf8_next_char(start);
	}
	while (end > start) {
		const char *prev = g_utf8_prev_char(end);
		gunichar c = g_utf8_get_char(prev);

		if (!g_unichar_isspace(c) && !edge_mark(c))
			break;
		end = prev;
	}
	out = g_strndup(start, (gsize)(end - start));
	for (char *p = out; *p; p++)
		if (*p == '\t')
			*p = ' ';
	g_free(valid);
	return out;
}

static int list_separator(gunichar c, gboolean spaces)
{
	return c == ',' || c == ';' || c == 0xFF0C || c == 0xFF1B || c == 0x3001 ||
	       c == 0x060C || c == 0x061B || (spaces && g_unichar_isspace(c));
}

GPtrArray *form_split_list(const char *value, gboolean spaces)
{
	GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
	const char *start = value;

	for (const char *p = value;; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (*p && !list_separator(c, spaces))
			continue;
		char *piece = g_strndup(start, (gsize)(p - start));
		char *item = form_trim(piece);

		g_free(piece);
		if (*item)
			g_ptr_array_add(items, item);
		else
			g_free(item);
		if (!*p)
			break;
		start = g_utf8_next_char(p);
	}
	return items;
}

int form_check_text(const char *value)
{
	if (!g_utf8_validate(value, -1, NULL))
		return -1;
	for (const char *p = value; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029 ||
		    (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069))
			return -1;
	}
	return 0;
}

/* An ASCII host name label: letters, digits, hyphens inside. */
static int ldh_label(const char *l, size_t len)
{
	if (len == 0 || len > 63 || l[0] == '-' || l[len - 1] == '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isalnum(l[i]) && l[i] != '-')
			return 0;
	return 1;
}

static int all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isdigit(s[i]))
			return 0;
	return len > 0;
}

/* A dotted IPv4 address. */
static int ipv4(const char *h)
{
	gchar **parts = g_strsplit(h, ".", 0);
	int n = 0, ok = 1;

	for (; parts[n]; n++)
		ok = ok && all_digits(parts[n], strlen(parts[n])) && strlen(parts[n]) <= 3 &&
		     atoi(parts[n]) <= 255;
	g_strfreev(parts);
	return ok && n == 4;
}

/* A domain of two labels or more, internationalised or not, as written. */
static int domain_ok(const char *domain, int allow_ip)
{
	char *ascii;
	int ok = 1, labels = 0;
	const char *last = NULL;

	if (!*domain || strlen(domain) > 253 || form_check_text(domain) < 0)
		return 0;
	if (allow_ip && ipv4(domain))
		return 1;
	for (const char *p = domain; *p; p = g_utf8_next_char(p))
		if (g_unichar_isspace(g_utf8_get_char(p)))
			return 0;
	ascii = g_hostname_to_ascii(domain);
	if (!ascii)
		return 0;
	if (strlen(ascii) > 253 || ascii[strlen(ascii) - 1] == '.')
		ok = 0;
	for (const char *l = ascii; ok && *l;) {
		const char *dot = strchr(l, '.');
		size_t len = dot ? (size_t)(dot - l) : strlen(l);

		ok = ldh_label(l, len);
		last = l;
		labels++;
		l = dot ? dot + 1 : l + len;
	}
	if (ok && (labels < 2 || !last || all_digits(last, strlen(last))))
		ok = 0;
	g_free(ascii);
	return ok;
}

static int atext(char c)
{
	return g_ascii_isalnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

const char *form_email_problem(const char *addr)
{
	const char *at = strchr(addr, '@');
	size_t llen;

	if (!at)
		return "email-no-at";
	if (strchr(at + 1, '@'))
		return "email-two-at";
	llen = (size_t)(at - addr);
	if (llen == 0 || llen > MAX_LOCAL_PART || strlen(addr) > MAX_ADDRESS_LEN)
		return "email-bad-local";
	for (size_t i = 0; i < llen; i++)
		if ((unsigned char)addr[i] >= 0x80)
			return "email-non-ascii";	/* no SMTPUTF8 */
	if (addr[0] == '.' || addr[llen - 1] == '.')
		return "email-bad-local";
	for (size_t i = 0; i < llen; i++)
		if ((addr[i] == '.' && addr[i + 1] == '.') || (addr[i] != '.' && !atext(addr[i])))
			return "email-bad-local";
	return domain_ok(at + 1, 0) ? NULL : "email-bad-domain";
}

int form_check_email(const char *addr)
{
	return form_email_problem(addr) ? -1 : 0;
}

int form_check_url(const char *url)
{
	const char *rest, *end;
	char *host;
	int ok;

	if (g_utf8_strlen(url, -1) > MAX_URL_LEN || form_check_text(url) < 0)
		return -1;
	if (g_ascii_strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	else if (g_ascii_strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else
		return -1;
	for (const char *p = rest; *p; p = g_utf8_next_char(p))
		if (g_unichar_isspace(g_utf8_get_char(p)))
			return -1;
	end = rest + strcspn(rest, "/?#");
	host = g_strndup(rest, (gsize)(end - rest));
	if (strchr(host, '@')) {	/* user@host hides the real host */
		g_free(host);
		return -1;
	}
	char *colon = strrchr(host, ':');
	if (colon) {
		ok = all_digits(colon + 1, strlen(colon + 1)) && strlen(colon + 1) <= 5 &&
		     atoi(colon + 1) <= 65535;
		*colon = '\0';
	} else {
		ok = 1;
	}
	ok = ok && domain_ok(host, 1);
	g_free(host);
	return ok ? 0 : -1;
}

static int phone_separator(gunichar c)
{
	return g_unichar_isspace(c) || c == '(' || c == ')' || c == '-' || c == '.' || c == '/' ||
	       c == 0x2010 || c == 0x2011 || c == 0x2012 || c == 0x2013 || c == 0x2212;
}

/* Reads the main number of phone (up to an extension) into digits; sets
 * *plus when it starts with "+". -1 when it is no phone number. */
static int phone_digits(const char *phone, GString *digits, int *plus)
{
	int started = 0;

	*plus = 0;
	for (const char *p = phone; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		int d = g_unichar_digit_value(c);

		if (g_str_has_prefix(p, "(0)") && digits->len > 0 && *plus) {
			p += 2;		/* "+33 (0)1 ...": the trunk 0 is not dialled from
					 * abroad */
			continue;
		}
		if (d >= 0) {
			g_string_append_c(digits, (char)('0' + d));
			started = 1;
		} else if (c == '+' && !started && !*plus) {
			*plus = 1;
		} else if (phone_separator(c)) {
			continue;
		} else if (g_unichar_isalpha(c) || c == '#' || c == ',' || c == ':') {
			return digits->len >= 6 ? 0 : -1;	/* an extension: "ext. 12",
								 * "poste 12" */
		} else {
			return -1;
		}
	}
	return digits->len >= 6 ? 0 : -1;
}

int form_phone_has_prefix(const char *phone)
{
	char *nfkc = g_utf8_normalize(phone, -1, G_NORMALIZE_NFKC);
	const char *p = nfkc ? nfkc : "";
	int yes;

	while (*p && (g_unichar_isspace(g_utf8_get_char(p)) || *p == '('))
		p = g_utf8_next_char(p);
	yes = *p == '+' || g_str_has_prefix(p, "00");
	g_free(nfkc);
	return yes;
}

char *form_phone_e164(const char *phone)
{
	char *nfkc = g_utf8_normalize(phone, -1, G_NORMALIZE_NFKC);
	GString *digits = g_string_new(NULL);
	const char *d;
	int plus, rc;
	char *out = NULL;

	rc = nfkc && g_utf8_strlen(nfkc, -1) <= MAX_PHONE_LEN ? phone_digits(nfkc, digits, &plus)
							      : -1;
	if (rc == 0) {
		d = digits->str;
		if (!plus && g_str_has_prefix(d, "00")) {
			d += 2;
			plus = 1;
		}
		if (plus && strlen(d) >= 8 && strlen(d) <= 15 && d[0] != '0')
			out = g_strconcat("+", d, NULL);
		else
			out = g_strdup("");
	}
	g_string_free(digits, TRUE);
	g_free(nfkc);
	return out;
}

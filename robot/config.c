/* config.c - loads pocbot.conf (GKeyFile) over the embedded defaults.
 * Input: a file the custodian wrote. Unknown keys and bad values are errors
 * that name the key; relative paths are resolved against the file's folder. */
#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "envelope.h"
#include "limits.h"

#define SYSTEM_CONFIG "/etc/pocbot/pocbot.conf"

enum key_type {
	K_DOMAIN,
	K_ADDRESS,
	K_PATH,
	K_LISTEN,
	K_RELAY,
	K_SIZE,
	K_COUNT,
	K_BOOL,
	K_DURATION,
	K_DURATIONS,
	K_UIDS,
	K_FPRS,
	K_PROTOCOL,
	K_USER
};

struct key {
	const char *group, *name;
	enum key_type type;
	size_t offset;
};

#define AT(field) offsetof(struct config, field)

static const struct key keys[] = {
	{ "robot", "domain", K_DOMAIN, AT(domain) },
	{ "robot", "address", K_ADDRESS, AT(address) },
	{ "robot", "custodian", K_ADDRESS, AT(custodian) },
	{ "robot", "sign_default", K_PROTOCOL, AT(sign_default) },
	{ "robot", "user", K_USER, AT(user) },
	{ "paths", "var", K_PATH, AT(var) },
	{ "lmtp", "listen", K_LISTEN, AT(lmtp_listen) },
	{ "lmtp", "max_connections", K_COUNT, AT(lmtp_max_connections) },
	{ "lmtp", "allow_uids", K_UIDS, AT(lmtp_allow_uid) },
	{ "lmtp", "mail_deadline", K_DURATION, AT(lmtp_mail_deadline) },
	{ "lmtp", "command_deadline", K_DURATION, AT(lmtp_command_deadline) },
	{ "lmtp", "data_deadline", K_DURATION, AT(lmtp_data_deadline) },
	{ "smtp", "relay", K_RELAY, AT(smtp_relay) },
	{ "limits", "message_bytes", K_SIZE, AT(message_bytes) },
	{ "limits", "help_per_day", K_COUNT, AT(help_per_day) },
	{ "trust", "max_age", K_DURATION, AT(trust_max_age) },
	{ "trust", "max_future", K_DURATION, AT(trust_max_future) },
	{ "ping", "every", K_DURATION, AT(ping_every) },
	{ "ping", "remind", K_DURATIONS, AT(ping_remind) },
	{ "ping", "deadline", K_DURATION, AT(ping_deadline) },
	{ "reminders", "update_every", K_DURATION, AT(update_every) },
	{ "notices", "coalesce", K_DURATION, AT(notices_coalesce) },
	{ "lookup", "extracts_per_day", K_COUNT, AT(extracts_per_day) },
	{ "status", "quarantine_warning", K_COUNT, AT(status_quarantine_warning) },
	{ "status", "quarantine_critical", K_COUNT, AT(status_quarantine_critical) },
	{ "status", "outbox_failed_warning", K_COUNT, AT(status_failed_warning) },
	{ "status", "outbox_failed_critical", K_COUNT, AT(status_failed_critical) },
	{ "status", "deferred_age", K_DURATION, AT(status_deferred_age) },
	{ "status", "key_expiry_warning", K_DURATION, AT(status_key_expiry_warning) },
	{ "status", "audit_age", K_DURATION, AT(status_audit_age) },
	{ "keys", "lifetime", K_DURATION, AT(keys_lifetime) },
	{ "keys", "overlap", K_DURATION, AT(keys_overlap) },
	{ "backup", "encrypt_to", K_FPRS, AT(backup_encrypt_to) },
	{ "backup", "every", K_DURATION, AT(backup_every) },
	{ "backup", "keep", K_COUNT, AT(backup_keep) },
	{ "backup", "dir", K_PATH, AT(backup_dir) },
	{ "retention", "messages", K_DURATION, AT(retention_messages) },
	{ "retention", "signatures", K_DURATION, AT(retention_signatures) },
	{ "retention", "sent_bodies", K_DURATION, AT(retention_sent_bodies) },
	{ "retention", "withdrawn", K_DURATION, AT(retention_withdrawn) },
	{ "log", "syslog", K_BOOL, AT(syslog) },
	{ "log", "stderr", K_BOOL, AT(foreground_log) },
	{ "test", "clock_file", K_PATH, AT(clock_file) },
	{ "test", "worker", K_BOOL, AT(worker) },
};

void config_defaults(struct config *cfg, const char *base)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->domain = g_strdup("localhost");
	cfg->sign_default = CRYPTO_SMIME;	/* Outlook and Apple Mail verify it unaided */
	cfg->var = g_build_filename(base, "var", NULL);
	cfg->lmtp_listen = g_strdup("127.0.0.1:2424");
	cfg->lmtp_max_connections = DEFAULT_LMTP_MAX_CONNECTIONS;
	cfg->lmtp_mail_deadline = DEFAULT_LMTP_MAIL_DEADLINE;
	cfg->lmtp_command_deadline = DEFAULT_LMTP_COMMAND_DEADLINE;
	cfg->lmtp_data_deadline = DEFAULT_LMTP_DATA_DEADLINE;
	cfg->worker = TRUE;
	cfg->message_bytes = DEFAULT_MESSAGE_BYTES;
	cfg->help_per_day = DEFAULT_HELP_PER_DAY;
	cfg->trust_max_age = DEFAULT_TRUST_MAX_AGE;
	cfg->trust_max_future = DEFAULT_TRUST_MAX_FUTURE;
	cfg->ping_every = DEFAULT_PING_EVERY;
	cfg->ping_remind[0] = 3 * 86400;
	cfg->ping_remind[1] = 7 * 86400;
	cfg->ping_reminders = 2;
	cfg->ping_deadline = DEFAULT_PING_DEADLINE;
	cfg->update_every = DEFAULT_UPDATE_EVERY;
	cfg->notices_coalesce = DEFAULT_NOTICES_COALESCE;
	cfg->extracts_per_day = DEFAULT_EXTRACTS_PER_DAY;
	cfg->status_quarantine_warning = 1;
	cfg->status_failed_warning = 1;
	cfg->status_deferred_age = DEFAULT_STATUS_DEFERRED_AGE;
	cfg->status_key_expiry_warning = DEFAULT_STATUS_KEY_EXPIRY;
	cfg->status_audit_age = DEFAULT_STATUS_AUDIT_AGE;
	cfg->backup_keep = DEFAULT_BACKUP_KEEP;
	cfg->keys_lifetime = DEFAULT_KEYS_LIFETIME;
	cfg->keys_overlap = DEFAULT_KEYS_OVERLAP;
	cfg->retention_messages = DEFAULT_RETENTION_MESSAGES;
	cfg->retention_signatures = DEFAULT_RETENTION_SIGNATURES;
	cfg->retention_sent_bodies = DEFAULT_RETENTION_SENT_BODIES;
	cfg->retention_withdrawn = DEFAULT_RETENTION_WITHDRAWN;
	cfg->foreground_log = TRUE;
}

static int host_port_ok(const char *v)
{
	const char *colon = strrchr(v, ':');
	char *end;
	long port;

	if (!colon || colon == v)
		return 0;
	port = strtol(colon + 1, &end, 10);
	return *end == '\0' && colon[1] && port > 0 && port < 65536;
}

static int domain_ok(const char *v)
{
	if (!*v || strlen(v) > 253)
		return 0;
	for (const char *p = v; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.')
			return 0;
	return 1;
}

/* A user name as useradd takes it: letters, digits, '.', '_', '-' (not
 * first), at most 32; "" none. */
static int user_ok(const char *v)
{
	if (strlen(v) > 32 || v[0] == '-')
		return 0;
	for (const char *p = v; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' && *p != '-')
			return 0;
	return 1;
}

/* "90", "90s", "15m", "1h", "7d": seconds, or -1. At most G_MAXINT32 seconds
 * (68 years) with a unit too, so that the dump, in seconds, reads back. */
static gint64 duration(const char *v)
{
	static const struct { char unit; gint64 seconds; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	char *end;
	gint64 n;

	errno = 0;
	n = g_ascii_strtoll(v, &end, 10);
	if (errno || end == v || n < 0 || n > G_MAXINT32)
		return -1;
	if (*end == '\0')
		return n;
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++)
		if (end[0] == units[i].unit && end[1] == '\0')
			return n * units[i].seconds > G_MAXINT32 ? -1 : n * units[i].seconds;
	return -1;
}

/* "0, 1000, postfix": user ids or names, at most CONFIG_MAX_UIDS; "" none.
 * 0, or -1. */
static int uids(struct config *cfg, const char *v)
{
	gchar **parts = g_strsplit(v, ",", -1);
	int count = 0, ok = 1;

	for (gchar **p = parts; *p && ok; p++) {
		const char *item = g_strstrip(*p);
		struct passwd *pw;
		char *end;
		gint64 n;

		if (!*item && !p[1] && p == parts)
			break;
		n = g_ascii_strtoll(item, &end, 10);
		if (*item && !*end && n >= 0 && n < G_MAXINT32)
			;
		else if ((pw = getpwnam(item)))
			n = pw->pw_uid;
		else
			n = -1;
		if (n < 0 || count >= CONFIG_MAX_UIDS)
			ok = 0;
		else
			cfg->lmtp_allow_uid[count++] = (guint32)n;
	}
	g_strfreev(parts);
	cfg->lmtp_allow_uids = ok ? count : 0;
	return ok ? 0 : -1;
}

static char *resolve(const char *base, const char *path)
{
	if (g_path_is_absolute(path))
		return g_strdup(path);
	return g_canonicalize_filename(path, base);
}

/* "FPR, FPR": OpenPGP fingerprints (40 or 64 hex digits), at most
 * CONFIG_MAX_FPRS, stored upper case, ", " between; "" none. NULL if bad. */
static char *fingerprints(const char *v)
{
	gchar **parts = g_strsplit(v, ",", -1);
	GString *out = g_string_new(NULL);
	int count = 0, ok = 1;

	for (gchar **p = parts; *p && ok; p++) {
		const char *item = g_strstrip(*p);
		size_t n = strlen(item);

		if (!*item && !p[1] && p == parts)
			break;
		ok = (n == 40 || n == 64) && count++ < CONFIG_MAX_FPRS;
		for (const char *c = item; ok && *c; c++)
			ok = g_ascii_isxdigit(*c);
		if (ok)
			g_string_append_printf(out, "%s%s", out->len ? ", " : "", item);
	}
	g_strfreev(parts);
	if (!ok)
		return g_string_free(out, TRUE);
	return g_ascii_strup(g_string_free(out, FALSE), -1);
}

/* Checks and stores one value. 0, or -1 with *err. */
static int set_value(struct config *cfg, const struct key *k, const char *v,
		     const char *base, char **err)
{
	void *field = (char *)cfg + k->offset;
	char **str = field;
	char *end;
	gint64 n;

	switch (k->type) {
	case K_DOMAIN:
		if (!domain_ok(v))
			goto bad;
		break;
	case K_ADDRESS:
		if (*v && !envelope_address_ok(v, 0))
			goto bad;
		break;
	case K_LISTEN:
		if (g_str_has_prefix(v, "unix:")) {
			char *abs;

			if (!v[5])
				goto bad;
			abs = resolve(base, v + 5);
			g_free(*str);
			*str = g_strconcat("unix:", abs, NULL);
			g_free(abs);
			return 0;
		}
		if (!host_port_ok(v))
			goto bad;
		break;
	case K_USER:
		if (!user_ok(v))
			goto bad;
		break;
	case K_RELAY:
		if (*v && !host_port_ok(v))
			goto bad;
		break;
	case K_PATH:
		g_free(*str);
		*str = *v ? resolve(base, v) : NULL;
		return 0;
	case K_SIZE:
	case K_COUNT:
		errno = 0;
		n = g_ascii_strtoll(v, &end, 10);
		if (errno || !*v || *end || n < 0 ||
		    (k->type == K_SIZE && (n < 1024 || n > G_MAXINT32)) ||
		    (k->type == K_COUNT && n > 1000000))
			goto bad;
		if (k->type == K_SIZE)
			*(gint64 *)field = n;
		else
			*(int *)field = (int)n;
		return 0;
	case K_DURATION:
		if ((n = duration(v)) < 0)
			goto bad;
		*(gint64 *)field = n;
		return 0;
	case K_DURATIONS: {	/* "3d, 7d": growing, at most CONFIG_MAX_REMINDERS; "" none */
		gchar **parts = g_strsplit(v, ",", -1);
		int count = 0, ok = 1;

		for (gchar **p = parts; *p && ok; p++) {
			n = duration(g_strstrip(*p));
			if (!**p && !p[1] && p == parts)
				break;
			if (n <= 0 || count >= CONFIG_MAX_REMINDERS ||
			    (count && n <= cfg->ping_remind[count - 1]))
				ok = 0;
			else
				cfg->ping_remind[count++] = n;
		}
		g_strfreev(parts);
		if (!ok)
			goto bad;
		cfg->ping_reminders = count;
		return 0;
	}
	case K_UIDS:
		if (uids(cfg, v) < 0)
			goto bad;
		return 0;
	case K_FPRS: {
		char *fprs = fingerprints(v);

		if (!fprs)
			goto bad;
		g_free(*str);
		*str = *fprs ? fprs : NULL;
		if (!*fprs)
			g_free(fprs);
		return 0;
	}
	case K_PROTOCOL:
		if (strcmp(v, "smime") == 0)
			*(enum crypto_protocol *)field = CRYPTO_SMIME;
		else if (strcmp(v, "openpgp") == 0)
			*(enum crypto_protocol *)field = CRYPTO_OPENPGP;
		else
			goto bad;
		return 0;
	case K_BOOL:
		if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0)
			*(gboolean *)field = TRUE;
		else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0)
			*(gboolean *)field = FALSE;
		else
			goto bad;
		return 0;
	}
	g_free(*str);
	*str = *v ? g_strdup(v) : NULL;
	return 0;
bad:
	{
		char *shown = g_strescape(v, NULL);	/* one line, whatever the value holds */

		*err = g_strdup_printf("[%s] %s: bad value \"%.100s\"", k->group, k->name, shown);
		g_free(shown);
	}
	return -1;
}

static const struct key *find_key(const char *group, const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (strcmp(keys[i].group, group) == 0 && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* The replay guard's minimum: [trust] max_age + max_future + 1d, at most
 * the longest duration (so that the dump, in seconds, reads back). */
static gint64 signatures_min(const struct config *cfg)
{
	return MIN(cfg->trust_max_age + cfg->trust_max_future + 86400, G_MAXINT32);
}

static int read_file(struct config *cfg, const char *file, char **err)
{
	GKeyFile *kf = g_key_file_new();
	GError *gerr = NULL;
	char *cwd = g_get_current_dir();
	char *dir = g_path_get_dirname(file);
	char *base = resolve(cwd, dir);
	gchar **groups = NULL;
	int rc = -1;

	g_free(dir);
	if (!g_key_file_load_from_file(kf, file, G_KEY_FILE_NONE, &gerr)) {
		*err = g_strdup_printf("%s: %s", file, gerr->message);
		goto out;
	}
	config_clear(cfg);
	config_defaults(cfg, base);
	groups = g_key_file_get_groups(kf, NULL);
	for (gchar **g = groups; *g; g++) {
		gchar **names = g_key_file_get_keys(kf, *g, NULL, NULL);
		for (gchar **n = names; n && *n; n++) {
			const struct key *k = find_key(*g, *n);
			char *v = g_key_file_get_string(kf, *g, *n, NULL);

			if (!k)
				*err = g_strdup_printf("%s: unknown key [%s] %s", file, *g, *n);
			else if (!v)	/* a bad escape or invalid UTF-8 */
				*err = g_strdup_printf("%s: [%s] %s: bad value", file, *g, *n);
			else if (set_value(cfg, k, g_strstrip(v), base, err) < 0) {
				char *e = *err;
				*err = g_strdup_printf("%s: %s", file, e);
				g_free(e);
			}
			g_free(v);
			if (*err) {
				g_strfreev(names);
				goto out;
			}
		}
		g_strfreev(names);
	}
	if (!g_key_file_has_key(kf, "retention", "signatures", NULL))	/* the default, or the
									 * minimum if longer */
		cfg->retention_signatures = MAX(cfg->retention_signatures, signatures_min(cfg));
	cfg->file = resolve(cwd, file);	/* file is relative to the CWD, not to itself */
	rc = 0;
out:
	g_free(cwd);
	g_strfreev(groups);
	g_clear_error(&gerr);
	g_key_file_free(kf);
	g_free(base);
	return rc;
}

/* The [retention] keys against their minimums: a value below one is an
 * error naming the key. 0, or -1 with *err. */
static int minimums(const struct config *cfg, char **err)
{
	gint64 seen_min = signatures_min(cfg);
	const struct {
		const char *name;
		gint64 value, min;
		const char *why;
	} mins[] = {
		{ "messages", cfg->retention_messages, MIN_RETENTION_MESSAGES,
		  "an MTA's retries are recognised by them" },
		{ "signatures", cfg->retention_signatures, seen_min,
		  "[trust] max_age + max_future + 1d: the replay guard" },
		{ "sent_bodies", cfg->retention_sent_bodies, MIN_RETENTION_SENT_BODIES,
		  "outbox show" },
		{ "withdrawn", cfg->retention_withdrawn, MIN_RETENTION_WITHDRAWN,
		  "the signers may still ask about a withdrawal" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(mins); i++)
		if (mins[i].value < mins[i].min) {
			*err = g_strdup_printf("[retention] %s: %" G_GINT64_FORMAT
					       "s is below the minimum %" G_GINT64_FORMAT "s (%s)",
					       mins[i].name, mins[i].value, mins[i].min,
					       mins[i].why);
			return -1;
		}
	return 0;
}

int config_load(const char *file, struct config *cfg, char **err)
{
	char *cwd = g_get_current_dir();
	int rc = 0;

	*err = NULL;
	config_defaults(cfg, cwd);
	if (!file || !*file)
		file = g_getenv("POCBOT_CONFIG");
	if ((!file || !*file) && access(SYSTEM_CONFIG, F_OK) == 0)
		file = SYSTEM_CONFIG;
	if (file && *file)
		rc = read_file(cfg, file, err);
	if (rc == 0 && minimums(cfg, err) < 0)
		rc = -1;
	if (rc == 0 && !cfg->address)
		cfg->address = g_strdup_printf("pocbot@%s", cfg->domain);
	if (rc == 0 && !envelope_address_ok(cfg->address, 0)) {	/* found by fuzz-config */
		*err = g_strdup_printf("[robot] domain: too long for the address pocbot@DOMAIN");
		rc = -1;
	}
	g_free(cwd);
	return rc;
}

/* A string value as GKeyFile reads it back: backslash, line ends and tab
 * escaped, a leading space as \s (found by fuzz-config: an address with a
 * backslash, loaded, dumped raw, did not load again). */
static void dump_string(GString *s, const char *v)
{
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '\\')
			g_string_append(s, "\\\\");
		else if (*p == '\n')
			g_string_append(s, "\\n");
		else if (*p == '\r')
			g_string_append(s, "\\r");
		else if (*p == '\t')
			g_string_append(s, "\\t");
		else if (*p == ' ' && p == v)
			g_string_append(s, "\\s");
		else
			g_string_append_c(s, *p);
	}
	g_string_append_c(s, '\n');
}

char *config_dump(const struct config *cfg)
{
	GString *s = g_string_new(NULL);
	const char *group = "";

	g_string_append_printf(s, "# effective configuration, from %s\n",
			       cfg->file ? cfg->file : "the embedded defaults");
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		const struct key *k = &keys[i];
		const void *field = (const char *)cfg + k->offset;

		if (strcmp(group, k->group) != 0)
			g_string_append_printf(s, "%s[%s]\n", i ? "\n" : "", group = k->group);
		g_string_append_printf(s, "%s = ", k->name);
		if (k->type == K_SIZE)
			g_string_append_printf(s, "%" G_GINT64_FORMAT "\n",
			                       *(const gint64 *)field);
		else if (k->type == K_DURATION)
			g_string_append_printf(s, "%" G_GINT64_FORMAT "s\n",
			                       *(const gint64 *)field);
		else if (k->type == K_COUNT)
			g_string_append_printf(s, "%d\n", *(const int *)field);
		else if (k->type == K_BOOL)
			g_string_append_printf(s, "%s\n",
			                       *(const gboolean *)field ? "true" : "false");
		else if (k->type == K_PROTOCOL)
			g_string_append(s, *(const enum crypto_protocol *)field == CRYPTO_OPENPGP
			                   ? "openpgp\n" : "smime\n");
		else if (k->type == K_UIDS) {
			for (int u = 0; u < cfg->lmtp_allow_uids; u++)
				g_string_append_printf(s, "%s%u", u ? ", " : "",
				                       cfg->lmtp_allow_uid[u]);
			g_string_append_c(s, '\n');
		}
		else if (k->type == K_DURATIONS) {
			for (int r = 0; r < cfg->ping_reminders; r++)
				g_string_append_printf(s, "%s%" G_GINT64_FORMAT "s", r ? ", " : "",
				                       cfg->ping_remind[r]);
			g_string_append_c(s, '\n');
		}
		else
			dump_string(s, *(char *const *)field);
	}
	return g_string_free(s, FALSE);
}

char *config_var_path(const struct config *cfg, const char *name)
{
	return g_build_filename(cfg->var, name, NULL);
}

/* Is k's field a string the configuration owns? */
static int owns_string(const struct key *k)
{
	return k->type != K_SIZE && k->type != K_COUNT && k->type != K_BOOL &&
	       k->type != K_DURATION && k->type != K_DURATIONS && k->type != K_UIDS &&
	       k->type != K_PROTOCOL;
}

void config_copy(struct config *dst, const struct config *src)
{
	*dst = *src;
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (owns_string(&keys[i])) {
			char **field = (char **)((char *)dst + keys[i].offset);

			*field = g_strdup(*field);
		}
	dst->file = g_strdup(src->file);
}

void config_clear(struct config *cfg)
{
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (owns_string(&keys[i]))
			g_clear_pointer((char **)((char *)cfg + keys[i].offset), g_free);
	g_clear_pointer(&cfg->file, g_free);
}

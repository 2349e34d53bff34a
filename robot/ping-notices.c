/* ping-notices.c - what the ping timers' notices say: escalations of
 * silent POCs to their State's signers, a closed round's report to the
 * custodian signers (text, and the CSV as an attachment written to VAR/tmp
 * and removed once queued), unverified POCs, and the yearly update
 * reminder with the State's records as ready-to-edit forms and its
 * addresses with no key on record (an invitation to give one). Who gets
 * each, in which language, signed and encrypted how, is the notices
 * table's (notices.c), which sends them in the caller's transaction. Input: the directory and the
 * pings table (bounce text from mail arrives here bounded by ping-report.c). -1 when a notice
 * cannot be composed, signed or queued. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "clock.h"
#include "ping-notices.h"
#include "form.h"
#include "log.h"
#include "notices.h"
#include "outbox.h"
#include "poc-keys.h"
#include "pocs.h"
#include "signers.h"
#include "states.h"
#include "templates.h"
#include "wrap.h"

/* The POCs of entries that did not answer, one a line, with what came
 * back in lang (templates/<lang>/ping-phrases.txt). g_free it. */
static char *silent_list(const struct mail_ctx *c, const GPtrArray *entries, const char *lang)
{
	static const char *const keys[] = { "answered", "bounced", "autoreply", "silent" };
	GString *list = g_string_new(NULL);

	for (guint i = 0; i < entries->len; i++) {
		const struct ping_entry *e = entries->pdata[i];
		char *said;

		if (e->outcome == PING_OUT_ANSWERED)
			continue;
		said = templates_phrase(c->tpl, lang, "ping-phrases", keys[e->outcome]);
		g_string_append_printf(
			list, "  %-12s %s  (%s%s%s)\n", e->poc, e->address,
			said ? said : keys[e->outcome],
			e->outcome == PING_OUT_BOUNCED && e->bounce_status ? " " : "",
			e->outcome == PING_OUT_BOUNCED && e->bounce_status ? e->bounce_status
									   : "");
		g_free(said);
	}
	return g_string_free(list, FALSE);
}

/* What an escalation says: its round, State, how the round ended, and
 * the entries of the State's POCs that did not answer. */
struct escalation {
	const char *round, *state;
	gboolean closed;		/* closed by the custodian before its deadline */
	const GPtrArray *entries;
};

/* How the round ended and who did not answer, in lang. */
static char *escalation_list(const struct mail_ctx *c, const char *lang, void *data)
{
	const struct escalation *e = data;
	const struct states *ref = states_load(NULL);
	const char *name = ref ? states_name(ref, e->state, lang) : NULL;
	const char *vars[] = { "round", e->round, "state", name ? name : e->state, NULL };
	char *said = templates_layout(c->tpl, lang,
				      e->closed ? "escalation-closed" : "escalation-deadline",
				      vars),
	     *head = wrap_text(said, 72), *list = silent_list(c, e->entries, lang),
	     *text = g_strdup_printf("%s\n\n%s", head, list);

	g_free(said);
	g_free(head);
	g_free(list);
	return text;
}

int ping_notices_escalate(const struct mail_ctx *c, gint64 round, const char *state,
			  const GPtrArray *entries, gboolean closed)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	char rid[24], *seed = g_strdup_printf("ping-escalation:%" G_GINT64_FORMAT
					      ":%s:%" G_GINT64_FORMAT,
					      round, state, c->now);
	struct escalation e = { rid, state, closed, entries };
	struct notice_request n = { .kind = "ping-escalation",
				    .state = state,
				    .seed = seed,
				    .vars = vars,
				    .each_key = "list",
				    .each = escalation_list,
				    .data = &e };
	int rc;

	g_snprintf(rid, sizeof rid, "%" G_GINT64_FORMAT, round);
	g_hash_table_insert(vars, "round", rid);
	rc = notices_send(c, &n);
	g_hash_table_unref(vars);
	g_free(seed);
	return rc;
}

/* Writes text to a new file under VAR/tmp; its path (g_free it), or NULL. */
static char *temp_file(const struct config *cfg, const char *text)
{
	char *dir = config_var_path(cfg, "tmp"),
	     *path = g_build_filename(dir, "ping-report-XXXXXX", NULL);
	int fd = g_mkdir_with_parents(dir, 0700) == 0 ? g_mkstemp(path) : -1;
	size_t len = strlen(text), done = 0;

	while (fd >= 0 && done < len) {
		ssize_t w = write(fd, text + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		done += (size_t)w;
	}
	if (fd < 0 || done < len || close(fd) < 0) {
		log_msg(LOG_ERR, "ping report: cannot write %s: %s", path, g_strerror(errno));
		if (fd >= 0)
			g_unlink(path);
		g_free(path);
		path = NULL;
	}
	g_free(dir);
	return path;
}

int ping_notices_report(const struct mail_ctx *c, const struct ping_report *r)
{
	char *text = ping_report_text(r), *csv = ping_report_csv(r),
	     *path = temp_file(c->cfg, csv);
	char *filename = g_strdup_printf("ping-round-%" G_GINT64_FORMAT ".csv", r->round.id);
	char *seed = g_strdup_printf("ping-report:%" G_GINT64_FORMAT, r->round.id), rid[24];
	struct outbox_attachment csv_part = { filename, "text/csv; charset=utf-8; header=present",
					      path };
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	struct notice_request n = { .kind = "ping-report", .seed = seed, .vars = vars,
				    .attachments = &csv_part, .n_attachments = 1 };
	int rc = -1;

	g_snprintf(rid, sizeof rid, "%" G_GINT64_FORMAT, r->round.id);
	g_hash_table_insert(vars, "round", rid);
	g_hash_table_insert(vars, "report", text);
	g_hash_table_insert(vars, "filename", filename);
	if (path) {
		GPtrArray *to = signers_audience(c->db, SIGNERS_CUSTODIANS, NULL);

		if (to && to->len == 0)
			log_msg(LOG_WARNING,
				"ping round %s: no custodian signer to mail the report to", rid);
		if (to)
			g_ptr_array_unref(to);
		rc = notices_send(c, &n);
		g_unlink(path);
	}
	g_hash_table_unref(vars);
	g_free(text);
	g_free(csv);
	g_free(path);
	g_free(filename);
	g_free(seed);
	return rc;
}

int ping_notices_unverified(const struct mail_ctx *c, const char *state, const char *poc,
			    const char *address, const char *seed)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	char *s = g_strdup_printf("ping-unverified:%s", seed), date[CLOCK_TEXT_LEN];
	struct notice_request n = {
		.kind = "ping-unverified", .state = state, .seed = s, .vars = vars
	};
	int rc;

	g_hash_table_insert(vars, "id", (char *)poc);
	g_hash_table_insert(vars, "address", (char *)address);
	g_hash_table_insert(vars, "date", (char *)clock_text(c->now, CLOCK_MINUTE, "-", date));
	rc = notices_send(c, &n);
	g_hash_table_unref(vars);
	g_free(s);
	return rc;
}

int ping_notices_undeliverable(const struct mail_ctx *c, const struct pings_dead *d)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	char *s = g_strdup_printf("address-undeliverable:%s:%s:%" G_GINT64_FORMAT, d->poc,
				  d->address, d->since),
	     since[CLOCK_TEXT_LEN], *status = NULL, *diagnostic = NULL;
	struct ping_entry e = { .bounce_status = g_strdup(d->status),
				.bounce_diagnostic = g_strdup(d->diagnostic) };
	struct notice_request n = {
		.kind = "address-undeliverable", .state = d->state, .seed = s, .vars = vars
	};
	int rc;

	ping_report_clean(&e);	/* from mail: one bounded line each */
	status = e.bounce_status ? e.bounce_status : g_strdup("-");
	diagnostic = e.bounce_diagnostic ? e.bounce_diagnostic : g_strdup("-");
	g_hash_table_insert(vars, "id", (char *)d->poc);
	g_hash_table_insert(vars, "address", d->address);
	g_hash_table_insert(vars, "since", (char *)clock_text(d->since, CLOCK_MINUTE, "-", since));
	g_hash_table_insert(vars, "status", status);
	g_hash_table_insert(vars, "diagnostic", diagnostic);
	rc = notices_send(c, &n);
	g_hash_table_unref(vars);
	g_free(status);
	g_free(diagnostic);
	g_free(s);
	return rc;
}

/* The State's records as forms in lang. g_free it. */
static char *forms_of(const struct mail_ctx *c, const GPtrArray *pocs, const char *lang)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < pocs->len; i++) {
		struct form_fields f;
		char *text;

		pocs_to_fields(pocs->pdata[i], &f);
		text = form_render(c->tpl, lang, FORM_UPDATE, &f);
		g_string_append_printf(out, "%s%s", out->len ? "\n" : "", text);
		g_free(text);
		pocs_fields_clear(&f);
	}
	return g_string_free(out, FALSE);
}

static char *update_forms(const struct mail_ctx *c, const char *lang, void *data)
{
	return forms_of(c, data, lang);
}

/* The addresses of pocs (struct poc *) with no key on record, a line
 * each ("  DE-T-1  alice@example.org"), or "" when every one has a key;
 * NULL on a database error. g_free it. */
static char *keyless_of(const struct mail_ctx *c, GPtrArray *pocs)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < pocs->len; i++) {
		const struct poc *p = pocs->pdata[i];
		GPtrArray *keys = poc_keys_of(c->db, p->id);

		if (!keys) {
			g_string_free(out, TRUE);
			return NULL;
		}
		for (guint j = 0; j < p->emails->len; j++) {
			gboolean has = FALSE;

			for (guint k = 0; k < keys->len; k++) {
				const struct poc_key *key = keys->pdata[k];

				has |= g_ascii_strcasecmp(key->address, p->emails->pdata[j]) == 0;
			}
			if (!has)
				g_string_append_printf(out, "  %s  %s\n", p->id,
						       (const char *)p->emails->pdata[j]);
		}
		g_ptr_array_unref(keys);
	}
	return g_string_free(out, FALSE);
}

int ping_notices_update(const struct mail_ctx *c, const char *state)
{
	GPtrArray *pocs = pocs_list(c->db, state, POC_TYPE_NONE, FALSE);
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	char *seed = g_strdup_printf("update-reminder:%s:%" G_GINT64_FORMAT, state, c->now),
	     date[CLOCK_TEXT_LEN], *keyless = NULL;
	struct notice_request n = { .kind = "update-reminder",
				    .state = state,
				    .seed = seed,
				    .vars = vars,
				    .each_key = "forms",
				    .each = update_forms,
				    .data = pocs };
	int rc = -1;

	g_hash_table_insert(vars, "date", (char *)clock_text(c->now, CLOCK_MINUTE, "-", date));
	if (pocs && (keyless = keyless_of(c, pocs))) {
		g_hash_table_insert(vars, "keyless", keyless);	/* "": the section goes */
		rc = notices_send(c, &n);
	}
	g_free(keyless);
	if (pocs)
		g_ptr_array_unref(pocs);
	g_hash_table_unref(vars);
	g_free(seed);
	return rc;
}

/* ping-report.c - the figures of one ping round: each ping's outcome, and
 * per State, per POC type and for the whole round how many were sent,
 * answered, auto-replied only, bounced or silent, the response rate and
 * the median and 90th-percentile response time; written as text, CSV or
 * JSON. Input: the pings table, whose bounce status and diagnostic came
 * from mail (untrusted: made valid UTF-8, one line, bounded before they
 * are written). Returns -1 on a database error. */
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "json-out.h"
#include "ping-report.h"
#include "pings.h"

#define MAX_DIAGNOSTIC 200	/* characters of a bounce's diagnostic shown */

/* Untrusted text as one bounded line of valid UTF-8, or NULL. g_free it. */
static char *one_line(const unsigned char *s, glong max)
{
	char *v, *cut;

	if (!s)
		return NULL;
	v = g_utf8_make_valid((const char *)s, -1);
	for (char *c = v; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			*c = ' ';
	if (g_utf8_strlen(v, -1) > max) {
		cut = g_utf8_offset_to_pointer(v, max);
		*cut = '\0';
	}
	return v;
}

void ping_report_clean(struct ping_entry *e)
{
	char *status = one_line((const unsigned char *)e->bounce_status, 16);
	char *diagnostic = one_line((const unsigned char *)e->bounce_diagnostic, MAX_DIAGNOSTIC);

	g_free(e->bounce_status);
	g_free(e->bounce_diagnostic);
	e->bounce_status = status;
	e->bounce_diagnostic = diagnostic;
}

static int cmp_gint64(const void *a, const void *b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

void ping_report_percentiles(gint64 *v, guint n, gint64 *median, gint64 *p90)
{
	guint rank;

	if (n == 0) {
		*median = *p90 = -1;
		return;
	}
	qsort(v, n, sizeof *v, cmp_gint64);
	*median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	rank = (n * 9 + 9) / 10;	/* ceil(0.9 n) */
	*p90 = v[rank - 1];
}

/* The figures of the entries with state and type ("" matches any). */
static struct ping_figures *figures(const GPtrArray *entries, const char *state, const char *type)
{
	struct ping_figures *f = g_new0(struct ping_figures, 1);
	GArray *times = g_array_new(FALSE, FALSE, sizeof(gint64));

	g_strlcpy(f->state, state, sizeof f->state);
	g_strlcpy(f->type, type, sizeof f->type);
	for (guint i = 0; i < entries->len; i++) {
		const struct ping_entry *e = entries->pdata[i];

		if ((*state && strcmp(e->state, state)) || (*type && strcmp(e->type, type)))
			continue;
		f->pings++;
		f->sent += e->sent;
		f->answered += e->outcome == PING_OUT_ANSWERED;
		f->bounced += e->outcome == PING_OUT_BOUNCED;
		f->autoreply_only += e->outcome == PING_OUT_AUTOREPLY;
		f->silent += e->outcome == PING_OUT_SILENT;
		if (e->outcome == PING_OUT_ANSWERED)
			g_array_append_val(times, e->answer_seconds);
	}
	f->rate = f->pings ? (double)f->answered / f->pings : 0;
	ping_report_percentiles((gint64 *)(void *)times->data, times->len, &f->median, &f->p90);
	g_array_free(times, TRUE);
	return f;
}

static gint cmp_str_ptr(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each distinct value of the entries' state (by_type FALSE) or type. */
static GPtrArray *distinct(const GPtrArray *entries, gboolean by_type)
{
	GPtrArray *seen = g_ptr_array_new();

	for (guint i = 0; i < entries->len; i++) {
		const struct ping_entry *e = entries->pdata[i];
		const char *v = by_type ? e->type : e->state;

		if (!g_ptr_array_find_with_equal_func(seen, v, g_str_equal, NULL))
			g_ptr_array_add(seen, (gpointer)v);
	}
	if (by_type)
		g_ptr_array_sort(seen, cmp_str_ptr);
	return seen;
}

int ping_report_build(sqlite3 *db, gint64 id, struct ping_report *out)
{
	int rc = pings_round_get(db, id, &out->round);
	GPtrArray *keys;

	out->entries = out->groups = out->skips = NULL;
	if (rc <= 0)
		return rc;
	out->groups = g_ptr_array_new_with_free_func(g_free);
	if (!(out->entries = pings_entries(db, id, NULL, 0)) ||
	    !(out->skips = pings_health_skips(db, id))) {
		ping_report_clear(out);
		return -1;
	}
	for (guint i = 0; i < out->entries->len; i++)
		ping_report_clean(out->entries->pdata[i]);
	keys = distinct(out->entries, FALSE);
	for (guint i = 0; i < keys->len; i++)
		g_ptr_array_add(out->groups, figures(out->entries, keys->pdata[i], ""));
	g_ptr_array_unref(keys);
	keys = distinct(out->entries, TRUE);
	for (guint i = 0; i < keys->len; i++)
		g_ptr_array_add(out->groups, figures(out->entries, "", keys->pdata[i]));
	g_ptr_array_unref(keys);
	g_ptr_array_add(out->groups, figures(out->entries, "", ""));
	return 1;
}

void ping_report_clear(struct ping_report *r)
{
	pings_round_clear(&r->round);
	if (r->entries)
		g_ptr_array_unref(r->entries);
	if (r->groups)
		g_ptr_array_unref(r->groups);
	if (r->skips)
		g_ptr_array_unref(r->skips);
	r->entries = r->groups = r->skips = NULL;
}

/* ---- text ---- */

/* Seconds as H:MM:SS (hours unbounded), or "-". */
static void duration(gint64 s, char out[32])
{
	if (s < 0)
		g_strlcpy(out, "-", 32);
	else
		g_snprintf(out, 32, "%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int)(s / 60 % 60),
			   (int)(s % 60));
}

static const char *group_name(const struct ping_figures *f, char buf[32])
{
	if (f->state[0])
		g_snprintf(buf, 32, "State %s", f->state);
	else if (f->type[0])
		g_snprintf(buf, 32, "type %s", f->type);
	else
		g_strlcpy(buf, "all", 32);
	return buf;
}

static const char *outcome_name(enum ping_outcome o)
{
	static const char *const names[] = { "answered", "bounced", "auto-reply only", "silent" };

	G_STATIC_ASSERT(G_N_ELEMENTS(names) == PING_OUT_SILENT + 1);
	g_assert((unsigned)o < G_N_ELEMENTS(names));
	return names[o];
}

static void text_entries(GString *t, const struct ping_report *r, enum ping_outcome which,
			 const char *title)
{
	gboolean any = FALSE;

	for (guint i = 0; i < r->entries->len; i++) {
		const struct ping_entry *e = r->entries->pdata[i];
		char when[CLOCK_TEXT_LEN];

		if (e->outcome != which)
			continue;
		if (!any)
			g_string_append_printf(t, "\n%s\n", title);
		any = TRUE;
		if (which == PING_OUT_BOUNCED) {
			g_string_append_printf(t, "  %-12s %s  %s %s %s  %s\n", e->poc, e->address,
					       e->bounce_status ? e->bounce_status : "-",
					       e->bounce_hard == 1   ? "hard"
					       : e->bounce_hard == 0 ? "soft"
								     : "-",
					       clock_text(e->bounced, CLOCK_ISO, "-", when),
					       e->bounce_diagnostic ? e->bounce_diagnostic : "");
		} else
			g_string_append_printf(t, "  %-12s %s  (%s)\n", e->poc, e->address,
					       outcome_name(e->outcome));
	}
}

/* The addresses the round did not ping: "skipped: undeliverable since
 * DATE (STATUS)". The status came from mail: made one clean line. */
static void text_skips(GString *t, const struct ping_report *r)
{
	for (guint i = 0; r->skips && i < r->skips->len; i++) {
		const struct pings_dead *d = r->skips->pdata[i];
		char day[CLOCK_TEXT_LEN],
		     *status = one_line((const unsigned char *)(d->status ? d->status : "-"), 16);

		if (i == 0)
			g_string_append(t, "\nNot pinged (POC, address, why)\n");
		g_string_append_printf(t, "  %-12s %s  skipped: undeliverable since %s (%s)\n",
				       d->poc, d->address,
				       clock_text(d->since, CLOCK_DAY, "-", day), status);
		g_free(status);
	}
}

char *ping_report_text(const struct ping_report *r)
{
	GString *t = g_string_new(NULL);
	char started[CLOCK_TEXT_LEN], deadline[CLOCK_TEXT_LEN], closed[CLOCK_TEXT_LEN];

	g_string_append_printf(
		t,
		"Ping round %" G_GINT64_FORMAT "\n"
		"  Started:  %s (%s)\n  Deadline: %s\n  Closed:   %s\n  Scope:    %s\n\n",
		r->round.id, clock_text(r->round.started, CLOCK_ISO, "-", started),
		r->round.started_by, clock_text(r->round.deadline, CLOCK_ISO, "-", deadline),
		r->round.closed ? clock_text(r->round.closed, CLOCK_ISO, "-", closed) : "open",
		r->round.scope && *r->round.scope ? r->round.scope : "every POC");
	g_string_append_printf(t, "%-22s %6s %6s %8s %10s %7s %6s %7s %11s %11s\n", "group",
			       "pings", "sent", "answered", "auto-reply", "bounced", "silent",
			       "rate", "median", "p90");
	for (guint i = 0; i < r->groups->len; i++) {
		const struct ping_figures *f = r->groups->pdata[i];
		char name[32], med[32], p90[32];

		duration(f->median, med);
		duration(f->p90, p90);
		g_string_append_printf(t, "%-22s %6d %6d %8d %10d %7d %6d %6.1f%% %11s %11s\n",
				       group_name(f, name), f->pings, f->sent, f->answered,
				       f->autoreply_only, f->bounced, f->silent, f->rate * 100,
				       med, p90);
	}
	g_string_append(
		t, "\nResponse times are from handing over to the answer's arrival (H:MM:SS).\n");
	text_entries(t, r, PING_OUT_BOUNCED,
		     "Bounces (POC, address, status, hard/soft, when, diagnostic)");
	text_entries(t, r, PING_OUT_AUTOREPLY, "Automatic replies only");
	text_entries(t, r, PING_OUT_SILENT, "No answer");
	text_skips(t, r);
	return g_string_free(t, FALSE);
}

/* ---- CSV ---- */

static void csv_field(GString *out, const char *s, gboolean first)
{
	if (!first)
		g_string_append_c(out, ',');
	if (s && strpbrk(s, ",\"\r\n")) {
		g_string_append_c(out, '"');
		for (const char *c = s; *c; c++) {
			if (*c == '"')
				g_string_append_c(out, '"');
			g_string_append_c(out, *c);
		}
		g_string_append_c(out, '"');
	} else if (s)
		g_string_append(out, s);
}

static void csv_row(GString *out, const char *const *fields, int n)
{
	for (int i = 0; i < n; i++)
		csv_field(out, fields[i], i == 0);
	g_string_append(out, "\r\n");
}

#define CSV_COLUMNS 18

char *ping_report_csv(const struct ping_report *r)
{
	static const char *const header[CSV_COLUMNS] = {
		"kind", "state", "type", "poc", "address", "pings", "sent", "answered",
		"autoreply_only", "bounced", "silent", "response_rate", "median_seconds",
		"p90_seconds", "bounce_status", "bounce_hard", "bounce_diagnostic", "at"
	};
	GString *out = g_string_new(NULL);

	csv_row(out, header, CSV_COLUMNS);
	for (guint i = 0; i < r->groups->len; i++) {
		const struct ping_figures *f = r->groups->pdata[i];
		char n[6][16], rate[16], med[24], p90[24];
		const int v[6] = { f->pings,          f->sent,    f->answered,
				   f->autoreply_only, f->bounced, f->silent };

		for (int k = 0; k < 6; k++)
			g_snprintf(n[k], sizeof n[k], "%d", v[k]);
		g_snprintf(rate, sizeof rate, "%.4f", f->rate);
		g_snprintf(med, sizeof med, "%" G_GINT64_FORMAT, f->median);
		g_snprintf(p90, sizeof p90, "%" G_GINT64_FORMAT, f->p90);
		csv_row(out,
			(const char *const[CSV_COLUMNS]){ "group", f->state, f->type, "", "", n[0],
							  n[1], n[2], n[3], n[4], n[5], rate,
							  f->median < 0 ? "" : med,
							  f->p90 < 0 ? "" : p90, "", "", "", "" },
			CSV_COLUMNS);
	}
	for (guint i = 0; i < r->entries->len; i++) {
		const struct ping_entry *e = r->entries->pdata[i];
		char when[CLOCK_TEXT_LEN];

		if (e->outcome != PING_OUT_BOUNCED)
			continue;
		csv_row(out,
			(const char *const[CSV_COLUMNS]){
				"bounce", e->state, e->type, e->poc, e->address, "", "", "", "",
				"", "", "", "", "", e->bounce_status ? e->bounce_status : "",
				e->bounce_hard == 1   ? "1"
				: e->bounce_hard == 0 ? "0"
						      : "",
				e->bounce_diagnostic ? e->bounce_diagnostic : "",
				clock_text(e->bounced, CLOCK_ISO, "-", when) },
			CSV_COLUMNS);
	}
	return g_string_free(out, FALSE);
}

/* ---- JSON ---- */

static void json_group(JsonBuilder *b, const struct ping_figures *f)
{
	json_builder_begin_object(b);
	json_out_string(b, "state", f->state);
	json_out_string(b, "type", f->type);
	json_out_int(b, "pings", f->pings);
	json_out_int(b, "sent", f->sent);
	json_out_int(b, "answered", f->answered);
	json_out_int(b, "autoreply_only", f->autoreply_only);
	json_out_int(b, "bounced", f->bounced);
	json_out_int(b, "silent", f->silent);
	json_builder_set_member_name(b, "response_rate");
	json_builder_add_double_value(b, f->rate);
	json_out_int_or_null(b, "median_seconds", f->median);
	json_out_int_or_null(b, "p90_seconds", f->p90);
	json_builder_end_object(b);
}

static void json_entry(JsonBuilder *b, const struct ping_entry *e)
{
	char *addr = g_utf8_make_valid(e->address, -1);

	json_builder_begin_object(b);
	json_out_string(b, "poc", e->poc);
	json_out_string(b, "state", e->state);
	json_out_string(b, "type", e->type);
	json_out_string(b, "address", addr);
	json_out_string(b, "outcome", outcome_name(e->outcome));
	json_out_time(b, "sent", e->sent_at);
	json_out_int_or_null(b, "response_seconds",
			e->outcome == PING_OUT_ANSWERED ? e->answer_seconds : -1);
	if (e->outcome == PING_OUT_BOUNCED) {
		json_out_time(b, "bounced", e->bounced);
		json_out_string(b, "bounce_status", e->bounce_status);
		json_builder_set_member_name(b, "bounce_hard");
		if (e->bounce_hard < 0)
			json_builder_add_null_value(b);
		else
			json_builder_add_boolean_value(b, e->bounce_hard == 1);
		json_out_string(b, "bounce_diagnostic", e->bounce_diagnostic);
	}
	json_builder_end_object(b);
	g_free(addr);
}

char *ping_report_json(const struct ping_report *r)
{
	JsonBuilder *b = json_builder_new();
	JsonGenerator *g = json_generator_new();
	JsonNode *root;
	char *text;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "round");
	json_builder_begin_object(b);
	json_out_int(b, "id", r->round.id);
	json_out_time(b, "started", r->round.started);
	json_out_time(b, "deadline", r->round.deadline);
	json_out_time(b, "closed", r->round.closed);
	json_out_string(b, "scope", r->round.scope);
	json_out_string(b, "started_by", r->round.started_by);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "groups");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->groups->len; i++)
		json_group(b, r->groups->pdata[i]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "pings");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->entries->len; i++)
		json_entry(b, r->entries->pdata[i]);
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	json_generator_set_pretty(g, TRUE);
	text = json_generator_to_data(g, NULL);
	json_node_unref(root);
	g_object_unref(g);
	g_object_unref(b);
	return text;
}

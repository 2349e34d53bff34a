/* dispatch-forms.c - applies an accepted signer's nomination, update and
 * withdrawal forms, all or nothing, and writes the blocks of the reply:
 * what changed, field by field, the records as ready-to-edit forms, or
 * the problems with their lines. Input: forms already parsed and checked
 * (form.c) from the signed content; the store (pocs-ops.c) decides what the
 * signer may do. A POC's old and new addresses are told that its record
 * changed, with no directory data (they have no key); the State's other
 * signers are told what was done or refused, signed and encrypted (both
 * through notices.c). The keys a form carries are dispatch-keys.c's.
 * Returns -1 only on a database error or a crypto engine failure (the
 * message is then retried). */
#include <string.h>
#include "clock.h"
#include "dispatch.h"
#include "db.h"
#include "form.h"
#include "langs.h"
#include "limits.h"
#include "notices.h"
#include "outbox.h"
#include "pings.h"
#include "pings-health.h"
#include "audit.h"
#include "pocs.h"
#include "signers.h"
#include "states.h"
#include "templates.h"
#include "wrap.h"

static const struct {
	guint32 bit;
	const char *key;	/* words.txt key of its label */
} fields[] = {
	{ FIELD_STATE, "field-state" },
	{ FIELD_TYPE, "field-type" },
	{ FIELD_ORGANISATION, "field-organisation" },
	{ FIELD_WEB, "field-web" },
	{ FIELD_EMAIL, "field-email" },
	{ FIELD_PHONE, "field-phone" },
	{ FIELD_LANGUAGES, "field-languages" },
	{ FIELD_NAME, "field-name" },
	{ FIELD_POSITION, "field-position" },
	{ FIELD_NOTES, "field-notes" },
	{ FIELD_REASON, NULL },	/* the status, with the reason: "label-status" of
				 * lookup-phrases.txt, as the lookup answers */
};

typedef enum pocs_outcome apply_fn(sqlite3 *, const struct pocs_request *, struct poc *,
				   struct poc *, const char **);

struct run {
	sqlite3 *db;
	struct filter_ctx *ctx;
	const char *hash, *lang;
	GString *changes, *forms, *problems;
	gboolean pending;
	GPtrArray *told;	/* "ID address" notices to queue after success */
	char *date;		/* the robot's now, for the notices */
	struct dispatch_keys *keys;
};

/* The mail context of the message's transaction. */
static struct mail_ctx mail_of(const struct run *r)
{
	return (struct mail_ctx){ r->db, r->ctx->cfg, r->ctx->crypto, r->ctx->tpl, r->ctx->now };
}

/* A phrase of problems.txt, filled to the width of the templates. */
static char *phrase(const struct run *r, const char *key)
{
	char *text = templates_phrase(r->ctx->tpl, r->lang, "problems", key), *filled;

	if (!text)
		return g_strdup(key);
	filled = wrap_text(text, TEMPLATE_WIDTH);
	g_free(text);
	return filled;
}

static char *joined(const GPtrArray *a)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; a && i < a->len; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", (const char *)a->pdata[i]);
	return g_string_free(s, FALSE);
}

/* A status in lang, with the withdrawal's reason: the words of the
 * lookup answers (lookup-phrases.txt). g_free it. */
static char *status_text(const struct run *r, const struct poc *p)
{
	char *key = g_strdup_printf("status-%s", pocs_status_name(p->status));
	char *word = templates_phrase(r->ctx->tpl, r->lang, "lookup-phrases", key);
	char *text = g_strdup_printf("%s%s%s", word ? word : pocs_status_name(p->status),
				     p->withdrawn_reason ? ": " : "",
				     p->withdrawn_reason ? p->withdrawn_reason : "");

	g_free(key);
	g_free(word);
	return text;
}

/* One field of p as text in the reply's language. g_free it. */
static char *value(const struct run *r, const struct poc *p, guint32 bit)
{
	if (!p->id[0])
		return g_strdup("-");
	switch (bit) {
	case FIELD_STATE: return g_strdup(form_state_text(p->state, r->lang));
	case FIELD_TYPE: return form_type_text(r->ctx->tpl, r->lang, p->type);
	case FIELD_ORGANISATION: return g_strdup(p->organisation ? p->organisation : "-");
	case FIELD_WEB: return g_strdup(p->web ? p->web : "-");
	case FIELD_EMAIL: return joined(p->emails);
	case FIELD_PHONE: return joined(p->phones);
	case FIELD_LANGUAGES: return form_languages_text(p->languages, r->lang);
	case FIELD_NAME: return g_strdup(p->name ? p->name : "-");
	case FIELD_POSITION: return g_strdup(p->position ? p->position : "-");
	case FIELD_NOTES: return g_strdup(p->notes ? p->notes : "-");
	default: return status_text(r, p);
	}
}

/* "Label: value", as layout.txt writes it. g_free it. */
static char *field(const struct run *r, const char *label, const char *value)
{
	const char *vars[] = { "label", label, "value", value, NULL };

	return templates_layout(r->ctx->tpl, r->lang, "field", vars);
}

/* "FR-T-1 (new point of contact)", the head of a POC's changes. */
static void change_head(struct run *r, const struct poc *before, const struct poc *after)
{
	const char *what = !before->id[0]                   ? "created"
			   : after->status == POC_WITHDRAWN ? "withdrawn"
							    : "updated";
	char *w = phrase(r, what);
	const char *vars[] = { "id", after->id, "what", w, NULL };
	char *head = templates_layout(r->ctx->tpl, r->lang, "change", vars);

	g_string_append_printf(r->changes, "%s%s\n", r->changes->len ? "\n" : "", head);
	g_free(head);
	g_free(w);
}

/* The head and each changed field, was and now. */
static void describe(struct run *r, const struct poc *before, const struct poc *after)
{
	char *was = phrase(r, "field-was"), *now = phrase(r, "field-now");
	guint32 diff = pocs_diff(before, after);

	change_head(r, before, after);
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		char *label, *old, *new;

		if (!(diff & fields[i].bit))
			continue;
		if (fields[i].key)
			label = templates_label(r->ctx->tpl, r->lang, fields[i].key);
		else
			label = templates_phrase(r->ctx->tpl, r->lang, "lookup-phrases",
						 "label-status");
		old = value(r, before, fields[i].bit);
		new = value(r, after, fields[i].bit);
		if (before->id[0]) {
			char *o = field(r, was, old), *n = field(r, now, new);

			g_string_append_printf(r->changes, "  %s\n    %s\n    %s\n", label, o, n);
			g_free(o);
			g_free(n);
		} else {
			char *n = field(r, label, new);

			g_string_append_printf(r->changes, "  %s\n", n);
			g_free(n);
		}
		g_free(label);
		g_free(old);
		g_free(new);
	}
	g_free(was);
	g_free(now);
}

/* The record as a ready-to-edit form, for the reply; none in a dry run,
 * where nothing was created or changed. */
static void record_form(struct run *r, const struct poc *after)
{
	struct form_fields f;
	char *text;

	if (after->status == POC_WITHDRAWN || r->ctx->forms->dry_run)
		return;
	pocs_to_fields(after, &f);
	text = form_render(r->ctx->tpl, r->lang, FORM_UPDATE, &f);
	g_string_append_printf(r->forms, "%s%s", r->forms->len ? "\n" : "", text);
	g_free(text);
	pocs_fields_clear(&f);
}

/* The POC's first language that is one of the six, else English. */
static const char *first_un_language(const struct poc *p)
{
	for (guint i = 0; p->languages && i < p->languages->len; i++)
		if (langs_known(p->languages->pdata[i]))
			return langs_known(p->languages->pdata[i]);
	return "en";
}

/* The addresses to tell that the record changed, old and new, each as
 * "ID LANG ADDRESS" (LANG: the POC's first UN language). */
static void addresses_to_tell(struct run *r, const struct poc *before, const struct poc *after)
{
	const struct poc *both[] = { before, after };

	for (size_t k = 0; k < 2; k++)
		for (guint i = 0; both[k]->emails && i < both[k]->emails->len; i++) {
			char *entry = g_strdup_printf("%s %s %s", after->id,
						      first_un_language(after),
						      (char *)both[k]->emails->pdata[i]);

			if (g_ptr_array_find_with_equal_func(r->told, entry, g_str_equal, NULL))
				g_free(entry);
			else
				g_ptr_array_add(r->told, entry);
		}
}

static void problem(struct run *r, int line, const char *quoted, const char *key,
		    const char *detail)
{
	char *l = phrase(r, "line"), *text = phrase(r, key), number[16], *head;
	const char *what = quoted ? quoted : (detail ? detail : "");
	const char *vars[] = { "line", l, "number", number, "text", what, NULL };

	g_snprintf(number, sizeof number, "%d", line);
	head = templates_layout(r->ctx->tpl, r->lang, quoted ? "problem-quoted" : "problem", vars);
	g_string_append_printf(r->problems, "%s%s\n%s\n", r->problems->len ? "\n" : "", head,
			       text);
	g_free(head);
	g_free(l);
	g_free(text);
}

/* Problems found by dispatch-keys.c, written and freed (refused too). */
static void problems_from(struct run *r, GPtrArray *refused)
{
	for (guint i = 0; i < refused->len; i++) {
		struct form_error *e = refused->pdata[i];

		problem(r, e->line, e->quoted, e->key, e->detail);
		g_free(e->quoted);
		g_free(e->detail);
		g_free(e);
	}
	g_ptr_array_unref(refused);
}

/* What a change means for the pings: a withdrawn POC gets nothing more
 * (its pings finished, their queued messages cancelled, audited); an
 * UPDATE forgets what was known of the addresses it removed, and sends a
 * verification ping to each undeliverable address it states again. */
static int lifecycle(struct run *r, const struct form *f, const struct poc *before,
		     const struct poc *after)
{
	struct mail_ctx c = mail_of(r);
	int rc = 0;

	if (after->status == POC_WITHDRAWN && before->status != POC_WITHDRAWN) {
		int n = pings_health_cancel(r->db, after->id, r->ctx->now);
		char *detail = g_strdup_printf("{\"poc\": \"%s\", \"outbox_cancelled\": %d}",
					       after->id, n);

		rc = n < 0 ? -1
			   : audit_append(r->db, r->ctx->now, "robot", after->state,
					  "poc-pings-cancelled", detail);
		g_free(detail);
		return rc;
	}
	if (f->verb != FORM_UPDATE || pings_health_forget(r->db, after->id) < 0)
		return f->verb == FORM_UPDATE ? -1 : 0;
	for (guint i = 0; rc == 0 && f->f.emails && i < f->f.emails->len; i++) {
		int dead = pings_health_is_dead(r->db, after->id, f->f.emails->pdata[i]);

		if (dead > 0)
			dead = pings_recheck(&c, after, f->f.emails->pdata[i], NULL);
		rc = dead < 0 ? -1 : 0;
	}
	return rc;
}

/* 1 when address is one of p's (any case). */
static int has_address(const struct poc *p, const char *address)
{
	for (guint i = 0; p->emails && i < p->emails->len; i++)
		if (g_ascii_strcasecmp(p->emails->pdata[i], address) == 0)
			return 1;
	return 0;
}

/* A key put on an address the POC already had is proven as a new
 * address's is: a verification ping encrypted to it, its proof code
 * inside (a new address gets its own verification ping; an undeliverable
 * one restated, lifecycle's). An unanswered one leaves an active POC
 * active (ping_evidence_status). 0 or -1. */
static int prove_keys(struct run *r, const struct poc *before, const struct poc *after,
		      const GPtrArray *fresh)
{
	struct mail_ctx c = mail_of(r);
	int rc = 0;

	for (guint i = 0; rc == 0 && i < fresh->len; i++) {
		const char *address = fresh->pdata[i];
		int dead = pings_health_is_dead(r->db, after->id, address);

		if (dead < 0)
			rc = -1;
		else if (!dead && has_address(before, address))
			rc = pings_recheck(&c, after, address, NULL) < 0 ? -1 : 0;
	}
	return rc;
}

/* The keys of the form: their lines under the POC's head, their
 * refusals as problems, the new keys of known addresses proven. -1 on a
 * database or crypto engine failure. */
static int keys(struct run *r, const struct form *f, const struct poc *before,
		const struct poc *after)
{
	GString *lines = g_string_new(NULL);
	GPtrArray *refused = g_ptr_array_new(), *fresh = g_ptr_array_new();
	int rc = dispatch_keys_apply(r->keys, r->db, f, after, r->hash, lines, refused, fresh);

	if (lines->len && !pocs_diff(before, after))
		change_head(r, before, after);
	g_string_append(r->changes, lines->str);
	g_string_free(lines, TRUE);
	problems_from(r, refused);
	if (rc == 0)
		rc = prove_keys(r, before, after, fresh);
	g_ptr_array_unref(fresh);
	return rc;
}

/* Applies one form. -1 on a database error. */
static int apply(struct run *r, const struct form *f)
{
	static apply_fn *const by_verb[] = { pocs_nominate, pocs_update, pocs_withdraw };
	struct poc before = { 0 }, after = { 0 };
	const char *key = NULL;
	enum signer_role role = SIGNER_AUTHORITY;
	struct pocs_request rq;
	enum pocs_outcome o;

	signers_role_parse(r->ctx->auth.role, &role);
	rq = (struct pocs_request){ .form = f, .signer_state = r->ctx->auth.state, .role = role,
				    .actor = r->ctx->auth.fingerprint, .message_hash = r->hash,
				    .now = r->ctx->now };
	o = by_verb[f->verb](r->db, &rq, &before, &after, &key);
	if (o == POCS_REFUSED)
		problem(r, f->line, NULL, key ? key : "not-authorised", f->f.id);
	else if (o == POCS_DONE && pocs_diff(&before, &after)) {
		describe(r, &before, &after);
		record_form(r, &after);
		r->pending |= pocs_needs_verification(&before, &after);
		/* the keys first: the verification pings go encrypted to them */
		if (keys(r, f, &before, &after) < 0) {
			o = POCS_FAILED;
		} else if (pocs_needs_verification(&before, &after)) {
			struct mail_ctx c = mail_of(r);

			/* the verification pings (robot/pings.c) */
			if (pings_verify_new_addresses(&c, &before, &after) < 0)
				o = POCS_FAILED;
		}
		addresses_to_tell(r, &before, &after);
	} else if (o == POCS_DONE) {
		record_form(r, &after);
		if (keys(r, f, &before, &after) < 0)
			o = POCS_FAILED;
	}
	/* after the keys: its rechecks go encrypted to them too */
	if (o == POCS_DONE && lifecycle(r, f, &before, &after) < 0)
		o = POCS_FAILED;
	pocs_clear(&before);
	pocs_clear(&after);
	return o == POCS_FAILED ? -1 : 0;
}

/* Tells one of a POC's addresses ("ID LANG ADDRESS") that its record
 * changed, in LANG (no directory data in it). */
static int tell(struct run *r, const char *entry)
{
	char **part = g_strsplit(entry, " ", 3);
	char *seed = g_strdup_printf("%s:poc-notice:%s", r->hash, part[0]);
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	struct notice_request n = { .kind = "record-changed", .address = part[2],
				    .lang = part[1], .seed = seed, .vars = vars };
	struct mail_ctx c = mail_of(r);
	int rc;

	g_hash_table_insert(vars, "id", part[0]);
	g_hash_table_insert(vars, "date", r->date);
	rc = notices_send(&c, &n);
	g_hash_table_unref(vars);
	g_strfreev(part);
	g_free(seed);
	return rc;
}

/* The State the message acted on: the first form's, else the signer's. */
static const char *target_state(const struct run *r)
{
	const struct form *f = r->ctx->forms->forms->len ? r->ctx->forms->forms->pdata[0] : NULL;

	return f && f->f.state[0] ? f->f.state : r->ctx->auth.state;
}

/* Every other signer of the State is told what was done, or refused. */
static int tell_signers(struct run *r)
{
	gboolean refused = r->problems->len > 0;
	char *said = phrase(r, refused ? "outcome-refused" : "outcome-applied");
	char *seed = g_strdup_printf("%s:signer-notice", r->hash);
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	struct notice_request n = { .kind = "forms",
				    .state = target_state(r),
				    .lang = r->lang,
				    .except = r->ctx->auth.fingerprint,
				    .seed = seed,
				    .vars = vars };
	struct mail_ctx c = mail_of(r);
	int rc;

	g_hash_table_insert(vars, "signer", r->ctx->auth.fingerprint);
	g_hash_table_insert(vars, "date", r->date);
	g_hash_table_insert(vars, "outcome", said);
	g_hash_table_insert(vars, "details", refused ? r->problems->str : r->changes->str);
	rc = notices_send(&c, &n);
	g_hash_table_unref(vars);
	g_free(said);
	g_free(seed);
	return rc;
}

static void parse_problems(struct run *r)
{
	for (guint i = 0; i < r->ctx->forms->errors->len; i++) {
		const struct form_error *e = r->ctx->forms->errors->pdata[i];

		problem(r, e->line, e->quoted, e->key, e->detail);
	}
}

int dispatch_forms(sqlite3 *db, struct filter_ctx *ctx, const char *hash, const char *lang,
		   GHashTable *vars, const char **name)
{
	struct run r = {
		db, ctx, hash, lang, g_string_new(NULL), g_string_new(NULL), g_string_new(NULL),
		FALSE, g_ptr_array_new_with_free_func(g_free), NULL, dispatch_keys_new(ctx, lang)
	};
	const struct form_set *set = ctx->forms;
	char now[CLOCK_TEXT_LEN];
	int rc = 0;

	r.date = g_strdup(clock_text(ctx->now, CLOCK_MINUTE, "-", now));
	if (set->errors->len > 0)
		parse_problems(&r);
	else if (db_savepoint(db) < 0)
		rc = -1;
	else {
		for (guint i = 0; rc == 0 && i < set->forms->len; i++)
			rc = apply(&r, set->forms->pdata[i]);
		if (rc == 0) {
			GPtrArray *refused = g_ptr_array_new();

			dispatch_keys_finish(r.keys, refused);
			problems_from(&r, refused);
		}
		if (rc < 0 || r.problems->len > 0 || set->dry_run)
			db_rollback_to(db);
		db_release(db);
		for (guint i = 0; rc == 0 && !r.problems->len && !set->dry_run && i < r.told->len;
		     i++)
			rc = tell(&r, r.told->pdata[i]);
	}
	if (rc == 0 && !set->dry_run && (r.problems->len > 0 || r.changes->len > 0))
		rc = tell_signers(&r);
	*name = r.problems->len > 0 ? "errors" : set->dry_run ? "ack-dry-run" : "ack";
	g_hash_table_insert(vars, "problems", g_string_free(r.problems, FALSE));
	g_hash_table_insert(vars, "changes", g_string_free(r.changes, FALSE));
	g_hash_table_insert(vars, "forms", g_string_free(r.forms, FALSE));
	g_hash_table_insert(vars, "pending", r.pending ? phrase(&r, "pending") : g_strdup(""));
	g_hash_table_insert(vars, "dryrun", set->dry_run ? phrase(&r, "dryrun") : g_strdup(""));
	g_ptr_array_unref(r.told);
	dispatch_keys_free(r.keys);
	g_free(r.date);
	return rc;
}

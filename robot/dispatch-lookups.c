/* dispatch-lookups.c - answers the LOOKUP, EXTRACT and ACCESS-LOG requests
 * of an accepted signer (ctx->lookup, read by filters/lookup.c), in the
 * worker's transaction: each answer is signed by the robot and encrypted
 * to the key or certificate the requester has enrolled (PGP/MIME for
 * OpenPGP signers, S/MIME for S/MIME signers), written in the request's
 * language, and recorded (lookups table, audit trail). An EXTRACT beyond
 * [lookup] extracts_per_day for the signer's State on the robot's UTC day
 * gets a refusal with no data; a request that cannot be read gets the
 * list of its problems and no data.
 *
 * Memory: the POCs are written one at a time into files (lookup-list.c)
 * and handed to the outbox as attachments, which it composes, signs and
 * encrypts from file to file. The body lists the POCs only when there are
 * at most LOOKUP_INLINE_MAX of them; beyond that the listing is the
 * attachment directory.txt and the body says so, so no answer is ever one
 * unbounded string. Returns -1 on a database or composition error (the
 * message is then retried). */
#include <string.h>
#include "clock.h"
#include "dispatch.h"
#include "crypto.h"
#include "db.h"
#include "langnames.h"
#include "limits.h"
#include "log.h"
#include "messages.h"
#include "lookup-answer.h"
#include "notices.h"
#include "outbox.h"
#include "signers.h"
#include "states.h"
#include "templates.h"
#include "wrap.h"

/* What every answer to one message shares. */
struct job {
	sqlite3 *db;
	struct filter_ctx *ctx;
	const char *hash;
	const char *lang;
	gint64 row;			/* the messages row answered */
	char *to;			/* the requester's signer address */
	char *msgid, *refs;		/* In-Reply-To, References */
	struct signer signer;		/* the requester: its key, its protocol */
	const char *outcome;
};

/* The requester, enrolled and not revoked, and its signer address (the
 * rule of DESIGN.md 3a: the answers go encrypted to its key, at an
 * address of it). 1, 0 when it has none, or -1. */
static int requester(struct job *j)
{
	char *reply_to = mail_reply_to_address(j->ctx->mail);
	char *from = mail_from_address(j->ctx->mail);
	int rc = signers_find(j->db, j->ctx->auth.fingerprint, &j->signer);

	if (rc == 1 && j->signer.revoked)
		rc = -1;	/* authenticate accepted it in this transaction */
	if (rc == 1)
		rc = notices_signer_address(j->ctx->crypto, &j->signer, reply_to, from, &j->to);
	g_free(reply_to);
	g_free(from);
	return rc;
}

/* vars with the placeholders every lookup template has. */
static GHashTable *base_vars(const struct job *j)
{
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	const struct config *cfg = j->ctx->cfg;
	char when[CLOCK_TEXT_LEN];

	g_hash_table_insert(vars, "robot", g_strdup(cfg->address));
	g_hash_table_insert(vars, "custodian", g_strdup(cfg->custodian ? cfg->custodian : ""));
	g_hash_table_insert(vars, "lang", g_strdup(j->lang));
	g_hash_table_insert(vars, "asof", g_strdup(clock_text(j->ctx->now, CLOCK_ISO, "?", when)));
	return vars;
}

/* Renders template name with vars and queues it, signed and encrypted to
 * the requester at its signer address. 0 or -1. */
static int queue(struct job *j, const char *purpose, guint index, const char *name,
		 GHashTable *vars, const struct outbox_attachment *att, size_t n_att)
{
	char *subject = NULL, *body = NULL, *seed;
	int rc;

	if (templates_message(j->ctx->tpl, j->lang, name, vars, &subject, &body) < 0)
		return -1;
	seed = g_strdup_printf("%s:%s:%u", j->hash, purpose, index);
	{
		struct outbox_item it = { .purpose = purpose,
			                  .to = j->to,
			                  .subject = subject,
			                  .body = body,
			                  .in_reply_to = j->msgid,
			                  .references = j->refs,
			                  .attachments = att,
			                  .n_attachments = n_att };
		struct mail_ctx c = { j->db, j->ctx->cfg, j->ctx->crypto, j->ctx->tpl,
			              j->ctx->now };

		rc = notices_queue(&c, "lookup-answer", CRYPTO_NONE, &j->signer, j->row, seed,
				   &it);
	}
	if (rc > 0)
		j->outcome = "no usable reply address";
	g_free(seed);
	g_free(subject);
	g_free(body);
	return rc < 0 ? -1 : 0;
}

/* "Label: value" of one criterion, in the reply's language. */
static void criterion(GString *s, const struct job *j, const char *key, const char *value)
{
	char *label = templates_label(j->ctx->tpl, j->lang, key);

	g_string_append_printf(s, "%s%s: %s", s->len ? "; " : "", label, value);
	g_free(label);
}

/* What was asked, in the reply's language: the verb, then each criterion. */
static char *asked_text(const struct job *j, const struct lookup_query *q)
{
	static const char *const type_keys[] = { "type-diplomatic", "type-technical",
						 "type-policy", "type-law-enforcement" };
	static const char *const formats[] = { "CSV", "vCard", "JSON" };
	const struct states *ref = states_load(NULL);
	char *verb_key = g_strdup_printf("verb-%s", lookup_verb_name(q->verb)), *verb, *text;
	GString *s = g_string_new(NULL), *v = g_string_new(NULL);

	for (guint i = 0; q->states->pdata[i]; i++) {
		const char *name = ref ? states_name(ref, q->states->pdata[i], j->lang) : NULL;

		g_string_append_printf(v, "%s%s", i ? ", " : "",
				       name ? name : (char *)q->states->pdata[i]);
	}
	if (v->len)
		criterion(s, j, "field-state", v->str);
	g_string_truncate(v, 0);
	for (int t = 0; t < 4; t++)
		if (q->types & (1u << t)) {
			char *word = templates_label(j->ctx->tpl, j->lang, type_keys[t]);

			g_string_append_printf(v, "%s%s", v->len ? ", " : "", word);
			g_free(word);
		}
	if (v->len)
		criterion(s, j, "field-type", v->str);
	g_string_truncate(v, 0);
	for (guint i = 0; i < q->languages->len; i++) {
		const char *name = langnames_name(q->languages->pdata[i], j->lang);

		g_string_append_printf(v, "%s%s", i ? ", " : "",
				       name ? name : (char *)q->languages->pdata[i]);
	}
	if (v->len)
		criterion(s, j, "field-languages", v->str);
	g_string_truncate(v, 0);
	for (guint i = 0; i < q->words->len; i++)
		g_string_append_printf(v, "%s%s", i ? " " : "", (char *)q->words->pdata[i]);
	if (v->len)
		criterion(s, j, "field-organisation", v->str);
	g_string_truncate(v, 0);
	text = templates_label(j->ctx->tpl, j->lang, "format-text");
	g_string_append(v, text);
	g_free(text);
	for (int f = 0; f < 3 && q->verb != LOOKUP_ACCESS_LOG; f++)
		if (q->formats & (1u << f))
			g_string_append_printf(v, ", %s", formats[f]);
	if (q->verb != LOOKUP_ACCESS_LOG)
		criterion(s, j, "field-format", v->str);
	verb = lookup_phrase(j->ctx->tpl, j->lang, verb_key);
	g_string_prepend(s, s->len ? " - " : "");
	g_string_prepend(s, verb);
	g_free(verb);
	g_free(verb_key);
	g_string_free(v, TRUE);
	return g_string_free(s, FALSE);
}

/* A phrase filled to the templates' width. */
static char *paragraph(const struct job *j, const char *key)
{
	char *text = lookup_phrase(j->ctx->tpl, j->lang, key),
	     *filled = wrap_text(text, TEMPLATE_WIDTH);

	g_free(text);
	return filled;
}

/* The body's listing: the POCs themselves, "none", or "see directory.txt". */
static char *listing(const struct job *j, struct lookup_files *f)
{
	char *text = NULL;

	if (f->count == 0)
		return paragraph(j, "none");
	if (f->count > LOOKUP_INLINE_MAX) {
		lookup_files_attach_text(f);
		return paragraph(j, "listing-attached");
	}
	if (!g_file_get_contents(f->text_path, &text, NULL, NULL))
		return NULL;
	return g_strchomp(text);
}

static char *attachment_names(const struct job *j, const struct lookup_files *f)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < f->n_att; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", f->att[i].filename);
	if (!s->len) {
		char *none = lookup_phrase(j->ctx->tpl, j->lang, "attachments-none");

		g_string_append(s, none);
		g_free(none);
	}
	return g_string_free(s, FALSE);
}

/* LOOKUP or EXTRACT: the files, the answer, its record. 0 or -1. */
static int answer_query(struct job *j, const struct lookup_query *q, guint index)
{
	struct auth *a = &j->ctx->auth;
	struct lookup_files f;
	GHashTable *vars = base_vars(j);
	char *err = NULL, *list = NULL, *asked = lookup_query_summary(q);
	int rc = lookup_files_write(j->db, j->ctx->cfg, j->ctx->tpl, q, j->lang, &f, &err);

	if (rc < 0)
		log_msg(LOG_ERR, "lookup: %s", err);
	if (rc == 0 && f.count == 0)
		f.n_att = 0;	/* no match: a clear answer, no empty files */
	if (rc == 0 && !(list = listing(j, &f)))
		rc = -1;
	if (rc == 0) {
		g_hash_table_insert(vars, "asked", asked_text(j, q));
		g_hash_table_insert(vars, "count", g_strdup_printf("%u", f.count));
		g_hash_table_insert(vars, "listing", list);
		g_hash_table_insert(vars, "attachments", attachment_names(j, &f));
		rc = queue(j, q->verb == LOOKUP_EXTRACT ? "extract" : "lookup", index, "lookup",
			   vars, f.att, f.n_att);
	}
	if (rc == 0)
		rc = lookup_store_record(j->db, a->fingerprint, a->state, a->role, j->hash,
					 j->ctx->now, q->verb, asked, f.count, f.per_state);
	lookup_files_remove(&f);
	g_hash_table_unref(vars);
	g_free(asked);
	g_free(err);
	return rc;
}

/* ACCESS-LOG: the requests that returned the signer's State's POCs. */
static int answer_access_log(struct job *j, const struct lookup_query *q, guint index)
{
	struct auth *a = &j->ctx->auth;
	const struct states *ref = states_load(NULL);
	const char *name = ref ? states_name(ref, a->state, j->lang) : NULL;
	GString *log = g_string_new(NULL);
	GHashTable *vars = base_vars(j);
	guint count = 0;
	int rc = lookup_store_access_log(j->db, j->ctx->tpl, j->lang, a->state, log, &count);

	if (rc == 0) {
		g_hash_table_insert(vars, "state", g_strdup(name ? name : a->state));
		g_hash_table_insert(vars, "count", g_strdup_printf("%u", count));
		g_hash_table_insert(vars, "listing",
				    count ? g_string_free(log, FALSE) : paragraph(j, "log-none"));
		log = NULL;
		rc = queue(j, "access-log", index, "lookup-access-log", vars, NULL, 0);
	}
	if (rc == 0)
		rc = lookup_store_record(j->db, a->fingerprint, a->state, a->role, j->hash,
					 j->ctx->now, q->verb, "", count, NULL);
	if (log)
		g_string_free(log, TRUE);
	g_hash_table_unref(vars);
	return rc;
}

/* An EXTRACT over the daily limit: a refusal with no data. */
static int refuse_extract(struct job *j, guint index)
{
	GHashTable *vars = base_vars(j);
	char day[CLOCK_TEXT_LEN];
	int rc;

	g_hash_table_insert(vars, "limit", g_strdup_printf("%d", j->ctx->cfg->extracts_per_day));
	g_hash_table_insert(vars, "day", g_strdup(clock_text(j->ctx->now, CLOCK_DAY, "?", day)));
	rc = queue(j, "extract-limit", index, "lookup-limit", vars, NULL, 0);
	g_hash_table_unref(vars);
	j->outcome = "extract limit";
	return rc;
}

/* The problems of a request that cannot be read: no data. */
static int answer_errors(struct job *j, const struct lookup_request *req)
{
	GHashTable *vars = base_vars(j);
	GString *s = g_string_new(NULL);
	char *line = lookup_phrase(j->ctx->tpl, j->lang, "error-line");
	int rc;

	for (guint i = 0; i < req->errors->len; i++) {
		const struct lookup_error *e = req->errors->pdata[i];
		char *key = g_strdup_printf("error-%s", e->key), *why = paragraph(j, key);

		if (e->line)
			g_string_append_printf(s, "%s %d%s%s\n", line, e->line,
					       e->quoted ? ": " : "", e->quoted ? e->quoted : "");
		g_string_append_printf(s, "%s\n", why);
		g_free(key);
		g_free(why);
	}
	g_hash_table_insert(vars, "errors", g_string_free(s, FALSE));
	rc = queue(j, "lookup-errors", 0, "lookup-errors", vars, NULL, 0);
	g_hash_table_unref(vars);
	g_free(line);
	j->outcome = "lookup errors";
	return rc;
}

/* Each request of the message, in order. 0 or -1. */
static int answer_all(struct job *j, const struct lookup_request *req)
{
	if (req->errors->len)
		return answer_errors(j, req);
	for (guint i = 0; i < req->queries->len; i++) {
		const struct lookup_query *q = req->queries->pdata[i];
		int rc;

		if (q->verb == LOOKUP_ACCESS_LOG) {
			rc = answer_access_log(j, q, i);
		} else if (q->verb == LOOKUP_EXTRACT) {
			int done = lookup_store_extracts_today(j->db, j->ctx->auth.state,
							       j->ctx->now);

			rc = done < 0                                ? -1
			     : done >= j->ctx->cfg->extracts_per_day ? refuse_extract(j, i)
								     : answer_query(j, q, i);
		} else {
			rc = answer_query(j, q, i);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int dispatch_lookups(sqlite3 *db, struct filter_ctx *ctx, const char *hash, gint64 row,
		     const char **outcome)
{
	struct job j = { .db = db,
			 .ctx = ctx,
			 .hash = hash,
			 .row = row,
			 .lang = ctx->lang[0] ? ctx->lang : "en",
			 .outcome = "answered" };
	int rc = -1, found = requester(&j);

	j.msgid = mail_message_id(ctx->mail);
	j.refs = mail_references(ctx->mail);
	if (j.msgid) {
		char *all = g_strdup_printf("%s%s<%s>", j.refs ? j.refs : "", j.refs ? " " : "",
					    j.msgid);

		g_free(j.refs);
		j.refs = all;
	}
	if (found == 0) {
		j.outcome = "no reply address";
		rc = 0;
	} else if (found > 0) {
		rc = answer_all(&j, ctx->lookup);
	}
	*outcome = j.outcome;
	if (rc == 0 && messages_set_outcome(db, hash, j.outcome) < 0)
		rc = -1;
	signers_clear(&j.signer);
	g_free(j.to);
	g_free(j.msgid);
	g_free(j.refs);
	return rc;
}

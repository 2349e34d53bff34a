/* lookup-list.c - the files of an answer to LOOKUP or EXTRACT: the text
 * listing in the request's language (directory.txt), the CSV, vCard
 * and JSON attachments asked for (export.c), and the POCs' keys from the
 * store (poc-keys.c: keys.asc, certs.pem), each written one POC at a
 * time from the export cursor, filtered by the request's criteria, into a
 * folder of its own under VAR/tmp: memory stays bounded by one POC
 * whatever the size of the directory. Input: POCs (text from States'
 * mail, made valid UTF-8 and free of control characters here) and the
 * pings table. Failure: -1 with a message (I/O or database). */
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include "clock.h"
#include "lookup-answer.h"
#include "export.h"
#include "langnames.h"
#include "poc-keys.h"
#include "pocs.h"
#include "states.h"
#include "pings.h"
#include "pings-health.h"

/* A source over the cursor that keeps the POCs matching q, and counts them. */
struct filtered {
	struct export_cursor *cur;
	const struct lookup_query *q;
	guint n;
};

static int filtered_next(void *source, struct poc *p)
{
	struct filtered *s = source;
	int r;

	while ((r = export_cursor_next(s->cur, p)) == 1) {
		if (lookup_query_matches(s->q, p)) {
			s->n++;
			return 1;
		}
		pocs_clear(p);
	}
	return r;
}

char *lookup_phrase(const struct templates *tpl, const char *lang, const char *key)
{
	char *s = templates_phrase(tpl, lang, "lookup-phrases", key);

	return s ? s : g_strdup(key);
}

/* Text from the database, one line: valid UTF-8, controls made spaces. */
static void append_clean(GString *out, const char *s)
{
	char *valid = g_utf8_make_valid(s ? s : "", -1);

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_iscntrl(c) || (c >= 0x202A && c <= 0x202E) ||
		    (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029)
			g_string_append_c(out, ' ');
		else
			g_string_append_unichar(out, c);
	}
	g_free(valid);
}

/* The words of one listing, looked up once. */
struct listing {
	const struct templates *tpl;
	const char *lang;
	struct export_names names;
	char *label[9];			/* state type status organisation web email phone
					 * languages ping */
	char *status[4];
	char *never;
	char *key[5];			/* label-key key-expires key-no-expiry key-proven
					 * key-not-proven */
	sqlite3 *db;
};

static void listing_init(struct listing *l, sqlite3 *db, const struct templates *tpl,
			 const char *lang)
{
	static const char *const words[] = { "field-state", "field-type",
					     NULL,          "field-organisation",
					     "field-web",   "field-email",
					     "field-phone", "field-languages",
					     NULL };
	static const char *const statuses[] = { "status-pending", "status-active",
						"status-unverified", "status-withdrawn" };
	static const char *const key_words[] = { "label-key", "key-expires", "key-no-expiry",
						 "key-proven", "key-not-proven" };

	memset(l, 0, sizeof *l);
	l->tpl = tpl;
	l->lang = lang;
	export_names_init(&l->names, states_load(NULL), tpl, lang);
	for (int i = 0; i < 9; i++)
		l->label[i] = words[i] ? templates_label(tpl, lang, words[i])
				       : lookup_phrase(tpl, lang,
						       i == 2 ? "label-status" : "label-ping");
	for (int i = 0; i < 4; i++)
		l->status[i] = lookup_phrase(tpl, lang, statuses[i]);
	l->never = lookup_phrase(tpl, lang, "ping-never");
	for (int i = 0; i < 5; i++)
		l->key[i] = lookup_phrase(tpl, lang, key_words[i]);
	l->db = db;
}

static void listing_clear(struct listing *l)
{
	export_names_clear(&l->names);
	for (int i = 0; i < 9; i++)
		g_free(l->label[i]);
	for (int i = 0; i < 4; i++)
		g_free(l->status[i]);
	g_free(l->never);
	for (int i = 0; i < 5; i++)
		g_free(l->key[i]);
}

static void line(GString *out, const char *label, const char *value)
{
	g_string_append_printf(out, "  %s: ", label);
	append_clean(out, value);
	g_string_append_c(out, '\n');
}

static void list_line(GString *out, const char *label, const GPtrArray *a, const char *lang,
		      gboolean names)
{
	GString *v = g_string_new(NULL);

	for (guint i = 0; i < a->len; i++) {
		const char *name = names ? langnames_name(a->pdata[i], lang) : NULL;

		g_string_append_printf(v, "%s%s", i ? ", " : "",
				       name ? name : (const char *)a->pdata[i]);
	}
	if (v->len)
		line(out, label, v->str);
	g_string_free(v, TRUE);
}

/* When the POC last answered a ping, and how fast. */
static void ping_line(struct listing *l, GString *out, const char *id)
{
	char when[CLOCK_TEXT_LEN], *text;
	gint64 answered, s;

	if (pings_last_answer(l->db, id, &answered, &s) != 1) {
		line(out, l->label[8], l->never);
		return;
	}
	clock_text(answered, CLOCK_ISO, "?", when);
	if (s < 0) {
		line(out, l->label[8], when);
	} else {
		char *after = lookup_phrase(l->tpl, l->lang, "ping-after");
		char *hms = g_strdup_printf("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600,
					    (int)(s / 60 % 60), (int)(s % 60));
		const char *vars[] = { "when", when, "after", after, "time", hms, NULL };

		text = templates_layout(l->tpl, l->lang, "ping-time", vars);
		g_free(hms);
		line(out, l->label[8], text);
		g_free(text);
		g_free(after);
	}
}

/* Each address of the POC marked undeliverable: since when, the status. */
static void dead_lines(struct listing *l, GString *out, const char *id)
{
	GPtrArray *dead = pings_health_dead(l->db, id, FALSE);
	char *label = dead && dead->len ? lookup_phrase(l->tpl, l->lang, "label-undeliverable")
					: NULL,
	     *since = label ? lookup_phrase(l->tpl, l->lang, "undeliverable-since") : NULL;

	for (guint i = 0; dead && i < dead->len; i++) {
		const struct pings_dead *d = dead->pdata[i];
		char day[CLOCK_TEXT_LEN], *v;

		v = g_strdup_printf("%s (%s %s, %s)", d->address, since,
				    clock_text(d->since, CLOCK_DAY, "?", day),
				    d->status ? d->status : "-");
		line(out, label, v);
		g_free(v);
	}
	if (dead)
		g_ptr_array_unref(dead);
	g_free(label);
	g_free(since);
}

/* Each key of the POC: address, protocol, fingerprint, expiry, proven. */
static void key_lines(struct listing *l, GString *out, const GPtrArray *keys)
{
	for (guint i = 0; i < keys->len; i++) {
		const struct poc_key *k = keys->pdata[i];
		char expires[CLOCK_TEXT_LEN], proven[CLOCK_TEXT_LEN], *v, *e, *pr;
		const char *ex = clock_text(k->expires, CLOCK_DAY, "?", expires);
		const char *pd = clock_text(k->proven, CLOCK_DAY, "?", proven);

		e = k->expires > 0 ? g_strdup_printf("%s %s", l->key[1], ex) : g_strdup(l->key[2]);
		pr = k->proven > 0 ? g_strdup_printf("%s %s", l->key[3], pd) : g_strdup(l->key[4]);
		v = g_strdup_printf("%s: %s %s, %s, %s", k->address,
				    strcmp(k->protocol, "openpgp") == 0 ? "OpenPGP" : "S/MIME",
				    k->fingerprint, e, pr);
		line(out, l->key[0], v);
		g_free(v);
		g_free(e);
		g_free(pr);
	}
}

/* One POC as the listing shows it, with its keys. */
static void listing_poc(struct listing *l, const struct poc *p, const GPtrArray *keys,
			GString *out)
{
	g_string_append_printf(out, "%s\n", p->id);
	line(out, l->label[0], export_state_name(&l->names, p->state));
	line(out, l->label[1], p->type >= 0 && p->type < 4 ? l->names.type[p->type] : "");
	line(out, l->label[2], p->status <= POC_WITHDRAWN ? l->status[p->status] : "");
	line(out, l->label[3], p->organisation);
	if (p->web)
		line(out, l->label[4], p->web);
	list_line(out, l->label[5], p->emails, l->lang, FALSE);
	dead_lines(l, out, p->id);
	key_lines(l, out, keys);
	list_line(out, l->label[6], p->phones, l->lang, FALSE);
	list_line(out, l->label[7], p->languages, l->lang, TRUE);
	ping_line(l, out, p->id);
	g_string_append_c(out, '\n');
}

/* A new buffered file stream at path; NULL with *err. */
static GOutputStream *create(const char *path, GError **err)
{
	GFile *file = g_file_new_for_path(path);
	GFileOutputStream *fo = g_file_create(file, G_FILE_CREATE_PRIVATE, NULL, err);
	GOutputStream *out = fo ? g_buffered_output_stream_new(G_OUTPUT_STREAM(fo)) : NULL;

	if (fo)
		g_object_unref(fo);
	g_object_unref(file);
	return out;
}

static int finish(GOutputStream *out, int rc, GError **err)
{
	if (!g_output_stream_close(out, NULL, rc == 0 ? err : NULL))
		rc = -1;
	g_object_unref(out);
	return rc;
}

/* The key files: keys.asc (0) and certs.pem (1), each made at its first key. */
static const char *const key_files[2] = { "keys.asc", "certs.pem" };

/* Appends the keys to their files (f->key_out, made when needed). 0 or -1. */
static int write_keys(struct lookup_files *f, const GPtrArray *keys, GError **err)
{
	for (guint i = 0; i < keys->len; i++) {
		const struct poc_key *k = keys->pdata[i];
		int w = strcmp(k->protocol, "openpgp") == 0 ? 0 : 1;
		const char *data = k->data;
		size_t len = strlen(data);

		if (!f->key_out[w]) {
			f->key_paths[w] = g_build_filename(f->dir, key_files[w], NULL);
			if (!(f->key_out[w] = create(f->key_paths[w], err)))
				return -1;
		}
		if (!g_output_stream_write_all(f->key_out[w], data, len, NULL, NULL, err))
			return -1;
		if (len && data[len - 1] != '\n' &&
		    !g_output_stream_write_all(f->key_out[w], "\n", 1, NULL, NULL, err))
			return -1;
	}
	return 0;
}

/* Closes the key files and adds those written to the attachments. 0 or -1. */
static int attach_keys(struct lookup_files *f, int rc, GError **err)
{
	static const char *const types[2] = { "application/pgp-keys",
					      "application/pem-certificate-chain" };

	for (int w = 0; w < 2; w++) {
		if (!f->key_out[w])
			continue;
		rc = finish(f->key_out[w], rc, err);
		f->key_out[w] = NULL;
		if (rc == 0 && f->n_att < LOOKUP_MAX_FILES)
			f->att[f->n_att++] = (struct outbox_attachment){ key_files[w], types[w],
									  f->key_paths[w] };
	}
	return rc;
}

/* The text listing, counting the POCs of each State. 0 or -1. */
static int write_text(sqlite3 *db, const struct templates *tpl, const struct lookup_query *q,
		      const char *lang, struct lookup_files *f, GError **err)
{
	struct filtered src = { export_cursor_new(db, (const char *const *)q->states->pdata), q,
				0 };
	GOutputStream *out = create(f->text_path, err);
	struct listing l;
	struct poc p = { 0 };
	GString *buf = g_string_new(NULL);
	int rc = 0, r;

	if (!out || !src.cur) {
		if (!*err)
			g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
				    "the POCs could not be read");
		export_cursor_free(src.cur);
		g_string_free(buf, TRUE);
		return out ? finish(out, -1, err) : -1;
	}
	listing_init(&l, db, tpl, lang);
	while (rc == 0 && (r = filtered_next(&src, &p)) == 1) {
		gpointer n = g_hash_table_lookup(f->per_state, p.state);

		g_hash_table_insert(f->per_state, g_strdup(p.state),
				    GUINT_TO_POINTER(GPOINTER_TO_UINT(n) + 1));
		GPtrArray *keys = poc_keys_of(db, p.id);

		if (!keys) {
			pocs_clear(&p);
			r = -1;
			break;
		}
		g_string_truncate(buf, 0);
		listing_poc(&l, &p, keys, buf);
		pocs_clear(&p);
		if (!g_output_stream_write_all(out, buf->str, buf->len, NULL, NULL, err) ||
		    write_keys(f, keys, err) < 0)
			rc = -1;
		g_ptr_array_unref(keys);
	}
	if (rc == 0 && r < 0) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "the POCs could not be read");
		rc = -1;
	}
	f->count = src.n;
	listing_clear(&l);
	export_cursor_free(src.cur);
	g_string_free(buf, TRUE);
	return finish(out, rc, err);
}

/* One attachment in format fmt. 0 or -1. */
static int write_export(sqlite3 *db, const struct templates *tpl, const struct lookup_query *q,
			const char *lang, enum export_format fmt, struct lookup_files *f,
			GError **err)
{
	static const char *const names[] = { "directory.csv", "directory.vcf", "directory.json" };
	static const char *const types[] = { "text/csv; charset=utf-8; header=present",
					     "text/vcard; charset=utf-8", "application/json" };
	struct filtered src = { export_cursor_new(db, (const char *const *)q->states->pdata), q,
				0 };
	char *path = g_build_filename(f->dir, names[fmt], NULL);
	GOutputStream *out = create(path, err);
	struct export_names en;
	int rc;

	f->paths[f->n_att] = path;
	f->att[f->n_att] = (struct outbox_attachment){ names[fmt], types[fmt], path };
	f->n_att++;
	if (!out || !src.cur) {
		if (!*err)
			g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
				    "the POCs could not be read");
		export_cursor_free(src.cur);
		return out ? finish(out, -1, err) : -1;
	}
	export_names_init(&en, states_load(NULL), tpl, lang);
	en.db = db;
	rc = export_write(fmt, out, filtered_next, &src, &en, NULL, err);
	export_names_clear(&en);
	export_cursor_free(src.cur);
	return finish(out, rc, err);
}

int lookup_files_write(sqlite3 *db, const struct config *cfg, const struct templates *tpl,
		       const struct lookup_query *q, const char *lang, struct lookup_files *f,
		       char **err)
{
	char *tmp = config_var_path(cfg, "tmp");
	char *tmpl = g_build_filename(tmp, "lookup-XXXXXX", NULL);
	GError *e = NULL;
	int rc = 0;

	memset(f, 0, sizeof *f);
	f->per_state = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (g_mkdir_with_parents(tmp, 0700) < 0 || !g_mkdtemp(tmpl)) {
		*err = g_strdup_printf("%s: %s", tmp, g_strerror(errno));
		g_free(tmpl);
		g_free(tmp);
		return -1;
	}
	f->dir = tmpl;
	f->text_path = g_build_filename(f->dir, "directory.txt", NULL);
	rc = write_text(db, tpl, q, lang, f, &e);
	for (int fmt = EXPORT_CSV; rc == 0 && fmt <= EXPORT_JSON; fmt++)
		if (q->formats & (1u << fmt))
			rc = write_export(db, tpl, q, lang, (enum export_format)fmt, f, &e);
	rc = attach_keys(f, rc, &e);
	if (rc < 0)
		*err = g_strdup(e ? e->message : "the answer could not be written");
	g_clear_error(&e);
	g_free(tmp);
	return rc;
}

void lookup_files_attach_text(struct lookup_files *f)
{
	if (f->n_att >= LOOKUP_MAX_FILES)
		return;
	memmove(&f->att[1], &f->att[0], f->n_att * sizeof f->att[0]);
	f->att[0] = (struct outbox_attachment){ "directory.txt", "text/plain; charset=utf-8",
						f->text_path };
	f->n_att++;
}

void lookup_files_remove(struct lookup_files *f)
{
	if (f->text_path)
		g_unlink(f->text_path);
	for (size_t i = 0; i < LOOKUP_MAX_FILES; i++) {
		if (f->paths[i])
			g_unlink(f->paths[i]);
		g_free(f->paths[i]);
	}
	for (int w = 0; w < 2; w++) {
		if (f->key_out[w])
			g_object_unref(f->key_out[w]);
		if (f->key_paths[w])
			g_unlink(f->key_paths[w]);
		g_free(f->key_paths[w]);
	}
	if (f->dir)
		g_rmdir(f->dir);
	g_free(f->text_path);
	g_free(f->dir);
	if (f->per_state)
		g_hash_table_unref(f->per_state);
	memset(f, 0, sizeof *f);
}

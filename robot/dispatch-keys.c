/* dispatch-keys.c - puts on record the keys a NOMINATE or UPDATE form
 * carries (blocks pasted after Key:, files attached to the signed
 * content): each read once in the POC home (crypto_poc_keys_read,
 * VAR/poc-keys), checked, and given to the POC's addresses its user IDs
 * or certificate name; "Key: remove" removes the POC's keys first, an
 * UPDATE drops the keys of the addresses it removed (poc_keys_prune).
 * Refused, each as a problem of the error reply: a key expired, revoked,
 * with no encryption, RSA under 2048 bits, a certificate without its
 * chain, two keys for one address, a key for none of the POC's
 * addresses, bytes with no key. What changed is audited (poc-keys: the
 * fingerprints before and after) and written as lines of the change
 * block. Input: key material from a signed form (untrusted). Returns -1
 * on a database error or a crypto engine failure. */
#include <string.h>
#include "audit.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "dispatch.h"
#include "form.h"
#include "poc-keys.h"
#include "pocs.h"
#include "templates.h"

/* One block or file, read once. */
struct keys_read {
	GPtrArray *keys;	/* struct crypto_poc_key, or NULL when unreadable */
	int matched;		/* addresses it was given to, over the message's forms */
};

struct dispatch_keys {
	struct filter_ctx *ctx;
	const char *lang;
	GHashTable *read;	/* struct form_key * -> struct keys_read * */
};

static void read_free(gpointer p)
{
	struct keys_read *r = p;

	if (r->keys)
		g_ptr_array_unref(r->keys);
	g_free(r);
}

struct dispatch_keys *dispatch_keys_new(struct filter_ctx *ctx, const char *lang)
{
	struct dispatch_keys *k = g_new0(struct dispatch_keys, 1);

	k->ctx = ctx;
	k->lang = lang;
	k->read = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, read_free);
	return k;
}

void dispatch_keys_free(struct dispatch_keys *k)
{
	if (!k)
		return;
	g_hash_table_unref(k->read);
	g_free(k);
}

static void refuse(GPtrArray *problems, int line, const char *quoted, const char *key)
{
	struct form_error *e = g_new0(struct form_error, 1);

	e->line = line;
	e->quoted = g_strdup(quoted);
	e->key = key;
	g_ptr_array_add(problems, e);
}

/* The block or file fk, read (once). NULL on an engine failure. */
static struct keys_read *read_key(struct dispatch_keys *k, const struct form_key *fk,
				  GPtrArray *problems)
{
	struct keys_read *r = g_hash_table_lookup(k->read, fk);
	char *home, *err = NULL;
	int rc;

	if (r)
		return r;
	home = config_var_path(k->ctx->cfg, "poc-keys");
	r = g_new0(struct keys_read, 1);
	rc = crypto_poc_keys_read(k->ctx->crypto, home, fk->bytes, fk->len, &r->keys, &err);
	g_free(home);
	g_free(err);
	if (rc == -2) {
		read_free(r);
		return NULL;
	}
	if (rc < 0)
		refuse(problems, fk->line, fk->quoted, "key-unreadable");
	g_hash_table_insert(k->read, (gpointer)fk, r);
	return r;
}

/* "FPR (detail)" for the problem line. g_free it. */
static char *key_quoted(const struct form_key *fk, const struct crypto_poc_key *pk)
{
	return g_strdup_printf("%s%s%s%s%s", fk->line ? "" : fk->quoted, fk->line ? "" : ": ",
			       pk->fingerprint, pk->detail ? " " : "",
			       pk->detail ? pk->detail : "");
}

static const char *problem_key(const char *problem)
{
	static const char *const keys[][2] = {
		{ "expired", "key-expired" }, { "revoked", "key-revoked" },
		{ "no-encryption", "key-no-encryption" }, { "weak", "key-weak" },
		{ "no-chain", "key-no-chain" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (strcmp(keys[i][0], problem) == 0)
			return keys[i][1];
	return "key-unreadable";
}

/* Gives the usable keys of one read to the POC's addresses they name:
 * given (address -> struct crypto_poc_key, borrowed) and who (address ->
 * its form key, for the duplicate's line). */
static void match(const struct poc *after, const struct form_key *fk, struct keys_read *r,
		  GHashTable *given, GPtrArray *problems)
{
	for (guint i = 0; r->keys && i < r->keys->len; i++) {
		struct crypto_poc_key *pk = r->keys->pdata[i];
		int n = 0;

		if (pk->problem) {
			char *q = key_quoted(fk, pk);

			if (fk->line)	/* an attached file's: told once, at the end */
				refuse(problems, fk->line, q, problem_key(pk->problem));
			g_free(q);
			continue;
		}
		for (guint a = 0; after->emails && a < after->emails->len; a++) {
			const char *addr = after->emails->pdata[a];

			for (guint j = 0; j < pk->addresses->len; j++) {
				if (g_ascii_strcasecmp(pk->addresses->pdata[j], addr))
					continue;
				n++;
				if (g_hash_table_contains(given, addr))
					refuse(problems, fk->line, addr, "key-duplicate");
				else
					g_hash_table_insert(given, (gpointer)addr, pk);
				break;
			}
		}
		r->matched += n;
		if (n == 0 && fk->line) {
			char *q = key_quoted(fk, pk);

			refuse(problems, fk->line, q, "key-no-address");
			g_free(q);
		}
	}
}

static int put(sqlite3 *db, const struct poc *after, GHashTable *given, gint64 now)
{
	GHashTableIter it;
	gpointer addr, v;
	int rc = 0;

	g_hash_table_iter_init(&it, given);
	while (rc == 0 && g_hash_table_iter_next(&it, &addr, &v)) {
		const struct crypto_poc_key *pk = v;
		struct poc_key k = {
			.poc = (char *)after->id, .address = addr,
			.protocol = pk->protocol == CRYPTO_SMIME ? "smime" : "openpgp",
			.fingerprint = (char *)pk->fingerprint, .data = pk->data,
			.expires = pk->expires, .added = now,
		};

		rc = poc_keys_put(db, &k);
	}
	return rc;
}

/* The key of address in list (struct poc_key), or NULL. */
static const struct poc_key *key_of(const GPtrArray *list, const char *address)
{
	for (guint i = 0; i < list->len; i++) {
		const struct poc_key *k = list->pdata[i];

		if (g_ascii_strcasecmp(k->address, address) == 0)
			return k;
	}
	return NULL;
}

/* One line of the change block: "Key: ADDRESS: OpenPGP FPR, expires DATE"
 * (or "key removed"). */
static void line(struct dispatch_keys *k, GString *out, const char *address,
		 const struct poc_key *key)
{
	const struct templates *tpl = k->ctx->tpl;
	char *label = templates_label(tpl, k->lang, "field-key"), *value, *fill;
	char *said = templates_phrase(tpl, k->lang, "problems",
				      !key ? "key-removed" : key->expires ? "key-expires"
									 : "key-no-expiry");
	char date[CLOCK_TEXT_LEN];
	const char *vars[] = { "label", label, "value", NULL, NULL };

	if (key && key->expires)
		value = g_strdup_printf("%s: %s %s, %s %s", address,
					strcmp(key->protocol, "smime") ? "OpenPGP" : "S/MIME",
					key->fingerprint, said ? said : "",
					clock_text(key->expires, CLOCK_DAY, "-", date));
	else if (key)
		value = g_strdup_printf("%s: %s %s, %s", address,
					strcmp(key->protocol, "smime") ? "OpenPGP" : "S/MIME",
					key->fingerprint, said ? said : "");
	else
		value = g_strdup_printf("%s: %s", address, said ? said : "-");
	vars[3] = value;
	fill = templates_layout(tpl, k->lang, "field", vars);
	g_string_append_printf(out, "  %s\n", fill);
	g_free(fill);
	g_free(value);
	g_free(said);
	g_free(label);
}

static void json_keys(GString *d, const GPtrArray *list)
{
	g_string_append_c(d, '[');
	for (guint i = 0; i < list->len; i++) {
		const struct poc_key *k = list->pdata[i];

		g_string_append(d, i ? ",{\"address\":" : "{\"address\":");
		pocs_json_string(d, k->address);
		g_string_append(d, ",\"fingerprint\":");
		pocs_json_string(d, k->fingerprint);
		g_string_append_c(d, '}');
	}
	g_string_append_c(d, ']');
}

/* after's own spelling of address (borrowed), or NULL. */
static const char *address_of(const struct poc *after, const char *address)
{
	for (guint i = 0; i < after->emails->len; i++)
		if (g_ascii_strcasecmp(after->emails->pdata[i], address) == 0)
			return after->emails->pdata[i];
	return NULL;
}

/* The lines of what changed between before and now, the addresses with a
 * new key in fresh, and the audit event when anything did. */
static int changed(struct dispatch_keys *k, sqlite3 *db, const struct poc *after,
		   const char *hash, const GPtrArray *before, GString *changes, GPtrArray *fresh)
{
	GPtrArray *now = poc_keys_of(db, after->id);
	GString *d;
	int rc, n = 0;

	if (!now)
		return -1;
	for (guint i = 0; i < now->len; i++) {
		const struct poc_key *key = now->pdata[i], *was = key_of(before, key->address);

		const char *own = address_of(after, key->address);

		if (!was || strcmp(was->fingerprint, key->fingerprint) ||
		    key->added == k->ctx->now) {
			line(k, changes, key->address, key);
			n++;
		}
		if (own && (!was || strcmp(was->fingerprint, key->fingerprint)))
			g_ptr_array_add(fresh, (char *)own);
	}
	for (guint i = 0; i < before->len; i++) {
		const struct poc_key *was = before->pdata[i];

		if (!key_of(now, was->address)) {
			line(k, changes, was->address, NULL);
			n++;
		}
	}
	if (n == 0) {
		g_ptr_array_unref(now);
		return 0;
	}
	d = g_string_new("{\"message\":");
	pocs_json_string(d, hash);
	g_string_append(d, ",\"poc\":");
	pocs_json_string(d, after->id);
	g_string_append(d, ",\"before\":");
	json_keys(d, before);
	g_string_append(d, ",\"after\":");
	json_keys(d, now);
	g_string_append_c(d, '}');
	rc = audit_append(db, k->ctx->now, k->ctx->auth.fingerprint, after->state, "poc-keys",
			  d->str);
	g_string_free(d, TRUE);
	g_ptr_array_unref(now);
	return rc;
}

/* Reads and matches the blocks of f and the files of the message. 0, or
 * -1 on an engine failure. */
static int gather(struct dispatch_keys *k, const struct form *f, const struct poc *after,
		  GHashTable *given, GPtrArray *problems)
{
	const GPtrArray *sources[] = { f->keys, k->ctx->forms->attached };

	for (size_t s = 0; s < G_N_ELEMENTS(sources); s++)
		for (guint i = 0; sources[s] && i < sources[s]->len; i++) {
			const struct form_key *fk = sources[s]->pdata[i];
			struct keys_read *r = read_key(k, fk, problems);

			if (!r)
				return -1;
			match(after, fk, r, given, problems);
		}
	return 0;
}

int dispatch_keys_apply(struct dispatch_keys *k, sqlite3 *db, const struct form *f,
			const struct poc *after, const char *hash, GString *changes,
			GPtrArray *problems, GPtrArray *fresh)
{
	GHashTable *given = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *before = NULL;
	guint had = problems->len;
	int rc = 0;

	if (f->verb == FORM_WITHDRAW || !(before = poc_keys_of(db, after->id)))
		rc = f->verb == FORM_WITHDRAW ? 0 : -1;
	else if (gather(k, f, after, given, problems) < 0)
		rc = -1;
	else if (problems->len > had)
		rc = 0;	/* refused: the savepoint is rolled back */
	else if (f->verb == FORM_UPDATE && poc_keys_prune(db, after->id) < 0)
		rc = -1;
	else if (f->key_remove && poc_keys_remove_all(db, after->id) < 0)
		rc = -1;
	else if (put(db, after, given, k->ctx->now) < 0)
		rc = -1;
	else
		rc = changed(k, db, after, hash, before, changes, fresh);
	if (before)
		g_ptr_array_unref(before);
	g_hash_table_unref(given);
	return rc;
}

/* 1 when pk is the key that signed the message: Thunderbird attaches the
 * signer's own public key to what it signs when asked to, so an attached
 * file holding it is never refused (it is a POC address's key only when
 * it holds one, as any other). */
static int own_key(const struct dispatch_keys *k, const struct crypto_poc_key *pk)
{
	return pk->protocol == CRYPTO_OPENPGP && k->ctx->auth.fingerprint[0] &&
	       g_ascii_strcasecmp(pk->fingerprint, k->ctx->auth.fingerprint) == 0;
}

void dispatch_keys_finish(struct dispatch_keys *k, GPtrArray *problems)
{
	const GPtrArray *files = k->ctx->forms->attached;

	for (guint i = 0; files && i < files->len; i++) {
		const struct form_key *fk = files->pdata[i];
		struct keys_read *r = g_hash_table_lookup(k->read, fk);

		for (guint j = 0; r && r->keys && j < r->keys->len; j++) {
			const struct crypto_poc_key *pk = r->keys->pdata[j];
			const char *why = own_key(k, pk) ? NULL
					  : pk->problem	   ? problem_key(pk->problem)
					  : !r->matched	   ? "key-no-address"
							   : NULL;
			char *q = why ? key_quoted(fk, pk) : NULL;

			if (why)
				refuse(problems, 0, q, why);
			g_free(q);
		}
	}
}

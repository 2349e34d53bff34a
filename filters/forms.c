/* forms.c - reads the nomination, update and withdrawal forms of an
 * accepted signer's message from its signed text alone (form.c does
 * the grammar and the checks), and the key files attached to the signed
 * content: application/pgp-keys, application/pkix-cert and the like, or
 * files named *.asc, *.pem, *.crt, *.cer (a file over MAX_POC_KEY_BYTES:
 * key-too-large; past MAX_KEY_FILES: key-too-many). Input: the signed
 * content. Sets ctx->forms and the reply's language; problems are kept
 * for the error reply, and nothing is applied here: dispatch does, all or
 * nothing. */
#include <string.h>
#include "filter.h"
#include "form-read.h"
#include "../robot/limits.h"
#include "../robot/text-line.h"

static const char *const key_types[] = {
	"application/pgp-keys", "application/pkix-cert", "application/x-x509-ca-cert",
	"application/x-x509-user-cert", "application/x-pem-file", "application/pkcs7-mime-certs",
	NULL
};
static const char *const key_suffixes[] = { ".asc", ".pem", ".crt", ".cer", NULL };

static gboolean is_key_file(const struct mail_part *p)
{
	char *name = p->filename ? g_ascii_strdown(p->filename, -1) : NULL;
	gboolean yes = FALSE;

	for (int i = 0; key_types[i] && !yes; i++)
		yes = strcmp(p->content_type, key_types[i]) == 0;
	for (int i = 0; name && key_suffixes[i] && !yes; i++)
		yes = g_str_has_suffix(name, key_suffixes[i]);
	g_free(name);
	return yes;
}

/* The key files of the signed content, as struct form_key; the too large
 * ones as errors of set. */
static GPtrArray *key_files(const struct mail *content)
{
	GPtrArray *parts = mail_attachments(content);
	GPtrArray *keys = g_ptr_array_new_with_free_func(form_key_free);

	for (guint i = 0; i < parts->len; i++) {
		const struct mail_part *p = parts->pdata[i];
		struct form_key *k;
		gsize n = 0;
		const char *bytes = g_bytes_get_data(p->data, &n);

		if (!is_key_file(p))
			continue;
		k = g_new0(struct form_key, 1);
		k->quoted = g_strdup(p->filename ? p->filename : p->content_type);
		k->len = n;
		k->bytes = n <= MAX_POC_KEY_BYTES ? g_memdup2(bytes, n) : NULL;
		g_ptr_array_add(keys, k);
	}
	g_ptr_array_unref(parts);
	return keys;
}

/* Refuses the key files over MAX_POC_KEY_BYTES (key-too-large) and past
 * MAX_KEY_FILES (key-too-many, once), each an error of set, and drops them. */
static void refuse_files(struct form_set *set, GPtrArray *keys)
{
	if (keys->len > MAX_KEY_FILES) {
		struct form_error *e = g_new0(struct form_error, 1);
		const struct form_key *k = keys->pdata[MAX_KEY_FILES];

		e->quoted = text_line_quote(k->quoted);
		e->key = "key-too-many";
		g_ptr_array_add(set->errors, e);
		g_ptr_array_remove_range(keys, MAX_KEY_FILES, keys->len - MAX_KEY_FILES);
	}
	for (guint i = keys->len; i-- > 0;) {
		struct form_key *k = keys->pdata[i];
		struct form_error *e;

		if (k->bytes)
			continue;
		e = g_new0(struct form_error, 1);
		e->quoted = text_line_quote(k->quoted);
		e->key = "key-too-large";
		g_ptr_array_add(set->errors, e);
		g_ptr_array_remove_index(keys, i);
	}
}

enum verdict forms_filter(struct filter_ctx *ctx)
{
	GPtrArray *keys;
	char *text;

	if (!ctx->auth.accepted || ctx->cmd != CMD_AUTHORITY || !ctx->auth.content)
		return VERDICT_CONTINUE;
	text = mail_text(ctx->auth.content);
	keys = key_files(ctx->auth.content);
	ctx->forms = form_parse_keys(ctx->tpl, text, keys->len > 0);
	g_free(text);
	if (ctx->forms->forms->len > 0)
		refuse_files(ctx->forms, keys);
	g_ptr_array_extend_and_steal(ctx->forms->attached, keys);
	if (ctx->forms->lang[0])
		g_strlcpy(ctx->lang, ctx->forms->lang, sizeof ctx->lang);
	return VERDICT_CONTINUE;
}

/* crypto-sign.c - protects the robot's outgoing mail: turns the body of a
 * message made by mail_compose into PGP/MIME (RFC 3156) or S/MIME (RFC
 * 8551) multipart/signed, signed by the robot's key, and, when recipients
 * are given, encrypts that signed entity to them (PGP/MIME
 * multipart/encrypted, S/MIME enveloped-data). GPGME is driven directly on
 * the adapter's reused contexts; the MIME around it is written here, so
 * the header block is kept byte for byte (only the body's Content-* fields
 * move into the signed entity). Input: the robot's own composed message
 * (its body text may come from mail) and the recipients' fingerprints.
 * Returns NULL with *err on failure; nothing partial is handed out. */
#include <string.h>
#include "crypto-internal.h"

#define MAX_ENCRYPT_TO 100	/* recipients of one message */

/* The composed message taken apart: fields kept in the header block, the
 * body's Content-* fields, and the body, all with CRLF line ends. */
struct split {
	GString *keep, *content, *body;
};

static void split_clear(struct split *s)
{
	if (s->keep)
		g_string_free(s->keep, TRUE);
	if (s->content)
		g_string_free(s->content, TRUE);
	if (s->body)
		g_string_free(s->body, TRUE);
}

/* Appends p[0..n) with every line end (CRLF, bare LF, bare CR) as CRLF. */
static void append_crlf(GString *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' || p[i] == '\n') {
			g_string_append(s, "\r\n");
			if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
				i++;
		} else {
			g_string_append_c(s, p[i]);
		}
	}
}

static int is_content_field(const char *line, size_t n)
{
	return n > 8 && g_ascii_strncasecmp(line, "Content-", 8) == 0;
}

static int is_mime_version(const char *line, size_t n)
{
	return n > 13 && g_ascii_strncasecmp(line, "MIME-Version:", 13) == 0;
}

int crypto_split_headers(const char *msg, size_t hlen, GString *keep, GString *content)
{
	GString *to = NULL;
	int has_mime_version = 0;

	for (size_t at = 0; at < hlen;) {
		const char *line = msg + at,
			   *end = g_strstr_len(line, (gssize)(hlen - at), "\r\n");
		size_t n = end ? (size_t)(end - line) : hlen - at;

		if (memchr(line, '\r', n) || memchr(line, '\n', n))
			return -1;
		if (line[0] != ' ' && line[0] != '\t') {
			if (!memchr(line, ':', n))
				return -1;
			to = is_content_field(line, n) ? content : keep;
			has_mime_version |= is_mime_version(line, n);
		} else if (!to) {
			return -1;
		}
		g_string_append_len(to, line, (gssize)n);
		g_string_append(to, "\r\n");
		at += n + 2;
	}
	if (!has_mime_version)
		g_string_append(keep, "MIME-Version: 1.0\r\n");
	return 0;
}

static int split_message(const char *msg, size_t len, struct split *s, char **err)
{
	const char *blank = len >= 2 && msg[0] == '\r' && msg[1] == '\n'
				    ? msg
				    : g_strstr_len(msg, (gssize)len, "\r\n\r\n");
	size_t hlen = blank == msg ? 0 : blank ? (size_t)(blank - msg) + 2 : 0;

	s->keep = g_string_new(NULL);
	s->content = g_string_new(NULL);
	s->body = g_string_new(NULL);
	if (!blank || memchr(msg, '\0', len) ||
	    crypto_split_headers(msg, hlen, s->keep, s->content) < 0) {
		*err = g_strdup("not a message as mail_compose makes it "
				"(CRLF header block, then a blank line)");
		return -1;
	}
	append_crlf(s->body, msg + hlen + 2, len - hlen - 2);
	return 0;
}

/* The entity to sign: the body's Content-* fields, a blank line, the body. */
static GString *inner_entity(const struct split *s)
{
	GString *e = g_string_sized_new(s->content->len + s->body->len + 2);

	g_string_append_len(e, s->content->str, (gssize)s->content->len);
	g_string_append(e, "\r\n");
	g_string_append_len(e, s->body->str, (gssize)s->body->len);
	return e;
}

/* A boundary that occurs nowhere in the text it will enclose. g_free it. */
static char *boundary_for(const GString *inside)
{
	for (;;) {
		char *uuid = g_uuid_string_random();
		char *b = g_strdup_printf("=_pocbot_%s", uuid);

		g_free(uuid);
		if (!g_strstr_len(inside->str, (gssize)inside->len, b))
			return b;
		g_free(b);
	}
}

static void append_base64(GString *s, const char *data, size_t len)
{
	char *b64 = g_base64_encode((const guchar *)data, len);
	size_t n = strlen(b64);

	for (size_t i = 0; i < n; i += 76) {
		g_string_append_len(s, b64 + i, (gssize)MIN(76, n - i));
		g_string_append(s, "\r\n");
	}
	g_free(b64);
}

const char *crypto_micalg(enum crypto_protocol p, gpgme_hash_algo_t h)
{
	static const struct {
		gpgme_hash_algo_t h;
		const char *pgp, *smime;
	} names[] = {
		{ GPGME_MD_SHA256, "pgp-sha256", "sha-256" },
		{ GPGME_MD_SHA384, "pgp-sha384", "sha-384" },
		{ GPGME_MD_SHA512, "pgp-sha512", "sha-512" },
		{ GPGME_MD_SHA224, "pgp-sha224", "sha-224" },
		{ GPGME_MD_SHA1, "pgp-sha1", "sha-1" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (names[i].h == h)
			return p == CRYPTO_OPENPGP ? names[i].pgp : names[i].smime;
	return NULL;
}

int crypto_ensure_signer(struct crypto *c, gpgme_ctx_t ctx, char **err)
{
	char pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN];
	const char *pinned = c->sign_as[ctx == c->pgp ? 0 : 1];
	const char *fpr = pinned ? pinned : ctx == c->pgp ? pgp : smime;
	gpgme_key_t k = NULL;
	gpgme_error_t e;

	if (gpgme_signers_count(ctx) > 0)
		return 0;
	if (!pinned && (crypto_identity(c, pgp, smime) < 0 || !*fpr)) {
		*err = g_strdup_printf("the robot has no %s key yet",
				       ctx == c->pgp ? "OpenPGP" : "S/MIME");
		return -1;
	}
	e = crypto_get_key(c, ctx, fpr, &k, 1);
	if (!e)
		e = gpgme_signers_add(ctx, k);
	if (k)
		gpgme_key_unref(k);
	if (e) {
		*err = crypto_gpgme_error("choosing the robot's signing key", e);
		return -1;
	}
	return 0;
}

/* The output of an operation as a GString; releases out. */
static GString *take_output(gpgme_data_t out)
{
	size_t n = 0;
	char *mem = gpgme_data_release_and_get_mem(out, &n);
	GString *s = g_string_new_len(mem ? mem : "", (gssize)(mem ? n : 0));

	gpgme_free(mem);
	return s;
}

GString *crypto_sign_data(struct crypto *c, gpgme_ctx_t ctx, gpgme_data_t in,
			  gpgme_hash_algo_t *hash, char **err)
{
	gpgme_data_t out = NULL;
	gpgme_sign_result_t r = NULL;
	gpgme_error_t e = gpgme_data_new(&out);
	GString *sig = NULL;

	gpgme_set_armor(ctx, ctx == c->pgp);
	gpgme_set_textmode(ctx, 0);
	if (ctx == c->cms)
		gpgme_set_include_certs(ctx, -1);
	if (!e)
		e = gpgme_op_sign(ctx, in, out, GPGME_SIG_MODE_DETACH);
	if (!e && (!(r = gpgme_op_sign_result(ctx)) || r->invalid_signers || !r->signatures))
		e = gpg_error(GPG_ERR_UNUSABLE_SECKEY);
	if (e) {
		*err = crypto_gpgme_error("signing", e);
	} else {
		*hash = r->signatures->hash_algo;
		sig = take_output(out);
		out = NULL;
	}
	gpgme_set_armor(ctx, 0);
	gpgme_data_release(out);
	return sig;
}

/* crypto_sign_data over data in memory. */
static GString *sign_detached(struct crypto *c, gpgme_ctx_t ctx, const GString *data,
			      gpgme_hash_algo_t *hash, char **err)
{
	gpgme_data_t in = NULL;
	gpgme_error_t e = gpgme_data_new_from_mem(&in, data->str, data->len, 0);
	GString *sig;

	if (e) {
		*err = crypto_gpgme_error("signing", e);
		return NULL;
	}
	sig = crypto_sign_data(c, ctx, in, hash, err);
	gpgme_data_release(in);
	return sig;
}

/* multipart/signed around inner and its signature: a whole entity (its
 * Content-Type field, a blank line, the parts). The signed part is inner
 * byte for byte: the CRLF before the next boundary belongs to it. */
static GString *signed_entity(enum crypto_protocol p, const char *mic, const GString *inner,
			      const GString *sig)
{
	char *b = boundary_for(inner);
	GString *e = g_string_sized_new(inner->len + sig->len * 2 + 512);

	crypto_append_signed_header(e, p, mic, b);
	g_string_append_len(e, inner->str, (gssize)inner->len);
	g_string_append_printf(e, "\r\n--%s\r\n", b);
	crypto_append_signature_part(e, p, sig);
	g_string_append_printf(e, "\r\n--%s--\r\n", b);
	g_free(b);
	return e;
}

void crypto_append_signed_header(GString *e, enum crypto_protocol p, const char *mic,
				 const char *b)
{
	const char *proto = p == CRYPTO_OPENPGP ? "application/pgp-signature"
						: "application/pkcs7-signature";

	g_string_append_printf(e, "Content-Type: multipart/signed; micalg=%s;\r\n"
			       "\tprotocol=\"%s\";\r\n\tboundary=\"%s\"\r\n\r\n--%s\r\n",
			       mic, proto, b, b);
}

void crypto_append_signature_part(GString *e, enum crypto_protocol p, const GString *sig)
{
	if (p == CRYPTO_OPENPGP) {
		g_string_append(
			e, "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n"
			   "Content-Description: OpenPGP digital signature\r\n"
			   "Content-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n");
		append_crlf(e, sig->str, sig->len);
	} else {
		g_string_append(e,
				"Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
				"Content-Transfer-Encoding: base64\r\n"
				"Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
				"Content-Description: S/MIME cryptographic signature\r\n\r\n");
		append_base64(e, sig->str, sig->len);
	}
}

static int fpr_ok(const char *f)
{
	size_t n = strlen(f);

	if (n != 40 && n != 64)
		return 0;
	for (; *f; f++)
		if (!g_ascii_isxdigit(*f))
			return 0;
	return 1;
}

/* 1 when key is the one fpr names (its primary key or a subkey). */
static int key_matches(gpgme_key_t k, const char *fpr)
{
	for (gpgme_subkey_t s = k->subkeys; s; s = s->next)
		if (s->fpr && g_ascii_strcasecmp(s->fpr, fpr) == 0)
			return 1;
	return 0;
}

static void keys_free(gpgme_key_t *keys)
{
	for (size_t i = 0; keys && keys[i]; i++)
		gpgme_key_unref(keys[i]);
	g_free(keys);
}

/* The keys of fprs (crypto_get_key: most are known from the listing of
 * the signer's addresses); each must be found. A NULL-terminated array
 * (keys_free it), or NULL with *err. */
static gpgme_key_t *find_recipients(struct crypto *c, gpgme_ctx_t ctx, const char *const *fprs,
				    size_t n, char **err)
{
	gpgme_key_t *keys = g_new0(gpgme_key_t, n + 1);
	gpgme_error_t e = 0;
	size_t i;

	for (i = 0; i < n && !e; i++) {
		e = crypto_get_key(c, ctx, fprs[i], &keys[i], 0);
		if (!e && !key_matches(keys[i], fprs[i]))
			e = gpg_error(GPG_ERR_EOF);
	}
	if (!e)
		return keys;
	if (gpgme_err_code(e) == GPG_ERR_EOF)
		*err = g_strdup_printf("no key for the recipient %s", fprs[i - 1]);
	else
		*err = crypto_gpgme_error("finding the recipients' keys", e);
	for (size_t j = 0; j < n; j++)	/* keys may have holes: free each */
		if (keys[j])
			gpgme_key_unref(keys[j]);
	g_free(keys);
	return NULL;
}

int crypto_encrypt_data(struct crypto *c, gpgme_ctx_t ctx, gpgme_data_t in, gpgme_data_t out,
			const char *const *fprs, size_t n, char **err)
{
	gpgme_key_t *keys = find_recipients(c, ctx, fprs, n, err);
	gpgme_encrypt_result_t r;
	gpgme_error_t e;

	c->encrypt_error = gpg_error(GPG_ERR_GENERAL);	/* a recipient not found */
	if (!keys)
		return -1;
	gpgme_set_armor(ctx, ctx == c->pgp);
	e = gpgme_op_encrypt(ctx, keys, ctx == c->pgp ? GPGME_ENCRYPT_ALWAYS_TRUST : 0, in, out);
	if (!e && (!(r = gpgme_op_encrypt_result(ctx)) || r->invalid_recipients))
		e = gpg_error(GPG_ERR_UNUSABLE_PUBKEY);
	if (e)
		*err = crypto_gpgme_error("encrypting", e);
	c->encrypt_error = e;
	gpgme_set_armor(ctx, 0);
	/* gpgsm 2.2 leaks secure memory per ENCRYPT: a fresh server before it
	 * runs out (a failure here is healed by the engine all the same) */
	if (ctx == c->cms && (e || ++c->cms_encrypts >= CMS_ENCRYPTS_PER_SERVER))
		crypto_cms_reset(c);
	keys_free(keys);
	return e ? -1 : 0;
}

/* crypto_encrypt_data over data in memory. */
static GString *encrypt_to_keys(struct crypto *c, gpgme_ctx_t ctx, const GString *data,
				const char *const *fprs, size_t n, char **err)
{
	gpgme_data_t in = NULL, out = NULL;
	gpgme_error_t e = gpgme_data_new_from_mem(&in, data->str, data->len, 0);
	GString *enc = NULL;

	if (!e)
		e = gpgme_data_new(&out);
	if (e)
		*err = crypto_gpgme_error("encrypting", e);
	else if (crypto_encrypt_data(c, ctx, in, out, fprs, n, err) == 0) {
		enc = take_output(out);
		out = NULL;
	}
	gpgme_data_release(in);
	gpgme_data_release(out);
	return enc;
}

void crypto_append_encrypted_head(GString *e, enum crypto_protocol p, const char *b)
{
	if (p == CRYPTO_SMIME) {
		g_string_append(
			e, "Content-Type: application/pkcs7-mime; smime-type=enveloped-data;\r\n"
			   "\tname=\"smime.p7m\"\r\nContent-Transfer-Encoding: base64\r\n"
			   "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n");
		return;
	}
	g_string_append_printf(
		e,
		"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n"
		"\tboundary=\"%s\"\r\n\r\n--%s\r\nContent-Type: application/pgp-encrypted\r\n"
		"Content-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n\r\n"
		"--%s\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
		"Content-Description: OpenPGP encrypted message\r\n"
		"Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n",
		b, b, b);
}

/* The encrypted entity around ciphertext enc (RFC 3156 4, RFC 8551 3.3). */
static GString *wrap_encrypted(enum crypto_protocol p, const GString *enc)
{
	GString *e = g_string_sized_new(enc->len * 2 + 512);
	char *b = p == CRYPTO_SMIME ? NULL : boundary_for(enc);

	crypto_append_encrypted_head(e, p, b);
	if (p == CRYPTO_SMIME) {
		append_base64(e, enc->str, enc->len);
		return e;
	}
	append_crlf(e, enc->str, enc->len);
	g_string_append_printf(e, "\r\n--%s--\r\n", b);
	g_free(b);
	return e;
}

GString *crypto_encrypted_entity(struct crypto *c, enum crypto_protocol p,
				 const GString *entity, const char *const *fprs, size_t n,
				 char **err)
{
	GString *enc = encrypt_to_keys(c, p == CRYPTO_OPENPGP ? c->pgp : c->cms, entity, fprs, n,
				       err);
	GString *out = enc ? wrap_encrypted(p, enc) : NULL;

	if (enc)
		g_string_free(enc, TRUE);
	return out;
}

size_t crypto_count_recipients(const char *const *fprs, char **err)
{
	size_t n = 0;

	for (; fprs && fprs[n]; n++)
		if (n >= MAX_ENCRYPT_TO || !fpr_ok(fprs[n])) {
			*err = g_strdup_printf(
				"not a fingerprint, or too many recipients: '%.80s'", fprs[n]);
			return (size_t)-1;
		}
	return n;
}

/* The signed (and maybe encrypted) entity that replaces the body. */
static GString *protect_entity(struct crypto *c, enum crypto_protocol p, const GString *inner,
			       const char *const *fprs, size_t n, char **err)
{
	gpgme_ctx_t ctx = p == CRYPTO_OPENPGP ? c->pgp : c->cms;
	gpgme_hash_algo_t hash = GPGME_MD_NONE;
	GString *sig = NULL, *signd = NULL, *out = NULL;
	const char *mic;

	if (crypto_ensure_signer(c, ctx, err) < 0)
		goto out;
	if (!(sig = sign_detached(c, ctx, inner, &hash, err)))
		goto out;
	if (!(mic = crypto_micalg(p, hash))) {
		*err = g_strdup_printf("signed with an unexpected digest (%s)",
				       gpgme_hash_algo_name(hash));
		goto out;
	}
	signd = signed_entity(p, mic, inner, sig);
	if (n == 0) {
		out = signd;
		signd = NULL;
	} else {
		out = crypto_encrypted_entity(c, p, signd, fprs, n, err);
	}
out:
	if (sig)
		g_string_free(sig, TRUE);
	if (signd)
		g_string_free(signd, TRUE);
	return out;
}

int crypto_message_entity(const char *msg, size_t len, GString **keep, GString **entity,
			  char **err)
{
	struct split s = { NULL, NULL, NULL };

	*keep = *entity = NULL;
	if (split_message(msg, len, &s, err) < 0) {
		split_clear(&s);
		return -1;
	}
	*entity = inner_entity(&s);
	*keep = s.keep;
	s.keep = NULL;
	split_clear(&s);
	return 0;
}

char *crypto_message_join(GString *keep, GString *entity, size_t *out_len)
{
	g_string_append_len(keep, entity->str, (gssize)entity->len);
	g_string_free(entity, TRUE);
	*out_len = keep->len;
	return g_string_free(keep, FALSE);
}

char *crypto_protect(struct crypto *c, enum crypto_protocol p, const char *msg, size_t len,
		     const char *const *encrypt_to, size_t *out_len, char **err)
{
	GString *keep = NULL, *inner = NULL, *entity = NULL;
	size_t n;
	char *result = NULL;

	*err = NULL;
	if (c->engine)
		return crypto_client_protect(c, p, msg, len, encrypt_to, out_len, err);
	if (p != CRYPTO_OPENPGP && p != CRYPTO_SMIME) {
		*err = g_strdup("crypto_protect: no protocol");
		return NULL;
	}
	if ((n = crypto_count_recipients(encrypt_to, err)) == (size_t)-1 ||
	    crypto_message_entity(msg, len, &keep, &inner, err) < 0)
		goto out;
	if (!(entity = protect_entity(c, p, inner, encrypt_to, n, err)))
		goto out;
	result = crypto_message_join(keep, entity, out_len);
	keep = NULL;
out:
	if (inner)
		g_string_free(inner, TRUE);
	if (keep)
		g_string_free(keep, TRUE);
	return result;
}

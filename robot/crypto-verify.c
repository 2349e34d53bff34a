/* crypto-verify.c - the robot's trust decision: finds the one signature
 * that counts in a message and verifies it with GPGME on the adapter's
 * reused contexts (never through GMime's crypto contexts, which spawn
 * helper processes per operation).
 *
 * Input: whole messages from anyone, and what GnuPG decrypts from them.
 * A signature counts at the top level, as the first part of a top-level
 * multipart/mixed, or inside one layer of encryption to the robot; never
 * under message/rfc822, deeper in the tree, or as one of several. GMime
 * only parses and decodes: the bytes a multipart/signed covers are taken
 * raw between its boundaries and canonicalised to CRLF, and exactly the
 * bytes verified are what the caller gets back as content (only when the
 * outcome is CRYPTO_GOOD).
 *
 * Failure: anything wrong with the message is an outcome (MALFORMED, BAD,
 * UNSIGNED...) and crypto_verify returns 0; it returns -1 only with
 * CRYPTO_ERROR, when the engine itself failed (try again later). */
#include <errno.h>
#include <string.h>
#include <gmime/gmime.h>
#include "crypto-internal.h"
#include "limits.h"
#include "mail.h"

#define MAX_PLAINTEXT_BYTES	(4 * DEFAULT_MESSAGE_BYTES)	/* what one decryption may yield */

struct span {
	const char *p;
	size_t len;
};

/* The facts of the one signature, copied out of GPGME's result before any
 * other operation on the context replaces it. */
struct sig_facts {
	int count;
	gpgme_error_t status, validity_reason;
	gpgme_sigsum_t summary;
	gpgme_validity_t validity;
	gpgme_hash_algo_t hash;
	gboolean wrong_key_usage;
	gint64 created;
	char fpr[CRYPTO_FPR_LEN];
};

/* One verification under way. */
struct job {
	struct crypto *c;
	struct crypto_result *r;
	GByteArray *sig;	/* the signature bytes verified */
	GByteArray *content;	/* the signed entity, as verified */
	char primary[CRYPTO_FPR_LEN];	/* VALIDSIG's primary-key fingerprint */
	char sig_id[64];		/* gpg's SIG_ID of a good OpenPGP signature */
};

enum { ALLOW_DECRYPT = 1, ALLOW_MIXED = 2 };

/* Puts v (a reference the caller hands over) into a slot of the job. */
static void keep(GByteArray **slot, GByteArray *v)
{
	if (*slot)
		g_byte_array_unref(*slot);
	*slot = v;
}

static int verify_entity(struct job *j, GMimeObject *o, struct span body, int allow);

const char *crypto_outcome_name(enum crypto_outcome o)
{
	static const char *const names[] = {
		[CRYPTO_UNSIGNED] = "unsigned", [CRYPTO_GOOD] = "good", [CRYPTO_BAD] = "bad",
		[CRYPTO_NO_KEY] = "no-key", [CRYPTO_KEY_EXPIRED] = "key-expired",
		[CRYPTO_KEY_REVOKED] = "key-revoked", [CRYPTO_UNTRUSTED] = "untrusted",
		[CRYPTO_WEAK] = "weak", [CRYPTO_MALFORMED] = "malformed", [CRYPTO_ERROR] = "error",
	};

	return (unsigned)o < G_N_ELEMENTS(names) && names[o] ? names[o] : "unknown";
}

void crypto_result_clear(struct crypto_result *r)
{
	if (!r)
		return;
	g_free(r->content);
	g_free(r->detail);
	memset(r, 0, sizeof *r);
}

/* ---- raw MIME bytes ---- */

/* The body of an entity: what follows the first empty line. */
static struct span entity_body(struct span e)
{
	for (size_t i = 0; i < e.len; i++) {
		size_t k = i;

		if (i > 0 && e.p[i - 1] != '\n')
			continue;
		if (k < e.len && e.p[k] == '\r')
			k++;
		if (k < e.len && e.p[k] == '\n')
			return (struct span){ e.p + k + 1, e.len - k - 1 };
	}
	return (struct span){ e.p + e.len, 0 };
}

/* Position of the next delimiter line "--boundary" at or after from, at the
 * start of a line; *after gets the start of the line that follows it. */
static const char *next_delimiter(struct span s, size_t from, const char *boundary, size_t *after)
{
	size_t blen = strlen(boundary);

	for (size_t i = from; i + 2 + blen <= s.len; i++) {
		const char *q = s.p + i, *end = s.p + s.len, *t;

		if ((i > 0 && q[-1] != '\n') || q[0] != '-' || q[1] != '-' || memcmp(q + 2, boundary, blen) != 0)
			continue;
		t = q + 2 + blen;
		if (t < end && !strchr("-\r\n \t", *t))
			continue;	/* a longer boundary */
		while (t < end && *t != '\n')
			t++;
		*after = t < end ? (size_t)(t + 1 - s.p) : s.len;
		return q;
	}
	return NULL;
}

/* The first part of a multipart body, headers and body, without the line
 * end that belongs to the delimiter after it (RFC 2046 5.1.1). */
static gboolean first_part(struct span body, const char *boundary, struct span *part)
{
	size_t start, after;
	const char *d;

	if (!boundary || !*boundary || !next_delimiter(body, 0, boundary, &start))
		return FALSE;
	if (!(d = next_delimiter(body, start, boundary, &after)) || d < body.p + start)
		return FALSE;
	if (d > body.p + start && d[-1] == '\n')
		d--;
	if (d > body.p + start && d[-1] == '\r')
		d--;
	part->p = body.p + start;
	part->len = (size_t)(d - part->p);
	return TRUE;
}

/* bytes with every line end made CRLF: the canonical form signed. */
static GByteArray *canonical(const char *p, size_t len)
{
	GByteArray *out = g_byte_array_sized_new((guint)(len + len / 32 + 2));
	size_t run = 0;	/* start of the bytes not copied yet */

	for (size_t i = 0; i < len; i++) {
		if (p[i] != '\n' || (i > 0 && p[i - 1] == '\r'))
			continue;
		g_byte_array_append(out, (const guint8 *)p + run, (guint)(i - run));
		g_byte_array_append(out, (const guint8 *)"\r", 1);
		run = i;
	}
	g_byte_array_append(out, (const guint8 *)p + run, (guint)(len - run));
	return out;
}

/* ---- GMime: types and decoded content ---- */

static gboolean type_is(GMimeObject *o, const char *type, const char *subtype)
{
	GMimeContentType *ct = o ? g_mime_object_get_content_type(o) : NULL;

	return ct && g_mime_content_type_is_type(ct, type, subtype);
}

/* A leaf part's content, transfer encoding removed, or NULL. */
static GByteArray *part_bytes(GMimeObject *o)
{
	GMimeDataWrapper *w = GMIME_IS_PART(o) ? g_mime_part_get_content(GMIME_PART(o)) : NULL;
	GMimeStream *mem;
	GByteArray *bytes;

	if (!w)
		return NULL;
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(w, mem) < 0) {
		g_object_unref(mem);
		return NULL;
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	return bytes;
}

/* ---- GPGME: running one operation and reading its verdict ---- */

/* Keeps two facts of gpg's status lines that GPGME's result lacks: the
 * primary-key fingerprint at the end of VALIDSIG (what gpgme_get_key
 * would give, without a second gpg process) and SIG_ID, gpg's identifier
 * of a good signature, made for replay detection. */
static gpgme_error_t status_seen(void *opaque, const char *keyword, const char *args)
{
	struct job *j = opaque;
	gchar **f;

	if (!args || (strcmp(keyword, "VALIDSIG") != 0 && strcmp(keyword, "SIG_ID") != 0))
		return 0;
	f = g_strsplit(args, " ", 0);
	if (keyword[0] == 'V' && g_strv_length(f) >= 10 && strlen(f[9]) < sizeof j->primary)
		g_strlcpy(j->primary, f[9], sizeof j->primary);
	else if (keyword[0] == 'S' && f[0] && strlen(f[0]) < sizeof j->sig_id)
		g_strlcpy(j->sig_id, f[0], sizeof j->sig_id);
	g_strfreev(f);
	return 0;
}

static void watch_status(struct job *j, gpgme_ctx_t ctx, gboolean on)
{
	if (on)
		j->primary[0] = j->sig_id[0] = '\0';
	gpgme_set_ctx_flag(ctx, "full-status", on ? "1" : "0");
	gpgme_set_status_cb(ctx, on ? status_seen : NULL, on ? j : NULL);
}

/* An output sink that refuses more than MAX_PLAINTEXT_BYTES. */
static gpgme_ssize_t sink_write(void *handle, const void *buf, size_t size)
{
	GByteArray *out = handle;

	if (out->len + size > MAX_PLAINTEXT_BYTES) {
		errno = EFBIG;
		return -1;
	}
	g_byte_array_append(out, buf, (guint)size);
	return (gpgme_ssize_t)size;
}

static struct gpgme_data_cbs sink_cbs = { NULL, sink_write, NULL, NULL };

static void copy_fpr(char dst[CRYPTO_FPR_LEN], const char *src)
{
	g_strlcpy(dst, src ? src : "", CRYPTO_FPR_LEN);
	for (char *p = dst; *p; p++)
		*p = g_ascii_toupper(*p);
}

static void read_facts(gpgme_ctx_t ctx, struct sig_facts *f)
{
	gpgme_verify_result_t vr = gpgme_op_verify_result(ctx);

	memset(f, 0, sizeof *f);
	for (gpgme_signature_t s = vr ? vr->signatures : NULL; s; s = s->next) {
		if (f->count++)
			continue;
		f->status = s->status;
		f->summary = s->summary;
		f->validity = s->validity;
		f->validity_reason = s->validity_reason;
		f->hash = s->hash_algo;
		f->wrong_key_usage = s->wrong_key_usage;
		f->created = (gint64)s->timestamp;
		copy_fpr(f->fpr, s->fpr);
	}
}

static gboolean weak_hash(gpgme_hash_algo_t h)
{
	return h == GPGME_MD_MD5 || h == GPGME_MD_SHA1 || h == GPGME_MD_RMD160 || h == GPGME_MD_MD2 ||
	       h == GPGME_MD_MD4;
}

/* What GnuPG's trust check said, beyond the signature itself. */
static enum crypto_outcome judge_validity(const struct sig_facts *f, gpgme_protocol_t proto)
{
	gpg_err_code_t why = gpg_err_code(f->validity_reason);

	if ((f->summary & GPGME_SIGSUM_KEY_REVOKED) || why == GPG_ERR_CERT_REVOKED)
		return CRYPTO_KEY_REVOKED;
	if ((f->summary & (GPGME_SIGSUM_KEY_EXPIRED | GPGME_SIGSUM_SIG_EXPIRED)) || why == GPG_ERR_CERT_EXPIRED)
		return CRYPTO_KEY_EXPIRED;
	if (proto == GPGME_PROTOCOL_CMS)
		return (f->summary & GPGME_SIGSUM_VALID) ? CRYPTO_GOOD : CRYPTO_UNTRUSTED;
	/* OpenPGP: the robot's trust-model always reports no validity at all
	 * (UNKNOWN); a key gpg explicitly does not consider valid is refused. */
	if (f->wrong_key_usage || (f->summary & GPGME_SIGSUM_RED))
		return CRYPTO_BAD;
	if (f->validity == GPGME_VALIDITY_NEVER || f->validity == GPGME_VALIDITY_UNDEFINED)
		return CRYPTO_UNTRUSTED;
	return CRYPTO_GOOD;
}

/* The outcome of the one signature, from GPGME's own result. */
static enum crypto_outcome judge(const struct sig_facts *f, gpgme_protocol_t proto)
{
	gpg_err_code_t st = gpg_err_code(f->status);

	if (f->count == 0)
		return CRYPTO_MALFORMED;
	if (f->count > 1)
		return CRYPTO_UNSIGNED;	/* one of several: none counts */
	if (st == GPG_ERR_NO_PUBKEY || (f->summary & GPGME_SIGSUM_KEY_MISSING))
		return CRYPTO_NO_KEY;
	if (st == GPG_ERR_BAD_SIGNATURE)
		return CRYPTO_BAD;
	if (weak_hash(f->hash) || st == GPG_ERR_DIGEST_ALGO)
		return CRYPTO_WEAK;
	if (st == GPG_ERR_CERT_REVOKED)
		return CRYPTO_KEY_REVOKED;
	if (st == GPG_ERR_KEY_EXPIRED || st == GPG_ERR_SIG_EXPIRED || st == GPG_ERR_CERT_EXPIRED)
		return CRYPTO_KEY_EXPIRED;
	if (st == GPG_ERR_NOT_TRUSTED || st == GPG_ERR_BAD_CERT_CHAIN || st == GPG_ERR_MISSING_CERT)
		return CRYPTO_UNTRUSTED;
	if (st != GPG_ERR_NO_ERROR)
		return CRYPTO_BAD;
	return judge_validity(f, proto);
}

/* An error a GPGME operation returned: the message's fault, or the engine's. */
static enum crypto_outcome engine_outcome(gpgme_error_t e)
{
	if (gpg_err_source(e) == GPG_ERR_SOURCE_KSBA)
		return CRYPTO_MALFORMED;	/* gpgsm's parser refused the CMS object */
	switch (gpg_err_code(e)) {
	case GPG_ERR_NO_DATA: case GPG_ERR_BAD_DATA: case GPG_ERR_INV_DATA:
	case GPG_ERR_DECRYPT_FAILED: case GPG_ERR_NO_SECKEY: case GPG_ERR_WRONG_SECKEY:
	case GPG_ERR_INV_ARMOR: case GPG_ERR_INV_PACKET: case GPG_ERR_UNKNOWN_PACKET:
	case GPG_ERR_INV_OBJ: case GPG_ERR_INV_CMS_OBJ: case GPG_ERR_UNKNOWN_CMS_OBJ:
	case GPG_ERR_UNSUPPORTED_CMS_OBJ: case GPG_ERR_BAD_BER: case GPG_ERR_INV_BER:
	case GPG_ERR_ENCODING_PROBLEM: case GPG_ERR_TRUNCATED: case GPG_ERR_UNSUPPORTED_ALGORITHM:
	case GPG_ERR_CIPHER_ALGO: case GPG_ERR_PUBKEY_ALGO: case GPG_ERR_UNEXPECTED:
	case GPG_ERR_UNEXPECTED_TAG: case GPG_ERR_OBJ_TERM_STATE: case GPG_ERR_INV_VALUE:
	case GPG_ERR_TOO_LARGE: case GPG_ERR_EFBIG:
	case GPG_ERR_CONFLICT:	/* gpgsm: content inside a "detached" signature */
		return CRYPTO_MALFORMED;
	default:
		return CRYPTO_ERROR;
	}
}

/* The signer's fingerprint: for OpenPGP the primary key's (VALIDSIG, else
 * a key listing), for S/MIME the certificate's. */
static void signer_fpr(struct job *j, gpgme_protocol_t proto, const struct sig_facts *f)
{
	gpgme_key_t key = NULL;

	copy_fpr(j->r->fingerprint, f->fpr);
	if (proto != GPGME_PROTOCOL_OpenPGP || !f->fpr[0])
		return;
	if (j->primary[0]) {
		copy_fpr(j->r->fingerprint, j->primary);
		return;
	}
	if (gpgme_get_key(j->c->pgp, f->fpr, &key, 0) == 0 && key && key->fpr)
		copy_fpr(j->r->fingerprint, key->fpr);
	gpgme_key_unref(key);
}

static void set_detail(struct crypto_result *r, const char *form, gpgme_error_t e)
{
	g_free(r->detail);
	if (e)
		r->detail = g_strdup_printf("%s: %s: %s (%s)", form, crypto_outcome_name(r->outcome),
					    gpgme_strerror(e), gpgme_strsource(e));
	else
		r->detail = g_strdup_printf("%s: %s", form, crypto_outcome_name(r->outcome));
}

/* After gpgsm failed an operation the session is unusable: restart it. */
static void engine_reset(struct job *j, gpgme_ctx_t ctx, gpgme_error_t e)
{
	if (e && ctx == j->c->cms)
		crypto_cms_reset(j->c);
}

/* Fills r from the operation just run on ctx (its error e). */
static int conclude(struct job *j, gpgme_ctx_t ctx, gpgme_error_t e, const char *form)
{
	gpgme_protocol_t proto = gpgme_get_protocol(ctx);
	struct sig_facts f;

	read_facts(ctx, &f);
	engine_reset(j, ctx, e);
	j->r->protocol = proto == GPGME_PROTOCOL_CMS ? CRYPTO_SMIME : CRYPTO_OPENPGP;
	if (e) {	/* whatever the signatures said, the operation did not finish */
		j->r->outcome = engine_outcome(e);
		set_detail(j->r, form, e);
		return j->r->outcome == CRYPTO_ERROR ? -1 : 0;
	}
	j->r->outcome = judge(&f, proto);
	j->r->created = f.created;
	if (f.count == 1)
		signer_fpr(j, proto, &f);
	set_detail(j->r, form, f.count == 1 ? f.status : 0);
	return 0;
}

/* Runs a verification: detached (sig over text) or with the signed text
 * inside sig, written to *plain. Sets j->sig; the caller sets j->content. */
static int run_verify(struct job *j, gpgme_ctx_t ctx, GByteArray *sig, GByteArray *text, GByteArray **plain,
		      const char *form)
{
	gpgme_data_t dsig = NULL, dtext = NULL, dplain = NULL;
	gpgme_error_t e;
	int rc;

	keep(&j->sig, sig);
	e = gpgme_data_new_from_mem(&dsig, (const char *)sig->data, sig->len, 0);
	if (!e && text)
		e = gpgme_data_new_from_mem(&dtext, (const char *)text->data, text->len, 0);
	if (!e && plain) {
		keep(plain, g_byte_array_new());
		e = gpgme_data_new_from_cbs(&dplain, &sink_cbs, *plain);
	}
	if (!e) {
		watch_status(j, ctx, TRUE);
		e = gpgme_op_verify(ctx, dsig, dtext, dplain);
		watch_status(j, ctx, FALSE);
	}
	rc = conclude(j, ctx, e, form);
	gpgme_data_release(dsig);
	gpgme_data_release(dtext);
	gpgme_data_release(dplain);
	return rc;
}

/* ---- the forms of signed mail ---- */

static gpgme_ctx_t context_for_signature(struct job *j, GMimeObject *sig, GMimeObject *mps)
{
	const char *proto = g_mime_object_get_content_type_parameter(mps, "protocol");

	if (type_is(sig, "application", "pgp-signature"))
		return j->c->pgp;
	if (type_is(sig, "application", "pkcs7-signature") || type_is(sig, "application", "x-pkcs7-signature"))
		return j->c->cms;
	if (proto && g_ascii_strcasecmp(proto, "application/pgp-signature") == 0)
		return j->c->pgp;
	if (proto && (g_ascii_strcasecmp(proto, "application/pkcs7-signature") == 0 ||
		      g_ascii_strcasecmp(proto, "application/x-pkcs7-signature") == 0))
		return j->c->cms;
	return NULL;
}

/* Sets the outcome with a fixed reason for the log; returns 0. */
static int decide(struct job *j, enum crypto_outcome o, const char *why)
{
	j->r->outcome = o;
	g_free(j->r->detail);
	j->r->detail = g_strdup(why);
	return 0;
}

static int malformed(struct job *j, const char *why)
{
	return decide(j, CRYPTO_MALFORMED, why);
}

/* RFC 3156 / RFC 8551 detached: the first part's raw bytes, canonical,
 * against the second part's decoded content. */
static int verify_multipart_signed(struct job *j, GMimeObject *o, struct span body)
{
	GMimeMultipart *mp = GMIME_MULTIPART(o);
	GMimeObject *sigpart;
	struct span signed_part;
	gpgme_ctx_t ctx;
	GByteArray *sig;

	if (g_mime_multipart_get_count(mp) != 2)
		return malformed(j, "multipart/signed: not two parts");
	sigpart = g_mime_multipart_get_part(mp, 1);
	if (!(ctx = context_for_signature(j, sigpart, o)))
		return malformed(j, "multipart/signed: unknown protocol");
	if (!first_part(body, g_mime_multipart_get_boundary(mp), &signed_part))
		return malformed(j, "multipart/signed: no signed part");
	if (!(sig = part_bytes(sigpart)))
		return malformed(j, "multipart/signed: no signature");
	keep(&j->content, canonical(signed_part.p, signed_part.len));
	return run_verify(j, ctx, sig, j->content, NULL, ctx == j->c->cms ? "S/MIME detached" : "PGP/MIME");
}

enum cms_kind { CMS_OTHER, CMS_SIGNED, CMS_ENVELOPED };

/* The content type OID at the head of a DER ContentInfo. */
static enum cms_kind cms_kind(const GByteArray *der)
{
	static const guint8 oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07 };
	size_t i = 1;

	if (!der || der->len < 16 || der->data[0] != 0x30)
		return CMS_OTHER;
	if (der->data[i] & 0x80)
		i += der->data[i] & 0x7f;
	i++;
	if (i + sizeof oid + 1 > der->len || memcmp(der->data + i, oid, sizeof oid) != 0)
		return CMS_OTHER;
	switch (der->data[i + sizeof oid]) {
	case 2: return CMS_SIGNED;
	case 3: return CMS_ENVELOPED;
	default: return CMS_OTHER;
	}
}

/* application/pkcs7-mime signed-data: the signed entity is inside. */
static int verify_opaque(struct job *j, GByteArray *der)
{
	return run_verify(j, j->c->cms, der, NULL, &j->content, "S/MIME opaque");
}

/* ---- inline PGP ---- */

#define ARMOUR_BEGIN "-----BEGIN PGP SIGNED MESSAGE-----"
#define ARMOUR_END "-----END PGP SIGNATURE-----"

/* The first line starting with marker at or after from, or NULL. */
static const char *line_starting(const char *p, size_t len, size_t from, const char *marker)
{
	size_t mlen = strlen(marker);

	for (size_t i = from; i + mlen <= len; i++)
		if ((i == 0 || p[i - 1] == '\n') && memcmp(p + i, marker, mlen) == 0)
			return p + i;
	return NULL;
}

static gboolean blank(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isspace(p[i]))
			return FALSE;
	return TRUE;
}

/* Finds the one clearsigned block in text. 1 found (*armour set, and
 * *outside when other text surrounds it), 0 none, -1 several or cut. */
static int find_armour(const GByteArray *text, struct span *armour, gboolean *outside)
{
	const char *p = (const char *)text->data, *b, *e, *eol;
	size_t len = text->len;

	if (!(b = line_starting(p, len, 0, ARMOUR_BEGIN)))
		return 0;
	if (!(e = line_starting(p, len, (size_t)(b - p), ARMOUR_END)))
		return -1;
	eol = memchr(e, '\n', len - (size_t)(e - p));
	eol = eol ? eol + 1 : p + len;
	if (line_starting(p, len, (size_t)(eol - p), ARMOUR_BEGIN))
		return -1;
	armour->p = b;
	armour->len = (size_t)(eol - b);
	*outside = !blank(p, (size_t)(b - p)) || !blank(eol, len - (size_t)(eol - p));
	return 1;
}

/* The signed text as UTF-8, from the part's charset. g_free it. */
static char *text_to_utf8(const GByteArray *text, const char *charset)
{
	const char *from = charset ? g_mime_charset_iconv_name(charset) : NULL;
	char *utf8 = NULL;

	if (text->len == 0)
		return g_strdup("");
	if (from && g_ascii_strcasecmp(from, "utf-8") != 0 && g_ascii_strcasecmp(from, "us-ascii") != 0)
		utf8 = g_convert((const char *)text->data, text->len, "UTF-8", from, NULL, NULL, NULL);
	if (!utf8 && g_utf8_validate((const char *)text->data, text->len, NULL))
		utf8 = g_strndup((const char *)text->data, text->len);
	if (!utf8)
		utf8 = g_convert((const char *)text->data, text->len, "UTF-8", "windows-1252", NULL, NULL, NULL);
	if (!utf8)
		utf8 = g_utf8_make_valid((const char *)text->data, (gssize)text->len);
	return utf8;
}

/* The entity the caller reads: text/plain, UTF-8, CRLF. */
static GByteArray *text_entity(const GByteArray *plain, const char *charset)
{
	static const char head[] = "Content-Type: text/plain; charset=utf-8\r\n"
				   "Content-Transfer-Encoding: 8bit\r\n\r\n";
	char *utf8 = text_to_utf8(plain, charset);
	GByteArray *body = canonical(utf8, strlen(utf8));
	GByteArray *out = g_byte_array_sized_new(body->len + sizeof head);

	g_byte_array_append(out, (const guint8 *)head, sizeof head - 1);
	g_byte_array_append(out, body->data, body->len);
	g_byte_array_unref(body);
	g_free(utf8);
	return out;
}

/* Inline PGP: a clearsigned block in a text/plain part. */
static int verify_inline(struct job *j, GMimeObject *o)
{
	GByteArray *text = part_bytes(o);
	GByteArray *plain = NULL;
	struct span armour;
	gboolean outside = FALSE;
	int found = text ? find_armour(text, &armour, &outside) : 0, rc = 0;

	if (found < 0) {
		decide(j, CRYPTO_UNSIGNED, "inline PGP: several or unterminated signed blocks");
	} else if (found > 0) {
		j->r->text_outside |= outside;
		rc = run_verify(j, j->c->pgp, g_byte_array_append(g_byte_array_new(), (const guint8 *)armour.p,
								  (guint)armour.len),
				NULL, &plain, "inline PGP");
		if (plain)
			keep(&j->content, text_entity(plain, g_mime_object_get_content_type_parameter(o, "charset")));
	}
	if (plain)
		g_byte_array_unref(plain);
	if (text)
		g_byte_array_unref(text);
	return rc;
}

/* ---- encryption to the robot ---- */

/* Verifies what one decryption gave: the combined signature when there
 * is one, else the one signed entity inside. */
static int verify_plaintext(struct job *j, gpgme_ctx_t ctx, GByteArray *plain)
{
	struct sig_facts f;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeObject *inner;
	int rc;

	read_facts(ctx, &f);
	if (ctx == j->c->pgp && f.count > 0) {	/* signed and encrypted in one OpenPGP message */
		keep(&j->content, g_byte_array_ref(plain));
		return conclude(j, ctx, 0, "PGP/MIME signed and encrypted");
	}
	stream = g_mime_stream_mem_new_with_buffer((const char *)plain->data, plain->len);
	parser = g_mime_parser_new_with_stream(stream);
	inner = g_mime_parser_construct_part(parser, NULL);
	rc = inner ? verify_entity(j, inner, entity_body((struct span){ (const char *)plain->data, plain->len }), 0)
		   : malformed(j, "encrypted: no MIME entity inside");
	if (rc == 0 && j->r->outcome == CRYPTO_UNSIGNED && !j->r->detail)
		decide(j, CRYPTO_UNSIGNED, "encrypted to the robot, no signature inside");
	g_clear_object(&inner);
	g_clear_object(&parser);
	g_clear_object(&stream);
	return rc;
}

/* Decrypts cipher on ctx (OpenPGP: decrypt and verify in one pass). */
static int decrypt(struct job *j, gpgme_ctx_t ctx, GByteArray *cipher)
{
	gpgme_data_t dcipher = NULL, dplain = NULL;
	GByteArray *plain = g_byte_array_new();
	gpgme_error_t e;
	int rc;

	j->r->encrypted = TRUE;
	j->r->protocol = ctx == j->c->cms ? CRYPTO_SMIME : CRYPTO_OPENPGP;
	e = gpgme_data_new_from_mem(&dcipher, (const char *)cipher->data, cipher->len, 0);
	if (!e)
		e = gpgme_data_new_from_cbs(&dplain, &sink_cbs, plain);
	if (!e) {
		watch_status(j, ctx, TRUE);
		e = ctx == j->c->cms ? gpgme_op_decrypt(ctx, dcipher, dplain)
				     : gpgme_op_decrypt_ext(ctx, GPGME_DECRYPT_VERIFY, dcipher, dplain);
		watch_status(j, ctx, FALSE);
	}
	if (e) {
		engine_reset(j, ctx, e);
		j->r->outcome = engine_outcome(e);
		set_detail(j->r, "decrypt", e);
		rc = j->r->outcome == CRYPTO_ERROR ? -1 : 0;
	} else {
		keep(&j->sig, g_byte_array_ref(cipher));
		rc = verify_plaintext(j, ctx, plain);
	}
	gpgme_data_release(dcipher);
	gpgme_data_release(dplain);
	g_byte_array_unref(plain);
	return rc;
}

/* PGP/MIME encrypted (RFC 3156 4): the second part holds the message. */
static int decrypt_pgp_mime(struct job *j, GMimeObject *o)
{
	GMimeMultipart *mp = GMIME_MULTIPART(o);
	GByteArray *cipher;
	int rc;

	if (g_mime_multipart_get_count(mp) != 2 ||
	    !type_is(g_mime_multipart_get_part(mp, 0), "application", "pgp-encrypted"))
		return malformed(j, "multipart/encrypted: not PGP/MIME");
	if (!(cipher = part_bytes(g_mime_multipart_get_part(mp, 1))))
		return malformed(j, "multipart/encrypted: no ciphertext");
	rc = decrypt(j, j->c->pgp, cipher);
	g_byte_array_unref(cipher);
	return rc;
}

/* application/pkcs7-mime: signed-data, or enveloped-data to the robot. */
static int verify_pkcs7(struct job *j, GMimeObject *o, int allow)
{
	GByteArray *der = part_bytes(o);
	enum cms_kind kind = cms_kind(der);
	int rc = 0;

	j->r->protocol = CRYPTO_SMIME;
	if (kind == CMS_SIGNED) {
		rc = verify_opaque(j, der);
		der = NULL;	/* j->sig holds it now */
	} else if (kind == CMS_ENVELOPED && (allow & ALLOW_DECRYPT)) {
		rc = decrypt(j, j->c->cms, der);
	} else if (kind == CMS_OTHER) {
		rc = malformed(j, "application/pkcs7-mime: neither signed nor enveloped data");
	}
	if (der)
		g_byte_array_unref(der);
	return rc;
}

/* ---- where a signature counts ---- */

static gboolean is_pkcs7_mime(GMimeObject *o)
{
	return type_is(o, "application", "pkcs7-mime") || type_is(o, "application", "x-pkcs7-mime");
}

/* 1 when o holds anything signed or encrypted (message/rfc822 not entered). */
static gboolean holds_signature(GMimeObject *o, int level)
{
	GByteArray *text;
	gboolean found;

	if (level > MAX_MIME_DEPTH)
		return FALSE;
	if (type_is(o, "multipart", "signed") || type_is(o, "multipart", "encrypted") || is_pkcs7_mime(o))
		return TRUE;
	if (GMIME_IS_MULTIPART(o)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (int i = 0; i < n && i < MAX_MIME_PARTS; i++)
			if (holds_signature(g_mime_multipart_get_part(GMIME_MULTIPART(o), i), level + 1))
				return TRUE;
		return FALSE;
	}
	if (!type_is(o, "text", "plain") || !(text = part_bytes(o)))
		return FALSE;
	found = line_starting((const char *)text->data, text->len, 0, ARMOUR_BEGIN) != NULL;
	g_byte_array_unref(text);
	return found;
}

/* A signed entity as the first part of a top-level multipart/mixed (a
 * mailing list's footer after it): other text there is ignored, and a
 * second signature anywhere in the other parts makes none count. */
static int verify_mixed(struct job *j, GMimeObject *o, struct span body)
{
	GMimeMultipart *mp = GMIME_MULTIPART(o);
	int n = g_mime_multipart_get_count(mp);
	GMimeObject *first = n > 0 ? g_mime_multipart_get_part(mp, 0) : NULL;
	struct span part;

	if (!first || !(type_is(first, "multipart", "signed") || is_pkcs7_mime(first) || type_is(first, "text", "plain")))
		return 0;
	for (int i = 1; i < n && i < MAX_MIME_PARTS; i++) {
		GMimeObject *other = g_mime_multipart_get_part(mp, i);

		if (holds_signature(other, 2))
			return 0;
		if (!GMIME_IS_PART(other) || type_is(other, "text", "*"))
			j->r->text_outside = TRUE;
	}
	if (!first_part(body, g_mime_multipart_get_boundary(mp), &part))
		return malformed(j, "multipart/mixed: no first part");
	return verify_entity(j, first, entity_body(part), 0);
}

/* Verifies o, whose raw body is body, as one of the forms that count. */
static int verify_entity(struct job *j, GMimeObject *o, struct span body, int allow)
{
	if (type_is(o, "multipart", "signed"))
		return verify_multipart_signed(j, o, body);
	if (is_pkcs7_mime(o))
		return verify_pkcs7(j, o, allow);
	if (type_is(o, "multipart", "encrypted") && (allow & ALLOW_DECRYPT))
		return decrypt_pgp_mime(j, o);
	if (type_is(o, "multipart", "mixed") && (allow & ALLOW_MIXED))
		return verify_mixed(j, o, body);
	if (type_is(o, "text", "plain"))
		return verify_inline(j, o);
	return 0;
}

/* A signature over content that holds another signature or encryption
 * (sign then sign again, encrypt then sign) is one of several: whose
 * word the inner text is cannot be told, so none counts. */
static void refuse_nested(struct job *j)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeObject *inner;

	if (j->r->outcome != CRYPTO_GOOD || !j->content)
		return;
	stream = g_mime_stream_mem_new_with_buffer((const char *)j->content->data, j->content->len);
	parser = g_mime_parser_new_with_stream(stream);
	inner = g_mime_parser_construct_part(parser, NULL);
	if (inner && holds_signature(inner, 1)) {
		decide(j, CRYPTO_UNSIGNED, "a signature over a signed or encrypted entity: none counts");
		j->r->fingerprint[0] = '\0';
		j->r->created = 0;
	}
	g_clear_object(&inner);
	g_clear_object(&parser);
	g_clear_object(&stream);
}

/* The replay key: SHA-256 over what identifies the signature and the
 * content it covers. The raw signature bytes are malleable without
 * breaking the signature (armour line ends and headers, OpenPGP unhashed
 * subpackets, the certificate set and unsigned attributes of a CMS
 * SignedData), so they identify it only when nothing better is known:
 * OpenPGP has gpg's SIG_ID, made for this; S/MIME has the signer, the
 * signing time and the exact signed content. */
static void replay_key(struct job *j)
{
	struct crypto_result *r = j->r;
	GChecksum *sum;
	char *who;

	if (!j->sig || !j->content || r->outcome == CRYPTO_UNSIGNED || r->outcome == CRYPTO_MALFORMED ||
	    r->outcome == CRYPTO_ERROR)
		return;
	sum = g_checksum_new(G_CHECKSUM_SHA256);
	if (r->protocol == CRYPTO_OPENPGP && j->sig_id[0]) {
		who = g_strdup_printf("openpgp sig-id %s", j->sig_id);
		g_checksum_update(sum, (const guchar *)who, -1);
	} else if (r->protocol == CRYPTO_SMIME && r->fingerprint[0]) {
		who = g_strdup_printf("smime %s %" G_GINT64_FORMAT "\n", r->fingerprint, r->created);
		g_checksum_update(sum, (const guchar *)who, -1);
		g_checksum_update(sum, j->content->data, j->content->len);
	} else {
		who = NULL;
		g_checksum_update(sum, j->sig->data, j->sig->len);
		g_checksum_update(sum, j->content->data, j->content->len);
	}
	g_free(who);
	g_strlcpy(j->r->replay_key, g_checksum_get_string(sum), CRYPTO_FPR_LEN);
	g_checksum_free(sum);
}

int crypto_verify(struct crypto *c, const char *msg, size_t len, struct crypto_result *r)
{
	struct job j = { .c = c, .r = r };
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;
	GMimeObject *top;
	int rc = 0;

	memset(r, 0, sizeof *r);
	r->outcome = CRYPTO_UNSIGNED;
	mail_library_init();
	stream = g_mime_stream_mem_new_with_buffer(msg, len);
	parser = g_mime_parser_new_with_stream(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	top = m ? g_mime_message_get_mime_part(m) : NULL;
	if (top)
		rc = verify_entity(&j, top, entity_body((struct span){ msg, len }), ALLOW_DECRYPT | ALLOW_MIXED);
	refuse_nested(&j);
	if (r->outcome == CRYPTO_UNSIGNED)
		r->text_outside = FALSE;
	replay_key(&j);
	if (r->outcome == CRYPTO_GOOD && j.content) {
		r->content = g_malloc(j.content->len + 1);
		memcpy(r->content, j.content->data, j.content->len);
		r->content[j.content->len] = '\0';
		r->content_len = j.content->len;
	}
	g_clear_object(&m);
	g_clear_object(&parser);
	g_clear_object(&stream);
	if (j.sig)
		g_byte_array_unref(j.sig);
	if (j.content)
		g_byte_array_unref(j.content);
	return rc;
}

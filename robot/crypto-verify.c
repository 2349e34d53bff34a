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
 * CRYPTO_ERROR, when the engine itself failed (try again later).
 *
 * This file decides where a signature counts and which form it takes; the
 * MIME bytes are read by crypto-verify-mime.c, and GPGME is run and its
 * result judged by crypto-verify-gpgme.c. */
#include <string.h>
#include <gmime/gmime.h>
#include "crypto-internal.h"
#include "limits.h"
#include "mail.h"

enum { ALLOW_DECRYPT = 1, ALLOW_MIXED = 2 };

static int verify_entity(struct crypto_job *j, GMimeObject *o, struct crypto_span body, int allow);

/* ---- the forms of signed mail ---- */

static gpgme_ctx_t context_for_signature(struct crypto_job *j, GMimeObject *sig, GMimeObject *mps)
{
	const char *proto = g_mime_object_get_content_type_parameter(mps, "protocol");

	if (crypto_type_is(sig, "application", "pgp-signature"))
		return j->c->pgp;
	if (crypto_type_is(sig, "application", "pkcs7-signature") ||
	    crypto_type_is(sig, "application", "x-pkcs7-signature"))
		return j->c->cms;
	if (proto && g_ascii_strcasecmp(proto, "application/pgp-signature") == 0)
		return j->c->pgp;
	if (proto && (g_ascii_strcasecmp(proto, "application/pkcs7-signature") == 0 ||
		      g_ascii_strcasecmp(proto, "application/x-pkcs7-signature") == 0))
		return j->c->cms;
	return NULL;
}

/* Sets the outcome with a fixed reason for the log; returns 0. */
static int decide(struct crypto_job *j, enum crypto_outcome o, const char *why)
{
	j->r->outcome = o;
	g_free(j->r->detail);
	j->r->detail = g_strdup(why);
	return 0;
}

static int malformed(struct crypto_job *j, const char *why)
{
	return decide(j, CRYPTO_MALFORMED, why);
}

/* RFC 3156 / RFC 8551 detached: the first part's raw bytes, canonical,
 * against the second part's decoded content. */
static int verify_multipart_signed(struct crypto_job *j, GMimeObject *o, struct crypto_span body)
{
	GMimeMultipart *mp = GMIME_MULTIPART(o);
	GMimeObject *sigpart;
	struct crypto_span signed_part;
	gpgme_ctx_t ctx;
	GByteArray *sig;

	if (g_mime_multipart_get_count(mp) != 2)
		return malformed(j, "multipart/signed: not two parts");
	sigpart = g_mime_multipart_get_part(mp, 1);
	if (!(ctx = context_for_signature(j, sigpart, o)))
		return malformed(j, "multipart/signed: unknown protocol");
	if (!crypto_first_part(body, g_mime_multipart_get_boundary(mp), &signed_part))
		return malformed(j, "multipart/signed: no signed part");
	if (!(sig = crypto_part_bytes(sigpart)))
		return malformed(j, "multipart/signed: no signature");
	crypto_job_keep(&j->content, crypto_canonical(signed_part.p, signed_part.len));
	return crypto_job_verify(j, ctx, sig, j->content, NULL,
				 ctx == j->c->cms ? "S/MIME detached" : "PGP/MIME");
}

/* application/pkcs7-mime signed-data: the signed entity is inside. */
static int verify_opaque(struct crypto_job *j, GByteArray *der)
{
	return crypto_job_verify(j, j->c->cms, der, NULL, &j->content, "S/MIME opaque");
}

/* Inline PGP: a clearsigned block in a text/plain part. */
static int verify_inline(struct crypto_job *j, GMimeObject *o)
{
	GByteArray *text = crypto_part_bytes(o);
	GByteArray *plain = NULL;
	struct crypto_span armour;
	gboolean outside = FALSE;
	int found = text ? crypto_find_armour(text, &armour, &outside) : 0, rc = 0;

	if (found < 0) {
		decide(j, CRYPTO_UNSIGNED, "inline PGP: several or unterminated signed blocks");
	} else if (found > 0) {
		j->r->text_outside |= outside;
		GByteArray *signed_text = g_byte_array_new();
		const char *charset = g_mime_object_get_content_type_parameter(o, "charset");

		g_byte_array_append(signed_text, (const guint8 *)armour.p, (guint)armour.len);
		rc = crypto_job_verify(j, j->c->pgp, signed_text, NULL, &plain, "inline PGP");
		if (plain)
			crypto_job_keep(&j->content, crypto_text_entity(plain, charset));
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
static int verify_plaintext(struct crypto_job *j, gpgme_ctx_t ctx, GByteArray *plain)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeObject *inner;
	struct crypto_span body;
	int rc;

	/* signed and encrypted in one OpenPGP message */
	if (ctx == j->c->pgp && crypto_job_signature_count(ctx) > 0) {
		crypto_job_keep(&j->content, g_byte_array_ref(plain));
		return crypto_job_conclude(j, ctx, 0, "PGP/MIME signed and encrypted");
	}
	stream = g_mime_stream_mem_new_with_buffer((const char *)plain->data, plain->len);
	parser = g_mime_parser_new_with_stream(stream);
	inner = g_mime_parser_construct_part(parser, NULL);
	body = crypto_entity_body((struct crypto_span){ (const char *)plain->data, plain->len });
	rc = inner ? verify_entity(j, inner, body, 0)
		   : malformed(j, "encrypted: no MIME entity inside");
	if (rc == 0 && j->r->outcome == CRYPTO_UNSIGNED && !j->r->detail)
		decide(j, CRYPTO_UNSIGNED, "encrypted to the robot, no signature inside");
	g_clear_object(&inner);
	g_clear_object(&parser);
	g_clear_object(&stream);
	return rc;
}

/* Decrypts cipher on ctx (OpenPGP: decrypt and verify in one pass). */
static int decrypt(struct crypto_job *j, gpgme_ctx_t ctx, GByteArray *cipher)
{
	GByteArray *plain = g_byte_array_new();
	int rc;

	j->r->encrypted = TRUE;
	j->r->protocol = ctx == j->c->cms ? CRYPTO_SMIME : CRYPTO_OPENPGP;
	if (crypto_job_decrypt(j, ctx, cipher, plain) < 0) {
		rc = j->r->outcome == CRYPTO_ERROR ? -1 : 0;
	} else {
		crypto_job_keep(&j->sig, g_byte_array_ref(cipher));
		rc = verify_plaintext(j, ctx, plain);
	}
	g_byte_array_unref(plain);
	return rc;
}

/* PGP/MIME encrypted (RFC 3156 4): the second part holds the message. */
static int decrypt_pgp_mime(struct crypto_job *j, GMimeObject *o)
{
	GMimeMultipart *mp = GMIME_MULTIPART(o);
	GByteArray *cipher;
	int rc;

	if (g_mime_multipart_get_count(mp) != 2 ||
	    !crypto_type_is(g_mime_multipart_get_part(mp, 0), "application", "pgp-encrypted"))
		return malformed(j, "multipart/encrypted: not PGP/MIME");
	if (!(cipher = crypto_part_bytes(g_mime_multipart_get_part(mp, 1))))
		return malformed(j, "multipart/encrypted: no ciphertext");
	rc = decrypt(j, j->c->pgp, cipher);
	g_byte_array_unref(cipher);
	return rc;
}

/* application/pkcs7-mime: signed-data, or enveloped-data to the robot. */
static int verify_pkcs7(struct crypto_job *j, GMimeObject *o, int allow)
{
	GByteArray *der = crypto_part_bytes(o);
	enum crypto_cms_kind kind = crypto_cms_kind(der);
	int rc = 0;

	j->r->protocol = CRYPTO_SMIME;
	if (kind == CRYPTO_CMS_SIGNED) {
		rc = verify_opaque(j, der);
		der = NULL;	/* j->sig holds it now */
	} else if (kind == CRYPTO_CMS_ENVELOPED && (allow & ALLOW_DECRYPT)) {
		rc = decrypt(j, j->c->cms, der);
	} else if (kind == CRYPTO_CMS_OTHER) {
		rc = malformed(j, "application/pkcs7-mime: neither signed nor enveloped data");
	}
	if (der)
		g_byte_array_unref(der);
	return rc;
}

/* A signed entity as the first part of a top-level multipart/mixed (a
 * mailing list's footer after it): other text there is ignored, and a
 * second signature anywhere in the other parts makes none count. */
static int verify_mixed(struct crypto_job *j, GMimeObject *o, struct crypto_span body)
{
	GMimeMultipart *mp = GMIME_MULTIPART(o);
	int n = g_mime_multipart_get_count(mp);
	GMimeObject *first = n > 0 ? g_mime_multipart_get_part(mp, 0) : NULL;
	struct crypto_span part;

	if (!first || !(crypto_type_is(first, "multipart", "signed") ||
			crypto_is_pkcs7_mime(first) || crypto_type_is(first, "text", "plain")))
		return 0;
	for (int i = 1; i < n && i < MAX_MIME_PARTS; i++) {
		GMimeObject *other = g_mime_multipart_get_part(mp, i);

		if (crypto_holds_signature(other, 2))
			return 0;
		if (!GMIME_IS_PART(other) || crypto_type_is(other, "text", "*"))
			j->r->text_outside = TRUE;
	}
	if (!crypto_first_part(body, g_mime_multipart_get_boundary(mp), &part))
		return malformed(j, "multipart/mixed: no first part");
	return verify_entity(j, first, crypto_entity_body(part), 0);
}

/* Verifies o, whose raw body is body, as one of the forms that count. */
static int verify_entity(struct crypto_job *j, GMimeObject *o, struct crypto_span body, int allow)
{
	if (crypto_type_is(o, "multipart", "signed"))
		return verify_multipart_signed(j, o, body);
	if (crypto_is_pkcs7_mime(o))
		return verify_pkcs7(j, o, allow);
	if (crypto_type_is(o, "multipart", "encrypted") && (allow & ALLOW_DECRYPT))
		return decrypt_pgp_mime(j, o);
	if (crypto_type_is(o, "multipart", "mixed") && (allow & ALLOW_MIXED))
		return verify_mixed(j, o, body);
	if (crypto_type_is(o, "text", "plain"))
		return verify_inline(j, o);
	return 0;
}

/* A signature over content that holds another signature or encryption
 * (sign then sign again, encrypt then sign) is one of several: whose
 * word the inner text is cannot be told, so none counts. */
static void refuse_nested(struct crypto_job *j)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeObject *inner;

	if (j->r->outcome != CRYPTO_GOOD || !j->content)
		return;
	stream =
		g_mime_stream_mem_new_with_buffer((const char *)j->content->data, j->content->len);
	parser = g_mime_parser_new_with_stream(stream);
	inner = g_mime_parser_construct_part(parser, NULL);
	if (inner && crypto_holds_signature(inner, 1)) {
		decide(j, CRYPTO_UNSIGNED,
		       "a signature over a signed or encrypted entity: none counts");
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
static void replay_key(struct crypto_job *j)
{
	struct crypto_result *r = j->r;
	GChecksum *sum;
	char *who;

	if (!j->sig || !j->content || r->outcome == CRYPTO_UNSIGNED ||
	    r->outcome == CRYPTO_MALFORMED || r->outcome == CRYPTO_ERROR)
		return;
	sum = g_checksum_new(G_CHECKSUM_SHA256);
	if (r->protocol == CRYPTO_OPENPGP && j->sig_id[0]) {
		who = g_strdup_printf("openpgp sig-id %s", j->sig_id);
		g_checksum_update(sum, (const guchar *)who, -1);
	} else if (r->protocol == CRYPTO_SMIME && r->fingerprint[0]) {
		who = g_strdup_printf("smime %s %" G_GINT64_FORMAT "\n", r->fingerprint,
				      r->created);
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
	struct crypto_job j = { .c = c, .r = r };
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;
	GMimeObject *top;
	int rc = 0;

	if (c->engine)
		return crypto_client_verify(c, msg, len, r);
	memset(r, 0, sizeof *r);
	r->outcome = CRYPTO_UNSIGNED;
	mail_library_init();
	stream = g_mime_stream_mem_new_with_buffer(msg, len);
	parser = g_mime_parser_new_with_stream(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	top = m ? g_mime_message_get_mime_part(m) : NULL;
	if (top)
		rc = verify_entity(&j, top, crypto_entity_body((struct crypto_span){ msg, len }),
				   ALLOW_DECRYPT | ALLOW_MIXED);
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

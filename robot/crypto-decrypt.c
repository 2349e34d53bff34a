/* crypto-decrypt.c - one layer of encryption to the robot taken off a
 * whole message, its signature not judged: what filters/ping-match.c reads
 * a POC's proof code in when the POC answered a ping encrypted (mail
 * clients answer an encrypted message encrypted, to the key that signed
 * it: the robot's).
 *
 * Input: whole messages from anyone. Only the top level counts, as for
 * crypto_verify: PGP/MIME multipart/encrypted (RFC 3156 4) or S/MIME
 * application/pkcs7-mime enveloped-data (RFC 8551 3.3). GMime only parses
 * and decodes; GnuPG decrypts on the adapter's reused contexts
 * (crypto_job_decrypt, its output bounded by MAX_PLAINTEXT_BYTES).
 *
 * Failure: a message that is not so encrypted, or that the robot cannot
 * decrypt, is 0 with a line for the log; -1 only when the engine itself
 * failed (try again later). The plaintext is the caller's alone: never
 * logged here. */
#include <string.h>
#include <gmime/gmime.h>
#include "crypto-internal.h"
#include "mail.h"

/* The ciphertext of o and the context that decrypts it, or NULL (*why set
 * when o is encrypted but broken). */
static GByteArray *cipher_of(struct crypto *c, GMimeObject *o, gpgme_ctx_t *ctx,
			     const char **why)
{
	GByteArray *der;

	if (crypto_type_is(o, "multipart", "encrypted")) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);

		*ctx = c->pgp;
		if (g_mime_multipart_get_count(mp) != 2 ||
		    !crypto_type_is(g_mime_multipart_get_part(mp, 0), "application",
				    "pgp-encrypted")) {
			*why = "multipart/encrypted: not PGP/MIME";
			return NULL;
		}
		return crypto_part_bytes(g_mime_multipart_get_part(mp, 1));
	}
	if (!crypto_is_pkcs7_mime(o))
		return NULL;
	*ctx = c->cms;
	der = crypto_part_bytes(o);
	if (crypto_cms_kind(der) == CRYPTO_CMS_ENVELOPED)
		return der;
	if (der)
		g_byte_array_unref(der);
	return NULL;
}

/* Decrypts cipher on ctx: 1 with the entity, 0 the message's fault, -1
 * the engine's. */
static int decrypt_one(struct crypto *c, gpgme_ctx_t ctx, GByteArray *cipher, char **entity,
		       size_t *entity_len, char **detail)
{
	struct crypto_result r = { .outcome = CRYPTO_UNSIGNED };
	struct crypto_job j = { .c = c, .r = &r };
	GByteArray *plain = g_byte_array_new();
	int rc = 1;

	if (crypto_job_decrypt(&j, ctx, cipher, plain) < 0) {
		rc = r.outcome == CRYPTO_ERROR ? -1 : 0;
		*detail = g_steal_pointer(&r.detail);
	} else {
		*entity_len = plain->len;
		g_byte_array_append(plain, (const guint8 *)"", 1);
		*entity = (char *)g_byte_array_free(g_steal_pointer(&plain), FALSE);
	}
	if (plain) {
		if (plain->len)	/* a failure's partial plaintext (none: data is NULL) */
			memset(plain->data, 0, plain->len);
		g_byte_array_unref(plain);
	}
	crypto_result_clear(&r);
	return rc;
}

int crypto_decrypt(struct crypto *c, const char *msg, size_t len, char **entity,
		   size_t *entity_len, char **detail)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;
	GMimeObject *top;
	GByteArray *cipher = NULL;
	gpgme_ctx_t ctx = NULL;
	const char *why = NULL;
	int rc = 0;

	*entity = *detail = NULL;
	*entity_len = 0;
	if (c->engine)
		return crypto_client_decrypt(c, msg, len, entity, entity_len, detail);
	mail_library_init();
	stream = g_mime_stream_mem_new_with_buffer(msg, len);
	parser = g_mime_parser_new_with_stream(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	top = m ? g_mime_message_get_mime_part(m) : NULL;
	if (top)
		cipher = cipher_of(c, top, &ctx, &why);
	if (cipher) {
		rc = decrypt_one(c, ctx, cipher, entity, entity_len, detail);
		g_byte_array_unref(cipher);
	} else {
		*detail = g_strdup(why ? why : "not encrypted to the robot");
	}
	g_clear_object(&m);
	g_clear_object(&parser);
	g_clear_object(&stream);
	return rc;
}

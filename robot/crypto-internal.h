/* crypto-internal.h - what the crypto adapter's files share; nothing
 * outside robot/crypto*.c includes it. */
#ifndef POCBOT_CRYPTO_INTERNAL_H
#define POCBOT_CRYPTO_INTERNAL_H

#include <gpgme.h>
#include "crypto.h"

struct crypto {
	char *home;		/* GNUPGHOME */
	gpgme_ctx_t pgp;	/* OpenPGP context, reused */
	gpgme_ctx_t cms;	/* CMS (gpgsm) context, reused */
};

/* Makes GPGME start a fresh gpgsm server at the next CMS operation. A
 * long-lived gpgsm 2.2 session is spoilt by a refused CMS object ("Invalid
 * value passed to IPC" after it) and runs out of secure memory after about
 * eight ENCRYPT commands ("Cannot allocate memory (gcrypt)"). */
void crypto_cms_reset(struct crypto *c);

/* A GPGME error as one line. g_free it. */
char *crypto_gpgme_error(const char *what, gpgme_error_t e);

/* What crypto-sign.c shares with crypto-sign-file.c. */

/* Sorts the header lines of msg[0..hlen) (CRLF each) into keep and
 * content (the Content-* fields); a continuation line follows its field;
 * MIME-Version added to keep when missing. -1 on a line that is neither a
 * field nor a continuation. */
int crypto_split_headers(const char *msg, size_t hlen, GString *keep, GString *content);

/* The micalg parameter for a digest (RFC 3156 5, RFC 8551 3.5.3.2), or NULL. */
const char *crypto_micalg(enum crypto_protocol p, gpgme_hash_algo_t h);

/* Makes the robot's key for ctx's protocol its signer, once per context:
 * the signer stays set between operations, so later messages cost no key
 * listing. crypto_identity_import_smime clears it. 0 or -1 with *err. */
int crypto_ensure_signer(struct crypto *c, gpgme_ctx_t ctx, char **err);

/* A detached signature of in by the robot: armoured for OpenPGP, DER for
 * CMS (with the whole chain, so that the reader needs only the root).
 * *hash gets the digest used. NULL with *err. */
GString *crypto_sign_data(struct crypto *c, gpgme_ctx_t ctx, gpgme_data_t in, gpgme_hash_algo_t *hash, char **err);

/* The signature part of a multipart/signed (its fields, a blank line, the
 * signature), appended to e. */
void crypto_append_signature_part(GString *e, enum crypto_protocol p, const GString *sig);

/* in encrypted to the n keys of fprs into out: armoured for OpenPGP (the
 * robot pins fingerprints, so gpg's key validity is not asked), DER for
 * CMS. 0 or -1 with *err. */
int crypto_encrypt_data(struct crypto *c, gpgme_ctx_t ctx, gpgme_data_t in, gpgme_data_t out,
			const char *const *fprs, size_t n, char **err);

/* The head of the encrypted entity (RFC 3156 4, RFC 8551 3.3) appended
 * to e, up to where the ciphertext goes: armour with CRLF line ends then
 * "\r\n--b--\r\n" for OpenPGP (b its boundary), base64 for S/MIME (b
 * unused). */
void crypto_append_encrypted_head(GString *e, enum crypto_protocol p, const char *b);

/* How many fingerprints fprs holds (NULL: none), each checked; (size_t)-1
 * with *err on one that is not a fingerprint, or too many. */
size_t crypto_count_recipients(const char *const *fprs, char **err);

#endif

/* crypto-internal.h - what the crypto adapter's files share; nothing
 * outside robot/crypto*.c includes it. */
#ifndef POCBOT_CRYPTO_INTERNAL_H
#define POCBOT_CRYPTO_INTERNAL_H

#include <sys/stat.h>
#include <gpgme.h>
#include "crypto.h"

struct crypto {
	char *home;		/* GNUPGHOME */
	gpgme_ctx_t pgp;	/* OpenPGP context, reused */
	gpgme_ctx_t cms;	/* CMS (gpgsm) context, reused */
	unsigned cms_encrypts;	/* ENCRYPT commands the gpgsm server has run */
	gpgme_error_t encrypt_error;	/* crypto_encrypt_data's last failure, or 0 */
	char *sign_as[2];	/* crypto_sign_as: OpenPGP and S/MIME signers pinned, or NULL */
	GHashTable *keys_pgp, *keys_cms;	/* public keys found (crypto-keycache.c) */
	struct stat kbx;	/* the keyring file when they were */
	gint64 keys_since;	/* monotonic, microseconds */
	struct crypto_client *engine;	/* crypto_open_engine: every call runs
					 * there (crypto-client.c); pgp, cms NULL */
};

/* The calls an engine adapter forwards (crypto-client.c): the public
 * functions of the same name without "client_" start with them when
 * c->engine is set; each takes and gives what that function does. */
int crypto_client_verify(struct crypto *c, const char *msg, size_t len, struct crypto_result *r);
int crypto_client_decrypt(struct crypto *c, const char *msg, size_t len, char **entity,
			  size_t *entity_len, char **detail);
char *crypto_client_protect(struct crypto *c, enum crypto_protocol p, const char *msg,
			    size_t len, const char *const *encrypt_to, size_t *out_len,
			    char **err);
char *crypto_client_poc_encrypt(struct crypto *c, const char *home, enum crypto_protocol p,
				const char *fpr, const char *data, const char *msg, size_t len,
				size_t *out_len, int *refused, char **err);
int crypto_client_protect_file(struct crypto *c, enum crypto_protocol p, const char *in_path,
			       const char *out_path, const char *const *encrypt_to, char **err);
int crypto_client_key_addresses(struct crypto *c, enum crypto_protocol p, const char *const *fprs,
				GPtrArray **out);
int crypto_client_keys_holding(struct crypto *c, const char *addr, GPtrArray **fprs);
int crypto_client_key_expiries(struct crypto *c, GHashTable **out);
int crypto_client_key_expiry(struct crypto *c, enum crypto_protocol p, const char *fpr,
			     gint64 *expires);
int crypto_client_identity(struct crypto *c, char pgp[CRYPTO_FPR_LEN], char smime[CRYPTO_FPR_LEN]);
int crypto_client_canary(struct crypto *c, char **cause);
int crypto_client_poc_keys_read(struct crypto *c, const char *home, const char *bytes,
				size_t len, GPtrArray **keys, char **err);

/* The static problem word of crypto_poc_key equal to word, or NULL
 * (crypto-poc-read.c; the engine's reply carries it as text). */
const char *crypto_poc_problem(const char *word);

/* Ends the engine of c (it ends at the end of its input) and frees it. */
void crypto_client_close(struct crypto *c);

/* ENCRYPT commands one gpgsm server runs before the adapter starts a fresh
 * one (measured: gpgsm 2.2.40 fails the ninth with "Cannot allocate
 * memory (gcrypt)"). */
#define CMS_ENCRYPTS_PER_SERVER 6

/* Makes GPGME start a fresh gpgsm server at the next CMS operation. A
 * long-lived gpgsm 2.2 session is spoilt by a refused CMS object ("Invalid
 * value passed to IPC" after it) and runs out of secure memory after about
 * eight ENCRYPT commands ("Cannot allocate memory (gcrypt)"). */
void crypto_cms_reset(struct crypto *c);

/* gpgme_get_key on the adapter's context ctx (its gpgsm server reused, no
 * `--version` run), public keys from the cache (crypto-keycache.c).
 * GPG_ERR_EOF when there is none. */
gpgme_error_t crypto_get_key(struct crypto *c, gpgme_ctx_t ctx, const char *fpr,
			     gpgme_key_t *key, int secret);

/* Forgets the keys found (an import changed the keyring). */
void crypto_keycache_clear(struct crypto *c);

/* Writes data to dir/name, 0600, durably (crypto-backup.c; the rollover's
 * archive too). 0 or -1 with *err. */
int crypto_write_secret(const char *dir, const char *name, const void *data, gsize len,
			char **err);

/* A GPGME error as one line. g_free it. */
char *crypto_gpgme_error(const char *what, gpgme_error_t e);

/* A user ID's address, lower case (ASCII letters), without the angle
 * brackets gpgsm keeps around it; NULL when it has none fit to store
 * (revoked or invalid, unbounded, unprintable). g_free it
 * (crypto-addresses.c). */
char *crypto_uid_email(gpgme_user_id_t u);

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
GString *crypto_sign_data(struct crypto *c, gpgme_ctx_t ctx, gpgme_data_t in,
			  gpgme_hash_algo_t *hash, char **err);

/* The signature part of a multipart/signed (its fields, a blank line, the
 * signature), appended to e. */
void crypto_append_signature_part(GString *e, enum crypto_protocol p, const GString *sig);

/* Appends a multipart/signed header (micalg mic, boundary b, the protocol
 * of p) and the first boundary line to e. */
void crypto_append_signed_header(GString *e, enum crypto_protocol p, const char *mic,
				 const char *b);

/* in encrypted to the n keys of fprs into out: armoured for OpenPGP (the
 * robot pins fingerprints, so gpg's key validity is not asked), DER for
 * CMS. 0 or -1 with *err (its gpgme error in c->encrypt_error). */
int crypto_encrypt_data(struct crypto *c, gpgme_ctx_t ctx, gpgme_data_t in, gpgme_data_t out,
			const char *const *fprs, size_t n, char **err);

/* The head of the encrypted entity (RFC 3156 4, RFC 8551 3.3) appended
 * to e, up to where the ciphertext goes: armour with CRLF line ends then
 * "\r\n--b--\r\n" for OpenPGP (b its boundary), base64 for S/MIME (b
 * unused). */
void crypto_append_encrypted_head(GString *e, enum crypto_protocol p, const char *b);

/* A message as mail_compose (or crypto_protect) made it taken apart:
 * *keep the header block without the Content-* fields (MIME-Version added
 * when missing), *entity those fields, a blank line and the body, CRLF
 * line ends (g_string_free both). 0, or -1 with *err. */
int crypto_message_entity(const char *msg, size_t len, GString **keep, GString **entity,
			  char **err);

/* keep then entity, both taken (freed): the whole message, *out_len bytes.
 * g_free it. */
char *crypto_message_join(GString *keep, GString *entity, size_t *out_len);

/* entity encrypted to the n keys of fprs in protocol p, as the entity
 * that replaces a body: PGP/MIME multipart/encrypted or S/MIME
 * enveloped-data (RFC 3156 4, RFC 8551 3.3). NULL with *err. */
GString *crypto_encrypted_entity(struct crypto *c, enum crypto_protocol p,
				 const GString *entity, const char *const *fprs, size_t n,
				 char **err);

/* How many fingerprints fprs holds (NULL: none), each checked; (size_t)-1
 * with *err on one that is not a fingerprint, or too many. */
size_t crypto_count_recipients(const char *const *fprs, char **err);

/* What crypto-verify.c shares with crypto-verify-mime.c (the MIME
 * structure around a signature) and crypto-verify-gpgme.c (running GPGME
 * and judging its result). */

#include <gmime/gmime.h>

/* Bytes of a message, borrowed. */
struct crypto_span {
	const char *p;
	size_t len;
};

/* One verification under way. */
struct crypto_job {
	struct crypto *c;
	struct crypto_result *r;
	GByteArray *sig;		/* the signature bytes verified */
	GByteArray *content;		/* the signed entity, as verified */
	char primary[CRYPTO_FPR_LEN];	/* VALIDSIG's primary-key fingerprint */
	char sig_id[64];		/* gpg's SIG_ID of a good OpenPGP signature */
};

enum crypto_cms_kind { CRYPTO_CMS_OTHER, CRYPTO_CMS_SIGNED, CRYPTO_CMS_ENVELOPED };

/* crypto-verify-mime.c */

/* The body of an entity: what follows the first empty line. */
struct crypto_span crypto_entity_body(struct crypto_span e);

/* The first part of a multipart body, headers and body, without the line
 * end that belongs to the delimiter after it (RFC 2046 5.1.1). */
gboolean crypto_first_part(struct crypto_span body, const char *boundary,
			   struct crypto_span *part);

/* bytes with every line end made CRLF: the canonical form signed. */
GByteArray *crypto_canonical(const char *p, size_t len);

gboolean crypto_type_is(GMimeObject *o, const char *type, const char *subtype);
gboolean crypto_is_pkcs7_mime(GMimeObject *o);

/* A leaf part's content, transfer encoding removed, or NULL. */
GByteArray *crypto_part_bytes(GMimeObject *o);

/* The content type OID at the head of a DER ContentInfo (der may be NULL). */
enum crypto_cms_kind crypto_cms_kind(const GByteArray *der);

/* Finds the one clearsigned block in text. 1 found (*armour set, and
 * *outside when other text surrounds it), 0 none, -1 several or cut. */
int crypto_find_armour(const GByteArray *text, struct crypto_span *armour, gboolean *outside);

/* The entity the caller reads from inline PGP's signed text (in charset):
 * text/plain, UTF-8, CRLF. */
GByteArray *crypto_text_entity(const GByteArray *plain, const char *charset);

/* TRUE when o holds anything signed or encrypted (message/rfc822 not
 * entered); level is o's depth. */
gboolean crypto_holds_signature(GMimeObject *o, int level);

/* crypto-verify-gpgme.c */

/* Puts v (a reference the caller hands over) into a slot of the job. */
void crypto_job_keep(GByteArray **slot, GByteArray *v);

/* Fills j->r from the operation just run on ctx (its error e); form
 * names the kind of signature for the log. 0, or -1 with CRYPTO_ERROR. */
int crypto_job_conclude(struct crypto_job *j, gpgme_ctx_t ctx, gpgme_error_t e, const char *form);

/* Runs a verification: detached (sig over text) or with the signed text
 * inside sig, written to *plain. Takes sig into j->sig; the caller sets
 * j->content. As crypto_job_conclude. */
int crypto_job_verify(struct crypto_job *j, gpgme_ctx_t ctx, GByteArray *sig, GByteArray *text,
		      GByteArray **plain, const char *form);

/* Decrypts cipher on ctx into plain (OpenPGP: decrypts and verifies in
 * one pass; the signatures stay on ctx). 0, or -1 with j->r's outcome
 * and detail set. */
int crypto_job_decrypt(struct crypto_job *j, gpgme_ctx_t ctx, GByteArray *cipher,
		       GByteArray *plain);

/* How many signatures the last operation on ctx found. */
int crypto_job_signature_count(gpgme_ctx_t ctx);

/* What crypto-keys.c shares with crypto-keys-import.c, crypto-tool.c
 * (running gpgsm, gpgconf, openssl) and crypto-trust.c (trustlist.txt). */

/* The program GPGME runs for proto (gpgsm, gpgconf), else name. Borrowed. */
const char *crypto_engine_path(gpgme_protocol_t proto, const char *name);

/* Runs argv (searched in PATH) with input (may be NULL) on its standard
 * input and fd 3 reading /dev/null (gpgsm's empty passphrase). Its
 * standard output (g_bytes_unref it), or NULL with *err quoting the
 * tool's complaint. */
GBytes *crypto_run_tool(const char *const *argv, GBytes *input, char **err);

/* Marks the root certificate fpr trusted for S/MIME in the robot's
 * trustlist.txt (its subject as a comment), then has gpg-agent read it again;
 * nothing to do when it is there. A root the list marks untrusted ("!")
 * is refused. 0 or -1 with *err. */
int crypto_trust_root(struct crypto *c, const char *fpr, char **err);

/* The root that fpr's chain, as gpgsm holds it, ends in. An unknown
 * issuer is an error telling the custodian to give the issuing
 * certificates how ("with --chain FILE"). 0, or -1 with *err (the chain
 * is not there), or -2 with *err (gpgsm failed). */
int crypto_cms_root(struct crypto *c, const char *fpr, const char *how, char root[CRYPTO_FPR_LEN],
		    char **err);

/* Imports certificates (PEM or DER) into gpgsm; *fprs gets their
 * fingerprints, upper case, NULL-terminated (g_strfreev it). 0 or -1. */
/* 0 when bytes look like what is wanted: X.509 certificates (PEM or DER)
 * when cert, else an OpenPGP key; -1 with *err saying in words what the
 * file is instead (an OpenPGP key given for a certificate, and so on). */
int crypto_key_file_kind(const void *bytes, size_t len, const char *file, int cert, char **err);

int crypto_cms_import_certs(struct crypto *c, const void *bytes, size_t len, gchar ***fprs,
			    char **err);

/* What crypto-keys.c shares with crypto-rollover.c. */

/* The robot's key in ctx (crypto-keys.c's rule), or *out NULL when there
 * is none. A reference: gpgme_key_unref it. 0 or -1 with *err. */
int crypto_find_identity(gpgme_ctx_t ctx, gpgme_key_t *out, char **err);

/* 2 for a certificate issued by someone else, 1 for a self-signed one. */
int crypto_smime_rank(gpgme_key_t k);

/* 0 when address can go into a user ID as is, else -1 with *err. */
int crypto_address_ok(const char *address, char **err);

/* A new OpenPGP key for address (Ed25519 signing, Cv25519 encryption
 * subkey), valid lifetime seconds (0: no expiry). *out gets a reference.
 * 0 or -1 with *err. */
int crypto_pgp_make(gpgme_ctx_t ctx, const char *address, gint64 lifetime, gpgme_key_t *out,
		    char **err);

/* A new self-signed S/MIME certificate and key for address, valid
 * lifetime seconds, trusted as its own root. As crypto_pgp_make. */
int crypto_smime_make(struct crypto *c, const char *address, gint64 lifetime, gpgme_key_t *out,
		      char **err);

/* The public key or certificate fpr, armoured (PEM for a certificate:
 * gpgsm's description of it before the block is dropped). NULL with *err. */
GBytes *crypto_export_armoured(gpgme_ctx_t ctx, const char *fpr, char **err);

#endif

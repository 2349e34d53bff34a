/* crypto.h - the crypto adapter: the only code that calls GPGME or GMime's
 * crypto. No GPGME or GMime type crosses this header.
 *
 * One struct crypto per thread (it holds GPGME contexts, reused between
 * operations so that gpgsm stays up as a server). All keys live in the
 * robot's own GNUPGHOME, VAR/gnupg. Fingerprints are upper-case hex: the
 * primary key's for OpenPGP (a signing subkey is resolved to it), the
 * certificate's SHA-1 for S/MIME. */
#ifndef POCBOT_CRYPTO_H
#define POCBOT_CRYPTO_H

#include <glib.h>
#include <stddef.h>

#define CRYPTO_FPR_LEN 65	/* room for 64 hex digits and the NUL */

enum crypto_protocol { CRYPTO_NONE, CRYPTO_OPENPGP, CRYPTO_SMIME };

enum crypto_outcome {
	CRYPTO_UNSIGNED,	/* no signature where one counts: none, under message/rfc822,
				 * deeper in the tree, or one of several */
	CRYPTO_GOOD,		/* verifies by a valid key; the caller still compares the
				 * fingerprint with the enrolled one */
	CRYPTO_BAD,		/* the signature does not verify */
	CRYPTO_NO_KEY,		/* the signer's key or certificate is unknown to the robot */
	CRYPTO_KEY_EXPIRED,
	CRYPTO_KEY_REVOKED,
	CRYPTO_UNTRUSTED,	/* S/MIME: the chain does not reach a trusted root */
	CRYPTO_WEAK,		/* MD5 or SHA-1 digest */
	CRYPTO_MALFORMED,	/* a broken signed or encrypted structure, or not decryptable */
	CRYPTO_ERROR		/* the crypto engine failed: try the message again later */
};

struct crypto_result {
	enum crypto_outcome outcome;
	enum crypto_protocol protocol;
	char fingerprint[CRYPTO_FPR_LEN];	/* "" when unknown */
	gint64 created;			/* signature creation time, 0 when unknown */
	char replay_key[CRYPTO_FPR_LEN];	/* SHA-256 hex of signature and signed content */
	char *content;			/* the signed entity, MIME headers and body, or NULL */
	size_t content_len;
	gboolean encrypted;		/* it came encrypted to the robot */
	gboolean text_outside;		/* text outside the signed entity was ignored */
	char *detail;			/* one line for the log, bounded, or NULL */
};

struct crypto;

/* Opens the adapter on gnupghome, creating it (0700) with the robot's
 * gpg.conf, gpgsm.conf and gpg-agent.conf when missing. NULL with *err. */
struct crypto *crypto_open(const char *gnupghome, char **err);
void crypto_close(struct crypto *c);

/* The same adapter run in a crypto engine, a process of its own
 * (crypto-engine.c, crypto-client.c): GPGME forks it, not the caller, to
 * run gpg and gpgsm, and it restarts what dies. The daemon's worker uses
 * it; custodian commands use crypto_open. It does the calls below marked
 * [engine]; the others (key import and export, making the robot's keys)
 * need crypto_open. NULL with *err when the engine cannot be started. */
struct crypto *crypto_open_engine(const char *gnupghome, char **err);

/* The engine's process: answers requests on fd until it closes (main.c
 * runs it for `pocbot crypto-engine`). The exit code. */
int crypto_engine_main(int fd);

/* [engine] The self-check that involves no message (crypto-canary.c):
 * the robot signs a fixed text with both of its keys and verifies both
 * signatures. 0, or -1 with *cause (g_free it) naming what failed. */
int crypto_canary(struct crypto *c, char **cause);

/* The lock of a GnuPG home: shared for each call of the engine, exclusive
 * while a key import rewrites the home (the POC home's operations, which
 * import keys and write trustlist.txt). The lock's descriptor, or -1 with
 * *err. crypto_home_unlock takes -1 too. */
int crypto_home_lock(const char *home, int exclusive, char **err);
void crypto_home_unlock(int fd);

/* GPGME's version, for pocbot --version. */
const char *crypto_library_version(void);

/* [engine] Verification (crypto-verify.c). Looks for the one signature that counts
 * in msg (a whole message): top level multipart/signed (PGP/MIME, S/MIME
 * detached), application/pkcs7-mime signed-data (opaque), inline PGP
 * clearsigned text, the first part of a top-level multipart/mixed, or
 * inside one layer of encryption to the robot (PGP/MIME encrypted, S/MIME
 * enveloped-data), decrypted first. Fills r; returns 0, or -1 when
 * r->outcome is CRYPTO_ERROR. crypto_result_clear frees what r holds. */
int crypto_verify(struct crypto *c, const char *msg, size_t len, struct crypto_result *r);

/* [engine] Decryption (crypto-decrypt.c). When msg (a whole message) is
 * encrypted to the robot at its top level (PGP/MIME multipart/encrypted,
 * S/MIME application/pkcs7-mime enveloped-data), takes that one layer off,
 * whatever signature is inside (none judged): 1 with *entity, the MIME
 * entity decrypted, headers and body, *entity_len bytes, NUL-terminated,
 * bounded as crypto_verify's (the caller's alone: never log it; g_free
 * it). 0 when msg is not so encrypted or the robot cannot decrypt it; -1
 * when the engine failed. *detail (may be NULL; g_free it) is a line for
 * the log saying why not. */
int crypto_decrypt(struct crypto *c, const char *msg, size_t len, char **entity,
		   size_t *entity_len, char **detail);

/* The result itself (crypto-result.c, beside the enum it names, so that
 * the verification files call it and it calls none of them): frees what r
 * holds; the name of an outcome ("good", "no-key"...; "unknown" out of range). */
void crypto_result_clear(struct crypto_result *r);
const char *crypto_outcome_name(enum crypto_outcome o);

/* The robot's identity (crypto-keys.c). Creates the robot's OpenPGP key
 * (Ed25519/Cv25519) and a self-signed S/MIME certificate for address when
 * they do not exist yet, valid for lifetime seconds ([keys] lifetime; 0:
 * no expiry). 0 or -1 with *err. */
int crypto_identity_ensure(struct crypto *c, const char *address, gint64 lifetime, char **err);

/* [engine] The robot's fingerprints; "" where there is none. 0 or -1. */
int crypto_identity(struct crypto *c, char pgp[CRYPTO_FPR_LEN], char smime[CRYPTO_FPR_LEN]);

/* Writes dir/pocbot.asc (OpenPGP public key) and dir/pocbot.pem (the
 * certificate). 0 or -1 with *err. */
int crypto_identity_export(struct crypto *c, const char *dir, char **err);

/* Replaces the robot's S/MIME identity by a CA-issued certificate and its
 * key (PEM files) (crypto-keys-import.c). 0; -1 with *err when GnuPG
 * failed; -2 with *err when the files are at fault. */
int crypto_identity_import_smime(struct crypto *c, const char *cert, const char *key, char **err);

/* [engine] Outbound (crypto-sign.c). Takes a whole message as mail_compose made it
 * and returns it with the same header block and its body signed by the
 * robot with protocol p (multipart/signed) and, when encrypt_to lists
 * fingerprints (NULL-terminated), encrypted to them as well. NULL with
 * *err. g_free the result. */
char *crypto_protect(struct crypto *c, enum crypto_protocol p, const char *msg, size_t len,
		     const char *const *encrypt_to, size_t *out_len, char **err);

/* [engine] crypto_protect from the file in_path (as mail_compose_to_fd wrote it) to
 * the file out_path (created, fsynced), in bounded memory whatever the
 * size (crypto-sign-file.c). 0, or -1 with *err and no out_path. */
int crypto_protect_file(struct crypto *c, enum crypto_protocol p, const char *in_path,
			const char *out_path, const char *const *encrypt_to, char **err);

/* Enrolment (crypto-import.c). Imports an OpenPGP public key file and
 * gives its primary fingerprint and first e-mail address (g_free it). 0 or
 * -1 with *err (a key with no e-mail address in its user IDs is refused:
 * the robot answers a signer at an address of its key). */
int crypto_import_pgp(struct crypto *c, const char *file, char fpr[CRYPTO_FPR_LEN], char **email,
		      char **err);

/* Imports an S/MIME signer's certificate (PEM or DER) with its chain
 * (chain may be NULL when the certificate is self-signed or its issuers
 * are already known), marks the chain's root trusted, and checks that the
 * robot can encrypt to the signer: to cert itself, or to encrypt_cert
 * (may be NULL). Gives the certificate's fingerprint, in enc_fpr the
 * fingerprint to encrypt to, and its first e-mail address. 0 or -1 with
 * *err saying why (a sign-only certificate without encrypt_cert, or one
 * with no e-mail address, is refused). */
int crypto_import_smime(struct crypto *c, const char *cert, const char *chain,
			const char *encrypt_cert, char fpr[CRYPTO_FPR_LEN],
			char enc_fpr[CRYPTO_FPR_LEN], char **email, char **err);

/* [engine] Addresses (crypto-addresses.c). The e-mail addresses of the keys fprs
 * (NULL-terminated; primary fingerprints for OpenPGP, certificates for
 * S/MIME, as p says): OpenPGP user IDs, the subjectAltNames and subject
 * emailAddress of a certificate, in the order the keys list them, each
 * once, ASCII letters in lower case, domains as the key writes them. A
 * key the robot does not hold adds none. 0 with *out (g_ptr_array_unref
 * it), or -1 when the engine failed. */
int crypto_key_addresses(struct crypto *c, enum crypto_protocol p, const char *const *fprs,
			 GPtrArray **out);

/* [engine] The fingerprints (upper-case hex) of the OpenPGP keys and S/MIME
 * certificates whose user IDs may hold addr: candidates found by a
 * substring search with the domain both as A-labels and in Unicode; the
 * caller compares crypto_key_addresses with addr. 0 with *fprs
 * (g_ptr_array_unref it), or -1 when the engine failed. */
int crypto_keys_holding(struct crypto *c, const char *addr, GPtrArray **fprs);

/* [engine] Expiry (crypto-expiry.c). When each key and certificate the robot holds
 * expires: upper-case fingerprint (primary key, certificate) to a gint64
 * (0: never), for both protocols; an OpenPGP key whose every encryption
 * subkey expires before its primary key expires with the last of them. 0
 * with *out (g_hash_table_unref it), or -1 when an engine failed. */
int crypto_key_expiries(struct crypto *c, GHashTable **out);

/* [engine] The same rule for the one key or certificate fpr (protocol p): 1 with
 * *expires (seconds since the epoch), 0 when it never expires or the robot
 * does not hold it, -1 when the engine failed. */
int crypto_key_expiry(struct crypto *c, enum crypto_protocol p, const char *fpr,
		      gint64 *expires);

/* The robot's keys renewed (crypto-rollover.c), in process only. */
struct crypto_rollover {
	char old_pgp[CRYPTO_FPR_LEN], new_pgp[CRYPTO_FPR_LEN];
	char old_smime[CRYPTO_FPR_LEN], new_smime[CRYPTO_FPR_LEN];	/* the same when the
					 * S/MIME identity is CA-issued: not renewed */
};

/* A new OpenPGP key for address, certified by the current one, and, when
 * the current certificate is self-signed, a new self-signed certificate,
 * both valid for lifetime seconds; from then on they are the robot's (the
 * old secret keys stay and still decrypt). Under the home's exclusive
 * lock. 0 or -1 with *err. */
int crypto_rollover(struct crypto *c, const char *address, gint64 lifetime,
		    struct crypto_rollover *r, char **err);

/* Pins the keys c signs with (the old ones, for the rollover's
 * announcement); NULL or "" leaves a protocol's choice to the rule. */
void crypto_sign_as(struct crypto *c, const char *pgp, const char *smime);

/* Moves the secret keys of the OpenPGP key pgp and of the certificate
 * smime (either may be "") out of the home into dir (0700): the OpenPGP
 * secret key armoured, the S/MIME key as PKCS#12 with an empty password,
 * files 0600 written durably, then the key files removed from the home;
 * the public key and certificate stay. A key already gone is no error.
 * Under the home's exclusive lock. 0 or -1 with *err. */
int crypto_keys_archive(struct crypto *c, const char *pgp, const char *smime, const char *dir,
			char **err);

/* [engine] When the robot's own keys expire: *pgp and *smime (0: never;
 * -1: no key). 0 or -1. */
int crypto_identity_expiry(struct crypto *c, gint64 *pgp, gint64 *smime);

/* Backups (crypto-backup.c): the robot's GnuPG home exported and imported
 * through GnuPG, the manifest signed and checked, the archive encrypted to
 * the backup keys and decrypted with the restoring person's gpg. */

/* Writes the robot's keys into dir (0700, the caller's): every OpenPGP
 * public key, the robot's OpenPGP secret keys, every certificate (PEM), each
 * S/MIME secret key as PKCS#12 with an empty password, trustlist.txt;
 * appends the names written to names (g_free'd strings). 0 or -1 with *err. */
int crypto_backup_export(struct crypto *c, const char *dir, GPtrArray *names, char **err);

/* Imports what crypto_backup_export wrote in dir into the robot's (new)
 * home. 0 or -1 with *err. */
int crypto_backup_import(struct crypto *c, const char *dir, char **err);

/* Imports a backup key (an OpenPGP public key file holding one key, no
 * secret) into the robot's home and gives its fingerprint, checked as
 * crypto_backup_recipients_check. 0 or -1 with *err. */
int crypto_backup_key_import(struct crypto *c, const char *file, char fpr[CRYPTO_FPR_LEN],
			     char **err);

/* 0 when fpr is a public key the robot holds, that can encrypt, and whose
 * secret key is not in the robot's home; -1 with *err saying which. */
int crypto_backup_recipients_check(struct crypto *c, const char *fpr, char **err);

/* Writes sig_path, the robot's detached armoured OpenPGP signature of the
 * file path, durably. 0 or -1 with *err. */
int crypto_backup_sign(struct crypto *c, const char *path, const char *sig_path, char **err);

/* Checks sig_path, one signature over path, with the keys of c: 0 with the
 * signer's primary fingerprint, or -1 with *err. */
int crypto_backup_verify(struct crypto *c, const char *path, const char *sig_path,
			 char fpr[CRYPTO_FPR_LEN], char **err);

/* Encrypts what fd in holds (from its offset) to the OpenPGP keys fprs
 * (NULL-terminated; each checked as crypto_backup_recipients_check),
 * written to fd out (binary OpenPGP). 0 or -1 with *err. */
int crypto_backup_encrypt(struct crypto *c, const char *const *fprs, int in, int out,
			  char **err);

/* Decrypts fd in to fd out with the caller's own gpg ($GNUPGHOME, else
 * ~/.gnupg), where the backup key is. 0 or -1 with *err. */
int crypto_backup_decrypt(int in, int out, char **err);

/* Signer keys (issue 17 item 4; crypto-peek.c). The primary fingerprints
 * (upper-case hex) of the OpenPGP keys file holds, listed without
 * importing them. 0 with *fprs (g_ptr_array_unref it), or -1 with *err. */
int crypto_peek_pgp(struct crypto *c, const char *file, GPtrArray **fprs, char **err);

/* POC keys (issue 20): the keys States put on record for their POCs'
 * addresses live in a GnuPG home of their own, home (VAR/poc-keys), never
 * the robot's: OpenPGP keys imported minimal, S/MIME certificates with
 * their chains, a chain's root trusted in that home's trustlist.txt only
 * (for encrypting to that POC; nothing there ever verifies a signer). */

/* One key or end-entity certificate read from what a State sent. */
struct crypto_poc_key {
	enum crypto_protocol protocol;
	char fingerprint[CRYPTO_FPR_LEN];	/* primary key; certificate (SHA-1) */
	GPtrArray *addresses;	/* char *: the user IDs' e-mail addresses, or the
				 * certificate's subjectAltName and emailAddress ones,
				 * ASCII letters in lower case */
	gint64 expires;		/* 0: never */
	char *data;		/* the armoured (minimal) public key, or the PEM
				 * certificate then its chain up to the root */
	const char *problem;	/* NULL: usable; else why not, a static word: "expired",
				 * "revoked", "no-encryption", "weak" (RSA under 2048
				 * bits), "no-chain" (not self-signed, issuers missing) */
	char *detail;		/* what was wrong, for the answer (bits, expiry), or NULL */
};

void crypto_poc_key_free(gpointer k);

/* [engine] Reads every OpenPGP key and S/MIME end-entity certificate in
 * bytes (armoured or binary key blocks; PEM or DER certificates, a chain
 * given beside its certificate: "no-chain" unless it is found among the
 * certificates of bytes, or self-signed) into *keys (g_ptr_array_unref
 * it), each with its problem, read in a scratch home; only the usable
 * ones are then imported into home (crypto-poc-read.c). 0; -1 with *err
 * when bytes hold no key at all or a secret one (the sender's fault);
 * -2 with *err when the engine failed (a tool, a file, home not writable:
 * the form is to be tried again, never refused for it). */
int crypto_poc_keys_read(struct crypto *c, const char *home, const char *bytes, size_t len,
			 GPtrArray **keys, char **err);

/* [engine] Encrypts msg, a whole message crypto_protect already signed in
 * protocol p, to the POC key fpr, whose material data (from the store) is
 * imported into home first when home does not hold it, and its root
 * trusted there, under home's lock taken exclusively (crypto-poc-encrypt.c):
 * the same header block, its body the signed entity inside PGP/MIME
 * multipart/encrypted or S/MIME enveloped-data. A msg that is not
 * multipart/signed is refused. In the engine it runs on home (operation
 * "poc-encrypt"), not healed by the canary (home holds no robot keys): a
 * failure gets a fresh gpgsm server and one more try. NULL with *err and
 * *refused: 1 when home refuses the key (unusable or expired, revoked, its
 * material does not hold fpr, a chain not trusted or incomplete: the caller
 * may send in clear), 0 when the robot failed (gpg, gpgsm, gpg-agent, the
 * engine, the home's files: the caller must not send, and retries). g_free
 * the result. */
char *crypto_poc_encrypt(struct crypto *c, const char *home, enum crypto_protocol p,
			 const char *fpr, const char *data, const char *msg, size_t len,
			 size_t *out_len, int *refused, char **err);

#endif

/* crypto-verify-gpgme.c - runs one verification or decryption for
 * crypto_verify on the adapter's reused GPGME contexts and turns GnuPG's
 * own result (status, summary, validity, digest, the primary key from
 * VALIDSIG) into a crypto_outcome, the signer's fingerprint and a line
 * for the log.
 * Input: signatures and ciphertext from anyone; decrypted output is
 * bounded (MAX_PLAINTEXT_BYTES). Failure: the message's fault is an
 * outcome (BAD, MALFORMED...); only an engine failure, CRYPTO_ERROR, is
 * returned as -1 (try again later). */
#include <errno.h>
#include <string.h>
#include "crypto-internal.h"
#include "limits.h"

#define MAX_PLAINTEXT_BYTES	(4 * DEFAULT_MESSAGE_BYTES)	/* what one decryption may yield */

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

/* Puts v (a reference the caller hands over) into a slot of the job. */
void crypto_job_keep(GByteArray **slot, GByteArray *v)
{
	if (*slot)
		g_byte_array_unref(*slot);
	*slot = v;
}

/* Keeps two facts of gpg's status lines that GPGME's result lacks: the
 * primary-key fingerprint at the end of VALIDSIG (what gpgme_get_key
 * would give, without a second gpg process) and SIG_ID, gpg's identifier
 * of a good signature, made for replay detection. */
static gpgme_error_t status_seen(void *opaque, const char *keyword, const char *args)
{
	struct crypto_job *j = opaque;
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

static void watch_status(struct crypto_job *j, gpgme_ctx_t ctx, gboolean on)
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
	return h == GPGME_MD_MD5 || h == GPGME_MD_SHA1 || h == GPGME_MD_RMD160 ||
	       h == GPGME_MD_MD2 || h == GPGME_MD_MD4;
}

/* What GnuPG's trust check said, beyond the signature itself. */
static enum crypto_outcome judge_validity(const struct sig_facts *f, gpgme_protocol_t proto)
{
	gpg_err_code_t why = gpg_err_code(f->validity_reason);

	if ((f->summary & GPGME_SIGSUM_KEY_REVOKED) || why == GPG_ERR_CERT_REVOKED)
		return CRYPTO_KEY_REVOKED;
	if ((f->summary & (GPGME_SIGSUM_KEY_EXPIRED | GPGME_SIGSUM_SIG_EXPIRED)) ||
	    why == GPG_ERR_CERT_EXPIRED)
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
	if (st == GPG_ERR_NOT_TRUSTED || st == GPG_ERR_BAD_CERT_CHAIN ||
	    st == GPG_ERR_MISSING_CERT)
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
static void signer_fpr(struct crypto_job *j, gpgme_protocol_t proto, const struct sig_facts *f)
{
	gpgme_key_t key = NULL;

	copy_fpr(j->r->fingerprint, f->fpr);
	if (proto != GPGME_PROTOCOL_OpenPGP || !f->fpr[0])
		return;
	if (j->primary[0]) {
		copy_fpr(j->r->fingerprint, j->primary);
		return;
	}
	if (crypto_get_key(j->c, j->c->pgp, f->fpr, &key, 0) == 0 && key && key->fpr)
		copy_fpr(j->r->fingerprint, key->fpr);
	gpgme_key_unref(key);
}

static void set_detail(struct crypto_result *r, const char *form, gpgme_error_t e)
{
	g_free(r->detail);
	if (e)
		r->detail =
			g_strdup_printf("%s: %s: %s (%s)", form, crypto_outcome_name(r->outcome),
					gpgme_strerror(e), gpgme_strsource(e));
	else
		r->detail = g_strdup_printf("%s: %s", form, crypto_outcome_name(r->outcome));
}

/* After gpgsm failed an operation the session is unusable: restart it. */
static void engine_reset(struct crypto_job *j, gpgme_ctx_t ctx, gpgme_error_t e)
{
	if (e && ctx == j->c->cms)
		crypto_cms_reset(j->c);
}

/* Fills r from the operation just run on ctx (its error e). */
int crypto_job_conclude(struct crypto_job *j, gpgme_ctx_t ctx, gpgme_error_t e, const char *form)
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
int crypto_job_verify(struct crypto_job *j, gpgme_ctx_t ctx, GByteArray *sig, GByteArray *text,
		      GByteArray **plain, const char *form)
{
	gpgme_data_t dsig = NULL, dtext = NULL, dplain = NULL;
	gpgme_error_t e;
	int rc;

	crypto_job_keep(&j->sig, sig);
	e = gpgme_data_new_from_mem(&dsig, (const char *)sig->data, sig->len, 0);
	if (!e && text)
		e = gpgme_data_new_from_mem(&dtext, (const char *)text->data, text->len, 0);
	if (!e && plain) {
		crypto_job_keep(plain, g_byte_array_new());
		e = gpgme_data_new_from_cbs(&dplain, &sink_cbs, *plain);
	}
	if (!e) {
		watch_status(j, ctx, TRUE);
		e = gpgme_op_verify(ctx, dsig, dtext, dplain);
		watch_status(j, ctx, FALSE);
	}
	rc = crypto_job_conclude(j, ctx, e, form);
	gpgme_data_release(dsig);
	gpgme_data_release(dtext);
	gpgme_data_release(dplain);
	return rc;
}

/* Decrypts cipher on ctx (OpenPGP: decrypt and verify in one pass). */
int crypto_job_decrypt(struct crypto_job *j, gpgme_ctx_t ctx, GByteArray *cipher,
		       GByteArray *plain)
{
	gpgme_data_t dcipher = NULL, dplain = NULL;
	gpgme_error_t e =
		gpgme_data_new_from_mem(&dcipher, (const char *)cipher->data, cipher->len, 0);

	if (!e)
		e = gpgme_data_new_from_cbs(&dplain, &sink_cbs, plain);
	if (!e) {
		watch_status(j, ctx, TRUE);
		e = ctx == j->c->cms
			    ? gpgme_op_decrypt(ctx, dcipher, dplain)
			    : gpgme_op_decrypt_ext(ctx, GPGME_DECRYPT_VERIFY, dcipher, dplain);
		watch_status(j, ctx, FALSE);
	}
	if (e) {
		engine_reset(j, ctx, e);
		j->r->outcome = engine_outcome(e);
		set_detail(j->r, "decrypt", e);
	}
	gpgme_data_release(dcipher);
	gpgme_data_release(dplain);
	return e ? -1 : 0;
}

/* The number of signatures the last operation on ctx found. */
int crypto_job_signature_count(gpgme_ctx_t ctx)
{
	struct sig_facts f;

	read_facts(ctx, &f);
	return f.count;
}

/* authenticate.c - the one signature that counts: verified by the crypto
 * adapter, its signer enrolled and not revoked, its date inside the window
 * ([trust] max_age back, max_future ahead), not made after the backup a
 * restore came from (while that matters), never seen before. Input: a
 * person's mail (bounces and auto-replies are not verified). Sets
 * ctx->auth; a signed message that fails any check keeps the reason for
 * the refusal, and who may be told of it (DESIGN.md 3a, F8): the enrolled
 * signer whose signature it is (accepted, stale or replayed); for a
 * signature that does not verify, only the enrolled signer whose key holds
 * From; for a valid signature by a key not enrolled, the sender only when
 * that key holds From; else nobody. Only a crypto engine or database
 * failure is an error (retry later). */
#include <string.h>
#include "filter.h"
#include "../robot/backups.h"
#include "../robot/crypto.h"
#include "../robot/notices.h"
#include "../robot/signers.h"

/* The reasons.txt key for what the crypto adapter said, or NULL for good. */
static const char *refusal_of(enum crypto_outcome o)
{
	switch (o) {
	case CRYPTO_GOOD:
	case CRYPTO_UNSIGNED:
	case CRYPTO_ERROR:
		return NULL;
	case CRYPTO_BAD:
		return "bad-signature";
	case CRYPTO_NO_KEY:
		return "no-key";
	case CRYPTO_KEY_EXPIRED:
		return "expired";
	case CRYPTO_KEY_REVOKED:
		return "revoked";
	case CRYPTO_UNTRUSTED:
		return "untrusted";
	case CRYPTO_WEAK:
		return "weak";
	case CRYPTO_MALFORMED:
		break;
	}
	return "malformed";
}

/* Looks the signer up by the fingerprint that signed (only the enrolled
 * signing key authenticates; an S/MIME encryption certificate is there to
 * encrypt to): NULL when enrolled and usable (state and role set, and it
 * is the signer told), else the refusal; "" on a database error. */
static const char *enrolment(struct filter_ctx *ctx)
{
	struct signer s;
	const char *refusal = NULL;
	int rc = signers_find(ctx->db, ctx->auth.fingerprint, &s);

	if (rc < 0)
		return "";
	if (rc == 0)
		return "not-enrolled";
	if (s.revoked)
		refusal = "revoked";
	else {
		g_strlcpy(ctx->auth.state, s.state, sizeof ctx->auth.state);
		g_strlcpy(ctx->auth.role, signers_role_name(s.role), sizeof ctx->auth.role);
		g_strlcpy(ctx->auth.signer, s.fingerprint, sizeof ctx->auth.signer);
		ctx->auth.answer = AUTH_TO_SIGNER;
	}
	signers_clear(&s);
	return refusal;
}

/* After a restore (db/0011), the robot has forgotten the signatures it
 * accepted after the backup time T: until T + max_age (when such a
 * signature is too old anyway) one created after T is refused, so that a
 * form captured in transit cannot be played again. 1 refused, 0 not, -1
 * on a database error. */
static int restored_refusal(struct filter_ctx *ctx)
{
	gint64 t = 0;
	int rc = backups_restore_time(ctx->db, &t);

	if (rc <= 0)
		return rc;
	return ctx->auth.created > t && ctx->now < t + ctx->cfg->trust_max_age;
}

/* The checks after a good signature: enrolment, the window, a restore,
 * replay. */
static enum verdict accept_or_refuse(struct filter_ctx *ctx)
{
	struct auth *a = &ctx->auth;
	const char *refusal = enrolment(ctx);
	int seen;

	if (refusal && !*refusal)
		return VERDICT_ERROR;
	if (!refusal && a->created < ctx->now - ctx->cfg->trust_max_age)
		refusal = "too-old";
	if (!refusal && a->created > ctx->now + ctx->cfg->trust_max_future)
		refusal = "in-future";
	if (!refusal && (seen = restored_refusal(ctx)) != 0) {
		if (seen < 0)
			return VERDICT_ERROR;
		refusal = "restored";
	}
	if (!refusal && (seen = signers_seen(ctx->db, a->replay_key)) != 0) {
		if (seen < 0)
			return VERDICT_ERROR;
		refusal = "replayed";
	}
	a->refusal = refusal;
	a->accepted = refusal == NULL;
	return VERDICT_CONTINUE;
}

/* A valid signature by a key that is not an enrolled signer's: its
 * refusal goes to the sender only when the key holds From (F8 b). 0 or -1. */
static int answer_stranger(struct filter_ctx *ctx, const char *from)
{
	const char *const fprs[] = { ctx->auth.fingerprint, NULL };
	GPtrArray *addresses;

	if (crypto_key_addresses(ctx->crypto, ctx->auth.protocol, fprs, &addresses) < 0)
		return -1;
	ctx->auth.answer =
		notices_address_among(addresses, from) ? AUTH_TO_SENDER : AUTH_TO_NOBODY;
	g_ptr_array_unref(addresses);
	return 0;
}

/* A signature that does not verify: told only to the enrolled signer
 * whose key holds From, if there is one (F8 a). 0 or -1. */
static int answer_unverified(struct filter_ctx *ctx, const char *from)
{
	struct signer s;
	int found = notices_signer_of_address(ctx->db, ctx->crypto, from, &s);

	if (found < 0)
		return -1;
	ctx->auth.answer = found ? AUTH_TO_SIGNER : AUTH_TO_NOBODY;
	if (found)
		g_strlcpy(ctx->auth.signer, s.fingerprint, sizeof ctx->auth.signer);
	signers_clear(&s);
	return 0;
}

/* Who may be told about a signed message (DESIGN.md 3a): an enrolled
 * signer's signature (accepted, stale or replayed) was settled by
 * enrolment(). 0 or -1 when the crypto engine or the database failed. */
static int settle_answer(struct filter_ctx *ctx)
{
	char *from;
	int rc;

	if (ctx->auth.answer == AUTH_TO_SIGNER)
		return 0;
	from = mail_from_address(ctx->mail);
	rc = ctx->auth.verified ? answer_stranger(ctx, from) : answer_unverified(ctx, from);
	g_free(from);
	return rc;
}

enum verdict authenticate_filter(struct filter_ctx *ctx)
{
	struct crypto_result r;
	struct auth *a = &ctx->auth;
	enum verdict v = VERDICT_CONTINUE;

	if (ctx->kind != KIND_COMMAND || ctx->no_reply)
		return VERDICT_CONTINUE;
	if (crypto_verify(ctx->crypto, ctx->raw, ctx->raw_len, &r) < 0) {
		ctx->reason = "the crypto engine failed";
		crypto_result_clear(&r);
		return VERDICT_ERROR;
	}
	if (r.outcome != CRYPTO_UNSIGNED) {
		a->is_signed = TRUE;
		a->protocol = r.protocol;
		a->created = r.created;
		a->text_outside = r.text_outside;
		a->encrypted = r.encrypted;
		g_strlcpy(a->fingerprint, r.fingerprint, sizeof a->fingerprint);
		g_strlcpy(a->replay_key, r.replay_key, sizeof a->replay_key);
		if (r.content)
			a->content = mail_parse(r.content, r.content_len);
		a->refusal = refusal_of(r.outcome);
		a->verified = r.outcome == CRYPTO_GOOD;
		if (a->verified)
			v = accept_or_refuse(ctx);
		if (v == VERDICT_CONTINUE && settle_answer(ctx) < 0) {
			ctx->reason = "the crypto engine or the database failed";
			v = VERDICT_ERROR;
		}
		if (v == VERDICT_CONTINUE)
			ctx->reason = a->accepted ? "signed" : a->refusal;
	}
	crypto_result_clear(&r);
	return v;
}

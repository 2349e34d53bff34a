/* authenticate.c - the one signature that counts: verified by the crypto
 * adapter, its signer enrolled and not revoked, its date inside the window
 * ([trust] max_age back, max_future ahead), never seen before. Input: a
 * person's mail (bounces and auto-replies are not verified). Sets
 * ctx->auth; a signed message that fails any check keeps the reason for
 * the refusal. Only a crypto engine failure is an error (retry later). */
#include <string.h>
#include "filter.h"
#include "../robot/crypto.h"
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
 * encrypt to): NULL when enrolled and usable (state and role set), else
 * the refusal; "" on a database error. */
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
	}
	signers_clear(&s);
	return refusal;
}

/* The checks after a good signature: enrolment, the window, replay. */
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
	if (!refusal && (seen = signers_seen(ctx->db, a->replay_key)) != 0) {
		if (seen < 0)
			return VERDICT_ERROR;
		refusal = "replayed";
	}
	a->refusal = refusal;
	a->accepted = refusal == NULL;
	return VERDICT_CONTINUE;
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
		if (r.outcome == CRYPTO_GOOD)
			v = accept_or_refuse(ctx);
		ctx->reason = a->accepted ? "signed" : a->refusal;
	}
	crypto_result_clear(&r);
	return v;
}

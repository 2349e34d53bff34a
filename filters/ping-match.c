/* ping-match.c - finds the ping a message answers or reports on, and what it
 * says: delivered, delayed or bounced (a DSN or a bounce), an automatic
 * reply, a read receipt, or a person's answer. Input: envelope, headers
 * and text of any message; tokens and Message-IDs in them are untrusted
 * and only ever looked up (bound) in pings and outbox. Leaves ctx->ping,
 * or NULL when the message names no ping of ours.
 *
 * Matching, first hit wins: the token in an envelope recipient (ping+TOKEN@
 * or bounces+TOKEN@ of our domain); for a bounce, its Original-Envelope-Id
 * (the ping token when DSN was asked) and the Message-ID of the returned
 * message; In-Reply-To, then References naming one of our Message-IDs
 * (pocbot.X@DOMAIN: outbox row X, whose VERP sender bounces+TOKEN@ names
 * the ping, so a reply to a reminder counts too); the token in the subject,
 * then in the text.
 *
 * Mail to a bounces+ address, from a null sender, or of type
 * multipart/report is never an answer, whatever it contains: a bounce
 * quotes the ping, token and all.
 *
 * A person's answer whose text quotes the proof code of its ping (sent
 * only inside a ping encrypted to the address's key) names that key, for
 * ping-record.c to record it proven; the code is compared, never logged.
 * An answer encrypted to the robot (PGP/MIME, S/MIME enveloped-data) whose
 * clear text lacks the code is decrypted (crypto_decrypt) and its text
 * searched the same way; the decrypted text is never logged nor kept, and
 * one the robot cannot decrypt is only no proof.
 *
 * A matched message is never answered and stops the pipeline. Except: a
 * person's answer that is signed or encrypted (multipart/signed, S/MIME,
 * inline PGP) goes on through the command stages, since a State's signer
 * may answer a ping with a form; dispatch then answers it only when an
 * accepted signer asked for something (dispatch.c). Returns
 * VERDICT_ERROR only when the database cannot be read or the crypto engine
 * failed (the message is tried again). */
#include <string.h>
#include <sqlite3.h>
#include "filter.h"
#include "ping-match.h"
#include "bounce.h"
#include "../robot/outbox.h"
#include "../robot/crypto.h"
#include "../robot/limits.h"
#include "../robot/log.h"
#include "../robot/own-address.h"

#define PING_SCAN_BYTES (64 * 1024)	/* text searched for a token: a quoted ping sits low */
#define PING_MAX_CANDIDATES 32		/* token-shaped words looked up in one message */

struct lookup {
	const struct filter_ctx *ctx;
	int failed;		/* a database error */
	gint64 ping;
	char token[PINGS_TOKEN_CHARS + 1];
	char *address;		/* the address pinged; g_free it */
};

/* s (len bytes, any case) lower-cased into out: 1 when it is a token
 * (pings_token_valid), 0 when not. */
static int token_lower(const char *s, size_t len, char out[PINGS_TOKEN_CHARS + 1])
{
	if (len != PINGS_TOKEN_CHARS)
		return 0;
	for (size_t i = 0; i < len; i++)
		out[i] = g_ascii_tolower(s[i]);
	out[len] = '\0';
	return pings_token_valid(out);
}

void ping_match_free(struct ping_match *p)
{
	if (!p)
		return;
	g_free(p->status);
	g_free(p->diagnostic);
	g_free(p->from);
	g_free(p->key);
	g_free(p);
}

/* 1 when token (any case, len bytes) names a ping: fills lk. */
static int by_token(struct lookup *lk, const char *token, size_t len)
{
	char lower[PINGS_TOKEN_CHARS + 1];
	struct ping p;
	int rc;

	if (!token_lower(token, len, lower))
		return 0;
	rc = pings_find(lk->ctx->db, lower, &p);
	if (rc < 0)
		lk->failed = 1;
	if (rc == 1) {
		lk->ping = p.id;
		memcpy(lk->token, lower, sizeof lower);
		lk->address = g_strdup(p.address);
	}
	pings_clear(&p);
	return rc == 1;
}

static int to_prefix(const struct filter_ctx *ctx, const char *prefix)
{
	size_t len;

	for (guint i = 0; i < ctx->env->recipients->len; i++)
		if (own_address_token(ctx->cfg, ctx->env->recipients->pdata[i], prefix, &len))
			return 1;
	return 0;
}

static int by_recipient(struct lookup *lk)
{
	const struct filter_ctx *ctx = lk->ctx;
	static const char *const prefixes[] = { OWN_PING, OWN_BOUNCES };
	size_t len;

	for (guint i = 0; i < ctx->env->recipients->len; i++)
		for (size_t p = 0; p < G_N_ELEMENTS(prefixes); p++) {
			const char *rcpt = ctx->env->recipients->pdata[i];
			const char *t = own_address_token(ctx->cfg, rcpt, prefixes[p], &len);
			if (t && by_token(lk, t, len))
				return 1;
		}
	return 0;
}

/* 1 when id (no brackets) is one of our Message-IDs, pocbot.X@DOMAIN, and
 * names a ping: X's outbox row was sent from bounces+TOKEN@ (a ping or its
 * reminder); or X is a ping's token itself (outbox row gone). */
static int by_message_id(struct lookup *lk, const char *id, size_t len)
{
	const struct config *cfg = lk->ctx->cfg;
	const char *at = g_strstr_len(id, (gssize)len, "@");
	size_t dlen = strlen(cfg->domain), tlen;
	char *token, *env_from = NULL;
	int found = 0;

	if (len < 7 || g_ascii_strncasecmp(id, "pocbot.", 7) != 0 || !at ||
	    (size_t)(id + len - at - 1) != dlen ||
	    g_ascii_strncasecmp(at + 1, cfg->domain, dlen) != 0 || at - id - 7 > 64)
		return 0;
	token = g_strndup(id + 7, (gsize)(at - id - 7));
	if (outbox_env_from(lk->ctx->db, token, &env_from) < 0) {
		lk->failed = 1;
		g_free(token);
		return 0;
	}
	if (env_from) {
		const char *t = own_address_token(cfg, env_from, OWN_BOUNCES, &tlen);
		found = t && by_token(lk, t, tlen);
	}
	if (!found)
		found = by_token(lk, token, strlen(token));
	g_free(env_from);
	g_free(token);
	return found;
}

/* Each <id> of a header value in turn; 1 at the first naming a ping. */
static int by_id_list(struct lookup *lk, const char *value)
{
	int tries = 0;

	for (const char *p = value; p && (p = strchr(p, '<')) && tries < PING_MAX_CANDIDATES;
	     tries++) {
		const char *end = strchr(p, '>');
		if (!end)
			break;
		if (by_message_id(lk, p + 1, (size_t)(end - p - 1)))
			return 1;
		p = end;
	}
	return 0;
}

/* The first token-shaped word of text that names a ping. */
static int by_text(struct lookup *lk, const char *text)
{
	int tries = 0;

	for (const char *p = text; *p && tries < PING_MAX_CANDIDATES && !lk->failed;) {
		char word[PINGS_TOKEN_CHARS + 1];
		const char *start;

		if (!g_ascii_isalnum(*p)) {
			p++;
			continue;
		}
		start = p;
		while (g_ascii_isalnum(*p))
			p++;
		if (token_lower(start, (size_t)(p - start), word)) {
			tries++;
			if (by_token(lk, start, (size_t)(p - start)))
				return 1;
		}
	}
	return 0;
}

/* Runs the routes in order; the route's name, or NULL. */
static const char *find(struct lookup *lk, const struct bounce_report *r)
{
	const struct mail *m = lk->ctx->mail;
	const char *subject = mail_header(m, "Subject");
	char *refs, *text;
	int hit;

	if (by_recipient(lk))
		return "recipient";
	if (r && r->envid && by_token(lk, r->envid, strlen(r->envid)))
		return "envid";
	if (r && r->original_message_id &&
	    by_message_id(lk, r->original_message_id, strlen(r->original_message_id)))
		return "message-id";
	if (by_id_list(lk, mail_header(m, "In-Reply-To")))
		return "in-reply-to";
	refs = mail_references(m);
	hit = by_id_list(lk, refs);
	g_free(refs);
	if (hit)
		return "references";
	if (subject && by_text(lk, subject))
		return "subject";
	text = mail_text(m);
	if (strlen(text) > PING_SCAN_BYTES)
		text[PING_SCAN_BYTES] = '\0';
	hit = by_text(lk, text);
	g_free(text);
	return hit ? "body" : NULL;
}

static int report_type(const struct mail *m, const char *type)
{
	const char *v = mail_content_type_param(m, "report-type");

	return strcmp(mail_content_type(m), "multipart/report") == 0 && v &&
	       g_ascii_strcasecmp(v, type) == 0;
}

/* Signed or encrypted: the command stages may find a signer's form in it. */
static int looks_signed(const struct mail *m)
{
	static const char *const types[] = { "multipart/signed", "multipart/encrypted",
					     "application/pkcs7-mime", "application/x-pkcs7-mime",
					     NULL };
	const char *type = mail_content_type(m);
	char *text;
	int armour;

	for (const char *const *t = types; *t; t++)
		if (strcmp(type, *t) == 0)
			return 1;
	text = mail_text(m);
	armour = g_str_has_prefix(text + strspn(text, " \t\r\n"), "-----BEGIN PGP ") ||
		 strstr(text, "\n-----BEGIN PGP SIGNED MESSAGE-----") ||
		 strstr(text, "\n-----BEGIN PGP MESSAGE-----");
	g_free(text);
	return armour;
}

/* s cut to at most max bytes on a UTF-8 character boundary, or NULL. g_free it. */
static char *bounded(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (!s)
		return NULL;
	if (n > max)
		for (n = max; n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80; n--)
			;
	return g_strndup(s, n);
}

/* What a delivery report says about the pinged address (or its first
 * recipient), into p. */
static void from_report(struct ping_match *p, const struct bounce_report *r, const char *address)
{
	const struct bounce_recipient *rc = r->recipients->len ? r->recipients->pdata[0] : NULL;

	for (guint i = 0; i < r->recipients->len; i++) {
		const struct bounce_recipient *x = r->recipients->pdata[i];
		if (x->address && address && g_ascii_strcasecmp(x->address, address) == 0) {
			rc = x;
			break;
		}
	}
	p->what = PING_BOUNCED;
	if (!rc)
		return;
	if (rc->action == BOUNCE_DELAYED)
		p->what = PING_DELAYED;
	else if (rc->action == BOUNCE_DELIVERED || rc->action == BOUNCE_RELAYED ||
		 rc->action == BOUNCE_EXPANDED)
		p->what = PING_DELIVERED;
	p->status = bounded(rc->status, 32);
	p->diagnostic = bounded(rc->diagnostic, MAX_LOG_TEXT);
	p->hard = p->what == PING_BOUNCED ? rc->hard : -1;
}

/* Sets p->what (and a report's details). */
static void judge(const struct filter_ctx *ctx, struct ping_match *p,
		  const struct bounce_report *r, const char *address, int dsn_like)
{
	const struct mail *m = ctx->mail;
	int is_report = strcmp(mail_content_type(m), "multipart/report") == 0;
	int never_answer = is_report || ctx->null_sender || to_prefix(ctx, OWN_BOUNCES);
	int automatic =
		!is_report && !mail_has_part(m, "message/delivery-status") &&
		(ctx->autoreply_marked || (ctx->kind == KIND_AUTOREPLY && (!dsn_like || !r)));

	int mdn = report_type(m, "disposition-notification") ||
		  mail_has_part(m, "message/disposition-notification");

	if (ctx->receipt) {
		p->what = PING_RECEIPT;
	} else if (mdn) {	/* an MDN that is no receipt: classify's refusal (RFC 5429
				 * reject) */
		p->what = PING_BOUNCED;
		p->hard = 0;
		p->diagnostic =
			g_strdup("refused unread by the recipient's filter (MDN: deleted)");
	} else if (automatic) {
		p->what = PING_AUTOREPLY;	/* vacation(1) answers the envelope sender:
						 * bounces+ */
	} else if (r && (dsn_like || never_answer)) {
		from_report(p, r, address);
	} else if (dsn_like) {
		p->what = PING_BOUNCED;
	} else if (never_answer || ctx->kind != KIND_COMMAND) {
		p->what = PING_AUTOREPLY;	/* machine mail that reports nothing: alive, not
						 * an answer */
	} else {
		p->what = PING_ANSWER;
	}
}

/* Encrypted at the top level, as crypto_decrypt takes it off. */
static int encrypted(const struct mail *m)
{
	const char *type = mail_content_type(m);
	const char *smime = mail_content_type_param(m, "smime-type");

	if (strcmp(type, "multipart/encrypted") == 0)
		return 1;
	return (strcmp(type, "application/pkcs7-mime") == 0 ||
		strcmp(type, "application/x-pkcs7-mime") == 0) &&
	       (!smime || g_ascii_strcasecmp(smime, "enveloped-data") == 0);
}

/* 1 when the text of the entity encrypted to the robot quotes proof, 0
 * when not or when it cannot be decrypted (warned), -1 when the crypto
 * engine failed. The plaintext is read here only: never logged nor kept. */
static int proof_inside(const struct filter_ctx *ctx, const char *proof)
{
	char *entity = NULL, *detail = NULL, *text;
	size_t len = 0;
	struct mail *inner;
	int rc = crypto_decrypt(ctx->crypto, ctx->raw, ctx->raw_len, &entity, &len, &detail);

	if (rc == 0)
		log_msg(LOG_WARNING, "ping answer encrypted, not decrypted: %.200s",
			detail ? detail : "?");
	if (rc == 1 && (inner = mail_parse(entity, len))) {
		text = mail_text(inner);
		rc = pings_proof_in(proof, text) ? 1 : 0;
		memset(text, 0, strlen(text));
		g_free(text);
		mail_free(inner);
	} else if (rc == 1) {
		rc = 0;
	}
	if (entity)
		memset(entity, 0, len);
	g_free(entity);
	g_free(detail);
	return rc;
}

/* A person's answer quoting the proof code its ping carried (only inside
 * the encrypted body): p->key the fingerprint that ping was encrypted to.
 * The code is looked for in the clear text, then, in an answer encrypted
 * to the robot (mail clients answer an encrypted message encrypted), in
 * the text inside. -1 when the database cannot be read, -2 when the
 * crypto engine failed: the message is tried again later, so an engine's
 * failure never turns a proof into a mere answer. */
static int proof_of(const struct filter_ctx *ctx, struct ping_match *p)
{
	char *proof = NULL, *key = NULL, *text;
	int rc = pings_proof_get(ctx->db, p->ping, &proof, &key), found = 0;

	if (rc == 1) {
		text = mail_text(ctx->mail);
		found = pings_proof_in(proof, text);
		g_free(text);
		if (!found && encrypted(ctx->mail) && ctx->crypto)
			found = proof_inside(ctx, proof);
		if (found == 1)
			p->key = g_steal_pointer(&key);
	}
	g_free(proof);
	g_free(key);
	return rc < 0 ? -1 : found < 0 ? -2 : 0;
}

enum verdict ping_filter(struct filter_ctx *ctx)
{
	const struct mail *m = ctx->mail;
	struct lookup lk = { .ctx = ctx };
	int dsn_like = ctx->kind == KIND_BOUNCE || report_type(m, "delivery-status") ||
		       mail_has_part(m, "message/delivery-status") || to_prefix(ctx, OWN_BOUNCES);
	struct bounce_report *r = dsn_like || ctx->null_sender ? bounce_read(m) : NULL;
	const char *route = find(&lk, r);
	struct ping_match *p;
	int proof;

	if (lk.failed) {
		if (r)
			bounce_report_free(r);
		g_free(lk.address);
		ctx->reason = "cannot read the pings";
		return VERDICT_ERROR;
	}
	if (!route) {
		if (r)
			bounce_report_free(r);
		return VERDICT_CONTINUE;
	}
	p = g_new0(struct ping_match, 1);
	p->ping = lk.ping;
	memcpy(p->token, lk.token, sizeof p->token);
	p->matched_by = route;
	p->hard = -1;
	p->from = mail_from_address(m);
	judge(ctx, p, r, lk.address, dsn_like);
	if (r)
		bounce_report_free(r);
	g_free(lk.address);
	ctx->ping = p;
	proof = p->what == PING_ANSWER ? proof_of(ctx, p) : 0;
	if (proof < 0) {
		ctx->reason = proof == -1 ? "cannot read the pings" : "the crypto engine failed";
		return VERDICT_ERROR;
	}
	if (p->what == PING_ANSWER && looks_signed(m)) {
		p->go_on = TRUE;
		ctx->reason = "answer to a ping, signed";
		return VERDICT_CONTINUE;
	}
	ctx->no_reply = TRUE;
	if (p->what == PING_ANSWER)
		ctx->reason = "answer to a ping";
	else if (!ctx->reason)
		ctx->reason = ping_what_name(p->what);
	return VERDICT_STOP;
}

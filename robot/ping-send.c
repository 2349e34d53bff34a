/* ping-send.c - writes and queues a ping, a verification ping and a
 * reminder: in the POC's language with English beside it, signed through
 * the outbox in the caller's transaction, the ping's token in the Reply-To
 * (ping+TOKEN@), the envelope sender (bounces+TOKEN@), the Message-ID and
 * the subject; the ping's row is written by the pings store. To an
 * address with a key on record (poc-keys.h) it is signed in the key's
 * protocol and encrypted to it, carrying a proof code only inside
 * (pings.proof, pings.key); else in clear, a verification ping inviting
 * the POC to give a key. Input: the
 * directory (State-written text, bounded by the forms). Returns -1 on a
 * database, randomness, signing or encryption failure (the robot's; only
 * a key the POC home refuses sends the ping in clear); the caller rolls
 * back. */
#include <string.h>
#include "clock.h"
#include "log.h"
#include "notices.h"
#include "outbox.h"
#include "own-address.h"
#include "pings.h"
#include "poc-keys.h"
#include "pocs.h"
#include "states.h"
#include "templates.h"

/* vars' "state" set to the name of its "code" in lang. */
static void state_in(GHashTable *vars, const char *lang)
{
	const struct states *ref = states_load(NULL);
	const char *code = g_hash_table_lookup(vars, "code");
	const char *name = ref && code ? states_name(ref, code, lang) : NULL;

	g_hash_table_insert(vars, "state", g_strdup(name ? name : code ? code : "-"));
}

/* The ping's words: template name in lang, with the English text beside it
 * when lang is not English; the State named in each language. 0 or -1
 * (logged). g_free subject and body. */
static int compose(const struct mail_ctx *c, const char *lang, const char *name, GHashTable *vars,
		   char **subject, char **body)
{
	char *en_subject = NULL, *en_body = NULL, *own = NULL;

	state_in(vars, lang);
	if (templates_message(c->tpl, lang, name, vars, subject, &own) < 0)
		return -1;
	if (strcmp(lang, "en") == 0) {
		*body = own;
		return 0;
	}
	state_in(vars, "en");
	if (templates_message(c->tpl, "en", name, vars, &en_subject, &en_body) < 0) {
		g_free(*subject);
		g_free(own);
		return -1;
	}
	*body = g_strdup_printf("%s\n\n-------- English --------\n\n%s", own, en_body);
	g_free(own);
	g_free(en_subject);
	g_free(en_body);
	return 0;
}

/* The variables every ping text has. The table borrows from its
 * arguments and owns the rest (g_hash_table_unref it). */
static GHashTable *ping_vars(const struct mail_ctx *c, const char *token, const char *poc,
                             const char *state, gint64 deadline)
{
	GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	char when[CLOCK_TEXT_LEN];

	g_hash_table_insert(v, "token", g_strdup(token));
	g_hash_table_insert(v, "id", g_strdup(poc));
	g_hash_table_insert(v, "code", g_strdup(state)); /* "state" is its name, set by compose */
	g_hash_table_insert(v, "deadline",
	                    g_strdup(clock_text(deadline, CLOCK_MINUTE, "-", when)));
	g_hash_table_insert(v, "reply", own_address_make(c->cfg, OWN_PING, token));
	g_hash_table_insert(v, "robot", g_strdup(c->cfg->address));
	g_hash_table_insert(v, "custodian", g_strdup(c->cfg->custodian ? c->cfg->custodian : ""));
	return v;
}

/* Signs and queues one ping-related message, encrypted to key when not
 * NULL. 0, 1 (no ASCII address), -1. */
static int queue(const struct mail_ctx *c, const char *purpose, const char *to, const char *lang,
		 const char *name, GHashTable *vars, const char *row_token, const char *ping_token,
		 const char *in_reply_to, const struct outbox_poc_key *key)
{
	char *subject = NULL, *body = NULL,
	     *reply = own_address_make(c->cfg, OWN_PING, ping_token);
	char *seed = g_strdup_printf("%s:%s", purpose, row_token);
	struct outbox_item it = { .purpose = purpose,
		                  .to = to,
		                  .reply_to = reply,
		                  .token = row_token,
		                  .verp = strcmp(row_token, ping_token) ? ping_token : NULL,
		                  .dsn = TRUE,
		                  .in_reply_to = in_reply_to,
		                  .asks_reply = TRUE,
		                  .poc_key = key };
	int rc = -1;

	if (compose(c, lang, name, vars, &subject, &body) == 0) {
		it.subject = subject;
		it.body = body;
		rc = notices_queue(c, "ping", CRYPTO_NONE, NULL, 0, seed, &it);
	}
	g_free(subject);
	g_free(body);
	g_free(reply);
	g_free(seed);
	return rc;
}

/* The key on record for an address, and the proof code a ping to it carries. */
struct sealing {
	struct poc_key *key;		/* NULL: none (or encrypting to it failed) */
	struct outbox_poc_key out;	/* what the outbox encrypts to */
	char proof[PINGS_PROOF_LEN];
	char text[PINGS_PROOF_TEXT_LEN];
	gboolean fresh;			/* a reminder's new code, for the ping's row */
};

/* The key of (poc, address) into s with a fresh proof code. 0 (s->key
 * NULL when there is none) or -1. */
static int seal_find(const struct mail_ctx *c, const char *poc, const char *address,
                     struct sealing *s)
{
	int rc = poc_keys_get(c->db, poc, address, &s->key);

	if (rc <= 0)
		return rc;
	s->out = (struct outbox_poc_key){
		.protocol = strcmp(s->key->protocol, "smime") == 0 ? CRYPTO_SMIME : CRYPTO_OPENPGP,
		.fingerprint = s->key->fingerprint,
		.data = s->key->data
	};
	if (pings_proof_new(s->proof) < 0) {
		log_msg(LOG_ERR, "pings: no random bytes for a proof code");
		g_clear_pointer(&s->key, poc_key_free);
		return -1;
	}
	pings_proof_text(s->proof, s->text);
	return 0;
}

static void seal_clear(struct sealing *s)
{
	g_clear_pointer(&s->key, poc_key_free);
}

/* queue, encrypted to s's key with its proof code in vars when there is
 * one; a message the POC home refuses to encrypt to it (outbox_queue's 2:
 * the key unusable, expired since, its chain not trusted) goes in clear
 * without the code, and s's key is cleared: the ping still proves the
 * address. Any other failure (the robot's: the crypto engine, signing,
 * the database) is -1: the caller rolls back and the step is retried. */
static int queue_sealed(const struct mail_ctx *c, const char *purpose, const char *to,
                        const char *lang, const char *name, GHashTable *vars,
                        const char *row_token, const char *ping_token, const char *in_reply_to,
                        struct sealing *s)
{
	int rc;

	if (!s->key)
		return queue(c, purpose, to, lang, name, vars, row_token, ping_token, in_reply_to,
		             NULL);
	g_hash_table_insert(vars, "proof", g_strdup(s->text));
	rc = queue(c, purpose, to, lang, name, vars, row_token, ping_token, in_reply_to, &s->out);
	g_hash_table_remove(vars, "proof");
	if (rc != 2)
		return rc;
	log_msg(LOG_WARNING, "pings: %s to <%.200s> sent in clear: it cannot be encrypted to "
	        "the key on record %s (the POC home refuses it)", purpose, to,
	        s->key->fingerprint);
	seal_clear(s);
	return queue(c, purpose, to, lang, name, vars, row_token, ping_token, in_reply_to, NULL);
}

int pings_send(const struct mail_ctx *c, gint64 round, const struct pings_target *t,
               gint64 deadline, char token[PINGS_TOKEN_LEN])
{
	char tok[PINGS_TOKEN_LEN];
	struct sealing seal = { NULL };
	GHashTable *vars;
	int rc;

	if (round > 0 && (rc = pings_in_round(c->db, round, t->poc)) != 0)
		return rc;
	if (pings_token_new(tok) < 0) {
		log_msg(LOG_ERR, "pings: no random bytes for a token");
		return -1;
	}
	if (seal_find(c, t->poc, t->address, &seal) < 0)
		return -1;
	vars = ping_vars(c, tok, t->poc, t->state, deadline);
	if (round == 0 && !seal.key)	/* a keyless address is invited to give one */
		g_hash_table_insert(vars, "invite", g_strdup("yes"));
	rc = queue_sealed(c, round > 0 ? "ping" : "ping-verification", t->address, t->lang,
	                  round > 0 ? "ping" : "ping-verification", vars, tok, tok, NULL, &seal);
	g_hash_table_unref(vars);
	if (rc == 0)
		rc = pings_insert(c->db, round, t, tok, c->now, deadline);
	if (rc == 0 && seal.key)
		rc = pings_set_proof(c->db, tok, seal.proof, seal.key->fingerprint);
	seal_clear(&seal);
	if (rc == 0 && token)
		memcpy(token, tok, PINGS_TOKEN_LEN);
	return rc;
}

/* The target of a verification ping to p (its address to be set). */
static void target_of(const struct poc *p, struct pings_target *t)
{
	*t = (struct pings_target){ .address = NULL };
	g_strlcpy(t->poc, p->id, sizeof t->poc);
	g_strlcpy(t->state, p->state, sizeof t->state);
	g_strlcpy(t->type, form_type_name(p->type), sizeof t->type);
	g_strlcpy(t->lang, pings_lang(p->languages->len ? p->languages->pdata[0] : NULL),
	          sizeof t->lang);
}

int pings_verify_new_addresses(const struct mail_ctx *c, const struct poc *before,
                               const struct poc *after)
{
	struct pings_target t;
	int rc = 0;

	target_of(after, &t);
	for (guint i = 0; rc == 0 && i < after->emails->len; i++) {
		gboolean old = FALSE;

		for (guint j = 0; before->emails && j < before->emails->len; j++)
			old |= g_ascii_strcasecmp(after->emails->pdata[i],
			                          before->emails->pdata[j]) == 0;
		if (old)
			continue;
		t.address = after->emails->pdata[i];
		rc = pings_send(c, 0, &t, c->now + c->cfg->ping_deadline, NULL) < 0 ? -1 : 0;
	}
	return rc;
}

int pings_recheck(const struct mail_ctx *c, const struct poc *p, const char *address,
                  char token[PINGS_TOKEN_LEN])
{
	struct pings_target t;

	target_of(p, &t);
	for (guint i = 0; i < p->emails->len; i++)
		if (g_ascii_strcasecmp(p->emails->pdata[i], address) == 0)
			t.address = p->emails->pdata[i];
	if (!t.address)
		return 1;
	return pings_send(c, 0, &t, c->now + c->cfg->ping_deadline, token);
}

/* A reminder's key: the address's key now, with the ping's proof code when
 * the ping went to the same key, else a fresh code (s->fresh: the ping's
 * row takes it, and the old code proves nothing). 0 or -1. */
static int reminder_seal(const struct mail_ctx *c, const struct ping *p, struct sealing *s)
{
	char *proof = NULL, *key = NULL;
	int rc = pings_proof_get(c->db, p->id, &proof, &key);

	if (rc >= 0)
		rc = seal_find(c, p->poc, p->address, s);
	if (rc >= 0 && s->key && proof && key && strcmp(key, s->key->fingerprint) == 0) {
		g_strlcpy(s->proof, proof, sizeof s->proof);
		pings_proof_text(s->proof, s->text);
	} else if (rc >= 0 && s->key) {
		s->fresh = TRUE;
	}
	g_free(proof);
	g_free(key);
	return rc < 0 ? -1 : 0;
}

int pings_remind(const struct mail_ctx *c, const struct ping *p, int n)
{
	char *row = g_strdup_printf("%s-r%d", p->token, n);
	char *msgid = g_strdup_printf("pocbot.%s@%s", p->token, c->cfg->domain);
	GHashTable *vars;
	char state[3] = { p->poc[0], p->poc[1], 0 };	/* an identifier starts with its State */
	struct sealing seal = { NULL };
	int rc;

	if (reminder_seal(c, p, &seal) < 0) {
		g_free(row);
		g_free(msgid);
		return -1;
	}
	vars = ping_vars(c, p->token, p->poc, state, p->deadline);
	g_hash_table_insert(vars, "n", g_strdup_printf("%d", n));
	rc = queue_sealed(c, "ping-reminder", p->address, p->lang, "ping-reminder", vars, row,
	                  p->token, msgid, &seal);
	g_hash_table_unref(vars);
	if (rc == 0 && seal.key && seal.fresh)
		rc = pings_set_proof(c->db, p->token, seal.proof, seal.key->fingerprint);
	seal_clear(&seal);
	if (rc >= 0 && pings_set_reminders(c->db, p->id, n) < 0)
		rc = -1;
	g_free(row);
	g_free(msgid);
	return rc;
}

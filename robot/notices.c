/* notices.c - the notices table and the one sender of notices (notices.h).
 * Input: the request's variables (already bounded by whoever made them:
 * the custodian's data, the database, a form's values checked by the
 * form reader) and the signers table. Returns -1 when a notice cannot be
 * rendered, signed, encrypted or queued. */
#include <string.h>
#include "notices.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "envelope.h"
#include "log.h"
#include "notice-hold.h"
#include "states.h"
#include "templates.h"

/* Who is told what: DESIGN.md section 3a, as the robot does it today. */
static const struct notice_kind kinds[] = {
	/* name, outbox purpose, template,
	 * audience, language, encrypted, signed, coalesced, urgency */
	{ "signer-change", "notice", "notice-enrolment", NOTICE_STATE_SIGNERS, NOTICE_LANG_ENGLISH,
	  TRUE, NOTICE_SIGN_RECIPIENT, NULL, NOTICE_NOW },
	{ "forms", "notice", "notice-signers", NOTICE_STATE_SIGNERS, NOTICE_LANG_REQUEST, TRUE,
	  NOTICE_SIGN_RECIPIENT, NULL, NOTICE_NOW },
	{ "record-changed", "notice", "notice-change", NOTICE_ADDRESS, NOTICE_LANG_POC, FALSE,
	  NOTICE_SIGN_DEFAULT, NULL, NOTICE_NOW },
	{ "ping-escalation", "ping-escalation", "ping-escalation", NOTICE_STATE_SIGNERS,
	  NOTICE_LANG_SIGNER, TRUE, NOTICE_SIGN_RECIPIENT, "state", NOTICE_NOW },
	{ "ping-unverified", "ping-unverified", "ping-unverified", NOTICE_STATE_SIGNERS,
	  NOTICE_LANG_SIGNER, TRUE, NOTICE_SIGN_RECIPIENT, "state", NOTICE_NOW },
	{ "address-undeliverable", "address-undeliverable", "address-undeliverable",
	  NOTICE_STATE_EDITORS, NOTICE_LANG_SIGNER, TRUE, NOTICE_SIGN_RECIPIENT, "state",
	  NOTICE_NOW },
	{ "ping-report", "ping-report", "ping-report", NOTICE_CUSTODIANS, NOTICE_LANG_SIGNER, TRUE,
	  NOTICE_SIGN_RECIPIENT, NULL, NOTICE_DAILY },
	{ "update-reminder", "update-reminder", "update-reminder", NOTICE_STATE_EDITORS,
	  NOTICE_LANG_SIGNER, TRUE, NOTICE_SIGN_RECIPIENT, NULL, NOTICE_DAILY },
	{ "key-expiry", "key-expiry", "key-expiry", NOTICE_STATE_KEEPERS, NOTICE_LANG_SIGNER, TRUE,
	  NOTICE_SIGN_RECIPIENT, NULL, NOTICE_NOW },	/* key-warnings.c: 30 and 7 days */
	{ "poc-key-expiry", "poc-key-expiry", "poc-key-expiry", NOTICE_STATE_EDITORS,
	  NOTICE_LANG_SIGNER, TRUE, NOTICE_SIGN_RECIPIENT, NULL, NOTICE_DAILY },
	/* timer-poc-keys.c: a POC's key, 30 and 7 days before it expires */
	{ "key-rollover", "key-rollover", "key-rollover", NOTICE_ALL_SIGNERS, NOTICE_LANG_SIGNER,
	  TRUE, NOTICE_SIGN_RECIPIENT, NULL, NOTICE_NOW },	/* cmd-keys-rollover.c: old keys */
	/* written by their callers, queued through notices_queue */
	{ "signer-reply", NULL, NULL, /* ack, errors, help, form, any refusal to a signer */
	  NOTICE_SIGNER, NOTICE_LANG_REQUEST, TRUE, NOTICE_SIGN_RECIPIENT, NULL, NOTICE_NOW },
	{ "lookup-answer", NULL, NULL, NOTICE_SIGNER, NOTICE_LANG_REQUEST, TRUE,
	  NOTICE_SIGN_RECIPIENT, NULL, NOTICE_NOW },
	{ "reply", NULL, NULL, /* help, form, refusal to unsigned or non-enrolled mail */
	  NOTICE_SENDER, NOTICE_LANG_REQUEST, FALSE, NOTICE_SIGN_SENDER, NULL, NOTICE_NOW },
	{ "ping", NULL, NULL, /* ping, verification ping, reminder */
	  NOTICE_ADDRESS, NOTICE_LANG_POC, FALSE, NOTICE_SIGN_DEFAULT, NULL, NOTICE_NOW },
	{ "quarantine-alert", "notice", NULL, NOTICE_CUSTODIAN_ADDRESS, NOTICE_LANG_ENGLISH, FALSE,
	  NOTICE_SIGN_DEFAULT, NULL, NOTICE_NOW },
	{ "outbox-alert", "notice", NULL, NOTICE_CUSTODIAN_ADDRESS, NOTICE_LANG_ENGLISH, FALSE,
	  NOTICE_SIGN_DEFAULT, NULL, NOTICE_DAILY },	/* counts only: timer-outbox.c */
	{ "outbox-digest", "notice", "outbox-digest", NOTICE_CUSTODIANS, NOTICE_LANG_SIGNER, TRUE,
	  NOTICE_SIGN_RECIPIENT, NULL, NOTICE_DAILY },
	{ NULL, NULL, NULL, 0, 0, FALSE, 0, NULL, 0 }
};

const struct notice_kind *notices_table(void)
{
	return kinds;
}

const struct notice_kind *notices_kind(const char *name)
{
	for (const struct notice_kind *k = kinds; name && k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* The signers' audience of an audience that is made of signers. */
static enum signers_audience audience_of(enum notice_audience a)
{
	switch (a) {
	case NOTICE_STATE_EDITORS:
		return SIGNERS_EDITORS;
	case NOTICE_CUSTODIANS:
		return SIGNERS_CUSTODIANS;
	case NOTICE_STATE_KEEPERS:
		return SIGNERS_KEEPERS;
	case NOTICE_ALL_SIGNERS:
		return SIGNERS_ALL;
	case NOTICE_STATE_SIGNERS:
	case NOTICE_ADDRESS:
	case NOTICE_SENDER:
	case NOTICE_SIGNER:
	case NOTICE_CUSTODIAN_ADDRESS:
		break;
	}
	g_assert(a == NOTICE_STATE_SIGNERS);
	return SIGNERS_OF_STATE;
}

/* The language of k's notice to to (NULL: not a signer). */
static const char *lang_of(const struct notice_kind *k, const struct notice_request *r,
			   const struct signer *to)
{
	if ((k->lang == NOTICE_LANG_REQUEST || k->lang == NOTICE_LANG_POC) && r->lang && *r->lang)
		return r->lang;
	if (k->lang == NOTICE_LANG_SIGNER && to && *to->lang)
		return to->lang;
	return "en";
}

/* body with the English text of k's template beside it (NOTICE_LANG_POC,
 * as the pings): the POC's language may not be its reader's. 0 or -1. */
static int english_beside(const struct mail_ctx *c, const struct notice_kind *k,
			  const struct notice_request *r, const char *lang, char **body)
{
	const struct states *ref = r->state ? states_load(NULL) : NULL;
	const char *name = ref ? states_name(ref, r->state, "en") : NULL;
	char *subject = NULL, *en = NULL, *both;

	if (k->lang != NOTICE_LANG_POC || strcmp(lang, "en") == 0)
		return 0;
	if (r->state)
		g_hash_table_insert(r->vars, "state", (char *)(name ? name : r->state));
	if (templates_message(c->tpl, "en", k->template, r->vars, &subject, &en) < 0)
		return -1;
	both = g_strdup_printf("%s\n\n-------- English --------\n\n%s", *body, en);
	g_free(*body);
	*body = both;
	g_free(subject);
	g_free(en);
	return 0;
}

/* The message of one notice in lang: subject and body (g_free them). 1,
 * 0 when the recipient has nothing to be told, or -1. */
static int render(const struct mail_ctx *c, const struct notice_kind *k,
		  const struct notice_request *r, const char *lang, char **subject, char **body)
{
	const struct states *ref = r->state ? states_load(NULL) : NULL;
	const char *name = ref ? states_name(ref, r->state, lang) : NULL;
	char *text = NULL;
	int rc;

	if (r->each && !(text = r->each(c, lang, r->data)))
		return -1;
	if (text && !*text) {
		g_free(text);
		return 0;
	}
	if (text)
		g_hash_table_insert(r->vars, (char *)r->each_key, text);
	if (r->state)
		g_hash_table_insert(r->vars, "state", (char *)(name ? name : r->state));
	rc = templates_message(c->tpl, lang, k->template, r->vars, subject, body) == 0 ? 1 : -1;
	if (rc == 1 && english_beside(c, k, r, lang, body) < 0) {
		g_clear_pointer(subject, g_free);
		g_clear_pointer(body, g_free);
		rc = -1;
	}
	if (text)
		g_hash_table_remove(r->vars, r->each_key);
	g_free(text);
	return rc;
}

/* Holds k's notice it to signer to about r->state, to be merged with the
 * others of its kind to to about that State (notice-hold.h). */
static int hold(const struct mail_ctx *c, const struct notice_kind *k,
		const struct notice_request *r, const struct signer *to, const char *key,
		const struct outbox_item *it, const char *seed)
{
	struct notice_held h = { .kind = (char *)k->name, .signer = (char *)to->fingerprint,
				 .state = (char *)r->state, .rcpt = (char *)it->to,
				 .enc_key = (char *)key, .purpose = (char *)k->purpose,
				 .seed = (char *)seed, .subject = (char *)it->subject,
				 .body = (char *)it->body, .protocol = it->protocol };

	return notice_hold_add(c->db, &h, c->now, c->cfg->notices_coalesce);
}

/* Queues k's notice of r to one recipient: the signer to, or r->address;
 * a coalesced kind's notice to a signer about a State is held instead. */
static int send_one(const struct mail_ctx *c, const struct notice_kind *k,
		    const struct notice_request *r, const struct signer *to)
{
	const char *key =
		to ? signers_encrypt_key(to->protocol, to->fingerprint, to->enc_fingerprint)
		   : NULL;
	const char *const encrypt_to[] = { key, NULL };
	char *subject = NULL, *body = NULL, *seed;
	int rc = render(c, k, r, lang_of(k, r, to), &subject, &body);
	struct outbox_item it = { .purpose = k->purpose,
				  .to = to ? to->email : r->address,
				  .subject = subject,
				  .body = body,
				  .attachments = r->attachments,
				  .n_attachments = r->n_attachments };

	if (rc <= 0)
		return rc;
	g_assert(!k->encrypted || key);
	it.protocol = to && k->signing == NOTICE_SIGN_RECIPIENT ? to->protocol : CRYPTO_NONE;
	it.encrypt_to = k->encrypted ? encrypt_to : NULL;
	seed = g_strdup_printf("%s:%s", r->seed, to ? to->fingerprint : r->address);
	if (k->coalesce && to && r->state && c->cfg->notices_coalesce > 0)
		rc = hold(c, k, r, to, key, &it, seed);
	else
		rc = outbox_queue(c->db, c->cfg, c->crypto, c->now, 0, seed, &it) < 0 ? -1 : 0;
	g_free(seed);
	g_free(subject);
	g_free(body);
	return rc;
}

int notices_send(const struct mail_ctx *c, const struct notice_request *r)
{
	const struct notice_kind *k = notices_kind(r->kind);
	GPtrArray *to;
	int rc;

	g_assert(k != NULL);
	g_hash_table_insert(r->vars, "robot", c->cfg->address);
	g_hash_table_insert(r->vars, "custodian", c->cfg->custodian ? c->cfg->custodian : "");
	if (k->audience == NOTICE_ADDRESS)
		return send_one(c, k, r, NULL);
	if (!(to = signers_audience(c->db, audience_of(k->audience), r->state)))
		return -1;
	rc = 0;
	for (guint i = 0; rc == 0 && i < to->len; i++) {
		const struct signer *s = to->pdata[i];

		if (r->except && strcmp(s->fingerprint, r->except) == 0)
			continue;
		rc = send_one(c, k, r, s);
	}
	g_ptr_array_unref(to);
	return rc;
}

int notices_queue(const struct mail_ctx *c, const char *kind, enum crypto_protocol sender_protocol,
		  const struct signer *signer, gint64 message, const char *seed,
		  struct outbox_item *it)
{
	const struct notice_kind *k = notices_kind(kind);
	const char *key = signer ? signers_encrypt_key(signer->protocol, signer->fingerprint,
						       signer->enc_fingerprint)
				 : NULL;
	const char *const encrypt_to[] = { key, NULL };

	g_assert(k != NULL && !k->template);
	g_assert(!k->encrypted || key);
	g_assert(k->audience != NOTICE_SIGNER || (signer && it->to));
	if (k->purpose)
		it->purpose = k->purpose;
	if (k->signing == NOTICE_SIGN_RECIPIENT && signer)
		it->protocol = signer->protocol;
	else if (k->signing == NOTICE_SIGN_SENDER)
		it->protocol = sender_protocol;	/* unsigned: CRYPTO_NONE, sign_default */
	else
		it->protocol = CRYPTO_NONE;	/* outbox.c signs it in [robot] sign_default */
	it->encrypt_to = k->encrypted ? encrypt_to : NULL;
	return outbox_queue(c->db, c->cfg, c->crypto, c->now, message, seed, it);
}

/* The signer-address rule ------------------------------------------------ */

/* addr as compared: its domain in A-labels when it converts, ASCII
 * letters in lower case. g_free it. */
static char *address_key(const char *addr)
{
	char *ascii = envelope_address_ascii(addr);
	char *key = g_ascii_strdown(ascii ? ascii : addr, -1);

	g_free(ascii);
	return key;
}

gboolean notices_address_among(const GPtrArray *addresses, const char *addr)
{
	char *want = addr ? address_key(addr) : NULL;
	gboolean found = FALSE;

	for (guint i = 0; want && !found && addresses && i < addresses->len; i++) {
		char *key = address_key(addresses->pdata[i]);

		found = strcmp(key, want) == 0;
		g_free(key);
	}
	g_free(want);
	return found;
}

int notices_signer_addresses(struct crypto *crypto, const struct signer *s, GPtrArray **out)
{
	const char *const fprs[] = { s->fingerprint, s->enc_fingerprint, NULL };

	if (crypto_key_addresses(crypto, s->protocol, fprs, out) < 0)
		return -1;
	if ((*out)->len == 0 && s->email && *s->email)
		g_ptr_array_add(*out, g_strdup(s->email));
	return 0;
}

/* The key's spelling of addr, one of addresses (notices_address_among). */
static char *spelled_as_key(const GPtrArray *addresses, const char *addr)
{
	char *want = address_key(addr), *found = NULL;

	for (guint i = 0; !found && i < addresses->len; i++) {
		char *key = address_key(addresses->pdata[i]);

		if (strcmp(key, want) == 0)
			found = g_strdup(addresses->pdata[i]);
		g_free(key);
	}
	g_free(want);
	return found;
}

int notices_signer_address(struct crypto *crypto, const struct signer *s, const char *reply_to,
			   const char *from, char **to)
{
	GPtrArray *addresses;

	*to = NULL;
	if (notices_signer_addresses(crypto, s, &addresses) < 0)
		return -1;
	if (notices_address_among(addresses, reply_to))
		*to = spelled_as_key(addresses, reply_to);
	else if (notices_address_among(addresses, from))
		*to = spelled_as_key(addresses, from);
	else if (s->email && *s->email)
		*to = g_strdup(s->email);
	else if (addresses->len)
		*to = g_strdup(addresses->pdata[0]);
	g_ptr_array_unref(addresses);
	return *to ? 1 : 0;
}

/* Whether the signer that fpr names, s, is one not revoked whose key holds
 * addr. 1, 0 or -1. */
static int holds_address(struct crypto *crypto, const struct signer *s, const char *addr)
{
	GPtrArray *addresses;
	int rc;

	if (s->revoked)
		return 0;
	if (notices_signer_addresses(crypto, s, &addresses) < 0)
		return -1;
	rc = notices_address_among(addresses, addr) ? 1 : 0;
	g_ptr_array_unref(addresses);
	return rc;
}

int notices_signer_of_address(sqlite3 *db, struct crypto *crypto, const char *addr,
			      struct signer *out)
{
	GPtrArray *fprs;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (!addr || crypto_keys_holding(crypto, addr, &fprs) < 0)
		return addr ? -1 : 0;
	for (guint i = 0; rc == 0 && i < fprs->len; i++) {
		int found = signers_find_by_key(db, fprs->pdata[i], out);

		rc = found <= 0 ? found : holds_address(crypto, out, addr);
		if (rc <= 0)
			signers_clear(out);
	}
	g_ptr_array_unref(fprs);
	return rc;
}

int notices_signer_change(sqlite3 *db, const struct config *cfg, const struct signer *changed,
			  const char *action, gint64 now)
{
	char *home = config_var_path(cfg, "gnupg"), *err = NULL, *said, *seed;
	struct mail_ctx c = { db, cfg, crypto_open(home, &err), templates_load(), now };
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	/* a custodian of no State: the other custodians of no State are told */
	struct notice_request r = { .kind = "signer-change",
				    .state = changed->state[0] ? changed->state : NULL,
				    .except = changed->fingerprint, .vars = vars };
	int rc = -1;

	said = templates_phrase(c.tpl, "en", "reasons", action);
	seed = g_strdup_printf("notice:%s:%s:%" G_GINT64_FORMAT, action, changed->fingerprint,
			       now);
	r.seed = seed;
	g_hash_table_insert(vars, "action", said ? said : (char *)action);
	g_hash_table_insert(vars, "fingerprint", (char *)changed->fingerprint);
	g_hash_table_insert(vars, "role", (char *)signers_role_name(changed->role));
	g_hash_table_insert(vars, "label", changed->label ? changed->label : "-");
	if (!r.state)
		g_hash_table_insert(vars, "state", "no State (the custodians)");
	if (c.crypto &&
	    crypto_identity_ensure(c.crypto, cfg->address, cfg->keys_lifetime, &err) == 0)
		rc = notices_send(&c, &r);
	if (err)
		log_msg(LOG_ERR, "notice: %s", err);
	g_hash_table_unref(vars);
	crypto_close(c.crypto);
	templates_free((struct templates *)c.tpl);
	g_free(home);
	g_free(err);
	g_free(said);
	g_free(seed);
	return rc;
}

/* notice.c - tells a State's enrolled signers that a signer of their State
 * was enrolled or revoked: one notice each, signed by the robot and
 * encrypted to that signer, in the caller's transaction. Input: the
 * signers table (the custodian's data, bounded at enrolment). Returns -1
 * when a notice cannot be composed, signed or queued (the change is then
 * rolled back with it). Notices are in English: signers have no language
 * of their own yet. */
#include <string.h>
#include "notice.h"
#include "signers.h"
#include "crypto.h"
#include "log.h"
#include "outbox.h"
#include "states.h"
#include "templates.h"

struct notice {
	const struct config *cfg;
	struct crypto *crypto;
	const struct templates *tpl;
	const struct signer *changed;
	const char *action;
	gint64 now;
};

/* The notice's subject and body for the change; 0 or -1. */
static int render(const struct notice *n, char **subject, char **body)
{
	const struct states *ref = states_load(NULL);
	const char *state = ref ? states_name(ref, n->changed->state, "en") : NULL;
	char *action = templates_phrase(n->tpl, "en", "reasons", n->action);
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	int rc;

	g_hash_table_insert(vars, "state", (char *)(state ? state : n->changed->state));
	g_hash_table_insert(vars, "action", action ? action : (char *)n->action);
	g_hash_table_insert(vars, "fingerprint", (char *)n->changed->fingerprint);
	g_hash_table_insert(vars, "role", (char *)signers_role_name(n->changed->role));
	g_hash_table_insert(vars, "label", n->changed->label ? n->changed->label : "-");
	g_hash_table_insert(vars, "robot", n->cfg->address);
	g_hash_table_insert(vars, "custodian", n->cfg->custodian ? n->cfg->custodian : n->cfg->address);
	rc = templates_message(n->tpl, "en", "notice-enrolment", vars, subject, body);
	g_hash_table_unref(vars);
	g_free(action);
	return rc;
}

/* Queues the notice to one signer; 0 or -1. */
static int tell(sqlite3 *db, const struct notice *n, const struct signer *to, const char *subject,
		const char *body)
{
	const char *const encrypt_to[] = { signers_encrypt_key(to->protocol, to->fingerprint, to->enc_fingerprint),
					   NULL };
	struct outbox_item it = { .purpose = "notice", .to = to->email, .subject = subject, .body = body,
				  .protocol = to->protocol, .encrypt_to = encrypt_to };
	char *seed = g_strdup_printf("notice:%s:%s:%s:%" G_GINT64_FORMAT, n->action, n->changed->fingerprint,
				     to->fingerprint, n->now);
	int rc = outbox_queue(db, n->cfg, n->crypto, n->now, 0, seed, &it) < 0 ? -1 : 0;

	g_free(seed);
	return rc;
}

int signers_notify(sqlite3 *db, const struct config *cfg, const struct signer *changed, const char *action,
		   gint64 now)
{
	char *home = config_var_path(cfg, "gnupg"), *err = NULL, *subject = NULL, *body = NULL;
	struct notice n = { cfg, crypto_open(home, &err), templates_load(), changed, action, now };
	GPtrArray *others = signers_of_state(db, changed->state);
	int rc = n.crypto && others && crypto_identity_ensure(n.crypto, cfg->address, &err) == 0 &&
		 render(&n, &subject, &body) == 0 ? 0 : -1;

	for (guint i = 0; rc == 0 && i < others->len; i++) {
		const struct signer *to = others->pdata[i];

		if (strcmp(to->fingerprint, changed->fingerprint) != 0 && to->email)
			rc = tell(db, &n, to, subject, body);
	}
	if (err)
		log_msg(LOG_ERR, "notice: %s", err);
	if (others)
		g_ptr_array_unref(others);
	crypto_close(n.crypto);
	templates_free((struct templates *)n.tpl);
	g_free(home);
	g_free(err);
	g_free(subject);
	g_free(body);
	return rc;
}

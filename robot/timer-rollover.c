/* timer-rollover.c - the end of a key rollover's overlap: when [keys]
 * overlap has passed since "keys rollover" (key_rollovers.archive_after),
 * the old OpenPGP secret key and the old self-signed certificate's key
 * are moved out of the live GnuPG home into VAR/keys-archive
 * (crypto_keys_archive, in process under the home's exclusive lock: the
 * crypto engine waits), the row marked archived and an audit event
 * written. Mail encrypted to the old key no longer decrypts after it.
 * Input: the key_rollovers table; nothing from mail. */
#include "timers-internal.h"
#include "audit.h"
#include "crypto.h"
#include "log.h"
#include "rollovers.h"

#define ARCHIVE_RETRY 3600	/* seconds before a failed archiving is tried again */

static gint64 failed_at;	/* the worker's only: the last failure, 0 none */

/* The old keys of r out of the home. 0 or -1 (logged). */
static int archive(const struct mail_ctx *c, const struct rollover *r)
{
	char *home = config_var_path(c->cfg, "gnupg"),
	     *dir = config_var_path(c->cfg, "keys-archive"), *err = NULL;
	char pgp[CRYPTO_FPR_LEN] = "", smime[CRYPTO_FPR_LEN] = "";
	const char *old_smime = g_strcmp0(r->keys.old_smime, r->keys.new_smime) != 0
					? r->keys.old_smime : "";
	struct crypto *k = NULL;
	int rc = -1;

	if (crypto_identity(c->crypto, pgp, smime) < 0)
		err = g_strdup("cannot list the robot's keys");
	else if (g_strcmp0(pgp, r->keys.old_pgp) == 0 || g_strcmp0(smime, old_smime) == 0)
		err = g_strdup("the old key is still the robot's signing key; not archived");
	else if ((k = crypto_open(home, &err)))
		rc = crypto_keys_archive(k, r->keys.old_pgp, old_smime, dir, &err);
	if (rc < 0)
		log_msg(LOG_ERR, "keys: archiving the old keys of rollover %" G_GINT64_FORMAT
			": %s; tried again in an hour", r->id, err ? err : "?");
	else
		log_msg(LOG_INFO, "keys: the overlap ended; old OpenPGP key %s%s%s archived "
			"into %s", r->keys.old_pgp, *old_smime ? " and certificate " : "",
			old_smime, dir);
	crypto_close(k);
	g_free(err);
	g_free(dir);
	g_free(home);
	return rc;
}

int timer_rollover_archive(const struct mail_ctx *c)
{
	struct rollover r;
	char *detail;
	int rc;

	if (failed_at && c->now >= failed_at && c->now - failed_at < ARCHIVE_RETRY)
		return 0;
	if ((rc = rollovers_due(c->db, c->now, &r)) <= 0)
		return rc;
	if (archive(c, &r) < 0) {
		failed_at = c->now;
		return -1;
	}
	failed_at = 0;
	detail = g_strdup_printf("{\"openpgp\": \"%s\", \"smime\": \"%s\"}", r.keys.old_pgp,
				 r.keys.old_smime);
	rc = db_begin(c->db);
	if (rc == 0)
		rc = rollovers_mark_archived(c->db, r.id, c->now);
	if (rc == 0)
		rc = audit_append(c->db, c->now, "robot", NULL, "keys-archived", detail);
	g_free(detail);
	return finish(c->db, rc) < 0 ? -1 : 1;
}

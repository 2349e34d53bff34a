/* timer-poc-keys.c - the timers' daily check of the POCs' keys: once a
 * day (timer_runs 'poc-key-expiry') each key on record of a POC that is
 * not withdrawn and expires within 30 or 7 days (poc_keys_expiring) is
 * warned of to its State's authority signers (notices kind
 * "poc-key-expiry"), once for each key's expiry and threshold (timer_runs
 * rows, poc_keys_warned), in one transaction per key. Input: the
 * poc_keys and pocs tables; no crypto call (the expiry is on record). */
#include <string.h>
#include "timers-internal.h"
#include "clock.h"
#include "key-warnings.h"
#include "log.h"
#include "notices.h"
#include "poc-keys.h"
#include "pocs.h"

#define POC_KEYS_EVERY 86400	/* seconds between two checks */

/* Queues the warning about k, of POC p, due days before its expiry. 0 or -1. */
static int tell(const struct mail_ctx *c, const struct poc_key *k, const struct poc *p,
		int due)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	char day[CLOCK_TEXT_LEN], days[16];
	char *seed = g_strdup_printf("poc-key-expiry:%s:%s:%s:%" G_GINT64_FORMAT ":%d", k->poc,
				     k->address, k->fingerprint, k->expires, due);
	struct notice_request r = { .kind = "poc-key-expiry", .state = p->state, .seed = seed,
				    .vars = vars };
	int rc;

	g_snprintf(days, sizeof days, "%d", (int)((k->expires - c->now) / 86400));
	g_hash_table_insert(vars, "poc", k->poc);
	g_hash_table_insert(vars, "organisation", p->organisation ? p->organisation : "-");
	g_hash_table_insert(vars, "address", k->address);
	g_hash_table_insert(vars, "protocol",
			    strcmp(k->protocol, "openpgp") == 0 ? "OpenPGP" : "S/MIME");
	g_hash_table_insert(vars, "fingerprint", k->fingerprint);
	g_hash_table_insert(vars, "expires", (char *)clock_text(k->expires, CLOCK_DAY, "?", day));
	g_hash_table_insert(vars, "days", days);
	rc = notices_send(c, &r);
	g_hash_table_unref(vars);
	g_free(seed);
	return rc;
}

/* Warns of k in its own transaction, unless it was. 1 warned, 0 or -1. */
static int warn_one(const struct mail_ctx *c, const struct poc_key *k)
{
	int due = key_warnings_due(k->expires, c->now), rc;
	struct poc p = { 0 };

	if (!due)
		return 0;
	if (db_begin(c->db) < 0)
		return -1;
	if ((rc = poc_keys_warned(c->db, k, due)) != 0)
		return finish(c->db, rc < 0 ? -1 : 0);	/* warned already */
	rc = pocs_load(c->db, k->poc, &p) == 1 ? 1 : -1;
	if (rc == 1 && tell(c, k, &p, due) < 0)
		rc = -1;
	if (rc == 1 && poc_keys_mark_warned(c->db, k, due, c->now) < 0)
		rc = -1;
	if (rc == 1)
		log_msg(LOG_INFO, "POC %s: the key of %s expires in %d days or less; told", k->poc,
			k->address, due);
	pocs_clear(&p);
	return finish(c->db, rc);
}

int timer_poc_keys_warn(const struct mail_ctx *c)
{
	GPtrArray *keys;
	gint64 last = 0;
	int rc = poc_keys_expiry_last(c->db, &last), n = 0;

	if (rc < 0)
		return -1;
	if (rc == 1 && c->now - last < POC_KEYS_EVERY && c->now >= last)
		return 0;
	if (!(keys = poc_keys_expiring(c->db, c->now + KEY_WARN_FIRST + 1)))
		return -1;
	rc = 0;
	for (guint i = 0; rc >= 0 && i < keys->len; i++)
		rc = (n = warn_one(c, keys->pdata[i])) < 0 ? -1 : rc + n;
	g_ptr_array_unref(keys);
	if (rc >= 0)
		rc = poc_keys_expiry_mark(c->db, c->now) < 0 ? -1 : rc;
	return rc;
}

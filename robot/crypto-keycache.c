/* crypto-keycache.c - finding a key by fingerprint on the adapter's own
 * context. gpgme_get_key makes a context of its own for each call, which
 * runs `gpg --version` (or `gpgsm --version` and a fresh `gpgsm --server`)
 * every time; a listing on the adapter's context reuses its gpgsm server.
 * Public keys found are kept for KEYCACHE_SECONDS while the keyring file
 * (pubring.kbx, both gpg's and gpgsm's) is unchanged: a signed form lists
 * its signer's key for its addresses, then for encrypting the reply.
 * Input: fingerprints the robot chose (enrolled, or read from a verified
 * signature). */
#include <string.h>
#include <sys/stat.h>
#include "crypto-internal.h"

#define KEYCACHE_SECONDS 300

/* The keyring as last seen: a change of any of these empties the cache. */
static int keyring_changed(struct crypto *c)
{
	char *path = g_build_filename(c->home, "pubring.kbx", NULL);
	struct stat st;
	int ok = stat(path, &st) == 0;
	gint64 now = g_get_monotonic_time();
	int changed = !ok || st.st_ino != c->kbx.st_ino || st.st_size != c->kbx.st_size ||
		      st.st_mtim.tv_sec != c->kbx.st_mtim.tv_sec ||
		      st.st_mtim.tv_nsec != c->kbx.st_mtim.tv_nsec ||
		      now - c->keys_since > KEYCACHE_SECONDS * G_USEC_PER_SEC;

	if (changed) {
		memset(&c->kbx, 0, sizeof c->kbx);
		if (ok)
			c->kbx = st;
		c->keys_since = now;
	}
	g_free(path);
	return changed;
}

static gpgme_error_t list_one(gpgme_ctx_t ctx, const char *fpr, gpgme_key_t *key, int secret)
{
	gpgme_error_t e = gpgme_op_keylist_start(ctx, fpr, secret);

	if (!e)
		e = gpgme_op_keylist_next(ctx, key);
	gpgme_op_keylist_end(ctx);
	return e;
}

gpgme_error_t crypto_get_key(struct crypto *c, gpgme_ctx_t ctx, const char *fpr,
			     gpgme_key_t *key, int secret)
{
	GHashTable **cache = ctx == c->cms ? &c->keys_cms : &c->keys_pgp;
	gpgme_error_t e;

	*key = NULL;
	if (!fpr || !*fpr)
		return gpg_error(GPG_ERR_INV_VALUE);
	if (secret)
		return list_one(ctx, fpr, key, 1);
	if (keyring_changed(c)) {
		g_clear_pointer(&c->keys_pgp, g_hash_table_unref);
		g_clear_pointer(&c->keys_cms, g_hash_table_unref);
	}
	if (*cache && (*key = g_hash_table_lookup(*cache, fpr))) {
		gpgme_key_ref(*key);
		return 0;
	}
	if ((e = list_one(ctx, fpr, key, 0)))
		return e;
	if (!*cache)
		*cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					       (GDestroyNotify)gpgme_key_unref);
	gpgme_key_ref(*key);
	g_hash_table_replace(*cache, g_strdup(fpr), *key);
	return 0;
}

void crypto_keycache_clear(struct crypto *c)
{
	g_clear_pointer(&c->keys_pgp, g_hash_table_unref);
	g_clear_pointer(&c->keys_cms, g_hash_table_unref);
}

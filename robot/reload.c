/* reload.c - the daemon's configuration, shared by its threads and read
 * again on SIGHUP. A configuration is a reference-counted box
 * (g_atomic_rc_box): a thread takes the current one at a safe point (the
 * top of its loop), uses it until the bottom, and drops it; a reload
 * makes a new box and swaps the pointer under the lock, so no thread ever
 * sees a configuration change under its feet and the old one is freed by
 * whoever drops it last. Input: the configuration file, which may be
 * broken: then the running configuration stays and the error is logged.
 * The keys the running daemon cannot change (its folder, its listener,
 * its own address, for which its keys were made, the user it became) keep their old values,
 * and each change is logged "restart needed". */
#include <string.h>
#include "log.h"
#include "reload.h"

static void config_free(gpointer cfg)
{
	config_clear(cfg);
}

struct config *reload_share(const struct config *cfg)
{
	struct config *box = g_atomic_rc_box_new0(struct config);

	config_copy(box, cfg);
	return box;
}

struct config *reload_take(struct config *const *current, GMutex *lock)
{
	struct config *cfg;

	g_mutex_lock(lock);
	cfg = g_atomic_rc_box_acquire(*current);
	g_mutex_unlock(lock);
	return cfg;
}

void reload_drop(struct config *cfg)
{
	if (cfg)
		g_atomic_rc_box_release_full(cfg, config_free);
}

/* Keeps the running value of one key that needs a restart: logs the change. */
static void keep(char **next, const char *running, const char *key)
{
	if (g_strcmp0(*next, running) == 0)
		return;
	log_msg(LOG_WARNING, "reload: %s changed from \"%.200s\" to \"%.200s\": restart needed; "
		"it stays \"%.200s\" until then", key, running ? running : "",
		*next ? *next : "", running ? running : "");
	g_free(*next);
	*next = g_strdup(running);
}

struct config *reload_read(const struct config *running)
{
	struct config *next = g_atomic_rc_box_new0(struct config);
	char *err = NULL;

	if (config_load(running->file, next, &err) < 0) {
		log_msg(LOG_ERR, "reload: %s; the configuration stays as it was", err);
		g_free(err);
		reload_drop(next);
		return NULL;
	}
	keep(&next->var, running->var, "[paths] var");
	keep(&next->lmtp_listen, running->lmtp_listen, "[lmtp] listen");
	keep(&next->domain, running->domain, "[robot] domain");
	keep(&next->address, running->address, "[robot] address");
	keep(&next->user, running->user, "[robot] user");
	if (next->lmtp_allow_uids > 0 && !g_str_has_prefix(next->lmtp_listen, "unix:")) {
		log_msg(LOG_ERR, "reload: [lmtp] allow_uids needs a unix socket; "
			"the configuration stays as it was");
		reload_drop(next);
		return NULL;
	}
	return next;
}

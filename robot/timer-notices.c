/* timer-notices.c - the timers' held notices (notice-hold.c): each group
 * of one kind to one signer about one State that is due goes as one
 * message: the first's subject (with the count when more than one), the
 * bodies one after the other, signed and encrypted as the first was held.
 * STATE_BATCH groups a wake, each in its own transaction. */
#include <string.h>
#include "timers-internal.h"
#include "log.h"
#include "notice-hold.h"
#include "outbox.h"

/* Whether a and b are of the same group. */
static gboolean same_group(const struct notice_held *a, const struct notice_held *b)
{
	return strcmp(a->kind, b->kind) == 0 && strcmp(a->signer, b->signer) == 0 &&
	       strcmp(a->state, b->state) == 0;
}

/* Queues held[from..to-1], one group, as one message and removes them. */
static int send_group(const struct mail_ctx *c, const GPtrArray *held, guint from, guint to)
{
	const struct notice_held *first = held->pdata[from];
	const char *const encrypt_to[] = { first->enc_key, NULL };
	GString *body = g_string_new(NULL);
	char *subject = to - from > 1 ? g_strdup_printf("%s (%u)", first->subject, to - from)
				      : g_strdup(first->subject);
	struct outbox_item it = { .purpose = first->purpose, .to = first->rcpt,
				  .subject = subject, .protocol = first->protocol,
				  .encrypt_to = encrypt_to };
	int rc;

	for (guint i = from; i < to; i++) {
		const struct notice_held *h = held->pdata[i];

		if (i > from)
			g_string_append(body, "\n----------------------------------------"
					      "--------------------------------\n\n");
		g_string_append(body, h->body);
	}
	it.body = body->str;
	rc = db_begin(c->db);
	if (rc == 0)
		rc = outbox_queue(c->db, c->cfg, c->crypto, c->now, 0, first->seed, &it) < 0
			     ? finish(c->db, -1)
			     : 1;
	for (guint i = from; rc > 0 && i < to; i++)
		if (notice_hold_remove(c->db, ((struct notice_held *)held->pdata[i])->id) < 0)
			rc = -1;
	if (rc > 0 && to - from > 1)
		log_msg(LOG_INFO, "notices: %u %s notices to %s about %s merged", to - from,
			first->kind, first->rcpt, first->state);
	if (rc > 0)
		rc = finish(c->db, rc);
	else if (rc < 0 && !sqlite3_get_autocommit(c->db))
		db_rollback(c->db);
	g_string_free(body, TRUE);
	g_free(subject);
	return rc;
}

int timer_notices_flush(const struct mail_ctx *c)
{
	GPtrArray *held = notice_hold_due(c->db, c->now, STATE_BATCH);
	int rc = held ? 0 : -1;
	guint from = 0;

	for (guint i = 1; rc >= 0 && held && i <= held->len; i++) {
		int n;

		if (i < held->len && same_group(held->pdata[from], held->pdata[i]))
			continue;
		n = send_group(c, held, from, i);
		rc = n < 0 ? -1 : rc + n;
		from = i;
	}
	if (held)
		g_ptr_array_unref(held);
	return rc;
}

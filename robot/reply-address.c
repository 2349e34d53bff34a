/* reply-address.c - where a reply to a message's sender goes: Reply-To,
 * else From; when that address cannot be written in an envelope (its local
 * part is not ASCII and the robot has no SMTPUTF8), the envelope sender,
 * which the MTA accepted and the intake checked (an ASCII local part), so
 * that a message taken with 250 is never left with no address to answer.
 * Input: the message's headers and envelope (untrusted; the addresses were
 * checked by envelope_address_ok, and are bounded in the log). */
#include "reply-address.h"
#include "envelope.h"
#include "log.h"

char *reply_address_pick(const struct mail *m, const char *env_sender)
{
	char *to = mail_reply_to_address(m);

	if (!to)
		to = mail_from_address(m);
	if (!to || envelope_local_ascii(to))
		return to;
	if (env_sender && *env_sender && envelope_local_ascii(env_sender) &&
	    envelope_address_ok(env_sender, 0)) {
		log_msg(LOG_NOTICE, "reply: <%.200s> has a non-ASCII local part (no SMTPUTF8):"
			" answered at the envelope sender <%.200s>", to, env_sender);
		g_free(to);
		return g_strdup(env_sender);
	}
	log_msg(LOG_NOTICE, "reply: <%.200s> has a non-ASCII local part (no SMTPUTF8) and"
		" there is no envelope sender to answer instead", to);
	g_free(to);
	return NULL;
}

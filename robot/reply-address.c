/* reply-address.c - where a reply to a message's sender goes: Reply-To,
 * else From; when that address cannot be written in an envelope (its local
 * part is not ASCII, and the robot has no SMTPUTF8; or its domain has no
 * A-label form), the envelope sender, which the MTA accepted and the
 * intake checked, so that a message taken with 250 is never left with no
 * address to answer. Input: the message's headers and envelope
 * (untrusted; checked by envelope_address_ok, bounded in the log). */
#include "reply-address.h"
#include "envelope.h"
#include "log.h"

/* 1 when addr can be written in MAIL FROM or RCPT TO by the robot. */
static int sendable(const char *addr)
{
	char *ascii = *addr ? envelope_address_ascii(addr) : NULL;

	g_free(ascii);
	return ascii != NULL;
}

char *reply_address_pick(const struct mail *m, const char *env_sender)
{
	char *to = mail_reply_to_address(m);
	const char *why;

	if (!to)
		to = mail_from_address(m);
	if (!to || sendable(to))
		return to;
	why = envelope_local_ascii(to) ? "a domain with no A-label form"
				       : "a non-ASCII local part (no SMTPUTF8)";
	if (env_sender && envelope_address_ok(env_sender, 0) && sendable(env_sender)) {
		log_msg(LOG_NOTICE, "reply: <%.200s> has %s: answered at the envelope sender"
			" <%.200s>", to, why, env_sender);
		g_free(to);
		return g_strdup(env_sender);
	}
	log_msg(LOG_NOTICE, "reply: <%.200s> has %s, and the envelope sender cannot be"
		" answered either: no reply", to, why);
	g_free(to);
	return NULL;
}

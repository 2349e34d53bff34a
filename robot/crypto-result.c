/* crypto-result.c - the verification result: the names of its outcomes
 * and its clearing. Verification (crypto-verify*.c) calls it; it calls
 * none of them, so the crypto files have no call cycle. Input: a result
 * filled by crypto_verify, or an outcome from anywhere. */
#include <string.h>
#include "crypto.h"

const char *crypto_outcome_name(enum crypto_outcome o)
{
	static const char *const names[] = {
		[CRYPTO_UNSIGNED] = "unsigned", [CRYPTO_GOOD] = "good", [CRYPTO_BAD] = "bad",
		[CRYPTO_NO_KEY] = "no-key", [CRYPTO_KEY_EXPIRED] = "key-expired",
		[CRYPTO_KEY_REVOKED] = "key-revoked", [CRYPTO_UNTRUSTED] = "untrusted",
		[CRYPTO_WEAK] = "weak", [CRYPTO_MALFORMED] = "malformed", [CRYPTO_ERROR] = "error",
	};

	/* CRYPTO_ERROR is the last outcome: every one has a name */
	G_STATIC_ASSERT(G_N_ELEMENTS(names) == CRYPTO_ERROR + 1);
	return (unsigned)o < G_N_ELEMENTS(names) && names[o] ? names[o] : "unknown";
}

void crypto_result_clear(struct crypto_result *r)
{
	if (!r)
		return;
	g_free(r->content);
	g_free(r->detail);
	memset(r, 0, sizeof *r);
}

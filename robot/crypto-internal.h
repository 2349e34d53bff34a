/* crypto-internal.h - what the crypto adapter's files share; nothing
 * outside robot/crypto*.c includes it. */
#ifndef POCBOT_CRYPTO_INTERNAL_H
#define POCBOT_CRYPTO_INTERNAL_H

#include <gpgme.h>
#include "crypto.h"

struct crypto {
	char *home;		/* GNUPGHOME */
	gpgme_ctx_t pgp;	/* OpenPGP context, reused */
	gpgme_ctx_t cms;	/* CMS (gpgsm) context, reused */
};

/* A GPGME error as one line. g_free it. */
char *crypto_gpgme_error(const char *what, gpgme_error_t e);

#endif

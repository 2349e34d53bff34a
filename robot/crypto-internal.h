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

/* Makes GPGME start a fresh gpgsm server at the next CMS operation. A
 * long-lived gpgsm 2.2 session is spoilt by a refused CMS object ("Invalid
 * value passed to IPC" after it) and runs out of secure memory after about
 * eight ENCRYPT commands ("Cannot allocate memory (gcrypt)"). */
void crypto_cms_reset(struct crypto *c);

/* A GPGME error as one line. g_free it. */
char *crypto_gpgme_error(const char *what, gpgme_error_t e);

#endif

/* crypto-canary.c - the crypto engine's self-check, which involves no
 * message: the robot signs a fixed text with its OpenPGP key and its
 * S/MIME certificate and verifies both signatures. It passes only when
 * gpg, gpg-agent (the secret keys) and gpgsm all work. Also the lock that
 * keeps the engine out of a GnuPG home while a key import rewrites it. */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include "crypto-internal.h"

static const char canary_text[] = "pocbot canary\r\n";

/* Signs the canary text on ctx and verifies the signature. 0 or -1. */
static int sign_and_verify(struct crypto *c, gpgme_ctx_t ctx, const char *what, char **cause)
{
	gpgme_data_t text = NULL, sig = NULL;
	gpgme_hash_algo_t hash;
	gpgme_verify_result_t r;
	GString *s = NULL;
	char *err = NULL;
	gpgme_error_t e;
	int rc = -1;

	if (crypto_ensure_signer(c, ctx, &err) < 0 ||
	    gpgme_data_new_from_mem(&text, canary_text, sizeof canary_text - 1, 0) ||
	    !(s = crypto_sign_data(c, ctx, text, &hash, &err)))
		goto out;
	gpgme_data_seek(text, 0, SEEK_SET);
	e = gpgme_data_new_from_mem(&sig, s->str, s->len, 0);
	if (!e)
		e = gpgme_op_verify(ctx, sig, text, NULL);
	if (!e && (!(r = gpgme_op_verify_result(ctx)) || !r->signatures))
		e = gpg_error(GPG_ERR_NO_DATA);
	if (!e)
		e = r->signatures->status;
	if (e)
		err = crypto_gpgme_error("verifying", e);
	rc = e ? -1 : 0;
out:
	if (rc < 0)
		*cause = g_strdup_printf("%s canary: %s", what, err ? err : "failed");
	g_free(err);
	if (s)
		g_string_free(s, TRUE);
	gpgme_data_release(text);
	gpgme_data_release(sig);
	return rc;
}

int crypto_canary(struct crypto *c, char **cause)
{
	*cause = NULL;
	if (c->engine)
		return crypto_client_canary(c, cause);
	if (sign_and_verify(c, c->pgp, "OpenPGP", cause) < 0)
		return -1;
	if (sign_and_verify(c, c->cms, "S/MIME", cause) < 0) {
		crypto_cms_reset(c);	/* a failed CMS operation spoils the session */
		return -1;
	}
	return 0;
}

int crypto_home_lock(const char *home, int exclusive, char **err)
{
	char *path = g_build_filename(home, "pocbot-home.lock", NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	int e = errno;

	while (fd >= 0 && flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		if ((e = errno) != EINTR) {
			close(fd);
			fd = -1;
		}
	if (fd < 0)
		*err = g_strdup_printf("%s: %s", path, g_strerror(e));
	g_free(path);
	return fd;
}

void crypto_home_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

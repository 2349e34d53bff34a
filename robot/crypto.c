/* crypto.c - opens the crypto adapter: the robot's GNUPGHOME with its
 * configuration, and one GPGME context per protocol, kept for reuse.
 * Input: none from mail. Returns NULL with a message when GnuPG is not
 * usable (the caller answers with a temporary failure). */
#include <errno.h>
#include <locale.h>
#include <string.h>
#include <glib/gstdio.h>
#include "crypto-internal.h"

/* The robot pins enrolled fingerprints itself, so gpg's web of trust is
 * not used; nothing may go to the network. */
static const struct {
	const char *name, *text;
} conf_files[] = {
	{ "gpg.conf", "# written by pocbot\ntrust-model always\nno-auto-key-retrieve\n"
		      "auto-key-locate local\nkeyid-format long\nweak-digest SHA1\n" },
	{ "gpgsm.conf", "# written by pocbot\ndisable-crl-checks\ndisable-ocsp\n"
			"disable-dirmngr\nno-common-certs-import\n" },
	{ "gpg-agent.conf", "# written by pocbot\nallow-loopback-pinentry\n" },
};

char *crypto_gpgme_error(const char *what, gpgme_error_t e)
{
	return g_strdup_printf("%s: %s (%s)", what, gpgme_strerror(e), gpgme_strsource(e));
}

static int write_conf(const char *home, char **err)
{
	if (g_mkdir_with_parents(home, 0700) < 0) {
		*err = g_strdup_printf("%s: %s", home, g_strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(conf_files); i++) {
		char *path = g_build_filename(home, conf_files[i].name, NULL);
		GError *gerr = NULL;
		int rc = 0;

		if (!g_file_test(path, G_FILE_TEST_EXISTS) &&
		    !g_file_set_contents(path, conf_files[i].text, -1, &gerr)) {
			*err = g_strdup_printf("%s: %s", path, gerr->message);
			g_error_free(gerr);
			rc = -1;
		}
		g_free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static gpgme_ctx_t new_context(gpgme_protocol_t proto, const char *home, char **err)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_error_t e = gpgme_new(&ctx);

	if (!e)
		e = gpgme_set_protocol(ctx, proto);
	if (!e)
		e = gpgme_ctx_set_engine_info(ctx, proto, NULL, home);
	if (!e)
		e = gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK);
	if (e) {
		*err = crypto_gpgme_error(proto == GPGME_PROTOCOL_CMS ? "gpgsm" : "gpg", e);
		gpgme_release(ctx);
		return NULL;
	}
	gpgme_set_offline(ctx, 1);
	return ctx;
}

struct crypto *crypto_open(const char *gnupghome, char **err)
{
	static gsize once;
	struct crypto *c;

	*err = NULL;
	if (g_once_init_enter(&once)) {
		gpgme_check_version(NULL);
		gpgme_set_locale(NULL, LC_CTYPE, setlocale(LC_CTYPE, NULL));
		g_once_init_leave(&once, 1);
	}
	if (write_conf(gnupghome, err) < 0)
		return NULL;
	c = g_new0(struct crypto, 1);
	c->home = g_strdup(gnupghome);
	if (!(c->pgp = new_context(GPGME_PROTOCOL_OpenPGP, gnupghome, err)) ||
	    !(c->cms = new_context(GPGME_PROTOCOL_CMS, gnupghome, err))) {
		crypto_close(c);
		return NULL;
	}
	return c;
}

const char *crypto_library_version(void)
{
	return gpgme_check_version(NULL);
}

void crypto_close(struct crypto *c)
{
	if (!c)
		return;
	if (c->engine)
		crypto_client_close(c);
	crypto_keycache_clear(c);
	if (c->pgp)
		gpgme_release(c->pgp);
	if (c->cms)
		gpgme_release(c->cms);
	g_free(c->sign_as[0]);
	g_free(c->sign_as[1]);
	g_free(c->home);
	g_free(c);
}

void crypto_cms_reset(struct crypto *c)
{
	gpgme_ctx_set_engine_info(c->cms, GPGME_PROTOCOL_CMS, NULL, c->home);
	c->cms_encrypts = 0;
}


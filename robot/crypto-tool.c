/* crypto-tool.c - runs gpgsm, gpgconf or openssl as a process for the
 * few key operations GPGME 1.18 cannot do itself (making a key and
 * importing PKCS#12 in gpgsm need a passphrase on fd 3; gpg-agent's
 * reload). Input: argv made by the crypto adapter and bytes for the
 * tool's standard input; nothing from mail. Returns the tool's standard
 * output, or NULL with *err quoting its complaint. */
#define _GNU_SOURCE	/* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "crypto-internal.h"

/* The program GPGME runs for proto (gpgsm, gpgconf), else name. Borrowed. */
const char *crypto_engine_path(gpgme_protocol_t proto, const char *name)
{
	gpgme_engine_info_t info = NULL;

	if (!gpgme_get_engine_info(&info))
		for (; info; info = info->next)
			if (info->protocol == proto && info->file_name)
				return info->file_name;
	return name;
}

/* A memory file holding len bytes of data (may be 0), at offset 0; -1. */
static int memfile(const char *name, const void *data, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0 || len == 0)
		return fd;
	if (write(fd, data, len) != (ssize_t)len)
		goto fail;
	if (lseek(fd, 0, SEEK_SET) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* The contents of a memory file; g_bytes_unref it. */
static GBytes *memfile_bytes(int fd)
{
	GByteArray *a = g_byte_array_new();
	guint8 buf[4096];
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) == 0)
		while ((n = read(fd, buf, sizeof buf)) > 0)
			g_byte_array_append(a, buf, (guint)n);
	return g_byte_array_free_to_bytes(a);
}

/* Runs argv (searched in PATH) with input (may be NULL) on its standard
 * input and fd 3 reading /dev/null: gpgsm's empty passphrase. GPGME 1.18
 * cannot give gpgsm the loopback pinentry, so the two rare steps that need
 * a passphrase (making a key, importing PKCS#12) run gpgsm itself. Memory
 * files and waitpid, not GSubprocess: GLib's child watch never fires in a
 * process forked after its worker thread started (Check's tests). The
 * standard output, or NULL with *err quoting the tool's complaint. */
GBytes *crypto_run_tool(const char *const *argv, GBytes *input, char **err)
{
	gsize in_len = 0;
	const void *in_data = input ? g_bytes_get_data(input, &in_len) : NULL;
	int in = memfile("in", in_data, in_len), out = memfile("out", NULL, 0),
	    errf = memfile("err", NULL, 0);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), target = 3, status = 0, waited;
	int fds[] = { in, out, errf, null };
	GError *gerr = NULL;
	GBytes *result = NULL, *complaint = NULL;
	GPid pid = 0;

	if (in < 0 || out < 0 || errf < 0 || null < 0) {
		*err = g_strdup_printf("%s: %s", argv[0], g_strerror(errno));
	} else if (!g_spawn_async_with_pipes_and_fds(
			   NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL,
			   NULL, in, out, errf, &null, &target, 1, &pid, NULL, NULL, NULL,
			   &gerr)) {
		*err = g_strdup_printf("%s: %s", argv[0], gerr->message);
		g_error_free(gerr);
	} else {
		while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
			;
		g_spawn_close_pid(pid);
		if (waited == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			result = memfile_bytes(out);
		} else {
			gsize n = 0;
			const char *t = g_bytes_get_data(complaint = memfile_bytes(errf), &n);
			*err = g_strdup_printf("%s %s failed: %.*s", argv[0], argv[1],
					       (int)MIN(n, 400),
					       t ? t + (n > 400 ? n - 400 : 0) : "");
		}
	}
	for (size_t i = 0; i < G_N_ELEMENTS(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (complaint)
		g_bytes_unref(complaint);
	return result;
}

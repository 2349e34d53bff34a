/* verify-file.c - test driver: runs crypto_verify on message files with
 * the robot's GNUPGHOME, one adapter for all, and prints one line a file:
 *   outcome protocol fingerprint created text_outside encrypted
 * ("-" for an empty fingerprint). With -c it also writes the signed
 * content to standard output after that line, with -d the detail and the
 * replay key; -n N verifies each file N times and prints the mean time.
 * Usage: verify-file [-c] [-d] [-n N] GNUPGHOME FILE...
 * Exit 0 when it could run, 2 on usage or I/O errors, 75 when an
 * outcome was CRYPTO_ERROR. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "robot/crypto.h"
#include "robot/mail.h"

static const char *protocol_name(enum crypto_protocol p)
{
	return p == CRYPTO_OPENPGP ? "openpgp" : p == CRYPTO_SMIME ? "smime" : "none";
}

/* Verifies file n times; prints its line. -1 on CRYPTO_ERROR, -2 unreadable. */
static int verify_file(struct crypto *c, const char *file, int n, int show_content, int show_detail)
{
	struct crypto_result r;
	char *data = NULL;
	gsize len = 0;
	gint64 t0;
	int rc = 0;

	if (!g_file_get_contents(file, &data, &len, NULL)) {
		fprintf(stderr, "verify-file: cannot read %s\n", file);
		return -2;
	}
	t0 = g_get_monotonic_time();
	for (int i = 0; i < n; i++) {
		if (i)
			crypto_result_clear(&r);
		rc = crypto_verify(c, data, len, &r);
	}
	printf("%s %s %s %" G_GINT64_FORMAT " %d %d\n", crypto_outcome_name(r.outcome), protocol_name(r.protocol),
	       r.fingerprint[0] ? r.fingerprint : "-", r.created, r.text_outside, r.encrypted);
	if (n > 1)
		printf("time: %.2f ms a verification (%d runs)\n", (g_get_monotonic_time() - t0) / 1000.0 / n, n);
	if (show_detail)
		printf("detail: %s\nreplay: %s\n", r.detail ? r.detail : "-", r.replay_key[0] ? r.replay_key : "-");
	if (show_content && r.content)
		fwrite(r.content, 1, r.content_len, stdout);
	crypto_result_clear(&r);
	g_free(data);
	return rc;
}

int main(int argc, char **argv)
{
	int show_content = 0, show_detail = 0, n = 1, a = 1, status = 0;
	struct crypto *c;
	char *err = NULL;

	for (; a < argc && argv[a][0] == '-'; a++) {
		show_content |= strcmp(argv[a], "-c") == 0;
		show_detail |= strcmp(argv[a], "-d") == 0;
		if (strcmp(argv[a], "-n") == 0 && a + 1 < argc)
			n = atoi(argv[++a]);
	}
	if (argc - a < 2 || n < 1) {
		fprintf(stderr, "usage: verify-file [-c] [-d] [-n N] GNUPGHOME FILE...\n");
		return 2;
	}
	setlocale(LC_ALL, "");
	mail_library_init();
	if (!(c = crypto_open(argv[a], &err))) {
		fprintf(stderr, "verify-file: %s\n", err);
		g_free(err);
		return 75;
	}
	for (int i = a + 1; i < argc; i++) {
		int rc = verify_file(c, argv[i], n, show_content, show_detail);
		if (rc == -2)
			status = 2;
		else if (rc < 0 && status == 0)
			status = 75;
	}
	crypto_close(c);
	return status;
}

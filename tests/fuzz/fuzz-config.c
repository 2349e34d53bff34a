/* fuzz-config.c - libFuzzer target: the configuration reader (config_load)
 * fed any file, then the effective configuration dumped and read back: a
 * configuration that loads must dump to one that loads the same. Finds
 * memory errors and undefined behaviour (ASan, UBSan). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "config.h"

static char *path;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = g_get_tmp_dir();	/* tests/fuzz/run points it at /dev/shm */
	char *dir = g_build_filename(base, "pocbot-fuzz-config-XXXXXX", NULL);

	(void)argc;
	(void)argv;
	if (!g_mkdtemp(dir))
		abort();
	path = g_build_filename(dir, "pocbot.conf", NULL);
	g_free(dir);
	return 0;
}

/* Loads text from the file; the dump of what loaded, or NULL. */
static char *load(const char *text, size_t len)
{
	struct config cfg;
	char *err = NULL, *dump = NULL;

	if (!g_file_set_contents(path, text, (gssize)len, NULL))
		abort();
	if (config_load(path, &cfg, &err) == 0)
		dump = config_dump(&cfg);
	g_free(err);
	config_clear(&cfg);
	return dump;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *dump = load((const char *)data, size), *again;

	if (!dump)
		return 0;
	again = load(dump, strlen(dump));
	if (!again) {
		fprintf(stderr, "fuzz-config: the dump of a configuration that loaded does not load:\n%s", dump);
		abort();
	}
	g_free(again);
	g_free(dump);
	return 0;
}

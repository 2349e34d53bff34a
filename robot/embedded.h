/* embedded.h - files compiled into the binary (the db migrations, templates). */
#ifndef POCBOT_EMBEDDED_H
#define POCBOT_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name;	/* path relative to the source tree */
	const char *data;	/* NUL-terminated */
	size_t len;
};

extern const struct embedded_file embedded_files[];	/* ends with name == NULL */

const struct embedded_file *embedded_find(const char *name);

#endif

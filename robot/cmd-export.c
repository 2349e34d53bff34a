/* cmd-export.c - "export [--format csv|vcard|json] [--state CODE]...
 * [--lang LANG] [-o FILE]": the directory (every POC that is not
 * withdrawn, of the States given or of all, with its addresses' keys),
 * for the custodian, in the
 * formats of export.c, streamed one POC at a time. To standard output, or
 * to FILE through a temporary file in its folder, fsynced and renamed, so
 * that FILE is whole or untouched. Input: the database (untrusted text,
 * handled by export.c) and the options. Exit: 0; 64 usage; 65 an unknown
 * State; 75 the database could not be read or the output not written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <gio/gunixoutputstream.h>
#include <sqlite3.h>
#include "commands.h"
#include "db.h"
#include "durable.h"
#include "export.h"
#include "langs.h"
#include "states.h"
#include "templates.h"

#define OUT_BUFFER (64 * 1024)	/* bytes gathered before each write */

struct export_opts {
	char *format, *lang, *output;
	char **states;
};

/* The States asked for as alpha-2 codes (NULL-terminated; g_strfreev it),
 * or NULL after saying which is unknown. */
static char **state_codes(const struct states *ref, char **names)
{
	GPtrArray *codes = g_ptr_array_new_with_free_func(g_free);

	for (size_t i = 0; names && names[i]; i++) {
		char code[3];

		if (states_find(ref, names[i], code) < 0) {
			fprintf(stderr, "pocbot export: no State called \"%.200s\"\n", names[i]);
			g_ptr_array_free(codes, TRUE);
			return NULL;
		}
		g_ptr_array_add(codes, g_strdup(code));
	}
	g_ptr_array_add(codes, NULL);
	return (char **)g_ptr_array_free(codes, FALSE);
}

/* Writes the directory to fd through a buffer. 0, or -1 after saying why. */
static int write_fd(int fd, sqlite3 *db, char **codes, enum export_format format,
		    const struct export_names *names)
{
	GOutputStream *raw = g_unix_output_stream_new(fd, FALSE);
	GOutputStream *out = g_buffered_output_stream_new_sized(raw, OUT_BUFFER);
	struct export_cursor *c = export_cursor_new(db, (const char *const *)codes);
	GError *err = NULL;
	guint n = 0;
	int rc = -1;

	if (!c)
		fprintf(stderr, "pocbot export: %s\n", sqlite3_errmsg(db));
	else if (export_write(format, out, export_cursor_next, c, names, &n, &err) < 0)
		fprintf(stderr, "pocbot export: %s\n", err->message);
	else if (!g_output_stream_flush(out, NULL, &err))
		fprintf(stderr, "pocbot export: %s\n", err->message);
	else
		rc = 0;
	g_clear_error(&err);
	export_cursor_free(c);
	g_object_unref(out);
	g_object_unref(raw);
	return rc;
}

/* Writes to a temporary file beside path, fsyncs it, renames it to path
 * and fsyncs the folder. 0, or -1 after saying why (the temporary file
 * removed). */
static int write_file(const char *path, sqlite3 *db, char **codes, enum export_format format,
		      const struct export_names *names)
{
	char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
	char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
	int fd = g_mkstemp_full(tmp, O_WRONLY, 0644), rc = -1;

	if (fd < 0) {
		fprintf(stderr, "pocbot export: cannot create a file in %s: %s\n", dir,
			g_strerror(errno));
		goto out;
	}
	if (write_fd(fd, db, codes, format, names) < 0)
		;
	else if (fsync(fd) < 0)
		fprintf(stderr, "pocbot export: fsync %s: %s\n", tmp, g_strerror(errno));
	else
		rc = 0;
	if (close(fd) < 0 && rc == 0) {
		fprintf(stderr, "pocbot export: close %s: %s\n", tmp, g_strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) < 0) {
		fprintf(stderr, "pocbot export: rename to %s: %s\n", path, g_strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		unlink(tmp);
	else if (durable_sync_dir(dir) < 0) {
		fprintf(stderr, "pocbot export: fsync %s: %s\n", dir, g_strerror(errno));
		rc = -1;
	}
out:
	g_free(tmp);
	g_free(dir);
	g_free(base);
	return rc;
}

static int run(sqlite3 *db, const struct export_opts *o)
{
	enum export_format format = EXPORT_CSV;
	struct export_names names;
	const struct states *ref;
	struct templates *tpl;
	char *err = NULL, **codes;
	int rc;

	if (o->format && export_format_parse(o->format, &format) < 0) {
		fprintf(stderr, "pocbot export: --format is csv, vcard or json\n");
		return EX_USAGE;
	}
	if (o->lang && !langs_known(o->lang)) {
		fprintf(stderr, "pocbot export: --lang is en, fr, es, ru, zh or ar\n");
		return EX_USAGE;
	}
	if (!(ref = states_load(&err))) {
		fprintf(stderr, "pocbot export: %s\n", err);
		g_free(err);
		return EX_SOFTWARE;
	}
	if (!(codes = state_codes(ref, o->states)))
		return EX_DATAERR;
	tpl = templates_load();
	export_names_init(&names, ref, tpl, o->lang);
	names.db = db;
	if (o->output)
		rc = write_file(o->output, db, codes, format, &names) < 0 ? EX_TEMPFAIL : 0;
	else
		rc = write_fd(STDOUT_FILENO, db, codes, format, &names) < 0 ? EX_TEMPFAIL : 0;
	export_names_clear(&names);
	if (tpl)
		templates_free(tpl);
	g_strfreev(codes);
	return rc;
}

int cmd_export(struct command_ctx *ctx, int argc, char **argv)
{
	struct export_opts o = { NULL, NULL, NULL, NULL };
	GOptionEntry entries[] = {
		{ "format", 0, 0, G_OPTION_ARG_STRING, &o.format,
		  "csv (the default), vcard or json", "FORMAT" },
		{ "state", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.states,
		  "only this State's (code or name; repeatable)", "CODE" },
		{ "lang", 0, 0, G_OPTION_ARG_STRING, &o.lang,
		  "the language of State names and types: en (the default), fr, es, ru, zh, ar",
		  "LANG" },
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output,
		  "write FILE (whole or not at all), not standard output", "FILE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int rc =
		command_options(ctx,
				"The directory (every POC that is not withdrawn), for the "
				"custodian: CSV (RFC 4180), vCard 4.0 (RFC 6350) or JSON, written "
				"one POC at a time.",
				entries, &argc, &argv);

	if (rc == 0)
		rc = run(ctx->db, &o);
	g_free(o.format);
	g_free(o.lang);
	g_free(o.output);
	g_strfreev(o.states);
	return rc;
}

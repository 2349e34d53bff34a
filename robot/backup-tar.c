/* backup-tar.c - a backup's container: a ustar stream of regular files
 * (see backup-tar.h). Input: when reading, the bytes of an archive that
 * was decrypted but is not trusted yet (its checksums and signature are
 * checked by the caller): every header is checked before its name or
 * size is used. Returns -1 with a message in *err on failure. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "backup-tar.h"
#include "durable.h"

#define BLOCK 512
#define MAX_MEMBER_BYTES ((gint64)1 << 40)	/* 1 TiB: above, a header is refused */

/* The fields of a ustar header (POSIX.1-1988), offsets in the block. */
#define F_NAME 0
#define F_MODE 100
#define F_UID 108
#define F_GID 116
#define F_SIZE 124
#define F_MTIME 136
#define F_CHKSUM 148
#define F_TYPE 156
#define F_MAGIC 257
#define F_VERSION 263
#define F_PREFIX 345

static int component_ok(const char *p, size_t n)
{
	if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(p[i]) && !strchr("._,=+-", p[i]))
			return 0;
	return 1;
}

int backup_tar_name_ok(const char *name)
{
	const char *p = name, *slash;

	if (!*name || strlen(name) > 255)
		return 0;
	for (; (slash = strchr(p, '/')); p = slash + 1)
		if (!component_ok(p, (size_t)(slash - p)))
			return 0;
	return component_ok(p, strlen(p));
}

static unsigned header_sum(const unsigned char *h)
{
	unsigned sum = 0;

	for (int i = 0; i < BLOCK; i++)
		sum += i >= F_CHKSUM && i < F_CHKSUM + 8 ? ' ' : h[i];
	return sum;
}

static int write_block(int fd, const void *b, char **err)
{
	if (durable_write_all(fd, b, BLOCK) < 0) {
		*err = g_strdup_printf("writing the archive: %s", g_strerror(errno));
		return -1;
	}
	return 0;
}

static int write_header(int fd, const char *name, gint64 size, char **err)
{
	unsigned char h[BLOCK] = { 0 };

	if (strlen(name) > BACKUP_TAR_NAME_MAX || !backup_tar_name_ok(name)) {
		*err = g_strdup_printf("%.200s: not a name an archive may hold", name);
		return -1;
	}
	memcpy(h + F_NAME, name, strlen(name));
	snprintf((char *)h + F_MODE, 8, "%07o", 0600);
	snprintf((char *)h + F_UID, 8, "%07o", 0);
	snprintf((char *)h + F_GID, 8, "%07o", 0);
	snprintf((char *)h + F_SIZE, 12, "%011llo", (unsigned long long)size);
	snprintf((char *)h + F_MTIME, 12, "%011o", 0);
	h[F_TYPE] = '0';
	memcpy(h + F_MAGIC, "ustar", 6);
	memcpy(h + F_VERSION, "00", 2);
	snprintf((char *)h + F_CHKSUM, 8, "%06o", header_sum(h));
	return write_block(fd, h, err);
}

/* Copies in to out up to its end, n bytes wanted, feeding ck. 0 or -1. */
static int copy_bytes(int in, int out, gint64 n, GChecksum *ck, char **err)
{
	char buf[65536];
	gint64 done = 0;
	ssize_t r;

	while (done < n) {
		size_t want = (size_t)MIN((gint64)sizeof buf, n - done);

		if ((r = read(in, buf, want)) < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*err = g_strdup_printf("reading: %s",
					       r < 0 ? g_strerror(errno) : "unexpected end");
			return -1;
		}
		if (ck)
			g_checksum_update(ck, (const guchar *)buf, (gssize)r);
		if (out >= 0 && durable_write_all(out, buf, (size_t)r) < 0) {
			*err = g_strdup_printf("writing: %s", g_strerror(errno));
			return -1;
		}
		done += r;
	}
	return 0;
}

int backup_tar_add(int fd, const char *name, const char *path, GChecksum *ck, gint64 *size,
		   char **err)
{
	static const char zeros[BLOCK];
	int in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	int rc = -1;

	if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		*err = g_strdup_printf("%s: %s", path, in < 0 ? g_strerror(errno)
							      : "not a regular file");
	} else if (write_header(fd, name, st.st_size, err) == 0 &&
		   copy_bytes(in, fd, st.st_size, ck, err) == 0) {
		size_t pad = (size_t)((BLOCK - st.st_size % BLOCK) % BLOCK);

		rc = durable_write_all(fd, zeros, pad) < 0 ? -1 : 0;
		if (rc < 0)
			*err = g_strdup_printf("writing the archive: %s", g_strerror(errno));
		*size = st.st_size;
	}
	if (in >= 0)
		close(in);
	return rc;
}

int backup_tar_finish(int fd, char **err)
{
	static const char zeros[BLOCK];

	if (write_block(fd, zeros, err) < 0)
		return -1;
	return write_block(fd, zeros, err);
}

/* An octal field of n bytes: digits, then spaces or NULs. -1 if not. */
static gint64 octal(const unsigned char *f, size_t n)
{
	gint64 v = 0;
	size_t i = 0;

	while (i < n && f[i] == ' ')
		i++;
	if (i == n || f[i] < '0' || f[i] > '7')
		return -1;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > MAX_MEMBER_BYTES)
			return -1;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	return v;
}

static int read_block(int fd, unsigned char *b, char **err)
{
	size_t got = 0;
	ssize_t r;

	while (got < BLOCK) {
		if ((r = read(fd, b + got, BLOCK - got)) < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*err = g_strdup_printf("the archive ends inside a header%s%s",
					       r < 0 ? ": " : "", r < 0 ? g_strerror(errno) : "");
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* The member's name: prefix "/" name, each NUL-terminated in its field. */
static void header_name(const unsigned char *h, char out[257])
{
	char name[101] = { 0 }, prefix[156] = { 0 };

	memcpy(name, h + F_NAME, 100);
	memcpy(prefix, h + F_PREFIX, 155);
	snprintf(out, 257, "%s%s%s", prefix, *prefix ? "/" : "", name);
}

int backup_tar_next(int fd, struct backup_tar_entry *e, char **err)
{
	unsigned char h[BLOCK];
	static const unsigned char zeros[BLOCK];

	if (read_block(fd, h, err) < 0)
		return -1;
	if (memcmp(h, zeros, BLOCK) == 0)
		return 0;
	if (octal(h + F_CHKSUM, 8) != (gint64)header_sum(h) || memcmp(h + F_MAGIC, "ustar", 5)) {
		*err = g_strdup("a member's header is damaged (checksum or magic)");
		return -1;
	}
	header_name(h, e->name);
	if (h[F_TYPE] != '0' && h[F_TYPE] != '\0') {
		*err = g_strdup_printf("the member %.200s is not a regular file (type '%c')",
				       e->name, g_ascii_isprint(h[F_TYPE]) ? h[F_TYPE] : '?');
		return -1;
	}
	if (!backup_tar_name_ok(e->name)) {
		char *shown = g_strescape(e->name, NULL);

		*err = g_strdup_printf("the member name \"%.200s\" is refused (absolute, "
				       "\"..\", or a character out of [A-Za-z0-9._,=+-])", shown);
		g_free(shown);
		return -1;
	}
	if ((e->size = octal(h + F_SIZE, 12)) < 0) {
		*err = g_strdup_printf("the member %.200s has no valid size", e->name);
		return -1;
	}
	return 1;
}

int backup_tar_data(int fd, const struct backup_tar_entry *e, int out, GChecksum *ck,
		    char **err)
{
	gint64 pad = (BLOCK - e->size % BLOCK) % BLOCK;

	if (copy_bytes(fd, out, e->size, ck, err) < 0)
		return -1;
	return copy_bytes(fd, -1, pad, NULL, err);
}

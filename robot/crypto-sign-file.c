/* crypto-sign-file.c - crypto_protect from file to file, for messages too
 * large to hold in memory (an extract with its attachments, a report):
 * the same PGP/MIME or S/MIME entities as crypto-sign.c, but GPGME reads
 * and writes file descriptors and the MIME around them is copied through
 * a small buffer. Memory stays bounded by the header block and the
 * signature, whatever the size of the message. Input: a message written
 * by mail_compose_to_fd. Work files sit beside the output and are removed. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "crypto-internal.h"
#include "durable.h"

#define HEADER_BLOCK_MAX (256 * 1024)	/* a composed message's header block */
#define COPY_CHUNK (64 * 1024)
#define B64_LINE 57			/* bytes per 76-character base64 line */

/* A file being written through a buffer of COPY_CHUNK bytes; the first
 * error sticks. */
struct out {
	int fd;
	int failed;
	GString *buf;
};

static void flush(struct out *o)
{
	if (!o->failed && o->buf->len && durable_write_all(o->fd, o->buf->str, o->buf->len) < 0)
		o->failed = errno ? errno : EIO;
	g_string_truncate(o->buf, 0);
}

static void put(struct out *o, const char *p, size_t n)
{
	g_string_append_len(o->buf, p, (gssize)n);
	if (o->buf->len >= COPY_CHUNK)
		flush(o);
}

static void put_string(struct out *o, const GString *s)
{
	put(o, s->str, s->len);
}

/* Bytes of fd from offset to its end, as they are (conv 0), with bare LF
 * made CRLF (conv 1), or base64 in 76-character CRLF lines (conv 2). */
enum conv { AS_IS, CRLF, BASE64 };

static int copy_from(int fd, off_t offset, struct out *o, enum conv conv)
{
	char *buf = g_malloc(COPY_CHUNK), last = '\0';
	size_t held = 0;	/* base64: bytes waiting for a whole line */
	ssize_t n;

	if (lseek(fd, offset, SEEK_SET) < 0) {
		g_free(buf);
		return -1;
	}
	while ((n = read(fd, buf + held, COPY_CHUNK - held)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			g_free(buf);
			return -1;
		}
		if (conv == AS_IS) {
			put(o, buf, (size_t)n);
		} else if (conv == CRLF) {
			for (ssize_t i = 0; i < n; i++) {
				if (buf[i] == '\n' && last != '\r')
					put(o, "\r", 1);
				put(o, buf + i, 1);
				last = buf[i];
			}
		} else {
			size_t have = held + (size_t)n, done = 0;

			for (; have - done >= B64_LINE; done += B64_LINE) {
				char *line = g_base64_encode((const guchar *)buf + done, B64_LINE);

				put(o, line, strlen(line));
				put(o, "\r\n", 2);
				g_free(line);
			}
			held = have - done;
			memmove(buf, buf + done, held);
		}
	}
	if (conv == BASE64 && held) {
		char *line = g_base64_encode((const guchar *)buf, held);

		put(o, line, strlen(line));
		put(o, "\r\n", 2);
		g_free(line);
	}
	g_free(buf);
	flush(o);
	return o->failed ? -1 : 0;
}

/* The header block of fd split into keep and content; *body_at is where
 * the body starts. 0, or -1 when fd does not hold a composed message. */
static int read_headers(int fd, GString *keep, GString *content, off_t *body_at)
{
	char *buf = g_malloc(HEADER_BLOCK_MAX + 1), *blank = NULL;
	size_t len = 0;
	ssize_t n;
	int rc = -1;

	while (len < HEADER_BLOCK_MAX && (n = read(fd, buf + len, HEADER_BLOCK_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		len += (size_t)n;
		buf[len] = '\0';
		if ((blank = g_strstr_len(buf, (gssize)len, "\r\n\r\n")))
			break;
	}
	if (blank && !memchr(buf, '\0', (size_t)(blank - buf)) &&
	    crypto_split_headers(buf, (size_t)(blank - buf) + 2, keep, content) == 0) {
		*body_at = (off_t)(blank - buf) + 4;
		rc = 0;
	}
out:
	g_free(buf);
	return rc;
}

/* A new work file path + suffix, open for reading and writing. -1 on error. */
static int work_file(const char *path, const char *suffix, char **name)
{
	*name = g_strconcat(path, suffix, NULL);
	return open(*name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

static char *random_boundary(void)
{
	char *uuid = g_uuid_string_random();
	char *b = g_strdup_printf("=_pocbot_%s", uuid);

	g_free(uuid);
	return b;
}

/* GPGME data over a file descriptor through callbacks: GPGME copies the
 * bytes itself. (gpgme_data_new_from_fd lets the gpgsm engine hand the
 * descriptor to the server, which closes it.) */
static ssize_t fd_read(void *h, void *buf, size_t n)
{
	ssize_t r;

	while ((r = read(*(int *)h, buf, n)) < 0 && errno == EINTR)
		;
	return r;
}

static ssize_t fd_write(void *h, const void *buf, size_t n)
{
	return durable_write_all(*(int *)h, buf, n) < 0 ? -1 : (ssize_t)n;
}

static off_t fd_seek(void *h, off_t offset, int whence)
{
	return lseek(*(int *)h, offset, whence);
}

static struct gpgme_data_cbs fd_cbs = { fd_read, fd_write, fd_seek, NULL };

static gpgme_error_t data_over(gpgme_data_t *d, int *fd)
{
	return gpgme_data_new_from_cbs(d, &fd_cbs, fd);
}

/* The robot's detached signature over the whole of fd. */
static GString *sign_fd(struct crypto *c, gpgme_ctx_t ctx, int fd, gpgme_hash_algo_t *hash,
			char **err)
{
	gpgme_data_t in = NULL;
	gpgme_error_t e;
	GString *sig;

	if (lseek(fd, 0, SEEK_SET) < 0 || (e = data_over(&in, &fd))) {
		*err = g_strdup("signing: cannot read the work file");
		return NULL;
	}
	sig = crypto_sign_data(c, ctx, in, hash, err);
	gpgme_data_release(in);
	return sig;
}

/* multipart/signed around the entity in inner_fd, written to o. The
 * boundary is random (122 bits) and holds "=_", which neither base64 nor
 * quoted-printable can produce: it cannot occur in the parts. */
static int write_signed(struct crypto *c, enum crypto_protocol p, gpgme_ctx_t ctx, int inner_fd,
			struct out *o, char **err)
{
	gpgme_hash_algo_t hash = GPGME_MD_NONE;
	GString *sig = sign_fd(c, ctx, inner_fd, &hash, err), *s;
	const char *mic = sig ? crypto_micalg(p, hash) : NULL;
	char *b;

	if (!sig)
		return -1;
	if (!mic) {
		*err = g_strdup_printf("signed with an unexpected digest (%s)",
				       gpgme_hash_algo_name(hash));
		g_string_free(sig, TRUE);
		return -1;
	}
	b = random_boundary();
	s = g_string_new(NULL);
	crypto_append_signed_header(s, p, mic, b);
	put_string(o, s);
	if (copy_from(inner_fd, 0, o, AS_IS) < 0)
		o->failed = o->failed ? o->failed : EIO;
	g_string_assign(s, "");
	g_string_append_printf(s, "\r\n--%s\r\n", b);
	crypto_append_signature_part(s, p, sig);
	g_string_append_printf(s, "\r\n--%s--\r\n", b);
	put_string(o, s);
	flush(o);
	g_string_free(s, TRUE);
	g_string_free(sig, TRUE);
	g_free(b);
	if (o->failed)
		*err = g_strdup_printf("writing the signed message: %s", g_strerror(o->failed));
	return o->failed ? -1 : 0;
}

/* signed_fd encrypted to fprs, written to o as the encrypted entity. */
static int write_encrypted(struct crypto *c, enum crypto_protocol p, gpgme_ctx_t ctx,
			   int signed_fd, int enc_fd, const char *const *fprs, size_t n,
			   struct out *o, char **err)
{
	gpgme_data_t in = NULL, out = NULL;
	char *b = p == CRYPTO_OPENPGP ? random_boundary() : NULL;
	GString *head = g_string_new(NULL);
	int rc = -1;

	if (lseek(signed_fd, 0, SEEK_SET) < 0 || data_over(&in, &signed_fd) ||
	    data_over(&out, &enc_fd)) {
		*err = g_strdup("encrypting: cannot use the work files");
		goto out;
	}
	if (crypto_encrypt_data(c, ctx, in, out, fprs, n, err) < 0)
		goto out;
	crypto_append_encrypted_head(head, p, b);
	put_string(o, head);
	if (copy_from(enc_fd, 0, o, p == CRYPTO_SMIME ? BASE64 : CRLF) < 0) {
		*err = g_strdup("writing the encrypted message");
		goto out;
	}
	if (b) {
		g_string_printf(head, "\r\n--%s--\r\n", b);
		put_string(o, head);
	}
	flush(o);
	rc = o->failed ? -1 : 0;
	if (rc < 0)
		*err = g_strdup_printf("writing the encrypted message: %s", g_strerror(o->failed));
out:
	gpgme_data_release(in);
	gpgme_data_release(out);
	g_string_free(head, TRUE);
	g_free(b);
	return rc;
}

static int protect_file(struct crypto *c, enum crypto_protocol p, const char *in_path,
			const char *out_path, const char *const *encrypt_to, char **err)
{
	gpgme_ctx_t ctx = p == CRYPTO_OPENPGP ? c->pgp : c->cms;
	GString *keep = g_string_new(NULL), *content = g_string_new(NULL);
	char *inner_name = NULL, *signed_name = NULL, *enc_name = NULL;
	int in = -1, inner = -1, signd = -1, enc = -1;
	struct out final = { -1, 0, g_string_sized_new(COPY_CHUNK) },
		   tmp = { -1, 0, g_string_sized_new(COPY_CHUNK) };
	off_t body_at = 0;
	size_t n = 0;
	int rc = -1;

	*err = NULL;
	if ((p != CRYPTO_OPENPGP && p != CRYPTO_SMIME) ||
	    (n = crypto_count_recipients(encrypt_to, err)) == (size_t)-1) {
		if (!*err)
			*err = g_strdup("crypto_protect_file: no protocol");
		goto out;
	}
	if ((in = open(in_path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    read_headers(in, keep, content, &body_at) < 0) {
		*err = g_strdup_printf("%s: not a message as mail_compose_to_fd writes it",
				       in_path);
		goto out;
	}
	if (crypto_ensure_signer(c, ctx, err) < 0)
		goto out;
	/* the entity to sign: the body's Content-* fields, a blank line, the body */
	if ((inner = work_file(out_path, ".inner", &inner_name)) < 0)
		goto io;
	tmp.fd = inner;
	g_string_append(content, "\r\n");
	put_string(&tmp, content);
	if (copy_from(in, body_at, &tmp, AS_IS) < 0)
		goto io;
	if ((final.fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		goto io;
	put_string(&final, keep);
	if (n == 0) {
		if (write_signed(c, p, ctx, inner, &final, err) < 0)
			goto out;
	} else {
		if ((signd = work_file(out_path, ".signed", &signed_name)) < 0)
			goto io;
		if ((enc = work_file(out_path, ".enc", &enc_name)) < 0)
			goto io;
		tmp.fd = signd;
		tmp.failed = 0;
		if (write_signed(c, p, ctx, inner, &tmp, err) < 0)
			goto out;
		if (write_encrypted(c, p, ctx, signd, enc, encrypt_to, n, &final, err) < 0)
			goto out;
	}
	if (final.failed || fsync(final.fd) < 0)
		goto io;
	rc = 0;
	goto out;
io:
	if (!*err)
		*err = g_strdup_printf("%s: %s", out_path, g_strerror(errno));
out:
	for (int *fd = (int[]){ in, inner, signd, enc, final.fd, -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
	for (char **name = (char *[]){ inner_name, signed_name, enc_name, NULL }; *name; name++)
		unlink(*name);
	if (rc < 0)
		unlink(out_path);
	g_free(inner_name);
	g_free(signed_name);
	g_free(enc_name);
	g_string_free(keep, TRUE);
	g_string_free(content, TRUE);
	g_string_free(final.buf, TRUE);
	g_string_free(tmp.buf, TRUE);
	return rc;
}

int crypto_protect_file(struct crypto *c, enum crypto_protocol p, const char *in_path,
			const char *out_path, const char *const *encrypt_to, char **err)
{
	if (c->engine)
		return crypto_client_protect_file(c, p, in_path, out_path, encrypt_to, err);
	return protect_file(c, p, in_path, out_path, encrypt_to, err);
}

/* crypto-client.c - the daemon's side of the crypto engine
 * (crypto-engine.c): an adapter opened with crypto_open_engine runs every
 * call in its own engine process, started here (the same binary, run again
 * as `pocbot crypto-engine`, its fd 3 one end of a socketpair), so that
 * GPGME forks a small single-threaded process, not the daemon. A call
 * waits at most CALL_SECONDS plus a second per 64 KiB of input. An engine
 * that dies or does not answer is killed, started again and given the
 * canary; when the canary passes the call is made again (CALL_TRIES in
 * all), and an engine that dies on each gives the call up: its input is at fault
 * (the worker counts it), not the robot. Each restart is logged once,
 * naming what died. Input: the engine's replies (crypto-wire.c checks
 * their frames). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "crypto-internal.h"
#include "crypto-wire.h"
#include "log.h"

#define CALL_SECONDS 60
#define CALL_TRIES 3	/* a call's tries on a fresh engine after each death */

struct crypto_client {
	GPid pid;	/* 0: not running */
	int fd;
};

static int spawn(struct crypto *c, char **err)
{
	char *exe = g_file_read_link("/proc/self/exe", NULL);
	const char *argv[] = { exe ? exe : "pocbot", "crypto-engine", NULL };
	int sv[2], target = 3;
	GError *gerr = NULL;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		*err = g_strdup_printf("the crypto engine: socketpair: %s", g_strerror(errno));
		g_free(exe);
		return -1;
	}
	if (!g_spawn_async_with_pipes_and_fds(NULL, (const char *const *)argv, NULL,
					      G_SPAWN_DO_NOT_REAP_CHILD |
						      G_SPAWN_STDIN_FROM_DEV_NULL,
					      NULL, NULL, -1, -1, -1, &sv[1], &target, 1,
					      &c->engine->pid, NULL, NULL, NULL, &gerr)) {
		*err = g_strdup_printf("the crypto engine: %s", gerr->message);
		g_error_free(gerr);
		close(sv[0]);
		c->engine->pid = 0;
	} else {
		c->engine->fd = sv[0];
	}
	close(sv[1]);
	g_free(exe);
	return c->engine->pid ? 0 : -1;
}

/* Ends the engine (killed when it still runs) and says how it ended. */
static char *stop(struct crypto_client *e, int why, int timeout_ms)
{
	int status = 0;

	close(e->fd);
	kill(e->pid, SIGKILL);
	while (waitpid(e->pid, &status, 0) < 0 && errno == EINTR)
		;
	e->pid = 0;
	if (why == ETIMEDOUT)
		return g_strdup_printf("did not answer within %d s", timeout_ms / 1000);
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
		return g_strdup_printf("died of signal %d", WTERMSIG(status));
	if (WIFSIGNALED(status))
		return g_strdup("was killed");
	return g_strdup_printf("exited with %d", WEXITSTATUS(status));
}

/* One request and its reply, or NULL with *why. */
static GPtrArray *exchange(struct crypto *c, GPtrArray *req, int timeout_ms, int *why)
{
	if (wire_send(c->engine->fd, req) < 0) {
		*why = errno;
		return NULL;
	}
	return wire_recv(c->engine->fd, timeout_ms, why);
}

/* The reply's status: 0 "ok", else -1 with *err its error. The note of
 * a call that passed (what the engine restarted for it) is logged; a
 * failure's error says what counts, and the caller tells it. */
static int reply_status(GPtrArray *reply, char **err)
{
	char *status = wire_str(reply, 0), *note = wire_str(reply, 1);
	int rc = status && strcmp(status, "ok") == 0 ? 0 : -1;

	if (rc == 0 && note && *note)
		log_msg(LOG_WARNING, "crypto engine: %.400s", note);
	if (rc < 0)
		*err = wire_str(reply, 2);
	g_free(status);
	g_free(note);
	return rc;
}

/* The canary on a fresh engine: 0, or -1 with *cause. */
static int fresh_canary(struct crypto *c, char **cause)
{
	GPtrArray *req = wire_new(), *reply;
	int why = 0, rc = -1;

	wire_add_str(req, "canary");
	wire_add_str(req, c->home);
	if ((reply = exchange(c, req, CALL_SECONDS * 1000, &why))) {
		char *status = wire_str(reply, 0);

		rc = status && strcmp(status, "ok") == 0 ? 0 : -1;
		if (rc < 0)
			*cause = wire_str(reply, 2);
		g_free(status);
		g_ptr_array_unref(reply);
	} else {
		char *how = stop(c->engine, why, CALL_SECONDS * 1000);

		*cause = g_strdup_printf("the new crypto engine %s", how);
		g_free(how);
	}
	g_ptr_array_unref(req);
	return rc;
}

/* Runs req (its operation and home first) in the engine, with input bytes
 * of input: the reply, or NULL with *err. */
static GPtrArray *call(struct crypto *c, GPtrArray *req, size_t input, char **err)
{
	int timeout_ms = (int)MIN(CALL_SECONDS * 1000 + input / 64, G_MAXINT / 2), why = 0;
	char *op = wire_str(req, 0), *how = NULL, *cause = NULL;
	GPtrArray *reply = NULL;

	*err = NULL;
	for (int attempt = 0; attempt < CALL_TRIES && !reply && !*err; attempt++) {
		if (!c->engine->pid && spawn(c, err) < 0)
			break;
		if ((reply = exchange(c, req, timeout_ms, &why)))
			break;
		how = stop(c->engine, why, timeout_ms);
		if (attempt == CALL_TRIES - 1)
			*err = g_strdup_printf("the crypto engine %s again during %s: given up",
					       how, op);
		else if (spawn(c, err) == 0 && fresh_canary(c, &cause) < 0)
			*err = g_strdup_printf("the crypto engine %s during %s; a new one failed "
					       "its canary: %s", how, op, cause);
		if (!*err)	/* else the caller tells the error */
			log_msg(LOG_WARNING, "crypto engine: the engine %s during %s: started "
				"again; canary passed, tried again", how, op);
		g_clear_pointer(&how, g_free);
		g_clear_pointer(&cause, g_free);
	}
	g_free(op);
	return reply;
}

/* A request for op on c's home. */
static GPtrArray *request(struct crypto *c, const char *op)
{
	GPtrArray *req = wire_new();

	wire_add_str(req, op);
	wire_add_str(req, c->home);
	return req;
}

static void add_fprs(GPtrArray *req, const char *const *fprs)
{
	for (size_t i = 0; fprs && fprs[i]; i++)
		wire_add_str(req, fprs[i]);
}

/* Runs req (freed) and checks its status: the reply (fields from 3), or
 * NULL with *err. */
static GPtrArray *run(struct crypto *c, GPtrArray *req, size_t input, char **err)
{
	GPtrArray *reply = call(c, req, input, err);

	g_ptr_array_unref(req);
	if (reply && reply_status(reply, err) < 0)
		g_clear_pointer(&reply, g_ptr_array_unref);
	return reply;
}

struct crypto *crypto_open_engine(const char *gnupghome, char **err)
{
	struct crypto *c = g_new0(struct crypto, 1);

	*err = NULL;
	c->home = g_strdup(gnupghome);
	c->engine = g_new0(struct crypto_client, 1);
	if (spawn(c, err) < 0) {
		crypto_close(c);
		return NULL;
	}
	return c;
}

void crypto_client_close(struct crypto *c)
{
	int status;

	if (c->engine->pid) {
		close(c->engine->fd);	/* the engine ends at the end of its input */
		while (waitpid(c->engine->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	g_free(c->engine);
}

/* Field i of reply into the fingerprint-sized dst. */
static void copy_fpr(GPtrArray *reply, guint i, char dst[CRYPTO_FPR_LEN])
{
	char *v = wire_str(reply, i);

	g_strlcpy(dst, v ? v : "", CRYPTO_FPR_LEN);
	g_free(v);
}

int crypto_client_verify(struct crypto *c, const char *msg, size_t len, struct crypto_result *r)
{
	GPtrArray *req = request(c, "verify"), *reply;
	char *err = NULL;
	int rc;

	memset(r, 0, sizeof *r);
	wire_add(req, msg, len);
	reply = call(c, req, len, &err);
	g_ptr_array_unref(req);
	if (!reply) {
		r->outcome = CRYPTO_ERROR;
		r->detail = err;
		return -1;
	}
	rc = reply_status(reply, &err);	/* the result's detail says it again */
	g_free(err);
	r->outcome = (enum crypto_outcome)wire_int(reply, 3);
	r->protocol = (enum crypto_protocol)wire_int(reply, 4);
	copy_fpr(reply, 5, r->fingerprint);
	r->created = wire_int(reply, 6);
	copy_fpr(reply, 7, r->replay_key);
	if (wire_int(reply, 8)) {
		const char *p = wire_bytes(reply, 9, &r->content_len);

		r->content = g_memdup2(p, r->content_len);
	}
	r->encrypted = wire_int(reply, 10) != 0;
	r->text_outside = wire_int(reply, 11) != 0;
	if (wire_int(reply, 12))
		r->detail = wire_str(reply, 13);
	if (rc < 0)
		r->outcome = CRYPTO_ERROR;
	g_ptr_array_unref(reply);
	return rc;
}

int crypto_client_decrypt(struct crypto *c, const char *msg, size_t len, char **entity,
			  size_t *entity_len, char **detail)
{
	GPtrArray *req = request(c, "decrypt"), *reply;
	const char *p;
	int rc;

	wire_add(req, msg, len);
	if (!(reply = run(c, req, len, detail)))
		return -1;
	rc = (int)wire_int(reply, 3);
	p = wire_bytes(reply, 4, entity_len);
	if (rc == 1 && p) {
		*entity = g_malloc(*entity_len + 1);
		memcpy(*entity, p, *entity_len);
		(*entity)[*entity_len] = '\0';
	} else {
		rc = rc == 1 ? 0 : rc;
		*entity_len = 0;
		*detail = wire_str(reply, 5);
	}
	g_ptr_array_unref(reply);
	return rc;
}

/* Runs req, whose input is len bytes, for a message: the reply's field 3
 * (g_free it), or NULL with *err. */
static char *message_of(struct crypto *c, GPtrArray *req, size_t len, size_t *out_len,
			char **err)
{
	GPtrArray *reply = run(c, req, len, err);
	const char *out;
	char *result;

	if (!reply)
		return NULL;
	out = wire_bytes(reply, 3, out_len);
	result = out ? g_strndup(out, *out_len) : NULL;
	if (!result)
		*err = g_strdup("the crypto engine gave no message");
	g_ptr_array_unref(reply);
	return result;
}

char *crypto_client_protect(struct crypto *c, enum crypto_protocol p, const char *msg,
			    size_t len, const char *const *encrypt_to, size_t *out_len, char **err)
{
	GPtrArray *req = request(c, "protect");

	wire_add_int(req, p);
	wire_add(req, msg, len);
	add_fprs(req, encrypt_to);
	return message_of(c, req, len, out_len, err);
}

/* The reply: field 3 says whether the POC home refused the key, field 4
 * is the message or, when refused, why; a failed call is the robot's. */
char *crypto_client_poc_encrypt(struct crypto *c, const char *home, enum crypto_protocol p,
				const char *fpr, const char *data, const char *msg, size_t len,
				size_t *out_len, int *refused, char **err)
{
	GPtrArray *req = wire_new(), *reply;
	const char *out;
	char *result = NULL;

	wire_add_str(req, "poc-encrypt");
	wire_add_str(req, home);	/* the POC home, not c's */
	wire_add_int(req, p);
	wire_add_str(req, fpr);
	wire_add_str(req, data);
	wire_add(req, msg, len);
	if (!(reply = run(c, req, len, err)))
		return NULL;
	if ((*refused = wire_int(reply, 3) != 0))
		*err = wire_str(reply, 4);
	else if ((out = wire_bytes(reply, 4, out_len)))
		result = g_strndup(out, *out_len);
	else
		*err = g_strdup("the crypto engine gave no message");
	g_ptr_array_unref(reply);
	return result;
}

int crypto_client_protect_file(struct crypto *c, enum crypto_protocol p, const char *in_path,
			       const char *out_path, const char *const *encrypt_to, char **err)
{
	GPtrArray *req = request(c, "protect-file"), *reply;
	struct stat st;

	wire_add_int(req, p);
	wire_add_str(req, in_path);
	wire_add_str(req, out_path);
	add_fprs(req, encrypt_to);
	if (!(reply = run(c, req, stat(in_path, &st) == 0 ? (size_t)st.st_size : 0, err)))
		return -1;
	g_ptr_array_unref(reply);
	return 0;
}

/* Fields from 3 on as a list of strings. */
static GPtrArray *strings_from(GPtrArray *reply)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 3; i < reply->len; i++)
		g_ptr_array_add(out, wire_str(reply, i));
	g_ptr_array_unref(reply);
	return out;
}

/* A listing's failure, logged: its callers say only that it failed. */
static GPtrArray *run_listing(struct crypto *c, GPtrArray *req)
{
	char *err = NULL;
	GPtrArray *reply = run(c, req, 0, &err);

	if (!reply)
		log_msg(LOG_ERR, "crypto engine: %.400s", err ? err : "failed");
	g_free(err);
	return reply;
}

int crypto_client_key_addresses(struct crypto *c, enum crypto_protocol p, const char *const *fprs,
				GPtrArray **out)
{
	GPtrArray *req = request(c, "addresses"), *reply;

	wire_add_int(req, p);
	add_fprs(req, fprs);
	if (!(reply = run_listing(c, req)))
		return -1;
	*out = strings_from(reply);
	return 0;
}

int crypto_client_keys_holding(struct crypto *c, const char *addr, GPtrArray **fprs)
{
	GPtrArray *req = request(c, "holding"), *reply;

	wire_add_str(req, addr);
	if (!(reply = run_listing(c, req)))
		return -1;
	*fprs = strings_from(reply);
	return 0;
}

int crypto_client_key_expiries(struct crypto *c, GHashTable **out)
{
	GPtrArray *reply = run_listing(c, request(c, "expiries"));

	if (!reply)
		return -1;
	*out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 3; i + 1 < reply->len; i += 2) {
		gint64 *when = g_new(gint64, 1);

		*when = wire_int(reply, i + 1);
		g_hash_table_replace(*out, wire_str(reply, i), when);
	}
	g_ptr_array_unref(reply);
	return 0;
}

int crypto_client_key_expiry(struct crypto *c, enum crypto_protocol p, const char *fpr,
			     gint64 *expires)
{
	GPtrArray *req = request(c, "expiry"), *reply;
	int rc;

	wire_add_int(req, p);
	wire_add_str(req, fpr);
	if (!(reply = run_listing(c, req)))
		return -1;
	rc = (int)wire_int(reply, 3);
	*expires = wire_int(reply, 4);
	g_ptr_array_unref(reply);
	return rc;
}

int crypto_client_identity(struct crypto *c, char pgp[CRYPTO_FPR_LEN], char smime[CRYPTO_FPR_LEN])
{
	GPtrArray *reply = run_listing(c, request(c, "identity"));

	pgp[0] = smime[0] = '\0';
	if (!reply)
		return -1;
	copy_fpr(reply, 3, pgp);
	copy_fpr(reply, 4, smime);
	g_ptr_array_unref(reply);
	return 0;
}

int crypto_client_canary(struct crypto *c, char **cause)
{
	GPtrArray *reply = run(c, request(c, "canary"), 0, cause);

	if (!reply)
		return -1;
	g_ptr_array_unref(reply);
	return 0;
}

int crypto_client_poc_keys_read(struct crypto *c, const char *home, const char *bytes,
				size_t len, GPtrArray **keys, char **err)
{
	GPtrArray *req = wire_new(), *reply;
	guint i = 6;
	int rc;

	wire_add_str(req, "poc-keys-read");
	wire_add_str(req, home);
	wire_add(req, bytes, len);
	if (!(reply = run(c, req, len, err)))
		return -2;
	rc = (int)wire_int(reply, 3);
	if (rc < 0)
		*err = wire_str(reply, 4);
	else
		*keys = g_ptr_array_new_with_free_func(crypto_poc_key_free);
	for (gint64 n = rc < 0 ? 0 : wire_int(reply, 5); n > 0 && i + 6 < reply->len; n--) {
		struct crypto_poc_key *k = g_new0(struct crypto_poc_key, 1);
		char *problem = NULL;
		gint64 naddr;

		k->protocol = (enum crypto_protocol)wire_int(reply, i++);
		copy_fpr(reply, i++, k->fingerprint);
		k->expires = wire_int(reply, i++);
		k->data = wire_str(reply, i++);
		problem = wire_str(reply, i++);
		k->problem = crypto_poc_problem(problem);
		k->detail = wire_str(reply, i++);
		if (k->detail && !*k->detail)
			g_clear_pointer(&k->detail, g_free);
		k->addresses = g_ptr_array_new_with_free_func(g_free);
		for (naddr = wire_int(reply, i++); naddr > 0 && i < reply->len; naddr--)
			g_ptr_array_add(k->addresses, wire_str(reply, i++));
		g_free(problem);
		g_ptr_array_add(*keys, k);
	}
	g_ptr_array_unref(reply);
	return rc;
}

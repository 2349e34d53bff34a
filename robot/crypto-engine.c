/* crypto-engine.c - the crypto engine: `pocbot crypto-engine`, a small
 * single-threaded process the daemon starts (crypto-client.c) so that
 * GPGME forks it, not the daemon, to run gpg and gpgsm. It answers one
 * request at a time on fd 3 (crypto-wire.h) with the adapter in process,
 * on the GnuPG home each request names, under a shared lock of that home
 * (crypto_home_lock: a key import, the POC home's operations included,
 * holds it exclusively). It heals what
 * dies under it: before an operation that needs gpg-agent it checks the
 * agent's socket, and a dead agent gets a fresh gpgsm server (gpgsm keeps
 * its connection to the agent); an operation that fails as the engine's
 * (CRYPTO_ERROR, a failed signature or listing) gets a fresh gpgsm server
 * and the canary (crypto-canary.c), then, when the canary passes, another
 * try (HEAL_ROUNDS at most): a message that makes gpgsm fail every time
 * still fails, and the daemon counts it. Each reply's note says what was
 * restarted, for the daemon's log. Input: requests from the daemon only
 * (the socket is its socketpair); mail reaches it as request fields. */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "crypto-internal.h"
#include "crypto-wire.h"
#include "mail.h"

/* A failed call: up to HEAL_ROUNDS more tries, each after a passing canary
 * (its input is at fault when it still fails: a robot whose gpgsm is
 * killed at random moments needs more than one); a canary tried up to
 * HEAL_CANARIES times, each on a fresh gpgsm server. */
#define HEAL_ROUNDS 3
#define HEAL_CANARIES 3

/* One GnuPG home the engine has worked in. */
struct home {
	struct crypto *c;
	char *agent_socket;	/* NULL until asked of gpgconf */
	ino_t agent_ino;	/* the agent's socket as last seen; 0: none */
};

/* One request: its fields, the home, the reply being built, the note. */
struct call {
	GPtrArray *req, *reply;
	struct home *h;
	GString *note;
};

/* What an operation did: 0 done (its fields added to c->reply), -1 it
 * failed as the engine's (*err set), 1 it failed as its input's (the
 * reply says how; no retry helps). */
typedef int (*op_fn)(struct call *c, char **err);

static void note(struct call *c, const char *text)
{
	if (c->note->len)
		g_string_append(c->note, "; ");
	g_string_append(c->note, text);
}

static const char *agent_socket(struct home *h);

/* 1 when gpg-agent answers on its socket, 0 when it does not; -1 when the
 * socket's path is unknown. */
static int agent_alive(struct home *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = agent_socket(h);
	int fd, ok;

	if (!path || strlen(path) >= sizeof sa.sun_path)
		return -1;
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

/* The path of gpg-agent's socket for h's home (gpgconf says it once), or
 * NULL. */
static const char *agent_socket(struct home *h)
{
	const char *argv[] = { crypto_engine_path(GPGME_PROTOCOL_GPGCONF, "gpgconf"), "--homedir",
			       h->c->home, "--list-dirs", "agent-socket", NULL };
	char *err = NULL;

	if (!h->agent_socket) {
		GBytes *out = crypto_run_tool(argv, NULL, &err);
		gsize n = 0;
		const char *p = out ? g_bytes_get_data(out, &n) : NULL;

		if (p)
			h->agent_socket = g_strstrip(g_strndup(p, n));
		if (out)
			g_bytes_unref(out);
		g_free(err);
	}
	return h->agent_socket;
}

/* Before an operation that may need gpg-agent: the gpgsm server keeps its
 * connection to the agent it first met, and after that agent's death it
 * answers "no secret key" or, worse, "not trusted" for a good chain. A
 * socket gone or made anew (another inode: the agent started again, by
 * gpg or anyone) gets a fresh gpgsm server. */
static void check_agent(struct call *c)
{
	const char *path = agent_socket(c->h);
	struct stat st;
	ino_t ino = path && stat(path, &st) == 0 ? st.st_ino : 0;

	if (ino == c->h->agent_ino)
		return;
	if (c->h->agent_ino) {	/* from none: the gpgsm server, if any, is fresh */
		crypto_cms_reset(c->h->c);
		note(c, ino ? "gpg-agent had been started again: restarted gpgsm"
			    : "gpg-agent had stopped: restarted gpgsm, which starts it");
	}
	c->h->agent_ino = ino;
}

/* A fresh gpgsm server, and the canary. 0 when it passed. */
static int heal(struct call *c, const char *failure)
{
	int agent = agent_alive(c->h);
	char *cause = NULL, *said;
	int rc = -1;

	/* what killed gpgsm may kill the fresh one during the canary too */
	for (int i = 0; i < HEAL_CANARIES && rc < 0; i++) {
		g_clear_pointer(&cause, g_free);
		crypto_cms_reset(c->h->c);
		rc = crypto_canary(c->h->c, &cause);
	}
	said = g_strdup_printf("%.200s%s: restarted gpgsm; canary %s%.200s", failure,
			       agent == 0 ? " (gpg-agent had stopped)" : "",
			       rc == 0 ? "passed, tried again" : "failed: ",
			       rc == 0 ? "" : cause);
	note(c, said);
	g_free(said);
	g_free(cause);
	return rc;
}

/* --- the operations --------------------------------------------------- */

/* The fingerprints in fields from..end, NULL-terminated; g_strfreev it. */
static char **fprs_from(GPtrArray *req, guint from)
{
	char **v = g_new0(char *, req->len > from ? req->len - from + 1 : 1);

	for (guint i = from; i < req->len; i++)
		v[i - from] = wire_str(req, i);
	return v;
}

static int op_verify(struct call *c, char **err)
{
	struct crypto_result r = { 0 };
	size_t len;
	const char *msg = wire_bytes(c->req, 2, &len);
	int rc = crypto_verify(c->h->c, msg, len, &r);

	/* an S/MIME verdict other than good, given while the agent died, is
	 * the engine's failure (gpgsm asks the agent whether a root is
	 * trusted): healed and tried again */
	if (rc == 0 && r.protocol == CRYPTO_SMIME && r.outcome != CRYPTO_GOOD &&
	    agent_alive(c->h) == 0) {
		rc = -1;
		*err = g_strdup_printf("%s, and gpg-agent had stopped", r.detail ? r.detail : "?");
	} else if (rc < 0) {
		*err = g_strdup(r.detail ? r.detail : "the crypto engine failed");
	}
	wire_add_int(c->reply, r.outcome);
	wire_add_int(c->reply, r.protocol);
	wire_add_str(c->reply, r.fingerprint);
	wire_add_int(c->reply, r.created);
	wire_add_str(c->reply, r.replay_key);
	wire_add_int(c->reply, r.content != NULL);
	wire_add(c->reply, r.content ? r.content : "", r.content ? r.content_len : 0);
	wire_add_int(c->reply, r.encrypted);
	wire_add_int(c->reply, r.text_outside);
	wire_add_int(c->reply, r.detail != NULL);
	wire_add_str(c->reply, r.detail);
	crypto_result_clear(&r);
	return rc;
}

/* A decryption's plaintext goes back in the reply, nowhere else. */
static int op_decrypt(struct call *c, char **err)
{
	size_t len = 0, out_len = 0;
	const char *msg = wire_bytes(c->req, 2, &len);
	char *entity = NULL, *detail = NULL;
	int rc = crypto_decrypt(c->h->c, msg ? msg : "", len, &entity, &out_len, &detail);

	/* not decrypted while the agent died (it holds the secret keys): the
	 * engine's failure, healed and tried again */
	if (rc == 0 && agent_alive(c->h) == 0) {
		rc = -1;
		*err = g_strdup_printf("%s, and gpg-agent had stopped", detail ? detail : "?");
	} else if (rc < 0) {
		*err = g_strdup(detail ? detail : "decrypting failed");
	}
	wire_add_int(c->reply, rc);
	wire_add(c->reply, entity ? entity : "", entity ? out_len : 0);
	wire_add_str(c->reply, detail);
	if (entity)
		memset(entity, 0, out_len);
	g_free(entity);
	g_free(detail);
	return rc < 0 ? -1 : 0;
}

static int op_protect(struct call *c, char **err)
{
	size_t len, out_len = 0;
	const char *msg = wire_bytes(c->req, 3, &len);
	char **fprs = fprs_from(c->req, 4);
	char *out = crypto_protect(c->h->c, (enum crypto_protocol)wire_int(c->req, 2), msg, len,
				   (const char *const *)fprs, &out_len, err);

	if (out)
		wire_add(c->reply, out, out_len);
	g_free(out);
	g_strfreev(fprs);
	return out ? 0 : -1;
}

/* Runs on the POC home the request names: the adapter's home is it. A
 * failure, the key's refusal included (a gpgsm whose agent died calls a
 * good chain untrusted), gets a fresh gpgsm server and one more try; the
 * POC home has no robot keys, so no canary. The reply: 0 and the message,
 * or 1 and why the POC home refuses the key; a failure of the second try
 * that is not the key's fails the call (the robot's fault, retried). */
static int op_poc_encrypt(struct call *c, char **err)
{
	size_t len = 0, out_len = 0;
	const char *msg = wire_bytes(c->req, 5, &len);
	enum crypto_protocol p = (enum crypto_protocol)wire_int(c->req, 2);
	char *fpr, *data, *out = NULL, *said;
	int refused = 0;

	if (!msg) {
		*err = g_strdup("poc-encrypt: no message");
		return 1;
	}
	fpr = wire_str(c->req, 3);
	data = wire_str(c->req, 4);
	for (int i = 0; i < 2 && !out; i++) {
		if (i > 0) {
			crypto_cms_reset(c->h->c);
			said = g_strdup_printf("%.200s: restarted gpgsm, tried again",
					       *err ? *err : "poc-encrypt failed");
			note(c, said);
			g_free(said);
			g_clear_pointer(err, g_free);
		}
		out = crypto_poc_encrypt(c->h->c, c->h->c->home, p, fpr, data, msg, len,
					 &out_len, &refused, err);
	}
	wire_add_int(c->reply, refused && !out);
	if (out)
		wire_add(c->reply, out, out_len);
	else if (refused)
		wire_add_str(c->reply, *err);
	g_free(out);
	g_free(fpr);
	g_free(data);
	return out || refused ? 0 : 1;
}

static int op_protect_file(struct call *c, char **err)
{
	char *in = wire_str(c->req, 3), *out = wire_str(c->req, 4), **fprs = fprs_from(c->req, 5);
	int rc = crypto_protect_file(c->h->c, (enum crypto_protocol)wire_int(c->req, 2), in, out,
				     (const char *const *)fprs, err);

	g_free(in);
	g_free(out);
	g_strfreev(fprs);
	return rc;
}

static void add_all(GPtrArray *reply, GPtrArray *list)
{
	for (guint i = 0; i < list->len; i++)
		wire_add_str(reply, list->pdata[i]);
	g_ptr_array_unref(list);
}

static int op_addresses(struct call *c, char **err)
{
	char **fprs = fprs_from(c->req, 3);
	GPtrArray *out = NULL;
	int rc = crypto_key_addresses(c->h->c, (enum crypto_protocol)wire_int(c->req, 2),
				      (const char *const *)fprs, &out);

	if (rc == 0)
		add_all(c->reply, out);
	else
		*err = g_strdup("listing the keys' addresses failed");
	g_strfreev(fprs);
	return rc;
}

static int op_holding(struct call *c, char **err)
{
	char *addr = wire_str(c->req, 2);
	GPtrArray *out = NULL;
	int rc = crypto_keys_holding(c->h->c, addr, &out);

	if (rc == 0)
		add_all(c->reply, out);
	else
		*err = g_strdup("finding the keys of an address failed");
	g_free(addr);
	return rc;
}

static int op_expiries(struct call *c, char **err)
{
	GHashTable *out = NULL;
	GHashTableIter it;
	gpointer k, v;

	if (crypto_key_expiries(c->h->c, &out) < 0) {
		*err = g_strdup("listing the keys' expiries failed");
		return -1;
	}
	g_hash_table_iter_init(&it, out);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		wire_add_str(c->reply, k);
		wire_add_int(c->reply, *(gint64 *)v);
	}
	g_hash_table_unref(out);
	return 0;
}

static int op_expiry(struct call *c, char **err)
{
	char *fpr = wire_str(c->req, 3);
	gint64 expires = 0;
	int rc = crypto_key_expiry(c->h->c, (enum crypto_protocol)wire_int(c->req, 2), fpr,
				   &expires);

	g_free(fpr);
	if (rc < 0) {
		*err = g_strdup("reading a key's expiry failed");
		return -1;
	}
	wire_add_int(c->reply, rc);
	wire_add_int(c->reply, expires);
	return 0;
}

static int op_identity(struct call *c, char **err)
{
	char pgp[CRYPTO_FPR_LEN], smime[CRYPTO_FPR_LEN];

	if (crypto_identity(c->h->c, pgp, smime) < 0) {
		*err = g_strdup("listing the robot's keys failed");
		return -1;
	}
	wire_add_str(c->reply, pgp);
	wire_add_str(c->reply, smime);
	return 0;
}

/* The canary on request (the daemon's probe): a fresh gpgsm server first
 * when it fails, and a second canary. */
static int op_canary(struct call *c, char **err)
{
	if (crypto_canary(c->h->c, err) == 0)
		return 0;
	if (heal(c, *err) < 0)
		return 1;	/* the canary's cause is in the note: no retry */
	g_clear_pointer(err, g_free);
	return 0;
}

/* The keys of a POC's form read in the POC home the request names: a
 * refusal of the bytes is the input's, told in the results (rc, error);
 * the engine's failure (-2) gets a fresh gpgsm server and one more try,
 * then fails the call (the form's message is tried again later). */
static int op_poc_keys_read(struct call *c, char **err)
{
	size_t len;
	const char *bytes = wire_bytes(c->req, 2, &len);
	GPtrArray *keys = NULL;
	char *why = NULL;
	int rc = crypto_poc_keys_read(c->h->c, c->h->c->home, bytes ? bytes : "", len, &keys,
				      &why);

	if (rc == -2) {	/* the engine's: a fresh gpgsm server, one more try */
		note(c, why ? why : "reading a POC key failed");
		g_clear_pointer(&why, g_free);
		crypto_cms_reset(c->h->c);
		rc = crypto_poc_keys_read(c->h->c, c->h->c->home, bytes ? bytes : "", len, &keys,
					  &why);
	}
	if (rc == -2) {	/* run() fails: the client returns -2, the message waits */
		*err = why;
		return -1;
	}
	wire_add_int(c->reply, rc);
	wire_add_str(c->reply, why);
	wire_add_int(c->reply, keys ? keys->len : 0);
	for (guint i = 0; keys && i < keys->len; i++) {
		const struct crypto_poc_key *k = keys->pdata[i];

		wire_add_int(c->reply, k->protocol);
		wire_add_str(c->reply, k->fingerprint);
		wire_add_int(c->reply, k->expires);
		wire_add_str(c->reply, k->data);
		wire_add_str(c->reply, k->problem);
		wire_add_str(c->reply, k->detail);
		wire_add_int(c->reply, k->addresses->len);
		for (guint j = 0; j < k->addresses->len; j++)
			wire_add_str(c->reply, k->addresses->pdata[j]);
	}
	if (keys)
		g_ptr_array_unref(keys);
	g_free(why);
	return 0;
}

/* agent: the operation may need gpg-agent (the robot's secret keys, and
 * gpgsm's trust list): check_agent first. exclusive: it imports keys or
 * writes trustlist.txt (the POC home's operations): the home's lock is
 * taken exclusively. */
static const struct {
	const char *name;
	op_fn run;
	int agent, exclusive;
} ops[] = {
	{ "verify", op_verify, 1, 0 },		   { "protect", op_protect, 1, 0 },
	{ "protect-file", op_protect_file, 1, 0 }, { "addresses", op_addresses, 0, 0 },
	{ "holding", op_holding, 0, 0 },	   { "expiries", op_expiries, 0, 0 },
	{ "expiry", op_expiry, 0, 0 },		   { "identity", op_identity, 0, 0 },
	{ "canary", op_canary, 1, 0 },		   { "poc-keys-read", op_poc_keys_read, 0, 1 },
	{ "poc-encrypt", op_poc_encrypt, 1, 1 },	   { "decrypt", op_decrypt, 1, 0 },
};

/* --- the loop --------------------------------------------------------- */

static struct home *home_for(GHashTable *homes, const char *path, char **err)
{
	struct home *h = g_hash_table_lookup(homes, path);

	if (h)
		return h;
	h = g_new0(struct home, 1);
	if (!(h->c = crypto_open(path, err))) {
		g_free(h);
		return NULL;
	}
	g_hash_table_insert(homes, g_strdup(path), h);
	return h;
}

static void home_free(gpointer p)
{
	struct home *h = p;

	crypto_close(h->c);
	g_free(h->agent_socket);
	g_free(h);
}

/* Runs one request on its home; the reply. */
static GPtrArray *answer(GHashTable *homes, GPtrArray *req)
{
	char *name = wire_str(req, 0), *path = wire_str(req, 1), *err = NULL;
	struct call c = { req, wire_new(), NULL, g_string_new(NULL) };
	GPtrArray *reply = wire_new();
	op_fn run = NULL;
	int rc = -1, lock = -1, agent = 0, exclusive = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(ops) && name; i++)
		if (strcmp(ops[i].name, name) == 0) {
			run = ops[i].run;
			agent = ops[i].agent;
			exclusive = ops[i].exclusive;
		}
	if (!run)
		err = g_strdup_printf("the crypto engine has no operation '%.40s'", name);
	else if ((c.h = home_for(homes, path, &err)) &&
		 (lock = crypto_home_lock(path, exclusive, &err)) >= 0) {
		if (agent)
			check_agent(&c);
		rc = run(&c, &err);
		for (int i = 0; i < HEAL_ROUNDS && rc < 0 && heal(&c, err ? err : name) == 0;
		     i++) {
			g_ptr_array_set_size(c.reply, 0);
			g_clear_pointer(&err, g_free);
			rc = run(&c, &err);
		}
	}
	crypto_home_unlock(lock);
	wire_add_str(reply, rc == 0 ? "ok" : "failed");
	wire_add_str(reply, c.note->str);
	wire_add_str(reply, rc == 0 ? "" : err ? err : "failed");
	g_ptr_array_extend_and_steal(reply, c.reply);
	g_string_free(c.note, TRUE);
	g_free(name);
	g_free(path);
	g_free(err);
	return reply;
}

int crypto_engine_main(int fd)
{
	GHashTable *homes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, home_free);
	GPtrArray *req, *reply;
	int why = 0, rc = 0;

	/* it ends when the daemon closes its socket, or dies with it: a signal
	 * to the process group (^C, a service stop) is the daemon's to act on */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	mail_library_init();
	while ((req = wire_recv(fd, -1, &why))) {
		reply = answer(homes, req);
		g_ptr_array_unref(req);
		rc = wire_send(fd, reply);
		g_ptr_array_unref(reply);
		if (rc < 0)
			break;
	}
	g_hash_table_unref(homes);
	close(fd);
	return why == 0 && rc == 0 ? 0 : 1;
}

/* cmd-recheck.c - "poc recheck ID [ADDRESS]": sends a verification ping to
 * each undeliverable address of a POC (or to ADDRESS, one of its own,
 * marked or not), audited; a person's answer clears the mark
 * (ping-record.c). The daemon's sender delivers it. Input: the operands
 * (an identifier, an address compared with the POC's) and the database.
 * Exit: 0 (also when nothing is marked: said); 65 no such POC, a
 * withdrawn one, or an address not its own; 75 the database or the
 * robot's keys could not be used. */
#include <stdio.h>
#include <sysexits.h>
#include "audit.h"
#include "clock.h"
#include "commands.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "pings.h"
#include "pings-health.h"
#include "pocs.h"
#include "templates.h"

/* The addresses to recheck: address when given, else the marked ones.
 * g_ptr_array_unref it; NULL on error. */
static GPtrArray *addresses_of(sqlite3 *db, const struct poc *p, const char *address)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free), *dead;

	if (address) {
		g_ptr_array_add(out, g_strdup(address));
		return out;
	}
	if (!(dead = pings_health_dead(db, p->id, FALSE))) {
		g_ptr_array_unref(out);
		return NULL;
	}
	for (guint i = 0; i < dead->len; i++)
		g_ptr_array_add(out, g_strdup(((struct pings_dead *)dead->pdata[i])->address));
	g_ptr_array_unref(dead);
	return out;
}

/* One verification ping to address, audited, in its own transaction. */
static int recheck_one(const struct mail_ctx *c, const struct poc *p, const char *address)
{
	char token[PINGS_TOKEN_LEN], *detail;
	int rc = db_begin(c->db) < 0 ? -1 : pings_recheck(c, p, address, token);

	if (rc == 1) {
		db_rollback(c->db);
		fprintf(stderr, "pocbot poc recheck: %.200s is not an address of %s\n", address,
			p->id);
		return EX_DATAERR;
	}
	detail = g_strdup_printf("{\"poc\": \"%s\", \"ping\": \"%s\"}", p->id, token);
	if (rc == 0)
		rc = audit_append(c->db, c->now, "custodian", p->state, "poc-recheck", detail);
	g_free(detail);
	if (rc < 0 || db_commit(c->db) < 0) {
		db_rollback(c->db);
		fprintf(stderr, "pocbot poc recheck: %s\n", sqlite3_errmsg(c->db));
		return EX_TEMPFAIL;
	}
	printf("%s: verification ping %s queued to %s\n", p->id, token, address);
	return 0;
}

static int recheck(struct mail_ctx *c, const char *id, const char *address)
{
	struct poc p;
	GPtrArray *to = NULL;
	int rc = pocs_load(c->db, id, &p);

	if (rc <= 0) {
		fprintf(stderr, "pocbot poc recheck: %s\n",
			rc < 0 ? sqlite3_errmsg(c->db) : "no such POC");
		return rc < 0 ? EX_TEMPFAIL : EX_DATAERR;
	}
	rc = 0;
	if (p.status == POC_WITHDRAWN) {
		fprintf(stderr, "pocbot poc recheck: %s is withdrawn\n", p.id);
		rc = EX_DATAERR;
	} else if (!(to = addresses_of(c->db, &p, address)))
		rc = EX_TEMPFAIL;
	else if (to->len == 0)
		printf("%s: no address is marked undeliverable; nothing sent\n", p.id);
	for (guint i = 0; to && rc == 0 && i < to->len; i++)
		rc = recheck_one(c, &p, to->pdata[i]);
	if (to)
		g_ptr_array_unref(to);
	pocs_clear(&p);
	return rc;
}

int cmd_poc_recheck(struct command_ctx *ctx, int argc, char **argv)
{
	GOptionEntry entries[] = { { NULL, 0, 0, 0, NULL, NULL, NULL } };
	struct mail_ctx c = { NULL, ctx->cfg, NULL, NULL, clock_now(ctx->cfg) };
	char *home, *err = NULL;
	int rc = command_options(ctx, "Sends a verification ping to a POC's undeliverable "
				 "addresses, or to ADDRESS; a person's answer clears the mark.",
				 entries, &argc, &argv);

	if (rc != 0)
		return rc;
	c.db = ctx->db;	/* opened by command_options */
	home = config_var_path(ctx->cfg, "gnupg");
	c.tpl = templates_load();
	if (!(c.crypto = crypto_open(home, &err)) ||
	    crypto_identity_ensure(c.crypto, ctx->cfg->address,
				   ctx->cfg->keys_lifetime, &err) < 0) {
		fprintf(stderr, "pocbot poc recheck: %s\n",
			err ? err : "the robot's keys are not usable");
		rc = EX_TEMPFAIL;
	} else
		rc = recheck(&c, argv[2], argc > 3 ? argv[3] : NULL);
	crypto_close(c.crypto);
	templates_free((struct templates *)c.tpl);
	g_free(home);
	g_free(err);
	return rc;
}

#include "drill.h"
#include "deferred.h"
#include "error.h"
#include "step.h"
#include "expand.h"
#include "sha256.h"
#include "strbuf.h"
#include "strmap.h"
#include "xalloc.h"
#include "ytree.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

const char *const drill_phases[] = {
	"preflight", "backup", "verify_backup", "destroy", "restore",
	"verify_restore", "cleanup", NULL,
};

/* ---- the schema ------------------------------------------------------ */

/*
 * The loader's state. Step kinds' own rules (step-*.c) see it only
 * through schema_error_at() and schema_ctx_root().
 */
struct schema_ctx {
	const struct ytree *t;
	struct strmap vars;  /* name -> value, for expansion (expand.h) */
	struct strmap *used; /* names expansion saw (a set) */
	struct strmap depth; /* variable name -> how many levels it builds on */
	size_t expanded;   /* bytes of expanded text so far (EXPAND_MAX_TOTAL) */
	/*
	 * Step id -> its line (num) and, once its checks passed, its kind's
	 * name (val, static), of the steps so far.
	 */
	struct strmap ids;
	struct strmap conns; /* connection names (a set) */
	const char *phase;
	struct schema_field *step_fields; /* common + every kind's */
	struct schema step_schema;
	struct error *err;
	int nerrs;         /* errors so far: the first in err, the rest appended */
};
#define ctx schema_ctx

/*
 * A tired writer fixes three typos in one round, not three: the loader
 * goes on past an error where nothing later depends on the failed part
 * (a map's other keys, an object's other fields, a list's other items),
 * and every error after the first goes into err->detail as its own
 * "file:line:col: what" line with its caret. At the cap the walk stops:
 * each error costs a scan of the file for its caret, and a hostile file
 * may hold 200,000 of them.
 */
#define DRILL_MAX_ERRORS 20
#define too_many(c) ((c)->nerrs >= DRILL_MAX_ERRORS)

static int check_step(struct ctx *c, const struct ynode *n, json_t *obj);
static int check_conn(struct ctx *c, const struct ynode *n, const void *obj);
static int check_item(struct ctx *c, const struct ynode *n, const void *obj);
static int check_freshness(struct ctx *c, const struct ynode *n,
			   const void *obj);

static const char *const languages[] = { "zh-CN", "en", NULL };
static const char *const kinds[] = { "database", "physical", "directory",
				     "config", "files", NULL };
static const char *const on_damaged[] = { "fail", "use_older", NULL };
static const char *const units[] = { "timestamp", "epoch_ms", "epoch_s", NULL };
static const char *const sslmodes[] = { "disable", "allow", "prefer", "require",
					"verify-ca", "verify-full", NULL };

static const struct schema_field f_str = { .type = SCHEMA_STR };
static const struct schema_field f_str_nonempty = { .type = SCHEMA_STR,
						    .flags = SCHEMA_NONEMPTY };

#define F(st, m) offsetof(struct st, m)

static const struct schema_field control_fields[] = {
	{ .key = "id", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(drill_control, id), .help = "ISO/IEC 27001:2022 A.8.13" },
	{ .key = "title", .type = SCHEMA_STR, .off = F(drill_control, title) },
	{ NULL },
};
static const struct schema control_schema = {
	"control", control_fields, sizeof(struct drill_control), 0, NULL };
static const struct schema_field f_control = { .type = SCHEMA_OBJ,
					       .obj = &control_schema };

static const struct schema_field target_fields[] = {
	{ .key = "rto", .type = SCHEMA_DURATION, .off = F(drill_targets, rto_s) },
	{ .key = "rpo", .type = SCHEMA_DURATION, .off = F(drill_targets, rpo_s) },
	{ NULL },
};
static const struct schema target_schema = {
	"targets", target_fields, sizeof(struct drill_targets), 0, NULL };

static const struct schema_field storage_fields[] = {
	{ .key = "path", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(drill_storage, path), .help = "/data/backups/${date}" },
	{ .key = "rules", .type = SCHEMA_LIST, .item = &f_str_nonempty,
	  .off = F(drill_storage, rules) },
	{ NULL },
};
static const struct schema storage_schema = {
	"backup_dir", storage_fields, sizeof(struct drill_storage), 0, NULL };

static const struct schema_field conn_fields[] = {
	{ .key = "host", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(drill_conn, host), .help = "a host name or a socket directory" },
	{ .key = "port", .type = SCHEMA_INT, .min = 1, .max = 65535,
	  .off = F(drill_conn, port) },
	{ .key = "dbname", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(drill_conn, dbname) },
	{ .key = "user", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(drill_conn, user) },
	{ .key = "password_env", .type = SCHEMA_LIT, .flags = SCHEMA_NONEMPTY,
	  .off = F(drill_conn, password_env),
	  .help = "the NAME of an environment variable holding the password" },
	{ .key = "password_file", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(drill_conn, password_file) },
	{ .key = "sslmode", .type = SCHEMA_ENUM, .enums = sslmodes,
	  .off = F(drill_conn, sslmode) },
	{ .key = "connect_timeout", .type = SCHEMA_DURATION,
	  .off = F(drill_conn, connect_timeout_s) },
	{ NULL },
};
static const struct schema conn_schema = {
	"connection", conn_fields, sizeof(struct drill_conn),
	SCHEMA_NAME(struct drill_conn, name), check_conn };
static const struct schema_field f_conn = { .type = SCHEMA_OBJ,
					    .obj = &conn_schema };

/*
 * The ssh_hosts: entries' own rule: a user and host that ssh cannot
 * take for an option or for anything but a name ('-' first, spaces,
 * '@', quotes are errors at their line).
 */

/* A user or host name ssh cannot read as an option or anything else. */
static int plain_name(const char *s, const char *extra)
{
	const char *p;

	if (!*s || *s == '-')
		return 0;
	for (p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", *p) && !strchr(extra, *p))
			return 0;
	return 1;
}

static int ssh_host_check(struct schema_ctx *c, const struct ynode *n,
		   const void *obj)
{
	const struct drill_ssh_host *h = obj;
	const char *user = h->user, *host = h->host;
	const struct ynode *at;

	if (user && !plain_name(user, "")) {
		at = ynode_get(n, "user");
		return schema_error_at(c, at ? at : n, "ssh user '%s': letters, "
				       "digits, '.', '_' and '-', not first",
				       user);
	}
	if (host && !plain_name(host, ":")) {
		at = ynode_get(n, "host");
		return schema_error_at(c, at ? at : n, "ssh host '%s': a host "
				       "name or an address (letters, digits, "
				       "'.', ':', '_', '-'; not '-' first)",
				       host);
	}
	return 0;
}

static const struct schema_field ssh_host_fields[] = {
	{ .key = "user", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(drill_ssh_host, user) },
	{ .key = "host", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(drill_ssh_host, host), .help = "a host name or address" },
	{ .key = "port", .type = SCHEMA_INT, .min = 1, .max = 65535,
	  .off = F(drill_ssh_host, port) },
	{ .key = "identity_file", .type = SCHEMA_STR,
	  .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(drill_ssh_host, identity_file),
	  .help = "the private key to log in with" },
	{ .key = "known_hosts", .type = SCHEMA_STR,
	  .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(drill_ssh_host, known_hosts),
	  .help = "a known_hosts file pinning the host's key" },
	{ NULL },
};
static const struct schema ssh_host_schema = {
	"ssh host", ssh_host_fields, sizeof(struct drill_ssh_host),
	SCHEMA_NAME(struct drill_ssh_host, name), ssh_host_check };
static const struct schema_field f_ssh_host = { .type = SCHEMA_OBJ,
						.obj = &ssh_host_schema };

static const struct schema_field item_fields[] = {
	{ .key = "id", .type = SCHEMA_ID, .flags = SCHEMA_REQ,
	  .off = F(drill_item, id) },
	{ .key = "title", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(drill_item, title) },
	{ .key = "tier", .type = SCHEMA_INT, .flags = SCHEMA_REQ, .min = 1,
	  .max = 3, .off = F(drill_item, tier),
	  .help = "1 (core), 2 (protected) or 3" },
	{ .key = "kind", .type = SCHEMA_ENUM, .flags = SCHEMA_REQ, .enums = kinds,
	  .off = F(drill_item, kind) },
	{ .key = "source", .type = SCHEMA_LIST,
	  .flags = SCHEMA_REQ | SCHEMA_NONEMPTY, .item = &f_str_nonempty,
	  .off = F(drill_item, source),
	  .help = "a list of real paths (or the container and database)" },
	{ .key = "artifact", .type = SCHEMA_STR,
	  .flags = SCHEMA_NONEMPTY, .off = F(drill_item, artifact),
	  .help = "the file the backup phase makes (or scheduled:)" },
	{ .key = "scheduled", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(drill_item, scheduled),
	  .help = "a glob or directory of the backups a schedule makes, "
		  "e.g. /data/backups/*/mattermost-*.dump" },
	{ .key = "on_damaged", .type = SCHEMA_ENUM, .enums = on_damaged,
	  .off = F(drill_item, on_damaged) },
	{ .key = "timezone", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(drill_item, timezone),
	  .help = "the dumping host's zone, e.g. Asia/Shanghai" },
	{ .key = "method", .type = SCHEMA_STR, .off = F(drill_item, method) },
	{ .key = "container", .type = SCHEMA_STR, .off = F(drill_item, container) },
	{ .key = "database", .type = SCHEMA_STR, .off = F(drill_item, database) },
	{ .key = "owner", .type = SCHEMA_STR, .off = F(drill_item, owner),
	  .help = "uid:gid, e.g. 2000:2000" },
	{ .key = "role", .type = SCHEMA_STR, .off = F(drill_item, role) },
	{ .key = "evidence", .type = SCHEMA_STR, .off = F(drill_item, evidence) },
	{ .key = "why", .type = SCHEMA_STR, .off = F(drill_item, why) },
	{ .key = "overwrite", .type = SCHEMA_BOOL, .off = F(drill_item, overwrite),
	  .help = "true: the backup phase may overwrite an existing artifact "
		  "(refused by default; a finding in the report)" },
	{ NULL },
};
static const struct schema item_schema = {
	"backup_set item", item_fields, sizeof(struct drill_item), 0,
	check_item };
static const struct schema_field f_item = { .type = SCHEMA_OBJ,
					    .obj = &item_schema };

static const struct schema_field canary_fields[] = {
	{ .key = "connection", .type = SCHEMA_CONN, .flags = SCHEMA_REQ,
	  .off = F(drill_canary, connection) },
	{ .key = "table", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(drill_canary, table), .help = "posts" },
	{ .key = "key", .type = SCHEMA_MAP, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .item = &f_str, .off = F(drill_canary, key),
	  .help = "column: value pairs that pick exactly one row" },
	{ .key = "columns", .type = SCHEMA_LIST,
	  .flags = SCHEMA_REQ | SCHEMA_NONEMPTY, .item = &f_str_nonempty,
	  .off = F(drill_canary, columns),
	  .help = "the columns to record and compare" },
	{ .key = "description", .type = SCHEMA_STR,
	  .off = F(drill_canary, description) },
	{ NULL },
};
static const struct schema canary_schema = {
	"canary", canary_fields, sizeof(struct drill_canary), 0, NULL };

static const struct schema_field freshness_fields[] = {
	{ .key = "connection", .type = SCHEMA_CONN,
	  .off = F(drill_freshness, connection),
	  .help = "a connection (default: the canary's)" },
	{ .key = "table", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(drill_freshness, table),
	  .help = "a table (default: the canary's)" },
	{ .key = "column", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(drill_freshness, column),
	  .help = "a column holding when the row was written" },
	{ .key = "unit", .type = SCHEMA_ENUM, .enums = units,
	  .off = F(drill_freshness, unit), .def = "\"timestamp\"" },
	{ NULL },
};
static const struct schema freshness_schema = {
	"freshness check", freshness_fields, sizeof(struct drill_freshness), 0,
	check_freshness };
static const struct schema_field f_freshness = { .type = SCHEMA_OBJ,
						 .obj = &freshness_schema };

/*
 * The keys every step has. The kinds' own keys (step_kinds[]) are added
 * to these when a file is loaded; the derived ones are the loader's.
 */
static const struct schema_field step_common[] = {
	{ .key = "id", .type = SCHEMA_ID, .flags = SCHEMA_REQ,
	  .off = F(drill_step, id) },
	{ .key = "title", .type = SCHEMA_STR, .off = F(drill_step, title) },
	{ .key = "note", .type = SCHEMA_STR, .off = F(drill_step, note) },
	{ .key = "destructive", .type = SCHEMA_BOOL, .flags = SCHEMA_NOBIND },
	/* Converted by convert_when(), bound by bind_when(). */
	{ .key = "when", .type = SCHEMA_OBJ, .flags = SCHEMA_MANUAL | SCHEMA_NOBIND,
	  .help = "destroy_started (any phase + _started), or {step: ID, "
		  "status: passed|failed|ran}" },
	{ .key = "timeout", .type = SCHEMA_DURATION, .flags = SCHEMA_NOBIND,
	  .def = "3600" },
	{ .key = "display", .type = SCHEMA_STR, .flags = SCHEMA_DERIVED,
	  .off = F(drill_step, display) },
	{ NULL },
};
#define NSTEP_COMMON (sizeof(step_common) / sizeof(step_common[0]) - 1)

static const struct schema step_common_schema = {
	"step", step_common, sizeof(struct drill_step), 0, NULL };

/*
 * A step's when in the plan body: {"phase_started": PHASE} or {"step":
 * ID, "status": passed|failed|ran} (convert_when()), nothing else.
 */
struct step_when {
	const char *phase_started, *step, *status;
};

static const struct schema_field when_fields[] = {
	{ .key = "phase_started", .type = SCHEMA_STR,
	  .off = offsetof(struct step_when, phase_started) },
	{ .key = "step", .type = SCHEMA_STR,
	  .off = offsetof(struct step_when, step) },
	{ .key = "status", .type = SCHEMA_STR,
	  .off = offsetof(struct step_when, status) },
	{ NULL },
};
static const struct schema when_schema = {
	"when", when_fields, sizeof(struct step_when), 0, NULL };

/*
 * The keys of a step in the plan body beside its file's own: the
 * loader's (n, phase, kind) and step_common's it converts itself
 * (destructive, when, timeout). Each is bound on its own (bind_made()),
 * so a plan body that comes back edited is refused naming the key, as
 * bind_step() says it.
 */
struct step_made {
	struct schema_int n, timeout_s;
	const char *phase, *kind;
	int destructive;
	struct step_when *when;
	struct schema_kv when_keys;  /* all of when's members, each text */
};

#define M(m) offsetof(struct step_made, m)

static const struct schema_field made_fields[] = {
	{ .key = "n", .type = SCHEMA_INT, .flags = SCHEMA_REQ, .off = M(n) },
	{ .key = "phase", .type = SCHEMA_STR, .flags = SCHEMA_REQ,
	  .off = M(phase) },
	{ .key = "destructive", .type = SCHEMA_BOOL, .flags = SCHEMA_REQ,
	  .off = M(destructive) },
	{ .key = "when", .type = SCHEMA_OBJ, .obj = &when_schema,
	  .off = M(when) },
	{ .key = "when", .type = SCHEMA_MAP, .item = &f_str,
	  .off = M(when_keys) },
	{ .key = "timeout", .type = SCHEMA_DURATION, .flags = SCHEMA_REQ,
	  .off = M(timeout_s) },
	{ .key = "kind", .type = SCHEMA_STR, .flags = SCHEMA_REQ,
	  .off = M(kind) },
	{ NULL },
};
static const struct schema made_schema = {
	"step", made_fields, sizeof(struct step_made), 0, NULL };

/*
 * made_fields' `key` (both of when's) bound from a plan body's step:
 * 0, or -1 when it is missing (but required) or of a wrong type.
 * schema_release(&made_schema, m) frees what all calls bound.
 */
static int bind_made(json_t *js, struct step_made *m, const char *key)
{
	struct schema_field one[3];
	struct schema s = { "step", one, sizeof(*m), 0, NULL };
	const struct schema_field *f;
	struct error e = ERROR_INIT;
	size_t n = 0;
	int rc;

	memset(one, 0, sizeof(one));
	for (f = made_fields; f->key; f++)
		if (!strcmp(f->key, key) && n < 2)
			one[n++] = *f;
	if (!n)
		BUG("no step key '%s'", key);
	rc = schema_bind(&s, js, m, "step", &e);
	error_release(&e);
	return rc;
}

static int bind_step_kind(struct drill_step *st, json_t *js,
			  struct step_made *m, const char *where,
			  struct error *err);

static const struct schema_field phase_fields[] = {
	{ .key = "preflight", .type = SCHEMA_LIST },
	{ .key = "backup", .type = SCHEMA_LIST },
	{ .key = "verify_backup", .type = SCHEMA_LIST },
	{ .key = "destroy", .type = SCHEMA_LIST },
	{ .key = "restore", .type = SCHEMA_LIST },
	{ .key = "verify_restore", .type = SCHEMA_LIST },
	{ .key = "cleanup", .type = SCHEMA_LIST },
	{ NULL },
};
static const struct schema phase_schema = { "phases", phase_fields, 0, 0, NULL };

/* "vars" is handled first and by hand: everything else expands with it. */
static const struct schema_field top_fields[] = {
	{ .key = "rdrill", .type = SCHEMA_INT, .flags = SCHEMA_REQ, .min = 1,
	  .max = 1, .off = F(drill, format),
	  .help = "1 (the drill format version)" },
	{ .key = "id", .type = SCHEMA_ID, .flags = SCHEMA_REQ, .off = F(drill, id) },
	{ .key = "title", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(drill, title) },
	{ .key = "system", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(drill, system) },
	{ .key = "environment", .type = SCHEMA_ID, .flags = SCHEMA_REQ,
	  .off = F(drill, environment) },
	{ .key = "objective", .type = SCHEMA_STR,
	  .flags = SCHEMA_REQ | SCHEMA_NONEMPTY, .off = F(drill, objective) },
	{ .key = "declaration", .type = SCHEMA_STR, .off = F(drill, declaration) },
	{ .key = "owner", .type = SCHEMA_STR, .off = F(drill, owner) },
	{ .key = "operator", .type = SCHEMA_STR, .off = F(drill, operator) },
	{ .key = "approver", .type = SCHEMA_STR, .off = F(drill, approver),
	  .help = "who approved the drill (report's summary)" },
	{ .key = "change_ref", .type = SCHEMA_STR, .off = F(drill, change_ref),
	  .help = "the change ticket (run --change-ref overrides)" },
	{ .key = "evidence_group", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(drill, evidence_group),
	  .help = "a group that may read the bundle (default: private)" },
	{ .key = "cadence", .type = SCHEMA_DURATION, .min = 1,
	  .max = 1096L * 86400, .off = F(drill, cadence_s),
	  .help = "a passing run is due this often (default 92d, rdrill history)" },
	{ .key = "language", .type = SCHEMA_ENUM, .enums = languages,
	  .off = F(drill, language), .def = "\"en\"" },
	{ .key = "targets", .type = SCHEMA_OBJ, .obj = &target_schema,
	  .off = F(drill, targets) },
	{ .key = "controls", .type = SCHEMA_LIST, .item = &f_control,
	  .off = F(drill, controls), .off2 = F(drill, ncontrols) },
	{ .key = "vars", .type = SCHEMA_MAP, .flags = SCHEMA_MANUAL, .item = &f_str,
	  .off = F(drill, vars) },
	{ .key = "connections", .type = SCHEMA_MAP, .item = &f_conn,
	  .off = F(drill, conns), .off2 = F(drill, nconns) },
	{ .key = "ssh_hosts", .type = SCHEMA_MAP, .item = &f_ssh_host,
	  .off = F(drill, ssh_hosts), .off2 = F(drill, nssh_hosts),
	  .help = "NAME: {user, host, port, identity_file, known_hosts}" },
	{ .key = "backup_dir", .type = SCHEMA_OBJ, .obj = &storage_schema,
	  .off = F(drill, backup_dir) },
	{ .key = "backup_set", .type = SCHEMA_LIST,
	  .flags = SCHEMA_REQ | SCHEMA_NONEMPTY, .item = &f_item,
	  .off = F(drill, items), .off2 = F(drill, nitems) },
	{ .key = "canary", .type = SCHEMA_OBJ, .obj = &canary_schema,
	  .off = F(drill, canary) },
	{ .key = "freshness", .type = SCHEMA_LIST, .item = &f_freshness,
	  .off = F(drill, freshness), .off2 = F(drill, nfreshness) },
	{ .key = "phases", .type = SCHEMA_OBJ,
	  .flags = SCHEMA_REQ | SCHEMA_MANUAL | SCHEMA_NOBIND,
	  .obj = &phase_schema },
	{ NULL },
};
static const struct schema top_schema = { "drill", top_fields,
					  sizeof(struct drill), 0, NULL };

/* ---- conversion ------------------------------------------------------ */

#define err_at schema_error_at

const struct ynode *schema_ctx_root(struct schema_ctx *c)
{
	return ytree_root(c->t);
}

/* One more error, already "file:line:col: what" with its caret. */
static int add_error(struct ctx *c, struct error *e)
{
	if (!c->nerrs++) {
		strbuf_reset(&c->err->msg);
		strbuf_reset(&c->err->detail);
		strbuf_add(&c->err->msg, e->msg.buf, e->msg.len);
		strbuf_add(&c->err->detail, e->detail.buf, e->detail.len);
	} else if (c->nerrs <= DRILL_MAX_ERRORS) {
		strbuf_addf(&c->err->detail, "%s\n%s", e->msg.buf,
			    e->detail.buf);
	}
	return -1;
}

int schema_error_at(struct ctx *c, const struct ynode *n, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	struct error e = ERROR_INIT;
	va_list ap;

	if (too_many(c)) {
		c->nerrs++;
		return -1;
	}
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ytree_error_at(c->t, n->line, n->col, &e, "%s", sb.buf);
	add_error(c, &e);
	strbuf_release(&sb);
	error_release(&e);
	return -1;
}

/* ${...} in a scalar, expanded plainly into `out`: 1, 0 without, -1. */
static int expand_scalar(struct ctx *c, const struct ynode *n,
			 struct strbuf *out)
{
	struct error e = ERROR_INIT;
	int rc = 1;

	if (n->type != YNODE_SCALAR || !strstr(n->str, "${"))
		return 0;
	if (expand_node(c->t, n, &c->vars, EXPAND_PLAIN, c->used, out, &e) < 0)
		rc = add_error(c, &e);
	error_release(&e);
	return rc;
}

/* After the walk: how many errors there were, when more than one. */
static void errors_summary(struct ctx *c)
{
	if (too_many(c))
		strbuf_addf(&c->err->detail, "%s: stopped after %d errors\n",
			    ytree_path(c->t), DRILL_MAX_ERRORS);
	else if (c->nerrs > 1)
		strbuf_addf(&c->err->detail, "%s: %d errors\n",
			    ytree_path(c->t), c->nerrs);
}

static const char *node_kind(const struct ynode *n)
{
	if (n->type == YNODE_SEQ)
		return "a list";
	if (n->type == YNODE_MAP)
		return "a mapping";
	if (ynode_is_null(n))
		return "nothing (null)";
	return "text";
}

/* Short, printable form of a scalar for error messages. */
static void quote_for_error(struct strbuf *sb, const struct ynode *n)
{
	size_t i;

	strbuf_addch(sb, '\'');
	for (i = 0; i < n->len && i < 40; i++) {
		unsigned char ch = (unsigned char)n->str[i];
		if (ch < 0x20 || ch == 0x7f)
			strbuf_addf(sb, "\\x%02x", ch);
		else
			strbuf_addch(sb, ch);
	}
	if (n->len > 40)
		strbuf_adds(sb, "...");
	strbuf_addch(sb, '\'');
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) :
					     (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(*cur));
	}
	return prev[lb];
}

static int convert(struct ctx *c, const struct schema_field *f, const struct ynode *n,
		   const char *name, json_t **out);

static int want_scalar(struct ctx *c, const struct ynode *n, const char *name,
		       const char *expected)
{
	if (n->type == YNODE_SCALAR && !ynode_is_null(n))
		return 0;
	return err_at(c, n, "'%s' must be %s, got %s", name, expected,
		      node_kind(n));
}

/* Whether `s` (`len` bytes) holds "${backup.". */
static int has_backup_ref(const char *s, size_t len)
{
	static const char ref[] = "${" EXPAND_BACKUP_PREFIX;
	size_t i;

	for (i = 0; i + sizeof(ref) - 1 <= len; i++)
		if (!memcmp(s + i, ref, sizeof(ref) - 1))
			return 1;
	return 0;
}

static int convert_text(struct ctx *c, const struct schema_field *f,
			const struct ynode *n, const char *name, json_t **out)
{
	struct strbuf sb = STRBUF_INIT;
	enum expand_mode mode = f->type == SCHEMA_SHELL ? EXPAND_SHELL :
				f->type == SCHEMA_SQL ? EXPAND_SQL : EXPAND_PLAIN;

	if (n->type == YNODE_SCALAR && ynode_is_null(n) && n->len &&
	    !(f->flags & SCHEMA_NONEMPTY) && f->type != SCHEMA_LIT) {
		/* `key: null` for optional text means the text "null"? No:
		 * YAML readers would see null; make the writer say which. */
		return err_at(c, n, "'%s' is %s; quote it if you mean the "
			      "text", name, n->str);
	}
	if (n->type != YNODE_SCALAR)
		return err_at(c, n, "'%s' must be text, got %s", name,
			      node_kind(n));
	if (n->type == YNODE_SCALAR && n->style == YSTYLE_PLAIN && !n->len)
		return err_at(c, n, "'%s' has no value", name);
	if (f->type == SCHEMA_LIT) {
		/*
		 * Not expanded, so the loader cannot have written a
		 * placeholder here: one written by hand would be filled at
		 * the run (or name no item, and stop it), never checked.
		 */
		if (has_backup_ref(n->str, n->len))
			return err_at(c, n, "'%s' is taken as written (no "
				      "${...} in it is expanded): a "
				      "'${%s' in it is refused", name,
				      EXPAND_BACKUP_PREFIX);
		strbuf_add(&sb, n->str, n->len);
	} else {
		struct error e = ERROR_INIT;
		int rc = expand_node(c->t, n, &c->vars, mode, c->used, &sb, &e);

		if (rc < 0)
			add_error(c, &e);
		error_release(&e);
		if (rc < 0) {
			strbuf_release(&sb);
			return -1;
		}
	}
	c->expanded += sb.len;
	if (c->expanded > EXPAND_MAX_TOTAL) {
		strbuf_release(&sb);
		return err_at(c, n, "'%s': the drill file expands to more than "
			      "%d MiB of text (variables that repeat each "
			      "other?)", name, EXPAND_MAX_TOTAL / (1024 * 1024));
	}
	if ((f->flags & SCHEMA_NONEMPTY) && !sb.len) {
		strbuf_release(&sb);
		return err_at(c, n, "'%s' must not be empty", name);
	}
	if (memchr(sb.buf, '\0', sb.len)) {
		strbuf_release(&sb);
		return err_at(c, n, "'%s' holds a NUL character", name);
	}
	*out = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	if (!*out)
		return err_at(c, n, "'%s' is not valid UTF-8", name);
	return 0;
}

static int convert_id(struct ctx *c, const struct ynode *n, const char *name,
		      json_t **out)
{
	size_t i;

	if (want_scalar(c, n, name, "an identifier") < 0)
		return -1;
	for (i = 0; i < n->len; i++) {
		unsigned char ch = (unsigned char)n->str[i];
		if (!(islower(ch) || isdigit(ch) ||
		      (i && (ch == '-' || ch == '_' || ch == '.'))))
			break;
	}
	if (i < n->len || n->len > 64) {
		struct strbuf q = STRBUF_INIT;
		quote_for_error(&q, n);
		err_at(c, n, "'%s' must be an identifier (a-z, 0-9, then also "
		       "- _ .; at most 64), got %s", name, q.buf);
		strbuf_release(&q);
		return -1;
	}
	*out = json_string(n->str);
	return 0;
}

static int parse_long(const char *s, long *v)
{
	char *end;
	const char *d = s + (*s == '-');

	if (!isdigit((unsigned char)*d) || (d[0] == '0' && d[1]))
		return -1; /* leading zeros were octal in YAML 1.1: refuse */
	errno = 0;
	*v = strtol(s, &end, 10);
	return *end || errno ? -1 : 0;
}

static int convert_int(struct ctx *c, const struct schema_field *f,
		       const struct ynode *n, const char *name, json_t **out)
{
	long v;

	if (want_scalar(c, n, name, "a whole number") < 0)
		return -1;
	if ((n->style != YSTYLE_PLAIN && !(f->flags & SCHEMA_QUOTED)) ||
	    parse_long(n->str, &v) < 0) {
		struct strbuf q = STRBUF_INIT;
		quote_for_error(&q, n);
		err_at(c, n, "'%s' must be a whole number%s%s, got %s%s", name,
		       f->help ? ": " : "", f->help ? f->help : "", q.buf,
		       n->style != YSTYLE_PLAIN ? " (quoted text)" : "");
		strbuf_release(&q);
		return -1;
	}
	if ((f->min || f->max) && (v < f->min || v > f->max))
		return err_at(c, n, "'%s' must be between %ld and %ld, got %ld",
			      name, f->min, f->max, v);
	*out = json_integer(v);
	return 0;
}

/*
 * 90, 90s, 15m, 1h30m, 2d. At most `max` seconds: 30 days for what a
 * drill waits or targets (a drill is not a season); a field may say
 * otherwise (cadence: a drill is due every quarter, or every year).
 */
static int parse_duration(const char *s, long max, long *secs)
{
	long total = 0;

	if (!*s)
		return -1;
	while (*s) {
		long v = 0, unit;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (*s++ - '0');
			if (v > max)
				return -1;
		}
		switch (*s) {
		case '\0': unit = 1; break;
		case 's': unit = 1; s++; break;
		case 'm': unit = 60; s++; break;
		case 'h': unit = 3600; s++; break;
		case 'd': unit = 86400; s++; break;
		default: return -1;
		}
		if (v > max / unit)
			return -1;
		total += v * unit;
		if (total > max)
			return -1;
	}
	*secs = total;
	return 0;
}

static int convert_duration(struct ctx *c, const struct schema_field *f,
			    const struct ynode *n, const char *name, json_t **out)
{
	long v, max = f->max ? f->max : 30L * 86400;

	if (want_scalar(c, n, name, "a duration") < 0)
		return -1;
	if (parse_duration(n->str, max, &v) < 0) {
		struct strbuf q = STRBUF_INIT;
		quote_for_error(&q, n);
		err_at(c, n, "'%s' must be a duration like 90s, 15m, 1h30m or "
		       "2d (at most %ldd), got %s", name, max / 86400, q.buf);
		strbuf_release(&q);
		return -1;
	}
	*out = json_integer(v);
	return 0;
}

static int convert_bool(struct ctx *c, const struct ynode *n, const char *name,
			json_t **out)
{
	if (want_scalar(c, n, name, "true or false") < 0)
		return -1;
	if (n->style == YSTYLE_PLAIN && !strcmp(n->str, "true")) {
		*out = json_true();
		return 0;
	}
	if (n->style == YSTYLE_PLAIN && !strcmp(n->str, "false")) {
		*out = json_false();
		return 0;
	}
	{
		struct strbuf q = STRBUF_INIT;
		quote_for_error(&q, n);
		err_at(c, n, "'%s' must be true or false, got %s%s", name, q.buf,
		       n->style != YSTYLE_PLAIN ? " (quoted text)" :
		       " (YAML 1.1 words like yes/no/on/off are not booleans "
		       "here)");
		strbuf_release(&q);
	}
	return -1;
}

static int convert_enum(struct ctx *c, const struct schema_field *f,
			const struct ynode *n, const char *name, json_t **out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (want_scalar(c, n, name, "one of the listed words") < 0)
		return -1;
	for (i = 0; f->enums[i]; i++)
		if (!strcmp(f->enums[i], n->str)) {
			*out = json_string(n->str);
			return 0;
		}
	quote_for_error(&sb, n);
	strbuf_adds(&sb, "; expected one of:");
	for (i = 0; f->enums[i]; i++)
		strbuf_addf(&sb, " %s", f->enums[i]);
	err_at(c, n, "'%s' has an unknown value %s", name, sb.buf);
	strbuf_release(&sb);
	return -1;
}

static int convert_list(struct ctx *c, const struct schema_field *f,
			const struct ynode *n, const char *name, json_t **out)
{
	json_t *arr;
	size_t i;
	int bad = 0;

	if (n->type != YNODE_SEQ)
		return err_at(c, n, "'%s' must be a list (items starting with "
			      "'- ')%s%s, got %s", name, f->help ? ": " : "",
			      f->help ? f->help : "", node_kind(n));
	if ((f->flags & SCHEMA_NONEMPTY) && !n->nkids)
		return err_at(c, n, "'%s' must not be an empty list", name);
	arr = json_array();
	for (i = 0; i < n->nkids && !too_many(c); i++) {
		json_t *v;
		char sub[160];
		snprintf(sub, sizeof(sub), "%s[%zu]", name, i + 1);
		if (convert(c, f->item, n->kids[i], sub, &v) < 0) {
			bad = 1; /* the other items' errors too */
			continue;
		}
		json_array_append_new(arr, v);
	}
	if (bad || too_many(c)) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

static int check_key(struct ctx *c, const struct ynode *map, size_t i,
		     const char *what)
{
	const struct ynode *k = map->kids[i];
	size_t j;

	if (k->type != YNODE_SCALAR || ynode_is_null(k))
		return err_at(c, k, "a key in %s must be a name, got %s", what,
			      node_kind(k));
	for (j = 0; j < i; j += 2)
		if (!strcmp(map->kids[j]->str, k->str))
			return err_at(c, k, "duplicate key '%s' in %s (first at "
				      "line %d)", k->str, what,
				      map->kids[j]->line);
	return 0;
}

static int convert_map(struct ctx *c, const struct schema_field *f,
		       const struct ynode *n, const char *name, json_t **out)
{
	json_t *obj;
	size_t i;
	int bad = 0;

	if (n->type != YNODE_MAP)
		return err_at(c, n, "'%s' must be a mapping (name: value), got "
			      "%s", name, node_kind(n));
	if ((f->flags & SCHEMA_NONEMPTY) && !n->nkids)
		return err_at(c, n, "'%s' must not be empty", name);
	obj = json_object();
	for (i = 0; i + 1 < n->nkids && !too_many(c); i += 2) {
		json_t *v;
		if (check_key(c, n, i, name) < 0 ||
		    convert(c, f->item, n->kids[i + 1], n->kids[i]->str, &v) < 0) {
			bad = 1;
			continue;
		}
		json_object_set_new(obj, n->kids[i]->str, v);
	}
	if (bad || too_many(c)) {
		json_decref(obj);
		return -1;
	}
	*out = obj;
	return 0;
}

/* Unknown keys, in file order: a typo in a DR plan must stop it. */
static int check_keys(struct ctx *c, const struct schema *s,
		      const struct ynode *n)
{
	const struct schema_field *f;
	size_t i;
	int bad = 0;

	for (i = 0; i + 1 < n->nkids && !too_many(c); i += 2) {
		const struct schema_field *best = NULL;
		size_t bestd = 3;
		if (check_key(c, n, i, s->what) < 0) {
			bad = 1;
			continue;
		}
		for (f = s->fields; f->key; f++) {
			size_t d;
			if (f->flags & SCHEMA_DERIVED)
				continue;
			if (!strcmp(f->key, n->kids[i]->str))
				break;
			d = edit_distance(f->key, n->kids[i]->str);
			if (d < bestd) {
				bestd = d;
				best = f;
			}
		}
		if (f->key && !(f->flags & SCHEMA_DERIVED))
			continue;
		bad = 1;
		if (best) {
			err_at(c, n->kids[i], "unknown key '%s' in %s; did you "
			       "mean '%s'?", n->kids[i]->str, s->what,
			       best->key);
			continue;
		}
		{
			struct strbuf sb = STRBUF_INIT;
			for (f = s->fields; f->key; f++)
				if (!(f->flags & SCHEMA_DERIVED))
					strbuf_addf(&sb, "%s%s", sb.len ? ", " : "",
						    f->key);
			err_at(c, n->kids[i], "unknown key '%s' in %s; expected "
			       "one of: %s", n->kids[i]->str, s->what, sb.buf);
			strbuf_release(&sb);
		}
	}
	return bad ? -1 : 0;
}

static json_t *json_default(const struct schema_field *f)
{
	json_t *v = json_loads(f->def, JSON_DECODE_ANY, NULL);

	if (!v)
		BUG("default of '%s' is not JSON: %s", f->key, f->def);
	return v;
}

/* A connection name, or the id of an earlier step of a kind. */
static int convert_ref(struct ctx *c, const struct schema_field *f,
		       const struct ynode *n, const char *name, json_t **out)
{
	const struct strmap_entry *id;

	if (convert_id(c, n, name, out) < 0)
		return -1;
	if (f->type == SCHEMA_CONN) {
		if (strmap_get(&c->conns, n->str))
			return 0;
		json_decref(*out);
		return err_at(c, n, "unknown connection '%s' (define it under "
			      "connections:)", n->str);
	}
	id = strmap_get(&c->ids, n->str);
	if (id && id->val && !strcmp(id->val, f->refkind))
		return 0;
	json_decref(*out);
	return err_at(c, n, "%s '%s' is not an earlier %s step", name, n->str,
		      f->refkind);
}

/*
 * An object's own rules (schema.check), once its fields converted: on
 * the object bound into its struct, as everything after the loader
 * reads it. A step's are the loader's (check_step): it finishes the
 * step's JSON, then gives its kind the step bound.
 */
static int check_obj(struct ctx *c, const struct schema *s,
		     const struct ynode *n, json_t *obj)
{
	struct error e = ERROR_INIT;
	void *bound;
	int rc;

	if (s == &c->step_schema)
		return check_step(c, n, obj);
	if (!s->check)
		return 0;
	bound = xcalloc(1, s->size);
	/* What the loader made, its own schema refuses: ours. */
	if (schema_bind(s, obj, bound, s->what, &e) < 0)
		BUG("converted %s does not bind: %s", s->what, e.msg.buf);
	rc = s->check(c, n, bound);
	schema_release(s, bound);
	free(bound);
	error_release(&e);
	return rc;
}

static int convert_obj(struct ctx *c, const struct schema *s,
		       const struct ynode *n, const char *name, json_t **out)
{
	const struct schema_field *f;
	json_t *obj;
	int bad_keys, bad = 0;

	if (n->type != YNODE_MAP)
		return err_at(c, n, "'%s' must be a mapping (key: value), got "
			      "%s", name, node_kind(n));
	/* A misspelt key is also a missing one: say it once, as the typo. */
	bad_keys = check_keys(c, s, n) < 0;
	/* Then values in schema order, so ${vars} and names are known first. */
	obj = json_object();
	for (f = s->fields; f->key && !too_many(c); f++) {
		const struct ynode *v;
		json_t *jv;
		char key[64];
		if (f->flags & SCHEMA_DERIVED)
			continue;
		v = ynode_get(n, f->key);
		schema_json_key(f, key, sizeof(key));
		if (!v) {
			if ((f->flags & SCHEMA_REQ) && !bad_keys) {
				err_at(c, n, "%s is missing '%s'%s%s", s->what,
				       f->key, f->help ? ": " : "",
				       f->help ? f->help : "");
				bad = 1;
			}
			if (f->def)
				json_object_set_new(obj, key, json_default(f));
			continue;
		}
		if (f->flags & SCHEMA_MANUAL)
			continue;
		if (convert(c, f, v, f->key, &jv) < 0) {
			bad = 1; /* the other fields' errors too */
			continue;
		}
		json_object_set_new(obj, key, jv);
	}
	/* Cross-field rules read the fields: only when all of them are. */
	if (bad || bad_keys || too_many(c) || check_obj(c, s, n, obj) < 0) {
		json_decref(obj);
		return -1;
	}
	*out = obj;
	return 0;
}

/*
 * Numbers, durations, booleans and words take ${vars} like text does
 * (`port: ${pg_port}`): the value is expanded first, then read as its
 * type, and an error quotes what it expanded to at the reference's line
 * and column. Identifiers and references stay literal: they are names
 * other parts of the file are checked against before any expansion.
 */
static int convert_value(struct ctx *c, const struct schema_field *f,
			 const struct ynode *n, const char *name, json_t **out)
{
	struct strbuf sb = STRBUF_INIT;
	struct ynode expanded;
	int rc = expand_scalar(c, n, &sb);

	if (rc < 0) {
		strbuf_release(&sb);
		return -1;
	}
	if (rc) {
		expanded = *n;
		expanded.str = sb.buf;
		expanded.len = sb.len;
		expanded.style = YSTYLE_PLAIN;
		n = &expanded;
	}
	switch (f->type) {
	case SCHEMA_INT:
		rc = convert_int(c, f, n, name, out);
		break;
	case SCHEMA_DURATION:
		rc = convert_duration(c, f, n, name, out);
		break;
	case SCHEMA_BOOL:
		rc = convert_bool(c, n, name, out);
		break;
	default:
		rc = convert_enum(c, f, n, name, out);
		break;
	}
	strbuf_release(&sb);
	return rc;
}

static int convert(struct ctx *c, const struct schema_field *f, const struct ynode *n,
		   const char *name, json_t **out)
{
	switch (f->type) {
	case SCHEMA_STR:
	case SCHEMA_SHELL:
	case SCHEMA_SQL:
	case SCHEMA_LIT:
		return convert_text(c, f, n, name, out);
	case SCHEMA_ID:
		return convert_id(c, n, name, out);
	case SCHEMA_CONN:
	case SCHEMA_STEPREF:
		return convert_ref(c, f, n, name, out);
	case SCHEMA_INT:
	case SCHEMA_DURATION:
	case SCHEMA_BOOL:
	case SCHEMA_ENUM:
		return convert_value(c, f, n, name, out);
	case SCHEMA_LIST:
		return convert_list(c, f, n, name, out);
	case SCHEMA_MAP:
		return convert_map(c, f, n, name, out);
	case SCHEMA_OBJ:
		return convert_obj(c, f->obj, n, name, out);
	case SCHEMA_REAL:
		break;
	}
	return err_at(c, n, "internal: unknown field type");
}

/* Steps are converted phase by phase: a step's checks need its phase. */
static int convert_phases(struct ctx *c, const struct ynode *pn, json_t **out)
{
	json_t *steps;
	int i, n = 0, bad = 0;

	if (pn->type != YNODE_MAP)
		return err_at(c, pn, "'phases' must be a mapping of phase names "
			      "to lists of steps, got %s", node_kind(pn));
	bad = check_keys(c, &phase_schema, pn) < 0; /* and the known phases */
	steps = json_array();
	for (i = 0; drill_phases[i] && !too_many(c); i++) {
		const struct ynode *list = ynode_get(pn, drill_phases[i]);
		const struct schema_field f_step = { .type = SCHEMA_OBJ,
						     .obj = &c->step_schema };
		const struct schema_field f_list = { .key = drill_phases[i],
						     .type = SCHEMA_LIST,
						     .item = &f_step };
		json_t *arr, *s;
		size_t j;

		if (!list)
			continue;
		c->phase = drill_phases[i];
		if (convert_list(c, &f_list, list, drill_phases[i], &arr) < 0) {
			bad = 1; /* the later phases' errors too */
			continue;
		}
		json_array_foreach(arr, j, s) {
			json_object_set_new(s, "n", json_integer(++n));
			json_object_set_new(s, "phase", json_string(drill_phases[i]));
			json_array_append(steps, s);
		}
		json_decref(arr);
	}
	if (!n && !bad && !too_many(c)) {
		json_decref(steps);
		return err_at(c, pn, "the drill has no steps");
	}
	/*
	 * Nothing is destroyed on the strength of an unchecked backup: an
	 * empty verify_backup would let the gate count 0 of 0 as passed.
	 */
	{
		const struct ynode *d = ynode_get(pn, "destroy");
		const struct ynode *v = ynode_get(pn, "verify_backup");

		if (d && d->nkids && (!v || !v->nkids)) {
			json_decref(steps);
			return err_at(c, v ? v : d, "a drill with a destroy "
				      "phase needs at least one verify_backup "
				      "step: prove the backup before destroying "
				      "anything");
		}
	}
	if (bad || too_many(c)) {
		json_decref(steps);
		return -1;
	}
	*out = steps;
	return 0;
}

/* ---- cross-field checks ---------------------------------------------- */

static int check_conn(struct ctx *c, const struct ynode *n, const void *obj)
{
	const struct drill_conn *k = obj;

	if (k->password_env && k->password_file)
		return err_at(c, n, "a connection takes password_env or "
			      "password_file, not both");
	return 0;
}

/*
 * An item names the file it makes (artifact:) or the backups a schedule
 * made (scheduled:), and is then ${backup.ID.path}: the artifact as it
 * is, a scheduled one as a placeholder the runner fills with the file it
 * picked (expand.h).
 */
static int check_item(struct ctx *c, const struct ynode *n, const void *obj)
{
	const struct drill_item *it = obj;
	const char *art = it->artifact, *id = it->id;
	int sched = it->scheduled != NULL;
	struct strbuf name = STRBUF_INIT;

	if (!art == !sched)
		return err_at(c, n, "a backup_set item takes artifact: (the file "
			      "the backup phase makes) or scheduled: (the "
			      "backups a schedule makes), %s",
			      art ? "not both" : "one of them");
	if (!sched && (it->on_damaged || it->timezone))
		return err_at(c, n, "on_damaged: and timezone: are for "
			      "scheduled: items");
	strbuf_addf(&name, "backup.%s.path", id ? id : "");
	if (strmap_get(&c->vars, name.buf)) {
		strbuf_release(&name);
		return err_at(c, n, "a second backup_set item with id '%s'", id);
	}
	/* A scheduled item's file is NULL: picked when the run starts. */
	strmap_put(&c->vars, name.buf, sched ? NULL : art, 0);
	strbuf_release(&name);
	return 0;
}

static int check_freshness(struct ctx *c, const struct ynode *n,
			   const void *obj)
{
	const struct drill_freshness *f = obj;
	int conn = f->connection != NULL;
	int table = f->table != NULL;

	if (conn != table)
		return err_at(c, n, "a freshness check names both connection: "
			      "and table:, or neither (then the canary's)");
	if (!conn && !ynode_get(schema_ctx_root(c), "canary"))
		return err_at(c, n, "a freshness check without connection: and "
			      "table: uses the canary's, and the drill has no "
			      "canary:");
	return 0;
}

/* The kind whose own key `key` is, or NULL for a common key. */
static const struct step_kind *field_owner(const char *key)
{
	const struct step_kind *const *k;
	const struct schema_field *f;

	for (k = step_kinds; *k; k++)
		for (f = (*k)->fields; f->key; f++)
			if (!strcmp(f->key, key))
				return *k;
	return NULL;
}

static const char *const when_statuses[] = { "passed", "failed", "ran",
					     NULL };

/*
 * when: a condition on what happened earlier in this run, stored as
 * {"phase_started": PHASE} or {"step": ID, "status": passed|failed|ran}.
 * A step id must be an earlier step's: the condition is decided before
 * the step runs.
 */
static int convert_when(struct ctx *c, const struct ynode *n, json_t *obj,
			const char *id)
{
	const struct ynode *w = ynode_get(n, "when"), *sn, *tn;
	json_t *out;
	size_t i;

	if (!w)
		return 0;
	if (w->type == YNODE_SCALAR) {
		size_t len = w->len;
		const char *suffix = "_started";
		size_t sl = strlen(suffix);
		if (len > sl && !strcmp(w->str + len - sl, suffix))
			for (i = 0; drill_phases[i]; i++)
				if (strlen(drill_phases[i]) == len - sl &&
				    !strncmp(w->str, drill_phases[i], len - sl)) {
					out = json_object();
					json_object_set_new(out, "phase_started",
						json_string(drill_phases[i]));
					json_object_set_new(obj, "when", out);
					return 0;
				}
		return err_at(c, w, "'when: %s' is not a condition: use "
			      "PHASE_started (e.g. destroy_started) or {step: "
			      "ID, status: passed|failed|ran}", w->str);
	}
	if (w->type != YNODE_MAP)
		return err_at(c, w, "'when' must be PHASE_started or {step: ID, "
			      "status: passed|failed|ran}, got %s", node_kind(w));
	for (i = 0; i + 1 < w->nkids; i += 2)
		if (strcmp(w->kids[i]->str, "step") &&
		    strcmp(w->kids[i]->str, "status"))
			return err_at(c, w->kids[i], "unknown key '%s' in 'when' "
				      "(step, status)", w->kids[i]->str);
	sn = ynode_get(w, "step");
	tn = ynode_get(w, "status");
	if (!sn || !tn)
		return err_at(c, w, "'when' is missing '%s': {step: ID, status: "
			      "passed|failed|ran}", sn ? "status" : "step");
	if (sn->type != YNODE_SCALAR || !strmap_get(&c->ids, sn->str) ||
	    !strcmp(sn->str, id))
		return err_at(c, sn, "'when: step' must name an earlier step, "
			      "got '%s'", sn->type == YNODE_SCALAR ? sn->str :
			      node_kind(sn));
	for (i = 0; when_statuses[i]; i++)
		if (tn->type == YNODE_SCALAR && !strcmp(tn->str, when_statuses[i]))
			break;
	if (!when_statuses[i])
		return err_at(c, tn, "'when: status' must be passed, failed or "
			      "ran, got '%s'", tn->type == YNODE_SCALAR ? tn->str :
			      node_kind(tn));
	out = json_object();
	json_object_set_new(out, "step", json_string(sn->str));
	json_object_set_new(out, "status", json_string(when_statuses[i]));
	json_object_set_new(obj, "when", out);
	return 0;
}

/*
 * The kind a step is, by the one selector key the file gives it
 * (step.h: no two kinds share one); NULL with the error said.
 */
static const struct step_kind *step_kind_of(struct ctx *c,
					    const struct ynode *n,
					    const char *id, const char **sel)
{
	const struct step_kind *kind = NULL, *const *k;
	const char *const *s;

	*sel = NULL;
	step_kinds_check();
	for (k = step_kinds; *k; k++)
		for (s = (*k)->selectors; *s; s++) {
			if (!ynode_get(n, *s))
				continue;
			if (*sel) {
				err_at(c, ynode_get(n, *s), "step '%s' has "
				       "both '%s' and '%s'; a step does one "
				       "thing", id, *sel, *s);
				return NULL;
			}
			*sel = *s;
			kind = *k;
		}
	if (!kind) {
		struct strbuf sb = STRBUF_INIT;
		for (k = step_kinds; *k; k++)
			for (s = (*k)->selectors; *s; s++)
				strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", *s);
		err_at(c, n, "step '%s' does nothing: give it one of %s", id,
		       sb.buf);
		strbuf_release(&sb);
	}
	return kind;
}

/*
 * The phase rules of `destructive` (as the file says it, when it does),
 * and the step's value of it in the plan body.
 */
static int check_destructive(struct ctx *c, const struct ynode *n,
			     json_t *obj)
{
	struct step_made m;
	int written;

	memset(&m, 0, sizeof(m));
	written = bind_made(obj, &m, "destructive") == 0;
	/* Everything in the destroy phase destroys, whatever it says. */
	if (!strcmp(c->phase, "destroy")) {
		if (written && !m.destructive)
			return err_at(c, ynode_get(n, "destructive"), "steps "
				      "in the destroy phase are destructive; "
				      "remove 'destructive: false'");
		json_object_set_new(obj, "destructive", json_true());
	} else if (written && m.destructive && strcmp(c->phase, "restore")) {
		/* Destruction belongs after the backup is proved, nowhere else. */
		return err_at(c, ynode_get(n, "destructive"), "a destructive "
			      "step belongs in the destroy or restore phase, "
			      "not %s", c->phase);
	} else if (!written) {
		json_object_set_new(obj, "destructive", json_false());
	}
	return 0;
}

/*
 * The kind's own rules, on the step bound as the run will read it
 * (struct drill_step_check); what it decides goes into the plan body.
 */
static int check_kind(struct ctx *c, const struct ynode *n, json_t *obj,
		      struct drill_step *st)
{
	struct strbuf display = STRBUF_INIT;
	struct drill_step_check k;
	struct step_made m;
	struct error e = ERROR_INIT;
	int rc;

	memset(&m, 0, sizeof(m));
	if (bind_step_kind(st, obj, &m, "step", &e) < 0)
		BUG("a converted step does not bind: %s", e.msg.buf);
	st->phase = (enum drill_phase)drill_phase_index(c->phase);
	memset(&k, 0, sizeof(k));
	k.c = c;
	k.node = n;
	k.step = st;
	k.destructive = st->destructive;
	k.display = &display;
	rc = st->kind->check(&k);
	if (!rc) {
		json_object_set_new(obj, "destructive",
				    json_boolean(k.destructive));
		if (display.len)
			json_object_set_new(obj, "display",
					    json_string(display.buf));
	}
	schema_release(st->kind->params, st->params);
	free(st->params);
	schema_release(&made_schema, &m);
	strbuf_release(&display);
	error_release(&e);
	return rc;
}

/*
 * A step's rules, once its fields converted: its when, its id, its kind,
 * the phase rules, its kind's own; the plan body's step finished here
 * (its kind, its kind's defaults, destructive, display).
 */
static int check_step(struct ctx *c, const struct ynode *n, json_t *obj)
{
	struct drill_step st;
	struct error e = ERROR_INIT;
	const struct step_kind *kind;
	const char *sel, *id;
	const struct ynode *idn = ynode_get(n, "id");
	const struct schema_field *f;
	const struct strmap_entry *seen;
	size_t i;

	memset(&st, 0, sizeof(st));
	if (schema_bind(&step_common_schema, obj, &st, "step", &e) < 0)
		BUG("a converted step does not bind: %s", e.msg.buf);
	error_release(&e);
	id = st.id;
	seen = strmap_get(&c->ids, id);
	/* Before this step's id is known: when names earlier steps only. */
	if (convert_when(c, n, obj, id) < 0)
		return -1;
	if (seen)
		return err_at(c, idn, "duplicate step id '%s' (first at line "
			      "%d)", id, (int)seen->num);
	strmap_put(&c->ids, id, NULL, idn->line);

	if (!(kind = step_kind_of(c, n, id, &sel)))
		return -1;
	/* Another kind's keys on this step: a leftover or a typo. */
	for (i = 0; i + 1 < n->nkids; i += 2) {
		const struct step_kind *owner = field_owner(n->kids[i]->str);
		if (owner && owner != kind)
			return err_at(c, n->kids[i], "'%s' only applies to %s, "
				      "not %s", n->kids[i]->str, owner->noun,
				      sel);
	}
	json_object_set_new(obj, "kind", json_string(kind->name));
	/* Its own keys' defaults, for the keys the file leaves out. */
	for (f = kind->fields; f->key; f++) {
		char key[64];
		schema_json_key(f, key, sizeof(key));
		if (f->def && !ynode_get(n, f->key))
			json_object_set_new(obj, key, json_default(f));
	}
	if (check_destructive(c, n, obj) < 0)
		return -1;
	if (kind->check && check_kind(c, n, obj, &st) < 0)
		return -1;
	strmap_put(&c->ids, id, kind->name, idn->line);
	return 0;
}

/* Every step key: the common ones, then each kind's, in table order. */
static void build_step_schema(struct ctx *c)
{
	const struct step_kind *const *k;
	const struct schema_field *f;
	size_t n = NSTEP_COMMON;

	for (k = step_kinds; *k; k++)
		for (f = (*k)->fields; f->key; f++)
			n++;
	c->step_fields = xcalloc(n + 1, sizeof(*c->step_fields));
	memcpy(c->step_fields, step_common, NSTEP_COMMON * sizeof(*step_common));
	n = NSTEP_COMMON;
	for (k = step_kinds; *k; k++)
		for (f = (*k)->fields; f->key; f++) {
			/* Its default is for steps of its kind (check_step). */
			c->step_fields[n] = *f;
			c->step_fields[n++].def = NULL;
		}
	c->step_schema.what = "step";
	c->step_schema.fields = c->step_fields;
	/* Its rules are the loader's own: check_obj() calls check_step(). */
}

/* ---- variables and the whole file ------------------------------------ */

static void set_builtins(struct strmap *vars, const char *path, const char *id,
			 const char *env, time_t now)
{
	struct tm tm;
	char buf[32];
	char *copy = xstrdup(path), *dir;
	const char *creds;
	char real[PATH_MAX];

	localtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y%m%d", &tm);
	strmap_put(vars, "date", buf, 0);
	strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
	strmap_put(vars, "date_iso", buf, 0);
	strftime(buf, sizeof(buf), "%H%M%S", &tm);
	strmap_put(vars, "time", buf, 0);
	dir = dirname(copy);
	strmap_put(vars, "drill_dir", realpath(dir, real) ? real : dir, 0);
	free(copy);
	if (id)
		strmap_put(vars, "drill_id", id, 0);
	if (env)
		strmap_put(vars, "environment", env, 0);
	/*
	 * systemd's LoadCredential= directory (rdrill@.service), so a drill
	 * says password_file: ${credentials_dir}/NAME; undefined elsewhere
	 * (a use is then an error, unless --var gives it).
	 */
	if ((creds = getenv("CREDENTIALS_DIRECTORY")) && *creds == '/')
		strmap_put(vars, "credentials_dir", creds, 0);
}

static const char *scalar_or_null(const struct ynode *root, const char *key)
{
	const struct ynode *n = ynode_get(root, key);
	return n && n->type == YNODE_SCALAR ? n->str : NULL;
}

/*
 * One variable's value, and how many levels of variables it builds on
 * (its references' depth + 1), refused past EXPAND_MAX_DEPTH: with the
 * size caps this keeps a self-repeating chain of variables small.
 */
static int convert_var(struct ctx *c, const struct ynode *vnode,
		       const struct ynode *k, json_t **val)
{
	struct strmap *outer = c->used, mine = STRMAP_INIT;
	long depth = 0;
	size_t i;
	int rc;

	c->used = &mine;
	rc = convert(c, &f_str, vnode, k->str, val);
	c->used = outer;
	for (i = 0; i < mine.nr; i++) {
		const struct strmap_entry *d = strmap_get(&c->depth,
							  mine.v[i].key);

		strmap_add(outer, mine.v[i].key);
		if (d && d->num + 1 > depth)
			depth = d->num + 1;
	}
	strmap_release(&mine);
	if (rc < 0)
		return -1;
	if (depth > EXPAND_MAX_DEPTH) {
		json_decref(*val);
		*val = NULL;
		return err_at(c, vnode, "variable '%s' builds on %d levels of "
			      "variables; at most %d", k->str, (int)depth,
			      EXPAND_MAX_DEPTH);
	}
	strmap_put(&c->depth, k->str, NULL, depth);
	return 0;
}

/*
 * The variables: built-ins already in c->vars, `ov` the --var overrides
 * (literal text), `declared` filled with the names under vars:.
 */
static int load_vars(struct ctx *c, const struct ynode *root,
		     const struct strmap *ov, struct strmap *declared)
{
	const struct ynode *vn = ynode_get(root, "vars");
	size_t i;

	/* Overridden built-ins (--var date=...) count before any use. */
	for (i = 0; i < ov->nr; i++)
		if (strmap_get(&c->vars, ov->v[i].key) &&
		    !(vn && ynode_get(vn, ov->v[i].key)))
			strmap_put(&c->vars, ov->v[i].key, ov->v[i].val, 0);
	if (vn) {
		if (vn->type != YNODE_MAP)
			return err_at(c, vn, "'vars' must be a mapping (name: "
				      "value), got %s", node_kind(vn));
		for (i = 0; i + 1 < vn->nkids; i += 2) {
			const struct ynode *k = vn->kids[i];
			const struct strmap_entry *o;
			json_t *val;
			size_t j;
			if (check_key(c, vn, i, "vars") < 0)
				return -1;
			for (j = 0; j < k->len; j++)
				if (!((k->str[j] >= 'a' && k->str[j] <= 'z') ||
				      (k->str[j] >= 'A' && k->str[j] <= 'Z') ||
				      k->str[j] == '_' ||
				      (j && k->str[j] >= '0' && k->str[j] <= '9')))
					return err_at(c, k, "variable name '%s' "
						      "must be letters, digits "
						      "and _", k->str);
			/* Later vars may use earlier ones, never the reverse. */
			if ((o = strmap_get(ov, k->str))) {
				strmap_put(&c->vars, k->str, o->val, 0);
			} else if (convert_var(c, vn->kids[i + 1], k, &val) < 0) {
				return -1;
			} else {
				strmap_put(&c->vars, k->str,
					   json_string_value(val), 0);
				json_decref(val);
			}
			strmap_add(declared, k->str);
		}
	}
	for (i = 0; i < ov->nr; i++)
		if (!strmap_get(&c->vars, ov->v[i].key)) {
			error_set(c->err, "--var %s: the drill file %s has no "
				  "variable '%s' (declare it under vars:)",
				  ov->v[i].key, ytree_path(c->t), ov->v[i].key);
			return -1;
		}
	return 0;
}

/* Names first: a reference may come before the mapping that defines it. */
static void collect_conn_names(struct ctx *c, const struct ynode *root)
{
	const struct ynode *cn = ynode_get(root, "connections");
	size_t i;

	if (!cn || cn->type != YNODE_MAP)
		return;
	for (i = 0; i + 1 < cn->nkids; i += 2)
		if (cn->kids[i]->type == YNODE_SCALAR)
			strmap_add(&c->conns, cn->kids[i]->str);
}

/*
 * The --var overrides, text by name in the order given. drill_opts
 * carries them as the JSON object the command line built (it is also
 * journaled as given); read here once. A value that is not text stays
 * NULL: undefined for ${name}, as it always was.
 */
static void overrides_read(json_t *overrides, struct strmap *ov)
{
	const char *name;
	json_t *v;

	if (overrides)
		json_object_foreach(overrides, name, v)
			strmap_put(ov, name, json_string_value(v), 0);
}

/*
 * The plan body's "vars": the variables the plan depends on, declared
 * ones and built-ins used, as text (a scheduled item's file and names
 * with '.' are not variables of the plan), in the order they were
 * defined.
 */
static json_t *vars_body(const struct strmap *vars,
			 const struct strmap *declared,
			 const struct strmap *used)
{
	json_t *out = json_object();
	size_t i;

	for (i = 0; i < vars->nr; i++) {
		const struct strmap_entry *e = &vars->v[i];

		if (e->val && !strchr(e->key, '.') &&
		    (strmap_get(declared, e->key) || strmap_get(used, e->key)))
			json_object_set_new(out, e->key, json_string(e->val));
	}
	return out;
}

static json_t *load_body(const char *path, const struct drill_opts *opts,
			 char sha256[65], struct error *err)
{
	struct ytree *t = ytree_load(path, err);
	struct ctx c;
	struct strmap used = STRMAP_INIT, declared = STRMAP_INIT;
	struct strmap ov = STRMAP_INIT;
	json_t *body = NULL, *steps = NULL;
	const struct ynode *root;
	size_t len;

	if (!t)
		return NULL;
	memset(&c, 0, sizeof(c));
	c.t = t;
	c.err = err;
	c.used = &used;
	c.phase = "";
	build_step_schema(&c);
	overrides_read(opts->overrides, &ov);
	root = ytree_root(t);
	{
		const char *src = ytree_source(t, &len);
		sha256_hex(src, len, sha256);
	}
	if (root->type != YNODE_MAP) {
		err_at(&c, root, "a drill file is a mapping (key: value), got %s",
		       node_kind(root));
		goto out;
	}
	set_builtins(&c.vars, path, scalar_or_null(root, "id"),
		     scalar_or_null(root, "environment"), opts->now);
	if (load_vars(&c, root, &ov, &declared) < 0)
		goto out;
	collect_conn_names(&c, root);
	/* The steps' errors too, whatever the top level's were. */
	if (convert_obj(&c, &top_schema, root, "drill", &body) < 0) {
		if (ynode_get(root, "phases") && !too_many(&c))
			convert_phases(&c, ynode_get(root, "phases"), &steps);
		json_decref(steps);
		goto out;
	}
	if (convert_phases(&c, ynode_get(root, "phases"), &steps) < 0) {
		json_decref(body);
		body = NULL;
		goto out;
	}
	json_object_set_new(body, "steps", steps);
	json_object_set_new(body, "vars", vars_body(&c.vars, &declared,
						    &used));
out:
	errors_summary(&c);
	strmap_release(&c.vars);
	strmap_release(&used);
	strmap_release(&c.depth);
	strmap_release(&c.ids);
	strmap_release(&c.conns);
	strmap_release(&declared);
	strmap_release(&ov);
	free(c.step_fields);
	ytree_free(t);
	return body;
}

struct drill *drill_load(const char *path, const struct drill_opts *opts,
			 struct error *err)
{
	char sha[65];
	json_t *body = load_body(path, opts, sha, err);
	struct drill *d;

	if (!body)
		return NULL;
	d = drill_from_body(body, err);
	json_decref(body);
	if (!d) {
		/* What the loader made, its own schema refuses: ours. */
		BUG("loaded drill does not bind: %s", err->msg.buf);
	}
	memcpy(d->sha256, sha, sizeof(sha));
	return d;
}

/* ---- the model ------------------------------------------------------- */

int drill_phase_index(const char *name)
{
	int i;

	for (i = 0; name && drill_phases[i]; i++)
		if (!strcmp(drill_phases[i], name))
			return i;
	return -1;
}

/* A plan body's when, re-checked: it may come back edited. */
static int bind_when(struct drill_step *st, json_t *js, struct step_made *m,
		     const char *where, struct error *err)
{
	const struct step_when *w;
	size_t i, nkeys;

	if (bind_made(js, m, "when") < 0)
		return error_set(err, "%s: 'when' is not a condition", where);
	if (!(w = m->when))
		return 0;
	nkeys = m->when_keys.keys.nr;
	if (w->phase_started && drill_phase_index(w->phase_started) >= 0 &&
	    nkeys == 1) {
		st->when_phase = w->phase_started;
		return 0;
	}
	for (i = 0; w->status && when_statuses[i]; i++)
		if (!strcmp(w->status, when_statuses[i]))
			break;
	if (w->step && w->status && when_statuses[i] && nkeys == 2) {
		st->when_step = w->step;
		st->when_status = w->status;
		return 0;
	}
	return error_set(err, "%s: 'when' is not a condition", where);
}

/*
 * A step's keys after its n and phase: destructive, when, timeout, its
 * kind and the kind's params. The loader binds a step with it too,
 * before its kind's rules (check_kind()).
 */
static int bind_step_kind(struct drill_step *st, json_t *js,
			  struct step_made *m, const char *where,
			  struct error *err)
{
	const char *const *sel;
	json_t *params;

	if (bind_made(js, m, "destructive") < 0)
		return error_set(err, "%s: 'destructive' must be true or false",
				 where);
	st->destructive = m->destructive;
	if (bind_when(st, js, m, where, err) < 0)
		return -1;
	if (bind_made(js, m, "timeout") < 0 || m->timeout_s.v < 0)
		return error_set(err, "%s: 'timeout_s' must be a number", where);
	st->timeout_s = m->timeout_s.v;
	bind_made(js, m, "kind"); /* missing or not text: NULL, said next */
	st->kind = step_kind_find(m->kind);
	if (!st->kind)
		return error_set(err, "%s: unknown step kind '%s'", where,
				 m->kind ? m->kind : "(none)");
	/*
	 * A loaded step has the key its kind was picked by; kinds rely on
	 * it. Which key holds the kind's params is the kind's to say: the
	 * two reads of the step's JSON that no table can make.
	 */
	for (sel = st->kind->selectors; *sel; sel++)
		if (json_object_get(js, *sel))
			break;
	if (!*sel)
		return error_set(err, "%s: a %s step without '%s'", where,
				 st->kind->name, st->kind->selectors[0]);
	params = st->kind->params_key ?
		 json_object_get(js, st->kind->params_key) : js;
	st->params = xcalloc(1, st->kind->params->size);
	return schema_bind(st->kind->params, params, st->params, where, err);
}

static int bind_step(struct drill_step *st, json_t *js, size_t i,
		     int collect, struct error *err)
{
	struct step_made m;
	int phase = -1, rc;
	char where[64];

	snprintf(where, sizeof(where), "plan: steps[%zu]", i + 1);
	st->json = js;
	if (schema_bind(&step_common_schema, js, st, where, err) < 0)
		return -1;
	memset(&m, 0, sizeof(m));
	if (bind_made(js, &m, "n") < 0 || m.n.v != (long)i + 1) {
		rc = error_set(err, "%s: 'n' must be %zu", where, i + 1);
	} else if (bind_made(js, &m, "phase") < 0 ||
		   (phase = drill_phase_index(m.phase)) < 0) {
		rc = error_set(err, "%s: 'phase' is not a phase", where);
	} else {
		st->n = m.n.v;
		st->phase = (enum drill_phase)phase;
		rc = bind_step_kind(st, js, &m, where, err);
	}
	schema_release(&made_schema, &m);
	if (rc < 0 || !collect)
		return rc;
	deferred_collect(&st->deferred, &step_common_schema, st);
	deferred_collect(&st->deferred, st->kind->params, st->params);
	return 0;
}

/*
 * The texts of a drill bound a step at a time: copied into blocks it
 * owns, so each step's JSON can go once bound.
 */
struct drill_texts {
	struct drill_texts *next;
	size_t used, size;
	char buf[];
};

static const char *keep_text(struct drill *d, const char *s)
{
	size_t n = strlen(s) + 1;
	struct drill_texts *b = d->texts;
	char *p;

	if (!b || b->size - b->used < n) {
		size_t size = n > (60u << 10) ? n : (60u << 10);
		b = xmalloc(sizeof(*b) + size);
		b->next = d->texts;
		b->used = 0;
		b->size = size;
		d->texts = b;
	}
	p = b->buf + b->used;
	memcpy(p, s, n);
	b->used += n;
	return p;
}

static int is_text_type(enum schema_type t)
{
	return t <= SCHEMA_STEPREF || t == SCHEMA_ENUM;
}

static void keep_at(struct drill *d, void *at)
{
	const char *s;

	memcpy(&s, at, sizeof(s));
	if (s) {
		s = keep_text(d, s);
		memcpy(at, &s, sizeof(s));
	}
}

/*
 * Every text schema_bind() left pointing into the JSON (schema.h: texts
 * and map items' names; lists and maps of text are copies already) made
 * the drill's own.
 */
static void keep_texts(struct drill *d, const struct schema *s, void *p)
{
	const struct schema_field *f;

	for (f = s->fields; f->key; f++) {
		char *at = (char *)p + f->off;

		if (f->flags & SCHEMA_NOBIND)
			continue;
		if (is_text_type(f->type)) {
			keep_at(d, at);
		} else if ((f->type == SCHEMA_LIST || f->type == SCHEMA_MAP) &&
			   f->item && f->item->type == SCHEMA_OBJ) {
			const struct schema *o = f->item->obj;
			char *arr;
			size_t i, n;

			memcpy(&arr, at, sizeof(arr));
			n = *(size_t *)(void *)((char *)p + f->off2);
			for (i = 0; arr && i < n; i++) {
				if (f->type == SCHEMA_MAP && o->name_off)
					keep_at(d, arr + i * o->size +
						o->name_off - 1);
				keep_texts(d, o, arr + i * o->size);
			}
		} else if (f->type == SCHEMA_OBJ) {
			void *sub;
			memcpy(&sub, at, sizeof(sub));
			if (sub)
				keep_texts(d, f->obj, sub);
		}
	}
}

struct drill *drill_lean_new(void)
{
	return xcalloc(1, sizeof(struct drill));
}

int drill_lean_add_step(struct drill *d, json_t *js)
{
	struct error err = ERROR_INIT;
	struct drill_step *st;
	int r;

	XGROW(d->steps, d->nsteps + 1, d->alloc_steps);
	st = &d->steps[d->nsteps++];
	memset(st, 0, sizeof(*st));
	r = bind_step(st, js, d->nsteps - 1, 0, &err);
	error_release(&err);
	if (r < 0)
		return -1;
	keep_texts(d, &step_common_schema, st);
	if (st->when_phase)
		st->when_phase = keep_text(d, st->when_phase);
	if (st->when_step)
		st->when_step = keep_text(d, st->when_step);
	if (st->when_status)
		st->when_status = keep_text(d, st->when_status);
	keep_texts(d, st->kind->params, st->params);
	st->json = NULL;
	return 0;
}

int drill_lean_finish(struct drill *d, json_t *body)
{
	struct error err = ERROR_INIT;
	size_t i;
	int r;

	d->body = json_incref(body);
	r = schema_bind(&top_schema, body, d, "plan", &err);
	error_release(&err);
	if (r < 0 || !d->nsteps)
		return -1;
	/* Once the steps stopped moving: it keeps their texts' places. */
	for (i = 0; i < d->nsteps; i++) {
		struct drill_step *st = &d->steps[i];
		deferred_collect(&st->deferred, &step_common_schema, st);
		deferred_collect(&st->deferred, st->kind->params, st->params);
	}
	if (!d->language)
		d->language = "en";
	return 0;
}

struct drill *drill_from_body(json_t *body, struct error *err)
{
	struct drill *d = xcalloc(1, sizeof(*d));
	json_t *steps = json_object_get(body, "steps"), *js;
	size_t i;

	d->body = json_incref(body);
	if (schema_bind(&top_schema, body, d, "plan", err) < 0)
		goto fail;
	if (!json_is_array(steps) || !json_array_size(steps)) {
		error_set(err, "plan: 'steps' must be a list of steps");
		goto fail;
	}
	d->steps = xcalloc(json_array_size(steps), sizeof(*d->steps));
	json_array_foreach(steps, i, js) {
		d->nsteps = i + 1;
		if (bind_step(&d->steps[i], js, i, 1, err) < 0)
			goto fail;
	}
	if (!d->language)
		d->language = "en";
	return d;
fail:
	drill_free(d);
	return NULL;
}

void drill_free(struct drill *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nsteps; i++) {
		struct drill_step *st = &d->steps[i];
		/* The plan's texts back first: the vectors own them. */
		deferred_free(st->deferred);
		if (st->kind && st->params)
			schema_release(st->kind->params, st->params);
		free(st->params);
	}
	free(d->steps);
	schema_release(&top_schema, d);
	json_decref(d->body);
	while (d->texts) {
		struct drill_texts *next = d->texts->next;
		free(d->texts);
		d->texts = next;
	}
	free(d);
}

const struct drill_conn *drill_conn(const struct drill *d, const char *name)
{
	size_t i;

	for (i = 0; name && i < d->nconns; i++)
		if (!strcmp(d->conns[i].name, name))
			return &d->conns[i];
	return NULL;
}

const struct drill_ssh_host *drill_ssh_host(const struct drill *d,
					    const char *name)
{
	size_t i;

	for (i = 0; name && i < d->nssh_hosts; i++)
		if (!strcmp(d->ssh_hosts[i].name, name))
			return &d->ssh_hosts[i];
	return NULL;
}

const struct drill_item *drill_item(const struct drill *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->nitems; i++)
		if (!strcmp(d->items[i].id, id))
			return &d->items[i];
	return NULL;
}

size_t drill_nscheduled(const struct drill *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->nitems; i++)
		n += d->items[i].scheduled != NULL;
	return n;
}

int drill_bind_picks(struct drill *d, const struct expand_picks *picks,
		     struct strbuf *missing)
{
	size_t i;

	/* Checked on all first, so a missing file changes nothing. */
	for (i = 0; i < d->nsteps; i++)
		if (deferred_bind(d->steps[i].deferred, picks, missing) < 0) {
			drill_unbind_picks(d);
			return -1;
		}
	return 0;
}

void drill_unbind_picks(struct drill *d)
{
	size_t i;

	for (i = 0; i < d->nsteps; i++)
		deferred_unbind(d->steps[i].deferred);
}

int drill_step_reads(const struct drill_step *s, const char *item)
{
	return deferred_refers(s->deferred, item);
}

static int has_text(const char **text, void *needle)
{
	return strstr(*text, needle) != NULL;
}

int drill_step_mentions(const struct drill_step *s, const char *text)
{
	return deferred_walk(&step_common_schema, (void *)s, has_text,
			     (void *)text) ||
	       deferred_walk(s->kind->params, s->params, has_text,
			     (void *)text);
}

const struct drill_step *drill_step_by_n(const struct drill *d, long n)
{
	if (n < 1 || (size_t)n > d->nsteps)
		return NULL;
	return &d->steps[n - 1];
}

#include "drill.h"
#include "error.h"
#include "expand.h"
#include "sha256.h"
#include "strbuf.h"
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

enum ftype {
	T_STR,      /* text, ${vars} expanded as they are */
	T_SHELL,    /* text for /bin/sh -c, ${vars} shell-quoted */
	T_SQL,      /* an SQL query, ${vars} as SQL literals */
	T_LIT,      /* text, no expansion (env var names) */
	T_ID,       /* identifier: [a-z0-9][a-z0-9_.-]*, no expansion */
	T_INT,
	T_DURATION, /* "90s", "15m", "1h30m", "2d" or seconds; JSON key_s */
	T_BOOL,     /* true or false, nothing else */
	T_ENUM,
	T_LIST,     /* sequence of `item` */
	T_MAP,      /* mapping of names to `item` */
	T_OBJ,      /* mapping with the keys of `obj` */
};

#define F_REQ      1u  /* must be present */
#define F_NONEMPTY 2u  /* a list or text must not be empty */
#define F_MANUAL   4u  /* converted by drill_load itself, not the generic pass */

struct schema;

struct field {
	const char *key;
	enum ftype type;
	unsigned flags;
	const struct field *item;
	const struct schema *obj;
	const char *const *enums;
	long min, max;
	const char *help;  /* what a missing or wrong value should look like */
};

struct ctx;
struct schema {
	const char *what;
	const struct field *fields;
	int (*check)(struct ctx *c, const struct ynode *n, json_t *obj);
};

struct ctx {
	const struct ytree *t;
	json_t *vars;      /* name -> value, for expansion */
	json_t *used;      /* names expansion saw */
	json_t *ids;       /* step id -> [line, col] */
	json_t *sql_ids;   /* sql step ids seen so far, for same_as */
	json_t *conns;     /* connection names */
	int have_canary;
	const char *phase;
	struct error *err;
};

static int check_step(struct ctx *c, const struct ynode *n, json_t *obj);
static int check_conn(struct ctx *c, const struct ynode *n, json_t *obj);
static int check_files(struct ctx *c, const struct ynode *n, json_t *obj);

static const char *const languages[] = { "zh-CN", "en", NULL };
static const char *const kinds[] = { "database", "directory", "config", "files",
				     NULL };
static const char *const canary_actions[] = { "record", "delete", "absent",
					      "present", NULL };
static const char *const sslmodes[] = { "disable", "allow", "prefer", "require",
					"verify-ca", "verify-full", NULL };

static const struct field f_str = { NULL, T_STR, 0, NULL, NULL, NULL, 0, 0, NULL };
static const struct field f_str_nonempty = { NULL, T_STR, F_NONEMPTY, NULL,
					     NULL, NULL, 0, 0, NULL };
static const struct field f_lit = { NULL, T_LIT, F_NONEMPTY, NULL, NULL, NULL,
				    0, 0, NULL };
static const struct field f_exit = { NULL, T_INT, 0, NULL, NULL, NULL, 0, 255,
				     NULL };

static const struct field control_fields[] = {
	{ "id", T_STR, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, "ISO/IEC 27001:2022 A.8.13" },
	{ "title", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema control_schema = { "control", control_fields, NULL };
static const struct field f_control = { NULL, T_OBJ, 0, NULL, &control_schema,
					NULL, 0, 0, NULL };

static const struct field target_fields[] = {
	{ "rto", T_DURATION, 0, 0, 0, 0, 0, 0, NULL },
	{ "rpo", T_DURATION, 0, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema target_schema = { "targets", target_fields, NULL };

static const struct field storage_fields[] = {
	{ "path", T_STR, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, "/data/backups/${date}" },
	{ "rules", T_LIST, 0, &f_str_nonempty, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema storage_schema = { "backup_dir", storage_fields, NULL };

static const struct field conn_fields[] = {
	{ "host", T_STR, F_NONEMPTY, 0, 0, 0, 0, 0, "a host name or a socket directory" },
	{ "port", T_INT, 0, 0, 0, 0, 1, 65535, NULL },
	{ "dbname", T_STR, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "user", T_STR, F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "password_env", T_LIT, F_NONEMPTY, 0, 0, 0, 0, 0,
	  "the NAME of an environment variable holding the password" },
	{ "password_file", T_STR, F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "sslmode", T_ENUM, 0, 0, 0, sslmodes, 0, 0, NULL },
	{ "connect_timeout", T_DURATION, 0, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema conn_schema = { "connection", conn_fields, check_conn };
static const struct field f_conn = { NULL, T_OBJ, 0, NULL, &conn_schema, NULL,
				     0, 0, NULL };

static const struct field item_fields[] = {
	{ "id", T_ID, F_REQ, 0, 0, 0, 0, 0, NULL },
	{ "title", T_STR, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "tier", T_INT, F_REQ, 0, 0, 0, 1, 3, "1 (core), 2 (protected) or 3" },
	{ "kind", T_ENUM, F_REQ, 0, 0, kinds, 0, 0, NULL },
	{ "source", T_LIST, F_REQ | F_NONEMPTY, &f_str_nonempty, 0, 0, 0, 0,
	  "a list of real paths (or the container and database)" },
	{ "artifact", T_STR, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "method", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ "container", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ "database", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ "owner", T_STR, 0, 0, 0, 0, 0, 0, "uid:gid, e.g. 2000:2000" },
	{ "role", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ "evidence", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ "why", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema item_schema = { "backup_set item", item_fields, NULL };
static const struct field f_item = { NULL, T_OBJ, 0, NULL, &item_schema, NULL,
				     0, 0, NULL };

static const struct field canary_fields[] = {
	{ "connection", T_ID, F_REQ, 0, 0, 0, 0, 0, NULL },
	{ "table", T_STR, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, "posts" },
	{ "key", T_MAP, F_REQ | F_NONEMPTY, &f_str, 0, 0, 0, 0,
	  "column: value pairs that pick exactly one row" },
	{ "columns", T_LIST, F_REQ | F_NONEMPTY, &f_str_nonempty, 0, 0, 0, 0,
	  "the columns to record and compare" },
	{ "description", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema canary_schema = { "canary", canary_fields, NULL };

static const struct field checksum_fields[] = {
	{ "dir", T_STR, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "files", T_LIST, F_NONEMPTY, &f_str_nonempty, 0, 0, 0, 0,
	  "names relative to dir; omit for every file" },
	{ "output", T_STR, F_NONEMPTY, 0, 0, 0, 0, 0, "SHA256SUMS" },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema checksum_schema = { "checksum", checksum_fields, NULL };

static const struct field toc_fields[] = {
	{ "dump", T_STR, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "connection", T_ID, 0, 0, 0, 0, 0, 0,
	  "a connection whose server version the dump must match" },
	{ "min_entries", T_INT, 0, 0, 0, 0, 1, 100000000, NULL },
	{ "pg_restore", T_STR, F_NONEMPTY, 0, 0, 0, 0, 0,
	  "the pg_restore program (default: pg_restore on PATH)" },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema toc_schema = { "toc", toc_fields, NULL };

static const struct field sql_fields[] = {
	{ "connection", T_ID, F_REQ, 0, 0, 0, 0, 0, NULL },
	{ "query", T_SQL, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "expect_rows", T_INT, 0, 0, 0, 0, 0, 1000000000, NULL },
	{ "expect_value", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ "expect_min", T_INT, 0, 0, 0, 0, LONG_MIN + 1, LONG_MAX, NULL },
	{ "same_as", T_ID, 0, 0, 0, 0, 0, 0,
	  "the id of an earlier sql step whose result this must equal" },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema sql_schema = { "sql", sql_fields, NULL };

static const struct field files_fields[] = {
	{ "path", T_STR, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "exists", T_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "non_empty", T_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "min_files", T_INT, 0, 0, 0, 0, 0, 1000000000, NULL },
	{ "owner", T_STR, 0, 0, 0, 0, 0, 0, "uid:gid, e.g. 2000:2000" },
	{ "mode", T_STR, 0, 0, 0, 0, 0, 0, "octal, e.g. \"0750\" (quote it)" },
	{ "readable", T_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema files_schema = { "files", files_fields, check_files };

static const struct field wait_fields[] = {
	{ "connection", T_ID, F_REQ, 0, 0, 0, 0, 0, NULL },
	{ "timeout", T_DURATION, 0, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema wait_schema = { "wait", wait_fields, NULL };

static const struct field step_fields[] = {
	{ "id", T_ID, F_REQ, 0, 0, 0, 0, 0, NULL },
	{ "title", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ "note", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ "destructive", T_BOOL, 0, 0, 0, 0, 0, 0, NULL },
	{ "timeout", T_DURATION, 0, 0, 0, 0, 0, 0, NULL },
	/* command steps */
	{ "run", T_LIST, F_NONEMPTY, &f_str, 0, 0, 0, 0,
	  "a list: program and arguments, one per item" },
	{ "shell", T_SHELL, F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "cwd", T_STR, F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "env", T_MAP, 0, &f_str, 0, 0, 0, 0, NULL },
	{ "secret_env", T_MAP, 0, &f_lit, 0, 0, 0, 0,
	  "NAME: SOURCE_VAR, the value read from rdrill's environment" },
	{ "expect_exit", T_LIST, F_NONEMPTY, &f_exit, 0, 0, 0, 0, NULL },
	{ "run_as", T_STR, F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "allow_stderr_errors", T_BOOL, 0, 0, 0, 0, 0, 0,
	  "true: 'ERROR:  ' on stderr is expected, not a failure" },
	/* built-in evidence steps */
	{ "checksum", T_OBJ, 0, 0, &checksum_schema, 0, 0, 0, NULL },
	{ "toc", T_OBJ, 0, 0, &toc_schema, 0, 0, 0, NULL },
	{ "sql", T_OBJ, 0, 0, &sql_schema, 0, 0, 0, NULL },
	{ "files", T_OBJ, 0, 0, &files_schema, 0, 0, 0, NULL },
	{ "wait", T_OBJ, 0, 0, &wait_schema, 0, 0, 0, NULL },
	{ "canary", T_ENUM, 0, 0, 0, canary_actions, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema step_schema = { "step", step_fields, check_step };
static const struct field f_step = { NULL, T_OBJ, 0, NULL, &step_schema, NULL,
				     0, 0, NULL };

static const struct field phase_fields[] = {
	{ "preflight", T_LIST, 0, &f_step, 0, 0, 0, 0, NULL },
	{ "backup", T_LIST, 0, &f_step, 0, 0, 0, 0, NULL },
	{ "verify_backup", T_LIST, 0, &f_step, 0, 0, 0, 0, NULL },
	{ "destroy", T_LIST, 0, &f_step, 0, 0, 0, 0, NULL },
	{ "restore", T_LIST, 0, &f_step, 0, 0, 0, 0, NULL },
	{ "verify_restore", T_LIST, 0, &f_step, 0, 0, 0, 0, NULL },
	{ "cleanup", T_LIST, 0, &f_step, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema phase_schema = { "phases", phase_fields, NULL };

/* "vars" is handled first and by hand: everything else expands with it. */
static const struct field top_fields[] = {
	{ "rdrill", T_INT, F_REQ, 0, 0, 0, 1, 1, "1 (the drill format version)" },
	{ "id", T_ID, F_REQ, 0, 0, 0, 0, 0, NULL },
	{ "title", T_STR, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "system", T_STR, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "environment", T_ID, F_REQ, 0, 0, 0, 0, 0, NULL },
	{ "objective", T_STR, F_REQ | F_NONEMPTY, 0, 0, 0, 0, 0, NULL },
	{ "declaration", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ "owner", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ "operator", T_STR, 0, 0, 0, 0, 0, 0, NULL },
	{ "language", T_ENUM, 0, 0, 0, languages, 0, 0, NULL },
	{ "targets", T_OBJ, 0, 0, &target_schema, 0, 0, 0, NULL },
	{ "controls", T_LIST, 0, &f_control, 0, 0, 0, 0, NULL },
	{ "vars", T_MAP, F_MANUAL, &f_str, 0, 0, 0, 0, NULL },
	{ "connections", T_MAP, 0, &f_conn, 0, 0, 0, 0, NULL },
	{ "backup_dir", T_OBJ, 0, 0, &storage_schema, 0, 0, 0, NULL },
	{ "backup_set", T_LIST, F_REQ | F_NONEMPTY, &f_item, 0, 0, 0, 0, NULL },
	{ "canary", T_OBJ, 0, 0, &canary_schema, 0, 0, 0, NULL },
	{ "phases", T_OBJ, F_REQ | F_MANUAL, 0, &phase_schema, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};
static const struct schema top_schema = { "drill", top_fields, NULL };

/* ---- conversion ------------------------------------------------------ */

static int err_at(struct ctx *c, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int err_at(struct ctx *c, const struct ynode *n, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ytree_error_at(c->t, n->line, n->col, c->err, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
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

static int convert(struct ctx *c, const struct field *f, const struct ynode *n,
		   const char *name, json_t **out);

static int want_scalar(struct ctx *c, const struct ynode *n, const char *name,
		       const char *expected)
{
	if (n->type == YNODE_SCALAR && !ynode_is_null(n))
		return 0;
	return err_at(c, n, "'%s' must be %s, got %s", name, expected,
		      node_kind(n));
}

static int convert_text(struct ctx *c, const struct field *f,
			const struct ynode *n, const char *name, json_t **out)
{
	struct strbuf sb = STRBUF_INIT;
	enum expand_mode mode = f->type == T_SHELL ? EXPAND_SHELL :
				f->type == T_SQL ? EXPAND_SQL : EXPAND_PLAIN;

	if (n->type == YNODE_SCALAR && ynode_is_null(n) && n->len &&
	    !(f->flags & F_NONEMPTY) && f->type != T_LIT) {
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
	if (f->type == T_LIT) {
		strbuf_add(&sb, n->str, n->len);
	} else if (expand_node(c->t, n, c->vars, mode, c->used, &sb,
			       c->err) < 0) {
		strbuf_release(&sb);
		return -1;
	}
	if ((f->flags & F_NONEMPTY) && !sb.len) {
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

static int convert_int(struct ctx *c, const struct field *f,
		       const struct ynode *n, const char *name, json_t **out)
{
	long v;

	if (want_scalar(c, n, name, "a whole number") < 0)
		return -1;
	if (n->style != YSTYLE_PLAIN || parse_long(n->str, &v) < 0) {
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

/* 90, 90s, 15m, 1h30m, 2d. At most 30 days: a drill is not a season. */
static int parse_duration(const char *s, long *secs)
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
			if (v > 30L * 86400)
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
		total += v * unit;
		if (total > 30L * 86400)
			return -1;
	}
	*secs = total;
	return 0;
}

static int convert_duration(struct ctx *c, const struct ynode *n,
			    const char *name, json_t **out)
{
	long v;

	if (want_scalar(c, n, name, "a duration") < 0)
		return -1;
	if (parse_duration(n->str, &v) < 0) {
		struct strbuf q = STRBUF_INIT;
		quote_for_error(&q, n);
		err_at(c, n, "'%s' must be a duration like 90s, 15m, 1h30m or "
		       "2d (at most 30d), got %s", name, q.buf);
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

static int convert_enum(struct ctx *c, const struct field *f,
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

static int convert_list(struct ctx *c, const struct field *f,
			const struct ynode *n, const char *name, json_t **out)
{
	json_t *arr;
	size_t i;

	if (n->type != YNODE_SEQ)
		return err_at(c, n, "'%s' must be a list (items starting with "
			      "'- ')%s%s, got %s", name, f->help ? ": " : "",
			      f->help ? f->help : "", node_kind(n));
	if ((f->flags & F_NONEMPTY) && !n->nkids)
		return err_at(c, n, "'%s' must not be an empty list", name);
	arr = json_array();
	for (i = 0; i < n->nkids; i++) {
		json_t *v;
		char sub[160];
		snprintf(sub, sizeof(sub), "%s[%zu]", name, i + 1);
		if (convert(c, f->item, n->kids[i], sub, &v) < 0) {
			json_decref(arr);
			return -1;
		}
		json_array_append_new(arr, v);
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

static int convert_map(struct ctx *c, const struct field *f,
		       const struct ynode *n, const char *name, json_t **out)
{
	json_t *obj;
	size_t i;

	if (n->type != YNODE_MAP)
		return err_at(c, n, "'%s' must be a mapping (name: value), got "
			      "%s", name, node_kind(n));
	if ((f->flags & F_NONEMPTY) && !n->nkids)
		return err_at(c, n, "'%s' must not be empty", name);
	obj = json_object();
	for (i = 0; i + 1 < n->nkids; i += 2) {
		json_t *v;
		if (check_key(c, n, i, name) < 0 ||
		    convert(c, f->item, n->kids[i + 1], n->kids[i]->str, &v) < 0) {
			json_decref(obj);
			return -1;
		}
		json_object_set_new(obj, n->kids[i]->str, v);
	}
	*out = obj;
	return 0;
}

/* Unknown keys, in file order: a typo in a DR plan must stop it. */
static int check_keys(struct ctx *c, const struct schema *s,
		      const struct ynode *n)
{
	const struct field *f;
	size_t i;

	for (i = 0; i + 1 < n->nkids; i += 2) {
		const struct field *best = NULL;
		size_t bestd = 3;
		if (check_key(c, n, i, s->what) < 0)
			return -1;
		for (f = s->fields; f->key; f++) {
			size_t d;
			if (!strcmp(f->key, n->kids[i]->str))
				break;
			d = edit_distance(f->key, n->kids[i]->str);
			if (d < bestd) {
				bestd = d;
				best = f;
			}
		}
		if (f->key)
			continue;
		if (best)
			return err_at(c, n->kids[i], "unknown key '%s' in %s; "
				      "did you mean '%s'?", n->kids[i]->str,
				      s->what, best->key);
		{
			struct strbuf sb = STRBUF_INIT;
			for (f = s->fields; f->key; f++)
				strbuf_addf(&sb, "%s%s", f == s->fields ? "" : ", ",
					    f->key);
			err_at(c, n->kids[i], "unknown key '%s' in %s; expected "
			       "one of: %s", n->kids[i]->str, s->what, sb.buf);
			strbuf_release(&sb);
			return -1;
		}
	}
	return 0;
}

static int convert_obj(struct ctx *c, const struct schema *s,
		       const struct ynode *n, const char *name, json_t **out)
{
	const struct field *f;
	json_t *obj;

	if (n->type != YNODE_MAP)
		return err_at(c, n, "'%s' must be a mapping (key: value), got "
			      "%s", name, node_kind(n));
	if (check_keys(c, s, n) < 0)
		return -1;
	/* Then values in schema order, so ${vars} and names are known first. */
	obj = json_object();
	for (f = s->fields; f->key; f++) {
		const struct ynode *v = ynode_get(n, f->key);
		json_t *jv;
		char key[64];
		if (!v) {
			if (f->flags & F_REQ) {
				json_decref(obj);
				return err_at(c, n, "%s is missing '%s'%s%s",
					      s->what, f->key,
					      f->help ? ": " : "",
					      f->help ? f->help : "");
			}
			continue;
		}
		if (f->flags & F_MANUAL)
			continue;
		if (convert(c, f, v, f->key, &jv) < 0) {
			json_decref(obj);
			return -1;
		}
		snprintf(key, sizeof(key), "%s%s", f->key,
			 f->type == T_DURATION ? "_s" : "");
		json_object_set_new(obj, key, jv);
	}
	if (s->check && s->check(c, n, obj) < 0) {
		json_decref(obj);
		return -1;
	}
	*out = obj;
	return 0;
}

static int convert(struct ctx *c, const struct field *f, const struct ynode *n,
		   const char *name, json_t **out)
{
	switch (f->type) {
	case T_STR:
	case T_SHELL:
	case T_SQL:
	case T_LIT:
		return convert_text(c, f, n, name, out);
	case T_ID:
		return convert_id(c, n, name, out);
	case T_INT:
		return convert_int(c, f, n, name, out);
	case T_DURATION:
		return convert_duration(c, n, name, out);
	case T_BOOL:
		return convert_bool(c, n, name, out);
	case T_ENUM:
		return convert_enum(c, f, n, name, out);
	case T_LIST:
		return convert_list(c, f, n, name, out);
	case T_MAP:
		return convert_map(c, f, n, name, out);
	case T_OBJ:
		return convert_obj(c, f->obj, n, name, out);
	}
	return err_at(c, n, "internal: unknown field type");
}

/* Steps are converted phase by phase: a step's checks need its phase. */
static int convert_phases(struct ctx *c, const struct ynode *pn, json_t **out)
{
	json_t *steps;
	int i, n = 0;

	if (pn->type != YNODE_MAP)
		return err_at(c, pn, "'phases' must be a mapping of phase names "
			      "to lists of steps, got %s", node_kind(pn));
	if (check_keys(c, &phase_schema, pn) < 0)
		return -1;
	steps = json_array();
	for (i = 0; drill_phases[i]; i++) {
		const struct ynode *list = ynode_get(pn, drill_phases[i]);
		json_t *arr, *s;
		size_t j;

		if (!list)
			continue;
		c->phase = drill_phases[i];
		if (convert_list(c, &phase_fields[i], list, drill_phases[i],
				 &arr) < 0) {
			json_decref(steps);
			return -1;
		}
		json_array_foreach(arr, j, s) {
			struct strbuf d = STRBUF_INIT;
			json_object_set_new(s, "n", json_integer(++n));
			json_object_set_new(s, "phase", json_string(drill_phases[i]));
			drill_step_display(s, &d);
			if (d.len)
				json_object_set_new(s, "display", json_string(d.buf));
			strbuf_release(&d);
			json_array_append(steps, s);
		}
		json_decref(arr);
	}
	if (!n) {
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
	*out = steps;
	return 0;
}

/* ---- cross-field checks ---------------------------------------------- */

static int check_conn(struct ctx *c, const struct ynode *n, json_t *obj)
{
	if (json_object_get(obj, "password_env") &&
	    json_object_get(obj, "password_file"))
		return err_at(c, n, "a connection takes password_env or "
			      "password_file, not both");
	return 0;
}

static int check_files(struct ctx *c, const struct ynode *n, json_t *obj)
{
	json_t *m = json_object_get(obj, "mode"), *o = json_object_get(obj, "owner");

	if (m) {
		const char *s = json_string_value(m);
		size_t i, len = strlen(s);
		for (i = 0; i < len; i++)
			if (s[i] < '0' || s[i] > '7')
				break;
		if (i < len || len < 3 || len > 4)
			return err_at(c, ynode_get(n, "mode"), "'mode' must be "
				      "octal like \"0750\" (quote it: YAML 1.1 "
				      "reads 0750 as a number), got '%s'", s);
	}
	if (o) {
		const char *s = json_string_value(o), *colon = strchr(s, ':');
		if (!colon || colon == s || !colon[1] || strchr(colon + 1, ':'))
			return err_at(c, ynode_get(n, "owner"), "'owner' must be "
				      "uid:gid or user:group, got '%s'", s);
	}
	return 0;
}

static const char *const command_only[] = { "cwd", "env", "secret_env",
					    "expect_exit", "run_as",
					    "allow_stderr_errors", NULL };
static const char *const step_kinds[] = { "run", "shell", "checksum", "toc",
					  "sql", "files", "wait", "canary", NULL };

static int check_conn_ref(struct ctx *c, const struct ynode *step,
			  json_t *params, const char *kind)
{
	json_t *ref = json_object_get(params, "connection");
	const struct ynode *kn = ynode_get(step, kind), *rn;

	if (!ref || json_object_get(c->conns, json_string_value(ref)))
		return 0;
	rn = ynode_get(kn, "connection");
	return err_at(c, rn ? rn : kn, "unknown connection '%s' (define it "
		      "under connections:)", json_string_value(ref));
}

static int check_step(struct ctx *c, const struct ynode *n, json_t *obj)
{
	const char *id = json_string_value(json_object_get(obj, "id"));
	const char *kind = NULL, *const *k;
	const struct ynode *idn = ynode_get(n, "id");
	json_t *seen = json_object_get(c->ids, id), *params;

	if (seen)
		return err_at(c, idn, "duplicate step id '%s' (first at line "
			      "%d)", id, (int)json_integer_value(seen));
	json_object_set_new(c->ids, id, json_integer(idn->line));

	for (k = step_kinds; *k; k++) {
		if (!json_object_get(obj, *k))
			continue;
		if (kind)
			return err_at(c, ynode_get(n, *k), "step '%s' has both "
				      "'%s' and '%s'; a step does one thing",
				      id, kind, *k);
		kind = *k;
	}
	if (!kind)
		return err_at(c, n, "step '%s' does nothing: give it one of run, "
			      "shell, checksum, toc, sql, files, wait, canary", id);
	if (strcmp(kind, "run") && strcmp(kind, "shell")) {
		for (k = command_only; *k; k++)
			if (json_object_get(obj, *k))
				return err_at(c, ynode_get(n, *k), "'%s' only "
					      "applies to run and shell steps, "
					      "not %s", *k, kind);
	}
	params = json_object_get(obj, kind);
	if (!strcmp(kind, "run") || !strcmp(kind, "shell")) {
		json_object_set_new(obj, "kind", json_string("command"));
		if (!json_object_get(obj, "expect_exit")) {
			json_t *a = json_array();
			json_array_append_new(a, json_integer(0));
			json_object_set_new(obj, "expect_exit", a);
		}
	} else {
		json_object_set_new(obj, "kind", json_string(kind));
	}
	if (!json_object_get(obj, "timeout_s"))
		json_object_set_new(obj, "timeout_s", json_integer(3600));
	/* Everything in the destroy phase destroys, whatever it says. */
	if (!strcmp(c->phase, "destroy")) {
		json_t *d = json_object_get(obj, "destructive");
		if (d && !json_is_true(d))
			return err_at(c, ynode_get(n, "destructive"), "steps in "
				      "the destroy phase are destructive; "
				      "remove 'destructive: false'");
		json_object_set_new(obj, "destructive", json_true());
	} else if (!json_object_get(obj, "destructive")) {
		json_object_set_new(obj, "destructive", json_false());
	}
	if (!strcmp(kind, "canary") && !c->have_canary)
		return err_at(c, ynode_get(n, "canary"), "a canary step needs "
			      "a top-level 'canary:' naming its table and row");
	if (!strcmp(kind, "canary") &&
	    !strcmp(json_string_value(params), "delete") &&
	    !json_is_true(json_object_get(obj, "destructive")))
		return err_at(c, ynode_get(n, "canary"), "'canary: delete' "
			      "deletes a row: put it in the destroy phase or mark "
			      "it destructive: true");
	if (json_is_object(params) &&
	    check_conn_ref(c, n, params, kind) < 0)
		return -1;
	if (!strcmp(kind, "sql")) {
		json_t *same = json_object_get(params, "same_as");
		if (same && !json_object_get(c->sql_ids,
					     json_string_value(same))) {
			const struct ynode *sn = ynode_get(ynode_get(n, "sql"),
							   "same_as");
			return err_at(c, sn, "same_as '%s' is not an earlier sql "
				      "step", json_string_value(same));
		}
		json_object_set_new(c->sql_ids, id, json_true());
	}
	if (!strcmp(kind, "wait") && !json_object_get(params, "timeout_s"))
		json_object_set_new(params, "timeout_s", json_integer(60));
	if (!strcmp(kind, "checksum") && !json_object_get(params, "output"))
		json_object_set_new(params, "output", json_string("SHA256SUMS"));
	if (!strcmp(kind, "files") && !json_object_get(params, "exists"))
		json_object_set_new(params, "exists", json_true());
	return 0;
}

/* ---- variables and the whole file ------------------------------------ */

static void set_builtins(json_t *vars, const char *path, const char *id,
			 const char *env, time_t now)
{
	struct tm tm;
	char buf[32];
	char *copy = xstrdup(path), *dir;
	char real[PATH_MAX];

	localtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y%m%d", &tm);
	json_object_set_new(vars, "date", json_string(buf));
	strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
	json_object_set_new(vars, "date_iso", json_string(buf));
	strftime(buf, sizeof(buf), "%H%M%S", &tm);
	json_object_set_new(vars, "time", json_string(buf));
	dir = dirname(copy);
	json_object_set_new(vars, "drill_dir",
			    json_string(realpath(dir, real) ? real : dir));
	free(copy);
	if (id)
		json_object_set_new(vars, "drill_id", json_string(id));
	if (env)
		json_object_set_new(vars, "environment", json_string(env));
}

static const char *scalar_or_null(const struct ynode *root, const char *key)
{
	const struct ynode *n = ynode_get(root, key);
	return n && n->type == YNODE_SCALAR ? n->str : NULL;
}

static int load_vars(struct ctx *c, const struct ynode *root,
		     const struct drill_opts *opts, json_t *declared)
{
	const struct ynode *vn = ynode_get(root, "vars");
	const char *name;
	json_t *v;
	size_t i;

	/* Overridden built-ins (--var date=...) count before any use. */
	if (opts->overrides)
		json_object_foreach(opts->overrides, name, v)
			if (json_object_get(c->vars, name) &&
			    !(vn && ynode_get(vn, name)))
				json_object_set(c->vars, name, v);
	if (vn) {
		if (vn->type != YNODE_MAP)
			return err_at(c, vn, "'vars' must be a mapping (name: "
				      "value), got %s", node_kind(vn));
		for (i = 0; i + 1 < vn->nkids; i += 2) {
			const struct ynode *k = vn->kids[i];
			json_t *val, *ov;
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
			ov = opts->overrides ?
			     json_object_get(opts->overrides, k->str) : NULL;
			if (ov) {
				val = json_copy(ov);
			} else if (convert(c, &f_str, vn->kids[i + 1], k->str,
					   &val) < 0) {
				return -1;
			}
			/* Later vars may use earlier ones, never the reverse. */
			json_object_set(c->vars, k->str, val);
			json_object_set_new(declared, k->str, val);
		}
	}
	if (opts->overrides)
		json_object_foreach(opts->overrides, name, v)
			if (!json_object_get(c->vars, name)) {
				error_set(c->err, "--var %s: the drill file %s "
					  "has no variable '%s' (declare it under "
					  "vars:)", name, ytree_path(c->t), name);
				return -1;
			}
	return 0;
}

json_t *drill_load(const char *path, const struct drill_opts *opts,
		   char sha256[65], struct error *err)
{
	struct ytree *t = ytree_load(path, err);
	struct ctx c;
	json_t *body = NULL, *declared, *vars_out;
	const struct ynode *root;
	const char *name;
	json_t *v;
	size_t len;

	if (!t)
		return NULL;
	memset(&c, 0, sizeof(c));
	c.t = t;
	c.err = err;
	c.vars = json_object();
	c.used = json_object();
	c.ids = json_object();
	c.sql_ids = json_object();
	c.conns = json_object();
	c.phase = "";
	declared = json_object();
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
	set_builtins(c.vars, path, scalar_or_null(root, "id"),
		     scalar_or_null(root, "environment"), opts->now);
	if (load_vars(&c, root, opts, declared) < 0)
		goto out;
	c.have_canary = ynode_get(root, "canary") != NULL;
	if (convert_obj(&c, &top_schema, root, "drill", &body) < 0)
		goto out;
	{
		json_t *conns = json_object_get(body, "connections"), *steps = NULL;
		if (conns)
			json_object_update(c.conns, conns);
		if (convert_phases(&c, ynode_get(root, "phases"), &steps) < 0) {
			json_decref(body);
			body = NULL;
			goto out;
		}
		json_object_set_new(body, "steps", steps);
	}
	if (!json_object_get(body, "language"))
		json_object_set_new(body, "language", json_string("en"));
	/* The variables the plan depends on: declared ones and built-ins used. */
	vars_out = json_object();
	json_object_foreach(c.vars, name, v)
		if (json_object_get(declared, name) ||
		    json_object_get(c.used, name))
			json_object_set(vars_out, name, v);
	json_object_set_new(body, "vars", vars_out);
out:
	json_decref(c.vars);
	json_decref(c.used);
	json_decref(c.ids);
	json_decref(c.sql_ids);
	json_decref(c.conns);
	json_decref(declared);
	ytree_free(t);
	return body;
}

void drill_step_display(json_t *step, struct strbuf *out)
{
	json_t *run = json_object_get(step, "run"), *sh, *v;
	size_t i;

	if (run) {
		json_array_foreach(run, i, v) {
			if (i)
				strbuf_addch(out, ' ');
			strbuf_add_shquoted(out, json_string_value(v));
		}
	} else if ((sh = json_object_get(step, "shell"))) {
		strbuf_adds(out, json_string_value(sh));
	}
}

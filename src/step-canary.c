/*
 * canary: the runbook's "delete one identifiable message, prove it comes
 * back", automated. record (before anything is destroyed) keeps the row's
 * values; delete removes exactly that row; absent proves it is gone;
 * present proves the restore brought it back unchanged.
 *
 * Identifiers are quoted with PQescapeIdentifier and values travel as
 * parameters, so neither a table called "my posts" nor a key value like
 * `'; DROP TABLE x; --` can change the statement.
 */
#include "drill.h"
#include "error.h"
#include "expand.h"
#include "pg.h"
#include "schema.h"
#include "sha256.h"
#include "plan.h"
#include "journal.h"
#include "runfacts.h"
#include "xalloc.h"
#include "step.h"
#include "words.h"
#include "report.h"
#include "strbuf.h"
#include "strvec.h"
#include "ytree.h"

#include <stdlib.h>
#include <string.h>

#define CELL_MAX 200

struct canary_params {
	const char *action;
};

static const char *const actions[] = { "record", "delete", "absent",
				       "present", NULL };

static const struct schema_field step_fields[] = {
	{ .key = "canary", .type = SCHEMA_ENUM, .enums = actions,
	  .off = offsetof(struct canary_params, action) },
	{ NULL },
};

static const struct schema canary_step_schema = {
	"canary step", step_fields, sizeof(struct canary_params), 0, NULL };

static const char *const selectors[] = { "canary", NULL };

static int canary_check(struct drill_step_check *k)
{
	const char *action = ((const struct canary_params *)
			      k->step->params)->action;
	const struct ynode *n = k->node;

	if (!ynode_get(schema_ctx_root(k->c), "canary"))
		return schema_error_at(k->c, ynode_get(n, "canary"), "a canary "
				       "step needs a top-level 'canary:' naming "
				       "its table and row");
	if (!strcmp(action, "delete") && !k->step->destructive)
		return schema_error_at(k->c, ynode_get(n, "canary"), "'canary: "
				       "delete' deletes a row: put it in the "
				       "destroy phase");
	/* Only delete destroys; record, absent and present only read. */
	if (strcmp(action, "delete"))
		k->destructive = 0;
	return 0;
}

static void canary_describe(const struct drill_step *s, struct strbuf *out)
{
	const char *a = ((const struct canary_params *)s->params)->action;

	strbuf_addf(out, "canary %s: %s", a,
		    !strcmp(a, "record") ? "record the row and its columns" :
		    !strcmp(a, "delete") ? "delete the row" :
		    !strcmp(a, "absent") ? "prove the row is gone" :
		    "prove the row is back and identical");
}

/*
 * The statement the step sends, for the approver: the key values go as
 * parameters ($1...), shown beside it as the literals they are.
 */
static void canary_target(const struct drill *d, const struct drill_step *s,
			  struct strvec *lines)
{
	const char *a = ((const struct canary_params *)s->params)->action;
	const struct drill_canary *k = d->canary;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!k)
		return;
	plan_conn_target(d, k->connection, &sb);
	strvec_push(lines, sb.buf);
	strbuf_reset(&sb);
	if (!strcmp(a, "delete")) {
		strbuf_adds(&sb, "SQL: DELETE FROM ");
	} else {
		strbuf_adds(&sb, "SQL: SELECT ");
		for (i = 0; i < k->columns.nr; i++) {
			if (i)
				strbuf_adds(&sb, ", ");
			plan_quote_ident(&sb, k->columns.v[i], 0);
		}
		strbuf_adds(&sb, " FROM ");
	}
	plan_quote_ident(&sb, k->table, 1);
	for (i = 0; i < k->key.keys.nr; i++) {
		strbuf_adds(&sb, i ? " AND " : " WHERE ");
		plan_quote_ident(&sb, k->key.keys.v[i], 0);
		strbuf_addf(&sb, " = $%zu", i + 1);
	}
	for (i = 0; i < k->key.keys.nr; i++) {
		strbuf_addf(&sb, "%s$%zu = ", i ? ", " : "  -- ", i + 1);
		expand_sql_literal(&sb, k->key.vals.v[i]);
	}
	if (!strcmp(a, "delete"))
		strbuf_adds(&sb, " (in a transaction, rolled back unless "
			    "exactly 1 row)");
	strvec_push(lines, sb.buf);
	strbuf_release(&sb);
}

struct canary {
	struct step_ctx *sc;
	PGconn *c;
	struct pg_deadline dl;  /* the step's: connect, BEGIN, ..., COMMIT */
	const struct drill_canary *def;
	json_t *key;            /* def->key, as the evidence shows it */
	json_t *ev;             /* the step's evidence */
	struct strbuf table;    /* quoted */
	struct strbuf where;    /* " WHERE "k" = $1 AND ..." */
	struct strvec vals;     /* the key values, $1.. */
};

static int build_where(struct canary *k, struct error *err)
{
	const struct schema_kv *key = &k->def->key;
	size_t i;

	strbuf_adds(&k->where, " WHERE ");
	for (i = 0; i < key->keys.nr; i++) {
		if (i)
			strbuf_adds(&k->where, " AND ");
		if (pg_quote_ident(k->c, key->keys.v[i], &k->where, err) < 0)
			return -1;
		strbuf_addf(&k->where, " = $%zu", i + 1);
		strvec_push(&k->vals, key->vals.v[i]);
	}
	if (!i)
		return error_set(err, "the canary has no key");
	return 0;
}

static int run(struct canary *k, const char *sql, struct pg_result *res,
	       struct error *err)
{
	struct pg_query_opts o = { (int)k->vals.nr, k->vals.v, &k->dl, NULL,
				   NULL, 0 };

	if (pg_exec(k->c, sql, &o, res, err) < 0) {
		error_prefix(err, "canary query failed");
		return -1;
	}
	return 0;
}

static const char *rows_text(long long n, struct strbuf *sb)
{
	strbuf_reset(sb);
	if (!n)
		strbuf_adds(sb, "no row");
	else
		strbuf_addf(sb, "%lld row%s", n, n == 1 ? "" : "s");
	return sb->buf;
}

static void values_free(char **values, size_t n)
{
	size_t i;

	for (i = 0; values && i < n; i++)
		free(values[i]);
	free(values);
}

/*
 * SELECT the canary's columns; when there is exactly one row, its
 * values, one per column (NULL: SQL NULL), in *values.
 */
static int select_row(struct canary *k, const struct strvec *columns,
		      long long *count, char ***values, struct error *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct pg_result res;
	size_t i;
	int ret = -1;

	*values = NULL;
	pg_result_init(&res);
	strbuf_adds(&sql, "SELECT ");
	for (i = 0; i < columns->nr; i++) {
		if (i)
			strbuf_adds(&sql, ", ");
		if (pg_quote_ident(k->c, columns->v[i], &sql, err) < 0)
			goto out;
	}
	strbuf_adds(&sql, " FROM ");
	strbuf_add(&sql, k->table.buf, k->table.len);
	strbuf_add(&sql, k->where.buf, k->where.len);
	if (run(k, sql.buf, &res, err) < 0)
		goto out;
	*count = res.row_count;
	if (*count == 1) {
		/* The row is journaled whole; pg_exec keeps PG_KEEP_BYTES. */
		if (!res.nrows) {
			error_set(err, "the canary row holds more than %d "
				  "bytes: too large to record", PG_KEEP_BYTES);
			goto out;
		}
		*values = xcalloc(columns->nr + 1, sizeof(**values));
		for (i = 0; i < columns->nr; i++) {
			const char *v = pg_result_cell(&res, 0, i, NULL);
			(*values)[i] = v ? xstrdup(v) : NULL;
		}
	}
	ret = 0;
out:
	pg_result_release(&res);
	strbuf_release(&sql);
	return ret;
}

/* The SHA-256 the journal gives the values: of their JSON, keys sorted. */
static json_t *values_sha256(const struct strvec *columns, char *const *values,
			     char hex[SHA256_HEX_LEN + 1])
{
	json_t *j = runfacts_canary_values_json(columns, values);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	sha256_hex(s, strlen(s), hex);
	free(s);
	return j;
}

static int do_record(struct canary *k, struct error *err)
{
	struct runfacts_canary *rec = &k->sc->facts->canary;
	const struct drill_canary *def = k->def;
	struct strbuf sb = STRBUF_INIT;
	char hex[SHA256_HEX_LEN + 1];
	struct strvec columns = STRVEC_INIT;
	char **values;
	long long n;
	size_t i;

	strvec_pushv(&columns, def->columns.v);
	if (select_row(k, &columns, &n, &values, err) < 0) {
		strvec_clear(&columns);
		return -1;
	}
	json_object_set_new(k->ev, "rows", json_integer(n));
	if (!step_check(k->sc, "canary row found", "exactly 1 row",
			rows_text(n, &sb), n == 1)) {
		strbuf_release(&sb);
		values_free(values, columns.nr);
		strvec_clear(&columns);
		return 0;
	}
	strbuf_release(&sb);
	json_decref(values_sha256(&columns, values, hex));
	runfacts_canary_clear(rec);
	rec->recorded = 1;
	rec->table = xstrdup(def->table);
	for (i = 0; i < def->key.keys.nr; i++) {
		strvec_push(&rec->key_names, def->key.keys.v[i]);
		strvec_push(&rec->key_vals, def->key.vals.v[i]);
	}
	rec->columns = columns;
	rec->values = values;
	memcpy(rec->sha256, hex, sizeof(hex));
	json_object_update_new(k->ev, runfacts_canary_json(rec));
	return 0;
}

static int do_delete(struct canary *k, struct error *err)
{
	struct strbuf sql = STRBUF_INIT, act = STRBUF_INIT;
	struct pg_result res, done;
	long long n;
	int ret = -1;

	/* Without a record there would be nothing to prove it came back. */
	if (!k->sc->facts->canary.recorded)
		return error_set(err, "the canary was not recorded in this "
				 "run; not deleting it");
	pg_result_init(&res);
	pg_result_init(&done);
	strbuf_adds(&sql, "DELETE FROM ");
	strbuf_add(&sql, k->table.buf, k->table.len);
	strbuf_add(&sql, k->where.buf, k->where.len);
	/* A key that matches more than one row must not delete them all. */
	if (pg_exec_simple(k->c, "BEGIN", &k->dl, &done, err) < 0)
		goto out;
	pg_result_release(&done);
	if (run(k, sql.buf, &res, err) < 0)
		goto out;
	n = res.affected > 0 ? res.affected : 0;
	if (pg_exec_simple(k->c, n == 1 ? "COMMIT" : "ROLLBACK", &k->dl,
			   &done, err) < 0)
		goto out;
	json_object_set_new(k->ev, "rows_deleted", json_integer(n == 1 ? 1 : 0));
	strbuf_addf(&act, "%lld", n);
	if (n != 1)
		strbuf_adds(&act, " (rolled back)");
	step_check(k->sc, "rows deleted", "1", act.buf, n == 1);
	ret = 0;
out:
	pg_result_release(&res);
	pg_result_release(&done);
	strbuf_release(&sql);
	strbuf_release(&act);
	return ret;
}

static int do_absent(struct canary *k, struct error *err)
{
	struct strbuf sql = STRBUF_INIT, sb = STRBUF_INIT;
	struct pg_result res;
	long long n;
	int ret = -1;

	pg_result_init(&res);
	strbuf_adds(&sql, "SELECT count(*) FROM ");
	strbuf_add(&sql, k->table.buf, k->table.len);
	strbuf_add(&sql, k->where.buf, k->where.len);
	if (run(k, sql.buf, &res, err) < 0)
		goto out;
	n = atoll(pg_cell_text(pg_result_cell(&res, 0, 0, NULL)));
	json_object_set_new(k->ev, "rows", json_integer(n));
	step_check(k->sc, "canary row gone", "no row", rows_text(n, &sb),
		   n == 0);
	ret = 0;
out:
	pg_result_release(&res);
	strbuf_release(&sql);
	strbuf_release(&sb);
	return ret;
}

static int same_cell(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* One check per column: the recorded value against the one read now. */
static void check_columns(struct canary *k, const struct runfacts_canary *rec,
			  char *const *now)
{
	struct strbuf what = STRBUF_INIT, exp = STRBUF_INIT, act = STRBUF_INIT;
	size_t i;

	for (i = 0; i < rec->columns.nr; i++) {
		strbuf_reset(&what);
		strbuf_reset(&exp);
		strbuf_reset(&act);
		strbuf_addf(&what, "column %s", rec->columns.v[i]);
		pg_add_cell(&exp, rec->values[i], CELL_MAX);
		pg_add_cell(&act, now[i], CELL_MAX);
		step_check(k->sc, what.buf, exp.buf, act.buf,
			   same_cell(rec->values[i], now[i]));
	}
	strbuf_release(&what);
	strbuf_release(&exp);
	strbuf_release(&act);
}

static int do_present(struct canary *k, struct error *err)
{
	const struct runfacts_canary *rec = &k->sc->facts->canary;
	struct strbuf sb = STRBUF_INIT, exp = STRBUF_INIT;
	char hex[SHA256_HEX_LEN + 1] = "";
	char **now;
	long long n;

	if (!rec->recorded)
		return error_set(err, "the canary was not recorded in this run");
	if (select_row(k, &rec->columns, &n, &now, err) < 0)
		return -1;
	json_object_set_new(k->ev, "rows", json_integer(n));
	json_object_set_new(k->ev, "recorded_sha256", json_string(rec->sha256));
	step_check(k->sc, "canary row found", "exactly 1 row",
		   rows_text(n, &sb), n == 1);
	if (n == 1) {
		check_columns(k, rec, now);
		json_object_set_new(k->ev, "values",
				    values_sha256(&rec->columns, now, hex));
		json_object_set_new(k->ev, "sha256", json_string(hex));
		strbuf_reset(&sb);
		strbuf_addf(&sb, "sha256 %s", hex);
	} else {
		rows_text(n, &sb);
	}
	strbuf_addf(&exp, "sha256 %s", rec->sha256);
	step_check(k->sc, "identical to the recorded row", exp.buf, sb.buf,
		   n == 1 && !strcmp(hex, rec->sha256));
	values_free(now, rec->columns.nr);
	strbuf_release(&sb);
	strbuf_release(&exp);
	return 0;
}

/* Why the recorded row cannot be used, or NULL. */
static const char *not_recorded(const struct runfacts_canary *rec,
				struct strbuf *why)
{
	if (rec->recorded)
		return NULL;
	strbuf_adds(why, "the canary was not recorded in this run");
	if (rec->bad)
		strbuf_addf(why, " (the interrupted run's record: %s)",
			    rec->bad);
	return why->buf;
}

static int canary_run(struct step_ctx *sc, struct error *err)
{
	const char *action = STEP_PARAMS(sc, struct canary_params)->action;
	struct canary k = { sc, NULL, { 0, 0, NULL }, sc->drill->canary, NULL,
			    NULL, STRBUF_INIT, STRBUF_INIT, STRVEC_INIT };
	struct strbuf why = STRBUF_INIT;
	const char *name;
	size_t i;
	int ret = -1;

	if (!action || !k.def)
		return error_set(err, "canary step without a canary");
	if (!strcmp(action, "present") &&
	    not_recorded(&sc->facts->canary, &why)) {
		error_set(err, "%s", why.buf);
		strbuf_release(&why);
		return -1;
	}
	name = k.def->connection;
	k.key = json_object();
	for (i = 0; i < k.def->key.keys.nr; i++)
		json_object_set_new(k.key, k.def->key.keys.v[i],
				    json_string(k.def->key.vals.v[i]));
	k.ev = json_object();
	json_object_set_new(k.ev, "action", json_string(action));
	json_object_set_new(k.ev, "connection", json_string(name ? name : ""));
	json_object_set_new(k.ev, "table", json_string(k.def->table));
	json_object_set(k.ev, "key", k.key);
	json_object_set_new(sc->rec, "evidence", k.ev);

	pg_deadline_from(&k.dl, &sc->deadline, sc->cancel);
	k.c = runfacts_connect(sc->facts, sc->drill, name, sc->secrets, &k.dl,
			       err);
	if (!k.c)
		goto out;
	if (pg_quote_table(k.c, k.def->table, &k.table, err) < 0 ||
	    build_where(&k, err) < 0)
		goto out;
	if (!strcmp(action, "record"))
		ret = do_record(&k, err);
	else if (!strcmp(action, "delete"))
		ret = do_delete(&k, err);
	else if (!strcmp(action, "absent"))
		ret = do_absent(&k, err);
	else if (!strcmp(action, "present"))
		ret = do_present(&k, err);
	else
		error_set(err, "unknown canary action '%s'", action);
out:
	if (ret < 0)
		pg_redact(&err->msg, sc->secrets);
	if (k.c)
		PQfinish(k.c);
	json_decref(k.key);
	strbuf_release(&k.table);
	strbuf_release(&k.where);
	strvec_clear(&k.vals);
	return ret;
}

/*
 * What canary_view reads of its record (view_record): the row as
 * recorded, its columns in order and their values (text; SQL NULL and
 * anything else read as absent). "values" is bound twice: its text
 * members, and whether it is an object at all (cv_object). "columns"
 * is kept as recorded: each item has its row, in its place, as the
 * report always showed it (one that is not text, a row with no name).
 */
struct cv_object {
	int unused;
};

static const struct schema_field cv_object_fields[] = { { .key = NULL } };
static const struct schema cv_object_schema = {
	.what = "object", .fields = cv_object_fields,
	.size = sizeof(struct cv_object),
};

struct cv_evidence {
	json_t *columns;                /* as recorded, NULL: none */
	struct schema_kv values;
	struct cv_object *values_object; /* non-NULL: "values" is an object */
};

static const struct schema_field cv_text = { .type = SCHEMA_STR };

static const struct schema_field cv_evidence_fields[] = {
	{ .key = "columns", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct cv_evidence, columns) },
	{ .key = "values", .type = SCHEMA_MAP, .item = &cv_text,
	  .off = offsetof(struct cv_evidence, values) },
	{ .key = "values", .type = SCHEMA_OBJ, .obj = &cv_object_schema,
	  .off = offsetof(struct cv_evidence, values_object) },
	{ .key = NULL },
};
static const struct schema cv_evidence_schema = {
	.what = "evidence", .fields = cv_evidence_fields,
	.size = sizeof(struct cv_evidence),
};

struct cv_view {
	struct cv_evidence *evidence;
};

static const struct schema_field cv_view_fields[] = {
	{ .key = "evidence", .type = SCHEMA_OBJ, .obj = &cv_evidence_schema,
	  .off = offsetof(struct cv_view, evidence) },
	{ .key = NULL },
};
static const struct schema cv_view_schema = {
	.what = "canary record", .fields = cv_view_fields,
	.size = sizeof(struct cv_view),
};

/* The row as recorded, column by column (the partial's table). */
static void canary_view(const struct step_view *v)
{
	const struct cv_view *vr = v->vr;
	const struct cv_evidence *ev = vr ? vr->evidence : NULL;
	json_t *arr, *col;
	size_t i;

	json_object_set_new(v->vs, "canary_values", json_null());
	json_object_set_new(v->vs, "has_canary_values", json_null());
	if (!ev || !ev->values_object || !json_is_array(ev->columns))
		return;
	arr = json_array();
	json_array_foreach(ev->columns, i, col) {
		json_t *o = json_object();
		const char *c = json_string_value(col);
		const char *val = c ? schema_kv_get(&ev->values, c) : NULL;
		report_view_data(o, "column", c);
		report_view_data(o, "value", val ? val : "NULL");
		report_view_code(o, "column");
		json_array_append_new(arr, o);
	}
	json_object_set_new(v->vs, "has_canary_values",
			    json_boolean(json_array_size(arr) > 0));
	json_object_set_new(v->vs, "canary_values", arr);
}

static const struct words canary_words[] = {
	{ NULL, "canary record: record the row and its columns",
	  "canary 记录：记录该行及其各列" },
	{ NULL, "canary delete: delete the row", "canary 删除：删除该行" },
	{ NULL, "canary absent: prove the row is gone",
	  "canary 已删除：证明该行已不存在" },
	{ NULL, "canary present: prove the row is back and identical",
	  "canary 已恢复：证明该行已恢复且与记录一致" },
	{ NULL, "canary row found", "找到 canary 行" },
	{ NULL, "canary row gone", "canary 行已消失" },
	{ NULL, "rows deleted", "删除行数" },
	{ NULL, "identical to the recorded row", "与记录时的行一致" },
	{ NULL, "column {}", "列 {}" },
	{ NULL, "exactly 1 row", "恰好 1 行" },
	{ NULL, "no row", "无此行" },
	{ NULL, "1 row", "1 行" },
	{ NULL, "{n} rows", "{n} 行" },
	{ "rows deleted", "{n}", "{n}" },
	{ "rows deleted", "{n} (rolled back)", "{n}（已回滚）" },
	{ "identical to the recorded row", "sha256 {}", "sha256 {}" },
	/* The column's values: the row's own. */
	{ "column {}", "{}", "{}" },
	{ WORDS_TARGET_LABEL, "SQL", "SQL" },
	{ WORDS_TARGET_TAIL, " (in a transaction, rolled back unless exactly 1 "
	  "row)", "（在事务中执行，除非恰好 1 行，否则回滚）" },
	WORDS_END
};

const struct step_kind step_kind_canary = {
	.name = "canary",
	.selectors = selectors,
	.noun = "canary steps",
	.fields = step_fields,
	.params = &canary_step_schema,
	.check = canary_check,
	.describe = canary_describe,
	.target = canary_target,
	.run = canary_run,
	.view = canary_view,
	.view_record = &cv_view_schema,
	.words = canary_words,
};

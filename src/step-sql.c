/*
 * sql: run one verification query (read-only) and compare its result
 * with what the drill expects, or with what an earlier sql step captured (same_as:
 * counted before destruction, counted again after the restore).
 */
#include "drill.h"
#include "error.h"
#include "pg.h"
#include "runfacts.h"
#include "schema.h"
#include "plan.h"
#include "journal.h"
#include "step.h"
#include "markdown.h"
#include "words.h"
#include "report.h"
#include "sha256.h"
#include "strbuf.h"
#include "utf8.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct sql_params {
	const char *connection;
	const char *query;
	struct schema_int expect_rows;
	const char *expect_value;
	struct schema_int expect_min;
	const char *same_as;
};

#define F(m) offsetof(struct sql_params, m)

static const struct schema_field sql_fields[] = {
	{ .key = "connection", .type = SCHEMA_CONN, .flags = SCHEMA_REQ,
	  .off = F(connection) },
	{ .key = "query", .type = SCHEMA_SQL, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(query) },
	{ .key = "expect_rows", .type = SCHEMA_INT, .min = 0, .max = 1000000000,
	  .off = F(expect_rows) },
	{ .key = "expect_value", .type = SCHEMA_STR, .off = F(expect_value) },
	/* expect_value is text ("100"): expect_min "1" is taken as well. */
	{ .key = "expect_min", .type = SCHEMA_INT, .flags = SCHEMA_QUOTED,
	  .min = LONG_MIN + 1,
	  .max = LONG_MAX, .off = F(expect_min) },
	{ .key = "same_as", .type = SCHEMA_STEPREF, .refkind = "sql",
	  .off = F(same_as),
	  .help = "the id of an earlier sql step whose result this must equal" },
	{ NULL },
};

static const struct schema sql_schema = {
	"sql", sql_fields, sizeof(struct sql_params), 0, NULL };

static const struct schema_field step_fields[] = {
	{ .key = "sql", .type = SCHEMA_OBJ, .obj = &sql_schema },
	{ NULL },
};

static const char *const selectors[] = { "sql", NULL };

static void sql_describe(const struct drill_step *s, struct strbuf *out)
{
	const struct sql_params *p = s->params;

	strbuf_addf(out, "[%s] %s", p->connection, p->query);
	if (p->expect_rows.set)
		strbuf_addf(out, "  => %ld rows", p->expect_rows.v);
	if (p->expect_value)
		strbuf_addf(out, "  => '%s'", p->expect_value);
	if (p->expect_min.set)
		strbuf_addf(out, "  => >= %ld", p->expect_min.v);
	if (p->same_as)
		strbuf_addf(out, "  => same as step %s", p->same_as);
}

static void sql_target(const struct drill *d, const struct drill_step *s,
		       struct strvec *lines)
{
	const struct sql_params *p = s->params;
	struct strbuf sb = STRBUF_INIT;

	plan_conn_target(d, p->connection, &sb);
	strvec_push(lines, sb.buf);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "SQL, in a read-only transaction: %s", p->query);
	strvec_push(lines, sb.buf);
	strbuf_release(&sb);
}

/* Long values are cut for the checks table; the evidence keeps them. */
#define SHORT_MAX 120

/* "2000" for one value; "3 rows: (a, b), (c, d), ..." otherwise. */
static void render_short(const struct pg_result *result, struct strbuf *sb)
{
	long long count = result->row_count;
	size_t i, j, start;

	if (count == 1 && result->nrows && result->rows[0].n == 1) {
		pg_add_cell(sb, result->rows[0].cells[0], SHORT_MAX);
		return;
	}
	strbuf_addf(sb, "%lld row%s", count, count == 1 ? "" : "s");
	if (!count)
		return;
	strbuf_adds(sb, ": ");
	start = sb->len;
	for (i = 0; i < result->nrows; i++) {
		const struct pg_row *row = &result->rows[i];
		if (sb->len - start > SHORT_MAX) {
			strbuf_adds(sb, ", …");
			return;
		}
		strbuf_adds(sb, i ? ", (" : "(");
		for (j = 0; j < row->n; j++) {
			if (j)
				strbuf_adds(sb, ", ");
			pg_add_cell(sb, row->cells[j], 40);
		}
		strbuf_addch(sb, ')');
	}
	if (!result->nrows)
		strbuf_adds(sb, "…");
	else if ((long long)result->nrows < count)
		strbuf_adds(sb, ", …");
}

static int parse_ll(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return s[0] && !*end && !errno ? 0 : -1;
}

/*
 * Equal results: the same number of rows and the same SHA-256 of the
 * whole canonical result (pg.h: column names, every row, in order), not
 * only of the rows the journal keeps.
 */
static int same_result(const struct pg_result *a, const struct pg_result *b)
{
	return a->row_count == b->row_count && !strcmp(a->sha256, b->sha256);
}

/* The first cell as the checks table shows it: cut, and valid UTF-8. */
static void add_first(struct strbuf *sb, const struct pg_first *first)
{
	size_t n = first->text->len;

	if (first->null) {
		strbuf_adds(sb, "NULL");
		return;
	}
	if (n > SHORT_MAX) {
		n = SHORT_MAX;
		while (n && ((unsigned char)first->text->buf[n] & 0xc0) == 0x80)
			n--;
	}
	utf8_add_lossy(sb, first->text->buf, n);
	if (n < first->len)
		strbuf_adds(sb, "…");
}

/*
 * The first cell is `want`: by its bytes when pg_run kept them all, by
 * length and SHA-256 when it is longer than what it keeps (pg.h).
 */
static int first_equals(const struct pg_first *first, const char *want)
{
	size_t n = strlen(want);
	char hex[SHA256_HEX_LEN + 1];

	if (first->len != n)
		return 0;
	if (first->text->len == n)
		return !memcmp(first->text->buf, want, n);
	sha256_hex(want, n, hex);
	return !strcmp(hex, first->sha256);
}

/*
 * The checks read the true row count and the first cell whole (pg_run
 * streams the rest), so they hold however large the result is.
 */
static void check_expectations(struct step_ctx *sc,
			       const struct sql_params *params,
			       const struct pg_result *result,
			       const struct pg_first *first,
			       const struct pg_result *before)
{
	long long count = result->row_count;
	const char *same = params->same_as;
	struct strbuf exp = STRBUF_INIT, act = STRBUF_INIT;
	int any = 0;
	int have = first->have && !first->null;

	if (params->expect_rows.set) {
		strbuf_addf(&exp, "%ld", params->expect_rows.v);
		strbuf_addf(&act, "%lld", count);
		step_check(sc, "rows", exp.buf, act.buf,
			   count == params->expect_rows.v);
		any = 1;
	}
	if (params->expect_value) {
		strbuf_reset(&act);
		if (!first->have)
			strbuf_adds(&act, "(no rows)");
		else
			add_first(&act, first);
		step_check(sc, "value", params->expect_value, act.buf,
			   have && first_equals(first, params->expect_value));
		any = 1;
	}
	if (params->expect_min.set) {
		long long n = 0;
		int ok = have && first->len == first->text->len &&
			 !memchr(first->text->buf, '\0', first->text->len) &&
			 !parse_ll(first->text->buf, &n);

		strbuf_reset(&exp);
		strbuf_reset(&act);
		strbuf_addf(&exp, "at least %ld", params->expect_min.v);
		if (!first->have)
			strbuf_adds(&act, "(no rows)");
		else if (!ok) {
			strbuf_adds(&act, "not an integer: ");
			add_first(&act, first);
		} else {
			strbuf_addf(&act, "%lld", n);
		}
		step_check(sc, "value", exp.buf, act.buf,
			   ok && n >= params->expect_min.v);
		any = 1;
	}
	if (same) {
		struct strbuf what = STRBUF_INIT;

		strbuf_reset(&exp);
		strbuf_reset(&act);
		strbuf_addf(&what, "same as step %s", same);
		render_short(before, &exp);
		render_short(result, &act);
		step_check(sc, what.buf, exp.buf, act.buf,
			   same_result(before, result));
		strbuf_release(&what);
		any = 1;
	}
	if (!any) {
		strbuf_reset(&act);
		render_short(result, &act);
		step_check(sc, "result captured", "the query runs", act.buf, 1);
	}
	strbuf_release(&exp);
	strbuf_release(&act);
}

/* The rows log in the record, where verify re-hashes it (seal.c). */
static void record_log(struct step_ctx *sc, const char *rel,
		       const struct pg_result *result, unsigned long long bytes)
{
	json_t *log = json_object();

	json_object_set_new(log, "path", json_string(rel));
	json_object_set_new(log, "format", json_string(PG_RESULT_FORMAT));
	json_object_set_new(log, "bytes", json_integer((json_int_t)bytes));
	json_object_set_new(log, "sha256", json_string(result->sha256));
	json_object_set_new(sc->rec, "rows_log", log);
}

/*
 * same_as's step captured a result in this run (or the interrupted
 * one's, `rdrill restore`): checked before connecting, a missing capture
 * is the drill's fault.
 */
static int capture_usable(struct step_ctx *sc, const char *same,
			  struct error *err)
{
	const struct runfacts_capture *c = runfacts_capture(sc->facts, same);

	if (!c)
		return error_set(err, "same_as: step %s captured no result in "
				 "this run", same);
	if (c->bad)
		return error_set(err, "same_as: step %s's result in the "
				 "interrupted run cannot be read: %s", same,
				 c->bad);
	return 0;
}

static int sql_run(struct step_ctx *sc, struct error *err)
{
	const struct sql_params *params = STEP_PARAMS(sc, struct sql_params);
	const struct pg_result *kept, *before = NULL;
	const char *name = params->connection;
	const char *query = params->query;
	const char *same = params->same_as;
	const char *id = sc->step->id;
	struct strbuf first_text = STRBUF_INIT, rel = STRBUF_INIT,
		      abs = STRBUF_INIT;
	struct pg_first first = { 0, 0, &first_text, 0, "" };
	struct pg_deadline dl;
	struct pg_query_opts o = { 0, NULL, &dl, NULL, &first, 0 };
	struct pg_result result;
	json_t *ev;
	PGconn *c;
	int r, ret = -1;

	if (!query)
		return error_set(err, "sql step without a query");
	/* One deadline for connecting, BEGIN, the query: the step's timeout. */
	pg_deadline_from(&dl, &sc->deadline, sc->cancel);
	sc->facts->captures_begun = 1;
	if (same && capture_usable(sc, same, err) < 0)
		return -1;
	pg_result_init(&result);
	ev = json_object();
	json_object_set_new(ev, "connection", json_string(name ? name : ""));
	json_object_set_new(ev, "query", json_string(query));
	json_object_set_new(sc->rec, "evidence", ev);

	c = runfacts_connect(sc->facts, sc->drill, name, sc->secrets, &dl, err);
	if (!c)
		goto out;
	/*
	 * A verification must not change what it verifies: the query runs
	 * in a read-only transaction that is rolled back (one statement per
	 * query, so it cannot COMMIT its way out and write after).
	 */
	r = pg_exec_simple(c, "BEGIN TRANSACTION READ ONLY", &dl, &result, err);
	pg_result_release(&result);
	step_log_path(sc, "rows.jsonl", &rel, &abs);
	o.log_path = abs.buf;
	if (!r)
		r = pg_exec(c, query, &o, &result, err);
	PQfinish(c);
	if (r < 0) {
		error_prefix(err, "query failed");
		goto out;
	}
	record_log(sc, rel.buf, &result, o.log_bytes);
	json_object_set_new(ev, "result", pg_result_to_json(&result));
	kept = id ? runfacts_keep_capture(sc->facts, id, &result) : &result;
	if (same)
		before = &runfacts_capture(sc->facts, same)->res;
	check_expectations(sc, params, kept, &first, before);
	ret = 0;
out:
	if (ret < 0)
		pg_redact(&err->msg, sc->secrets);
	pg_result_release(&result);
	strbuf_release(&first_text);
	strbuf_release(&rel);
	strbuf_release(&abs);
	return ret;
}

/*
 * What sql_view reads of its record (view_record): the kept file of the
 * whole result ("rows_log") and the part the evidence keeps (pg.h).
 */
struct sv_any {
	int unused;
};

static const struct schema_field sv_any_fields[] = { { .key = NULL } };
static const struct schema sv_any_schema = {
	.what = "row", .fields = sv_any_fields, .size = sizeof(struct sv_any),
};

struct sv_rows_log {
	const char *path, *sha256;
};

static const struct schema_field sv_rows_log_fields[] = {
	{ .key = "path", .type = SCHEMA_STR,
	  .off = offsetof(struct sv_rows_log, path) },
	{ .key = "sha256", .type = SCHEMA_STR,
	  .off = offsetof(struct sv_rows_log, sha256) },
	{ .key = NULL },
};
static const struct schema sv_rows_log_schema = {
	.what = "rows_log", .fields = sv_rows_log_fields,
	.size = sizeof(struct sv_rows_log),
};

struct sv_result {
	struct schema_int row_count;
	int truncated;
	struct sv_any *rows;    /* only counted */
	size_t nrows;
};

static const struct schema_field sv_row_item = { .type = SCHEMA_OBJ,
	.obj = &sv_any_schema };

static const struct schema_field sv_result_fields[] = {
	{ .key = "row_count", .type = SCHEMA_INT,
	  .off = offsetof(struct sv_result, row_count) },
	{ .key = "truncated", .type = SCHEMA_BOOL,
	  .off = offsetof(struct sv_result, truncated) },
	{ .key = "rows", .type = SCHEMA_LIST, .item = &sv_row_item,
	  .off = offsetof(struct sv_result, rows),
	  .off2 = offsetof(struct sv_result, nrows) },
	{ .key = NULL },
};
static const struct schema sv_result_schema = {
	.what = "result", .fields = sv_result_fields,
	.size = sizeof(struct sv_result),
};

struct sv_evidence {
	struct sv_result *result;
};

static const struct schema_field sv_evidence_fields[] = {
	{ .key = "result", .type = SCHEMA_OBJ, .obj = &sv_result_schema,
	  .off = offsetof(struct sv_evidence, result) },
	{ .key = NULL },
};
static const struct schema sv_evidence_schema = {
	.what = "evidence", .fields = sv_evidence_fields,
	.size = sizeof(struct sv_evidence),
};

struct sv_view {
	struct sv_rows_log *rows_log;
	struct sv_evidence *evidence;
};

static const struct schema_field sv_view_fields[] = {
	{ .key = "rows_log", .type = SCHEMA_OBJ, .obj = &sv_rows_log_schema,
	  .off = offsetof(struct sv_view, rows_log) },
	{ .key = "evidence", .type = SCHEMA_OBJ, .obj = &sv_evidence_schema,
	  .off = offsetof(struct sv_view, evidence) },
	{ .key = NULL },
};
static const struct schema sv_view_schema = {
	.what = "sql record", .fields = sv_view_fields,
	.size = sizeof(struct sv_view),
};

/*
 * The whole result (pg.h: the journal keeps a part) and, in Chinese, the
 * description: the query as code, what is expected said after it.
 */
static void sql_view(const struct step_view *v)
{
	static const struct sv_result none;
	const struct sql_params *p = v->step->params;
	const struct sv_view *vr = v->vr;
	const struct sv_rows_log *rl = vr ? vr->rows_log : NULL;
	const struct sv_result *res = vr && vr->evidence &&
		vr->evidence->result ? vr->evidence->result : &none;
	struct strbuf sb = STRBUF_INIT, code = STRBUF_INIT;

	if (rl) {
		report_view_data(v->vs, "rows_path", rl->path);
		markdown_link_dest(&sb, rl->path ? rl->path : "");
		report_view_data(v->vs, "rows_href", sb.buf);
		report_view_data(v->vs, "rows_sha256", rl->sha256);
		json_object_set_new(v->vs, "rows_count", json_integer(
			res->row_count.set ? (json_int_t)res->row_count.v : 0));
		if (res->truncated)
			json_object_set_new(v->vs, "rows_kept", json_integer(
				(json_int_t)res->nrows));
	}
	if (v->lang != WORDS_ZH) {
		strbuf_release(&sb);
		return;
	}
	strbuf_reset(&sb);
	strbuf_addf(&code, "[%s] %s", p->connection, p->query);
	if (words_marking())
		strbuf_adds(&sb, WORDS_MARK_OPEN);
	markdown_code_span(&sb, code.buf, code.len);
	if (words_marking())
		strbuf_adds(&sb, WORDS_MARK_CLOSE);
	if (p->expect_rows.set)
		strbuf_addf(&sb, "，期望 %ld 行", p->expect_rows.v);
	if (p->expect_value) {
		strbuf_adds(&sb, "，期望值 ");
		strbuf_reset(&code);
		words_data(&code, p->expect_value);
		markdown_escape_inline(&sb, code.buf, code.len);
	}
	if (p->expect_min.set)
		strbuf_addf(&sb, "，期望不少于 %ld", p->expect_min.v);
	if (p->same_as) {
		strbuf_adds(&sb, "，与步骤 ");
		strbuf_reset(&code);
		words_data(&code, p->same_as);
		markdown_escape_inline(&sb, code.buf, code.len);
		strbuf_adds(&sb, " 的结果相同");
	}
	report_view_str(v->vs, "describe_code", sb.buf);
	strbuf_release(&sb);
	strbuf_release(&code);
}

static const struct words sql_words[] = {
	/* the description (plan rows); the report's line is sql_view's */
	{ NULL, "[{}] {}  => same as step {}", "[{}] {}，与步骤 {} 的结果相同" },
	{ NULL, "[{}] {}  => >= {n}", "[{}] {}，期望不少于 {n}" },
	{ NULL, "[{}] {}  => {n} rows", "[{}] {}，期望 {n} 行" },
	{ NULL, "[{}] {}  => '{}'", "[{}] {}，期望值 {}" },
	{ NULL, "[{}] {}", "[{}] {}" },
	{ NULL, "rows", "行数" },
	{ NULL, "value", "值" },
	{ NULL, "result captured", "已取得结果" },
	{ NULL, "the query runs", "查询可执行" },
	{ NULL, "same as step {}", "与步骤 {} 相同" },
	{ NULL, "(no rows)", "（无结果行）" },
	{ NULL, "not an integer: {}", "不是整数：{}" },
	{ NULL, "0 rows", "0 行" },
	{ NULL, "{n} row: {}", "{n} 行：{}" },
	{ NULL, "{n} rows: {}", "{n} 行：{}" },
	/* Otherwise a value is the server's, or the author's expected one. */
	{ "rows", "{n}", "{n}" },
	{ "value", "{}", "{}" },
	{ "same as step {}", "{}", "{}" },
	{ "result captured", "{}", "{}" },
	{ WORDS_TARGET_LABEL, "SQL, in a read-only transaction", "SQL（只读事务）" },
	WORDS_END
};

const struct step_kind step_kind_sql = {
	.name = "sql",
	.selectors = selectors,
	.noun = "sql steps",
	.fields = step_fields,
	.params = &sql_schema,
	.params_key = "sql",
	.describe = sql_describe,
	.target = sql_target,
	.run = sql_run,
	.view = sql_view,
	.view_record = &sv_view_schema,
	.words = sql_words,
};

/*
 * fingerprint: prove that all the data came back, not just a marker row.
 * Per table a row count, an order-independent digest of every row, and
 * a digest of its definition; the sequences' values. All read at one
 * snapshot on several connections (fpscan.h). With same_as the step
 * compares itself with an earlier fingerprint step (before destroy, or
 * production when this one reads an isolated restore) and names every
 * difference; tables the drill declares may differ are reported as
 * such, and excluded tables are listed with their reason.
 */
#include "clock.h"
#include "drill.h"
#include "error.h"
#include "fingerprint.h"
#include "fpscan.h"
#include "runfacts.h"
#include "plan.h"
#include "schema.h"
#include "journal.h"
#include "step.h"
#include "words.h"
#include "report.h"
#include "markdown.h"
#include "fsutil.h"
#include "secret.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"
#include "ytree.h"

#include <string.h>

struct fp_params {
	const char *connection;
	struct strvec tables;
	struct schema_kv exclude;
	struct schema_kv may_differ;
	const char *same_as;
	struct schema_int jobs;
};

#define F(m) offsetof(struct fp_params, m)

static const struct schema_field f_pattern = {
	.type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY };
static const struct schema_field f_reason = {
	.type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	.help = "the reason, in words" };

static const struct schema_field fp_fields[] = {
	{ .key = "connection", .type = SCHEMA_CONN, .flags = SCHEMA_REQ,
	  .off = F(connection) },
	{ .key = "tables", .type = SCHEMA_LIST, .item = &f_pattern,
	  .off = F(tables),
	  .help = "table patterns such as posts, public.*, audit_* (default: "
		  "every user table)" },
	{ .key = "exclude", .type = SCHEMA_MAP, .item = &f_reason,
	  .off = F(exclude),
	  .help = "table patterns left out, each with its reason" },
	{ .key = "may_differ", .type = SCHEMA_MAP, .item = &f_reason,
	  .off = F(may_differ),
	  .help = "table patterns expected to differ, each with its reason" },
	{ .key = "same_as", .type = SCHEMA_STEPREF, .refkind = "fingerprint",
	  .off = F(same_as),
	  .help = "the id of an earlier fingerprint step this must match" },
	{ .key = "jobs", .type = SCHEMA_INT, .min = 1, .max = 64,
	  .off = F(jobs),
	  .help = "connections read in parallel (default: the CPUs)" },
	{ NULL },
};

static const struct schema fp_schema = {
	"fingerprint", fp_fields, sizeof(struct fp_params), 0, NULL };

static const struct schema_field step_fields[] = {
	{ .key = "fingerprint", .type = SCHEMA_OBJ, .obj = &fp_schema },
	{ NULL },
};

static const char *const selectors[] = { "fingerprint", NULL };

static int fp_check(struct drill_step_check *k)
{
	const struct fp_params *p = k->step->params;
	const struct ynode *n = k->node, *pn = ynode_get(n, "fingerprint");

	/* may_differ as written (even {}) needs the step it compares with. */
	if (ynode_get(pn, "may_differ") && !p->same_as)
		return schema_error_at(k->c, ynode_get(pn, "may_differ"),
				       "'may_differ' needs 'same_as': the "
				       "step it is compared with");
	/* It only reads, in any phase (the destroy phase marks all). */
	if (ynode_get(n, "destructive") && k->step->destructive)
		return schema_error_at(k->c, ynode_get(n, "destructive"), "a "
				       "fingerprint only reads: it is not "
				       "destructive");
	k->destructive = 0;
	return 0;
}

static void fp_describe(const struct drill_step *s, struct strbuf *out)
{
	const struct fp_params *p = s->params;
	size_t i;

	strbuf_addf(out, "[%s] fingerprint ", p->connection);
	if (!p->tables.nr)
		strbuf_adds(out, "every table");
	for (i = 0; i < p->tables.nr; i++)
		strbuf_addf(out, "%s%s", i ? ", " : "tables ", p->tables.v[i]);
	strbuf_adds(out, " (rows, contents, schema, sequences) at one "
		    "snapshot");
	if (p->exclude.keys.nr) {
		strbuf_adds(out, "; excluding ");
		for (i = 0; i < p->exclude.keys.nr; i++)
			strbuf_addf(out, "%s%s (%s)", i ? ", " : "",
				    p->exclude.keys.v[i], p->exclude.vals.v[i]);
	}
	if (p->same_as)
		strbuf_addf(out, "  => same as step %s", p->same_as);
	if (p->may_differ.keys.nr) {
		strbuf_adds(out, "; may differ: ");
		for (i = 0; i < p->may_differ.keys.nr; i++)
			strbuf_addf(out, "%s%s (%s)", i ? ", " : "",
				    p->may_differ.keys.v[i],
				    p->may_differ.vals.v[i]);
	}
}

static void fp_target(const struct drill *d, const struct drill_step *s,
		      struct strvec *lines)
{
	const struct fp_params *p = s->params;
	struct strbuf sb = STRBUF_INIT;

	plan_conn_target(d, p->connection, &sb);
	strvec_push(lines, sb.buf);
	strbuf_reset(&sb);
	strbuf_adds(&sb, "SQL, in one REPEATABLE READ, READ ONLY snapshot "
		    "shared by ");
	if (p->jobs.set)
		strbuf_addf(&sb, "%ld connection%s", p->jobs.v,
			    p->jobs.v == 1 ? "" : "s");
	else
		strbuf_adds(&sb, "one connection per CPU");
	strbuf_adds(&sb, ": the catalogs (tables and materialized views, "
		    "columns, constraints, indexes, partitions, sequences, enum "
		    "types), large objects' SHA-256, then COPY each table TO "
		    "STDOUT (large ones in block ranges, in parallel)");
	strvec_push(lines, sb.buf);
	strbuf_release(&sb);
}

#define PREFIX 12
#define SUMMARY_NAMES 5

/*
 * One row of the evidence's tables or sequences: a table or sequence of
 * this fingerprint (t, value), one only in the earlier one (gone), or
 * one this step excluded; how it compares (match, ok). Typed while the
 * step runs, JSON once at its end (rows_json).
 */
struct fp_row {
	char *name;
	const struct fp_table *t;       /* this fingerprint's table, or NULL */
	const char *value;              /* this fingerprint's sequence value */
	struct strbuf match;
	int ok, has_ok, excluded;
};

struct fp_rows {
	struct fp_row *v;
	size_t nr, alloc;
};

static struct fp_row *row_add(struct fp_rows *rows, const char *name,
			      const char *match)
{
	struct fp_row *r;

	XGROW(rows->v, rows->nr + 1, rows->alloc);
	r = &rows->v[rows->nr++];
	memset(r, 0, sizeof(*r));
	r->name = xstrdup(name);
	strbuf_init(&r->match, 0);
	strbuf_adds(&r->match, match);
	return r;
}

static void rows_release(struct fp_rows *rows)
{
	size_t i;

	for (i = 0; i < rows->nr; i++) {
		free(rows->v[i].name);
		strbuf_release(&rows->v[i].match);
	}
	free(rows->v);
	memset(rows, 0, sizeof(*rows));
}

/* The evidence's per-table rows, without comparison. */
static void table_rows(const struct fingerprint *fp, struct fp_rows *rows)
{
	size_t i;

	for (i = 0; i < fp->nr; i++) {
		struct fp_row *r = row_add(rows, fp->tables[i].name, "—");
		r->t = &fp->tables[i];
		r->ok = r->has_ok = 1;
	}
}

static void sequence_rows(const struct fingerprint *fp, struct fp_rows *rows)
{
	size_t i;

	for (i = 0; i < fp->nseq; i++)
		row_add(rows, fp->seqs[i].name, "—")->value = fp->seqs[i].value;
}

/* A table row as the journal has it. */
static json_t *table_json(const struct fp_row *r)
{
	json_t *o = json_object();
	char hex[FP_HEX_LEN + 1];

	json_object_set_new(o, "table", json_string(r->name));
	if (r->t) {
		json_object_set_new(o, "rows", json_integer(r->t->rows));
		fp_sum_hex(&r->t->sum, hex);
		json_object_set_new(o, "digest", json_string(hex));
		hex[PREFIX] = '\0';
		json_object_set_new(o, "digest_prefix", json_string(hex));
		fp_table_schema_hex(r->t, hex);
		hex[PREFIX] = '\0';
		json_object_set_new(o, "schema_prefix", json_string(hex));
	} else {
		json_object_set_new(o, "rows", json_string("—"));
		json_object_set_new(o, "digest_prefix", json_string("—"));
		json_object_set_new(o, "schema_prefix", json_string("—"));
	}
	json_object_set_new(o, "match", json_string(r->match.buf));
	json_object_set_new(o, "ok", json_boolean(r->ok));
	if (r->excluded)
		json_object_set_new(o, "excluded", json_true());
	return o;
}

static json_t *sequence_json(const struct fp_row *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "sequence", json_string(r->name));
	json_object_set_new(o, "value", json_string(r->value ? r->value : "—"));
	json_object_set_new(o, "match", json_string(r->match.buf));
	if (r->has_ok)
		json_object_set_new(o, "ok", json_boolean(r->ok));
	return o;
}

static json_t *rows_json(const struct fp_rows *rows, int sequences)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < rows->nr; i++)
		json_array_append_new(arr, sequences ? sequence_json(&rows->v[i]) :
				      table_json(&rows->v[i]));
	return arr;
}

static void add_excluded(struct step_ctx *sc, const struct fingerprint *fp,
			 struct fp_rows *tables, struct strbuf *summary)
{
	struct strbuf sb = STRBUF_INIT, what = STRBUF_INIT;
	size_t i;

	for (i = 0; i < fp->nexcl; i++) {
		struct fp_row *r;

		strbuf_reset(&sb);
		strbuf_addf(&sb, "excluded: %s", fp->excluded[i].reason);
		r = row_add(tables, fp->excluded[i].name, sb.buf);
		r->ok = r->has_ok = r->excluded = 1;
		strbuf_reset(&what);
		strbuf_addf(&what, "table %s excluded", fp->excluded[i].name);
		step_check(sc, what.buf, "declared in the drill",
			   sb.buf, 1);
		strbuf_addf(summary, "%s%s (%s)", i ? ", " : "; excluded: ",
			    fp->excluded[i].name, fp->excluded[i].reason);
	}
	strbuf_release(&sb);
	strbuf_release(&what);
}

static void describe_before(const struct fp_diff *d, struct strbuf *sb)
{
	char hex[FP_HEX_LEN + 1];

	strbuf_reset(sb);
	if (d->sequence) {
		strbuf_addf(sb, "%s", d->sbefore ? d->sbefore->value :
			    "(no such sequence)");
		return;
	}
	if (!d->before) {
		strbuf_adds(sb, "(no such table)");
		return;
	}
	fp_sum_hex(&d->before->sum, hex);
	hex[PREFIX] = '\0';
	strbuf_addf(sb, "%lld rows, digest %s", d->before->rows, hex);
}

/*
 * Compare with the earlier step's fingerprint: each difference is a
 * check (failing unless declared), the per-table rows say the match.
 */
static void compare(struct step_ctx *sc, const struct fp_params *p,
		    const struct fingerprint *before,
		    const struct fingerprint *now, struct fp_rows *tables,
		    struct fp_rows *seqs, struct strbuf *summary)
{
	struct fp_diff *diffs;
	struct strbuf text = STRBUF_INIT, exp = STRBUF_INIT, what = STRBUF_INIT,
		      names = STRBUF_INIT;
	size_t n, i, t = 0, sq = 0, bad = 0, declared = 0;
	long long rows = fingerprint_rows(now);

	fingerprint_compare(before, now, &p->may_differ, &diffs, &n);
	for (i = 0; i < n; i++) {
		const struct fp_diff *d = &diffs[i];
		struct fp_row *row = NULL;

		strbuf_reset(&text);
		fp_diff_text(d, &text);
		/* The rows of this fingerprint are in name order, as diffs. */
		if (!d->sequence && d->after) {
			while (t < now->nr && strcmp(now->tables[t].name, d->name))
				t++;
			row = t < tables->nr ? &tables->v[t] : NULL;
		} else if (d->sequence && d->safter) {
			while (sq < now->nseq && strcmp(now->seqs[sq].name, d->name))
				sq++;
			row = sq < seqs->nr ? &seqs->v[sq] : NULL;
		}
		if (d->what && d->expected) {
			strbuf_addf(&text, " (may differ: %s)", d->expected);
			declared++;
		} else if (d->what) {
			bad++;
			if (bad <= SUMMARY_NAMES)
				strbuf_addf(&names, "%s%s: %s",
					    bad > 1 ? "; " : "", d->name,
					    text.buf);
		}
		if (row) {
			strbuf_reset(&row->match);
			strbuf_add(&row->match, text.buf, text.len);
			row->ok = !d->what || d->expected;
			row->has_ok = 1;
		} else {
			/* Gone since: a row of its own, from the earlier one. */
			row = row_add(d->sequence ? seqs : tables, d->name,
				      text.buf);
			row->ok = d->expected != NULL;
			row->has_ok = 1;
		}
		if (!d->what)
			continue;
		strbuf_reset(&what);
		strbuf_addf(&what, "%s %s", d->sequence ? "sequence" : "table",
			    d->name);
		describe_before(d, &exp);
		step_check(sc, what.buf, exp.buf, text.buf, d->expected != NULL);
	}
	/* Read here, left out there: shown, not compared. */
	for (i = 0; i < before->nexcl; i++)
		for (t = 0; t < now->nr; t++)
			if (!strcmp(now->tables[t].name, before->excluded[i].name)) {
				struct fp_row *r = &tables->v[t];
				strbuf_reset(&r->match);
				strbuf_addf(&r->match, "not compared: excluded in "
					    "step %s (%s)", p->same_as,
					    before->excluded[i].reason);
			}
	strbuf_reset(&what);
	strbuf_reset(&exp);
	strbuf_reset(&text);
	strbuf_addf(&what, "same as step %s", p->same_as);
	strbuf_addf(&exp, "%zu tables, %lld rows, %zu sequence%s identical",
		    before->nr, fingerprint_rows(before), before->nseq,
		    before->nseq == 1 ? "" : "s");
	strbuf_addf(summary, "%zu tables, %lld rows: ", now->nr, rows);
	if (!bad) {
		strbuf_addf(&text, "identical to step %s", p->same_as);
		strbuf_adds(summary, text.buf);
	} else {
		strbuf_addf(&text, "%zu difference%s", bad, bad == 1 ? "" : "s");
		strbuf_addf(summary, "%zu difference%s from step %s (%s%s)",
			    bad, bad == 1 ? "" : "s", p->same_as, names.buf,
			    bad > SUMMARY_NAMES ? "; …" : "");
	}
	if (declared)
		strbuf_addf(summary, "; %zu declared to differ", declared);
	step_check(sc, what.buf, exp.buf, text.buf, !bad);
	free(diffs);
	strbuf_release(&text);
	strbuf_release(&exp);
	strbuf_release(&what);
	strbuf_release(&names);
}

/* One cell of the evidence file: the text escaped as the report's are. */
static void cell(struct strbuf *md, const char *s, int code)
{
	strbuf_adds(md, " ");
	if (code)
		markdown_code_span_cell(md, s, strlen(s));
	else
		markdown_escape_inline(md, s, strlen(s));
	strbuf_adds(md, " |");
}

/*
 * The per-table evidence as a file of the bundle, steps/NN-ID.tables.md:
 * every table (full digests) and sequence with its match, however many
 * the database holds; the report shows only what is not identical and
 * links this file. Named in the record with its SHA-256 ("tables_file"),
 * so verify re-hashes it like a step log; a write that fails is said
 * there and the report lists every table as before.
 */
static void write_tables_file(struct step_ctx *sc,
			      const struct fp_rows *tables,
			      const struct fp_rows *seqs)
{
	struct strbuf md = STRBUF_INIT, sb = STRBUF_INIT;
	char hex[FP_HEX_LEN + 1];
	size_t i;

	strbuf_addf(&md, "# Fingerprint of step %s\n\nEvery table and sequence "
		    "read at the step's snapshot, with its row count, the "
		    "SHA-256 digests of its contents and of its definition, "
		    "and how it compares. The report lists the ones that are "
		    "not identical.\n\n| Table | Rows | Contents digest | "
		    "Schema digest | Match |\n| --- | ---: | --- | --- | --- "
		    "|\n", sc->id ? sc->id : "");
	for (i = 0; i < tables->nr; i++) {
		const struct fp_row *r = &tables->v[i];
		strbuf_adds(&md, "|");
		cell(&md, r->name, 0);
		strbuf_reset(&sb);
		if (r->t)
			strbuf_addf(&sb, "%lld", r->t->rows);
		else
			strbuf_adds(&sb, "—");
		cell(&md, sb.buf, 0);
		/* The rows fpscan read: full digests. */
		if (r->t) {
			fp_sum_hex(&r->t->sum, hex);
			cell(&md, hex, 1);
			fp_table_schema_hex(r->t, hex);
			cell(&md, hex, 1);
		} else {
			cell(&md, "—", 1);
			cell(&md, "—", 1);
		}
		cell(&md, r->match.buf, 0);
		strbuf_adds(&md, "\n");
	}
	if (seqs->nr)
		strbuf_adds(&md, "\n| Sequence | Value | Match |\n"
			    "| --- | ---: | --- |\n");
	for (i = 0; i < seqs->nr; i++) {
		const struct fp_row *r = &seqs->v[i];
		strbuf_adds(&md, "|");
		cell(&md, r->name, 0);
		cell(&md, r->value ? r->value : "—", 0);
		cell(&md, r->match.buf, 0);
		strbuf_adds(&md, "\n");
	}
	step_keep_file(sc, "tables.md", "tables_file", &md);
	strbuf_release(&md);
	strbuf_release(&sb);
}

/* How many tables and sequences are identical to the earlier step's. */
static void count_identical(json_t *ev, const struct fp_rows *tables,
			    const struct fp_rows *seqs, size_t ntables,
			    size_t nseqs)
{
	const struct fp_rows *lists[2] = { tables, seqs };
	size_t same[2] = { 0, 0 }, i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < lists[k]->nr; i++)
			if (!strcmp(lists[k]->v[i].match.buf, "identical"))
				same[k]++;
	json_object_set_new(ev, "identical", json_pack("{s:I, s:I, s:I, s:I}",
		"tables", (json_int_t)same[0], "of_tables", (json_int_t)ntables,
		"sequences", (json_int_t)same[1], "of_sequences",
		(json_int_t)nseqs));
}

static int fp_run(struct step_ctx *sc, struct error *err)
{
	const struct fp_params *p = STEP_PARAMS(sc, struct fp_params);
	struct fingerprint fp = FINGERPRINT_INIT;
	struct fpscan_opts o;
	struct fpscan_stats st;
	struct strbuf summary = STRBUF_INIT, act = STRBUF_INIT;
	const struct runfacts_fp *prev = NULL;
	struct fp_rows tables = { NULL, 0, 0 }, seqs = { NULL, 0, 0 };
	json_t *ev;
	int ret = -1;

	memset(&st, 0, sizeof(st));
	strvec_init(&st.not_covered);
	sc->facts->fps_begun = 1;
	if (p->same_as) {
		prev = runfacts_fingerprint(sc->facts, p->same_as);
		if (!prev)
			return error_set(err, "same_as: step %s took no "
					 "fingerprint in this run", p->same_as);
		/* The interrupted run's, unreadable: what reading it said. */
		if (prev->bad)
			return error_set(err, "%s", prev->bad);
	}
	memset(&o, 0, sizeof(o));
	o.drill = sc->drill;
	o.connection = p->connection;
	o.jobs = p->jobs.set ? (int)p->jobs.v : 0;
	o.include = &p->tables;
	o.exclude = &p->exclude;
	o.cancel = sc->cancel;
	o.facts = sc->facts;
	o.secrets = sc->secrets;
	o.deadline_ms = sc->deadline.at_ms;
	ev = json_object();
	json_object_set_new(ev, "connection", json_string(p->connection));
	json_object_set_new(sc->rec, "evidence", ev);
	if (fpscan_run(&o, &fp, &st, err) < 0) {
		error_prefix(err, "fingerprint");
		goto out;
	}
	json_object_set_new(ev, "jobs", json_integer(st.jobs));
	if (st.refused)
		json_object_set_new(ev, "connections_refused", json_true());
	json_object_set_new(ev, "copies", json_integer(st.chunks));
	json_object_set_new(ev, "bytes", json_integer((json_int_t)st.bytes));
	json_object_set_new(ev, "scan_ms", json_integer(st.ms));
	json_object_set_new(ev, "server_version_num",
			    json_string(st.server_version));
	{
		/* What is not compared, named in the report (README: table). */
		json_t *nc = json_array();
		size_t k;

		for (k = 0; k < st.not_covered.nr; k++)
			json_array_append_new(nc, json_string(st.not_covered.v[k]));
		json_object_set_new(ev, "has_not_covered",
				    json_boolean(json_array_size(nc) > 0));
		json_object_set_new(ev, "not_covered", nc);
	}
	table_rows(&fp, &tables);
	sequence_rows(&fp, &seqs);
	/* Their place in the evidence now; their rows at the end. */
	json_object_set_new(ev, "tables", json_null());
	json_object_set_new(ev, "sequences", json_null());
	if (p->same_as) {
		json_object_set_new(ev, "same_as", json_string(p->same_as));
		compare(sc, p, &prev->fp, &fp, &tables, &seqs, &summary);
	} else {
		strbuf_addf(&summary, "%zu tables, %lld rows, %zu sequence%s "
			    "fingerprinted", fp.nr, fingerprint_rows(&fp),
			    fp.nseq, fp.nseq == 1 ? "" : "s");
		strbuf_addf(&act, "%zu tables, %lld rows", fp.nr,
			    fingerprint_rows(&fp));
		step_check(sc, "tables fingerprinted", "at least 1 table",
			   act.buf, fp.nr > 0);
	}
	add_excluded(sc, &fp, &tables, &summary);
	if (p->same_as)
		count_identical(ev, &tables, &seqs, fp.nr, fp.nseq);
	write_tables_file(sc, &tables, &seqs);
	json_object_set_new(ev, "tables", rows_json(&tables, 0));
	json_object_set_new(ev, "sequences", rows_json(&seqs, 1));
	json_object_set_new(ev, "has_tables",
			    json_boolean(tables.nr > 0));
	json_object_set_new(ev, "has_sequences",
			    json_boolean(seqs.nr > 0));
	json_object_set_new(ev, "summary", json_string(summary.buf));
	if (sc->step->id)
		runfacts_keep_fingerprint(sc->facts, sc->step->id, &fp);
	ret = 0;
out:
	strvec_clear(&st.not_covered);
	rows_release(&tables);
	rows_release(&seqs);
	fingerprint_release(&fp);
	strbuf_release(&summary);
	strbuf_release(&act);
	return ret;
}

static const struct words fp_words[] = {
	/* the target line */
	{ NULL, "SQL, in one REPEATABLE READ, READ ONLY snapshot shared by "
	  "{w}: the catalogs (tables and materialized views, columns, "
	  "constraints, indexes, partitions, sequences, enum types), large "
	  "objects' SHA-256, then COPY each table TO STDOUT (large ones in "
	  "block ranges, in parallel)",
	  "SQL，在一个 `REPEATABLE READ, READ ONLY` 快照上，由{w}共享：先读系统目录"
	  "（表与物化视图、列、约束、索引、分区、序列、枚举类型），再计算大对象的 "
	  "SHA-256，然后对每张表执行 `COPY ... TO STDOUT`（大表按块范围并行读取）" },
	{ NULL, "one connection per CPU", "每个 CPU 一个连接" },
	{ NULL, "1 connection", " 1 个连接" },
	{ NULL, "{n} connections", " {n} 个连接" },
	/* the description */
	{ NULL, "[{}] fingerprint every table (rows, contents, schema, "
	  "sequences) at one snapshot{w}",
	  "[{}] 在同一快照上对全部表做指纹（行数、内容、结构、序列）{w}" },
	{ NULL, "[{}] fingerprint every table (rows, contents, schema, "
	  "sequences) at one snapshot",
	  "[{}] 在同一快照上对全部表做指纹（行数、内容、结构、序列）" },
	{ NULL, "[{}] fingerprint tables {} (rows, contents, schema, "
	  "sequences) at one snapshot{w}",
	  "[{}] 在同一快照上对表 {} 做指纹（行数、内容、结构、序列）{w}" },
	{ NULL, "[{}] fingerprint tables {} (rows, contents, schema, "
	  "sequences) at one snapshot",
	  "[{}] 在同一快照上对表 {} 做指纹（行数、内容、结构、序列）" },
	{ NULL, "; excluding {}{w}", "；不含 {}{w}" },
	{ NULL, "; excluding {}", "；不含 {}" },
	{ NULL, "  => same as step {}{w}", "，应与步骤 {} 相同{w}" },
	{ NULL, "  => same as step {}", "，应与步骤 {} 相同" },
	{ NULL, "; may differ: {}", "；允许不同：{}" },
	/* the checks and the summary */
	{ NULL, "tables fingerprinted", "已做指纹的表" },
	{ NULL, "at least 1 table", "至少 1 张表" },
	{ NULL, "same as step {}", "与步骤 {} 相同" },
	{ NULL, "identical to step {}{w}", "与步骤 {} 一致{w}" },
	{ NULL, "identical to step {}", "与步骤 {} 一致" },
	{ NULL, "{n} tables, {n} rows", "{n} 张表，{n} 行" },
	{ NULL, "{n} tables, {n} rows, {n} sequence identical",
	  "{n} 张表，{n} 行，{n} 个序列，均一致" },
	{ NULL, "{n} tables, {n} rows, {n} sequences identical",
	  "{n} 张表，{n} 行，{n} 个序列，均一致" },
	{ NULL, "{n} tables, {n} rows, {n} sequence fingerprinted{w}",
	  "已对 {n} 张表、{n} 行、{n} 个序列做指纹{w}" },
	{ NULL, "{n} tables, {n} rows, {n} sequences fingerprinted{w}",
	  "已对 {n} 张表、{n} 行、{n} 个序列做指纹{w}" },
	{ NULL, "{n} tables, {n} rows, {n} sequence fingerprinted",
	  "已对 {n} 张表、{n} 行、{n} 个序列做指纹" },
	{ NULL, "{n} tables, {n} rows, {n} sequences fingerprinted",
	  "已对 {n} 张表、{n} 行、{n} 个序列做指纹" },
	{ NULL, "{n} tables, {n} rows: {w}", "{n} 张表，{n} 行：{w}" },
	{ NULL, "{n} difference", "{n} 处不同" },
	{ NULL, "{n} differences", "{n} 处不同" },
	{ NULL, "{n} difference from step {} ({}){w}",
	  "与步骤 {} 有 {n} 处不同（{}）{w}" },
	{ NULL, "{n} differences from step {} ({}){w}",
	  "与步骤 {} 有 {n} 处不同（{}）{w}" },
	{ NULL, "{n} difference from step {} ({})",
	  "与步骤 {} 有 {n} 处不同（{}）" },
	{ NULL, "{n} differences from step {} ({})",
	  "与步骤 {} 有 {n} 处不同（{}）" },
	{ NULL, "; {n} declared to differ{w}", "；{n} 处已声明允许不同{w}" },
	{ NULL, "; {n} declared to differ", "；{n} 处已声明允许不同" },
	{ NULL, "; excluded: {}", "；排除：{}" },
	{ NULL, "table {} excluded", "表 {} 已排除" },
	{ NULL, "declared in the drill", "演练文件中已声明" },
	{ NULL, "excluded: {}", "已排除：{}" },
	/* a table's or a sequence's comparison */
	{ NULL, "table {}", "表 {}" },
	{ NULL, "sequence {}", "序列 {}" },
	{ NULL, "—", "—" },
	{ NULL, "identical", "一致" },
	{ NULL, "table missing", "表缺失" },
	{ NULL, "sequence missing", "序列缺失" },
	{ NULL, "table missing (had {n} rows)", "表缺失（原有 {n} 行）" },
	{ NULL, "table not there before", "表原先不存在" },
	{ NULL, "sequence not there before", "序列原先不存在" },
	{ NULL, "value {} → {}", "值 {} → {}" },
	{ NULL, "rows {n} → {n}{w}", "行数 {n} → {n}{w}" },
	{ NULL, "rows {n} → {n}", "行数 {n} → {n}" },
	{ NULL, ", contents changed{w}", "，内容已变{w}" },
	{ NULL, ", contents changed", "，内容已变" },
	{ NULL, "contents changed{w}", "内容已变{w}" },
	{ NULL, "contents changed", "内容已变" },
	{ NULL, ", schema changed ({l})", "，结构已变（{l}）" },
	{ NULL, "schema changed ({l})", "结构已变（{l}）" },
	{ NULL, "columns", "列" },
	{ NULL, "constraints", "约束" },
	{ NULL, "indexes", "索引" },
	{ NULL, "{w} (may differ: {})", "{w}（允许不同：{}）" },
	{ NULL, "not compared: excluded in step {} ({})",
	  "未比对：在步骤 {} 中已排除（{}）" },
	{ NULL, "(never used)", "（从未使用）" },
	{ NULL, "(no such sequence)", "（无此序列）" },
	{ NULL, "(no such table)", "（无此表）" },
	{ NULL, "{n} rows, digest {}", "{n} 行，摘要 {}" },
	{ NULL, "{n} of {n} tables and {n} of {n} sequences identical to "
	  "step {}", "{2} 张表中 {1} 张、{4} 个序列中 {3} 个与步骤 {5} 一致" },
	{ "sequence {}", "{}", "{}" },
	/* fpscan.c: read_whole_db(), what the fingerprint does not compare */
	{ NULL, "{n} views: their definitions are not compared",
	  "{n} 个视图：其定义未比对" },
	{ NULL, "{n} partitioned tables: read through their partitions (each "
	  "partition's definition names its parent and bounds); the parent's "
	  "own definition is not compared",
	  "{n} 个分区表：经其分区读取（每个分区的定义写明其父表与边界）；父表自身的定义未比对" },
	{ NULL, "{n} foreign tables: not read", "{n} 个外部表：未读取" },
	{ NULL, "{n} functions and procedures: not compared",
	  "{n} 个函数与存储过程：未比对" },
	{ NULL, "{n} triggers: not compared", "{n} 个触发器：未比对" },
	{ NULL, "{n} row security policies: not compared",
	  "{n} 条行级安全策略：未比对" },
	{ NULL, "{n} domains and composite types: not compared",
	  "{n} 个域与复合类型：未比对" },
	{ NULL, "privileges, ownership, comments, extensions and roles: not "
	  "compared", "权限、属主、注释、扩展与角色：未比对" },
	{ NULL, "enum types and large objects: not read (tables: selects "
	  "tables)", "枚举类型与大对象：未读取（`tables:` 只选了部分表）" },
	{ NULL, "{n} large objects: not read ({n} not readable by this role: "
	  "not its own, and it is no superuser)",
	  "{n} 个大对象：未读取（{n} 个此角色不可读：不属于它，且它不是超级用户）" },
	{ NULL, "{n} large objects: not read (the server has no sha256(), "
	  "before PostgreSQL 11)",
	  "{n} 个大对象：未读取（服务器没有 `sha256()`，早于 PostgreSQL 11）" },
	WORDS_END
};

/*
 * What fp_view reads of its record (view_record): the rows the run wrote
 * (table_json and sequence_json above), the counts of the
 * identical ones, what was not compared, the summary, and the bundle's
 * file of every row ("tables_file"). A row's count and prefixes, and
 * what was not compared, are shown as recorded, whatever their JSON type
 * (text as text; the report always showed them so).
 */
struct fv_row {
	const char *table, *sequence;
	json_t *rows, *digest_prefix, *schema_prefix;  /* as recorded */
	const char *value, *match;
};

static const struct schema_field fv_row_fields[] = {
	{ .key = "table", .type = SCHEMA_STR,
	  .off = offsetof(struct fv_row, table) },
	{ .key = "sequence", .type = SCHEMA_STR,
	  .off = offsetof(struct fv_row, sequence) },
	/* A count, or text ("—"): as recorded. */
	{ .key = "rows", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct fv_row, rows) },
	{ .key = "digest_prefix", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct fv_row, digest_prefix) },
	{ .key = "schema_prefix", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct fv_row, schema_prefix) },
	{ .key = "value", .type = SCHEMA_STR,
	  .off = offsetof(struct fv_row, value) },
	{ .key = "match", .type = SCHEMA_STR,
	  .off = offsetof(struct fv_row, match) },
	{ .key = NULL },
};
static const struct schema fv_row_schema = {
	.what = "row", .fields = fv_row_fields, .size = sizeof(struct fv_row),
};

struct fv_identical {
	struct schema_int tables, of_tables, sequences, of_sequences;
};

#define FV_INT(k, m) { .key = k, .type = SCHEMA_INT, \
	.off = offsetof(struct fv_identical, m) }
static const struct schema_field fv_identical_fields[] = {
	FV_INT("tables", tables),
	FV_INT("of_tables", of_tables),
	FV_INT("sequences", sequences),
	FV_INT("of_sequences", of_sequences),
	{ .key = NULL },
};
#undef FV_INT
static const struct schema fv_identical_schema = {
	.what = "identical", .fields = fv_identical_fields,
	.size = sizeof(struct fv_identical),
};

struct fv_evidence {
	struct fv_row *rows[2];         /* tables, sequences */
	size_t nrows[2];
	struct fv_identical *identical;
	const char *same_as, *summary;
	json_t *not_covered;            /* as recorded, NULL: none */
};

static const struct schema_field fv_row_item = { .type = SCHEMA_OBJ,
	.obj = &fv_row_schema };

static const struct schema_field fv_evidence_fields[] = {
	{ .key = "tables", .type = SCHEMA_LIST, .item = &fv_row_item,
	  .off = offsetof(struct fv_evidence, rows[0]),
	  .off2 = offsetof(struct fv_evidence, nrows[0]) },
	{ .key = "sequences", .type = SCHEMA_LIST, .item = &fv_row_item,
	  .off = offsetof(struct fv_evidence, rows[1]),
	  .off2 = offsetof(struct fv_evidence, nrows[1]) },
	{ .key = "identical", .type = SCHEMA_OBJ, .obj = &fv_identical_schema,
	  .off = offsetof(struct fv_evidence, identical) },
	{ .key = "same_as", .type = SCHEMA_STR,
	  .off = offsetof(struct fv_evidence, same_as) },
	{ .key = "summary", .type = SCHEMA_STR,
	  .off = offsetof(struct fv_evidence, summary) },
	{ .key = "not_covered", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct fv_evidence, not_covered) },
	{ .key = NULL },
};
static const struct schema fv_evidence_schema = {
	.what = "evidence", .fields = fv_evidence_fields,
	.size = sizeof(struct fv_evidence),
};

struct fv_file {
	const char *path;
};

static const struct schema_field fv_file_fields[] = {
	{ .key = "path", .type = SCHEMA_STR,
	  .off = offsetof(struct fv_file, path) },
	{ .key = NULL },
};
static const struct schema fv_file_schema = {
	.what = "tables_file", .fields = fv_file_fields,
	.size = sizeof(struct fv_file),
};

struct fv_view {
	struct fv_evidence *evidence;
	struct fv_file *tables_file;
};

static const struct schema_field fv_view_fields[] = {
	{ .key = "evidence", .type = SCHEMA_OBJ, .obj = &fv_evidence_schema,
	  .off = offsetof(struct fv_view, evidence) },
	{ .key = "tables_file", .type = SCHEMA_OBJ, .obj = &fv_file_schema,
	  .off = offsetof(struct fv_view, tables_file) },
	{ .key = NULL },
};
static const struct schema fv_view_schema = {
	.what = "fingerprint record", .fields = fv_view_fields,
	.size = sizeof(struct fv_view),
};

static const char *fv_str(const char *s)
{
	return s ? s : "";
}

/* A table's or sequence's row, its name and values kept, its words said. */
/* A member of a row as recorded: text as data, other JSON as it is. */
static void fv_data(json_t *o, const char *k, json_t *v)
{
	if (json_is_string(v))
		report_view_data(o, k, json_string_value(v));
	else if (v)
		json_object_set(o, k, v);
}

static json_t *fp_row(const struct fv_row *r, int seq, int lang)
{
	static const struct words *const tables[] = { fp_words, words_common,
		NULL };
	json_t *o = json_object();
	struct strbuf sb = STRBUF_INIT;

	if (seq)
		report_view_data(o, "sequence", r->sequence);
	else
		report_view_data(o, "table", r->table);
	fv_data(o, "rows", r->rows);
	fv_data(o, "digest_prefix", r->digest_prefix);
	fv_data(o, "schema_prefix", r->schema_prefix);
	if (r->value) {
		words_say(tables, lang, "sequence {}", r->value, &sb);
		report_view_str(o, "value", sb.buf);
		strbuf_reset(&sb);
	}
	words_say(tables, lang, NULL, fv_str(r->match), &sb);
	report_view_str(o, "match", sb.buf);
	strbuf_release(&sb);
	return o;
}

/* What the fingerprint did not compare, said in the report's language. */
static void fp_not_covered(const struct step_view *v,
			   const struct fv_evidence *ev)
{
	static const struct words *const tables[] = { fp_words, words_common,
		NULL };
	json_t *out = json_array(), *t;
	size_t i;

	/* Each item its line, one that is not text an empty one. */
	json_array_foreach(ev ? ev->not_covered : NULL, i, t) {
		struct strbuf sb = STRBUF_INIT;

		words_say(tables, v->lang, NULL, json_string_value(t), &sb);
		json_array_append_new(out, json_string(sb.buf));
		strbuf_release(&sb);
	}
	json_object_set_new(v->vs, "fp_not_covered", out);
}

/*
 * A row the report leaves to the evidence file: identical to the earlier
 * step's, or (no comparison) merely read. Differences, declared ones,
 * exclusions and tables not compared stay in the report, every one.
 */
static int row_plain(const struct fv_row *r)
{
	const char *m = fv_str(r->match);

	return !strcmp(m, "identical") || !strcmp(m, "—");
}

static long long fv_int(const struct schema_int *n)
{
	return n->set ? (long long)n->v : 0;
}

/* "108 of 110 tables and 3 of 3 sequences identical to step fp-before". */
static void fp_counts(const struct step_view *v, const struct fv_evidence *ev)
{
	static const struct words *const tables[] = { fp_words, words_common,
		NULL };
	const struct fv_identical *id = ev ? ev->identical : NULL;
	struct strbuf en = STRBUF_INIT, sb = STRBUF_INIT;

	if (!id || !ev->same_as)
		return;
	strbuf_addf(&en, "%lld of %lld tables and %lld of %lld sequences "
		    "identical to step %s", fv_int(&id->tables),
		    fv_int(&id->of_tables), fv_int(&id->sequences),
		    fv_int(&id->of_sequences), ev->same_as);
	words_say(tables, v->lang, NULL, en.buf, &sb);
	report_view_str(v->vs, "fp_counts", sb.buf);
	strbuf_release(&en);
	strbuf_release(&sb);
}

/*
 * The fingerprint's tables and sequences, as the partial shows them:
 * when the run kept them in a file of the bundle ("tables_file"), only
 * the rows that are not identical, the counts of those that are, and a
 * link to the file, so the report does not grow with the database; a
 * bundle without the file (older, or its write failed) lists them all.
 */
static void fp_view(const struct step_view *v)
{
	const struct fv_view *vr = v->vr;
	const struct fv_evidence *ev = vr ? vr->evidence : NULL;
	const char *path = vr && vr->tables_file ? vr->tables_file->path : NULL;
	static const char *const lists[] = { "tables", "sequences" };
	size_t i, j;

	for (i = 0; i < 2; i++) {
		json_t *out = json_array();
		char key[32];

		for (j = 0; ev && j < ev->nrows[i]; j++)
			if (!path || !row_plain(&ev->rows[i][j]))
				json_array_append_new(out, fp_row(
					&ev->rows[i][j], (int)i, v->lang));
		snprintf(key, sizeof(key), "fp_has_%s", lists[i]);
		json_object_set_new(v->vs, key,
				    json_boolean(json_array_size(out) > 0));
		snprintf(key, sizeof(key), "fp_%s", lists[i]);
		json_object_set_new(v->vs, key, out);
	}
	if (path) {
		struct strbuf href = STRBUF_INIT;

		json_object_set_new(v->vs, "fp_listed", json_true());
		report_view_data(v->vs, "fp_file_path", path);
		markdown_link_dest(&href, path);
		report_view_data(v->vs, "fp_file_href", href.buf);
		strbuf_release(&href);
		fp_counts(v, ev);
	}
	fp_not_covered(v, ev);
	if (ev && ev->summary) {
		static const struct words *const tables[] = { fp_words,
			words_common, NULL };
		struct strbuf sb = STRBUF_INIT;
		words_say(tables, v->lang, NULL, ev->summary, &sb);
		report_view_str(v->vs, "fp_summary", sb.buf);
		strbuf_release(&sb);
	}
}

const struct step_kind step_kind_fingerprint = {
	.name = "fingerprint",
	.selectors = selectors,
	.noun = "fingerprint steps",
	.fields = step_fields,
	.params = &fp_schema,
	.params_key = "fingerprint",
	.check = fp_check,
	.describe = fp_describe,
	.view = fp_view,
	.view_record = &fv_view_schema,
	.words = fp_words,
	.target = fp_target,
	.run = fp_run,
};

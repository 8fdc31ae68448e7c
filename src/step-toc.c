#include "archproof.h"
#include "error.h"
#include "exec.h"
#include "drill.h"
#include "pg.h"
#include "runfacts.h"
#include "schema.h"
#include "preflight.h"
#include "plan.h"
#include "journal.h"
#include "step.h"
#include "words.h"
#include "report.h"
#include "strbuf.h"
#include "toc.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

/*
 * The seed's "pg_restore -l | head" (dump not empty, TOC normal, dump
 * and server versions match), made into proof. A listed TOC is not a
 * complete dump (REFERENCE.md): a dump cut after its TOC lists fine. So
 * the archive is read here natively, every data block walked to its end,
 * and then every data stream decompressed to its end on every core
 * (archproof.h; this replaced `pg_restore -f /dev/null`, which did the
 * same decompression on one core). All of this happens before the
 * destroy phase may start.
 */

static int run_pg_restore(struct step_ctx *sc, const char *prog,
			  const char *const *args, const char *out_path,
			  struct exec_result *res, struct error *err)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	int ret;

	strvec_push(&cmd.argv, prog);
	strvec_pushv(&cmd.argv, args);
	cmd.stdout_path = out_path;
	cmd.stderr_path = NULL;
	step_exec_prepare(sc, &cmd);
	ret = exec_run(&cmd, res, err);
	exec_cmd_release(&cmd);
	return ret;
}

static void prove(struct step_ctx *sc, const char *dump, const struct toc *t)
{
	struct archproof ap;
	struct error perr = ERROR_INIT;
	struct strbuf act = STRBUF_INIT;
	int ok = archproof_run(dump, t, 0, sc->cancel,
				(unsigned)(sc->step->timeout_s > 0 ?
					    sc->step->timeout_s : 0),
			       &ap, &perr) == 0;

	if (ok)
		strbuf_addf(&act, "yes: %zu %s streams, %llu bytes to %llu, "
			    "%d threads", ap.streams, t->compression,
			    (unsigned long long)ap.bytes_in,
			    (unsigned long long)ap.bytes_out, ap.threads);
	else
		strbuf_addf(&act, "no: %s", perr.msg.buf);
	step_check(sc, "every data stream decompresses to its end",
		   "every stream ends where its chunks end", act.buf, ok);
	strbuf_release(&act);
	error_release(&perr);
}

static json_t *toc_evidence(const struct toc *t)
{
	json_t *ev = json_object(), *types = json_array();
	struct toc_type_count *counts = NULL;
	size_t i, n = toc_count_by_type(t, 0, &counts);
	char buf[64];

	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "desc", json_string(counts[i].desc));
		json_object_set_new(o, "count", json_integer((json_int_t)counts[i].count));
		json_array_append_new(types, o);
	}
	free(counts);
	json_object_set_new(ev, "by_type", types);
	json_object_set_new(ev, "entries", json_integer((json_int_t)t->entries_total));
	json_object_set_new(ev, "entries_listed",
			    json_integer((json_int_t)t->entries_listed));
	snprintf(buf, sizeof(buf), "%d.%d-%d", t->vmaj, t->vmin, t->vrev);
	json_object_set_new(ev, "archive_version", json_string(buf));
	json_object_set_new(ev, "format", json_string(toc_format_name(t->format)));
	if (t->compression)
		json_object_set_new(ev, "compression", json_string(t->compression));
	if (t->created)
		json_object_set_new(ev, "created", json_string(t->created));
	if (t->dbname)
		json_object_set_new(ev, "dbname", json_string(t->dbname));
	if (t->server_version)
		json_object_set_new(ev, "dumped_from", json_string(t->server_version));
	if (t->dump_version)
		json_object_set_new(ev, "dumped_by", json_string(t->dump_version));
	json_object_set_new(ev, "data_blocks", json_integer((json_int_t)t->data_blocks));
	json_object_set_new(ev, "file_size", json_integer((json_int_t)t->file_size));
	return ev;
}

struct toc_params {
	const char *dump;
	const char *connection;
	struct schema_int min_entries;
	const char *pg_restore;
	const char *dbname;
	struct schema_int server_major;
};

#define F(m) offsetof(struct toc_params, m)

static const struct schema_field toc_fields[] = {
	{ .key = "dump", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(dump) },
	{ .key = "connection", .type = SCHEMA_CONN, .off = F(connection),
	  .help = "a connection whose server version the dump must match" },
	{ .key = "min_entries", .type = SCHEMA_INT, .min = 1, .max = 100000000,
	  .off = F(min_entries) },
	{ .key = "pg_restore", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(pg_restore),
	  .help = "the pg_restore program (default: pg_restore on PATH)" },
	{ .key = "dbname", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(dbname),
	  .help = "the database the dump must be of (default: the "
		  "connection's dbname)" },
	{ .key = "server_major", .type = SCHEMA_INT, .min = 7, .max = 10000,
	  .off = F(server_major),
	  .help = "the major version of the server the dump must come from, "
		  "e.g. 15" },
	{ NULL },
};

static const struct schema toc_schema = {
	"toc", toc_fields, sizeof(struct toc_params), 0, NULL };

static const struct schema_field step_fields[] = {
	{ .key = "toc", .type = SCHEMA_OBJ, .obj = &toc_schema },
	{ NULL },
};

static const char *const selectors[] = { "toc", NULL };

static void toc_describe(const struct drill_step *s, struct strbuf *out)
{
	const struct toc_params *p = s->params;

	strbuf_addf(out, "read the whole archive %s: TOC entries, versions",
		    p->dump);
	if (p->connection)
		strbuf_addf(out, " (vs server of '%s')", p->connection);
	if (p->dbname)
		strbuf_addf(out, "; of database %s", p->dbname);
	else if (p->connection)
		strbuf_addf(out, "; a dump of the database of '%s'", p->connection);
	if (p->server_major.set)
		strbuf_addf(out, "; from a server of major version %ld",
			    p->server_major.v);
}

/* 2. What pg_restore lists, kept in the bundle, against the archive. */
static int stage_listing(struct step_ctx *sc, const char *prog,
			 const char *dump, const struct toc *t, json_t *ev,
			 struct error *err)
{
	struct toc listing = TOC_INIT;
	struct error terr = ERROR_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct strbuf rel = STRBUF_INIT, abs = STRBUF_INIT, sb = STRBUF_INIT,
		      act = STRBUF_INIT;
	const char *args[] = { "-l", dump, NULL };
	int ret = -1;

	step_log_path(sc, "toc.txt", &rel, &abs);
	if (run_pg_restore(sc, prog, args, abs.buf, &res, err) < 0)
		goto out;
	json_object_set_new(ev, "listing", json_string(rel.buf));
	if (res.out_sha256[0]) {
		/* Like a command's logs: verify re-hashes the listing. */
		json_t *lo = json_object();

		json_object_set_new(lo, "path", json_string(rel.buf));
		json_object_set_new(lo, "bytes",
				    json_integer((json_int_t)res.out_bytes));
		json_object_set_new(lo, "sha256", json_string(res.out_sha256));
		json_object_set_new(sc->rec, "listing", lo);
	}
	if (res.exit_code == 0 && strbuf_read_file(&sb, abs.buf, 64u << 20) == 0 &&
	    toc_parse_listing(sb.buf, sb.len, &listing, &terr) == 0)
		strbuf_addf(&act, "exit 0, %zu entries", listing.entries_total);
	else
		strbuf_addf(&act, "exit %d%s%s", res.exit_code,
			    terr.msg.len ? ": " : "", terr.msg.buf);
	step_check(sc, "pg_restore -l lists the TOC",
		   "exit 0, same entry count as the archive", act.buf,
		   res.exit_code == 0 && listing.entries_total == t->entries_total);
	ret = 0;
out:
	toc_release(&listing);
	error_release(&terr);
	exec_result_release(&res);
	strbuf_release(&rel);
	strbuf_release(&abs);
	strbuf_release(&sb);
	strbuf_release(&act);
	return ret;
}

/* 4-6. Enough entries, the drill's database, the expected major version. */
static void stage_expected(struct step_ctx *sc, const struct toc_params *p,
			   const struct toc *t)
{
	long min = p->min_entries.set ? p->min_entries.v : 0;
	const struct drill_conn *dc = p->connection ?
		drill_conn(sc->drill, p->connection) : NULL;
	const char *want = p->dbname ? p->dbname : dc ? dc->dbname : NULL;
	struct strbuf sb = STRBUF_INIT, act = STRBUF_INIT;

	if (min) {
		strbuf_addf(&sb, ">= %ld", min);
		strbuf_addf(&act, "%zu", t->entries_total);
		step_check(sc, "TOC entries", sb.buf, act.buf,
			   t->entries_total >= (size_t)min);
	}
	if (want)
		step_check(sc, "dump's database", want,
			   t->dbname ? t->dbname : "(none)",
			   t->dbname && !strcmp(t->dbname, want));
	if (p->server_major.set) {
		int got = toc_major_version(t->server_version ?
					    t->server_version : "");
		strbuf_reset(&sb);
		strbuf_reset(&act);
		strbuf_addf(&sb, "%ld", p->server_major.v);
		strbuf_addf(&act, "%d (%s)", got, t->server_version ?
			    t->server_version : "no version");
		step_check(sc, "dumped from server major version", sb.buf,
			   got >= 0 ? act.buf : "unknown", got == p->server_major.v);
	}
	strbuf_release(&sb);
	strbuf_release(&act);
}

/* 7. Dumped from the same major version as the live server. */
static int stage_server(struct step_ctx *sc, const char *conn,
			const struct toc *t, json_t *tj, struct error *err)
{
	struct pg_deadline dl;
	struct strbuf act = STRBUF_INIT;
	PGconn *c;
	char *ver;

	/* The step's timeout covers the pg_restore runs and this check. */
	pg_deadline_from(&dl, &sc->deadline, sc->cancel);
	c = runfacts_connect(sc->facts, sc->drill, conn, sc->secrets, &dl, err);
	if (!c)
		return -1;
	ver = pg_server_version(c, &dl, err);
	PQfinish(c);
	if (!ver)
		return -1;
	json_object_set_new(tj, "server_version", json_string(ver));
	strbuf_addf(&act, "dump %s, server %s", t->server_version ?
		    t->server_version : "?", ver);
	step_check(sc, "dump and server versions match", "same major version",
		   act.buf, toc_same_major(t->server_version ?
					   t->server_version : "", ver) == 1);
	free(ver);
	strbuf_release(&act);
	return 0;
}

static int toc_run(struct step_ctx *sc, struct error *err)
{
	const struct toc_params *p = STEP_PARAMS(sc, struct toc_params);
	json_t *ev = json_object(), *tj = NULL;
	const char *dump = p->dump;
	const char *prog = p->pg_restore ? p->pg_restore : "pg_restore";
	struct toc t = TOC_INIT;
	struct error terr = ERROR_INIT;
	struct strbuf act = STRBUF_INIT;
	int ret = -1, readable;

	json_object_set_new(sc->rec, "evidence", ev);

	/* 1. The archive itself: header, TOC, every data block. */
	readable = toc_read_archive(dump, &t, &terr) == 0 && t.data_complete;
	if (t.toc_complete) {
		tj = toc_evidence(&t);
		json_object_set_new(ev, "toc", tj);
	}
	if (readable)
		strbuf_addf(&act, "yes: %zu entries, %zu data blocks, %llu bytes",
			    t.entries_total, t.data_blocks,
			    (unsigned long long)t.file_size);
	else
		strbuf_addf(&act, "no: %s", terr.msg.buf);
	step_check(sc, "archive readable to its last data block",
		   "header, TOC and every data block complete", act.buf,
		   readable);
	if (tj)
		json_object_set_new(tj, "readable", json_string(readable ?
				    "yes" : "no"));
	if (!t.toc_complete) {
		json_object_set_new(sc->rec, "message", json_string(terr.msg.buf));
		ret = 0;
		goto out;
	}
	if (stage_listing(sc, prog, dump, &t, ev, err) < 0)
		goto out;
	/* 3. Every data stream decompressed to its end, on every core. */
	if (readable)
		prove(sc, dump, &t);
	else
		step_check(sc, "every data stream decompresses to its end",
			   "every stream ends where its chunks end",
			   "not tried: the archive is not readable", 0);
	stage_expected(sc, p, &t);
	if (p->connection && stage_server(sc, p->connection, &t, tj, err) < 0)
		goto out;
	ret = 0;
out:
	toc_release(&t);
	error_release(&terr);
	strbuf_release(&act);
	return ret;
}

static void toc_target(const struct drill *d, const struct drill_step *s,
		       struct strvec *lines)
{
	const struct toc_params *p = s->params;
	struct strbuf sb = STRBUF_INIT;

	if (!p->connection)
		return;
	plan_conn_target(d, p->connection, &sb);
	strvec_push(lines, sb.buf);
	strbuf_release(&sb);
}

static void toc_needs(const struct drill_step *s, struct step_needs *n)
{
	const struct toc_params *p = s->params;

	strvec_push_unique(&n->programs, p->pg_restore ? p->pg_restore :
			   "pg_restore");
}

/*
 * What toc_view reads of its record (view_record): the archive's
 * summary the run wrote (toc_evidence above). The counts are shown as
 * recorded, whatever their JSON type (the report always showed them so).
 */
struct tv_type {
	const char *desc;
	json_t *count;                  /* as recorded, NULL: none */
};

static const struct schema_field tv_type_fields[] = {
	{ .key = "desc", .type = SCHEMA_STR,
	  .off = offsetof(struct tv_type, desc) },
	{ .key = "count", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct tv_type, count) },
	{ .key = NULL },
};
static const struct schema tv_type_schema = {
	.what = "entry type", .fields = tv_type_fields,
	.size = sizeof(struct tv_type),
};

struct tv_toc {
	json_t *entries;                /* as recorded, NULL: none */
	const char *dumped_from, *dumped_by, *server_version, *archive_version;
	const char *readable;
	struct tv_type *by_type;
	size_t ntypes;
};

static const struct schema_field tv_type_item = { .type = SCHEMA_OBJ,
	.obj = &tv_type_schema };

static const struct schema_field tv_toc_fields[] = {
	{ .key = "entries", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct tv_toc, entries) },
	{ .key = "dumped_from", .type = SCHEMA_STR,
	  .off = offsetof(struct tv_toc, dumped_from) },
	{ .key = "dumped_by", .type = SCHEMA_STR,
	  .off = offsetof(struct tv_toc, dumped_by) },
	{ .key = "server_version", .type = SCHEMA_STR,
	  .off = offsetof(struct tv_toc, server_version) },
	{ .key = "archive_version", .type = SCHEMA_STR,
	  .off = offsetof(struct tv_toc, archive_version) },
	{ .key = "readable", .type = SCHEMA_STR,
	  .off = offsetof(struct tv_toc, readable) },
	{ .key = "by_type", .type = SCHEMA_LIST, .item = &tv_type_item,
	  .off = offsetof(struct tv_toc, by_type),
	  .off2 = offsetof(struct tv_toc, ntypes) },
	{ .key = NULL },
};
static const struct schema tv_toc_schema = {
	.what = "toc", .fields = tv_toc_fields, .size = sizeof(struct tv_toc),
};

struct tv_evidence {
	struct tv_toc *toc;
};

static const struct schema_field tv_evidence_fields[] = {
	{ .key = "toc", .type = SCHEMA_OBJ, .obj = &tv_toc_schema,
	  .off = offsetof(struct tv_evidence, toc) },
	{ .key = NULL },
};
static const struct schema tv_evidence_schema = {
	.what = "evidence", .fields = tv_evidence_fields,
	.size = sizeof(struct tv_evidence),
};

struct tv_view {
	struct tv_evidence *evidence;
};

static const struct schema_field tv_view_fields[] = {
	{ .key = "evidence", .type = SCHEMA_OBJ, .obj = &tv_evidence_schema,
	  .off = offsetof(struct tv_view, evidence) },
	{ .key = NULL },
};
static const struct schema tv_view_schema = {
	.what = "toc record", .fields = tv_view_fields,
	.size = sizeof(struct tv_view),
};

/* A count as the view shows it: as recorded (Mustache says it). */
static void tv_count(json_t *o, const char *k, json_t *n)
{
	if (n)
		json_object_set(o, k, n);
}

/*
 * The report's "tocs" section: each toc step's summary of the archive
 * (entries, versions, readable, entries by type).
 */
static void toc_view(const struct step_view *v)
{
	static const struct words *const tables[] = { words_common, NULL };
	const struct tv_view *vr = v->vr;
	const struct tv_toc *toc = vr && vr->evidence ? vr->evidence->toc : NULL;
	const char *const data[][2] = {
		{ "dumped_from", toc ? toc->dumped_from : NULL },
		{ "dumped_by", toc ? toc->dumped_by : NULL },
		{ "server_version", toc ? toc->server_version : NULL },
		{ "archive_version", toc ? toc->archive_version : NULL },
	};
	json_t *out, *o, *types;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!toc)
		return;
	out = json_object_get(v->report, "tocs");
	if (!out) {
		out = json_array();
		json_object_set_new(v->report, "tocs", out);
	}
	o = json_object();
	tv_count(o, "entries", toc->entries);
	for (i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		report_view_data(o, data[i][0], data[i][1]);
	words_say(tables, v->lang, NULL, toc->readable ? toc->readable : "",
		  &sb);
	report_view_str(o, "readable", sb.buf);
	types = json_array();
	for (i = 0; i < toc->ntypes; i++) {
		json_t *ty = json_object();
		report_view_data(ty, "desc", toc->by_type[i].desc);
		tv_count(ty, "count", toc->by_type[i].count);
		json_array_append_new(types, ty);
	}
	json_object_set_new(o, "by_type", types);
	json_array_append_new(out, o);
	strbuf_release(&sb);
}

static const struct words toc_words[] = {
	/* the description, in its parts */
	{ NULL, "read the whole archive {}: TOC entries, versions{w}",
	  "读取整个归档 {}：TOC 条目、版本{w}" },
	{ NULL, "read the whole archive {}: TOC entries, versions",
	  "读取整个归档 {}：TOC 条目、版本" },
	{ NULL, " (vs server of '{}'){w}", "（与 {} 的服务器对比）{w}" },
	{ NULL, " (vs server of '{}')", "（与 {} 的服务器对比）" },
	{ NULL, "; of database {}{w}", "；数据库 {}{w}" },
	{ NULL, "; of database {}", "；数据库 {}" },
	{ NULL, "; a dump of the database of '{}'{w}", "；应为 {} 的数据库的转储{w}" },
	{ NULL, "; a dump of the database of '{}'", "；应为 {} 的数据库的转储" },
	{ NULL, "; from a server of major version {n}", "；来源服务器主版本 {n}" },
	/* the checks */
	{ NULL, "archive readable to its last data block",
	  "归档可读至最后一个数据块" },
	{ NULL, "pg_restore -l lists the TOC", "`pg_restore -l` 列出 TOC" },
	{ NULL, "pg_restore -f /dev/null reads the whole archive",
	  "`pg_restore -f /dev/null` 读完整个归档" },
	{ NULL, "every data stream decompresses to its end",
	  "每个数据流都解压到其结尾" },
	{ NULL, "every stream ends where its chunks end",
	  "每个流都在其数据块结束处结束" },
	{ NULL, "yes: {n} {} streams, {n} bytes to {n}, {n} threads",
	  "是：{n} 个 {} 流，{n} 字节解压为 {n} 字节，{n} 个线程" },
	{ NULL, "not tried: the archive is not readable", "未尝试：归档不可读" },
	{ NULL, "TOC entries", "TOC 条目数" },
	{ NULL, "dump's database", "转储的数据库" },
	{ NULL, "dumped from server major version", "转储来源服务器主版本" },
	{ NULL, "dump and server versions match", "转储与服务器版本一致" },
	{ NULL, "header, TOC and every data block complete",
	  "文件头、TOC 与全部数据块完整" },
	{ NULL, "exit 0, same entry count as the archive",
	  "退出码 0，条目数与归档一致" },
	{ NULL, "same major version", "主版本相同" },
	{ NULL, "yes: {n} entries, {n} data blocks, {n} bytes",
	  "是：{n} 个条目，{n} 个数据块，{n} 字节" },
	{ NULL, "no: {}", "否：{}" },
	{ NULL, "exit 0, {n} entries", "退出码 0，{n} 个条目" },
	{ NULL, "exit {n}: {}", "退出码 {n}：{}" },
	{ NULL, "dump {}, server {}", "转储 {}，服务器 {}" },
	{ NULL, "{n} ({})", "{n}（{}）" },
	{ NULL, "unknown", "未知" },
	{ "TOC entries", "{n}", "{n}" },
	{ "dump's database", "{}", "{}" },
	WORDS_END
};

static const char *toc_proved_file(const struct drill_step *s)
{
	return ((const struct toc_params *)s->params)->dump;
}

const struct step_kind step_kind_toc = {
	.name = "toc",
	.selectors = selectors,
	.noun = "toc steps",
	.fields = step_fields,
	.params = &toc_schema,
	.params_key = "toc",
	.describe = toc_describe,
	.view = toc_view,
	.view_record = &tv_view_schema,
	.words = toc_words,
	.target = toc_target,
	.needs = toc_needs,
	.run = toc_run,
	.proved_file = toc_proved_file,
};

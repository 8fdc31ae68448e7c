/*
 * Unit tests of the small core: strbuf, strvec, shell quoting, ${var}
 * expansion and its quoting modes, the journal's hash chain, atomic
 * writes, the plan hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drill.h"
#include "error.h"
#include "expand.h"
#include "fsutil.h"
#include "journal.h"
#include "plan.h"
#include "schema.h"
#include "step.h"
#include "strbuf.h"
#include "strvec.h"
#include "ytree.h"

static char tmpdir[] = "/tmp/rdrill-test-core.XXXXXX";

static void test_strbuf(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *p;
	size_t len;

	(void)state;
	assert_non_null(sb.buf);
	assert_string_equal(sb.buf, "");
	strbuf_addf(&sb, "%d-%s", 42, "x");
	strbuf_add(&sb, "a\0b", 3);
	assert_int_equal(sb.len, 7);
	assert_memory_equal(sb.buf, "42-xa\0b", 7);
	strbuf_reset(&sb);
	for (int i = 0; i < 10000; i++)
		strbuf_addch(&sb, 'z');
	assert_int_equal(sb.len, 10000);
	strbuf_adds(&sb, "  \n");
	strbuf_rtrim(&sb);
	assert_int_equal(sb.len, 10000);
	p = strbuf_detach(&sb, &len);
	assert_int_equal(len, 10000);
	assert_string_equal(sb.buf, "");
	free(p);
	strbuf_release(&sb);
}

static void test_strvec(void **state)
{
	struct strvec sv = STRVEC_INIT;
	const char **v;

	(void)state;
	assert_null(sv.v[0]);
	strvec_push(&sv, "a");
	strvec_pushf(&sv, "b%d", 2);
	assert_int_equal(sv.nr, 2);
	assert_string_equal(sv.v[1], "b2");
	assert_null(sv.v[2]);
	strvec_pop(&sv);
	assert_int_equal(sv.nr, 1);
	v = strvec_detach(&sv);
	assert_string_equal(v[0], "a");
	assert_null(v[1]);
	free((char *)v[0]);
	free(v);
	strvec_clear(&sv);
}

static void shq(const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_add_shquoted(&sb, in);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void test_shquote(void **state)
{
	(void)state;
	shq("/data/backups/20260121", "/data/backups/20260121");
	shq("", "''");
	shq("a b", "'a b'");
	shq("it's", "'it'\\''s'");
	shq("$(rm -rf /)", "'$(rm -rf /)'");
	shq("x;y", "'x;y'");
	shq("*", "'*'");
	shq("=x", "'=x'");
}

/* Load a drill whose vars/title come from `yaml_tail`, return the body. */
static json_t *load_text(const char *text, json_t *overrides,
			 struct error *err)
{
	char path[256];
	FILE *f;
	struct drill_opts o = { overrides, 1768953600 }; /* 2026-01-21 */
	struct drill *d;
	json_t *body;

	snprintf(path, sizeof(path), "%s/d.yaml", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	setenv("TZ", "UTC", 1);
	d = drill_load(path, &o, err);
	if (!d)
		return NULL;
	body = json_incref(d->body);
	drill_free(d);
	return body;
}

#define HEAD "rdrill: 1\nid: t\ntitle: T\nsystem: s\nenvironment: test\n" \
	"objective: o\nbackup_set:\n  - {id: db, title: d, tier: 1, " \
	"kind: database, source: [x], artifact: y}\n"

static json_t *step1(json_t *body)
{
	return json_array_get(json_object_get(body, "steps"), 0);
}

static void test_expand_modes(void **state)
{
	struct error err = ERROR_INIT;
	json_t *body, *s;

	(void)state;
	body = load_text(HEAD
		"vars:\n  dir: \"/data/it's here\"\n  q: \"a'b\"\n"
		"phases:\n  backup:\n"
		"    - id: a\n      run: [ls, \"${dir}/${date}\"]\n"
		"    - id: b\n      shell: ls ${dir}/x* $HOME $${literal}\n"
		"  verify_backup:\n"
		"    - id: c\n      sql: {connection: c, query: \"SELECT ${q}\"}\n"
		"connections:\n  c: {dbname: x}\n", NULL, &err);
	if (!body)
		fail_msg("%s", err.msg.buf);
	s = step1(body);
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(s, "run"), 1)), "/data/it's here/20260121");
	assert_string_equal(json_string_value(json_object_get(s, "display")),
			    "ls '/data/it'\\''s here/20260121'");
	s = json_array_get(json_object_get(body, "steps"), 1);
	assert_string_equal(json_string_value(json_object_get(s, "shell")),
			    "ls '/data/it'\\''s here'/x* $HOME ${literal}");
	s = json_array_get(json_object_get(body, "steps"), 2);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(s, "sql"), "query")), "SELECT 'a''b'");
	/* Only variables the plan uses are in it: date yes, time no. */
	assert_non_null(json_object_get(json_object_get(body, "vars"), "date"));
	assert_null(json_object_get(json_object_get(body, "vars"), "time"));
	json_decref(body);
	error_release(&err);
}

static void test_overrides(void **state)
{
	struct error err = ERROR_INIT;
	json_t *ov = json_object(), *body;

	(void)state;
	json_object_set_new(ov, "dir", json_string("/mnt/$(x)"));
	json_object_set_new(ov, "date", json_string("19990101"));
	body = load_text(HEAD "vars:\n  dir: /data\n  sub: ${dir}/${date}\n"
			 "phases:\n  backup:\n    - id: a\n      run: [ls, "
			 "\"${sub}\"]\n", ov, &err);
	if (!body)
		fail_msg("%s", err.msg.buf);
	/* An override is a literal value: no expansion inside it. */
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(step1(body), "run"), 1)), "/mnt/$(x)/19990101");
	json_decref(body);
	json_object_clear(ov);
	json_object_set_new(ov, "nosuch", json_string("1"));
	body = load_text(HEAD "phases:\n  backup:\n    - id: a\n      run: "
			 "[ls]\n", ov, &err);
	assert_null(body);
	assert_non_null(strstr(err.msg.buf, "--var nosuch"));
	json_decref(ov);
	error_release(&err);
}

static void test_undefined_position(void **state)
{
	struct error err = ERROR_INIT;
	json_t *body;

	(void)state;
	body = load_text(HEAD "phases:\n  backup:\n    - id: a\n      shell: |\n"
			 "        echo ok\n        echo ${nope}\n", NULL, &err);
	assert_null(body);
	/* Block scalar: line 14, after 8 spaces of indent and "echo ". */
	if (!strstr(err.msg.buf, "d.yaml:14:14: undefined variable ${nope}"))
		fail_msg("%s", err.msg.buf);
	assert_non_null(strstr(err.msg.buf, "d.yaml:14:14: undefined variable "
			       "${nope}"));
	error_release(&err);
}

static void test_plan_hash_stable(void **state)
{
	struct error err = ERROR_INIT;
	json_t *a, *b;
	char ha[65], hb[65];

	(void)state;
	a = load_text(HEAD "phases:\n  backup:\n    - {id: a, run: [ls]}\n",
		      NULL, &err);
	b = load_text("# a comment changes the file, not the plan\n" HEAD
		      "phases:\n  backup:\n    - id: a\n      run: [ls]\n",
		      NULL, &err);
	assert_non_null(a);
	assert_non_null(b);
	plan_hash(a, ha);
	plan_hash(b, hb);
	assert_string_equal(ha, hb);
	json_object_set_new(step1(b), "id", json_string("b"));
	plan_hash(b, hb);
	assert_string_not_equal(ha, hb);
	json_decref(a);
	json_decref(b);
	error_release(&err);
}

static void test_journal_chain(void **state)
{
	struct error err = ERROR_INIT;
	char path[256];
	struct journal *j;
	json_t *r;
	int torn = -1;
	FILE *f;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	snprintf(path, sizeof(path), "%s/journal.jsonl", tmpdir);
	unlink(path);
	j = journal_create(path, &err);
	assert_non_null(j);
	assert_null(journal_create(path, &err)); /* never overwritten */
	for (int i = 0; i < 3; i++) {
		r = json_pack("{s:s, s:i}", "type", i ? "step" : "start", "n", i);
		assert_int_equal(journal_append(j, r, &err), 0);
		json_decref(r);
	}
	journal_free(j);
	assert_int_equal(journal_verify(path, &torn, &err), 0);
	assert_int_equal(torn, 0);
	r = journal_read(path, &torn, &err);
	assert_int_equal(json_array_size(r), 3);
	json_decref(r);

	/* A torn last line (killed mid-write) is dropped, not fatal. */
	f = fopen(path, "a");
	fputs("{\"type\":\"step\",\"n\":", f);
	fclose(f);
	r = journal_read(path, &torn, &err);
	assert_int_equal(torn, 1);
	assert_int_equal(json_array_size(r), 3);
	json_decref(r);
	assert_int_equal(journal_verify(path, &torn, &err), 0);

	/* Change one byte of line 2: line 3's prev no longer matches. */
	assert_int_equal(strbuf_read_file(&sb, path, 0), 0);
	strstr(sb.buf, "\"n\":1")[4] = '7';
	f = fopen(path, "w");
	fwrite(sb.buf, 1, sb.len, f);
	fclose(f);
	assert_int_equal(journal_verify(path, NULL, &err), -1);
	if (!strstr(err.msg.buf, ":3: hash chain broken"))
		fail_msg("%s", err.msg.buf);
	strbuf_release(&sb);
	error_release(&err);
}

/* No line over JOURNAL_LINE_MAX is written, and a longer one is damage. */
static void test_journal_line_cap(void **state)
{
	struct error err = ERROR_INIT;
	struct journal_stat js;
	char path[256];
	struct journal *j;
	json_t *r;
	char *big;
	FILE *f;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/journal-cap.jsonl", tmpdir);
	unlink(path);
	j = journal_create(path, &err);
	assert_non_null(j);
	r = json_pack("{s:s}", "type", "start");
	assert_int_equal(journal_append(j, r, &err), 0);
	json_decref(r);
	big = malloc(JOURNAL_LINE_MAX + 1);
	memset(big, 'x', JOURNAL_LINE_MAX);
	big[JOURNAL_LINE_MAX] = '\0';
	r = json_pack("{s:s, s:s}", "type", "step", "big", big);
	assert_int_equal(journal_append(j, r, &err), -1);
	assert_non_null(strstr(err.msg.buf, "a journal line may hold"));
	json_decref(r);
	/* Refused whole: the chain goes on from the last record. */
	r = json_pack("{s:s}", "type", "end");
	assert_int_equal(journal_append(j, r, &err), 0);
	json_decref(r);
	journal_free(j);
	assert_int_equal(journal_verify(path, NULL, &err), 0);

	/* A line of 3 MiB (not written by rdrill): named, not "too large". */
	f = fopen(path, "a");
	for (i = 0; i < 3; i++)
		fwrite(big, 1, JOURNAL_LINE_MAX, f);
	fputs("\n{\"type\":\"end\"}\n", f);
	fclose(f);
	error_release(&err);
	error_init(&err);
	assert_null(journal_read(path, NULL, &err));
	if (!strstr(err.msg.buf, ":3: record 2 is 3145728 bytes, over the"))
		fail_msg("%s", err.msg.buf);
	assert_int_equal(journal_stat(path, &js, &err), 0);
	assert_int_equal(js.records, 4);
	assert_int_equal(js.torn, 0);
	free(big);
	error_release(&err);
}

static void test_atomic_write(void **state)
{
	struct error err = ERROR_INIT;
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	struct stat st;

	(void)state;
	strbuf_addf(&path, "%s/report.md", tmpdir);
	assert_int_equal(fs_write_atomic(path.buf, "one", 3, &err), 0);
	assert_int_equal(fs_write_atomic(path.buf, "two!", 4, &err), 0);
	assert_int_equal(strbuf_read_file(&sb, path.buf, 0), 0);
	assert_string_equal(sb.buf, "two!");
	assert_int_equal(stat(path.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/no/such/dir/x", tmpdir);
	assert_int_equal(fs_write_atomic(path.buf, "x", 1, &err), -1);
	assert_non_null(strstr(err.msg.buf, "cannot create a temporary file"));
	strbuf_release(&sb);
	strbuf_release(&path);
	error_release(&err);
}


/* ---- the typed model ---------------------------------------------------- */

static struct drill *load_model(const char *text, struct error *err)
{
	json_t *body = load_text(text, NULL, err);
	struct drill *d;

	if (!body)
		fail_msg("%s", err->msg.buf);
	d = drill_from_body(body, err);
	json_decref(body);
	if (!d)
		fail_msg("%s", err->msg.buf);
	return d;
}

static void test_model_fields(void **state)
{
	struct error err = ERROR_INIT;
	struct drill *d;
	(void)state;

	d = load_model(HEAD "targets: {rto: 15m}\n"
		"connections:\n  c: {dbname: x, port: 5433}\n"
		"phases:\n  backup:\n"
		"    - id: a\n      run: [ls]\n      cwd: /srv\n"
		"  verify_backup:\n"
		"    - id: w\n      wait: {connection: c}\n"
		"    - id: f\n      files: {path: /x}\n"
		"  cleanup:\n    - id: z\n      shell: 'true'\n      timeout: 90s\n",
		&err);
	assert_string_equal(d->id, "t");
	assert_string_equal(d->language, "en");
	assert_true(d->targets->rto_s.set);
	assert_int_equal(d->targets->rto_s.v, 900);
	assert_false(d->targets->rpo_s.set);
	assert_int_equal(d->nconns, 1);
	assert_string_equal(d->conns[0].name, "c");
	assert_int_equal(d->conns[0].port.v, 5433);
	assert_ptr_equal(drill_conn(d, "c"), &d->conns[0]);
	assert_null(drill_conn(d, "nope"));
	assert_int_equal(d->nitems, 1);
	assert_string_equal(d->items[0].source.v[0], "x");
	assert_int_equal(d->nsteps, 4);
	assert_ptr_equal(d->steps[0].kind, step_kind_find("command"));
	assert_int_equal(d->steps[0].phase, DRILL_BACKUP);
	assert_int_equal(d->steps[0].timeout_s, 3600);
	assert_string_equal(d->steps[0].display, "ls");
	assert_ptr_equal(d->steps[1].kind, step_kind_find("wait"));
	assert_ptr_equal(d->steps[2].kind, step_kind_find("files"));
	assert_int_equal(d->steps[3].phase, DRILL_CLEANUP);
	assert_int_equal(d->steps[3].timeout_s, 90);
	assert_int_equal(d->steps[3].n, 4);
	assert_ptr_equal(drill_step_by_n(d, 4), &d->steps[3]);
	assert_null(drill_step_by_n(d, 5));
	{
		struct strbuf sb = STRBUF_INIT;
		plan_step_describe(&d->steps[1], &sb);
		assert_string_equal(sb.buf, "wait until 'c' accepts connections "
				    "(at most 60s)");
		strbuf_reset(&sb);
		plan_step_describe(&d->steps[2], &sb);
		assert_string_equal(sb.buf, "/x: exists");
		strbuf_release(&sb);
	}
	drill_free(d);
	error_release(&err);
}

/* A journal's plan is hostile input: wrong types are errors, not crashes. */
static void test_model_hostile_body(void **state)
{
	static const char *const edits[][2] = {
		{ "/title", "5" },
		{ "/steps", "{}" },
		{ "/steps", "[]" },
		{ "/steps/0/kind", "\"nosuch\"" },
		{ "/steps/0/kind", "null" },
		{ "/steps/0/phase", "\"later\"" },
		{ "/steps/0/n", "7" },
		{ "/steps/0/timeout_s", "\"1h\"" },
		{ "/steps/0/destructive", "1" },
		{ "/steps/0/run", "\"ls\"" },
		{ "/steps/0/run", "[1]" },
		{ "/steps/0/expect_exit", "[\"0\"]" },
		{ "/steps/1/wait", "[]" },
		{ "/steps/1/wait/connection", "{}" },
		{ "/connections/c", "\"x\"" },
		{ "/connections/c/port", "\"5432\"" },
		{ "/backup_set", "{}" },
		{ "/backup_set/0/source", "[null]" },
		{ "/targets", "[]" },
		{ "/vars", "{\"a\": 1}" },
	};
	struct error err = ERROR_INIT;
	json_t *body = load_text(HEAD "connections:\n  c: {dbname: x}\n"
		"phases:\n  backup:\n    - id: a\n      run: [ls]\n"
		"    - id: w\n      wait: {connection: c}\n", NULL, &err);
	size_t i;
	(void)state;

	assert_non_null(body);
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		json_t *b = json_deep_copy(body), *parent = b, *v;
		char path[64], *last, *tok, *save = NULL;
		struct drill *d;

		snprintf(path, sizeof(path), "%s", edits[i][0]);
		last = strrchr(path, '/');
		*last++ = '\0';
		for (tok = strtok_r(path, "/", &save); tok;
		     tok = strtok_r(NULL, "/", &save))
			parent = json_is_array(parent) ?
				 json_array_get(parent, (size_t)atoi(tok)) :
				 json_object_get(parent, tok);
		v = json_loads(edits[i][1], JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		if (json_is_array(parent))
			json_array_set_new(parent, (size_t)atoi(last), v);
		else
			json_object_set_new(parent, last, v);
		d = drill_from_body(b, &err);
		if (d)
			fail_msg("edit %s = %s was accepted", edits[i][0],
				 edits[i][1]);
		assert_non_null(strstr(err.msg.buf, "plan"));
		json_decref(b);
	}
	json_decref(body);
	error_release(&err);
}

/* Every kind is complete: the loader, plan, runner and report need it all. */
static void test_kinds_complete(void **state)
{
	static const char *const langs[] = { "en", "zh-CN", NULL };
	const struct step_kind *const *k;
	const char *const *l;
	size_t n = 0;
	(void)state;

	for (k = step_kinds; *k; k++, n++) {
		assert_non_null((*k)->name);
		assert_ptr_equal(step_kind_find((*k)->name), *k);
		assert_non_null((*k)->selectors);
		assert_non_null((*k)->selectors[0]);
		assert_non_null((*k)->noun);
		assert_non_null((*k)->fields);
		assert_non_null((*k)->params);
		assert_true((*k)->params->size > 0);
		assert_non_null((*k)->describe);
		assert_non_null((*k)->run);
		/* Its words: what it emits, in every report language. */
		assert_non_null((*k)->words);
		/* Its report partial, in every language (tests run at the top). */
		for (l = langs; *l; l++) {
			char path[128];
			snprintf(path, sizeof(path),
				 "templates/kind-%s.%s.md.mustache", (*k)->name, *l);
			if (access(path, R_OK) != 0)
				fail_msg("%s is missing", path);
		}
		/* A report section of its own: in every language, or none. */
		{
			int have = 0;
			for (l = langs; *l; l++) {
				char path[128];
				snprintf(path, sizeof(path), "templates/kind-%s-"
					 "section.%s.md.mustache", (*k)->name, *l);
				have += access(path, R_OK) == 0;
			}
			assert_true(have == 0 || have == 2);
		}
	}
	assert_true(n >= 7);
	/* No two kinds share a name or a selector (BUG()s otherwise). */
	step_kinds_check();
	assert_null(step_kind_find("nosuch"));
	assert_null(step_kind_find(NULL));
}

/* A record read back: typed by a table, wrong types absent, never refused. */
struct lt_item {
	const char *name;
	struct schema_int rows;
};
static const struct schema_field lt_item_fields[] = {
	{ .key = "name", .type = SCHEMA_STR, .off = offsetof(struct lt_item, name) },
	{ .key = "rows", .type = SCHEMA_INT, .off = offsetof(struct lt_item, rows) },
	{ 0 }
};
static const struct schema lt_item_schema = {
	.what = "item", .fields = lt_item_fields, .size = sizeof(struct lt_item),
};
struct lt_rec {
	const char *path;
	struct schema_int bytes;
	struct schema_real secs;
	int ok;
	struct strvec names;
	struct lt_item *items;
	size_t nitems;
	struct lt_item *one;
};
static const struct schema_field lt_str = { .type = SCHEMA_STR };
static const struct schema_field lt_obj = { .type = SCHEMA_OBJ,
					    .obj = &lt_item_schema };
static const struct schema_field lt_fields[] = {
	{ .key = "path", .type = SCHEMA_STR, .flags = SCHEMA_REQ,
	  .off = offsetof(struct lt_rec, path) },
	{ .key = "bytes", .type = SCHEMA_INT, .off = offsetof(struct lt_rec, bytes) },
	{ .key = "secs", .type = SCHEMA_REAL, .off = offsetof(struct lt_rec, secs) },
	{ .key = "ok", .type = SCHEMA_BOOL, .off = offsetof(struct lt_rec, ok) },
	{ .key = "names", .type = SCHEMA_LIST, .item = &lt_str,
	  .off = offsetof(struct lt_rec, names) },
	{ .key = "items", .type = SCHEMA_LIST, .item = &lt_obj,
	  .off = offsetof(struct lt_rec, items),
	  .off2 = offsetof(struct lt_rec, nitems) },
	{ .key = "one", .type = SCHEMA_OBJ, .obj = &lt_item_schema,
	  .off = offsetof(struct lt_rec, one) },
	{ 0 }
};
static const struct schema lt_schema = {
	.what = "rec", .fields = lt_fields, .size = sizeof(struct lt_rec),
};

static void lt_bind(const char *text, struct lt_rec *r, json_t **j)
{
	*j = json_loads(text, JSON_DECODE_ANY, NULL);
	assert_non_null(*j);
	memset(r, 0, sizeof(*r));
	schema_bind_lenient(&lt_schema, *j, r);
}

static void test_schema_lenient(void **state)
{
	struct lt_rec r;
	struct error err = ERROR_INIT;
	json_t *j;

	(void)state;
	lt_bind("{\"path\":\"a\",\"bytes\":7,\"secs\":1.5,\"ok\":true,"
		"\"names\":[\"x\",\"y\"],\"items\":[{\"name\":\"t\",\"rows\":3}],"
		"\"one\":{\"name\":\"u\"}}", &r, &j);
	assert_string_equal(r.path, "a");
	assert_true(r.bytes.set && r.bytes.v == 7);
	assert_true(r.secs.set && r.secs.v == 1.5);
	assert_true(r.ok);
	assert_int_equal(r.names.nr, 2);
	assert_int_equal(r.nitems, 1);
	assert_string_equal(r.items[0].name, "t");
	assert_int_equal(r.items[0].rows.v, 3);
	assert_string_equal(r.one->name, "u");
	assert_false(r.one->rows.set);
	schema_release(&lt_schema, &r);
	json_decref(j);

	/* Every member of the wrong type: absent, the rest still read. */
	lt_bind("{\"path\":5,\"bytes\":\"7\",\"secs\":\"x\",\"ok\":1,"
		"\"names\":[\"x\",3,\"z\"],\"items\":[4,{\"name\":[],\"rows\":2}],"
		"\"one\":[]}", &r, &j);
	assert_null(r.path);
	assert_false(r.bytes.set);
	assert_false(r.secs.set);
	assert_false(r.ok);
	assert_int_equal(r.names.nr, 2);
	assert_string_equal(r.names.v[1], "z");
	assert_int_equal(r.nitems, 2);
	assert_null(r.items[0].name);
	assert_false(r.items[0].rows.set);
	assert_null(r.items[1].name);
	assert_int_equal(r.items[1].rows.v, 2);
	assert_null(r.one);
	schema_release(&lt_schema, &r);

	/* The strict bind refuses the same record. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(schema_bind(&lt_schema, j, &r, "rec", &err), -1);
	assert_non_null(strstr(err.msg.buf, "'path' must be text"));
	schema_release(&lt_schema, &r);
	error_release(&err);
	json_decref(j);

	/* Not an object at all, or the required member missing: all absent. */
	lt_bind("[1,2]", &r, &j);
	assert_null(r.path);
	assert_int_equal(r.nitems, 0);
	schema_release(&lt_schema, &r);
	json_decref(j);
	lt_bind("{}", &r, &j);
	assert_null(r.path);
	schema_release(&lt_schema, &r);
	json_decref(j);
}

/* SCHEMA_RAW: the member's own JSON, any type; schema_empty_text(): "". */
struct rt_rec {
	json_t *any, *also;
	const char *text, *keep;
	struct schema_int n;
	struct lt_item *items;
	size_t nitems;
	struct lt_item *one;
};
static const struct schema_field rt_fields[] = {
	{ .key = "any", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct rt_rec, any) },
	{ .key = "n", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct rt_rec, also) },
	{ .key = "text", .type = SCHEMA_STR, .off = offsetof(struct rt_rec, text) },
	{ .key = "keep", .type = SCHEMA_STR, .flags = SCHEMA_KEEPNULL,
	  .off = offsetof(struct rt_rec, keep) },
	{ .key = "n", .type = SCHEMA_INT, .off = offsetof(struct rt_rec, n) },
	{ .key = "items", .type = SCHEMA_LIST, .item = &lt_obj,
	  .off = offsetof(struct rt_rec, items),
	  .off2 = offsetof(struct rt_rec, nitems) },
	{ .key = "one", .type = SCHEMA_OBJ, .obj = &lt_item_schema,
	  .off = offsetof(struct rt_rec, one) },
	{ 0 }
};
static const struct schema rt_schema = {
	.what = "rec", .fields = rt_fields, .size = sizeof(struct rt_rec),
};

static void test_schema_raw_empty(void **state)
{
	struct rt_rec r;
	struct error err = ERROR_INIT;
	json_t *j;

	(void)state;
	j = json_loads("{\"any\":[1,{}],\"n\":\"7\",\"text\":3,\"keep\":4,"
		       "\"items\":[5,{\"name\":\"a\"}],\"one\":{\"rows\":1}}",
		       0, NULL);
	assert_non_null(j);
	memset(&r, 0, sizeof(r));
	schema_bind_lenient(&rt_schema, j, &r);
	/* Borrowed, whatever its type; a key may be bound twice. */
	assert_ptr_equal(r.any, json_object_get(j, "any"));
	assert_true(json_is_string(r.also));
	assert_false(r.n.set);
	assert_null(r.text);
	schema_empty_text(&rt_schema, &r);
	assert_string_equal(r.text, "");
	assert_null(r.keep);
	assert_int_equal(r.nitems, 2);
	assert_string_equal(r.items[0].name, "");
	assert_string_equal(r.items[1].name, "a");
	assert_string_equal(r.one->name, "");
	schema_release(&rt_schema, &r);
	/* The strict bind takes RAW members as they are too. */
	memset(&r, 0, sizeof(r));
	json_object_del(j, "text");
	json_object_del(j, "keep");
	json_object_del(j, "items");
	json_object_set_new(j, "n", json_integer(7));
	assert_int_equal(schema_bind(&rt_schema, j, &r, "rec", &err), 0);
	assert_true(json_is_array(r.any));
	assert_true(r.n.set && r.n.v == 7 && json_is_integer(r.also));
	schema_release(&rt_schema, &r);
	json_decref(j);
	/* Nothing bound (not an object): every text "", every pointer NULL. */
	memset(&r, 0, sizeof(r));
	schema_bind_lenient(&rt_schema, NULL, &r);
	schema_empty_text(&rt_schema, &r);
	assert_string_equal(r.text, "");
	assert_null(r.any);
	assert_null(r.one);
	schema_release(&rt_schema, &r);
	error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_strvec),
		cmocka_unit_test(test_shquote),
		cmocka_unit_test(test_expand_modes),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_undefined_position),
		cmocka_unit_test(test_plan_hash_stable),
		cmocka_unit_test(test_journal_chain),
		cmocka_unit_test(test_journal_line_cap),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_model_fields),
		cmocka_unit_test(test_model_hostile_body),
		cmocka_unit_test(test_kinds_complete),
		cmocka_unit_test(test_schema_lenient),
		cmocka_unit_test(test_schema_raw_empty),
	};
	int rc;
	char cmd[300];

	if (!mkdtemp(tmpdir))
		return 1;
	rc = cmocka_run_group_tests_name("core", tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}

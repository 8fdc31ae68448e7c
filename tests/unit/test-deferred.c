/*
 * Unit tests of the typed references to scheduled items' picked files
 * (expand.h's templates and picks, deferred.h, drill_bind_picks()):
 * parsing and filling with each quoting, a missing pick changing
 * nothing, and a loaded drill bound with picks reading exactly what the
 * old whole-plan rewrite (expand_deferred_tree + drill_from_body) gave,
 * field by field, with a hostile file name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deferred.h"
#include "drill.h"
#include "error.h"
#include "expand.h"
#include "step.h"
#include "strbuf.h"
#include "strvec.h"

static char tmpdir[] = "/tmp/rdrill-test-deferred.XXXXXX";

/* A file name that is every quoting's trouble at once. */
#define HOSTILE "/bk/it's a $(touch x) \"b\"\nc `id` ;d.dump"

static void test_template(void **state)
{
	struct expand_template t = EXPAND_TEMPLATE_INIT;
	struct expand_picks p = EXPAND_PICKS_INIT;
	struct strbuf out = STRBUF_INIT, missing = STRBUF_INIT;
	const char *s = "a ${backup.db.path} b ${backup.x.y.path@shell} "
			"c ${backup.db.path@sql}; $1 ${not} ${backup.db.path";

	(void)state;
	assert_int_equal(expand_template_parse(s, &t), 3);
	assert_true(expand_template_refers(&t, "db"));
	assert_true(expand_template_refers(&t, "x.y"));
	assert_false(expand_template_refers(&t, "x"));
	expand_picks_set(&p, "db", "/old");
	expand_picks_set(&p, "db", HOSTILE);
	expand_picks_set(&p, "x.y", "/q r");
	assert_string_equal(expand_picks_get(&p, "db"), HOSTILE);
	assert_null(expand_picks_get(&p, "nope"));
	assert_int_equal(expand_template_fill(&t, &p, &out, &missing), 0);
	assert_string_equal(out.buf,
		"a " HOSTILE " b '/q r' c '/bk/it''s a $(touch x) \"b\"\n"
		"c `id` ;d.dump'; $1 ${not} ${backup.db.path");
	expand_template_release(&t);

	/* Shell-quoted: one word, the quote closed and reopened. */
	strbuf_reset(&out);
	assert_int_equal(expand_template_parse("${backup.db.path@shell}", &t), 1);
	assert_int_equal(expand_template_fill(&t, &p, &out, &missing), 0);
	assert_string_equal(out.buf, "'/bk/it'\\''s a $(touch x) \"b\"\n"
			    "c `id` ;d.dump'");
	expand_template_release(&t);

	/* A text without placeholders: nothing to fill. */
	assert_int_equal(expand_template_parse("plain $x ${y}", &t), 0);
	expand_template_release(&t);

	/* An item with no pick: -1, named. */
	strbuf_reset(&out);
	assert_int_equal(expand_template_parse("${backup.zz.path}", &t), 1);
	assert_int_equal(expand_template_fill(&t, &p, &out, &missing), -1);
	assert_string_equal(missing.buf, "zz");
	expand_template_release(&t);
	expand_picks_release(&p);
	strbuf_release(&out);
	strbuf_release(&missing);
}

/* The old string form agrees with the typed one. */
static void test_deferred_string(void **state)
{
	json_t *paths = json_pack("{s:s}", "db", HOSTILE);
	struct strbuf out = STRBUF_INIT, missing = STRBUF_INIT;

	(void)state;
	assert_int_equal(expand_deferred("x ${backup.db.path@sql} y", paths,
					 &out, &missing), 1);
	assert_string_equal(out.buf, "x '/bk/it''s a $(touch x) \"b\"\n"
			    "c `id` ;d.dump' y");
	strbuf_reset(&out);
	assert_int_equal(expand_deferred("${backup.no.path}", paths, &out,
					 &missing), -1);
	assert_string_equal(missing.buf, "no");
	json_decref(paths);
	strbuf_release(&out);
	strbuf_release(&missing);
}

static const char drill_yaml[] =
	"rdrill: 1\nid: t\ntitle: T\nsystem: s\nenvironment: test\n"
	"objective: o\n"
	"connections:\n  app: {host: /tmp, port: 5432, dbname: app, "
	"user: postgres}\n"
	"backup_set:\n"
	"  - {id: db, title: d, tier: 1, kind: database, source: [app],\n"
	"     scheduled: '/bk/*.dump'}\n"
	"  - {id: fixed, title: f, tier: 1, kind: database, source: [app],\n"
	"     artifact: /art/fixed.dump}\n"
	"phases:\n"
	"  verify_backup:\n"
	"    - id: toc\n"
	"      title: 'the toc of ${backup.db.path}'\n"
	"      toc: {dump: '${backup.db.path}', connection: app}\n"
	"    - id: q\n"
	"      sql: {connection: app, query: 'SELECT ${backup.db.path}'}\n"
	"    - id: fixed\n"
	"      run: [ls, '${backup.fixed.path}']\n"
	"  restore:\n"
	"    - id: argv\n"
	"      run: [pg_restore, -d, app, '${backup.db.path}']\n"
	"      env: {DUMP: '${backup.db.path}', OTHER: x}\n"
	"    - id: sh\n"
	"      shell: 'test -s ${backup.db.path} && echo ${backup.db.path}'\n";

static struct drill *load(void)
{
	char path[256];
	FILE *f;
	struct drill_opts o = { NULL, 1768953600 };
	struct error err = ERROR_INIT;
	struct drill *d;

	snprintf(path, sizeof(path), "%s/d.yaml", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(drill_yaml, f);
	fclose(f);
	d = drill_load(path, &o, &err);
	if (!d)
		fail_msg("%s", err.msg.buf);
	error_release(&err);
	return d;
}

static int collect(const char **text, void *sv)
{
	strvec_push(sv, *text);
	return 0;
}

/* Every text a step's code reads: its common fields and its params. */
static void step_texts(const struct drill_step *s, struct strvec *out)
{
	strvec_push(out, s->id);
	strvec_push(out, s->title ? s->title : "(none)");
	strvec_push(out, s->note ? s->note : "(none)");
	strvec_push(out, s->display ? s->display : "(none)");
	deferred_walk(s->kind->params, s->params, collect, out);
}

static void test_bind_like_rewrite(void **state)
{
	struct drill *d = load(), *old;
	struct expand_picks p = EXPAND_PICKS_INIT;
	struct strbuf missing = STRBUF_INIT;
	struct error err = ERROR_INIT;
	json_t *paths = json_pack("{s:s}", "db", HOSTILE), *body;
	const char *plan_display;
	size_t i, j;

	(void)state;
	/* Which steps read a picked file: those that name one. */
	assert_true(drill_step_reads(&d->steps[0], "db"));
	assert_true(drill_step_reads(&d->steps[1], "db"));
	assert_false(drill_step_reads(&d->steps[2], "db"));
	assert_true(drill_step_reads(&d->steps[3], "db"));
	assert_true(drill_step_reads(&d->steps[4], "db"));

	/* A pick missing: -1, nothing bound. */
	plan_display = d->steps[3].display;
	assert_int_equal(drill_bind_picks(d, &p, &missing), -1);
	assert_string_equal(missing.buf, "db");
	assert_ptr_equal(d->steps[3].display, plan_display);

	expand_picks_set(&p, "db", HOSTILE);
	assert_int_equal(drill_bind_picks(d, &p, &missing), 0);
	/* The old way: the whole plan rewritten and bound again. */
	body = json_deep_copy(d->body);
	assert_int_equal(expand_deferred_tree(json_object_get(body, "steps"),
					      paths, &missing), 0);
	old = drill_from_body(body, &err);
	assert_non_null(old);
	json_decref(body);
	assert_int_equal(old->nsteps, d->nsteps);
	for (i = 0; i < d->nsteps; i++) {
		struct strvec a = STRVEC_INIT, b = STRVEC_INIT;

		step_texts(&d->steps[i], &a);
		step_texts(&old->steps[i], &b);
		assert_int_equal(a.nr, b.nr);
		for (j = 0; j < a.nr; j++)
			assert_string_equal(a.v[j], b.v[j]);
		strvec_clear(&a);
		strvec_clear(&b);
	}
	assert_non_null(strstr(d->steps[4].display, "'\\''"));
	assert_true(drill_step_mentions(&d->steps[3], HOSTILE));
	assert_false(drill_step_mentions(&d->steps[2], HOSTILE));
	/* The plan body keeps the rule. */
	{
		char *text = json_dumps(d->body, JSON_COMPACT);
		assert_non_null(strstr(text, "${backup.db.path}"));
		assert_null(strstr(text, "touch x"));
		free(text);
	}

	/* Bound again (a second pick) and back out: the plan's texts. */
	expand_picks_set(&p, "db", "/bk/other.dump");
	assert_int_equal(drill_bind_picks(d, &p, &missing), 0);
	assert_non_null(strstr(d->steps[3].display, "/bk/other.dump"));
	drill_unbind_picks(d);
	assert_ptr_equal(d->steps[3].display, plan_display);
	assert_false(drill_step_mentions(&d->steps[3], "/bk/"));

	/* Freed while bound: the vectors get their own texts back. */
	assert_int_equal(drill_bind_picks(d, &p, &missing), 0);
	drill_free(d);
	drill_free(old);
	json_decref(paths);
	expand_picks_release(&p);
	strbuf_release(&missing);
	error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_deferred_string),
		cmocka_unit_test(test_bind_like_rewrite),
	};
	int rc;
	char cmd[300];

	if (!mkdtemp(tmpdir))
		return 1;
	rc = cmocka_run_group_tests_name("deferred", tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}

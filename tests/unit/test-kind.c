/*
 * ARCHITECTURE.md promises that adding a step kind takes one file, one
 * row in step_kinds[] and its templates. tests/kinds/ holds such a kind,
 * "probe", built only into this binary (its own step_kinds[] with one
 * row more, linked before librdrill.a). It is loaded, planned, run,
 * reported in English and in Chinese (every word said, nothing English
 * left in the Chinese report but the author's, marked) and verified,
 * through the same commands as rdrill, with no other change anywhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "report.h"
#include "step.h"
#include "strbuf.h"
#include "words.h"

static struct strbuf trash = STRBUF_INIT;

static void copy_dir(const char *from, const char *to)
{
	DIR *dh = opendir(from);
	struct dirent *de;

	assert_non_null(dh);
	while ((de = readdir(dh))) {
		struct strbuf src = STRBUF_INIT, dst = STRBUF_INIT, body = STRBUF_INIT;
		struct error err = ERROR_INIT;
		size_t n = strlen(de->d_name);

		if (n < 9 || strcmp(de->d_name + n - 9, ".mustache"))
			continue;
		strbuf_addf(&src, "%s/%s", from, de->d_name);
		strbuf_addf(&dst, "%s/%s", to, de->d_name);
		assert_true(strbuf_read_file(&body, src.buf, 1 << 20) >= 0);
		assert_int_equal(fs_write_atomic(dst.buf, body.buf, body.len,
						 &err), 0);
		strbuf_release(&src);
		strbuf_release(&dst);
		strbuf_release(&body);
		error_release(&err);
	}
	closedir(dh);
}

/* rdrill's templates and the probe's, in one directory of the trash. */
static int setup(void **state)
{
	struct strbuf t = STRBUF_INIT;
	const char *tmp = getenv("TMPDIR");

	(void)state;
	strbuf_addf(&trash, "%s/rdrill-test-kind.XXXXXX", tmp && *tmp ? tmp :
		    "/tmp");
	if (!mkdtemp(trash.buf))
		return -1;
	strbuf_addf(&t, "%s/templates", trash.buf);
	if (mkdir(t.buf, 0700) < 0)
		return -1;
	copy_dir("templates", t.buf);
	copy_dir("tests/kinds/templates", t.buf);
	setenv("RDRILL_TEMPLATES", t.buf, 1);
	strbuf_release(&t);
	return 0;
}

static int teardown(void **state)
{
	struct strbuf cmd = STRBUF_INIT;

	(void)state;
	if (!getenv("RDRILL_KEEP")) {
		strbuf_addf(&cmd, "rm -rf '%s'", trash.buf);
		if (system(cmd.buf) != 0)
			return -1;
	}
	strbuf_release(&cmd);
	strbuf_release(&trash);
	return 0;
}

static const char drill_text[] =
	"rdrill: 1\n"
	"id: probe-drill\n"
	"title: Probe drill\n"
	"system: test\n"
	"environment: test\n"
	"objective: prove a kind is one room\n"
	"language: en\n"
	"backup_set:\n"
	"  - id: db\n"
	"    title: database\n"
	"    tier: 1\n"
	"    kind: database\n"
	"    source: [db]\n"
	"    artifact: /tmp/x.dump\n"
	"phases:\n"
	"  backup:\n"
	"    - id: hello\n"
	"      probe: { word: hello, times: 3 }\n";

/* rdrill's main(), built again for this binary (Makefile). */
int rdrill_main(int argc, char **argv);

static int rdrill(const char *const *args)
{
	char *argv[16];
	int argc = 1;

	argv[0] = (char *)"rdrill";
	while (args[argc - 1] && argc < 15) {
		argv[argc] = (char *)args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	return rdrill_main(argc, argv);
}

static void test_table(void **state)
{
	(void)state;
	step_kinds_check();
	assert_non_null(step_kind_find("probe"));
	assert_non_null(step_kind_find("command"));
}

static void test_probe_end_to_end(void **state)
{
	struct strbuf drill = STRBUF_INIT, bundle = STRBUF_INIT, p = STRBUF_INIT;
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
	struct error err = ERROR_INIT;
	json_t *records;
	int torn = 0;
	(void)state;

	strbuf_addf(&drill, "%s/probe.yaml", trash.buf);
	strbuf_addf(&bundle, "%s/b", trash.buf);
	assert_int_equal(fs_write_atomic(drill.buf, drill_text,
					 strlen(drill_text), &err), 0);
	{
		const char *v[] = { "validate", drill.buf, NULL };
		assert_int_equal(rdrill(v), 0);
	}
	{
		const char *r[] = { "run", drill.buf, "-o", bundle.buf, NULL };
		assert_int_equal(rdrill(r), 0);
	}
	strbuf_addf(&p, "%s/report.md", bundle.buf);
	assert_true(strbuf_read_file(&md, p.buf, 1 << 22) >= 0);
	/* Its partial, its description, its check, its summary on page 1. */
	assert_non_null(strstr(md.buf, "Said: hello hello hello"));
	assert_non_null(strstr(md.buf, "say 'hello' 3 times"));
	assert_non_null(strstr(md.buf, "| words said | 3 times | 3 times | `PASSED` |"));
	assert_non_null(strstr(md.buf, "'hello' said 3 times"));
	{
		const char *v[] = { "verify", bundle.buf, NULL };
		assert_int_equal(rdrill(v), 0);
	}

	/* In Chinese: its own words, nothing English but the author's. */
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/journal.jsonl", bundle.buf);
	records = journal_read(p.buf, &torn, &err);
	assert_non_null(records);
	strbuf_reset(&md);
	assert_int_equal(report_render(records, "zh-CN", &md, &html, &err), 0);
	assert_non_null(strstr(md.buf, "所说内容：hello hello hello"));
	assert_non_null(strstr(md.buf, "说 hello 共 3 次"));
	assert_non_null(strstr(md.buf, "| 说出的次数 | 3 次 | 3 次 | `PASSED` |"));
	assert_non_null(strstr(md.buf, "hello 说了 3 次"));
	assert_null(strstr(md.buf, "times"));
	json_decref(records);
	strbuf_release(&drill);
	strbuf_release(&bundle);
	strbuf_release(&p);
	strbuf_release(&md);
	strbuf_release(&html);
	error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_probe_end_to_end),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

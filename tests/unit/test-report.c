/*
 * The report from real journals (tests/data/report/NAME.jsonl, copied from
 * real runs): rendered in both languages and compared byte for byte
 * with tests/golden/report/. RDRILL_UPDATE_GOLDEN=1 rewrites the golden
 * files instead (then read the diff: that is the point of them).
 * Also: times in the run's zone whatever TZ the renderer has, and a
 * raw report.md without needless backslashes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "report.h"
#include "strbuf.h"

static json_t *load(const char *name)
{
	struct error err = ERROR_INIT;
	struct strbuf path = STRBUF_INIT;
	json_t *records;
	int torn = 0;

	strbuf_addf(&path, "tests/data/report/%s.jsonl", name);
	records = journal_read(path.buf, &torn, &err);
	if (!records)
		fail_msg("%s: %s", path.buf, err.msg.buf);
	strbuf_release(&path);
	error_release(&err);
	return records;
}

static void render(json_t *records, const char *lang, struct strbuf *md,
		   struct strbuf *html)
{
	struct error err = ERROR_INIT;

	if (report_render(records, lang, md, html, &err) < 0)
		fail_msg("render: %s", err.msg.buf);
	error_release(&err);
}

static void golden(const char *name, const char *lang)
{
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT, path = STRBUF_INIT;
	struct strbuf want = STRBUF_INIT;
	struct error err = ERROR_INIT;
	json_t *records = load(name);
	const char *upd = getenv("RDRILL_UPDATE_GOLDEN");

	render(records, lang, &md, &html);
	strbuf_addf(&path, "tests/golden/report/%s.%s.md", name, lang);
	if (upd && !strcmp(upd, "1")) {
		if (fs_write_atomic(path.buf, md.buf, md.len, &err) < 0)
			fail_msg("%s: %s", path.buf, err.msg.buf);
	} else {
		if (strbuf_read_file(&want, path.buf, 1 << 22) < 0)
			fail_msg("cannot read %s (RDRILL_UPDATE_GOLDEN=1 makes it)",
				 path.buf);
		if (want.len != md.len || memcmp(want.buf, md.buf, md.len)) {
			size_t i = 0, line = 1, n = want.len < md.len ?
				   want.len : md.len;

			for (; i < n && want.buf[i] == md.buf[i]; i++)
				line += want.buf[i] == '\n';
			fail_msg("%s:%zu differs from the render (now: "
				 "\"%.120s\"); RDRILL_UPDATE_GOLDEN=1 remakes it",
				 path.buf, line, md.buf + i);
		}
	}
	json_decref(records);
	strbuf_release(&md);
	strbuf_release(&html);
	strbuf_release(&path);
	strbuf_release(&want);
	error_release(&err);
}

static void test_golden_passed_zh(void **state)
{
	(void)state;
	golden("demo-passed", "zh-CN");
}

static void test_golden_passed_en(void **state)
{
	(void)state;
	golden("demo-passed", "en");
}

/* The summary comes first, before any step. */
static void test_summary_first(void **state)
{
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
	json_t *records = load("demo-passed");
	const char *sum, *rto, *step1, *find;

	(void)state;
	render(records, "en", &md, &html);
	sum = strstr(md.buf, "## Summary");
	rto = strstr(md.buf, "| RTO ");
	find = strstr(md.buf, "### Findings and deviations");
	step1 = strstr(md.buf, "#### 1. ");
	assert_non_null(sum);
	assert_non_null(rto);
	assert_non_null(find);
	assert_non_null(step1);
	assert_true(sum < rto && rto < find && find < step1);
	assert_non_null(strstr(md.buf, "**Verdict**: `PASSED`"));
	json_decref(records);
	strbuf_release(&md);
	strbuf_release(&html);
}

/* No backslash before what needs none: paths, parentheses, @, _. */
static void test_markdown_plain(void **state)
{
	static const char *const lang[] = { "en", "zh-CN" };
	static const char *const bad[] = { "\\/", "\\(", "\\)", "\\@", "\\_",
					   "=\\>", "-\\>", "\\>", "\\[", "\\*", NULL };
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
	json_t *records = load("demo-passed");
	size_t i, j;

	(void)state;
	for (i = 0; i < 2; i++) {
		strbuf_reset(&md);
		strbuf_reset(&html);
		render(records, lang[i], &md, &html);
		for (j = 0; bad[j]; j++)
			if (strstr(md.buf, bad[j]))
				fail_msg("%s report holds \"%s\" near: %.80s",
					 lang[i], bad[j], strstr(md.buf, bad[j]) - 40);
	}
	json_decref(records);
	strbuf_release(&md);
	strbuf_release(&html);
}

/* The zh-CN report says the checks' words in Chinese, en in English. */
static void test_one_language(void **state)
{
	static const char *const en_words[] = { "| exit code |",
		"canary row found", "| Check |", "**Verdict**", "started ",
		"connection mm:", "SQL, in a read-only", "canary record:", NULL };
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
	json_t *records = load("demo-passed");
	size_t i;

	(void)state;
	render(records, "zh-CN", &md, &html);
	for (i = 0; en_words[i]; i++)
		if (strstr(md.buf, en_words[i]))
			fail_msg("zh-CN report holds \"%s\"", en_words[i]);
	assert_non_null(strstr(md.buf, "· 退出码 0（期望 0） ·"));
	assert_non_null(strstr(md.buf, "| 找到 canary 行 | 恰好 1 行 | 1 行 |"));
	strbuf_reset(&md);
	strbuf_reset(&html);
	render(records, "en", &md, &html);
	assert_null(strstr(md.buf, "退出码"));
	assert_null(strstr(md.buf, "结论"));
	assert_non_null(strstr(md.buf, "· exit code 0 (expected 0) ·"));
	json_decref(records);
	strbuf_release(&md);
	strbuf_release(&html);
}

/* Times in the run's zone, not the renderer's: TZ plays no part. */
static void test_times_in_run_zone(void **state)
{
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT, md2 = STRBUF_INIT;
	json_t *records = load("demo-passed");
	json_t *env = json_object_get(json_object_get(json_array_get(records, 0),
						      "context"), "environment");

	(void)state;
	json_object_set_new(env, "zone", json_string("CST (UTC+0800)"));
	setenv("TZ", "America/New_York", 1);
	render(records, "en", &md, &html);
	setenv("TZ", "UTC", 1);
	strbuf_reset(&html);
	render(records, "en", &md2, &html);
	assert_string_equal(md.buf, md2.buf);
	/* started 2026-12-02T00:03:33.968Z */
	assert_non_null(strstr(md.buf, "**When**: 2026-12-02 08:03:33 to "
			       "08:03:36 (UTC+0800)"));
	assert_non_null(strstr(md.buf, "· started 08:03:33 (UTC+0800)"));
	json_object_set_new(env, "zone", json_string("X (UTC-0930)"));
	strbuf_reset(&md);
	strbuf_reset(&html);
	render(records, "en", &md, &html);
	assert_non_null(strstr(md.buf, "**When**: 2026-12-01 14:33:33 to "
			       "14:33:36 (UTC-0930)"));
	unsetenv("TZ");
	json_decref(records);
	strbuf_release(&md);
	strbuf_release(&md2);
	strbuf_release(&html);
}

/*
 * A measured RTO or RPO past its target is a finding, worded with the
 * row's own target and figure (the rows' words, kept for the findings).
 */
static void test_targets_missed(void **state)
{
	static const struct {
		const char *journal, *key;
		json_int_t ms;
		const char *en, *zh;
	} cases[] = {
		{ "demo-passed", "rto_ms", 400000,
		  "RTO 6m40s exceeds the target 5m.",
		  "RTO 实测 6 分 40 秒 超过目标 5 分钟。" },
		{ "rpo-failed", "rpo_ms", 99999999,
		  "RPO 1d03h exceeds the target 1d.",
		  "RPO 实测 1 天 03 小时 超过目标 1 天。" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
		json_t *records = load(cases[i].journal);
		json_t *end = json_array_get(records,
					     json_array_size(records) - 1);

		json_object_set_new(end, cases[i].key, json_integer(cases[i].ms));
		render(records, "en", &md, &html);
		assert_non_null(strstr(md.buf, cases[i].en));
		strbuf_reset(&md);
		strbuf_reset(&html);
		render(records, "zh-CN", &md, &html);
		assert_non_null(strstr(md.buf, cases[i].zh));
		/* Within the target: no such finding. */
		json_object_set_new(end, cases[i].key, json_integer(1));
		strbuf_reset(&md);
		strbuf_reset(&html);
		render(records, "en", &md, &html);
		assert_null(strstr(md.buf, "exceeds the target"));
		json_decref(records);
		strbuf_release(&md);
		strbuf_release(&html);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_passed_zh),
		cmocka_unit_test(test_golden_passed_en),
		cmocka_unit_test(test_summary_first),
		cmocka_unit_test(test_markdown_plain),
		cmocka_unit_test(test_times_in_run_zone),
		cmocka_unit_test(test_one_language),
		cmocka_unit_test(test_targets_missed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

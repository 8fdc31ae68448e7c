/*
 * report.c over hostile journals. The report's date falls back to the
 * first 10 bytes of the start record's "time" when the plan has no
 * date_iso; taking 10 bytes of a shorter string read past its end
 * (jansson keeps short strings in larger buffers, so ASan stayed quiet
 * and the bytes after the NUL reached the report as U+FFFD noise).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "drill-fixture.h"
#include "error.h"
#include "report.h"
#include "strbuf.h"

/* The Markdown line that starts with `prefix`, as a string. */
static void line_of(const struct strbuf *md, const char *prefix,
		    struct strbuf *out)
{
	const char *p = strstr(md->buf, prefix), *nl;

	strbuf_reset(out);
	if (!p)
		return;
	nl = strchr(p, '\n');
	strbuf_add(out, p, nl ? (size_t)(nl - p) : strlen(p));
}

static void render_with_time(const char *time, struct strbuf *date)
{
	struct drill *d = fixture_drill(NULL, json_pack("{s:s, s:s, s:[s]}",
		"id", "hello", "kind", "command", "run", "true"));
	json_t *body = json_deep_copy(d->body), *records;
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
	struct error err = ERROR_INIT;

	json_object_del(json_object_get(body, "vars"), "date_iso");
	records = json_pack("[{s:s, s:s, s:s, s:{s:s, s:o}}]", "type", "start",
			    "mode", "plan", "time", time, "plan", "format",
			    "rdrill-plan/1", "plan", body);
	if (report_render(records, "en", &md, &html, &err) < 0)
		fail_msg("render: %s", err.msg.buf);
	line_of(&md, "**Date**", date);
	json_decref(records);
	drill_free(d);
	strbuf_release(&md);
	strbuf_release(&html);
	error_release(&err);
}

static void test_date_from_short_time(void **state)
{
	struct strbuf date = STRBUF_INIT;

	(void)state;
	render_with_time("2026", &date);
	assert_string_equal(date.buf, "**Date**: 2026  ");
	render_with_time("2026-12-02T00:43:24Z", &date);
	assert_string_equal(date.buf, "**Date**: 2026-12-02  ");
	strbuf_release(&date);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_from_short_time),
	};

	/* The suite runs from the top of the tree. */
	setenv("RDRILL_TEMPLATES", "templates", 0);
	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}

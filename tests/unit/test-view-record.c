/*
 * The kinds' view_record tables (step.h): each view hook reads its
 * journal record through one, bound by report.c with
 * schema_bind_lenient(). A real journal (tests/data/report/demo-passed)
 * renders its canary row, TOC summary, checksum rows and a SQL step's
 * kept result through them; a member of the wrong type reads as absent,
 * never a crash, and leaves the rest of the step's view as it was (but a
 * count, a size and a canary column: shown as recorded, as they always
 * were).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "journal.h"
#include "report.h"
#include "strbuf.h"

/* demo-passed's step record `id`, from `records`. */
static json_t *step_rec(json_t *records, const char *id)
{
	json_t *r;
	size_t i;

	json_array_foreach(records, i, r) {
		const char *rid = json_string_value(json_object_get(r, "id"));
		if (rid && !strcmp(rid, id))
			return r;
	}
	fail_msg("no step %s", id);
	return NULL;
}

/*
 * The journal with step `id`'s member at `path` (dot-separated, from
 * the record) set to `val` (JSON text; NULL deletes it), rendered.
 */
static void render_with(const char *id, const char *path, const char *val,
			const char *lang, struct strbuf *md)
{
	struct error err = ERROR_INIT;
	struct strbuf html = STRBUF_INIT, part = STRBUF_INIT;
	int torn = 0;
	json_t *records = journal_read("tests/data/report/demo-passed.jsonl",
				       &torn, &err);
	json_t *o;
	const char *p = path;

	if (!records)
		fail_msg("%s", err.msg.buf);
	o = step_rec(records, id);
	for (; p && *p;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		strbuf_reset(&part);
		strbuf_add(&part, p, n);
		if (!dot) {
			if (val)
				json_object_set_new(o, part.buf, json_loads(val,
					JSON_DECODE_ANY, NULL));
			else
				json_object_del(o, part.buf);
			break;
		}
		o = json_object_get(o, part.buf);
		assert_non_null(o);
		p = dot + 1;
	}
	strbuf_reset(md);
	if (report_render(records, lang, md, &html, &err) < 0)
		fail_msg("render: %s", err.msg.buf);
	json_decref(records);
	strbuf_release(&html);
	strbuf_release(&part);
	error_release(&err);
}

static void has(const struct strbuf *md, const char *s, int want)
{
	if (!!strstr(md->buf, s) != want)
		fail_msg("%s \"%s\"", want ? "no" : "unexpected", s);
}

static void test_canary(void **state)
{
	static const char *const wrong[] = { "\"x\"", "1", "2.5", "true",
		"false", "null", "[]", NULL };
	struct strbuf md = STRBUF_INIT;
	size_t i;

	(void)state;
	render_with("canary-record", NULL, NULL, "en", &md);
	has(&md, "| `channelid` | chan1 |", 1);
	has(&md, "Row as recorded:", 1);
	/* A value of another type is SQL NULL; the others stay. */
	render_with("canary-record", "evidence.values.channelid", "7", "en",
		    &md);
	has(&md, "| `channelid` | NULL |", 1);
	has(&md, "| `createat` | 1768989600000 |", 1);
	/*
	 * A column that is not text keeps its row, in its place, with no
	 * name and no value (as the report always showed it).
	 */
	render_with("canary-record", "evidence.columns",
		    "[\"channelid\", 5, \"createat\"]", "en", &md);
	has(&md, "| `channelid` | chan1 |\n|  | NULL |\n"
		 "| `createat` | 1768989600000 |", 1);
	/* Columns or values of another type: no row, and no crash. */
	for (i = 0; wrong[i]; i++) {
		render_with("canary-record", "evidence.values", wrong[i], "en",
			    &md);
		has(&md, "Row as recorded:", 0);
		render_with("canary-record", "evidence.columns",
			    strcmp(wrong[i], "[]") ? wrong[i] : "{}", "en", &md);
		has(&md, "Row as recorded:", 0);
		render_with("canary-record", "evidence", wrong[i], "en", &md);
		has(&md, "Row as recorded:", 0);
		render_with("canary-record", "evidence", wrong[i], "zh-CN", &md);
		has(&md, "| `channelid` |", 0);
	}
	strbuf_release(&md);
}

static void test_toc(void **state)
{
	struct strbuf md = STRBUF_INIT;

	(void)state;
	render_with("toc", NULL, NULL, "en", &md);
	has(&md, "| TOC entries | 29 |", 1);
	/* A count of another type is shown as recorded, as it always was. */
	render_with("toc", "evidence.toc.entries", "\"29\"", "en", &md);
	has(&md, "| TOC entries | 29 |", 1);
	render_with("toc", "evidence.toc.entries", "2.5", "en", &md);
	has(&md, "| TOC entries | 2.5 |", 1);
	render_with("toc", "evidence.toc.entries", "{}", "en", &md);
	has(&md, "| TOC entries |  |", 1);
	render_with("toc", "evidence.toc.by_type",
		    "[{\"desc\": \"TABLE\", \"count\": \"5\"}]", "en", &md);
	has(&md, "| TABLE | 5 |", 1);
	render_with("toc", "evidence.toc.by_type", "{}", "en", &md);
	has(&md, "| TOC entries | 29 |", 1);
	render_with("toc", "evidence.toc", "[1]", "en", &md);
	has(&md, "### Dump TOC summary", 0);
	strbuf_release(&md);
}

static void test_checksum(void **state)
{
	static const char *const row = "| mattermost-20261202.dump | 26486 | "
		"`6aa081e729b943025372ebe0add9ed77811381d59256b38a14ca3cfd2a"
		"037767` |";
	struct strbuf md = STRBUF_INIT;

	(void)state;
	render_with("checksum", NULL, NULL, "en", &md);
	has(&md, row, 1);
	render_with("checksum", "evidence.checksums", "{}", "en", &md);
	has(&md, "mattermost-20261202.dump | 26486", 0);
	render_with("checksum", "evidence.sums_file", "5", "en", &md);
	has(&md, row, 1);
	has(&md, "Checksum file:", 0);
	/* A size of another type is shown as recorded, as it always was. */
	render_with("checksum", "evidence.checksums",
		    "[{\"name\": \"x.dump\", \"size\": \"12 bytes\", "
		    "\"sha256\": \"ab\"}, {\"name\": \"y\", \"size\": 2.5, "
		    "\"sha256\": \"cd\"}]", "en", &md);
	has(&md, "| x.dump | 12 bytes | `ab` |", 1);
	has(&md, "| y | 2.5 | `cd` |", 1);
	strbuf_release(&md);
}

static void test_sql_rows_log(void **state)
{
	struct strbuf md = STRBUF_INIT;

	(void)state;
	render_with("posts-before", "rows_log", "{\"path\": "
		    "\"steps/09-posts-before.rows.tsv\", \"sha256\": \"ab12\"}",
		    "en", &md);
	has(&md, "Result rows: 1, SHA-256 `ab12`; the whole result: "
	    "[steps/09-posts-before.rows.tsv](steps/09-posts-before.rows.tsv).",
	    1);
	/* The path of another type: the link has no text, as before. */
	render_with("posts-before", "rows_log", "{\"path\": 3, \"sha256\": "
		    "\"ab12\"}", "en", &md);
	has(&md, "Result rows: 1", 0);
	render_with("posts-before", "rows_log", "[]", "en", &md);
	has(&md, "Result rows:", 0);
	strbuf_release(&md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canary),
		cmocka_unit_test(test_toc),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_sql_rows_log),
	};

	setenv("RDRILL_TEMPLATES", "templates", 0);
	return cmocka_run_group_tests_name("view-record", tests, NULL, NULL);
}
